"""Benchmarks of the analytics path; prints figures, asserts nothing.

    python -m analytics.bench [--admin-url URL] [--rows 1000000] [--renders 10]

It creates a scratch database on the server (the embedded one by default), migrates it,
seeds the synthetic community and a million rows of the 15-minute rollup, then measures:
loading the rows into polars by each engine against fetchall; drawing every chart with a
fresh browser per chart (as `fig.to_image()` does) against one persistent renderer, with
p50 and p95 per chart type; and the renderer's peak memory (browser processes).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial

import psycopg

from analytics import data
from analytics.charts import theme
from analytics.dashboard import guild_figures, member_figures
from analytics.data import ENGINES, Engine, Warehouse
from analytics.reports import top_member

log = logging.getLogger(__name__)

_FILL_ROLLUP = """
INSERT INTO hourglass_internal.voice_seconds_15m (bucket, guild_id, member_id, seconds)
SELECT timestamptz '2024-01-01 00:00+00' + (i / 1000) * interval '15 minutes',
       1, 1000 + mod(i, 1000), 1 + mod(i * 7919, 900)
FROM generate_series(0::bigint, %s - 1) AS i
"""


def main(argv: list[str] | None = None) -> None:
    """Runs every benchmark and prints the report."""
    parser = argparse.ArgumentParser(prog="python -m analytics.bench", description=__doc__)
    parser.add_argument("--admin-url", default=None, help="server admin URL (default: embedded)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rollup rows to load")
    parser.add_argument("--renders", type=int, default=10, help="warm renders per chart type")
    parser.add_argument("--cold", type=int, default=3, help="charts drawn with a fresh browser")
    args = parser.parse_args(argv)

    with _server(args.admin_url) as admin_url, _scratch(admin_url) as url:
        print(run(url, args.rows, args.renders, args.cold))


def run(url: str, rows: int, renders: int, cold: int) -> str:
    """Fills the database at url and returns the report as Markdown text."""
    from hourglass import synthetic
    from hourglass.demo import seed
    from hourglass.store import upkeep
    from hourglass.store.pool import connect

    spec = synthetic.CommunitySpec(members=300, days=90, end=datetime.now(UTC).date())

    async def fill() -> None:
        conn = await connect(url)
        try:
            await seed(conn, spec, lambda done: None)
            await upkeep.refresh_rollups(conn, spec.end_at)
        finally:
            await conn.close()

    asyncio.run(fill())
    lines = [f"# Analytics benchmarks\n\nMachine: {os.cpu_count()} cores; {_when()}.\n"]
    lines += _loading(url, rows)
    lines += _rendering(url, spec.guild_id, spec.end - timedelta(days=1), renders, cold)
    return "\n".join(lines)


def _when() -> str:
    return f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def _loading(url: str, rows: int) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM hourglass_internal.voice_seconds_15m WHERE guild_id = 1")
        conn.execute(_FILL_ROLLUP, (rows,))
        conn.execute(
            "UPDATE hourglass_internal.rollups SET watermark = 'infinity' "
            "WHERE name = 'voice_seconds_15m'"
        )
        conn.execute("ANALYZE hourglass_internal.voice_seconds_15m")

    lo, hi = datetime(2024, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    timings: dict[str, float] = {}
    engines: list[Engine] = ["fetchall", *[e for e in ENGINES if e != "fetchall"]]
    for engine in engines:
        with Warehouse(url, engine) as wh:
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                frame = data.guild_slots(wh, 1, lo, hi)
                runs.append(time.perf_counter() - start)
        assert frame.height == rows, (engine, frame.height)
        timings[engine] = min(runs)

    lines = [
        f"## Loading {rows:,} rows of voice_seconds_15m into polars\n",
        "Best of three; the same query (a view over the rollup) for every engine.\n",
        "| engine | seconds | rows per second | speed-up over fetchall |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, seconds in timings.items():
        lines.append(
            f"| {name} | {seconds:.2f} | {rows / seconds:,.0f} | "
            f"{timings['fetchall'] / seconds:.1f}x |"
        )
    return [*lines, ""]


def _rendering(url: str, guild_id: int, last_day: date, renders: int, cold: int) -> list[str]:
    from analytics.render import SyncRenderer

    with Warehouse(url) as wh:
        figures, _ = guild_figures(wh, guild_id, last_day)
        member = top_member(wh, guild_id, last_day)
        if member is not None:
            figures.update(member_figures(wh, guild_id, member, last_day))

    cold_figures = list(figures.values())[:cold]
    cold_times = [
        _timed(partial(f.to_image, format="png", width=theme.WIDTH)) for f in cold_figures
    ]

    start = time.perf_counter()
    renderer = SyncRenderer()
    startup = time.perf_counter() - start
    peak = _PeakMemory(renderer.renderer.browser_pid)
    per_chart: dict[str, list[float]] = {}
    try:
        with peak:
            for name, fig in figures.items():
                per_chart[name] = [
                    _timed(partial(renderer.render_png, fig)) for _ in range(renders)
                ]
    finally:
        renderer.close()

    warm = [t for times in per_chart.values() for t in times]
    lines = [
        "## Drawing charts as PNG\n",
        f"Cold: `fig.to_image()` starts a browser for each chart ({cold} charts). Warm: one "
        f"`SyncRenderer`, started once ({startup:.2f} s), {renders} renders per chart type "
        f"at {theme.WIDTH} px wide.\n",
        f"- cold, per chart: median {statistics.median(cold_times):.2f} s",
        f"- warm, per chart: median {statistics.median(warm):.3f} s, p95 {_p95(warm):.3f} s",
        f"- cold / warm: {statistics.median(cold_times) / statistics.median(warm):.1f}x",
        f"- renderer peak memory (browser processes, proportional set size): "
        f"{peak.peak / 2**20:.0f} MiB\n",
        "| chart | p50 s | p95 s |",
        "| --- | ---: | ---: |",
    ]
    for name, times in per_chart.items():
        lines.append(f"| {name} | {statistics.median(times):.3f} | {_p95(times):.3f} |")
    return [*lines, ""]


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class _PeakMemory:
    """Samples the memory of a process and its children in a thread."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        if self.pid is None:
            return
        root = psutil.Process(self.pid)
        while not self._stop.is_set():
            try:
                processes = [root, *root.children(recursive=True)]
                total = 0
                for process in processes:
                    try:
                        total += _proportional(process)
                    except psutil.NoSuchProcess:
                        continue
                self.peak = max(self.peak, total)
            except psutil.NoSuchProcess:
                return
            self._stop.wait(0.1)


def _proportional(process: object) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    info = process.memory_full_info()  # type: ignore[attr-defined]
    return int(getattr(info, "pss", info.rss))


@contextmanager
def _server(admin_url: str | None) -> Iterator[str]:
    if admin_url:
        yield admin_url
        return
    from hourglass.embedded import EmbeddedPostgres
    from hourglass.settings import EmbeddedSettings, load

    settings = load(EmbeddedSettings)
    server = EmbeddedPostgres(settings.data_dir, settings.port)
    started = server.start()
    try:
        yield server.url
    finally:
        if started:
            server.stop()


@contextmanager
def _scratch(admin_url: str) -> Iterator[str]:
    from psycopg.conninfo import make_conninfo

    from hourglass.migrate import migrate

    name = f"hourglass_analytics_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(admin_url, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn)
        yield _as_url(url)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_url(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(conninfo)
    auth = str(parts.get("user") or "")
    if parts.get("password"):
        auth += f":{parts['password']}"
    host = parts.get("host", "127.0.0.1")
    return f"postgresql://{auth}@{host}:{parts.get('port', 5432)}/{parts['dbname']}"


if __name__ == "__main__":
    main()
