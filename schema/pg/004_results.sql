-- 004_results.sql (PostgreSQL) — what evaluations leave behind: the test
-- period of a version (models.evaluation) and a finished backtest's
-- metrics (jobs.result), JSON text as in schema/004_results.sql.
ALTER TABLE models ADD COLUMN evaluation text;
ALTER TABLE jobs ADD COLUMN result text;
