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
                    "errors_total": {"type": "integer"}
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
                    "503": {"$ref": "#/components/responses/Problem"}
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
