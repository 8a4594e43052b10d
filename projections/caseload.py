"""The caseload: one row per trajectory, the regisseur's own list of youths and what is due.

Each row (``caseload``) holds the trajectory's status, its regisseur (user and organisation), the
youth's name and date of birth with the day the youth turns 18, the offence categories, the open
interventions and what is due, the last activity, the referral and closing dates, the number of
partners involved, and whether the subject was erased. It is the regisseur's list, so it holds
names; partners get their own, filtered read models.

What the columns mean, where the domain leaves a choice:

``offence_categories``
    The referral's category plus those of later arrests and of police contacts in which the youth
    was the suspect (``verdachte``): the categories the youth is suspected of. A contact as victim
    or witness is not the youth's offence. Sorted, without duplicates.
``open_interventions``, ``intervention_due_on``
    Interventions planned or started (not completed or aborted), and the earliest planned end
    among them.
``plan_review_due_on``
    When the plan is next due for review. The plan is monitored in case conferences (DOMAIN.md),
    so it is the earlier of: the next case conference date set by the latest conference, and the
    earliest due date of a goal of the current plan that no case conference has looked at yet (a
    goal counts as reviewed once a conference was held on or after its due date; a revised plan
    replaces the goals). ``None``: nothing is due.
``next_due_on``
    The earlier of ``intervention_due_on`` and ``plan_review_due_on``.
``last_activity_on``
    The latest day on which something happened in the case: the greatest business date of the
    trajectory's events (the day of the arrest, the intake, the conference;
    ``projections.timeline.occurred_on``), or the recording day (UTC, as the domain's recording
    day) for events without one. The greatest, so a late recording of something old never moves
    it back.
``letter_recipients``, ``letter_sent_on``
    The information letter about the referral (informatieplicht, AVG art. 14): to whom it goes
    (by the youth's age on the referral date) and when it was sent (``None``: not yet). It is due
    ``information_letter_days`` after ``referred_on`` (configuration, so worked out at query
    time); the ``information_letter_overdue`` signal fires when it is due and not sent.
``given_name``, ``family_name``, ``born_on``
    As referred, or as a correction by field (``CorrectionRecorded.corrected_fields``) set them
    later; a corrected date of birth moves ``turns_18_on``, and, while the letter is not sent,
    who gets it.
``erased``
    ``SubjectErased`` blanks the names, the date of birth and the day the youth turns 18, and,
    as the aggregate drops the plan's goals, their due dates. An erased trajectory accepts no
    more commands, so it never raises a signal.
``rights_requests_open``, ``rights_request_due_on``
    The rights requests of the youth recorded on this trajectory (inzage, correctie,
    verwijdering; ``RightsRequestReceived``) that are not completed, and the earliest due date
    among them (an extension moves its request's; ``None``: none open). A request is overdue
    when that date is before ``today`` (the municipality's calendar day), worked out at query
    time. Unlike the signals this holds for closed and erased trajectories too: a request is
    recorded on a closed trajectory, and the erasure request is completed after the erasure, so
    its deadline must stay visible. Only the regisseur's caseload has these columns; partners
    see nothing about rights requests (record kind ``rechtenverzoek``, partner ceiling none).

Nothing stored depends on "today": age, the signals and whether something is overdue are worked
out by the query functions from the ``today`` and ``CaseloadThresholds`` they are given. The rows
also keep what the due dates are computed from (the open interventions' ids and planned ends, the
plan's goal due dates, the last and next case conference), so each event updates its row alone.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import msgspec
from psycopg import sql

from pga.domain.catalogue import OFFENCE_CATEGORIES
from pga.domain.common import LetterRecipients, age_on, letter_recipients
from pga.domain.trajectory import (
    CLOSED_STATUSES,
    TRAJECTORY_EVENTS,
    ArrestRecorded,
    CaseConferenceHeld,
    Closed,
    CorrectionRecorded,
    DeEscalated,
    Escalated,
    InclusionDeclined,
    InformationLetterSent,
    IntakeHeld,
    InterventionAborted,
    InterventionCompleted,
    InterventionPlanned,
    PartnerInvolved,
    PartnerWithdrawn,
    PlanAdopted,
    PlanRevised,
    PoliceContactRecorded,
    Referred,
    RegisseurAssigned,
    RevisionStarted,
    RightsRequestCompleted,
    RightsRequestExtended,
    RightsRequestReceived,
    SubjectErased,
    TrajectoryStatus,
    corrected_value,
)
from projections.base import Batch, Envelope, ReadModel, Rows, Table
from projections.paging import (
    DEFAULT_PAGE_SIZE,
    check_page,
    limit_offset,
    page_with_total,
    split_total,
)
from projections.runner import schema_name
from projections.timeline import occurred_on

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import psycopg

    from pga.domain.common import PgaEvent

S = TrajectoryStatus
ADULT_AGE = 18
#: The police contact role whose offence category counts as the youth's own.
SUSPECT = "verdachte"


# --- stored rows ---


class CaseloadRecord(msgspec.Struct):
    """One trajectory as stored (the ``caseload`` table)."""

    trajectory_id: UUID
    subject_id: UUID
    status: str
    regisseur_user: str
    regisseur_organisation: str
    given_name: str | None
    family_name: str | None
    born_on: date | None
    turns_18_on: date | None
    offence_categories: list[str]
    open_interventions: int
    intervention_due_on: date | None
    plan_review_due_on: date | None
    next_due_on: date | None
    last_activity_on: date
    referred_on: date
    closed_on: date | None
    partners: int
    erased: bool
    open_intervention_ids: list[UUID]
    """The open interventions, in the order they were planned."""
    open_intervention_ends: list[date]
    """Their planned ends, in the same order."""
    plan_goal_due_dates: list[date]
    """The current plan's goals' due dates, sorted."""
    last_case_conference_on: date | None
    """The latest day a case conference was held."""
    next_case_conference_on: date | None
    """The next case conference date set by the latest recorded one."""
    letter_recipients: str
    """Who gets the information letter (``LetterRecipients``)."""
    letter_sent_on: date | None
    """When the information letter was sent (``None``: not yet)."""
    rights_requests_open: int
    """How many rights requests recorded on the trajectory are not completed."""
    rights_request_due_on: date | None
    """The earliest due date among them (``None``: none open)."""
    open_rights_request_ids: list[UUID]
    """The open rights requests, in the order they were received."""
    open_rights_request_due_dates: list[date]
    """Their due dates, in the same order."""


CASELOAD = Table(
    name="caseload",
    columns=(
        ("trajectory_id", "uuid NOT NULL"),
        ("subject_id", "uuid NOT NULL"),
        ("status", "text NOT NULL"),
        ("regisseur_user", "text NOT NULL"),
        ("regisseur_organisation", "text NOT NULL"),
        ("given_name", "text"),
        ("family_name", "text"),
        ("born_on", "date"),
        ("turns_18_on", "date"),
        ("offence_categories", "text[] NOT NULL"),
        ("open_interventions", "integer NOT NULL"),
        ("intervention_due_on", "date"),
        ("plan_review_due_on", "date"),
        ("next_due_on", "date"),
        ("last_activity_on", "date NOT NULL"),
        ("referred_on", "date NOT NULL"),
        ("closed_on", "date"),
        ("partners", "integer NOT NULL"),
        ("erased", "boolean NOT NULL"),
        ("open_intervention_ids", "uuid[] NOT NULL"),
        ("open_intervention_ends", "date[] NOT NULL"),
        ("plan_goal_due_dates", "date[] NOT NULL"),
        ("last_case_conference_on", "date"),
        ("next_case_conference_on", "date"),
        ("letter_recipients", "text NOT NULL"),
        ("letter_sent_on", "date"),
        ("rights_requests_open", "integer NOT NULL"),
        ("rights_request_due_on", "date"),
        ("open_rights_request_ids", "uuid[] NOT NULL"),
        ("open_rights_request_due_dates", "date[] NOT NULL"),
    ),
    key=("trajectory_id",),
    indexes=(("regisseur_user", "status"),),
)


def turns_18_on(born_on: date) -> date:
    """Return the day someone born on ``born_on`` turns 18 (born on 29 February: 1 March)."""
    try:
        return born_on.replace(year=born_on.year + ADULT_AGE)
    except ValueError:
        return date(born_on.year + ADULT_AGE, 3, 1)


def _earliest(*days: date | None) -> date | None:
    present = [day for day in days if day is not None]
    return min(present) if present else None


def _refresh_due_dates(row: CaseloadRecord) -> None:
    """Work out the due dates from what the row keeps (see the module docstring)."""
    row.open_interventions = len(row.open_intervention_ids)
    row.intervention_due_on = min(row.open_intervention_ends, default=None)
    goals = row.plan_goal_due_dates
    reviewed = row.last_case_conference_on
    first_open_goal = 0 if reviewed is None else bisect_right(goals, reviewed)
    goal_due = goals[first_open_goal] if first_open_goal < len(goals) else None
    row.plan_review_due_on = _earliest(row.next_case_conference_on, goal_due)
    row.next_due_on = _earliest(row.intervention_due_on, row.plan_review_due_on)


#: Events that change only the status (and, for the closing ones, the closing date).
_STATUS_OF: dict[type[PgaEvent], TrajectoryStatus] = {
    IntakeHeld: S.INTAKE,
    RevisionStarted: S.BIJSTELLING,
    Escalated: S.OPGESCHAALD,
    DeEscalated: S.AFGESCHAALD,
}


class Caseload(ReadModel):
    """One row per trajectory (see the module docstring)."""

    name: ClassVar[str] = "caseload"
    #: Version 3: corrections by field change the names and the date of birth.
    #: 4: erasure sets the letter's recipients as for an unknown date of birth.
    #: 5: the open rights requests and the earliest of their due dates.
    version: ClassVar[int] = 5
    tables: ClassVar[tuple[Table, ...]] = (CASELOAD,)

    def __init__(self) -> None:
        self.rows = Rows(CASELOAD, CaseloadRecord)
        self._handlers: dict[type[PgaEvent], Callable[[Any, CaseloadRecord], None]] = {
            RegisseurAssigned: _regisseur_assigned,
            PartnerInvolved: _partner_involved,
            PartnerWithdrawn: _partner_withdrawn,
            InclusionDeclined: _inclusion_declined,
            CaseConferenceHeld: _case_conference_held,
            PlanAdopted: _plan_adopted,
            PlanRevised: _plan_adopted,
            ArrestRecorded: _arrest_recorded,
            PoliceContactRecorded: _police_contact_recorded,
            InterventionPlanned: _intervention_planned,
            InterventionCompleted: _intervention_ended,
            InterventionAborted: _intervention_ended,
            Closed: _closed,
            SubjectErased: _subject_erased,
            InformationLetterSent: _information_letter_sent,
            CorrectionRecorded: _corrected,
            RightsRequestReceived: _rights_request_received,
            RightsRequestExtended: _rights_request_extended,
            RightsRequestCompleted: _rights_request_completed,
        }
        for event_class, status in _STATUS_OF.items():
            self._handlers[event_class] = _status_setter(status)
        # Every other trajectory event only counts as activity.
        self._trajectory_events = frozenset(TRAJECTORY_EVENTS)

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch the stored rows of the trajectories the batch changes (referrals are new)."""
        trajectories = {
            envelope.event.originator_id
            for envelope in envelopes
            if type(envelope.event) in self._trajectory_events
            and not isinstance(envelope.event, Referred)
        }
        self.rows.load(batch, "trajectory_id", trajectories)

    def handle(self, envelope: Envelope) -> None:
        """Apply one trajectory event (network events: nothing)."""
        event = envelope.event
        event_class = type(event)
        if event_class not in self._trajectory_events:
            return
        if isinstance(event, Referred):
            self.rows.put(_referred(event))
            return
        row = self.rows.get(event.originator_id)
        if row is None:
            msg = f"trajectory {event.originator_id} has no row: its referral was not applied"
            raise LookupError(msg)
        handler = self._handlers.get(event_class)
        if handler is not None:
            handler(event, row)
        day = occurred_on(event) or event.timestamp.date()
        row.last_activity_on = max(row.last_activity_on, day)
        self.rows.touch(row)

    def save(self, batch: Batch) -> None:
        """Write the new and changed rows."""
        self.rows.save(batch)

    def reset(self) -> None:
        """Forget the batch."""
        self.rows.clear()


# --- handlers: change the row in place (``handle`` marks it changed) ---


def _referred(event: Referred) -> CaseloadRecord:
    return CaseloadRecord(
        trajectory_id=event.originator_id,
        subject_id=event.subject_id,
        status=S.AANGEMELD.value,
        regisseur_user=event.regisseur.user_id,
        regisseur_organisation=event.regisseur.organisation,
        given_name=event.given_name,
        family_name=event.family_name,
        born_on=event.born_on,
        turns_18_on=turns_18_on(event.born_on),
        offence_categories=[event.offence_category],
        open_interventions=0,
        intervention_due_on=None,
        plan_review_due_on=None,
        next_due_on=None,
        last_activity_on=event.referred_on,
        referred_on=event.referred_on,
        closed_on=None,
        partners=0,
        erased=False,
        open_intervention_ids=[],
        open_intervention_ends=[],
        plan_goal_due_dates=[],
        last_case_conference_on=None,
        next_case_conference_on=None,
        letter_recipients=letter_recipients(event.born_on, event.referred_on).value,
        letter_sent_on=None,
        rights_requests_open=0,
        rights_request_due_on=None,
        open_rights_request_ids=[],
        open_rights_request_due_dates=[],
    )


def _status_setter(status: TrajectoryStatus) -> Callable[[Any, CaseloadRecord], None]:
    def set_status(_event: object, row: CaseloadRecord) -> None:
        row.status = status.value

    return set_status


def _regisseur_assigned(event: RegisseurAssigned, row: CaseloadRecord) -> None:
    row.regisseur_user = event.regisseur.user_id
    row.regisseur_organisation = event.regisseur.organisation


def _partner_involved(_event: PartnerInvolved, row: CaseloadRecord) -> None:
    row.partners += 1


def _partner_withdrawn(_event: PartnerWithdrawn, row: CaseloadRecord) -> None:
    row.partners -= 1


def _inclusion_declined(event: InclusionDeclined, row: CaseloadRecord) -> None:
    row.status = S.NIET_OPGENOMEN.value
    row.closed_on = event.declined_on


def _case_conference_held(event: CaseConferenceHeld, row: CaseloadRecord) -> None:
    row.next_case_conference_on = event.next_on
    if row.last_case_conference_on is None or event.held_on > row.last_case_conference_on:
        row.last_case_conference_on = event.held_on
    _refresh_due_dates(row)


def _plan_adopted(event: PlanAdopted | PlanRevised, row: CaseloadRecord) -> None:
    row.status = S.ACTIEF.value
    row.plan_goal_due_dates = sorted({goal.due_on for goal in event.goals})
    _refresh_due_dates(row)


def _add_offence(row: CaseloadRecord, category: str) -> None:
    if category not in row.offence_categories:
        insort(row.offence_categories, category)


def _arrest_recorded(event: ArrestRecorded, row: CaseloadRecord) -> None:
    _add_offence(row, event.offence_category)


def _police_contact_recorded(event: PoliceContactRecorded, row: CaseloadRecord) -> None:
    if event.role == SUSPECT:
        _add_offence(row, event.offence_category)


def _intervention_planned(event: InterventionPlanned, row: CaseloadRecord) -> None:
    row.open_intervention_ids.append(event.intervention_id)
    row.open_intervention_ends.append(event.planned_end)
    _refresh_due_dates(row)


def _intervention_ended(
    event: InterventionCompleted | InterventionAborted, row: CaseloadRecord
) -> None:
    index = row.open_intervention_ids.index(event.intervention_id)
    del row.open_intervention_ids[index]
    del row.open_intervention_ends[index]
    _refresh_due_dates(row)


def _closed(event: Closed, row: CaseloadRecord) -> None:
    row.status = S.AFGESLOTEN.value
    row.closed_on = event.closed_on


def _information_letter_sent(event: InformationLetterSent, row: CaseloadRecord) -> None:
    row.letter_recipients = event.recipients.value
    row.letter_sent_on = event.sent_on


def _corrected(event: CorrectionRecorded, row: CaseloadRecord) -> None:
    for item in event.corrected_fields:
        value = corrected_value(item)
        if isinstance(value, date):
            row.born_on = value
            row.turns_18_on = turns_18_on(value)
            if row.letter_sent_on is None:
                row.letter_recipients = letter_recipients(value, row.referred_on).value
        elif item.field == "given_name":
            row.given_name = value
        elif item.field == "family_name":
            row.family_name = value


def _refresh_rights_requests(row: CaseloadRecord) -> None:
    row.rights_requests_open = len(row.open_rights_request_ids)
    row.rights_request_due_on = min(row.open_rights_request_due_dates, default=None)


def _rights_request_received(event: RightsRequestReceived, row: CaseloadRecord) -> None:
    row.open_rights_request_ids.append(event.request_id)
    row.open_rights_request_due_dates.append(event.due_on)
    _refresh_rights_requests(row)


def _rights_request_extended(event: RightsRequestExtended, row: CaseloadRecord) -> None:
    index = row.open_rights_request_ids.index(event.request_id)
    row.open_rights_request_due_dates[index] = event.due_on
    _refresh_rights_requests(row)


def _rights_request_completed(event: RightsRequestCompleted, row: CaseloadRecord) -> None:
    index = row.open_rights_request_ids.index(event.request_id)
    del row.open_rights_request_ids[index]
    del row.open_rights_request_due_dates[index]
    _refresh_rights_requests(row)


def _subject_erased(_event: SubjectErased, row: CaseloadRecord) -> None:
    # As the aggregate: the personal values go, and so do the plan's goals (their text is).
    row.erased = True
    row.given_name = None
    row.family_name = None
    row.born_on = None
    row.turns_18_on = None
    # Derived from the date of birth: as for an unknown one (a rebuild reads no birth date).
    row.letter_recipients = letter_recipients(None, row.referred_on).value
    row.plan_goal_due_dates = []
    _refresh_due_dates(row)


# --- queries ---


def _member(field: str, value: object, allowed: type[StrEnum]) -> None:
    if not isinstance(value, str) or value not in allowed.__members__.values():
        choices = ", ".join(member.value for member in allowed)
        msg = f"{field} must be one of {choices}, not {value!r}"
        raise ValueError(msg)


def _whole(field: str, value: object, low: int, high: int | None = None) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        upper = "" if high is None else f" and at most {high}"
        msg = f"{field} must be a whole number of at least {low}{upper}"
        raise ValueError(msg)


class Signal(StrEnum):
    """What the caseload flags on an open, not erased trajectory (worked out at query time)."""

    TURNS_18_SOON = "turns_18_soon"
    """The youth turns 18 within ``turns_18_within_days``, or already has."""
    OVERDUE = "overdue"
    """An intervention's planned end or the plan review is before ``today``."""
    INACTIVE = "inactive"
    """Nothing happened for ``inactive_days`` days or more."""
    INFORMATION_LETTER_OVERDUE = "information_letter_overdue"
    """The information letter was not sent and ``today`` is after its due date (the referral
    date plus ``information_letter_days``)."""


class CaseloadThresholds(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When the signals fire (configuration)."""

    turns_18_within_days: int = 90
    """Flag a youth who turns 18 within this many days (time to plan the handover)."""
    inactive_days: int = 30
    """Flag a trajectory whose last activity is at least this many days before ``today``."""
    information_letter_days: int = 30
    """The information letter is due this many days after the referral (AVG art. 14(3)(a))."""

    def __post_init__(self) -> None:
        """Refuse thresholds that are not whole numbers of days in range."""
        _whole("turns_18_within_days", self.turns_18_within_days, 0)
        _whole("inactive_days", self.inactive_days, 1)
        _whole("information_letter_days", self.information_letter_days, 1)

    def information_letter_due_on(self, referred_on: date) -> date:
        """Return the day the information letter about a referral on ``referred_on`` is due."""
        return referred_on + timedelta(days=self.information_letter_days)


#: The default thresholds (see ``CaseloadThresholds``).
DEFAULT_THRESHOLDS = CaseloadThresholds()


class SortKey(StrEnum):
    """The columns the caseload can be sorted by (ties: by trajectory id)."""

    NEXT_DUE_ON = "next_due_on"
    INTERVENTION_DUE_ON = "intervention_due_on"
    PLAN_REVIEW_DUE_ON = "plan_review_due_on"
    LAST_ACTIVITY_ON = "last_activity_on"
    REFERRED_ON = "referred_on"
    CLOSED_ON = "closed_on"
    TURNS_18_ON = "turns_18_on"
    FAMILY_NAME = "family_name"
    STATUS = "status"
    OPEN_INTERVENTIONS = "open_interventions"
    PARTNERS = "partners"
    RIGHTS_REQUEST_DUE_ON = "rights_request_due_on"


class CaseloadQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which trajectories to list, in which order, which page.

    Filters combine with AND; an empty ``statuses`` or a ``None`` filter does not filter. Rows
    without a value for the sort key (no due date, erased name) come last in either order.
    """

    statuses: tuple[str, ...] = ()
    """Only these statuses (``TrajectoryStatus`` values)."""
    closed: bool | None = None
    """``False``: only open trajectories; ``True``: only closed ones (``CLOSED_STATUSES``)."""
    regisseur_user: str | None = None
    organisation: str | None = None
    """Only trajectories whose regisseur works for this organisation."""
    offence_category: str | None = None
    signal: str | None = None
    """Only trajectories with this ``Signal``."""
    rights_request_overdue: bool | None = None
    """``True``: only trajectories with an overdue rights request; ``False``: only without."""
    sort: str = SortKey.NEXT_DUE_ON.value
    order: str = "asc"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        """Refuse values outside the lists, and pages out of range."""
        for status in self.statuses:
            _member("status", status, TrajectoryStatus)
        for field, value in (
            ("regisseur_user", self.regisseur_user),
            ("organisation", self.organisation),
        ):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                msg = f"{field} must be a non-empty text when given"
                raise ValueError(msg)
        if self.offence_category is not None and self.offence_category not in OFFENCE_CATEGORIES:
            msg = f"offence_category must be one of {', '.join(OFFENCE_CATEGORIES.codes())}"
            raise ValueError(msg)
        if self.signal is not None:
            _member("signal", self.signal, Signal)
        _member("sort", self.sort, SortKey)
        if self.order not in _ORDERS:
            msg = f"order must be 'asc' or 'desc', not {self.order!r}"
            raise ValueError(msg)
        check_page(self.page, self.page_size)


class InformationLetter(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The information letter about the referral (informatieplicht): to whom, when due, sent."""

    recipients: LetterRecipients
    due_on: date
    """The referral date plus the configured ``information_letter_days``."""
    sent_on: date | None
    """When it was sent (``None``: not yet)."""


class OpenRightsRequests(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The youth's rights requests on the trajectory that are not completed (the regie's only)."""

    open: int
    """How many are open."""
    due_on: date | None
    """The earliest due date among them (``None``: none open)."""
    overdue: bool
    """One of them is due before today (the municipality's calendar day)."""


class CaseloadItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One trajectory on the caseload, with what is relative to the query's ``today``."""

    trajectory_id: UUID
    subject_id: UUID
    status: TrajectoryStatus
    regisseur_user: str
    regisseur_organisation: str
    given_name: str | None
    family_name: str | None
    born_on: date | None
    turns_18_on: date | None
    age: int | None
    """The youth's age on ``today`` (``None`` once erased)."""
    offence_categories: list[str]
    open_interventions: int
    intervention_due_on: date | None
    plan_review_due_on: date | None
    next_due_on: date | None
    last_activity_on: date
    referred_on: date
    closed_on: date | None
    partners: int
    erased: bool
    information_letter: InformationLetter
    rights_requests: OpenRightsRequests
    """Open rights requests and whether one is overdue (closed and erased trajectories too)."""
    signals: list[Signal]
    """The signals on ``today``, in ``Signal`` order (none for closed or erased trajectories)."""


class CaseloadPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One page of the caseload, and how many trajectories match in all."""

    items: list[CaseloadItem]
    total: int
    page: int
    page_size: int


_ORDERS = {"asc": sql.SQL("ASC"), "desc": sql.SQL("DESC")}
#: The stored columns of the information letter (shown as ``CaseloadItem.information_letter``).
_LETTER = ("letter_recipients", "letter_sent_on")
#: The stored columns of the open rights requests (shown as ``CaseloadItem.rights_requests``).
_RIGHTS = ("rights_requests_open", "rights_request_due_on")
#: The stored columns a ``CaseloadItem`` shows (not the ones the due dates are worked out from).
_SELECTED = tuple(
    name
    for name in CASELOAD.column_names
    if name in CaseloadItem.__struct_fields__ or name in _LETTER or name in _RIGHTS
)
_CLOSED = sql.SQL("c.status = ANY(%(closed_statuses)s)")
_OPEN = sql.SQL("c.status <> ALL(%(closed_statuses)s)")
_SIGNALLED = "(NOT c.erased AND c.status <> ALL(%(closed_statuses)s) AND {})"
_SIGNALS: dict[Signal, sql.Composable] = {
    Signal.TURNS_18_SOON: sql.SQL(_SIGNALLED.format("c.turns_18_on <= %(turns_18_by)s")),
    Signal.OVERDUE: sql.SQL(_SIGNALLED.format("c.next_due_on < %(today)s")),
    Signal.INACTIVE: sql.SQL(_SIGNALLED.format("c.last_activity_on <= %(inactive_since)s")),
    Signal.INFORMATION_LETTER_OVERDUE: sql.SQL(
        _SIGNALLED.format(
            "c.letter_sent_on IS NULL AND c.referred_on < %(letters_referred_before)s"
        )
    ),
}
#: An open rights request is due before today (on any trajectory, closed or erased too).
_RIGHTS_OVERDUE = sql.SQL("coalesce(c.rights_request_due_on < %(today)s, false)")


def list_caseload(
    connection: psycopg.Connection[Any],
    app_schema: str,
    query: CaseloadQuery,
    *,
    today: date,
    thresholds: CaseloadThresholds = DEFAULT_THRESHOLDS,
) -> CaseloadPage:
    """Return one page of trajectories matching ``query``, with their signals on ``today``."""
    params = _params(today, thresholds)
    conditions: list[sql.Composable] = []
    if query.statuses:
        conditions.append(sql.SQL("c.status = ANY(%(statuses)s)"))
        params["statuses"] = list(query.statuses)
    if query.closed is not None:
        conditions.append(_CLOSED if query.closed else _OPEN)
    if query.regisseur_user is not None:
        conditions.append(sql.SQL("c.regisseur_user = %(regisseur_user)s"))
        params["regisseur_user"] = query.regisseur_user
    if query.organisation is not None:
        conditions.append(sql.SQL("c.regisseur_organisation = %(organisation)s"))
        params["organisation"] = query.organisation
    if query.offence_category is not None:
        conditions.append(sql.SQL("%(offence)s = ANY(c.offence_categories)"))
        params["offence"] = query.offence_category
    if query.signal is not None:
        conditions.append(_SIGNALS[Signal(query.signal)])
    if query.rights_request_overdue is not None:
        overdue = _RIGHTS_OVERDUE if query.rights_request_overdue else sql.SQL("NOT {}")
        conditions.append(overdue.format(_RIGHTS_OVERDUE))
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE")
    column = sql.Identifier(SortKey(query.sort).value)
    direction = _ORDERS[query.order]

    def order(alias: str) -> sql.Composable:
        return sql.SQL("{alias}.{column} {direction} NULLS LAST, {alias}.trajectory_id").format(
            alias=sql.Identifier(alias), column=column, direction=direction
        )

    params |= limit_offset(query.page, query.page_size)
    table = _table(app_schema)
    statement = page_with_total(
        sql.SQL("SELECT count(*) FROM {table} AS c WHERE {where}").format(table=table, where=where),
        _statement(
            table, where, sql.SQL("{} LIMIT %(limit)s OFFSET %(offset)s").format(order("c"))
        ),
        order("p"),
    )
    rows, total = split_total(connection.execute(statement, params).fetchall())
    return CaseloadPage(
        items=[_item(row, today, thresholds) for row in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def get_caseload_row(
    connection: psycopg.Connection[Any],
    app_schema: str,
    trajectory_id: UUID,
    *,
    today: date,
    thresholds: CaseloadThresholds = DEFAULT_THRESHOLDS,
) -> CaseloadItem | None:
    """Return one trajectory's caseload row, or ``None`` if the caseload does not hold it."""
    params = _params(today, thresholds) | {"id": trajectory_id}
    rows = _select(
        connection,
        app_schema,
        sql.SQL("c.trajectory_id = %(id)s"),
        sql.SQL("c.trajectory_id"),
        params,
    )
    return _item(rows[0], today, thresholds) if rows else None


def _params(today: date, thresholds: CaseloadThresholds) -> dict[str, Any]:
    if isinstance(today, datetime) or not isinstance(today, date):
        msg = "today must be a date (not a datetime)"
        raise ValueError(msg)  # noqa: TRY004 - the API maps ValueError to 400
    return {
        "today": today,
        "turns_18_by": today + timedelta(days=thresholds.turns_18_within_days),
        "inactive_since": today - timedelta(days=thresholds.inactive_days),
        # Overdue: today is after referred_on + days, that is referred_on < today - days.
        "letters_referred_before": today - timedelta(days=thresholds.information_letter_days),
        "closed_statuses": sorted(status.value for status in CLOSED_STATUSES),
    }


_COLUMNS = sql.SQL(", ").join(sql.SQL("c.{}").format(sql.Identifier(n)) for n in _SELECTED)
_SIGNAL_COLUMNS = sql.SQL(", ").join(
    sql.SQL("{} AS {}").format(_SIGNALS[signal], sql.Identifier(f"signal_{signal.value}"))
    for signal in Signal
)


def _select(
    connection: psycopg.Connection[Any],
    app_schema: str,
    where: sql.Composable,
    order: sql.Composable,
    params: dict[str, Any],
) -> list[tuple[Any, ...]]:
    return connection.execute(_statement(_table(app_schema), where, order), params).fetchall()


def _statement(table: sql.Identifier, where: sql.Composable, order: sql.Composable) -> sql.Composed:
    return sql.SQL(
        "SELECT {columns}, {signals}, {rights_overdue} FROM {table} AS c WHERE {where}"
        " ORDER BY {order}"
    ).format(
        columns=_COLUMNS,
        signals=_SIGNAL_COLUMNS,
        rights_overdue=_RIGHTS_OVERDUE,
        table=table,
        where=where,
        order=order,
    )


def _item(row: tuple[Any, ...], today: date, thresholds: CaseloadThresholds) -> CaseloadItem:
    stored = dict(zip(_SELECTED, row, strict=False))
    flags = row[len(_SELECTED) : len(_SELECTED) + len(Signal)]
    rights_overdue = bool(row[len(_SELECTED) + len(Signal)])
    born_on: date | None = stored["born_on"]
    recipients, sent_on = (stored.pop(name) for name in _LETTER)
    requests_open, request_due_on = (stored.pop(name) for name in _RIGHTS)
    return CaseloadItem(
        **stored | {"status": TrajectoryStatus(stored["status"])},
        age=None if born_on is None else age_on(born_on, today),
        information_letter=InformationLetter(
            recipients=LetterRecipients(recipients),
            due_on=thresholds.information_letter_due_on(stored["referred_on"]),
            sent_on=sent_on,
        ),
        rights_requests=OpenRightsRequests(
            open=requests_open, due_on=request_due_on, overdue=rights_overdue
        ),
        signals=[signal for signal, flag in zip(Signal, flags, strict=True) if flag],
    )


def _table(app_schema: str) -> sql.Identifier:
    return sql.Identifier(schema_name(app_schema, Caseload.name), CASELOAD.name)
