/* store.c — series and bars in SQLite; the only file that includes sqlite3.h.
 *
 * Every statement is prepared once in fc_store_open and reset after use, so
 * client text never becomes SQL. A batch upsert is one BEGIN IMMEDIATE ...
 * COMMIT: one WAL fsync per batch (synchronous=FULL), not per row, which is
 * why FULL costs nothing measurable here while making every acknowledged
 * write survive power loss, not just a killed process. The upsert's DO
 * UPDATE has a WHERE that skips identical rows, so sqlite3_changes() tells
 * changed from unchanged; inserted rows are the growth of the count over
 * the batch's date range, read in the same transaction, and series.n_bars
 * grows by as much (so no query ever counts a whole series). The jobs and
 * models tables are created here but used by the trainer's code. */
#include "store.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

extern const char *const fc_schema_migrations[];
extern const size_t fc_schema_n_migrations;

struct fc_store {
    sqlite3 *db;
    int schema_version;
    sqlite3_stmt *q_begin;        /* BEGIN IMMEDIATE: for writes */
    sqlite3_stmt *q_begin_read;   /* BEGIN: a consistent snapshot */
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
};

/* Rows per execution of the multi-row upsert. One statement execution has
 * a fixed cost (cursor open and close, program start and halt) comparable
 * to a row's; 64 rows per execution nearly double bulk ingest speed
 * (400k -> 750k rows/s on the reference machine). 64 * 8 parameters stay
 * far below SQLite's limit. */
#define UPSERT_ROWS 64

/* Busy timeout: long enough for another connection's 500k-row batch. */
#define BUSY_TIMEOUT_MS 30000

static fc_err db_error(struct fc_store *st, int src, const char *what,
                       struct fc_diag *d)
{
    fc_err e = (src == SQLITE_BUSY || src == SQLITE_LOCKED) ? FC_EUNAVAIL
               : src == SQLITE_NOMEM                         ? FC_ENOMEM
               : (src == SQLITE_CORRUPT || src == SQLITE_NOTADB)
                   ? FC_ECORRUPT
                   : FC_EIO;
    return fc_diag_set(d, e, "%s: %s", what,
                       st != NULL && st->db != NULL ? sqlite3_errmsg(st->db)
                                                    : sqlite3_errstr(src));
}

static fc_err exec(struct fc_store *st, const char *sql, struct fc_diag *d)
{
    int src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (src != SQLITE_OK)
        return db_error(st, src, sql, d);
    return FC_OK;
}

/* Runs a statement that returns no rows we need, then resets it. */
static int step_done(sqlite3_stmt *q)
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
        return db_error(st, src, "reading user_version", d);
    src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (src != SQLITE_ROW)
        return db_error(st, src, "reading user_version", d);
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
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return fc_diag_set(d, rc, "migration %d failed: %s", i + 1,
                               sqlite3_errmsg(st->db));
        }
    }
    st->schema_version = (int)fc_schema_n_migrations;
    return FC_OK;
}

static fc_err prepare(struct fc_store *st, sqlite3_stmt **q, const char *sql,
                      struct fc_diag *d)
{
    int src = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q,
                                 NULL);
    if (src != SQLITE_OK)
        return db_error(st, src, "prepare", d);
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
    snprintf(bar_upsert, sizeof bar_upsert, "%s(?,?,?,?,?,?,?,?)%s",
             bar_insert, bar_conflict);
    size_t pos = (size_t)snprintf(bar_upsert_n, sizeof bar_upsert_n, "%s",
                                  bar_insert);
    for (int i = 0; i < UPSERT_ROWS; i++)
        pos += (size_t)snprintf(bar_upsert_n + pos, sizeof bar_upsert_n - pos,
                                "%s(?,?,?,?,?,?,?,?)", i > 0 ? "," : "");
    snprintf(bar_upsert_n + pos, sizeof bar_upsert_n - pos, "%s",
             bar_conflict);
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

fc_err fc_store_open(const char *path, struct fc_store **out,
                     struct fc_diag *d)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    fc_err rc;
    struct fc_store *st = calloc(1, sizeof *st);
    int src;

    pthread_once(&once, configure_sqlite);
    if (st == NULL)
        return FC_ENOMEM;
    /* NOMUTEX: a connection is used by one thread at a time (store.h). */
    src = sqlite3_open_v2(path, &st->db,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                              SQLITE_OPEN_NOMUTEX,
                          NULL);
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
    sqlite3_stmt *all[] = {st->q_begin,       st->q_begin_read,
                           st->q_range_count, st->q_series_grow,
                           st->q_commit,
                           st->q_rollback,    st->q_series_add,
                           st->q_series_id,   st->q_series_stats,
                           st->q_series_list, st->q_series_del,
                           st->q_bar_upsert,  st->q_bar_upsert_n,
                           st->q_bars_range};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(st->db);
    free(st);
}

int fc_store_schema_version(struct fc_store *st)
{
    return st->schema_version;
}

int fc_ticker_normalize(const char *ticker, char out[FC_TICKER_SIZE])
{
    size_t n = 0;

    if (ticker == NULL)
        return 0;
    for (; ticker[n] != '\0'; n++) {
        unsigned char c = (unsigned char)ticker[n];
        if (n >= FC_TICKER_SIZE - 1)
            return 0;
        if (!(isalnum(c) && c < 0x80) && c != '.' && c != '-' && c != '^' &&
            c != '=')
            return 0;
    }
    if (n == 0)
        return 0;
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)toupper((unsigned char)ticker[i]);
    return 1;
}

static void now_rfc3339(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* id of ticker; FC_ENOTFOUND when absent. */
static fc_err series_id(struct fc_store *st, const char *ticker, int64_t *id,
                        struct fc_diag *d)
{
    fc_err rc = FC_OK;
    sqlite3_stmt *q = st->q_series_id;

    sqlite3_bind_text(q, 1, ticker, -1, SQLITE_STATIC);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    else if (src == SQLITE_DONE)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series '%s'", ticker);
    else
        rc = db_error(st, src, "series lookup", d);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

static fc_err series_stats(struct fc_store *st, int64_t id, const char *ticker,
                           struct fc_series_info *out, struct fc_diag *d)
{
    fc_err rc = FC_OK;
    sqlite3_stmt *q = st->q_series_stats;

    sqlite3_bind_int64(q, 1, id);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        snprintf(out->ticker, sizeof out->ticker, "%s", ticker);
        out->n_bars = sqlite3_column_int64(q, 0);
        out->first_day = sqlite3_column_type(q, 1) == SQLITE_NULL
                             ? INT32_MIN
                             : (int32_t)sqlite3_column_int(q, 1);
        out->last_day = sqlite3_column_type(q, 2) == SQLITE_NULL
                            ? INT32_MIN
                            : (int32_t)sqlite3_column_int(q, 2);
        out->champion_version = sqlite3_column_int64(q, 3);
    } else {
        rc = db_error(st, src, "series stats", d);
    }
    sqlite3_reset(q);
    return rc;
}

static fc_err begin(struct fc_store *st, struct fc_diag *d)
{
    int src = step_done(st->q_begin);
    if (src != SQLITE_OK)
        return db_error(st, src, "begin", d);
    return FC_OK;
}

static fc_err commit(struct fc_store *st, struct fc_diag *d)
{
    int src = step_done(st->q_commit);
    if (src != SQLITE_OK)
        return db_error(st, src, "commit", d);
    return FC_OK;
}

static void rollback(struct fc_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        step_done(st->q_rollback);
}

/* Binds one bar at parameter offset `base` (0, 8, 16, ...). */
static void bind_bar(sqlite3_stmt *q, int base, int64_t id,
                     const struct fc_bar *b)
{
    sqlite3_bind_int64(q, base + 1, id);
    sqlite3_bind_int(q, base + 2, b->day);
    sqlite3_bind_double(q, base + 3, b->open);
    sqlite3_bind_double(q, base + 4, b->high);
    sqlite3_bind_double(q, base + 5, b->low);
    sqlite3_bind_double(q, base + 6, b->close);
    if (isnan(b->adj_close))
        sqlite3_bind_null(q, base + 7);
    else
        sqlite3_bind_double(q, base + 7, b->adj_close);
    sqlite3_bind_int64(q, base + 8, (sqlite3_int64)b->volume);
}

/* Bars of series id with a day in [from, to]. */
static fc_err range_count(struct fc_store *st, int64_t id, int32_t from,
                          int32_t to, int64_t *out, struct fc_diag *d)
{
    fc_err rc = FC_OK;
    sqlite3_stmt *q = st->q_range_count;

    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, from);
    sqlite3_bind_int(q, 3, to);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        rc = db_error(st, src, "range count", d);
    sqlite3_reset(q);
    return rc;
}

fc_err fc_store_put_bars(struct fc_store *st, const char *ticker,
                         const struct fc_bar *bars, int n,
                         struct fc_put_result *res, struct fc_diag *d)
{
    fc_err rc;
    int64_t id = 0;
    int64_t n_changed = 0;
    int64_t n_before = 0;
    int64_t n_after = 0;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    struct fc_series_info after;
    char now[32];
    sqlite3_stmt *q;
    int src;

    rc = begin(st, d);
    if (rc != FC_OK)
        return rc;
    if (n == 0) {
        /* Nothing to write: report the series as it is. */
        rc = series_id(st, ticker, &id, d);
        if (rc == FC_OK)
            rc = series_stats(st, id, ticker, &after, d);
        if (rc == FC_ENOTFOUND) {
            memset(&after, 0, sizeof after);
            snprintf(after.ticker, sizeof after.ticker, "%s", ticker);
            after.first_day = INT32_MIN;
            after.last_day = INT32_MIN;
            rc = FC_OK;
        }
        goto done;
    }
    now_rfc3339(now);
    sqlite3_bind_text(st->q_series_add, 1, ticker, -1, SQLITE_STATIC);
    sqlite3_bind_text(st->q_series_add, 2, now, -1, SQLITE_STATIC);
    src = step_done(st->q_series_add);
    sqlite3_clear_bindings(st->q_series_add);
    if (src != SQLITE_OK) {
        rc = db_error(st, src, "series insert", d);
        goto done;
    }
    rc = series_id(st, ticker, &id, d);
    if (rc != FC_OK)
        goto done;
    /* New days = growth of the count over the batch's own date range:
     * nothing outside it changes. A daily append counts an empty range (one
     * index seek), a full re-send counts the series once before and once
     * after. */
    for (int i = 0; i < n; i++) {
        lo = bars[i].day < lo ? bars[i].day : lo;
        hi = bars[i].day > hi ? bars[i].day : hi;
    }
    rc = range_count(st, id, lo, hi, &n_before, d);
    if (rc != FC_OK)
        goto done;

    /* The hot loop: bind, step, reset; no allocation. Full groups of
     * UPSERT_ROWS rows go through the multi-row statement, the tail row by
     * row; sqlite3_changes() counts the rows inserted or changed. */
    for (int i = 0; i < n;) {
        int group = n - i >= UPSERT_ROWS ? UPSERT_ROWS : 1;
        q = group > 1 ? st->q_bar_upsert_n : st->q_bar_upsert;
        for (int r = 0; r < group; r++)
            bind_bar(q, r * 8, id, &bars[i + r]);
        src = sqlite3_step(q);
        sqlite3_reset(q);
        if (src != SQLITE_DONE) {
            rc = db_error(st, src, "bar upsert", d);
            goto done;
        }
        n_changed += sqlite3_changes(st->db);
        i += group;
    }
    rc = range_count(st, id, lo, hi, &n_after, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(st->q_series_grow, 1, id);
    sqlite3_bind_int64(st->q_series_grow, 2, n_after - n_before);
    src = step_done(st->q_series_grow);
    if (src != SQLITE_OK) {
        rc = db_error(st, src, "series count", d);
        goto done;
    }
    rc = series_stats(st, id, ticker, &after, d);
done:
    if (rc == FC_OK)
        rc = commit(st, d);
    if (rc != FC_OK) {
        rollback(st);
        return rc;
    }
    res->inserted = n_after - n_before;
    res->updated = n_changed - res->inserted;
    res->unchanged = (int64_t)n - n_changed;
    res->after = after;
    return FC_OK;
}

fc_err fc_store_series_info(struct fc_store *st, const char *ticker,
                            struct fc_series_info *out, struct fc_diag *d)
{
    int64_t id = 0;
    fc_err rc = series_id(st, ticker, &id, d);
    if (rc != FC_OK)
        return rc;
    return series_stats(st, id, ticker, out, d);
}

fc_err fc_store_list_series(struct fc_store *st, struct fc_series_info **out,
                            int *n, struct fc_diag *d)
{
    fc_err rc = FC_OK;
    struct fc_series_info *v = NULL;
    int len = 0;
    int cap = 0;
    sqlite3_stmt *q = st->q_series_list;
    int src;

    for (;;) {
        src = sqlite3_step(q);
        if (src != SQLITE_ROW)
            break;
        if (len == cap) {
            int ncap = cap == 0 ? 16 : cap * 2;
            struct fc_series_info *nv = realloc(v, (size_t)ncap * sizeof *nv);
            if (nv == NULL) {
                rc = FC_ENOMEM;
                goto done;
            }
            v = nv;
            cap = ncap;
        }
        struct fc_series_info *s = &v[len++];
        const unsigned char *t = sqlite3_column_text(q, 0);
        snprintf(s->ticker, sizeof s->ticker, "%s",
                 t != NULL ? (const char *)t : "");
        s->n_bars = sqlite3_column_int64(q, 1);
        s->first_day = sqlite3_column_type(q, 2) == SQLITE_NULL
                           ? INT32_MIN
                           : (int32_t)sqlite3_column_int(q, 2);
        s->last_day = sqlite3_column_type(q, 3) == SQLITE_NULL
                          ? INT32_MIN
                          : (int32_t)sqlite3_column_int(q, 3);
        s->champion_version = sqlite3_column_int64(q, 4);
    }
    if (src != SQLITE_DONE)
        rc = db_error(st, src, "series list", d);
done:
    sqlite3_reset(q);
    if (rc != FC_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return FC_OK;
}

fc_err fc_store_get_bars(struct fc_store *st, const char *ticker,
                         int32_t from_day, int32_t to_day, int64_t limit,
                         struct fc_bar **out, int *n, struct fc_diag *d)
{
    fc_err rc;
    int64_t id = 0;
    struct fc_bar *v = NULL;
    int len = 0;
    int cap = 0;
    sqlite3_stmt *q = st->q_bars_range;
    int src;

    /* A read transaction, so the series cannot vanish between the lookup
     * and the scan (another connection's DELETE). */
    src = step_done(st->q_begin_read);
    if (src != SQLITE_OK)
        return db_error(st, src, "begin", d);
    rc = series_id(st, ticker, &id, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, from_day);
    sqlite3_bind_int(q, 3, to_day);
    sqlite3_bind_int64(q, 4, limit > 0 ? limit : -1);
    for (;;) {
        src = sqlite3_step(q);
        if (src != SQLITE_ROW)
            break;
        if (len == cap) {
            int ncap = cap == 0 ? 256 : cap * 2;
            struct fc_bar *nv = realloc(v, (size_t)ncap * sizeof *nv);
            if (nv == NULL) {
                rc = FC_ENOMEM;
                goto done;
            }
            v = nv;
            cap = ncap;
        }
        struct fc_bar *b = &v[len++];
        b->day = (int32_t)sqlite3_column_int(q, 0);
        b->open = sqlite3_column_double(q, 1);
        b->high = sqlite3_column_double(q, 2);
        b->low = sqlite3_column_double(q, 3);
        b->close = sqlite3_column_double(q, 4);
        b->adj_close = sqlite3_column_type(q, 5) == SQLITE_NULL
                           ? NAN
                           : sqlite3_column_double(q, 5);
        b->volume = (double)sqlite3_column_int64(q, 6);
    }
    if (src != SQLITE_DONE) {
        rc = db_error(st, src, "bars query", d);
        goto done;
    }
    /* The query reads newest first (so LIMIT keeps the most recent);
     * callers get ascending dates. */
    for (int i = 0, j = len - 1; i < j; i++, j--) {
        struct fc_bar t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
done:
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    step_done(st->q_commit); /* read-only: cannot fail to persist */
    if (rc != FC_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return FC_OK;
}

fc_err fc_store_delete_series(struct fc_store *st, const char *ticker,
                              struct fc_diag *d)
{
    fc_err rc = begin(st, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_text(st->q_series_del, 1, ticker, -1, SQLITE_STATIC);
    int src = step_done(st->q_series_del);
    sqlite3_clear_bindings(st->q_series_del);
    if (src != SQLITE_OK)
        rc = db_error(st, src, "delete series", d);
    else if (sqlite3_changes(st->db) == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series '%s'", ticker);
    if (rc == FC_OK)
        rc = commit(st, d);
    if (rc != FC_OK)
        rollback(st);
    return rc;
}
