"""Delivering alerts and reports: Discord webhooks, Slack incoming webhooks, Discord channels.

Each destination builds the payload its service documents and sends it with retries:
timeouts, connection errors, 5xx and 429 (honouring its retry delay) are retried with
exponential backoff; other 4xx answers are final. Destinations are named without their
secret part, so logs and the delivery table never hold a webhook token.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger(__name__)

COLOURS = {"critical": 0xE5484D, "warning": 0xF5A524, "info": 0x5B8DEF, "resolved": 0x3DD68C}
_DISCORD_HOSTS = {"discord.com", "discordapp.com", "canary.discord.com", "ptb.discord.com"}
_DISCORD_PATH = re.compile(r"^/api(?:/v\d+)?/webhooks/(\d{15,25})/([\w-]{20,})/?$")
_SLACK_PATH = re.compile(r"^/services/(T\w+)/(B\w+)/(\w+)/?$")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class DeliveryError(Exception):
    """A delivery that did not go through; retryable says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class InvalidDestination(ValueError):
    """A webhook URL or channel that cannot be a destination; the message says why."""


@dataclass(frozen=True)
class Message:
    """What an alert or report says, independent of where it goes."""

    title: str
    text: str
    severity: str = "info"
    fields: list[tuple[str, str]] = field(default_factory=list)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    image: bytes | None = None  # a PNG, attached where the destination can take files


class Destination(Protocol):
    """Somewhere a message can be sent."""

    name: str

    async def send(self, session: aiohttp.ClientSession, message: Message) -> None:
        """Sends once; raises DeliveryError on failure."""


@dataclass(frozen=True)
class DiscordWebhook:
    """A Discord webhook URL (https://discord.com/api/webhooks/ID/TOKEN)."""

    url: str
    name: str

    @classmethod
    def parse(cls, url: str, *, allow_local: bool = False) -> DiscordWebhook:
        """Checks the URL; InvalidDestination says what is wrong with it."""
        match = _checked(
            url,
            _DISCORD_PATH,
            _DISCORD_HOSTS,
            allow_local,
            "a Discord webhook URL looks like https://discord.com/api/webhooks/ID/"
            "TOKEN (copy it from Server Settings > Integrations > Webhooks)",
        )
        return cls(url.strip(), f"discord-webhook:{match[1]}")

    def payload(self, message: Message) -> dict[str, Any]:
        """The JSON body Discord's Execute Webhook route takes."""
        embed: dict[str, Any] = {
            "title": message.title[:256],
            "description": message.text[:4096],
            "color": COLOURS.get(message.severity, COLOURS["info"]),
            "timestamp": message.at.isoformat(),
        }
        if message.fields:
            embed["fields"] = [
                {"name": n[:256], "value": v[:1024], "inline": True} for n, v in message.fields[:25]
            ]
        return {"username": "Hourglass", "embeds": [embed], "allowed_mentions": {"parse": []}}

    async def send(self, session: aiohttp.ClientSession, message: Message) -> None:
        """Posts the embed; Discord answers 204, or 200 with ?wait=true."""
        async with session.post(self.url, json=self.payload(message)) as response:
            await _check(response, self.name)


@dataclass(frozen=True)
class SlackWebhook:
    """A Slack incoming-webhook URL (https://hooks.slack.com/services/T../B../...)."""

    url: str
    name: str

    @classmethod
    def parse(cls, url: str, *, allow_local: bool = False) -> SlackWebhook:
        """Checks the URL; InvalidDestination says what is wrong with it."""
        match = _checked(
            url,
            _SLACK_PATH,
            {"hooks.slack.com"},
            allow_local,
            "a Slack incoming-webhook URL looks like https://hooks.slack.com/"
            "services/T.../B.../... (from the app's Incoming Webhooks page)",
        )
        return cls(url.strip(), f"slack-webhook:{match[1]}/{match[2]}")

    def payload(self, message: Message) -> dict[str, Any]:
        """Slack's Block Kit body, with a plain-text fallback in `text`."""
        icon = {
            "critical": ":red_circle:",
            "warning": ":large_orange_circle:",
            "resolved": ":large_green_circle:",
        }.get(message.severity, ":information_source:")
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{icon} {message.text}"[:3000]},
            },
        ]
        if message.fields:
            blocks.append(
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": f"*{n}*\n{v}"[:2000]}
                        for n, v in message.fields[:10]
                    ],
                }
            )
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"Hourglass · {message.at:%Y-%m-%d %H:%M} UTC"}
                ],
            }
        )
        return {"text": f"{message.title}: {message.text}"[:3000], "blocks": blocks}

    async def send(self, session: aiohttp.ClientSession, message: Message) -> None:
        """Posts the blocks; Slack answers 200 with the body `ok`."""
        async with session.post(self.url, json=self.payload(message)) as response:
            await _check(response, self.name)


@dataclass(frozen=True)
class DiscordChannel:
    """A channel the bot posts to itself; `post` sends through the bot's own client."""

    channel_id: int
    post: Callable[[int, Message], Awaitable[None]]

    @property
    def name(self) -> str:
        """The channel, as logs name it."""
        return f"discord-channel:{self.channel_id}"

    async def send(self, session: aiohttp.ClientSession, message: Message) -> None:
        """Posts through the bot (the session is not used)."""
        await self.post(self.channel_id, message)


@dataclass(frozen=True)
class Outcome:
    """How a delivery ended."""

    destination: str
    delivered: bool
    attempts: int
    error: str | None = None


async def deliver(
    session: aiohttp.ClientSession,
    destination: Destination,
    message: Message,
    *,
    attempts: int = 4,
    base_delay: float = 1.0,
    max_delay: float = 30.0,
) -> Outcome:
    """Sends with retries and backoff; never raises for a failed delivery."""
    error = "not tried"
    for attempt in range(1, attempts + 1):
        try:
            await destination.send(session, message)
            return Outcome(destination.name, True, attempt)
        except DeliveryError as exc:
            error = str(exc)
            if not exc.retryable or attempt == attempts:
                break
            delay = (
                exc.retry_after if exc.retry_after is not None else base_delay * 2 ** (attempt - 1)
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if attempt == attempts:
                break
            delay = base_delay * 2 ** (attempt - 1)
        log.info(
            "delivery to %s failed (%s); retrying in %.1fs",
            destination.name,
            error,
            min(delay, max_delay),
        )
        await asyncio.sleep(min(delay, max_delay))

    log.warning("delivery to %s failed after %s attempt(s): %s", destination.name, attempt, error)
    return Outcome(destination.name, False, attempt, error)


def _checked(
    url: str, path: re.Pattern[str], hosts: set[str], allow_local: bool, help_text: str
) -> re.Match[str]:
    parts = urlsplit(url.strip())
    match = path.match(parts.path)
    local = allow_local and parts.hostname in _LOCAL_HOSTS
    if match is None or not (local or (parts.scheme == "https" and parts.hostname in hosts)):
        raise InvalidDestination(help_text)
    return match


async def _check(response: aiohttp.ClientResponse, name: str) -> None:
    if 200 <= response.status < 300:
        return
    body = (await response.text())[:200].strip()
    if response.status == 429:
        raise DeliveryError(
            f"{name}: rate limited (429)", retryable=True, retry_after=_retry_after(response, body)
        )
    retryable = response.status >= 500
    raise DeliveryError(f"{name}: HTTP {response.status} {body}".strip(), retryable=retryable)


def _retry_after(response: aiohttp.ClientResponse, body: str) -> float | None:
    header = response.headers.get("Retry-After")
    if header:
        try:
            return float(header)
        except ValueError:
            return None
    match = re.search(r'"retry_after"\s*:\s*([\d.]+)', body)
    return float(match[1]) if match else None
