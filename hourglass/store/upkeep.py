"""Backend-neutral upkeep: partitions, retention and rollup refresh.

Each backend's migrations define the same procedures, so nothing here knows which one runs.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def prepare_range(conn: asyncpg.Connection, lo: datetime, hi: datetime) -> int:
    """Readies storage for rows between two moments (partitions on plain PostgreSQL)."""
    return int(await conn.fetchval("SELECT hourglass.prepare_range($1, $2)", lo, hi))


async def refresh_rollups(conn: asyncpg.Connection, up_to: datetime) -> None:
    """Materializes every rollup up to a moment. Must not run inside a transaction."""
    await conn.execute("CALL hourglass.refresh_rollups($1)", up_to)


async def maintain(conn: asyncpg.Connection, at: datetime) -> None:
    """Runs periodic upkeep as of a moment. Must not run inside a transaction."""
    await conn.execute("CALL hourglass.maintain($1)", at)


async def rebuild_rollups(
    conn: asyncpg.Connection, up_to: datetime, names: list[str] | None = None
) -> None:
    """Recomputes rollups from their raw series (by default voice and points rollups)."""
    if names is None:
        await conn.execute("CALL hourglass.rebuild_rollups(up_to => $1)", up_to)
    else:
        await conn.execute("CALL hourglass.rebuild_rollups($1, $2)", names, up_to)
