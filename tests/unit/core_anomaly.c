/* core_anomaly.c — anomalies on a series with planted jumps: a random walk
 * whose daily moves are bounded (uniform noise, |move| < 3.5 %), with ten
 * jumps of +-25 % planted at known days, in the training part and in the
 * test part. A model trained on it, point or distributional, must flag
 * exactly those ten days at z >= 3, and nothing else; the z-scores follow
 * the residuals' spread (a point model) or each day's forecast scale (a
 * distributional one). */
#include "check.h"
#include "anomaly.h"
#include "model.h"
#include "rng.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N = 1200, N_JUMPS = 10 };
static const int jump_at[N_JUMPS] = {150, 300, 420,  555,  700,
                                     810, 905, 1010, 1100, 1170};

static struct fc_bar *planted(void)
{
    struct fc_bar *b = calloc(N, sizeof *b);
    struct fc_rng rng;
    double c = 100.0;
    int j = 0;
    fc_rng_init(&rng, 7);
    for (int t = 0; t < N; t++) {
        /* uniform in [-0.0346, 0.0346]: sd 0.02 */
        double r = 0.0346 * (2.0 * fc_rng_uniform(&rng) - 1.0);
        if (j < N_JUMPS && t == jump_at[j])
            r = (j++ % 2 == 0) ? 0.25 : -0.25;
        c *= exp(r);
        b[t].day = fc_day_from_ymd(2010, 1, 4) + t;
        b[t].open = b[t].high = b[t].low = b[t].close = c;
        b[t].adj_close = NAN;
        b[t].volume = 1e6;
    }
    return b;
}

static void finds_the_jumps_and_nothing_else(const char *preset)
{
    struct fc_bar *b = planted();
    struct fc_hparams hp;
    struct fc_model *m = NULL;
    struct fc_anomaly_scan s;
    struct fc_diag d;

    fc_diag_init(&d);
    fc_hparams_preset(preset, &hp);
    hp.epochs = 5;
    CHECK_OK(fc_train(&hp, b, N, NULL, &m, NULL, &d));
    if (m == NULL)
        return;
    CHECK(m->n_resid >= 30);
    CHECK_OK(fc_anomaly_scan(m, b, N, 0, N, 3.0, &s, &d));
    CHECK_EQ_INT(s.n, N_JUMPS);
    CHECK_EQ_INT(s.n_checked, N - fc_model_min_bars(m));
    for (int i = 0; i < s.n && i < N_JUMPS; i++) {
        CHECK_EQ_INT(s.v[i].day, b[jump_at[i]].day);
        CHECK(i % 2 == 0 ? s.v[i].z >= 3.0 : s.v[i].z <= -3.0);
        CHECK_NEAR(s.v[i].residual, log(s.v[i].actual / s.v[i].predicted),
                   1e-12);
        CHECK_NEAR(s.v[i].z, s.v[i].residual / s.v[i].sigma, 1e-12);
        if (!fc_model_is_dist(m)) {
            CHECK(s.v[i].sigma == s.sd);
            continue;
        }
        /* The day's own forecast: residual r - mu_t, scale sigma_t s_z. */
        int t = jump_at[i];
        double mu, sg, r = log(b[t].close / b[t - 1].close);
        CHECK_OK(fc_model_predict_dist_range(m, b, N, t, t + 1, &mu, &sg));
        CHECK_NEAR(s.v[i].residual, r - mu, 1e-9);
        CHECK_NEAR(s.v[i].sigma, sg * s.sd, 1e-12);
        CHECK(s.v[i].sigma > sg * 0.5 && s.v[i].sigma < sg * 2.0);
    }
    CHECK(s.dist == fc_model_is_dist(m));
    CHECK(s.sd == fc_anomaly_scale(m));
    fc_anomaly_scan_fini(&s);

    /* A range: only the jumps inside it; a high threshold: none. */
    CHECK_OK(fc_anomaly_scan(m, b, N, 600, 1000, 3.0, &s, &d));
    CHECK_EQ_INT(s.n, 3); /* 700, 810 and 905 */
    fc_anomaly_scan_fini(&s);
    CHECK_OK(fc_anomaly_scan(m, b, N, 0, N, 1000.0, &s, &d));
    CHECK_EQ_INT(s.n, 0);
    fc_anomaly_scan_fini(&s);
    CHECK_ERR(fc_anomaly_scan(m, b, N, 0, N, 0.0, &s, &d), FC_EINVAL);
    CHECK_ERR(fc_anomaly_scan(m, b, N, 0, N, NAN, &s, &d), FC_EINVAL);
    fc_model_free(m);
    free(b);
}

static void sd_by_hand(void)
{
    struct fc_model m;
    float r[4] = {0.01f, -0.01f, 0.03f, -0.03f};
    memset(&m, 0, sizeof m);
    m.resid = r;
    m.n_resid = 4;
    /* mean 0, sum of squares 0.002, n - 1 = 3 */
    CHECK_NEAR(fc_anomaly_sd(&m), sqrt(0.002 / 3.0), 1e-7);
    m.n_resid = 1;
    CHECK(isnan(fc_anomaly_sd(&m)));
}

int main(void)
{
    sd_by_hand();
    finds_the_jumps_and_nothing_else("point");
    finds_the_jumps_and_nothing_else("default");
    return check_report();
}
