"""Voice study tracking: gateway events in, sessions and checkpoints out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import disnake
from disnake.ext import commands

from bot.periods import local_today
from bot.tracking import GuildTracker, VoiceState
from hourglass import streaks
from hourglass.store import sessions, settings, stats
from hourglass.store.batch import Operation
from hourglass.store.records import PointEvent

if TYPE_CHECKING:
    from bot.app import HourglassBot

log = logging.getLogger(__name__)


def voice_state(
    member: disnake.Member | None, state: disnake.VoiceState | None, bot_member: bool = False
) -> VoiceState:
    """The tracker's view of a Discord voice state."""
    if state is None or state.channel is None:
        return VoiceState(None, is_bot=bot_member)
    return VoiceState(
        channel_id=state.channel.id,
        is_bot=bool(member.bot) if member is not None else bot_member,
        self_mute=state.self_mute,
        self_deaf=state.self_deaf,
        muted=state.mute,
        deafened=state.deaf,
        camera=state.self_video,
        stream=bool(state.self_stream),
    )


def guild_voice_states(guild: disnake.Guild) -> dict[int, VoiceState]:
    """Everyone in a voice channel of the guild, from the client's cache."""
    states: dict[int, VoiceState] = {}
    for channel in [*guild.voice_channels, *guild.stage_channels]:
        for member_id, state in channel.voice_states.items():
            member = guild.get_member(member_id)
            states[member_id] = voice_state(member, state)
    return states


class Voice(commands.Cog):
    """Tracks study time in voice channels."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot
        self.trackers: dict[int, GuildTracker] = {}
        self._awarded: set[tuple[int, int, object]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def cog_unload(self) -> None:
        """Stops the checkpoint loop."""
        if self._loop is not None:
            self._loop.cancel()

    def checkpoint_all(self) -> list[Operation]:
        """Writes every open session's time up to now (used at shutdown too)."""
        now = self.bot.clock()
        return [op for tracker in self.trackers.values() for op in tracker.checkpoint(now)]

    async def reconfigure(self, guild_id: int) -> None:
        """Re-reads a guild's settings after an administrator changed them."""
        tracker = self.trackers.get(guild_id)
        if tracker is None:
            return
        config = await settings.guild_config(self.bot.pool, guild_id)
        opted_out = await settings.opted_out_members(self.bot.pool, guild_id)
        self.bot.submit(tracker.reconfigure(config, opted_out, self.bot.clock()))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Reconciles every guild with what Discord reports, then starts checkpointing."""
        for guild in self.bot.guilds:
            await self._reconcile(guild)
        if self._loop is None:
            self._loop = asyncio.create_task(self._checkpoints(), name="hourglass-checkpoints")
        log.info("voice tracking ready in %s guilds", len(self.bot.guilds))

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        """After a resumed connection, makes sure nobody's state drifted."""
        for guild in self.bot.guilds:
            await self._reconcile(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: disnake.Guild) -> None:
        """A guild that adds the bot starts being tracked at once."""
        await self._reconcile(guild)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: disnake.Guild) -> None:
        """A guild that removes the bot: its sessions close now."""
        tracker = self.trackers.pop(guild.id, None)
        if tracker is not None:
            self.bot.submit(tracker.reconcile(tracker.stored_rows(), {}, self.bot.clock()))

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: disnake.Member, before: disnake.VoiceState, after: disnake.VoiceState
    ) -> None:
        """Feeds one voice change to the guild's tracker."""
        tracker = self.trackers.get(member.guild.id)
        if tracker is None:
            return
        now = self.bot.clock()
        if member.id not in tracker.opted_out:
            self.bot.seen(member.guild.id, member)
        async with self._lock:
            ops = tracker.update(member.id, voice_state(member, after), now)
        self.bot.submit(ops)
        self._audit_move(member, before, after)

    def _audit_move(
        self, member: disnake.Member, before: disnake.VoiceState, after: disnake.VoiceState
    ) -> None:
        if member.bot or member.id in self.trackers[member.guild.id].opted_out:
            return
        old, new = before.channel, after.channel
        if old == new:
            return
        action = "voice.join" if old is None else "voice.leave" if new is None else "voice.move"
        self.bot.audit(
            member.guild.id, member.id, action, channel_id=(new or old).id if (new or old) else None
        )

    async def _reconcile(self, guild: disnake.Guild) -> None:
        await settings.ensure_guild(self.bot.pool, guild.id, guild.name)
        config = await settings.guild_config(self.bot.pool, guild.id)
        opted_out = await settings.opted_out_members(self.bot.pool, guild.id)
        previous = self.trackers.get(guild.id)
        stored = (
            previous.stored_rows()
            if previous is not None
            else await sessions.open_sessions(self.bot.pool, guild.id)
        )

        tracker = GuildTracker(
            guild.id,
            config,
            opted_out=opted_out,
            afk_channel_id=guild.afk_channel.id if guild.afk_channel else None,
        )
        async with self._lock:
            ops = tracker.reconcile(stored, guild_voice_states(guild), self.bot.clock())
            self.trackers[guild.id] = tracker
        self.bot.submit(ops)
        for member_id in tracker.presences:
            member = guild.get_member(member_id)
            if member is not None:
                self.bot.seen(guild.id, member)
        log.info("guild %s: %s sessions open after reconciling", guild.id, len(tracker.presences))

    async def _checkpoints(self) -> None:
        while True:
            await asyncio.sleep(self.bot.checkpoint_seconds)
            try:
                async with self._lock:
                    self.bot.submit(self.checkpoint_all())
                await self._award_streaks()
            except Exception:
                log.exception("checkpoint failed; will try again at the next one")

    async def _award_streaks(self) -> None:
        with contextlib.suppress(*_DB_UNAVAILABLE):
            for guild_id, tracker in list(self.trackers.items()):
                for member_id in list(tracker.presences):
                    await self._maybe_award(guild_id, member_id, tracker)

    async def _maybe_award(self, guild_id: int, member_id: int, tracker: GuildTracker) -> None:
        member = await self.bot.member_config(guild_id, member_id)
        now = self.bot.clock()
        today = local_today(now, member.time_zone, member.day_start_hour)
        if (guild_id, member_id, today) in self._awarded:
            return
        minimum = tracker.config.daily_minimum_minutes * 60
        so_far = await stats.member_daily_seconds(self.bot.pool, guild_id, member_id, today, today)
        if so_far.get(today, 0) < minimum:
            return  # the cheap check first: one day, not the streak's whole history
        daily = await stats.member_daily_seconds(
            self.bot.pool, guild_id, member_id, today - timedelta(days=400), today
        )
        streak = streaks.compute(daily, minimum, today)
        if not streak.today_done:
            return
        self._awarded.add((guild_id, member_id, today))
        self.bot.submit(
            [
                PointEvent(
                    now,
                    guild_id,
                    member_id,
                    streaks.bonus_points(streak.current),
                    "streak",
                    "tracker",
                    f"streak:{guild_id}:{member_id}:{today.isoformat()}",
                )
            ]
        )


_DB_UNAVAILABLE = (OSError, TimeoutError)
