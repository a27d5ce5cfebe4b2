"""Running the bot process: pool, schema check, writer, gateway, clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal

import disnake

from bot.app import HourglassBot
from bot.writer import BatchWriter
from hourglass.database import connect
from hourglass.errors import ConfigError
from hourglass.migrate import check_schema
from hourglass.settings import BotSettings
from hourglass.store.pool import create_pool

log = logging.getLogger(__name__)


def run_bot(settings: BotSettings, database_url: str) -> None:
    """Runs the bot until it is stopped (SIGINT or SIGTERM), then flushes every write."""
    with connect(database_url) as conn:
        backend = check_schema(conn)
    log.info("database schema is current (%s backend)", backend)
    if settings.discord_api_base:
        disnake.http.Route.BASE = settings.discord_api_base.rstrip("/")
    asyncio.run(_serve(settings, database_url))


async def _serve(settings: BotSettings, database_url: str) -> None:
    pool = await create_pool(database_url, max_size=settings.pool_size)
    writer = BatchWriter(pool, settings.spool_dir / "writes.jsonl")
    bot = HourglassBot(pool, writer, checkpoint_seconds=settings.checkpoint_seconds)

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
    try:
        await bot.start(settings.discord_token.get_secret_value())
    except disnake.LoginFailure:
        raise ConfigError(
            "Discord refused DISCORD_TOKEN; copy the bot token again from the developer portal"
        ) from None
    finally:
        if not bot.is_closed():
            await bot.close()
        await pool.close()
