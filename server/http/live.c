/* live.c — jobs, champions and their live error for /metrics (live.h).
 *
 * Computed per scrape, not kept: a champion with k new bars costs one count
 * and one read of k + window bars and k forecasts, so a scrape follows new
 * bars and new champions without any cache to invalidate. */
#include "live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct champ {
    char ticker[FC_TICKER_SIZE];
    int64_t version;
    double age_s; /* NaN when created_at does not parse */
    double skill; /* on the test period */
    double train_s;
    int64_t live_n;    /* bars after the training data, forecast */
    double rmse_model; /* on those bars (NaN when live_n == 0) */
    double rmse_naive;
};

/* Seconds since an RFC 3339 UTC stamp this service wrote. */
static double age_of(const char *stamp)
{
    int y, mo, da, h, mi, s;
    if (sscanf(stamp, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &da, &h, &mi, &s) != 6)
        return NAN;
    double t = (double)fc_day_from_ymd(y, mo, da) * 86400.0 + h * 3600.0 +
               mi * 60.0 + s;
    return (double)time(NULL) - t;
}

/* The live error of snapshot s on its series' bars after its test period. */
static fc_err live_error(struct fc_store *st, const struct fc_snapshot *s,
                         struct champ *c, struct fc_diag *d)
{
    int64_t k = 0;
    struct fc_bar *bars = NULL;
    double *pred = NULL;
    int n = 0;
    int need = fc_model_min_bars(s->model);
    int history = fc_model_history_bars(s->model);

    fc_err rc = fc_store_count_bars(st, s->ticker, s->scores.to_day + 1,
                                    INT32_MAX, &k, d);
    if (rc != FC_OK || k <= 0 || k > INT32_MAX - history)
        return rc;
    rc = fc_store_get_bars(st, s->ticker, INT32_MIN, INT32_MAX, k + history,
                           &bars, &n, d);
    if (rc != FC_OK)
        goto done;
    int t0 = n - (int)k;
    if (t0 < need)
        t0 = need; /* the series was shortened: forecast what can be */
    if (t0 >= n)
        goto done;
    pred = malloc((size_t)(n - t0) * sizeof *pred);
    if (pred == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    rc = fc_model_predict_range(s->model, bars, n, t0, n, pred);
    if (rc != FC_OK)
        goto done;
    double se = 0, se_naive = 0;
    for (int t = t0; t < n; t++) {
        double e = pred[t - t0] - bars[t].close;
        double en = bars[t - 1].close - bars[t].close;
        se += e * e;
        se_naive += en * en;
    }
    c->live_n = n - t0;
    c->rmse_model = sqrt(se / (n - t0));
    c->rmse_naive = sqrt(se_naive / (n - t0));
done:
    free(pred);
    free(bars);
    return rc;
}

static void family(struct fc_buf *out, const char *name, const char *help)
{
    fc_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void sample(struct fc_buf *out, const char *name, const char *labels,
                   double v)
{
    if (isnan(v))
        fc_buf_printf(out, "%s{%s} NaN\n", name, labels);
    else
        fc_buf_printf(out, "%s{%s} %.17g\n", name, labels, v);
}

fc_err fc_live_render(struct fc_store *st, struct fc_registry *reg,
                      struct fc_buf *out, struct fc_diag *d)
{
    int64_t counts[FC_JOB_STATE_COUNT_];
    struct fc_model_rec *recs = NULL;
    struct champ *c = NULL;
    int n = 0;
    char lab[96];

    fc_err rc = fc_store_job_counts(st, counts, d);
    if (rc != FC_OK)
        return rc;
    family(out, "forecastd_jobs", "Jobs by state.");
    for (int s = 0; s < FC_JOB_STATE_COUNT_; s++) {
        snprintf(lab, sizeof lab, "state=\"%s\"",
                 fc_job_state_name((enum fc_job_state)s));
        sample(out, "forecastd_jobs", lab, (double)counts[s]);
    }
    rc = fc_store_champions(st, 0, &recs, &n, d);
    if (rc != FC_OK)
        return rc;
    if (n > 0 && (c = calloc((size_t)n, sizeof *c)) == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        snprintf(c[i].ticker, sizeof c[i].ticker, "%s", recs[i].ticker);
        c[i].version = recs[i].version;
        c[i].age_s = age_of(recs[i].created_at);
        c[i].skill = recs[i].skill;
        c[i].train_s = recs[i].train_seconds;
        c[i].rmse_model = c[i].rmse_naive = NAN;
        struct fc_snapshot *s = fc_registry_acquire(reg, recs[i].ticker);
        /* The published model: the database's champion may be newer by a
         * moment (published right after it is stored). */
        if (s != NULL)
            rc = live_error(st, s, &c[i], d);
        fc_snapshot_release(s);
        if (rc != FC_OK)
            goto done;
    }
    /* Tickers are A-Z 0-9 . - ^ = only: nothing to escape in a label. */
    family(out, "forecastd_model_age_seconds",
           "Seconds since the champion model of a series was stored.");
    for (int i = 0; i < n; i++) {
        snprintf(lab, sizeof lab, "ticker=\"%s\",version=\"%lld\"", c[i].ticker,
                 (long long)c[i].version);
        sample(out, "forecastd_model_age_seconds", lab, c[i].age_s);
    }
    family(out, "forecastd_model_train_seconds",
           "Seconds the champion model took to train.");
    for (int i = 0; i < n; i++) {
        snprintf(lab, sizeof lab, "ticker=\"%s\"", c[i].ticker);
        sample(out, "forecastd_model_train_seconds", lab, c[i].train_s);
    }
    family(out, "forecastd_model_skill",
           "Champion's skill on its test period: 1 - RMSE / naive RMSE.");
    for (int i = 0; i < n; i++) {
        snprintf(lab, sizeof lab, "ticker=\"%s\"", c[i].ticker);
        sample(out, "forecastd_model_skill", lab, c[i].skill);
    }
    family(out, "forecastd_live_bars",
           "Bars after the champion's training data, forecast one step "
           "ahead.");
    for (int i = 0; i < n; i++) {
        snprintf(lab, sizeof lab, "ticker=\"%s\"", c[i].ticker);
        sample(out, "forecastd_live_bars", lab, (double)c[i].live_n);
    }
    family(out, "forecastd_live_rmse",
           "RMSE on those bars (price units), the champion next to the "
           "naive forecast.");
    for (int i = 0; i < n; i++) {
        if (c[i].live_n == 0)
            continue;
        snprintf(lab, sizeof lab, "ticker=\"%s\",forecaster=\"model\"",
                 c[i].ticker);
        sample(out, "forecastd_live_rmse", lab, c[i].rmse_model);
        snprintf(lab, sizeof lab, "ticker=\"%s\",forecaster=\"naive\"",
                 c[i].ticker);
        sample(out, "forecastd_live_rmse", lab, c[i].rmse_naive);
    }
    family(out, "forecastd_live_skill", "1 - live RMSE / naive live RMSE.");
    for (int i = 0; i < n; i++) {
        if (c[i].live_n == 0 || !(c[i].rmse_naive > 0))
            continue;
        snprintf(lab, sizeof lab, "ticker=\"%s\"", c[i].ticker);
        sample(out, "forecastd_live_skill", lab,
               1.0 - c[i].rmse_model / c[i].rmse_naive);
    }
done:
    free(c);
    fc_model_recs_free(recs, n);
    return rc;
}
