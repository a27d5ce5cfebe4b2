"""Streaks from stored voice time, across a DST change and a member's change of time zone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hourglass import streaks
from hourglass.store import guilds, settings, stats, voice
from hourglass.store.records import Guild, Member, VoiceSession
from tests.support.aio import with_conn

GUILD, MEMBER = 3, 33
MIN = 30 * 60


def _study(url: str, zone: str, days: list[date], at: time, minutes: int) -> None:
    local = ZoneInfo(zone)
    sessions = []
    for day in days:
        start = datetime.combine(day, at, local).astimezone(UTC)
        sessions.append(
            VoiceSession(uuid.uuid4(), GUILD, MEMBER, 1, start, start + timedelta(minutes=minutes))
        )

    async def work(conn):
        await guilds.upsert_guild(conn, Guild(GUILD, "g", "UTC"))
        await guilds.upsert_members(conn, [Member(GUILD, MEMBER, "m", zone)])
        await voice.write_sessions(conn, sessions)

    with_conn(url, work)


def _streak(url: str, today: date) -> streaks.Streak:
    async def work(conn):
        member = await settings.member_config(conn, GUILD, MEMBER)
        daily = await stats.member_daily_seconds(
            conn, GUILD, MEMBER, today - timedelta(days=60), today
        )
        return streaks.compute(daily, MIN, today), member

    result, _ = with_conn(url, work)
    return result


def test_a_late_evening_habit_keeps_its_streak_through_the_night_the_clocks_go_back(pg_db):
    days = [date(2026, 10, 26) + timedelta(days=i) for i in range(10)]  # DST ends Nov 1
    _study(pg_db, "America/New_York", days, time(23, 15), 40)

    streak = _streak(pg_db, days[-1])

    assert (streak.current, streak.best, streak.today_done) == (10, 10, True)


def test_changing_time_zone_regroups_history_without_losing_or_doubling_time(pg_db):
    days = [date(2026, 6, 1) + timedelta(days=i) for i in range(6)]
    _study(pg_db, "Europe/Berlin", days, time(23, 40), 35)  # 23:40-00:15 Berlin time
    first, last = days[0] - timedelta(days=1), days[-1] + timedelta(days=1)

    before = with_conn(pg_db, lambda c: stats.member_daily_seconds(c, GUILD, MEMBER, first, last))
    with_conn(pg_db, lambda c: settings.update_member(c, GUILD, MEMBER, time_zone="Asia/Tokyo"))
    after = with_conn(pg_db, lambda c: stats.member_daily_seconds(c, GUILD, MEMBER, first, last))

    assert sum(before.values()) == sum(after.values()) == 6 * 35 * 60
    assert before[days[1]] == 20 * 60 + 15 * 60  # 20 minutes of one night, 15 of the previous
    assert set(after.values()) == {35 * 60}  # 06:40-07:15 in Tokyo: one day each
    assert _streak(pg_db, days[-1] + timedelta(days=1)).current == 6
