/* server_config.c — unit tests of the settings table (config.c): defaults
 * inside their own bounds, text parsing per kind, bounds, enums, lists,
 * unknown keys, typed JSON values, cross-key validation, environment names,
 * and the JSON round trip through json/config_file.c. */
#include "check.h"
#include "config.h"
#include "json_io.h"

#include <stdlib.h>
#include <string.h>

static int set_json(void *ctx, const char *key, const struct fc_cfg_value *v,
                    const char *origin, struct fc_diag *d)
{
    return fc_config_set_value(ctx, key, v, origin, d) == FC_OK ? 0 : -1;
}

int main(void)
{
    struct fc_config c;
    struct fc_diag d;

    fc_diag_init(&d);
    fc_config_defaults(&c); /* aborts if a default breaks its bounds */
    CHECK(strcmp(c.bind, "127.0.0.1") == 0);
    CHECK_EQ_INT(c.port, 8080);
    CHECK(strcmp(c.db, "./var/forecastd.db") == 0);
    CHECK_EQ_INT(c.max_body_bytes, 64 << 20);
    CHECK_EQ_INT(c.train_on_first_ingest, 1);
    CHECK(strcmp(c.promotion_auto, "if_not_worse") == 0);
    CHECK_EQ_INT(c.train.max_epochs, 1000);
    CHECK_OK(fc_config_validate(&c, &d));

    CHECK_OK(fc_config_set_text(&c, "port", "9090", "t", &d));
    CHECK_EQ_INT(c.port, 9090);
    CHECK_ERR(fc_config_set_text(&c, "port", "65536", "t", &d), FC_EINVAL);
    CHECK(strstr(d.msg, "'port'") != NULL);
    CHECK_ERR(fc_config_set_text(&c, "port", "80x", "t", &d), FC_EINVAL);
    CHECK_ERR(fc_config_set_text(&c, "port", " 80", "t", &d), FC_EINVAL);
    CHECK_ERR(fc_config_set_text(&c, "port", "", "t", &d), FC_EINVAL);
    CHECK_ERR(fc_config_set_text(&c, "http_threads", "1.5", "t", &d),
              FC_EINVAL);
    CHECK_EQ_INT(c.port, 9090); /* unchanged by failures */
    CHECK_ERR(fc_config_set_text(&c, "nope", "1", "FILE", &d), FC_EINVAL);
    CHECK(strstr(d.msg, "FILE: unknown key 'nope'") != NULL);
    CHECK_OK(fc_config_set_text(&c, "train_on_first_ingest", "false", "t", &d));
    CHECK_EQ_INT(c.train_on_first_ingest, 0);
    CHECK_ERR(fc_config_set_text(&c, "train_on_first_ingest", "yes", "t", &d),
              FC_EINVAL);
    CHECK_OK(fc_config_set_text(&c, "promotion_manual", "never", "t", &d));
    CHECK_ERR(fc_config_set_text(&c, "promotion_manual", "al", "t", &d),
              FC_EINVAL);
    CHECK_OK(fc_config_set_text(&c, "train.layers", "[64, 32]", "t", &d));
    CHECK_EQ_INT(c.train.n_layers, 2);
    CHECK_EQ_INT(c.train.layers[1], 32);
    CHECK_ERR(
        fc_config_set_text(&c, "train.layers", "1,2,3,4,5,6,7,8,9", "t", &d),
        FC_EINVAL);
    CHECK_ERR(fc_config_set_text(&c, "train.layers", "64,", "t", &d),
              FC_EINVAL);
    CHECK_OK(fc_config_set_text(&c, "rate_limit_per_second", "2.5", "t", &d));
    CHECK_NEAR(c.rate_limit_per_second, 2.5, 0);
    CHECK_OK(fc_config_set_text(&c, "max_body_bytes", "1073741824", "t", &d));
    CHECK_EQ_INT(c.max_body_bytes, 1073741824);

    /* Cross-key rules. */
    CHECK_OK(fc_config_set_text(&c, "train.window", "300", "t", &d));
    CHECK_OK(fc_config_set_text(&c, "train.max_window", "200", "t", &d));
    CHECK_ERR(fc_config_validate(&c, &d), FC_EINVAL);
    CHECK(strstr(d.msg, "train.window") != NULL);

    /* Environment: FORECASTD_TRAIN_EPOCHS for train.epochs. */
    fc_config_defaults(&c);
    setenv("FORECASTD_TRAIN_EPOCHS", "7", 1);
    setenv("FORECASTD_API_KEY", "k", 1);
    setenv("FORECASTD_NOT_A_KEY", "x", 1); /* ignored */
    CHECK_OK(fc_config_load_env(&c, &d));
    CHECK_EQ_INT(c.train.epochs, 7);
    CHECK(strcmp(c.api_key, "k") == 0);
    setenv("FORECASTD_TRAIN_EPOCHS", "0", 1);
    CHECK_ERR(fc_config_load_env(&c, &d), FC_EINVAL);
    CHECK(strstr(d.msg, "FORECASTD_TRAIN_EPOCHS") != NULL);
    unsetenv("FORECASTD_TRAIN_EPOCHS");
    unsetenv("FORECASTD_API_KEY");

    /* JSON: typed values, nesting, errors; and the printed config reads
     * back to the same struct. */
    fc_config_defaults(&c);
    const char *doc = "{\"port\": 1, \"train\": {\"layers\": [8], "
                      "\"dropout\": 0.5}, \"cors_origin\": \"*\"}";
    CHECK_OK(fc_json_config_walk(doc, strlen(doc), "f", set_json, &c, &d));
    CHECK_EQ_INT(c.port, 1);
    CHECK_EQ_INT(c.train.layers[0], 8);
    CHECK_NEAR(c.train.dropout, 0.5, 0);
    const char *bad[] = {"{\"port\": \"1\"}",
                         "{\"train\": {\"x\": 1}}",
                         "{\"port\": true}",
                         "{\"bind\": null}",
                         "{\"port\": 1} x",
                         "[]",
                         "{"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ERR(
            fc_json_config_walk(bad[i], strlen(bad[i]), "f", set_json, &c, &d),
            FC_EINVAL);
    CHECK_ERR(
        fc_json_config_walk(bad[1], strlen(bad[1]), "f", set_json, &c, &d),
        FC_EINVAL);
    CHECK(strstr(d.msg, "train.x") != NULL);

    struct fc_config c2;
    fc_config_defaults(&c);
    c.port = 4321;
    c.train.n_layers = 2;
    c.train.layers[1] = 7;
    char *text = fc_json_config(&c, NULL);
    CHECK(text != NULL);
    fc_config_defaults(&c2);
    if (text != NULL)
        CHECK_OK(
            fc_json_config_walk(text, strlen(text), "p", set_json, &c2, &d));
    CHECK_EQ_INT(c2.port, 4321);
    CHECK_EQ_INT(c2.train.n_layers, 2);
    CHECK_EQ_INT(c2.train.layers[1], 7);
    free(text);
    return check_report();
}
