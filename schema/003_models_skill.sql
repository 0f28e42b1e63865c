-- 003_models_skill.sql — the skill score of each model version as a column.
-- The promotion rule for automatic retrains ("if_not_worse": promote when
-- the new version's skill is not below the champion's) is decided inside
-- the transaction that stores the version; reading the skill from a column
-- keeps that decision in SQL instead of parsing the metrics document.
-- NULL when the skill is undefined (a naive RMSE of 0).
ALTER TABLE models ADD COLUMN skill REAL;
CREATE INDEX jobs_by_ticker ON jobs (ticker, id);
