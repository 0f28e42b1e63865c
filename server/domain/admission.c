/* admission.c — the job queue's rule (admission.h). */
#include "admission.h"

int fc_admission_add(struct fc_admission *a, int new_is_auto, int64_t id,
                     int is_auto, int running)
{
    if (!is_auto || new_is_auto) {
        a->conflict = id;
        return 0;
    }
    if (a->n_replace < FC_ADMISSION_MAX) {
        a->replace[a->n_replace] = id;
        a->replace_running[a->n_replace++] = running != 0;
    }
    return 1;
}

fc_err fc_admission_refuse(const char *ticker, const char *kind,
                           int64_t conflict, struct fc_diag *d)
{
    return fc_diag_set(d, FC_ECONFLICT,
                       "%s already has %s job %lld queued or running; "
                       "wait for it or cancel it with DELETE /jobs/%lld",
                       ticker, kind, (long long)conflict, (long long)conflict);
}
