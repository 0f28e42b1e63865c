/* metrics.h — forecast accuracy, the same for the model and every baseline.
 * All ratios are fractions (mape 0.0156 means 1.56 %). Pure functions. */
#ifndef FC_METRICS_H
#define FC_METRICS_H

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

/* Accuracy of pred[i] against actual[i], given prev[i] (the last close known
 * when predicting, for direction). mase_scale <= 0 gives mase = NaN. n == 0
 * gives NaNs and n = 0. */
void fc_metrics_compute(const double *actual, const double *pred,
                        const double *prev, int n, double mase_scale,
                        struct fc_metrics *out);

/* 1 - rmse_model / rmse_naive: > 0 when the model beats the naive forecast. */
double fc_metrics_skill(const struct fc_metrics *model,
                        const struct fc_metrics *naive);

#endif
