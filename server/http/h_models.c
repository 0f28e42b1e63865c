/* h_models.c — the stored model versions: GET /models (filtered by ticker),
 * POST /models/{ticker}/{version}/promote (make a version the champion, by
 * the manual promotion rule) and GET /models/{ticker}/{version}/evaluation
 * (its test period day by day, JSON or CSV). */
#include "api_int.h"

#include "json_io.h"
#include "store.h"
#include "trainer.h"

#include <stdlib.h>
#include <string.h>

fc_err fc_api_models_list(struct fc_app *app, const struct fc_req *req,
                          char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                          struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    const char *t = NULL;
    long long limit = 100;
    struct fc_model_rec *v = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = fc_api_ticker_filter(req, ticker, &t, d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(req, "limit", 1, 10000, &limit, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_store_model_list(st, t, limit, &v, &n, d);
    fc_app_store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = fc_api_json_reply(rep, 200, fc_json_models(v, n, &len), &len);
    fc_model_recs_free(v, n);
    return rc;
}

/* /models/{ticker}/{version}/...: the normalised ticker and the version. */
static fc_err model_param(char params[][FC_PARAM_SIZE],
                          char ticker[FC_TICKER_SIZE], int64_t *version,
                          struct fc_diag *d)
{
    fc_err rc = fc_api_ticker_param(params[0], ticker, d);
    if (rc == FC_OK)
        rc = fc_api_id_param(params[1], "model version", version, d);
    return rc;
}

fc_err fc_api_promote(struct fc_app *app, const struct fc_req *req,
                      char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                      struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int64_t version = 0;
    struct fc_model_rec rec;
    int idx;
    size_t len = 0;
    (void)req;

    fc_err rc = model_param(params, ticker, &version, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    if (app->trainer == NULL)
        return fc_diag_set(d, FC_EUNAVAIL, "the trainer is not running yet");
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_trainer_promote(app->trainer, st, ticker, version, &rec, d);
    fc_app_store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = fc_api_json_reply(rep, 200, fc_json_model(&rec, &len), &len);
    fc_model_rec_fini(&rec);
    return rc;
}

/* GET /models/{ticker}/{version}/evaluation[?format=csv]: the test period
 * day by day, as stored with the version. */
fc_err fc_api_evaluation(struct fc_app *app, const struct fc_req *req,
                         char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                         struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int64_t version = 0;
    struct fc_model_rec rec;
    char *points = NULL;
    int csv = 0;
    int idx;
    size_t len = 0;

    memset(&rec, 0, sizeof rec);
    fc_err rc = model_param(params, ticker, &version, d);
    if (rc != FC_OK)
        return rc;
    const char *f = fc_api_arg(req, "format");
    if (f != NULL) {
        char e[48];
        csv = strcmp(f, "csv") == 0;
        if (!csv && strcmp(f, "json") != 0) {
            fc_api_echo(f, e);
            return fc_diag_set(d, FC_EINVAL, "format: '%s' is not json or csv",
                               e);
        }
    }
    rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_store_model_get(st, ticker, version, 0, &rec, d);
    if (rc == FC_OK) {
        rc = fc_store_model_evaluation(st, ticker, version, &points, d);
        if (rc == FC_OK && points == NULL)
            rc = fc_diag_set(d, FC_ENOTFOUND,
                             "%s version %lld was stored before evaluations "
                             "were kept; POST /train to get one with it",
                             ticker, (long long)version);
    }
    fc_app_store_release(app, idx);
    if (rc == FC_OK && csv) {
        char *body = fc_json_evaluation_csv(points, &len);
        if (body == NULL)
            rc = FC_ENOMEM;
        else
            fc_api_set_body(rep, 200, FC_CT_CSV, body, len);
    } else if (rc == FC_OK) {
        rc = fc_api_json_reply(
            rep, 200,
            fc_json_evaluation(ticker, version, rec.metrics, points, &len),
            &len);
    }
    fc_model_rec_fini(&rec);
    free(points);
    return rc;
}
