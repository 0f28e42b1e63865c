/* pg_int.h — what the files of the PostgreSQL store share: the connection
 * struct, its prepared statements, parameters, error mapping,
 * transactions, the retry of a transaction that lost a conflict, and
 * reading columns.
 *
 * Private to server/store/ and the only header that includes libpq-fe.h:
 * pg.c opens, migrates and closes the connection and holds the helpers;
 * pg_bars.c, pg_jobs.c and pg_models.c implement their parts of store.h
 * with them. */
#ifndef FC_PG_INT_H
#define FC_PG_INT_H

#include "store_int.h"

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

/* Every prepared statement, by id; their SQL is one table in pg.c
 * (stmt_sql), prepared into the connection at open. The comments give the
 * parameters in order, and after -> what a row holds. */
/* The channel on which a new champion is announced (its ticker the
 * payload), and the one on which a running job's cancellation is (its id
 * the payload). */
#define FC_PG_CHAMPION_CHANNEL "fc_champion"
#define FC_PG_JOB_STOP_CHANNEL "fc_job_stop"

enum p_id {
    /* Series and bars (pg_bars.c). */
    P_SERIES_ADD,   /* ticker, created_at */
    P_SERIES_ID,    /* ticker -> id */
    P_SERIES_LOCK,  /* ticker -> id, the row locked until the end */
    P_SERIES_STATS, /* id -> n_bars, first, last, champion */
    P_SERIES_LIST,  /* -> ticker, n_bars, first, last, champion */
    P_SERIES_GROW,  /* id, n: n_bars += n */
    P_SERIES_DEL,   /* id */
    P_RANGE_COUNT,  /* id, from, to -> bars in [from, to] */
    P_BAR_UPSERT,   /* id, then arrays of day, o, h, l, c, adj, volume
                       -> inserted, changed */
    P_BARS_DEL,     /* series id: its bars */
    P_BARS_RANGE,   /* ticker, from, to, limit or NULL -> series id, then
                       bars newest first (one row of NULLs: none) */
    /* Jobs (pg_jobs.c). P_JOB_GET's columns are the ones read_job()
     * reads. "token" is the lease token of this connection's claim, or
     * NULL (a connection that did not claim the job: unfenced). */
    P_JOB_ACTIVE,      /* series id, kind -> id, auto, state */
    P_JOB_INSERT,      /* kind, series id, ticker, params, now, progress,
                          auto -> id */
    P_JOB_GET,         /* id -> the job */
    P_JOB_LOCK,        /* id -> the job, its row locked until the end */
    P_JOB_LIST,        /* ticker or NULL, state or NULL, limit -> jobs */
    P_JOB_CANCEL,      /* id, now, error */
    P_JOB_NEXT,        /* id or 0 -> the oldest claimable job (queued, or
                          running with an expired lease), locked; SKIP
                          LOCKED */
    P_JOB_START,       /* id, now, worker, lease seconds -> new token */
    P_JOB_PROGRESS,    /* id, progress, lease seconds, token (renews) */
    P_JOB_FAIL,        /* id, now, error, token */
    P_JOB_REQUEUE,     /* id, token */
    P_JOB_REQUEUE_ALL, /* worker or NULL: expired leases and its own */
    P_JOB_DONE,        /* id, now, model version, token */
    P_JOB_RESULT,      /* id, now, result, token */
    P_JOB_COUNTS,      /* -> state, count */
    P_JOB_RESERVE,     /* -> the id the next job inserted will get */
    P_JOB_INSERT_ID,   /* P_JOB_INSERT's, then that id */
    P_NOTIFY,          /* ticker: announce its new champion at commit */
    P_NOTIFY_STOP,     /* job id: announce that it was stopped at commit */
    /* Model versions (pg_models.c). P_MODEL_GET's columns are the ones
     * read_model() reads. */
    P_MODEL_NEXT,        /* series id -> next version */
    P_MODEL_CHAMP_SKILL, /* series id -> the champion's skill */
    P_MODEL_UNCHAMP,     /* series id */
    P_MODEL_INSERT,      /* series id, version, now, champion, params, data,
                            metrics, blob, epochs, seconds, skill,
                            evaluation */
    P_MODEL_GET,         /* series id, version, with blob -> the version */
    P_MODEL_CHAMP_GET,   /* series id, 0, with blob -> the champion */
    P_MODEL_LIST,        /* series id or NULL, limit -> versions, no blob */
    P_MODEL_SET_CHAMP,   /* series id, version */
    P_MODEL_CHAMPIONS,   /* with blobs -> every champion, by ticker */
    P_MODEL_OLDER,       /* before -> tickers */
    P_MODEL_EVAL,        /* series id, version -> evaluation */
    P_COUNT_
};

struct fc_pg {
    PGconn *conn;
    char *db;           /* the URI, for reconnecting */
    int schema_version; /* migrations applied */
    int retry; /* the last failure was a conflict another try may win */
    /* Replicas (fc_pg_set_worker, pg_jobs.c): the name this connection's
     * claims write ("" = none: NULL in the database), how long a claim
     * holds, and the job and lease token of its last claim, which fence
     * that job's writes (lease_job 0: no claim, writes unfenced). */
    char worker[128];
    int lease_seconds; /* 0: LEASE_DEFAULT_S */
    int64_t lease_job;
    int64_t lease_token;
    int broken; /* the session is gone: reconnect at next use */
    int in_tx;  /* a transaction is open (fc_pg_begin .. commit/rollback) */
    int statement_timeout_ms; /* per session; 0 = none */
    double next_try;          /* monotonic seconds: no reconnect before then */
    double backoff_s;         /* the wait after the next failed reconnect */
};

/* The parameters of one execution: text (NULL is SQL NULL) or binary
 * (fmt 1). Numbers are formatted into num[]; other values point at the
 * caller's memory, which must outlive the execution. */
#define PG_MAX_ARGS 14
struct pg_args {
    int n;
    const char *v[PG_MAX_ARGS];
    int len[PG_MAX_ARGS];
    int fmt[PG_MAX_ARGS];
    char num[PG_MAX_ARGS][32];
};

/* Appends a parameter to a (a->n < PG_MAX_ARGS): an integer, a double
 * (NaN or infinite: NULL), text (NULL: NULL), len bytes in binary. */
void fc_pg_arg_i64(struct pg_args *a, int64_t x);
void fc_pg_arg_f64(struct pg_args *a, double x);
void fc_pg_arg_text(struct pg_args *a, const char *s);
void fc_pg_arg_bin(struct pg_args *a, const void *p, size_t len);
/* A model row's columns after (series, version, created_at, champion):
 * params, data, metrics, blob, epochs_run, train_seconds, skill (NaN or
 * infinite: NULL), evaluation, in the order of the models table
 * (pg_models.c). */
void fc_pg_arg_model(struct pg_args *a, const struct fc_model_rec *m);

/* The fc_err of a failed result r (NULL: no result at all), recorded in d
 * with `what` and the server's message: FC_EUNAVAIL (connection lost,
 * server shutting down or busy, lock or statement timeout; also a
 * serialization failure, deadlock or unique violation, which set
 * st->retry), FC_EFULL (disk full, 53100), FC_ENOMEM, FC_ECORRUPT
 * (data or index corrupted), else FC_EIO. Returns that code. */
fc_err fc_pg_fail(struct fc_pg *st, const PGresult *r, const char *what,
                  struct fc_diag *d);

/* Makes the connection usable before a call outside a transaction: a
 * server that has gone is noticed (PQconsumeInput reads its EOF or its last
 * message), and a lost connection is made again, once per backoff. Inside
 * a transaction nothing is done: a lost connection fails the call, and the
 * transaction with it. Every statement runs after it (fc_pg_query,
 * fc_pg_exec). FC_EUNAVAIL while the server cannot be
 * reached, FC_ENOMEM. */
fc_err fc_pg_usable(struct fc_pg *st, struct fc_diag *d);

/* Announces at commit that the champion of `ticker` changed (a new one, a
 * promotion, or none left: the series was deleted); every replica's
 * listener reloads it (pg_models.c). */
fc_err fc_pg_announce(struct fc_pg *st, const char *ticker, struct fc_diag *d);

/* The outcome of a statement whose result is r (NULL: none): FC_OK with
 * r in *out (the caller PQclear()s it; out NULL: cleared here) when it
 * succeeded, else fc_pg_fail's error, r cleared. */
fc_err fc_pg_result(struct fc_pg *st, PGresult *r, const char *what,
                    PGresult **out, struct fc_diag *d);

/* Executes prepared statement id with the parameters a (NULL: none),
 * results as text. On FC_OK *out is the result (the caller PQclear()s it);
 * else the error of fc_pg_fail and nothing to clear. */
fc_err fc_pg_query(struct fc_pg *st, enum p_id id, const struct pg_args *a,
                   const char *what, PGresult **out, struct fc_diag *d);

/* The same for a statement whose rows are not needed; *changes (may be
 * NULL) gets the number of rows it inserted, updated or deleted. */
fc_err fc_pg_cmd(struct fc_pg *st, enum p_id id, const struct pg_args *a,
                 const char *what, int64_t *changes, struct fc_diag *d);

/* Runs sql (one or more statements, no parameters). fc_pg_fail's errors. */
fc_err fc_pg_exec(struct fc_pg *st, const char *sql, struct fc_diag *d);

/* BEGIN (read committed; writers serialise on the rows they lock),
 * COMMIT, and ROLLBACK when a transaction is open. begin/commit:
 * fc_pg_fail's errors. */
fc_err fc_pg_begin(struct fc_pg *st, struct fc_diag *d);
fc_err fc_pg_commit(struct fc_pg *st, struct fc_diag *d);
void fc_pg_rollback(struct fc_pg *st);

/* Whether a writing transaction that ended with rc should run again: rc
 * is FC_EUNAVAIL from a conflict (st->retry) and *attempt, counted here,
 * is below the cap; waits a little before the next try. Clears
 * st->retry. */
int fc_pg_again(struct fc_pg *st, fc_err rc, int *attempt);

/* Now as RFC 3339 UTC text. */
void fc_pg_now(char buf[32]);

/* Column c of row i: an integer (0 for NULL), a double (NaN for NULL),
 * whether it is NULL, a malloc'ed copy (NULL for NULL; *oom set to 1 when
 * the copy fails), a copy into out[size] ("" for NULL, truncated). */
int64_t fc_pg_i64(const PGresult *r, int i, int c);
double fc_pg_f64(const PGresult *r, int i, int c);
int fc_pg_null(const PGresult *r, int i, int c);
char *fc_pg_dup(const PGresult *r, int i, int c, int *oom);
void fc_pg_text(const PGresult *r, int i, int c, char *out, size_t size);

/* What fc_pg_collect() reads row i of r with, into one element of its
 * array; on failure it leaves nothing in the element to release. */
typedef fc_err (*fc_pg_row_reader)(const PGresult *r, int i, void *elem);

/* Every row of r read with `read` into an array of elements of `size`
 * bytes: *out malloc'ed, NULL when *n is 0. On failure the rows read so
 * far are released (`fini` on each, when not NULL, then the array) and
 * *out and *n are untouched. FC_ENOMEM or the reader's error. */
fc_err fc_pg_collect(const PGresult *r, size_t size, fc_pg_row_reader read,
                     void (*fini)(void *elem), void **out, int *n);

/* The lease token that fences writes of job `id` on this connection as a
 * parameter: its claim's, or NULL (unfenced) when this connection did not
 * claim it. */
void fc_pg_arg_lease(struct fc_pg *st, struct pg_args *a, int64_t id);

/* id of the series `ticker`; with lock, its row stays locked until the
 * transaction ends (every write that depends on a series' rows takes it,
 * so writers of one series run one after the other). FC_ENOTFOUND when
 * absent, fc_pg_fail's errors. */
fc_err fc_pg_series_id(struct fc_pg *st, const char *ticker, int lock,
                       int64_t *id, struct fc_diag *d);

#endif
