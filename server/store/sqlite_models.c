/* sqlite_models.c — model versions in SQLite: a job's model stored as the
 * series' next version, the champion (at most one version per series),
 * lookups and lists.
 *
 * Lists and lookups leave the blob out unless asked for it (CASE WHEN ?
 * THEN blob END), so listing versions or scraping metrics never reads
 * megabytes of weights. Whether a new version becomes the champion is
 * the domain's promotion rule (fc_promotion_decide), applied to the
 * champion's skill read in the transaction that stores the version. */
#include "sqlite_int.h"

#include "promotion.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fc_model_rec_fini for fc_sq_collect(). */
static void model_rec_fini(void *elem)
{
    fc_model_rec_fini(elem);
}

/* The current row of a Q_MODEL_GET-shaped query into a struct
 * fc_model_rec. */
static fc_err read_model(sqlite3_stmt *q, void *elem)
{
    struct fc_model_rec *m = elem;
    int oom = 0;
    memset(m, 0, sizeof *m);
    fc_sq_col_text(q, 0, m->ticker, sizeof m->ticker);
    m->version = sqlite3_column_int64(q, 1);
    fc_sq_col_text(q, 2, m->created_at, sizeof m->created_at);
    m->champion = sqlite3_column_int(q, 3);
    m->params = fc_sq_col_dup(q, 4, &oom);
    m->data = fc_sq_col_dup(q, 5, &oom);
    m->metrics = fc_sq_col_dup(q, 6, &oom);
    m->skill = sqlite3_column_type(q, 7) == SQLITE_NULL
                   ? NAN
                   : sqlite3_column_double(q, 7);
    m->epochs_run = sqlite3_column_int(q, 8);
    m->train_seconds = sqlite3_column_double(q, 9);
    if (sqlite3_column_type(q, 10) == SQLITE_BLOB) {
        int n = sqlite3_column_bytes(q, 10);
        const void *b = sqlite3_column_blob(q, 10);
        m->blob = malloc(n > 0 ? (size_t)n : 1);
        if (m->blob == NULL)
            oom = 1;
        else if (n > 0)
            memcpy(m->blob, b, (size_t)n);
        m->blob_len = (size_t)n;
    }
    if (!oom && (m->params == NULL || m->data == NULL || m->metrics == NULL))
        oom = 1; /* NOT NULL columns: only a failed copy leaves NULL */
    if (oom) {
        fc_model_rec_fini(m);
        return FC_ENOMEM;
    }
    return FC_OK;
}

/* Steps q to its end, reading each row (Q_MODEL_GET's shape) into a
 * growing array: *out malloc'ed (fc_model_recs_free), NULL when *n is 0.
 * The caller resets q. */
static fc_err collect_models(struct fc_sq *st, sqlite3_stmt *q,
                             const char *what, struct fc_model_rec **out,
                             int *n, struct fc_diag *d)
{
    void *v;
    fc_err rc = fc_sq_collect(st, q, sizeof **out, read_model, model_rec_fini,
                              what, &v, n, d);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

/* Whether series sid has a champion and its skill (NaN for a NULL skill:
 * undefined), read in the caller's transaction. FC_EIO. */
static fc_err champion_skill(struct fc_sq *st, int64_t sid, int *has_champion,
                             double *skill, struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_MODEL_CHAMP_SKILL];
    fc_err rc = FC_OK;

    sqlite3_bind_int64(q, 1, sid);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        *has_champion = 1;
        *skill = sqlite3_column_type(q, 0) == SQLITE_NULL
                     ? NAN
                     : sqlite3_column_double(q, 0);
    } else if (src == SQLITE_DONE) {
        *has_champion = 0;
        *skill = NAN;
    } else {
        rc = fc_sq_fail(st, src, "champion skill", d);
    }
    fc_sq_reset(q);
    return rc;
}

fc_err fc_sq_job_succeed(struct fc_sq *st, int64_t job_id,
                         enum fc_promotion policy, struct fc_model_rec *m,
                         struct fc_diag *d)
{
    struct fc_job job;
    int64_t sid = 0;
    int64_t version = 0;
    int has_champion = 0;
    double skill = NAN; /* the champion's */
    int champion = 0;   /* the new version's */
    char now[32];
    sqlite3_stmt *q = NULL;
    int src;

    memset(&job, 0, sizeof job);
    fc_err rc = fc_sq_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_sq_job_get(st, job_id, &job, d);
    if (rc == FC_ENOTFOUND || (rc == FC_OK && job.state != FC_JOB_RUNNING)) {
        rc = fc_diag_set(d, FC_ECANCELLED, "job %lld was cancelled",
                         (long long)job_id);
        goto done;
    }
    if (rc == FC_OK)
        rc = fc_sq_series_id(st, m->ticker, &sid, d);
    if (rc != FC_OK)
        goto done;
    q = st->q[Q_MODEL_NEXT];
    sqlite3_bind_int64(q, 1, sid);
    src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        version = sqlite3_column_int64(q, 0);
    fc_sq_reset(q);
    if (src != SQLITE_ROW) {
        rc = fc_sq_fail(st, src, "next version", d);
        goto done;
    }
    rc = champion_skill(st, sid, &has_champion, &skill, d);
    if (rc != FC_OK)
        goto done;
    champion = fc_promotion_decide(policy, has_champion, skill, m->skill);
    if (champion) {
        q = st->q[Q_MODEL_UNCHAMP];
        sqlite3_bind_int64(q, 1, sid);
        src = sqlite3_step(q);
        fc_sq_reset(q);
        if (src != SQLITE_DONE) {
            rc = fc_sq_fail(st, src, "champion reset", d);
            goto done;
        }
    }
    fc_sq_now(now);
    q = st->q[Q_MODEL_INSERT];
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    sqlite3_bind_text(q, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, champion);
    sqlite3_bind_text(q, 5, m->params, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, m->data, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, m->metrics, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(q, 8, m->blob, m->blob_len, SQLITE_STATIC);
    sqlite3_bind_int(q, 9, m->epochs_run);
    sqlite3_bind_double(q, 10, m->train_seconds);
    if (isnan(m->skill) || isinf(m->skill))
        sqlite3_bind_null(q, 11);
    else
        sqlite3_bind_double(q, 11, m->skill);
    if (m->evaluation != NULL)
        sqlite3_bind_text(q, 12, m->evaluation, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 12);
    src = sqlite3_step(q);
    fc_sq_reset(q);
    if (src != SQLITE_DONE) {
        rc = fc_sq_fail(st, src, "model insert", d);
        goto done;
    }
    q = st->q[Q_JOB_DONE];
    sqlite3_bind_int64(q, 1, job_id);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, version);
    src = sqlite3_step(q);
    fc_sq_reset(q);
    if (src != SQLITE_DONE)
        rc = fc_sq_fail(st, src, "job update", d);
done:
    fc_job_fini(&job);
    if (rc == FC_OK)
        rc = fc_sq_commit(st, d);
    if (rc != FC_OK) {
        fc_sq_rollback(st);
        return rc;
    }
    m->version = version;
    m->champion = champion;
    snprintf(m->created_at, sizeof m->created_at, "%s", now);
    return FC_OK;
}

fc_err fc_sq_model_evaluation(struct fc_sq *st, const char *ticker,
                              int64_t version, char **out, struct fc_diag *d)
{
    int64_t sid = 0;
    sqlite3_stmt *q = st->q[Q_MODEL_EVAL];
    int oom = 0;

    *out = NULL;
    fc_err rc = fc_sq_series_id(st, ticker, &sid, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        if (sqlite3_column_type(q, 0) != SQLITE_NULL)
            *out = fc_sq_col_dup(q, 0, &oom);
        if (oom)
            rc = FC_ENOMEM;
    } else if (src == SQLITE_DONE) {
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
    } else {
        rc = fc_sq_fail(st, src, "evaluation lookup", d);
    }
    fc_sq_reset(q);
    return rc;
}

fc_err fc_sq_model_list(struct fc_sq *st, const char *ticker, int64_t limit,
                        struct fc_model_rec **out, int *n, struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_MODEL_LIST];
    int64_t sid = 0;
    fc_err rc;

    /* Every series is a NULL series id. */
    if (ticker != NULL) {
        rc = fc_sq_series_id(st, ticker, &sid, d);
        if (rc != FC_OK)
            return rc;
        sqlite3_bind_int64(q, 1, sid);
    } else {
        sqlite3_bind_null(q, 1);
    }
    sqlite3_bind_int64(q, 2, limit);
    rc = collect_models(st, q, "model list", out, n, d);
    fc_sq_reset(q);
    return rc;
}

fc_err fc_sq_model_get(struct fc_sq *st, const char *ticker, int64_t version,
                       int with_blob, struct fc_model_rec *out,
                       struct fc_diag *d)
{
    int64_t sid = 0;
    sqlite3_stmt *q = st->q[version == 0 ? Q_MODEL_CHAMP_GET : Q_MODEL_GET];
    fc_err rc = fc_sq_series_id(st, ticker, &sid, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    sqlite3_bind_int(q, 3, with_blob ? 1 : 0);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        rc = read_model(q, out);
    else if (src == SQLITE_DONE && version == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no trained model", ticker);
    else if (src == SQLITE_DONE)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
    else
        rc = fc_sq_fail(st, src, "model lookup", d);
    fc_sq_reset(q);
    return rc;
}

fc_err fc_sq_model_promote(struct fc_sq *st, const char *ticker,
                           int64_t version, struct fc_diag *d)
{
    int64_t sid = 0;
    sqlite3_stmt *q = NULL;
    int src;
    fc_err rc = fc_sq_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_sq_series_id(st, ticker, &sid, d);
    if (rc != FC_OK)
        goto done;
    q = st->q[Q_MODEL_UNCHAMP];
    sqlite3_bind_int64(q, 1, sid);
    src = sqlite3_step(q);
    fc_sq_reset(q);
    if (src != SQLITE_DONE) {
        rc = fc_sq_fail(st, src, "champion reset", d);
        goto done;
    }
    q = st->q[Q_MODEL_SET_CHAMP];
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    src = sqlite3_step(q);
    fc_sq_reset(q);
    if (src != SQLITE_DONE)
        rc = fc_sq_fail(st, src, "promote", d);
    else if (sqlite3_changes(st->db) == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
done:
    if (rc == FC_OK)
        rc = fc_sq_commit(st, d);
    if (rc != FC_OK)
        fc_sq_rollback(st);
    return rc;
}

fc_err fc_sq_champions(struct fc_sq *st, int with_blobs,
                       struct fc_model_rec **out, int *n, struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_MODEL_CHAMPIONS];
    fc_err rc;

    sqlite3_bind_int(q, 1, with_blobs != 0);
    rc = collect_models(st, q, "champions", out, n, d);
    fc_sq_reset(q);
    return rc;
}

/* A row whose first column is a ticker into a char[FC_TICKER_SIZE]. */
static fc_err read_ticker(sqlite3_stmt *q, void *elem)
{
    fc_sq_col_text(q, 0, elem, FC_TICKER_SIZE);
    return FC_OK;
}

fc_err fc_sq_models_older(struct fc_sq *st, const char *before,
                          char (**out)[FC_TICKER_SIZE], int *n,
                          struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_MODEL_OLDER];
    void *v;
    fc_err rc;

    sqlite3_bind_text(q, 1, before, -1, SQLITE_STATIC);
    rc = fc_sq_collect(st, q, sizeof **out, read_ticker, NULL,
                       "retrain schedule", &v, n, d);
    fc_sq_reset(q);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

fc_err fc_sq_listen(struct fc_sq *st, struct fc_diag *d)
{
    (void)st;
    return fc_diag_set(d, FC_EIO,
                       "an SQLite database has one process: "
                       "no champion announcements");
}

fc_err fc_sq_wait_announcement(struct fc_sq *st, int timeout_ms,
                               struct fc_announcement *out, struct fc_diag *d)
{
    (void)timeout_ms;
    memset(out, 0, sizeof *out);
    return fc_sq_listen(st, d);
}
