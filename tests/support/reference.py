"""An independent computation of local-day voice totals, minute by minute with zoneinfo.

It shares nothing with the SQL: no 15-minute slots, no rollups. Every UTC offset in use is
a whole number of minutes, so all the seconds of one UTC minute belong to one local day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)


def local_day(moment: datetime, zone: str, day_start_hour: int) -> date:
    """The local calendar day of a moment, for a zone and a day-start hour."""
    wall = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return (wall - timedelta(hours=day_start_hour)).date()


def daily_seconds(
    intervals: Iterable[tuple[datetime, datetime]], zone: str, day_start_hour: int
) -> dict[date, int]:
    """Seconds per local day covered by the intervals (each counted, overlaps included)."""
    totals: Counter[date] = Counter()
    for start, end in intervals:
        minute = start.astimezone(UTC).replace(second=0, microsecond=0)
        while minute < end:
            lo, hi = max(minute, start), min(minute + MINUTE, end)
            if hi > lo:
                totals[local_day(minute, zone, day_start_hour)] += int((hi - lo).total_seconds())
            minute += MINUTE
    return dict(totals)
