"""/performance and the operator jobs: alerts, reports, upkeep and query snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import disnake
from disnake.ext import commands

from analytics import reports as charts
from bot.checks import GUILD_ONLY, guild_id_of
from bot.errors import UserError
from bot.monitor import Monitor
from hourglass.monitoring.summary import describe, summarize
from hourglass.store import alerts, performance

if TYPE_CHECKING:
    from bot.app import HourglassBot

PERIODS = {"Last hour": 1, "Last day": 24, "Last week": 168}


class Operations(commands.Cog):
    """The bot's own health, for administrators and the bot's operators."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot
        self.monitor = Monitor(bot)

    def cog_unload(self) -> None:
        """Stops the scheduler."""
        self.bot.loop.create_task(self.monitor.stop())

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Starts the scheduled jobs once the bot knows its guilds."""
        self.monitor.start()

    @commands.slash_command(name="performance", **GUILD_ONLY)
    async def performance(
        self,
        inter: disnake.ApplicationCommandInteraction,
        hours: int = commands.Param(24, description="Period", choices=PERIODS),
        public: bool = commands.Param(False, description="Show the reply to everyone"),
    ) -> None:
        """How the bot is doing: latency, database, cache, pool, gateway, alerts."""
        self._require_operator(inter)
        await inter.response.defer(ephemeral=not public)
        hi = self.bot.clock()
        lo = hi - timedelta(hours=hours)
        now = await summarize(self.bot.pool, lo, hi)
        before = await summarize(self.bot.pool, lo - (hi - lo), lo)

        embed = disnake.Embed(
            title=f"Hourglass performance, last {_span(hours)}", colour=disnake.Colour.blurple()
        )
        for name, value in describe(now, before):
            embed.add_field(name, value)
        embed.add_field("Alerts", await self._alerts_text(), inline=False)
        embed.add_field("Top queries", await self._queries_text(lo, hi), inline=False)
        embed.set_footer(
            text="Compared with the period before · latencies are histogram bucket bounds"
        )

        chart = await self._chart(hours)
        if isinstance(chart, disnake.File):
            embed.set_image(url=f"attachment://{chart.filename}")
            await inter.edit_original_response(embed=embed, file=chart)
        else:
            embed.add_field("Chart", chart, inline=False)
            await inter.edit_original_response(embed=embed)

    def _require_operator(self, inter: disnake.ApplicationCommandInteraction) -> None:
        guild_id_of(inter)
        perms = inter.permissions
        if perms.manage_guild or perms.administrator:
            return
        if inter.author.id in self.bot.monitoring.operator_ids:
            return
        raise UserError("/performance is for server administrators and the bot's operators.")

    async def _alerts_text(self) -> str:
        firing = await alerts.firing(self.bot.pool)
        failures = await alerts.recent_failures(self.bot.pool, self.bot.clock() - timedelta(days=1))
        lines = [f"🔴 {a.rule} since <t:{int(a.since.timestamp())}:R>" for a in firing]
        lines += [
            f"⚠️ delivery to {f['destination']} failed: {str(f['last_error'])[:120]}"
            for f in failures
        ]
        return "\n".join(lines)[:1024] or "No alert is firing; no delivery failed today."

    async def _queries_text(self, lo: datetime, hi: datetime) -> str:
        if self.monitor.statements_note:
            return self.monitor.statements_note
        top = await performance.top_queries(self.bot.pool, lo, hi, 3)
        lines = [
            f"`{' '.join(str(q['query']).split())[:60]}` {q['total_ms']:.0f} ms total, "
            f"{q['calls']} calls"
            for q in top
        ]
        return "\n".join(lines)[:1024] or "No query snapshots in this period yet."

    async def _chart(self, hours: int) -> disnake.File | str:
        if self.bot.charts is None:
            return "charts are not configured"
        end = self.bot.clock()
        return await self.bot.charts.file(
            lambda wh: charts.performance(wh, end=end, hours=hours), "performance.png"
        )


def _span(hours: int) -> str:
    return {1: "hour", 24: "day", 168: "week"}.get(hours, f"{hours} hours")
