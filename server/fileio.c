/* fileio.c — whole-file reads with a cap. Reads until EOF into a growing
 * buffer rather than trusting a size from stat(), so pipes and files that
 * grow while being read work too. */
#include "fileio.h"

#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fc_err fc_read_file(const char *path, size_t max_bytes, char **out,
                    size_t *len, struct fc_diag *d)
{
    fc_err rc = FC_OK;
    struct fc_buf buf;
    char chunk[65536];
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return fc_diag_set(d, FC_EIO, "cannot open %s: %s", path,
                           strerror(errno));
    fc_buf_init(&buf, max_bytes);
    for (;;) {
        size_t got = fread(chunk, 1, sizeof chunk, f);
        if (got == 0)
            break;
        rc = fc_buf_append(&buf, chunk, got);
        if (rc == FC_ETOOBIG) {
            rc = fc_diag_set(d, rc, "%s: larger than %zu bytes", path,
                             max_bytes);
            goto done;
        }
        if (rc != FC_OK)
            goto done;
    }
    if (ferror(f)) {
        rc = fc_diag_set(d, FC_EIO, "cannot read %s: %s", path,
                         strerror(errno));
        goto done;
    }
    *out = fc_buf_release(&buf, len);
    if (*out == NULL)
        rc = FC_ENOMEM;
done:
    fc_buf_fini(&buf);
    fclose(f);
    return rc;
}
