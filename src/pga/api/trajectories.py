"""/api/v1/trajectories: the caseload, one trajectory, its timeline, and one operation per command."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, QueryParameter

from pga.api.commands import CommandRoute, Resource, command_handler, etag
from pga.api.problems import READ_PROBLEMS, BadRequest, InvalidParam
from pga.api.state import TRAJECTORY_ROLES, ApiState, api_state, requires
from pga.domain.trajectory import Regisseur, Trajectory
from projections.caseload import (
    CaseloadPage,
    CaseloadQuery,
    Signal,
    get_caseload_row,
    list_caseload,
)
from projections.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from projections.timeline import TimelinePage, timeline

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

    from pga.application import PgaApplication, Recorded
    from pga.recording import CommandContext

TAG = "trajectories"
_ETAG_HEADER = [
    ResponseHeader(name="ETag", description="De versie van het traject.", documentation_only=True)
]


# --- representations ---


class Camel(msgspec.Struct, kw_only=True, rename="camel"):
    """Base of the API's own JSON shapes: camelCase keys (ADR /core/naming)."""


class RegisseurView(Camel):
    """The regisseur directing a trajectory."""

    user_id: str
    organisation: str


class TrajectoryDetail(Camel):
    """One trajectory's current state, with the caseload's signals for today."""

    id: UUID
    version: int
    subject_id: UUID
    status: str
    given_name: str | None
    family_name: str | None
    born_on: date | None
    offence_category: str
    suspected_on: date
    referred_on: date
    referring_organisation: str
    regisseur: RegisseurView
    signals: list[Signal]
    erased: bool


def trajectory_detail(state: ApiState, trajectory_id: FromPath[UUID]) -> TrajectoryDetail:
    """Build the detail representation from the aggregate and the caseload row."""
    trajectory = state.app.trajectory(trajectory_id)
    return _detail(state, trajectory)


def _detail(state: ApiState, trajectory: Trajectory) -> TrajectoryDetail:
    with state.connection() as connection:
        row = get_caseload_row(
            connection, state.schema, trajectory.id, today=state.today(), thresholds=state.thresholds
        )
    return TrajectoryDetail(
        id=trajectory.id,
        version=trajectory.version,
        subject_id=trajectory.subject_id,
        status=str(trajectory.status),
        given_name=trajectory.given_name,
        family_name=trajectory.family_name,
        born_on=trajectory.born_on,
        offence_category=trajectory.offence_category,
        suspected_on=trajectory.suspected_on,
        referred_on=trajectory.referred_on,
        referring_organisation=trajectory.referring_organisation,
        regisseur=RegisseurView(
            user_id=trajectory.regisseur.user_id, organisation=trajectory.regisseur.organisation
        ),
        signals=[] if row is None else list(row.signals),
        erased=trajectory.erased,
    )


RESOURCE = Resource(
    collection="/trajectories",
    id_parameter="trajectory_id",
    read_model="caseload",
    represent=trajectory_detail,
    detail_type=TrajectoryDetail,
    tag=TAG,
)


# --- queries ---


@get(
    "/trajectories",
    operation_id="listTrajectories",
    summary="De caseload: trajecten met signalen, te filteren, sorteren en pagineren",
    tags=[TAG],
    guards=[requires(*TRAJECTORY_ROLES)],
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def list_trajectories(
    request: Request[Any, Any, Any],
    page: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    page_size: Annotated[
        int, QueryParameter(name="pageSize", ge=1, le=MAX_PAGE_SIZE)
    ] = DEFAULT_PAGE_SIZE,
    status: Annotated[list[str] | None, QueryParameter(name="status")] = None,
    closed: Annotated[bool | None, QueryParameter(name="closed")] = None,
    regisseur: Annotated[str | None, QueryParameter(name="regisseur")] = None,
    offence_category: Annotated[
        str | None, QueryParameter(name="offenceCategory")
    ] = None,
    signal: Annotated[Signal | None, QueryParameter(name="signal")] = None,
    sort: Annotated[str, QueryParameter(name="sort")] = "next_due_on",
    order: Annotated[str, QueryParameter(name="order")] = "asc",
) -> CaseloadPage:
    """List trajectories from the caseload read model."""
    state = api_state(request)
    try:
        query = CaseloadQuery(
            statuses=tuple(status or ()),
            closed=closed,
            regisseur_user=regisseur,
            offence_category=offence_category,
            signal=None if signal is None else signal.value,
            sort=sort,
            order=order,
            page=page,
            page_size=page_size,
        )
    except ValueError as error:
        raise _query_error(error) from None
    with state.connection() as connection:
        return list_caseload(
            connection, state.schema, query, today=state.today(), thresholds=state.thresholds
        )


def _query_error(error: ValueError) -> BadRequest:
    """A query value the read model refused: its message names the field (never a value)."""
    message = str(error)
    name = message.split(" ", 1)[0]
    return BadRequest(
        f"Ongeldige query-parameter: {message}.",
        rule="invalid-query",
        params=[InvalidParam(name=name, reason=message, source="query")],
    )


@get(
    "/trajectories/{trajectory_id:uuid}",
    operation_id="getTrajectory",
    summary="Eén traject in zijn huidige toestand",
    tags=[TAG],
    guards=[requires(*TRAJECTORY_ROLES)],
    responses=READ_PROBLEMS,
    response_headers=_ETAG_HEADER,
    sync_to_thread=True,
)
def get_trajectory(request: Request[Any, Any, Any], trajectory_id: FromPath[UUID]) -> Response[TrajectoryDetail]:
    """Return the trajectory with its version as ``ETag``."""
    state = api_state(request)
    detail = _detail(state, state.app.trajectory(trajectory_id))
    return Response(detail, headers={"ETag": etag(detail.version)})


@get(
    "/trajectories/{trajectory_id:uuid}/timeline",
    operation_id="getTrajectoryTimeline",
    summary="De tijdlijn van een traject, met correcties",
    tags=[TAG],
    guards=[requires(*TRAJECTORY_ROLES)],
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_timeline(
    request: Request[Any, Any, Any],
    trajectory_id: FromPath[UUID],
    page: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    page_size: Annotated[
        int, QueryParameter(name="pageSize", ge=1, le=MAX_PAGE_SIZE)
    ] = DEFAULT_PAGE_SIZE,
    order: Annotated[str, QueryParameter(name="order")] = "asc",
) -> TimelinePage:
    """Return one page of the trajectory's timeline (404 when there is no such trajectory)."""
    state = api_state(request)
    state.app.trajectory(trajectory_id)  # 404 for an unknown id or a network's id
    with state.connection() as connection:
        try:
            return timeline(
                connection, state.schema, trajectory_id, page=page, page_size=page_size, order=order
            )
        except ValueError as error:
            raise _query_error(error) from None


# --- commands ---


class RegisseurIn(Camel, forbid_unknown_fields=True):
    """The regisseur: a user id and the organisation they work for."""

    user_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    organisation: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]

    def value(self) -> Regisseur:
        """The domain value."""
        return Regisseur(user_id=self.user_id, organisation=self.organisation)


Text = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ReferralIn(Camel, forbid_unknown_fields=True):
    """A referral: the minor, the suspected offence and who refers."""

    given_name: Name
    family_name: Name
    born_on: date
    offence_category: Code
    suspected_on: date
    referred_on: date
    police_reference: Reference
    referring_organisation: Code
    regisseur: RegisseurIn


def _refer(
    app: PgaApplication,
    context: CommandContext,
    _id: UUID | None,
    _version: int | None,
    body: ReferralIn,
    _path: Any,  # noqa: ANN401
) -> Recorded:
    return app.refer(
        context,
        given_name=body.given_name,
        family_name=body.family_name,
        born_on=body.born_on,
        offence_category=body.offence_category,
        suspected_on=body.suspected_on,
        referred_on=body.referred_on,
        police_reference=body.police_reference,
        referring_organisation=body.referring_organisation,
        regisseur=body.regisseur.value(),
    )


class ArrestIn(Camel, forbid_unknown_fields=True):
    """An arrest of the youth, with the offence and the police reference."""

    arrested_on: date
    offence_category: Code
    police_reference: Reference


def _plain(method: str) -> Any:  # noqa: ANN401
    """Call ``app.<method>(context, id, version, **body)`` (body fields are the keyword names)."""

    def call(
        app: PgaApplication,
        context: CommandContext,
        aggregate_id: UUID | None,
        version: int | None,
        body: msgspec.Struct,
        _path: Any,  # noqa: ANN401
    ) -> Recorded:
        fields = {name: getattr(body, name) for name in body.__struct_fields__}
        result: Recorded = getattr(app, method)(context, aggregate_id, version, **fields)
        return result

    return call


COMMANDS: tuple[CommandRoute, ...] = (
    CommandRoute(
        operation_id="referTrajectory",
        path="",
        body=ReferralIn,
        call=_refer,
        summary="Meld een minderjarige aan (opent een traject met status aangemeld)",
        roles=TRAJECTORY_ROLES,
        creates=True,
    ),
    CommandRoute(
        operation_id="recordArrest",
        path="/arrests",
        body=ArrestIn,
        call=_plain("record_arrest"),
        summary="Registreer een aanhouding",
        roles=TRAJECTORY_ROLES,
    ),
)


def handlers() -> list[HTTPRouteHandler]:
    """Every /trajectories operation."""
    return [
        list_trajectories,
        get_trajectory,
        get_timeline,
        *(command_handler(RESOURCE, route) for route in COMMANDS),
    ]
