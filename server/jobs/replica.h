/* replica.h — this process among the replicas of one PostgreSQL database:
 * its name, and the listener thread (`fc-listen`) that keeps the
 * registry's champions in step with the database's and stops a job this
 * replica runs when another replica cancelled it.
 *
 * Replicas share the database and nothing else: each has its own
 * registry, prediction cache and trainer. A promotion made by any of them
 * is announced by the database (store.h: fc_store_listen); the listener,
 * on a connection of its own, reloads that ticker's champion into the
 * registry (fc_trainer_reload), which changes the registry generation and
 * so drops the cached predictions of that ticker. After it (re)connects
 * it reloads every champion, since announcements made while it was away
 * are lost. Under SQLite (one process) there is no listener. */
#ifndef FC_REPLICA_H
#define FC_REPLICA_H

#include "config.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>

struct fc_store;
struct fc_listener; /* opaque */

/* How the listener reloads champions (the trainer's fc_trainer_reload, so
 * that a reload cannot interleave with a local publish): ticker's champion,
 * or every champion when ticker is NULL, read through st; *n (may be NULL)
 * how many were published. */
typedef fc_err (*fc_reload_fn)(void *ctx, struct fc_store *st,
                               const char *ticker, int *n, struct fc_diag *d);

/* What the listener does when a running job was cancelled anywhere in the
 * cluster (the trainer raises its cancel flag when it runs job_id, so the
 * job stops at its next batch). Must not block. */
typedef void (*fc_stopped_fn)(void *ctx, int64_t job_id);

/* This process's replica name into out[size]: cfg->replica_id, or when it
 * is empty hostname:port (hostname:pid<N> with port 0, so that two
 * processes on one host never share a name). */
void fc_replica_id(const struct fc_config *cfg, char *out, size_t size);

/* Starts the listener thread, which reloads champions through
 * reload(ctx, ...) and passes stopped jobs to stopped(ctx, ...), on its
 * own connection to cfg->db, opened by the thread
 * (it retries every second while the database is away). FC_EIO (the
 * thread), FC_ENOMEM. */
fc_err fc_listener_start(const struct fc_config *cfg, fc_reload_fn reload,
                         fc_stopped_fn stopped, void *ctx,
                         struct fc_listener **out, struct fc_diag *d);

/* Stops the thread (within WAIT_MS), joins it, closes its connection.
 * NULL is a no-op. */
void fc_listener_stop(struct fc_listener *l);

#endif
