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

/* ?ticker=&limit= */
fc_err fc_api_models_list_parse(struct fc_call *c)
{
    c->a.limit = 100;
    fc_err rc = fc_api_ticker_filter(c->req, c->a.ticker, c->d);
    if (rc == FC_OK)
        rc = fc_api_int_arg(c->req, "limit", 1, 10000, &c->a.limit, c->d);
    return rc;
}

fc_err fc_api_models_list(struct fc_call *c)
{
    const char *t = c->a.ticker[0] != '\0' ? c->a.ticker : NULL;
    struct fc_model_rec *v = NULL;
    int n = 0;
    size_t len = 0;

    fc_err rc = fc_store_model_list(c->st, t, c->a.limit, &v, &n, c->d);
    if (rc != FC_OK)
        return rc;
    rc = fc_api_json_reply(c->rep, 200, fc_json_models(v, n, &len), &len);
    fc_model_recs_free(v, n);
    return rc;
}

/* /models/{ticker}/{version}/...: the normalised ticker and the version
 * (in c->a.id). */
fc_err fc_api_model_parse(struct fc_call *c)
{
    fc_err rc = fc_api_ticker_param(c->params[0], c->a.ticker, c->d);
    if (rc == FC_OK)
        rc = fc_api_id_param(c->params[1], "model version", &c->a.id, c->d);
    return rc;
}

fc_err fc_api_promote(struct fc_call *c)
{
    struct fc_model_rec rec;
    size_t len = 0;

    if (c->app->trainer == NULL)
        return fc_diag_set(c->d, FC_EUNAVAIL, "the trainer is not running yet");
    fc_err rc = fc_trainer_promote(c->app->trainer, c->st, c->a.ticker, c->a.id,
                                   &rec, c->d);
    if (rc != FC_OK)
        return rc;
    rc = fc_api_json_reply(c->rep, 200, fc_json_model(&rec, &len), &len);
    fc_model_rec_fini(&rec);
    return rc;
}

/* GET /models/{ticker}/{version}/evaluation[?format=csv][&level=L] */
fc_err fc_api_evaluation_parse(struct fc_call *c)
{
    fc_err rc = fc_api_model_parse(c);
    c->a.level = 0.9;
    if (rc == FC_OK)
        rc = fc_api_real_arg(c->req, "level", 0.0, 1.0, "0.9", &c->a.level,
                             c->d);
    if (rc != FC_OK)
        return rc;
    const char *f = fc_api_arg(c->req, "format");
    if (f != NULL) {
        char e[48];
        c->a.csv = strcmp(f, "csv") == 0;
        if (!c->a.csv && strcmp(f, "json") != 0) {
            fc_api_echo(f, e);
            return fc_diag_set(c->d, FC_EINVAL,
                               "format: '%s' is not json or csv", e);
        }
    }
    return FC_OK;
}

/* The test period day by day, as stored with the version, each day with
 * its interval at the level (the version's model is loaded for its
 * held-out residuals). */
fc_err fc_api_evaluation(struct fc_call *c)
{
    const char *ticker = c->a.ticker;
    int64_t version = c->a.id;
    struct fc_model_rec rec;
    struct fc_model *m = NULL;
    char *points = NULL;
    size_t len = 0;

    memset(&rec, 0, sizeof rec);
    fc_err rc = fc_store_model_get(c->st, ticker, version, 1, &rec, c->d);
    if (rc == FC_OK)
        rc = fc_model_load(rec.blob, rec.blob_len, &m, c->d);
    if (rc == FC_OK) {
        rc = fc_store_model_evaluation(c->st, ticker, version, &points, c->d);
        if (rc == FC_OK && points == NULL)
            rc = fc_diag_set(c->d, FC_ENOTFOUND,
                             "%s version %lld was stored before evaluations "
                             "were kept; POST /train to get one with it",
                             ticker, (long long)version);
    }
    if (rc == FC_OK && c->a.csv) {
        char *body =
            fc_json_evaluation_csv(rec.metrics, points, m, c->a.level, &len);
        if (body == NULL)
            rc = FC_ENOMEM;
        else
            fc_api_set_body(c->rep, 200, FC_CT_CSV, body, len);
    } else if (rc == FC_OK) {
        rc = fc_api_json_reply(c->rep, 200,
                               fc_json_evaluation(ticker, version, rec.metrics,
                                                  points, m, c->a.level, &len),
                               &len);
    }
    fc_model_free(m);
    fc_model_rec_fini(&rec);
    free(points);
    return rc;
}
