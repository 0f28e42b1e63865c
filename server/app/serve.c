/* serve.c — `forecastd serve`, `forecastd import`, `forecastd config`.
 *
 * Start-up order for serve: settings (file < environment < flags, checked
 * once), signals blocked in every thread, the HTTP daemon listening (so
 * /healthz answers and /readyz says 503 at once), then the database opened
 * and migrated (a PostgreSQL server that does not answer yet is waited
 * for), the champions published and the trainer started, then ready. The main
 * thread then waits for SIGINT or SIGTERM and shuts down in reverse: stop
 * accepting, let requests in flight finish, join the HTTP threads, stop the
 * trainer at its next batch (its job goes back to queued), close the database;
 * exit 0. The signals are caught by a handler that writes one byte to a pipe
 * the main thread reads (the self-pipe trick), not by sigwait() with blocked
 * signals: OpenBLAS starts its threads before main() with nothing blocked, and
 * a process-directed SIGTERM delivered to one of them would kill the process
 * with the default action.
 * `import` runs the very function the ingest handler runs (series.c) on a
 * file, and prints the same JSON. */
#include "serve.h"

#include "api.h"
#include "config_file.h"
#include "config.h"
#include "fileio.h"
#include "gemm.h"
#include "http.h"
#include "json_io.h"
#include "series.h"
#include "store.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A flag of a subcommand and the key it sets ("" = handled by the caller). */
struct flag {
    const char *name; /* "--port" */
    const char *key;  /* "port" */
};

/* Written by the signal handler, read by the main thread. */
static int stop_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;
    ssize_t n = write(stop_pipe[1], &b, 1); /* async-signal-safe */
    (void)n;
    errno = saved;
}

/* Blocks until SIGINT or SIGTERM arrives; returns the signal. */
static int wait_for_stop(void)
{
    unsigned char b = 0;
    for (;;) {
        ssize_t n = read(stop_pipe[0], &b, 1);
        if (n == 1)
            return b;
        if (n < 0 && errno == EINTR)
            continue;
        return SIGTERM; /* the pipe broke: stop anyway */
    }
}

static int catch_stop_signals(void)
{
    struct sigaction sa;
    if (pipe(stop_pipe) != 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: under ThreadSanitizer a handler runs only when its
     * thread next enters an intercepted call, so a read() of the pipe that
     * the kernel restarts never returns and SIGTERM hung the TSan build
     * (scripts/test's TSan pass). Without it read() fails with EINTR, the
     * loop in wait_for_stop() reads again, and the handler runs first.
     * A call of another thread the signal interrupts gets EINTR instead of
     * a restart: SQLite and libmicrohttpd retry on it, and the process is
     * stopping anyway. */
    sa.sa_flags = 0;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static const struct flag serve_flags[] = {
    {"--config", ""}, {"--bind", "bind"},       {"--port", "port"},
    {"--db", "db"},   {"--api-key", "api_key"}, {NULL, NULL},
};

/* Loads the settings: defaults, then the file (--config, else
 * FORECASTD_CONFIG, else ./config/forecastd.json when present), then the
 * environment, then the flags given in vals[] (NULL = not given). */
static int load_config(struct fc_config *cfg, const struct flag *flags,
                       const char *const *vals)
{
    struct fc_diag d;
    fc_err rc;
    const char *path = NULL;
    int explicit_path = 1;

    fc_diag_init(&d);
    fc_config_defaults(cfg);
    for (int i = 0; flags[i].name != NULL; i++)
        if (strcmp(flags[i].name, "--config") == 0 && vals[i] != NULL)
            path = vals[i];
    if (path == NULL)
        path = getenv("FORECASTD_CONFIG");
    if (path == NULL || path[0] == '\0') {
        path = "./config/forecastd.json";
        explicit_path = 0;
    }
    if (explicit_path || access(path, F_OK) == 0) {
        rc = fc_config_load_file(cfg, path, &d);
        if (rc != FC_OK)
            goto fail;
    }
    rc = fc_config_load_env(cfg, &d);
    if (rc != FC_OK)
        goto fail;
    for (int i = 0; flags[i].name != NULL; i++) {
        if (vals[i] == NULL || flags[i].key[0] == '\0')
            continue;
        rc = fc_config_set_text(cfg, flags[i].key, vals[i], flags[i].name, &d);
        if (rc != FC_OK)
            goto fail;
    }
    rc = fc_config_validate(cfg, &d);
    if (rc != FC_OK)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "forecastd: config error: %s\n", d.msg);
    return 2;
}

int fc_load_config(struct fc_config *cfg, const char *config_path,
                   const char *db)
{
    static const struct flag flags[] = {
        {"--config", ""}, {"--db", "db"}, {NULL, NULL}};
    const char *vals[2] = {config_path, db};
    return load_config(cfg, flags, vals);
}

/* Parses "--name value" and "--name=value" for the flags; positional
 * arguments go to pos[] (up to n_pos). Returns 0, or 2 after a message. */
static int parse_flags(int argc, char **argv, const struct flag *flags,
                       const char **vals, const char **pos, int n_pos,
                       int *n_pos_out)
{
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
            if (np >= n_pos) {
                fprintf(stderr, "forecastd %s: unexpected argument '%s'\n",
                        argv[0], a);
                return 2;
            }
            pos[np++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t n = eq != NULL ? (size_t)(eq - a) : strlen(a);
        int k = -1;
        for (int j = 0; flags[j].name != NULL; j++)
            if (strlen(flags[j].name) == n && strncmp(flags[j].name, a, n) == 0)
                k = j;
        if (k < 0) {
            fprintf(stderr, "forecastd %s: unknown option '%.*s'\n", argv[0],
                    (int)n, a);
            return 2;
        }
        if (eq != NULL) {
            vals[k] = eq + 1;
        } else if (i + 1 < argc) {
            vals[k] = argv[++i];
        } else {
            fprintf(stderr, "forecastd %s: %s needs a value\n", argv[0], a);
            return 2;
        }
    }
    if (n_pos_out != NULL)
        *n_pos_out = np;
    return 0;
}

/* Opens the database for the app. A PostgreSQL server that does not
 * answer yet (down, starting, restarting) is waited for, with a backoff
 * of 0.1 s doubling to 5 s, while /healthz answers and /readyz says 503;
 * a signal ends the wait. Returns 0 when the app is ready, the signal
 * that ended the wait, or -1 on an error that waiting does not mend (a
 * bad URI, a refused password or database, a failed migration: reason
 * in d). */
static int open_db(struct fc_app *app, const struct fc_config *cfg,
                   const char *db_shown, struct fc_diag *d)
{
    int wait_ms = 100;
    int said = 0;

    for (;;) {
        fc_diag_init(d);
        fc_err rc = fc_app_open_db(app, d);
        if (rc == FC_OK)
            return 0;
        if (rc != FC_EUNAVAIL || !fc_store_open_may_wait(cfg->db))
            return -1;
        if (!said)
            fprintf(stderr,
                    "forecastd: database %s: %s; waiting for it "
                    "(/readyz answers 503 until then)\n",
                    db_shown, d->msg);
        said = 1;
        struct pollfd p = {.fd = stop_pipe[0], .events = POLLIN};
        if (poll(&p, 1, wait_ms) > 0)
            return wait_for_stop();
        wait_ms = wait_ms * 2 > 5000 ? 5000 : wait_ms * 2;
    }
}

int fc_cmd_serve(int argc, char **argv)
{
    struct fc_config *cfg = malloc(sizeof *cfg);
    const char *vals[8] = {NULL};
    struct fc_app *app = NULL;
    struct fc_http *http = NULL;
    struct fc_diag d;
    int port = 0;
    int code;

    if (cfg == NULL)
        return 1;
    fc_diag_init(&d);
    code = parse_flags(argc, argv, serve_flags, vals, NULL, 0, NULL);
    if (code == 0)
        code = load_config(cfg, serve_flags, vals);
    if (code != 0)
        goto done;
    fc_blas_set_threads(cfg->blas_threads);
    struct fc_store_opts so = {cfg->pg_statement_timeout_ms,
                               cfg->pg_connect_timeout_s};
    fc_store_configure(&so);

    code = 1;
    if (catch_stop_signals() != 0) {
        perror("forecastd: signals");
        goto done;
    }
    if (fc_app_new(cfg, &app) != FC_OK)
        goto done;
    if (fc_http_start(app, &http, &port, &d) != FC_OK) {
        fprintf(stderr, "forecastd: %s\n", d.msg);
        goto done;
    }
    fprintf(stderr, "forecastd: listening on http://%s%s%s:%d/ (%d threads)\n",
            strchr(cfg->bind, ':') != NULL ? "[" : "", cfg->bind,
            strchr(cfg->bind, ':') != NULL ? "]" : "", port, cfg->http_threads);
    /* The db setting as logged: a connection URI without its password. */
    char db_shown[1100];
    fc_store_db_redact(cfg->db, db_shown, sizeof db_shown);
    int sig = open_db(app, cfg, db_shown, &d);
    if (sig < 0) {
        fprintf(stderr, "forecastd: database %s: %s\n", db_shown, d.msg);
        goto done;
    }
    if (sig == 0) {
        fprintf(stderr, "forecastd: ready (database %s)\n", db_shown);
        sig = wait_for_stop();
    }
    fprintf(stderr, "forecastd: %s received, shutting down\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    code = 0;
done:
    /* Shutdown order: stop accepting and finish the requests in
     * flight, then stop the trainer at its next batch boundary (its job
     * goes back to queued), then close the database. */
    fc_http_stop(http, 10000);
    fc_app_stop_trainer(app);
    fc_app_free(app);
    free(cfg);
    if (code == 0 && http != NULL)
        fprintf(stderr, "forecastd: stopped\n");
    return code;
}

int fc_cmd_import(int argc, char **argv)
{
    static const struct flag flags[] = {
        {"--config", ""},   {"--ticker", ""}, {"--db", "db"},
        {"--on-error", ""}, {NULL, NULL},
    };
    struct fc_config *cfg = malloc(sizeof *cfg);
    const char *vals[5] = {NULL};
    const char *pos[1] = {NULL};
    int n_pos = 0;
    char ticker[FC_TICKER_SIZE];
    struct fc_store *st = NULL;
    struct fc_diag d;
    char *text = NULL;
    size_t len = 0;
    char *json = NULL;
    size_t json_len = 0;
    int skip = 0;
    int code;

    if (cfg == NULL)
        return 1;
    fc_diag_init(&d);
    code = parse_flags(argc, argv, flags, vals, pos, 1, &n_pos);
    if (code != 0)
        goto done;
    code = 2;
    if (vals[1] == NULL || n_pos != 1) {
        fprintf(stderr, "usage: forecastd import --ticker T [--db PATH] "
                        "[--on-error reject|skip] FILE.csv\n");
        goto done;
    }
    if (!fc_ticker_normalize(vals[1], ticker)) {
        fprintf(stderr,
                "forecastd import: invalid ticker '%s': use 1-16 "
                "characters of A-Z 0-9 . - ^ =\n",
                vals[1]);
        goto done;
    }
    if (vals[3] != NULL && strcmp(vals[3], "skip") == 0) {
        skip = 1;
    } else if (vals[3] != NULL && strcmp(vals[3], "reject") != 0) {
        fprintf(stderr, "forecastd import: --on-error is reject or skip\n");
        goto done;
    }
    code = load_config(cfg, flags, vals);
    if (code != 0)
        goto done;
    struct fc_store_opts so = {cfg->pg_statement_timeout_ms,
                               cfg->pg_connect_timeout_s};
    fc_store_configure(&so);
    code = 1;
    if (fc_read_file(pos[0], SIZE_MAX, &text, &len, &d) != FC_OK ||
        fc_store_open(cfg->db, &st, &d) != FC_OK) {
        fprintf(stderr, "forecastd import: %s\n", d.msg);
        goto done;
    }
    fc_err rc = fc_series_ingest(st, ticker, FC_BODY_CSV, text, len, skip, NULL,
                                 &json, &json_len);
    if (json != NULL)
        printf("%s\n", json);
    if (rc != FC_OK)
        fprintf(stderr, "forecastd import: %s (%s)\n", fc_err_text(rc),
                fc_err_str(rc));
    code = rc == FC_OK ? 0 : 1;
done:
    free(json);
    free(text);
    fc_store_close(st);
    free(cfg);
    return code;
}

int fc_cmd_config(int argc, char **argv)
{
    struct fc_config *cfg = malloc(sizeof *cfg);
    const char *vals[8] = {NULL};
    int code;

    if (cfg == NULL)
        return 1;
    code = parse_flags(argc, argv, serve_flags, vals, NULL, 0, NULL);
    if (code == 0)
        code = load_config(cfg, serve_flags, vals);
    if (code == 0) {
        char *json = fc_json_config(cfg, NULL);
        if (json != NULL)
            printf("%s\n", json);
        code = json != NULL ? 0 : 1;
        free(json);
    }
    free(cfg);
    return code;
}
