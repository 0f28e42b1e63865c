/* volatility.h — the risk desk's one-step variance forecasts for daily log
 * returns, the yardstick a distributional forecast is scored against:
 * EWMA (RiskMetrics), Gaussian GARCH(1,1) fitted by quasi-maximum
 * likelihood, the trailing realised volatility that sorts days into calm and
 * volatile, and the Gaussian quantile that turns a variance into an interval.
 *
 * Conventions shared by every function: r[0..n) are log returns in
 * chronological order; a variance path sigma2[0..n] has n + 1 entries, where
 * sigma2[t] is the forecast variance of r[t] made from r[0..t) only, and
 * sigma2[n] the forecast for the return after the last one. The mean return
 * is taken as zero (a day's mean is a few basis points against a spread of
 * about a hundred, and the intervals are centred on the naive forecast), so
 * r is never demeaned here. Pure functions: no I/O, no globals, no
 * allocation; reentrant. Interval scoring lives in interval_score.h. */
#ifndef FC_VOLATILITY_H
#define FC_VOLATILITY_H

#include "err.h"

/* RiskMetrics' decay for daily data (J.P. Morgan/Reuters 1996). */
#define FC_VOL_EWMA_LAMBDA 0.94
/* Below this many training returns fc_vol_garch_fit does not optimise and
 * returns its fallback parameters: a QML fit on one year of days or less
 * is too noisy to beat the textbook values. */
#define FC_VOL_GARCH_MIN_FIT 250

/* A fitted GARCH(1,1): sigma2_t = omega + alpha r_{t-1}^2 + beta sigma2_{t-1},
 * with omega > 0, alpha >= 0, beta >= 0 and alpha + beta < 1 (covariance
 * stationary, unconditional variance omega / (1 - alpha - beta)). */
struct fc_vol_garch {
    double omega;    /* squared log-return units per day */
    double alpha;    /* reaction to yesterday's squared return */
    double beta;     /* persistence of yesterday's variance */
    double sigma2_0; /* the variance seeding the recursion: the mean square
                      * of the training returns */
    double nll;      /* mean Gaussian negative log-likelihood per training
                      * return at these parameters, without 0.5 log(2 pi) */
    int n_train;     /* training returns the fit saw */
    int n_evals;     /* likelihood evaluations spent */
    int fitted;      /* 1: QML optimum; 0: the fallback parameters (alpha
                      * 0.05, beta 0.90, omega targeting sigma2_0), used when
                      * n_train < FC_VOL_GARCH_MIN_FIT or when no optimum
                      * beat them */
};

/* The mean of r[i]^2 over r[0..n): the zero-mean sample variance, the seed
 * of the EWMA and GARCH recursions. 0 when n <= 0. */
double fc_vol_mean_square(const double *r, int n);

/* EWMA (RiskMetrics) variance path:
 *   sigma2[0] = sigma2_0,
 *   sigma2[t] = lambda sigma2[t-1] + (1 - lambda) r[t-1]^2,  t = 1..n.
 * sigma2 has n + 1 entries. A usual seed is fc_vol_mean_square of the first
 * training returns. FC_EINVAL when n < 0, lambda is outside (0, 1), sigma2_0
 * is negative or not finite, or an r[i] is not finite (sigma2 then holds
 * nothing useful). */
fc_err fc_vol_ewma(const double *r, int n, double lambda, double sigma2_0,
                   double *sigma2);

/* Fit a Gaussian GARCH(1,1) to r[0..n_train) by quasi-maximum likelihood
 * (Bollerslev 1986; consistent under non-Gaussian returns, Bollerslev &
 * Wooldridge 1992): minimise 0.5/n sum_t (log sigma2_t + r_t^2 / sigma2_t)
 * with the recursion seeded by sigma2_0 = fc_vol_mean_square(r, n_train).
 * Only r[0..n_train) is read: pass the training part alone. Deterministic.
 * FC_EINVAL when n_train < 2, an r[i] is not finite, or every r[i] is 0;
 * *out is set on success only, possibly with fitted = 0 (see the struct). */
fc_err fc_vol_garch_fit(const double *r, int n_train, struct fc_vol_garch *out);

/* The variance path of g over r[0..n): sigma2[0] = g->sigma2_0 and
 * sigma2[t] = omega + alpha r[t-1]^2 + beta sigma2[t-1], t = 1..n (n + 1
 * entries). The parameters stay fixed, so a test day's variance uses only the
 * returns before it. FC_EINVAL when n < 0, g violates the constraints, or an
 * r[i] is not finite. */
fc_err fc_vol_garch_filter(const struct fc_vol_garch *g, const double *r, int n,
                           double *sigma2);

/* One step of the recursion: the variance after a return r when the
 * variance before it was sigma2, omega + alpha r^2 + beta sigma2. Every
 * GARCH path in core/ takes its steps here, so the same returns give the
 * same doubles wherever they are filtered. */
double fc_vol_garch_step(const struct fc_vol_garch *g, double sigma2, double r);

/* 1 when g satisfies the constraints of struct fc_vol_garch (omega > 0,
 * alpha, beta >= 0, alpha + beta < 1) with a finite seed sigma2_0 >= 0. */
int fc_vol_garch_valid(const struct fc_vol_garch *g);

/* Gaussian negative log-likelihood, as in fc_vol_garch.nll, of r[0..n) under
 * (omega, alpha, beta) seeded with sigma2_0: HUGE_VAL when a variance is
 * not positive and finite, or n <= 0. For comparing parameter sets. */
double fc_vol_garch_nll(const double *r, int n, double omega, double alpha,
                        double beta, double sigma2_0);

/* Trailing realised volatility, the per-day key of the calm/volatile split:
 * vol[t] = population standard deviation of r[max(0, t - window) .. t), so
 * it is known before r[t] (vol[0] = 0, and the first window days use the
 * fewer returns they have). vol has n + 1 entries. FC_EINVAL when n < 0 or
 * window < 1. */
fc_err fc_vol_realised(const double *r, int n, int window, double *vol);

/* The standard normal quantile Phi^-1(p): Acklam's rational approximation
 * (relative error below 1.2e-9) polished by one Halley step on erfc, which
 * brings it to a few ulps over (0, 1). -HUGE_VAL for p <= 0, HUGE_VAL for
 * p >= 1, NaN for NaN. */
double fc_vol_norm_quantile(double p);

/* The standard normal distribution function Phi(x) = erfc(-x / sqrt 2) / 2. */
double fc_vol_norm_cdf(double x);

/* Central Gaussian intervals from a variance path: for a (level) interval,
 * z = Phi^-1((1 + level) / 2), lower[i] = -z sqrt(sigma2[i]) and upper[i] =
 * z sqrt(sigma2[i]) for i in [0, n), in log-return units around a zero
 * centre (add the point forecast's log return to move them). FC_EINVAL when
 * n < 0, level is outside (0, 1) or a sigma2[i] is negative or not finite. */
fc_err fc_vol_gaussian_bands(const double *sigma2, int n, double level,
                             double *lower, double *upper);

#endif
