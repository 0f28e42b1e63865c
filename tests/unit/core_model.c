/* core_model.c — training end to end on synthetic series, and the model
 * blob: a sine with Gaussian noise is learned to near the noise floor, the
 * scaler never sees validation or test bars, the same seed and thread count
 * give bit-identical weights, save -> load round-trips to the bit, and every
 * truncation and a sweep of corruptions are rejected without a crash. */
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
        double mse = ev.model.rmse * ev.model.rmse;
        printf("sine: test mse %.5f (noise variance 0.0025), %d epochs\n", mse,
               ev.epochs_run);
        CHECK(mse < 2.0 * 0.05 * 0.05);
        CHECK(ev.skill > 0.5); /* far better than tomorrow = today */
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
    CHECK_NEAR(m.smape,
               (2.0 / 21.0 + 0.0 + 2.0 / 19.0 + 2.0 / 23.0) / 4.0, 1e-12);
    CHECK_NEAR(m.mase, 0.375, 1e-12);
    /* directions: up/up, up/up, down/down, up/up -> 4 of 4 */
    CHECK_NEAR(m.directional_accuracy, 1.0, 0.0);
    struct fc_metrics naive;
    fc_metrics_compute(actual, prev, prev, 4, 2.0, &naive);
    CHECK_NEAR(naive.directional_accuracy, 0.0, 0.0);
    CHECK_NEAR(fc_metrics_skill(&m, &naive),
               1.0 - sqrt(0.75) / naive.rmse, 1e-12);
}

static void presets(void)
{
    struct fc_hparams hp;
    CHECK_OK(fc_hparams_preset("report", &hp));
    CHECK_OK(fc_hparams_check(&hp, NULL));
    CHECK_OK(fc_hparams_preset("default", &hp));
    CHECK_OK(fc_hparams_check(&hp, NULL));
    CHECK_ERR(fc_hparams_preset("nope", &hp), FC_EINVAL);
    hp.dropout = 0.95f;
    CHECK_ERR(fc_hparams_check(&hp, NULL), FC_EINVAL);
}

int main(void)
{
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
