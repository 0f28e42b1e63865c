/* h_ops.c — the operational routes: GET /healthz (the process answers),
 * GET /readyz (the database is open and answers: 503 otherwise), GET /metrics
 * (the request counters, then the jobs and champions read from the database
 * once it is open) and GET /openapi.json (the API's description). */
#include "api_int.h"

#include "buf.h"
#include "json_io.h"
#include "live.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fc_err fc_api_healthz(struct fc_call *c)
{
    size_t len = 0;
    return fc_api_json_reply(c->rep, 200, fc_json_status("ok", -1, NULL, &len),
                             &len);
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
        c->rep, 200,
        fc_json_status("ready", c->app->schema_version, c->app->replica, &len),
        &len);
}

/* Appends the Prometheus text text[0..len) to b with the label
 * replica="<replica>" added to every sample: first inside its braces, or
 * in braces of its own before the value. Comment lines pass as they are.
 * The name is a replica_id (the settings allow any text), so a quote or a
 * backslash in it is escaped as the format asks. */
static void add_replica_label(struct fc_buf *b, const char *text, size_t len,
                              const char *replica)
{
    char label[300];
    size_t n = 0;
    n += (size_t)snprintf(label, sizeof label, "replica=\"");
    for (const char *p = replica; *p != '\0' && n + 4 < sizeof label; p++) {
        if (*p == '"' || *p == '\\')
            label[n++] = '\\';
        label[n++] = *p == '\n' ? ' ' : *p;
    }
    label[n++] = '"';
    label[n] = '\0';

    const char *end = text + len;
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl != NULL ? nl + 1 : end;
        const char *name_end = line;
        while (name_end < stop && *name_end != '{' && *name_end != ' ' &&
               *name_end != '\n')
            name_end++;
        if (line[0] == '#' || line[0] == '\n' || name_end == stop) {
            fc_buf_append(b, line, (size_t)(stop - line));
        } else if (*name_end == '{') {
            fc_buf_append(b, line, (size_t)(name_end + 1 - line));
            fc_buf_puts(b, label);
            fc_buf_puts(b, name_end[1] == '}' ? "" : ",");
            fc_buf_append(b, name_end + 1, (size_t)(stop - name_end - 1));
        } else {
            fc_buf_append(b, line, (size_t)(name_end - line));
            fc_buf_puts(b, "{");
            fc_buf_puts(b, label);
            fc_buf_puts(b, "}");
            fc_buf_append(b, name_end, (size_t)(stop - name_end));
        }
        line = stop;
    }
}

/* The request counters always; the jobs and champions once the database
 * is open (c->st is then lent); every sample labelled with the replica. */
fc_err fc_api_metrics(struct fc_call *c)
{
    size_t len = 0;
    struct fc_buf b, out;
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
    fc_buf_init(&out, (size_t)-1 / 2);
    fc_buf_reserve(&out, len + len / 2);
    add_replica_label(&out, text, len, c->app->replica);
    free(text);
    text = fc_buf_release(&out, &len);
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
