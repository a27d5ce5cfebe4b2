"""The persistent renderer: reused, restarted when its browser dies, bounded, timed."""

from __future__ import annotations

import asyncio
import io
import os
import signal

import plotly.graph_objects as go
import pytest
from PIL import Image

from analytics.charts import theme
from analytics.errors import ChartsUnavailable, RendererBusy, RenderTimeout
from analytics.render import ChartRenderer, SyncRenderer, find_browser


def small_figure() -> go.Figure:
    fig = go.Figure(layout=theme.card_layout("A small chart"))
    fig.add_bar(x=[1, 2, 3], y=[3, 1, 2])
    return fig


def test_one_renderer_draws_many_charts_in_one_browser(renderer):
    pid = renderer.renderer.browser_pid

    sizes = [
        Image.open(io.BytesIO(renderer.render_png(small_figure(), w, 300))).size for w in (300, 500)
    ]

    assert sizes == [(300, 300), (500, 300)]
    assert renderer.renderer.browser_pid == pid


def test_a_dead_browser_is_replaced_on_the_next_render():
    with SyncRenderer() as fresh:
        os.kill(fresh.renderer.browser_pid, signal.SIGKILL)

        png = fresh.render_png(small_figure(), 400, 300)

        assert Image.open(io.BytesIO(png)).size == (400, 300)
        assert fresh.renderer.restarts == 1


def test_a_render_over_its_time_limit_fails_and_the_next_one_works():
    async def scenario() -> tuple[BaseException | None, bytes]:
        async with ChartRenderer(timeout=0.001) as hasty:
            try:
                await hasty.render_png(small_figure())
                failure = None
            except RenderTimeout as exc:
                failure = exc
            hasty.timeout = 60
            return failure, await hasty.render_png(small_figure(), 200, 200)

    failure, png = asyncio.run(scenario())

    assert isinstance(failure, RenderTimeout)
    assert Image.open(io.BytesIO(png)).size == (200, 200)


def test_a_full_queue_turns_renders_away():
    async def scenario() -> list[object]:
        async with ChartRenderer(max_queue=1) as narrow:
            jobs = [narrow.render_png(small_figure(), 200, 200) for _ in range(3)]
            return await asyncio.gather(*jobs, return_exceptions=True)

    results = asyncio.run(scenario())

    assert sum(isinstance(r, bytes) for r in results) == 1
    assert sum(isinstance(r, RendererBusy) for r in results) == 2


def test_a_browser_path_that_is_not_a_program_is_reported(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")

    with pytest.raises(ChartsUnavailable, match=r"BROWSER_PATH \(/nonexistent/chrome\)"):
        find_browser()


def test_without_any_browser_charts_are_unavailable_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("analytics.render._kaleido_download_path", lambda: None)

    with pytest.raises(ChartsUnavailable, match=r"install one .* or set BROWSER_PATH"):
        SyncRenderer()


def test_the_system_browser_is_found_on_path(monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)

    assert os.path.basename(find_browser()) in (
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    )
