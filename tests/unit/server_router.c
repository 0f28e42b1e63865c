/* server_router.c — the router (server/http/router.c) driven through
 * fc_api_handle with no socket: a real fc_app over a temporary SQLite file,
 * and tables of requests with the status, route, Allow header and problem
 * each must get. It covers routing (404, 405 with Allow, OPTIONS, HEAD),
 * the bearer key on writes (401 before anything else a handler checks,
 * after 404/405), the body cap and query size, the order of a handler's
 * validation and the readiness check (503 problem while the database is
 * not open, but 4xx for a request that is wrong anyway), and the rate
 * limit, which spares the probes. */
#include "api.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY "s3cret"
#define AUTH "Bearer " KEY
#define CT_PROBLEM "application/problem+json; charset=utf-8"

/* One request and what it must get. */
struct rcase {
    const char *method;
    const char *path;
    const char *query; /* "a=1&b=2", or NULL */
    const char *auth;  /* the Authorization header, or NULL */
    const char *ctype; /* the Content-Type header, or NULL */
    const char *body;  /* or NULL */
    int status;
    enum fc_route route;
    const char *allow;  /* the Allow header, or NULL for none */
    const char *detail; /* part of the problem's detail, or NULL */
};

static const char CSV[] = "Date,Open,High,Low,Close,Adj Close,Volume\n"
                          "2020-01-02,10,11,9,10.5,10.5,1000\n"
                          "2020-01-03,10.5,12,10,11.5,11.5,1100\n"
                          "2020-01-06,11.5,12,11,11.0,11.0,900\n"
                          "2020-01-07,11,11.5,10,10.2,10.2,1200\n";

/* A bad date: the upload is refused with its row named (422). */
static const char BAD_CSV[] = "Date,Open,High,Low,Close,Adj Close,Volume\n"
                              "not a date,1,1,1,1,1,1\n";

/* Splits query ("a=1&b") into req's arguments; buf holds the text. */
static void set_query(struct fc_req *req, const char *query, char *buf,
                      size_t size)
{
    req->n_args = 0;
    if (query == NULL)
        return;
    snprintf(buf, size, "%s", query);
    for (char *p = buf; p != NULL && *p != '\0';) {
        char *amp = strchr(p, '&');
        if (amp != NULL)
            *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq != NULL)
            *eq = '\0';
        if (req->n_args < FC_REQ_MAX_ARGS) {
            req->args[req->n_args].key = p;
            req->args[req->n_args].value = eq != NULL ? eq + 1 : "";
            req->n_args++;
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
}

/* Sends c through the router with the extras given (a receive error, too
 * many query arguments, the client's address) and checks the reply,
 * printing the request and both answers on a mismatch. rep is left for the
 * caller's own checks; the caller finishes it. */
static void run_case(struct fc_app *app, const struct rcase *c, fc_err recv_err,
                     int too_many_args, const char *client,
                     struct fc_reply *rep)
{
    struct fc_req req;
    char qbuf[256];

    memset(&req, 0, sizeof req);
    req.method = c->method;
    req.path = c->path;
    set_query(&req, c->query, qbuf, sizeof qbuf);
    req.too_many_args = too_many_args;
    req.authorization = c->auth;
    req.content_type = c->ctype;
    req.body = c->body;
    req.body_len = c->body != NULL ? strlen(c->body) : 0;
    req.recv_err = recv_err;
    req.client = client;
    fc_api_handle(app, &req, rep);

    int ok = rep->status == c->status && rep->route == c->route;
    if (c->allow != NULL)
        ok = ok && strcmp(rep->allow, c->allow) == 0;
    else
        ok = ok && rep->allow[0] == '\0';
    if (c->status >= 400) {
        /* Every error is one problem+json document with its status. */
        char want[32];
        snprintf(want, sizeof want, "\"status\":%d", c->status);
        ok = ok && rep->content_type != NULL &&
             strcmp(rep->content_type, CT_PROBLEM) == 0 && rep->body != NULL &&
             strstr(rep->body, want) != NULL;
        if (c->detail != NULL)
            ok = ok && strstr(rep->body, c->detail) != NULL;
        /* 401 and only 401 asks for the Bearer scheme. */
        ok = ok && (rep->auth_challenge != 0) == (c->status == 401);
    }
    if (!ok)
        fprintf(stderr,
                "%s %s%s%s: got %d route %d allow '%s' body %.300s; want %d "
                "route %d allow '%s' detail '%s'\n",
                c->method, c->path, c->query != NULL ? "?" : "",
                c->query != NULL ? c->query : "", rep->status, (int)rep->route,
                rep->allow, rep->body != NULL ? rep->body : "(none)", c->status,
                (int)c->route, c->allow != NULL ? c->allow : "",
                c->detail != NULL ? c->detail : "");
    CHECK(ok);
}

static void run_table(struct fc_app *app, const struct rcase *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct fc_reply rep;
        run_case(app, &t[i], FC_OK, 0, NULL, &rep);
        fc_reply_fini(&rep);
    }
}

/* A configuration for tests: the database and web_dir under dir, no
 * training started by an upload. */
static void test_config(struct fc_config *cfg, const char *dir,
                        const char *api_key, double rate)
{
    struct fc_diag d;
    char path[1100];

    fc_diag_init(&d);
    fc_config_defaults(cfg);
    snprintf(path, sizeof path, "%s/router.db", dir);
    CHECK_OK(fc_config_set_text(cfg, "db", path, "test", &d));
    snprintf(path, sizeof path, "%s/web", dir);
    CHECK_OK(fc_config_set_text(cfg, "web_dir", path, "test", &d));
    CHECK_OK(fc_config_set_text(cfg, "api_key", api_key, "test", &d));
    CHECK_OK(fc_config_set_text(cfg, "http_threads", "2", "test", &d));
    CHECK_OK(
        fc_config_set_text(cfg, "train_on_first_ingest", "false", "test", &d));
    CHECK_OK(
        fc_config_set_text(cfg, "retrain_after_new_bars", "0", "test", &d));
    cfg->rate_limit_per_second = rate;
    CHECK_OK(fc_config_validate(cfg, &d));
}

/* The database open: every route, its methods, and the common steps. */
static void test_ready(const char *dir)
{
    static const struct rcase t[] = {
        /* Probes, scrapes, the description, HEAD as GET. */
        {"GET", "/healthz", 0, 0, 0, 0, 200, FC_ROUTE_HEALTHZ, 0, 0},
        {"HEAD", "/healthz", 0, 0, 0, 0, 200, FC_ROUTE_HEALTHZ, 0, 0},
        {"GET", "/readyz", 0, 0, 0, 0, 200, FC_ROUTE_READYZ, 0, 0},
        {"GET", "/metrics", 0, 0, 0, 0, 200, FC_ROUTE_METRICS, 0, 0},
        {"GET", "/openapi.json", 0, 0, 0, 0, 200, FC_ROUTE_OPENAPI, 0, 0},
        /* Unknown paths: a file of web_dir for GET, else 404; before any
         * auth. */
        {"GET", "/", 0, 0, 0, 0, 200, FC_ROUTE_STATIC, 0, 0},
        {"GET", "/nope", 0, 0, 0, 0, 404, FC_ROUTE_STATIC, 0,
         "no resource at this path"},
        {"GET", "/../router.db", 0, 0, 0, 0, 404, FC_ROUTE_STATIC, 0, 0},
        {"POST", "/nope", 0, 0, 0, 0, 404, FC_ROUTE_NONE, 0,
         "no resource at this path"},
        {"GET", "/series/NFLX/bars/x", 0, 0, 0, 0, 404, FC_ROUTE_STATIC, 0, 0},
        /* 405 with the methods allowed, before auth; OPTIONS answers them. */
        {"PUT", "/series", 0, 0, 0, 0, 405, FC_ROUTE_SERIES,
         "GET, HEAD, OPTIONS", "PUT is not allowed here"},
        {"DELETE", "/series/NFLX/bars", 0, 0, 0, 0, 405, FC_ROUTE_SERIES_BARS,
         "GET, HEAD, POST, OPTIONS", 0},
        {"GET", "/train", 0, 0, 0, 0, 405, FC_ROUTE_TRAIN, "POST, OPTIONS", 0},
        {"PATCH", "/jobs/1", 0, 0, 0, 0, 405, FC_ROUTE_JOB,
         "GET, HEAD, DELETE, OPTIONS", 0},
        {"GET", "/models/NFLX/1/promote", 0, 0, 0, 0, 405, FC_ROUTE_PROMOTE,
         "POST, OPTIONS", 0},
        {"OPTIONS", "/jobs/1", 0, 0, 0, 0, 204, FC_ROUTE_JOB,
         "GET, HEAD, DELETE, OPTIONS", 0},
        {"OPTIONS", "/backtest", 0, 0, 0, 0, 204, FC_ROUTE_BACKTEST,
         "POST, OPTIONS", 0},
        /* Writes need the key: absent, another scheme, wrong. */
        {"POST", "/train", 0, 0, 0, 0, 401, FC_ROUTE_TRAIN, 0,
         "needs an API key"},
        {"POST", "/train", 0, "Basic czNjcmV0", 0, 0, 401, FC_ROUTE_TRAIN, 0,
         "use the Bearer scheme"},
        {"POST", "/train", 0, "Bearer s3cre", 0, 0, 401, FC_ROUTE_TRAIN, 0,
         "wrong API key"},
        {"POST", "/train", 0, "Bearer s3cret2", 0, 0, 401, FC_ROUTE_TRAIN, 0,
         "wrong API key"},
        {"DELETE", "/series/NFLX", 0, 0, 0, 0, 401, FC_ROUTE_SERIES_ONE, 0, 0},
        {"DELETE", "/jobs/1", 0, 0, 0, 0, 401, FC_ROUTE_JOB, 0, 0},
        {"POST", "/series/NFLX/bars", 0, "Bearer nope", "text/csv", CSV, 401,
         FC_ROUTE_SERIES_BARS, 0, 0},
        {"POST", "/models/NFLX/1/promote", 0, 0, 0, 0, 401, FC_ROUTE_PROMOTE, 0,
         0},
        /* Auth comes before the handler's own checks. */
        {"POST", "/backtest", 0, 0, 0, 0, 401, FC_ROUTE_BACKTEST, 0, 0},
        {"POST", "/series/bad!/bars", 0, 0, 0, 0, 401, FC_ROUTE_SERIES_BARS, 0,
         0},
        /* Series and bars. */
        {"GET", "/series", 0, 0, 0, 0, 200, FC_ROUTE_SERIES, 0, 0},
        {"POST", "/series/NFLX/bars", 0, AUTH, 0, CSV, 415,
         FC_ROUTE_SERIES_BARS, 0, "no Content-Type"},
        {"POST", "/series/NFLX/bars", "on_error=maybe", AUTH, "text/csv", CSV,
         422, FC_ROUTE_SERIES_BARS, 0, "on_error"},
        {"POST", "/series/NFLX/bars", 0, " bearer  " KEY, "text/csv", CSV, 200,
         FC_ROUTE_SERIES_BARS, 0, 0},
        {"POST", "/series/BAD/bars", 0, AUTH, "text/csv", BAD_CSV, 422,
         FC_ROUTE_SERIES_BARS, 0, 0},
        {"GET", "/series/NFLX/bars", 0, 0, 0, 0, 200, FC_ROUTE_SERIES_BARS, 0,
         0},
        {"HEAD", "/series/nflx/bars", "format=csv&limit=2", 0, 0, 0, 200,
         FC_ROUTE_SERIES_BARS, 0, 0},
        {"GET", "/series/NFLX/bars", "format=xml", 0, 0, 0, 422,
         FC_ROUTE_SERIES_BARS, 0, "format"},
        {"GET", "/series/NFLX/bars", "from=2020-02-01&to=2020-01-01", 0, 0, 0,
         422, FC_ROUTE_SERIES_BARS, 0, "from is after to"},
        {"GET", "/series/bad!/bars", 0, 0, 0, 0, 400, FC_ROUTE_SERIES_BARS, 0,
         "invalid ticker"},
        /* Jobs and models. */
        {"GET", "/jobs", 0, 0, 0, 0, 200, FC_ROUTE_JOBS, 0, 0},
        {"GET", "/jobs", "state=lost", 0, 0, 0, 422, FC_ROUTE_JOBS, 0, "state"},
        {"GET", "/jobs/abc", 0, 0, 0, 0, 404, FC_ROUTE_JOB, 0, "no job 'abc'"},
        {"GET", "/jobs/999", 0, 0, 0, 0, 404, FC_ROUTE_JOB, 0, 0},
        {"DELETE", "/jobs/999", 0, AUTH, 0, 0, 404, FC_ROUTE_JOB, 0, 0},
        {"POST", "/train", 0, AUTH, "application/json", "{\"ticker\":\"ZZZZ\"}",
         404, FC_ROUTE_TRAIN, 0, 0},
        {"POST", "/train", "ticker=NFLX", AUTH, "application/json",
         "{\"ticker\":\"AAPL\"}", 422, FC_ROUTE_TRAIN, 0, "give one"},
        {"POST", "/backtest", 0, AUTH, "application/json", "{}", 422,
         FC_ROUTE_BACKTEST, 0, "ticker is required"},
        {"GET", "/models", 0, 0, 0, 0, 200, FC_ROUTE_MODELS, 0, 0},
        {"GET", "/models", "limit=0", 0, 0, 0, 422, FC_ROUTE_MODELS, 0,
         "limit"},
        {"GET", "/models/NFLX/1/evaluation", 0, 0, 0, 0, 404,
         FC_ROUTE_EVALUATION, 0, 0},
        {"GET", "/models/NFLX/x/evaluation", 0, 0, 0, 0, 404,
         FC_ROUTE_EVALUATION, 0, "no model version 'x'"},
        {"POST", "/models/NFLX/1/promote", 0, AUTH, 0, 0, 404, FC_ROUTE_PROMOTE,
         0, 0},
        /* Reads that run a model: no model yet is a conflict. */
        {"GET", "/predict", 0, 0, 0, 0, 422, FC_ROUTE_PREDICT, 0,
         "ticker is required"},
        {"GET", "/predict", "ticker=NFLX&horizon=0", 0, 0, 0, 422,
         FC_ROUTE_PREDICT, 0, "horizon"},
        {"GET", "/predict", "ticker=NFLX", 0, 0, 0, 409, FC_ROUTE_PREDICT, 0,
         "no trained model yet"},
        {"GET", "/predict", "ticker=ZZZZ", 0, 0, 0, 404, FC_ROUTE_PREDICT, 0,
         0},
        {"GET", "/anomalies", "ticker=NFLX", 0, 0, 0, 409, FC_ROUTE_ANOMALIES,
         0, 0},
        {"GET", "/anomalies", "ticker=NFLX&threshold=-1", 0, 0, 0, 422,
         FC_ROUTE_ANOMALIES, 0, "threshold"},
        /* The series goes, with its bars. */
        {"DELETE", "/series/NFLX", 0, AUTH, 0, 0, 204, FC_ROUTE_SERIES_ONE, 0,
         0},
        {"GET", "/series/NFLX/bars", 0, 0, 0, 0, 404, FC_ROUTE_SERIES_BARS, 0,
         0},
        {"DELETE", "/series/NFLX", 0, AUTH, 0, 0, 404, FC_ROUTE_SERIES_ONE, 0,
         0},
    };
    struct fc_config cfg;
    struct fc_app *app = NULL;
    struct fc_diag d;
    struct fc_reply rep;
    char path[1100];

    fc_diag_init(&d);
    test_config(&cfg, dir, KEY, 0);
    snprintf(path, sizeof path, "%s/web/index.html", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("<!doctype html>\n", f);
        fclose(f);
    }
    CHECK_OK(fc_app_new(&cfg, &app));
    if (app == NULL)
        return;
    CHECK_OK(fc_app_open_db(app, &d));
    run_table(app, t, sizeof t / sizeof t[0]);

    /* A body over the cap is refused after auth, before the handler. */
    static const struct rcase big_anon = {
        "POST", "/series/NFLX/bars",  0, 0, "text/csv", CSV,
        401,    FC_ROUTE_SERIES_BARS, 0, 0};
    static const struct rcase big = {"POST",     "/series/NFLX/bars",
                                     0,          AUTH,
                                     "text/csv", CSV,
                                     413,        FC_ROUTE_SERIES_BARS,
                                     0,          "larger than max_body_bytes"};
    run_case(app, &big_anon, FC_ETOOBIG, 0, NULL, &rep);
    fc_reply_fini(&rep);
    run_case(app, &big, FC_ETOOBIG, 0, NULL, &rep);
    fc_reply_fini(&rep);
    /* So is a query with too many parameters, before the handler's own
     * checks. */
    static const struct rcase many = {"GET", "/predict",
                                      0,     0,
                                      0,     0,
                                      400,   FC_ROUTE_PREDICT,
                                      0,     "more than 32 query parameters"};
    run_case(app, &many, FC_OK, 1, NULL, &rep);
    fc_reply_fini(&rep);
    /* The static file comes back as a path to send, with its type. */
    static const struct rcase root = {"GET",           "/", 0, 0, 0, 0, 200,
                                      FC_ROUTE_STATIC, 0,   0};
    run_case(app, &root, FC_OK, 0, NULL, &rep);
    CHECK(rep.file_path != NULL &&
          strstr(rep.file_path, "/web/index.html") != NULL);
    CHECK(rep.content_type != NULL &&
          strcmp(rep.content_type, "text/html; charset=utf-8") == 0);
    fc_reply_fini(&rep);

    fc_app_free(app);
    remove(path);
}

/* The database not open: 503 problems where a route needs it, but every
 * check that comes first still answers as it would. */
static void test_not_ready(const char *dir)
{
    static const struct rcase t[] = {
        {"GET", "/healthz", 0, 0, 0, 0, 200, FC_ROUTE_HEALTHZ, 0, 0},
        {"GET", "/openapi.json", 0, 0, 0, 0, 200, FC_ROUTE_OPENAPI, 0, 0},
        {"GET", "/metrics", 0, 0, 0, 0, 200, FC_ROUTE_METRICS, 0, 0},
        {"GET", "/readyz", 0, 0, 0, 0, 503, FC_ROUTE_READYZ, 0,
         "the database is not open yet; retry shortly (see /readyz)"},
        {"GET", "/series", 0, 0, 0, 0, 503, FC_ROUTE_SERIES, 0,
         "the database is not open yet"},
        {"GET", "/series/NFLX/bars", 0, 0, 0, 0, 503, FC_ROUTE_SERIES_BARS, 0,
         "the database is not open yet"},
        {"GET", "/jobs/1", 0, 0, 0, 0, 503, FC_ROUTE_JOB, 0, 0},
        {"GET", "/models", 0, 0, 0, 0, 503, FC_ROUTE_MODELS, 0, 0},
        {"GET", "/models/NFLX/1/evaluation", 0, 0, 0, 0, 503,
         FC_ROUTE_EVALUATION, 0, 0},
        {"GET", "/predict", "ticker=NFLX", 0, 0, 0, 503, FC_ROUTE_PREDICT, 0,
         0},
        {"GET", "/anomalies", "ticker=NFLX", 0, 0, 0, 503, FC_ROUTE_ANOMALIES,
         0, 0},
        {"POST", "/series/NFLX/bars", 0, AUTH, "text/csv", CSV, 503,
         FC_ROUTE_SERIES_BARS, 0, 0},
        {"POST", "/train", 0, AUTH, "application/json", "{\"ticker\":\"NFLX\"}",
         503, FC_ROUTE_TRAIN, 0, 0},
        {"POST", "/models/NFLX/1/promote", 0, AUTH, 0, 0, 503, FC_ROUTE_PROMOTE,
         0, 0},
        {"DELETE", "/series/NFLX", 0, AUTH, 0, 0, 503, FC_ROUTE_SERIES_ONE, 0,
         0},
        /* Before readiness: 404/405, auth, and the request's own faults. */
        {"GET", "/nope", 0, 0, 0, 0, 404, FC_ROUTE_STATIC, 0, 0},
        {"PUT", "/series", 0, 0, 0, 0, 405, FC_ROUTE_SERIES,
         "GET, HEAD, OPTIONS", 0},
        {"OPTIONS", "/series", 0, 0, 0, 0, 204, FC_ROUTE_SERIES,
         "GET, HEAD, OPTIONS", 0},
        {"POST", "/train", 0, 0, 0, 0, 401, FC_ROUTE_TRAIN, 0, 0},
        {"DELETE", "/jobs/1", 0, "Bearer x", 0, 0, 401, FC_ROUTE_JOB, 0, 0},
        {"GET", "/predict", 0, 0, 0, 0, 422, FC_ROUTE_PREDICT, 0,
         "ticker is required"},
        {"GET", "/series/bad!/bars", 0, 0, 0, 0, 400, FC_ROUTE_SERIES_BARS, 0,
         "invalid ticker"},
        {"GET", "/jobs/abc", 0, 0, 0, 0, 404, FC_ROUTE_JOB, 0, "no job"},
        {"POST", "/series/NFLX/bars", 0, AUTH, "text/plain", "x", 415,
         FC_ROUTE_SERIES_BARS, 0, "unsupported Content-Type"},
        {"POST", "/backtest", 0, AUTH, "application/json", "{}", 422,
         FC_ROUTE_BACKTEST, 0, "ticker is required"},
        {"POST", "/train", 0, AUTH, "application/json", "[1", 400,
         FC_ROUTE_TRAIN, 0, 0},
    };
    struct fc_config cfg;
    struct fc_app *app = NULL;

    test_config(&cfg, dir, KEY, 0);
    CHECK_OK(fc_app_new(&cfg, &app));
    if (app == NULL)
        return;
    run_table(app, t, sizeof t / sizeof t[0]);
    fc_app_free(app);
}

/* No api_key: writes go through without one (here to the 503). */
static void test_no_key(const char *dir)
{
    static const struct rcase t[] = {
        {"POST", "/train", 0, 0, "application/json", "{\"ticker\":\"NFLX\"}",
         503, FC_ROUTE_TRAIN, 0, 0},
        {"DELETE", "/series/NFLX", 0, "Bearer anything", 0, 0, 503,
         FC_ROUTE_SERIES_ONE, 0, 0},
    };
    struct fc_config cfg;
    struct fc_app *app = NULL;

    test_config(&cfg, dir, "", 0);
    CHECK_OK(fc_app_new(&cfg, &app));
    if (app == NULL)
        return;
    run_table(app, t, sizeof t / sizeof t[0]);
    fc_app_free(app);
}

/* One request per second per client: the second is a 429 with
 * Retry-After, another client is served, probes never wait. */
static void test_rate_limit(const char *dir)
{
    static const struct rcase series = {"GET", "/series",       0, 0, 0, 0,
                                        503,   FC_ROUTE_SERIES, 0, 0};
    static const struct rcase limited = {
        "GET", "/series",
        0,     0,
        0,     0,
        429,   FC_ROUTE_SERIES,
        0,     "more than 1 requests per second"};
    static const struct rcase unknown = {"POST", "/nope",       0, 0, 0, 0,
                                         429,    FC_ROUTE_NONE, 0, 0};
    static const struct rcase health = {"GET", "/healthz",       0, 0, 0, 0,
                                        200,   FC_ROUTE_HEALTHZ, 0, 0};
    struct fc_config cfg;
    struct fc_app *app = NULL;
    struct fc_reply rep;

    test_config(&cfg, dir, KEY, 1);
    CHECK_OK(fc_app_new(&cfg, &app));
    if (app == NULL)
        return;
    run_case(app, &series, FC_OK, 0, "10.0.0.1", &rep);
    fc_reply_fini(&rep);
    run_case(app, &limited, FC_OK, 0, "10.0.0.1", &rep);
    CHECK(rep.retry_after_s >= 1);
    fc_reply_fini(&rep);
    run_case(app, &unknown, FC_OK, 0, "10.0.0.1", &rep);
    fc_reply_fini(&rep);
    run_case(app, &series, FC_OK, 0, "10.0.0.2", &rep);
    CHECK_EQ_INT(rep.retry_after_s, 1); /* the 503's own (not ready yet) */
    fc_reply_fini(&rep);
    for (int i = 0; i < 5; i++) {
        run_case(app, &health, FC_OK, 0, "10.0.0.1", &rep);
        fc_reply_fini(&rep);
    }
    fc_app_free(app);
}

int main(void)
{
    char dir[] = "/tmp/fc_router_XXXXXX";
    char path[1100];

    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/web", dir);
    if (mkdir(path, 0700) != 0) {
        perror(path);
        return 1;
    }
    test_not_ready(dir);
    test_no_key(dir);
    test_rate_limit(dir);
    test_ready(dir);

    static const char *const leftovers[] = {"router.db", "router.db-wal",
                                            "router.db-shm"};
    for (size_t i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, leftovers[i]);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/web", dir);
    rmdir(path);
    rmdir(dir);
    return check_report();
}
