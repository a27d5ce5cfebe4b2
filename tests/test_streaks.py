"""Streak arithmetic: runs of qualifying local days, across month and year ends."""

from __future__ import annotations

from datetime import date, timedelta

from hourglass.streaks import bonus_points, compute

MIN = 30 * 60


def days(start: date, count: int, seconds: int = MIN) -> dict[date, int]:
    return {start + timedelta(days=i): seconds for i in range(count)}


def test_a_streak_runs_across_the_end_of_a_month_and_a_year():
    history = days(date(2026, 12, 25), 10)  # Dec 25 .. Jan 3

    streak = compute(history, MIN, date(2027, 1, 3))

    assert (streak.current, streak.best, streak.today_done) == (10, 10, True)


def test_the_first_of_the_month_does_not_reset_a_streak():
    history = days(date(2026, 3, 28), 5)  # Mar 28 .. Apr 1

    assert compute(history, MIN, date(2026, 4, 1)).current == 5


def test_a_streak_stays_current_until_today_is_over():
    history = days(date(2026, 5, 1), 4)  # up to May 4

    morning = compute(history, MIN, date(2026, 5, 5))
    next_day = compute(history, MIN, date(2026, 5, 6))

    assert (morning.current, morning.today_done) == (4, False)
    assert (next_day.current, next_day.best) == (0, 4)


def test_a_day_below_the_minimum_breaks_the_streak():
    history = days(date(2026, 5, 1), 3) | {date(2026, 5, 4): MIN - 1} | days(date(2026, 5, 5), 2)

    streak = compute(history, MIN, date(2026, 5, 6))

    assert (streak.current, streak.best) == (2, 3)


def test_bonus_points_grow_with_the_streak_up_to_a_week():
    assert [bonus_points(n) for n in (1, 2, 7, 30)] == [5, 10, 35, 35]
