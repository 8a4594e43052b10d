"""/api/v1/audit: the auditor's replay of history and the access log (role ``auditor`` only).

- ``GET /audit/aggregates/{id}/events``: the events of a trajectory or network, with who recorded
  them, for whom and why, and the corrections made to them (paged, oldest first);
- ``GET /audit/aggregates/{id}/state?version=N`` or ``?at=<date-time>``: its state as it was;
- ``GET /audit/aggregates/{id}/diff?from=V1&to=V2``: what changed, and the events that did it;
- ``GET /audit/aggregates/{id}/export``: all of that in one JSON document (a download);
- ``GET /audit/access-log?subject=…|user=…[&since=…][&until=…]``: who was shown which youth's data.

The representations are ``pga.audit.history``'s (shared with ``pga audit …``); the BSN is always
redacted. Each of these reads shows personal data and is itself written to the access log, with
the aggregate and the youths it concerns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, QueryParameter

from pga.api.access import shown
from pga.api.common import Page, PageSize, query_error
from pga.api.problems import READ_PROBLEMS, BadRequest, InvalidParam
from pga.api.state import STATE_KEY, ApiState, api_state
from pga.audit import access_log
from pga.audit.history import (
    AuditDiff,
    AuditEventPage,
    AuditExport,
    AuditState,
    NotYetRecorded,
    UnknownVersion,
    event_page,
    export_history,
    state_at_time,
    state_at_version,
    version_diff,
)
from pga.domain.catalogue import PartnerRole
from pga.recording import Actor
from projections.paging import DEFAULT_PAGE_SIZE

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers import HTTPRouteHandler
    from litestar.handlers.base import BaseRouteHandler

TAG = "audit"
#: The largest version a query may name (PostgreSQL's ``integer``).
MAX_VERSION = 2_147_483_647


def auditor_only(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Let through the ``auditor`` role only (no regie role, no partner).

    Of any organisation, unless ``PGA_AUDIT_ORGANISATIONS`` names the ones whose auditors may.
    OPTIONS requests pass: the JWT middleware does not authenticate them, and they show no data.
    """
    if connection.scope.get("method") == "OPTIONS":
        return
    user = connection.scope.get("user")
    if not isinstance(user, Actor) or user.role is not PartnerRole.AUDITOR:
        raise PermissionDeniedException
    state: ApiState = connection.app.state[STATE_KEY]
    allowed = state.settings.audit_organisations
    if allowed and user.organisation not in allowed:
        raise PermissionDeniedException


_GUARDS = [auditor_only]


class UnknownVersionProblem(NotFoundException):
    """A version the aggregate does not have (404 ``unknown-version``)."""

    rule = "unknown-version"
    pga_detail = True

    def __init__(self) -> None:
        super().__init__(detail="Deze versie van het aggregaat bestaat niet.")


class NotYetRecordedProblem(NotFoundException):
    """A moment before the aggregate's first event (404 ``not-yet-recorded``)."""

    rule = "not-yet-recorded"
    pga_detail = True

    def __init__(self) -> None:
        super().__init__(detail="Op dit moment was het aggregaat nog niet vastgelegd.")


AggregateId = FromPath[UUID]
Version = Annotated[
    int | None,
    QueryParameter(
        name="version",
        ge=1,
        le=MAX_VERSION,
        description="De versie (1 is de aanmaak); niet samen met at.",
    ),
]
At = Annotated[
    datetime | None,
    QueryParameter(
        name="at",
        description=(
            "Een moment (ISO 8601 met tijdzone, zoals 2026-03-01T12:00:00Z): de toestand zoals "
            "die toen was vastgelegd; niet samen met version."
        ),
    ),
]
FromVersion = Annotated[
    int, QueryParameter(name="from", ge=1, le=MAX_VERSION, description="De eerdere versie.")
]
ToVersion = Annotated[
    int, QueryParameter(name="to", ge=1, le=MAX_VERSION, description="De latere versie.")
]
Subject = Annotated[
    UUID | None,
    QueryParameter(
        name="subject",
        description=(
            "Een id van de jongere: subject-id, traject-id of id op een namenlijst; ook de "
            "andere ids van dezelfde jongere tellen mee."
        ),
    ),
]
User = Annotated[
    str | None,
    QueryParameter(
        name="user",
        min_length=1,
        max_length=200,
        description="Een gebruiker (de sub van het token).",
    ),
]
Since = Annotated[
    datetime | None,
    QueryParameter(
        name="since", description="Vanaf dit moment (inclusief; ISO 8601 met tijdzone)."
    ),
]
Until = Annotated[
    datetime | None,
    QueryParameter(name="until", description="Tot dit moment (exclusief; ISO 8601 met tijdzone)."),
]


@get(
    "/audit/aggregates/{aggregate_id:uuid}/events",
    operation_id="listAuditEvents",
    opt={"personal_data": True},
    summary="De gebeurtenissen van een traject of netwerk, met wie ze vastlegde en waarom",
    description=(
        "Elke gebeurtenis met versie, soort, tijdstip, metadata (gebruiker, organisatie, rol, "
        "namens wie, reden, correlatie-id), alle velden (het BSN afgeschermd) en de correcties "
        "die erover zijn vastgelegd (correctedBy). Oudste eerst."
    ),
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def list_audit_events(
    request: Request[Any, Any, Any],
    aggregate_id: AggregateId,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> AuditEventPage:
    """Return one page of the aggregate's events (404 for an unknown id)."""
    events = event_page(api_state(request).app, aggregate_id, page=page, page_size=page_size)
    shown(request, aggregate_id, *events.subjects)
    return events


@get(
    "/audit/aggregates/{aggregate_id:uuid}/state",
    operation_id="getAuditState",
    opt={"personal_data": True},
    summary="De toestand van een traject of netwerk bij een versie of op een moment",
    description=(
        "Precies één van version en at. Een versie na de laatste, of een moment vóór de "
        "aanmaak, is 404. Het BSN is afgeschermd."
    ),
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_audit_state(
    request: Request[Any, Any, Any],
    aggregate_id: AggregateId,
    version: Version = None,
    at: At = None,
) -> AuditState:
    """Return the state at ``version`` or at ``at`` (exactly one of them)."""
    if (version is None) == (at is None):
        raise BadRequest(
            "Geef precies één van version en at.",
            rule="version-or-at",
            params=[
                InvalidParam(name=name, reason="precies één van version en at", source="query")
                for name in ("version", "at")
            ],
        )
    app = api_state(request).app
    try:
        if version is not None:
            state = state_at_version(app, aggregate_id, version)
        else:
            state = state_at_time(app, aggregate_id, _aware("at", at))
    except UnknownVersion:
        raise UnknownVersionProblem from None
    except NotYetRecorded:
        raise NotYetRecordedProblem from None
    shown(request, aggregate_id, *state.subjects)
    return state


@get(
    "/audit/aggregates/{aggregate_id:uuid}/diff",
    operation_id="getAuditDiff",
    opt={"personal_data": True},
    summary="Wat er veranderde tussen twee versies, en door welke gebeurtenissen",
    description=(
        "De verschillen tussen de toestand bij from en die bij to (JSON-pointers, added, "
        "removed of changed, met de waarde ervoor en erna) en de gebeurtenissen na from tot "
        "en met to. from moet vóór to liggen (anders 400); een versie die niet bestaat is 404."
    ),
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_audit_diff(
    request: Request[Any, Any, Any],
    aggregate_id: AggregateId,
    from_version: FromVersion,
    to_version: ToVersion,
) -> AuditDiff:
    """Return the difference between two versions (``from`` before ``to``)."""
    if from_version >= to_version:
        raise BadRequest(
            "from moet een eerdere versie zijn dan to.",
            rule="invalid-version-range",
            params=[InvalidParam(name="from", reason="moet kleiner zijn dan to", source="query")],
        )
    app = api_state(request).app
    try:
        difference = version_diff(app, aggregate_id, from_version, to_version)
    except UnknownVersion:
        raise UnknownVersionProblem from None
    shown(request, aggregate_id, *difference.subjects)
    return difference


@get(
    "/audit/aggregates/{aggregate_id:uuid}/export",
    operation_id="exportAuditHistory",
    opt={"personal_data": True},
    summary="De hele geschiedenis van een traject of netwerk als JSON-bestand",
    description=(
        "Alle gebeurtenissen met metadata en de huidige toestand, als download "
        "(Content-Disposition: attachment). Het BSN is afgeschermd."
    ),
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    response_headers=[
        ResponseHeader(
            name="Content-Disposition",
            description='attachment; filename="<aggregaat-id>.json"',
            documentation_only=True,
        )
    ],
    sync_to_thread=True,
)
def export_audit_history(
    request: Request[Any, Any, Any], aggregate_id: AggregateId
) -> Response[AuditExport]:
    """Return the whole history as an attachment named after the aggregate."""
    export = export_history(api_state(request).app, aggregate_id)
    shown(request, aggregate_id, *export.subjects)
    return Response(
        export,
        headers={"Content-Disposition": f'attachment; filename="{aggregate_id}.json"'},
    )


@get(
    "/audit/access-log",
    operation_id="listAccessLog",
    opt={"personal_data": True},
    summary="Het toegangslogboek: wie kreeg welke gegevens van een jongere te zien",
    description=(
        "Per jongere (subject) of per gebruiker (user), ten minste één van beide, desgewenst "
        "binnen een periode (since tot until). Oudste eerst."
    ),
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def list_access_log(
    request: Request[Any, Any, Any],
    subject: Subject = None,
    user: User = None,
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> access_log.AccessLogPage:
    """Return one page of the entries about ``subject`` and/or by ``user``."""
    if subject is None and user is None:
        raise BadRequest(
            "Geef subject of user (of beide).",
            rule="subject-or-user",
            params=[
                InvalidParam(name=name, reason="subject of user is vereist", source="query")
                for name in ("subject", "user")
            ],
        )
    state = api_state(request)
    with state.connection() as connection:
        try:
            entries = access_log.query(
                connection,
                state.schema,
                subject=subject,
                user=user,
                since=None if since is None else _aware("since", since),
                until=None if until is None else _aware("until", until),
                page=page,
                page_size=page_size,
            )
        except ValueError as error:
            raise query_error(error) from None
    if subject is not None:
        shown(request, subject)
    return entries


def _aware(name: str, moment: datetime | None) -> datetime:
    """Return ``moment`` in UTC; refuse one without a time zone (a different instant per server).

    A moment whose UTC time falls outside the years 1 to 9999 is refused too.
    """
    if moment is not None and moment.tzinfo is not None:
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            pass
    raise BadRequest(
        f"Ongeldige query-parameter: {name}.",
        rule="invalid-query",
        params=[
            InvalidParam(
                name=name, reason="een moment met tijdzone, zoals …Z of …+01:00", source="query"
            )
        ],
    )


def handlers() -> list[HTTPRouteHandler]:
    """Every /audit operation."""
    return [
        list_audit_events,
        get_audit_state,
        get_audit_diff,
        export_audit_history,
        list_access_log,
    ]
