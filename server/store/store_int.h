/* store_int.h — what the files of the SQLite store share: the connection
 * struct, its statements, and the helpers every part uses (error mapping,
 * transactions, the series lookup, reading rows into lists).
 *
 * Private to server/store/: nothing above this folder includes it, so no
 * SQLite type leaks past store.h. store.c opens, migrates and closes the
 * connection and holds the helpers; bars.c, jobs.c and models.c implement
 * their parts of store.h with them. */
#ifndef FC_STORE_INT_H
#define FC_STORE_INT_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* Statements prepared on first use (fc_store_stmt), for the jobs and
 * models: they run once per job or per model request, not per bar. */
enum lazy_q {
    Q_JOB_ACTIVE, /* series id -> active jobs */
    Q_JOB_INSERT,
    Q_JOB_GET,
    Q_JOB_CANCEL, /* id, now, error */
    Q_JOB_NEXT,   /* oldest queued id */
    Q_JOB_START,  /* id, now */
    Q_JOB_PROGRESS,
    Q_JOB_FAIL,
    Q_JOB_REQUEUE,
    Q_JOB_REQUEUE_ALL,
    Q_JOB_DONE,
    Q_JOB_RESULT, /* id, now, result */
    Q_JOB_COUNTS,
    Q_MODEL_NEXT, /* series id -> next version */
    Q_MODEL_CHAMP_SKILL,
    Q_MODEL_UNCHAMP,
    Q_MODEL_INSERT,
    Q_MODEL_GET,
    Q_MODEL_CHAMP_GET,
    Q_MODEL_SET_CHAMP,
    Q_MODEL_CHAMPIONS,
    Q_MODEL_OLDER,
    Q_MODEL_EVAL,
    Q_COUNT_
};

struct fc_store {
    sqlite3 *db;
    int schema_version;
    sqlite3_stmt *q_begin;      /* BEGIN IMMEDIATE: for writes */
    sqlite3_stmt *q_begin_read; /* BEGIN: a consistent snapshot */
    sqlite3_stmt *q_commit;
    sqlite3_stmt *q_rollback;
    sqlite3_stmt *q_series_add;   /* ticker, created_at */
    sqlite3_stmt *q_series_id;    /* ticker -> id */
    sqlite3_stmt *q_series_stats; /* id -> n_bars, first, last, champion */
    sqlite3_stmt *q_range_count;  /* id, from, to -> bars in [from, to] */
    sqlite3_stmt *q_series_grow;  /* id, n: n_bars += n */
    sqlite3_stmt *q_series_list;
    sqlite3_stmt *q_series_del;   /* ticker */
    sqlite3_stmt *q_bar_upsert;   /* id, day, o, h, l, c, adj, volume */
    sqlite3_stmt *q_bar_upsert_n; /* the same for UPSERT_ROWS rows */
    sqlite3_stmt *q_bars_range;   /* id, from, to, limit -> newest first */
    sqlite3_stmt *lazy[Q_COUNT_]; /* see fc_store_stmt() */
};

/* Rows per execution of the multi-row upsert. One statement execution has
 * a fixed cost (cursor open and close, program start and halt) comparable
 * to a row's; 64 rows per execution nearly double bulk ingest speed
 * (400k -> 750k rows/s on the reference machine). 64 * 8 parameters stay
 * far below SQLite's limit. */
#define UPSERT_ROWS 64

/* The fc_err of SQLite result code src, recorded in d with `what` and the
 * connection's message: FC_EUNAVAIL (busy or locked), FC_ENOMEM,
 * FC_ECORRUPT, FC_EFULL (disk full), else FC_EIO. Returns that code. */
fc_err fc_store_fail(struct fc_store *st, int src, const char *what,
                     struct fc_diag *d);

/* The prepared statement q, preparing it on first use. FC_EIO, FC_ENOMEM. */
fc_err fc_store_stmt(struct fc_store *st, enum lazy_q q, sqlite3_stmt **out,
                     struct fc_diag *d);

/* Runs a statement that returns no rows we need, then resets it; returns
 * SQLITE_OK or the failing result code. */
int fc_store_run(sqlite3_stmt *q);

/* Resets q and clears its bindings; NULL is a no-op. */
void fc_store_reset(sqlite3_stmt *q);

/* BEGIN IMMEDIATE (a write transaction), COMMIT, and ROLLBACK when a
 * transaction is open. begin/commit: FC_EUNAVAIL, FC_EIO. */
fc_err fc_store_begin(struct fc_store *st, struct fc_diag *d);
fc_err fc_store_commit(struct fc_store *st, struct fc_diag *d);
void fc_store_rollback(struct fc_store *st);

/* Now as RFC 3339 UTC text. */
void fc_store_now(char buf[32]);

/* What fc_store_collect() reads a row with, into one element of its
 * array; on failure it leaves nothing in the element to release. */
typedef fc_err (*fc_store_row_reader)(sqlite3_stmt *q, void *elem);

/* Steps q to its end, reading each row with `read` into a growing array of
 * elements of `size` bytes: *out malloc'ed, NULL when *n is 0. On failure
 * the rows read so far are released (`fini` on each, when it is not NULL,
 * then the array) and *out and *n are untouched. The caller resets or
 * finalises q. Every list the store returns is read this way. FC_ENOMEM,
 * the reader's error, or fc_store_fail's. */
fc_err fc_store_collect(struct fc_store *st, sqlite3_stmt *q, size_t size,
                        fc_store_row_reader read, void (*fini)(void *elem),
                        const char *what, void **out, int *n,
                        struct fc_diag *d);

/* Column i as a malloc'ed string (NULL for SQL NULL); *oom set to 1 on
 * failure. */
char *fc_store_col_dup(sqlite3_stmt *q, int i, int *oom);
/* Column i copied into out[size], truncated; "" for SQL NULL. */
void fc_store_col_text(sqlite3_stmt *q, int i, char *out, size_t size);

/* id of the series `ticker` (bars.c). FC_ENOTFOUND when absent, FC_EIO. */
fc_err fc_store_series_id(struct fc_store *st, const char *ticker, int64_t *id,
                          struct fc_diag *d);

#endif
