/* api.c — the router and the request handlers of forecastd serve.
 *
 * A table of routes (path pattern, methods, handler) decides 404 and 405
 * (with Allow) before any handler runs; authentication, the body cap (413)
 * and the per-client rate limit (429) are checked here once, not in each
 * handler. Handlers get the path parameters and return fc_err; a handler
 * that has already rendered its reply (a 422 listing bad rows) sets a body,
 * otherwise the router renders the problem from the error and the
 * handler's diag. Database connections come from a small pool, one per HTTP
 * thread plus one, lent to one request at a time (SQLite connections are
 * not shared between threads). Nothing here includes microhttpd.h. */
/* realpath() is an XSI function: ask for it before any header. */
#define _XOPEN_SOURCE 700

#include "api.h"

#include "fileio.h"
#include "forecast.h"
#include "ingest.h"
#include "json_io.h"
#include "live.h"
#include "registry.h"
#include "series.h"
#include "store.h"
#include "trainer.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define RATE_SLOTS 1024

/* Cached /predict replies: direct-mapped by a hash of the request. */
#define PCACHE_SLOTS 512

struct pcache_slot {
    char ticker[FC_TICKER_SIZE]; /* "" = empty */
    int horizon;
    double level;
    int64_t version;             /* 0 = the champion */
    uint64_t reg_gen;            /* registry generation when computed */
    uint64_t data_gen;           /* app->data_gen when computed */
    char *body;                  /* the 200 reply, malloc'ed */
    size_t len;
};

struct rate_slot {
    char client[48]; /* address text; "" = free */
    double tokens;   /* requests available now */
    double last_s;   /* monotonic time of the last refill */
};

struct fc_app {
    const struct fc_config *cfg; /* borrowed; outlives the app */
    struct fc_telemetry *metrics;
    atomic_int ready;            /* 1 once the database is migrated */
    int schema_version;          /* set before ready */

    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    struct fc_store **pool;      /* n_pool connections */
    int n_pool;
    int *free_idx;               /* guarded by pool_mu: stack of free ones */
    int n_free;                  /* guarded by pool_mu */

    pthread_mutex_t rate_mu;
    struct rate_slot *rate;      /* RATE_SLOTS, guarded by rate_mu */

    struct fc_registry *registry; /* champions; owned */
    struct fc_trainer *trainer;   /* NULL until fc_app_start_trainer */
    /* Bumped by every write of bars or series in this process: a cached
     * prediction computed before the bump is never served after it. */
    _Atomic uint64_t data_gen;
    pthread_mutex_t pcache_mu;
    struct pcache_slot *pcache;   /* PCACHE_SLOTS, guarded by pcache_mu */
};

/* ---- replies ---------------------------------------------------------------- */

static const char CT_JSON[] = "application/json; charset=utf-8";
static const char CT_PROBLEM[] = "application/problem+json; charset=utf-8";

void fc_reply_init(struct fc_reply *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->status = 200;
    rep->route = FC_ROUTE_NONE;
}

void fc_reply_fini(struct fc_reply *rep)
{
    free(rep->body);
    free(rep->file_path);
    rep->body = NULL;
    rep->file_path = NULL;
}

static void set_body(struct fc_reply *rep, int status, const char *ctype,
                     char *body, size_t len)
{
    free(rep->body);
    rep->status = status;
    rep->content_type = ctype;
    rep->body = body;
    rep->body_len = len;
}

void fc_reply_problem(struct fc_reply *rep, fc_err rc, const char *detail)
{
    size_t len = 0;
    int status = fc_err_http(rc);
    char *body = fc_json_problem(status, detail, NULL, NULL, &len);
    set_body(rep, status, CT_PROBLEM, body, len);
}

/* len is read only here, after body was computed: the call's arguments
 * may be evaluated in any order, so the length travels by pointer. */
static fc_err json_reply(struct fc_reply *rep, int status, char *body,
                         const size_t *len)
{
    if (body == NULL)
        return FC_ENOMEM;
    set_body(rep, status, CT_JSON, body, *len);
    return FC_OK;
}

/* Replies with one job's document, and releases the job. */
static fc_err job_reply(struct fc_reply *rep, int status, struct fc_job *job)
{
    size_t len = 0;
    fc_err rc = json_reply(rep, status, fc_json_job(job, &len), &len);
    fc_job_fini(job);
    return rc;
}

/* ---- the app ---------------------------------------------------------------- */

fc_err fc_app_new(const struct fc_config *cfg, struct fc_app **out)
{
    struct fc_app *app = calloc(1, sizeof *app);
    if (app == NULL)
        return FC_ENOMEM;
    app->cfg = cfg;
    app->metrics = fc_telemetry_new();
    app->rate = calloc(RATE_SLOTS, sizeof *app->rate);
    app->pcache = calloc(PCACHE_SLOTS, sizeof *app->pcache);
    if (app->metrics == NULL || app->rate == NULL || app->pcache == NULL ||
        fc_registry_new(&app->registry) != FC_OK) {
        free(app->metrics);
        free(app->rate);
        free(app->pcache);
        free(app);
        return FC_ENOMEM;
    }
    atomic_init(&app->ready, 0);
    atomic_init(&app->data_gen, 1);
    pthread_mutex_init(&app->pcache_mu, NULL);
    pthread_mutex_init(&app->pool_mu, NULL);
    pthread_cond_init(&app->pool_cv, NULL);
    pthread_mutex_init(&app->rate_mu, NULL);
    *out = app;
    return FC_OK;
}

fc_err fc_app_open_db(struct fc_app *app, struct fc_diag *d)
{
    fc_err rc;
    int n = app->cfg->http_threads + 1;

    if (strcmp(app->cfg->db, ":memory:") != 0) {
        rc = fc_make_parent_dir(app->cfg->db, d);
        if (rc != FC_OK)
            return rc;
    }
    app->pool = calloc((size_t)n, sizeof *app->pool);
    app->free_idx = calloc((size_t)n, sizeof *app->free_idx);
    if (app->pool == NULL || app->free_idx == NULL)
        return FC_ENOMEM;
    /* The first open migrates; the others find the schema current. */
    for (int i = 0; i < n; i++) {
        rc = fc_store_open(app->cfg->db, &app->pool[i], d);
        if (rc != FC_OK)
            return rc;
        app->n_pool = i + 1;
        app->free_idx[i] = i;
    }
    app->schema_version = fc_store_schema_version(app->pool[0]);
    int n_champions = 0;
    rc = fc_trainer_load_champions(app->pool[0], app->registry, &n_champions,
                                   d);
    if (rc != FC_OK)
        return rc;
    if (n_champions > 0)
        fprintf(stderr, "forecastd: %d champion model%s loaded\n", n_champions,
                n_champions == 1 ? "" : "s");
    /* The trainer starts before the app is ready: a request that queues a
     * job must find it there to wake (and app->trainer is then published
     * to the HTTP threads by the atomic store of ready below). */
    rc = fc_trainer_start(app->cfg, app->registry, &app->trainer, d);
    if (rc != FC_OK)
        return rc;
    pthread_mutex_lock(&app->pool_mu);
    app->n_free = n;
    pthread_mutex_unlock(&app->pool_mu);
    atomic_store(&app->ready, 1);
    return FC_OK;
}

void fc_app_stop_trainer(struct fc_app *app)
{
    if (app == NULL)
        return;
    fc_trainer_stop(app->trainer);
    app->trainer = NULL;
}

void fc_app_free(struct fc_app *app)
{
    if (app == NULL)
        return;
    fc_app_stop_trainer(app);
    fc_registry_free(app->registry);
    for (int i = 0; i < PCACHE_SLOTS; i++)
        free(app->pcache[i].body);
    free(app->pcache);
    pthread_mutex_destroy(&app->pcache_mu);
    for (int i = 0; i < app->n_pool; i++)
        fc_store_close(app->pool[i]);
    free(app->pool);
    free(app->free_idx);
    pthread_mutex_destroy(&app->pool_mu);
    pthread_cond_destroy(&app->pool_cv);
    pthread_mutex_destroy(&app->rate_mu);
    free(app->rate);
    free(app->metrics);
    free(app);
}

struct fc_telemetry *fc_app_telemetry(struct fc_app *app)
{
    return app->metrics;
}

const struct fc_config *fc_app_config(const struct fc_app *app)
{
    return app->cfg;
}

/* A connection for this request; blocks while all are lent out (only when
 * more requests than HTTP threads run at once, which the pool size rules
 * out for MHD's own threads). */
static struct fc_store *store_acquire(struct fc_app *app, int *idx)
{
    pthread_mutex_lock(&app->pool_mu);
    while (app->n_free == 0)
        pthread_cond_wait(&app->pool_cv, &app->pool_mu);
    *idx = app->free_idx[--app->n_free];
    pthread_mutex_unlock(&app->pool_mu);
    return app->pool[*idx];
}

static void store_release(struct fc_app *app, int idx)
{
    pthread_mutex_lock(&app->pool_mu);
    app->free_idx[app->n_free++] = idx;
    pthread_cond_signal(&app->pool_cv);
    pthread_mutex_unlock(&app->pool_mu);
}

/* ---- request helpers -------------------------------------------------------- */

static const char *arg(const struct fc_req *r, const char *key)
{
    for (int i = 0; i < r->n_args; i++)
        if (strcmp(r->args[i].key, key) == 0)
            return r->args[i].value;
    return NULL;
}

/* fc_echo of a NUL-terminated string. */
static void echo(const char *s, char out[48])
{
    fc_echo(s, strnlen(s, 64), out);
}

static fc_err ticker_param(const char *seg, char out[FC_TICKER_SIZE],
                           struct fc_diag *d)
{
    char e[48];
    if (fc_ticker_normalize(seg, out))
        return FC_OK;
    echo(seg, e);
    return fc_diag_set(d, FC_EBADREQ,
                       "invalid ticker '%s': use 1-16 characters of "
                       "A-Z 0-9 . - ^ =",
                       e);
}

static fc_err need_ready(struct fc_app *app, struct fc_diag *d)
{
    if (atomic_load(&app->ready))
        return FC_OK;
    return fc_diag_set(d, FC_EUNAVAIL,
                       "the database is not open yet; retry shortly "
                       "(see /readyz)");
}

/* "YYYY-MM-DD" query parameter; absent leaves *day unchanged. */
static fc_err date_arg(const struct fc_req *r, const char *key, int32_t *day,
                       struct fc_diag *d)
{
    const char *v = arg(r, key);
    char e[48];
    if (v == NULL)
        return FC_OK;
    if (fc_day_parse(v, (int)strnlen(v, 64), day) == 0)
        return FC_OK;
    echo(v, e);
    return fc_diag_set(d, FC_EINVAL, "%s: not a date (YYYY-MM-DD): '%s'", key,
                       e);
}

/* Media type without parameters, compared case-insensitively. */
static int media_is(const char *ctype, const char *want)
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

/* ---- handlers ----------------------------------------------------------------- */

/* Path parameters: a segment longer than this is cut (never a valid
 * ticker, and the handler says so). */
#define PARAM_SIZE (FC_TICKER_SIZE + 48)

typedef fc_err (*handler_fn)(struct fc_app *app, const struct fc_req *req,
                             char params[][PARAM_SIZE], struct fc_reply *rep,
                             struct fc_diag *d);

static fc_err h_healthz(struct fc_app *app, const struct fc_req *req,
                        char params[][PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    size_t len = 0;
    (void)app, (void)req, (void)params, (void)d;
    return json_reply(rep, 200, fc_json_status("ok", -1, &len), &len);
}

static fc_err h_readyz(struct fc_app *app, const struct fc_req *req,
                       char params[][PARAM_SIZE], struct fc_reply *rep,
                       struct fc_diag *d)
{
    size_t len = 0;
    (void)req, (void)params;
    fc_err rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    return json_reply(rep, 200,
                      fc_json_status("ready", app->schema_version, &len), &len);
}

static fc_err h_metrics(struct fc_app *app, const struct fc_req *req,
                        char params[][PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    size_t len = 0;
    struct fc_buf b;
    int idx;
    (void)req, (void)params;
    char *text = fc_telemetry_render(app->metrics, &len);
    if (text == NULL)
        return FC_ENOMEM;
    fc_buf_init(&b, (size_t)-1 / 2);
    fc_buf_append(&b, text, len);
    free(text);
    if (atomic_load(&app->ready)) {
        struct fc_store *st = store_acquire(app, &idx);
        fc_err rc = fc_live_render(st, app->registry, &b, d);
        store_release(app, idx);
        if (rc != FC_OK) {
            fc_buf_fini(&b);
            return rc;
        }
    }
    text = fc_buf_release(&b, &len);
    if (text == NULL)
        return FC_ENOMEM;
    set_body(rep, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    return FC_OK;
}

static fc_err h_openapi(struct fc_app *app, const struct fc_req *req,
                        char params[][PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    (void)app, (void)req, (void)params, (void)d;
    size_t len = strlen(fc_openapi_json);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return FC_ENOMEM;
    memcpy(copy, fc_openapi_json, len + 1);
    return json_reply(rep, 200, copy, &len);
}

static fc_err h_series_list(struct fc_app *app, const struct fc_req *req,
                            char params[][PARAM_SIZE], struct fc_reply *rep,
                            struct fc_diag *d)
{
    struct fc_series_info *list = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)req, (void)params;

    fc_err rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_store_list_series(st, &list, &n, d);
    store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = json_reply(rep, 200, fc_json_series_list(list, n, &len), &len);
    free(list);
    return rc;
}

static fc_err h_series_delete(struct fc_app *app, const struct fc_req *req,
                              char params[][PARAM_SIZE], struct fc_reply *rep,
                              struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int idx;
    (void)req;

    fc_err rc = ticker_param(params[0], ticker, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_store_delete_series(st, ticker, d);
    store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    /* Its jobs went with it (a running one stops at its next epoch, when
     * its progress finds no row); so does its champion. */
    fc_registry_remove(app->registry, ticker);
    atomic_fetch_add(&app->data_gen, 1);
    set_body(rep, 204, NULL, NULL, 0);
    return FC_OK;
}

static fc_err h_bars_get(struct fc_app *app, const struct fc_req *req,
                         char params[][PARAM_SIZE], struct fc_reply *rep,
                         struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    char e[48];
    int32_t from = INT32_MIN, to = INT32_MAX;
    long long limit = 0;
    int csv = 0;
    struct fc_bar *bars = NULL;
    int n = 0;
    int idx;
    size_t len = 0;

    fc_err rc = ticker_param(params[0], ticker, d);
    if (rc == FC_OK)
        rc = date_arg(req, "from", &from, d);
    if (rc == FC_OK)
        rc = date_arg(req, "to", &to, d);
    if (rc != FC_OK)
        return rc;
    if (from > to)
        return fc_diag_set(d, FC_EINVAL, "from is after to");
    const char *v = arg(req, "limit");
    if (v != NULL) {
        char *end;
        errno = 0;
        limit = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno != 0 || limit < 1 ||
            limit > 100000000) {
            echo(v, e);
            return fc_diag_set(d, FC_EINVAL,
                               "limit: '%s' is not a whole number in "
                               "[1, 100000000]",
                               e);
        }
    }
    v = arg(req, "format");
    if (v != NULL && strcmp(v, "csv") == 0) {
        csv = 1;
    } else if (v != NULL && strcmp(v, "json") != 0) {
        echo(v, e);
        return fc_diag_set(d, FC_EINVAL, "format: '%s' is not json or csv",
                           e);
    }
    rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_store_get_bars(st, ticker, from, to, limit, &bars, &n, d);
    store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    if (csv) {
        char *text = fc_bars_to_csv(bars, n, &len);
        if (text == NULL)
            rc = FC_ENOMEM;
        else
            set_body(rep, 200, "text/csv; charset=utf-8", text, len);
    } else {
        rc = json_reply(rep, 200, fc_json_bars(ticker, bars, n, &len), &len);
    }
    free(bars);
    return rc;
}

static fc_err h_bars_post(struct fc_app *app, const struct fc_req *req,
                          char params[][PARAM_SIZE], struct fc_reply *rep,
                          struct fc_diag *d)
{
    static const char how[] =
        "send Content-Type: text/csv (Yahoo layout: "
        "Date,Open,High,Low,Close,Adj Close,Volume) or Content-Type: "
        "application/json ({\"bars\":[...]})";
    char ticker[FC_TICKER_SIZE];
    char e[48];
    enum fc_body_kind kind;
    int skip = 0;
    int idx;
    char *json = NULL;
    size_t len = 0;

    fc_err rc = ticker_param(params[0], ticker, d);
    if (rc != FC_OK)
        return rc;
    const char *v = arg(req, "on_error");
    if (v != NULL && strcmp(v, "skip") == 0) {
        skip = 1;
    } else if (v != NULL && strcmp(v, "reject") != 0) {
        echo(v, e);
        return fc_diag_set(d, FC_EINVAL,
                           "on_error: '%s' is not reject or skip", e);
    }
    if (req->content_type == NULL)
        return fc_diag_set(d, FC_EMEDIA, "no Content-Type: %s", how);
    if (media_is(req->content_type, "text/csv")) {
        kind = FC_BODY_CSV;
    } else if (media_is(req->content_type, "application/json")) {
        kind = FC_BODY_JSON;
    } else {
        echo(req->content_type, e);
        return fc_diag_set(d, FC_EMEDIA, "unsupported Content-Type '%s': %s",
                           e, how);
    }
    rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_put_result res;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_series_ingest_res(st, ticker, kind,
                              req->body != NULL ? req->body : "",
                              req->body_len, skip, app->metrics, &json, &len,
                              &res);
    if (rc == FC_OK) {
        atomic_fetch_add(&app->data_gen, 1);
        fc_trainer_after_ingest(app->trainer, st, ticker, &res);
    }
    store_release(app, idx);
    if (json == NULL)
        return rc != FC_OK ? rc : FC_ENOMEM;
    set_body(rep, fc_err_http(rc), rc == FC_OK ? CT_JSON : CT_PROBLEM, json,
             len);
    return FC_OK;
}

/* ---- training, jobs, models ------------------------------------------------------ */

/* A problem naming a job ("/jobs/7") in its `job` member: the 409s. */
static fc_err job_problem(struct fc_reply *rep, fc_err rc, const char *detail,
                          int64_t job_id)
{
    char job[48];
    size_t len = 0;
    snprintf(job, sizeof job, "/jobs/%lld", (long long)job_id);
    int status = fc_err_http(rc);
    char *body = fc_json_problem(status, detail, NULL, job, &len);
    if (body == NULL)
        return FC_ENOMEM;
    set_body(rep, status, CT_PROBLEM, body, len);
    return FC_OK;
}

/* Whole number in [lo, hi] from a query parameter; absent keeps *out. */
static fc_err int_arg(const struct fc_req *r, const char *key, long long lo,
                      long long hi, long long *out, struct fc_diag *d)
{
    const char *v = arg(r, key);
    char e[48];
    char *end;
    if (v == NULL)
        return FC_OK;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno != 0 || x < lo || x > hi) {
        echo(v, e);
        return fc_diag_set(d, FC_EINVAL,
                           "%s: '%s' is not a whole number in [%lld, %lld]",
                           key, e, lo, hi);
    }
    *out = x;
    return FC_OK;
}

/* A number in the open interval (lo, hi) from a query parameter; absent
 * keeps *out. `example` shows a good value in the message. */
static fc_err real_arg(const struct fc_req *r, const char *key, double lo,
                       double hi, const char *example, double *out,
                       struct fc_diag *d)
{
    const char *v = arg(r, key);
    char e[48];
    char *end;
    if (v == NULL)
        return FC_OK;
    double x = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !(x > lo && x < hi)) {
        echo(v, e);
        return fc_diag_set(d, FC_EINVAL,
                           "%s: '%s' is not a number in (%g, %g), e.g. %s",
                           key, e, lo, hi, example);
    }
    *out = x;
    return FC_OK;
}

/* A positive id from a path segment; anything else names no resource. */
static fc_err id_param(const char *seg, const char *what, int64_t *out,
                       struct fc_diag *d)
{
    char *end;
    char e[48];
    errno = 0;
    long long x = strtoll(seg, &end, 10);
    if (*seg == '\0' || *end != '\0' || errno != 0 || x < 1) {
        echo(seg, e);
        return fc_diag_set(d, FC_ENOTFOUND, "no %s '%s'", what, e);
    }
    *out = x;
    return FC_OK;
}

/* The required ?ticker= of a read (/predict, /anomalies), normalised.
 * FC_EINVAL when absent, FC_EBADREQ when invalid. */
static fc_err ticker_query(const struct fc_req *r, char out[FC_TICKER_SIZE],
                           struct fc_diag *d)
{
    const char *q = arg(r, "ticker");
    if (q == NULL)
        return fc_diag_set(d, FC_EINVAL, "ticker is required: %s?ticker=NFLX",
                           r->path);
    return ticker_param(q, out, d);
}

/* The optional ?ticker= filter of a list: *t is NULL when absent, else
 * buf holding the normalised ticker. FC_EBADREQ for an invalid one. */
static fc_err ticker_filter(const struct fc_req *r, char buf[FC_TICKER_SIZE],
                            const char **t, struct fc_diag *d)
{
    const char *q = arg(r, "ticker");
    *t = NULL;
    if (q == NULL)
        return FC_OK;
    fc_err rc = ticker_param(q, buf, d);
    if (rc == FC_OK)
        *t = buf;
    return rc;
}

/* POST /train and POST /backtest: the parameters from the body, the
 * ticker from the body or the query, then one job (202 + Location), or
 * for a training without a ticker one job per series. */
static fc_err queue_jobs(struct fc_app *app, const struct fc_req *req,
                         int backtest, struct fc_reply *rep,
                         struct fc_diag *d)
{
    struct fc_train_params p;
    char ticker[FC_TICKER_SIZE] = "";
    char other[FC_TICKER_SIZE];
    struct fc_job job;
    int64_t conflict = 0;
    int idx;
    size_t len = 0;
    size_t body_len = req->body != NULL ? req->body_len : 0;

    fc_err rc = backtest ? fc_json_parse_backtest(req->body, body_len,
                                                  app->cfg, &p, d)
                         : fc_json_parse_train(req->body, body_len, app->cfg,
                                               &p, d);
    if (rc != FC_OK)
        return rc;
    const char *q = arg(req, "ticker");
    if (q != NULL) {
        rc = ticker_param(q, ticker, d);
        if (rc != FC_OK)
            return rc;
    }
    if (p.ticker[0] != '\0') {
        rc = ticker_param(p.ticker, other, d);
        if (rc != FC_OK)
            return rc;
        if (q != NULL && strcmp(other, ticker) != 0)
            return fc_diag_set(d, FC_EINVAL,
                               "the body names ticker %s and the query %s; "
                               "give one",
                               other, ticker);
        memcpy(ticker, other, sizeof ticker);
    }
    if (backtest && ticker[0] == '\0')
        return fc_diag_set(d, FC_EINVAL,
                           "ticker is required: {\"ticker\":\"NFLX\","
                           "\"folds\":5}");
    rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    if (ticker[0] != '\0') {
        rc = fc_trainer_submit(app->trainer, st, ticker, &p, 0, &job,
                               &conflict, d);
        store_release(app, idx);
        if (rc == FC_ECONFLICT && conflict > 0)
            return job_problem(rep, rc, d->msg, conflict);
        if (rc != FC_OK)
            return rc;
        snprintf(rep->location, sizeof rep->location, "/jobs/%lld",
                 (long long)job.id);
        return job_reply(rep, 202, &job);
    }
    /* No ticker: every series gets a job, by the same rules one by one;
     * those that cannot are listed with the status they would get. */
    struct fc_series_info *list = NULL;
    struct fc_job *jobs = NULL;
    struct fc_train_skip *skips = NULL;
    int n = 0, n_jobs = 0, n_skips = 0;
    rc = fc_store_list_series(st, &list, &n, d);
    if (rc == FC_OK && n > 0) {
        jobs = calloc((size_t)n, sizeof *jobs);
        skips = calloc((size_t)n, sizeof *skips);
        if (jobs == NULL || skips == NULL)
            rc = FC_ENOMEM;
    }
    for (int i = 0; rc == FC_OK && i < n; i++) {
        struct fc_diag jd;
        fc_diag_init(&jd);
        fc_err jr = fc_trainer_submit(app->trainer, st, list[i].ticker, &p, 0,
                                      &jobs[n_jobs], &conflict, &jd);
        if (jr == FC_OK) {
            n_jobs++;
        } else if (jr == FC_ENOMEM) {
            rc = jr;
        } else {
            struct fc_train_skip *k = &skips[n_skips++];
            snprintf(k->ticker, sizeof k->ticker, "%s", list[i].ticker);
            k->status = fc_err_http(jr);
            snprintf(k->detail, sizeof k->detail, "%s", jd.msg);
        }
    }
    store_release(app, idx);
    if (rc == FC_OK) {
        snprintf(rep->location, sizeof rep->location, "/jobs?state=queued");
        rc = json_reply(rep, 202,
                        fc_json_jobs(jobs, n_jobs, skips, n_skips, &len),
                        &len);
    }
    fc_jobs_free(jobs, n_jobs);
    free(skips);
    free(list);
    return rc;
}

static fc_err h_train(struct fc_app *app, const struct fc_req *req,
                      char params[][PARAM_SIZE], struct fc_reply *rep,
                      struct fc_diag *d)
{
    (void)params;
    return queue_jobs(app, req, 0, rep, d);
}

static fc_err h_backtest(struct fc_app *app, const struct fc_req *req,
                         char params[][PARAM_SIZE], struct fc_reply *rep,
                         struct fc_diag *d)
{
    (void)params;
    return queue_jobs(app, req, 1, rep, d);
}

static fc_err h_jobs_list(struct fc_app *app, const struct fc_req *req,
                          char params[][PARAM_SIZE], struct fc_reply *rep,
                          struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    const char *t = NULL;
    int state = -1;
    long long limit = 100;
    struct fc_job *v = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = ticker_filter(req, ticker, &t, d);
    if (rc != FC_OK)
        return rc;
    const char *q = arg(req, "state");
    if (q != NULL) {
        char e[48];
        state = fc_job_state_parse(q);
        if (state < 0) {
            echo(q, e);
            return fc_diag_set(d, FC_EINVAL,
                               "state: '%s' is not queued, running, "
                               "succeeded, failed or cancelled",
                               e);
        }
    }
    rc = int_arg(req, "limit", 1, 10000, &limit, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_store_job_list(st, t, state, limit, &v, &n, d);
    store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = json_reply(rep, 200, fc_json_jobs(v, n, NULL, 0, &len), &len);
    fc_jobs_free(v, n);
    return rc;
}

static fc_err h_job_get(struct fc_app *app, const struct fc_req *req,
                        char params[][PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    int64_t id = 0;
    struct fc_job job;
    int idx;
    (void)req;

    fc_err rc = id_param(params[0], "job", &id, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_store_job_get(st, id, &job, d);
    store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    return job_reply(rep, 200, &job);
}

static fc_err h_job_delete(struct fc_app *app, const struct fc_req *req,
                           char params[][PARAM_SIZE], struct fc_reply *rep,
                           struct fc_diag *d)
{
    int64_t id = 0;
    struct fc_job job;
    int idx;
    (void)req;

    fc_err rc = id_param(params[0], "job", &id, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_trainer_cancel(app->trainer, st, id, &job, d);
    store_release(app, idx);
    if (rc == FC_ECONFLICT) {
        fc_job_fini(&job);
        return job_problem(rep, rc, d->msg, id);
    }
    if (rc != FC_OK)
        return rc;
    return job_reply(rep, 200, &job);
}

static fc_err h_models_list(struct fc_app *app, const struct fc_req *req,
                            char params[][PARAM_SIZE], struct fc_reply *rep,
                            struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    const char *t = NULL;
    long long limit = 100;
    struct fc_model_rec *v = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = ticker_filter(req, ticker, &t, d);
    if (rc == FC_OK)
        rc = int_arg(req, "limit", 1, 10000, &limit, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_store_model_list(st, t, limit, &v, &n, d);
    store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = json_reply(rep, 200, fc_json_models(v, n, &len), &len);
    fc_model_recs_free(v, n);
    return rc;
}

/* /models/{ticker}/{version}/...: the normalised ticker and the version. */
static fc_err model_param(char params[][PARAM_SIZE],
                          char ticker[FC_TICKER_SIZE], int64_t *version,
                          struct fc_diag *d)
{
    fc_err rc = ticker_param(params[0], ticker, d);
    if (rc == FC_OK)
        rc = id_param(params[1], "model version", version, d);
    return rc;
}

static fc_err h_promote(struct fc_app *app, const struct fc_req *req,
                        char params[][PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int64_t version = 0;
    struct fc_model_rec rec;
    int idx;
    size_t len = 0;
    (void)req;

    fc_err rc = model_param(params, ticker, &version, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    if (app->trainer == NULL)
        return fc_diag_set(d, FC_EUNAVAIL, "the trainer is not running yet");
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_trainer_promote(app->trainer, st, ticker, version, &rec, d);
    store_release(app, idx);
    if (rc != FC_OK)
        return rc;
    rc = json_reply(rep, 200, fc_json_model(&rec, &len), &len);
    fc_model_rec_fini(&rec);
    return rc;
}

/* GET /models/{ticker}/{version}/evaluation[?format=csv]: the test period
 * day by day, as stored with the version. */
static fc_err h_evaluation(struct fc_app *app, const struct fc_req *req,
                           char params[][PARAM_SIZE], struct fc_reply *rep,
                           struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int64_t version = 0;
    struct fc_model_rec rec;
    char *points = NULL;
    int csv = 0;
    int idx;
    size_t len = 0;

    memset(&rec, 0, sizeof rec);
    fc_err rc = model_param(params, ticker, &version, d);
    if (rc != FC_OK)
        return rc;
    const char *f = arg(req, "format");
    if (f != NULL) {
        char e[48];
        csv = strcmp(f, "csv") == 0;
        if (!csv && strcmp(f, "json") != 0) {
            echo(f, e);
            return fc_diag_set(d, FC_EINVAL,
                               "format: '%s' is not json or csv", e);
        }
    }
    rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = fc_store_model_get(st, ticker, version, 0, &rec, d);
    if (rc == FC_OK) {
        rc = fc_store_model_evaluation(st, ticker, version, &points, d);
        if (rc == FC_OK && points == NULL)
            rc = fc_diag_set(d, FC_ENOTFOUND,
                             "%s version %lld was stored before evaluations "
                             "were kept; POST /train to get one with it",
                             ticker, (long long)version);
    }
    store_release(app, idx);
    if (rc == FC_OK && csv) {
        char *body = fc_json_evaluation_csv(points, &len);
        if (body == NULL)
            rc = FC_ENOMEM;
        else
            set_body(rep, 200, "text/csv; charset=utf-8", body, len);
    } else if (rc == FC_OK) {
        rc = json_reply(rep, 200,
                        fc_json_evaluation(ticker, version, rec.metrics,
                                           points, &len),
                        &len);
    }
    fc_model_rec_fini(&rec);
    free(points);
    return rc;
}

/* ---- predictions ------------------------------------------------------------------ */

static uint64_t pcache_hash(const char *ticker, int horizon, double level,
                            int64_t version)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    unsigned char bytes[sizeof level];
    memcpy(bytes, &level, sizeof level);
    for (const char *s = ticker; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    for (size_t i = 0; i < sizeof bytes; i++)
        h = (h ^ bytes[i]) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)horizon) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)version) * 0x100000001b3ULL;
    return h;
}

/* A copy of the cached reply for this key, or NULL. The lock covers a key
 * compare and a memcpy of a few hundred bytes. */
static char *pcache_get(struct fc_app *app, uint64_t h, const char *ticker,
                        int horizon, double level, int64_t version,
                        uint64_t reg_gen, uint64_t data_gen, size_t *len)
{
    char *copy = NULL;
    pthread_mutex_lock(&app->pcache_mu);
    struct pcache_slot *s = &app->pcache[h % PCACHE_SLOTS];
    if (s->body != NULL && s->horizon == horizon && s->level == level &&
        s->version == version && s->reg_gen == reg_gen &&
        s->data_gen == data_gen && strcmp(s->ticker, ticker) == 0) {
        copy = malloc(s->len + 1);
        if (copy != NULL) {
            memcpy(copy, s->body, s->len + 1);
            *len = s->len;
        }
    }
    pthread_mutex_unlock(&app->pcache_mu);
    return copy;
}

static void pcache_put(struct fc_app *app, uint64_t h, const char *ticker,
                       int horizon, double level, int64_t version,
                       uint64_t reg_gen, uint64_t data_gen, const char *body,
                       size_t len)
{
    char *copy = malloc(len + 1);
    char *old = NULL;
    if (copy == NULL)
        return;
    memcpy(copy, body, len + 1);
    pthread_mutex_lock(&app->pcache_mu);
    struct pcache_slot *s = &app->pcache[h % PCACHE_SLOTS];
    old = s->body;
    snprintf(s->ticker, sizeof s->ticker, "%s", ticker);
    s->horizon = horizon;
    s->level = level;
    s->version = version;
    s->reg_gen = reg_gen;
    s->data_gen = data_gen;
    s->body = copy;
    s->len = len;
    pthread_mutex_unlock(&app->pcache_mu);
    free(old);
}

/* The snapshot to predict with: the champion (version 0 or its number) or
 * a stored version loaded for this request. FC_ENOTFOUND (no series, no
 * such version), FC_ECONFLICT (no model yet). */
static fc_err predict_snapshot(struct fc_app *app, struct fc_store *st,
                               const char *ticker, int64_t version,
                               struct fc_snapshot **out, struct fc_diag *d)
{
    struct fc_series_info info;
    struct fc_model_rec rec;
    struct fc_snapshot *s = fc_registry_acquire(app->registry, ticker);

    if (s != NULL && (version == 0 || s->version == version)) {
        *out = s;
        return FC_OK;
    }
    fc_snapshot_release(s);
    fc_err rc = fc_store_series_info(st, ticker, &info, d);
    if (rc != FC_OK)
        return rc;
    if (version == 0)
        return fc_diag_set(d, FC_ECONFLICT,
                           "%s has no trained model yet: POST /train with "
                           "{\"ticker\":\"%s\"} and predict when the job "
                           "succeeded",
                           ticker, ticker);
    rc = fc_store_model_get(st, ticker, version, 1, &rec, d);
    if (rc != FC_OK)
        return rc;
    rc = fc_snapshot_from_rec(&rec, out, d);
    fc_model_rec_fini(&rec);
    return rc;
}

static fc_err h_predict(struct fc_app *app, const struct fc_req *req,
                        char params[][PARAM_SIZE], struct fc_reply *rep,
                        struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    long long horizon = 1;
    long long version = 0;
    double level = 0.9;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = ticker_query(req, ticker, d);
    if (rc == FC_OK)
        rc = int_arg(req, "horizon", 1, FC_HORIZON_MAX, &horizon, d);
    if (rc == FC_OK)
        rc = int_arg(req, "version", 1, INT64_MAX, &version, d);
    if (rc == FC_OK)
        rc = real_arg(req, "level", 0.0, 1.0, "0.9", &level, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    /* The generations are read before anything is computed: a new bar or
     * champion arriving meanwhile makes this entry unreachable rather
     * than stale. */
    uint64_t reg_gen = fc_registry_generation(app->registry);
    uint64_t data_gen = atomic_load(&app->data_gen);
    uint64_t h = pcache_hash(ticker, (int)horizon, level, version);
    char *hit = pcache_get(app, h, ticker, (int)horizon, level, version,
                           reg_gen, data_gen, &len);
    if (hit != NULL)
        return json_reply(rep, 200, hit, &len);

    struct fc_store *st = store_acquire(app, &idx);
    rc = predict_snapshot(app, st, ticker, version, &snap, d);
    if (rc == FC_OK)
        rc = fc_store_get_bars(st, ticker, INT32_MIN, INT32_MAX,
                               fc_forecast_bars_needed(snap->model), &bars,
                               &n, d);
    store_release(app, idx);
    if (rc == FC_OK) {
        /* No lock is held from here on: the snapshot is ours. */
        struct fc_forecast f;
        struct fc_scores sc;
        rc = fc_forecast_make(snap, bars, n, (int)horizon, level, &f, d);
        if (rc == FC_OK) {
            fc_snapshot_scores(snap, &sc);
            char *body = fc_json_forecast(&f, &sc, &len);
            if (body != NULL)
                pcache_put(app, h, ticker, (int)horizon, level, version,
                           reg_gen, data_gen, body, len);
            rc = json_reply(rep, 200, body, &len);
        }
    }
    fc_snapshot_release(snap);
    free(bars);
    return rc;
}

/* GET /anomalies?ticker=[&from=&to=&threshold=]: the champion's
 * one-step-ahead residuals over the range, the days at |z| >= threshold. */
static fc_err h_anomalies(struct fc_app *app, const struct fc_req *req,
                          char params[][PARAM_SIZE], struct fc_reply *rep,
                          struct fc_diag *d)
{
    char ticker[FC_TICKER_SIZE];
    int32_t from = INT32_MIN, to = INT32_MAX;
    double threshold = 3.0;
    struct fc_snapshot *snap = NULL;
    struct fc_bar *bars = NULL;
    struct fc_anomaly_scan scan;
    int n = 0;
    int idx;
    size_t len = 0;
    (void)params;

    fc_err rc = ticker_query(req, ticker, d);
    if (rc == FC_OK)
        rc = date_arg(req, "from", &from, d);
    if (rc == FC_OK)
        rc = date_arg(req, "to", &to, d);
    if (rc == FC_OK && from > to)
        rc = fc_diag_set(d, FC_EINVAL, "from is after to");
    if (rc == FC_OK)
        rc = real_arg(req, "threshold", 0.0, 1e6, "3", &threshold, d);
    if (rc == FC_OK)
        rc = need_ready(app, d);
    if (rc != FC_OK)
        return rc;
    struct fc_store *st = store_acquire(app, &idx);
    rc = predict_snapshot(app, st, ticker, 0, &snap, d);
    /* Every bar up to `to`: the first days of the range need the model's
     * window before them. */
    if (rc == FC_OK)
        rc = fc_store_get_bars(st, ticker, INT32_MIN, to, 0, &bars, &n, d);
    store_release(app, idx);
    if (rc == FC_OK) {
        int t0 = 0;
        while (t0 < n && bars[t0].day < from)
            t0++;
        rc = fc_anomaly_scan(snap->model, bars, n, t0, n, threshold, &scan,
                             d);
        if (rc == FC_EINVAL)
            rc = FC_ECONFLICT; /* the model, not the request, is at fault */
        if (rc == FC_OK) {
            rc = json_reply(rep, 200,
                            fc_json_anomalies(ticker, snap->version,
                                              threshold, &scan, &len),
                            &len);
            fc_anomaly_scan_fini(&scan);
        }
    }
    fc_snapshot_release(snap);
    free(bars);
    return rc;
}

/* ---- static files ------------------------------------------------------------- */

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* GET of a path no route claims: a file under web_dir, or 404. The path
 * must be plain (segments of [A-Za-z0-9._-], none starting with '.'), and
 * its real path (symlinks resolved) must stay inside web_dir's. */
static fc_err serve_static(struct fc_app *app, const struct fc_req *req,
                           struct fc_reply *rep, struct fc_diag *d)
{
    const char *p = req->path;
    char rel[512];
    char full[PATH_MAX + 600];
    char root[PATH_MAX];
    char real[PATH_MAX];
    struct stat sb;

    rep->route = FC_ROUTE_STATIC;
    if (strcmp(p, "/") == 0)
        p = "/index.html";
    if (strlen(p) >= sizeof rel)
        goto not_found;
    for (const char *q = p; *q != '\0'; q++) {
        char c = *q;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
                 c == '/';
        if (!ok)
            goto not_found;
        if (c == '/' && (q[1] == '/' || q[1] == '.' || q[1] == '\0'))
            goto not_found; /* empty, hidden, "." and ".." segments */
    }
    snprintf(rel, sizeof rel, "%s", p);
    if (realpath(app->cfg->web_dir, root) == NULL)
        goto not_found;
    snprintf(full, sizeof full, "%s%s", root, rel);
    if (realpath(full, real) == NULL)
        goto not_found;
    size_t n = strlen(root);
    if (strncmp(real, root, n) != 0 || real[n] != '/')
        goto not_found;
    if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode))
        goto not_found;
    rep->file_path = strdup(real);
    if (rep->file_path == NULL)
        return FC_ENOMEM;
    rep->status = 200;
    rep->content_type = mime_of(real);
    return FC_OK;
not_found:
    return fc_diag_set(d, FC_ENOTFOUND, "no resource at this path; the API "
                                        "is described at /openapi.json");
}

/* ---- routing ------------------------------------------------------------------ */

struct route {
    const char *pattern; /* '*' matches one non-empty segment */
    enum fc_route id;
    struct {
        const char *method;
        handler_fn fn;
    } m[3];
    const char *allow;
};

static const struct route routes[] = {
    {"/healthz", FC_ROUTE_HEALTHZ, {{"GET", h_healthz}}, "GET, HEAD, OPTIONS"},
    {"/readyz", FC_ROUTE_READYZ, {{"GET", h_readyz}}, "GET, HEAD, OPTIONS"},
    {"/metrics", FC_ROUTE_METRICS, {{"GET", h_metrics}}, "GET, HEAD, OPTIONS"},
    {"/openapi.json", FC_ROUTE_OPENAPI, {{"GET", h_openapi}},
     "GET, HEAD, OPTIONS"},
    {"/series", FC_ROUTE_SERIES, {{"GET", h_series_list}},
     "GET, HEAD, OPTIONS"},
    {"/series/*", FC_ROUTE_SERIES_ONE, {{"DELETE", h_series_delete}},
     "DELETE, OPTIONS"},
    {"/series/*/bars",
     FC_ROUTE_SERIES_BARS,
     {{"GET", h_bars_get}, {"POST", h_bars_post}},
     "GET, HEAD, POST, OPTIONS"},
    {"/train", FC_ROUTE_TRAIN, {{"POST", h_train}}, "POST, OPTIONS"},
    {"/jobs", FC_ROUTE_JOBS, {{"GET", h_jobs_list}}, "GET, HEAD, OPTIONS"},
    {"/jobs/*",
     FC_ROUTE_JOB,
     {{"GET", h_job_get}, {"DELETE", h_job_delete}},
     "GET, HEAD, DELETE, OPTIONS"},
    {"/models", FC_ROUTE_MODELS, {{"GET", h_models_list}},
     "GET, HEAD, OPTIONS"},
    {"/models/*/*/promote", FC_ROUTE_PROMOTE, {{"POST", h_promote}},
     "POST, OPTIONS"},
    {"/models/*/*/evaluation", FC_ROUTE_EVALUATION, {{"GET", h_evaluation}},
     "GET, HEAD, OPTIONS"},
    {"/predict", FC_ROUTE_PREDICT, {{"GET", h_predict}}, "GET, HEAD, OPTIONS"},
    {"/backtest", FC_ROUTE_BACKTEST, {{"POST", h_backtest}}, "POST, OPTIONS"},
    {"/anomalies", FC_ROUTE_ANOMALIES, {{"GET", h_anomalies}},
     "GET, HEAD, OPTIONS"},
};

#define MAX_PARAMS 3

/* Matches path against pattern, copying '*' segments into params. */
static int match(const char *pattern, const char *path,
                 char params[MAX_PARAMS][PARAM_SIZE])
{
    int n_params = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern == '*') {
            const char *end = strchr(path, '/');
            size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
            if (len == 0 || n_params >= MAX_PARAMS)
                return 0;
            /* An over-long segment is kept cut: it is never a valid
             * ticker, and the handler says so. */
            size_t keep = len < PARAM_SIZE - 1 ? len : PARAM_SIZE - 1;
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
    pthread_mutex_lock(&app->rate_mu);
    struct rate_slot *s = &app->rate[hash(client) % RATE_SLOTS];
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
    pthread_mutex_unlock(&app->rate_mu);
    return wait;
}

void fc_api_handle(struct fc_app *app, const struct fc_req *req,
                   struct fc_reply *rep)
{
    char params[MAX_PARAMS][PARAM_SIZE];
    const struct route *rt = NULL;
    handler_fn fn = NULL;
    struct fc_diag d;
    fc_err rc = FC_OK;
    const char *method = req->method;

    fc_diag_init(&d);
    fc_reply_init(rep);
    if (strcmp(method, "HEAD") == 0)
        method = "GET"; /* libmicrohttpd drops the body of a HEAD reply */
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (match(routes[i].pattern, req->path, params)) {
            rt = &routes[i];
            break;
        }
    if (rt != NULL) {
        rep->route = rt->id;
        for (int i = 0; i < 3 && rt->m[i].method != NULL; i++)
            if (strcmp(rt->m[i].method, method) == 0)
                fn = rt->m[i].fn;
    }
    /* Probes and scrapes are never limited; everything else is, static
     * files and unknown paths included. */
    if (rt == NULL || (rt->id != FC_ROUTE_HEALTHZ &&
                       rt->id != FC_ROUTE_READYZ &&
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
            rc = serve_static(app, req, rep, &d);
        } else {
            rc = fc_diag_set(&d, FC_ENOTFOUND,
                             "no resource at this path; the API is "
                             "described at /openapi.json");
        }
        goto done;
    }
    if (strcmp(method, "OPTIONS") == 0) {
        snprintf(rep->allow, sizeof rep->allow, "%s", rt->allow);
        set_body(rep, 204, NULL, NULL, 0);
        goto done;
    }
    if (fn == NULL) {
        char e[48];
        echo(req->method, e);
        snprintf(rep->allow, sizeof rep->allow, "%s", rt->allow);
        rc = fc_diag_set(&d, FC_EMETHOD, "%s is not allowed here; allowed: %s",
                         e, rt->allow);
        goto done;
    }
    if (strcmp(method, "POST") == 0 || strcmp(method, "DELETE") == 0) {
        rc = check_auth(app, req, rep, &d);
        if (rc != FC_OK)
            goto done;
    }
    if (req->recv_err == FC_ETOOBIG) {
        rc = fc_diag_set(&d, FC_ETOOBIG,
                         "the body is larger than max_body_bytes (%lld "
                         "bytes); split the upload",
                         (long long)app->cfg->max_body_bytes);
        goto done;
    }
    if (req->recv_err != FC_OK) {
        rc = req->recv_err;
        goto done;
    }
    if (req->too_many_args) {
        rc = fc_diag_set(&d, FC_EBADREQ, "more than %d query parameters",
                         FC_REQ_MAX_ARGS);
        goto done;
    }
    rc = fn(app, req, params, rep, &d);
done:
    if (rc != FC_OK) {
        fc_reply_problem(rep, rc, d.msg[0] != '\0' ? d.msg : fc_err_text(rc));
        if (rep->body == NULL) /* out of memory even for the problem */
            rep->status = fc_err_http(rc);
    }
}
