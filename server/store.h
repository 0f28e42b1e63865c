/* store.h — the SQLite store: series and their daily bars.
 *
 * One struct fc_store is one SQLite connection with its prepared statements.
 * It is not thread-safe: each thread uses its own (the server keeps a pool
 * and lends one connection to one request at a time). The database runs in
 * WAL mode with synchronous=FULL, so a write is on disk (WAL fsynced) before
 * its call returns: an acknowledged ingest survives kill -9 and power loss.
 * Migrations (schema/NNN_*.sql, embedded) run in fc_store_open, tracked with
 * PRAGMA user_version. Jobs and models tables exist for the trainer; their
 * access functions come with it. Bars are written only through
 * fc_store_put_bars (and removed only with their series): it keeps the
 * per-series count (series.n_bars) exact. */
#ifndef FC_STORE_H
#define FC_STORE_H

#include "bar.h"
#include "err.h"

#include <stdint.h>

struct fc_store; /* opaque */

/* Ticker: 1-16 characters; this many bytes with the NUL. */
#define FC_TICKER_SIZE 17

/* A series as listed. first_day/last_day are FC_DAY_NONE-like INT32_MIN
 * when the series has no bars; champion_version 0 when there is no model. */
struct fc_series_info {
    char ticker[FC_TICKER_SIZE];
    int64_t n_bars;
    int32_t first_day;
    int32_t last_day;
    int64_t champion_version;
};

/* What an upsert did, and the series after it. */
struct fc_put_result {
    int64_t inserted;  /* new days */
    int64_t updated;   /* existing days whose values changed */
    int64_t unchanged; /* existing days given again with the same values */
    struct fc_series_info after;
};

/* Opens (creating if needed) the database at path (":memory:" works; the
 * parent directory must exist), sets WAL, synchronous=FULL, busy_timeout,
 * foreign_keys, applies pending migrations and prepares statements.
 * Returns FC_OK and *out (the caller owns it; fc_store_close), FC_EIO when
 * the file cannot be opened or a migration fails, FC_ECORRUPT when the
 * database is newer than this binary or not a database, FC_ENOMEM.
 * Reason in d. */
fc_err fc_store_open(const char *path, struct fc_store **out,
                     struct fc_diag *d);
/* Finalises the statements and closes the connection. NULL is a no-op. */
void fc_store_close(struct fc_store *st);
/* PRAGMA user_version after migration (the number of migrations applied). */
int fc_store_schema_version(struct fc_store *st);

/* Upserts n bars (unique days, any order) into the series `ticker` (valid,
 * upper-case), creating the series, in one transaction. Bars already there
 * with the same values count as unchanged and are not rewritten. On FC_OK
 * the write is durable and *res describes it. Errors: FC_EUNAVAIL when the
 * database stays locked past the busy timeout, FC_EIO otherwise (nothing
 * written in either case). n may be 0 (then only *res is filled, and the
 * series is not created). */
fc_err fc_store_put_bars(struct fc_store *st, const char *ticker,
                         const struct fc_bar *bars, int n,
                         struct fc_put_result *res, struct fc_diag *d);

/* The series `ticker`. FC_ENOTFOUND if there is none, FC_EIO. */
fc_err fc_store_series_info(struct fc_store *st, const char *ticker,
                            struct fc_series_info *out, struct fc_diag *d);

/* Every series, by ticker. *out is malloc'ed (free()), *n may be 0 (then
 * *out is NULL). FC_EIO, FC_ENOMEM. */
fc_err fc_store_list_series(struct fc_store *st, struct fc_series_info **out,
                            int *n, struct fc_diag *d);

/* The bars of `ticker` with from_day <= day <= to_day, ascending; with
 * limit > 0 only the most recent `limit` of them. *out is malloc'ed (free()),
 * NULL when *n is 0. FC_ENOTFOUND for an unknown ticker, FC_EIO, FC_ENOMEM. */
fc_err fc_store_get_bars(struct fc_store *st, const char *ticker,
                         int32_t from_day, int32_t to_day, int64_t limit,
                         struct fc_bar **out, int *n, struct fc_diag *d);

/* Removes the series with its bars, models and jobs, in one transaction.
 * FC_ENOTFOUND, FC_EUNAVAIL (locked), FC_EIO. */
fc_err fc_store_delete_series(struct fc_store *st, const char *ticker,
                              struct fc_diag *d);

/* 1 when ticker is 1-16 characters of A-Z a-z 0-9 . - ^ =, else 0. On 1,
 * writes the upper-case form into out[FC_TICKER_SIZE]. */
int fc_ticker_normalize(const char *ticker, char out[FC_TICKER_SIZE]);

#endif
