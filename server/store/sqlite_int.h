/* sqlite_int.h — what the files of the SQLite store share: the connection
 * struct, its statements, and the helpers every part uses (error mapping,
 * transactions, the series lookup, reading rows into lists).
 *
 * Private to server/store/: nothing above this folder includes it, so no
 * SQLite type leaks past store.h. sqlite.c opens, migrates and closes the
 * connection and holds the helpers; sqlite_bars.c, sqlite_jobs.c and
 * sqlite_models.c implement their parts of store.h with them. */
#ifndef FC_SQLITE_INT_H
#define FC_SQLITE_INT_H

#include "store_int.h"

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* Every statement the store runs, by id. Their SQL is one table in sqlite.c
 * (stmt_sql); fc_sq_open prepares them all into st->q[]. The comments
 * give the parameters in order, and after -> what a row holds. */
enum q_id {
    /* Transactions (sqlite.c). */
    Q_BEGIN,      /* BEGIN IMMEDIATE: for writes */
    Q_BEGIN_READ, /* BEGIN: a consistent snapshot */
    Q_COMMIT,
    Q_ROLLBACK,
    /* Series and bars (sqlite_bars.c). */
    Q_SERIES_ADD,   /* ticker, created_at */
    Q_SERIES_ID,    /* ticker -> id */
    Q_SERIES_STATS, /* id -> n_bars, first, last, champion */
    Q_SERIES_LIST,  /* -> ticker, n_bars, first, last, champion */
    Q_SERIES_GROW,  /* id, n: n_bars += n */
    Q_SERIES_DEL,   /* ticker */
    Q_RANGE_COUNT,  /* id, from, to -> bars in [from, to] */
    Q_BAR_UPSERT,   /* id, day, o, h, l, c, adj, volume */
    Q_BAR_UPSERT_N, /* the same for UPSERT_ROWS rows */
    Q_BARS_RANGE,   /* id, from, to, limit -> bars newest first */
    /* Jobs (sqlite_jobs.c). Q_JOB_GET's columns are the ones read_job() reads.
     */
    Q_JOB_ACTIVE,      /* series id, kind -> id, auto, state */
    Q_JOB_INSERT,      /* kind, series id, ticker, params, now, progress,
                          auto */
    Q_JOB_GET,         /* id -> the job */
    Q_JOB_LIST,        /* ticker or NULL, state or NULL, limit -> jobs */
    Q_JOB_CANCEL,      /* id, now, error */
    Q_JOB_NEXT,        /* -> oldest queued id */
    Q_JOB_START,       /* id, now */
    Q_JOB_PROGRESS,    /* id, progress */
    Q_JOB_FAIL,        /* id, now, error */
    Q_JOB_REQUEUE,     /* id */
    Q_JOB_REQUEUE_ALL, /* (none) */
    Q_JOB_DONE,        /* id, now, model version */
    Q_JOB_RESULT,      /* id, now, result */
    Q_JOB_COUNTS,      /* -> state, count */
    /* Model versions (sqlite_models.c). Q_MODEL_GET's columns are the ones
     * read_model() reads. */
    Q_MODEL_NEXT,        /* series id -> next version */
    Q_MODEL_CHAMP_SKILL, /* series id -> the champion's skill */
    Q_MODEL_UNCHAMP,     /* series id */
    Q_MODEL_INSERT,      /* series id, version, now, champion, params, data,
                            metrics, blob, epochs, seconds, skill,
                            evaluation */
    Q_MODEL_GET,         /* series id, version, with blob -> the version */
    Q_MODEL_CHAMP_GET,   /* series id, 0, with blob -> the champion */
    Q_MODEL_LIST,        /* series id or NULL, limit -> versions, no blob */
    Q_MODEL_SET_CHAMP,   /* series id, version */
    Q_MODEL_CHAMPIONS,   /* with blobs -> every champion, by ticker */
    Q_MODEL_OLDER,       /* before -> tickers */
    Q_MODEL_EVAL,        /* series id, version -> evaluation */
    Q_COUNT_
};

struct fc_sq {
    sqlite3 *db;
    int schema_version;        /* migrations applied */
    sqlite3_stmt *q[Q_COUNT_]; /* every statement, prepared at open */
};

/* Rows per execution of the multi-row upsert (Q_BAR_UPSERT_N). One
 * statement execution has a fixed cost (cursor open and close, program
 * start and halt) comparable to a row's; 64 rows per execution nearly
 * double bulk ingest speed (400k -> 750k rows/s on the reference machine).
 * 64 * 8 parameters stay far below SQLite's limit. */
#define UPSERT_ROWS 64

/* The fc_err of SQLite result code src, recorded in d with `what` and the
 * connection's message: FC_EUNAVAIL (busy or locked), FC_ENOMEM,
 * FC_ECORRUPT, FC_EFULL (disk full), else FC_EIO. Returns that code. */
fc_err fc_sq_fail(struct fc_sq *st, int src, const char *what,
                  struct fc_diag *d);

/* Runs a statement that returns no rows we need, then resets it and
 * clears its bindings; returns SQLITE_OK or the failing result code. */
int fc_sq_run(sqlite3_stmt *q);

/* Resets q and clears its bindings (so a parameter left unbound next
 * time is NULL, and no binding points at the caller's memory); NULL is a
 * no-op. Every statement is given back this way after use, or through
 * fc_sq_run, except in the upsert's loop, which rebinds every
 * parameter of every row and only resets. */
void fc_sq_reset(sqlite3_stmt *q);

/* BEGIN IMMEDIATE (a write transaction), COMMIT, and ROLLBACK when a
 * transaction is open. begin/commit: FC_EUNAVAIL, FC_EIO. */
fc_err fc_sq_begin(struct fc_sq *st, struct fc_diag *d);
fc_err fc_sq_commit(struct fc_sq *st, struct fc_diag *d);
void fc_sq_rollback(struct fc_sq *st);

/* Now as RFC 3339 UTC text. */
void fc_sq_now(char buf[32]);

/* What fc_sq_collect() reads a row with, into one element of its
 * array; on failure it leaves nothing in the element to release. */
typedef fc_err (*fc_sq_row_reader)(sqlite3_stmt *q, void *elem);

/* Steps q to its end, reading each row with `read` into a growing array of
 * elements of `size` bytes: *out malloc'ed, NULL when *n is 0. On failure
 * the rows read so far are released (`fini` on each, when it is not NULL,
 * then the array) and *out and *n are untouched. The caller resets q.
 * Every list the store returns but the bars (read into fc_bar arrays by
 * their own loop) is read this way. FC_ENOMEM, the reader's error, or
 * fc_sq_fail's. */
fc_err fc_sq_collect(struct fc_sq *st, sqlite3_stmt *q, size_t size,
                     fc_sq_row_reader read, void (*fini)(void *elem),
                     const char *what, void **out, int *n, struct fc_diag *d);

/* Column i as a malloc'ed string (NULL for SQL NULL); *oom set to 1 on
 * failure. */
char *fc_sq_col_dup(sqlite3_stmt *q, int i, int *oom);
/* Column i copied into out[size], truncated; "" for SQL NULL. */
void fc_sq_col_text(sqlite3_stmt *q, int i, char *out, size_t size);

/* id of the series `ticker` (sqlite_bars.c). FC_ENOTFOUND when absent, FC_EIO.
 */
fc_err fc_sq_series_id(struct fc_sq *st, const char *ticker, int64_t *id,
                       struct fc_diag *d);

#endif
