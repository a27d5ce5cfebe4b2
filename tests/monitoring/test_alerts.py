"""Alert rules on the metric rollups: sustained breaches page once, resolutions follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hourglass.monitoring import alerts
from hourglass.settings import MonitoringSettings
from hourglass.store import ledger, upkeep
from hourglass.store.records import MetricSample
from hourglass.telemetry import LATENCY_BUCKETS
from tests.support.aio import with_conn

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
RULES = alerts.rules(MonitoringSettings(max_concurrent_users=35))
BY_NAME = {rule.name: rule for rule in RULES}


def _write(url: str, samples: list[MetricSample], up_to: datetime) -> None:
    async def work(conn):
        await ledger.write_metrics(conn, samples)
        await upkeep.refresh_rollups(conn, up_to)

    with_conn(url, work)


def _concurrency(start: datetime, minutes: int, value: float) -> list[MetricSample]:
    return [
        MetricSample(
            start + timedelta(minutes=m, seconds=s), "hourglass_voice_members_concurrent", value
        )
        for m in range(minutes)
        for s in (0, 30)
    ]


def _evaluate(url: str, at: datetime, names=("concurrent_users",)):
    chosen = [BY_NAME[n] for n in names]
    return with_conn(url, lambda conn: alerts.evaluate(conn, chosen, at))


def test_concurrency_sustained_over_the_threshold_pages_once_then_resolves(pg_db):
    _write(pg_db, _concurrency(T0, 12, 40), T0 + timedelta(minutes=12))
    first = _evaluate(pg_db, T0 + timedelta(minutes=12))
    again = _evaluate(pg_db, T0 + timedelta(minutes=12, seconds=30))

    _write(pg_db, _concurrency(T0 + timedelta(minutes=12), 12, 20), T0 + timedelta(minutes=24))
    resolved = _evaluate(pg_db, T0 + timedelta(minutes=24))

    assert [(t.rule.name, t.firing, t.value) for t in first] == [("concurrent_users", True, 40)]
    assert again == []
    assert [(t.firing, t.value) for t in resolved] == [(False, 20)]
    assert "Resolved" in resolved[0].message().title


def test_a_brief_spike_is_not_sustained_and_does_not_page(pg_db):
    samples = _concurrency(T0, 12, 20) + _concurrency(T0 + timedelta(minutes=6), 1, 90)
    _write(pg_db, samples, T0 + timedelta(minutes=12))

    assert _evaluate(pg_db, T0 + timedelta(minutes=12)) == []


def test_the_incident_state_survives_a_restart_so_nothing_pages_twice(pg_db):
    _write(pg_db, _concurrency(T0, 12, 40), T0 + timedelta(minutes=12))
    assert len(_evaluate(pg_db, T0 + timedelta(minutes=12))) == 1

    restarted_rules = alerts.rules(MonitoringSettings(max_concurrent_users=35))
    after = with_conn(
        pg_db,
        lambda conn: alerts.evaluate(
            conn,
            [r for r in restarted_rules if r.name == "concurrent_users"],
            T0 + timedelta(minutes=12, seconds=40),
        ),
    )

    assert after == []


def test_an_alert_that_comes_back_within_its_cooldown_does_not_page_again(pg_db):
    _write(pg_db, _concurrency(T0, 12, 40), T0 + timedelta(minutes=12))
    _evaluate(pg_db, T0 + timedelta(minutes=12))
    _write(pg_db, _concurrency(T0 + timedelta(minutes=12), 12, 20), T0 + timedelta(minutes=24))
    _evaluate(pg_db, T0 + timedelta(minutes=24))
    _write(pg_db, _concurrency(T0 + timedelta(minutes=24), 12, 45), T0 + timedelta(minutes=36))

    flapping = _evaluate(pg_db, T0 + timedelta(minutes=36))

    assert flapping == []


def test_slow_queries_and_a_low_cache_hit_rate_breach_their_rules(pg_db):
    minute = T0
    samples = []
    for m in range(15):
        at = minute + timedelta(minutes=m)
        samples.append(
            MetricSample(at, "hourglass_db_query_seconds", 10.0, {"query": "x"}, LATENCY_BUCKETS[5])
        )
        samples.append(MetricSample(at, "hourglass_db_query_seconds_sum", 1.5, {"query": "x"}))
        for result, count in (("hit", 6.0), ("miss", 4.0)):
            samples.append(
                MetricSample(
                    at,
                    "hourglass_cache_requests_total",
                    count,
                    {"cache": "c", "level": "memory", "result": result},
                )
            )
    _write(pg_db, samples, T0 + timedelta(minutes=15))

    fired = _evaluate(pg_db, T0 + timedelta(minutes=15), ("query_time", "cache_hit_rate"))

    assert {t.rule.name: round(t.value, 3) for t in fired} == {
        "query_time": 150.0,
        "cache_hit_rate": 0.6,
    }
    assert "150.0 ms" in fired[0].message().title or "60.0%" in fired[0].message().title


def test_without_data_a_rule_keeps_its_state_and_sends_nothing(pg_db):
    assert _evaluate(pg_db, T0, tuple(BY_NAME)) == []
