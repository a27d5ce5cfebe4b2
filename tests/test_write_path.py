"""The voice write path: pieces per 15-minute slot, whole seconds, and no double writes."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from hourglass.store import voice
from hourglass.store.records import VoicePiece, VoiceSession
from tests.support.aio import with_conn

T0 = datetime(2026, 7, 1, 9, 7, 30, 750000, tzinfo=UTC)


def _pieces(url: str):
    return with_conn(
        url,
        lambda conn: conn.fetch(
            "SELECT slot, piece_start, seconds FROM hourglass.voice_activity ORDER BY piece_start"
        ),
    )


def test_a_session_is_cut_into_pieces_that_each_lie_in_one_quarter_hour(pg_db):
    session = VoiceSession(uuid.uuid4(), 1, 2, 3, T0, T0 + timedelta(minutes=40))
    with_conn(pg_db, lambda conn: voice.write_sessions(conn, [session]))

    rows = _pieces(pg_db)
    assert [(r["slot"].strftime("%H:%M"), r["seconds"]) for r in rows] == [
        ("09:00", 450),
        ("09:15", 900),
        ("09:30", 900),
        ("09:45", 150),
    ]
    assert sum(r["seconds"] for r in rows) == 40 * 60


def test_boundaries_are_cut_down_to_whole_seconds(pg_db):
    # 09:07:30.75 to 09:07:41.65 counts as 09:07:30 to 09:07:41.
    piece = VoicePiece(uuid.uuid4(), 1, 2, 3, T0, T0 + timedelta(seconds=10, microseconds=900000))
    with_conn(pg_db, lambda conn: voice.write_pieces(conn, [piece]))

    rows = _pieces(pg_db)
    assert [r["seconds"] for r in rows] == [11]
    assert rows[0]["piece_start"].microsecond == 0


def test_a_retried_batch_writes_nothing_twice(pg_db):
    batch = [VoiceSession(uuid.uuid4(), 1, m, 3, T0, T0 + timedelta(minutes=20)) for m in (1, 2)]

    first = with_conn(pg_db, lambda conn: voice.write_sessions(conn, batch))
    second = with_conn(pg_db, lambda conn: voice.write_sessions(conn, batch))

    counts = with_conn(
        pg_db,
        lambda conn: conn.fetchrow(
            "SELECT (SELECT count(*) FROM hourglass.voice_sessions) AS sessions,"
            " (SELECT sum(seconds) FROM hourglass.voice_activity) AS seconds"
        ),
    )
    assert (first, second) == (2, 0)
    assert (counts["sessions"], counts["seconds"]) == (2, 2 * 20 * 60)


def test_checkpointed_pieces_of_one_session_add_up_without_overlap(pg_db):
    sid = uuid.uuid4()
    checkpoints = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2, seconds=30)]
    pieces = [VoicePiece(sid, 1, 2, 3, a, b) for a, b in itertools.pairwise(checkpoints)]
    with_conn(pg_db, lambda conn: voice.write_pieces(conn, pieces))
    with_conn(pg_db, lambda conn: voice.write_pieces(conn, pieces[-1:]))  # a repeated checkpoint

    assert sum(r["seconds"] for r in _pieces(pg_db)) == 150
