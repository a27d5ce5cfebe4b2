"""Totals and leaderboards, in local time, read from the voice rollups.

A day is a local calendar day in a time zone, starting at a whole "day starts at" hour.
Member totals use the member's zone (falling back to the guild's); leaderboards use the
guild's. Every 15-minute UTC bucket lies inside one local day, so regrouping the
15-minute rollup gives exact local totals.
"""

from __future__ import annotations

from datetime import date

from hourglass.store.executor import Executor
from hourglass.store.records import Standing

_LEADERBOARD = """
WITH g AS (
  SELECT time_zone, day_start_hour FROM hourglass.guilds WHERE guild_id = $1
)
SELECT
  rank() OVER (ORDER BY sum(v.seconds) DESC)::integer AS rank,
  v.member_id,
  coalesce(m.display_name, '') AS display_name,
  sum(v.seconds)::bigint AS seconds
FROM hourglass.voice_seconds_15m AS v
CROSS JOIN g
LEFT JOIN hourglass.members AS m ON m.guild_id = v.guild_id AND m.member_id = v.member_id
WHERE v.guild_id = $1
  AND v.bucket >= lower(hourglass.local_days_window($2, $3))
  AND v.bucket < upper(hourglass.local_days_window($2, $3))
  AND hourglass.local_day(v.bucket, g.time_zone, g.day_start_hour) BETWEEN $2 AND $3
  AND NOT coalesce(m.opted_out, false)
GROUP BY v.member_id, m.display_name
ORDER BY seconds DESC, v.member_id
LIMIT $4
"""

_ALL_TIME_LEADERBOARD = """
SELECT
  rank() OVER (ORDER BY sum(v.seconds) DESC)::integer AS rank,
  v.member_id,
  coalesce(m.display_name, '') AS display_name,
  sum(v.seconds)::bigint AS seconds
FROM hourglass.voice_seconds_1d AS v
LEFT JOIN hourglass.members AS m ON m.guild_id = v.guild_id AND m.member_id = v.member_id
WHERE v.guild_id = $1
  AND NOT coalesce(m.opted_out, false)
GROUP BY v.member_id, m.display_name
ORDER BY seconds DESC, v.member_id
LIMIT $2
"""

_SESSIONS_LEADERBOARD = """
WITH g AS (
  SELECT
    ($2::date + make_interval(hours => day_start_hour))::timestamp AT TIME ZONE time_zone AS lo,
    ($3::date + 1 + make_interval(hours => day_start_hour))::timestamp AT TIME ZONE time_zone
      AS hi
  FROM hourglass.guilds
  WHERE guild_id = $1
)
SELECT
  rank() OVER (ORDER BY sum(extract(epoch FROM least(s.ended_at, g.hi)
                                    - greatest(s.started_at, g.lo))) DESC)::integer AS rank,
  s.member_id,
  coalesce(m.display_name, '') AS display_name,
  sum(extract(epoch FROM least(s.ended_at, g.hi) - greatest(s.started_at, g.lo)))::bigint
    AS seconds
FROM hourglass.voice_sessions AS s
CROSS JOIN g
LEFT JOIN hourglass.members AS m ON m.guild_id = s.guild_id AND m.member_id = s.member_id
WHERE s.guild_id = $1
  AND s.started_at < g.hi
  AND s.ended_at > g.lo
  AND s.started_at > g.lo - interval '1 day'
  AND NOT coalesce(m.opted_out, false)
GROUP BY s.member_id, m.display_name
ORDER BY seconds DESC, s.member_id
LIMIT $4
"""

_MEMBER_DAILY = """
WITH z AS (
  SELECT coalesce(m.time_zone, g.time_zone) AS tz,
         coalesce(m.day_start_hour, g.day_start_hour)::integer AS day_start_hour
  FROM hourglass.guilds AS g
  LEFT JOIN hourglass.members AS m ON m.guild_id = g.guild_id AND m.member_id = $2
  WHERE g.guild_id = $1
)
SELECT hourglass.local_day(v.bucket, z.tz, z.day_start_hour) AS day,
       sum(v.seconds)::bigint AS seconds
FROM hourglass.voice_seconds_15m AS v
CROSS JOIN z
WHERE v.guild_id = $1
  AND v.member_id = $2
  AND v.bucket >= lower(hourglass.local_days_window($3, $4))
  AND v.bucket < upper(hourglass.local_days_window($3, $4))
  AND hourglass.local_day(v.bucket, z.tz, z.day_start_hour) BETWEEN $3 AND $4
GROUP BY 1
ORDER BY 1
"""


async def leaderboard(
    db: Executor, guild_id: int, first_day: date, last_day: date, limit: int = 10
) -> list[Standing]:
    """Members ranked by voice time over a run of local days in the guild's time zone."""
    rows = await db.fetch(_LEADERBOARD, guild_id, first_day, last_day, limit)
    return [Standing(**dict(row)) for row in rows]


async def all_time_leaderboard(db: Executor, guild_id: int, limit: int = 10) -> list[Standing]:
    """Members ranked by all the voice time they ever logged in the guild."""
    rows = await db.fetch(_ALL_TIME_LEADERBOARD, guild_id, limit)
    return [Standing(**dict(row)) for row in rows]


async def leaderboard_from_sessions(
    db: Executor, guild_id: int, first_day: date, last_day: date, limit: int = 10
) -> list[Standing]:
    """The same ranking as leaderboard(), computed from raw sessions instead of rollups.

    It is the slow reference that benchmarks and tests compare the rollups against.
    Sessions longer than a day before the range are not looked for.
    """
    rows = await db.fetch(_SESSIONS_LEADERBOARD, guild_id, first_day, last_day, limit)
    return [Standing(**dict(row)) for row in rows]


async def member_daily_seconds(
    db: Executor, guild_id: int, member_id: int, first_day: date, last_day: date
) -> dict[date, int]:
    """A member's voice seconds per local day (their own time zone and day start)."""
    rows = await db.fetch(_MEMBER_DAILY, guild_id, member_id, first_day, last_day)
    return {row["day"]: row["seconds"] for row in rows}
