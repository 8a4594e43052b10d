"""/api/v1/trajectories: the caseload, one trajectory, its timeline, one operation per command."""

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
    Code,
    Page,
    PageSize,
    PartnerIn,
    PartnerView,
    Text,
    call_command,
    query_error,
)
from pga.api.partners import refuse_regie_filters, timeline_view, trajectory_view
from pga.api.problems import READ_PROBLEMS, NotResponsible
from pga.api.state import (
    TRAJECTORY_ROLES,
    ApiState,
    api_state,
    partner_viewer,
    partner_views,
    requires,
)
from pga.domain.catalogue import PartnerRole
from pga.domain.common import LetterRecipients
from pga.domain.trajectory import (
    MAX_ABSENCE_HOURS,
    CorrectedField,
    InterventionState,
    PlanGoal,
    Regisseur,
    Trajectory,
    TrajectoryStatus,
)
from pga.privacy.policy import TRAJECTORY
from projections.caseload import (
    CaseloadPage,
    CaseloadQuery,
    Signal,
    get_caseload_row,
    list_caseload,
)
from projections.control import ReadModelUnavailable
from projections.paging import DEFAULT_PAGE_SIZE
from projections.partner_views import (
    PartnerTimelinePage,
    PartnerTrajectory,
    PartnerTrajectoryPage,
    partner_trajectories,
)
from projections.timeline import TimelinePage, timeline

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from litestar.handlers import HTTPRouteHandler

    from pga.application import PgaApplication, Recorded
    from pga.recording import Actor, CommandContext

TAG = "trajectories"
_ETAG_HEADER = [
    ResponseHeader(name="ETag", description="De versie van het traject.", documentation_only=True)
]


# --- representations ---


class RegisseurView(Camel):
    """The regisseur directing a trajectory."""

    user_id: str
    organisation: str


class TrajectoryIntervention(Camel):
    """An intervention of the plan and where it is in its lifecycle."""

    id: UUID
    kind: str
    responsible_organisation: str
    legal_basis: str
    planned_start: date
    planned_end: date
    status: InterventionState
    started_on: date | None
    ended_on: date | None
    """When it was completed or aborted."""


class TrajectoryPlanGoal(Camel):
    """One goal of the plan of approach."""

    id: UUID
    life_domain: str
    description: str
    responsible_organisation: str
    due_on: date


class TrajectoryPlan(Camel):
    """The current plan of approach."""

    revision: int
    """1 for the first plan, +1 for every revised plan."""
    adopted_on: date
    goals: list[TrajectoryPlanGoal]
    agreements: str | None
    under_revision: bool
    """The plan is being revised (status ``bijstelling``)."""


class TrajectoryLifeDomainScore(Camel):
    """The latest score on one life domain (1 = acute problems, 5 = fully self-reliant)."""

    life_domain: str
    score: int
    instrument: str
    scored_on: date


class TrajectoryMayorOrder(Camel):
    """An art. 172a order and how often it was extended."""

    id: UUID
    kind: str
    starts_on: date
    ends_on: date
    extensions: int


class TrajectoryNetworkLink(Camel):
    """A youth network the youth is on the name list of."""

    network_id: UUID
    linked_on: date


class TrajectoryCounts(Camel):
    """How often something was recorded on the trajectory."""

    arrests: int
    police_contacts: int
    school_signals: int
    jit_steps: int
    care_reports: int
    case_conferences: int
    corrections: int


class TrajectoryInformationLetter(Camel):
    """The information letter about the referral (informatieplicht, AVG art. 14)."""

    recipients: LetterRecipients
    """To whom, by the youth's age on the referral date."""
    due_on: date
    """The referral date plus the configured period (``PGA_INFORMATION_LETTER_DAYS``)."""
    sent_on: date | None
    """When it was sent (``null``: not yet)."""


class TrajectoryDetail(Camel):
    """One trajectory's current state, with the caseload's signals for today."""

    id: UUID
    version: int
    subject_id: UUID
    status: TrajectoryStatus
    given_name: str | None
    family_name: str | None
    born_on: date | None
    offence_category: str
    suspected_on: date
    referred_on: date
    referring_organisation: str
    bsn: str | None
    """The youth's burgerservicenummer, if recorded (stored encrypted; the regisseur's view)."""
    information_letter: TrajectoryInformationLetter
    regisseur: RegisseurView
    partners: list[PartnerView]
    """Partners involved now (a withdrawn one is no longer listed: need-to-know ends)."""
    plan: TrajectoryPlan | None
    interventions: list[TrajectoryIntervention]
    life_domain_scores: list[TrajectoryLifeDomainScore]
    mayor_orders: list[TrajectoryMayorOrder]
    networks: list[TrajectoryNetworkLink]
    police_home_visit_on: date | None
    intake_on: date | None
    next_case_conference_on: date | None
    escalated_to: str | None
    """``zvh`` or ``topx`` while the trajectory is escalated."""
    closed_on: date | None
    closing_reason: str | None
    counts: TrajectoryCounts
    signals: list[Signal] | None
    """Today's caseload signals; ``null`` while the caseload read model is not built yet."""
    erased: bool


def trajectory_detail(state: ApiState, trajectory_id: FromPath[UUID]) -> TrajectoryDetail:
    """Build the detail representation from the aggregate and the caseload row."""
    trajectory = state.app.trajectory(trajectory_id)
    return _detail(state, trajectory)


def _detail(state: ApiState, trajectory: Trajectory) -> TrajectoryDetail:
    signals: list[Signal] | None
    try:
        with state.connection() as connection:
            row = get_caseload_row(
                connection,
                state.schema,
                trajectory.id,
                today=state.today(),
                thresholds=state.thresholds,
            )
    except ReadModelUnavailable:
        signals = None  # the caseload is not built yet (a new database just after start)
    else:
        signals = [] if row is None else list(row.signals)
    return TrajectoryDetail(
        id=trajectory.id,
        version=trajectory.version,
        subject_id=trajectory.subject_id,
        status=trajectory.status,
        given_name=trajectory.given_name,
        family_name=trajectory.family_name,
        born_on=trajectory.born_on,
        offence_category=trajectory.offence_category,
        suspected_on=trajectory.suspected_on,
        referred_on=trajectory.referred_on,
        referring_organisation=trajectory.referring_organisation,
        bsn=trajectory.bsn,
        information_letter=TrajectoryInformationLetter(
            recipients=trajectory.letter_recipients,
            due_on=state.thresholds.information_letter_due_on(trajectory.referred_on),
            sent_on=trajectory.letter_sent_on,
        ),
        regisseur=RegisseurView(
            user_id=trajectory.regisseur.user_id, organisation=trajectory.regisseur.organisation
        ),
        partners=[PartnerView.of(partner) for partner in trajectory.partners.values()],
        plan=_plan(trajectory),
        interventions=[
            TrajectoryIntervention(
                id=item.intervention_id,
                kind=item.kind,
                responsible_organisation=item.responsible_organisation,
                legal_basis=item.legal_basis,
                planned_start=item.planned_start,
                planned_end=item.planned_end,
                status=item.state,
                started_on=item.started_on,
                ended_on=item.ended_on,
            )
            for item in trajectory.interventions.values()
        ],
        life_domain_scores=[
            TrajectoryLifeDomainScore(
                life_domain=domain,
                score=scored.score,
                instrument=scored.instrument,
                scored_on=scored.scored_on,
            )
            for domain, scored in sorted(trajectory.life_domain_scores.items())
        ],
        mayor_orders=[
            TrajectoryMayorOrder(
                id=order.order_id,
                kind=order.kind,
                starts_on=order.starts_on,
                ends_on=order.ends_on,
                extensions=order.extensions,
            )
            for order in trajectory.mayor_orders.values()
        ],
        networks=[
            TrajectoryNetworkLink(network_id=network_id, linked_on=linked_on)
            for network_id, linked_on in trajectory.networks.items()
        ],
        police_home_visit_on=trajectory.police_home_visit_on,
        intake_on=trajectory.intake_on,
        next_case_conference_on=trajectory.next_case_conference_on,
        escalated_to=trajectory.escalated_to,
        closed_on=trajectory.closed_on,
        closing_reason=trajectory.closing_reason,
        counts=TrajectoryCounts(
            arrests=trajectory.arrests,
            police_contacts=trajectory.police_contacts,
            school_signals=trajectory.school_signals,
            jit_steps=trajectory.jit_steps,
            care_reports=trajectory.care_reports,
            case_conferences=trajectory.case_conferences,
            corrections=trajectory.corrections,
        ),
        signals=signals,
        erased=trajectory.erased,
    )


def _plan(trajectory: Trajectory) -> TrajectoryPlan | None:
    plan = trajectory.plan
    if plan is None:
        return None
    return TrajectoryPlan(
        revision=plan.revision,
        adopted_on=plan.adopted_on,
        goals=[
            TrajectoryPlanGoal(
                id=goal.goal_id,
                life_domain=goal.life_domain,
                description=goal.description,
                responsible_organisation=goal.responsible_organisation,
                due_on=goal.due_on,
            )
            for goal in plan.goals
        ],
        agreements=plan.agreements,
        under_revision=trajectory.status == TrajectoryStatus.BIJSTELLING,
    )


RESOURCE = Resource(
    collection="/trajectories",
    id_parameter="trajectory_id",
    read_model="caseload",
    represent=trajectory_detail,
    detail_type=TrajectoryDetail,
    tag=TAG,
    load=lambda app, trajectory_id: app.trajectory(trajectory_id),
    partner_read_model="partner_views",
    represent_partner=trajectory_view,
    partner_type=PartnerTrajectory,
)
_READERS = [requires(*TRAJECTORY_ROLES, partners=partner_views)]
#: List parameters only the regisseur's caseload offers.
_REGIE_FILTERS = (
    "regisseur",
    "offenceCategory",
    "signal",
    "rightsRequestOverdue",
    "sort",
    "order",
)


# --- queries ---


@get(
    "/trajectories",
    operation_id="listTrajectories",
    opt={"personal_data": True},
    summary="De caseload: trajecten met signalen, te filteren, sorteren en pagineren",
    description=(
        "De regisseur krijgt de caseload, per traject ook de open verzoeken van betrokkenen "
        "(rightsRequests: hoeveel, de eerste uiterste datum, of er een te laat is). Een "
        "partnerrol krijgt de trajecten waarbij de eigen organisatie nu betrokken is, zoals het "
        "privacybeleid die rol ze laat zien (alleen page, pageSize, status en closed), en niets "
        "over verzoeken van betrokkenen."
    ),
    tags=[TAG],
    guards=_READERS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def list_trajectories(
    request: Request[Any, Any, Any],
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    status: Annotated[list[str] | None, QueryParameter(name="status")] = None,
    closed: Annotated[bool | None, QueryParameter(name="closed")] = None,
    regisseur: Annotated[
        str | None, QueryParameter(name="regisseur", min_length=1, max_length=200)
    ] = None,
    offence_category: Annotated[
        str | None, QueryParameter(name="offenceCategory", min_length=1, max_length=100)
    ] = None,
    signal: Annotated[Signal | None, QueryParameter(name="signal")] = None,
    rights_request_overdue: Annotated[
        bool | None,
        QueryParameter(
            name="rightsRequestOverdue",
            description="true: alleen trajecten met een verzoek van een betrokkene (inzage, "
            "correctie, verwijdering) dat vandaag te laat is, ook gesloten en verwijderde; "
            "false: alleen trajecten zonder zo'n verzoek.",
        ),
    ] = None,
    sort: Annotated[str, QueryParameter(name="sort")] = "next_due_on",
    order: Annotated[str, QueryParameter(name="order")] = "asc",
) -> CaseloadPage | PartnerTrajectoryPage:
    """List trajectories from the caseload read model (a partner: from its own view)."""
    state = api_state(request)
    viewer = partner_viewer(request, *TRAJECTORY_ROLES)
    if viewer is not None:
        refuse_regie_filters(request, _REGIE_FILTERS)
        try:
            with state.connection() as connection:
                rows = partner_trajectories(
                    connection,
                    state.schema,
                    viewer,
                    statuses=status or (),
                    closed=closed,
                    page=page,
                    page_size=page_size,
                )
        except ValueError as error:
            raise query_error(error) from None
        shown(request, *(item.id for item in rows.items))
        return rows
    try:
        query = CaseloadQuery(
            statuses=tuple(status or ()),
            closed=closed,
            regisseur_user=regisseur,
            offence_category=offence_category,
            signal=None if signal is None else signal.value,
            rights_request_overdue=rights_request_overdue,
            sort=sort,
            order=order,
            page=page,
            page_size=page_size,
        )
    except ValueError as error:
        raise query_error(error) from None
    with state.connection() as connection:
        caseload = list_caseload(
            connection, state.schema, query, today=state.today(), thresholds=state.thresholds
        )
    # The trajectory ids suffice: the log finds a youth's entries through any of its ids.
    shown(request, *(item.trajectory_id for item in caseload.items))
    return caseload


@get(
    "/trajectories/{trajectory_id:uuid}",
    operation_id="getTrajectory",
    opt={"personal_data": True},
    summary="Eén traject in zijn huidige toestand",
    description=(
        "De regisseur krijgt het hele traject. Een partnerrol krijgt zijn eigen weergave, "
        "alleen zolang de eigen organisatie betrokken is (daarna: access former); 404 als "
        "de organisatie er in deze rol nooit bij betrokken was."
    ),
    tags=[TAG],
    guards=_READERS,
    responses=READ_PROBLEMS,
    response_headers=_ETAG_HEADER,
    sync_to_thread=True,
)
def get_trajectory(
    request: Request[Any, Any, Any], trajectory_id: FromPath[UUID]
) -> Response[TrajectoryDetail | PartnerTrajectory]:
    """Return the trajectory with its version as ``ETag`` (a partner: its own view)."""
    state = api_state(request)
    viewer = partner_viewer(request, *TRAJECTORY_ROLES)
    if viewer is not None:
        view = trajectory_view(state, trajectory_id, viewer)
        shown(request, trajectory_id)
        headers = {} if view.version is None else {"ETag": etag(view.version)}
        return Response(view, headers=headers)
    detail = _detail(state, state.app.trajectory(trajectory_id))
    shown(request, trajectory_id, detail.subject_id)
    return Response(detail, headers={"ETag": etag(detail.version)})


@get(
    "/trajectories/{trajectory_id:uuid}/timeline",
    operation_id="getTrajectoryTimeline",
    opt={"personal_data": True},
    summary="De tijdlijn van een traject, met correcties",
    description=(
        "Een partnerrol ziet elk feit op het niveau dat het privacybeleid die rol geeft, en "
        "wat de eigen organisatie vastlegde of uitvoert op het eigen niveau."
    ),
    tags=[TAG],
    guards=_READERS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_timeline(
    request: Request[Any, Any, Any],
    trajectory_id: FromPath[UUID],
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    order: Annotated[str, QueryParameter(name="order")] = "asc",
) -> TimelinePage | PartnerTimelinePage:
    """Return one page of the trajectory's timeline (404 when there is no such trajectory)."""
    state = api_state(request)
    trajectory = state.app.trajectory(trajectory_id)  # 404 for an unknown id or a network's id
    viewer = partner_viewer(request, *TRAJECTORY_ROLES)
    shown(request, trajectory_id)
    if viewer is not None:
        return timeline_view(
            state, trajectory, TRAJECTORY, viewer, page=page, page_size=page_size, order=order
        )
    with state.connection() as connection:
        try:
            return timeline(
                connection, state.schema, trajectory_id, page=page, page_size=page_size, order=order
            )
        except ValueError as error:
            raise query_error(error) from None


# --- commands ---


class RegisseurIn(Camel, forbid_unknown_fields=True):
    """The regisseur: a user id and the organisation they work for."""

    user_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    organisation: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]

    def value(self) -> Regisseur:
        """Return the domain value."""
        return Regisseur(user_id=self.user_id, organisation=self.organisation)


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


#: At most this many names or organisations in one list (attendees, participants).
MAX_LIST = 50
#: At most this many goals in one plan.
MAX_GOALS = 50

Attendees = Annotated[list[Name], msgspec.Meta(min_length=1, max_length=MAX_LIST)]
Organisations = Annotated[list[Code], msgspec.Meta(min_length=1, max_length=MAX_LIST)]
Score = Annotated[int, msgspec.Meta(ge=1, le=5)]
AbsenceHours = Annotated[int, msgspec.Meta(ge=1, le=MAX_ABSENCE_HOURS)]
Version = Annotated[int, msgspec.Meta(ge=1)]
Area = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class PartnerWithdrawalIn(Camel, forbid_unknown_fields=True):
    """A partner's involvement ends (need-to-know ends), with the reason."""

    organisation: Code
    withdrawn_on: date
    why: Text


class PoliceHomeVisitIn(Camel, forbid_unknown_fields=True):
    """The police's home visit informing the youth and the parents of the referral."""

    visited_on: date
    youth_informed: bool
    parents_informed: bool


class IntakeIn(Camel, forbid_unknown_fields=True):
    """The intake: when, who attended, and the youth's trusted person if any."""

    held_on: date
    attendees: Attendees
    trusted_person: Name | None = None


class InclusionDeclineIn(Camel, forbid_unknown_fields=True):
    """The decision not to include the youth, with the reason."""

    declined_on: date
    why: Text


class CaseConferenceIn(Camel, forbid_unknown_fields=True):
    """A case conference: the participating organisations, the decisions, the next date."""

    held_on: date
    participants: Organisations
    decisions: Text
    next_on: date | None = None


class LifeDomainScoreIn(Camel, forbid_unknown_fields=True):
    """A score from 1 (acute problems) to 5 (fully self-reliant) on one life domain."""

    life_domain: Code
    score: Score
    instrument: Code
    scored_on: date


class PlanGoalIn(Camel, forbid_unknown_fields=True):
    """One goal of the plan; without ``goalId`` the goal gets a new id."""

    life_domain: Code
    description: Text
    responsible_organisation: Code
    due_on: date
    goal_id: UUID | None = None

    def value(self, new_id: Callable[[], UUID]) -> PlanGoal:
        """Return the domain value (with an id from ``new_id`` when none is given)."""
        return PlanGoal(
            goal_id=self.goal_id or new_id(),
            life_domain=self.life_domain,
            description=self.description,
            responsible_organisation=self.responsible_organisation,
            due_on=self.due_on,
        )


class PlanIn(Camel, forbid_unknown_fields=True):
    """A plan of approach (the first or a revised one): its goals and agreements."""

    adopted_on: date
    goals: Annotated[list[PlanGoalIn], msgspec.Meta(min_length=1, max_length=MAX_GOALS)]
    agreements: Text | None = None


class PlanRevisionIn(Camel, forbid_unknown_fields=True):
    """Opening the plan for revision, with the reason."""

    started_on: date
    why: Text


class PoliceContactIn(Camel, forbid_unknown_fields=True):
    """A new police contact: the youth as suspect, victim or witness."""

    occurred_on: date
    offence_category: Code
    role: Code
    """``verdachte``, ``slachtoffer`` or ``getuige``."""
    police_reference: Reference


class InterventionIn(Camel, forbid_unknown_fields=True):
    """An intervention from the catalogue, owned by an involved partner in the owning role."""

    kind: Code
    responsible_organisation: Code
    legal_basis: Code
    planned_start: date
    planned_end: date


class InterventionStartIn(Camel, forbid_unknown_fields=True):
    """A planned intervention started."""

    started_on: date


class InterventionCompletionIn(Camel, forbid_unknown_fields=True):
    """A started intervention was completed, with its outcome."""

    completed_on: date
    outcome: Text


class InterventionAbortionIn(Camel, forbid_unknown_fields=True):
    """An intervention was aborted (or cancelled before it started), with the reason."""

    aborted_on: date
    why: Text


class SchoolSignalIn(Camel, forbid_unknown_fields=True):
    """A school or leerplicht signal; absence signals (``verzuim``) carry the absence hours."""

    kind: Code
    observed_on: date
    source_role: PartnerRole
    """``school`` or ``leerplicht``."""
    source_organisation: Code
    absence_hours: AbsenceHours | None = None
    """Required for ``verzuim``, absent for the other kinds."""


class JitStepIn(Camel, forbid_unknown_fields=True):
    """A JIT step; steps that follow an incident name the incident's date."""

    kind: Code
    occurred_on: date
    parents_present: bool
    incident_on: date | None = None
    """Required for steps that follow an incident (``stopgesprek``, ``reprimandegesprek``…)."""


class CareReportIn(Camel, forbid_unknown_fields=True):
    """A care report (zorgmelding) to Veilig Thuis."""

    made_on: date
    summary: Text


class MayorOrderIn(Camel, forbid_unknown_fields=True):
    """An art. 172a order (at most three months), with the area it covers if any."""

    kind: Code
    starts_on: date
    ends_on: date
    area: Area | None = None


class MayorOrderExtensionIn(Camel, forbid_unknown_fields=True):
    """An art. 172a order's new end (at most three months later, at most three times)."""

    ends_on: date


class EscalationIn(Camel, forbid_unknown_fields=True):
    """Handing the case to the Zorg- en Veiligheidshuis (``zvh``) or TopX (``topx``)."""

    escalated_on: date
    target: Code
    why: Text


class DeEscalationIn(Camel, forbid_unknown_fields=True):
    """Scaling down to monitoring only."""

    de_escalated_on: date
    why: Text


class ClosureIn(Camel, forbid_unknown_fields=True):
    """Closing the trajectory; handover reasons name who takes over."""

    closed_on: date
    reason_code: Code
    handover_to: Name | None = None


class HandOverIn(Camel, forbid_unknown_fields=True):
    """Closing at 18 with a warm handover to the adult approach."""

    handed_over_on: date
    handover_to: Name


class BsnIn(Camel, forbid_unknown_fields=True):
    """The youth's burgerservicenummer: nine digits that pass the elfproef."""

    bsn: Annotated[
        str,
        msgspec.Meta(
            pattern="^[0-9]{9}$",
            description="Negen cijfers; het nummer moet aan de elfproef voldoen.",
        ),
    ]


class InformationLetterIn(Camel, forbid_unknown_fields=True):
    """When the information letter about the referral was sent (informatieplicht)."""

    sent_on: date


#: The referral's facts a correction may change, as this API names them (``ReferralIn``).
CORRECTABLE = {
    "givenName": "given_name",
    "familyName": "family_name",
    "bornOn": "born_on",
    "policeReference": "police_reference",
}
CorrectableField = Literal["givenName", "familyName", "bornOn", "policeReference"]


class CorrectedFieldIn(Camel, forbid_unknown_fields=True):
    """One field of the referral (version 1) and its corrected value."""

    field: CorrectableField
    value: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=100,
            description="De juiste waarde; een geboortedatum als JJJJ-MM-DD.",
        ),
    ]


class CorrectionIn(Camel, forbid_unknown_fields=True):
    """A rectification of an earlier version, and why.

    By field (``correctedFields``: the referral's names, date of birth or police reference,
    which every view then shows), or as free text (``whatWasWrong`` and ``correction``).
    """

    corrects_version: Version
    why: Text
    what_was_wrong: Text | None = None
    correction: Text | None = None
    corrected_fields: (
        Annotated[list[CorrectedFieldIn], msgspec.Meta(min_length=1, max_length=len(CORRECTABLE))]
        | None
    ) = None


def _record_correction(
    app: PgaApplication,
    context: CommandContext,
    trajectory_id: UUID,
    version: int,
    body: CorrectionIn,
    _path: Any,  # noqa: ANN401
) -> Recorded:
    return app.record_correction(
        context,
        trajectory_id,
        version,
        corrects_version=body.corrects_version,
        why=body.why,
        what_was_wrong=body.what_was_wrong,
        correction=body.correction,
        corrected_fields=tuple(
            CorrectedField(CORRECTABLE[item.field], item.value)
            for item in body.corrected_fields or ()
        ),
    )


def _assign_regisseur(
    app: PgaApplication,
    context: CommandContext,
    trajectory_id: UUID,
    version: int,
    body: RegisseurIn,
    _path: Any,  # noqa: ANN401
) -> Recorded:
    return app.assign_regisseur(context, trajectory_id, version, body.value())


def _with_plan(method: str) -> Any:  # noqa: ANN401
    """Call ``adopt_plan`` or ``revise_plan`` with the goals as domain values."""

    def call(
        app: PgaApplication,
        context: CommandContext,
        trajectory_id: UUID,
        version: int,
        body: PlanIn,
        _path: Any,  # noqa: ANN401
    ) -> Recorded:
        result: Recorded = getattr(app, method)(
            context,
            trajectory_id,
            version,
            adopted_on=body.adopted_on,
            goals=tuple(goal.value(app.new_id) for goal in body.goals),
            agreements=body.agreements,
        )
        return result

    return call


_INTERVENTION = ("intervention_id",)
_ORDER = ("order_id",)


def _responsible_for_intervention(
    user: Actor,
    trajectory: Trajectory,
    _body: Any,  # noqa: ANN401
    path: Mapping[str, Any],
) -> None:
    """Refuse a partner recording progress of another organisation's intervention."""
    intervention = trajectory.interventions.get(path["intervention_id"])
    if intervention is not None and intervention.responsible_organisation != user.organisation:
        msg = (
            "Alleen de verantwoordelijke organisatie registreert de voortgang van een interventie."
        )
        raise NotResponsible(detail=msg)


def _own_school_signal(
    user: Actor,
    _trajectory: Trajectory,
    body: SchoolSignalIn,
    _path: Mapping[str, Any],
) -> None:
    """Refuse a partner's school signal recorded as another organisation or role."""
    if body.source_organisation != user.organisation or body.source_role != user.role:
        msg = "Een partner registreert een signaal alleen als de eigen organisatie en rol."
        raise NotResponsible(detail=msg)


def _route(
    operation_id: str,
    path: str,
    body: type[msgspec.Struct],
    call: Any,  # noqa: ANN401
    summary: str,
    *,
    description: str = "",
    extra: tuple[str, ...] = (),
    partner_check: Any = None,  # noqa: ANN401 - see CommandRoute.partner_check
    waits_for: str | None = None,
) -> CommandRoute:
    """Describe a command on an existing trajectory, open to ``TRAJECTORY_ROLES``.

    Partner roles may issue it where the privacy policy grants them ``operation_id``.
    """
    return CommandRoute(
        operation_id=operation_id,
        path=path,
        body=body,
        call=call,
        summary=summary,
        roles=TRAJECTORY_ROLES,
        description=description,
        extra_path_parameters=extra,
        partner_check=partner_check,
        waits_for=waits_for,
    )


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
    _route(
        "recordBsn",
        "/bsn-registrations",
        BsnIn,
        call_command("record_bsn"),
        "Leg het BSN van de jongere vast (elfproef; versleuteld opgeslagen)",
        description="Opnieuw vastleggen vervangt het BSN (correctie van een tikfout). Een "
        "nummer dat niet aan de elfproef voldoet wordt geweigerd (422); de foutmelding noemt het "
        "nummer niet.",
    ),
    _route(
        "recordInformationLetter",
        "/information-letters",
        InformationLetterIn,
        call_command("record_information_letter"),
        "Leg vast wanneer de informatiebrief over de aanmelding is verstuurd (informatieplicht)",
        description="De brief gaat naar de ouders (jonger dan 12), de jongere en de ouders "
        "(12 tot en met 15) of de jongere (16 en ouder), naar de leeftijd op de aanmeldingsdatum. "
        "Eén keer per traject (409, information-letter-already-sent).",
    ),
    _route(
        "assignRegisseur",
        "/regisseur-assignments",
        RegisseurIn,
        _assign_regisseur,
        "Draag het traject over aan een andere regisseur",
    ),
    _route(
        "involvePartner",
        "/partners",
        PartnerIn,
        call_command("involve_partner"),
        "Betrek een partnerorganisatie bij het traject",
        description="Het antwoord volgt zodra de partner het traject ziet.",
        waits_for="partner_views",
    ),
    _route(
        "withdrawPartner",
        "/partner-withdrawals",
        PartnerWithdrawalIn,
        call_command("withdraw_partner"),
        "Beëindig de betrokkenheid van een partnerorganisatie",
        description="Een partner met geplande of lopende interventies kan niet worden "
        "teruggetrokken (409, partner-still-responsible). Het antwoord volgt zodra de partner "
        "het traject niet meer ziet.",
        waits_for="partner_views",
    ),
    _route(
        "recordPoliceHomeVisit",
        "/police-home-visits",
        PoliceHomeVisitIn,
        call_command("record_police_home_visit"),
        "Registreer het huisbezoek van de politie",
    ),
    _route(
        "holdIntake",
        "/intakes",
        IntakeIn,
        call_command("hold_intake"),
        "Registreer de intake (van aangemeld naar intake)",
    ),
    _route(
        "declineInclusion",
        "/inclusion-declines",
        InclusionDeclineIn,
        call_command("decline_inclusion"),
        "Besluit de jongere niet op te nemen (niet_opgenomen)",
    ),
    _route(
        "holdCaseConference",
        "/case-conferences",
        CaseConferenceIn,
        call_command("hold_case_conference"),
        "Registreer een casusoverleg",
    ),
    _route(
        "scoreLifeDomain",
        "/life-domain-scores",
        LifeDomainScoreIn,
        call_command("score_life_domain"),
        "Scoor een leefgebied (1 tot en met 5)",
    ),
    _route(
        "adoptPlan",
        "/plans",
        PlanIn,
        _with_plan("adopt_plan"),
        "Stel het eerste plan van aanpak vast (van intake naar actief)",
    ),
    _route(
        "startPlanRevision",
        "/plan-revisions",
        PlanRevisionIn,
        call_command("start_revision"),
        "Open het plan van aanpak voor bijstelling",
    ),
    _route(
        "revisePlan",
        "/revised-plans",
        PlanIn,
        _with_plan("revise_plan"),
        "Stel een bijgesteld plan van aanpak vast (weer actief)",
    ),
    CommandRoute(
        operation_id="recordArrest",
        path="/arrests",
        body=ArrestIn,
        call=call_command("record_arrest"),
        summary="Registreer een aanhouding",
        roles=TRAJECTORY_ROLES,
    ),
    _route(
        "recordPoliceContact",
        "/police-contacts",
        PoliceContactIn,
        call_command("record_police_contact"),
        "Registreer een nieuw politiecontact",
    ),
    _route(
        "planIntervention",
        "/interventions",
        InterventionIn,
        call_command("plan_intervention"),
        "Plan een interventie (entityId is de nieuwe interventie)",
    ),
    _route(
        "startIntervention",
        "/interventions/{intervention_id:uuid}/start",
        InterventionStartIn,
        call_command("start_intervention"),
        "Start een geplande interventie",
        extra=_INTERVENTION,
        partner_check=_responsible_for_intervention,
    ),
    _route(
        "completeIntervention",
        "/interventions/{intervention_id:uuid}/completion",
        InterventionCompletionIn,
        call_command("complete_intervention"),
        "Rond een lopende interventie af",
        extra=_INTERVENTION,
        partner_check=_responsible_for_intervention,
    ),
    _route(
        "abortIntervention",
        "/interventions/{intervention_id:uuid}/abortion",
        InterventionAbortionIn,
        call_command("abort_intervention"),
        "Breek een interventie af (of annuleer een geplande)",
        extra=_INTERVENTION,
        partner_check=_responsible_for_intervention,
    ),
    _route(
        "recordSchoolSignal",
        "/school-signals",
        SchoolSignalIn,
        call_command("record_school_signal"),
        "Registreer een signaal van school of leerplicht",
        partner_check=_own_school_signal,
    ),
    _route(
        "recordJitStep",
        "/jit-steps",
        JitStepIn,
        call_command("record_jit_step"),
        "Registreer een stap van het jeugdinterventieteam",
    ),
    _route(
        "makeCareReport",
        "/care-reports",
        CareReportIn,
        call_command("make_care_report"),
        "Registreer een zorgmelding aan Veilig Thuis",
    ),
    _route(
        "issueMayorOrder",
        "/mayor-orders",
        MayorOrderIn,
        call_command("issue_mayor_order"),
        "Registreer een last van de burgemeester (art. 172a; entityId is de last)",
    ),
    _route(
        "extendMayorOrder",
        "/mayor-orders/{order_id:uuid}/extensions",
        MayorOrderExtensionIn,
        call_command("extend_mayor_order"),
        "Verleng een last van de burgemeester (art. 172a)",
        extra=_ORDER,
    ),
    _route(
        "escalateTrajectory",
        "/escalations",
        EscalationIn,
        call_command("escalate"),
        "Schaal op naar het Zorg- en Veiligheidshuis of TopX",
    ),
    _route(
        "deEscalateTrajectory",
        "/de-escalations",
        DeEscalationIn,
        call_command("de_escalate"),
        "Schaal af naar alleen monitoren",
    ),
    _route(
        "closeTrajectory",
        "/closure",
        ClosureIn,
        call_command("close_trajectory"),
        "Sluit het traject af met een reden",
    ),
    _route(
        "handOverTrajectory",
        "/hand-over",
        HandOverIn,
        call_command("hand_over"),
        "Sluit af bij 18 jaar met een warme overdracht",
    ),
    _route(
        "recordCorrection",
        "/corrections",
        CorrectionIn,
        _record_correction,
        "Registreer een correctie van een eerdere versie (ook na afsluiten)",
        description="Met correctedFields worden voornaam, achternaam, geboortedatum of "
        "politiekenmerk van de aanmelding (versie 1) gecorrigeerd: elke weergave toont daarna "
        "de juiste waarde, partners alleen die; de auditor ziet in de historie beide. Zonder "
        "correctedFields beschrijven whatWasWrong en correction de correctie in tekst.",
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
