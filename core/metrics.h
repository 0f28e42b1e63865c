/* metrics.h — forecast accuracy, the same for the model and every baseline.
 * All ratios are fractions (mape 0.0156 means 1.56 %). Pure functions. */
#ifndef FC_METRICS_H
#define FC_METRICS_H

#include "err.h"

struct fc_metrics {
    int n;                       /* points compared */
    double rmse;                 /* sqrt(mean (p - a)^2), price units */
    double mae;                  /* mean |p - a| */
    double mape;                 /* mean |p - a| / |a| */
    double smape;                /* mean 2 |p - a| / (|a| + |p|) */
    double mase;                 /* mae / mase_scale (naive's in-sample MAE) */
    double directional_accuracy; /* share of days sign(p - prev) ==
                                  * sign(a - prev); a flat forecast is never
                                  * right unless the close did not move */
};

/* How a model's prediction intervals and direction probabilities held on
 * test days that their calibration did not use. */
struct fc_calibration {
    int n_resid;       /* held-out residuals the intervals come from */
    int n;             /* test days measured; 0 = not measured */
    double coverage80; /* share of those days inside the 80 % interval */
    double coverage95; /* ... inside the 95 % interval */
    double brier;      /* mean (P(up) - went up)^2 */
};

/* Accuracy of pred[i] against actual[i], given prev[i] (the last close known
 * when predicting, for direction). mase_scale <= 0 gives mase = NaN. n == 0
 * gives NaNs and n = 0. */
void fc_metrics_compute(const double *actual, const double *pred,
                        const double *prev, int n, double mase_scale,
                        struct fc_metrics *out);

/* 1 - rmse_model / rmse_naive: > 0 when the model beats the naive forecast. */
double fc_metrics_skill(const struct fc_metrics *model,
                        const struct fc_metrics *naive);

/* Split-conformal bounds (Lei et al. 2018) for a forecast's log error at
 * `level` in (0, 1): the order statistics floor((n+1) a/2) and
 * ceil((n+1)(1 - a/2)) of resid[0..n), a = 1 - level, clamped to [1, n]; lo
 * is at most 0 and hi at least 0, so the interval always holds the point.
 * n == 0 gives 0, 0. scratch[n] receives a sorted copy (no allocation).
 * FC_EINVAL for a level outside (0, 1). */
fc_err fc_conformal_bounds(const float *resid, int n, double level,
                           float *scratch, double *lo, double *hi);

/* P(close > last) for a forecast `pred` made from `last`, under the
 * empirical distribution of log errors resid[0..n) widened by w > 0 (w = 1
 * for one step ahead, sqrt(h) for h steps): the share of e with
 * pred * e^(e w) > last. 0.5 when n == 0. */
double fc_prob_up(const float *resid, int n, double pred, double last,
                  double w);

#endif
