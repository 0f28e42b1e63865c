/* store.c — the store's front: fc_store_open picks the backend from the db
 * setting (a libpq connection URI is PostgreSQL, anything else an SQLite
 * file) and every other function of store.h forwards to it.
 *
 * A struct fc_store holds exactly one backend connection; the backends
 * implement store.h's contract under their own prefixes (store_int.h), so
 * this file is the one place that knows there are two. */
#include "store_ext_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fc_store {
    struct fc_sq *sq; /* SQLite, or NULL */
    struct fc_pg *pg; /* PostgreSQL, or NULL */
};

/* The call of function f on whichever backend st holds. */
#define FORWARD(st, f, ...)                                                    \
    ((st)->pg != NULL ? fc_pg_##f((st)->pg, __VA_ARGS__)                       \
                      : fc_sq_##f((st)->sq, __VA_ARGS__))

int fc_store_db_is_pg(const char *db)
{
    return strncmp(db, "postgresql://", 13) == 0 ||
           strncmp(db, "postgres://", 11) == 0;
}

int fc_store_db_password(const char *db, size_t *off, size_t *len)
{
    /* The authority runs from "//" to the first '/', '?' or '#'; its
     * userinfo ends at its last '@', and the password is what follows the
     * first ':' in the userinfo. */
    const char *auth = strstr(db, "://");
    if (!fc_store_db_is_pg(db) || auth == NULL)
        return 0;
    auth += 3;
    const char *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    const char *colon =
        at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon == NULL)
        return 0;
    *off = (size_t)(colon + 1 - db);
    *len = (size_t)(at - colon - 1);
    return 1;
}

void fc_store_db_redact(const char *db, char *out, size_t size)
{
    size_t off = 0, len = 0;
    if (fc_store_db_password(db, &off, &len))
        snprintf(out, size, "%.*s***%s", (int)off, db, db + off + len);
    else
        snprintf(out, size, "%s", db);
}

void fc_store_configure(const struct fc_store_opts *o)
{
    fc_pg_configure(o->pg_statement_timeout_ms, o->pg_connect_timeout_s);
}

fc_err fc_store_ping(struct fc_store *st, struct fc_diag *d)
{
    return st->pg != NULL ? fc_pg_ping(st->pg, d) : FC_OK;
}

int fc_store_open_may_wait(const char *db)
{
    return fc_store_db_is_pg(db) && !fc_pg_server_answers(db);
}

fc_err fc_store_open(const char *db, struct fc_store **out, struct fc_diag *d)
{
    fc_err rc;
    struct fc_store *st = calloc(1, sizeof *st);

    if (st == NULL)
        return FC_ENOMEM;
    if (fc_store_db_is_pg(db))
        rc = fc_pg_open(db, &st->pg, d);
    else
        rc = fc_sq_open(db, &st->sq, d);
    if (rc != FC_OK) {
        free(st);
        return rc;
    }
    *out = st;
    return FC_OK;
}

void fc_store_close(struct fc_store *st)
{
    if (st == NULL)
        return;
    if (st->pg != NULL)
        fc_pg_close(st->pg);
    else
        fc_sq_close(st->sq);
    free(st);
}

int fc_store_schema_version(struct fc_store *st)
{
    return st->pg != NULL ? fc_pg_schema_version(st->pg)
                          : fc_sq_schema_version(st->sq);
}

fc_err fc_store_put_bars(struct fc_store *st, const char *ticker,
                         const struct fc_bar *bars, int n,
                         struct fc_put_result *res, struct fc_diag *d)
{
    return FORWARD(st, put_bars, ticker, bars, n, res, d);
}

fc_err fc_store_series_info(struct fc_store *st, const char *ticker,
                            struct fc_series_info *out, struct fc_diag *d)
{
    return FORWARD(st, series_info, ticker, out, d);
}

fc_err fc_store_list_series(struct fc_store *st, struct fc_series_info **out,
                            int *n, struct fc_diag *d)
{
    return FORWARD(st, list_series, out, n, d);
}

fc_err fc_store_get_bars(struct fc_store *st, const char *ticker,
                         int32_t from_day, int32_t to_day, int64_t limit,
                         struct fc_bar **out, int *n, struct fc_diag *d)
{
    return FORWARD(st, get_bars, ticker, from_day, to_day, limit, out, n, d);
}

fc_err fc_store_delete_series(struct fc_store *st, const char *ticker,
                              struct fc_diag *d)
{
    return FORWARD(st, delete_series, ticker, d);
}

fc_err fc_store_count_bars(struct fc_store *st, const char *ticker,
                           int32_t from_day, int32_t to_day, int64_t *n,
                           struct fc_diag *d)
{
    return FORWARD(st, count_bars, ticker, from_day, to_day, n, d);
}

fc_err fc_store_job_create(struct fc_store *st, const char *ticker,
                           const char *kind, const char *params,
                           const char *progress, int is_auto,
                           struct fc_job *out, int64_t *conflict_id,
                           int64_t *replaced_running_id, struct fc_diag *d)
{
    return FORWARD(st, job_create, ticker, kind, params, progress, is_auto, out,
                   conflict_id, replaced_running_id, d);
}

fc_err fc_store_job_get(struct fc_store *st, int64_t id, struct fc_job *out,
                        struct fc_diag *d)
{
    return FORWARD(st, job_get, id, out, d);
}

fc_err fc_store_job_list(struct fc_store *st, const char *ticker, int state,
                         int64_t limit, struct fc_job **out, int *n,
                         struct fc_diag *d)
{
    return FORWARD(st, job_list, ticker, state, limit, out, n, d);
}

fc_err fc_store_job_cancel(struct fc_store *st, int64_t id, struct fc_job *out,
                           int *was_running, struct fc_diag *d)
{
    return FORWARD(st, job_cancel, id, out, was_running, d);
}

fc_err fc_store_job_claim(struct fc_store *st, int64_t id, struct fc_job *out,
                          struct fc_diag *d)
{
    return FORWARD(st, job_claim, id, out, d);
}

fc_err fc_store_job_progress(struct fc_store *st, int64_t id,
                             const char *progress, int *running,
                             struct fc_diag *d)
{
    return FORWARD(st, job_progress, id, progress, running, d);
}

fc_err fc_store_job_stop(struct fc_store *st, int64_t id, int requeue,
                         const char *error, struct fc_diag *d)
{
    return FORWARD(st, job_stop, id, requeue, error, d);
}

fc_err fc_store_job_finish(struct fc_store *st, int64_t id, const char *result,
                           struct fc_diag *d)
{
    return FORWARD(st, job_finish, id, result, d);
}

fc_err fc_store_job_counts(struct fc_store *st,
                           int64_t counts[FC_JOB_STATE_COUNT_],
                           struct fc_diag *d)
{
    return FORWARD(st, job_counts, counts, d);
}

fc_err fc_store_job_requeue_running(struct fc_store *st, int *n,
                                    struct fc_diag *d)
{
    return FORWARD(st, job_requeue_running, n, d);
}

fc_err fc_store_job_succeed(struct fc_store *st, int64_t job_id,
                            enum fc_promotion policy, struct fc_model_rec *m,
                            struct fc_diag *d)
{
    return FORWARD(st, job_succeed, job_id, policy, m, d);
}

fc_err fc_store_model_list(struct fc_store *st, const char *ticker,
                           int64_t limit, struct fc_model_rec **out, int *n,
                           struct fc_diag *d)
{
    return FORWARD(st, model_list, ticker, limit, out, n, d);
}

fc_err fc_store_model_get(struct fc_store *st, const char *ticker,
                          int64_t version, int with_blob,
                          struct fc_model_rec *out, struct fc_diag *d)
{
    return FORWARD(st, model_get, ticker, version, with_blob, out, d);
}

fc_err fc_store_model_promote(struct fc_store *st, const char *ticker,
                              int64_t version, struct fc_diag *d)
{
    return FORWARD(st, model_promote, ticker, version, d);
}

fc_err fc_store_model_evaluation(struct fc_store *st, const char *ticker,
                                 int64_t version, char **out, struct fc_diag *d)
{
    return FORWARD(st, model_evaluation, ticker, version, out, d);
}

fc_err fc_store_champions(struct fc_store *st, int with_blobs,
                          struct fc_model_rec **out, int *n, struct fc_diag *d)
{
    return FORWARD(st, champions, with_blobs, out, n, d);
}

fc_err fc_store_models_older(struct fc_store *st, const char *before,
                             char (**out)[FC_TICKER_SIZE], int *n,
                             struct fc_diag *d)
{
    return FORWARD(st, models_older, before, out, n, d);
}

/* ---- replicas ----------------------------------------------------------- */

int fc_store_set_worker(struct fc_store *st, const char *worker,
                        int lease_seconds)
{
    return FORWARD(st, set_worker, worker, lease_seconds);
}

fc_err fc_store_listen(struct fc_store *st, struct fc_diag *d)
{
    return FORWARD(st, listen, d);
}

fc_err fc_store_wait_announcement(struct fc_store *st, int timeout_ms,
                                  struct fc_announcement *out,
                                  struct fc_diag *d)
{
    return FORWARD(st, wait_announcement, timeout_ms, out, d);
}

fc_err fc_store_copy_counts(struct fc_store *st, int64_t counts[4],
                            struct fc_diag *d)
{
    return FORWARD(st, copy_counts, counts, d);
}

fc_err fc_store_series_created(struct fc_store *st, const char *ticker,
                               char out[32], struct fc_diag *d)
{
    return FORWARD(st, series_created, ticker, out, d);
}

fc_err fc_store_import_series(struct fc_store *st, const char *ticker,
                              const char *created_at, const struct fc_bar *b,
                              int n, struct fc_diag *d)
{
    return FORWARD(st, import_series, ticker, created_at, b, n, d);
}

fc_err fc_store_import_model(struct fc_store *st, const struct fc_model_rec *m,
                             struct fc_diag *d)
{
    return FORWARD(st, import_model, m, d);
}

fc_err fc_store_import_job(struct fc_store *st, const struct fc_job *j,
                           struct fc_diag *d)
{
    return FORWARD(st, import_job, j, d);
}

fc_err fc_store_wipe(struct fc_store *st, struct fc_diag *d)
{
    return st->pg != NULL ? fc_pg_wipe(st->pg, d) : fc_sq_wipe(st->sq, d);
}
