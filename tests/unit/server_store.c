/* server_store.c — unit tests of the store (server/store/), every case
 * run on both backends: SQLite on `:memory:` databases migrated from empty,
 * and, when FC_PG_URI names a PostgreSQL server (scripts/pg; scripts/test
 * sets it), PostgreSQL on a database created for the case and dropped
 * after it. Schema version, upsert counts (inserted, updated, unchanged),
 * series stats, ranges and limits, delete, tickers, the job queue's rules
 * and transitions, model versions with blobs and the champion, a database
 * reopened (migrations not re-run, data kept); for PostgreSQL also two
 * processes migrating one database at once, a refused password and a
 * schema newer than the binary. */
#include "check.h"
#include "promotion.h"
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern const size_t fc_schema_n_migrations;

/* The PostgreSQL server (FC_PG_URI), NULL when the cases run on SQLite. */
static const char *pg_uri;

/* psql runs sql on the database `db` of the server (NULL: the one FC_PG_URI
 * names); returns its exit status. */
static int psql(const char *db, const char *sql)
{
    char uri[1024], cmd[2048];
    const char *auth = strstr(pg_uri, "://");
    const char *path = auth != NULL ? strchr(auth + 3, '/') : NULL;
    const char *query = strchr(pg_uri, '?');
    if (db == NULL || path == NULL)
        snprintf(uri, sizeof uri, "%s", pg_uri);
    else
        snprintf(uri, sizeof uri, "%.*s/%s%s", (int)(path - pg_uri), pg_uri, db,
                 query != NULL ? query : "");
    snprintf(cmd, sizeof cmd, "psql -X -q -v ON_ERROR_STOP=1 '%s' -c '%s'", uri,
             sql);
    return system(cmd);
}

/* A fresh database for one case into db[size]: ":memory:" for SQLite, a
 * new database on the PostgreSQL server (its name in name[64], for
 * drop_db), as a URI. */
static void fresh_db(char *db, size_t size, char name[64])
{
    static int n;
    name[0] = '\0';
    if (pg_uri == NULL) {
        snprintf(db, size, ":memory:");
        return;
    }
    snprintf(name, 64, "fc_unit_%ld_%d", (long)getpid(), ++n);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    CHECK_EQ_INT(psql(NULL, sql), 0);
    const char *auth = strstr(pg_uri, "://");
    const char *path = auth != NULL ? strchr(auth + 3, '/') : NULL;
    const char *query = strchr(pg_uri, '?');
    int len = path != NULL ? (int)(path - pg_uri) : (int)strlen(pg_uri);
    snprintf(db, size, "%.*s/%s%s", len, pg_uri, name,
             query != NULL ? query : "");
}

static void drop_db(const char name[64])
{
    char sql[128];
    if (name[0] == '\0')
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    CHECK_EQ_INT(psql(NULL, sql), 0);
}

static struct fc_bar bar(int32_t day, double close)
{
    struct fc_bar b = {day,   close, close + 1, close - 1 > 0 ? close - 1 : 0,
                       close, NAN,   1000};
    return b;
}

static void test_upsert(void)
{
    struct fc_store *st = NULL;
    struct fc_diag d;
    struct fc_put_result r;
    struct fc_bar bars[10];
    char db[1024], name[64];

    fc_diag_init(&d);
    fresh_db(db, sizeof db, name);
    CHECK_OK(fc_store_open(db, &st, &d));
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
    CHECK_OK(
        fc_store_get_bars(st, "NFLX", INT32_MIN, INT32_MAX, 0, &got, &n, &d));
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
    drop_db(name);
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
    char db[1024], name[64];

    fc_diag_init(&d);
    fresh_db(db, sizeof db, name);
    CHECK_OK(fc_store_open(db, &st, &d));
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
    CHECK_OK(
        fc_store_get_bars(st, "BULK", INT32_MIN, INT32_MAX, 0, &got, &n, &d));
    CHECK_EQ_INT(n, N + 5);
    int same = n == N + 5;
    for (int i = 0; same && i < n; i++) {
        same &=
            got[i].day == more[i].day && got[i].close == more[i].close &&
            got[i].volume == more[i].volume &&
            (isnan(more[i].adj_close) ? isnan(got[i].adj_close)
                                      : got[i].adj_close == more[i].adj_close);
    }
    CHECK(same);
    free(got);
    free(more);
    free(bars);
    fc_store_close(st);
    drop_db(name);
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

/* A database opened, written, closed and opened again: the migrations are
 * not run again and the data is kept. Then a database the binary cannot
 * use: for SQLite a file that is not a database, for PostgreSQL a schema
 * newer than the binary. */
static void test_reopen(void)
{
    const char *path = "server_store_tmp.db";
    struct fc_store *st = NULL;
    struct fc_diag d;
    struct fc_put_result r;
    struct fc_bar b = bar(19000, 100);
    char db[1024], name[64];

    fc_diag_init(&d);
    if (pg_uri != NULL) {
        fresh_db(db, sizeof db, name);
    } else {
        snprintf(db, sizeof db, "%s", path);
        name[0] = '\0';
        remove(path);
    }
    CHECK_OK(fc_store_open(db, &st, &d));
    if (st == NULL)
        return;
    CHECK_OK(fc_store_put_bars(st, "X", &b, 1, &r, &d));
    fc_store_close(st);
    st = NULL;
    CHECK_OK(fc_store_open(db, &st, &d));
    if (st != NULL) {
        struct fc_series_info info;
        CHECK_EQ_INT(fc_store_schema_version(st), (int)fc_schema_n_migrations);
        CHECK_OK(fc_store_series_info(st, "X", &info, &d));
        CHECK_EQ_INT(info.n_bars, 1);
        fc_store_close(st);
    }
    st = NULL;
    if (pg_uri != NULL) {
        CHECK_EQ_INT(psql(name, "INSERT INTO schema_migrations (version)"
                                " VALUES (99)"),
                     0);
        CHECK_ERR(fc_store_open(db, &st, &d), FC_ECORRUPT);
        CHECK(strstr(d.msg, "newer") != NULL);
        CHECK(st == NULL);
        drop_db(name);
        return;
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
    fc_err rc = fc_store_open(path, &st, &d);
    CHECK(rc == FC_ECORRUPT || rc == FC_EIO);
    CHECK(st == NULL);
    remove(path);
    remove("server_store_tmp.db-wal");
    remove("server_store_tmp.db-shm");
    /* A file in folders that do not exist yet: they are made. */
    CHECK_OK(fc_store_open("server_store_tmp_dir/sub/x.db", &st, &d));
    fc_store_close(st);
    remove("server_store_tmp_dir/sub/x.db");
    remove("server_store_tmp_dir/sub/x.db-wal");
    remove("server_store_tmp_dir/sub/x.db-shm");
    remove("server_store_tmp_dir/sub");
    remove("server_store_tmp_dir");
}

/* A model record for job_succeed: a blob with zero bytes in it. */
static struct fc_model_rec model(const char *ticker, double skill,
                                 unsigned char blob[300])
{
    struct fc_model_rec m;
    memset(&m, 0, sizeof m);
    snprintf(m.ticker, sizeof m.ticker, "%s", ticker);
    for (int i = 0; i < 300; i++)
        blob[i] = (unsigned char)(i * 7);
    m.params = "{\"epochs\":3}";
    m.data = "{\"bars\":10}";
    m.metrics = "{\"rmse\":1.5}";
    m.evaluation = "[{\"date\":\"2020-01-02\"}]";
    m.skill = skill;
    m.epochs_run = 3;
    m.train_seconds = 0.25;
    m.blob = blob;
    m.blob_len = 300;
    return m;
}

/* The queue's rules and every transition, model versions and the
 * champion: the same answers from both backends. */
static void test_jobs_models(void)
{
    struct fc_store *st = NULL;
    struct fc_diag d;
    struct fc_put_result r;
    struct fc_bar bars[10];
    struct fc_job j, j2;
    int64_t conflict = 0, replaced = 0;
    int running = 0, n = 0;
    unsigned char blob[300];
    char db[1024], name[64];

    fc_diag_init(&d);
    fresh_db(db, sizeof db, name);
    CHECK_OK(fc_store_open(db, &st, &d));
    if (st == NULL)
        return;
    for (int i = 0; i < 10; i++)
        bars[i] = bar(18000 + i, 10 + i);
    CHECK_OK(fc_store_put_bars(st, "NFLX", bars, 10, &r, &d));
    CHECK_ERR(fc_store_job_create(st, "NONE", "train", "{}", NULL, 0, &j,
                                  &conflict, &replaced, &d),
              FC_ENOTFOUND);

    /* A user's job blocks a second of its kind, not one of the other. */
    CHECK_OK(fc_store_job_create(st, "NFLX", "train", "{\"a\":1}", NULL, 0, &j,
                                 &conflict, &replaced, &d));
    int64_t train1 = j.id;
    CHECK_EQ_INT(j.state, FC_JOB_QUEUED);
    CHECK(strcmp(j.params, "{\"a\":1}") == 0);
    CHECK(j.progress == NULL && j.result == NULL && j.error == NULL);
    CHECK_EQ_INT(replaced, 0);
    fc_job_fini(&j);
    CHECK_ERR(fc_store_job_create(st, "NFLX", "train", "{}", NULL, 0, &j,
                                  &conflict, &replaced, &d),
              FC_ECONFLICT);
    CHECK_EQ_INT(conflict, train1);
    CHECK_ERR(fc_store_job_create(st, "NFLX", "train", "{}", NULL, 1, &j,
                                  &conflict, &replaced, &d),
              FC_ECONFLICT);
    CHECK_OK(fc_store_job_create(st, "NFLX", "backtest", "{}", "{\"p\":0}", 0,
                                 &j, &conflict, &replaced, &d));
    int64_t bt1 = j.id;
    CHECK(j.progress != NULL && strcmp(j.progress, "{\"p\":0}") == 0);
    fc_job_fini(&j);

    /* Claim the oldest, progress, succeed with a model: version 1,
     * champion (no champion yet). */
    CHECK_OK(fc_store_job_claim(st, 0, &j, &d));
    CHECK_EQ_INT(j.id, train1);
    CHECK_EQ_INT(j.state, FC_JOB_RUNNING);
    CHECK(j.started_at[0] != '\0');
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_progress(st, train1, "{\"epoch\":1}", &running, &d));
    CHECK_EQ_INT(running, 1);
    struct fc_model_rec m = model("NFLX", 0.5, blob);
    CHECK_OK(fc_store_job_succeed(st, train1, FC_PROMOTE_IF_NOT_WORSE, &m, &d));
    CHECK_EQ_INT(m.version, 1);
    CHECK_EQ_INT(m.champion, 1);
    CHECK_OK(fc_store_job_get(st, train1, &j, &d));
    CHECK_EQ_INT(j.state, FC_JOB_SUCCEEDED);
    CHECK_EQ_INT(j.model_version, 1);
    CHECK(strcmp(j.progress, "{\"epoch\":1}") == 0);
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_progress(st, train1, "{}", &running, &d));
    CHECK_EQ_INT(running, 0);

    struct fc_model_rec got;
    CHECK_OK(fc_store_model_get(st, "NFLX", 0, 1, &got, &d));
    CHECK_EQ_INT(got.version, 1);
    CHECK_EQ_INT(got.champion, 1);
    CHECK_EQ_INT(got.blob_len, 300);
    CHECK(got.blob != NULL && memcmp(got.blob, blob, 300) == 0);
    CHECK_NEAR(got.skill, 0.5, 0);
    CHECK_NEAR(got.train_seconds, 0.25, 0);
    CHECK_EQ_INT(got.epochs_run, 3);
    CHECK(strcmp(got.metrics, "{\"rmse\":1.5}") == 0);
    CHECK(got.evaluation == NULL);
    fc_model_rec_fini(&got);
    CHECK_OK(fc_store_model_get(st, "NFLX", 1, 0, &got, &d));
    CHECK(got.blob == NULL);
    fc_model_rec_fini(&got);
    CHECK_ERR(fc_store_model_get(st, "NFLX", 7, 0, &got, &d), FC_ENOTFOUND);
    char *ev = NULL;
    CHECK_OK(fc_store_model_evaluation(st, "NFLX", 1, &ev, &d));
    CHECK(ev != NULL && strcmp(ev, "[{\"date\":\"2020-01-02\"}]") == 0);
    free(ev);
    CHECK_ERR(fc_store_model_evaluation(st, "NFLX", 7, &ev, &d), FC_ENOTFOUND);

    /* An automatic retrain that is worse: version 2, not champion. */
    CHECK_OK(fc_store_job_create(st, "NFLX", "train", "{}", NULL, 1, &j,
                                 &conflict, &replaced, &d));
    int64_t auto1 = j.id;
    CHECK_EQ_INT(j.is_auto, 1);
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_claim(st, auto1, &j, &d));
    fc_job_fini(&j);
    CHECK_ERR(fc_store_job_claim(st, auto1, &j, &d), FC_ENOTFOUND);
    m = model("NFLX", 0.25, blob);
    CHECK_OK(fc_store_job_succeed(st, auto1, FC_PROMOTE_IF_NOT_WORSE, &m, &d));
    CHECK_EQ_INT(m.version, 2);
    CHECK_EQ_INT(m.champion, 0);
    struct fc_model_rec *list = NULL;
    CHECK_OK(fc_store_model_list(st, "NFLX", 10, &list, &n, &d));
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(list[0].version, 2);
        CHECK_NEAR(list[0].skill, 0.25, 0);
        CHECK(list[0].blob == NULL);
        CHECK_EQ_INT(list[1].version, 1);
    }
    fc_model_recs_free(list, n);
    CHECK_OK(fc_store_model_list(st, NULL, 1, &list, &n, &d));
    CHECK_EQ_INT(n, 1);
    fc_model_recs_free(list, n);
    CHECK_ERR(fc_store_model_list(st, "NONE", 10, &list, &n, &d), FC_ENOTFOUND);

    /* Promotion: one champion per series. */
    CHECK_OK(fc_store_model_promote(st, "NFLX", 2, &d));
    CHECK_ERR(fc_store_model_promote(st, "NFLX", 9, &d), FC_ENOTFOUND);
    CHECK_OK(fc_store_champions(st, 1, &list, &n, &d));
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_INT(list[0].version, 2);
        CHECK(list[0].blob != NULL && list[0].blob_len == 300);
    }
    fc_model_recs_free(list, n);
    struct fc_series_info info;
    CHECK_OK(fc_store_series_info(st, "NFLX", &info, &d));
    CHECK_EQ_INT(info.champion_version, 2);

    /* Cancel a queued job; again is a conflict showing the job. */
    int was_running = 1;
    CHECK_OK(fc_store_job_cancel(st, bt1, &j, &was_running, &d));
    CHECK_EQ_INT(j.state, FC_JOB_CANCELLED);
    CHECK_EQ_INT(was_running, 0);
    fc_job_fini(&j);
    CHECK_ERR(fc_store_job_cancel(st, bt1, &j, &was_running, &d), FC_ECONFLICT);
    CHECK_EQ_INT(j.state, FC_JOB_CANCELLED);
    fc_job_fini(&j);
    CHECK_ERR(fc_store_job_cancel(st, 9999, &j, &was_running, &d),
              FC_ENOTFOUND);

    /* A user's job replaces a running automatic one, whose model is then
     * dropped. */
    CHECK_OK(fc_store_job_create(st, "NFLX", "train", "{}", NULL, 1, &j,
                                 &conflict, &replaced, &d));
    int64_t auto2 = j.id;
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_claim(st, 0, &j, &d));
    CHECK_EQ_INT(j.id, auto2);
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_create(st, "NFLX", "train", "{}", NULL, 0, &j,
                                 &conflict, &replaced, &d));
    int64_t train2 = j.id;
    CHECK_EQ_INT(replaced, auto2);
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_get(st, auto2, &j2, &d));
    CHECK_EQ_INT(j2.state, FC_JOB_CANCELLED);
    CHECK(j2.error != NULL && strstr(j2.error, "replaced by job") != NULL);
    fc_job_fini(&j2);
    m = model("NFLX", 0.9, blob);
    CHECK_ERR(fc_store_job_succeed(st, auto2, FC_PROMOTE_ALWAYS, &m, &d),
              FC_ECANCELLED);
    CHECK_OK(fc_store_model_list(st, "NFLX", 10, &list, &n, &d));
    CHECK_EQ_INT(n, 2);
    fc_model_recs_free(list, n);

    /* Stop: back to queued, then failed; requeue at start-up. */
    CHECK_OK(fc_store_job_claim(st, train2, &j, &d));
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_stop(st, train2, 1, NULL, &d));
    CHECK_OK(fc_store_job_get(st, train2, &j, &d));
    CHECK_EQ_INT(j.state, FC_JOB_QUEUED);
    CHECK(j.started_at[0] == '\0');
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_claim(st, train2, &j, &d));
    fc_job_fini(&j);
    int n_requeued = 0;
    CHECK_OK(fc_store_job_requeue_running(st, &n_requeued, &d));
    CHECK_EQ_INT(n_requeued, 1);
    CHECK_OK(fc_store_job_claim(st, train2, &j, &d));
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_stop(st, train2, 0, "it broke", &d));
    CHECK_OK(fc_store_job_get(st, train2, &j, &d));
    CHECK_EQ_INT(j.state, FC_JOB_FAILED);
    CHECK(j.error != NULL && strcmp(j.error, "it broke") == 0);
    CHECK(j.finished_at[0] != '\0');
    fc_job_fini(&j);

    /* A backtest finishes with a result, once. */
    CHECK_OK(fc_store_job_create(st, "NFLX", "backtest", "{}", NULL, 0, &j,
                                 &conflict, &replaced, &d));
    int64_t bt2 = j.id;
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_claim(st, 0, &j, &d));
    CHECK_EQ_INT(j.id, bt2);
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_finish(st, bt2, "{\"folds\":3}", &d));
    CHECK_ERR(fc_store_job_finish(st, bt2, "{}", &d), FC_ECANCELLED);
    CHECK_OK(fc_store_job_get(st, bt2, &j, &d));
    CHECK_EQ_INT(j.state, FC_JOB_SUCCEEDED);
    CHECK(j.result != NULL && strcmp(j.result, "{\"folds\":3}") == 0);
    fc_job_fini(&j);
    CHECK_ERR(fc_store_job_claim(st, 0, &j, &d), FC_ENOTFOUND);

    /* Counts and lists. */
    int64_t counts[FC_JOB_STATE_COUNT_];
    CHECK_OK(fc_store_job_counts(st, counts, &d));
    CHECK_EQ_INT(counts[FC_JOB_QUEUED], 0);
    CHECK_EQ_INT(counts[FC_JOB_RUNNING], 0);
    CHECK_EQ_INT(counts[FC_JOB_SUCCEEDED], 3);
    CHECK_EQ_INT(counts[FC_JOB_FAILED], 1);
    CHECK_EQ_INT(counts[FC_JOB_CANCELLED], 2);
    struct fc_job *jobs = NULL;
    CHECK_OK(
        fc_store_job_list(st, "NFLX", FC_JOB_SUCCEEDED, 10, &jobs, &n, &d));
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(jobs[0].id, bt2);
        CHECK_EQ_INT(jobs[2].id, train1);
    }
    fc_jobs_free(jobs, n);
    CHECK_OK(fc_store_job_list(st, NULL, -1, 2, &jobs, &n, &d));
    CHECK_EQ_INT(n, 2);
    fc_jobs_free(jobs, n);
    CHECK_OK(fc_store_job_list(st, "NONE", -1, 10, &jobs, &n, &d));
    CHECK_EQ_INT(n, 0);
    fc_jobs_free(jobs, n);

    /* An undefined skill (NaN) is stored and read back as NaN. */
    CHECK_OK(fc_store_job_create(st, "NFLX", "train", "{}", NULL, 0, &j,
                                 &conflict, &replaced, &d));
    int64_t train3 = j.id;
    fc_job_fini(&j);
    CHECK_OK(fc_store_job_claim(st, train3, &j, &d));
    fc_job_fini(&j);
    m = model("NFLX", NAN, blob);
    CHECK_OK(fc_store_job_succeed(st, train3, FC_PROMOTE_ALWAYS, &m, &d));
    CHECK_EQ_INT(m.version, 3);
    CHECK_EQ_INT(m.champion, 1);
    CHECK_OK(fc_store_model_get(st, "NFLX", 0, 0, &got, &d));
    CHECK_EQ_INT(got.version, 3);
    CHECK(isnan(got.skill));
    fc_model_rec_fini(&got);

    /* The retrain schedule, by the newest model's time. */
    char(*older)[FC_TICKER_SIZE] = NULL;
    CHECK_OK(fc_store_models_older(st, "9999-01-01T00:00:00Z", &older, &n, &d));
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK(strcmp(older[0], "NFLX") == 0);
    free(older);
    older = NULL;
    CHECK_OK(fc_store_models_older(st, "2000-01-01T00:00:00Z", &older, &n, &d));
    CHECK_EQ_INT(n, 0);
    free(older);

    /* Deleting the series takes its jobs and models with it. */
    CHECK_OK(fc_store_delete_series(st, "NFLX", &d));
    CHECK_ERR(fc_store_job_get(st, train1, &j, &d), FC_ENOTFOUND);
    CHECK_OK(fc_store_model_list(st, NULL, 10, &list, &n, &d));
    CHECK_EQ_INT(n, 0);
    fc_model_recs_free(list, n);
    CHECK_OK(fc_store_job_counts(st, counts, &d));
    CHECK_EQ_INT(counts[FC_JOB_SUCCEEDED], 0);
    fc_store_close(st);
    drop_db(name);
}

/* The password of a connection URI never reaches a log line. */
static void test_redact(void)
{
    char out[256];
    fc_store_db_redact("postgresql://u:s3cret@h:5432/db?sslmode=require", out,
                       sizeof out);
    CHECK(strcmp(out, "postgresql://u:***@h:5432/db?sslmode=require") == 0);
    fc_store_db_redact("postgres://u:p@ss@h/db", out, sizeof out);
    CHECK(strcmp(out, "postgres://u:***@h/db") == 0);
    fc_store_db_redact("postgresql://u@h/db", out, sizeof out);
    CHECK(strcmp(out, "postgresql://u@h/db") == 0);
    fc_store_db_redact("./var/a:b@c.db", out, sizeof out);
    CHECK(strcmp(out, "./var/a:b@c.db") == 0);
}

/* Two processes open one new database at once: the advisory lock makes
 * one migrate and the other find the schema current. */
static void test_pg_race(void)
{
    char db[1024], name[64];
    pid_t kids[2];

    fresh_db(db, sizeof db, name);
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            struct fc_store *st = NULL;
            struct fc_diag d;
            fc_diag_init(&d);
            fc_err rc = fc_store_open(db, &st, &d);
            if (rc != FC_OK)
                fprintf(stderr, "race: %s\n", d.msg);
            int ok = rc == FC_OK &&
                     fc_store_schema_version(st) == (int)fc_schema_n_migrations;
            fc_store_close(st);
            _exit(ok ? 0 : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status = 1;
        CHECK(kids[i] > 0 && waitpid(kids[i], &status, 0) == kids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    drop_db(name);
}

/* A refused password and a URI libpq cannot parse: clean errors that name
 * the host and user, never the password. */
static void test_pg_refused(void)
{
    char db[1024];
    struct fc_store *st = NULL;
    struct fc_diag d;
    const char *at = strrchr(pg_uri, '@');

    fc_diag_init(&d);
    if (at == NULL)
        return;
    snprintf(db, sizeof db, "postgresql://forecastd:NotThePassword%s", at);
    CHECK_ERR(fc_store_open(db, &st, &d), FC_EUNAVAIL);
    CHECK(st == NULL);
    CHECK(strstr(d.msg, "forecastd") != NULL);
    CHECK(strstr(d.msg, "127.0.0.1") != NULL);
    CHECK(strstr(d.msg, "NotThePassword") == NULL);
    CHECK_ERR(fc_store_open("postgresql://u:Not%zzThePassword@h/x", &st, &d),
              FC_EIO);
    CHECK(strstr(d.msg, "NotThePassword") == NULL);
    CHECK_ERR(
        fc_store_open("postgresql://u:NotThePassword@h/x?nosuch=1", &st, &d),
        FC_EIO);
    CHECK(strstr(d.msg, "nosuch") != NULL);
    CHECK(strstr(d.msg, "NotThePassword") == NULL);
}

/* Every case on one backend. */
static void run_cases(void)
{
    test_upsert();
    test_bulk();
    test_reopen();
    test_jobs_models();
}

int main(void)
{
    test_tickers();
    test_redact();
    run_cases(); /* SQLite */
    pg_uri = getenv("FC_PG_URI");
    if (pg_uri != NULL && pg_uri[0] != '\0') {
        fprintf(stderr, "server_store: the cases again on PostgreSQL\n");
        run_cases();
        test_pg_race();
        test_pg_refused();
    } else {
        pg_uri = NULL;
        fprintf(stderr, "server_store: PostgreSQL cases skipped (FC_PG_URI "
                        "is not set; scripts/pg starts a server)\n");
    }
    return check_report();
}
