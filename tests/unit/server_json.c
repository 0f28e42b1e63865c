/* server_json.c — unit tests of the JSON mapping (server/json/): every
 * document that has both a renderer and a parser reads back to what was
 * rendered (train and backtest params, bars, metrics, the config, the
 * evaluation points through their CSV form), and a body that fails names
 * the key at fault: unknown keys, wrong types and out-of-range values, for
 * every key of the parameter table, generated from the table itself.
 * Documents with a renderer only (progress, model data, backtest results,
 * replies) are covered by the API tests. */
#include "check.h"
#include "config.h"
#include "config_file.h"
#include "json_io.h"
#include "params.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fc_config cfg;

/* Two parsed parameter sets are the same, field by field (the struct has
 * padding, so no memcmp). */
static int same_params(const struct fc_train_params *a,
                       const struct fc_train_params *b)
{
    const struct fc_hparams *x = &a->hp, *y = &b->hp;
    int same =
        strcmp(a->preset, b->preset) == 0 && a->from_day == b->from_day &&
        a->to_day == b->to_day && a->folds == b->folds && a->gap == b->gap &&
        x->window == y->window && x->n_layers == y->n_layers &&
        x->dropout == y->dropout && x->epochs == y->epochs &&
        x->batch_size == y->batch_size &&
        x->learning_rate == y->learning_rate && x->patience == y->patience &&
        x->seed == y->seed && x->features == y->features &&
        x->target == y->target && x->center_output == y->center_output &&
        x->loss == y->loss && x->student_df == y->student_df &&
        x->val_frac == y->val_frac && x->test_frac == y->test_frac;
    for (int l = 0; same && l < x->n_layers; l++)
        same = x->units[l] == y->units[l];
    return same;
}

typedef fc_err (*parse_fn)(const char *body, size_t len,
                           const struct fc_config *c, struct fc_train_params *p,
                           struct fc_diag *d);

/* parse(render(parse(body))) == parse(body), and rendering that again
 * gives the same text. */
static void params_round_trip(parse_fn parse, const char *body)
{
    struct fc_train_params p, q;
    struct fc_diag d;
    size_t len = 0, len2 = 0;

    fc_diag_init(&d);
    fc_err rc = parse(body, strlen(body), &cfg, &p, &d);
    if (rc != FC_OK)
        fprintf(stderr, "%s: %s\n", body, d.msg);
    CHECK_OK(rc);
    if (rc != FC_OK)
        return;
    char *doc = fc_json_train_params(&p, &len);
    CHECK(doc != NULL && strlen(doc) == len);
    if (doc == NULL)
        return;
    CHECK_OK(parse(doc, len, &cfg, &q, &d));
    CHECK(same_params(&p, &q));
    char *doc2 = fc_json_train_params(&q, &len2);
    CHECK(doc2 != NULL && strcmp(doc, doc2) == 0);
    free(doc2);
    free(doc);
}

static void test_params_round_trip(void)
{
    static const char *const train[] = {
        "",
        "{}",
        "{\"preset\":\"report\"}",
        "{\"ticker\":\"NFLX\",\"preset\":\"report\",\"window\":30,"
        "\"layers\":[50,50,50],\"dropout\":0.2,\"epochs\":20,"
        "\"batch_size\":32,\"learning_rate\":0.001,\"patience\":0,"
        "\"seed\":1,\"features\":[\"close\"],\"target\":\"close\","
        "\"from\":\"2015-12-16\",\"to\":\"2019-12-16\"}",
        "{\"layers\":[512,1,7,8,9,10,11,12],\"dropout\":0.9}",
        "{\"learning_rate\":0.0003,\"dropout\":0.1}",
        "{\"learning_rate\":1,\"dropout\":0}",
        "{\"seed\":9007199254740991}",
        "{\"features\":[\"volume\",\"open\",\"open\",\"log_return\"],"
        "\"target\":\"log_return\"}",
        "{\"target\":\"close\"}",
        "{\"preset\":\"point\"}",
        "{\"preset\":\"dist\",\"loss\":\"student_t\"}",
        "{\"loss\":\"student_t\",\"student_df\":2.5}",
        "{\"loss\":\"mse\",\"features\":[\"range\",\"gap\",\"body\","
        "\"log_volume\"]}",
        "{\"from\":null,\"to\":\"2020-02-29\"}",
        "{\"from\":\"1900-01-01\"}",
        "{\"epochs\":1000,\"patience\":1000,\"window\":365,"
        "\"batch_size\":65536}",
    };
    static const char *const backtest[] = {
        "{}",
        "{\"folds\":1,\"gap\":0}",
        "{\"folds\":20,\"gap\":10000,\"preset\":\"report\"}",
        "{\"ticker\":\"X\",\"gap\":7,\"epochs\":3,\"layers\":[4]}",
    };

    for (size_t i = 0; i < sizeof train / sizeof train[0]; i++) {
        params_round_trip(fc_json_parse_train, train[i]);
        params_round_trip(fc_json_parse_backtest, train[i]);
    }
    for (size_t i = 0; i < sizeof backtest / sizeof backtest[0]; i++)
        params_round_trip(fc_json_parse_backtest, backtest[i]);

    /* The stored document: the table's keys in order, no ticker, folds
     * and gap for a backtest only. */
    struct fc_train_params p;
    struct fc_diag d;
    fc_diag_init(&d);
    const char *body = "{\"ticker\":\"NFLX\",\"preset\":\"report\","
                       "\"seed\":7}";
    CHECK_OK(fc_json_parse_train(body, strlen(body), &cfg, &p, &d));
    CHECK(strcmp(p.ticker, "NFLX") == 0);
    char *doc = fc_json_train_params(&p, NULL);
    CHECK(doc != NULL &&
          strcmp(doc, "{\"preset\":\"report\",\"window\":30,\"layers\":[50,"
                      "50,50],\"dropout\":0.2,\"epochs\":20,\"batch_size\":"
                      "32,\"learning_rate\":0.001,\"patience\":0,\"seed\":7,"
                      "\"features\":[\"close\"],\"target\":\"close\","
                      "\"loss\":\"mse\",\"student_df\":0,\"garch_power\":0,"
                      "\"from\":null,\"to\":null}") == 0);
    free(doc);
    /* The preset's distributional loss gives way to a close target; the
     * student_t loss without degrees of freedom gets 5. */
    const char *close = "{\"target\":\"close\"}";
    CHECK_OK(fc_json_parse_train(close, strlen(close), &cfg, &p, &d));
    CHECK(p.hp.loss == FC_LOSS_MSE && p.hp.center_output == 0);
    const char *st = "{\"loss\":\"student_t\"}";
    CHECK_OK(fc_json_parse_train(st, strlen(st), &cfg, &p, &d));
    CHECK(p.hp.loss == FC_LOSS_STUDENT_T &&
          p.hp.student_df == FC_STUDENT_DF_DEFAULT);
    CHECK_OK(fc_json_parse_train("", 0, &cfg, &p, &d));
    CHECK(p.hp.loss == FC_LOSS_GAUSSIAN && strcmp(p.preset, "default") == 0);
    CHECK_OK(fc_json_parse_backtest(body, strlen(body), &cfg, &p, &d));
    CHECK_EQ_INT(p.folds, FC_BACKTEST_DEFAULT_FOLDS);
    doc = fc_json_train_params(&p, NULL);
    CHECK(doc != NULL && strstr(doc, ",\"folds\":5,\"gap\":0}") != NULL);
    free(doc);
}

/* body fails with rc, and the message starts with `start` (or contains
 * it, when `anywhere`). */
static void expect_error(parse_fn parse, const char *body, fc_err rc,
                         const char *start, int anywhere)
{
    struct fc_train_params p;
    struct fc_diag d;

    fc_diag_init(&d);
    CHECK_ERR(parse(body, strlen(body), &cfg, &p, &d), rc);
    int ok = anywhere ? strstr(d.msg, start) != NULL
                      : strncmp(d.msg, start, strlen(start)) == 0;
    if (!ok)
        fprintf(stderr, "body %s: message '%s', want '%s'\n", body, d.msg,
                start);
    CHECK(ok);
}

/* For every key of the table: a value of the wrong type and values just
 * outside its bounds fail, and the message starts with the key. */
static void test_params_errors_name_the_key(void)
{
    char body[256], want[64];

    for (int i = 0; fc_param_at(i) != NULL; i++) {
        const struct fc_param *k = fc_param_at(i);
        if (k->key == NULL)
            continue;
        parse_fn parse = k->scope == FC_PARAM_BACKTEST ? fc_json_parse_backtest
                                                       : fc_json_parse_train;
        snprintf(want, sizeof want, "%s:", k->key);
        /* true is the wrong type for every parameter; so is an object. */
        snprintf(body, sizeof body, "{\"%s\":true}", k->key);
        expect_error(parse, body, FC_EINVAL, want, 0);
        snprintf(body, sizeof body, "{\"%s\":{}}", k->key);
        expect_error(parse, body, FC_EINVAL, want, 0);
        if (k->type != FC_PARAM_TICKER && k->type != FC_PARAM_DATE) {
            snprintf(body, sizeof body, "{\"%s\":null}", k->key);
            expect_error(parse, body, FC_EINVAL, want, 0);
        }
        if (k->type == FC_PARAM_INT || k->type == FC_PARAM_SEED ||
            k->type == FC_PARAM_FLOAT) {
            double hi = fc_param_max(k, &cfg);
            snprintf(body, sizeof body, "{\"%s\":%.17g}", k->key,
                     k->type == FC_PARAM_FLOAT ? hi * 1.001 + 1e-9 : hi + 1);
            expect_error(parse, body, FC_EINVAL, want, 0);
            snprintf(body, sizeof body, "{\"%s\":%.17g}", k->key,
                     k->min_open ? k->min : k->min - 1);
            expect_error(parse, body, FC_EINVAL, want, 0);
            snprintf(body, sizeof body, "{\"%s\":\"1\"}", k->key);
            expect_error(parse, body, FC_EINVAL, want, 0);
            /* Both bounds are in range, and whole numbers only. */
            snprintf(body, sizeof body, "{\"%s\":%.17g}", k->key, hi);
            struct fc_train_params p;
            struct fc_diag d;
            fc_diag_init(&d);
            fc_err rc = parse(body, strlen(body), &cfg, &p, &d);
            /* A bound alone may still break a cross-key check of the
             * core (patience beyond epochs is fine; nothing else). */
            CHECK(rc == FC_OK || strncmp(d.msg, want, strlen(want)) != 0);
            if (k->type != FC_PARAM_FLOAT) {
                snprintf(body, sizeof body, "{\"%s\":%.17g}", k->key,
                         k->min + 0.5);
                expect_error(parse, body, FC_EINVAL, want, 0);
            }
        }
        if (k->type == FC_PARAM_LAYERS || k->type == FC_PARAM_FEATURES) {
            snprintf(body, sizeof body, "{\"%s\":[]}", k->key);
            expect_error(parse, body, FC_EINVAL, want, 0);
            snprintf(body, sizeof body, "{\"%s\":[\"nope\",1]}", k->key);
            expect_error(parse, body, FC_EINVAL, want, 0);
        }
    }
    /* The exact texts the API has always given (tests/api check them). */
    expect_error(fc_json_parse_train, "{\"epochs\":0}", FC_EINVAL,
                 "epochs: must be a whole number in [1, 1000]", 0);
    expect_error(fc_json_parse_train, "{\"window\":1}", FC_EINVAL,
                 "window: must be a whole number in [2, 365]", 0);
    expect_error(fc_json_parse_train, "{\"layers\":[513]}", FC_EINVAL,
                 "layers: units per layer: must be a whole number in "
                 "[1, 512]",
                 0);
    expect_error(fc_json_parse_train, "{\"layers\":[1,2,3,4,5,6,7,8,9]}",
                 FC_EINVAL,
                 "layers: must be an array of 1 to 8 unit counts, e.g. "
                 "[50,50,50]",
                 0);
    expect_error(fc_json_parse_train, "{\"dropout\":0.95}", FC_EINVAL,
                 "dropout: must be a number in [0, 0.9]", 0);
    expect_error(fc_json_parse_train, "{\"learning_rate\":0}", FC_EINVAL,
                 "learning_rate: must be a number in (0, 1]", 0);
    expect_error(fc_json_parse_train, "{\"features\":[\"nope\"]}", FC_EINVAL,
                 "features: 'nope' is not one of open, high, low, close, "
                 "adj_close, volume, log_return",
                 0);
    expect_error(fc_json_parse_train, "{\"from\":\"2020-13-01\"}", FC_EINVAL,
                 "from: must be a date YYYY-MM-DD or null", 0);
    expect_error(fc_json_parse_train, "{\"preset\":\"fast\"}", FC_EINVAL,
                 "preset: must be \"default\", \"point\", \"dist\" or "
                 "\"report\"",
                 0);
    expect_error(fc_json_parse_train, "{\"loss\":\"mae\"}", FC_EINVAL,
                 "loss: must be \"mse\", \"gaussian\" or \"student_t\"", 0);
    /* A loss the request names is kept, and the core refuses the set. */
    expect_error(fc_json_parse_train,
                 "{\"loss\":\"gaussian\",\"target\":\"close\"}", FC_EINVAL,
                 "a distributional loss needs the log_return target", 0);
    expect_error(fc_json_parse_train, "{\"student_df\":5}", FC_EINVAL,
                 "student_df must be in [2.5, 100] with the student_t loss", 0);
    expect_error(fc_json_parse_train,
                 "{\"loss\":\"student_t\",\"student_df\":2}", FC_EINVAL,
                 "student_df must be in [2.5, 100]", 0);
    expect_error(fc_json_parse_train, "{\"target\":\"open\"}", FC_EINVAL,
                 "target: must be \"close\" or \"log_return\"", 0);
    expect_error(fc_json_parse_train, "{\"ticker\":5}", FC_EINVAL,
                 "ticker: must be a string", 0);
    expect_error(fc_json_parse_train,
                 "{\"from\":\"2020-01-01\",\"to\":\"2019-01-01\"}", FC_EINVAL,
                 "from is after to", 0);
    expect_error(fc_json_parse_backtest, "{\"folds\":21}", FC_EINVAL,
                 "folds: must be a whole number in [1, 20]", 0);
    expect_error(fc_json_parse_backtest, "{\"gap\":-1}", FC_EINVAL,
                 "gap: must be a whole number in [0, 10000]", 0);

    /* Unknown keys: named, and the allowed ones listed from the table. */
    expect_error(fc_json_parse_train, "{\"nope\":1}", FC_EINVAL,
                 "unknown key 'nope'; allowed: ticker, preset, window, "
                 "layers, dropout, epochs, batch_size, learning_rate, "
                 "patience, seed, features, target, loss, student_df, "
                 "garch_power, from, to",
                 0);
    expect_error(fc_json_parse_backtest, "{\"nope\":1}", FC_EINVAL,
                 "target, loss, student_df, garch_power, from, to, folds, gap",
                 1);
    expect_error(fc_json_parse_train, "{\"folds\":3}", FC_EINVAL,
                 "unknown key 'folds'", 0);
    expect_error(fc_json_parse_train, "{\"val_frac\":0.1}", FC_EINVAL,
                 "unknown key 'val_frac'", 0);
    /* Keys are checked in order: an unknown key after a bad preset is not
     * reached. */
    expect_error(fc_json_parse_train, "{\"preset\":\"x\",\"nope\":1}",
                 FC_EINVAL, "preset:", 0);
    expect_error(fc_json_parse_train, "{\"nope\":1,\"preset\":\"x\"}",
                 FC_EINVAL, "unknown key 'nope'", 0);

    /* Not a body at all. */
    expect_error(fc_json_parse_train, "[1]", FC_EBADREQ, "expected", 0);
    expect_error(fc_json_parse_train, "{\"epochs\":", FC_EBADREQ,
                 "not valid JSON (line 1, column 10)", 0);
    expect_error(fc_json_parse_train, "{\"seed\":NaN}", FC_EBADREQ,
                 "NaN and Infinity are not JSON numbers", 1);
    expect_error(fc_json_parse_train, "{} x", FC_EBADREQ, "not valid JSON", 0);
}

/* The caps of the config apply to the body, and only lower the table's
 * bounds. */
static void test_params_caps(void)
{
    struct fc_config c = cfg;
    struct fc_train_params p;
    struct fc_diag d;
    const char *ok = "{\"epochs\":20,\"window\":20,\"layers\":[32]}";

    fc_diag_init(&d);
    c.train.max_epochs = 10;
    c.train.max_window = 15;
    c.train.max_units = 16;
    CHECK_ERR(fc_json_parse_train(ok, strlen(ok), &c, &p, &d), FC_EINVAL);
    CHECK(strcmp(d.msg, "epochs: must be a whole number in [1, 10]") == 0);
    const char *b = "{\"window\":20}";
    CHECK_ERR(fc_json_parse_train(b, strlen(b), &c, &p, &d), FC_EINVAL);
    CHECK(strcmp(d.msg, "window: must be a whole number in [2, 15]") == 0);
    b = "{\"patience\":11}";
    CHECK_ERR(fc_json_parse_train(b, strlen(b), &c, &p, &d), FC_EINVAL);
    b = "{\"layers\":[17]}";
    CHECK_ERR(fc_json_parse_train(b, strlen(b), &c, &p, &d), FC_EINVAL);
    CHECK(strstr(d.msg, "[1, 16]") != NULL);
    c.train.max_units = 100000; /* above the core's FC_LSTM_MAX_UNITS */
    b = "{\"layers\":[4097]}";
    CHECK_ERR(fc_json_parse_train(b, strlen(b), &c, &p, &d), FC_EINVAL);
    CHECK(strstr(d.msg, "[1, 4096]") != NULL);
    CHECK_OK(fc_json_parse_train(ok, strlen(ok), &cfg, &p, &d));
}

/* Bars: fc_json_bars' document parses back to the same bars. */
static void test_bars_round_trip(void)
{
    struct fc_bar in[4] = {
        {17897, 100.5, 101.25, 99.75, 100.125, 100.125, 1234567},
        {17898, 0.1, 0.30000000000000004, 0.05, 0.2, NAN, 0},
        {17899, 1e-7, 1e7, 1e-7, 123456.789, 1.0 / 3.0, 9007199254740991.0},
        {17902, 3, 4, 2, 3.5, 3.25, 10},
    };
    struct fc_batch b;
    struct fc_diag d;
    size_t len = 0;

    fc_diag_init(&d);
    fc_batch_init(&b);
    char *doc = fc_json_bars("NFLX", in, 4, &len);
    CHECK(doc != NULL && strlen(doc) == len);
    CHECK_OK(fc_json_parse_bars(doc, len, &b, &d));
    CHECK_EQ_INT(b.n_bars, 4);
    CHECK_EQ_INT(b.n_bad_rows, 0);
    for (int i = 0; i < b.n_bars && i < 4; i++) {
        const struct fc_bar *x = &in[i], *y = &b.bars[i];
        CHECK_EQ_INT(x->day, y->day);
        CHECK(x->open == y->open && x->high == y->high && x->low == y->low &&
              x->close == y->close && x->volume == y->volume);
        CHECK(isnan(x->adj_close) ? isnan(y->adj_close)
                                  : x->adj_close == y->adj_close);
    }
    fc_batch_fini(&b);
    free(doc);

    /* No bars: an empty list, read back as none. */
    fc_batch_init(&b);
    doc = fc_json_bars("X", in, 0, &len);
    CHECK(doc != NULL && strcmp(doc, "{\"ticker\":\"X\",\"bars\":[]}") == 0);
    CHECK_OK(fc_json_parse_bars(doc, len, &b, &d));
    CHECK_EQ_INT(b.n_bars, 0);
    fc_batch_fini(&b);
    free(doc);
}

static int same_num(double a, double b)
{
    return isnan(a) ? isnan(b) : a == b;
}

/* Metrics: fc_json_scores' document parses back to the same scores. */
static void test_scores_round_trip(void)
{
    struct fc_metrics m[4] = {
        {201, 6.7249, 4.1, 0.0123, 0.0124, 1.001, 0.498},
        {201, 6.7248, 4.0, 0.0122, 0.0123, 1.0, 0.0},
        {201, 7.0, NAN, 1.0 / 3.0, 0.5, NAN, 1},
        {201, 1e-12, 1e12, 0, 0, 0, 0.25},
    };
    static const char *const names[4] = {"model", "naive", "drift", "sma14"};
    struct fc_scores s, t;
    size_t len = 0;

    memset(&s, 0, sizeof s);
    s.from_day = 18000;
    s.to_day = 18300;
    s.n = 201;
    for (int i = 0; i < 4; i++) {
        struct fc_metrics *row = fc_scores_add(&s, names[i]);
        CHECK(row != NULL);
        if (row != NULL)
            *row = m[i];
    }
    s.skill = -0.0000149;
    s.calib.n_resid = 100;
    s.calib.n = 101;
    s.calib.coverage80 = 0.624;
    s.calib.coverage95 = 1;
    s.calib.brier = NAN;
    for (int with_calib = 1; with_calib >= 0; with_calib--) {
        if (!with_calib)
            memset(&s.calib, 0, sizeof s.calib);
        char *doc = fc_json_scores(&s, &len);
        CHECK(doc != NULL && strlen(doc) == len);
        if (doc == NULL)
            return;
        CHECK_OK(fc_json_parse_scores(doc, &t));
        CHECK_EQ_INT(t.from_day, s.from_day);
        CHECK_EQ_INT(t.to_day, s.to_day);
        CHECK_EQ_INT(t.n, s.n);
        CHECK_EQ_INT(t.n_rows, s.n_rows);
        CHECK(same_num(t.skill, s.skill));
        for (int i = 0; i < s.n_rows && i < t.n_rows; i++) {
            const struct fc_metrics *x = &s.rows[i].m, *y = &t.rows[i].m;
            CHECK(strcmp(s.rows[i].name, t.rows[i].name) == 0);
            CHECK(same_num(x->rmse, y->rmse) && same_num(x->mae, y->mae) &&
                  same_num(x->mape, y->mape) && same_num(x->smape, y->smape) &&
                  same_num(x->mase, y->mase) &&
                  same_num(x->directional_accuracy, y->directional_accuracy));
        }
        CHECK_EQ_INT(t.calib.n, s.calib.n);
        CHECK_EQ_INT(t.calib.n_resid, s.calib.n_resid);
        if (with_calib)
            CHECK(same_num(t.calib.coverage80, s.calib.coverage80) &&
                  same_num(t.calib.coverage95, s.calib.coverage95) &&
                  same_num(t.calib.brier, s.calib.brier));
        char *again = fc_json_scores(&t, NULL);
        CHECK(again != NULL && strcmp(doc, again) == 0);
        free(again);
        free(doc);
    }
    CHECK_ERR(fc_json_parse_scores("{", &t), FC_ECORRUPT);

    /* Interval scores: the rows that have them round-trip, a row without
     * them stays unmeasured, and the interval skills come with them. */
    struct fc_interval_scores iv = {.n = 1109,
                                    .coverage80 = 0.787,
                                    .coverage95 = 0.962,
                                    .coverage80_third = {0.832, 0.765, NAN},
                                    .score80 = 0.0712,
                                    .score95 = 0.1034,
                                    .kupiec95_p = 0.053,
                                    .christoffersen95_p = 0.602,
                                    .miss95_after_miss = 0.0625,
                                    .n_h5 = 1105,
                                    .coverage80_h5 = 0.808};
    struct fc_interval_scores gv = iv;
    gv.score80 = 0.078;
    gv.score95 = 0.117;
    CHECK(fc_scores_add(&s, "ewma") != NULL && fc_scores_add(&s, "garch"));
    fc_scores_row(&s, "model")->iv = iv;
    fc_scores_row(&s, "garch")->iv = gv;
    char *doc = fc_json_scores(&s, &len);
    CHECK(doc != NULL && strstr(doc, "\"interval_skill80\":") != NULL);
    CHECK(doc != NULL && strstr(doc, "\"ewma\":{\"rmse\":") != NULL &&
          strstr(strstr(doc, "\"ewma\":"), "\"garch\":") != NULL);
    CHECK_OK(fc_json_parse_scores(doc != NULL ? doc : "{}", &t));
    CHECK_EQ_INT(t.n_rows, 6);
    for (int i = 0; i < t.n_rows; i++) {
        const struct fc_interval_scores *x = &s.rows[i].iv, *y = &t.rows[i].iv;
        CHECK_EQ_INT(x->n, y->n);
        CHECK_EQ_INT(x->n_h5, y->n_h5);
        if (x->n == 0)
            continue;
        CHECK(same_num(x->coverage80, y->coverage80) &&
              same_num(x->coverage95, y->coverage95) &&
              same_num(x->score80, y->score80) &&
              same_num(x->score95, y->score95) &&
              same_num(x->kupiec95_p, y->kupiec95_p) &&
              same_num(x->christoffersen95_p, y->christoffersen95_p) &&
              same_num(x->miss95_after_miss, y->miss95_after_miss) &&
              same_num(x->coverage80_h5, y->coverage80_h5));
        for (int k = 0; k < 3; k++)
            CHECK(same_num(x->coverage80_third[k], y->coverage80_third[k]));
    }
    CHECK(same_num(fc_scores_interval_skill(&t, 0.8), 1.0 - 0.0712 / 0.078));
    char *again = fc_json_scores(&t, NULL);
    CHECK(again != NULL && doc != NULL && strcmp(doc, again) == 0);
    free(again);
    free(doc);

    /* Rows come in document order; an unknown or repeated forecaster, and a
     * member that is not an object, add none. */
    CHECK_OK(fc_json_parse_scores(
        "{\"period\":{\"from\":\"2020-01-02\",\"to\":\"2020-01-03\","
        "\"n\":2},\"naive\":{\"rmse\":1},\"garch9\":{\"rmse\":2},"
        "\"model\":{\"rmse\":3},\"naive\":{\"rmse\":4},\"drift\":5}",
        &t));
    CHECK_EQ_INT(t.n_rows, 2);
    if (t.n_rows == 2) {
        CHECK(strcmp(t.rows[0].name, "naive") == 0 && t.rows[0].m.rmse == 1);
        CHECK(strcmp(t.rows[1].name, "model") == 0 && t.rows[1].m.rmse == 3);
        CHECK_EQ_INT(t.rows[1].m.n, 2);
    }
    CHECK(isnan(t.skill) && t.calib.n == 0);
    CHECK(fc_scores_get(&t, "drift") == NULL);
    CHECK(fc_scores_add(&t, "garch9") == NULL);
    CHECK(fc_scores_add(&t, "model") == NULL);
    CHECK_OK(fc_json_parse_scores("[{\"model\":{}}]", &t));
    CHECK_EQ_INT(t.n_rows, 0);
}

/* Evaluation points: the stored document, read back through its CSV form
 * (the one reader of it), gives the same numbers; NaN is an empty field. */
static void test_eval_points_round_trip(void)
{
    int32_t day[3] = {18000, 18001, 18004};
    double actual[3] = {10.5, 0.1 + 0.2, 1e6};
    double predicted[3] = {10.25, NAN, 999999.99};
    double naive[3] = {10, 10.5, 1.0 / 3.0};
    double drift[3] = {10.01, 10.51, 0.5};
    double sma14[3] = {9, 9.5, 2};
    double p_up[3] = {0.5, 0.25, NAN};
    const double *cols[6] = {actual, predicted, naive, drift, sma14, p_up};
    struct fc_eval ev;
    size_t len = 0, csv_len = 0;

    memset(&ev, 0, sizeof ev);
    ev.n = 3;
    ev.day = day;
    ev.actual = actual;
    ev.predicted = predicted;
    ev.naive = naive;
    ev.drift = drift;
    ev.sma14 = sma14;
    ev.p_up = p_up;
    char *doc = fc_json_eval_points(&ev, &len);
    CHECK(doc != NULL && strlen(doc) == len);
    /* A point model whose held-out log errors give the band. */
    float resid[5] = {-0.02f, -0.01f, 0.0f, 0.01f, 0.03f}, scratch[5];
    struct fc_model pm;
    memset(&pm, 0, sizeof pm);
    pm.resid = resid;
    pm.n_resid = 5;
    double blo, bhi;
    CHECK_OK(fc_conformal_bounds(resid, 5, 0.5, scratch, &blo, &bhi));
    char *csv = doc != NULL
                    ? fc_json_evaluation_csv(NULL, doc, &pm, 0.5, &csv_len)
                    : NULL;
    CHECK(csv != NULL);
    if (csv == NULL) {
        free(doc);
        return;
    }
    const char *head = "date,actual,predicted,naive,drift,sma14,p_up,lower,"
                       "upper,sigma\n";
    const char *line = strchr(csv, '\n');
    CHECK(strncmp(csv, head, strlen(head)) == 0);
    for (int i = 0; i < 3 && line != NULL; i++) {
        char date[11];
        const char *q = line + 1;
        fc_day_format(day[i], date);
        CHECK(strncmp(q, date, 10) == 0);
        q += 10;
        for (int c = 0; c < 6; c++) {
            char *end;
            CHECK(*q == ',');
            q++;
            double v = strtod(q, &end);
            if (end == q)
                CHECK(isnan(cols[c][i]));
            else
                CHECK(v == cols[c][i]);
            q = end;
        }
        /* lower, upper, sigma: the constant band around the point. */
        double want[3] = {predicted[i] * exp(blo), predicted[i] * exp(bhi),
                          fc_anomaly_sd(&pm)};
        for (int c = 0; c < 3; c++) {
            char *end;
            CHECK(*q == ',');
            q++;
            double v = strtod(q, &end);
            if (end == q)
                CHECK(isnan(want[c]));
            else
                CHECK(v == want[c]);
            q = end;
        }
        CHECK(*q == '\n');
        line = q;
    }
    free(csv);
    free(doc);
    CHECK(fc_json_evaluation_csv(NULL, "{", &pm, 0.9, &csv_len) == NULL);

    /* A distributional model's days keep mu and sigma; the interval is
     * naive * e^(mu + q sigma) with q the quantiles of its z. */
    double mu[3] = {0.001, -0.002, 0.0}, sg[3] = {0.02, 0.03, 0.01};
    struct fc_model dm = pm;
    dm.hp.loss = FC_LOSS_GAUSSIAN;
    ev.mu = mu;
    ev.sigma = sg;
    doc = fc_json_eval_points(&ev, &len);
    char *js = doc != NULL
                   ? fc_json_evaluation("X", 2, "{}", doc, &dm, 0.5, &len)
                   : NULL;
    CHECK(js != NULL && strstr(js, ",\"level\":0.5,") != NULL);
    const char *at = js;
    for (int i = 0; i < 3 && at != NULL; i++) {
        double v[3];
        static const char *const keys[3] = {
            "\"lower\":", "\"upper\":", "\"sigma\":"};
        at = strstr(at, "{\"date\":");
        for (int k = 0; k < 3 && at != NULL; k++) {
            const char *q = strstr(at, keys[k]);
            CHECK(q != NULL);
            v[k] = q != NULL ? strtod(q + strlen(keys[k]), NULL) : NAN;
        }
        CHECK(v[0] == naive[i] * exp(mu[i] + blo * sg[i]));
        CHECK(v[1] == naive[i] * exp(mu[i] + bhi * sg[i]));
        CHECK(v[2] == sg[i]);
        if (at != NULL)
            at++;
    }
    free(js);
    free(doc);
}

/* The config: fc_json_config's document loads back to the same settings. */
static void test_config_round_trip(void)
{
    struct fc_config a = cfg, b;
    struct fc_diag d;
    size_t len = 0;

    fc_diag_init(&d);
    a.port = 9;
    a.train.n_layers = 2;
    a.train.layers[0] = 64;
    a.train.layers[1] = 32;
    a.train.learning_rate = 0.1 + 0.2;
    a.train.seed = 9007199254740991LL;
    snprintf(a.api_key, sizeof a.api_key, "k\"\\\n");
    char *doc = fc_json_config(&a, &len);
    CHECK(doc != NULL);
    if (doc == NULL)
        return;
    fc_config_defaults(&b);
    CHECK_OK(fc_config_load_text(&b, doc, len, "doc", &d));
    CHECK_EQ_INT(b.port, 9);
    CHECK(strcmp(a.api_key, b.api_key) == 0);
    CHECK_EQ_INT(b.train.n_layers, 2);
    CHECK_EQ_INT(b.train.layers[1], 32);
    CHECK(b.train.learning_rate == a.train.learning_rate);
    CHECK_EQ_INT(b.train.seed, a.train.seed);
    char *again = fc_json_config(&b, NULL);
    CHECK(again != NULL && strcmp(doc, again) == 0);
    free(again);
    free(doc);
}

int main(void)
{
    fc_config_defaults(&cfg);
    test_params_round_trip();
    test_params_errors_name_the_key();
    test_params_caps();
    test_bars_round_trip();
    test_scores_round_trip();
    test_eval_points_round_trip();
    test_config_round_trip();
    return check_report();
}
