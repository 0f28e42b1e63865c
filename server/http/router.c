/* router.c — one request from struct fc_req to struct fc_reply.
 *
 * A table of routes (path pattern, methods, allowed list) decides 404 and
 * 405 (with Allow) before any handler runs. Each method carries flags for
 * the steps the router takes around its handler, once here rather than in
 * each handler: the bearer key for writes (401), readiness (503) and a
 * pooled database connection lent for the handler's run step. The body cap
 * (413), the query's size and the per-client rate limit (429) are checked
 * here too. A handler returns fc_err; unless it rendered its own reply,
 * the router renders the problem from the error and the handler's diag.
 * Nothing here includes microhttpd.h. */
#include "api_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define RATE_SLOTS 1024

struct rate_slot {
    char client[48]; /* address text; "" = free */
    double tokens;   /* requests available now */
    double last_s;   /* monotonic time of the last refill */
};

struct fc_ratelimit {
    pthread_mutex_t mu;
    struct rate_slot slots[RATE_SLOTS]; /* guarded by mu */
};

struct fc_ratelimit *fc_ratelimit_new(void)
{
    struct fc_ratelimit *rl = calloc(1, sizeof *rl);
    if (rl == NULL)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void fc_ratelimit_free(struct fc_ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

/* One method of a route: what the router does before the handler
 * (flags, enum fc_route_flag) and the handler's two steps. */
struct route_method {
    const char *method;
    unsigned flags;
    fc_err (*parse)(struct fc_call *c); /* NULL: nothing to read */
    fc_err (*run)(struct fc_call *c);
};

struct route {
    const char *pattern; /* '*' matches one non-empty segment */
    enum fc_route id;
    struct route_method m[3];
    const char *allow;
};

/* The usual flag sets: reading and writing the database. */
#define DB_READ (FC_ROUTE_READY | FC_ROUTE_STORE)
#define DB_WRITE (FC_ROUTE_WRITE | FC_ROUTE_READY | FC_ROUTE_STORE)

static const struct route routes[] = {
    {"/healthz",
     FC_ROUTE_HEALTHZ,
     {{"GET", 0, NULL, fc_api_healthz}},
     "GET, HEAD, OPTIONS"},
    {"/readyz",
     FC_ROUTE_READYZ,
     {{"GET", FC_ROUTE_READY, NULL, fc_api_readyz}},
     "GET, HEAD, OPTIONS"},
    {"/metrics",
     FC_ROUTE_METRICS,
     {{"GET", FC_ROUTE_STORE, NULL, fc_api_metrics}},
     "GET, HEAD, OPTIONS"},
    {"/openapi.json",
     FC_ROUTE_OPENAPI,
     {{"GET", 0, NULL, fc_api_openapi}},
     "GET, HEAD, OPTIONS"},
    {"/series",
     FC_ROUTE_SERIES,
     {{"GET", DB_READ, NULL, fc_api_series_list}},
     "GET, HEAD, OPTIONS"},
    {"/series/*",
     FC_ROUTE_SERIES_ONE,
     {{"DELETE", DB_WRITE, fc_api_series_delete_parse, fc_api_series_delete}},
     "DELETE, OPTIONS"},
    {"/series/*/bars",
     FC_ROUTE_SERIES_BARS,
     {{"GET", DB_READ, fc_api_bars_get_parse, fc_api_bars_get},
      {"POST", DB_WRITE, fc_api_bars_post_parse, fc_api_bars_post}},
     "GET, HEAD, POST, OPTIONS"},
    {"/train",
     FC_ROUTE_TRAIN,
     {{"POST", DB_WRITE, fc_api_train_parse, fc_api_jobs_queue}},
     "POST, OPTIONS"},
    {"/jobs",
     FC_ROUTE_JOBS,
     {{"GET", DB_READ, fc_api_jobs_list_parse, fc_api_jobs_list}},
     "GET, HEAD, OPTIONS"},
    {"/jobs/*",
     FC_ROUTE_JOB,
     {{"GET", DB_READ, fc_api_job_parse, fc_api_job_get},
      {"DELETE", DB_WRITE, fc_api_job_parse, fc_api_job_delete}},
     "GET, HEAD, DELETE, OPTIONS"},
    {"/models",
     FC_ROUTE_MODELS,
     {{"GET", DB_READ, fc_api_models_list_parse, fc_api_models_list}},
     "GET, HEAD, OPTIONS"},
    {"/models/*/*/promote",
     FC_ROUTE_PROMOTE,
     {{"POST", DB_WRITE, fc_api_model_parse, fc_api_promote}},
     "POST, OPTIONS"},
    {"/models/*/*/evaluation",
     FC_ROUTE_EVALUATION,
     {{"GET", DB_READ, fc_api_evaluation_parse, fc_api_evaluation}},
     "GET, HEAD, OPTIONS"},
    {"/predict",
     FC_ROUTE_PREDICT,
     {{"GET", FC_ROUTE_READY | FC_ROUTE_STORE_ON_DEMAND, fc_api_predict_parse,
       fc_api_predict}},
     "GET, HEAD, OPTIONS"},
    {"/backtest",
     FC_ROUTE_BACKTEST,
     {{"POST", DB_WRITE, fc_api_backtest_parse, fc_api_jobs_queue}},
     "POST, OPTIONS"},
    {"/anomalies",
     FC_ROUTE_ANOMALIES,
     {{"GET", DB_READ, fc_api_anomalies_parse, fc_api_anomalies}},
     "GET, HEAD, OPTIONS"},
};

/* Matches path against pattern, copying '*' segments into params. */
static int match(const char *pattern, const char *path,
                 char params[FC_MAX_PARAMS][FC_PARAM_SIZE])
{
    int n_params = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern == '*') {
            const char *end = strchr(path, '/');
            size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
            if (len == 0 || n_params >= FC_MAX_PARAMS)
                return 0;
            /* An over-long segment is kept cut: it is never a valid
             * ticker, and the handler says so. */
            size_t keep = len < FC_PARAM_SIZE - 1 ? len : FC_PARAM_SIZE - 1;
            memcpy(params[n_params], path, keep);
            params[n_params][keep] = '\0';
            n_params++;
            path += len;
            pattern++;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

static int secret_equal(const char *given, const char *secret)
{
    /* Time depends on the secret's length only, not on where the first
     * difference is. */
    size_t lg = strlen(given);
    size_t ls = strlen(secret);
    unsigned char diff = lg != ls;
    for (size_t i = 0; i < ls; i++) {
        unsigned char g = i < lg ? (unsigned char)given[i] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)secret[i]);
    }
    return diff == 0;
}

static fc_err check_auth(struct fc_app *app, const struct fc_req *req,
                         struct fc_reply *rep, struct fc_diag *d)
{
    const char *key = app->cfg->api_key;
    const char *h = req->authorization;

    if (key[0] == '\0')
        return FC_OK;
    rep->auth_challenge = 1;
    if (h == NULL)
        return fc_diag_set(d, FC_EAUTH,
                           "this server needs an API key for POST and "
                           "DELETE: send Authorization: Bearer KEY");
    while (*h == ' ')
        h++;
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return fc_diag_set(d, FC_EAUTH,
                           "use the Bearer scheme: Authorization: Bearer KEY");
    h += 7;
    while (*h == ' ')
        h++;
    if (!secret_equal(h, key))
        return fc_diag_set(d, FC_EAUTH, "wrong API key");
    rep->auth_challenge = 0;
    return FC_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Token bucket per client address: `rate` requests per second, bursts up
 * to max(1, rate). Slots are direct-mapped by hash; a collision evicts the
 * previous client (who then starts with a full bucket), which errs on the
 * side of serving. Returns 0 to serve, or the seconds to wait. */
static int rate_wait(struct fc_app *app, const char *client)
{
    double rate = app->cfg->rate_limit_per_second;
    double burst = rate > 1 ? rate : 1;
    int wait = 0;

    if (rate <= 0 || client == NULL)
        return 0;
    double t = now_s();
    pthread_mutex_lock(&app->rate->mu);
    struct rate_slot *s = &app->rate->slots[hash(client) % RATE_SLOTS];
    if (strcmp(s->client, client) != 0) {
        snprintf(s->client, sizeof s->client, "%s", client);
        s->tokens = burst;
        s->last_s = t;
    }
    s->tokens += (t - s->last_s) * rate;
    if (s->tokens > burst)
        s->tokens = burst;
    s->last_s = t;
    if (s->tokens >= 1) {
        s->tokens -= 1;
    } else {
        wait = (int)ceil((1 - s->tokens) / rate);
        if (wait < 1)
            wait = 1;
    }
    pthread_mutex_unlock(&app->rate->mu);
    return wait;
}

/* Runs the handler of method m with the steps its flags ask for, after
 * the checks every method shares: auth (FC_ROUTE_WRITE), the body cap and
 * the query's size, the parse step, readiness (FC_ROUTE_READY), then the
 * run step with a pooled connection (FC_ROUTE_STORE) lent around it. */
static fc_err call_handler(const struct route_method *m, struct fc_call *c)
{
    struct fc_app *app = c->app;
    const struct fc_req *req = c->req;
    fc_err rc = FC_OK;

    if (m->flags & FC_ROUTE_WRITE)
        rc = check_auth(app, req, c->rep, c->d);
    if (rc != FC_OK)
        return rc;
    if (req->recv_err == FC_ETOOBIG)
        return fc_diag_set(c->d, FC_ETOOBIG,
                           "the body is larger than max_body_bytes (%lld "
                           "bytes); split the upload",
                           (long long)app->cfg->max_body_bytes);
    if (req->recv_err != FC_OK)
        return req->recv_err;
    if (req->too_many_args)
        return fc_diag_set(c->d, FC_EBADREQ, "more than %d query parameters",
                           FC_REQ_MAX_ARGS);
    if (m->parse != NULL)
        rc = m->parse(c);
    if (rc == FC_OK && (m->flags & FC_ROUTE_READY))
        rc = fc_app_need_ready(app, c->d);
    if (rc != FC_OK)
        return rc;
    /* ready never goes back to 0: a READY route always gets its
     * connection, and /metrics gets one once the database is open. */
    if ((m->flags & FC_ROUTE_STORE) && atomic_load(&app->ready))
        c->st = fc_app_store_acquire(app, &c->st_idx);
    rc = m->run(c);
    if (c->st_idx >= 0)
        fc_app_store_release(app, c->st_idx);
    c->st = NULL;
    c->st_idx = -1;
    return rc;
}

struct fc_store *fc_call_store(struct fc_call *c)
{
    if (c->st == NULL)
        c->st = fc_app_store_acquire(c->app, &c->st_idx);
    return c->st;
}

void fc_api_handle(struct fc_app *app, const struct fc_req *req,
                   struct fc_reply *rep)
{
    struct fc_call c;
    const struct route *rt = NULL;
    const struct route_method *m = NULL;
    struct fc_diag d;
    fc_err rc = FC_OK;
    const char *method = req->method;

    memset(&c, 0, sizeof c);
    c.app = app;
    c.req = req;
    c.rep = rep;
    c.d = &d;
    c.st_idx = -1;
    fc_diag_init(&d);
    fc_reply_init(rep);
    if (strcmp(method, "HEAD") == 0)
        method = "GET"; /* libmicrohttpd drops the body of a HEAD reply */
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (match(routes[i].pattern, req->path, c.params)) {
            rt = &routes[i];
            break;
        }
    if (rt != NULL) {
        rep->route = rt->id;
        for (int i = 0; i < 3 && rt->m[i].method != NULL; i++)
            if (strcmp(rt->m[i].method, method) == 0)
                m = &rt->m[i];
    }
    /* Probes and scrapes are never limited; everything else is, static
     * files and unknown paths included. */
    if (rt == NULL ||
        (rt->id != FC_ROUTE_HEALTHZ && rt->id != FC_ROUTE_READYZ &&
         rt->id != FC_ROUTE_METRICS)) {
        int wait = rate_wait(app, req->client);
        if (wait > 0) {
            rep->retry_after_s = wait;
            rc = fc_diag_set(&d, FC_ERATE,
                             "more than %g requests per second from this "
                             "client; retry after %d s",
                             app->cfg->rate_limit_per_second, wait);
            goto done;
        }
    }
    if (rt == NULL) {
        if (strcmp(method, "GET") == 0) {
            rc = fc_static_serve(app->cfg->web_dir, req->path, rep, &d);
        } else {
            rc = fc_diag_set(&d, FC_ENOTFOUND,
                             "no resource at this path; the API is "
                             "described at /openapi.json");
        }
        goto done;
    }
    if (strcmp(method, "OPTIONS") == 0) {
        snprintf(rep->allow, sizeof rep->allow, "%s", rt->allow);
        fc_api_set_body(rep, 204, NULL, NULL, 0);
        goto done;
    }
    if (m == NULL) {
        char e[48];
        fc_api_echo(req->method, e);
        snprintf(rep->allow, sizeof rep->allow, "%s", rt->allow);
        rc = fc_diag_set(&d, FC_EMETHOD, "%s is not allowed here; allowed: %s",
                         e, rt->allow);
        goto done;
    }
    rc = call_handler(m, &c);
done:
    if (rc != FC_OK) {
        fc_reply_problem(rep, rc, d.msg[0] != '\0' ? d.msg : fc_err_text(rc));
        if (rep->body == NULL) /* out of memory even for the problem */
            rep->status = fc_err_http(rc);
    }
}
