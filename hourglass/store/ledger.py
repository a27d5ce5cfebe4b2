"""The points ledger and the metrics series: append-only writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hourglass.store.executor import Executor
from hourglass.store.records import MetricSample, PointEvent

_APPEND_POINTS = """
WITH incoming AS (
  SELECT DISTINCT ON (e.idempotency_key) e.*
  FROM unnest($1::timestamptz[], $2::bigint[], $3::bigint[], $4::integer[], $5::text[],
              $6::text[], $7::text[])
    AS e (occurred_at, guild_id, member_id, delta, reason, source, idempotency_key)
  ORDER BY e.idempotency_key, e.occurred_at
),
fresh AS (
  INSERT INTO hourglass.point_event_keys (idempotency_key, occurred_at)
  SELECT i.idempotency_key, i.occurred_at FROM incoming AS i
  ON CONFLICT DO NOTHING
  RETURNING idempotency_key
)
INSERT INTO hourglass.point_events (
  occurred_at, guild_id, member_id, delta, reason, source, idempotency_key)
SELECT i.occurred_at, i.guild_id, i.member_id, i.delta, i.reason, i.source, i.idempotency_key
FROM incoming AS i
JOIN fresh USING (idempotency_key)
"""

_INSERT_METRICS = """
INSERT INTO hourglass.performance_metrics (time, name, labels, le, value)
SELECT *
FROM unnest($1::timestamptz[], $2::text[], $3::jsonb[], $4::double precision[],
            $5::double precision[])
"""

_COUNT_METRICS = """
SELECT count(*) FROM hourglass.performance_metrics WHERE time >= $1 AND time < $2
"""


async def append_points(db: Executor, events: Sequence[PointEvent]) -> int:
    """Appends point events; events whose idempotency key was seen are skipped.

    Returns how many events were new.
    """
    if not events:
        return 0
    status = await db.execute(
        _APPEND_POINTS,
        [e.occurred_at for e in events],
        [e.guild_id for e in events],
        [e.member_id for e in events],
        [e.delta for e in events],
        [e.reason for e in events],
        [e.source for e in events],
        [e.idempotency_key for e in events],
    )
    return int(status.split()[-1])


async def count_metrics(db: Executor, lo: datetime, hi: datetime) -> int:
    """How many metric samples lie in [lo, hi)."""
    return int(await db.fetchval(_COUNT_METRICS, lo, hi))


async def write_metrics(db: Executor, samples: Sequence[MetricSample]) -> None:
    """Appends metric samples in one statement."""
    if not samples:
        return
    await db.execute(
        _INSERT_METRICS,
        [s.time for s in samples],
        [s.name for s in samples],
        [s.labels for s in samples],
        [s.le for s in samples],
        [s.value for s in samples],
    )
