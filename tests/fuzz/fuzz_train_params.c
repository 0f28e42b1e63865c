/* fuzz_train_params.c — the bodies of POST /train and POST /backtest:
 * fc_json_parse_train and fc_json_parse_backtest on arbitrary bytes over
 * the default config's bounds.
 *
 * Beyond "no crash, no leak, no UB": parameters that parse pass
 * fc_hparams_check (the parser promises it) and, written as a job stores
 * them (fc_json_train_params), parse back to the same parameters: the same
 * document again and the same hyperparameters, bit for bit. Both the
 * parser and the renderer walk the parameter table (domain/params.h). */
#include "fuzz.h"

#include "config.h"
#include "json_io.h"
#include "params.h"

static void check_same_params(const struct fc_train_params *a,
                              const struct fc_train_params *b)
{
    const struct fc_hparams *x = &a->hp, *y = &b->hp;

    FUZZ_CHECK(strcmp(a->preset, b->preset) == 0);
    FUZZ_CHECK(a->from_day == b->from_day && a->to_day == b->to_day);
    FUZZ_CHECK(x->window == y->window && x->n_layers == y->n_layers);
    for (int l = 0; l < x->n_layers; l++)
        FUZZ_CHECK(x->units[l] == y->units[l]);
    FUZZ_CHECK(memcmp(&x->dropout, &y->dropout, sizeof x->dropout) == 0);
    FUZZ_CHECK(x->epochs == y->epochs && x->batch_size == y->batch_size);
    FUZZ_CHECK(memcmp(&x->learning_rate, &y->learning_rate,
                      sizeof x->learning_rate) == 0);
    FUZZ_CHECK(x->patience == y->patience && x->seed == y->seed);
    FUZZ_CHECK(x->features == y->features && x->target == y->target);
}

typedef fc_err (*parse_fn)(const char *body, size_t len,
                           const struct fc_config *cfg,
                           struct fc_train_params *p, struct fc_diag *d);

static void round_trip(parse_fn parse, int backtest, const uint8_t *data,
                       size_t size, const struct fc_config *cfg)
{
    struct fc_train_params p, again;
    struct fc_diag d;
    char *json = NULL, *json2 = NULL;
    size_t len = 0, len2 = 0;

    fc_diag_init(&d);
    fc_err rc = parse((const char *)data, size, cfg, &p, &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_EBADREQ || rc == FC_EINVAL ||
               rc == FC_ENOMEM);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    /* A refusal always says why (the key at fault, for a bad key). */
    FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM || d.msg[0] != '\0');
    if (rc != FC_OK)
        return;
    FUZZ_CHECK(memchr(p.ticker, '\0', sizeof p.ticker) != NULL);
    FUZZ_CHECK(memchr(p.preset, '\0', sizeof p.preset) != NULL);
    FUZZ_CHECK(p.from_day <= p.to_day);
    FUZZ_CHECK(fc_hparams_check(&p.hp, NULL) == FC_OK);
    if (backtest)
        FUZZ_CHECK(p.folds >= 1 && p.folds <= FC_BACKTEST_MAX_FOLDS &&
                   p.gap >= 0 && p.gap <= FC_BACKTEST_MAX_GAP);
    else
        FUZZ_CHECK(p.folds == 0 && p.gap == 0);
    json = fc_json_train_params(&p, &len);
    if (json == NULL)
        return;
    rc = parse(json, len, cfg, &again, &d);
    if (rc != FC_OK)
        fprintf(stderr, "reparse: %s\n%s\n", d.msg, json);
    FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM);
    if (rc == FC_OK) {
        check_same_params(&p, &again);
        FUZZ_CHECK(p.folds == again.folds && p.gap == again.gap);
        json2 = fc_json_train_params(&again, &len2);
        if (json2 != NULL)
            FUZZ_CHECK(len2 == len && memcmp(json, json2, len) == 0);
    }
    free(json2);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fc_config cfg;
    static int ready;

    if (!ready) {
        fc_config_defaults(&cfg);
        ready = 1;
    }
    round_trip(fc_json_parse_train, 0, data, size, &cfg);
    round_trip(fc_json_parse_backtest, 1, data, size, &cfg);
    return 0;
}
