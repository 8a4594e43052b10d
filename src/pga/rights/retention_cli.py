"""``pga retention``: run the retention terms, and place or lift legal holds.

* ``pga retention run [--dry-run [--as-of DATE]] [--format text|json]`` erases what is due today
  and reports it (ids, kinds, dates, counts); ``--dry-run`` only reports, ``--as-of`` asks what
  will be due on another day. Exit 0; 1 when an erasure failed (it is due again next run).
* ``pga retention hold ID --basis CODE --reason TEXT|--reason-file PATH [--on DATE]`` places a
  legal hold on a trajectory or a network and prints the hold's id; ``pga retention lift ID
  HOLD_ID --reason … [--on DATE]`` lifts it; ``pga retention holds`` lists the holds in place.

Events are recorded as the operating-system user, role ``beheerder``, on behalf of the
municipality (the first of ``PGA_REGIE_ORGANISATIONS``); a run's tombstones as
``pga-bewaartermijnen``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from typing import TYPE_CHECKING
from uuid import uuid4

import msgspec

from pga.application import AggregateNotFound, open_application
from pga.audit.cli import add_reason, reason_of, uuid_argument
from pga.domain import clock
from pga.domain.catalogue import PartnerRole
from pga.domain.common import HOLD_BASES, today
from pga.domain.errors import DomainError
from pga.recording import Actor, CommandContext
from pga.rights.retention import (
    RecordKind,
    RetentionReport,
    RetentionTerms,
    retention_context,
    run_retention,
)

if TYPE_CHECKING:
    from pga.application import PgaApplication
    from pga.settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNKNOWN = 1
EXIT_REFUSED = 3


def add_retention_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register ``pga retention`` and its commands."""
    retention = subparsers.add_parser(
        "retention", help="retention terms: erase what is due; legal holds"
    )
    commands = retention.add_subparsers(
        title="retention commands", metavar="RETENTION_COMMAND", required=True
    )
    run = commands.add_parser(
        "run",
        help="erase what the retention terms make due today, and report it",
        description="Erase every record whose retention term has ended (PGA_RETENTION_*), "
        "except what a legal hold keeps; print what was erased, held and failed (ids only).",
    )
    run.add_argument("--dry-run", action="store_true", help="report only; erase nothing")
    run.add_argument(
        "--as-of",
        type=_date_argument,
        metavar="DATE",
        help="with --dry-run: what will be due on this day (YYYY-MM-DD)",
    )
    run.add_argument("--format", choices=("text", "json"), default="text")
    run.set_defaults(command=run_command)

    hold = commands.add_parser(
        "hold",
        help="place a legal hold on a trajectory or a network",
        description="While a legal hold is in place no retention term (and no erasure) "
        "touches the record. Prints the hold's id.",
    )
    hold.add_argument("id", type=uuid_argument, metavar="ID", help="a trajectory or network id")
    hold.add_argument("--basis", required=True, choices=HOLD_BASES, help="why the hold is needed")
    add_reason(hold, "why (personal; erased with the record)")
    hold.add_argument("--on", type=_date_argument, metavar="DATE", help="default: today")
    hold.set_defaults(command=hold_command)

    lift = commands.add_parser("lift", help="lift a legal hold")
    lift.add_argument("id", type=uuid_argument, metavar="ID", help="the trajectory or network id")
    lift.add_argument("hold_id", type=uuid_argument, metavar="HOLD_ID", help="the hold's id")
    add_reason(lift, "why it is lifted")
    lift.add_argument("--on", type=_date_argument, metavar="DATE", help="default: today")
    lift.set_defaults(command=lift_command)

    holds = commands.add_parser("holds", help="list the legal holds in place")
    holds.add_argument("--format", choices=("text", "json"), default="text")
    holds.set_defaults(command=holds_command)


def run_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """Run (or dry-run) retention and print the report."""
    if arguments.as_of is not None and not arguments.dry_run:
        print("--as-of needs --dry-run: only today's due records are erased", file=sys.stderr)  # noqa: T201
        return EXIT_REFUSED
    with open_application(settings) as app:
        report = run_retention(
            app,
            retention_context(settings),
            RetentionTerms.of(settings),
            dry_run=arguments.dry_run,
            on=arguments.as_of,
        )
    if arguments.format == "json":
        _write_json(report)
    else:
        _write_text(report)
    return EXIT_FAILED if report.failed else EXIT_OK


def hold_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """Place a legal hold and print its id."""
    hold_id = uuid4()
    with open_application(settings) as app:
        try:
            app.place_legal_hold(
                _operator(settings),
                arguments.id,
                hold_id=hold_id,
                placed_on=arguments.on or _today(app),
                basis=arguments.basis,
                reason=reason_of(arguments),
            )
        except AggregateNotFound:
            print(f"no trajectory or network {arguments.id}", file=sys.stderr)  # noqa: T201
            return EXIT_UNKNOWN
        except DomainError as error:
            print(f"refused: {error}", file=sys.stderr)  # noqa: T201
            return EXIT_REFUSED
    print(hold_id)  # noqa: T201
    return EXIT_OK


def lift_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """Lift a legal hold."""
    with open_application(settings) as app:
        try:
            app.lift_legal_hold(
                _operator(settings),
                arguments.id,
                hold_id=arguments.hold_id,
                lifted_on=arguments.on or _today(app),
                reason=reason_of(arguments),
            )
        except AggregateNotFound:
            print(f"no trajectory or network {arguments.id}", file=sys.stderr)  # noqa: T201
            return EXIT_UNKNOWN
        except DomainError as error:
            print(f"refused: {error}", file=sys.stderr)  # noqa: T201
            return EXIT_REFUSED
    return EXIT_OK


def holds_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """List the legal holds in place."""
    rows: list[dict[str, str]] = []
    with open_application(settings) as app:
        for kind, ids, load in (
            ("traject", app.trajectory_ids(), app.trajectory),
            ("netwerk", app.network_ids(), app.network),
        ):
            for aggregate_id in ids:
                aggregate = load(aggregate_id)
                rows.extend(
                    {
                        "kind": kind,
                        "id": str(aggregate_id),
                        "hold_id": str(hold.hold_id),
                        "placed_on": hold.placed_on.isoformat(),
                        "basis": hold.basis,
                    }
                    for hold in aggregate.legal_holds.values()
                )
    if arguments.format == "json":
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(rows), indent=2).decode() + "\n")
    else:
        for row in rows:
            print(  # noqa: T201
                f"{row['kind']:8} {row['id']}  hold {row['hold_id']}  "
                f"since {row['placed_on']}  {row['basis']}"
            )
        print(f"{len(rows)} legal hold(s) in place")  # noqa: T201
    return EXIT_OK


def _operator(settings: Settings) -> CommandContext:
    return CommandContext(
        actor=Actor(
            user=getpass.getuser(),
            organisation=settings.regie_organisations[0],
            role=PartnerRole.BEHEERDER,
        ),
        correlation_id=uuid4(),
    )


def _today(app: PgaApplication) -> date:
    with clock.recording_clock(app.clock):
        return today()


def _date_argument(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        msg = "must be a date, YYYY-MM-DD"
        raise argparse.ArgumentTypeError(msg) from None


def _write_json(report: RetentionReport) -> None:
    shown = msgspec.to_builtins(report)
    for part in ("erased", "due", "held", "failed"):
        for item in shown[part]:
            if item["kind"] == RecordKind.YOUTH.value:
                item["due_on"] = None  # see _due
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(shown), indent=2).decode() + "\n")


def _due(kind: RecordKind, due_on: date, word: str) -> str:
    """Return ``word`` and the due date, except for a youth's age limit.

    That date is the youth's 23rd birthday: printing it would put the date of birth, which
    the erasure destroys, into every report (and the mail and logs reports go to).
    """
    if kind is RecordKind.YOUTH:
        return "age limit reached"
    return f"{word} {due_on.isoformat()}"


def _write_text(report: RetentionReport) -> None:
    terms = report.terms
    mode = "dry run: nothing erased" if report.dry_run else "run"
    lines = [
        f"retention {mode}, {report.today.isoformat()}",
        (
            f"terms: youth until age {terms.age_limit}; closed trajectory "
            f"{terms.trajectory_years} year(s); name list {terms.name_list_days} day(s) after "
            f"closing; closed network {terms.network_years} year(s)"
        ),
    ]
    if report.dry_run:
        lines += [
            f"  due      {item.kind.value:10} {item.record_id}  "
            f"{_due(item.kind, item.due_on, 'since')}"
            for item in report.due
        ]
    lines += [
        f"  erased   {item.kind.value:10} {item.record_id}  {_due(item.kind, item.due_on, 'due')}  "
        f"{len(item.trajectories)} trajectory(ies), {len(item.networks)} network(s), "
        f"{item.keys_destroyed} key(s) destroyed"
        for item in report.erased
    ]
    lines += [
        f"  held     {item.kind.value:10} {item.record_id}  {_due(item.kind, item.due_on, 'due')}  "
        f"by {', '.join(str(each) for each in item.held_by)}"
        for item in report.held
    ]
    lines += [
        f"  failed   {item.kind.value:10} {item.record_id}  ({item.error}; due again next run)"
        for item in report.failed
    ]
    counts = report.counts
    lines.append(
        f"{counts['due']} due, {counts['erased']} erased, {counts['held']} held, "
        f"{counts['failed']} failed"
    )
    sys.stdout.write("\n".join(lines) + "\n")
