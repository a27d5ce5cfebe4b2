"""Benchmark of the bot's own instrumentation: figures, not pass/fail.

    .venv/bin/python -m tests.benchmarks.telemetry_bench [--queries 3000]

1. Overhead on the command path: the same database-backed command body run with and
   without instruments (command timing and the per-query logger), side by side.
2. Flush throughput: metric rows drained from the registry and written per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hourglass.database import connect
from hourglass.migrate import migrate
from hourglass.store import ledger, settings
from hourglass.store.pool import create_pool
from hourglass.telemetry import Telemetry
from tests.support.postgres import postgres_server, scratch_database


def main(argv: list[str] | None = None) -> int:
    """Runs both measurements and prints a report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=3000, help="command calls per mode")
    parser.add_argument("--series", type=int, default=2000, help="label sets to flush")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory() as folder,
        postgres_server(Path(folder)) as admin,
        scratch_database(admin) as url,
    ):
        with connect(url) as conn:
            migrate(conn)
        report = asyncio.run(_run(url, args.queries, args.series))
    print(report)
    return 0


async def _run(url: str, calls: int, series: int) -> str:
    plain = await create_pool(url, max_size=2)
    telemetry = Telemetry()
    instrumented = await create_pool(url, max_size=2, telemetry=telemetry)
    await settings.ensure_guild(plain, 1, "bench")

    rounds = {"without": [], "with": []}
    for _ in range(5):  # alternate, so drift on a busy machine hits both alike
        rounds["without"].append(await _commands(plain, None, calls // 5))
        rounds["with"].append(await _commands(instrumented, telemetry, calls // 5))
    without, with_ = (statistics.median(rounds[k]) for k in ("without", "with"))

    flushed, seconds = await _flush(instrumented, series)
    await plain.close()
    await instrumented.close()
    return "\n".join(
        [
            f"# Telemetry benchmark ({os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d})",
            "",
            f"- command body (2 queries) without instruments: {without * 1e6:.0f} µs per call",
            f"- with command timing and query logging: {with_ * 1e6:.0f} µs per call",
            f"- overhead ratio with / without: {with_ / without:.3f}",
            f"- flush: {flushed:,} metric rows drained and written in {seconds:.2f} s "
            f"({flushed / seconds:,.0f} rows/s)",
        ]
    )


async def _commands(pool, telemetry: Telemetry | None, calls: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for _ in range(calls):
        if telemetry is None:
            await _body(pool)
            continue
        with telemetry.timed_command("stats"):
            await _body(pool)
    return (time.perf_counter() - start) / calls


async def _body(pool) -> None:  # type: ignore[no-untyped-def]
    await settings.guild_config(pool, 1)
    await settings.member_config(pool, 1, 2)


async def _flush(pool, series: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    telemetry = Telemetry()
    for i in range(series):
        telemetry.command_seconds.labels(f"command-{i}").observe(0.02 * (i % 7))
        telemetry.cache_requests.labels(f"cache-{i % 50}", "memory", "hit").inc()
    start = time.perf_counter()
    samples = telemetry.drain(datetime.now(UTC))
    async with pool.acquire() as conn:
        for index in range(0, len(samples), 2000):
            await ledger.write_metrics(conn, samples[index : index + 2000])
    return len(samples), time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
