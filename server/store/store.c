/* store.c — the SQLite store's connection: open, migrate, close, the
 * statements, transactions, error mapping and the helpers that read rows.
 *
 * Only the files of server/store/ include sqlite3.h; they share the
 * connection struct and these helpers through store_int.h. Series and bars
 * are in bars.c, jobs in jobs.c, model versions in models.c.
 *
 * Every statement is prepared once and reset after use, so client text
 * never becomes SQL. The bars' statements are prepared in fc_store_open,
 * the jobs' and models' on first use (fc_store_stmt). */
#include "store_int.h"

#include "time_now.h"

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

fc_err fc_store_fail(struct fc_store *st, int src, const char *what,
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

fc_err fc_store_collect(struct fc_store *st, sqlite3_stmt *q, size_t size,
                        fc_store_row_reader read, void (*fini)(void *elem),
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
        rc = fc_store_fail(st, src, what, d);
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

static fc_err exec(struct fc_store *st, const char *sql, struct fc_diag *d)
{
    int src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (src != SQLITE_OK)
        return fc_store_fail(st, src, sql, d);
    return FC_OK;
}

int fc_store_run(sqlite3_stmt *q)
{
    int src = sqlite3_step(q);
    sqlite3_reset(q);
    return src == SQLITE_DONE || src == SQLITE_ROW ? SQLITE_OK : src;
}

static fc_err migrate(struct fc_store *st, struct fc_diag *d)
{
    fc_err rc;
    sqlite3_stmt *q = NULL;
    int version = 0;
    int src = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL);

    if (src != SQLITE_OK)
        return fc_store_fail(st, src, "reading user_version", d);
    src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (src != SQLITE_ROW)
        return fc_store_fail(st, src, "reading user_version", d);
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

static fc_err prepare(struct fc_store *st, sqlite3_stmt **q, const char *sql,
                      struct fc_diag *d)
{
    int src =
        sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL);
    if (src != SQLITE_OK)
        return fc_store_fail(st, src, "prepare", d);
    return FC_OK;
}

static fc_err prepare_all(struct fc_store *st, struct fc_diag *d)
{
    /* first/last day: one index seek each (ORDER BY ... LIMIT 1), never
     * min()/max() next to other columns, which would scan the series. */
    static const char series_stats[] =
        "SELECT s.n_bars,"
        " (SELECT day FROM bars b WHERE b.series_id = s.id"
        "  ORDER BY day ASC LIMIT 1),"
        " (SELECT day FROM bars b WHERE b.series_id = s.id"
        "  ORDER BY day DESC LIMIT 1),"
        " (SELECT version FROM models m WHERE m.series_id = s.id"
        "  AND m.champion = 1)"
        " FROM series s WHERE s.id = ?1";
    static const char series_list[] =
        "SELECT s.ticker, s.n_bars,"
        " (SELECT day FROM bars b WHERE b.series_id = s.id"
        "  ORDER BY day ASC LIMIT 1),"
        " (SELECT day FROM bars b WHERE b.series_id = s.id"
        "  ORDER BY day DESC LIMIT 1),"
        " (SELECT version FROM models m WHERE m.series_id = s.id"
        "  AND m.champion = 1)"
        " FROM series s ORDER BY s.ticker";
    static const char range_count[] =
        "SELECT count(*) FROM bars WHERE series_id = ?1"
        " AND day BETWEEN ?2 AND ?3";
    static const char bar_insert[] =
        "INSERT INTO bars (series_id, day, open, high, low, close, adj_close,"
        " volume) VALUES ";
    static const char bar_conflict[] =
        " ON CONFLICT (series_id, day) DO UPDATE SET open = excluded.open,"
        " high = excluded.high, low = excluded.low, close = excluded.close,"
        " adj_close = excluded.adj_close, volume = excluded.volume"
        " WHERE open IS NOT excluded.open OR high IS NOT excluded.high"
        " OR low IS NOT excluded.low OR close IS NOT excluded.close"
        " OR adj_close IS NOT excluded.adj_close"
        " OR volume IS NOT excluded.volume";
    char bar_upsert[1024];
    char bar_upsert_n[UPSERT_ROWS * 20 + 1024];
    snprintf(bar_upsert, sizeof bar_upsert, "%s(?,?,?,?,?,?,?,?)%s", bar_insert,
             bar_conflict);
    size_t pos =
        (size_t)snprintf(bar_upsert_n, sizeof bar_upsert_n, "%s", bar_insert);
    for (int i = 0; i < UPSERT_ROWS; i++)
        pos += (size_t)snprintf(bar_upsert_n + pos, sizeof bar_upsert_n - pos,
                                "%s(?,?,?,?,?,?,?,?)", i > 0 ? "," : "");
    snprintf(bar_upsert_n + pos, sizeof bar_upsert_n - pos, "%s", bar_conflict);
    static const char bars_range[] =
        "SELECT day, open, high, low, close, adj_close, volume FROM bars"
        " WHERE series_id = ?1 AND day BETWEEN ?2 AND ?3"
        " ORDER BY day DESC LIMIT ?4";
    const struct {
        sqlite3_stmt **q;
        const char *sql;
    } all[] = {
        {&st->q_begin, "BEGIN IMMEDIATE"},
        {&st->q_begin_read, "BEGIN"},
        {&st->q_commit, "COMMIT"},
        {&st->q_rollback, "ROLLBACK"},
        {&st->q_series_add, "INSERT INTO series (ticker, created_at)"
                            " VALUES (?1, ?2) ON CONFLICT (ticker) DO NOTHING"},
        {&st->q_series_id, "SELECT id FROM series WHERE ticker = ?1"},
        {&st->q_series_stats, series_stats},
        {&st->q_range_count, range_count},
        {&st->q_series_grow,
         "UPDATE series SET n_bars = n_bars + ?2 WHERE id = ?1"},
        {&st->q_series_list, series_list},
        {&st->q_series_del, "DELETE FROM series WHERE ticker = ?1"},
        {&st->q_bar_upsert, bar_upsert},
        {&st->q_bar_upsert_n, bar_upsert_n},
        {&st->q_bars_range, bars_range},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        fc_err rc = prepare(st, all[i].q, all[i].sql, d);
        if (rc != FC_OK)
            return rc;
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

fc_err fc_store_open(const char *path, struct fc_store **out, struct fc_diag *d)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    fc_err rc;
    struct fc_store *st = calloc(1, sizeof *st);
    int src;

    pthread_once(&once, configure_sqlite);
    if (st == NULL)
        return FC_ENOMEM;
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
    fc_store_close(st);
    return rc;
}

void fc_store_close(struct fc_store *st)
{
    if (st == NULL)
        return;
    sqlite3_stmt *all[] = {
        st->q_begin,        st->q_begin_read, st->q_range_count,
        st->q_series_grow,  st->q_commit,     st->q_rollback,
        st->q_series_add,   st->q_series_id,  st->q_series_stats,
        st->q_series_list,  st->q_series_del, st->q_bar_upsert,
        st->q_bar_upsert_n, st->q_bars_range};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    for (size_t i = 0; i < sizeof st->lazy / sizeof st->lazy[0]; i++)
        sqlite3_finalize(st->lazy[i]);
    sqlite3_close(st->db);
    free(st);
}

int fc_store_schema_version(struct fc_store *st)
{
    return st->schema_version;
}

void fc_store_now(char buf[32])
{
    fc_rfc3339_now(0, buf);
}

fc_err fc_store_begin(struct fc_store *st, struct fc_diag *d)
{
    int src = fc_store_run(st->q_begin);
    if (src != SQLITE_OK)
        return fc_store_fail(st, src, "begin", d);
    return FC_OK;
}

fc_err fc_store_commit(struct fc_store *st, struct fc_diag *d)
{
    int src = fc_store_run(st->q_commit);
    if (src != SQLITE_OK)
        return fc_store_fail(st, src, "commit", d);
    return FC_OK;
}

void fc_store_rollback(struct fc_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        fc_store_run(st->q_rollback);
}

static const char *const lazy_sql[Q_COUNT_] = {
    [Q_JOB_ACTIVE] = "SELECT id, auto, state FROM jobs WHERE series_id = ?1"
                     " AND kind = ?2 AND state IN ('queued', 'running')"
                     " ORDER BY id",
    [Q_JOB_INSERT] = "INSERT INTO jobs (kind, series_id, ticker, state, params,"
                     " created_at, progress, auto) VALUES"
                     " (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7)",
    [Q_JOB_GET] = "SELECT id, kind, ticker, state, created_at, started_at,"
                  " finished_at, params, progress, model_version, error, auto,"
                  " result FROM jobs WHERE id = ?1",
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
    [Q_MODEL_GET] = "SELECT s.ticker, m.version, m.created_at, m.champion,"
                    " m.params, m.data, m.metrics, m.skill, m.epochs_run,"
                    " m.train_seconds, CASE WHEN ?3 THEN m.blob END"
                    " FROM models m JOIN series s ON s.id = m.series_id"
                    " WHERE m.series_id = ?1 AND m.version = ?2",
    [Q_MODEL_CHAMP_GET] = "SELECT s.ticker, m.version, m.created_at,"
                          " m.champion, m.params, m.data, m.metrics, m.skill,"
                          " m.epochs_run, m.train_seconds,"
                          " CASE WHEN ?3 THEN m.blob END"
                          " FROM models m JOIN series s ON s.id = m.series_id"
                          " WHERE m.series_id = ?1 AND m.champion = 1"
                          " AND ?2 = 0",
    [Q_MODEL_SET_CHAMP] = "UPDATE models SET champion = 1 WHERE series_id = ?1"
                          " AND version = ?2",
    [Q_MODEL_CHAMPIONS] = "SELECT s.ticker, m.version, m.created_at,"
                          " m.champion, m.params, m.data, m.metrics, m.skill,"
                          " m.epochs_run, m.train_seconds,"
                          " CASE WHEN ?1 THEN m.blob END"
                          " FROM models m JOIN series s ON s.id = m.series_id"
                          " WHERE m.champion = 1 ORDER BY s.ticker",
    [Q_MODEL_OLDER] = "SELECT s.ticker FROM series s WHERE"
                      " (SELECT max(created_at) FROM models m"
                      "  WHERE m.series_id = s.id) < ?1 ORDER BY s.ticker",
    [Q_MODEL_EVAL] = "SELECT evaluation FROM models WHERE series_id = ?1"
                     " AND version = ?2",
};

fc_err fc_store_stmt(struct fc_store *st, enum lazy_q q, sqlite3_stmt **out,
                     struct fc_diag *d)
{
    if (st->lazy[q] == NULL) {
        fc_err rc = prepare(st, &st->lazy[q], lazy_sql[q], d);
        if (rc != FC_OK)
            return rc;
    }
    *out = st->lazy[q];
    return FC_OK;
}

void fc_store_reset(sqlite3_stmt *q)
{
    if (q != NULL) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

char *fc_store_col_dup(sqlite3_stmt *q, int i, int *oom)
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

void fc_store_col_text(sqlite3_stmt *q, int i, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}
