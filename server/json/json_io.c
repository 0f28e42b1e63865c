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

/* The reason a document did not parse: where, and for the tokens some
 * encoders write for non-finite numbers (Python's json.dumps), what to do
 * instead. `prefix` (may be "") names the document. */
static fc_err syntax_error(const char *text, size_t len, const char *at,
                          const char *prefix, fc_err e, struct fc_diag *d)
{
    static const char *const nonfinite[] = {"NaN", "Infinity", "-Infinity"};
    int line, col;
    const char *hint = "";

    locate(text, at, &line, &col);
    for (size_t i = 0; at != NULL && i < 3; i++) {
        size_t n = strlen(nonfinite[i]);
        if ((size_t)(text + len - at) >= n && memcmp(at, nonfinite[i], n) == 0)
            hint = ": NaN and Infinity are not JSON numbers; leave the value "
                   "out or send a finite number";
    }
    return fc_diag_set(d, e, "%snot valid JSON (line %d, column %d)%s",
                       prefix, line, col, hint);
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
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%s: ", origin);
        return syntax_error(text, len, end, prefix, FC_EINVAL, d);
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
        rc = syntax_error(buf, len, end, "", FC_EBADREQ, d);
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

/* ---- training parameters ------------------------------------------------------ */

/* The shortest decimal that reads back as the same float: 0.0003, not
 * 0.000300000014. Parameters are floats in the core. */
static double float_num(float f)
{
    char buf[32];
    for (int p = 6; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, (double)f);
        double v = strtod(buf, NULL);
        if ((float)v == f)
            return v;
    }
    return (double)f;
}

static const char *const train_keys[] = {
    "ticker", "preset",        "window",   "layers", "dropout",
    "epochs", "batch_size",    "learning_rate", "patience", "seed",
    "features", "target",      "from",     "to",
};

static fc_err want_int(const cJSON *v, const char *key, double lo, double hi,
                       double *out, struct fc_diag *d)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        !(v->valuedouble >= lo && v->valuedouble <= hi))
        return fc_diag_set(d, FC_EINVAL,
                           "%s: must be a whole number in [%.15g, %.15g]", key,
                           lo, hi);
    *out = v->valuedouble;
    return FC_OK;
}

static fc_err want_date(const cJSON *v, const char *key, int32_t *day,
                        struct fc_diag *d)
{
    if (cJSON_IsNull(v))
        return FC_OK;
    if (cJSON_IsString(v) &&
        fc_day_parse(v->valuestring, (int)strnlen(v->valuestring, 64),
                     day) == 0)
        return FC_OK;
    return fc_diag_set(d, FC_EINVAL, "%s: must be a date YYYY-MM-DD or null",
                       key);
}

static fc_err train_member(const cJSON *it, const struct fc_config *cfg,
                           struct fc_train_params *p, struct fc_diag *d)
{
    const char *k = it->string;
    struct fc_hparams *hp = &p->hp;
    double v = 0;
    fc_err rc = FC_OK;

    if (strcmp(k, "ticker") == 0 || strcmp(k, "preset") == 0)
        return FC_OK; /* read before the others */
    if (strcmp(k, "window") == 0) {
        rc = want_int(it, k, 2, cfg->train.max_window, &v, d);
        hp->window = (int)v;
    } else if (strcmp(k, "epochs") == 0) {
        rc = want_int(it, k, 1, cfg->train.max_epochs, &v, d);
        hp->epochs = (int)v;
    } else if (strcmp(k, "batch_size") == 0) {
        rc = want_int(it, k, 1, 65536, &v, d);
        hp->batch_size = (int)v;
    } else if (strcmp(k, "patience") == 0) {
        rc = want_int(it, k, 0, cfg->train.max_epochs, &v, d);
        hp->patience = (int)v;
    } else if (strcmp(k, "seed") == 0) {
        rc = want_int(it, k, 0, 9007199254740991.0, &v, d);
        hp->seed = (uint64_t)v;
    } else if (strcmp(k, "dropout") == 0) {
        if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0.0) ||
            !(it->valuedouble <= 0.9))
            return fc_diag_set(d, FC_EINVAL,
                               "dropout: must be a number in [0, 0.9]");
        hp->dropout = (float)it->valuedouble;
    } else if (strcmp(k, "learning_rate") == 0) {
        if (!cJSON_IsNumber(it) || !(it->valuedouble > 0.0) ||
            !(it->valuedouble <= 1.0))
            return fc_diag_set(d, FC_EINVAL,
                               "learning_rate: must be a number in (0, 1]");
        hp->learning_rate = (float)it->valuedouble;
    } else if (strcmp(k, "layers") == 0) {
        int max_units = cfg->train.max_units < FC_LSTM_MAX_UNITS
                            ? cfg->train.max_units
                            : FC_LSTM_MAX_UNITS;
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : 0;
        if (n < 1 || n > FC_LSTM_MAX_LAYERS)
            return fc_diag_set(d, FC_EINVAL,
                               "layers: must be an array of 1 to %d unit "
                               "counts, e.g. [50,50,50]",
                               FC_LSTM_MAX_LAYERS);
        int l = 0;
        for (const cJSON *e = it->child; e != NULL; e = e->next, l++) {
            rc = want_int(e, "layers: units per layer", 1, max_units, &v, d);
            if (rc != FC_OK)
                return rc;
            hp->units[l] = (int)v;
        }
        hp->n_layers = n;
    } else if (strcmp(k, "features") == 0) {
        uint32_t mask = 0;
        if (!cJSON_IsArray(it) || it->child == NULL)
            return fc_diag_set(d, FC_EINVAL,
                               "features: must be a non-empty array of "
                               "names (open, high, low, close, adj_close, "
                               "volume, log_return)");
        for (const cJSON *e = it->child; e != NULL; e = e->next) {
            int f = cJSON_IsString(e) ? fc_feature_parse(e->valuestring) : -1;
            if (f < 0) {
                char echo[48];
                const char *s = cJSON_IsString(e) ? e->valuestring : "?";
                fc_echo(s, strnlen(s, 64), echo);
                return fc_diag_set(d, FC_EINVAL,
                                   "features: '%s' is not one of open, high, "
                                   "low, close, adj_close, volume, "
                                   "log_return",
                                   echo);
            }
            mask |= 1u << f;
        }
        hp->features = mask;
    } else if (strcmp(k, "target") == 0) {
        int t = cJSON_IsString(it) ? fc_target_parse(it->valuestring) : -1;
        if (t < 0)
            return fc_diag_set(d, FC_EINVAL,
                               "target: must be \"close\" or \"log_return\"");
        hp->target = (enum fc_target)t;
    } else if (strcmp(k, "from") == 0) {
        rc = want_date(it, k, &p->from_day, d);
    } else if (strcmp(k, "to") == 0) {
        rc = want_date(it, k, &p->to_day, d);
    }
    return rc;
}

/* The parameters of a job: a training job's keys, and for a backtest
 * also folds and gap. */
static fc_err parse_job_params(const char *body, size_t len,
                               const struct fc_config *cfg, int backtest,
                               struct fc_train_params *p, struct fc_diag *d)
{
    cJSON *root = NULL;
    const char *end = NULL;
    const char *preset = NULL;
    fc_err rc = FC_OK;
    size_t i = 0;

    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' ||
                       body[i] == '\t'))
        i++;
    if (i < len) {
        root = parse_whole(body, len, &end);
        if (root == NULL)
            return syntax_error(body, len, end, "", FC_EBADREQ, d);
        if (!cJSON_IsObject(root)) {
            rc = fc_diag_set(d, FC_EBADREQ,
                             "expected a JSON object such as "
                             "{\"ticker\":\"NFLX\",\"epochs\":20}");
            goto done;
        }
    }
    for (const cJSON *it = root != NULL ? root->child : NULL; it != NULL;
         it = it->next) {
        int known = 0;
        for (size_t k = 0; k < sizeof train_keys / sizeof train_keys[0]; k++)
            known |= strcmp(it->string, train_keys[k]) == 0;
        if (backtest)
            known |= strcmp(it->string, "folds") == 0 ||
                     strcmp(it->string, "gap") == 0;
        if (!known) {
            char echo[48];
            fc_echo(it->string, strnlen(it->string, 64), echo);
            rc = fc_diag_set(d, FC_EINVAL,
                             "unknown key '%s'; allowed: ticker, preset, "
                             "window, layers, dropout, epochs, batch_size, "
                             "learning_rate, patience, seed, features, "
                             "target, from, to%s",
                             echo, backtest ? ", folds, gap" : "");
            goto done;
        }
        if (strcmp(it->string, "preset") == 0) {
            if (!cJSON_IsString(it) ||
                (strcmp(it->valuestring, "default") != 0 &&
                 strcmp(it->valuestring, "report") != 0)) {
                rc = fc_diag_set(d, FC_EINVAL,
                                 "preset: must be \"default\" or \"report\"");
                goto done;
            }
            preset = it->valuestring;
        }
    }
    rc = fc_train_params_defaults(cfg, preset, p, d);
    if (rc != FC_OK)
        goto done;
    if (backtest)
        p->folds = FC_BACKTEST_DEFAULT_FOLDS;
    for (const cJSON *it = root != NULL ? root->child : NULL; it != NULL;
         it = it->next) {
        if (strcmp(it->string, "ticker") == 0) {
            if (!cJSON_IsString(it)) {
                rc = fc_diag_set(d, FC_EINVAL, "ticker: must be a string");
                goto done;
            }
            snprintf(p->ticker, sizeof p->ticker, "%s", it->valuestring);
            continue;
        }
        if (backtest && (strcmp(it->string, "folds") == 0 ||
                         strcmp(it->string, "gap") == 0)) {
            double v = 0;
            int folds = strcmp(it->string, "folds") == 0;
            rc = want_int(it, it->string, folds ? 1 : 0,
                          folds ? FC_BACKTEST_MAX_FOLDS : FC_BACKTEST_MAX_GAP,
                          &v, d);
            if (rc != FC_OK)
                goto done;
            *(folds ? &p->folds : &p->gap) = (int)v;
            continue;
        }
        rc = train_member(it, cfg, p, d);
        if (rc != FC_OK)
            goto done;
    }
    if (p->from_day > p->to_day) {
        rc = fc_diag_set(d, FC_EINVAL, "from is after to");
        goto done;
    }
    /* Centring the output is defined for the log-return target only: a
     * request for the close as target turns it off rather than failing
     * on a setting the client cannot see. */
    if (p->hp.target != FC_TARGET_LOG_RETURN)
        p->hp.center_output = 0;
    rc = fc_hparams_check(&p->hp, d);
done:
    cJSON_Delete(root);
    return rc;
}

fc_err fc_json_parse_train(const char *body, size_t len,
                           const struct fc_config *cfg,
                           struct fc_train_params *p, struct fc_diag *d)
{
    return parse_job_params(body, len, cfg, 0, p, d);
}

fc_err fc_json_parse_backtest(const char *body, size_t len,
                              const struct fc_config *cfg,
                              struct fc_train_params *p, struct fc_diag *d)
{
    return parse_job_params(body, len, cfg, 1, p, d);
}

static void add_date_or_null(cJSON *o, const char *name, int32_t day)
{
    add_date(o, name, day == INT32_MAX ? INT32_MIN : day);
}

char *fc_json_train_params(const struct fc_train_params *p, size_t *len)
{
    const struct fc_hparams *hp = &p->hp;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "preset", p->preset);
    cJSON_AddNumberToObject(root, "window", hp->window);
    cJSON *layers = cJSON_AddArrayToObject(root, "layers");
    for (int l = 0; layers != NULL && l < hp->n_layers; l++)
        cJSON_AddItemToArray(layers, cJSON_CreateNumber(hp->units[l]));
    cJSON_AddNumberToObject(root, "dropout", float_num(hp->dropout));
    cJSON_AddNumberToObject(root, "epochs", hp->epochs);
    cJSON_AddNumberToObject(root, "batch_size", hp->batch_size);
    cJSON_AddNumberToObject(root, "learning_rate",
                            float_num(hp->learning_rate));
    cJSON_AddNumberToObject(root, "patience", hp->patience);
    /* Raw text: cJSON would print 9007199254740991 as 9.00719925474099e+15
     * (15 digits are "close enough" to it), and the stored job would train
     * with another seed (found by tests/fuzz/fuzz_train_params.c). */
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)hp->seed);
    cJSON_AddRawToObject(root, "seed", seed);
    cJSON *feats = cJSON_AddArrayToObject(root, "features");
    for (int f = 0; feats != NULL && f < FC_FEATURE_COUNT; f++)
        if (hp->features & (1u << f))
            cJSON_AddItemToArray(
                feats, cJSON_CreateString(fc_feature_name((enum fc_feature)f)));
    cJSON_AddStringToObject(root, "target", fc_target_name(hp->target));
    add_date(root, "from", p->from_day);
    add_date_or_null(root, "to", p->to_day);
    if (p->folds > 0) {
        cJSON_AddNumberToObject(root, "folds", p->folds);
        cJSON_AddNumberToObject(root, "gap", p->gap);
    }
    return print(root, len);
}

/* A number member, null when not finite. */
static void add_num(cJSON *o, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

char *fc_json_progress(const struct fc_progress *pr, int epochs,
                       double eta_seconds, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddNumberToObject(root, "epoch", pr != NULL ? pr->epoch : 0);
    cJSON_AddNumberToObject(root, "epochs", pr != NULL ? pr->epochs : epochs);
    add_num(root, "train_loss", pr != NULL ? pr->train_loss : NAN);
    add_num(root, "val_loss", pr != NULL ? pr->val_loss : NAN);
    cJSON_AddNumberToObject(root, "best_epoch",
                            pr != NULL ? pr->best_epoch : 0);
    if (pr != NULL && pr->folds > 0) {
        cJSON_AddNumberToObject(root, "fold", pr->fold);
        cJSON_AddNumberToObject(root, "folds", pr->folds);
    }
    add_num(root, "eta_seconds", pr != NULL ? eta_seconds : NAN);
    return print(root, len);
}

/* A member holding a JSON text this service wrote (params, progress,
 * metrics): spliced in as it is, or null. */
static void add_raw(cJSON *o, const char *name, const char *text)
{
    if (text != NULL && text[0] != '\0')
        cJSON_AddRawToObject(o, name, text);
    else
        cJSON_AddNullToObject(o, name);
}

static void add_str_or_null(cJSON *o, const char *name, const char *s)
{
    if (s != NULL && s[0] != '\0')
        cJSON_AddStringToObject(o, name, s);
    else
        cJSON_AddNullToObject(o, name);
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
    add_str_or_null(o, "created_at", j->created_at);
    add_str_or_null(o, "started_at", j->started_at);
    add_str_or_null(o, "finished_at", j->finished_at);
    add_raw(o, "params", j->params);
    add_raw(o, "progress", j->progress);
    if (j->model_version > 0)
        cJSON_AddNumberToObject(o, "model_version", (double)j->model_version);
    else
        cJSON_AddNullToObject(o, "model_version");
    add_str_or_null(o, "error", j->error);
    cJSON_AddBoolToObject(o, "auto", j->is_auto);
    add_raw(o, "result", j->result);
    return o;
}

char *fc_json_job(const struct fc_job *j, size_t *len)
{
    return print(job_object(j), len);
}

char *fc_json_jobs(const struct fc_job *v, int n,
                   const struct fc_train_skip *skips, int n_skips,
                   size_t *len)
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
    return print(root, len);
}

/* ---- scores, models, forecasts ---------------------------------------------- */

static const char *const forecaster_names[] = {"model", "naive", "drift",
                                               "sma14"};

static cJSON *scores_object(const struct fc_scores *s)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON *period = cJSON_AddObjectToObject(root, "period");
    if (period != NULL) {
        add_date(period, "from", s->n > 0 ? s->from_day : INT32_MIN);
        add_date(period, "to", s->n > 0 ? s->to_day : INT32_MIN);
        cJSON_AddNumberToObject(period, "n", s->n);
    }
    for (int i = 0; i < s->n_rows; i++) {
        const struct fc_metrics *m = &s->rows[i].m;
        cJSON *o = cJSON_AddObjectToObject(root, s->rows[i].name);
        if (o == NULL)
            continue;
        add_num(o, "rmse", m->rmse);
        add_num(o, "mae", m->mae);
        add_num(o, "mape", m->mape);
        add_num(o, "smape", m->smape);
        add_num(o, "mase", m->mase);
        add_num(o, "directional_accuracy", m->directional_accuracy);
    }
    add_num(root, "skill", s->skill);
    if (s->calib.n > 0) {
        cJSON *c = cJSON_AddObjectToObject(root, "calibration");
        if (c != NULL) {
            cJSON_AddNumberToObject(c, "residuals", s->calib.n_resid);
            cJSON_AddNumberToObject(c, "days", s->calib.n);
            add_num(c, "coverage80", s->calib.coverage80);
            add_num(c, "coverage95", s->calib.coverage95);
            add_num(c, "brier", s->calib.brier);
        }
    }
    return root;
}

char *fc_json_scores(const struct fc_scores *s, size_t *len)
{
    return print(scores_object(s), len);
}

static double num_or_nan(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

fc_err fc_json_parse_scores(const char *text, struct fc_scores *out)
{
    const char *end = NULL;
    cJSON *root = parse_whole(text, strlen(text), &end);
    if (root == NULL)
        return FC_ECORRUPT;
    memset(out, 0, sizeof *out);
    out->from_day = out->to_day = INT32_MIN;
    const cJSON *period = cJSON_GetObjectItemCaseSensitive(root, "period");
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(period, "from");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(period, "to");
    if (cJSON_IsString(from))
        fc_day_parse(from->valuestring, (int)strlen(from->valuestring),
                     &out->from_day);
    if (cJSON_IsString(to))
        fc_day_parse(to->valuestring, (int)strlen(to->valuestring),
                     &out->to_day);
    double n = num_or_nan(period, "n");
    out->n = isfinite(n) ? (int)n : 0;
    for (size_t i = 0; i < sizeof forecaster_names / sizeof forecaster_names[0];
         i++) {
        const cJSON *o =
            cJSON_GetObjectItemCaseSensitive(root, forecaster_names[i]);
        if (!cJSON_IsObject(o) || out->n_rows >= FC_SCORES_MAX)
            continue;
        struct fc_metrics *m = &out->rows[out->n_rows].m;
        out->rows[out->n_rows].name = forecaster_names[i];
        m->n = out->n;
        m->rmse = num_or_nan(o, "rmse");
        m->mae = num_or_nan(o, "mae");
        m->mape = num_or_nan(o, "mape");
        m->smape = num_or_nan(o, "smape");
        m->mase = num_or_nan(o, "mase");
        m->directional_accuracy = num_or_nan(o, "directional_accuracy");
        out->n_rows++;
    }
    out->skill = num_or_nan(root, "skill");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "calibration");
    if (cJSON_IsObject(c)) {
        double nr = num_or_nan(c, "residuals"), nd = num_or_nan(c, "days");
        out->calib.n_resid = isfinite(nr) ? (int)nr : 0;
        out->calib.n = isfinite(nd) ? (int)nd : 0;
        out->calib.coverage80 = num_or_nan(c, "coverage80");
        out->calib.coverage95 = num_or_nan(c, "coverage95");
        out->calib.brier = num_or_nan(c, "brier");
    }
    cJSON_Delete(root);
    return FC_OK;
}

char *fc_json_model_data(int32_t first_day, int32_t last_day, int64_t n_bars,
                         const char *sha256_hex, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    add_date(root, "first_date", first_day);
    add_date(root, "last_date", last_day);
    cJSON_AddNumberToObject(root, "bars", (double)n_bars);
    cJSON_AddStringToObject(root, "sha256", sha256_hex);
    return print(root, len);
}

static cJSON *model_object(const struct fc_model_rec *m)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "ticker", m->ticker);
    cJSON_AddNumberToObject(o, "version", (double)m->version);
    add_str_or_null(o, "created_at", m->created_at);
    cJSON_AddBoolToObject(o, "champion", m->champion);
    add_raw(o, "params", m->params);
    add_raw(o, "data", m->data);
    add_raw(o, "metrics", m->metrics);
    cJSON_AddNumberToObject(o, "epochs_run", m->epochs_run);
    cJSON_AddNumberToObject(o, "train_seconds", m->train_seconds);
    return o;
}

char *fc_json_model(const struct fc_model_rec *m, size_t *len)
{
    return print(model_object(m), len);
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
    return print(root, len);
}

char *fc_json_forecast(const struct fc_forecast *f, const struct fc_scores *s,
                       size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "ticker", f->ticker);
    add_date(root, "as_of", f->as_of);
    add_num(root, "last_close", f->last_close);
    cJSON_AddNumberToObject(root, "model_version", (double)f->version);
    add_num(root, "level", f->level);
    cJSON *arr = cJSON_AddArrayToObject(root, "predictions");
    for (int h = 0; arr != NULL && h < f->n; h++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
        add_date(o, "date", f->day[h]);
        add_num(o, "close", f->close[h]);
        add_num(o, "lower", f->lower[h]);
        add_num(o, "upper", f->upper[h]);
        add_num(o, "p_up", f->p_up[h]);
    }
    cJSON_AddItemToObject(root, "metrics", scores_object(s));
    return print(root, len);
}

/* ---- evaluations, backtests, anomalies ------------------------------------------- */

char *fc_json_eval_points(const struct fc_eval *ev, size_t *len)
{
    struct fc_buf s;
    char date[11];

    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_reserve(&s, (size_t)ev->n * 160 + 4);
    fc_buf_puts(&s, "[");
    for (int i = 0; i < ev->n; i++) {
        fc_day_format(ev->day[i], date);
        fc_buf_puts(&s, i == 0 ? "{\"date\":\"" : ",{\"date\":\"");
        fc_buf_append(&s, date, 10);
        fc_buf_puts(&s, "\",\"actual\":");
        put_num(&s, ev->actual[i]);
        fc_buf_puts(&s, ",\"predicted\":");
        put_num(&s, ev->predicted[i]);
        fc_buf_puts(&s, ",\"naive\":");
        put_num(&s, ev->naive[i]);
        fc_buf_puts(&s, ",\"drift\":");
        put_num(&s, ev->drift[i]);
        fc_buf_puts(&s, ",\"sma14\":");
        put_num(&s, ev->sma14[i]);
        fc_buf_puts(&s, ",\"p_up\":");
        put_num(&s, ev->p_up != NULL ? ev->p_up[i] : NAN);
        fc_buf_puts(&s, "}");
    }
    fc_buf_puts(&s, "]");
    return fc_buf_release(&s, len);
}

char *fc_json_evaluation(const char *ticker, int64_t version,
                         const char *metrics, const char *points, size_t *len)
{
    struct fc_buf s;
    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_reserve(&s, strlen(metrics) + strlen(points) + 96);
    fc_buf_puts(&s, "{\"ticker\":\"");
    fc_buf_puts(&s, ticker); /* validated: A-Z 0-9 . - ^ = only */
    fc_buf_printf(&s, "\",\"version\":%lld,\"metrics\":", (long long)version);
    fc_buf_puts(&s, metrics);   /* documents this service wrote */
    fc_buf_puts(&s, ",\"points\":");
    fc_buf_puts(&s, points);
    fc_buf_puts(&s, "}");
    return fc_buf_release(&s, len);
}

char *fc_json_evaluation_csv(const char *points, size_t *len)
{
    static const char *const cols[] = {"actual", "predicted", "naive",
                                       "drift", "sma14", "p_up"};
    const char *end = NULL;
    struct fc_buf s;
    cJSON *root = parse_whole(points, strlen(points), &end);

    if (root == NULL)
        return NULL;
    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_puts(&s, "date,actual,predicted,naive,drift,sma14,p_up\n");
    for (const cJSON *p = root->child; p != NULL; p = p->next) {
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(p, "date");
        fc_buf_puts(&s, cJSON_IsString(date) ? date->valuestring : "");
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
            double v = num_or_nan(p, cols[i]);
            fc_buf_puts(&s, ",");
            if (isfinite(v))
                put_num(&s, v); /* an unknown value stays an empty field */
        }
        fc_buf_puts(&s, "\n");
    }
    cJSON_Delete(root);
    return fc_buf_release(&s, len);
}

static cJSON *range_object(cJSON *parent, const char *name, int32_t from,
                           int32_t to)
{
    cJSON *o = cJSON_AddObjectToObject(parent, name);
    if (o != NULL) {
        add_date(o, "from", from);
        add_date(o, "to", to);
    }
    return o;
}

char *fc_json_backtest(const struct fc_backtest *bt, int gap, size_t *len)
{
    struct fc_scores sc;
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "folds");
    if (arr == NULL) {
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_AddNumberToObject(root, "gap", gap);
    for (int k = 0; k < bt->n_folds; k++) {
        const struct fc_fold *f = &bt->folds[k];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddNumberToObject(o, "fold", k + 1);
        /* The bars the scaler was fitted on: every one before the test
         * block (minus the gap and the validation part). */
        range_object(o, "scaler_fit", f->train_first_day, f->scaler_last_day);
        cJSON *t = range_object(o, "test", f->test_first_day,
                                f->test_last_day);
        if (t != NULL)
            cJSON_AddNumberToObject(t, "n", f->n_test);
        cJSON_AddNumberToObject(o, "epochs_run", f->epochs_run);
        fc_scores_set(&sc, f->test_first_day, f->test_last_day, f->n_test,
                      &f->model, &f->naive, &f->drift, &f->sma14, f->skill);
        cJSON_AddItemToObject(o, "metrics", scores_object(&sc));
    }
    if (bt->n_folds > 0) {
        fc_scores_set(&sc, bt->folds[0].test_first_day,
                      bt->folds[bt->n_folds - 1].test_last_day, bt->n_test,
                      &bt->model, &bt->naive, &bt->drift, &bt->sma14,
                      bt->skill);
        cJSON_AddItemToObject(root, "overall", scores_object(&sc));
    }
    return print(root, len);
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
    fc_buf_printf(&s, "\",\"model_version\":%lld,\"threshold\":",
                  (long long)version);
    put_num(&s, threshold);
    fc_buf_puts(&s, ",\"residual_sd\":");
    put_num(&s, a->sd);
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
        put_num(&s, x->actual);
        fc_buf_puts(&s, ",\"predicted\":");
        put_num(&s, x->predicted);
        fc_buf_puts(&s, ",\"residual\":");
        put_num(&s, x->residual);
        fc_buf_puts(&s, ",\"z\":");
        put_num(&s, x->z);
        fc_buf_puts(&s, "}");
    }
    fc_buf_puts(&s, "]}");
    return fc_buf_release(&s, len);
}
