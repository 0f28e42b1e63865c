/* policy.h — when the service queues a job by itself, and how a finished
 * version is promoted: the trainer's decisions as pure functions.
 *
 * Three policies, each read from the config: after an ingest (the first
 * ingest of a series trains when train_on_first_ingest; a series with a
 * champion retrains once retrain_after_new_bars bars arrived after the
 * champion's test period), on a schedule (every series whose newest model is
 * older than retrain_interval_hours), and the promotion rule a job's kind
 * asks for (promotion_auto or promotion_manual). Nothing here reads the
 * clock, the database or the registry: the trainer gathers the counts and
 * times, asks, and does the I/O, so each decision is tested with a table
 * (tests/unit/server_policy.c). Thread-safe (no state). */
#ifndef FC_POLICY_H
#define FC_POLICY_H

#include "config.h"
#include "records.h"

#include <stdint.h>

/* What an ingest asks of the trainer. */
enum fc_policy_ingest {
    FC_POLICY_INGEST_NONE,     /* nothing to queue */
    FC_POLICY_INGEST_FIRST,    /* queue the first-ingest training */
    FC_POLICY_INGEST_COUNT_NEW /* count the bars after the champion's test
                                * period; fc_policy_new_bars_due decides */
};

/* After an ingest that wrote res into a series: nothing when no day was
 * inserted; without a champion, FIRST when cfg->train_on_first_ingest and
 * the series had no bars before (all of its bars are this batch's);
 * with a champion, COUNT_NEW when cfg->retrain_after_new_bars > 0. */
enum fc_policy_ingest fc_policy_after_ingest(const struct fc_config *cfg,
                                             const struct fc_put_result *res);

/* 1 when n_new bars after the champion's test period call for a retrain
 * (retrain_after_new_bars > 0 and n_new >= it), else 0. */
int fc_policy_new_bars_due(const struct fc_config *cfg, int64_t n_new);

/* The retrain schedule's clock, in monotonic seconds. The trainer looks at
 * once when it starts, then every period_s; which series are due is
 * decided per series by the age of its newest model
 * (fc_policy_sched_max_age_s), so the period only bounds how late a
 * series is noticed. Caller-allocated; the trainer thread's own. */
struct fc_policy_sched {
    double period_s; /* between two looks, at most 60; 0 = schedule off */
    double next_s;   /* monotonic time of the next look; 0 = none */
};

/* Starts the clock at now_s: the first look is due at once when
 * cfg->retrain_interval_hours > 0, never otherwise. */
void fc_policy_sched_init(struct fc_policy_sched *s,
                          const struct fc_config *cfg, double now_s);
/* 1 when a look is due at now_s, else 0. */
int fc_policy_sched_due(const struct fc_policy_sched *s, double now_s);
/* A look ended at now_s: the next is period_s later. */
void fc_policy_sched_looked(struct fc_policy_sched *s, double now_s);
/* When the trainer must wake up by itself: the earlier of the next look
 * and retry_at (a drain to retry after a database error); each 0 = none.
 * Returns 0 when neither is set (wait for a submit or a stop). */
double fc_policy_sched_wake_at(const struct fc_policy_sched *s,
                               double retry_at);
/* The age in seconds past which a series' newest model is due for a
 * scheduled retrain: retrain_interval_hours * 3600. */
double fc_policy_sched_max_age_s(const struct fc_config *cfg);

/* The promotion rule for a version trained by a job: cfg->promotion_auto
 * for an automatic job (is_auto != 0), else cfg->promotion_manual; a name
 * that is not a rule (config validation prevents it) never promotes. */
enum fc_promotion fc_policy_promotion(const struct fc_config *cfg, int is_auto);

#endif
