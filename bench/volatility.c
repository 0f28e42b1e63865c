/* bench/volatility.c — the risk desk's yardsticks on real closes: EWMA
 * (0.94) and GARCH(1,1) Gaussian intervals for each day's log return, scored
 * on the last 20 % of days with only earlier returns, as a measurement (not
 * a test) to set beside an independent implementation
 * (bench/volatility_check.py runs both).
 *
 * Protocol, per CSV (Yahoo layout: a header naming Date and Close; rows with
 * a missing or non-positive close, or a date not after the previous one, are
 * skipped): r[k] = log(close[k+1] / close[k]); the last floor(n / 5) returns
 * are the test days; GARCH is fitted on the last 2,500 training returns (or
 * all, if fewer) and filtered from the start of that window; EWMA is seeded
 * with the mean square of the last 250 training returns and run from there;
 * the volatility key is the trailing 20-day realised volatility. Prints one
 * line of key=value pairs per ticker and model.
 *
 *   build/bench_volatility FILE.csv [FILE.csv ...] */
#include "interval_score.h"
#include "volatility.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GARCH_WINDOW 2500
#define EWMA_WINDOW 250
#define VOL_WINDOW 20
/* Enough for a GARCH fit on the training 80 % (FC_VOL_GARCH_MIN_FIT). */
#define MIN_CLOSES 1000

/* The closes of a CSV into a grown array; returns the count, -1 on error. */
static int read_closes(const char *path, double **out)
{
    FILE *f = fopen(path, "r");
    char line[1024], prev_date[64] = "";
    int date_col = -1, close_col = -1, n = 0, cap = 0;
    double *c = NULL;

    if (f == NULL)
        return -1;
    if (fgets(line, sizeof line, f) != NULL) {
        int col = 0;
        for (char *tok = strtok(line, ",\r\n"); tok != NULL;
             tok = strtok(NULL, ",\r\n"), col++) {
            if (strcmp(tok, "Date") == 0)
                date_col = col;
            else if (strcmp(tok, "Close") == 0)
                close_col = col;
        }
    }
    if (date_col < 0 || close_col < 0) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        const char *date = NULL, *close = NULL;
        int col = 0;
        for (char *p = line, *tok; p != NULL; col++) {
            tok = p;
            p = strpbrk(p, ",\r\n");
            if (p != NULL)
                *p++ = '\0';
            if (col == date_col)
                date = tok;
            if (col == close_col)
                close = tok;
        }
        if (date == NULL || close == NULL || strlen(date) >= sizeof prev_date)
            continue;
        char *end;
        double x = strtod(close, &end);
        if (end == close || !(x > 0.0) || !isfinite(x) ||
            strcmp(date, prev_date) <= 0)
            continue;
        if (n == cap) {
            int cap2 = cap ? 2 * cap : 4096;
            double *c2 = realloc(c, (size_t)cap2 * sizeof *c2);
            if (c2 == NULL) {
                free(c);
                fclose(f);
                return -1;
            }
            c = c2;
            cap = cap2;
        }
        c[n++] = x;
        strcpy(prev_date, date);
    }
    fclose(f);
    *out = c;
    return n;
}

static void report(const char *ticker, const char *model, const double *y,
                   const double *s2, const double *vol, int n, double *lo,
                   double *hi)
{
    struct fc_interval_eval e80, e95;

    if (fc_vol_gaussian_bands(s2, n, 0.8, lo, hi) != FC_OK ||
        fc_interval_evaluate(y, lo, hi, vol, n, 0.8, &e80) != FC_OK ||
        fc_vol_gaussian_bands(s2, n, 0.95, lo, hi) != FC_OK ||
        fc_interval_evaluate(y, lo, hi, vol, n, 0.95, &e95) != FC_OK) {
        printf("%s %s failed\n", ticker, model);
        return;
    }
    printf("%s %s cov80=%.4f calm80=%.4f mid80=%.4f wild80=%.4f cov95=%.4f "
           "is80=%.6g is95=%.6g kupiec80=%.4g kupiec95=%.4g indep80=%.4g "
           "indep95=%.4g\n",
           ticker, model, e80.coverage, e80.coverage_third[FC_THIRD_CALM],
           e80.coverage_third[FC_THIRD_MIDDLE],
           e80.coverage_third[FC_THIRD_VOLATILE], e95.coverage, e80.score,
           e95.score, e80.kupiec_p, e95.kupiec_p, e80.christoffersen_p,
           e95.christoffersen_p);
}

static int one(const char *path)
{
    double *c = NULL, *r = NULL, *s2 = NULL, *vol = NULL, *lo = NULL;
    double *hi = NULL;
    char ticker[64];
    const char *base = strrchr(path, '/');
    int n_c = read_closes(path, &c), rc = 1;

    base = base ? base + 1 : path;
    snprintf(ticker, sizeof ticker, "%.*s", (int)strcspn(base, "."), base);
    if (n_c < MIN_CLOSES) {
        printf("%s skipped: %d closes\n", ticker, n_c);
        goto done;
    }
    int n = n_c - 1, n_test = n / 5, n_train = n - n_test;
    r = malloc((size_t)n * sizeof *r);
    s2 = malloc((size_t)(n + 1) * sizeof *s2);
    vol = malloc((size_t)(n + 1) * sizeof *vol);
    lo = malloc((size_t)n * sizeof *lo);
    hi = malloc((size_t)n * sizeof *hi);
    if (!r || !s2 || !vol || !lo || !hi)
        goto done;
    for (int k = 0; k < n; k++)
        r[k] = log(c[k + 1] / c[k]);
    if (fc_vol_realised(r, n, VOL_WINDOW, vol) != FC_OK)
        goto done;

    int g0 = n_train > GARCH_WINDOW ? n_train - GARCH_WINDOW : 0;
    struct fc_vol_garch g;
    if (fc_vol_garch_fit(r + g0, n_train - g0, &g) != FC_OK ||
        fc_vol_garch_filter(&g, r + g0, n - g0, s2) != FC_OK)
        goto done;
    printf("%s test_days=%d garch_omega=%.4g garch_alpha=%.4f "
           "garch_beta=%.4f garch_fitted=%d garch_nll=%.8f\n",
           ticker, n_test, g.omega, g.alpha, g.beta, g.fitted, g.nll);
    /* s2[t - g0] is the variance of r[t]. */
    report(ticker, "garch", r + n_train, s2 + (n_train - g0), vol + n_train,
           n_test, lo, hi);

    int e0 = n_train - EWMA_WINDOW;
    if (fc_vol_ewma(r + e0, n - e0, FC_VOL_EWMA_LAMBDA,
                    fc_vol_mean_square(r + e0, EWMA_WINDOW), s2) != FC_OK)
        goto done;
    report(ticker, "ewma", r + n_train, s2 + EWMA_WINDOW, vol + n_train, n_test,
           lo, hi);
    rc = 0;
done:
    free(c);
    free(r);
    free(s2);
    free(vol);
    free(lo);
    free(hi);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.csv [FILE.csv ...]\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        rc |= one(argv[i]);
    return rc;
}
