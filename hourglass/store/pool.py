"""Creating the asyncpg pool, with codecs set once per connection."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from hourglass.database import redact
from hourglass.errors import DatabaseUnavailable
from hourglass.telemetry import Telemetry

log = logging.getLogger(__name__)


_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|CALL)\s+(hourglass(?:_internal)?\.\w+)", re.I)


def query_class(sql: str) -> str:
    """A short, stable name for a statement: its verb and the first Hourglass relation."""
    words = sql.split(None, 1)
    verb = words[0].lower() if words else "?"
    found = _TABLE.search(sql)
    return f"{verb} {found[1]}" if found else verb


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


def _timing(telemetry: Telemetry) -> Callable[[asyncpg.Connection], Awaitable[None]]:
    # Statements are constant strings, so each one's histogram child is looked up once.
    children: dict[str, Any] = {}

    def logged(query: Any) -> None:
        child = children.get(query.query)
        if child is None:
            child = telemetry.query_seconds.labels(query_class(query.query))
            children[query.query] = child
        child.observe(query.elapsed)

    async def init(conn: asyncpg.Connection) -> None:
        await _init_connection(conn)
        conn.add_query_logger(logged)

    return init


async def create_pool(
    url: str, *, min_size: int = 1, max_size: int = 10, telemetry: Telemetry | None = None
) -> asyncpg.Pool:
    """Opens the pool the bot and the write path share; raises DatabaseUnavailable if it can't.

    With telemetry, every statement's time is recorded by class (verb and relation).
    """
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            init=_timing(telemetry) if telemetry is not None else _init_connection,
            server_settings={"application_name": "hourglass"},
            timeout=10,
        )
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise DatabaseUnavailable(f"cannot open a pool to {redact(url)}: {exc}") from None
    assert pool is not None
    log.info("database pool open (%s to %s connections)", min_size, max_size)
    return pool


async def connect(url: str) -> asyncpg.Connection:
    """Opens a single connection with the same codecs as the pool."""
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise DatabaseUnavailable(f"cannot connect to {redact(url)}: {exc}") from None
    await _init_connection(conn)
    return conn
