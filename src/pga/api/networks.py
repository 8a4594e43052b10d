"""/api/v1/networks: youth networks in the 7-stappenmodel, the board, and one operation per command.

Reads:

- ``GET /networks``: the network board as a list (by working name), paged, one step or all open
  networks (``includeClosed`` adds the closed files).
- ``GET /network-board``: the same rows grouped by step, one column per step in the model's order.
- ``GET /networks/{networkId}``: one network as its procesregisseur sees it (built from the
  aggregate, with the board's due date of the current step); its version is the ``ETag``.
- ``GET /networks/{networkId}/timeline``: the network's history, paged.
- ``GET /networks/{networkId}/graph``: the network and the youths on its name list (by reference,
  never by name) with their co-suspect links among each other.

Writes: one ``POST`` per command (see ``COMMANDS``), with ``If-Match`` as every command on an
existing aggregate. An id that is not a network's (unknown, or a trajectory's) is 404.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, QueryParameter

from pga.api.access import shown
from pga.api.commands import CommandRoute, Resource, command_handler, etag
from pga.api.common import (
    Camel,
    Organisation,
    Page,
    PageSize,
    PartnerIn,
    PartnerView,
    Text,
    call_command,
    query_error,
)
from pga.api.partners import network_view, timeline_view
from pga.api.problems import READ_PROBLEMS, NotResponsible
from pga.api.state import (
    NETWORK_ROLES,
    ApiState,
    api_state,
    partner_viewer,
    partner_views,
    requires,
)
from pga.application import AggregateNotFound
from pga.domain.common import LetterRecipients
from pga.domain.errors import UnknownEntity
from pga.domain.network import (
    ActionLevel,
    NetworkStep,
    YouthNetwork,
)
from pga.privacy.policy import NETWORK
from projections.control import ReadModelUnavailable
from projections.network_board import (
    Board,
    NetworkPage,
    board,
    get_network_row,
    list_networks,
)
from projections.network_graph import Graph, graph
from projections.paging import DEFAULT_PAGE_SIZE
from projections.partner_views import (
    PartnerNetwork,
    PartnerNetworkPage,
    PartnerTimelinePage,
    partner_networks,
)
from projections.timeline import TimelinePage, timeline

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from litestar.handlers import HTTPRouteHandler

    from pga.application import PgaApplication, Recorded
    from pga.recording import Actor, CommandContext

TAG = "networks"
_ETAG_HEADER = [
    ResponseHeader(name="ETag", description="De versie van het netwerk.", documentation_only=True)
]
#: The board and the graph are the regie's (the graph links named youths across cases).
_GUARDS = [requires(*NETWORK_ROLES)]
#: Lists, details and timelines: the regie, and partners their own views.
_READERS = [requires(*NETWORK_ROLES, partners=partner_views)]


# --- representations ---


class NetworkAssessment(Camel):
    """Step 2A's finding."""

    problematic: bool
    findings: str
    assessed_on: date


class NetworkStepOutputs(Camel):
    """What the current round of each step has produced (a back-step clears the later ones)."""

    assessment: NetworkAssessment | None
    """Step 2A: the assessment of the group behaviour."""
    police_advice_on: date | None
    """Step 2B: the police's name list, letter and advice."""
    interpretation_on: date | None
    """Step 3: the groepsduiding."""
    concept_plan_on: date | None
    """Step 3: the concept plan of approach."""
    advice_on: date | None
    """Step 4: the advice for the local triangle."""
    prioritised: bool | None
    """Step 4: the triangle's decision (``None``: not decided yet)."""
    plan_adopted_on: date | None
    """Step 5: the integral plan of approach."""
    monitoring_moments: int
    """Step 6: monitoring moments so far."""
    evaluated_on: date | None
    """Step 7: the evaluation."""


class NetworkMember(Camel):
    """A youth on the name list (from step 2B), with the trajectory where there is one."""

    member_id: UUID
    given_name: str
    family_name: str
    born_on: date | None
    role_in_group: str | None
    trajectory_id: UUID | None
    placed_on: date
    letter_recipients: LetterRecipients
    """Who gets the information letter about the placement (by age on ``placedOn``)."""
    informed_on: date | None
    """When the information letter was sent (``null``: not yet)."""


class NetworkAction(Camel):
    """One action of the integral plan."""

    action_id: UUID
    organisation: str
    level: ActionLevel
    description: str
    due_on: date
    member_id: UUID | None
    """The member a person-level action is about."""
    completed_on: date | None


class NetworkStepDeadline(Camel):
    """The current step's due date on today (from the network board)."""

    due_on: date | None
    """The day the step began plus its configured period (``None``: the step has none)."""
    overdue: bool
    days_in_step: int
    days_overdue: int


class NetworkDetail(Camel):
    """One youth network as its procesregisseur sees it."""

    id: UUID
    version: int
    working_name: str
    area: str
    procesregisseur: str
    procesregisseur_organisation: str
    opened_on: date
    historical_label: str | None
    step: NetworkStep
    step_since: date
    next_step: NetworkStep | None
    """Where advancing now leads (``None``: the step's output decides it and is missing, or the
    network cannot advance from here)."""
    missing_output: str | None
    """What the current step still has to produce before the network can advance."""
    outputs: NetworkStepOutputs
    partners: list[PartnerView]
    members: list[NetworkMember]
    actions: list[NetworkAction]
    signals: int
    """Signals shared so far."""
    closed_on: date | None
    deadline: NetworkStepDeadline | None
    """``None`` until the network board has processed the network."""


def network_detail(state: ApiState, network_id: UUID) -> NetworkDetail:
    """Build the detail representation from the aggregate and the board row (404 if unknown)."""
    return _detail(state, state.app.network(network_id))


def _detail(state: ApiState, network: YouthNetwork) -> NetworkDetail:
    try:
        with state.connection() as connection:
            row = get_network_row(
                connection, state.schema, network.id, today=state.today(), deadlines=state.deadlines
            )
    except ReadModelUnavailable:
        row = None  # the aggregate is the truth; the board's due date follows when it is built
    out = network.outputs
    assessment = out.assessment
    return NetworkDetail(
        id=network.id,
        version=network.version,
        working_name=network.working_name,
        area=network.area,
        procesregisseur=network.procesregisseur,
        procesregisseur_organisation=network.procesregisseur_organisation,
        opened_on=network.opened_on,
        historical_label=network.historical_label,
        step=network.step,
        step_since=network.step_since,
        next_step=None if network.is_closed else network.next_step(),
        missing_output=None if network.is_closed else network.missing_output(),
        outputs=NetworkStepOutputs(
            assessment=None
            if assessment is None
            else NetworkAssessment(
                problematic=assessment.problematic,
                findings=assessment.findings,
                assessed_on=assessment.assessed_on,
            ),
            police_advice_on=out.police_advice_on,
            interpretation_on=out.interpretation_on,
            concept_plan_on=out.concept_plan_on,
            advice_on=out.advice_on,
            prioritised=out.prioritised,
            plan_adopted_on=out.plan_adopted_on,
            monitoring_moments=out.monitoring_moments,
            evaluated_on=out.evaluated_on,
        ),
        partners=[PartnerView.of(partner) for partner in network.partners.values()],
        members=[
            NetworkMember(
                member_id=member.member_id,
                given_name=member.given_name,
                family_name=member.family_name,
                born_on=member.born_on,
                role_in_group=member.role_in_group,
                trajectory_id=member.trajectory_id,
                placed_on=member.placed_on,
                letter_recipients=member.letter_recipients,
                informed_on=member.informed_on,
            )
            for member in network.members.values()
        ],
        actions=[
            NetworkAction(
                action_id=action.action_id,
                organisation=action.organisation,
                level=action.level,
                description=action.description,
                due_on=action.due_on,
                member_id=action.member_id,
                completed_on=action.completed_on,
            )
            for action in network.actions.values()
        ],
        signals=network.signals,
        closed_on=network.closed_on,
        deadline=None
        if row is None
        else NetworkStepDeadline(
            due_on=row.due_on,
            overdue=row.overdue,
            days_in_step=row.days_in_step,
            days_overdue=row.days_overdue,
        ),
    )


RESOURCE = Resource(
    collection="/networks",
    id_parameter="network_id",
    read_model="network_board",
    represent=network_detail,
    detail_type=NetworkDetail,
    tag=TAG,
    load=lambda app, network_id: app.network(network_id),
    partner_read_model="partner_views",
    represent_partner=network_view,
    partner_type=PartnerNetwork,
    # As the GET does: the members the representation lists (a partner's may list none).
    shows=lambda state, network_id, shown: (
        state.app.network(network_id).members if shown.members else ()
    ),
)


# --- queries ---

IncludeClosed = Annotated[bool, QueryParameter(name="includeClosed")]


@get(
    "/networks",
    operation_id="listNetworks",
    opt={"personal_data": False},
    summary="Het netwerkbord als lijst: netwerken met stap, termijn en tellingen, per pagina",
    description=(
        "Een partnerrol krijgt de netwerken waarbij de eigen organisatie nu convenantpartner is, "
        "zoals het privacybeleid die rol ze laat zien."
    ),
    tags=[TAG],
    guards=_READERS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def list_network_rows(
    request: Request[Any, Any, Any],
    *,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    step: Annotated[NetworkStep | None, QueryParameter(name="step")] = None,
    include_closed: IncludeClosed = False,
) -> NetworkPage | PartnerNetworkPage:
    """List networks by working name (closed files only with ``includeClosed`` or that step)."""
    state = api_state(request)
    viewer = partner_viewer(request, *NETWORK_ROLES)
    if viewer is not None:
        with state.connection() as connection:
            return partner_networks(
                connection,
                state.schema,
                viewer,
                steps=() if step is None else (step.value,),
                closed=None if include_closed or step is not None else False,
                page=page,
                page_size=page_size,
            )
    try:
        with state.connection() as connection:
            return list_networks(
                connection,
                state.schema,
                today=state.today(),
                deadlines=state.deadlines,
                page=page,
                page_size=page_size,
                step=step,
                include_closed=include_closed,
            )
    except ValueError as error:
        raise query_error(error) from None


@get(
    "/network-board",
    operation_id="getNetworkBoard",
    opt={"personal_data": False},
    summary="Het netwerkbord: de netwerken per stap, langst in de stap eerst",
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_network_board(
    request: Request[Any, Any, Any], *, include_closed: IncludeClosed = False
) -> Board:
    """Return every network grouped by step (the closed files as a last column on request)."""
    state = api_state(request)
    try:
        with state.connection() as connection:
            return board(
                connection,
                state.schema,
                today=state.today(),
                deadlines=state.deadlines,
                include_closed=include_closed,
            )
    except ValueError as error:
        raise query_error(error) from None


@get(
    "/networks/{network_id:uuid}",
    operation_id="getNetwork",
    opt={"personal_data": True},
    summary="Eén jeugdnetwerk in zijn huidige toestand",
    description=(
        "Een partnerrol krijgt zijn eigen weergave, alleen zolang de eigen organisatie "
        "convenantpartner van het netwerk is; gegevens over personen pas vanaf stap 2B."
    ),
    tags=[TAG],
    guards=_READERS,
    responses=READ_PROBLEMS,
    response_headers=_ETAG_HEADER,
    sync_to_thread=True,
)
def get_network(
    request: Request[Any, Any, Any], network_id: FromPath[UUID]
) -> Response[NetworkDetail | PartnerNetwork]:
    """Return the network with its version as ``ETag`` (a partner: its own view)."""
    state = api_state(request)
    viewer = partner_viewer(request, *NETWORK_ROLES)
    if viewer is not None:
        view = network_view(state, network_id, viewer)
        # Partners' views carry no member ids; the aggregate names the youths they saw.
        members = state.app.network(network_id).members if view.members else ()
        shown(request, network_id, *members)
        headers = {} if view.version is None else {"ETag": etag(view.version)}
        return Response(view, headers=headers)
    detail = network_detail(state, network_id)
    shown(request, network_id, *(member.member_id for member in detail.members))
    return Response(detail, headers={"ETag": etag(detail.version)})


@get(
    "/networks/{network_id:uuid}/timeline",
    operation_id="getNetworkTimeline",
    opt={"personal_data": True},
    summary="De tijdlijn van een jeugdnetwerk",
    tags=[TAG],
    guards=_READERS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_network_timeline(
    request: Request[Any, Any, Any],
    network_id: FromPath[UUID],
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    order: Annotated[Literal["asc", "desc"], QueryParameter(name="order")] = "asc",
) -> TimelinePage | PartnerTimelinePage:
    """Return one page of the network's timeline (404 when there is no such network)."""
    state = api_state(request)
    network = state.app.network(network_id)  # 404 for an unknown id or a trajectory's id
    viewer = partner_viewer(request, *NETWORK_ROLES)
    shown(request, network_id, *network.members)  # the timeline shows their placements
    if viewer is not None:
        return timeline_view(
            state, network, NETWORK, viewer, page=page, page_size=page_size, order=order
        )
    try:
        with state.connection() as connection:
            return timeline(
                connection, state.schema, network_id, page=page, page_size=page_size, order=order
            )
    except ValueError as error:
        raise query_error(error) from None


@get(
    "/networks/{network_id:uuid}/graph",
    operation_id="getNetworkGraph",
    opt={"personal_data": True},
    summary="Het netwerk en de jongeren op zijn namenlijst, met hun medeverdachtenrelaties",
    description=(
        "Jongeren verschijnen alleen met een referentie (J-…), nooit met naam. Alleen de jongeren "
        "op de namenlijst van dit netwerk en de relaties tussen hen; niets van andere netwerken."
    ),
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_network_graph(request: Request[Any, Any, Any], network_id: FromPath[UUID]) -> Graph:
    """Return the graph of one network (404 when there is no such network)."""
    state = api_state(request)
    network = state.app.network(network_id)
    shown(request, network_id, *network.members)
    with state.connection() as connection:
        return graph(connection, state.schema, network_id=network_id)


# --- commands ---

Short = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
"""A working name, an area, a given or family name (the domain allows 100 characters)."""
UserId = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
#: The domain's ``HISTORICAL_LABELS`` (a unit test keeps the two equal).
HistoricalLabel = Literal["hinderlijk", "overlastgevend", "crimineel"]


class NetworkBody(Camel, forbid_unknown_fields=True):
    """Base of the network commands' bodies: camelCase, unknown fields refused."""


class OpenNetworkIn(NetworkBody):
    """A new group file at step 1, under a procesregisseur."""

    working_name: Short
    area: Short
    procesregisseur: UserId
    procesregisseur_organisation: Organisation
    opened_on: date
    historical_label: HistoricalLabel | None = None
    """Only as a historical label (the pre-2015 typing of youth groups)."""


class ProcesregisseurIn(NetworkBody):
    """The procesregisseur who takes the network over."""

    procesregisseur: UserId
    organisation: Organisation


class PartnerRemovalIn(NetworkBody):
    """A partner leaving the approach (it must own no open action)."""

    organisation: Organisation
    left_on: date


class GroupSignalIn(NetworkBody):
    """A signal about group behaviour (group level: no names)."""

    source_organisation: Organisation
    observed_on: date
    location: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Text
    online: bool


class AssessmentIn(NetworkBody):
    """Step 2A: whether the group behaviour is problematic."""

    problematic: bool
    findings: Text
    assessed_on: date


class MemberIn(NetworkBody):
    """A youth on the name list (from step 2B); ``trajectoryId`` links the youth's trajectory."""

    given_name: Short
    family_name: Short
    placed_on: date
    born_on: date | None = None
    role_in_group: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    trajectory_id: UUID | None = None


class MemberInformationLetterIn(NetworkBody):
    """When the information letter about a member's placement on the name list was sent."""

    sent_on: date


class MemberRemovalIn(NetworkBody):
    """Taking a youth off the name list, with the reason."""

    removed_on: date
    why: Text


class PoliceAdviceIn(NetworkBody):
    """Step 2B: the police's name list, letter and advice."""

    received_on: date
    group_scan_done: bool
    advice: Text


class InterpretationIn(NetworkBody):
    """Step 3: the groepsduiding."""

    recorded_on: date
    group_dynamics: Text
    roles: Text
    problem_type: Text
    context_description: Text
    chances: Text


class ConceptPlanIn(NetworkBody):
    """Step 3: the concept plan of approach and the organisations that wrote it."""

    drafted_on: date
    authors: Annotated[tuple[Organisation, ...], msgspec.Meta(min_length=1, max_length=50)]
    summary: Text


class AdviceIn(NetworkBody):
    """Step 4: the problem definition and advice for the local triangle."""

    issued_on: date
    problem_definition: Text
    advice: Text


class PrioritisationIn(NetworkBody):
    """Step 4: the local triangle's decision."""

    decided_on: date
    prioritised: bool
    instructions: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class ActionIn(NetworkBody):
    """An action of the integral plan; a person-level action names a member."""

    organisation: Organisation
    level: ActionLevel
    description: Text
    due_on: date
    member_id: UUID | None = None


class ActionCompletionIn(NetworkBody):
    """An action carried out."""

    completed_on: date
    outcome: Text


class IntegralPlanIn(NetworkBody):
    """Step 5: the integral plan adopted."""

    adopted_on: date


class MonitoringIn(NetworkBody):
    """Step 6: a monitoring moment."""

    monitored_on: date
    indicators: Text


class EvaluationIn(NetworkBody):
    """Step 7: the evaluation and who carries out what remains."""

    evaluated_on: date
    findings: Text
    remaining_actions: Text


class StepAdvanceIn(NetworkBody):
    """Moving to the next step: the one the current step's output leads to."""

    to_step: NetworkStep
    on: date


class StepBackIn(NetworkBody):
    """Going back to an earlier step, with the reason (before 2B the name list is destroyed)."""

    to_step: NetworkStep
    on: date
    why: Text


class NetworkClosureIn(NetworkBody):
    """Closing the file (from step 1, 2A licht, not prioritised, or after the evaluation)."""

    on: date
    why: Text


def _place_member(
    app: PgaApplication,
    context: CommandContext,
    network_id: UUID | None,
    version: int | None,
    body: MemberIn,
    path: Mapping[str, Any],
) -> Recorded:
    """Place a member; a ``trajectoryId`` naming no trajectory is an ``unknown-reference``.

    The application reports it as a missing aggregate, which would read as "this network does
    not exist" (``not-found``); the problem names the body's reference instead.
    """
    try:
        return call_command("place_member")(app, context, network_id, version, body, path)
    except AggregateNotFound as error:
        if body.trajectory_id is not None and error.aggregate_id == body.trajectory_id:
            raise UnknownEntity("trajectory", body.trajectory_id) from None
        raise


def _own_signal(
    user: Actor, _network: YouthNetwork, body: GroupSignalIn, _path: Mapping[str, Any]
) -> None:
    """Refuse a partner's signal shared as another organisation."""
    if body.source_organisation != user.organisation:
        msg = "Een partner deelt een signaal alleen als de eigen organisatie."
        raise NotResponsible(detail=msg)


def _responsible_for_action(
    user: Actor,
    network: YouthNetwork,
    _body: Any,  # noqa: ANN401
    path: Mapping[str, Any],
) -> None:
    """Refuse a partner completing an action another organisation is responsible for."""
    action = network.actions.get(path["action_id"])
    if action is not None and action.organisation != user.organisation:
        msg = "Alleen de verantwoordelijke organisatie legt vast dat een actie is uitgevoerd."
        raise NotResponsible(detail=msg)


def _route(
    operation_id: str,
    path: str,
    body: type[msgspec.Struct],
    method: str | Callable[..., Recorded],
    summary: str,
    *extra: str,
    creates: bool = False,
    description: str = "",
    partner_check: Any = None,  # noqa: ANN401 - see CommandRoute.partner_check
    waits_for: str | None = None,
) -> CommandRoute:
    """Describe a network command, open to ``NETWORK_ROLES`` (partners per the policy)."""
    return CommandRoute(
        operation_id=operation_id,
        path=path,
        body=body,
        call=call_command(method) if isinstance(method, str) else method,
        summary=summary,
        roles=NETWORK_ROLES,
        description=description,
        creates=creates,
        extra_path_parameters=extra,
        partner_check=partner_check,
        waits_for=waits_for,
    )


COMMANDS: tuple[CommandRoute, ...] = (
    _route(
        "openNetwork",
        "",
        OpenNetworkIn,
        "open_network",
        "Open een groepsdossier (stap 1: signalen delen)",
        creates=True,
    ),
    _route(
        "assignProcesregisseur",
        "/procesregisseur-assignments",
        ProcesregisseurIn,
        "assign_procesregisseur",
        "Draag het netwerk over aan een andere procesregisseur",
    ),
    _route(
        "joinNetworkPartner",
        "/partners",
        PartnerIn,
        "join_network_partner",
        "Laat een convenantpartner aansluiten bij de aanpak",
        description="Het antwoord volgt zodra de partner het netwerk ziet.",
        waits_for="partner_views",
    ),
    _route(
        "removeNetworkPartner",
        "/partner-removals",
        PartnerRemovalIn,
        "remove_network_partner",
        "Laat een partner de aanpak verlaten (zonder openstaande acties)",
        description="Het antwoord volgt zodra de partner het netwerk niet meer ziet.",
        waits_for="partner_views",
    ),
    _route(
        "shareSignal",
        "/signals",
        GroupSignalIn,
        "share_signal",
        "Deel een signaal over groepsgedrag (groepsniveau, geen namen)",
        partner_check=_own_signal,
    ),
    _route(
        "assessBehaviour",
        "/behaviour-assessments",
        AssessmentIn,
        "assess_behaviour",
        "Stap 2A: beoordeel of het groepsgedrag problematisch is",
    ),
    _route(
        "placeMember",
        "/members",
        MemberIn,
        _place_member,
        "Plaats een jongere op de namenlijst (vanaf stap 2B)",
        description=(
            "Met trajectoryId is het lid de jongere van dat PGA-traject; het traject legt de "
            "koppeling vast in dezelfde transactie (zijn versie verandert dus ook). entityId in "
            "het antwoord is het id van het lid."
        ),
    ),
    _route(
        "informMember",
        "/members/{member_id:uuid}/information-letters",
        MemberInformationLetterIn,
        "inform_member",
        "Leg vast wanneer de informatiebrief over de plaatsing op de namenlijst is verstuurd",
        "member_id",
        description=(
            "De brief gaat naar de ouders (jonger dan 12), de jongere en de ouders (12 tot en met "
            "15) of de jongere (16 en ouder), naar de leeftijd op de plaatsingsdatum; zonder "
            "geboortedatum naar de jongere en de ouders. Eén keer per lid (409, "
            "information-letter-already-sent)."
        ),
    ),
    _route(
        "removeMember",
        "/members/{member_id:uuid}/removal",
        MemberRemovalIn,
        "remove_member",
        "Haal een jongere van de namenlijst, met reden",
        "member_id",
    ),
    _route(
        "receivePoliceAdvice",
        "/police-advices",
        PoliceAdviceIn,
        "receive_police_advice",
        "Stap 2B: leg de namenlijst, brief en het advies van de politie vast",
    ),
    _route(
        "recordInterpretation",
        "/interpretations",
        InterpretationIn,
        "record_interpretation",
        "Stap 3: leg de groepsduiding vast",
    ),
    _route(
        "draftConceptPlan",
        "/concept-plans",
        ConceptPlanIn,
        "draft_concept_plan",
        "Stap 3: leg het concept plan van aanpak vast",
    ),
    _route(
        "issueAdvice",
        "/advices",
        AdviceIn,
        "issue_advice",
        "Stap 4: leg de probleemschets en het advies aan de lokale driehoek vast",
    ),
    _route(
        "decidePrioritisation",
        "/prioritisation-decisions",
        PrioritisationIn,
        "decide_prioritisation",
        "Stap 4: leg het besluit van de driehoek vast (wel of niet geprioriteerd)",
    ),
    _route(
        "planAction",
        "/actions",
        ActionIn,
        "plan_action",
        "Plan een actie van het integraal plan van aanpak (stap 5-6)",
        description="entityId in het antwoord is het id van de actie.",
    ),
    _route(
        "completeAction",
        "/actions/{action_id:uuid}/completion",
        ActionCompletionIn,
        "complete_action",
        "Leg vast dat een actie is uitgevoerd (stap 6-7)",
        "action_id",
        partner_check=_responsible_for_action,
    ),
    _route(
        "adoptIntegralPlan",
        "/integral-plans",
        IntegralPlanIn,
        "adopt_integral_plan",
        "Stap 5: stel het integraal plan van aanpak vast",
    ),
    _route(
        "recordMonitoring",
        "/monitorings",
        MonitoringIn,
        "record_monitoring",
        "Stap 6: leg een monitoringsmoment vast",
    ),
    _route(
        "completeEvaluation",
        "/evaluations",
        EvaluationIn,
        "complete_evaluation",
        "Stap 7: leg de evaluatie vast",
    ),
    _route(
        "advanceNetwork",
        "/steps",
        StepAdvanceIn,
        "advance_network",
        "Ga naar de volgende stap (de uitkomst van de huidige stap moet er zijn)",
    ),
    _route(
        "stepBackNetwork",
        "/step-backs",
        StepBackIn,
        "step_back_network",
        "Ga terug naar een eerdere stap, met reden (vóór 2B vervalt de namenlijst)",
    ),
    _route(
        "closeNetwork",
        "/closure",
        NetworkClosureIn,
        "close_network",
        "Sluit het groepsdossier",
    ),
)


def handlers() -> list[HTTPRouteHandler]:
    """Every /networks operation, and the network board."""
    return [
        list_network_rows,
        get_network_board,
        get_network,
        get_network_timeline,
        get_network_graph,
        *(command_handler(RESOURCE, route) for route in COMMANDS),
    ]
