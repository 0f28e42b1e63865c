/* fileio.h — reading a whole file, for the config loader, the CSV file
 * reader of the CLI and `forecastd import`. One function so the three
 * agree on caps, NUL termination and error reporting. */
#ifndef FC_FILEIO_H
#define FC_FILEIO_H

#include "err.h"

#include <stddef.h>

/* Reads the file at path into *out (malloc'ed, NUL-terminated; the caller
 * frees it) and its length into *len. FC_EIO when it cannot be opened or
 * read, FC_ETOOBIG when it is larger than max_bytes, FC_ENOMEM. Reason
 * (naming the path) in d. Thread-safe. */
fc_err fc_read_file(const char *path, size_t max_bytes, char **out, size_t *len,
                    struct fc_diag *d);

/* mkdir -p of path's parent directory ("var" for "var/x.db"). FC_EIO. */
fc_err fc_make_parent_dir(const char *path, struct fc_diag *d);

#endif
