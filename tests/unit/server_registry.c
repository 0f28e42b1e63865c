/* server_registry.c — champion snapshots: publish, acquire, release, remove,
 * growth to 10,000 tickers, and readers racing a publisher (run under ASan
 * and TSan: a use-after-free or a data race fails the build's tests). */
#include "check.h"
#include "registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fc_snapshot *snap(const char *ticker, int64_t version)
{
    struct fc_snapshot *s = NULL;
    struct fc_model *m = calloc(1, sizeof *m); /* an empty model suffices */
    fc_snapshot_new(ticker, version, m, &s);
    return s;
}

static void basics(void)
{
    struct fc_registry *r = NULL;
    CHECK_OK(fc_registry_new(&r));
    CHECK(fc_registry_acquire(r, "NFLX") == NULL);
    uint64_t g0 = fc_registry_generation(r);
    CHECK_OK(fc_registry_publish(r, snap("NFLX", 1)));
    CHECK(fc_registry_generation(r) > g0);
    struct fc_snapshot *a = fc_registry_acquire(r, "NFLX");
    CHECK(a != NULL && a->version == 1);
    /* A new champion does not disturb a reader holding the old one. */
    CHECK_OK(fc_registry_publish(r, snap("NFLX", 2)));
    CHECK(a->version == 1 && strcmp(a->ticker, "NFLX") == 0);
    struct fc_snapshot *b = fc_registry_acquire(r, "NFLX");
    CHECK(b != NULL && b->version == 2);
    fc_snapshot_release(a); /* the last reference to version 1: freed */
    fc_snapshot_release(b);
    fc_registry_remove(r, "NFLX");
    CHECK(fc_registry_acquire(r, "NFLX") == NULL);
    CHECK_OK(fc_registry_publish(r, snap("NFLX", 3)));
    b = fc_registry_acquire(r, "NFLX");
    CHECK(b != NULL && b->version == 3);
    fc_snapshot_release(b);
    struct fc_snapshot *bad = NULL;
    CHECK_ERR(fc_snapshot_new("", 1, calloc(1, sizeof(struct fc_model)), &bad),
              FC_EINVAL);
    CHECK_ERR(fc_snapshot_new("ABCDEFGHIJKLMNOPQ", 1,
                              calloc(1, sizeof(struct fc_model)), &bad),
              FC_EINVAL);
    fc_registry_free(r);
}

static void many(void)
{
    struct fc_registry *r = NULL;
    char t[FC_TICKER_MAX + 1];
    int n_bad = 0;
    CHECK_OK(fc_registry_new(&r));
    for (int i = 0; i < 10000; i++) {
        snprintf(t, sizeof t, "T%d", i);
        fc_registry_publish(r, snap(t, i));
    }
    for (int i = 0; i < 10000; i += 2) {
        snprintf(t, sizeof t, "T%d", i);
        fc_registry_remove(r, t);
    }
    for (int i = 0; i < 10000; i++) {
        snprintf(t, sizeof t, "T%d", i);
        struct fc_snapshot *s = fc_registry_acquire(r, t);
        if ((i % 2 == 0) != (s == NULL) || (s && s->version != i))
            n_bad++;
        fc_snapshot_release(s);
    }
    CHECK_EQ_INT(n_bad, 0);
    fc_registry_free(r);
}

/* Readers racing a publisher. Version 1 (the old champion) is published
 * before the readers start; the publisher waits until every reader has
 * seen it, then swaps in versions 2..N_RACE_VERSIONS while the readers keep
 * acquiring; each reader stops once it sees the last (the new champion).
 * So every reader observes both the old and the new version by
 * construction, not by timing, and whatever it sees in between must be a
 * published version, never older than the one before, with the fields it
 * was published with (a freed snapshot would fail that, or ASan, TSan or
 * valgrind first). */
#define N_RACE_READERS 2
#define N_RACE_VERSIONS 2000

struct race_sync {
    struct fc_registry *r;
    pthread_mutex_t mu;
    pthread_cond_t saw_old;
    int n_saw_old;        /* readers that saw version 1; guarded by mu */
    atomic_int published; /* 1 once the last version is published */
};

struct race {
    struct race_sync *sync;
    int n_old;       /* acquisitions that returned version 1 */
    int n_between;   /* versions 2..N_RACE_VERSIONS - 1 */
    int n_new;       /* the last version */
    int n_bad;       /* NULL, an unpublished version, bad fields */
    int n_backwards; /* a version older than the one before */
};

static struct fc_snapshot *race_snap(int64_t version)
{
    struct fc_snapshot *s = snap("NFLX", version);
    if (s != NULL)
        s->scores.to_day =
            (int32_t)version; /* not yet shared: still writable */
    return s;
}

static void *reader(void *arg)
{
    struct race *x = arg;
    struct race_sync *y = x->sync;
    int64_t last = 0;
    int n_after = 0; /* acquisitions after the last publish */

    for (;;) {
        struct fc_snapshot *s = fc_registry_acquire(y->r, "NFLX");
        int64_t v = s != NULL ? s->version : 0;
        if (s == NULL || v < 1 || v > N_RACE_VERSIONS ||
            s->scores.to_day != (int32_t)v || strcmp(s->ticker, "NFLX") != 0 ||
            s->model == NULL || atomic_load(&s->refs) < 1) {
            x->n_bad++;
        } else {
            if (v < last)
                x->n_backwards++;
            last = v;
            if (v == 1) {
                x->n_old++;
            } else if (v == N_RACE_VERSIONS) {
                x->n_new++;
            } else {
                x->n_between++;
            }
            if (v == 1 && x->n_old == 1) { /* the first time: tell */
                pthread_mutex_lock(&y->mu);
                y->n_saw_old++;
                pthread_cond_signal(&y->saw_old);
                pthread_mutex_unlock(&y->mu);
            }
        }
        fc_snapshot_release(s);
        if (v == N_RACE_VERSIONS)
            break;
        /* A registry that never shows the last version fails the checks
         * below instead of hanging the test. */
        if (atomic_load(&y->published) && ++n_after > 1000)
            break;
        if (x->n_bad > 1000)
            break;
    }
    return NULL;
}

static void readers_race_publisher(void)
{
    struct race_sync y;
    pthread_t th[N_RACE_READERS];
    struct race x[N_RACE_READERS];

    memset(&y, 0, sizeof y);
    pthread_mutex_init(&y.mu, NULL);
    pthread_cond_init(&y.saw_old, NULL);
    atomic_init(&y.published, 0);
    CHECK_OK(fc_registry_new(&y.r));
    CHECK_OK(fc_registry_publish(y.r, race_snap(1)));
    for (int k = 0; k < N_RACE_READERS; k++) {
        memset(&x[k], 0, sizeof x[k]);
        x[k].sync = &y;
        CHECK_EQ_INT(pthread_create(&th[k], NULL, reader, &x[k]), 0);
    }
    /* The publisher paces itself: no swap before every reader has seen
     * the old version. */
    pthread_mutex_lock(&y.mu);
    while (y.n_saw_old < N_RACE_READERS)
        pthread_cond_wait(&y.saw_old, &y.mu);
    pthread_mutex_unlock(&y.mu);
    for (int v = 2; v <= N_RACE_VERSIONS; v++)
        CHECK_OK(fc_registry_publish(y.r, race_snap(v)));
    atomic_store(&y.published, 1);
    for (int k = 0; k < N_RACE_READERS; k++) {
        pthread_join(th[k], NULL);
        CHECK(x[k].n_old > 0);
        CHECK(x[k].n_new > 0);
        CHECK_EQ_INT(x[k].n_bad, 0);
        CHECK_EQ_INT(x[k].n_backwards, 0);
        printf("reader %d: version 1 seen %d times, 2..%d %d times, "
               "%d once\n",
               k, x[k].n_old, N_RACE_VERSIONS - 1, x[k].n_between,
               N_RACE_VERSIONS);
    }
    struct fc_snapshot *s = fc_registry_acquire(y.r, "NFLX");
    CHECK(s != NULL && s->version == N_RACE_VERSIONS);
    fc_snapshot_release(s);
    fc_registry_free(y.r);
    pthread_cond_destroy(&y.saw_old);
    pthread_mutex_destroy(&y.mu);
}

int main(void)
{
    basics();
    many();
    readers_race_publisher();
    return check_report();
}
