/* anomaly.c — one-step-ahead residuals and their z-scores (anomaly.h). */
#include "anomaly.h"
#include "metrics.h"
#include "volatility.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double fc_anomaly_sd(const struct fc_model *m)
{
    int n = m->n_resid;
    double mean = 0, ss = 0;

    if (n < 2)
        return NAN;
    for (int i = 0; i < n; i++)
        mean += m->resid[i];
    mean /= n;
    for (int i = 0; i < n; i++) {
        double e = m->resid[i] - mean;
        ss += e * e;
    }
    return sqrt(ss / (n - 1));
}

double fc_anomaly_scale(const struct fc_model *m)
{
    double lo, hi;

    if (!fc_model_is_dist(m) || m->n_resid < 2)
        return fc_anomaly_sd(m);
    float *scratch = malloc((size_t)m->n_resid * sizeof *scratch);
    if (scratch == NULL)
        return NAN;
    fc_conformal_bounds(m->resid, m->n_resid, 0.95, scratch, &lo, &hi);
    free(scratch);
    return (hi - lo) / (2.0 * fc_vol_norm_quantile(0.975));
}

fc_err fc_anomaly_scan(const struct fc_model *m, const struct fc_bar *bars,
                       int n_bars, int t0, int t1, double threshold,
                       struct fc_anomaly_scan *out, struct fc_diag *d)
{
    double *pred = NULL;
    int cap = 0;

    memset(out, 0, sizeof *out);
    if (!(threshold > 0) || !isfinite(threshold))
        return fc_diag_set(d, FC_EINVAL, "threshold must be a number > 0");
    out->sd = fc_anomaly_scale(m);
    out->n_resid = m->n_resid;
    if (!(out->sd > 0))
        return fc_diag_set(d, FC_EINVAL,
                           "the model has %d held-out residuals with no "
                           "spread: no z-score can be computed",
                           m->n_resid);
    if (t0 < fc_model_min_bars(m))
        t0 = fc_model_min_bars(m);
    if (t1 > n_bars)
        t1 = n_bars;
    if (t0 >= t1)
        return FC_OK; /* nothing to check in this range */
    out->dist = fc_model_is_dist(m);
    size_t nt = (size_t)(t1 - t0);
    pred = malloc((out->dist ? 2 : 1) * nt * sizeof *pred);
    if (pred == NULL)
        return FC_ENOMEM;
    double *sig = out->dist ? pred + nt : NULL;
    fc_err rc =
        out->dist
            ? fc_model_predict_dist_range(m, bars, n_bars, t0, t1, pred, sig)
            : fc_model_predict_range(m, bars, n_bars, t0, t1, pred);
    if (rc != FC_OK)
        goto done;
    if (out->dist) /* mu_t, sigma_t -> the close and the day's scale */
        for (int t = t0; t < t1; t++) {
            pred[t - t0] = bars[t - 1].close * exp(pred[t - t0]);
            sig[t - t0] *= out->sd;
        }
    out->n_checked = t1 - t0;
    out->first_day = bars[t0].day;
    out->last_day = bars[t1 - 1].day;
    for (int t = t0; t < t1; t++) {
        double p = pred[t - t0], a = bars[t].close;
        double sd = sig != NULL ? sig[t - t0] : out->sd;
        if (!(p > 0) || !(a > 0) || !(sd > 0))
            continue; /* no log residual: a price of 0 or a bad forecast */
        double r = log(a / p), z = r / sd;
        if (fabs(z) < threshold)
            continue;
        if (out->n == cap) {
            int nc = cap > 0 ? cap * 2 : 16;
            struct fc_anomaly *v = realloc(out->v, (size_t)nc * sizeof *v);
            if (v == NULL) {
                rc = FC_ENOMEM;
                goto done;
            }
            out->v = v;
            cap = nc;
        }
        out->v[out->n++] = (struct fc_anomaly){bars[t].day, a, p, r, sd, z};
    }
done:
    free(pred);
    if (rc != FC_OK)
        fc_anomaly_scan_fini(out);
    return rc;
}

void fc_anomaly_scan_fini(struct fc_anomaly_scan *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
}
