"""A self-contained HTML dashboard, and the demo's charts written as files.

The page embeds plotly.js once, so it opens without a network; every chart stays
interactive (hover, zoom). PNGs need a browser (analytics.render); the dashboard does not.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from analytics import reports
from analytics.charts import theme
from analytics.data import Engine, Warehouse
from analytics.errors import ChartsUnavailable
from analytics.render import SyncRenderer

log = logging.getLogger(__name__)

DASHBOARD_FILE = "dashboard.html"


def guild_figures(
    wh: Warehouse, guild_id: int | None, last_day: date | None = None
) -> tuple[dict[str, go.Figure], reports.CapacityReport]:
    """Every guild-level chart (or deployment-level for None) and the capacity report."""
    end = _end_of(last_day)
    figures = {
        "leaderboard": reports.leaderboard(wh, guild_id, last_day, days=7),
        "activity": reports.activity(wh, guild_id, last_day, days=90),
        "week_heatmap": reports.guild_heatmap(wh, guild_id, None, last_day, days=28),
        "session_lengths": reports.session_lengths(wh, guild_id, last_day, days=30),
        "retention": reports.retention(wh, guild_id, last_day, weeks=12),
    }

    report = reports.capacity_report(wh, end)
    figures["performance"] = reports.performance(wh, end, hours=168, load=report.load.tail(168))
    figures.update(reports.capacity_figures(report))
    return figures, report


def member_figures(
    wh: Warehouse, guild_id: int, member_id: int, last_day: date | None = None
) -> dict[str, go.Figure]:
    """A member's own charts: daily trend, streak calendar and weekly heatmap."""
    return {
        "member_trend": reports.member_trend(wh, guild_id, member_id, last_day, days=30),
        "streak_calendar": reports.streak_calendar(wh, guild_id, member_id, last_day, days=84),
        "member_heatmap": reports.member_heatmap(wh, guild_id, member_id, None, last_day, days=28),
    }


def _end_of(last_day: date | None) -> datetime:
    if last_day is None:
        return datetime.now(UTC)
    return datetime.combine(last_day + timedelta(days=1), time(), UTC)


def write_dashboard(
    wh: Warehouse,
    out_dir: Path,
    guild_id: int | None = None,
    last_day: date | None = None,
    member_id: int | None = None,
) -> Path:
    """Writes dashboard.html for a guild (or the deployment) into out_dir; returns its path."""
    figures, report = guild_figures(wh, guild_id, last_day)
    if member_id is not None and guild_id is not None:
        figures.update(member_figures(wh, guild_id, member_id, last_day))

    title = f"Hourglass: {reports.scope(wh, guild_id).name}"
    return _write_page(out_dir, title, figures, report)


def _write_page(
    out_dir: Path, title: str, figures: dict[str, go.Figure], report: reports.CapacityReport
) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    cards = []
    for name, fig in figures.items():
        body = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{name}",
            config={"displaylogo": False, "responsive": True},
        )
        cards.append(f'<section class="card" id="{name}">{body}</section>')

    advice = "".join(f"<li>{html.escape(r.sentence())}</li>" for r in report.recommendations)
    page = _PAGE.format(
        title=html.escape(title),
        generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        plotly=get_plotlyjs(),
        cards="\n".join(cards),
        advice=advice,
        card=theme.CARD,
        text=theme.TEXT,
        muted=theme.MUTED,
        border=theme.BORDER,
    )
    path = out_dir / DASHBOARD_FILE
    path.write_text(page, encoding="utf-8")
    log.info("dashboard with %s charts written to %s", len(figures), path)
    return path


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ background: #14161a; color: {text}; font-family: Liberation Sans, Arial, sans-serif;
         margin: 0 auto; padding: 24px; max-width: 1100px; }}
  h1 {{ font-weight: 600; margin: 0 0 4px; }}
  p.meta, .advice li {{ color: {muted}; }}
  .card {{ background: {card}; border: 1px solid {border}; border-radius: 10px;
          margin: 18px 0; padding: 4px; overflow: hidden; }}
  .advice {{ background: {card}; border: 1px solid {border}; border-radius: 10px;
            padding: 12px 20px; }}
</style>
<script type="text/javascript">{plotly}</script>
</head>
<body>
<h1>{title}</h1>
<p class="meta">Generated {generated}. Every chart is interactive: hover for values,
drag to zoom, double-click to reset.</p>
<section class="advice"><h2>Capacity</h2><ul>{advice}</ul></section>
{cards}
</body>
</html>
"""


@dataclass
class DemoOutputs:
    """What write_demo_outputs wrote, and why PNGs were skipped if they were."""

    dashboard: Path
    pngs: list[Path] = field(default_factory=list)
    skipped: str | None = None


def write_demo_outputs(
    url: str,
    guild_id: int,
    out_dir: Path,
    last_day: date | None = None,
    engine: Engine = "adbc",
    browser_path: str | None = None,
) -> DemoOutputs:
    """Writes every chart of a guild (PNG) and its dashboard (HTML) into out_dir/charts.

    Member charts are drawn for the guild's leader of the last seven days. Without a
    browser the dashboard is still written and `skipped` says why the PNGs were not.
    """
    folder = out_dir / "charts"
    with Warehouse(url, engine) as wh:
        figures, report = guild_figures(wh, guild_id, last_day)
        leader = reports.top_member(wh, guild_id, last_day)
        if leader is not None:
            figures.update(member_figures(wh, guild_id, leader, last_day))
        title = f"Hourglass: {reports.scope(wh, guild_id).name}"
    outputs = DemoOutputs(_write_page(folder, title, figures, report))

    try:
        with SyncRenderer(browser_path) as renderer:
            for name, fig in figures.items():
                outputs.pngs.append(renderer.write_png(fig, folder / f"{name}.png"))
    except ChartsUnavailable as exc:
        outputs.skipped = str(exc)
        log.warning("charts skipped: %s", exc)
    return outputs
