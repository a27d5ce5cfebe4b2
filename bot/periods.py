"""Local periods: which days "today", "this week" and "this month" are in a time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

EPOCH = date(2000, 1, 1)


class Period(StrEnum):
    """A leaderboard or statistics period."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class DayRange:
    """An inclusive run of local days."""

    first: date
    last: date


def local_today(now: datetime, zone: str, day_start_hour: int) -> date:
    """The local day it is now, for a time zone and a "day starts at" hour."""
    wall = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return (wall - timedelta(hours=day_start_hour)).date()


def day_range(period: Period, today: date) -> DayRange:
    """The days of the period that contains today (weeks start on Monday)."""
    if period is Period.DAY:
        return DayRange(today, today)
    if period is Period.WEEK:
        return DayRange(today - timedelta(days=today.weekday()), today)
    if period is Period.MONTH:
        return DayRange(today.replace(day=1), today)
    return DayRange(EPOCH, today)
