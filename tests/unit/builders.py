"""Builders for the domain's unit tests: aggregates in a given state, from synthetic data only.

Every builder returns an aggregate whose pending events are already collected, so a test sees
exactly the events its own command triggers. All dates lie in 2024, before any real recording
day; a test about "not in the future" sets the recording clock itself.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID, uuid4

import pytest

from pga.domain.catalogue import DEFAULT_CATALOGUE, Catalogue, PartnerRole
from pga.domain.common import letter_recipients
from pga.domain.network import Action, ActionLevel, Member, NetworkStep, YouthNetwork
from pga.domain.trajectory import PlanGoal, Regisseur, Trajectory, TrajectoryStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from eventsourcing.domain import Aggregate

    from pga.domain.errors import DomainError

EventT = TypeVar("EventT")

GIVEN_NAME = "Testjongere"
FAMILY_NAME = "Voorbeeld"
POLICE_REFERENCE = "PL-TEST-0001"
POLICE = "politie-midden-nederland"
HALT = "halt-flevoland"
REGISSEUR = Regisseur(user_id="regisseur-test-01", organisation="ggd-flevoland")
OTHER_REGISSEUR = Regisseur(user_id="regisseur-test-02", organisation="ggd-flevoland")
LEGAL_BASIS = "convenant_pga"

BORN_ON = date(2008, 5, 17)  # 15 on the referral date
SUSPECTED_ON = date(2024, 2, 26)
REFERRED_ON = date(2024, 3, 4)
INTAKE_ON = date(2024, 3, 11)
DECLINED_ON = date(2024, 3, 18)
PLAN_ADOPTED_ON = date(2024, 3, 25)
REVISION_STARTED_ON = date(2024, 4, 15)
STATUS_CHANGED_ON = date(2024, 5, 6)
#: After every date a builder uses: the day of the command under test.
LATER = date(2024, 6, 3)

#: Organisations the standard trajectory involves, with their roles.
STANDARD_PARTNERS = {HALT: PartnerRole.HALT, POLICE: PartnerRole.POLITIE}


# --- trajectories ---


def referred_trajectory(
    *,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
    given_name: str = GIVEN_NAME,
    family_name: str = FAMILY_NAME,
    born_on: date = BORN_ON,
    offence_category: str = "straatroof",
    suspected_on: date = SUSPECTED_ON,
    referred_on: date = REFERRED_ON,
    police_reference: str = POLICE_REFERENCE,
    referring_organisation: str = POLICE,
    regisseur: Regisseur = REGISSEUR,
) -> Trajectory:
    """Return a freshly referred trajectory (status ``aangemeld``, no partners)."""
    trajectory = Trajectory.refer(
        catalogue,
        trajectory_id=uuid4(),
        subject_id=uuid4(),
        given_name=given_name,
        family_name=family_name,
        born_on=born_on,
        offence_category=offence_category,
        suspected_on=suspected_on,
        referred_on=referred_on,
        police_reference=police_reference,
        referring_organisation=referring_organisation,
        regisseur=regisseur,
    )
    trajectory.collect_events()
    return trajectory


def goal(
    *,
    life_domain: str = "school",
    responsible_organisation: str = REGISSEUR.organisation,
    due_on: date = date(2024, 9, 2),
    goal_id: UUID | None = None,
) -> PlanGoal:
    """Return a plan goal (by default the regisseur's own, in the school domain)."""
    return PlanGoal(
        goal_id=goal_id or uuid4(),
        life_domain=life_domain,
        description="Voorbeelddoel: dagelijks naar school",
        responsible_organisation=responsible_organisation,
        due_on=due_on,
    )


def trajectory_in(status: TrajectoryStatus, *, born_on: date = BORN_ON) -> Trajectory:
    """Return a trajectory with the standard partners, walked to ``status``."""
    trajectory = referred_trajectory(born_on=born_on)
    for organisation, role in STANDARD_PARTNERS.items():
        trajectory.involve_partner(
            DEFAULT_CATALOGUE,
            organisation=organisation,
            role=role,
            legal_basis=LEGAL_BASIS,
            since=REFERRED_ON,
        )
    _walk_to(trajectory, status)
    trajectory.collect_events()
    return trajectory


def active_trajectory(*, born_on: date = BORN_ON) -> Trajectory:
    """Return a trajectory with an adopted plan (status ``actief``)."""
    return trajectory_in(TrajectoryStatus.ACTIEF, born_on=born_on)


def _walk_to(trajectory: Trajectory, status: TrajectoryStatus) -> None:
    s = TrajectoryStatus
    if status == s.AANGEMELD:
        return
    trajectory.hold_intake(held_on=INTAKE_ON, attendees=("jongere", "ouders"), trusted_person=None)
    if status == s.NIET_OPGENOMEN:
        trajectory.decline_inclusion(declined_on=DECLINED_ON, why="Geen grond voor opname")
    if status in {s.INTAKE, s.NIET_OPGENOMEN}:
        return
    trajectory.adopt_plan(
        DEFAULT_CATALOGUE, adopted_on=PLAN_ADOPTED_ON, goals=(goal(),), agreements=None
    )
    if status == s.BIJSTELLING:
        trajectory.start_revision(started_on=REVISION_STARTED_ON, why="Nieuwe politiecontacten")
    elif status == s.AFGESCHAALD:
        trajectory.de_escalate(de_escalated_on=STATUS_CHANGED_ON, why="Doelen grotendeels behaald")
    elif status == s.OPGESCHAALD:
        trajectory.escalate(
            DEFAULT_CATALOGUE, escalated_on=STATUS_CHANGED_ON, target="zvh", why="Zorgen nemen toe"
        )
    elif status == s.AFGESLOTEN:
        trajectory.close(
            DEFAULT_CATALOGUE,
            closed_on=STATUS_CHANGED_ON,
            reason_code="doelen_behaald",
            handover_to=None,
        )


def planned_intervention(
    trajectory: Trajectory,
    *,
    kind: str = "halt",
    responsible_organisation: str = HALT,
    planned_start: date = date(2024, 4, 1),
    days: int = 60,
    legal_basis: str = LEGAL_BASIS,
) -> UUID:
    """Plan an intervention (by default Halt, by the involved Halt office); return its id."""
    intervention_id = uuid4()
    trajectory.plan_intervention(
        DEFAULT_CATALOGUE,
        intervention_id=intervention_id,
        kind=kind,
        responsible_organisation=responsible_organisation,
        legal_basis=legal_basis,
        planned_start=planned_start,
        planned_end=planned_start + timedelta(days=days),
    )
    return intervention_id


# --- youth networks ---

N = NetworkStep
NETWORK_OPENED_ON = date(2024, 1, 8)
PROCESREGISSEUR = "procesregisseur-test-01"
MUNICIPALITY = "gemeente-almere"
#: Days between one step's start and its output (and the next step).
STEP_DAYS = 7


def opened_network() -> YouthNetwork:
    """Return a network just opened at step 1, with the police as partner and no signal yet."""
    network = YouthNetwork.open(
        network_id=uuid4(),
        working_name="Testgroep Voorbeeldplein",
        area="Voorbeeldwijk",
        procesregisseur=PROCESREGISSEUR,
        procesregisseur_organisation=MUNICIPALITY,
        opened_on=NETWORK_OPENED_ON,
    )
    network.join_partner(
        DEFAULT_CATALOGUE,
        organisation=POLICE,
        role=PartnerRole.POLITIE,
        legal_basis="convenant_jeugdgroepen",
        since=NETWORK_OPENED_ON,
    )
    network.collect_events()
    return network


def member(
    *,
    placed_on: date = LATER,
    trajectory_id: UUID | None = None,
    born_on: date | None = BORN_ON,
) -> Member:
    """Return a youth for the name list."""
    return Member(
        member_id=uuid4(),
        given_name=GIVEN_NAME,
        family_name=FAMILY_NAME,
        born_on=born_on,
        role_in_group=None,
        trajectory_id=trajectory_id,
        placed_on=placed_on,
        letter_recipients=letter_recipients(born_on, placed_on),
    )


def action(
    *,
    organisation: str = POLICE,
    level: ActionLevel = ActionLevel.GROUP,
    member_id: UUID | None = None,
) -> Action:
    """Return an action of the integral plan (by default group-level, by the police)."""
    return Action(
        action_id=uuid4(),
        organisation=organisation,
        level=level,
        description="Extra surveillance op het Voorbeeldplein",
        due_on=date(2024, 9, 2),
        member_id=member_id,
    )


def network_in_step(step: NetworkStep) -> YouthNetwork:
    """Return a network that has just entered ``step`` (its output not yet produced).

    The network walks forward from step 1, producing each step's output on the way; the route
    to 2A licht takes a non-problematic assessment, the route to niet_geprioriteerd a negative
    decision of the triangle, and ``gesloten`` is reached by closing after step 7. From 2B on
    the name list holds one member.
    """
    network = opened_network()
    while network.step != step:
        on = network.step_since + timedelta(days=STEP_DAYS)
        produce_step_output(
            network,
            on=on,
            problematic=step != N.LIGHT_APPROACH,
            prioritised=step != N.NOT_PRIORITISED,
        )
        next_step = N.CLOSED if network.step == N.SCALE_DOWN else network.next_step()
        if next_step is None:
            msg = f"no forward route from {network.step} to {step}"
            raise ValueError(msg)
        if next_step == N.CLOSED:
            network.close(on=on, why="Aanpak geëvalueerd en afgerond")
        else:
            network.advance(to_step=next_step, on=on)
    network.collect_events()
    return network


def produce_step_output(
    network: YouthNetwork, *, on: date, problematic: bool = True, prioritised: bool = True
) -> None:
    """Produce what the network's current step requires before it can move on, dated ``on``."""
    step = network.step
    if step == N.SIGNALS:
        network.share_signal(
            source_organisation=POLICE,
            observed_on=on,
            location="Voorbeeldplein",
            description="Groep jongeren intimideert voorbijgangers",
            online=False,
        )
    elif step == N.ASSESSMENT:
        network.assess_behaviour(problematic=problematic, findings="Voorbeeld", assessed_on=on)
    elif step == N.NAME_LIST:
        network.place_member(member(placed_on=on))
        network.receive_police_advice(received_on=on, group_scan_done=True, advice="Voorbeeld")
    elif step == N.INTERPRETATION:
        network.record_interpretation(
            recorded_on=on,
            group_dynamics="Voorbeeld",
            roles="Voorbeeld",
            problem_type="Voorbeeld",
            context="Voorbeeld",
            chances="Voorbeeld",
        )
        network.draft_concept_plan(drafted_on=on, authors=(POLICE,), summary="Voorbeeld")
    elif step == N.ADVICE:
        network.issue_advice(issued_on=on, problem_definition="Voorbeeld", advice="Voorbeeld")
        network.decide_prioritisation(decided_on=on, prioritised=prioritised, instructions=None)
    elif step == N.PLAN:
        network.plan_action(action())
        network.adopt_integral_plan(adopted_on=on)
    elif step == N.EXECUTION:
        network.record_monitoring(monitored_on=on, indicators="Minder overlast")
    elif step == N.SCALE_DOWN:
        network.complete_evaluation(evaluated_on=on, findings="Voorbeeld", remaining_actions="Geen")


# --- assertions ---


def assert_refused(
    aggregate: Aggregate, command: Callable[[], object], error: type[DomainError]
) -> DomainError:
    """Assert ``command`` raises ``error`` and leaves the aggregate exactly as it was."""
    version = aggregate.version
    pending = list(aggregate.pending_events)
    state = copy.deepcopy(vars(aggregate))
    with pytest.raises(error) as raised:
        command()
    assert aggregate.version == version
    assert list(aggregate.pending_events) == pending
    assert vars(aggregate) == state
    return raised.value


def single_event(aggregate: Aggregate, kind: type[EventT]) -> EventT:
    """Collect the aggregate's pending events; assert there is exactly one, of type ``kind``."""
    events = aggregate.collect_events()
    assert len(events) == 1, events
    event = events[0]
    assert isinstance(event, kind), event
    return event
