"""Alert delivery to Discord and Slack webhooks, against a loopback receiver."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from hourglass.monitoring.delivery import (
    DiscordWebhook,
    InvalidDestination,
    Message,
    SlackWebhook,
    deliver,
)
from tests.support.webhooks import DISCORD_PATH, SLACK_PATH, start_receiver

MESSAGE = Message(
    "Average query time: 140.0 ms",
    "Above 100.0 ms for 10 minutes.",
    "critical",
    [("Now", "140.0 ms"), ("Threshold", "100.0 ms")],
)


def scenario(body):
    async def main():
        receiver, runner = await start_receiver()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
                return await body(receiver, session)
        finally:
            await runner.cleanup()

    return asyncio.run(asyncio.wait_for(main(), 30))


def test_discord_and_slack_receive_their_documented_payloads():
    async def body(receiver, session):
        discord = DiscordWebhook.parse(receiver.discord_url, allow_local=True)
        slack = SlackWebhook.parse(receiver.slack_url, allow_local=True)
        results = [await deliver(session, d, MESSAGE) for d in (discord, slack)]
        return receiver, results

    receiver, results = scenario(body)

    assert [r.delivered for r in results] == [True, True]
    assert receiver.problems == []
    (discord,) = receiver.bodies(DISCORD_PATH)
    assert discord["embeds"][0]["title"] == MESSAGE.title
    assert discord["allowed_mentions"] == {"parse": []}
    (slack,) = receiver.bodies(SLACK_PATH)
    assert slack["blocks"][0]["text"]["text"] == MESSAGE.title
    assert "140.0 ms" in slack["text"]


def test_a_server_error_and_a_rate_limit_are_retried_until_delivered():
    async def body(receiver, session):
        receiver.script(DISCORD_PATH, (500, "oops", 0), (429, '{"retry_after": 0.05}', 0))
        destination = DiscordWebhook.parse(receiver.discord_url, allow_local=True)
        return receiver, await deliver(session, destination, MESSAGE, base_delay=0.01)

    receiver, outcome = scenario(body)

    assert (outcome.delivered, outcome.attempts) == (True, 3)
    assert len(receiver.bodies(DISCORD_PATH)) == 3


def test_a_client_error_is_not_retried_and_is_reported_with_its_reason():
    async def body(receiver, session):
        receiver.script(SLACK_PATH, (404, "no_service", 0))
        destination = SlackWebhook.parse(receiver.slack_url, allow_local=True)
        return await deliver(session, destination, MESSAGE, base_delay=0.01)

    outcome = scenario(body)

    assert (outcome.delivered, outcome.attempts) == (False, 1)
    assert "HTTP 404 no_service" in outcome.error
    assert "XXXX" not in outcome.error and "XXXX" not in outcome.destination


def test_a_webhook_that_times_out_is_retried_then_given_up():
    async def body(receiver, session):
        receiver.script(DISCORD_PATH, *[(204, "", 2.0)] * 3)
        destination = DiscordWebhook.parse(receiver.discord_url, allow_local=True)
        return await deliver(session, destination, MESSAGE, attempts=3, base_delay=0.01)

    outcome = scenario(body)

    assert (outcome.delivered, outcome.attempts) == (False, 3)
    assert "Timeout" in outcome.error


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/only-one-part",
        "http://hooks.slack.com/services/T1/B2/abc",
        "https://evil.example.com/services/T1/B2/abc",
        "not a url",
    ],
)
def test_a_malformed_slack_url_is_refused_with_what_a_good_one_looks_like(url):
    with pytest.raises(InvalidDestination, match=r"hooks\.slack\.com/services"):
        SlackWebhook.parse(url)


def test_local_webhooks_are_refused_unless_allowed():
    with pytest.raises(InvalidDestination):
        DiscordWebhook.parse("http://127.0.0.1:9/api/webhooks/123456789012345678/" + "a" * 30)

    assert (
        DiscordWebhook.parse("https://discord.com/api/webhooks/123456789012345678/" + "a" * 30).name
        == "discord-webhook:123456789012345678"
    )
