/* h_jobs.c — training and backtest jobs: POST /train and POST /backtest
 * (202 with the job and its Location, or for a training without a ticker
 * one job per series), GET /jobs (filtered by ticker and state), GET and
 * DELETE /jobs/{id} (the job; cancelling it). A second job for a ticker
 * that has one queued or running is a 409 naming that job. */
#include "api_int.h"

#include "json_io.h"
#include "store.h"
#include "trainer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replies with one job's document, and releases the job. */
static fc_err job_reply(struct fc_reply *rep, int status, struct fc_job *job)
{
    size_t len = 0;
    fc_err rc = fc_api_json_reply(rep, status, fc_json_job(job, &len), &len);
    fc_job_fini(job);
    return rc;
}

/* A problem naming a job ("/jobs/7") in its `job` member: the 409s. */
static fc_err job_problem(struct fc_reply *rep, fc_err rc, const char *detail,
                          int64_t job_id)
{
    char job[48];
    size_t len = 0;
    snprintf(job, sizeof job, "/jobs/%lld", (long long)job_id);
    int status = fc_err_http(rc);
    char *body = fc_json_problem(status, detail, NULL, job, &len);
    if (body == NULL)
        return FC_ENOMEM;
    fc_api_set_body(rep, status, FC_CT_PROBLEM, body, len);
    return FC_OK;
}

/* POST /train and POST /backtest: the parameters from the body, the
 * ticker from the body or the query, then one job (202 + Location), or
 * for a training without a ticker one job per series. */
static fc_err queue_jobs(struct fc_app *app, const struct fc_req *req,
                         int backtest, struct fc_reply *rep, struct fc_diag *d)
{
    struct fc_train_params p;
    char ticker[FC_TICKER_SIZE] = "";
    char other[FC_TICKER_SIZE];
    struct fc_job job;
    int64_t conflict = 0;
    int idx;
    size_t len = 0;
    size_t body_len = req->body != NULL ? req->body_len : 0;

    fc_err rc =
        backtest ? fc_json_parse_backtest(req->body, body_len, app->cfg, &p, d)
                 : fc_json_parse_train(req->body, body_len, app->cfg, &p, d);
    if (rc != FC_OK)
        return rc;
    const char *q = fc_api_arg(req, "ticker");
    if (q != NULL) {
        rc = fc_api_ticker_param(q, ticker, d);
        if (rc != FC_OK)
            return rc;
    }
    if (p.ticker[0] != '\0') {
        rc = fc_api_ticker_param(p.ticker, other, d);
        if (rc != FC_OK)
            return rc;
        if (q != NULL && strcmp(other, ticker) != 0)
            return fc_diag_set(d, FC_EINVAL,
                               "the body names ticker %s and the query %s; "
                               "give one",
                               other, ticker);
        memcpy(ticker, other, sizeof ticker);
    }
    if (backtest && ticker[0] == '\0')
        return fc_diag_set(d, FC_EINVAL,
                           "ticker is required: {\"ticker\":\"NFLX\","
                           "\"folds\":5}");
    rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    if (ticker[0] != '\0') {
        rc = fc_trainer_submit(app->trainer, st, ticker, &p, 0, &job, &conflict,
                               d);
        fc_app_store_release(app, idx);
        if (rc == FC_ECONFLICT && conflict > 0)
            return job_problem(rep, rc, d->msg, conflict);
        if (rc != FC_OK)
            return rc;
        snprintf(rep->location, sizeof rep->location, "/jobs/%lld",
                 (long long)job.id);
        return job_reply(rep, 202, &job);
    }
    /* No ticker: every series gets a job, by the same rules one by one;
     * those that cannot are listed with the status they would get. */
    struct fc_series_info *list = NULL;
    struct fc_job *jobs = NULL;
    struct fc_train_skip *skips = NULL;
    int n = 0, n_jobs = 0, n_skips = 0;
    rc = fc_store_list_series(st, &list, &n, d);
    if (rc == FC_OK && n > 0) {
        jobs = calloc((size_t)n, sizeof *jobs);
        skips = calloc((size_t)n, sizeof *skips);
        if (jobs == NULL || skips == NULL)
            rc = FC_ENOMEM;
    }
    for (int i = 0; rc == FC_OK && i < n; i++) {
        struct fc_diag jd;
        fc_diag_init(&jd);
        fc_err jr = fc_trainer_submit(app->trainer, st, list[i].ticker, &p, 0,
                                      &jobs[n_jobs], &conflict, &jd);
        if (jr == FC_OK) {
            n_jobs++;
        } else if (jr == FC_ENOMEM) {
            rc = jr;
        } else {
            struct fc_train_skip *k = &skips[n_skips++];
            snprintf(k->ticker, sizeof k->ticker, "%s", list[i].ticker);
            k->status = fc_err_http(jr);
            snprintf(k->detail, sizeof k->detail, "%s", jd.msg);
        }
    }
    fc_app_store_release(app, idx);
    if (rc == FC_OK) {
        snprintf(rep->location, sizeof rep->location, "/jobs?state=queued");
        rc = fc_api_json_reply(
            rep, 202, fc_json_jobs(jobs, n_jobs, skips, n_skips, &len), &len);
    }
    fc_jobs_free(jobs, n_jobs);
    free(skips);
    free(list);
    return rc;
}

fc_err fc_api_train(struct fc_app *app, const struct fc_req *req,
                    char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                    struct fc_diag *d)
{
    (void)params;
    return queue_jobs(app, req, 0, rep, d);
}

fc_err fc_api_backtest(struct fc_app *app, const struct fc_req *req,
                       char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                       struct fc_diag *d)
{
    (void)params;
    return queue_jobs(app, req, 1, rep, d);
}

fc_err fc_api_jobs_list(struct fc_app *app, const struct fc_req *req,
                        char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    const char *t = NULL;
    int state = -1;
    long long limit = 100;
    struct fc_job *v = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = fc_api_ticker_filter(req, ticker, &t, d);
    if (rc != FC_OK)
        return rc;
    const char *q = fc_api_arg(req, "state");
    if (q != NULL) {
        char e[48];
        state = fc_job_state_parse(q);
        if (state < 0) {
            fc_api_echo(q, e);
            return fc_diag_set(d, FC_EINVAL,
                               "state: '%s' is not queued, running, "
                               "succeeded, failed or cancelled",
                               e);
        }
    }
    rc = fc_api_int_arg(req, "limit", 1, 10000, &limit, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_store_job_list(st, t, state, limit, &v, &n, d);
    fc_app_store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = fc_api_json_reply(rep, 200, fc_json_jobs(v, n, NULL, 0, &len), &len);
    fc_jobs_free(v, n);
    return rc;
}

fc_err fc_api_job_get(struct fc_app *app, const struct fc_req *req,
                      char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                      struct fc_diag *d)
{
    int64_t id = 0;
    struct fc_job job;
    int idx;
    (void)req;

    fc_err rc = fc_api_id_param(params[0], "job", &id, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_store_job_get(st, id, &job, d);
    fc_app_store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    return job_reply(rep, 200, &job);
}

fc_err fc_api_job_delete(struct fc_app *app, const struct fc_req *req,
                         char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                         struct fc_diag *d)
{
    int64_t id = 0;
    struct fc_job job;
    int idx;
    (void)req;

    fc_err rc = fc_api_id_param(params[0], "job", &id, d);
    if (rc == FC_OK)
        rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = fc_app_store_acquire(app, &idx);
    rc = fc_trainer_cancel(app->trainer, st, id, &job, d);
    fc_app_store_release(app, idx);
    if (rc == FC_ECONFLICT) {
        fc_job_fini(&job);
        return job_problem(rep, rc, d->msg, id);
    }
    if (rc != FC_OK)
        return rc;
    return job_reply(rep, 200, &job);
}
