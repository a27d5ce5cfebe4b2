"""Peak load, a forecast of next week's peak, and what to change before the limits are hit.

Load is measured from the study data itself, which reaches back as far as the history:

- concurrency: members in voice at once. The peak of an hour is exact, swept from the
  sessions' start and end moments; the mean of an hour is voice seconds / 3600 from the
  15-minute rollup.
- events: what the bot handles per second: a join and a leave per session plus every
  point event (points_15m.events).

The forecast is chosen by back-testing: each candidate model predicts each held-back
week from the weeks before it, and the one with the smaller mean absolute error of the
hourly peak wins. Recommendations compare the forecast and the recorded metrics with the
scaling thresholds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import polars as pl

from analytics import metrics
from analytics.errors import AnalyticsError
from analytics.scalars import number

log = logging.getLogger(__name__)

HOURS_PER_WEEK = 168
LOAD_COLUMNS = ("peak", "mean", "events_per_second")


@dataclass(frozen=True)
class Thresholds:
    """The scaling thresholds; above (or, for the cache, below) them something must change."""

    sustained_concurrent: float = 35.0
    cache_hit_rate: float = 0.70
    query_seconds: float = 0.100
    pool_use: float = 0.80


def hourly_load(
    sessions: pl.DataFrame, slots: pl.DataFrame, points: pl.DataFrame, lo: datetime, hi: datetime
) -> pl.DataFrame:
    """Load per UTC hour in [lo, hi): hour, peak, mean, events, events_per_second.

    sessions should include those that started up to a day before lo, so that sessions
    running across lo are counted.
    """
    hours = pl.datetime_range(lo, hi - timedelta(hours=1), "1h", eager=True, time_zone="UTC")
    grid = pl.DataFrame({"hour": hours.dt.cast_time_unit("us")})

    changes = pl.concat(
        [
            sessions.select(pl.col("started_at").alias("at"), pl.lit(1).alias("delta")),
            sessions.select(pl.col("ended_at").alias("at"), pl.lit(-1).alias("delta")),
        ]
    ).sort("at", "delta")
    changes = changes.with_columns(pl.col("delta").cum_sum().alias("level"))

    at_start = grid.join_asof(changes.select("at", "level"), left_on="hour", right_on="at")
    at_start = at_start.select("hour", pl.col("level").fill_null(0).alias("start_level"))
    inside = changes.group_by(pl.col("at").dt.truncate("1h").alias("hour")).agg(
        pl.col("level").max().alias("inside_peak"), pl.len().alias("voice_events")
    )

    voice = slots.group_by(pl.col("bucket").dt.truncate("1h").alias("hour")).agg(
        (pl.col("seconds").sum() / 3600).alias("mean")
    )
    awarded = points.group_by(pl.col("bucket").dt.truncate("1h").alias("hour")).agg(
        pl.col("events").sum().alias("point_events")
    )

    load = at_start.join(inside, on="hour", how="left").join(voice, on="hour", how="left")
    load = load.join(awarded, on="hour", how="left").fill_null(0)
    events = pl.col("voice_events") + pl.col("point_events")
    return load.select(
        "hour",
        pl.max_horizontal("start_level", "inside_peak").cast(pl.Float64).alias("peak"),
        pl.col("mean").cast(pl.Float64),
        events.cast(pl.Int64).alias("events"),
        (events / 3600).alias("events_per_second"),
    ).sort("hour")


def week_profile(load: pl.DataFrame) -> pl.DataFrame:
    """The load by hour of the week (UTC, 0 = Monday 00:00): median and highest across weeks.

    Columns: hour_of_week, weekday, hour, peak_median, peak_max, mean_median,
    events_per_second_median, events_per_second_max, weeks.
    """
    keyed = load.with_columns(_hour_of_week(pl.col("hour")).alias("hour_of_week"))
    profile = keyed.group_by("hour_of_week").agg(
        pl.col("peak").median().alias("peak_median"),
        pl.col("peak").max().alias("peak_max"),
        pl.col("mean").median().alias("mean_median"),
        pl.col("events_per_second").median().alias("events_per_second_median"),
        pl.col("events_per_second").max().alias("events_per_second_max"),
        pl.len().alias("weeks"),
    )
    return profile.with_columns(
        (pl.col("hour_of_week") // 24).cast(pl.Int8).alias("weekday"),
        (pl.col("hour_of_week") % 24).cast(pl.Int8).alias("hour"),
    ).sort("hour_of_week")


def _hour_of_week(moment: pl.Expr) -> pl.Expr:
    weekday = moment.dt.weekday().cast(pl.Int32) - 1
    return weekday * 24 + moment.dt.hour().cast(pl.Int32)


# ---------------------------------------------------------------------------------------
# Forecasting


def _seasonal_naive(history: pl.DataFrame) -> pl.DataFrame:
    """Next week repeats the last whole week, hour by hour."""
    return (
        _last_weeks(history, 1).group_by("hour_of_week").agg(pl.col(c).mean() for c in LOAD_COLUMNS)
    )


def _seasonal_mean(history: pl.DataFrame) -> pl.DataFrame:
    """Next week is the mean of the last three weeks at the same hour of the week."""
    return (
        _last_weeks(history, 3).group_by("hour_of_week").agg(pl.col(c).mean() for c in LOAD_COLUMNS)
    )


def _seasonal_max(history: pl.DataFrame) -> pl.DataFrame:
    """Next week is the highest of the last three weeks at the same hour: a cautious bound."""
    return (
        _last_weeks(history, 3).group_by("hour_of_week").agg(pl.col(c).max() for c in LOAD_COLUMNS)
    )


def _seasonal_trend(history: pl.DataFrame) -> pl.DataFrame:
    """The three-week seasonal mean, scaled by last week's level over the three-week level."""
    recent = _last_weeks(history, 3)
    base = recent.group_by("hour_of_week").agg(pl.col(c).mean() for c in LOAD_COLUMNS)
    last = _last_weeks(history, 1)

    scaled = []
    for column in LOAD_COLUMNS:
        overall = number(recent[column].mean())
        growth = number(last[column].mean()) / overall if overall else 1.0
        scaled.append((pl.col(column) * min(max(growth, 0.5), 2.0)).alias(column))
    return base.with_columns(scaled)


MODELS: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
    "seasonal naive (last week)": _seasonal_naive,
    "seasonal mean (3 weeks)": _seasonal_mean,
    "seasonal mean with trend": _seasonal_trend,
    "seasonal maximum (3 weeks)": _seasonal_max,
}


def _last_weeks(history: pl.DataFrame, weeks: int) -> pl.DataFrame:
    starts = history["week"].unique().sort().tail(weeks)
    return history.filter(pl.col("week").is_in(starts.implode()))


@dataclass(frozen=True)
class Forecast:
    """Next week's expected load, the models that made it and how they did on held-back weeks.

    The hourly shape comes from the model with the smallest hourly error (`model`); the
    weekly peaks from the one whose weekly peak was closest (`peak_model`), since a mean
    of several weeks smooths the peaks away.
    """

    model: str
    peak_model: str
    week_start: datetime
    hourly: pl.DataFrame
    peak_concurrency: float
    peak_sustained: float
    peak_events_per_second: float
    backtest: pl.DataFrame
    weekly_peaks: pl.DataFrame = field(repr=False)

    def error_of(self, model: str | None = None) -> dict[str, float]:
        """Mean back-test errors of a model (default: the chosen one)."""
        rows = self.backtest.filter(pl.col("model") == (model or self.model))
        return {
            "mae_peak": number(rows["mae_peak"].mean()),
            "weekly_peak_error_pct": number(rows["weekly_peak_error_pct"].mean()),
            "mae_events_per_second": number(rows["mae_events_per_second"].mean()),
        }


def whole_weeks(load: pl.DataFrame) -> pl.DataFrame:
    """The hourly load of whole UTC weeks only (Monday to Sunday), with week and hour_of_week."""
    keyed = load.with_columns(
        pl.col("hour").dt.truncate("1w").alias("week"),
        _hour_of_week(pl.col("hour")).alias("hour_of_week"),
    )
    full = (
        keyed.group_by("week")
        .agg(pl.len().alias("hours"))
        .filter(pl.col("hours") == HOURS_PER_WEEK)
    )
    return keyed.join(full.select("week"), on="week").sort("hour")


def forecast_next_week(load: pl.DataFrame, held_back: int = 3) -> Forecast:
    """Forecasts the week after the last whole week in load; back-tests on held-back weeks.

    Needs at least held_back + 1 whole weeks (AnalyticsError otherwise); with fewer
    held-back weeks available it uses as many as there are, down to one.
    """
    weeks = whole_weeks(load)
    starts = weeks["week"].unique().sort().to_list()
    if len(starts) < 2:
        raise AnalyticsError(
            f"a forecast needs at least two whole weeks of history; there are {len(starts)}"
        )

    tests = starts[-min(held_back, len(starts) - 1) :]
    backtest = _backtest(weeks, tests)
    scores = backtest.group_by("model").agg(pl.col("mae_peak", "weekly_peak_error_pct").mean())
    model = str(scores.sort("mae_peak", "model")["model"][0])
    peak_model = str(scores.sort("weekly_peak_error_pct", "model")["model"][0])

    next_start = starts[-1] + timedelta(days=7)
    moments = _dated(MODELS[model](weeks), next_start)
    peaks = MODELS[peak_model](weeks)
    log.info(
        "capacity forecast: models %s and %s over %s held-back weeks", model, peak_model, len(tests)
    )

    weekly = weeks.group_by("week").agg(
        pl.col("peak").max(), pl.col("mean").max(), pl.col("events_per_second").max()
    )
    return Forecast(
        model=model,
        peak_model=peak_model,
        week_start=next_start,
        hourly=moments.select("hour", "hour_of_week", *LOAD_COLUMNS),
        peak_concurrency=number(peaks["peak"].max()),
        peak_sustained=number(peaks["mean"].max()),
        peak_events_per_second=number(peaks["events_per_second"].max()),
        backtest=backtest,
        weekly_peaks=weekly.sort("week"),
    )


def _dated(hourly: pl.DataFrame, week_start: datetime) -> pl.DataFrame:
    offset = pl.duration(hours=pl.col("hour_of_week"))
    return hourly.with_columns((pl.lit(week_start) + offset).alias("hour")).sort("hour")


def _backtest(weeks: pl.DataFrame, tests: list[datetime]) -> pl.DataFrame:
    rows = []
    for test in tests:
        history = weeks.filter(pl.col("week") < test)
        actual = weeks.filter(pl.col("week") == test)
        for name, model in MODELS.items():
            predicted = model(history)
            both = actual.join(predicted, on="hour_of_week", suffix="_forecast")
            actual_peak = number(actual["peak"].max())
            error_pct = (
                abs(number(both["peak_forecast"].max()) - actual_peak) / actual_peak * 100
                if actual_peak
                else 0.0
            )
            rows.append(
                {
                    "model": name,
                    "week": test,
                    "mae_peak": number((both["peak"] - both["peak_forecast"]).abs().mean()),
                    "weekly_peak_error_pct": error_pct,
                    "mae_events_per_second": number(
                        (both["events_per_second"] - both["events_per_second_forecast"])
                        .abs()
                        .mean()
                    ),
                }
            )
    return pl.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# Recommendations


@dataclass(frozen=True)
class Recommendation:
    """One threshold check: what was seen, what is expected, and what to do by when."""

    check: str
    status: str  # "ok", "watch", "act" or "no data"
    observed: float | None
    expected: float | None
    threshold: float
    unit: str
    action: str
    by: date | None

    def sentence(self) -> str:
        """The recommendation as one line for a report."""
        seen = "no data" if self.observed is None else f"{self.observed:.3g} {self.unit}"
        expected = "" if self.expected is None else f", next week {self.expected:.3g} {self.unit}"
        when = f" by {self.by:%a %d %b %Y}" if self.by else ""
        limit = f"threshold {self.threshold:g} {self.unit}"
        return f"[{self.status}] {self.check}: {seen}{expected} ({limit}). {self.action}{when}"


def recommend(
    forecast: Forecast | None,
    metric_rows: pl.DataFrame,
    thresholds: Thresholds | None = None,
    today: date | None = None,
) -> list[Recommendation]:
    """Checks the forecast and the recorded metrics against the scaling thresholds."""
    limits = thresholds or Thresholds()
    today = today or datetime.now(UTC).date()
    return [
        _concurrency(forecast, metric_rows, limits, today),
        _cache(metric_rows, limits, today),
        _query_time(metric_rows, limits, today),
        _pool(metric_rows, limits, today),
    ]


def _concurrency(
    forecast: Forecast | None, rows: pl.DataFrame, limits: Thresholds, today: date
) -> Recommendation:
    action_high = (
        "Move the database off the embedded server to a dedicated PostgreSQL or TimescaleDB, "
        "raise HOURGLASS_POOL_SIZE and point ANALYTICS_DATABASE_URL at a read replica"
    )
    if forecast is None:
        return Recommendation(
            "sustained concurrent members",
            "no data",
            None,
            None,
            limits.sustained_concurrent,
            "members",
            "Collect at least two whole weeks of voice sessions for a forecast.",
            None,
        )

    # The voice gauge, when the bot records it, sees members the study data may not.
    gauge = metrics.gauge(rows, metrics.CONCURRENT, "1h")
    recorded = number(gauge["mean"].max()) if not gauge.is_empty() else 0.0
    observed = max(number(forecast.weekly_peaks["mean"].tail(1).item()), recorded)
    expected = max(forecast.peak_sustained, recorded)
    crossing = _crossing(forecast.weekly_peaks, "mean", limits.sustained_concurrent)
    status, by = _judge(observed, expected, limits.sustained_concurrent, crossing, forecast, today)
    action = action_high if status != "ok" else "Nothing to change; the next check is weekly."
    return Recommendation(
        "sustained concurrent members (busiest hour's mean)",
        status,
        observed,
        expected,
        limits.sustained_concurrent,
        "members",
        action,
        by,
    )


def _judge(
    observed: float,
    expected: float,
    limit: float,
    crossing: date | None,
    forecast: Forecast,
    today: date,
) -> tuple[str, date | None]:
    if observed > limit:
        return "act", today
    if expected > limit:
        return "act", forecast.week_start.date()
    if crossing is not None and crossing <= today + timedelta(days=90):
        return "watch", crossing
    return "ok", None


def _crossing(weekly: pl.DataFrame, column: str, limit: float) -> date | None:
    """When a straight line through the weekly maxima reaches the limit, if it rises."""
    if len(weekly) < 3:
        return None
    xs = [(w - weekly["week"][0]).days / 7 for w in weekly["week"].to_list()]
    ys = weekly[column].to_list()
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    if slope <= 0:
        return None
    weeks_needed = (limit - (mean_y - slope * mean_x)) / slope
    moment: datetime = weekly["week"][0] + timedelta(weeks=max(weeks_needed, 0))
    return moment.date()


def _cache(rows: pl.DataFrame, limits: Thresholds, today: date) -> Recommendation:
    rates = metrics.cache_hit_rate(rows, "1d")
    observed = metrics.overall_mean(rates, "hit_rate", weight="requests")
    if observed is None:
        return _no_metric("cache hit rate", limits.cache_hit_rate, "share", metrics.CACHE_REQUESTS)

    low = observed < limits.cache_hit_rate
    return Recommendation(
        "cache hit rate",
        "act" if low else "ok",
        observed,
        None,
        limits.cache_hit_rate,
        "share",
        "Give the cache more room or a longer time-to-live for leaderboards and stats, and "
        "check which cache level misses (labels cache and level)"
        if low
        else "Nothing to change.",
        today if low else None,
    )


def _query_time(rows: pl.DataFrame, limits: Thresholds, today: date) -> Recommendation:
    means = metrics.histogram_mean(rows, metrics.QUERY_TIME, "1d")
    observed = metrics.overall_mean(means, "mean", weight="count")
    if observed is None:
        return _no_metric("average query time", limits.query_seconds, "s", metrics.QUERY_TIME)

    slow = observed > limits.query_seconds
    return Recommendation(
        "average query time",
        "act" if slow else "ok",
        observed,
        None,
        limits.query_seconds,
        "s",
        "Find the slowest query classes (label query), run hourglass maintain more often so "
        "reads hit materialized rollups, and move analytics to a read replica"
        if slow
        else "Nothing to change.",
        today if slow else None,
    )


def _pool(rows: pl.DataFrame, limits: Thresholds, today: date) -> Recommendation:
    use = metrics.pool_use(rows, "1h")
    if use.is_empty():
        return _no_metric("pool use", limits.pool_use, "share", metrics.POOL_RATIO)

    observed = number(use["mean"].max())
    busy = observed > limits.pool_use
    return Recommendation(
        "pool use (busiest hour's mean)",
        "act" if busy else "ok",
        observed,
        None,
        limits.pool_use,
        "share",
        "Raise HOURGLASS_POOL_SIZE (and the server's max_connections to match)"
        if busy
        else "Nothing to change.",
        today if busy else None,
    )


def _no_metric(check: str, limit: float, unit: str, names: tuple[str, ...]) -> Recommendation:
    return Recommendation(
        check,
        "no data",
        None,
        None,
        limit,
        unit,
        f"No {names[0]} samples were recorded; the bot's telemetry writes them.",
        None,
    )
