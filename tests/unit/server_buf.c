/* server_buf.c — unit tests of the capped byte buffer (buf.c): growth,
 * NUL termination, the cap, sticky errors, printf past the small-buffer
 * path, release of an empty buffer. */
#include "buf.h"
#include "check.h"

#include <string.h>

int main(void)
{
    struct fc_buf b;
    size_t len = 0;

    fc_buf_init(&b, 10);
    CHECK(b.data == NULL);
    CHECK_OK(fc_buf_puts(&b, "hello"));
    CHECK_OK(fc_buf_append(&b, "12345", 5));
    CHECK_EQ_INT(b.len, 10);
    CHECK(strcmp(b.data, "hello12345") == 0);
    CHECK_ERR(fc_buf_append(&b, "x", 1), FC_ETOOBIG);
    CHECK_ERR(fc_buf_puts(&b, ""), FC_ETOOBIG); /* sticky */
    CHECK(fc_buf_release(&b, &len) == NULL);
    fc_buf_fini(&b);

    /* Growth across many reallocations, and printf longer than 256. */
    fc_buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        CHECK_OK(fc_buf_printf(&b, "%d,", i));
    char big[600];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_OK(fc_buf_printf(&b, "[%s]", big));
    char *s = fc_buf_release(&b, &len);
    CHECK(s != NULL);
    if (s != NULL) {
        CHECK(strncmp(s, "0,1,2,", 6) == 0);
        CHECK_EQ_INT(strlen(s), len);
        CHECK(s[len - 1] == ']' && s[len - 2] == 'z');
        free(s);
    }
    CHECK(b.data == NULL && b.len == 0);

    /* Nothing appended: an empty string, not NULL. */
    fc_buf_init(&b, 5);
    s = fc_buf_release(&b, &len);
    CHECK(s != NULL && s[0] == '\0' && len == 0);
    free(s);

    /* A reservation past the cap fails without allocating. */
    fc_buf_init(&b, 100);
    CHECK_ERR(fc_buf_reserve(&b, 101), FC_ETOOBIG);
    CHECK(b.data == NULL);
    fc_buf_fini(&b);
    /* An unbounded buffer (SIZE_MAX) grows normally. */
    fc_buf_init(&b, (size_t)-1);
    CHECK_OK(fc_buf_append(&b, big, 599));
    CHECK_EQ_INT(b.len, 599);
    fc_buf_fini(&b);
    return check_report();
}
