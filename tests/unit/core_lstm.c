/* core_lstm.c — the LSTM's maths proven numerically: every parameter's
 * gradient against central finite differences (with dropout off, and with a
 * fixed dropout mask), the same for the distributional head's Gaussian and
 * Student-t negative log-likelihood, the GEMM paths against a plain triple
 * loop, and the Keras initialisation's invariants (orthonormal recurrent rows,
 * forget bias). */
#include "check.h"
#include "err.h"
#include "gemm.h"
#include "lstm.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The loss fc_lstm_grad minimises, evaluated through the same forward pass
 * (same seed -> same dropout masks). */
static double loss_at(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                      const float *x, const float *t, int b, int steps, float p,
                      uint64_t seed, float inv_n, float *scratch)
{
    struct fc_rng rng;
    double sse = 0.0;
    fc_rng_init(&rng, seed);
    memset(scratch, 0, fc_lstm_n_params(m) * sizeof(float));
    fc_lstm_grad(m, ws, x, t, b, steps, p, &rng, inv_n, scratch, &sse);
    return sse * inv_n;
}

static void grad_check(float dropout)
{
    const int units[2] = {3, 4};
    const int n_in = 2, n_out = 2, b = 3, steps = 5;
    struct fc_lstm *m = NULL;
    struct fc_lstm_ws *ws = NULL;
    struct fc_rng rng;
    float x[3 * 5 * 2], t[3 * 2];
    float inv_n = 1.0f / (float)(b * n_out);
    int n_bad = 0;
    double worst = 0.0;

    CHECK_OK(fc_lstm_new(n_in, 2, units, n_out, &m));
    CHECK_OK(fc_lstm_ws_new(m, b, steps, &ws));
    fc_rng_init(&rng, 42);
    fc_lstm_init_keras(m, &rng);
    /* Non-zero biases everywhere so that every gradient path is exercised. */
    float *p = fc_lstm_params(m);
    size_t n = fc_lstm_n_params(m);
    for (size_t i = 0; i < n; i++)
        p[i] += (float)(0.3 * fc_rng_normal(&rng));
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = (float)fc_rng_normal(&rng);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        t[i] = (float)(2.0 * fc_rng_normal(&rng));

    float *g = calloc(n, sizeof *g), *scratch = calloc(n, sizeof *scratch);
    struct fc_rng r0;
    double sse;
    fc_rng_init(&r0, 7);
    CHECK_OK(fc_lstm_grad(m, ws, x, t, b, steps, dropout, &r0, inv_n, g, &sse));
    for (size_t i = 0; i < n; i++) {
        float saved = p[i];
        const float eps = 1e-2f;
        p[i] = saved + eps;
        double lp = loss_at(m, ws, x, t, b, steps, dropout, 7, inv_n, scratch);
        p[i] = saved - eps;
        double lm = loss_at(m, ws, x, t, b, steps, dropout, 7, inv_n, scratch);
        p[i] = saved;
        double num = (lp - lm) / (2.0 * eps);
        double err = fabs(num - g[i]) / fmax(1e-2, fabs(num) + fabs(g[i]));
        if (err > worst)
            worst = err;
        if (err > 2e-2) {
            n_bad++;
            fprintf(stderr, "param %zu: analytic %.6g numeric %.6g\n", i,
                    (double)g[i], num);
        }
    }
    printf("grad check (dropout %.1f): %zu params, worst relative error %.2e\n",
           (double)dropout, n, worst);
    CHECK_EQ_INT(n_bad, 0);
    free(g);
    free(scratch);
    fc_lstm_ws_free(ws);
    fc_lstm_free(m);
}

/* The NLL fc_lstm_grad_nll minimises (mean over the batch). */
static double nll_at(const struct fc_lstm *m, struct fc_lstm_ws *ws,
                     const float *x, const float *t, int b, int steps, float p,
                     uint64_t seed, double df, float *scratch)
{
    struct fc_rng rng;
    double nll = 0.0;
    fc_rng_init(&rng, seed);
    memset(scratch, 0, fc_lstm_n_params(m) * sizeof(float));
    fc_lstm_grad_nll(m, ws, x, t, b, steps, p, &rng, 1.0f / (float)b, df,
                     scratch, &nll);
    return nll / b;
}

/* The distributional head (mu and softplus scale) under the Gaussian and
 * the Student-t NLL: every parameter's gradient, BPTT through both heads,
 * against central differences; then the head's own derivatives by mu and
 * by the raw scale against differences in double precision. */
static void grad_check_nll(double df, float dropout)
{
    const int units[2] = {3, 4};
    const int n_in = 2, b = 4, steps = 5;
    struct fc_lstm *m = NULL;
    struct fc_lstm_ws *ws = NULL;
    struct fc_rng rng, r0;
    float x[4 * 5 * 2], t[4];
    int n_bad = 0;
    double worst = 0.0, nll;

    CHECK_OK(fc_lstm_new(n_in, 2, units, 2, &m));
    CHECK_OK(fc_lstm_ws_new(m, b, steps, &ws));
    fc_rng_init(&rng, 43);
    fc_lstm_init_keras(m, &rng);
    float *p = fc_lstm_params(m);
    size_t n = fc_lstm_n_params(m);
    for (size_t i = 0; i < n; i++)
        p[i] += (float)(0.3 * fc_rng_normal(&rng));
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = (float)fc_rng_normal(&rng);
    for (int i = 0; i < b; i++)
        t[i] = (float)(1.5 * fc_rng_normal(&rng));

    float *g = calloc(n, sizeof *g), *scratch = calloc(n, sizeof *scratch);
    fc_rng_init(&r0, 7);
    CHECK_OK(fc_lstm_grad_nll(m, ws, x, t, b, steps, dropout, &r0,
                              1.0f / (float)b, df, g, &nll));
    CHECK(isfinite(nll));
    for (size_t i = 0; i < n; i++) {
        float saved = p[i];
        const float eps = 1e-2f;
        p[i] = saved + eps;
        double lp = nll_at(m, ws, x, t, b, steps, dropout, 7, df, scratch);
        p[i] = saved - eps;
        double lm = nll_at(m, ws, x, t, b, steps, dropout, 7, df, scratch);
        p[i] = saved;
        double num = (lp - lm) / (2.0 * eps);
        double err = fabs(num - g[i]) / fmax(1e-2, fabs(num) + fabs(g[i]));
        if (err > worst)
            worst = err;
        if (err > 2e-2) {
            n_bad++;
            fprintf(stderr, "nll param %zu: analytic %.6g numeric %.6g\n", i,
                    (double)g[i], num);
        }
    }
    printf("nll grad check (df %g, dropout %.1f): %zu params, worst "
           "relative error %.2e\n",
           df, (double)dropout, n, worst);
    CHECK_EQ_INT(n_bad, 0);
    /* The head alone, in double: d/dmu and d/da. */
    for (int k = 0; k < 5; k++) {
        double tt = 2.0 * fc_rng_normal(&rng), mu = fc_rng_normal(&rng);
        double a = 2.0 * fc_rng_normal(&rng), dmu, da, h = 1e-6;
        fc_lstm_nll(tt, mu, a, df, &dmu, &da);
        double nmu = (fc_lstm_nll(tt, mu + h, a, df, NULL, NULL) -
                      fc_lstm_nll(tt, mu - h, a, df, NULL, NULL)) /
                     (2 * h);
        double na = (fc_lstm_nll(tt, mu, a + h, df, NULL, NULL) -
                     fc_lstm_nll(tt, mu, a - h, df, NULL, NULL)) /
                    (2 * h);
        CHECK_NEAR(dmu, nmu, 1e-6 * fmax(1.0, fabs(nmu)));
        CHECK_NEAR(da, na, 1e-6 * fmax(1.0, fabs(na)));
    }
    /* The scale has its floor, and the densities integrate to 1. */
    CHECK(fc_lstm_scale(-50.0) >= FC_LSTM_SCALE_FLOOR);
    double area = 0.0;
    for (double y = -60.0; y < 60.0; y += 1e-3)
        area += exp(-fc_lstm_nll(y, 0.3, 0.2, df, NULL, NULL)) * 1e-3;
    CHECK_NEAR(area, 1.0, df > 0.0 && df < 3.0 ? 2e-2 : 1e-4);
    /* A one-window workspace cannot hold gradients; a point net has no
     * scale head. */
    struct fc_lstm *pt = NULL;
    struct fc_lstm_ws *pws = NULL;
    CHECK_OK(fc_lstm_new(n_in, 2, units, 1, &pt));
    CHECK_OK(fc_lstm_ws_new(pt, b, steps, &pws));
    CHECK_ERR(fc_lstm_grad_nll(pt, pws, x, t, b, steps, 0.0f, NULL, 1.0f, df, g,
                               &nll),
              FC_EINVAL);
    fc_lstm_ws_free(pws);
    fc_lstm_free(pt);
    free(g);
    free(scratch);
    fc_lstm_ws_free(ws);
    fc_lstm_free(m);
}

static void gemm_vs_reference(void)
{
    const int shapes[][3] = {{1, 200, 50},   {3, 7, 5},     {4, 200, 50},
                             {32, 200, 50},  {17, 33, 9},   {960, 200, 1},
                             {50, 200, 960}, {16, 50, 200}, {7, 20, 3},
                             {2, 16, 4},     {13, 132, 33}, {6, 64, 300},
                             {9, 24, 700}};
    struct fc_rng rng;
    fc_rng_init(&rng, 1);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        for (int ta = 0; ta < 2; ta++) {
            for (int tb = 0; tb < 2; tb++) {
                float *a = malloc((size_t)m * k * sizeof *a);
                float *b = malloc((size_t)k * n * sizeof *b);
                float *c1 = malloc((size_t)m * n * sizeof *c1);
                float *c2 = malloc((size_t)m * n * sizeof *c2);
                double worst = 0.0;
                for (int i = 0; i < m * k; i++)
                    a[i] = (float)fc_rng_normal(&rng);
                for (int i = 0; i < k * n; i++)
                    b[i] = (float)fc_rng_normal(&rng);
                for (int i = 0; i < m * n; i++)
                    c1[i] = c2[i] = (float)fc_rng_normal(&rng);
                fc_gemm(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n,
                        0.25f, c1, n);
                fc_gemm_loops(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b,
                              tb ? k : n, 0.25f, c2, n);
                /* Both float paths agree; then the loops against an exact
                 * double-precision sum on a C that beta = 0 must overwrite. */
                for (int i = 0; i < m * n; i++) {
                    double d = fabs((double)c1[i] - c2[i]);
                    if (d > worst)
                        worst = d;
                }
                CHECK_NEAR(worst, 0.0, 1e-3 * sqrt((double)k));
                for (int i = 0; i < m * n; i++)
                    c2[i] = 1e30f; /* beta = 0 must overwrite, not scale */
                fc_gemm_loops(ta, tb, m, n, k, 1.0f, a, ta ? m : k, b,
                              tb ? k : n, 0.0f, c2, n);
                worst = 0.0;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0.0;
                        for (int p = 0; p < k; p++) {
                            double av = ta ? a[p * m + i] : a[i * k + p];
                            double bv = tb ? b[j * k + p] : b[p * n + j];
                            ref += av * bv;
                        }
                        double d = fabs(ref - c2[i * n + j]);
                        if (d > worst)
                            worst = d;
                    }
                }
                CHECK_NEAR(worst, 0.0, 1e-4 * sqrt((double)k));
                free(a);
                free(b);
                free(c1);
                free(c2);
            }
        }
    }
}

static void keras_init(void)
{
    const int units[3] = {50, 50, 50};
    struct fc_lstm *m;
    struct fc_rng rng;
    CHECK_OK(fc_lstm_new(1, 3, units, 1, &m));
    CHECK_EQ_INT(fc_lstm_n_params(m), 50851); /* the report's model.summary() */
    fc_rng_init(&rng, 3);
    fc_lstm_init_keras(m, &rng);
    const float *p = fc_lstm_params_const(m);
    /* Layer 1: W[1 x 200] (200), U[50 x 200] (10000), b[200]. */
    const float *u = p + 200;
    double worst = 0.0;
    for (int r = 0; r < 50; r++) {
        for (int q = 0; q < 50; q++) {
            double dot = 0.0;
            for (int j = 0; j < 200; j++)
                dot += (double)u[r * 200 + j] * u[q * 200 + j];
            double d = fabs(dot - (r == q ? 1.0 : 0.0));
            if (d > worst)
                worst = d;
        }
    }
    CHECK_NEAR(worst, 0.0, 1e-5);
    const float *b = p + 200 + 10000;
    CHECK(b[0] == 0.0f && b[49] == 0.0f && b[50] == 1.0f && b[99] == 1.0f &&
          b[100] == 0.0f && b[199] == 0.0f);
    double limit = sqrt(6.0 / 201.0), maxw = 0.0;
    for (int j = 0; j < 200; j++)
        maxw = fmax(maxw, fabs(p[j]));
    CHECK(maxw <= limit && maxw > 0.8 * limit);
    fc_lstm_free(m);
}

/* A one-window workspace (max_batch 1) predicts through its own path
 * (forward_one); it must give what the batched path gives for the same
 * window, to the bit: a forecast and a range prediction of the same day are
 * compared exactly elsewhere. Random weights, shapes that exercise every
 * branch: 4H below 16, not a multiple of 16, one pass and two; H below 16,
 * a multiple of 16, and not (the last 16 cells overlap the group before).
 * The prediction-only workspace (fc_lstm_ws_new_one) gives the same bits
 * again, shorter windows than it was made for too, and no gradient. */
static void one_window_matches_batch(void)
{
    static const struct {
        int n_in, n_layers, units[3], n_out, steps;
    } cases[] = {
        {1, 3, {50, 50, 50}, 1, 30}, {3, 2, {7, 20, 0}, 2, 5},
        {2, 1, {100, 0, 0}, 3, 12},  {1, 2, {1, 16, 0}, 1, 4},
        {4, 2, {33, 64, 0}, 1, 9},   {2, 2, {25, 13, 0}, 1, 7},
    };
    struct fc_rng rng;
    fc_rng_init(&rng, 11);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fc_lstm *m = NULL;
        struct fc_lstm_ws *one = NULL, *two = NULL, *only = NULL;
        int ni = cases[c].n_in, no = cases[c].n_out, steps = cases[c].steps;
        float x[2 * 30 * 4], y1[3], y2[2 * 3], y3[3], t[3] = {0}, g[1];
        double worst = 0.0, sse;
        CHECK_OK(fc_lstm_new(ni, cases[c].n_layers, cases[c].units, no, &m));
        CHECK_OK(fc_lstm_ws_new(m, 1, steps, &one));
        CHECK_OK(fc_lstm_ws_new(m, 2, steps, &two));
        CHECK_OK(fc_lstm_ws_new_one(m, steps + 3, &only));
        float *p = fc_lstm_params(m);
        for (size_t i = 0; i < fc_lstm_n_params(m); i++)
            p[i] = (float)(0.5 * fc_rng_normal(&rng));
        for (int rep = 0; rep < 3; rep++) {
            for (int i = 0; i < 2 * steps * ni; i++)
                x[i] = (float)fc_rng_normal(&rng);
            /* The second window of the batch is the one predicted alone. */
            CHECK_OK(fc_lstm_predict(m, one, x + steps * ni, 1, steps, y1));
            CHECK_OK(fc_lstm_predict(m, two, x, 2, steps, y2));
            CHECK_OK(fc_lstm_predict(m, only, x + steps * ni, 1, steps, y3));
            for (int o = 0; o < no; o++) {
                double d = fmax(fabs((double)y1[o] - y2[no + o]),
                                fabs((double)y3[o] - y2[no + o]));
                if (d > worst || d != d)
                    worst = d;
            }
        }
        CHECK_NEAR(worst, 0.0, 0.0);
        CHECK_ERR(fc_lstm_predict(m, only, x, 2, steps, y2), FC_EINVAL);
        CHECK_ERR(
            fc_lstm_grad(m, only, x, t, 1, steps, 0.0f, NULL, 1.0f, g, &sse),
            FC_EINVAL);
        fc_lstm_ws_free(only);
        fc_lstm_ws_free(one);
        fc_lstm_ws_free(two);
        fc_lstm_free(m);
    }
}

static void rejects_bad_shapes(void)
{
    const int units[1] = {4};
    const int zero[1] = {0};
    struct fc_lstm *m = NULL;
    struct fc_lstm_ws *ws = NULL;
    float x[8], y[2];
    memset(x, 0, sizeof x);
    CHECK_ERR(fc_lstm_new(0, 1, units, 1, &m), FC_EINVAL);
    CHECK_ERR(fc_lstm_new(1, 1, zero, 1, &m), FC_EINVAL);
    CHECK_ERR(fc_lstm_new(1, 9, units, 1, &m), FC_EINVAL);
    CHECK(m == NULL);
    CHECK_OK(fc_lstm_new(1, 1, units, 1, &m));
    CHECK_OK(fc_lstm_ws_new(m, 2, 4, &ws));
    CHECK_ERR(fc_lstm_predict(m, ws, x, 3, 4, y), FC_EINVAL);
    CHECK_ERR(fc_lstm_predict(m, ws, x, 1, 5, y), FC_EINVAL);
    CHECK_ERR(fc_lstm_predict(m, ws, x, 1, 0, y), FC_EINVAL);
    CHECK_OK(fc_lstm_predict(m, ws, x, 2, 4, y));
    fc_lstm_ws_free(ws);
    fc_lstm_free(m);
}

int main(void)
{
    grad_check(0.0f);
    grad_check(0.3f);
    grad_check_nll(0.0, 0.0f);
    grad_check_nll(5.0, 0.0f);
    grad_check_nll(0.0, 0.3f);
    gemm_vs_reference();
    keras_init();
    one_window_matches_batch();
    rejects_bad_shapes();
    return check_report();
}
