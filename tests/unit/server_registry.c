/* server_registry.c — champion snapshots: publish, acquire, release, remove,
 * growth to 10,000 tickers, and readers racing a publisher (run under ASan
 * and TSan: a use-after-free or a data race fails the build's tests). */
#include "check.h"
#include "registry.h"

#include <pthread.h>
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
    CHECK_ERR(fc_snapshot_new("", 1, calloc(1, sizeof(struct fc_model)),
                              &bad), FC_EINVAL);
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

struct race {
    struct fc_registry *r;
    int n_seen;       /* versions observed by one reader, non-decreasing */
    int n_backwards;
};

static void *reader(void *arg)
{
    struct race *x = arg;
    int64_t last = 0;
    for (int i = 0; i < 20000; i++) {
        struct fc_snapshot *s = fc_registry_acquire(x->r, "NFLX");
        if (s != NULL) {
            if (s->version < last)
                x->n_backwards++;
            last = s->version;
            x->n_seen++;
        }
        fc_snapshot_release(s);
    }
    return NULL;
}

static void readers_race_publisher(void)
{
    struct fc_registry *r = NULL;
    pthread_t th[2];
    struct race x[2];
    CHECK_OK(fc_registry_new(&r));
    for (int k = 0; k < 2; k++) {
        x[k].r = r;
        x[k].n_seen = x[k].n_backwards = 0;
        pthread_create(&th[k], NULL, reader, &x[k]);
    }
    for (int v = 1; v <= 2000; v++)
        fc_registry_publish(r, snap("NFLX", v));
    for (int k = 0; k < 2; k++) {
        pthread_join(th[k], NULL);
        CHECK_EQ_INT(x[k].n_backwards, 0);
    }
    struct fc_snapshot *s = fc_registry_acquire(r, "NFLX");
    CHECK(s != NULL && s->version == 2000);
    fc_snapshot_release(s);
    fc_registry_free(r);
}

int main(void)
{
    basics();
    many();
    readers_race_publisher();
    return check_report();
}
