/* registry.h — the champion model of every series, as immutable snapshots
 * shared between the trainer (which publishes) and the HTTP threads (which
 * predict).
 *
 * Publishing swaps one pointer under the registry's mutex; a reader takes a
 * reference (fc_registry_acquire), predicts without any lock, and releases
 * it. A snapshot is freed by whoever drops its last reference, so a request
 * that started on the old champion finishes on it even if a new one is
 * published meanwhile. Lookups are by ticker in an open-addressing hash
 * table, so 10,000 series cost no more than one. Thread-safe throughout. */
#ifndef FC_REGISTRY_H
#define FC_REGISTRY_H

#include "err.h"
#include "model.h"
#include "train.h"

#include <stdatomic.h>
#include <stdint.h>

#define FC_TICKER_MAX 16

/* One published model. Its maker fills it (fc_snapshot_new, then the
 * scores); every field is read-only once it is shared. */
struct fc_snapshot {
    atomic_int refs; /* owners; freed at 0 */
    char ticker[FC_TICKER_MAX + 1];
    int64_t version;        /* per-series model version */
    struct fc_model *model; /* owned */
    /* The scores of the version's test period (from_day..to_day), as its
     * metrics document holds them. */
    struct fc_scores scores;
};

/* A snapshot with one reference, taking ownership of model (also on
 * failure: then it is freed). FC_ENOMEM, FC_EINVAL (bad ticker length). */
fc_err fc_snapshot_new(const char *ticker, int64_t version,
                       struct fc_model *model, struct fc_snapshot **out);
/* Drop one reference; the last one frees. NULL is a no-op. */
void fc_snapshot_release(struct fc_snapshot *s);

struct fc_registry;

fc_err fc_registry_new(struct fc_registry **out);
/* Releases every published snapshot. No other thread may use r. */
void fc_registry_free(struct fc_registry *r);

/* Make s the champion of its ticker; the registry takes over the caller's
 * reference (the local must not be used after). The previous champion's
 * registry reference is dropped. FC_ENOMEM (then s was released). */
fc_err fc_registry_publish(struct fc_registry *r, struct fc_snapshot *s);
/* The champion of ticker with a new reference for the caller, or NULL. */
struct fc_snapshot *fc_registry_acquire(struct fc_registry *r,
                                        const char *ticker);
/* Forget ticker's champion (the series was deleted). */
void fc_registry_remove(struct fc_registry *r, const char *ticker);
/* Incremented by every publish and remove: lets a cache notice a change. */
uint64_t fc_registry_generation(struct fc_registry *r);

#endif
