"""Writes of the bot, grouped in batches that are applied in one transaction.

Every operation is idempotent, so a batch can be applied again after a failure whose
outcome is unknown (the commit went through but the answer was lost) without writing
anything twice. Operations serialise to JSON for the writer's spool file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import asyncpg

from hourglass.store import guilds, ledger, voice
from hourglass.store.records import Member, MetricSample, PointEvent, VoicePiece, VoiceSession


@dataclass(frozen=True)
class MemberSeen:
    """A member was seen under a display name (kept for leaderboards)."""

    guild_id: int
    member_id: int
    display_name: str


@dataclass(frozen=True)
class OpenSession:
    """A voice session began (or the newest session of a member replaced an older one)."""

    guild_id: int
    member_id: int
    session_id: uuid.UUID
    channel_id: int
    started_at: datetime
    checkpoint_at: datetime
    self_mute: bool = False
    self_deaf: bool = False
    camera: bool = False
    stream: bool = False


@dataclass(frozen=True)
class Checkpoint:
    """Voice time of an open session has been written up to checkpoint_at.

    It travels in the same batch as the pieces it covers, so the stored checkpoint is
    always the end of the stored voice time: recovery never writes a stretch twice.
    """

    session_id: uuid.UUID
    checkpoint_at: datetime
    channel_id: int
    self_mute: bool = False
    self_deaf: bool = False
    camera: bool = False
    stream: bool = False
    counted_seconds: int = 0
    camera_seconds: int = 0
    stream_seconds: int = 0
    self_mute_seconds: int = 0
    self_deaf_seconds: int = 0


@dataclass(frozen=True)
class CloseSession:
    """A session ended: its record is written and it is no longer open."""

    session: VoiceSession


@dataclass(frozen=True)
class UserAction:
    """A row of the audit trail."""

    occurred_at: datetime
    guild_id: int
    member_id: int
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    action_id: uuid.UUID = field(default_factory=uuid.uuid4)


Operation = (
    MemberSeen
    | OpenSession
    | Checkpoint
    | CloseSession
    | VoicePiece
    | PointEvent
    | UserAction
    | MetricSample
)

_KINDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        MemberSeen,
        OpenSession,
        Checkpoint,
        CloseSession,
        VoicePiece,
        PointEvent,
        UserAction,
        MetricSample,
    )
}

_UPSERT_OPEN = """
INSERT INTO hourglass.open_sessions (
  guild_id, member_id, session_id, channel_id, started_at, last_checkpoint_at,
  self_mute, self_deaf, camera, stream)
SELECT *
FROM unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::bigint[], $5::timestamptz[],
            $6::timestamptz[], $7::boolean[], $8::boolean[], $9::boolean[], $10::boolean[])
ON CONFLICT (guild_id, member_id) DO UPDATE
SET session_id = excluded.session_id,
    channel_id = excluded.channel_id,
    started_at = excluded.started_at,
    last_checkpoint_at = excluded.last_checkpoint_at,
    self_mute = excluded.self_mute,
    self_deaf = excluded.self_deaf,
    camera = excluded.camera,
    stream = excluded.stream
WHERE hourglass.open_sessions.started_at <= excluded.started_at
"""

_CHECKPOINT = """
UPDATE hourglass.open_sessions AS o
SET last_checkpoint_at = c.checkpoint_at,
    channel_id = c.channel_id,
    self_mute = c.self_mute,
    self_deaf = c.self_deaf,
    camera = c.camera,
    stream = c.stream,
    counted_seconds = c.counted_seconds,
    camera_seconds = c.camera_seconds,
    stream_seconds = c.stream_seconds,
    self_mute_seconds = c.self_mute_seconds,
    self_deaf_seconds = c.self_deaf_seconds
FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::boolean[], $5::boolean[],
            $6::boolean[], $7::boolean[], $8::integer[], $9::integer[], $10::integer[],
            $11::integer[], $12::integer[])
  AS c (session_id, checkpoint_at, channel_id, self_mute, self_deaf, camera, stream,
        counted_seconds, camera_seconds, stream_seconds, self_mute_seconds, self_deaf_seconds)
WHERE o.session_id = c.session_id AND o.last_checkpoint_at <= c.checkpoint_at
"""

_CLOSE_OPEN = """
DELETE FROM hourglass.open_sessions WHERE session_id = ANY($1::uuid[])
"""

_INSERT_ACTIONS = """
INSERT INTO hourglass.user_actions (occurred_at, guild_id, member_id, action, detail, action_id)
SELECT a.*
FROM unnest($1::timestamptz[], $2::bigint[], $3::bigint[], $4::text[], $5::jsonb[], $6::uuid[])
  AS a (occurred_at, guild_id, member_id, action, detail, action_id)
WHERE NOT EXISTS (
  SELECT 1 FROM hourglass.user_actions AS u
  WHERE u.action_id = a.action_id AND u.occurred_at = a.occurred_at
)
"""


async def apply_batch(conn: asyncpg.Connection, operations: Sequence[Operation]) -> None:
    """Applies a batch in one transaction: opens, voice time, checkpoints, closes, ledger, audit."""
    groups: dict[type, list[Any]] = {kind: [] for kind in _KINDS.values()}
    for operation in operations:
        groups[type(operation)].append(operation)

    async with conn.transaction():
        await _members(conn, groups[MemberSeen])
        await _open(conn, groups[OpenSession])
        await voice.write_pieces(conn, groups[VoicePiece])
        await _checkpoint(conn, groups[Checkpoint])
        await _close(conn, groups[CloseSession])
        await ledger.append_points(conn, groups[PointEvent])
        await _actions(conn, groups[UserAction])
        await ledger.write_metrics(conn, groups[MetricSample])


async def _members(conn: asyncpg.Connection, seen: list[MemberSeen]) -> None:
    if not seen:
        return
    latest = {(m.guild_id, m.member_id): m for m in seen}
    await guilds.upsert_members(
        conn,
        [Member(m.guild_id, m.member_id, m.display_name) for m in latest.values()],
        names_only=True,
    )


async def _open(conn: asyncpg.Connection, opens: list[OpenSession]) -> None:
    if not opens:
        return
    latest: dict[tuple[int, int], OpenSession] = {}
    for o in sorted(opens, key=lambda o: o.started_at):
        latest[(o.guild_id, o.member_id)] = o
    rows = list(latest.values())
    await conn.execute(
        _UPSERT_OPEN,
        [o.guild_id for o in rows],
        [o.member_id for o in rows],
        [o.session_id for o in rows],
        [o.channel_id for o in rows],
        [voice.whole_second(o.started_at) for o in rows],
        [voice.whole_second(o.checkpoint_at) for o in rows],
        [o.self_mute for o in rows],
        [o.self_deaf for o in rows],
        [o.camera for o in rows],
        [o.stream for o in rows],
    )


async def _checkpoint(conn: asyncpg.Connection, checkpoints: list[Checkpoint]) -> None:
    if not checkpoints:
        return
    latest = {c.session_id: c for c in sorted(checkpoints, key=lambda c: c.checkpoint_at)}
    rows = list(latest.values())
    await conn.execute(
        _CHECKPOINT,
        [c.session_id for c in rows],
        [voice.whole_second(c.checkpoint_at) for c in rows],
        [c.channel_id for c in rows],
        [c.self_mute for c in rows],
        [c.self_deaf for c in rows],
        [c.camera for c in rows],
        [c.stream for c in rows],
        [c.counted_seconds for c in rows],
        [c.camera_seconds for c in rows],
        [c.stream_seconds for c in rows],
        [c.self_mute_seconds for c in rows],
        [c.self_deaf_seconds for c in rows],
    )


async def _close(conn: asyncpg.Connection, closes: list[CloseSession]) -> None:
    if not closes:
        return
    await voice.write_session_records(conn, [c.session for c in closes])
    await conn.execute(_CLOSE_OPEN, [c.session.session_id for c in closes])


async def _actions(conn: asyncpg.Connection, actions: list[UserAction]) -> None:
    if not actions:
        return
    await conn.execute(
        _INSERT_ACTIONS,
        [a.occurred_at for a in actions],
        [a.guild_id for a in actions],
        [a.member_id for a in actions],
        [a.action for a in actions],
        [a.detail for a in actions],
        [a.action_id for a in actions],
    )


def dumps(operations: Sequence[Operation]) -> str:
    """One JSON line for a batch, for the spool file."""
    return json.dumps([_encode(op) for op in operations], separators=(",", ":"))


def loads(line: str) -> list[Operation]:
    """The batch a spool line holds."""
    return [_decode(item) for item in json.loads(line)]


def _encode(operation: Operation) -> dict[str, Any]:
    body = asdict(operation)
    return {"kind": type(operation).__name__, "body": json.loads(json.dumps(body, default=str))}


def _decode(item: dict[str, Any]) -> Operation:
    cls = _KINDS[item["kind"]]
    return _build(cls, item["body"])  # type: ignore[no-any-return]


def _build(cls: type, body: dict[str, Any]) -> Any:
    values = {}
    for f in fields(cls):
        raw = body[f.name]
        values[f.name] = _coerce(f.type, raw)
    return cls(**values)


def _coerce(annotation: Any, raw: Any) -> Any:
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if raw is None:
        return None
    if name.startswith("uuid.UUID"):
        return uuid.UUID(raw)
    if name.startswith("datetime"):
        return datetime.fromisoformat(raw)
    if name.startswith("float"):
        return float(raw)
    if name == "VoiceSession":
        return _build(VoiceSession, raw)
    return raw
