"""The bot's own instruments: commands, gateway, pool, event loop, write path, memory.

Everything is counted in process (prometheus-client) and flushed to the metrics table in
batches every few seconds through the writer; /metrics serves the same registry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import disnake
import psutil
from disnake.ext import commands

from hourglass.telemetry import Telemetry

if TYPE_CHECKING:
    from bot.app import HourglassBot

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
SAMPLE_SECONDS = 5.0


class Instruments(commands.Cog):
    """Times commands, counts gateway events and samples gauges."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot
        self.telemetry: Telemetry = bot.telemetry
        self._started: dict[int, float] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._process = psutil.Process()

    def cog_unload(self) -> None:
        """Stops the sampling and flushing loops."""
        for task in self._tasks:
            task.cancel()

    @commands.Cog.listener()
    async def on_connect(self) -> None:
        """Starts the loops once the gateway is up."""
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._every(SAMPLE_SECONDS, self.sample), name="sample"),
                asyncio.create_task(self._every(FLUSH_SECONDS, self.flush), name="flush"),
                asyncio.create_task(self._loop_lag(), name="loop-lag"),
            ]

    @commands.Cog.listener()
    async def on_socket_event_type(self, event_type: str) -> None:
        """Counts every gateway dispatch by type."""
        self.telemetry.gateway_events.labels(event_type, self._shard()).inc()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        """Counts reconnects that resumed."""
        self.telemetry.gateway_reconnects.labels(self._shard()).inc()

    @commands.Cog.listener()
    async def on_slash_command(self, inter: disnake.ApplicationCommandInteraction) -> None:
        """Notes when a command started."""
        self._started[inter.id] = time.perf_counter()

    @commands.Cog.listener()
    async def on_slash_command_completion(
        self, inter: disnake.ApplicationCommandInteraction
    ) -> None:
        """Records the latency of a command that succeeded."""
        self._observe(inter, None)

    @commands.Cog.listener()
    async def on_slash_command_error(
        self, inter: disnake.ApplicationCommandInteraction, error: commands.CommandError
    ) -> None:
        """Records the latency and the error type of a command that failed."""
        original = getattr(error, "original", error)
        self._observe(inter, type(original).__name__)

    def _observe(self, inter: disnake.ApplicationCommandInteraction, error: str | None) -> None:
        started = self._started.pop(inter.id, None)
        name = inter.application_command.qualified_name
        if started is not None:
            self.telemetry.command_seconds.labels(name).observe(time.perf_counter() - started)
        if error is not None:
            self.telemetry.command_errors.labels(name, error).inc()

    async def sample(self) -> None:
        """Reads the gauges: pool, gateway latency, voice members, write path, memory."""
        t = self.telemetry
        pool = self.bot.pool
        size = pool.get_size()
        t.pool_size.set(size)
        t.pool_in_use.set(size - pool.get_idle_size())
        latency = self.bot.latency
        if latency == latency and latency != float("inf"):  # NaN before the first heartbeat
            t.gateway_latency.labels(self._shard()).set(latency)
        voice = self.bot.get_cog("Voice")
        if voice is not None:
            trackers = voice.trackers  # type: ignore[attr-defined]
            t.voice_members.set(sum(len(tr.presences) for tr in trackers.values()))
            for guild_id, tracker in trackers.items():
                t.guild_voice_members.labels(str(guild_id)).set(len(tracker.presences))
        t.write_queue.set(self.bot.writer.queue_depth)
        t.write_spool.set(self.bot.writer.spooled_batches)
        t.memory.set(self._process.memory_info().rss)

    async def flush(self) -> None:
        """Hands what changed since the last flush to the writer, as one group."""
        samples = self.telemetry.drain(self.bot.clock())
        if samples:
            self.bot.submit(list(samples))

    async def _every(self, seconds: float, action: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await action()
            except Exception:
                log.exception("telemetry %s failed; trying again in %ss", action.__name__, seconds)

    async def _loop_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + 1.0
            await asyncio.sleep(1.0)
            self.telemetry.loop_lag.set(max(0.0, loop.time() - expected))

    def _shard(self) -> str:
        return str(self.bot.shard_id or 0)
