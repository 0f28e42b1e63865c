/* request.c — reading a request: query arguments and path segments turned
 * into checked values (tickers, dates, whole and real numbers, ids, media
 * types). Each failure is an fc_err with a message that echoes the value at
 * fault (cut and made printable) and says what would be accepted. */
#include "api_int.h"

#include "bar.h"
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *fc_api_arg(const struct fc_req *r, const char *key)
{
    for (int i = 0; i < r->n_args; i++)
        if (strcmp(r->args[i].key, key) == 0)
            return r->args[i].value;
    return NULL;
}

/* fc_echo of a NUL-terminated string. */
void fc_api_echo(const char *s, char out[48])
{
    fc_echo(s, strnlen(s, 64), out);
}

fc_err fc_api_ticker_param(const char *seg, char out[FC_TICKER_SIZE],
                           struct fc_diag *d)
{
    char e[48];
    if (fc_ticker_normalize(seg, out))
        return FC_OK;
    fc_api_echo(seg, e);
    return fc_diag_set(d, FC_EBADREQ,
                       "invalid ticker '%s': use 1-16 characters of "
                       "A-Z 0-9 . - ^ =",
                       e);
}

/* "YYYY-MM-DD" query parameter; absent leaves *day unchanged. */
fc_err fc_api_date_arg(const struct fc_req *r, const char *key, int32_t *day,
                       struct fc_diag *d)
{
    const char *v = fc_api_arg(r, key);
    char e[48];
    if (v == NULL)
        return FC_OK;
    if (fc_day_parse(v, (int)strnlen(v, 64), day) == 0)
        return FC_OK;
    fc_api_echo(v, e);
    return fc_diag_set(d, FC_EINVAL, "%s: not a date (YYYY-MM-DD): '%s'", key,
                       e);
}

/* Media type without parameters, compared case-insensitively. */
int fc_api_media_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    while (*ctype == ' ')
        ctype++;
    if (strncasecmp(ctype, want, n) != 0)
        return 0;
    ctype += n;
    while (*ctype == ' ')
        ctype++;
    return *ctype == '\0' || *ctype == ';';
}

/* Whole number in [lo, hi] from a query parameter; absent keeps *out. */
fc_err fc_api_int_arg(const struct fc_req *r, const char *key, long long lo,
                      long long hi, long long *out, struct fc_diag *d)
{
    const char *v = fc_api_arg(r, key);
    char e[48];
    char *end;
    if (v == NULL)
        return FC_OK;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno != 0 || x < lo || x > hi) {
        fc_api_echo(v, e);
        return fc_diag_set(d, FC_EINVAL,
                           "%s: '%s' is not a whole number in [%lld, %lld]",
                           key, e, lo, hi);
    }
    *out = x;
    return FC_OK;
}

/* A number in the open interval (lo, hi) from a query parameter; absent
 * keeps *out. `example` shows a good value in the message. */
fc_err fc_api_real_arg(const struct fc_req *r, const char *key, double lo,
                       double hi, const char *example, double *out,
                       struct fc_diag *d)
{
    const char *v = fc_api_arg(r, key);
    char e[48];
    char *end;
    if (v == NULL)
        return FC_OK;
    double x = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !(x > lo && x < hi)) {
        fc_api_echo(v, e);
        return fc_diag_set(d, FC_EINVAL,
                           "%s: '%s' is not a number in (%g, %g), e.g. %s", key,
                           e, lo, hi, example);
    }
    *out = x;
    return FC_OK;
}

/* A positive id from a path segment; anything else names no resource. */
fc_err fc_api_id_param(const char *seg, const char *what, int64_t *out,
                       struct fc_diag *d)
{
    char *end;
    char e[48];
    errno = 0;
    long long x = strtoll(seg, &end, 10);
    if (*seg == '\0' || *end != '\0' || errno != 0 || x < 1) {
        fc_api_echo(seg, e);
        return fc_diag_set(d, FC_ENOTFOUND, "no %s '%s'", what, e);
    }
    *out = x;
    return FC_OK;
}

/* The required ?ticker= of a read (/predict, /anomalies), normalised.
 * FC_EINVAL when absent, FC_EBADREQ when invalid. */
fc_err fc_api_ticker_query(const struct fc_req *r, char out[FC_TICKER_SIZE],
                           struct fc_diag *d)
{
    const char *q = fc_api_arg(r, "ticker");
    if (q == NULL)
        return fc_diag_set(d, FC_EINVAL, "ticker is required: %s?ticker=NFLX",
                           r->path);
    return fc_api_ticker_param(q, out, d);
}

/* The optional ?ticker= filter of a list: out is "" when absent, else the
 * normalised ticker. FC_EBADREQ for an invalid one. */
fc_err fc_api_ticker_filter(const struct fc_req *r, char out[FC_TICKER_SIZE],
                            struct fc_diag *d)
{
    const char *q = fc_api_arg(r, "ticker");
    out[0] = '\0';
    if (q == NULL)
        return FC_OK;
    return fc_api_ticker_param(q, out, d);
}
