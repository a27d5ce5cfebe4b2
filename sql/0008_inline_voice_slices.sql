-- Migration 0008: let PostgreSQL inline voice_slices.
-- A STRICT set-returning SQL function is never inlined, so every session paid a function
-- call in the write path. Without STRICT the body is inlined; NULL bounds still give no
-- pieces, because the WHERE clause is then not true.

CREATE OR REPLACE FUNCTION hourglass.voice_slices(started_at timestamptz, ended_at timestamptz)
RETURNS TABLE (slot timestamptz, piece_start timestamptz, seconds integer)
LANGUAGE sql STABLE PARALLEL SAFE
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
