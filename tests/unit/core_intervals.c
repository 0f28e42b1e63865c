/* core_intervals.c — split-conformal intervals and direction probabilities:
 * on 10,000 Gaussian calibration draws, intervals at 80 % and 95 % cover
 * 10,000 fresh draws within 2 points of nominal; order statistics by hand;
 * P(up) from a residual distribution; and on a trained model, coverage is
 * measured only on test days the calibration did not use. */
#include "check.h"
#include "metrics.h"
#include "model.h"
#include "rng.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>

static void gaussian_coverage(void)
{
    enum { N = 10000 };
    static float cal[N], scratch[N];
    struct fc_rng rng;
    fc_rng_init(&rng, 2024);
    for (int i = 0; i < N; i++)
        cal[i] = (float)(0.02 * fc_rng_normal(&rng));
    const double levels[2] = {0.8, 0.95};
    for (int l = 0; l < 2; l++) {
        double lo, hi;
        CHECK_OK(fc_conformal_bounds(cal, N, levels[l], scratch, &lo, &hi));
        int in = 0;
        for (int i = 0; i < N; i++) {
            double e = 0.02 * fc_rng_normal(&rng);
            in += e >= lo && e <= hi;
        }
        double cov = (double)in / N;
        printf("nominal %.2f: coverage %.4f, bounds [%.4f, %.4f]\n", levels[l],
               cov, lo, hi);
        CHECK_NEAR(cov, levels[l], 0.02);
        /* The Gaussian quantile: 1.2816 sd at 80 %, 1.96 sd at 95 %. */
        CHECK_NEAR(hi, 0.02 * (l == 0 ? 1.2816 : 1.96), 0.002);
    }
}

static void order_statistics_by_hand(void)
{
    /* n = 19, level 0.9: ranks floor(20 * 0.05) = 1 and ceil(20 * 0.95) = 19.
     */
    float r[19], scratch[19];
    for (int i = 0; i < 19; i++)
        r[i] = (float)(i - 9); /* -9 .. 9, shuffled below */
    struct fc_rng rng;
    int idx[19];
    for (int i = 0; i < 19; i++)
        idx[i] = i;
    fc_rng_init(&rng, 1);
    fc_rng_shuffle(&rng, idx, 19);
    float s[19];
    for (int i = 0; i < 19; i++)
        s[i] = r[idx[i]];
    double lo, hi;
    CHECK_OK(fc_conformal_bounds(s, 19, 0.9, scratch, &lo, &hi));
    CHECK_NEAR(lo, -9.0, 0.0);
    CHECK_NEAR(hi, 9.0, 0.0);
    /* level 0.5: ranks floor(20 * 0.25) = 5 and ceil(20 * 0.75) = 15. */
    CHECK_OK(fc_conformal_bounds(s, 19, 0.5, scratch, &lo, &hi));
    CHECK_NEAR(lo, -5.0, 0.0);
    CHECK_NEAR(hi, 5.0, 0.0);
    CHECK_ERR(fc_conformal_bounds(s, 19, 1.0, scratch, &lo, &hi), FC_EINVAL);
    CHECK_ERR(fc_conformal_bounds(s, 19, 0.0, scratch, &lo, &hi), FC_EINVAL);
    CHECK_OK(fc_conformal_bounds(s, 0, 0.9, scratch, &lo, &hi));
    CHECK(lo == 0.0 && hi == 0.0);
}

static void prob_up(void)
{
    const float e[4] = {-0.02f, -0.01f, 0.01f, 0.02f};
    /* pred = last: up when e > 0, 2 of 4. */
    CHECK_NEAR(fc_prob_up(e, 4, 100.0, 100.0, 1.0), 0.5, 0.0);
    /* pred 1.5 % above last: e > ln(1/1.015) = -0.0149: 3 of 4. */
    CHECK_NEAR(fc_prob_up(e, 4, 101.5, 100.0, 1.0), 0.75, 0.0);
    CHECK_NEAR(fc_prob_up(e, 4, 90.0, 100.0, 1.0), 0.0, 0.0);
    CHECK_NEAR(fc_prob_up(e, 0, 90.0, 100.0, 1.0), 0.5, 0.0);
}

/* A trained model: the calibration days and the coverage days never overlap. */
static void calibration_is_held_out(void)
{
    int n = 600;
    struct fc_bar *b = calloc((size_t)n, sizeof *b);
    struct fc_rng rng;
    double c = 50.0;
    fc_rng_init(&rng, 8);
    for (int t = 0; t < n; t++) {
        c *= exp(0.015 * fc_rng_normal(&rng));
        b[t].day = 15000 + t;
        b[t].open = b[t].high = b[t].low = b[t].close = c;
        b[t].adj_close = NAN;
        b[t].volume = 1.0;
    }
    struct fc_hparams hp;
    fc_hparams_preset("default", &hp);
    hp.window = 10;
    hp.units[0] = 4;
    hp.epochs = 2;
    struct fc_model *m = NULL;
    struct fc_eval ev;
    CHECK_OK(fc_train(&hp, b, n, NULL, &m, &ev, NULL));
    if (m != NULL) {
        /* 10 % validation = 60 days >= 30: calibrated there, all test days
         * scored. */
        const struct fc_calibration *cal = &ev.scores.calib;
        CHECK_EQ_INT(cal->n_resid, ev.split.val_end - ev.split.train_end);
        CHECK_EQ_INT(m->n_resid, cal->n_resid);
        CHECK_EQ_INT(ev.cover_from, 0);
        CHECK_EQ_INT(cal->n, ev.n);
        CHECK(cal->coverage95 > 0.8 && cal->coverage95 <= 1.0);
        CHECK(cal->brier > 0.1 && cal->brier < 0.4);
        fc_eval_fini(&ev);
        fc_model_free(m);
    }
    /* No validation (the report's split): the first half of the test days
     * calibrates, the second half is scored. */
    hp.val_frac = 0.0f;
    hp.patience = 0;
    CHECK_OK(fc_train(&hp, b, n, NULL, &m, &ev, NULL));
    if (m != NULL) {
        CHECK_EQ_INT(ev.scores.calib.n_resid, ev.n / 2);
        CHECK_EQ_INT(ev.cover_from, ev.n / 2);
        CHECK_EQ_INT(ev.scores.calib.n, ev.n - ev.n / 2);
        CHECK_NEAR(m->resid[0], log(ev.actual[0] / ev.predicted[0]), 1e-6);
        fc_eval_fini(&ev);
        fc_model_free(m);
    }
    free(b);
}

int main(void)
{
    gaussian_coverage();
    order_statistics_by_hand();
    prob_up();
    calibration_is_held_out();
    return check_report();
}
