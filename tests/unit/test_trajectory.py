"""The rules of a juvenile's PGA 18min trajectory, one test (or table) per rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from pga.domain.catalogue import CLOSING_REASONS, DEFAULT_CATALOGUE, PartnerRole
from pga.domain.clock import recording_clock
from pga.domain.errors import (
    AgeOutsideRange,
    DateOrderViolation,
    DomainError,
    DuplicateEntity,
    InterventionLifecycleViolation,
    InvalidValue,
    MayorOrderTooLong,
    NetworkLinkConflict,
    NotAMinor,
    OffenceNotIncluded,
    PartnerAlreadyInvolved,
    PartnerNotInvolved,
    PartnerStillResponsible,
    ReasonRequired,
    RegisseurUnchanged,
    StatusTransitionNotAllowed,
    SubjectAlreadyErased,
    TooManyExtensions,
    TrajectoryClosed,
    UnknownCatalogueEntry,
    UnknownEntity,
    WrongOwnerRole,
)
from pga.domain.trajectory import (
    Closed,
    CorrectionRecorded,
    InterventionAborted,
    InterventionState,
    JitStepRecorded,
    PartnerInvolved,
    Referred,
    Regisseur,
    RegisseurAssigned,
    SubjectErased,
    Trajectory,
    TrajectoryStatus,
)
from tests.unit.builders import (
    BORN_ON,
    FAMILY_NAME,
    GIVEN_NAME,
    HALT,
    INTAKE_ON,
    LATER,
    LEGAL_BASIS,
    OTHER_REGISSEUR,
    POLICE,
    POLICE_REFERENCE,
    REFERRED_ON,
    REGISSEUR,
    SUSPECTED_ON,
    active_trajectory,
    assert_refused,
    goal,
    planned_intervention,
    referred_trajectory,
    single_event,
    trajectory_in,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

S = TrajectoryStatus
C = DEFAULT_CATALOGUE
CLOSED_STATUSES = (S.AFGESLOTEN, S.NIET_OPGENOMEN)
OPEN_STATUSES = tuple(status for status in S if status not in CLOSED_STATUSES)
#: The recording day used where a test is about dates "in the future".
RECORDING_DAY = date(2024, 6, 1)


def fixed_clock() -> datetime:
    return datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


# --- referral ---


def test_referral_opens_the_trajectory_in_status_aangemeld() -> None:
    trajectory_id, subject_id = uuid4(), uuid4()

    trajectory = Trajectory.refer(
        C,
        trajectory_id=trajectory_id,
        subject_id=subject_id,
        given_name="  Testjongere ",
        family_name=FAMILY_NAME,
        born_on=BORN_ON,
        offence_category="gewapende_overval",
        suspected_on=SUSPECTED_ON,
        referred_on=REFERRED_ON,
        police_reference=POLICE_REFERENCE,
        referring_organisation=POLICE,
        regisseur=REGISSEUR,
    )

    assert trajectory.id == trajectory_id
    assert trajectory.subject_id == subject_id
    assert trajectory.status == S.AANGEMELD
    assert trajectory.given_name == GIVEN_NAME
    assert trajectory.regisseur == REGISSEUR
    assert trajectory.partners == {}
    assert trajectory.version == 1
    referred = single_event(trajectory, Referred)
    assert referred.offence_category == "gewapende_overval"
    assert referred.referring_organisation == POLICE


def test_referral_accepts_a_youth_who_is_17_on_the_day_before_the_18th_birthday() -> None:
    trajectory = referred_trajectory(born_on=date(2006, 3, 5), referred_on=date(2024, 3, 4))

    assert trajectory.age_on(REFERRED_ON) == 17


def test_referral_refuses_a_youth_who_is_18_on_the_referral_date() -> None:
    with pytest.raises(NotAMinor) as refused:
        referred_trajectory(born_on=date(2006, 3, 4), referred_on=date(2024, 3, 4))

    assert refused.value.age == 18


def test_referral_refuses_an_unknown_offence_category() -> None:
    with pytest.raises(UnknownCatalogueEntry) as refused:
        referred_trajectory(offence_category="fietsendiefstal_xyz")

    assert refused.value.kind == "offence category"


def test_referral_refuses_an_offence_not_on_the_inclusion_list() -> None:
    with pytest.raises(OffenceNotIncluded):
        referred_trajectory(offence_category="afpersing")


def test_a_configured_inclusion_list_decides_which_offences_qualify() -> None:
    catalogue = C.with_included_offences(("afpersing",))

    trajectory = referred_trajectory(catalogue=catalogue, offence_category="afpersing")

    assert trajectory.offence_category == "afpersing"
    with pytest.raises(OffenceNotIncluded):
        referred_trajectory(catalogue=catalogue, offence_category="straatroof")


def test_referral_cannot_precede_the_suspicion() -> None:
    with pytest.raises(DateOrderViolation):
        referred_trajectory(suspected_on=REFERRED_ON + timedelta(days=1))


def test_referral_cannot_precede_the_date_of_birth() -> None:
    with pytest.raises(DateOrderViolation):
        referred_trajectory(born_on=REFERRED_ON + timedelta(days=1))


def test_the_suspicion_cannot_precede_the_date_of_birth() -> None:
    with pytest.raises(DateOrderViolation) as raised:
        referred_trajectory(born_on=SUSPECTED_ON + timedelta(days=1))
    assert raised.value.later_field == "suspected_on"


def test_referral_cannot_be_dated_after_the_recording_day() -> None:
    with recording_clock(fixed_clock), pytest.raises(InvalidValue):
        referred_trajectory(suspected_on=RECORDING_DAY, referred_on=RECORDING_DAY + timedelta(2))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("given_name", "   "),
        ("family_name", ""),
        ("family_name", "x" * 101),
        ("police_reference", " "),
        ("referring_organisation", "Politie Midden-Nederland"),
    ],
)
def test_referral_refuses_blank_or_malformed_fields(field: str, value: str) -> None:
    builders: dict[str, Callable[[], Trajectory]] = {
        "given_name": lambda: referred_trajectory(given_name=value),
        "family_name": lambda: referred_trajectory(family_name=value),
        "police_reference": lambda: referred_trajectory(police_reference=value),
        "referring_organisation": lambda: referred_trajectory(referring_organisation=value),
    }

    with pytest.raises(InvalidValue) as refused:
        builders[field]()

    assert refused.value.field == field


@pytest.mark.parametrize(
    "regisseur",
    [
        Regisseur(user_id="regisseur test", organisation="ggd-flevoland"),
        Regisseur(user_id="", organisation="ggd-flevoland"),
        Regisseur(user_id="regisseur-test-01", organisation="GGD Flevoland"),
    ],
)
def test_referral_refuses_a_malformed_regisseur(regisseur: Regisseur) -> None:
    with pytest.raises(InvalidValue):
        referred_trajectory(regisseur=regisseur)


# --- the regisseur: exactly one at a time ---


def test_assigning_the_current_regisseur_again_is_refused() -> None:
    trajectory = active_trajectory()

    assert_refused(trajectory, lambda: trajectory.assign_regisseur(REGISSEUR), RegisseurUnchanged)


def test_assigning_another_regisseur_replaces_the_current_one() -> None:
    trajectory = active_trajectory()

    trajectory.assign_regisseur(OTHER_REGISSEUR)

    assert trajectory.regisseur == OTHER_REGISSEUR
    assert single_event(trajectory, RegisseurAssigned).regisseur == OTHER_REGISSEUR


# --- the status machine ---

#: One command per status change, dated by the caller, each valid in content so that only the
#: status (or the date) can refuse it.
DATED_TRANSITIONS: dict[str, Callable[[Trajectory, date], None]] = {
    "hold_intake": lambda t, day: t.hold_intake(
        held_on=day, attendees=("jongere",), trusted_person=None
    ),
    "decline_inclusion": lambda t, day: t.decline_inclusion(declined_on=day, why="Geen grond"),
    "adopt_plan": lambda t, day: t.adopt_plan(
        C, adopted_on=day, goals=(goal(due_on=day),), agreements=None
    ),
    "start_revision": lambda t, day: t.start_revision(started_on=day, why="Nieuw politiecontact"),
    "revise_plan": lambda t, day: t.revise_plan(
        C, adopted_on=day, goals=(goal(due_on=day),), agreements=None
    ),
    "escalate": lambda t, day: t.escalate(C, escalated_on=day, target="topx", why="Zorgen"),
    "de_escalate": lambda t, day: t.de_escalate(de_escalated_on=day, why="Het gaat beter"),
    "close": lambda t, day: t.close(
        C, closed_on=day, reason_code="doelen_behaald", handover_to=None
    ),
}


def dated(command: Callable[[Trajectory, date], None]) -> Callable[[Trajectory], None]:
    return lambda trajectory: command(trajectory, LATER)


TRANSITIONS = {name: dated(command) for name, command in DATED_TRANSITIONS.items()}

ALLOWED_TRANSITIONS: dict[tuple[TrajectoryStatus, str], TrajectoryStatus] = {
    (S.AANGEMELD, "hold_intake"): S.INTAKE,
    (S.AANGEMELD, "decline_inclusion"): S.NIET_OPGENOMEN,
    (S.INTAKE, "decline_inclusion"): S.NIET_OPGENOMEN,
    (S.INTAKE, "adopt_plan"): S.ACTIEF,
    (S.ACTIEF, "start_revision"): S.BIJSTELLING,
    (S.BIJSTELLING, "revise_plan"): S.ACTIEF,
    (S.AFGESCHAALD, "revise_plan"): S.ACTIEF,
    **{
        (status, "escalate"): S.OPGESCHAALD
        for status in (S.INTAKE, S.ACTIEF, S.BIJSTELLING, S.AFGESCHAALD)
    },
    **{
        (status, "de_escalate"): S.AFGESCHAALD
        for status in (S.ACTIEF, S.BIJSTELLING, S.OPGESCHAALD)
    },
    **{(status, "close"): S.AFGESLOTEN for status in OPEN_STATUSES},
}

REFUSED_TRANSITIONS = sorted(
    (status, command)
    for status in OPEN_STATUSES
    for command in TRANSITIONS
    if (status, command) not in ALLOWED_TRANSITIONS
)


@pytest.mark.parametrize(("status", "command"), sorted(ALLOWED_TRANSITIONS))
def test_every_allowed_status_transition(status: TrajectoryStatus, command: str) -> None:
    trajectory = trajectory_in(status)
    version = trajectory.version

    TRANSITIONS[command](trajectory)

    assert trajectory.status == ALLOWED_TRANSITIONS[status, command]
    assert trajectory.version == version + 1


@pytest.mark.parametrize(("status", "command"), REFUSED_TRANSITIONS)
def test_every_other_status_transition_is_refused(status: TrajectoryStatus, command: str) -> None:
    trajectory = trajectory_in(status)

    refused = assert_refused(
        trajectory, lambda: TRANSITIONS[command](trajectory), StatusTransitionNotAllowed
    )

    assert isinstance(refused, StatusTransitionNotAllowed)
    assert refused.status == status


def test_plan_revisions_are_counted_and_return_the_trajectory_to_actief() -> None:
    trajectory = trajectory_in(S.BIJSTELLING)

    TRANSITIONS["revise_plan"](trajectory)

    assert trajectory.status == S.ACTIEF
    assert trajectory.plan is not None
    assert trajectory.plan.revision == 2
    assert trajectory.plan.adopted_on == LATER


# --- closed trajectories accept only rights requests ---

#: Every command except the rights requests, each valid in content for an open trajectory.
COMMANDS: dict[str, Callable[[Trajectory], None]] = {
    **TRANSITIONS,
    "assign_regisseur": lambda t: t.assign_regisseur(OTHER_REGISSEUR),
    "involve_partner": lambda t: t.involve_partner(
        C,
        organisation="leerplicht-almere",
        role=PartnerRole.LEERPLICHT,
        legal_basis="leerplichtwet",
        since=LATER,
    ),
    "withdraw_partner": lambda t: t.withdraw_partner(
        organisation=HALT, withdrawn_on=LATER, why="Afdoening afgerond"
    ),
    "record_police_home_visit": lambda t: t.record_police_home_visit(
        visited_on=LATER, youth_informed=True, parents_informed=True
    ),
    "hold_case_conference": lambda t: t.hold_case_conference(
        held_on=LATER, participants=(HALT,), decisions="Voorbeeldbesluit", next_on=None
    ),
    "score_life_domain": lambda t: t.score_life_domain(
        C, life_domain="gezin", score=3, instrument="zrm", scored_on=LATER
    ),
    "record_arrest": lambda t: t.record_arrest(
        C, arrested_on=LATER, offence_category="diefstal", police_reference="PL-TEST-0002"
    ),
    "record_police_contact": lambda t: t.record_police_contact(
        C,
        occurred_on=LATER,
        offence_category="bedreiging",
        role="getuige",
        police_reference="PL-TEST-0003",
    ),
    "record_school_signal": lambda t: t.record_school_signal(
        C,
        kind="schorsing",
        observed_on=LATER,
        absence_hours=None,
        source_role=PartnerRole.SCHOOL,
        source_organisation="voorbeeldcollege",
    ),
    "record_jit_step": lambda t: t.record_jit_step(
        C, kind="straatcontact", occurred_on=LATER, incident_on=None, parents_present=False
    ),
    "make_care_report": lambda t: t.make_care_report(made_on=LATER, summary="Voorbeeldmelding"),
    "plan_intervention": lambda t: t.plan_intervention(
        C,
        intervention_id=uuid4(),
        kind="halt",
        responsible_organisation=HALT,
        legal_basis=LEGAL_BASIS,
        planned_start=LATER,
        planned_end=LATER + timedelta(days=30),
    ),
    "start_intervention": lambda t: t.start_intervention(intervention_id=uuid4(), started_on=LATER),
    "complete_intervention": lambda t: t.complete_intervention(
        intervention_id=uuid4(), completed_on=LATER, outcome="Afgerond"
    ),
    "abort_intervention": lambda t: t.abort_intervention(
        intervention_id=uuid4(), aborted_on=LATER, why="Niet nodig"
    ),
    "issue_mayor_order": lambda t: t.issue_mayor_order(
        C,
        order_id=uuid4(),
        kind="gebiedsverbod",
        starts_on=LATER,
        ends_on=LATER + timedelta(days=30),
        area="Voorbeeldplein",
    ),
    "extend_mayor_order": lambda t: t.extend_mayor_order(
        order_id=uuid4(), ends_on=LATER + timedelta(days=30)
    ),
    "record_bsn": lambda t: t.record_bsn("111222333"),
    "record_information_letter": lambda t: t.record_information_letter(sent_on=LATER),
    "link_network": lambda t: t.link_network(network_id=uuid4(), linked_on=LATER),
    "unlink_network": lambda t: t.unlink_network(
        network_id=uuid4(), unlinked_on=LATER, why="Groep ontbonden"
    ),
}
RIGHTS_REQUESTS = frozenset(
    {
        "record_correction",
        "erase_subject",
        "receive_rights_request",
        "extend_rights_request",
        "complete_rights_request",
        # Legal holds apply to closed trajectories too (tests/unit/test_retention.py).
        "place_legal_hold",
        "lift_legal_hold",
    }
)
NOT_COMMANDS = frozenset(
    {
        "Created",
        "Event",
        "refer",
        "age_on",
        "is_closed",
        # The store's and the library's class attributes: snapshot encryption and upcasting.
        "encrypted_fields",
        "class_version",
        "upcast_v1_v2",
        "upcast_v2_v3",
        "upcast_v3_v4",
    }
)


def test_the_command_table_covers_every_command_of_the_trajectory() -> None:
    public = {name for name in vars(Trajectory) if not name.startswith("_")}

    assert set(COMMANDS) | RIGHTS_REQUESTS == public - NOT_COMMANDS


@pytest.mark.parametrize("status", CLOSED_STATUSES)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_closed_trajectory_refuses_every_command_but_rights_requests(
    status: TrajectoryStatus, command: str
) -> None:
    trajectory = trajectory_in(status)

    assert_refused(trajectory, lambda: COMMANDS[command](trajectory), TrajectoryClosed)


@pytest.mark.parametrize("status", CLOSED_STATUSES)
def test_a_closed_trajectory_accepts_a_correction(status: TrajectoryStatus) -> None:
    trajectory = trajectory_in(status)

    trajectory.record_correction(
        corrects_version=1,
        what_was_wrong="Verkeerd proces-verbaalnummer",
        correction="PL-TEST-0009",
        why="Verzoek tot correctie van de ouders",
    )

    assert trajectory.corrections == 1
    assert single_event(trajectory, CorrectionRecorded).corrects_version == 1


@pytest.mark.parametrize("status", CLOSED_STATUSES)
def test_a_closed_trajectory_accepts_an_erasure(status: TrajectoryStatus) -> None:
    trajectory = trajectory_in(status)

    trajectory.erase_subject(erased_on=LATER, basis="bewaartermijn", why="Bewaartermijn verstreken")

    assert trajectory.erased
    assert trajectory.status == status


# --- erasure ---


def test_erasure_drops_every_personal_field() -> None:
    trajectory = active_trajectory()

    trajectory.erase_subject(erased_on=LATER, basis="avg-17-verzoek", why="Op verzoek")

    assert trajectory.erased
    assert trajectory.given_name is None
    assert trajectory.family_name is None
    assert trajectory.born_on is None
    assert trajectory.police_reference is None
    assert trajectory.age_on(LATER) is None
    assert trajectory.plan is not None
    assert trajectory.plan.goals == ()
    assert trajectory.plan.agreements is None
    assert single_event(trajectory, SubjectErased).basis == "avg-17-verzoek"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_after_erasure_every_command_is_refused(command: str) -> None:
    trajectory = active_trajectory()
    trajectory.erase_subject(erased_on=LATER, basis="avg-17-verzoek", why="Op verzoek")

    assert_refused(trajectory, lambda: COMMANDS[command](trajectory), SubjectAlreadyErased)


def test_after_erasure_rights_requests_are_refused_too() -> None:
    trajectory = trajectory_in(S.AFGESLOTEN)
    trajectory.erase_subject(erased_on=LATER, basis="bewaartermijn", why="Bewaartermijn verstreken")

    assert_refused(
        trajectory,
        lambda: trajectory.erase_subject(erased_on=LATER, basis="avg-17-verzoek", why="Nogmaals"),
        SubjectAlreadyErased,
    )
    assert_refused(
        trajectory,
        lambda: trajectory.record_correction(
            corrects_version=1, what_was_wrong="x", correction="y", why="z"
        ),
        SubjectAlreadyErased,
    )


def test_erasure_cannot_be_dated_after_the_recording_day() -> None:
    trajectory = active_trajectory()

    with recording_clock(fixed_clock), pytest.raises(InvalidValue):
        trajectory.erase_subject(
            erased_on=RECORDING_DAY + timedelta(days=30), basis="avg-17-verzoek", why="Verzoek"
        )


# --- partners ---


def test_partner_involvement_records_organisation_role_legal_basis_and_since() -> None:
    trajectory = referred_trajectory()

    trajectory.involve_partner(
        C, organisation=HALT, role=PartnerRole.HALT, legal_basis=LEGAL_BASIS, since=INTAKE_ON
    )

    involvement = single_event(trajectory, PartnerInvolved).involvement
    assert involvement.organisation == HALT
    assert involvement.role == PartnerRole.HALT
    assert involvement.legal_basis == LEGAL_BASIS
    assert involvement.since == INTAKE_ON
    assert trajectory.partners == {HALT: involvement}


def test_an_organisation_cannot_be_involved_twice() -> None:
    trajectory = active_trajectory()

    assert_refused(
        trajectory,
        lambda: trajectory.involve_partner(
            C,
            organisation=HALT,
            role=PartnerRole.JONGERENWERK,
            legal_basis=LEGAL_BASIS,
            since=LATER,
        ),
        PartnerAlreadyInvolved,
    )


@pytest.mark.parametrize(
    "role", [PartnerRole.AUDITOR, PartnerRole.BEHEERDER, PartnerRole.REGISSEUR]
)
def test_auditor_beheerder_and_regisseur_cannot_be_involved(role: PartnerRole) -> None:
    trajectory = active_trajectory()

    refused = assert_refused(
        trajectory,
        lambda: trajectory.involve_partner(
            C, organisation="ggd-flevoland", role=role, legal_basis=LEGAL_BASIS, since=LATER
        ),
        InvalidValue,
    )

    assert isinstance(refused, InvalidValue)
    assert refused.field == "role"


def test_involvement_needs_a_known_legal_basis() -> None:
    trajectory = active_trajectory()

    with pytest.raises(UnknownCatalogueEntry):
        trajectory.involve_partner(
            C,
            organisation="jongerenwerk-almere",
            role=PartnerRole.JONGERENWERK,
            legal_basis="goed_gevoel",
            since=LATER,
        )


def test_withdrawing_a_partner_that_is_not_involved_fails() -> None:
    trajectory = active_trajectory()

    with pytest.raises(PartnerNotInvolved):
        trajectory.withdraw_partner(organisation="ggd-flevoland", withdrawn_on=LATER, why="x")


def test_withdrawing_a_partner_ends_its_involvement_and_allows_a_new_one() -> None:
    trajectory = active_trajectory()

    trajectory.withdraw_partner(organisation=HALT, withdrawn_on=LATER, why="Afdoening afgerond")

    assert HALT not in trajectory.partners
    trajectory.involve_partner(
        C, organisation=HALT, role=PartnerRole.HALT, legal_basis=LEGAL_BASIS, since=LATER
    )
    assert trajectory.partners[HALT].since == LATER


def test_withdrawal_cannot_precede_the_involvement() -> None:
    trajectory = active_trajectory()

    with pytest.raises(DateOrderViolation):
        trajectory.withdraw_partner(
            organisation=HALT, withdrawn_on=REFERRED_ON - timedelta(days=1), why="Voorbeeld"
        )


def test_withdrawal_needs_a_reason() -> None:
    trajectory = active_trajectory()

    with pytest.raises(ReasonRequired):
        trajectory.withdraw_partner(organisation=HALT, withdrawn_on=LATER, why="  ")


def test_a_partner_cannot_withdraw_while_it_owns_an_open_intervention() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    trajectory.collect_events()

    assert_refused(
        trajectory,
        lambda: trajectory.withdraw_partner(organisation=HALT, withdrawn_on=LATER, why="Stopt"),
        PartnerStillResponsible,
    )
    trajectory.abort_intervention(intervention_id=intervention_id, aborted_on=LATER, why="Vervalt")
    trajectory.withdraw_partner(organisation=HALT, withdrawn_on=LATER, why="Stopt")
    assert HALT not in trajectory.partners


# --- intake, home visit, case conference ---


def test_police_home_visit_cannot_precede_the_suspicion() -> None:
    trajectory = referred_trajectory()

    with pytest.raises(DateOrderViolation):
        trajectory.record_police_home_visit(
            visited_on=SUSPECTED_ON - timedelta(days=1), youth_informed=True, parents_informed=False
        )


def test_intake_cannot_precede_the_referral() -> None:
    trajectory = referred_trajectory()

    with pytest.raises(DateOrderViolation):
        trajectory.hold_intake(
            held_on=REFERRED_ON - timedelta(days=1), attendees=("jongere",), trusted_person=None
        )


def test_intake_needs_at_least_one_attendee() -> None:
    trajectory = referred_trajectory()

    with pytest.raises(InvalidValue):
        trajectory.hold_intake(held_on=INTAKE_ON, attendees=(), trusted_person=None)


def test_next_case_conference_must_be_after_this_one() -> None:
    trajectory = active_trajectory()

    with pytest.raises(InvalidValue):
        trajectory.hold_case_conference(
            held_on=LATER, participants=(HALT,), decisions="Voorbeeldbesluit", next_on=LATER
        )


def test_case_conference_needs_participants() -> None:
    trajectory = active_trajectory()

    with pytest.raises(InvalidValue):
        trajectory.hold_case_conference(
            held_on=LATER, participants=(), decisions="Voorbeeldbesluit", next_on=None
        )


# --- the plan ---


def test_adopting_the_first_plan_makes_the_trajectory_active() -> None:
    trajectory = trajectory_in(S.INTAKE)
    first = goal(responsible_organisation=HALT, life_domain="justitie")

    trajectory.adopt_plan(C, adopted_on=LATER, goals=(first,), agreements="  Afspraak  ")

    assert trajectory.status == S.ACTIEF
    assert trajectory.plan is not None
    assert trajectory.plan.revision == 1
    assert trajectory.plan.goals == (first,)
    assert trajectory.plan.agreements == "Afspraak"


def test_plan_needs_at_least_one_goal() -> None:
    trajectory = trajectory_in(S.INTAKE)

    with pytest.raises(InvalidValue):
        trajectory.adopt_plan(C, adopted_on=LATER, goals=(), agreements=None)


def test_plan_goal_ids_must_be_unique() -> None:
    trajectory = trajectory_in(S.INTAKE)
    goal_id = uuid4()

    with pytest.raises(InvalidValue):
        trajectory.adopt_plan(
            C,
            adopted_on=LATER,
            goals=(goal(goal_id=goal_id), goal(goal_id=goal_id, life_domain="gezin")),
            agreements=None,
        )


def test_plan_goal_must_name_a_known_life_domain() -> None:
    trajectory = trajectory_in(S.INTAKE)

    with pytest.raises(UnknownCatalogueEntry):
        trajectory.adopt_plan(
            C, adopted_on=LATER, goals=(goal(life_domain="sport"),), agreements=None
        )


def test_plan_goal_owner_must_be_involved_or_the_regisseurs_organisation() -> None:
    trajectory = trajectory_in(S.INTAKE)

    with pytest.raises(PartnerNotInvolved):
        trajectory.adopt_plan(
            C,
            adopted_on=LATER,
            goals=(goal(responsible_organisation="jongerenwerk-almere"),),
            agreements=None,
        )


def test_plan_goal_cannot_be_due_before_the_plan_is_adopted() -> None:
    trajectory = trajectory_in(S.INTAKE)

    with pytest.raises(DateOrderViolation):
        trajectory.adopt_plan(
            C,
            adopted_on=LATER,
            goals=(goal(due_on=LATER - timedelta(days=1)),),
            agreements=None,
        )


def test_plan_goal_may_be_due_on_the_adoption_day() -> None:
    trajectory = trajectory_in(S.INTAKE)

    trajectory.adopt_plan(C, adopted_on=LATER, goals=(goal(due_on=LATER),), agreements=None)

    assert trajectory.status == S.ACTIEF


def test_plan_cannot_be_adopted_before_the_referral() -> None:
    trajectory = trajectory_in(S.INTAKE)

    with pytest.raises(DateOrderViolation):
        trajectory.adopt_plan(
            C, adopted_on=REFERRED_ON - timedelta(days=1), goals=(goal(),), agreements=None
        )


def test_plan_cannot_be_adopted_before_the_intake() -> None:
    trajectory = trajectory_in(S.INTAKE)

    with pytest.raises(DateOrderViolation):
        trajectory.adopt_plan(
            C, adopted_on=INTAKE_ON - timedelta(days=1), goals=(goal(),), agreements=None
        )


@pytest.mark.parametrize(
    ("status", "command"),
    [
        pytest.param(S.AANGEMELD, "hold_intake", id="hold_intake"),
        pytest.param(S.AANGEMELD, "decline_inclusion", id="decline_inclusion"),
        pytest.param(S.ACTIEF, "close", id="close"),
        pytest.param(S.ACTIEF, "escalate", id="escalate"),
        pytest.param(S.OPGESCHAALD, "de_escalate", id="de_escalate"),
        pytest.param(
            S.ACTIEF,
            "start_revision",
            id="start_revision",
        ),
    ],
)
def test_a_status_change_cannot_be_dated_before_the_referral(
    status: TrajectoryStatus, command: str
) -> None:
    trajectory = trajectory_in(status)

    with pytest.raises(DateOrderViolation):
        DATED_TRANSITIONS[command](trajectory, REFERRED_ON - timedelta(days=1))


# --- life-domain scores ---


@pytest.mark.parametrize("score", [1, 5])
def test_life_domain_score_from_1_to_5_is_accepted(score: int) -> None:
    trajectory = active_trajectory()

    trajectory.score_life_domain(
        C, life_domain="middelengebruik", score=score, instrument="pga_monitor", scored_on=LATER
    )

    assert trajectory.life_domain_scores["middelengebruik"].score == score


@pytest.mark.parametrize("score", [0, 6, -1])
def test_life_domain_score_outside_1_to_5_is_refused(score: int) -> None:
    trajectory = active_trajectory()

    with pytest.raises(InvalidValue):
        trajectory.score_life_domain(
            C, life_domain="gezin", score=score, instrument="zrm", scored_on=LATER
        )


@pytest.mark.parametrize(("life_domain", "instrument"), [("gezin", "eigen_test"), ("hobby", "zrm")])
def test_life_domain_score_needs_a_known_domain_and_instrument(
    life_domain: str, instrument: str
) -> None:
    trajectory = active_trajectory()

    with pytest.raises(UnknownCatalogueEntry):
        trajectory.score_life_domain(
            C, life_domain=life_domain, score=3, instrument=instrument, scored_on=LATER
        )


# --- interventions ---


def test_intervention_goes_planned_started_completed() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    assert trajectory.interventions[intervention_id].state == InterventionState.PLANNED

    trajectory.start_intervention(intervention_id=intervention_id, started_on=date(2024, 4, 2))
    assert trajectory.interventions[intervention_id].state == InterventionState.STARTED

    trajectory.complete_intervention(
        intervention_id=intervention_id, completed_on=date(2024, 5, 1), outcome="Afgerond"
    )
    completed = trajectory.interventions[intervention_id]
    assert completed.state == InterventionState.COMPLETED
    assert completed.started_on == date(2024, 4, 2)
    assert completed.ended_on == date(2024, 5, 1)


def test_intervention_cannot_complete_before_it_started() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)

    assert_refused(
        trajectory,
        lambda: trajectory.complete_intervention(
            intervention_id=intervention_id, completed_on=LATER, outcome="Afgerond"
        ),
        InterventionLifecycleViolation,
    )


def test_intervention_cannot_be_completed_on_a_day_before_its_start() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    trajectory.start_intervention(intervention_id=intervention_id, started_on=date(2024, 4, 2))

    with pytest.raises(DateOrderViolation):
        trajectory.complete_intervention(
            intervention_id=intervention_id, completed_on=date(2024, 4, 1), outcome="Afgerond"
        )


def test_intervention_cannot_start_twice() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    trajectory.start_intervention(intervention_id=intervention_id, started_on=date(2024, 4, 2))

    with pytest.raises(InterventionLifecycleViolation):
        trajectory.start_intervention(intervention_id=intervention_id, started_on=LATER)


def test_aborting_a_planned_intervention_cancels_it() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    trajectory.collect_events()

    trajectory.abort_intervention(intervention_id=intervention_id, aborted_on=LATER, why="Vervalt")

    assert trajectory.interventions[intervention_id].state == InterventionState.ABORTED
    assert trajectory.interventions[intervention_id].started_on is None
    assert single_event(trajectory, InterventionAborted).reason == "Vervalt"


def test_aborting_a_started_intervention_cannot_precede_its_start() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    trajectory.start_intervention(intervention_id=intervention_id, started_on=date(2024, 4, 2))

    with pytest.raises(DateOrderViolation):
        trajectory.abort_intervention(
            intervention_id=intervention_id, aborted_on=date(2024, 4, 1), why="Voorbeeld"
        )


def test_aborting_an_intervention_needs_a_reason() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)

    with pytest.raises(ReasonRequired):
        trajectory.abort_intervention(intervention_id=intervention_id, aborted_on=LATER, why="")


def test_an_aborted_intervention_cannot_complete_start_or_abort_again() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    trajectory.start_intervention(intervention_id=intervention_id, started_on=date(2024, 4, 2))
    trajectory.abort_intervention(intervention_id=intervention_id, aborted_on=LATER, why="Gestopt")

    with pytest.raises(InterventionLifecycleViolation):
        trajectory.complete_intervention(
            intervention_id=intervention_id, completed_on=LATER, outcome="Toch afgerond"
        )
    with pytest.raises(InterventionLifecycleViolation):
        trajectory.start_intervention(intervention_id=intervention_id, started_on=LATER)
    with pytest.raises(InterventionLifecycleViolation):
        trajectory.abort_intervention(intervention_id=intervention_id, aborted_on=LATER, why="x")


def test_a_completed_intervention_cannot_be_aborted() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)
    trajectory.start_intervention(intervention_id=intervention_id, started_on=date(2024, 4, 2))
    trajectory.complete_intervention(
        intervention_id=intervention_id, completed_on=LATER, outcome="Afgerond"
    )

    with pytest.raises(InterventionLifecycleViolation):
        trajectory.abort_intervention(intervention_id=intervention_id, aborted_on=LATER, why="x")


@pytest.mark.parametrize(
    "command", ["start_intervention", "complete_intervention", "abort_intervention"]
)
def test_an_unknown_intervention_id_fails(command: str) -> None:
    trajectory = active_trajectory()
    planned_intervention(trajectory)

    with pytest.raises(UnknownEntity):
        COMMANDS[command](trajectory)


def test_an_intervention_id_must_be_new() -> None:
    trajectory = active_trajectory()
    intervention_id = planned_intervention(trajectory)

    with pytest.raises(DuplicateEntity):
        trajectory.plan_intervention(
            C,
            intervention_id=intervention_id,
            kind="reprimandegesprek",
            responsible_organisation=POLICE,
            legal_basis=LEGAL_BASIS,
            planned_start=LATER,
            planned_end=LATER,
        )


@pytest.mark.parametrize(
    "organisation",
    [
        pytest.param(POLICE, id="involved-in-another-role"),
        pytest.param("halt-noord-holland", id="not-involved"),
    ],
)
def test_intervention_needs_a_partner_involved_in_its_owner_role(organisation: str) -> None:
    trajectory = active_trajectory()

    with pytest.raises(WrongOwnerRole):
        planned_intervention(trajectory, kind="halt", responsible_organisation=organisation)


def test_the_catalogue_decides_which_role_owns_an_intervention() -> None:
    trajectory = active_trajectory()
    trajectory.involve_partner(
        C, organisation="ggz-voorbeeld", role=PartnerRole.ZORG, legal_basis="jeugdwet", since=LATER
    )

    intervention_id = planned_intervention(
        trajectory, kind="fft", responsible_organisation="ggz-voorbeeld"
    )

    assert trajectory.interventions[intervention_id].kind == "fft"
    with pytest.raises(WrongOwnerRole):
        planned_intervention(
            trajectory, kind="reprimandegesprek", responsible_organisation="ggz-voorbeeld"
        )


@pytest.mark.parametrize(
    ("born_on", "planned_start"),
    [
        pytest.param(date(2012, 3, 5), date(2024, 3, 5), id="12"),
        pytest.param(date(2006, 6, 1), date(2024, 5, 31), id="17"),
    ],
)
def test_halt_accepts_ages_12_to_17_at_the_planned_start(
    born_on: date, planned_start: date
) -> None:
    trajectory = active_trajectory(born_on=born_on)

    intervention_id = planned_intervention(trajectory, kind="halt", planned_start=planned_start)

    assert trajectory.interventions[intervention_id].planned_start == planned_start


@pytest.mark.parametrize(
    ("born_on", "planned_start"),
    [
        pytest.param(date(2012, 3, 5), date(2024, 3, 4), id="11"),
        pytest.param(date(2006, 6, 1), date(2024, 6, 1), id="18"),
    ],
)
def test_halt_refuses_a_youth_outside_12_to_17_at_the_planned_start(
    born_on: date, planned_start: date
) -> None:
    trajectory = active_trajectory(born_on=born_on)

    with pytest.raises(AgeOutsideRange):
        planned_intervention(trajectory, kind="halt", planned_start=planned_start)


def test_intervention_may_last_its_maximum_duration_but_not_a_day_longer() -> None:
    trajectory = active_trajectory()
    max_days = C.interventions["halt"].max_days
    assert max_days is not None

    intervention_id = planned_intervention(trajectory, kind="halt", days=max_days)

    assert intervention_id in trajectory.interventions
    with pytest.raises(InvalidValue):
        planned_intervention(trajectory, kind="halt", days=max_days + 1)


def test_intervention_cannot_end_before_it_starts() -> None:
    trajectory = active_trajectory()

    with pytest.raises(DateOrderViolation):
        planned_intervention(trajectory, days=-1)


@pytest.mark.parametrize(("kind", "legal_basis"), [("boksles", LEGAL_BASIS), ("halt", "geen")])
def test_intervention_needs_a_known_kind_and_legal_basis(kind: str, legal_basis: str) -> None:
    trajectory = active_trajectory()

    with pytest.raises(UnknownCatalogueEntry):
        planned_intervention(trajectory, kind=kind, legal_basis=legal_basis)


# --- mayor's orders (art. 172a Gemeentewet) ---


def issue(
    trajectory: Trajectory, *, starts_on: date = date(2024, 4, 1), ends_on: date = date(2024, 7, 1)
) -> UUID:
    order_id = uuid4()
    trajectory.issue_mayor_order(
        C,
        order_id=order_id,
        kind="gebiedsverbod",
        starts_on=starts_on,
        ends_on=ends_on,
        area="Voorbeeldplein",
    )
    return order_id


@pytest.mark.parametrize(
    ("starts_on", "last_allowed_end"),
    [
        pytest.param(date(2024, 4, 1), date(2024, 7, 1), id="plain"),
        pytest.param(date(2023, 11, 30), date(2024, 2, 29), id="30-nov-leap-year"),
        pytest.param(date(2022, 11, 30), date(2023, 2, 28), id="30-nov-common-year"),
    ],
)
def test_mayor_order_lasts_at_most_three_calendar_months(
    starts_on: date, last_allowed_end: date
) -> None:
    trajectory = active_trajectory()

    order_id = issue(trajectory, starts_on=starts_on, ends_on=last_allowed_end)

    assert trajectory.mayor_orders[order_id].ends_on == last_allowed_end
    with pytest.raises(MayorOrderTooLong):
        issue(trajectory, starts_on=starts_on, ends_on=last_allowed_end + timedelta(days=1))


@pytest.mark.parametrize("days", [0, -1])
def test_mayor_order_must_end_after_it_starts(days: int) -> None:
    trajectory = active_trajectory()
    starts_on = date(2024, 4, 1)

    with pytest.raises(InvalidValue):
        issue(trajectory, starts_on=starts_on, ends_on=starts_on + timedelta(days=days))


def test_mayor_order_id_must_be_new_and_its_kind_known() -> None:
    trajectory = active_trajectory()
    order_id = issue(trajectory)

    with pytest.raises(DuplicateEntity):
        trajectory.issue_mayor_order(
            C,
            order_id=order_id,
            kind="meldplicht",
            starts_on=LATER,
            ends_on=LATER + timedelta(days=7),
            area=None,
        )
    with pytest.raises(UnknownCatalogueEntry):
        trajectory.issue_mayor_order(
            C,
            order_id=uuid4(),
            kind="huisarrest",
            starts_on=LATER,
            ends_on=LATER + timedelta(days=7),
            area=None,
        )


def test_mayor_order_extension_lasts_at_most_three_months_from_the_current_end() -> None:
    trajectory = active_trajectory()
    order_id = issue(trajectory, starts_on=date(2024, 4, 1), ends_on=date(2024, 7, 1))

    with pytest.raises(MayorOrderTooLong):
        trajectory.extend_mayor_order(order_id=order_id, ends_on=date(2024, 10, 2))
    trajectory.extend_mayor_order(order_id=order_id, ends_on=date(2024, 10, 1))

    assert trajectory.mayor_orders[order_id].ends_on == date(2024, 10, 1)
    assert trajectory.mayor_orders[order_id].extensions == 1


def test_mayor_order_extension_must_end_after_the_current_end() -> None:
    trajectory = active_trajectory()
    order_id = issue(trajectory, ends_on=date(2024, 7, 1))

    with pytest.raises(InvalidValue):
        trajectory.extend_mayor_order(order_id=order_id, ends_on=date(2024, 7, 1))


def test_mayor_order_is_extended_at_most_three_times() -> None:
    trajectory = active_trajectory()
    order_id = issue(trajectory, starts_on=date(2024, 4, 1), ends_on=date(2024, 7, 1))
    for ends_on in (date(2024, 10, 1), date(2025, 1, 1), date(2025, 4, 1)):
        trajectory.extend_mayor_order(order_id=order_id, ends_on=ends_on)
    assert trajectory.mayor_orders[order_id].extensions == 3

    assert_refused(
        trajectory,
        lambda: trajectory.extend_mayor_order(order_id=order_id, ends_on=date(2025, 5, 1)),
        TooManyExtensions,
    )


def test_extending_an_unknown_mayor_order_fails() -> None:
    trajectory = active_trajectory()
    issue(trajectory)

    with pytest.raises(UnknownEntity):
        COMMANDS["extend_mayor_order"](trajectory)


# --- JIT steps ---


def test_reprimand_talk_records_the_days_after_the_incident() -> None:
    trajectory = active_trajectory()

    trajectory.record_jit_step(
        C,
        kind="reprimandegesprek",
        occurred_on=date(2024, 5, 8),
        incident_on=date(2024, 5, 3),
        parents_present=True,
    )

    step = single_event(trajectory, JitStepRecorded)
    assert step.days_after_incident == 5
    assert step.incident_on == date(2024, 5, 3)
    assert trajectory.jit_steps == 1


def test_reprimand_talk_needs_an_incident_date() -> None:
    trajectory = active_trajectory()

    with pytest.raises(InvalidValue) as refused:
        trajectory.record_jit_step(
            C, kind="reprimandegesprek", occurred_on=LATER, incident_on=None, parents_present=True
        )

    assert refused.value.field == "incident_on"


def test_a_talk_cannot_precede_its_incident() -> None:
    trajectory = active_trajectory()

    with pytest.raises(DateOrderViolation):
        trajectory.record_jit_step(
            C,
            kind="stopgesprek",
            occurred_on=date(2024, 5, 2),
            incident_on=date(2024, 5, 3),
            parents_present=False,
        )


def test_a_street_contact_needs_no_incident() -> None:
    trajectory = active_trajectory()

    COMMANDS["record_jit_step"](trajectory)

    assert single_event(trajectory, JitStepRecorded).days_after_incident is None


def test_jit_step_kind_must_be_known() -> None:
    trajectory = active_trajectory()

    with pytest.raises(UnknownCatalogueEntry):
        trajectory.record_jit_step(
            C, kind="preek", occurred_on=LATER, incident_on=None, parents_present=False
        )


# --- school signals ---


def signal(
    trajectory: Trajectory,
    *,
    kind: str = "verzuim",
    absence_hours: int | None = 16,
    source_role: PartnerRole = PartnerRole.LEERPLICHT,
) -> None:
    trajectory.record_school_signal(
        C,
        kind=kind,
        observed_on=LATER,
        absence_hours=absence_hours,
        source_role=source_role,
        source_organisation="leerplicht-almere",
    )


@pytest.mark.parametrize("hours", [1, 16, 2000])
def test_absence_signal_records_its_absence_hours(hours: int) -> None:
    trajectory = active_trajectory()

    signal(trajectory, absence_hours=hours)

    assert trajectory.school_signals == 1


@pytest.mark.parametrize("hours", [None, 0, 2001])
def test_absence_signal_needs_absence_hours_from_1_to_2000(hours: int | None) -> None:
    trajectory = active_trajectory()

    with pytest.raises(InvalidValue) as refused:
        signal(trajectory, absence_hours=hours)

    assert refused.value.field == "absence_hours"


@pytest.mark.parametrize(
    "kind", [kind.code for kind in C.school_signals.entries if not kind.needs_hours]
)
def test_other_school_signals_must_not_carry_absence_hours(kind: str) -> None:
    trajectory = active_trajectory()

    signal(trajectory, kind=kind, absence_hours=None)
    with pytest.raises(InvalidValue):
        signal(trajectory, kind=kind, absence_hours=4)


@pytest.mark.parametrize(
    "role", sorted(set(PartnerRole) - {PartnerRole.SCHOOL, PartnerRole.LEERPLICHT})
)
def test_school_signals_come_only_from_school_or_leerplicht(role: PartnerRole) -> None:
    trajectory = active_trajectory()

    with pytest.raises(InvalidValue) as refused:
        signal(trajectory, source_role=role)

    assert refused.value.field == "source_role"


# --- youth networks ---


def test_a_trajectory_is_linked_to_a_network_at_most_once() -> None:
    trajectory = active_trajectory()
    network_id = uuid4()
    trajectory.link_network(network_id=network_id, linked_on=date(2024, 5, 13))

    with pytest.raises(NetworkLinkConflict):
        trajectory.link_network(network_id=network_id, linked_on=LATER)
    assert trajectory.networks == {network_id: date(2024, 5, 13)}


def test_unlinking_needs_an_existing_link_a_later_date_and_a_reason() -> None:
    trajectory = active_trajectory()
    network_id = uuid4()
    trajectory.link_network(network_id=network_id, linked_on=date(2024, 5, 13))

    with pytest.raises(NetworkLinkConflict):
        trajectory.unlink_network(network_id=uuid4(), unlinked_on=LATER, why="Voorbeeld")
    with pytest.raises(DateOrderViolation):
        trajectory.unlink_network(network_id=network_id, unlinked_on=date(2024, 5, 6), why="x")
    with pytest.raises(ReasonRequired):
        trajectory.unlink_network(network_id=network_id, unlinked_on=LATER, why=" ")

    trajectory.unlink_network(network_id=network_id, unlinked_on=LATER, why="Groep ontbonden")
    assert trajectory.networks == {}


# --- escalate, de-escalate, close ---


def test_escalation_records_its_target() -> None:
    trajectory = active_trajectory()

    trajectory.escalate(C, escalated_on=LATER, target="topx", why="Zorgen nemen toe")

    assert trajectory.status == S.OPGESCHAALD
    assert trajectory.escalated_to == "topx"


def test_escalation_needs_a_known_target_and_a_reason() -> None:
    trajectory = active_trajectory()

    with pytest.raises(UnknownCatalogueEntry):
        trajectory.escalate(C, escalated_on=LATER, target="rechtbank", why="Voorbeeld")
    with pytest.raises(ReasonRequired):
        trajectory.escalate(C, escalated_on=LATER, target="zvh", why="")


def test_de_escalation_after_escalation_clears_the_target() -> None:
    trajectory = trajectory_in(S.OPGESCHAALD)

    trajectory.de_escalate(de_escalated_on=LATER, why="Terug naar monitoring")

    assert trajectory.status == S.AFGESCHAALD
    assert trajectory.escalated_to is None


def test_de_escalation_needs_a_reason() -> None:
    trajectory = active_trajectory()

    with pytest.raises(ReasonRequired):
        trajectory.de_escalate(de_escalated_on=LATER, why="\t")


@pytest.mark.parametrize(
    "reason_code", [reason.code for reason in CLOSING_REASONS.entries if reason.needs_handover]
)
@pytest.mark.parametrize("handover_to", [None, "   "])
def test_closing_for_a_handover_reason_needs_a_warm_handover(
    reason_code: str, handover_to: str | None
) -> None:
    trajectory = active_trajectory()

    with pytest.raises(InvalidValue) as refused:
        trajectory.close(C, closed_on=LATER, reason_code=reason_code, handover_to=handover_to)

    assert refused.value.field == "handover_to"


def test_closing_with_a_handover_records_who_takes_over() -> None:
    trajectory = active_trajectory()

    trajectory.close(
        C, closed_on=LATER, reason_code="overdracht_18_plus", handover_to="Wijkteam Voorbeeldwijk"
    )

    assert trajectory.status == S.AFGESLOTEN
    assert trajectory.closed_on == LATER
    assert trajectory.closing_reason == "overdracht_18_plus"
    assert single_event(trajectory, Closed).handover_to == "Wijkteam Voorbeeldwijk"


def test_closing_needs_a_known_reason_and_cannot_precede_the_referral() -> None:
    trajectory = active_trajectory()

    with pytest.raises(UnknownCatalogueEntry):
        trajectory.close(C, closed_on=LATER, reason_code="klaar", handover_to=None)
    with pytest.raises(DateOrderViolation):
        trajectory.close(
            C,
            closed_on=REFERRED_ON - timedelta(days=1),
            reason_code="overig",
            handover_to=None,
        )


# --- corrections ---


def test_a_correction_must_reference_an_existing_version() -> None:
    trajectory = active_trajectory()
    version = trajectory.version

    for wrong in (0, version + 1):
        with pytest.raises(InvalidValue) as refused:
            trajectory.record_correction(
                corrects_version=wrong, what_was_wrong="x", correction="y", why="z"
            )
        assert refused.value.field == "corrects_version"

    trajectory.record_correction(
        corrects_version=version, what_was_wrong="Datum", correction="Andere datum", why="Fout"
    )
    assert trajectory.corrections == 1


def test_a_correction_needs_a_reason() -> None:
    trajectory = active_trajectory()

    with pytest.raises(ReasonRequired):
        trajectory.record_correction(
            corrects_version=1, what_was_wrong="Datum", correction="Andere datum", why=""
        )


# --- dates are not in the future of the recording clock ---

DATED_COMMANDS: dict[str, Callable[[Trajectory, date], None]] = {
    "involve_partner": lambda t, day: t.involve_partner(
        C, organisation="voorbeeldcollege", role=PartnerRole.SCHOOL, legal_basis="wjsg", since=day
    ),
    "record_arrest": lambda t, day: t.record_arrest(
        C, arrested_on=day, offence_category="diefstal", police_reference="PL-TEST-0002"
    ),
    "score_life_domain": lambda t, day: t.score_life_domain(
        C, life_domain="gezin", score=2, instrument="zrm", scored_on=day
    ),
    "make_care_report": lambda t, day: t.make_care_report(made_on=day, summary="Voorbeeld"),
    "link_network": lambda t, day: t.link_network(network_id=uuid4(), linked_on=day),
    "issue_mayor_order": lambda t, day: t.issue_mayor_order(
        C,
        order_id=uuid4(),
        kind="meldplicht",
        starts_on=day,
        ends_on=day + timedelta(days=30),
        area=None,
    ),
    "close": lambda t, day: t.close(C, closed_on=day, reason_code="overig", handover_to=None),
}


@pytest.mark.parametrize("command", sorted(DATED_COMMANDS))
def test_a_date_after_the_recording_day_is_refused(command: str) -> None:
    trajectory = active_trajectory()

    with recording_clock(fixed_clock):
        assert_refused(
            trajectory,
            lambda: DATED_COMMANDS[command](trajectory, RECORDING_DAY + timedelta(days=2)),
            InvalidValue,
        )
        DATED_COMMANDS[command](trajectory, RECORDING_DAY + timedelta(days=1))

    assert len(trajectory.pending_events) == 1


# --- a refused command changes nothing ---

REFUSALS: dict[str, tuple[TrajectoryStatus, Callable[[Trajectory], object], type[DomainError]]] = {
    "same-regisseur": (S.ACTIEF, lambda t: t.assign_regisseur(REGISSEUR), RegisseurUnchanged),
    "double-involvement": (
        S.INTAKE,
        lambda t: t.involve_partner(
            C, organisation=POLICE, role=PartnerRole.POLITIE, legal_basis="wpg_art_20", since=LATER
        ),
        PartnerAlreadyInvolved,
    ),
    "wrong-owner": (
        S.ACTIEF,
        lambda t: planned_intervention(t, kind="halt", responsible_organisation=POLICE),
        WrongOwnerRole,
    ),
    "order-too-long": (
        S.ACTIEF,
        lambda t: issue(t, starts_on=date(2024, 4, 1), ends_on=date(2024, 7, 2)),
        MayorOrderTooLong,
    ),
    "plan-before-intake": (S.AANGEMELD, TRANSITIONS["adopt_plan"], StatusTransitionNotAllowed),
    "closed": (S.AFGESLOTEN, COMMANDS["record_arrest"], TrajectoryClosed),
    "score-out-of-range": (
        S.ACTIEF,
        lambda t: t.score_life_domain(
            C, life_domain="gezin", score=6, instrument="zrm", scored_on=LATER
        ),
        InvalidValue,
    ),
    "goal-owner-not-involved": (
        S.INTAKE,
        lambda t: t.adopt_plan(
            C,
            adopted_on=LATER,
            goals=(goal(), goal(responsible_organisation="jongerenwerk-almere")),
            agreements=None,
        ),
        PartnerNotInvolved,
    ),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_refused_command_changes_nothing(refusal: str) -> None:
    status, command, error = REFUSALS[refusal]
    trajectory = trajectory_in(status)
    if not trajectory.is_closed:
        # An event still pending must stay pending: a refusal neither adds nor drops one.
        COMMANDS["make_care_report"](trajectory)

    assert_refused(trajectory, lambda: command(trajectory), error)
