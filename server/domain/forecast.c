/* forecast.c — point forecasts, intervals and dates for /predict and the
 * offline `forecastd predict`. See forecast.h for the interval's rule.
 *
 * The work per call is one recursive forecast (fc_model_forecast with a
 * workspace made for the call: a prediction is cached by the caller, so
 * the allocation is paid once per new bar or champion) and one sort of the
 * residuals (a few hundred floats) by the core's fc_conformal_bounds; for a
 * distributional model, FC_FORECAST_PATHS sample paths instead (about 4 ms
 * for 30 steps). Nothing here waits on a lock. */
#include "forecast.h"

#include "calendar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fc_forecast_bars_needed(const struct fc_model *m)
{
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

/* A distributional model's forecast (forecast.h): the sample paths are
 * seeded with the version. */
static fc_err forecast_dist(const struct fc_snapshot *s,
                            const struct fc_bar *bars, int n_bars, int horizon,
                            double level, struct fc_forecast *out,
                            struct fc_diag *d)
{
    struct fc_dist_step st[FC_HORIZON_MAX];
    struct fc_model_ws *ws = NULL;

    fc_err rc = fc_model_ws_new(s->model, &ws);
    if (rc != FC_OK)
        return rc;
    memset(out, 0, sizeof *out);
    rc = fc_model_forecast_dist(s->model, ws, bars, n_bars, horizon, level,
                                FC_FORECAST_PATHS, (uint64_t)s->version, st);
    fc_model_ws_free(ws);
    if (rc != FC_OK)
        return fc_diag_set(d, rc, "forecast failed: %s", fc_err_text(rc));
    forecast_head(s, bars, n_bars, horizon, level, out);
    for (int h = 0; h < horizon; h++) {
        out->close[h] = st[h].median;
        out->lower[h] = st[h].lower;
        out->upper[h] = st[h].upper;
        out->p_up[h] = st[h].p_up;
    }
    return FC_OK;
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
