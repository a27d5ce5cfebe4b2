"""Members' tasks: their own to add, edit, complete, delete and search."""

from __future__ import annotations

from datetime import datetime

from hourglass.store.executor import Executor
from hourglass.store.records import Task

_COLUMNS = """task_id, guild_id, member_id, title, description, status, due_at, created_at,
       completed_at"""

_ADD = f"""
WITH added AS (
  INSERT INTO hourglass.tasks (guild_id, member_id, title, description, due_at)
  VALUES ($1, $2, $3, $4, $5)
  RETURNING {_COLUMNS}
),
logged AS (
  INSERT INTO hourglass.task_events (occurred_at, task_id, guild_id, member_id, kind, detail)
  SELECT now(), task_id, guild_id, member_id, 'added', jsonb_build_object('title', title)
  FROM added
)
SELECT {_COLUMNS} FROM added
"""

_LIST = f"""
SELECT {_COLUMNS}
FROM hourglass.tasks
WHERE guild_id = $1 AND member_id = $2 AND ($3::text IS NULL OR status = $3)
ORDER BY status, due_at NULLS LAST, task_id
LIMIT $4
"""

_GET = f"""
SELECT {_COLUMNS} FROM hourglass.tasks WHERE task_id = $1 AND guild_id = $2 AND member_id = $3
"""

_COMPLETE = f"""
WITH done AS (
  UPDATE hourglass.tasks
  SET status = 'done', completed_at = $4, updated_at = now()
  WHERE task_id = $1 AND guild_id = $2 AND member_id = $3 AND status = 'open'
  RETURNING {_COLUMNS}
),
logged AS (
  INSERT INTO hourglass.task_events (occurred_at, task_id, guild_id, member_id, kind)
  SELECT $4, task_id, guild_id, member_id, 'done' FROM done
)
SELECT {_COLUMNS} FROM done
"""

_EDIT = f"""
WITH edited AS (
  UPDATE hourglass.tasks
  SET title = coalesce($4, title),
      description = coalesce($5, description),
      due_at = CASE WHEN $7 THEN NULL ELSE coalesce($6, due_at) END,
      updated_at = now()
  WHERE task_id = $1 AND guild_id = $2 AND member_id = $3
  RETURNING {_COLUMNS}
),
logged AS (
  INSERT INTO hourglass.task_events (occurred_at, task_id, guild_id, member_id, kind)
  SELECT now(), task_id, guild_id, member_id, 'edited' FROM edited
)
SELECT {_COLUMNS} FROM edited
"""

_DELETE = """
WITH gone AS (
  DELETE FROM hourglass.tasks
  WHERE task_id = $1 AND guild_id = $2 AND member_id = $3
  RETURNING task_id, guild_id, member_id
),
logged AS (
  INSERT INTO hourglass.task_events (occurred_at, task_id, guild_id, member_id, kind)
  SELECT now(), task_id, guild_id, member_id, 'deleted' FROM gone
)
SELECT count(*) FROM gone
"""

_SEARCH = f"""
SELECT {_COLUMNS}, ts_rank_cd(search, q) AS rank
FROM hourglass.tasks, websearch_to_tsquery('english', $3) AS q
WHERE guild_id = $1 AND member_id = $2 AND search @@ q
ORDER BY rank DESC, task_id
LIMIT $4
"""


async def add_task(
    db: Executor,
    guild_id: int,
    member_id: int,
    title: str,
    description: str,
    due_at: datetime | None,
) -> Task:
    """Adds a task and records the event."""
    row = await db.fetchrow(_ADD, guild_id, member_id, title, description, due_at)
    return Task(**dict(row))


async def list_tasks(
    db: Executor, guild_id: int, member_id: int, status: str | None = None, limit: int = 25
) -> list[Task]:
    """A member's tasks, open ones first, soonest due first."""
    return [Task(**dict(r)) for r in await db.fetch(_LIST, guild_id, member_id, status, limit)]


async def get_task(db: Executor, guild_id: int, member_id: int, task_id: int) -> Task | None:
    """One of the member's own tasks, or None (also for another member's task)."""
    row = await db.fetchrow(_GET, task_id, guild_id, member_id)
    return Task(**dict(row)) if row else None


async def complete_task(
    db: Executor, guild_id: int, member_id: int, task_id: int, at: datetime
) -> Task | None:
    """Marks an open task done; None if it is not the member's or was already done."""
    row = await db.fetchrow(_COMPLETE, task_id, guild_id, member_id, at)
    return Task(**dict(row)) if row else None


async def edit_task(
    db: Executor,
    guild_id: int,
    member_id: int,
    task_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    due_at: datetime | None = None,
    clear_due: bool = False,
) -> Task | None:
    """Changes the given fields of the member's task; None if there is no such task."""
    row = await db.fetchrow(
        _EDIT, task_id, guild_id, member_id, title, description, due_at, clear_due
    )
    return Task(**dict(row)) if row else None


async def delete_task(db: Executor, guild_id: int, member_id: int, task_id: int) -> bool:
    """Deletes the member's task; False if there was none."""
    return bool(await db.fetchval(_DELETE, task_id, guild_id, member_id))


async def search_tasks(
    db: Executor, guild_id: int, member_id: int, query: str, limit: int = 10
) -> list[Task]:
    """Full-text search over the member's task titles and descriptions, best match first."""
    rows = await db.fetch(_SEARCH, guild_id, member_id, query, limit)
    return [Task(**{k: v for k, v in dict(r).items() if k != "rank"}) for r in rows]
