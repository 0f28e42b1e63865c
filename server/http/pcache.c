/* pcache.c — the /predict reply cache: direct-mapped slots keyed by a hash
 * of the request (ticker, horizon, level, version), each holding the 200
 * body with the registry and data generations it was computed at. A lookup
 * matches the whole key, generations included, so a reply made before a
 * new champion or new bars is never served after them; it is simply
 * unreachable until its slot is reused. The lock covers a key compare and
 * a copy of a few hundred bytes, never a computation. */
#include "api_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCACHE_SLOTS 512

struct pcache_slot {
    char ticker[FC_TICKER_SIZE]; /* "" = empty */
    int horizon;
    double level;
    int64_t version;   /* 0 = the champion */
    uint64_t reg_gen;  /* registry generation when computed */
    uint64_t data_gen; /* app->data_gen when computed */
    char *body;        /* the 200 reply, malloc'ed */
    size_t len;
};

struct fc_pcache {
    pthread_mutex_t mu;
    struct pcache_slot slots[PCACHE_SLOTS]; /* guarded by mu */
};

struct fc_pcache *fc_pcache_new(void)
{
    struct fc_pcache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void fc_pcache_free(struct fc_pcache *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < PCACHE_SLOTS; i++)
        free(c->slots[i].body);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* FNV-1a over the request part of the key. */
static uint64_t key_hash(const struct fc_pcache_key *k)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    unsigned char bytes[sizeof k->level];
    memcpy(bytes, &k->level, sizeof k->level);
    for (const char *s = k->ticker; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    for (size_t i = 0; i < sizeof bytes; i++)
        h = (h ^ bytes[i]) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)k->horizon) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)k->version) * 0x100000001b3ULL;
    return h;
}

char *fc_pcache_get(struct fc_pcache *c, const struct fc_pcache_key *k,
                    size_t *len)
{
    char *copy = NULL;
    uint64_t h = key_hash(k);
    pthread_mutex_lock(&c->mu);
    struct pcache_slot *s = &c->slots[h % PCACHE_SLOTS];
    if (s->body != NULL && s->horizon == k->horizon && s->level == k->level &&
        s->version == k->version && s->reg_gen == k->reg_gen &&
        s->data_gen == k->data_gen && strcmp(s->ticker, k->ticker) == 0) {
        copy = malloc(s->len + 1);
        if (copy != NULL) {
            memcpy(copy, s->body, s->len + 1);
            *len = s->len;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return copy;
}

void fc_pcache_put(struct fc_pcache *c, const struct fc_pcache_key *k,
                   const char *body, size_t len)
{
    char *copy = malloc(len + 1);
    char *old = NULL;
    uint64_t h = key_hash(k);
    if (copy == NULL)
        return;
    memcpy(copy, body, len + 1);
    pthread_mutex_lock(&c->mu);
    struct pcache_slot *s = &c->slots[h % PCACHE_SLOTS];
    old = s->body;
    snprintf(s->ticker, sizeof s->ticker, "%s", k->ticker);
    s->horizon = k->horizon;
    s->level = k->level;
    s->version = k->version;
    s->reg_gen = k->reg_gen;
    s->data_gen = k->data_gen;
    s->body = copy;
    s->len = len;
    pthread_mutex_unlock(&c->mu);
    free(old); /* outside the lock */
}
