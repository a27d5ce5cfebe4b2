"""Benchmark of the bot through the Discord double: figures, not pass/fail.

    .venv/bin/python -m tests.benchmarks.bot_bench [--events 4000] [--members 300]

1. Voice-state events absorbed per second, batched write path against one write per event,
   measured side by side in one run (time until every event is in the database).
2. p50/p95 latency of /leaderboard and /stats with 50 members invoking at once, on a
   synthetic community of the given size over 90 days.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import HourglassBot
from bot.writer import BatchWriter
from hourglass import synthetic
from hourglass.database import connect
from hourglass.demo import seed
from hourglass.migrate import migrate
from hourglass.store.pool import create_pool
from hourglass.store.upkeep import refresh_rollups
from tests.discord_double import DiscordDouble, guild, member, running, text_channel, voice_channel
from tests.e2e.harness import answer
from tests.support.postgres import postgres_server, scratch_database

CONCURRENT = 50


def main(argv: list[str] | None = None) -> int:
    """Runs both benchmarks and prints a report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="voice events per mode")
    parser.add_argument("--members", type=int, default=300, help="community size")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of 50 invocations")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder, postgres_server(Path(folder)) as admin:
        report = asyncio.run(_run(admin, Path(folder), args))
    print(report)
    return 0


async def _run(admin: str, folder: Path, args: argparse.Namespace) -> str:
    lines = [f"# Bot benchmark ({os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d})", ""]
    rates = {}
    for mode, batch in (("batched", 500), ("one write per event", 1)):
        with scratch_database(admin) as url:
            _migrate(url)
            rates[mode] = await _voice_events(url, folder, args.events, batch)
        lines.append(f"- voice events, {mode}: {rates[mode]:,.0f} events/s")
    ratio = rates["batched"] / rates["one write per event"]
    lines += [f"- ratio batched / one write per event: {ratio:.1f}x", ""]

    with scratch_database(admin) as url:
        _migrate(url)
        latencies = await _command_latency(url, folder, args.members, args.rounds)
    for command, values in latencies.items():
        p50, p95 = _percentiles(values)
        lines.append(
            f"- /{command} with {CONCURRENT} concurrent members: p50 {p50 * 1000:.0f} ms,"
            f" p95 {p95 * 1000:.0f} ms ({len(values)} calls)"
        )
    return "\n".join(lines)


def _migrate(url: str) -> None:
    with connect(url) as conn:
        migrate(conn)


async def _voice_events(url: str, folder: Path, events: int, max_batch: int) -> float:
    people = [member(name=f"m{i}") for i in range(200)]
    rooms = [voice_channel(name=f"room {i}") for i in range(4)]
    hall = guild(channels=[text_channel(), *rooms], members=people)
    pool = await create_pool(url, max_size=4)
    writer = BatchWriter(
        pool, folder / f"spool-{max_batch}.jsonl", max_batch=max_batch, interval=0.02
    )
    bot = HourglassBot(pool, writer, checkpoint_seconds=3600, guild_ready_timeout=0.05)
    try:
        async with DiscordDouble([hall]) as double, running(bot, double, timeout=15):
            start = time.perf_counter()
            for i in range(events):
                person = people[i % len(people)]["user"]["id"]
                room = None if (i // len(people)) % 3 == 2 else rooms[i % len(rooms)]["id"]
                await double.voice_state_update(hall["id"], person, room)
            await _until_written(bot, writer)
            elapsed = time.perf_counter() - start
    finally:
        await pool.close()
    return events / elapsed


async def _until_written(bot: HourglassBot, writer: BatchWriter) -> None:
    await asyncio.sleep(0.05)
    while writer.queue_depth or bot.ws is None:
        await asyncio.sleep(0.01)
    await writer.flush()


async def _command_latency(
    url: str, folder: Path, members: int, rounds: int
) -> dict[str, list[float]]:
    people = [member(name=f"learner{i}") for i in range(CONCURRENT)]
    hall = guild(channels=[text_channel(), voice_channel()], members=people)
    spec = synthetic.CommunitySpec(
        members=members,
        days=90,
        guild_id=int(hall["id"]),
        end=datetime.now(UTC).date() + timedelta(days=1),
    )
    pool = await create_pool(url, max_size=10)
    async with pool.acquire() as conn:
        await seed(conn, spec, lambda done: None)
        await refresh_rollups(conn, datetime.now(UTC) - timedelta(hours=1))

    writer = BatchWriter(pool, folder / "spool-commands.jsonl")
    bot = HourglassBot(pool, writer, checkpoint_seconds=3600, guild_ready_timeout=0.05)
    timings: dict[str, list[float]] = {"leaderboard": [], "stats": []}
    try:
        async with DiscordDouble([hall]) as double, running(bot, double, timeout=15):
            for command in timings:
                await answer(await double.invoke(command))  # warm-up
                for _ in range(rounds):
                    calls = [_timed(double, command, p["user"]["id"]) for p in people]
                    timings[command] += await asyncio.gather(*calls)
    finally:
        await pool.close()
    return timings


async def _timed(double: DiscordDouble, command: str, user_id: str) -> float:
    start = time.perf_counter()
    await answer(await double.invoke(command, user_id=user_id), timeout=60)
    return time.perf_counter() - start


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


if __name__ == "__main__":
    sys.exit(main())
