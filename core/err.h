/* err.h — the one error table of forecastd, shared by core/ and server/.
 *
 * Every fallible function returns fc_err. The list below is the single source
 * of the enum, the symbolic names, the human messages and the HTTP statuses,
 * so the three can never drift apart (the libuv/curl habit). FC_OK is 0.
 * Validation detail does not live here: it goes into a caller's diagnostic
 * buffer (struct fc_diag), so this table stays small and static. */
#ifndef FC_ERR_H
#define FC_ERR_H

#include <stddef.h>

#define FC_ERR_LIST(X)                                                         \
    X(OK, 200, "success")                                                      \
    X(EBADREQ, 400, "malformed request")                                       \
    X(EAUTH, 401, "authentication required")                                   \
    X(ENOTFOUND, 404, "not found")                                             \
    X(EMETHOD, 405, "method not allowed")                                      \
    X(ECONFLICT, 409, "conflict")                                              \
    X(ETOOBIG, 413, "content too large")                                       \
    X(EMEDIA, 415, "unsupported media type")                                   \
    X(EINVAL, 422, "invalid argument")                                         \
    X(ERATE, 429, "too many requests")                                         \
    X(EUNAVAIL, 503, "service unavailable")                                    \
    X(ECANCELLED, 409, "cancelled")                                            \
    X(ENOMEM, 500, "out of memory")                                            \
    X(EIO, 500, "input/output error")                                          \
    X(ECORRUPT, 500, "corrupt data")                                           \
    X(EFULL, 507, "storage full")

#define FC_ERR_ENUM_(name, status, text) FC_##name,
typedef enum fc_err { FC_ERR_LIST(FC_ERR_ENUM_) FC_ERR_COUNT_ } fc_err;
#undef FC_ERR_ENUM_

/* "FC_EINVAL" for FC_EINVAL; "FC_E?" for a value outside the table. */
const char *fc_err_str(fc_err e);
/* "invalid argument" for FC_EINVAL. Never NULL. */
const char *fc_err_text(fc_err e);
/* The HTTP status of each error (FC_EINVAL -> 422). 500 for an
 * unknown value. */
int fc_err_http(fc_err e);

/* A caller-owned buffer for a human-readable reason, filled by the callee
 * when it fails (curl's failf, SQLite's pzErrMsg). Functions take it as an
 * optional `struct fc_diag *` and accept NULL. */
struct fc_diag {
    char msg[256]; /* NUL-terminated; "" when nothing was said */
};

void fc_diag_init(struct fc_diag *d);
/* printf-style; a NULL d is ignored. Returns e, so a callee can write
 * `return fc_diag_set(d, FC_EINVAL, "window %d > %d", w, max);`. */
fc_err fc_diag_set(struct fc_diag *d, fc_err e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
