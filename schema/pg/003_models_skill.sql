-- 003_models_skill.sql (PostgreSQL) — the skill score of each model version
-- as a column, for the promotion rule (schema/003_models_skill.sql says
-- why). NULL when the skill is undefined.
ALTER TABLE models ADD COLUMN skill double precision;
CREATE INDEX jobs_by_ticker ON jobs (ticker, id);
