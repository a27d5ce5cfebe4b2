"""Leaderboards: ranks, tenancy between guilds, opted-out members, and the raw reference."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hourglass.store import guilds, stats, upkeep, voice
from hourglass.store.records import Guild, Member, VoiceSession
from tests.support.aio import with_conn

DAY = date(2026, 4, 14)
NOON = datetime(2026, 4, 14, 10, 0, tzinfo=UTC)  # 12:00 in Berlin


async def _seed(conn) -> None:
    await guilds.upsert_guild(conn, Guild(1, "one", "Europe/Berlin"))
    await guilds.upsert_guild(conn, Guild(2, "two", "Asia/Tokyo"))
    await guilds.upsert_members(
        conn,
        [
            Member(1, 11, "Ana"),
            Member(1, 12, "Ben"),
            Member(1, 13, "Cy"),
            Member(2, 21, "Dee"),
        ],
    )
    await conn.execute("UPDATE hourglass.members SET opted_out = true WHERE member_id = 13")
    # (guild, member, hours after 10:00 UTC, minutes); Dee studies 13:00-23:00 in Tokyo.
    sessions = [(1, 11, 0, 90), (1, 12, 2, 120), (1, 13, 3, 300), (2, 21, -6, 600), (1, 11, 8, 40)]
    await voice.write_sessions(
        conn,
        [
            VoiceSession(
                uuid.uuid4(),
                g,
                m,
                5,
                NOON + timedelta(hours=h),
                NOON + timedelta(hours=h, minutes=minutes),
            )
            for g, m, h, minutes in sessions
        ],
    )


def test_a_guild_leaderboard_ranks_its_own_members_only_and_skips_opted_out_ones(pg_db):
    with_conn(pg_db, _seed)

    board = with_conn(pg_db, lambda conn: stats.leaderboard(conn, 1, DAY, DAY))

    assert [(s.rank, s.display_name, s.seconds) for s in board] == [
        (1, "Ana", 130 * 60),
        (2, "Ben", 120 * 60),
    ]


def test_the_rollup_leaderboard_equals_the_one_computed_from_raw_sessions(pg_db):
    with_conn(pg_db, _seed)
    with_conn(pg_db, lambda conn: upkeep.refresh_rollups(conn, NOON + timedelta(hours=5)))

    for guild_id in (1, 2):
        rollup = with_conn(pg_db, lambda conn, g=guild_id: stats.leaderboard(conn, g, DAY, DAY))
        raw = with_conn(
            pg_db, lambda conn, g=guild_id: stats.leaderboard_from_sessions(conn, g, DAY, DAY)
        )
        assert rollup == raw
        assert rollup, guild_id


def test_the_all_time_leaderboard_counts_every_day(pg_db):
    with_conn(pg_db, _seed)

    board = with_conn(pg_db, lambda conn: stats.all_time_leaderboard(conn, 2))

    assert [(s.display_name, s.seconds) for s in board] == [("Dee", 600 * 60)]
