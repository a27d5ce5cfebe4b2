"""The bot's operator side: alert evaluation and delivery, reports, upkeep, query snapshots.

Jobs run on APScheduler (coalesced, with a misfire grace time) and catch up at start:
a report that fell due while the bot was down, or that a stop interrupted, is delivered
then, once per destination.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp
import disnake
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from analytics import reports as analytics_reports
from hourglass.errors import ConfigError
from hourglass.monitoring import alerts as rules
from hourglass.monitoring import reports
from hourglass.monitoring.delivery import (
    COLOURS,
    Destination,
    DiscordChannel,
    DiscordWebhook,
    InvalidDestination,
    Message,
    SlackWebhook,
    deliver,
)
from hourglass.settings import MonitoringSettings
from hourglass.store import alerts, performance, settings, upkeep
from hourglass.store.records import GuildConfig

if TYPE_CHECKING:
    from bot.app import HourglassBot

log = logging.getLogger(__name__)


class Monitor:
    """Owns the scheduler and the operator destinations of one bot process."""

    def __init__(self, bot: HourglassBot) -> None:
        self.bot = bot
        self.settings = bot.monitoring
        self.rules = rules.rules(self.settings)
        self.scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1},
        )
        self.statements_note: str | None = None
        self._session: aiohttp.ClientSession | None = None

    def operator_destinations(self) -> list[Destination]:
        """The webhooks and channel alerts and operator reports go to."""
        found: list[Destination] = []
        allow = self.settings.allow_local_webhooks
        if self.settings.alert_discord_webhook is not None:
            found.append(
                DiscordWebhook.parse(
                    self.settings.alert_discord_webhook.get_secret_value(), allow_local=allow
                )
            )
        if self.settings.alert_slack_webhook is not None:
            found.append(
                SlackWebhook.parse(
                    self.settings.alert_slack_webhook.get_secret_value(), allow_local=allow
                )
            )
        if self.settings.alert_channel_id is not None:
            found.append(DiscordChannel(self.settings.alert_channel_id, self.post))
        return found

    def start(self) -> None:
        """Schedules every job and starts the scheduler (once)."""
        if self.scheduler.running:
            return
        add = self.scheduler.add_job
        add(self.upkeep, "interval", seconds=60, id="upkeep")
        add(self.evaluate_alerts, "interval", seconds=60, id="alerts")
        add(self.snapshot_statements, "interval", minutes=5, id="statements")
        add(self.catch_up, "cron", minute=5, id="reports")
        self.scheduler.start()
        asyncio.get_running_loop().create_task(self.catch_up())
        log.info(
            "monitoring started: %s rules, %s operator destinations",
            len(self.rules),
            len(self.operator_destinations()),
        )

    async def stop(self) -> None:
        """Stops the scheduler and closes the HTTP session."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._session is not None:
            await self._session.close()

    async def upkeep(self) -> None:
        """Partitions, retention and rollup refresh (background workers do it on TimescaleDB)."""
        async with self.bot.pool.acquire() as conn:
            await upkeep.maintain(conn, self.bot.clock())

    async def evaluate_alerts(self) -> int:
        """Evaluates the rules and delivers what changed; returns how many messages went out."""
        now = self.bot.clock()
        sent = 0
        for rule_set, destinations in [
            (self.rules, self.operator_destinations()),
            *await self._guild_rules(),
        ]:
            for transition in await rules.evaluate(self.bot.pool, rule_set, now):
                kind = "alert" if transition.firing else "resolution"
                subject = (
                    f"{kind}:{transition.rule.scope}:{transition.rule.name}:"
                    f"{transition.at.isoformat()}"
                )
                await self.send(kind, subject, transition.message(), destinations)
                sent += 1
        return sent

    async def _guild_rules(self) -> list[tuple[list[rules.Rule], list[Destination]]]:
        found = []
        for guild in self.bot.guilds:
            config = await settings.guild_config(self.bot.pool, guild.id)
            threshold = config.alert_thresholds.get("concurrent_members")
            if not threshold:
                continue
            destinations = self.guild_destinations(config)
            if destinations:
                found.append(([rules.guild_rule(guild.id, float(threshold))], destinations))
        return found

    def guild_destinations(self, config: GuildConfig) -> list[Destination]:
        """Where a guild's own alerts go: its webhook, else its report channel."""
        url = config.alert_thresholds.get("webhook")
        if isinstance(url, str) and url:
            try:
                return [parse_webhook(url, allow_local=self.settings.allow_local_webhooks)]
            except InvalidDestination as exc:
                log.warning("guild %s has an unusable alert webhook: %s", config.guild_id, exc)
        if config.report_channel_id is not None:
            return [DiscordChannel(config.report_channel_id, self.post)]
        return []

    async def snapshot_statements(self) -> None:
        """Stores the top statements of pg_stat_statements, or notes why it cannot."""
        if not await performance.statements_available(self.bot.pool):
            self.statements_note = (
                "pg_stat_statements is not installed in this database; "
                "query patterns are not collected"
            )
            return
        try:
            await performance.snapshot_statements(self.bot.pool, self.bot.clock())
            self.statements_note = None
        except Exception as exc:  # not preloaded, or no permission to read it
            self.statements_note = f"pg_stat_statements cannot be read: {exc}"

    async def catch_up(self) -> None:
        """Delivers every report that is due and not yet delivered everywhere."""
        now = self.bot.clock()
        for guild in self.bot.guilds:
            config = await settings.guild_config(self.bot.pool, guild.id)
            if config.report_channel_id is None:
                continue
            due = reports.weekly_due(guild.id, config.time_zone, now)
            if now - due.due_at < timedelta(days=2):
                message = await reports.weekly_message(self.bot.pool, config, due, guild.name)
                message = await self._with_chart(message, guild.id, due)
                target = DiscordChannel(config.report_channel_id, self.post)
                await self.send("report", due.subject, message, [target])

        daily = reports.daily_due(now)
        if now - daily.due_at < timedelta(hours=6):
            message = await reports.daily_message(self.bot.pool, daily)
            await self.send("report", daily.subject, message, self.operator_destinations())

        monthly = reports.monthly_due(now)
        charts = self.bot.charts
        if now - monthly.due_at < timedelta(days=2) and charts is not None:
            report = await asyncio.to_thread(
                charts.read, lambda wh: analytics_reports.capacity_report(wh, end=monthly.due_at)
            )
            message = reports.capacity_message(report, monthly)
            await self.send("report", monthly.subject, message, self.operator_destinations())

    async def _with_chart(self, message: Message, guild_id: int, due: reports.Due) -> Message:
        if self.bot.charts is None:
            return message
        _, sunday = reports.week_of(due)
        drawn = await self.bot.charts.png(
            lambda wh: analytics_reports.leaderboard(wh, guild_id, last_day=sunday, days=7)
        )
        return replace(message, image=drawn) if isinstance(drawn, bytes) else message

    async def send(
        self, kind: str, subject: str, message: Message, destinations: list[Destination]
    ) -> None:
        """Delivers to each destination that does not have this subject yet, and logs it."""
        session = await self._http()
        for destination in destinations:
            if await alerts.already_delivered(self.bot.pool, subject, destination.name):
                continue
            outcome = await deliver(session, destination, message)
            await alerts.record_delivery(
                self.bot.pool,
                kind,
                subject,
                destination.name,
                outcome.delivered,
                outcome.attempts,
                outcome.error,
            )

    async def post(self, channel_id: int, message: Message) -> None:
        """Posts a message as an embed in a channel the bot can see."""
        from hourglass.monitoring.delivery import DeliveryError

        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, disnake.TextChannel):
            raise DeliveryError(
                f"the bot cannot see channel {channel_id} (deleted, or its permissions changed)",
                retryable=False,
            )
        embed = disnake.Embed(
            title=message.title[:256],
            description=message.text[:4096],
            colour=COLOURS.get(message.severity, COLOURS["info"]),
            timestamp=message.at,
        )
        for name, value in message.fields[:25]:
            embed.add_field(name[:256], value[:1024])
        extra = {}
        if message.image is not None:
            extra["file"] = disnake.File(io.BytesIO(message.image), filename="report.png")
            embed.set_image(url="attachment://report.png")
        try:
            await channel.send(embed=embed, **extra)
        except disnake.Forbidden as exc:
            raise DeliveryError(
                f"no permission to post in channel {channel_id}: {exc.text}", retryable=False
            ) from None
        except disnake.HTTPException as exc:
            raise DeliveryError(
                f"Discord refused the post: {exc.status} {exc.text}", retryable=exc.status >= 500
            ) from None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session


def parse_webhook(url: str, *, allow_local: bool = False) -> Destination:
    """A Discord or a Slack webhook, whichever the URL is; InvalidDestination otherwise."""
    if "hooks.slack.com" in url or "/services/" in url:
        return SlackWebhook.parse(url, allow_local=allow_local)
    return DiscordWebhook.parse(url, allow_local=allow_local)


def webhooks(monitoring: MonitoringSettings) -> list[Destination]:
    """The configured webhooks; InvalidDestination when a URL is malformed."""
    found: list[Destination] = []
    allow = monitoring.allow_local_webhooks
    if monitoring.alert_discord_webhook is not None:
        found.append(
            DiscordWebhook.parse(
                monitoring.alert_discord_webhook.get_secret_value(), allow_local=allow
            )
        )
    if monitoring.alert_slack_webhook is not None:
        found.append(
            SlackWebhook.parse(monitoring.alert_slack_webhook.get_secret_value(), allow_local=allow)
        )
    return found


def validate_destinations(monitoring: MonitoringSettings) -> None:
    """Fails start-up with a clear message when a configured webhook URL is malformed."""
    try:
        webhooks(monitoring)
    except InvalidDestination as exc:
        raise ConfigError(f"alert webhook: {exc}") from None
