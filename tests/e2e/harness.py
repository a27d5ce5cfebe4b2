"""Running the real Hourglass bot against the Discord double and a real database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from analytics.render import ChartRenderer
from bot.app import HourglassBot
from bot.charts import Charts
from bot.writer import BatchWriter
from hourglass.settings import MonitoringSettings
from hourglass.store.pool import create_pool
from tests.discord_double import (
    DiscordDouble,
    InteractionResult,
    guild,
    member,
    role,
    running,
    text_channel,
    voice_channel,
)

EPHEMERAL = 1 << 6
START = datetime(2026, 10, 5, 16, 0, tzinfo=UTC)  # a Monday, 18:00 in Berlin


class Clock:
    """The bot's clock, moved by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Hall:
    """A guild: a text channel, two tracked voice rooms, a lounge, an owner, learners, a bot."""

    payload: dict
    general: str
    focus: str
    quiet: str
    lounge: str
    owner: str
    ada: str
    ben: str
    robot: str

    @property
    def id(self) -> str:
        return self.payload["id"]


def study_hall(*, in_voice: list[tuple[str, str]] | None = None) -> Hall:
    """A fresh guild; the owner administers it, Ada and Ben are ordinary members."""
    general, focus = text_channel(name="general"), voice_channel(name="Focus")
    quiet, lounge = voice_channel(name="Quiet"), voice_channel(name="Lounge")
    owner, ada, ben = member(name="owner"), member(name="ada"), member(name="ben")
    robot = member(name="music", bot=True)
    learners = role(name="learners")
    payload = guild(
        name="Study Hall",
        channels=[general, focus, quiet, lounge],
        members=[owner, ada, ben, robot],
        roles=[learners],
        owner_id=owner["user"]["id"],
    )
    hall = Hall(
        payload,
        general["id"],
        focus["id"],
        quiet["id"],
        lounge["id"],
        owner["user"]["id"],
        ada["user"]["id"],
        ben["user"]["id"],
        robot["user"]["id"],
    )
    from tests.discord_double import voice_state

    payload["voice_states"] = [
        voice_state(user_id, channel) for user_id, channel in (in_voice or [])
    ]
    return hall


@contextlib.asynccontextmanager
async def hourglass(
    url: str,
    spool: Path,
    hall: Hall,
    clock: Clock,
    double: DiscordDouble,
    *,
    charts: bool = False,
    monitoring: MonitoringSettings | None = None,
) -> AsyncIterator[HourglassBot]:
    """The bot with its pool and writer, connected to the double; closed afterwards."""
    pool = await create_pool(url, max_size=4)
    writer = BatchWriter(pool, spool, interval=0.05)
    drawing = Charts(url, ChartRenderer()) if charts else None
    bot = HourglassBot(
        pool,
        writer,
        clock=clock,
        checkpoint_seconds=3600,
        guild_ready_timeout=0.05,
        charts=drawing,
        monitoring=monitoring,
    )
    try:
        async with running(bot, double, timeout=15):
            await until(lambda: int(hall.id) in bot.get_cog("Voice").trackers, "tracking")
            yield bot
    finally:
        await pool.close()


async def until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Waits until condition() holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        await asyncio.sleep(0.02)


async def moved(
    bot: HourglassBot,
    double: DiscordDouble,
    hall: Hall,
    user_id: str,
    channel_id: str | None,
    **flags: bool,
) -> None:
    """A member changes voice state; waits until the bot's tracker has seen it."""
    await double.voice_state_update(hall.id, user_id, channel_id, **flags)
    tracker = bot.get_cog("Voice").trackers[int(hall.id)]
    expected = int(channel_id) if channel_id else None

    def seen() -> bool:
        state = tracker.states.get(int(user_id))
        if state is None:
            return expected is None
        return state.channel_id == expected and all(
            getattr(state, _FLAG_NAMES.get(k, k)) == v for k, v in flags.items()
        )

    await until(seen, f"the bot seeing {user_id} in {channel_id}")


_FLAG_NAMES = {"self_video": "camera", "self_stream": "stream", "mute": "muted", "deaf": "deafened"}


async def answer(result: InteractionResult, timeout: float = 10.0) -> dict[str, Any]:
    """What the member finally sees: the message data, with its flags and files."""
    callback = await result.callback(timeout)
    if callback.callback_type == 4:
        data = dict(callback.json.get("data") or {})
        data["_files"] = callback.files
        return data
    if callback.callback_type == 7:  # a component updated its message
        return dict(callback.json.get("data") or {})

    await until(
        lambda: result.of_kind("edit") or result.of_kind("followup"),
        "a reply after deferring",
        timeout,
    )
    reply = (result.of_kind("edit") or result.of_kind("followup"))[0]
    data = dict(reply.json)
    data["_files"] = reply.files
    data.setdefault("flags", (callback.json.get("data") or {}).get("flags", 0))
    return data


def text_of(data: dict[str, Any]) -> str:
    """Content and embed text of a reply, as one string."""
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or []:
            parts += [field["name"], field["value"]]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def run_with_bot(
    url: str,
    tmp_path: Path,
    body: Callable[..., Any],
    *,
    hall: Hall | None = None,
    timeout: float = 60,
    **options: Any,
) -> Any:
    """Starts the double and the bot, awaits body(bot, double, hall, clock), returns its result.

    Fails if anything takes longer than timeout seconds or the bot broke Discord's API.
    """
    hall = hall or study_hall()
    clock = Clock()

    async def scenario() -> Any:
        async with (
            DiscordDouble([hall.payload]) as double,
            hourglass(url, tmp_path / "spool", hall, clock, double, **options) as bot,
        ):
            return await body(bot, double, hall, clock)

    return asyncio.run(asyncio.wait_for(scenario(), timeout))


async def rows(bot: HourglassBot, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Flushes the writer, then runs a query."""
    await bot.writer.flush()
    return [dict(r) for r in await bot.pool.fetch(sql, *args)]
