-- 004_results.sql — what evaluations leave behind.
-- models.evaluation: the test period day by day (JSON array of points:
-- date, actual, predicted, naive, drift, sma14, p_up), written with the
-- version, for GET /models/{ticker}/{version}/evaluation; NULL for
-- versions stored before this migration.
-- jobs.result: a finished backtest job's per-fold and overall metrics
-- (JSON), shown on GET /jobs/{id}; NULL for training jobs.
ALTER TABLE models ADD COLUMN evaluation TEXT;
ALTER TABLE jobs ADD COLUMN result TEXT;
