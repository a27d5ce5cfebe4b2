"""Running the bot process: pool, schema check, writer, gateway, clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal

import disnake

from analytics.data import choose_url
from analytics.render import ChartRenderer
from bot.app import HourglassBot
from bot.charts import Charts
from bot.metrics_http import serve_metrics
from bot.monitor import validate_destinations
from bot.writer import BatchWriter
from hourglass.database import connect
from hourglass.errors import ConfigError
from hourglass.migrate import check_schema
from hourglass.settings import BotSettings, DatabaseSettings, MonitoringSettings, load
from hourglass.store.pool import create_pool
from hourglass.telemetry import Telemetry

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
    monitoring = load(MonitoringSettings)
    validate_destinations(monitoring)
    telemetry = Telemetry()
    analytics_url = load(DatabaseSettings).analytics_database_url
    pool = await create_pool(database_url, max_size=settings.pool_size, telemetry=telemetry)
    writer = BatchWriter(pool, settings.spool_dir / "writes.jsonl")
    charts = Charts(
        choose_url(database_url, analytics_url.get_secret_value() if analytics_url else None),
        ChartRenderer(),
    )
    bot = HourglassBot(
        pool,
        writer,
        checkpoint_seconds=settings.checkpoint_seconds,
        charts=charts,
        telemetry=telemetry,
        monitoring=monitoring,
    )
    metrics = (
        await serve_metrics(telemetry, monitoring.metrics_host, monitoring.metrics_port)
        if monitoring.metrics_port
        else None
    )

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
        if metrics is not None:
            await metrics.cleanup()
        await pool.close()
