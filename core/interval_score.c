/* interval_score.c — coverage, interval score, volatility thirds, Kupiec and
 * Christoffersen. The likelihood ratios are written with 0 log 0 = 0, which
 * is the limit of p log p and the value a likelihood with no events in that
 * cell has; it is what keeps "no misses" and "all misses" finite. */
#include "interval_score.h"

#include <math.h>
#include <stdlib.h>

double fc_interval_score(double y, double lower, double upper, double a)
{
    double s = upper - lower;

    if (y < lower)
        s += 2.0 / a * (lower - y);
    if (y > upper)
        s += 2.0 / a * (y - upper);
    return s;
}

double fc_chi2_1_sf(double x)
{
    if (!(x > 0.0))
        return 1.0;
    return erfc(sqrt(0.5 * x));
}

/* k log p, with 0 log 0 = 0. */
static double xlogp(double k, double p)
{
    return k > 0.0 ? k * log(p) : 0.0;
}

double fc_interval_kupiec_p(int n, int n_miss, double a)
{
    if (!(a > 0.0 && a < 1.0) || n_miss < 0 || n_miss > n)
        return NAN;
    if (n <= 0)
        return 1.0;
    double x = n_miss, m = n - n_miss, phat = x / n;
    double ll0 = xlogp(m, 1.0 - a) + xlogp(x, a);
    double ll1 = xlogp(m, 1.0 - phat) + xlogp(x, phat);
    return fc_chi2_1_sf(-2.0 * (ll0 - ll1));
}

/* The independence test from transition counts n[i][j] (i followed by j). */
static double christoffersen_counts(const long n[2][2])
{
    double n00 = (double)n[0][0], n01 = (double)n[0][1];
    double n10 = (double)n[1][0], n11 = (double)n[1][1];
    double tot = n00 + n01 + n10 + n11;

    if (tot <= 0.0 || n01 + n11 <= 0.0 || n00 + n10 <= 0.0)
        return 1.0;
    double pi = (n01 + n11) / tot;
    double ll0 = xlogp(n00 + n10, 1.0 - pi) + xlogp(n01 + n11, pi);
    double ll1 = 0.0;
    if (n00 + n01 > 0.0) {
        double p01 = n01 / (n00 + n01);
        ll1 += xlogp(n00, 1.0 - p01) + xlogp(n01, p01);
    }
    if (n10 + n11 > 0.0) {
        double p11 = n11 / (n10 + n11);
        ll1 += xlogp(n10, 1.0 - p11) + xlogp(n11, p11);
    }
    return fc_chi2_1_sf(-2.0 * (ll0 - ll1));
}

double fc_interval_christoffersen_p(const unsigned char *miss, int n)
{
    long cnt[2][2] = {{0, 0}, {0, 0}};

    for (int t = 1; t < n; t++)
        cnt[miss[t - 1] != 0][miss[t] != 0]++;
    return christoffersen_counts(cnt);
}

struct keyed {
    double key;
    int day;
};

static int cmp_keyed(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;

    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->day > b->day) - (a->day < b->day);
}

fc_err fc_interval_evaluate(const double *y, const double *lower,
                            const double *upper, const double *key, int n,
                            double level, struct fc_interval_eval *out)
{
    struct fc_interval_eval ev = {0};
    struct keyed *order = NULL;
    long cnt[2][2] = {{0, 0}, {0, 0}};
    double a = 1.0 - level, sum = 0.0;
    int prev = 0;

    if (n < 0 || !(level > 0.0 && level < 1.0))
        return FC_EINVAL;
    for (int i = 0; i < n; i++) {
        if (!isfinite(y[i]) || !isfinite(lower[i]) || !isfinite(upper[i]) ||
            lower[i] > upper[i] || (key != NULL && !isfinite(key[i])))
            return FC_EINVAL;
    }
    ev.n = n;
    ev.level = level;
    for (int i = 0; i < n; i++) {
        int miss = y[i] < lower[i] || y[i] > upper[i];
        ev.n_miss += miss;
        sum += fc_interval_score(y[i], lower[i], upper[i], a);
        if (i > 0)
            cnt[prev][miss]++;
        prev = miss;
    }
    ev.coverage = n > 0 ? 1.0 - (double)ev.n_miss / n : NAN;
    ev.score = n > 0 ? sum / n : NAN;
    ev.kupiec_p = fc_interval_kupiec_p(n, ev.n_miss, a);
    ev.christoffersen_p = christoffersen_counts(cnt);
    ev.miss_after_miss =
        cnt[1][0] + cnt[1][1] > 0
            ? (double)cnt[1][1] / (double)(cnt[1][0] + cnt[1][1])
            : NAN;
    for (int k = 0; k < 3; k++)
        ev.coverage_third[k] = ev.score_third[k] = NAN;

    if (key != NULL && n > 0) {
        order = malloc((size_t)n * sizeof *order);
        if (order == NULL)
            return FC_ENOMEM;
        for (int i = 0; i < n; i++) {
            order[i].key = key[i];
            order[i].day = i;
        }
        qsort(order, (size_t)n, sizeof *order, cmp_keyed);
        int k3 = n / 3;
        int hits[3] = {0, 0, 0};
        double s3[3] = {0.0, 0.0, 0.0};
        for (int r = 0; r < n; r++) {
            int i = order[r].day;
            int t = r < k3        ? FC_THIRD_CALM
                    : r >= n - k3 ? FC_THIRD_VOLATILE
                                  : FC_THIRD_MIDDLE;
            ev.n_third[t]++;
            hits[t] += y[i] >= lower[i] && y[i] <= upper[i];
            s3[t] += fc_interval_score(y[i], lower[i], upper[i], a);
        }
        for (int t = 0; t < 3; t++) {
            if (ev.n_third[t] > 0) {
                ev.coverage_third[t] = (double)hits[t] / ev.n_third[t];
                ev.score_third[t] = s3[t] / ev.n_third[t];
            }
        }
        free(order);
    }
    *out = ev;
    return FC_OK;
}
