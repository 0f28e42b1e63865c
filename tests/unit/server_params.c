/* server_params.c — unit tests of the parameter table (domain/params.c):
 * the rows every reader walks, the lookups by key and by flag with their
 * scopes, the caps from the config, and flag text read with the bounds and
 * messages of the JSON keys (the JSON side is in server_json.c). */
#include "check.h"
#include "config.h"
#include "params.h"

#include <string.h>

static struct fc_config cfg;

/* Sets flag `flag` of p from text; returns the result, message in d. */
static fc_err set(const char *flag, const char *text, struct fc_train_params *p,
                  struct fc_diag *d)
{
    const struct fc_param *k = fc_param_find_flag(flag, 1, 1);
    CHECK(k != NULL);
    if (k == NULL)
        return FC_EINVAL;
    return fc_param_set_text(k, flag, text, &cfg, p, d);
}

static void test_table(void)
{
    char keys[256];
    int n_keys = 0;

    /* Every row has a flag or a key, JSON keys are unique, and a row with
     * no key is offline-only. */
    for (int i = 0; fc_param_at(i) != NULL; i++) {
        const struct fc_param *k = fc_param_at(i);
        CHECK(k->key != NULL || k->flag != NULL);
        CHECK((k->key == NULL) == (k->scope == FC_PARAM_OFFLINE));
        CHECK(k->help != NULL && k->arg != NULL);
        CHECK(k->min <= k->max);
        if (k->key != NULL) {
            n_keys++;
            CHECK(fc_param_find(k->key, 1) == k);
            CHECK((fc_param_find(k->key, 0) == k) ==
                  (k->scope != FC_PARAM_BACKTEST));
        }
        if (k->flag != NULL) {
            CHECK(fc_param_find_flag(k->flag, 1, 1) == k);
            CHECK((fc_param_find_flag(k->flag, 0, 0) == k) ==
                  (k->scope == FC_PARAM_JOB));
        }
    }
    CHECK_EQ_INT(n_keys, 19);
    CHECK(fc_param_find("nope", 1) == NULL);
    CHECK(fc_param_find_flag("--csv", 1, 1) == NULL);
    fc_param_keys(0, keys, sizeof keys);
    CHECK(strcmp(keys, "ticker, preset, window, layers, dropout, epochs, "
                       "batch_size, learning_rate, patience, seed, features, "
                       "target, loss, student_df, garch_power, from, to") == 0);
    fc_param_keys(1, keys, sizeof keys);
    CHECK(strstr(keys, ", to, folds, gap") != NULL);
    fc_param_keys(1, keys, 10); /* cut to fit, still terminated */
    CHECK(strlen(keys) == 9);
}

static void test_caps(void)
{
    struct fc_config c = cfg;
    const struct fc_param *epochs = fc_param_find("epochs", 0);
    const struct fc_param *layers = fc_param_find("layers", 0);

    CHECK(fc_param_max(epochs, &cfg) == cfg.train.max_epochs);
    c.train.max_epochs = FC_TRAIN_EPOCHS_MAX;
    CHECK(fc_param_max(epochs, &c) == FC_TRAIN_EPOCHS_MAX);
    c.train.max_units = 100000;
    CHECK(fc_param_max(layers, &c) == FC_LSTM_MAX_UNITS);
    CHECK(fc_param_max(fc_param_find("batch_size", 0), &c) ==
          FC_TRAIN_BATCH_MAX);
}

static void test_text(void)
{
    struct fc_train_params p;
    struct fc_diag d;

    fc_diag_init(&d);
    CHECK_OK(fc_train_params_defaults(&cfg, "report", &p, &d));
    CHECK_OK(set("--epochs", "1000", &p, &d));
    CHECK_EQ_INT(p.hp.epochs, 1000);
    CHECK_OK(set("--epochs", "1e2", &p, &d)); /* JSON number syntax */
    CHECK_EQ_INT(p.hp.epochs, 100);
    CHECK_ERR(set("--epochs", "1001", &p, &d), FC_EINVAL);
    CHECK(strcmp(d.msg, "--epochs: must be a whole number in [1, 1000]") == 0);
    static const char *const not_numbers[] = {"",    "x",   "1x", " 1", "0x10",
                                              "inf", "nan", "-",  "1e", "."};
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++)
        CHECK_ERR(set("--epochs", not_numbers[i], &p, &d), FC_EINVAL);
    CHECK_EQ_INT(p.hp.epochs, 100); /* unchanged by failures */
    CHECK_OK(set("--seed", "9007199254740991", &p, &d));
    CHECK(p.hp.seed == 9007199254740991ULL);
    CHECK_ERR(set("--seed", "9007199254740992", &p, &d), FC_EINVAL);
    CHECK_OK(set("--dropout", ".5", &p, &d));
    CHECK(p.hp.dropout == 0.5f);
    CHECK_ERR(set("--learning-rate", "0", &p, &d), FC_EINVAL);
    CHECK(strcmp(d.msg, "--learning-rate: must be a number in (0, 1]") == 0);
    CHECK_OK(set("--layers", "64,32", &p, &d));
    CHECK_EQ_INT(p.hp.n_layers, 2);
    CHECK_EQ_INT(p.hp.units[1], 32);
    CHECK_ERR(set("--layers", "64,", &p, &d), FC_EINVAL);
    CHECK_ERR(set("--layers", "", &p, &d), FC_EINVAL);
    CHECK(strstr(d.msg, "--layers: must be a list of 1 to 8") != NULL);
    CHECK_ERR(set("--layers", "1,2,3,4,5,6,7,8,9", &p, &d), FC_EINVAL);
    CHECK_OK(set("--features", "volume,close", &p, &d));
    CHECK_EQ_INT(p.hp.features,
                 (1u << FC_FEATURE_VOLUME) | (1u << FC_FEATURE_CLOSE));
    CHECK_ERR(set("--features", "close,,volume", &p, &d), FC_EINVAL);
    CHECK_OK(set("--target", "log_return", &p, &d));
    CHECK_ERR(set("--target", "open", &p, &d), FC_EINVAL);
    CHECK_OK(set("--scaler", "robust", &p, &d));
    CHECK_EQ_INT(p.hp.scaler, FC_SCALER_ROBUST);
    CHECK_ERR(set("--scaler", "z", &p, &d), FC_EINVAL);
    CHECK_OK(set("--from", "2019-01-02", &p, &d));
    CHECK_ERR(set("--to", "2019-02-30", &p, &d), FC_EINVAL);
    CHECK(strcmp(d.msg, "--to: must be a date YYYY-MM-DD") == 0);
    CHECK_ERR(set("--preset", "fast", &p, &d), FC_EINVAL);
    CHECK_OK(set("--folds", "20", &p, &d));
    CHECK_ERR(set("--gap", "10001", &p, &d), FC_EINVAL);
    CHECK_ERR(set("--val-frac", "0.81", &p, &d), FC_EINVAL);
    CHECK_ERR(set("--ensemble", "17", &p, &d), FC_EINVAL);

    /* The whole set: from after to, the core's cross-key checks. */
    CHECK_OK(set("--to", "2019-01-01", &p, &d));
    CHECK_ERR(fc_train_params_finish(&p, &d), FC_EINVAL);
    CHECK(strcmp(d.msg, "from is after to") == 0);
    CHECK_OK(set("--to", "2019-01-02", &p, &d));
    CHECK_OK(set("--center-output", "1", &p, &d));
    CHECK_OK(set("--target", "close", &p, &d));
    CHECK_OK(fc_train_params_finish(&p, &d));
    CHECK_EQ_INT(p.hp.center_output, 0); /* off for the close target */
}

int main(void)
{
    fc_config_defaults(&cfg);
    test_table();
    test_caps();
    test_text();
    return check_report();
}
