/* pool.h — the workers of a data-parallel training step: n threads that run
 * one function at a time, each with its own index, and a barrier at the end.
 * The calling thread is worker 0, so a pool of 1 starts no thread at all.
 * These are the core's only threads; they hold no state between runs. */
#ifndef FC_POOL_H
#define FC_POOL_H

#include "err.h"

struct fc_pool;

/* n_threads in 1..64. FC_EINVAL, FC_ENOMEM, FC_EIO (thread creation). */
fc_err fc_pool_new(int n_threads, struct fc_pool **out);
/* Stops and joins the workers. NULL is a no-op. */
void fc_pool_free(struct fc_pool *p);
int fc_pool_size(const struct fc_pool *p);
/* Runs fn(ctx, k) for k = 0..n-1 in parallel (k = 0 on the caller) and
 * returns when all have returned. Not reentrant: one caller at a time. */
void fc_pool_run(struct fc_pool *p, void (*fn)(void *ctx, int k), void *ctx);

#endif
