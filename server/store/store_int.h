/* store_int.h — the two implementations of store.h: SQLite (sqlite*.c, prefix
 * fc_sq_, connection struct fc_sq) and PostgreSQL (pg*.c, prefix fc_pg_,
 * struct fc_pg). Each implements every function of store.h under its own
 * prefix, with the contract written there; store.c picks one in
 * fc_store_open and forwards every call to it.
 *
 * Private to server/store/, and free of database types: store.c includes
 * neither sqlite3.h nor libpq-fe.h. */
#ifndef FC_STORE_INT_H
#define FC_STORE_INT_H

#include "store.h"

#include "promotion.h"

struct fc_sq;
struct fc_pg;

/* The functions of store.h for backend prefix P and connection type T,
 * declared once for both backends. */
#define FC_STORE_BACKEND_API(P, T)                                             \
    fc_err P##_open(const char *db, T **out, struct fc_diag *d);               \
    void P##_close(T *st);                                                     \
    int P##_schema_version(T *st);                                             \
    fc_err P##_put_bars(T *st, const char *ticker, const struct fc_bar *bars,  \
                        int n, struct fc_put_result *res, struct fc_diag *d);  \
    fc_err P##_series_info(T *st, const char *ticker,                          \
                           struct fc_series_info *out, struct fc_diag *d);     \
    fc_err P##_list_series(T *st, struct fc_series_info **out, int *n,         \
                           struct fc_diag *d);                                 \
    fc_err P##_get_bars(T *st, const char *ticker, int32_t from_day,           \
                        int32_t to_day, int64_t limit, struct fc_bar **out,    \
                        int *n, struct fc_diag *d);                            \
    fc_err P##_delete_series(T *st, const char *ticker, struct fc_diag *d);    \
    fc_err P##_count_bars(T *st, const char *ticker, int32_t from_day,         \
                          int32_t to_day, int64_t *n, struct fc_diag *d);      \
    fc_err P##_job_create(T *st, const char *ticker, const char *kind,         \
                          const char *params, const char *progress,            \
                          int is_auto, struct fc_job *out,                     \
                          int64_t *conflict_id, int64_t *replaced_running_id,  \
                          struct fc_diag *d);                                  \
    fc_err P##_job_get(T *st, int64_t id, struct fc_job *out,                  \
                       struct fc_diag *d);                                     \
    fc_err P##_job_list(T *st, const char *ticker, int state, int64_t limit,   \
                        struct fc_job **out, int *n, struct fc_diag *d);       \
    fc_err P##_job_cancel(T *st, int64_t id, struct fc_job *out,               \
                          int *was_running, struct fc_diag *d);                \
    fc_err P##_job_claim(T *st, int64_t id, struct fc_job *out,                \
                         struct fc_diag *d);                                   \
    fc_err P##_job_progress(T *st, int64_t id, const char *progress,           \
                            int *running, struct fc_diag *d);                  \
    fc_err P##_job_stop(T *st, int64_t id, int requeue, const char *error,     \
                        struct fc_diag *d);                                    \
    fc_err P##_job_finish(T *st, int64_t id, const char *result,               \
                          struct fc_diag *d);                                  \
    fc_err P##_job_counts(T *st, int64_t counts[FC_JOB_STATE_COUNT_],          \
                          struct fc_diag *d);                                  \
    fc_err P##_job_requeue_running(T *st, int *n, struct fc_diag *d);          \
    fc_err P##_job_succeed(T *st, int64_t job_id, enum fc_promotion policy,    \
                           struct fc_model_rec *m, struct fc_diag *d);         \
    fc_err P##_model_list(T *st, const char *ticker, int64_t limit,            \
                          struct fc_model_rec **out, int *n,                   \
                          struct fc_diag *d);                                  \
    fc_err P##_model_get(T *st, const char *ticker, int64_t version,           \
                         int with_blob, struct fc_model_rec *out,              \
                         struct fc_diag *d);                                   \
    fc_err P##_model_promote(T *st, const char *ticker, int64_t version,       \
                             struct fc_diag *d);                               \
    fc_err P##_model_evaluation(T *st, const char *ticker, int64_t version,    \
                                char **out, struct fc_diag *d);                \
    fc_err P##_champions(T *st, int with_blobs, struct fc_model_rec **out,     \
                         int *n, struct fc_diag *d);                           \
    fc_err P##_models_older(T *st, const char *before,                         \
                            char(**out)[FC_TICKER_SIZE], int *n,               \
                            struct fc_diag *d);

FC_STORE_BACKEND_API(fc_sq, struct fc_sq)
FC_STORE_BACKEND_API(fc_pg, struct fc_pg)

/* The replicas' functions of store.h, the same way. */
#define FC_STORE_REPLICA_API(P, T)                                             \
    int P##_set_worker(T *st, const char *worker, int lease_seconds);          \
    fc_err P##_listen(T *st, struct fc_diag *d);                               \
    fc_err P##_wait_announcement(T *st, int timeout_ms,                        \
                                 struct fc_announcement *out,                  \
                                 struct fc_diag *d);

FC_STORE_REPLICA_API(fc_sq, struct fc_sq)
FC_STORE_REPLICA_API(fc_pg, struct fc_pg)

/* Whether db names a PostgreSQL database (a libpq connection URI:
 * postgresql:// or postgres://) rather than an SQLite file. */
int fc_store_db_is_pg(const char *db);

/* Where the password of connection URI db is: 1 and its offset and length
 * in db (scheme://user:password@host...), 0 when it has none. */
int fc_store_db_password(const char *db, size_t *off, size_t *len);

#endif
