"""Local days, hours and weekdays: the one place UTC becomes local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from analytics.errors import AnalyticsError
from analytics.localtime import Zone, localize, today_in, utc_window
from hourglass.database import connect

ZONES = [
    Zone("UTC"),
    Zone("Asia/Kathmandu"),  # +05:45
    Zone("Asia/Kolkata", 4),  # +05:30, days from 04:00
    Zone("Europe/Berlin"),  # DST on 2026-03-29 and 2026-10-25
    Zone("America/New_York", 5),
    Zone("Australia/Adelaide"),  # +09:30 / +10:30
    Zone("Pacific/Kiritimati"),  # +14
]


def _buckets() -> pl.DataFrame:
    start = datetime(2026, 3, 27, tzinfo=UTC)
    moments = [start + timedelta(minutes=15 * i) for i in range(4 * 24 * 4)]
    moments += [
        datetime(2026, 10, 24, 22, tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(24)
    ]
    return pl.DataFrame({"bucket": moments}, schema={"bucket": pl.Datetime("us", "UTC")})


@pytest.mark.parametrize("zone", ZONES, ids=lambda z: f"{z.name}+{z.day_start_hour}")
def test_local_days_match_the_sql_function_hourglass_local_day(pg_db, zone):
    frame = localize(_buckets(), zone)

    with connect(pg_db) as conn:
        expected = conn.execute(
            "SELECT hourglass.local_day(b, %s, %s) FROM unnest(%s::timestamptz[]) AS b",
            (zone.name, zone.day_start_hour, frame["bucket"].to_list()),
        ).fetchall()

    assert frame["day"].to_list() == [row[0] for row in expected]


def test_hours_follow_the_wall_clock_across_the_spring_dst_change():
    frame = pl.DataFrame(
        {"bucket": [datetime(2026, 3, 29, 0, 45, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC)]}
    )

    local = localize(frame, Zone("Europe/Berlin"))

    assert local["hour"].to_list() == [1, 3]
    assert local["day"].to_list() == [date(2026, 3, 29)] * 2
    assert local["weekday"].to_list() == [6, 6]


def test_a_quarter_hour_offset_puts_buckets_in_the_right_local_hour():
    frame = pl.DataFrame({"bucket": [datetime(2026, 1, 1, 18, 15, tzinfo=UTC)]})

    local = localize(frame, Zone("Asia/Kathmandu"))

    assert local["local_time"].item() == datetime(2026, 1, 2, 0, 0)
    assert local["day"].item() == date(2026, 1, 2)
    assert local["hour"].item() == 0


def test_the_day_start_hour_moves_early_hours_to_the_day_before():
    frame = pl.DataFrame({"bucket": [datetime(2026, 1, 6, 3, 59, tzinfo=UTC)]})

    assert localize(frame, Zone("UTC", 4))["day"].item() == date(2026, 1, 5)
    assert localize(frame, Zone("UTC", 4))["weekday"].item() == 0


def test_the_utc_window_covers_every_local_day_in_any_zone():
    lo, hi = utc_window(date(2026, 1, 10), date(2026, 1, 12))

    assert lo <= datetime(2026, 1, 10, tzinfo=UTC) - timedelta(hours=14)
    assert hi >= datetime(2026, 1, 13, tzinfo=UTC) + timedelta(hours=12)


def test_today_depends_on_the_zone():
    moment = datetime(2026, 1, 1, 20, tzinfo=UTC)

    assert today_in(Zone("UTC"), moment) == date(2026, 1, 1)
    assert today_in(Zone("Asia/Tokyo"), moment) == date(2026, 1, 2)


def test_unknown_zones_and_day_starts_are_refused_with_a_clear_message():
    with pytest.raises(AnalyticsError, match="unknown time zone 'Mars/Olympus'"):
        Zone("Mars/Olympus")
    with pytest.raises(AnalyticsError, match="day start hour"):
        Zone("UTC", 24)
