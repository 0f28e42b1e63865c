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

/* POST /train and POST /backtest: the parameters from the body, then the
 * ticker from the body or the query (they must agree when both are
 * given); a backtest needs one. */
static fc_err parse_job_request(struct fc_call *c, int backtest)
{
    const struct fc_req *req = c->req;
    struct fc_train_params *p = &c->a.train;
    char *ticker = c->a.ticker; /* "" until one is given */
    char other[FC_TICKER_SIZE];
    size_t body_len = req->body != NULL ? req->body_len : 0;

    fc_err rc =
        backtest
            ? fc_json_parse_backtest(req->body, body_len, c->app->cfg, p, c->d)
            : fc_json_parse_train(req->body, body_len, c->app->cfg, p, c->d);
    if (rc != FC_OK)
        return rc;
    const char *q = fc_api_arg(req, "ticker");
    if (q != NULL) {
        rc = fc_api_ticker_param(q, ticker, c->d);
        if (rc != FC_OK)
            return rc;
    }
    if (p->ticker[0] != '\0') {
        rc = fc_api_ticker_param(p->ticker, other, c->d);
        if (rc != FC_OK)
            return rc;
        if (q != NULL && strcmp(other, ticker) != 0)
            return fc_diag_set(c->d, FC_EINVAL,
                               "the body names ticker %s and the query %s; "
                               "give one",
                               other, ticker);
        memcpy(ticker, other, FC_TICKER_SIZE);
    }
    if (backtest && ticker[0] == '\0')
        return fc_diag_set(c->d, FC_EINVAL,
                           "ticker is required: {\"ticker\":\"NFLX\","
                           "\"folds\":5}");
    return FC_OK;
}

fc_err fc_api_train_parse(struct fc_call *c)
{
    return parse_job_request(c, 0);
}

fc_err fc_api_backtest_parse(struct fc_call *c)
{
    return parse_job_request(c, 1);
}

/* For a training without a ticker: every series gets a job, by the same
 * rules one by one; those that cannot are listed with the status they
 * would get. 202 with the jobs and the skips. */
static fc_err queue_every_series(struct fc_call *c)
{
    struct fc_series_info *list = NULL;
    struct fc_job *jobs = NULL;
    struct fc_train_skip *skips = NULL;
    int n = 0, n_jobs = 0, n_skips = 0;
    int64_t conflict = 0;
    size_t len = 0;

    fc_err rc = fc_store_list_series(c->st, &list, &n, c->d);
    if (rc == FC_OK && n > 0) {
        jobs = calloc((size_t)n, sizeof *jobs);
        skips = calloc((size_t)n, sizeof *skips);
        if (jobs == NULL || skips == NULL)
            rc = FC_ENOMEM;
    }
    for (int i = 0; rc == FC_OK && i < n; i++) {
        struct fc_diag jd;
        fc_diag_init(&jd);
        fc_err jr =
            fc_trainer_submit(c->app->trainer, c->st, list[i].ticker,
                              &c->a.train, 0, &jobs[n_jobs], &conflict, &jd);
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
    if (rc == FC_OK) {
        snprintf(c->rep->location, sizeof c->rep->location,
                 "/jobs?state=queued");
        rc = fc_api_json_reply(c->rep, 202,
                               fc_json_jobs(jobs, n_jobs, skips, n_skips, &len),
                               &len);
    }
    fc_jobs_free(jobs, n_jobs);
    free(skips);
    free(list);
    return rc;
}

/* The run step of both: one job (202 + Location), or 409 naming the job
 * the ticker already has queued or running. */
fc_err fc_api_jobs_queue(struct fc_call *c)
{
    struct fc_job job;
    int64_t conflict = 0;

    if (c->a.ticker[0] == '\0')
        return queue_every_series(c);
    fc_err rc = fc_trainer_submit(c->app->trainer, c->st, c->a.ticker,
                                  &c->a.train, 0, &job, &conflict, c->d);
    if (rc == FC_ECONFLICT && conflict > 0)
        return job_problem(c->rep, rc, c->d->msg, conflict);
    if (rc != FC_OK)
        return rc;
    snprintf(c->rep->location, sizeof c->rep->location, "/jobs/%lld",
             (long long)job.id);
    return job_reply(c->rep, 202, &job);
}

/* ?ticker=&state=&limit= */
fc_err fc_api_jobs_list_parse(struct fc_call *c)
{
    c->a.state = -1;
    c->a.limit = 100;
    fc_err rc = fc_api_ticker_filter(c->req, c->a.ticker, c->d);
    if (rc != FC_OK)
        return rc;
    const char *q = fc_api_arg(c->req, "state");
    if (q != NULL) {
        char e[48];
        c->a.state = fc_job_state_parse(q);
        if (c->a.state < 0) {
            fc_api_echo(q, e);
            return fc_diag_set(c->d, FC_EINVAL,
                               "state: '%s' is not queued, running, "
                               "succeeded, failed or cancelled",
                               e);
        }
    }
    return fc_api_int_arg(c->req, "limit", 1, 10000, &c->a.limit, c->d);
}

fc_err fc_api_jobs_list(struct fc_call *c)
{
    const char *t = c->a.ticker[0] != '\0' ? c->a.ticker : NULL;
    struct fc_job *v = NULL;
    int n = 0;
    size_t len = 0;

    fc_err rc = fc_trainer_job_list(c->app->trainer, c->st, t, c->a.state,
                                    c->a.limit, &v, &n, c->d);
    if (rc != FC_OK)
        return rc;
    rc =
        fc_api_json_reply(c->rep, 200, fc_json_jobs(v, n, NULL, 0, &len), &len);
    fc_jobs_free(v, n);
    return rc;
}

fc_err fc_api_job_parse(struct fc_call *c)
{
    return fc_api_id_param(c->params[0], "job", &c->a.id, c->d);
}

fc_err fc_api_job_get(struct fc_call *c)
{
    struct fc_job job;
    fc_err rc = fc_trainer_job_get(c->app->trainer, c->st, c->a.id, &job, c->d);
    if (rc != FC_OK)
        return rc;
    return job_reply(c->rep, 200, &job);
}

/* Cancels the job: 200 with it, or a 409 naming it. */
fc_err fc_api_job_delete(struct fc_call *c)
{
    struct fc_job job;
    fc_err rc = fc_trainer_cancel(c->app->trainer, c->st, c->a.id, &job, c->d);
    if (rc == FC_ECONFLICT) {
        fc_job_fini(&job);
        return job_problem(c->rep, rc, c->d->msg, c->a.id);
    }
    if (rc != FC_OK)
        return rc;
    return job_reply(c->rep, 200, &job);
}
