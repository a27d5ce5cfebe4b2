-- Migration 0001: foundation.
-- Schemas, configuration tables and the helper functions that every backend shares.
-- Logical relations live in schema hourglass; storage details live in hourglass_internal.

CREATE SCHEMA IF NOT EXISTS hourglass;
CREATE SCHEMA IF NOT EXISTS hourglass_internal;

-- One row per Discord guild, holding the settings an administrator controls.
CREATE TABLE IF NOT EXISTS hourglass.guilds (
  guild_id bigint PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  time_zone text NOT NULL DEFAULT 'UTC',
  day_start_hour smallint NOT NULL DEFAULT 0 CHECK (day_start_hour BETWEEN 0 AND 23),
  tracked_channel_ids bigint[] NOT NULL DEFAULT '{}',
  untracked_channel_ids bigint[] NOT NULL DEFAULT '{}',
  report_channel_id bigint,
  daily_goal_minutes integer NOT NULL DEFAULT 120 CHECK (daily_goal_minutes BETWEEN 1 AND 1440),
  daily_minimum_minutes integer NOT NULL DEFAULT 30 CHECK (daily_minimum_minutes BETWEEN 1 AND 1440),
  count_deafened boolean NOT NULL DEFAULT false,
  count_alone boolean NOT NULL DEFAULT true,
  alert_thresholds jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Members of a guild; a NULL time zone or day start falls back to the guild's.
CREATE TABLE IF NOT EXISTS hourglass.members (
  guild_id bigint NOT NULL REFERENCES hourglass.guilds ON DELETE CASCADE,
  member_id bigint NOT NULL,
  display_name text NOT NULL DEFAULT '',
  time_zone text,
  day_start_hour smallint CHECK (day_start_hour BETWEEN 0 AND 23),
  opted_out boolean NOT NULL DEFAULT false,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (guild_id, member_id)
);

-- Voice sessions in progress. last_checkpoint_at is the moment up to which the session's
-- time has been written to voice_activity, so recovery closes a session there.
CREATE TABLE IF NOT EXISTS hourglass.open_sessions (
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  session_id uuid NOT NULL UNIQUE,
  channel_id bigint NOT NULL,
  started_at timestamptz NOT NULL,
  last_checkpoint_at timestamptz NOT NULL,
  self_mute boolean NOT NULL DEFAULT false,
  self_deaf boolean NOT NULL DEFAULT false,
  camera boolean NOT NULL DEFAULT false,
  stream boolean NOT NULL DEFAULT false,
  PRIMARY KEY (guild_id, member_id),
  CHECK (last_checkpoint_at >= started_at)
);

-- Tasks are mutable state, so they are a plain table; their history is task_events.
CREATE TABLE IF NOT EXISTS hourglass.tasks (
  task_id bigserial PRIMARY KEY,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  due_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', description), 'B')
  ) STORED
);

CREATE INDEX IF NOT EXISTS tasks_guild_id_member_id_status_idx
  ON hourglass.tasks (guild_id, member_id, status);

CREATE INDEX IF NOT EXISTS tasks_search_idx ON hourglass.tasks USING gin (search);

-- Idempotency keys of the points ledger. A unique index on a time-partitioned table must
-- include the time column, so global uniqueness of a key is kept here instead.
CREATE TABLE IF NOT EXISTS hourglass.point_event_keys (
  idempotency_key text PRIMARY KEY,
  occurred_at timestamptz NOT NULL
);

-- The state of each alert rule per scope, kept so that an incident pages once across restarts.
CREATE TABLE IF NOT EXISTS hourglass.alert_state (
  rule text NOT NULL,
  scope text NOT NULL DEFAULT 'deployment',
  state text NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'pending', 'firing')),
  since timestamptz NOT NULL DEFAULT now(),
  last_notified_at timestamptz,
  last_value double precision,
  detail jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (rule, scope)
);

-- Backend-neutral settings of the storage layer, such as retention horizons.
CREATE TABLE IF NOT EXISTS hourglass_internal.retention (
  relation text PRIMARY KEY,
  horizon interval NOT NULL CHECK (horizon > interval '0')
);

-- The 15-minute UTC grain. Every UTC offset in use is a multiple of 15 minutes, so a slot
-- never straddles a local midnight (or a whole-hour day start) in any time zone.
CREATE OR REPLACE FUNCTION hourglass.slot_of(ts timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT date_bin(interval '15 minutes', ts, timestamptz '2000-01-03 00:00:00+00')
$$;

-- Cuts the interval [started_at, ended_at) into pieces that each lie in one 15-minute slot.
CREATE OR REPLACE FUNCTION hourglass.voice_slices(started_at timestamptz, ended_at timestamptz)
RETURNS TABLE (slot timestamptz, piece_start timestamptz, seconds integer)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT
    s.slot,
    greatest(s.slot, started_at),
    extract(epoch FROM least(s.slot + interval '15 minutes', ended_at)
                       - greatest(s.slot, started_at))::integer
  FROM generate_series(
    hourglass.slot_of(started_at),
    ended_at - interval '1 microsecond',
    interval '15 minutes'
  ) AS s (slot)
  WHERE ended_at > started_at
$$;

-- The local calendar day a moment belongs to, for a time zone and a "day starts at" hour.
CREATE OR REPLACE FUNCTION hourglass.local_day(ts timestamptz, tz text, day_start_hour integer)
RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT ((ts AT TIME ZONE tz) - make_interval(hours => day_start_hour))::date
$$;

-- A UTC range that surely contains every moment of a run of local days; callers filter
-- with local_day inside it. Offsets in use stay within 26 hours of UTC.
CREATE OR REPLACE FUNCTION hourglass.local_days_window(first_day date, last_day date)
RETURNS tstzrange
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT tstzrange(
    (first_day - 2)::timestamp AT TIME ZONE 'UTC',
    (last_day + 3)::timestamp AT TIME ZONE 'UTC'
  )
$$;
