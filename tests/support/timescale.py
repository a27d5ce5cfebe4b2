"""A TimescaleDB server for tests: PGlite with TimescaleDB, served by Node.js (tests/timescale).

No TimescaleDB server can be installed everywhere the tests run, but PGlite (PostgreSQL 17
compiled to WebAssembly, here built with TimescaleDB) runs wherever Node.js does. It holds a
single in-memory database and serves one connection at a time (a second one waits for the
first to close), so every test gets a server of its own, and a test closes one connection
before it opens the next.

A server takes two seconds or more to start, so while a test uses one, the next one is
already starting. The server is a test tool: `npm ci --prefix tests/timescale` installs its
pinned packages. A missing Node.js or a missing install fails the test with that
instruction; the TimescaleDB tier is never skipped silently.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from hourglass.database import connect
from hourglass.migrate import migrate

HARNESS = Path(__file__).resolve().parents[1] / "timescale"
PACKAGES = ("@electric-sql/pglite", "@electric-sql/pglite-socket")
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
_READY = re.compile(r"^ready (\d+)$", re.MULTILINE)


class TimescaleServerError(RuntimeError):
    """The test server could not be started."""


def url_for(port: int) -> str:
    """The connection URL of a test server. PGlite accepts any user and password."""
    return f"postgresql://postgres:postgres@127.0.0.1:{port}/postgres?sslmode=disable"


def missing_requirement() -> str | None:
    """What stops the server from starting here, as an instruction; None if nothing does."""
    install = "run `npm ci --prefix tests/timescale` (or `make test`, which does it)"
    if shutil.which("node") is None:
        return f"the TimescaleDB tests need Node.js 18 or newer on PATH; install it, then {install}"

    absent = [name for name in PACKAGES if not (HARNESS / "node_modules" / name).is_dir()]
    if absent:
        return f"the TimescaleDB test server is not installed ({', '.join(absent)}); {install}"
    return None


class TimescaleServer:
    """One server process, starting from construction on; url() waits until it answers.

    The server picks a free port itself (port 0) and reports it, so no other process can
    take the port between choosing and binding it. It stops when its standard input closes,
    so it cannot outlive this process, even one that is killed.
    """

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._url: str | None = None
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                ["node", str(HARNESS / "server.mjs"), "0", "--stop-on-stdin-eof"],
                cwd=HARNESS,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def url(self) -> str:
        """The server's URL, once it has answered a query."""
        if self._url is None:
            url = url_for(self._wait_for_port())
            self._wait_for_queries(url)
            self._url = url
        return self._url

    def stop(self) -> None:
        """Stops the server: end of input first, then SIGTERM, then SIGKILL."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            found = _READY.search(self.log_path.read_text(errors="replace"))
            if found:
                return int(found[1])
            if self.process.poll() is not None:
                raise TimescaleServerError(self._failure("exited during start-up"))
            time.sleep(0.05)

        raise TimescaleServerError(self._failure(f"was not ready after {STARTUP_TIMEOUT:.0f}s"))

    def _wait_for_queries(self, url: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                with psycopg.connect(url, connect_timeout=10) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise TimescaleServerError(self._failure("accepted no connection")) from None
                time.sleep(0.1)

    def _failure(self, what: str) -> str:
        tail = self.log_path.read_text(errors="replace").strip().splitlines()[-20:]
        return f"the TimescaleDB test server {what}; its last output:\n" + "\n".join(tail)


class TimescaleServers:
    """Hands out fresh servers, starting the next one while a test uses the current one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started = 0
        self.spare: TimescaleServer | None = None

    @contextmanager
    def fresh(self) -> Iterator[str]:
        """Yields the URL of a server no one used before, and stops it afterwards."""
        server = self.spare or self._start()
        self.spare = self._start()
        try:
            yield server.url()
        finally:
            server.stop()

    def close(self) -> None:
        """Stops the spare server."""
        if self.spare is not None:
            self.spare.stop()
            self.spare = None

    def _start(self) -> TimescaleServer:
        self.started += 1
        return TimescaleServer(self.folder / f"server-{self.started}.log")


@pytest.fixture(scope="session")
def timescale_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TimescaleServers]:
    """The source of TimescaleDB test servers; fails the test if they cannot run here."""
    problem = missing_requirement()
    if problem is not None:
        pytest.fail(problem, pytrace=False)

    servers = TimescaleServers(tmp_path_factory.mktemp("timescale"))
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture
def timescale_url(timescale_servers: TimescaleServers) -> Iterator[str]:
    """URL of a fresh TimescaleDB test server with nothing migrated (a database of its own)."""
    with timescale_servers.fresh() as url:
        yield url


@pytest.fixture
def timescale_db(timescale_url: str) -> str:
    """URL of a fresh TimescaleDB test server with every migration applied."""
    with connect(timescale_url) as conn:
        migrate(conn)
    return timescale_url
