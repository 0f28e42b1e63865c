/* adapt.h — online recalibration of a distributional model's intervals
 * from the days that became known after its calibration.
 *
 * A distributional model forecasts r_t ~ mu_t + sigma_t z and stores the
 * standardised residuals z of its held-out days (model.h, m->resid). Its
 * sigma reacts to the last `window` bars only, so in a long volatile spell
 * z keeps coming out too large and the misses cluster. The adapted state
 * corrects both the scale and the shape with what is known before each
 * forecast day:
 *  - the scale s: s^2 is an exponentially weighted mean square of the past
 *    z (decay FC_ADAPT_LAMBDA, 1 before the first held-out day), and day t's
 *    scale is sigma_t s;
 *  - the pool: every held-out day's rescaled residual z / s (s as known
 *    before that day), the model's own held-out days first, then each
 *    realised day, the newest FC_ADAPT_MAX_Z kept;
 *  - the bounds: the interval at level L is mu_t + s sigma_t [q_lo, q_hi],
 *    each q the split-conformal quantile of the pool (fc_conformal_bounds)
 *    shrunk toward the Gaussian one of the pool's spread, for any L.
 * Folding in a day needs only that day's outcome, so a forecast made from
 * the state after day t-1 uses nothing from day t or later. The state
 * right after fc_adapt_init is a function of the model alone. The training
 * evaluation scores the test days exactly so (train.h), and /predict gets
 * the same intervals from fc_model_adapt over the bars after the model's
 * calibration days, then fc_model_forecast_dist_adapted. */
#ifndef FC_ADAPT_H
#define FC_ADAPT_H

#include "bar.h"
#include "err.h"
#include "model.h"

/* Decay of the scale's mean square (a half-life of about 46 days); chosen
 * on data before each test period (README.md). */
#define FC_ADAPT_LAMBDA 0.985
/* Rescaled residuals kept, newest first out of the window. */
#define FC_ADAPT_MAX_Z 10000
/* The shrinking's prior weight, in residuals: with n in the pool, each
 * quantile is (1 - w) q + w (+-z rms), w = N0 / (n + N0), z the Gaussian
 * quantile and rms the pool's root mean square. A 2.5 % tail of the 125-250
 * held-out days of a five-year history rests on 3-6 residuals; on long
 * histories (thousands of days) w fades. Chosen on data before each test
 * period (README.md). */
#define FC_ADAPT_SHRINK_N0 100.0

struct fc_adapt {
    double s2;     /* the scale's square: s^2 before the next day */
    int n_z;       /* residuals in the pool, <= FC_ADAPT_MAX_Z */
    double ss;     /* the sum of the pool's squares */
    long n_seen;   /* residuals ever added (the model's and realised) */
    long n_days;   /* realised days added after fc_adapt_init */
    float *ring;   /* [FC_ADAPT_MAX_Z] the pool in arrival order, ring
                    * position n_seen % FC_ADAPT_MAX_Z is the next slot */
    float *sorted; /* [FC_ADAPT_MAX_Z] the same values, ascending */
};

/* The state of a distributional model right after its calibration: s^2 = 1,
 * then each stored held-out z folded in in day order. FC_EINVAL for a point
 * model, FC_ENOMEM. Release with fc_adapt_fini. */
fc_err fc_adapt_init(struct fc_adapt *a, const struct fc_model *m);
void fc_adapt_fini(struct fc_adapt *a);

/* Folds in one day's standardised residual z = (r - mu) / sigma: the pool
 * gets z / s, then s^2 <- lambda s^2 + (1 - lambda) z^2. A z that is not
 * finite is ignored. */
void fc_adapt_add(struct fc_adapt *a, double z);

/* The current scale s (multiplies sigma). */
double fc_adapt_scale(const struct fc_adapt *a);

/* The interval's bounds in units of sigma at `level` in (0, 1): s times the
 * split-conformal quantiles of the pool, each shrunk toward the Gaussian
 * one (FC_ADAPT_SHRINK_N0), then lo <= 0 <= hi as fc_conformal_bounds. 0, 0
 * for an empty pool. FC_EINVAL for a level outside (0, 1). Never
 * allocates. */
fc_err fc_adapt_bounds(const struct fc_adapt *a, double level, double *lo,
                       double *hi);

/* Folds in the realised days t in [from, n_bars) of bars[0..n_bars)
 * (ascending, the model's series), each from the model's one-step forecast
 * of bars[t] from the bars before it: the days after those the model was
 * calibrated on (from = the first test day of a model with a validation
 * part, struct fc_eval). from >= fc_model_min_bars(m); from == n_bars adds
 * nothing. FC_EINVAL (a point model, from out of range), FC_ENOMEM. */
fc_err fc_model_adapt(const struct fc_model *m, const struct fc_bar *bars,
                      int n_bars, int from, struct fc_adapt *a);

/* fc_model_forecast_dist with the adapted state a (may be NULL: then
 * exactly fc_model_forecast_dist): step 1's interval is
 * last * e^(mu + sigma [lo, hi]) with fc_adapt_bounds, P(up) the share of
 * the pool with mu + s sigma z > 0; the sample paths draw r = mu + s sigma z
 * with z resampled from the pool. Errors as fc_model_forecast_dist. */
fc_err fc_model_forecast_dist_adapted(const struct fc_model *m,
                                      struct fc_model_ws *ws,
                                      const struct fc_bar *bars, int n_bars,
                                      int horizon, double level, int n_paths,
                                      uint64_t seed, const struct fc_adapt *a,
                                      struct fc_dist_step *out);

#endif
