/* forecast.c — point forecasts, intervals and dates for /predict and the
 * offline `forecastd predict`. See forecast.h for the interval's rule.
 *
 * The work per call is one recursive forecast (fc_model_forecast with a
 * workspace made for the call: a prediction is cached by the caller, so
 * the allocation is paid once per new bar or champion) and one sort of the
 * residuals (a few hundred floats) by the core's fc_conformal_bounds; for a
 * distributional model, one forward pass per realised day since its test
 * period began (the adapted state) and FC_FORECAST_PATHS sample paths
 * (about 4 ms for 30 steps). Nothing here waits on a lock. */
#include "forecast.h"

#include "adapt.h"
#include "calendar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fc_forecast_bars_needed(const struct fc_model *m)
{
    if (fc_model_is_dist(m))
        return 0;
    int need = fc_model_min_bars(m);
    return need > 30 ? need : 30;
}

/* The header fields of out, and the sessions' dates. */
static void forecast_head(const struct fc_snapshot *s,
                          const struct fc_bar *bars, int n_bars, int horizon,
                          double level, struct fc_forecast *out)
{
    snprintf(out->ticker, sizeof out->ticker, "%s", s->ticker);
    out->version = s->version;
    out->level = level;
    out->as_of = bars[n_bars - 1].day;
    out->last_close = bars[n_bars - 1].close;
    out->n = horizon;
    fc_calendar_next_sessions(fc_calendar_detect(bars, n_bars), out->as_of,
                              horizon, out->day);
}

/* The index in bars of the first test day whose residual the adapted
 * state folds in: the first test day of s's scores, plus the test days the
 * calibration used when the model had no validation part (calib.n counts
 * the days after those). -1 when the scores have no such day or bars do
 * not hold it with the model's window before it. */
static int adapt_from(const struct fc_snapshot *s, const struct fc_bar *bars,
                      int n_bars)
{
    const struct fc_scores *sc = &s->scores;
    int lo = 0, hi = n_bars;

    if (sc->n <= 0 || sc->calib.n <= 0 || sc->calib.n > sc->n)
        return -1;
    while (lo < hi) { /* the first bar on or after from_day */
        int mid = lo + (hi - lo) / 2;
        if (bars[mid].day < sc->from_day)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == n_bars || bars[lo].day != sc->from_day)
        return -1;
    long from = (long)lo + (sc->n - sc->calib.n);
    if (from < fc_model_min_bars(s->model) || from > n_bars)
        return -1;
    return (int)from;
}

/* A distributional model's forecast (forecast.h): the adapted state of
 * every realised day after its calibration when bars reach back to them,
 * else its calibration alone; the sample paths are seeded with the
 * version. */
static fc_err forecast_dist(const struct fc_snapshot *s,
                            const struct fc_bar *bars, int n_bars, int horizon,
                            double level, struct fc_forecast *out,
                            struct fc_diag *d)
{
    struct fc_dist_step st[FC_HORIZON_MAX];
    struct fc_model_ws *ws = NULL;
    struct fc_adapt ad = {0};
    int from = adapt_from(s, bars, n_bars);

    fc_err rc = fc_adapt_init(&ad, s->model);
    if (rc == FC_OK && from >= 0)
        rc = fc_model_adapt(s->model, bars, n_bars, from, &ad);
    if (rc == FC_OK)
        rc = fc_model_ws_new(s->model, &ws);
    if (rc != FC_OK)
        goto done;
    memset(out, 0, sizeof *out);
    rc = fc_model_forecast_dist_adapted(s->model, ws, bars, n_bars, horizon,
                                        level, FC_FORECAST_PATHS,
                                        (uint64_t)s->version, &ad, st);
    if (rc != FC_OK) {
        rc = fc_diag_set(d, rc, "forecast failed: %s", fc_err_text(rc));
        goto done;
    }
    forecast_head(s, bars, n_bars, horizon, level, out);
    for (int h = 0; h < horizon; h++) {
        out->close[h] = st[h].median;
        out->lower[h] = st[h].lower;
        out->upper[h] = st[h].upper;
        out->p_up[h] = st[h].p_up;
    }
done:
    fc_model_ws_free(ws);
    fc_adapt_fini(&ad);
    return rc;
}

fc_err fc_forecast_make(const struct fc_snapshot *s, const struct fc_bar *bars,
                        int n_bars, int horizon, double level,
                        struct fc_forecast *out, struct fc_diag *d)
{
    const struct fc_model *m = s->model;
    struct fc_model_ws *ws = NULL;
    double lo = 0, hi = 0;
    fc_err rc;

    if (horizon < 1 || horizon > FC_HORIZON_MAX)
        return fc_diag_set(d, FC_EINVAL, "horizon must be in 1..%d",
                           FC_HORIZON_MAX);
    if (n_bars < fc_model_min_bars(m))
        return fc_diag_set(d, FC_EINVAL,
                           "the series has %d bars; model version %lld needs "
                           "%d",
                           n_bars, (long long)s->version, fc_model_min_bars(m));
    if (!(level > 0.0 && level < 1.0))
        return fc_diag_set(d, FC_EINVAL, "level must be in (0, 1)");
    if (fc_model_is_dist(m))
        return forecast_dist(s, bars, n_bars, horizon, level, out, d);
    float *scratch = malloc(((size_t)m->n_resid + 1) * sizeof *scratch);
    if (scratch == NULL)
        return FC_ENOMEM;
    rc = fc_conformal_bounds(m->resid, m->n_resid, level, scratch, &lo, &hi);
    free(scratch);
    if (rc != FC_OK)
        return fc_diag_set(d, rc, "level must be in (0, 1)");
    rc = fc_model_ws_new(m, &ws);
    if (rc != FC_OK)
        return rc;
    memset(out, 0, sizeof *out);
    rc = fc_model_forecast(m, ws, bars, n_bars, horizon, out->close);
    fc_model_ws_free(ws);
    if (rc != FC_OK)
        return fc_diag_set(d, rc, "forecast failed: %s", fc_err_text(rc));
    forecast_head(s, bars, n_bars, horizon, level, out);
    for (int h = 0; h < horizon; h++) {
        double w = sqrt((double)(h + 1));
        out->lower[h] = out->close[h] * exp(lo * w);
        out->upper[h] = out->close[h] * exp(hi * w);
        out->p_up[h] =
            fc_prob_up(m->resid, m->n_resid, out->close[h], out->last_close, w);
    }
    return FC_OK;
}
