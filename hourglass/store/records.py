"""Plain records passed to and from the data-access layer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class VoiceSession:
    """A closed voice session. Its time is counted to the whole second."""

    session_id: uuid.UUID
    guild_id: int
    member_id: int
    channel_id: int
    started_at: datetime
    ended_at: datetime
    camera_seconds: int = 0
    stream_seconds: int = 0
    self_mute_seconds: int = 0
    self_deaf_seconds: int = 0
    close_reason: str = "left"


@dataclass(frozen=True)
class VoicePiece:
    """A stretch of voice time of one session, written at a checkpoint or at the close."""

    session_id: uuid.UUID
    guild_id: int
    member_id: int
    channel_id: int
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class PointEvent:
    """One change of a member's points. The idempotency key makes a retry harmless."""

    occurred_at: datetime
    guild_id: int
    member_id: int
    delta: int
    reason: str
    source: str
    idempotency_key: str


@dataclass(frozen=True)
class MetricSample:
    """One observation of the bot's own health. le marks a histogram bucket."""

    time: datetime
    name: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)
    le: float | None = None


@dataclass(frozen=True)
class Guild:
    """The settings of a guild that time accounting needs."""

    guild_id: int
    name: str = ""
    time_zone: str = "UTC"
    day_start_hour: int = 0


@dataclass(frozen=True)
class Member:
    """A member; a None time zone or day start falls back to the guild's."""

    guild_id: int
    member_id: int
    display_name: str = ""
    time_zone: str | None = None
    day_start_hour: int | None = None


@dataclass(frozen=True)
class Standing:
    """A row of a leaderboard."""

    rank: int
    member_id: int
    display_name: str
    seconds: int


@dataclass(frozen=True)
class GuildConfig:
    """Everything an administrator sets for a guild."""

    guild_id: int
    time_zone: str = "UTC"
    day_start_hour: int = 0
    tracked_channel_ids: tuple[int, ...] = ()
    untracked_channel_ids: tuple[int, ...] = ()
    report_channel_id: int | None = None
    daily_goal_minutes: int = 120
    daily_minimum_minutes: int = 30
    count_deafened: bool = False
    count_alone: bool = True
    alert_thresholds: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberConfig:
    """A member's own settings, with the guild's as fallback already applied."""

    guild_id: int
    member_id: int
    time_zone: str
    day_start_hour: int
    opted_out: bool


@dataclass(frozen=True)
class OpenSessionRow:
    """A session in progress as stored, for recovery after a restart."""

    guild_id: int
    member_id: int
    session_id: uuid.UUID
    channel_id: int
    started_at: datetime
    last_checkpoint_at: datetime
    self_mute: bool
    self_deaf: bool
    camera: bool
    stream: bool
    counted_seconds: int = 0
    camera_seconds: int = 0
    stream_seconds: int = 0
    self_mute_seconds: int = 0
    self_deaf_seconds: int = 0


@dataclass(frozen=True)
class Task:
    """A member's task."""

    task_id: int
    guild_id: int
    member_id: int
    title: str
    description: str
    status: str
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class LedgerEntry:
    """One line of a member's points history."""

    occurred_at: datetime
    delta: int
    reason: str
    source: str
