/* admission.h — the job queue's rule: whether a new job of a series and
 * kind may be queued beside the ones already queued or running, and which
 * of them it replaces.
 *
 * One queued or running job per series and kind. A job a user asked for
 * replaces the automatic ones in its way (they end cancelled, "replaced by
 * job N"); any other job in the way refuses the new one (409, naming it):
 * a user's job is never replaced, and an automatic job replaces nothing.
 * Pure functions, so every store applies the same rule: a store reads the
 * active jobs of the series and kind in id order, with the series' row
 * locked, feeds them to fc_admission_add, and then either refuses or
 * cancels the replaced jobs and inserts the new one, in one transaction. */
#ifndef FC_ADMISSION_H
#define FC_ADMISSION_H

#include "err.h"

#include <stdint.h>

/* More automatic jobs in the way than this are left as they are (the
 * unique rule keeps there from being more than one). */
#define FC_ADMISSION_MAX 16

struct fc_admission {
    int64_t conflict; /* != 0: the new job is refused; this one is in the way */
    int n_replace;    /* the automatic jobs the new one replaces */
    int64_t replace[FC_ADMISSION_MAX];
    int replace_running[FC_ADMISSION_MAX]; /* 1: that one is running */
};

/* Folds one active job (id, started by the service or not, running or
 * queued) into a's decision for a new job (new_is_auto), a zeroed first.
 * Returns 0 once a is a refusal (read no further), else 1. */
int fc_admission_add(struct fc_admission *a, int new_is_auto, int64_t id,
                     int is_auto, int running);

/* The refusal of a new `kind` job of `ticker`: FC_ECONFLICT with a message
 * naming the job in the way and how to remove it. */
fc_err fc_admission_refuse(const char *ticker, const char *kind,
                           int64_t conflict, struct fc_diag *d);

#endif
