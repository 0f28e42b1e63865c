/* core_model.c — training end to end on synthetic series, and the model
 * blob: a sine with Gaussian noise is learned to near the noise floor, the
 * scaler never sees validation or test bars, the same seed and thread count
 * give bit-identical weights, save -> load round-trips to the bit, and every
 * truncation and a sweep of corruptions are rejected without a crash. The
 * accuracy tools are checked against their definitions: the robust scaler's
 * fit, AdamW's decay, an ensemble equal to the mean of its members, output
 * centring, and version-1 blobs still loading. */
#include "adam.h"
#include "check.h"
#include "metrics.h"
#include "model.h"
#include "rng.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct fc_bar *make_bars(int n, double (*f)(int t, struct fc_rng *),
                                uint64_t seed)
{
    struct fc_bar *b = calloc((size_t)n, sizeof *b);
    struct fc_rng rng;
    fc_rng_init(&rng, seed);
    for (int t = 0; t < n; t++) {
        double c = f(t, &rng);
        b[t].day = fc_day_from_ymd(2000, 1, 3) + t;
        b[t].open = b[t].high = b[t].low = b[t].close = c;
        b[t].adj_close = NAN;
        b[t].volume = 1000.0;
    }
    return b;
}

static double noisy_sine(int t, struct fc_rng *rng)
{
    return 10.0 + sin(2.0 * 3.14159265358979 * t / 25.0) +
           0.05 * fc_rng_normal(rng);
}

static struct fc_hparams small_hp(void)
{
    struct fc_hparams hp;
    fc_hparams_preset("report", &hp);
    hp.window = 20;
    hp.n_layers = 1;
    hp.units[0] = 16;
    hp.dropout = 0.0f;
    hp.epochs = 40;
    hp.learning_rate = 5e-3f;
    hp.val_frac = 0.1f;
    hp.test_frac = 0.2f;
    hp.patience = 10;
    return hp;
}

/* Learns a noisy sine to a test MSE below twice the noise variance. */
static void learns_sine(void)
{
    int n = 1200;
    struct fc_bar *bars = make_bars(n, noisy_sine, 5);
    struct fc_hparams hp = small_hp();
    struct fc_model *m = NULL;
    struct fc_eval ev;
    struct fc_diag d;
    fc_diag_init(&d);
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, &ev, &d));
    if (m != NULL) {
        const struct fc_metrics *model = fc_scores_get(&ev.scores, "model");
        CHECK(model != NULL);
        double mse = model != NULL ? model->rmse * model->rmse : NAN;
        printf("sine: test mse %.5f (noise variance 0.0025), %d epochs\n", mse,
               ev.epochs_run);
        CHECK(mse < 2.0 * 0.05 * 0.05);
        CHECK(ev.scores.skill > 0.5); /* far better than tomorrow = today */
        CHECK_EQ_INT(ev.n, n - ev.split.val_end);
        fc_eval_fini(&ev);
    }
    fc_model_free(m);
    free(bars);
}

static double ramp(int t, struct fc_rng *rng)
{
    (void)rng;
    return 1.0 + t;
}

/* The scaler's range is the training bars' alone, though later bars are far
 * larger (a ramp, so the last training bar is the maximum). */
static void scaler_sees_train_only(void)
{
    int n = 200;
    struct fc_bar *bars = make_bars(n, ramp, 1);
    struct fc_hparams hp = small_hp();
    struct fc_model *m = NULL;
    struct fc_eval ev;
    hp.epochs = 1;
    hp.features = 1u << FC_FEATURE_CLOSE | 1u << FC_FEATURE_VOLUME;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, &ev, NULL));
    if (m != NULL) {
        int te = ev.split.train_end;
        CHECK_EQ_INT(te, 140); /* ceil(0.7 * 200) */
        CHECK_NEAR(m->x_lo[FC_FEATURE_CLOSE], 1.0, 0.0);
        CHECK_NEAR(m->x_hi[FC_FEATURE_CLOSE], bars[te - 1].close, 0.0);
        CHECK_NEAR(m->y_hi, bars[te - 1].close, 0.0);
        CHECK(m->x_hi[FC_FEATURE_CLOSE] < bars[ev.split.train_end].close);
        fc_eval_fini(&ev);
    }
    fc_model_free(m);
    free(bars);
}

/* The report's split on the report's 1007 bars: 776 windows, 201 targets. */
static void report_split(void)
{
    struct fc_hparams hp;
    struct fc_split s;
    fc_hparams_preset("report", &hp);
    CHECK_OK(fc_train_split(&hp, 1007, &s, NULL));
    CHECK_EQ_INT(s.train_end - s.first, 776);
    CHECK_EQ_INT(s.n_bars - s.val_end, 201);
    CHECK_EQ_INT(s.val_end, s.train_end);
    struct fc_diag d;
    fc_diag_init(&d);
    CHECK_ERR(fc_train_split(&hp, 33, &s, &d), FC_EINVAL);
    CHECK(strstr(d.msg, "too few bars") != NULL);
}

static fc_err train_small(int threads, struct fc_model **m)
{
    int n = 300;
    struct fc_bar *bars = make_bars(n, noisy_sine, 9);
    struct fc_hparams hp = small_hp();
    struct fc_train_opts o = {0};
    hp.epochs = 3;
    hp.dropout = 0.2f;
    hp.n_layers = 2;
    hp.units[1] = 8;
    hp.batch_size = 16;
    o.n_threads = threads;
    fc_err rc = fc_train(&hp, bars, n, &o, m, NULL, NULL);
    free(bars);
    return rc;
}

static int same_weights(const struct fc_model *a, const struct fc_model *b)
{
    size_t n = fc_lstm_n_params(a->net);
    return n == fc_lstm_n_params(b->net) &&
           memcmp(fc_lstm_params_const(a->net), fc_lstm_params_const(b->net),
                  n * sizeof(float)) == 0;
}

static void deterministic(void)
{
    for (int threads = 1; threads <= 2; threads++) {
        struct fc_model *a = NULL, *b = NULL;
        CHECK_OK(train_small(threads, &a));
        CHECK_OK(train_small(threads, &b));
        CHECK(a && b && same_weights(a, b));
        fc_model_free(a);
        fc_model_free(b);
    }
}

static void blob_round_trip_and_corruption(void)
{
    struct fc_model *m = NULL, *back = NULL;
    uint8_t *blob = NULL;
    size_t len = 0;
    struct fc_diag d;

    CHECK_OK(train_small(1, &m));
    if (m == NULL)
        return;
    CHECK_OK(fc_model_save(m, &blob, &len));
    CHECK_OK(fc_model_load(blob, len, &back, NULL));
    CHECK(back != NULL && same_weights(m, back));
    if (back != NULL) {
        uint8_t *again = NULL;
        size_t len2 = 0;
        CHECK_OK(fc_model_save(back, &again, &len2));
        CHECK(len2 == len && memcmp(blob, again, len) == 0);
        free(again);
        CHECK(memcmp(&m->hp, &back->hp, sizeof m->hp) == 0);
        CHECK_EQ_INT(back->n_resid, m->n_resid);
        fc_model_free(back);
    }
    /* Every truncation is rejected. */
    int n_bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut + 1);
        memcpy(copy, blob, cut);
        back = NULL;
        if (fc_model_load(copy, cut, &back, NULL) != FC_ECORRUPT || back)
            n_bad++;
        fc_model_free(back);
        free(copy);
    }
    CHECK_EQ_INT(n_bad, 0);
    /* A flipped bit anywhere is rejected (checksum or structure). */
    uint8_t *copy = malloc(len);
    n_bad = 0;
    for (size_t i = 0; i < len; i += 7) {
        memcpy(copy, blob, len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        back = NULL;
        fc_diag_init(&d);
        if (fc_model_load(copy, len, &back, &d) != FC_ECORRUPT || back ||
            d.msg[0] == '\0')
            n_bad++;
        fc_model_free(back);
    }
    CHECK_EQ_INT(n_bad, 0);
    free(copy);
    free(blob);
    fc_model_free(m);
}

/* A forecast for h steps repeats the one-step forecast at h = 1 and stays
 * finite; the range prediction at the last bar equals the forecast. */
static void forecast_consistent(void)
{
    struct fc_model *m = NULL;
    struct fc_model_ws *ws = NULL;
    int n = 300;
    struct fc_bar *bars = make_bars(n, noisy_sine, 9);
    double one[1], many[5], range[1];
    CHECK_OK(train_small(1, &m));
    if (m == NULL)
        return;
    CHECK_OK(fc_model_ws_new(m, &ws));
    CHECK_OK(fc_model_forecast(m, ws, bars, n - 1, 1, one));
    CHECK_OK(fc_model_forecast(m, ws, bars, n - 1, 5, many));
    CHECK_OK(fc_model_predict_range(m, bars, n, n - 1, n, range));
    CHECK_NEAR(one[0], many[0], 0.0);
    CHECK_NEAR(one[0], range[0], 1e-9);
    for (int i = 0; i < 5; i++)
        CHECK(isfinite(many[i]));
    CHECK_ERR(fc_model_forecast(m, ws, bars, 5, 1, one), FC_EINVAL);
    fc_model_ws_free(ws);
    fc_model_free(m);
    free(bars);
}

static void metrics_by_hand(void)
{
    const double actual[4] = {10, 11, 9, 12};
    const double pred[4] = {11, 11, 10, 11};
    const double prev[4] = {9, 10, 11, 9};
    struct fc_metrics m;
    fc_metrics_compute(actual, pred, prev, 4, 2.0, &m);
    /* errors 1, 0, 1, -1 */
    CHECK_NEAR(m.rmse, sqrt(3.0 / 4.0), 1e-12);
    CHECK_NEAR(m.mae, 0.75, 1e-12);
    CHECK_NEAR(m.mape, (0.1 + 0.0 + 1.0 / 9.0 + 1.0 / 12.0) / 4.0, 1e-12);
    CHECK_NEAR(m.smape, (2.0 / 21.0 + 0.0 + 2.0 / 19.0 + 2.0 / 23.0) / 4.0,
               1e-12);
    CHECK_NEAR(m.mase, 0.375, 1e-12);
    /* directions: up/up, up/up, down/down, up/up -> 4 of 4 */
    CHECK_NEAR(m.directional_accuracy, 1.0, 0.0);
    struct fc_metrics naive;
    fc_metrics_compute(actual, prev, prev, 4, 2.0, &naive);
    CHECK_NEAR(naive.directional_accuracy, 0.0, 0.0);
    CHECK_NEAR(fc_metrics_skill(&m, &naive), 1.0 - sqrt(0.75) / naive.rmse,
               1e-12);
}

static void presets(void)
{
    struct fc_hparams hp;
    CHECK_OK(fc_hparams_preset("report", &hp));
    CHECK_OK(fc_hparams_check(&hp, NULL));
    CHECK_OK(fc_hparams_preset("point", &hp));
    CHECK_OK(fc_hparams_check(&hp, NULL));
    CHECK(hp.loss == FC_LOSS_MSE && hp.features == 1u << FC_FEATURE_LOG_RETURN);
    /* default is the distributional model, and dist another name for it */
    struct fc_hparams def, dist;
    CHECK_OK(fc_hparams_preset("default", &def));
    CHECK_OK(fc_hparams_check(&def, NULL));
    CHECK_OK(fc_hparams_preset("dist", &dist));
    CHECK(memcmp(&def, &dist, sizeof def) == 0);
    CHECK(def.loss == FC_LOSS_GAUSSIAN && def.target == FC_TARGET_LOG_RETURN);
    CHECK_ERR(fc_hparams_preset("nope", &hp), FC_EINVAL);
    hp.dropout = 0.95f;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
}

/* A random walk with fat tails: log returns ~ 0.02 N(0,1), and every 50th
 * day a +-30 % jump (the earnings days that MinMax lets set the scale). */
static double jumpy_walk(int t, struct fc_rng *rng)
{
    static double c; /* test-only state: make_bars calls t = 0, 1, ... */
    if (t == 0)
        c = 100.0;
    double r = 0.02 * fc_rng_normal(rng);
    if (t % 50 == 49)
        r += t % 100 == 99 ? -0.3 : 0.3;
    c *= exp(r);
    return c;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct fc_hparams robust_hp(void)
{
    struct fc_hparams hp;
    fc_hparams_preset("point", &hp);
    hp.epochs = 3;
    hp.center_output = 0;
    hp.zero_output = 0;
    hp.winsor = 0.0f;
    return hp;
}

/* Returns: lo = 0 (a 0 return stays 0) and hi = 1.4826 median |r| over the
 * training bars, far below what MinMax would use; close: lo = median. */
static void robust_scaler_fit(void)
{
    int n = 400;
    struct fc_bar *bars = make_bars(n, jumpy_walk, 3);
    struct fc_hparams hp = robust_hp();
    struct fc_model *m = NULL;
    struct fc_eval ev;
    hp.features |= 1u << FC_FEATURE_CLOSE;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, &ev, NULL));
    if (m != NULL) {
        int te = ev.split.train_end;
        double *a = malloc((size_t)te * sizeof *a);
        for (int t = 1; t < te; t++)
            a[t - 1] = fabs(log(bars[t].close / bars[t - 1].close));
        qsort(a, (size_t)(te - 1), sizeof *a, cmp_dbl);
        double med = (te - 1) % 2
                         ? a[(te - 1) / 2]
                         : 0.5 * (a[(te - 1) / 2 - 1] + a[(te - 1) / 2]);
        CHECK_NEAR(m->y_lo, 0.0, 0.0);
        CHECK_NEAR(m->x_lo[FC_FEATURE_LOG_RETURN], 0.0, 0.0);
        CHECK_NEAR(m->y_hi, 1.4826 * med, 1e-15);
        CHECK_NEAR(m->x_hi[FC_FEATURE_LOG_RETURN], 1.4826 * med, 1e-15);
        CHECK(m->y_hi < 0.05); /* ~0.02; the jumps do not set the scale */
        /* Fitted on bars [1, te): bar 0 has no return, so no input row. */
        int nc = te - 1;
        for (int t = 1; t < te; t++)
            a[t - 1] = bars[t].close;
        qsort(a, (size_t)nc, sizeof *a, cmp_dbl);
        double cmed = nc % 2 ? a[nc / 2] : 0.5 * (a[nc / 2 - 1] + a[nc / 2]);
        CHECK_NEAR(m->x_lo[FC_FEATURE_CLOSE], cmed, 1e-9);
        CHECK(m->x_hi[FC_FEATURE_CLOSE] > cmed);
        free(a);
        fc_eval_fini(&ev);
    }
    fc_model_free(m);
    free(bars);
}

/* AdamW: with a zero gradient the Adam part is 0, so one step multiplies
 * every parameter by exactly 1 - lr * weight_decay; without decay, nothing
 * moves. */
static void weight_decay_shrinks(void)
{
    struct fc_adam a;
    float p[3] = {1.0f, -2.0f, 0.5f}, g[3] = {0, 0, 0};
    CHECK_OK(fc_adam_init(&a, 3, 0.1f, 0.9f, 0.999f, 1e-7f));
    CHECK_NEAR(a.weight_decay, 0.0, 0.0);
    fc_adam_step(&a, p, g);
    CHECK_NEAR(p[1], -2.0, 0.0);
    a.weight_decay = 0.5f;
    for (int k = 0; k < 10; k++)
        fc_adam_step(&a, p, g);
    CHECK_NEAR(p[0], pow(1.0 - 0.05, 10), 1e-6);
    CHECK_NEAR(p[1], -2.0 * pow(1.0 - 0.05, 10), 1e-6);
    fc_adam_fini(&a);
    /* In training, decay leaves smaller weights than plain Adam. */
    int n = 300;
    struct fc_bar *bars = make_bars(n, jumpy_walk, 4);
    struct fc_hparams hp = robust_hp();
    struct fc_model *m0 = NULL, *m1 = NULL;
    hp.patience = 0;
    hp.learning_rate = 1e-2f;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m0, NULL, NULL));
    hp.weight_decay = 0.5f;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m1, NULL, NULL));
    if (m0 && m1) {
        double s0 = 0, s1 = 0;
        const float *w0 = fc_lstm_params_const(m0->net);
        const float *w1 = fc_lstm_params_const(m1->net);
        for (size_t i = 0; i < fc_lstm_n_params(m0->net); i++) {
            s0 += (double)w0[i] * w0[i];
            s1 += (double)w1[i] * w1[i];
        }
        CHECK(s1 < s0);
    }
    fc_model_free(m0);
    fc_model_free(m1);
    free(bars);
}

/* Trains hp as an ensemble of k_mem into *ens (with *ev) and each of its
 * members alone, from the seed the ensemble derives for it, into mem[k]. */
static void train_with_members(struct fc_hparams *hp, const struct fc_bar *bars,
                               int n, int k_mem, struct fc_model **ens,
                               struct fc_eval *ev, struct fc_model **mem)
{
    hp->n_ensemble = k_mem;
    CHECK_OK(fc_train(hp, bars, n, NULL, ens, ev, NULL));
    for (int k = 0; k < k_mem; k++) {
        struct fc_hparams h1 = *hp;
        h1.n_ensemble = 1;
        h1.seed = fc_rng_derive(hp->seed, UINT64_MAX, (uint64_t)k);
        CHECK_OK(fc_train(&h1, bars, n, NULL, &mem[k], NULL, NULL));
    }
}

/* An ensemble of K predicts the mean (in scaled target units, here log
 * returns) of K single models trained from the members' derived seeds. */
static void ensemble_is_mean_of_members(void)
{
    int n = 300, k_mem = 3;
    struct fc_bar *bars = make_bars(n, jumpy_walk, 5);
    struct fc_hparams hp = robust_hp();
    struct fc_model *ens = NULL, *mem[3] = {NULL, NULL, NULL};
    struct fc_eval ev;
    hp.n_layers = 2;
    hp.units[1] = 4;
    train_with_members(&hp, bars, n, k_mem, &ens, &ev, mem);
    if (ens && mem[0] && mem[1] && mem[2]) {
        CHECK_EQ_INT(fc_lstm_units(ens->net, 0), 16 * k_mem);
        CHECK_EQ_INT(fc_lstm_units(ens->net, 1), 4 * k_mem);
        int t0 = ev.split.val_end, nt = n - t0, n_bad = 0;
        double *pe = malloc((size_t)nt * sizeof *pe);
        double *pk = malloc((size_t)nt * sizeof *pk);
        double *sum = calloc((size_t)nt, sizeof *sum);
        CHECK_OK(fc_model_predict_range(ens, bars, n, t0, n, pe));
        for (int k = 0; k < k_mem; k++) {
            CHECK_OK(fc_model_predict_range(mem[k], bars, n, t0, n, pk));
            for (int i = 0; i < nt; i++)
                sum[i] += log(pk[i] / bars[t0 + i - 1].close) / k_mem;
        }
        for (int i = 0; i < nt; i++)
            if (fabs(log(pe[i] / bars[t0 + i - 1].close) - sum[i]) > 1e-6)
                n_bad++;
        CHECK_EQ_INT(n_bad, 0);
        free(pe);
        free(pk);
        free(sum);
        fc_eval_fini(&ev);
    }
    fc_model_free(ens);
    for (int k = 0; k < k_mem; k++)
        fc_model_free(mem[k]);
    free(bars);
}

/* A distributional ensemble averages its members' two outputs: its mu is
 * the members' mean mu, and its sigma, the scale activation of the mean
 * raw scale, lies between the members' sigmas. */
static void dist_ensemble_averages_members(void)
{
    int n = 300, k_mem = 2;
    struct fc_bar *bars = make_bars(n, jumpy_walk, 5);
    struct fc_hparams hp;
    struct fc_model *ens = NULL, *mem[2] = {NULL, NULL};
    struct fc_eval ev;
    CHECK_OK(fc_hparams_preset("default", &hp));
    hp.epochs = 3;
    hp.center_output = 0;
    train_with_members(&hp, bars, n, k_mem, &ens, &ev, mem);
    if (ens && mem[0] && mem[1]) {
        CHECK_EQ_INT(fc_lstm_units(ens->net, 0), 16 * k_mem);
        int t0 = ev.split.val_end, nt = n - t0, n_bad_mu = 0, n_bad_sd = 0;
        double *buf = malloc((size_t)nt * 6 * sizeof *buf);
        double *mu = buf, *sd = mu + nt, *mu0 = sd + nt, *sd0 = mu0 + nt;
        double *mu1 = sd0 + nt, *sd1 = mu1 + nt;
        CHECK_OK(fc_model_predict_dist_range(ens, bars, n, t0, n, mu, sd));
        CHECK_OK(fc_model_predict_dist_range(mem[0], bars, n, t0, n, mu0, sd0));
        CHECK_OK(fc_model_predict_dist_range(mem[1], bars, n, t0, n, mu1, sd1));
        for (int i = 0; i < nt; i++) {
            n_bad_mu += fabs(mu[i] - 0.5 * (mu0[i] + mu1[i])) > 1e-6;
            n_bad_sd += !(sd[i] >= fmin(sd0[i], sd1[i]) * (1 - 1e-6) &&
                          sd[i] <= fmax(sd0[i], sd1[i]) * (1 + 1e-6));
        }
        CHECK_EQ_INT(n_bad_mu, 0);
        CHECK_EQ_INT(n_bad_sd, 0);
        free(buf);
        fc_eval_fini(&ev);
    }
    fc_model_free(ens);
    for (int k = 0; k < k_mem; k++)
        fc_model_free(mem[k]);
    free(bars);
}

/* With centring, the mean forecast return over the training windows is 0;
 * the default preset (zero output, winsorising, centring) trains. */
static void centred_output(void)
{
    int n = 400;
    struct fc_bar *bars = make_bars(n, jumpy_walk, 6);
    struct fc_hparams hp;
    struct fc_model *m = NULL;
    struct fc_eval ev;
    CHECK_OK(fc_hparams_preset("point", &hp));
    hp.epochs = 5;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, &ev, NULL));
    if (m != NULL) {
        int t0 = ev.split.first, t1 = ev.split.train_end;
        double *p = malloc((size_t)(t1 - t0) * sizeof *p), mean = 0.0;
        double spread = 0.0;
        CHECK_OK(fc_model_predict_range(m, bars, n, t0, t1, p));
        for (int t = t0; t < t1; t++)
            mean += log(p[t - t0] / bars[t - 1].close) / (t1 - t0);
        for (int t = t0; t < t1; t++)
            spread += fabs(log(p[t - t0] / bars[t - 1].close) - mean);
        CHECK_NEAR(mean, 0.0, 1e-6);
        CHECK(spread > 0.0); /* a trained model, not the naive forecast */
        free(p);
        fc_eval_fini(&ev);
    }
    fc_model_free(m);
    free(bars);
}

static uint64_t test_fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Version 2 round-trips the new fields; a version-1 blob (the same without
 * the 24 bytes of new fields after clip_norm) still loads, with the
 * defaults MinMax, no decay, one member. */
static void blob_v2_fields_and_v1(void)
{
    int n = 300;
    struct fc_bar *bars = make_bars(n, jumpy_walk, 7);
    struct fc_hparams hp;
    struct fc_model *m = NULL, *back = NULL;
    uint8_t *blob = NULL;
    size_t len = 0;
    fc_hparams_preset("point", &hp);
    hp.epochs = 2;
    hp.n_ensemble = 2;
    hp.weight_decay = 0.25f;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, NULL, NULL));
    if (m == NULL) {
        free(bars);
        return;
    }
    CHECK_OK(fc_model_save(m, &blob, &len));
    CHECK_OK(fc_model_load(blob, len, &back, NULL));
    CHECK(back && memcmp(&back->hp, &m->hp, sizeof hp) == 0 &&
          same_weights(m, back));
    fc_model_free(back);
    back = NULL;
    /* v1: drop bytes [104, 128), the six new fields. */
    size_t off = 104, cut = 24, len1 = len - cut;
    uint8_t *v1 = malloc(len1);
    memcpy(v1, blob, off);
    memcpy(v1 + off, blob + off + cut, len - off - cut);
    put_le(v1 + 8, 1, 4);
    put_le(v1 + 12, len1, 4);
    put_le(v1 + len1 - 8, test_fnv1a(v1, len1 - 8), 8);
    /* Its hparams (ensemble 1) no longer match the 2-member net: corrupt. */
    CHECK_ERR(fc_model_load(v1, len1, &back, NULL), FC_ECORRUPT);
    free(v1);
    free(blob);
    fc_model_free(m);
    /* A genuine one-member model converted to v1 loads as MinMax etc. */
    hp.n_ensemble = 1;
    m = NULL;
    CHECK_OK(fc_train(&hp, bars, n, NULL, &m, NULL, NULL));
    if (m != NULL) {
        CHECK_OK(fc_model_save(m, &blob, &len));
        len1 = len - cut;
        v1 = malloc(len1);
        memcpy(v1, blob, off);
        memcpy(v1 + off, blob + off + cut, len - off - cut);
        put_le(v1 + 8, 1, 4);
        put_le(v1 + 12, len1, 4);
        put_le(v1 + len1 - 8, test_fnv1a(v1, len1 - 8), 8);
        back = NULL;
        CHECK_OK(fc_model_load(v1, len1, &back, NULL));
        if (back != NULL) {
            CHECK(back->hp.scaler == FC_SCALER_MINMAX);
            CHECK_EQ_INT(back->hp.n_ensemble, 1);
            CHECK_NEAR(back->hp.weight_decay, 0.0, 0.0);
            CHECK(same_weights(m, back));
        }
        fc_model_free(back);
        free(v1);
        free(blob);
    }
    fc_model_free(m);
    free(bars);
}

static void new_hparams_bounds(void)
{
    struct fc_hparams hp;
    fc_hparams_preset("point", &hp);
    hp.weight_decay = -0.1f;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    fc_hparams_preset("point", &hp);
    hp.n_ensemble = 0;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    hp.n_ensemble = 17;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    fc_hparams_preset("point", &hp);
    hp.scaler = (enum fc_scaler)7;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    fc_hparams_preset("point", &hp);
    hp.target = FC_TARGET_CLOSE; /* centring needs a return target */
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    fc_hparams_preset("point", &hp);
    hp.scaler = FC_SCALER_MINMAX; /* winsorising needs robust units */
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    fc_hparams_preset("point", &hp);
    hp.winsor = 0.5f;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    fc_hparams_preset("point", &hp);
    hp.zero_output = 2;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
    CHECK_EQ_INT(fc_scaler_parse("robust"), FC_SCALER_ROBUST);
    CHECK_EQ_INT(fc_scaler_parse("zscore"), -1);
}

/* Ensembles and the default preset are deterministic per seed and threads. */
static void deterministic_ensemble(void)
{
    int n = 300;
    struct fc_bar *bars = make_bars(n, jumpy_walk, 8);
    struct fc_hparams hp;
    struct fc_train_opts o = {0};
    fc_hparams_preset("point", &hp);
    hp.epochs = 3;
    hp.n_ensemble = 2;
    hp.dropout = 0.1f;
    o.n_threads = 2;
    struct fc_model *a = NULL, *b = NULL;
    CHECK_OK(fc_train(&hp, bars, n, &o, &a, NULL, NULL));
    CHECK_OK(fc_train(&hp, bars, n, &o, &b, NULL, NULL));
    CHECK(a && b && same_weights(a, b));
    fc_model_free(a);
    fc_model_free(b);
    free(bars);
}

int main(void)
{
    new_hparams_bounds();
    robust_scaler_fit();
    weight_decay_shrinks();
    ensemble_is_mean_of_members();
    dist_ensemble_averages_members();
    centred_output();
    blob_v2_fields_and_v1();
    deterministic_ensemble();
    metrics_by_hand();
    presets();
    report_split();
    scaler_sees_train_only();
    deterministic();
    blob_round_trip_and_corruption();
    forecast_consistent();
    learns_sine();
    return check_report();
}
