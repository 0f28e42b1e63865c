/* anomaly.h — the days a model did not see coming (the report's anomaly
 * detection objective).
 *
 * Over a stretch of history, each day's close is forecast one step ahead
 * from the real bars before it. The residual is taken in return space,
 * r = ln(actual / previous) - ln(predicted / previous) = ln(actual /
 * predicted), so a day is judged by how far its move was from the move the
 * model expected, whatever the price level. Its z-score is r / sigma, and
 * the day is an anomaly when |z| >= threshold. sigma is the day's scale:
 *  - a point model has one: the standard deviation of its held-out
 *    residuals (m->resid: the same log errors on days training never saw);
 *  - a distributional model forecasts each day's log return as
 *    mu_t + sigma_t z from the bars before it, so r = ln(actual / naive) -
 *    mu_t and sigma = sigma_t s_z, with s_z the calibrated scale of its
 *    held-out standardised residuals (m->resid): the width of their 95 %
 *    split-conformal interval over 2 Phi^-1(0.975). z is then standardised
 *    as the served intervals are calibrated (|z| = 1.96 at the edge of an
 *    average 95 % interval), one in a calm era and in a volatile one
 *    alike.
 * Pure computation: no I/O, no globals. */
#ifndef FC_ANOMALY_H
#define FC_ANOMALY_H

#include "bar.h"
#include "err.h"
#include "model.h"

#include <stdint.h>

struct fc_anomaly {
    int32_t day;
    double actual;    /* close of that day */
    double predicted; /* the model's one-step-ahead close */
    double residual;  /* ln(actual / predicted) */
    double sigma;     /* the day's scale (see above) */
    double z;         /* residual / sigma */
};

struct fc_anomaly_scan {
    double sd;                   /* a point model's sd of the held-out residuals
                                  * (sample, n - 1: every day's sigma); a
                                  * distributional model's s_z */
    int dist;                    /* 1: a distributional model's daily scale */
    int n_resid;                 /* how many held-out residuals it came from */
    int n_checked;               /* days forecast */
    int32_t first_day, last_day; /* the days checked (n_checked > 0) */
    int n;                       /* anomalies, by day */
    struct fc_anomaly *v;        /* [n], malloc'ed; fc_anomaly_scan_fini */
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

/* The scale the scan divides by: fc_anomaly_sd for a point model, s_z (see
 * above) for a distributional one; NaN with fewer than 2 held-out
 * residuals, NaN also when no memory is left. */
double fc_anomaly_scale(const struct fc_model *m);

void fc_anomaly_scan_fini(struct fc_anomaly_scan *s);

#endif
