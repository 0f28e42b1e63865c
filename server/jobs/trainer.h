/* trainer.h — training jobs: what a job asks for, the one trainer thread
 * (`fc-train`) that runs the queue, and publishing champions.
 *
 * The queue is the jobs table (store.h): a job survives restarts, and the
 * trainer only keeps "something may be queued" in memory. The thread holds
 * its mutex at the top of its loop, trains unlocked, and publishes a new
 * champion by storing the version (one transaction that also decides the
 * promotion) and swapping the registry's pointer, both under publish_mu,
 * so the database's champion and the registry's never disagree for long
 * and a rollback (fc_trainer_promote) cannot interleave with a publish.
 * Cancelling sets an atomic flag the core reads between batches; a job
 * whose row stops being `running` (cancelled or deleted) also stops at its
 * next epoch. Nothing here knows HTTP or JSON text formats (json/). */
#ifndef FC_TRAINER_H
#define FC_TRAINER_H

#include "config.h"
#include "params.h"
#include "err.h"
#include "model.h"
#include "registry.h"
#include "snapshot.h"
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct fc_trainer; /* opaque */

/* Starts the trainer: opens its own connection to cfg->db, names its
 * claims after this replica (fc_replica_id; leases of
 * cfg->job_lease_seconds, store.h: fc_store_set_worker), sets the
 * `running` jobs back to `queued` that a previous process died or stopped
 * with (on PostgreSQL only those whose lease expired or that name this
 * replica, never another live replica's), and starts the `fc-train` thread
 * and, on PostgreSQL, the champion listener (replica.h). Keeps cfg and reg
 * (they must outlive the trainer). FC_EIO (the thread or database), FC_ENOMEM.
 */
fc_err fc_trainer_start(const struct fc_config *cfg, struct fc_registry *reg,
                        struct fc_trainer **out, struct fc_diag *d);
/* Stops the thread at its next batch boundary (the running job goes back to
 * `queued`), joins it and closes its connection. NULL is a no-op. */
void fc_trainer_stop(struct fc_trainer *tr);

/* Queues a job for ticker (normalised) with params p: a backtest when
 * p->folds > 0, else a training. Checks the series exists (FC_ENOTFOUND)
 * and has enough bars in [from, to] for the split (FC_EINVAL), then applies the
 * queue's rules (fc_store_job_create: FC_ECONFLICT with *conflict_id); a
 * replaced automatic job that was running is told to stop. On FC_OK *out is the
 * job (caller owns it). tr may be NULL (offline CLI: nothing to wake).
 * Thread-safe with a store per thread. */
fc_err fc_trainer_submit(struct fc_trainer *tr, struct fc_store *st,
                         const char *ticker, const struct fc_train_params *p,
                         int is_auto, struct fc_job *out, int64_t *conflict_id,
                         struct fc_diag *d);

/* Job id, and a list of jobs, as fc_store_job_get and fc_store_job_list
 * read them, under the lock the trainer holds from committing a job's
 * success to publishing its champion: a job this replica completed is never
 * seen succeeded before /predict answers with its version. A training job
 * another replica completed, newer than this registry's champion, reloads
 * the database's champion before it is returned (the newest succeeded one
 * of each ticker in a list), so /predict here does not wait for the
 * announcement. tr may be NULL (no lock, no reload). */
fc_err fc_trainer_job_get(struct fc_trainer *tr, struct fc_store *st,
                          int64_t id, struct fc_job *out, struct fc_diag *d);
fc_err fc_trainer_job_list(struct fc_trainer *tr, struct fc_store *st,
                           const char *ticker, int state, int64_t limit,
                           struct fc_job **out, int *n, struct fc_diag *d);

/* Cancels job id (fc_store_job_cancel) and, when it is the one training,
 * stops it at its next batch boundary. Same results as fc_store_job_cancel.
 * tr may be NULL. */
fc_err fc_trainer_cancel(struct fc_trainer *tr, struct fc_store *st, int64_t id,
                         struct fc_job *out, struct fc_diag *d);

/* After an ingest into ticker with result res: queues the automatic jobs
 * the config asks for (first ingest with train_on_first_ingest; at least
 * retrain_after_new_bars bars after the champion's data). Failures are
 * logged, never returned: the ingest already succeeded. */
void fc_trainer_after_ingest(struct fc_trainer *tr, struct fc_store *st,
                             const char *ticker,
                             const struct fc_put_result *res);

/* Makes version `version` of ticker the champion in the database and the
 * registry (rollback). *out (may be NULL) receives the version's record
 * without blob. FC_ENOTFOUND, FC_ECORRUPT (the stored blob does not load),
 * FC_EIO, FC_ENOMEM. */
fc_err fc_trainer_promote(struct fc_trainer *tr, struct fc_store *st,
                          const char *ticker, int64_t version,
                          struct fc_model_rec *out, struct fc_diag *d);

/* Loads the champion of ticker from st into the trainer's registry (one
 * with no champion any more is removed from it), or every champion when
 * ticker is NULL, under the publish lock: the listener's reload after an
 * announcement. *n (may be NULL) is how many were published. FC_EIO,
 * FC_ECORRUPT (a blob that does not load), FC_ENOMEM, the store's
 * errors. */
fc_err fc_trainer_reload(struct fc_trainer *tr, struct fc_store *st,
                         const char *ticker, int *n, struct fc_diag *d);

/* The registry the trainer publishes to. */
struct fc_registry *fc_trainer_registry(struct fc_trainer *tr);

/* Publishes every champion of st into reg (start-up). A champion whose
 * blob does not load is skipped with a message on stderr. FC_EIO,
 * FC_ENOMEM. *n (may be NULL) is how many were published. */
fc_err fc_trainer_load_champions(struct fc_store *st, struct fc_registry *reg,
                                 int *n, struct fc_diag *d);

/* Runs a claimed (running) job to its end in the calling thread: reads the
 * bars, trains with cfg->train_threads workers, writes progress per epoch,
 * stores the version (promotion by cfg's policy for the job's kind) and,
 * when it becomes champion and reg is not NULL, publishes it (under
 * publish_mu when not NULL). cancel (written by others) stops it between
 * batches: FC_ECANCELLED, nothing stored. On a training error the job is
 * marked failed with the reason and the error is returned. verbose prints
 * one line per epoch to stderr. *version (may be NULL) gets the new
 * version. The job's final state is written except for FC_ECANCELLED
 * (the caller decides: cancelled stays, a shutdown requeues). A
 * backtest job (kind "backtest") runs fc_backtest instead, stores its
 * per-fold result on the job (fc_store_job_finish) and leaves *version
 * alone. */
fc_err fc_trainer_run_job(const struct fc_config *cfg, struct fc_store *st,
                          const struct fc_job *job, atomic_int *cancel,
                          struct fc_registry *reg, pthread_mutex_t *publish_mu,
                          int verbose, int64_t *version, struct fc_diag *d);

#endif
