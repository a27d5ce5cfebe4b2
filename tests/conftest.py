"""Shared fixtures: a real PostgreSQL for every test, the time zone pinned to UTC."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hourglass.database import connect
from hourglass.migrate import migrate
from tests.support.postgres import postgres_server, scratch_database

pytest_plugins = ["tests.support.timescale"]

os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Admin URL of the PostgreSQL server the plain-PostgreSQL tests use."""
    with postgres_server(Path(tmp_path_factory.mktemp("pg"))) as url:
        yield url


@pytest.fixture
def empty_db(pg_admin_url: str) -> Iterator[str]:
    """URL of a new, empty database."""
    with scratch_database(pg_admin_url) as url:
        yield url


@pytest.fixture
def pg_db(empty_db: str) -> str:
    """URL of a new database with every migration applied (plain-PostgreSQL backend)."""
    with connect(empty_db) as conn:
        migrate(conn)
    return empty_db
