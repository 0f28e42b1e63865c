/* sqlite_jobs.c — the trainer's queue in SQLite: create, read, list, claim,
 * progress, stop, finish, cancel.
 *
 * Every state change of a job is one UPDATE whose WHERE names the state it
 * leaves (queued -> running, running -> succeeded, ...), so two connections
 * (the trainer and an HTTP thread cancelling) can never both win a
 * transition: the loser sees no changed row. A job that produces a model
 * succeeds in sqlite_models.c (fc_sq_job_succeed), in the transaction that
 * stores the model. */
#include "sqlite_int.h"

#include "admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fc_job_fini for fc_sq_collect(). */
static void job_fini(void *elem)
{
    fc_job_fini(elem);
}

/* The current row of a Q_JOB_GET-shaped query into a struct fc_job. */
static fc_err read_job(sqlite3_stmt *q, void *elem)
{
    struct fc_job *j = elem;
    int oom = 0;
    memset(j, 0, sizeof *j);
    j->id = sqlite3_column_int64(q, 0);
    fc_sq_col_text(q, 1, j->kind, sizeof j->kind);
    fc_sq_col_text(q, 2, j->ticker, sizeof j->ticker);
    const unsigned char *state = sqlite3_column_text(q, 3);
    int s = fc_job_state_parse(state != NULL ? (const char *)state : "");
    j->state = s < 0 ? FC_JOB_FAILED : (enum fc_job_state)s;
    fc_sq_col_text(q, 4, j->created_at, sizeof j->created_at);
    fc_sq_col_text(q, 5, j->started_at, sizeof j->started_at);
    fc_sq_col_text(q, 6, j->finished_at, sizeof j->finished_at);
    j->params = fc_sq_col_dup(q, 7, &oom);
    j->progress = fc_sq_col_dup(q, 8, &oom);
    j->model_version = sqlite3_column_int64(q, 9);
    j->error = fc_sq_col_dup(q, 10, &oom);
    j->is_auto = sqlite3_column_int(q, 11);
    if (sqlite3_column_type(q, 12) != SQLITE_NULL)
        j->result = fc_sq_col_dup(q, 12, &oom);
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

fc_err fc_sq_job_get(struct fc_sq *st, int64_t id, struct fc_job *out,
                     struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_JOB_GET];
    fc_err rc;

    sqlite3_bind_int64(q, 1, id);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        rc = read_job(q, out);
    else if (src == SQLITE_DONE)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no job %lld", (long long)id);
    else
        rc = fc_sq_fail(st, src, "job lookup", d);
    fc_sq_reset(q);
    return rc;
}

/* Runs a prepared UPDATE with an id and up to two text parameters (NULL
 * binds SQL NULL); *changes gets sqlite3_changes. */
static fc_err update_job(struct fc_sq *st, enum q_id which, int64_t id,
                         const char *p2, const char *p3, int *changes,
                         struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[which];

    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_bind_parameter_count(q) >= 2) {
        if (p2 != NULL)
            sqlite3_bind_text(q, 2, p2, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 2);
    }
    if (sqlite3_bind_parameter_count(q) >= 3) {
        if (p3 != NULL)
            sqlite3_bind_text(q, 3, p3, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 3);
    }
    int src = sqlite3_step(q);
    fc_sq_reset(q);
    if (src != SQLITE_DONE)
        return fc_sq_fail(st, src, "job update", d);
    if (changes != NULL)
        *changes = sqlite3_changes(st->db);
    return FC_OK;
}

/* Ends a job write's transaction, whose last step read the job into out:
 * committed when rc is FC_OK, else rolled back. When the commit itself
 * fails (a full disk shows here in WAL mode), out is released: the caller
 * gets an error and nothing to free. */
static fc_err end_job_write(struct fc_sq *st, fc_err rc, struct fc_job *out,
                            struct fc_diag *d)
{
    if (rc == FC_OK) {
        rc = fc_sq_commit(st, d);
        if (rc != FC_OK)
            fc_job_fini(out);
    }
    if (rc != FC_OK)
        fc_sq_rollback(st);
    return rc;
}

fc_err fc_sq_job_create(struct fc_sq *st, const char *ticker, const char *kind,
                        const char *params, const char *progress, int is_auto,
                        struct fc_job *out, int64_t *conflict_id,
                        int64_t *replaced_running_id, struct fc_diag *d)
{
    int64_t sid = 0;
    int64_t replaced_running = 0;
    int64_t new_id = 0;
    char now[32];
    sqlite3_stmt *q = NULL;
    int src;

    *conflict_id = 0;
    fc_err rc = fc_sq_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_sq_series_id(st, ticker, &sid, d);
    if (rc != FC_OK)
        goto done;
    fc_sq_now(now);
    q = st->q[Q_JOB_ACTIVE];
    /* The jobs in the way, through the queue's rule (admission.h). */
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
    struct fc_admission adm = {0};
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *state = sqlite3_column_text(q, 2);
        if (!fc_admission_add(&adm, is_auto, sqlite3_column_int64(q, 0),
                              sqlite3_column_int(q, 1),
                              state != NULL &&
                                  strcmp((const char *)state, "running") == 0))
            break;
    }
    fc_sq_reset(q);
    if (adm.conflict != 0) {
        *conflict_id = adm.conflict;
        rc = fc_admission_refuse(ticker, kind, adm.conflict, d);
        goto done;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = fc_sq_fail(st, src, "active jobs", d);
        goto done;
    }
    q = st->q[Q_JOB_INSERT];
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, sid);
    sqlite3_bind_text(q, 3, ticker, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, params, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    if (progress != NULL)
        sqlite3_bind_text(q, 6, progress, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 6);
    sqlite3_bind_int(q, 7, is_auto ? 1 : 0);
    src = sqlite3_step(q);
    fc_sq_reset(q);
    if (src != SQLITE_DONE) {
        rc = fc_sq_fail(st, src, "job insert", d);
        goto done;
    }
    new_id = sqlite3_last_insert_rowid(st->db);
    /* The automatic jobs in the way give their place to this one. */
    for (int i = 0; i < adm.n_replace; i++) {
        char why[64];
        snprintf(why, sizeof why, "replaced by job %lld", (long long)new_id);
        rc = update_job(st, Q_JOB_CANCEL, adm.replace[i], now, why, NULL, d);
        if (rc != FC_OK)
            goto done;
        if (adm.replace_running[i])
            replaced_running = adm.replace[i];
    }
    rc = fc_sq_job_get(st, new_id, out, d);
done:
    rc = end_job_write(st, rc, out, d);
    if (rc != FC_OK)
        return rc;
    if (replaced_running_id != NULL)
        *replaced_running_id = replaced_running;
    return FC_OK;
}

fc_err fc_sq_job_list(struct fc_sq *st, const char *ticker, int state,
                      int64_t limit, struct fc_job **out, int *n,
                      struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_JOB_LIST];
    void *v;

    /* A filter left out is a NULL parameter. */
    if (ticker != NULL)
        sqlite3_bind_text(q, 1, ticker, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 1);
    if (state >= 0)
        sqlite3_bind_text(q, 2, fc_job_state_name((enum fc_job_state)state), -1,
                          SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 2);
    sqlite3_bind_int64(q, 3, limit);
    fc_err rc = fc_sq_collect(st, q, sizeof **out, read_job, job_fini,
                              "job list", &v, n, d);
    fc_sq_reset(q);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

fc_err fc_sq_job_cancel(struct fc_sq *st, int64_t id, struct fc_job *out,
                        int *was_running, struct fc_diag *d)
{
    struct fc_job before;
    char now[32];
    int changes = 0;

    memset(&before, 0, sizeof before);
    *was_running = 0;
    fc_err rc = fc_sq_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_sq_job_get(st, id, &before, d);
    if (rc != FC_OK)
        goto done;
    if (before.state != FC_JOB_QUEUED && before.state != FC_JOB_RUNNING) {
        rc = fc_diag_set(d, FC_ECONFLICT, "job %lld already %s", (long long)id,
                         fc_job_state_name(before.state));
        goto done;
    }
    fc_sq_now(now);
    rc = update_job(st, Q_JOB_CANCEL, id, now, "cancelled by a user", &changes,
                    d);
    if (rc == FC_OK)
        rc = fc_sq_job_get(st, id, out, d);
done:
    rc = end_job_write(st, rc, out, d);
    if (rc == FC_OK)
        *was_running = before.state == FC_JOB_RUNNING;
    if (rc == FC_ECONFLICT) {
        *out = before; /* the caller shows the finished job */
        return rc;
    }
    fc_job_fini(&before);
    return rc;
}

fc_err fc_sq_job_claim(struct fc_sq *st, int64_t id, struct fc_job *out,
                       struct fc_diag *d)
{
    char now[32];
    int changes = 0;

    fc_err rc = fc_sq_begin(st, d);
    if (rc != FC_OK)
        return rc;
    if (id == 0) {
        sqlite3_stmt *q = st->q[Q_JOB_NEXT];
        int src = sqlite3_step(q);
        if (src == SQLITE_ROW)
            id = sqlite3_column_int64(q, 0);
        else if (src != SQLITE_DONE)
            rc = fc_sq_fail(st, src, "next job", d);
        fc_sq_reset(q);
        if (rc != FC_OK)
            goto done;
        if (id == 0) {
            rc = FC_ENOTFOUND;
            goto done;
        }
    }
    fc_sq_now(now);
    rc = update_job(st, Q_JOB_START, id, now, NULL, &changes, d);
    if (rc == FC_OK && changes == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "job %lld is not queued",
                         (long long)id);
    if (rc == FC_OK)
        rc = fc_sq_job_get(st, id, out, d);
done:
    rc = end_job_write(st, rc, out, d);
    return rc;
}

fc_err fc_sq_job_progress(struct fc_sq *st, int64_t id, const char *progress,
                          int *running, struct fc_diag *d)
{
    int changes = 0;
    fc_err rc = update_job(st, Q_JOB_PROGRESS, id, progress, NULL, &changes, d);
    if (rc == FC_OK)
        *running = changes > 0;
    return rc;
}

fc_err fc_sq_job_stop(struct fc_sq *st, int64_t id, int requeue,
                      const char *error, struct fc_diag *d)
{
    char now[32];
    fc_sq_now(now);
    if (requeue)
        return update_job(st, Q_JOB_REQUEUE, id, NULL, NULL, NULL, d);
    return update_job(st, Q_JOB_FAIL, id, now, error, NULL, d);
}

fc_err fc_sq_job_requeue_running(struct fc_sq *st, int *n, struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_JOB_REQUEUE_ALL];
    int src = sqlite3_step(q);
    fc_sq_reset(q);
    if (src != SQLITE_DONE)
        return fc_sq_fail(st, src, "requeue", d);
    *n = sqlite3_changes(st->db);
    return FC_OK;
}

fc_err fc_sq_job_finish(struct fc_sq *st, int64_t id, const char *result,
                        struct fc_diag *d)
{
    char now[32];
    int changes = 0;
    fc_sq_now(now);
    fc_err rc = update_job(st, Q_JOB_RESULT, id, now, result, &changes, d);
    if (rc == FC_OK && changes == 0)
        rc = fc_diag_set(d, FC_ECANCELLED, "job %lld is no longer running",
                         (long long)id);
    return rc;
}

fc_err fc_sq_job_counts(struct fc_sq *st, int64_t counts[FC_JOB_STATE_COUNT_],
                        struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_JOB_COUNTS];
    fc_err rc = FC_OK;
    int src;

    memset(counts, 0, FC_JOB_STATE_COUNT_ * sizeof counts[0]);
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(q, 0);
        int k = fc_job_state_parse(name != NULL ? (const char *)name : "");
        if (k >= 0)
            counts[k] = sqlite3_column_int64(q, 1);
    }
    if (src != SQLITE_DONE)
        rc = fc_sq_fail(st, src, "job counts", d);
    fc_sq_reset(q);
    return rc;
}

int fc_sq_set_worker(struct fc_sq *st, const char *worker, int lease_seconds)
{
    /* One process owns an SQLite file: its jobs need no leases. */
    (void)st;
    (void)worker;
    (void)lease_seconds;
    return 0;
}
