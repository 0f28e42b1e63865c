/* gemm.c — fc_gemm: register-blocked kernels of our own for the shapes of an
 * LSTM (a few dozen to a thousand rows, 50 to 200 columns), OpenBLAS for the
 * rest when it is faster.
 *
 * Why our own: at these sizes a general BLAS spends much of its time packing
 * and dispatching, and OpenBLAS 0.3.21 falls back to its SSE3 ("Prescott")
 * kernels on CPUs it does not recognise (this machine's, unless
 * OPENBLAS_CORETYPE is set), which makes it 3x slower again. The kernels are
 * written with GCC vector types of 16 floats and compiled for AVX-512, AVX2
 * and baseline x86-64 (FC_CLONES); each keeps an 8 x 32 block of C (or 2 x 4
 * dot products for B^T) in registers across the whole k loop.
 * The LSTM itself avoids the B^T kernel: it multiplies by transposed copies.
 *
 * The order of additions is fixed for a given shape, so results are
 * deterministic for a given binary and CPU. */
#include "gemm.h"
#include "simd.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#ifdef FC_HAVE_CBLAS
#include <cblas.h>
#endif


/* Rows of C per register block in the main kernel: 8 x 32 floats, 16
 * accumulators, half of AVX-512's registers (measured against 4 and 6 with
 * bench/gemm.c: 8 is fastest at batch 32). */
#define MR 8

typedef float v16 __attribute__((vector_size(64)));
/* The same, for loads and stores at any float alignment. */
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

/* Macros rather than functions: each FC_CLONES variant must compile them
 * with its own instruction set (a v16 passed by value to a baseline function
 * would go through memory). */
#define ld(p) (*(const v16u *)(p))
#define st(p, v) (*(v16u *)(p) = (v))
#define ld8(p) (*(const v8u *)(p))
#define st8(p, v) (*(v8u *)(p) = (v))
#define HSUM(v)                                                                \
    ((v)[0] + (v)[1] + (v)[2] + (v)[3] + (v)[4] + (v)[5] + (v)[6] + (v)[7] +   \
     (v)[8] + (v)[9] + (v)[10] + (v)[11] + (v)[12] + (v)[13] + (v)[14] +       \
     (v)[15])

static void scale_rows(int m, int n, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, (size_t)n * sizeof *ci);
        else if (beta != 1.0f)
            for (int j = 0; j < n; j++)
                ci[j] *= beta;
    }
}

/* C[m x n] += alpha * A B, A(i, p) = a[i * ra + p * ca] (so A or A^T), B
 * row-major with stride ldb. Rows in blocks of 4, columns in blocks of 32,
 * then 16, then single columns. */
/* Rows in blocks of 4, columns in blocks of 32, 16, 8, then one at a time. */
FC_CLONES
static void kernel_cols(int m, int n, int k, float alpha, const float *a,
                        size_t ra, size_t ca, const float *b, int ldb,
                        float *c, int ldc)
{
    int i = 0;
    for (; i + 4 <= m; i += 4) {
        const float *a0 = a + (size_t)i * ra, *a1 = a0 + ra, *a2 = a1 + ra,
                    *a3 = a2 + ra;
        int j = 0;
        for (; j + 32 <= n; j += 32) {
            v16 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0};
            v16 c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
            for (int p = 0; p < k; p++) {
                const float *bp = b + (size_t)p * ldb + j;
                v16 b0 = ld(bp), b1 = ld(bp + 16);
                size_t o = (size_t)p * ca;
                float x0 = a0[o], x1 = a1[o], x2 = a2[o], x3 = a3[o];
                c00 += x0 * b0;
                c01 += x0 * b1;
                c10 += x1 * b0;
                c11 += x1 * b1;
                c20 += x2 * b0;
                c21 += x2 * b1;
                c30 += x3 * b0;
                c31 += x3 * b1;
            }
            float *r0 = c + (size_t)i * ldc + j, *r1 = r0 + ldc,
                  *r2 = r1 + ldc, *r3 = r2 + ldc;
            st(r0, ld(r0) + alpha * c00);
            st(r0 + 16, ld(r0 + 16) + alpha * c01);
            st(r1, ld(r1) + alpha * c10);
            st(r1 + 16, ld(r1 + 16) + alpha * c11);
            st(r2, ld(r2) + alpha * c20);
            st(r2 + 16, ld(r2 + 16) + alpha * c21);
            st(r3, ld(r3) + alpha * c30);
            st(r3 + 16, ld(r3 + 16) + alpha * c31);
        }
        for (; j + 16 <= n; j += 16) {
            v16 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
            for (int p = 0; p < k; p++) {
                v16 b0 = ld(b + (size_t)p * ldb + j);
                size_t o = (size_t)p * ca;
                c0 += a0[o] * b0;
                c1 += a1[o] * b0;
                c2 += a2[o] * b0;
                c3 += a3[o] * b0;
            }
            float *r0 = c + (size_t)i * ldc + j;
            st(r0, ld(r0) + alpha * c0);
            st(r0 + ldc, ld(r0 + ldc) + alpha * c1);
            st(r0 + 2 * ldc, ld(r0 + 2 * ldc) + alpha * c2);
            st(r0 + 3 * ldc, ld(r0 + 3 * ldc) + alpha * c3);
        }
        for (; j + 8 <= n; j += 8) {
            v8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
            for (int p = 0; p < k; p++) {
                v8 b0 = ld8(b + (size_t)p * ldb + j);
                size_t o = (size_t)p * ca;
                c0 += a0[o] * b0;
                c1 += a1[o] * b0;
                c2 += a2[o] * b0;
                c3 += a3[o] * b0;
            }
            float *r0 = c + (size_t)i * ldc + j;
            st8(r0, ld8(r0) + alpha * c0);
            st8(r0 + ldc, ld8(r0 + ldc) + alpha * c1);
            st8(r0 + 2 * ldc, ld8(r0 + 2 * ldc) + alpha * c2);
            st8(r0 + 3 * ldc, ld8(r0 + 3 * ldc) + alpha * c3);
        }
        if (j < n && n >= 8) {
            /* The last n - j < 8 columns: an 8-wide block ending at column
             * n (overlapping columns already done), storing only the new
             * lanes. A scalar loop here would cost more than the rest. */
            int w = n - 8;
            v8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
            for (int p = 0; p < k; p++) {
                v8 b0 = ld8(b + (size_t)p * ldb + w);
                size_t o = (size_t)p * ca;
                c0 += a0[o] * b0;
                c1 += a1[o] * b0;
                c2 += a2[o] * b0;
                c3 += a3[o] * b0;
            }
            float *r0 = c + (size_t)i * ldc;
            for (int q = j - w; q < 8; q++) {
                r0[w + q] += alpha * c0[q];
                r0[ldc + w + q] += alpha * c1[q];
                r0[2 * ldc + w + q] += alpha * c2[q];
                r0[3 * ldc + w + q] += alpha * c3[q];
            }
            j = n;
        }
        for (; j < n; j++) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int p = 0; p < k; p++) {
                float bv = b[(size_t)p * ldb + j];
                size_t o = (size_t)p * ca;
                s0 += a0[o] * bv;
                s1 += a1[o] * bv;
                s2 += a2[o] * bv;
                s3 += a3[o] * bv;
            }
            c[(size_t)i * ldc + j] += alpha * s0;
            c[(size_t)(i + 1) * ldc + j] += alpha * s1;
            c[(size_t)(i + 2) * ldc + j] += alpha * s2;
            c[(size_t)(i + 3) * ldc + j] += alpha * s3;
        }
    }
    for (; i < m; i++) {
        const float *a0 = a + (size_t)i * ra;
        float *ci = c + (size_t)i * ldc;
        int j = 0;
        /* One row (a one-window prediction): up to 12 independent chains of
         * 16 columns, or each FMA would wait for the previous one. */
        for (; j + 192 <= n; j += 192) {
            v16 acc[12] = {{0}};
            v8 acc8 = {0};
            int with8 = n - j - 192 == 8; /* 200 = 4H for H = 50: one pass */
            for (int p = 0; p < k; p++) {
                const float *bp = b + (size_t)p * ldb + j;
                float x = a0[(size_t)p * ca];
                for (int q = 0; q < 12; q++)
                    acc[q] += x * ld(bp + 16 * q);
                if (with8)
                    acc8 += x * ld8(bp + 192);
            }
            for (int q = 0; q < 12; q++)
                st(ci + j + 16 * q, ld(ci + j + 16 * q) + alpha * acc[q]);
            if (with8) {
                st8(ci + j + 192, ld8(ci + j + 192) + alpha * acc8);
                j += 8;
            }
        }
        for (; j + 64 <= n; j += 64) {
            v16 acc[4] = {{0}};
            for (int p = 0; p < k; p++) {
                const float *bp = b + (size_t)p * ldb + j;
                float x = a0[(size_t)p * ca];
                for (int q = 0; q < 4; q++)
                    acc[q] += x * ld(bp + 16 * q);
            }
            for (int q = 0; q < 4; q++)
                st(ci + j + 16 * q, ld(ci + j + 16 * q) + alpha * acc[q]);
        }
        for (; j + 16 <= n; j += 16) {
            v16 c0 = {0};
            for (int p = 0; p < k; p++) {
                v16 b0 = ld(b + (size_t)p * ldb + j);
                c0 += a0[(size_t)p * ca] * b0;
            }
            st(ci + j, ld(ci + j) + alpha * c0);
        }
        for (; j + 8 <= n; j += 8) {
            v8 c0 = {0};
            for (int p = 0; p < k; p++)
                c0 += a0[(size_t)p * ca] * ld8(b + (size_t)p * ldb + j);
            st8(ci + j, ld8(ci + j) + alpha * c0);
        }
        if (j < n && n >= 8) {
            int w = n - 8;
            v8 c0 = {0};
            for (int p = 0; p < k; p++)
                c0 += a0[(size_t)p * ca] * ld8(b + (size_t)p * ldb + w);
            for (int q = j - w; q < 8; q++)
                ci[w + q] += alpha * c0[q];
            j = n;
        }
        for (; j < n; j++) {
            float s = 0;
            for (int p = 0; p < k; p++)
                s += a0[(size_t)p * ca] * b[(size_t)p * ldb + j];
            ci[j] += alpha * s;
        }
    }
}

FC_CLONES
static void kernel_nn(int m, int n, int k, float alpha, const float *a,
                      size_t ra, size_t ca, const float *b, int ldb, float *c,
                      int ldc)
{
    int i = 0;
    /* MR x 32 blocks: 16 accumulators hide the FMA latency (4 cycles, 2 per
     * cycle) and B's row is loaded once for MR rows of A. */
    for (; i + MR <= m && n >= 32; i += MR) {
        const float *a0 = a + (size_t)i * ra;
        int j = 0;
        for (; j + 32 <= n; j += 32) {
            v16 acc[MR][2] = {{{0}}};
            for (int p = 0; p < k; p++) {
                const float *bp = b + (size_t)p * ldb + j;
                v16 b0 = ld(bp), b1 = ld(bp + 16);
                const float *ap = a0 + (size_t)p * ca;
                for (int r = 0; r < MR; r++) {
                    float x = ap[(size_t)r * ra];
                    acc[r][0] += x * b0;
                    acc[r][1] += x * b1;
                }
            }
            for (int r = 0; r < MR; r++) {
                float *cr = c + (size_t)(i + r) * ldc + j;
                st(cr, ld(cr) + alpha * acc[r][0]);
                st(cr + 16, ld(cr + 16) + alpha * acc[r][1]);
            }
        }
        if (j < n) /* the last columns, through the 4- and 1-row code */
            kernel_cols(MR, n - j, k, alpha, a0, ra, ca, b + j, ldb,
                        c + (size_t)i * ldc + j, ldc);
    }
    if (i < m)
        kernel_cols(m - i, n, k, alpha, a + (size_t)i * ra, ra, ca, b, ldb,
                    c + (size_t)i * ldc, ldc);
}

/* C[m x n] += alpha * A B^T with A(i, p) = a[i * ra + p * ca] and B stored
 * n x k: dot products of rows, 2 rows of A against 4 rows of B at a time,
 * 16 lanes of k per step, summed across lanes at the end. */
FC_CLONES
static void kernel_nt(int m, int n, int k, float alpha, const float *a,
                      size_t ra, size_t ca, const float *b, int ldb, float *c,
                      int ldc)
{
    int k16 = ca == 1 ? k - k % 16 : 0; /* vector part needs contiguous A */
    for (int i = 0; i < m; i += 2) {
        int two = i + 1 < m;
        const float *a0 = a + (size_t)i * ra;
        const float *a1 = two ? a0 + ra : a0;
        int j = 0;
        for (; j < n; j += 4) {
            int nj = n - j < 4 ? n - j : 4;
            const float *bj[4];
            for (int q = 0; q < 4; q++)
                bj[q] = b + (size_t)(j + (q < nj ? q : 0)) * ldb;
            v16 s00 = {0}, s01 = {0}, s02 = {0}, s03 = {0};
            v16 s10 = {0}, s11 = {0}, s12 = {0}, s13 = {0};
            int p = 0;
            for (; p < k16; p += 16) {
                v16 x0 = ld(a0 + p), x1 = ld(a1 + p);
                v16 y0 = ld(bj[0] + p), y1 = ld(bj[1] + p);
                v16 y2 = ld(bj[2] + p), y3 = ld(bj[3] + p);
                s00 += x0 * y0;
                s01 += x0 * y1;
                s02 += x0 * y2;
                s03 += x0 * y3;
                s10 += x1 * y0;
                s11 += x1 * y1;
                s12 += x1 * y2;
                s13 += x1 * y3;
            }
            float r0[4] = {HSUM(s00), HSUM(s01), HSUM(s02), HSUM(s03)};
            float r1[4] = {HSUM(s10), HSUM(s11), HSUM(s12), HSUM(s13)};
            for (; p < k; p++) {
                float x0 = a0[(size_t)p * ca], x1 = a1[(size_t)p * ca];
                for (int q = 0; q < 4; q++) {
                    r0[q] += x0 * bj[q][p];
                    r1[q] += x1 * bj[q][p];
                }
            }
            for (int q = 0; q < nj; q++) {
                c[(size_t)i * ldc + j + q] += alpha * r0[q];
                if (two)
                    c[(size_t)(i + 1) * ldc + j + q] += alpha * r1[q];
            }
        }
    }
}

void fc_gemm_loops(int trans_a, int trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc)
{
    size_t ra = trans_a ? 1 : (size_t)lda, ca = trans_a ? (size_t)lda : 1;

    assert(m >= 0 && n >= 0 && k >= 0);
    scale_rows(m, n, beta, c, ldc);
    if (m == 0 || n == 0 || k == 0 || alpha == 0.0f)
        return;
    if (trans_b)
        kernel_nt(m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
    else
        kernel_nn(m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
}

#ifdef FC_HAVE_CBLAS
void openblas_set_num_threads(int num_threads);
#endif

void fc_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
             const float *a, int lda, const float *b, int ldb, float beta,
             float *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
#ifdef FC_HAVE_CBLAS
    if ((double)m * n * k >= FC_GEMM_BLAS_MIN_MNK && k > 0) {
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
                    lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    fc_gemm_loops(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                  ldc);
}

void fc_blas_set_threads(int n)
{
#ifdef FC_HAVE_CBLAS
    openblas_set_num_threads(n < 1 ? 1 : n);
#else
    (void)n;
#endif
}
