/* replica.c — the replica's name and the listener (replica.h).
 *
 * The listener thread owns its connection: it opens it, LISTENs, reloads
 * every champion, then waits for announcements WAIT_MS at a time (so a
 * stop is seen within that), reloading the named ticker's champion for
 * each new champion and passing each stopped job on. A lost connection is
 * closed and opened again a second later, followed by a reload of every
 * champion (a job stopped meanwhile is still noticed by its runner at its
 * next progress write). */
#define _GNU_SOURCE /* pthread_setname_np */
#include "replica.h"

#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long one wait for an announcement lasts. */
#define WAIT_MS 200
/* Pause before connecting again after a failure. */
#define RETRY_MS 1000

struct fc_listener {
    const struct fc_config *cfg; /* borrowed */
    fc_reload_fn reload;         /* the trainer's, with its ctx */
    fc_stopped_fn stopped;       /* the same */
    void *ctx;                   /* borrowed */
    pthread_t thread;
    atomic_int stopping;
};

void fc_replica_id(const struct fc_config *cfg, char *out, size_t size)
{
    char host[64];
    if (cfg->replica_id[0] != '\0') {
        snprintf(out, size, "%s", cfg->replica_id);
        return;
    }
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    if (cfg->port > 0)
        snprintf(out, size, "%s:%d", host, cfg->port);
    else
        snprintf(out, size, "%s:pid%ld", host, (long)getpid());
}

/* Sleeps ms milliseconds, in WAIT_MS steps, unless stopping. */
static void pause_ms(struct fc_listener *l, int ms)
{
    for (; ms > 0 && !atomic_load(&l->stopping); ms -= WAIT_MS) {
        struct timespec ts = {0, (long)WAIT_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* A connection that listens, with every champion reloaded after LISTEN
 * (what was announced before it is in the database), or NULL. */
static struct fc_store *connect_listen(struct fc_listener *l)
{
    struct fc_store *st = NULL;
    struct fc_diag d;
    int n = 0;

    fc_diag_init(&d);
    fc_err rc = fc_store_open(l->cfg->db, &st, &d);
    if (rc == FC_OK)
        rc = fc_store_listen(st, &d);
    if (rc == FC_OK)
        rc = l->reload(l->ctx, st, NULL, &n, &d);
    if (rc != FC_OK) {
        fprintf(stderr, "forecastd: champion listener: %s\n", d.msg);
        fc_store_close(st);
        return NULL;
    }
    return st;
}

static void *listener_main(void *arg)
{
    struct fc_listener *l = arg;
    struct fc_store *st = NULL;
    int lost = 0; /* a connection was lost: say when it is back */

    while (!atomic_load(&l->stopping)) {
        struct fc_announcement an;
        struct fc_diag d;

        if (st == NULL) {
            st = connect_listen(l);
            if (st == NULL) {
                pause_ms(l, RETRY_MS);
                continue;
            }
            if (lost)
                fprintf(stderr, "forecastd: champion listener: connected "
                                "again, every champion reloaded\n");
            lost = 0;
        }
        fc_diag_init(&d);
        fc_err rc = fc_store_wait_announcement(st, WAIT_MS, &an, &d);
        if (rc == FC_ENOTFOUND)
            continue;
        if (rc == FC_OK && an.job_stopped != 0)
            l->stopped(l->ctx, an.job_stopped);
        else if (rc == FC_OK)
            rc = l->reload(l->ctx, st, an.ticker, NULL, &d);
        if (rc == FC_OK)
            continue;
        fprintf(stderr, "forecastd: champion listener: %s\n", d.msg);
        if (rc == FC_EUNAVAIL || rc == FC_EIO) {
            fc_store_close(st);
            st = NULL;
            lost = 1;
            pause_ms(l, RETRY_MS);
        }
    }
    fc_store_close(st);
    return NULL;
}

fc_err fc_listener_start(const struct fc_config *cfg, fc_reload_fn reload,
                         fc_stopped_fn stopped, void *ctx,
                         struct fc_listener **out, struct fc_diag *d)
{
    struct fc_listener *l = calloc(1, sizeof *l);
    if (l == NULL)
        return FC_ENOMEM;
    l->cfg = cfg;
    l->reload = reload;
    l->stopped = stopped;
    l->ctx = ctx;
    atomic_init(&l->stopping, 0);
    int e = pthread_create(&l->thread, NULL, listener_main, l);
    if (e != 0) {
        free(l);
        return fc_diag_set(d, FC_EIO, "listener thread: %s", strerror(e));
    }
    pthread_setname_np(l->thread, "fc-listen");
    *out = l;
    return FC_OK;
}

void fc_listener_stop(struct fc_listener *l)
{
    if (l == NULL)
        return;
    atomic_store(&l->stopping, 1);
    pthread_join(l->thread, NULL);
    free(l);
}
