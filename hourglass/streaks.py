"""Study streaks: runs of local days on which a member reached the guild's daily minimum."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

# Bonus points for reaching the daily minimum, per day of streak, up to a week's worth.
BONUS_PER_DAY = 5
BONUS_CAP_DAYS = 7


@dataclass(frozen=True)
class Streak:
    """A member's current and best streak as of a local day."""

    current: int
    best: int
    today_done: bool
    today_seconds: int


def compute(daily_seconds: Mapping[date, int], minimum_seconds: int, today: date) -> Streak:
    """Current and best streak from seconds per local day.

    Today counts once reached; until then a streak that ran through yesterday is still
    current, so nobody loses a streak in the morning before studying.
    """
    done = {day for day, seconds in daily_seconds.items() if seconds >= minimum_seconds}
    today_done = today in done

    current = 0
    day = today if today_done else today - timedelta(days=1)
    while day in done:
        current += 1
        day -= timedelta(days=1)

    return Streak(current, max(_best(done), current), today_done, daily_seconds.get(today, 0))


def bonus_points(streak_length: int) -> int:
    """Points for a day that extends a streak to the given length."""
    return BONUS_PER_DAY * min(streak_length, BONUS_CAP_DAYS)


def _best(done: set[date]) -> int:
    best = 0
    for day in done:
        if day - timedelta(days=1) in done:
            continue
        length = 1
        while day + timedelta(days=length) in done:
            length += 1
        best = max(best, length)
    return best
