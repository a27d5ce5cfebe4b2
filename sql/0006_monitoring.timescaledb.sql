-- Migration 0006 (TimescaleDB): what the bot needs to watch itself.
-- query_stats holds periodic snapshots of pg_stat_statements (cumulative counters, so
-- trends are differences between snapshots); weekly chunks, kept 90 days.

CREATE TABLE IF NOT EXISTS hourglass.query_stats (
  time timestamptz NOT NULL,
  queryid bigint NOT NULL,
  query text NOT NULL,
  calls bigint NOT NULL,
  total_exec_ms double precision NOT NULL,
  mean_exec_ms double precision NOT NULL,
  rows bigint NOT NULL
);

SELECT create_hypertable('hourglass.query_stats', by_range('time', interval '7 days'),
                         if_not_exists => true);

CREATE INDEX IF NOT EXISTS query_stats_queryid_time_idx
  ON hourglass.query_stats (queryid, time DESC);

INSERT INTO hourglass_internal.retention (relation, horizon)
VALUES ('query_stats', interval '90 days')
ON CONFLICT (relation) DO NOTHING;

SELECT hourglass.set_retention('query_stats', horizon)
FROM hourglass_internal.retention WHERE relation = 'query_stats';
