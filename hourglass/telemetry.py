"""The bot's own metrics: collected in process, exposed to Prometheus, stored as time series.

Instruments are prometheus-client objects in a registry of their own. A flusher reads the
registry every few seconds and turns what changed into rows of performance_metrics:
counters as increments, gauges as values, histograms as one row per fixed bucket holding
the count that landed in that bucket (not cumulative), so sums over any rollup window
keep percentiles exact to the bucket.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import Metric

from hourglass.store.records import MetricSample

log = logging.getLogger(__name__)

# Seconds; fixed so that buckets from different processes and days add up.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)


class Telemetry:
    """Every instrument of one process, and the state needed to flush increments."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.command_seconds = Histogram(
            "hourglass_command_seconds",
            "Slash command latency",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.command_errors = Counter(
            "hourglass_command_errors", "Failed commands", ["command", "error"], registry=r
        )
        self.query_seconds = Histogram(
            "hourglass_db_query_seconds",
            "Database query time by class",
            ["query"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.query_rows = Counter(
            "hourglass_db_rows", "Rows returned or written by query class", ["query"], registry=r
        )
        self.pool_wait_seconds = Histogram(
            "hourglass_db_pool_wait_seconds",
            "Time waiting for a pooled connection",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.pool_size = Gauge("hourglass_db_pool_size", "Connections in the pool", registry=r)
        self.pool_in_use = Gauge("hourglass_db_pool_in_use", "Connections in use", registry=r)
        self.pool_waiting = Gauge("hourglass_db_pool_waiting", "Acquires waiting", registry=r)
        self.cache_requests = Counter(
            "hourglass_cache_requests", "Cache lookups", ["cache", "level", "result"], registry=r
        )
        self.gateway_latency = Gauge(
            "hourglass_gateway_latency_seconds", "Heartbeat round trip", ["shard"], registry=r
        )
        self.gateway_events = Counter(
            "hourglass_gateway_events", "Gateway dispatches", ["type", "shard"], registry=r
        )
        self.gateway_reconnects = Counter(
            "hourglass_gateway_reconnects", "Gateway reconnects", ["shard"], registry=r
        )
        self.loop_lag = Gauge(
            "hourglass_event_loop_lag_seconds", "Event loop scheduling delay", registry=r
        )
        self.write_queue = Gauge(
            "hourglass_write_queue_depth", "Write operations waiting", registry=r
        )
        self.write_spool = Gauge(
            "hourglass_write_spool_batches", "Write batches spooled to disk", registry=r
        )
        self.memory = Gauge("hourglass_process_memory_bytes", "Resident memory", registry=r)
        self.voice_members = Gauge(
            "hourglass_voice_members_concurrent", "Members in tracked voice channels", registry=r
        )
        self.guild_voice_members = Gauge(
            "hourglass_guild_voice_members",
            "Members in tracked voice channels, per guild",
            ["guild"],
            registry=r,
        )
        self._last: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    @contextmanager
    def timed_command(self, command: str) -> Iterator[None]:
        """Times a command; an exception is counted by type and re-raised."""
        start = time.perf_counter()
        try:
            yield
        except Exception as exc:
            self.command_errors.labels(command, type(exc).__name__).inc()
            raise
        finally:
            self.command_seconds.labels(command).observe(time.perf_counter() - start)

    @contextmanager
    def timed_query(self, query: str) -> Iterator[None]:
        """Times one class of database query."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.query_seconds.labels(query).observe(time.perf_counter() - start)

    def drain(self, at: datetime) -> list[MetricSample]:
        """What changed since the previous drain, as rows for performance_metrics."""
        samples: list[MetricSample] = []
        for metric in self.registry.collect():
            samples.extend(self._rows(metric, at))
        return samples

    def _rows(self, metric: Metric, at: datetime) -> Iterator[MetricSample]:
        if metric.type == "histogram":
            yield from self._histogram_rows(metric, at)
            return
        for sample in metric.samples:
            if metric.type == "counter" and not sample.name.endswith("_total"):
                continue
            labels = dict(sample.labels)
            if metric.type == "gauge":
                yield MetricSample(at, sample.name, float(sample.value), labels)
                continue
            increment = self._increment(sample.name, labels, float(sample.value))
            if increment:
                yield MetricSample(at, sample.name, increment, labels)

    def _histogram_rows(self, metric: Metric, at: datetime) -> Iterator[MetricSample]:
        series: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
        for sample in metric.samples:
            if sample.name.endswith("_sum"):
                labels = dict(sample.labels)
                increment = self._increment(sample.name, labels, float(sample.value))
                if increment:
                    yield MetricSample(at, sample.name, increment, labels)
            if not sample.name.endswith("_bucket"):
                continue
            labels = {k: v for k, v in sample.labels.items() if k != "le"}
            key = tuple(sorted(labels.items()))
            series.setdefault(key, []).append((float(sample.labels["le"]), float(sample.value)))

        for key, buckets in series.items():
            previous_cumulative = 0.0
            for bound, cumulative in sorted(buckets):
                in_bucket = cumulative - previous_cumulative
                previous_cumulative = cumulative
                increment = self._increment(f"{metric.name}@{bound}", dict(key), in_bucket)
                if increment:
                    yield MetricSample(at, metric.name, increment, dict(key), bound)

    def _increment(self, name: str, labels: dict[str, str], value: float) -> float:
        key = (name, tuple(sorted(labels.items())))
        previous = self._last.get(key, 0.0)
        self._last[key] = value
        return value - previous if value >= previous else value


def percentile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """The q-quantile (0..1) from (upper bound, count) histogram buckets: the bucket bound.

    None when the histogram is empty.
    """
    total = sum(count for _, count in buckets)
    if total <= 0:
        return None
    rank, seen = q * total, 0.0
    for bound, count in sorted(buckets):
        seen += count
        if seen >= rank:
            return bound
    return sorted(buckets)[-1][0]
