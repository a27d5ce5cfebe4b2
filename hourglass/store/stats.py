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

# The UTC bounds of the local days, widened by three hours: around a DST change the wall
# clock maps to UTC ambiguously, so local_day decides exactly inside the narrow window.
_RANKED = """
WITH g AS (
  SELECT time_zone, day_start_hour,
         ($2::date + make_interval(hours => day_start_hour))::timestamp AT TIME ZONE time_zone
           - interval '3 hours' AS lo,
         ($3::date + 1 + make_interval(hours => day_start_hour))::timestamp AT TIME ZONE time_zone
           + interval '3 hours' AS hi
  FROM hourglass.guilds
  WHERE guild_id = $1
),
totals AS (
  SELECT v.member_id, sum(v.seconds)::bigint AS seconds
  FROM hourglass.voice_seconds_15m AS v
  CROSS JOIN g
  WHERE v.guild_id = $1
    AND v.bucket >= (SELECT lo FROM g)
    AND v.bucket < (SELECT hi FROM g)
    AND hourglass.local_day(v.bucket, g.time_zone, g.day_start_hour) BETWEEN $2 AND $3
  GROUP BY v.member_id
),
ranked AS (
  SELECT
    rank() OVER (ORDER BY t.seconds DESC)::integer AS rank,
    t.member_id,
    coalesce(m.display_name, '') AS display_name,
    t.seconds
  FROM totals AS t
  LEFT JOIN hourglass.members AS m ON m.guild_id = $1 AND m.member_id = t.member_id
  WHERE NOT coalesce(m.opted_out, false)
)
"""

_LEADERBOARD = (
    _RANKED
    + """
SELECT rank, member_id, display_name, seconds
FROM ranked
ORDER BY seconds DESC, member_id
LIMIT $4 OFFSET $5
"""
)

_RANK_OF = (
    _RANKED
    + """
SELECT rank, member_id, display_name, seconds,
       (SELECT count(*) FROM ranked)::integer AS ranked_members
FROM ranked
WHERE member_id = $4
"""
)

_COUNT_RANKED = (
    _RANKED
    + """
SELECT count(*)::integer FROM ranked
"""
)

_RANKED_ALL_TIME = """
WITH ranked AS (
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
)
"""

_ALL_TIME_RANK_OF = (
    _RANKED_ALL_TIME
    + """
SELECT rank, member_id, display_name, seconds FROM ranked WHERE member_id = $2
"""
)

_ALL_TIME_COUNT = (
    _RANKED_ALL_TIME
    + """
SELECT count(*)::integer FROM ranked
"""
)

_ALL_TIME_LEADERBOARD = (
    _RANKED_ALL_TIME
    + """
SELECT rank, member_id, display_name, seconds
FROM ranked
ORDER BY seconds DESC, member_id
LIMIT $2 OFFSET $3
"""
)

_MEMBER_SUMMARY = """
SELECT
  (SELECT coalesce(sum(seconds), 0)::bigint FROM hourglass.voice_seconds_1d
   WHERE guild_id = $1 AND member_id = $2) AS all_time_seconds,
  (SELECT count(*)::integer FROM hourglass.voice_sessions
   WHERE guild_id = $1 AND member_id = $2) AS sessions,
  (SELECT coalesce(avg(extract(epoch FROM ended_at - started_at)), 0)::bigint
   FROM hourglass.voice_sessions WHERE guild_id = $1 AND member_id = $2) AS average_session_seconds
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
    db: Executor,
    guild_id: int,
    first_day: date,
    last_day: date,
    limit: int = 10,
    offset: int = 0,
) -> list[Standing]:
    """Members ranked by voice time over a run of local days in the guild's time zone."""
    rows = await db.fetch(_LEADERBOARD, guild_id, first_day, last_day, limit, offset)
    return [Standing(**dict(row)) for row in rows]


async def standing_of(
    db: Executor, guild_id: int, member_id: int, first_day: date, last_day: date
) -> Standing | None:
    """A member's place on the leaderboard of a run of local days, or None without time."""
    row = await db.fetchrow(_RANK_OF, guild_id, first_day, last_day, member_id)
    if row is None:
        return None
    return Standing(row["rank"], row["member_id"], row["display_name"], row["seconds"])


async def ranked_members(db: Executor, guild_id: int, first_day: date, last_day: date) -> int:
    """How many members have time on the leaderboard of a run of local days."""
    return int(await db.fetchval(_COUNT_RANKED, guild_id, first_day, last_day))


async def all_time_leaderboard(
    db: Executor, guild_id: int, limit: int = 10, offset: int = 0
) -> list[Standing]:
    """Members ranked by all the voice time they ever logged in the guild."""
    rows = await db.fetch(_ALL_TIME_LEADERBOARD, guild_id, limit, offset)
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


async def member_summary(db: Executor, guild_id: int, member_id: int) -> dict[str, int]:
    """All-time seconds, number of sessions and average session length of a member."""
    return dict(await db.fetchrow(_MEMBER_SUMMARY, guild_id, member_id))


async def all_time_standing_of(db: Executor, guild_id: int, member_id: int) -> Standing | None:
    """A member's place on the all-time leaderboard, or None without time."""
    row = await db.fetchrow(_ALL_TIME_RANK_OF, guild_id, member_id)
    return Standing(**dict(row)) if row else None


async def all_time_ranked_members(db: Executor, guild_id: int) -> int:
    """How many members have any time in the guild."""
    return int(await db.fetchval(_ALL_TIME_COUNT, guild_id))
