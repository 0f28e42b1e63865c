/* series.h — the series' use cases for the HTTP handlers and the offline
 * commands alike. The ingest, end to end: parse (CSV or JSON), validate
 * every row, apply the on_error policy, write one transaction, describe
 * the outcome as JSON. The bars a forecast reads. Neither HTTP nor SQLite
 * appears here: it joins the rules of domain/ (ingest, forecast), the
 * documents of json/ and the store of store/. */
#ifndef FC_SERIES_H
#define FC_SERIES_H

#include "err.h"
#include "registry.h"
#include "telemetry.h"
#include "store.h"

#include <stddef.h>

enum fc_body_kind { FC_BODY_CSV, FC_BODY_JSON };

/* Ingests body[0..len) into the series `ticker` (already normalised).
 * skip = 0: any bad row rejects the batch (nothing written); skip = 1: the
 * good rows are written and the bad ones listed, unless every row is bad.
 * Always sets *json (malloc'ed; the caller frees) to the reply: the ingest
 * result on FC_OK, else an RFC 9457 problem whose status is
 * fc_err_http(returned value). Returns FC_OK, FC_EBADREQ (malformed body,
 * no rows), FC_EINVAL (rows failed validation; errors listed), FC_EUNAVAIL
 * (database locked), FC_EIO, FC_ENOMEM (then *json may be NULL).
 * m (may be NULL) counts the bars by outcome. Thread-safe given a store
 * per thread. */
fc_err fc_series_ingest(struct fc_store *st, const char *ticker,
                        enum fc_body_kind kind, const char *body, size_t len,
                        int skip, struct fc_telemetry *m, char **json,
                        size_t *json_len);

/* fc_series_ingest, and on FC_OK *res describes the write (the server's
 * trainer decides on automatic training from it). */
fc_err fc_series_ingest_res(struct fc_store *st, const char *ticker,
                            enum fc_body_kind kind, const char *body,
                            size_t len, int skip, struct fc_telemetry *m,
                            char **json, size_t *json_len,
                            struct fc_put_result *res);

/* The bars of `ticker` a forecast with snapshot s reads (malloc'ed
 * *bars[0..*n), ascending): the tail domain/forecast.h asks for, or every
 * bar when that tail does not reach back far enough. fc_store_get_bars's
 * errors. */
fc_err fc_series_forecast_bars(struct fc_store *st, const char *ticker,
                               const struct fc_snapshot *s,
                               struct fc_bar **bars, int *n, struct fc_diag *d);

#endif
