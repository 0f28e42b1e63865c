/* train.c — the training loop: windows, mini-batches, data-parallel
 * gradients, Adam, early stopping, and the held-out evaluation.
 *
 * Inputs are prepared once: the scaled feature rows of every bar in one
 * [n_bars x n_feat] array, so the window for target t is the contiguous block
 * of rows t-window .. t-1 and gathering a batch is one memcpy per window.
 * Each worker k of a batch gathers its slice, zeroes its own gradient buffer
 * and runs fc_lstm_grad with a dropout stream derived from (seed, epoch,
 * batch, k); the buffers are then summed in worker order and Adam steps,
 * both split across the same workers by slices of the parameter vector
 * (element-wise, so the bits do not depend on the split). Nothing here
 * allocates per batch. */
#include "train.h"
#include "adam.h"
#include "adapt.h"
#include "interval_score.h"
#include "pool.h"
#include "rng.h"
#include "simd.h"
#include "volatility.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORKERS 64
#define EVAL_CHUNK 256

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Between batches, test days and the steps of the scoring after training:
 * the caller's on_tick, then FC_ECANCELLED when cancel is raised. */
static fc_err tick(const struct fc_train_opts *opts)
{
    if (opts == NULL)
        return FC_OK;
    if (opts->on_tick)
        opts->on_tick(opts->ctx);
    return opts->cancel && atomic_load(opts->cancel) ? FC_ECANCELLED : FC_OK;
}

/* ceil(frac * n), robust to 0.8 * 1000 = 800.0000000001. */
static int ceil_share(double frac, int n)
{
    return (int)ceil(frac * n - 1e-9);
}

fc_err fc_train_split(const struct fc_hparams *hp, int n_bars,
                      struct fc_split *out, struct fc_diag *d)
{
    struct fc_split s;
    int s0 = fc_hparams_uses_log_return(hp);

    s.n_bars = n_bars;
    s.first = s0 + hp->window;
    s.train_end = ceil_share(1.0 - hp->test_frac - hp->val_frac, n_bars);
    s.val_end = ceil_share(1.0 - hp->test_frac, n_bars);
    if (s.val_end > n_bars)
        s.val_end = n_bars;
    s.test_from = s.val_end;
    if (s.train_end - s.first < 2 ||
        (hp->test_frac > 0 && s.val_end >= n_bars) ||
        (hp->val_frac > 0 && s.val_end <= s.train_end)) {
        /* The smallest n for which every part is non-empty. */
        double train_share = 1.0 - hp->test_frac - hp->val_frac;
        int need = (int)ceil((s.first + 2) / train_share) + 2;
        return fc_diag_set(d, FC_EINVAL,
                           "too few bars: %d, this configuration needs at "
                           "least %d",
                           n_bars, need);
    }
    *out = s;
    return FC_OK;
}

/* A fold's split: test [test_from, n_bars); training and validation share
 * the bars before test_from - gap in the proportions the hyperparameters give
 * them; the gap is seen by nothing. */
static fc_err split_before(const struct fc_hparams *hp, int n_bars,
                           int test_from, int gap, struct fc_split *out,
                           struct fc_diag *d)
{
    struct fc_split s;
    int usable = test_from - gap;
    double val_share = hp->val_frac / (1.0 - hp->test_frac);

    s.n_bars = n_bars;
    s.first = fc_hparams_uses_log_return(hp) + hp->window;
    s.val_end = usable;
    s.train_end = ceil_share(1.0 - val_share, usable);
    s.test_from = test_from;
    if (gap < 0 || test_from >= n_bars || s.train_end - s.first < 2 ||
        (hp->val_frac > 0 && s.val_end <= s.train_end))
        return fc_diag_set(d, FC_EINVAL,
                           "too few bars before the fold starting at bar %d "
                           "(gap %d)",
                           test_from, gap);
    *out = s;
    return FC_OK;
}

/* MinMax fit over rows [from, to) of a column. */
static void fit_minmax(const double *col, int stride, int from, int to,
                       double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (int t = from; t < to; t++) {
        double v = col[(size_t)t * stride];
        if (v < a)
            a = v;
        if (v > b)
            b = v;
    }
    *lo = a;
    *hi = b;
}

struct job {
    const struct fc_lstm *net;
    struct fc_lstm_ws *ws[MAX_WORKERS];
    float *grad[MAX_WORKERS];
    float *xb[MAX_WORKERS]; /* [slice][window][n_feat] */
    float *yb[MAX_WORKERS]; /* [slice] */
    double sse[MAX_WORKERS];
    fc_err rc[MAX_WORKERS];
    const float *x; /* [n_bars][n_feat] scaled */
    const float *y; /* [n_bars] scaled target */
    const int *idx; /* this batch's target indices */
    int n;          /* this batch's size */
    int n_workers;
    int window, n_feat;
    size_t n_params;
    float dropout;
    float inv_n;
    int nll;   /* distributional loss (fc_lstm_grad_nll) */
    double df; /* its Student-t degrees of freedom, 0 = normal */
    uint64_t seed;
    uint64_t step;        /* global batch counter, for the rng stream */
    struct fc_adam *adam; /* the run's optimiser; workers step slices */
    float *params;        /* the net's parameters [n_params] */
    float scale;          /* gradient clipping factor, 1 = none */
    int step_too;         /* reduce_worker also runs Adam */
};

static void batch_worker(void *ctx, int k)
{
    struct job *j = ctx;
    int lo = k * j->n / j->n_workers, hi = (k + 1) * j->n / j->n_workers;
    size_t win = (size_t)j->window * (size_t)j->n_feat;
    struct fc_rng rng;

    memset(j->grad[k], 0, j->n_params * sizeof(float));
    j->sse[k] = 0.0;
    j->rc[k] = FC_OK;
    if (hi <= lo)
        return;
    for (int i = lo; i < hi; i++) {
        int t = j->idx[i];
        memcpy(j->xb[k] + (size_t)(i - lo) * win,
               j->x + (size_t)(t - j->window) * j->n_feat, win * sizeof(float));
        j->yb[k][i - lo] = j->y[t];
    }
    fc_rng_init(&rng, fc_rng_derive(j->seed, j->step, (uint64_t)k));
    if (j->nll)
        j->rc[k] = fc_lstm_grad_nll(j->net, j->ws[k], j->xb[k], j->yb[k],
                                    hi - lo, j->window, j->dropout, &rng,
                                    j->inv_n, j->df, j->grad[k], &j->sse[k]);
    else
        j->rc[k] = fc_lstm_grad(j->net, j->ws[k], j->xb[k], j->yb[k], hi - lo,
                                j->window, j->dropout, &rng, j->inv_n,
                                j->grad[k], &j->sse[k]);
}

FC_CLONES
static void add_into(float *restrict acc, const float *restrict g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        acc[i] += g[i];
}

FC_CLONES
static void scale_by(float *g, size_t n, float f)
{
    for (size_t i = 0; i < n; i++)
        g[i] *= f;
}

/* The factor that brings g's global L2 norm down to max_norm, or 1. */
static float clip_factor(const float *g, size_t n, float max_norm)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    double norm = sqrt(s);
    if (norm > (double)max_norm && norm > 0.0)
        return (float)((double)max_norm / norm);
    return 1.0f;
}

/* Worker k's slice [lo, hi) of the parameter vector: whole 64-byte lines
 * (the buffers are 64-byte aligned), so no two workers write one line. */
static void param_slice(const struct job *j, int k, size_t *lo, size_t *hi)
{
    size_t lines = (j->n_params + 15) / 16, nw = (size_t)j->n_workers;
    *lo = 16 * (lines * (size_t)k / nw);
    *hi = 16 * (lines * (size_t)(k + 1) / nw);
    if (*hi > j->n_params)
        *hi = j->n_params;
    if (*lo > *hi)
        *lo = *hi;
}

/* Adam on worker k's slice: the optimiser is element-wise, so slices give
 * the bits the whole vector would. A copy of the optimiser's struct points
 * at the slice; the caller advances the shared step count afterwards. */
static void step_slice(struct job *j, int k)
{
    size_t lo, hi;
    struct fc_adam a = *j->adam;

    param_slice(j, k, &lo, &hi);
    if (j->scale != 1.0f)
        scale_by(j->grad[0] + lo, hi - lo, j->scale);
    a.m += lo;
    a.v += lo;
    a.n = hi - lo;
    fc_adam_step(&a, j->params + lo, j->grad[0] + lo);
}

/* The gradient sum grad[0] += grad[1] + ... in worker order (as one thread
 * would add them, so the bits do not depend on who adds), each worker its
 * slice; then Adam on the slice when step_too. Serial, the sum and Adam
 * were about a tenth of a two-thread epoch. */
static void reduce_worker(void *ctx, int k)
{
    struct job *j = ctx;
    size_t lo, hi;

    param_slice(j, k, &lo, &hi);
    for (int w = 1; w < j->n_workers; w++)
        add_into(j->grad[0] + lo, j->grad[w] + lo, hi - lo);
    if (j->step_too)
        step_slice(j, k);
}

static void step_worker(void *ctx, int k)
{
    step_slice(ctx, k);
}

/* Mean squared error (scaled) of the net over targets [t0, t1), or with
 * df >= 0 (a distributional net) the mean negative log-likelihood. */
static fc_err eval_loss(const struct fc_lstm *net, struct fc_lstm_ws *ws,
                        float *xb, const float *x, const float *y, int t0,
                        int t1, int window, int n_feat, double df, double *loss)
{
    size_t win = (size_t)window * (size_t)n_feat;
    float out[2 * EVAL_CHUNK];
    double se = 0.0;

    for (int t = t0; t < t1; t += EVAL_CHUNK) {
        int nb = t1 - t < EVAL_CHUNK ? t1 - t : EVAL_CHUNK;
        for (int b = 0; b < nb; b++)
            memcpy(xb + (size_t)b * win, x + (size_t)(t + b - window) * n_feat,
                   win * sizeof(float));
        fc_err rc = fc_lstm_predict(net, ws, xb, nb, window, out);
        if (rc != FC_OK)
            return rc;
        for (int b = 0; b < nb; b++) {
            if (df >= 0.0) {
                se += fc_lstm_nll(y[t + b], out[2 * b], out[2 * b + 1], df,
                                  NULL, NULL);
            } else {
                double e = (double)out[b] - y[t + b];
                se += e * e;
            }
        }
    }
    *loss = t1 > t0 ? se / (t1 - t0) : NAN;
    return FC_OK;
}

/* The baselines' one-step forecasts of close[t]: drift compounds the mean
 * training log return, sma14 averages the 14 closes before t (fewer at the
 * very start of a series). */
static double drift_forecast(const struct fc_bar *bars, int t, double mu)
{
    return bars[t - 1].close * exp(mu);
}

static double sma14_forecast(const struct fc_bar *bars, int t)
{
    int from = t >= 14 ? t - 14 : 0;
    double sum = 0.0;
    for (int i = from; i < t; i++)
        sum += bars[i].close;
    return sum / (t - from);
}

/* Scores the days of ev (actual, the model's and the baselines' forecasts)
 * into the rows of s, directions measured from the previous close. */
static void score_days(const struct fc_eval *ev, double mase_scale,
                       struct fc_scores *s)
{
    const struct {
        const char *name;
        const double *pred;
    } fc[] = {{"model", ev->predicted},
              {"naive", ev->naive},
              {"drift", ev->drift},
              {"sma14", ev->sma14}};

    for (size_t k = 0; k < sizeof fc / sizeof fc[0]; k++) {
        struct fc_metrics *m = fc_scores_add(s, fc[k].name);
        if (m != NULL)
            fc_metrics_compute(ev->actual, fc[k].pred, ev->naive, ev->n,
                               mase_scale, m);
    }
    s->skill = fc_scores_skill(s);
}

static fc_err evaluate(const struct fc_model *m, const struct fc_bar *bars,
                       const struct fc_split *s,
                       const struct fc_train_opts *opts, struct fc_eval *ev)
{
    int n = s->n_bars - s->test_from;
    double mae = 0.0, mu = 0.0;
    fc_err rc;

    ev->n = n;
    ev->day = malloc(((size_t)n + 1) * sizeof *ev->day);
    ev->actual = malloc(((size_t)n + 1) * sizeof *ev->actual);
    ev->predicted = malloc(((size_t)n + 1) * sizeof *ev->predicted);
    ev->naive = malloc(((size_t)n + 1) * sizeof *ev->naive);
    ev->drift = malloc(((size_t)n + 1) * sizeof *ev->drift);
    ev->sma14 = malloc(((size_t)n + 1) * sizeof *ev->sma14);
    if (!ev->day || !ev->actual || !ev->predicted || !ev->naive || !ev->drift ||
        !ev->sma14)
        return FC_ENOMEM;
    rc = fc_model_predict_range(m, bars, s->n_bars, s->test_from, s->n_bars,
                                ev->predicted);
    if (rc == FC_OK)
        rc = tick(opts);
    if (rc != FC_OK)
        return rc;
    if (fc_model_is_dist(m)) {
        ev->mu = malloc(((size_t)n + 1) * sizeof *ev->mu);
        ev->sigma = malloc(((size_t)n + 1) * sizeof *ev->sigma);
        if (ev->mu == NULL || ev->sigma == NULL)
            return FC_ENOMEM;
        rc = fc_model_predict_dist_range(m, bars, s->n_bars, s->test_from,
                                         s->n_bars, ev->mu, ev->sigma);
        if (rc != FC_OK)
            return rc;
    }
    for (int t = 1; t < s->train_end; t++) {
        mae += fabs(bars[t].close - bars[t - 1].close);
        mu += log(bars[t].close / bars[t - 1].close);
    }
    ev->mase_scale = s->train_end > 1 ? mae / (s->train_end - 1) : NAN;
    mu = s->train_end > 1 ? mu / (s->train_end - 1) : 0.0;
    for (int i = 0; i < n; i++) {
        int t = s->test_from + i;
        ev->day[i] = bars[t].day;
        ev->actual[i] = bars[t].close;
        ev->naive[i] = bars[t - 1].close;
        ev->drift[i] = drift_forecast(bars, t, mu);
        ev->sma14[i] = sma14_forecast(bars, t);
    }
    ev->scores.from_day = n > 0 ? ev->day[0] : INT32_MIN;
    ev->scores.to_day = n > 0 ? ev->day[n - 1] : INT32_MIN;
    ev->scores.n = n;
    score_days(ev, ev->mase_scale, &ev->scores);
    return FC_OK;
}

/* Share of days t in [from, n) with actual inside pred * e^[lo, hi]. */
static double coverage(const struct fc_eval *ev, int from, double lo, double hi)
{
    int in = 0;
    for (int i = from; i < ev->n; i++)
        in += ev->actual[i] >= ev->predicted[i] * exp(lo) &&
              ev->actual[i] <= ev->predicted[i] * exp(hi);
    return ev->n > from ? (double)in / (ev->n - from) : NAN;
}

static fc_err alloc_bands(struct fc_eval *ev)
{
    size_t n = (size_t)ev->n + 1;
    ev->lower80 = malloc(n * sizeof *ev->lower80);
    ev->upper80 = malloc(n * sizeof *ev->upper80);
    ev->lower95 = malloc(n * sizeof *ev->lower95);
    ev->upper95 = malloc(n * sizeof *ev->upper95);
    return ev->lower80 && ev->upper80 && ev->lower95 && ev->upper95 ? FC_OK
                                                                    : FC_ENOMEM;
}

/* Held-out log errors into m->resid (see struct fc_eval), then the test
 * days' coverage, direction probabilities and Brier score from them. */
static fc_err calibrate(struct fc_model *m, const struct fc_bar *bars,
                        const struct fc_split *s, struct fc_eval *ev)
{
    int n_val = s->val_end - s->train_end;
    int n_cal = n_val >= 30 ? n_val : ev->n / 2;
    double *vp = NULL, lo, hi;
    float *scratch = NULL;
    fc_err rc = FC_ENOMEM;

    m->resid = malloc(((size_t)n_cal + 1) * sizeof *m->resid);
    scratch = malloc(((size_t)n_cal + 1) * sizeof *scratch);
    ev->p_up = malloc(((size_t)ev->n + 1) * sizeof *ev->p_up);
    if (m->resid == NULL || scratch == NULL || ev->p_up == NULL)
        goto done;
    if (n_val >= 30) {
        vp = malloc((size_t)n_val * sizeof *vp);
        if (vp == NULL)
            goto done;
        rc = fc_model_predict_range(m, bars, s->n_bars, s->train_end,
                                    s->val_end, vp);
        if (rc != FC_OK)
            goto done;
        for (int i = 0; i < n_val; i++)
            m->resid[i] = (float)log(bars[s->train_end + i].close / vp[i]);
        ev->cover_from = 0;
    } else {
        for (int i = 0; i < n_cal; i++)
            m->resid[i] = (float)log(ev->actual[i] / ev->predicted[i]);
        ev->cover_from = n_cal;
    }
    m->n_resid = n_cal;
    ev->scores.calib.n_resid = n_cal;
    ev->scores.calib.n = ev->n - ev->cover_from;
    rc = alloc_bands(ev);
    if (rc != FC_OK)
        goto done;
    fc_conformal_bounds(m->resid, n_cal, 0.8, scratch, &lo, &hi);
    ev->scores.calib.coverage80 = coverage(ev, ev->cover_from, lo, hi);
    for (int i = 0; i < ev->n; i++) {
        ev->lower80[i] = ev->predicted[i] * exp(lo);
        ev->upper80[i] = ev->predicted[i] * exp(hi);
    }
    fc_conformal_bounds(m->resid, n_cal, 0.95, scratch, &lo, &hi);
    ev->scores.calib.coverage95 = coverage(ev, ev->cover_from, lo, hi);
    for (int i = 0; i < ev->n; i++) {
        ev->lower95[i] = ev->predicted[i] * exp(lo);
        ev->upper95[i] = ev->predicted[i] * exp(hi);
    }
    double b = 0.0;
    for (int i = 0; i < ev->n; i++) {
        ev->p_up[i] =
            fc_prob_up(m->resid, n_cal, ev->predicted[i], ev->naive[i], 1.0);
        if (i >= ev->cover_from) {
            double up = ev->actual[i] > ev->naive[i] ? 1.0 : 0.0;
            b += (ev->p_up[i] - up) * (ev->p_up[i] - up);
        }
    }
    ev->scores.calib.brier =
        ev->n > ev->cover_from ? b / (ev->n - ev->cover_from) : NAN;
    rc = FC_OK;
done:
    free(vp);
    free(scratch);
    return rc;
}

/* A distributional model's calibration: the standardised residuals
 * z = (r - mu) / sigma of the validation days when there are at least 30,
 * else of the first half of the test days, into m->resid; each test day's
 * intervals naive * e^(mu + q sigma) and P(up) from the adapted state
 * (adapt.h) of the days before it: q the scaled conformal quantiles of its
 * pool, P(up) the share of the pool with mu + s sigma z > 0; each day the
 * calibration did not use is folded in once it is scored, and the coverage
 * and Brier score are measured on those days. */
static fc_err calibrate_dist(struct fc_model *m, const struct fc_bar *bars,
                             const struct fc_split *s, struct fc_eval *ev)
{
    int n_val = s->val_end - s->train_end;
    int n_cal = n_val >= 30 ? n_val : ev->n / 2;
    double *vmu = NULL, *vsd = NULL, q[4];
    struct fc_adapt ad = {0};
    fc_err rc = FC_ENOMEM;

    m->resid = malloc(((size_t)n_cal + 1) * sizeof *m->resid);
    ev->p_up = malloc(((size_t)ev->n + 1) * sizeof *ev->p_up);
    if (m->resid == NULL || ev->p_up == NULL || alloc_bands(ev) != FC_OK)
        goto done;
    if (n_val >= 30) {
        vmu = malloc((size_t)n_val * sizeof *vmu);
        vsd = malloc((size_t)n_val * sizeof *vsd);
        if (vmu == NULL || vsd == NULL)
            goto done;
        rc = fc_model_predict_dist_range(m, bars, s->n_bars, s->train_end,
                                         s->val_end, vmu, vsd);
        if (rc != FC_OK)
            goto done;
        for (int i = 0; i < n_val; i++) {
            int t = s->train_end + i;
            double r = log(bars[t].close / bars[t - 1].close);
            m->resid[i] = (float)((r - vmu[i]) / vsd[i]);
        }
        ev->cover_from = 0;
    } else {
        for (int i = 0; i < n_cal; i++)
            m->resid[i] =
                (float)((log(ev->actual[i] / ev->naive[i]) - ev->mu[i]) /
                        ev->sigma[i]);
        ev->cover_from = n_cal;
    }
    m->n_resid = n_cal;
    ev->scores.calib.n_resid = n_cal;
    rc = fc_adapt_init(&ad, m);
    if (rc != FC_OK)
        goto done;
    int in80 = 0, in95 = 0;
    double b = 0.0;
    for (int i = 0; i < ev->n; i++) {
        double c = ev->naive[i], mu = ev->mu[i], sd = ev->sigma[i];
        fc_adapt_bounds(&ad, 0.8, &q[0], &q[1]);
        fc_adapt_bounds(&ad, 0.95, &q[2], &q[3]);
        ev->lower80[i] = c * exp(mu + q[0] * sd);
        ev->upper80[i] = c * exp(mu + q[1] * sd);
        ev->lower95[i] = c * exp(mu + q[2] * sd);
        ev->upper95[i] = c * exp(mu + q[3] * sd);
        ev->p_up[i] =
            fc_prob_up_z(ad.sorted, ad.n_z, mu, sd * fc_adapt_scale(&ad));
        if (i >= ev->cover_from) {
            double a = ev->actual[i], up = a > c ? 1.0 : 0.0;
            in80 += a >= ev->lower80[i] && a <= ev->upper80[i];
            in95 += a >= ev->lower95[i] && a <= ev->upper95[i];
            b += (ev->p_up[i] - up) * (ev->p_up[i] - up);
            fc_adapt_add(&ad, (log(a / c) - mu) / sd);
        }
    }
    int n_cov = ev->n - ev->cover_from;
    ev->scores.calib.n = n_cov;
    ev->scores.calib.coverage80 = n_cov > 0 ? (double)in80 / n_cov : NAN;
    ev->scores.calib.coverage95 = n_cov > 0 ? (double)in95 / n_cov : NAN;
    ev->scores.calib.brier = n_cov > 0 ? b / n_cov : NAN;
    rc = FC_OK;
done:
    fc_adapt_fini(&ad);
    free(vmu);
    free(vsd);
    return rc;
}

/* ---- interval scores ------------------------------------------------------
 */

/* The variance of a GARCH(1,1) forecast of the sum of the next h returns,
 * given the one-step variance s2: sum over k < h of
 * vbar + (alpha + beta)^k (s2 - vbar), vbar = omega / (1 - alpha - beta). */
static double garch_sum_var(const struct fc_vol_garch *g, double s2, int h)
{
    double p = g->alpha + g->beta, vbar = g->omega / (1.0 - p), v = 0.0;
    double pk = 1.0;

    for (int k = 0; k < h; k++) {
        v += vbar + pk * (s2 - vbar);
        pk *= p;
    }
    return v;
}

/* The model's 80 % interval for the close FC_EVAL_H5_AHEAD sessions after
 * bars[o] (from bars[0..o] only): a distributional model's from its sample
 * paths (FC_MODEL_DEFAULT_PATHS, seeded from the model's seed and the
 * day) with the adapted state ad of the days up to o, a point model's as
 * /predict widens it: the constant band times sqrt(h) around the recursive
 * forecast (lo80, hi80 its one-step bounds). */
static fc_err model_h5(const struct fc_model *m, struct fc_model_ws *ws,
                       const struct fc_adapt *ad, const struct fc_bar *bars,
                       int o, double lo80, double hi80, double *lo, double *hi)
{
    const int h = FC_EVAL_H5_AHEAD;
    struct fc_dist_step st[FC_EVAL_H5_AHEAD];
    double close[FC_EVAL_H5_AHEAD];
    fc_err rc;

    if (fc_model_is_dist(m)) {
        rc = fc_model_forecast_dist_adapted(
            m, ws, bars, o + 1, h, 0.8, FC_MODEL_DEFAULT_PATHS,
            fc_rng_derive(m->hp.seed, (uint64_t)h, (uint64_t)bars[o].day), ad,
            st);
        *lo = st[h - 1].lower;
        *hi = st[h - 1].upper;
        return rc;
    }
    rc = fc_model_forecast(m, ws, bars, o + 1, h, close);
    *lo = close[h - 1] * exp(lo80 * sqrt((double)h));
    *hi = close[h - 1] * exp(hi80 * sqrt((double)h));
    return rc;
}

/* Fills ev->vol20, ewma_sd, garch_sd and h5 (see struct fc_eval) for the
 * test days of s. The returns are r[k] = ln(close[k+1] / close[k]), so day
 * t's return is r[t-1] and its one-step variance sigma2[t-1] (volatility.h:
 * made from the returns before it). EWMA is seeded with the mean square of
 * the training returns, GARCH fitted on them alone; either is left NaN
 * (not scored) when the series does not allow it. FC_ENOMEM, and the
 * model's forecast errors. */
static fc_err interval_inputs(const struct fc_model *m,
                              const struct fc_bar *bars,
                              const struct fc_split *s,
                              const struct fc_train_opts *opts,
                              struct fc_eval *ev)
{
    const int h = FC_EVAL_H5_AHEAD;
    int n = ev->n, nr = s->n_bars - 1, t0 = s->test_from;
    int n_fit = s->train_end - 1;
    size_t nn = (size_t)n + 1, rn = (size_t)(nr > 0 ? nr : 0) + 1;
    double *r = NULL, *vol = NULL, *s2e = NULL, *s2g = NULL;
    float *scratch = NULL;
    struct fc_model_ws *ws = NULL;
    struct fc_vol_garch g;
    struct fc_adapt ad = {0};
    double lo80 = 0.0, hi80 = 0.0;
    fc_err rc = FC_ENOMEM;

    ev->vol20 = malloc(nn * sizeof *ev->vol20);
    ev->ewma_sd = malloc(nn * sizeof *ev->ewma_sd);
    ev->garch_sd = malloc(nn * sizeof *ev->garch_sd);
    ev->h5 = calloc(nn, sizeof *ev->h5);
    r = malloc(rn * sizeof *r);
    vol = malloc(rn * sizeof *vol);
    s2e = malloc(rn * sizeof *s2e);
    s2g = malloc(rn * sizeof *s2g);
    scratch = malloc(((size_t)m->n_resid + 1) * sizeof *scratch);
    if (!ev->vol20 || !ev->ewma_sd || !ev->garch_sd || !ev->h5 || !r || !vol ||
        !s2e || !s2g || !scratch)
        goto done;
    for (int k = 0; k < nr; k++)
        r[k] = log(bars[k + 1].close / bars[k].close);
    fc_vol_realised(r, nr, FC_EVAL_VOL_WINDOW, vol);
    int ok_e =
        n_fit >= 1 && fc_vol_ewma(r, nr, FC_VOL_EWMA_LAMBDA,
                                  fc_vol_mean_square(r, n_fit), s2e) == FC_OK;
    int ok_g = fc_vol_garch_fit(r, n_fit, &g) == FC_OK &&
               fc_vol_garch_filter(&g, r, nr, s2g) == FC_OK;
    for (int i = 0; i < n; i++) {
        int t = t0 + i;
        ev->vol20[i] = vol[t - 1];
        ev->ewma_sd[i] = ok_e ? sqrt(s2e[t - 1]) : NAN;
        ev->garch_sd[i] = ok_g ? sqrt(s2g[t - 1]) : NAN;
    }

    /* FC_EVAL_H5_AHEAD sessions ahead: the origin o is the last bar known,
     * the day t = o + h the one forecast; every forecaster is centred on
     * the origin's close (the model's is its own). */
    rc = fc_model_ws_new(m, &ws);
    if (rc != FC_OK)
        goto done;
    fc_conformal_bounds(m->resid, m->n_resid, 0.8, scratch, &lo80, &hi80);
    if (fc_model_is_dist(m)) {
        rc = fc_adapt_init(&ad, m);
        if (rc != FC_OK)
            goto done;
    }
    double z80 = fc_vol_norm_quantile(0.9);
    int next = ev->cover_from; /* the next test day to fold into ad */
    for (int i = ev->cover_from; i < n; i++) {
        int t = t0 + i, o = t - h;
        double lo, hi, y = bars[t].close, last;
        if (o < 1 || o + 1 < fc_model_min_bars(m))
            continue;
        rc = tick(opts);
        if (rc != FC_OK)
            goto done;
        for (; ad.ring != NULL && next < n && t0 + next <= o; next++)
            fc_adapt_add(
                &ad, (log(ev->actual[next] / ev->naive[next]) - ev->mu[next]) /
                         ev->sigma[next]);
        last = bars[o].close;
        rc = model_h5(m, ws, ad.ring != NULL ? &ad : NULL, bars, o, lo80, hi80,
                      &lo, &hi);
        if (rc != FC_OK)
            goto done;
        unsigned char bits = FC_EVAL_H5_MEASURED;
        bits |= (unsigned char)(y >= lo && y <= hi);
        if (ok_e) {
            double w = z80 * sqrt(h * s2e[o]);
            bits |= (unsigned char)((y >= last * exp(-w) && y <= last * exp(w))
                                    << 1);
        }
        if (ok_g) {
            double w = z80 * sqrt(garch_sum_var(&g, s2g[o], h));
            bits |= (unsigned char)((y >= last * exp(-w) && y <= last * exp(w))
                                    << 2);
        }
        ev->h5[i] = bits;
    }
    rc = FC_OK;
done:
    fc_adapt_fini(&ad);
    fc_model_ws_free(ws);
    free(r);
    free(vol);
    free(s2e);
    free(s2g);
    free(scratch);
    return rc;
}

/* Adds the rows "ewma" and "garch" to s (their point forecast is the
 * naive one, so their point metrics are naive's) and scores the intervals
 * of the model, EWMA and GARCH on the days [from, ev->n) of ev into the
 * rows' iv, in log-return space around the naive forecast. A forecaster
 * whose bands are not finite on those days stays unmeasured. FC_ENOMEM. */
static fc_err score_intervals(const struct fc_eval *ev, int from,
                              struct fc_scores *s)
{
    static const char *const names[3] = {"model", "ewma", "garch"};
    const struct fc_metrics *naive = fc_scores_get(s, "naive");
    int n = ev->n - from;

    for (int k = 1; k < 3; k++) {
        struct fc_metrics *m = fc_scores_add(s, names[k]);
        if (m != NULL && naive != NULL)
            *m = *naive;
    }
    if (n <= 0 || ev->vol20 == NULL || ev->lower80 == NULL)
        return FC_OK;
    double *buf = malloc((size_t)n * 6 * sizeof *buf);
    if (buf == NULL)
        return FC_ENOMEM;
    double *y = buf, *key = y + n, *l80 = key + n, *u80 = l80 + n;
    double *l95 = u80 + n, *u95 = l95 + n;
    double z80 = fc_vol_norm_quantile(0.9), z95 = fc_vol_norm_quantile(0.975);
    for (int i = 0; i < n; i++) {
        y[i] = log(ev->actual[from + i] / ev->naive[from + i]);
        key[i] = ev->vol20[from + i];
    }
    for (int k = 0; k < 3; k++) {
        struct fc_score_row *row = fc_scores_row(s, names[k]);
        struct fc_interval_eval e80, e95;
        if (row == NULL)
            continue;
        for (int i = 0; i < n; i++) {
            int d = from + i;
            double c = ev->naive[d];
            if (k == 0) {
                l80[i] = log(ev->lower80[d] / c);
                u80[i] = log(ev->upper80[d] / c);
                l95[i] = log(ev->lower95[d] / c);
                u95[i] = log(ev->upper95[d] / c);
            } else {
                double sd = k == 1 ? ev->ewma_sd[d] : ev->garch_sd[d];
                l80[i] = -z80 * sd;
                u80[i] = z80 * sd;
                l95[i] = -z95 * sd;
                u95[i] = z95 * sd;
            }
        }
        fc_err rc = fc_interval_evaluate(y, l80, u80, key, n, 0.8, &e80);
        if (rc == FC_OK)
            rc = fc_interval_evaluate(y, l95, u95, NULL, n, 0.95, &e95);
        if (rc == FC_ENOMEM) {
            free(buf);
            return rc;
        }
        if (rc != FC_OK)
            continue; /* bands not finite: not measured */
        struct fc_interval_scores *iv = &row->iv;
        iv->n = n;
        iv->coverage80 = e80.coverage;
        iv->coverage95 = e95.coverage;
        for (int t = 0; t < 3; t++)
            iv->coverage80_third[t] = e80.coverage_third[t];
        iv->score80 = e80.score;
        iv->score95 = e95.score;
        iv->kupiec95_p = e95.kupiec_p;
        iv->christoffersen95_p = e95.christoffersen_p;
        iv->miss95_after_miss = e95.miss_after_miss;
        int nh = 0, in = 0;
        for (int i = 0; i < n; i++) {
            unsigned char b = ev->h5 != NULL ? ev->h5[from + i] : 0;
            if (b & FC_EVAL_H5_MEASURED) {
                nh++;
                in += (b >> k) & 1u;
            }
        }
        iv->n_h5 = nh;
        iv->coverage80_h5 = nh > 0 ? (double)in / nh : NAN;
    }
    free(buf);
    return FC_OK;
}

void fc_eval_fini(struct fc_eval *ev)
{
    if (ev == NULL)
        return;
    free(ev->lower80);
    free(ev->upper80);
    free(ev->lower95);
    free(ev->upper95);
    free(ev->mu);
    free(ev->sigma);
    ev->lower80 = ev->upper80 = ev->lower95 = ev->upper95 = NULL;
    ev->mu = ev->sigma = NULL;
    free(ev->vol20);
    free(ev->ewma_sd);
    free(ev->garch_sd);
    free(ev->h5);
    ev->vol20 = ev->ewma_sd = ev->garch_sd = NULL;
    ev->h5 = NULL;
    free(ev->day);
    free(ev->actual);
    free(ev->predicted);
    free(ev->naive);
    free(ev->drift);
    free(ev->sma14);
    free(ev->p_up);
    ev->p_up = NULL;
    ev->day = NULL;
    ev->actual = ev->predicted = ev->naive = ev->drift = ev->sma14 = NULL;
}

/* ---- scaling ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n), n >= 1; reorders v. */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Robust fit over rows [from, to) of a column, using tmp[to - from].
 * A log return keeps 0 at 0 (lo = 0) and is divided by 1.4826 median |r|,
 * the MAD about zero, which estimates the standard deviation of a normal
 * variable (Rousseeuw & Croux 1993) while ignoring the +-40 % earnings days
 * that set a MinMax range. Other columns: lo = median, hi - lo = 1.4826 MAD.
 * A zero spread becomes 1, as in MinMax. */
static void fit_robust(const double *col, int stride, int from, int to,
                       int is_return, double *tmp, double *lo, double *hi)
{
    int n = to - from;
    double c = 0.0;
    if (!is_return) {
        for (int i = 0; i < n; i++)
            tmp[i] = col[(size_t)(from + i) * stride];
        c = median(tmp, n);
    }
    for (int i = 0; i < n; i++)
        tmp[i] = fabs(col[(size_t)(from + i) * stride] - c);
    double s = 1.4826 * median(tmp, n);
    *lo = c;
    *hi = c + (s > 0.0 && isfinite(s) ? s : 1.0);
}

/* Features scaled like a return (0 stays 0): the log return, the body and
 * the gap. The range and the volume ratio are centred on their median. */
static int is_return(int f)
{
    return f == FC_FEATURE_LOG_RETURN || f == FC_FEATURE_BODY ||
           f == FC_FEATURE_GAP;
}

static void fit_column(const struct fc_hparams *hp, const double *col,
                       int stride, int from, int to, int is_return, double *tmp,
                       double *lo, double *hi)
{
    if (hp->scaler == FC_SCALER_ROBUST)
        fit_robust(col, stride, from, to, is_return, tmp, lo, hi);
    else
        fit_minmax(col, stride, from, to, lo, hi);
}

/* Clip v to [-c, c]; c = 0 leaves it alone. Winsorised targets keep a
 * +-40 % earnings day from dominating the squared loss (and the learned
 * mean return) without dropping the day. */
static float winsorise(float v, float c)
{
    if (c <= 0.0f)
        return v;
    return v < -c ? -c : v > c ? c : v;
}

/* ---- one member's training run ------------------------------------------- */

/* What every member of an ensemble shares: the scaled data and the split. */
struct data {
    const float *x; /* [n_bars][n_feat] scaled */
    const float *y; /* [n_bars] scaled target */
    int n_feat;
    struct fc_split s;
    int n_workers;
};

/* Initialise net from `seed` and train it: shuffled mini-batches, Adam(W),
 * early stopping on the validation part with the best epoch's weights kept.
 * Adds its epochs to ev->epochs_run and sets ev's best epoch and losses. */
static fc_err fit_member(const struct fc_hparams *hp, uint64_t seed,
                         const struct data *dt,
                         const struct fc_train_opts *opts, double t_start,
                         struct fc_lstm *net, struct fc_eval *ev,
                         struct fc_diag *d)
{
    struct fc_pool *pool = NULL;
    struct fc_adam adam = {0};
    struct fc_lstm_ws *eval_ws = NULL;
    struct fc_lstm *best = NULL;
    struct job *j = NULL;
    struct fc_rng rng;
    float *eval_x = NULL;
    int *order = NULL;
    const struct fc_split *s = &dt->s;
    int nf = dt->n_feat, n_workers = dt->n_workers;
    int n_train = s->train_end - s->first;
    fc_err rc = FC_ENOMEM;

    j = calloc(1, sizeof *j);
    order = malloc((size_t)n_train * sizeof *order);
    if (j == NULL || order == NULL)
        goto done;
    fc_rng_init(&rng, seed);
    fc_lstm_init_keras(net, &rng);
    size_t n_params = fc_lstm_n_params(net);
    if (hp->zero_output) {
        /* The dense layer Wd[H_last][1], bd[1] is the end of the vector.
         * At 0 the net predicts a scaled target of 0 (with the robust
         * scaler, a return of 0: the naive forecast), and training moves
         * it away only as far as the data pull it before early stopping,
         * a shrinkage toward naive (cf. the zero-initialised residual
         * branches of Zhang et al. 2019, Fixup). */
        int n_out = fc_lstm_n_out(net);
        size_t n_dense =
            ((size_t)fc_lstm_units(net, hp->n_layers - 1) + 1) * n_out;
        memset(fc_lstm_params(net) + n_params - n_dense, 0,
               n_dense * sizeof(float));
        /* A distributional head starts at mu = 0, sigma = 1: the training
         * targets' robust standard deviation. */
        if (n_out == 2)
            fc_lstm_params(net)[n_params - 1] =
                (float)log(expm1(1.0 - FC_LSTM_SCALE_FLOOR));
    }
    rc = fc_adam_init(&adam, n_params, hp->learning_rate, 0.9f, 0.999f, 1e-7f);
    if (rc != FC_OK)
        goto done;
    adam.weight_decay = hp->weight_decay;
    rc = fc_pool_new(n_workers, &pool);
    if (rc != FC_OK)
        goto done;
    int slice = (hp->batch_size + n_workers - 1) / n_workers;
    size_t win = (size_t)hp->window * nf;
    for (int k = 0; k < n_workers; k++) {
        rc = fc_lstm_ws_new(net, slice, hp->window, &j->ws[k]);
        if (rc != FC_OK)
            goto done;
        rc = FC_ENOMEM;
        /* Whole 64-byte lines: workers reduce and step line-aligned
         * slices (param_slice). */
        j->grad[k] =
            aligned_alloc(64, (n_params * sizeof(float) + 63) & ~(size_t)63);
        j->xb[k] = malloc((size_t)slice * win * sizeof(float));
        j->yb[k] = malloc((size_t)slice * sizeof(float));
        if (!j->grad[k] || !j->xb[k] || !j->yb[k])
            goto done;
    }
    rc = fc_lstm_ws_new(net, EVAL_CHUNK, hp->window, &eval_ws);
    if (rc != FC_OK)
        goto done;
    rc = FC_ENOMEM;
    eval_x = malloc((size_t)EVAL_CHUNK * win * sizeof(float));
    if (eval_x == NULL)
        goto done;

    j->net = net;
    j->n_workers = n_workers;
    j->window = hp->window;
    j->n_feat = nf;
    j->n_params = n_params;
    j->dropout = hp->dropout;
    j->nll = hp->loss != FC_LOSS_MSE;
    j->df = hp->loss == FC_LOSS_STUDENT_T ? (double)hp->student_df : 0.0;
    j->seed = seed;
    j->x = dt->x;
    j->y = dt->y;
    j->adam = &adam;
    j->params = fc_lstm_params(net);

    int has_val = s->val_end > s->train_end;
    double best_val = INFINITY;
    int since_best = 0;
    for (int i = 0; i < n_train; i++)
        order[i] = s->first + i;
    ev->best_epoch = 0;

    for (int epoch = 1; epoch <= hp->epochs; epoch++) {
        double t0 = now_seconds(), sse = 0.0;
        fc_rng_shuffle(&rng, order, n_train);
        for (int b = 0; b < n_train; b += hp->batch_size) {
            rc = tick(opts);
            if (rc != FC_OK) {
                fc_diag_set(d, rc, "cancelled in epoch %d", epoch);
                goto done;
            }
            j->idx = order + b;
            j->n = n_train - b < hp->batch_size ? n_train - b : hp->batch_size;
            j->inv_n = 1.0f / (float)j->n;
            fc_pool_run(pool, batch_worker, j);
            j->step++;
            for (int k = 0; k < n_workers; k++) {
                if (j->rc[k] != FC_OK) {
                    rc = j->rc[k];
                    goto done;
                }
                sse += j->sse[k];
            }
            /* Sum, clip and Adam, split by parameter slices. Clipping
             * needs the whole sum's norm between the two halves. */
            j->scale = 1.0f;
            j->step_too = !(hp->clip_norm > 0.0f);
            fc_pool_run(pool, reduce_worker, j);
            if (!j->step_too) {
                j->scale = clip_factor(j->grad[0], n_params, hp->clip_norm);
                fc_pool_run(pool, step_worker, j);
            }
            adam.t++;
        }
        if (!isfinite(sse)) {
            rc = fc_diag_set(d, FC_EINVAL,
                             "training diverged in epoch %d "
                             "(loss not finite); lower learning_rate",
                             epoch);
            goto done;
        }

        struct fc_progress p;
        p.epoch = epoch;
        p.epochs = hp->epochs;
        p.fold = opts ? opts->fold : 0;
        p.folds = opts ? opts->n_folds : 0;
        p.train_loss = sse / n_train;
        p.val_loss = NAN;
        ev->epochs_run++;
        ev->final_train_loss = p.train_loss;
        if (has_val) {
            rc = eval_loss(net, eval_ws, eval_x, dt->x, dt->y, s->train_end,
                           s->val_end, hp->window, nf, j->nll ? j->df : -1.0,
                           &p.val_loss);
            if (rc != FC_OK)
                goto done;
            if (p.val_loss < best_val) {
                best_val = p.val_loss;
                since_best = 0;
                ev->best_epoch = epoch;
                fc_lstm_free(best);
                best = NULL;
                rc = fc_lstm_clone(net, &best);
                if (rc != FC_OK)
                    goto done;
            } else {
                since_best++;
            }
        }
        p.best_epoch = ev->best_epoch;
        p.epoch_seconds = now_seconds() - t0;
        p.elapsed_seconds = now_seconds() - t_start;
        if (opts && opts->on_epoch)
            opts->on_epoch(opts->ctx, &p);
        if (has_val && hp->patience > 0 && since_best >= hp->patience)
            break;
    }
    if (best != NULL) {
        /* Keep the best epoch's weights (ModelCheckpoint). */
        memcpy(fc_lstm_params(net), fc_lstm_params_const(best),
               n_params * sizeof(float));
        ev->best_val_loss = best_val;
    }
    rc = FC_OK;
done:
    fc_lstm_free(best);
    fc_lstm_ws_free(eval_ws);
    if (j != NULL) {
        for (int k = 0; k < MAX_WORKERS; k++) {
            fc_lstm_ws_free(j->ws[k]);
            free(j->grad[k]);
            free(j->xb[k]);
            free(j->yb[k]);
        }
        free(j);
    }
    fc_pool_free(pool);
    fc_adam_fini(&adam);
    free(eval_x);
    free(order);
    return rc;
}

/* ---- ensembles ------------------------------------------------------------
 */

/* Write K members of H_l cells per layer into one net of K * H_l cells whose
 * output is their mean. Member k's cell j becomes cell k H_l + j; its gate g
 * column g H_l + j becomes g K H_l + k H_l + j (the gate blocks stay in
 * i, f, c, o order). The first layer's input kernel W is shared input, so
 * member k fills only its own columns; every recurrent kernel U and every
 * later layer's W is block-diagonal (a member reads only its own cells), and
 * the dense layer is the members' dense weights / K with the mean bias:
 *   y = (1/K) sum_k (h_k Wd_k + bd_k).
 * All other weights stay 0, so the members run exactly as trained. */
static void merge_members(struct fc_lstm *const *mem, int n_mem,
                          struct fc_lstm *out)
{
    const int n_layers = fc_lstm_n_layers(out), n_out = fc_lstm_n_out(out);
    float *dst = fc_lstm_params(out);
    size_t n_dst = fc_lstm_n_params(out);

    memset(dst, 0, n_dst * sizeof *dst);
    for (int k = 0; k < n_mem; k++) {
        const float *src = fc_lstm_params_const(mem[k]);
        size_t so = 0, dof = 0;
        for (int l = 0; l < n_layers; l++) {
            int hh = fc_lstm_units(mem[k], l), hk = hh * n_mem;
            int in = l == 0 ? fc_lstm_n_in(out) : fc_lstm_units(mem[k], l - 1);
            int in_k = l == 0 ? in : in * n_mem;
            int row0 = l == 0 ? 0 : k * in;
            /* W [in][4H], U [H][4H], b [4H] */
            for (int r = 0; r < in; r++)
                for (int g = 0; g < 4; g++)
                    for (int c = 0; c < hh; c++)
                        dst[dof + (size_t)(row0 + r) * 4 * hk + (size_t)g * hk +
                            (size_t)k * hh + c] =
                            src[so + (size_t)r * 4 * hh + (size_t)g * hh + c];
            so += (size_t)in * 4 * hh;
            dof += (size_t)in_k * 4 * hk;
            for (int r = 0; r < hh; r++)
                for (int g = 0; g < 4; g++)
                    for (int c = 0; c < hh; c++)
                        dst[dof + (size_t)(k * hh + r) * 4 * hk +
                            (size_t)g * hk + (size_t)k * hh + c] =
                            src[so + (size_t)r * 4 * hh + (size_t)g * hh + c];
            so += (size_t)hh * 4 * hh;
            dof += (size_t)hk * 4 * hk;
            for (int g = 0; g < 4; g++)
                for (int c = 0; c < hh; c++)
                    dst[dof + (size_t)g * hk + (size_t)k * hh + c] =
                        src[so + (size_t)g * hh + c];
            so += (size_t)4 * hh;
            dof += (size_t)4 * hk;
        }
        int hl = fc_lstm_units(mem[k], n_layers - 1);
        float inv_k = 1.0f / (float)n_mem;
        for (int r = 0; r < hl; r++)
            for (int o = 0; o < n_out; o++)
                dst[dof + (size_t)(k * hl + r) * n_out + o] =
                    src[so + (size_t)r * n_out + o] * inv_k;
        so += (size_t)hl * n_out;
        dof += (size_t)hl * n_mem * n_out;
        for (int o = 0; o < n_out; o++)
            dst[dof + o] += src[so + o] * inv_k;
        assert(so + (size_t)n_out == fc_lstm_n_params(mem[k]));
        assert(dof + (size_t)n_out == n_dst);
    }
}

/* Shift the output bias so that the mean prediction over the training
 * targets [first, train_end) is `zero` (the scaled value of a 0 return):
 *   bd -= mean_t f(x_t) - zero.
 * A net trained on a rising stretch learns its average daily gain, and that
 * level, not the day-to-day variation, is what costs most against the
 * naive forecast once the trend ends (NFLX 2011; the drift forecast alone
 * scores below naive there). Centring keeps only the deviations. */
static fc_err center_output(struct fc_lstm *net, const struct data *dt,
                            int window, double zero,
                            const struct fc_train_opts *opts)
{
    const struct fc_split *s = &dt->s;
    size_t win = (size_t)window * (size_t)dt->n_feat;
    int n_out = fc_lstm_n_out(net); /* the point or mu is output 0 */
    struct fc_lstm_ws *ws = NULL;
    float *xb = NULL, out[2 * EVAL_CHUNK];
    double sum = 0.0;
    fc_err rc = fc_lstm_ws_new(net, EVAL_CHUNK, window, &ws);

    if (rc != FC_OK)
        goto done;
    xb = malloc((size_t)EVAL_CHUNK * win * sizeof *xb);
    if (xb == NULL) {
        rc = FC_ENOMEM;
        goto done;
    }
    for (int t = s->first; t < s->train_end; t += EVAL_CHUNK) {
        int nb = s->train_end - t < EVAL_CHUNK ? s->train_end - t : EVAL_CHUNK;
        for (int b = 0; b < nb; b++)
            memcpy(xb + (size_t)b * win,
                   dt->x + (size_t)(t + b - window) * dt->n_feat,
                   win * sizeof(float));
        rc = tick(opts);
        if (rc == FC_OK)
            rc = fc_lstm_predict(net, ws, xb, nb, window, out);
        if (rc != FC_OK)
            goto done;
        for (int b = 0; b < nb; b++)
            sum += out[b * n_out];
    }
    float *params = fc_lstm_params(net);
    size_t n_params = fc_lstm_n_params(net);
    params[n_params - (size_t)n_out] -=
        (float)(sum / (s->train_end - s->first) - zero); /* bd[0] */
done:
    free(xb);
    fc_lstm_ws_free(ws);
    return rc;
}

/* The GARCH base (fc_model_base): GARCH(1,1) fitted on the training
 * returns (the targets ycol[1..train_end), log returns: a base needs a
 * distributional model), then every raw row and target divided by its
 * bar's base. */
static fc_err fit_base(struct fc_model *m, const struct fc_bar *bars,
                       int n_bars, int train_end, double *raw, double *ycol,
                       struct fc_diag *d)
{
    double *b = malloc(((size_t)n_bars + 1) * sizeof *b);
    fc_err rc;

    if (b == NULL)
        return FC_ENOMEM;
    rc = fc_vol_garch_fit(ycol + 1, train_end - 1, &m->garch);
    if (rc != FC_OK) {
        free(b);
        return fc_diag_set(d, rc,
                           "garch_power: no GARCH(1,1) fits the %d training "
                           "returns (all 0?); train with garch_power 0",
                           train_end - 1);
    }
    rc = fc_model_base_path(m, bars, n_bars, b);
    for (int t = 0; rc == FC_OK && t < n_bars; t++) {
        fc_model_base_row(m, raw + (size_t)t * m->n_feat, b[t]);
        ycol[t] /= b[t];
    }
    free(b);
    return rc;
}

fc_err fc_train(const struct fc_hparams *hp, const struct fc_bar *bars,
                int n_bars, const struct fc_train_opts *opts,
                struct fc_model **out, struct fc_eval *ev, struct fc_diag *d)
{
    struct fc_model *m = NULL;
    struct fc_split s;
    struct fc_eval local_ev;
    struct fc_lstm *mem[16] = {0};
    struct data dt;
    double *raw = NULL, *ycol = NULL, *tmp = NULL;
    float *x = NULL, *y = NULL;
    int n_workers = opts && opts->n_threads > 1 ? opts->n_threads : 1;
    double t_start = now_seconds();
    fc_err rc;

    *out = NULL;
    if (ev == NULL)
        ev = &local_ev;
    memset(ev, 0, sizeof *ev);
    ev->best_val_loss = NAN;
    rc = fc_hparams_check(hp, d);
    if (rc != FC_OK)
        return rc;
    if (opts && opts->test_from > 0)
        rc = split_before(hp, n_bars, opts->test_from, opts->gap, &s, d);
    else
        rc = fc_train_split(hp, n_bars, &s, d);
    if (rc != FC_OK)
        return rc;
    if (n_workers > MAX_WORKERS)
        n_workers = MAX_WORKERS;
    if (n_workers > hp->batch_size)
        n_workers = hp->batch_size;
    ev->split = s;

    rc = FC_ENOMEM;
    m = calloc(1, sizeof *m);
    if (m == NULL)
        goto done;
    m->hp = *hp;
    for (int f = 0; f < FC_FEATURE_COUNT; f++)
        if (hp->features & (1u << f))
            m->feat[m->n_feat++] = f;

    /* Raw features and target for every bar; the scaler is fitted on the
     * training bars [s0, train_end) only. */
    int nf = m->n_feat, s0 = fc_hparams_uses_log_return(hp);
    raw = malloc((size_t)n_bars * nf * sizeof *raw);
    ycol = malloc((size_t)n_bars * sizeof *ycol);
    tmp = malloc((size_t)n_bars * sizeof *tmp);
    x = malloc((size_t)n_bars * nf * sizeof *x);
    y = malloc((size_t)n_bars * sizeof *y);
    if (!raw || !ycol || !tmp || !x || !y)
        goto done;
    for (int t = 0; t < n_bars; t++) {
        fc_model_raw_row(m, bars, t, raw + (size_t)t * nf);
        ycol[t] = fc_model_raw_target(m, bars, t);
    }
    if (hp->garch_power > 0.0f) {
        rc = fit_base(m, bars, n_bars, s.train_end, raw, ycol, d);
        if (rc != FC_OK)
            goto done;
        rc = FC_ENOMEM;
    }
    for (int k = 0; k < nf; k++)
        fit_column(hp, raw + k, nf, s0, s.train_end, is_return(m->feat[k]), tmp,
                   &m->x_lo[m->feat[k]], &m->x_hi[m->feat[k]]);
    fit_column(hp, ycol, 1, s0, s.train_end, hp->target == FC_TARGET_LOG_RETURN,
               tmp, &m->y_lo, &m->y_hi);
    for (int t = 0; t < n_bars; t++) {
        for (int k = 0; k < nf; k++) {
            double lo = m->x_lo[m->feat[k]], hi = m->x_hi[m->feat[k]];
            double r = hi - lo > 0.0 ? hi - lo : 1.0;
            x[(size_t)t * nf + k] = winsorise(
                (float)((raw[(size_t)t * nf + k] - lo) / r), hp->winsor);
        }
        double r = m->y_hi - m->y_lo > 0.0 ? m->y_hi - m->y_lo : 1.0;
        /* A distributional model sees its targets whole: the NLL learns the
         * tails through sigma instead of having them clipped away. */
        y[t] = (float)((ycol[t] - m->y_lo) / r);
        if (hp->loss == FC_LOSS_MSE)
            y[t] = winsorise(y[t], hp->winsor);
    }

    dt.x = x;
    dt.y = y;
    dt.n_feat = nf;
    dt.s = s;
    dt.n_workers = n_workers;
    int units[FC_LSTM_MAX_LAYERS];
    fc_model_net_units(hp, units);
    rc = fc_lstm_new(nf, hp->n_layers, units, hp->loss == FC_LOSS_MSE ? 1 : 2,
                     &m->net);
    if (rc != FC_OK)
        goto done;
    if (hp->n_ensemble == 1) {
        /* One member is trained in place, from the seed itself. */
        rc = fit_member(hp, hp->seed, &dt, opts, t_start, m->net, ev, d);
        if (rc != FC_OK)
            goto done;
    } else {
        /* Member k's seed is derived from (seed, k); the stream id
         * UINT64_MAX is one no dropout stream (epoch, batch) uses. */
        for (int k = 0; k < hp->n_ensemble; k++) {
            rc = fc_lstm_new(nf, hp->n_layers, hp->units,
                             hp->loss == FC_LOSS_MSE ? 1 : 2, &mem[k]);
            if (rc != FC_OK)
                goto done;
            rc =
                fit_member(hp, fc_rng_derive(hp->seed, UINT64_MAX, (uint64_t)k),
                           &dt, opts, t_start, mem[k], ev, d);
            if (rc != FC_OK)
                goto done;
        }
        merge_members(mem, hp->n_ensemble, m->net);
    }
    if (hp->center_output) {
        double r = m->y_hi - m->y_lo > 0.0 ? m->y_hi - m->y_lo : 1.0;
        rc = center_output(m->net, &dt, hp->window, (0.0 - m->y_lo) / r, opts);
        if (rc != FC_OK)
            goto done;
    }
    ev->train_seconds = now_seconds() - t_start;

    rc = tick(opts);
    if (rc == FC_OK)
        rc = evaluate(m, bars, &s, opts, ev);
    if (rc == FC_OK)
        rc = tick(opts);
    if (rc == FC_OK && fc_model_is_dist(m))
        rc = calibrate_dist(m, bars, &s, ev);
    else if (rc == FC_OK)
        rc = calibrate(m, bars, &s, ev);
    if (rc == FC_OK)
        rc = tick(opts);
    if (rc == FC_OK)
        rc = interval_inputs(m, bars, &s, opts, ev);
    if (rc == FC_OK)
        rc = score_intervals(ev, ev->cover_from, &ev->scores);
    if (rc != FC_OK)
        goto done;
    *out = m;
    m = NULL;
    rc = FC_OK;
done:
    if (rc != FC_OK || ev == &local_ev)
        fc_eval_fini(ev);
    fc_model_free(m);
    for (int k = 0; k < 16; k++)
        fc_lstm_free(mem[k]);
    free(raw);
    free(ycol);
    free(tmp);
    free(x);
    free(y);
    return rc;
}

/* ---- walk-forward backtest ------------------------------------------------
 */

/* Appends src[0..n) to dst at *len. */
static void append(double *dst, int *len, const double *src, int n)
{
    memcpy(dst + *len, src, (size_t)n * sizeof *dst);
    *len += n;
}

/* The interval inputs of every fold's scored days [cover_from, n),
 * appended in order: a struct fc_eval of those days alone. */
struct pooled_iv {
    struct fc_eval ev;
    double *col[9]; /* actual, naive, lower80, upper80, lower95, upper95,
                     * vol20, ewma_sd, garch_sd */
};

static fc_err pooled_iv_init(struct pooled_iv *p, int cap)
{
    memset(p, 0, sizeof *p);
    for (int c = 0; c < 9; c++)
        if ((p->col[c] = malloc(((size_t)cap + 1) * sizeof(double))) == NULL)
            return FC_ENOMEM;
    p->ev.h5 = malloc((size_t)cap + 1);
    if (p->ev.h5 == NULL)
        return FC_ENOMEM;
    p->ev.actual = p->col[0];
    p->ev.naive = p->col[1];
    p->ev.lower80 = p->col[2];
    p->ev.upper80 = p->col[3];
    p->ev.lower95 = p->col[4];
    p->ev.upper95 = p->col[5];
    p->ev.vol20 = p->col[6];
    p->ev.ewma_sd = p->col[7];
    p->ev.garch_sd = p->col[8];
    return FC_OK;
}

static void pooled_iv_add(struct pooled_iv *p, const struct fc_eval *ev)
{
    int from = ev->cover_from, n = ev->n - from, len = 0;
    const double *src[9] = {ev->actual,  ev->naive,   ev->lower80,
                            ev->upper80, ev->lower95, ev->upper95,
                            ev->vol20,   ev->ewma_sd, ev->garch_sd};

    if (n <= 0)
        return;
    for (int c = 0; c < 9; c++) {
        len = p->ev.n;
        append(p->col[c], &len, src[c] + from, n);
    }
    memcpy(p->ev.h5 + p->ev.n, ev->h5 + from, (size_t)n);
    p->ev.n = len;
}

static void pooled_iv_fini(struct pooled_iv *p)
{
    for (int c = 0; c < 9; c++)
        free(p->col[c]);
    free(p->ev.h5);
}

fc_err fc_backtest(const struct fc_hparams *hp, const struct fc_bar *bars,
                   int n_bars, int n_folds, int gap,
                   const struct fc_train_opts *opts, struct fc_backtest *out,
                   struct fc_diag *d)
{
    struct fc_train_opts o = {0};
    struct pooled_iv iv;
    double *act = NULL, *pred = NULL, *nai = NULL, *dri = NULL, *sma = NULL;
    int n_all = 0, n_p = 0, n_n = 0, n_d = 0, n_s = 0;
    double mase_scale = NAN;
    fc_err rc = FC_ENOMEM;

    memset(out, 0, sizeof *out);
    if (n_folds < 1 || n_folds > FC_BACKTEST_MAX_FOLDS || gap < 0)
        return fc_diag_set(d, FC_EINVAL,
                           "folds must be in 1..%d and gap "
                           ">= 0",
                           FC_BACKTEST_MAX_FOLDS);
    if (opts != NULL)
        o = *opts;
    int start = n_bars / 2, block = (n_bars - start) / n_folds;
    if (block < 1)
        return fc_diag_set(d, FC_EINVAL, "too few bars: %d for %d folds",
                           n_bars, n_folds);
    if (pooled_iv_init(&iv, n_bars) != FC_OK)
        goto done;
    act = malloc((size_t)n_bars * sizeof *act);
    pred = malloc((size_t)n_bars * sizeof *pred);
    nai = malloc((size_t)n_bars * sizeof *nai);
    dri = malloc((size_t)n_bars * sizeof *dri);
    sma = malloc((size_t)n_bars * sizeof *sma);
    if (!act || !pred || !nai || !dri || !sma)
        goto done;
    for (int k = 0; k < n_folds; k++) {
        int from = start + k * block;
        int to = k == n_folds - 1 ? n_bars : from + block;
        struct fc_model *m = NULL;
        struct fc_eval ev;
        struct fc_fold *f = &out->folds[k];

        o.test_from = from;
        o.gap = gap;
        o.fold = k + 1;
        o.n_folds = n_folds;
        rc = fc_train(hp, bars, to, &o, &m, &ev, d);
        fc_model_free(m);
        if (rc != FC_OK)
            goto done;
        f->train_first_day = bars[0].day;
        f->scaler_last_day = bars[ev.split.train_end - 1].day;
        f->epochs_run = ev.epochs_run;
        f->scores = ev.scores; /* period bars[from..to) */
        memset(&f->scores.calib, 0, sizeof f->scores.calib);
        if (k == 0)
            mase_scale = ev.mase_scale;
        append(act, &n_all, ev.actual, ev.n);
        append(pred, &n_p, ev.predicted, ev.n);
        append(nai, &n_n, ev.naive, ev.n);
        append(dri, &n_d, ev.drift, ev.n);
        append(sma, &n_s, ev.sma14, ev.n);
        pooled_iv_add(&iv, &ev);
        fc_eval_fini(&ev);
        out->n_folds = k + 1;
    }
    /* Pooled over every fold's test days, MASE on the first fold's scale. */
    struct fc_eval all = {.n = n_all,
                          .actual = act,
                          .predicted = pred,
                          .naive = nai,
                          .drift = dri,
                          .sma14 = sma};
    out->scores.from_day = out->folds[0].scores.from_day;
    out->scores.to_day = out->folds[n_folds - 1].scores.to_day;
    out->scores.n = n_all;
    score_days(&all, mase_scale, &out->scores);
    rc = score_intervals(&iv.ev, 0, &out->scores);
done:
    pooled_iv_fini(&iv);
    free(act);
    free(pred);
    free(nai);
    free(dri);
    free(sma);
    return rc;
}
