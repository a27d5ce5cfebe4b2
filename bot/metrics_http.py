"""The Prometheus endpoint: /metrics serves the bot's registry for any scraper."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hourglass.errors import ConfigError
from hourglass.telemetry import Telemetry

log = logging.getLogger(__name__)


async def serve_metrics(telemetry: Telemetry, host: str, port: int) -> web.AppRunner:
    """Starts the endpoint; a port that is taken is a configuration error."""

    async def metrics(request: web.Request) -> web.Response:
        body = generate_latest(telemetry.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(
            f"cannot serve /metrics on {host}:{port} ({exc.strerror}); set "
            "HOURGLASS_METRICS_PORT to a free port, or 0 to turn the endpoint off"
        ) from None
    log.info("Prometheus metrics on http://%s:%s/metrics", host, port)
    return runner
