-- Migration 0003 (PostgreSQL): rollups as tables refreshed incrementally.
-- Each rollup has a store table, a compute function that aggregates one window of its
-- source, and a view under the logical name. Statement triggers on the sources log the
-- time range every write touches (late rows included); a refresh recomputes only the
-- logged windows below the new watermark and then advances it. Real-time rollups union
-- the store below the watermark with a live aggregate above it, as TimescaleDB does.
-- Buckets use the origin of time_bucket (Monday 2000-01-03 UTC), so both backends agree.

-- One row per rollup. source is a raw table or another rollup (hierarchical).
CREATE TABLE IF NOT EXISTS hourglass_internal.rollups (
  name text PRIMARY KEY,
  source text NOT NULL,
  time_column text NOT NULL,
  width interval NOT NULL,
  realtime boolean NOT NULL,
  position integer NOT NULL,
  watermark timestamptz NOT NULL DEFAULT '-infinity'
);

-- Source time ranges written since the rollup last recomputed them (bounds inclusive).
CREATE TABLE IF NOT EXISTS hourglass_internal.rollup_invalidations (
  rollup text NOT NULL REFERENCES hourglass_internal.rollups ON DELETE CASCADE,
  lo timestamptz NOT NULL,
  hi timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS rollup_invalidations_rollup_idx
  ON hourglass_internal.rollup_invalidations (rollup);

-- What each refresh did, so operators (and tests) can see that only changed windows moved.
CREATE TABLE IF NOT EXISTS hourglass_internal.refresh_log (
  refreshed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  rollup text NOT NULL,
  windows integer NOT NULL,
  buckets bigint NOT NULL,
  watermark timestamptz NOT NULL
);

INSERT INTO hourglass_internal.rollups (name, source, time_column, width, realtime, position)
VALUES
  ('voice_seconds_15m', 'voice_activity', 'slot', interval '15 minutes', true, 1),
  ('voice_seconds_1h', 'voice_seconds_15m', 'bucket', interval '1 hour', true, 2),
  ('voice_seconds_1d', 'voice_seconds_1h', 'bucket', interval '1 day', true, 3),
  ('points_15m', 'point_events', 'occurred_at', interval '15 minutes', true, 4),
  ('metrics_1m', 'performance_metrics', 'time', interval '1 minute', false, 5),
  ('metrics_1h', 'metrics_1m', 'bucket', interval '1 hour', false, 6)
ON CONFLICT (name) DO NOTHING;

CREATE OR REPLACE FUNCTION hourglass_internal.bucket_of(ts timestamptz, width interval)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT date_bin(width, ts, timestamptz '2000-01-03 00:00:00+00')
$$;

CREATE OR REPLACE FUNCTION hourglass_internal.watermark(rollup text)
RETURNS timestamptz
LANGUAGE sql STABLE STRICT
AS $$
  SELECT watermark FROM hourglass_internal.rollups WHERE name = rollup
$$;

-- Statement trigger: logs the time range the statement wrote for every rollup of the table.
CREATE OR REPLACE FUNCTION hourglass_internal.log_invalidation()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  time_column text := TG_ARGV[0];
  lo timestamptz;
  hi timestamptz;
BEGIN
  IF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT min(%I), max(%I) FROM old_rows', time_column, time_column)
      INTO lo, hi;
  ELSIF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT min(%I), max(%I) FROM new_rows', time_column, time_column)
      INTO lo, hi;
  ELSE
    EXECUTE format(
      'SELECT min(t), max(t) FROM (SELECT %I AS t FROM old_rows UNION ALL SELECT %I FROM new_rows) AS u',
      time_column, time_column)
      INTO lo, hi;
  END IF;

  IF lo IS NOT NULL THEN
    INSERT INTO hourglass_internal.rollup_invalidations (rollup, lo, hi)
    SELECT name, lo, hi FROM hourglass_internal.rollups WHERE source = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END
$$;

DO $$
DECLARE
  source record;
BEGIN
  FOR source IN
    SELECT DISTINCT r.source AS name, r.time_column
    FROM hourglass_internal.rollups AS r
    WHERE to_regclass(format('hourglass.%I', r.source)) IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM hourglass_internal.rollups AS p WHERE p.name = r.source)
  LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON hourglass.%I', source.name || '_inserted', source.name);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON hourglass.%I', source.name || '_updated', source.name);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON hourglass.%I', source.name || '_deleted', source.name);
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT ON hourglass.%I REFERENCING NEW TABLE AS new_rows'
      ' FOR EACH STATEMENT EXECUTE FUNCTION hourglass_internal.log_invalidation(%L)',
      source.name || '_inserted', source.name, source.time_column);
    EXECUTE format(
      'CREATE TRIGGER %I AFTER UPDATE ON hourglass.%I'
      ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
      ' FOR EACH STATEMENT EXECUTE FUNCTION hourglass_internal.log_invalidation(%L)',
      source.name || '_updated', source.name, source.time_column);
    EXECUTE format(
      'CREATE TRIGGER %I AFTER DELETE ON hourglass.%I REFERENCING OLD TABLE AS old_rows'
      ' FOR EACH STATEMENT EXECUTE FUNCTION hourglass_internal.log_invalidation(%L)',
      source.name || '_deleted', source.name, source.time_column);
  END LOOP;
END
$$;

-- Voice seconds per member per 15-minute UTC slot.
CREATE TABLE IF NOT EXISTS hourglass_internal.voice_seconds_15m (
  bucket timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  seconds bigint NOT NULL,
  PRIMARY KEY (guild_id, bucket, member_id)
);

CREATE OR REPLACE FUNCTION hourglass_internal.compute_voice_seconds_15m(lo timestamptz, hi timestamptz)
RETURNS TABLE (bucket timestamptz, guild_id bigint, member_id bigint, seconds bigint)
LANGUAGE sql STABLE
AS $$
  SELECT hourglass_internal.bucket_of(a.slot, interval '15 minutes'), a.guild_id, a.member_id,
         sum(a.seconds)::bigint
  FROM hourglass.voice_activity AS a
  WHERE a.slot >= lo AND a.slot < hi
  GROUP BY 1, 2, 3
$$;

CREATE OR REPLACE VIEW hourglass.voice_seconds_15m AS
  SELECT s.bucket, s.guild_id, s.member_id, s.seconds
  FROM hourglass_internal.voice_seconds_15m AS s
  WHERE s.bucket < hourglass_internal.watermark('voice_seconds_15m')
  UNION ALL
  SELECT c.bucket, c.guild_id, c.member_id, c.seconds
  FROM hourglass_internal.compute_voice_seconds_15m(
    hourglass_internal.watermark('voice_seconds_15m'), 'infinity') AS c;

-- Hourly voice seconds, built on the 15-minute rollup.
CREATE TABLE IF NOT EXISTS hourglass_internal.voice_seconds_1h (
  bucket timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  seconds bigint NOT NULL,
  PRIMARY KEY (guild_id, bucket, member_id)
);

CREATE OR REPLACE FUNCTION hourglass_internal.compute_voice_seconds_1h(lo timestamptz, hi timestamptz)
RETURNS TABLE (bucket timestamptz, guild_id bigint, member_id bigint, seconds bigint)
LANGUAGE sql STABLE
AS $$
  SELECT hourglass_internal.bucket_of(v.bucket, interval '1 hour'), v.guild_id, v.member_id,
         sum(v.seconds)::bigint
  FROM hourglass.voice_seconds_15m AS v
  WHERE v.bucket >= lo AND v.bucket < hi
  GROUP BY 1, 2, 3
$$;

CREATE OR REPLACE VIEW hourglass.voice_seconds_1h AS
  SELECT s.bucket, s.guild_id, s.member_id, s.seconds
  FROM hourglass_internal.voice_seconds_1h AS s
  WHERE s.bucket < hourglass_internal.watermark('voice_seconds_1h')
  UNION ALL
  SELECT c.bucket, c.guild_id, c.member_id, c.seconds
  FROM hourglass_internal.compute_voice_seconds_1h(
    hourglass_internal.watermark('voice_seconds_1h'), 'infinity') AS c;

-- Voice seconds per UTC day, built on the hourly rollup.
CREATE TABLE IF NOT EXISTS hourglass_internal.voice_seconds_1d (
  bucket timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  seconds bigint NOT NULL,
  PRIMARY KEY (guild_id, bucket, member_id)
);

CREATE OR REPLACE FUNCTION hourglass_internal.compute_voice_seconds_1d(lo timestamptz, hi timestamptz)
RETURNS TABLE (bucket timestamptz, guild_id bigint, member_id bigint, seconds bigint)
LANGUAGE sql STABLE
AS $$
  SELECT hourglass_internal.bucket_of(v.bucket, interval '1 day'), v.guild_id, v.member_id,
         sum(v.seconds)::bigint
  FROM hourglass.voice_seconds_1h AS v
  WHERE v.bucket >= lo AND v.bucket < hi
  GROUP BY 1, 2, 3
$$;

CREATE OR REPLACE VIEW hourglass.voice_seconds_1d AS
  SELECT s.bucket, s.guild_id, s.member_id, s.seconds
  FROM hourglass_internal.voice_seconds_1d AS s
  WHERE s.bucket < hourglass_internal.watermark('voice_seconds_1d')
  UNION ALL
  SELECT c.bucket, c.guild_id, c.member_id, c.seconds
  FROM hourglass_internal.compute_voice_seconds_1d(
    hourglass_internal.watermark('voice_seconds_1d'), 'infinity') AS c;

-- Points gained or lost per member per 15-minute UTC slot.
CREATE TABLE IF NOT EXISTS hourglass_internal.points_15m (
  bucket timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  points bigint NOT NULL,
  events bigint NOT NULL,
  PRIMARY KEY (guild_id, bucket, member_id)
);

CREATE OR REPLACE FUNCTION hourglass_internal.compute_points_15m(lo timestamptz, hi timestamptz)
RETURNS TABLE (bucket timestamptz, guild_id bigint, member_id bigint, points bigint, events bigint)
LANGUAGE sql STABLE
AS $$
  SELECT hourglass_internal.bucket_of(p.occurred_at, interval '15 minutes'), p.guild_id,
         p.member_id, sum(p.delta)::bigint, count(*)::bigint
  FROM hourglass.point_events AS p
  WHERE p.occurred_at >= lo AND p.occurred_at < hi
  GROUP BY 1, 2, 3
$$;

CREATE OR REPLACE VIEW hourglass.points_15m AS
  SELECT s.bucket, s.guild_id, s.member_id, s.points, s.events
  FROM hourglass_internal.points_15m AS s
  WHERE s.bucket < hourglass_internal.watermark('points_15m')
  UNION ALL
  SELECT c.bucket, c.guild_id, c.member_id, c.points, c.events
  FROM hourglass_internal.compute_points_15m(
    hourglass_internal.watermark('points_15m'), 'infinity') AS c;

-- Metric samples per minute (materialized only).
CREATE TABLE IF NOT EXISTS hourglass_internal.metrics_1m (
  bucket timestamptz NOT NULL,
  name text NOT NULL,
  labels jsonb NOT NULL,
  le double precision,
  samples bigint NOT NULL,
  total double precision NOT NULL,
  minimum double precision NOT NULL,
  maximum double precision NOT NULL
);

CREATE INDEX IF NOT EXISTS metrics_1m_name_bucket_idx
  ON hourglass_internal.metrics_1m (name, bucket);

CREATE INDEX IF NOT EXISTS metrics_1m_bucket_idx ON hourglass_internal.metrics_1m (bucket);

CREATE OR REPLACE FUNCTION hourglass_internal.compute_metrics_1m(lo timestamptz, hi timestamptz)
RETURNS TABLE (bucket timestamptz, name text, labels jsonb, le double precision,
               samples bigint, total double precision, minimum double precision,
               maximum double precision)
LANGUAGE sql STABLE
AS $$
  SELECT hourglass_internal.bucket_of(m.time, interval '1 minute'), m.name, m.labels, m.le,
         count(*)::bigint, sum(m.value), min(m.value), max(m.value)
  FROM hourglass.performance_metrics AS m
  WHERE m.time >= lo AND m.time < hi
  GROUP BY 1, 2, 3, 4
$$;

CREATE OR REPLACE VIEW hourglass.metrics_1m AS
  SELECT s.bucket, s.name, s.labels, s.le, s.samples, s.total, s.minimum, s.maximum
  FROM hourglass_internal.metrics_1m AS s;

-- Metric samples per hour, built on the per-minute rollup (materialized only).
CREATE TABLE IF NOT EXISTS hourglass_internal.metrics_1h (
  bucket timestamptz NOT NULL,
  name text NOT NULL,
  labels jsonb NOT NULL,
  le double precision,
  samples bigint NOT NULL,
  total double precision NOT NULL,
  minimum double precision NOT NULL,
  maximum double precision NOT NULL
);

CREATE INDEX IF NOT EXISTS metrics_1h_name_bucket_idx
  ON hourglass_internal.metrics_1h (name, bucket);

CREATE INDEX IF NOT EXISTS metrics_1h_bucket_idx ON hourglass_internal.metrics_1h (bucket);

CREATE OR REPLACE FUNCTION hourglass_internal.compute_metrics_1h(lo timestamptz, hi timestamptz)
RETURNS TABLE (bucket timestamptz, name text, labels jsonb, le double precision,
               samples bigint, total double precision, minimum double precision,
               maximum double precision)
LANGUAGE sql STABLE
AS $$
  SELECT hourglass_internal.bucket_of(m.bucket, interval '1 hour'), m.name, m.labels, m.le,
         sum(m.samples)::bigint, sum(m.total), min(m.minimum), max(m.maximum)
  FROM hourglass.metrics_1m AS m
  WHERE m.bucket >= lo AND m.bucket < hi
  GROUP BY 1, 2, 3, 4
$$;

CREATE OR REPLACE VIEW hourglass.metrics_1h AS
  SELECT s.bucket, s.name, s.labels, s.le, s.samples, s.total, s.minimum, s.maximum
  FROM hourglass_internal.metrics_1h AS s;

-- Recomputes the logged windows of one rollup below its new watermark, then advances the
-- watermark. A child never runs ahead of its parent. Returns the number of windows.
CREATE OR REPLACE FUNCTION hourglass_internal.refresh_rollup(rollup text, up_to timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  r hourglass_internal.rollups;
  new_mark timestamptz;
  parent_mark timestamptz;
  wins tstzrange[];
  win tstzrange;
  windows integer := 0;
  buckets bigint := 0;
BEGIN
  SELECT * INTO STRICT r FROM hourglass_internal.rollups WHERE name = rollup FOR UPDATE;
  new_mark := hourglass_internal.bucket_of(up_to, r.width);
  SELECT watermark INTO parent_mark FROM hourglass_internal.rollups WHERE name = r.source;
  IF parent_mark IS NOT NULL THEN
    new_mark := least(new_mark, hourglass_internal.bucket_of(parent_mark, r.width));
  END IF;
  new_mark := greatest(new_mark, r.watermark);

  WITH taken AS (
    DELETE FROM hourglass_internal.rollup_invalidations AS i
    WHERE i.rollup = r.name AND i.lo < new_mark
    RETURNING i.lo, i.hi
  ),
  kept AS (
    INSERT INTO hourglass_internal.rollup_invalidations (rollup, lo, hi)
    SELECT r.name, new_mark, t.hi FROM taken AS t WHERE t.hi >= new_mark
  )
  SELECT coalesce(array_agg(w ORDER BY w), '{}')
  INTO wins
  FROM unnest((
    SELECT range_agg(tstzrange(
      hourglass_internal.bucket_of(t.lo, r.width),
      least(hourglass_internal.bucket_of(t.hi, r.width) + r.width, new_mark)))
    FROM taken AS t
  )) AS w;

  FOREACH win IN ARRAY wins LOOP
    EXECUTE format('DELETE FROM hourglass_internal.%I WHERE bucket >= $1 AND bucket < $2', r.name)
      USING lower(win), upper(win);
    EXECUTE format(
      'INSERT INTO hourglass_internal.%I SELECT * FROM hourglass_internal.%I($1, $2)',
      r.name, 'compute_' || r.name)
      USING lower(win), upper(win);

    INSERT INTO hourglass_internal.rollup_invalidations (rollup, lo, hi)
    SELECT c.name, lower(win), upper(win) - interval '1 microsecond'
    FROM hourglass_internal.rollups AS c WHERE c.source = r.name;

    windows := windows + 1;
    buckets := buckets + extract(epoch FROM upper(win) - lower(win))::bigint
                         / extract(epoch FROM r.width)::bigint;
  END LOOP;

  UPDATE hourglass_internal.rollups SET watermark = new_mark WHERE name = r.name;
  INSERT INTO hourglass_internal.refresh_log (rollup, windows, buckets, watermark)
  VALUES (r.name, windows, buckets, new_mark);
  RETURN windows;
END
$$;

-- Materializes every rollup up to a moment, parents before children.
CREATE OR REPLACE PROCEDURE hourglass.refresh_rollups(up_to timestamptz DEFAULT now())
LANGUAGE plpgsql
AS $$
DECLARE
  rollup text;
BEGIN
  FOR rollup IN SELECT name FROM hourglass_internal.rollups ORDER BY position LOOP
    PERFORM hourglass_internal.refresh_rollup(rollup, up_to);
  END LOOP;
END
$$;

-- Default retention horizons; hourglass.set_retention() changes them.
INSERT INTO hourglass_internal.retention (relation, horizon)
VALUES
  ('performance_metrics', interval '30 days'),
  ('metrics_1m', interval '90 days'),
  ('user_actions', interval '400 days')
ON CONFLICT (relation) DO NOTHING;

-- Sets the retention horizon of a table or rollup; maintain() applies it.
CREATE OR REPLACE FUNCTION hourglass.set_retention(target text, keep_for interval)
RETURNS void
LANGUAGE sql
AS $$
  INSERT INTO hourglass_internal.retention AS r (relation, horizon)
  VALUES (target, keep_for)
  ON CONFLICT ON CONSTRAINT retention_pkey DO UPDATE SET horizon = excluded.horizon
$$;

-- Creates partitions for the rows between two moments ahead of a bulk load.
CREATE OR REPLACE FUNCTION hourglass.prepare_range(lo timestamptz, hi timestamptz)
RETURNS integer
LANGUAGE sql
AS $$
  SELECT coalesce(sum(hourglass_internal.ensure_partitions(relation, lo, hi)), 0)::integer
  FROM hourglass_internal.partitioning
$$;

-- Periodic upkeep: partitions ahead, retention, rollup refresh.
CREATE OR REPLACE PROCEDURE hourglass.maintain(at_time timestamptz DEFAULT now())
LANGUAGE plpgsql
AS $$
DECLARE
  p hourglass_internal.partitioning;
  keep record;
BEGIN
  FOR p IN SELECT * FROM hourglass_internal.partitioning LOOP
    PERFORM hourglass_internal.ensure_partitions(
      p.relation, at_time - p.width, at_time + p.width * (p.premake + 1));
  END LOOP;

  FOR keep IN
    SELECT r.relation, r.horizon FROM hourglass_internal.retention AS r
  LOOP
    IF EXISTS (SELECT 1 FROM hourglass_internal.partitioning WHERE relation = keep.relation) THEN
      PERFORM hourglass_internal.drop_partitions_before(keep.relation, at_time - keep.horizon);
    ELSIF EXISTS (SELECT 1 FROM hourglass_internal.rollups WHERE name = keep.relation) THEN
      EXECUTE format('DELETE FROM hourglass_internal.%I WHERE bucket < $1', keep.relation)
        USING at_time - keep.horizon;
    END IF;
  END LOOP;

  CALL hourglass.refresh_rollups(at_time);
END
$$;
