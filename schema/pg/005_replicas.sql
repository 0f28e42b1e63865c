-- 005_replicas.sql (PostgreSQL) — several forecastd processes (replicas)
-- on one database. A running job names the replica that claimed it
-- (worker) and is held until lease_until (the database's clock), renewed
-- at each progress write; once it has passed, another replica may take
-- the job over. lease_token changes with every claim: the writes of a
-- running job name the token of their claim, so a replica that lost the
-- job can change nothing. One queued or running job per series and kind,
-- whichever replica queued it: the partial unique index. Written so that
-- it can run again over its own result.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS worker text;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS lease_until timestamptz;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS lease_token bigint NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_active ON jobs (series_id, kind)
    WHERE state IN ('queued', 'running');
