/* api_int.h — what the files behind api.h share, and nothing else includes.
 *
 * The application is split by concept: app.c (the struct below, its
 * lifecycle, the connection pool), router.c (route table, 404/405, auth,
 * rate limit, fc_api_handle), reply.c and request.c (building replies,
 * reading query and path parameters), one file of handlers per resource
 * (h_ops.c, h_series.c, h_jobs.c, h_models.c, h_predict.c), pcache.c (the
 * /predict reply cache) and static.c (files of web_dir). Handlers see the
 * app through this header; the HTTP layer (http.c) sees only api.h. */
#ifndef FC_API_INT_H
#define FC_API_INT_H

#include "api.h"

#include "params.h"
#include "series.h"
#include "ticker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct fc_pcache;
struct fc_ratelimit;
struct fc_registry;
struct fc_store;
struct fc_trainer;

struct fc_app {
    const struct fc_config *cfg; /* borrowed; outlives the app */
    struct fc_telemetry *metrics;
    atomic_int ready;   /* 1 once the database is migrated */
    int schema_version; /* set before ready */

    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    struct fc_store **pool; /* n_pool connections */
    int n_pool;
    int *free_idx; /* guarded by pool_mu: stack of free ones */
    int n_free;    /* guarded by pool_mu */

    struct fc_ratelimit *rate;    /* per-client buckets; owned */
    struct fc_registry *registry; /* champions; owned */
    struct fc_trainer *trainer;   /* NULL until fc_app_open_db */
    /* Bumped by every write of bars or series in this process: a cached
     * prediction computed before the bump is never served after it. */
    _Atomic uint64_t data_gen;
    struct fc_pcache *pcache; /* /predict replies; owned */
    char replica[128];        /* this process's name among the replicas
                                 (fc_replica_id): /readyz, /metrics */
};

/* ---- app.c: the connection pool ---- */

/* A connection for this request, and its index for fc_app_store_release.
 * Blocks while all are lent out (only when more requests than HTTP threads
 * run at once, which the pool size rules out for MHD's own threads). Only
 * once the app is ready. Thread-safe. */
struct fc_store *fc_app_store_acquire(struct fc_app *app, int *idx);
/* Gives back the connection fc_app_store_acquire lent as idx. */
void fc_app_store_release(struct fc_app *app, int idx);
/* FC_OK once the app is ready; FC_EUNAVAIL (503) with the reason in d
 * before. */
fc_err fc_app_need_ready(struct fc_app *app, struct fc_diag *d);

/* ---- router.c: the per-client rate limit ---- */

/* Empty buckets for every client; NULL on out of memory. */
struct fc_ratelimit *fc_ratelimit_new(void);
void fc_ratelimit_free(struct fc_ratelimit *rl); /* NULL-safe */

/* ---- reply.c ---- */

#define FC_CT_JSON "application/json; charset=utf-8"
#define FC_CT_PROBLEM "application/problem+json; charset=utf-8"
#define FC_CT_CSV "text/csv; charset=utf-8"

/* Replaces rep's body (taking body, malloc'ed or NULL) and sets its status
 * and content type (a static string, NULL for none). */
void fc_api_set_body(struct fc_reply *rep, int status, const char *ctype,
                     char *body, size_t len);
/* A JSON reply of body (taken), whose length *len is read after body was
 * computed: a call's arguments may be evaluated in any order, so the length
 * travels by pointer. FC_ENOMEM when body is NULL. */
fc_err fc_api_json_reply(struct fc_reply *rep, int status, char *body,
                         const size_t *len);

/* ---- request.c: query and path parameters ---- */

/* Path parameters: a segment longer than this is cut (never a valid
 * ticker, and the handler says so). */
#define FC_PARAM_SIZE (FC_TICKER_SIZE + 48)
#define FC_MAX_PARAMS 3

/* The value of query argument key (the first one), or NULL when absent. */
const char *fc_api_arg(const struct fc_req *r, const char *key);
/* fc_echo of a NUL-terminated string: printable, cut, for messages. */
void fc_api_echo(const char *s, char out[48]);
/* A ticker from a path segment or a query value, normalised into out.
 * FC_EBADREQ when invalid. */
fc_err fc_api_ticker_param(const char *seg, char out[FC_TICKER_SIZE],
                           struct fc_diag *d);
/* "YYYY-MM-DD" query parameter; absent leaves *day unchanged. FC_EINVAL. */
fc_err fc_api_date_arg(const struct fc_req *r, const char *key, int32_t *day,
                       struct fc_diag *d);
/* Whole number in [lo, hi] from a query parameter; absent keeps *out.
 * FC_EINVAL. */
fc_err fc_api_int_arg(const struct fc_req *r, const char *key, long long lo,
                      long long hi, long long *out, struct fc_diag *d);
/* A number in the open interval (lo, hi) from a query parameter; absent
 * keeps *out. `example` shows a good value in the message. FC_EINVAL. */
fc_err fc_api_real_arg(const struct fc_req *r, const char *key, double lo,
                       double hi, const char *example, double *out,
                       struct fc_diag *d);
/* A positive id from a path segment; anything else names no resource:
 * FC_ENOTFOUND ("no <what> '<seg>'"). */
fc_err fc_api_id_param(const char *seg, const char *what, int64_t *out,
                       struct fc_diag *d);
/* The required ?ticker= of a read (/predict, /anomalies), normalised.
 * FC_EINVAL when absent, FC_EBADREQ when invalid. */
fc_err fc_api_ticker_query(const struct fc_req *r, char out[FC_TICKER_SIZE],
                           struct fc_diag *d);
/* The optional ?ticker= filter of a list: out is "" when absent, else the
 * normalised ticker. FC_EBADREQ for an invalid one. */
fc_err fc_api_ticker_filter(const struct fc_req *r, char out[FC_TICKER_SIZE],
                            struct fc_diag *d);
/* 1 when ctype's media type (parameters ignored) is want, compared
 * case-insensitively. */
int fc_api_media_is(const char *ctype, const char *want);

/* ---- handlers: one file per resource ---- */

/* What a handler's parse step read from the request, for its run step.
 * The router zeroes it; each parse step sets the fields it names. */
/* The most tickers one GET /predict may name (?ticker=A,B,...). */
#define FC_PREDICT_MAX_TICKERS 100

struct fc_args {
    char ticker[FC_TICKER_SIZE]; /* normalised; "" = none (a list without
                                    ?ticker=, /train for every series) */
    int n_tickers;               /* /predict with a list: 0 = one ticker
                                    (in ticker), else how many here */
    char tickers[FC_PREDICT_MAX_TICKERS][FC_TICKER_SIZE];
    int64_t id;                   /* a job id or a model version; 0 = the
                                     champion (/predict) */
    int32_t from, to;             /* day range, INT32_MIN/INT32_MAX open */
    long long limit;              /* rows; 0 = no limit (bars) */
    long long horizon;            /* /predict: days ahead */
    double level;                 /* /predict, evaluation: interval level */
    double threshold;             /* /anomalies: |z| at least this */
    int state;                    /* /jobs: an fc_job_state, -1 = any */
    int csv;                      /* format=csv */
    int skip;                     /* POST bars: on_error=skip */
    enum fc_body_kind kind;       /* POST bars: the upload's type */
    struct fc_train_params train; /* POST /train, /backtest */
};

/* One request on its way through the router to a handler. */
struct fc_call {
    struct fc_app *app;
    const struct fc_req *req;
    struct fc_reply *rep;
    struct fc_diag *d;
    char params[FC_MAX_PARAMS][FC_PARAM_SIZE]; /* the '*' path segments */
    struct fc_store *st; /* FC_ROUTE_STORE: lent by the router for the run
                            step once the app is ready; FC_ROUTE_STORE_
                            ON_DEMAND: set by fc_call_store; else NULL */
    int st_idx;          /* st's index in the pool, -1 while none is lent */
    struct fc_args a;    /* set by the parse step */
};

/* What a route's method asks of the router. After the route and the
 * method matched, the router checks, in this order: FC_ROUTE_WRITE, the
 * body cap and the query's size, the handler's parse step, FC_ROUTE_READY,
 * then lends FC_ROUTE_STORE's connection for the run step. A request that
 * is wrong is told so even while the database is still opening. */
enum fc_route_flag {
    FC_ROUTE_WRITE = 1 << 0, /* the bearer key when api_key is set (401) */
    FC_ROUTE_READY = 1 << 1, /* 503 until the database is open */
    FC_ROUTE_STORE = 1 << 2, /* a pooled connection in call->st */
    FC_ROUTE_STORE_ON_DEMAND = 1 << 3 /* one from fc_call_store, for a run
                                         step that often needs none (a
                                         cached /predict) */
};

/* The pooled connection of a FC_ROUTE_STORE_ON_DEMAND run step: lent on
 * the first call, given back by the router after the run step. Only on a
 * FC_ROUTE_READY route (it blocks as fc_app_store_acquire does). */
struct fc_store *fc_call_store(struct fc_call *c);

/* A handler is two steps, parse -> validate (no database: its errors come
 * before readiness) then domain call -> render. Each returns FC_OK with
 * c->rep set (run), or an error whose problem the router renders from
 * c->d; a run step that has rendered its own problem (a 422 listing bad
 * rows, a 409 naming a job) returns FC_OK. A parse step may be NULL. */

/* h_ops.c */
fc_err fc_api_healthz(struct fc_call *c);
fc_err fc_api_readyz(struct fc_call *c);
fc_err fc_api_metrics(struct fc_call *c); /* c->st NULL until ready */
fc_err fc_api_openapi(struct fc_call *c);
/* h_series.c */
fc_err fc_api_series_list(struct fc_call *c);
fc_err fc_api_series_delete_parse(struct fc_call *c);
fc_err fc_api_series_delete(struct fc_call *c);
fc_err fc_api_bars_get_parse(struct fc_call *c);
fc_err fc_api_bars_get(struct fc_call *c);
fc_err fc_api_bars_post_parse(struct fc_call *c);
fc_err fc_api_bars_post(struct fc_call *c);
/* h_jobs.c */
fc_err fc_api_train_parse(struct fc_call *c);
fc_err fc_api_backtest_parse(struct fc_call *c);
fc_err fc_api_jobs_queue(struct fc_call *c); /* run of /train, /backtest */
fc_err fc_api_jobs_list_parse(struct fc_call *c);
fc_err fc_api_jobs_list(struct fc_call *c);
fc_err fc_api_job_parse(struct fc_call *c); /* /jobs/{id} */
fc_err fc_api_job_get(struct fc_call *c);
fc_err fc_api_job_delete(struct fc_call *c);
/* h_models.c */
fc_err fc_api_models_list_parse(struct fc_call *c);
fc_err fc_api_models_list(struct fc_call *c);
fc_err fc_api_model_parse(struct fc_call *c); /* /models/{t}/{v}/... */
fc_err fc_api_promote(struct fc_call *c);
fc_err fc_api_evaluation_parse(struct fc_call *c);
fc_err fc_api_evaluation(struct fc_call *c);
/* h_predict.c */
fc_err fc_api_predict_parse(struct fc_call *c);
fc_err fc_api_predict(struct fc_call *c);
fc_err fc_api_anomalies_parse(struct fc_call *c);
fc_err fc_api_anomalies(struct fc_call *c);

/* ---- pcache.c: cached /predict replies ---- */

/* What a cached reply answers: the request and the generations of the
 * registry and of the data when it was computed. */
struct fc_pcache_key {
    const char *ticker; /* normalised */
    int horizon;
    double level;
    int64_t version;   /* 0 = the champion */
    uint64_t reg_gen;  /* fc_registry_generation */
    uint64_t data_gen; /* app->data_gen */
};

/* An empty cache; NULL on out of memory. */
struct fc_pcache *fc_pcache_new(void);
void fc_pcache_free(struct fc_pcache *c); /* NULL-safe */
/* A malloc'ed copy of the reply cached for k (NUL-terminated, length in
 * *len), or NULL on a miss or out of memory. Thread-safe. */
char *fc_pcache_get(struct fc_pcache *c, const struct fc_pcache_key *k,
                    size_t *len);
/* Keeps a copy of body (len bytes plus its NUL) for k, evicting whatever
 * shared its slot; out of memory keeps nothing. Thread-safe. */
void fc_pcache_put(struct fc_pcache *c, const struct fc_pcache_key *k,
                   const char *body, size_t len);

/* ---- static.c ---- */

/* GET of a path no route claims: the file under web_dir in rep->file_path
 * with its content type, or FC_ENOTFOUND. FC_ENOMEM. */
fc_err fc_static_serve(const char *web_dir, const char *path,
                       struct fc_reply *rep, struct fc_diag *d);

#endif
