"""Native partitioning on plain PostgreSQL: made ahead, filled from the default, expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hourglass.database import connect
from hourglass.store import ledger
from hourglass.store.records import MetricSample
from tests.support.aio import with_conn

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _partitions(conn, parent: str) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = %s::regclass ORDER BY 1",
        (f"hourglass.{parent}",),
    )
    return [name for (name,) in rows]


def test_maintenance_creates_partitions_ahead_for_every_table(pg_db):
    with connect(pg_db) as conn:
        conn.execute("CALL hourglass.maintain(%s)", (NOW,))

        voice = _partitions(conn, "voice_activity")
        metrics = _partitions(conn, "performance_metrics")

    assert voice == [
        "voice_activity_default",
        "voice_activity_p20260501",
        "voice_activity_p20260601",
        "voice_activity_p20260701",
        "voice_activity_p20260801",
        "voice_activity_p20260901",
        "voice_activity_p20261001",
    ]
    assert "performance_metrics_p20260622" in metrics
    assert "performance_metrics_p20260614" in metrics


def test_a_row_with_no_partition_is_kept_and_filed_when_its_partition_is_made(pg_db):
    old = datetime(2024, 2, 10, tzinfo=UTC)
    with_conn(pg_db, lambda conn: ledger.write_metrics(conn, [MetricSample(old, "x", 1.0)]))

    with connect(pg_db) as conn:
        before = conn.execute(
            "SELECT tableoid::regclass::text FROM hourglass.performance_metrics"
        ).fetchall()
        conn.execute("SELECT hourglass.prepare_range(%s, %s)", (old, old + timedelta(hours=1)))
        after = conn.execute(
            "SELECT tableoid::regclass::text FROM hourglass.performance_metrics"
        ).fetchall()

    assert before == [("hourglass_internal.performance_metrics_default",)]
    assert after == [("hourglass_internal.performance_metrics_p20240210",)]


def test_retention_drops_whole_partitions_past_the_horizon(pg_db):
    samples = [MetricSample(NOW - timedelta(days=d), "x", float(d)) for d in (0, 1, 5, 9)]
    with connect(pg_db) as conn:
        conn.execute("SELECT hourglass.prepare_range(%s, %s)", (NOW - timedelta(days=10), NOW))
    with_conn(pg_db, lambda conn: ledger.write_metrics(conn, samples))

    with connect(pg_db) as conn:
        conn.execute("SELECT hourglass.set_retention('performance_metrics', '3 days')")
        conn.execute("CALL hourglass.maintain(%s)", (NOW,))
        kept = conn.execute(
            "SELECT value FROM hourglass.performance_metrics ORDER BY value"
        ).fetchall()
        names = _partitions(conn, "performance_metrics")

    assert kept == [(0.0,), (1.0,)]
    assert "performance_metrics_p20260610" not in names


def test_a_month_partition_follows_the_utc_calendar(pg_db):
    with connect(pg_db) as conn:
        conn.execute(
            "SELECT hourglass.prepare_range(%s, %s)",
            (datetime(2026, 2, 28, 23, tzinfo=UTC), datetime(2026, 3, 1, 1, tzinfo=UTC)),
        )
        bounds = conn.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class AS c"
            " WHERE c.relname = 'voice_sessions_p20260201'"
        ).fetchone()

    assert bounds == ("FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00')",)
