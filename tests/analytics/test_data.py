"""Reading the rollups: three engines, one answer; connection problems said plainly."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from analytics import data
from analytics.data import ENGINES, Warehouse
from analytics.errors import AnalyticsError
from tests.analytics.conftest import SPEC

LO = SPEC.start_at
HI = SPEC.end_at


def _read_everything(wh: Warehouse) -> dict[str, pl.DataFrame]:
    return {
        "slots": data.guild_slots(wh, SPEC.guild_id, LO, HI).sort("bucket", "member_id"),
        "all_slots": data.guild_slots(wh, None, LO, HI).sort("bucket", "member_id"),
        "member": data.member_slots(wh, SPEC.guild_id, SPEC.guild_id + 1003, LO, HI),
        "points": data.point_slots(wh, SPEC.guild_id, LO, HI).sort("bucket", "member_id"),
        "sessions": data.sessions(wh, None, LO, HI).sort("started_at", "member_id"),
        "members": data.members(wh, SPEC.guild_id).sort("member_id"),
        "metrics": data.metric_rows(wh, LO, HI, "1h").sort("bucket", "name", "le"),
        "guilds": data.guilds(wh),
    }


def test_every_engine_returns_the_same_frames(community_url):
    results = {}
    for engine in ENGINES:
        with Warehouse(community_url, engine) as wh:
            results[engine] = _read_everything(wh)

    for engine in ENGINES[1:]:
        for name, frame in results["adbc"].items():
            assert frame.equals(results[engine][name]), (engine, name)
    assert results["adbc"]["slots"].height > 1000
    assert results["adbc"]["metrics"]["le"].is_infinite().any()


def test_rollup_seconds_add_up_to_the_sessions(warehouse):
    slots = data.guild_slots(warehouse, SPEC.guild_id, LO, HI)
    sessions = data.sessions(warehouse, SPEC.guild_id, LO, HI)

    session_seconds = (sessions["ended_at"] - sessions["started_at"]).dt.total_seconds().sum()
    assert slots["seconds"].sum() == session_seconds


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_answer_keeps_its_columns_and_types(community_url, engine):
    with Warehouse(community_url, engine) as wh:
        frame = data.guild_slots(wh, 42, LO, HI)

    assert frame.is_empty()
    assert frame.schema == pl.Schema(data.GUILD_SLOT_SCHEMA)


def test_guild_and_member_settings_come_with_their_zones(warehouse):
    guild = data.guild_settings(warehouse, SPEC.guild_id)
    stranger = data.member_profile(warehouse, SPEC.guild_id, 1)

    assert guild.zone.name == SPEC.guild_time_zone
    assert (guild.daily_goal_minutes, guild.daily_minimum_minutes) == (120, 30)
    assert stranger.zone == guild.zone
    assert stranger.display_name == "1"


def test_an_unknown_guild_is_an_error_that_names_it(warehouse):
    with pytest.raises(AnalyticsError, match="no guild 42"):
        data.guild_settings(warehouse, 42)


def test_the_analytics_url_wins_over_the_primary():
    assert data.choose_url("postgresql://primary/db", "postgresql://replica/db").endswith(
        "replica/db"
    )
    assert data.choose_url("postgresql://primary/db", None).endswith("primary/db")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_database_that_does_not_answer_gives_a_message_without_the_password(engine):
    url = "postgresql://user:s3cret@127.0.0.1:1/nowhere?connect_timeout=2"

    with pytest.raises(AnalyticsError, match="cannot connect to the analytics database") as caught:
        Warehouse(url, engine)

    assert "s3cret" not in str(caught.value)


def test_an_unknown_engine_is_refused():
    with pytest.raises(AnalyticsError, match="unknown engine"):
        Warehouse("postgresql://x/y", "odbc")  # type: ignore[arg-type]


def test_metric_grains_are_a_fixed_choice(warehouse):
    with pytest.raises(AnalyticsError, match="grain"):
        data.metric_rows(warehouse, datetime(2026, 1, 1, tzinfo=UTC), HI, "1d")  # type: ignore[arg-type]
