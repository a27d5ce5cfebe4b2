"""Alert rules over the metric rollups, and the state machine that pages once per incident.

A rule looks at a trailing window (its duration) and says whether the window breaches its
threshold. An incident starts when a rule breaches while its state is ok: one alert goes
out (unless the same rule resolved less than its cooldown ago, which is flapping, not a
new incident). It ends when a later evaluation no longer breaches: a resolution goes out.
States live in the database, so a restart neither repeats nor forgets an incident.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hourglass.monitoring import summary as names
from hourglass.monitoring.delivery import Message
from hourglass.settings import MonitoringSettings
from hourglass.store import alerts, performance
from hourglass.store.alerts import AlertState
from hourglass.store.executor import Executor
from hourglass.telemetry import percentile

log = logging.getLogger(__name__)

SCOPE = "deployment"

Measure = Callable[[Executor, datetime, datetime], Awaitable[float | None]]


@dataclass(frozen=True)
class Rule:
    """One alert rule: what it measures, over how long, and when it breaches."""

    name: str
    title: str
    severity: str
    duration: timedelta
    cooldown: timedelta
    measure: Measure
    threshold: float
    above: bool
    unit: str
    advice: str
    scope: str = SCOPE

    def breached(self, value: float) -> bool:
        """Whether a measured value breaks the threshold."""
        return value > self.threshold if self.above else value < self.threshold

    def show(self, value: float) -> str:
        """A value in the rule's unit."""
        if self.unit == "%":
            return f"{value * 100:.1f}%"
        if self.unit == "x":
            return f"{value:.2f}x"
        return f"{value:.1f}{self.unit}"


@dataclass(frozen=True)
class Transition:
    """A change of state that must be told: an alert or a resolution."""

    rule: Rule
    value: float
    firing: bool
    at: datetime

    def message(self) -> Message:
        """What the alert or resolution says."""
        shown, limit = self.rule.show(self.value), self.rule.show(self.rule.threshold)
        if self.firing:
            comparison = "above" if self.rule.above else "below"
            return Message(
                f"{self.rule.title}: {shown}",
                f"{self.rule.title} has been {comparison} {limit} for "
                f"{_minutes(self.rule.duration)}. {self.rule.advice}",
                self.rule.severity,
                [("Now", shown), ("Threshold", limit), ("Rule", self.rule.name)],
                self.at,
            )
        return Message(
            f"Resolved: {self.rule.title}",
            f"{self.rule.title} is back within {limit} (now {shown}).",
            "resolved",
            [("Now", shown), ("Rule", self.rule.name)],
            self.at,
        )


def rules(settings: MonitoringSettings) -> list[Rule]:
    """The deployment's rules, with thresholds from the settings."""
    return [
        Rule(
            "concurrent_users",
            "Concurrent voice members",
            "warning",
            timedelta(minutes=10),
            timedelta(hours=1),
            _sustained_minimum(names.VOICE_MEMBERS),
            settings.max_concurrent_users,
            True,
            "",
            "Plan for a second shard process and a read replica for analytics.",
        ),
        Rule(
            "cache_hit_rate",
            "Cache hit rate",
            "warning",
            timedelta(minutes=15),
            timedelta(hours=1),
            _cache_hit_rate,
            settings.min_cache_hit_rate,
            False,
            "%",
            "Check cache sizes and expiry, or move the cache to Redis shared by all shards.",
        ),
        Rule(
            "query_time",
            "Average query time",
            "critical",
            timedelta(minutes=10),
            timedelta(hours=1),
            _average_query_ms,
            settings.max_query_ms,
            True,
            " ms",
            "Look at /performance top queries and missing indexes; refresh rollups.",
        ),
        Rule(
            "pool_use",
            "Connection pool use",
            "warning",
            timedelta(minutes=5),
            timedelta(hours=1),
            _sustained_pool_use,
            settings.max_pool_use,
            True,
            "%",
            "Raise HOURGLASS_POOL_SIZE or move reads to a replica.",
        ),
        Rule(
            "error_rate",
            "Command error rate",
            "critical",
            timedelta(minutes=15),
            timedelta(hours=1),
            _error_rate,
            settings.max_error_rate,
            True,
            "%",
            "Read the bot's log for the failing command.",
        ),
        Rule(
            "p95_regression",
            "Command p95 latency regression",
            "warning",
            timedelta(minutes=30),
            timedelta(hours=6),
            _p95_regression,
            settings.p95_regression_factor,
            True,
            "x",
            "Compare with the previous day in /performance; a deploy or a slow query is likely.",
        ),
    ]


def guild_rule(guild_id: int, threshold: float) -> Rule:
    """A guild's own rule: its concurrent voice members, sustained over its threshold."""
    return Rule(
        "guild_concurrent_members",
        "Members studying at once in this server",
        "info",
        timedelta(minutes=10),
        timedelta(hours=1),
        _sustained_minimum("hourglass_guild_voice_members", {"guild": str(guild_id)}),
        threshold,
        True,
        "",
        "A busy evening: consider opening more study rooms.",
        scope=f"guild:{guild_id}",
    )


async def evaluate(db: Executor, rule_set: list[Rule], now: datetime) -> list[Transition]:
    """Evaluates every rule at a moment, stores states and returns what must be told."""
    told: list[Transition] = []
    for rule in rule_set:
        value = await rule.measure(db, now - rule.duration, now)
        if value is None:
            continue  # no data: the state stays as it was
        transition = await _advance(db, rule, value, now)
        if transition is not None:
            told.append(transition)
    return told


async def _advance(db: Executor, rule: Rule, value: float, now: datetime) -> Transition | None:
    current = await alerts.state(db, rule.name, rule.scope)
    breached = rule.breached(value)
    firing = current is not None and current.state == "firing"

    if breached and not firing:
        flapping = (
            current is not None
            and current.last_notified_at is not None
            and now - current.since < rule.cooldown
        )
        notified = current.last_notified_at if flapping and current else now
        await alerts.save(
            db,
            AlertState(
                rule.name, rule.scope, "firing", now, notified, value, {"announced": not flapping}
            ),
        )
        log.warning(
            "alert %s firing at %s%s",
            rule.name,
            rule.show(value),
            " (within cooldown: not paged again)" if flapping else "",
        )
        return None if flapping else Transition(rule, value, True, now)

    if not breached and firing:
        assert current is not None
        announced = bool(current.detail.get("announced", True))
        await alerts.save(
            db, AlertState(rule.name, rule.scope, "ok", now, current.last_notified_at, value, {})
        )
        log.info("alert %s resolved at %s", rule.name, rule.show(value))
        return Transition(rule, value, False, now) if announced else None

    if current is None:
        await alerts.save(db, AlertState(rule.name, rule.scope, "ok", now, None, value, {}))
    return None


def _sustained_minimum(name: str, labels: dict[str, str] | None = None) -> Measure:
    async def measure(db: Executor, lo: datetime, hi: datetime) -> float | None:
        minutes = await performance.per_minute(db, name, lo, hi, labels)
        if len(minutes) < (hi - lo).total_seconds() / 120:
            return None  # fewer than half the minutes have data
        return min(mean for _, mean, _ in minutes)

    return measure


async def _cache_hit_rate(db: Executor, lo: datetime, hi: datetime) -> float | None:
    hits = await performance.total(db, names.CACHE, lo, hi, {"result": "hit"})
    misses = await performance.total(db, names.CACHE, lo, hi, {"result": "miss"})
    return hits / (hits + misses) if hits + misses >= 20 else None


async def _average_query_ms(db: Executor, lo: datetime, hi: datetime) -> float | None:
    buckets = await performance.histogram(db, names.QUERIES, lo, hi)
    count = sum(c for _, c in buckets)
    if count < 20:
        return None
    return await performance.total(db, f"{names.QUERIES}_sum", lo, hi) / count * 1000


async def _sustained_pool_use(db: Executor, lo: datetime, hi: datetime) -> float | None:
    in_use = await performance.per_minute(db, names.POOL_IN_USE, lo, hi)
    size = {
        minute: mean
        for minute, mean, _ in await performance.per_minute(db, names.POOL_SIZE, lo, hi)
    }
    shares = [mean / size[minute] for minute, mean, _ in in_use if size.get(minute)]
    if len(shares) < (hi - lo).total_seconds() / 120:
        return None
    return min(shares)


async def _error_rate(db: Executor, lo: datetime, hi: datetime) -> float | None:
    commands = sum(c for _, c in await performance.histogram(db, names.COMMANDS, lo, hi))
    if commands < 20:
        return None
    return await performance.total(db, names.ERRORS, lo, hi) / commands


async def _p95_regression(db: Executor, lo: datetime, hi: datetime) -> float | None:
    now = await performance.histogram(db, names.COMMANDS, lo, hi)
    baseline = await performance.histogram(
        db, names.COMMANDS, lo - timedelta(days=1), hi - timedelta(days=1)
    )
    if sum(c for _, c in now) < 50 or sum(c for _, c in baseline) < 50:
        return None
    p95_now, p95_before = percentile(now, 0.95), percentile(baseline, 0.95)
    if not p95_now or not p95_before:
        return None
    return p95_now / p95_before


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} minutes" if minutes != 1 else "a minute"
