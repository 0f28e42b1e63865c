/* json_io.h — every JSON document forecastd reads or writes.
 *
 * server/json/ is the only folder that uses cJSON: request bodies and the
 * config file come in here and leave as C structs; replies leave as
 * malloc'ed NUL-terminated strings that the HTTP layer hands to
 * libmicrohttpd (MHD_RESPMEM_MUST_FREE) or the CLI prints. The functions
 * live by kind of document: config_file.c (the config), bodies.c (request
 * bodies), replies.c (replies), docs.c (documents kept in the database).
 * Large arrays (bars) are written straight into a string buffer instead of
 * a cJSON tree, so a 500k-bar reply costs one growing buffer, not millions
 * of nodes. Every function is thread-safe (no globals: parse errors are
 * located with cJSON_ParseWithLengthOpts, not cJSON_GetErrorPtr).
 * Functions returning char * return NULL only when memory runs out; *len
 * (when asked for) is the length without the NUL. */
#ifndef FC_JSON_IO_H
#define FC_JSON_IO_H

#include "anomaly.h"
#include "bar.h"
#include "config.h"
#include "err.h"
#include "ingest.h"
#include "forecast.h"
#include "metrics.h"
#include "records.h"
#include "train.h"
#include "params.h"

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
                           fc_json_config_cb cb, void *ctx, struct fc_diag *d);

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

/* {"status": status} plus "schema_version" when >= 0 and "replica" when
 * not NULL. */
char *fc_json_status(const char *status, int schema_version,
                     const char *replica, size_t *len);

/* ---- training, jobs, models, predictions --------------------------------- */

/* Parses a POST /train body (len may be 0: no body) over the defaults of
 * cfg into *p: the keys of POST /train (ticker, preset, window, layers,
 * dropout, epochs, batch_size, learning_rate, patience, seed, features,
 * target, from, to: the JSON keys of the parameter table, domain/params.h),
 * each type- and bound-checked by the table's setter (caps from cfg:
 * train.max_epochs, train.max_window, train.max_units), then the whole set
 * through fc_train_params_finish. The ticker is copied as given. FC_EBADREQ
 * (not JSON, not an object), FC_EINVAL (unknown key, wrong type, out of range,
 * from after to; reason in d), FC_ENOMEM. A stored job's params document
 * parses back to the same *p. */
fc_err fc_json_parse_train(const char *body, size_t len,
                           const struct fc_config *cfg,
                           struct fc_train_params *p, struct fc_diag *d);

/* A POST /backtest body: the keys of fc_json_parse_train plus "folds"
 * (1..FC_BACKTEST_MAX_FOLDS, default 5) and "gap" (bars, default 0). */
fc_err fc_json_parse_backtest(const char *body, size_t len,
                              const struct fc_config *cfg,
                              struct fc_train_params *p, struct fc_diag *d);

/* The resolved parameters of p as stored with a job and a model (a
 * backtest's also "folds" and "gap"):
 * {"preset","window","layers","dropout","epochs","batch_size",
 * "learning_rate","patience","seed","features","target","from","to"}. */
char *fc_json_train_params(const struct fc_train_params *p, size_t *len);

/* A job's progress: {"epoch","epochs","train_loss","val_loss","best_epoch",
 * "eta_seconds"}; pr NULL gives the queued form (epoch 0 of `epochs`,
 * losses and eta null). */
char *fc_json_progress(const struct fc_progress *pr, int epochs,
                       double eta_seconds, size_t *len);

/* A ticker that POST /train without a ticker could not queue. */
struct fc_train_skip {
    char ticker[FC_TICKER_SIZE];
    int status; /* HTTP status it would have had alone */
    char detail[256];
};

/* {"id","kind","ticker","state","created_at","started_at","finished_at",
 * "params","progress","model_version","error","auto"}. */
char *fc_json_job(const struct fc_job *j, size_t *len);
/* {"jobs":[...]}, plus "skipped":[{"ticker","status","detail"}] when
 * skips is not NULL. */
char *fc_json_jobs(const struct fc_job *v, int n,
                   const struct fc_train_skip *skips, int n_skips, size_t *len);

/* {"period":{"from","to","n"},"model":{"rmse","mae","mape","smape","mase",
 * "directional_accuracy"[,"intervals":{"days","coverage80","coverage95",
 * "coverage80_calm","coverage80_middle","coverage80_volatile",
 * "interval_score80","interval_score95","kupiec95_p","christoffersen95_p",
 * "miss95_after_miss","days_h5","coverage80_h5"}]},"naive":{...},...,"skill"
 * [,"interval_skill80","interval_skill95"][,"calibration":{...}]}: a row's
 * "intervals" when measured (struct fc_interval_scores), the interval
 * skills when the model and garch rows have them. NaN prints null. */
char *fc_json_scores(const struct fc_scores *s, size_t *len);
/* The inverse of fc_json_scores, for documents this service wrote: a row
 * per member that names a forecaster fc_scores_add knows, in document
 * order; other members, and a repeated name, are skipped; a row without
 * "intervals" (older documents) has none measured. FC_ECORRUPT,
 * FC_ENOMEM. */
fc_err fc_json_parse_scores(const char *text, struct fc_scores *out);

/* A model's data: {"first_date","last_date","bars","sha256"}. */
char *fc_json_model_data(int32_t first_day, int32_t last_day, int64_t n_bars,
                         const char *sha256_hex, size_t *len);

/* {"ticker","version","created_at","champion","params","data","metrics",
 * "epochs_run","train_seconds"}; fc_json_models wraps a list in
 * {"models":[...]}. */
char *fc_json_model(const struct fc_model_rec *m, size_t *len);
char *fc_json_models(const struct fc_model_rec *v, int n, size_t *len);

/* {"ticker","as_of","last_close","model_version","level","predictions":
 * [{"date","close","lower","upper"}],"metrics":{...}}. */
char *fc_json_forecast(const struct fc_forecast *f, const struct fc_scores *s,
                       size_t *len);

/* One ticker of GET /predict?ticker=A,B that has no forecast. */
struct fc_ticker_problem {
    const char *ticker;
    int status; /* what GET /predict?ticker=<it> would answer */
    const char *detail;
};

/* GET /predict with several tickers: {"forecasts":[...],"errors":[...]}.
 * The forecasts are the n bodies as given (each one fc_json_forecast's
 * text, spliced in unchanged, so each is byte for byte what a single
 * /predict answers); each error a problem object with its "ticker". */
char *fc_json_predict_many(char *const *bodies, const size_t *lens, int n,
                           const struct fc_ticker_problem *errs, int n_errs,
                           size_t *len);

/* ---- evaluations, backtests, anomalies ----------------------------------- */

/* The test period of ev day by day, as stored with a model version:
 * [{"date","actual","predicted","naive","drift","sma14","p_up"}, ...],
 * a distributional model's days also with "mu" and "sigma" (its forecast
 * of the day's log return ln(actual / naive) ~ mu + sigma z). */
char *fc_json_eval_points(const struct fc_eval *ev, size_t *len);
/* GET /models/{ticker}/{version}/evaluation: {"ticker","version","level",
 * "metrics","points"}, the stored metrics spliced in and each stored point
 * with "lower" and "upper" (its interval at `level` in (0, 1), from that
 * day's inputs and m's held-out residuals, for a distributional model
 * adapted with the earlier days the metrics' coverage counts; evaluation.c) and
 * "sigma" (the day's scale: a distributional model's own, a point model's
 * held-out residual sd). m is the version's model. NULL when points is not a
 * document fc_json_eval_points wrote, or out of memory. */
char *fc_json_evaluation(const char *ticker, int64_t version,
                         const char *metrics, const char *points,
                         const struct fc_model *m, double level, size_t *len);
/* The same points as CSV: date,actual,predicted,naive,drift,sma14,p_up,
 * lower,upper,sigma (an unknown value is an empty field), metrics the
 * stored metrics document (may be NULL: a distributional model's band is
 * then that of its held-out z alone). NULL as fc_json_evaluation. */
char *fc_json_evaluation_csv(const char *metrics, const char *points,
                             const struct fc_model *m, double level,
                             size_t *len);
/* A backtest job's result: {"gap","folds":[{"fold","scaler_fit":{"from",
 * "to"},"test":{"from","to","n"},"epochs_run","metrics":{...}}],
 * "overall":{...metrics over every fold's test days}}. */
char *fc_json_backtest(const struct fc_backtest *bt, int gap, size_t *len);
/* GET /anomalies: {"ticker","model_version","threshold","residual_sd",
 * "checked":{"n","from","to"},"anomalies":[{"date","actual","predicted",
 * "residual","sigma","z"}]}; residual_sd is the scan's sd (anomaly.h). */
char *fc_json_anomalies(const char *ticker, int64_t version, double threshold,
                        const struct fc_anomaly_scan *a, size_t *len);

#endif
