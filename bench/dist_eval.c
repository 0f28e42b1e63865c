/* bench/dist_eval.c — a preset's prediction intervals against the risk
 * desk's yardsticks, on the test days of each CSV (the last 20 %; a
 * measurement, not a test).
 *
 * Per CSV: train the preset (default "default") with 2 threads and print
 * the scores fc_train itself keeps (struct fc_interval_scores of the rows
 * "model", "ewma" and "garch": log-return space, the same days for all
 * three, GARCH(1,1) fitted on the training part only, EWMA 0.94): the
 * model's coverage at 80 % (all days, calm, middle and volatile thirds by
 * trailing 20-day realised volatility), at 95 %, and of the close 5
 * sessions ahead at 80 %; its mean interval score over GARCH's and EWMA's
 * at 80 % and 95 %; Kupiec's and Christoffersen's p-values of its 95 %
 * misses and the share of the days right after a miss that are misses
 * too ("again": above the miss rate when they cluster); GARCH's coverage (80 %,
 * volatile third, 95 %, 5 ahead); point RMSE over naive's; training seconds;
 * and, over every bar, the largest share of a calendar year's days the anomaly
 * scan flags at |z| >= 3. A last line counts the rows whose 95 % misses are
 * dependent (Christoffersen p < 0.05) and, of those, clustered.
 *
 *   build/bench_dist_eval [--before YYYY-MM-DD] [--head F] [--pieces N]
 *       [--variants 1|2|3] [--preset NAME] [--window N] [--units N] [--lr X]
 *       [--epochs N] [--ensemble K] [--winsor X] [--df X] [--features a,b,...]
 *       [--garch-power P] [--seed N] [--pairs 1] FILE.csv [FILE.csv ...]
 * --before keeps only the bars before that day and --head the first share
 * F of them (for choosing settings on data before the test period);
 * --pieces scores each consecutive piece of N of those bars as a history
 * of its own (NAME_0, NAME_1, ...: short histories); --pairs 1 prints,
 * for the model and GARCH, the test days that are a 95 % miss right after
 * another, by month; --df
 * > 0 switches to the Student-t loss; --garch-power sets the GARCH base
 * (model.h, 0 = none); --variants replays recalibration
 * rules on each trained model's test days (1: all, 2: the fixed validation
 * quantiles and the adopted rule with and without its shrinking; 3: those
 * and the other shrunk quantiles, n0 in struct variant) and prints their
 * medians and worst files. Rows the ingest refuses (e.g. an open of 0 below the
 * low in the oldest Yahoo rows) are left out, as POST
 * /series/{ticker}/bars?on_error=skip does; how many goes to stderr. */
#include "anomaly.h"
#include "ingest.h"
#include "model.h"
#include "train.h"
#include "volatility.h"
#include "interval_score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    struct fc_interval_scores m, g, e;
    double rmse_ratio;
    double seconds;
    double worst_year; /* largest share of a year's days at |z| >= 3 */
    int worst_yr, n;
};

/* The largest share of any calendar year's checked days that the anomaly
 * scan flags at |z| >= 3, over every bar the model can forecast. */
static int worst_year(const struct fc_model *m, const struct fc_bar *bars,
                      int n_bars, double *share, int *year)
{
    struct fc_anomaly_scan a;
    struct fc_diag d;
    int days[400] = {0}, hits[400] = {0};
    char date[11];

    fc_diag_init(&d);
    if (fc_anomaly_scan(m, bars, n_bars, 0, n_bars, 3.0, &a, &d) != FC_OK)
        return -1;
    for (int t = fc_model_min_bars(m); t < n_bars; t++) {
        fc_day_format(bars[t].day, date);
        int y = atoi(date) - 1800;
        if (y >= 0 && y < 400)
            days[y]++;
    }
    for (int i = 0; i < a.n; i++) {
        fc_day_format(a.v[i].day, date);
        int y = atoi(date) - 1800;
        if (y >= 0 && y < 400)
            hits[y]++;
    }
    *share = 0.0;
    *year = 0;
    for (int y = 0; y < 400; y++)
        if (days[y] >= 20 && (double)hits[y] / days[y] > *share) {
            *share = (double)hits[y] / days[y];
            *year = y + 1800;
        }
    fc_anomaly_scan_fini(&a);
    return 0;
}

/* The good rows of the CSV file at path, ascending (see above). */
static int read_bars(const char *path, struct fc_bar **bars, int *n_bars)
{
    struct fc_batch b;
    struct fc_diag d;
    char *text = NULL;
    long len = 0;
    FILE *f = fopen(path, "rb");
    int rc = -1;

    fc_diag_init(&d);
    fc_batch_init(&b);
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto done;
    text = malloc((size_t)len + 1);
    if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len)
        goto done;
    if (fc_ingest_parse_csv(text, (size_t)len, &b, &d) != FC_OK ||
        fc_batch_sort(&b) != FC_OK) {
        fprintf(stderr, "%s: %s\n", path, d.msg);
        goto done;
    }
    if (b.n_bad_rows > 0)
        fprintf(stderr, "%s: %d of %d rows left out (first: row %d, %s)\n",
                path, b.n_bad_rows, b.n_rows, b.errs[0].row, b.errs[0].message);
    *bars = b.bars;
    *n_bars = b.n_bars;
    b.bars = NULL;
    rc = 0;
done:
    if (f != NULL)
        fclose(f);
    free(text);
    fc_batch_fini(&b);
    return rc;
}

/* ---- variants of the test days' intervals (--variants) --------------------
 * Online recalibrations of a trained model's intervals, replayed on the
 * model's own mu and sigma: each test day's interval uses only the days
 * before it. lam: z is divided by s, s^2 an EWMA (decay lam) of past z^2
 * from 1 at the first validation day (0 = off); win: the quantiles come
 * from the last win rescaled z (validation and realised test days; 0 =
 * the validation days only); gamma: adaptive conformal (Gibbs & Candes
 * 2021) step on each tail's miss rate (0 = off); gw: the scale is the
 * forecast combination sigma^(1 - gw) garch_sd^gw of the model's and
 * GARCH(1,1)'s (0 = the model's own; 1 = GARCH's sigma under the same
 * recalibration, which starts from the model's validation residuals: the
 * model stores no validation sigma to restandardise them with). */
struct variant {
    double lam;
    int win;
    double gamma;
    double fast; /* > 0: s^2 is the larger of the EWMA of decay lam and
                    one of decay fast (quicker after a shock) */
    double gw;
    double n0; /* > 0: each quantile is shrunk toward the Gaussian one
                  times the pool's rms with weight n0 / (n + n0), n the
                  pool's size (few held-out days pin a 2.5 % tail poorly);
                  < 0: the Gaussian one alone; 0: off */
};
static const struct variant variants[] = {
    {0, 0, 0, 0, 0, 0},           {0.94, 0, 0, 0, 0, 0},
    {0.97, 0, 0, 0, 0, 0},        {0.985, 0, 0, 0, 0, 0},
    {0.99, 0, 0, 0, 0, 0},        {0, 500, 0, 0, 0, 0},
    {0, -1, 0, 0, 0, 0},          {0.97, 500, 0, 0, 0, 0},
    {0.97, -1, 0, 0, 0, 0},       {0.985, -1, 0, 0, 0, 0},
    {0, 0, 0.005, 0, 0, 0},       {0.97, 0, 0.005, 0, 0, 0},
    {0.985, 0, 0.005, 0, 0, 0},   {0.97, -1, 0.005, 0, 0, 0},
    {0.97, 0, 0.002, 0, 0, 0},    {0, 0, 0.01, 0, 0, 0},
    {0.985, 0, 0.01, 0, 0, 0},    {0.985, -1, 0.01, 0, 0, 0},
    {0.985, 500, 0.005, 0, 0, 0}, {0.985, -1, 0, 0.94, 0, 0},
    {0.985, -1, 0, 0.9, 0, 0},    {0.985, -1, 0, 0.8, 0, 0},
    {0.985, -1, 0, 0.7, 0, 0},    {0.97, -1, 0, 0.8, 0, 0},
    {0.985, -1, 0, 0, 0.25, 0},   {0.985, -1, 0, 0, 0.5, 0},
    {0.985, -1, 0, 0, 0.75, 0},   {0.985, -1, 0, 0, 1, 0},
    {0.985, -1, 0, 0, 0, -1},     {0.985, -1, 0, 0, 0, 100},
    {0.985, -1, 0, 0, 0, 250},    {0.985, -1, 0, 0, 0, 1000},
};
#define N_VAR ((int)(sizeof variants / sizeof variants[0]))
/* The first of the shrunk quantiles' variants (--variants 3). */
#define FIRST_N0 (N_VAR - 4)
/* The variant adapt.h implements (the model's own intervals), and the same
 * without the shrinking. */
#define CHOSEN (FIRST_N0 + 1)
#define UNSHRUNK 9

/* The files whose variants are replayed (the rest are only scored). */
#define MAX_FILES 512

/* Whether --variants mode replays variant k: 1 all, 2 the first, the
 * chosen one and it unshrunk, 3 those and the other shrunk quantiles. */
static int replayed(int mode, int k)
{
    return mode == 1 || k == 0 || k == CHOSEN || k == UNSHRUNK ||
           (mode == 3 && k >= FIRST_N0);
}

struct vres {
    double cov80, third[3], cov95, is80g, is95g, chr;
};
static struct vres vtab[MAX_FILES][N_VAR];
static char vname[MAX_FILES][16];
static double vh5[MAX_FILES], vgh5[MAX_FILES];
static int n_vtab;

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The order statistic of sorted v[0..n) at tail probability p (lower) as
 * fc_conformal_bounds takes it. */
static double q_lo(const float *v, int n, double p)
{
    long k = (long)floor((n + 1) * p + 1e-9);
    k = k < 1 ? 1 : k > n ? n : k;
    return v[k - 1];
}
static double q_hi(const float *v, int n, double p)
{
    long k = (long)ceil((n + 1) * (1.0 - p) - 1e-9);
    k = k < 1 ? 1 : k > n ? n : k;
    return v[k - 1];
}

static void replay(const struct fc_model *m, const struct fc_eval *ev,
                   const struct variant *v, struct vres *out)
{
    int nv = m->n_resid, n = ev->n - ev->cover_from, cap = nv + n + 1;
    float *pool = malloc((size_t)cap * sizeof *pool);
    float *srt = malloc((size_t)cap * sizeof *srt);
    double *buf = malloc((size_t)n * 8 * sizeof *buf);
    unsigned char *dummy = NULL;
    double *y = buf, *key = y + n, *l80 = key + n, *u80 = l80 + n;
    double *l95 = u80 + n, *u95 = l95 + n, *gs = u95 + n;
    double s2 = 1.0, s2s = 1.0, s2f = 1.0, a[4] = {0.1, 0.1, 0.025, 0.025};
    double z80 = fc_vol_norm_quantile(0.9), z95 = fc_vol_norm_quantile(0.975);
    int np = 0;
    (void)dummy;
#define FOLD(z)                                                                \
    do {                                                                       \
        if (v->lam > 0)                                                        \
            s2s = v->lam * s2s + (1 - v->lam) * (z) * (z);                     \
        if (v->fast > 0)                                                       \
            s2f = v->fast * s2f + (1 - v->fast) * (z) * (z);                   \
        s2 = v->fast > 0 ? fmax(s2s, s2f) : s2s;                               \
    } while (0)
    for (int i = 0; i < nv; i++) {
        double z = m->resid[i];
        pool[np++] = (float)(z / sqrt(s2));
        FOLD(z);
    }
    for (int i = 0; i < n; i++) {
        int d = ev->cover_from + i;
        int lo = v->win > 0 && np > v->win ? np - v->win : 0;
        int hi = v->win == 0 ? nv : np;
        if (v->win != 0 || i == 0) {
            memcpy(srt, pool + lo, (size_t)(hi - lo) * sizeof *srt);
            qsort(srt, (size_t)(hi - lo), sizeof *srt, cmp_f);
        }
        int k = hi - lo;
        double s = sqrt(s2), mu = ev->mu[d], sd = ev->sigma[d];
        if (v->gw > 0)
            sd = pow(sd, 1 - v->gw) * pow(ev->garch_sd[d], v->gw);
        double q0 = q_lo(srt, k, a[0]), q1 = q_hi(srt, k, a[1]);
        double q2 = q_lo(srt, k, a[2]), q3 = q_hi(srt, k, a[3]);
        if (v->n0 != 0) {
            double ss = 0;
            for (int u = lo; u < hi; u++)
                ss += (double)pool[u] * pool[u];
            double rms = sqrt(ss / k), w0 = v->n0 < 0 ? 1 : v->n0 / (k + v->n0);
            q0 = (1 - w0) * q0 - w0 * z80 * rms;
            q1 = (1 - w0) * q1 + w0 * z80 * rms;
            q2 = (1 - w0) * q2 - w0 * z95 * rms;
            q3 = (1 - w0) * q3 + w0 * z95 * rms;
        }
        if (v->gamma == 0) {
            q0 = fmin(q0, 0), q1 = fmax(q1, 0), q2 = fmin(q2, 0),
            q3 = fmax(q3, 0);
        }
        y[i] = log(ev->actual[d] / ev->naive[d]);
        key[i] = ev->vol20[d];
        l80[i] = mu + s * q0 * sd;
        u80[i] = mu + s * q1 * sd;
        l95[i] = mu + s * q2 * sd;
        u95[i] = mu + s * q3 * sd;
        if (u80[i] < l80[i]) {
            double t = l80[i];
            l80[i] = u80[i];
            u80[i] = t;
        }
        if (u95[i] < l95[i]) {
            double t = l95[i];
            l95[i] = u95[i];
            u95[i] = t;
        }
        gs[i] = ev->garch_sd[d];
        if (v->gamma > 0) {
            a[0] += v->gamma * (0.1 - (y[i] < l80[i]));
            a[1] += v->gamma * (0.1 - (y[i] > u80[i]));
            a[2] += v->gamma * (0.025 - (y[i] < l95[i]));
            a[3] += v->gamma * (0.025 - (y[i] > u95[i]));
        }
        double z = (y[i] - mu) / sd;
        pool[np++] = (float)(z / s);
        FOLD(z);
    }
#undef FOLD
    struct fc_interval_eval e80, e95, g80, g95;
    fc_interval_evaluate(y, l80, u80, key, n, 0.8, &e80);
    fc_interval_evaluate(y, l95, u95, NULL, n, 0.95, &e95);
    for (int i = 0; i < n; i++) {
        l80[i] = -z80 * gs[i], u80[i] = z80 * gs[i];
        l95[i] = -z95 * gs[i], u95[i] = z95 * gs[i];
    }
    fc_interval_evaluate(y, l80, u80, NULL, n, 0.8, &g80);
    fc_interval_evaluate(y, l95, u95, NULL, n, 0.95, &g95);
    out->cov80 = e80.coverage;
    for (int t = 0; t < 3; t++)
        out->third[t] = e80.coverage_third[t];
    out->cov95 = e95.coverage;
    out->is80g = e80.score / g80.score;
    out->is95g = e95.score / g95.score;
    out->chr = e95.christoffersen_p;
    free(pool);
    free(srt);
    free(buf);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double med(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n == 0 ? NAN : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The name of the file at path without directories and ".csv". */
static const char *base(const char *path, char *buf, size_t cap)
{
    const char *b = strrchr(path, '/');
    snprintf(buf, cap, "%s", b ? b + 1 : path);
    char *dot = strrchr(buf, '.');
    if (dot != NULL)
        *dot = '\0';
    return buf;
}

/* Per variant: medians over the files, the worst file per criterion and
 * how many files fail each target (80 % coverage more than 7 points off in
 * a volatility third, 95 % coverage more than 2.5 points off, 95 % misses
 * clustered at p < 0.05). --variants 2 replays the old rule (the fixed
 * validation quantiles) and the adopted one only. */
static void print_variants(int mode)
{
    double a[MAX_FILES], b[MAX_FILES], c[MAX_FILES], w[MAX_FILES];
    printf("\nvariant                           | median IS80/G IS95/G cov80 "
           "cov95 | "
           "worst third |cov-0.8|, |cov95-0.95| | fail third, 95, "
           "clustered (of %d)\n",
           n_vtab);
    for (int k = 0; k < N_VAR; k++) {
        int f3 = 0, f95 = 0, fc = 0, i3 = 0, i95 = 0;
        double wt = -1, w95 = -1;
        if (!replayed(mode, k))
            continue;
        for (int i = 0; i < n_vtab; i++) {
            struct vres *r = &vtab[i][k];
            a[i] = r->is80g, b[i] = r->is95g, c[i] = r->cov80, w[i] = r->cov95;
            double dt = 0;
            for (int t = 0; t < 3; t++)
                dt = fmax(dt, fabs(r->third[t] - 0.8));
            f3 += dt > 0.07;
            f95 += fabs(r->cov95 - 0.95) > 0.025;
            fc += r->chr < 0.05;
            if (dt > wt)
                wt = dt, i3 = i;
            if (fabs(r->cov95 - 0.95) > w95)
                w95 = fabs(r->cov95 - 0.95), i95 = i;
        }
        printf("lam %.3f w %5d g %.3f f %.2f gw %.2f n0 %5.0f | %6.3f %6.3f "
               "%5.3f %5.3f | %5.3f %-5s %5.3f %-5s | %2d %2d %2d\n",
               variants[k].lam, variants[k].win, variants[k].gamma,
               variants[k].fast, variants[k].gw, variants[k].n0, med(a, n_vtab),
               med(b, n_vtab), med(c, n_vtab), med(w, n_vtab), wt, vname[i3],
               w95, vname[i95], f3, f95, fc);
    }
    printf("5 ahead, 80 %%: median model %.3f, GARCH %.3f\n", med(vh5, n_vtab),
           med(vgh5, n_vtab));
}

static int do_variants;
static double head_frac;
static int piece_len;
static int show_pairs;

/* --pairs: the days that are a 95 % miss right after another, the pattern
 * Christoffersen's test counts, for the model and for GARCH(1,1) on the same
 * days, as months with how many such days each. */
static void print_pairs(const char *name, const struct fc_eval *ev)
{
    const double z95 = fc_vol_norm_quantile(0.975);
    for (int who = 0; who < 2; who++) {
        char out[512];
        int len = 0, n_pairs = 0, prev_miss = 0, month = -1, n_month = 0;
        out[0] = '\0';
        for (int d = ev->cover_from; d <= ev->n; d++) {
            int miss = 0, m = -1;
            if (d < ev->n) {
                double y = log(ev->actual[d] / ev->naive[d]);
                miss = who == 0 ? ev->actual[d] < ev->lower95[d] ||
                                      ev->actual[d] > ev->upper95[d]
                                : fabs(y) > z95 * ev->garch_sd[d];
                char day[11];
                fc_day_format(ev->day[d], day);
                m = atoi(day) * 12 + atoi(day + 5) - 1;
            }
            int pair = miss && prev_miss && d > ev->cover_from;
            if ((pair && m != month) || d == ev->n) {
                if (n_month > 0 && len < (int)sizeof out - 16)
                    len += snprintf(out + len, sizeof out - (size_t)len,
                                    " %04d-%02d x%d", month / 12,
                                    month % 12 + 1, n_month);
                month = m, n_month = 0;
            }
            if (pair)
                n_pairs++, n_month++;
            prev_miss = miss;
        }
        printf("%-8.8s back-to-back 95 %% misses, %s: %d%s\n", name,
               who == 0 ? "model" : "GARCH", n_pairs, out);
    }
}

/* Trains hp on bars[0..n_bars) and fills rw; name labels the variants. */
static int run(const char *name, const struct fc_bar *bars, int n_bars,
               const struct fc_hparams *hp, struct row *rw)
{
    struct fc_model *m = NULL;
    struct fc_eval ev;
    struct fc_train_opts o = {0};
    struct fc_diag d;
    int rc = -1, have_ev = 0;

    fc_diag_init(&d);
    o.n_threads = 2;
    if (fc_train(hp, bars, n_bars, &o, &m, &ev, &d) != FC_OK) {
        fprintf(stderr, "%s: %s\n", name, d.msg);
        goto done;
    }
    have_ev = 1;
    struct fc_score_row *rm = fc_scores_row(&ev.scores, "model");
    struct fc_score_row *rg = fc_scores_row(&ev.scores, "garch");
    struct fc_score_row *re = fc_scores_row(&ev.scores, "ewma");
    if (rm == NULL || rg == NULL || re == NULL || rm->iv.n == 0) {
        fprintf(stderr, "%s: intervals not measured\n", name);
        goto done;
    }
    rw->m = rm->iv;
    rw->g = rg->iv;
    rw->e = re->iv;
    rw->n = rm->iv.n;
    rw->rmse_ratio = fc_scores_get(&ev.scores, "model")->rmse /
                     fc_scores_get(&ev.scores, "naive")->rmse;
    rw->seconds = ev.train_seconds;
    if (worst_year(m, bars, n_bars, &rw->worst_year, &rw->worst_yr) != 0)
        rw->worst_year = NAN;
    if (show_pairs)
        print_pairs(name, &ev);
    if (do_variants && n_vtab < MAX_FILES && ev.mu != NULL) {
        for (int k = 0; k < N_VAR; k++)
            if (replayed(do_variants, k))
                replay(m, &ev, &variants[k], &vtab[n_vtab][k]);
        snprintf(vname[n_vtab], sizeof vname[0], "%s", name);
        vh5[n_vtab] = rw->m.coverage80_h5;
        vgh5[n_vtab] = rw->g.coverage80_h5;
        n_vtab++;
    }
    rc = 0;
done:
    if (have_ev)
        fc_eval_fini(&ev);
    fc_model_free(m);
    return rc;
}

/* Rows printed, and of those the ones whose 95 % misses Christoffersen's
 * test finds dependent, and clustered: a miss after a miss more often
 * than misses come at all. */
static int n_rows, n_dependent, n_clustered;

static void print_row(const char *name, const struct row *rw)
{
    const struct fc_interval_scores *m = &rw->m;

    n_rows++;
    if (m->christoffersen95_p < 0.05) {
        n_dependent++;
        n_clustered += m->miss95_after_miss > 1.0 - m->coverage95;
    }
    printf("%-8.8s %5d | %5.3f %5.3f %5.3f %5.3f | %5.3f %5.3f | %6.3f "
           "%6.3f %6.3f %6.3f | %5.3f %5.3f %5.3f | %5.3f %5.3f %5.3f %5.3f | "
           "%6.4f %4.1fs | %5.3f %d\n",
           name, rw->n, rw->m.coverage80, rw->m.coverage80_third[0],
           rw->m.coverage80_third[1], rw->m.coverage80_third[2],
           rw->m.coverage95, rw->m.coverage80_h5, rw->m.score80 / rw->g.score80,
           rw->m.score95 / rw->g.score95, rw->m.score80 / rw->e.score80,
           rw->m.score95 / rw->e.score95, rw->m.kupiec95_p,
           rw->m.christoffersen95_p, rw->m.miss95_after_miss, rw->g.coverage80,
           rw->g.coverage80_third[2], rw->g.coverage95, rw->g.coverage80_h5,
           rw->rmse_ratio, rw->seconds, rw->worst_year, rw->worst_yr);
    fflush(stdout);
}

/* Scores one CSV: its bars (cut by --before and --head) whole, or each
 * consecutive --pieces piece of them as a history of its own. */
static void run_file(const char *path, const struct fc_hparams *hp,
                     int32_t before)
{
    struct fc_bar *bars = NULL;
    int n_bars = 0;
    char name[16];

    if (read_bars(path, &bars, &n_bars) != 0)
        return;
    if (before > 0)
        while (n_bars > 0 && bars[n_bars - 1].day >= before)
            n_bars--;
    if (head_frac > 0)
        n_bars = (int)(n_bars * head_frac);
    base(path, name, sizeof name);
    if (piece_len <= 0) {
        struct row rw = {0};
        if (run(name, bars, n_bars, hp, &rw) == 0)
            print_row(name, &rw);
    }
    for (int k = 0; piece_len > 0 && (k + 1) * piece_len <= n_bars; k++) {
        struct row rw = {0};
        char piece[16];
        snprintf(piece, sizeof piece, "%.8s_%d", name, k % 1000);
        if (run(piece, bars + k * piece_len, piece_len, hp, &rw) == 0)
            print_row(piece, &rw);
    }
    free(bars);
}

int main(int argc, char **argv)
{
    struct fc_hparams hp;
    const char *preset = "default";
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
        } else if (strcmp(k, "--head") == 0) {
            head_frac = atof(v);
        } else if (strcmp(k, "--pairs") == 0) {
            show_pairs = atoi(v);
        } else if (strcmp(k, "--pieces") == 0) {
            piece_len = atoi(v);
        } else if (strcmp(k, "--variants") == 0) {
            do_variants = atoi(v);
        } else if (strcmp(k, "--garch-power") == 0) {
            hp.garch_power = (float)atof(v);
        } else if (strcmp(k, "--seed") == 0) {
            hp.seed = strtoull(v, NULL, 10);
        } else if (strcmp(k, "--window") == 0) {
            hp.window = atoi(v);
        } else if (strcmp(k, "--winsor") == 0) {
            hp.winsor = (float)atof(v);
        } else if (strcmp(k, "--ensemble") == 0) {
            hp.n_ensemble = atoi(v);
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
    printf("%-8s %5s | %5s %5s %5s %5s | %5s %5s | %6s %6s %6s %6s | "
           "%5s %5s %5s | %5s %5s %5s %5s | %6s %5s | %5s\n",
           "ticker", "days", "cov80", "calm", "mid", "vol", "cov95", "h5",
           "IS80/G", "IS95/G", "IS80/E", "IS95/E", "kupP", "chrP", "again",
           "G80", "Gvol", "G95", "Gh5", "rmse/n", "train", "z3yr");
    for (; i < argc; i++)
        run_file(argv[i], &hp, before);
    printf("95 %% misses dependent (chrP < 0.05) on %d of %d, clustered (again "
           "above the miss rate) on %d\n",
           n_dependent, n_rows, n_clustered);
    if (do_variants)
        print_variants(do_variants);
    return 0;
}
