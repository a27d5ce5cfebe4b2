-- Migration 0005 (PostgreSQL): rebuilding rollups from the raw series.
-- The points ledger and voice pieces are never trimmed, so their rollups can be rebuilt
-- from scratch at any time, for example after a bug fix or to prove the derived state
-- equals a replay of the ledger. Metric rollups outlive their raw rows and are not rebuilt.

CREATE OR REPLACE PROCEDURE hourglass.rebuild_rollups(
  names text[] DEFAULT ARRAY['voice_seconds_15m', 'voice_seconds_1h', 'voice_seconds_1d',
                             'points_15m'],
  up_to timestamptz DEFAULT now())
LANGUAGE plpgsql
AS $$
DECLARE
  r hourglass_internal.rollups;
  lo timestamptz;
  hi timestamptz;
BEGIN
  FOR r IN
    SELECT * FROM hourglass_internal.rollups WHERE name = ANY (names) ORDER BY position
  LOOP
    EXECUTE format('TRUNCATE hourglass_internal.%I', r.name);
    DELETE FROM hourglass_internal.rollup_invalidations WHERE rollup = r.name;
    UPDATE hourglass_internal.rollups SET watermark = '-infinity' WHERE name = r.name;

    IF r.source = ANY (names) THEN
      CONTINUE;  -- the parent's rebuild invalidates this rollup
    END IF;
    EXECUTE format('SELECT min(%I), max(%I) FROM hourglass.%I',
                   r.time_column, r.time_column, r.source)
      INTO lo, hi;
    IF lo IS NOT NULL THEN
      INSERT INTO hourglass_internal.rollup_invalidations (rollup, lo, hi) VALUES (r.name, lo, hi);
    END IF;
  END LOOP;

  CALL hourglass.refresh_rollups(up_to);
END
$$;
