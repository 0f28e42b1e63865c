/* lstm.c — stacked LSTM: forward, backpropagation through time, Keras init.
 *
 * The cell (Hochreiter & Schmidhuber 1997, with a forget gate, Gers et al.
 * 2000), for one layer with input x_t, state (h, c) and z = x W + h U + b:
 *
 *     i = sigm(z_i)   f = sigm(z_f)   g = tanh(z_g)   o = sigm(z_o)
 *     c_t = f * c_{t-1} + i * g        h_t = o * tanh(c_t)
 *
 * Speed comes from the shapes, not from tricks: the input projection of all
 * time steps is one GEMM before the recurrence (X[T*B x I] W), each step adds
 * h_{t-1} U for all four gates in one GEMM, and the weight gradients are one
 * GEMM each over all steps after it (dU = H_prev^T dZ, dW = X^T dZ). Sequences
 * are kept time-major ([t][b][:]), so every step's rows are contiguous. The
 * element-wise cell code is vectorised through FC_CLONES (see simd.h).
 *
 * Backward, per step, from dh = dL/dh_t (from above and from step t+1) and
 * dc_next = dL/dc_t carried from step t+1:
 *
 *     do = dh * tanh(c_t) * o(1-o)
 *     dc = dh * o * (1 - tanh^2 c_t) + dc_next
 *     di = dc * g * i(1-i)   dg = dc * i * (1-g^2)   df = dc * c_{t-1} * f(1-f)
 *     dc_next' = dc * f      dh_next' = dZ_t U^T
 *
 * Dropout is inverted (Srivastava et al. 2014): kept units are scaled by
 * 1/(1-p) while training, so prediction uses the weights as they are. It acts
 * on every time step of a layer's output (Keras's Dropout after an LSTM with
 * return_sequences) and on the last layer's final h before the dense layer. */
#include "lstm.h"
#include "gemm.h"
#include "simd.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fc_lstm {
    int n_in;                         /* features per time step */
    int n_out;                        /* dense outputs */
    int n_layers;                     /* 1..FC_LSTM_MAX_LAYERS */
    int units[FC_LSTM_MAX_LAYERS];    /* H of each layer */
    size_t off_w[FC_LSTM_MAX_LAYERS]; /* W[I x 4H] in params */
    size_t off_u[FC_LSTM_MAX_LAYERS]; /* U[H x 4H] */
    size_t off_b[FC_LSTM_MAX_LAYERS]; /* b[4H] */
    size_t off_dw;                    /* Wd[H_last x n_out] */
    size_t off_db;                    /* bd[n_out] */
    size_t n_params;
    float *params; /* n_params floats, owned */
};

struct fc_lstm_ws {
    int max_batch;
    int max_steps;
    int n_layers;
    float *x_tm;                     /* [T][B][n_in] layer-0 input */
    float *z[FC_LSTM_MAX_LAYERS];    /* [T][B][4H] activated gates */
    float *c[FC_LSTM_MAX_LAYERS];    /* [T+1][B][H], c[0] = c_{-1} = 0 */
    float *tc[FC_LSTM_MAX_LAYERS];   /* [T][B][H] tanh(c_t) */
    float *h[FC_LSTM_MAX_LAYERS];    /* [T+1][B][H], h[0] = h_{-1} = 0 */
    float *mask[FC_LSTM_MAX_LAYERS]; /* [T][B][H] dropout of the output */
    float *out[FC_LSTM_MAX_LAYERS];  /* [T][B][H] output after dropout;
                                      * [B][H] (h_T only) on the top layer */
    float *y;                        /* [B][n_out] */
    float *dy;                       /* [B][n_out] */
    float *dz;                       /* [T][B][4 Hmax] */
    float *dabove[2];                /* [T][B][max(Hmax, n_in)] ping-pong */
    float *wt[FC_LSTM_MAX_LAYERS];   /* [4H][I] W transposed, for dX */
    float *ut[FC_LSTM_MAX_LAYERS];   /* [4H][H] U transposed, for dh */
    float *dh_next;                  /* [B][Hmax] */
    float *dc_next;                  /* [B][Hmax] */
    /* Only in a one-window workspace (max_batch 1), for forward_one: rows
     * padded to a multiple of 16 floats and 64-byte aligned. */
    float *u_pad; /* [H][G] one layer's U, G = 4H
                   * rounded up to 16; else NULL */
    float *z_pad; /* [T][Gmax] pre-activations */
    float *block; /* the one allocation behind all of it */
};

static int gates(const struct fc_lstm *m, int l)
{
    return 4 * m->units[l];
}

static int layer_in(const struct fc_lstm *m, int l)
{
    return l == 0 ? m->n_in : m->units[l - 1];
}

/* 4H rounded up to whole 16-float (64-byte) vectors: the row stride of the
 * one-window path's copies. */
static size_t gates_padded(const struct fc_lstm *m, int l)
{
    return ((size_t)gates(m, l) + 15) & ~(size_t)15;
}

/* p rounded up to a 64-byte boundary. */
static float *align64(float *p)
{
    uintptr_t a = ((uintptr_t)p + 63) & ~(uintptr_t)63;
    return p + (a - (uintptr_t)p) / sizeof(float);
}

fc_err fc_lstm_new(int n_in, int n_layers, const int *units, int n_out,
                   struct fc_lstm **out)
{
    struct fc_lstm *m;
    size_t off = 0;

    *out = NULL;
    if (n_in < 1 || n_in > FC_LSTM_MAX_INPUTS || n_out < 1 ||
        n_out > FC_LSTM_MAX_INPUTS || n_layers < 1 ||
        n_layers > FC_LSTM_MAX_LAYERS)
        return FC_EINVAL;
    for (int l = 0; l < n_layers; l++)
        if (units[l] < 1 || units[l] > FC_LSTM_MAX_UNITS)
            return FC_EINVAL;
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return FC_ENOMEM;
    m->n_in = n_in;
    m->n_out = n_out;
    m->n_layers = n_layers;
    for (int l = 0; l < n_layers; l++) {
        size_t in = (size_t)layer_in(m, l);
        size_t hh = (size_t)units[l];
        m->units[l] = units[l];
        m->off_w[l] = off;
        off += in * 4 * hh;
        m->off_u[l] = off;
        off += hh * 4 * hh;
        m->off_b[l] = off;
        off += 4 * hh;
    }
    m->off_dw = off;
    off += (size_t)units[n_layers - 1] * (size_t)n_out;
    m->off_db = off;
    off += (size_t)n_out;
    m->n_params = off;
    m->params = calloc(off, sizeof(float));
    if (m->params == NULL) {
        free(m);
        return FC_ENOMEM;
    }
    *out = m;
    return FC_OK;
}

void fc_lstm_free(struct fc_lstm *m)
{
    if (m == NULL)
        return;
    free(m->params);
    free(m);
}

fc_err fc_lstm_clone(const struct fc_lstm *m, struct fc_lstm **out)
{
    struct fc_lstm *c;
    fc_err rc = fc_lstm_new(m->n_in, m->n_layers, m->units, m->n_out, &c);
    if (rc != FC_OK)
        return rc;
    memcpy(c->params, m->params, m->n_params * sizeof(float));
    *out = c;
    return FC_OK;
}

int fc_lstm_n_in(const struct fc_lstm *m)
{
    return m->n_in;
}
int fc_lstm_n_out(const struct fc_lstm *m)
{
    return m->n_out;
}
int fc_lstm_n_layers(const struct fc_lstm *m)
{
    return m->n_layers;
}
size_t fc_lstm_n_params(const struct fc_lstm *m)
{
    return m->n_params;
}
float *fc_lstm_params(struct fc_lstm *m)
{
    return m->params;
}
const float *fc_lstm_params_const(const struct fc_lstm *m)
{
    return m->params;
}

int fc_lstm_units(const struct fc_lstm *m, int layer)
{
    assert(layer >= 0 && layer < m->n_layers);
    return m->units[layer];
}

/* ---- initialisation --------------------------------------------------- */

static void glorot_uniform(float *w, int fan_in, int fan_out,
                           struct fc_rng *rng)
{
    double limit = sqrt(6.0 / (double)(fan_in + fan_out));
    size_t n = (size_t)fan_in * (size_t)fan_out;
    for (size_t i = 0; i < n; i++)
        w[i] = (float)((2.0 * fc_rng_uniform(rng) - 1.0) * limit);
}

/* U[H x 4H] with orthonormal rows, as Keras's Orthogonal initialiser gives
 * for a wide matrix: the QR factor of a Gaussian [4H x H] matrix, signs fixed
 * so diag(R) > 0, transposed. Modified Gram-Schmidt on the H rows (in double)
 * yields exactly that Q^T, since its R has a positive diagonal. */
static void orthogonal_rows(float *u, int rows, int cols, struct fc_rng *rng)
{
    double *q = malloc((size_t)rows * (size_t)cols * sizeof *q);
    if (q == NULL) {
        /* Without scratch, fall back to a scaled Gaussian: still a usable
         * initialisation, and this path only runs when memory is exhausted. */
        for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
            u[i] = (float)(fc_rng_normal(rng) / sqrt((double)cols));
        return;
    }
    for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
        q[i] = fc_rng_normal(rng);
    for (int r = 0; r < rows; r++) {
        double *qr = q + (size_t)r * cols;
        for (int p = 0; p < r; p++) {
            const double *qp = q + (size_t)p * cols;
            double dot = 0.0;
            for (int j = 0; j < cols; j++)
                dot += qr[j] * qp[j];
            for (int j = 0; j < cols; j++)
                qr[j] -= dot * qp[j];
        }
        double norm = 0.0;
        for (int j = 0; j < cols; j++)
            norm += qr[j] * qr[j];
        norm = sqrt(norm);
        for (int j = 0; j < cols; j++)
            qr[j] = norm > 0.0 ? qr[j] / norm : 0.0;
    }
    for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
        u[i] = (float)q[i];
    free(q);
}

void fc_lstm_init_keras(struct fc_lstm *m, struct fc_rng *rng)
{
    for (int l = 0; l < m->n_layers; l++) {
        int hh = m->units[l];
        float *b = m->params + m->off_b[l];
        glorot_uniform(m->params + m->off_w[l], layer_in(m, l), 4 * hh, rng);
        orthogonal_rows(m->params + m->off_u[l], hh, 4 * hh, rng);
        for (int j = 0; j < 4 * hh; j++)
            b[j] = (j >= hh && j < 2 * hh) ? 1.0f : 0.0f;
    }
    glorot_uniform(m->params + m->off_dw, m->units[m->n_layers - 1], m->n_out,
                   rng);
    for (int j = 0; j < m->n_out; j++)
        m->params[m->off_db + (size_t)j] = 0.0f;
}

/* ---- workspace -------------------------------------------------------- */

/* The workspace of fc_lstm_ws_new (full: batch forward, gradients and,
 * for max_batch 1, the one-window path) or of fc_lstm_ws_new_one (!full:
 * max_batch 1, the one-window path's buffers only: c and h per layer, the
 * padded U and z). */
static fc_err ws_new(const struct fc_lstm *m, int max_batch, int max_steps,
                     int full, struct fc_lstm_ws **out)
{
    struct fc_lstm_ws *ws;
    size_t bt, total = 0, hmax = 0, dmax, upad = 0, gmax = 0;
    float *p;

    *out = NULL;
    if (max_batch < 1 || max_steps < 1 || max_batch > (1 << 20) ||
        max_steps > (1 << 16))
        return FC_EINVAL;
    bt = (size_t)max_batch * (size_t)max_steps;
    for (int l = 0; l < m->n_layers; l++)
        if ((size_t)m->units[l] > hmax)
            hmax = (size_t)m->units[l];
    dmax = hmax > (size_t)m->n_in ? hmax : (size_t)m->n_in;

    /* Count, then carve one block: a training step never allocates. */
    for (int l = 0; l < m->n_layers; l++)
        total += (bt + (size_t)max_batch) * (size_t)m->units[l] * 2; /* c, h */
    if (full) {
        total += bt * (size_t)m->n_in;
        for (int l = 0; l < m->n_layers; l++) {
            size_t hh = (size_t)m->units[l];
            size_t hb = (size_t)max_batch * hh;
            total += bt * 4 * hh + bt * hh * 2;
            total += l == m->n_layers - 1 ? hb : bt * hh;
        }
        total += 2 * (size_t)max_batch * (size_t)m->n_out;
        total += bt * 4 * hmax + 2 * bt * dmax + 2 * (size_t)max_batch * hmax;
        for (int l = 0; l < m->n_layers; l++)
            total += 4 * (size_t)m->units[l] *
                     ((size_t)layer_in(m, l) + (size_t)m->units[l]);
    }
    if (max_batch == 1) {
        for (int l = 0; l < m->n_layers; l++) {
            size_t g = gates_padded(m, l);
            if ((size_t)m->units[l] * g > upad)
                upad = (size_t)m->units[l] * g;
            if (g > gmax)
                gmax = g;
        }
        total += upad + (size_t)max_steps * gmax + 2 * 16; /* + alignment */
    }

    ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return FC_ENOMEM;
    ws->block = calloc(total, sizeof(float));
    if (ws->block == NULL) {
        free(ws);
        return FC_ENOMEM;
    }
    ws->max_batch = max_batch;
    ws->max_steps = max_steps;
    ws->n_layers = m->n_layers;
    p = ws->block;
#define TAKE(dst, n)                                                           \
    do {                                                                       \
        (dst) = p;                                                             \
        p += (n);                                                              \
    } while (0)
    for (int l = 0; l < m->n_layers; l++) {
        size_t hh = (size_t)m->units[l];
        TAKE(ws->c[l], (bt + (size_t)max_batch) * hh);
        TAKE(ws->h[l], (bt + (size_t)max_batch) * hh);
    }
    if (full) {
        TAKE(ws->x_tm, bt * (size_t)m->n_in);
        for (int l = 0; l < m->n_layers; l++) {
            size_t hh = (size_t)m->units[l];
            TAKE(ws->z[l], bt * 4 * hh);
            TAKE(ws->tc[l], bt * hh);
            TAKE(ws->mask[l], bt * hh);
            TAKE(ws->out[l],
                 l == m->n_layers - 1 ? (size_t)max_batch * hh : bt * hh);
        }
        TAKE(ws->y, (size_t)max_batch * (size_t)m->n_out);
        TAKE(ws->dy, (size_t)max_batch * (size_t)m->n_out);
        TAKE(ws->dz, bt * 4 * hmax);
        TAKE(ws->dabove[0], bt * dmax);
        TAKE(ws->dabove[1], bt * dmax);
        for (int l = 0; l < m->n_layers; l++) {
            size_t g4 = 4 * (size_t)m->units[l];
            TAKE(ws->wt[l], g4 * (size_t)layer_in(m, l));
            TAKE(ws->ut[l], g4 * (size_t)m->units[l]);
        }
        TAKE(ws->dh_next, (size_t)max_batch * hmax);
        TAKE(ws->dc_next, (size_t)max_batch * hmax);
    }
    if (max_batch == 1) {
        float *start = p;
        ws->u_pad = align64(p);
        ws->z_pad = align64(ws->u_pad + upad);
        p = start + upad + (size_t)max_steps * gmax + 2 * 16;
        assert(ws->z_pad + (size_t)max_steps * gmax <= p);
    }
#undef TAKE
    assert((size_t)(p - ws->block) == total);
    *out = ws;
    return FC_OK;
}

fc_err fc_lstm_ws_new(const struct fc_lstm *m, int max_batch, int max_steps,
                      struct fc_lstm_ws **out)
{
    return ws_new(m, max_batch, max_steps, 1, out);
}

fc_err fc_lstm_ws_new_one(const struct fc_lstm *m, int max_steps,
                          struct fc_lstm_ws **out)
{
    return ws_new(m, 1, max_steps, 0, out);
}

void fc_lstm_ws_free(struct fc_lstm_ws *ws)
{
    if (ws == NULL)
        return;
    free(ws->block);
    free(ws);
}

/* ---- element-wise kernels (vectorised) ------------------------------- */

typedef float v16a __attribute__((vector_size(64)));
typedef float v16ua __attribute__((vector_size(64), aligned(4), may_alias));
typedef int32_t v16i __attribute__((vector_size(64)));

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define ldu16(p) (*(const v16ua *)(p))
#define stu16(p, v) (*(v16ua *)(p) = (v))

/* These helpers take and return vectors by value; GCC and Clang warn (GCC
 * at the end of the file, hence no pop) that the baseline ABI passes them
 * differently from AVX-512's, which does not matter for always-inlined
 * static functions: no call remains. */
#pragma GCC diagnostic ignored "-Wpsabi"

/* fc_expf, fc_sigmoidf and fc_tanhf of simd.h on 16 lanes, operation for
 * operation (the same clamps, roundings and contractions). Written out
 * because GCC's own vectorisation of the scalar functions turned the clamps
 * into masked arithmetic twice as long. */
ALWAYS_INLINE v16a vsel(v16i m, v16a a, v16a b) /* m ? a : b, per lane */
{
    return (v16a)((m & (v16i)a) | (~m & (v16i)b));
}

ALWAYS_INLINE v16a vexpf(v16a x)
{
    const v16a zero = {0};
    x = vsel(x > zero + 88.0f, zero + 88.0f, x);
    x = vsel(x < zero - 87.0f, zero - 87.0f, x);
    v16a kf = x * 1.44269504088896341f + 12582912.0f;
    v16i ki = (v16i)kf - 0x4B400000;
    v16a n = kf - 12582912.0f;
    v16a r = FC_EXP_REDUCE(x, n);
    v16a p = FC_EXP_POLY(r);
    v16i bits = (ki + 127) << 23;
    return p * (v16a)bits;
}

ALWAYS_INLINE v16a vsigmoidf(v16a x)
{
    return 1.0f / (1.0f + vexpf(-x));
}

ALWAYS_INLINE v16a vtanhf(v16a x)
{
    return 2.0f / (1.0f + vexpf(-2.0f * x)) - 1.0f;
}

/* The cell for 16 consecutive cells j of one row: gates from z (blocks i, f,
 * g, o at stride hh), c_{t-1} from cp. */
struct cell16 {
    v16a i, f, g, o, c, t; /* activated gates, c_t, tanh(c_t) */
};

ALWAYS_INLINE void cell16_compute(struct cell16 *s, const float *z, int hh,
                                  const float *cp)
{
    s->i = vsigmoidf(ldu16(z));
    s->f = vsigmoidf(ldu16(z + hh));
    s->g = vtanhf(ldu16(z + 2 * hh));
    s->o = vsigmoidf(ldu16(z + 3 * hh));
    s->c = s->f * ldu16(cp) + s->i * s->g;
    s->t = vtanhf(s->c);
}

/* Writes c_t, h_t and, when keep, the activated gates over z and tanh(c_t)
 * to tc (the backward pass needs them). */
ALWAYS_INLINE void cell16_store(const struct cell16 *s, float *z, int hh,
                                float *c, float *tc, float *h, int keep)
{
    stu16(c, s->c);
    stu16(h, s->o * s->t);
    if (keep) {
        stu16(z, s->i);
        stu16(z + hh, s->f);
        stu16(z + 2 * hh, s->g);
        stu16(z + 3 * hh, s->o);
        stu16(tc, s->t);
    }
}

/* Rows of fewer than 16 cells, one cell at a time. Not inlined: every
 * caller runs this same code, so a row gives the same bits in every path. */
FC_CLONES __attribute__((noinline)) static void
cell_narrow(float *restrict z, const float *restrict cp, float *restrict c,
            float *restrict tc, float *restrict h, int hh, int keep)
{
    for (int j = 0; j < hh; j++) {
        float i = fc_sigmoidf(z[j]);
        float f = fc_sigmoidf(z[hh + j]);
        float g = fc_tanhf(z[2 * hh + j]);
        float o = fc_sigmoidf(z[3 * hh + j]);
        float cn = f * cp[j] + i * g;
        float t = fc_tanhf(cn);
        c[j] = cn;
        h[j] = o * t;
        if (keep) {
            z[j] = i;
            z[hh + j] = f;
            z[2 * hh + j] = g;
            z[3 * hh + j] = o;
            tc[j] = t;
        }
    }
}

/* One row (one window) of one step: the cell equations of the file header
 * for hh cells, 16 at a time. When hh is not a multiple of 16 the last 16
 * cells are done as a group of their own, overlapping the group before it:
 * both groups are computed before either is stored (z may be overwritten
 * in place), and the overlap gets the same values twice. Every path (batch,
 * one window, training) goes through here, so a window's result does not
 * depend on the path. */
ALWAYS_INLINE void cell_row(float *z, const float *cp, float *c, float *tc,
                            float *h, int hh, int keep)
{
    struct cell16 a, b;
    int n16 = hh / 16, rem = hh % 16;
    int plain = rem ? n16 - 1 : n16;

    if (hh < 16) {
        cell_narrow(z, cp, c, tc, h, hh, keep);
        return;
    }
    for (int q = 0; q < plain; q++) {
        int j = 16 * q;
        cell16_compute(&a, z + j, hh, cp + j);
        cell16_store(&a, z + j, hh, c + j, keep ? tc + j : NULL, h + j, keep);
    }
    if (rem) {
        int ja = 16 * (n16 - 1), jb = hh - 16;
        cell16_compute(&a, z + ja, hh, cp + ja);
        cell16_compute(&b, z + jb, hh, cp + jb);
        cell16_store(&a, z + ja, hh, c + ja, keep ? tc + ja : NULL, h + ja,
                     keep);
        cell16_store(&b, z + jb, hh, c + jb, keep ? tc + jb : NULL, h + jb,
                     keep);
    }
}

/* Activate the gates of one step in place and advance the state. */
FC_CLONES
static void cell_forward(float *restrict z, const float *restrict c_prev,
                         float *restrict c, float *restrict tc,
                         float *restrict h, int batch, int hh)
{
    for (int b = 0; b < batch; b++) {
        size_t r = (size_t)b * hh;
        cell_row(z + 4 * r, c_prev + r, c + r, tc + r, h + r, hh, 1);
    }
}

/* One step of one layer for one window, after z = x_t W + h_{t-1} U + b:
 * c_t and h_t only (prediction keeps no gates). */
FC_CLONES
static void cell_one(float *restrict z, const float *restrict cp,
                     float *restrict c, float *restrict h, int hh)
{
    cell_row(z, cp, c, NULL, h, hh, 0);
}

/* One step of BPTT (equations in the file header). above may be NULL (no
 * gradient from the layer above at this step). dh_next and dc_next carry
 * in from step t+1 and out to step t-1 (dc_next in place; dh_next is
 * recomputed by the caller's GEMM). */
FC_CLONES
static void cell_backward(const float *restrict gz, const float *restrict cp,
                          const float *restrict tc, const float *restrict above,
                          const float *restrict dh_next,
                          float *restrict dc_next, float *restrict dz,
                          int batch, int hh)
{
    for (int b = 0; b < batch; b++) {
        size_t r = (size_t)b * hh, r4 = (size_t)b * 4 * hh;
        const float *restrict gi = gz + r4;
        const float *restrict gf = gi + hh;
        const float *restrict gg = gi + 2 * hh;
        const float *restrict go = gi + 3 * hh;
        float *restrict di = dz + r4;
        float *restrict df = di + hh;
        float *restrict dg = di + 2 * hh;
        float *restrict dout = di + 3 * hh;
        const float *restrict ab = above ? above + r : NULL;
        for (int j = 0; j < hh; j++) {
            float dh = dh_next[r + j] + (ab ? ab[j] : 0.0f);
            float i = gi[j], f = gf[j], g = gg[j], o = go[j];
            float t = tc[r + j];
            float dc = dh * o * (1.0f - t * t) + dc_next[r + j];
            dout[j] = dh * t * o * (1.0f - o);
            di[j] = dc * g * i * (1.0f - i);
            dg[j] = dc * i * (1.0f - g * g);
            df[j] = dc * cp[r + j] * f * (1.0f - f);
            dc_next[r + j] = dc * f;
        }
    }
}

FC_CLONES
static void mul_into(float *restrict dst, const float *restrict a,
                     const float *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = a[i] * b[i];
}

FC_CLONES
static void mul_inplace(float *restrict x, const float *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= b[i];
}

FC_CLONES
static void colsum_add(float *restrict acc, const float *restrict x,
                       size_t rows, int cols)
{
    for (size_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * (size_t)cols;
        for (int j = 0; j < cols; j++)
            acc[j] += xr[j];
    }
}

static void broadcast_rows(float *dst, const float *row, size_t rows, int cols)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(dst + r * (size_t)cols, row, (size_t)cols * sizeof(float));
}

/* splitmix64's output function (Steele, Lea & Flood 2014): a bijective
 * mix of a 64-bit counter, so draw i of a stream is mix(key + i golden)
 * and a loop of draws has no chain from one to the next (it vectorises). */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Inverted-dropout mask: 0 with probability p, else 1/(1-p). One draw
 * from rng keys a counter-based stream (splitmix64) for the whole mask,
 * each 64-bit value of which gives four 16-bit uniforms (resolution 2^-16
 * on p): the masks are as reproducible as rng's stream, and a mask no
 * longer costs a call into rng.c per four cells (5 % of a training step). */
FC_CLONES
static void draw_mask(float *restrict mask, size_t n, float p,
                      struct fc_rng *rng)
{
    const uint64_t golden = 0x9E3779B97F4A7C15u;
    uint32_t cut = (uint32_t)(p * 65536.0f + 0.5f);
    float keep = 1.0f / (1.0f - p);
    uint64_t key = fc_rng_next(rng);
    size_t n4 = n / 4;

    for (size_t i = 0; i < n4; i++) {
        uint64_t r = mix64(key + (i + 1) * golden);
        for (int k = 0; k < 4; k++)
            mask[4 * i + (size_t)k] =
                (uint32_t)((r >> (16 * k)) & 0xffff) < cut ? 0.0f : keep;
    }
    if (n4 * 4 < n) {
        uint64_t r = mix64(key + (n4 + 1) * golden);
        for (size_t i = n4 * 4; i < n; i++, r >>= 16)
            mask[i] = (uint32_t)(r & 0xffff) < cut ? 0.0f : keep;
    }
}

/* dst[cols x rows] = src[rows x cols]^T, in 16 x 16 tiles: a tile's 16
 * destination rows stay cached while it is written (a plain double loop
 * strides a whole row of dst per element; every training step transposes
 * all the kernels). */
static void transpose(float *restrict dst, const float *restrict src, int rows,
                      int cols)
{
    for (int r0 = 0; r0 < rows; r0 += 16) {
        int r1 = r0 + 16 < rows ? r0 + 16 : rows;
        for (int c0 = 0; c0 < cols; c0 += 16) {
            int c1 = c0 + 16 < cols ? c0 + 16 : cols;
            for (int c = c0; c < c1; c++)
                for (int r = r0; r < r1; r++)
                    dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
        }
    }
}

/* ---- forward ------------------------------------------------------------ */

/* x[B][T][I] -> ws->x_tm[T][B][I]. */
static void to_time_major(float *dst, const float *x, int batch, int steps,
                          int n_in)
{
    for (int b = 0; b < batch; b++)
        for (int t = 0; t < steps; t++)
            memcpy(dst + ((size_t)t * batch + b) * n_in,
                   x + ((size_t)b * steps + t) * n_in,
                   (size_t)n_in * sizeof(float));
}

/* The whole forward pass; with dropout > 0, draws masks and applies them.
 * Leaves every intermediate the backward pass needs in ws, y in ws->y. */
static void forward(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                    const float *x, int batch, int steps, float dropout,
                    struct fc_rng *rng)
{
    const float *in = ws->x_tm;
    size_t bt = (size_t)batch * (size_t)steps;
    int top = m->n_layers - 1;

    to_time_major(ws->x_tm, x, batch, steps, m->n_in);
    for (int l = 0; l <= top; l++) {
        int hh = m->units[l], g4 = gates(m, l), ni = layer_in(m, l);
        const float *w = m->params + m->off_w[l];
        const float *u = m->params + m->off_u[l];
        float *z = ws->z[l], *c = ws->c[l], *h = ws->h[l];
        size_t hb = (size_t)batch * hh;

        /* Z = X W + b for every step at once (hoisted input projection). */
        broadcast_rows(z, m->params + m->off_b[l], bt, g4);
        fc_gemm(0, 0, (int)bt, g4, ni, 1.0f, in, ni, w, g4, 1.0f, z, g4);
        memset(c, 0, hb * sizeof(float));
        memset(h, 0, hb * sizeof(float));
        for (int t = 0; t < steps; t++) {
            float *zt = z + (size_t)t * batch * g4;
            if (t > 0) /* h_{-1} = 0 contributes nothing at t = 0 */
                fc_gemm(0, 0, batch, g4, hh, 1.0f, h + (size_t)t * hb, hh, u,
                        g4, 1.0f, zt, g4);
            cell_forward(zt, c + (size_t)t * hb, c + (size_t)(t + 1) * hb,
                         ws->tc[l] + (size_t)t * hb, h + (size_t)(t + 1) * hb,
                         batch, hh);
        }
        if (l < top) {
            if (dropout > 0.0f) {
                draw_mask(ws->mask[l], bt * hh, dropout, rng);
                mul_into(ws->out[l], h + hb, ws->mask[l], bt * hh);
                in = ws->out[l];
            } else {
                in = h + hb; /* h_0 .. h_{T-1}, already [T][B][H] */
            }
        } else {
            const float *h_last = h + (size_t)steps * hb;
            if (dropout > 0.0f) {
                draw_mask(ws->mask[l], hb, dropout, rng);
                mul_into(ws->out[l], h_last, ws->mask[l], hb);
            } else {
                memcpy(ws->out[l], h_last, hb * sizeof(float));
            }
        }
    }
    /* y = h_T Wd + bd */
    broadcast_rows(ws->y, m->params + m->off_db, (size_t)batch, m->n_out);
    fc_gemm(0, 0, batch, m->n_out, m->units[top], 1.0f, ws->out[top],
            m->units[top], m->params + m->off_dw, m->n_out, 1.0f, ws->y,
            m->n_out);
}

/* ---- one window ----------------------------------------------------------
 *
 * A prediction for one window (the service's request) is a chain of
 * matrix-vector products, z_t = x_t W + h_{t-1} U + b, 30 steps per layer,
 * each waiting for the step before: nothing to block over, so what counts is
 * how close each product runs to the FMA units' rate. forward_one does the
 * same arithmetic as forward(), in the same order, so the results are
 * identical (a unit test checks it), with three differences:
 *
 *   - U is copied once per layer (per call) to rows padded to whole 64-byte
 *     vectors: rows of 4H = 200 floats would otherwise start at alternating
 *     32-byte offsets, and every other row's loads would split across
 *     cache lines (measured: 1.6x slower products). The copy reads U once;
 *     the 29 products after it read the copy from L1.
 *   - h_{t-1} U runs with all of its 4H columns in registers (up to 16
 *     vectors of 16: 4H <= 256 in one pass), so the FMAs of one h value
 *     are independent chains, without fc_gemm's dispatch around it.
 *   - the gates of 16 cells are activated and the state advanced together;
 *     a last partial group of 16 is recomputed overlapping the one before
 *     (c_t and h_t go to other buffers than they are computed from), so no
 *     scalar tail.
 * No allocation, no BLAS, no threads. */

/* z[0 .. 16 nv) += sum_p h[p] u[p][0 .. 16 nv), with z and the rows of u
 * (stride ldu) 64-byte aligned; inlined with a constant nv, so the nv
 * accumulators stay in registers for the whole k loop. The sum starts at 0
 * and is added to z at the end, in fc_gemm's order: a window's prediction
 * is the same to the bit whether it runs here or in a batch (a forecast and
 * a range prediction of the same day agree). */
ALWAYS_INLINE void gemv_pass(int nv, int k, const float *restrict h,
                             const float *restrict u, size_t ldu,
                             float *restrict z)
{
    v16a acc[16];
    for (int q = 0; q < nv; q++)
        acc[q] = (v16a){0};
    for (int p = 0; p < k; p++) {
        const float *up = u + (size_t)p * ldu;
        float x = h[p];
        for (int q = 0; q < nv; q++)
            acc[q] += x * *(const v16a *)(up + 16 * q);
    }
    for (int q = 0; q < nv; q++)
        *(v16a *)(z + 16 * q) += acc[q];
}

/* z[0..g) += h[0..k) u[k x g], g a multiple of 16: passes of at most 16
 * vectors (12 when more than 16 remain). */
FC_CLONES
static void gemv_padded(int g, int k, const float *restrict h,
                        const float *restrict u, float *restrict z)
{
    int nv = g / 16;
    size_t ldu = (size_t)g;
    for (int q0 = 0; q0 < nv;) {
        int n = nv - q0 <= 16 ? nv - q0 : 12;
        const float *uq = u + 16 * (size_t)q0;
        float *zq = z + 16 * (size_t)q0;
        /* One case per pass width, kept on two lines by hand. */
        /* clang-format off */
        switch (n) {
#define PASS(nn)                                                               \
    case nn:                                                                   \
        gemv_pass(nn, k, h, uq, ldu, zq);                                      \
        break;
        PASS(1) PASS(2) PASS(3) PASS(4) PASS(5) PASS(6) PASS(7) PASS(8)
        PASS(9) PASS(10) PASS(11) PASS(12) PASS(13) PASS(14) PASS(15) PASS(16)
#undef PASS
        default:
            assert(0);
        }
        /* clang-format on */
        q0 += n;
    }
}

/* y[n_out] for one window x[steps][n_in]; ws was made with max_batch 1. */
static void forward_one(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                        const float *x, int steps, float *y)
{
    const float *in = x; /* [steps][ni], this layer's input sequence */
    int top = m->n_layers - 1;

    for (int l = 0; l <= top; l++) {
        int hh = m->units[l], g4 = gates(m, l), ni = layer_in(m, l);
        int gp = (int)gates_padded(m, l);
        const float *u = m->params + m->off_u[l];
        float *z = ws->z_pad, *c = ws->c[l], *h = ws->h[l];

        /* z_t = x_t W + b for every step (one product, as in forward()), U to
         * padded rows. */
        for (int t = 0; t < steps; t++)
            memcpy(z + (size_t)t * gp, m->params + m->off_b[l],
                   (size_t)g4 * sizeof(float));
        fc_gemm(0, 0, steps, g4, ni, 1.0f, in, ni, m->params + m->off_w[l], g4,
                1.0f, z, gp);
        for (int r = 0; r < hh; r++)
            memcpy(ws->u_pad + (size_t)r * gp, u + (size_t)r * g4,
                   (size_t)g4 * sizeof(float));
        memset(c, 0, (size_t)hh * sizeof(float));
        memset(h, 0, (size_t)hh * sizeof(float));
        for (int t = 0; t < steps; t++) {
            float *zt = z + (size_t)t * gp;
            const float *h_prev = h + (size_t)t * hh;
            if (t > 0) /* h_{-1} = 0 */
                gemv_padded(gp, hh, h_prev, ws->u_pad, zt);
            cell_one(zt, c + (size_t)t * hh, c + (size_t)(t + 1) * hh,
                     h + (size_t)(t + 1) * hh, hh);
        }
        in = h + hh; /* h_0 .. h_{T-1} */
    }
    /* y = h_T Wd + bd, as forward() computes it. */
    memcpy(y, m->params + m->off_db, (size_t)m->n_out * sizeof(float));
    fc_gemm(0, 0, 1, m->n_out, m->units[top], 1.0f,
            ws->h[top] + (size_t)steps * m->units[top], m->units[top],
            m->params + m->off_dw, m->n_out, 1.0f, y, m->n_out);
}

static int shape_ok(const struct fc_lstm_ws *ws, int batch, int steps)
{
    return batch >= 1 && steps >= 1 && batch <= ws->max_batch &&
           steps <= ws->max_steps;
}

fc_err fc_lstm_predict(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                       const float *x, int batch, int n_steps, float *y)
{
    assert(ws->n_layers == m->n_layers);
    if (!shape_ok(ws, batch, n_steps))
        return FC_EINVAL;
    if (ws->u_pad != NULL) { /* a one-window workspace: batch == 1 */
        forward_one(m, ws, x, n_steps, y);
        return FC_OK;
    }
    forward(m, ws, x, batch, n_steps, 0.0f, NULL);
    memcpy(y, ws->y, (size_t)batch * (size_t)m->n_out * sizeof(float));
    return FC_OK;
}

/* ---- backward ----------------------------------------------------------- */

/* BPTT from the loss gradient in ws->dy [batch][n_out], after forward():
 * ADDS dL/dparams to grad. */
static void backward(const struct fc_lstm *m, struct fc_lstm_ws *ws, int batch,
                     int n_steps, float dropout, float *grad)
{
    int top = m->n_layers - 1, n_out = m->n_out;
    int h_top = m->units[top];
    size_t bt = (size_t)batch * (size_t)n_steps;
    float *above = NULL; /* [T][B][H] gradient into this layer's output */
    int last_only;       /* above holds only the last step (top layer) */

    /* The backward products by U^T and W^T run as plain products by their
     * transposes, which our kernels do at full speed (fc_gemm's B^T path is
     * a dot-product kernel, several times slower at these shapes). */
    for (int l = 0; l <= top; l++) {
        transpose(ws->ut[l], m->params + m->off_u[l], m->units[l], gates(m, l));
        if (l > 0)
            transpose(ws->wt[l], m->params + m->off_w[l], layer_in(m, l),
                      gates(m, l));
    }
    /* dWd += h^T dy; dbd += sum dy. */
    fc_gemm(1, 0, h_top, n_out, batch, 1.0f, ws->out[top], h_top, ws->dy, n_out,
            1.0f, grad + m->off_dw, n_out);
    colsum_add(grad + m->off_db, ws->dy, (size_t)batch, n_out);
    /* dh_T = dy Wd^T (times the dropout mask). */
    above = ws->dabove[0];
    fc_gemm(0, 1, batch, h_top, n_out, 1.0f, ws->dy, n_out,
            m->params + m->off_dw, n_out, 0.0f, above, h_top);
    if (dropout > 0.0f)
        mul_inplace(above, ws->mask[top], (size_t)batch * h_top);
    last_only = 1;

    for (int l = top; l >= 0; l--) {
        int hh = m->units[l], g4 = gates(m, l), ni = layer_in(m, l);
        size_t hb = (size_t)batch * hh;
        const float *xin;
        float *dz = ws->dz;

        memset(ws->dh_next, 0, hb * sizeof(float));
        memset(ws->dc_next, 0, hb * sizeof(float));
        for (int s = n_steps - 1; s >= 0; s--) {
            const float *ab;
            if (last_only)
                ab = s == n_steps - 1 ? above : NULL;
            else
                ab = above + (size_t)s * hb;
            cell_backward(ws->z[l] + (size_t)s * batch * g4,
                          ws->c[l] + (size_t)s * hb, ws->tc[l] + (size_t)s * hb,
                          ab, ws->dh_next, ws->dc_next,
                          dz + (size_t)s * batch * g4, batch, hh);
            if (s > 0)
                fc_gemm(0, 0, batch, hh, g4, 1.0f, dz + (size_t)s * batch * g4,
                        g4, ws->ut[l], hh, 0.0f, ws->dh_next, hh);
        }
        /* dU = sum_t h_{t-1}^T dZ_t (t >= 1; h_{-1} = 0). */
        if (n_steps > 1)
            fc_gemm(1, 0, hh, g4, (int)(bt - (size_t)batch), 1.0f,
                    ws->h[l] + hb, hh, dz + (size_t)batch * g4, g4, 1.0f,
                    grad + m->off_u[l], g4);
        /* dW = X^T dZ, db = column sums of dZ. */
        if (l == 0)
            xin = ws->x_tm;
        else if (dropout > 0.0f)
            xin = ws->out[l - 1];
        else
            xin = ws->h[l - 1] + (size_t)batch * m->units[l - 1];
        fc_gemm(1, 0, ni, g4, (int)bt, 1.0f, xin, ni, dz, g4, 1.0f,
                grad + m->off_w[l], g4);
        colsum_add(grad + m->off_b[l], dz, bt, g4);
        if (l > 0) {
            /* dX = dZ W^T, through the mask of the layer below's output. */
            float *dx = above == ws->dabove[0] ? ws->dabove[1] : ws->dabove[0];
            fc_gemm(0, 0, (int)bt, ni, g4, 1.0f, dz, g4, ws->wt[l], ni, 0.0f,
                    dx, ni);
            if (dropout > 0.0f)
                mul_inplace(dx, ws->mask[l - 1], bt * (size_t)ni);
            above = dx;
            last_only = 0;
        }
    }
}

fc_err fc_lstm_grad(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                    const float *x, const float *t, int batch, int n_steps,
                    float dropout, struct fc_rng *rng, float inv_n, float *grad,
                    double *sse)
{
    double err2 = 0.0;

    assert(ws->n_layers == m->n_layers);
    assert(dropout >= 0.0f && dropout < 1.0f);
    assert(dropout == 0.0f || rng != NULL);
    if (!shape_ok(ws, batch, n_steps) || ws->dz == NULL)
        return FC_EINVAL; /* dz: NULL in a fc_lstm_ws_new_one workspace */
    forward(m, ws, x, batch, n_steps, dropout, rng);
    /* Dense: dy = 2 inv_n (y - t). */
    for (int i = 0; i < batch * m->n_out; i++) {
        float e = ws->y[i] - t[i];
        err2 += (double)e * e;
        ws->dy[i] = 2.0f * inv_n * e;
    }
    backward(m, ws, batch, n_steps, dropout, grad);
    *sse = err2;
    return FC_OK;
}

/* ---- distributional head --------------------------------------------------
 */

double fc_lstm_scale(double a)
{
    /* softplus(a) = log(1 + e^a), computed without overflow. */
    double sp = a > 0.0 ? a + log1p(exp(-a)) : log1p(exp(a));
    return sp + FC_LSTM_SCALE_FLOOR;
}

double fc_lstm_nll(double t, double mu, double a, double df, double *d_mu,
                   double *d_a)
{
    double sigma = fc_lstm_scale(a);
    double z = (t - mu) / sigma;
    double ds_da = 1.0 / (1.0 + exp(-a)); /* softplus' = logistic */
    double nll, g_mu, g_sigma;

    if (df > 0.0) {
        /* Student-t: log sigma + (df+1)/2 log(1 + z^2/df) + const. */
        double q = 1.0 + z * z / df;
        double w = (df + 1.0) / (df * q); /* -d/dz of the log density / z */
        nll = log(sigma) + 0.5 * (df + 1.0) * log(q) -
              lgamma(0.5 * (df + 1.0)) + lgamma(0.5 * df) +
              0.5 * log(df * 3.14159265358979323846);
        g_mu = -w * z / sigma;
        g_sigma = (1.0 - w * z * z) / sigma;
    } else {
        /* Gaussian: log sigma + z^2 / 2 + log(2 pi) / 2. */
        nll = log(sigma) + 0.5 * z * z + 0.91893853320467274;
        g_mu = -z / sigma;
        g_sigma = (1.0 - z * z) / sigma;
    }
    if (d_mu != NULL)
        *d_mu = g_mu;
    if (d_a != NULL)
        *d_a = g_sigma * ds_da;
    return nll;
}

fc_err fc_lstm_grad_nll(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                        const float *x, const float *t, int batch, int n_steps,
                        float dropout, struct fc_rng *rng, float inv_n,
                        double df, float *grad, double *nll)
{
    double sum = 0.0;

    assert(ws->n_layers == m->n_layers);
    assert(dropout >= 0.0f && dropout < 1.0f);
    assert(dropout == 0.0f || rng != NULL);
    if (!shape_ok(ws, batch, n_steps) || ws->dz == NULL || m->n_out != 2)
        return FC_EINVAL;
    forward(m, ws, x, batch, n_steps, dropout, rng);
    for (int i = 0; i < batch; i++) {
        double g_mu, g_a;
        sum +=
            fc_lstm_nll(t[i], ws->y[2 * i], ws->y[2 * i + 1], df, &g_mu, &g_a);
        ws->dy[2 * i] = (float)(inv_n * g_mu);
        ws->dy[2 * i + 1] = (float)(inv_n * g_a);
    }
    backward(m, ws, batch, n_steps, dropout, grad);
    *nll = sum;
    return FC_OK;
}

/* ---- stepping ---------------------------------------------------------- */

static int max_units(const struct fc_lstm *m)
{
    int hmax = 0;
    for (int l = 0; l < m->n_layers; l++)
        hmax = m->units[l] > hmax ? m->units[l] : hmax;
    return hmax;
}

/* The cells of one step for batch rows, c_t into c_new (the clones give it
 * the same vector width as the other paths). */
FC_CLONES
static void step_cells(float *restrict z, const float *restrict c,
                       float *restrict c_new, float *restrict h, int batch,
                       int hh)
{
    for (int r = 0; r < batch; r++)
        cell_row(z + (size_t)r * 4 * hh, c + (size_t)r * hh,
                 c_new + (size_t)r * hh, NULL, h + (size_t)r * hh, hh, 0);
}

size_t fc_lstm_state_floats(const struct fc_lstm *m, int batch)
{
    size_t n = 0;
    for (int l = 0; l < m->n_layers; l++)
        n += 2 * (size_t)batch * (size_t)m->units[l];
    return n;
}

size_t fc_lstm_step_scratch_floats(const struct fc_lstm *m, int batch)
{
    return 5 * (size_t)batch * (size_t)max_units(m);
}

void fc_lstm_step(const struct fc_lstm *m, const float *x, int batch,
                  float *state, float *scratch, float *y)
{
    const float *in = x;
    int ni = m->n_in;
    float *z = scratch;
    float *c_new = scratch + 4 * (size_t)batch * (size_t)max_units(m);

    for (int l = 0; l < m->n_layers; l++) {
        int hh = m->units[l], g4 = gates(m, l);
        size_t hb = (size_t)batch * (size_t)hh;
        float *h = state, *c = state + hb;

        for (int r = 0; r < batch; r++)
            memcpy(z + (size_t)r * g4, m->params + m->off_b[l],
                   (size_t)g4 * sizeof(float));
        fc_gemm(0, 0, batch, g4, ni, 1.0f, in, ni, m->params + m->off_w[l], g4,
                1.0f, z, g4);
        fc_gemm(0, 0, batch, g4, hh, 1.0f, h, hh, m->params + m->off_u[l], g4,
                1.0f, z, g4);
        step_cells(z, c, c_new, h, batch, hh);
        memcpy(c, c_new, hb * sizeof(float));
        in = h;
        ni = hh;
        state += 2 * hb;
    }
    for (int r = 0; r < batch; r++)
        memcpy(y + (size_t)r * m->n_out, m->params + m->off_db,
               (size_t)m->n_out * sizeof(float));
    fc_gemm(0, 0, batch, m->n_out, ni, 1.0f, in, ni, m->params + m->off_dw,
            m->n_out, 1.0f, y, m->n_out);
}
