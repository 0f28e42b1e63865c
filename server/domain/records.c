#include "records.h"

#include <stdlib.h>
#include <string.h>

static const char *const job_states[FC_JOB_STATE_COUNT_] = {
    "queued", "running", "succeeded", "failed", "cancelled"};

const char *fc_job_state_name(enum fc_job_state s)
{
    return (int)s >= 0 && s < FC_JOB_STATE_COUNT_ ? job_states[s] : "failed";
}

int fc_job_state_parse(const char *name)
{
    for (int i = 0; i < FC_JOB_STATE_COUNT_; i++)
        if (strcmp(name, job_states[i]) == 0)
            return i;
    return -1;
}

int fc_promotion_parse(const char *name)
{
    if (strcmp(name, "always") == 0)
        return FC_PROMOTE_ALWAYS;
    if (strcmp(name, "if_not_worse") == 0)
        return FC_PROMOTE_IF_NOT_WORSE;
    if (strcmp(name, "never") == 0)
        return FC_PROMOTE_NEVER;
    return -1;
}

void fc_job_fini(struct fc_job *j)
{
    if (j == NULL)
        return;
    free(j->params);
    free(j->progress);
    free(j->error);
    free(j->result);
    j->params = j->progress = j->error = j->result = NULL;
}

void fc_jobs_free(struct fc_job *v, int n)
{
    if (v == NULL)
        return;
    for (int i = 0; i < n; i++)
        fc_job_fini(&v[i]);
    free(v);
}

void fc_model_rec_fini(struct fc_model_rec *m)
{
    if (m == NULL)
        return;
    free(m->params);
    free(m->data);
    free(m->metrics);
    free(m->evaluation);
    free(m->blob);
    m->params = m->data = m->metrics = m->evaluation = NULL;
    m->blob = NULL;
}

void fc_model_recs_free(struct fc_model_rec *v, int n)
{
    if (v == NULL)
        return;
    for (int i = 0; i < n; i++)
        fc_model_rec_fini(&v[i]);
    free(v);
}
