"""/stats, /streak and /leaderboard: answers read from the rollups."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

import disnake
import plotly.graph_objects as go
from disnake.ext import commands

from analytics import reports
from analytics.data import Warehouse
from analytics.localtime import Zone
from bot.app import reply
from bot.checks import GUILD_ONLY, guild_id_of
from bot.periods import Period, day_range, local_today
from bot.text import duration, safe
from bot.views import Pager
from hourglass import streaks
from hourglass.store import stats
from hourglass.store.records import Standing

if TYPE_CHECKING:
    from bot.app import HourglassBot

PAGE = 10
HISTORY_DAYS = 400
PERIOD_CHOICES = {"Today": "day", "This week": "week", "This month": "month", "All time": "all"}
PUBLIC = commands.Param(False, description="Show the reply to everyone in the channel")


class Stats(commands.Cog):
    """Personal statistics, streaks and leaderboards."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot

    @commands.slash_command(name="stats", **GUILD_ONLY)
    async def stats(
        self, inter: disnake.ApplicationCommandInteraction, public: bool = PUBLIC
    ) -> None:
        """Your study time: today, this week, this month, all time, and your best day."""
        guild_id = guild_id_of(inter)
        await inter.response.defer(ephemeral=not public)
        embed = await self.stats_embed(guild_id, inter.author)
        member_id = inter.author.id
        chart = await self._chart(
            lambda wh: reports.member_trend(wh, guild_id, member_id), "stats.png"
        )
        await _send_with_chart(inter, embed, chart)

    async def stats_embed(self, guild_id: int, member: disnake.abc.User) -> disnake.Embed:
        """The /stats reply for a member."""
        config = await self.bot.member_config(guild_id, member.id)
        guild = await self.bot.guild_config(guild_id)
        today = local_today(self.bot.clock(), config.time_zone, config.day_start_hour)
        daily = await stats.member_daily_seconds(
            self.bot.pool, guild_id, member.id, today - timedelta(days=HISTORY_DAYS), today
        )
        summary = await stats.member_summary(self.bot.pool, guild_id, member.id)
        streak = streaks.compute(daily, guild.daily_minimum_minutes * 60, today)

        def total(period: Period) -> int:
            span = day_range(period, today)
            return sum(s for d, s in daily.items() if span.first <= d <= span.last)

        embed = disnake.Embed(
            title=f"Study time of {safe(member.display_name, 60)}", colour=disnake.Colour.blurple()
        )
        embed.add_field(
            "Today", f"{duration(total(Period.DAY))} of {guild.daily_goal_minutes}m goal"
        )
        embed.add_field("This week", duration(total(Period.WEEK)))
        embed.add_field("This month", duration(total(Period.MONTH)))
        embed.add_field("All time", duration(summary["all_time_seconds"]))
        embed.add_field("Average session", duration(summary["average_session_seconds"]))
        best = max(daily.items(), key=lambda item: item[1], default=None)
        embed.add_field(
            "Best day", f"{duration(best[1])} on {best[0]:%d %b %Y}" if best else "none yet"
        )
        embed.add_field("Streak", f"{streak.current} days (best {streak.best})")
        embed.set_footer(
            text=f"Days in {config.time_zone}, starting at {config.day_start_hour:02d}:00"
        )
        return embed

    @commands.slash_command(name="streak", **GUILD_ONLY)
    async def streak(
        self, inter: disnake.ApplicationCommandInteraction, public: bool = PUBLIC
    ) -> None:
        """Your current and best study streak."""
        guild_id = guild_id_of(inter)
        config = await self.bot.member_config(guild_id, inter.author.id)
        guild = await self.bot.guild_config(guild_id)
        today = local_today(self.bot.clock(), config.time_zone, config.day_start_hour)
        daily = await stats.member_daily_seconds(
            self.bot.pool, guild_id, inter.author.id, today - timedelta(days=HISTORY_DAYS), today
        )
        result = streaks.compute(daily, guild.daily_minimum_minutes * 60, today)

        left = max(guild.daily_minimum_minutes * 60 - result.today_seconds, 0)
        status = (
            "Today counts already."
            if result.today_done
            else f"{duration(left)} more today keeps it going."
        )
        await reply(
            inter,
            f"🔥 Streak: **{result.current}** days (best {result.best}). {status}",
            ephemeral=not public,
        )

    @commands.slash_command(name="leaderboard", **GUILD_ONLY)
    async def leaderboard(
        self,
        inter: disnake.ApplicationCommandInteraction,
        period: str = commands.Param("week", description="Which period", choices=PERIOD_CHOICES),
        chart: bool = commands.Param(False, description="Add a bar chart of the top ten"),
        public: bool = PUBLIC,
    ) -> None:
        """Who studied most, in the server's time zone."""
        guild_id = guild_id_of(inter)
        await inter.response.defer(ephemeral=not public)
        chosen = Period(period)
        guild = await self.bot.guild_config(guild_id)
        today = local_today(self.bot.clock(), guild.time_zone, guild.day_start_hour)
        span = day_range(chosen, today)

        count = await self._count(guild_id, chosen, span.first, span.last)
        mine = await self._mine(guild_id, inter.author.id, chosen, span.first, span.last)

        async def render(page: int) -> disnake.Embed:
            rows = await self._page(guild_id, chosen, span.first, span.last, page)
            return _board_embed(
                chosen, rows, mine, page, max(math.ceil(count / PAGE), 1), guild.time_zone
            )

        pages = max(math.ceil(count / PAGE), 1)
        view = Pager(inter.author.id, pages, render)
        files: list[disnake.File] = []
        embed = await render(0)
        if chart:
            days = min((span.last - span.first).days + 1, 366)
            drawn = await self._chart(
                lambda wh: reports.leaderboard(wh, guild_id, last_day=span.last, days=days),
                "leaderboard.png",
            )
            if isinstance(drawn, disnake.File):
                files.append(drawn)
            else:
                embed.add_field("Chart", drawn, inline=False)
        extra = {"files": files} if files else {}
        await inter.edit_original_response(embed=embed, view=view, **extra)

    @commands.slash_command(name="guildstats", **GUILD_ONLY)
    async def guildstats(
        self, inter: disnake.ApplicationCommandInteraction, public: bool = PUBLIC
    ) -> None:
        """How the whole server studies: activity, busy hours and who keeps coming back."""
        guild_id = guild_id_of(inter)
        await inter.response.defer(ephemeral=not public)
        member = await self.bot.member_config(guild_id, inter.author.id)
        viewer = Zone(member.time_zone, member.day_start_hour)
        builds = {
            "activity.png": lambda wh: reports.activity(wh, guild_id),
            "heatmap.png": lambda wh: reports.guild_heatmap(wh, guild_id, viewer=viewer),
            "retention.png": lambda wh: reports.retention(wh, guild_id),
        }
        drawn = [await self._chart(build, name) for name, build in builds.items()]
        files = [d for d in drawn if isinstance(d, disnake.File)]
        notes = sorted({d for d in drawn if isinstance(d, str)})
        text = "Server activity, busy hours (in your time zone) and weekly retention."
        extra = {"files": files} if files else {}
        await inter.edit_original_response(content="\n".join([text, *notes]), **extra)

    async def _chart(
        self, build: Callable[[Warehouse], go.Figure], name: str
    ) -> disnake.File | str:
        if self.bot.charts is None:
            return "charts are not configured"
        return await self.bot.charts.file(build, name)

    async def _count(self, guild_id: int, period: Period, first: date, last: date) -> int:
        if period is Period.ALL:
            return await stats.all_time_ranked_members(self.bot.pool, guild_id)
        return await stats.ranked_members(self.bot.pool, guild_id, first, last)

    async def _mine(
        self, guild_id: int, member_id: int, period: Period, first: date, last: date
    ) -> Standing | None:
        if period is Period.ALL:
            return await stats.all_time_standing_of(self.bot.pool, guild_id, member_id)
        return await stats.standing_of(self.bot.pool, guild_id, member_id, first, last)

    async def _page(
        self, guild_id: int, period: Period, first: date, last: date, page: int
    ) -> list[Standing]:
        if period is Period.ALL:
            return await stats.all_time_leaderboard(self.bot.pool, guild_id, PAGE, page * PAGE)
        return await stats.leaderboard(self.bot.pool, guild_id, first, last, PAGE, page * PAGE)


async def _send_with_chart(
    inter: disnake.ApplicationCommandInteraction, embed: disnake.Embed, chart: disnake.File | str
) -> None:
    if isinstance(chart, disnake.File):
        embed.set_image(url=f"attachment://{chart.filename}")
        await inter.edit_original_response(embed=embed, file=chart)
        return
    embed.add_field("Chart", chart, inline=False)
    await inter.edit_original_response(embed=embed)


def _board_embed(
    period: Period, rows: list[Standing], mine: Standing | None, page: int, pages: int, zone: str
) -> disnake.Embed:
    titles = {
        Period.DAY: "today",
        Period.WEEK: "this week",
        Period.MONTH: "this month",
        Period.ALL: "all time",
    }
    embed = disnake.Embed(title=f"Leaderboard, {titles[period]}", colour=disnake.Colour.gold())
    lines = [
        f"**{r.rank}.** {safe(r.display_name or str(r.member_id), 40)} · {duration(r.seconds)}"
        for r in rows
    ]
    embed.description = "\n".join(lines) or "No study time yet in this period."
    you = (
        f"You are #{mine.rank} with {duration(mine.seconds)}."
        if mine
        else "You have no study time in this period yet."
    )
    embed.add_field("Your place", you, inline=False)
    embed.set_footer(text=f"Page {page + 1} of {pages} · days in {zone}")
    return embed
