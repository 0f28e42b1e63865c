/* docs.c — the documents kept in the database beside a job or a model
 * version: a job's parameters and progress, a version's metrics (scores)
 * and data, its evaluation points, a backtest's result. Replies splice
 * these in as they are; fc_json_parse_scores reads metrics back. */
#include "json_io.h"

#include "json_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One parameter of p as a member of root, the way the table types it. */
static void add_param(cJSON *root, const struct fc_param *k,
                      const struct fc_train_params *p)
{
    const struct fc_hparams *hp = &p->hp;
    const char *at = (const char *)p + k->offset;

    switch (k->type) {
    case FC_PARAM_TICKER:
    case FC_PARAM_PRESET:
        cJSON_AddStringToObject(root, k->key, at);
        break;
    case FC_PARAM_INT: {
        int v;
        memcpy(&v, at, sizeof v);
        cJSON_AddNumberToObject(root, k->key, v);
        break;
    }
    case FC_PARAM_FLOAT: {
        float f;
        memcpy(&f, at, sizeof f);
        cJSON_AddNumberToObject(root, k->key, fc_jsonc_float_num(f));
        break;
    }
    case FC_PARAM_SEED: {
        /* Raw text: cJSON would print 9007199254740991 as
         * 9.00719925474099e+15 (15 digits are "close enough" to it), and
         * the stored job would train with another seed (found by
         * tests/fuzz/fuzz_train_params.c). */
        uint64_t v;
        char num[24];
        memcpy(&v, at, sizeof v);
        snprintf(num, sizeof num, "%llu", (unsigned long long)v);
        cJSON_AddRawToObject(root, k->key, num);
        break;
    }
    case FC_PARAM_LAYERS: {
        cJSON *arr = cJSON_AddArrayToObject(root, k->key);
        for (int l = 0; arr != NULL && l < hp->n_layers; l++)
            cJSON_AddItemToArray(arr, cJSON_CreateNumber(hp->units[l]));
        break;
    }
    case FC_PARAM_FEATURES: {
        cJSON *arr = cJSON_AddArrayToObject(root, k->key);
        for (int f = 0; arr != NULL && f < FC_FEATURE_COUNT; f++)
            if (hp->features & (1u << f))
                cJSON_AddItemToArray(arr, cJSON_CreateString(fc_feature_name(
                                              (enum fc_feature)f)));
        break;
    }
    case FC_PARAM_TARGET:
        cJSON_AddStringToObject(root, k->key, fc_target_name(hp->target));
        break;
    case FC_PARAM_SCALER:
        cJSON_AddStringToObject(root, k->key, fc_scaler_name(hp->scaler));
        break;
    case FC_PARAM_LOSS:
        cJSON_AddStringToObject(root, k->key, fc_loss_name(hp->loss));
        break;
    case FC_PARAM_DATE: {
        /* Not given: INT32_MIN for from, INT32_MAX for to; null both. */
        int32_t day;
        memcpy(&day, at, sizeof day);
        fc_jsonc_add_date(root, k->key, day == INT32_MAX ? INT32_MIN : day);
        break;
    }
    }
}

/* Walks the parameter table: every parameter with a JSON key but the
 * ticker (a job keeps it in its own column), folds and gap for a backtest
 * only. fc_json_parse_train/backtest read the document back. */
char *fc_json_train_params(const struct fc_train_params *p, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    for (int i = 0; fc_param_at(i) != NULL; i++) {
        const struct fc_param *k = fc_param_at(i);
        if (k->key == NULL || k->type == FC_PARAM_TICKER ||
            (k->scope == FC_PARAM_BACKTEST && p->folds <= 0))
            continue;
        add_param(root, k, p);
    }
    return fc_jsonc_print(root, len);
}

char *fc_json_progress(const struct fc_progress *pr, int epochs,
                       double eta_seconds, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddNumberToObject(root, "epoch", pr != NULL ? pr->epoch : 0);
    cJSON_AddNumberToObject(root, "epochs", pr != NULL ? pr->epochs : epochs);
    fc_jsonc_add_num(root, "train_loss", pr != NULL ? pr->train_loss : NAN);
    fc_jsonc_add_num(root, "val_loss", pr != NULL ? pr->val_loss : NAN);
    cJSON_AddNumberToObject(root, "best_epoch",
                            pr != NULL ? pr->best_epoch : 0);
    if (pr != NULL && pr->folds > 0) {
        cJSON_AddNumberToObject(root, "fold", pr->fold);
        cJSON_AddNumberToObject(root, "folds", pr->folds);
    }
    fc_jsonc_add_num(root, "eta_seconds", pr != NULL ? eta_seconds : NAN);
    return fc_jsonc_print(root, len);
}

/* A row's interval scores, in a member "intervals" of o; parse_intervals
 * reads them back. */
static const char *const third_keys[3] = {
    "coverage80_calm", "coverage80_middle", "coverage80_volatile"};

static void add_intervals(cJSON *o, const struct fc_interval_scores *iv)
{
    cJSON *v = cJSON_AddObjectToObject(o, "intervals");
    if (v == NULL)
        return;
    cJSON_AddNumberToObject(v, "days", iv->n);
    fc_jsonc_add_num(v, "coverage80", iv->coverage80);
    fc_jsonc_add_num(v, "coverage95", iv->coverage95);
    for (int t = 0; t < 3; t++)
        fc_jsonc_add_num(v, third_keys[t], iv->coverage80_third[t]);
    fc_jsonc_add_num(v, "interval_score80", iv->score80);
    fc_jsonc_add_num(v, "interval_score95", iv->score95);
    fc_jsonc_add_num(v, "kupiec95_p", iv->kupiec95_p);
    fc_jsonc_add_num(v, "christoffersen95_p", iv->christoffersen95_p);
    fc_jsonc_add_num(v, "miss95_after_miss", iv->miss95_after_miss);
    cJSON_AddNumberToObject(v, "days_h5", iv->n_h5);
    fc_jsonc_add_num(v, "coverage80_h5", iv->coverage80_h5);
}

/* A row's "intervals" member into iv; absent (a document written before
 * intervals were scored) leaves iv->n 0: not measured. */
static void parse_intervals(const cJSON *o, struct fc_interval_scores *iv)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "intervals");
    if (!cJSON_IsObject(v))
        return;
    double n = fc_jsonc_num_or_nan(v, "days");
    double nh = fc_jsonc_num_or_nan(v, "days_h5");
    iv->n = isfinite(n) && n > 0 && n < INT32_MAX ? (int)n : 0;
    iv->coverage80 = fc_jsonc_num_or_nan(v, "coverage80");
    iv->coverage95 = fc_jsonc_num_or_nan(v, "coverage95");
    for (int t = 0; t < 3; t++)
        iv->coverage80_third[t] = fc_jsonc_num_or_nan(v, third_keys[t]);
    iv->score80 = fc_jsonc_num_or_nan(v, "interval_score80");
    iv->score95 = fc_jsonc_num_or_nan(v, "interval_score95");
    iv->kupiec95_p = fc_jsonc_num_or_nan(v, "kupiec95_p");
    iv->christoffersen95_p = fc_jsonc_num_or_nan(v, "christoffersen95_p");
    iv->miss95_after_miss = fc_jsonc_num_or_nan(v, "miss95_after_miss");
    iv->n_h5 = isfinite(nh) && nh > 0 && nh < INT32_MAX ? (int)nh : 0;
    iv->coverage80_h5 = fc_jsonc_num_or_nan(v, "coverage80_h5");
}

cJSON *fc_jsonc_scores_object(const struct fc_scores *s)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON *period = cJSON_AddObjectToObject(root, "period");
    if (period != NULL) {
        fc_jsonc_add_date(period, "from", s->n > 0 ? s->from_day : INT32_MIN);
        fc_jsonc_add_date(period, "to", s->n > 0 ? s->to_day : INT32_MIN);
        cJSON_AddNumberToObject(period, "n", s->n);
    }
    for (int i = 0; i < s->n_rows; i++) {
        const struct fc_metrics *m = &s->rows[i].m;
        cJSON *o = cJSON_AddObjectToObject(root, s->rows[i].name);
        if (o == NULL)
            continue;
        fc_jsonc_add_num(o, "rmse", m->rmse);
        fc_jsonc_add_num(o, "mae", m->mae);
        fc_jsonc_add_num(o, "mape", m->mape);
        fc_jsonc_add_num(o, "smape", m->smape);
        fc_jsonc_add_num(o, "mase", m->mase);
        fc_jsonc_add_num(o, "directional_accuracy", m->directional_accuracy);
        if (s->rows[i].iv.n > 0)
            add_intervals(o, &s->rows[i].iv);
    }
    fc_jsonc_add_num(root, "skill", s->skill);
    double sk80 = fc_scores_interval_skill(s, 0.8);
    double sk95 = fc_scores_interval_skill(s, 0.95);
    if (!isnan(sk80) || !isnan(sk95)) {
        fc_jsonc_add_num(root, "interval_skill80", sk80);
        fc_jsonc_add_num(root, "interval_skill95", sk95);
    }
    if (s->calib.n > 0) {
        cJSON *c = cJSON_AddObjectToObject(root, "calibration");
        if (c != NULL) {
            cJSON_AddNumberToObject(c, "residuals", s->calib.n_resid);
            cJSON_AddNumberToObject(c, "days", s->calib.n);
            fc_jsonc_add_num(c, "coverage80", s->calib.coverage80);
            fc_jsonc_add_num(c, "coverage95", s->calib.coverage95);
            fc_jsonc_add_num(c, "brier", s->calib.brier);
        }
    }
    return root;
}

char *fc_json_scores(const struct fc_scores *s, size_t *len)
{
    return fc_jsonc_print(fc_jsonc_scores_object(s), len);
}

fc_err fc_json_parse_scores(const char *text, struct fc_scores *out)
{
    const char *end = NULL;
    cJSON *root = fc_jsonc_parse_whole(text, strlen(text), &end);
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
    double n = fc_jsonc_num_or_nan(period, "n");
    out->n = isfinite(n) ? (int)n : 0;
    /* A row per member that names a forecaster, in document order. */
    const cJSON *o = cJSON_IsObject(root) ? root->child : NULL;
    for (; o != NULL; o = o->next) {
        struct fc_metrics *m = cJSON_IsObject(o) && o->string != NULL
                                   ? fc_scores_add(out, o->string)
                                   : NULL;
        if (m == NULL)
            continue;
        m->n = out->n;
        m->rmse = fc_jsonc_num_or_nan(o, "rmse");
        m->mae = fc_jsonc_num_or_nan(o, "mae");
        m->mape = fc_jsonc_num_or_nan(o, "mape");
        m->smape = fc_jsonc_num_or_nan(o, "smape");
        m->mase = fc_jsonc_num_or_nan(o, "mase");
        m->directional_accuracy =
            fc_jsonc_num_or_nan(o, "directional_accuracy");
        parse_intervals(o, &out->rows[out->n_rows - 1].iv);
    }
    out->skill = fc_jsonc_num_or_nan(root, "skill");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "calibration");
    if (cJSON_IsObject(c)) {
        double nr = fc_jsonc_num_or_nan(c, "residuals"),
               nd = fc_jsonc_num_or_nan(c, "days");
        out->calib.n_resid = isfinite(nr) ? (int)nr : 0;
        out->calib.n = isfinite(nd) ? (int)nd : 0;
        out->calib.coverage80 = fc_jsonc_num_or_nan(c, "coverage80");
        out->calib.coverage95 = fc_jsonc_num_or_nan(c, "coverage95");
        out->calib.brier = fc_jsonc_num_or_nan(c, "brier");
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
    fc_jsonc_add_date(root, "first_date", first_day);
    fc_jsonc_add_date(root, "last_date", last_day);
    cJSON_AddNumberToObject(root, "bars", (double)n_bars);
    cJSON_AddStringToObject(root, "sha256", sha256_hex);
    return fc_jsonc_print(root, len);
}

char *fc_json_eval_points(const struct fc_eval *ev, size_t *len)
{
    struct fc_buf s;
    char date[11];

    fc_buf_init(&s, (size_t)-1 / 2);
    fc_buf_reserve(&s, (size_t)ev->n * 220 + 4);
    fc_buf_puts(&s, "[");
    for (int i = 0; i < ev->n; i++) {
        fc_day_format(ev->day[i], date);
        fc_buf_puts(&s, i == 0 ? "{\"date\":\"" : ",{\"date\":\"");
        fc_buf_append(&s, date, 10);
        fc_buf_puts(&s, "\",\"actual\":");
        fc_jsonc_put_num(&s, ev->actual[i]);
        fc_buf_puts(&s, ",\"predicted\":");
        fc_jsonc_put_num(&s, ev->predicted[i]);
        fc_buf_puts(&s, ",\"naive\":");
        fc_jsonc_put_num(&s, ev->naive[i]);
        fc_buf_puts(&s, ",\"drift\":");
        fc_jsonc_put_num(&s, ev->drift[i]);
        fc_buf_puts(&s, ",\"sma14\":");
        fc_jsonc_put_num(&s, ev->sma14[i]);
        fc_buf_puts(&s, ",\"p_up\":");
        fc_jsonc_put_num(&s, ev->p_up != NULL ? ev->p_up[i] : NAN);
        if (ev->mu != NULL && ev->sigma != NULL) {
            fc_buf_puts(&s, ",\"mu\":");
            fc_jsonc_put_num(&s, ev->mu[i]);
            fc_buf_puts(&s, ",\"sigma\":");
            fc_jsonc_put_num(&s, ev->sigma[i]);
        }
        fc_buf_puts(&s, "}");
    }
    fc_buf_puts(&s, "]");
    return fc_buf_release(&s, len);
}

static cJSON *range_object(cJSON *parent, const char *name, int32_t from,
                           int32_t to)
{
    cJSON *o = cJSON_AddObjectToObject(parent, name);
    if (o != NULL) {
        fc_jsonc_add_date(o, "from", from);
        fc_jsonc_add_date(o, "to", to);
    }
    return o;
}

char *fc_json_backtest(const struct fc_backtest *bt, int gap, size_t *len)
{
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
        cJSON *t =
            range_object(o, "test", f->scores.from_day, f->scores.to_day);
        if (t != NULL)
            cJSON_AddNumberToObject(t, "n", f->scores.n);
        cJSON_AddNumberToObject(o, "epochs_run", f->epochs_run);
        cJSON_AddItemToObject(o, "metrics", fc_jsonc_scores_object(&f->scores));
    }
    if (bt->n_folds > 0)
        cJSON_AddItemToObject(root, "overall",
                              fc_jsonc_scores_object(&bt->scores));
    return fc_jsonc_print(root, len);
}
