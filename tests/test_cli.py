"""The `hourglass` command as a person meets it: clear one-line errors, right exit codes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from hourglass.migrate import discover
from tests.support.postgres import free_port


def hourglass(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """Runs the CLI in a child process with a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOURGLASS_", "DATABASE"))}
    base.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "hourglass.cli", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tempfile.gettempdir(),
    )


def assert_one_clear_line(result, exit_code: int, *fragments: str) -> None:
    assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hourglass: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_an_unreachable_database_url_is_one_line_without_the_password():
    port = free_port()
    result = hourglass(
        "migrate", env={"DATABASE_URL": f"postgresql://bob:hunter2@127.0.0.1:{port}/x"}
    )

    assert_one_clear_line(result, 1, "cannot connect", f"127.0.0.1:{port}", "DATABASE_URL")
    assert "hunter2" not in result.stderr + result.stdout


def test_a_database_url_that_is_not_postgres_is_a_configuration_error():
    result = hourglass("migrate", env={"DATABASE_URL": "mysql://localhost/x"})

    assert_one_clear_line(result, 2, "DATABASE_URL", "postgresql://")


def test_run_without_a_discord_token_says_which_setting_is_missing():
    result = hourglass("run")

    assert_one_clear_line(result, 2, "DISCORD_TOKEN")


def test_a_bad_port_setting_is_a_configuration_error(tmp_path):
    result = hourglass("db", "status", env={"HOURGLASS_DB_PORT": "eighty"})

    assert_one_clear_line(result, 2, "HOURGLASS_DB_PORT")


def test_migrate_and_demo_work_against_a_database_url_and_a_second_demo_adds_nothing(
    empty_db, tmp_path
):
    env = {"DATABASE_URL": empty_db}
    migrated = hourglass("migrate", env=env)
    first = hourglass(
        "demo",
        "--no-charts",
        "--members",
        "12",
        "--days",
        "10",
        "--end",
        "2026-06-01",
        "--out",
        str(tmp_path / "out"),
        env=env,
    )
    second = hourglass(
        "demo",
        "--members",
        "12",
        "--days",
        "10",
        "--end",
        "2026-06-01",
        "--out",
        str(tmp_path / "out"),
        env=env,
    )

    assert migrated.returncode == 0, migrated.stderr
    assert f"{len(discover('postgres'))} migration(s) applied" in migrated.stdout
    assert first.returncode == 0, first.stderr
    assert "Leaderboard, last 7 days:" in first.stdout
    assert "new rows: 0 voice sessions, 0 point events" in second.stdout
    assert (tmp_path / "out" / "summary.json").exists()
    assert "dashboard:" in second.stdout and "charts in" in second.stdout
    assert (tmp_path / "out" / "charts" / "dashboard.html").stat().st_size > 100_000
    assert len(list((tmp_path / "out" / "charts").glob("*.png"))) >= 8
    assert (tmp_path / "out" / "leaderboard_last_7_days.csv").read_text().startswith("rank,")


def test_the_embedded_database_starts_is_reused_and_stops(tmp_path):
    env = {"HOURGLASS_DB_DATA_DIR": str(tmp_path / "pg"), "HOURGLASS_DB_PORT": str(free_port())}

    started = hourglass("db", "start", env=env)
    again = hourglass("db", "start", env=env)
    demo = hourglass(
        "demo",
        "--no-charts",
        "--members",
        "5",
        "--days",
        "3",
        "--out",
        str(tmp_path / "o"),
        env=env,
    )
    still = hourglass("db", "status", env=env)
    stopped = hourglass("db", "stop", env=env)
    after = hourglass("db", "status", env=env)

    assert started.returncode == 0 and "started" in started.stdout, started.stderr
    assert "already running" in again.stdout
    assert demo.returncode == 0, demo.stderr
    assert still.returncode == 0 and "running" in still.stdout
    assert stopped.stdout.strip() == "stopped"
    assert after.returncode == 3 and after.stdout.startswith("stopped")


def test_a_command_stops_the_embedded_database_it_started(tmp_path):
    env = {"HOURGLASS_DB_DATA_DIR": str(tmp_path / "pg"), "HOURGLASS_DB_PORT": str(free_port())}

    migrated = hourglass("migrate", env=env)
    status = hourglass("db", "status", env=env)

    assert migrated.returncode == 0, migrated.stderr
    assert status.stdout.startswith("stopped")


def test_sigterm_during_a_demo_stops_the_embedded_database_cleanly(tmp_path):
    data_dir = tmp_path / "pg"
    env = {"HOURGLASS_DB_DATA_DIR": str(data_dir), "HOURGLASS_DB_PORT": str(free_port())}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOURGLASS_", "DATABASE"))}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hourglass.cli",
            "demo",
            "--no-charts",
            "--members",
            "3000",
            "--days",
            "90",
            "--out",
            str(tmp_path / "o"),
        ],
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_line(child, "seeding")

    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=120)

    assert child.returncode == 130
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert not (data_dir / "postmaster.pid").exists()


def test_a_port_taken_by_another_program_is_refused_with_what_to_do(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = hourglass(
            "db",
            "start",
            env={"HOURGLASS_DB_DATA_DIR": str(tmp_path / "pg"), "HOURGLASS_DB_PORT": str(port)},
        )

    assert_one_clear_line(result, 1, f"port {port}", "already taken", "HOURGLASS_DB_PORT")


def test_a_data_directory_of_another_postgres_major_version_is_refused(tmp_path):
    data_dir = tmp_path / "pg"
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text("16\n")

    result = hourglass(
        "db",
        "start",
        env={"HOURGLASS_DB_DATA_DIR": str(data_dir), "HOURGLASS_DB_PORT": str(free_port())},
    )

    assert_one_clear_line(result, 1, "made by PostgreSQL 16", "pg_upgrade")


def test_a_non_empty_folder_that_is_not_a_data_directory_is_left_alone(tmp_path):
    data_dir = tmp_path / "notes"
    data_dir.mkdir()
    (data_dir / "thesis.txt").write_text("important")

    result = hourglass(
        "db",
        "start",
        env={"HOURGLASS_DB_DATA_DIR": str(data_dir), "HOURGLASS_DB_PORT": str(free_port())},
    )

    assert_one_clear_line(result, 1, "not empty")
    assert (data_dir / "thesis.txt").read_text() == "important"


@pytest.mark.parametrize("option", [["--members", "0"], ["--days", "-3"], ["--end", "soon"]])
def test_bad_demo_options_are_usage_errors(option):
    result = hourglass("demo", *option)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "usage: hourglass demo" in result.stderr


def test_help_explains_each_command():
    result = hourglass("--help")

    for command in ("db", "migrate", "demo", "maintain", "run", "bench"):
        assert f"    {command}" in result.stdout


def _wait_for_line(child: subprocess.Popen, fragment: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    assert child.stdout is not None
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if fragment in line:
            return
    raise AssertionError(f"no line with {fragment!r} within {timeout}s")
