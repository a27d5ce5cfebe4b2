"""The write path: gateway events are buffered and written in batches.

Callers submit groups of operations; a group is never split across transactions. A flush
applies up to `max_batch` operations in one transaction. While the database is
unreachable, groups stay in memory up to a bound and then go to a spool file (one JSON
batch per line, fsynced); when the database returns, the spool is written first, then
memory. Every operation is idempotent, so a batch whose outcome was unknown is simply
written again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg

from hourglass.store.batch import Operation, apply_batch, dumps, loads

log = logging.getLogger(__name__)

Apply = Callable[[asyncpg.Connection, Sequence[Operation]], Awaitable[None]]

# Errors that mean "the database is not there right now", as opposed to bad data.
UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InterfaceError,
)


class BatchWriter:
    """Buffers write operations and applies them in batches through the pool."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        spool_path: Path,
        *,
        max_batch: int = 500,
        interval: float = 1.0,
        max_memory_ops: int = 50_000,
        apply: Apply = apply_batch,
    ) -> None:
        self.pool = pool
        self.spool_path = spool_path
        self.max_batch = max_batch
        self.interval = interval
        self.max_memory_ops = max_memory_ops
        self._apply = apply
        self._groups: deque[list[Operation]] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()
        self.healthy = True
        self.batches_written = 0
        self.ops_written = 0

    @property
    def queue_depth(self) -> int:
        """Operations waiting in memory."""
        return self._queued

    @property
    def spooled_batches(self) -> int:
        """Batches waiting in the spool file."""
        if not self.spool_path.exists():
            return 0
        with self.spool_path.open() as handle:
            return sum(1 for line in handle if line.strip())

    def submit(self, ops: Sequence[Operation]) -> None:
        """Queues a group of operations to be written together."""
        if not ops:
            return
        self._groups.append(list(ops))
        self._queued += len(ops)
        if self._queued > self.max_memory_ops:
            self._spill()
        if self._queued >= self.max_batch:
            self._wake.set()

    async def start(self) -> None:
        """Writes what an earlier run spooled, then starts flushing in the background."""
        await self._drain_spool()
        self._task = asyncio.create_task(self._run(), name="hourglass-writer")

    async def stop(self, timeout: float = 10.0) -> None:
        """Flushes what is queued; whatever cannot be written now is spooled."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await asyncio.wait_for(self.flush(), timeout)
        except (TimeoutError, *UNAVAILABLE):
            log.warning("database unavailable at shutdown; spooling %s operations", self._queued)
        if self._groups:
            self._spill(everything=True)

    async def flush(self) -> None:
        """Writes the spool and every queued group; raises if the database is unavailable.

        When it returns, everything submitted before the call is in the database, including
        a batch another flush had in flight.
        """
        async with self._flushing:
            await self._flush_locked()

    async def _flush_locked(self) -> None:
        await self._drain_spool()
        while self._groups:
            batch, count = self._take()
            try:
                await self._write(batch)
            except UNAVAILABLE:
                self._put_back(batch)
                raise
            except asyncpg.PostgresError as exc:
                self._reject(batch, exc)
            except BaseException:
                self._put_back(batch)
                raise
            self._queued -= len(batch)
            log.debug("wrote a batch of %s operations from %s groups", len(batch), count)

    async def _run(self) -> None:
        delay = self.interval
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()
            try:
                await self.flush()
            except UNAVAILABLE as exc:
                if self.healthy:
                    log.warning("database unavailable, holding writes (%s); will retry", exc)
                self.healthy = False
                delay = min(delay * 2, 30.0)
                continue
            if not self.healthy:
                log.info("database reachable again; queued writes are flushed")
            self.healthy, delay = True, self.interval

    async def _write(self, batch: list[Operation]) -> None:
        async with self.pool.acquire() as conn:
            await self._apply(conn, batch)
        self.batches_written += 1
        self.ops_written += len(batch)

    def _take(self) -> tuple[list[Operation], int]:
        batch: list[Operation] = []
        count = 0
        while self._groups and (not batch or len(batch) + len(self._groups[0]) <= self.max_batch):
            batch.extend(self._groups.popleft())
            count += 1
        return batch, count

    def _put_back(self, batch: list[Operation]) -> None:
        self._groups.appendleft(batch)

    def _reject(self, batch: list[Operation], exc: Exception) -> None:
        rejected = self.spool_path.with_suffix(".rejected")
        log.error("the database refused a batch (%s); kept in %s for inspection", exc, rejected)
        rejected.parent.mkdir(parents=True, exist_ok=True)
        with rejected.open("a") as handle:
            handle.write(dumps(batch) + "\n")

    def _spill(self, everything: bool = False) -> None:
        keep = 0 if everything else self.max_memory_ops // 2
        lines = []
        while self._groups and self._queued > keep:
            group = self._groups.popleft()
            self._queued -= len(group)
            lines.append(dumps(group))
        self._append_spool(lines)
        log.warning("spooled %s write groups to %s", len(lines), self.spool_path)

    def _append_spool(self, lines: list[str]) -> None:
        if not lines:
            return
        self.spool_path.parent.mkdir(parents=True, exist_ok=True)
        with self.spool_path.open("a") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    async def _drain_spool(self) -> None:
        if not self.spool_path.exists():
            return
        lines = [line for line in self.spool_path.read_text().splitlines() if line.strip()]
        for index, line in enumerate(lines):
            try:
                await self._write(loads(line))
            except BaseException:
                self._rewrite_spool(lines[index:])
                raise
        self.spool_path.unlink()
        if lines:
            log.info("wrote %s spooled batches", len(lines))

    def _rewrite_spool(self, lines: list[str]) -> None:
        temporary = self.spool_path.with_suffix(".tmp")
        temporary.write_text("\n".join(lines) + "\n")
        os.replace(temporary, self.spool_path)
