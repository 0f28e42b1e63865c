/* bench/peak.c — this machine's ceiling for the core's arithmetic: the
 * single-precision FMA rate of one core and of two at once, and what it
 * implies for the two speed targets of the core (see bench/run):
 *
 *   epoch floor      = 7.10 GFLOP (the report preset's epoch)  / rate
 *   prediction floor = 3.05 MFLOP (one 1x30x1 forward pass)   / one core's rate
 *
 * A floor counts only multiply-adds at the FMA units' full rate: the
 * gates' exp and reciprocal, memory traffic and synchronisation come on
 * top. The loop is independent chains of FMAs in the widest vectors the
 * CPU has, as the core's kernels use them (see DEFINE_RATE below).
 *
 *   build/bench_peak [runs] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define EPOCH_GFLOP 7.10
#define PREDICT_MFLOP 3.05
#define ITERS 50000000L /* 12.8 GFLOP a run with AVX-512 */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* GFLOP/s of one thread: n independent accumulators (CHAINS) of
 * `bytes`-wide vectors, each a * x + y (one FMA) per iteration; the sum
 * keeps the chains alive. */
#define DECL(i) vt a##i = y * (float)(i + 1);
#define STEP(i) a##i = a##i * x + y;
#define SUM(i) s += a##i;
#define CHAINS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define CHAINS12(X) CHAINS8(X) X(8) X(9) X(10) X(11)
#define DEFINE_RATE(name, attr, bytes, CHAINS, n)                              \
    attr static double name(float seed, float *sink)                           \
    {                                                                          \
        typedef float vt __attribute__((vector_size(bytes)));                  \
        vt x, y, s = {0};                                                      \
        for (int i = 0; i < (int)(bytes / sizeof(float)); i++) {               \
            x[i] = 1.0f - seed * 1e-7f;                                        \
            y[i] = seed * 1e-9f;                                               \
        }                                                                      \
        CHAINS(DECL)                                                           \
        double t0 = now();                                                     \
        for (long it = 0; it < ITERS; it++) {                                  \
            CHAINS(STEP)                                                       \
        }                                                                      \
        double t = now() - t0;                                                 \
        CHAINS(SUM)                                                            \
        *sink += s[0];                                                         \
        return (double)ITERS * (n) * (double)(bytes / sizeof(float)) * 2.0 /   \
               t * 1e-9;                                                       \
    }

/* The width each instruction set computes in, as the core's kernels do
 * (core/gemm.c), with enough chains to cover the FMA latency (4 cycles) on
 * two ports and few enough to stay in registers with x and y: 8 of 16
 * lanes with AVX-512 (20 measured the same rate here), 12 of 8 lanes with
 * AVX2 (16 registers), 12 of 4 lanes elsewhere. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
DEFINE_RATE(rate_avx512, __attribute__((target("arch=x86-64-v4"))), 64, CHAINS8,
            8)
DEFINE_RATE(rate_avx2, __attribute__((target("arch=x86-64-v3"))), 32, CHAINS12,
            12)
#endif
DEFINE_RATE(rate_base, , 16, CHAINS12, 12)

static double fma_rate(float seed, float *sink)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    if (__builtin_cpu_supports("x86-64-v4"))
        return rate_avx512(seed, sink);
    if (__builtin_cpu_supports("x86-64-v3"))
        return rate_avx2(seed, sink);
#endif
    return rate_base(seed, sink);
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
