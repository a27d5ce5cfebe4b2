"""Reading the bot's own metrics back from the metric rollups."""

from __future__ import annotations

from datetime import datetime

from hourglass.store.executor import Executor

_BUCKETS = """
SELECT le, sum(total)::double precision AS count
FROM hourglass.metrics_1m
WHERE name = $1 AND bucket >= $2 AND bucket < $3 AND le IS NOT NULL
  AND labels @> $4::jsonb
GROUP BY le
ORDER BY le
"""

_TOTAL = """
SELECT coalesce(sum(total), 0)::double precision
FROM hourglass.metrics_1m
WHERE name = $1 AND bucket >= $2 AND bucket < $3 AND le IS NULL AND labels @> $4::jsonb
"""

_GAUGE = """
SELECT sum(total) / nullif(sum(samples), 0) AS mean, max(maximum) AS peak
FROM hourglass.metrics_1m
WHERE name = $1 AND bucket >= $2 AND bucket < $3 AND le IS NULL AND labels @> $4::jsonb
"""

_PER_MINUTE = """
SELECT bucket, sum(total) / nullif(sum(samples), 0) AS mean, sum(total) AS total
FROM hourglass.metrics_1m
WHERE name = $1 AND bucket >= $2 AND bucket < $3 AND le IS NULL AND labels @> $4::jsonb
GROUP BY bucket
ORDER BY bucket
"""

_SNAPSHOT_STATEMENTS = """
INSERT INTO hourglass.query_stats (time, queryid, query, calls, total_exec_ms, mean_exec_ms,
                                   rows)
SELECT $1, s.queryid, left(s.query, 2000), s.calls, s.total_exec_time, s.mean_exec_time, s.rows
FROM pg_stat_statements AS s
WHERE s.queryid IS NOT NULL AND s.dbid = (SELECT oid FROM pg_database
                                          WHERE datname = current_database())
ORDER BY s.total_exec_time DESC
LIMIT $2
"""

_HAS_STATEMENTS = """
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')
"""

_TOP_QUERIES = """
WITH bounds AS (
  SELECT queryid, max(query) AS query,
         max(calls) - min(calls) AS calls,
         max(total_exec_ms) - min(total_exec_ms) AS total_ms
  FROM hourglass.query_stats
  WHERE time >= $1 AND time < $2
  GROUP BY queryid
)
SELECT queryid, query, calls, total_ms, total_ms / nullif(calls, 0) AS mean_ms
FROM bounds
WHERE calls > 0
ORDER BY total_ms DESC
LIMIT $3
"""


async def histogram(
    db: Executor, name: str, lo: datetime, hi: datetime, labels: dict[str, str] | None = None
) -> list[tuple[float, float]]:
    """(upper bound, count) buckets of a histogram over [lo, hi)."""
    rows = await db.fetch(_BUCKETS, name, lo, hi, labels or {})
    return [(row["le"], row["count"]) for row in rows]


async def total(
    db: Executor, name: str, lo: datetime, hi: datetime, labels: dict[str, str] | None = None
) -> float:
    """The sum of a counter's increments over [lo, hi)."""
    return float(await db.fetchval(_TOTAL, name, lo, hi, labels or {}))


async def gauge(
    db: Executor, name: str, lo: datetime, hi: datetime, labels: dict[str, str] | None = None
) -> tuple[float | None, float | None]:
    """Mean and peak of a gauge over [lo, hi)."""
    row = await db.fetchrow(_GAUGE, name, lo, hi, labels or {})
    return row["mean"], row["peak"]


async def per_minute(
    db: Executor, name: str, lo: datetime, hi: datetime, labels: dict[str, str] | None = None
) -> list[tuple[datetime, float, float]]:
    """(minute, mean, total) of a metric for each minute with samples in [lo, hi)."""
    rows = await db.fetch(_PER_MINUTE, name, lo, hi, labels or {})
    return [(row["bucket"], row["mean"], row["total"]) for row in rows]


async def statements_available(db: Executor) -> bool:
    """Whether pg_stat_statements is installed in this database."""
    return bool(await db.fetchval(_HAS_STATEMENTS))


async def snapshot_statements(db: Executor, at: datetime, limit: int = 200) -> int:
    """Stores the top statements of pg_stat_statements; returns how many."""
    status = await db.execute(_SNAPSHOT_STATEMENTS, at, limit)
    return int(status.split()[-1])


async def top_queries(
    db: Executor, lo: datetime, hi: datetime, limit: int = 10
) -> list[dict[str, object]]:
    """Statements by database time spent between two moments (from the snapshots)."""
    return [dict(row) for row in await db.fetch(_TOP_QUERIES, lo, hi, limit)]
