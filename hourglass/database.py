"""Where the database is, and opening connections to it with errors a person can act on."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hourglass.embedded import EmbeddedPostgres
from hourglass.errors import DatabaseUnavailable
from hourglass.settings import DatabaseSettings, EmbeddedSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """A database URL and whether it is the embedded server."""

    url: str
    embedded: bool

    @property
    def safe(self) -> str:
        """The URL without its password, for messages and logs."""
        return redact(self.url)


def redact(url: str) -> str:
    """Drops the password from a connection URL."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unparseable database URL)"
    host = parts.get("host", "localhost")
    port = parts.get("port", "5432")
    return f"postgresql://{parts.get('user', '')}@{host}:{port}/{parts.get('dbname', '')}"


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection:
    """Opens a psycopg connection, or raises DatabaseUnavailable with the reason on one line."""
    try:
        conninfo = make_conninfo(url, connect_timeout=10, application_name="hourglass")
        return psycopg.connect(conninfo, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "no answer"
        raise DatabaseUnavailable(
            f"cannot connect to the database at {redact(url)}: {reason}. Check DATABASE_URL "
            "(or unset it to use the embedded database) and that the server is running."
        ) from None
    except psycopg.ProgrammingError as exc:
        raise DatabaseUnavailable(f"DATABASE_URL is not a valid connection URL: {exc}") from None


@contextlib.contextmanager
def open_target(db: DatabaseSettings, embedded: EmbeddedSettings) -> Iterator[Target]:
    """Yields the database to use: DATABASE_URL, else the embedded server.

    An embedded server this call started is stopped on exit, including on SIGINT and
    SIGTERM; one that was already running (`hourglass db start`) is left running.
    """
    if db.database_url is not None:
        yield Target(db.database_url.get_secret_value(), embedded=False)
        return

    server = EmbeddedPostgres(embedded.data_dir, embedded.port)
    started = server.start()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield Target(server.url, embedded=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if started:
            server.stop()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
