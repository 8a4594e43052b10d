"""Random command sequences on one ``YouthNetwork`` (pure domain, no database).

Every rule draws plausible and implausible arguments (steps forward and back, outputs in the
wrong step, blank reasons, unknown members), so commands are both accepted and refused often.
After every step: the 7-stappenmodel's invariants hold, a refused command changed nothing, and the
state rebuilt from the stored form of its events (and from a stored snapshot) equals the live one.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pga.domain import DEFAULT_CATALOGUE, PartnerRole
from pga.domain.catalogue import NON_CASE_ROLES
from pga.domain.common import letter_recipients
from pga.domain.network import (
    CLOSABLE_STEPS,
    EXTRA_BACK_STEPS,
    PERSON_LEVEL_STEPS,
    STEP_RANK,
    Action,
    ActionLevel,
    Member,
    NetworkStep,
    StepOutputs,
    YouthNetwork,
)

from .draws import (
    ALL_ROLES,
    DAYS,
    OPTIONAL_TEXTS,
    ORGANISATION_NAMES,
    PLANNED_DAYS,
    STARTED_DAYS_AGO,
    TEXTS,
    USERS,
    codes,
    known_or,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.domain import CanMutateAggregate

from .harness import LATE, LATEST_RECORDABLE, TODAY, AggregateMachine

N = NetworkStep
CATALOGUE = DEFAULT_CATALOGUE
OPEN_STEPS = frozenset(N) - {N.CLOSED}
#: The steps of the main line (not the side states 2A licht and niet geprioriteerd), in order.
MAIN_LINE = (
    N.SIGNALS,
    N.ASSESSMENT,
    N.NAME_LIST,
    N.INTERPRETATION,
    N.ADVICE,
    N.PLAN,
    N.EXECUTION,
    N.SCALE_DOWN,
)
PROCESREGISSEUR_ORGANISATION = "gemeente-almere"

STEPS = st.sampled_from(list(NetworkStep))
LEGAL_BASES = codes(CATALOGUE.legal_bases.codes())
MEMBER_IDS = st.sampled_from([UUID(int=0x5000 + n) for n in range(4)])
ACTION_IDS = st.sampled_from([UUID(int=0x6000 + n) for n in range(4)])
TRAJECTORY_IDS = st.none() | st.sampled_from([UUID(int=0x7000 + n) for n in range(2)])
#: Convenant partners a network often starts with.
FIRST_PARTNERS = (
    ("politie-almere", PartnerRole.POLITIE),
    ("jongerenwerk-almere", PartnerRole.JONGERENWERK),
    ("om-midden-nederland", PartnerRole.OM),
    ("jeugdboa-almere", PartnerRole.JEUGDBOA),
)
#: Where a network at a dead end goes round again, when it does not close: monitoring may send
#: it back (DOMAIN.md), a not-prioritised group can be re-interpreted, 2A licht re-assessed.
ROUND_AGAIN = {
    N.SCALE_DOWN: N.EXECUTION,
    N.NOT_PRIORITISED: N.INTERPRETATION,
    N.LIGHT_APPROACH: N.ASSESSMENT,
}
#: Whether a step forward takes the side road (not problematic, not prioritised, one more action).
DETOUR = st.sampled_from((False, False, False, True))
DETOURS = st.lists(DETOUR, min_size=1, max_size=4)
AUTHORS = st.one_of(
    st.lists(st.sampled_from(("politie-almere", "om-midden-nederland")), min_size=1, max_size=2),
    st.lists(ORGANISATION_NAMES, max_size=2),
).map(tuple)


def produced_ranks(outputs: StepOutputs) -> set[int]:
    """Return the ranks of the steps whose output ``outputs`` holds."""
    produced = {
        N.ASSESSMENT: outputs.assessment is not None,
        N.NAME_LIST: outputs.police_advice_on is not None,
        N.INTERPRETATION: outputs.interpretation_on is not None
        or outputs.concept_plan_on is not None,
        N.ADVICE: outputs.advice_on is not None or outputs.prioritised is not None,
        N.PLAN: outputs.plan_adopted_on is not None,
        N.EXECUTION: outputs.monitoring_moments > 0,
        N.SCALE_DOWN: outputs.evaluated_on is not None,
    }
    return {STEP_RANK[step] for step, done in produced.items() if done}


class NetworkMachine(AggregateMachine):
    """Drives one youth network with random commands; a small model tracks what must stay true."""

    network: YouthNetwork

    def __init__(self) -> None:
        super().__init__()
        self.procesregisseur = ("p.jansen", PROCESREGISSEUR_ORGANISATION)
        #: Every member ever placed on the name list (person-level actions name one of them).
        self.ever_placed: set[UUID] = set()
        #: Per action: the member it names (``None`` for group and domain actions).
        self.planned_actions: dict[UUID, UUID | None] = {}

    def live(self) -> YouthNetwork:
        """Return the network under test."""
        return self.network

    def keep(self, new_events: Sequence[CanMutateAggregate[UUID]]) -> None:
        """Keep new events; forget the actions they dropped (about members no longer listed)."""
        super().keep(new_events)
        for action_id in self.planned_actions.keys() - self.network.actions.keys():
            member_id = self.planned_actions.pop(action_id)
            assert member_id is not None, "a group or domain action disappeared"
            assert member_id not in self.network.members, "an action about a member disappeared"

    def attempt_on_network(
        self,
        command: partial[None],
        *,
        happened: tuple[date, ...] = (),
        allowed_in: frozenset[NetworkStep] = OPEN_STEPS,
    ) -> bool:
        """Run one command; when accepted, check the network's step allowed it."""
        step = self.network.step
        if not self.attempt(command, happened=happened):
            return False
        assert step != N.CLOSED, "a closed network took a command"
        assert step in allowed_in, f"accepted in step {step}"
        return True

    @initialize(
        opened_days_ago=STARTED_DAYS_AGO,
        partners=st.lists(st.sampled_from(FIRST_PARTNERS), unique=True, max_size=3),
        fast_forward=st.integers(0, 24),
        detours=st.sets(st.integers(0, 24), max_size=4),
    )
    def open(
        self,
        opened_days_ago: int,
        partners: list[tuple[str, PartnerRole]],
        fast_forward: int,
        detours: set[int],
    ) -> None:
        """Open the group file at step 1 with some partners, and move it through the steps."""
        with self.clock.recording():
            self.network = YouthNetwork.open(
                network_id=UUID(int=10),
                working_name="Groep Zonnewijzer",
                area="Almere Haven",
                procesregisseur=self.procesregisseur[0],
                procesregisseur_organisation=self.procesregisseur[1],
                opened_on=TODAY - timedelta(days=opened_days_ago),
            )
        self.keep(self.network.collect_events())
        for organisation, role in partners:
            join = partial(
                self.network.join_partner,
                CATALOGUE,
                organisation=organisation,
                role=role,
                legal_basis="convenant_jeugdgroepen",
                since=self.network.opened_on,
            )
            assert self.attempt(join)
        for step in range(fast_forward):
            if self.network.is_closed:
                break
            self.step_forward(alternative=step in detours)

    # --- people and partners ---------------------------------------------------------------------

    @rule(
        user=USERS,
        organisation=st.sampled_from((PROCESREGISSEUR_ORGANISATION, "gemeente-lelystad", "")),
    )
    def assign_procesregisseur(self, user: str, organisation: str) -> None:
        """Hand over to another procesregisseur (the same one, or a malformed one, is refused)."""
        command = partial(
            self.network.assign_procesregisseur, procesregisseur=user, organisation=organisation
        )
        if self.attempt_on_network(command):
            assert (user, organisation) != self.procesregisseur
            self.procesregisseur = (user, organisation)

    @rule(organisation=ORGANISATION_NAMES, role=ALL_ROLES, legal_basis=LEGAL_BASES, since=DAYS)
    def join_partner(
        self, organisation: str, role: PartnerRole, legal_basis: str, since: date
    ) -> None:
        """Let a partner join: once at a time, in a case role, on a known basis."""
        already = organisation in self.network.partners
        command = partial(
            self.network.join_partner,
            CATALOGUE,
            organisation=organisation,
            role=role,
            legal_basis=legal_basis,
            since=since,
        )
        if self.attempt_on_network(command, happened=(since,)):
            assert not already
            assert role not in NON_CASE_ROLES

    @rule(data=st.data(), left_on=DAYS)
    def remove_partner(self, data: st.DataObject, left_on: date) -> None:
        """Let a partner leave, not before it joined."""
        organisation = data.draw(known_or(self.network.partners, ORGANISATION_NAMES))
        partner = self.network.partners.get(organisation)
        command = partial(self.network.remove_partner, organisation=organisation, left_on=left_on)
        if self.attempt_on_network(command, happened=(left_on,)):
            assert partner is not None
            assert left_on >= partner.since

    # --- signals, assessment and the name list ------------------------------------------------

    @rule(source=ORGANISATION_NAMES, observed_on=DAYS, location=TEXTS, description=TEXTS)
    def share_signal(self, source: str, observed_on: date, location: str, description: str) -> None:
        """Share a signal about group behaviour in any open step."""
        signals = self.network.signals
        command = partial(
            self.network.share_signal,
            source_organisation=source,
            observed_on=observed_on,
            location=location,
            description=description,
            online=False,
        )
        if self.attempt_on_network(command, happened=(observed_on,)):
            assert self.network.signals == signals + 1

    @rule(problematic=st.booleans(), findings=TEXTS, assessed_on=DAYS)
    def assess_behaviour(self, findings: str, assessed_on: date, *, problematic: bool) -> None:
        """Assess the group behaviour: only in step 2A."""
        command = partial(
            self.network.assess_behaviour,
            problematic=problematic,
            findings=findings,
            assessed_on=assessed_on,
        )
        self.attempt_on_network(
            command, happened=(assessed_on,), allowed_in=frozenset({N.ASSESSMENT})
        )

    @rule(
        data=st.data(),
        given_name=TEXTS,
        born_days_before=st.none() | st.integers(-30, 18 * 365),
        role_in_group=OPTIONAL_TEXTS,
        trajectory_id=TRAJECTORY_IDS,
        placed_on=DAYS,
    )
    def place_member(
        self,
        data: st.DataObject,
        given_name: str,
        born_days_before: int | None,
        role_in_group: str | None,
        trajectory_id: UUID | None,
        placed_on: date,
    ) -> None:
        """Put a youth on the name list: only from step 2B, once, and born before placed."""
        member_id = data.draw(known_or(self.network.members, MEMBER_IDS))
        born_on = None if born_days_before is None else placed_on - timedelta(born_days_before)
        member = Member(
            member_id=member_id,
            given_name=given_name,
            family_name="Verzonnen",
            born_on=born_on,
            role_in_group=role_in_group,
            trajectory_id=trajectory_id,
            placed_on=placed_on,
        )
        others = list(self.network.members.values())
        command = partial(self.network.place_member, member)
        if self.attempt_on_network(command, happened=(placed_on,), allowed_in=PERSON_LEVEL_STEPS):
            assert all(other.member_id != member_id for other in others)
            assert trajectory_id is None or all(
                other.trajectory_id != trajectory_id for other in others
            )
            assert born_on is None or born_on <= placed_on
            self.ever_placed.add(member_id)

    @rule(data=st.data(), sent_on=DAYS)
    def inform_member(self, data: st.DataObject, sent_on: date) -> None:
        """Record the information letter to a member: once, not before the placement."""
        member_id = data.draw(known_or(self.network.members, MEMBER_IDS))
        member = self.network.members.get(member_id)
        command = partial(self.network.inform_member, member_id=member_id, sent_on=sent_on)
        if self.attempt_on_network(command, happened=(sent_on,)):
            assert member is not None
            assert member.informed_on is None
            assert sent_on >= member.placed_on
            assert self.network.members[member_id].informed_on == sent_on
            assert self.network.members[member_id].letter_recipients == (
                letter_recipients(member.born_on, member.placed_on)
            )

    @rule(data=st.data(), removed_on=DAYS, why=TEXTS)
    def remove_member(self, data: st.DataObject, removed_on: date, why: str) -> None:
        """Take a youth off the name list, not before placed, with a reason."""
        member_id = data.draw(known_or(self.network.members, MEMBER_IDS))
        member = self.network.members.get(member_id)
        command = partial(
            self.network.remove_member, member_id=member_id, removed_on=removed_on, why=why
        )
        if self.attempt_on_network(command, happened=(removed_on,)):
            assert member is not None
            assert removed_on >= member.placed_on
            assert member_id not in self.network.members

    @rule(received_on=DAYS, advice=TEXTS, group_scan_done=st.booleans())
    def receive_police_advice(
        self, received_on: date, advice: str, *, group_scan_done: bool
    ) -> None:
        """Receive the police's name list, letter and advice: only in step 2B."""
        command = partial(
            self.network.receive_police_advice,
            received_on=received_on,
            group_scan_done=group_scan_done,
            advice=advice,
        )
        self.attempt_on_network(
            command, happened=(received_on,), allowed_in=frozenset({N.NAME_LIST})
        )

    # --- interpretation, advice and prioritisation ------------------------------------------------

    @rule(recorded_on=DAYS, roles=TEXTS, context=TEXTS)
    def record_interpretation(self, recorded_on: date, roles: str, context: str) -> None:
        """Record the groepsduiding: only in step 3."""
        command = partial(
            self.network.record_interpretation,
            recorded_on=recorded_on,
            group_dynamics="vaste kern met meelopers",
            roles=roles,
            problem_type="overlast en straatroof",
            context=context,
            chances="sportaanbod in de wijk",
        )
        self.attempt_on_network(
            command, happened=(recorded_on,), allowed_in=frozenset({N.INTERPRETATION})
        )

    @rule(drafted_on=DAYS, authors=AUTHORS, summary=TEXTS)
    def draft_concept_plan(self, drafted_on: date, authors: tuple[str, ...], summary: str) -> None:
        """Draft the concept plan with named authors: only in step 3."""
        command = partial(
            self.network.draft_concept_plan, drafted_on=drafted_on, authors=authors, summary=summary
        )
        if self.attempt_on_network(
            command, happened=(drafted_on,), allowed_in=frozenset({N.INTERPRETATION})
        ):
            assert authors

    @rule(issued_on=DAYS, problem_definition=TEXTS, advice=TEXTS)
    def issue_advice(self, issued_on: date, problem_definition: str, advice: str) -> None:
        """Issue the advice for the local triangle: only in step 4."""
        command = partial(
            self.network.issue_advice,
            issued_on=issued_on,
            problem_definition=problem_definition,
            advice=advice,
        )
        self.attempt_on_network(command, happened=(issued_on,), allowed_in=frozenset({N.ADVICE}))

    @rule(decided_on=DAYS, prioritised=st.booleans(), instructions=OPTIONAL_TEXTS)
    def decide_prioritisation(
        self, decided_on: date, instructions: str | None, *, prioritised: bool
    ) -> None:
        """Record the triangle's decision: only in step 4, after the advice."""
        advice_on = self.network.outputs.advice_on
        command = partial(
            self.network.decide_prioritisation,
            decided_on=decided_on,
            prioritised=prioritised,
            instructions=instructions,
        )
        if self.attempt_on_network(
            command, happened=(decided_on,), allowed_in=frozenset({N.ADVICE})
        ):
            assert advice_on is not None
            assert decided_on >= advice_on

    # --- the integral plan, execution and evaluation ------------------------------------------

    @rule(
        data=st.data(),
        level=st.sampled_from(list(ActionLevel)),
        description=TEXTS,
        due_on=PLANNED_DAYS,
        name_a_member=st.booleans(),
    )
    def plan_action(
        self,
        data: st.DataObject,
        level: ActionLevel,
        description: str,
        due_on: date,
        *,
        name_a_member: bool,
    ) -> None:
        """Plan an action in step 5 or 6; person-level actions (only) name a listed member."""
        network = self.network
        action_id = data.draw(known_or(network.actions, ACTION_IDS))
        organisation = data.draw(
            known_or([network.procesregisseur_organisation, *network.partners], ORGANISATION_NAMES)
        )
        member_id = data.draw(known_or(network.members, MEMBER_IDS)) if name_a_member else None
        members = set(network.members)
        command = partial(
            network.plan_action,
            Action(action_id, organisation, level, description, due_on, member_id),
        )
        if self.attempt_on_network(command, allowed_in=frozenset({N.PLAN, N.EXECUTION})):
            assert action_id not in self.planned_actions
            assert (level == ActionLevel.PERSON) == (member_id is not None)
            assert member_id is None or member_id in members
            self.planned_actions[action_id] = member_id

    @rule(data=st.data(), completed_on=DAYS, outcome=TEXTS)
    def complete_action(self, data: st.DataObject, completed_on: date, outcome: str) -> None:
        """Complete a planned action once: only in step 6 or 7."""
        action_id = data.draw(known_or(self.network.actions, ACTION_IDS))
        action = self.network.actions.get(action_id)
        command = partial(
            self.network.complete_action,
            action_id=action_id,
            completed_on=completed_on,
            outcome=outcome,
        )
        if self.attempt_on_network(
            command, happened=(completed_on,), allowed_in=frozenset({N.EXECUTION, N.SCALE_DOWN})
        ):
            assert action is not None
            assert action.completed_on is None

    @rule(adopted_on=DAYS)
    def adopt_integral_plan(self, adopted_on: date) -> None:
        """Adopt the integral plan: only in step 5, with at least one action."""
        had_actions = bool(self.network.actions)
        command = partial(self.network.adopt_integral_plan, adopted_on=adopted_on)
        if self.attempt_on_network(command, happened=(adopted_on,), allowed_in=frozenset({N.PLAN})):
            assert had_actions

    @rule(monitored_on=DAYS, indicators=TEXTS)
    def record_monitoring(self, monitored_on: date, indicators: str) -> None:
        """Record a monitoring moment: only in step 6."""
        command = partial(
            self.network.record_monitoring, monitored_on=monitored_on, indicators=indicators
        )
        self.attempt_on_network(
            command, happened=(monitored_on,), allowed_in=frozenset({N.EXECUTION})
        )

    @rule(evaluated_on=DAYS, findings=TEXTS, remaining_actions=TEXTS)
    def complete_evaluation(
        self, evaluated_on: date, findings: str, remaining_actions: str
    ) -> None:
        """Complete the evaluation: only in step 7."""
        command = partial(
            self.network.complete_evaluation,
            evaluated_on=evaluated_on,
            findings=findings,
            remaining_actions=remaining_actions,
        )
        self.attempt_on_network(
            command, happened=(evaluated_on,), allowed_in=frozenset({N.SCALE_DOWN})
        )

    # --- moving through the steps ------------------------------------------------------------

    @rule(to_step=st.none() | STEPS, on=DAYS)
    def advance(self, to_step: NetworkStep | None, on: date) -> None:
        """Advance (mostly to the expected next step): only with the step's output."""
        network = self.network
        expected = network.next_step()
        target = expected if to_step is None and expected is not None else to_step or N.CLOSED
        step, missing, since = network.step, network.missing_output(), network.step_since
        command = partial(network.advance, to_step=target, on=on)
        if self.attempt_on_network(command, happened=(on,)):
            assert missing is None
            assert target == expected
            assert STEP_RANK[target] == STEP_RANK[step] + 1 or (step, target) in {
                (N.ASSESSMENT, N.LIGHT_APPROACH),
                (N.ADVICE, N.NOT_PRIORITISED),
            }
            assert on >= since
            assert network.step == target

    @rule(data=st.data(), on=DAYS, why=TEXTS)
    def step_back(self, data: st.DataObject, on: date, why: str) -> None:
        """Step back (mostly) to an earlier step, with a reason; before 2B the name list goes."""
        network = self.network
        earlier = [step for step in STEP_RANK if STEP_RANK[step] < STEP_RANK.get(network.step, 0)]
        to_step = data.draw(known_or(earlier, STEPS))
        step, since = network.step, network.step_since
        command = partial(network.step_back, to_step=to_step, on=on, why=why)
        if self.attempt_on_network(command, happened=(on,)):
            assert to_step != N.CLOSED
            assert STEP_RANK[to_step] < STEP_RANK[step] or (step, to_step) in EXTRA_BACK_STEPS
            assert on >= since
            assert why.strip()
            assert network.step == to_step
            assert to_step in PERSON_LEVEL_STEPS or not network.members

    @precondition(lambda self: self.network.version >= LATE)
    @rule(on=DAYS, why=TEXTS)
    def close(self, on: date, why: str) -> None:
        """Close the file from step 1, 2A licht, niet geprioriteerd or an evaluated step 7."""
        network = self.network
        step, evaluated = network.step, network.outputs.evaluated_on is not None
        command = partial(network.close, on=on, why=why)
        if self.attempt_on_network(command, happened=(on,), allowed_in=CLOSABLE_STEPS):
            assert step != N.SCALE_DOWN or evaluated
            assert network.step == N.CLOSED
            assert network.closed_on == on

    # --- the way forward, so that later steps are reached often ----------------------------------

    @rule(alternatives=DETOURS)
    def take_the_next_steps(self, alternatives: list[bool]) -> None:
        """Take a few sensible steps forward (see ``step_forward``)."""
        for alternative in alternatives:
            self.step_forward(alternative=alternative)

    def step_forward(self, *, alternative: bool) -> None:
        """Produce the step's missing output, or advance; at a dead end go round again or close.

        Every such command is accepted unless the network is closed.
        """
        network = self.network
        closed = network.is_closed
        # Not before the step began, nor before anyone on the name list was placed (dropping the
        # list is refused on an earlier day).
        day = max(
            network.step_since,
            *(member.placed_on for member in network.members.values()),
            min(TODAY, network.step_since + timedelta(days=1)),
        )
        next_step = network.next_step()
        command = self.missing_output_command(day, alternative=alternative)
        if command is None and next_step is not None:
            command = partial(network.advance, to_step=next_step, on=day)
        if command is None and not alternative and network.step in ROUND_AGAIN:
            again = ROUND_AGAIN[network.step]
            command = partial(network.step_back, to_step=again, on=day, why="nieuwe signalen")
        if command is None:
            assert network.step in CLOSABLE_STEPS
            command = partial(network.close, on=day, why="aanpak afgerond")
        assert self.attempt(command, happened=(day,)) == (not closed)
        if not closed and command.func == network.plan_action:
            action: Action = command.args[0]
            self.planned_actions[action.action_id] = action.member_id
        if not closed and command.func == network.place_member:
            member: Member = command.args[0]
            self.ever_placed.add(member.member_id)

    def missing_output_command(self, day: date, *, alternative: bool) -> partial[None] | None:
        """Return a sensible command producing the current step's output, if it still lacks one.

        A closed network gets a signal (which it must refuse); ``alternative`` varies the
        decisions (problematic or not, prioritised or not) and plans extra actions in 5 and 6.
        """
        network = self.network
        open_actions = [item for item in network.actions.values() if item.completed_on is None]
        if network.step in {N.EXECUTION, N.SCALE_DOWN} and alternative and open_actions:
            return partial(
                network.complete_action,
                action_id=open_actions[0].action_id,
                completed_on=day,
                outcome="uitgevoerd",
            )
        if network.step in {N.PLAN, N.EXECUTION} and (alternative or not network.actions):
            action = Action(
                action_id=UUID(int=0x6100 + len(self.planned_actions)),
                organisation=network.procesregisseur_organisation,
                level=ActionLevel.GROUP,
                description="extra rondes jeugdboa",
                due_on=TODAY + timedelta(days=30),
                member_id=None,
            )
            return partial(network.plan_action, action)
        producers = {
            N.CLOSED: self.signal_command,
            N.SIGNALS: self.signal_command,
            N.ASSESSMENT: self.assessment_command,
            N.NAME_LIST: self.name_list_command,
            N.INTERPRETATION: self.interpretation_command,
            N.ADVICE: self.advice_command,
            N.PLAN: self.later_output_command,
            N.EXECUTION: self.later_output_command,
            N.SCALE_DOWN: self.later_output_command,
        }
        producer = producers.get(network.step)
        return None if producer is None else producer(day, alternative=alternative)

    def signal_command(self, day: date, *, alternative: bool) -> partial[None] | None:
        """Return a signal while step 1 has none (or for a closed network, to be refused)."""
        network = self.network
        if network.signals and not network.is_closed:
            return None
        return partial(
            network.share_signal,
            source_organisation="politie-almere",
            observed_on=day,
            location="winkelcentrum",
            description="samenscholing en intimidatie",
            online=alternative,
        )

    def assessment_command(self, day: date, *, alternative: bool) -> partial[None] | None:
        """Return the assessment while step 2A has none (problematic unless ``alternative``)."""
        if self.network.outputs.assessment is not None:
            return None
        return partial(
            self.network.assess_behaviour,
            problematic=not alternative,
            findings="intimidatie van winkelend publiek",
            assessed_on=day,
        )

    def interpretation_command(self, day: date, *, alternative: bool) -> partial[None] | None:  # noqa: ARG002
        """Return the command step 3 still needs: the groepsduiding, then the concept plan."""
        network, outputs = self.network, self.network.outputs
        if outputs.interpretation_on is None:
            return partial(
                network.record_interpretation,
                recorded_on=day,
                group_dynamics="vaste kern",
                roles="twee leiders",
                problem_type="overlast",
                context="winkelcentrum",
                chances="sportaanbod",
            )
        if outputs.concept_plan_on is None:
            return partial(
                network.draft_concept_plan,
                drafted_on=day,
                authors=("politie-almere",),
                summary="concept aanpak",
            )
        return None

    def name_list_command(self, day: date, *, alternative: bool) -> partial[None] | None:
        """Return the command step 2B still needs: a member, then the police's advice."""
        network = self.network
        if not network.members:
            member = Member(
                member_id=UUID(int=0x5100 + len(self.ever_placed)),
                given_name="Daan",
                family_name="Verzonnen",
                born_on=None,
                role_in_group="meeloper",
                trajectory_id=None,
                placed_on=day,
            )
            return partial(network.place_member, member)
        if network.outputs.police_advice_on is None:
            return partial(
                network.receive_police_advice,
                received_on=day,
                group_scan_done=alternative,
                advice="aanpak via groepsscan",
            )
        return None

    def advice_command(self, day: date, *, alternative: bool) -> partial[None] | None:
        """Return the command step 4 still needs: the advice, then the triangle's decision."""
        network, outputs = self.network, self.network.outputs
        if outputs.advice_on is None:
            return partial(
                network.issue_advice,
                issued_on=day,
                problem_definition="overlast",
                advice="prioriteren",
            )
        if outputs.prioritised is None:
            return partial(
                network.decide_prioritisation,
                decided_on=max(day, outputs.advice_on),
                prioritised=not alternative,
                instructions=None,
            )
        return None

    def later_output_command(self, day: date, *, alternative: bool) -> partial[None] | None:  # noqa: ARG002
        """Return the command steps 5 to 7 still need: adoption, monitoring, evaluation."""
        network, outputs = self.network, self.network.outputs
        if network.step == N.PLAN and outputs.plan_adopted_on is None:
            return partial(network.adopt_integral_plan, adopted_on=day)
        if network.step == N.EXECUTION and not outputs.monitoring_moments:
            return partial(
                network.record_monitoring, monitored_on=day, indicators="minder overlast"
            )
        if network.step == N.SCALE_DOWN and outputs.evaluated_on is None:
            return partial(
                network.complete_evaluation,
                evaluated_on=day,
                findings="doelen behaald",
                remaining_actions="geen",
            )
        return None

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def the_step_is_a_step_and_closing_ends_the_name_list(self) -> None:
        """Check the step is a NetworkStep; a closed network is dated and names nobody."""
        network = self.network
        assert type(network.step) is NetworkStep
        assert network.is_closed == (network.step == N.CLOSED)
        assert (network.closed_on is not None) == network.is_closed
        if network.is_closed:
            assert network.members == {}
        assert network.opened_on <= network.step_since <= LATEST_RECORDABLE

    @invariant()
    def members_exist_only_from_step_2b(self) -> None:
        """Check person-level data (the name list) exists only in person-level steps."""
        network = self.network
        if network.members:
            assert network.step in PERSON_LEVEL_STEPS
        trajectories = [m.trajectory_id for m in network.members.values() if m.trajectory_id]
        assert len(trajectories) == len(set(trajectories))
        for member_id, member in network.members.items():
            assert member.member_id == member_id
            assert member_id in self.ever_placed
            assert member.born_on is None or member.born_on <= member.placed_on

    @invariant()
    def person_level_actions_name_a_listed_member(self) -> None:
        """Check person-level actions name a member on the list; other actions name nobody."""
        network = self.network
        assert network.actions.keys() == self.planned_actions.keys()
        for action_id, action in network.actions.items():
            assert action.action_id == action_id
            assert action.member_id == self.planned_actions[action_id]
            if action.level == ActionLevel.PERSON:
                assert action.member_id in self.ever_placed
                assert action.member_id in network.members
            else:
                assert action.member_id is None

    @invariant()
    def no_output_exists_for_a_later_step(self) -> None:
        """Check a back-step reopened its step: no output of a step after the current one."""
        network = self.network
        if network.step != N.CLOSED:
            assert all(rank <= STEP_RANK[network.step] for rank in produced_ranks(network.outputs))

    @invariant()
    def a_main_line_step_has_every_earlier_output(self) -> None:
        """Check each step's required output existed before the network moved past it."""
        network = self.network
        if network.step not in MAIN_LINE:
            return
        rank, outputs = STEP_RANK[network.step], network.outputs
        expected_ranks = set(range(STEP_RANK[N.ASSESSMENT], rank))
        assert expected_ranks <= produced_ranks(outputs)
        assert rank <= STEP_RANK[N.SIGNALS] or network.signals > 0
        if rank > STEP_RANK[N.ASSESSMENT]:
            assert outputs.assessment is not None
            assert outputs.assessment.problematic
        if rank > STEP_RANK[N.ADVICE]:
            assert outputs.prioritised is True

    @invariant()
    def a_side_state_follows_from_its_decision(self) -> None:
        """Check 'niet geprioriteerd' means the triangle decided not to prioritise."""
        network = self.network
        if network.step == N.NOT_PRIORITISED:
            assert network.outputs.advice_on is not None
            assert network.outputs.prioritised is False

    @invariant()
    def the_procesregisseur_is_the_one_last_assigned(self) -> None:
        """Check there is exactly one procesregisseur: the one last assigned."""
        network = self.network
        assert (network.procesregisseur, network.procesregisseur_organisation) == (
            self.procesregisseur
        )


def test_network_rules_hold_under_random_command_sequences() -> None:
    run_state_machine_as_test(
        NetworkMachine,
        settings=settings(max_examples=200, stateful_step_count=40, deadline=None),
    )
