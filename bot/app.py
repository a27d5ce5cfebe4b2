"""The Hourglass bot: a disnake InteractionBot with the pool, the writer and the cogs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import disnake
from disnake.ext import commands

from bot.cache import TimedCache
from bot.charts import Charts
from bot.errors import UserError
from bot.writer import BatchWriter
from hourglass.settings import MonitoringSettings
from hourglass.store import settings
from hourglass.store.batch import MemberSeen, Operation, UserAction
from hourglass.store.records import GuildConfig, MemberConfig
from hourglass.telemetry import Telemetry

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Options whose values are secrets: recorded as hidden in the audit trail.
SECRET_OPTIONS = frozenset({"webhook"})

GENERIC_FAILURE = "Something went wrong on our side. It has been logged; please try again later."


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


class HourglassBot(commands.InteractionBot):
    """The bot process: one pool, one writer, the cogs and the clock they share."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        writer: BatchWriter,
        *,
        clock: Clock = utc_now,
        checkpoint_seconds: float = 60.0,
        charts: Charts | None = None,
        telemetry: Telemetry | None = None,
        monitoring: MonitoringSettings | None = None,
        test_guilds: list[int] | None = None,
        **options: Any,
    ) -> None:
        intents = disnake.Intents(guilds=True, voice_states=True)
        super().__init__(
            intents=intents,
            allowed_mentions=disnake.AllowedMentions.none(),
            test_guilds=test_guilds,
            **options,
        )
        self.pool = pool
        self.writer = writer
        self.clock = clock
        self.checkpoint_seconds = checkpoint_seconds
        self.charts = charts
        self.telemetry = telemetry or Telemetry()
        self.monitoring = monitoring or MonitoringSettings()
        self.guild_configs: TimedCache[int, GuildConfig] = TimedCache(
            "guild_config", self.telemetry
        )
        self.member_configs: TimedCache[tuple[int, int], MemberConfig] = TimedCache(
            "member_config", self.telemetry
        )
        self._names: dict[tuple[int, int], str] = {}
        self._load_cogs()

    def _load_cogs(self) -> None:
        from bot.cogs import COGS

        for cog in COGS:
            self.add_cog(cog(self))

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """Writes what an earlier run spooled, then connects to Discord."""
        await self.writer.start()
        if self.charts is not None:
            await self.charts.start()
        await super().start(token, reconnect=reconnect)

    async def close(self) -> None:
        """Closes every session's current stretch, flushes the writer and disconnects."""
        voice = self.get_cog("Voice")
        if voice is not None:
            self.submit(voice.checkpoint_all())  # type: ignore[attr-defined]
        operations = self.get_cog("Operations")
        if operations is not None:
            await operations.monitor.stop()  # type: ignore[attr-defined]
        await super().close()
        await self.writer.stop()
        if self.charts is not None:
            await self.charts.close()
        log.info("bot stopped; writes flushed")

    async def guild_config(self, guild_id: int) -> GuildConfig:
        """A guild's settings, cached for a few seconds."""
        return await self.guild_configs.get(
            guild_id, lambda: settings.guild_config(self.pool, guild_id)
        )

    async def member_config(self, guild_id: int, member_id: int) -> MemberConfig:
        """A member's time settings, cached for a few seconds."""
        return await self.member_configs.get(
            (guild_id, member_id), lambda: settings.member_config(self.pool, guild_id, member_id)
        )

    def settings_changed(self, guild_id: int, member_id: int | None = None) -> None:
        """Drops cached settings after this process changed them."""
        if member_id is None:
            self.guild_configs.forget(guild_id)
            self.member_configs = TimedCache("member_config", self.telemetry)
        else:
            self.member_configs.forget((guild_id, member_id))

    def submit(self, ops: list[Operation]) -> None:
        """Queues a group of writes."""
        self.writer.submit(ops)

    def seen(self, guild_id: int | None, user: disnake.abc.User) -> None:
        """Remembers a member's display name for leaderboards (written only when it changes)."""
        if guild_id is None or user.bot:
            return
        key, name = (guild_id, user.id), user.display_name[:100]
        if self._names.get(key) != name:
            self._names[key] = name
            self.writer.submit([MemberSeen(guild_id, user.id, name)])

    def audit(self, guild_id: int | None, member_id: int, action: str, **detail: Any) -> None:
        """Records an action in the audit trail."""
        if guild_id is None:
            return
        self.writer.submit([UserAction(self.clock(), guild_id, member_id, action, detail)])

    async def on_slash_command(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Every command invocation goes to the audit trail, options included."""
        name = inter.application_command.qualified_name
        options = {
            k: "(hidden)" if k in SECRET_OPTIONS else _auditable(v)
            for k, v in inter.filled_options.items()
        }
        self.seen(inter.guild_id, inter.author)
        self.audit(inter.guild_id, inter.author.id, f"command.{name}", options=options)

    async def on_slash_command_error(
        self, inter: disnake.ApplicationCommandInteraction, error: commands.CommandError
    ) -> None:
        """Turns any failure into one ephemeral reply; nothing technical reaches the member."""
        message = _message_for(error)
        if message is GENERIC_FAILURE:
            log.error("command %s failed", inter.data.name, exc_info=error)
        await reply(inter, message)


def _message_for(error: commands.CommandError) -> str:
    original = getattr(error, "original", error)
    if isinstance(original, UserError):
        return str(original)
    if isinstance(error, commands.NoPrivateMessage):
        return "Hourglass commands work inside a server."
    if isinstance(error, commands.MissingPermissions | commands.CheckFailure):
        return "You need the Manage Server permission for this command."
    return GENERIC_FAILURE


async def reply(inter: disnake.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Answers an interaction ephemerally unless told otherwise, whether deferred or not."""
    kwargs.setdefault("ephemeral", True)
    if inter.response.is_done():
        await inter.followup.send(content or "", **kwargs)
    else:
        await inter.response.send_message(content, **kwargs)


def _auditable(value: Any) -> Any:
    if isinstance(value, int | float | bool) or value is None:
        return value
    if isinstance(value, disnake.abc.Snowflake):
        return value.id
    return str(value)[:200]
