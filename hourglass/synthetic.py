"""A synthetic study community with realistic rhythms, for demos, notebooks and benchmarks.

Members live in many time zones (including +05:30 and +05:45), study mostly in their
local evenings, less at weekends, join over time and some drift away. The same seed and
end date always give the same community, and session ids derive from the content, so
seeding twice writes nothing twice.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hourglass.store.records import Guild, Member, MetricSample, PointEvent, VoiceSession
from hourglass.telemetry import LATENCY_BUCKETS

_NAMESPACE = uuid.UUID("0b8c5a8e-4a4f-4d7c-9a51-6f1f3f0d2c11")

# (zone, weight): where members of an international study server tend to live.
TIME_ZONES: tuple[tuple[str, float], ...] = (
    ("America/New_York", 0.16),
    ("America/Los_Angeles", 0.08),
    ("America/Sao_Paulo", 0.06),
    ("Europe/London", 0.10),
    ("Europe/Berlin", 0.12),
    ("Africa/Lagos", 0.04),
    ("Asia/Kolkata", 0.16),
    ("Asia/Kathmandu", 0.03),
    ("Asia/Manila", 0.07),
    ("Asia/Tokyo", 0.05),
    ("Australia/Sydney", 0.05),
    ("Australia/Adelaide", 0.02),
    ("UTC", 0.06),
)

# Relative chance of studying on Monday ... Sunday.
WEEKDAY_FACTOR = (1.0, 1.0, 0.95, 0.9, 0.75, 0.55, 0.7)

# (first local hour, last local hour, weight) of a member's usual start time.
CHRONOTYPES = ((7, 10, 0.2), (13, 16, 0.25), (18, 22, 0.45), (22, 24, 0.1))

FIRST_NAMES = (
    "Ada",
    "Bao",
    "Chidi",
    "Dana",
    "Emil",
    "Fatima",
    "Goran",
    "Hana",
    "Ibrahim",
    "Jae",
    "Kiran",
    "Lucia",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rafael",
    "Sina",
    "Tomas",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
)


@dataclass(frozen=True)
class CommunitySpec:
    """What to generate: how many members, over how many days up to which day."""

    members: int = 300
    days: int = 90
    end: date = field(default_factory=lambda: datetime.now(UTC).date())
    seed: int = 7
    guild_id: int = 900_000_000_000_000_001
    guild_time_zone: str = "Europe/Berlin"

    @property
    def start_at(self) -> datetime:
        """First moment sessions may start (UTC midnight)."""
        return datetime.combine(self.end - timedelta(days=self.days), time(), UTC)

    @property
    def end_at(self) -> datetime:
        """Moment every session has ended by (UTC midnight after the end day)."""
        return datetime.combine(self.end, time(), UTC)


@dataclass(frozen=True)
class _Profile:
    member: Member
    zone: ZoneInfo
    engagement: float
    start_hours: tuple[int, int]
    joined: date
    leaves: date | None


def guild(spec: CommunitySpec) -> Guild:
    """The guild the community lives in."""
    return Guild(spec.guild_id, "Hourglass Study Hall", spec.guild_time_zone, 0)


def members(spec: CommunitySpec) -> list[Member]:
    """The members of the community, with their time zones."""
    return [profile.member for profile in _profiles(spec)]


def sessions(spec: CommunitySpec) -> Iterator[VoiceSession]:
    """Every voice session of the community, member by member, in time order per member."""
    for index, profile in enumerate(_profiles(spec)):
        rng = random.Random(f"{spec.seed}:sessions:{index}")
        yield from _member_sessions(spec, profile, rng)


def points_for(session: VoiceSession) -> PointEvent:
    """The ledger entry a session earns: a point per whole minute, awarded at its end."""
    minutes = int((session.ended_at - session.started_at).total_seconds() // 60)
    return PointEvent(
        occurred_at=session.ended_at,
        guild_id=session.guild_id,
        member_id=session.member_id,
        delta=minutes,
        reason="voice",
        source="synthetic",
        idempotency_key=f"voice:{session.session_id}",
    )


def metrics(
    spec: CommunitySpec, days: int = 7, step: timedelta = timedelta(minutes=1)
) -> Iterator[MetricSample]:
    """The bot's own metrics over the last days of the community, one batch per step.

    The same names, labels and histogram buckets as the bot's telemetry writes: concurrent
    voice members, pool size and use, command and query latency histograms (with their
    sums), cache lookups and gateway events, all following the community's daily rhythm.
    """
    rng = random.Random(f"{spec.seed}:metrics")
    moment = spec.end_at - timedelta(days=days)
    while moment < spec.end_at:
        load = _diurnal(moment.hour + moment.minute / 60)
        yield from _minute_of_metrics(spec, rng, moment, load, step.total_seconds())
        moment += step


def _minute_of_metrics(
    spec: CommunitySpec, rng: random.Random, moment: datetime, load: float, seconds: float
) -> Iterator[MetricSample]:
    concurrent = max(0.0, round(spec.members * 0.12 * load + rng.gauss(0, 2)))
    yield MetricSample(moment, "hourglass_voice_members_concurrent", concurrent)
    yield MetricSample(moment, "hourglass_db_pool_size", 10.0)
    yield MetricSample(moment, "hourglass_db_pool_in_use", float(round(1 + 6 * load)))

    commands = rng.randint(0, int(5 + 40 * load))
    yield from _histogram(
        rng, moment, "hourglass_command_seconds", {"command": "stats"}, commands, 0.08 + 0.1 * load
    )
    yield from _histogram(
        rng,
        moment,
        "hourglass_db_query_seconds",
        {"query": "leaderboard"},
        commands * 3,
        0.004 + 0.01 * load,
    )

    hits = rng.randint(0, commands * 4)
    misses = int(hits * (0.1 + 0.25 * load))
    for result, count in (("hit", hits), ("miss", misses)):
        if count:
            labels = {"cache": "leaderboard", "level": "memory", "result": result}
            yield MetricSample(moment, "hourglass_cache_requests_total", float(count), labels)
    for kind, rate in (("VOICE_STATE_UPDATE", 0.4), ("INTERACTION_CREATE", 0.2)):
        count = rng.randint(0, int(rate * seconds * load) + 1)
        if count:
            yield MetricSample(
                moment, "hourglass_gateway_events_total", float(count), {"type": kind, "shard": "0"}
            )


def _histogram(
    rng: random.Random,
    moment: datetime,
    name: str,
    labels: dict[str, str],
    observations: int,
    median: float,
) -> Iterator[MetricSample]:
    counts = [0] * len(LATENCY_BUCKETS)
    total = 0.0
    for _ in range(observations):
        latency = rng.lognormvariate(math.log(median), 0.7)
        total += latency
        counts[next(i for i, bound in enumerate(LATENCY_BUCKETS) if latency <= bound)] += 1
    for bound, count in zip(LATENCY_BUCKETS, counts, strict=True):
        if count or (observations and math.isinf(bound)):  # +Inf closes every histogram
            yield MetricSample(moment, name, float(count), labels, bound)
    if observations:
        yield MetricSample(moment, f"{name}_sum", total, labels)


def _profiles(spec: CommunitySpec) -> list[_Profile]:
    rng = random.Random(f"{spec.seed}:profiles")
    zones = [z for z, _ in TIME_ZONES]
    weights = [w for _, w in TIME_ZONES]
    profiles = []
    for index in range(spec.members):
        zone = rng.choices(zones, weights)[0]
        low, high, _ = rng.choices(CHRONOTYPES, [c[2] for c in CHRONOTYPES])[0]
        joined = spec.end - timedelta(days=spec.days)
        if rng.random() < 0.3:
            joined += timedelta(days=rng.randrange(spec.days))
        leaves = None
        if rng.random() < 0.2:
            leaves = joined + timedelta(days=rng.randrange(7, 60))
        member = Member(
            guild_id=spec.guild_id,
            member_id=spec.guild_id + 1000 + index,
            display_name=f"{rng.choice(FIRST_NAMES)}#{index:03d}",
            time_zone=None if zone == spec.guild_time_zone else zone,
        )
        engagement = min(0.95, rng.lognormvariate(-1.0, 0.6))
        profiles.append(_Profile(member, ZoneInfo(zone), engagement, (low, high), joined, leaves))
    return profiles


def _member_sessions(
    spec: CommunitySpec, p: _Profile, rng: random.Random
) -> Iterator[VoiceSession]:
    day = max(p.joined, spec.end - timedelta(days=spec.days))
    busy_until = spec.start_at
    while day < spec.end:
        if p.leaves is not None and day >= p.leaves:
            return
        if rng.random() < p.engagement * WEEKDAY_FACTOR[day.weekday()] * _term(spec, day):
            for session in _study_day(spec, p, rng, day, busy_until):
                busy_until = session.ended_at + timedelta(minutes=rng.randint(5, 30))
                yield session
        day += timedelta(days=1)


def _study_day(
    spec: CommunitySpec, p: _Profile, rng: random.Random, day: date, busy_until: datetime
) -> Iterator[VoiceSession]:
    hour = rng.uniform(*p.start_hours)
    local = datetime.combine(day, time(), p.zone) + timedelta(hours=hour)
    start = max(local.astimezone(UTC).replace(microsecond=0), busy_until)
    for _ in range(1 + _poisson(rng, 0.6)):
        minutes = min(300.0, max(2.0, rng.lognormvariate(math.log(45), 0.6)))
        end = start + timedelta(seconds=int(minutes * 60 + rng.randint(0, 59)))
        if end > spec.end_at:
            return
        yield VoiceSession(
            session_id=uuid.uuid5(_NAMESPACE, f"{p.member.member_id}:{start.isoformat()}"),
            guild_id=spec.guild_id,
            member_id=p.member.member_id,
            channel_id=spec.guild_id + 10 + rng.randrange(4),
            started_at=start,
            ended_at=end,
            camera_seconds=int((end - start).total_seconds() * rng.choice((0, 0, 0.5, 1))),
            stream_seconds=int((end - start).total_seconds() * rng.choice((0, 0, 0, 0.3))),
            self_mute_seconds=int((end - start).total_seconds() * rng.uniform(0.3, 1)),
        )
        start = end + timedelta(minutes=rng.randint(10, 90))


def _term(spec: CommunitySpec, day: date) -> float:
    """Study picks up towards the end of the period, as exams come closer."""
    progress = 1 - (spec.end - day).days / max(spec.days, 1)
    return 0.85 + 0.3 * progress


def _diurnal(hour_utc: float) -> float:
    """Activity through the UTC day of an international server, between 0.2 and 1."""
    return 0.6 + 0.4 * math.sin((hour_utc - 9) / 24 * 2 * math.pi)


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count
