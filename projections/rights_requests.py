"""The rights requests: one row per request of a youth (inzage, correctie, verwijdering).

Each row (``requests``, keyed by the request's id) holds the trajectory it was recorded on, the
kind of request and who made it (codes: the youth, a parent or guardian, a legal
representative), when it was received and when it is due (one calendar month later, moved by
two months when extended, AVG art. 12(3)), whether it was extended, and when and how it was
completed. No personal text: the extension's reason and the completion's note stay in the
events. The row carries no name either, so it stays after the youth's data is erased: the
erasure request itself is completed after the erasure, and its deadline must remain visible.

Whether a request is overdue depends on "today", so the query decides it (``due_on`` before
the given day, not completed), never the projection: what is stored depends only on the events.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import msgspec
from psycopg import sql

from pga.domain.trajectory import (
    Requester,
    RightsRequestCompleted,
    RightsRequestExtended,
    RightsRequestKind,
    RightsRequestOutcome,
    RightsRequestReceived,
)
from projections.base import Batch, DispatchingReadModel, Envelope, Rows, Table, aggregate_ids
from projections.paging import (
    DEFAULT_PAGE_SIZE,
    check_page,
    limit_offset,
    page_with_total,
    split_total,
)
from projections.runner import schema_name

if TYPE_CHECKING:
    from collections.abc import Sequence

    import psycopg


class RightsRequestRecord(msgspec.Struct):
    """One request as stored (the ``requests`` table)."""

    request_id: UUID
    trajectory_id: UUID
    kind: str
    requester: str
    received_on: date
    due_on: date
    extended: bool
    completed_on: date | None
    outcome: str | None


REQUESTS = Table(
    name="requests",
    columns=(
        ("request_id", "uuid NOT NULL"),
        ("trajectory_id", "uuid NOT NULL"),
        ("kind", "text NOT NULL"),
        ("requester", "text NOT NULL"),
        ("received_on", "date NOT NULL"),
        ("due_on", "date NOT NULL"),
        ("extended", "boolean NOT NULL"),
        ("completed_on", "date"),
        ("outcome", "text"),
    ),
    key=("request_id",),
    indexes=(("completed_on", "due_on"), ("trajectory_id",)),
)

#: Events that change a stored request (``RightsRequestReceived`` adds one).
_CHANGES = frozenset({RightsRequestExtended, RightsRequestCompleted})


class RightsRequests(DispatchingReadModel):
    """One row per rights request (see the module docstring)."""

    name: ClassVar[str] = "rights_requests"
    version: ClassVar[int] = 1
    tables: ClassVar[tuple[Table, ...]] = (REQUESTS,)

    def __init__(self) -> None:
        self.rows = Rows(REQUESTS, RightsRequestRecord)
        self._handlers = {
            RightsRequestReceived: self._received,
            RightsRequestExtended: self._extended,
            RightsRequestCompleted: self._completed,
        }

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch the stored requests of the trajectories whose requests the batch changes."""
        self.rows.load(batch, "trajectory_id", aggregate_ids(envelopes, _CHANGES))

    def save(self, batch: Batch) -> None:
        """Write the new and changed rows."""
        self.rows.save(batch)

    def reset(self) -> None:
        """Forget the batch."""
        self.rows.clear()

    def _received(self, event: RightsRequestReceived) -> None:
        self.rows.put(
            RightsRequestRecord(
                request_id=event.request_id,
                trajectory_id=event.originator_id,
                kind=event.kind.value,
                requester=event.requester.value,
                received_on=event.received_on,
                due_on=event.due_on,
                extended=False,
                completed_on=None,
                outcome=None,
            )
        )

    def _extended(self, event: RightsRequestExtended) -> None:
        row = self._row(event.request_id)
        row.due_on = event.due_on
        row.extended = True
        self.rows.touch(row)

    def _completed(self, event: RightsRequestCompleted) -> None:
        row = self._row(event.request_id)
        row.completed_on = event.completed_on
        row.outcome = event.outcome.value
        self.rows.touch(row)

    def _row(self, request_id: UUID) -> RightsRequestRecord:
        row = self.rows.get(request_id)
        if row is None:
            msg = f"rights request {request_id} has no row: its receipt was not applied"
            raise LookupError(msg)
        return row


# --- queries ---


class RequestStatus(StrEnum):
    """Which requests to list (worked out against the query's ``today``)."""

    OPEN = "open"
    """Not completed (overdue ones included)."""
    OVERDUE = "overdue"
    """Not completed, and due before ``today``."""
    COMPLETED = "completed"


class RightsRequestItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One rights request, with whether it is overdue on the query's ``today``."""

    request_id: UUID
    trajectory_id: UUID
    kind: RightsRequestKind
    requester: Requester
    received_on: date
    due_on: date
    """One calendar month after receipt; two months later when extended."""
    extended: bool
    completed_on: date | None
    outcome: RightsRequestOutcome | None
    overdue: bool
    """Not completed and due before today."""


class RightsRequestPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One page of rights requests (soonest due first), and how many match in all."""

    items: list[RightsRequestItem]
    total: int
    page: int
    page_size: int


_STATUS: dict[RequestStatus, sql.Composable] = {
    RequestStatus.OPEN: sql.SQL("r.completed_on IS NULL"),
    RequestStatus.OVERDUE: sql.SQL("r.completed_on IS NULL AND r.due_on < %(today)s"),
    RequestStatus.COMPLETED: sql.SQL("r.completed_on IS NOT NULL"),
}
_OVERDUE = sql.SQL("(r.completed_on IS NULL AND r.due_on < %(today)s)")


def list_rights_requests(
    connection: psycopg.Connection[Any],
    app_schema: str,
    *,
    today: date,
    status: str | None = None,
    kind: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> RightsRequestPage:
    """Return one page of rights requests by due date (then id), filtered by status and kind."""
    if isinstance(today, datetime) or not isinstance(today, date):
        msg = "today must be a date (not a datetime)"
        raise ValueError(msg)  # noqa: TRY004 - the API maps ValueError to 400
    check_page(page, page_size)
    params: dict[str, Any] = {"today": today, **limit_offset(page, page_size)}
    conditions: list[sql.Composable] = []
    if status is not None:
        conditions.append(_STATUS[RequestStatus(_member("status", status, RequestStatus))])
    if kind is not None:
        conditions.append(sql.SQL("r.kind = %(kind)s"))
        params["kind"] = _member("kind", kind, RightsRequestKind)
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE")
    table = sql.Identifier(schema_name(app_schema, RightsRequests.name), REQUESTS.name)
    columns = sql.SQL(", ").join(
        sql.SQL("r.{}").format(sql.Identifier(name)) for name in REQUESTS.column_names
    )
    statement = page_with_total(
        sql.SQL("SELECT count(*) FROM {table} AS r WHERE {where}").format(table=table, where=where),
        sql.SQL(
            "SELECT {columns}, {overdue} FROM {table} AS r WHERE {where}"
            " ORDER BY r.due_on, r.request_id LIMIT %(limit)s OFFSET %(offset)s"
        ).format(columns=columns, overdue=_OVERDUE, table=table, where=where),
        sql.SQL("p.due_on, p.request_id"),
    )
    rows, total = split_total(connection.execute(statement, params).fetchall())
    return RightsRequestPage(
        items=[_item(row) for row in rows], total=total, page=page, page_size=page_size
    )


def _member(field: str, value: object, allowed: type[StrEnum]) -> str:
    if not isinstance(value, str) or value not in allowed.__members__.values():
        choices = ", ".join(member.value for member in allowed)
        msg = f"{field} must be one of {choices}"
        raise ValueError(msg)
    return value


def _item(row: tuple[Any, ...]) -> RightsRequestItem:
    stored = RightsRequestRecord(*row[: len(REQUESTS.columns)])
    return RightsRequestItem(
        request_id=stored.request_id,
        trajectory_id=stored.trajectory_id,
        kind=RightsRequestKind(stored.kind),
        requester=Requester(stored.requester),
        received_on=stored.received_on,
        due_on=stored.due_on,
        extended=stored.extended,
        completed_on=stored.completed_on,
        outcome=None if stored.outcome is None else RightsRequestOutcome(stored.outcome),
        overdue=bool(row[len(REQUESTS.columns)]),
    )
