/* forecast.c — point forecasts, intervals and dates for /predict and the
 * offline `forecastd predict`. See forecast.h for the interval's rule.
 *
 * The work per call is one recursive forecast (fc_model_forecast with a
 * workspace made for the call: a prediction is cached by the caller, so
 * the allocation is paid once per new bar or champion) and one sort of the
 * residuals (a few hundred floats) by the core's fc_conformal_bounds; for a
 * distributional model, one forward pass per realised day since its test
 * period began (the adapted state; cached below, so only the days after
 * the last forecast's bars) and FC_FORECAST_PATHS sample paths (about
 * 4 ms for 30 steps). The only lock is the state cache's, held to copy a
 * state (80 KB) in or out, never while the model runs. */
#include "forecast.h"

#include "adapt.h"
#include "calendar.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fc_forecast_bars_needed(const struct fc_model *m)
{
    if (fc_model_is_dist(m))
        return 0;
    int need = fc_model_min_bars(m);
    return need > 30 ? need : 30;
}

/* The header fields of out, and the sessions' dates. */
static void forecast_head(const struct fc_snapshot *s,
                          const struct fc_bar *bars, int n_bars, int horizon,
                          double level, struct fc_forecast *out)
{
    snprintf(out->ticker, sizeof out->ticker, "%s", s->ticker);
    out->version = s->version;
    out->level = level;
    out->as_of = bars[n_bars - 1].day;
    out->last_close = bars[n_bars - 1].close;
    out->n = horizon;
    fc_calendar_next_sessions(fc_calendar_detect(bars, n_bars), out->as_of,
                              horizon, out->day);
}

/* The index in bars of the first test day whose residual the adapted
 * state folds in: the first test day of s's scores, plus the test days the
 * calibration used when the model had no validation part (calib.n counts
 * the days after those). -1 when the scores have no such day or bars do
 * not hold it with the model's window before it. */
static int adapt_from(const struct fc_snapshot *s, const struct fc_bar *bars,
                      int n_bars)
{
    const struct fc_scores *sc = &s->scores;
    int lo = 0, hi = n_bars;

    if (sc->n <= 0 || sc->calib.n <= 0 || sc->calib.n > sc->n)
        return -1;
    while (lo < hi) { /* the first bar on or after from_day */
        int mid = lo + (hi - lo) / 2;
        if (bars[mid].day < sc->from_day)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == n_bars || bars[lo].day != sc->from_day)
        return -1;
    long from = (long)lo + (sc->n - sc->calib.n);
    if (from < fc_model_min_bars(s->model) || from > n_bars)
        return -1;
    return (int)from;
}

/* Whether s's scores name a test period an adapted state replays. */
static int has_test_period(const struct fc_snapshot *s)
{
    const struct fc_scores *sc = &s->scores;
    return fc_model_is_dist(s->model) && sc->n > 0 && sc->calib.n > 0 &&
           sc->calib.n <= sc->n;
}

int32_t fc_forecast_first_day(const struct fc_snapshot *s)
{
    if (!has_test_period(s))
        return INT32_MIN;
    return s->scores.from_day - (2 * fc_model_history_bars(s->model) + 31);
}

int fc_forecast_reaches(const struct fc_snapshot *s, const struct fc_bar *bars,
                        int n_bars)
{
    return !has_test_period(s) ||
           adapt_from(s, bars, n_bars) >= fc_model_history_bars(s->model);
}

/* ---- the adapted state's cache ---------------------------------------------
 * Replaying a long test period costs one forward pass per day (about 25 ms
 * for NFLX's 1,100 test days), so the state after the last bar is kept per
 * model, and a later forecast folds in only the bars after it. An entry is
 * reused only when its model is the snapshot's (ticker, version and a hash
 * of the calibration residuals and test period: a deleted series' version
 * numbers come back) and the bars it replayed, from the model's window
 * before `from` up to its last one, hash the same (ingest may rewrite a
 * day). A hash collision is the only way to a wrong state. */
#define ADAPT_CACHE_N 16

struct adapt_entry {
    char ticker[FC_TICKER_MAX + 1];
    int64_t version;
    uint64_t model; /* model_hash */
    int n_folded;   /* days folded in after `from` */
    uint64_t bars;  /* bars_hash of the bars those days needed */
    uint64_t used;  /* last use, for eviction; 0: the slot is empty */
    struct fc_adapt ad;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct adapt_entry cache[ADAPT_CACHE_N];
static uint64_t cache_tick;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t model_hash(const struct fc_snapshot *s)
{
    const struct fc_scores *sc = &s->scores;
    int32_t k[4] = {sc->from_day, sc->n, sc->calib.n,
                    fc_model_min_bars(s->model)};
    uint64_t h = fnv(14695981039346656037ULL, k, sizeof k);
    return fnv(h, s->model->resid,
               (size_t)s->model->n_resid * sizeof *s->model->resid);
}

/* The bars [t0, t1), field by field (a struct's padding is not data). */
static uint64_t bars_hash(const struct fc_bar *bars, int t0, int t1)
{
    uint64_t h = 14695981039346656037ULL;
    for (int t = t0; t < t1; t++) {
        const struct fc_bar *b = &bars[t];
        double v[6] = {b->open,  b->high,      b->low,
                       b->close, b->adj_close, b->volume};
        h = fnv(h, &b->day, sizeof b->day);
        h = fnv(h, v, sizeof v);
    }
    return h;
}

/* A copy of src into *dst (empty), FC_ENOMEM. */
static fc_err adapt_copy(struct fc_adapt *dst, const struct fc_adapt *src)
{
    size_t sz = FC_ADAPT_MAX_Z * sizeof *src->ring;

    *dst = *src;
    dst->ring = malloc(sz);
    dst->sorted = malloc(sz);
    if (dst->ring == NULL || dst->sorted == NULL) {
        fc_adapt_fini(dst);
        return FC_ENOMEM;
    }
    memcpy(dst->ring, src->ring, sz);
    memcpy(dst->sorted, src->sorted, sz);
    return FC_OK;
}

/* Into *a (empty): the cached state of s's model on these bars with the
 * most days folded in, and their number in *n_folded; 0 and nothing
 * copied when there is none. */
static int cache_get(const struct fc_snapshot *s, uint64_t mh,
                     const struct fc_bar *bars, int n_bars, int from,
                     struct fc_adapt *a, int *n_folded)
{
    int w0 = from - fc_model_min_bars(s->model), found = 0;

    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < ADAPT_CACHE_N && !found; i++) {
        struct adapt_entry *e = &cache[i];
        if (e->used == 0 || e->version != s->version || e->model != mh ||
            strcmp(e->ticker, s->ticker) != 0 || from + e->n_folded > n_bars ||
            bars_hash(bars, w0, from + e->n_folded) != e->bars)
            continue;
        if (adapt_copy(a, &e->ad) == FC_OK) {
            e->used = ++cache_tick;
            *n_folded = e->n_folded;
            found = 1;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return found;
}

/* Keeps a copy of a, the state of s's model after bars [from, n_bars),
 * in place of the least recently used entry (or of the one of the same
 * model). Out of memory: not kept. */
static void cache_put(const struct fc_snapshot *s, uint64_t mh,
                      const struct fc_bar *bars, int n_bars, int from,
                      const struct fc_adapt *a)
{
    struct fc_adapt copy;
    uint64_t bh = bars_hash(bars, from - fc_model_min_bars(s->model), n_bars);

    if (adapt_copy(&copy, a) != FC_OK)
        return;
    pthread_mutex_lock(&cache_mu);
    struct adapt_entry *e = &cache[0];
    for (int i = 0; i < ADAPT_CACHE_N; i++) {
        struct adapt_entry *x = &cache[i];
        if (x->used != 0 && x->version == s->version && x->model == mh &&
            strcmp(x->ticker, s->ticker) == 0) {
            e = x;
            break;
        }
        if (x->used < e->used)
            e = x;
    }
    fc_adapt_fini(&e->ad);
    snprintf(e->ticker, sizeof e->ticker, "%s", s->ticker);
    e->version = s->version;
    e->model = mh;
    e->n_folded = n_bars - from;
    e->bars = bh;
    e->used = ++cache_tick;
    e->ad = copy;
    pthread_mutex_unlock(&cache_mu);
}

/* Into *a (empty): s's adapted state after bars[0..n_bars), from the cache
 * when it holds a prefix of them, the rest replayed. FC_ENOMEM, the
 * model's forecast errors. */
static fc_err adapted_state(const struct fc_snapshot *s,
                            const struct fc_bar *bars, int n_bars,
                            struct fc_adapt *a)
{
    int from = adapt_from(s, bars, n_bars), done = 0;

    if (from < 0)
        return fc_adapt_init(a, s->model);
    uint64_t mh = model_hash(s);
    if (!cache_get(s, mh, bars, n_bars, from, a, &done)) {
        fc_err rc = fc_adapt_init(a, s->model);
        if (rc != FC_OK)
            return rc;
    }
    if (from + done == n_bars)
        return FC_OK;
    fc_err rc = fc_model_adapt(s->model, bars, n_bars, from + done, a);
    if (rc == FC_OK)
        cache_put(s, mh, bars, n_bars, from, a);
    return rc;
}

/* A distributional model's forecast (forecast.h): the adapted state of
 * every realised day after its calibration when bars reach back to them,
 * else its calibration alone; the sample paths are seeded with the
 * version. */
static fc_err forecast_dist(const struct fc_snapshot *s,
                            const struct fc_bar *bars, int n_bars, int horizon,
                            double level, struct fc_forecast *out,
                            struct fc_diag *d)
{
    struct fc_dist_step st[FC_HORIZON_MAX];
    struct fc_model_ws *ws = NULL;
    struct fc_adapt ad = {0};

    fc_err rc = adapted_state(s, bars, n_bars, &ad);
    if (rc == FC_OK)
        rc = fc_model_ws_new(s->model, &ws);
    if (rc != FC_OK)
        goto done;
    memset(out, 0, sizeof *out);
    rc = fc_model_forecast_dist_adapted(s->model, ws, bars, n_bars, horizon,
                                        level, FC_FORECAST_PATHS,
                                        (uint64_t)s->version, &ad, st);
    if (rc != FC_OK) {
        rc = fc_diag_set(d, rc, "forecast failed: %s", fc_err_text(rc));
        goto done;
    }
    forecast_head(s, bars, n_bars, horizon, level, out);
    for (int h = 0; h < horizon; h++) {
        out->close[h] = st[h].median;
        out->lower[h] = st[h].lower;
        out->upper[h] = st[h].upper;
        out->p_up[h] = st[h].p_up;
    }
done:
    fc_model_ws_free(ws);
    fc_adapt_fini(&ad);
    return rc;
}

fc_err fc_forecast_make(const struct fc_snapshot *s, const struct fc_bar *bars,
                        int n_bars, int horizon, double level,
                        struct fc_forecast *out, struct fc_diag *d)
{
    const struct fc_model *m = s->model;
    struct fc_model_ws *ws = NULL;
    double lo = 0, hi = 0;
    fc_err rc;

    if (horizon < 1 || horizon > FC_HORIZON_MAX)
        return fc_diag_set(d, FC_EINVAL, "horizon must be in 1..%d",
                           FC_HORIZON_MAX);
    if (n_bars < fc_model_min_bars(m))
        return fc_diag_set(d, FC_EINVAL,
                           "the series has %d bars; model version %lld needs "
                           "%d",
                           n_bars, (long long)s->version, fc_model_min_bars(m));
    if (!(level > 0.0 && level < 1.0))
        return fc_diag_set(d, FC_EINVAL, "level must be in (0, 1)");
    if (fc_model_is_dist(m))
        return forecast_dist(s, bars, n_bars, horizon, level, out, d);
    float *scratch = malloc(((size_t)m->n_resid + 1) * sizeof *scratch);
    if (scratch == NULL)
        return FC_ENOMEM;
    rc = fc_conformal_bounds(m->resid, m->n_resid, level, scratch, &lo, &hi);
    free(scratch);
    if (rc != FC_OK)
        return fc_diag_set(d, rc, "level must be in (0, 1)");
    rc = fc_model_ws_new(m, &ws);
    if (rc != FC_OK)
        return rc;
    memset(out, 0, sizeof *out);
    rc = fc_model_forecast(m, ws, bars, n_bars, horizon, out->close);
    fc_model_ws_free(ws);
    if (rc != FC_OK)
        return fc_diag_set(d, rc, "forecast failed: %s", fc_err_text(rc));
    forecast_head(s, bars, n_bars, horizon, level, out);
    for (int h = 0; h < horizon; h++) {
        double w = sqrt((double)(h + 1));
        out->lower[h] = out->close[h] * exp(lo * w);
        out->upper[h] = out->close[h] * exp(hi * w);
        out->p_up[h] =
            fc_prob_up(m->resid, m->n_resid, out->close[h], out->last_close, w);
    }
    return FC_OK;
}
