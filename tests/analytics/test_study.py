"""Study tables agree with independent computations from the raw sessions and the bot."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from analytics import data, study
from analytics.localtime import Zone, utc_window
from hourglass import streaks
from hourglass.store import stats
from tests.analytics.conftest import LAST_DAY, SPEC
from tests.support.aio import with_conn

FIRST_DAY = LAST_DAY - timedelta(days=20)


def seconds_per_local_day(sessions: pl.DataFrame, zone: Zone) -> dict[date, int]:
    """Cuts each session at local midnights (plus day start) with zoneinfo, second by second."""
    tz = ZoneInfo(zone.name)
    totals: dict[date, int] = defaultdict(int)
    for start, end in sessions.select("started_at", "ended_at").iter_rows():
        moment = start
        while moment < end:
            local = moment.astimezone(tz)
            day = (local.replace(tzinfo=None) - timedelta(hours=zone.day_start_hour)).date()
            next_start = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
            boundary = (next_start + timedelta(hours=zone.day_start_hour)).astimezone(UTC)
            piece_end = min(end, boundary)
            totals[day] += int((piece_end - moment).total_seconds())
            moment = piece_end
    return dict(totals)


def _busiest_member(wh) -> int:
    slots = data.guild_slots(wh, SPEC.guild_id, SPEC.start_at, SPEC.end_at)
    return int(
        slots.group_by("member_id").agg(pl.col("seconds").sum()).sort("seconds")["member_id"][-1]
    )


def test_the_trend_matches_sessions_cut_at_local_midnights(warehouse):
    member_id = _busiest_member(warehouse)
    profile = data.member_profile(warehouse, SPEC.guild_id, member_id)
    lo, hi = utc_window(FIRST_DAY - timedelta(days=7), LAST_DAY)

    trend = study.trend(
        data.member_slots(warehouse, SPEC.guild_id, member_id, lo, hi),
        profile.zone,
        FIRST_DAY,
        LAST_DAY,
    )

    sessions = data.sessions(warehouse, SPEC.guild_id, lo - timedelta(days=1), hi)
    expected = seconds_per_local_day(
        sessions.filter(pl.col("member_id") == member_id), profile.zone
    )
    assert trend["day"].to_list() == [FIRST_DAY + timedelta(days=i) for i in range(21)]
    for day, minutes in trend.select("day", "minutes").iter_rows():
        assert round(minutes * 60) == expected.get(day, 0), day


def test_the_seven_day_average_is_the_mean_of_the_day_and_six_before(warehouse):
    member_id = _busiest_member(warehouse)
    zone = data.member_profile(warehouse, SPEC.guild_id, member_id).zone
    lo, hi = utc_window(FIRST_DAY - timedelta(days=7), LAST_DAY)
    slots = data.member_slots(warehouse, SPEC.guild_id, member_id, lo, hi)

    trend = study.trend(slots, zone, FIRST_DAY, LAST_DAY)
    daily = study.daily_seconds(slots, zone, FIRST_DAY - timedelta(days=6), LAST_DAY)

    window = daily.filter(pl.col("day").is_between(LAST_DAY - timedelta(days=6), LAST_DAY))
    assert abs(trend["average"][-1] - window["seconds"].sum() / 60 / 7) < 1e-9


def test_the_heatmap_adds_up_to_the_rollup_total_of_its_days(warehouse, community_url):
    zone = Zone("Asia/Kathmandu")
    lo, hi = utc_window(FIRST_DAY, LAST_DAY)

    cells = study.week_heatmap(
        data.guild_slots(warehouse, SPEC.guild_id, lo, hi), zone, FIRST_DAY, LAST_DAY
    )

    total = with_conn(
        community_url,
        lambda conn: conn.fetchval(
            "SELECT sum(seconds) FROM hourglass.voice_seconds_15m WHERE guild_id = $1"
            " AND hourglass.local_day(bucket, $2, 0) BETWEEN $3 AND $4",
            SPEC.guild_id,
            zone.name,
            FIRST_DAY,
            LAST_DAY,
        ),
    )
    assert cells.height == 7 * 24
    assert round(cells["minutes"].sum() * 60) == total


def test_the_leaderboard_equals_the_bots_leaderboard(warehouse, community_url):
    first = LAST_DAY - timedelta(days=6)
    zone = data.guild_settings(warehouse, SPEC.guild_id).zone
    lo, hi = utc_window(first, LAST_DAY)

    board = study.leaderboard(
        data.guild_slots(warehouse, SPEC.guild_id, lo, hi),
        data.members(warehouse, SPEC.guild_id),
        zone,
        first,
        LAST_DAY,
    )

    bots = with_conn(
        community_url, lambda conn: stats.leaderboard(conn, SPEC.guild_id, first, LAST_DAY)
    )
    assert board.select("rank", "member_id", "display_name", "seconds").rows() == [
        (s.rank, s.member_id, s.display_name, s.seconds) for s in bots
    ]


def test_daily_active_members_count_distinct_members_per_local_day(warehouse, community_url):
    zone = data.guild_settings(warehouse, SPEC.guild_id).zone
    lo, hi = utc_window(FIRST_DAY - timedelta(days=28), LAST_DAY)

    table = study.activity(
        data.guild_slots(warehouse, SPEC.guild_id, lo, hi), zone, FIRST_DAY, LAST_DAY
    )

    rows = with_conn(
        community_url,
        lambda conn: conn.fetch(
            "SELECT hourglass.local_day(bucket, $2, 0) AS day, count(DISTINCT member_id) AS n"
            " FROM hourglass.voice_seconds_15m WHERE guild_id = $1 GROUP BY 1",
            SPEC.guild_id,
            zone.name,
        ),
    )
    expected = {row["day"]: row["n"] for row in rows}
    assert table["daily"].to_list() == [expected.get(d, 0) for d in table["day"].to_list()]
    assert (table["weekly"] >= table["daily"]).all()
    assert (table["monthly"] >= table["weekly"]).all()


def test_weekly_active_members_are_distinct_over_seven_days():
    zone = Zone("UTC")
    slots = pl.DataFrame(
        {
            "bucket": [datetime(2026, 1, d, 12, tzinfo=UTC) for d in (1, 3, 3, 9)],
            "member_id": [1, 1, 2, 3],
            "seconds": [600, 600, 600, 600],
        }
    )

    table = study.activity(slots, zone, date(2026, 1, 1), date(2026, 1, 10))

    weekly = dict(zip(table["day"].to_list(), table["weekly"].to_list(), strict=True))
    assert weekly[date(2026, 1, 2)] == 1
    assert weekly[date(2026, 1, 3)] == 2
    assert weekly[date(2026, 1, 8)] == 2
    assert weekly[date(2026, 1, 9)] == 3
    assert weekly[date(2026, 1, 10)] == 1
    assert table["daily"].to_list() == [1, 0, 2, 0, 0, 0, 0, 0, 1, 0]


def test_retention_shares_follow_each_cohort():
    zone = Zone("UTC")
    monday = datetime(2026, 1, 5, 12, tzinfo=UTC)
    slots = pl.DataFrame(
        {
            "bucket": [monday, monday, monday + timedelta(days=7), monday + timedelta(days=8)],
            "member_id": [1, 2, 1, 3],
            "seconds": [900, 900, 900, 900],
        }
    )
    members = pl.DataFrame(
        {"member_id": [1, 2, 3], "first_seen_at": [monday + timedelta(days=60)] * 3},
        schema={"member_id": pl.Int64, "first_seen_at": pl.Datetime("us", "UTC")},
    )

    table = study.retention(slots, members, zone, date(2026, 1, 5), date(2026, 1, 18))

    assert table.select("cohort", "size", "week", "active").rows() == [
        (date(2026, 1, 5), 2, 0, 2),
        (date(2026, 1, 5), 2, 1, 1),
        (date(2026, 1, 12), 1, 0, 1),
    ]
    assert table["share"].to_list() == [1.0, 0.5, 1.0]


def test_the_streak_is_the_bots_streak_over_the_same_days(warehouse, community_url):
    member_id = _busiest_member(warehouse)
    zone = data.member_profile(warehouse, SPEC.guild_id, member_id).zone
    lo, hi = utc_window(FIRST_DAY, LAST_DAY)

    calendar = study.streak_calendar(
        data.member_slots(warehouse, SPEC.guild_id, member_id, lo, hi),
        zone,
        FIRST_DAY,
        LAST_DAY,
        30,
        120,
    )

    daily = with_conn(
        community_url,
        lambda conn: stats.member_daily_seconds(
            conn, SPEC.guild_id, member_id, FIRST_DAY, LAST_DAY
        ),
    )
    assert calendar.streak == streaks.compute(daily, 30 * 60, LAST_DAY)
    levels = dict(
        zip(calendar.days["day"].to_list(), calendar.days["level"].to_list(), strict=True)
    )
    for day, seconds in daily.items():
        assert levels[day] == (3 if seconds >= 7200 else 2 if seconds >= 1800 else 1)


def test_session_lengths_are_the_sessions_durations(warehouse):
    sessions = data.sessions(warehouse, SPEC.guild_id, SPEC.start_at, SPEC.end_at)

    minutes = study.session_lengths(sessions)

    assert len(minutes) == sessions.height
    total = (sessions["ended_at"] - sessions["started_at"]).dt.total_seconds().sum()
    assert abs(minutes.sum() * 60 - total) < 1e-6
