-- Migration 0002 (PostgreSQL): the time-series tables with native range partitioning.
-- The same logical tables as the TimescaleDB backend, partitioned by the same time column
-- with the same intervals. hourglass.maintain() creates partitions ahead and drops expired
-- ones; a default partition catches rows outside every partition until maintenance files
-- them, so no write ever fails for want of a partition.

-- How each partitioned table is cut.
CREATE TABLE IF NOT EXISTS hourglass_internal.partitioning (
  relation text PRIMARY KEY,
  time_column text NOT NULL,
  width interval NOT NULL,
  premake integer NOT NULL DEFAULT 3
);

CREATE TABLE IF NOT EXISTS hourglass.voice_sessions (
  session_id uuid NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  channel_id bigint NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  camera_seconds integer NOT NULL DEFAULT 0,
  stream_seconds integer NOT NULL DEFAULT 0,
  self_mute_seconds integer NOT NULL DEFAULT 0,
  self_deaf_seconds integer NOT NULL DEFAULT 0,
  close_reason text NOT NULL DEFAULT 'left',
  CHECK (ended_at >= started_at),
  UNIQUE (session_id, started_at)
) PARTITION BY RANGE (started_at);

CREATE INDEX IF NOT EXISTS voice_sessions_guild_id_member_id_started_at_idx
  ON hourglass.voice_sessions (guild_id, member_id, started_at DESC);

CREATE TABLE IF NOT EXISTS hourglass.voice_activity (
  slot timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  channel_id bigint NOT NULL,
  session_id uuid NOT NULL,
  piece_start timestamptz NOT NULL,
  seconds integer NOT NULL CHECK (seconds BETWEEN 1 AND 900),
  UNIQUE (session_id, piece_start, slot)
) PARTITION BY RANGE (slot);

CREATE INDEX IF NOT EXISTS voice_activity_guild_id_slot_idx
  ON hourglass.voice_activity (guild_id, slot DESC);

CREATE TABLE IF NOT EXISTS hourglass.point_events (
  occurred_at timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  delta integer NOT NULL,
  reason text NOT NULL,
  source text NOT NULL,
  idempotency_key text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (occurred_at);

CREATE INDEX IF NOT EXISTS point_events_guild_id_member_id_occurred_at_idx
  ON hourglass.point_events (guild_id, member_id, occurred_at DESC);

CREATE TABLE IF NOT EXISTS hourglass.task_events (
  occurred_at timestamptz NOT NULL,
  task_id bigint NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  kind text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (occurred_at);

CREATE INDEX IF NOT EXISTS task_events_task_id_occurred_at_idx
  ON hourglass.task_events (task_id, occurred_at DESC);

CREATE TABLE IF NOT EXISTS hourglass.user_actions (
  occurred_at timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (occurred_at);

CREATE INDEX IF NOT EXISTS user_actions_guild_id_member_id_occurred_at_idx
  ON hourglass.user_actions (guild_id, member_id, occurred_at DESC);

CREATE TABLE IF NOT EXISTS hourglass.performance_metrics (
  time timestamptz NOT NULL,
  name text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  le double precision,
  value double precision NOT NULL
) PARTITION BY RANGE (time);

CREATE INDEX IF NOT EXISTS performance_metrics_name_time_idx
  ON hourglass.performance_metrics (name, time DESC);

INSERT INTO hourglass_internal.partitioning (relation, time_column, width, premake)
VALUES
  ('voice_sessions', 'started_at', interval '1 month', 3),
  ('voice_activity', 'slot', interval '1 month', 3),
  ('point_events', 'occurred_at', interval '1 month', 3),
  ('task_events', 'occurred_at', interval '3 months', 2),
  ('user_actions', 'occurred_at', interval '7 days', 4),
  ('performance_metrics', 'time', interval '1 day', 7)
ON CONFLICT (relation) DO NOTHING;

-- The start of the partition that holds ts. Month-based widths follow the UTC calendar,
-- the others the same origin as time_bucket (Monday 2000-01-03 UTC).
CREATE OR REPLACE FUNCTION hourglass_internal.partition_floor(ts timestamptz, width interval)
RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE STRICT
AS $$
DECLARE
  months integer := extract(year FROM width)::integer * 12 + extract(month FROM width)::integer;
  local timestamp := ts AT TIME ZONE 'UTC';
  index integer;
BEGIN
  IF months = 0 THEN
    RETURN date_bin(width, ts, timestamptz '2000-01-03 00:00:00+00');
  END IF;

  index := (extract(year FROM local)::integer * 12 + extract(month FROM local)::integer - 1);
  index := index - index % months;
  RETURN make_timestamptz(index / 12, index % 12 + 1, 1, 0, 0, 0, 'UTC');
END
$$;

-- Creates the partitions of one table that cover [lo, hi), moving any rows the default
-- partition holds for them. Returns how many partitions it created.
CREATE OR REPLACE FUNCTION hourglass_internal.ensure_partitions(
  parent text, lo timestamptz, hi timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  cfg hourglass_internal.partitioning;
  part_lo timestamptz;
  part_hi timestamptz;
  part_name text;
  created integer := 0;
BEGIN
  SELECT * INTO STRICT cfg FROM hourglass_internal.partitioning WHERE relation = parent;
  part_lo := hourglass_internal.partition_floor(lo, cfg.width);

  WHILE part_lo < hi LOOP
    part_hi := hourglass_internal.partition_floor(part_lo + cfg.width, cfg.width);
    part_name := format('%s_p%s', parent, to_char(part_lo AT TIME ZONE 'UTC', 'YYYYMMDD'));

    IF to_regclass(format('hourglass_internal.%I', part_name)) IS NULL THEN
      EXECUTE format('CREATE TABLE hourglass_internal.%I (LIKE hourglass.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                     part_name, parent);
      EXECUTE format(
        'WITH moved AS (DELETE FROM hourglass_internal.%I WHERE %I >= $1 AND %I < $2 RETURNING *)'
        ' INSERT INTO hourglass_internal.%I SELECT * FROM moved',
        parent || '_default', cfg.time_column, cfg.time_column, part_name)
        USING part_lo, part_hi;
      EXECUTE format(
        'ALTER TABLE hourglass.%I ATTACH PARTITION hourglass_internal.%I FOR VALUES FROM (%L) TO (%L)',
        parent, part_name, part_lo, part_hi);
      created := created + 1;
    END IF;

    part_lo := part_hi;
  END LOOP;

  RETURN created;
END
$$;

-- Drops the partitions of one table that lie wholly before the cut-off. Returns how many.
CREATE OR REPLACE FUNCTION hourglass_internal.drop_partitions_before(parent text, cutoff timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  part record;
  dropped integer := 0;
BEGIN
  FOR part IN
    SELECT c.relname,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz
             AS upper_bound
    FROM pg_inherits AS i
    JOIN pg_class AS c ON c.oid = i.inhrelid
    WHERE i.inhparent = format('hourglass.%I', parent)::regclass
      AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
  LOOP
    IF part.upper_bound <= cutoff THEN
      EXECUTE format('DROP TABLE hourglass_internal.%I', part.relname);
      dropped := dropped + 1;
    END IF;
  END LOOP;

  RETURN dropped;
END
$$;

-- Default partitions: the safety net for rows outside every partition.
DO $$
DECLARE
  parent text;
BEGIN
  FOR parent IN SELECT relation FROM hourglass_internal.partitioning LOOP
    IF to_regclass(format('hourglass_internal.%I', parent || '_default')) IS NULL THEN
      EXECUTE format('CREATE TABLE hourglass_internal.%I PARTITION OF hourglass.%I DEFAULT',
                     parent || '_default', parent);
    END IF;
  END LOOP;
END
$$;
