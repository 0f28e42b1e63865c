/* bodies.c — the request bodies: bars for POST /series/{t}/bars and the
 * parameters of POST /train and POST /backtest.
 *
 * Request bars are parsed with cJSON and handed to the shared row
 * validator of ingest.c field by field: CSV and JSON share one set of
 * rules. */
#include "json_io.h"

#include "json_common.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        return fc_diag_set(d, FC_EBADREQ,
                           "empty body: expected "
                           "{\"bars\":[...]}");
    root = fc_jsonc_parse_whole(buf, len, &end);
    if (root == NULL) {
        rc = fc_jsonc_syntax_error(buf, len, end, "", FC_EBADREQ, d);
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

/* ---- training and backtest parameters --------------------------------------
 */

/* A member's value as the parameter table reads it. */
static void param_value(const cJSON *it, struct fc_param_value *v)
{
    memset(v, 0, sizeof *v);
    v->type = FC_PARAM_V_OTHER;
    if (cJSON_IsNumber(it)) {
        v->type = FC_PARAM_V_NUMBER;
        v->num = it->valuedouble;
    } else if (cJSON_IsString(it)) {
        v->type = FC_PARAM_V_STRING;
        v->s = it->valuestring;
    } else if (cJSON_IsNull(it)) {
        v->type = FC_PARAM_V_NULL;
    }
}

/* One member of a body through the table's setter: a list item by item
 * (anything but an array is the wrong type for a list). */
static fc_err set_member(const struct fc_param *k, const cJSON *it,
                         const struct fc_config *cfg, struct fc_train_params *p,
                         struct fc_diag *d)
{
    struct fc_param_value v;

    if (k->type == FC_PARAM_LAYERS || k->type == FC_PARAM_FEATURES) {
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
        fc_err rc = fc_param_set_list(k, k->key, n, p, d);
        int i = 0;
        for (const cJSON *e = n > 0 ? it->child : NULL; rc == FC_OK && e;
             e = e->next, i++) {
            param_value(e, &v);
            rc = fc_param_set_item(k, k->key, i, &v, cfg, p, d);
        }
        return rc;
    }
    param_value(it, &v);
    return fc_param_set(k, k->key, &v, cfg, p, d);
}

/* The parameters of a job: the keys of the parameter table (a backtest's
 * also folds and gap), in two passes: the first rejects unknown keys and
 * reads the preset, which gives the defaults the second pass changes. */
static fc_err parse_job_params(const char *body, size_t len,
                               const struct fc_config *cfg, int backtest,
                               struct fc_train_params *p, struct fc_diag *d)
{
    cJSON *root = NULL;
    const char *end = NULL;
    const char *preset = NULL;
    struct fc_train_params scratch;
    fc_err rc = FC_OK;
    size_t i = 0;

    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' ||
                       body[i] == '\t'))
        i++;
    if (i < len) {
        root = fc_jsonc_parse_whole(body, len, &end);
        if (root == NULL)
            return fc_jsonc_syntax_error(body, len, end, "", FC_EBADREQ, d);
        if (!cJSON_IsObject(root)) {
            rc = fc_diag_set(d, FC_EBADREQ,
                             "expected a JSON object such as "
                             "{\"ticker\":\"NFLX\",\"epochs\":20}");
            goto done;
        }
    }
    for (const cJSON *it = root != NULL ? root->child : NULL; it != NULL;
         it = it->next) {
        const struct fc_param *k = fc_param_find(it->string, backtest);
        if (k == NULL) {
            char echo[48], keys[256];
            fc_echo(it->string, strnlen(it->string, 64), echo);
            fc_param_keys(backtest, keys, sizeof keys);
            rc = fc_diag_set(d, FC_EINVAL, "unknown key '%s'; allowed: %s",
                             echo, keys);
            goto done;
        }
        if (k->type == FC_PARAM_PRESET) {
            rc = set_member(k, it, cfg, &scratch, d);
            if (rc != FC_OK)
                goto done;
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
        rc = set_member(fc_param_find(it->string, backtest), it, cfg, p, d);
        if (rc != FC_OK)
            goto done;
    }
    rc = fc_train_params_finish(p, d);
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
