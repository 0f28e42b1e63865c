/* h_ops.c — the operational routes: GET /healthz (the process answers),
 * GET /readyz (the database is open and answers: 503 otherwise), GET /metrics
 * (the request counters, then the jobs and champions read from the database
 * once it is open) and GET /openapi.json (the API's description). */
#include "api_int.h"

#include "buf.h"
#include "json_io.h"
#include "live.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

fc_err fc_api_healthz(struct fc_call *c)
{
    size_t len = 0;
    return fc_api_json_reply(c->rep, 200, fc_json_status("ok", -1, &len), &len);
}

/* The router has checked readiness (FC_ROUTE_READY): its 503 is this
 * route's answer until the database is open. Then the database is asked
 * once, on a pooled connection that is free now (which reconnects one
 * that lost its server): 503 while it cannot be reached. With every
 * connection lent, requests are using the database, and it is ready. */
fc_err fc_api_readyz(struct fc_call *c)
{
    struct fc_app *app = c->app;
    size_t len = 0;
    int idx = -1;

    pthread_mutex_lock(&app->pool_mu);
    if (app->n_free > 0)
        idx = app->free_idx[--app->n_free];
    pthread_mutex_unlock(&app->pool_mu);
    if (idx >= 0) {
        struct fc_diag why;
        fc_diag_init(&why);
        fc_err rc = fc_store_ping(app->pool[idx], &why);
        fc_app_store_release(app, idx);
        if (rc != FC_OK)
            return fc_diag_set(
                c->d, rc, "the database cannot be reached: %.200s", why.msg);
    }
    return fc_api_json_reply(
        c->rep, 200, fc_json_status("ready", c->app->schema_version, &len),
        &len);
}

/* The request counters always; the jobs and champions once the database
 * is open (c->st is then lent). */
fc_err fc_api_metrics(struct fc_call *c)
{
    size_t len = 0;
    struct fc_buf b;
    char *text = fc_telemetry_render(c->app->metrics, &len);
    if (text == NULL)
        return FC_ENOMEM;
    fc_buf_init(&b, (size_t)-1 / 2);
    fc_buf_append(&b, text, len);
    free(text);
    if (c->st != NULL) {
        fc_err rc = fc_live_render(c->st, c->app->registry, &b, c->d);
        if (rc != FC_OK) {
            fc_buf_fini(&b);
            return rc;
        }
    }
    text = fc_buf_release(&b, &len);
    if (text == NULL)
        return FC_ENOMEM;
    fc_api_set_body(c->rep, 200, "text/plain; version=0.0.4; charset=utf-8",
                    text, len);
    return FC_OK;
}

fc_err fc_api_openapi(struct fc_call *c)
{
    size_t len = strlen(fc_openapi_json);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return FC_ENOMEM;
    memcpy(copy, fc_openapi_json, len + 1);
    return fc_api_json_reply(c->rep, 200, copy, &len);
}
