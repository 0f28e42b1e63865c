/* bench/train.c — training speed of the report preset on the report's data:
 * NFLX 2015-12-16..2019-12-16, 776 windows of 30 steps, batch 32, 20 epochs,
 * at 1 and 2 threads. Prints the median epoch time over epochs 2..20 (the
 * first warms caches and page-faults the workspaces), then the median over
 * `runs` runs, samples/s and GFLOP/s (7.10 GFLOP per epoch: 3.05 MFLOP
 * per 30-step forward sample, training about 3x that, 776 samples).
 *
 *   build/bench_train [data/NFLX.csv] [runs] [threads ...]
 *
 * The thread counts default to 1 and 2; naming one (e.g. 2) lets a
 * profiler see that count alone. */
#include "gemm.h"
#include "ingest.h"
#include "model.h"
#include "train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EPOCHS 64
#define GFLOP_PER_EPOCH 7.10

struct times {
    int n;
    double s[MAX_EPOCHS];
};

static void on_epoch(void *ctx, const struct fc_progress *p)
{
    struct times *t = ctx;
    if (t->n < MAX_EPOCHS)
        t->s[t->n++] = p->epoch_seconds;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    const char *csv = argc > 1 ? argv[1] : "data/NFLX.csv";
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    struct fc_bar *all = NULL;
    int n_all = 0, n = 0;
    struct fc_diag d;
    struct fc_hparams hp;
    int32_t from = fc_day_from_ymd(2015, 12, 16),
            to = fc_day_from_ymd(2019, 12, 16);

    fc_diag_init(&d);
    if (fc_bars_read_csv_file(csv, &all, &n_all, &d) != FC_OK) {
        fprintf(stderr, "%s: %s\n", csv, d.msg);
        return 1;
    }
    for (int i = 0; i < n_all; i++)
        if (all[i].day >= from && all[i].day <= to)
            all[n++] = all[i];
    fc_hparams_preset("report", &hp);
    fc_blas_set_threads(1);
    printf("report preset, %d bars, OPENBLAS_CORETYPE=%s\n", n,
           getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE")
                                       : "(unset)");
    int counts[8] = {1, 2}, n_counts = 2;
    if (argc > 3) {
        n_counts = 0;
        for (int i = 3; i < argc && n_counts < 8; i++)
            counts[n_counts++] = atoi(argv[i]);
    }
    for (int c = 0; c < n_counts; c++) {
        int threads = counts[c];
        double med[16], rmse[16];
        if (runs > 16)
            runs = 16;
        for (int r = 0; r < runs; r++) {
            struct times t = {0};
            struct fc_train_opts o = {
                .n_threads = threads, .on_epoch = on_epoch, .ctx = &t};
            struct fc_model *m = NULL;
            struct fc_eval ev;
            hp.seed = (uint64_t)r + 1;
            if (fc_train(&hp, all, n, &o, &m, &ev, &d) != FC_OK) {
                fprintf(stderr, "train: %s\n", d.msg);
                return 1;
            }
            med[r] = median(t.s + 1, t.n - 1);
            rmse[r] = fc_scores_get(&ev.scores, "model")->rmse;
            fc_eval_fini(&ev);
            fc_model_free(m);
        }
        double e = median(med, runs);
        printf("forecastd threads=%d: epoch %.4f s (median of %d runs), "
               "%.0f samples/s, %.1f GFLOP/s, 20 epochs %.2f s, test rmse "
               "median %.2f\n",
               threads, e, runs, 776.0 / e, GFLOP_PER_EPOCH / e, 20 * e,
               median(rmse, runs));
    }
    free(all);
    return 0;
}
