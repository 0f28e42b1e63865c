/* config_file.h — the config file: JSON read over a struct fc_config
 * (base/config.h) through the settings table's own setter, so the file
 * and the environment share one set of bounds and messages. */
#ifndef FC_CONFIG_FILE_H
#define FC_CONFIG_FILE_H

#include "config.h"
#include "err.h"

#include <stddef.h>

/* Reads the JSON file at path over c. FC_EIO when it cannot be read,
 * FC_EINVAL for bad JSON, an unknown key or a bad value (d names the file
 * and the key). */
fc_err fc_config_load_file(struct fc_config *c, const char *path,
                           struct fc_diag *d);
/* The same from text[0..len) already in memory (the fuzz target's entry
 * point); `origin` names the source in messages. FC_EINVAL as above. */
fc_err fc_config_load_text(struct fc_config *c, const char *text, size_t len,
                           const char *origin, struct fc_diag *d);
#endif
