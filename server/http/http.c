/* http.c — libmicrohttpd glue: request lifecycle, body cap, responses,
 * CORS, the access log and request metrics.
 *
 * Lifecycle: the first access-handler call only
 * allocates the request state and returns MHD_YES; body chunks are appended
 * (or counted and dropped once over the cap); the last call, with no data,
 * builds a struct fc_req, lets the application answer, and queues the
 * response. The state is freed in the completion callback, which also logs
 * and counts the request, so even aborted requests are logged. This file
 * and nothing else includes microhttpd.h; it knows no route or handler.
 *
 * Slow clients: libmicrohttpd closes a connection idle for
 * connection_timeout_seconds, but a client that trickles its headers a
 * byte at a time more often than that would hold its connection for ever
 * (slowloris). So every connection is also watched (notify_connection): a
 * request's headers must all arrive within connection_timeout_seconds of
 * the connection opening or of its previous request ending; a watchdog
 * thread shuts the socket of one that is late, and libmicrohttpd then
 * closes it as it would any dead connection. Uploads (after the headers)
 * and idle keep-alive connections are left to the idle timeout.
 *
 * Requests too large for CONN_MEMORY are refused by libmicrohttpd before
 * the request reaches us (414, 431); its own HTML answers are swapped for
 * problem+json ones on their way out (see MHD_queue_response below). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "http.h"

#include "api_int.h"
#include "buf.h"
#include "json_io.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

/* One open connection, from libmicrohttpd's "started" notification to its
 * "closed" one (which comes before the socket is closed, so the watchdog
 * never shuts a reused descriptor). Fields are guarded by fc_http.watch_mu. */
struct conn_watch {
    int fd;
    int in_request;        /* headers complete, request not yet finished */
    int cut;               /* the watchdog shut it already */
    struct timespec since; /* connection opened or previous request ended */
    struct conn_watch *prev, *next;
    struct fc_http *h; /* set once, before the connection is served */
    int lib_status;    /* libmicrohttpd's own answer (414, 431), for the
                          log; the connection's thread only */
};

/* libmicrohttpd's memory per connection: the request line and headers
 * must fit in it (larger ones get 414 or 431), and it zeroes the part in
 * use after every request on a keep-alive connection. At 256 KB that
 * memset was 46 % of the server's CPU under load (45k req/s on /predict),
 * at 64 KB still 14 %; 32 KB (libmicrohttpd's default) is also nginx's
 * default header room (4 x 8 KB). Request bodies do not live here (they
 * are copied out as they arrive). */
#define CONN_MEMORY (32 * 1024)
#define CONN_MEMORY_TEXT "32768 bytes (32 KB)"

struct fc_http {
    struct MHD_Daemon *daemon;
    struct fc_app *app;          /* borrowed */
    const struct fc_config *cfg; /* borrowed */
    atomic_int in_flight;        /* requests between first call and done */
    pthread_mutex_t watch_mu;
    pthread_cond_t watch_cv;    /* signalled to stop the watchdog */
    struct conn_watch *watched; /* open connections, guarded by watch_mu */
    int watch_stop;             /* guarded by watch_mu */
    int watchdog_running;
    pthread_t watchdog;
    atomic_int offloaded; /* requests answered on their own thread */
    /* The problem+json answers that replace libmicrohttpd's own 414 and
     * 431 (see MHD_queue_response below); queued on any connection. */
    struct MHD_Response *uri_too_long;
    struct MHD_Response *headers_too_large;
};

/* One request, from the first access-handler call to completion. */
struct conn_req {
    struct fc_buf body; /* capped at max_body_bytes */
    uint64_t seen;      /* body bytes received, kept or dropped */
    fc_err recv_err;    /* first receive error: FC_ETOOBIG, FC_ENOMEM */
    struct timespec t0; /* first call */
    int started;        /* the access handler has seen it */
    int nul_in_uri;     /* "%00" in the raw URI: the decoded path that
                           libmicrohttpd hands over would be cut at it */
    int status;         /* queued status, 0 if none was */
    enum fc_route route;
    /* A large body is answered on a thread of its own (see on_access):
     * set, with resp, by that thread before it resumes the connection. */
    atomic_int offload;        /* 1 while the thread runs, 2 once resp is ready
                                  (stored with release after resp) */
    struct MHD_Response *resp; /* the answer to queue, or NULL: close */
    char method[16];
    char path[256]; /* for the log: the raw path (no query), cut,
                       control bytes escaped */
};

/* Past the cap, a body is read and dropped so the client can read its 413
 * on a healthy connection; past this much more, the connection is cut. */
#define DISCARD_EXTRA ((uint64_t)16 << 20)

/* Bodies of at least this many bytes (a large ingest) are answered on a
 * thread of their own while the connection is suspended. Answered inline,
 * the pool thread that owns the connection would spend the whole parse and
 * insert (about a second for 300,000 rows) in the handler, and any other
 * connection it had just accepted would wait that long for its answer. */
#define OFFLOAD_BYTES ((uint64_t)256 << 10)

static uint64_t elapsed_us(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    int64_t us = (int64_t)(t.tv_sec - t0->tv_sec) * 1000000 +
                 (t.tv_nsec - t0->tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

/* The watch of conn (NULL if its notification found no memory). */
static struct conn_watch *watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

/* A request's headers are complete (in = 1) or it has ended (in = 0: the
 * next request's header deadline starts now). */
static void watch_request(struct fc_http *h, struct MHD_Connection *conn,
                          int in)
{
    struct conn_watch *w = watch_of(conn);
    if (w == NULL)
        return;
    pthread_mutex_lock(&h->watch_mu);
    w->in_request = in;
    if (!in)
        clock_gettime(CLOCK_MONOTONIC, &w->since);
    pthread_mutex_unlock(&h->watch_mu);
}

static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct fc_http *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_watch *w = calloc(1, sizeof *w);
        *socket_context = w;
        if (w == NULL || ci == NULL) {
            free(w);
            *socket_context = NULL;
            return; /* unwatched: the idle timeout still applies */
        }
        w->fd = ci->connect_fd;
        w->h = h;
        clock_gettime(CLOCK_MONOTONIC, &w->since);
        pthread_mutex_lock(&h->watch_mu);
        w->next = h->watched;
        if (h->watched != NULL)
            h->watched->prev = w;
        h->watched = w;
        pthread_mutex_unlock(&h->watch_mu);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn_watch *w = *socket_context;
        if (w == NULL)
            return;
        pthread_mutex_lock(&h->watch_mu);
        if (w->prev != NULL)
            w->prev->next = w->next;
        else
            h->watched = w->next;
        if (w->next != NULL)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&h->watch_mu);
        free(w);
        *socket_context = NULL;
    }
}

/* Four times a second: shut the sockets of connections whose request
 * headers are late. */
static void *watchdog(void *arg)
{
    struct fc_http *h = arg;
    const int64_t limit_us =
        (int64_t)h->cfg->connection_timeout_seconds * 1000000;

    pthread_mutex_lock(&h->watch_mu);
    while (!h->watch_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        int rc = pthread_cond_timedwait(&h->watch_cv, &h->watch_mu, &until);
        if (h->watch_stop)
            break;
        if (rc != 0 && rc != ETIMEDOUT)
            continue;
        int cut = 0;
        for (struct conn_watch *w = h->watched; w != NULL; w = w->next) {
            if (w->in_request || w->cut ||
                (int64_t)elapsed_us(&w->since) < limit_us)
                continue;
            shutdown(w->fd, SHUT_RDWR);
            w->cut = 1;
            cut++;
        }
        if (cut > 0)
            fprintf(stderr,
                    "closed %d connection(s) whose request headers took "
                    "over connection_timeout_seconds (%d s)\n",
                    cut, h->cfg->connection_timeout_seconds);
    }
    pthread_mutex_unlock(&h->watch_mu);
    return NULL;
}

/* The current second as RFC 3339 UTC, formatted once per second per
 * thread (gmtime_r and strftime on every request were 2-3 % of the CPU
 * under load). */
static const char *log_time(void)
{
    static _Thread_local time_t last = -1;
    static _Thread_local char ts[32];
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        last = now;
    }
    return ts;
}

/* The path as logged: printable ASCII except space, quote and backslash,
 * which are %-escaped like control bytes; at most 255 bytes. */
static void log_path(const char *url, char out[256])
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)url;
         *p != '\0' && o + 4 < 256; p++) {
        if (*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

/* MHD_OPTION_URI_LOG_CALLBACK: the first look at a request, with its raw
 * URI. Its return value becomes the request's *req_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls, (void)conn;
    struct conn_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    atomic_init(&r->offload, 0);
    snprintf(r->method, sizeof r->method, "-");
    r->route = FC_ROUTE_NONE;
    char raw[256];
    size_t n = strcspn(uri, "?");
    snprintf(raw, sizeof raw, "%.*s", (int)(n < 255 ? n : 255), uri);
    log_path(raw, r->path);
    for (const char *p = uri; *p != '\0'; p++)
        if (p[0] == '%' && p[1] == '0' && p[2] == '0')
            r->nul_in_uri = 1;
    return r;
}

/* The first access-handler call: headers are known. */
static void req_start(const struct fc_http *h, struct conn_req *r,
                      struct MHD_Connection *conn, const char *method)
{
    r->started = 1;
    snprintf(r->method, sizeof r->method, "%s", method);
    fc_buf_init(&r->body, (size_t)h->cfg->max_body_bytes);
    /* A declared length over the cap is refused before any byte is kept;
     * a declared length under it sizes the buffer once. */
    const char *cl = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end == '\0' && n > (unsigned long long)h->cfg->max_body_bytes) {
            r->recv_err = FC_ETOOBIG;
        } else if (*end == '\0' && n > 0) {
            fc_buf_reserve(&r->body, (size_t)n);
        }
    }
}

/* A body chunk: kept while under the cap; past it, counted and dropped
 * (the first error stays in recv_err for the reply). */
static void req_append(struct conn_req *r, const char *data, size_t n)
{
    r->seen += n;
    if (r->recv_err != FC_OK)
        return;
    r->recv_err = fc_buf_append(&r->body, data, n);
    if (r->recv_err != FC_OK)
        fc_buf_fini(&r->body);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
    struct fc_req *req = cls;
    (void)kind;
    if (req->n_args >= FC_REQ_MAX_ARGS) {
        req->too_many_args = 1;
        return MHD_NO;
    }
    req->args[req->n_args].key = key;
    req->args[req->n_args].value = value != NULL ? value : "";
    req->n_args++;
    return MHD_YES;
}

static void client_text(struct MHD_Connection *conn, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, out, 64);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, 64);
    }
}

static struct MHD_Response *make_response(struct fc_reply *rep)
{
    struct MHD_Response *resp = NULL;

    if (rep->file_path != NULL) {
        int fd = open(rep->file_path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
            resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
            if (resp == NULL)
                close(fd);
        } else if (fd >= 0) {
            close(fd);
        }
        if (resp == NULL) {
            fc_reply_fini(rep);
            fc_reply_problem(rep, FC_ENOTFOUND, "the file went away");
        }
    }
    if (resp == NULL && rep->body != NULL) {
        resp = MHD_create_response_from_buffer(rep->body_len, rep->body,
                                               MHD_RESPMEM_MUST_FREE);
        if (resp != NULL)
            rep->body = NULL; /* libmicrohttpd frees it now */
    }
    if (resp == NULL)
        resp = MHD_create_response_from_buffer(0, (void *)"",
                                               MHD_RESPMEM_PERSISTENT);
    return resp;
}

static void add_headers(const struct fc_http *h, const char *method,
                        const struct fc_reply *rep, struct MHD_Response *resp)
{
    char num[32];

    if (rep->content_type != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                rep->content_type);
    if (rep->allow[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep->allow);
    if (rep->location[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, rep->location);
    if (rep->auth_challenge)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"forecastd\"");
    if (rep->retry_after_s > 0) {
        snprintf(num, sizeof num, "%d", rep->retry_after_s);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
    }
    if (h->cfg->cors_origin[0] != '\0') {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin",
                                h->cfg->cors_origin);
        MHD_add_response_header(resp, "Vary", "Origin");
        MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                "Location, Retry-After");
        if (strcmp(method, "OPTIONS") == 0) {
            MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                                    rep->allow[0] != '\0' ? rep->allow : "GET");
            MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                    "Authorization, Content-Type");
            MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
        }
    }
}

/* The request's answer as a response to queue (NULL when out of memory:
 * close the connection); the status and route go to r for the log. */
static struct MHD_Response *build_answer(struct fc_http *h,
                                         struct MHD_Connection *conn,
                                         const char *method, const char *url,
                                         struct conn_req *r)
{
    struct fc_req req;
    struct fc_reply rep;
    char client[64];

    memset(&req, 0, sizeof req);
    req.method = method;
    req.path = url;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &req);
    req.content_type = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    req.authorization = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    req.body = r->body.data;
    req.body_len = r->body.len;
    req.recv_err = r->recv_err;
    client_text(conn, client);
    req.client = client[0] != '\0' ? client : NULL;

    if (r->nul_in_uri) {
        fc_reply_init(&rep);
        fc_reply_problem(&rep, FC_EBADREQ, "the URI contains a NUL byte (%00)");
    } else {
        fc_api_handle(h->app, &req, &rep);
    }

    struct MHD_Response *resp = make_response(&rep);
    if (resp != NULL) {
        add_headers(h, method, &rep, resp);
        r->status = rep.status;
        r->route = rep.route;
    }
    fc_reply_fini(&rep);
    return resp;
}

/* libmicrohttpd's MHD_queue_response, looked up once (fc_http_start). */
typedef enum MHD_Result (*queue_fn)(struct MHD_Connection *, unsigned int,
                                    struct MHD_Response *);
static queue_fn real_queue;
static pthread_once_t real_queue_once = PTHREAD_ONCE_INIT;

static void find_real_queue(void)
{
    real_queue = (queue_fn)dlsym(RTLD_NEXT, "MHD_queue_response");
}

/* A request line, or request line and headers, that does not fit in
 * CONN_MEMORY is answered by libmicrohttpd itself before any callback of
 * ours sees the request (the URI callback needs a whole request line; the
 * access handler, whole headers). 0.9.75 (Debian 12's) queues a fixed
 * HTML body with 414 or 431 and has no option to change it, but it queues
 * it through its own exported MHD_queue_response, a call that goes
 * through the library's PLT: this definition, in the executable, is the
 * one that call reaches. It swaps those two answers for problem+json ones
 * naming the limit and passes everything else to the library unchanged.
 * The answers of this file call real_queue directly, so only the
 * library's own calls land here (in 0.9.75 all of them are its error
 * answers: 400, 413, 414, 431, 500, 505). A library built to bind its own
 * calls (-Bsymbolic) would bypass this and send its HTML again:
 * tests/api/test_abuse.py checks the media type. */
enum MHD_Result MHD_queue_response(struct MHD_Connection *conn,
                                   unsigned int status,
                                   struct MHD_Response *resp)
{
    struct conn_watch *w = watch_of(conn);

    if (real_queue == NULL)
        return MHD_NO;
    if (w != NULL && (status == 414 || status == 431)) {
        struct MHD_Response *mine =
            status == 414 ? w->h->uri_too_long : w->h->headers_too_large;
        if (mine != NULL)
            resp = mine;
        w->lib_status = (int)status;
    }
    return real_queue(conn, status, resp);
}

/* The problem answer for libmicrohttpd's own 414 or 431 (NULL when out of
 * memory: the library's HTML then goes out). */
static struct MHD_Response *too_big_answer(const struct fc_http *h, int status,
                                           const char *detail)
{
    struct fc_reply rep;
    struct MHD_Response *resp = NULL;
    size_t len = 0;

    fc_reply_init(&rep);
    rep.status = status;
    rep.content_type = FC_CT_PROBLEM;
    rep.body = fc_json_problem(status, detail, NULL, NULL, &len);
    rep.body_len = len;
    if (rep.body != NULL)
        resp = make_response(&rep);
    if (resp != NULL)
        add_headers(h, "GET", &rep, resp);
    fc_reply_fini(&rep);
    return resp;
}

/* Queues resp (from build_answer) on conn and lets go of it. */
static enum MHD_Result queue_answer(struct MHD_Connection *conn,
                                    struct conn_req *r,
                                    struct MHD_Response *resp)
{
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result ok = real_queue(conn, (unsigned int)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

struct offload {
    struct fc_http *h;
    struct MHD_Connection *conn;
    struct conn_req *r;
    const char *method; /* libmicrohttpd's, valid while the request lives */
    const char *url;
};

/* The thread of one offloaded request: the answer, then the connection
 * back to its pool thread, which queues it (on_access, offload == 2). */
static void *offload_main(void *arg)
{
    struct offload *o = arg;
    struct fc_http *h = o->h;

    o->r->resp = build_answer(h, o->conn, o->method, o->url, o->r);
    atomic_store_explicit(&o->r->offload, 2, memory_order_release);
    MHD_resume_connection(o->conn);
    free(o);
    atomic_fetch_sub(&h->offloaded, 1);
    return NULL;
}

/* Suspends conn and answers r on a detached thread; 0 if that cannot be
 * done (the caller answers inline). */
static int offload(struct fc_http *h, struct MHD_Connection *conn,
                   const char *method, const char *url, struct conn_req *r)
{
    struct offload *o = malloc(sizeof *o);
    pthread_attr_t attr;
    pthread_t tid;
    int ok = 0;

    if (o == NULL)
        return 0;
    *o = (struct offload){h, conn, r, method, url};
    atomic_store(&r->offload, 1);
    atomic_fetch_add(&h->offloaded, 1);
    MHD_suspend_connection(conn);
    if (pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ok = pthread_create(&tid, &attr, offload_main, o) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!ok) {
        MHD_resume_connection(conn);
        atomic_fetch_sub(&h->offloaded, 1);
        atomic_store(&r->offload, 0);
        free(o);
    }
    return ok;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **req_cls)
{
    struct fc_http *h = cls;
    struct conn_req *r = *req_cls;
    (void)version;

    if (r == NULL)
        return MHD_NO; /* on_uri ran out of memory */
    if (!r->started) {
        /* First call: headers only. Never answer here. */
        req_start(h, r, conn, method);
        watch_request(h, conn, 1);
        atomic_fetch_add(&h->in_flight, 1);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        req_append(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        if (r->seen > (uint64_t)h->cfg->max_body_bytes * 2 + DISCARD_EXTRA)
            return MHD_NO; /* a client that will not stop: cut it */
        return MHD_YES;
    }
    int off = atomic_load_explicit(&r->offload, memory_order_acquire);
    if (off == 2) /* resumed: its thread has the answer ready */
        return queue_answer(conn, r, r->resp);
    if (off == 0 && r->seen >= OFFLOAD_BYTES &&
        offload(h, conn, method, url, r))
        return MHD_YES;
    return queue_answer(conn, r, build_answer(h, conn, method, url, r));
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct fc_http *h = cls;
    struct conn_req *r = *req_cls;
    char line[512];

    watch_request(h, conn, 0);
    if (r == NULL)
        return;
    if (r->status == 0) {
        const struct conn_watch *w = watch_of(conn);
        if (w != NULL)
            r->status = w->lib_status; /* 431 (a 414 has no request yet) */
    }
    uint64_t us = elapsed_us(&r->t0);
    int n = snprintf(line, sizeof line,
                     "ts=%s method=%s path=\"%s\" status=%d us=%llu "
                     "bytes_in=%llu%s\n",
                     log_time(), r->method, r->path, r->status,
                     (unsigned long long)us, (unsigned long long)r->seen,
                     toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
                                                                : " aborted=1");
    /* One write per line (lines stay whole: a pipe or file write of this
     * size is not split), without stdio's lock and its unbuffered-stream
     * detour on stderr. */
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        line[len - 1] = '\n';
        if (write(STDERR_FILENO, line, len) < 0) {
            /* the log is gone (closed stderr): nothing to report it to */
        }
    }
    fc_telemetry_request(fc_app_telemetry(h->app), r->route, r->status, us);
    if (r->started)
        atomic_fetch_sub(&h->in_flight, 1);
    fc_buf_fini(&r->body);
    free(r);
    *req_cls = NULL;
}

static void destroy_answers(struct fc_http *h)
{
    if (h->uri_too_long != NULL)
        MHD_destroy_response(h->uri_too_long);
    if (h->headers_too_large != NULL)
        MHD_destroy_response(h->headers_too_large);
}

fc_err fc_http_start(struct fc_app *app, struct fc_http **out, int *port_out,
                     struct fc_diag *d)
{
    const struct fc_config *cfg = fc_app_config(app);
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    const struct sockaddr *sa;
    unsigned int flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC |
                         MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

    memset(&in4, 0, sizeof in4);
    memset(&in6, 0, sizeof in6);
    if (inet_pton(AF_INET, cfg->bind, &in4.sin_addr) == 1) {
        in4.sin_family = AF_INET;
        in4.sin_port = htons((uint16_t)cfg->port);
        sa = (const struct sockaddr *)&in4;
    } else if (inet_pton(AF_INET6, cfg->bind, &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)cfg->port);
        sa = (const struct sockaddr *)&in6;
        flags |= MHD_USE_IPv6;
    } else {
        return fc_diag_set(
            d, FC_EIO, "bind: '%s' is not an IPv4 or IPv6 address", cfg->bind);
    }
    pthread_once(&real_queue_once, find_real_queue);
    if (real_queue == NULL)
        return fc_diag_set(d, FC_EIO,
                           "libmicrohttpd's MHD_queue_response "
                           "cannot be found");
    struct fc_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return FC_ENOMEM;
    h->app = app;
    h->cfg = cfg;
    h->uri_too_long =
        too_big_answer(h, 414,
                       "the request line is longer than the " CONN_MEMORY_TEXT
                       " a request's line and headers may take together");
    h->headers_too_large = too_big_answer(
        h, 431,
        "the request line and headers take more than the " CONN_MEMORY_TEXT
        " a request may use for them (each header also takes room beside "
        "its text)");
    atomic_init(&h->in_flight, 0);
    atomic_init(&h->offloaded, 0);
    pthread_mutex_init(&h->watch_mu, NULL);
    pthread_cond_init(&h->watch_cv, NULL);
    h->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_access, h,
        MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)cfg->http_threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)cfg->connection_timeout_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, h, MHD_OPTION_END);
    if (h->daemon == NULL) {
        destroy_answers(h);
        pthread_cond_destroy(&h->watch_cv);
        pthread_mutex_destroy(&h->watch_mu);
        free(h);
        return fc_diag_set(d, FC_EIO, "cannot listen on %s:%d (in use?)",
                           cfg->bind, cfg->port);
    }
    if (pthread_create(&h->watchdog, NULL, watchdog, h) == 0)
        h->watchdog_running = 1;
    else
        fprintf(stderr, "warning: no slow-client watchdog thread; only the "
                        "idle timeout applies\n");
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port_out = info != NULL ? (int)info->port : cfg->port;
    *out = h;
    return FC_OK;
}

void fc_http_stop(struct fc_http *h, int drain_ms)
{
    if (h == NULL)
        return;
    /* Stop accepting; the listening socket becomes ours to close. */
    MHD_socket lsock = MHD_quiesce_daemon(h->daemon);
    for (int waited = 0; atomic_load(&h->in_flight) > 0 && waited < drain_ms;
         waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* libmicrohttpd must not be stopped with a connection suspended: an
     * offloaded request is waited for, however long its handler takes. */
    while (atomic_load(&h->offloaded) > 0) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (h->watchdog_running) {
        pthread_mutex_lock(&h->watch_mu);
        h->watch_stop = 1;
        pthread_cond_signal(&h->watch_cv);
        pthread_mutex_unlock(&h->watch_mu);
        pthread_join(h->watchdog, NULL);
    }
    MHD_stop_daemon(h->daemon); /* closes the rest: their watches go too */
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    destroy_answers(h);
    pthread_cond_destroy(&h->watch_cv);
    pthread_mutex_destroy(&h->watch_mu);
    free(h);
}
