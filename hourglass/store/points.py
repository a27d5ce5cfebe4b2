"""Reading the points ledger: balances, history, balances as of a past moment, replay."""

from __future__ import annotations

from datetime import datetime

from hourglass.store.executor import Executor
from hourglass.store.records import LedgerEntry

_BALANCE = """
SELECT coalesce(sum(delta), 0)::bigint
FROM hourglass.point_events
WHERE guild_id = $1 AND member_id = $2 AND occurred_at <= coalesce($3::timestamptz, 'infinity')
"""

_HISTORY = """
SELECT occurred_at, delta, reason, source
FROM hourglass.point_events
WHERE guild_id = $1 AND member_id = $2
ORDER BY occurred_at DESC
LIMIT $3
"""

_REPLAY = """
SELECT member_id, sum(delta)::bigint AS balance
FROM hourglass.point_events
WHERE guild_id = $1
GROUP BY member_id
"""

_ROLLUP_BALANCES = """
SELECT member_id, sum(points)::bigint AS balance
FROM hourglass.points_15m
WHERE guild_id = $1
GROUP BY member_id
"""


async def balance(
    db: Executor, guild_id: int, member_id: int, as_of: datetime | None = None
) -> int:
    """A member's points, now or as of a past moment (events at that moment included)."""
    return int(await db.fetchval(_BALANCE, guild_id, member_id, as_of))


async def history(
    db: Executor, guild_id: int, member_id: int, limit: int = 10
) -> list[LedgerEntry]:
    """The member's latest ledger entries, newest first."""
    rows = await db.fetch(_HISTORY, guild_id, member_id, limit)
    return [LedgerEntry(**dict(r)) for r in rows]


async def replay_balances(db: Executor, guild_id: int) -> dict[int, int]:
    """Every member's balance rebuilt from the ledger alone."""
    return {r["member_id"]: r["balance"] for r in await db.fetch(_REPLAY, guild_id)}


async def rollup_balances(db: Executor, guild_id: int) -> dict[int, int]:
    """Every member's balance as the points rollup derives it (must equal the replay)."""
    return {r["member_id"]: r["balance"] for r in await db.fetch(_ROLLUP_BALANCES, guild_id)}
