/* buf.c — growing, capped, NUL-terminated byte buffers. Capacity doubles
 * (amortised O(1) appends) and never passes max + 1. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fc_buf_init(struct fc_buf *b, size_t max_bytes)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max_bytes;
    b->err = FC_OK;
}

void fc_buf_fini(struct fc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

fc_err fc_buf_reserve(struct fc_buf *b, size_t more)
{
    if (b->err != FC_OK)
        return b->err;
    if (more > b->max - b->len) {
        b->err = FC_ETOOBIG;
        return b->err;
    }
    size_t need = b->len + more + 1; /* + the NUL */
    if (need <= b->cap)
        return FC_OK;
    size_t ncap = b->cap == 0 ? 256 : b->cap;
    while (ncap < need)
        ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
    if (b->max < SIZE_MAX && ncap > b->max + 1)
        ncap = b->max + 1;
    char *nd = realloc(b->data, ncap);
    if (nd == NULL) {
        b->err = FC_ENOMEM;
        return b->err;
    }
    b->data = nd;
    b->cap = ncap;
    return FC_OK;
}

fc_err fc_buf_append(struct fc_buf *b, const void *p, size_t n)
{
    fc_err rc = fc_buf_reserve(b, n);
    if (rc != FC_OK)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return FC_OK;
}

fc_err fc_buf_puts(struct fc_buf *b, const char *s)
{
    return fc_buf_append(b, s, strlen(s));
}

fc_err fc_buf_printf(struct fc_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;

    if (b->err != FC_OK)
        return b->err;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FC_OK; /* an encoding error adds nothing */
    if ((size_t)n < sizeof small)
        return fc_buf_append(b, small, (size_t)n);
    fc_err rc = fc_buf_reserve(b, (size_t)n);
    if (rc != FC_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return FC_OK;
}

char *fc_buf_release(struct fc_buf *b, size_t *len)
{
    if (b->err == FC_OK && b->data == NULL && fc_buf_reserve(b, 0) == FC_OK)
        b->data[0] = '\0';
    if (b->err != FC_OK) {
        fc_buf_fini(b);
        return NULL;
    }
    char *out = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return out;
}
