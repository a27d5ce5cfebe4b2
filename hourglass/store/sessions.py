"""Sessions in progress, read back when the bot starts or reconnects."""

from __future__ import annotations

from hourglass.store.executor import Executor
from hourglass.store.records import OpenSessionRow

_OPEN = """
SELECT guild_id, member_id, session_id, channel_id, started_at, last_checkpoint_at,
       self_mute, self_deaf, camera, stream, counted_seconds, camera_seconds, stream_seconds,
       self_mute_seconds, self_deaf_seconds
FROM hourglass.open_sessions
WHERE guild_id = $1
"""


async def open_sessions(db: Executor, guild_id: int) -> list[OpenSessionRow]:
    """The sessions of a guild that were open when the bot last wrote."""
    return [OpenSessionRow(**dict(row)) for row in await db.fetch(_OPEN, guild_id)]
