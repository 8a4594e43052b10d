"""``pga audit``: the auditor's commands.

- ``pga audit history ID``: every event of a trajectory or network, with its metadata;
- ``pga audit state ID (--at ISO8601 | --version N)``: its state as it was;
- ``pga audit diff ID V1 V2``: what changed from V1 to V2, and the events between;
- ``pga audit log (--subject ID | --user U) [--since ISO8601] [--until ISO8601]``: the access log;
- ``pga audit verify`` and ``pga audit checkpoint``: see ``pga.audit.verify``.

The reads print one JSON document (indented, keys in a fixed order) on stdout; the same shapes
as the API's ``/audit`` operations (``pga.audit.history``), the BSN redacted. An unknown id or
version exits 1 with one line on stderr. Every read is itself logged in the access log
(``record_cli_read``: the operating-system user, role auditor, source ``cli``) before anything is
printed: a read that cannot be logged shows nothing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

import msgspec
import psycopg

from pga.application import AggregateNotFound, open_application
from pga.audit import access_log
from pga.audit.history import (
    NotYetRecorded,
    UnknownVersion,
    history,
    state_at_time,
    state_at_version,
    version_diff,
)
from pga.audit.verify import (
    checkpoint_command,
    configure_checkpoint_parser,
    configure_verify_parser,
    verify_command,
)
from pga.store.database import resolve_database_url

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from pga.application import PgaApplication
    from pga.audit.history import AuditState
    from pga.settings import Settings

Shown = TypeVar("Shown", bound=msgspec.Struct)
EXIT_OK = 0
EXIT_FAILURE = 1
#: Entries read from the access log per query (its largest page).
_LOG_PAGE = 500


def add_audit_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``pga audit`` and its commands (each bound through ``set_defaults(command=…)``)."""
    audit = subparsers.add_parser(
        "audit",
        help="the auditor's commands: history, state as of, diffs, access log, verification",
        description="Replay what was recorded and by whom, read the access log, and verify "
        "that nothing was altered. Every read is itself written to the access log.",
    )
    commands = audit.add_subparsers(title="audit commands", metavar="AUDIT_COMMAND", required=True)

    history_parser = commands.add_parser(
        "history", help="every event of a trajectory or network, with who recorded it and why"
    )
    history_parser.add_argument(
        "id", type=uuid_argument, metavar="ID", help="trajectory or network id"
    )
    history_parser.set_defaults(command=_history)

    state = commands.add_parser(
        "state", help="the state of a trajectory or network at a version or at a moment"
    )
    state.add_argument("id", type=uuid_argument, metavar="ID", help="trajectory or network id")
    when = state.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--at",
        type=_moment,
        metavar="ISO8601",
        help="a moment with time zone, e.g. 2026-03-01T12:00Z",
    )
    when.add_argument("--version", type=_version, metavar="N", help="a version (1: the creation)")
    state.set_defaults(command=_state)

    diff = commands.add_parser(
        "diff", help="what changed between two versions, and the events that changed it"
    )
    diff.add_argument("id", type=uuid_argument, metavar="ID", help="trajectory or network id")
    diff.add_argument("from_version", type=_version, metavar="V1", help="the earlier version")
    diff.add_argument("to_version", type=_version, metavar="V2", help="the later version")
    diff.set_defaults(command=_diff)

    log = commands.add_parser(
        "log", help="the access log: who was shown a youth's data, or what a user was shown"
    )
    who = log.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--subject",
        type=uuid_argument,
        metavar="ID",
        help="a youth's subject, trajectory or member id (all its ids count)",
    )
    who.add_argument("--user", metavar="U", help="a user id (the token's sub, or an OS user)")
    log.add_argument("--since", type=_moment, metavar="ISO8601", help="from (inclusive)")
    log.add_argument("--until", type=_moment, metavar="ISO8601", help="until (exclusive)")
    log.set_defaults(command=_log)

    verify = commands.add_parser(
        "verify", help="check the event chain, the access log, checkpoints and read models"
    )
    configure_verify_parser(verify)
    verify.set_defaults(command=verify_command)
    checkpoint = commands.add_parser(
        "checkpoint", help="store and print the heads of both chains, to keep elsewhere"
    )
    configure_checkpoint_parser(checkpoint)
    checkpoint.set_defaults(command=checkpoint_command)


# --- the commands ---


def _history(arguments: argparse.Namespace, settings: Settings) -> int:
    return _read(
        settings,
        "history",
        lambda app: history(app, arguments.id),
        lambda found: [arguments.id, *found.subjects],
    )


def _state(arguments: argparse.Namespace, settings: Settings) -> int:
    def read(app: PgaApplication) -> AuditState:
        if arguments.version is not None:
            return state_at_version(app, arguments.id, arguments.version)
        return state_at_time(app, arguments.id, arguments.at)

    return _read(settings, "state", read, lambda found: [arguments.id, *found.subjects])


def _diff(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.from_version >= arguments.to_version:
        _fail("diff", "V1 must be an earlier version than V2")
        return EXIT_FAILURE
    return _read(
        settings,
        "diff",
        lambda app: version_diff(app, arguments.id, arguments.from_version, arguments.to_version),
        lambda found: [arguments.id, *found.subjects],
    )


def _log(arguments: argparse.Namespace, settings: Settings) -> int:
    since: datetime | None = arguments.since
    until: datetime | None = arguments.until
    if since is not None and until is not None and until <= since:
        _fail("log", "--until must be after --since")
        return EXIT_FAILURE
    schema = settings.database_schema
    items: list[access_log.AccessLogItem] = []
    with psycopg.connect(resolve_database_url(settings), autocommit=True) as connection:
        if settings.create_tables:
            access_log.create_access_log(connection, schema)
        page = 1
        while True:
            found = access_log.query(
                connection,
                schema,
                subject=arguments.subject,
                user=arguments.user,
                since=since,
                until=until,
                page=page,
                page_size=_LOG_PAGE,
            )
            items.extend(found.items)
            if page * _LOG_PAGE >= found.total:
                break
            page += 1
    subjects = [] if arguments.subject is None else [arguments.subject]
    access_log.record_cli_read(settings, operation="cli:audit-log", subjects=subjects)
    _print(
        AccessLogListing(
            subject=arguments.subject,
            user=arguments.user,
            since=since,
            until=until,
            total=len(items),
            items=items,
        )
    )
    return EXIT_OK


class AccessLogListing(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What ``pga audit log`` prints: the filter and every matching entry, oldest first."""

    subject: UUID | None
    user: str | None
    since: datetime | None
    until: datetime | None
    total: int
    items: list[access_log.AccessLogItem]


# --- shared ---


def _read(
    settings: Settings,
    name: str,
    read: Callable[[PgaApplication], Shown],
    subjects: Callable[[Shown], Collection[UUID]],
) -> int:
    """Run one read of the application; log it in the access log, then print it as JSON."""
    with open_application(settings) as app:
        try:
            found = read(app)
        except UnknownVersion as error:
            _fail(name, f"version {error.version} does not exist (the latest is {error.latest})")
            return EXIT_FAILURE
        except NotYetRecorded:
            _fail(name, "the trajectory or network was not recorded yet at that moment")
            return EXIT_FAILURE
        except AggregateNotFound:
            _fail(name, "no trajectory or network has this id")
            return EXIT_FAILURE
    access_log.record_cli_read(
        settings, operation=f"cli:audit-{name}", subjects=list(dict.fromkeys(subjects(found)))
    )
    _print(found)
    return EXIT_OK


def _print(value: msgspec.Struct) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")
    sys.stdout.flush()


def _fail(name: str, message: str) -> None:
    sys.stderr.write(f"pga audit {name}: {message}\n")


def add_reason(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--reason TEXT`` or ``--reason-file PATH`` (one of them required) to ``parser``.

    A reason is free text and may be personal: given as an argument it shows in the process
    list and the shell's history, so it can be read from a file or, with ``-``, standard input.
    """
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--reason", help=f"{what} (free text; shows in the process list: see --reason-file)"
    )
    given.add_argument(
        "--reason-file",
        metavar="PATH",
        help="read the reason from this file (UTF-8), or from standard input with -",
    )


def reason_of(arguments: argparse.Namespace) -> str:
    """Return the reason ``add_reason`` asked for (read from its file); exit 2 if unreadable."""
    if arguments.reason is not None:
        return str(arguments.reason)
    path = str(arguments.reason_file)
    try:
        with sys.stdin if path == "-" else open(path, encoding="utf-8") as source:  # noqa: PTH123
            text = source.read().strip()
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read the reason: {type(error).__name__}", file=sys.stderr)  # noqa: T201
        raise SystemExit(2) from None
    if not text:
        print("the reason is empty", file=sys.stderr)  # noqa: T201
        raise SystemExit(2)
    return text


def uuid_argument(raw: str) -> UUID:
    """Parse a command-line id (an argparse type; a clear message for anything else)."""
    try:
        return UUID(raw)
    except ValueError:
        msg = "not an id (a UUID such as 0b6e…-…)"
        raise argparse.ArgumentTypeError(msg) from None


def _version(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"{raw!r} is not a version (a whole number of 1 or more)"
        raise argparse.ArgumentTypeError(msg)
    return value


def _moment(raw: str) -> datetime:
    """Parse an ISO 8601 moment with a time zone; return it in UTC."""
    try:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    msg = f"{raw!r} is not an ISO 8601 moment with a time zone (2026-03-01T12:00:00+01:00)"
    raise argparse.ArgumentTypeError(msg)
