/* policy.c — the trainer's decisions: automatic jobs and promotion.
 *
 * Pure functions of the config and of counts and times the trainer passes
 * in; trainer.c does the reading and the queueing around them. */
#include "policy.h"

/* The schedule looks at least once a minute, however long the interval:
 * due-ness is per series (the age of its newest model), so a series is
 * picked up within a minute of its model ageing past the interval. */
#define SCHED_MAX_PERIOD_S 60.0

enum fc_policy_ingest fc_policy_after_ingest(const struct fc_config *cfg,
                                             const struct fc_put_result *res)
{
    if (res->inserted <= 0)
        return FC_POLICY_INGEST_NONE;
    if (res->after.champion_version <= 0) {
        /* No model yet: a first ingest trains when configured. "First"
         * means the series had no bars before this batch. */
        if (cfg->train_on_first_ingest && res->after.n_bars == res->inserted)
            return FC_POLICY_INGEST_FIRST;
        return FC_POLICY_INGEST_NONE;
    }
    if (cfg->retrain_after_new_bars <= 0)
        return FC_POLICY_INGEST_NONE;
    return FC_POLICY_INGEST_COUNT_NEW;
}

int fc_policy_new_bars_due(const struct fc_config *cfg, int64_t n_new)
{
    return cfg->retrain_after_new_bars > 0 &&
           n_new >= cfg->retrain_after_new_bars;
}

void fc_policy_sched_init(struct fc_policy_sched *s,
                          const struct fc_config *cfg, double now_s)
{
    s->period_s = fc_policy_sched_max_age_s(cfg);
    s->next_s = s->period_s > 0 ? now_s : 0;
    if (s->period_s > SCHED_MAX_PERIOD_S)
        s->period_s = SCHED_MAX_PERIOD_S;
}

int fc_policy_sched_due(const struct fc_policy_sched *s, double now_s)
{
    return s->next_s > 0 && now_s >= s->next_s;
}

void fc_policy_sched_looked(struct fc_policy_sched *s, double now_s)
{
    s->next_s = now_s + s->period_s;
}

double fc_policy_sched_wake_at(const struct fc_policy_sched *s, double retry_at)
{
    double at = s->next_s;
    if (retry_at > 0 && (at <= 0 || retry_at < at))
        at = retry_at;
    return at;
}

double fc_policy_sched_max_age_s(const struct fc_config *cfg)
{
    return cfg->retrain_interval_hours * 3600.0;
}

enum fc_promotion fc_policy_promotion(const struct fc_config *cfg, int is_auto)
{
    int policy = fc_promotion_parse(is_auto ? cfg->promotion_auto
                                            : cfg->promotion_manual);
    return policy < 0 ? FC_PROMOTE_NEVER : (enum fc_promotion)policy;
}
