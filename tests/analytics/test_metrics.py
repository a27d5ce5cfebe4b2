"""Percentiles, means, rates and ratios from hand-made metric rows."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from analytics import metrics
from analytics.data import METRIC_SCHEMA

T0 = datetime(2026, 3, 9, 10, tzinfo=UTC)


def rows(*items: tuple) -> pl.DataFrame:
    """(minutes after T0, name, labels, le, total, samples, maximum) as rollup rows."""
    return pl.DataFrame(
        [
            {
                "bucket": T0 + timedelta(minutes=minute),
                "name": name,
                "labels": json.dumps(labels),
                "le": le,
                "samples": samples,
                "total": total,
                "minimum": 0.0,
                "maximum": maximum,
            }
            for minute, name, labels, le, total, samples, maximum in items
        ],
        schema=METRIC_SCHEMA,
    )


def histogram(counts: dict[float, float], minute: int = 0, name: str = "hourglass_command_seconds"):
    return [(minute, name, {"command": "stats"}, le, n, 1, n) for le, n in counts.items()]


def test_percentiles_interpolate_inside_the_bucket_that_holds_them():
    table = metrics.histogram_percentiles(
        rows(*histogram({0.1: 50, 0.5: 40, 1.0: 10, math.inf: 0}))
    )

    assert table["count"].item() == 100
    assert table["p50"].item() == pytest.approx(0.1)
    assert table["p95"].item() == pytest.approx(0.75)
    assert table["p99"].item() == pytest.approx(0.95)


def test_a_percentile_in_the_open_bucket_is_the_last_finite_bound():
    table = metrics.histogram_percentiles(rows(*histogram({0.1: 1, 0.5: 0, math.inf: 9})))

    assert table["p50"].item() == 0.5


def test_minutes_of_one_hour_add_up_before_the_percentile():
    table = metrics.histogram_percentiles(
        rows(*histogram({0.1: 10, 1.0: 0}, 0), *histogram({0.1: 0, 1.0: 10}, 30))
    )

    assert table.height == 1
    assert table["p50"].item() == pytest.approx(0.1)
    assert table["p95"].item() == pytest.approx(0.1 + 0.9 * 0.9)


def test_the_mean_counts_each_observation_at_its_bucket_middle():
    table = metrics.histogram_mean(
        rows(*histogram({0.1: 2, 0.3: 2, math.inf: 1}, name="hourglass_db_query_seconds")),
        metrics.QUERY_TIME,
    )

    assert table["mean"].item() == pytest.approx((2 * 0.05 + 2 * 0.2 + 0.3) / 5)


def test_gauges_average_over_samples_and_add_up_label_series():
    table = metrics.gauge(
        rows(
            (0, "voice_members_concurrent", {"shard": "0"}, None, 600.0, 60, 12.0),
            (0, "voice_members_concurrent", {"shard": "1"}, None, 300.0, 60, 8.0),
        ),
        metrics.CONCURRENT,
    )

    assert table.rows() == [(T0, 15.0, 20.0)]


def test_cache_hit_rate_is_hits_over_lookups():
    table = metrics.cache_hit_rate(
        rows(
            (
                0,
                "hourglass_cache_requests_total",
                {"cache": "board", "result": "hit"},
                None,
                30.0,
                1,
                30.0,
            ),
            (
                5,
                "hourglass_cache_requests_total",
                {"cache": "board", "result": "miss"},
                None,
                10.0,
                1,
                10.0,
            ),
        )
    )

    assert table["requests"].item() == 40
    assert table["hit_rate"].item() == pytest.approx(0.75)


def test_pool_use_falls_back_to_in_use_over_size():
    table = metrics.pool_use(
        rows(
            (0, "hourglass_db_pool_in_use", {}, None, 8.0, 2, 6.0),
            (0, "hourglass_db_pool_size", {}, None, 20.0, 2, 10.0),
        )
    )

    assert table["mean"].item() == pytest.approx(0.4)
    assert table["peak"].item() == pytest.approx(0.6)


def test_counter_rates_are_per_second_over_the_bucket():
    table = metrics.counter_rate(
        rows((0, "hourglass_gateway_events_total", {"type": "VOICE"}, None, 7200.0, 1, 7200.0)),
        metrics.GATEWAY_EVENTS,
    )

    assert table["per_second"].item() == pytest.approx(2.0)


def test_no_rows_give_empty_tables_not_errors():
    empty = rows()

    assert metrics.histogram_percentiles(empty).is_empty()
    assert metrics.cache_hit_rate(empty).is_empty()
    assert metrics.pool_use(empty).is_empty()
    assert metrics.overall_mean(metrics.gauge(empty, metrics.CONCURRENT), "mean") is None
