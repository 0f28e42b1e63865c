/* gemm.c — fc_gemm: OpenBLAS for large products, vectorised loops for small
 * ones and for builds without BLAS. The loops are ordered so the innermost
 * one runs over contiguous memory with no dependency between iterations
 * (an axpy over a row of C, or a dot product over a row of A and of B^T),
 * which GCC turns into AVX-512/AVX2 code inside FC_CLONES. */
#include "gemm.h"
#include "simd.h"

#include <assert.h>
#include <stddef.h>

#ifdef FC_HAVE_CBLAS
#include <cblas.h>
#endif

static void scale_rows(int m, int n, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        if (beta == 0.0f) {
            for (int j = 0; j < n; j++)
                ci[j] = 0.0f;
        } else if (beta != 1.0f) {
            for (int j = 0; j < n; j++)
                ci[j] *= beta;
        }
    }
}

FC_CLONES
void fc_gemm_loops(int trans_a, int trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc)
{
    assert(m >= 0 && n >= 0 && k >= 0);
    scale_rows(m, n, beta, c, ldc);
    if (!trans_b) {
        /* C[i,:] += alpha * A(i,p) * B[p,:]: an axpy per (i, p). */
        for (int i = 0; i < m; i++) {
            float *restrict ci = c + (size_t)i * ldc;
            for (int p = 0; p < k; p++) {
                float aip = trans_a ? a[(size_t)p * lda + i]
                                    : a[(size_t)i * lda + p];
                const float *restrict bp = b + (size_t)p * ldb;
                float s = alpha * aip;
                if (s == 0.0f)
                    continue;
                for (int j = 0; j < n; j++)
                    ci[j] += s * bp[j];
            }
        }
        return;
    }
    /* B^T: C[i,j] += alpha * dot(A(i,:), B[j,:]). */
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        for (int j = 0; j < n; j++) {
            const float *restrict bj = b + (size_t)j * ldb;
            float s = 0.0f;
            if (!trans_a) {
                const float *restrict ai = a + (size_t)i * lda;
                for (int p = 0; p < k; p++)
                    s += ai[p] * bj[p];
            } else {
                for (int p = 0; p < k; p++)
                    s += a[(size_t)p * lda + i] * bj[p];
            }
            ci[j] += alpha * s;
        }
    }
}

void fc_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
             const float *a, int lda, const float *b, int ldb, float beta,
             float *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
#ifdef FC_HAVE_CBLAS
    if (m > FC_GEMM_SMALL_M && k > 0) {
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
                    lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    fc_gemm_loops(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                  ldc);
}

#ifdef FC_HAVE_CBLAS
void openblas_set_num_threads(int num_threads);
#endif

void fc_blas_set_threads(int n)
{
#ifdef FC_HAVE_CBLAS
    openblas_set_num_threads(n < 1 ? 1 : n);
#else
    (void)n;
#endif
}
