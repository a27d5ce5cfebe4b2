"""Running an unmodified disnake client against a DiscordDouble."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import disnake
from disnake.http import Route

from tests.discord_double.double import DiscordDouble

ClientT = TypeVar("ClientT", bound=disnake.Client)


@contextlib.contextmanager
def disnake_pointed_at(double: DiscordDouble) -> Iterator[None]:
    """Sends disnake's REST requests (and so its gateway lookup) to the double, then restores.

    disnake builds every REST URL, webhooks and interaction callbacks included, from the
    class attribute `disnake.http.Route.BASE`.
    """
    previous = Route.BASE
    Route.BASE = double.rest_url
    try:
        yield
    finally:
        Route.BASE = previous


@contextlib.asynccontextmanager
async def running(
    client: ClientT, double: DiscordDouble, *, timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Starts the client with the double's token, waits until it is ready, closes it after.

    Fails if the client stops with an error before it is ready or while the test runs.
    """
    with disnake_pointed_at(double):
        task = asyncio.create_task(client.start(double.token), name="disnake client under test")
        try:
            await _until_ready(client, task, timeout)
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(task, timeout)


async def _until_ready(client: disnake.Client, task: asyncio.Task[None], timeout: float) -> None:
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when="FIRST_COMPLETED")
    ready.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ready

    if task in done:
        task.result()
        raise AssertionError("the client stopped before it was ready")
    if ready not in done:
        raise AssertionError(f"the client was not ready within {timeout:g}s")
