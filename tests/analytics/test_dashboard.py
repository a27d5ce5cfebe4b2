"""The dashboard opens offline in a real browser, and the demo writes every chart."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from PIL import Image
from plotly.offline import get_plotlyjs

from analytics.dashboard import write_dashboard, write_demo_outputs
from hourglass.cli import main
from tests.analytics.conftest import LAST_DAY, SPEC
from tests.analytics.page import inspect_page

CHARTS = 8  # leaderboard, activity, heatmap, sessions, retention, performance, profile, forecast


@pytest.fixture(scope="module")
def dashboard(community_url, tmp_path_factory):
    from analytics.data import Warehouse

    folder = tmp_path_factory.mktemp("dashboard")
    with Warehouse(community_url) as wh:
        return write_dashboard(wh, folder, SPEC.guild_id, LAST_DAY)


def test_the_page_needs_no_network(dashboard):
    page = dashboard.read_text()

    assert not re.search(r"<script[^>]+src=", page)
    assert get_plotlyjs() in page
    assert page.count("https://") == get_plotlyjs().count("https://")
    assert page.count('class="card"') == CHARTS


def test_every_chart_renders_in_headless_chromium_without_errors(dashboard, tmp_path):
    shot = tmp_path / "dashboard.png"

    report = asyncio.run(
        inspect_page(
            dashboard, shot, (".js-plotly-plot", ".js-plotly-plot .main-svg", ".card .gtitle")
        )
    )

    assert report.errors == []
    assert [u for u in report.requests if not u.startswith(("file:", "data:"))] == []
    assert report.counts[".js-plotly-plot"] == CHARTS
    assert report.counts[".js-plotly-plot .main-svg"] >= 2 * CHARTS
    assert report.counts[".card .gtitle"] == CHARTS
    with Image.open(shot) as image:
        assert image.width == 600 and image.height > 2000


def test_the_cli_writes_a_dashboard_for_a_guild(community_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", community_url)
    monkeypatch.delenv("ANALYTICS_DATABASE_URL", raising=False)

    code = main(
        [
            "dashboard",
            "--out",
            str(tmp_path),
            "--guild",
            str(SPEC.guild_id),
            "--last-day",
            str(LAST_DAY),
        ]
    )

    assert code == 0
    assert (tmp_path / "dashboard.html").stat().st_size > 1_000_000
    assert "dashboard written to" in capsys.readouterr().out


def test_the_cli_reads_from_the_analytics_url_when_set(
    community_url, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", community_url)
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/replica")

    code = main(["dashboard", "--out", str(tmp_path)])

    assert code == 1
    assert "cannot connect to the analytics database" in capsys.readouterr().err


def test_the_cli_names_an_unknown_guild(community_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", community_url)
    monkeypatch.delenv("ANALYTICS_DATABASE_URL", raising=False)

    assert main(["dashboard", "--out", str(tmp_path), "--guild", "42"]) == 1
    assert "no guild 42" in capsys.readouterr().err


def test_the_demo_outputs_hold_every_chart_as_png(community_url, tmp_path):
    outputs = write_demo_outputs(community_url, SPEC.guild_id, tmp_path, LAST_DAY)

    names = sorted(p.stem for p in outputs.pngs)
    assert outputs.skipped is None
    assert names == sorted(
        [
            "activity",
            "forecast",
            "leaderboard",
            "load_profile",
            "member_heatmap",
            "member_trend",
            "performance",
            "retention",
            "session_lengths",
            "streak_calendar",
            "week_heatmap",
        ]
    )
    for path in outputs.pngs:
        assert Image.open(io.BytesIO(path.read_bytes())).width == 1000
    assert outputs.dashboard.exists()


def test_without_a_browser_the_demo_still_writes_the_dashboard_and_says_why(
    community_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))

    outputs = write_demo_outputs(community_url, SPEC.guild_id, tmp_path, LAST_DAY)

    assert outputs.pngs == []
    assert "BROWSER_PATH" in (outputs.skipped or "")
    assert outputs.dashboard.exists()
