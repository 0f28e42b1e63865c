/* h_ops.c — the operational routes: GET /healthz (the process answers),
 * GET /readyz (the database is open: 503 until then), GET /metrics (the
 * request counters, then the jobs and champions read from the database
 * once it is open) and GET /openapi.json (the API's description). */
#include "api_int.h"

#include "buf.h"
#include "json_io.h"
#include "live.h"

#include <stdlib.h>
#include <string.h>

fc_err fc_api_healthz(struct fc_app *app, const struct fc_req *req,
                      char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                      struct fc_diag *d)
{
    size_t len = 0;
    (void)app, (void)req, (void)params, (void)d;
    return fc_api_json_reply(rep, 200, fc_json_status("ok", -1, &len), &len);
}

fc_err fc_api_readyz(struct fc_app *app, const struct fc_req *req,
                     char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                     struct fc_diag *d)
{
    size_t len = 0;
    (void)req, (void)params;
    fc_err rc = fc_app_need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    return fc_api_json_reply(
        rep, 200, fc_json_status("ready", app->schema_version, &len), &len);
}

fc_err fc_api_metrics(struct fc_app *app, const struct fc_req *req,
                      char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                      struct fc_diag *d)
{
    size_t len = 0;
    struct fc_buf b;
    int idx;
    (void)req, (void)params;
    char *text = fc_telemetry_render(app->metrics, &len);
    if (text == NULL)
        return FC_ENOMEM;
    fc_buf_init(&b, (size_t)-1 / 2);
    fc_buf_append(&b, text, len);
    free(text);
    if (atomic_load(&app->ready)) {
        struct fc_store *st = fc_app_store_acquire(app, &idx);
        fc_err rc = fc_live_render(st, app->registry, &b, d);
        fc_app_store_release(app, idx);
        if (rc != FC_OK) {
            fc_buf_fini(&b);
            return rc;
        }
    }
    text = fc_buf_release(&b, &len);
    if (text == NULL)
        return FC_ENOMEM;
    fc_api_set_body(rep, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                    len);
    return FC_OK;
}

fc_err fc_api_openapi(struct fc_app *app, const struct fc_req *req,
                      char params[][FC_PARAM_SIZE], struct fc_reply *rep,
                      struct fc_diag *d)
{
    (void)app, (void)req, (void)params, (void)d;
    size_t len = strlen(fc_openapi_json);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return FC_ENOMEM;
    memcpy(copy, fc_openapi_json, len + 1);
    return fc_api_json_reply(rep, 200, copy, &len);
}
