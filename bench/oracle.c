/* bench/oracle.c — what #13's per-ticker bounds ask of a forecaster that
 * knows the truth, on histories as long as the ones scored (a simulation,
 * not a test).
 *
 * Each history is drawn from a Gaussian GARCH(1,1) (omega, alpha, beta
 * below: a daily volatility of 2 % on average, persistence 0.98, typical of
 * the dev tickers' fits). Its last 20 % are the test days. Two forecasters
 * give 80 % and 95 % intervals on them:
 *  - the oracle: the true conditional variance and the true (Gaussian)
 *    quantiles, the best any model can do;
 *  - GARCH(1,1) fitted by QML on the first 80 % and filtered on, as
 *    train.c scores it.
 * Both are scored by fc_interval_evaluate, as the service scores its
 * models (thirds by the trailing 20-day realised volatility). Per test
 * length it prints the share of histories that break each of #13's
 * per-ticker bounds: a volatility third's 80 % coverage more than 7 points
 * from 80, the 95 % coverage more than 2.5 points from 95, Christoffersen's
 * p < 0.05 on the 95 % misses, and any of the three; then the oracle's
 * median interval score over the fitted GARCH's, and the share of histories
 * where it is <= 0.97 at both levels.
 *
 *   build/bench_oracle [histories per length, default 2000] [seed] */
#include "interval_score.h"
#include "rng.h"
#include "volatility.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define OMEGA (0.0004 * 0.02)
#define ALPHA 0.08
#define BETA 0.90
#define BURN 500

struct tally {
    int third_off, cov95_off, clustered, any;
};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Scores one forecaster's variances sd2[0..n) on the test days y[0..n)
 * (key: the trailing volatility) into *t; returns the two interval scores. */
static void score(const double *y, const double *sd2, const double *key, int n,
                  double *lo, double *hi, struct tally *t, double is[2])
{
    static const double level[2] = {0.8, 0.95};
    struct fc_interval_eval e[2];
    int broke = 0;

    for (int k = 0; k < 2; k++) {
        if (fc_vol_gaussian_bands(sd2, n, level[k], lo, hi) != FC_OK ||
            fc_interval_evaluate(y, lo, hi, key, n, level[k], &e[k]) != FC_OK) {
            fprintf(stderr, "oracle: scoring failed\n");
            exit(1);
        }
        is[k] = e[k].score;
    }
    for (int j = 0; j < 3; j++)
        if (fabs(e[0].coverage_third[j] - 0.8) > 0.07) {
            t->third_off++;
            broke = 1;
            break;
        }
    if (fabs(e[1].coverage - 0.95) > 0.025) {
        t->cov95_off++;
        broke = 1;
    }
    if (e[1].christoffersen_p < 0.05) {
        t->clustered++;
        broke = 1;
    }
    t->any += broke;
}

static void run(int n_test, int n_hist, uint64_t seed)
{
    int n = n_test * 5, n_train = n - n_test;
    double *r = malloc((size_t)(n + BURN) * sizeof *r);
    double *v = malloc((size_t)(n + BURN) * sizeof *v);
    double *vol = malloc((size_t)(n + 1) * sizeof *vol);
    double *gv = malloc((size_t)(n + 1) * sizeof *gv);
    double *lo = malloc((size_t)n_test * sizeof *lo);
    double *hi = malloc((size_t)n_test * sizeof *hi);
    double *ratio[2], is_o[2], is_g[2];
    struct tally to = {0}, tg = {0};
    struct fc_rng rng;
    int both = 0;

    ratio[0] = malloc((size_t)n_hist * sizeof *ratio[0]);
    ratio[1] = malloc((size_t)n_hist * sizeof *ratio[1]);
    fc_rng_init(&rng, seed + (uint64_t)n_test);
    for (int h = 0; h < n_hist; h++) {
        double s2 = OMEGA / (1 - ALPHA - BETA);
        for (int i = 0; i < n + BURN; i++) {
            v[i] = s2;
            r[i] = sqrt(s2) * fc_rng_normal(&rng);
            s2 = OMEGA + ALPHA * r[i] * r[i] + BETA * s2;
        }
        const double *x = r + BURN, *xv = v + BURN;
        struct fc_vol_garch g;
        if (fc_vol_realised(x, n, 20, vol) != FC_OK ||
            fc_vol_garch_fit(x, n_train, &g) != FC_OK ||
            fc_vol_garch_filter(&g, x, n, gv) != FC_OK) {
            fprintf(stderr, "oracle: GARCH fit failed\n");
            exit(1);
        }
        const double *y = x + n_train, *key = vol + n_train;
        score(y, xv + n_train, key, n_test, lo, hi, &to, is_o);
        score(y, gv + n_train, key, n_test, lo, hi, &tg, is_g);
        ratio[0][h] = is_o[0] / is_g[0];
        ratio[1][h] = is_o[1] / is_g[1];
        both += ratio[0][h] <= 0.97 && ratio[1][h] <= 0.97;
    }
    qsort(ratio[0], (size_t)n_hist, sizeof *ratio[0], cmp_d);
    qsort(ratio[1], (size_t)n_hist, sizeof *ratio[1], cmp_d);
    double d = n_hist / 100.0;
    printf("%5d %6d | oracle %5.1f %5.1f %5.1f %5.1f | garch %5.1f %5.1f %5.1f "
           "%5.1f | %.3f / %.3f  %5.1f\n",
           n_test, n_hist, to.third_off / d, to.cov95_off / d, to.clustered / d,
           to.any / d, tg.third_off / d, tg.cov95_off / d, tg.clustered / d,
           tg.any / d, ratio[0][n_hist / 2], ratio[1][n_hist / 2], both / d);
    free(r), free(v), free(vol), free(gv), free(lo), free(hi);
    free(ratio[0]), free(ratio[1]);
}

int main(int argc, char **argv)
{
    /* The test lengths scored in README.md: GOOG, AAPL, the median of the
     * short outside sample (bench/outside_sample.py), S&P 500, NFLX and a
     * typical dev ticker. */
    static const int lengths[] = {209, 252, 312, 1021, 1109, 2000};
    int n_hist = argc > 1 ? atoi(argv[1]) : 2000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;

    if (n_hist < 1) {
        fprintf(stderr, "usage: bench_oracle [histories >= 1] [seed]\n");
        return 2;
    }
    printf("%% of histories breaking a bound: a third off > 7 points, 95 %% "
           "off > 2.5 points, Christoffersen p < 0.05, any of them\n");
    printf(" test  hists |        third  95%% clust   any |       third  95%% "
           "clust   any | oracle IS/G 80 / 95  %% <= 0.97 both\n");
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++)
        run(lengths[k], n_hist, seed);
    return 0;
}
