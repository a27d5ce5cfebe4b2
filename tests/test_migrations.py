"""The migration runner: ordered, recorded, locked, all-or-nothing, and strict on versions."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from hourglass.database import connect
from hourglass.errors import MigrationError, SchemaMismatch
from hourglass.migrate import check_schema, discover, migrate, sql_dir, timescaledb_supported


def _ledger(url: str) -> list[tuple[int, str, str]]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT version, name, backend FROM hourglass_internal.schema_migrations ORDER BY 1"
        ).fetchall()


def test_a_fresh_database_gets_every_migration_once_and_a_second_run_applies_nothing(empty_db):
    with connect(empty_db) as conn:
        first = migrate(conn)
        second = migrate(conn)

    assert [m.version for m in first] == [m.version for m in discover("postgres")]
    assert second == []
    assert {row[2] for row in _ledger(empty_db)} == {"postgres"}


def test_every_postgres_migration_file_can_run_a_second_time(pg_db):
    with connect(pg_db) as conn:
        for migration in discover("postgres"):
            conn.execute(migration.path.read_text())

        assert check_schema(conn) == "postgres"


def test_two_processes_migrating_at_once_apply_each_file_exactly_once(empty_db):
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with connect(empty_db) as conn:
                results.append(len(migrate(conn)))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = len(discover("postgres"))
    assert sorted(results) == [0, 0, total]
    assert len(_ledger(empty_db)) == total


def test_a_failing_migration_leaves_nothing_of_itself_behind(empty_db, tmp_path):
    folder = tmp_path / "sql"
    folder.mkdir()
    shutil.copy(sql_dir() / "0001_foundation.sql", folder / "0001_foundation.sql")
    (folder / "0002_broken.sql").write_text(
        "-- Migration 0002: half good, half broken.\n"
        "CREATE TABLE hourglass.half_done (id integer);\n"
        "SELECT no_such_function();\n"
    )

    with connect(empty_db) as conn, pytest.raises(MigrationError) as failure:
        migrate(conn, folder)

    assert "0002_broken.sql failed" in str(failure.value)
    assert "Nothing of this migration was kept" in str(failure.value)
    with connect(empty_db) as conn:
        assert conn.execute("SELECT to_regclass('hourglass.half_done')").fetchone() == (None,)
    assert [row[0] for row in _ledger(empty_db)] == [1]


def test_the_bot_refuses_a_database_that_was_never_migrated(empty_db):
    with connect(empty_db) as conn, pytest.raises(SchemaMismatch, match="hourglass migrate"):
        check_schema(conn)


def test_the_bot_refuses_a_schema_newer_than_it_knows(pg_db):
    with connect(pg_db) as conn:
        conn.execute(
            "INSERT INTO hourglass_internal.schema_migrations (version, name, backend, checksum)"
            " VALUES (99, 'from_the_future', 'postgres', 'x')"
        )
        with pytest.raises(SchemaMismatch, match="version 99, newer than this Hourglass"):
            check_schema(conn)


def test_an_applied_migration_that_was_edited_is_refused(pg_db, tmp_path):
    folder = tmp_path / "sql"
    shutil.copytree(sql_dir(), folder)
    with (folder / "0001_foundation.sql").open("a") as handle:
        handle.write("\n-- an edit after the fact\n")

    with connect(pg_db) as conn, pytest.raises(SchemaMismatch, match="changed after"):
        check_schema(conn, folder)


def test_the_bot_refuses_a_database_missing_a_migration(empty_db, tmp_path):
    folder = tmp_path / "sql"
    folder.mkdir()
    shutil.copy(sql_dir() / "0001_foundation.sql", folder / "0001_foundation.sql")
    with connect(empty_db) as conn:
        migrate(conn, folder)
        with pytest.raises(SchemaMismatch, match=r"lacks migration\(s\) \[2, 3, "):
            check_schema(conn)


def test_every_version_has_a_file_for_each_backend():
    versions = [m.version for m in discover("postgres")]

    assert versions == [m.version for m in discover("timescaledb")]
    assert versions == list(range(1, len(versions) + 1))


def test_a_version_with_only_one_backend_file_is_rejected(tmp_path):
    shutil.copy(sql_dir() / "0001_foundation.sql", tmp_path / "0001_foundation.sql")
    (tmp_path / "0002_extra.timescaledb.sql").write_text("SELECT 1;\n")

    with pytest.raises(MigrationError, match=r"no postgres file for migration version\(s\) \[2\]"):
        discover("postgres", tmp_path)


def test_a_gap_in_versions_is_rejected(tmp_path):
    shutil.copy(sql_dir() / "0001_foundation.sql", tmp_path / "0001_foundation.sql")
    (tmp_path / "0003_later.sql").write_text("SELECT 1;\n")

    with pytest.raises(MigrationError, match="without gaps"):
        discover("postgres", tmp_path)


@pytest.mark.parametrize(
    ("version", "supported"),
    [("2.12.2", False), ("2.13.0", True), ("2.23.0-dev", True), ("1.7.5", False), ("x", False)],
)
def test_timescaledb_versions_older_than_2_13_are_not_supported(version, supported):
    assert timescaledb_supported(version) is supported


def test_every_migration_file_starts_with_a_header_saying_what_it_does():
    for path in Path(sql_dir()).glob("*.sql"):
        first = path.read_text().splitlines()[0]
        assert first.startswith(f"-- Migration {path.name[:4]}"), path.name


def test_a_role_without_the_privileges_it_needs_gets_a_clear_message_and_no_schema(empty_db):
    role = "hourglass_limited_" + empty_db.rsplit("_", 1)[-1]
    with connect(empty_db) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER")
    parts = urlsplit(empty_db)
    limited_url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))

    try:
        with connect(limited_url) as conn, pytest.raises(MigrationError) as failure:
            migrate(conn)
    finally:
        with connect(empty_db) as admin:
            admin.execute(f"DROP ROLE {role}")

    assert "lacks a privilege" in str(failure.value)
    assert "Nothing of this migration was kept" in str(failure.value)
    with connect(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('hourglass')").fetchone() == (None,)
