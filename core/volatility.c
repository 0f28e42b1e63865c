/* volatility.c — EWMA and GARCH(1,1) variance forecasts, trailing realised
 * volatility and the Gaussian quantile.
 *
 * The GARCH fit is Gaussian quasi-maximum likelihood by Nelder-Mead on an
 * unconstrained reparameterisation, so every point the simplex visits is a
 * valid model and no penalty or projection is needed:
 *   omega = exp(x0),  p = P_MAX logistic(x1),  s = logistic(x2),
 *   alpha = s p,      beta = (1 - s) p,
 * where p = alpha + beta is the persistence and s the share of it that
 * reacts to news. The likelihood surface of GARCH is flat along the ridge
 * where omega / (1 - p) stays fixed and has local optima near alpha = 0, so
 * the fit starts from three textbook points (Nelder-Mead restarted at its own
 * optimum until that stops helping, Lagarias et al. 1998) and keeps the best,
 * or the fallback parameters if none beats them. Every step is deterministic:
 * the same returns give the same parameters on every platform with the same
 * libm. */
#include "volatility.h"

#include <math.h>

/* The fit's persistence stays below this (the GARCH literature's usual cap:
 * at 1 the variance is integrated and the unconditional variance infinite). */
#define P_MAX 0.9999
#define FALLBACK_ALPHA 0.05
#define FALLBACK_BETA 0.90
#define NM_DIM 3
#define NM_MAX_EVALS 3000 /* per start; a start converges in 200-600 */
#define NM_MAX_RESTARTS 4
#define NM_FTOL 1e-11 /* on the mean nll, about -4 for daily returns */
#define NM_XTOL 1e-7  /* on the log/logit coordinates */
/* M_SQRT2 and M_PI are not ISO C. */
#define SQRT2 1.41421356237309504880
#define SQRT_2PI 2.50662827463100050242

double fc_vol_mean_square(const double *r, int n)
{
    double s = 0.0;

    if (n <= 0)
        return 0.0;
    for (int i = 0; i < n; i++)
        s += r[i] * r[i];
    return s / n;
}

static int all_finite(const double *a, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

fc_err fc_vol_ewma(const double *r, int n, double lambda, double sigma2_0,
                   double *sigma2)
{
    if (n < 0 || !(lambda > 0.0 && lambda < 1.0) || !(sigma2_0 >= 0.0) ||
        !isfinite(sigma2_0) || !all_finite(r, n))
        return FC_EINVAL;
    sigma2[0] = sigma2_0;
    for (int t = 1; t <= n; t++)
        sigma2[t] =
            lambda * sigma2[t - 1] + (1.0 - lambda) * r[t - 1] * r[t - 1];
    return FC_OK;
}

/* ---- GARCH(1,1) -----------------------------------------------------------
 */

double fc_vol_garch_nll(const double *r, int n, double omega, double alpha,
                        double beta, double sigma2_0)
{
    double s2 = sigma2_0, sum = 0.0;

    if (n <= 0)
        return HUGE_VAL;
    for (int t = 0; t < n; t++) {
        if (t > 0)
            s2 = omega + alpha * r[t - 1] * r[t - 1] + beta * s2;
        if (!(s2 > 0.0) || !isfinite(s2))
            return HUGE_VAL;
        sum += log(s2) + r[t] * r[t] / s2;
    }
    return 0.5 * sum / n;
}

struct fit_ctx {
    const double *r;
    int n;
    double sigma2_0;
    int n_evals;
};

static double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static double logit(double p)
{
    return log(p / (1.0 - p));
}

static void to_params(const double x[NM_DIM], double *omega, double *alpha,
                      double *beta)
{
    double p = P_MAX * logistic(x[1]);
    double s = logistic(x[2]);

    *omega = exp(x[0]);
    *alpha = s * p;
    *beta = (1.0 - s) * p;
}

static double objective(struct fit_ctx *c, const double x[NM_DIM])
{
    double omega, alpha, beta;

    c->n_evals++;
    to_params(x, &omega, &alpha, &beta);
    if (!(omega > 0.0) || !isfinite(omega))
        return HUGE_VAL;
    return fc_vol_garch_nll(c->r, c->n, omega, alpha, beta, c->sigma2_0);
}

/* One Nelder-Mead run (Nelder & Mead 1965, with the coefficients 1, 2, 1/2,
 * 1/2 and the inside/outside contractions of Lagarias et al. 1998) from x
 * with a simplex of edge `step` along each axis. Stops when both the spread
 * of the values and the size of the simplex fall below NM_FTOL and NM_XTOL,
 * or after `max_evals` evaluations. Leaves the best vertex in x; returns its
 * value. */
static double nelder_mead(struct fit_ctx *c, double x[NM_DIM], double step,
                          int max_evals)
{
    double v[NM_DIM + 1][NM_DIM], f[NM_DIM + 1];
    int start = c->n_evals;

    for (int i = 0; i <= NM_DIM; i++) {
        for (int j = 0; j < NM_DIM; j++)
            v[i][j] = x[j] + (i == j + 1 ? step : 0.0);
        f[i] = objective(c, v[i]);
    }
    for (;;) {
        /* Insertion sort of the vertices by value, best first. */
        for (int i = 1; i <= NM_DIM; i++) {
            for (int k = i; k > 0 && f[k] < f[k - 1]; k--) {
                double tf = f[k];
                f[k] = f[k - 1];
                f[k - 1] = tf;
                for (int j = 0; j < NM_DIM; j++) {
                    double t = v[k][j];
                    v[k][j] = v[k - 1][j];
                    v[k - 1][j] = t;
                }
            }
        }
        double size = 0.0;
        for (int i = 1; i <= NM_DIM; i++)
            for (int j = 0; j < NM_DIM; j++)
                size = fmax(size, fabs(v[i][j] - v[0][j]));
        if ((f[NM_DIM] - f[0] <= NM_FTOL && size <= NM_XTOL) ||
            c->n_evals - start >= max_evals)
            break;

        double cen[NM_DIM], xr[NM_DIM], xt[NM_DIM];
        for (int j = 0; j < NM_DIM; j++) {
            cen[j] = 0.0;
            for (int i = 0; i < NM_DIM; i++)
                cen[j] += v[i][j] / NM_DIM;
            xr[j] = 2.0 * cen[j] - v[NM_DIM][j];
        }
        double fr = objective(c, xr);
        int shrink = 0;
        if (fr < f[0]) {
            for (int j = 0; j < NM_DIM; j++)
                xt[j] = 3.0 * cen[j] - 2.0 * v[NM_DIM][j]; /* expansion */
            double fe = objective(c, xt);
            int take_e = fe < fr;
            for (int j = 0; j < NM_DIM; j++)
                v[NM_DIM][j] = take_e ? xt[j] : xr[j];
            f[NM_DIM] = take_e ? fe : fr;
        } else if (fr < f[NM_DIM - 1]) {
            for (int j = 0; j < NM_DIM; j++)
                v[NM_DIM][j] = xr[j];
            f[NM_DIM] = fr;
        } else {
            /* Outside contraction towards xr when it beat the worst vertex,
             * inside contraction towards the worst vertex otherwise. */
            int outside = fr < f[NM_DIM];
            for (int j = 0; j < NM_DIM; j++)
                xt[j] = outside ? 0.5 * (cen[j] + xr[j])
                                : 0.5 * (cen[j] + v[NM_DIM][j]);
            double fc = objective(c, xt);
            if (fc < (outside ? fr : f[NM_DIM])) {
                for (int j = 0; j < NM_DIM; j++)
                    v[NM_DIM][j] = xt[j];
                f[NM_DIM] = fc;
            } else {
                shrink = 1;
            }
        }
        if (shrink) {
            for (int i = 1; i <= NM_DIM; i++) {
                for (int j = 0; j < NM_DIM; j++)
                    v[i][j] = 0.5 * (v[0][j] + v[i][j]);
                f[i] = objective(c, v[i]);
            }
        }
    }
    for (int j = 0; j < NM_DIM; j++)
        x[j] = v[0][j];
    return f[0];
}

fc_err fc_vol_garch_fit(const double *r, int n_train, struct fc_vol_garch *out)
{
    /* Starting (alpha, beta): typical of daily equity returns. */
    static const double starts[3][2] = {
        {0.05, 0.90}, {0.10, 0.85}, {0.03, 0.95}};
    struct fit_ctx c;
    struct fc_vol_garch g;

    if (n_train < 2 || !all_finite(r, n_train))
        return FC_EINVAL;
    c.r = r;
    c.n = n_train;
    c.sigma2_0 = fc_vol_mean_square(r, n_train);
    c.n_evals = 0;
    if (!(c.sigma2_0 > 0.0) || !isfinite(c.sigma2_0))
        return FC_EINVAL;

    /* The fallback targets the training variance: omega / (1 - alpha -
     * beta) = sigma2_0. */
    g.alpha = FALLBACK_ALPHA;
    g.beta = FALLBACK_BETA;
    g.omega = c.sigma2_0 * (1.0 - FALLBACK_ALPHA - FALLBACK_BETA);
    g.sigma2_0 = c.sigma2_0;
    g.nll = fc_vol_garch_nll(r, n_train, g.omega, g.alpha, g.beta, g.sigma2_0);
    c.n_evals++;
    g.fitted = 0;

    for (int k = 0; k < 3 && n_train >= FC_VOL_GARCH_MIN_FIT; k++) {
        double a = starts[k][0], b = starts[k][1];
        double x[NM_DIM] = {log(c.sigma2_0 * (1.0 - a - b)),
                            logit((a + b) / P_MAX), logit(a / (a + b))};
        double f = nelder_mead(&c, x, 0.5, NM_MAX_EVALS);
        /* A collapsed simplex can stall short of the optimum: restart at
         * the best vertex with a fresh simplex until it stops improving. */
        for (int i = 0; i < NM_MAX_RESTARTS; i++) {
            double f2 = nelder_mead(&c, x, 0.1, NM_MAX_EVALS);
            int better = f2 < f - NM_FTOL;
            f = fmin(f, f2);
            if (!better)
                break;
        }
        if (f < g.nll) {
            to_params(x, &g.omega, &g.alpha, &g.beta);
            g.nll = f;
            g.fitted = 1;
        }
    }
    g.n_train = n_train;
    g.n_evals = c.n_evals;
    *out = g;
    return FC_OK;
}

int fc_vol_garch_valid(const struct fc_vol_garch *g)
{
    return g->omega > 0.0 && isfinite(g->omega) && g->alpha >= 0.0 &&
           g->beta >= 0.0 && g->alpha + g->beta < 1.0 && g->sigma2_0 >= 0.0 &&
           isfinite(g->sigma2_0);
}

double fc_vol_garch_step(const struct fc_vol_garch *g, double sigma2, double r)
{
    return g->omega + g->alpha * r * r + g->beta * sigma2;
}

fc_err fc_vol_garch_filter(const struct fc_vol_garch *g, const double *r, int n,
                           double *sigma2)
{
    if (n < 0 || !fc_vol_garch_valid(g) || !all_finite(r, n))
        return FC_EINVAL;
    sigma2[0] = g->sigma2_0;
    for (int t = 1; t <= n; t++)
        sigma2[t] = fc_vol_garch_step(g, sigma2[t - 1], r[t - 1]);
    return FC_OK;
}

/* ---- realised volatility --------------------------------------------------
 */

fc_err fc_vol_realised(const double *r, int n, int window, double *vol)
{
    if (n < 0 || window < 1)
        return FC_EINVAL;
    for (int t = 0; t <= n; t++) {
        int from = t > window ? t - window : 0;
        int m = t - from;
        double mean = 0.0, ss = 0.0;

        if (m == 0) {
            vol[t] = 0.0;
            continue;
        }
        /* Two passes: a sum of squares minus a squared sum cancels
         * catastrophically at daily-return magnitudes. */
        for (int i = from; i < t; i++)
            mean += r[i];
        mean /= m;
        for (int i = from; i < t; i++)
            ss += (r[i] - mean) * (r[i] - mean);
        vol[t] = sqrt(ss / m);
    }
    return FC_OK;
}

/* ---- the normal distribution ----------------------------------------------
 */

double fc_vol_norm_cdf(double x)
{
    return 0.5 * erfc(-x / SQRT2);
}

/* Phi^-1(p) for 0 < p <= 1/2. Acklam's approximation (2003): a rational
 * function of q = p - 1/2 in the central region and of sqrt(-2 log p) in the
 * tail, relative error below 1.15e-9. One Halley step on f(x) = Phi(x) - p,
 *   x <- x - u / (1 + x u / 2),  u = (Phi(x) - p) / phi(x),
 * triples the number of correct digits. Phi(x) is computed as erfc of a
 * positive argument here (x <= 0), which has no cancellation, so the
 * refined value is accurate to a few ulps. Below p = 1e-300, phi(x)
 * underflows and the approximation is returned as it is. */
static double norm_quantile_lower(double p)
{
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
    double x;

    if (p < 0.02425) {
        double q = sqrt(-2.0 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
             c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else {
        double q = p - 0.5, s = q * q;
        x = (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s +
             a[5]) *
            q /
            (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s +
             1.0);
    }
    if (p >= 1e-300) {
        double e = 0.5 * erfc(-x / SQRT2) - p;
        double u = e * SQRT_2PI * exp(0.5 * x * x);
        x = x - u / (1.0 + 0.5 * x * u);
    }
    return x;
}

double fc_vol_norm_quantile(double p)
{
    if (isnan(p))
        return p;
    if (p <= 0.0)
        return -HUGE_VAL;
    if (p >= 1.0)
        return HUGE_VAL;
    /* 1 - p is exact for p in [1/2, 1) (Sterbenz), so the upper half is the
     * mirror of the lower one with no loss. */
    if (p > 0.5)
        return -norm_quantile_lower(1.0 - p);
    return norm_quantile_lower(p);
}

fc_err fc_vol_gaussian_bands(const double *sigma2, int n, double level,
                             double *lower, double *upper)
{
    if (n < 0 || !(level > 0.0 && level < 1.0))
        return FC_EINVAL;
    for (int i = 0; i < n; i++)
        if (!(sigma2[i] >= 0.0) || !isfinite(sigma2[i]))
            return FC_EINVAL;
    double z = fc_vol_norm_quantile(0.5 * (1.0 + level));
    for (int i = 0; i < n; i++) {
        double h = z * sqrt(sigma2[i]);
        lower[i] = -h;
        upper[i] = h;
    }
    return FC_OK;
}
