-- Migration 0002 (TimescaleDB): the time-series tables as hypertables.
-- Chunk intervals follow the volume of each table: a chunk (with its indexes) should fit
-- comfortably in memory while it is being written, and retention drops whole chunks.

CREATE EXTENSION IF NOT EXISTS timescaledb;

-- Completed voice sessions, one row each, written when a session closes.
-- Monthly chunks: at most a few sessions per member per day, and monthly reports read
-- whole chunks.
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
);

SELECT create_hypertable('hourglass.voice_sessions', by_range('started_at', interval '1 month'),
                         if_not_exists => true);

CREATE INDEX IF NOT EXISTS voice_sessions_guild_id_member_id_started_at_idx
  ON hourglass.voice_sessions (guild_id, member_id, started_at DESC);

-- Voice time cut into pieces that each lie in one 15-minute UTC slot: the exact record that
-- every voice rollup sums. Checkpoints of open sessions append pieces too, so live totals
-- are current. Monthly chunks, as for sessions.
CREATE TABLE IF NOT EXISTS hourglass.voice_activity (
  slot timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  channel_id bigint NOT NULL,
  session_id uuid NOT NULL,
  piece_start timestamptz NOT NULL,
  seconds integer NOT NULL CHECK (seconds BETWEEN 1 AND 900),
  UNIQUE (session_id, piece_start, slot)
);

SELECT create_hypertable('hourglass.voice_activity', by_range('slot', interval '1 month'),
                         if_not_exists => true);

CREATE INDEX IF NOT EXISTS voice_activity_guild_id_slot_idx
  ON hourglass.voice_activity (guild_id, slot DESC);

-- The append-only points ledger. Monthly chunks: a handful of events per member per day.
CREATE TABLE IF NOT EXISTS hourglass.point_events (
  occurred_at timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  delta integer NOT NULL,
  reason text NOT NULL,
  source text NOT NULL,
  idempotency_key text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);

SELECT create_hypertable('hourglass.point_events', by_range('occurred_at', interval '1 month'),
                         if_not_exists => true);

CREATE INDEX IF NOT EXISTS point_events_guild_id_member_id_occurred_at_idx
  ON hourglass.point_events (guild_id, member_id, occurred_at DESC);

-- History of tasks. Quarterly chunks: task changes are the sparsest series.
CREATE TABLE IF NOT EXISTS hourglass.task_events (
  occurred_at timestamptz NOT NULL,
  task_id bigint NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  kind text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);

SELECT create_hypertable('hourglass.task_events', by_range('occurred_at', interval '3 months'),
                         if_not_exists => true);

CREATE INDEX IF NOT EXISTS task_events_task_id_occurred_at_idx
  ON hourglass.task_events (task_id, occurred_at DESC);

-- The audit trail: every command and state change. Weekly chunks: one row per command or
-- event, the busiest member-facing series, and retention trims it week by week.
CREATE TABLE IF NOT EXISTS hourglass.user_actions (
  occurred_at timestamptz NOT NULL,
  guild_id bigint NOT NULL,
  member_id bigint NOT NULL,
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);

SELECT create_hypertable('hourglass.user_actions', by_range('occurred_at', interval '7 days'),
                         if_not_exists => true);

CREATE INDEX IF NOT EXISTS user_actions_guild_id_member_id_occurred_at_idx
  ON hourglass.user_actions (guild_id, member_id, occurred_at DESC);

-- The bot's own metrics. A histogram is one row per fixed bucket (le is its upper bound,
-- value its count), so percentiles stay exact to the bucket under any rollup. Daily chunks.
CREATE TABLE IF NOT EXISTS hourglass.performance_metrics (
  time timestamptz NOT NULL,
  name text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  le double precision,
  value double precision NOT NULL
);

SELECT create_hypertable('hourglass.performance_metrics', by_range('time', interval '1 day'),
                         if_not_exists => true);

CREATE INDEX IF NOT EXISTS performance_metrics_name_time_idx
  ON hourglass.performance_metrics (name, time DESC);

-- Columnstore for chunks that are no longer written: segment by the keys queries filter on.
ALTER TABLE hourglass.voice_activity SET (
  timescaledb.enable_columnstore,
  timescaledb.segmentby = 'guild_id, member_id',
  timescaledb.orderby = 'slot, session_id, piece_start'
);
CALL add_columnstore_policy('hourglass.voice_activity', after => interval '60 days',
                            if_not_exists => true);

ALTER TABLE hourglass.voice_sessions SET (
  timescaledb.enable_columnstore,
  timescaledb.segmentby = 'guild_id',
  timescaledb.orderby = 'started_at, session_id'
);
CALL add_columnstore_policy('hourglass.voice_sessions', after => interval '60 days',
                            if_not_exists => true);

ALTER TABLE hourglass.point_events SET (
  timescaledb.enable_columnstore,
  timescaledb.segmentby = 'guild_id',
  timescaledb.orderby = 'occurred_at'
);
CALL add_columnstore_policy('hourglass.point_events', after => interval '60 days',
                            if_not_exists => true);

ALTER TABLE hourglass.user_actions SET (
  timescaledb.enable_columnstore,
  timescaledb.segmentby = 'guild_id',
  timescaledb.orderby = 'occurred_at'
);
CALL add_columnstore_policy('hourglass.user_actions', after => interval '14 days',
                            if_not_exists => true);

ALTER TABLE hourglass.performance_metrics SET (
  timescaledb.enable_columnstore,
  timescaledb.segmentby = 'name',
  timescaledb.orderby = 'time'
);
CALL add_columnstore_policy('hourglass.performance_metrics', after => interval '2 days',
                            if_not_exists => true);
