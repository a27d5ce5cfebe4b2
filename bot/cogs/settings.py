"""/config for administrators and /timezone for members."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import disnake
from disnake.ext import commands

from bot.app import reply
from bot.checks import GUILD_ONLY, guild_id_of, require_admin, suggest_time_zones
from bot.checks import time_zone as valid_zone
from bot.errors import UserError
from bot.monitor import parse_webhook
from hourglass.monitoring.delivery import InvalidDestination
from hourglass.store import settings
from hourglass.store.records import GuildConfig

if TYPE_CHECKING:
    from bot.app import HourglassBot

VOICE_TYPES = [disnake.ChannelType.voice, disnake.ChannelType.stage_voice]


async def _zones(inter: disnake.ApplicationCommandInteraction, typed: str) -> list[str]:
    return suggest_time_zones(typed)


def config_embed(config: GuildConfig) -> disnake.Embed:
    """The guild's settings at a glance."""

    def channels(ids: tuple[int, ...]) -> str:
        return ", ".join(f"<#{i}>" for i in ids) or "none"

    embed = disnake.Embed(title="Hourglass settings", colour=disnake.Colour.blurple())
    embed.add_field(
        "Time zone", f"{config.time_zone}, days start at {config.day_start_hour:02d}:00"
    )
    embed.add_field(
        "Daily goal / minimum", f"{config.daily_goal_minutes}m / {config.daily_minimum_minutes}m"
    )
    embed.add_field(
        "Tracked channels",
        channels(config.tracked_channel_ids)
        if config.tracked_channel_ids
        else "all voice channels",
        inline=False,
    )
    embed.add_field("Never tracked", channels(config.untracked_channel_ids), inline=False)
    embed.add_field(
        "Report channel", f"<#{config.report_channel_id}>" if config.report_channel_id else "none"
    )
    embed.add_field("Counts deafened time", "yes" if config.count_deafened else "no")
    embed.add_field("Counts time alone", "yes" if config.count_alone else "no")
    members = config.alert_thresholds.get("concurrent_members")
    target = "a webhook" if config.alert_thresholds.get("webhook") else "the report channel"
    embed.add_field(
        "Alerts", f"at {members} members studying at once, to {target}" if members else "off"
    )
    return embed


class Settings(commands.Cog):
    """Settings: administrators configure the server, members their own time zone."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot

    @commands.slash_command(name="config", **GUILD_ONLY)
    async def config(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Configure Hourglass for this server (administrators)."""

    @config.sub_command(name="show")
    async def show(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Show the current settings."""
        require_admin(inter)
        await reply(
            inter,
            embed=config_embed(await settings.guild_config(self.bot.pool, guild_id_of(inter))),
        )

    @config.sub_command(name="timezone")
    async def timezone(
        self,
        inter: disnake.ApplicationCommandInteraction,
        zone: str = commands.Param(
            description="The server's time zone, for leaderboards",
            autocomplete=_zones,
            max_length=64,
        ),
        day_start_hour: int = commands.Param(
            0, description="Hour a day starts (0-23)", ge=0, le=23
        ),
    ) -> None:
        """Set the server's time zone and the hour its days start."""
        await self._change(inter, time_zone=valid_zone(zone), day_start_hour=day_start_hour)

    @config.sub_command(name="goals")
    async def goals(
        self,
        inter: disnake.ApplicationCommandInteraction,
        daily_goal: int = commands.Param(description="Daily goal in minutes", ge=1, le=1440),
        daily_minimum: int = commands.Param(
            description="Minutes a day that keep a streak", ge=1, le=1440
        ),
    ) -> None:
        """Set the daily goal and the daily minimum for streaks."""
        await self._change(
            inter, daily_goal_minutes=daily_goal, daily_minimum_minutes=daily_minimum
        )

    @config.sub_command(name="track")
    async def track(
        self,
        inter: disnake.ApplicationCommandInteraction,
        channel: disnake.abc.GuildChannel = commands.Param(
            description="A voice channel to track", channel_types=VOICE_TYPES
        ),
        tracked: bool = commands.Param(True, description="False stops tracking it"),
    ) -> None:
        """Track a voice channel (once any is listed, only listed channels count)."""
        await self._toggle_channel(inter, "tracked_channel_ids", channel.id, tracked)

    @config.sub_command(name="ignore")
    async def ignore(
        self,
        inter: disnake.ApplicationCommandInteraction,
        channel: disnake.abc.GuildChannel = commands.Param(
            description="A voice channel whose time never counts", channel_types=VOICE_TYPES
        ),
        ignored: bool = commands.Param(True, description="False counts it again"),
    ) -> None:
        """Never count time in a voice channel."""
        await self._toggle_channel(inter, "untracked_channel_ids", channel.id, ignored)

    @config.sub_command(name="report-channel")
    async def report_channel(
        self,
        inter: disnake.ApplicationCommandInteraction,
        channel: disnake.TextChannel = commands.Param(description="Where reports are posted"),
    ) -> None:
        """Choose the channel for weekly reports."""
        await self._change(inter, report_channel_id=channel.id)

    @config.sub_command(name="counting")
    async def counting(
        self,
        inter: disnake.ApplicationCommandInteraction,
        deafened: bool = commands.Param(description="Count time while deafened"),
        alone: bool = commands.Param(description="Count time alone in a channel"),
    ) -> None:
        """Choose whether deafened time and time alone count."""
        await self._change(inter, count_deafened=deafened, count_alone=alone)

    @config.sub_command(name="alerts")
    async def alerts(
        self,
        inter: disnake.ApplicationCommandInteraction,
        concurrent_members: int = commands.Param(
            description="Alert when this many members study at once for 10 minutes (0: off)",
            ge=0,
            le=100_000,
        ),
        webhook: str = commands.Param(
            "",
            description="A Discord or Slack webhook for these alerts; none: report channel",
            max_length=300,
        ),
    ) -> None:
        """Alerts for this server: where they go and when they fire."""
        require_admin(inter)
        thresholds: dict[str, Any] = {"concurrent_members": concurrent_members}
        url = webhook.strip()
        if url and url.lower() != "none":
            try:
                destination = parse_webhook(
                    url, allow_local=self.bot.monitoring.allow_local_webhooks
                )
            except InvalidDestination as exc:
                raise UserError(f"That webhook cannot be used: {exc}.") from None
            thresholds["webhook"] = url
            where = destination.name
        else:
            where = "the report channel"
        await self._change(inter, alert_thresholds=thresholds)
        self.bot.audit(inter.guild_id, inter.author.id, "config.alerts", destination=where)

    async def _toggle_channel(
        self,
        inter: disnake.ApplicationCommandInteraction,
        setting: str,
        channel_id: int,
        listed: bool,
    ) -> None:
        config = await settings.guild_config(self.bot.pool, guild_id_of(inter))
        ids = set(getattr(config, setting))
        ids = ids | {channel_id} if listed else ids - {channel_id}
        await self._change(inter, **{setting: sorted(ids)})

    async def _change(self, inter: disnake.ApplicationCommandInteraction, **changes: Any) -> None:
        require_admin(inter)
        guild_id = guild_id_of(inter)
        await settings.ensure_guild(
            self.bot.pool, guild_id, inter.guild.name if inter.guild else ""
        )
        config = await settings.update_guild(self.bot.pool, guild_id, **changes)
        self.bot.settings_changed(guild_id)
        voice = self.bot.get_cog("Voice")
        if voice is not None:
            await voice.reconfigure(guild_id)  # type: ignore[attr-defined]
        self.bot.audit(
            guild_id,
            inter.author.id,
            "config.changed",
            changed=sorted(changes),  # names only: a webhook URL is a secret
        )
        await reply(inter, "Saved.", embed=config_embed(config))

    @commands.slash_command(name="timezone", **GUILD_ONLY)
    async def member_timezone(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Your own time zone, for your daily totals and streaks."""

    @member_timezone.sub_command(name="set")
    async def set_zone(
        self,
        inter: disnake.ApplicationCommandInteraction,
        zone: str = commands.Param(
            description="Your time zone, like Europe/Berlin", autocomplete=_zones, max_length=64
        ),
        day_start_hour: int = commands.Param(
            0, description="Hour your day starts (0-23)", ge=0, le=23
        ),
    ) -> None:
        """Set your time zone and the hour your day starts."""
        guild_id = guild_id_of(inter)
        name = valid_zone(zone)
        await settings.ensure_guild(
            self.bot.pool, guild_id, inter.guild.name if inter.guild else ""
        )
        await settings.ensure_member(
            self.bot.pool, guild_id, inter.author.id, inter.author.display_name
        )
        await settings.update_member(
            self.bot.pool, guild_id, inter.author.id, time_zone=name, day_start_hour=day_start_hour
        )
        self.bot.audit(
            guild_id, inter.author.id, "timezone.set", zone=name, day_start_hour=day_start_hour
        )
        await reply(inter, f"Your days now run in {name}, starting at {day_start_hour:02d}:00.")

    @member_timezone.sub_command(name="show")
    async def show_zone(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Show your time zone."""
        member = await settings.member_config(self.bot.pool, guild_id_of(inter), inter.author.id)
        await reply(
            inter,
            f"Your days run in {member.time_zone}, starting at {member.day_start_hour:02d}:00.",
        )
