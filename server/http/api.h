/* api.h — the application behind the HTTP layer: router, handlers, and the
 * state they share (configuration, database connections, metrics).
 *
 * The HTTP layer (http.c, the only libmicrohttpd user) turns a finished
 * request into a struct fc_req and sends whatever struct fc_reply comes back;
 * everything between is plain C with no socket in sight, which keeps the
 * handlers testable and the MHD traps in one file. Handlers follow parse ->
 * validate -> domain call -> render, and every error leaves as one RFC 9457
 * problem+json shape whose status comes from fc_err_http(). */
#ifndef FC_API_H
#define FC_API_H

#include "config.h"
#include "err.h"
#include "telemetry.h"

#include <stddef.h>

#define FC_REQ_MAX_ARGS 32

/* A complete request, borrowed from the HTTP layer for one call. */
struct fc_req {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* percent-decoded, without the query */
    int n_args;         /* query arguments, in order, decoded */
    struct {
        const char *key;
        const char *value; /* "" for a key without '=' */
    } args[FC_REQ_MAX_ARGS];
    int too_many_args;         /* more than FC_REQ_MAX_ARGS were sent */
    const char *content_type;  /* NULL when absent */
    const char *authorization; /* NULL when absent */
    const char *body;          /* NULL or body_len bytes */
    size_t body_len;
    fc_err recv_err;    /* FC_ETOOBIG: the body passed the cap and
                           was discarded; FC_ENOMEM */
    const char *client; /* peer address text, for the rate limit;
                           NULL when unknown */
};

/* What to send. Filled by fc_api_handle; freed by fc_reply_fini. */
struct fc_reply {
    int status;
    const char *content_type; /* static string */
    char *body;               /* malloc'ed (owned), or NULL for none */
    size_t body_len;
    char *file_path;     /* malloc'ed: send this file instead */
    char allow[64];      /* Allow header when not "" */
    char location[128];  /* Location header when not "" */
    int auth_challenge;  /* add WWW-Authenticate: Bearer */
    int retry_after_s;   /* Retry-After when > 0 */
    enum fc_route route; /* for metrics */
};

void fc_reply_init(struct fc_reply *rep);
void fc_reply_fini(struct fc_reply *rep);
/* Makes rep an RFC 9457 problem for rc (status fc_err_http(rc)). */
void fc_reply_problem(struct fc_reply *rep, fc_err rc, const char *detail);

struct fc_app; /* opaque */

/* A new application; keeps cfg (it must outlive the app). Not ready until
 * fc_app_open_db. FC_ENOMEM. */
fc_err fc_app_new(const struct fc_config *cfg, struct fc_app **out);
/* Opens cfg->db once per HTTP thread (plus one), migrating it, publishes
 * the stored champion models in the registry, starts the trainer thread
 * (fc_trainer_start: interrupted jobs are queued again), then marks the
 * app ready. Creates the database's directory if missing. Errors of
 * fc_store_open and fc_trainer_start; reason in d. Call once, before or
 * after the HTTP layer
 * starts (requests needing the DB get 503 until then). */
fc_err fc_app_open_db(struct fc_app *app, struct fc_diag *d);
/* Stops the trainer at its next batch boundary (its job goes back to
 * queued) and joins it. Call after the HTTP layer stopped, so that no
 * request submits to a stopped trainer. Idempotent; NULL-safe. */
void fc_app_stop_trainer(struct fc_app *app);
/* Stops the trainer if still running, closes the connections. Call after
 * the HTTP layer stopped. NULL-safe. */
void fc_app_free(struct fc_app *app);

struct fc_telemetry *fc_app_telemetry(struct fc_app *app);
const struct fc_config *fc_app_config(const struct fc_app *app);

/* Routes and answers one request. Never fails: errors become problems.
 * Thread-safe: called from every HTTP thread at once. */
void fc_api_handle(struct fc_app *app, const struct fc_req *req,
                   struct fc_reply *rep);

/* The OpenAPI 3.1 document (http/openapi.c), NUL-terminated. */
extern const char fc_openapi_json[];

#endif
