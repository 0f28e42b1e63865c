/* params.c — the table of training and backtest parameters, the setter
 * every value goes through, and a job's parameters before and after the
 * request's own keys apply.
 *
 * A row's bounds are those of POST /train. Where a bound is also a bound
 * of a train.* setting (the window, epochs, batch size, dropout, seed), it
 * is the shared constant of base/config.h, so the settings table and this
 * one cannot drift; a max that an operator may lower (train.max_epochs,
 * max_window, max_units) is a cap read from the config at each request.
 * The core's fc_hparams_check stays the last word on the whole set. */
#include "params.h"

#include "text.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct fc_train_params, field)
#define PRESET_MSG "%s: must be \"default\", \"point\", \"dist\" or \"report\""
#define FEATURE_NAMES                                                          \
    "open, high, low, close, adj_close, volume, log_return, range, body, "     \
    "gap, log_volume"

/* The order is that of the allowed-keys message and of a stored job's
 * params document; both are part of the API. */
static const struct fc_param table[] = {
    {"ticker", NULL, FC_PARAM_TICKER, FC_PARAM_JOB, 0, 0, 0, FC_PARAM_CAP_NONE,
     F(ticker), "T", "the series"},
    {"preset", "--preset", FC_PARAM_PRESET, FC_PARAM_JOB, 0, 0, 0,
     FC_PARAM_CAP_NONE, F(preset), "default|point|dist|report",
     "the hyperparameters the others change"},
    {"window", "--window", FC_PARAM_INT, FC_PARAM_JOB, FC_TRAIN_WINDOW_MIN,
     FC_TRAIN_WINDOW_MAX, 0, FC_PARAM_CAP_WINDOW, F(hp.window), "N",
     "days per input window"},
    {"layers", "--layers", FC_PARAM_LAYERS, FC_PARAM_JOB, 1, FC_LSTM_MAX_UNITS,
     0, FC_PARAM_CAP_UNITS, F(hp.units), "50,50,50", "LSTM units per layer"},
    {"dropout", "--dropout", FC_PARAM_FLOAT, FC_PARAM_JOB, 0,
     FC_TRAIN_DROPOUT_MAX, 0, FC_PARAM_CAP_NONE, F(hp.dropout), "P",
     "dropout after each layer"},
    {"epochs", "--epochs", FC_PARAM_INT, FC_PARAM_JOB, 1, FC_TRAIN_EPOCHS_MAX,
     0, FC_PARAM_CAP_EPOCHS, F(hp.epochs), "N", "most epochs"},
    {"batch_size", "--batch-size", FC_PARAM_INT, FC_PARAM_JOB, 1,
     FC_TRAIN_BATCH_MAX, 0, FC_PARAM_CAP_NONE, F(hp.batch_size), "N",
     "windows per mini-batch"},
    {"learning_rate", "--learning-rate", FC_PARAM_FLOAT, FC_PARAM_JOB, 0, 1, 1,
     FC_PARAM_CAP_NONE, F(hp.learning_rate), "LR", "Adam step size"},
    {"patience", "--patience", FC_PARAM_INT, FC_PARAM_JOB, 0,
     FC_TRAIN_EPOCHS_MAX, 0, FC_PARAM_CAP_EPOCHS, F(hp.patience), "N",
     "epochs without a better validation loss; 0 = never"},
    {"seed", "--seed", FC_PARAM_SEED, FC_PARAM_JOB, 0, FC_TRAIN_SEED_MAX, 0,
     FC_PARAM_CAP_NONE, F(hp.seed), "N",
     "initialisation, shuffling and dropout"},
    {"features", "--features", FC_PARAM_FEATURES, FC_PARAM_JOB, 0, 0, 0,
     FC_PARAM_CAP_NONE, F(hp.features), "F,F,...",
     "open high low close adj_close volume log_return range body gap "
     "log_volume"},
    {"target", "--target", FC_PARAM_TARGET, FC_PARAM_JOB, 0, 0, 0,
     FC_PARAM_CAP_NONE, F(hp.target), "close|log_return", "what is predicted"},
    {"loss", "--loss", FC_PARAM_LOSS, FC_PARAM_JOB, 0, 0, 0, FC_PARAM_CAP_NONE,
     F(hp.loss), "mse|gaussian|student_t",
     "mse: a point forecast; gaussian, student_t: the next log return's "
     "distribution"},
    {"student_df", "--student-df", FC_PARAM_FLOAT, FC_PARAM_JOB, 0, 100, 0,
     FC_PARAM_CAP_NONE, F(hp.student_df), "DF",
     "student_t degrees of freedom in [2.5, 100] (0: 5); else 0"},
    {"garch_power", "--garch-power", FC_PARAM_FLOAT, FC_PARAM_JOB, 0, 1, 0,
     FC_PARAM_CAP_NONE, F(hp.garch_power), "P",
     "returns in units of the GARCH(1,1) sd to this power; 0 = off (mse: 0)"},
    {"from", "--from", FC_PARAM_DATE, FC_PARAM_JOB, 0, 0, 0, FC_PARAM_CAP_NONE,
     F(from_day), "DATE", "first bar used (YYYY-MM-DD)"},
    {"to", "--to", FC_PARAM_DATE, FC_PARAM_JOB, 0, 0, 0, FC_PARAM_CAP_NONE,
     F(to_day), "DATE", "last bar used (YYYY-MM-DD)"},
    {"folds", "--folds", FC_PARAM_INT, FC_PARAM_BACKTEST, 1,
     FC_BACKTEST_MAX_FOLDS, 0, FC_PARAM_CAP_NONE, F(folds), "N",
     "walk-forward folds (default 5)"},
    {"gap", "--gap", FC_PARAM_INT, FC_PARAM_BACKTEST, 0, FC_BACKTEST_MAX_GAP, 0,
     FC_PARAM_CAP_NONE, F(gap), "N", "bars left out before each fold"},
    /* The core's own bounds (fc_hparams_check), checked here first so a
     * bad flag is a usage error that names it. */
    {NULL, "--val-frac", FC_PARAM_FLOAT, FC_PARAM_OFFLINE, 0, 0.8, 0,
     FC_PARAM_CAP_NONE, F(hp.val_frac), "F", "share of bars for validation"},
    {NULL, "--test-frac", FC_PARAM_FLOAT, FC_PARAM_OFFLINE, 0, 0.8, 0,
     FC_PARAM_CAP_NONE, F(hp.test_frac), "F",
     "share of bars held out for test"},
    {NULL, "--clip-norm", FC_PARAM_FLOAT, FC_PARAM_OFFLINE, 0, FLT_MAX, 0,
     FC_PARAM_CAP_NONE, F(hp.clip_norm), "C", "gradient-norm cap; 0 = off"},
    {NULL, "--scaler", FC_PARAM_SCALER, FC_PARAM_OFFLINE, 0, 0, 0,
     FC_PARAM_CAP_NONE, F(hp.scaler), "minmax|robust",
     "input and target scaling"},
    {NULL, "--weight-decay", FC_PARAM_FLOAT, FC_PARAM_OFFLINE, 0, 0.5, 0,
     FC_PARAM_CAP_NONE, F(hp.weight_decay), "W",
     "AdamW decay per step, times the learning rate"},
    {NULL, "--ensemble", FC_PARAM_INT, FC_PARAM_OFFLINE, 1, 16, 0,
     FC_PARAM_CAP_NONE, F(hp.n_ensemble), "K",
     "members trained from derived seeds and averaged"},
    {NULL, "--zero-output", FC_PARAM_INT, FC_PARAM_OFFLINE, 0, 1, 0,
     FC_PARAM_CAP_NONE, F(hp.zero_output), "0|1",
     "1: the dense layer starts at 0 (no change)"},
    {NULL, "--center-output", FC_PARAM_INT, FC_PARAM_OFFLINE, 0, 1, 0,
     FC_PARAM_CAP_NONE, F(hp.center_output), "0|1",
     "1: centre the output (log_return target only)"},
    {NULL, "--winsor", FC_PARAM_FLOAT, FC_PARAM_OFFLINE, 0, 1000, 0,
     FC_PARAM_CAP_NONE, F(hp.winsor), "C",
     "clip at +-C, C >= 1, robust scaler only; 0 = off"},
};
#define N_PARAMS (sizeof table / sizeof table[0])

const struct fc_param *fc_param_at(int i)
{
    return i >= 0 && (size_t)i < N_PARAMS ? &table[i] : NULL;
}

const struct fc_param *fc_param_find(const char *key, int backtest)
{
    for (size_t i = 0; i < N_PARAMS; i++) {
        const struct fc_param *k = &table[i];
        if (k->key == NULL || (k->scope == FC_PARAM_BACKTEST && !backtest))
            continue;
        if (strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

const struct fc_param *fc_param_find_flag(const char *flag, int backtest,
                                          int offline)
{
    for (size_t i = 0; i < N_PARAMS; i++) {
        const struct fc_param *k = &table[i];
        if (k->flag == NULL || (k->scope == FC_PARAM_BACKTEST && !backtest) ||
            (k->scope == FC_PARAM_OFFLINE && !offline))
            continue;
        if (strcmp(k->flag, flag) == 0)
            return k;
    }
    return NULL;
}

double fc_param_max(const struct fc_param *k, const struct fc_config *cfg)
{
    double cap = k->max;
    switch (k->cap) {
    case FC_PARAM_CAP_NONE:
        break;
    case FC_PARAM_CAP_EPOCHS:
        cap = cfg->train.max_epochs;
        break;
    case FC_PARAM_CAP_WINDOW:
        cap = cfg->train.max_window;
        break;
    case FC_PARAM_CAP_UNITS:
        cap = cfg->train.max_units;
        break;
    }
    return cap < k->max ? cap : k->max;
}

void fc_param_keys(int backtest, char *buf, size_t size)
{
    size_t n = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < N_PARAMS && n < size; i++) {
        const struct fc_param *k = &table[i];
        if (k->key == NULL || (k->scope == FC_PARAM_BACKTEST && !backtest))
            continue;
        int w = snprintf(buf + n, size - n, "%s%s", n > 0 ? ", " : "", k->key);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* 1 when name is a flag ("--layers"): messages then speak of the
 * command line's comma lists instead of JSON arrays and null. */
static int is_flag(const char *name)
{
    return strncmp(name, "--", 2) == 0;
}

static void *field(const struct fc_param *k, struct fc_train_params *p)
{
    return (char *)p + k->offset;
}

static fc_err set_number(const struct fc_param *k, const char *name,
                         const struct fc_param_value *v,
                         const struct fc_config *cfg, struct fc_train_params *p,
                         struct fc_diag *d)
{
    double lo = k->min, hi = fc_param_max(k, cfg), x = v->num;
    int number = v->type == FC_PARAM_V_NUMBER && isfinite(x);

    if (k->type == FC_PARAM_FLOAT) {
        if (!number || !(k->min_open ? x > lo : x >= lo) || !(x <= hi))
            return fc_diag_set(d, FC_EINVAL,
                               "%s: must be a number in %s%.15g, %.15g]", name,
                               k->min_open ? "(" : "[", lo, hi);
        float f = (float)x;
        memcpy(field(k, p), &f, sizeof f);
        return FC_OK;
    }
    if (!number || x != floor(x) || !(x >= lo && x <= hi))
        return fc_diag_set(d, FC_EINVAL,
                           "%s: must be a whole number in [%.15g, %.15g]", name,
                           lo, hi);
    if (k->type == FC_PARAM_SEED) {
        uint64_t u = (uint64_t)x;
        memcpy(field(k, p), &u, sizeof u);
    } else {
        int i = (int)x;
        memcpy(field(k, p), &i, sizeof i);
    }
    return FC_OK;
}

fc_err fc_param_set(const struct fc_param *k, const char *name,
                    const struct fc_param_value *v, const struct fc_config *cfg,
                    struct fc_train_params *p, struct fc_diag *d)
{
    const char *s = v->type == FC_PARAM_V_STRING ? v->s : NULL;

    switch (k->type) {
    case FC_PARAM_TICKER:
        if (s == NULL)
            return fc_diag_set(d, FC_EINVAL, "%s: must be a string", name);
        snprintf(p->ticker, sizeof p->ticker, "%s", s);
        return FC_OK;
    case FC_PARAM_PRESET:
        if (s == NULL || strlen(s) >= sizeof p->preset ||
            fc_hparams_preset(s, &(struct fc_hparams){0}) != FC_OK)
            return fc_diag_set(d, FC_EINVAL, PRESET_MSG, name);
        snprintf(p->preset, sizeof p->preset, "%s", s);
        return FC_OK;
    case FC_PARAM_INT:
    case FC_PARAM_SEED:
    case FC_PARAM_FLOAT:
        return set_number(k, name, v, cfg, p, d);
    case FC_PARAM_TARGET: {
        int t = s != NULL ? fc_target_parse(s) : -1;
        if (t < 0)
            return fc_diag_set(d, FC_EINVAL,
                               "%s: must be \"close\" or \"log_return\"", name);
        p->hp.target = (enum fc_target)t;
        return FC_OK;
    }
    case FC_PARAM_LOSS: {
        int l = s != NULL ? fc_loss_parse(s) : -1;
        if (l < 0)
            return fc_diag_set(d, FC_EINVAL,
                               "%s: must be \"mse\", \"gaussian\" or "
                               "\"student_t\"",
                               name);
        p->hp.loss = (enum fc_loss)l;
        p->loss_set = 1;
        return FC_OK;
    }
    case FC_PARAM_SCALER: {
        int sc = s != NULL ? fc_scaler_parse(s) : -1;
        if (sc < 0)
            return fc_diag_set(d, FC_EINVAL,
                               "%s: must be \"minmax\" or \"robust\"", name);
        p->hp.scaler = (enum fc_scaler)sc;
        return FC_OK;
    }
    case FC_PARAM_DATE: {
        int32_t day;
        if (v->type == FC_PARAM_V_NULL)
            return FC_OK;
        if (s != NULL && fc_day_parse(s, (int)strnlen(s, 64), &day) == 0) {
            memcpy(field(k, p), &day, sizeof day);
            return FC_OK;
        }
        return fc_diag_set(d, FC_EINVAL, "%s: must be a date YYYY-MM-DD%s",
                           name, is_flag(name) ? "" : " or null");
    }
    case FC_PARAM_LAYERS:
    case FC_PARAM_FEATURES:
        break;
    }
    return fc_param_set_list(k, name, -1, p, d);
}

fc_err fc_param_set_list(const struct fc_param *k, const char *name, int n,
                         struct fc_train_params *p, struct fc_diag *d)
{
    int flag = is_flag(name);

    if (k->type == FC_PARAM_LAYERS) {
        if (n < 1 || n > FC_LSTM_MAX_LAYERS)
            return fc_diag_set(d, FC_EINVAL,
                               flag ? "%s: must be a list of 1 to %d unit "
                                      "counts, e.g. 50,50,50"
                                    : "%s: must be an array of 1 to %d unit "
                                      "counts, e.g. [50,50,50]",
                               name, FC_LSTM_MAX_LAYERS);
        p->hp.n_layers = n;
        return FC_OK;
    }
    if (k->type == FC_PARAM_FEATURES) {
        if (n < 1)
            return fc_diag_set(d, FC_EINVAL,
                               "%s: must be a non-empty %s of names "
                               "(" FEATURE_NAMES ")",
                               name, flag ? "list" : "array");
        p->hp.features = 0;
        return FC_OK;
    }
    return fc_diag_set(d, FC_EINVAL, "%s: is not a list", name);
}

fc_err fc_param_set_item(const struct fc_param *k, const char *name, int i,
                         const struct fc_param_value *v,
                         const struct fc_config *cfg, struct fc_train_params *p,
                         struct fc_diag *d)
{
    if (k->type == FC_PARAM_LAYERS && i >= 0 && i < FC_LSTM_MAX_LAYERS) {
        double lo = k->min, hi = fc_param_max(k, cfg), x = v->num;
        if (v->type != FC_PARAM_V_NUMBER || x != floor(x) ||
            !(x >= lo && x <= hi))
            return fc_diag_set(d, FC_EINVAL,
                               "%s: units per layer: must be a whole number "
                               "in [%.15g, %.15g]",
                               name, lo, hi);
        p->hp.units[i] = (int)x;
        return FC_OK;
    }
    if (k->type == FC_PARAM_FEATURES) {
        const char *s = v->type == FC_PARAM_V_STRING ? v->s : NULL;
        int f = s != NULL ? fc_feature_parse(s) : -1;
        if (f < 0) {
            char echo[48];
            const char *e = s != NULL ? s : "?";
            fc_echo(e, strnlen(e, 64), echo);
            return fc_diag_set(d, FC_EINVAL,
                               "%s: '%s' is not one of " FEATURE_NAMES, name,
                               echo);
        }
        p->hp.features |= 1u << f;
        return FC_OK;
    }
    return fc_diag_set(d, FC_EINVAL, "%s: is not a list", name);
}

/* A number as JSON writes one (leading zeros and a bare fraction allowed):
 * -?digits[.digits][e[+-]digits]. 0 when s is not one. */
static int number_text(const char *s, double *out)
{
    const char *q = s;
    int digits = 0;

    if (*q == '-')
        q++;
    for (; *q >= '0' && *q <= '9'; q++)
        digits++;
    if (*q == '.')
        for (q++; *q >= '0' && *q <= '9'; q++)
            digits++;
    if (digits == 0)
        return 0;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!(*q >= '0' && *q <= '9'))
            return 0;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q != '\0')
        return 0;
    *out = strtod(s, NULL);
    return isfinite(*out);
}

static void text_value(const struct fc_param *k, const char *text,
                       struct fc_param_value *v)
{
    int numeric = k->type == FC_PARAM_INT || k->type == FC_PARAM_SEED ||
                  k->type == FC_PARAM_FLOAT || k->type == FC_PARAM_LAYERS;

    memset(v, 0, sizeof *v);
    v->type = FC_PARAM_V_STRING;
    v->s = text;
    if (numeric)
        v->type =
            number_text(text, &v->num) ? FC_PARAM_V_NUMBER : FC_PARAM_V_OTHER;
}

fc_err fc_param_set_text(const struct fc_param *k, const char *name,
                         const char *text, const struct fc_config *cfg,
                         struct fc_train_params *p, struct fc_diag *d)
{
    struct fc_param_value v;
    char item[64];
    int n = 1;

    if (k->type != FC_PARAM_LAYERS && k->type != FC_PARAM_FEATURES) {
        text_value(k, text, &v);
        return fc_param_set(k, name, &v, cfg, p, d);
    }
    for (const char *c = text; *c != '\0'; c++)
        n += *c == ',';
    fc_err rc = fc_param_set_list(k, name, text[0] == '\0' ? 0 : n, p, d);
    const char *q = text;
    for (int i = 0; rc == FC_OK && i < n; i++) {
        size_t len = strcspn(q, ",");
        snprintf(item, sizeof item, "%.*s", (int)len, q);
        text_value(k, item, &v);
        rc = fc_param_set_item(k, name, i, &v, cfg, p, d);
        q += len + (q[len] == ',');
    }
    return rc;
}

fc_err fc_train_params_defaults(const struct fc_config *cfg, const char *preset,
                                struct fc_train_params *p, struct fc_diag *d)
{
    struct fc_config def;
    const struct fc_train_config *t = &cfg->train;
    const struct fc_train_config *t0 = &def.train;
    const char *name = preset != NULL ? preset : t->preset;

    memset(p, 0, sizeof *p);
    p->from_day = INT32_MIN;
    p->to_day = INT32_MAX;
    if (strlen(name) >= sizeof p->preset ||
        fc_hparams_preset(name, &p->hp) != FC_OK)
        return fc_diag_set(d, FC_EINVAL, PRESET_MSG, "preset");
    snprintf(p->preset, sizeof p->preset, "%s", name);
    if (preset != NULL)
        return FC_OK;
    /* No preset in the request: the configured train.* values apply, but
     * only those an operator changed from their defaults, so that an
     * unconfigured server trains each preset exactly as defined (the
     * report's must stay reproducible). */
    fc_config_defaults(&def);
    struct fc_hparams *hp = &p->hp;
    if (t->window != t0->window)
        hp->window = t->window;
    if (t->n_layers != t0->n_layers ||
        memcmp(t->layers, t0->layers, sizeof t->layers) != 0) {
        hp->n_layers = t->n_layers;
        for (int l = 0; l < t->n_layers && l < FC_LSTM_MAX_LAYERS; l++)
            hp->units[l] = t->layers[l];
    }
    if (t->epochs != t0->epochs)
        hp->epochs = t->epochs;
    if (t->batch_size != t0->batch_size)
        hp->batch_size = t->batch_size;
    if (t->learning_rate != t0->learning_rate)
        hp->learning_rate = (float)t->learning_rate;
    if (t->dropout != t0->dropout)
        hp->dropout = (float)t->dropout;
    if (t->patience != t0->patience)
        hp->patience = t->patience;
    if (t->seed != t0->seed)
        hp->seed = (uint64_t)t->seed;
    return FC_OK;
}

fc_err fc_train_params_finish(struct fc_train_params *p, struct fc_diag *d)
{
    if (p->from_day > p->to_day)
        return fc_diag_set(d, FC_EINVAL, "from is after to");
    /* Centring the output is defined for the log-return target only: a
     * request for the close as target turns it off rather than failing
     * on a setting the client cannot see. */
    if (p->hp.target != FC_TARGET_LOG_RETURN)
        p->hp.center_output = 0;
    /* The same for the preset's distributional loss, defined for the log
     * return: a request for the close gets a point model unless it named
     * the loss itself. */
    if (p->hp.loss != FC_LOSS_MSE && !p->loss_set &&
        p->hp.target != FC_TARGET_LOG_RETURN)
        p->hp.loss = FC_LOSS_MSE;
    if (p->hp.loss == FC_LOSS_STUDENT_T && p->hp.student_df == 0.0f)
        p->hp.student_df = FC_STUDENT_DF_DEFAULT;
    /* The GARCH base scales a distribution: a point model has none. */
    if (p->hp.loss == FC_LOSS_MSE)
        p->hp.garch_power = 0.0f;
    return fc_hparams_check(&p->hp, d);
}
