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

    A gauge of concurrent voice members, pool use, and a command latency histogram whose
    buckets (seconds) follow the daily rhythm of the community.
    """
    rng = random.Random(f"{spec.seed}:metrics")
    moment = spec.end_at - timedelta(days=days)
    bounds = (0.05, 0.1, 0.25, 0.5, 1.0, math.inf)
    while moment < spec.end_at:
        load = _diurnal(moment.hour + moment.minute / 60)
        concurrent = max(0.0, round(spec.members * 0.12 * load + rng.gauss(0, 2)))
        yield MetricSample(moment, "voice_members_concurrent", concurrent)
        yield MetricSample(moment, "db_pool_in_use_ratio", min(1.0, 0.1 + 0.6 * load))
        commands = rng.randint(0, int(5 + 40 * load))
        counts = _latency_counts(rng, commands, load, bounds)
        for bound, count in zip(bounds, counts, strict=True):
            yield MetricSample(
                moment, "command_latency_seconds", float(count), {"command": "stats"}, bound
            )
        moment += step


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


def _latency_counts(
    rng: random.Random, commands: int, load: float, bounds: tuple[float, ...]
) -> list[int]:
    counts = [0] * len(bounds)
    for _ in range(commands):
        latency = rng.lognormvariate(math.log(0.08 + 0.1 * load), 0.7)
        counts[next(i for i, bound in enumerate(bounds) if latency <= bound)] += 1
    return counts
