"""Writing voice time: sessions and the 15-minute pieces every voice rollup sums."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from hourglass.store.executor import Executor
from hourglass.store.records import VoicePiece, VoiceSession

_INSERT_SESSIONS = """
INSERT INTO hourglass.voice_sessions (
  session_id, guild_id, member_id, channel_id, started_at, ended_at,
  camera_seconds, stream_seconds, self_mute_seconds, self_deaf_seconds, close_reason)
SELECT *
FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[],
            $6::timestamptz[], $7::integer[], $8::integer[], $9::integer[], $10::integer[],
            $11::text[])
ON CONFLICT DO NOTHING
"""

_INSERT_PIECES = """
INSERT INTO hourglass.voice_activity (
  slot, guild_id, member_id, channel_id, session_id, piece_start, seconds)
SELECT s.slot, p.guild_id, p.member_id, p.channel_id, p.session_id, s.piece_start, s.seconds
FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[],
            $6::timestamptz[])
  AS p (session_id, guild_id, member_id, channel_id, started_at, ended_at)
CROSS JOIN LATERAL hourglass.voice_slices(p.started_at, p.ended_at) AS s
ON CONFLICT DO NOTHING
"""


def whole_second(moment: datetime) -> datetime:
    """Voice time is counted in whole seconds: every boundary is cut to the second."""
    return moment.replace(microsecond=0)


async def write_pieces(db: Executor, pieces: Sequence[VoicePiece]) -> None:
    """Appends stretches of voice time; a stretch written before is skipped, not doubled."""
    if not pieces:
        return
    await db.execute(
        _INSERT_PIECES,
        [p.session_id for p in pieces],
        [p.guild_id for p in pieces],
        [p.member_id for p in pieces],
        [p.channel_id for p in pieces],
        [whole_second(p.started_at) for p in pieces],
        [whole_second(p.ended_at) for p in pieces],
    )


async def write_session_records(conn: Executor, sessions: Sequence[VoiceSession]) -> int:
    """Writes the records of closed sessions (not their voice time); returns how many were new."""
    if not sessions:
        return 0
    status = await conn.execute(
        _INSERT_SESSIONS,
        [s.session_id for s in sessions],
        [s.guild_id for s in sessions],
        [s.member_id for s in sessions],
        [s.channel_id for s in sessions],
        [whole_second(s.started_at) for s in sessions],
        [whole_second(s.ended_at) for s in sessions],
        [s.camera_seconds for s in sessions],
        [s.stream_seconds for s in sessions],
        [s.self_mute_seconds for s in sessions],
        [s.self_deaf_seconds for s in sessions],
        [s.close_reason for s in sessions],
    )
    return int(status.split()[-1])


async def write_sessions(conn: asyncpg.Connection, sessions: Sequence[VoiceSession]) -> int:
    """Writes closed sessions with all their voice time, in one transaction.

    Used for sessions whose time was not checkpointed (imports, seeding, benchmarks). A
    batch that is retried after a failure writes nothing twice. Returns how many sessions
    were new.
    """
    if not sessions:
        return 0
    async with conn.transaction():
        written = await write_session_records(conn, sessions)
        await write_pieces(conn, [_whole_piece(s) for s in sessions])
    return written


def _whole_piece(session: VoiceSession) -> VoicePiece:
    return VoicePiece(
        session.session_id,
        session.guild_id,
        session.member_id,
        session.channel_id,
        session.started_at,
        session.ended_at,
    )
