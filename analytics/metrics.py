"""The bot's own metrics as tables: percentiles, rates, ratios, from the metrics rollups.

Metric names this module reads (docs/charts/README.md has the full list):

- command latency, histogram (seconds): ``hourglass_command_seconds``, or
  ``command_latency_seconds`` as the synthetic generator writes it;
- database query time, histogram (seconds): ``hourglass_db_query_seconds``;
- concurrent voice members, gauge: ``hourglass_voice_members_concurrent`` or
  ``voice_members_concurrent``;
- pool use, gauge (0..1): ``db_pool_in_use_ratio``, else ``hourglass_db_pool_in_use``
  divided by ``hourglass_db_pool_size``;
- cache lookups, counter: ``hourglass_cache_requests_total`` with label ``result``
  (``hit`` is a hit, anything else a miss);
- gateway events, counter: ``hourglass_gateway_events_total``.

A histogram is stored as one row per bucket holding the observations that fell in
(previous bound, le], not a cumulative count; counters are stored as increments, and a
rollup row's ``total`` is the sum over its window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import polars as pl

log = logging.getLogger(__name__)

LATENCY = ("hourglass_command_seconds", "command_latency_seconds")
QUERY_TIME = ("hourglass_db_query_seconds",)
CONCURRENT = ("hourglass_voice_members_concurrent", "voice_members_concurrent")
POOL_RATIO = ("db_pool_in_use_ratio",)
POOL_IN_USE = ("hourglass_db_pool_in_use",)
POOL_SIZE = ("hourglass_db_pool_size",)
CACHE_REQUESTS = ("hourglass_cache_requests_total",)
GATEWAY_EVENTS = ("hourglass_gateway_events_total",)


def _named(rows: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    return rows.filter(pl.col("name").is_in(list(names)))


def _every_seconds(every: str) -> float:
    units = {"m": 60, "h": 3600, "d": 86400}
    return float(int(every[:-1]) * units[every[-1]])


def histogram_percentiles(
    rows: pl.DataFrame,
    names: Sequence[str] = LATENCY,
    quantiles: Sequence[float] = (0.5, 0.95, 0.99),
    every: str = "1h",
) -> pl.DataFrame:
    """Quantiles of a histogram per time bucket; columns bucket, count, p50, p95, p99 (seconds).

    Inside the bucket that holds a quantile the value is interpolated linearly between the
    bucket's bounds, as Prometheus does; a quantile in the +Inf bucket is the last finite
    bound. Time buckets without observations are left out.
    """
    counts = _bucket_counts(rows, names, every)
    if counts.is_empty():
        schema: dict[str, pl.DataType] = {"bucket": pl.Datetime("us", "UTC"), "count": pl.Float64()}
        schema.update({_qname(q): pl.Float64() for q in quantiles})
        return pl.DataFrame(schema=schema)

    result = counts.group_by("bucket").agg(pl.col("count").sum().alias("count"))
    for q in quantiles:
        rank = pl.col("total") * q
        inside = (pl.col("cumulative") >= rank) & (pl.col("previous") < rank)
        share = (rank - pl.col("previous")) / pl.col("count")
        value = (
            pl.when(pl.col("le").is_infinite())
            .then(pl.col("lower"))
            .otherwise(pl.col("lower") + (pl.col("le") - pl.col("lower")) * share)
        )
        picked = counts.filter(inside).group_by("bucket").agg(value.first().alias(_qname(q)))
        result = result.join(picked, on="bucket", how="left")
    return result.filter(pl.col("count") > 0).sort("bucket")


def histogram_mean(rows: pl.DataFrame, names: Sequence[str], every: str = "1h") -> pl.DataFrame:
    """An estimate of the mean per time bucket from bucket counts; columns bucket, count, mean.

    Each observation counts at the middle of its bucket, and those in +Inf at the last
    finite bound; the stored rows keep no exact sums.
    """
    counts = _bucket_counts(rows, names, every)
    halfway = (pl.col("lower") + pl.col("le")) / 2
    middle = pl.when(pl.col("le").is_infinite()).then(pl.col("lower")).otherwise(halfway)

    means = counts.group_by("bucket").agg(
        pl.col("count").sum().alias("count"), (middle * pl.col("count")).sum().alias("weighted")
    )
    means = means.filter(pl.col("count") > 0)
    return means.select(
        "bucket", "count", (pl.col("weighted") / pl.col("count")).alias("mean")
    ).sort("bucket")


def _bucket_counts(rows: pl.DataFrame, names: Sequence[str], every: str) -> pl.DataFrame:
    hist = _named(rows, names).filter(pl.col("le").is_not_null())
    hist = hist.with_columns(pl.col("bucket").dt.truncate(every))
    per_bound = (
        hist.group_by("bucket", "le").agg(pl.col("total").sum().alias("count")).sort("bucket", "le")
    )

    return per_bound.with_columns(
        pl.col("count").cum_sum().over("bucket").alias("cumulative"),
        pl.col("count").sum().over("bucket").alias("total"),
        pl.col("le").shift(1).over("bucket").fill_null(0.0).alias("lower"),
    ).with_columns((pl.col("cumulative") - pl.col("count")).alias("previous"))


def _qname(q: float) -> str:
    return f"p{round(q * 100):d}"


def gauge(rows: pl.DataFrame, names: Sequence[str], every: str = "1h") -> pl.DataFrame:
    """A gauge per time bucket: columns bucket, mean, peak.

    Series with different labels (e.g. shards) are added together; the peak adds their
    maxima, so it is an upper bound when the series peak at different moments.
    """
    series = _named(rows, names).with_columns(pl.col("bucket").dt.truncate(every))
    per_series = series.group_by("bucket", "labels").agg(
        (pl.col("total").sum() / pl.col("samples").sum()).alias("mean"),
        pl.col("maximum").max().alias("peak"),
    )
    return (
        per_series.group_by("bucket").agg(pl.col("mean").sum(), pl.col("peak").sum()).sort("bucket")
    )


def counter_rate(rows: pl.DataFrame, names: Sequence[str], every: str = "1h") -> pl.DataFrame:
    """A counter's increments per second, averaged over each time bucket: bucket, per_second."""
    seconds = _every_seconds(every)
    series = _named(rows, names).with_columns(pl.col("bucket").dt.truncate(every))
    totals = series.group_by("bucket").agg((pl.col("total").sum() / seconds).alias("per_second"))
    return totals.sort("bucket")


def cache_hit_rate(rows: pl.DataFrame, every: str = "1h") -> pl.DataFrame:
    """Share of cache lookups that hit, per time bucket: bucket, requests, hit_rate (0..1)."""
    lookups = _named(rows, CACHE_REQUESTS).with_columns(
        pl.col("bucket").dt.truncate(every),
        (pl.col("labels").str.json_path_match("$.result") == "hit").fill_null(False).alias("hit"),
    )
    totals = lookups.group_by("bucket").agg(
        pl.col("total").sum().alias("requests"),
        pl.col("total").filter(pl.col("hit")).sum().alias("hits"),
    )
    totals = totals.filter(pl.col("requests") > 0)
    return totals.select(
        "bucket", "requests", (pl.col("hits") / pl.col("requests")).alias("hit_rate")
    ).sort("bucket")


def pool_use(rows: pl.DataFrame, every: str = "1h") -> pl.DataFrame:
    """Share of pool connections in use per time bucket: bucket, mean, peak (0..1)."""
    ratio = gauge(rows, POOL_RATIO, every)
    if not ratio.is_empty():
        return ratio

    in_use = gauge(rows, POOL_IN_USE, every)
    size = gauge(rows, POOL_SIZE, every).select("bucket", pl.col("mean").alias("size"))
    joined = in_use.join(size, on="bucket").filter(pl.col("size") > 0)
    return joined.select(
        "bucket", pl.col("mean") / pl.col("size"), pl.col("peak") / pl.col("size")
    ).sort("bucket")


def overall_mean(frame: pl.DataFrame, column: str, weight: str | None = None) -> float | None:
    """The mean of a column over a whole table (weighted when asked); None when empty."""
    if frame.is_empty():
        return None
    if weight is None:
        return float(frame[column].mean())  # type: ignore[arg-type]
    total = float(frame[weight].sum())
    return float((frame[column] * frame[weight]).sum()) / total if total else None
