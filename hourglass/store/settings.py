"""Guild and member settings: reading them, and the changes administrators and members make."""

from __future__ import annotations

from typing import Any

from hourglass.store.executor import Executor
from hourglass.store.records import GuildConfig, MemberConfig

_GUILD = """
SELECT guild_id, time_zone, day_start_hour, tracked_channel_ids, untracked_channel_ids,
       report_channel_id, daily_goal_minutes, daily_minimum_minutes, count_deafened,
       count_alone, alert_thresholds
FROM hourglass.guilds
WHERE guild_id = $1
"""

_ENSURE_GUILD = """
INSERT INTO hourglass.guilds (guild_id, name) VALUES ($1, $2)
ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name
"""

_MEMBER = """
SELECT g.guild_id, $2::bigint AS member_id,
       coalesce(m.time_zone, g.time_zone) AS time_zone,
       coalesce(m.day_start_hour, g.day_start_hour)::integer AS day_start_hour,
       coalesce(m.opted_out, false) AS opted_out
FROM hourglass.guilds AS g
LEFT JOIN hourglass.members AS m ON m.guild_id = g.guild_id AND m.member_id = $2
WHERE g.guild_id = $1
"""

_ENSURE_MEMBER = """
INSERT INTO hourglass.members (guild_id, member_id, display_name) VALUES ($1, $2, $3)
ON CONFLICT (guild_id, member_id) DO UPDATE SET display_name = excluded.display_name
"""

_OPTED_OUT = """
SELECT member_id FROM hourglass.members WHERE guild_id = $1 AND opted_out
"""

# Settings an administrator may change, and the column each one writes.
GUILD_COLUMNS = {
    "time_zone": "time_zone",
    "day_start_hour": "day_start_hour",
    "tracked_channel_ids": "tracked_channel_ids",
    "untracked_channel_ids": "untracked_channel_ids",
    "report_channel_id": "report_channel_id",
    "daily_goal_minutes": "daily_goal_minutes",
    "daily_minimum_minutes": "daily_minimum_minutes",
    "count_deafened": "count_deafened",
    "count_alone": "count_alone",
    "alert_thresholds": "alert_thresholds",
}

MEMBER_COLUMNS = {
    "time_zone": "time_zone",
    "day_start_hour": "day_start_hour",
    "opted_out": "opted_out",
}


async def ensure_guild(db: Executor, guild_id: int, name: str) -> None:
    """Creates the guild's row with default settings, or refreshes its name."""
    await db.execute(_ENSURE_GUILD, guild_id, name)


async def guild_config(db: Executor, guild_id: int) -> GuildConfig:
    """The guild's settings (defaults for a guild never seen before)."""
    row = await db.fetchrow(_GUILD, guild_id)
    if row is None:
        return GuildConfig(guild_id)
    values = dict(row)
    values["tracked_channel_ids"] = tuple(values["tracked_channel_ids"])
    values["untracked_channel_ids"] = tuple(values["untracked_channel_ids"])
    return GuildConfig(**values)


async def update_guild(db: Executor, guild_id: int, **changes: Any) -> GuildConfig:
    """Changes some of a guild's settings; names are checked against GUILD_COLUMNS."""
    await _update(db, "guilds", GUILD_COLUMNS, "guild_id = $1", [guild_id], changes)
    return await guild_config(db, guild_id)


async def ensure_member(db: Executor, guild_id: int, member_id: int, name: str) -> None:
    """Creates the member's row, or refreshes the display name."""
    await db.execute(_ENSURE_MEMBER, guild_id, member_id, name)


async def member_config(db: Executor, guild_id: int, member_id: int) -> MemberConfig:
    """A member's time zone, day start and opt-out, with the guild's values as fallback."""
    row = await db.fetchrow(_MEMBER, guild_id, member_id)
    if row is None:
        return MemberConfig(guild_id, member_id, "UTC", 0, False)
    return MemberConfig(**dict(row))


async def update_member(db: Executor, guild_id: int, member_id: int, **changes: Any) -> None:
    """Changes a member's own settings (the row must exist: see ensure_member)."""
    await _update(
        db,
        "members",
        MEMBER_COLUMNS,
        "guild_id = $1 AND member_id = $2",
        [guild_id, member_id],
        changes,
    )


async def opted_out_members(db: Executor, guild_id: int) -> set[int]:
    """Members of a guild whose data is not collected."""
    return {row["member_id"] for row in await db.fetch(_OPTED_OUT, guild_id)}


async def _update(
    db: Executor,
    table: str,
    allowed: dict[str, str],
    where: str,
    keys: list[Any],
    changes: dict[str, Any],
) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    if not changes:
        return
    names = sorted(changes)
    assignments = ", ".join(
        f"{allowed[name]} = ${len(keys) + i + 1}" for i, name in enumerate(names)
    )
    stamp = ", updated_at = now()"
    sql = f"UPDATE hourglass.{table} SET {assignments}{stamp} WHERE {where}"
    await db.execute(sql, *keys, *(changes[name] for name in names))
