/* h_series.c — the series and their bars: GET /series (every series with
 * its range), DELETE /series/{ticker} (with its bars, jobs and models),
 * GET /series/{ticker}/bars (JSON or CSV, by range and limit) and POST
 * /series/{ticker}/bars (a CSV or JSON upload, upserted; after it the
 * trainer may queue a job). Each write bumps the data generation, so no
 * cached prediction made from older bars is served again. */
#include "api_int.h"

#include "json_io.h"
#include "registry.h"
#include "series.h"
#include "store.h"
#include "trainer.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

fc_err fc_api_series_list(struct fc_app *app, const struct fc_req *req,
                          char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                          struct fc_diag *d)
{
    struct fc_series_info *list = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)req, (void)params;

    fc_err rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_store_list_series(st, &list, &n, d);
    fc_app_store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = fc_api_json_reply(rep, 200, fc_json_series_list(list, n, &len), &len);
    free(list);
    return rc;
}

fc_err fc_api_series_delete(struct fc_app *app, const struct fc_req *req,
                            char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                            struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int idx;
    (void)req;

    fc_err rc = fc_api_ticker_param(params[0], ticker, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_store_delete_series(st, ticker, d);
    fc_app_store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    /* Its jobs went with it (a running one stops at its next epoch, when
     * its progress finds no row); so does its champion. */
    fc_registry_remove(app->registry, ticker);
    atomic_fetch_add(&app->data_gen, 1);
    fc_api_set_body(rep, 204, NULL, NULL, 0);
    return FC_OK;
}

fc_err fc_api_bars_get(struct fc_app *app, const struct fc_req *req,
                       char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                       struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    char e[48];
    int32_t from = INT32_MIN, to = INT32_MAX;
    long long limit = 0;
    int csv = 0;
    struct fc_bar *bars = NULL;
    int n = 0;
    int idx;
    size_t len = 0;

    fc_err rc = fc_api_ticker_param(params[0], ticker, d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "from", &from, d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "to", &to, d);
    if (rc != FC_OK)
        return rc;
    if (from > to)
        return fc_diag_set(d, FC_EINVAL, "from is after to");
    const char *v = fc_api_arg(req, "limit");
    if (v != NULL) {
        char *end;
        errno = 0;
        limit = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno != 0 || limit < 1 ||
            limit > 100000000) {
            fc_api_echo(v, e);
            return fc_diag_set(d, FC_EINVAL,
                               "limit: '%s' is not a whole number in "
                               "[1, 100000000]",
                               e);
        }
    }
    v = fc_api_arg(req, "format");
    if (v != NULL && strcmp(v, "csv") == 0) {
        csv = 1;
    } else if (v != NULL && strcmp(v, "json") != 0) {
        fc_api_echo(v, e);
        return fc_diag_set(d, FC_EINVAL, "format: '%s' is not json or csv", e);
    }
    rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_store_get_bars(st, ticker, from, to, limit, &bars, &n, d);
    fc_app_store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    if (csv) {
        char *text = fc_bars_to_csv(bars, n, &len);
        if (text == NULL)
            rc = FC_ENOMEM;
        else
            fc_api_set_body(rep, 200, FC_CT_CSV, text, len);
    } else {
        rc = fc_api_json_reply(rep, 200, fc_json_bars(ticker, bars, n, &len),
                               &len);
    }
    free(bars);
    return rc;
}

fc_err fc_api_bars_post(struct fc_app *app, const struct fc_req *req,
                        char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    static const char how[] =
        "send Content-Type: text/csv (Yahoo layout: "
        "Date,Open,High,Low,Close,Adj Close,Volume) or Content-Type: "
        "application/json ({\"bars\":[...]})";
    char ticker[FC_TICKER_SIZE];
    char e[48];
    enum fc_body_kind kind;
    int skip = 0;
    int idx;
    char *json = NULL;
    size_t len = 0;

    fc_err rc = fc_api_ticker_param(params[0], ticker, d);
    if (rc != FC_OK)
        return rc;
    const char *v = fc_api_arg(req, "on_error");
    if (v != NULL && strcmp(v, "skip") == 0) {
        skip = 1;
    } else if (v != NULL && strcmp(v, "reject") != 0) {
        fc_api_echo(v, e);
        return fc_diag_set(d, FC_EINVAL, "on_error: '%s' is not reject or skip",
                           e);
    }
    if (req->content_type == NULL)
        return fc_diag_set(d, FC_EMEDIA, "no Content-Type: %s", how);
    if (fc_api_media_is(req->content_type, "text/csv")) {
        kind = FC_BODY_CSV;
    } else if (fc_api_media_is(req->content_type, "application/json")) {
        kind = FC_BODY_JSON;
    } else {
        fc_api_echo(req->content_type, e);
        return fc_diag_set(d, FC_EMEDIA, "unsupported Content-Type '%s': %s", e,
                           how);
    }
    rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_put_result res;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_series_ingest_res(st, ticker, kind,
                              req->body != NULL ? req->body : "", req->body_len,
                              skip, app->metrics, &json, &len, &res);
    if (rc == FC_OK) {
        atomic_fetch_add(&app->data_gen, 1);
        fc_trainer_after_ingest(app->trainer, st, ticker, &res);
    }
    fc_app_store_release(app, idx);
    if (json == NULL)
        return rc != FC_OK ? rc : FC_ENOMEM;
    fc_api_set_body(rep, fc_err_http(rc),
                    rc == FC_OK ? FC_CT_JSON : FC_CT_PROBLEM, json, len);
    return FC_OK;
}
