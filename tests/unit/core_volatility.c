/* core_volatility.c — the volatility yardsticks and interval scoring: EWMA
 * and GARCH recursions by hand; a GARCH fit recovering the parameters of a
 * long simulated series; the normal quantile at known points and through a
 * round trip; interval scores, volatility thirds, Kupiec and Christoffersen
 * p-values by hand; and every degenerate input (no days, no misses, all
 * misses, constant returns, short training parts). */
#include "check.h"
#include "interval_score.h"
#include "rng.h"
#include "volatility.h"

#include <math.h>
#include <stdlib.h>

static void ewma_by_hand(void)
{
    const double r[3] = {0.01, -0.02, 0.03};
    double s[4];

    /* s1 = 0.94e-4 + 0.06 * 1e-4 = 1e-4; s2 = 0.94e-4 + 0.06 * 4e-4 =
     * 1.18e-4; s3 = 0.94 * 1.18e-4 + 0.06 * 9e-4 = 1.6492e-4. */
    CHECK_OK(fc_vol_ewma(r, 3, FC_VOL_EWMA_LAMBDA, 1e-4, s));
    CHECK_NEAR(s[0], 1e-4, 1e-18);
    CHECK_NEAR(s[1], 1e-4, 1e-18);
    CHECK_NEAR(s[2], 1.18e-4, 1e-18);
    CHECK_NEAR(s[3], 1.6492e-4, 1e-18);
    CHECK_NEAR(fc_vol_mean_square(r, 3), 14e-4 / 3, 1e-18);
    CHECK_NEAR(fc_vol_mean_square(r, 0), 0.0, 0.0);

    CHECK_OK(fc_vol_ewma(r, 0, 0.94, 2e-4, s)); /* no returns: the seed */
    CHECK_NEAR(s[0], 2e-4, 0.0);
    CHECK_ERR(fc_vol_ewma(r, 3, 1.0, 1e-4, s), FC_EINVAL);
    CHECK_ERR(fc_vol_ewma(r, 3, 0.0, 1e-4, s), FC_EINVAL);
    CHECK_ERR(fc_vol_ewma(r, 3, 0.94, -1e-4, s), FC_EINVAL);
    CHECK_ERR(fc_vol_ewma(r, 3, 0.94, NAN, s), FC_EINVAL);
    CHECK_ERR(fc_vol_ewma(r, -1, 0.94, 1e-4, s), FC_EINVAL);
    const double bad[2] = {0.01, INFINITY};
    CHECK_ERR(fc_vol_ewma(bad, 2, 0.94, 1e-4, s), FC_EINVAL);
}

static void garch_filter_by_hand(void)
{
    const double r[3] = {0.01, -0.02, 0.03};
    struct fc_vol_garch g = {0};
    double s[4];

    /* s1 = 1e-6 + 0.1 * 1e-4 + 0.8 * 1e-4 = 9.1e-5;
     * s2 = 1e-6 + 0.1 * 4e-4 + 0.8 * 9.1e-5 = 1.138e-4;
     * s3 = 1e-6 + 0.1 * 9e-4 + 0.8 * 1.138e-4 = 1.8204e-4. */
    g.omega = 1e-6;
    g.alpha = 0.1;
    g.beta = 0.8;
    g.sigma2_0 = 1e-4;
    CHECK_OK(fc_vol_garch_filter(&g, r, 3, s));
    CHECK_NEAR(s[0], 1e-4, 1e-18);
    CHECK_NEAR(s[1], 9.1e-5, 1e-18);
    CHECK_NEAR(s[2], 1.138e-4, 1e-18);
    CHECK_NEAR(s[3], 1.8204e-4, 1e-18);
    /* nll = 0.5/3 sum (log s + r^2 / s) over s0..s2. */
    double want = (log(1e-4) + 1.0 + log(9.1e-5) + 4e-4 / 9.1e-5 +
                   log(1.138e-4) + 9e-4 / 1.138e-4) /
                  6.0;
    CHECK_NEAR(fc_vol_garch_nll(r, 3, 1e-6, 0.1, 0.8, 1e-4), want, 1e-12);
    CHECK(fc_vol_garch_nll(r, 0, 1e-6, 0.1, 0.8, 1e-4) == HUGE_VAL);
    CHECK(fc_vol_garch_nll(r, 3, 0.0, 0.0, 0.0, 0.0) == HUGE_VAL);

    g.beta = 0.9; /* alpha + beta = 1: not stationary */
    CHECK_ERR(fc_vol_garch_filter(&g, r, 3, s), FC_EINVAL);
    g.beta = 0.8;
    g.omega = 0.0;
    CHECK_ERR(fc_vol_garch_filter(&g, r, 3, s), FC_EINVAL);
    g.omega = 1e-6;
    g.alpha = -0.01;
    CHECK_ERR(fc_vol_garch_filter(&g, r, 3, s), FC_EINVAL);
}

/* r_t = sigma_t z_t with z_t standard normal, after a burn-in of 1,000 days
 * from the unconditional variance. */
static void simulate_garch(double omega, double alpha, double beta, int n,
                           uint64_t seed, double *r)
{
    struct fc_rng rng;
    double s2 = omega / (1.0 - alpha - beta);

    fc_rng_init(&rng, seed);
    for (int t = -1000; t < n; t++) {
        double x = sqrt(s2) * fc_rng_normal(&rng);
        if (t >= 0)
            r[t] = x;
        s2 = omega + alpha * x * x + beta * s2;
    }
}

static void garch_recovers_parameters(void)
{
    /* Daily-equity-like parameters: persistence 0.98, unconditional
     * variance 1e-4 (1 % a day). */
    enum { N = 20000 };
    const double om = 2e-6, al = 0.08, be = 0.90;
    double *r = malloc(N * sizeof *r);
    struct fc_vol_garch g;

    CHECK(r != NULL);
    if (r == NULL)
        return;
    simulate_garch(om, al, be, N, 11, r);
    CHECK_OK(fc_vol_garch_fit(r, N, &g));
    printf("garch fit on %d days: omega %.3g alpha %.4f beta %.4f "
           "(true 2e-06 0.08 0.90), %d evaluations\n",
           N, g.omega, g.alpha, g.beta, g.n_evals);
    CHECK_EQ_INT(g.fitted, 1);
    CHECK_EQ_INT(g.n_train, N);
    /* Over seeds 1..8 of this simulation the estimates spread with a
     * standard deviation of about 0.005 (alpha), 0.007 (beta) and 0.003
     * (alpha + beta), as the asymptotic QML errors at n = 20,000 predict:
     * the tolerances are about 4 of those, so a correct fit never fails
     * them and a fit stuck at a start point (0.05/0.90, 0.10/0.85,
     * 0.03/0.95) or at alpha = 0 does. */
    CHECK_NEAR(g.alpha, al, 0.02);
    CHECK_NEAR(g.beta, be, 0.03);
    CHECK_NEAR(g.alpha + g.beta, al + be, 0.012);
    CHECK_NEAR(g.omega / (1.0 - g.alpha - g.beta), 1e-4, 0.25e-4);
    /* The QML optimum beats the true parameters in sample, and a step of
     * 1 % in any parameter from it does not improve it. */
    double nll_true = fc_vol_garch_nll(r, N, om, al, be, g.sigma2_0);
    CHECK(g.nll <= nll_true);
    CHECK_NEAR(g.nll,
               fc_vol_garch_nll(r, N, g.omega, g.alpha, g.beta, g.sigma2_0),
               1e-15);
    for (int k = 0; k < 6; k++) {
        double f = k % 2 ? 1.01 : 0.99;
        double o = g.omega * (k / 2 == 0 ? f : 1.0);
        double a = g.alpha * (k / 2 == 1 ? f : 1.0);
        double b = g.beta * (k / 2 == 2 ? f : 1.0);
        CHECK(fc_vol_garch_nll(r, N, o, a, b, g.sigma2_0) >= g.nll);
    }
    CHECK(g.omega > 0.0 && g.alpha >= 0.0 && g.beta >= 0.0 &&
          g.alpha + g.beta < 1.0);

    /* The filter over the whole series reproduces the fit's likelihood. */
    double *s2 = malloc((N + 1) * sizeof *s2);
    CHECK(s2 != NULL);
    if (s2 != NULL) {
        double sum = 0.0;
        CHECK_OK(fc_vol_garch_filter(&g, r, N, s2));
        for (int t = 0; t < N; t++)
            sum += log(s2[t]) + r[t] * r[t] / s2[t];
        CHECK_NEAR(0.5 * sum / N, g.nll, 1e-12);
        free(s2);
    }

    /* Deterministic: the same returns give the same parameters. */
    struct fc_vol_garch g2;
    CHECK_OK(fc_vol_garch_fit(r, N, &g2));
    CHECK(g2.omega == g.omega && g2.alpha == g.alpha && g2.beta == g.beta);
    free(r);
}

static void garch_degenerate(void)
{
    double r[300];
    struct fc_vol_garch g = {0};

    for (int i = 0; i < 300; i++)
        r[i] = 0.0;
    CHECK_ERR(fc_vol_garch_fit(r, 300, &g), FC_EINVAL); /* no variance */
    CHECK_ERR(fc_vol_garch_fit(r, 1, &g), FC_EINVAL);
    CHECK(g.omega == 0.0); /* *out untouched on failure */

    /* Short training part: the fallback, targeting the mean square. */
    for (int i = 0; i < 300; i++)
        r[i] = i % 2 ? 0.01 : -0.01;
    CHECK_OK(fc_vol_garch_fit(r, FC_VOL_GARCH_MIN_FIT - 1, &g));
    CHECK_EQ_INT(g.fitted, 0);
    CHECK_NEAR(g.alpha, 0.05, 0.0);
    CHECK_NEAR(g.beta, 0.90, 0.0);
    CHECK_NEAR(g.sigma2_0, 1e-4, 1e-18);
    CHECK_NEAR(g.omega, 0.05e-4, 1e-18);
    CHECK(isfinite(g.nll));

    /* Constant magnitude, enough days: whatever the fit finds is a valid
     * model no worse than the fallback. */
    CHECK_OK(fc_vol_garch_fit(r, 300, &g));
    CHECK(g.omega > 0.0 && g.alpha >= 0.0 && g.beta >= 0.0 &&
          g.alpha + g.beta < 1.0);
    CHECK(g.nll <= fc_vol_garch_nll(r, 300, 0.05e-4, 0.05, 0.90, 1e-4));

    r[5] = NAN;
    CHECK_ERR(fc_vol_garch_fit(r, 300, &g), FC_EINVAL);
}

static void realised_by_hand(void)
{
    const double r[5] = {0.01, -0.01, 0.03, 0.0, 0.02};
    double v[6];

    CHECK_OK(fc_vol_realised(r, 5, 2, v));
    CHECK_NEAR(v[0], 0.0, 0.0);     /* nothing known yet */
    CHECK_NEAR(v[1], 0.0, 0.0);     /* one return: no spread */
    CHECK_NEAR(v[2], 0.01, 1e-15);  /* {0.01, -0.01} */
    CHECK_NEAR(v[3], 0.02, 1e-15);  /* {-0.01, 0.03} */
    CHECK_NEAR(v[4], 0.015, 1e-15); /* {0.03, 0} */
    CHECK_NEAR(v[5], 0.01, 1e-15);  /* {0, 0.02}: r[4] used only by v[5] */
    CHECK_ERR(fc_vol_realised(r, 5, 0, v), FC_EINVAL);
    CHECK_ERR(fc_vol_realised(r, -1, 20, v), FC_EINVAL);
}

static void norm_quantile(void)
{
    /* Reference values: Wichura's AS 241 (Python's NormalDist.inv_cdf),
     * an independent algorithm, agreeing to the last printed digit. */
    static const double known[][2] = {
        {0.5, 0.0},
        {0.9, 1.2815515655446008},
        {0.95, 1.6448536269514715},
        {0.975, 1.9599639845400536},
        {0.99, 2.3263478740408408},
        {0.999, 3.090232306167813},
        {0.3, -0.5244005127080407},
        {0.025, -1.9599639845400538},
        {0.02425, -1.9729610513118845}, /* Acklam's region boundary */
        {0.97575, 1.9729610513118847},
        {1e-10, -6.361340902404056},
        {1e-20, -9.262340089798405},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        double x = fc_vol_norm_quantile(known[i][0]);
        CHECK_NEAR(x, known[i][1], 4e-15 * fmax(1.0, fabs(known[i][1])));
    }
    /* Round trip through Phi in the far tail, relative to p. */
    for (double p = 1e-300; p < 0.4; p *= 1e7) {
        double back = fc_vol_norm_cdf(fc_vol_norm_quantile(p));
        CHECK_NEAR(back / p, 1.0, 1e-12);
    }
    CHECK(fc_vol_norm_quantile(0.0) == -HUGE_VAL);
    CHECK(fc_vol_norm_quantile(1.0) == HUGE_VAL);
    CHECK(fc_vol_norm_quantile(-0.5) == -HUGE_VAL);
    CHECK(isnan(fc_vol_norm_quantile(NAN)));
    CHECK(isfinite(fc_vol_norm_quantile(5e-324)));

    const double s2[2] = {1e-4, 0.0};
    double lo[2], hi[2];
    CHECK_OK(fc_vol_gaussian_bands(s2, 2, 0.95, lo, hi));
    CHECK_NEAR(hi[0], 0.019599639845400536, 1e-16);
    CHECK_NEAR(lo[0], -0.019599639845400536, 1e-16);
    CHECK(lo[1] == 0.0 && hi[1] == 0.0);
    CHECK_ERR(fc_vol_gaussian_bands(s2, 2, 1.0, lo, hi), FC_EINVAL);
    const double neg[1] = {-1e-4};
    CHECK_ERR(fc_vol_gaussian_bands(neg, 1, 0.8, lo, hi), FC_EINVAL);
}

static void interval_score_by_hand(void)
{
    /* a = 0.2: the penalty is 2 / 0.2 = 10 per unit of miss. */
    CHECK_NEAR(fc_interval_score(0.5, 0.0, 1.0, 0.2), 1.0, 0.0);
    CHECK_NEAR(fc_interval_score(-0.5, 0.0, 1.0, 0.2), 6.0, 1e-15);
    CHECK_NEAR(fc_interval_score(1.5, 0.0, 1.0, 0.2), 6.0, 1e-15);
    CHECK_NEAR(fc_interval_score(1.0, 0.0, 1.0, 0.2), 1.0, 0.0); /* edge in */
    CHECK_NEAR(fc_interval_score(0.0, 0.0, 0.0, 0.05), 0.0, 0.0);

    /* Six days, [0, 1] each; misses on days 1, 2 and 5. Sorted by key the
     * days run 0, 3 | 4, 5 | 1, 2: the calm third covers both, the middle
     * one of two, the volatile none. */
    const double y[6] = {0.5, -0.5, 1.5, 0.2, 0.9, 2.0};
    const double lo[6] = {0, 0, 0, 0, 0, 0}, hi[6] = {1, 1, 1, 1, 1, 1};
    const double key[6] = {1, 5, 6, 2, 3, 4};
    struct fc_interval_eval ev;
    CHECK_OK(fc_interval_evaluate(y, lo, hi, key, 6, 0.8, &ev));
    CHECK_EQ_INT(ev.n, 6);
    CHECK_EQ_INT(ev.n_miss, 3);
    CHECK_NEAR(ev.coverage, 0.5, 0.0);
    CHECK_NEAR(ev.score, (1.0 + 6 + 6 + 1 + 1 + 11) / 6, 1e-14);
    CHECK_EQ_INT(ev.n_third[FC_THIRD_CALM], 2);
    CHECK_EQ_INT(ev.n_third[FC_THIRD_MIDDLE], 2);
    CHECK_EQ_INT(ev.n_third[FC_THIRD_VOLATILE], 2);
    CHECK_NEAR(ev.coverage_third[FC_THIRD_CALM], 1.0, 0.0);
    CHECK_NEAR(ev.coverage_third[FC_THIRD_MIDDLE], 0.5, 0.0);
    CHECK_NEAR(ev.coverage_third[FC_THIRD_VOLATILE], 0.0, 0.0);
    CHECK_NEAR(ev.score_third[FC_THIRD_CALM], 1.0, 1e-15);
    CHECK_NEAR(ev.score_third[FC_THIRD_MIDDLE], 6.0, 1e-14);
    CHECK_NEAR(ev.score_third[FC_THIRD_VOLATILE], 6.0, 1e-14);
    /* a = 1 - 0.8 is 0.2 less one ulp. */
    CHECK_NEAR(ev.kupiec_p, fc_interval_kupiec_p(6, 3, 0.2), 1e-12);

    /* Seven days with equal keys: ties go by day order, floor(7/3) = 2
     * days in each outer third and 3 in the middle. Without a key, no
     * thirds. */
    const double y7[7] = {0, 0, 0, 0, 0, 0, 5};
    const double lo7[7] = {-1, -1, -1, -1, -1, -1, -1};
    const double hi7[7] = {1, 1, 1, 1, 1, 1, 1};
    const double k7[7] = {0, 0, 0, 0, 0, 0, 0};
    CHECK_OK(fc_interval_evaluate(y7, lo7, hi7, k7, 7, 0.9, &ev));
    CHECK_EQ_INT(ev.n_third[0] * 100 + ev.n_third[1] * 10 + ev.n_third[2], 232);
    CHECK_NEAR(ev.coverage_third[FC_THIRD_VOLATILE], 0.5, 0.0);
    CHECK_NEAR(ev.coverage_third[FC_THIRD_MIDDLE], 1.0, 0.0);
    CHECK_OK(fc_interval_evaluate(y7, lo7, hi7, NULL, 7, 0.9, &ev));
    CHECK_EQ_INT(ev.n_third[0] + ev.n_third[1] + ev.n_third[2], 0);
    CHECK(isnan(ev.coverage_third[FC_THIRD_CALM]));
    CHECK_NEAR(ev.coverage, 6.0 / 7.0, 1e-15);

    /* Degenerate inputs. */
    CHECK_OK(fc_interval_evaluate(y, lo, hi, key, 0, 0.8, &ev));
    CHECK_EQ_INT(ev.n, 0);
    CHECK(isnan(ev.coverage) && isnan(ev.score));
    CHECK_NEAR(ev.kupiec_p, 1.0, 0.0);
    CHECK_NEAR(ev.christoffersen_p, 1.0, 0.0);
    CHECK_OK(fc_interval_evaluate(y, lo, hi, key, 2, 0.8, &ev));
    CHECK_EQ_INT(ev.n_third[FC_THIRD_MIDDLE], 2); /* n < 3: all middle */
    CHECK(isnan(ev.coverage_third[FC_THIRD_CALM]));
    CHECK_ERR(fc_interval_evaluate(y, hi, lo, key, 6, 0.8, &ev), FC_EINVAL);
    CHECK_ERR(fc_interval_evaluate(y, lo, hi, key, 6, 1.0, &ev), FC_EINVAL);
    CHECK_ERR(fc_interval_evaluate(y, lo, hi, key, -1, 0.8, &ev), FC_EINVAL);
    const double ynan[1] = {NAN};
    CHECK_ERR(fc_interval_evaluate(ynan, lo, hi, NULL, 1, 0.8, &ev), FC_EINVAL);
}

static void backtest_tests_by_hand(void)
{
    /* chi-square(1): the 5 % critical value 3.8414588 has p 0.05. */
    CHECK_NEAR(fc_chi2_1_sf(3.841458820694124), 0.05, 1e-12);
    CHECK_NEAR(fc_chi2_1_sf(0.0), 1.0, 0.0);
    CHECK_NEAR(fc_chi2_1_sf(-1.0), 1.0, 0.0);

    /* Kupiec, 10 misses in 100 days at a = 0.05:
     * LR = -2 [90 log 0.95 + 10 log 0.05 - 90 log 0.9 - 10 log 0.1]
     *    = 4.1308438, p = erfc(sqrt(2.0654219)) = 0.0421084. */
    CHECK_NEAR(fc_interval_kupiec_p(100, 10, 0.05), 0.04210835009618469, 1e-12);
    CHECK_NEAR(fc_interval_kupiec_p(100, 5, 0.05), 1.0, 1e-6); /* on target */
    /* No misses in 250 days: LR = -500 log 0.95 = 25.646647. */
    CHECK_NEAR(fc_interval_kupiec_p(250, 0, 0.05), 4.100072366416669e-07,
               1e-15);
    /* All 20 missed: LR = -40 log 0.05 = 119.829291. */
    CHECK_NEAR(fc_interval_kupiec_p(20, 20, 0.05) / 6.894567852980945e-28, 1.0,
               1e-9);
    CHECK_NEAR(fc_interval_kupiec_p(0, 0, 0.05), 1.0, 0.0);
    CHECK(isnan(fc_interval_kupiec_p(10, 11, 0.05)));
    CHECK(isnan(fc_interval_kupiec_p(10, 1, 0.0)));

    /* Christoffersen on 0 0 1 1 1 0 0 0 0 1 1 0: n00 4, n01 2, n10 2,
     * n11 3; pi = 5/11, pi01 = 1/3, pi11 = 3/5; LR = 0.78991656,
     * p = 0.37412536. */
    const unsigned char m[12] = {0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0};
    CHECK_NEAR(fc_interval_christoffersen_p(m, 12), 0.3741253580627318, 1e-12);
    /* Alternating misses: n01 5, n10 4, n00 = n11 = 0; every ll1 term is
     * 0 log 0 or 1 log 1, LR = -2 log L(pi = 5/9) = 12.3653084. */
    const unsigned char alt[10] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    CHECK_NEAR(fc_interval_christoffersen_p(alt, 10), 0.0004373853160859073,
               1e-15);
    const unsigned char none[5] = {0, 0, 0, 0, 0};
    const unsigned char all[5] = {1, 1, 1, 1, 1};
    CHECK_NEAR(fc_interval_christoffersen_p(none, 5), 1.0, 0.0);
    CHECK_NEAR(fc_interval_christoffersen_p(all, 5), 1.0, 0.0);
    CHECK_NEAR(fc_interval_christoffersen_p(m, 1), 1.0, 0.0);
    CHECK_NEAR(fc_interval_christoffersen_p(m, 0), 1.0, 0.0);

    /* fc_interval_evaluate counts the same transitions. */
    double y[12], lo[12], hi[12];
    for (int i = 0; i < 12; i++) {
        y[i] = m[i] ? 2.0 : 0.0;
        lo[i] = -1.0;
        hi[i] = 1.0;
    }
    struct fc_interval_eval ev;
    CHECK_OK(fc_interval_evaluate(y, lo, hi, NULL, 12, 0.95, &ev));
    CHECK_EQ_INT(ev.n_miss, 5);
    CHECK_NEAR(ev.christoffersen_p, 0.3741253580627318, 1e-12);
    CHECK_NEAR(ev.miss_after_miss, 3.0 / 5.0, 1e-15); /* n11 / (n10 + n11) */
    /* Alternating: low p because misses never follow each other. */
    for (int i = 0; i < 10; i++)
        y[i] = alt[i] ? 2.0 : 0.0;
    CHECK_OK(fc_interval_evaluate(y, lo, hi, NULL, 10, 0.95, &ev));
    CHECK(ev.christoffersen_p < 0.001);
    CHECK_NEAR(ev.miss_after_miss, 0.0, 0.0);
    /* A miss on the last day only: no day follows a miss. */
    for (int i = 0; i < 5; i++)
        y[i] = i == 4 ? 2.0 : 0.0;
    CHECK_OK(fc_interval_evaluate(y, lo, hi, NULL, 5, 0.95, &ev));
    CHECK_EQ_INT(ev.n_miss, 1);
    CHECK(isnan(ev.miss_after_miss));
}

/* On a simulated GARCH series, the fitted model's Gaussian 80 % and 95 %
 * intervals on the last 20 % of days cover close to nominal (the returns
 * are Gaussian given the variance, so nothing but estimation error moves
 * them) and in every volatility third; EWMA, not the true model, stays
 * within a few points. */
static void garch_intervals_calibrated(void)
{
    enum { N = 10000, N_TRAIN = 8000, N_TEST = N - N_TRAIN };
    double *r = malloc(N * sizeof *r);
    double *s2 = malloc((N + 1) * sizeof *s2);
    double *vol = malloc((N + 1) * sizeof *vol);
    double *lo = malloc(N * sizeof *lo), *hi = malloc(N * sizeof *hi);
    struct fc_vol_garch g;
    struct fc_interval_eval ev;

    CHECK(r && s2 && vol && lo && hi);
    if (!(r && s2 && vol && lo && hi))
        goto done;
    simulate_garch(2e-6, 0.08, 0.90, N, 5, r);
    CHECK_OK(fc_vol_realised(r, N, 20, vol));
    CHECK_OK(fc_vol_garch_fit(r, N_TRAIN, &g));
    CHECK_OK(fc_vol_garch_filter(&g, r, N, s2));
    const double levels[2] = {0.8, 0.95};
    for (int l = 0; l < 2; l++) {
        CHECK_OK(
            fc_vol_gaussian_bands(s2 + N_TRAIN, N_TEST, levels[l], lo, hi));
        CHECK_OK(fc_interval_evaluate(r + N_TRAIN, lo, hi, vol + N_TRAIN,
                                      N_TEST, levels[l], &ev));
        printf("garch %.0f %%: coverage %.3f (calm %.3f, volatile %.3f), "
               "kupiec p %.3f, christoffersen p %.3f\n",
               100 * levels[l], ev.coverage, ev.coverage_third[0],
               ev.coverage_third[2], ev.kupiec_p, ev.christoffersen_p);
        /* Binomial sd at n = 2000: 0.9 points (80 %), 0.5 (95 %); per
         * third (667 days) 1.5 and 0.8. */
        CHECK_NEAR(ev.coverage, levels[l], 0.03);
        for (int t = 0; t < 3; t++)
            CHECK_NEAR(ev.coverage_third[t], levels[l], 0.05);
    }
    CHECK_OK(
        fc_vol_ewma(r, N, FC_VOL_EWMA_LAMBDA, fc_vol_mean_square(r, 250), s2));
    CHECK_OK(fc_vol_gaussian_bands(s2 + N_TRAIN, N_TEST, 0.8, lo, hi));
    CHECK_OK(fc_interval_evaluate(r + N_TRAIN, lo, hi, vol + N_TRAIN, N_TEST,
                                  0.8, &ev));
    printf("ewma 80 %%: coverage %.3f\n", ev.coverage);
    CHECK_NEAR(ev.coverage, 0.8, 0.04);
done:
    free(r);
    free(s2);
    free(vol);
    free(lo);
    free(hi);
}

int main(void)
{
    ewma_by_hand();
    garch_filter_by_hand();
    garch_recovers_parameters();
    garch_degenerate();
    realised_by_hand();
    norm_quantile();
    interval_score_by_hand();
    backtest_tests_by_hand();
    garch_intervals_calibrated();
    return check_report();
}
