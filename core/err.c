/* err.c — names, messages and statuses generated from FC_ERR_LIST. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

#define NAME_(name, status, text) "FC_" #name,
#define TEXT_(name, status, text) text,
#define HTTP_(name, status, text) status,
static const char *const names[] = {FC_ERR_LIST(NAME_)};
static const char *const texts[] = {FC_ERR_LIST(TEXT_)};
static const int statuses[] = {FC_ERR_LIST(HTTP_)};
#undef NAME_
#undef TEXT_
#undef HTTP_

static int in_table(fc_err e)
{
    return (int)e >= 0 && (int)e < (int)FC_ERR_COUNT_;
}

const char *fc_err_str(fc_err e)
{
    return in_table(e) ? names[e] : "FC_E?";
}

const char *fc_err_text(fc_err e)
{
    return in_table(e) ? texts[e] : "unknown error";
}

int fc_err_http(fc_err e)
{
    return in_table(e) ? statuses[e] : 500;
}

void fc_diag_init(struct fc_diag *d)
{
    d->msg[0] = '\0';
}

fc_err fc_diag_set(struct fc_diag *d, fc_err e, const char *fmt, ...)
{
    va_list ap;

    if (d == NULL)
        return e;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return e;
}
