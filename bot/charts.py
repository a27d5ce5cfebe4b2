"""Charts for replies: analytics figures drawn to PNG without blocking the event loop."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from typing import TypeVar

import disnake
import plotly.graph_objects as go

from analytics.data import Warehouse
from analytics.errors import AnalyticsError, ChartsUnavailable, RendererBusy, RenderTimeout
from analytics.render import ChartRenderer

log = logging.getLogger(__name__)

Build = Callable[[Warehouse], go.Figure]
T = TypeVar("T")


class Charts:
    """Reads with the analytics library (on a worker thread) and draws with one renderer."""

    def __init__(self, url: str, renderer: ChartRenderer) -> None:
        self.url = url
        self.renderer = renderer
        self.unavailable: str | None = None

    async def start(self) -> None:
        """Starts the browser now, so the first chart is fast; remembers why if it can't."""
        try:
            await self.renderer.start()
        except ChartsUnavailable as exc:
            self.unavailable = str(exc)
            log.warning("charts unavailable: %s; replies will be text only", exc)

    async def close(self) -> None:
        """Stops the browser."""
        await self.renderer.close()

    async def file(self, build: Build, filename: str) -> disnake.File | str:
        """The chart as an attachment, or a short reason why there is none."""
        drawn = await self.png(build)
        if isinstance(drawn, str):
            return drawn
        return disnake.File(io.BytesIO(drawn), filename=filename)

    async def png(self, build: Build) -> bytes | str:
        """The chart as PNG bytes, or a short reason why there is none."""
        if self.unavailable is not None:
            return f"charts unavailable: {self.unavailable}"
        try:
            figure = await asyncio.to_thread(self._figure, build)
            return await self.renderer.render_png(figure)
        except (RendererBusy, RenderTimeout) as exc:
            log.warning("chart not drawn: %s", exc)
            return "the chart could not be drawn in time; try again in a minute"
        except ChartsUnavailable as exc:
            self.unavailable = str(exc)
            return f"charts unavailable: {exc}"
        except AnalyticsError as exc:
            return str(exc)

    def read(self, query: Callable[[Warehouse], T]) -> T:
        """Runs a read with the analytics library (call it from a worker thread)."""
        with Warehouse(self.url) as wh:
            return query(wh)

    def _figure(self, build: Build) -> go.Figure:
        with Warehouse(self.url) as wh:
            return build(wh)
