-- Migration 0005 (TimescaleDB): rebuilding rollups from the raw series.
-- A forced refresh rematerializes every bucket of the window, whatever the invalidation
-- log says. Metric rollups outlive their raw rows and are not rebuilt by default.

CREATE OR REPLACE PROCEDURE hourglass.rebuild_rollups(
  names text[] DEFAULT ARRAY['voice_seconds_15m', 'voice_seconds_1h', 'voice_seconds_1d',
                             'points_15m'],
  up_to timestamptz DEFAULT now())
LANGUAGE plpgsql
AS $$
DECLARE
  rollup text;
BEGIN
  FOREACH rollup IN ARRAY names LOOP
    CALL refresh_continuous_aggregate(format('hourglass.%I', rollup)::regclass, NULL, up_to,
                                      force => true);
  END LOOP;
END
$$;
