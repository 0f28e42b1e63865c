/* registry.c — ticker -> champion snapshot, an open-addressing hash table
 * (linear probing, FNV-1a, grown at 50 % load) under one mutex. The mutex is
 * held only to find a slot and to bump or swap a pointer: never while
 * predicting, and never while freeing a model (the last reference is dropped
 * after unlocking). Removal leaves a tombstone so probe chains stay intact. */
#include "registry.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    char ticker[FC_TICKER_MAX + 1]; /* "" = never used */
    struct fc_snapshot *snap;       /* NULL with a ticker = tombstone */
};

struct fc_registry {
    pthread_mutex_t mu;
    struct slot *slots; /* guarded by mu */
    size_t cap;         /* power of two; guarded by mu */
    size_t used;        /* slots with a ticker; guarded by mu */
    _Atomic uint64_t generation;
};

fc_err fc_snapshot_new(const char *ticker, int64_t version,
                       struct fc_model *model, struct fc_snapshot **out)
{
    struct fc_snapshot *s;
    size_t n = strlen(ticker);

    *out = NULL;
    if (n == 0 || n > FC_TICKER_MAX) {
        fc_model_free(model);
        return FC_EINVAL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        fc_model_free(model);
        return FC_ENOMEM;
    }
    atomic_init(&s->refs, 1);
    memcpy(s->ticker, ticker, n + 1);
    s->version = version;
    s->model = model;
    *out = s;
    return FC_OK;
}

void fc_snapshot_release(struct fc_snapshot *s)
{
    if (s == NULL)
        return;
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        fc_model_free(s->model);
        free(s);
    }
}

static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

fc_err fc_registry_new(struct fc_registry **out)
{
    struct fc_registry *r = calloc(1, sizeof *r);

    *out = NULL;
    if (r == NULL)
        return FC_ENOMEM;
    r->cap = 64;
    r->slots = calloc(r->cap, sizeof *r->slots);
    if (r->slots == NULL) {
        free(r);
        return FC_ENOMEM;
    }
    pthread_mutex_init(&r->mu, NULL);
    atomic_init(&r->generation, 0);
    *out = r;
    return FC_OK;
}

void fc_registry_free(struct fc_registry *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->cap; i++)
        fc_snapshot_release(r->slots[i].snap);
    pthread_mutex_destroy(&r->mu);
    free(r->slots);
    free(r);
}

/* The slot holding ticker, or the first free one on its probe chain (where
 * an insert goes). Never NULL: the table is at most half full. mu held. */
static struct slot *find(struct slot *slots, size_t cap, const char *ticker)
{
    size_t i = (size_t)hash(ticker) & (cap - 1);
    struct slot *tomb = NULL;
    for (;;) {
        struct slot *s = &slots[i];
        if (s->ticker[0] == '\0')
            return tomb ? tomb : s;
        if (strcmp(s->ticker, ticker) == 0)
            return s;
        if (s->snap == NULL && tomb == NULL)
            tomb = s;
        i = (i + 1) & (cap - 1);
    }
}

/* Double the table, dropping tombstones. mu held. */
static fc_err grow(struct fc_registry *r)
{
    size_t cap = r->cap * 2;
    struct slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return FC_ENOMEM;
    r->used = 0;
    for (size_t i = 0; i < r->cap; i++) {
        if (r->slots[i].snap == NULL)
            continue;
        *find(slots, cap, r->slots[i].ticker) = r->slots[i];
        r->used++;
    }
    free(r->slots);
    r->slots = slots;
    r->cap = cap;
    return FC_OK;
}

fc_err fc_registry_publish(struct fc_registry *r, struct fc_snapshot *s)
{
    struct fc_snapshot *old = NULL;
    fc_err rc = FC_OK;

    pthread_mutex_lock(&r->mu);
    if (2 * (r->used + 1) > r->cap)
        rc = grow(r);
    if (rc == FC_OK) {
        struct slot *sl = find(r->slots, r->cap, s->ticker);
        if (sl->ticker[0] == '\0') {
            memcpy(sl->ticker, s->ticker, sizeof sl->ticker);
            r->used++;
        } else if (sl->snap == NULL) {
            memcpy(sl->ticker, s->ticker, sizeof sl->ticker);
        }
        old = sl->snap;
        sl->snap = s;
        atomic_fetch_add(&r->generation, 1);
    }
    pthread_mutex_unlock(&r->mu);
    if (rc != FC_OK)
        fc_snapshot_release(s);
    fc_snapshot_release(old); /* outside the lock: may free a model */
    return rc;
}

struct fc_snapshot *fc_registry_acquire(struct fc_registry *r,
                                        const char *ticker)
{
    struct fc_snapshot *s;

    pthread_mutex_lock(&r->mu);
    s = find(r->slots, r->cap, ticker)->snap;
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&r->mu);
    return s;
}

void fc_registry_remove(struct fc_registry *r, const char *ticker)
{
    struct fc_snapshot *old;

    pthread_mutex_lock(&r->mu);
    struct slot *sl = find(r->slots, r->cap, ticker);
    old = sl->snap;
    sl->snap = NULL; /* a tombstone if the slot was in use */
    atomic_fetch_add(&r->generation, 1);
    pthread_mutex_unlock(&r->mu);
    fc_snapshot_release(old);
}

uint64_t fc_registry_generation(struct fc_registry *r)
{
    return atomic_load(&r->generation);
}
