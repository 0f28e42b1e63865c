/* fileio.c — whole-file reads with a cap. Reads in doubling chunks rather
 * than trusting a size from stat(), so pipes and files that grow while
 * being read work too. */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fc_err fc_read_file(const char *path, size_t max_bytes, char **out,
                    size_t *len, struct fc_diag *d)
{
    fc_err rc = FC_OK;
    char *buf = NULL;
    size_t n = 0;
    size_t cap = 0;
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return fc_diag_set(d, FC_EIO, "cannot open %s: %s", path,
                           strerror(errno));
    for (;;) {
        if (cap - n < 65536 + 1) {
            size_t ncap = cap == 0 ? (size_t)1 << 16 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                rc = FC_ENOMEM;
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max_bytes) {
            rc = fc_diag_set(d, FC_ETOOBIG, "%s: larger than %zu bytes", path,
                             max_bytes);
            goto done;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = fc_diag_set(d, FC_EIO, "cannot read %s: %s", path,
                         strerror(errno));
        goto done;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
done:
    free(buf);
    fclose(f);
    return rc;
}
