/* live.h — the state half of GET /metrics: jobs by state, and for each
 * champion its age, its skill on its test period, and its error on the bars
 * that arrived after its training data (the "live" error), next to the
 * naive forecast's on the same days. A model that was good on its test
 * period can decay as the market moves on; this is where an operator sees
 * it. The request counters are telemetry.h's. */
#ifndef FC_LIVE_H
#define FC_LIVE_H

#include "buf.h"
#include "err.h"
#include "registry.h"
#include "store.h"

/* Appends the gauges (Prometheus text format 0.0.4) to out, reading the
 * jobs and champions from st and the published models from reg. The live
 * error is one-step-ahead forecasts of every bar after the champion's last
 * training bar, each from the real bars before it. FC_EIO, FC_ENOMEM. */
fc_err fc_live_render(struct fc_store *st, struct fc_registry *reg,
                      struct fc_buf *out, struct fc_diag *d);

#endif
