"""Local-day totals are exact to the second, in any time zone, across DST and month ends."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hourglass.store import guilds, stats, upkeep, voice
from hourglass.store.records import Guild, Member, VoiceSession
from tests.support.aio import with_conn
from tests.support.reference import daily_seconds

GUILD = 1

ZONES = [
    "America/New_York",  # DST on 2026-03-08 and 2026-11-01
    "Europe/Berlin",  # DST on 2026-03-29 and 2026-10-25
    "Asia/Kathmandu",  # +05:45
    "Asia/Kolkata",  # +05:30
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/St_Johns",  # -03:30 with DST
    "Pacific/Kiritimati",  # +14:00
    "UTC",
]

# Windows of a few days around DST changes and month ends.
WINDOWS = [
    datetime(2026, 3, 6, tzinfo=UTC),
    datetime(2026, 3, 27, tzinfo=UTC),
    datetime(2026, 4, 3, tzinfo=UTC),
    datetime(2026, 10, 23, tzinfo=UTC),
    datetime(2026, 12, 30, tzinfo=UTC),
]


def _write(
    url: str,
    zone: str,
    day_start: int,
    intervals: list[tuple[datetime, datetime]],
    member_id: int = 7,
) -> None:
    async def work(conn):
        await upkeep.prepare_range(
            conn, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)
        )
        await guilds.upsert_guild(conn, Guild(GUILD, "g", zone, day_start))
        await guilds.upsert_members(conn, [Member(GUILD, member_id)])
        await voice.write_sessions(
            conn,
            [
                VoiceSession(uuid.uuid4(), GUILD, member_id, 5, start, end)
                for start, end in intervals
            ],
        )

    with_conn(url, work)


def _daily(url: str, first: date, last: date, member_id: int = 7) -> dict[date, int]:
    return with_conn(
        url, lambda conn: stats.member_daily_seconds(conn, GUILD, member_id, first, last)
    )


def _clear(url: str) -> None:
    async def work(conn):
        await conn.execute("TRUNCATE hourglass.voice_sessions, hourglass.voice_activity")
        await conn.execute("DELETE FROM hourglass.members")

    with_conn(url, work)


sessions_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=4 * 24 * 3600),  # start, seconds into the window
        st.integers(min_value=1, max_value=30 * 3600),  # length in seconds
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zone=st.sampled_from(ZONES),
    day_start=st.sampled_from([0, 0, 4, 23]),
    window=st.sampled_from(WINDOWS),
    raw=sessions_strategy,
)
def test_daily_totals_match_an_independent_computation_to_the_second(
    pg_db, zone, day_start, window, raw
):
    intervals = [
        (window + timedelta(seconds=start), window + timedelta(seconds=start + length))
        for start, length in raw
    ]
    _clear(pg_db)
    _write(pg_db, zone, day_start, intervals)

    expected = daily_seconds(intervals, zone, day_start)
    first, last = window.date() - timedelta(days=2), window.date() + timedelta(days=8)
    assert _daily(pg_db, first, last) == expected


def test_totals_are_the_same_before_and_after_the_rollups_are_refreshed(pg_db):
    start = datetime(2026, 3, 7, 22, 10, 5, tzinfo=UTC)
    intervals = [(start, start + timedelta(hours=30, seconds=17))]
    _write(pg_db, "America/New_York", 0, intervals)
    before = _daily(pg_db, date(2026, 3, 1), date(2026, 3, 31))

    with_conn(pg_db, lambda conn: upkeep.refresh_rollups(conn, datetime(2026, 4, 1, tzinfo=UTC)))

    assert _daily(pg_db, date(2026, 3, 1), date(2026, 3, 31)) == before
    assert sum(before.values()) == 30 * 3600 + 17


def test_a_session_across_a_local_midnight_in_nepal_is_split_at_the_quarter_hour(pg_db):
    # 18:00 UTC is 23:45 in Kathmandu; an hour from then is 00:45 the next local day.
    start = datetime(2026, 5, 10, 18, 0, tzinfo=UTC)
    _write(pg_db, "Asia/Kathmandu", 0, [(start, start + timedelta(hours=1))])

    assert _daily(pg_db, date(2026, 5, 9), date(2026, 5, 12)) == {
        date(2026, 5, 10): 15 * 60,
        date(2026, 5, 11): 45 * 60,
    }


def test_the_night_the_clocks_go_back_counts_the_real_time_spent(pg_db):
    # 04:30 UTC is 00:30 EDT on 2026-11-01; three real hours later it is 02:30 EST.
    start = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    _write(pg_db, "America/New_York", 0, [(start, start + timedelta(hours=3))])

    assert _daily(pg_db, date(2026, 10, 31), date(2026, 11, 2)) == {date(2026, 11, 1): 3 * 3600}


def test_a_day_starting_at_4am_keeps_a_late_night_session_on_the_previous_day(pg_db):
    # 01:00 to 03:00 Berlin time on 2026-06-02 belongs to June 1 when days start at 04:00.
    start = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    _write(pg_db, "Europe/Berlin", 4, [(start, start + timedelta(hours=2))])

    assert _daily(pg_db, date(2026, 5, 30), date(2026, 6, 3)) == {date(2026, 6, 1): 7200}


def test_a_monthly_leaderboard_includes_exactly_the_daily_totals_of_that_month(pg_db):
    start = datetime(2026, 3, 31, 20, 0, 0, tzinfo=UTC)  # 22:00 Berlin, two days across April 1
    intervals = [
        (start, start + timedelta(hours=5)),
        (start - timedelta(days=3), start - timedelta(days=3, hours=-1)),
    ]
    _write(pg_db, "Europe/Berlin", 0, intervals)

    daily = _daily(pg_db, date(2026, 3, 1), date(2026, 4, 30))
    march = with_conn(
        pg_db, lambda conn: stats.leaderboard(conn, GUILD, date(2026, 3, 1), date(2026, 3, 31))
    )

    assert march[0].seconds == sum(s for d, s in daily.items() if d.month == 3) == 3600 + 7200
