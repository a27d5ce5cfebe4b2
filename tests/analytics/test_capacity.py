"""Peak load, the forecast and its back-test, and the recommendations."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from analytics import capacity
from analytics.data import METRIC_SCHEMA, POINT_SCHEMA, SESSION_SCHEMA, SLOT_SCHEMA
from analytics.errors import AnalyticsError

MONDAY = datetime(2026, 2, 2, tzinfo=UTC)


def sessions(*spans: tuple[datetime, datetime]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"guild_id": 1, "member_id": i, "started_at": a, "ended_at": b}
            for i, (a, b) in enumerate(spans)
        ],
        schema=SESSION_SCHEMA,
    )


def no_slots() -> pl.DataFrame:
    return pl.DataFrame(schema={**SLOT_SCHEMA, "guild_id": pl.Int64, "member_id": pl.Int64})


def test_the_hourly_peak_is_exact_even_without_a_change_inside_the_hour():
    h = lambda hours, minutes=0: MONDAY + timedelta(hours=hours, minutes=minutes)  # noqa: E731
    load = capacity.hourly_load(
        sessions((h(0, 10), h(3)), (h(0, 20), h(0, 40)), (h(0, 30), h(1, 30))),
        no_slots(),
        pl.DataFrame(schema=POINT_SCHEMA),
        MONDAY,
        MONDAY + timedelta(hours=4),
    )

    assert load["peak"].to_list() == [3.0, 2.0, 1.0, 0.0]
    assert load["events"].to_list() == [4, 1, 0, 1]


def test_a_session_that_started_before_the_range_counts_at_its_start():
    load = capacity.hourly_load(
        sessions((MONDAY - timedelta(hours=5), MONDAY + timedelta(hours=2, minutes=30))),
        no_slots(),
        pl.DataFrame(schema=POINT_SCHEMA),
        MONDAY,
        MONDAY + timedelta(hours=3),
    )

    assert load["peak"].to_list() == [1.0, 1.0, 1.0]


def weekly_pattern(weeks: int, growth: float = 0.0) -> pl.DataFrame:
    hours = [MONDAY + timedelta(hours=i) for i in range(weeks * 168)]
    peak = [
        10 + 8 * math.sin(i / 24 * 2 * math.pi) + (i // 168) * growth for i in range(len(hours))
    ]
    return pl.DataFrame(
        {
            "hour": hours,
            "peak": [round(p) * 1.0 for p in peak],
            "mean": [p * 0.7 for p in peak],
            "events": [10] * len(hours),
            "events_per_second": [p / 3600 for p in peak],
        },
        schema_overrides={"hour": pl.Datetime("us", "UTC")},
    )


def test_a_perfectly_weekly_load_is_forecast_without_error():
    prediction = capacity.forecast_next_week(weekly_pattern(6))

    assert prediction.week_start == MONDAY + timedelta(weeks=6)
    assert prediction.error_of()["mae_peak"] == 0
    assert prediction.hourly.height == 168
    assert prediction.peak_concurrency == 18.0
    assert set(prediction.backtest["week"].to_list()) == {
        MONDAY + timedelta(weeks=w) for w in (3, 4, 5)
    }


def test_growth_favours_the_trend_model_and_reports_its_error():
    prediction = capacity.forecast_next_week(weekly_pattern(8, growth=2.0))

    naive_error = prediction.error_of("seasonal naive (last week)")["mae_peak"]
    mean_error = prediction.error_of("seasonal mean (3 weeks)")["mae_peak"]
    assert naive_error < mean_error
    assert prediction.error_of()["mae_peak"] <= naive_error
    assert prediction.peak_concurrency >= 18 + 2 * 7


def test_a_forecast_needs_two_whole_weeks():
    with pytest.raises(AnalyticsError, match="two whole weeks"):
        capacity.forecast_next_week(weekly_pattern(1))


def metric_rows(items: list[tuple[str, dict, float | None, float, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "bucket": MONDAY,
                "name": n,
                "labels": json.dumps(lab),
                "le": le,
                "samples": s,
                "total": t,
                "minimum": 0.0,
                "maximum": m,
            }
            for n, lab, le, t, s, m in items
        ],
        schema=METRIC_SCHEMA,
    )


def test_every_threshold_crossed_asks_for_action():
    rows = metric_rows(
        [
            ("hourglass_cache_requests_total", {"result": "hit"}, None, 50.0, 1, 50.0),
            ("hourglass_cache_requests_total", {"result": "miss"}, None, 50.0, 1, 50.0),
            ("hourglass_db_query_seconds", {"query": "board"}, 0.25, 10.0, 1, 10.0),
            ("hourglass_db_query_seconds", {"query": "board"}, 0.5, 10.0, 1, 10.0),
            ("db_pool_in_use_ratio", {}, None, 54.0, 60, 1.0),
        ]
    )
    busy = weekly_pattern(4, growth=0.0).with_columns(pl.col("mean") * 4)

    advice = capacity.recommend(capacity.forecast_next_week(busy), rows, today=date(2026, 3, 2))

    assert [a.status for a in advice] == ["act"] * 4
    assert advice[1].observed == pytest.approx(0.5)
    assert advice[2].observed == pytest.approx((10 * 0.125 + 10 * 0.375) / 20)
    assert advice[3].observed == pytest.approx(0.9)
    assert all(a.by == date(2026, 3, 2) for a in advice)
    assert "HOURGLASS_POOL_SIZE" in advice[3].action


def test_a_rising_load_below_the_limit_is_watched_with_a_date():
    rising = weekly_pattern(6, growth=2.0).with_columns(pl.col("mean") * 1.0)

    advice = capacity.recommend(
        capacity.forecast_next_week(rising), metric_rows([]), today=date(2026, 3, 16)
    )

    assert advice[0].status == "watch"
    assert advice[0].by is not None and advice[0].by > date(2026, 3, 16)


def test_missing_data_is_said_not_guessed():
    advice = capacity.recommend(None, metric_rows([]))

    assert [a.status for a in advice] == ["no data"] * 4
    assert "hourglass_cache_requests_total" in advice[1].sentence()
