/* core_adapt.c — the adapted interval state: its scale and pool by hand,
 * the pool's window, and the training evaluation's test-day intervals
 * against what /predict computes from the same bars (fc_model_adapt, then
 * fc_model_forecast_dist_adapted). */
#include "adapt.h"
#include "check.h"
#include "walk_bars.h"
#include "metrics.h"
#include "rng.h"
#include "train.h"
#include "volatility.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* s^2 starts at 1 and is an EWMA of the z folded in; the pool holds z / s
 * with s before each day; the bounds are s times its conformal quantiles. */
static void by_hand(void)
{
    float z[5] = {1.0f, -2.0f, 0.5f, 3.0f, -0.25f};
    struct fc_model m = {0};
    struct fc_adapt a;
    float pool[6], scratch[6];
    double s2 = 1.0, lo, hi, elo, ehi;

    m.hp.loss = FC_LOSS_GAUSSIAN;
    m.resid = z;
    m.n_resid = 5;
    CHECK_OK(fc_adapt_init(&a, &m));
    for (int i = 0; i < 5; i++) {
        pool[i] = (float)(z[i] / sqrt(s2));
        s2 = FC_ADAPT_LAMBDA * s2 + (1.0 - FC_ADAPT_LAMBDA) * z[i] * z[i];
    }
    CHECK_EQ_INT(a.n_z, 5);
    CHECK_EQ_INT((int)a.n_days, 0);
    CHECK_NEAR(a.s2, s2, 1e-15);
    fc_adapt_add(&a, NAN); /* ignored */
    fc_adapt_add(&a, 1.5);
    pool[5] = (float)(1.5 / sqrt(s2));
    s2 = FC_ADAPT_LAMBDA * s2 + (1.0 - FC_ADAPT_LAMBDA) * 1.5 * 1.5;
    CHECK_EQ_INT(a.n_z, 6);
    CHECK_EQ_INT((int)a.n_days, 1);
    CHECK_NEAR(fc_adapt_scale(&a), sqrt(s2), 1e-15);
    for (int i = 1; i < a.n_z; i++)
        CHECK(a.sorted[i - 1] <= a.sorted[i]);
    CHECK_OK(fc_adapt_bounds(&a, 0.5, &lo, &hi));
    fc_conformal_bounds(pool, 6, 0.5, scratch, &elo, &ehi);
    /* each quantile shrunk toward +-Phi^-1(0.75) times the pool's rms */
    double ss = 0.0;
    for (int i = 0; i < 6; i++)
        ss += (double)pool[i] * pool[i];
    double w = FC_ADAPT_SHRINK_N0 / (6 + FC_ADAPT_SHRINK_N0);
    double g = fc_vol_norm_quantile(0.75) * sqrt(ss / 6);
    CHECK_NEAR(a.ss, ss, 1e-12);
    CHECK_NEAR(lo, sqrt(s2) * fmin((1 - w) * elo - w * g, 0.0), 1e-12);
    CHECK_NEAR(hi, sqrt(s2) * fmax((1 - w) * ehi + w * g, 0.0), 1e-12);
    CHECK(lo < 0.0 && hi > 0.0);
    CHECK(fabs(lo - sqrt(s2) * elo) > 1e-3); /* 6 residuals: it moves */
    CHECK_ERR(fc_adapt_bounds(&a, 1.0, &lo, &hi), FC_EINVAL);
    fc_adapt_fini(&a);
    m.hp.loss = FC_LOSS_MSE;
    CHECK_ERR(fc_adapt_init(&a, &m), FC_EINVAL);
}

/* Past FC_ADAPT_MAX_Z residuals the oldest leave: the pool stays full,
 * sorted and equal (as a multiset) to the ring. */
static void window(void)
{
    struct fc_model m = {0};
    struct fc_adapt a;
    struct fc_rng rng;
    int n = FC_ADAPT_MAX_Z + 1234;

    m.hp.loss = FC_LOSS_GAUSSIAN;
    CHECK_OK(fc_adapt_init(&a, &m));
    fc_rng_init(&rng, 9);
    for (int i = 0; i < n; i++)
        fc_adapt_add(&a, fc_rng_normal(&rng));
    CHECK_EQ_INT(a.n_z, FC_ADAPT_MAX_Z);
    CHECK_EQ_INT((int)a.n_seen, n);
    int ok = 1;
    double sum_r = 0.0, sum_s = 0.0;
    for (int i = 0; i < a.n_z; i++) {
        ok &= i == 0 || a.sorted[i - 1] <= a.sorted[i];
        sum_r += a.ring[i];
        sum_s += a.sorted[i];
    }
    CHECK(ok);
    CHECK_NEAR(sum_r, sum_s, 1e-6 * a.n_z);
    /* the sum of squares follows the residuals in and out of the pool */
    double ss = 0.0;
    for (int i = 0; i < a.n_z; i++)
        ss += (double)a.ring[i] * a.ring[i];
    CHECK_NEAR(a.ss, ss, 1e-9 * ss);
    /* a full pool weighs the Gaussian 100 / 10100: its own quantiles */
    double lo, hi;
    static float scratch[FC_ADAPT_MAX_Z + 1];
    double elo, ehi, s = fc_adapt_scale(&a);
    CHECK_OK(fc_adapt_bounds(&a, 0.95, &lo, &hi));
    fc_conformal_bounds(a.ring, a.n_z, 0.95, scratch, &elo, &ehi);
    CHECK_NEAR(lo, s * elo, 0.01 * s * fabs(elo));
    CHECK_NEAR(hi, s * ehi, 0.01 * s * ehi);
    fc_adapt_fini(&a);
}

/* Each test day's interval in the evaluation is what /predict gives on the
 * bars before that day: the state folded over the test days before it. */
static void evaluation_is_deployment(void)
{
    int n = 900;
    struct fc_bar *bars = walk_bars(n, 5);
    struct fc_hparams hp;
    struct fc_model *m = NULL;
    struct fc_model_ws *ws = NULL;
    struct fc_eval ev;
    struct fc_dist_step st;

    CHECK_OK(fc_hparams_preset("default", &hp));
    hp.epochs = 5;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, &ev, NULL));
    if (m == NULL) {
        free(bars);
        return;
    }
    CHECK_EQ_INT(ev.cover_from, 0);
    CHECK_OK(fc_model_ws_new(m, &ws));
    int t0 = ev.split.test_from, days[3] = {0, ev.n / 2, ev.n - 1};
    for (int k = 0; k < 3; k++) {
        struct fc_adapt a;
        int i = days[k];
        CHECK_OK(fc_adapt_init(&a, m));
        CHECK_OK(fc_model_adapt(m, bars, n, t0, &a)); /* every day: */
        CHECK_EQ_INT((int)a.n_days, n - t0);
        fc_adapt_fini(&a);
        CHECK_OK(fc_adapt_init(&a, m));
        CHECK_OK(fc_model_adapt(m, bars, t0 + i, t0, &a)); /* before i */
        CHECK_EQ_INT((int)a.n_days, i);
        CHECK_OK(fc_model_forecast_dist_adapted(m, ws, bars, t0 + i, 1, 0.8, 16,
                                                1, &a, &st));
        CHECK_NEAR(st.lower, ev.lower80[i], 1e-6 * ev.lower80[i]);
        CHECK_NEAR(st.upper, ev.upper80[i], 1e-6 * ev.upper80[i]);
        CHECK_NEAR(st.p_up, ev.p_up[i], 1e-12);
        CHECK_OK(fc_model_forecast_dist_adapted(m, ws, bars, t0 + i, 1, 0.95,
                                                16, 1, &a, &st));
        CHECK_NEAR(st.lower, ev.lower95[i], 1e-6 * ev.lower95[i]);
        CHECK_NEAR(st.upper, ev.upper95[i], 1e-6 * ev.upper95[i]);
        fc_adapt_fini(&a);
    }
    struct fc_adapt a;
    CHECK_OK(fc_adapt_init(&a, m));
    CHECK_ERR(fc_model_adapt(m, bars, n, 0, &a), FC_EINVAL);
    CHECK_OK(fc_model_adapt(m, bars, n, n, &a));
    CHECK_EQ_INT((int)a.n_days, 0);
    fc_adapt_fini(&a);
    fc_model_ws_free(ws);
    fc_eval_fini(&ev);
    fc_model_free(m);
    free(bars);
}

int main(void)
{
    by_hand();
    window();
    evaluation_is_deployment();
    return check_report();
}
