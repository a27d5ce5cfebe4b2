"""Voice study tracking: turns voice-state changes into sessions and counted time.

This module knows nothing of Discord's objects: the cog translates gateway events into
VoiceState values and hands the returned write operations to the writer. A member has a
session while in a tracked channel; the session's time counts unless the guild excludes
deafened time or time alone. Counted stretches are written as pieces, each with a
checkpoint in the same batch, so the stored checkpoint always marks the end of the stored
time and recovery never counts a stretch twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hourglass.store.batch import Checkpoint, CloseSession, OpenSession, Operation
from hourglass.store.records import (
    GuildConfig,
    OpenSessionRow,
    PointEvent,
    VoicePiece,
    VoiceSession,
)

log = logging.getLogger(__name__)

# A stored session whose member is still in voice continues across a restart only if the
# bot was away for at most this long; otherwise it closes at its last checkpoint.
RESUME_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class VoiceState:
    """What the tracker needs of a member's voice state."""

    channel_id: int | None
    is_bot: bool = False
    self_mute: bool = False
    self_deaf: bool = False
    muted: bool = False
    deafened: bool = False
    camera: bool = False
    stream: bool = False

    @property
    def deaf(self) -> bool:
        """Deafened by themselves or by a moderator."""
        return self.self_deaf or self.deafened


@dataclass
class _Presence:
    session_id: uuid.UUID
    channel_id: int
    started_at: datetime
    written_until: datetime
    counting: bool = False
    counted: int = 0
    camera: int = 0
    stream: int = 0
    mute: int = 0
    deaf: int = 0
    state: VoiceState = field(default_factory=lambda: VoiceState(None))


class GuildTracker:
    """The voice sessions of one guild."""

    def __init__(
        self,
        guild_id: int,
        config: GuildConfig,
        *,
        afk_channel_id: int | None = None,
        opted_out: set[int] | None = None,
    ) -> None:
        self.guild_id = guild_id
        self.config = config
        self.afk_channel_id = afk_channel_id
        self.opted_out = set(opted_out or ())
        self.states: dict[int, VoiceState] = {}
        self.presences: dict[int, _Presence] = {}

    def is_tracked(self, channel_id: int | None) -> bool:
        """Whether time in a channel can count."""
        if channel_id is None or channel_id == self.afk_channel_id:
            return False
        if self.config.tracked_channel_ids:
            return channel_id in self.config.tracked_channel_ids
        return channel_id not in self.config.untracked_channel_ids

    def update(self, member_id: int, state: VoiceState, at: datetime) -> list[Operation]:
        """Applies one member's new voice state at a moment; returns what to write."""
        old = self.states.get(member_id, VoiceState(None))
        affected = self._occupants(old.channel_id) | self._occupants(state.channel_id)
        affected.add(member_id)
        ops = self._settle(affected, at)

        self._set_state(member_id, state)
        ops += self._open_or_close(member_id, at)
        self._recount(affected)
        return ops

    def checkpoint(self, at: datetime) -> list[Operation]:
        """Writes every open session's time up to a moment."""
        return self._settle(set(self.presences), at)

    def reconfigure(
        self, config: GuildConfig, opted_out: set[int], at: datetime
    ) -> list[Operation]:
        """Applies new settings: sessions in channels no longer tracked close now."""
        ops = self._settle(set(self.presences), at)
        self.config, self.opted_out = config, set(opted_out)
        for member_id in list(self.states):
            ops += self._open_or_close(member_id, at)
        self._recount(set(self.presences))
        return ops

    def reconcile(
        self, stored: list[OpenSessionRow], states: dict[int, VoiceState], at: datetime
    ) -> list[Operation]:
        """Matches sessions stored before a restart with the voice states Discord reports.

        Members still in voice continue their session; members who left meanwhile are
        closed at their own last checkpoint; members already in voice without a session
        get a new one.
        """
        self.states = {m: s for m, s in states.items() if s.channel_id is not None}
        self.presences = {}
        ops: list[Operation] = []
        for row in stored:
            ops += self._resume_or_close(row, at)
        for member_id in self.states:
            if member_id not in self.presences:
                ops += self._open_or_close(member_id, at)
        self._recount(set(self.presences))
        return ops

    def stored_rows(self) -> list[OpenSessionRow]:
        """The open sessions as recovery would read them back."""
        return [self._row(member_id, p) for member_id, p in self.presences.items()]

    def _resume_or_close(self, row: OpenSessionRow, at: datetime) -> list[Operation]:
        state = self.states.get(row.member_id)
        keep = (
            state is not None
            and self._eligible(row.member_id, state)
            and at - row.last_checkpoint_at <= RESUME_GRACE
        )
        presence = _Presence(
            row.session_id,
            row.channel_id,
            row.started_at,
            row.last_checkpoint_at,
            counted=row.counted_seconds,
            camera=row.camera_seconds,
            stream=row.stream_seconds,
            mute=row.self_mute_seconds,
            deaf=row.self_deaf_seconds,
            state=VoiceState(
                row.channel_id,
                self_mute=row.self_mute,
                self_deaf=row.self_deaf,
                camera=row.camera,
                stream=row.stream,
            ),
        )
        if keep:
            assert state is not None
            presence.channel_id = state.channel_id or row.channel_id
            self.presences[row.member_id] = presence
            log.info("session of member %s continues after reconnect", row.member_id)
            return []
        log.info("closing session of member %s at its last checkpoint", row.member_id)
        return self._close(row.member_id, presence, row.last_checkpoint_at, "recovered")

    def _eligible(self, member_id: int, state: VoiceState) -> bool:
        return (
            not state.is_bot
            and member_id not in self.opted_out
            and self.is_tracked(state.channel_id)
        )

    def _set_state(self, member_id: int, state: VoiceState) -> None:
        if state.channel_id is None:
            self.states.pop(member_id, None)
        else:
            self.states[member_id] = state

    def _open_or_close(self, member_id: int, at: datetime) -> list[Operation]:
        state = self.states.get(member_id, VoiceState(None))
        presence = self.presences.get(member_id)
        eligible = self._eligible(member_id, state)
        if presence is not None and not eligible:
            del self.presences[member_id]
            reason = "left" if state.channel_id is None else "untracked"
            return self._close(member_id, presence, at, reason)
        if presence is not None:
            presence.channel_id = state.channel_id or presence.channel_id
            presence.state = state
            return []
        if eligible and state.channel_id is not None:
            return [self._open(member_id, state, at)]
        return []

    def _open(self, member_id: int, state: VoiceState, at: datetime) -> Operation:
        assert state.channel_id is not None
        presence = _Presence(uuid.uuid4(), state.channel_id, at, at, state=state)
        self.presences[member_id] = presence
        return OpenSession(
            self.guild_id,
            member_id,
            presence.session_id,
            state.channel_id,
            at,
            at,
            state.self_mute,
            state.deaf,
            state.camera,
            state.stream,
        )

    def _close(self, member_id: int, p: _Presence, at: datetime, reason: str) -> list[Operation]:
        session = VoiceSession(
            p.session_id,
            self.guild_id,
            member_id,
            p.channel_id,
            p.started_at,
            at,
            p.camera,
            p.stream,
            p.mute,
            p.deaf,
            reason,
        )
        ops: list[Operation] = [CloseSession(session)]
        if p.counted >= 60:
            ops.append(
                PointEvent(
                    at,
                    self.guild_id,
                    member_id,
                    p.counted // 60,
                    "voice",
                    "tracker",
                    f"voice:{p.session_id}",
                )
            )
        return ops

    def _settle(self, members: set[int], at: datetime) -> list[Operation]:
        ops: list[Operation] = []
        for member_id in sorted(members):
            presence = self.presences.get(member_id)
            if presence is None or at <= presence.written_until:
                continue
            ops += self._write_until(member_id, presence, at)
        return ops

    def _write_until(self, member_id: int, p: _Presence, at: datetime) -> list[Operation]:
        seconds = int(
            (at.replace(microsecond=0) - p.written_until.replace(microsecond=0)).total_seconds()
        )
        ops: list[Operation] = []
        if p.counting and seconds > 0:
            ops.append(
                VoicePiece(
                    p.session_id, self.guild_id, member_id, p.channel_id, p.written_until, at
                )
            )
            p.counted += seconds
        p.camera += seconds if p.state.camera else 0
        p.stream += seconds if p.state.stream else 0
        p.mute += seconds if p.state.self_mute else 0
        p.deaf += seconds if p.state.deaf else 0
        p.written_until = at
        ops.append(self._checkpoint_op(p))
        return ops

    def _checkpoint_op(self, p: _Presence) -> Checkpoint:
        return Checkpoint(
            p.session_id,
            p.written_until,
            p.channel_id,
            p.state.self_mute,
            p.state.deaf,
            p.state.camera,
            p.state.stream,
            p.counted,
            p.camera,
            p.stream,
            p.mute,
            p.deaf,
        )

    def _recount(self, members: set[int]) -> None:
        for member_id in members:
            presence = self.presences.get(member_id)
            if presence is not None:
                presence.counting = self._counts(member_id, presence.state)

    def _counts(self, member_id: int, state: VoiceState) -> bool:
        if state.deaf and not self.config.count_deafened:
            return False
        return self.config.count_alone or self._has_company(member_id, state.channel_id)

    def _has_company(self, member_id: int, channel_id: int | None) -> bool:
        return any(
            other != member_id and not s.is_bot and s.channel_id == channel_id
            for other, s in self.states.items()
        )

    def _occupants(self, channel_id: int | None) -> set[int]:
        if channel_id is None:
            return set()
        return {m for m, s in self.states.items() if s.channel_id == channel_id}

    def _row(self, member_id: int, p: _Presence) -> OpenSessionRow:
        return OpenSessionRow(
            self.guild_id,
            member_id,
            p.session_id,
            p.channel_id,
            p.started_at,
            p.written_until,
            p.state.self_mute,
            p.state.deaf,
            p.state.camera,
            p.state.stream,
            p.counted,
            p.camera,
            p.stream,
            p.mute,
            p.deaf,
        )
