"""/api/v1/.../rights-requests: a youth's rights requests (inzage, correctie, verwijdering).

The regisseur records a request on the youth's trajectory (also a closed one), extends its term
once and records its completion (also after the youth's data was erased: the erasure request
is answered afterwards); the commands follow the trajectory's concurrency convention
(``If-Match``) and answer once the list has them. ``GET /rights-requests`` lists them, soonest
due first; whether one is overdue is decided against today.

The list names trajectories (each row says that this youth exercised a right), so it shows
personal data: every page is access-logged with the trajectory ids on it, as the caseload is.
Requesters are codes, never names, and nothing personal travels in the URL.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter

from pga.api.access import shown
from pga.api.commands import CommandRoute, command_handler
from pga.api.common import Camel, Page, PageSize, Text, call_command, query_error
from pga.api.problems import READ_PROBLEMS
from pga.api.state import api_state, requires
from pga.api.trajectories import RESOURCE
from pga.domain.catalogue import PartnerRole
from pga.domain.trajectory import Requester, RightsRequestKind, RightsRequestOutcome
from projections.paging import DEFAULT_PAGE_SIZE
from projections.rights_requests import RequestStatus, RightsRequestPage, list_rights_requests

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

TAG = "rights-requests"
#: Only the regisseur handles the rights of the youth (partners see no requests at all).
RIGHTS_ROLES = (PartnerRole.REGISSEUR,)
_REQUEST = ("request_id",)


class RightsRequestIn(Camel, forbid_unknown_fields=True):
    """A rights request: which right, who asks (a code, never a name), when it was received."""

    kind: RightsRequestKind
    requester: Requester
    """``jongere``, ``ouder_of_voogd`` or ``wettelijk_vertegenwoordiger``."""
    received_on: date


class RightsRequestExtensionIn(Camel, forbid_unknown_fields=True):
    """The one extension of a request's term (by two months), with the reason."""

    extended_on: date
    why: Text


class RightsRequestCompletionIn(Camel, forbid_unknown_fields=True):
    """How a request ended, and a note where useful."""

    completed_on: date
    outcome: RightsRequestOutcome
    note: Text | None = None


def _route(
    operation_id: str, path: str, body: type[Camel], method: str, summary: str, description: str
) -> CommandRoute:
    return CommandRoute(
        operation_id=operation_id,
        path=path,
        body=body,
        call=call_command(method),
        summary=summary,
        roles=RIGHTS_ROLES,
        description=description,
        extra_path_parameters=() if path == "/rights-requests" else _REQUEST,
        waits_for="rights_requests",
    )


COMMANDS: tuple[CommandRoute, ...] = (
    _route(
        "receiveRightsRequest",
        "/rights-requests",
        RightsRequestIn,
        "receive_rights_request",
        "Registreer een verzoek om inzage, correctie of verwijdering (entityId is het verzoek)",
        "De termijn is een kalendermaand na ontvangst (AVG art. 12 lid 3; ontvangen op 31 januari: "
        "uiterlijk 28 of 29 februari). Ook op een afgesloten traject.",
    ),
    _route(
        "extendRightsRequest",
        "/rights-requests/{request_id:uuid}/extension",
        RightsRequestExtensionIn,
        "extend_rights_request",
        "Verleng de termijn van een verzoek eenmaal met twee maanden, met de reden",
        "Alleen binnen de eerste termijn en zolang het verzoek open is (409 "
        "rights-request-already-extended of rights-request-completed).",
    ),
    _route(
        "completeRightsRequest",
        "/rights-requests/{request_id:uuid}/completion",
        RightsRequestCompletionIn,
        "complete_rights_request",
        "Registreer de afhandeling van een verzoek",
        "Eenmaal per verzoek; ook nadat de persoonsgegevens zijn verwijderd (het "
        "verwijderverzoek wordt daarna afgehandeld).",
    ),
)


@get(
    "/rights-requests",
    operation_id="listRightsRequests",
    opt={"personal_data": True},
    summary="Verzoeken van betrokkenen, de eerst verlopende termijn eerst",
    description=(
        "status open (niet afgehandeld), overdue (niet afgehandeld en de termijn is voorbij) of "
        "completed; kind inzage, correctie of verwijdering. Alleen voor de regisseur."
    ),
    tags=[TAG],
    guards=[requires(*RIGHTS_ROLES)],
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def list_requests(
    request: Request[Any, Any, Any],
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    status: Annotated[RequestStatus | None, QueryParameter(name="status")] = None,
    kind: Annotated[RightsRequestKind | None, QueryParameter(name="kind")] = None,
) -> RightsRequestPage:
    """List rights requests from their read model (overdue: against today)."""
    state = api_state(request)
    try:
        with state.connection() as connection:
            found = list_rights_requests(
                connection,
                state.schema,
                today=state.today(),
                status=None if status is None else status.value,
                kind=None if kind is None else kind.value,
                page=page,
                page_size=page_size,
            )
    except ValueError as error:
        raise query_error(error) from None
    shown(request, *dict.fromkeys(item.trajectory_id for item in found.items))
    return found


def handlers() -> list[HTTPRouteHandler]:
    """Every rights-request operation."""
    return [list_requests, *(command_handler(RESOURCE, route) for route in COMMANDS)]
