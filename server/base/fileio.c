/* fileio.c — whole-file reads with a cap. Reads until EOF into a growing
 * buffer rather than trusting a size from stat(), so pipes and files that
 * grow while being read work too. */
#include "fileio.h"

#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

fc_err fc_read_file(const char *path, size_t max_bytes, char **out, size_t *len,
                    struct fc_diag *d)
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
        rc =
            fc_diag_set(d, FC_EIO, "cannot read %s: %s", path, strerror(errno));
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

fc_err fc_make_parent_dir(const char *path, struct fc_diag *d)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buf)
        return fc_diag_set(d, FC_EIO, "path too long: %s", path);
    char *slash = strrchr(buf, '/');
    if (slash == NULL || slash == buf)
        return FC_OK;
    *slash = '\0';
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return fc_diag_set(d, FC_EIO, "cannot create directory %s: %s",
                                   buf, strerror(errno));
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return FC_OK;
}
