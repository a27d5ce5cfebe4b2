"""The one place where UTC moments become local days, hours and weekdays.

The rollups are bucketed in UTC. A reader sees days in a time zone that start at a whole
"day starts at" hour, so every chart sends its UTC rows through `localize`. The rule is the
SQL function hourglass.local_day: take the wall-clock time in the zone, subtract the day
start hour, keep the date. Every UTC offset in use is a whole number of quarter hours, so a
15-minute bucket never straddles a local day, and regrouping 15-minute buckets is exact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from analytics.errors import AnalyticsError

log = logging.getLogger(__name__)

# Offsets stay within 26 hours of UTC, so this margin around a run of local days always
# covers it (the same margin as hourglass.local_days_window).
_MARGIN_BEFORE = timedelta(days=2)
_MARGIN_AFTER = timedelta(days=3)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Zone:
    """A reader's time zone and the hour at which their day starts."""

    name: str = "UTC"
    day_start_hour: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.day_start_hour <= 23:
            raise AnalyticsError(f"day start hour must be 0 to 23, not {self.day_start_hour}")
        try:
            ZoneInfo(self.name)
        except (ZoneInfoNotFoundError, ValueError):
            raise AnalyticsError(f"unknown time zone {self.name!r}") from None

    @property
    def label(self) -> str:
        """The zone as axis titles show it, with the day start when it is not midnight."""
        if self.day_start_hour:
            return f"{self.name}, days from {self.day_start_hour:02d}:00"
        return self.name


def utc_window(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """A UTC range [lo, hi) that surely contains every moment of a run of local days."""
    lo = datetime.combine(first_day, time(), UTC) - _MARGIN_BEFORE
    hi = datetime.combine(last_day, time(), UTC) + _MARGIN_AFTER
    return lo, hi


def localize(frame: pl.DataFrame, zone: Zone, column: str = "bucket") -> pl.DataFrame:
    """Adds local_time, day, hour and weekday (0 = Monday) columns for a UTC column.

    The column must hold timezone-aware UTC datetimes, as every query of this package
    returns them.
    """
    wall = pl.col(column).dt.convert_time_zone(zone.name).dt.replace_time_zone(None)
    shifted = wall - pl.duration(hours=zone.day_start_hour)

    return frame.with_columns(
        wall.alias("local_time"),
        shifted.dt.date().alias("day"),
        wall.dt.hour().cast(pl.Int8).alias("hour"),
        (shifted.dt.weekday() - 1).cast(pl.Int8).alias("weekday"),
    )


def day_range(first_day: date, last_day: date) -> pl.Series:
    """Every day from first_day to last_day inclusive, as a polars Date series named day."""
    if last_day < first_day:
        return pl.Series("day", [], dtype=pl.Date)
    return pl.date_range(first_day, last_day, interval="1d", eager=True).alias("day")


def today_in(zone: Zone, now: datetime | None = None) -> date:
    """The local day a moment (default: now) belongs to in a zone."""
    moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone.name)).replace(tzinfo=None)
    return (moment - timedelta(hours=zone.day_start_hour)).date()
