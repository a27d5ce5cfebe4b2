"""Figures of study behaviour, drawn from the tables analytics.study builds."""

from __future__ import annotations

import logging
from datetime import date

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analytics.charts import theme
from analytics.localtime import WEEKDAYS, Zone
from analytics.scalars import day, number
from analytics.study import StreakCalendar

log = logging.getLogger(__name__)

# Session lengths are binned in quarter hours up to five hours; longer ones share a bin.
SESSION_BIN_MINUTES = 15
SESSION_CAP_MINUTES = 300


def _nothing_yet(first_day: date | None, last_day: date | None) -> str:
    """The empty-state sentence for a period: today, this week, or this period."""
    if first_day is None or last_day is None or first_day == last_day:
        return "No study time yet today" if first_day is not None else "No study time yet"
    if (last_day - first_day).days < 7:
        return "No study time yet this week"
    return "No study time yet in this period"


def _no_time(title: str, days: pl.DataFrame) -> go.Figure:
    """The empty state of a chart over the days of a table (column day)."""
    first, last = day(days["day"].min()), day(days["day"].max())
    span = _span(first, last) if first and last else None
    return theme.empty(title, _nothing_yet(first, last), span)


def _span(first_day: date, last_day: date) -> str:
    if first_day == last_day:
        return f"{first_day:%d %b %Y}"
    return f"{first_day:%d %b} to {last_day:%d %b %Y}"


def member_trend(trend: pl.DataFrame, name: str, zone: Zone, goal_minutes: int) -> go.Figure:
    """Daily minutes as bars, the 7-day average as a line and the daily goal as a dashed line.

    trend is analytics.study.trend's table (day, minutes, average).
    """
    title = f"Daily study time: {name}"
    if trend.is_empty() or trend["minutes"].sum() == 0:
        return _no_time(title, trend)

    days = trend["day"].to_list()
    subtitle = f"{_span(days[0], days[-1])} · days in {zone.label}"
    fig = go.Figure(layout=theme.card_layout(title, subtitle))
    fig.add_bar(
        x=days,
        y=trend["minutes"].round(1).to_list(),
        name="Minutes",
        marker_color=theme.BLUE,
        hovertemplate="%{x|%a %d %b}: %{y:.0f} min<extra></extra>",
    )
    fig.add_scatter(
        x=days,
        y=trend["average"].round(1).to_list(),
        name="7-day average",
        mode="lines",
        line={"color": theme.AMBER, "width": 3},
        hovertemplate="%{x|%a %d %b}: %{y:.0f} min average<extra></extra>",
    )
    fig.add_hline(
        y=goal_minutes,
        line={"color": theme.GREEN, "dash": "dash", "width": 2},
        annotation={"text": f"goal {goal_minutes} min", "font": {"color": theme.GREEN}},
        annotation_position="top left",
    )

    top = max(number(trend["minutes"].max()), float(goal_minutes)) * 1.15
    fig.update_layout(
        xaxis=theme.axis(f"Day ({zone.label})", type="date"),
        yaxis=theme.axis("Minutes per day", range=[0, top]),
        bargap=0.25,
    )
    return fig


def week_heatmap(
    cells: pl.DataFrame, subject: str, zone: Zone, first_day: date, last_day: date
) -> go.Figure:
    """Minutes by hour of day and weekday in the viewer's zone; cells from study.week_heatmap."""
    title = f"Study hours by weekday and hour: {subject}"
    subtitle = f"{_span(first_day, last_day)} · hours in {zone.label}"
    total = float(cells["minutes"].sum()) if len(cells) else 0.0
    if total == 0:
        return theme.empty(title, _nothing_yet(first_day, last_day), subtitle)

    ordered = cells.sort("weekday", "hour")
    hours = ordered.pivot(on="hour", index="weekday", values="minutes").sort("weekday")
    z = [[round(v / 60, 2) for v in row[1:]] for row in hours.rows()]

    fig = go.Figure(layout=theme.card_layout(title, subtitle))
    fig.add_heatmap(
        z=z,
        x=[f"{h:02d}" for h in range(24)],
        y=list(WEEKDAYS),
        colorscale=theme.SEQUENTIAL,
        zmin=0,
        zmax=max(max(row) for row in z),
        xgap=2,
        ygap=2,
        colorbar={"title": {"text": "Hours", "side": "right"}, "tickfont": {"color": theme.MUTED}},
        hovertemplate="%{y} %{x}:00: %{z:.1f} h<extra></extra>",
    )
    fig.update_layout(
        xaxis=theme.axis(f"Hour of day ({zone.label})", showgrid=False),
        yaxis=theme.axis("", autorange="reversed", showgrid=False),
    )
    return fig


def streak_calendar(calendar: StreakCalendar, name: str, zone: Zone) -> go.Figure:
    """A week-by-week calendar: each day coloured by whether the minimum or goal was met."""
    days = calendar.days
    streak = calendar.streak
    title = f"Study streak: {name}"
    if days.is_empty() or days["seconds"].sum() == 0:
        first, last = day(days["day"].min()), day(days["day"].max())
        span = _span(first, last) if first and last else None
        return theme.empty(title, "No study days yet: a streak starts with the first one", span)

    subtitle = (
        f"current streak {streak.current} day{'s' if streak.current != 1 else ''}, "
        f"best {streak.best} · minimum {calendar.minimum_minutes} min, "
        f"goal {calendar.goal_minutes} min · days in {zone.label}"
    )
    weeks = days["week"].unique().sort().to_list()
    column = {week: index for index, week in enumerate(weeks)}

    z: list[list[float | None]] = [[None] * len(weeks) for _ in range(7)]
    text: list[list[str]] = [[""] * len(weeks) for _ in range(7)]
    for row in days.iter_rows(named=True):
        z[row["weekday"]][column[row["week"]]] = row["level"]
        text[row["weekday"]][column[row["week"]]] = (
            f"{row['day']:%a %d %b}: {row['minutes']:.0f} min"
        )

    levels = ["#2A2F38", "#1F5F8B", theme.BLUE, theme.GREEN]
    scale = []
    for index, colour in enumerate(levels):
        scale += [[index / 4, colour], [(index + 1) / 4, colour]]

    fig = go.Figure(layout=theme.card_layout(title, subtitle))
    fig.add_heatmap(
        z=z,
        x=[f"{week:%d %b}" for week in weeks],
        y=list(WEEKDAYS),
        text=text,
        zmin=-0.5,
        zmax=3.5,
        colorscale=scale,
        xgap=3,
        ygap=3,
        hovertemplate="%{text}<extra></extra>",
        colorbar={
            "tickvals": [0, 1, 2, 3],
            "ticktext": ["none", "some", "minimum", "goal"],
            "tickfont": {"color": theme.MUTED},
            "title": {"text": "Day", "side": "right"},
        },
    )
    fig.update_layout(
        xaxis=theme.axis(f"Week starting ({zone.label})", type="category", showgrid=False),
        yaxis=theme.axis("", autorange="reversed", showgrid=False),
    )
    return fig


def activity(frame: pl.DataFrame, guild_name: str, zone: Zone) -> go.Figure:
    """Daily, weekly and monthly active members above, total hours per day below."""
    title = f"Activity in {guild_name}"
    if frame.is_empty() or frame["hours"].sum() == 0:
        return _no_time(title, frame)

    days = frame["day"].to_list()
    subtitle = f"{_span(days[0], days[-1])} · days in {zone.label}"
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08
    )
    fig.update_layout(theme.card_layout(title, subtitle))

    series = (
        ("monthly", "Monthly (28 days)", theme.VIOLET),
        ("weekly", "Weekly (7 days)", theme.AMBER),
        ("daily", "Daily", theme.BLUE),
    )
    for column, label, colour in series:
        fig.add_scatter(
            x=days,
            y=frame[column].to_list(),
            name=f"{label} active",
            mode="lines",
            line={"color": colour, "width": 2.5},
            row=1,
            col=1,
        )
    fig.add_bar(
        x=days,
        y=frame["hours"].round(1).to_list(),
        name="Hours studied",
        marker_color=theme.TEAL,
        row=2,
        col=1,
    )

    fig.update_yaxes(title_text="Active members", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="Hours per day", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text=f"Day ({zone.label})", row=2, col=1)
    fig.update_layout(height=theme.HEIGHT + 80)
    return theme.styled(fig)


def session_lengths(minutes: pl.Series, subject: str, first_day: date, last_day: date) -> go.Figure:
    """How long sessions last: a histogram in quarter hours with the median marked."""
    title = f"Session length: {subject}"
    subtitle = _span(first_day, last_day)
    if minutes.is_empty():
        return theme.empty(title, "No sessions yet in this period", subtitle)

    capped = minutes.clip(upper_bound=SESSION_CAP_MINUTES - 0.001)
    edges = list(range(0, SESSION_CAP_MINUTES + 1, SESSION_BIN_MINUTES))
    counts = [0] * (len(edges) - 1)
    for value in capped.to_list():
        counts[int(value // SESSION_BIN_MINUTES)] += 1

    median = number(minutes.median())
    subtitle += f" · {len(minutes):,} sessions, median {median:.0f} min"
    labels = [f"{lo}-{lo + SESSION_BIN_MINUTES}" for lo in edges[:-1]]
    labels[-1] = f"{edges[-2]}+"

    fig = go.Figure(layout=theme.card_layout(title, subtitle))
    fig.add_bar(
        x=[lo + SESSION_BIN_MINUTES / 2 for lo in edges[:-1]],
        y=counts,
        customdata=labels,
        marker_color=theme.BLUE,
        hovertemplate="%{customdata} min: %{y} sessions<extra></extra>",
        name="Sessions",
    )
    fig.add_vline(
        x=median,
        line={"color": theme.AMBER, "dash": "dash", "width": 2},
        annotation={"text": f"median {median:.0f} min", "font": {"color": theme.AMBER}},
    )
    fig.update_layout(
        xaxis=theme.axis("Session length (minutes; last bar: 5 hours or more)", dtick=30),
        yaxis=theme.axis("Sessions"),
        bargap=0.08,
        showlegend=False,
    )
    return fig


def retention(frame: pl.DataFrame, guild_name: str, zone: Zone) -> go.Figure:
    """Cohorts by first-seen week (rows) and the share active in each later week (columns)."""
    title = f"Retention in {guild_name}"
    if frame.is_empty():
        return theme.empty(title, "No members have joined in this period yet")

    cohorts = frame.select("cohort", "size").unique().sort("cohort")
    weeks = int(number(frame["week"].max())) + 1
    row_of = {c: i for i, c in enumerate(cohorts["cohort"].to_list())}

    z: list[list[float | None]] = [[None] * weeks for _ in range(len(row_of))]
    text: list[list[str]] = [[""] * weeks for _ in range(len(row_of))]
    for row in frame.iter_rows(named=True):
        z[row_of[row["cohort"]]][row["week"]] = round(100 * row["share"], 1)
        text[row_of[row["cohort"]]][row["week"]] = f"{100 * row['share']:.0f}%"

    labels = [f"{c:%d %b} ({n})" for c, n in cohorts.rows()]
    subtitle = f"share of each weekly cohort that studied in later weeks · weeks in {zone.label}"
    fig = go.Figure(layout=theme.card_layout(title, subtitle))
    fig.add_heatmap(
        z=z,
        x=[str(w) for w in range(weeks)],
        y=labels,
        text=text,
        texttemplate="%{text}",
        textfont={"size": 11},
        colorscale=theme.SEQUENTIAL,
        zmin=0,
        zmax=100,
        xgap=2,
        ygap=2,
        colorbar={
            "title": {"text": "Active %", "side": "right"},
            "tickfont": {"color": theme.MUTED},
        },
        hovertemplate="cohort %{y}, week %{x}: %{z:.0f}% active<extra></extra>",
    )
    fig.update_layout(
        xaxis=theme.axis("Weeks since first seen", type="category", showgrid=False),
        yaxis=theme.axis(
            "Cohort: week first seen (members)",
            autorange="reversed",
            type="category",
            showgrid=False,
        ),
    )
    return fig


def leaderboard(
    board: pl.DataFrame, guild_name: str, zone: Zone, first_day: date, last_day: date
) -> go.Figure:
    """Horizontal bars of hours per member, the leader on top."""
    title = f"Leaderboard: {guild_name}"
    subtitle = f"{_span(first_day, last_day)} · days in {zone.label}"
    if board.is_empty():
        return theme.empty(title, _nothing_yet(first_day, last_day), subtitle)

    names = [
        f"{rank}. {name}" for rank, name in zip(board["rank"], board["display_name"], strict=True)
    ]
    hours = board["hours"].to_list()
    fig = go.Figure(layout=theme.card_layout(title, subtitle))
    fig.add_bar(
        x=hours,
        y=names,
        orientation="h",
        marker_color=[theme.AMBER] + [theme.BLUE] * (len(names) - 1),
        text=[f"{h:.1f} h" for h in hours],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.1f} h<extra></extra>",
    )
    fig.update_layout(
        xaxis=theme.axis("Hours studied", range=[0, max(hours) * 1.15]),
        yaxis=theme.axis("", autorange="reversed", type="category"),
        height=max(theme.HEIGHT, 140 + 36 * len(names)),
        showlegend=False,
    )
    return fig
