/* openapi.c — the OpenAPI 3.1 description served at GET /openapi.json.
 *
 * It lists only the endpoints this binary really has; a route added to
 * api.c gets its entry here in the same commit (tests/api/test_http.py
 * checks that every route is listed and every $ref resolves). The document is written as JSON tokens inside a macro
 * that stringifies them, so it stays readable JSON in the source without a
 * build step or escaped quotes; the price is that whitespace collapses and
 * the text must consist of valid C tokens (it does: JSON strings are C
 * strings). */
#include "api.h"

#define FC_JSON_TEXT(...) #__VA_ARGS__

const char fc_openapi_json[] = FC_JSON_TEXT({
    "openapi": "3.1.0",
    "info": {
        "title": "forecastd",
        "version": "0.1.0",
        "description": "Daily OHLCV bars in, LSTM forecasts out. Errors are RFC 9457 application/problem+json."
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "Needed for POST and DELETE when the server has an api_key."}
        },
        "parameters": {
            "ticker": {
                "name": "ticker", "in": "path", "required": true,
                "description": "1-16 characters of A-Z 0-9 . - ^ =, any case (stored upper-case); anything else is 400.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9.^=-]{1,16}$"}
            }
        },
        "schemas": {
            "Bar": {
                "type": "object",
                "required": ["date", "open", "high", "low", "close", "volume"],
                "properties": {
                    "date": {"type": "string", "format": "date"},
                    "open": {"type": "number", "minimum": 0},
                    "high": {"type": "number", "minimum": 0},
                    "low": {"type": "number", "minimum": 0},
                    "close": {"type": "number", "exclusiveMinimum": 0},
                    "adj_close": {"type": ["number", "null"]},
                    "volume": {"type": "integer", "minimum": 0}
                }
            },
            "RowError": {
                "type": "object",
                "required": ["row", "date", "field", "message"],
                "properties": {
                    "row": {"type": "integer", "description": "1-based bar number in the batch, header not counted"},
                    "date": {"type": ["string", "null"], "format": "date"},
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"}
                }
            },
            "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string", "const": "about:blank"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RowError"}},
                    "bad_rows": {"type": "integer"},
                    "errors_total": {"type": "integer"},
                    "job": {"type": "string", "description": "the job in the way (409), e.g. /jobs/7"}
                }
            },
            "IngestResult": {
                "type": "object",
                "required": ["ticker", "received", "inserted", "updated", "unchanged", "skipped", "errors", "first_date", "last_date", "bars_total"],
                "properties": {
                    "ticker": {"type": "string"},
                    "received": {"type": "integer"},
                    "inserted": {"type": "integer"},
                    "updated": {"type": "integer"},
                    "unchanged": {"type": "integer"},
                    "skipped": {"type": "integer", "description": "bars (rows) skipped, not error items"},
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RowError"}},
                    "first_date": {"type": ["string", "null"], "format": "date"},
                    "last_date": {"type": ["string", "null"], "format": "date"},
                    "bars_total": {"type": "integer"}
                }
            },
            "Series": {
                "type": "object",
                "properties": {
                    "ticker": {"type": "string"},
                    "bars": {"type": "integer"},
                    "first_date": {"type": ["string", "null"], "format": "date"},
                    "last_date": {"type": ["string", "null"], "format": "date"},
                    "champion_version": {"type": ["integer", "null"]}
                }
            },
            "TrainRequest": {
                "type": "object",
                "additionalProperties": false,
                "description": "Every key is optional; unknown keys are 422. Without a preset the server's train.* settings apply. Bounds: epochs <= train.max_epochs, window <= train.max_window, units per layer <= train.max_units.",
                "properties": {
                    "ticker": {"type": "string"},
                    "preset": {"enum": ["default", "report"]},
                    "window": {"type": "integer", "minimum": 2},
                    "layers": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 4},
                    "dropout": {"type": "number", "minimum": 0, "maximum": 0.9},
                    "epochs": {"type": "integer", "minimum": 1},
                    "batch_size": {"type": "integer", "minimum": 1, "maximum": 65536},
                    "learning_rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                    "patience": {"type": "integer", "minimum": 0},
                    "seed": {"type": "integer", "minimum": 0},
                    "features": {"type": "array", "items": {"enum": ["open", "high", "low", "close", "adj_close", "volume", "log_return"]}, "minItems": 1},
                    "target": {"enum": ["close", "log_return"]},
                    "from": {"type": ["string", "null"], "format": "date"},
                    "to": {"type": ["string", "null"], "format": "date"}
                }
            },
            "Progress": {
                "type": "object",
                "properties": {
                    "epoch": {"type": "integer"},
                    "epochs": {"type": "integer"},
                    "train_loss": {"type": ["number", "null"]},
                    "val_loss": {"type": ["number", "null"]},
                    "best_epoch": {"type": "integer"},
                    "fold": {"type": "integer", "description": "backtests: the fold being trained, 1-based"},
                    "folds": {"type": "integer", "description": "backtests: how many folds"},
                    "eta_seconds": {"type": ["number", "null"]}
                }
            },
            "Job": {
                "type": "object",
                "required": ["id", "kind", "ticker", "state", "created_at", "started_at", "finished_at", "params", "progress", "model_version", "error"],
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"enum": ["train", "backtest"]},
                    "ticker": {"type": "string"},
                    "state": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "started_at": {"type": ["string", "null"], "format": "date-time"},
                    "finished_at": {"type": ["string", "null"], "format": "date-time"},
                    "params": {"$ref": "#/components/schemas/TrainRequest"},
                    "progress": {"$ref": "#/components/schemas/Progress"},
                    "model_version": {"type": ["integer", "null"]},
                    "error": {"type": ["string", "null"]},
                    "auto": {"type": "boolean", "description": "started by the service (first ingest, new bars, schedule)"},
                    "result": {"oneOf": [{"$ref": "#/components/schemas/Backtest"}, {"type": "null"}], "description": "a finished backtest's folds and overall metrics"}
                }
            },
            "BacktestRequest": {
                "allOf": [{"$ref": "#/components/schemas/TrainRequest"}],
                "properties": {
                    "folds": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
                    "gap": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0, "description": "bars left out between each fold's training data and its test block"}
                },
                "required": ["ticker"]
            },
            "Backtest": {
                "type": "object",
                "description": "Walk-forward evaluation with an expanding window: the last half of the bars in consecutive test blocks, each fold's scaler and model fitted on the bars before its block only.",
                "properties": {
                    "gap": {"type": "integer"},
                    "folds": {"type": "array", "items": {"type": "object", "properties": {
                        "fold": {"type": "integer"},
                        "scaler_fit": {"type": "object", "description": "the bars the fold's scaler and training saw", "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}}},
                        "test": {"type": "object", "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}, "n": {"type": "integer"}}},
                        "epochs_run": {"type": "integer"},
                        "metrics": {"$ref": "#/components/schemas/Metrics"}}}},
                    "overall": {"$ref": "#/components/schemas/Metrics"}
                }
            },
            "Evaluation": {
                "type": "object",
                "properties": {
                    "ticker": {"type": "string"},
                    "version": {"type": "integer"},
                    "metrics": {"$ref": "#/components/schemas/Metrics"},
                    "points": {"type": "array", "items": {"type": "object", "properties": {
                        "date": {"type": "string", "format": "date"},
                        "actual": {"type": "number"},
                        "predicted": {"type": "number", "description": "the model's one-step-ahead close"},
                        "naive": {"type": "number", "description": "the previous close"},
                        "drift": {"type": "number"},
                        "sma14": {"type": "number"},
                        "p_up": {"type": "number", "description": "P(close > previous close) from the forecast and the held-out residuals"}}}}
                }
            },
            "Anomalies": {
                "type": "object",
                "properties": {
                    "ticker": {"type": "string"},
                    "model_version": {"type": "integer"},
                    "threshold": {"type": "number"},
                    "residual_sd": {"type": "number", "description": "sd of the model's held-out log residuals"},
                    "checked": {"type": "object", "properties": {"n": {"type": "integer"}, "from": {"type": ["string", "null"], "format": "date"}, "to": {"type": ["string", "null"], "format": "date"}}},
                    "anomalies": {"type": "array", "items": {"type": "object", "properties": {
                        "date": {"type": "string", "format": "date"},
                        "actual": {"type": "number"},
                        "predicted": {"type": "number"},
                        "residual": {"type": "number", "description": "ln(actual / predicted): actual log return - predicted log return"},
                        "z": {"type": "number", "description": "residual / residual_sd"}}}}
                }
            },
            "Scores": {
                "type": "object",
                "description": "Accuracy of one forecaster on the test period; ratios are fractions.",
                "properties": {
                    "rmse": {"type": ["number", "null"]},
                    "mae": {"type": ["number", "null"]},
                    "mape": {"type": ["number", "null"]},
                    "smape": {"type": ["number", "null"]},
                    "mase": {"type": ["number", "null"]},
                    "directional_accuracy": {"type": ["number", "null"]}
                }
            },
            "Metrics": {
                "type": "object",
                "description": "The held-out test period, the model first, then the baselines; skill = 1 - rmse_model / rmse_naive.",
                "properties": {
                    "period": {"type": "object", "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}, "n": {"type": "integer"}}},
                    "model": {"$ref": "#/components/schemas/Scores"},
                    "naive": {"$ref": "#/components/schemas/Scores"},
                    "drift": {"$ref": "#/components/schemas/Scores"},
                    "sma14": {"$ref": "#/components/schemas/Scores"},
                    "skill": {"type": ["number", "null"]},
                    "calibration": {"type": "object", "description": "measured on test days the intervals' calibration did not use", "properties": {
                        "residuals": {"type": "integer", "description": "held-out residuals the intervals come from"},
                        "days": {"type": "integer"},
                        "coverage80": {"type": "number"},
                        "coverage95": {"type": "number"},
                        "brier": {"type": "number", "description": "of P(up) against the actual direction"}}}
                }
            },
            "Model": {
                "type": "object",
                "properties": {
                    "ticker": {"type": "string"},
                    "version": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "champion": {"type": "boolean"},
                    "params": {"$ref": "#/components/schemas/TrainRequest"},
                    "data": {"type": "object", "properties": {"first_date": {"type": "string", "format": "date"}, "last_date": {"type": "string", "format": "date"}, "bars": {"type": "integer"}, "sha256": {"type": "string", "description": "SHA-256 of GET /series/{ticker}/bars?from=first_date&to=last_date&format=csv"}}},
                    "metrics": {"$ref": "#/components/schemas/Metrics"},
                    "epochs_run": {"type": "integer"},
                    "train_seconds": {"type": "number"}
                }
            },
            "Prediction": {
                "type": "object",
                "properties": {
                    "ticker": {"type": "string"},
                    "as_of": {"type": "string", "format": "date", "description": "date of the last bar used"},
                    "last_close": {"type": "number"},
                    "model_version": {"type": "integer"},
                    "level": {"type": "number"},
                    "predictions": {"type": "array", "items": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "close": {"type": "number"}, "lower": {"type": "number"}, "upper": {"type": "number"}, "p_up": {"type": "number", "description": "P(close > last_close)"}}}},
                    "metrics": {"$ref": "#/components/schemas/Metrics"}
                }
            }
        },
        "responses": {
            "Problem": {
                "description": "An error (RFC 9457).",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            }
        }
    },
    "paths": {
        "/healthz": {
            "get": {
                "summary": "Liveness: the process answers.",
                "responses": {"200": {"description": "alive", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"const": "ok"}}}}}}}
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: the database is open and migrated.",
                "responses": {
                    "200": {"description": "ready", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"const": "ready"}, "schema_version": {"type": "integer"}}}}}},
                    "503": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics: requests by route and status, latency histogram, bars ingested.",
                "responses": {"200": {"description": "text exposition format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}}}
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }
        },
        "/series": {
            "get": {
                "summary": "Every series with its bar count, date range and champion model version.",
                "responses": {
                    "200": {"description": "the series", "content": {"application/json": {"schema": {"type": "object", "properties": {"series": {"type": "array", "items": {"$ref": "#/components/schemas/Series"}}}}}}},
                    "503": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/series/{ticker}": {
            "parameters": [{"$ref": "#/components/parameters/ticker"}],
            "delete": {
                "summary": "Remove the series with its bars, models and jobs.",
                "security": [{"bearer": []}],
                "responses": {
                    "204": {"description": "removed"},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "401": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/series/{ticker}/bars": {
            "parameters": [{"$ref": "#/components/parameters/ticker"}],
            "get": {
                "summary": "Bars in ascending date order.",
                "parameters": [
                    {"name": "from", "in": "query", "description": "first date, inclusive", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "description": "last date, inclusive", "schema": {"type": "string", "format": "date"}},
                    {"name": "limit", "in": "query", "description": "keep the most recent N of the range", "schema": {"type": "integer", "minimum": 1, "maximum": 100000000}},
                    {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"], "default": "json"}}
                ],
                "responses": {
                    "200": {
                        "description": "the bars",
                        "content": {
                            "application/json": {"schema": {"type": "object", "properties": {"ticker": {"type": "string"}, "bars": {"type": "array", "items": {"$ref": "#/components/schemas/Bar"}}}}},
                            "text/csv": {"schema": {"type": "string", "description": "header date,open,high,low,close,adj_close,volume"}}
                        }
                    },
                    "400": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            },
            "post": {
                "summary": "Ingest bars: validate every row, upsert by (ticker, date) in one transaction.",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "on_error", "in": "query", "description": "reject: any bad row refuses the batch; skip: store the good rows, list the bad", "schema": {"enum": ["reject", "skip"], "default": "reject"}}
                ],
                "requestBody": {
                    "required": true,
                    "content": {
                        "text/csv": {"schema": {"type": "string", "description": "Yahoo layout with a header: Date,Open,High,Low,Close,Adj Close,Volume (names case-insensitive; Adj Close optional, also Adj_close or adj_close)"}},
                        "application/json": {"schema": {"type": "object", "required": ["bars"], "properties": {"bars": {"type": "array", "items": {"$ref": "#/components/schemas/Bar"}}}}}
                    }
                },
                "responses": {
                    "200": {"description": "stored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestResult"}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "401": {"$ref": "#/components/responses/Problem"},
                    "413": {"$ref": "#/components/responses/Problem"},
                    "415": {"$ref": "#/components/responses/Problem"},
                    "422": {"$ref": "#/components/responses/Problem"},
                    "503": {"$ref": "#/components/responses/Problem"},
                    "507": {"description": "the disk is full: nothing of the batch was written; retry once space is freed", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                }
            }
        },
        "/train": {
            "post": {
                "summary": "Queue a training job for one series (ticker in the body or the query), or for every series (no ticker).",
                "security": [{"bearer": []}],
                "parameters": [{"name": "ticker", "in": "query", "schema": {"type": "string"}}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrainRequest"}}}},
                "responses": {
                    "202": {
                        "description": "queued; Location: /jobs/{id} (or /jobs?state=queued for every series)",
                        "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Job"}, {"type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}, "skipped": {"type": "array", "items": {"type": "object", "properties": {"ticker": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}}}}}]}}}
                    },
                    "400": {"$ref": "#/components/responses/Problem"},
                    "401": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "409": {"description": "the ticker has a queued or running job a user asked for; the problem names it in `job`", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/jobs": {
            "get": {
                "summary": "Jobs, newest first.",
                "parameters": [
                    {"name": "ticker", "in": "query", "schema": {"type": "string"}},
                    {"name": "state", "in": "query", "schema": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}}
                ],
                "responses": {
                    "200": {"description": "the jobs", "content": {"application/json": {"schema": {"type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/jobs/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
            "get": {
                "summary": "One job with its progress.",
                "responses": {
                    "200": {"description": "the job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                    "404": {"$ref": "#/components/responses/Problem"}
                }
            },
            "delete": {
                "summary": "Cancel a job: a queued one at once, a running one at its next batch boundary (its partial model is never published).",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "the cancelled job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                    "401": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "409": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/models": {
            "get": {
                "summary": "Stored model versions, newest first.",
                "parameters": [
                    {"name": "ticker", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}}
                ],
                "responses": {
                    "200": {"description": "the versions", "content": {"application/json": {"schema": {"type": "object", "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/models/{ticker}/{version}/promote": {
            "parameters": [
                {"$ref": "#/components/parameters/ticker"},
                {"name": "version", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}
            ],
            "post": {
                "summary": "Make that version the champion (rollback).",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "the model, now champion", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "401": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/models/{ticker}/{version}/evaluation": {
            "parameters": [
                {"$ref": "#/components/parameters/ticker"},
                {"name": "version", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}},
                {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"], "default": "json"}}
            ],
            "get": {
                "summary": "The version's test period day by day: actual, the model's one-step forecast, and the baselines (for a predicted-vs-actual chart).",
                "responses": {
                    "200": {"description": "the points", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Evaluation"}}, "text/csv": {"schema": {"type": "string", "description": "date,actual,predicted,naive,drift,sma14,p_up"}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/backtest": {
            "post": {
                "summary": "Queue a walk-forward backtest job (k folds, expanding window); its result is on GET /jobs/{id}.",
                "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BacktestRequest"}}}},
                "responses": {
                    "202": {"description": "queued; Location: /jobs/{id}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "401": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "409": {"description": "the ticker has a backtest queued or running; the problem names it in `job`", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/anomalies": {
            "get": {
                "summary": "Days whose move the champion did not see coming: one-step residuals in return space with |z| >= threshold.",
                "parameters": [
                    {"name": "ticker", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "threshold", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "default": 3}}
                ],
                "responses": {
                    "200": {"description": "the anomalies", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Anomalies"}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "409": {"description": "no trained model yet: POST /train", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/predict": {
            "get": {
                "summary": "The next closes from the champion (or a version), on the next trading sessions, with a prediction interval from the held-out residuals.",
                "parameters": [
                    {"name": "ticker", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "horizon", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 30, "default": 1}},
                    {"name": "level", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.9}},
                    {"name": "version", "in": "query", "schema": {"type": "integer", "minimum": 1}}
                ],
                "responses": {
                    "200": {"description": "the forecast", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Prediction"}}}},
                    "400": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "409": {"description": "no trained model yet: POST /train", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                    "422": {"$ref": "#/components/responses/Problem"}
                }
            }
        },
        "/": {
            "get": {
                "summary": "The dashboard (static files of web_dir).",
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}
            }
        }
    }
});
