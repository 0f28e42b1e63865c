/* http.h — the libmicrohttpd daemon in front of the application (api.h).
 *
 * Poll mode with an internal thread pool (MHD_USE_POLL_INTERNAL_THREAD +
 * MHD_OPTION_THREAD_POOL_SIZE): epoll mode can stall with many ready
 * connections in libmicrohttpd 0.9.75 (about 128 or more at once). One
 * request's state lives from the first access-handler call to the
 * completion callback; the response is never queued on the first call
 * (that makes libmicrohttpd close keep-alive connections). Bodies are
 * buffered up to max_body_bytes and discarded beyond (413), with a hard
 * stop at twice the cap plus 16 MiB. Each finished request writes one log
 * line on stderr and updates the metrics. */
#ifndef FC_HTTP_H
#define FC_HTTP_H

#include "api.h"
#include "err.h"

struct fc_http; /* opaque */

/* Listens on cfg->bind:cfg->port (port 0: any free one) and serves app
 * (kept: it must outlive the daemon). *port_out receives the bound port.
 * FC_EIO when the address is bad or cannot be bound (reason in d),
 * FC_ENOMEM. */
fc_err fc_http_start(struct fc_app *app, struct fc_http **out, int *port_out,
                     struct fc_diag *d);

/* Graceful stop: no new connections, requests in flight finish (up to
 * drain_ms), then the threads are joined. NULL is a no-op. */
void fc_http_stop(struct fc_http *h, int drain_ms);

#endif
