/* metrics.h — forecast accuracy, the same for the model and every baseline.
 * All ratios are fractions (mape 0.0156 means 1.56 %). Pure functions. */
#ifndef FC_METRICS_H
#define FC_METRICS_H

#include "err.h"

#include <stdint.h>

struct fc_metrics {
    int n;                       /* points compared */
    double rmse;                 /* sqrt(mean (p - a)^2), price units */
    double mae;                  /* mean |p - a| */
    double mape;                 /* mean |p - a| / |a| */
    double smape;                /* mean 2 |p - a| / (|a| + |p|) */
    double mase;                 /* mae / mase_scale (naive's in-sample MAE) */
    double directional_accuracy; /* share of days sign(p - prev) ==
                                  * sign(a - prev); a flat forecast is never
                                  * right unless the close did not move */
};

/* How a model's prediction intervals and direction probabilities held on
 * test days that their calibration did not use. */
struct fc_calibration {
    int n_resid;       /* held-out residuals the intervals come from */
    int n;             /* test days measured; 0 = not measured */
    double coverage80; /* share of those days inside the 80 % interval */
    double coverage95; /* ... inside the 95 % interval */
    double brier;      /* mean (P(up) - went up)^2 */
};

/* How one forecaster's central 80 % and 95 % prediction intervals held on
 * test days, in log-return space (y = ln(close / previous close), bounds
 * ln(bound / previous close)), as interval_score.h scores them. n == 0:
 * not measured (then every other field is meaningless). */
struct fc_interval_scores {
    int n;                      /* days scored */
    double coverage80;          /* share of days inside the 80 % interval */
    double coverage95;          /* ... inside the 95 % interval */
    double coverage80_third[3]; /* 80 % coverage in the calm, middle and
                                 * volatile thirds of the days, sorted by
                                 * the trailing 20-day realised volatility
                                 * known before each day; NaN when empty */
    double score80;             /* mean interval score (Gneiting & Raftery
                                 * 2007) at 80 %, log-return units */
    double score95;             /* ... at 95 % */
    double kupiec95_p;          /* Kupiec's test of the 95 % miss count */
    double christoffersen95_p;  /* Christoffersen's test of the 95 %
                                 * misses' independence */
    double miss95_after_miss;   /* share of the days right after a 95 %
                                 * miss that miss too (about 0.05 when
                                 * independent; interval_score.h) */
    int n_h5;                   /* days whose close 5 sessions ahead was
                                 * forecast; 0 = not measured */
    double coverage80_h5;       /* share of those inside the 80 % interval
                                 * of that 5-session-ahead forecast */
};

/* The scores of one test period: one row per forecaster, the model first,
 * then the baselines, each name at most once; the model's skill against
 * "naive"; and the calibration of the model's intervals. Rendering and
 * parsing walk rows[], so a new baseline is a new row, not new JSON code.
 * from_day and to_day are meaningful when n > 0. */
#define FC_SCORES_MAX 8

struct fc_score_row {
    const char *name;             /* static string: "model", "naive", ... */
    struct fc_metrics m;          /* point accuracy */
    struct fc_interval_scores iv; /* iv.n == 0: no intervals measured */
};

struct fc_scores {
    int32_t from_day, to_day; /* test period, day numbers */
    int n;                    /* test days */
    int n_rows;
    struct fc_score_row rows[FC_SCORES_MAX];
    double skill;                /* 1 - rmse_model / rmse_naive */
    struct fc_calibration calib; /* calib.n == 0: not measured */
};

/* Appends a row for forecaster `name` to s and returns its metrics, zeroed
 * (its interval scores too), for the caller to fill. The row's name is the
 * static string of the forecasters metrics.c lists ("model", "naive",
 * "drift", "sma14", "ewma", "garch"): a new baseline adds its name there.
 * NULL, and s unchanged, when name is not one of them, s has a row of that
 * name already, or rows[] is full. */
struct fc_metrics *fc_scores_add(struct fc_scores *s, const char *name);

/* The row of forecaster `name` in s, or NULL. */
struct fc_score_row *fc_scores_row(struct fc_scores *s, const char *name);

/* The interval skill at `level` (0.8 or 0.95): 1 - IS_model / IS_garch, the
 * mean interval scores of the "model" and "garch" rows on the same days;
 * > 0 when the model's intervals beat GARCH(1,1)'s. NaN when either row is
 * missing or not measured, or for another level. */
double fc_scores_interval_skill(const struct fc_scores *s, double level);

/* The metrics of forecaster `name` in s, or NULL when s has no such row. */
const struct fc_metrics *fc_scores_get(const struct fc_scores *s,
                                       const char *name);

/* 1 - rmse_model / rmse_naive of the "model" and "naive" rows of s (as
 * fc_metrics_skill); NaN when s lacks either. */
double fc_scores_skill(const struct fc_scores *s);

/* Accuracy of pred[i] against actual[i], given prev[i] (the last close known
 * when predicting, for direction). mase_scale <= 0 gives mase = NaN. n == 0
 * gives NaNs and n = 0. */
void fc_metrics_compute(const double *actual, const double *pred,
                        const double *prev, int n, double mase_scale,
                        struct fc_metrics *out);

/* 1 - rmse_model / rmse_naive: > 0 when the model beats the naive forecast. */
double fc_metrics_skill(const struct fc_metrics *model,
                        const struct fc_metrics *naive);

/* Split-conformal bounds (Lei et al. 2018) for a forecast's log error at
 * `level` in (0, 1): the order statistics floor((n+1) a/2) and
 * ceil((n+1)(1 - a/2)) of resid[0..n), a = 1 - level, clamped to [1, n]; lo
 * is at most 0 and hi at least 0, so the interval always holds the point.
 * n == 0 gives 0, 0. scratch[n] receives a sorted copy (no allocation).
 * FC_EINVAL for a level outside (0, 1). */
fc_err fc_conformal_bounds(const float *resid, int n, double level,
                           float *scratch, double *lo, double *hi);

/* P(close > last) for a forecast `pred` made from `last`, under the
 * empirical distribution of log errors resid[0..n) widened by w > 0 (w = 1
 * for one step ahead, sqrt(h) for h steps): the share of e with
 * pred * e^(e w) > last. 0.5 when n == 0. */
double fc_prob_up(const float *resid, int n, double pred, double last,
                  double w);

/* P(r > 0) for a log return r = mu + sigma z, sigma > 0, under the
 * empirical distribution of standardised residuals z[0..n): the share of z
 * with mu + sigma z > 0. 0.5 when n == 0. */
double fc_prob_up_z(const float *z, int n, double mu, double sigma);

#endif
