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

#include "time_now.h"

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
    sqlite3_stmt *lazy[64];       /* jobs and models: prepared on first use
                                     (see stmt()), indexed by enum lazy_q */
};

/* Rows per execution of the multi-row upsert. One statement execution has
 * a fixed cost (cursor open and close, program start and halt) comparable
 * to a row's; 64 rows per execution nearly double bulk ingest speed
 * (400k -> 750k rows/s on the reference machine). 64 * 8 parameters stay
 * far below SQLite's limit. */
#define UPSERT_ROWS 64

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
static fc_err db_error(struct fc_store *st, int src, const char *what,
                       struct fc_diag *d)
{
    /* A full disk is its own answer (507): the write was refused whole, the
     * database is intact, and the same request succeeds once space is
     * freed. */
    fc_err e = (src == SQLITE_BUSY || src == SQLITE_LOCKED) ? FC_EUNAVAIL
               : src == SQLITE_NOMEM                         ? FC_ENOMEM
               : (src == SQLITE_CORRUPT || src == SQLITE_NOTADB)
                   ? FC_ECORRUPT
               : (src & 0xff) == SQLITE_FULL ? FC_EFULL
                                              : FC_EIO;
    return fc_diag_set(d, e, "%s: %s", what,
                       st != NULL && st->db != NULL ? sqlite3_errmsg(st->db)
                                                    : sqlite3_errstr(src));
}

/* What collect() reads a row with, into one element of its array; on
 * failure it leaves nothing in the element to release. */
typedef fc_err (*row_reader)(sqlite3_stmt *q, void *elem);

/* Steps q to its end, reading each row with `read` into a growing array of
 * elements of `size` bytes: *out malloc'ed, NULL when *n is 0. On failure
 * the rows read so far are released (`fini` on each, when it is not NULL,
 * then the array) and *out and *n are untouched. The caller resets or
 * finalises q. Every list the store returns is read this way. */
static fc_err collect(struct fc_store *st, sqlite3_stmt *q, size_t size,
                      row_reader read, void (*fini)(void *elem),
                      const char *what, void **out, int *n,
                      struct fc_diag *d)
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
        rc = db_error(st, src, what, d);
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
    for (size_t i = 0; i < sizeof st->lazy / sizeof st->lazy[0]; i++)
        sqlite3_finalize(st->lazy[i]);
    sqlite3_close(st->db);
    free(st);
}

int fc_store_schema_version(struct fc_store *st)
{
    return st->schema_version;
}

static void now_rfc3339(char buf[32])
{
    fc_rfc3339_now(0, buf);
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

/* A series' bar count, first and last day (INT32_MIN when it has no bar)
 * and champion version, from columns c .. c + 3 of q's row. */
static void read_stats(sqlite3_stmt *q, int c, struct fc_series_info *s)
{
    s->n_bars = sqlite3_column_int64(q, c);
    s->first_day = sqlite3_column_type(q, c + 1) == SQLITE_NULL
                       ? INT32_MIN
                       : (int32_t)sqlite3_column_int(q, c + 1);
    s->last_day = sqlite3_column_type(q, c + 2) == SQLITE_NULL
                      ? INT32_MIN
                      : (int32_t)sqlite3_column_int(q, c + 2);
    s->champion_version = sqlite3_column_int64(q, c + 3);
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
        read_stats(q, 0, out);
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

/* A row of q_series_list into a struct fc_series_info. */
static fc_err read_series(sqlite3_stmt *q, void *elem)
{
    struct fc_series_info *s = elem;
    const unsigned char *t = sqlite3_column_text(q, 0);
    snprintf(s->ticker, sizeof s->ticker, "%s",
             t != NULL ? (const char *)t : "");
    read_stats(q, 1, s);
    return FC_OK;
}

fc_err fc_store_list_series(struct fc_store *st, struct fc_series_info **out,
                            int *n, struct fc_diag *d)
{
    sqlite3_stmt *q = st->q_series_list;
    void *v;
    fc_err rc = collect(st, q, sizeof **out, read_series, NULL,
                        "series list", &v, n, d);
    sqlite3_reset(q);
    if (rc == FC_OK)
        *out = v;
    return rc;
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

fc_err fc_store_count_bars(struct fc_store *st, const char *ticker,
                           int32_t from_day, int32_t to_day, int64_t *n,
                           struct fc_diag *d)
{
    int64_t id = 0;
    fc_err rc = series_id(st, ticker, &id, d);
    if (rc != FC_OK)
        return rc;
    return range_count(st, id, from_day, to_day, n, d);
}

/* ---- jobs and models -----------------------------------------------------------
 *
 * These statements run once per job or per model request, not per bar, so
 * they are prepared on first use and kept (stmt()), instead of growing the
 * list prepared at open. */

enum lazy_q {
    Q_JOB_ACTIVE,      /* series id -> active jobs */
    Q_JOB_INSERT,
    Q_JOB_GET,
    Q_JOB_CANCEL,      /* id, now, error */
    Q_JOB_NEXT,        /* oldest queued id */
    Q_JOB_START,       /* id, now */
    Q_JOB_PROGRESS,
    Q_JOB_FAIL,
    Q_JOB_REQUEUE,
    Q_JOB_REQUEUE_ALL,
    Q_JOB_DONE,
    Q_JOB_RESULT,      /* id, now, result */
    Q_JOB_COUNTS,
    Q_MODEL_NEXT,      /* series id -> next version */
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

_Static_assert(Q_COUNT_ <= sizeof ((struct fc_store *)0)->lazy /
                                sizeof(sqlite3_stmt *),
               "fc_store.lazy is too small");

/* The prepared statement q, preparing it on first use. */
static fc_err stmt(struct fc_store *st, enum lazy_q q, sqlite3_stmt **out,
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

static void done_stmt(sqlite3_stmt *q)
{
    if (q != NULL) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

/* fc_job_fini and fc_model_rec_fini for collect(). */
static void job_fini(void *elem)
{
    fc_job_fini(elem);
}

static void model_rec_fini(void *elem)
{
    fc_model_rec_fini(elem);
}

/* Column i as a malloc'ed string (NULL for SQL NULL); *oom on failure. */
static char *col_dup(sqlite3_stmt *q, int i, int *oom)
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

static void col_text(sqlite3_stmt *q, int i, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}

/* The current row of a Q_JOB_GET-shaped query into a struct fc_job. */
static fc_err read_job(sqlite3_stmt *q, void *elem)
{
    struct fc_job *j = elem;
    int oom = 0;
    memset(j, 0, sizeof *j);
    j->id = sqlite3_column_int64(q, 0);
    col_text(q, 1, j->kind, sizeof j->kind);
    col_text(q, 2, j->ticker, sizeof j->ticker);
    const unsigned char *state = sqlite3_column_text(q, 3);
    int s = fc_job_state_parse(state != NULL ? (const char *)state : "");
    j->state = s < 0 ? FC_JOB_FAILED : (enum fc_job_state)s;
    col_text(q, 4, j->created_at, sizeof j->created_at);
    col_text(q, 5, j->started_at, sizeof j->started_at);
    col_text(q, 6, j->finished_at, sizeof j->finished_at);
    j->params = col_dup(q, 7, &oom);
    j->progress = col_dup(q, 8, &oom);
    j->model_version = sqlite3_column_int64(q, 9);
    j->error = col_dup(q, 10, &oom);
    j->is_auto = sqlite3_column_int(q, 11);
    if (sqlite3_column_type(q, 12) != SQLITE_NULL)
        j->result = col_dup(q, 12, &oom);
    if (j->params == NULL && !oom) {
        j->params = strdup("{}");
        oom = j->params == NULL;
    }
    if (oom) {
        fc_job_fini(j);
        return FC_ENOMEM;
    }
    return FC_OK;
}

fc_err fc_store_job_get(struct fc_store *st, int64_t id, struct fc_job *out,
                        struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    fc_err rc = stmt(st, Q_JOB_GET, &q, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        rc = read_job(q, out);
    else if (src == SQLITE_DONE)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no job %lld", (long long)id);
    else
        rc = db_error(st, src, "job lookup", d);
    done_stmt(q);
    return rc;
}

/* Runs a prepared UPDATE with an id and up to two text parameters (NULL
 * binds SQL NULL); *changes gets sqlite3_changes. */
static fc_err update_job(struct fc_store *st, enum lazy_q which, int64_t id,
                         const char *p2, const char *p3, int *changes,
                         struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    fc_err rc = stmt(st, which, &q, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_bind_parameter_count(q) >= 2) {
        if (p2 != NULL)
            sqlite3_bind_text(q, 2, p2, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 2);
    }
    if (sqlite3_bind_parameter_count(q) >= 3) {
        if (p3 != NULL)
            sqlite3_bind_text(q, 3, p3, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 3);
    }
    int src = sqlite3_step(q);
    done_stmt(q);
    if (src != SQLITE_DONE)
        return db_error(st, src, "job update", d);
    if (changes != NULL)
        *changes = sqlite3_changes(st->db);
    return FC_OK;
}

fc_err fc_store_job_create(struct fc_store *st, const char *ticker,
                           const char *kind, const char *params,
                           const char *progress, int is_auto,
                           struct fc_job *out, int64_t *conflict_id,
                           int64_t *replaced_running_id, struct fc_diag *d)
{
    int64_t sid = 0;
    int64_t replaced_running = 0;
    int64_t new_id = 0;
    char now[32];
    sqlite3_stmt *q = NULL;
    int src;

    *conflict_id = 0;
    fc_err rc = begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = series_id(st, ticker, &sid, d);
    if (rc != FC_OK)
        goto done;
    now_rfc3339(now);
    rc = stmt(st, Q_JOB_ACTIVE, &q, d);
    if (rc != FC_OK)
        goto done;
    /* First pass: is there a job in the way that must not be replaced? */
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
    int64_t autos[16];
    int n_autos = 0;
    int autos_running[16];
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        int job_auto = sqlite3_column_int(q, 1);
        const unsigned char *state = sqlite3_column_text(q, 2);
        if (!job_auto || is_auto) {
            *conflict_id = id;
            break;
        }
        if (n_autos < 16) {
            autos_running[n_autos] =
                state != NULL && strcmp((const char *)state, "running") == 0;
            autos[n_autos++] = id;
        }
    }
    done_stmt(q);
    if (*conflict_id != 0) {
        rc = fc_diag_set(d, FC_ECONFLICT,
                         "%s already has %s job %lld queued or running; "
                         "wait for it or cancel it with DELETE /jobs/%lld",
                         ticker, kind, (long long)*conflict_id,
                         (long long)*conflict_id);
        goto done;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = db_error(st, src, "active jobs", d);
        goto done;
    }
    rc = stmt(st, Q_JOB_INSERT, &q, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, sid);
    sqlite3_bind_text(q, 3, ticker, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, params, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    if (progress != NULL)
        sqlite3_bind_text(q, 6, progress, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 6);
    sqlite3_bind_int(q, 7, is_auto ? 1 : 0);
    src = sqlite3_step(q);
    done_stmt(q);
    if (src != SQLITE_DONE) {
        rc = db_error(st, src, "job insert", d);
        goto done;
    }
    new_id = sqlite3_last_insert_rowid(st->db);
    /* The automatic jobs in the way give their place to this one. */
    for (int i = 0; i < n_autos; i++) {
        char why[64];
        snprintf(why, sizeof why, "replaced by job %lld", (long long)new_id);
        rc = update_job(st, Q_JOB_CANCEL, autos[i], now, why, NULL, d);
        if (rc != FC_OK)
            goto done;
        if (autos_running[i])
            replaced_running = autos[i];
    }
    rc = fc_store_job_get(st, new_id, out, d);
done:
    if (rc == FC_OK)
        rc = commit(st, d);
    if (rc != FC_OK) {
        rollback(st);
        return rc;
    }
    if (replaced_running_id != NULL)
        *replaced_running_id = replaced_running;
    return FC_OK;
}

fc_err fc_store_job_list(struct fc_store *st, const char *ticker, int state,
                         int64_t limit, struct fc_job **out, int *n,
                         struct fc_diag *d)
{
    /* Filters vary per call, so this one statement is prepared each time:
     * the placeholders keep client text out of the SQL. */
    static const char sql[] =
        "SELECT id, kind, ticker, state, created_at, started_at,"
        " finished_at, params, progress, model_version, error, auto,"
        " result FROM jobs WHERE (?1 IS NULL OR ticker = ?1)"
        " AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3";
    sqlite3_stmt *q = NULL;
    void *v;
    int src = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);

    if (src != SQLITE_OK)
        return db_error(st, src, "prepare", d);
    if (ticker != NULL)
        sqlite3_bind_text(q, 1, ticker, -1, SQLITE_STATIC);
    if (state >= 0)
        sqlite3_bind_text(q, 2, fc_job_state_name((enum fc_job_state)state),
                          -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, limit);
    fc_err rc = collect(st, q, sizeof **out, read_job, job_fini, "job list",
                        &v, n, d);
    sqlite3_finalize(q);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

fc_err fc_store_job_cancel(struct fc_store *st, int64_t id, struct fc_job *out,
                           int *was_running, struct fc_diag *d)
{
    struct fc_job before;
    char now[32];
    int changes = 0;

    memset(&before, 0, sizeof before);
    *was_running = 0;
    fc_err rc = begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_store_job_get(st, id, &before, d);
    if (rc != FC_OK)
        goto done;
    if (before.state != FC_JOB_QUEUED && before.state != FC_JOB_RUNNING) {
        rc = fc_diag_set(d, FC_ECONFLICT, "job %lld already %s", (long long)id,
                         fc_job_state_name(before.state));
        goto done;
    }
    now_rfc3339(now);
    rc = update_job(st, Q_JOB_CANCEL, id, now, "cancelled by a user",
                    &changes, d);
    if (rc == FC_OK)
        rc = fc_store_job_get(st, id, out, d);
done:
    if (rc == FC_OK)
        rc = commit(st, d);
    if (rc != FC_OK)
        rollback(st);
    if (rc == FC_OK)
        *was_running = before.state == FC_JOB_RUNNING;
    if (rc == FC_ECONFLICT) {
        *out = before; /* the caller shows the finished job */
        return rc;
    }
    fc_job_fini(&before);
    return rc;
}

fc_err fc_store_job_claim(struct fc_store *st, int64_t id, struct fc_job *out,
                          struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    char now[32];
    int changes = 0;

    fc_err rc = begin(st, d);
    if (rc != FC_OK)
        return rc;
    if (id == 0) {
        rc = stmt(st, Q_JOB_NEXT, &q, d);
        if (rc != FC_OK)
            goto done;
        int src = sqlite3_step(q);
        if (src == SQLITE_ROW)
            id = sqlite3_column_int64(q, 0);
        else if (src != SQLITE_DONE)
            rc = db_error(st, src, "next job", d);
        done_stmt(q);
        if (rc != FC_OK)
            goto done;
        if (id == 0) {
            rc = FC_ENOTFOUND;
            goto done;
        }
    }
    now_rfc3339(now);
    rc = update_job(st, Q_JOB_START, id, now, NULL, &changes, d);
    if (rc == FC_OK && changes == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "job %lld is not queued",
                         (long long)id);
    if (rc == FC_OK)
        rc = fc_store_job_get(st, id, out, d);
done:
    if (rc == FC_OK)
        rc = commit(st, d);
    if (rc != FC_OK)
        rollback(st);
    return rc;
}

fc_err fc_store_job_progress(struct fc_store *st, int64_t id,
                             const char *progress, int *running,
                             struct fc_diag *d)
{
    int changes = 0;
    fc_err rc = update_job(st, Q_JOB_PROGRESS, id, progress, NULL, &changes, d);
    if (rc == FC_OK)
        *running = changes > 0;
    return rc;
}

fc_err fc_store_job_stop(struct fc_store *st, int64_t id, int requeue,
                         const char *error, struct fc_diag *d)
{
    char now[32];
    now_rfc3339(now);
    if (requeue)
        return update_job(st, Q_JOB_REQUEUE, id, NULL, NULL, NULL, d);
    return update_job(st, Q_JOB_FAIL, id, now, error, NULL, d);
}

fc_err fc_store_job_requeue_running(struct fc_store *st, int *n,
                                    struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    fc_err rc = stmt(st, Q_JOB_REQUEUE_ALL, &q, d);
    if (rc != FC_OK)
        return rc;
    int src = sqlite3_step(q);
    done_stmt(q);
    if (src != SQLITE_DONE)
        return db_error(st, src, "requeue", d);
    *n = sqlite3_changes(st->db);
    return FC_OK;
}

/* The current row of a Q_MODEL_GET-shaped query into a struct
 * fc_model_rec. */
static fc_err read_model(sqlite3_stmt *q, void *elem)
{
    struct fc_model_rec *m = elem;
    int oom = 0;
    memset(m, 0, sizeof *m);
    col_text(q, 0, m->ticker, sizeof m->ticker);
    m->version = sqlite3_column_int64(q, 1);
    col_text(q, 2, m->created_at, sizeof m->created_at);
    m->champion = sqlite3_column_int(q, 3);
    m->params = col_dup(q, 4, &oom);
    m->data = col_dup(q, 5, &oom);
    m->metrics = col_dup(q, 6, &oom);
    m->skill = sqlite3_column_type(q, 7) == SQLITE_NULL
                   ? NAN
                   : sqlite3_column_double(q, 7);
    m->epochs_run = sqlite3_column_int(q, 8);
    m->train_seconds = sqlite3_column_double(q, 9);
    if (sqlite3_column_type(q, 10) == SQLITE_BLOB) {
        int n = sqlite3_column_bytes(q, 10);
        const void *b = sqlite3_column_blob(q, 10);
        m->blob = malloc(n > 0 ? (size_t)n : 1);
        if (m->blob == NULL)
            oom = 1;
        else if (n > 0)
            memcpy(m->blob, b, (size_t)n);
        m->blob_len = (size_t)n;
    }
    if (!oom && (m->params == NULL || m->data == NULL || m->metrics == NULL))
        oom = 1; /* NOT NULL columns: only a failed copy leaves NULL */
    if (oom) {
        fc_model_rec_fini(m);
        return FC_ENOMEM;
    }
    return FC_OK;
}

/* Steps q to its end, reading each row (Q_MODEL_GET's shape) into a
 * growing array: *out malloc'ed (fc_model_recs_free), NULL when *n is 0.
 * The caller resets or finalises q. */
static fc_err collect_models(struct fc_store *st, sqlite3_stmt *q,
                             const char *what, struct fc_model_rec **out,
                             int *n, struct fc_diag *d)
{
    void *v;
    fc_err rc = collect(st, q, sizeof **out, read_model, model_rec_fini, what,
                        &v, n, d);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

fc_err fc_store_job_succeed(struct fc_store *st, int64_t job_id,
                            enum fc_promotion policy, struct fc_model_rec *m,
                            struct fc_diag *d)
{
    struct fc_job job;
    int64_t sid = 0;
    int64_t version = 0;
    int champion = 0;
    char now[32];
    sqlite3_stmt *q = NULL;
    int src;

    memset(&job, 0, sizeof job);
    fc_err rc = begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_store_job_get(st, job_id, &job, d);
    if (rc == FC_ENOTFOUND || (rc == FC_OK && job.state != FC_JOB_RUNNING)) {
        rc = fc_diag_set(d, FC_ECANCELLED, "job %lld was cancelled",
                         (long long)job_id);
        goto done;
    }
    if (rc == FC_OK)
        rc = series_id(st, m->ticker, &sid, d);
    if (rc == FC_OK)
        rc = stmt(st, Q_MODEL_NEXT, &q, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(q, 1, sid);
    src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        version = sqlite3_column_int64(q, 0);
    done_stmt(q);
    if (src != SQLITE_ROW) {
        rc = db_error(st, src, "next version", d);
        goto done;
    }
    if (policy == FC_PROMOTE_ALWAYS) {
        champion = 1;
    } else if (policy == FC_PROMOTE_IF_NOT_WORSE) {
        rc = stmt(st, Q_MODEL_CHAMP_SKILL, &q, d);
        if (rc != FC_OK)
            goto done;
        sqlite3_bind_int64(q, 1, sid);
        src = sqlite3_step(q);
        if (src == SQLITE_DONE) {
            champion = 1; /* no champion yet */
        } else if (src == SQLITE_ROW) {
            /* An undefined skill on either side cannot show the new
             * version is worse; a defined one must be >= the champion's. */
            double champ = sqlite3_column_type(q, 0) == SQLITE_NULL
                               ? NAN
                               : sqlite3_column_double(q, 0);
            champion = isnan(champ) || isnan(m->skill) || m->skill >= champ;
        }
        done_stmt(q);
        if (src != SQLITE_ROW && src != SQLITE_DONE) {
            rc = db_error(st, src, "champion skill", d);
            goto done;
        }
    }
    if (champion) {
        rc = stmt(st, Q_MODEL_UNCHAMP, &q, d);
        if (rc != FC_OK)
            goto done;
        sqlite3_bind_int64(q, 1, sid);
        src = sqlite3_step(q);
        done_stmt(q);
        if (src != SQLITE_DONE) {
            rc = db_error(st, src, "champion reset", d);
            goto done;
        }
    }
    now_rfc3339(now);
    rc = stmt(st, Q_MODEL_INSERT, &q, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    sqlite3_bind_text(q, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, champion);
    sqlite3_bind_text(q, 5, m->params, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, m->data, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, m->metrics, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(q, 8, m->blob, m->blob_len, SQLITE_STATIC);
    sqlite3_bind_int(q, 9, m->epochs_run);
    sqlite3_bind_double(q, 10, m->train_seconds);
    if (isnan(m->skill) || isinf(m->skill))
        sqlite3_bind_null(q, 11);
    else
        sqlite3_bind_double(q, 11, m->skill);
    if (m->evaluation != NULL)
        sqlite3_bind_text(q, 12, m->evaluation, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 12);
    src = sqlite3_step(q);
    done_stmt(q);
    if (src != SQLITE_DONE) {
        rc = db_error(st, src, "model insert", d);
        goto done;
    }
    rc = stmt(st, Q_JOB_DONE, &q, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(q, 1, job_id);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, version);
    src = sqlite3_step(q);
    done_stmt(q);
    if (src != SQLITE_DONE)
        rc = db_error(st, src, "job update", d);
done:
    fc_job_fini(&job);
    if (rc == FC_OK)
        rc = commit(st, d);
    if (rc != FC_OK) {
        rollback(st);
        return rc;
    }
    m->version = version;
    m->champion = champion;
    snprintf(m->created_at, sizeof m->created_at, "%s", now);
    return FC_OK;
}

fc_err fc_store_job_finish(struct fc_store *st, int64_t id,
                           const char *result, struct fc_diag *d)
{
    char now[32];
    int changes = 0;
    now_rfc3339(now);
    fc_err rc = update_job(st, Q_JOB_RESULT, id, now, result, &changes, d);
    if (rc == FC_OK && changes == 0)
        rc = fc_diag_set(d, FC_ECANCELLED, "job %lld is no longer running",
                         (long long)id);
    return rc;
}

fc_err fc_store_job_counts(struct fc_store *st,
                           int64_t counts[FC_JOB_STATE_COUNT_],
                           struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    int src;
    memset(counts, 0, FC_JOB_STATE_COUNT_ * sizeof counts[0]);
    fc_err rc = stmt(st, Q_JOB_COUNTS, &q, d);
    if (rc != FC_OK)
        return rc;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(q, 0);
        int k = fc_job_state_parse(name != NULL ? (const char *)name : "");
        if (k >= 0)
            counts[k] = sqlite3_column_int64(q, 1);
    }
    if (src != SQLITE_DONE)
        rc = db_error(st, src, "job counts", d);
    done_stmt(q);
    return rc;
}

fc_err fc_store_model_evaluation(struct fc_store *st, const char *ticker,
                                 int64_t version, char **out,
                                 struct fc_diag *d)
{
    int64_t sid = 0;
    sqlite3_stmt *q = NULL;
    int oom = 0;

    *out = NULL;
    fc_err rc = series_id(st, ticker, &sid, d);
    if (rc == FC_OK)
        rc = stmt(st, Q_MODEL_EVAL, &q, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        if (sqlite3_column_type(q, 0) != SQLITE_NULL)
            *out = col_dup(q, 0, &oom);
        if (oom)
            rc = FC_ENOMEM;
    } else if (src == SQLITE_DONE) {
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
    } else {
        rc = db_error(st, src, "evaluation lookup", d);
    }
    done_stmt(q);
    return rc;
}

fc_err fc_store_model_list(struct fc_store *st, const char *ticker,
                           int64_t limit, struct fc_model_rec **out, int *n,
                           struct fc_diag *d)
{
    static const char sql[] =
        "SELECT s.ticker, m.version, m.created_at, m.champion, m.params,"
        " m.data, m.metrics, m.skill, m.epochs_run, m.train_seconds, NULL"
        " FROM models m JOIN series s ON s.id = m.series_id"
        " WHERE (?1 IS NULL OR m.series_id = ?1)"
        " ORDER BY m.rowid DESC LIMIT ?2";
    sqlite3_stmt *q = NULL;
    int64_t sid = 0;
    fc_err rc;

    if (ticker != NULL) {
        rc = series_id(st, ticker, &sid, d);
        if (rc != FC_OK)
            return rc;
    }
    /* The filter varies per call: prepared here, not kept. */
    int src = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (src != SQLITE_OK)
        return db_error(st, src, "prepare", d);
    if (ticker != NULL)
        sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, limit);
    rc = collect_models(st, q, "model list", out, n, d);
    sqlite3_finalize(q);
    return rc;
}

fc_err fc_store_model_get(struct fc_store *st, const char *ticker,
                          int64_t version, int with_blob,
                          struct fc_model_rec *out, struct fc_diag *d)
{
    int64_t sid = 0;
    sqlite3_stmt *q = NULL;
    fc_err rc = series_id(st, ticker, &sid, d);
    if (rc == FC_OK)
        rc = stmt(st, version == 0 ? Q_MODEL_CHAMP_GET : Q_MODEL_GET, &q, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    sqlite3_bind_int(q, 3, with_blob ? 1 : 0);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        rc = read_model(q, out);
    else if (src == SQLITE_DONE && version == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no trained model", ticker);
    else if (src == SQLITE_DONE)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
    else
        rc = db_error(st, src, "model lookup", d);
    done_stmt(q);
    return rc;
}

fc_err fc_store_model_promote(struct fc_store *st, const char *ticker,
                              int64_t version, struct fc_diag *d)
{
    int64_t sid = 0;
    sqlite3_stmt *q = NULL;
    int src;
    fc_err rc = begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = series_id(st, ticker, &sid, d);
    if (rc == FC_OK)
        rc = stmt(st, Q_MODEL_UNCHAMP, &q, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(q, 1, sid);
    src = sqlite3_step(q);
    done_stmt(q);
    if (src != SQLITE_DONE) {
        rc = db_error(st, src, "champion reset", d);
        goto done;
    }
    rc = stmt(st, Q_MODEL_SET_CHAMP, &q, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, version);
    src = sqlite3_step(q);
    done_stmt(q);
    if (src != SQLITE_DONE)
        rc = db_error(st, src, "promote", d);
    else if (sqlite3_changes(st->db) == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "%s has no model version %lld",
                         ticker, (long long)version);
done:
    if (rc == FC_OK)
        rc = commit(st, d);
    if (rc != FC_OK)
        rollback(st);
    return rc;
}

fc_err fc_store_champions(struct fc_store *st, int with_blobs,
                          struct fc_model_rec **out, int *n,
                          struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    fc_err rc = stmt(st, Q_MODEL_CHAMPIONS, &q, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_int(q, 1, with_blobs != 0);
    rc = collect_models(st, q, "champions", out, n, d);
    done_stmt(q);
    return rc;
}

/* A row whose first column is a ticker into a char[FC_TICKER_SIZE]. */
static fc_err read_ticker(sqlite3_stmt *q, void *elem)
{
    col_text(q, 0, elem, FC_TICKER_SIZE);
    return FC_OK;
}

fc_err fc_store_models_older(struct fc_store *st, const char *before,
                             char (**out)[FC_TICKER_SIZE], int *n,
                             struct fc_diag *d)
{
    sqlite3_stmt *q = NULL;
    void *v;
    fc_err rc = stmt(st, Q_MODEL_OLDER, &q, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_text(q, 1, before, -1, SQLITE_STATIC);
    rc = collect(st, q, sizeof **out, read_ticker, NULL, "retrain schedule",
                 &v, n, d);
    done_stmt(q);
    if (rc == FC_OK)
        *out = v;
    return rc;
}
