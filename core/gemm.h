/* gemm.h — the one matrix product of the core, row-major, single precision:
 *
 *     C[m x n] = alpha * op(A) * op(B) + beta * C,  op(X) = X or X^T
 *
 * Products of the LSTM's sizes go to our register-blocked kernels (see
 * gemm.c for why), larger ones to OpenBLAS's cblas_sgemm when the build has
 * it (FC_BLAS=openblas). Without BLAS the kernels serve every size. Reentrant;
 * no allocation. */
#ifndef FC_GEMM_H
#define FC_GEMM_H

/* Products of at least this many multiply-adds (m n k) go to OpenBLAS when
 * the build has it; smaller ones to our kernels. From bench/gemm.c: ours
 * are 1.5-2x faster up to 960 x 200 x 50, OpenBLAS 2-3x faster from
 * 1024 x 1024 x 512 (it blocks for the caches; ours do not). */
#ifndef FC_GEMM_BLAS_MIN_MNK
#define FC_GEMM_BLAS_MIN_MNK 6.4e7
#endif

/* lda, ldb, ldc are row strides in floats. trans_a means A is stored k x m;
 * trans_b means B is stored n x k. beta == 0 overwrites C (NaNs in C do not
 * propagate). */
void fc_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
             const float *a, int lda, const float *b, int ldb, float beta,
             float *c, int ldc);

/* The portable loops alone, whatever the build; the reference in tests. */
void fc_gemm_loops(int trans_a, int trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta,
                   float *c, int ldc);

/* Set OpenBLAS's own thread count (no-op without it). The core's training
 * step splits batches itself; at these shapes OpenBLAS threads only add
 * overhead, so the server sets 1 unless configured otherwise. */
void fc_blas_set_threads(int n);

#endif
