"""Alert state and the delivery log: what fired, what was sent, what failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hourglass.store.executor import Executor

_STATE = """
SELECT rule, scope, state, since, last_notified_at, last_value, detail
FROM hourglass.alert_state
WHERE rule = $1 AND scope = $2
"""

_SAVE = """
INSERT INTO hourglass.alert_state (rule, scope, state, since, last_notified_at, last_value,
                                   detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (rule, scope) DO UPDATE
SET state = excluded.state,
    since = excluded.since,
    last_notified_at = excluded.last_notified_at,
    last_value = excluded.last_value,
    detail = excluded.detail
"""

_FIRING = """
SELECT rule, scope, state, since, last_notified_at, last_value, detail
FROM hourglass.alert_state
WHERE state = 'firing'
ORDER BY since
"""

_RECORD = """
INSERT INTO hourglass.deliveries (kind, subject, destination, status, attempts, last_error,
                                  delivered_at)
VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4 = 'delivered' THEN now() END)
"""

_DELIVERED = """
SELECT EXISTS (
  SELECT 1 FROM hourglass.deliveries
  WHERE subject = $1 AND destination = $2 AND status = 'delivered'
)
"""

_FAILURES = """
SELECT created_at, kind, subject, destination, attempts, last_error
FROM hourglass.deliveries
WHERE status = 'failed' AND created_at >= $1
ORDER BY created_at DESC
LIMIT $2
"""


@dataclass(frozen=True)
class AlertState:
    """The stored state of one rule in one scope."""

    rule: str
    scope: str
    state: str
    since: datetime
    last_notified_at: datetime | None
    last_value: float | None
    detail: dict[str, Any]


async def state(db: Executor, rule: str, scope: str) -> AlertState | None:
    """The stored state of a rule, or None before its first evaluation."""
    row = await db.fetchrow(_STATE, rule, scope)
    return AlertState(**dict(row)) if row else None


async def save(db: Executor, alert: AlertState) -> None:
    """Stores a rule's state."""
    await db.execute(
        _SAVE,
        alert.rule,
        alert.scope,
        alert.state,
        alert.since,
        alert.last_notified_at,
        alert.last_value,
        alert.detail,
    )


async def firing(db: Executor) -> list[AlertState]:
    """Every alert that is firing now, oldest first."""
    return [AlertState(**dict(row)) for row in await db.fetch(_FIRING)]


async def record_delivery(
    db: Executor,
    kind: str,
    subject: str,
    destination: str,
    delivered: bool,
    attempts: int,
    error: str | None,
) -> None:
    """Logs one delivery, successful or failed."""
    await db.execute(
        _RECORD, kind, subject, destination, "delivered" if delivered else "failed", attempts, error
    )


async def already_delivered(db: Executor, subject: str, destination: str) -> bool:
    """Whether this subject already reached this destination (so a rerun skips it)."""
    return bool(await db.fetchval(_DELIVERED, subject, destination))


async def recent_failures(db: Executor, since: datetime, limit: int = 5) -> list[dict[str, Any]]:
    """Failed deliveries since a moment, newest first."""
    return [dict(row) for row in await db.fetch(_FAILURES, since, limit)]
