"""Rollups on plain PostgreSQL: incremental refresh, late rows, deletes, real-time reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hourglass.store import ledger, upkeep, voice
from hourglass.store.records import MetricSample, VoicePiece
from tests.support.aio import with_conn

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
GUILD, MEMBER = 10, 20


def _piece(start: datetime, minutes: int, member: int = MEMBER) -> VoicePiece:
    return VoicePiece(uuid.uuid4(), GUILD, member, 3, start, start + timedelta(minutes=minutes))


def _write(url: str, *pieces: VoicePiece) -> None:
    with_conn(url, lambda conn: voice.write_pieces(conn, list(pieces)))


def _refresh(url: str, up_to: datetime) -> None:
    with_conn(url, lambda conn: upkeep.refresh_rollups(conn, up_to))


def _fetch(url: str, sql: str, *args):
    return with_conn(url, lambda conn: conn.fetch(sql, *args))


def _seconds(url: str, rollup: str) -> int:
    rows = _fetch(url, f"SELECT coalesce(sum(seconds), 0) AS s FROM hourglass.{rollup}")
    return int(rows[0]["s"])


def _last_refresh(url: str, rollup: str):
    rows = _fetch(
        url,
        "SELECT windows, buckets FROM hourglass_internal.refresh_log WHERE rollup = $1"
        " ORDER BY refreshed_at DESC LIMIT 1",
        rollup,
    )
    return rows[0]["windows"], rows[0]["buckets"]


def test_every_level_of_the_voice_rollups_adds_up_to_the_raw_pieces(pg_db):
    _write(pg_db, _piece(T0, 95), _piece(T0 + timedelta(days=1, minutes=7), 61))
    _refresh(pg_db, T0 + timedelta(days=3))

    raw = _fetch(pg_db, "SELECT sum(seconds) AS s FROM hourglass.voice_activity")[0]["s"]
    assert raw == (95 + 61) * 60
    for rollup in ("voice_seconds_15m", "voice_seconds_1h", "voice_seconds_1d"):
        assert _seconds(pg_db, rollup) == raw, rollup


def test_a_refresh_recomputes_only_the_windows_that_changed(pg_db):
    _write(pg_db, _piece(T0, 30), _piece(T0 + timedelta(days=20), 30))
    _refresh(pg_db, T0 + timedelta(days=30))

    _write(pg_db, _piece(T0 + timedelta(days=5, minutes=3), 10))
    _refresh(pg_db, T0 + timedelta(days=30))

    assert _last_refresh(pg_db, "voice_seconds_15m") == (1, 1)
    assert _last_refresh(pg_db, "voice_seconds_1h") == (1, 1)
    assert _last_refresh(pg_db, "voice_seconds_1d") == (1, 1)


def test_a_late_row_below_the_watermark_is_picked_up_by_the_next_refresh(pg_db):
    _write(pg_db, _piece(T0, 60))
    _refresh(pg_db, T0 + timedelta(days=2))

    _write(pg_db, _piece(T0 - timedelta(hours=5), 20))  # a session closed after a restart
    stale = _seconds(pg_db, "voice_seconds_1d")
    _refresh(pg_db, T0 + timedelta(days=2))

    assert stale == 60 * 60
    assert _seconds(pg_db, "voice_seconds_1d") == 80 * 60


def test_rows_above_the_watermark_are_read_in_real_time(pg_db):
    _refresh(pg_db, T0)
    _write(pg_db, _piece(T0 + timedelta(minutes=5), 40))

    for rollup in ("voice_seconds_15m", "voice_seconds_1h", "voice_seconds_1d"):
        assert _seconds(pg_db, rollup) == 40 * 60, rollup


def test_deleted_rows_leave_the_rollups_at_the_next_refresh(pg_db):
    _write(pg_db, _piece(T0, 30, member=1), _piece(T0, 45, member=2))
    _refresh(pg_db, T0 + timedelta(days=2))

    with_conn(
        pg_db, lambda conn: conn.execute("DELETE FROM hourglass.voice_activity WHERE member_id = 1")
    )
    _refresh(pg_db, T0 + timedelta(days=2))

    rows = _fetch(pg_db, "SELECT DISTINCT member_id FROM hourglass.voice_seconds_1d")
    assert [r["member_id"] for r in rows] == [2]
    assert _seconds(pg_db, "voice_seconds_1h") == 45 * 60


def test_metric_rollups_are_materialized_only_and_keep_min_max_and_counts(pg_db):
    samples = [
        MetricSample(T0 + timedelta(seconds=s), "pool_in_use", float(v))
        for s, v in ((1, 3), (20, 9), (61, 4))
    ]
    with_conn(pg_db, lambda conn: ledger.write_metrics(conn, samples))
    assert _fetch(pg_db, "SELECT count(*) AS n FROM hourglass.metrics_1m")[0]["n"] == 0

    _refresh(pg_db, T0 + timedelta(hours=2))

    minute = _fetch(
        pg_db, "SELECT samples, total, minimum, maximum FROM hourglass.metrics_1m ORDER BY bucket"
    )
    hour = _fetch(pg_db, "SELECT samples, total, minimum, maximum FROM hourglass.metrics_1h")
    assert [tuple(r) for r in minute] == [(2, 12.0, 3.0, 9.0), (1, 4.0, 4.0, 4.0)]
    assert [tuple(r) for r in hour] == [(3, 16.0, 3.0, 9.0)]


def test_points_rollup_sums_the_ledger_and_a_repeated_key_counts_once(pg_db):
    from hourglass.store.records import PointEvent

    events = [
        PointEvent(T0, GUILD, MEMBER, 10, "task", "test", "task:1:done"),
        PointEvent(T0, GUILD, MEMBER, 10, "task", "test", "task:1:done"),
        PointEvent(T0 + timedelta(minutes=1), GUILD, MEMBER, -3, "revoke", "test", "admin:9"),
    ]
    first = with_conn(pg_db, lambda conn: ledger.append_points(conn, events))
    again = with_conn(pg_db, lambda conn: ledger.append_points(conn, events))

    rows = _fetch(pg_db, "SELECT points, events FROM hourglass.points_15m")
    assert (first, again) == (2, 0)
    assert [tuple(r) for r in rows] == [(7, 2)]


def test_rebuilding_recomputes_damaged_rollups_so_balances_equal_a_ledger_replay(pg_db):
    from hourglass.store import points
    from hourglass.store.records import PointEvent

    events = [
        PointEvent(T0 + timedelta(hours=h), GUILD, m, 3 * h + m, "voice", "test", f"k{h}:{m}")
        for h in range(30)
        for m in (1, 2)
    ]
    with_conn(pg_db, lambda conn: ledger.append_points(conn, events))
    _refresh(pg_db, T0 + timedelta(days=3))
    with_conn(
        pg_db, lambda conn: conn.execute("UPDATE hourglass_internal.points_15m SET points = 0")
    )
    damaged = with_conn(pg_db, lambda conn: points.rollup_balances(conn, GUILD))

    with_conn(pg_db, lambda conn: upkeep.rebuild_rollups(conn, T0 + timedelta(days=3)))

    replay = with_conn(pg_db, lambda conn: points.replay_balances(conn, GUILD))
    assert damaged == {1: 0, 2: 0}
    assert with_conn(pg_db, lambda conn: points.rollup_balances(conn, GUILD)) == replay
    assert replay == {m: sum(3 * h + m for h in range(30)) for m in (1, 2)}
    assert _seconds(pg_db, "voice_seconds_1d") == 0
