"""/points: the ledger as members and administrators see it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import disnake
from disnake.ext import commands

from bot.app import reply
from bot.checks import GUILD_ONLY, guild_id_of, moment, require_admin, text_option
from bot.text import safe
from hourglass.store import ledger, points
from hourglass.store.records import PointEvent

if TYPE_CHECKING:
    from bot.app import HourglassBot


class Points(commands.Cog):
    """Points are an append-only ledger; balances are derived from it."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot

    @commands.slash_command(name="points", **GUILD_ONLY)
    async def points(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Your points in this server."""

    @points.sub_command(name="balance")
    async def balance(
        self,
        inter: disnake.ApplicationCommandInteraction,
        public: bool = commands.Param(
            False, description="Show the reply to everyone in the channel"
        ),
    ) -> None:
        """Your points and the latest changes to them."""
        guild_id = guild_id_of(inter)
        total = await points.balance(self.bot.pool, guild_id, inter.author.id)
        recent = await points.history(self.bot.pool, guild_id, inter.author.id, limit=10)

        embed = disnake.Embed(title=f"{total:,} points", colour=disnake.Colour.gold())
        lines = [
            f"<t:{int(e.occurred_at.timestamp())}:R> **{e.delta:+,}** {safe(e.reason, 60)}"
            for e in recent
        ]
        empty = "No points yet: study in a voice channel or finish a task to earn some."
        embed.description = "\n".join(lines) or empty
        await reply(inter, embed=embed, ephemeral=not public)

    @commands.slash_command(name="points-admin", **GUILD_ONLY)
    async def points_admin(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Look up and adjust members' points (administrators)."""

    @points_admin.sub_command(name="as-of")
    async def as_of(
        self,
        inter: disnake.ApplicationCommandInteraction,
        member: disnake.Member = commands.Param(description="Whose balance"),
        when: str = commands.Param(
            description="YYYY-MM-DD or YYYY-MM-DD HH:MM, server time", max_length=16
        ),
    ) -> None:
        """A member's balance at a past moment."""
        require_admin(inter)
        guild_id = guild_id_of(inter)
        config = await self.bot.guild_config(guild_id)
        at = moment(when, config.time_zone, self.bot.clock(), past_ok=True)
        total = await points.balance(self.bot.pool, guild_id, member.id, as_of=at)
        await reply(
            inter, f"{member.mention} had **{total:,}** points at <t:{int(at.timestamp())}:f>."
        )

    @points_admin.sub_command(name="grant")
    async def grant(
        self,
        inter: disnake.ApplicationCommandInteraction,
        member: disnake.Member = commands.Param(description="Who receives the points"),
        amount: int = commands.Param(description="How many points (1 to 10,000)", ge=1, le=10_000),
        reason: str = commands.Param(description="Why, shown in their history", max_length=100),
    ) -> None:
        """Give a member points."""
        await self._adjust(inter, member, amount, reason)

    @points_admin.sub_command(name="revoke")
    async def revoke(
        self,
        inter: disnake.ApplicationCommandInteraction,
        member: disnake.Member = commands.Param(description="Whose points to take"),
        amount: int = commands.Param(description="How many points (1 to 10,000)", ge=1, le=10_000),
        reason: str = commands.Param(description="Why, shown in their history", max_length=100),
    ) -> None:
        """Take points from a member."""
        await self._adjust(inter, member, -amount, reason)

    async def _adjust(
        self,
        inter: disnake.ApplicationCommandInteraction,
        member: disnake.Member,
        delta: int,
        reason: str,
    ) -> None:
        require_admin(inter)
        guild_id = guild_id_of(inter)
        why = text_option(reason, "reason", max_length=100)
        event = PointEvent(
            self.bot.clock(), guild_id, member.id, delta, why, "admin", f"admin:{inter.id}"
        )
        await ledger.append_points(self.bot.pool, [event])
        self.bot.audit(guild_id, member.id, "points.adjusted", delta=delta, by=inter.author.id)
        await reply(inter, f"{delta:+,} points for {member.mention}: {safe(why, 100)}")
