/* server_ingest.c — unit tests of the bar parser and validator (ingest.c):
 * CSV layout edge cases (BOM, CRLF, no final newline, column names and
 * order), every row rule, duplicates, the error cap, the CLI file reader on
 * the shipped NFLX files, and the number parser's exactness. */
#include "check.h"
#include "ingest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fc_batch *batch_new(void)
{
    struct fc_batch *b = malloc(sizeof *b);
    if (b == NULL)
        abort();
    fc_batch_init(b);
    return b;
}

static void batch_free(struct fc_batch *b)
{
    fc_batch_fini(b);
    free(b);
}

/* Parses s; returns the parse result, leaves the batch in *out. */
static fc_err parse(const char *s, struct fc_batch **out, struct fc_diag *d)
{
    struct fc_batch *b = batch_new();
    fc_diag_init(d);
    fc_err rc = fc_ingest_parse_csv(s, strlen(s), b, d);
    *out = b;
    return rc;
}

static int32_t day(const char *s)
{
    int32_t dd = 0;
    if (fc_day_parse(s, (int)strlen(s), &dd) != 0)
        abort();
    return dd;
}

static void test_layouts(void)
{
    struct fc_diag d;
    struct fc_batch *b;
    const char *yahoo = "Date,Open,High,Low,Close,Adj Close,Volume\n"
                        "2019-01-02,1,2,0.5,1.5,1.4,100\n"
                        "2019-01-03,1.5,2.5,1.0,2.0,1.9,3000000000\n";

    CHECK_OK(parse(yahoo, &b, &d));
    CHECK_EQ_INT(b->n_rows, 2);
    CHECK_EQ_INT(b->n_bars, 2);
    CHECK_EQ_INT(b->n_bad_rows, 0);
    CHECK_EQ_INT(b->bars[0].day, day("2019-01-02"));
    CHECK_NEAR(b->bars[0].low, 0.5, 0);
    CHECK_NEAR(b->bars[0].adj_close, 1.4, 0);
    CHECK_NEAR(b->bars[1].volume, 3000000000.0, 0); /* past 2^31 */
    batch_free(b);

    /* BOM, CRLF, no final newline, Adj_close, shuffled columns. */
    CHECK_OK(parse("\xEF\xBB\xBFvolume,Adj_close,CLOSE,low,High,open,DATE\r\n"
                   "100,1.4,1.5,0.5,2,1,2019-01-02\r\n"
                   "200,1.9,2.0,1.0,2.5,1.5,2019-01-03",
                   &b, &d));
    CHECK_EQ_INT(b->n_bars, 2);
    CHECK_EQ_INT(b->n_bad_rows, 0);
    CHECK_NEAR(b->bars[1].open, 1.5, 0);
    CHECK_NEAR(b->bars[1].close, 2.0, 0);
    CHECK_NEAR(b->bars[1].volume, 200, 0);
    CHECK_EQ_INT(b->bars[1].day, day("2019-01-03"));
    batch_free(b);

    /* adj_close lower-case; no adj column at all -> NaN; extra columns. */
    CHECK_OK(parse("date,open,high,low,close,adj_close,volume\n"
                   "2019-01-02,1,2,0.5,1.5,,100\n",
                   &b, &d));
    CHECK_EQ_INT(b->n_bars, 1);
    CHECK(isnan(b->bars[0].adj_close));
    batch_free(b);
    CHECK_OK(parse("Date,Open,High,Low,Close,Volume,Note\n"
                   "2019-01-02,1,2,0.5,1.5,100,hello\n\n\n",
                   &b, &d));
    CHECK_EQ_INT(b->n_bars, 1);
    CHECK_EQ_INT(b->n_rows, 1);
    CHECK(isnan(b->bars[0].adj_close));
    batch_free(b);
}

static void test_malformed(void)
{
    struct fc_diag d;
    struct fc_batch *b;

    CHECK_ERR(parse("", &b, &d), FC_EBADREQ);
    CHECK(strstr(d.msg, "empty") != NULL);
    batch_free(b);
    CHECK_ERR(parse("\xEF\xBB\xBF\r\n\n", &b, &d), FC_EBADREQ);
    batch_free(b);
    CHECK_ERR(parse("2019-01-02,1,2,0.5,1.5,1.4,100\n", &b, &d), FC_EBADREQ);
    CHECK(strstr(d.msg, "no header") != NULL);
    batch_free(b);
    CHECK_ERR(parse("a,b,c\n1,2,3\n", &b, &d), FC_EBADREQ);
    CHECK(strstr(d.msg, "no header") != NULL);
    batch_free(b);
    CHECK_ERR(
        parse("Date,Open,High,Low,Close\n2019-01-02,1,2,0.5,1.5\n", &b, &d),
        FC_EBADREQ);
    CHECK(strstr(d.msg, "missing column 'volume'") != NULL);
    batch_free(b);
    CHECK_ERR(parse("Date,Open,High,Low,Close,Volume,close\n", &b, &d),
              FC_EBADREQ);
    CHECK(strstr(d.msg, "twice") != NULL);
    batch_free(b);
}

/* One bad row in a good batch: its error and nothing else. */
static void one_bad(const char *row, int want_field, const char *want_msg)
{
    char csv[512];
    struct fc_diag d;
    struct fc_batch *b;

    snprintf(csv, sizeof csv,
             "Date,Open,High,Low,Close,Adj Close,Volume\n"
             "2019-01-01,1,2,0.5,1.5,1.5,10\n%s\n"
             "2019-01-09,1,2,0.5,1.5,1.5,10\n",
             row);
    CHECK_OK(parse(csv, &b, &d));
    CHECK_EQ_INT(b->n_rows, 3);
    CHECK_EQ_INT(b->n_bars, 2);
    CHECK_EQ_INT(b->n_bad_rows, 1);
    CHECK(b->n_kept >= 1);
    if (b->n_kept >= 1) {
        CHECK_EQ_INT(b->errs[0].row, 2);
        CHECK_EQ_INT(b->errs[0].field, want_field);
        if (strstr(b->errs[0].message, want_msg) == NULL) {
            CHECK_FAIL_("row '%s': message '%s' lacks '%s'", row,
                        b->errs[0].message, want_msg);
        }
    }
    batch_free(b);
}

static void test_bad_rows(void)
{
    one_bad("2019-02-30,1,2,0.5,1.5,1.5,10", FC_FIELD_DATE,
            "not a calendar date: '2019-02-30'");
    one_bad("2019/02/03,1,2,0.5,1.5,1.5,10", FC_FIELD_DATE, "not a date");
    one_bad("2019-01-02,NaN,2,0.5,1.5,1.5,10", FC_FIELD_OPEN,
            "not a finite number");
    one_bad("2019-01-02,1,inf,0.5,1.5,1.5,10", FC_FIELD_HIGH,
            "not a finite number");
    one_bad("2019-01-02,1,2,0.5,1e999,1.5,10", FC_FIELD_CLOSE,
            "not a finite number");
    one_bad("2019-01-02,1,2,0.5,null,1.5,10", FC_FIELD_CLOSE,
            "not a number: 'null'");
    one_bad("2019-01-02,1,2,0.5,,1.5,10", FC_FIELD_CLOSE, "empty value");
    one_bad("2019-01-02,1,2,0.5,0x10,1.5,10", FC_FIELD_CLOSE, "not a number");
    one_bad("2019-01-02,1,2,0.5,1.5,1.5,-10", FC_FIELD_VOLUME, "must be >= 0");
    one_bad("2019-01-02,1,2,0.5,1.5,1.5,10.5", FC_FIELD_VOLUME,
            "not a whole number");
    one_bad("2019-01-02,1,2,0.5,0,1.5,10", FC_FIELD_CLOSE, "must be > 0");
    one_bad("2019-01-02,-1,2,0.5,1.5,1.5,10", FC_FIELD_OPEN, "must be >= 0");
    one_bad("2019-01-02,1,1.2,0.5,1.5,1.5,10", FC_FIELD_HIGH,
            "below max(open, close)");
    one_bad("2019-01-02,1,2,1.2,1.5,1.5,10", FC_FIELD_LOW,
            "above min(open, close)");
    one_bad("2019-01-02,1,2,0.5,1.5,1.5", FC_FIELD_NONE,
            "expected 7 fields, got 6");
    one_bad("2019-01-02,1,2,0.5,1.5,1.5,10,11", FC_FIELD_NONE,
            "expected 7 fields, got 8");
    one_bad("2019-01-01,1,2,0.5,1.5,1.5,10", FC_FIELD_DATE,
            "duplicate date (first at row 1)");
}

static void test_row_errors_detail(void)
{
    struct fc_diag d;
    struct fc_batch *b;

    /* Several errors in one row count one bad row; the date is kept. */
    CHECK_OK(parse("Date,Open,High,Low,Close,Volume\n"
                   "2019-01-02,x,y,0.5,1.5,10\n",
                   &b, &d));
    CHECK_EQ_INT(b->n_bad_rows, 1);
    CHECK_EQ_INT(b->n_errors, 2);
    CHECK_EQ_INT(b->errs[0].day, day("2019-01-02"));
    CHECK_EQ_INT(b->errs[0].field, FC_FIELD_OPEN);
    CHECK_EQ_INT(b->errs[1].field, FC_FIELD_HIGH);
    batch_free(b);

    /* An unreadable date leaves day unknown. */
    CHECK_OK(parse("Date,Open,High,Low,Close,Volume\n"
                   "nope,1,2,0.5,1.5,10\n",
                   &b, &d));
    CHECK_EQ_INT(b->errs[0].day, FC_DAY_NONE);
    batch_free(b);

    /* Duplicates out of order: the later rows are the bad ones, and the
     * errors come out sorted by row. */
    CHECK_OK(parse("Date,Open,High,Low,Close,Volume\n"
                   "2019-01-03,1,2,0.5,1.5,10\n"
                   "2019-01-02,1,2,0.5,1.5,10\n"
                   "2019-01-03,1,2,0.5,1.5,11\n"
                   "bad,1,2,0.5,1.5,10\n"
                   "2019-01-02,1,2,0.5,1.5,12\n",
                   &b, &d));
    CHECK_EQ_INT(b->n_rows, 5);
    CHECK_EQ_INT(b->n_bars, 2);
    CHECK_EQ_INT(b->n_bad_rows, 3);
    CHECK_EQ_INT(b->errs[0].row, 3);
    CHECK_EQ_INT(b->errs[1].row, 4);
    CHECK_EQ_INT(b->errs[2].row, 5);
    CHECK(strstr(b->errs[2].message, "first at row 2") != NULL);
    CHECK_OK(fc_batch_sort(b));
    CHECK_EQ_INT(b->bars[0].day, day("2019-01-02"));
    CHECK_EQ_INT(b->rows[0], 2);
    CHECK_NEAR(b->bars[1].volume, 10, 0);
    batch_free(b);

    /* The cap: 150 bad rows, 100 kept, all counted. */
    size_t cap = 64 + 150 * 40;
    char *csv = malloc(cap);
    size_t n = (size_t)snprintf(csv, cap, "Date,Open,High,Low,Close,Volume\n");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(csv + n, cap - n, "2019-01-%02d,1,2,0.5,1.5,-1\n",
                              1 + i % 28);
    CHECK_OK(parse(csv, &b, &d));
    CHECK_EQ_INT(b->n_bad_rows, 150);
    CHECK_EQ_INT(b->n_errors, 150);
    CHECK_EQ_INT(b->n_kept, FC_INGEST_MAX_ERRORS);
    CHECK_EQ_INT(b->n_bars, 0);
    batch_free(b);
    free(csv);
}

static void test_numbers(void)
{
    /* The fast path and strtod must agree to the bit. */
    const char *cases[] = {"1.156429",
                           "644.890015",
                           "0.1",
                           "123456789012",
                           "1e5",
                           "2.5E-3",
                           "+7",
                           "3.",
                           ".5",
                           "0.000000001",
                           "1e22",
                           "1e23",
                           "12345678901234567890",
                           "9007199254740993",
                           "4.9406564584124654e-300"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fc_row r;
        fc_row_begin(&r, 1);
        fc_row_set_text(&r, FC_FIELD_OPEN, cases[i], strlen(cases[i]));
        CHECK_EQ_INT(r.n_errs, 0);
        double want = strtod(cases[i], NULL);
        if (r.v[FC_FIELD_OPEN] != want)
            CHECK_FAIL_("'%s': %.17g != %.17g", cases[i], r.v[FC_FIELD_OPEN],
                        want);
    }
    const char *bad[] = {"",     "-",   ".",   "1e",    "1e+",
                         "1..2", "1,5", "abc", "0x1p3", "1 2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fc_row r;
        fc_row_begin(&r, 1);
        fc_row_set_text(&r, FC_FIELD_OPEN, bad[i], strlen(bad[i]));
        CHECK_EQ_INT(r.n_errs, 1);
    }
    char buf[32];
    double vs[] = {1.156429, 0.1, 644.890015, 1e-7, 123456789.0, 1.0 / 3};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        fc_fmt_double(vs[i], buf);
        CHECK(strtod(buf, NULL) == vs[i]);
    }
    fc_fmt_double(1.156429, buf);
    CHECK(strcmp(buf, "1.156429") == 0);
    CHECK_EQ_INT(fc_fmt_double(NAN, buf), 0);
}

static void test_file(void)
{
    char path[1024];
    const char *dir = getenv("FC_DATA_DIR");
    struct fc_bar *bars = NULL;
    int n = 0;
    struct fc_diag d;

    if (dir == NULL)
        dir = "data";
    fc_diag_init(&d);
    snprintf(path, sizeof path, "%s/NFLX.csv", dir);
    CHECK_OK(fc_bars_read_csv_file(path, &bars, &n, &d));
    CHECK_EQ_INT(n, 5549);
    if (n == 5549) {
        CHECK_EQ_INT(bars[0].day, day("2002-05-23"));
        CHECK_NEAR(bars[0].close, 1.196429, 0);
        CHECK_EQ_INT(bars[n - 1].day, day("2024-06-07"));
        CHECK_NEAR(bars[n - 1].volume, 1874000, 0);
        int sorted = 1;
        for (int i = 1; i < n; i++)
            sorted &= bars[i].day > bars[i - 1].day;
        CHECK(sorted);
    }
    free(bars);
    bars = NULL;
    snprintf(path, sizeof path, "%s/NFLX_2015-12-16_2019-12-16.csv", dir);
    CHECK_OK(fc_bars_read_csv_file(path, &bars, &n, &d));
    CHECK_EQ_INT(n, 1007);
    if (n == 1007)
        CHECK(!isnan(bars[0].adj_close));
    free(bars);
    bars = NULL;

    CHECK_ERR(fc_bars_read_csv_file("/nonexistent/x.csv", &bars, &n, &d),
              FC_EIO);
    CHECK(bars == NULL);

    /* A file with one bad row is rejected whole, first error named;
     * a descending file comes back ascending. */
    const char *tmp = "server_ingest_tmp.csv";
    FILE *f = fopen(tmp, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("Date,Open,High,Low,Close,Volume\n"
              "2019-01-03,1,2,0.5,1.5,10\n"
              "2019-01-02,1,2,0.5,1.5,x\n"
              "2019-01-01,1,2,0.5,1.5,-1\n",
              f);
        fclose(f);
        CHECK_ERR(fc_bars_read_csv_file(tmp, &bars, &n, &d), FC_EINVAL);
        CHECK(strcmp(d.msg, "row 2, field volume: not a number: 'x'") == 0);
        CHECK(bars == NULL);
        f = fopen(tmp, "w");
        fputs("Date,Open,High,Low,Close,Volume\n"
              "2019-01-03,1,2,0.5,1.5,10\n"
              "2019-01-02,1,2,0.5,1.5,20\n",
              f);
        fclose(f);
        CHECK_OK(fc_bars_read_csv_file(tmp, &bars, &n, &d));
        CHECK_EQ_INT(n, 2);
        if (n == 2) {
            CHECK_EQ_INT(bars[0].day, day("2019-01-02"));
            CHECK_NEAR(bars[0].volume, 20, 0);
        }
        free(bars);
        remove(tmp);
    }
}

int main(void)
{
    test_layouts();
    test_malformed();
    test_bad_rows();
    test_row_errors_detail();
    test_numbers();
    test_file();
    return check_report();
}
