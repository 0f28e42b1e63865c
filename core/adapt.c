/* adapt.c — the adapted scale and residual pool (adapt.h). */
#include "adapt.h"

#include "metrics.h"
#include "volatility.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

fc_err fc_adapt_init(struct fc_adapt *a, const struct fc_model *m)
{
    memset(a, 0, sizeof *a);
    if (!fc_model_is_dist(m))
        return FC_EINVAL;
    a->ring = malloc(FC_ADAPT_MAX_Z * sizeof *a->ring);
    a->sorted = malloc(FC_ADAPT_MAX_Z * sizeof *a->sorted);
    if (a->ring == NULL || a->sorted == NULL) {
        fc_adapt_fini(a);
        return FC_ENOMEM;
    }
    a->s2 = 1.0;
    for (int i = 0; i < m->n_resid; i++)
        fc_adapt_add(a, m->resid[i]);
    a->n_days = 0;
    return FC_OK;
}

void fc_adapt_fini(struct fc_adapt *a)
{
    if (a == NULL)
        return;
    free(a->ring);
    free(a->sorted);
    memset(a, 0, sizeof *a);
}

/* The first index of sorted[0..n) whose value is >= v. */
static int lower_bound(const float *sorted, int n, float v)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void fc_adapt_add(struct fc_adapt *a, double z)
{
    if (!isfinite(z))
        return;
    float v = (float)(z / sqrt(a->s2));
    int slot = (int)(a->n_seen % FC_ADAPT_MAX_Z);
    if (a->n_z == FC_ADAPT_MAX_Z) { /* the oldest leaves the sorted copy */
        int k = lower_bound(a->sorted, a->n_z, a->ring[slot]);
        a->ss -= (double)a->ring[slot] * a->ring[slot];
        memmove(a->sorted + k, a->sorted + k + 1,
                (size_t)(a->n_z - k - 1) * sizeof *a->sorted);
        a->n_z--;
    }
    int k = lower_bound(a->sorted, a->n_z, v);
    memmove(a->sorted + k + 1, a->sorted + k,
            (size_t)(a->n_z - k) * sizeof *a->sorted);
    a->sorted[k] = v;
    a->ss += (double)v * v;
    a->n_z++;
    a->ring[slot] = v;
    a->n_seen++;
    a->n_days++;
    a->s2 = FC_ADAPT_LAMBDA * a->s2 + (1.0 - FC_ADAPT_LAMBDA) * z * z;
}

double fc_adapt_scale(const struct fc_adapt *a)
{
    return sqrt(a->s2);
}

fc_err fc_adapt_bounds(const struct fc_adapt *a, double level, double *lo,
                       double *hi)
{
    double s = sqrt(a->s2);
    /* The pool is already sorted: fc_conformal_bounds' copy is the same
     * order, so its ranks are read off directly. */
    if (!(level > 0.0 && level < 1.0))
        return FC_EINVAL;
    *lo = 0.0;
    *hi = 0.0;
    if (a->n_z <= 0)
        return FC_OK;
    int n = a->n_z;
    double alpha = 1.0 - level;
    long k_lo = (long)floor((n + 1) * alpha / 2.0 + 1e-9);
    long k_hi = (long)ceil((n + 1) * (1.0 - alpha / 2.0) - 1e-9);
    k_lo = k_lo < 1 ? 1 : k_lo;
    k_hi = k_hi > n ? n : k_hi < 1 ? 1 : k_hi;
    double l = a->sorted[k_lo - 1], h = a->sorted[k_hi - 1];
    double w = FC_ADAPT_SHRINK_N0 / (n + FC_ADAPT_SHRINK_N0);
    double g =
        fc_vol_norm_quantile(1.0 - alpha / 2.0) * sqrt(fmax(a->ss, 0.0) / n);
    l = (1.0 - w) * l - w * g;
    h = (1.0 - w) * h + w * g;
    *lo = s * (l < 0.0 ? l : 0.0);
    *hi = s * (h > 0.0 ? h : 0.0);
    return FC_OK;
}

fc_err fc_model_adapt(const struct fc_model *m, const struct fc_bar *bars,
                      int n_bars, int from, struct fc_adapt *a)
{
    double *mu = NULL, *sd = NULL;
    fc_err rc;

    if (!fc_model_is_dist(m) || from < fc_model_min_bars(m) || from > n_bars)
        return FC_EINVAL;
    if (from == n_bars)
        return FC_OK;
    mu = malloc((size_t)(n_bars - from) * sizeof *mu);
    sd = malloc((size_t)(n_bars - from) * sizeof *sd);
    rc = FC_ENOMEM;
    if (mu == NULL || sd == NULL)
        goto done;
    rc = fc_model_predict_dist_range(m, bars, n_bars, from, n_bars, mu, sd);
    if (rc != FC_OK)
        goto done;
    for (int t = from; t < n_bars; t++) {
        double r = log(bars[t].close / bars[t - 1].close);
        fc_adapt_add(a, (r - mu[t - from]) / sd[t - from]);
    }
done:
    free(mu);
    free(sd);
    return rc;
}

fc_err fc_model_forecast_dist_adapted(const struct fc_model *m,
                                      struct fc_model_ws *ws,
                                      const struct fc_bar *bars, int n_bars,
                                      int horizon, double level, int n_paths,
                                      uint64_t seed, const struct fc_adapt *a,
                                      struct fc_dist_step *out)
{
    struct fc_dist_pool pool;

    if (a == NULL)
        return fc_model_forecast_dist(m, ws, bars, n_bars, horizon, level,
                                      n_paths, seed, out);
    fc_err rc = fc_adapt_bounds(a, level, &pool.lo, &pool.hi);
    if (rc != FC_OK)
        return rc;
    pool.z = a->sorted;
    pool.n = a->n_z;
    pool.scale = fc_adapt_scale(a);
    return fc_model_forecast_dist_pool(m, ws, bars, n_bars, horizon, level,
                                       n_paths, seed, &pool, out);
}
