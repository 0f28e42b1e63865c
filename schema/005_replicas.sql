-- 005_replicas.sql — nothing to change: an SQLite database has one
-- process, whose jobs need no leases (schema/pg/005_replicas.sql adds them
-- for replicas on PostgreSQL). Kept so both backends count the same
-- migrations.
SELECT 1;
