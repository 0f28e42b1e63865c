/* pg_jobs.c — the trainer's queue in PostgreSQL: create, read, list,
 * claim, progress, stop, finish, cancel.
 *
 * Every state change of a job is one UPDATE whose WHERE names the state it
 * leaves; under read committed PostgreSQL re-checks that WHERE on the row
 * a concurrent writer left, so of two connections only one wins a
 * transition and the other sees no changed row. Creating a job locks its
 * series' row first (the queue's rules read, then write), cancelling locks
 * the job's row (its state decides the answer). A job that produces a
 * model succeeds in pg_models.c (fc_pg_job_succeed).
 *
 * Replicas: a claim takes the oldest job that is queued, or running with
 * an expired lease (SELECT ... FOR UPDATE SKIP LOCKED, so replicas
 * claiming at once take different jobs), names its worker, sets
 * lease_until in the database's clock and increments lease_token; the
 * connection keeps that token, and every later write of the job from it
 * (progress, which also renews the lease, stop, finish, succeed) changes
 * the row only while the token is still the same. A takeover changes it,
 * so the replica that lost the job changes nothing. The partial unique
 * index jobs_one_active keeps one queued or running job per series and
 * kind, whoever inserts it. Cancelling a running job (by a user, or by a
 * submit that replaces an automatic one) also announces it (NOTIFY
 * fc_job_stop, the id as payload) at commit: the replica running it hears
 * it on its listening connection and stops at its next batch. The
 * statements are in pg.c's table. */
#include "pg_int.h"

#include "admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a claim holds when fc_pg_set_worker was not called. */
#define LEASE_DEFAULT_S 30

void fc_pg_arg_lease(struct fc_pg *st, struct pg_args *a, int64_t id)
{
    if (id != 0 && st->lease_job == id)
        fc_pg_arg_i64(a, st->lease_token);
    else
        fc_pg_arg_text(a, NULL);
}

int fc_pg_set_worker(struct fc_pg *st, const char *worker, int lease_seconds)
{
    snprintf(st->worker, sizeof st->worker, "%s", worker);
    st->lease_seconds = lease_seconds;
    return 1;
}

/* ---- jobs --------------------------------------------------------------- */

/* fc_job_fini for fc_pg_collect(). */
static void job_fini(void *elem)
{
    fc_job_fini(elem);
}

/* Row i of a JOB_COLS-shaped result into a struct fc_job. */
static fc_err read_job(const PGresult *r, int i, void *elem)
{
    struct fc_job *j = elem;
    int oom = 0;
    memset(j, 0, sizeof *j);
    j->id = fc_pg_i64(r, i, 0);
    fc_pg_text(r, i, 1, j->kind, sizeof j->kind);
    fc_pg_text(r, i, 2, j->ticker, sizeof j->ticker);
    int s = fc_job_state_parse(PQgetvalue(r, i, 3));
    j->state = s < 0 ? FC_JOB_FAILED : (enum fc_job_state)s;
    fc_pg_text(r, i, 4, j->created_at, sizeof j->created_at);
    fc_pg_text(r, i, 5, j->started_at, sizeof j->started_at);
    fc_pg_text(r, i, 6, j->finished_at, sizeof j->finished_at);
    j->params = fc_pg_dup(r, i, 7, &oom);
    j->progress = fc_pg_dup(r, i, 8, &oom);
    j->model_version = fc_pg_i64(r, i, 9);
    j->error = fc_pg_dup(r, i, 10, &oom);
    j->is_auto = (int)fc_pg_i64(r, i, 11);
    j->result = fc_pg_dup(r, i, 12, &oom);
    fc_pg_text(r, i, 13, j->worker, sizeof j->worker);
    fc_pg_text(r, i, 14, j->lease_until, sizeof j->lease_until);
    if (j->params == NULL && !oom) {
        j->params = strdup("{}");
        oom = j->params == NULL;
    }
    if (oom) {
        fc_job_fini(j);
        return FC_ENOMEM;
    }
    return FC_OK;
}

/* Job id into *out by P_JOB_GET, or by P_JOB_LOCK (which q says).
 * FC_ENOTFOUND, fc_pg_fail's errors. */
static fc_err get_job(struct fc_pg *st, enum p_id q, int64_t id,
                      struct fc_job *out, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;

    fc_pg_arg_i64(&a, id);
    fc_err rc = fc_pg_query(st, q, &a, "job lookup", &r, d);
    if (rc != FC_OK)
        return rc;
    if (PQntuples(r) == 1)
        rc = read_job(r, 0, out);
    else
        rc = fc_diag_set(d, FC_ENOTFOUND, "no job %lld", (long long)id);
    PQclear(r);
    return rc;
}

fc_err fc_pg_job_get(struct fc_pg *st, int64_t id, struct fc_job *out,
                     struct fc_diag *d)
{
    return get_job(st, P_JOB_GET, id, out, d);
}

/* The last step of a job write: reads the job into out and commits. When
 * the commit fails, out is released: the caller gets an error and nothing
 * to free (the caller rolls back). */
static fc_err read_and_commit(struct fc_pg *st, int64_t id, struct fc_job *out,
                              struct fc_diag *d)
{
    fc_err rc = fc_pg_job_get(st, id, out, d);
    if (rc == FC_OK) {
        rc = fc_pg_commit(st, d);
        if (rc != FC_OK)
            fc_job_fini(out);
    }
    return rc;
}

/* Announces at commit that running job id was stopped. */
static fc_err announce_stop(struct fc_pg *st, int64_t id, struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_i64(&a, id);
    return fc_pg_cmd(st, P_NOTIFY_STOP, &a, "job stop announcement", NULL, d);
}

/* Runs a job UPDATE with an id and, when n_text says so, one or two text
 * parameters after it (NULL binds SQL NULL); *changes (may be NULL) gets
 * the rows changed. */
static fc_err update_job(struct fc_pg *st, enum p_id which, int64_t id,
                         int n_text, const char *p2, const char *p3,
                         int64_t *changes, struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_i64(&a, id);
    if (n_text >= 1)
        fc_pg_arg_text(&a, p2);
    if (n_text >= 2)
        fc_pg_arg_text(&a, p3);
    return fc_pg_cmd(st, which, &a, "job update", changes, d);
}

/* The active jobs of series sid and kind (its row locked), through the
 * queue's rule (admission.h) for a new job (is_auto) into *adm. */
static fc_err active_jobs(struct fc_pg *st, int64_t sid, const char *kind,
                          int is_auto, struct fc_admission *adm,
                          struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;

    fc_pg_arg_i64(&a, sid);
    fc_pg_arg_text(&a, kind);
    fc_err rc = fc_pg_query(st, P_JOB_ACTIVE, &a, "active jobs", &r, d);
    if (rc != FC_OK)
        return rc;
    for (int i = 0; i < PQntuples(r); i++)
        if (!fc_admission_add(adm, is_auto, fc_pg_i64(r, i, 0),
                              (int)fc_pg_i64(r, i, 1),
                              strcmp(PQgetvalue(r, i, 2), "running") == 0))
            break;
    PQclear(r);
    return FC_OK;
}

static fc_err job_create_once(struct fc_pg *st, const char *ticker,
                              const char *kind, const char *params,
                              const char *progress, int is_auto,
                              struct fc_job *out, int64_t *conflict_id,
                              int64_t *replaced_running_id, struct fc_diag *d)
{
    int64_t sid = 0, new_id = 0, replaced_running = 0;
    struct fc_admission adm = {0};
    struct pg_args a = {0};
    PGresult *r = NULL;
    char now[32];

    *conflict_id = 0;
    fc_err rc = fc_pg_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_series_id(st, ticker, 1, &sid, d);
    if (rc == FC_OK)
        rc = active_jobs(st, sid, kind, is_auto, &adm, d);
    if (rc != FC_OK)
        goto done;
    if (adm.conflict != 0) {
        *conflict_id = adm.conflict;
        rc = fc_admission_refuse(ticker, kind, adm.conflict, d);
        goto done;
    }
    fc_pg_now(now);
    if (adm.n_replace > 0) {
        /* The automatic jobs in the way give their place to this one,
         * before it is inserted (one active job per series and kind),
         * naming the id it will have. */
        rc = fc_pg_query(st, P_JOB_RESERVE, NULL, "job id", &r, d);
        if (rc != FC_OK)
            goto done;
        new_id = fc_pg_i64(r, 0, 0);
        PQclear(r);
    }
    for (int i = 0; i < adm.n_replace; i++) {
        char why[64];
        snprintf(why, sizeof why, "replaced by job %lld", (long long)new_id);
        rc = update_job(st, P_JOB_CANCEL, adm.replace[i], 2, now, why, NULL, d);
        if (rc != FC_OK)
            goto done;
        if (adm.replace_running[i]) {
            replaced_running = adm.replace[i];
            rc = announce_stop(st, adm.replace[i], d);
            if (rc != FC_OK)
                goto done;
        }
    }
    fc_pg_arg_text(&a, kind);
    fc_pg_arg_i64(&a, sid);
    fc_pg_arg_text(&a, ticker);
    fc_pg_arg_text(&a, params);
    fc_pg_arg_text(&a, now);
    fc_pg_arg_text(&a, progress);
    fc_pg_arg_i64(&a, is_auto ? 1 : 0);
    if (adm.n_replace > 0) {
        fc_pg_arg_i64(&a, new_id);
        rc = fc_pg_cmd(st, P_JOB_INSERT_ID, &a, "job insert", NULL, d);
    } else {
        rc = fc_pg_query(st, P_JOB_INSERT, &a, "job insert", &r, d);
        if (rc == FC_OK) {
            new_id = fc_pg_i64(r, 0, 0);
            PQclear(r);
        }
    }
    if (rc != FC_OK)
        goto done;
    rc = read_and_commit(st, new_id, out, d);
done:
    if (rc != FC_OK) {
        fc_pg_rollback(st);
        return rc;
    }
    if (replaced_running_id != NULL)
        *replaced_running_id = replaced_running;
    return FC_OK;
}

fc_err fc_pg_job_create(struct fc_pg *st, const char *ticker, const char *kind,
                        const char *params, const char *progress, int is_auto,
                        struct fc_job *out, int64_t *conflict_id,
                        int64_t *replaced_running_id, struct fc_diag *d)
{
    fc_err rc;
    int attempt = 0;
    do
        rc = job_create_once(st, ticker, kind, params, progress, is_auto, out,
                             conflict_id, replaced_running_id, d);
    while (fc_pg_again(st, rc, &attempt));
    return rc;
}

fc_err fc_pg_job_list(struct fc_pg *st, const char *ticker, int state,
                      int64_t limit, struct fc_job **out, int *n,
                      struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;
    void *v = NULL;

    /* A filter left out is a NULL parameter. */
    fc_pg_arg_text(&a, ticker);
    fc_pg_arg_text(&a, state >= 0 ? fc_job_state_name((enum fc_job_state)state)
                                  : NULL);
    fc_pg_arg_i64(&a, limit);
    fc_err rc = fc_pg_query(st, P_JOB_LIST, &a, "job list", &r, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_collect(r, sizeof **out, read_job, job_fini, &v, n);
    PQclear(r);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

fc_err fc_pg_job_cancel(struct fc_pg *st, int64_t id, struct fc_job *out,
                        int *was_running, struct fc_diag *d)
{
    struct fc_job before;
    char now[32];

    memset(&before, 0, sizeof before);
    *was_running = 0;
    fc_err rc = fc_pg_begin(st, d);
    if (rc != FC_OK)
        return rc;
    /* Locked: the state read is the one the UPDATE leaves. */
    rc = get_job(st, P_JOB_LOCK, id, &before, d);
    if (rc != FC_OK)
        goto done;
    if (before.state != FC_JOB_QUEUED && before.state != FC_JOB_RUNNING) {
        rc = fc_diag_set(d, FC_ECONFLICT, "job %lld already %s", (long long)id,
                         fc_job_state_name(before.state));
        goto done;
    }
    fc_pg_now(now);
    rc = update_job(st, P_JOB_CANCEL, id, 2, now, "cancelled by a user", NULL,
                    d);
    if (rc == FC_OK && before.state == FC_JOB_RUNNING)
        rc = announce_stop(st, id, d);
    if (rc == FC_OK)
        rc = read_and_commit(st, id, out, d);
done:
    if (rc != FC_OK)
        fc_pg_rollback(st);
    if (rc == FC_OK)
        *was_running = before.state == FC_JOB_RUNNING;
    if (rc == FC_ECONFLICT) {
        *out = before; /* the caller shows the finished job */
        return rc;
    }
    fc_job_fini(&before);
    return rc;
}

fc_err fc_pg_job_claim(struct fc_pg *st, int64_t id, struct fc_job *out,
                       struct fc_diag *d)
{
    struct pg_args a = {0}, b = {0};
    PGresult *r = NULL;
    char now[32];
    int64_t token = 0;
    int lease = st->lease_seconds > 0 ? st->lease_seconds : LEASE_DEFAULT_S;

    fc_err rc = fc_pg_begin(st, d);
    if (rc != FC_OK)
        return rc;
    fc_pg_arg_i64(&a, id);
    rc = fc_pg_query(st, P_JOB_NEXT, &a, "next job", &r, d);
    if (rc != FC_OK)
        goto done;
    int found = PQntuples(r) == 1;
    if (found)
        id = fc_pg_i64(r, 0, 0);
    PQclear(r);
    if (!found) {
        rc = id == 0 ? FC_ENOTFOUND
                     : fc_diag_set(d, FC_ENOTFOUND, "job %lld is not queued",
                                   (long long)id);
        goto done;
    }
    fc_pg_now(now);
    fc_pg_arg_i64(&b, id);
    fc_pg_arg_text(&b, now);
    fc_pg_arg_text(&b, st->worker[0] != '\0' ? st->worker : NULL);
    fc_pg_arg_i64(&b, lease);
    rc = fc_pg_query(st, P_JOB_START, &b, "job claim", &r, d);
    if (rc != FC_OK)
        goto done;
    token = fc_pg_i64(r, 0, 0);
    PQclear(r);
    rc = read_and_commit(st, id, out, d);
done:
    if (rc != FC_OK) {
        fc_pg_rollback(st);
        return rc;
    }
    st->lease_job = id;
    st->lease_token = token;
    return FC_OK;
}

fc_err fc_pg_job_progress(struct fc_pg *st, int64_t id, const char *progress,
                          int *running, struct fc_diag *d)
{
    struct pg_args a = {0};
    int64_t changes = 0;
    fc_pg_arg_i64(&a, id);
    fc_pg_arg_text(&a, progress);
    fc_pg_arg_i64(&a,
                  st->lease_seconds > 0 ? st->lease_seconds : LEASE_DEFAULT_S);
    fc_pg_arg_lease(st, &a, id);
    fc_err rc = fc_pg_cmd(st, P_JOB_PROGRESS, &a, "job progress", &changes, d);
    if (rc == FC_OK)
        *running = changes > 0;
    return rc;
}

fc_err fc_pg_job_stop(struct fc_pg *st, int64_t id, int requeue,
                      const char *error, struct fc_diag *d)
{
    struct pg_args a = {0};
    char now[32];
    fc_pg_arg_i64(&a, id);
    if (requeue) {
        fc_pg_arg_lease(st, &a, id);
        return fc_pg_cmd(st, P_JOB_REQUEUE, &a, "job requeue", NULL, d);
    }
    fc_pg_now(now);
    fc_pg_arg_text(&a, now);
    fc_pg_arg_text(&a, error);
    fc_pg_arg_lease(st, &a, id);
    return fc_pg_cmd(st, P_JOB_FAIL, &a, "job update", NULL, d);
}

fc_err fc_pg_job_requeue_running(struct fc_pg *st, int *n, struct fc_diag *d)
{
    struct pg_args a = {0};
    int64_t changes = 0;
    fc_pg_arg_text(&a, st->worker[0] != '\0' ? st->worker : NULL);
    fc_err rc = fc_pg_cmd(st, P_JOB_REQUEUE_ALL, &a, "requeue", &changes, d);
    if (rc == FC_OK)
        *n = (int)changes;
    return rc;
}

fc_err fc_pg_job_finish(struct fc_pg *st, int64_t id, const char *result,
                        struct fc_diag *d)
{
    struct pg_args a = {0};
    char now[32];
    int64_t changes = 0;
    fc_pg_now(now);
    fc_pg_arg_i64(&a, id);
    fc_pg_arg_text(&a, now);
    fc_pg_arg_text(&a, result);
    fc_pg_arg_lease(st, &a, id);
    fc_err rc = fc_pg_cmd(st, P_JOB_RESULT, &a, "job update", &changes, d);
    if (rc == FC_OK && changes == 0)
        rc = fc_diag_set(d, FC_ECANCELLED, "job %lld is no longer running",
                         (long long)id);
    return rc;
}

fc_err fc_pg_job_counts(struct fc_pg *st, int64_t counts[FC_JOB_STATE_COUNT_],
                        struct fc_diag *d)
{
    PGresult *r = NULL;

    memset(counts, 0, FC_JOB_STATE_COUNT_ * sizeof counts[0]);
    fc_err rc = fc_pg_query(st, P_JOB_COUNTS, NULL, "job counts", &r, d);
    if (rc != FC_OK)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        int k = fc_job_state_parse(PQgetvalue(r, i, 0));
        if (k >= 0)
            counts[k] = fc_pg_i64(r, i, 1);
    }
    PQclear(r);
    return FC_OK;
}
