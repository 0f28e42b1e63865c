/* metrics.c — accuracy measures (Hyndman & Koehler 2006 for MASE). */
#include "metrics.h"

#include <math.h>

static int sign(double x)
{
    return (x > 0.0) - (x < 0.0);
}

void fc_metrics_compute(const double *actual, const double *pred,
                        const double *prev, int n, double mase_scale,
                        struct fc_metrics *out)
{
    double se = 0.0, ae = 0.0, ape = 0.0, sape = 0.0;
    int hits = 0;

    out->n = n;
    if (n <= 0) {
        out->rmse = out->mae = out->mape = out->smape = out->mase = NAN;
        out->directional_accuracy = NAN;
        return;
    }
    for (int i = 0; i < n; i++) {
        double e = pred[i] - actual[i];
        double denom = fabs(actual[i]) + fabs(pred[i]);
        se += e * e;
        ae += fabs(e);
        ape += actual[i] != 0.0 ? fabs(e) / fabs(actual[i]) : 0.0;
        sape += denom > 0.0 ? 2.0 * fabs(e) / denom : 0.0;
        hits += sign(pred[i] - prev[i]) == sign(actual[i] - prev[i]);
    }
    out->rmse = sqrt(se / n);
    out->mae = ae / n;
    out->mape = ape / n;
    out->smape = sape / n;
    out->mase = mase_scale > 0.0 ? out->mae / mase_scale : NAN;
    out->directional_accuracy = (double)hits / n;
}

double fc_metrics_skill(const struct fc_metrics *model,
                        const struct fc_metrics *naive)
{
    if (!(naive->rmse > 0.0))
        return NAN;
    return 1.0 - model->rmse / naive->rmse;
}
