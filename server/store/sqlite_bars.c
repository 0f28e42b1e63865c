/* sqlite_bars.c — series and their daily bars in SQLite.
 *
 * A batch upsert is one BEGIN IMMEDIATE ... COMMIT: one WAL fsync per batch
 * (synchronous=FULL), not per row, which is why FULL costs nothing
 * measurable here while making every acknowledged write survive power
 * loss, not just a killed process. The upsert's DO UPDATE has a WHERE that
 * skips identical rows, so sqlite3_changes() tells changed from unchanged;
 * inserted rows are the growth of the count over the batch's date range,
 * read in the same transaction, and series.n_bars grows by as much (so no
 * query ever counts a whole series). */
#include "sqlite_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fc_err fc_sq_series_id(struct fc_sq *st, const char *ticker, int64_t *id,
                       struct fc_diag *d)
{
    fc_err rc = FC_OK;
    sqlite3_stmt *q = st->q[Q_SERIES_ID];

    sqlite3_bind_text(q, 1, ticker, -1, SQLITE_STATIC);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    else if (src == SQLITE_DONE)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series '%s'", ticker);
    else
        rc = fc_sq_fail(st, src, "series lookup", d);
    fc_sq_reset(q);
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

static fc_err series_stats(struct fc_sq *st, int64_t id, const char *ticker,
                           struct fc_series_info *out, struct fc_diag *d)
{
    fc_err rc = FC_OK;
    sqlite3_stmt *q = st->q[Q_SERIES_STATS];

    sqlite3_bind_int64(q, 1, id);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        snprintf(out->ticker, sizeof out->ticker, "%s", ticker);
        read_stats(q, 0, out);
    } else {
        rc = fc_sq_fail(st, src, "series stats", d);
    }
    fc_sq_reset(q);
    return rc;
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
static fc_err range_count(struct fc_sq *st, int64_t id, int32_t from,
                          int32_t to, int64_t *out, struct fc_diag *d)
{
    fc_err rc = FC_OK;
    sqlite3_stmt *q = st->q[Q_RANGE_COUNT];

    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, from);
    sqlite3_bind_int(q, 3, to);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        rc = fc_sq_fail(st, src, "range count", d);
    fc_sq_reset(q);
    return rc;
}

fc_err fc_sq_put_bars(struct fc_sq *st, const char *ticker,
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

    rc = fc_sq_begin(st, d);
    if (rc != FC_OK)
        return rc;
    if (n == 0) {
        /* Nothing to write: report the series as it is. */
        rc = fc_sq_series_id(st, ticker, &id, d);
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
    fc_sq_now(now);
    sqlite3_bind_text(st->q[Q_SERIES_ADD], 1, ticker, -1, SQLITE_STATIC);
    sqlite3_bind_text(st->q[Q_SERIES_ADD], 2, now, -1, SQLITE_STATIC);
    src = fc_sq_run(st->q[Q_SERIES_ADD]);
    if (src != SQLITE_OK) {
        rc = fc_sq_fail(st, src, "series insert", d);
        goto done;
    }
    rc = fc_sq_series_id(st, ticker, &id, d);
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

    /* The hot loop: bind, step, reset; no allocation, and no clearing of
     * bindings, since every parameter is bound again for each row. Full
     * groups of UPSERT_ROWS rows go through the multi-row statement, the
     * tail row by row; sqlite3_changes() counts the rows inserted or
     * changed. */
    for (int i = 0; i < n;) {
        int group = n - i >= UPSERT_ROWS ? UPSERT_ROWS : 1;
        q = group > 1 ? st->q[Q_BAR_UPSERT_N] : st->q[Q_BAR_UPSERT];
        for (int r = 0; r < group; r++)
            bind_bar(q, r * 8, id, &bars[i + r]);
        src = sqlite3_step(q);
        sqlite3_reset(q);
        if (src != SQLITE_DONE) {
            rc = fc_sq_fail(st, src, "bar upsert", d);
            goto done;
        }
        n_changed += sqlite3_changes(st->db);
        i += group;
    }
    rc = range_count(st, id, lo, hi, &n_after, d);
    if (rc != FC_OK)
        goto done;
    sqlite3_bind_int64(st->q[Q_SERIES_GROW], 1, id);
    sqlite3_bind_int64(st->q[Q_SERIES_GROW], 2, n_after - n_before);
    src = fc_sq_run(st->q[Q_SERIES_GROW]);
    if (src != SQLITE_OK) {
        rc = fc_sq_fail(st, src, "series count", d);
        goto done;
    }
    rc = series_stats(st, id, ticker, &after, d);
done:
    if (rc == FC_OK)
        rc = fc_sq_commit(st, d);
    if (rc != FC_OK) {
        fc_sq_rollback(st);
        return rc;
    }
    res->inserted = n_after - n_before;
    res->updated = n_changed - res->inserted;
    res->unchanged = (int64_t)n - n_changed;
    res->after = after;
    return FC_OK;
}

fc_err fc_sq_series_info(struct fc_sq *st, const char *ticker,
                         struct fc_series_info *out, struct fc_diag *d)
{
    int64_t id = 0;
    fc_err rc = fc_sq_series_id(st, ticker, &id, d);
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

fc_err fc_sq_list_series(struct fc_sq *st, struct fc_series_info **out, int *n,
                         struct fc_diag *d)
{
    sqlite3_stmt *q = st->q[Q_SERIES_LIST];
    void *v;
    fc_err rc = fc_sq_collect(st, q, sizeof **out, read_series, NULL,
                              "series list", &v, n, d);
    fc_sq_reset(q);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

fc_err fc_sq_get_bars(struct fc_sq *st, const char *ticker, int32_t from_day,
                      int32_t to_day, int64_t limit, struct fc_bar **out,
                      int *n, struct fc_diag *d)
{
    fc_err rc;
    int64_t id = 0;
    struct fc_bar *v = NULL;
    int len = 0;
    int cap = 0;
    sqlite3_stmt *q = st->q[Q_BARS_RANGE];
    int src;

    /* A read transaction, so the series cannot vanish between the lookup
     * and the scan (another connection's DELETE). */
    src = fc_sq_run(st->q[Q_BEGIN_READ]);
    if (src != SQLITE_OK)
        return fc_sq_fail(st, src, "begin", d);
    rc = fc_sq_series_id(st, ticker, &id, d);
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
        rc = fc_sq_fail(st, src, "bars query", d);
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
    fc_sq_reset(q);
    fc_sq_run(st->q[Q_COMMIT]); /* read-only: cannot fail to persist */
    if (rc != FC_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return FC_OK;
}

fc_err fc_sq_delete_series(struct fc_sq *st, const char *ticker,
                           struct fc_diag *d)
{
    fc_err rc = fc_sq_begin(st, d);
    if (rc != FC_OK)
        return rc;
    sqlite3_bind_text(st->q[Q_SERIES_DEL], 1, ticker, -1, SQLITE_STATIC);
    int src = fc_sq_run(st->q[Q_SERIES_DEL]);
    if (src != SQLITE_OK)
        rc = fc_sq_fail(st, src, "delete series", d);
    else if (sqlite3_changes(st->db) == 0)
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series '%s'", ticker);
    if (rc == FC_OK)
        rc = fc_sq_commit(st, d);
    if (rc != FC_OK)
        fc_sq_rollback(st);
    return rc;
}

fc_err fc_sq_count_bars(struct fc_sq *st, const char *ticker, int32_t from_day,
                        int32_t to_day, int64_t *n, struct fc_diag *d)
{
    int64_t id = 0;
    fc_err rc = fc_sq_series_id(st, ticker, &id, d);
    if (rc != FC_OK)
        return rc;
    return range_count(st, id, from_day, to_day, n, d);
}
