"""Guilds and members: the settings time accounting depends on."""

from __future__ import annotations

from collections.abc import Sequence

from hourglass.store.executor import Executor
from hourglass.store.records import Guild, Member

_UPSERT_GUILD = """
INSERT INTO hourglass.guilds (guild_id, name, time_zone, day_start_hour)
VALUES ($1, $2, $3, $4)
ON CONFLICT (guild_id) DO UPDATE
SET name = excluded.name,
    time_zone = excluded.time_zone,
    day_start_hour = excluded.day_start_hour,
    updated_at = now()
"""

_UPSERT_MEMBERS = """
INSERT INTO hourglass.members (guild_id, member_id, display_name, time_zone, day_start_hour)
SELECT *
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::smallint[])
ON CONFLICT (guild_id, member_id) DO UPDATE
SET display_name = excluded.display_name,
    time_zone = excluded.time_zone,
    day_start_hour = excluded.day_start_hour
"""


async def upsert_guild(db: Executor, guild: Guild) -> None:
    """Creates a guild or updates its name, time zone and day start."""
    await db.execute(
        _UPSERT_GUILD, guild.guild_id, guild.name, guild.time_zone, guild.day_start_hour
    )


_UPSERT_NAMES = """
INSERT INTO hourglass.members (guild_id, member_id, display_name)
SELECT m.guild_id, m.member_id, m.display_name
FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS m (guild_id, member_id, display_name)
JOIN hourglass.guilds AS g ON g.guild_id = m.guild_id
ON CONFLICT (guild_id, member_id) DO UPDATE SET display_name = excluded.display_name
"""


async def upsert_members(
    db: Executor, members: Sequence[Member], *, names_only: bool = False
) -> None:
    """Creates members or updates their names (and, unless names_only, time settings)."""
    if not members:
        return
    if names_only:
        await db.execute(
            _UPSERT_NAMES,
            [m.guild_id for m in members],
            [m.member_id for m in members],
            [m.display_name for m in members],
        )
        return
    await db.execute(
        _UPSERT_MEMBERS,
        [m.guild_id for m in members],
        [m.member_id for m in members],
        [m.display_name for m in members],
        [m.time_zone for m in members],
        [m.day_start_hour for m in members],
    )
