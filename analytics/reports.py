"""Ready-made charts: each function reads what it needs and returns one plotly figure.

This is the layer the bot, the dashboard and the notebooks call. Periods are runs of
local days ending on last_day (default: today in the zone that applies); a guild's charts
use the guild's zone, a member's their own, and a heatmap the viewer's when given.
guild_id None means the whole deployment, in UTC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import plotly.graph_objects as go
import polars as pl

from analytics import capacity, data, study
from analytics.charts import operations, theme
from analytics.charts import study as study_charts
from analytics.data import Warehouse
from analytics.errors import AnalyticsError
from analytics.localtime import Zone, today_in, utc_window

log = logging.getLogger(__name__)

DEPLOYMENT = "all guilds"


@dataclass(frozen=True)
class Scope:
    """Whose data a guild-wide chart shows, in which zone, under which name."""

    guild_id: int | None
    name: str
    zone: Zone
    goal_minutes: int = 120
    minimum_minutes: int = 30


def scope(wh: Warehouse, guild_id: int | None) -> Scope:
    """The scope of a guild (its name, zone and goals) or of the whole deployment (UTC)."""
    if guild_id is None:
        return Scope(None, DEPLOYMENT, Zone("UTC"))
    settings = data.guild_settings(wh, guild_id)
    return Scope(
        guild_id,
        settings.name or str(guild_id),
        settings.zone,
        settings.daily_goal_minutes,
        settings.daily_minimum_minutes,
    )


def period(zone: Zone, last_day: date | None, days: int) -> tuple[date, date]:
    """The first and last local day of a run of days ending on last_day (default: today)."""
    if days < 1:
        raise AnalyticsError(f"a period needs at least one day, not {days}")
    last = last_day or today_in(zone)
    return last - timedelta(days=days - 1), last


def _opted_out(title: str) -> go.Figure:
    return theme.empty(title, "This member has opted out of tracking")


def member_trend(
    wh: Warehouse, guild_id: int, member_id: int, last_day: date | None = None, days: int = 30
) -> go.Figure:
    """A member's daily minutes, 7-day average and the guild's daily goal."""
    member = data.member_profile(wh, guild_id, member_id)
    guild = data.guild_settings(wh, guild_id)
    if member.opted_out:
        return _opted_out(f"Daily study time: {member.display_name}")

    first, last = period(member.zone, last_day, days)
    lo, hi = utc_window(first - timedelta(days=study.ROLLING_DAYS), last)
    table = study.trend(
        data.member_slots(wh, guild_id, member_id, lo, hi), member.zone, first, last
    )
    return study_charts.member_trend(
        table, member.display_name, member.zone, guild.daily_goal_minutes
    )


def member_heatmap(
    wh: Warehouse,
    guild_id: int,
    member_id: int,
    viewer: Zone | None = None,
    last_day: date | None = None,
    days: int = 28,
) -> go.Figure:
    """When a member studies, by weekday and hour in the viewer's zone (default: theirs)."""
    member = data.member_profile(wh, guild_id, member_id)
    if member.opted_out:
        return _opted_out(f"Study hours by weekday and hour: {member.display_name}")

    zone = viewer or member.zone
    first, last = period(zone, last_day, days)
    lo, hi = utc_window(first, last)
    cells = study.week_heatmap(
        data.member_slots(wh, guild_id, member_id, lo, hi), zone, first, last
    )
    return study_charts.week_heatmap(cells, member.display_name, zone, first, last)


def guild_heatmap(
    wh: Warehouse,
    guild_id: int | None,
    viewer: Zone | None = None,
    last_day: date | None = None,
    days: int = 28,
) -> go.Figure:
    """When a guild (or the deployment) studies, by weekday and hour in the viewer's zone."""
    where = scope(wh, guild_id)
    zone = viewer or where.zone
    first, last = period(zone, last_day, days)
    lo, hi = utc_window(first, last)
    cells = study.week_heatmap(data.guild_slots(wh, guild_id, lo, hi), zone, first, last)
    return study_charts.week_heatmap(cells, where.name, zone, first, last)


def streak_calendar(
    wh: Warehouse, guild_id: int, member_id: int, last_day: date | None = None, days: int = 84
) -> go.Figure:
    """A member's calendar of study days with their current and best streak."""
    member = data.member_profile(wh, guild_id, member_id)
    guild = data.guild_settings(wh, guild_id)
    if member.opted_out:
        return _opted_out(f"Study streak: {member.display_name}")

    first, last = period(member.zone, last_day, days)
    lo, hi = utc_window(first, last)
    calendar = study.streak_calendar(
        data.member_slots(wh, guild_id, member_id, lo, hi),
        member.zone,
        first,
        last,
        guild.daily_minimum_minutes,
        guild.daily_goal_minutes,
    )
    return study_charts.streak_calendar(calendar, member.display_name, member.zone)


def activity(
    wh: Warehouse, guild_id: int | None, last_day: date | None = None, days: int = 90
) -> go.Figure:
    """Daily, weekly and monthly active members and hours per day."""
    where = scope(wh, guild_id)
    first, last = period(where.zone, last_day, days)
    lo, hi = utc_window(first - timedelta(days=study.MONTH_DAYS), last)
    table = study.activity(data.guild_slots(wh, guild_id, lo, hi), where.zone, first, last)
    return study_charts.activity(table, where.name, where.zone)


def session_lengths(
    wh: Warehouse, guild_id: int | None, last_day: date | None = None, days: int = 30
) -> go.Figure:
    """The distribution of session lengths over a period."""
    where = scope(wh, guild_id)
    first, last = period(where.zone, last_day, days)
    lo = datetime.combine(first, time(), UTC)
    hi = datetime.combine(last + timedelta(days=1), time(), UTC)
    minutes = study.session_lengths(data.sessions(wh, guild_id, lo, hi))
    return study_charts.session_lengths(minutes, where.name, first, last)


def retention(
    wh: Warehouse, guild_id: int | None, last_day: date | None = None, weeks: int = 12
) -> go.Figure:
    """Weekly cohorts by first-seen week and the share active in each later week."""
    where = scope(wh, guild_id)
    first, last = period(where.zone, last_day, weeks * 7)
    lo, hi = utc_window(first, last)
    table = study.retention(
        data.guild_slots(wh, guild_id, lo, hi), data.members(wh, guild_id), where.zone, first, last
    )
    return study_charts.retention(table, where.name, where.zone)


def leaderboard(
    wh: Warehouse,
    guild_id: int | None,
    last_day: date | None = None,
    days: int = 7,
    limit: int = 10,
) -> go.Figure:
    """The top members by hours over a period, in the guild's zone."""
    where = scope(wh, guild_id)
    first, last = period(where.zone, last_day, days)
    lo, hi = utc_window(first, last)
    board = study.leaderboard(
        data.guild_slots(wh, guild_id, lo, hi),
        data.members(wh, guild_id),
        where.zone,
        first,
        last,
        limit,
    )
    return study_charts.leaderboard(board, where.name, where.zone, first, last)


def top_member(
    wh: Warehouse, guild_id: int, last_day: date | None = None, days: int = 7
) -> int | None:
    """The member with most time over a period, or None when nobody studied."""
    where = scope(wh, guild_id)
    first, last = period(where.zone, last_day, days)
    lo, hi = utc_window(first, last)
    slots = data.guild_slots(wh, guild_id, lo, hi)
    board = study.leaderboard(slots, data.members(wh, guild_id), where.zone, first, last, 1)
    return int(board["member_id"][0]) if len(board) else None


def performance(
    wh: Warehouse, end: datetime | None = None, hours: int = 168, load: pl.DataFrame | None = None
) -> go.Figure:
    """The bot's health over the hours before end (default: now), hourly or per minute."""
    hi = end or datetime.now(UTC)
    lo = hi - timedelta(hours=hours)
    grain: Literal["1m", "1h"] = "1m" if hours <= 6 else "1h"
    rows = data.metric_rows(wh, lo, hi, grain)
    every = "1m" if grain == "1m" else ("1h" if hours <= 24 * 14 else "1d")
    return operations.performance(rows, load, every=every)


@dataclass(frozen=True)
class CapacityReport:
    """Everything the capacity section shows: load, profile, forecast and recommendations."""

    load: pl.DataFrame
    profile: pl.DataFrame
    forecast: capacity.Forecast | None
    recommendations: list[capacity.Recommendation]
    note: str | None


def capacity_report(
    wh: Warehouse,
    end: datetime | None = None,
    weeks: int = 8,
    thresholds: capacity.Thresholds | None = None,
) -> CapacityReport:
    """Hourly load of the whole deployment over the last weeks, a forecast and advice."""
    hi = (end or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    lo = hi - timedelta(weeks=weeks)
    load = capacity.hourly_load(
        data.sessions(wh, None, lo - timedelta(days=1), hi),
        data.guild_slots(wh, None, lo, hi),
        data.point_slots(wh, None, lo, hi),
        lo,
        hi,
    )

    note = None
    try:
        prediction: capacity.Forecast | None = capacity.forecast_next_week(load)
    except AnalyticsError as exc:
        prediction, note = None, str(exc)

    rows = data.metric_rows(wh, hi - timedelta(days=7), hi, "1h")
    advice = capacity.recommend(prediction, rows, thresholds, today=hi.date())
    return CapacityReport(load, capacity.week_profile(load), prediction, advice, note)


def capacity_figures(report: CapacityReport) -> dict[str, go.Figure]:
    """The capacity report's figures: the week profile and, when possible, the forecast."""
    figures = {"load_profile": operations.week_profile(report.profile)}
    if report.forecast is not None:
        figures["forecast"] = operations.forecast(report.load, report.forecast)
    else:
        message = report.note or "Not enough history for a forecast"
        figures["forecast"] = theme.empty("Next week's peak concurrency", message)
    return figures
