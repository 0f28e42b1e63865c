/* core_backtest.c — the baselines next to every model (drift, 14-day moving
 * average) checked by hand, and the walk-forward backtest: folds tile the
 * last half of the bars, each is trained on bars strictly before its block
 * (minus the gap), and changing a fold's test bars changes nothing it
 * learned. */
#include "check.h"
#include "model.h"
#include "rng.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct fc_bar *random_walk(int n, uint64_t seed)
{
    struct fc_bar *b = calloc((size_t)n, sizeof *b);
    struct fc_rng rng;
    double c = 100.0;
    fc_rng_init(&rng, seed);
    for (int t = 0; t < n; t++) {
        c *= exp(0.0005 + 0.02 * fc_rng_normal(&rng));
        b[t].day = fc_day_from_ymd(2010, 1, 4) + t;
        b[t].open = b[t].high = b[t].low = b[t].close = c;
        b[t].adj_close = NAN;
        b[t].volume = 1e6;
    }
    return b;
}

static struct fc_hparams tiny(void)
{
    struct fc_hparams hp;
    fc_hparams_preset("point", &hp);
    hp.window = 10;
    hp.units[0] = 4;
    hp.epochs = 3;
    hp.patience = 0;
    return hp;
}

static void baselines_by_hand(void)
{
    int n = 300;
    struct fc_bar *b = random_walk(n, 3);
    struct fc_hparams hp = tiny();
    struct fc_model *m = NULL;
    struct fc_eval ev;
    CHECK_OK(fc_train(&hp, b, n, NULL, &m, &ev, NULL));
    if (m == NULL)
        return;
    double mu = 0.0;
    for (int t = 1; t < ev.split.train_end; t++)
        mu += log(b[t].close / b[t - 1].close);
    mu /= ev.split.train_end - 1;
    int t = ev.split.test_from + 5;
    double sma = 0.0;
    for (int i = t - 14; i < t; i++)
        sma += b[i].close;
    CHECK_NEAR(ev.naive[5], b[t - 1].close, 0.0);
    CHECK_NEAR(ev.drift[5], b[t - 1].close * exp(mu), 1e-9);
    CHECK_NEAR(ev.sma14[5], sma / 14.0, 1e-9);
    const struct fc_metrics *naive = fc_scores_get(&ev.scores, "naive");
    const struct fc_metrics *drift = fc_scores_get(&ev.scores, "drift");
    const struct fc_metrics *sma14 = fc_scores_get(&ev.scores, "sma14");
    CHECK(naive != NULL && drift != NULL && sma14 != NULL);
    if (naive != NULL && drift != NULL && sma14 != NULL) {
        CHECK_EQ_INT(drift->n, ev.n);
        CHECK(sma14->rmse > naive->rmse); /* a random walk */
    }
    fc_eval_fini(&ev);
    fc_model_free(m);
    free(b);
}

static void folds_never_see_their_test(void)
{
    int n = 800, folds = 4, gap = 5;
    struct fc_bar *b = random_walk(n, 11);
    struct fc_hparams hp = tiny();
    struct fc_backtest bt;
    struct fc_diag d;
    fc_diag_init(&d);
    CHECK_OK(fc_backtest(&hp, b, n, folds, gap, NULL, &bt, &d));
    CHECK_EQ_INT(bt.n_folds, folds);
    int total = 0, iv_total[3] = {0, 0, 0}, hits80 = 0;
    static const char *const iv_rows[3] = {"model", "ewma", "garch"};
    for (int k = 0; k < bt.n_folds; k++) {
        struct fc_fold *f = &bt.folds[k];
        /* The scaler and the model stop gap bars before the block. */
        CHECK(f->scaler_last_day < f->scores.from_day - gap);
        if (k > 0)
            CHECK_EQ_INT(f->scores.from_day, bt.folds[k - 1].scores.to_day + 1);
        total += f->scores.n;
        const struct fc_metrics *model = fc_scores_get(&f->scores, "model");
        CHECK(model != NULL && isfinite(model->rmse) &&
              isfinite(f->scores.skill));
        /* Each fold scores the intervals of the model, EWMA and GARCH on
         * its days the calibration did not use. */
        CHECK_EQ_INT(f->scores.calib.n, 0);
        for (int j = 0; j < 3; j++) {
            struct fc_score_row *row = fc_scores_row(&f->scores, iv_rows[j]);
            CHECK(row != NULL && row->iv.n > 0 && row->iv.n <= f->scores.n);
            if (row == NULL)
                continue;
            iv_total[j] += row->iv.n;
            if (j == 0)
                hits80 += (int)lround(row->iv.coverage80 * row->iv.n);
        }
    }
    /* The pooled scores are over every fold's scored days. */
    for (int j = 0; j < 3; j++) {
        struct fc_score_row *row = fc_scores_row(&bt.scores, iv_rows[j]);
        CHECK(row != NULL);
        if (row != NULL)
            CHECK_EQ_INT(row->iv.n, iv_total[j]);
    }
    struct fc_score_row *pm = fc_scores_row(&bt.scores, "model");
    if (pm != NULL && pm->iv.n > 0)
        CHECK_NEAR(pm->iv.coverage80, (double)hits80 / pm->iv.n, 1e-12);
    CHECK(isfinite(fc_scores_interval_skill(&bt.scores, 0.95)));
    CHECK_EQ_INT(bt.folds[0].scores.from_day, b[n / 2].day);
    CHECK_EQ_INT(bt.folds[folds - 1].scores.to_day, b[n - 1].day);
    CHECK_EQ_INT(bt.scores.n, total);
    CHECK_EQ_INT(total, n - n / 2);
    CHECK_ERR(fc_backtest(&hp, b, n, 0, 0, NULL, &bt, NULL), FC_EINVAL);
    CHECK_ERR(fc_backtest(&hp, b, 24, 4, 5, NULL, &bt, NULL), FC_EINVAL);

    /* Scramble fold 0's test bars: what it learned must not change. */
    struct fc_bar *c = malloc((size_t)n * sizeof *c);
    memcpy(c, b, (size_t)n * sizeof *c);
    for (int t = n / 2; t < n; t++)
        c[t].close *= 10.0;
    struct fc_train_opts o = {.n_threads = 1, .test_from = n / 2, .gap = gap};
    struct fc_model *m1 = NULL, *m2 = NULL;
    CHECK_OK(fc_train(&hp, b, n, &o, &m1, NULL, NULL));
    CHECK_OK(fc_train(&hp, c, n, &o, &m2, NULL, NULL));
    if (m1 && m2) {
        size_t np = fc_lstm_n_params(m1->net);
        CHECK(memcmp(fc_lstm_params_const(m1->net),
                     fc_lstm_params_const(m2->net), np * sizeof(float)) == 0);
        CHECK(m1->y_lo == m2->y_lo && m1->y_hi == m2->y_hi);
    }
    fc_model_free(m1);
    fc_model_free(m2);
    free(c);
    free(b);
}

int main(void)
{
    baselines_by_hand();
    folds_never_see_their_test();
    return check_report();
}
