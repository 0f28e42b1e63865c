/* json_io.h — every JSON document forecastd reads or writes.
 *
 * The only module that uses cJSON: request bodies and the config file come
 * in here and leave as C structs; replies leave as malloc'ed NUL-terminated
 * strings that the HTTP layer hands to libmicrohttpd (MHD_RESPMEM_MUST_FREE)
 * or the CLI prints. Large arrays (bars) are written straight into a string
 * buffer instead of a cJSON tree, so a 500k-bar reply costs one growing
 * buffer, not millions of nodes. Every function is thread-safe (no globals:
 * parse errors are located with cJSON_ParseWithLengthOpts, not
 * cJSON_GetErrorPtr). Functions returning char * return NULL only when
 * memory runs out; *len (when asked for) is the length without the NUL. */
#ifndef FC_JSON_IO_H
#define FC_JSON_IO_H

#include "bar.h"
#include "config.h"
#include "err.h"
#include "ingest.h"
#include "store.h"

#include <stddef.h>

/* Called once per leaf of a config document with its dotted key
 * ("train.epochs"); returns 0 to go on, -1 to stop (d already set). */
typedef int (*fc_json_config_cb)(void *ctx, const char *key,
                                 const struct fc_cfg_value *v,
                                 const char *origin, struct fc_diag *d);

/* Parses a config document (an object; nested objects give dotted keys)
 * and calls cb for each leaf. `origin` (the file name) prefixes messages.
 * FC_EINVAL for bad JSON (with line and column), a non-object root, or when
 * cb stops; FC_ENOMEM. */
fc_err fc_json_config_walk(const char *text, size_t len, const char *origin,
                           fc_json_config_cb cb, void *ctx,
                           struct fc_diag *d);

/* The effective configuration as a JSON document (nested like the file). */
char *fc_json_config(const struct fc_config *c, size_t *len);

/* Parses {"bars":[{"date","open","high","low","close","adj_close",
 * "volume"}, ...]} from buf[0..len) into b (fc_batch_init'ed, empty) and
 * finishes it, with the rules of ingest.h: numbers may be JSON numbers or
 * numeric strings, adj_close may be null or absent, unknown members are
 * ignored, an element that is not an object is a row error.
 * FC_OK (check b->n_bad_rows), FC_EBADREQ (empty body, not JSON, no "bars"
 * array; reason in d), FC_ENOMEM. */
fc_err fc_json_parse_bars(const char *buf, size_t len, struct fc_batch *b,
                          struct fc_diag *d);

/* RFC 9457 problem: {"type":"about:blank","title","status","detail"} plus
 * "errors" (the kept row errors of b, when b is not NULL and has any),
 * "bad_rows" and "errors_total" with b, and "job" when job is not NULL.
 * The title is the status's reason phrase ("Unprocessable Content"). */
char *fc_json_problem(int status, const char *detail, const struct fc_batch *b,
                      const char *job, size_t *len);

/* The reason phrase of an HTTP status (RFC 9110), "Error" if unknown. */
const char *fc_http_reason(int status);

/* The ingest reply: {"ticker","received","inserted","updated","unchanged",
 * "skipped","errors","first_date","last_date","bars_total"}. */
char *fc_json_ingest_result(const char *ticker, const struct fc_batch *b,
                            const struct fc_put_result *r, size_t *len);

/* {"series":[{"ticker","bars","first_date","last_date",
 * "champion_version"}]}; dates and version are null when absent. */
char *fc_json_series_list(const struct fc_series_info *s, int n, size_t *len);

/* {"ticker","bars":[{"date","open","high","low","close","adj_close",
 * "volume"}]}, adj_close null when NaN. */
char *fc_json_bars(const char *ticker, const struct fc_bar *bars, int n,
                   size_t *len);

/* {"status": status} plus "schema_version" when >= 0. */
char *fc_json_status(const char *status, int schema_version, size_t *len);

#endif
