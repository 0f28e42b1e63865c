/* telemetry.h — the service's counters (GET /metrics), as Prometheus text.
 *
 * Fixed arrays of C11 atomics indexed by route and status: recording a
 * request is two relaxed atomic adds, with no lock and no allocation, so
 * the metrics cost nothing measurable on the request path. Routes are the
 * templates of the router ("/series/{ticker}/bars"), never raw paths, so a
 * client cannot grow the label set. Rendering reads the counters without a
 * lock: a scrape may see one request counted and its latency not yet, which
 * Prometheus tolerates. */
#ifndef FC_TELEMETRY_H
#define FC_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>

enum fc_route {
    FC_ROUTE_NONE, /* no route matched (404) */
    FC_ROUTE_HEALTHZ,
    FC_ROUTE_READYZ,
    FC_ROUTE_METRICS,
    FC_ROUTE_OPENAPI,
    FC_ROUTE_SERIES,      /* /series */
    FC_ROUTE_SERIES_ONE,  /* /series/{ticker} */
    FC_ROUTE_SERIES_BARS, /* /series/{ticker}/bars */
    FC_ROUTE_TRAIN,       /* /train */
    FC_ROUTE_JOBS,        /* /jobs */
    FC_ROUTE_JOB,         /* /jobs/{id} */
    FC_ROUTE_MODELS,      /* /models */
    FC_ROUTE_PROMOTE,     /* /models/{ticker}/{version}/promote */
    FC_ROUTE_PREDICT,     /* /predict */
    FC_ROUTE_EVALUATION,  /* /models/{ticker}/{version}/evaluation */
    FC_ROUTE_BACKTEST,    /* /backtest */
    FC_ROUTE_ANOMALIES,   /* /anomalies */
    FC_ROUTE_STATIC,      /* files of web_dir */
    FC_ROUTE_COUNT_
};

/* "/series/{ticker}/bars" for FC_ROUTE_SERIES_BARS; "none", "static". */
const char *fc_route_name(enum fc_route r);

struct fc_telemetry; /* opaque; fixed size, no pointers inside */

/* A zeroed set of counters; NULL when out of memory. Free with free(). */
struct fc_telemetry *fc_telemetry_new(void);
/* One finished request. Thread-safe, lock-free. */
void fc_telemetry_request(struct fc_telemetry *m, enum fc_route r, int status,
                          uint64_t latency_us);
/* Bars of one ingest by outcome (rejected: rows of a batch refused as a
 * whole). Thread-safe, lock-free. */
void fc_telemetry_bars(struct fc_telemetry *m, int64_t inserted,
                       int64_t updated, int64_t unchanged, int64_t skipped,
                       int64_t rejected);
/* Prometheus text exposition format 0.0.4; malloc'ed, NULL on OOM. */
char *fc_telemetry_render(const struct fc_telemetry *m, size_t *len);

#endif
