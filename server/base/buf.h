/* buf.h — a growing byte buffer with a hard cap (curl's dynbuf).
 *
 * Every buffer fed from the network or built for a reply is one of these:
 * request bodies (capped at max_body_bytes), JSON and CSV replies, the
 * metrics text, files read whole. It stays NUL-terminated, so text can be
 * handed on as a C string. The first failure is sticky: later appends are
 * no-ops and fc_buf_release returns NULL, so a builder checks once at the
 * end instead of after every append. Caller-allocated; _init cannot fail. */
#ifndef FC_BUF_H
#define FC_BUF_H

#include "err.h"

#include <stddef.h>

struct fc_buf {
    char *data; /* NULL until the first byte; data[len] == '\0' */
    size_t len; /* bytes held, without the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* most bytes it may hold */
    fc_err err; /* first failure: FC_ETOOBIG or FC_ENOMEM; sticky */
};

/* An empty buffer that may grow to max_bytes. No allocation. */
void fc_buf_init(struct fc_buf *b, size_t max_bytes);
/* Frees the bytes; the buffer is then empty (and may be reused). */
void fc_buf_fini(struct fc_buf *b);
/* Room for `more` bytes beyond len, allocated at once. FC_ETOOBIG past max,
 * FC_ENOMEM; both sticky. */
fc_err fc_buf_reserve(struct fc_buf *b, size_t more);
/* Appends n bytes. Errors as fc_buf_reserve. */
fc_err fc_buf_append(struct fc_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. */
fc_err fc_buf_puts(struct fc_buf *b, const char *s);
/* Appends printf-formatted text. */
fc_err fc_buf_printf(struct fc_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hands the bytes over (malloc'ed, NUL-terminated; free() them) and empties
 * the buffer. NULL (and the bytes freed) when an append had failed; also a
 * valid empty string, not NULL, when nothing was appended. *len may be
 * NULL. */
char *fc_buf_release(struct fc_buf *b, size_t *len);

#endif
