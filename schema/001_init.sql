-- 001_init.sql — placeholder until the store lands; replaced by the store's schema.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
