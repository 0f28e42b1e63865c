/* store.h — the store: series and their daily bars, the trainer's jobs and
 * the model versions, behind one interface that names no database type.
 *
 * What every implementation guarantees (callers rely on it):
 * - One struct fc_store is one connection. It is not thread-safe: each
 *   thread uses its own (the server keeps a pool and lends one connection
 *   to one request at a time; the trainer has its own).
 * - Every writing call is one transaction: on an error nothing is written;
 *   on FC_OK the write is durable, so an acknowledged ingest survives
 *   kill -9 and power loss.
 * - Every state change of a job is conditional on the state it leaves, so
 *   two connections (the trainer and an HTTP thread cancelling) can never
 *   both win a transition.
 * - Bars are written only through fc_store_put_bars (and removed only with
 *   their series), which keeps each series' bar count exact.
 * - The schema is migrated in fc_store_open; the migrations applied are
 *   counted by fc_store_schema_version.
 * Besides the errors each function names, any call may return FC_EUNAVAIL
 * (the database stayed locked or busy past the timeout), FC_EFULL (no
 * space: nothing written), FC_ECORRUPT (a damaged database), FC_ENOMEM or
 * FC_EIO, with the reason in d.
 *
 * Two implementations sit beside this header, chosen by fc_store_open from
 * the db setting: SQLite (sqlite*.c: one connection in WAL mode with
 * synchronous=FULL, so the WAL is fsynced before a write returns; the
 * migrations of schema/ embedded and counted in PRAGMA user_version) and
 * PostgreSQL (pg*.c, libpq: the migrations of schema/pg/, the same steps
 * in PostgreSQL's dialect, counted in a schema_migrations table; commits
 * are durable with the server's default synchronous_commit = on).
 * Under PostgreSQL a serialization failure or deadlock is retried, and
 * FC_EUNAVAIL also means the server cannot be reached.
 * Model versions are the registry's source of truth; which version is
 * champion follows the domain's promotion rule (promotion.h). */
#ifndef FC_STORE_H
#define FC_STORE_H

#include "bar.h"
#include "err.h"
#include "records.h"
#include "ticker.h"

#include <stddef.h>
#include <stdint.h>

struct fc_store; /* opaque */

/* Opens the database named by db, applies pending migrations and makes
 * the connection ready. A libpq connection URI (postgresql://user:password@
 * host:port/dbname?sslmode=..., or postgres://) is a PostgreSQL database,
 * which must exist; the migrations run in one transaction under an
 * advisory lock, so processes starting at once do not race. Anything else
 * is an SQLite file, created if needed with its parent directories, or
 * ":memory:" for a private database; the connection gets WAL,
 * synchronous=FULL, a busy timeout and foreign keys. Returns FC_OK and
 * *out (the caller owns it; fc_store_close), FC_EIO when the database
 * cannot be opened (a bad URI, a refused password) or a migration fails,
 * FC_EUNAVAIL when the PostgreSQL server cannot be reached, FC_ECORRUPT
 * when the database is newer than this binary or not a database,
 * FC_ENOMEM. Reason in d (the host, user and what libpq said; never the
 * password). */
fc_err fc_store_open(const char *db, struct fc_store **out, struct fc_diag *d);
/* db as it may be shown in a log or a message: a connection URI with its
 * password replaced by "***", an SQLite path as it is; into out[size],
 * truncated. */
void fc_store_db_redact(const char *db, char *out, size_t size);
/* Settings of the connections fc_store_open makes from now on; SQLite
 * ignores them. Call once at start-up, before any thread opens one. */
struct fc_store_opts {
    int pg_statement_timeout_ms; /* statement_timeout per session; 0: none */
    int pg_connect_timeout_s;    /* unless the URI sets connect_timeout */
};
void fc_store_configure(const struct fc_store_opts *o);
/* Whether the database is reachable now: one round trip for PostgreSQL,
 * after reconnecting a lost connection (at most once per backoff: 0.1 s
 * doubling to 5 s); always FC_OK for SQLite. FC_EUNAVAIL otherwise. */
fc_err fc_store_ping(struct fc_store *st, struct fc_diag *d);
/* For a db that fc_store_open refused with FC_EUNAVAIL: 1 when it is
 * worth waiting for (a PostgreSQL server that does not answer yet, or is
 * starting up or shutting down), 0 when it answered and refused (a
 * password, a role or a database it does not have) or for SQLite. */
int fc_store_open_may_wait(const char *db);
/* Closes the connection and frees st. NULL is a no-op. */
void fc_store_close(struct fc_store *st);
/* The schema version after migration: the number of migrations applied. */
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

/* Bars of `ticker` with from_day <= day <= to_day. FC_ENOTFOUND, FC_EIO. */
fc_err fc_store_count_bars(struct fc_store *st, const char *ticker,
                           int32_t from_day, int32_t to_day, int64_t *n,
                           struct fc_diag *d);

/* ---- jobs --------------------------------------------------------------- */

/* Queues a job of `kind` ("train" or "backtest") for `ticker` with the
 * given params and initial progress (JSON texts, stored as they are), in
 * one transaction that applies the queue's rules, per kind (a backtest
 * neither blocks nor replaces a training job): when the series already has
 * a queued or running job of that kind that
 * a user asked for (auto = 0), nothing is written, *conflict_id names it
 * and the result is FC_ECONFLICT; automatic jobs in the way are cancelled
 * when is_auto = 0 (a user's request replaces them; *replaced_running_id
 * is the one among them that was running, else 0, so the caller can stop
 * its trainer), and are left alone when is_auto = 1 (then FC_ECONFLICT
 * too: an automatic job never stacks on another). On FC_OK *out is the new
 * job (the caller owns it: fc_job_fini). FC_ENOTFOUND (no such series),
 * FC_EUNAVAIL, FC_EIO, FC_ENOMEM. */
fc_err fc_store_job_create(struct fc_store *st, const char *ticker,
                           const char *kind, const char *params,
                           const char *progress, int is_auto,
                           struct fc_job *out, int64_t *conflict_id,
                           int64_t *replaced_running_id, struct fc_diag *d);

/* Job `id` into *out (owned by the caller). FC_ENOTFOUND, FC_EIO. */
fc_err fc_store_job_get(struct fc_store *st, int64_t id, struct fc_job *out,
                        struct fc_diag *d);

/* Jobs newest first, filtered by ticker (NULL: any) and state (-1: any),
 * at most limit (>= 1). *out is malloc'ed (fc_jobs_free), NULL when *n is
 * 0. FC_EIO, FC_ENOMEM. */
fc_err fc_store_job_list(struct fc_store *st, const char *ticker, int state,
                         int64_t limit, struct fc_job **out, int *n,
                         struct fc_diag *d);

/* Cancels a queued or running job at once in the database (state
 * cancelled, finished_at now) and returns it in *out; *was_running is 1
 * when it was running (its trainer must be told to stop). FC_ECONFLICT when
 * the job already finished (*out is then the job as it is), FC_ENOTFOUND,
 * FC_EUNAVAIL, FC_EIO. */
fc_err fc_store_job_cancel(struct fc_store *st, int64_t id, struct fc_job *out,
                           int *was_running, struct fc_diag *d);

/* Moves the oldest queued job (id = 0) or job `id` from queued to running
 * (started_at now) and returns it. FC_ENOTFOUND when there is none (or job
 * `id` is not queued), FC_EUNAVAIL, FC_EIO. */
fc_err fc_store_job_claim(struct fc_store *st, int64_t id, struct fc_job *out,
                          struct fc_diag *d);

/* Writes a running job's progress (JSON text). *running is 0 when the job
 * is no longer running (cancelled or deleted meanwhile). FC_EIO. */
fc_err fc_store_job_progress(struct fc_store *st, int64_t id,
                             const char *progress, int *running,
                             struct fc_diag *d);

/* A running job ends: failed with `error`, or back to queued (error NULL
 * and requeue = 1: a shutdown interrupted it). A job that is no longer
 * running is left as it is. FC_EIO, FC_EUNAVAIL. */
fc_err fc_store_job_stop(struct fc_store *st, int64_t id, int requeue,
                         const char *error, struct fc_diag *d);

/* A running job that produces no model (a backtest) succeeded with
 * `result` (JSON text, stored as it is). FC_ECANCELLED when the job is no
 * longer running (cancelled or deleted meanwhile: nothing is written),
 * FC_EUNAVAIL, FC_EIO. */
fc_err fc_store_job_finish(struct fc_store *st, int64_t id, const char *result,
                           struct fc_diag *d);
/* How many jobs are in each state, indexed by enum fc_job_state. FC_EIO. */
fc_err fc_store_job_counts(struct fc_store *st,
                           int64_t counts[FC_JOB_STATE_COUNT_],
                           struct fc_diag *d);
/* Every running job back to queued (start-up: a crash or kill interrupted
 * them); *n is how many. FC_EIO, FC_EUNAVAIL. */
fc_err fc_store_job_requeue_running(struct fc_store *st, int *n,
                                    struct fc_diag *d);

/* ---- model versions ----------------------------------------------------- */

/* Job `job_id` succeeded with model m (ticker, params, data, metrics,
 * skill, epochs_run, train_seconds, blob and evaluation (may be NULL) are
 * read; version, created_at, champion are set): in one transaction, checks
 * that the job is still running (FC_ECANCELLED otherwise: nothing is
 * stored, the partial result is dropped), stores the model as the series'
 * next version, makes it the champion when fc_promotion_decide (policy,
 * the current champion's skill, m->skill) says so, and marks the job
 * succeeded with that version. On FC_OK m->version, m->created_at and
 * m->champion are set. FC_EUNAVAIL, FC_EIO. */
fc_err fc_store_job_succeed(struct fc_store *st, int64_t job_id,
                            enum fc_promotion policy, struct fc_model_rec *m,
                            struct fc_diag *d);

/* Versions of `ticker` (NULL: every series), newest first, at most limit,
 * without blobs. *out malloc'ed (fc_model_recs_free). FC_ENOTFOUND (unknown
 * ticker), FC_EIO, FC_ENOMEM. */
fc_err fc_store_model_list(struct fc_store *st, const char *ticker,
                           int64_t limit, struct fc_model_rec **out, int *n,
                           struct fc_diag *d);

/* Version `version` of `ticker` (0: the champion), with its blob when
 * with_blob. FC_ENOTFOUND (no series, no such version, no champion),
 * FC_EIO, FC_ENOMEM. */
fc_err fc_store_model_get(struct fc_store *st, const char *ticker,
                          int64_t version, int with_blob,
                          struct fc_model_rec *out, struct fc_diag *d);

/* Makes that version the champion (in one transaction). FC_ENOTFOUND,
 * FC_EUNAVAIL, FC_EIO. */
fc_err fc_store_model_promote(struct fc_store *st, const char *ticker,
                              int64_t version, struct fc_diag *d);

/* The test period of version `version` of `ticker`, day by day, as the
 * JSON text stored with it into *out (malloc'ed), NULL for a version
 * stored before evaluations were kept. FC_ENOTFOUND (no series, no such
 * version), FC_EIO, FC_ENOMEM. */
fc_err fc_store_model_evaluation(struct fc_store *st, const char *ticker,
                                 int64_t version, char **out,
                                 struct fc_diag *d);
/* Every champion, by ticker, with blobs when with_blobs (start-up; without:
 * the metrics scrape). FC_EIO, FC_ENOMEM. */
fc_err fc_store_champions(struct fc_store *st, int with_blobs,
                          struct fc_model_rec **out, int *n, struct fc_diag *d);

/* Tickers whose newest model was created before `before` (RFC 3339 UTC):
 * the scheduled retrains. *out malloc'ed array of n tickers. FC_EIO,
 * FC_ENOMEM. */
fc_err fc_store_models_older(struct fc_store *st, const char *before,
                             char (**out)[FC_TICKER_SIZE], int *n,
                             struct fc_diag *d);

/* ---- replicas ----------------------------------------------------------- */

/* Several processes on one PostgreSQL database are one service: each
 * replica's trainer claims queued jobs under its name and holds each by a
 * lease (a time in the database's clock and a token the claim changes);
 * promotions are announced to every replica (NOTIFY on fc_champion, the
 * ticker as payload, in the transaction that changes the champion). */

/* Names the worker for the claims this connection makes and how long a
 * claim holds (lease_seconds >= 1). From then on fc_store_job_claim also
 * takes over a running job whose lease expired (it runs from the start),
 * writes worker, lease_until and a new lease token on the job;
 * fc_store_job_progress renews the lease; progress, fc_store_job_stop,
 * fc_store_job_finish and fc_store_job_succeed change the job only while
 * the token is the one this connection's claim wrote (a replica that lost
 * its job to a takeover can publish nothing); fc_store_job_requeue_running
 * requeues only the running jobs whose lease expired or that name this
 * worker. Returns 1 when the database is shared by processes (PostgreSQL),
 * 0 when it is not (SQLite: nothing changes). Cannot fail. */
int fc_store_set_worker(struct fc_store *st, const char *worker,
                        int lease_seconds);

/* What the database announces to every replica: a ticker whose champion
 * changed (NOTIFY fc_champion, at the commit that changes it), or a
 * running job that was cancelled (NOTIFY fc_job_stop, at the commit of
 * fc_store_job_cancel or of a submit that replaced it), so that the
 * replica running it stops at its next batch. One of the two is set. */
struct fc_announcement {
    char ticker[FC_TICKER_SIZE]; /* "" or the ticker */
    int64_t job_stopped;         /* 0 or the job's id */
};

/* Subscribes this connection to the announcements. FC_EIO under SQLite
 * (one process: nothing to announce), fc_pg's errors (FC_EUNAVAIL: the
 * server cannot be reached). */
fc_err fc_store_listen(struct fc_store *st, struct fc_diag *d);

/* Waits up to timeout_ms for an announcement on a connection that
 * listens: FC_OK with it in out (several announcements of one ticker may
 * arrive as one), FC_ENOTFOUND when none came in time, FC_EUNAVAIL when
 * the connection was lost (open a new one: announcements made meanwhile
 * are lost), FC_EIO. */
fc_err fc_store_wait_announcement(struct fc_store *st, int timeout_ms,
                                  struct fc_announcement *out,
                                  struct fc_diag *d);

/* ---- copying a database (forecastd copy) --------------------------------
 * Rows written as they are, so a database moves between backends whole:
 * fc_store_copy_counts gives the series, bars, model versions and jobs
 * (counts[0..3]); fc_store_series_created the series' created_at;
 * fc_store_import_series creates a series with its bars (as
 * fc_store_put_bars) and its created_at; fc_store_import_model stores a
 * version as it is (version, created_at, champion, blob, evaluation) and
 * fc_store_import_job a job with its id and every column (later jobs get
 * higher ids), each in one transaction, FC_ENOTFOUND when the series is
 * missing; fc_store_wipe removes every series, bar, version and job in one
 * transaction. FC_EUNAVAIL, FC_EIO, as above. */
fc_err fc_store_copy_counts(struct fc_store *st, int64_t counts[4],
                            struct fc_diag *d);
fc_err fc_store_series_created(struct fc_store *st, const char *ticker,
                               char out[32], struct fc_diag *d);
fc_err fc_store_import_series(struct fc_store *st, const char *ticker,
                              const char *created_at, const struct fc_bar *b,
                              int n, struct fc_diag *d);
fc_err fc_store_import_model(struct fc_store *st, const struct fc_model_rec *m,
                             struct fc_diag *d);
fc_err fc_store_import_job(struct fc_store *st, const struct fc_job *j,
                           struct fc_diag *d);
fc_err fc_store_wipe(struct fc_store *st, struct fc_diag *d);

#endif
