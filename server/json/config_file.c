/* config_file.c — the config file, walked by json_io.c and set key by key
 * through fc_config_set_value. */
#include "config_file.h"

#include "fileio.h"
#include "json_io.h"

#include <stdlib.h>

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

