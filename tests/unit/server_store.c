/* server_store.c — unit tests of the SQLite store (server/store/) on
 * `:memory:` databases migrated from empty: schema version, upsert counts
 * (inserted, updated, unchanged), series stats, ranges and limits, delete,
 * tickers, and a file database reopened (migrations not re-run, data
 * kept). */
#include "check.h"
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const size_t fc_schema_n_migrations;

static struct fc_bar bar(int32_t day, double close)
{
    struct fc_bar b = {day, close, close + 1, close - 1 > 0 ? close - 1 : 0,
                       close, NAN, 1000};
    return b;
}

static void test_upsert(void)
{
    struct fc_store *st = NULL;
    struct fc_diag d;
    struct fc_put_result r;
    struct fc_bar bars[10];

    fc_diag_init(&d);
    CHECK_OK(fc_store_open(":memory:", &st, &d));
    if (st == NULL)
        return;
    CHECK_EQ_INT(fc_store_schema_version(st), (int)fc_schema_n_migrations);
    CHECK(fc_schema_n_migrations >= 1);

    for (int i = 0; i < 10; i++)
        bars[i] = bar(18000 + i, 10 + i);
    bars[3].adj_close = 12.5;
    bars[4].volume = 5e9; /* past 2^32 */
    CHECK_OK(fc_store_put_bars(st, "NFLX", bars, 10, &r, &d));
    CHECK_EQ_INT(r.inserted, 10);
    CHECK_EQ_INT(r.updated, 0);
    CHECK_EQ_INT(r.unchanged, 0);
    CHECK_EQ_INT(r.after.n_bars, 10);
    CHECK_EQ_INT(r.after.first_day, 18000);
    CHECK_EQ_INT(r.after.last_day, 18009);

    /* Again: all unchanged, NaN adj_close (NULL) included. */
    CHECK_OK(fc_store_put_bars(st, "NFLX", bars, 10, &r, &d));
    CHECK_EQ_INT(r.inserted, 0);
    CHECK_EQ_INT(r.updated, 0);
    CHECK_EQ_INT(r.unchanged, 10);

    /* One changed, two new (one earlier, one later), one unchanged. */
    struct fc_bar more[4] = {bar(17999, 5), bars[0], bar(18010, 30), bars[5]};
    more[3].close = 15.5;
    CHECK_OK(fc_store_put_bars(st, "NFLX", more, 4, &r, &d));
    CHECK_EQ_INT(r.inserted, 2);
    CHECK_EQ_INT(r.updated, 1);
    CHECK_EQ_INT(r.unchanged, 1);
    CHECK_EQ_INT(r.after.n_bars, 12);
    CHECK_EQ_INT(r.after.first_day, 17999);
    CHECK_EQ_INT(r.after.last_day, 18010);

    /* Read back: range, limit, values. */
    struct fc_bar *got = NULL;
    int n = 0;
    CHECK_OK(fc_store_get_bars(st, "NFLX", INT32_MIN, INT32_MAX, 0, &got, &n,
                               &d));
    CHECK_EQ_INT(n, 12);
    if (n == 12) {
        CHECK_EQ_INT(got[0].day, 17999);
        CHECK_EQ_INT(got[11].day, 18010);
        CHECK_NEAR(got[6].close, 15.5, 0);
        CHECK_NEAR(got[4].adj_close, 12.5, 0);
        CHECK(isnan(got[3].adj_close));
        CHECK_NEAR(got[5].volume, 5e9, 0);
    }
    free(got);
    got = NULL;
    CHECK_OK(fc_store_get_bars(st, "NFLX", 18002, 18006, 2, &got, &n, &d));
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(got[0].day, 18005);
        CHECK_EQ_INT(got[1].day, 18006);
    }
    free(got);
    got = NULL;
    CHECK_ERR(fc_store_get_bars(st, "AAPL", 0, 1, 0, &got, &n, &d),
              FC_ENOTFOUND);

    /* A second series, the list, delete. */
    CHECK_OK(fc_store_put_bars(st, "AAPL", bars, 3, &r, &d));
    CHECK_EQ_INT(r.inserted, 3);
    struct fc_series_info *list = NULL;
    CHECK_OK(fc_store_list_series(st, &list, &n, &d));
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK(strcmp(list[0].ticker, "AAPL") == 0);
        CHECK_EQ_INT(list[0].n_bars, 3);
        CHECK(strcmp(list[1].ticker, "NFLX") == 0);
        CHECK_EQ_INT(list[1].n_bars, 12);
        CHECK_EQ_INT(list[1].champion_version, 0);
    }
    free(list);
    CHECK_OK(fc_store_delete_series(st, "AAPL", &d));
    CHECK_ERR(fc_store_delete_series(st, "AAPL", &d), FC_ENOTFOUND);
    struct fc_series_info info;
    CHECK_ERR(fc_store_series_info(st, "AAPL", &info, &d), FC_ENOTFOUND);
    CHECK_OK(fc_store_series_info(st, "NFLX", &info, &d));
    CHECK_EQ_INT(info.n_bars, 12);

    /* Zero bars: nothing created. */
    CHECK_OK(fc_store_put_bars(st, "NEW", bars, 0, &r, &d));
    CHECK_EQ_INT(r.after.n_bars, 0);
    CHECK_ERR(fc_store_series_info(st, "NEW", &info, &d), FC_ENOTFOUND);
    fc_store_close(st);
    fc_store_close(NULL);
}

/* More than one group of the multi-row upsert plus a tail: counts and
 * values must match the row-by-row path exactly. */
static void test_bulk(void)
{
    enum { N = 64 * 3 + 17 };
    struct fc_store *st = NULL;
    struct fc_diag d;
    struct fc_put_result r;
    struct fc_bar *bars = malloc(N * sizeof *bars);

    fc_diag_init(&d);
    CHECK_OK(fc_store_open(":memory:", &st, &d));
    if (st == NULL || bars == NULL) {
        free(bars);
        return;
    }
    for (int i = 0; i < N; i++) {
        bars[i] = bar(20000 + i, 50 + i * 0.25);
        if (i % 3 == 0)
            bars[i].adj_close = bars[i].close * 0.5;
    }
    CHECK_OK(fc_store_put_bars(st, "BULK", bars, N, &r, &d));
    CHECK_EQ_INT(r.inserted, N);
    CHECK_EQ_INT(r.after.n_bars, N);
    /* Change every 10th bar and add 5 new ones at the end. */
    struct fc_bar *more = malloc((N + 5) * sizeof *more);
    for (int i = 0; i < N + 5; i++) {
        more[i] = i < N ? bars[i] : bar(20000 + i, 7);
        if (i < N && i % 10 == 0)
            more[i].volume += 1;
    }
    CHECK_OK(fc_store_put_bars(st, "BULK", more, N + 5, &r, &d));
    CHECK_EQ_INT(r.inserted, 5);
    CHECK_EQ_INT(r.updated, (N + 9) / 10);
    CHECK_EQ_INT(r.unchanged, N - (N + 9) / 10);
    struct fc_bar *got = NULL;
    int n = 0;
    CHECK_OK(fc_store_get_bars(st, "BULK", INT32_MIN, INT32_MAX, 0, &got, &n,
                               &d));
    CHECK_EQ_INT(n, N + 5);
    int same = n == N + 5;
    for (int i = 0; same && i < n; i++) {
        same &= got[i].day == more[i].day && got[i].close == more[i].close &&
                got[i].volume == more[i].volume &&
                (isnan(more[i].adj_close) ? isnan(got[i].adj_close)
                                          : got[i].adj_close ==
                                                more[i].adj_close);
    }
    CHECK(same);
    free(got);
    free(more);
    free(bars);
    fc_store_close(st);
}

static void test_tickers(void)
{
    char t[FC_TICKER_SIZE];
    CHECK(fc_ticker_normalize("nflx", t) && strcmp(t, "NFLX") == 0);
    CHECK(fc_ticker_normalize("^gspc", t) && strcmp(t, "^GSPC") == 0);
    CHECK(fc_ticker_normalize("BTC-USD", t));
    CHECK(fc_ticker_normalize("EURUSD=X", t));
    CHECK(fc_ticker_normalize("BRK.B", t));
    CHECK(fc_ticker_normalize("ABCDEFGHIJKLMNOP", t)); /* 16 */
    CHECK(!fc_ticker_normalize("ABCDEFGHIJKLMNOPQ", t));
    CHECK(!fc_ticker_normalize("", t));
    CHECK(!fc_ticker_normalize(NULL, t));
    CHECK(!fc_ticker_normalize("'; DROP TABLE bars;--", t));
    CHECK(!fc_ticker_normalize("A B", t));
    CHECK(!fc_ticker_normalize("A/B", t));
    CHECK(!fc_ticker_normalize("\xc3\xa9", t));
}

static void test_file_reopen(void)
{
    const char *path = "server_store_tmp.db";
    struct fc_store *st = NULL;
    struct fc_diag d;
    struct fc_put_result r;
    struct fc_bar b = bar(19000, 100);

    remove(path);
    fc_diag_init(&d);
    CHECK_OK(fc_store_open(path, &st, &d));
    if (st == NULL)
        return;
    CHECK_OK(fc_store_put_bars(st, "X", &b, 1, &r, &d));
    fc_store_close(st);
    st = NULL;
    CHECK_OK(fc_store_open(path, &st, &d));
    if (st != NULL) {
        struct fc_series_info info;
        CHECK_OK(fc_store_series_info(st, "X", &info, &d));
        CHECK_EQ_INT(info.n_bars, 1);
        fc_store_close(st);
    }
    /* Not a database: a clean error, no crash. */
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        fputs("this is not an SQLite database, just some text......", f);
        for (int i = 0; i < 200; i++)
            fputs("0123456789abcdef", f);
        fclose(f);
    }
    remove("server_store_tmp.db-wal");
    remove("server_store_tmp.db-shm");
    st = NULL;
    fc_err rc = fc_store_open(path, &st, &d);
    CHECK(rc == FC_ECORRUPT || rc == FC_EIO);
    CHECK(st == NULL);
    remove(path);
    remove("server_store_tmp.db-wal");
    remove("server_store_tmp.db-shm");
}

int main(void)
{
    test_upsert();
    test_bulk();
    test_tickers();
    test_file_reopen();
    return check_report();
}
