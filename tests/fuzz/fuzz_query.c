/* fuzz_query.c — the request line, query string and headers of any HTTP
 * request: fc_api_handle (router, auth, per-handler query parsing, static
 * file path checks) with a struct fc_req built from the input.
 *
 * Input layout (lines split at the first three '\n'):
 *   METHOD SP TARGET          e.g. "GET /series/NFLX/bars?from=2019-01-01"
 *   Content-Type value        empty line: header absent
 *   Authorization value       empty line: header absent
 *   body                      the rest; absent when there is no third '\n'
 * The target is split at '?' and decoded as libmicrohttpd does before it
 * calls us: %XX in the path and in each key=value of the query ('+' is a
 * space there too), at most FC_REQ_MAX_ARGS arguments (then too_many_args).
 * The app has no database, so requests that pass validation end in 503;
 * anything else must be one of the statuses fc_err_http gives, never a 500,
 * and every reply is either a file or a body with a content type. */
#include "fuzz.h"

#include "api.h"
#include "config.h"
#include "telemetry.h"

#ifndef FC_FUZZ_WEB_DIR
#define FC_FUZZ_WEB_DIR "./web"
#endif

static struct fc_config cfg;
static struct fc_app *app;

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* In-place %XX (and '+' when plus_space) decoding; stops at a decoded NUL
 * as a C string would. */
static void unescape(char *s, int plus_space)
{
    char *w = s;
    for (char *r = s; *r != '\0'; r++) {
        if (*r == '%' && hex(r[1]) >= 0 && hex(r[2]) >= 0) {
            *w++ = (char)(hex(r[1]) * 16 + hex(r[2]));
            r += 2;
        } else if (*r == '+' && plus_space) {
            *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Next line of [*p, end) as a NUL-terminated string in place, or NULL when
 * no '\n' is left (then *p is unchanged). */
static char *next_line(char **p, char *end)
{
    char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL)
        return NULL;
    char *line = *p;
    *nl = '\0';
    *p = nl + 1;
    return line;
}

static int status_ok(int s)
{
    static const int allowed[] = {200, 204, 400, 401, 404, 405,
                                  409, 413, 415, 422, 429, 503};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (s == allowed[i])
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fc_req req;
    struct fc_reply rep;

    if (app == NULL) {
        fc_config_defaults(&cfg);
        snprintf(cfg.api_key, sizeof cfg.api_key, "fuzzkey");
        snprintf(cfg.web_dir, sizeof cfg.web_dir, "%s", FC_FUZZ_WEB_DIR);
        cfg.rate_limit_per_second = 1e6; /* runs the bucket, never limits */
        cfg.max_body_bytes = 1 << 20;
        if (fc_app_new(&cfg, &app) != FC_OK)
            abort();
    }
    /* One NUL-terminated copy, cut into strings in place. */
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *p = buf, *end = buf + size;
    char *line = next_line(&p, end);
    if (line == NULL) {
        line = p;
        p = end;
    }
    char *ctype = next_line(&p, end);
    char *auth = ctype != NULL ? next_line(&p, end) : NULL;

    memset(&req, 0, sizeof req);
    char *sp = strchr(line, ' ');
    char *target = line;
    req.method = "GET";
    if (sp != NULL) {
        *sp = '\0';
        req.method = line;
        target = sp + 1;
    }
    char *query = strchr(target, '?');
    if (query != NULL)
        *query++ = '\0';
    unescape(target, 0);
    req.path = target;
    while (query != NULL && *query != '\0') {
        char *amp = strchr(query, '&');
        if (amp != NULL)
            *amp = '\0';
        char *eq = strchr(query, '=');
        if (eq != NULL)
            *eq = '\0';
        if (req.n_args >= FC_REQ_MAX_ARGS) {
            req.too_many_args = 1;
            break;
        }
        unescape(query, 1);
        req.args[req.n_args].key = query;
        if (eq != NULL)
            unescape(eq + 1, 1);
        req.args[req.n_args].value = eq != NULL ? eq + 1 : "";
        req.n_args++;
        query = amp != NULL ? amp + 1 : NULL;
    }
    req.content_type = ctype != NULL && ctype[0] != '\0' ? ctype : NULL;
    req.authorization = auth != NULL && auth[0] != '\0' ? auth : NULL;
    if (auth != NULL) {
        req.body = p;
        req.body_len = (size_t)(end - p);
    }
    req.client = "127.0.0.1";
    req.recv_err = FC_OK;

    fc_api_handle(app, &req, &rep);
    if (!status_ok(rep.status))
        fprintf(stderr, "status %d: %.*s\n", rep.status, (int)rep.body_len,
                rep.body != NULL ? rep.body : "");
    FUZZ_CHECK(status_ok(rep.status));
    FUZZ_CHECK(rep.file_path == NULL || rep.status == 200);
    FUZZ_CHECK(rep.body == NULL || rep.content_type != NULL);
    FUZZ_CHECK(rep.status == 204 || rep.body != NULL || rep.file_path != NULL);
    FUZZ_CHECK(memchr(rep.allow, '\0', sizeof rep.allow) != NULL);
    FUZZ_CHECK(rep.route >= FC_ROUTE_NONE && rep.route < FC_ROUTE_COUNT_);
    fc_telemetry_request(fc_app_telemetry(app), rep.route, rep.status, 1);
    fc_reply_fini(&rep);
    free(buf);
    return 0;
}
