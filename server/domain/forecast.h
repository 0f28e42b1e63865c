/* forecast.h — a prediction from a published model: the next closes, their
 * trading-session dates and a prediction interval.
 *
 * A distributional model (fc_model_is_dist) answers with its predictive
 * distributions (core fc_model_forecast_dist_adapted) under its adapted
 * interval state (core adapt.h), built as the training evaluation scored
 * its test days: from its calibration residuals, then every realised day
 * from the first test day its calibration did not use (the snapshot's
 * scores: from_day, plus n - calib.n days) to the last bar given, in
 * order. Step 1 is last * e^(mu + s sigma q) with s the state's scale and
 * q the split-conformal quantiles of its pool at the level, P(up) the
 * share of the pool with mu + s sigma z > 0, so its interval is the one
 * the evaluation rule gives the day after the last bar; steps 2.. come
 * from FC_FORECAST_PATHS sample paths seeded with the model version, so
 * the same request on the same bars gives the same answer. When the bars
 * do not reach back to that day (or the scores lack it) the state is the
 * calibration's alone. A step's close is the median close (step 1:
 * last * e^mu, the point forecast).
 *
 * A point model's interval is split-conformal: its held-out calibration
 * residuals r = ln(actual / predicted) (m->resid, never seen in training)
 * give the order statistics of a one-step error at the requested level
 * (core fc_conformal_bounds: the point is always inside);
 * step h of a recursive forecast widens them by sqrt(h) (errors of a
 * random walk add up in variance). The probability that a step's close
 * is above the last close comes from the same residuals, widened alike.
 * Dates come from domain/calendar.h, with the calendar detected
 * on the bars given (weekend bars: daily). Pure computation on borrowed
 * inputs: no I/O, no locks, thread-safe. */
#ifndef FC_FORECAST_H
#define FC_FORECAST_H

#include "bar.h"
#include "err.h"
#include "metrics.h"
#include "registry.h"

#include <stdint.h>

#define FC_HORIZON_MAX 30
#define FC_FORECAST_PATHS FC_MODEL_DEFAULT_PATHS

struct fc_forecast {
    char ticker[FC_TICKER_MAX + 1];
    int64_t version; /* model version used */
    double level;    /* interval coverage, (0, 1) */
    int32_t as_of;   /* day of the last bar used */
    double last_close;
    int n;                        /* steps, 1..FC_HORIZON_MAX */
    int32_t day[FC_HORIZON_MAX];  /* trading session of each step */
    double close[FC_HORIZON_MAX]; /* point forecast */
    double lower[FC_HORIZON_MAX]; /* interval, lower <= close <= upper */
    double upper[FC_HORIZON_MAX];
    double p_up[FC_HORIZON_MAX]; /* P(close > last_close) */
};

/* Forecasts `horizon` (1..FC_HORIZON_MAX) closes after bars[n_bars - 1]
 * (ascending; at least fc_model_min_bars(s->model) of them, more help the
 * calendar detection; a distributional model's adapted state needs those
 * since the model's test period, fc_forecast_bars_needed) with snapshot s, at
 * interval level `level`, into *out. FC_EINVAL (too few bars, bad horizon or
 * level; reason in d), FC_ENOMEM. */
fc_err fc_forecast_make(const struct fc_snapshot *s, const struct fc_bar *bars,
                        int n_bars, int horizon, double level,
                        struct fc_forecast *out, struct fc_diag *d);

/* Bars to fetch for a forecast with model m: enough for the model and for
 * calendar detection (a week-end inside them for a daily series); 0 (every
 * bar from fc_forecast_first_day on) for a distributional model, whose
 * adapted state replays the days since its test period began. */
int fc_forecast_bars_needed(const struct fc_model *m);

/* The first day of the bars to fetch for a forecast with s: for a
 * distributional model with a test period, that period's first day less
 * a margin of two calendar days per bar the model reads before a forecast
 * (fc_model_history_bars: its window, and its GARCH base's memory) and a
 * month (so those bars are there in a daily series with holidays); else
 * INT32_MIN. */
int32_t fc_forecast_first_day(const struct fc_snapshot *s);

/* Whether bars[0..n_bars) (fetched from fc_forecast_first_day) reach back
 * to every day s's adapted state replays, with fc_model_history_bars before
 * the first; 0 when they do not and every bar would (a series with a gap
 * in the margin): then fetch every bar. */
int fc_forecast_reaches(const struct fc_snapshot *s, const struct fc_bar *bars,
                        int n_bars);

#endif
