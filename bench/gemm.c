/* bench/gemm.c — GFLOP/s of fc_gemm's own kernels and of OpenBLAS on the
 * LSTM's shapes (batch 32 and its 16-row halves, 30 steps, 50 units), to set
 * FC_GEMM_BLAS_MIN_MNK. Median of 200 repetitions (5 for the
 * large products).
 *
 *   build/bench_gemm */
#include "gemm.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef FC_HAVE_CBLAS
#include <cblas.h>
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double run(int blas, int ta, int tb, int m, int n, int k, float *a,
                  float *b, float *c)
{
    double t[200];
    int reps = (double)m * n * k > 1e8 ? 5 : 200;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
#ifdef FC_HAVE_CBLAS
        if (blas)
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                        tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
                        ta ? m : k, b, tb ? k : n, 1.0f, c, n);
        else
#endif
            fc_gemm_loops(ta, tb, m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n,
                          1.0f, c, n);
        t[r] = now() - t0;
    }
    (void)blas;
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    return 2.0 * m * n * k / t[reps / 2] * 1e-9;
}

int main(void)
{
    static const int shapes[][5] = {
        /* ta, tb, m, n, k */
        /* a training step of the report preset (batch 32; 16 a thread):
         * input projection, recurrent step, dh_{t-1} = dZ_t U^T and
         * dX = dZ W^T (by transposed copies), dU and dW */
        {0, 0, 960, 200, 50},
        {0, 0, 480, 200, 50},
        {0, 0, 32, 200, 50},
        {0, 0, 16, 200, 50},
        {0, 0, 32, 50, 200},
        {0, 0, 16, 50, 200},
        {0, 0, 960, 50, 200},
        {0, 0, 480, 50, 200},
        {1, 0, 50, 200, 960},
        {1, 0, 50, 200, 480},
        {1, 0, 50, 200, 464},
        /* the B^T kernel, which the LSTM avoids */
        {0, 1, 32, 50, 200},
        {0, 1, 16, 50, 200},
        {0, 1, 960, 50, 200},
        /* one window, the first layer, the dense output */
        {0, 0, 1, 200, 50},
        {0, 0, 960, 200, 1},
        {1, 0, 1, 200, 960},
        {0, 0, 1024, 1024, 512},
        {0, 0, 4096, 2048, 512}};
    struct fc_rng rng;
    const int cap = 4096 * 2048;
    float *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
    float *c = malloc(cap * sizeof *c);
    fc_rng_init(&rng, 1);
    for (int i = 0; i < cap; i++) {
        a[i] = (float)fc_rng_normal(&rng);
        b[i] = (float)fc_rng_normal(&rng);
        c[i] = 0.0f;
    }
    fc_blas_set_threads(1);
    printf("%-6s %5s %5s %5s %10s %10s\n", "op", "m", "n", "k", "ours",
           "openblas");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int *x = shapes[s];
        double ours = run(0, x[0], x[1], x[2], x[3], x[4], a, b, c);
        double blas = 0.0;
#ifdef FC_HAVE_CBLAS
        blas = run(1, x[0], x[1], x[2], x[3], x[4], a, b, c);
#endif
        printf("%c%c     %5d %5d %5d %9.1f %9.1f  GFLOP/s\n", x[0] ? 'T' : 'N',
               x[1] ? 'T' : 'N', x[2], x[3], x[4], ours, blas);
    }
    free(a);
    free(b);
    free(c);
    return 0;
}
