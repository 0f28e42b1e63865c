/* pg_models.c — model versions in PostgreSQL: a job's model stored as the
 * series' next version (its blob as bytea), the champion (at most one
 * version per series: a partial unique index enforces it), lookups and
 * lists.
 *
 * Lists and lookups leave the blob out unless asked for it (CASE WHEN ...
 * THEN blob END). Storing a version and promoting one lock the series'
 * row first, so the next version number and the champion are decided by
 * one writer at a time per series; whether a new version becomes the
 * champion is the domain's promotion rule (fc_promotion_decide).
 *
 * A transaction that changes a series' champion also announces it
 * (NOTIFY fc_champion, the ticker as payload), delivered to every
 * listening connection when it commits; each replica listens on a
 * connection of its own (fc_pg_listen, fc_pg_wait_announcement) and
 * reloads that champion (the same connection hears of cancelled jobs:
 * pg_jobs.c). A job's success is fenced by its lease token
 * (pg_jobs.c): a replica that lost the job to a takeover stores nothing. */
#include "pg_int.h"

#include "promotion.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fc_model_rec_fini for fc_pg_collect(). */
static void model_rec_fini(void *elem)
{
    fc_model_rec_fini(elem);
}

/* Row i of a P_MODEL_GET-shaped result into a struct fc_model_rec. */
static fc_err read_model(const PGresult *r, int i, void *elem)
{
    struct fc_model_rec *m = elem;
    int oom = 0;
    memset(m, 0, sizeof *m);
    fc_pg_text(r, i, 0, m->ticker, sizeof m->ticker);
    m->version = fc_pg_i64(r, i, 1);
    fc_pg_text(r, i, 2, m->created_at, sizeof m->created_at);
    m->champion = (int)fc_pg_i64(r, i, 3);
    m->params = fc_pg_dup(r, i, 4, &oom);
    m->data = fc_pg_dup(r, i, 5, &oom);
    m->metrics = fc_pg_dup(r, i, 6, &oom);
    m->skill = fc_pg_f64(r, i, 7);
    m->epochs_run = (int)fc_pg_i64(r, i, 8);
    m->train_seconds = fc_pg_f64(r, i, 9);
    if (!fc_pg_null(r, i, 10)) {
        /* bytea as text (hex) back to bytes, then into memory the caller
         * frees with free(). */
        size_t n = 0;
        unsigned char *b =
            PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 10), &n);
        m->blob = b != NULL ? malloc(n > 0 ? n : 1) : NULL;
        if (m->blob == NULL)
            oom = 1;
        else if (n > 0)
            memcpy(m->blob, b, n);
        m->blob_len = n;
        PQfreemem(b);
    }
    if (!oom && (m->params == NULL || m->data == NULL || m->metrics == NULL))
        oom = 1; /* NOT NULL columns: only a failed copy leaves NULL */
    if (oom) {
        fc_model_rec_fini(m);
        return FC_ENOMEM;
    }
    return FC_OK;
}

/* Executes statement id with a and reads every row into *out (malloc'ed:
 * fc_model_recs_free), NULL when *n is 0. */
static fc_err collect_models(struct fc_pg *st, enum p_id id,
                             const struct pg_args *a, const char *what,
                             struct fc_model_rec **out, int *n,
                             struct fc_diag *d)
{
    PGresult *r = NULL;
    void *v = NULL;
    fc_err rc = fc_pg_query(st, id, a, what, &r, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_collect(r, sizeof **out, read_model, model_rec_fini, &v, n);
    PQclear(r);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

/* A query on series sid (and version, when version >= 0) whose one row's
 * first column is an integer or double: into *i64 or *f64 (may be NULL),
 * *found 0 when there is no row. */
static fc_err series_value(struct fc_pg *st, enum p_id id, int64_t sid,
                           int64_t version, const char *what, int *found,
                           int64_t *i64, double *f64, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;

    fc_pg_arg_i64(&a, sid);
    if (version >= 0)
        fc_pg_arg_i64(&a, version);
    fc_err rc = fc_pg_query(st, id, &a, what, &r, d);
    if (rc != FC_OK)
        return rc;
    *found = PQntuples(r) == 1;
    if (*found && i64 != NULL)
        *i64 = fc_pg_i64(r, 0, 0);
    if (*found && f64 != NULL)
        *f64 = fc_pg_f64(r, 0, 0);
    PQclear(r);
    return FC_OK;
}

void fc_pg_arg_model(struct pg_args *a, const struct fc_model_rec *m)
{
    fc_pg_arg_text(a, m->params);
    fc_pg_arg_text(a, m->data);
    fc_pg_arg_text(a, m->metrics);
    fc_pg_arg_bin(a, m->blob, m->blob_len);
    fc_pg_arg_i64(a, m->epochs_run);
    fc_pg_arg_f64(a, m->train_seconds);
    fc_pg_arg_f64(a, m->skill); /* NaN or infinite: NULL */
    fc_pg_arg_text(a, m->evaluation);
}

/* The version as a new row of models: P_MODEL_INSERT. */
static fc_err insert_model(struct fc_pg *st, int64_t sid, int64_t version,
                           const char *now, int champion,
                           const struct fc_model_rec *m, struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_i64(&a, sid);
    fc_pg_arg_i64(&a, version);
    fc_pg_arg_text(&a, now);
    fc_pg_arg_i64(&a, champion);
    fc_pg_arg_model(&a, m);
    return fc_pg_cmd(st, P_MODEL_INSERT, &a, "model insert", NULL, d);
}

fc_err fc_pg_announce(struct fc_pg *st, const char *ticker, struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_text(&a, ticker);
    return fc_pg_cmd(st, P_NOTIFY, &a, "champion announcement", NULL, d);
}

/* The champion of series sid is no longer one. */
static fc_err unchampion(struct fc_pg *st, int64_t sid, struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_i64(&a, sid);
    return fc_pg_cmd(st, P_MODEL_UNCHAMP, &a, "champion reset", NULL, d);
}

static fc_err job_succeed_once(struct fc_pg *st, int64_t job_id,
                               enum fc_promotion policy, struct fc_model_rec *m,
                               int64_t *version, int *champion, char now[32],
                               struct fc_diag *d)
{
    struct pg_args a = {0};
    int64_t sid = 0, changes = 0;
    int found = 0;
    double skill = NAN; /* the champion's */

    fc_err rc = fc_pg_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_series_id(st, m->ticker, 1, &sid, d);
    if (rc == FC_OK)
        rc = series_value(st, P_MODEL_NEXT, sid, -1, "next version", &found,
                          version, NULL, d);
    if (rc == FC_OK)
        rc = series_value(st, P_MODEL_CHAMP_SKILL, sid, -1, "champion skill",
                          &found, NULL, &skill, d);
    if (rc != FC_OK)
        goto done;
    *champion =
        fc_promotion_decide(policy, found, found ? skill : NAN, m->skill);
    if (*champion)
        rc = unchampion(st, sid, d);
    fc_pg_now(now);
    if (rc == FC_OK)
        rc = insert_model(st, sid, *version, now, *champion, m, d);
    if (rc != FC_OK)
        goto done;
    /* The job must still be running: a cancel that came first leaves no
     * row to change, and the version is dropped with the transaction. */
    fc_pg_arg_i64(&a, job_id);
    fc_pg_arg_text(&a, now);
    fc_pg_arg_i64(&a, *version);
    fc_pg_arg_lease(st, &a, job_id);
    rc = fc_pg_cmd(st, P_JOB_DONE, &a, "job update", &changes, d);
    if (rc == FC_OK && changes == 0)
        rc = FC_ECANCELLED;
    if (rc == FC_OK && *champion)
        rc = fc_pg_announce(st, m->ticker, d);
    if (rc == FC_OK)
        rc = fc_pg_commit(st, d);
done:
    if (rc == FC_ENOTFOUND || rc == FC_ECANCELLED)
        rc = fc_diag_set(d, FC_ECANCELLED, "job %lld was cancelled",
                         (long long)job_id);
    if (rc != FC_OK)
        fc_pg_rollback(st);
    return rc;
}

fc_err fc_pg_job_succeed(struct fc_pg *st, int64_t job_id,
                         enum fc_promotion policy, struct fc_model_rec *m,
                         struct fc_diag *d)
{
    int64_t version = 0;
    int champion = 0;
    char now[32];
    fc_err rc;
    int attempt = 0;

    do
        rc = job_succeed_once(st, job_id, policy, m, &version, &champion, now,
                              d);
    while (fc_pg_again(st, rc, &attempt));
    if (rc != FC_OK)
        return rc;
    m->version = version;
    m->champion = champion;
    snprintf(m->created_at, sizeof m->created_at, "%s", now);
    return FC_OK;
}

fc_err fc_pg_model_evaluation(struct fc_pg *st, const char *ticker,
                              int64_t version, char **out, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;
    int64_t sid = 0;
    int oom = 0;

    *out = NULL;
    fc_err rc = fc_pg_series_id(st, ticker, 0, &sid, d);
    if (rc != FC_OK)
        return rc;
    fc_pg_arg_i64(&a, sid);
    fc_pg_arg_i64(&a, version);
    rc = fc_pg_query(st, P_MODEL_EVAL, &a, "evaluation lookup", &r, d);
    if (rc != FC_OK)
        return rc;
    if (PQntuples(r) == 1) {
        *out = fc_pg_dup(r, 0, 0, &oom);
        if (oom)
            rc = FC_ENOMEM;
    } else {
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
    }
    PQclear(r);
    return rc;
}

fc_err fc_pg_model_list(struct fc_pg *st, const char *ticker, int64_t limit,
                        struct fc_model_rec **out, int *n, struct fc_diag *d)
{
    struct pg_args a = {0};
    int64_t sid = 0;

    /* Every series is a NULL series id. */
    if (ticker != NULL) {
        fc_err rc = fc_pg_series_id(st, ticker, 0, &sid, d);
        if (rc != FC_OK)
            return rc;
        fc_pg_arg_i64(&a, sid);
    } else {
        fc_pg_arg_text(&a, NULL);
    }
    fc_pg_arg_i64(&a, limit);
    return collect_models(st, P_MODEL_LIST, &a, "model list", out, n, d);
}

fc_err fc_pg_model_get(struct fc_pg *st, const char *ticker, int64_t version,
                       int with_blob, struct fc_model_rec *out,
                       struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;
    int64_t sid = 0;
    fc_err rc = fc_pg_series_id(st, ticker, 0, &sid, d);
    if (rc != FC_OK)
        return rc;
    fc_pg_arg_i64(&a, sid);
    fc_pg_arg_i64(&a, version);
    fc_pg_arg_i64(&a, with_blob ? 1 : 0);
    rc = fc_pg_query(st, version == 0 ? P_MODEL_CHAMP_GET : P_MODEL_GET, &a,
                     "model lookup", &r, d);
    if (rc != FC_OK)
        return rc;
    if (PQntuples(r) == 1)
        rc = read_model(r, 0, out);
    else if (version == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no trained model", ticker);
    else
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
    PQclear(r);
    return rc;
}

static fc_err promote_once(struct fc_pg *st, const char *ticker,
                           int64_t version, struct fc_diag *d)
{
    struct pg_args a = {0};
    int64_t sid = 0, changes = 0;
    fc_err rc = fc_pg_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_series_id(st, ticker, 1, &sid, d);
    if (rc == FC_OK)
        rc = unchampion(st, sid, d);
    if (rc == FC_OK) {
        fc_pg_arg_i64(&a, sid);
        fc_pg_arg_i64(&a, version);
        rc = fc_pg_cmd(st, P_MODEL_SET_CHAMP, &a, "promote", &changes, d);
    }
    if (rc == FC_OK && changes == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
    if (rc == FC_OK)
        rc = fc_pg_announce(st, ticker, d);
    if (rc == FC_OK)
        rc = fc_pg_commit(st, d);
    if (rc != FC_OK)
        fc_pg_rollback(st);
    return rc;
}

fc_err fc_pg_model_promote(struct fc_pg *st, const char *ticker,
                           int64_t version, struct fc_diag *d)
{
    fc_err rc;
    int attempt = 0;
    do
        rc = promote_once(st, ticker, version, d);
    while (fc_pg_again(st, rc, &attempt));
    return rc;
}

fc_err fc_pg_champions(struct fc_pg *st, int with_blobs,
                       struct fc_model_rec **out, int *n, struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_i64(&a, with_blobs != 0);
    return collect_models(st, P_MODEL_CHAMPIONS, &a, "champions", out, n, d);
}

/* Row i's first column, a ticker, into a char[FC_TICKER_SIZE]. */
static fc_err read_ticker(const PGresult *r, int i, void *elem)
{
    fc_pg_text(r, i, 0, elem, FC_TICKER_SIZE);
    return FC_OK;
}

fc_err fc_pg_models_older(struct fc_pg *st, const char *before,
                          char (**out)[FC_TICKER_SIZE], int *n,
                          struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;
    void *v = NULL;

    fc_pg_arg_text(&a, before);
    fc_err rc = fc_pg_query(st, P_MODEL_OLDER, &a, "retrain schedule", &r, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_collect(r, sizeof **out, read_ticker, NULL, &v, n);
    PQclear(r);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

/* ---- announcements ------------------------------------------------------ */

fc_err fc_pg_listen(struct fc_pg *st, struct fc_diag *d)
{
    /* Named, so that pg_stat_activity tells it from the pooled ones. */
    return fc_pg_exec(st,
                      "SET application_name = 'forecastd listener'; "
                      "LISTEN " FC_PG_CHAMPION_CHANNEL "; "
                      "LISTEN " FC_PG_JOB_STOP_CHANNEL,
                      d);
}

fc_err fc_pg_wait_announcement(struct fc_pg *st, int timeout_ms,
                               struct fc_announcement *out, struct fc_diag *d)
{
    memset(out, 0, sizeof *out);
    for (;;) {
        PGnotify *n = PQnotifies(st->conn);
        if (n != NULL) {
            if (strcmp(n->relname, FC_PG_JOB_STOP_CHANNEL) == 0)
                out->job_stopped = strtoll(n->extra, NULL, 10);
            else
                snprintf(out->ticker, sizeof out->ticker, "%s", n->extra);
            PQfreemem(n);
            return FC_OK;
        }
        struct pollfd p = {PQsocket(st->conn), POLLIN, 0};
        if (p.fd < 0)
            return fc_diag_set(d, FC_EUNAVAIL, "PostgreSQL connection lost");
        int k = poll(&p, 1, timeout_ms);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return fc_diag_set(d, FC_EIO, "poll: %s", strerror(errno));
        if (k == 0)
            return FC_ENOTFOUND;
        /* Readable: take what arrived; a closed connection fails here. */
        if (!PQconsumeInput(st->conn) || PQstatus(st->conn) == CONNECTION_BAD)
            return fc_diag_set(d, FC_EUNAVAIL, "PostgreSQL connection lost: %s",
                               PQerrorMessage(st->conn));
        timeout_ms = 0; /* what is read is all there is for now */
    }
}
