"""A juvenile's trajectory in PGA 18min: the ``Trajectory`` aggregate and its events.

Status machine (DOMAIN.md)::

    aangemeld → intake → actief ⇄ bijstelling → afgeschaald → afgesloten
    side exits: niet_opgenomen (after intake), opgeschaald (ZVH/TopX; may be de-escalated)

Command methods validate and then trigger exactly one event; an event's ``apply`` only changes
state, so replaying stored events never re-checks rules that held when they were recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from pga.domain.catalogue import Catalogue, PartnerRole
from pga.domain.common import (
    Involvement,
    LegalHold,
    LetterRecipients,
    PgaCreated,
    PgaEvent,
    add_months,
    age_on,
    erasure_basis,
    hold_basis,
    letter_recipients,
    new_involvement,
    not_before,
    not_in_future,
    optional_text,
    reason,
    slug,
    text,
    user_id,
)
from pga.domain.common import bsn as valid_bsn
from pga.domain.errors import (
    AgeOutsideRange,
    DuplicateEntity,
    ErasedSubjectText,
    InformationLetterAlreadySent,
    InterventionLifecycleViolation,
    InvalidValue,
    MayorOrderTooLong,
    NetworkLinkConflict,
    NotAMinor,
    OffenceNotIncluded,
    PartnerNotInvolved,
    PartnerStillResponsible,
    RegisseurUnchanged,
    RightsRequestAlreadyCompleted,
    RightsRequestAlreadyExtended,
    StatusTransitionNotAllowed,
    SubjectAlreadyErased,
    TooManyExtensions,
    TrajectoryClosed,
    UnderLegalHold,
    UnknownEntity,
    WrongOwnerRole,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MAX_ORDER_EXTENSIONS = 3
ORDER_MONTHS = 3
MAX_ABSENCE_HOURS = 2000


class TrajectoryStatus(StrEnum):
    """Where a trajectory is in PGA 18min."""

    AANGEMELD = "aangemeld"
    INTAKE = "intake"
    ACTIEF = "actief"
    BIJSTELLING = "bijstelling"
    AFGESCHAALD = "afgeschaald"
    OPGESCHAALD = "opgeschaald"
    AFGESLOTEN = "afgesloten"
    NIET_OPGENOMEN = "niet_opgenomen"

    @property
    def is_closed(self) -> bool:
        """Closed statuses accept only rights requests."""
        return self in CLOSED_STATUSES


CLOSED_STATUSES = frozenset({TrajectoryStatus.AFGESLOTEN, TrajectoryStatus.NIET_OPGENOMEN})
S = TrajectoryStatus


class InterventionState(StrEnum):
    """Lifecycle of one intervention: planned → started → completed | aborted."""

    PLANNED = "planned"
    STARTED = "started"
    COMPLETED = "completed"
    ABORTED = "aborted"


# --- value objects held in the aggregate's state ---


@dataclass(frozen=True)
class Regisseur:
    """The one person directing the trajectory (in Almere a GGD coordinator)."""

    user_id: str
    organisation: str


@dataclass(frozen=True)
class PlanGoal:
    """One goal of the plan of approach, in one life domain, owned by one partner."""

    goal_id: UUID
    life_domain: str
    description: str
    responsible_organisation: str
    due_on: date


@dataclass(frozen=True)
class Plan:
    """The current plan of approach (plan van aanpak) and how often it was revised."""

    revision: int
    adopted_on: date
    goals: tuple[PlanGoal, ...]
    agreements: str | None


@dataclass(frozen=True)
class Intervention:
    """An intervention from the catalogue and where it is in its lifecycle."""

    intervention_id: UUID
    kind: str
    responsible_organisation: str
    legal_basis: str
    planned_start: date
    planned_end: date
    state: InterventionState
    started_on: date | None = None
    ended_on: date | None = None


@dataclass(frozen=True)
class MayorOrder:
    """An art. 172a order (area ban, group ban, reporting duty) and its extensions."""

    order_id: UUID
    kind: str
    starts_on: date
    ends_on: date
    extensions: int = 0


@dataclass(frozen=True)
class LifeDomainScore:
    """The latest score (1-5) on one life domain."""

    score: int
    instrument: str
    scored_on: date


# --- the data subject's rights (AVG art. 12 and 15-17) ---


class RightsRequestKind(StrEnum):
    """Which right a request exercises."""

    INZAGE = "inzage"
    CORRECTIE = "correctie"
    VERWIJDERING = "verwijdering"


class Requester(StrEnum):
    """Who made a rights request (a code, never a name): under 16 the parents exercise them."""

    JONGERE = "jongere"
    OUDER_OF_VOOGD = "ouder_of_voogd"
    WETTELIJK_VERTEGENWOORDIGER = "wettelijk_vertegenwoordiger"


class RightsRequestOutcome(StrEnum):
    """How a rights request ended."""

    GRANTED = "granted"
    PARTLY = "partly"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


#: The term to answer a rights request, and its one extension (AVG art. 12(3)), in months.
RIGHTS_REQUEST_MONTHS = 1
RIGHTS_REQUEST_EXTENSION_MONTHS = 2


def rights_request_due_on(received_on: date) -> date:
    """Return the deadline of a request received on ``received_on``: one calendar month later.

    The same day of the next month, or that month's last day where it has no such day (received
    31 January: due 28 February, 29 in a leap year), so 28 to 31 days after receipt.
    """
    return add_months(received_on, RIGHTS_REQUEST_MONTHS)


def extended_due_on(due_on: date) -> date:
    """Return the deadline after the one extension: two calendar months after the first one."""
    return add_months(due_on, RIGHTS_REQUEST_EXTENSION_MONTHS)


@dataclass(frozen=True)
class RightsRequest:
    """A rights request and where it stands (``completed_on`` ``None``: open)."""

    request_id: UUID
    kind: RightsRequestKind
    requester: Requester
    received_on: date
    due_on: date
    extended: bool = False
    completed_on: date | None = None
    outcome: RightsRequestOutcome | None = None


@dataclass(frozen=True)
class CorrectedField:
    """One corrected field of an earlier event and its corrected value (a date as YYYY-MM-DD)."""

    field: str
    value: str


#: What a structured correction may change: the referral's facts (the event at version 1),
#: with the type each value must have. The aggregate holds each under the same name.
CORRECTABLE_FIELDS: Mapping[str, type[str | date]] = {
    "given_name": str,
    "family_name": str,
    "born_on": date,
    "police_reference": str,
}
#: The version of the event whose fields ``CORRECTABLE_FIELDS`` are (``Referred``).
CORRECTABLE_VERSION = 1


def corrected_value(corrected: CorrectedField) -> str | date:
    """Return a corrected value as the field's type (the domain validated it when recorded)."""
    if CORRECTABLE_FIELDS[corrected.field] is date:
        return date.fromisoformat(corrected.value)
    return corrected.value


# --- events ---


class Referred(PgaCreated):
    """The police referred a minor suspected of an included offence; the trajectory opens."""

    personal_fields = ("given_name", "family_name", "born_on", "police_reference")

    subject_id: UUID
    given_name: str
    family_name: str
    born_on: date
    offence_category: str
    suspected_on: date
    referred_on: date
    police_reference: str
    referring_organisation: str
    regisseur: Regisseur

    def apply(self, trajectory: Trajectory) -> None:
        """Open the trajectory in status ``aangemeld``."""
        trajectory.subject_id = self.subject_id
        trajectory.given_name = self.given_name
        trajectory.family_name = self.family_name
        trajectory.born_on = self.born_on
        trajectory.offence_category = self.offence_category
        trajectory.suspected_on = self.suspected_on
        trajectory.referred_on = self.referred_on
        trajectory.police_reference = self.police_reference
        trajectory.referring_organisation = self.referring_organisation
        trajectory.regisseur = self.regisseur
        trajectory.letter_recipients = letter_recipients(self.born_on, self.referred_on)


class BsnRecorded(PgaEvent):
    """The regisseur recorded the youth's burgerservicenummer (or corrected a mistyped one)."""

    personal_fields = ("bsn",)
    encrypted_fields = ("bsn",)

    bsn: str

    def apply(self, trajectory: Trajectory) -> None:
        """Remember the BSN (a later one replaces it)."""
        trajectory.bsn = self.bsn


class InformationLetterSent(PgaEvent):
    """The information letter about the referral (informatieplicht, AVG art. 14) was sent."""

    sent_on: date
    recipients: LetterRecipients

    def apply(self, trajectory: Trajectory) -> None:
        """Remember when it was sent."""
        trajectory.letter_sent_on = self.sent_on


class RegisseurAssigned(PgaEvent):
    """Another regisseur took over (there is exactly one at a time)."""

    regisseur: Regisseur

    def apply(self, trajectory: Trajectory) -> None:
        """Replace the regisseur."""
        trajectory.regisseur = self.regisseur


class PartnerInvolved(PgaEvent):
    """An organisation joined the trajectory in a role, on a legal basis, from a date."""

    involvement: Involvement

    def apply(self, trajectory: Trajectory) -> None:
        """Add the partner."""
        trajectory.partners[self.involvement.organisation] = self.involvement


class PartnerWithdrawn(PgaEvent):
    """An organisation is no longer involved (need-to-know ends)."""

    personal_fields = ("reason",)

    organisation: str
    withdrawn_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Remove the partner."""
        del trajectory.partners[self.organisation]


class PoliceHomeVisited(PgaEvent):
    """The police visited the home to inform the youth and parents of the referral."""

    visited_on: date
    youth_informed: bool
    parents_informed: bool

    def apply(self, trajectory: Trajectory) -> None:
        """Remember the visit date."""
        trajectory.police_home_visit_on = self.visited_on


class IntakeHeld(PgaEvent):
    """The regisseur held the intake with the youth, parents and partners."""

    personal_fields = ("attendees", "trusted_person")

    held_on: date
    attendees: tuple[str, ...]
    trusted_person: str | None

    def apply(self, trajectory: Trajectory) -> None:
        """Move to ``intake``."""
        trajectory.intake_on = self.held_on
        trajectory.status = S.INTAKE


class InclusionDeclined(PgaEvent):
    """After referral or intake the youth is not included (side exit ``niet_opgenomen``)."""

    personal_fields = ("reason",)

    declined_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Close as not included."""
        trajectory.status = S.NIET_OPGENOMEN
        trajectory.closed_on = self.declined_on


class CaseConferenceHeld(PgaEvent):
    """A case conference (casusoverleg) took place."""

    personal_fields = ("decisions",)

    held_on: date
    participants: tuple[str, ...]
    decisions: str
    next_on: date | None

    def apply(self, trajectory: Trajectory) -> None:
        """Remember when the next one is due."""
        trajectory.case_conferences += 1
        trajectory.next_case_conference_on = self.next_on


class LifeDomainScored(PgaEvent):
    """A life domain was scored (1 = acute problems, 5 = fully self-reliant)."""

    life_domain: str
    score: int
    instrument: str
    scored_on: date

    def apply(self, trajectory: Trajectory) -> None:
        """Keep the latest score per life domain."""
        trajectory.life_domain_scores[self.life_domain] = LifeDomainScore(
            self.score, self.instrument, self.scored_on
        )


class PlanAdopted(PgaEvent):
    """The first plan of approach was adopted; the trajectory becomes ``actief``."""

    personal_fields = ("goals", "agreements")

    adopted_on: date
    goals: tuple[PlanGoal, ...]
    agreements: str | None

    def apply(self, trajectory: Trajectory) -> None:
        """Record plan revision 1."""
        trajectory.plan = Plan(1, self.adopted_on, self.goals, self.agreements)
        trajectory.status = S.ACTIEF


class RevisionStarted(PgaEvent):
    """The plan is being revised (bijstelling)."""

    personal_fields = ("reason",)

    started_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Move to ``bijstelling``."""
        trajectory.status = S.BIJSTELLING


class PlanRevised(PgaEvent):
    """A revised plan replaced the previous one; the trajectory is ``actief`` again."""

    personal_fields = ("goals", "agreements")

    adopted_on: date
    goals: tuple[PlanGoal, ...]
    agreements: str | None

    def apply(self, trajectory: Trajectory) -> None:
        """Replace the plan and count the revision."""
        previous = trajectory.plan.revision if trajectory.plan else 0
        trajectory.plan = Plan(previous + 1, self.adopted_on, self.goals, self.agreements)
        trajectory.status = S.ACTIEF


class ArrestRecorded(PgaEvent):
    """The youth was arrested as a suspect."""

    personal_fields = ("police_reference",)

    arrested_on: date
    offence_category: str
    police_reference: str

    def apply(self, trajectory: Trajectory) -> None:
        """Count the arrest."""
        trajectory.arrests += 1


class PoliceContactRecorded(PgaEvent):
    """A new police contact: the youth as suspect, victim or witness."""

    personal_fields = ("police_reference",)

    occurred_on: date
    offence_category: str
    role: str
    police_reference: str

    def apply(self, trajectory: Trajectory) -> None:
        """Count the contact."""
        trajectory.police_contacts += 1


class InterventionPlanned(PgaEvent):
    """An intervention from the catalogue was planned with its responsible partner."""

    intervention_id: UUID
    kind: str
    responsible_organisation: str
    legal_basis: str
    planned_start: date
    planned_end: date

    def apply(self, trajectory: Trajectory) -> None:
        """Add the intervention as planned."""
        trajectory.interventions[self.intervention_id] = Intervention(
            intervention_id=self.intervention_id,
            kind=self.kind,
            responsible_organisation=self.responsible_organisation,
            legal_basis=self.legal_basis,
            planned_start=self.planned_start,
            planned_end=self.planned_end,
            state=InterventionState.PLANNED,
        )


class InterventionStarted(PgaEvent):
    """A planned intervention started."""

    intervention_id: UUID
    started_on: date

    def apply(self, trajectory: Trajectory) -> None:
        """Mark it started."""
        item = trajectory.interventions[self.intervention_id]
        trajectory.interventions[self.intervention_id] = replace(
            item, state=InterventionState.STARTED, started_on=self.started_on
        )


class InterventionCompleted(PgaEvent):
    """A started intervention was completed, with its outcome."""

    personal_fields = ("outcome",)

    intervention_id: UUID
    completed_on: date
    outcome: str

    def apply(self, trajectory: Trajectory) -> None:
        """Mark it completed."""
        item = trajectory.interventions[self.intervention_id]
        trajectory.interventions[self.intervention_id] = replace(
            item, state=InterventionState.COMPLETED, ended_on=self.completed_on
        )


class InterventionAborted(PgaEvent):
    """An intervention was aborted (or cancelled before it started), with the reason."""

    personal_fields = ("reason",)

    intervention_id: UUID
    aborted_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Mark it aborted."""
        item = trajectory.interventions[self.intervention_id]
        trajectory.interventions[self.intervention_id] = replace(
            item, state=InterventionState.ABORTED, ended_on=self.aborted_on
        )


class SchoolSignalRecorded(PgaEvent):
    """A school or leerplicht signal: absence hours, suspension, expulsion, report, thuiszitter."""

    kind: str
    observed_on: date
    absence_hours: int | None
    source_role: PartnerRole
    source_organisation: str

    def apply(self, trajectory: Trajectory) -> None:
        """Count the signal."""
        trajectory.school_signals += 1


class JitStepRecorded(PgaEvent):
    """A JIT step; steps that follow an incident record how many days after it they happened."""

    kind: str
    occurred_on: date
    incident_on: date | None
    days_after_incident: int | None
    parents_present: bool

    def apply(self, trajectory: Trajectory) -> None:
        """Count the step."""
        trajectory.jit_steps += 1


class MayorOrderIssued(PgaEvent):
    """The mayor issued an art. 172a order (area ban, group ban or reporting duty)."""

    personal_fields = ("area",)

    order_id: UUID
    kind: str
    starts_on: date
    ends_on: date
    area: str | None

    def apply(self, trajectory: Trajectory) -> None:
        """Add the order."""
        trajectory.mayor_orders[self.order_id] = MayorOrder(
            self.order_id, self.kind, self.starts_on, self.ends_on
        )


class MayorOrderExtended(PgaEvent):
    """An art. 172a order was extended (at most three times, each by at most three months)."""

    order_id: UUID
    ends_on: date

    def apply(self, trajectory: Trajectory) -> None:
        """Move the end date and count the extension."""
        order = trajectory.mayor_orders[self.order_id]
        trajectory.mayor_orders[self.order_id] = replace(
            order, ends_on=self.ends_on, extensions=order.extensions + 1
        )


class CareReportMade(PgaEvent):
    """A care report (zorgmelding) was made to Veilig Thuis."""

    personal_fields = ("summary",)

    made_on: date
    summary: str

    def apply(self, trajectory: Trajectory) -> None:
        """Count the report."""
        trajectory.care_reports += 1


class NetworkLinked(PgaEvent):
    """The youth is linked to a youth network (as a member of its name list)."""

    network_id: UUID
    linked_on: date

    def apply(self, trajectory: Trajectory) -> None:
        """Add the link."""
        trajectory.networks[self.network_id] = self.linked_on


class NetworkUnlinked(PgaEvent):
    """The link to a youth network ended."""

    personal_fields = ("reason",)

    network_id: UUID
    unlinked_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Remove the link."""
        del trajectory.networks[self.network_id]


class Escalated(PgaEvent):
    """Handed to the Zorg- en Veiligheidshuis or TopX (side exit ``opgeschaald``)."""

    personal_fields = ("reason",)

    escalated_on: date
    target: str
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Move to ``opgeschaald``."""
        trajectory.status = S.OPGESCHAALD
        trajectory.escalated_to = self.target


class DeEscalated(PgaEvent):
    """Scaled down to monitoring only (``afgeschaald``)."""

    personal_fields = ("reason",)

    de_escalated_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Move to ``afgeschaald``."""
        trajectory.status = S.AFGESCHAALD
        trajectory.escalated_to = None


class Closed(PgaEvent):
    """The trajectory closed, with a reason and, where the reason needs one, a warm handover."""

    personal_fields = ("handover_to",)

    closed_on: date
    reason_code: str
    handover_to: str | None

    def apply(self, trajectory: Trajectory) -> None:
        """Move to ``afgesloten``."""
        trajectory.status = S.AFGESLOTEN
        trajectory.closed_on = self.closed_on
        trajectory.closing_reason = self.reason_code


class CorrectionRecorded(PgaEvent):
    """A rectification (correctierecht, AVG art. 16) of an earlier event, with the reason.

    Structured: ``corrected_fields`` names fields of the corrected event (``CORRECTABLE_FIELDS``)
    with their corrected values, which the aggregate and every view then show. Free text only
    (every correction before class version 2): ``what_was_wrong`` and ``correction`` describe it,
    and no value changes. The corrected event itself stays as it was recorded (the auditor sees
    both).
    """

    personal_fields = ("what_was_wrong", "correction", "reason", "corrected_fields")
    #: Version 2 added the structured fields; the free-text parts became optional.
    class_version: ClassVar[int] = 2

    corrects_version: int
    what_was_wrong: str | None
    correction: str | None
    reason: str
    corrected_fields: tuple[CorrectedField, ...]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Give a free-text correction no corrected fields."""
        state.setdefault("corrected_fields", [])

    def apply(self, trajectory: Trajectory) -> None:
        """Count the correction and take over the corrected values."""
        trajectory.corrections += 1
        for corrected in self.corrected_fields:
            setattr(trajectory, corrected.field, corrected_value(corrected))
            if corrected.field == "born_on" and trajectory.letter_sent_on is None:
                trajectory.letter_recipients = letter_recipients(
                    trajectory.born_on, trajectory.referred_on
                )


class RightsRequestReceived(PgaEvent):
    """The youth, a parent or a legal representative asked for inzage, correctie or verwijdering.

    ``due_on`` is the answer's deadline: one calendar month after ``received_on`` (AVG art.
    12(3); ``rights_request_due_on``). No name: who asked is a code.
    """

    request_id: UUID
    kind: RightsRequestKind
    requester: Requester
    received_on: date
    due_on: date

    def apply(self, trajectory: Trajectory) -> None:
        """Add the open request."""
        trajectory.rights_requests[self.request_id] = RightsRequest(
            request_id=self.request_id,
            kind=self.kind,
            requester=self.requester,
            received_on=self.received_on,
            due_on=self.due_on,
        )


class RightsRequestExtended(PgaEvent):
    """A request's term was extended once, by two months, with the reason told to the requester."""

    personal_fields = ("reason",)

    request_id: UUID
    extended_on: date
    due_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Move the deadline."""
        request = trajectory.rights_requests[self.request_id]
        trajectory.rights_requests[self.request_id] = replace(
            request, due_on=self.due_on, extended=True
        )


class RightsRequestCompleted(PgaEvent):
    """A rights request was answered (or withdrawn): its outcome, and a note if any."""

    personal_fields = ("note",)

    request_id: UUID
    completed_on: date
    outcome: RightsRequestOutcome
    note: str | None

    def apply(self, trajectory: Trajectory) -> None:
        """Close the request."""
        request = trajectory.rights_requests[self.request_id]
        trajectory.rights_requests[self.request_id] = replace(
            request, completed_on=self.completed_on, outcome=self.outcome
        )


class SubjectErased(PgaEvent):
    """The youth's personal data was erased (right to erasure or retention); a tombstone.

    ``basis`` is a code (``ERASURE_BASES``); the free-text ``reason`` is personal, so it is
    encrypted under the youth's key like every other personal field and erased with them.
    """

    personal_fields = ("reason",)

    erased_on: date
    basis: str
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Drop every personal value the aggregate holds."""
        trajectory.erased = True
        trajectory.given_name = None
        trajectory.family_name = None
        trajectory.born_on = None
        trajectory.police_reference = None
        trajectory.bsn = None
        # Derived from the date of birth: now as for a youth whose date of birth is unknown.
        trajectory.letter_recipients = letter_recipients(None, trajectory.referred_on)
        if trajectory.plan is not None:
            trajectory.plan = replace(trajectory.plan, goals=(), agreements=None)


class LegalHoldPlaced(PgaEvent):
    """A legal hold: while it is in place no retention term, and no erasure, touches the youth.

    ``basis`` is a code (``HOLD_BASES``); the free-text ``reason`` is personal.
    """

    personal_fields = ("reason",)

    hold_id: UUID
    placed_on: date
    basis: str
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Put the hold in place."""
        trajectory.legal_holds[self.hold_id] = LegalHold(self.hold_id, self.placed_on, self.basis)


class LegalHoldLifted(PgaEvent):
    """A legal hold was lifted; the retention terms apply again (what is overdue goes next run)."""

    personal_fields = ("reason",)

    hold_id: UUID
    lifted_on: date
    reason: str

    def apply(self, trajectory: Trajectory) -> None:
        """Lift the hold."""
        trajectory.legal_holds.pop(self.hold_id, None)


TRAJECTORY_EVENTS: tuple[type[PgaEvent], ...] = (
    Referred,
    BsnRecorded,
    InformationLetterSent,
    RegisseurAssigned,
    PartnerInvolved,
    PartnerWithdrawn,
    PoliceHomeVisited,
    IntakeHeld,
    InclusionDeclined,
    CaseConferenceHeld,
    LifeDomainScored,
    PlanAdopted,
    RevisionStarted,
    PlanRevised,
    ArrestRecorded,
    PoliceContactRecorded,
    InterventionPlanned,
    InterventionStarted,
    InterventionCompleted,
    InterventionAborted,
    SchoolSignalRecorded,
    JitStepRecorded,
    MayorOrderIssued,
    MayorOrderExtended,
    CareReportMade,
    NetworkLinked,
    NetworkUnlinked,
    Escalated,
    DeEscalated,
    Closed,
    CorrectionRecorded,
    RightsRequestReceived,
    RightsRequestExtended,
    RightsRequestCompleted,
    SubjectErased,
    LegalHoldPlaced,
    LegalHoldLifted,
)


# --- the aggregate ---


class Trajectory(Aggregate):
    """One juvenile's trajectory in PGA 18min: who directs it, who takes part, what happened."""

    #: Snapshot state that is secret even to auditors, like ``PgaEvent.encrypted_fields``.
    encrypted_fields: ClassVar[tuple[str, ...]] = ("bsn",)
    #: Version 2 added the BSN and the information letter, version 3 the rights requests,
    #: version 4 the legal holds; older snapshots are upcast.
    class_version: ClassVar[int] = 4

    subject_id: UUID
    given_name: str | None
    family_name: str | None
    born_on: date | None
    offence_category: str
    suspected_on: date
    referred_on: date
    police_reference: str | None
    referring_organisation: str
    regisseur: Regisseur
    bsn: str | None
    letter_recipients: LetterRecipients
    letter_sent_on: date | None
    status: TrajectoryStatus
    partners: dict[str, Involvement]
    interventions: dict[UUID, Intervention]
    plan: Plan | None
    life_domain_scores: dict[str, LifeDomainScore]
    mayor_orders: dict[UUID, MayorOrder]
    networks: dict[UUID, date]
    police_home_visit_on: date | None
    intake_on: date | None
    next_case_conference_on: date | None
    escalated_to: str | None
    closed_on: date | None
    closing_reason: str | None
    case_conferences: int
    arrests: int
    police_contacts: int
    school_signals: int
    jit_steps: int
    care_reports: int
    corrections: int
    rights_requests: dict[UUID, RightsRequest]
    legal_holds: dict[UUID, LegalHold]
    erased: bool

    def __init__(self) -> None:
        """Set the defaults; ``Referred.apply`` fills in the referral."""
        self.bsn = None
        self.letter_recipients = LetterRecipients.JONGERE_EN_OUDERS
        self.letter_sent_on = None
        self.status = S.AANGEMELD
        self.partners = {}
        self.interventions = {}
        self.plan = None
        self.life_domain_scores = {}
        self.mayor_orders = {}
        self.networks = {}
        self.police_home_visit_on = None
        self.intake_on = None
        self.next_case_conference_on = None
        self.escalated_to = None
        self.closed_on = None
        self.closing_reason = None
        self.case_conferences = 0
        self.arrests = 0
        self.police_contacts = 0
        self.school_signals = 0
        self.jit_steps = 0
        self.care_reports = 0
        self.corrections = 0
        self.rights_requests = {}
        self.legal_holds = {}
        self.erased = False

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Give a snapshot taken before the BSN and the information letter their defaults."""
        state.setdefault("bsn", None)
        state.setdefault("letter_sent_on", None)
        state.setdefault(
            "letter_recipients", letter_recipients(state.get("born_on"), state["referred_on"])
        )

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """Give a snapshot taken before rights requests were recorded none."""
        state.setdefault("rights_requests", {})

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        """Give a snapshot taken before legal holds were recorded none."""
        state.setdefault("legal_holds", {})

    # -- creation --

    @classmethod
    def refer(
        cls,
        catalogue: Catalogue,
        *,
        trajectory_id: UUID,
        subject_id: UUID,
        given_name: str,
        family_name: str,
        born_on: date,
        offence_category: str,
        suspected_on: date,
        referred_on: date,
        police_reference: str,
        referring_organisation: str,
        regisseur: Regisseur,
    ) -> Trajectory:
        """Open a trajectory for a minor referred by the police."""
        catalogue.offences.require(offence_category)
        if offence_category not in catalogue.included_offences:
            raise OffenceNotIncluded(offence_category)
        not_in_future("referred_on", referred_on)
        not_before("referred_on", referred_on, "suspected_on", suspected_on)
        not_before("suspected_on", suspected_on, "born_on", born_on)
        age = age_on(born_on, referred_on)
        if age >= 18:  # noqa: PLR2004 - the legal age of majority
            raise NotAMinor(age)
        return cls._create(
            Referred,
            id=trajectory_id,
            subject_id=subject_id,
            given_name=text("given_name", given_name, max_length=100),
            family_name=text("family_name", family_name, max_length=100),
            born_on=born_on,
            offence_category=offence_category,
            suspected_on=suspected_on,
            referred_on=referred_on,
            police_reference=text("police_reference", police_reference, max_length=100),
            referring_organisation=slug("referring_organisation", referring_organisation),
            regisseur=_valid_regisseur(regisseur),
        )

    # -- guards --

    @property
    def is_closed(self) -> bool:
        """True when only rights requests apply."""
        return self.status.is_closed

    def _ensure_open(self) -> None:
        if self.erased:
            raise SubjectAlreadyErased
        if self.status.is_closed:
            raise TrajectoryClosed(self.status)

    def _ensure_status(self, action: str, allowed: Iterable[TrajectoryStatus]) -> None:
        self._ensure_open()
        if self.status not in allowed:
            raise StatusTransitionNotAllowed(action, self.status)

    def _after_referral(self, field: str, day: date) -> None:
        not_in_future(field, day)
        not_before(field, day, "referred_on", self.referred_on)

    def _involved(self, organisation: str) -> Involvement:
        try:
            return self.partners[organisation]
        except KeyError:
            raise PartnerNotInvolved(organisation) from None

    def _intervention(self, intervention_id: UUID) -> Intervention:
        try:
            return self.interventions[intervention_id]
        except KeyError:
            raise UnknownEntity("intervention", intervention_id) from None

    def age_on(self, day: date) -> int | None:
        """Return the youth's age on ``day`` (``None`` once the date of birth is erased)."""
        return None if self.born_on is None else age_on(self.born_on, day)

    # -- identification and informatieplicht --

    def record_bsn(self, bsn: str) -> None:
        """Record the youth's BSN; recording it again replaces it (a mistyped one corrected)."""
        self._ensure_open()
        self.trigger_event(BsnRecorded, bsn=valid_bsn("bsn", bsn))

    def record_information_letter(self, *, sent_on: date) -> None:
        """Record when the information letter about the referral was sent (once)."""
        self._ensure_open()
        if self.letter_sent_on is not None:
            raise InformationLetterAlreadySent("the youth and/or the parents")
        self._after_referral("sent_on", sent_on)
        self.trigger_event(
            InformationLetterSent, sent_on=sent_on, recipients=self.letter_recipients
        )

    # -- regisseur and partners --

    def assign_regisseur(self, regisseur: Regisseur) -> None:
        """Hand the trajectory to another regisseur."""
        self._ensure_open()
        regisseur = _valid_regisseur(regisseur)
        if regisseur == self.regisseur:
            raise RegisseurUnchanged
        self.trigger_event(RegisseurAssigned, regisseur=regisseur)

    def involve_partner(
        self,
        catalogue: Catalogue,
        *,
        organisation: str,
        role: PartnerRole,
        legal_basis: str,
        since: date,
    ) -> None:
        """Involve a partner organisation (need-to-know starts)."""
        self._ensure_open()
        involvement = new_involvement(
            catalogue,
            self.partners,
            organisation=organisation,
            role=role,
            legal_basis=legal_basis,
            since=since,
        )
        if role == PartnerRole.REGISSEUR:
            raise InvalidValue("role", "the regisseur is assigned, not involved as a partner")
        self.trigger_event(PartnerInvolved, involvement=involvement)

    def withdraw_partner(self, *, organisation: str, withdrawn_on: date, why: str) -> None:
        """End a partner's involvement (need-to-know ends)."""
        self._ensure_open()
        involvement = self._involved(organisation)
        still_open = [
            item
            for item in self.interventions.values()
            if item.responsible_organisation == organisation
            and item.state in {InterventionState.PLANNED, InterventionState.STARTED}
        ]
        if still_open:
            raise PartnerStillResponsible(organisation, len(still_open), "intervention")
        not_in_future("withdrawn_on", withdrawn_on)
        not_before("withdrawn_on", withdrawn_on, "since", involvement.since)
        self.trigger_event(
            PartnerWithdrawn,
            organisation=organisation,
            withdrawn_on=withdrawn_on,
            reason=reason("withdrawing a partner", why),
        )

    # -- intake and plan --

    def record_police_home_visit(
        self, *, visited_on: date, youth_informed: bool, parents_informed: bool
    ) -> None:
        """Record the police's home visit informing youth and parents."""
        self._ensure_open()
        not_in_future("visited_on", visited_on)
        not_before("visited_on", visited_on, "suspected_on", self.suspected_on)
        self.trigger_event(
            PoliceHomeVisited,
            visited_on=visited_on,
            youth_informed=youth_informed,
            parents_informed=parents_informed,
        )

    def hold_intake(
        self, *, held_on: date, attendees: tuple[str, ...], trusted_person: str | None
    ) -> None:
        """Record the intake; the trajectory moves from ``aangemeld`` to ``intake``."""
        self._ensure_status("hold the intake", {S.AANGEMELD})
        not_in_future("held_on", held_on)
        not_before("held_on", held_on, "referred_on", self.referred_on)
        if not attendees:
            raise InvalidValue("attendees", "name at least one attendee")
        self.trigger_event(
            IntakeHeld,
            held_on=held_on,
            attendees=tuple(text("attendees", item, max_length=200) for item in attendees),
            trusted_person=optional_text("trusted_person", trusted_person, max_length=200),
        )

    def decline_inclusion(self, *, declined_on: date, why: str) -> None:
        """Decide not to include the youth after referral or intake (``niet_opgenomen``)."""
        self._ensure_status("decline inclusion", {S.AANGEMELD, S.INTAKE})
        not_in_future("declined_on", declined_on)
        not_before("declined_on", declined_on, "referred_on", self.referred_on)
        self.trigger_event(
            InclusionDeclined, declined_on=declined_on, reason=reason("declining inclusion", why)
        )

    def hold_case_conference(
        self,
        *,
        held_on: date,
        participants: tuple[str, ...],
        decisions: str,
        next_on: date | None,
    ) -> None:
        """Record a case conference with its participants, decisions and next date."""
        self._ensure_open()
        not_in_future("held_on", held_on)
        not_before("held_on", held_on, "referred_on", self.referred_on)
        if next_on is not None and next_on <= held_on:
            raise InvalidValue("next_on", "must be after held_on")
        if not participants:
            raise InvalidValue("participants", "name at least one participating organisation")
        self.trigger_event(
            CaseConferenceHeld,
            held_on=held_on,
            participants=tuple(slug("participants", item) for item in participants),
            decisions=text("decisions", decisions),
            next_on=next_on,
        )

    def score_life_domain(
        self,
        catalogue: Catalogue,
        *,
        life_domain: str,
        score: int,
        instrument: str,
        scored_on: date,
    ) -> None:
        """Record a score from 1 to 5 on one life domain."""
        self._ensure_open()
        if not 1 <= score <= 5:  # noqa: PLR2004 - the instruments' scale
            raise InvalidValue("score", "must be between 1 and 5")
        not_in_future("scored_on", scored_on)
        self.trigger_event(
            LifeDomainScored,
            life_domain=catalogue.life_domains.require(life_domain),
            score=score,
            instrument=catalogue.instruments.require(instrument),
            scored_on=scored_on,
        )

    def adopt_plan(
        self,
        catalogue: Catalogue,
        *,
        adopted_on: date,
        goals: tuple[PlanGoal, ...],
        agreements: str | None,
    ) -> None:
        """Adopt the first plan of approach; ``intake`` becomes ``actief``."""
        self._ensure_status("adopt a plan", {S.INTAKE})
        self.trigger_event(
            PlanAdopted,
            adopted_on=adopted_on,
            goals=self._valid_goals(catalogue, adopted_on, goals),
            agreements=optional_text("agreements", agreements),
        )

    def start_revision(self, *, started_on: date, why: str) -> None:
        """Open the plan for revision (``actief`` → ``bijstelling``)."""
        self._ensure_status("start a revision", {S.ACTIEF})
        self._after_referral("started_on", started_on)
        self.trigger_event(
            RevisionStarted, started_on=started_on, reason=reason("starting a revision", why)
        )

    def revise_plan(
        self,
        catalogue: Catalogue,
        *,
        adopted_on: date,
        goals: tuple[PlanGoal, ...],
        agreements: str | None,
    ) -> None:
        """Adopt a revised plan (from ``bijstelling`` or ``afgeschaald``; back to ``actief``)."""
        self._ensure_status("revise the plan", {S.BIJSTELLING, S.AFGESCHAALD})
        self.trigger_event(
            PlanRevised,
            adopted_on=adopted_on,
            goals=self._valid_goals(catalogue, adopted_on, goals),
            agreements=optional_text("agreements", agreements),
        )

    def _valid_goals(
        self, catalogue: Catalogue, adopted_on: date, goals: tuple[PlanGoal, ...]
    ) -> tuple[PlanGoal, ...]:
        self._after_referral("adopted_on", adopted_on)
        if self.intake_on is not None:
            not_before("adopted_on", adopted_on, "intake_on", self.intake_on)
        if self.plan is not None:
            not_before(
                "adopted_on", adopted_on, "the current plan's adopted_on", self.plan.adopted_on
            )
        if not goals:
            raise InvalidValue("goals", "a plan needs at least one goal")
        if len({goal.goal_id for goal in goals}) != len(goals):
            raise InvalidValue("goals", "goal ids must be unique")
        valid = []
        for goal in goals:
            catalogue.life_domains.require(goal.life_domain)
            if goal.responsible_organisation != self.regisseur.organisation:
                self._involved(goal.responsible_organisation)
            not_before("due_on", goal.due_on, "adopted_on", adopted_on)
            valid.append(replace(goal, description=text("description", goal.description)))
        return tuple(valid)

    # -- police, school, JIT, care --

    def record_arrest(
        self,
        catalogue: Catalogue,
        *,
        arrested_on: date,
        offence_category: str,
        police_reference: str,
    ) -> None:
        """Record an arrest of the youth as a suspect."""
        self._ensure_open()
        not_in_future("arrested_on", arrested_on)
        self.trigger_event(
            ArrestRecorded,
            arrested_on=arrested_on,
            offence_category=catalogue.offences.require(offence_category),
            police_reference=text("police_reference", police_reference, max_length=100),
        )

    def record_police_contact(
        self,
        catalogue: Catalogue,
        *,
        occurred_on: date,
        offence_category: str,
        role: str,
        police_reference: str,
    ) -> None:
        """Record a new police contact (suspect, victim or witness)."""
        self._ensure_open()
        not_in_future("occurred_on", occurred_on)
        self.trigger_event(
            PoliceContactRecorded,
            occurred_on=occurred_on,
            offence_category=catalogue.offences.require(offence_category),
            role=catalogue.police_contact_roles.require(role),
            police_reference=text("police_reference", police_reference, max_length=100),
        )

    def record_school_signal(
        self,
        catalogue: Catalogue,
        *,
        kind: str,
        observed_on: date,
        absence_hours: int | None,
        source_role: PartnerRole,
        source_organisation: str,
    ) -> None:
        """Record a signal from the school or leerplicht."""
        self._ensure_open()
        signal = catalogue.school_signals[kind]
        if source_role not in {PartnerRole.SCHOOL, PartnerRole.LEERPLICHT}:
            raise InvalidValue("source_role", "school signals come from 'school' or 'leerplicht'")
        if signal.needs_hours:
            if absence_hours is None or not 1 <= absence_hours <= MAX_ABSENCE_HOURS:
                raise InvalidValue(
                    "absence_hours", f"required for '{kind}', 1 to {MAX_ABSENCE_HOURS}"
                )
        elif absence_hours is not None:
            raise InvalidValue("absence_hours", f"only for absence signals, not '{kind}'")
        not_in_future("observed_on", observed_on)
        self.trigger_event(
            SchoolSignalRecorded,
            kind=kind,
            observed_on=observed_on,
            absence_hours=absence_hours,
            source_role=source_role,
            source_organisation=slug("source_organisation", source_organisation),
        )

    def record_jit_step(
        self,
        catalogue: Catalogue,
        *,
        kind: str,
        occurred_on: date,
        incident_on: date | None,
        parents_present: bool,
    ) -> None:
        """Record a JIT step; a reprimand or stop talk records its distance to the incident."""
        self._ensure_open()
        step = catalogue.jit_steps[kind]
        not_in_future("occurred_on", occurred_on)
        days: int | None = None
        if incident_on is not None:
            not_before("occurred_on", occurred_on, "incident_on", incident_on)
            days = (occurred_on - incident_on).days
        elif step.needs_incident:
            raise InvalidValue("incident_on", f"required for '{kind}'")
        self.trigger_event(
            JitStepRecorded,
            kind=kind,
            occurred_on=occurred_on,
            incident_on=incident_on,
            days_after_incident=days,
            parents_present=parents_present,
        )

    def make_care_report(self, *, made_on: date, summary: str) -> None:
        """Record a care report (zorgmelding) to Veilig Thuis."""
        self._ensure_open()
        not_in_future("made_on", made_on)
        self.trigger_event(CareReportMade, made_on=made_on, summary=text("summary", summary))

    # -- interventions --

    def plan_intervention(
        self,
        catalogue: Catalogue,
        *,
        intervention_id: UUID,
        kind: str,
        responsible_organisation: str,
        legal_basis: str,
        planned_start: date,
        planned_end: date,
    ) -> None:
        """Plan an intervention owned by an involved partner in the catalogue's owning role."""
        self._ensure_open()
        if intervention_id in self.interventions:
            raise DuplicateEntity("intervention", intervention_id)
        kind_entry = catalogue.interventions[kind]
        partner = self.partners.get(responsible_organisation)
        if partner is None or partner.role != kind_entry.owner:
            raise WrongOwnerRole(kind, kind_entry.owner, responsible_organisation)
        not_before("planned_end", planned_end, "planned_start", planned_start)
        if (
            kind_entry.max_days is not None
            and (planned_end - planned_start).days > kind_entry.max_days
        ):
            raise InvalidValue("planned_end", f"'{kind}' lasts at most {kind_entry.max_days} days")
        age = self.age_on(planned_start)
        low, high = kind_entry.min_age, kind_entry.max_age
        if age is not None and (
            (low is not None and age < low) or (high is not None and age > high)
        ):
            raise AgeOutsideRange(kind, age, low or 0, high or 99)
        self.trigger_event(
            InterventionPlanned,
            intervention_id=intervention_id,
            kind=kind,
            responsible_organisation=responsible_organisation,
            legal_basis=catalogue.legal_bases.require(legal_basis),
            planned_start=planned_start,
            planned_end=planned_end,
        )

    def start_intervention(self, *, intervention_id: UUID, started_on: date) -> None:
        """Start a planned intervention."""
        self._ensure_open()
        item = self._intervention(intervention_id)
        if item.state != InterventionState.PLANNED:
            raise InterventionLifecycleViolation("start", item.state)
        not_in_future("started_on", started_on)
        self.trigger_event(
            InterventionStarted, intervention_id=intervention_id, started_on=started_on
        )

    def complete_intervention(
        self, *, intervention_id: UUID, completed_on: date, outcome: str
    ) -> None:
        """Complete a started intervention."""
        self._ensure_open()
        item = self._intervention(intervention_id)
        if item.state != InterventionState.STARTED or item.started_on is None:
            raise InterventionLifecycleViolation("complete", item.state)
        not_in_future("completed_on", completed_on)
        not_before("completed_on", completed_on, "started_on", item.started_on)
        self.trigger_event(
            InterventionCompleted,
            intervention_id=intervention_id,
            completed_on=completed_on,
            outcome=text("outcome", outcome),
        )

    def abort_intervention(self, *, intervention_id: UUID, aborted_on: date, why: str) -> None:
        """Abort a started intervention, or cancel a planned one."""
        self._ensure_open()
        item = self._intervention(intervention_id)
        if item.state not in {InterventionState.PLANNED, InterventionState.STARTED}:
            raise InterventionLifecycleViolation("abort", item.state)
        not_in_future("aborted_on", aborted_on)
        if item.started_on is not None:
            not_before("aborted_on", aborted_on, "started_on", item.started_on)
        self.trigger_event(
            InterventionAborted,
            intervention_id=intervention_id,
            aborted_on=aborted_on,
            reason=reason("aborting an intervention", why),
        )

    # -- mayor's orders (art. 172a Gemeentewet) --

    def issue_mayor_order(
        self,
        catalogue: Catalogue,
        *,
        order_id: UUID,
        kind: str,
        starts_on: date,
        ends_on: date,
        area: str | None,
    ) -> None:
        """Record an art. 172a order; it lasts at most three months."""
        self._ensure_open()
        if order_id in self.mayor_orders:
            raise DuplicateEntity("mayor's order", order_id)
        not_in_future("starts_on", starts_on)
        _check_order_period(starts_on, ends_on)
        self.trigger_event(
            MayorOrderIssued,
            order_id=order_id,
            kind=catalogue.mayor_orders.require(kind),
            starts_on=starts_on,
            ends_on=ends_on,
            area=optional_text("area", area, max_length=500),
        )

    def extend_mayor_order(self, *, order_id: UUID, ends_on: date) -> None:
        """Extend an order by at most three months, at most three times."""
        self._ensure_open()
        try:
            order = self.mayor_orders[order_id]
        except KeyError:
            raise UnknownEntity("mayor's order", order_id) from None
        if order.extensions >= MAX_ORDER_EXTENSIONS:
            raise TooManyExtensions
        if ends_on <= order.ends_on:
            raise InvalidValue("ends_on", "an extension must end after the current end")
        _check_order_period(order.ends_on, ends_on)
        self.trigger_event(MayorOrderExtended, order_id=order_id, ends_on=ends_on)

    # -- youth networks --

    def link_network(self, *, network_id: UUID, linked_on: date) -> None:
        """Link the youth to a youth network."""
        self._ensure_open()
        if network_id in self.networks:
            raise NetworkLinkConflict("the trajectory is already linked to that network")
        not_in_future("linked_on", linked_on)
        self.trigger_event(NetworkLinked, network_id=network_id, linked_on=linked_on)

    def unlink_network(self, *, network_id: UUID, unlinked_on: date, why: str) -> None:
        """End the link to a youth network."""
        self._ensure_open()
        if network_id not in self.networks:
            raise NetworkLinkConflict("the trajectory is not linked to that network")
        not_in_future("unlinked_on", unlinked_on)
        not_before("unlinked_on", unlinked_on, "linked_on", self.networks[network_id])
        self.trigger_event(
            NetworkUnlinked,
            network_id=network_id,
            unlinked_on=unlinked_on,
            reason=reason("unlinking a network", why),
        )

    # -- escalate, de-escalate, close --

    def escalate(self, catalogue: Catalogue, *, escalated_on: date, target: str, why: str) -> None:
        """Hand the case to the Zorg- en Veiligheidshuis or TopX."""
        self._ensure_status("escalate", {S.INTAKE, S.ACTIEF, S.BIJSTELLING, S.AFGESCHAALD})
        self._after_referral("escalated_on", escalated_on)
        self.trigger_event(
            Escalated,
            escalated_on=escalated_on,
            target=catalogue.escalation_targets.require(target),
            reason=reason("escalating", why),
        )

    def de_escalate(self, *, de_escalated_on: date, why: str) -> None:
        """Scale down to monitoring only."""
        self._ensure_status("de-escalate", {S.ACTIEF, S.BIJSTELLING, S.OPGESCHAALD})
        self._after_referral("de_escalated_on", de_escalated_on)
        self.trigger_event(
            DeEscalated, de_escalated_on=de_escalated_on, reason=reason("de-escalating", why)
        )

    def close(
        self, catalogue: Catalogue, *, closed_on: date, reason_code: str, handover_to: str | None
    ) -> None:
        """Close the trajectory; handover reasons need a warm handover to someone."""
        self._ensure_open()
        closing = catalogue.closing_reasons[reason_code]
        handover = optional_text("handover_to", handover_to, max_length=200)
        if closing.needs_handover and handover is None:
            raise InvalidValue(
                "handover_to", f"closing reason '{reason_code}' needs a warm handover"
            )
        not_in_future("closed_on", closed_on)
        not_before("closed_on", closed_on, "referred_on", self.referred_on)
        self.trigger_event(
            Closed, closed_on=closed_on, reason_code=reason_code, handover_to=handover
        )

    # -- rights requests (also on closed trajectories) --

    def record_correction(
        self,
        *,
        corrects_version: int,
        why: str,
        what_was_wrong: str | None = None,
        correction: str | None = None,
        corrected_fields: tuple[CorrectedField, ...] = (),
    ) -> None:
        """Record a rectification of an earlier event (allowed on closed trajectories).

        Either structured (``corrected_fields`` of the referral, each with a value of the field's
        type) or free text (``what_was_wrong`` and ``correction`` both given).
        """
        if self.erased:
            raise SubjectAlreadyErased
        if not 1 <= corrects_version <= self.version:
            raise InvalidValue("corrects_version", f"must be a version from 1 to {self.version}")
        fields = self._valid_corrections(corrects_version, corrected_fields)
        wrong = optional_text("what_was_wrong", what_was_wrong)
        described = optional_text("correction", correction)
        if not fields and (wrong is None or described is None):
            raise InvalidValue(
                "corrected_fields",
                "name the corrected fields, or describe what was wrong and the correction",
            )
        self.trigger_event(
            CorrectionRecorded,
            corrects_version=corrects_version,
            what_was_wrong=wrong,
            correction=described,
            reason=reason("a correction", why),
            corrected_fields=fields,
        )

    def _valid_corrections(
        self, corrects_version: int, corrected_fields: tuple[CorrectedField, ...]
    ) -> tuple[CorrectedField, ...]:
        if not corrected_fields:
            return ()
        if corrects_version != CORRECTABLE_VERSION:
            raise InvalidValue(
                "corrected_fields", "only the referral's facts (version 1) are corrected by field"
            )
        names = [item.field for item in corrected_fields]
        if len(set(names)) != len(names):
            raise InvalidValue("corrected_fields", "each field may be corrected once")
        return tuple(self._valid_correction(item) for item in corrected_fields)

    def _valid_correction(self, item: CorrectedField) -> CorrectedField:
        kind = CORRECTABLE_FIELDS.get(item.field)
        if kind is None:  # the name is input: not repeated in the message
            correctable = ", ".join(CORRECTABLE_FIELDS)
            raise InvalidValue("corrected_fields", f"only these can be corrected: {correctable}")
        if kind is not date:
            return CorrectedField(item.field, text(item.field, item.value, max_length=100))
        try:
            born_on = date.fromisoformat(item.value)
        except ValueError:
            raise InvalidValue(item.field, "must be a date (YYYY-MM-DD)") from None
        not_in_future(item.field, born_on)
        not_before("suspected_on", self.suspected_on, item.field, born_on)
        return CorrectedField(item.field, born_on.isoformat())

    def receive_rights_request(
        self,
        *,
        request_id: UUID,
        kind: RightsRequestKind,
        requester: Requester,
        received_on: date,
    ) -> None:
        """Record a rights request with its deadline (also on a closed trajectory)."""
        if self.erased:
            raise SubjectAlreadyErased
        if request_id in self.rights_requests:
            raise DuplicateEntity("rights request", request_id)
        self._after_referral("received_on", received_on)
        self.trigger_event(
            RightsRequestReceived,
            request_id=request_id,
            kind=RightsRequestKind(kind),
            requester=Requester(requester),
            received_on=received_on,
            due_on=rights_request_due_on(received_on),
        )

    def extend_rights_request(self, *, request_id: UUID, extended_on: date, why: str) -> None:
        """Extend an open request's term once, by two months, within its first term."""
        if self.erased:
            raise SubjectAlreadyErased
        request = self._open_rights_request(request_id)
        if request.extended:
            raise RightsRequestAlreadyExtended
        not_in_future("extended_on", extended_on)
        not_before("extended_on", extended_on, "received_on", request.received_on)
        # The requester must hear of the extension within the first month (art. 12(3)).
        not_before("due_on", request.due_on, "extended_on", extended_on)
        self.trigger_event(
            RightsRequestExtended,
            request_id=request_id,
            extended_on=extended_on,
            due_on=extended_due_on(request.due_on),
            reason=reason("extending a rights request", why),
        )

    def complete_rights_request(
        self,
        *,
        request_id: UUID,
        completed_on: date,
        outcome: RightsRequestOutcome,
        note: str | None,
    ) -> None:
        """Record the answer to a request; allowed after erasure (it answers the erasure)."""
        request = self._open_rights_request(request_id)
        written = optional_text("note", note)
        if self.erased and written is not None:
            raise ErasedSubjectText("note")
        not_in_future("completed_on", completed_on)
        not_before("completed_on", completed_on, "received_on", request.received_on)
        self.trigger_event(
            RightsRequestCompleted,
            request_id=request_id,
            completed_on=completed_on,
            outcome=RightsRequestOutcome(outcome),
            note=written,
        )

    def _open_rights_request(self, request_id: UUID) -> RightsRequest:
        try:
            request = self.rights_requests[request_id]
        except KeyError:
            raise UnknownEntity("rights request", request_id) from None
        if request.completed_on is not None:
            raise RightsRequestAlreadyCompleted
        return request

    def erase_subject(self, *, erased_on: date, basis: str, why: str) -> None:
        """Record that the youth's personal data is erased (the tombstone; closed ones too).

        Refused while a legal hold is in place (``UnderLegalHold``): it must be lifted first.
        """
        if self.erased:
            raise SubjectAlreadyErased
        if self.legal_holds:
            raise UnderLegalHold
        self._after_referral("erased_on", erased_on)
        self.trigger_event(
            SubjectErased,
            erased_on=erased_on,
            basis=erasure_basis(basis),
            reason=reason("an erasure", why),
        )

    # -- legal holds --

    def place_legal_hold(self, *, hold_id: UUID, placed_on: date, basis: str, why: str) -> None:
        """Place a legal hold (also on a closed trajectory): nothing of the youth is erased."""
        if self.erased:
            raise SubjectAlreadyErased
        if hold_id in self.legal_holds:
            raise DuplicateEntity("legal hold", hold_id)
        self._after_referral("placed_on", placed_on)
        self.trigger_event(
            LegalHoldPlaced,
            hold_id=hold_id,
            placed_on=placed_on,
            basis=hold_basis(basis),
            reason=reason("a legal hold", why),
        )

    def lift_legal_hold(self, *, hold_id: UUID, lifted_on: date, why: str) -> None:
        """Lift a legal hold; the retention terms apply again."""
        try:
            hold = self.legal_holds[hold_id]
        except KeyError:
            raise UnknownEntity("legal hold", hold_id) from None
        not_in_future("lifted_on", lifted_on)
        not_before("lifted_on", lifted_on, "placed_on", hold.placed_on)
        self.trigger_event(
            LegalHoldLifted,
            hold_id=hold_id,
            lifted_on=lifted_on,
            reason=reason("lifting a legal hold", why),
        )


def _valid_regisseur(regisseur: Regisseur) -> Regisseur:
    return Regisseur(
        user_id=user_id("regisseur.user_id", regisseur.user_id),
        organisation=slug("regisseur.organisation", regisseur.organisation),
    )


def _check_order_period(starts_on: date, ends_on: date) -> None:
    if ends_on <= starts_on:
        raise InvalidValue("ends_on", "must be after the start")
    limit = add_months(starts_on, ORDER_MONTHS)
    if ends_on > limit:
        raise MayorOrderTooLong(limit.isoformat())
