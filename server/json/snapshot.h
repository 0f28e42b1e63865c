/* snapshot.h — a registry snapshot (domain/registry.h) made from a stored
 * model version: its blob loaded, its metrics document parsed. */
#ifndef FC_SNAPSHOT_H
#define FC_SNAPSHOT_H

#include "err.h"
#include "records.h"
#include "registry.h"

/* A snapshot of a stored version (its blob must be loaded): the model and
 * the test-period scores of its metrics. On FC_OK the caller owns *out.
 * FC_ECORRUPT, FC_ENOMEM. */
fc_err fc_snapshot_from_rec(const struct fc_model_rec *rec,
                            struct fc_snapshot **out, struct fc_diag *d);

#endif
