"""The Prometheus endpoint serves the bot's registry; a taken port is a clear error."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.metrics_http import serve_metrics
from hourglass.errors import ConfigError
from hourglass.telemetry import Telemetry
from tests.support.postgres import free_port


def test_metrics_are_served_in_the_prometheus_text_format():
    telemetry = Telemetry()
    telemetry.command_seconds.labels("stats").observe(0.03)
    port = free_port()

    async def main():
        runner = await serve_metrics(telemetry, "127.0.0.1", port)
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/metrics") as response,
            ):
                return response.status, response.headers["Content-Type"], await response.text()
        finally:
            await runner.cleanup()

    status, content_type, body = asyncio.run(main())

    assert status == 200 and content_type.startswith("text/plain")
    assert 'hourglass_command_seconds_bucket{command="stats",le="0.05"} 1.0' in body


def test_a_taken_port_is_a_configuration_error_that_says_what_to_do():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]

        with pytest.raises(ConfigError, match="HOURGLASS_METRICS_PORT"):
            asyncio.run(serve_metrics(Telemetry(), "127.0.0.1", port))
