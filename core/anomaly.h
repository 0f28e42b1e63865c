/* anomaly.h — the days a model did not see coming (the report's anomaly
 * detection objective).
 *
 * Over a stretch of history, each day's close is forecast one step ahead
 * from the real bars before it. The residual is taken in return space,
 * r = ln(actual / previous) - ln(predicted / previous) = ln(actual /
 * predicted), so a day is judged by how far its move was from the move the
 * model expected, whatever the price level. Its z-score is r divided by the
 * standard deviation of the model's held-out residuals (m->resid: the same
 * log errors on days training never saw), and the day is an anomaly when
 * |z| >= threshold. Pure computation: no I/O, no globals. */
#ifndef FC_ANOMALY_H
#define FC_ANOMALY_H

#include "bar.h"
#include "err.h"
#include "model.h"

#include <stdint.h>

struct fc_anomaly {
    int32_t day;
    double actual;     /* close of that day */
    double predicted;  /* the model's one-step-ahead close */
    double residual;   /* ln(actual / predicted) */
    double z;          /* residual / sd */
};

struct fc_anomaly_scan {
    double sd;         /* sd of the held-out residuals (sample, n - 1) */
    int n_resid;       /* how many held-out residuals it came from */
    int n_checked;     /* days forecast */
    int32_t first_day, last_day; /* the days checked (n_checked > 0) */
    int n;             /* anomalies, by day */
    struct fc_anomaly *v; /* [n], malloc'ed; fc_anomaly_scan_fini */
};

/* Scans the days t in [t0, t1) of bars[0..n_bars) (ascending), t0 raised
 * to fc_model_min_bars(m) when lower, for |z| >= threshold (> 0).
 * FC_EINVAL (bad range or threshold, or a model with fewer than 2 held-out
 * residuals or a zero spread: then no z-score exists; reason in d),
 * FC_ENOMEM. On FC_OK *out is filled (n may be 0). */
fc_err fc_anomaly_scan(const struct fc_model *m, const struct fc_bar *bars,
                       int n_bars, int t0, int t1, double threshold,
                       struct fc_anomaly_scan *out, struct fc_diag *d);

/* The standard deviation of m's held-out residuals, NaN with fewer than 2. */
double fc_anomaly_sd(const struct fc_model *m);

void fc_anomaly_scan_fini(struct fc_anomaly_scan *s);

#endif
