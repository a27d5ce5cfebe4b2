"""Running the asynchronous data-access layer from plain test functions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from hourglass.store.pool import connect

T = TypeVar("T")


def run(coroutine: Awaitable[T]) -> T:
    """Runs one coroutine to completion."""
    return asyncio.run(_await(coroutine))


def with_conn(url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Opens an asyncpg connection, runs work(conn), closes the connection."""

    async def main() -> T:
        conn = await connect(url)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(main())


async def _await(coroutine: Awaitable[Any]) -> Any:
    return await coroutine
