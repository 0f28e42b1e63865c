/* h_predict.c — the reads that run a model: GET /predict (the forecast of
 * the champion or of a stored version, from the last bars; replies are
 * cached by request and by the registry and data generations) and GET
 * /anomalies (the champion's one-step-ahead residuals over a range, the
 * days at or beyond a z threshold). */
#include "api_int.h"

#include "forecast.h"
#include "json_io.h"
#include "registry.h"
#include "snapshot.h"
#include "store.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The snapshot to predict with: the champion (version 0 or its number) or
 * a stored version loaded for this request. FC_ENOTFOUND (no series, no
 * such version), FC_ECONFLICT (no model yet). */
static fc_err predict_snapshot(struct fc_call *c, int64_t version,
                               struct fc_snapshot **out)
{
    struct fc_store *st = c->st;
    const char *ticker = c->a.ticker;
    struct fc_diag *d = c->d;
    struct fc_series_info info;
    struct fc_model_rec rec;
    struct fc_snapshot *s = fc_registry_acquire(c->app->registry, ticker);

    if (s != NULL && (version == 0 || s->version == version)) {
        *out = s;
        return FC_OK;
    }
    fc_snapshot_release(s);
    fc_err rc = fc_store_series_info(st, ticker, &info, d);
    if (rc != FC_OK)
        return rc;
    if (version == 0)
        return fc_diag_set(d, FC_ECONFLICT,
                           "%s has no trained model yet: POST /train with "
                           "{\"ticker\":\"%s\"} and predict when the job "
                           "succeeded",
                           ticker, ticker);
    rc = fc_store_model_get(st, ticker, version, 1, &rec, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_snapshot_from_rec(&rec, out, d);
    fc_model_rec_fini(&rec);
    return rc;
}

/* ?ticker=&horizon=&version=&level= */
fc_err fc_api_predict_parse(struct fc_call *c)
{
    const struct fc_req *req = c->req;
    long long version = 0;

    c->a.horizon = 1;
    c->a.level = 0.9;
    fc_err rc = fc_api_ticker_query(req, c->a.ticker, c->d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(req, "horizon", 1, FC_HORIZON_MAX, &c->a.horizon,
                            c->d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(req, "version", 1, INT64_MAX, &version, c->d);
    if (rc == FC_OK)
        rc = fc_api_real_arg(req, "level", 0.0, 1.0, "0.9", &c->a.level, c->d);
    c->a.id = version;
    return rc;
}

fc_err fc_api_predict(struct fc_call *c)
{
    const struct fc_args *a = &c->a;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    int n = 0;
    size_t len = 0;

    /* The generations are read before anything is computed: a new bar or
     * champion arriving meanwhile makes this entry unreachable rather
     * than stale. */
    struct fc_pcache_key key = {a->ticker,
                                (int)a->horizon,
                                a->level,
                                a->id,
                                fc_registry_generation(c->app->registry),
                                atomic_load(&c->app->data_gen)};
    char *hit = fc_pcache_get(c->app->pcache, &key, &len);
    if (hit != NULL)
        return fc_api_json_reply(c->rep, 200, hit, &len);

    fc_err rc = predict_snapshot(c, a->id, &snap);
    if (rc == FC_OK)
        rc = fc_store_get_bars(c->st, a->ticker, INT32_MIN, INT32_MAX,
                               fc_forecast_bars_needed(snap->model), &bars, &n,
                               c->d);
    if (rc == FC_OK) {
        /* The snapshot is ours: the forecast runs under no lock. */
        struct fc_forecast f;
        rc = fc_forecast_make(snap, bars, n, (int)a->horizon, a->level, &f,
                              c->d);
        if (rc == FC_OK) {
            char *body = fc_json_forecast(&f, &snap->scores, &len);
            if (body != NULL)
                fc_pcache_put(c->app->pcache, &key, body, len);
            rc = fc_api_json_reply(c->rep, 200, body, &len);
        }
    }
    fc_snapshot_release(snap);
    free(bars);
    return rc;
}

/* ?ticker=[&from=&to=&threshold=] */
fc_err fc_api_anomalies_parse(struct fc_call *c)
{
    const struct fc_req *req = c->req;
    struct fc_args *a = &c->a;

    a->from = INT32_MIN;
    a->to = INT32_MAX;
    a->threshold = 3.0;
    fc_err rc = fc_api_ticker_query(req, a->ticker, c->d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "from", &a->from, c->d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "to", &a->to, c->d);
    if (rc == FC_OK && a->from > a->to)
        rc = fc_diag_set(c->d, FC_EINVAL, "from is after to");
    if (rc == FC_OK)
        rc = fc_api_real_arg(req, "threshold", 0.0, 1e6, "3", &a->threshold,
                             c->d);
    return rc;
}

/* The champion's one-step-ahead residuals over the range, the days at
 * |z| >= threshold. */
fc_err fc_api_anomalies(struct fc_call *c)
{
    const struct fc_args *a = &c->a;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    struct fc_anomaly_scan scan;
    int n = 0;
    size_t len = 0;

    fc_err rc = predict_snapshot(c, 0, &snap);
    /* Every bar up to `to`: the first days of the range need the model's
     * window before them. */
    if (rc == FC_OK)
        rc = fc_store_get_bars(c->st, a->ticker, INT32_MIN, a->to, 0, &bars, &n,
                               c->d);
    if (rc == FC_OK) {
        int t0 = 0;
        while (t0 < n && bars[t0].day < a->from)
            t0++;
        rc = fc_anomaly_scan(snap->model, bars, n, t0, n, a->threshold, &scan,
                             c->d);
        if (rc == FC_EINVAL)
            rc = FC_ECONFLICT; /* the model, not the request, is at fault */
        if (rc == FC_OK) {
            rc = fc_api_json_reply(c->rep, 200,
                                   fc_json_anomalies(a->ticker, snap->version,
                                                     a->threshold, &scan, &len),
                                   &len);
            fc_anomaly_scan_fini(&scan);
        }
    }
    fc_snapshot_release(snap);
    free(bars);
    return rc;
}
