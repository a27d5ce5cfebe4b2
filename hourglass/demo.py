"""`hourglass demo`: seed a synthetic community, refresh the rollups, show a leaderboard."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import TypeVar

import asyncpg

from hourglass import synthetic
from hourglass.store import guilds, ledger, stats, upkeep, voice
from hourglass.store.pool import connect
from hourglass.store.records import Standing

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH = 2000


@dataclass(frozen=True)
class DemoResult:
    """What the demo wrote and where."""

    sessions: int
    point_events: int
    metric_samples: int
    yesterday: list[Standing]
    last_week: list[Standing]
    all_time: list[Standing]
    out_dir: Path


def run_demo(url: str, spec: synthetic.CommunitySpec, out_dir: Path) -> DemoResult:
    """Seeds the community into the database at url and writes the demo's output files."""
    return asyncio.run(_run(url, spec, out_dir))


async def _run(url: str, spec: synthetic.CommunitySpec, out_dir: Path) -> DemoResult:
    conn = await connect(url)
    try:
        progress = Progress("seeding")
        counts = await seed(conn, spec, progress)
        progress.finish()
        await upkeep.refresh_rollups(conn, spec.end_at)
        result = await _leaderboards(conn, spec, counts, out_dir)
    finally:
        await conn.close()
    _write_outputs(result, spec)
    return result


async def seed(
    conn: asyncpg.Connection, spec: synthetic.CommunitySpec, progress: Callable[[int], None]
) -> tuple[int, int, int]:
    """Writes the community through the bot's write path; returns sessions, points, metrics."""
    await upkeep.prepare_range(conn, spec.start_at - timedelta(days=1), spec.end_at)
    await guilds.upsert_guild(conn, synthetic.guild(spec))
    await guilds.upsert_members(conn, synthetic.members(spec))

    seen = sessions = points = samples = 0
    for batch in _batches(synthetic.sessions(spec), BATCH):
        sessions += await voice.write_sessions(conn, batch)
        points += await ledger.append_points(conn, [synthetic.points_for(s) for s in batch])
        seen += len(batch)
        progress(seen)

    if await ledger.count_metrics(conn, spec.end_at - timedelta(days=7), spec.end_at):
        return sessions, points, samples
    for metric_batch in _batches(synthetic.metrics(spec), BATCH):
        await ledger.write_metrics(conn, metric_batch)
        samples += len(metric_batch)
    return sessions, points, samples


async def _leaderboards(
    conn: asyncpg.Connection,
    spec: synthetic.CommunitySpec,
    counts: tuple[int, int, int],
    out_dir: Path,
) -> DemoResult:
    yesterday = spec.end - timedelta(days=1)
    return DemoResult(
        *counts,
        yesterday=await stats.leaderboard(conn, spec.guild_id, yesterday, yesterday),
        last_week=await stats.leaderboard(
            conn, spec.guild_id, yesterday - timedelta(days=6), yesterday
        ),
        all_time=await stats.all_time_leaderboard(conn, spec.guild_id),
        out_dir=out_dir,
    )


def _write_outputs(result: DemoResult, spec: synthetic.CommunitySpec) -> None:
    result.out_dir.mkdir(parents=True, exist_ok=True)
    for name, board in (
        ("yesterday", result.yesterday),
        ("last_7_days", result.last_week),
        ("all_time", result.all_time),
    ):
        with (result.out_dir / f"leaderboard_{name}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["rank", "member_id", "display_name", "hours"])
            for row in board:
                writer.writerow(
                    [row.rank, row.member_id, row.display_name, f"{row.seconds / 3600:.2f}"]
                )

    summary = {
        "guild_id": spec.guild_id,
        "members": spec.members,
        "days": spec.days,
        "first_day": str(spec.end - timedelta(days=spec.days)),
        "last_day": str(spec.end - timedelta(days=1)),
        "sessions": result.sessions,
        "point_events_new": result.point_events,
        "metric_samples": result.metric_samples,
        "leaderboard_last_7_days": [asdict(row) for row in result.last_week],
    }
    (result.out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


def format_board(title: str, board: list[Standing]) -> str:
    """A leaderboard as a small text table."""
    lines = [title]
    if not board:
        lines.append("  (no study time)")
    for row in board:
        hours, rest = divmod(row.seconds, 3600)
        lines.append(f"  {row.rank:>3}. {row.display_name:<16} {hours:>4}h {rest // 60:02d}m")
    return "\n".join(lines)


class Progress:
    """Counts written rows on one terminal line, or every few seconds' worth in a log."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._last_reported = 0

    def __call__(self, done: int) -> None:
        if self.tty:
            print(f"\r{self.label}: {done:,} sessions", end="", file=sys.stderr, flush=True)
        elif done - self._last_reported >= 10 * BATCH:
            print(f"{self.label}: {done:,} sessions", file=sys.stderr, flush=True)
            self._last_reported = done

    def finish(self) -> None:
        """Ends the progress line."""
        if self.tty:
            print(file=sys.stderr)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
