/* pool.c — a fixed pool woken per run by a generation counter (a flag, a
 * broadcast and a join).
 *
 * A training step runs the pool two or three times per mini-batch (the
 * gradients, then the reduction and Adam on slices of the parameters), and a
 * mini-batch at two threads takes about a millisecond. A condition-variable
 * hand-off costs 25-85 us each way on this kind of 2-core VM (the sleeping
 * side's vCPU halts and has to be woken by the hypervisor): up to a fifth of
 * the step. So both sides spin first, on C11 atomics, for a bounded time
 * (SPIN_ROUNDS pauses, about 100-200 us), and only then block on the
 * condition variables: a busy training run never sleeps between batches,
 * and an idle pool does not burn a core. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Pause rounds before blocking (a pause is 40-140 cycles on current x86). */
#define SPIN_ROUNDS 4000

struct fc_pool {
    int n;           /* workers, the caller included */
    pthread_t *tids; /* n - 1 threads */
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* a new generation, or stopping */
    pthread_cond_t done;     /* pending reached 0 */
    atomic_ulong generation; /* bumped under mu, read by spinners too */
    atomic_int pending;      /* workers still running this generation */
    atomic_int stopping;     /* set under mu */
    void (*fn)(void *, int); /* written before generation is bumped */
    void *ctx;               /* likewise */
};

struct start {
    struct fc_pool *p;
    int k;
};

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Wait until the generation moves past `seen` or the pool stops; returns the
 * new generation. */
static unsigned long wait_generation(struct fc_pool *p, unsigned long seen)
{
    unsigned long g;
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        g = atomic_load_explicit(&p->generation, memory_order_acquire);
        if (g != seen || atomic_load(&p->stopping))
            return g;
        cpu_relax();
    }
    pthread_mutex_lock(&p->mu);
    /* p->mu is held: run() bumps the generation and broadcasts under it,
     * so the check and the wait cannot miss a wake-up. */
    while (!atomic_load(&p->stopping) && atomic_load(&p->generation) == seen)
        pthread_cond_wait(&p->wake, &p->mu);
    g = atomic_load(&p->generation);
    pthread_mutex_unlock(&p->mu);
    return g;
}

static void *worker_main(void *arg)
{
    struct fc_pool *p = ((struct start *)arg)->p;
    int k = ((struct start *)arg)->k;
    unsigned long seen = 0;

    free(arg);
    for (;;) {
        seen = wait_generation(p, seen);
        if (atomic_load(&p->stopping))
            break;
        p->fn(p->ctx, k);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) ==
            1) {
            /* The last one out wakes the caller if it stopped spinning;
             * under mu, so that its check-then-wait cannot miss this. */
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

fc_err fc_pool_new(int n_threads, struct fc_pool **out)
{
    struct fc_pool *p;

    *out = NULL;
    if (n_threads < 1 || n_threads > 64)
        return FC_EINVAL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return FC_ENOMEM;
    p->tids = calloc((size_t)n_threads, sizeof *p->tids);
    if (p->tids == NULL) {
        free(p);
        return FC_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->generation, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->stopping, 0);
    p->n = 1;
    for (int k = 1; k < n_threads; k++) {
        struct start *s = malloc(sizeof *s);
        if (s == NULL) {
            fc_pool_free(p);
            return FC_ENOMEM;
        }
        s->p = p;
        s->k = k;
        if (pthread_create(&p->tids[k - 1], NULL, worker_main, s) != 0) {
            free(s);
            fc_pool_free(p);
            return FC_EIO;
        }
        p->n++;
    }
    *out = p;
    return FC_OK;
}

void fc_pool_free(struct fc_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stopping, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int k = 1; k < p->n; k++)
        pthread_join(p->tids[k - 1], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->tids);
    free(p);
}

int fc_pool_size(const struct fc_pool *p)
{
    return p->n;
}

void fc_pool_run(struct fc_pool *p, void (*fn)(void *ctx, int k), void *ctx)
{
    if (p->n > 1) {
        p->fn = fn;
        p->ctx = ctx;
        atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
        pthread_mutex_lock(&p->mu);
        /* The release orders fn, ctx and pending before the new
         * generation for the spinning workers; mu for the sleeping ones. */
        atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    fn(ctx, 0);
    if (p->n > 1) {
        for (int i = 0; i < SPIN_ROUNDS; i++) {
            if (atomic_load_explicit(&p->pending, memory_order_acquire) == 0)
                return;
            cpu_relax();
        }
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
