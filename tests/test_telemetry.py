"""In-process metrics: what a flush writes, and percentiles from stored buckets."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from hourglass.telemetry import Telemetry, percentile

AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def _by_name(samples, name):
    return [s for s in samples if s.name == name]


def test_a_drain_writes_histogram_buckets_as_counts_per_bucket_not_cumulative():
    t = Telemetry()
    for seconds in (0.004, 0.02, 0.02, 0.3, 20):
        t.command_seconds.labels("stats").observe(seconds)

    rows = _by_name(t.drain(AT), "hourglass_command_seconds")

    assert {(r.le, r.value) for r in rows} == {
        (0.005, 1.0),
        (0.025, 2.0),
        (0.5, 1.0),
        (math.inf, 1.0),
    }
    assert all(r.labels == {"command": "stats"} for r in rows)


def test_a_second_drain_writes_only_what_happened_since_the_first():
    t = Telemetry()
    t.cache_requests.labels("stats", "memory", "hit").inc(3)
    t.drain(AT)
    t.cache_requests.labels("stats", "memory", "hit").inc(2)

    rows = _by_name(t.drain(AT), "hourglass_cache_requests_total")
    nothing = _by_name(t.drain(AT), "hourglass_cache_requests_total")

    assert [r.value for r in rows] == [2.0]
    assert nothing == []


def test_gauges_are_written_as_their_current_value_every_time():
    t = Telemetry()
    t.pool_in_use.set(4)

    assert [r.value for r in _by_name(t.drain(AT), "hourglass_db_pool_in_use")] == [4.0]
    assert [r.value for r in _by_name(t.drain(AT), "hourglass_db_pool_in_use")] == [4.0]


def test_a_failing_command_is_timed_and_counted_by_error_type():
    t = Telemetry()
    with pytest.raises(KeyError), t.timed_command("task add"):
        raise KeyError("x")

    samples = t.drain(AT)
    errors = _by_name(samples, "hourglass_command_errors_total")
    assert [(r.labels, r.value) for r in errors] == [
        ({"command": "task add", "error": "KeyError"}, 1.0)
    ]
    assert sum(r.value for r in _by_name(samples, "hourglass_command_seconds")) == 1


def test_percentiles_come_from_the_bucket_bounds():
    buckets = [(0.05, 50.0), (0.1, 40.0), (0.5, 9.0), (math.inf, 1.0)]

    assert percentile(buckets, 0.5) == 0.05
    assert percentile(buckets, 0.9) == 0.1
    assert percentile(buckets, 0.99) == 0.5
    assert percentile([], 0.5) is None
