/* series.c — one ingest: parse, validate, decide, store, report; and the
 * bars a forecast reads.
 *
 * The batch (with its ~12 KiB error list) lives on the heap, not on an MHD
 * thread's stack. Bars are sorted by date before the write: the upsert then
 * walks the (series, day) B-tree in key order, which keeps SQLite's page
 * cache hot. Nothing is written when the batch is rejected, so a 422 never
 * leaves half a batch behind; the store's single transaction covers the
 * rest (a crash mid-write leaves all or nothing). */
#include "series.h"

#include "ingest.h"
#include "forecast.h"
#include "json_io.h"

#include <stdio.h>
#include <stdlib.h>

static fc_err problem(fc_err rc, const char *detail, const struct fc_batch *b,
                      char **json, size_t *json_len)
{
    *json = fc_json_problem(fc_err_http(rc), detail, b, NULL, json_len);
    return rc;
}

fc_err fc_series_ingest(struct fc_store *st, const char *ticker,
                        enum fc_body_kind kind, const char *body, size_t len,
                        int skip, struct fc_telemetry *m, char **json,
                        size_t *json_len)
{
    return fc_series_ingest_res(st, ticker, kind, body, len, skip, m, json,
                                json_len, NULL);
}

fc_err fc_series_ingest_res(struct fc_store *st, const char *ticker,
                            enum fc_body_kind kind, const char *body,
                            size_t len, int skip, struct fc_telemetry *m,
                            char **json, size_t *json_len,
                            struct fc_put_result *res_out)
{
    fc_err rc;
    struct fc_diag d;
    struct fc_put_result res;
    char detail[320];
    struct fc_batch *b = malloc(sizeof *b);

    *json = NULL;
    if (b == NULL)
        return FC_ENOMEM;
    fc_batch_init(b);
    fc_diag_init(&d);
    if (kind == FC_BODY_CSV)
        rc = fc_ingest_parse_csv(body, len, b, &d);
    else
        rc = fc_json_parse_bars(body, len, b, &d);
    if (rc != FC_OK) {
        problem(rc, d.msg[0] != '\0' ? d.msg : fc_err_text(rc), NULL, json,
                json_len);
        goto done;
    }
    if (b->n_rows == 0) {
        rc = problem(FC_EBADREQ,
                     kind == FC_BODY_CSV ? "no rows after the header"
                                         : "the \"bars\" array is empty",
                     NULL, json, json_len);
        goto done;
    }
    if (b->n_bad_rows > 0 && (!skip || b->n_bars == 0)) {
        if (skip)
            snprintf(detail, sizeof detail,
                     "all %d rows failed validation; nothing was written",
                     b->n_rows);
        else
            snprintf(detail, sizeof detail,
                     "%d of %d rows failed validation; nothing was written "
                     "(on_error=reject). Fix the rows listed in errors, or "
                     "send ?on_error=skip to store the good rows",
                     b->n_bad_rows, b->n_rows);
        if (m != NULL)
            fc_telemetry_bars(m, 0, 0, 0, 0, b->n_rows);
        rc = problem(FC_EINVAL, detail, b, json, json_len);
        goto done;
    }
    rc = fc_batch_sort(b);
    if (rc == FC_OK)
        rc = fc_store_put_bars(st, ticker, b->bars, b->n_bars, &res, &d);
    if (rc != FC_OK) {
        problem(rc, d.msg[0] != '\0' ? d.msg : fc_err_text(rc), NULL, json,
                json_len);
        goto done;
    }
    if (m != NULL)
        fc_telemetry_bars(m, res.inserted, res.updated, res.unchanged,
                          b->n_bad_rows, 0);
    *json = fc_json_ingest_result(ticker, b, &res, json_len);
    if (*json == NULL)
        rc = FC_ENOMEM;
    else if (res_out != NULL)
        *res_out = res;
done:
    fc_batch_fini(b);
    free(b);
    return rc;
}

fc_err fc_series_forecast_bars(struct fc_store *st, const char *ticker,
                               const struct fc_snapshot *s,
                               struct fc_bar **bars, int *n, struct fc_diag *d)
{
    int need = fc_forecast_bars_needed(s->model);
    fc_err rc = fc_store_get_bars(st, ticker, fc_forecast_first_day(s),
                                  INT32_MAX, need, bars, n, d);
    if (rc == FC_OK && !fc_forecast_reaches(s, *bars, *n)) {
        free(*bars);
        *bars = NULL;
        rc = fc_store_get_bars(st, ticker, INT32_MIN, INT32_MAX, need, bars, n,
                               d);
    }
    return rc;
}
