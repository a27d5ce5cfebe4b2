"""Opening an HTML page in headless Chromium over the DevTools protocol, as a person would.

Reports uncaught exceptions, console errors, failed loads and network requests, counts
elements, and takes a full-page screenshot.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import choreographer

from analytics.render import find_browser


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


async def inspect_page(
    page: Path, screenshot: Path, selectors: tuple[str, ...], width: int = 1200
) -> PageReport:
    report = PageReport()
    browser = choreographer.Browser(path=find_browser(), headless=True)
    await browser.open()
    try:
        tab = await browser.create_tab("")
        await _watch(tab, report)
        await _load(tab, page.resolve().as_uri(), width)
        report.counts = await _settled_counts(tab, selectors)
        await _screenshot(tab, screenshot, width)
    finally:
        await browser.close()
    return report


async def _watch(tab: Any, report: PageReport) -> None:
    async def exception(event: dict[str, Any]) -> None:
        details = event["params"]["exceptionDetails"]
        report.errors.append(
            f"exception: {details.get('exception', {}).get('description', details)}"
        )

    async def console(event: dict[str, Any]) -> None:
        if event["params"]["type"] in ("error", "assert"):
            args = [a.get("value", a.get("description")) for a in event["params"]["args"]]
            report.errors.append(f"console: {args}")

    async def log_entry(event: dict[str, Any]) -> None:
        entry = event["params"]["entry"]
        if entry["level"] == "error":
            report.errors.append(f"log: {entry['text']} {entry.get('url', '')}")

    async def request(event: dict[str, Any]) -> None:
        report.requests.append(event["params"]["request"]["url"])

    tab.subscribe("Runtime.exceptionThrown", exception)
    tab.subscribe("Runtime.consoleAPICalled", console)
    tab.subscribe("Log.entryAdded", log_entry)
    tab.subscribe("Network.requestWillBeSent", request)
    for domain in ("Runtime", "Log", "Network", "Page"):
        await tab.send_command(f"{domain}.enable")


async def _load(tab: Any, url: str, width: int) -> None:
    await tab.send_command(
        "Emulation.setDeviceMetricsOverride",
        params={"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    loaded = tab.subscribe_once("Page.loadEventFired")
    await tab.send_command("Page.navigate", params={"url": url})
    await asyncio.wait_for(loaded, timeout=60)


async def _evaluate(tab: Any, expression: str) -> Any:
    result = await tab.send_command(
        "Runtime.evaluate", params={"expression": expression, "returnByValue": True}
    )
    return result["result"]["result"].get("value")


async def _settled_counts(tab: Any, selectors: tuple[str, ...]) -> dict[str, int]:
    previous: dict[str, int] = {}
    for _ in range(60):
        counts = {
            s: await _evaluate(tab, f"document.querySelectorAll({s!r}).length") for s in selectors
        }
        if counts == previous and all(counts.values()):
            return counts
        previous = counts
        await asyncio.sleep(0.5)
    return previous


async def _screenshot(tab: Any, path: Path, width: int) -> None:
    height = await _evaluate(tab, "document.documentElement.scrollHeight")
    shot = await tab.send_command(
        "Page.captureScreenshot",
        params={
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 0.5},
        },
    )
    path.write_bytes(base64.b64decode(shot["result"]["data"]))
