"""The `hourglass` command: one entry point with subcommands."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from hourglass import __version__, synthetic
from hourglass.database import connect, open_target
from hourglass.embedded import EmbeddedPostgres
from hourglass.errors import HourglassError
from hourglass.migrate import Migration, check_schema, migrate
from hourglass.settings import (
    BotSettings,
    DatabaseSettings,
    EmbeddedSettings,
    RetentionSettings,
    load,
)

log = logging.getLogger("hourglass")

DESCRIPTION = """\
Hourglass: study and work tracking for Discord communities.

Without DATABASE_URL every command uses an embedded PostgreSQL kept in a data directory
(see --data-dir); with it, Hourglass uses that server, on TimescaleDB when available.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO if args.info else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except HourglassError as exc:
        print(f"hourglass: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hourglass: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hourglass",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hourglass {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    parser.add_argument("--info", action="store_true", help="log progress at INFO level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="start, stop or inspect the embedded PostgreSQL")
    db.add_argument("action", choices=("start", "stop", "status"))
    _embedded_options(db)
    db.set_defaults(handler=_db)

    mig = commands.add_parser("migrate", help="create or upgrade the database schema")
    _embedded_options(mig)
    mig.set_defaults(handler=_migrate)

    demo = commands.add_parser(
        "demo",
        help="seed a synthetic community and print its leaderboards",
        description="Starts the database (embedded by default), applies migrations, seeds a "
        "synthetic study community, refreshes the rollups and prints leaderboards. Running it "
        "again adds nothing twice.",
    )
    demo.add_argument("--members", type=_positive, default=300, help="members (default 300)")
    demo.add_argument("--days", type=_positive, default=90, help="days of history (default 90)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument(
        "--no-charts",
        action="store_true",
        help="skip the PNG charts and the HTML dashboard (faster; text output only)",
    )
    demo.add_argument(
        "--end",
        type=date.fromisoformat,
        default=None,
        help="last day is the day before this ISO date (default: today, UTC)",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("hourglass-output"),
        help="folder for the demo's files (default ./hourglass-output)",
    )
    _embedded_options(demo)
    demo.set_defaults(handler=_demo)

    dashboard = commands.add_parser(
        "dashboard",
        help="write an HTML dashboard of interactive charts",
        description="Writes dashboard.html (charts of study time, the bot's health and capacity) "
        "into a folder. Reads from ANALYTICS_DATABASE_URL when set, else the main database.",
    )
    dashboard.add_argument("--out", type=Path, required=True, help="folder for dashboard.html")
    dashboard.add_argument(
        "--guild", type=int, default=None, help="guild id (default: the whole deployment)"
    )
    dashboard.add_argument(
        "--last-day",
        type=date.fromisoformat,
        default=None,
        help="last day shown, ISO date (default: today in the guild's time zone)",
    )
    _embedded_options(dashboard)
    dashboard.set_defaults(handler=_dashboard)

    maintain = commands.add_parser(
        "maintain", help="run upkeep once: partitions, retention, rollup refresh"
    )
    _embedded_options(maintain)
    maintain.set_defaults(handler=_maintain)

    run = commands.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    _embedded_options(run)
    run.set_defaults(handler=_run)

    bench = commands.add_parser(
        "bench", help="measure the write path and the rollups against their naive forms"
    )
    bench.add_argument(
        "--rows",
        type=_positive,
        default=1_000_000,
        help="voice sessions to ingest (default 1,000,000)",
    )
    bench.add_argument(
        "--members",
        type=_positive,
        default=10_000,
        help="members for the leaderboard benchmark (default 10,000)",
    )
    bench.add_argument(
        "--timescaledb-url",
        default=None,
        help="also run on this TimescaleDB database, which keeps the rows written "
        "(scaled-down sizes)",
    )
    bench.add_argument(
        "--timescaledb-rows",
        type=_positive,
        default=None,
        help="voice sessions to ingest on TimescaleDB (default a tenth of --rows)",
    )
    bench.add_argument(
        "--timescaledb-members",
        type=_positive,
        default=None,
        help="leaderboard members on TimescaleDB (default a tenth of --members)",
    )
    bench.add_argument("--out", type=Path, default=None, help="also write the report here")
    _embedded_options(bench)
    bench.set_defaults(handler=_bench)
    return parser


def _embedded_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="embedded database folder (default: the user data folder; env HOURGLASS_DB_DATA_DIR)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="embedded database port on 127.0.0.1 (default 54329; env HOURGLASS_DB_PORT)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _embedded(args: argparse.Namespace) -> EmbeddedSettings:
    overrides = {k: v for k, v in (("data_dir", args.data_dir), ("port", args.port)) if v}
    return load(EmbeddedSettings, **overrides)


def _db(args: argparse.Namespace) -> int:
    settings = _embedded(args)
    server = EmbeddedPostgres(settings.data_dir, settings.port)
    if args.action == "start":
        started = server.start()
        print(("started: " if started else "already running: ") + server.status().describe())
        print(f"connect with: {server.url}")
    elif args.action == "stop":
        print("stopped" if server.stop() else "not running")
    else:
        status = server.status()
        print(status.describe())
        return 0 if status.running else 3
    return 0


def _migrate(args: argparse.Namespace) -> int:
    with open_target(load(DatabaseSettings), _embedded(args)) as target:
        applied = _apply_migrations(target.url)
        print(f"{target.safe}: {len(applied)} migration(s) applied, schema up to date")
    return 0


def _apply_migrations(url: str) -> list[Migration]:
    retention = load(RetentionSettings)
    with connect(url) as conn:
        applied = migrate(conn, progress=lambda m: print(f"applying {m.path.name}"))
        for relation, days in retention.horizons().items():
            conn.execute(
                "SELECT hourglass.set_retention(%s, make_interval(days => %s))", (relation, days)
            )
    return applied


def _demo(args: argparse.Namespace) -> int:
    from hourglass.demo import format_board, run_demo

    spec = synthetic.CommunitySpec(
        members=args.members,
        days=args.days,
        seed=args.seed,
        **({"end": args.end} if args.end else {}),
    )
    with open_target(load(DatabaseSettings), _embedded(args)) as target:
        _apply_migrations(target.url)
        print(
            f"seeding {spec.members} members over {spec.days} days into {target.safe}", flush=True
        )
        result = run_demo(target.url, spec, args.out)
        charts = None if args.no_charts else _demo_charts(target.url, spec, args.out)

    print(
        f"new rows: {result.sessions:,} voice sessions, {result.point_events:,} point events, "
        f"{result.metric_samples:,} metric samples (a second run adds none)"
    )
    print(format_board("Leaderboard, yesterday (guild time):", result.yesterday))
    print(format_board("Leaderboard, last 7 days:", result.last_week))
    if charts is not None:
        print(charts)
    print(f"output written to {result.out_dir.resolve()}")
    return 0


def _demo_charts(url: str, spec: synthetic.CommunitySpec, out: Path) -> str:
    from analytics.dashboard import write_demo_outputs

    print("drawing charts and the dashboard", flush=True)
    written = write_demo_outputs(url, spec.guild_id, out, last_day=spec.end - timedelta(days=1))
    lines = [f"dashboard: {written.dashboard.resolve()}"]
    if written.skipped:
        lines.append(f"charts skipped: {written.skipped}")
    else:
        lines.append(f"{len(written.pngs)} charts in {written.dashboard.parent.resolve()}")
    return "\n".join(lines)


def _dashboard(args: argparse.Namespace) -> int:
    from analytics.dashboard import write_dashboard
    from analytics.data import Warehouse, choose_url
    from analytics.errors import AnalyticsError

    settings = load(DatabaseSettings)
    replica = settings.analytics_database_url
    with open_target(settings, _embedded(args)) as target:
        url = choose_url(target.url, replica.get_secret_value() if replica else None)
        try:
            with Warehouse(url) as warehouse:
                path = write_dashboard(warehouse, args.out, args.guild, args.last_day)
        except AnalyticsError as exc:
            print(f"hourglass: error: {exc}", file=sys.stderr)
            return 1
    print(f"dashboard written to {path.resolve()}")
    return 0


def _maintain(args: argparse.Namespace) -> int:
    with (
        open_target(load(DatabaseSettings), _embedded(args)) as target,
        connect(target.url) as conn,
    ):
        check_schema(conn)
        conn.execute("CALL hourglass.maintain()")
        print("upkeep done: partitions, retention and rollups are current")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.main import run_bot

    settings = load(BotSettings)
    with open_target(load(DatabaseSettings), _embedded(args)) as target:
        print(f"starting the bot against {target.safe}", flush=True)
        run_bot(settings, target.url)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from hourglass.bench import run_benchmarks

    # The benchmark migrates and fills a scratch database of its own, not the target.
    with open_target(load(DatabaseSettings), _embedded(args)) as target:
        report = run_benchmarks(
            target.url,
            args.rows,
            args.members,
            args.timescaledb_url,
            timescaledb_rows=args.timescaledb_rows,
            timescaledb_members=args.timescaledb_members,
        )
    print(report)
    if args.out:
        args.out.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
