-- Migration 0006 (PostgreSQL): what the bot needs to watch itself.
-- query_stats holds periodic snapshots of pg_stat_statements (cumulative counters, so
-- trends are differences between snapshots); weekly partitions, kept 90 days.

CREATE TABLE IF NOT EXISTS hourglass.query_stats (
  time timestamptz NOT NULL,
  queryid bigint NOT NULL,
  query text NOT NULL,
  calls bigint NOT NULL,
  total_exec_ms double precision NOT NULL,
  mean_exec_ms double precision NOT NULL,
  rows bigint NOT NULL
) PARTITION BY RANGE (time);

CREATE INDEX IF NOT EXISTS query_stats_queryid_time_idx
  ON hourglass.query_stats (queryid, time DESC);

INSERT INTO hourglass_internal.partitioning (relation, time_column, width, premake)
VALUES ('query_stats', 'time', interval '7 days', 2)
ON CONFLICT (relation) DO NOTHING;

DO $$
BEGIN
  IF to_regclass('hourglass_internal.query_stats_default') IS NULL THEN
    CREATE TABLE hourglass_internal.query_stats_default PARTITION OF hourglass.query_stats DEFAULT;
  END IF;
END
$$;

INSERT INTO hourglass_internal.retention (relation, horizon)
VALUES ('query_stats', interval '90 days')
ON CONFLICT (relation) DO NOTHING;
