/* config_file.c — the config file: its JSON walked leaf by leaf (nested
 * objects give dotted keys) and set key by key through fc_config_set_value,
 * and the effective configuration printed back as JSON (a PostgreSQL
 * URI's password shown as "***"). */
#include "config_file.h"

#include "fileio.h"
#include "json_common.h"
#include "json_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                           fc_json_config_cb cb, void *ctx, struct fc_diag *d)
{
    const char *end = NULL;
    cJSON *root = fc_jsonc_parse_whole(text, len, &end);

    if (root == NULL) {
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%s: ", origin);
        return fc_jsonc_syntax_error(text, len, end, prefix, FC_EINVAL, d);
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

/* The db setting as printed: a PostgreSQL URI's password (what follows
 * the first ':' of the userinfo, up to its last '@') becomes "***", into
 * out[size]. Anything else is copied as it is. */
static void redact_db(const char *db, char *out, size_t size)
{
    const char *auth = strstr(db, "://");
    snprintf(out, size, "%s", db);
    if (auth == NULL || (strncmp(db, "postgresql://", 13) != 0 &&
                         strncmp(db, "postgres://", 11) != 0))
        return;
    auth += 3;
    const char *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *q = auth; q < end; q++)
        if (*q == '@')
            at = q;
    const char *colon =
        at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon != NULL)
        snprintf(out, size, "%.*s***%s", (int)(colon + 1 - db), db, at);
}

char *fc_json_config(const struct fc_config *c, size_t *len)
{
    char db[sizeof c->db];
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
            if (strcmp(k->key, "db") == 0) {
                redact_db(p, db, sizeof db);
                p = db;
            }
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

static int set_from_json(void *ctx, const char *key,
                         const struct fc_cfg_value *v, const char *origin,
                         struct fc_diag *d)
{
    return fc_config_set_value(ctx, key, v, origin, d) == FC_OK ? 0 : -1;
}

fc_err fc_config_load_file(struct fc_config *c, const char *path,
                           struct fc_diag *d)
{
    char *text = NULL;
    size_t len = 0;
    /* A config file is small; 1 MiB is a generous cap. */
    fc_err rc = fc_read_file(path, (size_t)1 << 20, &text, &len, d);
    if (rc == FC_ETOOBIG)
        rc = FC_EINVAL;
    if (rc != FC_OK)
        return rc;
    rc = fc_config_load_text(c, text, len, path, d);
    free(text);
    return rc;
}

fc_err fc_config_load_text(struct fc_config *c, const char *text, size_t len,
                           const char *origin, struct fc_diag *d)
{
    return fc_json_config_walk(text, len, origin, set_from_json, c, d);
}
