"""`hourglass bench`: the write path and the rollups, each measured against its naive form.

Every backend gets the same two measurements, in one run:

- ingest: voice sessions written through voice.write_sessions in batches, against one
  statement per session (the session row and its pieces) in autocommit, on a subsample;
- a daily leaderboard over 90 days of a synthetic community, read from the 15-minute
  rollup and computed from raw sessions, after checking that both rank alike.

Plain PostgreSQL runs in a scratch database created beside the target and dropped at the
end. The TimescaleDB server is used as given (PGlite serves a single database), so point
it at a database meant for this: the rows written stay there.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import os
import platform
import secrets
import sys
import time
from collections.abc import Awaitable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from psycopg import sql

from hourglass import synthetic
from hourglass.database import connect as connect_sync
from hourglass.database import redact
from hourglass.demo import Progress
from hourglass.errors import ConfigError, HourglassError
from hourglass.migrate import Backend, detect_backend, migrate
from hourglass.store import guilds, stats, upkeep, voice
from hourglass.store.pool import connect
from hourglass.store.records import Standing, VoiceSession

log = logging.getLogger(__name__)

T = TypeVar("T")

# Sessions per write_sessions call: the bot's writer batches 500 operations too. Sizes from
# 200 to 10,000 ingest within a few percent of each other on PostgreSQL; PGlite needs
# messages of a few hundred rows.
BATCH = 500
NAIVE_ROWS = 20_000
DAYS = 90
BOARD_DAYS = 10
RUNS_PER_DAY = 5
TOP = 10
WHOLE_RANKING = 2**31 - 1
TIMESCALEDB_SCALE = 10
BOARD_GUILD_ID = 910_000_000_000_000_001
INGEST_GUILD_ID = 920_000_000_000_000_000
INGEST_COMMUNITY = 2_000

# The naive baseline: one round trip and one commit per session, as a first version of a
# bot would write them. It is a benchmark's foil, not a query of the bot, so it lives here.
_ROW_BY_ROW = """
WITH session AS (
  INSERT INTO hourglass.voice_sessions (
    session_id, guild_id, member_id, channel_id, started_at, ended_at,
    camera_seconds, stream_seconds, self_mute_seconds, self_deaf_seconds, close_reason)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
)
INSERT INTO hourglass.voice_activity (
  slot, guild_id, member_id, channel_id, session_id, piece_start, seconds)
SELECT s.slot, $2, $3, $4, $1, s.piece_start, s.seconds
FROM hourglass.voice_slices($5, $6) AS s
"""

_COUNT_SESSIONS = "SELECT count(*) FROM hourglass.voice_sessions WHERE guild_id = $1"

_COUNT_PIECES = "SELECT count(*) FROM hourglass.voice_activity WHERE guild_id = $1"


class BenchmarkMismatch(HourglassError):
    """The rollups and the raw sessions ranked differently: a bug, not a slow run."""


@dataclass(frozen=True)
class Sizes:
    """How much one backend's run writes and reads."""

    rows: int
    naive_rows: int
    members: int
    batch: int = BATCH


@dataclass(frozen=True)
class IngestResult:
    """Sessions written each way and the seconds spent inside the write calls."""

    rows: int
    seconds: float
    naive_rows: int
    naive_seconds: float

    @property
    def rate(self) -> float:
        """Sessions per second through the batched write path."""
        return self.rows / self.seconds

    @property
    def naive_rate(self) -> float:
        """Sessions per second, one statement each."""
        return self.naive_rows / self.naive_seconds


@dataclass(frozen=True)
class BoardResult:
    """The leaderboard community, its seeding, and the query times in milliseconds."""

    members: int
    time_zone: str
    sessions: int
    new_sessions: int
    pieces: int
    seed_seconds: float
    refresh_seconds: float
    days: list[date]
    ranked: list[int]
    rollup_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class BackendRun:
    """Everything measured on one backend."""

    backend: Backend
    server: str
    database: str
    sizes: Sizes
    board: BoardResult
    ingest: IngestResult


def run_benchmarks(
    url: str,
    rows: int,
    members: int,
    timescaledb_url: str | None = None,
    *,
    timescaledb_rows: int | None = None,
    timescaledb_members: int | None = None,
) -> str:
    """Measures ingest and the daily leaderboard on each backend; returns a printable report.

    url is a server for the plain-PostgreSQL run, which happens in a scratch database there.
    timescaledb_url, when given, is migrated and filled as is, by default with a tenth of
    the rows and members: PGlite, the usual test server, keeps its whole database in the
    memory of one WebAssembly process and is slower than PostgreSQL.
    """
    if timescaledb_url is not None:
        _require_timescaledb(timescaledb_url)
    end = datetime.now(UTC).date()
    header = _machine()
    runs = []

    with scratch_database(url) as scratch_url:
        sizes = Sizes(rows, min(rows, NAIVE_ROWS), members)
        runs.append(_run_backend(scratch_url, sizes, end))

    if timescaledb_url is not None:
        ts_rows = timescaledb_rows or max(1, rows // TIMESCALEDB_SCALE)
        ts_members = timescaledb_members or max(1, members // TIMESCALEDB_SCALE)
        sizes = Sizes(ts_rows, min(ts_rows, NAIVE_ROWS), ts_members)
        runs.append(_run_backend(timescaledb_url, sizes, end))

    footer = f"load average {_load():.2f} at the end"
    return "\n\n".join([header, *(format_run(run) for run in runs), footer])


@contextlib.contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """Creates an empty database on the server of url, yields its URL, and drops it after."""
    name = f"hourglass_bench_{secrets.token_hex(4)}"
    scratch_url = _with_database(url, name)
    with connect_sync(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log.info("created scratch database %s", name)

    try:
        yield scratch_url
    finally:
        with connect_sync(url) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))
        log.info("dropped scratch database %s", name)


def format_run(run: BackendRun) -> str:
    """The figures of one backend as an indented block of text."""
    ingest, board = run.ingest, run.board
    lines = [
        f"{run.server}, backend {run.backend} (database {run.database})",
        "  ingest: voice sessions, each with its 15-minute pieces",
        _rate_line(
            f"write path (write_sessions, {run.sizes.batch} a batch)", ingest.rows, ingest.seconds
        ),
        _rate_line(
            "row by row (a statement each, autocommit)", ingest.naive_rows, ingest.naive_seconds
        ),
        f"    write path / row by row: {ingest.rate / ingest.naive_rate:.1f}x",
    ]

    p50_ratio = _percentile(board.raw_ms, 0.5) / _percentile(board.rollup_ms, 0.5)
    earlier = board.sessions - board.new_sessions
    kept = f" ({earlier:,} were there before)" if earlier else ""
    lines += [
        f"  daily leaderboard: {board.members:,} members over {DAYS} days, guild time zone "
        f"{board.time_zone}",
        f"    {board.sessions:,} sessions{kept}, {board.pieces:,} pieces; seeding through the "
        f"write path took {board.seed_seconds:.1f} s, refreshing the rollups "
        f"{board.refresh_seconds:.1f} s",
        f"    {len(board.days)} days from {board.days[0]} to {board.days[-1]}, "
        f"{RUNS_PER_DAY} runs a day, top {TOP}",
        f"    full rankings identical on every day ({min(board.ranked):,} to "
        f"{max(board.ranked):,} members ranked a day)",
        f"    {'leaderboard (15-minute rollup)':<42}{_timings(board.rollup_ms)}",
        f"    {'leaderboard_from_sessions (raw)':<42}{_timings(board.raw_ms)}",
        f"    raw p50 / rollup p50: {p50_ratio:.1f}x",
    ]
    return "\n".join(lines)


def _require_timescaledb(url: str) -> None:
    with connect_sync(url) as conn:
        backend = detect_backend(conn)
    if backend != "timescaledb":
        raise ConfigError(
            f"--timescaledb-url: {redact(url)} would use the {backend} backend, not timescaledb"
        )


def _run_backend(url: str, sizes: Sizes, end: date) -> BackendRun:
    _say(f"migrating {urlsplit(url).path.lstrip('/') or 'the database'}")
    with connect_sync(url) as conn:
        migrate(conn)
        backend = detect_backend(conn)

    return asyncio.run(_measure(url, backend, sizes, end))


async def _measure(url: str, backend: Backend, sizes: Sizes, end: date) -> BackendRun:
    conn = await _open(url)
    try:
        server = await _describe_server(conn)
        database = str(await conn.fetchval("SELECT current_database()"))
        _say(f"{server}: {sizes.members:,} members, {sizes.rows:,} rows")
        # The leaderboard goes first, so that its refresh does not aggregate the ingest rows.
        board = await _leaderboard_benchmark(conn, sizes, end)
        ingest = await _ingest_benchmark(conn, sizes, end)
    finally:
        await _close(conn)
    return BackendRun(backend, server, database, sizes, board, ingest)


async def _leaderboard_benchmark(conn: asyncpg.Connection, sizes: Sizes, end: date) -> BoardResult:
    spec = synthetic.CommunitySpec(
        members=sizes.members, days=DAYS, end=end, guild_id=BOARD_GUILD_ID
    )
    new_sessions, seed_seconds, refresh_seconds = await _seed_board(conn, spec, sizes.batch)

    days = _spread_days(spec)
    result = BoardResult(
        members=sizes.members,
        time_zone=spec.guild_time_zone,
        sessions=int(await conn.fetchval(_COUNT_SESSIONS, spec.guild_id)),
        new_sessions=new_sessions,
        pieces=int(await conn.fetchval(_COUNT_PIECES, spec.guild_id)),
        seed_seconds=seed_seconds,
        refresh_seconds=refresh_seconds,
        days=days,
        ranked=[await _check_full_ranking(conn, spec.guild_id, day) for day in days],
    )

    _say(f"leaderboard: timing {len(days)} days, {RUNS_PER_DAY} runs each")
    for day in days:
        await _time_day(conn, spec.guild_id, day, result)
    return result


async def _seed_board(
    conn: asyncpg.Connection, spec: synthetic.CommunitySpec, batch: int
) -> tuple[int, float, float]:
    """Seeds the community and refreshes the rollups; returns new sessions and both times."""
    await upkeep.prepare_range(conn, spec.start_at - timedelta(days=1), spec.end_at)
    await guilds.upsert_guild(conn, synthetic.guild(spec))
    for chunk in _chunks(synthetic.members(spec), batch):
        await guilds.upsert_members(conn, chunk)

    progress = Progress("leaderboard: seeding")
    new_sessions, seed_seconds = await _write_batches(
        conn, synthetic.sessions(spec), batch, progress
    )

    _say("leaderboard: refreshing the rollups, then VACUUM (ANALYZE)")
    started = time.perf_counter()
    await upkeep.refresh_rollups(conn, spec.end_at)
    refresh_seconds = time.perf_counter() - started
    # A running bot's tables are vacuumed and analyzed by autovacuum (PGlite has none);
    # without statistics the planner guesses, and the timings would measure its guesses.
    await conn.execute("VACUUM (ANALYZE)")
    return new_sessions, seed_seconds, refresh_seconds


async def _check_full_ranking(conn: asyncpg.Connection, guild_id: int, day: date) -> int:
    """Compares the whole ranking of a day both ways; returns how many members it ranks."""
    from_rollup = await stats.leaderboard(conn, guild_id, day, day, WHOLE_RANKING)
    from_sessions = await stats.leaderboard_from_sessions(conn, guild_id, day, day, WHOLE_RANKING)
    _require_same(day, from_rollup, from_sessions)
    return len(from_rollup)


async def _time_day(conn: asyncpg.Connection, guild_id: int, day: date, into: BoardResult) -> None:
    for _ in range(RUNS_PER_DAY):
        from_rollup, rollup_ms = await _timed(stats.leaderboard(conn, guild_id, day, day, TOP))
        from_sessions, raw_ms = await _timed(
            stats.leaderboard_from_sessions(conn, guild_id, day, day, TOP)
        )

        _require_same(day, from_rollup, from_sessions)
        into.rollup_ms.append(rollup_ms)
        into.raw_ms.append(raw_ms)


def _require_same(day: date, from_rollup: list[Standing], from_sessions: list[Standing]) -> None:
    if from_rollup == from_sessions:
        return
    for place, (a, b) in enumerate(itertools.zip_longest(from_rollup, from_sessions), 1):
        if a != b:
            raise BenchmarkMismatch(
                f"the leaderboard of {day} differs at place {place}: rollup {a}, raw sessions {b}"
            )


async def _ingest_benchmark(conn: asyncpg.Connection, sizes: Sizes, end: date) -> IngestResult:
    first = synthetic.CommunitySpec(end=end, days=DAYS)
    await upkeep.prepare_range(conn, first.start_at - timedelta(days=1), first.end_at)
    stream = _ingest_sessions(end)

    naive = list(itertools.islice(stream, sizes.naive_rows))
    naive_seconds = await _write_row_by_row(conn, naive, Progress("ingest: row by row"))
    progress = Progress("ingest: write path")
    written, seconds = await _write_batches(
        conn, itertools.islice(stream, sizes.rows), sizes.batch, progress
    )

    if written != sizes.rows:
        raise HourglassError(f"ingest wrote {written:,} new sessions of {sizes.rows:,}")
    return IngestResult(sizes.rows, seconds, len(naive), naive_seconds)


def _ingest_sessions(end: date) -> Iterator[VoiceSession]:
    """Endless sessions of new communities; the run's own guild ids keep them new."""
    run = secrets.randbelow(1_000_000) * 1_000_000_000
    for index in itertools.count():
        spec = synthetic.CommunitySpec(
            members=INGEST_COMMUNITY,
            days=DAYS,
            end=end,
            seed=index,
            guild_id=INGEST_GUILD_ID + run + index * 10_000,
        )
        yield from synthetic.sessions(spec)


async def _write_batches(
    conn: asyncpg.Connection, sessions: Iterable[VoiceSession], batch: int, progress: Progress
) -> tuple[int, float]:
    """Writes sessions through the write path; returns how many were new and the seconds spent."""
    written, seen, busy = 0, 0, 0.0
    for chunk in _chunks(sessions, batch):
        started = time.perf_counter()
        written += await voice.write_sessions(conn, chunk)
        busy += time.perf_counter() - started

        seen += len(chunk)
        progress(seen)
    progress.finish()
    return written, busy


async def _write_row_by_row(
    conn: asyncpg.Connection, sessions: Sequence[VoiceSession], progress: Progress
) -> float:
    busy = 0.0
    for done, s in enumerate(sessions, 1):
        started = time.perf_counter()
        await conn.execute(
            _ROW_BY_ROW,
            s.session_id,
            s.guild_id,
            s.member_id,
            s.channel_id,
            s.started_at,
            s.ended_at,
            s.camera_seconds,
            s.stream_seconds,
            s.self_mute_seconds,
            s.self_deaf_seconds,
            s.close_reason,
        )
        busy += time.perf_counter() - started

        if done % 100 == 0 or done == len(sessions):
            progress(done)
    progress.finish()
    return busy


async def _open(url: str) -> asyncpg.Connection:
    conn = await connect(url)
    # PGlite serves every client from one backend, so statements an earlier connection
    # prepared are still there and would clash with this connection's statement names.
    await conn.execute("DEALLOCATE ALL")
    return conn


async def _close(conn: asyncpg.Connection) -> None:
    # PGlite never answers the Terminate message; close() then aborts the socket.
    with contextlib.suppress(TimeoutError):
        await conn.close(timeout=5)


async def _describe_server(conn: asyncpg.Connection) -> str:
    version = await conn.fetchval("SHOW server_version")
    timescaledb = await conn.fetchval(
        "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
    )
    description = f"PostgreSQL {version}"
    if "emscripten" in str(await conn.fetchval("SELECT version()")).lower():
        description += " compiled to WebAssembly (PGlite)"
    if timescaledb:
        description += f" with TimescaleDB {timescaledb}"
    return description


async def _timed(query: Awaitable[T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = await query
    return result, (time.perf_counter() - started) * 1000


def _spread_days(spec: synthetic.CommunitySpec) -> list[date]:
    """BOARD_DAYS local days spread evenly over the community's history."""
    first = spec.end - timedelta(days=spec.days)
    count = min(BOARD_DAYS, spec.days)
    step = (spec.days - 1) / max(count - 1, 1)
    return [first + timedelta(days=round(i * step)) for i in range(count)]


def _machine() -> str:
    return "\n".join(
        [
            f"Hourglass benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"machine: {os.cpu_count()} cores (os.cpu_count()), {platform.machine()} "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
            f"load average {_load():.2f} at the start",
        ]
    )


def _load() -> float:
    """The one-minute load average: other work on the machine skews every figure."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


def _rate_line(label: str, rows: int, seconds: float) -> str:
    return f"    {label:<42}{rows:>10,} rows {seconds:>7.1f} s {rows / seconds:>8,.0f} rows/s"


def _timings(values_ms: list[float]) -> str:
    p50, p90 = _percentile(values_ms, 0.5), _percentile(values_ms, 0.9)
    return f"p50 {p50:>8.2f} ms   p90 {p90:>8.2f} ms"


def _percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ConfigError("the benchmark needs the database as a postgresql:// URL")
    return urlunsplit(parts._replace(path=f"/{name}"))


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
