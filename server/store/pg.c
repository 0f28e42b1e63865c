/* pg.c — the PostgreSQL store's connection: open (connect, migrate,
 * prepare), close, the statements, parameters, transactions, error mapping
 * and the helpers that read columns and rows.
 *
 * Only the pg*.c files include libpq-fe.h; they share the connection
 * struct and these helpers through pg_int.h. Series and bars are in
 * pg_bars.c, jobs in pg_jobs.c, model versions in pg_models.c.
 *
 * Every statement is a constant of one table (stmt_sql, indexed by enum
 * p_id), prepared once per connection in fc_pg_open, so client text never
 * becomes SQL and nothing is prepared per call. Parameters go as text
 * (numbers formatted exactly: %.17g round-trips a double) or binary
 * (blobs, the bars' arrays); results come back as text.
 *
 * Isolation is read committed. Each job transition is one UPDATE whose
 * WHERE names the state it leaves, which PostgreSQL re-checks on the row
 * a concurrent writer left, so only one of two can win it; writes that
 * read before they write (an ingest's counts, a job's queue rules, the
 * next version and the champion) first lock their series' row, so they
 * run one after the other per series, as under SQLite's single writer;
 * one that decides on a job's state locks the job's row (after its
 * series', always in that order).
 *
 * A lost connection is a state, not a failure of the process: the server
 * restarted, was stopped, or dropped the session (SQLSTATE class 08,
 * 57P01-57P03), or libpq found the socket closed. A call inside a
 * transaction then fails with FC_EUNAVAIL (the server rolls the
 * transaction back: nothing of it was written). The next call outside a
 * transaction first looks at the socket (PQconsumeInput sees a server
 * that has gone) and reconnects (a new connection to the same URI, then
 * the session's settings and statements again), at most once per backoff:
 * 0.1 s after the first failed try, doubling to 5 s; until then calls fail
 * at once with FC_EUNAVAIL. A reconnect that succeeds resets the backoff.
 *
 * The server's host name is looked up once per process (see "the
 * server's address" below). */
#include "pg_int.h"
#include "store_ext_int.h"

#include "time_now.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const char *const fc_pg_schema_migrations[];
extern const size_t fc_schema_n_migrations; /* the same for both backends */

/* The advisory lock that serialises migrations across processes: any
 * constant, the same in every forecastd ("forecas" in ASCII). */
#define MIGRATE_LOCK "7378707441427299"

/* Tries of a writing transaction that lost a conflict (fc_pg_again). */
#define MAX_ATTEMPTS 5

/* The backoff between reconnects: first and largest wait, in seconds. */
#define BACKOFF_MIN_S 0.1
#define BACKOFF_MAX_S 5.0

/* The session settings of every connection opened after fc_pg_configure:
 * statement_timeout (ms, 0: none) and the seconds to wait for a
 * connection unless the URI says otherwise. */
static int cfg_statement_timeout_ms = 30000;
static int cfg_connect_timeout_s = 5;

void fc_pg_configure(int statement_timeout_ms, int connect_timeout_s)
{
    cfg_statement_timeout_ms = statement_timeout_ms;
    cfg_connect_timeout_s = connect_timeout_s;
}

/* ---- the server's address ------------------------------------------------
 * A name lookup blocks for as long as the resolver takes, which libpq's
 * connect_timeout does not bound; a container engine's DNS that stops
 * answering one container for a while then holds every connection that
 * container opens. So once a connection to a URI with a single host name
 * has succeeded, the later ones to the same URI (the pool's, the
 * trainer's, the listener's, every reconnect) go to the address it reached:
 * libpq's hostaddr, with host kept for TLS and for messages. A pinned
 * connection that fails unpins the URI, and the next try looks the name up
 * again (the server may have moved). One URI at a time: a process serves
 * one database. */
static pthread_mutex_t pin_mu = PTHREAD_MUTEX_INITIALIZER;
static char *pin_db;      /* the URI pinned, or NULL */
static char pin_addr[64]; /* the numeric address its host name had */

/* Copies the address db is pinned to into addr; 0 when it is not pinned. */
static int pin_get(const char *db, char addr[64])
{
    pthread_mutex_lock(&pin_mu);
    int pinned = pin_db != NULL && strcmp(pin_db, db) == 0;
    if (pinned)
        memcpy(addr, pin_addr, sizeof pin_addr);
    pthread_mutex_unlock(&pin_mu);
    return pinned;
}

/* Pins db to the address conn reached, when conn names one host (not a
 * list, not a socket directory) and no hostaddr of its own. */
static void pin_set(const char *db, PGconn *conn)
{
    const char *host = NULL, *hostaddr = NULL;
    const char *addr = PQhostaddr(conn);
    PQconninfoOption *opts = PQconninfo(conn);

    if (opts == NULL)
        return;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "hostaddr") == 0)
            hostaddr = o->val;
    }
    if (host != NULL && *host != '\0' && *host != '/' && *host != '@' &&
        strchr(host, ',') == NULL && (hostaddr == NULL || *hostaddr == '\0') &&
        addr != NULL && *addr != '\0' && strlen(addr) < sizeof pin_addr) {
        char *copy = strdup(db);
        pthread_mutex_lock(&pin_mu);
        if (copy != NULL) {
            free(pin_db);
            pin_db = copy;
            snprintf(pin_addr, sizeof pin_addr, "%s", addr);
        }
        pthread_mutex_unlock(&pin_mu);
    }
    PQconninfoFree(opts);
}

static void pin_drop(const char *db)
{
    pthread_mutex_lock(&pin_mu);
    if (pin_db != NULL && strcmp(pin_db, db) == 0) {
        free(pin_db);
        pin_db = NULL;
    }
    pthread_mutex_unlock(&pin_mu);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A series' bar count, first and last day, champion version: first and
 * last day are one index seek each. */
#define SERIES_STATS                                                           \
    " s.n_bars,"                                                               \
    " (SELECT day FROM bars b WHERE b.series_id = s.id"                        \
    "  ORDER BY day ASC LIMIT 1),"                                             \
    " (SELECT day FROM bars b WHERE b.series_id = s.id"                        \
    "  ORDER BY day DESC LIMIT 1),"                                            \
    " (SELECT version FROM models m WHERE m.series_id = s.id"                  \
    "  AND m.champion = 1)"

/* The columns of a job (read_job: the row, then the worker and, while it
 * runs, the end of its lease as RFC 3339 UTC) and of a model version
 * (read_model; the last one is the blob or NULL). */
#define JOB_COLUMNS                                                            \
    "SELECT id, kind, ticker, state, created_at, started_at,"                  \
    " finished_at, params, progress, model_version, error, auto, result,"      \
    " worker, CASE WHEN state = 'running' THEN to_char(lease_until AT TIME"    \
    " ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END FROM jobs"
#define MODEL_COLUMNS                                                          \
    "SELECT s.ticker, m.version, m.created_at, m.champion, m.params,"          \
    " m.data, m.metrics, m.skill, m.epochs_run, m.train_seconds,"

/* The batch upsert: arrays of the bars' columns (binary parameters),
 * unnested into rows, inserted or updated by (series, day). An update's
 * WHERE skips identical rows, so RETURNING lists exactly the rows
 * inserted or changed; xmax = 0 tells an inserted row (no earlier version)
 * from an updated one. */
#define BAR_UPSERT                                                             \
    "WITH up AS (INSERT INTO bars AS b (series_id, day, open, high, low,"      \
    " close, adj_close, volume) SELECT $1, r.* FROM unnest($2::int4[],"        \
    " $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],"   \
    " $8::int8[]) AS r ON CONFLICT (series_id, day) DO UPDATE SET"             \
    " open = excluded.open, high = excluded.high, low = excluded.low,"         \
    " close = excluded.close, adj_close = excluded.adj_close,"                 \
    " volume = excluded.volume WHERE (b.open, b.high, b.low, b.close,"         \
    " b.adj_close, b.volume) IS DISTINCT FROM (excluded.open, excluded.high,"  \
    " excluded.low, excluded.close, excluded.adj_close, excluded.volume)"      \
    " RETURNING xmax = 0 AS inserted)"                                         \
    " SELECT count(*) FILTER (WHERE inserted), count(*) FROM up"

/* Every statement of the store. The filtered lists have fixed SQL: an
 * absent filter is a NULL parameter ($1 IS NULL OR ...). */
static const char *const stmt_sql[P_COUNT_] = {
    [P_SERIES_ADD] = "INSERT INTO series (ticker, created_at)"
                     " VALUES ($1, $2) ON CONFLICT (ticker) DO NOTHING",
    [P_SERIES_ID] = "SELECT id FROM series WHERE ticker = $1",
    [P_SERIES_LOCK] = "SELECT id FROM series WHERE ticker = $1 FOR UPDATE",
    [P_SERIES_STATS] = "SELECT" SERIES_STATS " FROM series s WHERE s.id = $1",
    [P_SERIES_LIST] =
        "SELECT s.ticker," SERIES_STATS " FROM series s ORDER BY s.ticker",
    [P_SERIES_GROW] = "UPDATE series SET n_bars = n_bars + $2 WHERE id = $1",
    [P_SERIES_DEL] = "DELETE FROM series WHERE id = $1",
    [P_RANGE_COUNT] = "SELECT count(*) FROM bars WHERE series_id = $1"
                      " AND day BETWEEN $2 AND $3",
    [P_BAR_UPSERT] = BAR_UPSERT,
    [P_BARS_DEL] = "DELETE FROM bars WHERE series_id = $1",
    [P_BARS_RANGE] =
        "SELECT s.id, b.day, b.open, b.high, b.low, b.close, b.adj_close,"
        " b.volume FROM series s LEFT JOIN LATERAL (SELECT * FROM bars"
        " WHERE series_id = s.id AND day BETWEEN $2 AND $3"
        " ORDER BY day DESC LIMIT $4) b ON true WHERE s.ticker = $1",

    [P_JOB_ACTIVE] = "SELECT id, auto, state FROM jobs WHERE series_id = $1"
                     " AND kind = $2 AND state IN ('queued', 'running')"
                     " ORDER BY id",
    [P_JOB_INSERT] = "INSERT INTO jobs (kind, series_id, ticker, state, params,"
                     " created_at, progress, auto) VALUES"
                     " ($1, $2, $3, 'queued', $4, $5, $6, $7) RETURNING id",
    [P_JOB_GET] = JOB_COLUMNS " WHERE id = $1",
    [P_JOB_LOCK] = JOB_COLUMNS " WHERE id = $1 FOR UPDATE",
    [P_JOB_LIST] = JOB_COLUMNS
    " WHERE ($1::text IS NULL OR ticker = $1)"
    " AND ($2::text IS NULL OR state = $2) ORDER BY id DESC LIMIT $3",
    [P_JOB_CANCEL] = "UPDATE jobs SET state = 'cancelled', finished_at = $2,"
                     " error = $3 WHERE id = $1"
                     " AND state IN ('queued', 'running')",
    [P_JOB_NEXT] =
        "SELECT id FROM jobs WHERE (state = 'queued' OR (state = 'running'"
        " AND (lease_until IS NULL OR lease_until < now())))"
        " AND ($1::bigint = 0 OR id = $1) ORDER BY id LIMIT 1"
        " FOR UPDATE SKIP LOCKED",
    [P_JOB_START] =
        "UPDATE jobs SET state = 'running', started_at = $2, worker = $3,"
        " lease_until = now() + make_interval(secs => $4),"
        " lease_token = lease_token + 1 WHERE id = $1 RETURNING lease_token",
    [P_JOB_PROGRESS] =
        "UPDATE jobs SET progress = $2, lease_until = CASE WHEN $4::bigint IS"
        " NULL THEN lease_until ELSE now() + make_interval(secs => $3) END"
        " WHERE id = $1 AND state = 'running'"
        " AND ($4::bigint IS NULL OR lease_token = $4)",
    [P_JOB_FAIL] =
        "UPDATE jobs SET state = 'failed', finished_at = $2, error = $3,"
        " lease_until = NULL WHERE id = $1 AND state = 'running'"
        " AND ($4::bigint IS NULL OR lease_token = $4)",
    [P_JOB_REQUEUE] =
        "UPDATE jobs SET state = 'queued', started_at = NULL, worker = NULL,"
        " lease_until = NULL WHERE id = $1 AND state = 'running'"
        " AND ($2::bigint IS NULL OR lease_token = $2)",
    [P_JOB_REQUEUE_ALL] =
        "UPDATE jobs SET state = 'queued', started_at = NULL, worker = NULL,"
        " lease_until = NULL WHERE state = 'running' AND (lease_until IS NULL"
        " OR lease_until < now() OR worker IS NOT DISTINCT FROM $1)",
    [P_JOB_DONE] =
        "UPDATE jobs SET state = 'succeeded', finished_at = $2,"
        " model_version = $3, lease_until = NULL WHERE id = $1"
        " AND state = 'running' AND ($4::bigint IS NULL OR lease_token = $4)",
    [P_JOB_RESULT] =
        "UPDATE jobs SET state = 'succeeded', finished_at = $2, result = $3,"
        " lease_until = NULL WHERE id = $1 AND state = 'running'"
        " AND ($4::bigint IS NULL OR lease_token = $4)",
    [P_JOB_COUNTS] = "SELECT state, count(*) FROM jobs GROUP BY state",
    [P_JOB_RESERVE] = "SELECT nextval(pg_get_serial_sequence('jobs', 'id'))",
    [P_JOB_INSERT_ID] =
        "INSERT INTO jobs (id, kind, series_id, ticker, state, params,"
        " created_at, progress, auto) VALUES ($8, $1, $2, $3, 'queued', $4, $5,"
        " $6, $7)",
    [P_NOTIFY] = "SELECT pg_notify('" FC_PG_CHAMPION_CHANNEL "', $1)",
    [P_NOTIFY_STOP] = "SELECT pg_notify('" FC_PG_JOB_STOP_CHANNEL "', $1)",

    [P_MODEL_NEXT] = "SELECT coalesce(max(version), 0) + 1 FROM models"
                     " WHERE series_id = $1",
    [P_MODEL_CHAMP_SKILL] = "SELECT skill FROM models WHERE series_id = $1"
                            " AND champion = 1",
    [P_MODEL_UNCHAMP] = "UPDATE models SET champion = 0 WHERE series_id = $1"
                        " AND champion = 1",
    [P_MODEL_INSERT] = "INSERT INTO models (series_id, version, created_at,"
                       " champion, params, data, metrics, blob, epochs_run,"
                       " train_seconds, skill, evaluation) VALUES"
                       " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    [P_MODEL_GET] = MODEL_COLUMNS " CASE WHEN $3::int <> 0 THEN m.blob END"
                                  " FROM models m JOIN series s"
                                  " ON s.id = m.series_id"
                                  " WHERE m.series_id = $1 AND m.version = $2",
    [P_MODEL_CHAMP_GET] = MODEL_COLUMNS
    " CASE WHEN $3::int <> 0 THEN m.blob END"
    " FROM models m JOIN series s ON s.id = m.series_id"
    " WHERE m.series_id = $1 AND m.champion = 1 AND $2::bigint = 0",
    [P_MODEL_LIST] = MODEL_COLUMNS " NULL::bytea FROM models m JOIN series s"
                                   " ON s.id = m.series_id"
                                   " WHERE ($1::bigint IS NULL"
                                   " OR m.series_id = $1)"
                                   " ORDER BY m.seq DESC LIMIT $2",
    [P_MODEL_SET_CHAMP] = "UPDATE models SET champion = 1 WHERE series_id = $1"
                          " AND version = $2",
    [P_MODEL_CHAMPIONS] =
        MODEL_COLUMNS " CASE WHEN $1::int <> 0 THEN m.blob END"
                      " FROM models m JOIN series s ON s.id = m.series_id"
                      " WHERE m.champion = 1 ORDER BY s.ticker",
    [P_MODEL_OLDER] = "SELECT s.ticker FROM series s WHERE"
                      " (SELECT max(created_at) FROM models m"
                      "  WHERE m.series_id = s.id) < $1 ORDER BY s.ticker",
    [P_MODEL_EVAL] = "SELECT evaluation FROM models WHERE series_id = $1"
                     " AND version = $2",
};

/* ---- parameters --------------------------------------------------------- */

static void arg_set(struct pg_args *a, const char *v, int len, int fmt)
{
    assert(a->n < PG_MAX_ARGS);
    a->v[a->n] = v;
    a->len[a->n] = len;
    a->fmt[a->n] = fmt;
    a->n++;
}

void fc_pg_arg_i64(struct pg_args *a, int64_t x)
{
    assert(a->n < PG_MAX_ARGS);
    snprintf(a->num[a->n], sizeof a->num[0], "%lld", (long long)x);
    arg_set(a, a->num[a->n], 0, 0);
}

void fc_pg_arg_f64(struct pg_args *a, double x)
{
    assert(a->n < PG_MAX_ARGS);
    if (isnan(x) || isinf(x)) {
        arg_set(a, NULL, 0, 0);
        return;
    }
    snprintf(a->num[a->n], sizeof a->num[0], "%.17g", x);
    arg_set(a, a->num[a->n], 0, 0);
}

void fc_pg_arg_text(struct pg_args *a, const char *s)
{
    arg_set(a, s, 0, 0);
}

void fc_pg_arg_bin(struct pg_args *a, const void *p, size_t len)
{
    /* A zero-length value still needs a non-NULL pointer (NULL is SQL
     * NULL). */
    arg_set(a, len > 0 ? p : "", (int)len, 1);
}

/* ---- errors ------------------------------------------------------------- */

/* msg without its trailing newlines and with the password, should libpq
 * ever quote it, replaced by "***", into out[size]. */
static void clean_message(const char *msg, const char *pw, size_t pw_len,
                          char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = msg; *p != '\0' && o + 1 < size;) {
        if (pw_len > 0 && strncmp(p, pw, pw_len) == 0) {
            int k = snprintf(out + o, size - o, "***");
            o += k > 0 && (size_t)k < size - o ? (size_t)k : size - o - 1;
            p += pw_len;
            continue;
        }
        out[o++] = *p == '\n' || *p == '\t' ? ' ' : *p;
        p++;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

/* Whether SQLSTATE s means the server cannot serve now: a connection
 * exception (class 08), too many connections, a shutdown, a lock or
 * statement timeout. */
static int unavailable(const char *s)
{
    static const char *const codes[] = {"53300", "57P01", "57P02", "57P03",
                                        "55P03", "57014", "25006"};
    if (strncmp(s, "08", 2) == 0)
        return 1;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(s, codes[i]) == 0)
            return 1;
    return 0;
}

fc_err fc_pg_fail(struct fc_pg *st, const PGresult *r, const char *what,
                  struct fc_diag *d)
{
    char msg[200];
    const char *s = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r != NULL ? PQresultErrorMessage(r) : "";
    fc_err e;

    if (m == NULL || *m == '\0')
        m = PQerrorMessage(st->conn);
    clean_message(m, NULL, 0, msg, sizeof msg);
    st->retry = 0;
    if (PQstatus(st->conn) == CONNECTION_BAD)
        st->broken = 1;
    if (s == NULL) {
        /* No SQLSTATE: libpq itself failed (the connection broke, or no
         * memory for a result). A socket that has seen the server go
         * makes the connection bad. */
        if (PQstatus(st->conn) == CONNECTION_OK && r != NULL &&
            PQconsumeInput(st->conn) == 0)
            st->broken = 1;
        e = st->broken || PQstatus(st->conn) == CONNECTION_BAD ? FC_EUNAVAIL
            : r == NULL                                        ? FC_ENOMEM
                                                               : FC_EIO;
    } else if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 ||
               strcmp(s, "23505") == 0) {
        /* Serialization failure, deadlock, a key taken meanwhile: the
         * transaction lost a race, and running it again can win. */
        st->retry = 1;
        e = FC_EUNAVAIL;
    } else if (unavailable(s)) {
        /* A connection exception or the server ending the session: this
         * session is gone, whatever libpq's status says yet. */
        if (strncmp(s, "08", 2) == 0 || strncmp(s, "57P0", 4) == 0)
            st->broken = 1;
        e = FC_EUNAVAIL;
    } else if (strcmp(s, "53100") == 0) {
        /* Disk full: the write was refused whole (507), and the same
         * request succeeds once space is freed. */
        e = FC_EFULL;
    } else if (strcmp(s, "53200") == 0) {
        e = FC_ENOMEM;
    } else if (strcmp(s, "XX001") == 0 || strcmp(s, "XX002") == 0) {
        e = FC_ECORRUPT;
    } else {
        e = FC_EIO;
    }
    return fc_diag_set(d, e, "%s: %s", what, msg);
}

/* ---- execution ---------------------------------------------------------- */

/* The name of prepared statement id ("s0", "s1", ...). */
static void stmt_name(int id, char buf[16])
{
    snprintf(buf, 16, "s%d", id);
}

static fc_err session_setup(struct fc_pg *st, struct fc_diag *d);
static fc_err connect_db(struct fc_pg *st, const char *db, struct fc_diag *d);

/* See pg_int.h. */
fc_err fc_pg_usable(struct fc_pg *st, struct fc_diag *d)
{
    if (st->in_tx)
        return FC_OK;
    if (!st->broken && PQstatus(st->conn) == CONNECTION_OK &&
        (PQconsumeInput(st->conn) == 0 || PQstatus(st->conn) != CONNECTION_OK))
        st->broken = 1;
    if (!st->broken && PQstatus(st->conn) == CONNECTION_OK)
        return FC_OK;
    double now = mono_s();
    if (now < st->next_try)
        return fc_diag_set(d, FC_EUNAVAIL,
                           "PostgreSQL connection lost; reconnecting "
                           "(next try in %.1f s)",
                           st->next_try - now);
    PQfinish(st->conn);
    fc_err rc = connect_db(st, st->db, d);
    if (rc == FC_OK) {
        st->broken = 0;
        rc = session_setup(st, d);
        if (rc == FC_OK) {
            st->backoff_s = 0;
            st->next_try = 0;
            return FC_OK;
        }
    }
    st->broken = 1;
    st->backoff_s = st->backoff_s <= 0                  ? BACKOFF_MIN_S
                    : st->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S
                                                        : st->backoff_s * 2;
    st->next_try = mono_s() + st->backoff_s;
    return rc == FC_ENOMEM ? rc : FC_EUNAVAIL;
}

fc_err fc_pg_result(struct fc_pg *st, PGresult *r, const char *what,
                    PGresult **out, struct fc_diag *d)
{
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        fc_err rc = fc_pg_fail(st, r, what, d);
        PQclear(r);
        return rc;
    }
    if (out != NULL)
        *out = r;
    else
        PQclear(r);
    return FC_OK;
}

fc_err fc_pg_query(struct fc_pg *st, enum p_id id, const struct pg_args *a,
                   const char *what, PGresult **out, struct fc_diag *d)
{
    char name[16];
    fc_err urc = fc_pg_usable(st, d);
    if (urc != FC_OK)
        return urc;
    stmt_name(id, name);
    return fc_pg_result(st,
                        PQexecPrepared(st->conn, name, a != NULL ? a->n : 0,
                                       a != NULL ? a->v : NULL,
                                       a != NULL ? a->len : NULL,
                                       a != NULL ? a->fmt : NULL, 0),
                        what, out, d);
}

fc_err fc_pg_cmd(struct fc_pg *st, enum p_id id, const struct pg_args *a,
                 const char *what, int64_t *changes, struct fc_diag *d)
{
    PGresult *r = NULL;
    fc_err rc = fc_pg_query(st, id, a, what, &r, d);
    if (rc != FC_OK)
        return rc;
    if (changes != NULL)
        *changes = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return FC_OK;
}

/* Runs sql on the connection as it is. */
static fc_err exec_raw(struct fc_pg *st, const char *sql, struct fc_diag *d)
{
    return fc_pg_result(st, PQexec(st->conn, sql), sql, NULL, d);
}

fc_err fc_pg_exec(struct fc_pg *st, const char *sql, struct fc_diag *d)
{
    fc_err rc = fc_pg_usable(st, d);
    return rc != FC_OK ? rc : exec_raw(st, sql, d);
}

fc_err fc_pg_begin(struct fc_pg *st, struct fc_diag *d)
{
    fc_err rc = fc_pg_exec(st, "BEGIN", d);
    /* BEGIN on a connection whose server restarted since the last look:
     * nothing was done yet, so it is safe to reconnect and begin again. */
    if (rc == FC_EUNAVAIL && st->broken && st->next_try <= mono_s())
        rc = fc_pg_exec(st, "BEGIN", d);
    st->in_tx = rc == FC_OK;
    return rc;
}

fc_err fc_pg_commit(struct fc_pg *st, struct fc_diag *d)
{
    fc_err rc = exec_raw(st, "COMMIT", d);
    st->in_tx = 0;
    return rc;
}

void fc_pg_rollback(struct fc_pg *st)
{
    st->in_tx = 0;
    if (PQstatus(st->conn) == CONNECTION_OK &&
        PQtransactionStatus(st->conn) != PQTRANS_IDLE)
        PQclear(PQexec(st->conn, "ROLLBACK"));
}

fc_err fc_pg_ping(struct fc_pg *st, struct fc_diag *d)
{
    return fc_pg_exec(st, "SELECT 1", d);
}

int fc_pg_again(struct fc_pg *st, fc_err rc, int *attempt)
{
    int again = rc == FC_EUNAVAIL && st->retry && ++*attempt < MAX_ATTEMPTS;
    st->retry = 0;
    if (again) {
        /* 1, 2, 4, 8 ms: the winner of the race is usually done by then. */
        struct timespec ts = {0, 1000000L << (*attempt - 1)};
        nanosleep(&ts, NULL);
    }
    return again;
}

void fc_pg_now(char buf[32])
{
    fc_rfc3339_now(0, buf);
}

/* ---- columns and rows --------------------------------------------------- */

int fc_pg_null(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c);
}

int64_t fc_pg_i64(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? 0 : strtoll(PQgetvalue(r, i, c), NULL, 10);
}

double fc_pg_f64(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? NAN : strtod(PQgetvalue(r, i, c), NULL);
}

char *fc_pg_dup(const PGresult *r, int i, int c, int *oom)
{
    if (PQgetisnull(r, i, c))
        return NULL;
    char *s = strdup(PQgetvalue(r, i, c));
    if (s == NULL)
        *oom = 1;
    return s;
}

void fc_pg_text(const PGresult *r, int i, int c, char *out, size_t size)
{
    snprintf(out, size, "%s", PQgetvalue(r, i, c)); /* "" for NULL */
}

fc_err fc_pg_collect(const PGresult *r, size_t size, fc_pg_row_reader read,
                     void (*fini)(void *elem), void **out, int *n)
{
    int rows = PQntuples(r);
    char *v = NULL;
    int len = 0;
    fc_err rc = FC_OK;

    if (rows > 0) {
        v = malloc((size_t)rows * size);
        if (v == NULL)
            return FC_ENOMEM;
    }
    for (; len < rows; len++) {
        rc = read(r, len, v + (size_t)len * size);
        if (rc != FC_OK)
            break;
    }
    if (rc != FC_OK) {
        for (int i = 0; fini != NULL && i < len; i++)
            fini(v + (size_t)i * size);
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return FC_OK;
}

/* ---- open, migrate, close ----------------------------------------------- */

/* libpq's notices (NOTICE: relation already exists, ...) are not for the
 * service's log. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Applies the pending migrations of schema/pg/ in one transaction, under
 * an advisory lock held to its end: a second process starting at once
 * waits, then finds them applied. schema_migrations has one row per step
 * applied, 1 .. n; the highest is the schema's version. */
static fc_err migrate(struct fc_pg *st, struct fc_diag *d)
{
    const int n = (int)fc_schema_n_migrations;
    PGresult *r = NULL;
    int version = 0;
    fc_err rc = fc_pg_begin(st, d);

    if (rc == FC_OK)
        rc = fc_pg_exec(st,
                        "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ");"
                        " CREATE TABLE IF NOT EXISTS schema_migrations ("
                        " version integer PRIMARY KEY,"
                        " applied_at timestamptz NOT NULL DEFAULT now())",
                        d);
    if (rc == FC_OK) {
        r = PQexec(st->conn,
                   "SELECT coalesce(max(version), 0) FROM schema_migrations");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            version = (int)fc_pg_i64(r, 0, 0);
        else
            rc = fc_pg_fail(st, r, "reading schema_migrations", d);
        PQclear(r);
    }
    if (rc == FC_OK && version > n)
        rc = fc_diag_set(d, FC_ECORRUPT,
                         "database schema version %d is newer than this "
                         "binary's %d",
                         version, n);
    for (int i = version; rc == FC_OK && i < n; i++) {
        char sql[96];
        struct fc_diag why;
        fc_diag_init(&why);
        rc = fc_pg_exec(st, fc_pg_schema_migrations[i], &why);
        if (rc == FC_OK) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO schema_migrations (version) VALUES (%d)",
                     i + 1);
            rc = fc_pg_exec(st, sql, &why);
        }
        if (rc != FC_OK)
            rc = fc_diag_set(d, rc, "migration %d failed: %.200s", i + 1,
                             why.msg);
    }
    if (rc == FC_OK)
        rc = fc_pg_commit(st, d);
    if (rc != FC_OK) {
        fc_pg_rollback(st);
        return rc;
    }
    st->schema_version = n;
    return FC_OK;
}

/* Prepares every statement of stmt_sql on the connection, once: an SQL
 * error fails fc_pg_open (and every test) rather than some request. */
static fc_err prepare_all(struct fc_pg *st, struct fc_diag *d)
{
    for (int i = 0; i < P_COUNT_; i++) {
        char name[16];
        assert(stmt_sql[i] != NULL);
        stmt_name(i, name);
        PGresult *r = PQprepare(st->conn, name, stmt_sql[i], 0, NULL);
        fc_err rc = FC_OK;
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char what[48];
            snprintf(what, sizeof what, "preparing statement %d", i);
            rc = fc_pg_fail(st, r, what, d);
        }
        PQclear(r);
        if (rc != FC_OK)
            return rc;
    }
    return FC_OK;
}

/* Connects to db. A URI libpq cannot parse is FC_EIO; a server that
 * refuses or cannot be reached is FC_EUNAVAIL, with which host, port,
 * user and database, and what libpq said (never the password). */
static fc_err connect_db(struct fc_pg *st, const char *db, struct fc_diag *d)
{
    char shown[256], msg[200];
    size_t pw_off = 0, pw_len = 0;
    const char *pw = NULL;
    char *err = NULL;

    fc_store_db_redact(db, shown, sizeof shown);
    if (fc_store_db_password(db, &pw_off, &pw_len))
        pw = db + pw_off;
    PQconninfoOption *opts = PQconninfoParse(db, &err);
    if (opts == NULL) {
        clean_message(err != NULL ? err : "out of memory", pw, pw_len, msg,
                      sizeof msg);
        PQfreemem(err);
        return fc_diag_set(d, FC_EIO, "invalid PostgreSQL URI %s: %s", shown,
                           msg);
    }
    PQconninfoFree(opts);
    /* Defaults first: the URI's own settings, expanded from dbname, come
     * later and win. The pinned address, if any, is one of the defaults. */
    char timeout[16], addr[64];
    snprintf(timeout, sizeof timeout, "%d", cfg_connect_timeout_s);
    int pinned = pin_get(db, addr);
    const char *const keys[] = {"connect_timeout", "fallback_application_name",
                                "client_encoding", "hostaddr",
                                "dbname",          NULL};
    const char *const vals[] = {
        timeout, "forecastd", "UTF8", pinned ? addr : "", db, NULL};
    st->conn = PQconnectdbParams(keys, vals, 1);
    if (st->conn == NULL)
        return FC_ENOMEM;
    if (PQstatus(st->conn) != CONNECTION_OK) {
        if (pinned)
            pin_drop(db);
        const char *host = PQhost(st->conn);
        const char *port = PQport(st->conn);
        const char *user = PQuser(st->conn);
        const char *name = PQdb(st->conn);
        clean_message(PQerrorMessage(st->conn), pw, pw_len, msg, sizeof msg);
        return fc_diag_set(d, FC_EUNAVAIL,
                           "cannot connect to PostgreSQL at %s port %s as "
                           "user %s, database %s: %s",
                           host != NULL && *host ? host : "(default)",
                           port != NULL && *port ? port : "(default)",
                           user != NULL && *user ? user : "(default)",
                           name != NULL && *name ? name : "(default)", msg);
    }
    if (!pinned)
        pin_set(db, st->conn);
    PQsetNoticeProcessor(st->conn, quiet, NULL);
    return FC_OK;
}

/* The session's settings and its prepared statements, after a connect
 * or a reconnect (and after the migrations, which run without a
 * statement timeout). Doubles come back exact (the shortest text that
 * round-trips), and a commit returns once its WAL is flushed, whatever
 * the server's defaults: an acknowledged write is durable. */
static fc_err session_setup(struct fc_pg *st, struct fc_diag *d)
{
    char sql[200];
    st->in_tx = 0;
    snprintf(sql, sizeof sql,
             "SET extra_float_digits = 3; SET synchronous_commit = on;"
             " SET client_min_messages = warning;"
             " SET statement_timeout = %d",
             st->statement_timeout_ms);
    fc_err rc = exec_raw(st, sql, d);
    return rc != FC_OK ? rc : prepare_all(st, d);
}

int fc_pg_server_answers(const char *db)
{
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", cfg_connect_timeout_s);
    const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *const vals[] = {timeout, db, NULL};
    return PQpingParams(keys, vals, 1) == PQPING_OK;
}

fc_err fc_pg_open(const char *db, struct fc_pg **out, struct fc_diag *d)
{
    struct fc_pg *st = calloc(1, sizeof *st);
    fc_err rc;

    if (st == NULL)
        return FC_ENOMEM;
    st->statement_timeout_ms = cfg_statement_timeout_ms;
    st->db = strdup(db);
    if (st->db == NULL) {
        free(st);
        return FC_ENOMEM;
    }
    rc = connect_db(st, db, d);
    if (rc == FC_OK)
        rc = exec_raw(st, "SET client_min_messages = warning", d);
    if (rc == FC_OK)
        rc = migrate(st, d);
    if (rc == FC_OK)
        rc = session_setup(st, d);
    if (rc != FC_OK) {
        fc_pg_close(st);
        return rc;
    }
    *out = st;
    return FC_OK;
}

void fc_pg_close(struct fc_pg *st)
{
    if (st == NULL)
        return;
    PQfinish(st->conn); /* NULL is a no-op */
    free(st->db);
    free(st);
}

int fc_pg_schema_version(struct fc_pg *st)
{
    return st->schema_version;
}
