/* app.c — the application's state and lifecycle: configuration, metrics,
 * the champion registry, the trainer, and the database connections. The
 * connections form a small pool, one per HTTP thread plus one, each lent
 * to one request at a time (SQLite connections are not shared between
 * threads). The app is not ready (requests needing the database get 503)
 * until fc_app_open_db has opened and migrated the database and started
 * the trainer. A connection that loses its server later reconnects by
 * itself (the store does it, with a backoff); meanwhile the calls that
 * need it answer 503 and /readyz says so. */
#include "api_int.h"

#include "registry.h"
#include "store.h"
#include "trainer.h"
#include "replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fc_err fc_app_new(const struct fc_config *cfg, struct fc_app **out)
{
    struct fc_app *app = calloc(1, sizeof *app);
    if (app == NULL)
        return FC_ENOMEM;
    app->cfg = cfg;
    fc_replica_id(cfg, app->replica, sizeof app->replica);
    app->metrics = fc_telemetry_new();
    app->rate = fc_ratelimit_new();
    app->pcache = fc_pcache_new();
    if (app->metrics == NULL || app->rate == NULL || app->pcache == NULL ||
        fc_registry_new(&app->registry) != FC_OK) {
        free(app->metrics);
        fc_ratelimit_free(app->rate);
        fc_pcache_free(app->pcache);
        free(app);
        return FC_ENOMEM;
    }
    atomic_init(&app->ready, 0);
    atomic_init(&app->data_gen, 1);
    pthread_mutex_init(&app->pool_mu, NULL);
    pthread_cond_init(&app->pool_cv, NULL);
    *out = app;
    return FC_OK;
}

/* Closes the pool's connections and frees it (a start-up that failed,
 * before anything was lent). */
static void close_pool(struct fc_app *app)
{
    for (int i = 0; i < app->n_pool; i++)
        fc_store_close(app->pool[i]);
    free(app->pool);
    free(app->free_idx);
    app->pool = NULL;
    app->free_idx = NULL;
    app->n_pool = 0;
}

fc_err fc_app_open_db(struct fc_app *app, struct fc_diag *d)
{
    fc_err rc = FC_ENOMEM;
    int n = app->cfg->http_threads + 1;
    int n_champions = 0;

    app->pool = calloc((size_t)n, sizeof *app->pool);
    app->free_idx = calloc((size_t)n, sizeof *app->free_idx);
    if (app->pool == NULL || app->free_idx == NULL)
        goto fail;
    /* The first open migrates; the others find the schema current. */
    for (int i = 0; i < n; i++) {
        rc = fc_store_open(app->cfg->db, &app->pool[i], d);
        if (rc != FC_OK)
            goto fail;
        app->n_pool = i + 1;
        app->free_idx[i] = i;
    }
    app->schema_version = fc_store_schema_version(app->pool[0]);
    rc =
        fc_trainer_load_champions(app->pool[0], app->registry, &n_champions, d);
    if (rc != FC_OK)
        goto fail;
    if (n_champions > 0)
        fprintf(stderr, "forecastd: %d champion model%s loaded\n", n_champions,
                n_champions == 1 ? "" : "s");
    /* The trainer starts before the app is ready: a request that queues a
     * job must find it there to wake (and app->trainer is then published
     * to the HTTP threads by the atomic store of ready below). */
    rc = fc_trainer_start(app->cfg, app->registry, &app->trainer, d);
    if (rc != FC_OK)
        goto fail;
    pthread_mutex_lock(&app->pool_mu);
    app->n_free = n;
    pthread_mutex_unlock(&app->pool_mu);
    atomic_store(&app->ready, 1);
    return FC_OK;
fail:
    /* Nothing is lent before ready: the pool can go, and a later call
     * starts again from nothing. */
    close_pool(app);
    return rc;
}

void fc_app_stop_trainer(struct fc_app *app)
{
    if (app == NULL)
        return;
    fc_trainer_stop(app->trainer);
    app->trainer = NULL;
}

void fc_app_free(struct fc_app *app)
{
    if (app == NULL)
        return;
    fc_app_stop_trainer(app);
    fc_registry_free(app->registry);
    fc_pcache_free(app->pcache);
    close_pool(app);
    pthread_mutex_destroy(&app->pool_mu);
    pthread_cond_destroy(&app->pool_cv);
    fc_ratelimit_free(app->rate);
    free(app->metrics);
    free(app);
}

struct fc_telemetry *fc_app_telemetry(struct fc_app *app)
{
    return app->metrics;
}

const struct fc_config *fc_app_config(const struct fc_app *app)
{
    return app->cfg;
}

struct fc_store *fc_app_store_acquire(struct fc_app *app, int *idx)
{
    pthread_mutex_lock(&app->pool_mu);
    while (app->n_free == 0)
        pthread_cond_wait(&app->pool_cv, &app->pool_mu);
    *idx = app->free_idx[--app->n_free];
    pthread_mutex_unlock(&app->pool_mu);
    return app->pool[*idx];
}

void fc_app_store_release(struct fc_app *app, int idx)
{
    pthread_mutex_lock(&app->pool_mu);
    app->free_idx[app->n_free++] = idx;
    pthread_cond_signal(&app->pool_cv);
    pthread_mutex_unlock(&app->pool_mu);
}

fc_err fc_app_need_ready(struct fc_app *app, struct fc_diag *d)
{
    if (atomic_load(&app->ready))
        return FC_OK;
    return fc_diag_set(d, FC_EUNAVAIL,
                       "the database is not open yet; retry shortly "
                       "(see /readyz)");
}
