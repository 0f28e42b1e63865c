-- 001_init.sql — the first schema of forecastd: series, their daily bars,
-- training jobs and stored models. Applied once at start-up inside a
-- transaction; PRAGMA user_version records how many migrations ran.
--
-- Dates are INTEGER day numbers (days since 1970-01-01, see core/bar.h):
-- an integer key is smaller and faster to compare than TEXT dates, which
-- matters for bulk upserts. Timestamps are RFC 3339 UTC text. JSON columns
-- hold documents the service wrote itself. Deleting a series cascades to
-- its bars, models and jobs (PRAGMA foreign_keys is on in every connection).

CREATE TABLE series (
    id         INTEGER PRIMARY KEY,
    ticker     TEXT NOT NULL UNIQUE,      -- upper-case, 1-16 of A-Z0-9.-^=
    created_at TEXT NOT NULL
);

-- The primary key is the UNIQUE (series, day) constraint; WITHOUT ROWID
-- makes it the table's only B-tree, so an upsert touches one tree, not two.
CREATE TABLE bars (
    series_id  INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,          -- days since 1970-01-01
    open       REAL NOT NULL,
    high       REAL NOT NULL,
    low        REAL NOT NULL,
    close      REAL NOT NULL,
    adj_close  REAL,                      -- NULL when the source had none
    volume     INTEGER NOT NULL,          -- shares, may pass 2^31
    PRIMARY KEY (series_id, day)
) WITHOUT ROWID;

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('train', 'backtest')),
    series_id     INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    ticker        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running',
                      'succeeded', 'failed', 'cancelled')),
    params        TEXT NOT NULL DEFAULT '{}',   -- JSON: the resolved parameters
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    progress      TEXT,                         -- JSON: epoch, losses, eta
    model_version INTEGER,
    error         TEXT,
    auto          INTEGER NOT NULL DEFAULT 0    -- 1: started by the service
);
CREATE INDEX jobs_by_series_state ON jobs (series_id, state);
CREATE INDEX jobs_by_state ON jobs (state, id);

CREATE TABLE models (
    series_id     INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,             -- 1, 2, ... per series
    created_at    TEXT NOT NULL,
    champion      INTEGER NOT NULL DEFAULT 0,   -- 1 for at most one version
    params        TEXT NOT NULL,                -- JSON
    data          TEXT NOT NULL,                -- JSON: first/last date, bars, sha256
    metrics       TEXT NOT NULL,                -- JSON
    blob          BLOB NOT NULL,                -- the serialised model
    epochs_run    INTEGER NOT NULL,
    train_seconds REAL NOT NULL,
    PRIMARY KEY (series_id, version)
);
CREATE UNIQUE INDEX models_one_champion ON models (series_id) WHERE champion = 1;
