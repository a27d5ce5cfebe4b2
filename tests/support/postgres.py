"""A PostgreSQL server for tests: the embedded one in a temporary folder, or an existing one.

Set HOURGLASS_TEST_ADMIN_URL to a superuser URL of an existing server to skip starting one.
Each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from hourglass.embedded import EmbeddedPostgres


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """Yields an admin URL (database postgres) of a running server."""
    existing = os.environ.get("HOURGLASS_TEST_ADMIN_URL")
    if existing:
        yield existing
        return
    server = EmbeddedPostgres(folder / "pgdata", free_port())
    server.start()
    try:
        yield with_database(server.url, "postgres")
    finally:
        server.stop()


def with_database(url: str, dbname: str) -> str:
    """The same server URL (postgresql://...) pointing at another database."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError("test server URLs must be postgresql:// URLs")
    return urlunsplit(parts._replace(path="/" + dbname))


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """Creates an empty database, yields its URL, then drops it."""
    name = f"hourglass_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
