"""``pga subjects erase ID --reason TEXT --basis CODE``: erase a youth's personal data.

The operator's counterpart of ``POST /api/v1/trajectories/{id}/erasure`` (for a request handled
outside the API, or a retention term): ``PgaApplication.erase_subject`` records the tombstones and
destroys the youth's data keys. ID is the youth's subject id or any of its trajectory ids. The
events are recorded as the operating-system user, role ``beheerder``, on behalf of the
municipality (the first of ``PGA_REGIE_ORGANISATIONS``). It prints the erasure report as JSON
(ids, basis, keys destroyed: no personal data); an unknown id exits 1, a youth already erased 2.
"""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING
from uuid import uuid4

import msgspec

from pga.application import AggregateNotFound, open_application
from pga.audit.cli import add_reason, reason_of, uuid_argument
from pga.domain.catalogue import PartnerRole
from pga.domain.common import ERASURE_BASES
from pga.domain.errors import DomainError, SubjectAlreadyErased
from pga.recording import Actor, CommandContext

if TYPE_CHECKING:
    import argparse

    from pga.settings import Settings

EXIT_OK = 0
EXIT_UNKNOWN = 1
EXIT_ALREADY_ERASED = 2
EXIT_REFUSED = 3


def configure_erase_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``erase`` under ``pga subjects``."""
    erase = commands.add_parser(
        "erase",
        help="erase a youth's personal data (crypto-shredding; AVG art. 17 or retention)",
        description="Record the erasure on every trajectory of the youth and on every name list "
        "it is on, then destroy the youth's data keys: what was stored about the youth can no "
        "longer be read by anyone. Prints the erasure report (ids only).",
    )
    erase.add_argument(
        "id", type=uuid_argument, metavar="ID", help="the youth's subject or trajectory id"
    )
    add_reason(erase, "why (personal, erased with the rest)")
    erase.add_argument(
        "--basis", required=True, choices=ERASURE_BASES, help="the basis of the erasure"
    )
    erase.set_defaults(command=erase_command)


def erase_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """Erase one youth and print the report."""
    context = CommandContext(
        actor=Actor(
            user=getpass.getuser(),
            organisation=settings.regie_organisations[0],
            role=PartnerRole.BEHEERDER,
        ),
        correlation_id=uuid4(),
    )
    with open_application(settings) as app:
        try:
            report = app.erase_subject(
                context, arguments.id, reason=reason_of(arguments), basis=arguments.basis
            )
        except AggregateNotFound:
            print(f"no youth or trajectory {arguments.id}", file=sys.stderr)  # noqa: T201
            return EXIT_UNKNOWN
        except SubjectAlreadyErased:
            print(f"the personal data of {arguments.id} is erased already", file=sys.stderr)  # noqa: T201
            return EXIT_ALREADY_ERASED
        except DomainError as error:
            print(f"refused: {error}", file=sys.stderr)  # noqa: T201
            return EXIT_REFUSED
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(report), indent=2).decode() + "\n")
    return EXIT_OK
