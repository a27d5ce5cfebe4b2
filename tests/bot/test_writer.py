"""The batched write path, including a real database outage in the middle."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.writer import BatchWriter
from hourglass.database import connect
from hourglass.embedded import EmbeddedPostgres
from hourglass.migrate import migrate
from hourglass.store.batch import UserAction
from hourglass.store.pool import create_pool
from hourglass.store.records import VoicePiece
from tests.support.postgres import free_port

T0 = datetime(2026, 9, 1, 18, 0, tzinfo=UTC)


def _group(i: int) -> list:
    sid = uuid.uuid4()
    start = T0 + timedelta(minutes=i)
    return [
        VoicePiece(sid, 5, i, 101, start, start + timedelta(seconds=30)),
        UserAction(start, 5, i, "voice.join"),
    ]


async def _totals(pool) -> tuple[int, int]:
    row = await pool.fetchrow(
        "SELECT (SELECT coalesce(sum(seconds), 0) FROM hourglass.voice_activity) AS seconds,"
        " (SELECT count(*) FROM hourglass.user_actions) AS actions"
    )
    return row["seconds"], row["actions"]


def test_groups_are_written_in_batches_and_never_split(pg_db, tmp_path):
    async def main():
        pool = await create_pool(pg_db, max_size=2)
        writer = BatchWriter(pool, tmp_path / "spool.jsonl", max_batch=101)
        for i in range(120):
            writer.submit(_group(i))
        await writer.flush()
        totals = await _totals(pool)
        await pool.close()
        return writer, totals

    writer, totals = asyncio.run(main())

    assert totals == (120 * 30, 120)
    assert writer.batches_written == 3  # 50 groups of 2 fit in 101, then 50, then 20
    assert writer.queue_depth == 0


@pytest.fixture
def outage_server(tmp_path):
    server = EmbeddedPostgres(tmp_path / "pg", free_port())
    server.start()
    with connect(server.url) as conn:
        migrate(conn)
    yield server
    server.stop()


def test_writes_during_an_outage_are_held_spooled_and_written_once_afterwards(
    outage_server, tmp_path
):
    spool = tmp_path / "spool.jsonl"

    async def during_outage():
        pool = await create_pool(outage_server.url, min_size=1, max_size=2)
        writer = BatchWriter(pool, spool, max_batch=50, max_memory_ops=40)
        writer.submit(_group(0))
        await writer.flush()
        outage_server.stop()
        for i in range(1, 60):
            writer.submit(_group(i))
        with pytest.raises(
            (OSError, asyncpg.exceptions.InterfaceError, asyncpg.exceptions.PostgresConnectionError)
        ):
            await writer.flush()
        await writer.stop(timeout=3)
        pool.terminate()
        return writer

    async def after_outage():
        pool = await create_pool(outage_server.url)
        writer = BatchWriter(pool, spool)
        await writer.start()
        await writer.stop()
        totals = await _totals(pool)
        await pool.close()
        return totals

    writer = asyncio.run(during_outage())
    assert writer.queue_depth == 0
    assert spool.exists() and writer.spooled_batches > 1

    outage_server.start()
    totals = asyncio.run(after_outage())

    assert totals == (60 * 30, 60)
    assert not spool.exists()
