/* server_forecast.c — forecast assembly (fc_forecast_make) on a small
 * trained model: dates after a Friday start on Monday, skip an NYSE
 * holiday, follow every day for a series with weekend bars; every step's
 * interval contains its point, widens with the horizon and with the level.
 * The conformal order statistics themselves are the core's, tested in
 * tests/unit/core_intervals.c. */
#include "calendar.h"
#include "check.h"
#include "forecast.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* n bars ending on `last`, on NYSE sessions or every day. */
static struct fc_bar *make_bars(int n, int32_t last, int daily)
{
    struct fc_bar *b = calloc((size_t)n, sizeof *b);
    int32_t day = last;
    double price = 100.0;
    for (int i = n - 1; i >= 0; i--) {
        b[i].day = day;
        day--;
        while (!daily && !fc_calendar_is_session(FC_CALENDAR_NYSE, day))
            day--;
    }
    for (int i = 0; i < n; i++) {
        price *= 1.0 + 0.01 * sin(i * 0.7) + 0.002 * cos(i * 1.3);
        b[i].open = b[i].high = b[i].low = b[i].close = price;
        b[i].high *= 1.01;
        b[i].low *= 0.99;
        b[i].adj_close = NAN;
        b[i].volume = 1000;
    }
    return b;
}

static struct fc_snapshot *trained(const struct fc_bar *bars, int n)
{
    struct fc_hparams hp;
    struct fc_train_opts opts;
    struct fc_model *m = NULL;
    struct fc_snapshot *s = NULL;
    fc_hparams_preset("point", &hp);
    hp.window = 10;
    hp.units[0] = 4;
    hp.epochs = 2;
    memset(&opts, 0, sizeof opts);
    opts.n_threads = 1;
    if (fc_train(&hp, bars, n, &opts, &m, NULL, NULL) != FC_OK)
        return NULL;
    fc_snapshot_new("T", 1, m, &s);
    return s;
}

static void forecasts(void)
{
    struct fc_forecast f;
    /* Friday 2023-12-22; Monday 2023-12-25 is Christmas. */
    int32_t fri = fc_day_from_ymd(2023, 12, 22);
    struct fc_bar *b = make_bars(300, fri, 0);
    struct fc_snapshot *s = trained(b, 300);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK(s->model->n_resid > 0);
    CHECK_OK(fc_forecast_make(s, b, 300, 5, 0.9, &f, NULL));
    CHECK_EQ_INT(f.as_of, fri);
    CHECK_EQ_INT(f.day[0], fc_day_from_ymd(2023, 12, 26));
    CHECK_EQ_INT(f.day[1], fc_day_from_ymd(2023, 12, 27));
    CHECK_EQ_INT(f.n, 5);
    for (int h = 0; h < 5; h++) {
        CHECK(f.lower[h] <= f.close[h] && f.close[h] <= f.upper[h]);
        if (h > 0)
            CHECK(f.upper[h] / f.close[h] - f.lower[h] / f.close[h] >
                  f.upper[h - 1] / f.close[h - 1] -
                      f.lower[h - 1] / f.close[h - 1]);
    }
    /* P(up): step 1 is the core's fc_prob_up over the held-out residuals;
     * step h counts the residuals widened by sqrt(h) that lift the close
     * above the last one. */
    const struct fc_model *m = s->model;
    CHECK_NEAR(f.p_up[0],
               fc_prob_up(m->resid, m->n_resid, f.close[0], f.last_close, 1.0),
               1e-12);
    for (int h = 0; h < 5; h++) {
        int up = 0;
        for (int i = 0; i < m->n_resid; i++)
            up += f.close[h] * exp(m->resid[i] * sqrt(h + 1.0)) > f.last_close;
        CHECK_NEAR(f.p_up[h], (double)up / m->n_resid, 1e-12);
        CHECK(f.p_up[h] > 0.0 && f.p_up[h] < 1.0);
    }
    struct fc_forecast f50, f95;
    CHECK_OK(fc_forecast_make(s, b, 300, 1, 0.5, &f50, NULL));
    CHECK_OK(fc_forecast_make(s, b, 300, 1, 0.95, &f95, NULL));
    CHECK(f50.upper[0] - f50.lower[0] < f95.upper[0] - f95.lower[0]);
    CHECK(f50.close[0] == f95.close[0]);
    /* Any Friday without a holiday: the next session is the Monday. */
    struct fc_bar *b2 = make_bars(300, fc_day_from_ymd(2024, 6, 7), 0);
    CHECK_OK(fc_forecast_make(s, b2, 300, 1, 0.9, &f, NULL));
    CHECK_EQ_INT(f.day[0], fc_day_from_ymd(2024, 6, 10));
    /* Weekend bars: every day trades. */
    struct fc_bar *b3 = make_bars(300, fc_day_from_ymd(2024, 6, 7), 1);
    CHECK_OK(fc_forecast_make(s, b3, 300, 2, 0.9, &f, NULL));
    CHECK_EQ_INT(f.day[0], fc_day_from_ymd(2024, 6, 8));
    CHECK_EQ_INT(f.day[1], fc_day_from_ymd(2024, 6, 9));
    /* Bad inputs. */
    CHECK_ERR(fc_forecast_make(s, b, 300, 0, 0.9, &f, NULL), FC_EINVAL);
    CHECK_ERR(fc_forecast_make(s, b, 300, 31, 0.9, &f, NULL), FC_EINVAL);
    CHECK_ERR(fc_forecast_make(s, b, 300, 1, 1.5, &f, NULL), FC_EINVAL);
    CHECK_ERR(fc_forecast_make(s, b, 3, 1, 0.9, &f, NULL), FC_EINVAL);
    fc_snapshot_release(s);
    free(b);
    free(b2);
    free(b3);
}

int main(void)
{
    forecasts();
    return check_report();
}
