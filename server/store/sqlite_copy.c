/* sqlite_copy.c — the SQLite side of copying a database (forecastd copy):
 * counts, a series' creation time, and rows written as they are (model
 * versions with their version, creation time and champion flag; jobs with
 * their id), each in one transaction; and emptying a database.
 *
 * These run once per copy, not per request: their statements are
 * prepared per call rather than kept in sqlite.c's table. */
#include "sqlite_int.h"
#include "store_ext_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A statement prepared from sql, or NULL with the error in d. */
static sqlite3_stmt *prepare(struct fc_sq *st, const char *sql, fc_err *rc,
                             struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    int src = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    *rc = src == SQLITE_OK ? FC_OK : fc_sq_fail(st, src, "copy: prepare", d);
    return q;
}

/* Binds text s (NULL or "": SQL NULL when empty_null) to parameter i. */
static void bind_text(sqlite3_stmt *q, int i, const char *s, int empty_null)
{
    if (s == NULL || (empty_null && s[0] == '\0'))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
}

/* Runs q to its end, finalizes it. */
static fc_err finish(struct fc_sq *st, sqlite3_stmt *q, const char *what,
                     struct fc_diag *d)
{
    int src = fc_sq_run(q);
    fc_err rc = src == SQLITE_OK ? FC_OK : fc_sq_fail(st, src, what, d);
    sqlite3_finalize(q);
    return rc;
}

fc_err fc_sq_copy_counts(struct fc_sq *st, int64_t counts[4], struct fc_diag *d)
{
    fc_err rc;
    sqlite3_stmt *q = prepare(st,
                              "SELECT (SELECT count(*) FROM series),"
                              " (SELECT count(*) FROM bars),"
                              " (SELECT count(*) FROM models),"
                              " (SELECT count(*) FROM jobs)",
                              &rc, d);
    if (q == NULL)
        return rc;
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        for (int i = 0; i < 4; i++)
            counts[i] = sqlite3_column_int64(q, i);
        rc = FC_OK;
    } else {
        rc = fc_sq_fail(st, src, "copy: counts", d);
    }
    sqlite3_finalize(q);
    return rc;
}

fc_err fc_sq_series_created(struct fc_sq *st, const char *ticker, char out[32],
                            struct fc_diag *d)
{
    fc_err rc;
    sqlite3_stmt *q =
        prepare(st, "SELECT created_at FROM series WHERE ticker = ?1", &rc, d);
    if (q == NULL)
        return rc;
    bind_text(q, 1, ticker, 0);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        snprintf(out, 32, "%s", t != NULL ? (const char *)t : "");
        rc = FC_OK;
    } else if (src == SQLITE_DONE) {
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series %s", ticker);
    } else {
        rc = fc_sq_fail(st, src, "copy: series", d);
    }
    sqlite3_finalize(q);
    return rc;
}

fc_err fc_sq_import_series(struct fc_sq *st, const char *ticker,
                           const char *created_at, const struct fc_bar *b,
                           int n, struct fc_diag *d)
{
    struct fc_put_result res;
    fc_err rc = fc_sq_put_bars(st, ticker, b, n, &res, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_stmt *q = prepare(
        st, "UPDATE series SET created_at = ?2 WHERE ticker = ?1", &rc, d);
    if (q == NULL)
        return rc;
    bind_text(q, 1, ticker, 0);
    bind_text(q, 2, created_at, 0);
    return finish(st, q, "copy: series created_at", d);
}

fc_err fc_sq_import_model(struct fc_sq *st, const struct fc_model_rec *m,
                          struct fc_diag *d)
{
    fc_err rc;
    sqlite3_stmt *q = prepare(
        st,
        "INSERT INTO models (series_id, version, created_at, champion,"
        " params, data, metrics, blob, epochs_run, train_seconds, skill,"
        " evaluation) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " ?12 FROM series WHERE ticker = ?1",
        &rc, d);
    if (q == NULL)
        return rc;
    bind_text(q, 1, m->ticker, 0);
    sqlite3_bind_int64(q, 2, m->version);
    bind_text(q, 3, m->created_at, 0);
    sqlite3_bind_int(q, 4, m->champion);
    bind_text(q, 5, m->params, 0);
    bind_text(q, 6, m->data, 0);
    bind_text(q, 7, m->metrics, 0);
    sqlite3_bind_blob(q, 8, m->blob != NULL ? m->blob : "", (int)m->blob_len,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 9, m->epochs_run);
    sqlite3_bind_double(q, 10, m->train_seconds);
    if (isnan(m->skill))
        sqlite3_bind_null(q, 11);
    else
        sqlite3_bind_double(q, 11, m->skill);
    bind_text(q, 12, m->evaluation, 0);
    rc = finish(st, q, "copy: model", d);
    if (rc == FC_OK && sqlite3_changes(st->db) == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series %s", m->ticker);
    return rc;
}

fc_err fc_sq_import_job(struct fc_sq *st, const struct fc_job *j,
                        struct fc_diag *d)
{
    fc_err rc;
    sqlite3_stmt *q = prepare(
        st,
        "INSERT INTO jobs (id, kind, series_id, ticker, state, params,"
        " created_at, started_at, finished_at, progress, model_version,"
        " error, auto, result) SELECT ?1, ?2, id, ?3, ?4, ?5, ?6, ?7, ?8,"
        " ?9, ?10, ?11, ?12, ?13 FROM series WHERE ticker = ?3",
        &rc, d);
    if (q == NULL)
        return rc;
    sqlite3_bind_int64(q, 1, j->id);
    bind_text(q, 2, j->kind, 0);
    bind_text(q, 3, j->ticker, 0);
    bind_text(q, 4, fc_job_state_name(j->state), 0);
    bind_text(q, 5, j->params, 0);
    bind_text(q, 6, j->created_at, 0);
    bind_text(q, 7, j->started_at, 1);
    bind_text(q, 8, j->finished_at, 1);
    bind_text(q, 9, j->progress, 0);
    if (j->model_version > 0)
        sqlite3_bind_int64(q, 10, j->model_version);
    else
        sqlite3_bind_null(q, 10);
    bind_text(q, 11, j->error, 0);
    sqlite3_bind_int(q, 12, j->is_auto);
    bind_text(q, 13, j->result, 0);
    rc = finish(st, q, "copy: job", d);
    if (rc == FC_OK && sqlite3_changes(st->db) == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series %s", j->ticker);
    return rc;
}

fc_err fc_sq_wipe(struct fc_sq *st, struct fc_diag *d)
{
    char *msg = NULL;
    int src = sqlite3_exec(st->db,
                           "BEGIN IMMEDIATE; DELETE FROM jobs;"
                           " DELETE FROM models; DELETE FROM bars;"
                           " DELETE FROM series; COMMIT",
                           NULL, NULL, &msg);
    sqlite3_free(msg);
    if (src == SQLITE_OK)
        return FC_OK;
    fc_err rc = fc_sq_fail(st, src, "copy: emptying the destination", d);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
