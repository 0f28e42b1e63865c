/* gemm.c — fc_gemm: register-blocked kernels of our own for the shapes of an
 * LSTM (a few dozen to a thousand rows, 50 to 200 columns), OpenBLAS for the
 * rest when it is faster.
 *
 * Why our own: at these sizes a general BLAS spends much of its time packing
 * and dispatching, and OpenBLAS 0.3.21 falls back to its SSE3 ("Prescott")
 * kernels on CPUs it does not recognise (this machine's, unless
 * OPENBLAS_CORETYPE is set), which makes it 3x slower again. The kernels are
 * written with GCC vector types of 16 floats and compiled for AVX-512, AVX2
 * and baseline x86-64 (FC_CLONES); each keeps a block of C of 8 rows x up
 * to 3 vectors (24 accumulators; or 2 x 4 dot products for B^T) in
 * registers across the whole k loop; column strips are the outer loop, so
 * a strip of B stays in L1 while the row panels pass over it. A row that is not
 * whole vectors wide (4H = 200, H = 50) ends with a vector overlapping the one
 * before rather than narrower code. The LSTM itself avoids the B^T kernel: it
 * multiplies by transposed copies. Long products with A transposed (the weight
 * gradients, k = every step of every window) go in chunks of k.
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

/* Rows per block of the narrow kernels (row_panel): products fewer than
 * one vector wide (a dense output) and the ends of single rows. */
#define MR 8

/* The most rows per panel and vectors of 16 columns per block of panel_v
 * in any variant (kernel_nn chooses per instruction set). */
#define PR_MAX 8
#define PV_MAX 3

/* Chunk of k for long transposed products (kernel_nn): a chunk's strip of
 * B (64 x 48 floats) and of A (64 x 50) fit in L1 together. */
#define KC 64

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

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* The blocks below are inlined into the FC_CLONES kernels with a constant
 * `rows`, so each becomes straight-line code for that ISA with its
 * accumulators in registers. A(i, p) = a[i * ra + p * ca] covers A and A^T;
 * B is row-major with stride ldb; C += alpha * A B on the block. */

/* rows x 32 columns. */
ALWAYS_INLINE void block32(int rows, int k, float alpha, const float *a,
                           size_t ra, size_t ca, const float *b, int ldb,
                           float *c, int ldc)
{
    v16 acc[MR][2] = {{{0}}};
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        v16 b0 = ld(bp), b1 = ld(bp + 16);
        for (int r = 0; r < rows; r++) {
            float x = a[(size_t)r * ra + (size_t)p * ca];
            acc[r][0] += x * b0;
            acc[r][1] += x * b1;
        }
    }
    for (int r = 0; r < rows; r++) {
        float *cr = c + (size_t)r * ldc;
        st(cr, ld(cr) + alpha * acc[r][0]);
        st(cr + 16, ld(cr + 16) + alpha * acc[r][1]);
    }
}

/* rows x 16 columns. */
ALWAYS_INLINE void block16(int rows, int k, float alpha, const float *a,
                           size_t ra, size_t ca, const float *b, int ldb,
                           float *c, int ldc)
{
    v16 acc[MR] = {{0}};
    for (int p = 0; p < k; p++) {
        v16 b0 = ld(b + (size_t)p * ldb);
        for (int r = 0; r < rows; r++)
            acc[r] += a[(size_t)r * ra + (size_t)p * ca] * b0;
    }
    for (int r = 0; r < rows; r++) {
        float *cr = c + (size_t)r * ldc;
        st(cr, ld(cr) + alpha * acc[r]);
    }
}

/* rows x 8 columns, storing only lanes [first, 8): the last columns of a
 * row that is not a multiple of 8 wide are done as an 8-wide block ending
 * at its end, overlapping columns already done (a scalar loop would cost
 * more than the rest of the row). */
ALWAYS_INLINE void block8(int rows, int k, float alpha, const float *a,
                          size_t ra, size_t ca, const float *b, int ldb,
                          float *c, int ldc, int first)
{
    v8 acc[MR] = {{0}};
    for (int p = 0; p < k; p++) {
        v8 b0 = ld8(b + (size_t)p * ldb);
        for (int r = 0; r < rows; r++)
            acc[r] += a[(size_t)r * ra + (size_t)p * ca] * b0;
    }
    for (int r = 0; r < rows; r++) {
        float *cr = c + (size_t)r * ldc;
        if (first == 0)
            st8(cr, ld8(cr) + alpha * acc[r]);
        else
            for (int q = first; q < 8; q++)
                cr[q] += alpha * acc[r][q];
    }
}

/* `rows` rows of C, all n columns. */
ALWAYS_INLINE void row_panel(int rows, int n, int k, float alpha,
                             const float *a, size_t ra, size_t ca,
                             const float *b, int ldb, float *c, int ldc)
{
    int j = 0;
    for (; j + 32 <= n; j += 32)
        block32(rows, k, alpha, a, ra, ca, b + j, ldb, c + j, ldc);
    for (; j + 16 <= n; j += 16)
        block16(rows, k, alpha, a, ra, ca, b + j, ldb, c + j, ldc);
    for (; j + 8 <= n; j += 8)
        block8(rows, k, alpha, a, ra, ca, b + j, ldb, c + j, ldc, 0);
    if (j < n && n >= 8) {
        block8(rows, k, alpha, a, ra, ca, b + n - 8, ldb, c + n - 8, ldc,
               j - (n - 8));
        return;
    }
    if (j < n) { /* fewer than 8 columns in all (a dense output) */
        /* One sum per column, each a chain of FMAs like every lane of the
         * blocks above (a row's value must not depend on which code path
         * computed it). A scalar dot product per column would not do: GCC
         * vectorises its sum in order as products then adds, which rounds
         * differently. */
        int w = n - j;
        for (int r = 0; r < rows; r++) {
            float s[8] = {0};
            for (int p = 0; p < k; p++) {
                float x = a[(size_t)r * ra + (size_t)p * ca];
                const float *bp = b + (size_t)p * ldb + j;
                for (int q = 0; q < w; q++)
                    s[q] += x * bp[q];
            }
            for (int q = 0; q < w; q++)
                c[(size_t)r * ldc + j + q] += alpha * s[q];
        }
    }
}

/* One row of C (a one-window prediction): a row panel would keep only one
 * or two chains of FMAs in flight, each waiting on the previous one, so
 * wide rows go 192 (+8) or 64 columns at a time with 12 or 4 chains. */
ALWAYS_INLINE void row_one(int n, int k, float alpha, const float *a, size_t ca,
                           const float *b, int ldb, float *c)
{
    int j = 0;
    for (; j + 192 <= n; j += 192) {
        v16 acc[12] = {{0}};
        v8 acc8 = {0};
        int with8 = n - j - 192 >= 8; /* 200 = 4H for H = 50: one pass */
        for (int p = 0; p < k; p++) {
            const float *bp = b + (size_t)p * ldb + j;
            float x = a[(size_t)p * ca];
            for (int q = 0; q < 12; q++)
                acc[q] += x * ld(bp + 16 * q);
            if (with8)
                acc8 += x * ld8(bp + 192);
        }
        for (int q = 0; q < 12; q++)
            st(c + j + 16 * q, ld(c + j + 16 * q) + alpha * acc[q]);
        if (with8) {
            st8(c + j + 192, ld8(c + j + 192) + alpha * acc8);
            j += 8;
        }
    }
    for (; j + 64 <= n; j += 64) {
        v16 acc[4] = {{0}};
        for (int p = 0; p < k; p++) {
            const float *bp = b + (size_t)p * ldb + j;
            float x = a[(size_t)p * ca];
            for (int q = 0; q < 4; q++)
                acc[q] += x * ld(bp + 16 * q);
        }
        for (int q = 0; q < 4; q++)
            st(c + j + 16 * q, ld(c + j + 16 * q) + alpha * acc[q]);
    }
    if (j < n)
        row_panel(1, n - j, k, alpha, a, 0, ca, b + j, ldb, c + j, 0);
}

/* rows x nv vectors of W floats of C: vectors 0 .. nv-2 at W q, the last
 * at `last` (W (nv-1) for a whole block; less when it ends a row that is
 * not whole vectors wide, overlapping the vector before: its lanes below
 * `first` = W (nv-1) - last are done elsewhere and not stored here). The
 * rows x nv accumulators stay in registers over the whole k loop. One
 * definition for vectors of 16 floats (AVX-512) and of 8 (AVX2, where an
 * array of 16-float vectors lives in memory). */
#define DEFINE_BLOCK_V(name, vt, W, LD, ST)                                    \
    ALWAYS_INLINE void name(                                                   \
        int rows, int nv, int k, float alpha, const float *a, size_t ra,       \
        size_t ca, const float *b, int ldb, float *c, int ldc, int last)       \
    {                                                                          \
        vt acc[PR_MAX][PV_MAX];                                                \
        int first = W * (nv - 1) - last;                                       \
        for (int r = 0; r < rows; r++)                                         \
            for (int q = 0; q < nv; q++)                                       \
                acc[r][q] = (vt){0};                                           \
        for (int p = 0; p < k; p++) {                                          \
            const float *bp = b + (size_t)p * ldb;                             \
            vt bv[PV_MAX];                                                     \
            for (int q = 0; q < nv; q++)                                       \
                bv[q] = LD(bp + (q == nv - 1 ? last : W * q));                 \
            for (int r = 0; r < rows; r++) {                                   \
                float x = a[(size_t)r * ra + (size_t)p * ca];                  \
                for (int q = 0; q < nv; q++)                                   \
                    acc[r][q] += x * bv[q];                                    \
            }                                                                  \
        }                                                                      \
        for (int r = 0; r < rows; r++) {                                       \
            float *cr = c + (size_t)r * ldc;                                   \
            for (int q = 0; q < nv - 1; q++)                                   \
                ST(cr + W * q, LD(cr + W * q) + alpha * acc[r][q]);            \
            if (first == 0)                                                    \
                ST(cr + last, LD(cr + last) + alpha * acc[r][nv - 1]);         \
            else                                                               \
                for (int l = first; l < W; l++)                                \
                    cr[last + l] += alpha * acc[r][nv - 1][l];                 \
        }                                                                      \
    }

DEFINE_BLOCK_V(block_v16, v16, 16, ld, st)
DEFINE_BLOCK_V(block_v8, v8, 8, ld8, st8)

ALWAYS_INLINE void block_v(int w, int rows, int nv, int k, float alpha,
                           const float *a, size_t ra, size_t ca, const float *b,
                           int ldb, float *c, int ldc, int last)
{
    if (w == 16)
        block_v16(rows, nv, k, alpha, a, ra, ca, b, ldb, c, ldc, last);
    else
        block_v8(rows, nv, k, alpha, a, ra, ca, b, ldb, c, ldc, last);
}

/* C[m x n] += alpha * A B with A(i, p) = a[i * ra + p * ca], B row-major
 * (stride ldb), m >= 2, n >= w: blocks of at most pv vectors of w floats,
 * the vectors spread evenly over the blocks (13 vectors of 16 for 4H = 200
 * and pv = 3: 3, 3, 3, 2, 2, not 3, 3, 3, 3, 1: a lone vector would leave
 * only `rows` chains of FMAs in flight). A rest that is not whole vectors
 * ends with a vector overlapping the one before, so every lane is a full
 * FMA chain and no column is narrower. Column blocks are the outer loop:
 * a block's strip of B (k x 48 floats, 9.6 KB at k = 50) stays in L1
 * while every panel of pr rows (then 4, 2, 1) passes over it; rows outer
 * would stream all of B through L1 once per panel. */
ALWAYS_INLINE void strips(int w, int pr, int pv, int m, int n, int k,
                          float alpha, const float *a, size_t ra, size_t ca,
                          const float *b, int ldb, float *c, int ldc)
{
    int nvt = (n + w - 1) / w, nb = (nvt + pv - 1) / pv, j = 0;
    for (int bi = 0; bi < nb; bi++) {
        int nv = nvt / nb + (bi < nvt % nb);
        /* The last vector of the last block ends at column n: offset
         * n - w - j, below w (nv - 1) when the rest is not whole vectors
         * (negative for a lone partial vector, overlapping the block
         * before). */
        int last = bi == nb - 1 ? n - w - j : w * (nv - 1);
        int i = 0;
#define ROWS(rr)                                                               \
    do {                                                                       \
        const float *ai = a + (size_t)i * ra;                                  \
        float *ci = c + (size_t)i * ldc + j;                                   \
        if (nv == 1 || pv == 1)                                                \
            block_v(w, rr, 1, k, alpha, ai, ra, ca, b + j, ldb, ci, ldc,       \
                    last);                                                     \
        else if (nv == 2 || pv == 2)                                           \
            block_v(w, rr, 2, k, alpha, ai, ra, ca, b + j, ldb, ci, ldc,       \
                    last);                                                     \
        else                                                                   \
            block_v(w, rr, 3, k, alpha, ai, ra, ca, b + j, ldb, ci, ldc,       \
                    last);                                                     \
    } while (0)
        for (; i + pr <= m; i += pr)
            ROWS(pr);
        if (pr > 4)
            for (; i + 4 <= m; i += 4)
                ROWS(4);
        if (pr > 2)
            for (; i + 2 <= m; i += 2)
                ROWS(2);
        for (; i < m; i++)
            ROWS(1);
#undef ROWS
        j += w * nv;
    }
}

/* C[m x n] += alpha * A B: strips of columns for m >= 2 rows and n >= w
 * columns, row_one for a single row, row_panel below one vector's width. A
 * product over a long k with A transposed (the weight gradients, a sum over
 * every step and window) goes in chunks of KC: one chunk's strip of B stays
 * in the caches while every panel of rows passes over it. Inlined into one
 * function per instruction set with constant w (floats per vector), pr
 * (rows per panel) and pv (vectors per block). */
ALWAYS_INLINE void kernel_nn_body(int w, int pr, int pv, int m, int n, int k,
                                  float alpha, const float *a, size_t ra,
                                  size_t ca, const float *b, int ldb, float *c,
                                  int ldc)
{
    int kc = ca != 1 && k > 2 * KC ? KC : k;
    for (int p0 = 0; p0 < k; p0 += kc) {
        int kk = k - p0 < kc ? k - p0 : kc;
        const float *ak = a + (size_t)p0 * ca;
        const float *bk = b + (size_t)p0 * ldb;
        if (m >= 2 && n >= w) {
            strips(w, pr, pv, m, n, kk, alpha, ak, ra, ca, bk, ldb, c, ldc);
            continue;
        }
        int i = 0;
        if (n < w)
            for (; i + MR <= m; i += MR)
                row_panel(MR, n, kk, alpha, ak + (size_t)i * ra, ra, ca, bk,
                          ldb, c + (size_t)i * ldc, ldc);
        for (; i < m; i++)
            row_one(n, kk, alpha, ak + (size_t)i * ra, ca, bk, ldb,
                    c + (size_t)i * ldc);
    }
}

/* One kernel per instruction set, chosen per call (a load and a test of
 * libgcc's CPU flags): the register budget differs, and one source compiled
 * by target_clones cannot change its blocking per clone. With 32 registers
 * of 16 floats (AVX-512), 8 rows x 3 vectors = 24 accumulators; with 16 of
 * 8 floats (AVX2), 6 rows x 2 vectors of 8 = 12 (the 8 x 32 blocks of
 * 16-float vectors before spilled there: GCC kept such arrays in memory);
 * baseline x86-64 (16 SSE registers, no FMA), 2 rows x 1. The sums are
 * the same FMA chains in the AVX-512 and AVX2 kernels, so both give the
 * same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&         \
    !defined(FC_NO_CLONES)
#define FC_GEMM_DISPATCH 1
__attribute__((target("arch=x86-64-v4"))) static void
kernel_nn_v4(int m, int n, int k, float alpha, const float *a, size_t ra,
             size_t ca, const float *b, int ldb, float *c, int ldc)
{
    kernel_nn_body(16, 8, 3, m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
}

__attribute__((target("arch=x86-64-v3"))) static void
kernel_nn_v3(int m, int n, int k, float alpha, const float *a, size_t ra,
             size_t ca, const float *b, int ldb, float *c, int ldc)
{
    kernel_nn_body(8, 6, 2, m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
}
#endif

static void kernel_nn_base(int m, int n, int k, float alpha, const float *a,
                           size_t ra, size_t ca, const float *b, int ldb,
                           float *c, int ldc)
{
    kernel_nn_body(16, 2, 1, m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
}

static void kernel_nn(int m, int n, int k, float alpha, const float *a,
                      size_t ra, size_t ca, const float *b, int ldb, float *c,
                      int ldc)
{
#ifdef FC_GEMM_DISPATCH
    if (__builtin_cpu_supports("x86-64-v4")) {
        kernel_nn_v4(m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
        return;
    }
    if (__builtin_cpu_supports("x86-64-v3")) {
        kernel_nn_v3(m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
        return;
    }
#endif
    kernel_nn_base(m, n, k, alpha, a, ra, ca, b, ldb, c, ldc);
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
                   const float *a, int lda, const float *b, int ldb, float beta,
                   float *c, int ldc)
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
                    trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda,
                    b, ldb, beta, c, ldc);
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
