"""The migration runner: ordered SQL files from sql/, applied once each, per backend.

A file named NNNN_name.sql applies to every backend; NNNN_name.timescaledb.sql and
NNNN_name.postgres.sql are the two forms of one version. The backend is chosen when the
first migration runs and recorded, so a database never switches backend by accident.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg
from psycopg import errors as pg_errors

from hourglass.errors import MigrationError, SchemaMismatch

log = logging.getLogger(__name__)

Backend = Literal["timescaledb", "postgres"]
BACKENDS: tuple[Backend, ...] = ("timescaledb", "postgres")
MIN_TIMESCALEDB = (2, 13)
LOCK_KEY = 0x686F7572676C6173  # "hourglas"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(timescaledb|postgres))?\.sql$")

_LEDGER = """
CREATE SCHEMA IF NOT EXISTS hourglass_internal;
CREATE TABLE IF NOT EXISTS hourglass_internal.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  backend text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One version of the schema, as the file for one backend."""

    version: int
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        """SHA-256 of the file, recorded so that an edited, applied file is noticed."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def sql_dir() -> Path:
    """The sql/ folder: beside the package in a checkout, inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "sql", here / "sql"):
        if candidate.is_dir():
            return candidate
    raise MigrationError("cannot find the sql/ folder of Hourglass; reinstall it")


def discover(backend: Backend, directory: Path | None = None) -> list[Migration]:
    """Lists the migrations for a backend in order, checking that no version is missing."""
    found: dict[int, Migration] = {}
    names: dict[int, str] = {}
    for path in sorted((directory or sql_dir()).glob("*.sql")):
        match = _FILE.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name[.backend].sql")
        version, name, only = int(match[1]), match[2], match[3]
        if names.setdefault(version, name) != name:
            raise MigrationError(f"version {version} has two names: {names[version]} and {name}")
        if only in (None, backend):
            if version in found:
                raise MigrationError(f"version {version} has more than one file for {backend}")
            found[version] = Migration(version, name, path)

    versions = sorted(names)
    missing = sorted(set(versions) - set(found))
    if missing:
        raise MigrationError(f"no {backend} file for migration version(s) {missing}")
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration versions must run 1, 2, 3, ... without gaps: {versions}")
    return [found[v] for v in versions]


def recorded_backend(conn: psycopg.Connection) -> Backend | None:
    """The backend the database was migrated with, or None for a fresh database."""
    exists = conn.execute(
        "SELECT to_regclass('hourglass_internal.schema_migrations') IS NOT NULL"
    ).fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute(
        "SELECT backend FROM hourglass_internal.schema_migrations ORDER BY version LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def detect_backend(conn: psycopg.Connection) -> Backend:
    """TimescaleDB when the server offers a supported version of it, else plain PostgreSQL."""
    recorded = recorded_backend(conn)
    if recorded is not None:
        return recorded

    row = conn.execute(
        "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    if row is None:
        return "postgres"
    if not timescaledb_supported(row[0]):
        wanted = ".".join(map(str, MIN_TIMESCALEDB))
        raise MigrationError(
            f"this server offers TimescaleDB {row[0]}, older than the {wanted} Hourglass needs; "
            "upgrade TimescaleDB, or use a database without it"
        )
    return "timescaledb"


def timescaledb_supported(version: str) -> bool:
    """Whether a TimescaleDB version string (like 2.23.0-dev) is new enough."""
    numbers = re.findall(r"\d+", version)[:2]
    if len(numbers) < 2:
        return False
    return (int(numbers[0]), int(numbers[1])) >= MIN_TIMESCALEDB


def applied(conn: psycopg.Connection) -> dict[int, str]:
    """Applied versions and their checksums."""
    if recorded_backend(conn) is None:
        return {}
    rows = conn.execute("SELECT version, checksum FROM hourglass_internal.schema_migrations")
    return {version: checksum for version, checksum in rows}


def migrate(
    conn: psycopg.Connection,
    directory: Path | None = None,
    progress: Callable[[Migration], None] | None = None,
) -> list[Migration]:
    """Applies every pending migration, each in its own transaction, under an advisory lock.

    The connection must be in autocommit mode. Returns the migrations it applied; running it
    again applies nothing.
    """
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        backend = detect_backend(conn)
        plan = discover(backend, directory)
        _check_known(conn, plan)
        done = applied(conn)
        pending = [m for m in plan if m.version not in done]
        for migration in pending:
            if progress is not None:
                progress(migration)
            _apply(conn, migration, backend)
        return pending
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


def check_schema(conn: psycopg.Connection, directory: Path | None = None) -> Backend:
    """Refuses a database whose schema is not exactly the one this code knows.

    Returns the backend of a database that is fully migrated.
    """
    backend = recorded_backend(conn)
    if backend is None:
        raise SchemaMismatch("the database has no Hourglass schema yet; run `hourglass migrate`")
    plan = discover(backend, directory)
    _check_known(conn, plan)
    pending = [m.version for m in plan if m.version not in applied(conn)]
    if pending:
        raise SchemaMismatch(
            f"the database lacks migration(s) {pending}; run `hourglass migrate` first"
        )
    return backend


def _check_known(conn: psycopg.Connection, plan: list[Migration]) -> None:
    known = {m.version: m for m in plan}
    for version, checksum in sorted(applied(conn).items()):
        migration = known.get(version)
        if migration is None:
            raise SchemaMismatch(
                f"the database is at schema version {version}, newer than this Hourglass knows "
                f"(up to {max(known, default=0)}); upgrade Hourglass before using this database"
            )
        if migration.checksum != checksum:
            raise SchemaMismatch(
                f"migration {migration.path.name} was changed after it was applied; restore it "
                "and add the change as a new migration"
            )


def _apply(conn: psycopg.Connection, migration: Migration, backend: Backend) -> None:
    log.info("applying migration %s", migration.path.name)
    try:
        with conn.transaction():
            conn.execute(_LEDGER)
            conn.execute(migration.path.read_text())
            conn.execute(
                "INSERT INTO hourglass_internal.schema_migrations"
                " (version, name, backend, checksum) VALUES (%s, %s, %s, %s)",
                (migration.version, migration.name, backend, migration.checksum),
            )
    except pg_errors.InsufficientPrivilege as exc:
        raise MigrationError(
            f"{migration.path.name}: the database role lacks a privilege it needs "
            f"({_first_line(exc)}); it needs CREATE on the database (and, for TimescaleDB, the "
            "right to create the extension): migrate as the database owner. Nothing of this "
            "migration was kept."
        ) from None
    except psycopg.Error as exc:
        raise MigrationError(
            f"{migration.path.name} failed: {_first_line(exc)}. Nothing of this migration was kept."
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
