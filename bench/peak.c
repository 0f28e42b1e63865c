/* bench/peak.c — this machine's ceiling for the core's arithmetic: the
 * single-precision FMA rate of one core and of two at once, and what it
 * implies for the two speed targets of the core (see bench/run):
 *
 *   epoch floor      = 7.10 GFLOP (the report preset's epoch)  / rate
 *   prediction floor = 3.05 MFLOP (one 1x30x1 forward pass)   / one core's rate
 *
 * A floor counts only multiply-adds at the FMA units' full rate: the
 * gates' exp and reciprocal, memory traffic and synchronisation come on
 * top. The loop is 20 independent chains of 16-lane FMAs (enough to cover
 * the FMA latency on two ports), compiled per instruction set like the
 * core's kernels (FC_CLONES), so it measures the same units they use.
 *
 *   build/bench_peak [runs] */
#include "simd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define EPOCH_GFLOP 7.10
#define PREDICT_MFLOP 3.05
#define ITERS 20000000L /* x 20 chains x 32 flops: 12.8 GFLOP a run */

typedef float v16 __attribute__((vector_size(64)));

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* GFLOP/s of one thread; the sum keeps the chains alive. */
#define CHAIN(i) v16 a##i = y * (float)(i + 1);
#define FMA(i) a##i = a##i * x + y;
FC_CLONES
static double fma_rate(float seed, float *sink)
{
    v16 x = {0}, y = {0};
    for (int i = 0; i < 16; i++) {
        x[i] = 1.0f - seed * 1e-7f;
        y[i] = seed * 1e-9f;
    }
    CHAIN(0) CHAIN(1) CHAIN(2) CHAIN(3) CHAIN(4) CHAIN(5) CHAIN(6) CHAIN(7)
    CHAIN(8) CHAIN(9) CHAIN(10) CHAIN(11) CHAIN(12) CHAIN(13) CHAIN(14)
    CHAIN(15) CHAIN(16) CHAIN(17) CHAIN(18) CHAIN(19)
    double t0 = now();
    for (long it = 0; it < ITERS; it++) {
        FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5) FMA(6) FMA(7) FMA(8) FMA(9)
        FMA(10) FMA(11) FMA(12) FMA(13) FMA(14) FMA(15) FMA(16) FMA(17)
        FMA(18) FMA(19)
    }
    double t = now() - t0;
    v16 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 +
            a12 + a13 + a14 + a15 + a16 + a17 + a18 + a19;
    *sink += s[0];
    return (double)ITERS * 20.0 * 32.0 / t * 1e-9;
}

struct worker {
    pthread_t tid;
    float seed;
    float sink;
    double gflops;
};

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    w->gflops = fma_rate(w->seed, &w->sink);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    double one[32], two[32];
    float sink = 0.0f;

    if (runs < 1 || runs > 32)
        runs = 5;
    for (int r = 0; r < runs; r++) {
        struct worker w[2] = {{.seed = 1.0f}, {.seed = 2.0f}};
        one[r] = fma_rate(3.0f, &sink);
        for (int k = 0; k < 2; k++)
            if (pthread_create(&w[k].tid, NULL, run_worker, &w[k]) != 0)
                return 1;
        for (int k = 0; k < 2; k++)
            pthread_join(w[k].tid, NULL);
        two[r] = w[0].gflops + w[1].gflops;
        sink += w[0].sink + w[1].sink;
    }
    qsort(one, (size_t)runs, sizeof one[0], cmp);
    qsort(two, (size_t)runs, sizeof two[0], cmp);
    double p1 = one[runs / 2], p2 = two[runs / 2];
    printf("machine peak (fp32 FMA, median of %d): 1 core %.1f GFLOP/s, "
           "2 cores at once %.1f GFLOP/s (%.2fx)\n",
           runs, p1, p2, p2 / p1);
    printf("  floors at that rate: report-preset epoch %.4f s (1 thread), "
           "%.4f s (2 threads); one 1x30x1 prediction %.1f us "
           "(checksum %.3g)\n",
           EPOCH_GFLOP / p1, EPOCH_GFLOP / p2, PREDICT_MFLOP * 1e-3 / p1 * 1e6,
           (double)sink);
    return 0;
}
