-- 002_series_n_bars.sql (PostgreSQL) — the number of bars of a series, kept
-- with the series (schema/002_series_n_bars.sql says why). The store keeps
-- it exact: it changes in the same transaction as the bars.
ALTER TABLE series ADD COLUMN n_bars bigint NOT NULL DEFAULT 0;
UPDATE series SET n_bars = (SELECT count(*) FROM bars WHERE bars.series_id = series.id);
