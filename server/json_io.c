/* json_io.c — JSON in and out; the only file that includes cJSON.h.
 *
 * Small documents (problems, ingest results, series lists, the config) are
 * built as cJSON trees and printed once. The bar list, which can hold
 * hundreds of thousands of rows, is written directly into a growing string
 * buffer with the shortest round-trip number format (fc_fmt_double), so the
 * numbers a client reads back are the numbers it sent. Request bars are
 * parsed with cJSON and handed to the shared row validator of ingest.c
 * field by field: CSV and JSON share one set of rules. */
#include "json_io.h"

#include "buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* A number in the shortest form that reads back the same; null for NaN. */
static void put_num(struct fc_buf *s, double v)
{
    char buf[32];
    int n = fc_fmt_double(v, buf);
    if (n == 0)
        fc_buf_append(s, "null", 4);
    else
        fc_buf_append(s, buf, (size_t)n);
}

/* ---- helpers --------------------------------------------------------------- */

static char *print(cJSON *root, size_t *len)
{
    char *out = NULL;
    if (root != NULL)
        out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (out != NULL && len != NULL)
        *len = strlen(out);
    return out;
}

/* A date member: "YYYY-MM-DD", or null for INT32_MIN (unknown). */
static void add_date(cJSON *o, const char *name, int32_t day)
{
    if (day == INT32_MIN) {
        cJSON_AddNullToObject(o, name);
    } else {
        char buf[11];
        fc_day_format(day, buf);
        cJSON_AddStringToObject(o, name, buf);
    }
}

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
        add_date(o, "date", e->day);
        const char *f = fc_field_name(e->field);
        if (f != NULL)
            cJSON_AddStringToObject(o, "field", f);
        else
            cJSON_AddNullToObject(o, "field");
        cJSON_AddStringToObject(o, "message", e->message);
    }
    return arr;
}

/* Line and column of p in text, 1-based. */
static void locate(const char *text, const char *p, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *q = text; q < p && *q != '\0'; q++) {
        if (*q == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Parses text[0..len) as one JSON document with nothing but whitespace
 * after it (cJSON alone would accept `{} trailing junk`). On failure,
 * *err_at points where parsing stopped. */
static cJSON *parse_whole(const char *text, size_t len, const char **err_at)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);

    *err_at = end != NULL ? end : text;
    if (root == NULL)
        return NULL;
    const char *stop = text + len;
    while (end < stop && (*end == ' ' || *end == '\t' || *end == '\n' ||
                          *end == '\r'))
        end++;
    if (end < stop) {
        cJSON_Delete(root);
        *err_at = end;
        return NULL;
    }
    return root;
}

/* ---- config ---------------------------------------------------------------- */

static int walk(const cJSON *obj, const char *prefix, const char *origin,
                fc_json_config_cb cb, void *ctx, struct fc_diag *d)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        char key[128];
        if (prefix[0] != '\0')
            snprintf(key, sizeof key, "%s.%s", prefix, it->string);
        else
            snprintf(key, sizeof key, "%s", it->string);
        if (cJSON_IsObject(it)) {
            if (walk(it, key, origin, cb, ctx, d) != 0)
                return -1;
            continue;
        }
        struct fc_cfg_value v;
        memset(&v, 0, sizeof v);
        v.type = FC_CFG_V_OTHER;
        if (cJSON_IsString(it)) {
            v.type = FC_CFG_V_STRING;
            v.s = it->valuestring;
        } else if (cJSON_IsNumber(it)) {
            v.type = FC_CFG_V_NUMBER;
            v.num = it->valuedouble;
        } else if (cJSON_IsBool(it)) {
            v.type = FC_CFG_V_BOOL;
            v.b = cJSON_IsTrue(it);
        } else if (cJSON_IsArray(it)) {
            int all_numbers = 1;
            int n = 0;
            for (const cJSON *e = it->child; e != NULL; e = e->next, n++) {
                if (!cJSON_IsNumber(e))
                    all_numbers = 0;
                else if (n < (int)(sizeof v.list / sizeof v.list[0]))
                    v.list[n] = e->valuedouble;
            }
            if (all_numbers) {
                v.type = FC_CFG_V_NUMBERS;
                v.n_list = n;
            }
        }
        if (cb(ctx, key, &v, origin, d) != 0)
            return -1;
    }
    return 0;
}

fc_err fc_json_config_walk(const char *text, size_t len, const char *origin,
                           fc_json_config_cb cb, void *ctx,
                           struct fc_diag *d)
{
    const char *end = NULL;
    cJSON *root = parse_whole(text, len, &end);

    if (root == NULL) {
        int line, col;
        locate(text, end, &line, &col);
        return fc_diag_set(d, FC_EINVAL, "%s: not valid JSON (line %d, column %d)",
                           origin, line, col);
    }
    fc_err rc = FC_OK;
    if (!cJSON_IsObject(root))
        rc = fc_diag_set(d, FC_EINVAL, "%s: the top level must be an object",
                         origin);
    else if (walk(root, "", origin, cb, ctx, d) != 0)
        rc = FC_EINVAL;
    cJSON_Delete(root);
    return rc;
}

char *fc_json_config(const struct fc_config *c, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    for (int i = 0;; i++) {
        const struct fc_config_key *k = fc_config_key_at(i);
        if (k == NULL)
            break;
        cJSON *parent = root;
        const char *name = k->key;
        const char *dot = strchr(name, '.');
        if (dot != NULL) {
            char sect[64];
            snprintf(sect, sizeof sect, "%.*s", (int)(dot - name), name);
            parent = cJSON_GetObjectItemCaseSensitive(root, sect);
            if (parent == NULL)
                parent = cJSON_AddObjectToObject(root, sect);
            if (parent == NULL)
                break;
            name = dot + 1;
        }
        const char *p = (const char *)c + k->offset;
        switch (k->kind) {
        case FC_CFG_K_STR:
        case FC_CFG_K_ENUM:
            cJSON_AddStringToObject(parent, name, p);
            break;
        case FC_CFG_K_BOOL: {
            int b;
            memcpy(&b, p, sizeof b);
            cJSON_AddBoolToObject(parent, name, b);
            break;
        }
        case FC_CFG_K_INTLIST: {
            cJSON *arr = cJSON_AddArrayToObject(parent, name);
            for (int j = 0; arr != NULL && j < c->train.n_layers; j++)
                cJSON_AddItemToArray(arr,
                                     cJSON_CreateNumber(c->train.layers[j]));
            break;
        }
        case FC_CFG_K_INT: {
            int v;
            memcpy(&v, p, sizeof v);
            cJSON_AddNumberToObject(parent, name, v);
            break;
        }
        /* Written as raw text: cJSON prints numbers with 15 significant
         * digits when the value reads back "close enough", which turned
         * train.seed 9007199254740991 into 9.00719925474099e+15 (found by
         * tests/fuzz/fuzz_config.c). These read back exactly. */
        case FC_CFG_K_I64: {
            int64_t v;
            char num[32];
            memcpy(&v, p, sizeof v);
            snprintf(num, sizeof num, "%lld", (long long)v);
            cJSON_AddRawToObject(parent, name, num);
            break;
        }
        case FC_CFG_K_NUM: {
            double v;
            char num[32];
            memcpy(&v, p, sizeof v);
            if (fc_fmt_double(v, num) == 0) /* never: bounds are finite */
                snprintf(num, sizeof num, "null");
            cJSON_AddRawToObject(parent, name, num);
            break;
        }
        }
    }
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    if (out != NULL && len != NULL)
        *len = strlen(out);
    return out;
}

/* ---- bars in ---------------------------------------------------------------- */

static int member_field(const char *name)
{
    static const char *const names[FC_FIELD_COUNT_] = {
        "date", "open", "high", "low", "close", "adj_close", "volume"};
    if (name == NULL)
        return -1;
    for (int f = 0; f < FC_FIELD_COUNT_; f++)
        if (strcmp(name, names[f]) == 0)
            return f;
    return -1;
}

static void json_field(struct fc_row *r, enum fc_field f, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        fc_row_set_text(r, f, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsNumber(v)) {
        if (f == FC_FIELD_DATE)
            fc_row_set_error(r, f, "not a date (YYYY-MM-DD): a number");
        else
            fc_row_set_number(r, f, v->valuedouble);
    } else if (cJSON_IsNull(v)) {
        if (f == FC_FIELD_ADJ_CLOSE)
            fc_row_set_text(r, f, "", 0);
        else
            fc_row_set_error(r, f, "not a number: null");
    } else if (cJSON_IsBool(v)) {
        fc_row_set_error(r, f, "not a number: a boolean");
    } else {
        fc_row_set_error(r, f, "not a number: an object or array");
    }
}

fc_err fc_json_parse_bars(const char *buf, size_t len, struct fc_batch *b,
                          struct fc_diag *d)
{
    fc_err rc = FC_OK;
    const char *end = NULL;
    cJSON *root = NULL;
    size_t i = 0;

    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' ||
                       buf[i] == '\t'))
        i++;
    if (i == len)
        return fc_diag_set(d, FC_EBADREQ, "empty body: expected "
                                          "{\"bars\":[...]}");
    root = parse_whole(buf, len, &end);
    if (root == NULL) {
        int line, col;
        locate(buf, end, &line, &col);
        rc = fc_diag_set(d, FC_EBADREQ,
                         "not valid JSON (line %d, column %d)", line, col);
        goto done;
    }
    const cJSON *arr = cJSON_IsObject(root)
                           ? cJSON_GetObjectItemCaseSensitive(root, "bars")
                           : NULL;
    if (!cJSON_IsArray(arr)) {
        rc = fc_diag_set(d, FC_EBADREQ,
                         "expected an object with a \"bars\" array: "
                         "{\"bars\":[{\"date\":\"2019-01-02\",\"open\":...}]}");
        goto done;
    }
    rc = fc_batch_reserve(b, cJSON_GetArraySize(arr));
    if (rc != FC_OK)
        goto done;
    int row = 0;
    for (const cJSON *el = arr->child; el != NULL; el = el->next) {
        struct fc_row r;
        fc_row_begin(&r, ++row);
        if (!cJSON_IsObject(el)) {
            fc_row_set_error(&r, FC_FIELD_NONE, "not an object");
        } else {
            for (const cJSON *m = el->child; m != NULL; m = m->next) {
                int f = member_field(m->string);
                if (f >= 0)
                    json_field(&r, (enum fc_field)f, m);
            }
        }
        rc = fc_batch_add_row(b, &r);
        if (rc != FC_OK)
            goto done;
    }
    rc = fc_batch_finish(b);
done:
    cJSON_Delete(root);
    return rc;
}

/* ---- replies ---------------------------------------------------------------- */

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
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
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
    return print(root, len);
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
    add_date(root, "first_date", r->after.first_day);
    add_date(root, "last_date", r->after.last_day);
    cJSON_AddNumberToObject(root, "bars_total", (double)r->after.n_bars);
    return print(root, len);
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
        add_date(o, "first_date", s[i].first_day);
        add_date(o, "last_date", s[i].last_day);
        if (s[i].champion_version > 0)
            cJSON_AddNumberToObject(o, "champion_version",
                                    (double)s[i].champion_version);
        else
            cJSON_AddNullToObject(o, "champion_version");
    }
    return print(root, len);
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
        put_num(&s, b->open);
        fc_buf_puts(&s, ",\"high\":");
        put_num(&s, b->high);
        fc_buf_puts(&s, ",\"low\":");
        put_num(&s, b->low);
        fc_buf_puts(&s, ",\"close\":");
        put_num(&s, b->close);
        fc_buf_puts(&s, ",\"adj_close\":");
        put_num(&s, b->adj_close);
        fc_buf_printf(&s, ",\"volume\":%.0f}", b->volume);
    }
    fc_buf_puts(&s, "]}");
    return fc_buf_release(&s, len);
}

char *fc_json_status(const char *status, int schema_version, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "status", status);
    if (schema_version >= 0)
        cJSON_AddNumberToObject(root, "schema_version", schema_version);
    return print(root, len);
}
