"""Figures of the bot's own health and capacity: latency, rates, ratios, load and forecast."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analytics import metrics
from analytics.capacity import Forecast, Thresholds
from analytics.charts import theme
from analytics.localtime import WEEKDAYS
from analytics.scalars import number

log = logging.getLogger(__name__)

_PANELS = (
    "Command latency (ms)",
    "Average database query time (ms, estimated)",
    "Events per second",
    "Concurrent voice members (mean blue, peak amber)",
    "Cache hit rate (%)",
    "Connection pool in use (%)",
)


def performance(
    rows: pl.DataFrame,
    load: pl.DataFrame | None = None,
    thresholds: Thresholds | None = None,
    every: str = "1h",
) -> go.Figure:
    """Six panels of the bot's health over time (UTC), each with its threshold where one exists.

    rows are metric rollup rows (analytics.data.metric_rows). Events per second and
    concurrency come from the gateway and voice gauges when recorded, else from the study
    data's hourly load (analytics.capacity.hourly_load) when given.
    """
    limits = thresholds or Thresholds()
    title = "Bot performance"
    if rows.is_empty() and (load is None or load.is_empty()):
        return theme.empty(title, "No metrics recorded yet in this period")

    span = _span_of(rows, load)
    fig = make_subplots(
        rows=3, cols=2, subplot_titles=_PANELS, vertical_spacing=0.12, horizontal_spacing=0.08
    )
    fig.update_layout(theme.card_layout(title, f"{span} · every {every} · times in UTC"))
    fig.update_annotations(font={"size": 13, "color": theme.MUTED})

    _latency(fig, rows, every)
    _query_time(fig, rows, every, limits)
    _events(fig, rows, load, every)
    _concurrency(fig, rows, load, every, limits)
    _ratio(fig, metrics.cache_hit_rate(rows, every), "hit_rate", 3, 1, limits.cache_hit_rate)
    _ratio(fig, metrics.pool_use(rows, every), "mean", 3, 2, limits.pool_use)

    fig.update_layout(height=900, showlegend=False)
    fig.update_xaxes(title_text="Time (UTC)", row=3)
    return theme.styled(fig)


def _span_of(rows: pl.DataFrame, load: pl.DataFrame | None) -> str:
    moments = rows["bucket"] if not rows.is_empty() else load["hour"]  # type: ignore[index]
    first, last = moments.min(), moments.max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    return f"{first:%d %b %Y %H:%M} to {last:%d %b %Y %H:%M}"


def _no_data(fig: go.Figure, row: int, col: int, what: str) -> None:
    fig.add_scatter(x=[], y=[], row=row, col=col)
    axis = fig.get_subplot(row, col)
    fig.add_annotation(
        text=f"no {what} recorded",
        xref=f"{axis.xaxis.plotly_name.replace('axis', '')} domain",
        yref=f"{axis.yaxis.plotly_name.replace('axis', '')} domain",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"color": theme.MUTED, "size": 14},
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, row=row, col=col)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, row=row, col=col)


def _limit(fig: go.Figure, value: float, row: int, col: int, label: str) -> None:
    fig.add_hline(
        y=value,
        line={"color": theme.ROSE, "dash": "dash", "width": 1.5},
        annotation={"text": label, "font": {"color": theme.ROSE, "size": 11}},
        annotation_position="top left",
        row=row,
        col=col,
    )


def _latency(fig: go.Figure, rows: pl.DataFrame, every: str) -> None:
    table = metrics.histogram_percentiles(rows, metrics.LATENCY, every=every)
    if table.is_empty():
        _no_data(fig, 1, 1, "command latency")
        return
    for column, colour in (("p50", theme.BLUE), ("p95", theme.AMBER), ("p99", theme.ROSE)):
        fig.add_scatter(
            x=table["bucket"].to_list(),
            y=(table[column] * 1000).round(1).to_list(),
            name=column,
            mode="lines",
            line={"color": colour, "width": 2},
            row=1,
            col=1,
        )
    last = table.tail(1)
    for column, colour in (("p50", theme.BLUE), ("p95", theme.AMBER), ("p99", theme.ROSE)):
        fig.add_annotation(
            x=last["bucket"].item(),
            y=number(last[column].item()) * 1000,
            text=column,
            showarrow=False,
            xanchor="left",
            font={"color": colour, "size": 11},
            row=1,
            col=1,
        )
    fig.update_yaxes(rangemode="tozero", row=1, col=1)


def _query_time(fig: go.Figure, rows: pl.DataFrame, every: str, limits: Thresholds) -> None:
    table = metrics.histogram_mean(rows, metrics.QUERY_TIME, every)
    if table.is_empty():
        _no_data(fig, 1, 2, "query times")
        return
    fig.add_scatter(
        x=table["bucket"].to_list(),
        y=(table["mean"] * 1000).round(2).to_list(),
        mode="lines",
        line={"color": theme.TEAL, "width": 2},
        row=1,
        col=2,
    )
    _limit(fig, limits.query_seconds * 1000, 1, 2, f"{limits.query_seconds * 1000:g} ms")
    fig.update_yaxes(rangemode="tozero", row=1, col=2)


def _events(fig: go.Figure, rows: pl.DataFrame, load: pl.DataFrame | None, every: str) -> None:
    table = metrics.counter_rate(rows, metrics.GATEWAY_EVENTS, every)
    x: list[Any]
    if not table.is_empty():
        x, y = table["bucket"].to_list(), table["per_second"].to_list()
        label = "gateway events"
    elif load is not None and not load.is_empty():
        x, y = load["hour"].to_list(), load["events_per_second"].to_list()
        label = "joins, leaves, points"
    else:
        _no_data(fig, 2, 1, "events")
        return
    fig.add_scatter(x=x, y=y, mode="lines", line={"color": theme.VIOLET, "width": 2}, row=2, col=1)
    fig.update_yaxes(title_text=label, title_font_size=10, row=2, col=1)
    fig.update_yaxes(rangemode="tozero", tickformat=".3~f", row=2, col=1)


def _concurrency(
    fig: go.Figure, rows: pl.DataFrame, load: pl.DataFrame | None, every: str, limits: Thresholds
) -> None:
    table = metrics.gauge(rows, metrics.CONCURRENT, every)
    if not table.is_empty():
        x, mean, peak = table["bucket"].to_list(), table["mean"], table["peak"]
    elif load is not None and not load.is_empty():
        x, mean, peak = load["hour"].to_list(), load["mean"], load["peak"]
    else:
        _no_data(fig, 2, 2, "concurrency")
        return
    fig.add_scatter(
        x=x, y=peak.to_list(), mode="lines", line={"color": theme.AMBER, "width": 1}, row=2, col=2
    )
    fig.add_scatter(
        x=x,
        y=mean.round(2).to_list(),
        mode="lines",
        line={"color": theme.BLUE, "width": 2},
        row=2,
        col=2,
    )
    top = max(number(peak.max()), limits.sustained_concurrent) * 1.1
    _limit(fig, limits.sustained_concurrent, 2, 2, f"{limits.sustained_concurrent:g} sustained")
    fig.update_yaxes(range=[0, top], row=2, col=2)


def _ratio(
    fig: go.Figure, table: pl.DataFrame, column: str, row: int, col: int, limit: float
) -> None:
    if table.is_empty():
        _no_data(fig, row, col, "cache lookups" if col == 1 else "pool use")
        return
    fig.add_scatter(
        x=table["bucket"].to_list(),
        y=(table[column] * 100).round(1).to_list(),
        mode="lines",
        line={"color": theme.GREEN, "width": 2},
        row=row,
        col=col,
    )
    _limit(fig, limit * 100, row, col, f"{limit * 100:g}%")
    fig.update_yaxes(range=[0, 105], row=row, col=col)


def week_profile(profile: pl.DataFrame, limits: Thresholds | None = None) -> go.Figure:
    """Concurrent members by hour of the week (UTC): median and highest across the weeks seen."""
    limit = (limits or Thresholds()).sustained_concurrent
    title = "Load by hour of the week"
    if profile.is_empty() or profile["peak_max"].sum() == 0:
        return theme.empty(title, "No voice sessions yet to build a profile from")

    weeks = int(number(profile["weeks"].max()))
    subtitle = (
        f"concurrent voice members over {weeks} week{'s' if weeks != 1 else ''} · hours in UTC"
    )
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(theme.card_layout(title, subtitle))

    x = profile["hour_of_week"].to_list()
    fig.add_scatter(
        x=x,
        y=profile["peak_max"].to_list(),
        name="Highest peak",
        mode="lines",
        line={"color": theme.ROSE, "width": 1.5},
    )
    fig.add_scatter(
        x=x,
        y=profile["peak_median"].to_list(),
        name="Median peak",
        mode="lines",
        line={"color": theme.AMBER, "width": 2.5},
    )
    fig.add_scatter(
        x=x,
        y=profile["mean_median"].round(2).to_list(),
        name="Median of hourly mean",
        mode="lines",
        line={"color": theme.BLUE, "width": 2.5},
        fill="tozeroy",
        fillcolor="rgba(93,173,236,0.15)",
    )
    fig.add_scatter(
        x=x,
        y=profile["events_per_second_median"].to_list(),
        name="Events per second (median)",
        mode="lines",
        line={"color": theme.VIOLET, "width": 1.5, "dash": "dot"},
        secondary_y=True,
    )

    top = max(number(profile["peak_max"].max()), 1.0)
    if top > limit * 0.6:
        fig.add_hline(y=limit, line={"color": theme.ROSE, "dash": "dash"})
    fig.update_xaxes(
        title_text="Hour of the week (UTC)",
        tickvals=[day * 24 for day in range(7)],
        ticktext=list(WEEKDAYS),
        range=[0, 167],
    )
    fig.update_yaxes(title_text="Concurrent members", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(
        title_text="Events per second",
        rangemode="tozero",
        secondary_y=True,
        showgrid=False,
        tickformat=".3~f",
    )
    return theme.styled(fig)


def forecast(
    load: pl.DataFrame, prediction: Forecast, limits: Thresholds | None = None
) -> go.Figure:
    """The last weeks of hourly peak concurrency, next week's forecast, and the threshold."""
    limit = (limits or Thresholds()).sustained_concurrent
    errors = prediction.error_of()
    peak_errors = prediction.error_of(prediction.peak_model)
    title = "Next week's peak concurrency"
    subtitle = (
        f"forecast peak {prediction.peak_concurrency:.0f} members, busiest hour's mean "
        f"{prediction.peak_sustained:.1f} · back-test error: hourly ±{errors['mae_peak']:.1f}, "
        f"weekly peak {peak_errors['weekly_peak_error_pct']:.0f}%"
    )
    recent = load.tail(24 * 7 * 3)

    fig = go.Figure(layout=theme.card_layout(title, subtitle))
    fig.add_scatter(
        x=recent["hour"].to_list(),
        y=recent["peak"].to_list(),
        name="Hourly peak (measured)",
        mode="lines",
        line={"color": theme.BLUE, "width": 1.5},
    )
    fig.add_scatter(
        x=prediction.hourly["hour"].to_list(),
        y=prediction.hourly["peak"].round(2).to_list(),
        name="Forecast",
        mode="lines",
        line={"color": theme.AMBER, "width": 2, "dash": "dot"},
    )
    top = max(number(recent["peak"].max()), number(prediction.hourly["peak"].max()))
    if top > limit * 0.6:
        fig.add_hline(
            y=limit,
            line={"color": theme.ROSE, "dash": "dash"},
            annotation={"text": f"{limit:g} sustained", "font": {"color": theme.ROSE}},
        )
    fig.add_vline(x=prediction.week_start, line={"color": theme.MUTED, "width": 1})
    fig.update_layout(
        xaxis=theme.axis("Time (UTC)", type="date"),
        yaxis=theme.axis("Concurrent voice members", rangemode="tozero"),
        title_subtitle_font_size=12,
    )
    return fig
