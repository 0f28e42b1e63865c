/* telemetry.c — request counters, a latency histogram and ingest counters.
 *
 * Statuses are folded into a short list of the codes the API uses plus
 * "other", so the counter matrix stays fixed (routes x statuses). The
 * latency histogram has cumulative Prometheus buckets from 100 us to 10 s,
 * one set per route. Text is rendered with snprintf into one buffer. */
#include "telemetry.h"

#include "buf.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char *const route_names[FC_ROUTE_COUNT_] = {
    "none",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/series",
    "/series/{ticker}",
    "/series/{ticker}/bars",
    "/train",
    "/jobs",
    "/jobs/{id}",
    "/models",
    "/models/{ticker}/{version}/promote",
    "/predict",
    "/models/{ticker}/{version}/evaluation",
    "/backtest",
    "/anomalies",
    "static"};

static const int statuses[] = {200, 201, 202, 204, 206, 304, 400,
                               401, 403, 404, 405, 409, 413, 415,
                               422, 429, 500, 503, 507, 0 /* other */};
#define N_STATUS (sizeof statuses / sizeof statuses[0])

/* Upper bounds in microseconds; +Inf is the count. */
static const uint64_t buckets_us[] = {
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 10000000};
#define N_BUCKETS (sizeof buckets_us / sizeof buckets_us[0])

struct fc_telemetry {
    atomic_uint_fast64_t requests[FC_ROUTE_COUNT_][N_STATUS];
    atomic_uint_fast64_t bucket[FC_ROUTE_COUNT_][N_BUCKETS]; /* not cumul. */
    atomic_uint_fast64_t count[FC_ROUTE_COUNT_];
    atomic_uint_fast64_t sum_us[FC_ROUTE_COUNT_];
    atomic_uint_fast64_t bars[5]; /* by outcome[] below */
};

const char *fc_route_name(enum fc_route r)
{
    return (int)r >= 0 && r < FC_ROUTE_COUNT_ ? route_names[r] : "none";
}

struct fc_telemetry *fc_telemetry_new(void)
{
    struct fc_telemetry *m = malloc(sizeof *m);
    if (m == NULL)
        return NULL;
    /* All-zero bytes are a valid zero for lock-free atomics on the
     * platforms we build for; atomic_init would be the pedantic form. */
    memset(m, 0, sizeof *m);
    return m;
}

void fc_telemetry_request(struct fc_telemetry *m, enum fc_route r, int status,
                          uint64_t latency_us)
{
    size_t s = N_STATUS - 1;
    size_t b = 0;

    if ((int)r < 0 || r >= FC_ROUTE_COUNT_)
        r = FC_ROUTE_NONE;
    for (size_t i = 0; i + 1 < N_STATUS; i++)
        if (statuses[i] == status) {
            s = i;
            break;
        }
    atomic_fetch_add_explicit(&m->requests[r][s], 1, memory_order_relaxed);
    while (b < N_BUCKETS && latency_us > buckets_us[b])
        b++;
    if (b < N_BUCKETS)
        atomic_fetch_add_explicit(&m->bucket[r][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count[r], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us[r], latency_us, memory_order_relaxed);
}

static const char *const outcome[5] = {"inserted", "updated", "unchanged",
                                       "skipped", "rejected"};

void fc_telemetry_bars(struct fc_telemetry *m, int64_t inserted,
                       int64_t updated, int64_t unchanged, int64_t skipped,
                       int64_t rejected)
{
    const int64_t v[5] = {inserted, updated, unchanged, skipped, rejected};
    for (int i = 0; i < 5; i++)
        if (v[i] > 0)
            atomic_fetch_add_explicit(&m->bars[i], (uint_fast64_t)v[i],
                                      memory_order_relaxed);
}

char *fc_telemetry_render(const struct fc_telemetry *mc, size_t *len)
{
    /* Reading atomics through a const pointer is fine in C11, but
     * atomic_load takes a non-const pointer in older compilers. */
    struct fc_telemetry *m = (struct fc_telemetry *)mc;
    struct fc_buf t;

    fc_buf_init(&t, (size_t)1 << 24);
    fc_buf_reserve(&t, 16384);
    fc_buf_printf(
        &t, "# HELP forecastd_http_requests_total HTTP requests by route and "
            "status.\n# TYPE forecastd_http_requests_total counter\n");
    for (int r = 0; r < FC_ROUTE_COUNT_; r++)
        for (size_t s = 0; s < N_STATUS; s++) {
            uint64_t v =
                atomic_load_explicit(&m->requests[r][s], memory_order_relaxed);
            if (v == 0)
                continue;
            if (statuses[s] != 0)
                fc_buf_printf(
                    &t,
                    "forecastd_http_requests_total{route=\"%s\",status=\"%d\"}"
                    " %llu\n",
                    route_names[r], statuses[s], (unsigned long long)v);
            else
                fc_buf_printf(&t,
                              "forecastd_http_requests_total{route=\"%s\","
                              "status=\"other\"} %llu\n",
                              route_names[r], (unsigned long long)v);
        }
    fc_buf_printf(
        &t, "# HELP forecastd_http_request_duration_seconds Time from the "
            "request's first byte to the response being queued.\n"
            "# TYPE forecastd_http_request_duration_seconds histogram\n");
    for (int r = 0; r < FC_ROUTE_COUNT_; r++) {
        uint64_t n = atomic_load_explicit(&m->count[r], memory_order_relaxed);
        if (n == 0)
            continue;
        uint64_t cum = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            cum += atomic_load_explicit(&m->bucket[r][b], memory_order_relaxed);
            fc_buf_printf(
                &t,
                "forecastd_http_request_duration_seconds_bucket{route=\"%s\","
                "le=\"%g\"} %llu\n",
                route_names[r], (double)buckets_us[b] / 1e6,
                (unsigned long long)cum);
        }
        fc_buf_printf(
            &t,
            "forecastd_http_request_duration_seconds_bucket{route=\"%s\","
            "le=\"+Inf\"} %llu\n",
            route_names[r], (unsigned long long)n);
        fc_buf_printf(
            &t,
            "forecastd_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
            route_names[r],
            (double)atomic_load_explicit(&m->sum_us[r], memory_order_relaxed) /
                1e6);
        fc_buf_printf(
            &t,
            "forecastd_http_request_duration_seconds_count{route=\"%s\"} "
            "%llu\n",
            route_names[r], (unsigned long long)n);
    }
    fc_buf_printf(
        &t, "# HELP forecastd_bars_ingested_total Bars received by ingest, "
            "by outcome.\n# TYPE forecastd_bars_ingested_total counter\n");
    for (int i = 0; i < 5; i++)
        fc_buf_printf(&t,
                      "forecastd_bars_ingested_total{outcome=\"%s\"} %llu\n",
                      outcome[i],
                      (unsigned long long)atomic_load_explicit(
                          &m->bars[i], memory_order_relaxed));
    return fc_buf_release(&t, len);
}
