"""PNG rendering of plotly figures through one long-lived headless browser.

`fig.to_image()` starts a browser for every image (about 3 s each here); a `ChartRenderer`
starts Kaleido's browser once and keeps it, so a chart costs a few hundred milliseconds.
It restarts the browser when it has died or a render hangs, bounds how many renders may
wait, and limits each render's time. The bot awaits `render_png`; scripts and notebooks
use `SyncRenderer`, which runs a renderer on an event loop in a thread of its own.

The browser is found through `find_browser`: BROWSER_PATH, then a system Chromium or
Chrome, then the copy Kaleido downloads (only when downloads are allowed). Without one,
`ChartsUnavailable` says why.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import plotly.graph_objects as go

from analytics.charts import theme
from analytics.errors import AnalyticsError, ChartsUnavailable, RendererBusy, RenderTimeout

log = logging.getLogger(__name__)

T = TypeVar("T")

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DEFAULT_TIMEOUT = 30.0
DEFAULT_QUEUE = 16


def find_browser(explicit: str | None = None, *, allow_download: bool = False) -> str:
    """The path of a Chromium-family browser for rendering, or ChartsUnavailable.

    Looks at, in order: the explicit path, BROWSER_PATH, chromium or google-chrome on PATH,
    the copy Kaleido keeps in its download folder, and (only with allow_download, which
    needs the internet) a fresh download by Kaleido.
    """
    named = explicit or os.environ.get("BROWSER_PATH")
    if named:
        if not (Path(named).is_file() and os.access(named, os.X_OK)):
            source = "the browser path given" if explicit else "BROWSER_PATH"
            raise ChartsUnavailable(f"{source} ({named}) is not an executable file")
        return named

    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found

    downloaded = _kaleido_download_path()
    if downloaded is not None:
        return downloaded
    if allow_download:
        return _download_browser()

    raise ChartsUnavailable(
        "no Chromium or Chrome browser found; install one (Debian: apt-get install chromium) "
        "or set BROWSER_PATH to its executable"
    )


def _kaleido_download_path() -> str | None:
    try:
        from choreographer.cli._cli_utils import get_chrome_download_path
    except ImportError:  # pragma: no cover - choreographer ships with kaleido
        return None
    path = get_chrome_download_path(mkdir=False)
    return str(path) if path is not None and path.is_file() else None


def _download_browser() -> str:  # pragma: no cover - needs the internet
    import kaleido

    try:
        return str(kaleido.get_chrome_sync())
    except Exception as exc:
        raise ChartsUnavailable(
            f"no browser found and downloading one failed ({exc}); set BROWSER_PATH"
        ) from None


class ChartRenderer:
    """A persistent headless browser that turns plotly figures into PNG bytes.

    Start it once (`await start()` or `async with`), reuse it for every chart, close it at
    shutdown. Safe to share between tasks of one event loop.
    """

    def __init__(
        self,
        browser_path: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_queue: int = DEFAULT_QUEUE,
        tabs: int = 1,
        allow_download: bool = False,
    ) -> None:
        self.browser_path = browser_path
        self.timeout = timeout
        self.max_queue = max_queue
        self.tabs = tabs
        self.allow_download = allow_download
        self.restarts = 0
        self._kaleido: Any = None
        self._pending = 0
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Finds the browser and starts it; ChartsUnavailable when that is impossible."""
        async with self._lock:
            if self._kaleido is None or not self._alive():
                await self._open()

    async def render_png(
        self,
        fig: go.Figure,
        width: int = theme.WIDTH,
        height: int | None = None,
        scale: float = 1.0,
    ) -> bytes:
        """The figure as PNG bytes of width x height pixels (height: the figure's, or default).

        Raises RendererBusy when max_queue renders are already waiting, RenderTimeout after
        `timeout` seconds (the browser is then restarted), ChartsUnavailable without a browser.
        """
        if self._pending >= self.max_queue:
            raise RendererBusy(f"{self._pending} charts are already waiting to be drawn")

        self._pending += 1
        try:
            return await self._render(fig, width, height or _height_of(fig), scale)
        finally:
            self._pending -= 1

    async def close(self) -> None:
        """Stops the browser."""
        async with self._lock:
            await self._shutdown()

    @property
    def pending(self) -> int:
        """Renders waiting or running."""
        return self._pending

    @property
    def browser_pid(self) -> int | None:
        """The browser's process id while it runs (for measuring its memory)."""
        process = getattr(self._kaleido, "subprocess", None)
        return process.pid if process is not None else None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _render(self, fig: go.Figure, width: int, height: int, scale: float) -> bytes:
        opts = {"format": "png", "width": width, "height": height, "scale": scale}
        for attempt in (1, 2):
            kaleido = await self._ready()
            task = asyncio.ensure_future(kaleido.calc_fig(fig, opts=opts))
            done, _ = await asyncio.wait({task}, timeout=self.timeout)
            if not done:
                log.warning("chart render took over %s s; restarting the browser", self.timeout)
                await self._abandon(task, kaleido)
                raise RenderTimeout(f"drawing the chart took over {self.timeout:g} s")

            try:
                png: bytes = task.result()
                return png
            except Exception as exc:
                if self._alive() and not _is_browser_failure(exc):
                    raise AnalyticsError(f"the chart could not be drawn: {exc}") from exc
                log.warning("the chart browser failed (%s); restarting it", type(exc).__name__)
                await self._restart(kaleido)
                if attempt == 2:
                    raise ChartsUnavailable(f"the chart browser keeps failing: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _ready(self) -> Any:
        async with self._lock:
            if self._kaleido is None or not self._alive():
                if self._kaleido is not None:
                    log.warning("the chart browser has died; starting a new one")
                    self.restarts += 1
                    await self._shutdown()
                await self._open()
            return self._kaleido

    async def _abandon(self, task: asyncio.Future[bytes], kaleido: Any) -> None:
        """Drops a hung render: the browser goes first, so the render's cleanup cannot hang."""
        task.cancel()
        await self._restart(kaleido)
        await asyncio.wait({task}, timeout=5)
        if task.done() and not task.cancelled():
            task.exception()  # retrieved, so asyncio does not warn about it

    async def _restart(self, broken: Any) -> None:
        async with self._lock:
            if self._kaleido is not broken:
                return
            self.restarts += 1
            await self._shutdown()

    async def _open(self) -> None:
        import kaleido

        path = find_browser(self.browser_path, allow_download=self.allow_download)
        instance = kaleido.Kaleido(n=self.tabs, timeout=None, mathjax=False, path=path)
        try:
            await asyncio.wait_for(instance.open(), timeout=max(self.timeout, 60.0))
        except Exception as exc:
            await _quietly_close(instance)
            raise ChartsUnavailable(f"the browser at {path} did not start: {exc}") from None
        self._kaleido = instance
        log.info("chart renderer started with %s (pid %s)", path, self.browser_pid)

    async def _shutdown(self) -> None:
        instance, self._kaleido = self._kaleido, None
        if instance is not None:
            await _quietly_close(instance)

    def _alive(self) -> bool:
        process = getattr(self._kaleido, "subprocess", None)
        return process is not None and process.poll() is None


def _height_of(fig: go.Figure) -> int:
    height = fig.layout.height
    return int(height) if height else theme.HEIGHT


def _is_browser_failure(exc: Exception) -> bool:
    from choreographer.errors import (
        BrowserClosedError,
        BrowserFailedError,
        ChannelClosedError,
        DevtoolsProtocolError,
    )

    failures = (BrowserClosedError, BrowserFailedError, ChannelClosedError, DevtoolsProtocolError)
    return isinstance(exc, (*failures, BrokenPipeError, ConnectionError))


async def _quietly_close(instance: Any) -> None:
    try:
        await asyncio.wait_for(instance.close(), timeout=15)
    except Exception as exc:  # a dead browser may fail to close; the process is gone anyway
        log.debug("closing the chart browser failed: %s", exc)


class SyncRenderer:
    """A ChartRenderer on a private event loop thread, for scripts, the CLI and notebooks."""

    def __init__(self, browser_path: str | None = None, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="chart-renderer", daemon=True
        )
        self._thread.start()
        self.renderer = ChartRenderer(browser_path, **options)

        try:
            self._call(self.renderer.start())
        except BaseException:
            self.close()
            raise

    def render_png(
        self,
        fig: go.Figure,
        width: int = theme.WIDTH,
        height: int | None = None,
        scale: float = 1.0,
    ) -> bytes:
        """The figure as PNG bytes; the same contract as ChartRenderer.render_png."""
        return self._call(self.renderer.render_png(fig, width, height, scale))

    def write_png(self, fig: go.Figure, path: Path, width: int = theme.WIDTH) -> Path:
        """Renders the figure into a PNG file and returns its path."""
        path.write_bytes(self.render_png(fig, width))
        return path

    def close(self) -> None:
        """Stops the browser and the loop thread."""
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            try:
                self._call(self.renderer.close())
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=30)
        self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result()
