/* core_dist.c — the distributional model: the whole-bar features and their
 * degenerate-bar rules, the dist preset trained end to end, its blobs
 * (version 3, and 4 with the GARCH base) round trip beside the older
 * versions, the GARCH base's definition and reach, and the sample-path
 * forecast's determinism. */
#include "check.h"
#include "walk_bars.h"
#include "model.h"
#include "rng.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each feature by hand, and the rules for a bar with high = low, a zero
 * open and zero volume. */
static void bar_features(void)
{
    struct fc_model m;
    struct fc_bar b[25];
    double row[FC_FEATURE_COUNT];

    CHECK_EQ_INT(fc_feature_parse("range"), FC_FEATURE_RANGE);
    CHECK_EQ_INT(fc_feature_parse("body"), FC_FEATURE_BODY);
    CHECK_EQ_INT(fc_feature_parse("gap"), FC_FEATURE_GAP);
    CHECK_EQ_INT(fc_feature_parse("log_volume"), FC_FEATURE_LOG_VOLUME);
    CHECK(strcmp(fc_feature_name(FC_FEATURE_LOG_VOLUME), "log_volume") == 0);
    memset(&m, 0, sizeof m);
    m.hp.features = 1u << FC_FEATURE_LOG_RETURN | 1u << FC_FEATURE_RANGE |
                    1u << FC_FEATURE_BODY | 1u << FC_FEATURE_GAP |
                    1u << FC_FEATURE_LOG_VOLUME;
    for (int f = 0; f < FC_FEATURE_COUNT; f++)
        if (m.hp.features & (1u << f))
            m.feat[m.n_feat++] = f;
    CHECK_EQ_INT(m.n_feat, 5);
    for (int t = 0; t < 25; t++) {
        b[t].open = 10.0 + t;
        b[t].close = 11.0 + t;
        b[t].high = 12.0 + t;
        b[t].low = 9.0 + t;
        b[t].volume = 100.0 * (t + 1);
        b[t].adj_close = NAN;
    }
    fc_model_raw_row(&m, b, 22, row);
    CHECK_NEAR(row[0], log(33.0 / 32.0), 1e-15);
    CHECK_NEAR(row[1], log(34.0 / 31.0), 1e-15);
    CHECK_NEAR(row[2], log(33.0 / 32.0), 1e-15);
    CHECK_NEAR(row[3], log(32.0 / 32.0), 1e-15);
    /* Mean volume of bars 3..22: 100 * (4 + ... + 23) / 20 = 1350. */
    CHECK_NEAR(row[4], log(2300.0 / 1350.0), 1e-12);
    /* The first bar: no previous close (gap 0), the mean is its own. */
    fc_model_raw_row(&m, b, 0, row);
    CHECK_NEAR(row[3], 0.0, 0.0);
    CHECK_NEAR(row[4], 0.0, 0.0);
    /* A halted day: high = low, no open, no trades. */
    b[10].high = b[10].low = b[10].close;
    b[10].open = 0.0;
    b[10].volume = 0.0;
    fc_model_raw_row(&m, b, 10, row);
    for (int k = 0; k < 5; k++)
        CHECK(isfinite(row[k]));
    CHECK_NEAR(row[1], 0.0, 0.0);
    CHECK_NEAR(row[2], 0.0, 0.0);
    CHECK_NEAR(row[3], 0.0, 0.0);
    CHECK_NEAR(row[4], 0.0, 0.0);
    /* A whole series of zero volume: every ratio 0, never NaN. */
    for (int t = 0; t < 25; t++)
        b[t].volume = 0.0;
    fc_model_raw_row(&m, b, 24, row);
    CHECK_NEAR(row[4], 0.0, 0.0);
}

/* A point model on the new features trains, its robust scaler keeps the
 * body and gap at 0 (returns) and centres the range on its median. */
static void point_model_on_bar_features(void)
{
    int n = 400;
    struct fc_bar *bars = walk_bars(n, 3);
    struct fc_hparams hp;
    struct fc_model *m = NULL;
    struct fc_eval ev;

    fc_hparams_preset("point", &hp);
    hp.epochs = 2;
    hp.features = 1u << FC_FEATURE_LOG_RETURN | 1u << FC_FEATURE_RANGE |
                  1u << FC_FEATURE_BODY | 1u << FC_FEATURE_GAP |
                  1u << FC_FEATURE_LOG_VOLUME;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, &ev, NULL));
    if (m != NULL) {
        CHECK_NEAR(m->x_lo[FC_FEATURE_BODY], 0.0, 0.0);
        CHECK_NEAR(m->x_lo[FC_FEATURE_GAP], 0.0, 0.0);
        CHECK(m->x_lo[FC_FEATURE_RANGE] > 0.0);
        CHECK(m->x_hi[FC_FEATURE_RANGE] > m->x_lo[FC_FEATURE_RANGE]);
        for (int i = 0; i < ev.n; i++) {
            CHECK(isfinite(ev.predicted[i]));
            CHECK(ev.lower80[i] <= ev.upper80[i]);
        }
        CHECK(ev.mu == NULL && ev.sigma == NULL);
        fc_eval_fini(&ev);
    }
    fc_model_free(m);
    free(bars);
}

/* The dist preset (shortened) trains on clustered volatility: sigma
 * follows the bar's volatility, each test day's intervals nest and hold the
 * point, the held-out z are stored, and coverage is near its level. */
static void dist_trains_and_calibrates(void)
{
    int n = 1200;
    struct fc_bar *bars = walk_bars(n, 5);
    struct fc_hparams hp;
    struct fc_model *m = NULL;
    struct fc_eval ev;
    struct fc_diag d;

    CHECK_OK(fc_hparams_preset("dist", &hp));
    CHECK_EQ_INT(hp.loss, FC_LOSS_GAUSSIAN);
    CHECK_EQ_INT(fc_loss_parse("student_t"), FC_LOSS_STUDENT_T);
    hp.window = 20;
    hp.epochs = 15;
    fc_diag_init(&d);
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, &ev, &d));
    if (m == NULL) {
        fprintf(stderr, "%s\n", d.msg);
        free(bars);
        return;
    }
    CHECK(fc_model_is_dist(m));
    CHECK_EQ_INT(fc_lstm_n_out(m->net), 2);
    CHECK_EQ_INT(m->n_resid, ev.split.val_end - ev.split.train_end);
    CHECK(ev.mu != NULL && ev.sigma != NULL);
    double smin = INFINITY, smax = 0.0;
    for (int i = 0; ev.mu != NULL && i < ev.n; i++) {
        CHECK(isfinite(ev.mu[i]) && ev.sigma[i] > 0.0);
        smin = fmin(smin, ev.sigma[i]);
        smax = fmax(smax, ev.sigma[i]);
        CHECK(ev.lower95[i] <= ev.lower80[i]);
        CHECK(ev.lower80[i] <= ev.predicted[i]);
        CHECK(ev.predicted[i] <= ev.upper80[i]);
        CHECK(ev.upper80[i] <= ev.upper95[i]);
        CHECK(ev.p_up[i] >= 0.0 && ev.p_up[i] <= 1.0);
        CHECK_NEAR(ev.predicted[i], ev.naive[i] * exp(ev.mu[i]),
                   1e-9 * ev.naive[i]);
    }
    printf("dist: sigma %.4f..%.4f, coverage %.3f / %.3f, best epoch %d\n",
           smin, smax, ev.scores.calib.coverage80, ev.scores.calib.coverage95,
           ev.best_epoch);
    CHECK(smax > 1.5 * smin); /* the scale moves with the regime */
    CHECK(ev.scores.calib.coverage80 > 0.65 &&
          ev.scores.calib.coverage80 < 0.92);
    CHECK(ev.scores.calib.coverage95 > 0.85);
    CHECK_ERR(fc_hparams_check(&(struct fc_hparams){0}, NULL), FC_EINVAL);
    hp.target = FC_TARGET_CLOSE; /* a distribution of log returns only */
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    hp.target = FC_TARGET_LOG_RETURN;
    hp.loss = FC_LOSS_STUDENT_T;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL); /* df 0 */
    hp.student_df = 5.0f;
    CHECK_OK(fc_hparams_check(&hp, NULL));
    fc_eval_fini(&ev);
    fc_model_free(m);
    free(bars);
}

/* Version 3 round-trips a distributional model to the same bytes and the
 * same forecasts; a point model still saves as version 2 (the brief's
 * byte-identical presets), and version-2 blobs may not name a bar feature
 * nor hold two outputs. */
static void blob_v3(void)
{
    int n = 500;
    struct fc_bar *bars = walk_bars(n, 11);
    struct fc_hparams hp;
    struct fc_model *m = NULL, *back = NULL, *pt = NULL;
    uint8_t *blob = NULL, *again = NULL, *pblob = NULL;
    size_t len = 0, len2 = 0, plen = 0;
    struct fc_diag d;

    fc_hparams_preset("dist", &hp);
    hp.window = 10;
    hp.epochs = 2;
    hp.loss = FC_LOSS_STUDENT_T;
    hp.student_df = 6.0f;
    hp.garch_power = 0.0f; /* without the GARCH base: version 3 */
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, NULL, NULL));
    if (m == NULL)
        goto done;
    CHECK_OK(fc_model_save(m, &blob, &len));
    CHECK(len > 12 && blob[8] == 3);
    CHECK_OK(fc_model_load(blob, len, &back, NULL));
    if (back == NULL)
        goto done;
    CHECK_EQ_INT(back->hp.loss, FC_LOSS_STUDENT_T);
    CHECK_NEAR(back->hp.student_df, 6.0, 0.0);
    CHECK_EQ_INT(back->n_resid, m->n_resid);
    CHECK_OK(fc_model_save(back, &again, &len2));
    CHECK(len2 == len && memcmp(blob, again, len) == 0);
    double a[3], b[3];
    struct fc_model_ws *ws = NULL;
    CHECK_OK(fc_model_ws_new(m, &ws));
    CHECK_OK(fc_model_forecast(m, ws, bars, n, 3, a));
    CHECK_OK(fc_model_forecast(back, ws, bars, n, 3, b));
    fc_model_ws_free(ws);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* The same blob claiming version 2 (length and checksum fixed up)
     * is refused: version 2 knows neither the loss nor the features. */
    blob[8] = 2;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len - 8; i++) {
        h ^= blob[i];
        h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; i++)
        blob[len - 8 + i] = (uint8_t)(h >> (8 * i));
    fc_diag_init(&d);
    struct fc_model *bad = NULL;
    CHECK_ERR(fc_model_load(blob, len, &bad, &d), FC_ECORRUPT);
    CHECK(bad == NULL);
    /* A point model of the point preset is still version 2. */
    fc_hparams_preset("point", &hp);
    hp.epochs = 1;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &pt, NULL, NULL));
    if (pt != NULL) {
        CHECK_OK(fc_model_save(pt, &pblob, &plen));
        CHECK(plen > 12 && pblob[8] == 2);
    }
done:
    free(blob);
    free(again);
    free(pblob);
    fc_model_free(m);
    fc_model_free(back);
    fc_model_free(pt);
    free(bars);
}

/* Rewrite a blob's version byte and fix its checksum up. */
static void set_version(uint8_t *blob, size_t len, uint8_t version)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    blob[8] = version;
    for (size_t i = 0; i < len - 8; i++) {
        h ^= blob[i];
        h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; i++)
        blob[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

/* The GARCH base (fc_model_base): within its memory it is the GARCH filter's
 * sd to the power asked for; a forecast reads only fc_model_history_bars
 * bars before it, so a series' tail gives the answer its whole history
 * does, bit for bit; the model (version 4) round-trips to the same bytes
 * and forecasts; a blob with impossible GARCH parameters, or claiming
 * version 3, is refused; the parameter's bounds; a series whose training
 * returns are all 0 has no base to fit. */
static void garch_base(void)
{
    int n = 900;
    struct fc_bar *bars = walk_bars(n, 17);
    struct fc_hparams hp;
    struct fc_model *m = NULL, *back = NULL, *bad = NULL, *flat = NULL;
    struct fc_model_ws *ws = NULL;
    uint8_t *blob = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    double *r = NULL, *v = NULL, *mu = NULL, *sd = NULL, *mu2 = NULL,
           *sd2 = NULL;
    struct fc_diag d;

    fc_hparams_preset("default", &hp);
    CHECK_NEAR(hp.garch_power, 0.5, 0.0);
    hp.epochs = 3;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, NULL, NULL));
    if (m == NULL)
        goto done;
    CHECK(m->garch.omega > 0.0 && m->garch.alpha + m->garch.beta < 1.0);
    CHECK_EQ_INT(fc_model_history_bars(m),
                 fc_model_min_bars(m) + FC_MODEL_GARCH_MEMORY);

    /* Within FC_MODEL_GARCH_MEMORY returns: the filter's sd^0.5. */
    r = malloc((size_t)n * sizeof *r);
    v = malloc(((size_t)n + 1) * sizeof *v);
    if (r == NULL || v == NULL)
        goto done;
    for (int t = 1; t < n; t++)
        r[t - 1] = log(bars[t].close / bars[t - 1].close);
    CHECK_OK(fc_vol_garch_filter(&m->garch, r, n - 1, v));
    for (int t = 1; t <= FC_MODEL_GARCH_MEMORY; t += 37)
        CHECK_NEAR(fc_model_base(m, bars, t), pow(v[t - 1], 0.25),
                   1e-12 * pow(v[t - 1], 0.25));

    /* The tail from fc_model_history_bars before t0 on gives the same
     * forecasts as the whole series. */
    int t0 = 700, k = t0 - fc_model_history_bars(m), nt = n - t0;
    mu = malloc((size_t)nt * sizeof *mu);
    sd = malloc((size_t)nt * sizeof *sd);
    mu2 = malloc((size_t)nt * sizeof *mu2);
    sd2 = malloc((size_t)nt * sizeof *sd2);
    if (mu == NULL || sd == NULL || mu2 == NULL || sd2 == NULL)
        goto done;
    CHECK_OK(fc_model_predict_dist_range(m, bars, n, t0, n, mu, sd));
    CHECK_OK(fc_model_predict_dist_range(m, bars + k, n - k, t0 - k, n - k, mu2,
                                         sd2));
    CHECK(memcmp(mu, mu2, (size_t)nt * sizeof *mu) == 0);
    CHECK(memcmp(sd, sd2, (size_t)nt * sizeof *sd) == 0);
    /* The base reads exactly FC_MODEL_GARCH_MEMORY returns: from a tail
     * that holds them it is the same double, from one a bar shorter not. */
    int K = FC_MODEL_GARCH_MEMORY;
    struct fc_model slow = *m; /* a persistent GARCH: the seed lingers */
    slow.garch.alpha = 0.02;
    slow.garch.beta = 0.97;
    CHECK(fc_model_base(&slow, bars + 1, K + 1) ==
          fc_model_base(&slow, bars, K + 2));
    CHECK(fc_model_base(&slow, bars + 1, K) !=
          fc_model_base(&slow, bars, K + 1));
    struct fc_dist_step a[5], b[5];
    CHECK_OK(fc_model_ws_new(m, &ws));
    if (ws == NULL)
        goto done;
    CHECK_OK(fc_model_forecast_dist(m, ws, bars, n, 5, 0.8, 64, 3, a));
    k = n - fc_model_history_bars(m);
    CHECK_OK(fc_model_forecast_dist(m, ws, bars + k, n - k, 5, 0.8, 64, 3, b));
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* Step 1 is the range forecast of the bar after the last. */
    CHECK_OK(fc_model_predict_dist_range(m, bars, n, n - 1, n, mu, sd));
    CHECK_OK(fc_model_forecast_dist(m, ws, bars, n - 1, 1, 0.8, 1, 3, b));
    CHECK(b[0].mu == mu[0] && b[0].sigma == sd[0]);

    /* Version 4: the same bytes and the same forecasts after a round trip. */
    CHECK_OK(fc_model_save(m, &blob, &len));
    CHECK(len > 12 && blob[8] == 4);
    CHECK_OK(fc_model_load(blob, len, &back, NULL));
    if (back == NULL)
        goto done;
    CHECK_NEAR(back->hp.garch_power, 0.5, 0.0);
    CHECK_OK(fc_model_save(back, &again, &len2));
    CHECK(len2 == len && memcmp(blob, again, len) == 0);
    CHECK_OK(fc_model_forecast_dist(back, ws, bars, n, 5, 0.8, 64, 3, b));
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* Claiming version 3, the GARCH fields are not read: refused. */
    set_version(blob, len, 3);
    fc_diag_init(&d);
    CHECK_ERR(fc_model_load(blob, len, &bad, &d), FC_ECORRUPT);
    CHECK(bad == NULL);
    free(blob);
    blob = NULL;
    /* A non-stationary base: refused by name. */
    back->garch.beta = 1.0 - back->garch.alpha;
    CHECK_OK(fc_model_save(back, &blob, &len));
    fc_diag_init(&d);
    CHECK_ERR(fc_model_load(blob, len, &bad, &d), FC_ECORRUPT);
    CHECK(strstr(d.msg, "GARCH") != NULL);
    fc_model_free(bad);

    /* Bounds: [0, 1], and a distributional loss. */
    hp.garch_power = 1.5f;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    hp.garch_power = 0.5f;
    hp.loss = FC_LOSS_MSE;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    hp.loss = FC_LOSS_GAUSSIAN;
    /* A flat series: no GARCH fits returns that are all 0. */
    for (int t = 0; t < n; t++)
        bars[t].open = bars[t].high = bars[t].low = bars[t].close =
            bars[t].adj_close = 10.0;
    fc_diag_init(&d);
    CHECK_ERR(fc_train(&hp, bars, n, NULL, &flat, NULL, &d), FC_EINVAL);
    CHECK(flat == NULL && strstr(d.msg, "garch_power") != NULL);
done:
    fc_model_ws_free(ws);
    free(blob);
    free(again);
    free(r);
    free(v);
    free(mu);
    free(sd);
    free(mu2);
    free(sd2);
    fc_model_free(m);
    fc_model_free(back);
    free(bars);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sample-path forecasts: step 1 is the model's calibrated one-step
 * forecast, the same seed gives the same bits, another seed nearly the same
 * answer, intervals widen with the horizon, and a point model is refused. */
static void sample_paths(void)
{
    int n = 1200, h = 30;
    struct fc_bar *bars = walk_bars(n, 5);
    struct fc_hparams hp;
    struct fc_model *m = NULL;
    struct fc_model_ws *ws = NULL;
    struct fc_dist_step a[30], b[30], c[30];

    fc_hparams_preset("dist", &hp);
    hp.epochs = 5;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, NULL, NULL));
    if (m == NULL)
        goto done;
    CHECK_OK(fc_model_ws_new(m, &ws));
    CHECK_OK(fc_model_forecast_dist(m, ws, bars, n, h, 0.8, 1000, 42, a));
    CHECK_OK(fc_model_forecast_dist(m, ws, bars, n, h, 0.8, 1000, 42, b));
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK_OK(fc_model_forecast_dist(m, ws, bars, n, h, 0.8, 1000, 43, c));
    CHECK(memcmp(a, c, sizeof a) != 0);
    /* Step 1 is the model's one-step forecast: its median is
     * fc_model_forecast's point. */
    double point;
    CHECK_OK(fc_model_forecast(m, ws, bars, n, 1, &point));
    CHECK_NEAR(a[0].median, point, 1e-9 * point);
    CHECK(a[0].lower < a[0].median && a[0].median < a[0].upper);
    for (int s = 1; s < h; s++) {
        CHECK(a[s].lower < a[s].upper);
        CHECK(a[s].p_up >= 0.0 && a[s].p_up <= 1.0);
        CHECK(a[s].sigma > 0.0);
        /* Another seed: the same distribution within Monte Carlo error. */
        CHECK_NEAR(a[s].sigma, c[s].sigma, 0.15 * a[s].sigma);
    }
    CHECK(a[h - 1].upper / a[h - 1].lower >
          2.0 * (a[0].upper / a[0].lower - 1.0) + 1.0);
    CHECK(a[h - 1].sigma > 3.0 * a[0].sigma);
    printf("paths: step 1 [%.3f, %.3f] p_up %.3f; step %d [%.3f, %.3f] "
           "p_up %.3f\n",
           a[0].lower, a[0].upper, a[0].p_up, h, a[h - 1].lower, a[h - 1].upper,
           a[h - 1].p_up);
    /* Timing: horizon 30, the default number of paths, one thread. */
    double t0 = now_seconds();
    int reps = 20;
    for (int r = 0; r < reps; r++)
        fc_model_forecast_dist(m, ws, bars, n, h, 0.95, FC_MODEL_DEFAULT_PATHS,
                               (uint64_t)r, b);
    printf("paths: horizon %d, %d paths: %.2f ms per forecast\n", h,
           FC_MODEL_DEFAULT_PATHS, 1e3 * (now_seconds() - t0) / reps);
    CHECK_ERR(fc_model_forecast_dist(m, ws, bars, n, 0, 0.8, 10, 1, a),
              FC_EINVAL);
    CHECK_ERR(fc_model_forecast_dist(m, ws, bars, n, 2, 1.0, 10, 1, a),
              FC_EINVAL);
    CHECK_ERR(fc_model_forecast_dist(m, ws, bars, n, 2, 0.8, 0, 1, a),
              FC_EINVAL);
    CHECK_ERR(fc_model_forecast_dist(m, ws, bars, 10, 2, 0.8, 10, 1, a),
              FC_EINVAL);
done:
    fc_model_ws_free(ws);
    fc_model_free(m);
    free(bars);
}

int main(void)
{
    bar_features();
    point_model_on_bar_features();
    dist_trains_and_calibrates();
    blob_v3();
    garch_base();
    sample_paths();
    return check_report();
}
