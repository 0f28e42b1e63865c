/* metrics.c — accuracy measures (Hyndman & Koehler 2006 for MASE). */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The forecasters scores can hold a row for, in the order the core scores
 * them. */
static const char *const forecasters[] = {"model", "naive", "drift",
                                          "sma14", "ewma",  "garch"};

struct fc_metrics *fc_scores_add(struct fc_scores *s, const char *name)
{
    const char *known = NULL;

    for (size_t i = 0; i < sizeof forecasters / sizeof forecasters[0]; i++)
        if (strcmp(forecasters[i], name) == 0)
            known = forecasters[i];
    if (known == NULL || s->n_rows >= FC_SCORES_MAX ||
        fc_scores_get(s, name) != NULL)
        return NULL;
    struct fc_score_row *r = &s->rows[s->n_rows++];
    memset(r, 0, sizeof *r);
    r->name = known;
    return &r->m;
}

struct fc_score_row *fc_scores_row(struct fc_scores *s, const char *name)
{
    for (int i = 0; i < s->n_rows; i++)
        if (strcmp(s->rows[i].name, name) == 0)
            return &s->rows[i];
    return NULL;
}

double fc_scores_interval_skill(const struct fc_scores *s, double level)
{
    const struct fc_interval_scores *model = NULL, *garch = NULL;

    for (int i = 0; i < s->n_rows; i++) {
        if (strcmp(s->rows[i].name, "model") == 0)
            model = &s->rows[i].iv;
        else if (strcmp(s->rows[i].name, "garch") == 0)
            garch = &s->rows[i].iv;
    }
    if (model == NULL || garch == NULL || model->n <= 0 || garch->n <= 0)
        return NAN;
    if (level == 0.8 && garch->score80 > 0.0)
        return 1.0 - model->score80 / garch->score80;
    if (level == 0.95 && garch->score95 > 0.0)
        return 1.0 - model->score95 / garch->score95;
    return NAN;
}

const struct fc_metrics *fc_scores_get(const struct fc_scores *s,
                                       const char *name)
{
    for (int i = 0; i < s->n_rows; i++)
        if (strcmp(s->rows[i].name, name) == 0)
            return &s->rows[i].m;
    return NULL;
}

double fc_scores_skill(const struct fc_scores *s)
{
    const struct fc_metrics *model = fc_scores_get(s, "model");
    const struct fc_metrics *naive = fc_scores_get(s, "naive");

    if (model == NULL || naive == NULL)
        return NAN;
    return fc_metrics_skill(model, naive);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

fc_err fc_conformal_bounds(const float *resid, int n, double level,
                           float *scratch, double *lo, double *hi)
{
    if (!(level > 0.0 && level < 1.0))
        return FC_EINVAL;
    *lo = 0.0;
    *hi = 0.0;
    if (n <= 0)
        return FC_OK;
    memcpy(scratch, resid, (size_t)n * sizeof *scratch);
    qsort(scratch, (size_t)n, sizeof *scratch, cmp_float);
    /* The epsilon keeps an exact product such as 102 * 0.05 from landing one
     * rank off through rounding. */
    double alpha = 1.0 - level;
    long k_lo = (long)floor((n + 1) * alpha / 2.0 + 1e-9);
    long k_hi = (long)ceil((n + 1) * (1.0 - alpha / 2.0) - 1e-9);
    if (k_lo < 1)
        k_lo = 1;
    if (k_hi > n)
        k_hi = n;
    if (k_hi < 1)
        k_hi = 1;
    double a = scratch[k_lo - 1], b = scratch[k_hi - 1];
    *lo = a < 0.0 ? a : 0.0;
    *hi = b > 0.0 ? b : 0.0;
    return FC_OK;
}

double fc_prob_up(const float *resid, int n, double pred, double last, double w)
{
    int up = 0;
    if (n <= 0)
        return 0.5;
    /* pred e^(e w) > last  <=>  e > ln(last / pred) / w */
    double cut = log(last / pred) / w;
    for (int i = 0; i < n; i++)
        up += (double)resid[i] > cut;
    return (double)up / n;
}

double fc_prob_up_z(const float *z, int n, double mu, double sigma)
{
    int up = 0;

    if (n == 0)
        return 0.5;
    for (int i = 0; i < n; i++)
        up += mu + sigma * (double)z[i] > 0.0;
    return (double)up / n;
}
