"""Creating the asyncpg pool, with codecs set once per connection."""

from __future__ import annotations

import json
import logging

import asyncpg

from hourglass.database import redact
from hourglass.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Opens the pool the bot and the write path share; raises DatabaseUnavailable if it can't."""
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
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
