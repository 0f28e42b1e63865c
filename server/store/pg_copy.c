/* pg_copy.c — the PostgreSQL side of copying a database (forecastd copy):
 * counts, a series' creation time, and rows written as they are (model
 * versions with their version, creation time and champion flag; jobs with
 * their id, after which the jobs' id sequence continues past the highest),
 * each in one transaction; and emptying a database.
 *
 * These run once per copy, not per request: their statements go as
 * parameterised one-off queries (PQexecParams), not through pg.c's table
 * of prepared statements. */
#include "pg_int.h"
#include "store_ext_int.h"

#include <stdio.h>
#include <stdlib.h>

/* Runs sql with the parameters a; on FC_OK *out (may be NULL: cleared
 * here) is the result. */
static fc_err run(struct fc_pg *st, const char *sql, const struct pg_args *a,
                  const char *what, PGresult **out, struct fc_diag *d)
{
    return fc_pg_result(st,
                        PQexecParams(st->conn, sql, a != NULL ? a->n : 0, NULL,
                                     a != NULL ? a->v : NULL,
                                     a != NULL ? a->len : NULL,
                                     a != NULL ? a->fmt : NULL, 0),
                        what, out, d);
}

fc_err fc_pg_copy_counts(struct fc_pg *st, int64_t counts[4], struct fc_diag *d)
{
    PGresult *r = NULL;
    fc_err rc = run(st,
                    "SELECT (SELECT count(*) FROM series),"
                    " (SELECT count(*) FROM bars),"
                    " (SELECT count(*) FROM models),"
                    " (SELECT count(*) FROM jobs)",
                    NULL, "copy: counts", &r, d);
    if (rc != FC_OK)
        return rc;
    for (int i = 0; i < 4; i++)
        counts[i] = fc_pg_i64(r, 0, i);
    PQclear(r);
    return FC_OK;
}

fc_err fc_pg_series_created(struct fc_pg *st, const char *ticker, char out[32],
                            struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;
    fc_pg_arg_text(&a, ticker);
    fc_err rc = run(st, "SELECT created_at FROM series WHERE ticker = $1", &a,
                    "copy: series", &r, d);
    if (rc != FC_OK)
        return rc;
    if (PQntuples(r) == 1)
        fc_pg_text(r, 0, 0, out, 32);
    else
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series %s", ticker);
    PQclear(r);
    return rc;
}

fc_err fc_pg_import_series(struct fc_pg *st, const char *ticker,
                           const char *created_at, const struct fc_bar *b,
                           int n, struct fc_diag *d)
{
    struct fc_put_result res;
    struct pg_args a = {0};
    fc_err rc = fc_pg_put_bars(st, ticker, b, n, &res, d);
    if (rc != FC_OK)
        return rc;
    fc_pg_arg_text(&a, ticker);
    fc_pg_arg_text(&a, created_at);
    return run(st, "UPDATE series SET created_at = $2 WHERE ticker = $1", &a,
               "copy: series created_at", NULL, d);
}

/* One row written: FC_ENOTFOUND when the INSERT ... SELECT found no
 * series. */
static fc_err insert_one(struct fc_pg *st, const char *sql,
                         const struct pg_args *a, const char *what,
                         const char *ticker, struct fc_diag *d)
{
    PGresult *r = NULL;
    fc_err rc = run(st, sql, a, what, &r, d);
    if (rc != FC_OK)
        return rc;
    if (strtoll(PQcmdTuples(r), NULL, 10) != 1)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series %s", ticker);
    PQclear(r);
    return rc;
}

fc_err fc_pg_import_model(struct fc_pg *st, const struct fc_model_rec *m,
                          struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_text(&a, m->ticker);
    fc_pg_arg_i64(&a, m->version);
    fc_pg_arg_text(&a, m->created_at);
    fc_pg_arg_i64(&a, m->champion);
    fc_pg_arg_model(&a, m);
    return insert_one(
        st,
        "INSERT INTO models (series_id, version, created_at, champion,"
        " params, data, metrics, blob, epochs_run, train_seconds, skill,"
        " evaluation) SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $12 FROM series WHERE ticker = $1",
        &a, "copy: model", m->ticker, d);
}

fc_err fc_pg_import_job(struct fc_pg *st, const struct fc_job *j,
                        struct fc_diag *d)
{
    struct pg_args a = {0};
    fc_pg_arg_i64(&a, j->id);
    fc_pg_arg_text(&a, j->kind);
    fc_pg_arg_text(&a, j->ticker);
    fc_pg_arg_text(&a, fc_job_state_name(j->state));
    fc_pg_arg_text(&a, j->params);
    fc_pg_arg_text(&a, j->created_at);
    fc_pg_arg_text(&a, j->started_at[0] != '\0' ? j->started_at : NULL);
    fc_pg_arg_text(&a, j->finished_at[0] != '\0' ? j->finished_at : NULL);
    fc_pg_arg_text(&a, j->progress);
    if (j->model_version > 0)
        fc_pg_arg_i64(&a, j->model_version);
    else
        fc_pg_arg_text(&a, NULL);
    fc_pg_arg_text(&a, j->error);
    fc_pg_arg_i64(&a, j->is_auto);
    fc_pg_arg_text(&a, j->result);
    fc_err rc = fc_pg_begin(st, d);
    if (rc == FC_OK)
        rc = insert_one(
            st,
            "INSERT INTO jobs (id, kind, series_id, ticker, state, params,"
            " created_at, started_at, finished_at, progress, model_version,"
            " error, auto, result) SELECT $1, $2, id, $3, $4, $5, $6, $7, $8,"
            " $9, $10, $11, $12, $13 FROM series WHERE ticker = $3",
            &a, "copy: job", j->ticker, d);
    if (rc == FC_OK)
        rc = run(st,
                 "SELECT setval(pg_get_serial_sequence('jobs', 'id'),"
                 " (SELECT max(id) FROM jobs))",
                 NULL, "copy: job ids", NULL, d);
    if (rc == FC_OK)
        rc = fc_pg_commit(st, d);
    if (rc != FC_OK)
        fc_pg_rollback(st);
    return rc;
}

fc_err fc_pg_wipe(struct fc_pg *st, struct fc_diag *d)
{
    return run(st, "TRUNCATE series, bars, models, jobs", NULL,
               "copy: emptying the destination", NULL, d);
}
