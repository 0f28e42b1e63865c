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
static fc_err predict_snapshot(struct fc_app *app, struct fc_store *st,
                               const char *ticker, int64_t version,
                               struct fc_snapshot **out, struct fc_diag *d)
{
    struct fc_series_info info;
    struct fc_model_rec rec;
    struct fc_snapshot *s = fc_registry_acquire(app->registry, ticker);

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

fc_err fc_api_predict(struct fc_app *app, const struct fc_req *req,
                      char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                      struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    long long horizon = 1;
    long long version = 0;
    double level = 0.9;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = fc_api_ticker_query(req, ticker, d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(req, "horizon", 1, FC_HORIZON_MAX, &horizon, d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(req, "version", 1, INT64_MAX, &version, d);
    if (rc == FC_OK)
        rc = fc_api_real_arg(req, "level", 0.0, 1.0, "0.9", &level, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    /* The generations are read before anything is computed: a new bar or
     * champion arriving meanwhile makes this entry unreachable rather
     * than stale. */
    struct fc_pcache_key key = {ticker,
                                (int)horizon,
                                level,
                                version,
                                fc_registry_generation(app->registry),
                                atomic_load(&app->data_gen)};
    char *hit = fc_pcache_get(app->pcache, &key, &len);
    if (hit != NULL)
        return fc_api_json_reply(rep, 200, hit, &len);

    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = predict_snapshot(app, st, ticker, version, &snap, d);
    if (rc == FC_OK)
        rc = fc_store_get_bars(st, ticker, INT32_MIN, INT32_MAX,
                               fc_forecast_bars_needed(snap->model), &bars, &n,
                               d);
    fc_app_store_release(app, idx);
    if (rc == FC_OK) {
        /* No lock is held from here on: the snapshot is ours. */
        struct fc_forecast f;
        struct fc_scores sc;
        rc = fc_forecast_make(snap, bars, n, (int)horizon, level, &f, d);
        if (rc == FC_OK) {
            fc_snapshot_scores(snap, &sc);
            char *body = fc_json_forecast(&f, &sc, &len);
            if (body != NULL)
                fc_pcache_put(app->pcache, &key, body, len);
            rc = fc_api_json_reply(rep, 200, body, &len);
        }
    }
    fc_snapshot_release(snap);
    free(bars);
    return rc;
}

/* GET /anomalies?ticker=[&from=&to=&threshold=]: the champion's
 * one-step-ahead residuals over the range, the days at |z| >= threshold. */
fc_err fc_api_anomalies(struct fc_app *app, const struct fc_req *req,
                        char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int32_t from = INT32_MIN, to = INT32_MAX;
    double threshold = 3.0;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    struct fc_anomaly_scan scan;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = fc_api_ticker_query(req, ticker, d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "from", &from, d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "to", &to, d);
    if (rc == FC_OK && from > to)
        rc = fc_diag_set(d, FC_EINVAL, "from is after to");
    if (rc == FC_OK)
        rc = fc_api_real_arg(req, "threshold", 0.0, 1e6, "3", &threshold, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = predict_snapshot(app, st, ticker, 0, &snap, d);
    /* Every bar up to `to`: the first days of the range need the model's
     * window before them. */
    if (rc == FC_OK)
        rc = fc_store_get_bars(st, ticker, INT32_MIN, to, 0, &bars, &n, d);
    fc_app_store_release(app, idx);
    if (rc == FC_OK) {
        int t0 = 0;
        while (t0 < n && bars[t0].day < from)
            t0++;
        rc = fc_anomaly_scan(snap->model, bars, n, t0, n, threshold, &scan, d);
        if (rc == FC_EINVAL)
            rc = FC_ECONFLICT; /* the model, not the request, is at fault */
        if (rc == FC_OK) {
            rc = fc_api_json_reply(rep, 200,
                                   fc_json_anomalies(ticker, snap->version,
                                                     threshold, &scan, &len),
                                   &len);
            fc_anomaly_scan_fini(&scan);
        }
    }
    fc_snapshot_release(snap);
    free(bars);
    return rc;
}
