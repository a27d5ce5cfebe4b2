"""Fixtures of the analytics tests: one seeded community, one chart renderer, writers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.data import Warehouse
from analytics.render import SyncRenderer
from hourglass import synthetic
from hourglass.database import connect
from hourglass.demo import seed
from hourglass.migrate import migrate
from hourglass.store import guilds, ledger, upkeep, voice
from hourglass.store.records import Guild, Member, MetricSample, VoiceSession
from tests.support.aio import with_conn
from tests.support.postgres import scratch_database

# The seeded community: 40 members over five weeks ending the day before END.
END = date(2026, 3, 16)
SPEC = synthetic.CommunitySpec(members=40, days=35, end=END, seed=11)
LAST_DAY = END - timedelta(days=1)


@pytest.fixture(scope="session")
def community_url(pg_admin_url: str) -> Iterator[str]:
    """A migrated database holding the synthetic community, rollups refreshed."""
    with scratch_database(pg_admin_url) as url:
        with connect(url) as conn:
            migrate(conn)

        async def fill(conn) -> None:
            await seed(conn, SPEC, lambda done: None)
            await upkeep.refresh_rollups(conn, SPEC.end_at)

        with_conn(url, fill)
        yield url


@pytest.fixture
def warehouse(community_url: str) -> Iterator[Warehouse]:
    """A warehouse on the seeded community."""
    with Warehouse(community_url) as wh:
        yield wh


@pytest.fixture(scope="session")
def renderer() -> Iterator[SyncRenderer]:
    """One chart renderer shared by every test that draws."""
    with SyncRenderer(timeout=60) as shared:
        yield shared


def session(guild_id: int, member_id: int, start: datetime, minutes: float) -> VoiceSession:
    """A closed voice session of whole seconds."""
    return VoiceSession(
        uuid.uuid4(),
        guild_id,
        member_id,
        guild_id + 5,
        start,
        start + timedelta(seconds=round(minutes * 60)),
    )


def write_community(
    url: str,
    guild: Guild,
    members: Sequence[Member],
    sessions: Sequence[VoiceSession],
    metrics: Sequence[MetricSample] = (),
) -> None:
    """Writes a guild, its members, sessions and metrics, then refreshes every rollup."""
    moments = [s.started_at for s in sessions] + [m.time for m in metrics]
    lo = min(moments, default=datetime(2026, 1, 1, tzinfo=UTC)) - timedelta(days=2)
    hi = max(moments, default=lo) + timedelta(days=2)

    async def write(conn) -> None:
        await upkeep.prepare_range(conn, lo, hi)
        await guilds.upsert_guild(conn, guild)
        await guilds.upsert_members(conn, list(members))
        if sessions:
            await voice.write_sessions(conn, list(sessions))
        if metrics:
            await ledger.write_metrics(conn, list(metrics))
        await upkeep.refresh_rollups(conn, hi)

    with_conn(url, write)
