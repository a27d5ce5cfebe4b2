-- Migration 0004: idempotent audit rows for the batched write path.
-- A batch that is retried after an ambiguous failure (committed, but the answer was lost)
-- must not write an audit row twice; each action carries an id the writer checks.

ALTER TABLE hourglass.user_actions ADD COLUMN IF NOT EXISTS action_id uuid;

CREATE INDEX IF NOT EXISTS user_actions_action_id_idx ON hourglass.user_actions (action_id);

-- When a member last changed their own settings.
ALTER TABLE hourglass.members ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

-- Running totals of an open session, written with each checkpoint, so a session closed
-- after a restart still knows its counted time and its camera, stream, mute and deafen time.
ALTER TABLE hourglass.open_sessions
  ADD COLUMN IF NOT EXISTS counted_seconds integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS camera_seconds integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS stream_seconds integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS self_mute_seconds integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS self_deaf_seconds integer NOT NULL DEFAULT 0;
