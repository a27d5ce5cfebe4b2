"""A member's data: everything exported on request, or everything forgotten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from hourglass.store import upkeep

# (name in the export, query); each takes $1 guild_id and $2 member_id.
_EXPORTS: tuple[tuple[str, str], ...] = (
    ("member", "SELECT * FROM hourglass.members WHERE guild_id = $1 AND member_id = $2"),
    (
        "voice_sessions",
        "SELECT * FROM hourglass.voice_sessions"
        " WHERE guild_id = $1 AND member_id = $2 ORDER BY started_at",
    ),
    (
        "open_sessions",
        "SELECT * FROM hourglass.open_sessions WHERE guild_id = $1 AND member_id = $2",
    ),
    (
        "voice_activity",
        "SELECT slot, channel_id, session_id, piece_start, seconds"
        " FROM hourglass.voice_activity WHERE guild_id = $1 AND member_id = $2 ORDER BY slot",
    ),
    (
        "point_events",
        "SELECT * FROM hourglass.point_events"
        " WHERE guild_id = $1 AND member_id = $2 ORDER BY occurred_at",
    ),
    (
        "tasks",
        "SELECT task_id, title, description, status, due_at, created_at, completed_at"
        " FROM hourglass.tasks WHERE guild_id = $1 AND member_id = $2 ORDER BY task_id",
    ),
    (
        "task_events",
        "SELECT * FROM hourglass.task_events"
        " WHERE guild_id = $1 AND member_id = $2 ORDER BY occurred_at",
    ),
    (
        "user_actions",
        "SELECT occurred_at, action, detail FROM hourglass.user_actions"
        " WHERE guild_id = $1 AND member_id = $2 ORDER BY occurred_at",
    ),
)

_FORGET: tuple[str, ...] = (
    "DELETE FROM hourglass.point_event_keys AS k USING hourglass.point_events AS e"
    " WHERE e.guild_id = $1 AND e.member_id = $2 AND k.idempotency_key = e.idempotency_key",
    "DELETE FROM hourglass.point_events WHERE guild_id = $1 AND member_id = $2",
    "DELETE FROM hourglass.voice_activity WHERE guild_id = $1 AND member_id = $2",
    "DELETE FROM hourglass.voice_sessions WHERE guild_id = $1 AND member_id = $2",
    "DELETE FROM hourglass.open_sessions WHERE guild_id = $1 AND member_id = $2",
    "DELETE FROM hourglass.task_events WHERE guild_id = $1 AND member_id = $2",
    "DELETE FROM hourglass.tasks WHERE guild_id = $1 AND member_id = $2",
    "DELETE FROM hourglass.user_actions WHERE guild_id = $1 AND member_id = $2",
    "DELETE FROM hourglass.members WHERE guild_id = $1 AND member_id = $2",
)


async def export(
    conn: asyncpg.Connection, guild_id: int, member_id: int
) -> dict[str, list[dict[str, Any]]]:
    """Every row that concerns the member in this guild, table by table."""
    return {
        name: [dict(row) for row in await conn.fetch(sql, guild_id, member_id)]
        for name, sql in _EXPORTS
    }


async def forget(conn: asyncpg.Connection, guild_id: int, member_id: int, now: datetime) -> None:
    """Deletes everything about the member in this guild, rollups included.

    The raw rows go in one transaction; the rollups then drop the member at a refresh,
    which only recomputes the windows the deletion touched.
    """
    async with conn.transaction():
        for sql in _FORGET:
            await conn.execute(sql, guild_id, member_id)
    await upkeep.refresh_rollups(conn, now)
