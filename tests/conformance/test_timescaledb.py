"""The TimescaleDB backend: its schema as declared, and the same answers as plain PostgreSQL.

Every test runs against a fresh TimescaleDB test server (PGlite, see tests/support/timescale.py)
and, where it compares, against a fresh plain-PostgreSQL database holding the same data.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any, NamedTuple, TypeVar

import psycopg
import pytest
from psycopg import sql

from hourglass import synthetic
from hourglass.database import connect
from hourglass.errors import MigrationError
from hourglass.migrate import check_schema, discover, migrate
from hourglass.store import guilds, ledger, stats, upkeep, voice
from hourglass.store.pool import connect as store_connect
from hourglass.store.records import MetricSample, VoiceSession

pytestmark = pytest.mark.timescaledb

T = TypeVar("T")

# An interval of '1 month' where a fixed length is needed (a chunk interval, a timedelta).
MONTH = timedelta(days=30)

# Hypertable: (time column, chunk interval), as 0002_time_series.timescaledb.sql declares.
# Later migrations may add more; every one must be cut as plain PostgreSQL partitions it.
HYPERTABLES = {
    "voice_sessions": ("started_at", MONTH),
    "voice_activity": ("slot", MONTH),
    "point_events": ("occurred_at", MONTH),
    "task_events": ("occurred_at", 3 * MONTH),
    "user_actions": ("occurred_at", timedelta(days=7)),
    "performance_metrics": ("time", timedelta(days=1)),
}

# Rollup: (source, bucket width, real-time), as both 0003_rollups files declare. The
# comparisons cover every rollup a backend has, these and any added later.
ROLLUPS = {
    "voice_seconds_15m": ("voice_activity", timedelta(minutes=15), True),
    "voice_seconds_1h": ("voice_seconds_15m", timedelta(hours=1), True),
    "voice_seconds_1d": ("voice_seconds_1h", timedelta(days=1), True),
    "points_15m": ("point_events", timedelta(minutes=15), True),
    "metrics_1m": ("performance_metrics", timedelta(minutes=1), False),
    "metrics_1h": ("metrics_1m", timedelta(hours=1), False),
}

# Continuous aggregate: (start offset, end offset, schedule interval) of its refresh policy.
REFRESH_POLICIES = {
    "voice_seconds_15m": (timedelta(days=3), timedelta(minutes=15), timedelta(minutes=1)),
    "voice_seconds_1h": (timedelta(days=3), timedelta(hours=1), timedelta(minutes=5)),
    "voice_seconds_1d": (timedelta(days=4), timedelta(days=1), timedelta(minutes=30)),
    "points_15m": (timedelta(days=3), timedelta(minutes=15), timedelta(minutes=1)),
    "metrics_1m": (timedelta(hours=1), timedelta(minutes=1), timedelta(minutes=1)),
    "metrics_1h": (timedelta(days=1), timedelta(hours=1), timedelta(minutes=15)),
}

# Hypertable: (compress after, segment by, order by) of its columnstore.
COLUMNSTORE = {
    "voice_activity": (timedelta(days=60), "guild_id,member_id", "slot,session_id,piece_start"),
    "voice_sessions": (timedelta(days=60), "guild_id", "started_at,session_id"),
    "point_events": (timedelta(days=60), "guild_id", "occurred_at"),
    "user_actions": (timedelta(days=14), "guild_id", "occurred_at"),
    "performance_metrics": (timedelta(days=2), "name", '"time"'),
}

# Default retention horizons of 0003_rollups, the same on both backends.
RETENTION = {
    "performance_metrics": timedelta(days=30),
    "metrics_1m": timedelta(days=90),
    "user_actions": timedelta(days=400),
}

# Four weeks across the daylight-saving changes of America (8 March) and Europe (29 March),
# with members in Kolkata, Kathmandu and Adelaide (offsets of :30 and :45), and the bot's
# metrics over the last day, two samples a minute per series.
SPEC = synthetic.CommunitySpec(members=24, days=28, end=date(2026, 4, 2), seed=2)
METRICS_STEP = timedelta(seconds=30)
BATCH = 100  # sessions (each cut into about five pieces) or metric samples per statement

# What one metric sample adds to the metric rollups once they are refreshed, or before.
ONE_METRIC = {"metrics_1m": 1, "metrics_1h": 1}
NO_METRICS = {"metrics_1m": 0, "metrics_1h": 0}


class Backends(NamedTuple):
    """URLs of the two databases a comparison reads."""

    timescale: str
    postgres: str


# --- Migrations ------------------------------------------------------------------------------


def test_the_timescaledb_migrations_apply_once_and_then_apply_nothing(timescale_url):
    with connect(timescale_url) as conn:
        first = migrate(conn)
        second = migrate(conn)
        backend = check_schema(conn)
        extension = conn.execute(
            "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()

    assert first == discover("timescaledb")
    assert {"0002_time_series.timescaledb.sql", "0003_rollups.timescaledb.sql"} <= {
        m.path.name for m in first
    }
    assert second == []
    assert backend == "timescaledb"
    assert extension == (1,)


def test_every_timescaledb_file_runs_again_without_error_or_change(timescale_db):
    with connect(timescale_db) as conn:
        before = catalog(conn)
        for migration in discover("timescaledb"):
            with conn.transaction():
                conn.execute(migration.path.read_text())
        after = catalog(conn)
        backend = check_schema(conn)

    assert after == before
    assert backend == "timescaledb"


def test_migrating_without_the_create_privilege_fails_and_keeps_nothing(timescale_url):
    # TimescaleDB is a trusted extension: CREATE on the database is the one privilege that
    # both its schemas and the extension need. (PGlite cannot grant it: GRANT ... ON
    # DATABASE fails there, so the role below lacks it altogether.)
    with connect(timescale_url) as conn:
        conn.execute("CREATE ROLE hourglass_app NOSUPERUSER NOCREATEDB NOCREATEROLE")
        conn.execute("SET ROLE hourglass_app")
        with pytest.raises(MigrationError) as failure:
            migrate(conn)
        conn.execute("RESET ROLE")
        left = conn.execute(
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'hourglass%'),"
            " (SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb')"
        ).fetchone()
        recovered = migrate(conn)

    message = str(failure.value)
    assert message.startswith("0001_foundation.sql: the database role lacks a privilege")
    assert "permission denied for database" in message
    assert "it needs CREATE on the database" in message
    assert left == (0, 0)
    assert recovered == discover("timescaledb")


# --- The schema as declared ------------------------------------------------------------------


def test_hypertables_are_cut_like_the_partitions_of_plain_postgresql(timescale_db, pg_db):
    with connect(timescale_db) as conn:
        chunks = dict_of(
            conn,
            "SELECT hypertable_name, column_name, time_interval"
            " FROM timescaledb_information.dimensions WHERE hypertable_schema = 'hourglass'",
        )
    with connect(pg_db) as conn:
        partitions = dict_of(
            conn, "SELECT relation, time_column, width FROM hourglass_internal.partitioning"
        )

    assert chunks == partitions
    assert chunks.items() >= HYPERTABLES.items()


def test_continuous_aggregates_match_the_rollups_of_plain_postgresql(timescale_db, pg_db):
    with connect(timescale_db) as conn:
        aggregates = dict_of(conn, CONTINUOUS_AGGREGATES)
        custom_buckets = conn.execute(
            "SELECT count(*) FROM _timescaledb_catalog.continuous_aggs_bucket_function"
            " WHERE bucket_origin IS NOT NULL OR bucket_offset IS NOT NULL"
            "   OR bucket_timezone IS NOT NULL"
        ).fetchone()
    with connect(pg_db) as conn:
        rollups = dict_of(
            conn, "SELECT name, source, width, realtime FROM hourglass_internal.rollups"
        )

    assert aggregates == rollups
    assert aggregates.items() >= ROLLUPS.items()
    assert custom_buckets == (0,)


def test_refresh_policies_are_as_declared(timescale_db):
    with connect(timescale_db) as conn:
        aggregates = dict_of(conn, CONTINUOUS_AGGREGATES)
        policies = dict_of(
            conn,
            "SELECT hypertable_name, (config ->> 'start_offset')::interval,"
            " (config ->> 'end_offset')::interval, schedule_interval"
            " FROM timescaledb_information.jobs"
            " WHERE proc_name = 'policy_refresh_continuous_aggregate' AND scheduled",
        )

    assert policies.keys() == aggregates.keys()
    assert policies.items() >= REFRESH_POLICIES.items()


def test_columnstore_policies_are_as_declared(timescale_db):
    with connect(timescale_db) as conn:
        policies = dict_of(
            conn,
            "SELECT j.hypertable_name, (j.config ->> 'compress_after')::interval,"
            "  s.segmentby, s.orderby"
            " FROM timescaledb_information.jobs AS j"
            " JOIN timescaledb_information.hypertable_columnstore_settings AS s"
            "   ON s.hypertable = format('%I.%I', j.hypertable_schema, j.hypertable_name)::regclass"
            " WHERE j.proc_name = 'policy_compression' AND j.scheduled",
        )

    assert policies.items() >= COLUMNSTORE.items()


def test_retention_policies_follow_the_retention_settings(timescale_db, pg_db):
    with connect(timescale_db) as conn:
        policies = dict_of(
            conn,
            "SELECT hypertable_name, (config ->> 'drop_after')::interval"
            " FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' AND scheduled",
        )
        settings = dict_of(conn, "SELECT relation, horizon FROM hourglass_internal.retention")
        conn.execute("SELECT hourglass.set_retention('metrics_1m', interval '120 days')")
        changed = dict_of(
            conn,
            "SELECT hypertable_name, (config ->> 'drop_after')::interval"
            " FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'",
        )
    with connect(pg_db) as conn:
        pg_settings = dict_of(conn, "SELECT relation, horizon FROM hourglass_internal.retention")

    assert policies == settings == pg_settings
    assert policies.items() >= RETENTION.items()
    assert changed == policies | {"metrics_1m": timedelta(days=120)}


def test_both_backends_offer_the_same_relations_columns_and_routines(timescale_db, pg_db):
    with connect(timescale_db) as conn:
        timescale = logical_schema(conn)
    with connect(pg_db) as conn:
        postgres = logical_schema(conn)

    assert timescale == postgres
    assert set(ROLLUPS) <= {relation for relation, _, _ in timescale["columns"]}


# --- The same answers on both backends -------------------------------------------------------


@pytest.fixture
def seeded(timescale_db: str, pg_db: str) -> Backends:
    """Both backends holding the same community, rollups refreshed to its end."""
    backends = Backends(timescale_db, pg_db)
    for url in backends:
        asyncio.run(seed(url))
        asyncio.run(refresh(url, SPEC.end_at))
    return backends


def test_every_rollup_answers_the_same_on_both_backends(seeded):
    timescale, postgres = snapshot(seeded.timescale), snapshot(seeded.postgres)

    assert diverging(timescale, postgres) == {}
    assert all(timescale[name][1] for name in ROLLUPS)


def test_leaderboards_and_member_totals_are_the_same_on_both_backends(seeded):
    timescale = asyncio.run(standings(seeded.timescale))
    postgres = asyncio.run(standings(seeded.postgres))

    assert timescale == postgres
    assert timescale["all time"]
    assert len(timescale["members"]) == SPEC.members


def test_rows_after_a_refresh_show_in_real_time_rollups_only(seeded):
    session = extra_session(SPEC.end_at + timedelta(minutes=10), minutes=40)
    sample = MetricSample(SPEC.end_at + timedelta(minutes=1), "voice_members_concurrent", 3.0)
    for url in seeded:
        asyncio.run(write(url, [session], [sample]))

    live = {url: snapshot(url) for url in seeded}
    for url in seeded:
        asyncio.run(refresh(url, SPEC.end_at + timedelta(hours=2)))
    refreshed = {url: snapshot(url) for url in seeded}

    voice_and_points = {
        "voice_seconds_15m": 40 * 60,
        "voice_seconds_1h": 40 * 60,
        "voice_seconds_1d": 40 * 60,
        "points_15m": 40,
    }
    for url in seeded:
        assert totals(live[url], since=SPEC.end_at) == voice_and_points | NO_METRICS
        assert totals(refreshed[url], since=SPEC.end_at) == voice_and_points | ONE_METRIC
    assert diverging(*live.values()) == {}
    assert diverging(*refreshed.values()) == {}


def test_a_late_row_below_the_watermark_is_picked_up_by_the_next_refresh(seeded):
    late_at = SPEC.end_at - timedelta(days=5, hours=3)
    session = extra_session(late_at, minutes=20)
    sample = MetricSample(SPEC.end_at - timedelta(hours=3), "voice_members_concurrent", 3.0)
    before = {url: snapshot(url) for url in seeded}
    for url in seeded:
        asyncio.run(write(url, [session], [sample]))

    stale = {url: snapshot(url) for url in seeded}
    for url in seeded:
        asyncio.run(refresh(url, SPEC.end_at))
    refreshed = {url: snapshot(url) for url in seeded}

    voice_and_points = {
        "voice_seconds_15m": 20 * 60,
        "voice_seconds_1h": 20 * 60,
        "voice_seconds_1d": 20 * 60,
        "points_15m": 20,
    }
    for url in seeded:
        assert stale[url] == before[url]
        assert added(before[url], refreshed[url]) == voice_and_points | ONE_METRIC
    assert diverging(*refreshed.values()) == {}


def test_the_comparison_notices_a_rollup_defined_differently(timescale_db, pg_db):
    with connect(pg_db) as conn:
        conn.execute(SHIFTED_HOURLY_ROLLUP)
    seeded = Backends(timescale_db, pg_db)
    for url in seeded:
        asyncio.run(seed(url))
        asyncio.run(refresh(url, SPEC.end_at))

    differences = diverging(snapshot(seeded.timescale), snapshot(seeded.postgres))

    assert set(differences) == {"voice_seconds_1h", "voice_seconds_1d"}


# The hourly voice rollup of plain PostgreSQL with its buckets moved by half an hour: the
# kind of drift (a bucket origin, a width, an aggregate) the comparison must catch.
SHIFTED_HOURLY_ROLLUP = """
CREATE OR REPLACE FUNCTION hourglass_internal.compute_voice_seconds_1h(
  lo timestamptz, hi timestamptz)
RETURNS TABLE (bucket timestamptz, guild_id bigint, member_id bigint, seconds bigint)
LANGUAGE sql STABLE
AS $$
  SELECT date_bin(interval '1 hour', v.bucket, timestamptz '2000-01-03 00:30:00+00'),
         v.guild_id, v.member_id, sum(v.seconds)::bigint
  FROM hourglass.voice_seconds_15m AS v
  WHERE v.bucket >= lo AND v.bucket < hi
  GROUP BY 1, 2, 3
$$
"""

# Each continuous aggregate in schema hourglass with its source (a hypertable, or the
# aggregate whose materialization it reads), bucket width and real-time flag.
CONTINUOUS_AGGREGATES = """
SELECT c.view_name, coalesce(parent.view_name, c.hypertable_name),
       f.bucket_width::interval, NOT c.materialized_only
FROM timescaledb_information.continuous_aggregates AS c
LEFT JOIN timescaledb_information.continuous_aggregates AS parent
  ON parent.materialization_hypertable_schema = c.hypertable_schema
 AND parent.materialization_hypertable_name = c.hypertable_name
JOIN _timescaledb_catalog.hypertable AS h
  ON h.schema_name = c.materialization_hypertable_schema
 AND h.table_name = c.materialization_hypertable_name
JOIN _timescaledb_catalog.continuous_aggs_bucket_function AS f ON f.mat_hypertable_id = h.id
WHERE c.view_schema = 'hourglass'
"""


# --- Helpers ---------------------------------------------------------------------------------


def dict_of(conn: psycopg.Connection, query: str) -> dict[Any, Any]:
    """The rows of a query as {first column: the rest}; the rest is a tuple unless single."""
    result = {}
    for key, *rest in conn.execute(query):
        result[key] = rest[0] if len(rest) == 1 else tuple(rest)
    return result


def catalog(conn: psycopg.Connection) -> dict[str, Any]:
    """What the migrations create, without the ids that a re-run may renumber."""
    jobs = conn.execute(
        "SELECT proc_name, hypertable_name, schedule_interval,"
        "       config - 'hypertable_id' - 'mat_hypertable_id'"
        " FROM timescaledb_information.jobs ORDER BY 1, 2"
    ).fetchall()
    dimensions = conn.execute(
        "SELECT hypertable_name, column_name, time_interval"
        " FROM timescaledb_information.dimensions WHERE hypertable_schema = 'hourglass'"
        " ORDER BY 1"
    ).fetchall()
    rows = conn.execute(
        "SELECT (SELECT count(*) FROM hourglass_internal.retention),"
        " (SELECT count(*) FROM hourglass_internal.schema_migrations)"
    ).fetchone()
    return {
        "jobs": jobs,
        "dimensions": dimensions,
        "aggregates": dict_of(conn, CONTINUOUS_AGGREGATES),
        "rows": rows,
    } | logical_schema(conn)


def logical_schema(conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Relations of schema hourglass with their columns in order, and its routines."""
    columns = conn.execute(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
        " FROM pg_class AS c"
        " JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE c.relnamespace = 'hourglass'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')"
        " ORDER BY c.relname, a.attnum"
    ).fetchall()
    routines = conn.execute(
        "SELECT p.proname, p.prokind, pg_get_function_identity_arguments(p.oid),"
        "       pg_get_function_result(p.oid)"
        " FROM pg_proc AS p WHERE p.pronamespace = 'hourglass'::regnamespace"
        " ORDER BY 1, 3"
    ).fetchall()
    return {"columns": columns, "routines": routines}


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most size items."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


async def seed(url: str) -> None:
    """Writes the community of SPEC through the store, in statements PGlite can take."""
    conn = await store_connect(url)
    try:
        await upkeep.prepare_range(conn, SPEC.start_at - timedelta(days=1), SPEC.end_at)
        await guilds.upsert_guild(conn, synthetic.guild(SPEC))
        await guilds.upsert_members(conn, synthetic.members(SPEC))

        for sessions in batches(synthetic.sessions(SPEC), BATCH):
            await voice.write_sessions(conn, sessions)
            await ledger.append_points(conn, [synthetic.points_for(s) for s in sessions])

        for samples in batches(synthetic.metrics(SPEC, days=1, step=METRICS_STEP), 3 * BATCH):
            await ledger.write_metrics(conn, samples)
    finally:
        await conn.close()


async def write(url: str, sessions: list[VoiceSession], samples: list[MetricSample]) -> None:
    """Writes sessions (with their points) and metric samples after the seeding."""
    conn = await store_connect(url)
    try:
        await upkeep.prepare_range(conn, SPEC.start_at, SPEC.end_at + timedelta(days=1))
        await voice.write_sessions(conn, sessions)
        await ledger.append_points(conn, [synthetic.points_for(s) for s in sessions])
        await ledger.write_metrics(conn, samples)
    finally:
        await conn.close()


async def refresh(url: str, up_to: datetime) -> None:
    """Materializes every rollup of the database at url up to a moment."""
    conn = await store_connect(url)
    try:
        await upkeep.refresh_rollups(conn, up_to)
    finally:
        await conn.close()


def extra_session(start: datetime, minutes: int) -> VoiceSession:
    """A session of the first member, beyond what the synthetic community holds."""
    member = synthetic.members(SPEC)[0]
    return VoiceSession(
        session_id=uuid.uuid5(uuid.NAMESPACE_URL, f"conformance:{start.isoformat()}"),
        guild_id=SPEC.guild_id,
        member_id=member.member_id,
        channel_id=SPEC.guild_id + 10,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
    )


Rollup = tuple[tuple[str, ...], list[tuple[Any, ...]]]  # column names, rows
Snapshot = dict[str, Rollup]


def snapshot(url: str) -> Snapshot:
    """Every rollup of the database as (column names, all rows in the order of all columns)."""
    result = {}
    with connect(url) as conn:
        for name in rollup_names(conn):
            cursor = conn.execute(
                sql.SQL("SELECT * FROM hourglass.{} ORDER BY {}").format(
                    sql.Identifier(name), collation_free_order(conn, name)
                )
            )
            columns = tuple(column.name for column in cursor.description or ())
            result[name] = (columns, cursor.fetchall())
    return result


def rollup_names(conn: psycopg.Connection) -> list[str]:
    """The rollups of a database, whichever backend it has."""
    if check_schema(conn) == "timescaledb":
        query = (
            "SELECT view_name FROM timescaledb_information.continuous_aggregates"
            " WHERE view_schema = 'hourglass'"
        )
    else:
        query = "SELECT name FROM hourglass_internal.rollups"
    return sorted(name for (name,) in conn.execute(query))


def collation_free_order(conn: psycopg.Connection, relation: str) -> sql.Composable:
    """An ORDER BY list of every column, text compared byte by byte on any server."""
    columns = conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = format('hourglass.%%I', %s::text)::regclass"
        "   AND attnum > 0 AND NOT attisdropped"
        " ORDER BY attnum",
        (relation,),
    ).fetchall()
    return sql.SQL(", ").join(
        sql.SQL('{}::text COLLATE "C"').format(sql.Identifier(column))
        if kind in ("text", "jsonb")
        else sql.Identifier(column)
        for column, kind in columns
    )


def diverging(timescale: Snapshot, postgres: Snapshot) -> dict[str, str]:
    """The rollups that are missing on one side, or whose columns or rows differ."""
    differences = {}
    for name in sorted(timescale.keys() | postgres.keys()):
        if name not in postgres or name not in timescale:
            differences[name] = "only on " + ("TimescaleDB" if name in timescale else "PostgreSQL")
        elif difference := first_difference(timescale[name], postgres[name]):
            differences[name] = difference
    return differences


def first_difference(timescale: Rollup, postgres: Rollup) -> str | None:
    """How one rollup differs between the backends, or None if it does not."""
    (ts_columns, ts_rows), (pg_columns, pg_rows) = timescale, postgres
    if ts_columns != pg_columns:
        return f"columns {ts_columns} on TimescaleDB, {pg_columns} on PostgreSQL"

    pairs = zip(ts_rows, pg_rows, strict=False)
    first = next((i for i, (a, b) in enumerate(pairs) if not same_row(a, b)), None)
    if first is None and len(ts_rows) == len(pg_rows):
        return None
    at = min(len(ts_rows), len(pg_rows)) if first is None else first
    return (
        f"{len(ts_rows)} rows on TimescaleDB, {len(pg_rows)} on PostgreSQL; row {at} is "
        f"{ts_rows[at : at + 1]} on TimescaleDB, {pg_rows[at : at + 1]} on PostgreSQL"
    )


def same_row(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Equal values, but floating-point sums only as close as their order of addition allows."""
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-12)
        if isinstance(x, float) and isinstance(y, float)
        else x == y
        for x, y in zip(a, b, strict=True)
    )


def added(before: Snapshot, after: Snapshot) -> dict[str, int]:
    """What each rollup gained between two snapshots, as totals() counts it."""
    start, end = totals(before), totals(after)
    return {name: end[name] - start[name] for name in ROLLUPS}


def totals(rollups: Snapshot, since: datetime | None = None) -> dict[str, int]:
    """For each rollup, its voice seconds, points or metric samples, in buckets from since."""
    measure = {"points_15m": "points", "metrics_1m": "samples", "metrics_1h": "samples"}
    result = {}
    for name in ROLLUPS:
        columns, rows = rollups[name]
        value = columns.index(measure.get(name, "seconds"))
        result[name] = sum(row[value] for row in rows if since is None or row[0] >= since)
    return result


async def standings(url: str) -> dict[str, Any]:
    """Leaderboards for every day, week and the whole period, and every member's days."""
    first, last = SPEC.end - timedelta(days=SPEC.days), SPEC.end - timedelta(days=1)
    days = [first + timedelta(days=n) for n in range(SPEC.days)]
    conn = await store_connect(url)
    try:
        result: dict[str, Any] = {
            "daily": [await stats.leaderboard(conn, SPEC.guild_id, d, d, 100) for d in days],
            "weekly": [
                await stats.leaderboard(conn, SPEC.guild_id, d, d + timedelta(days=6), 100)
                for d in days[::7]
            ],
            "whole period": await stats.leaderboard(conn, SPEC.guild_id, first, last, 100),
            "all time": await stats.all_time_leaderboard(conn, SPEC.guild_id, 100),
        }
        result["members"] = {
            m.member_id: await stats.member_daily_seconds(
                conn, SPEC.guild_id, m.member_id, first, last
            )
            for m in synthetic.members(SPEC)
        }
    finally:
        await conn.close()
    return result
