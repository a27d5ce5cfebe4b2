"""Scheduled reports: what each says and for which period, independent of Discord.

Every report has a job name and a period key; a report is delivered once per period and
destination (the delivery log says which destinations already have it), so a report
interrupted by a stop is finished at the next start without repeating itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics.reports import CapacityReport
from hourglass.monitoring.delivery import Message
from hourglass.monitoring.summary import Summary, describe, summarize
from hourglass.store import stats
from hourglass.store.executor import Executor
from hourglass.store.records import GuildConfig

WEEKLY_HOUR = 9  # local time, Monday
DAILY_HOUR = 8  # UTC


@dataclass(frozen=True)
class Due:
    """A report that should exist: its job, the period it covers and when it fell due."""

    job: str
    period: str
    due_at: datetime

    @property
    def subject(self) -> str:
        """The delivery-log subject: job and period."""
        return f"{self.job}:{self.period}"


def weekly_due(guild_id: int, zone: str, now: datetime) -> Due:
    """The latest weekly study report of a guild that fell due by now (Monday 09:00 local)."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    due = datetime.combine(monday, time(WEEKLY_HOUR), ZoneInfo(zone))
    if due > now:
        monday -= timedelta(days=7)
        due = datetime.combine(monday, time(WEEKLY_HOUR), ZoneInfo(zone))
    week = monday - timedelta(days=7)
    year, number, _ = week.isocalendar()
    return Due(f"weekly:{guild_id}", f"{year}-W{number:02d}", due)


def daily_due(now: datetime) -> Due:
    """The latest daily performance report that fell due by now (08:00 UTC)."""
    day = now.date() if now.hour >= DAILY_HOUR else now.date() - timedelta(days=1)
    due = datetime.combine(day, time(DAILY_HOUR), now.tzinfo)
    return Due("daily-performance", (day - timedelta(days=1)).isoformat(), due)


def monthly_due(now: datetime) -> Due:
    """The latest monthly capacity report that fell due by now (the 1st, 08:00 UTC)."""
    first = now.date().replace(day=1)
    if now < datetime.combine(first, time(DAILY_HOUR), now.tzinfo):
        first = (first - timedelta(days=1)).replace(day=1)
    covered = (first - timedelta(days=1)).replace(day=1)
    due = datetime.combine(first, time(DAILY_HOUR), now.tzinfo)
    return Due("monthly-capacity", f"{covered:%Y-%m}", due)


def week_of(due: Due) -> tuple[date, date]:
    """The Monday and Sunday a weekly report covers."""
    year, week = due.period.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday, monday + timedelta(days=6)


async def weekly_message(db: Executor, config: GuildConfig, due: Due, name: str) -> Message:
    """The weekly study report of a guild: total hours, change on last week, top members."""
    monday, sunday = week_of(due)
    this_week = await stats.leaderboard(db, config.guild_id, monday, sunday, limit=1000)
    last_week = await stats.leaderboard(
        db, config.guild_id, monday - timedelta(days=7), sunday - timedelta(days=7), limit=1000
    )
    hours = sum(s.seconds for s in this_week) / 3600
    before = sum(s.seconds for s in last_week) / 3600

    trend = (
        f"{(hours - before) / before * 100:+.0f}% on the week before"
        if before
        else "no study time the week before"
    )
    top = (
        "\n".join(
            f"{s.rank}. {s.display_name or s.member_id}: {s.seconds / 3600:.1f} h"
            for s in this_week[:5]
        )
        or "Nobody studied this week."
    )
    return Message(
        f"Weekly study report: {monday:%d %b} to {sunday:%d %b}",
        f"**{hours:.1f} hours** by {len(this_week)} members ({trend}).\n\n{top}",
        "info",
        [("Time zone", config.time_zone), ("Members active", str(len(this_week)))],
    )


async def daily_message(db: Executor, due: Due) -> Message:
    """The daily performance report: the last 24 hours against the 24 before."""
    day = date.fromisoformat(due.period)
    tz = due.due_at.tzinfo
    lo = datetime.combine(day, time(), tz)
    now, before = await _two_windows(db, lo, lo + timedelta(days=1))
    return Message(
        f"Daily performance: {day:%a %d %b %Y}",
        "The bot's health over the day, compared with the day before.",
        "info",
        describe(now, before),
    )


async def _two_windows(db: Executor, lo: datetime, hi: datetime) -> tuple[Summary, Summary]:
    span = hi - lo
    return await summarize(db, lo, hi), await summarize(db, lo - span, lo)


def capacity_message(report: CapacityReport, due: Due) -> Message:
    """The monthly capacity report: next week's forecast and what to change, by when."""
    forecast = report.forecast
    if forecast is None:
        text = f"Not enough history for a forecast yet: {report.note or 'no data'}."
        fields: list[tuple[str, str]] = []
    else:
        text = (
            f"Next week's peak: about {forecast.peak_concurrency:.0f} members at once "
            f"({forecast.peak_sustained:.0f} sustained) and "
            f"{forecast.peak_events_per_second:.2f} events per second."
        )
        fields = [("Model", f"{forecast.model} (peaks: {forecast.peak_model})")]
    advice = "\n".join(f"- {r.sentence()}" for r in report.recommendations)
    return Message(
        f"Capacity planning: {due.period}", f"{text}\n\n{advice}".strip(), "info", fields
    )
