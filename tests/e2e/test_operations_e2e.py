"""Operators end to end: /performance, weekly reports in a channel, alerts to webhooks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hourglass.settings import MonitoringSettings
from hourglass.store import ledger, upkeep
from hourglass.store.records import MetricSample
from tests.discord_double import DiscordDouble
from tests.e2e.harness import (
    EPHEMERAL,
    Clock,
    answer,
    hourglass,
    moved,
    study_hall,
    text_of,
    until,
)
from tests.support.webhooks import DISCORD_PATH, SLACK_PATH, start_receiver


def run(scenario) -> None:
    asyncio.run(asyncio.wait_for(scenario, 90))


def test_performance_summarises_for_admins_and_refuses_members(pg_db, tmp_path):
    hall, clock = study_hall(), Clock()

    async def scenario():
        async with (
            DiscordDouble([hall.payload]) as double,
            hourglass(pg_db, tmp_path / "spool", hall, clock, double) as bot,
        ):
            await answer(await double.invoke("stats", user_id=hall.ada))
            timed = bot.telemetry.command_seconds.labels("stats")
            await until(lambda: timed._sum.get() > 0, "the /stats latency recorded")
            bot.telemetry.cache_requests.labels("c", "memory", "hit").inc(90)
            bot.telemetry.cache_requests.labels("c", "memory", "miss").inc(10)
            expected_rate = _hit_rate(bot.telemetry)
            await bot.get_cog("Instruments").flush()
            await bot.writer.flush()
            async with bot.pool.acquire() as conn:
                await upkeep.refresh_rollups(conn, clock.now + timedelta(minutes=1))
            clock.advance(minutes=1)

            refused = await answer(await double.invoke("performance", user_id=hall.ada))
            shown = await answer(
                await double.invoke("performance", {"hours": 1}, user_id=hall.owner)
            )
            return refused, shown, expected_rate

    refused, shown, expected_rate = asyncio.run(asyncio.wait_for(scenario(), 60))

    assert "for server administrators" in refused["content"] and refused["flags"] & EPHEMERAL
    text = text_of(shown)
    assert "Latency p50 / p95 / p99" in text
    assert f"Cache hit rate\n{expected_rate * 100:.1f}%" in text
    assert "No alert is firing" in text
    assert "Commands\n1" in text  # the /stats call before


def _hit_rate(telemetry) -> float:
    counts = {"hit": 0.0, "miss": 0.0}
    for metric in telemetry.cache_requests.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                counts[sample.labels["result"]] += sample.value
    return counts["hit"] / (counts["hit"] + counts["miss"])


def test_the_weekly_report_is_posted_once_and_a_lost_channel_is_reported(pg_db, tmp_path):
    hall, clock = study_hall(), Clock()

    async def scenario():
        async with (
            DiscordDouble([hall.payload]) as double,
            hourglass(pg_db, tmp_path / "spool", hall, clock, double) as bot,
        ):
            await moved(bot, double, hall, hall.ada, hall.focus)
            clock.advance(hours=2)
            await moved(bot, double, hall, hall.ada, None)
            await bot.writer.flush()
            await bot.pool.execute(
                "UPDATE hourglass.guilds SET report_channel_id = $1", int(hall.general)
            )
            clock.advance(days=7, hours=-1)  # the next Monday, 17:00 UTC
            monitor = bot.get_cog("Operations").monitor

            await monitor.catch_up()
            await monitor.catch_up()  # a second run (a restart) sends nothing new
            posted = [m for m in double.messages_in(hall.general) if m.get("embeds")]

            await bot.pool.execute("UPDATE hourglass.guilds SET report_channel_id = 42")
            await bot.pool.execute("DELETE FROM hourglass.deliveries")
            await monitor.catch_up()
            failures = await bot.pool.fetch(
                "SELECT destination, status, last_error FROM hourglass.deliveries"
            )
            return posted, failures

    posted, failures = asyncio.run(asyncio.wait_for(scenario(), 60))

    assert len(posted) == 1
    embed = posted[0]["embeds"][0]
    assert embed["title"].startswith("Weekly study report")
    assert "2.0 hours" in embed["description"] and "ada" in embed["description"].lower()
    assert [(f["destination"], f["status"]) for f in failures] == [("discord-channel:42", "failed")]
    assert "cannot see channel 42" in failures[0]["last_error"]


def test_a_sustained_breach_is_delivered_to_discord_and_slack_webhooks_once(pg_db, tmp_path):
    hall, clock = study_hall(), Clock()

    async def scenario():
        receiver, runner = await start_receiver()
        settings = MonitoringSettings(
            alert_discord_webhook=receiver.discord_url,
            alert_slack_webhook=receiver.slack_url,
            allow_local_webhooks=True,
            max_pool_use=0.5,
        )
        try:
            async with (
                DiscordDouble([hall.payload]) as double,
                hourglass(
                    pg_db, tmp_path / "spool", hall, clock, double, monitoring=settings
                ) as bot,
            ):
                samples = [
                    MetricSample(clock.now - timedelta(minutes=m), name, value)
                    for m in range(1, 8)
                    for name, value in (
                        ("hourglass_db_pool_in_use", 9.0),
                        ("hourglass_db_pool_size", 10.0),
                    )
                ]
                async with bot.pool.acquire() as conn:
                    await ledger.write_metrics(conn, samples)
                    await upkeep.refresh_rollups(conn, clock.now)
                monitor = bot.get_cog("Operations").monitor
                sent = await monitor.evaluate_alerts()
                again = await monitor.evaluate_alerts()
            return receiver, sent, again
        finally:
            await runner.cleanup()

    receiver, sent, again = asyncio.run(asyncio.wait_for(scenario(), 60))

    assert (sent, again) == (1, 0)
    assert receiver.problems == []
    (discord,) = receiver.bodies(DISCORD_PATH)
    (slack,) = receiver.bodies(SLACK_PATH)
    assert discord["embeds"][0]["title"] == "Connection pool use: 90.0%"
    assert "Connection pool use" in slack["text"]


def test_guild_alerts_are_validated_and_page_the_guilds_own_webhook(pg_db, tmp_path):
    hall, clock = study_hall(), Clock()

    async def scenario():
        receiver, runner = await start_receiver()
        settings = MonitoringSettings(allow_local_webhooks=True)
        try:
            async with (
                DiscordDouble([hall.payload]) as double,
                hourglass(
                    pg_db, tmp_path / "spool", hall, clock, double, monitoring=settings
                ) as bot,
            ):
                bad = await answer(
                    await double.invoke(
                        "config",
                        {"concurrent_members": 3, "webhook": "https://example.com/x"},
                        subcommand="alerts",
                        user_id=hall.owner,
                    )
                )
                good = await answer(
                    await double.invoke(
                        "config",
                        {"concurrent_members": 3, "webhook": receiver.slack_url},
                        subcommand="alerts",
                        user_id=hall.owner,
                    )
                )
                samples = [
                    MetricSample(
                        clock.now - timedelta(minutes=m),
                        "hourglass_guild_voice_members",
                        5.0,
                        {"guild": hall.id},
                    )
                    for m in range(1, 12)
                ]
                async with bot.pool.acquire() as conn:
                    await ledger.write_metrics(conn, samples)
                    await upkeep.refresh_rollups(conn, clock.now)
                sent = await bot.get_cog("Operations").monitor.evaluate_alerts()
                await bot.writer.flush()
                actions = await bot.pool.fetch("SELECT action, detail FROM hourglass.user_actions")
            return bad, good, sent, receiver, actions
        finally:
            await runner.cleanup()

    bad, good, sent, receiver, actions = asyncio.run(asyncio.wait_for(scenario(), 60))

    assert "cannot be used" in bad["content"] and bad["flags"] & EPHEMERAL
    assert "Saved" in good["content"] and "to a webhook" in text_of(good)
    assert sent == 1
    (slack,) = receiver.bodies(SLACK_PATH)
    assert "Members studying at once" in slack["text"]
    assert {a["action"] for a in actions} >= {"command.config alerts", "config.alerts"}
    assert "XXXXXXXX" not in str([dict(a) for a in actions])  # the webhook's secret part
