/* store_ext_int.h — what each backend provides besides store.h's common
 * calls (store_int.h): the session settings of PostgreSQL connections,
 * the probe behind fc_store_ping, and the bulk export and import that
 * fc_store_copy_* use (whole rows, with their ids, creation times and
 * champion flags, which the common calls do not write).
 *
 * Private to server/store/; free of database types, and of store.h (so
 * that store.c including it makes no cycle of modules). */
#ifndef FC_STORE_EXT_INT_H
#define FC_STORE_EXT_INT_H

#include "bar.h"
#include "err.h"
#include "records.h"

#include <stdint.h>

struct fc_sq;
struct fc_pg;

/* The settings of the PostgreSQL connections opened from now on:
 * statement_timeout in ms (0: none), connect_timeout in seconds (unless
 * the URI sets one). Call before any thread opens a connection. */
void fc_pg_configure(int statement_timeout_ms, int connect_timeout_s);

/* One round trip to the server (reconnecting first when the connection
 * was lost). FC_EUNAVAIL when the server cannot be reached. */
fc_err fc_pg_ping(struct fc_pg *st, struct fc_diag *d);

/* Whether the PostgreSQL server named by URI db answers at all (1), even
 * if it would refuse this user; 0 when nothing answers or it is starting
 * or stopping. */
int fc_pg_server_answers(const char *db);

/* ---- bulk export and import (the copy command) ---------------------------
 * P_copy_counts: how many series, bars, model versions and jobs there
 * are. P_series_created: the series' created_at into out[32].
 * P_import_series: a new series with its created_at and n bars, in one
 * transaction (FC_ECONFLICT if the ticker exists). P_import_model: a
 * version as it is (version, created_at, champion, blob, evaluation), in
 * one transaction (FC_ENOTFOUND without its series). P_import_job: a job
 * with its id and every column (FC_ENOTFOUND without its series); the id
 * sequence then continues after the highest id. P_wipe: removes every
 * series, bar, version and job in one transaction. */
#define FC_STORE_EXT_API(P, T)                                                 \
    fc_err P##_copy_counts(T *st, int64_t counts[4], struct fc_diag *d);       \
    fc_err P##_series_created(T *st, const char *ticker, char out[32],         \
                              struct fc_diag *d);                              \
    fc_err P##_import_series(T *st, const char *ticker,                        \
                             const char *created_at, const struct fc_bar *b,   \
                             int n, struct fc_diag *d);                        \
    fc_err P##_import_model(T *st, const struct fc_model_rec *m,               \
                            struct fc_diag *d);                                \
    fc_err P##_import_job(T *st, const struct fc_job *j, struct fc_diag *d);   \
    fc_err P##_wipe(T *st, struct fc_diag *d);

FC_STORE_EXT_API(fc_sq, struct fc_sq)
FC_STORE_EXT_API(fc_pg, struct fc_pg)

#endif
