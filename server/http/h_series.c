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

fc_err fc_api_series_list(struct fc_call *c)
{
    struct fc_series_info *list = NULL;
    int n = 0;
    size_t len = 0;

    fc_err rc = fc_store_list_series(c->st, &list, &n, c->d);
    if (rc != FC_OK)
        return rc;
    rc = fc_api_json_reply(c->rep, 200, fc_json_series_list(list, n, &len),
                           &len);
    free(list);
    return rc;
}

fc_err fc_api_series_delete_parse(struct fc_call *c)
{
    return fc_api_ticker_param(c->params[0], c->a.ticker, c->d);
}

fc_err fc_api_series_delete(struct fc_call *c)
{
    fc_err rc = fc_store_delete_series(c->st, c->a.ticker, c->d);
    if (rc != FC_OK)
        return rc;
    /* Its jobs went with it (a running one stops at its next epoch, when
     * its progress finds no row); so does its champion. */
    fc_registry_remove(c->app->registry, c->a.ticker);
    atomic_fetch_add(&c->app->data_gen, 1);
    fc_api_set_body(c->rep, 204, NULL, NULL, 0);
    return FC_OK;
}

/* ?from=&to=&limit=&format=json|csv */
fc_err fc_api_bars_get_parse(struct fc_call *c)
{
    const struct fc_req *req = c->req;
    struct fc_args *a = &c->a;
    char e[48];

    a->from = INT32_MIN;
    a->to = INT32_MAX;
    fc_err rc = fc_api_ticker_param(c->params[0], a->ticker, c->d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "from", &a->from, c->d);
    if (rc == FC_OK)
        rc = fc_api_date_arg(req, "to", &a->to, c->d);
    if (rc != FC_OK)
        return rc;
    if (a->from > a->to)
        return fc_diag_set(c->d, FC_EINVAL, "from is after to");
    const char *v = fc_api_arg(req, "limit");
    if (v != NULL) {
        char *end;
        errno = 0;
        a->limit = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno != 0 || a->limit < 1 ||
            a->limit > 100000000) {
            fc_api_echo(v, e);
            return fc_diag_set(c->d, FC_EINVAL,
                               "limit: '%s' is not a whole number in "
                               "[1, 100000000]",
                               e);
        }
    }
    v = fc_api_arg(req, "format");
    if (v != NULL && strcmp(v, "csv") == 0) {
        a->csv = 1;
    } else if (v != NULL && strcmp(v, "json") != 0) {
        fc_api_echo(v, e);
        return fc_diag_set(c->d, FC_EINVAL, "format: '%s' is not json or csv",
                           e);
    }
    return FC_OK;
}

fc_err fc_api_bars_get(struct fc_call *c)
{
    const struct fc_args *a = &c->a;
    struct fc_bar *bars = NULL;
    int n = 0;
    size_t len = 0;

    fc_err rc = fc_store_get_bars(c->st, a->ticker, a->from, a->to, a->limit,
                                  &bars, &n, c->d);
    if (rc != FC_OK)
        return rc;
    if (a->csv) {
        char *text = fc_bars_to_csv(bars, n, &len);
        if (text == NULL)
            rc = FC_ENOMEM;
        else
            fc_api_set_body(c->rep, 200, FC_CT_CSV, text, len);
    } else {
        rc = fc_api_json_reply(c->rep, 200,
                               fc_json_bars(a->ticker, bars, n, &len), &len);
    }
    free(bars);
    return rc;
}

/* ?on_error=reject|skip, and a Content-Type of CSV or JSON. */
fc_err fc_api_bars_post_parse(struct fc_call *c)
{
    static const char how[] =
        "send Content-Type: text/csv (Yahoo layout: "
        "Date,Open,High,Low,Close,Adj Close,Volume) or Content-Type: "
        "application/json ({\"bars\":[...]})";
    const struct fc_req *req = c->req;
    char e[48];

    fc_err rc = fc_api_ticker_param(c->params[0], c->a.ticker, c->d);
    if (rc != FC_OK)
        return rc;
    const char *v = fc_api_arg(req, "on_error");
    if (v != NULL && strcmp(v, "skip") == 0) {
        c->a.skip = 1;
    } else if (v != NULL && strcmp(v, "reject") != 0) {
        fc_api_echo(v, e);
        return fc_diag_set(c->d, FC_EINVAL,
                           "on_error: '%s' is not reject or skip", e);
    }
    if (req->content_type == NULL)
        return fc_diag_set(c->d, FC_EMEDIA, "no Content-Type: %s", how);
    if (fc_api_media_is(req->content_type, "text/csv")) {
        c->a.kind = FC_BODY_CSV;
    } else if (fc_api_media_is(req->content_type, "application/json")) {
        c->a.kind = FC_BODY_JSON;
    } else {
        fc_api_echo(req->content_type, e);
        return fc_diag_set(c->d, FC_EMEDIA, "unsupported Content-Type '%s': %s",
                           e, how);
    }
    return FC_OK;
}

/* The ingest renders its own reply: the summary, or a 422 listing the bad
 * rows. After a write the trainer may queue a job for the series. */
fc_err fc_api_bars_post(struct fc_call *c)
{
    const struct fc_req *req = c->req;
    struct fc_put_result res;
    char *json = NULL;
    size_t len = 0;

    fc_err rc = fc_series_ingest_res(
        c->st, c->a.ticker, c->a.kind, req->body != NULL ? req->body : "",
        req->body_len, c->a.skip, c->app->metrics, &json, &len, &res);
    if (rc == FC_OK) {
        atomic_fetch_add(&c->app->data_gen, 1);
        fc_trainer_after_ingest(c->app->trainer, c->st, c->a.ticker, &res);
    }
    if (json == NULL)
        return rc != FC_OK ? rc : FC_ENOMEM;
    fc_api_set_body(c->rep, fc_err_http(rc),
                    rc == FC_OK ? FC_CT_JSON : FC_CT_PROBLEM, json, len);
    return FC_OK;
}
