"""Reading the rollups into polars DataFrames.

A `Warehouse` is one read connection, opened by the caller on the analytics URL (a read
replica) when there is one, else on the primary. Queries are written once, with `$n`
parameters, and every one declares the schema of its result, so an empty answer still
has the right columns and types.

Three ways to move rows, chosen per warehouse:

- ``adbc`` (default): the ADBC PostgreSQL driver reads with binary COPY straight into
  Arrow, and polars takes the Arrow table without copying. Fastest measured here.
- ``copy``: psycopg streams ``COPY (query) TO STDOUT (FORMAT csv)`` and polars parses it.
- ``fetchall``: psycopg fetches Python tuples; kept as the baseline for benchmarks.

All reads are synchronous; the bot runs them in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self

import polars as pl
import psycopg
from psycopg.conninfo import make_conninfo

from analytics.errors import AnalyticsError
from analytics.localtime import Zone

log = logging.getLogger(__name__)

Engine = Literal["adbc", "copy", "fetchall"]
ENGINES: tuple[Engine, ...] = ("adbc", "copy", "fetchall")
Schema = Mapping[str, pl.DataType | type[pl.DataType]]

UTC_TIME = pl.Datetime("us", "UTC")
_PLACEHOLDER = re.compile(r"\$(\d+)")


def choose_url(primary_url: str, analytics_url: str | None) -> str:
    """The URL analytics should read from: the analytics replica when set, else the primary."""
    return analytics_url or primary_url


class Warehouse:
    """One read-only connection for analytics queries, with the engine that moves the rows.

    Use it as a context manager, or call close(). It holds no state besides the connection.
    """

    def __init__(self, url: str, engine: Engine = "adbc") -> None:
        if engine not in ENGINES:
            raise AnalyticsError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        self.engine = engine
        self._adbc: Any = None
        self._pg: psycopg.Connection[Any] | None = None

        try:
            self._connect(url)
        except Exception as exc:
            # The driver's message can quote the URL, password included; keep its last line.
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "no answer"
            reason = reason.replace(url, "(url)")
            raise AnalyticsError(f"cannot connect to the analytics database: {reason}") from None
        log.debug("analytics warehouse opened with engine %s", engine)

    def _connect(self, url: str) -> None:
        if self.engine == "adbc":
            import adbc_driver_postgresql.dbapi as adbc

            self._adbc = adbc.connect(url, autocommit=True)
            return

        conninfo = make_conninfo(url, application_name="hourglass-analytics", connect_timeout=10)
        self._pg = psycopg.connect(conninfo, autocommit=True)
        self._pg.execute("SET TimeZone = 'UTC'")

    def frame(self, sql: str, params: Sequence[object], schema: Schema) -> pl.DataFrame:
        """Runs a query with $n parameters and returns its rows with the given schema."""
        if self.engine == "adbc":
            result = self._read_adbc(sql, params)
        elif self.engine == "copy":
            result = self._read_copy(sql, params, schema)
        else:
            result = self._read_fetchall(sql, params, schema)
        return _conform(result, schema)

    def close(self) -> None:
        """Closes the connection."""
        if self._adbc is not None:
            self._adbc.close()
            self._adbc = None
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _read_adbc(self, sql: str, params: Sequence[object]) -> pl.DataFrame:
        with self._adbc.cursor() as cursor:
            cursor.execute(sql, parameters=tuple(params) if params else None)
            table = cursor.fetch_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def _read_copy(self, sql: str, params: Sequence[object], schema: Schema) -> pl.DataFrame:
        assert self._pg is not None
        statement, named = _to_pyformat(sql, params)
        buffer = io.BytesIO()

        cursor = psycopg.ClientCursor(self._pg)
        with cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)", named) as copy:
            for chunk in copy:
                buffer.write(chunk)

        if not buffer.tell():
            return pl.DataFrame(schema=dict(schema))
        text_schema = {name: pl.String for name in schema}
        raw = pl.read_csv(buffer.getvalue(), has_header=False, schema=text_schema)
        return raw.with_columns(_from_text(name, dtype) for name, dtype in schema.items())

    def _read_fetchall(self, sql: str, params: Sequence[object], schema: Schema) -> pl.DataFrame:
        assert self._pg is not None
        statement, named = _to_pyformat(sql, params)
        rows = self._pg.execute(statement, named).fetchall()
        return pl.DataFrame(rows, schema=dict(schema), orient="row")


def _to_pyformat(sql: str, params: Sequence[object]) -> tuple[str, dict[str, object]]:
    """The same query with psycopg's %(pN)s placeholders, for the psycopg engines."""
    statement = _PLACEHOLDER.sub(r"%(p\1)s", sql.replace("%", "%%"))
    return statement, {f"p{i}": value for i, value in enumerate(params, start=1)}


def _from_text(name: str, dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    column = pl.col(name)
    if dtype == UTC_TIME:
        return column.str.to_datetime(
            "%Y-%m-%d %H:%M:%S%.f%#z", time_unit="us"
        ).dt.convert_time_zone("UTC")
    if dtype == pl.Date:
        return column.str.to_date("%Y-%m-%d")
    if dtype == pl.Boolean:
        return column == "t"
    return column.cast(dtype)


def _conform(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    if frame.width == 0:
        return pl.DataFrame(schema=dict(schema))
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


# ---------------------------------------------------------------------------------------
# Queries. Each returns UTC moments; analytics.localtime turns them into local days.


@dataclass(frozen=True)
class GuildSettings:
    """What the charts need to know about a guild."""

    guild_id: int
    name: str
    zone: Zone
    daily_goal_minutes: int
    daily_minimum_minutes: int


@dataclass(frozen=True)
class MemberProfile:
    """A member's name and effective time settings (their own, else the guild's)."""

    guild_id: int
    member_id: int
    display_name: str
    zone: Zone
    opted_out: bool


_GUILD = """
SELECT guild_id, name, time_zone, day_start_hour::integer AS day_start_hour,
       daily_goal_minutes, daily_minimum_minutes
FROM hourglass.guilds
WHERE guild_id = $1
"""

_MEMBER = """
SELECT m.display_name,
       coalesce(m.time_zone, g.time_zone) AS time_zone,
       coalesce(m.day_start_hour, g.day_start_hour)::integer AS day_start_hour,
       coalesce(m.opted_out, false) AS opted_out
FROM hourglass.guilds AS g
LEFT JOIN hourglass.members AS m ON m.guild_id = g.guild_id AND m.member_id = $2
WHERE g.guild_id = $1
"""

_GUILD_IDS = """
SELECT g.guild_id, g.name, count(m.member_id) AS members
FROM hourglass.guilds AS g
LEFT JOIN hourglass.members AS m ON m.guild_id = g.guild_id
GROUP BY g.guild_id, g.name
ORDER BY members DESC, g.guild_id
"""

_MEMBER_SLOTS = """
SELECT v.bucket, v.seconds
FROM hourglass.voice_seconds_15m AS v
WHERE v.guild_id = $1 AND v.member_id = $2 AND v.bucket >= $3 AND v.bucket < $4
ORDER BY v.bucket
"""

# Opted-out members are left out of every guild-wide figure, as on the leaderboards.
_GUILD_SLOTS = """
SELECT v.bucket, v.guild_id, v.member_id, v.seconds
FROM hourglass.voice_seconds_15m AS v
LEFT JOIN hourglass.members AS m ON m.guild_id = v.guild_id AND m.member_id = v.member_id
WHERE ($1::bigint IS NULL OR v.guild_id = $1)
  AND v.bucket >= $2 AND v.bucket < $3
  AND NOT coalesce(m.opted_out, false)
"""

_POINT_SLOTS = """
SELECT p.bucket, p.guild_id, p.member_id, p.points, p.events
FROM hourglass.points_15m AS p
WHERE ($1::bigint IS NULL OR p.guild_id = $1) AND p.bucket >= $2 AND p.bucket < $3
"""

_SESSIONS = """
SELECT s.guild_id, s.member_id, s.started_at, s.ended_at
FROM hourglass.voice_sessions AS s
LEFT JOIN hourglass.members AS m ON m.guild_id = s.guild_id AND m.member_id = s.member_id
WHERE ($1::bigint IS NULL OR s.guild_id = $1)
  AND s.started_at >= $2 AND s.started_at < $3
  AND NOT coalesce(m.opted_out, false)
"""

_MEMBERS = """
SELECT m.guild_id, m.member_id, m.display_name, m.first_seen_at
FROM hourglass.members AS m
WHERE ($1::bigint IS NULL OR m.guild_id = $1) AND NOT m.opted_out
"""

# Metric rollups, by grain. The names come from this fixed map, never from a caller.
_METRIC_VIEWS = {"1m": "hourglass.metrics_1m", "1h": "hourglass.metrics_1h"}
_METRICS = """
SELECT bucket, name, labels::text AS labels, le, samples, total, minimum, maximum
FROM {view}
WHERE bucket >= $1 AND bucket < $2
"""

SLOT_SCHEMA: Schema = {"bucket": UTC_TIME, "seconds": pl.Int64}
GUILD_SLOT_SCHEMA: Schema = {
    "bucket": UTC_TIME,
    "guild_id": pl.Int64,
    "member_id": pl.Int64,
    "seconds": pl.Int64,
}
POINT_SCHEMA: Schema = {
    "bucket": UTC_TIME,
    "guild_id": pl.Int64,
    "member_id": pl.Int64,
    "points": pl.Int64,
    "events": pl.Int64,
}
SESSION_SCHEMA: Schema = {
    "guild_id": pl.Int64,
    "member_id": pl.Int64,
    "started_at": UTC_TIME,
    "ended_at": UTC_TIME,
}
MEMBER_SCHEMA: Schema = {
    "guild_id": pl.Int64,
    "member_id": pl.Int64,
    "display_name": pl.String,
    "first_seen_at": UTC_TIME,
}
METRIC_SCHEMA: Schema = {
    "bucket": UTC_TIME,
    "name": pl.String,
    "labels": pl.String,
    "le": pl.Float64,
    "samples": pl.Int64,
    "total": pl.Float64,
    "minimum": pl.Float64,
    "maximum": pl.Float64,
}


def guild_settings(wh: Warehouse, guild_id: int) -> GuildSettings:
    """A guild's name, zone, day start and goals; AnalyticsError for an unknown guild."""
    schema: Schema = {
        "guild_id": pl.Int64,
        "name": pl.String,
        "time_zone": pl.String,
        "day_start_hour": pl.Int64,
        "daily_goal_minutes": pl.Int64,
        "daily_minimum_minutes": pl.Int64,
    }
    rows = wh.frame(_GUILD, [guild_id], schema).rows(named=True)
    if not rows:
        raise AnalyticsError(f"no guild {guild_id} in the database")

    row = rows[0]
    return GuildSettings(
        guild_id=guild_id,
        name=row["name"],
        zone=Zone(row["time_zone"], row["day_start_hour"]),
        daily_goal_minutes=row["daily_goal_minutes"],
        daily_minimum_minutes=row["daily_minimum_minutes"],
    )


def member_profile(wh: Warehouse, guild_id: int, member_id: int) -> MemberProfile:
    """A member's name and effective zone; a member never seen gets the guild's zone."""
    schema: Schema = {
        "display_name": pl.String,
        "time_zone": pl.String,
        "day_start_hour": pl.Int64,
        "opted_out": pl.Boolean,
    }
    rows = wh.frame(_MEMBER, [guild_id, member_id], schema).rows(named=True)
    if not rows:
        raise AnalyticsError(f"no guild {guild_id} in the database")

    row = rows[0]
    return MemberProfile(
        guild_id=guild_id,
        member_id=member_id,
        display_name=row["display_name"] or str(member_id),
        zone=Zone(row["time_zone"], row["day_start_hour"]),
        opted_out=bool(row["opted_out"]),
    )


def guilds(wh: Warehouse) -> pl.DataFrame:
    """Every guild with its member count, the largest first."""
    schema: Schema = {"guild_id": pl.Int64, "name": pl.String, "members": pl.Int64}
    return wh.frame(_GUILD_IDS, [], schema)


def member_slots(
    wh: Warehouse, guild_id: int, member_id: int, lo: datetime, hi: datetime
) -> pl.DataFrame:
    """A member's voice seconds per 15-minute UTC bucket in [lo, hi)."""
    return wh.frame(_MEMBER_SLOTS, [guild_id, member_id, lo, hi], SLOT_SCHEMA)


def guild_slots(wh: Warehouse, guild_id: int | None, lo: datetime, hi: datetime) -> pl.DataFrame:
    """Voice seconds per member per 15-minute UTC bucket; guild_id None means every guild."""
    return wh.frame(_GUILD_SLOTS, [guild_id, lo, hi], GUILD_SLOT_SCHEMA)


def point_slots(wh: Warehouse, guild_id: int | None, lo: datetime, hi: datetime) -> pl.DataFrame:
    """Points and point events per member per 15-minute UTC bucket."""
    return wh.frame(_POINT_SLOTS, [guild_id, lo, hi], POINT_SCHEMA)


def sessions(wh: Warehouse, guild_id: int | None, lo: datetime, hi: datetime) -> pl.DataFrame:
    """Closed voice sessions that started in [lo, hi)."""
    return wh.frame(_SESSIONS, [guild_id, lo, hi], SESSION_SCHEMA)


def members(wh: Warehouse, guild_id: int | None) -> pl.DataFrame:
    """Members who have not opted out, with their display names and first-seen moments."""
    return wh.frame(_MEMBERS, [guild_id], MEMBER_SCHEMA)


def metric_rows(
    wh: Warehouse, lo: datetime, hi: datetime, grain: Literal["1m", "1h"] = "1h"
) -> pl.DataFrame:
    """Rows of the metrics rollup of one grain in [lo, hi); labels as JSON text."""
    if grain not in _METRIC_VIEWS:
        raise AnalyticsError(f"unknown metrics grain {grain!r}; choose 1m or 1h")
    return wh.frame(_METRICS.format(view=_METRIC_VIEWS[grain]), [lo, hi], METRIC_SCHEMA)
