/* h_predict.c — the reads that run a model: GET /predict (the forecast of
 * the champion or of a stored version, from the last bars; replies are
 * cached by request and by the registry and data generations; a list of
 * up to FC_PREDICT_MAX_TICKERS tickers gets each one's cached reply, or a
 * problem naming it, in one answer) and GET
 * /anomalies (the champion's one-step-ahead residuals over a range, the
 * days at or beyond a z threshold). */
#include "api_int.h"

#include "forecast.h"
#include "series.h"
#include "json_io.h"
#include "registry.h"
#include "snapshot.h"
#include "store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The snapshot to predict ticker with: the champion (version 0 or its
 * number) or a stored version loaded for this request. The registry has
 * no champion for a ticker whose first one was committed a moment ago and
 * is still on its way to it (published after the commit here, announced
 * by NOTIFY from another replica): the database's champion, loaded for
 * this request, answers then. FC_ENOTFOUND (no series, no such version),
 * FC_ECONFLICT (no model yet), FC_EIO, FC_ECORRUPT, FC_ENOMEM. */
static fc_err predict_snapshot(struct fc_call *c, const char *ticker,
                               int64_t version, struct fc_snapshot **out,
                               struct fc_diag *d)
{
    struct fc_series_info info;
    struct fc_model_rec rec;
    struct fc_snapshot *s = fc_registry_acquire(c->app->registry, ticker);

    if (s != NULL && (version == 0 || s->version == version)) {
        *out = s;
        return FC_OK;
    }
    fc_snapshot_release(s);
    struct fc_store *st = fc_call_store(c);
    fc_err rc = fc_store_series_info(st, ticker, &info, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_store_model_get(st, ticker, version, 1, &rec, d);
    if (rc == FC_ENOTFOUND && version == 0)
        return fc_diag_set(d, FC_ECONFLICT,
                           "%s has no trained model yet: POST /train with "
                           "{\"ticker\":\"%s\"} and predict when the job "
                           "succeeded",
                           ticker, ticker);
    if (rc != FC_OK)
        return rc;
    rc = fc_snapshot_from_rec(&rec, out, d);
    fc_model_rec_fini(&rec);
    return rc;
}

/* ?ticker=A,B,C into a->tickers: 1 to FC_PREDICT_MAX_TICKERS items, each
 * a valid ticker (normalised), none twice. FC_EBADREQ naming the item. */
static fc_err ticker_list(const char *v, struct fc_args *a, struct fc_diag *d)
{
    int n = 0;

    for (const char *p = v;; p++) {
        size_t k = strcspn(p, ",");
        char item[64];
        if (k == 0)
            return fc_diag_set(d, FC_EBADREQ,
                               "ticker: item %d of the list is empty (a list "
                               "is A,B,C)",
                               n + 1);
        if (n == FC_PREDICT_MAX_TICKERS)
            return fc_diag_set(d, FC_EBADREQ,
                               "ticker: more than %d tickers; split the list "
                               "over several requests",
                               FC_PREDICT_MAX_TICKERS);
        snprintf(item, sizeof item, "%.*s", (int)(k < 63 ? k : 63), p);
        fc_err rc = fc_api_ticker_param(item, a->tickers[n], d);
        if (rc != FC_OK)
            return rc;
        for (int i = 0; i < n; i++)
            if (strcmp(a->tickers[i], a->tickers[n]) == 0)
                return fc_diag_set(d, FC_EBADREQ, "ticker: %s is listed twice",
                                   a->tickers[n]);
        n++;
        p += k;
        if (*p == '\0')
            break;
    }
    a->n_tickers = n;
    return FC_OK;
}

/* ?ticker=&horizon=&version=&level=; ticker may be a list A,B,C (then
 * without version: a model version belongs to one ticker). */
fc_err fc_api_predict_parse(struct fc_call *c)
{
    const struct fc_req *req = c->req;
    const char *list = fc_api_arg(req, "ticker");
    long long version = 0;
    fc_err rc;

    c->a.horizon = 1;
    c->a.level = 0.9;
    if (list != NULL && strchr(list, ',') != NULL)
        rc = ticker_list(list, &c->a, c->d);
    else
        rc = fc_api_ticker_query(req, c->a.ticker, c->d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(req, "horizon", 1, FC_HORIZON_MAX, &c->a.horizon,
                            c->d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(req, "version", 1, INT64_MAX, &version, c->d);
    if (rc == FC_OK && version != 0 && c->a.n_tickers > 0)
        rc = fc_diag_set(c->d, FC_EBADREQ,
                         "version names a model of one ticker: ask for it "
                         "with a single ticker");
    if (rc == FC_OK)
        rc = fc_api_real_arg(req, "level", 0.0, 1.0, "0.9", &c->a.level, c->d);
    c->a.id = version;
    return rc;
}

/* The /predict body of one ticker (malloc'ed into *body): from the cache,
 * or computed and cached. FC_ENOTFOUND, FC_ECONFLICT, FC_EINVAL (too few
 * bars), FC_EIO, FC_ECORRUPT, FC_ENOMEM, the reason in d. */
static fc_err predict_body(struct fc_call *c, const char *ticker, char **body,
                           size_t *len, struct fc_diag *d)
{
    const struct fc_args *a = &c->a;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    int n = 0;

    /* The generations are read before anything is computed: a new bar or
     * champion arriving meanwhile makes this entry unreachable rather
     * than stale. */
    struct fc_pcache_key key = {ticker,
                                (int)a->horizon,
                                a->level,
                                a->id,
                                fc_registry_generation(c->app->registry),
                                atomic_load(&c->app->data_gen)};
    *body = fc_pcache_get(c->app->pcache, &key, len);
    if (*body != NULL)
        return FC_OK;

    fc_err rc = predict_snapshot(c, ticker, a->id, &snap, d);
    if (rc == FC_OK)
        rc = fc_series_forecast_bars(fc_call_store(c), ticker, snap, &bars, &n,
                                     d);
    if (rc == FC_OK) {
        /* The snapshot is ours: the forecast runs under no lock. */
        struct fc_forecast f;
        rc = fc_forecast_make(snap, bars, n, (int)a->horizon, a->level, &f, d);
        if (rc == FC_OK) {
            *body = fc_json_forecast(&f, &snap->scores, len);
            if (*body == NULL)
                rc = FC_ENOMEM;
            else
                fc_pcache_put(c->app->pcache, &key, *body, *len);
        }
    }
    fc_snapshot_release(snap);
    free(bars);
    return rc;
}

/* Several tickers: each one's body as predict_body gives it, or a problem
 * naming it when a single /predict of it would be a 4xx (no series, no
 * model, too few bars). A 5xx of any ticker is the answer's. */
static fc_err predict_many(struct fc_call *c)
{
    const struct fc_args *a = &c->a;
    const int n = a->n_tickers;
    char **bodies = calloc((size_t)n, sizeof *bodies);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    struct fc_ticker_problem *errs = calloc((size_t)n, sizeof *errs);
    struct fc_diag *diags = calloc((size_t)n, sizeof *diags);
    int n_ok = 0, n_errs = 0;
    size_t len = 0;
    fc_err rc = FC_OK;

    if (bodies == NULL || lens == NULL || errs == NULL || diags == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        struct fc_diag *d = &diags[n_errs];
        fc_diag_init(d);
        fc_err one =
            predict_body(c, a->tickers[i], &bodies[n_ok], &lens[n_ok], d);
        if (one == FC_OK) {
            n_ok++;
        } else if (fc_err_http(one) < 500) {
            errs[n_errs].ticker = a->tickers[i];
            errs[n_errs].status = fc_err_http(one);
            errs[n_errs].detail = d->msg[0] != '\0' ? d->msg : fc_err_text(one);
            n_errs++;
        } else {
            rc = fc_diag_set(c->d, one, "%s: %s", a->tickers[i],
                             d->msg[0] != '\0' ? d->msg : fc_err_text(one));
            goto done;
        }
    }
    rc = fc_api_json_reply(
        c->rep, 200,
        fc_json_predict_many(bodies, lens, n_ok, errs, n_errs, &len), &len);
done:
    for (int i = 0; bodies != NULL && i < n_ok; i++)
        free(bodies[i]);
    free(bodies);
    free(lens);
    free(errs);
    free(diags);
    return rc;
}

fc_err fc_api_predict(struct fc_call *c)
{
    char *body = NULL;
    size_t len = 0;

    if (c->a.n_tickers > 0)
        return predict_many(c);
    fc_err rc = predict_body(c, c->a.ticker, &body, &len, c->d);
    if (rc != FC_OK)
        return rc;
    return fc_api_json_reply(c->rep, 200, body, &len);
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

    fc_err rc = predict_snapshot(c, a->ticker, 0, &snap, c->d);
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
