/* replies.c — the JSON replies of the HTTP API (and of the CLI's database
 * commands): problems, ingest results, series, bars, jobs, models,
 * forecasts, evaluations and anomalies.
 *
 * Small documents are built as cJSON trees and printed once. Lists that
 * can hold hundreds of thousands of rows (bars, evaluation points,
 * anomalies) are written directly into a growing string buffer with the
 * shortest round-trip number format (fc_fmt_double), so the numbers a
 * client reads back are the numbers it sent. Documents this service stored
 * (params, progress, metrics) are spliced in as they are. */
#include "json_io.h"

#include "json_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *row_errors(const struct fc_batch *b)
{
    cJSON *arr = cJSON_CreateArray();
    if (arr == NULL || b == NULL)
        return arr;
    for (int i = 0; i < b->n_kept; i++) {
        const struct fc_row_err *e = &b->errs[i];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddNumberToObject(o, "row", e->row);
        fc_jsonc_add_date(o, "date", e->day);
        const char *f = fc_field_name(e->field);
        if (f != NULL)
            cJSON_AddStringToObject(o, "field", f);
        else
            cJSON_AddNullToObject(o, "field");
        cJSON_AddStringToObject(o, "message", e->message);
    }
    return arr;
}

const char *fc_http_reason(int status)
{
    static const struct {
        int status;
        const char *text;
    } reasons[] = {
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {409, "Conflict"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
        {507, "Insufficient Storage"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].text;
    return "Error";
}

char *fc_json_problem(int status, const char *detail, const struct fc_batch *b,
                      const char *job, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "type", "about:blank");
    cJSON_AddStringToObject(root, "title", fc_http_reason(status));
    cJSON_AddNumberToObject(root, "status", status);
    cJSON_AddStringToObject(root, "detail", detail);
    if (b != NULL && b->n_errors > 0) {
        cJSON_AddItemToObject(root, "errors", row_errors(b));
        cJSON_AddNumberToObject(root, "bad_rows", b->n_bad_rows);
        cJSON_AddNumberToObject(root, "errors_total", b->n_errors);
    }
    if (job != NULL)
        cJSON_AddStringToObject(root, "job", job);
    return fc_jsonc_print(root, len);
}

char *fc_json_ingest_result(const char *ticker, const struct fc_batch *b,
                            const struct fc_put_result *r, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "ticker", ticker);
    cJSON_AddNumberToObject(root, "received", b->n_rows);
    cJSON_AddNumberToObject(root, "inserted", (double)r->inserted);
    cJSON_AddNumberToObject(root, "updated", (double)r->updated);
    cJSON_AddNumberToObject(root, "unchanged", (double)r->unchanged);
    cJSON_AddNumberToObject(root, "skipped", b->n_bad_rows);
    cJSON_AddItemToObject(root, "errors", row_errors(b));
    fc_jsonc_add_date(root, "first_date", r->after.first_day);
    fc_jsonc_add_date(root, "last_date", r->after.last_day);
    cJSON_AddNumberToObject(root, "bars_total", (double)r->after.n_bars);
    return fc_jsonc_print(root, len);
}

char *fc_json_series_list(const struct fc_series_info *s, int n, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "series");
    if (arr == NULL) {
        cJSON_Delete(root);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "ticker", s[i].ticker);
        cJSON_AddNumberToObject(o, "bars", (double)s[i].n_bars);
        fc_jsonc_add_date(o, "first_date", s[i].first_day);
        fc_jsonc_add_date(o, "last_date", s[i].last_day);
        if (s[i].champion_version > 0)
            cJSON_AddNumberToObject(o, "champion_version",
                                    (double)s[i].champion_version);
        else
            cJSON_AddNullToObject(o, "champion_version");
    }
    return fc_jsonc_print(root, len);
}

char *fc_json_bars(const char *ticker, const struct fc_bar *bars, int n,
                   size_t *len)
{
    struct fc_buf s;
    char date[11];

    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_reserve(&s, (size_t)n * 120 + 64);
    fc_buf_puts(&s, "{\"ticker\":\"");
    fc_buf_puts(&s, ticker); /* validated: A-Z 0-9 . - ^ = only */
    fc_buf_puts(&s, "\",\"bars\":[");
    for (int i = 0; i < n; i++) {
        const struct fc_bar *b = &bars[i];
        fc_day_format(b->day, date);
        fc_buf_puts(&s, i == 0 ? "{\"date\":\"" : ",{\"date\":\"");
        fc_buf_append(&s, date, 10);
        fc_buf_puts(&s, "\",\"open\":");
        fc_jsonc_put_num(&s, b->open);
        fc_buf_puts(&s, ",\"high\":");
        fc_jsonc_put_num(&s, b->high);
        fc_buf_puts(&s, ",\"low\":");
        fc_jsonc_put_num(&s, b->low);
        fc_buf_puts(&s, ",\"close\":");
        fc_jsonc_put_num(&s, b->close);
        fc_buf_puts(&s, ",\"adj_close\":");
        fc_jsonc_put_num(&s, b->adj_close);
        fc_buf_printf(&s, ",\"volume\":%.0f}", b->volume);
    }
    fc_buf_puts(&s, "]}");
    return fc_buf_release(&s, len);
}

char *fc_json_status(const char *status, int schema_version,
                     const char *replica, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "status", status);
    if (schema_version >= 0)
        cJSON_AddNumberToObject(root, "schema_version", schema_version);
    if (replica != NULL)
        cJSON_AddStringToObject(root, "replica", replica);
    return fc_jsonc_print(root, len);
}
static cJSON *job_object(const struct fc_job *j)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)j->id);
    cJSON_AddStringToObject(o, "kind", j->kind);
    cJSON_AddStringToObject(o, "ticker", j->ticker);
    cJSON_AddStringToObject(o, "state", fc_job_state_name(j->state));
    fc_jsonc_add_str_or_null(o, "created_at", j->created_at);
    fc_jsonc_add_str_or_null(o, "started_at", j->started_at);
    fc_jsonc_add_str_or_null(o, "finished_at", j->finished_at);
    fc_jsonc_add_raw(o, "params", j->params);
    fc_jsonc_add_raw(o, "progress", j->progress);
    if (j->model_version > 0)
        cJSON_AddNumberToObject(o, "model_version", (double)j->model_version);
    else
        cJSON_AddNullToObject(o, "model_version");
    fc_jsonc_add_str_or_null(o, "error", j->error);
    cJSON_AddBoolToObject(o, "auto", j->is_auto);
    fc_jsonc_add_raw(o, "result", j->result);
    /* Replicas on PostgreSQL: who claimed the job, and while it runs,
     * until when its claim holds. */
    if (j->worker[0] != '\0')
        cJSON_AddStringToObject(o, "worker", j->worker);
    if (j->state == FC_JOB_RUNNING && j->lease_until[0] != '\0')
        cJSON_AddStringToObject(o, "lease_until", j->lease_until);
    return o;
}

char *fc_json_job(const struct fc_job *j, size_t *len)
{
    return fc_jsonc_print(job_object(j), len);
}

char *fc_json_jobs(const struct fc_job *v, int n,
                   const struct fc_train_skip *skips, int n_skips, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "jobs");
    if (arr == NULL) {
        cJSON_Delete(root);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, job_object(&v[i]));
    if (skips != NULL) {
        cJSON *sk = cJSON_AddArrayToObject(root, "skipped");
        for (int i = 0; sk != NULL && i < n_skips; i++) {
            cJSON *o = cJSON_CreateObject();
            if (o == NULL)
                break;
            cJSON_AddItemToArray(sk, o);
            cJSON_AddStringToObject(o, "ticker", skips[i].ticker);
            cJSON_AddNumberToObject(o, "status", skips[i].status);
            cJSON_AddStringToObject(o, "detail", skips[i].detail);
        }
    }
    return fc_jsonc_print(root, len);
}

static cJSON *model_object(const struct fc_model_rec *m)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "ticker", m->ticker);
    cJSON_AddNumberToObject(o, "version", (double)m->version);
    fc_jsonc_add_str_or_null(o, "created_at", m->created_at);
    cJSON_AddBoolToObject(o, "champion", m->champion);
    fc_jsonc_add_raw(o, "params", m->params);
    fc_jsonc_add_raw(o, "data", m->data);
    fc_jsonc_add_raw(o, "metrics", m->metrics);
    cJSON_AddNumberToObject(o, "epochs_run", m->epochs_run);
    cJSON_AddNumberToObject(o, "train_seconds", m->train_seconds);
    return o;
}

char *fc_json_model(const struct fc_model_rec *m, size_t *len)
{
    return fc_jsonc_print(model_object(m), len);
}

char *fc_json_models(const struct fc_model_rec *v, int n, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "models");
    if (arr == NULL) {
        cJSON_Delete(root);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, model_object(&v[i]));
    return fc_jsonc_print(root, len);
}

char *fc_json_forecast(const struct fc_forecast *f, const struct fc_scores *s,
                       size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "ticker", f->ticker);
    fc_jsonc_add_date(root, "as_of", f->as_of);
    fc_jsonc_add_num(root, "last_close", f->last_close);
    cJSON_AddNumberToObject(root, "model_version", (double)f->version);
    fc_jsonc_add_num(root, "level", f->level);
    cJSON *arr = cJSON_AddArrayToObject(root, "predictions");
    for (int h = 0; arr != NULL && h < f->n; h++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
        fc_jsonc_add_date(o, "date", f->day[h]);
        fc_jsonc_add_num(o, "close", f->close[h]);
        fc_jsonc_add_num(o, "lower", f->lower[h]);
        fc_jsonc_add_num(o, "upper", f->upper[h]);
        fc_jsonc_add_num(o, "p_up", f->p_up[h]);
    }
    cJSON_AddItemToObject(root, "metrics", fc_jsonc_scores_object(s));
    return fc_jsonc_print(root, len);
}

char *fc_json_predict_many(char *const *bodies, const size_t *lens, int n,
                           const struct fc_ticker_problem *errs, int n_errs,
                           size_t *len)
{
    struct fc_buf s;
    size_t total = 64;
    cJSON *arr = cJSON_CreateArray();
    char *errors = NULL;

    for (int i = 0; arr != NULL && i < n_errs; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "type", "about:blank");
        cJSON_AddStringToObject(o, "title", fc_http_reason(errs[i].status));
        cJSON_AddNumberToObject(o, "status", errs[i].status);
        cJSON_AddStringToObject(o, "detail", errs[i].detail);
        cJSON_AddStringToObject(o, "ticker", errs[i].ticker);
    }
    errors = fc_jsonc_print(arr, NULL);
    if (errors == NULL)
        return NULL;
    for (int i = 0; i < n; i++)
        total += lens[i] + 1;
    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_reserve(&s, total + strlen(errors));
    fc_buf_puts(&s, "{\"forecasts\":[");
    for (int i = 0; i < n; i++) {
        if (i > 0)
            fc_buf_puts(&s, ",");
        fc_buf_append(&s, bodies[i], lens[i]); /* fc_json_forecast's text */
    }
    fc_buf_puts(&s, "],\"errors\":");
    fc_buf_puts(&s, errors);
    fc_buf_puts(&s, "}");
    free(errors);
    return fc_buf_release(&s, len);
}

char *fc_json_anomalies(const char *ticker, int64_t version, double threshold,
                        const struct fc_anomaly_scan *a, size_t *len)
{
    struct fc_buf s;
    char date[11];

    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_reserve(&s, (size_t)a->n * 120 + 256);
    fc_buf_puts(&s, "{\"ticker\":\"");
    fc_buf_puts(&s, ticker); /* validated */
    fc_buf_printf(
        &s, "\",\"model_version\":%lld,\"threshold\":", (long long)version);
    fc_jsonc_put_num(&s, threshold);
    fc_buf_puts(&s, ",\"residual_sd\":");
    fc_jsonc_put_num(&s, a->sd);
    fc_buf_printf(&s, ",\"checked\":{\"n\":%d,\"from\":", a->n_checked);
    if (a->n_checked > 0) {
        fc_day_format(a->first_day, date);
        fc_buf_printf(&s, "\"%s\",\"to\":", date);
        fc_day_format(a->last_day, date);
        fc_buf_printf(&s, "\"%s\"}", date);
    } else {
        fc_buf_puts(&s, "null,\"to\":null}");
    }
    fc_buf_puts(&s, ",\"anomalies\":[");
    for (int i = 0; i < a->n; i++) {
        const struct fc_anomaly *x = &a->v[i];
        fc_day_format(x->day, date);
        fc_buf_puts(&s, i == 0 ? "{\"date\":\"" : ",{\"date\":\"");
        fc_buf_append(&s, date, 10);
        fc_buf_puts(&s, "\",\"actual\":");
        fc_jsonc_put_num(&s, x->actual);
        fc_buf_puts(&s, ",\"predicted\":");
        fc_jsonc_put_num(&s, x->predicted);
        fc_buf_puts(&s, ",\"residual\":");
        fc_jsonc_put_num(&s, x->residual);
        fc_buf_puts(&s, ",\"sigma\":");
        fc_jsonc_put_num(&s, x->sigma);
        fc_buf_puts(&s, ",\"z\":");
        fc_jsonc_put_num(&s, x->z);
        fc_buf_puts(&s, "}");
    }
    fc_buf_puts(&s, "]}");
    return fc_buf_release(&s, len);
}
