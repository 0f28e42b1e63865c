/* config.c — the settings table and everything driven by it.
 *
 * One row per key: its JSON name (dotted when nested), its C type, where it
 * lives in struct fc_config, its default as text and its bounds. Defaults
 * are parsed through the same text path as environment variables and flags,
 * so a default that violates its own bounds fails the unit test at once.
 * Values from JSON arrive typed (json/config_file.c walks the document)
 * and are type-checked here: "port": "8080" is an error, not a conversion. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF(field) offsetof(struct fc_config, field)
#define SZ(field) sizeof(((struct fc_config *)0)->field)

#define PROMOTION "always|if_not_worse|never"

/* The train.* defaults equal the core's "default" preset (core/model.c,
 * fc_hparams_preset), so an unconfigured server trains what the README
 * measured. */
static const struct fc_config_key keys[] = {
    {"bind", FC_CFG_K_STR, OFF(bind), SZ(bind), "127.0.0.1", 1, 63, NULL},
    {"port", FC_CFG_K_INT, OFF(port), 0, "8080", 0, 65535, NULL},
    {"db", FC_CFG_K_STR, OFF(db), SZ(db), "./var/forecastd.db", 1, 1023, NULL},
    {"api_key", FC_CFG_K_STR, OFF(api_key), SZ(api_key), "", 0, 255, NULL},
    {"http_threads", FC_CFG_K_INT, OFF(http_threads), 0, "2", 1, 256, NULL},
    {"max_body_bytes", FC_CFG_K_I64, OFF(max_body_bytes), 0, "67108864", 1024,
     1073741824.0, NULL},
    {"max_connections", FC_CFG_K_INT, OFF(max_connections), 0, "1024", 1, 65536,
     NULL},
    {"connection_timeout_seconds", FC_CFG_K_INT,
     OFF(connection_timeout_seconds), 0, "60", 1, 86400, NULL},
    {"rate_limit_per_second", FC_CFG_K_NUM, OFF(rate_limit_per_second), 0, "0",
     0, 1e6, NULL},
    {"blas_threads", FC_CFG_K_INT, OFF(blas_threads), 0, "1", 1, 256, NULL},
    {"train_threads", FC_CFG_K_INT, OFF(train_threads), 0, "2", 1, 256, NULL},
    {"train_on_first_ingest", FC_CFG_K_BOOL, OFF(train_on_first_ingest), 0,
     "true", 0, 1, NULL},
    {"retrain_after_new_bars", FC_CFG_K_INT, OFF(retrain_after_new_bars), 0,
     "20", 0, 1000000, NULL},
    {"retrain_interval_hours", FC_CFG_K_NUM, OFF(retrain_interval_hours), 0,
     "0", 0, 8760, NULL},
    {"promotion_manual", FC_CFG_K_ENUM, OFF(promotion_manual),
     SZ(promotion_manual), "always", 0, 15, PROMOTION},
    {"promotion_auto", FC_CFG_K_ENUM, OFF(promotion_auto), SZ(promotion_auto),
     "if_not_worse", 0, 15, PROMOTION},
    {"cors_origin", FC_CFG_K_STR, OFF(cors_origin), SZ(cors_origin), "", 0, 255,
     NULL},
    {"web_dir", FC_CFG_K_STR, OFF(web_dir), SZ(web_dir), "./web", 1, 1023,
     NULL},
    {"replica_id", FC_CFG_K_STR, OFF(replica_id), SZ(replica_id), "", 0, 127,
     NULL},
    {"job_lease_seconds", FC_CFG_K_INT, OFF(job_lease_seconds), 0, "30", 2,
     86400, NULL},
    {"pg_statement_timeout_ms", FC_CFG_K_INT, OFF(pg_statement_timeout_ms), 0,
     "30000", 0, 86400000, NULL},
    {"pg_connect_timeout_s", FC_CFG_K_INT, OFF(pg_connect_timeout_s), 0, "5", 2,
     3600, NULL},
    {"train.preset", FC_CFG_K_ENUM, OFF(train.preset), SZ(train.preset),
     "default", 0, 15, "default|dist|point|report"},
    {"train.window", FC_CFG_K_INT, OFF(train.window), 0, "20",
     FC_TRAIN_WINDOW_MIN, FC_TRAIN_WINDOW_MAX, NULL},
    {"train.layers", FC_CFG_K_INTLIST, OFF(train.layers), 0, "16", 1, 100000,
     NULL},
    {"train.epochs", FC_CFG_K_INT, OFF(train.epochs), 0, "60", 1,
     FC_TRAIN_EPOCHS_MAX, NULL},
    {"train.batch_size", FC_CFG_K_INT, OFF(train.batch_size), 0, "32", 1,
     FC_TRAIN_BATCH_MAX, NULL},
    {"train.learning_rate", FC_CFG_K_NUM, OFF(train.learning_rate), 0, "0.001",
     1e-9, 1, NULL},
    {"train.dropout", FC_CFG_K_NUM, OFF(train.dropout), 0, "0", 0,
     FC_TRAIN_DROPOUT_MAX, NULL},
    {"train.patience", FC_CFG_K_INT, OFF(train.patience), 0, "10", 0,
     FC_TRAIN_EPOCHS_MAX, NULL},
    {"train.seed", FC_CFG_K_I64, OFF(train.seed), 0, "1", 0, FC_TRAIN_SEED_MAX,
     NULL},
    {"train.max_epochs", FC_CFG_K_INT, OFF(train.max_epochs), 0, "1000", 1,
     FC_TRAIN_EPOCHS_MAX, NULL},
    {"train.max_window", FC_CFG_K_INT, OFF(train.max_window), 0, "365",
     FC_TRAIN_WINDOW_MIN, FC_TRAIN_WINDOW_MAX, NULL},
    {"train.max_units", FC_CFG_K_INT, OFF(train.max_units), 0, "512", 1, 100000,
     NULL},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

const struct fc_config_key *fc_config_key_at(int i)
{
    return i >= 0 && (size_t)i < N_KEYS ? &keys[i] : NULL;
}

/* 1 if the key holds a string, 2 a number, 3 a bool, 4 a list. */
static int json_type(const struct fc_config_key *k)
{
    switch (k->kind) {
    case FC_CFG_K_STR:
    case FC_CFG_K_ENUM:
        return 1;
    case FC_CFG_K_BOOL:
        return 3;
    case FC_CFG_K_INTLIST:
        return 4;
    default:
        return 2;
    }
}

static const struct fc_config_key *find(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static int in_choices(const char *s, const char *choices)
{
    size_t n = strlen(s);
    const char *p = choices;
    while (*p != '\0') {
        const char *bar = strchr(p, '|');
        size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0)
            return 1;
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    return 0;
}

static fc_err set_string(struct fc_config *c, const struct fc_config_key *k,
                         const char *s, const char *origin, struct fc_diag *d)
{
    size_t n = strlen(s);
    if (n < (size_t)k->min || n > (size_t)k->max || n >= k->size)
        return fc_diag_set(d, FC_EINVAL,
                           "%s: key '%s': length %zu outside [%g, %g]", origin,
                           k->key, n, k->min, k->max);
    if (k->kind == FC_CFG_K_ENUM && !in_choices(s, k->choices))
        return fc_diag_set(d, FC_EINVAL, "%s: key '%s': '%s' is not one of %s",
                           origin, k->key, s, k->choices);
    memcpy((char *)c + k->offset, s, n + 1);
    return FC_OK;
}

static fc_err set_number(struct fc_config *c, const struct fc_config_key *k,
                         double v, const char *origin, struct fc_diag *d)
{
    if (!isfinite(v) || v < k->min || v > k->max)
        return fc_diag_set(d, FC_EINVAL, "%s: key '%s': %g is outside [%g, %g]",
                           origin, k->key, v, k->min, k->max);
    if (k->kind != FC_CFG_K_NUM && v != floor(v))
        return fc_diag_set(d, FC_EINVAL,
                           "%s: key '%s': %g is not a whole number", origin,
                           k->key, v);
    char *p = (char *)c + k->offset;
    switch (k->kind) {
    case FC_CFG_K_INT: {
        int i = (int)v;
        memcpy(p, &i, sizeof i);
        break;
    }
    case FC_CFG_K_I64: {
        int64_t i = (int64_t)v;
        memcpy(p, &i, sizeof i);
        break;
    }
    case FC_CFG_K_BOOL: {
        int i = v != 0;
        memcpy(p, &i, sizeof i);
        break;
    }
    default:
        memcpy(p, &v, sizeof v);
        break;
    }
    return FC_OK;
}

static fc_err set_list(struct fc_config *c, const struct fc_config_key *k,
                       const double *v, int n, const char *origin,
                       struct fc_diag *d)
{
    /* The only list is train.layers. */
    if (n < 1 || n > FC_CONFIG_MAX_LAYERS)
        return fc_diag_set(d, FC_EINVAL,
                           "%s: key '%s': needs 1 to %d layers, got %d", origin,
                           k->key, FC_CONFIG_MAX_LAYERS, n);
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]) || v[i] != floor(v[i]) || v[i] < k->min ||
            v[i] > k->max)
            return fc_diag_set(d, FC_EINVAL,
                               "%s: key '%s': %g units is not a whole number "
                               "in [%g, %g]",
                               origin, k->key, v[i], k->min, k->max);
    for (int i = 0; i < n; i++)
        c->train.layers[i] = (int)v[i];
    c->train.n_layers = n;
    return FC_OK;
}

static int parse_num(const char *s, double *out)
{
    char *end;
    if (*s == '\0' || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

fc_err fc_config_set_text(struct fc_config *c, const char *key,
                          const char *text, const char *origin,
                          struct fc_diag *d)
{
    const struct fc_config_key *k = find(key);
    double v;

    if (k == NULL)
        return fc_diag_set(d, FC_EINVAL, "%s: unknown key '%s'", origin, key);
    switch (k->kind) {
    case FC_CFG_K_STR:
    case FC_CFG_K_ENUM:
        return set_string(c, k, text, origin, d);
    case FC_CFG_K_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            return set_number(c, k, 1, origin, d);
        if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            return set_number(c, k, 0, origin, d);
        return fc_diag_set(d, FC_EINVAL,
                           "%s: key '%s': '%s' is not true or false", origin,
                           key, text);
    case FC_CFG_K_INTLIST: {
        /* "50,50,50" or "[50, 50, 50]" */
        double list[FC_CONFIG_MAX_LAYERS + 1];
        int n = 0;
        char buf[256];
        snprintf(buf, sizeof buf, "%s", text);
        char *p = buf;
        if (*p == '[') {
            p++;
            char *close = strrchr(p, ']');
            if (close == NULL || close[1] != '\0')
                goto bad_list;
            *close = '\0';
        }
        for (;;) {
            char *comma = strchr(p, ',');
            if (comma != NULL)
                *comma = '\0';
            while (*p == ' ')
                p++;
            size_t len = strlen(p);
            while (len > 0 && p[len - 1] == ' ')
                p[--len] = '\0';
            if (n > FC_CONFIG_MAX_LAYERS || parse_num(p, &list[n]) != 0)
                goto bad_list;
            n++;
            if (comma == NULL)
                break;
            p = comma + 1;
        }
        return set_list(c, k, list, n, origin, d);
    bad_list:
        return fc_diag_set(d, FC_EINVAL,
                           "%s: key '%s': '%s' is not a list of up to %d "
                           "numbers like 50,50",
                           origin, key, text, FC_CONFIG_MAX_LAYERS);
    }
    default:
        if (parse_num(text, &v) != 0)
            return fc_diag_set(d, FC_EINVAL,
                               "%s: key '%s': '%s' is not a number", origin,
                               key, text);
        return set_number(c, k, v, origin, d);
    }
}

fc_err fc_config_set_value(struct fc_config *c, const char *key,
                           const struct fc_cfg_value *v, const char *origin,
                           struct fc_diag *d)
{
    static const char *const want[] = {"", "a string", "a number",
                                       "true or false", "a list of numbers"};
    const struct fc_config_key *k = find(key);

    if (k == NULL)
        return fc_diag_set(d, FC_EINVAL, "%s: unknown key '%s'", origin, key);
    int jt = json_type(k);
    int ok = (jt == 1 && v->type == FC_CFG_V_STRING) ||
             (jt == 2 && v->type == FC_CFG_V_NUMBER) ||
             (jt == 3 && v->type == FC_CFG_V_BOOL) ||
             (jt == 4 && v->type == FC_CFG_V_NUMBERS);
    if (!ok)
        return fc_diag_set(d, FC_EINVAL, "%s: key '%s': expected %s", origin,
                           key, want[jt]);
    switch (v->type) {
    case FC_CFG_V_STRING:
        return set_string(c, k, v->s, origin, d);
    case FC_CFG_V_BOOL:
        return set_number(c, k, v->b ? 1 : 0, origin, d);
    case FC_CFG_V_NUMBERS:
        return set_list(c, k, v->list, v->n_list, origin, d);
    default:
        return set_number(c, k, v->num, origin, d);
    }
}

void fc_config_defaults(struct fc_config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < N_KEYS; i++) {
        fc_err rc =
            fc_config_set_text(c, keys[i].key, keys[i].def, "defaults", NULL);
        /* A default outside its own bounds is a bug in the table above. */
        if (rc != FC_OK)
            abort();
    }
}

/* FORECASTD_TRAIN_EPOCHS for train.epochs. */
static void env_name(const char *key, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "FORECASTD_");
    for (const char *p = key; *p != '\0' && n + 1 < cap; p++)
        out[n++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

fc_err fc_config_load_env(struct fc_config *c, struct fc_diag *d)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        char name[96];
        env_name(keys[i].key, name, sizeof name);
        const char *v = getenv(name);
        if (v == NULL)
            continue;
        fc_err rc = fc_config_set_text(c, keys[i].key, v, name, d);
        if (rc != FC_OK)
            return rc;
    }
    return FC_OK;
}

fc_err fc_config_validate(const struct fc_config *c, struct fc_diag *d)
{
    const struct fc_train_config *t = &c->train;
    unsigned char addr[sizeof(struct in6_addr)];

    if (inet_pton(AF_INET, c->bind, addr) != 1 &&
        inet_pton(AF_INET6, c->bind, addr) != 1)
        return fc_diag_set(d, FC_EINVAL,
                           "key 'bind': '%s' is not an IPv4 or IPv6 address",
                           c->bind);
    if (t->window > t->max_window)
        return fc_diag_set(d, FC_EINVAL,
                           "key 'train.window': %d exceeds train.max_window %d",
                           t->window, t->max_window);
    if (t->epochs > t->max_epochs)
        return fc_diag_set(d, FC_EINVAL,
                           "key 'train.epochs': %d exceeds train.max_epochs %d",
                           t->epochs, t->max_epochs);
    for (int i = 0; i < t->n_layers; i++)
        if (t->layers[i] > t->max_units)
            return fc_diag_set(d, FC_EINVAL,
                               "key 'train.layers': %d units exceeds "
                               "train.max_units %d",
                               t->layers[i], t->max_units);
    return FC_OK;
}
