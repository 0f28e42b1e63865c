/* records.h — the rows the service keeps: series, jobs, model versions. A
 * store (store/store.h) reads and writes them; the trainer, the JSON
 * replies and the CLI pass them around. Text members are owned by the
 * record and freed by its _fini. */
#ifndef FC_RECORDS_H
#define FC_RECORDS_H

#include "ticker.h"

#include <stddef.h>
#include <stdint.h>

/* A series as listed. first_day/last_day are FC_DAY_NONE-like INT32_MIN
 * when the series has no bars; champion_version 0 when there is no model. */
struct fc_series_info {
    char ticker[FC_TICKER_SIZE];
    int64_t n_bars;
    int32_t first_day;
    int32_t last_day;
    int64_t champion_version;
};

/* What an upsert did, and the series after it. */
struct fc_put_result {
    int64_t inserted;  /* new days */
    int64_t updated;   /* existing days whose values changed */
    int64_t unchanged; /* existing days given again with the same values */
    struct fc_series_info after;
};

enum fc_job_state {
    FC_JOB_QUEUED,
    FC_JOB_RUNNING,
    FC_JOB_SUCCEEDED,
    FC_JOB_FAILED,
    FC_JOB_CANCELLED,
    FC_JOB_STATE_COUNT_
};

/* "queued", ...; fc_job_state_parse returns -1 for an unknown name. */
const char *fc_job_state_name(enum fc_job_state s);
int fc_job_state_parse(const char *name);

/* A job row. Timestamps are RFC 3339 UTC, "" when not yet set. The text
 * members are owned (fc_job_fini frees them). */
struct fc_job {
    int64_t id;
    char kind[16]; /* "train" | "backtest" */
    char ticker[FC_TICKER_SIZE];
    enum fc_job_state state;
    int is_auto; /* 1: started by the service */
    char created_at[32];
    char started_at[32];
    char finished_at[32];
    char *params;          /* JSON text, never NULL on success */
    char *progress;        /* JSON text or NULL */
    int64_t model_version; /* 0 = none */
    char *error;           /* NULL = none */
    char *result;          /* JSON text (a backtest's) or NULL */
    char worker[128];      /* the replica that claimed it, "" = none
                              (PostgreSQL only) */
    char lease_until[32];  /* RFC 3339 UTC: a running job's claim holds
                              until then, "" = none */
};

void fc_job_fini(struct fc_job *j);
/* fc_job_fini on each of v[0..n), then free(v). NULL is a no-op. */
void fc_jobs_free(struct fc_job *v, int n);

enum fc_promotion {
    FC_PROMOTE_ALWAYS,
    FC_PROMOTE_IF_NOT_WORSE, /* skill >= the champion's (or no champion) */
    FC_PROMOTE_NEVER
};

/* "always" | "if_not_worse" | "never" -> the enum; -1 otherwise. */
int fc_promotion_parse(const char *name);

/* A stored model version. Text members and blob are owned (fc_model_rec_fini).
 */
struct fc_model_rec {
    char ticker[FC_TICKER_SIZE];
    int64_t version;
    char created_at[32];
    int champion;     /* 1 for the series' champion */
    char *params;     /* JSON text */
    char *data;       /* JSON text: first/last date, bars, sha256 */
    char *metrics;    /* JSON text */
    char *evaluation; /* JSON text: the test period day by day; NULL
                       * unless written (fc_store_job_succeed) or read
                       * (fc_store_model_evaluation) */
    double skill;     /* NaN when undefined */
    int epochs_run;
    double train_seconds;
    void *blob; /* the serialised model; NULL unless asked for */
    size_t blob_len;
};

void fc_model_rec_fini(struct fc_model_rec *m);
void fc_model_recs_free(struct fc_model_rec *v, int n);

#endif
