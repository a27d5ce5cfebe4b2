"""Write batches: one transaction, safe to apply twice, and faithful through the spool."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hourglass.store import batch, sessions
from hourglass.store.batch import Checkpoint, CloseSession, OpenSession, UserAction
from hourglass.store.records import PointEvent, VoicePiece, VoiceSession
from tests.support.aio import with_conn

T0 = datetime(2026, 9, 1, 18, 0, 0, tzinfo=UTC)
SID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def _ops():
    end = T0 + timedelta(minutes=20)
    return [
        OpenSession(5, 1, SID, 101, T0, T0),
        VoicePiece(SID, 5, 1, 101, T0, T0 + timedelta(minutes=10)),
        Checkpoint(SID, T0 + timedelta(minutes=10), 101, counted_seconds=600),
        VoicePiece(SID, 5, 1, 101, T0 + timedelta(minutes=10), end),
        CloseSession(VoiceSession(SID, 5, 1, 101, T0, end)),
        PointEvent(end, 5, 1, 20, "voice", "tracker", f"voice:{SID}"),
        UserAction(end, 5, 1, "voice.leave", {"channel": 101}),
    ]


def _counts(url):
    return with_conn(
        url,
        lambda conn: conn.fetchrow(
            "SELECT (SELECT count(*) FROM hourglass.voice_sessions) AS sessions,"
            " (SELECT coalesce(sum(seconds), 0) FROM hourglass.voice_activity) AS seconds,"
            " (SELECT count(*) FROM hourglass.open_sessions) AS open,"
            " (SELECT coalesce(sum(delta), 0) FROM hourglass.point_events) AS points,"
            " (SELECT count(*) FROM hourglass.user_actions) AS actions"
        ),
    )


def test_a_batch_applied_twice_writes_everything_exactly_once(pg_db):
    ops = _ops()
    with_conn(pg_db, lambda conn: batch.apply_batch(conn, ops))
    with_conn(pg_db, lambda conn: batch.apply_batch(conn, ops))

    assert dict(_counts(pg_db)) == {
        "sessions": 1,
        "seconds": 1200,
        "open": 0,
        "points": 20,
        "actions": 1,
    }


def test_a_checkpointed_session_is_read_back_for_recovery(pg_db):
    ops = _ops()[:3]
    with_conn(pg_db, lambda conn: batch.apply_batch(conn, ops))

    (row,) = with_conn(pg_db, lambda conn: sessions.open_sessions(conn, 5))
    assert (row.session_id, row.last_checkpoint_at, row.counted_seconds) == (
        SID,
        T0 + timedelta(minutes=10),
        600,
    )


def test_an_older_checkpoint_never_moves_a_session_back(pg_db):
    ops = [*_ops()[:3], Checkpoint(SID, T0 + timedelta(minutes=5), 101)]
    with_conn(pg_db, lambda conn: batch.apply_batch(conn, ops))
    with_conn(pg_db, lambda conn: batch.apply_batch(conn, ops[3:]))

    (row,) = with_conn(pg_db, lambda conn: sessions.open_sessions(conn, 5))
    assert row.last_checkpoint_at == T0 + timedelta(minutes=10)


def test_a_newer_session_of_the_same_member_replaces_the_open_one(pg_db):
    newer = uuid.uuid4()
    ops = [
        OpenSession(5, 1, SID, 101, T0, T0),
        OpenSession(5, 1, newer, 101, T0 + timedelta(hours=1), T0 + timedelta(hours=1)),
    ]
    with_conn(pg_db, lambda conn: batch.apply_batch(conn, list(reversed(ops))))

    (row,) = with_conn(pg_db, lambda conn: sessions.open_sessions(conn, 5))
    assert row.session_id == newer


def test_every_operation_survives_the_spool_format():
    ops = _ops()

    assert batch.loads(batch.dumps(ops)) == ops
