"""The audit trail as members see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hourglass.store.executor import Executor

_HISTORY = """
SELECT occurred_at, action, detail
FROM hourglass.user_actions
WHERE guild_id = $1 AND member_id = $2
ORDER BY occurred_at DESC
LIMIT $3 OFFSET $4
"""


@dataclass(frozen=True)
class ActionRow:
    """One audited action."""

    occurred_at: datetime
    action: str
    detail: dict[str, Any]


async def history(
    db: Executor, guild_id: int, member_id: int, limit: int = 10, offset: int = 0
) -> list[ActionRow]:
    """The member's own actions, newest first."""
    rows = await db.fetch(_HISTORY, guild_id, member_id, limit, offset)
    return [ActionRow(**dict(r)) for r in rows]
