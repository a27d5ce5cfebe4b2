"""Study behaviour as tables: pure polars transforms from the rows analytics.data reads.

Every function takes UTC rows and a Zone, and goes through analytics.localtime for local
days and hours. None of them touches a database, so tests feed them hand-made frames.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from analytics.localtime import Zone, day_range, localize
from hourglass import streaks

log = logging.getLogger(__name__)

ROLLING_DAYS = 7
WEEK_DAYS = 7
MONTH_DAYS = 28


def daily_seconds(slots: pl.DataFrame, zone: Zone, first_day: date, last_day: date) -> pl.DataFrame:
    """Seconds per local day from first_day to last_day, days without time as 0.

    slots has columns bucket (UTC) and seconds; any other column is summed over.
    """
    local = localize(slots, zone).filter(pl.col("day").is_between(first_day, last_day))
    totals = local.group_by("day").agg(pl.col("seconds").sum())

    days = day_range(first_day, last_day).to_frame()
    joined = days.join(totals, on="day", how="left")
    return joined.with_columns(pl.col("seconds").fill_null(0).cast(pl.Int64)).sort("day")


def trend(slots: pl.DataFrame, zone: Zone, first_day: date, last_day: date) -> pl.DataFrame:
    """Daily minutes with a trailing 7-day average; columns day, minutes, average.

    The average of a day covers it and the six days before, so slots should reach six
    days before first_day for the first averages to be whole.
    """
    lead_in = first_day - timedelta(days=ROLLING_DAYS - 1)
    daily = daily_seconds(slots, zone, lead_in, last_day)

    minutes = (pl.col("seconds") / 60).alias("minutes")
    averaged = daily.with_columns(minutes).with_columns(
        pl.col("minutes").rolling_mean(ROLLING_DAYS).alias("average")
    )
    return averaged.filter(pl.col("day") >= first_day).select("day", "minutes", "average")


def week_heatmap(slots: pl.DataFrame, zone: Zone, first_day: date, last_day: date) -> pl.DataFrame:
    """Minutes per (weekday, local hour) over a run of local days, all 7 x 24 cells present."""
    local = localize(slots, zone).filter(pl.col("day").is_between(first_day, last_day))
    cells = local.group_by("weekday", "hour").agg((pl.col("seconds").sum() / 60).alias("minutes"))

    grid = pl.DataFrame({"weekday": pl.Series(range(7), dtype=pl.Int8)}).join(
        pl.DataFrame({"hour": pl.Series(range(24), dtype=pl.Int8)}), how="cross"
    )
    filled = grid.join(cells, on=["weekday", "hour"], how="left")
    return filled.with_columns(pl.col("minutes").fill_null(0.0)).sort("weekday", "hour")


@dataclass(frozen=True)
class StreakCalendar:
    """Days with their minutes and level, and the streak as of the last day."""

    days: pl.DataFrame
    streak: streaks.Streak
    minimum_minutes: int
    goal_minutes: int


def streak_calendar(
    slots: pl.DataFrame,
    zone: Zone,
    first_day: date,
    last_day: date,
    minimum_minutes: int,
    goal_minutes: int,
) -> StreakCalendar:
    """A calendar of local days, each with minutes and a level, plus the current streak.

    Levels: 0 no time, 1 some time, 2 the daily minimum reached, 3 the daily goal reached.
    The streak is computed by hourglass.streaks, the bot's own rule, over the same days.
    """
    daily = daily_seconds(slots, zone, first_day, last_day)
    minutes = pl.col("seconds") / 60
    level = (
        pl.when(minutes >= goal_minutes)
        .then(3)
        .when(minutes >= minimum_minutes)
        .then(2)
        .when(pl.col("seconds") > 0)
        .then(1)
        .otherwise(0)
    )

    days = daily.with_columns(
        minutes.alias("minutes"),
        level.cast(pl.Int8).alias("level"),
        (pl.col("day").dt.weekday() - 1).cast(pl.Int8).alias("weekday"),
        pl.col("day").dt.truncate("1w").alias("week"),
    )
    by_day = dict(zip(daily["day"].to_list(), daily["seconds"].to_list(), strict=True))
    streak = streaks.compute(by_day, minimum_minutes * 60, last_day)
    return StreakCalendar(days, streak, minimum_minutes, goal_minutes)


def member_days(slots: pl.DataFrame, zone: Zone) -> pl.DataFrame:
    """Which members studied on which local days: columns member_id, day, seconds."""
    local = localize(slots, zone)
    studied = local.group_by("member_id", "day").agg(pl.col("seconds").sum())
    return studied.filter(pl.col("seconds") > 0)


def activity(slots: pl.DataFrame, zone: Zone, first_day: date, last_day: date) -> pl.DataFrame:
    """Daily, weekly and monthly active members and total hours per local day.

    Weekly and monthly counts are distinct members over the 7 and 28 days ending on each
    day, so slots should reach 27 days before first_day.
    """
    days = member_days(slots, zone)
    covered = days.select(
        "member_id",
        "day",
        pl.date_ranges("day", pl.col("day") + pl.duration(days=MONTH_DAYS - 1)).alias("covers"),
    ).explode("covers")
    age = (pl.col("covers") - pl.col("day")).dt.total_days()

    windows = covered.group_by("covers").agg(
        pl.col("member_id").filter(age == 0).n_unique().alias("daily"),
        pl.col("member_id").filter(age < WEEK_DAYS).n_unique().alias("weekly"),
        pl.col("member_id").n_unique().alias("monthly"),
    )
    hours = days.group_by("day").agg((pl.col("seconds").sum() / 3600).alias("hours"))

    frame = day_range(first_day, last_day).to_frame()
    frame = frame.join(windows.rename({"covers": "day"}), on="day", how="left")
    frame = frame.join(hours, on="day", how="left")
    return frame.fill_null(0).sort("day")


def session_lengths(sessions: pl.DataFrame) -> pl.Series:
    """The length of each session in minutes."""
    seconds = (pl.col("ended_at") - pl.col("started_at")).dt.total_seconds()
    return sessions.select((seconds / 60).alias("minutes"))["minutes"]


def retention(
    slots: pl.DataFrame,
    members: pl.DataFrame,
    zone: Zone,
    first_day: date,
    last_day: date,
    cohorts: int = 12,
) -> pl.DataFrame:
    """Share of each weekly cohort active in each later week.

    A member's cohort is the local week (from Monday) of the earlier of their first-seen
    moment and their first day with time. Columns: cohort, size, week (weeks since the
    cohort's week, 0 first), active, share. Only the last `cohorts` cohorts that start on
    or after first_day are kept, and only weeks that have begun by last_day.
    """
    days = member_days(slots, zone).filter(pl.col("day").is_between(first_day, last_day))
    seen = localize(members.rename({"first_seen_at": "bucket"}), zone).select("member_id", "day")
    first = (
        pl.concat([days.select("member_id", "day"), seen])
        .group_by("member_id")
        .agg(pl.col("day").min().dt.truncate("1w").alias("cohort"))
    )

    last_week = pl.select(pl.lit(last_day).dt.truncate("1w")).item()
    first_week = pl.select(pl.lit(first_day).dt.truncate("1w")).item()
    first = first.filter(pl.col("cohort").is_between(first_week, last_week))
    if first_day > first_week:
        first = first.filter(pl.col("cohort") > first_week)
    keep = first["cohort"].unique().sort().tail(cohorts)
    first = first.filter(pl.col("cohort").is_in(keep.implode()))

    sizes = first.group_by("cohort").agg(pl.len().alias("size"))
    weeks = days.with_columns(pl.col("day").dt.truncate("1w").alias("active_week"))
    joined = weeks.join(first, on="member_id").filter(pl.col("active_week") >= pl.col("cohort"))
    offset = ((pl.col("active_week") - pl.col("cohort")).dt.total_days() // 7).cast(pl.Int32)
    active = joined.group_by("cohort", offset.alias("week")).agg(
        pl.col("member_id").n_unique().alias("active")
    )

    span = ((last_week - keep.min()).days // 7 + 1) if len(keep) else 0
    grid = sizes.join(pl.DataFrame({"week": pl.Series(range(span), dtype=pl.Int32)}), how="cross")
    begun = pl.col("cohort") + pl.duration(days=7) * pl.col("week") <= last_week
    grid = grid.filter(begun).join(active, on=["cohort", "week"], how="left").fill_null(0)
    return grid.with_columns((pl.col("active") / pl.col("size")).alias("share")).sort(
        "cohort", "week"
    )


def leaderboard(
    slots: pl.DataFrame,
    members: pl.DataFrame,
    zone: Zone,
    first_day: date,
    last_day: date,
    limit: int = 10,
) -> pl.DataFrame:
    """Members ranked by time over a run of local days: rank, member_id, display_name, hours.

    Ties share a rank, as on the bot's leaderboard; members without a name show their id.
    """
    local = localize(slots, zone).filter(pl.col("day").is_between(first_day, last_day))
    totals = local.group_by("member_id").agg(pl.col("seconds").sum())
    totals = totals.filter(pl.col("seconds") > 0)

    names = members.select("member_id", "display_name").unique("member_id")
    ranked = totals.join(names, on="member_id", how="left").with_columns(
        pl.col("seconds").rank("min", descending=True).cast(pl.Int64).alias("rank"),
        pl.coalesce(
            pl.col("display_name").replace("", None), pl.col("member_id").cast(pl.String)
        ).alias("display_name"),
        (pl.col("seconds") / 3600).alias("hours"),
    )
    ordered = ranked.sort(["seconds", "member_id"], descending=[True, False]).head(limit)
    return ordered.select("rank", "member_id", "display_name", "seconds", "hours")
