/* bench/ingest.c — the ingest path without HTTP, stage by stage: CSV parse
 * and validation alone, then the store's upsert into a fresh file database
 * (new rows), the same batch again (all unchanged), and the whole
 * fc_series_ingest call. Prints rows/s per stage (median of 3 runs) as one
 * JSON object, so a regression can be pinned to its stage. The HTTP figure
 * (the target of issue 3) comes from bench/ingest.py.
 *
 *   build/bench_ingest [FILE.csv] [DIR | postgresql://...]
 *
 * Without FILE it generates 500,000 valid rows; DIR (default /tmp) holds
 * the temporary database. A PostgreSQL connection URI instead measures that
 * database (an existing one; the series BENCH and BENCH2 are deleted
 * before and after each run). */
#include "ingest.h"
#include "series.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *generate(int n, size_t *len)
{
    size_t cap = (size_t)n * 80 + 64;
    char *s = malloc(cap);
    size_t pos = 0;
    double price = 100;

    if (s == NULL)
        return NULL;
    pos +=
        (size_t)snprintf(s, cap, "Date,Open,High,Low,Close,Adj Close,Volume\n");
    for (int i = 0; i < n; i++) {
        char date[11];
        double o = price;
        double c =
            price *
            (1 + (double)(((long long)i * 7919 + 1) % 201 - 100) / 10000);
        double hi = (o > c ? o : c) * 1.01, lo = (o < c ? o : c) * 0.99;
        fc_day_format(fc_day_from_ymd(1900, 1, 1) + i, date);
        pos += (size_t)snprintf(s + pos, cap - pos,
                                "%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d\n", date, o, hi,
                                lo, c, c, 1000000 + i);
        price = c;
    }
    *len = pos;
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median3(double v[3])
{
    qsort(v, 3, sizeof v[0], cmp_double);
    return v[1];
}

int main(int argc, char **argv)
{
    char *text = NULL;
    size_t len = 0;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char path[512];
    struct fc_diag d;
    double parse_s[3], insert_s[3], same_s[3], full_s[3];
    int n_rows = 0;

    fc_diag_init(&d);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        if (f == NULL) {
            perror(argv[1]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        len = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        text = malloc(len + 1);
        if (text == NULL || fread(text, 1, len, f) != len)
            return 1;
        fclose(f);
    } else {
        text = generate(500000, &len);
        if (text == NULL)
            return 1;
    }
    int pg = strncmp(dir, "postgres", 8) == 0;
    if (pg)
        snprintf(path, sizeof path, "%s", dir);
    else
        snprintf(path, sizeof path, "%s/bench_ingest_%d.db", dir,
                 (int)getpid());

    for (int run = 0; run < 3; run++) {
        struct fc_batch *b = malloc(sizeof *b);
        struct fc_store *st = NULL;
        struct fc_put_result res;
        char sidecar[600];

        fc_batch_init(b);
        double t0 = now_s();
        if (fc_ingest_parse_csv(text, len, b, &d) != FC_OK ||
            b->n_bad_rows > 0) {
            fprintf(stderr, "parse failed: %s\n", d.msg);
            return 1;
        }
        parse_s[run] = now_s() - t0;
        n_rows = b->n_rows;

        if (!pg)
            remove(path);
        if (fc_store_open(path, &st, &d) != FC_OK) {
            fprintf(stderr, "%s\n", d.msg);
            return 1;
        }
        if (pg) {
            fc_store_delete_series(st, "BENCH", &d);
            fc_store_delete_series(st, "BENCH2", &d);
        }
        t0 = now_s();
        if (fc_store_put_bars(st, "BENCH", b->bars, b->n_bars, &res, &d) !=
            FC_OK)
            return 1;
        insert_s[run] = now_s() - t0;
        t0 = now_s();
        if (fc_store_put_bars(st, "BENCH", b->bars, b->n_bars, &res, &d) !=
                FC_OK ||
            res.unchanged != b->n_bars)
            return 1;
        same_s[run] = now_s() - t0;

        char *json = NULL;
        size_t jl = 0;
        t0 = now_s();
        if (fc_series_ingest(st, "BENCH2", FC_BODY_CSV, text, len, 0, NULL,
                             &json, &jl) != FC_OK)
            return 1;
        full_s[run] = now_s() - t0;
        free(json);
        if (pg) {
            fc_store_delete_series(st, "BENCH", &d);
            fc_store_delete_series(st, "BENCH2", &d);
        }
        fc_store_close(st);
        fc_batch_fini(b);
        free(b);
        remove(path);
        snprintf(sidecar, sizeof sidecar, "%s-wal", path);
        remove(sidecar);
        snprintf(sidecar, sizeof sidecar, "%s-shm", path);
        remove(sidecar);
    }
    printf("{\"rows\": %d, \"parse_rows_per_s\": %.0f, "
           "\"store_new_rows_per_s\": %.0f, "
           "\"store_unchanged_rows_per_s\": %.0f, "
           "\"parse_and_store_rows_per_s\": %.0f}\n",
           n_rows, n_rows / median3(parse_s), n_rows / median3(insert_s),
           n_rows / median3(same_s), n_rows / median3(full_s));
    free(text);
    return 0;
}
