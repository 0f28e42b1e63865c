/* bench/dist_eval.c — the distributional model against the risk desk's
 * yardsticks, on the test days of each CSV (the last 20 %; a measurement,
 * not a test).
 *
 * Per CSV: train the preset (default "dist") with 2 threads; on its test
 * days, in log-return space y = ln(close / previous close), score the
 * model's 80 % and 95 % intervals (mu + q sigma, conformal q of the
 * validation days' z) next to GARCH(1,1) (fitted on the last 2,500 returns
 * before the test days, filtered on) and EWMA 0.94 (seeded with the mean
 * square of the 250 returns before the test days) Gaussian intervals around
 * 0, with fc_interval_evaluate and the trailing 20-day realised volatility
 * as the calm/middle/volatile key. Prints one row per CSV: coverage (all,
 * calm, middle, volatile thirds) at 80 %, coverage at 95 %, the model's
 * mean interval score over GARCH's and EWMA's at 80 % and 95 %, GARCH's
 * coverage, point RMSE over naive's, training seconds and the best epoch.
 *
 *   build/bench_dist_eval [--before YYYY-MM-DD] [--preset NAME]
 *       [--window N] [--units N] [--lr X] [--epochs N] [--df X]
 *       [--features a,b,...] FILE.csv [FILE.csv ...]
 * --before keeps only the bars before that day (for choosing settings on
 * early data); --df > 0 switches to the Student-t loss. */
#include "ingest.h"
#include "interval_score.h"
#include "model.h"
#include "train.h"
#include "volatility.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GARCH_WINDOW 2500
#define EWMA_WINDOW 250
#define VOL_WINDOW 20

struct row {
    double cov80, cov80_t[3], cov95;
    double is80_g, is95_g, is80_e, is95_e; /* model score / peer's */
    double g_cov80, g_cov95;
    double rmse_ratio;
    double seconds;
    int best_epoch, n;
};

/* Score one forecaster's intervals on the test days. */
static int score(const double *y, const double *lo, const double *hi,
                 const double *key, int n, double level,
                 struct fc_interval_eval *out)
{
    return fc_interval_evaluate(y, lo, hi, key, n, level, out) == FC_OK ? 0
                                                                        : -1;
}

static int run(const char *path, const struct fc_hparams *hp, int32_t before,
               struct row *rw)
{
    struct fc_bar *bars = NULL;
    struct fc_model *m = NULL;
    struct fc_eval ev;
    struct fc_train_opts o = {0};
    struct fc_diag d;
    double *buf = NULL;
    int n_bars = 0, rc = -1, have_ev = 0;

    fc_diag_init(&d);
    if (fc_bars_read_csv_file(path, &bars, &n_bars, &d) != FC_OK) {
        fprintf(stderr, "%s: %s\n", path, d.msg);
        return -1;
    }
    if (before > 0)
        while (n_bars > 0 && bars[n_bars - 1].day >= before)
            n_bars--;
    o.n_threads = 2;
    if (fc_train(hp, bars, n_bars, &o, &m, &ev, &d) != FC_OK) {
        fprintf(stderr, "%s: %s\n", path, d.msg);
        goto done;
    }
    have_ev = 1;
    int n = ev.n, nr = n_bars - 1, t0 = ev.split.test_from;
    /* r[k] = ln(c[k+1] / c[k]); test day t is r[t - 1]. */
    buf = malloc(sizeof(double) * (size_t)(4 * (nr + 1) + 12 * n));
    if (buf == NULL)
        goto done;
    double *r = buf, *vol = r + nr + 1, *s2 = vol + nr + 1;
    double *y = s2 + nr + 1 + nr + 1, *key = y + n, *lo[5], *hi[5];
    for (int i = 0; i < 5; i++) {
        lo[i] = key + n + (size_t)2 * i * n;
        hi[i] = lo[i] + n;
    }
    for (int k = 0; k < nr; k++)
        r[k] = log(bars[k + 1].close / bars[k].close);
    fc_vol_realised(r, nr, VOL_WINDOW, vol);
    for (int i = 0; i < n; i++) {
        y[i] = log(ev.actual[i] / ev.naive[i]);
        key[i] = vol[t0 + i - 1];
        lo[0][i] = log(ev.lower80[i] / ev.naive[i]);
        hi[0][i] = log(ev.upper80[i] / ev.naive[i]);
        lo[1][i] = log(ev.lower95[i] / ev.naive[i]);
        hi[1][i] = log(ev.upper95[i] / ev.naive[i]);
    }
    /* GARCH on the returns before the first test day's. */
    int n_train = t0 - 1,
        g0 = n_train > GARCH_WINDOW ? n_train - GARCH_WINDOW : 0;
    struct fc_vol_garch g;
    if (fc_vol_garch_fit(r + g0, n_train - g0, &g) != FC_OK ||
        fc_vol_garch_filter(&g, r + g0, nr - g0, s2) != FC_OK)
        goto done;
    fc_vol_gaussian_bands(s2 + (n_train - g0), n, 0.8, lo[2], hi[2]);
    fc_vol_gaussian_bands(s2 + (n_train - g0), n, 0.95, lo[3], hi[3]);
    struct fc_interval_eval e80, e95, g80, g95, w80, w95;
    if (score(y, lo[0], hi[0], key, n, 0.8, &e80) ||
        score(y, lo[1], hi[1], key, n, 0.95, &e95) ||
        score(y, lo[2], hi[2], key, n, 0.8, &g80) ||
        score(y, lo[3], hi[3], key, n, 0.95, &g95))
        goto done;
    int e0 = n_train - EWMA_WINDOW;
    if (e0 < 0 ||
        fc_vol_ewma(r + e0, nr - e0, FC_VOL_EWMA_LAMBDA,
                    fc_vol_mean_square(r + e0, EWMA_WINDOW), s2) != FC_OK)
        goto done;
    fc_vol_gaussian_bands(s2 + EWMA_WINDOW, n, 0.8, lo[2], hi[2]);
    fc_vol_gaussian_bands(s2 + EWMA_WINDOW, n, 0.95, lo[3], hi[3]);
    if (score(y, lo[2], hi[2], key, n, 0.8, &w80) ||
        score(y, lo[3], hi[3], key, n, 0.95, &w95))
        goto done;
    rw->n = n;
    rw->cov80 = e80.coverage;
    for (int k = 0; k < 3; k++)
        rw->cov80_t[k] = e80.coverage_third[k];
    rw->cov95 = e95.coverage;
    rw->is80_g = e80.score / g80.score;
    rw->is95_g = e95.score / g95.score;
    rw->is80_e = e80.score / w80.score;
    rw->is95_e = e95.score / w95.score;
    rw->g_cov80 = g80.coverage;
    rw->g_cov95 = g95.coverage;
    rw->rmse_ratio = fc_scores_get(&ev.scores, "model")->rmse /
                     fc_scores_get(&ev.scores, "naive")->rmse;
    rw->seconds = ev.train_seconds;
    rw->best_epoch = ev.best_epoch;
    rc = 0;
done:
    if (have_ev)
        fc_eval_fini(&ev);
    free(buf);
    fc_model_free(m);
    free(bars);
    return rc;
}

int main(int argc, char **argv)
{
    struct fc_hparams hp;
    const char *preset = "dist";
    int32_t before = 0;
    int i = 1;

    for (int k = 1; k + 1 < argc; k += 2)
        if (strcmp(argv[k], "--preset") == 0)
            preset = argv[k + 1];
    if (fc_hparams_preset(preset, &hp) != FC_OK) {
        fprintf(stderr, "unknown preset %s\n", preset);
        return 2;
    }
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--before") == 0) {
            if (fc_day_parse(v, (int)strlen(v), &before) != 0)
                return 2;
        } else if (strcmp(k, "--window") == 0) {
            hp.window = atoi(v);
        } else if (strcmp(k, "--units") == 0) {
            hp.units[0] = atoi(v);
        } else if (strcmp(k, "--lr") == 0) {
            hp.learning_rate = (float)atof(v);
        } else if (strcmp(k, "--epochs") == 0) {
            hp.epochs = atoi(v);
        } else if (strcmp(k, "--df") == 0) {
            hp.student_df = (float)atof(v);
            hp.loss = hp.student_df > 0 ? FC_LOSS_STUDENT_T : hp.loss;
        } else if (strcmp(k, "--features") == 0) {
            char tmp[256];
            snprintf(tmp, sizeof tmp, "%s", v);
            hp.features = 0;
            for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ",")) {
                int f = fc_feature_parse(t);
                if (f < 0)
                    return 2;
                hp.features |= 1u << f;
            }
        } else if (strcmp(k, "--preset") != 0) {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    printf("%-8s %5s | %6s %6s %6s %6s | %6s | %7s %7s %7s %7s | %6s %6s | "
           "%6s %6s %3s\n",
           "ticker", "days", "cov80", "calm", "mid", "vol", "cov95", "IS80/G",
           "IS95/G", "IS80/E", "IS95/E", "G80", "G95", "rmse/n", "train", "ep");
    for (; i < argc; i++) {
        struct row rw;
        const char *name = strrchr(argv[i], '/');
        name = name ? name + 1 : argv[i];
        if (run(argv[i], &hp, before, &rw) != 0)
            continue;
        printf("%-8.8s %5d | %6.3f %6.3f %6.3f %6.3f | %6.3f | %7.3f %7.3f "
               "%7.3f %7.3f | %6.3f %6.3f | %6.4f %5.1fs %3d\n",
               name, rw.n, rw.cov80, rw.cov80_t[0], rw.cov80_t[1],
               rw.cov80_t[2], rw.cov95, rw.is80_g, rw.is95_g, rw.is80_e,
               rw.is95_e, rw.g_cov80, rw.g_cov95, rw.rmse_ratio, rw.seconds,
               rw.best_epoch);
        fflush(stdout);
    }
    return 0;
}
