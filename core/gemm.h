/* gemm.h — the one matrix product of the core, row-major, single precision:
 *
 *     C[m x n] = alpha * op(A) * op(B) + beta * C,  op(X) = X or X^T
 *
 * With FC_HAVE_CBLAS it goes to OpenBLAS's cblas_sgemm, except for products
 * with few rows (m <= FC_GEMM_SMALL_M: a one-window prediction, or a thread's
 * slice of a batch), where the call overhead of a general BLAS is larger than
 * the arithmetic and our own vectorised loops are faster. Without BLAS
 * (FC_BLAS=naive) the loops serve every size. Reentrant; no allocation. */
#ifndef FC_GEMM_H
#define FC_GEMM_H

#define FC_GEMM_SMALL_M 4

/* lda, ldb, ldc are row strides in floats. trans_a means A is stored k x m;
 * trans_b means B is stored n x k. beta == 0 overwrites C (NaNs in C do not
 * propagate). */
void fc_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
             const float *a, int lda, const float *b, int ldb, float beta,
             float *c, int ldc);

/* The portable loops alone, whatever the build; the reference in tests. */
void fc_gemm_loops(int trans_a, int trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc);

/* Set OpenBLAS's own thread count (no-op without it). The core's training
 * step splits batches itself; at these shapes OpenBLAS threads only add
 * overhead, so the server sets 1 unless configured otherwise. */
void fc_blas_set_threads(int n);

#endif
