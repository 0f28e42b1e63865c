/* sqlite.c — the SQLite store's connection: open, migrate, close, the
 * statements, transactions, error mapping and the helpers that read rows.
 *
 * Only the files of server/store/ include sqlite3.h; they share the
 * connection struct and these helpers through sqlite_int.h. Series and bars
 * are in sqlite_bars.c, jobs in sqlite_jobs.c, model versions in
 * sqlite_models.c.
 *
 * Every statement is a constant of one table (stmt_sql, indexed by enum
 * q_id), prepared once in fc_sq_open and reset after each use, so
 * client text never becomes SQL and nothing is prepared per call. */
#include "sqlite_int.h"

#include "fileio.h"
#include "time_now.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *const fc_schema_migrations[];
extern const size_t fc_schema_n_migrations;

/* Busy timeout: long enough for another connection's 500k-row batch. */
#define BUSY_TIMEOUT_MS 30000

/* v with room for element len (cap elements of elem bytes are allocated):
 * v itself while len < *cap, else v reallocated to twice the capacity (16
 * at first). NULL when out of memory: v is then untouched and still the
 * caller's to free. Every list the store returns grows this way. */
static void *grow(void *v, int *cap, int len, size_t elem)
{
    if (len < *cap)
        return v;
    int ncap = *cap == 0 ? 16 : *cap * 2;
    void *nv = realloc(v, (size_t)ncap * elem);
    if (nv != NULL)
        *cap = ncap;
    return nv;
}

fc_err fc_sq_fail(struct fc_sq *st, int src, const char *what,
                  struct fc_diag *d)
{
    /* A full disk is its own answer (507): the write was refused whole, the
     * database is intact, and the same request succeeds once space is
     * freed. */
    fc_err e = (src == SQLITE_BUSY || src == SQLITE_LOCKED)      ? FC_EUNAVAIL
               : src == SQLITE_NOMEM                             ? FC_ENOMEM
               : (src == SQLITE_CORRUPT || src == SQLITE_NOTADB) ? FC_ECORRUPT
               : (src & 0xff) == SQLITE_FULL                     ? FC_EFULL
                                                                 : FC_EIO;
    return fc_diag_set(d, e, "%s: %s", what,
                       st != NULL && st->db != NULL ? sqlite3_errmsg(st->db)
                                                    : sqlite3_errstr(src));
}

fc_err fc_sq_collect(struct fc_sq *st, sqlite3_stmt *q, size_t size,
                     fc_sq_row_reader read, void (*fini)(void *elem),
                     const char *what, void **out, int *n, struct fc_diag *d)
{
    char *v = NULL;
    int len = 0, cap = 0, src;
    fc_err rc = FC_OK;

    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        void *nv = grow(v, &cap, len, size);
        if (nv == NULL) {
            rc = FC_ENOMEM;
            break;
        }
        v = nv;
        rc = read(q, v + (size_t)len * size);
        if (rc != FC_OK)
            break;
        len++;
    }
    if (rc == FC_OK && src != SQLITE_DONE)
        rc = fc_sq_fail(st, src, what, d);
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

static fc_err exec(struct fc_sq *st, const char *sql, struct fc_diag *d)
{
    int src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (src != SQLITE_OK)
        return fc_sq_fail(st, src, sql, d);
    return FC_OK;
}

int fc_sq_run(sqlite3_stmt *q)
{
    int src = sqlite3_step(q);
    fc_sq_reset(q);
    return src == SQLITE_DONE || src == SQLITE_ROW ? SQLITE_OK : src;
}

static fc_err migrate(struct fc_sq *st, struct fc_diag *d)
{
    fc_err rc;
    sqlite3_stmt *q = NULL;
    int version = 0;
    int src = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL);

    if (src != SQLITE_OK)
        return fc_sq_fail(st, src, "reading user_version", d);
    src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (src != SQLITE_ROW)
        return fc_sq_fail(st, src, "reading user_version", d);
    if (version > (int)fc_schema_n_migrations)
        return fc_diag_set(d, FC_ECORRUPT,
                           "database schema version %d is newer than this "
                           "binary's %d",
                           version, (int)fc_schema_n_migrations);
    for (int i = version; i < (int)fc_schema_n_migrations; i++) {
        char pragma[64];
        rc = exec(st, "BEGIN IMMEDIATE", d);
        if (rc != FC_OK)
            return rc;
        rc = exec(st, fc_schema_migrations[i], d);
        if (rc == FC_OK) {
            snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", i + 1);
            rc = exec(st, pragma, d);
        }
        if (rc == FC_OK)
            rc = exec(st, "COMMIT", d);
        if (rc != FC_OK) {
            /* The reason, read before ROLLBACK replaces it with "not an
             * error". */
            char why[200];
            snprintf(why, sizeof why, "%s", sqlite3_errmsg(st->db));
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return fc_diag_set(d, rc, "migration %d failed: %s", i + 1, why);
        }
    }
    st->schema_version = (int)fc_schema_n_migrations;
    return FC_OK;
}

/* The multi-row upsert's VALUES list, UPSERT_ROWS rows of 8 parameters:
 * a literal, so that every statement's SQL is a constant of stmt_sql. */
#define BAR_INSERT                                                             \
    "INSERT INTO bars (series_id, day, open, high, low, close, adj_close,"     \
    " volume) VALUES "
#define BAR_ROW "(?,?,?,?,?,?,?,?)"
#define BAR_ROWS_4 BAR_ROW "," BAR_ROW "," BAR_ROW "," BAR_ROW
#define BAR_ROWS_16 BAR_ROWS_4 "," BAR_ROWS_4 "," BAR_ROWS_4 "," BAR_ROWS_4
#define BAR_ROWS_64 BAR_ROWS_16 "," BAR_ROWS_16 "," BAR_ROWS_16 "," BAR_ROWS_16
#define BAR_CONFLICT                                                           \
    " ON CONFLICT (series_id, day) DO UPDATE SET open = excluded.open,"        \
    " high = excluded.high, low = excluded.low, close = excluded.close,"       \
    " adj_close = excluded.adj_close, volume = excluded.volume"                \
    " WHERE open IS NOT excluded.open OR high IS NOT excluded.high"            \
    " OR low IS NOT excluded.low OR close IS NOT excluded.close"               \
    " OR adj_close IS NOT excluded.adj_close"                                  \
    " OR volume IS NOT excluded.volume"
_Static_assert(sizeof BAR_ROWS_64 == UPSERT_ROWS * sizeof BAR_ROW,
               "Q_BAR_UPSERT_N must have UPSERT_ROWS rows");

/* A series' bar count, first and last day, champion version. First and
 * last day are one index seek each (ORDER BY ... LIMIT 1), never min() or
 * max() next to other columns, which would scan the series. */
#define SERIES_STATS                                                           \
    " s.n_bars,"                                                               \
    " (SELECT day FROM bars b WHERE b.series_id = s.id"                        \
    "  ORDER BY day ASC LIMIT 1),"                                             \
    " (SELECT day FROM bars b WHERE b.series_id = s.id"                        \
    "  ORDER BY day DESC LIMIT 1),"                                            \
    " (SELECT version FROM models m WHERE m.series_id = s.id"                  \
    "  AND m.champion = 1)"

/* The columns of a job (read_job) and of a model version (read_model; the
 * last one is the blob or NULL). */
#define JOB_COLUMNS                                                            \
    "SELECT id, kind, ticker, state, created_at, started_at,"                  \
    " finished_at, params, progress, model_version, error, auto,"              \
    " result FROM jobs"
#define MODEL_COLUMNS                                                          \
    "SELECT s.ticker, m.version, m.created_at, m.champion, m.params,"          \
    " m.data, m.metrics, m.skill, m.epochs_run, m.train_seconds,"

/* Every statement of the store. The two filtered lists (Q_JOB_LIST,
 * Q_MODEL_LIST) have fixed SQL too: an absent filter is a NULL parameter
 * (?1 IS NULL OR ...), so no statement is ever prepared per call. */
static const char *const stmt_sql[Q_COUNT_] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_BEGIN_READ] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",

    [Q_SERIES_ADD] = "INSERT INTO series (ticker, created_at)"
                     " VALUES (?1, ?2) ON CONFLICT (ticker) DO NOTHING",
    [Q_SERIES_ID] = "SELECT id FROM series WHERE ticker = ?1",
    [Q_SERIES_STATS] = "SELECT" SERIES_STATS " FROM series s WHERE s.id = ?1",
    [Q_SERIES_LIST] =
        "SELECT s.ticker," SERIES_STATS " FROM series s ORDER BY s.ticker",
    [Q_SERIES_GROW] = "UPDATE series SET n_bars = n_bars + ?2 WHERE id = ?1",
    [Q_SERIES_DEL] = "DELETE FROM series WHERE ticker = ?1",
    [Q_RANGE_COUNT] = "SELECT count(*) FROM bars WHERE series_id = ?1"
                      " AND day BETWEEN ?2 AND ?3",
    [Q_BAR_UPSERT] = BAR_INSERT BAR_ROW BAR_CONFLICT,
    [Q_BAR_UPSERT_N] = BAR_INSERT BAR_ROWS_64 BAR_CONFLICT,
    [Q_BARS_RANGE] =
        "SELECT day, open, high, low, close, adj_close, volume FROM bars"
        " WHERE series_id = ?1 AND day BETWEEN ?2 AND ?3"
        " ORDER BY day DESC LIMIT ?4",

    [Q_JOB_ACTIVE] = "SELECT id, auto, state FROM jobs WHERE series_id = ?1"
                     " AND kind = ?2 AND state IN ('queued', 'running')"
                     " ORDER BY id",
    [Q_JOB_INSERT] = "INSERT INTO jobs (kind, series_id, ticker, state, params,"
                     " created_at, progress, auto) VALUES"
                     " (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7)",
    [Q_JOB_GET] = JOB_COLUMNS " WHERE id = ?1",
    [Q_JOB_LIST] = JOB_COLUMNS " WHERE (?1 IS NULL OR ticker = ?1)"
                               " AND (?2 IS NULL OR state = ?2)"
                               " ORDER BY id DESC LIMIT ?3",
    [Q_JOB_CANCEL] = "UPDATE jobs SET state = 'cancelled', finished_at = ?2,"
                     " error = ?3 WHERE id = ?1"
                     " AND state IN ('queued', 'running')",
    [Q_JOB_NEXT] = "SELECT id FROM jobs WHERE state = 'queued'"
                   " ORDER BY id LIMIT 1",
    [Q_JOB_START] = "UPDATE jobs SET state = 'running', started_at = ?2"
                    " WHERE id = ?1 AND state = 'queued'",
    [Q_JOB_PROGRESS] = "UPDATE jobs SET progress = ?2 WHERE id = ?1"
                       " AND state = 'running'",
    [Q_JOB_FAIL] = "UPDATE jobs SET state = 'failed', finished_at = ?2,"
                   " error = ?3 WHERE id = ?1 AND state = 'running'",
    [Q_JOB_REQUEUE] = "UPDATE jobs SET state = 'queued', started_at = NULL"
                      " WHERE id = ?1 AND state = 'running'",
    [Q_JOB_REQUEUE_ALL] = "UPDATE jobs SET state = 'queued', started_at = NULL"
                          " WHERE state = 'running'",
    [Q_JOB_DONE] = "UPDATE jobs SET state = 'succeeded', finished_at = ?2,"
                   " model_version = ?3 WHERE id = ?1 AND state = 'running'",
    [Q_JOB_RESULT] = "UPDATE jobs SET state = 'succeeded', finished_at = ?2,"
                     " result = ?3 WHERE id = ?1 AND state = 'running'",
    [Q_JOB_COUNTS] = "SELECT state, count(*) FROM jobs GROUP BY state",

    [Q_MODEL_NEXT] = "SELECT coalesce(max(version), 0) + 1 FROM models"
                     " WHERE series_id = ?1",
    [Q_MODEL_CHAMP_SKILL] = "SELECT skill FROM models WHERE series_id = ?1"
                            " AND champion = 1",
    [Q_MODEL_UNCHAMP] = "UPDATE models SET champion = 0 WHERE series_id = ?1"
                        " AND champion = 1",
    [Q_MODEL_INSERT] = "INSERT INTO models (series_id, version, created_at,"
                       " champion, params, data, metrics, blob, epochs_run,"
                       " train_seconds, skill, evaluation) VALUES"
                       " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_MODEL_GET] = MODEL_COLUMNS " CASE WHEN ?3 THEN m.blob END"
                                  " FROM models m JOIN series s"
                                  " ON s.id = m.series_id"
                                  " WHERE m.series_id = ?1 AND m.version = ?2",
    [Q_MODEL_CHAMP_GET] = MODEL_COLUMNS " CASE WHEN ?3 THEN m.blob END"
                                        " FROM models m JOIN series s"
                                        " ON s.id = m.series_id"
                                        " WHERE m.series_id = ?1"
                                        " AND m.champion = 1 AND ?2 = 0",
    [Q_MODEL_LIST] = MODEL_COLUMNS " NULL FROM models m JOIN series s"
                                   " ON s.id = m.series_id"
                                   " WHERE (?1 IS NULL OR m.series_id = ?1)"
                                   " ORDER BY m.rowid DESC LIMIT ?2",
    [Q_MODEL_SET_CHAMP] = "UPDATE models SET champion = 1 WHERE series_id = ?1"
                          " AND version = ?2",
    [Q_MODEL_CHAMPIONS] = MODEL_COLUMNS " CASE WHEN ?1 THEN m.blob END"
                                        " FROM models m JOIN series s"
                                        " ON s.id = m.series_id"
                                        " WHERE m.champion = 1"
                                        " ORDER BY s.ticker",
    [Q_MODEL_OLDER] = "SELECT s.ticker FROM series s WHERE"
                      " (SELECT max(created_at) FROM models m"
                      "  WHERE m.series_id = s.id) < ?1 ORDER BY s.ticker",
    [Q_MODEL_EVAL] = "SELECT evaluation FROM models WHERE series_id = ?1"
                     " AND version = ?2",
};

/* Prepares every statement of stmt_sql into st->q. All of them at open,
 * not on first use: a connection lives as long as the process (one per
 * pooled HTTP thread, one for the trainer), preparing the lot adds under a
 * millisecond to an open (0.5 ms for 39 statements here), an SQL error fails
 * fc_sq_open (and every test) rather than some later request, and no caller
 * has a missing statement to handle. */
static fc_err prepare_all(struct fc_sq *st, struct fc_diag *d)
{
    for (int i = 0; i < Q_COUNT_; i++) {
        assert(stmt_sql[i] != NULL);
        int src =
            sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &st->q[i], NULL);
        if (src != SQLITE_OK)
            return fc_sq_fail(st, src, "prepare", d);
    }
    return FC_OK;
}

/* Process-wide SQLite settings, once, before the library initialises:
 * memory statistics off (they take a global mutex on every allocation,
 * about 5 % of a bulk upsert). */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

fc_err fc_sq_open(const char *path, struct fc_sq **out, struct fc_diag *d)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    fc_err rc;
    struct fc_sq *st = calloc(1, sizeof *st);
    int src;

    pthread_once(&once, configure_sqlite);
    if (st == NULL)
        return FC_ENOMEM;
    if (strcmp(path, ":memory:") != 0) {
        rc = fc_make_parent_dir(path, d);
        if (rc != FC_OK)
            goto done;
    }
    /* NOMUTEX: a connection is used by one thread at a time (store.h). */
    src = sqlite3_open_v2(
        path, &st->db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = fc_diag_set(d, src == SQLITE_NOMEM ? FC_ENOMEM : FC_EIO,
                         "cannot open database %s: %s", path,
                         st->db != NULL ? sqlite3_errmsg(st->db)
                                        : sqlite3_errstr(src));
        goto done;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    /* journal_mode is the first statement to read the file: a file that
     * is not a database fails here with SQLITE_NOTADB. */
    rc = exec(st, "PRAGMA journal_mode = WAL", d);
    if (rc == FC_OK)
        rc = exec(st, "PRAGMA synchronous = FULL", d);
    if (rc == FC_OK)
        rc = exec(st, "PRAGMA foreign_keys = ON", d);
    /* 32 MiB of page cache keeps a 500k-row batch from spilling mid-way. */
    if (rc == FC_OK)
        rc = exec(st, "PRAGMA cache_size = -32768", d);
    if (rc == FC_OK)
        rc = migrate(st, d);
    if (rc == FC_OK)
        rc = prepare_all(st, d);
    if (rc != FC_OK)
        goto done;
    *out = st;
    st = NULL;
done:
    fc_sq_close(st);
    return rc;
}

void fc_sq_close(struct fc_sq *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < Q_COUNT_; i++)
        sqlite3_finalize(st->q[i]); /* NULL is a no-op */
    sqlite3_close(st->db);
    free(st);
}

int fc_sq_schema_version(struct fc_sq *st)
{
    return st->schema_version;
}

void fc_sq_now(char buf[32])
{
    fc_rfc3339_now(0, buf);
}

fc_err fc_sq_begin(struct fc_sq *st, struct fc_diag *d)
{
    int src = fc_sq_run(st->q[Q_BEGIN]);
    if (src != SQLITE_OK)
        return fc_sq_fail(st, src, "begin", d);
    return FC_OK;
}

fc_err fc_sq_commit(struct fc_sq *st, struct fc_diag *d)
{
    int src = fc_sq_run(st->q[Q_COMMIT]);
    if (src != SQLITE_OK)
        return fc_sq_fail(st, src, "commit", d);
    return FC_OK;
}

void fc_sq_rollback(struct fc_sq *st)
{
    if (!sqlite3_get_autocommit(st->db))
        fc_sq_run(st->q[Q_ROLLBACK]);
}

void fc_sq_reset(sqlite3_stmt *q)
{
    if (q != NULL) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

char *fc_sq_col_dup(sqlite3_stmt *q, int i, int *oom)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(q, i);
    int n = sqlite3_column_bytes(q, i);
    char *s = malloc((size_t)n + 1);
    if (s == NULL || t == NULL) {
        free(s);
        *oom = 1;
        return NULL;
    }
    memcpy(s, t, (size_t)n);
    s[n] = '\0';
    return s;
}

void fc_sq_col_text(sqlite3_stmt *q, int i, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}
