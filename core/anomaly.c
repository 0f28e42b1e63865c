/* anomaly.c — one-step-ahead residuals and their z-scores (anomaly.h). */
#include "anomaly.h"

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

fc_err fc_anomaly_scan(const struct fc_model *m, const struct fc_bar *bars,
                       int n_bars, int t0, int t1, double threshold,
                       struct fc_anomaly_scan *out, struct fc_diag *d)
{
    double *pred = NULL;
    int cap = 0;

    memset(out, 0, sizeof *out);
    if (!(threshold > 0) || !isfinite(threshold))
        return fc_diag_set(d, FC_EINVAL, "threshold must be a number > 0");
    out->sd = fc_anomaly_sd(m);
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
    pred = malloc((size_t)(t1 - t0) * sizeof *pred);
    if (pred == NULL)
        return FC_ENOMEM;
    fc_err rc = fc_model_predict_range(m, bars, n_bars, t0, t1, pred);
    if (rc != FC_OK)
        goto done;
    out->n_checked = t1 - t0;
    out->first_day = bars[t0].day;
    out->last_day = bars[t1 - 1].day;
    for (int t = t0; t < t1; t++) {
        double p = pred[t - t0], a = bars[t].close;
        if (!(p > 0) || !(a > 0))
            continue; /* no log residual: a price of 0 or a bad forecast */
        double r = log(a / p), z = r / out->sd;
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
        out->v[out->n++] = (struct fc_anomaly){bars[t].day, a, p, r, z};
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
