/* openapi.c — the OpenAPI 3.1 description served at GET /openapi.json.
 *
 * It lists only the endpoints this binary really has, each with an
 * operationId, every status its handler and the router can answer (api.c;
 * the statuses come from core/err.h), and a schema and an example for each
 * body. Reply schemas are closed (additionalProperties: false, every member
 * the code always writes required), so a member added to a reply and not
 * here, or the reverse, fails the API tests: tests/api/fcserver.py checks
 * every reply they receive against this document, and
 * tests/api/test_openapi.py that every route is listed here and nothing
 * more. A route added to api.c gets its entry here in the same commit.
 * scripts/lint-openapi lints the document with Redocly's CLI (recommended
 * ruleset: no error, no warning).
 *
 * The document is written as JSON tokens inside a macro that stringifies
 * them, so it stays readable JSON in the source without a build step or
 * escaped quotes; the price is that whitespace collapses and the text must
 * consist of valid C tokens (it does: JSON strings are C strings). */
#include "api.h"

#define FC_JSON_TEXT(...) #__VA_ARGS__

/* The document keeps its JSON layout: clang-format would split its strings,
 * and adjacent string literals are not JSON. */
/* clang-format off */
const char fc_openapi_json[] = FC_JSON_TEXT({
    "openapi": "3.1.0",
    "info": {
        "title": "forecastd",
        "version": "0.1.0",
        "description": "Daily OHLCV bars in, LSTM forecasts out. Errors are RFC 9457 application/problem+json (schema Problem). Reads are open; POST and DELETE need `Authorization: Bearer KEY` when the server has an api_key. Every path also answers OPTIONS (204 with Allow) and HEAD where it has GET; a method a path does not have is 405 with Allow, a path no route has is 404. Rate limit: when rate_limit_per_second is set, each forecastd process keeps its own token bucket per client address (rate per second, bursts up to max(1, rate)); it is per process, not shared between processes or replicas, so N processes behind one address serve a client up to N times the rate. /healthz, /readyz and /metrics are never limited. Request line and headers share 32768 bytes (32 KB): a longer request line is 414, larger headers 431 (problem+json, connection closed).",
        "license": {"name": "UNLICENSED: no licence is granted (all rights reserved)", "identifier": "LicenseRef-UNLICENSED"}
    },
    "servers": [
        {"url": "/", "description": "the server that serves this document (scripts/run and the Docker image listen on port 8080)"}
    ],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "The server's api_key. Needed for POST and DELETE only when the server has one (otherwise writes are open too)."}
        },
        "parameters": {
            "ticker": {
                "name": "ticker", "in": "path", "required": true,
                "description": "1-16 characters of A-Z 0-9 . - ^ =, any case (stored upper-case); anything else is 400.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9.^=-]{1,16}$"}, "example": "NFLX"
            },
            "version": {"name": "version", "in": "path", "required": true, "description": "a model version of the ticker; anything but a whole number >= 1 is 404", "schema": {"type": "integer", "minimum": 1}, "example": 1},
            "tickerFilter": {"name": "ticker", "in": "query", "description": "only this series (400 when not a valid ticker)", "schema": {"type": "string"}, "example": "NFLX"},
            "tickerRequired": {"name": "ticker", "in": "query", "required": true, "description": "the series; absent is 422, not a valid ticker is 400", "schema": {"type": "string"}, "example": "NFLX"},
            "limit": {"name": "limit", "in": "query", "description": "at most this many, newest first", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
            "format": {"name": "format", "in": "query", "description": "json or csv; anything else is 422", "schema": {"enum": ["json", "csv"], "default": "json"}}
        },
        "headers": {
            "RetryAfter": {"description": "seconds to wait before the next request", "schema": {"type": "integer", "minimum": 1}},
            "WWWAuthenticate": {"description": "Bearer realm=\"forecastd\"", "schema": {"type": "string"}},
            "Location": {"description": "the job: /jobs/{id}", "schema": {"type": "string"}}
        },
        "schemas": {
            "Date": {"type": "string", "format": "date", "description": "YYYY-MM-DD"},
            "DateOrNull": {"type": ["string", "null"], "format": "date"},
            "NumberOrNull": {"type": ["number", "null"], "description": "null when not finite"},
            "Bar": {
                "type": "object",
                "description": "One day's bar, as sent to POST /series/{ticker}/bars.",
                "required": ["date", "open", "high", "low", "close", "volume"],
                "properties": {
                    "date": {"$ref": "#/components/schemas/Date"},
                    "open": {"type": "number", "minimum": 0},
                    "high": {"type": "number", "minimum": 0},
                    "low": {"type": "number", "minimum": 0},
                    "close": {"type": "number", "exclusiveMinimum": 0},
                    "adj_close": {"type": ["number", "null"]},
                    "volume": {"type": "number", "minimum": 0}
                }
            },
            "StoredBar": {
                "type": "object",
                "additionalProperties": false,
                "required": ["date", "open", "high", "low", "close", "adj_close", "volume"],
                "properties": {
                    "date": {"$ref": "#/components/schemas/Date"},
                    "open": {"type": "number"},
                    "high": {"type": "number"},
                    "low": {"type": "number"},
                    "close": {"type": "number"},
                    "adj_close": {"type": ["number", "null"], "description": "null when the bar had none"},
                    "volume": {"type": "integer", "minimum": 0}
                }
            },
            "RowError": {
                "type": "object",
                "additionalProperties": false,
                "required": ["row", "date", "field", "message"],
                "properties": {
                    "row": {"type": "integer", "description": "1-based bar number in the batch, header not counted"},
                    "date": {"$ref": "#/components/schemas/DateOrNull"},
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"}
                }
            },
            "Problem": {
                "type": "object",
                "description": "RFC 9457 problem details.",
                "additionalProperties": false,
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string", "const": "about:blank"},
                    "title": {"type": "string", "description": "the status's reason phrase"},
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "detail": {"type": "string", "description": "what was wrong and what to do"},
                    "errors": {"type": "array", "description": "ingest (422): the first bad rows", "items": {"$ref": "#/components/schemas/RowError"}},
                    "bad_rows": {"type": "integer", "description": "ingest (422): rows that failed"},
                    "errors_total": {"type": "integer", "description": "ingest (422): errors found, listed or not"},
                    "job": {"type": "string", "description": "the job in the way (409), e.g. /jobs/7"},
                    "ticker": {"type": "string", "description": "GET /predict with several tickers: the ticker this entry of `errors` is about"}
                }
            },
            "Status": {
                "type": "object",
                "additionalProperties": false,
                "required": ["status"],
                "properties": {"status": {"enum": ["ok", "ready"]}, "schema_version": {"type": "integer", "description": "readiness: the database schema version"}, "replica": {"type": "string", "description": "readiness: this process's name among the replicas of one database (the replica_id setting; hostname:port by default)"}}
            },
            "IngestResult": {
                "type": "object",
                "additionalProperties": false,
                "required": ["ticker", "received", "inserted", "updated", "unchanged", "skipped", "errors", "first_date", "last_date", "bars_total"],
                "properties": {
                    "ticker": {"type": "string"},
                    "received": {"type": "integer"},
                    "inserted": {"type": "integer"},
                    "updated": {"type": "integer"},
                    "unchanged": {"type": "integer"},
                    "skipped": {"type": "integer", "description": "bars (rows) skipped, not error items"},
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RowError"}},
                    "first_date": {"$ref": "#/components/schemas/DateOrNull"},
                    "last_date": {"$ref": "#/components/schemas/DateOrNull"},
                    "bars_total": {"type": "integer"}
                }
            },
            "Series": {
                "type": "object",
                "additionalProperties": false,
                "required": ["ticker", "bars", "first_date", "last_date", "champion_version"],
                "properties": {
                    "ticker": {"type": "string"},
                    "bars": {"type": "integer"},
                    "first_date": {"$ref": "#/components/schemas/DateOrNull"},
                    "last_date": {"$ref": "#/components/schemas/DateOrNull"},
                    "champion_version": {"type": ["integer", "null"]}
                }
            },
            "TrainKeys": {
                "type": "object",
                "description": "Every key is optional. Without a preset the server's train.* settings apply. Bounds: epochs <= train.max_epochs, window <= train.max_window, units per layer <= train.max_units.",
                "properties": {
                    "ticker": {"type": "string"},
                    "preset": {"enum": ["default", "point", "dist", "report"], "description": "default: the distributional model (dist is the same); point: a point forecast of the next log return; report: the Keras report"},
                    "window": {"type": "integer", "minimum": 2},
                    "layers": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 4},
                    "dropout": {"type": "number", "minimum": 0, "maximum": 0.9},
                    "epochs": {"type": "integer", "minimum": 1},
                    "batch_size": {"type": "integer", "minimum": 1, "maximum": 65536},
                    "learning_rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                    "patience": {"type": "integer", "minimum": 0},
                    "seed": {"type": "integer", "minimum": 0},
                    "features": {"type": "array", "items": {"enum": ["open", "high", "low", "close", "adj_close", "volume", "log_return", "range", "body", "gap", "log_volume"]}, "minItems": 1},
                    "target": {"enum": ["close", "log_return"]},
                    "loss": {"enum": ["mse", "gaussian", "student_t"], "description": "mse: a point forecast; gaussian, student_t: the next log return's distribution (log_return target only; a preset's distributional loss gives way to mse for a close target unless named)"},
                    "student_df": {"type": "number", "minimum": 0, "maximum": 100, "description": "degrees of freedom of the student_t loss, in [2.5, 100] (0 or absent: 5); 0 with the other losses"},
                    "garch_power": {"type": "number", "minimum": 0, "maximum": 1, "description": "a distributional model reads and forecasts returns in units of b = (GARCH(1,1) sd)^garch_power, the GARCH fitted on the training returns and filtered over the 250 returns before each day: the LSTM learns what GARCH misses; 0 = off; always 0 with the mse loss (default preset: 0.5)"},
                    "from": {"$ref": "#/components/schemas/DateOrNull"},
                    "to": {"$ref": "#/components/schemas/DateOrNull"}
                }
            },
            "TrainRequest": {
                "description": "The training keys; any other key is 422.",
                "allOf": [{"$ref": "#/components/schemas/TrainKeys"}],
                "unevaluatedProperties": false
            },
            "BacktestRequest": {
                "description": "The training keys plus folds and gap; ticker is required; any other key is 422.",
                "allOf": [{"$ref": "#/components/schemas/TrainKeys"}],
                "properties": {
                    "folds": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
                    "gap": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0, "description": "bars left out between each fold's training data and its test block"}
                },
                "required": ["ticker"],
                "unevaluatedProperties": false
            },
            "JobParams": {
                "type": "object",
                "description": "The parameters a job trains with, every one resolved (presets and settings applied); folds and gap for backtests. loss and student_df are absent from jobs and models stored before they existed (those were mse), garch_power likewise (those had no GARCH base).",
                "additionalProperties": false,
                "required": ["preset", "window", "layers", "dropout", "epochs", "batch_size", "learning_rate", "patience", "seed", "features", "target", "from", "to"],
                "properties": {
                    "preset": {"enum": ["default", "point", "dist", "report"], "description": "default: the distributional model (dist is the same); point: a point forecast of the next log return; report: the Keras report"},
                    "window": {"type": "integer"},
                    "layers": {"type": "array", "items": {"type": "integer"}},
                    "dropout": {"type": "number"},
                    "epochs": {"type": "integer"},
                    "batch_size": {"type": "integer"},
                    "learning_rate": {"type": "number"},
                    "patience": {"type": "integer"},
                    "seed": {"type": "integer", "minimum": 0},
                    "features": {"type": "array", "items": {"enum": ["open", "high", "low", "close", "adj_close", "volume", "log_return", "range", "body", "gap", "log_volume"]}},
                    "target": {"enum": ["close", "log_return"]},
                    "loss": {"enum": ["mse", "gaussian", "student_t"]},
                    "student_df": {"type": "number"},
                    "garch_power": {"type": "number"},
                    "from": {"$ref": "#/components/schemas/DateOrNull"},
                    "to": {"$ref": "#/components/schemas/DateOrNull"},
                    "folds": {"type": "integer"},
                    "gap": {"type": "integer"}
                }
            },
            "Progress": {
                "type": "object",
                "additionalProperties": false,
                "required": ["epoch", "epochs", "train_loss", "val_loss", "best_epoch", "eta_seconds"],
                "properties": {
                    "epoch": {"type": "integer"},
                    "epochs": {"type": "integer"},
                    "train_loss": {"$ref": "#/components/schemas/NumberOrNull"},
                    "val_loss": {"$ref": "#/components/schemas/NumberOrNull"},
                    "best_epoch": {"type": "integer"},
                    "fold": {"type": "integer", "description": "backtests: the fold being trained, 1-based"},
                    "folds": {"type": "integer", "description": "backtests: how many folds"},
                    "eta_seconds": {"$ref": "#/components/schemas/NumberOrNull"}
                }
            },
            "Job": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "kind", "ticker", "state", "created_at", "started_at", "finished_at", "params", "progress", "model_version", "error", "auto", "result"],
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"enum": ["train", "backtest"]},
                    "ticker": {"type": "string"},
                    "state": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
                    "created_at": {"type": ["string", "null"], "format": "date-time"},
                    "started_at": {"type": ["string", "null"], "format": "date-time"},
                    "finished_at": {"type": ["string", "null"], "format": "date-time"},
                    "params": {"oneOf": [{"$ref": "#/components/schemas/JobParams"}, {"type": "null"}]},
                    "progress": {"oneOf": [{"$ref": "#/components/schemas/Progress"}, {"type": "null"}]},
                    "model_version": {"type": ["integer", "null"], "description": "the version a succeeded training published"},
                    "error": {"type": ["string", "null"]},
                    "auto": {"type": "boolean", "description": "started by the service (first ingest, new bars, schedule)"},
                    "result": {"oneOf": [{"$ref": "#/components/schemas/Backtest"}, {"type": "null"}], "description": "a finished backtest's folds and overall metrics"},
                    "worker": {"type": "string", "description": "PostgreSQL: the replica (replica_id) that claimed the job; absent under SQLite and before a claim"},
                    "lease_until": {"type": "string", "format": "date-time", "description": "PostgreSQL, a running job: its claim holds until then (renewed after every epoch, and between batches once a third of the lease has passed); once passed, another replica takes the job over and runs it from the start"}
                }
            },
            "Jobs": {
                "type": "object",
                "additionalProperties": false,
                "required": ["jobs"],
                "properties": {
                    "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                    "skipped": {"type": "array", "description": "POST /train without a ticker: the series that got no job, with the status they would have had", "items": {"type": "object", "additionalProperties": false, "required": ["ticker", "status", "detail"], "properties": {"ticker": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}}}
                }
            },
            "Range": {
                "type": "object",
                "additionalProperties": false,
                "required": ["from", "to"],
                "properties": {"from": {"$ref": "#/components/schemas/DateOrNull"}, "to": {"$ref": "#/components/schemas/DateOrNull"}, "n": {"type": "integer", "description": "days in the range"}}
            },
            "Backtest": {
                "type": "object",
                "description": "Walk-forward evaluation with an expanding window: the last half of the bars in consecutive test blocks, each fold's scaler and model fitted on the bars before its block only.",
                "additionalProperties": false,
                "required": ["folds", "gap"],
                "properties": {
                    "gap": {"type": "integer"},
                    "folds": {"type": "array", "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["fold", "scaler_fit", "test", "epochs_run", "metrics"],
                        "properties": {
                            "fold": {"type": "integer"},
                            "scaler_fit": {"$ref": "#/components/schemas/Range", "description": "the bars the fold's scaler and training saw"},
                            "test": {"$ref": "#/components/schemas/Range"},
                            "epochs_run": {"type": "integer"},
                            "metrics": {"$ref": "#/components/schemas/Metrics"}}}},
                    "overall": {"$ref": "#/components/schemas/Metrics", "description": "all folds' test days together (absent without folds)"}
                }
            },
            "Evaluation": {
                "type": "object",
                "additionalProperties": false,
                "required": ["ticker", "version", "level", "metrics", "points"],
                "properties": {
                    "ticker": {"type": "string"},
                    "version": {"type": "integer"},
                    "level": {"type": "number", "description": "the level of each point's interval (query level, default 0.9)"},
                    "metrics": {"$ref": "#/components/schemas/Metrics"},
                    "points": {"type": "array", "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["date", "actual", "predicted", "naive", "drift", "sma14", "p_up", "lower", "upper", "sigma"],
                        "properties": {
                            "date": {"$ref": "#/components/schemas/Date"},
                            "actual": {"$ref": "#/components/schemas/NumberOrNull"},
                            "predicted": {"$ref": "#/components/schemas/NumberOrNull", "description": "the model's one-step-ahead close"},
                            "naive": {"$ref": "#/components/schemas/NumberOrNull", "description": "the previous close"},
                            "drift": {"$ref": "#/components/schemas/NumberOrNull"},
                            "sma14": {"$ref": "#/components/schemas/NumberOrNull"},
                            "p_up": {"$ref": "#/components/schemas/NumberOrNull", "description": "P(close > previous close) from the forecast and the held-out residuals"},
                            "mu": {"$ref": "#/components/schemas/NumberOrNull", "description": "distributional models: the forecast mean of the day's log return ln(actual / naive)"},
                            "sigma": {"$ref": "#/components/schemas/NumberOrNull", "description": "the day's scale in log-return units: a distributional model's forecast sigma from that day's inputs; a point model's constant band's implied scale, the sd of its held-out log residuals"},
                            "lower": {"$ref": "#/components/schemas/NumberOrNull", "description": "the day's interval at level, from what was known before that day: naive * e^(mu + s q sigma) with q the conformal quantiles (shrunk toward the Gaussian ones while few residuals are known) and s the recent scale of the standardised residuals seen so far (the held-out days, then each earlier test day: the adapted state) for a distributional model; predicted * e^lo for a point model (the constant band)"},
                            "upper": {"$ref": "#/components/schemas/NumberOrNull", "description": "the interval's upper close, as lower"}}}}
                }
            },
            "Anomalies": {
                "type": "object",
                "additionalProperties": false,
                "required": ["ticker", "model_version", "threshold", "residual_sd", "checked", "anomalies"],
                "properties": {
                    "ticker": {"type": "string"},
                    "model_version": {"type": "integer"},
                    "threshold": {"type": "number"},
                    "residual_sd": {"$ref": "#/components/schemas/NumberOrNull", "description": "point models: the sd of the held-out log residuals (every day's sigma); distributional models: the calibrated scale s_z of the held-out standardised residuals, the width of their 95 % conformal interval over 2 x 1.96, by which each day's forecast sigma is multiplied"},
                    "checked": {"$ref": "#/components/schemas/Range", "description": "the days forecast and compared (from and to null when none)"},
                    "anomalies": {"type": "array", "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["date", "actual", "predicted", "residual", "sigma", "z"],
                        "properties": {
                            "date": {"$ref": "#/components/schemas/Date"},
                            "actual": {"type": "number"},
                            "predicted": {"type": "number"},
                            "residual": {"type": "number", "description": "ln(actual / predicted): actual log return - predicted log return"},
                            "sigma": {"type": "number", "description": "the day's scale: residual_sd (point models), or the day's forecast sigma x residual_sd from the bars before it (distributional models)"},
                            "z": {"type": "number", "description": "residual / sigma"}}}}
                }
            },
            "Scores": {
                "type": "object",
                "description": "Accuracy of one forecaster on the test period; ratios are fractions; null when not defined.",
                "additionalProperties": false,
                "required": ["rmse", "mae", "mape", "smape", "mase", "directional_accuracy"],
                "properties": {
                    "rmse": {"$ref": "#/components/schemas/NumberOrNull"},
                    "mae": {"$ref": "#/components/schemas/NumberOrNull"},
                    "mape": {"$ref": "#/components/schemas/NumberOrNull"},
                    "smape": {"$ref": "#/components/schemas/NumberOrNull"},
                    "mase": {"$ref": "#/components/schemas/NumberOrNull"},
                    "directional_accuracy": {"$ref": "#/components/schemas/NumberOrNull"},
                    "intervals": {"$ref": "#/components/schemas/IntervalScores"}
                }
            },
            "IntervalScores": {
                "type": "object",
                "description": "How the forecaster's central 80 % and 95 % intervals held, in log-return space (y = ln(close / previous close)), on the test days the model's calibration did not use (the same days for the model, ewma and garch). Absent: not measured (documents stored before these scores existed).",
                "additionalProperties": false,
                "required": ["days", "coverage80", "coverage95", "coverage80_calm", "coverage80_middle", "coverage80_volatile", "interval_score80", "interval_score95", "kupiec95_p", "christoffersen95_p", "days_h5", "coverage80_h5"],
                "properties": {
                    "days": {"type": "integer", "description": "days scored"},
                    "coverage80": {"$ref": "#/components/schemas/NumberOrNull", "description": "share of days inside the 80 % interval"},
                    "coverage95": {"$ref": "#/components/schemas/NumberOrNull", "description": "share of days inside the 95 % interval"},
                    "coverage80_calm": {"$ref": "#/components/schemas/NumberOrNull", "description": "80 % coverage on the third of the days with the lowest trailing 20-day realised volatility known at forecast time"},
                    "coverage80_middle": {"$ref": "#/components/schemas/NumberOrNull", "description": "... on the middle third"},
                    "coverage80_volatile": {"$ref": "#/components/schemas/NumberOrNull", "description": "... on the third with the highest"},
                    "interval_score80": {"$ref": "#/components/schemas/NumberOrNull", "description": "mean interval score (Gneiting & Raftery 2007) of the 80 % interval, log-return units; lower is better"},
                    "interval_score95": {"$ref": "#/components/schemas/NumberOrNull", "description": "the same at 95 %"},
                    "kupiec95_p": {"$ref": "#/components/schemas/NumberOrNull", "description": "Kupiec's test p-value: are there as many 95 % misses as promised"},
                    "christoffersen95_p": {"$ref": "#/components/schemas/NumberOrNull", "description": "Christoffersen's independence test p-value: low when the 95 % misses are not independent from one day to the next; miss95_after_miss says which way"},
                    "miss95_after_miss": {"$ref": "#/components/schemas/NumberOrNull", "description": "share of the days right after a 95 % miss that are misses too: about 0.05 when the misses are independent, more when they cluster, 0 when they never follow each other; null when no day before the last is a miss. Absent from documents stored before it existed"},
                    "days_h5": {"type": "integer", "description": "days whose close 5 sessions ahead was forecast"},
                    "coverage80_h5": {"$ref": "#/components/schemas/NumberOrNull", "description": "share of them inside the 80 % interval forecast 5 sessions before: the model's from 256 sample paths (distributional) or its constant band widened by sqrt(5) (point); ewma's and garch's Gaussian, with their 5-day variance, around the last close"}
                }
            },
            "Metrics": {
                "type": "object",
                "description": "The held-out test period, the model first, then the baselines; skill = 1 - rmse_model / rmse_naive. ewma (RiskMetrics, lambda 0.94) and garch (GARCH(1,1) fitted by QML on the training part only) are centred on the naive forecast, so their point scores are naive's: they are there for their intervals.",
                "additionalProperties": false,
                "required": ["period", "skill"],
                "properties": {
                    "period": {"$ref": "#/components/schemas/Range"},
                    "model": {"$ref": "#/components/schemas/Scores"},
                    "naive": {"$ref": "#/components/schemas/Scores"},
                    "drift": {"$ref": "#/components/schemas/Scores"},
                    "sma14": {"$ref": "#/components/schemas/Scores"},
                    "ewma": {"$ref": "#/components/schemas/Scores"},
                    "garch": {"$ref": "#/components/schemas/Scores"},
                    "skill": {"$ref": "#/components/schemas/NumberOrNull"},
                    "interval_skill80": {"$ref": "#/components/schemas/NumberOrNull", "description": "1 - interval_score80 of the model / of garch: > 0 when the model's 80 % intervals beat GARCH(1,1)'s (present with both rows' intervals)"},
                    "interval_skill95": {"$ref": "#/components/schemas/NumberOrNull", "description": "the same at 95 %"},
                    "calibration": {
                        "type": "object",
                        "description": "measured on test days the intervals' calibration did not use (absent when there were none)",
                        "additionalProperties": false,
                        "required": ["residuals", "days", "coverage80", "coverage95", "brier"],
                        "properties": {
                            "residuals": {"type": "integer", "description": "held-out residuals the intervals come from"},
                            "days": {"type": "integer"},
                            "coverage80": {"$ref": "#/components/schemas/NumberOrNull"},
                            "coverage95": {"$ref": "#/components/schemas/NumberOrNull"},
                            "brier": {"$ref": "#/components/schemas/NumberOrNull", "description": "of P(up) against the actual direction"}}}
                }
            },
            "Model": {
                "type": "object",
                "additionalProperties": false,
                "required": ["ticker", "version", "created_at", "champion", "params", "data", "metrics", "epochs_run", "train_seconds"],
                "properties": {
                    "ticker": {"type": "string"},
                    "version": {"type": "integer"},
                    "created_at": {"type": ["string", "null"], "format": "date-time"},
                    "champion": {"type": "boolean"},
                    "params": {"oneOf": [{"$ref": "#/components/schemas/JobParams"}, {"type": "null"}]},
                    "data": {"oneOf": [{"type": "object", "additionalProperties": false, "required": ["first_date", "last_date", "bars", "sha256"], "properties": {"first_date": {"$ref": "#/components/schemas/DateOrNull"}, "last_date": {"$ref": "#/components/schemas/DateOrNull"}, "bars": {"type": "integer"}, "sha256": {"type": "string", "description": "SHA-256 of GET /series/{ticker}/bars?from=first_date&to=last_date&format=csv"}}}, {"type": "null"}]},
                    "metrics": {"oneOf": [{"$ref": "#/components/schemas/Metrics"}, {"type": "null"}]},
                    "epochs_run": {"type": "integer"},
                    "train_seconds": {"type": "number"}
                }
            },
            "Prediction": {
                "type": "object",
                "additionalProperties": false,
                "required": ["ticker", "as_of", "last_close", "model_version", "level", "predictions", "metrics"],
                "properties": {
                    "ticker": {"type": "string"},
                    "as_of": {"$ref": "#/components/schemas/DateOrNull", "description": "date of the last bar used"},
                    "last_close": {"$ref": "#/components/schemas/NumberOrNull"},
                    "model_version": {"type": "integer"},
                    "level": {"$ref": "#/components/schemas/NumberOrNull"},
                    "predictions": {"type": "array", "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["date", "close", "lower", "upper", "p_up"],
                        "properties": {
                            "date": {"$ref": "#/components/schemas/DateOrNull", "description": "the trading session"},
                            "close": {"$ref": "#/components/schemas/NumberOrNull"},
                            "lower": {"$ref": "#/components/schemas/NumberOrNull"},
                            "upper": {"$ref": "#/components/schemas/NumberOrNull"},
                            "p_up": {"$ref": "#/components/schemas/NumberOrNull", "description": "P(close > last_close)"}}}},
                    "metrics": {"$ref": "#/components/schemas/Metrics"}
                }
            },
            "PredictionList": {
                "type": "object",
                "description": "GET /predict with a list of tickers (`ticker=A,B,C`): every ticker of the list in exactly one of the two arrays, each array in the order of the list.",
                "additionalProperties": false,
                "required": ["forecasts", "errors"],
                "properties": {
                    "forecasts": {"type": "array", "maxItems": 100, "description": "the forecasts, each the same object (byte for byte) that GET /predict?ticker=<it> answers with the same horizon and level", "items": {"$ref": "#/components/schemas/Prediction"}},
                    "errors": {"type": "array", "maxItems": 100, "description": "the tickers without a forecast, each the problem GET /predict?ticker=<it> would answer (404 no such series, 409 no model yet, 422 too few bars) with its `ticker`", "items": {"allOf": [{"$ref": "#/components/schemas/Problem"}], "required": ["ticker"]}}
                }
            }
        },
        "examples": {
            "Job": {"summary": "a queued training job", "value": {"id": 1, "kind": "train", "ticker": "NFLX", "state": "queued", "created_at": "2024-06-10T09:30:00Z", "started_at": null, "finished_at": null, "params": {"preset": "default", "window": 20, "layers": [16], "dropout": 0, "epochs": 3, "batch_size": 32, "learning_rate": 0.0003, "patience": 10, "seed": 1, "features": ["log_return"], "target": "log_return", "from": null, "to": null}, "progress": {"epoch": 0, "epochs": 3, "train_loss": null, "val_loss": null, "best_epoch": 0, "eta_seconds": null}, "model_version": null, "error": null, "auto": false, "result": null}},
            "Model": {"summary": "a champion model version", "value": {"ticker": "NFLX", "version": 1, "created_at": "2024-06-10T09:30:01Z", "champion": true, "params": {"preset": "default", "window": 20, "layers": [16], "dropout": 0, "epochs": 3, "batch_size": 32, "learning_rate": 0.0003, "patience": 10, "seed": 1, "features": ["log_return"], "target": "log_return", "from": null, "to": null}, "data": {"first_date": "2015-12-16", "last_date": "2019-12-16", "bars": 1007, "sha256": "6778c7e3d276d32332ad964785c6855448532114ddfef01fb69064a3c2fad7c7"}, "metrics": {"period": {"from": "2019-03-04", "to": "2019-12-16", "n": 201}, "model": {"rmse": 6.725, "mae": 5.049, "mape": 0.0156, "smape": 0.0155, "mase": 1.669, "directional_accuracy": 0.507}, "naive": {"rmse": 6.725, "mae": 5.049, "mape": 0.0156, "smape": 0.0155, "mase": 1.669, "directional_accuracy": 0}, "skill": -0.00004, "calibration": {"residuals": 101, "days": 201, "coverage80": 0.985, "coverage95": 0.995, "brier": 0.251}}, "epochs_run": 3, "train_seconds": 0.19}}
        },
        "responses": {
            "BadRequest": {"description": "Malformed: a ticker that is not one, a body that is not JSON, more than 32 query parameters.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "invalid ticker 'NF/LX': use 1-16 characters of A-Z 0-9 . - ^ ="}}}},
            "Unauthorized": {"description": "The server has an api_key and the request did not send it as Authorization: Bearer KEY.", "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWWAuthenticate"}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "wrong API key"}}}},
            "NotFound": {"description": "No such series, job or model version.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no series NFLX"}}}},
            "Conflict": {"description": "A job is in the way: the problem names it in `job`.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "NFLX already has backtest job 3 queued or running; wait for it or cancel it with DELETE /jobs/3", "job": "/jobs/3"}}}},
            "NoModel": {"description": "The series has no trained model yet: POST /train, then ask again when the job succeeded.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "NFLX has no trained model yet: POST /train with {\"ticker\":\"NFLX\"} and predict when the job succeeded"}}}},
            "TooLarge": {"description": "The body is larger than max_body_bytes.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Content Too Large", "status": 413, "detail": "the body is larger than max_body_bytes (67108864 bytes); split the upload"}}}},
            "Invalid": {"description": "Well-formed but not acceptable: a parameter out of range, an unknown key, too few bars.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Unprocessable Content", "status": 422, "detail": "horizon: '99' is not a whole number in [1, 30]"}}}},
            "RateLimited": {"description": "More than rate_limit_per_second requests from this client address to this process (the bucket is per process: see the info description).", "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Too Many Requests", "status": 429, "detail": "more than 2 requests per second from this client; retry after 1 s"}}}},
            "ServerError": {"description": "Out of memory, or the database failed to read or write.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Internal Server Error", "status": 500, "detail": "input/output error"}}}},
            "StorageFull": {"description": "The disk is full: nothing of the write was stored; retry once space is freed.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Insufficient Storage", "status": 507, "detail": "the disk is full: nothing of the batch was written"}}}},
            "UriTooLong": {"description": "The request line (method, path, query string) does not fit in the 32768 bytes (32 KB) a request's line and headers share; the connection is closed after the answer.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "URI Too Long", "status": 414, "detail": "the request line is longer than the 32768 bytes (32 KB) a request's line and headers may take together"}}}},
            "HeadersTooLarge": {"description": "The request line and headers together do not fit in 32768 bytes (32 KB), each header also taking some room beside its text; the connection is closed after the answer.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Request Header Fields Too Large", "status": 431, "detail": "the request line and headers take more than the 32768 bytes (32 KB) a request may use for them (each header also takes room beside its text)"}}}},
            "Unavailable": {"description": "The database is not open yet or cannot be reached (PostgreSQL restarting: the service reconnects by itself; see /readyz), or the trainer has not started. Nothing of the request was written.", "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "the database is not open yet; retry shortly (see /readyz)"}}}}
        }
    },
    "paths": {
        "/healthz": {
            "get": {
                "operationId": "getHealth",
                "summary": "Liveness: the process answers. Never rate-limited.",
                "security": [],
                "responses": {
                    "200": {"description": "alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}, "example": {"status": "ok"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"}
                }
            }
        },
        "/readyz": {
            "get": {
                "operationId": "getReadiness",
                "summary": "Readiness: the database is open and migrated. Never rate-limited.",
                "security": [],
                "responses": {
                    "200": {"description": "ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}, "example": {"status": "ready", "schema_version": 5, "replica": "web-1:8080"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            }
        },
        "/metrics": {
            "get": {
                "operationId": "getMetrics",
                "summary": "Prometheus metrics: requests by route and status, latency histogram, bars ingested, jobs, each champion's live error. Never rate-limited.",
                "security": [],
                "responses": {
                    "200": {"description": "text exposition format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}, "example": "forecastd_http_requests_total{route=\"/predict\",status=\"200\"} 12\n"}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"}
                }
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"], "properties": {"openapi": {"const": "3.1.0"}, "info": {"type": "object"}, "paths": {"type": "object"}}}, "example": {"openapi": "3.1.0", "info": {"title": "forecastd", "version": "0.1.0"}, "paths": {}}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"}
                }
            }
        },
        "/series": {
            "get": {
                "operationId": "listSeries",
                "summary": "Every series with its bar count, date range and champion model version.",
                "security": [],
                "responses": {
                    "200": {"description": "the series", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["series"], "properties": {"series": {"type": "array", "items": {"$ref": "#/components/schemas/Series"}}}}, "example": {"series": [{"ticker": "NFLX", "bars": 1007, "first_date": "2015-12-16", "last_date": "2019-12-16", "champion_version": 1}]}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            }
        },
        "/series/{ticker}": {
            "parameters": [{"$ref": "#/components/parameters/ticker"}],
            "delete": {
                "operationId": "deleteSeries",
                "summary": "Remove the series with its bars, models and jobs.",
                "security": [{"bearer": []}, {}],
                "responses": {
                    "204": {"description": "removed"},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                    "507": {"$ref": "#/components/responses/StorageFull"}
                }
            }
        },
        "/series/{ticker}/bars": {
            "parameters": [{"$ref": "#/components/parameters/ticker"}],
            "get": {
                "operationId": "getBars",
                "summary": "Bars in ascending date order.",
                "security": [],
                "parameters": [
                    {"name": "from", "in": "query", "description": "first date, inclusive", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "description": "last date, inclusive", "schema": {"type": "string", "format": "date"}},
                    {"name": "limit", "in": "query", "description": "keep the most recent N of the range", "schema": {"type": "integer", "minimum": 1, "maximum": 100000000}},
                    {"$ref": "#/components/parameters/format"}
                ],
                "responses": {
                    "200": {
                        "description": "the bars",
                        "content": {
                            "application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["ticker", "bars"], "properties": {"ticker": {"type": "string"}, "bars": {"type": "array", "items": {"$ref": "#/components/schemas/StoredBar"}}}}, "example": {"ticker": "NFLX", "bars": [{"date": "2019-12-16", "open": 294.01, "high": 300.8, "low": 293.5, "close": 298.5, "adj_close": 298.5, "volume": 5860900}]}},
                            "text/csv": {"schema": {"type": "string", "description": "header date,open,high,low,close,adj_close,volume"}, "example": "date,open,high,low,close,adj_close,volume\n2019-12-16,294.01,300.8,293.5,298.5,298.5,5860900\n"}
                        }
                    },
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            },
            "post": {
                "operationId": "ingestBars",
                "summary": "Ingest bars: validate every row, upsert by (ticker, date) in one transaction.",
                "security": [{"bearer": []}, {}],
                "parameters": [
                    {"name": "on_error", "in": "query", "description": "reject: any bad row refuses the batch; skip: store the good rows, list the bad", "schema": {"enum": ["reject", "skip"], "default": "reject"}}
                ],
                "requestBody": {
                    "required": true,
                    "content": {
                        "text/csv": {"schema": {"type": "string", "description": "Yahoo layout with a header: Date,Open,High,Low,Close,Adj Close,Volume (names case-insensitive; Adj Close optional, also Adj_close or adj_close)"}, "example": "Date,Open,High,Low,Close,Adj Close,Volume\n2019-12-16,294.01,300.8,293.5,298.5,298.5,5860900\n"},
                        "application/json": {"schema": {"type": "object", "required": ["bars"], "properties": {"bars": {"type": "array", "items": {"$ref": "#/components/schemas/Bar"}}}}, "example": {"bars": [{"date": "2019-12-16", "open": 294.01, "high": 300.8, "low": 293.5, "close": 298.5, "adj_close": 298.5, "volume": 5860900}]}}
                    }
                },
                "responses": {
                    "200": {"description": "stored (with on_error=skip, the bad rows are listed in errors)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestResult"}, "example": {"ticker": "NFLX", "received": 2, "inserted": 1, "updated": 0, "unchanged": 0, "skipped": 1, "errors": [{"row": 2, "date": "2019-12-17", "field": "open", "message": "must be >= 0, got -1"}], "first_date": "2015-12-16", "last_date": "2019-12-16", "bars_total": 1007}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "413": {"$ref": "#/components/responses/TooLarge"},
                    "415": {"description": "No Content-Type, or neither text/csv nor application/json.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Unsupported Media Type", "status": 415, "detail": "unsupported Content-Type 'text/plain': send Content-Type: text/csv (Yahoo layout: Date,Open,High,Low,Close,Adj Close,Volume) or Content-Type: application/json ({\"bars\":[...]})"}}}},
                    "422": {"description": "Rows failed validation and nothing was written (on_error=reject), or no good row; the first bad rows are listed.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Unprocessable Content", "status": 422, "detail": "1 of 2 rows failed validation; nothing was written (on_error=reject). Fix the rows listed in errors, or send ?on_error=skip to store the good rows", "errors": [{"row": 2, "date": "2019-12-17", "field": "open", "message": "must be >= 0, got -1"}], "bad_rows": 1, "errors_total": 1}}}},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                    "507": {"$ref": "#/components/responses/StorageFull"}
                }
            }
        },
        "/train": {
            "post": {
                "operationId": "train",
                "summary": "Queue a training job for one series (ticker in the body or the query), or for every series (no ticker).",
                "security": [{"bearer": []}, {}],
                "parameters": [{"$ref": "#/components/parameters/tickerFilter"}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrainRequest"}, "example": {"ticker": "NFLX", "preset": "default", "seed": 1}}}},
                "responses": {
                    "202": {
                        "description": "queued: one job (Location: /jobs/{id}), or without a ticker one per series (Location: /jobs?state=queued) and the series skipped",
                        "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                        "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Job"}, {"$ref": "#/components/schemas/Jobs"}]}, "examples": {"one": {"$ref": "#/components/examples/Job"}, "every": {"summary": "no ticker: every series", "value": {"jobs": [], "skipped": [{"ticker": "ABC", "status": 422, "detail": "too few bars for ABC: 1 in the range; too few bars: 1, this configuration needs at least 35"}]}}}}}
                    },
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": {"$ref": "#/components/responses/Conflict"},
                    "413": {"$ref": "#/components/responses/TooLarge"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                    "507": {"$ref": "#/components/responses/StorageFull"}
                }
            }
        },
        "/jobs": {
            "get": {
                "operationId": "listJobs",
                "summary": "Jobs, newest first.",
                "security": [],
                "parameters": [
                    {"$ref": "#/components/parameters/tickerFilter"},
                    {"name": "state", "in": "query", "schema": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]}},
                    {"$ref": "#/components/parameters/limit"}
                ],
                "responses": {
                    "200": {"description": "the jobs", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Jobs"}, "example": {"jobs": []}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            }
        },
        "/jobs/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "description": "anything but a whole number >= 1 is 404", "schema": {"type": "integer", "minimum": 1}, "example": 1}],
            "get": {
                "operationId": "getJob",
                "summary": "One job with its progress.",
                "security": [],
                "responses": {
                    "200": {"description": "the job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}, "examples": {"queued": {"$ref": "#/components/examples/Job"}}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            },
            "delete": {
                "operationId": "cancelJob",
                "summary": "Cancel a job: a queued one at once, a running one at its next batch boundary (its partial model is never published).",
                "security": [{"bearer": []}, {}],
                "responses": {
                    "200": {"description": "the cancelled job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}, "examples": {"cancelled": {"$ref": "#/components/examples/Job"}}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": {"description": "The job has already finished; the problem names it in `job`.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "example": {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "job 3 already succeeded", "job": "/jobs/3"}}}},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                    "507": {"$ref": "#/components/responses/StorageFull"}
                }
            }
        },
        "/models": {
            "get": {
                "operationId": "listModels",
                "summary": "Stored model versions, newest first.",
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/tickerFilter"}, {"$ref": "#/components/parameters/limit"}],
                "responses": {
                    "200": {"description": "the versions", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["models"], "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}}, "example": {"models": []}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            }
        },
        "/models/{ticker}/{version}/promote": {
            "parameters": [{"$ref": "#/components/parameters/ticker"}, {"$ref": "#/components/parameters/version"}],
            "post": {
                "operationId": "promoteModel",
                "summary": "Make that version the champion (rollback).",
                "security": [{"bearer": []}, {}],
                "responses": {
                    "200": {"description": "the model, now champion", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}, "examples": {"champion": {"$ref": "#/components/examples/Model"}}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "413": {"$ref": "#/components/responses/TooLarge"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                    "507": {"$ref": "#/components/responses/StorageFull"}
                }
            }
        },
        "/models/{ticker}/{version}/evaluation": {
            "parameters": [{"$ref": "#/components/parameters/ticker"}, {"$ref": "#/components/parameters/version"}, {"$ref": "#/components/parameters/format"}, {"name": "level", "in": "query", "description": "the level of each point's interval", "schema": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.9}}],
            "get": {
                "operationId": "getEvaluation",
                "summary": "The version's test period day by day: actual, the model's one-step forecast, and the baselines (for a predicted-vs-actual chart).",
                "security": [],
                "responses": {
                    "200": {"description": "the points", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Evaluation"}, "example": {"ticker": "NFLX", "version": 1, "level": 0.9, "metrics": {"period": {"from": "2019-03-04", "to": "2019-12-16", "n": 201}, "skill": -0.00004}, "points": [{"date": "2019-03-04", "actual": 351.04, "predicted": 357.31, "naive": 357.32, "drift": 357.89, "sma14": 358.74, "p_up": 0.475, "mu": 0.00003, "sigma": 0.0171, "lower": 347.6, "upper": 367.2}]}},
                        "text/csv": {"schema": {"type": "string", "description": "date,actual,predicted,naive,drift,sma14,p_up,lower,upper,sigma"}, "example": "date,actual,predicted,naive,drift,sma14,p_up,lower,upper,sigma\n2019-03-04,351.04,357.31,357.32,357.89,358.74,0.475,347.6,367.2,0.0171\n"}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            }
        },
        "/backtest": {
            "post": {
                "operationId": "backtest",
                "summary": "Queue a walk-forward backtest job (k folds, expanding window); its result is on GET /jobs/{id}.",
                "security": [{"bearer": []}, {}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BacktestRequest"}, "example": {"ticker": "NFLX", "folds": 5, "gap": 0}}}},
                "responses": {
                    "202": {"description": "queued; Location: /jobs/{id}", "headers": {"Location": {"$ref": "#/components/headers/Location"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}, "example": {"id": 3, "kind": "backtest", "ticker": "NFLX", "state": "queued", "created_at": "2024-06-10T09:30:00Z", "started_at": null, "finished_at": null, "params": {"preset": "default", "window": 20, "layers": [16], "dropout": 0, "epochs": 100, "batch_size": 32, "learning_rate": 0.0003, "patience": 10, "seed": 1, "features": ["log_return"], "target": "log_return", "from": null, "to": null, "folds": 5, "gap": 0}, "progress": {"epoch": 0, "epochs": 100, "train_loss": null, "val_loss": null, "best_epoch": 0, "eta_seconds": null}, "model_version": null, "error": null, "auto": false, "result": null}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": {"$ref": "#/components/responses/Conflict"},
                    "413": {"$ref": "#/components/responses/TooLarge"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                    "507": {"$ref": "#/components/responses/StorageFull"}
                }
            }
        },
        "/anomalies": {
            "get": {
                "operationId": "listAnomalies",
                "summary": "Days whose move the champion did not see coming: one-step residuals in return space with |z| >= threshold.",
                "security": [],
                "parameters": [
                    {"$ref": "#/components/parameters/tickerRequired"},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "threshold", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1000000, "default": 3}}
                ],
                "responses": {
                    "200": {"description": "the anomalies", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Anomalies"}, "example": {"ticker": "NFLX", "model_version": 1, "threshold": 3, "residual_sd": 0.0345, "checked": {"n": 986, "from": "2016-01-19", "to": "2019-12-16"}, "anomalies": [{"date": "2016-04-19", "actual": 94.34, "predicted": 108.4, "residual": -0.1389, "sigma": 0.0345, "z": -4.028}]}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": {"$ref": "#/components/responses/NoModel"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            }
        },
        "/predict": {
            "get": {
                "operationId": "predict",
                "summary": "The next closes from the champion (or a version), on the next trading sessions, with a prediction interval from the held-out residuals; for one ticker or a list of them.",
                "description": "With one ticker the answer is a Prediction. With a comma-separated list (`ticker=NFLX,AAPL`, 2 to 100 tickers, each valid, none twice) it is a PredictionList: each ticker's forecast exactly as its own request answers it (from the same prediction cache), and a problem naming the ticker for each one without a forecast; the answer is 200 however many of them have none. horizon and level apply to every ticker. A bad list (an empty item, an invalid ticker, a ticker twice, more than 100) is 400, and so is version with a list (a version is one ticker's). A server error on any ticker (500) is the whole answer's. The list counts as one request for the rate limit.",
                "security": [],
                "parameters": [
                    {"name": "ticker", "in": "query", "required": true, "description": "one ticker, or a comma-separated list of 2 to 100 distinct tickers (any case); absent is 422, a ticker that is not one or a bad list is 400", "schema": {"type": "string"}, "examples": {"one": {"summary": "one ticker", "value": "NFLX"}, "list": {"summary": "a portfolio", "value": "NFLX,AAPL,MSFT"}}},
                    {"name": "horizon", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 30, "default": 1}},
                    {"name": "level", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.9}},
                    {"name": "version", "in": "query", "description": "a stored model version instead of the champion; one ticker only (400 with a list)", "schema": {"type": "integer", "minimum": 1}}
                ],
                "responses": {
                    "200": {"description": "the forecast (one ticker), or the forecasts and problems of a list", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Prediction"}, {"$ref": "#/components/schemas/PredictionList"}]}, "examples": {"one": {"summary": "GET /predict?ticker=NFLX", "value": {"ticker": "NFLX", "as_of": "2019-12-16", "last_close": 298.5, "model_version": 1, "level": 0.9, "predictions": [{"date": "2019-12-17", "close": 298.49, "lower": 282.25, "upper": 316.3, "p_up": 0.475}], "metrics": {"period": {"from": "2019-03-04", "to": "2019-12-16", "n": 201}, "skill": -0.00004}}}, "list": {"summary": "GET /predict?ticker=NFLX,AAPL,ZZZ", "value": {"forecasts": [{"ticker": "NFLX", "as_of": "2019-12-16", "last_close": 298.5, "model_version": 1, "level": 0.9, "predictions": [{"date": "2019-12-17", "close": 298.49, "lower": 282.25, "upper": 316.3, "p_up": 0.475}], "metrics": {"period": {"from": "2019-03-04", "to": "2019-12-16", "n": 201}, "skill": -0.00004}}], "errors": [{"type": "about:blank", "title": "Conflict", "status": 409, "detail": "AAPL has no trained model yet: POST /train with {\"ticker\":\"AAPL\"} and predict when the job succeeded", "ticker": "AAPL"}, {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no series ZZZ", "ticker": "ZZZ"}]}}}}}},
                    "400": {"description": "Malformed: a ticker that is not one; with a list, an empty item, a ticker twice, more than 100 tickers, or version with a list.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}, "examples": {"ticker": {"summary": "not a ticker", "value": {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "invalid ticker 'NF/LX': use 1-16 characters of A-Z 0-9 . - ^ ="}}, "twice": {"summary": "a ticker twice", "value": {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "ticker: NFLX is listed twice"}}, "many": {"summary": "over 100", "value": {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "ticker: more than 100 tickers; split the list over several requests"}}, "version": {"summary": "version with a list", "value": {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "version names a model of one ticker: ask for it with a single ticker"}}}}}},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": {"$ref": "#/components/responses/NoModel"},
                    "422": {"$ref": "#/components/responses/Invalid"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"},
                    "503": {"$ref": "#/components/responses/Unavailable"}
                }
            }
        },
        "/": {
            "get": {
                "operationId": "getDashboard",
                "summary": "The dashboard: index.html of web_dir (its other static files are served at their own paths).",
                "security": [],
                "responses": {
                    "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}, "example": "<!doctype html><title>forecastd</title>"}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "414": {"$ref": "#/components/responses/UriTooLong"},
                    "431": {"$ref": "#/components/responses/HeadersTooLarge"},
                    "500": {"$ref": "#/components/responses/ServerError"}
                }
            }
        }
    }
});
/* clang-format on */
