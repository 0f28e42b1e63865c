/* core_intervals.c — split-conformal intervals and direction probabilities:
 * on 10,000 Gaussian calibration draws, intervals at 80 % and 95 % cover
 * 10,000 fresh draws within 2 points of nominal; order statistics by hand;
 * P(up) from a residual distribution; on a trained model, coverage is
 * measured only on test days the calibration did not use; and the interval
 * scores of the model, EWMA and GARCH rows are recomputed by hand. */
#include "check.h"
#include "interval_score.h"
#include "metrics.h"
#include "model.h"
#include "rng.h"
#include "train.h"
#include "volatility.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    fc_hparams_preset("point", &hp);
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

/* A GARCH(1,1)-like walk: volatility clusters, so the thirds differ. */
static struct fc_bar *clustered(int n, uint64_t seed)
{
    struct fc_bar *b = calloc((size_t)n, sizeof *b);
    struct fc_rng rng;
    double c = 50.0, s2 = 4e-4, r = 0.0;
    fc_rng_init(&rng, seed);
    for (int t = 0; t < n; t++) {
        s2 = 2e-5 + 0.1 * r * r + 0.85 * s2;
        r = sqrt(s2) * fc_rng_normal(&rng);
        double o = c;
        c *= exp(r);
        b[t].day = 15000 + t;
        b[t].open = o;
        b[t].close = c;
        b[t].high = (o > c ? o : c) * (1.0 + 0.3 * sqrt(s2));
        b[t].low = (o < c ? o : c) * (1.0 - 0.3 * sqrt(s2));
        b[t].adj_close = NAN;
        b[t].volume = 1e6;
    }
    return b;
}

/* Every row's interval scores, recomputed from the evaluation's days. */
static void interval_scores_by_hand(const char *preset)
{
    int n = 1500;
    struct fc_bar *b = clustered(n, 9);
    struct fc_hparams hp;
    struct fc_model *m = NULL;
    struct fc_eval ev;
    double z80 = fc_vol_norm_quantile(0.9), z95 = fc_vol_norm_quantile(0.975);

    fc_hparams_preset(preset, &hp);
    hp.epochs = 4;
    CHECK_OK(fc_train(&hp, b, n, NULL, &m, &ev, NULL));
    if (m == NULL) {
        free(b);
        return;
    }
    static const char *const order[6] = {"model", "naive", "drift",
                                         "sma14", "ewma",  "garch"};
    CHECK_EQ_INT(ev.scores.n_rows, 6);
    for (int k = 0; k < 6 && k < ev.scores.n_rows; k++)
        CHECK(strcmp(ev.scores.rows[k].name, order[k]) == 0);
    const struct fc_metrics *naive = fc_scores_get(&ev.scores, "naive");
    int from = ev.cover_from, nd = ev.n - from, t0 = ev.split.test_from;

    /* EWMA and GARCH one-step sds from the returns before each day, GARCH
     * fitted on the training returns alone. */
    double *r = malloc(sizeof(double) * (size_t)n * 3);
    double *s2e = r + n, *s2g = s2e + n;
    for (int k = 0; k + 1 < n; k++)
        r[k] = log(b[k + 1].close / b[k].close);
    int n_fit = ev.split.train_end - 1;
    struct fc_vol_garch g;
    CHECK_OK(fc_vol_ewma(r, n - 1, FC_VOL_EWMA_LAMBDA,
                         fc_vol_mean_square(r, n_fit), s2e));
    CHECK_OK(fc_vol_garch_fit(r, n_fit, &g));
    CHECK_OK(fc_vol_garch_filter(&g, r, n - 1, s2g));
    for (int i = 0; i < ev.n; i++) {
        CHECK_NEAR(ev.ewma_sd[i], sqrt(s2e[t0 + i - 1]), 1e-12);
        CHECK_NEAR(ev.garch_sd[i], sqrt(s2g[t0 + i - 1]), 1e-12);
    }

    for (int k = 0; k < 3; k++) {
        const char *name = k == 0 ? "model" : k == 1 ? "ewma" : "garch";
        struct fc_score_row *row = fc_scores_row(&ev.scores, name);
        CHECK(row != NULL);
        if (row == NULL)
            continue;
        const struct fc_interval_scores *iv = &row->iv;
        if (k > 0)
            CHECK(memcmp(&row->m, naive, sizeof row->m) == 0);
        CHECK_EQ_INT(iv->n, nd);
        int in80 = 0, in95 = 0, miss95 = 0, nh = 0, inh = 0;
        int after = 0, again = 0, prev = 0; /* days after a 95 % miss */
        double is80 = 0.0;
        for (int i = from; i < ev.n; i++) {
            double y = log(ev.actual[i] / ev.naive[i]), lo8, hi8, lo9, hi9;
            if (k == 0) {
                lo8 = log(ev.lower80[i] / ev.naive[i]);
                hi8 = log(ev.upper80[i] / ev.naive[i]);
                lo9 = log(ev.lower95[i] / ev.naive[i]);
                hi9 = log(ev.upper95[i] / ev.naive[i]);
            } else {
                double sd = k == 1 ? ev.ewma_sd[i] : ev.garch_sd[i];
                lo8 = -z80 * sd, hi8 = z80 * sd;
                lo9 = -z95 * sd, hi9 = z95 * sd;
            }
            in80 += y >= lo8 && y <= hi8;
            in95 += y >= lo9 && y <= hi9;
            int miss = !(y >= lo9 && y <= hi9);
            miss95 += miss;
            after += prev;
            again += prev && miss;
            prev = miss;
            is80 += fc_interval_score(y, lo8, hi8, 0.2);
            if (ev.h5[i] & FC_EVAL_H5_MEASURED) {
                nh++;
                inh += (ev.h5[i] >> k) & 1;
            }
        }
        CHECK_NEAR(iv->coverage80, (double)in80 / nd, 1e-12);
        CHECK_NEAR(iv->coverage95, (double)in95 / nd, 1e-12);
        CHECK_NEAR(iv->score80, is80 / nd, 1e-12);
        CHECK_NEAR(iv->kupiec95_p, fc_interval_kupiec_p(nd, miss95, 0.05),
                   1e-12);
        CHECK(iv->christoffersen95_p >= 0.0 && iv->christoffersen95_p <= 1.0);
        if (after > 0)
            CHECK_NEAR(iv->miss95_after_miss, (double)again / after, 1e-15);
        else
            CHECK(isnan(iv->miss95_after_miss));
        CHECK(iv->score95 > iv->score80 * 0.5);
        CHECK_EQ_INT(iv->n_h5, nh);
        CHECK_EQ_INT(nh, nd); /* every scored day has 5 sessions before */
        CHECK_NEAR(iv->coverage80_h5, (double)inh / nh, 1e-12);
        for (int t = 0; t < 3; t++)
            CHECK(iv->coverage80_third[t] >= 0.0 &&
                  iv->coverage80_third[t] <= 1.0);
        if (k == 0)
            CHECK_NEAR(iv->coverage80, ev.scores.calib.coverage80, 1e-12);
        printf("%s %s: cov80 %.3f (calm %.3f, volatile %.3f) cov95 %.3f "
               "IS80 %.5f h5 %.3f\n",
               preset, name, iv->coverage80, iv->coverage80_third[0],
               iv->coverage80_third[2], iv->coverage95, iv->score80,
               iv->coverage80_h5);
    }
    /* EWMA's 5-session-ahead interval on the last day, by hand. */
    int i = ev.n - 1, t = t0 + i, o = t - FC_EVAL_H5_AHEAD;
    double w = z80 * sqrt(FC_EVAL_H5_AHEAD * s2e[o]);
    int in =
        b[t].close >= b[o].close * exp(-w) && b[t].close <= b[o].close * exp(w);
    CHECK_EQ_INT((ev.h5[i] >> 1) & 1, in);
    const struct fc_interval_scores *mi =
        &fc_scores_row(&ev.scores, "model")->iv;
    const struct fc_interval_scores *gi =
        &fc_scores_row(&ev.scores, "garch")->iv;
    CHECK_NEAR(fc_scores_interval_skill(&ev.scores, 0.8),
               1.0 - mi->score80 / gi->score80, 1e-15);
    CHECK_NEAR(fc_scores_interval_skill(&ev.scores, 0.95),
               1.0 - mi->score95 / gi->score95, 1e-15);
    CHECK(isnan(fc_scores_interval_skill(&ev.scores, 0.9)));
    free(r);
    fc_eval_fini(&ev);
    fc_model_free(m);
    free(b);
}

int main(void)
{
    gaussian_coverage();
    order_statistics_by_hand();
    prob_up();
    calibration_is_held_out();
    interval_scores_by_hand("point");
    interval_scores_by_hand("default");
    return check_report();
}
