/* pool.c — a fixed pool woken per run by a generation counter under one
 * mutex (STYLE.md: flag + broadcast + join). A mini-batch takes about a
 * millisecond, so a condition-variable wake-up (~10 us) is cheap enough and
 * no worker ever spins. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

struct fc_pool {
    int n;                     /* workers, the caller included */
    pthread_t *tids;           /* n - 1 threads */
    pthread_mutex_t mu;
    pthread_cond_t wake;       /* a new generation, or stopping */
    pthread_cond_t done;       /* pending reached 0 */
    unsigned long generation;  /* guarded by mu */
    int pending;               /* workers still running; guarded by mu */
    int stopping;              /* guarded by mu */
    void (*fn)(void *, int);   /* guarded by mu */
    void *ctx;                 /* guarded by mu */
};

struct start {
    struct fc_pool *p;
    int k;
};

static void *worker_main(void *arg)
{
    struct fc_pool *p = ((struct start *)arg)->p;
    int k = ((struct start *)arg)->k;
    unsigned long seen = 0;

    free(arg);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* p->mu is held at the top of every iteration. */
        while (!p->stopping && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stopping)
            break;
        seen = p->generation;
        void (*fn)(void *, int) = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->mu);
        fn(ctx, k);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
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
    p->stopping = 1;
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
        pthread_mutex_lock(&p->mu);
        p->fn = fn;
        p->ctx = ctx;
        p->pending = p->n - 1;
        p->generation++;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    fn(ctx, 0);
    if (p->n > 1) {
        pthread_mutex_lock(&p->mu);
        while (p->pending > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
