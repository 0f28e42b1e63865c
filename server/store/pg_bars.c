/* pg_bars.c — series and their daily bars in PostgreSQL.
 *
 * A batch upsert is one transaction: the series row is created if needed
 * and locked (so batches of one series run one after the other and their
 * counts are exact), then the bars go in chunks of CHUNK rows, each chunk
 * one execution of a prepared statement whose parameters are the bars'
 * columns as binary arrays: INSERT ... ON CONFLICT DO UPDATE ... WHERE IS
 * DISTINCT FROM (P_BAR_UPSERT), whose RETURNING tells inserted rows from
 * changed ones, the rest being unchanged. When the series has no bar in
 * the batch's date range (a new series, a daily append, new history) every
 * row is new and the batch is one COPY ... FROM STDIN in binary instead:
 * it writes rows to the table in groups, with no speculative insertion
 * and no text to parse, about twice as fast as the upsert. series.n_bars
 * grows by the rows inserted, in the same transaction. The commit waits
 * for the WAL flush (synchronous_commit = on), once per batch. */
#include "pg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per execution of the upsert. Larger chunks cost memory (about 80
 * bytes a row of arrays) and gain nothing measurable past a few thousand
 * rows: the statement's fixed cost is then a fraction of a percent. */
#define CHUNK 16384

/* Element type OIDs of the arrays (pg_type: int4, int8, float8). */
#define INT4OID 23
#define INT8OID 20
#define FLOAT8OID 701

/* The header of a one-dimensional binary array of n elements (array_recv's
 * format, big-endian: dimensions, has-nulls flag, element type, length,
 * lower bound). */
#define ARRAY_HEAD 20

static unsigned char *put32(unsigned char *p, uint32_t x)
{
    p[0] = (unsigned char)(x >> 24);
    p[1] = (unsigned char)(x >> 16);
    p[2] = (unsigned char)(x >> 8);
    p[3] = (unsigned char)x;
    return p + 4;
}

static unsigned char *put64(unsigned char *p, uint64_t x)
{
    p = put32(p, (uint32_t)(x >> 32));
    return put32(p, (uint32_t)x);
}

static unsigned char *array_head(unsigned char *p, int has_null, uint32_t oid,
                                 int n)
{
    p = put32(p, 1);
    p = put32(p, (uint32_t)has_null);
    p = put32(p, oid);
    p = put32(p, (uint32_t)n);
    return put32(p, 1);
}

/* An element that is a double (NaN: NULL). */
static unsigned char *put_f64(unsigned char *p, double x)
{
    uint64_t u;
    if (isnan(x))
        return put32(p, 0xffffffffu); /* length -1: NULL */
    memcpy(&u, &x, sizeof u);
    p = put32(p, 8);
    return put64(p, u);
}

/* The column arrays of one chunk of bars, built in one buffer: the
 * parameters $2 .. $8 of P_BAR_UPSERT. */
struct bar_arrays {
    unsigned char *buf;
    const unsigned char *col[7];
    size_t len[7];
};

/* Bytes of each column's array for n rows: days (int4), five doubles,
 * volumes (int8); each element has a 4-byte length before it. */
static size_t column_size(int c, int n)
{
    return ARRAY_HEAD + (size_t)n * (c == 0 ? 8 : 12);
}

static void build_arrays(struct bar_arrays *a, const struct fc_bar *b, int n)
{
    unsigned char *p = a->buf;
    int adj_null = 0;
    for (int i = 0; i < n; i++)
        adj_null |= isnan(b[i].adj_close) != 0;
    for (int c = 0; c < 7; c++) {
        unsigned char *start = p;
        uint32_t oid = c == 0 ? INT4OID : c == 6 ? INT8OID : FLOAT8OID;
        p = array_head(p, c == 5 && adj_null, oid, n);
        for (int i = 0; i < n; i++) {
            switch (c) {
            case 0:
                p = put32(put32(p, 4), (uint32_t)b[i].day);
                break;
            case 1:
                p = put_f64(p, b[i].open);
                break;
            case 2:
                p = put_f64(p, b[i].high);
                break;
            case 3:
                p = put_f64(p, b[i].low);
                break;
            case 4:
                p = put_f64(p, b[i].close);
                break;
            case 5:
                p = put_f64(p, b[i].adj_close);
                break;
            default:
                p = put64(put32(p, 8), (uint64_t)(int64_t)b[i].volume);
                break;
            }
        }
        a->col[c] = start;
        a->len[c] = (size_t)(p - start);
    }
}

fc_err fc_pg_series_id(struct fc_pg *st, const char *ticker, int lock,
                       int64_t *id, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;

    fc_pg_arg_text(&a, ticker);
    fc_err rc = fc_pg_query(st, lock ? P_SERIES_LOCK : P_SERIES_ID, &a,
                            "series lookup", &r, d);
    if (rc != FC_OK)
        return rc;
    if (PQntuples(r) == 1)
        *id = fc_pg_i64(r, 0, 0);
    else
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series '%s'", ticker);
    PQclear(r);
    return rc;
}

/* A series' bar count, first and last day (INT32_MIN when it has no bar)
 * and champion version, from columns c .. c + 3 of row i. */
static void read_stats(const PGresult *r, int i, int c,
                       struct fc_series_info *s)
{
    s->n_bars = fc_pg_i64(r, i, c);
    s->first_day =
        fc_pg_null(r, i, c + 1) ? INT32_MIN : (int32_t)fc_pg_i64(r, i, c + 1);
    s->last_day =
        fc_pg_null(r, i, c + 2) ? INT32_MIN : (int32_t)fc_pg_i64(r, i, c + 2);
    s->champion_version = fc_pg_i64(r, i, c + 3);
}

static fc_err series_stats(struct fc_pg *st, int64_t id, const char *ticker,
                           struct fc_series_info *out, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;

    fc_pg_arg_i64(&a, id);
    fc_err rc = fc_pg_query(st, P_SERIES_STATS, &a, "series stats", &r, d);
    if (rc != FC_OK)
        return rc;
    if (PQntuples(r) == 1) {
        snprintf(out->ticker, sizeof out->ticker, "%s", ticker);
        read_stats(r, 0, 0, out);
    } else {
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series '%s'", ticker);
    }
    PQclear(r);
    return rc;
}

/* One chunk of n bars into series id with P_BAR_UPSERT: *inserted and
 * *changed grow by the rows it inserted and the rows it inserted or
 * changed. */
static fc_err upsert_chunk(struct fc_pg *st, struct bar_arrays *arr, int64_t id,
                           const struct fc_bar *bars, int n, int64_t *inserted,
                           int64_t *changed, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;

    build_arrays(arr, bars, n);
    fc_pg_arg_i64(&a, id);
    for (int c = 0; c < 7; c++)
        fc_pg_arg_bin(&a, arr->col[c], arr->len[c]);
    fc_err rc = fc_pg_query(st, P_BAR_UPSERT, &a, "bar upsert", &r, d);
    if (rc != FC_OK)
        return rc;
    *inserted += fc_pg_i64(r, 0, 0);
    *changed += fc_pg_i64(r, 0, 1);
    PQclear(r);
    return FC_OK;
}

/* COPY cannot be prepared: it is sent as text, the rows after it. */
#define COPY_BARS                                                              \
    "COPY bars (series_id, day, open, high, low, close, adj_close, volume)"    \
    " FROM STDIN (FORMAT binary)"

/* COPY's binary format (the PostgreSQL manual, "COPY", Binary Format): a
 * signature, flags and a header extension length; per row the number of
 * fields (int16) and each field as its length (int32, -1: NULL) and its
 * bytes in the type's send format (big-endian); -1 (int16) at the end. */
static const unsigned char copy_header[19] = {'P',  'G',  'C',  'O',  'P', 'Y',
                                              '\n', 0xff, '\r', '\n', 0};
#define COPY_ROW_MAX (2 + (4 + 8) + (4 + 4) + 5 * (4 + 8) + (4 + 8))

static unsigned char *put16(unsigned char *p, uint16_t x)
{
    p[0] = (unsigned char)(x >> 8);
    p[1] = (unsigned char)x;
    return p + 2;
}

/* The rows of bars[0..n) for series id in COPY's binary format; returns
 * the end of what it wrote (at most n * COPY_ROW_MAX bytes). */
static unsigned char *copy_rows(unsigned char *p, int64_t id,
                                const struct fc_bar *b, int n)
{
    for (int i = 0; i < n; i++) {
        p = put16(p, 8);
        p = put64(put32(p, 8), (uint64_t)id);
        p = put32(put32(p, 4), (uint32_t)b[i].day);
        p = put_f64(p, b[i].open);
        p = put_f64(p, b[i].high);
        p = put_f64(p, b[i].low);
        p = put_f64(p, b[i].close);
        p = put_f64(p, b[i].adj_close);
        p = put64(put32(p, 8), (uint64_t)(int64_t)b[i].volume);
    }
    return p;
}

/* The n bars, none of whose days series id has (its row locked), by one
 * COPY in chunks of CHUNK rows through buf (CHUNK * COPY_ROW_MAX bytes);
 * *inserted grows by the rows it wrote. A failure ends the COPY and
 * leaves the transaction failed, as a failed statement does. */
static fc_err copy_new_bars(struct fc_pg *st, unsigned char *buf, int64_t id,
                            const struct fc_bar *bars, int n, int64_t *inserted,
                            struct fc_diag *d)
{
    static const unsigned char trailer[2] = {0xff, 0xff};
    PGresult *r = PQexec(st->conn, COPY_BARS);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fc_err rc = fc_pg_fail(st, r, "bar copy", d);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    int ok = PQputCopyData(st->conn, (const char *)copy_header,
                           sizeof copy_header) == 1;
    for (int i = 0; ok && i < n; i += CHUNK) {
        int k = n - i < CHUNK ? n - i : CHUNK;
        unsigned char *end = copy_rows(buf, id, bars + i, k);
        ok = PQputCopyData(st->conn, (const char *)buf, (int)(end - buf)) == 1;
    }
    if (ok)
        ok = PQputCopyData(st->conn, (const char *)trailer, 2) == 1;
    PQputCopyEnd(st->conn, ok ? NULL : "client error");
    fc_err rc = FC_OK;
    int done = 0;
    while ((r = PQgetResult(st->conn)) != NULL) {
        if (!done && PQresultStatus(r) == PGRES_COMMAND_OK)
            *inserted += strtoll(PQcmdTuples(r), NULL, 10);
        else if (!done)
            rc = fc_pg_fail(st, r, "bar copy", d);
        done = 1;
        PQclear(r);
    }
    if (!done)
        rc = fc_pg_fail(st, NULL, "bar copy", d);
    return rc;
}

/* Bars of series id with a day in [from, to]. */
static fc_err range_count(struct fc_pg *st, int64_t id, int32_t from,
                          int32_t to, int64_t *n, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;

    fc_pg_arg_i64(&a, id);
    fc_pg_arg_i64(&a, from);
    fc_pg_arg_i64(&a, to);
    fc_err rc = fc_pg_query(st, P_RANGE_COUNT, &a, "range count", &r, d);
    if (rc != FC_OK)
        return rc;
    *n = fc_pg_i64(r, 0, 0);
    PQclear(r);
    return FC_OK;
}

/* The series as it is, for a batch of no bars: an absent series is
 * reported empty, not created. */
static fc_err put_nothing(struct fc_pg *st, const char *ticker,
                          struct fc_series_info *after, struct fc_diag *d)
{
    int64_t id = 0;
    fc_err rc = fc_pg_series_id(st, ticker, 0, &id, d);
    if (rc == FC_OK)
        rc = series_stats(st, id, ticker, after, d);
    if (rc == FC_ENOTFOUND) {
        memset(after, 0, sizeof *after);
        snprintf(after->ticker, sizeof after->ticker, "%s", ticker);
        after->first_day = INT32_MIN;
        after->last_day = INT32_MIN;
        rc = FC_OK;
    }
    return rc;
}

static fc_err put_bars_once(struct fc_pg *st, const char *ticker,
                            const struct fc_bar *bars, int n,
                            struct fc_put_result *res, struct fc_diag *d)
{
    struct bar_arrays arr = {0};
    struct fc_series_info after;
    struct pg_args a = {0};
    int64_t id = 0, inserted = 0, changed = 0, in_range = 0;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    char now[32];
    fc_err rc;

    if (n == 0) {
        rc = put_nothing(st, ticker, &after, d);
        if (rc != FC_OK)
            return rc;
        memset(res, 0, sizeof *res);
        res->after = after;
        return FC_OK;
    }
    int chunk = n < CHUNK ? n : CHUNK;
    size_t size = 0; /* the larger of the upsert's arrays and a COPY chunk */
    for (int c = 0; c < 7; c++)
        size += column_size(c, chunk);
    if (size < (size_t)chunk * COPY_ROW_MAX)
        size = (size_t)chunk * COPY_ROW_MAX;
    arr.buf = malloc(size);
    if (arr.buf == NULL)
        return FC_ENOMEM;
    rc = fc_pg_begin(st, d);
    if (rc != FC_OK)
        goto done;
    fc_pg_now(now);
    fc_pg_arg_text(&a, ticker);
    fc_pg_arg_text(&a, now);
    rc = fc_pg_cmd(st, P_SERIES_ADD, &a, "series insert", NULL, d);
    if (rc == FC_OK)
        rc = fc_pg_series_id(st, ticker, 1, &id, d);
    if (rc == FC_ENOTFOUND) {
        /* Deleted between the insert and the lock: run again. */
        st->retry = 1;
        rc = fc_diag_set(d, FC_EUNAVAIL, "series '%s' deleted meanwhile",
                         ticker);
    }
    for (int i = 0; i < n; i++) {
        lo = bars[i].day < lo ? bars[i].day : lo;
        hi = bars[i].day > hi ? bars[i].day : hi;
    }
    /* The series is locked: no other writer adds bars before ours. */
    if (rc == FC_OK)
        rc = range_count(st, id, lo, hi, &in_range, d);
    if (rc == FC_OK && in_range == 0) {
        rc = copy_new_bars(st, arr.buf, id, bars, n, &inserted, d);
        changed = inserted;
    }
    for (int i = 0; rc == FC_OK && in_range > 0 && i < n; i += chunk) {
        int k = n - i < chunk ? n - i : chunk;
        rc = upsert_chunk(st, &arr, id, bars + i, k, &inserted, &changed, d);
    }
    if (rc == FC_OK) {
        memset(&a, 0, sizeof a);
        fc_pg_arg_i64(&a, id);
        fc_pg_arg_i64(&a, inserted);
        rc = fc_pg_cmd(st, P_SERIES_GROW, &a, "series count", NULL, d);
    }
    if (rc == FC_OK)
        rc = series_stats(st, id, ticker, &after, d);
    if (rc == FC_OK)
        rc = fc_pg_commit(st, d);
done:
    free(arr.buf);
    if (rc != FC_OK) {
        fc_pg_rollback(st);
        return rc;
    }
    res->inserted = inserted;
    res->updated = changed - inserted;
    res->unchanged = (int64_t)n - changed;
    res->after = after;
    return FC_OK;
}

fc_err fc_pg_put_bars(struct fc_pg *st, const char *ticker,
                      const struct fc_bar *bars, int n,
                      struct fc_put_result *res, struct fc_diag *d)
{
    fc_err rc;
    int attempt = 0;
    do
        rc = put_bars_once(st, ticker, bars, n, res, d);
    while (fc_pg_again(st, rc, &attempt));
    return rc;
}

fc_err fc_pg_series_info(struct fc_pg *st, const char *ticker,
                         struct fc_series_info *out, struct fc_diag *d)
{
    int64_t id = 0;
    fc_err rc = fc_pg_series_id(st, ticker, 0, &id, d);
    if (rc != FC_OK)
        return rc;
    return series_stats(st, id, ticker, out, d);
}

/* Row i of P_SERIES_LIST into a struct fc_series_info. */
static fc_err read_series(const PGresult *r, int i, void *elem)
{
    struct fc_series_info *s = elem;
    fc_pg_text(r, i, 0, s->ticker, sizeof s->ticker);
    read_stats(r, i, 1, s);
    return FC_OK;
}

fc_err fc_pg_list_series(struct fc_pg *st, struct fc_series_info **out, int *n,
                         struct fc_diag *d)
{
    PGresult *r = NULL;
    void *v = NULL;
    fc_err rc = fc_pg_query(st, P_SERIES_LIST, NULL, "series list", &r, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_collect(r, sizeof **out, read_series, NULL, &v, n);
    PQclear(r);
    if (rc == FC_OK)
        *out = v;
    return rc;
}

fc_err fc_pg_get_bars(struct fc_pg *st, const char *ticker, int32_t from_day,
                      int32_t to_day, int64_t limit, struct fc_bar **out,
                      int *n, struct fc_diag *d)
{
    struct pg_args a = {0};
    PGresult *r = NULL;
    struct fc_bar *v = NULL;
    int len = 0;

    /* One statement: the series lookup and the scan see one snapshot, so
     * the series cannot vanish between them. */
    fc_pg_arg_text(&a, ticker);
    fc_pg_arg_i64(&a, from_day);
    fc_pg_arg_i64(&a, to_day);
    if (limit > 0)
        fc_pg_arg_i64(&a, limit);
    else
        fc_pg_arg_text(&a, NULL); /* LIMIT NULL: no limit */
    fc_err rc = fc_pg_query(st, P_BARS_RANGE, &a, "bars query", &r, d);
    if (rc != FC_OK)
        return rc;
    int rows = PQntuples(r);
    if (rows == 0) {
        rc = fc_diag_set(d, FC_ENOTFOUND, "no series '%s'", ticker);
        goto done;
    }
    if (rows > 1 || !fc_pg_null(r, 0, 1)) {
        v = malloc((size_t)rows * sizeof *v);
        if (v == NULL) {
            rc = FC_ENOMEM;
            goto done;
        }
        /* Newest first from the query (so LIMIT keeps the most recent);
         * callers get ascending dates. */
        for (int i = 0; i < rows; i++) {
            struct fc_bar *b = &v[rows - 1 - i];
            b->day = (int32_t)fc_pg_i64(r, i, 1);
            b->open = fc_pg_f64(r, i, 2);
            b->high = fc_pg_f64(r, i, 3);
            b->low = fc_pg_f64(r, i, 4);
            b->close = fc_pg_f64(r, i, 5);
            b->adj_close = fc_pg_f64(r, i, 6);
            b->volume = (double)fc_pg_i64(r, i, 7);
        }
        len = rows;
    }
done:
    PQclear(r);
    if (rc != FC_OK)
        return rc;
    *out = v;
    *n = len;
    return FC_OK;
}

fc_err fc_pg_delete_series(struct fc_pg *st, const char *ticker,
                           struct fc_diag *d)
{
    struct pg_args a = {0};
    int64_t id = 0;

    /* One transaction, the series' row locked first like every writer's:
     * its bars, then the series and, by cascade, its models and jobs. */
    fc_err rc = fc_pg_begin(st, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_pg_series_id(st, ticker, 1, &id, d);
    if (rc == FC_OK) {
        fc_pg_arg_i64(&a, id);
        rc = fc_pg_cmd(st, P_BARS_DEL, &a, "delete bars", NULL, d);
    }
    if (rc == FC_OK)
        rc = fc_pg_cmd(st, P_SERIES_DEL, &a, "delete series", NULL, d);
    if (rc == FC_OK) /* the other replicas drop its champion */
        rc = fc_pg_announce(st, ticker, d);
    if (rc == FC_OK)
        rc = fc_pg_commit(st, d);
    if (rc != FC_OK)
        fc_pg_rollback(st);
    return rc;
}

fc_err fc_pg_count_bars(struct fc_pg *st, const char *ticker, int32_t from_day,
                        int32_t to_day, int64_t *n, struct fc_diag *d)
{
    int64_t id = 0;
    fc_err rc = fc_pg_series_id(st, ticker, 0, &id, d);
    if (rc != FC_OK)
        return rc;
    return range_count(st, id, from_day, to_day, n, d);
}
