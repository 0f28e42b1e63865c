/* server_policy.c — the trainer's decisions (policy.c), each from a table:
 * what an ingest queues (the first-ingest training, the retrain after
 * retrain_after_new_bars new bars), the retrain schedule's clock and the
 * model age it retrains at (retrain_interval_hours), and the promotion rule
 * a job's kind gets. Times are plain numbers: no clock, database or thread. */
#include "check.h"
#include "config.h"
#include "policy.h"

#include <stdio.h>
#include <string.h>

static const char *ingest_name(enum fc_policy_ingest a)
{
    switch (a) {
    case FC_POLICY_INGEST_NONE:
        return "none";
    case FC_POLICY_INGEST_FIRST:
        return "first";
    case FC_POLICY_INGEST_COUNT_NEW:
        return "count_new";
    }
    return "?";
}

static void after_ingest(void)
{
    static const struct {
        const char *what;
        int train_on_first_ingest;
        int retrain_after_new_bars;
        int64_t inserted;
        int64_t n_bars_after;
        int64_t champion_version;
        enum fc_policy_ingest want;
    } rows[] = {
        {"first ingest trains", 1, 20, 100, 100, 0, FC_POLICY_INGEST_FIRST},
        {"first ingest, off", 0, 20, 100, 100, 0, FC_POLICY_INGEST_NONE},
        {"first ingest, retrain off", 1, 0, 100, 100, 0,
         FC_POLICY_INGEST_FIRST},
        {"one bar, empty series", 1, 20, 1, 1, 0, FC_POLICY_INGEST_FIRST},
        {"bars before, no champion", 1, 20, 10, 110, 0, FC_POLICY_INGEST_NONE},
        {"nothing inserted, empty", 1, 20, 0, 0, 0, FC_POLICY_INGEST_NONE},
        {"nothing inserted, no champion", 1, 20, 0, 110, 0,
         FC_POLICY_INGEST_NONE},
        {"champion, new bars", 1, 20, 1, 500, 3, FC_POLICY_INGEST_COUNT_NEW},
        {"champion, first off", 0, 20, 5, 500, 3, FC_POLICY_INGEST_COUNT_NEW},
        {"champion, all bars new", 1, 20, 500, 500, 3,
         FC_POLICY_INGEST_COUNT_NEW},
        {"champion, retrain off", 1, 0, 5, 500, 3, FC_POLICY_INGEST_NONE},
        {"champion, nothing inserted", 1, 20, 0, 500, 3, FC_POLICY_INGEST_NONE},
    };
    struct fc_config cfg;
    struct fc_put_result res;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        memset(&cfg, 0, sizeof cfg);
        memset(&res, 0, sizeof res);
        cfg.train_on_first_ingest = rows[i].train_on_first_ingest;
        cfg.retrain_after_new_bars = rows[i].retrain_after_new_bars;
        res.inserted = rows[i].inserted;
        res.unchanged = 7; /* neither counts */
        res.updated = 3;
        res.after.n_bars = rows[i].n_bars_after;
        res.after.champion_version = rows[i].champion_version;
        enum fc_policy_ingest got = fc_policy_after_ingest(&cfg, &res);
        if (got != rows[i].want)
            printf("after_ingest: %s: %s, want %s\n", rows[i].what,
                   ingest_name(got), ingest_name(rows[i].want));
        CHECK_EQ_INT(got, rows[i].want);
    }
}

static void new_bars_due(void)
{
    static const struct {
        int retrain_after_new_bars;
        int64_t n_new;
        int want;
    } rows[] = {
        {20, 0, 0}, {20, 19, 0}, {20, 20, 1}, {20, 21, 1},  {20, 5000, 1},
        {1, 0, 0},  {1, 1, 1},   {0, 0, 0},   {0, 1000, 0}, {-1, 5, 0},
    };
    struct fc_config cfg;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        memset(&cfg, 0, sizeof cfg);
        cfg.retrain_after_new_bars = rows[i].retrain_after_new_bars;
        int got = fc_policy_new_bars_due(&cfg, rows[i].n_new);
        if (got != rows[i].want)
            printf("new_bars_due: after %d, %lld new: %d, want %d\n",
                   rows[i].retrain_after_new_bars, (long long)rows[i].n_new,
                   got, rows[i].want);
        CHECK_EQ_INT(got, rows[i].want);
    }
}

/* The clock from the interval: the age a model is retrained at, the period
 * between looks (at most a minute), and the first look (at once, or never
 * when the schedule is off). */
static void sched_init(void)
{
    static const struct {
        double hours;
        double max_age_s;
        double period_s;
        double next_s; /* with now = 1000 */
    } rows[] = {
        {0, 0, 0, 0},
        {0.005, 18, 18, 1000},
        {1.0 / 60, 60, 60, 1000},
        {0.5, 1800, 60, 1000},
        {24, 86400, 60, 1000},
        {24 * 365, 31536000, 60, 1000},
    };
    struct fc_config cfg;
    struct fc_policy_sched s;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        memset(&cfg, 0, sizeof cfg);
        cfg.retrain_interval_hours = rows[i].hours;
        CHECK_NEAR(fc_policy_sched_max_age_s(&cfg), rows[i].max_age_s, 1e-6);
        fc_policy_sched_init(&s, &cfg, 1000);
        CHECK_NEAR(s.period_s, rows[i].period_s, 1e-6);
        CHECK_NEAR(s.next_s, rows[i].next_s, 0);
    }
}

/* One run of the clock: due at once, looked at, due again a period later;
 * off, it is never due. */
static void sched_run(void)
{
    struct fc_config cfg;
    struct fc_policy_sched s;

    memset(&cfg, 0, sizeof cfg);
    cfg.retrain_interval_hours = 24;
    fc_policy_sched_init(&s, &cfg, 100);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 99.9), 0);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 100), 1);
    fc_policy_sched_looked(&s, 100.5); /* the look took half a second */
    CHECK_NEAR(s.next_s, 160.5, 1e-9);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 100.5), 0);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 160.4), 0);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 160.5), 1);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 1e9), 1);

    cfg.retrain_interval_hours = 0;
    fc_policy_sched_init(&s, &cfg, 100);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 100), 0);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 1e9), 0);
}

/* When the trainer wakes by itself: the earlier of the next look and a
 * retry, each 0 when there is none. */
static void sched_wake_at(void)
{
    static const struct {
        double next_s;
        double retry_at;
        double want;
    } rows[] = {
        {0, 0, 0},       {0, 5, 5},       {160, 0, 160},
        {160, 150, 150}, {160, 170, 160}, {160, 160, 160},
    };
    struct fc_policy_sched s;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        s.period_s = 60;
        s.next_s = rows[i].next_s;
        double got = fc_policy_sched_wake_at(&s, rows[i].retry_at);
        if (got != rows[i].want)
            printf("wake_at: next %g, retry %g: %g, want %g\n", rows[i].next_s,
                   rows[i].retry_at, got, rows[i].want);
        CHECK_NEAR(got, rows[i].want, 0);
    }
}

static void promotion(void)
{
    static const struct {
        const char *promotion_auto;
        const char *promotion_manual;
        int is_auto;
        enum fc_promotion want;
    } rows[] = {
        {"if_not_worse", "always", 1, FC_PROMOTE_IF_NOT_WORSE},
        {"if_not_worse", "always", 0, FC_PROMOTE_ALWAYS},
        {"always", "never", 1, FC_PROMOTE_ALWAYS},
        {"always", "never", 0, FC_PROMOTE_NEVER},
        {"never", "if_not_worse", 1, FC_PROMOTE_NEVER},
        {"never", "if_not_worse", 0, FC_PROMOTE_IF_NOT_WORSE},
        {"bogus", "always", 1, FC_PROMOTE_NEVER},
        {"always", "", 0, FC_PROMOTE_NEVER},
    };
    struct fc_config cfg;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        memset(&cfg, 0, sizeof cfg);
        snprintf(cfg.promotion_auto, sizeof cfg.promotion_auto, "%s",
                 rows[i].promotion_auto);
        snprintf(cfg.promotion_manual, sizeof cfg.promotion_manual, "%s",
                 rows[i].promotion_manual);
        enum fc_promotion got = fc_policy_promotion(&cfg, rows[i].is_auto);
        if (got != rows[i].want)
            printf("promotion: auto %s, manual %s, is_auto %d: %d, want %d\n",
                   rows[i].promotion_auto, rows[i].promotion_manual,
                   rows[i].is_auto, (int)got, (int)rows[i].want);
        CHECK_EQ_INT(got, rows[i].want);
    }
}

/* The shipped defaults, through the policies: a first ingest trains, 20
 * new bars retrain, no schedule, a manual job's version always becomes
 * champion and an automatic one's only if it is not worse. */
static void defaults(void)
{
    struct fc_config cfg;
    struct fc_put_result res;
    struct fc_policy_sched s;

    fc_config_defaults(&cfg);
    memset(&res, 0, sizeof res);
    res.inserted = res.after.n_bars = 5549;
    CHECK_EQ_INT(fc_policy_after_ingest(&cfg, &res), FC_POLICY_INGEST_FIRST);
    res.after.champion_version = 1;
    CHECK_EQ_INT(fc_policy_after_ingest(&cfg, &res),
                 FC_POLICY_INGEST_COUNT_NEW);
    CHECK_EQ_INT(fc_policy_new_bars_due(&cfg, 19), 0);
    CHECK_EQ_INT(fc_policy_new_bars_due(&cfg, 20), 1);
    fc_policy_sched_init(&s, &cfg, 1000);
    CHECK_EQ_INT(fc_policy_sched_due(&s, 1000), 0);
    CHECK_EQ_INT(fc_policy_promotion(&cfg, 0), FC_PROMOTE_ALWAYS);
    CHECK_EQ_INT(fc_policy_promotion(&cfg, 1), FC_PROMOTE_IF_NOT_WORSE);
}

int main(void)
{
    after_ingest();
    new_bars_due();
    sched_init();
    sched_run();
    sched_wake_at();
    promotion();
    defaults();
    return check_report();
}
