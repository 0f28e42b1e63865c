/* interval_score.h — how good a sequence of prediction intervals was, on
 * given arrays, the same for every forecaster (the model, EWMA, GARCH, ...):
 * coverage, the interval score, coverage in the calm, middle and volatile
 * thirds of the days, and the two tests of a VaR backtest.
 *
 * A day is a miss when y falls outside [lower, upper] (both ends inside).
 * Edge cases follow one rule: a mean over no days is NaN, as in
 * fc_metrics_compute (so n_* says whether a figure exists), and a test with
 * no evidence against its null (no days, no transitions, no misses at all in
 * the independence test) has p-value 1. Pure functions: no I/O, no globals. */
#ifndef FC_INTERVAL_SCORE_H
#define FC_INTERVAL_SCORE_H

#include "err.h"

/* The thirds of the days sorted by a volatility key. */
enum fc_third { FC_THIRD_CALM, FC_THIRD_MIDDLE, FC_THIRD_VOLATILE };

struct fc_interval_eval {
    int n;                    /* days scored */
    int n_miss;               /* days with y outside [lower, upper] */
    double level;             /* nominal coverage, 1 - a */
    double coverage;          /* 1 - n_miss / n; NaN when n == 0 */
    double score;             /* mean interval score, y's units; NaN when
                               * n == 0 */
    int n_third[3];           /* days per fc_third: floor(n / 3) calm,
                               * floor(n / 3) volatile, the rest middle;
                               * all 0 when no key was given */
    double coverage_third[3]; /* coverage per fc_third; NaN when empty */
    double score_third[3];    /* mean interval score per fc_third; NaN when
                               * empty */
    double kupiec_p;          /* unconditional coverage test, p-value */
    double christoffersen_p;  /* independence of the misses, p-value */
    double miss_after_miss;   /* share of the days right after a miss that
                               * are misses too, n11 / (n10 + n11): about
                               * the miss rate when the misses are
                               * independent, more when they cluster, less
                               * when they avoid each other; it tells which
                               * way a low christoffersen_p points. NaN
                               * when no day in [0, n - 1) is a miss */
};

/* The interval score of one day (Gneiting & Raftery 2007, eq. 43) for a
 * central (1 - a) interval [lower, upper]:
 *   (upper - lower) + (2 / a) (lower - y)+ + (2 / a) (y - upper)+.
 * Lower is better; its expectation is minimised by the true a/2 and 1 - a/2
 * quantiles. Needs 0 < a < 1 and lower <= upper (not checked here). */
double fc_interval_score(double y, double lower, double upper, double a);

/* The upper tail of the chi-square distribution with one degree of freedom:
 * P(X > x) = erfc(sqrt(x / 2)). 1 for x <= 0 or NaN. */
double fc_chi2_1_sf(double x);

/* Kupiec's (1995) proportion-of-failures test: with n_miss misses in n days
 * and a promised miss rate a, the likelihood ratio
 *   LR = -2 [ (n - x) log(1 - a) + x log a
 *             - (n - x) log(1 - x/n) - x log(x/n) ],  x = n_miss,
 * (0 log 0 = 0, so no misses and all misses are fine) is chi-square(1) under
 * the null; returns its p-value. 1 when n <= 0; NaN when a is outside (0, 1)
 * or n_miss outside [0, n]. */
double fc_interval_kupiec_p(int n, int n_miss, double a);

/* Christoffersen's (1998) independence test: with n_ij the days where a miss
 * state i is followed by state j (1 = miss) in miss[0..n), the Markov chain
 * with pi01 = n01 / (n00 + n01) and pi11 = n11 / (n10 + n11) is tested
 * against one constant miss rate pi = (n01 + n11) / (n - 1):
 *   LR = -2 [ log L(pi) - log L(pi01, pi11) ]  ~ chi-square(1).
 * Returns its p-value: low means misses cluster on consecutive days. 1 when
 * n < 2 or when there are no misses or only misses among miss[1..n) (the
 * likelihood ratio is then 0). miss[i] is 0 or non-zero. */
double fc_interval_christoffersen_p(const unsigned char *miss, int n);

/* Scores intervals [lower[i], upper[i]] for y[i], i in [0, n), of nominal
 * coverage `level` (a = 1 - level) into *out. When key is not NULL, the days
 * are also sorted by key[i] (the volatility known at forecast time, e.g.
 * fc_vol_realised; ties broken by day order) and scored per third: the
 * floor(n / 3) days with the lowest key are the calm third, the floor(n / 3)
 * with the highest the volatile one. Allocates n sort entries when key is
 * given. Returns FC_EINVAL when n < 0, level is outside (0, 1), a value is
 * not finite or lower[i] > upper[i]; FC_ENOMEM. *out is set on success
 * only. */
fc_err fc_interval_evaluate(const double *y, const double *lower,
                            const double *upper, const double *key, int n,
                            double level, struct fc_interval_eval *out);

#endif
