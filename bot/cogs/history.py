"""/history: members see their own audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

import disnake
from disnake.ext import commands

from bot.app import reply
from bot.checks import GUILD_ONLY, guild_id_of
from bot.text import safe
from hourglass.store import audit

if TYPE_CHECKING:
    from bot.app import HourglassBot

PAGE = 10


class History(commands.Cog):
    """Everything Hourglass recorded that you did."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot

    @commands.slash_command(name="history", **GUILD_ONLY)
    async def history(
        self,
        inter: disnake.ApplicationCommandInteraction,
        page: int = commands.Param(1, description="Page, newest first", ge=1, le=1000),
    ) -> None:
        """Your recent actions as Hourglass recorded them."""
        guild_id = guild_id_of(inter)
        rows = await audit.history(
            self.bot.pool, guild_id, inter.author.id, PAGE, (page - 1) * PAGE
        )
        lines = [f"<t:{int(r.occurred_at.timestamp())}:f> `{safe(r.action, 40)}`" for r in rows]
        embed = disnake.Embed(
            title=f"Your history, page {page}",
            description="\n".join(lines) or "Nothing recorded on this page.",
        )
        await reply(inter, embed=embed)
