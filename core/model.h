/* model.h — a trained forecaster: hyperparameters, features, scaler, the
 * LSTM and its held-out residuals, with forecasting and (de)serialisation.
 *
 * A model is immutable once trained or loaded; threads may share one, each
 * with its own struct fc_model_ws. The blob format is versioned and
 * checksummed: fc_model_load checks every length against the buffer before
 * reading, so a truncated or corrupted blob is FC_ECORRUPT, never a crash.
 * Presets live here too: "report" (the Keras report, exactly), "default"
 * (ours, distributional) and "point" (see README.md for how each was
 * chosen). */
#ifndef FC_MODEL_H
#define FC_MODEL_H

#include "bar.h"
#include "err.h"
#include "lstm.h"
#include "volatility.h"

#include <stddef.h>
#include <stdint.h>

enum fc_feature {
    FC_FEATURE_OPEN,
    FC_FEATURE_HIGH,
    FC_FEATURE_LOW,
    FC_FEATURE_CLOSE,
    FC_FEATURE_ADJ_CLOSE,
    FC_FEATURE_VOLUME,
    FC_FEATURE_LOG_RETURN, /* ln(close_t / close_{t-1}) */
    /* Features of the whole bar (blob version 3). Each has a rule for a
     * degenerate bar, so no row is dropped and none is NaN: */
    FC_FEATURE_RANGE,      /* ln(high / low); 0 when high <= low or low <= 0 */
    FC_FEATURE_BODY,       /* ln(close / open); 0 when open <= 0 */
    FC_FEATURE_GAP,        /* ln(open_t / close_{t-1}); 0 when open <= 0 and
                            * for the first bar */
    FC_FEATURE_LOG_VOLUME, /* ln(volume_t / mean volume of bars t-19..t, the
                            * bars that exist); 0 when either is <= 0 (a
                            * day without trades reads as an ordinary one) */
    FC_FEATURE_COUNT
};

/* The features blob versions 1 and 2 know. */
#define FC_FEATURES_V2 ((1u << (FC_FEATURE_LOG_RETURN + 1)) - 1u)

enum fc_target {
    FC_TARGET_CLOSE,     /* the next close itself (the report) */
    FC_TARGET_LOG_RETURN /* r = ln(next / last); close = last * exp(r) */
};

/* How each input column and the target are scaled before the network sees
 * them; either way the model stores (lo, hi) and applies (v - lo) / (hi - lo),
 * so forecasting does not depend on how the pair was fitted. */
enum fc_scaler {
    FC_SCALER_MINMAX, /* lo, hi = training min, max (the report) */
    FC_SCALER_ROBUST  /* log returns (and the body and gap, also returns):
                       * lo = 0, hi = 1.4826 median |r| (a
                       * return of 0 stays 0, earnings-day outliers do not
                       * set the scale); other columns: lo = median,
                       * hi = median + 1.4826 MAD */
};

/* "close" -> FC_FEATURE_CLOSE; -1 for an unknown name. */
int fc_feature_parse(const char *name);
const char *fc_feature_name(enum fc_feature f);
int fc_target_parse(const char *name);
const char *fc_target_name(enum fc_target t);
int fc_scaler_parse(const char *name); /* "minmax", "robust"; -1 */
const char *fc_scaler_name(enum fc_scaler s);

/* What the network outputs and what training minimises. */
enum fc_loss {
    FC_LOSS_MSE,      /* one output, the point; mean squared error */
    FC_LOSS_GAUSSIAN, /* two outputs, location mu and scale sigma of the next
                       * log return (lstm.h, distributional head); Gaussian
                       * negative log-likelihood */
    FC_LOSS_STUDENT_T /* the same under a Student-t of student_df degrees of
                       * freedom */
};
int fc_loss_parse(const char *name); /* "mse", "gaussian", "student_t"; -1 */
const char *fc_loss_name(enum fc_loss l);

struct fc_hparams {
    int window;                    /* time steps per input, >= 1 */
    int n_layers;                  /* LSTM layers, 1..FC_LSTM_MAX_LAYERS */
    int units[FC_LSTM_MAX_LAYERS]; /* cells per layer */
    float dropout;                 /* after each layer, [0, 0.9] */
    int epochs;                    /* maximum epochs */
    int batch_size;                /* windows per mini-batch */
    float learning_rate;           /* Adam */
    int patience;                  /* epochs without a better validation
                                    * loss before stopping; 0 = never */
    uint64_t seed;                 /* initialisation, shuffling, dropout */
    uint32_t features;             /* bit set of 1u << enum fc_feature */
    enum fc_target target;
    float val_frac;        /* share of bars for validation */
    float test_frac;       /* share of bars held out for test */
    float clip_norm;       /* global gradient-norm cap; 0 = off */
    enum fc_scaler scaler; /* input and target scaling */
    float weight_decay;    /* decoupled (AdamW) decay per step,
                            * times learning_rate; [0, 0.5] */
    int n_ensemble;        /* members trained from derived seeds
                            * and averaged; 1..16 */
    int zero_output;       /* 1: the dense layer starts at 0, so
                            * training starts from predicting
                            * "no change"; 0: Glorot (Keras) */
    int center_output;     /* 1 (log-return target only): after
                            * training, shift the output bias so
                            * the mean forecast over the training
                            * windows is a return of 0 */
    float winsor;          /* scaled inputs and training targets
                            * are clipped to [-winsor, winsor]
                            * (robust scaler only); 0 = off */
    enum fc_loss loss;     /* FC_LOSS_MSE but in distributional models
                            * (log-return target, one member) */
    float student_df;      /* FC_LOSS_STUDENT_T: degrees of freedom in
                            * [2.5, 100]; 0 otherwise */
    float garch_power;     /* distributional models: the returns the
                            * net reads and forecasts are in units of
                            * b = (GARCH(1,1) sd)^garch_power (see
                            * fc_model_base); (0, 1], 0 = off */
};

/* 1 when a log return or the overnight gap is a feature, or a log return
 * the target: the first bar then has no input row, and a forecast needs
 * window + 1 bars. */
int fc_hparams_uses_log_return(const struct fc_hparams *hp);

/* Fill hp with a preset: "report" (the Keras report), "default" (the
 * distributional model; "dist" is the same preset) or "point" (the point
 * forecast of the next log return that "default" was before). FC_EINVAL
 * otherwise. */
fc_err fc_hparams_preset(const char *name, struct fc_hparams *hp);
/* Every field within its bounds; the reason goes to d. FC_EINVAL. */
fc_err fc_hparams_check(const struct fc_hparams *hp, struct fc_diag *d);

struct fc_model {
    struct fc_hparams hp;
    int n_feat;                    /* popcount of hp.features */
    int feat[FC_FEATURE_COUNT];    /* the features, in enum order */
    double x_lo[FC_FEATURE_COUNT]; /* scaler per feature (see enum */
    double x_hi[FC_FEATURE_COUNT]; /* fc_scaler), fitted on the
                                    * training bars only */
    double y_lo, y_hi;             /* the target's scaler */
    struct fc_lstm *net;           /* owned; with n_ensemble = K the K
                                    * members merged into one net of
                                    * K * units[l] cells per layer
                                    * (block-diagonal, see
                                    * fc_model_net_units) */
    struct fc_vol_garch garch;     /* hp.garch_power > 0: fitted on the
                                    * training returns (fc_model_base) */
    int n_resid;                   /* held-out residuals, for intervals */
    float *resid;                  /* ln(actual / predicted), owned */
};

void fc_model_free(struct fc_model *m);

/* Bars a forecast needs: window + 1 if a log-return is involved, else window.
 */
int fc_model_min_bars(const struct fc_model *m);

/* The GARCH base of a model with hp.garch_power > 0. Bar t's returns (its
 * log return, range, body and gap) reach the net divided by
 *   b_t = v_t^(garch_power / 2),
 * and the net's mu and sigma for bar t are multiplied by b_t, where v_t is
 * m->garch's variance for bar t filtered over the FC_MODEL_GARCH_MEMORY
 * returns before it (fewer at the start of the bars), from sigma2_0. The
 * LSTM so forecasts the return in units of a volatility with a memory
 * longer than its window, and learns what GARCH misses. The truncation
 * makes a forecast depend on the last FC_MODEL_GARCH_MEMORY +
 * fc_model_min_bars bars only (fc_model_history_bars). */
#define FC_MODEL_GARCH_MEMORY 250

/* b_t of the GARCH base for bar t in [1, n_bars], from bars[0..t) (t = n_bars:
 * the base of the day after the last bar); 1 without a base. */
double fc_model_base(const struct fc_model *m, const struct fc_bar *bars,
                     int t);

/* b[t] = fc_model_base(m, bars, t) for t in [1, n_bars], b[0] its seed's
 * (all 1 without a base): n_bars + 1 entries. FC_ENOMEM. */
fc_err fc_model_base_path(const struct fc_model *m, const struct fc_bar *bars,
                          int n_bars, double *b);

/* Divide a raw input row's returns (log return, range, body, gap) by b. */
void fc_model_base_row(const struct fc_model *m, double *row, double b);

/* The bars before a forecast that make it the one the whole history gives:
 * fc_model_min_bars, plus FC_MODEL_GARCH_MEMORY with a GARCH base. Readers
 * that load a series' tail load at least this many bars before the first
 * day they forecast. */
int fc_model_history_bars(const struct fc_model *m);

struct fc_model_ws;
fc_err fc_model_ws_new(const struct fc_model *m, struct fc_model_ws **out);
void fc_model_ws_free(struct fc_model_ws *ws);

/* The next `horizon` closes after bars[n_bars-1], recursively (each forecast
 * becomes the next step's last bar: open = high = low = close, volume
 * unchanged). Never allocates. FC_EINVAL if n_bars < fc_model_min_bars or
 * horizon < 1; close_out[horizon]. */
fc_err fc_model_forecast(const struct fc_model *m, struct fc_model_ws *ws,
                         const struct fc_bar *bars, int n_bars, int horizon,
                         double *close_out);

/* One-step-ahead forecasts of close[t] for every t in [t0, t1), each from
 * the real bars before t (a backtest of the model over history). t0 >=
 * fc_model_min_bars, t1 <= n_bars. Allocates its own scratch. FC_EINVAL,
 * FC_ENOMEM. out[t1 - t0]. */
fc_err fc_model_predict_range(const struct fc_model *m,
                              const struct fc_bar *bars, int n_bars, int t0,
                              int t1, double *out);

/* 1 for a distributional model (hp.loss != FC_LOSS_MSE): its net outputs
 * the next log return's location and scale, its point forecast (the
 * functions above) is last * exp(mu), and its resid[] holds standardised
 * residuals z = (r - mu) / sigma of held-out days. */
int fc_model_is_dist(const struct fc_model *m);

/* A distributional model's one-step forecasts for every t in [t0, t1) from
 * the real bars before t, in log-return space: r_t ~ mu + sigma z. t0, t1 as
 * fc_model_predict_range. FC_EINVAL (also for a point model), FC_ENOMEM.
 * mu[t1 - t0], sigma[t1 - t0]. */
fc_err fc_model_predict_dist_range(const struct fc_model *m,
                                   const struct fc_bar *bars, int n_bars,
                                   int t0, int t1, double *mu, double *sigma);

#define FC_MODEL_MAX_HORIZON 1000
#define FC_MODEL_MAX_PATHS 100000
#define FC_MODEL_DEFAULT_PATHS 256 /* horizon 30 in about 4 ms */

/* One step of a distributional forecast. */
struct fc_dist_step {
    double mu;     /* mean of the cumulative log return ln(close_h / last) */
    double sigma;  /* its standard deviation */
    double median; /* the median close */
    double lower;  /* the interval's lower close */
    double upper;  /* ... upper close */
    double p_up;   /* P(close_h > last) */
};

/* The next `horizon` days' predictive distributions of a distributional
 * model from the bars before, at interval level `level` in (0, 1):
 *  - step 1 is the model's own forecast, exactly as calibrated: mu and
 *    sigma of the next log return, the interval last * e^(mu + q sigma)
 *    with q the split-conformal quantiles of the stored z, P(up) the share
 *    of z with mu + sigma z > 0;
 *  - steps 2.. come from n_paths sample paths run through the recursion:
 *    each path draws the day's return r = mu + sigma z with z resampled
 *    from the stored standardised residuals (filtered historical
 *    simulation; a standard normal when there are none), feeds the
 *    simulated bar back as the next input and steps the LSTM state on (a
 *    path's step h sees the window and the h - 1 simulated bars). A
 *    simulated bar opens at the previous close and closes at
 *    prev * e^r: its log return and body are r, its gap and relative volume
 *    0, its range max(|r|, the training median range (MinMax: the
 *    midpoint)), price and volume features flat as in fc_model_forecast.
 *    mu and sigma are then the paths' mean and standard deviation of the
 *    cumulative log return, the interval its (a/2, 1 - a/2) quantiles,
 *    P(up) the share of paths that end above last.
 * The same seed gives the same answer. out[horizon]. FC_EINVAL (a point
 * model, horizon outside 1..FC_MODEL_MAX_HORIZON, level, n_paths outside
 * 1..FC_MODEL_MAX_PATHS, too few bars), FC_ENOMEM. */
fc_err fc_model_forecast_dist(const struct fc_model *m, struct fc_model_ws *ws,
                              const struct fc_bar *bars, int n_bars,
                              int horizon, double level, int n_paths,
                              uint64_t seed, struct fc_dist_step *out);

/* The standardised residuals a distributional forecast draws from, when
 * they are not the model's own (adapt.h builds one from its state): z[0..n)
 * in any order, their scale s (a day's return is mu + s sigma z), and the
 * step-1 interval's bounds lo <= 0 <= hi in units of sigma at the level
 * asked for. */
struct fc_dist_pool {
    const float *z;
    int n;
    double scale;
    double lo, hi;
};

/* fc_model_forecast_dist drawing from pool instead of the model's stored
 * residuals (pool NULL: exactly fc_model_forecast_dist). */
fc_err fc_model_forecast_dist_pool(
    const struct fc_model *m, struct fc_model_ws *ws, const struct fc_bar *bars,
    int n_bars, int horizon, double level, int n_paths, uint64_t seed,
    const struct fc_dist_pool *pool, struct fc_dist_step *out);

/* Internal to core/: a distributional net's outputs (mu, raw scale) in
 * log-return units, for a day whose GARCH base is b (1 without one). */
void fc_model_unscale_dist(const struct fc_model *m, float y_mu, float y_a,
                           double b, double *mu, double *sigma);

/* Serialise: *blob is malloc'ed (caller frees), *len its size. FC_ENOMEM. */
fc_err fc_model_save(const struct fc_model *m, uint8_t **blob, size_t *len);
/* Deserialise and validate. FC_ECORRUPT (reason in d), FC_ENOMEM. */
fc_err fc_model_load(const void *blob, size_t len, struct fc_model **out,
                     struct fc_diag *d);

/* Internal to core/: the cells per layer of the stored net,
 * hp->units[l] * hp->n_ensemble. */
void fc_model_net_units(const struct fc_hparams *hp, int *units);
/* Internal to core/: fill the raw (unscaled) feature row for bar t. */
void fc_model_raw_row(const struct fc_model *m, const struct fc_bar *bars,
                      int t, double *row);
/* Internal to core/: the scaled target for bar t (t >= 1 for log returns). */
double fc_model_raw_target(const struct fc_model *m, const struct fc_bar *bars,
                           int t);

#endif
