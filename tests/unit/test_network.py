"""The rules of a youth network in the CCV 7-stappenmodel, one test (or table) per rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from pga.domain.catalogue import DEFAULT_CATALOGUE, PartnerRole
from pga.domain.clock import recording_clock
from pga.domain.errors import (
    DateOrderViolation,
    DomainError,
    DuplicateEntity,
    InvalidValue,
    NamesNotYetAllowed,
    NetworkClosed,
    NotInStep,
    PartnerAlreadyInvolved,
    PartnerNotInvolved,
    PartnerStillResponsible,
    ReasonRequired,
    RegisseurUnchanged,
    StepOutputMissing,
    StepTransitionNotAllowed,
    UnknownEntity,
)
from pga.domain.network import (
    ActionLevel,
    MemberErased,
    MemberPlaced,
    NetworkOpened,
    NetworkStep,
    StepAdvanced,
    SteppedBack,
    YouthNetwork,
)
from tests.unit.builders import (
    LATER,
    MUNICIPALITY,
    NETWORK_OPENED_ON,
    POLICE,
    PROCESREGISSEUR,
    action,
    assert_refused,
    member,
    network_in_step,
    opened_network,
    produce_step_output,
    single_event,
)

if TYPE_CHECKING:
    from collections.abc import Callable

N = NetworkStep
C = DEFAULT_CATALOGUE
OPEN_STEPS = tuple(step for step in N if step != N.CLOSED)
SIDE_STATES = frozenset({N.LIGHT_APPROACH, N.NOT_PRIORITISED})
#: The order of the 7-stappenmodel (DOMAIN.md), written out here rather than read from the code
#: under test; a side state shares the rank of the step it branches from.
RANK = {
    N.SIGNALS: 1,
    N.ASSESSMENT: 2,
    N.LIGHT_APPROACH: 2,
    N.NAME_LIST: 3,
    N.INTERPRETATION: 4,
    N.ADVICE: 5,
    N.NOT_PRIORITISED: 5,
    N.PLAN: 6,
    N.EXECUTION: 7,
    N.SCALE_DOWN: 8,
}
#: Back-steps besides "to an earlier main step": re-assessment from 2A licht, and the
#: groepsscan showing no problematic group (2B to 2A licht).
EXTRA_BACK_STEPS = {(N.LIGHT_APPROACH, N.ASSESSMENT), (N.NAME_LIST, N.LIGHT_APPROACH)}
CLOSABLE_STEPS = frozenset({N.SIGNALS, N.LIGHT_APPROACH, N.NOT_PRIORITISED, N.SCALE_DOWN})
#: Where each step goes when its output exists (2A and 4 on the default decision).
FORWARD = {
    N.SIGNALS: N.ASSESSMENT,
    N.ASSESSMENT: N.NAME_LIST,
    N.NAME_LIST: N.INTERPRETATION,
    N.INTERPRETATION: N.ADVICE,
    N.ADVICE: N.PLAN,
    N.PLAN: N.EXECUTION,
    N.EXECUTION: N.SCALE_DOWN,
}
BEFORE_NAMES = (N.SIGNALS, N.ASSESSMENT, N.LIGHT_APPROACH)
WITH_NAMES = tuple(step for step in OPEN_STEPS if step not in BEFORE_NAMES)


def fixed_clock() -> datetime:
    return datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def next_day(network: YouthNetwork) -> date:
    return network.step_since + timedelta(days=1)


# --- opening ---


def test_a_network_opens_at_step_1_without_names() -> None:
    network_id = uuid4()

    network = YouthNetwork.open(
        network_id=network_id,
        working_name=" Testgroep Voorbeeldplein ",
        area="Voorbeeldwijk",
        procesregisseur=PROCESREGISSEUR,
        procesregisseur_organisation=MUNICIPALITY,
        opened_on=NETWORK_OPENED_ON,
        historical_label="overlastgevend",
    )

    assert network.id == network_id
    assert network.step == N.SIGNALS
    assert network.step_since == NETWORK_OPENED_ON
    assert network.members == {}
    assert network.working_name == "Testgroep Voorbeeldplein"
    assert single_event(network, NetworkOpened).historical_label == "overlastgevend"


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("historical_label", {"historical_label": "jeugdbende"}),
        ("working_name", {"working_name": "  "}),
        ("procesregisseur", {"procesregisseur": "proces regisseur"}),
        ("procesregisseur_organisation", {"procesregisseur_organisation": "Gemeente Almere"}),
    ],
)
def test_opening_refuses_malformed_fields(field: str, overrides: dict[str, str]) -> None:
    values = {
        "working_name": "Testgroep",
        "procesregisseur": PROCESREGISSEUR,
        "procesregisseur_organisation": MUNICIPALITY,
        "historical_label": "hinderlijk",
        **overrides,
    }

    with pytest.raises(InvalidValue) as refused:
        YouthNetwork.open(
            network_id=uuid4(),
            working_name=values["working_name"],
            area="Voorbeeldwijk",
            procesregisseur=values["procesregisseur"],
            procesregisseur_organisation=values["procesregisseur_organisation"],
            opened_on=NETWORK_OPENED_ON,
            historical_label=values["historical_label"],
        )

    assert refused.value.field == field


def test_opening_cannot_be_dated_after_the_recording_day() -> None:
    with recording_clock(fixed_clock), pytest.raises(InvalidValue):
        YouthNetwork.open(
            network_id=uuid4(),
            working_name="Testgroep",
            area="Voorbeeldwijk",
            procesregisseur=PROCESREGISSEUR,
            procesregisseur_organisation=MUNICIPALITY,
            opened_on=date(2024, 6, 3),
        )


# --- moving forward: each step's output first, then only to the next step ---


@pytest.mark.parametrize(("step", "to_step"), sorted(FORWARD.items()))
def test_advancing_needs_the_current_steps_output(step: NetworkStep, to_step: NetworkStep) -> None:
    network = network_in_step(step)
    assert network.missing_output() is not None

    refused = assert_refused(
        network, lambda: network.advance(to_step=to_step, on=next_day(network)), StepOutputMissing
    )

    assert isinstance(refused, StepOutputMissing)
    assert refused.step == step


@pytest.mark.parametrize(("step", "to_step"), sorted(FORWARD.items()))
def test_every_forward_transition_with_its_output(step: NetworkStep, to_step: NetworkStep) -> None:
    network = network_in_step(step)
    produce_step_output(network, on=next_day(network))
    network.collect_events()

    network.advance(to_step=to_step, on=next_day(network))

    assert network.step == to_step
    advanced = single_event(network, StepAdvanced)
    assert (advanced.from_step, advanced.to_step) == (step, to_step)
    assert network.step_since == advanced.on


@pytest.mark.parametrize(
    ("step", "wrong"),
    [(step, wrong) for step, right in sorted(FORWARD.items()) for wrong in N if wrong != right],
)
def test_advancing_to_any_other_step_is_refused(step: NetworkStep, wrong: NetworkStep) -> None:
    network = network_in_step(step)
    produce_step_output(network, on=next_day(network))

    assert_refused(
        network,
        lambda: network.advance(to_step=wrong, on=next_day(network)),
        StepTransitionNotAllowed,
    )


@pytest.mark.parametrize("step", sorted({N.LIGHT_APPROACH, N.NOT_PRIORITISED, N.SCALE_DOWN}))
@pytest.mark.parametrize("to_step", sorted(N))
def test_side_states_and_step_7_never_advance(step: NetworkStep, to_step: NetworkStep) -> None:
    network = network_in_step(step)
    produce_step_output(network, on=next_day(network))

    with pytest.raises(StepTransitionNotAllowed):
        network.advance(to_step=to_step, on=next_day(network))


def test_a_non_problematic_assessment_leads_to_2a_licht_only() -> None:
    network = network_in_step(N.ASSESSMENT)
    network.assess_behaviour(problematic=False, findings="Hangen, geen overlast", assessed_on=LATER)

    with pytest.raises(StepTransitionNotAllowed):
        network.advance(to_step=N.NAME_LIST, on=LATER)
    network.advance(to_step=N.LIGHT_APPROACH, on=LATER)

    assert network.step == N.LIGHT_APPROACH


def test_step_2b_needs_both_a_member_and_the_police_advice() -> None:
    only_advice = network_in_step(N.NAME_LIST)
    only_advice.receive_police_advice(received_on=LATER, group_scan_done=False, advice="Advies")
    only_member = network_in_step(N.NAME_LIST)
    only_member.place_member(member())

    for network in (only_advice, only_member):
        with pytest.raises(StepOutputMissing):
            network.advance(to_step=N.INTERPRETATION, on=LATER)


def test_step_3_needs_both_the_groepsduiding_and_the_concept_plan() -> None:
    network = network_in_step(N.INTERPRETATION)
    network.draft_concept_plan(
        drafted_on=LATER, authors=(POLICE, "om-midden-nederland"), summary="x"
    )

    with pytest.raises(StepOutputMissing) as refused:
        network.advance(to_step=N.ADVICE, on=LATER)

    assert refused.value.missing == "the groepsduiding"


def test_the_concept_plan_names_at_least_one_author() -> None:
    network = network_in_step(N.INTERPRETATION)

    with pytest.raises(InvalidValue):
        network.draft_concept_plan(drafted_on=LATER, authors=(), summary="Voorbeeld")


def test_step_4_needs_the_triangles_decision_after_the_advice() -> None:
    network = network_in_step(N.ADVICE)
    network.issue_advice(issued_on=LATER, problem_definition="Voorbeeld", advice="Voorbeeld")

    with pytest.raises(StepOutputMissing) as refused:
        network.advance(to_step=N.PLAN, on=LATER)

    assert refused.value.missing == "the triangle's prioritisation decision"


def test_the_triangles_decision_needs_the_advice_first() -> None:
    network = network_in_step(N.ADVICE)

    assert_refused(
        network,
        lambda: network.decide_prioritisation(
            decided_on=LATER, prioritised=True, instructions=None
        ),
        StepOutputMissing,
    )


def test_the_triangles_decision_cannot_precede_the_advice() -> None:
    network = network_in_step(N.ADVICE)
    network.issue_advice(issued_on=LATER, problem_definition="Voorbeeld", advice="Voorbeeld")

    with pytest.raises(DateOrderViolation):
        network.decide_prioritisation(
            decided_on=LATER - timedelta(days=1), prioritised=True, instructions=None
        )


@pytest.mark.parametrize(("prioritised", "to_step"), [(True, N.PLAN), (False, N.NOT_PRIORITISED)])
def test_the_triangles_decision_decides_where_step_4_goes(
    prioritised: bool,  # noqa: FBT001 - a parametrized fact
    to_step: NetworkStep,
) -> None:
    network = network_in_step(N.ADVICE)
    network.issue_advice(issued_on=LATER, problem_definition="Voorbeeld", advice="Voorbeeld")
    network.decide_prioritisation(decided_on=LATER, prioritised=prioritised, instructions=None)
    other = N.NOT_PRIORITISED if prioritised else N.PLAN

    with pytest.raises(StepTransitionNotAllowed):
        network.advance(to_step=other, on=LATER)
    network.advance(to_step=to_step, on=LATER)

    assert network.step == to_step


def test_the_integral_plan_needs_at_least_one_action() -> None:
    network = network_in_step(N.PLAN)

    with pytest.raises(StepOutputMissing):
        network.adopt_integral_plan(adopted_on=LATER)


def test_advancing_cannot_be_dated_before_entering_the_step() -> None:
    network = network_in_step(N.SIGNALS)
    produce_step_output(network, on=NETWORK_OPENED_ON)

    with pytest.raises(DateOrderViolation):
        network.advance(to_step=N.ASSESSMENT, on=NETWORK_OPENED_ON - timedelta(days=1))


def test_a_step_output_cannot_be_dated_before_the_network_opened() -> None:
    network = network_in_step(N.ASSESSMENT)

    with pytest.raises(DateOrderViolation):
        network.assess_behaviour(
            problematic=True, findings="Voorbeeld", assessed_on=NETWORK_OPENED_ON - timedelta(1)
        )


@pytest.mark.parametrize("step", OPEN_STEPS)
def test_signals_can_be_shared_in_any_open_step(step: NetworkStep) -> None:
    network = network_in_step(step)
    signals = network.signals

    network.share_signal(
        source_organisation=POLICE,
        observed_on=LATER,
        location="Voorbeeldplein",
        description="Nieuwe melding",
        online=True,
    )

    assert network.signals == signals + 1


# --- outputs belong to their step ---

#: Every step output, valid in content, with the steps it belongs to.
OUTPUTS: dict[str, tuple[frozenset[NetworkStep], Callable[[YouthNetwork], None]]] = {
    "assess_behaviour": (
        frozenset({N.ASSESSMENT}),
        lambda n: n.assess_behaviour(problematic=True, findings="Voorbeeld", assessed_on=LATER),
    ),
    "receive_police_advice": (
        frozenset({N.NAME_LIST}),
        lambda n: n.receive_police_advice(received_on=LATER, group_scan_done=True, advice="x"),
    ),
    "record_interpretation": (
        frozenset({N.INTERPRETATION}),
        lambda n: n.record_interpretation(
            recorded_on=LATER,
            group_dynamics="x",
            roles="x",
            problem_type="x",
            context="x",
            chances="x",
        ),
    ),
    "draft_concept_plan": (
        frozenset({N.INTERPRETATION}),
        lambda n: n.draft_concept_plan(drafted_on=LATER, authors=(POLICE,), summary="x"),
    ),
    "issue_advice": (
        frozenset({N.ADVICE}),
        lambda n: n.issue_advice(issued_on=LATER, problem_definition="x", advice="x"),
    ),
    "decide_prioritisation": (
        frozenset({N.ADVICE}),
        lambda n: n.decide_prioritisation(decided_on=LATER, prioritised=True, instructions=None),
    ),
    "plan_action": (frozenset({N.PLAN, N.EXECUTION}), lambda n: n.plan_action(action())),
    "adopt_integral_plan": (
        frozenset({N.PLAN}),
        lambda n: n.adopt_integral_plan(adopted_on=LATER),
    ),
    "complete_action": (
        frozenset({N.EXECUTION, N.SCALE_DOWN}),
        lambda n: n.complete_action(
            action_id=next(iter(n.actions), uuid4()), completed_on=LATER, outcome="Gedaan"
        ),
    ),
    "record_monitoring": (
        frozenset({N.EXECUTION}),
        lambda n: n.record_monitoring(monitored_on=LATER, indicators="Minder meldingen"),
    ),
    "complete_evaluation": (
        frozenset({N.SCALE_DOWN}),
        lambda n: n.complete_evaluation(evaluated_on=LATER, findings="x", remaining_actions="x"),
    ),
}


#: Outputs that need another output of their step first.
PREREQUISITES = {"decide_prioritisation": "issue_advice", "adopt_integral_plan": "plan_action"}


@pytest.mark.parametrize(
    ("output", "step"),
    [(output, step) for output, (steps, _) in sorted(OUTPUTS.items()) for step in sorted(steps)],
)
def test_a_step_output_is_accepted_in_its_step(output: str, step: NetworkStep) -> None:
    network = network_in_step(step)
    if output in PREREQUISITES:
        OUTPUTS[PREREQUISITES[output]][1](network)
    version = network.version

    OUTPUTS[output][1](network)

    assert network.version == version + 1


@pytest.mark.parametrize(
    ("output", "step"),
    [
        (output, step)
        for output, (steps, _) in sorted(OUTPUTS.items())
        for step in OPEN_STEPS
        if step not in steps
    ],
)
def test_a_step_output_is_refused_in_other_steps(output: str, step: NetworkStep) -> None:
    network = network_in_step(step)

    assert_refused(network, lambda: OUTPUTS[output][1](network), NotInStep)


# --- names only from step 2B on ---


@pytest.mark.parametrize("step", BEFORE_NAMES)
def test_names_are_refused_before_step_2b(step: NetworkStep) -> None:
    network = network_in_step(step)

    assert_refused(network, lambda: network.place_member(member()), NamesNotYetAllowed)


@pytest.mark.parametrize("step", WITH_NAMES)
def test_names_are_accepted_from_step_2b_on(step: NetworkStep) -> None:
    network = network_in_step(step)
    youth = member(trajectory_id=uuid4())

    network.place_member(youth)

    assert network.members[youth.member_id] == youth
    placed = single_event(network, MemberPlaced)
    assert (placed.member_id, placed.trajectory_id) == (youth.member_id, youth.trajectory_id)


def test_a_member_id_is_placed_once() -> None:
    network = network_in_step(N.NAME_LIST)
    youth = member()
    network.place_member(youth)

    with pytest.raises(DuplicateEntity):
        network.place_member(youth)


def test_two_members_cannot_share_a_trajectory() -> None:
    network = network_in_step(N.NAME_LIST)
    trajectory_id = uuid4()
    network.place_member(member(trajectory_id=trajectory_id))
    network.place_member(member(trajectory_id=None))
    network.place_member(member(trajectory_id=None))

    assert_refused(
        network, lambda: network.place_member(member(trajectory_id=trajectory_id)), DuplicateEntity
    )
    assert len(network.members) == 3


@pytest.mark.parametrize(
    ("placed_on", "born_on"),
    [
        pytest.param(NETWORK_OPENED_ON - timedelta(days=1), None, id="before-opening"),
        pytest.param(LATER, LATER + timedelta(days=1), id="before-birth"),
    ],
)
def test_a_member_cannot_be_placed_before_the_network_opened_or_they_were_born(
    placed_on: date, born_on: date | None
) -> None:
    network = network_in_step(N.NAME_LIST)

    with pytest.raises(DateOrderViolation):
        network.place_member(member(placed_on=placed_on, born_on=born_on))


def test_removing_a_member_needs_a_placed_member_a_later_date_and_a_reason() -> None:
    network = network_in_step(N.INTERPRETATION)
    (member_id,) = network.members
    placed_on = network.members[member_id].placed_on

    with pytest.raises(UnknownEntity):
        network.remove_member(member_id=uuid4(), removed_on=LATER, why="Voorbeeld")
    with pytest.raises(DateOrderViolation):
        network.remove_member(member_id=member_id, removed_on=placed_on - timedelta(1), why="x")
    with pytest.raises(ReasonRequired):
        network.remove_member(member_id=member_id, removed_on=LATER, why=" ")

    network.remove_member(member_id=member_id, removed_on=LATER, why="Geen groepslid meer")
    assert network.members == {}


def test_erasing_a_member_takes_them_off_the_list_with_a_tombstone_without_names() -> None:
    network = network_in_step(N.INTERPRETATION)
    (member_id,) = network.members

    with pytest.raises(UnknownEntity):
        network.erase_member(member_id=uuid4(), erased_on=LATER, basis="avg-17-verzoek")
    with pytest.raises(InvalidValue):
        network.erase_member(member_id=member_id, erased_on=LATER, basis="Op verzoek")

    network.erase_member(member_id=member_id, erased_on=LATER, basis="avg-17-verzoek")
    tombstone = single_event(network, MemberErased)

    assert network.members == {}
    assert (tombstone.member_id, tombstone.basis) == (member_id, "avg-17-verzoek")
    assert MemberErased.personal_fields == ()


# --- the plan's actions ---


def test_a_person_level_action_names_a_member_of_the_name_list() -> None:
    network = network_in_step(N.PLAN)
    (member_id,) = network.members

    with pytest.raises(InvalidValue):
        network.plan_action(action(level=ActionLevel.PERSON, member_id=None))
    with pytest.raises(UnknownEntity):
        network.plan_action(action(level=ActionLevel.PERSON, member_id=uuid4()))
    network.plan_action(action(level=ActionLevel.PERSON, member_id=member_id))

    assert [item.member_id for item in network.actions.values()] == [member_id]


@pytest.mark.parametrize("level", [ActionLevel.GROUP, ActionLevel.DOMAIN])
def test_group_and_domain_actions_name_no_member(level: ActionLevel) -> None:
    network = network_in_step(N.PLAN)
    (member_id,) = network.members

    with pytest.raises(InvalidValue) as refused:
        network.plan_action(action(level=level, member_id=member_id))

    assert refused.value.field == "member_id"


def test_an_action_belongs_to_a_partner_or_the_procesregisseurs_organisation() -> None:
    network = network_in_step(N.PLAN)

    with pytest.raises(PartnerNotInvolved):
        network.plan_action(action(organisation="jongerenwerk-almere"))
    network.plan_action(action(organisation=MUNICIPALITY))

    assert [item.organisation for item in network.actions.values()] == [MUNICIPALITY]


def test_an_action_id_is_used_once_and_an_action_completed_once() -> None:
    network = network_in_step(N.EXECUTION)
    (action_id,) = network.actions
    duplicate = replace(action(), action_id=action_id)

    with pytest.raises(DuplicateEntity):
        network.plan_action(duplicate)
    network.complete_action(action_id=action_id, completed_on=LATER, outcome="Gedaan")
    assert network.actions[action_id].completed_on == LATER
    with pytest.raises(DuplicateEntity):
        network.complete_action(action_id=action_id, completed_on=LATER, outcome="Nogmaals")


def test_completing_an_unknown_action_fails() -> None:
    network = network_in_step(N.EXECUTION)

    with pytest.raises(UnknownEntity):
        network.complete_action(action_id=uuid4(), completed_on=LATER, outcome="Gedaan")


# --- back-steps ---


def extra_back_steps(step: NetworkStep) -> set[NetworkStep]:
    return {to for frm, to in EXTRA_BACK_STEPS if frm == step}


def allowed_back_steps(step: NetworkStep) -> set[NetworkStep]:
    """Return every main step of a lower rank, plus the extra back-steps."""
    lower = {other for other in OPEN_STEPS if RANK[other] < RANK[step] and other not in SIDE_STATES}
    return lower | extra_back_steps(step)


def refused_back_steps(step: NetworkStep) -> set[NetworkStep]:
    """Return the same step, later ones and closing, less the extra back-steps."""
    same_or_later = {other for other in OPEN_STEPS if RANK[other] >= RANK[step]}
    return (same_or_later | {N.CLOSED}) - extra_back_steps(step)


@pytest.mark.parametrize(
    ("step", "to_step"),
    [(step, to) for step in OPEN_STEPS for to in sorted(allowed_back_steps(step))],
)
def test_a_back_step_to_an_earlier_step_is_allowed_with_a_reason(
    step: NetworkStep, to_step: NetworkStep
) -> None:
    network = network_in_step(step)

    network.step_back(to_step=to_step, on=LATER, why="Nieuwe signalen")

    assert network.step == to_step
    assert network.step_since == LATER
    assert single_event(network, SteppedBack).reason == "Nieuwe signalen"


@pytest.mark.parametrize(
    ("step", "to_step"),
    [(step, to) for step in OPEN_STEPS for to in sorted(refused_back_steps(step))],
)
def test_a_back_step_to_the_same_or_a_later_step_is_refused(
    step: NetworkStep, to_step: NetworkStep
) -> None:
    network = network_in_step(step)

    assert_refused(
        network,
        lambda: network.step_back(to_step=to_step, on=LATER, why="Voorbeeld"),
        StepTransitionNotAllowed,
    )


def test_the_groepsscan_can_send_2b_back_to_2a_licht() -> None:
    network = network_in_step(N.NAME_LIST)
    network.place_member(member())

    network.step_back(to_step=N.LIGHT_APPROACH, on=LATER, why="Groepsscan: geen groep")

    assert network.step == N.LIGHT_APPROACH
    assert network.members == {}


@pytest.mark.parametrize("why", ["", "   ", "\n"])
def test_a_back_step_needs_a_reason(why: str) -> None:
    network = network_in_step(N.EXECUTION)

    assert_refused(
        network, lambda: network.step_back(to_step=N.PLAN, on=LATER, why=why), ReasonRequired
    )


def test_a_back_step_cannot_be_dated_before_entering_the_current_step() -> None:
    network = network_in_step(N.EXECUTION)

    with pytest.raises(DateOrderViolation):
        network.step_back(
            to_step=N.PLAN, on=network.step_since - timedelta(days=1), why="Voorbeeld"
        )


def test_a_back_step_reopens_the_step_and_everything_after_it() -> None:
    network = network_in_step(N.EXECUTION)
    assessment = network.outputs.assessment
    police_advice_on = network.outputs.police_advice_on

    network.step_back(to_step=N.INTERPRETATION, on=LATER, why="Groep is veranderd")

    assert network.outputs.assessment == assessment
    assert network.outputs.police_advice_on == police_advice_on
    assert network.outputs.interpretation_on is None
    assert network.outputs.concept_plan_on is None
    assert network.outputs.advice_on is None
    assert network.outputs.prioritised is None
    assert network.outputs.plan_adopted_on is None
    assert len(network.members) == 1
    with pytest.raises(StepOutputMissing):
        network.advance(to_step=N.ADVICE, on=LATER)


def test_a_back_step_from_step_7_reopens_monitoring() -> None:
    network = network_in_step(N.SCALE_DOWN)
    assert network.outputs.monitoring_moments == 1

    network.step_back(to_step=N.EXECUTION, on=LATER, why="Overlast neemt weer toe")

    assert network.outputs.monitoring_moments == 0
    assert network.outputs.plan_adopted_on is not None
    assert network.missing_output() == "at least one monitoring moment"


@pytest.mark.parametrize(
    ("step", "to_step"),
    [
        (N.INTERPRETATION, N.ASSESSMENT),
        (N.EXECUTION, N.SIGNALS),
        (N.NAME_LIST, N.LIGHT_APPROACH),
        (N.NOT_PRIORITISED, N.ASSESSMENT),
    ],
)
def test_a_back_step_before_2b_drops_the_name_list(step: NetworkStep, to_step: NetworkStep) -> None:
    network = network_in_step(step)
    if not network.members:
        network.place_member(member())

    network.step_back(to_step=to_step, on=LATER, why="Geen problematische groep")

    assert network.members == {}
    assert_refused(network, lambda: network.place_member(member()), NamesNotYetAllowed)


def test_a_back_step_to_2b_keeps_the_name_list() -> None:
    network = network_in_step(N.EXECUTION)
    members = dict(network.members)

    network.step_back(to_step=N.NAME_LIST, on=LATER, why="Nieuwe groepsscan")

    assert network.members == members
    assert network.outputs.police_advice_on is None


def test_re_assessment_from_2a_licht_goes_back_to_2a() -> None:
    network = network_in_step(N.LIGHT_APPROACH)

    network.step_back(to_step=N.ASSESSMENT, on=LATER, why="Nieuwe signalen van de school")
    network.assess_behaviour(problematic=True, findings="Nu wel overlast", assessed_on=LATER)
    network.advance(to_step=N.NAME_LIST, on=LATER)

    assert network.step == N.NAME_LIST


def test_niet_geprioriteerd_is_never_without_the_triangles_negative_decision() -> None:
    network = network_in_step(N.EXECUTION)

    try:
        network.step_back(to_step=N.NOT_PRIORITISED, on=LATER, why="Driehoek herziet")
    except StepTransitionNotAllowed:
        return
    assert network.outputs.prioritised is False


@pytest.mark.parametrize("how", ["back-step-before-2b", "member-removed", "closed"])
def test_person_level_actions_never_outlive_their_member(how: str) -> None:
    network = network_in_step(N.EXECUTION)
    (member_id,) = network.members
    network.plan_action(action(level=ActionLevel.PERSON, member_id=member_id))
    if how == "back-step-before-2b":
        network.step_back(to_step=N.ASSESSMENT, on=LATER, why="Groepsscan: geen groep")
    elif how == "member-removed":
        network.remove_member(member_id=member_id, removed_on=LATER, why="Verhuisd")
    else:
        network.record_monitoring(monitored_on=LATER, indicators="Rustig")
        network.advance(to_step=N.SCALE_DOWN, on=LATER)
        network.complete_evaluation(evaluated_on=LATER, findings="x", remaining_actions="x")
        network.close(on=LATER, why="Afgerond")

    assert all(
        item.member_id is None or item.member_id in network.members
        for item in network.actions.values()
    )


# --- closing ---


@pytest.mark.parametrize("step", sorted(CLOSABLE_STEPS - {N.SCALE_DOWN}))
def test_a_network_closes_from_step_1_2a_licht_or_niet_geprioriteerd(step: NetworkStep) -> None:
    network = network_in_step(step)

    network.close(on=LATER, why="Geen groepsaanpak nodig")

    assert network.step == N.CLOSED
    assert network.closed_on == LATER
    assert network.members == {}


def test_step_7_closes_only_after_the_evaluation() -> None:
    network = network_in_step(N.SCALE_DOWN)

    assert_refused(network, lambda: network.close(on=LATER, why="Afgerond"), StepOutputMissing)
    network.complete_evaluation(evaluated_on=LATER, findings="x", remaining_actions="Geen")
    network.close(on=LATER, why="Afgerond")

    assert network.is_closed
    assert network.members == {}


@pytest.mark.parametrize("step", sorted(set(OPEN_STEPS) - CLOSABLE_STEPS))
def test_other_steps_cannot_close(step: NetworkStep) -> None:
    network = network_in_step(step)

    assert_refused(
        network, lambda: network.close(on=LATER, why="Voorbeeld"), StepTransitionNotAllowed
    )


def test_closing_needs_a_reason_and_a_date_not_before_the_step() -> None:
    network = network_in_step(N.LIGHT_APPROACH)

    with pytest.raises(ReasonRequired):
        network.close(on=LATER, why="")
    with pytest.raises(DateOrderViolation):
        network.close(on=network.step_since - timedelta(days=1), why="Voorbeeld")


#: Every command of the network, valid in content for some open step.
COMMANDS: dict[str, Callable[[YouthNetwork], None]] = {
    **{name: command for name, (_, command) in OUTPUTS.items()},
    "assign_procesregisseur": lambda n: n.assign_procesregisseur(
        procesregisseur="procesregisseur-test-02", organisation=MUNICIPALITY
    ),
    "join_partner": lambda n: n.join_partner(
        C,
        organisation="halt-flevoland",
        role=PartnerRole.HALT,
        legal_basis="convenant_jeugdgroepen",
        since=LATER,
    ),
    "remove_partner": lambda n: n.remove_partner(organisation=POLICE, left_on=LATER),
    "share_signal": lambda n: n.share_signal(
        source_organisation=POLICE,
        observed_on=LATER,
        location="Voorbeeldplein",
        description="Voorbeeld",
        online=False,
    ),
    "place_member": lambda n: n.place_member(member()),
    "remove_member": lambda n: n.remove_member(member_id=uuid4(), removed_on=LATER, why="x"),
    "inform_member": lambda n: n.inform_member(member_id=uuid4(), sent_on=LATER),
    "advance": lambda n: n.advance(to_step=N.ASSESSMENT, on=LATER),
    "step_back": lambda n: n.step_back(to_step=N.SIGNALS, on=LATER, why="Voorbeeld"),
    "close": lambda n: n.close(on=LATER, why="Voorbeeld"),
}
NOT_COMMANDS = frozenset(
    {
        "Created",
        "Event",
        "open",
        "is_closed",
        "missing_output",
        "next_step",
        "class_version",  # the library's snapshot upcasting
        "upcast_v1_v2",
        "subject_entries",  # the store's hint: members' entries under their own keys
        "subject_grouped",  # and person-level actions under their member's
        "erase_member",  # erasure is no network command (PgaApplication.erase_subject)
        "upcast_v2_v3",
        # Retention and legal holds apply to a closed file (tests/unit/test_retention.py).
        "place_legal_hold",
        "lift_legal_hold",
        "erase_name_list",
        "erase_file",
    }
)


def test_the_command_table_covers_every_command_of_the_network() -> None:
    public = {name for name in vars(YouthNetwork) if not name.startswith("_")}

    assert set(COMMANDS) == public - NOT_COMMANDS


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_closed_network_refuses_every_command(command: str) -> None:
    network = network_in_step(N.CLOSED)

    assert_refused(network, lambda: COMMANDS[command](network), NetworkClosed)


# --- partners and the procesregisseur ---


def test_a_partner_joins_once_and_leaves_only_when_involved() -> None:
    network = opened_network()

    with pytest.raises(PartnerAlreadyInvolved):
        network.join_partner(
            C, organisation=POLICE, role=PartnerRole.POLITIE, legal_basis="wpg_art_20", since=LATER
        )
    with pytest.raises(PartnerNotInvolved):
        network.remove_partner(organisation="ggd-flevoland", left_on=LATER)
    with pytest.raises(DateOrderViolation):
        network.remove_partner(organisation=POLICE, left_on=NETWORK_OPENED_ON - timedelta(1))

    network.remove_partner(organisation=POLICE, left_on=LATER)
    assert network.partners == {}


@pytest.mark.parametrize("role", [PartnerRole.AUDITOR, PartnerRole.BEHEERDER])
def test_auditor_and_beheerder_never_join_a_network(role: PartnerRole) -> None:
    network = opened_network()

    with pytest.raises(InvalidValue):
        network.join_partner(
            C,
            organisation="gemeente-almere",
            role=role,
            legal_basis="convenant_jeugdgroepen",
            since=LATER,
        )


def test_assigning_the_current_procesregisseur_again_is_refused() -> None:
    network = opened_network()

    assert_refused(
        network,
        lambda: network.assign_procesregisseur(
            procesregisseur=PROCESREGISSEUR, organisation=MUNICIPALITY
        ),
        RegisseurUnchanged,
    )
    network.assign_procesregisseur(
        procesregisseur="procesregisseur-test-02", organisation=MUNICIPALITY
    )
    assert network.procesregisseur == "procesregisseur-test-02"


# --- a refused command changes nothing ---

REFUSALS: dict[str, tuple[NetworkStep, Callable[[YouthNetwork], None], type[DomainError]]] = {
    "names-in-step-1": (N.SIGNALS, COMMANDS["place_member"], NamesNotYetAllowed),
    "advance-without-output": (N.SIGNALS, COMMANDS["advance"], StepOutputMissing),
    "output-in-wrong-step": (N.SIGNALS, COMMANDS["assess_behaviour"], NotInStep),
    "close-in-step-3": (N.INTERPRETATION, COMMANDS["close"], StepTransitionNotAllowed),
    "closed": (N.CLOSED, COMMANDS["share_signal"], NetworkClosed),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_refused_command_changes_nothing(refusal: str) -> None:
    step, command, error = REFUSALS[refusal]
    network = network_in_step(step)
    if not network.is_closed:
        # An event still pending must stay pending: a refusal neither adds nor drops one.
        COMMANDS["join_partner"](network)

    assert_refused(network, lambda: command(network), error)


def test_a_partner_cannot_leave_while_it_owns_an_open_action() -> None:
    network = network_in_step(N.EXECUTION)
    open_action = action(organisation=POLICE)
    network.plan_action(open_action)
    network.collect_events()

    assert_refused(
        network,
        lambda: network.remove_partner(organisation=POLICE, left_on=LATER),
        PartnerStillResponsible,
    )
    for item in list(network.actions.values()):
        if item.organisation == POLICE and item.completed_on is None:
            network.complete_action(action_id=item.action_id, completed_on=LATER, outcome="Gedaan")
    network.remove_partner(organisation=POLICE, left_on=LATER)
    assert POLICE not in network.partners


def test_the_name_list_cannot_be_dropped_on_a_day_before_a_member_was_placed() -> None:
    network = network_in_step(N.NAME_LIST)
    network.place_member(member(placed_on=LATER))
    network.collect_events()

    assert_refused(
        network,
        lambda: network.step_back(
            to_step=N.ASSESSMENT, on=LATER - timedelta(days=1), why="Geen groep"
        ),
        DateOrderViolation,
    )
