-- Migration 0003 (TimescaleDB): rollups as continuous aggregates, with their policies.
-- Voice and points rollups are real-time (materialized_only = false): leaderboards and
-- personal totals must include the minutes checkpointed since the last refresh, and the
-- unmaterialized tail is small. Metric rollups are materialized-only: their source is the
-- busiest table, readers look at whole minutes and hours, and a one-minute lag is fine.

-- Voice seconds per member per 15-minute UTC slot: the grain every local-day total uses.
CREATE MATERIALIZED VIEW IF NOT EXISTS hourglass.voice_seconds_15m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT
    time_bucket(interval '15 minutes', slot) AS bucket,
    guild_id,
    member_id,
    sum(seconds)::bigint AS seconds
  FROM hourglass.voice_activity
  GROUP BY 1, 2, 3
WITH NO DATA;

-- Hourly voice seconds, built on the 15-minute rollup.
CREATE MATERIALIZED VIEW IF NOT EXISTS hourglass.voice_seconds_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT
    time_bucket(interval '1 hour', bucket) AS bucket,
    guild_id,
    member_id,
    sum(seconds)::bigint AS seconds
  FROM hourglass.voice_seconds_15m
  GROUP BY 1, 2, 3
WITH NO DATA;

-- Voice seconds per UTC day, built on the hourly rollup: all-time totals read this.
CREATE MATERIALIZED VIEW IF NOT EXISTS hourglass.voice_seconds_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT
    time_bucket(interval '1 day', bucket) AS bucket,
    guild_id,
    member_id,
    sum(seconds)::bigint AS seconds
  FROM hourglass.voice_seconds_1h
  GROUP BY 1, 2, 3
WITH NO DATA;

-- Points gained or lost per member per 15-minute UTC slot.
CREATE MATERIALIZED VIEW IF NOT EXISTS hourglass.points_15m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT
    time_bucket(interval '15 minutes', occurred_at) AS bucket,
    guild_id,
    member_id,
    sum(delta)::bigint AS points,
    count(*)::bigint AS events
  FROM hourglass.point_events
  GROUP BY 1, 2, 3
WITH NO DATA;

-- Metric samples per minute. For histogram rows total is the count in the bucket le.
CREATE MATERIALIZED VIEW IF NOT EXISTS hourglass.metrics_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
  SELECT
    time_bucket(interval '1 minute', time) AS bucket,
    name,
    labels,
    le,
    count(*)::bigint AS samples,
    sum(value) AS total,
    min(value) AS minimum,
    max(value) AS maximum
  FROM hourglass.performance_metrics
  GROUP BY 1, 2, 3, 4
WITH NO DATA;

-- Metric samples per hour, built on the per-minute rollup.
CREATE MATERIALIZED VIEW IF NOT EXISTS hourglass.metrics_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
  SELECT
    time_bucket(interval '1 hour', bucket) AS bucket,
    name,
    labels,
    le,
    sum(samples)::bigint AS samples,
    sum(total) AS total,
    min(minimum) AS minimum,
    max(maximum) AS maximum
  FROM hourglass.metrics_1m
  GROUP BY 1, 2, 3, 4
WITH NO DATA;

-- Refresh policies. start_offset bounds how far back a scheduled refresh looks for late
-- rows; a session closed after a restart is at most a day late.
SELECT add_continuous_aggregate_policy('hourglass.voice_seconds_15m',
  start_offset => interval '3 days', end_offset => interval '15 minutes',
  schedule_interval => interval '1 minute', if_not_exists => true);
SELECT add_continuous_aggregate_policy('hourglass.voice_seconds_1h',
  start_offset => interval '3 days', end_offset => interval '1 hour',
  schedule_interval => interval '5 minutes', if_not_exists => true);
SELECT add_continuous_aggregate_policy('hourglass.voice_seconds_1d',
  start_offset => interval '4 days', end_offset => interval '1 day',
  schedule_interval => interval '30 minutes', if_not_exists => true);
SELECT add_continuous_aggregate_policy('hourglass.points_15m',
  start_offset => interval '3 days', end_offset => interval '15 minutes',
  schedule_interval => interval '1 minute', if_not_exists => true);
SELECT add_continuous_aggregate_policy('hourglass.metrics_1m',
  start_offset => interval '1 hour', end_offset => interval '1 minute',
  schedule_interval => interval '1 minute', if_not_exists => true);
SELECT add_continuous_aggregate_policy('hourglass.metrics_1h',
  start_offset => interval '1 day', end_offset => interval '1 hour',
  schedule_interval => interval '15 minutes', if_not_exists => true);

-- Default retention horizons; hourglass.set_retention() changes them.
INSERT INTO hourglass_internal.retention (relation, horizon)
VALUES
  ('performance_metrics', interval '30 days'),
  ('metrics_1m', interval '90 days'),
  ('user_actions', interval '400 days')
ON CONFLICT (relation) DO NOTHING;

-- Sets the retention horizon of a table or rollup and (re)creates its policy.
CREATE OR REPLACE FUNCTION hourglass.set_retention(target text, keep_for interval)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO hourglass_internal.retention AS r (relation, horizon)
  VALUES (target, keep_for)
  ON CONFLICT ON CONSTRAINT retention_pkey DO UPDATE SET horizon = excluded.horizon;

  PERFORM remove_retention_policy(format('hourglass.%I', target)::regclass, if_exists => true);
  PERFORM add_retention_policy(format('hourglass.%I', target)::regclass, drop_after => keep_for);
END
$$;

SELECT hourglass.set_retention(relation, horizon) FROM hourglass_internal.retention;

-- Materializes every rollup up to a moment, parents before children. Background workers run
-- the policies in production; this is for seeding, tests and operators.
CREATE OR REPLACE PROCEDURE hourglass.refresh_rollups(up_to timestamptz DEFAULT now())
LANGUAGE plpgsql
AS $$
DECLARE
  rollup text;
BEGIN
  FOREACH rollup IN ARRAY ARRAY['voice_seconds_15m', 'voice_seconds_1h', 'voice_seconds_1d',
                                'points_15m', 'metrics_1m', 'metrics_1h'] LOOP
    CALL refresh_continuous_aggregate(format('hourglass.%I', rollup)::regclass, NULL, up_to);
  END LOOP;
END
$$;

-- Periodic upkeep. Jobs of the TimescaleDB scheduler do the work here, so this only
-- refreshes the rollups; it exists so that callers need not know the backend.
CREATE OR REPLACE PROCEDURE hourglass.maintain(at_time timestamptz DEFAULT now())
LANGUAGE plpgsql
AS $$
BEGIN
  CALL hourglass.refresh_rollups(at_time);
END
$$;

-- Readies storage for rows between two moments; chunks are created on demand here.
CREATE OR REPLACE FUNCTION hourglass.prepare_range(lo timestamptz, hi timestamptz)
RETURNS integer
LANGUAGE sql
AS $$
  SELECT 0
$$;
