"""``pga subjects requests [--open | --overdue]``: the rights requests that still need an answer.

Prints a table of the open requests (``--overdue``: only those past their deadline), soonest
due first, from the ``rights_requests`` read model: the request and trajectory ids, the kind,
who asked (a code), when it was received and is due, whether the term was extended, and
whether it is overdue today (the municipality's calendar day). No names: the rows hold none.
The listing shows which youths exercised a right, so it is written to the access log first
(``cli:subjects-requests``, purpose ``rechten-betrokkene``); what cannot be logged is not shown.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg

from pga.audit.access_log import record_cli_read
from pga.domain.clock import MUNICIPAL_TIME
from pga.store.database import resolve_database_url
from projections.paging import MAX_PAGE_SIZE
from projections.rights_requests import RequestStatus, RightsRequestItem, list_rights_requests

if TYPE_CHECKING:
    import argparse
    from datetime import date

    from pga.settings import Settings

EXIT_OK = 0
EXIT_FAILURE = 1
_HEADER = (
    "verzoek",
    "traject",
    "soort",
    "verzoeker",
    "ontvangen",
    "termijn",
    "verlengd",
    "te laat",
)


def configure_requests_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register ``requests`` under ``pga subjects``."""
    parser = commands.add_parser(
        "requests",
        help="open rights requests (inzage, correctie, verwijdering) and their deadlines",
        description="List the rights requests not yet answered, soonest due first "
        "(--overdue: only those past their deadline). The listing is access-logged.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--open",
        dest="status",
        action="store_const",
        const=RequestStatus.OPEN.value,
        help="every request not yet answered (the default)",
    )
    which.add_argument(
        "--overdue",
        dest="status",
        action="store_const",
        const=RequestStatus.OVERDUE.value,
        help="only requests past their deadline",
    )
    parser.set_defaults(status=RequestStatus.OPEN.value, command=requests_command)


def requests_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """Print the open (or overdue) requests as a table; log the listing first."""
    today = datetime.now(UTC).astimezone(MUNICIPAL_TIME).date()
    try:
        items = _every_request(settings, arguments.status, today)
    except psycopg.errors.UndefinedTable:
        sys.stderr.write("pga subjects requests: the rights_requests read model is not built yet\n")
        return EXIT_FAILURE
    record_cli_read(
        settings,
        operation="cli:subjects-requests",
        subjects=list(dict.fromkeys(item.trajectory_id for item in items)),
        purpose="rechten-betrokkene",
    )
    sys.stdout.write(format_requests(items))
    sys.stdout.flush()
    return EXIT_OK


def _every_request(settings: Settings, status: str, today: date) -> list[RightsRequestItem]:
    items: list[RightsRequestItem] = []
    with psycopg.connect(resolve_database_url(settings), autocommit=True) as connection:
        page = 1
        while True:
            found = list_rights_requests(
                connection,
                settings.database_schema,
                today=today,
                status=status,
                page=page,
                page_size=MAX_PAGE_SIZE,
            )
            items.extend(found.items)
            if page * MAX_PAGE_SIZE >= found.total:
                return items
            page += 1


def format_requests(items: list[RightsRequestItem]) -> str:
    """Return the requests as a plain-text table (a header line, one line per request)."""
    rows = [_HEADER] + [
        (
            str(item.request_id),
            str(item.trajectory_id),
            item.kind.value,
            item.requester.value,
            item.received_on.isoformat(),
            item.due_on.isoformat(),
            "ja" if item.extended else "nee",
            "ja" if item.overdue else "nee",
        )
        for item in items
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADER))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    footer = f"{len(items)} verzoek(en)"
    return "\n".join([*(line.rstrip() for line in lines), footer]) + "\n"
