"""A loopback HTTP receiver standing in for Discord and Slack webhooks.

Each path answers from a script of (status, body, delay) steps, then 2xx; every request
is recorded, and Discord payloads are checked against Discord's OpenAPI description.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.discord_double.spec import RequestBody, load_spec

DISCORD_PATH = "/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123"
SLACK_PATH = "/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX"


@dataclass
class Receiver:
    """The running receiver: its base URL, scripts and what it received."""

    base: str = ""
    scripts: dict[str, deque[tuple[int, str, float]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    received: list[tuple[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def discord_url(self) -> str:
        return self.base + DISCORD_PATH

    @property
    def slack_url(self) -> str:
        return self.base + SLACK_PATH

    def script(self, path: str, *steps: tuple[int, str, float]) -> None:
        self.scripts[path].extend(steps)

    def bodies(self, path: str) -> list[Any]:
        return [body for where, body in self.received if where == path]


async def start_receiver() -> tuple[Receiver, web.AppRunner]:
    """Starts a receiver on a free loopback port."""
    receiver = Receiver()
    spec = load_spec()

    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        receiver.received.append((request.path, body))
        receiver.problems += _check(spec, request.path, body)
        steps = receiver.scripts[request.path]
        status, text, delay = steps.popleft() if steps else (0, "", 0.0)
        await asyncio.sleep(delay)
        if status:
            return web.Response(
                status=status,
                text=text,
                content_type="application/json" if text.startswith("{") else "text/plain",
            )
        return (
            web.Response(status=204)
            if request.path.startswith("/api/")
            else web.Response(text="ok")
        )

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.base = f"http://127.0.0.1:{port}"
    return receiver, runner


def _check(spec, path: str, body: Any) -> list[str]:
    if path.startswith("/api/webhooks/"):
        route = "/webhooks/" + path.removeprefix("/api/webhooks/")
        _, operation, values = spec.match("POST", route)
        if operation is None:
            return [f"no Discord route for {route}"]
        return spec.check_request(operation, values, [], RequestBody("application/json", body))
    return _check_slack(body)


def _check_slack(body: Any) -> list[str]:
    """Slack's documented rules for incoming webhooks with Block Kit."""
    problems = []
    if not isinstance(body.get("text"), str) or not body["text"]:
        problems.append("slack: a top-level text fallback is required with blocks")
    for block in body.get("blocks", []):
        kind = block.get("type")
        if kind == "header":
            text = block["text"]
            if text["type"] != "plain_text" or len(text["text"]) > 150:
                problems.append("slack: header text must be plain_text of at most 150")
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append("slack: a section needs text or fields")
            if len(block.get("text", {}).get("text", "")) > 3000:
                problems.append("slack: section text over 3000 characters")
            if len(block.get("fields", [])) > 10:
                problems.append("slack: more than 10 section fields")
        elif kind == "context":
            if not 1 <= len(block.get("elements", [])) <= 10:
                problems.append("slack: context needs 1 to 10 elements")
        else:
            problems.append(f"slack: unexpected block type {kind!r}")
    json.dumps(body)
    return problems
