"""A performance summary of the bot over a window, from the metric rollups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hourglass.store import performance
from hourglass.store.executor import Executor
from hourglass.telemetry import percentile

COMMANDS = "hourglass_command_seconds"
ERRORS = "hourglass_command_errors_total"
QUERIES = "hourglass_db_query_seconds"
CACHE = "hourglass_cache_requests_total"
POOL_IN_USE = "hourglass_db_pool_in_use"
POOL_SIZE = "hourglass_db_pool_size"
GATEWAY_LATENCY = "hourglass_gateway_latency_seconds"
GATEWAY_EVENTS = "hourglass_gateway_events_total"
VOICE_MEMBERS = "hourglass_voice_members_concurrent"


@dataclass(frozen=True)
class Summary:
    """The bot's health over [lo, hi). None means no data for that figure."""

    lo: datetime
    hi: datetime
    commands: int
    p50: float | None
    p95: float | None
    p99: float | None
    errors: int
    query_ms: float | None
    queries: int
    cache_hit_rate: float | None
    cache_lookups: int
    pool_use: float | None
    gateway_latency_ms: float | None
    events_per_second: float | None
    voice_members_mean: float | None
    voice_members_peak: float | None

    @property
    def error_rate(self) -> float | None:
        """Failed commands as a share of all commands."""
        return self.errors / self.commands if self.commands else None


async def summarize(db: Executor, lo: datetime, hi: datetime) -> Summary:
    """Reads every figure of the summary for one window."""
    latency = await performance.histogram(db, COMMANDS, lo, hi)
    queries = await performance.histogram(db, QUERIES, lo, hi)
    query_count = sum(count for _, count in queries)
    query_seconds = await performance.total(db, f"{QUERIES}_sum", lo, hi)
    hits = await performance.total(db, CACHE, lo, hi, {"result": "hit"})
    misses = await performance.total(db, CACHE, lo, hi, {"result": "miss"})
    in_use, _ = await performance.gauge(db, POOL_IN_USE, lo, hi)
    size, _ = await performance.gauge(db, POOL_SIZE, lo, hi)
    gateway, _ = await performance.gauge(db, GATEWAY_LATENCY, lo, hi)
    events = await performance.total(db, GATEWAY_EVENTS, lo, hi)
    voice_mean, voice_peak = await performance.gauge(db, VOICE_MEMBERS, lo, hi)

    return Summary(
        lo=lo,
        hi=hi,
        commands=int(sum(count for _, count in latency)),
        p50=percentile(latency, 0.50),
        p95=percentile(latency, 0.95),
        p99=percentile(latency, 0.99),
        errors=int(await performance.total(db, ERRORS, lo, hi)),
        query_ms=query_seconds / query_count * 1000 if query_count else None,
        queries=int(query_count),
        cache_hit_rate=hits / (hits + misses) if hits + misses else None,
        cache_lookups=int(hits + misses),
        pool_use=in_use / size if in_use is not None and size else None,
        gateway_latency_ms=gateway * 1000 if gateway is not None else None,
        events_per_second=events / (hi - lo).total_seconds() if events else None,
        voice_members_mean=voice_mean,
        voice_members_peak=voice_peak,
    )


def describe(now: Summary, before: Summary | None = None) -> list[tuple[str, str]]:
    """The summary as (figure, text) pairs, each compared with the previous window."""
    rows = [
        ("Commands", _count(now.commands, before.commands if before else None)),
        (
            "Latency p50 / p95 / p99",
            " / ".join(_ms(v) for v in (now.p50, now.p95, now.p99))
            + _change(now.p95, before.p95 if before else None, lower_is_better=True),
        ),
        ("Error rate", _percent(now.error_rate)),
        (
            "Database time per query",
            _plain_ms(now.query_ms)
            + _change(now.query_ms, before.query_ms if before else None, lower_is_better=True),
        ),
        ("Cache hit rate", _percent(now.cache_hit_rate)),
        ("Pool use", _percent(now.pool_use)),
        ("Gateway latency", _plain_ms(now.gateway_latency_ms)),
        (
            "Events per second",
            "no data" if now.events_per_second is None else f"{now.events_per_second:.2f}",
        ),
        (
            "Voice members (mean / peak)",
            "no data"
            if now.voice_members_mean is None
            else f"{now.voice_members_mean:.1f} / {now.voice_members_peak or 0:.0f}",
        ),
    ]
    return rows


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "no data"
    return "> 10 s" if seconds == float("inf") else f"≤ {seconds * 1000:.0f} ms"


def _plain_ms(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f} ms"


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value * 100:.1f}%"


def _count(now: int, before: int | None) -> str:
    if not before:
        return f"{now:,}"
    return f"{now:,} ({(now - before) / before * 100:+.0f}% vs previous)"


def _change(now: float | None, before: float | None, *, lower_is_better: bool) -> str:
    if now is None or not before or now == float("inf") or before == float("inf"):
        return ""
    delta = (now - before) / before * 100
    better = delta < 0 if lower_is_better else delta > 0
    return f" ({delta:+.0f}%, {'better' if better else 'worse'})" if abs(delta) >= 1 else ""
