/* fuzz_config.c — the config file: fc_config_load_text (the in-memory core
 * of fc_config_load_file) over the defaults, then fc_config_validate.
 *
 * Beyond "no crash, no leak, no UB": a file that loads and validates,
 * printed back as `forecastd config` prints it (fc_json_config), loads over
 * fresh defaults to the same struct, so the printed effective config is
 * always a valid config file saying the same thing. */
#include "fuzz.h"

#include "config.h"
#include "config_file.h"
#include "json_io.h"

/* Zeroes every string field's bytes after its NUL: a key given twice
 * ("web_dir" long, then short; the last wins) leaves the longer value's
 * tail behind the terminator, which is not part of the setting. */
static void clear_string_tails(struct fc_config *c)
{
    for (int i = 0; fc_config_key_at(i) != NULL; i++) {
        const struct fc_config_key *k = fc_config_key_at(i);
        if (k->kind != FC_CFG_K_STR && k->kind != FC_CFG_K_ENUM)
            continue;
        char *s = (char *)c + k->offset;
        size_t n = strnlen(s, k->size);
        memset(s + n, 0, k->size - n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* static: struct fc_config is a few KB, and both copies are compared
     * with memcmp (fc_config_defaults zeroes the padding first). */
    static struct fc_config c, again;
    struct fc_diag d;
    char *json = NULL;
    size_t json_len = 0;

    fc_config_defaults(&c);
    fc_diag_init(&d);
    fc_err rc = fc_config_load_text(&c, (const char *)data, size, "fuzz", &d);
    FUZZ_CHECK(rc == FC_OK || rc == FC_EINVAL || rc == FC_ENOMEM);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    if (rc != FC_OK)
        return 0;
    /* Every string field stays NUL-terminated inside its buffer. */
    for (int i = 0; fc_config_key_at(i) != NULL; i++) {
        const struct fc_config_key *k = fc_config_key_at(i);
        if (k->kind == FC_CFG_K_STR || k->kind == FC_CFG_K_ENUM)
            FUZZ_CHECK(memchr((const char *)&c + k->offset, '\0', k->size) !=
                       NULL);
    }
    if (fc_config_validate(&c, &d) != FC_OK)
        return 0;
    json = fc_json_config(&c, &json_len);
    if (json == NULL)
        return 0;
    fc_config_defaults(&again);
    rc = fc_config_load_text(&again, json, json_len, "printed", &d);
    if (rc != FC_OK)
        fprintf(stderr, "reload: %s\n%s\n", d.msg, json);
    FUZZ_CHECK(rc == FC_OK || rc == FC_ENOMEM);
    if (rc == FC_OK) {
        clear_string_tails(&c);
        clear_string_tails(&again);
        FUZZ_CHECK(memcmp(&c, &again, sizeof c) == 0);
    }
    free(json);
    return 0;
}
