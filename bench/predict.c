/* bench/predict.c — latency of one next-close prediction from a 30-day
 * window with the report preset's model (3 x LSTM(50), 50,851 parameters):
 * the median and p99 of 10,000 calls of fc_model_forecast (scaling, the
 * LSTM, unscaling), after 100 warm-up calls; then the same with the
 * workspace made and freed around each call, as the server does. The weights
 * are a Keras-style initialisation: the time does not depend on their values.
 *
 *   build/bench_predict [calls] */
#include "gemm.h"
#include "model.h"
#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 10000;
    struct fc_model *m = calloc(1, sizeof *m);
    struct fc_model_ws *ws = NULL;
    struct fc_rng rng;
    struct fc_bar bars[40];
    double out, *lat = malloc((size_t)calls * sizeof *lat), sink = 0.0;

    fc_blas_set_threads(1);
    if (calls < 1 || m == NULL || lat == NULL)
        return 1;
    fc_hparams_preset("report", &m->hp);
    m->n_feat = 1;
    m->feat[0] = FC_FEATURE_CLOSE;
    m->x_lo[FC_FEATURE_CLOSE] = m->y_lo = 80.0;
    m->x_hi[FC_FEATURE_CLOSE] = m->y_hi = 420.0;
    if (fc_lstm_new(1, 3, m->hp.units, 1, &m->net) != FC_OK ||
        fc_model_ws_new(m, &ws) != FC_OK)
        return 1;
    fc_rng_init(&rng, 1);
    fc_lstm_init_keras(m->net, &rng);
    for (int i = 0; i < 40; i++) {
        memset(&bars[i], 0, sizeof bars[i]);
        bars[i].day = 18000 + i;
        bars[i].close = 300.0 + 10.0 * sin(i / 5.0);
    }
    for (int i = 0; i < 100; i++)
        fc_model_forecast(m, ws, bars, 40, 1, &out);
    for (int i = 0; i < calls; i++) {
        double t0 = now_us();
        fc_model_forecast(m, ws, bars, 40, 1, &out);
        lat[i] = now_us() - t0;
        sink += out;
    }
    qsort(lat, (size_t)calls, sizeof *lat, cmp);
    printf("forecastd predict 1x30x1: median %.1f us, p10 %.1f us, p99 %.1f "
           "us over %d calls, OPENBLAS_CORETYPE=%s (checksum %.3f)\n",
           lat[calls / 2], lat[calls / 10], lat[(int)(calls * 0.99)], calls,
           getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE")
                                       : "(unset)",
           sink / calls);
    /* As the server answers a /predict its cache does not hold: a
     * workspace made and freed per forecast (server/domain/forecast.c). */
    for (int i = 0; i < calls; i++) {
        struct fc_model_ws *w = NULL;
        double t0 = now_us();
        if (fc_model_ws_new(m, &w) != FC_OK)
            return 1;
        fc_model_forecast(m, w, bars, 40, 1, &out);
        fc_model_ws_free(w);
        lat[i] = now_us() - t0;
        sink += out;
    }
    qsort(lat, (size_t)calls, sizeof *lat, cmp);
    printf("  with a workspace made per call, as the server does: median "
           "%.1f us, p99 %.1f us\n",
           lat[calls / 2], lat[(int)(calls * 0.99)]);
    fc_model_ws_free(ws);
    fc_model_free(m);
    free(lat);
    return 0;
}
