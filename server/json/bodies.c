/* bodies.c — the request bodies: bars for POST /series/{t}/bars and the
 * parameters of POST /train and POST /backtest.
 *
 * Request bars are parsed with cJSON and handed to the shared row
 * validator of ingest.c field by field: CSV and JSON share one set of
 * rules. */
#include "json_io.h"

#include "json_common.h"

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
static const char *const train_keys[] = {
    "ticker",   "preset",     "window",        "layers",   "dropout",
    "epochs",   "batch_size", "learning_rate", "patience", "seed",
    "features", "target",     "from",          "to",
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
        fc_day_parse(v->valuestring, (int)strnlen(v->valuestring, 64), day) ==
            0)
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
