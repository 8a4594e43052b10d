"""Simulated youth networks in the 7-stappenmodel, run by the municipality's procesregisseur.

Each network has a *target*: the step where it stands at the end of the simulation (or how it
closed). Networks are opened early enough to get there, so eight networks spread over the steps:
closed after a full cycle, back from step 6 to 5 and on again, in 2A licht, not prioritised,
in step 7, 5 and 3, closed after the first signals. From step 2B on, youths are placed on the
name list, several of them with their PGA trajectory linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING

from pga.demo import texts
from pga.demo.partners import (
    ATTENDANCE,
    MUNICIPALITY,
    POLICE,
    PROSECUTOR,
    SCHOOLS,
    SOCIAL_TEAM,
    YOUTH_WARDENS,
    YOUTH_WORK,
    partner,
)
from pga.demo.simulation import Handle, Phase, Process, Simulation, actor
from pga.domain.catalogue import PartnerRole
from pga.domain.network import ActionLevel, NetworkStep

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from uuid import UUID

    from pga.demo.trajectories import Case
    from pga.recording import Actor

R = PartnerRole
N = NetworkStep


class Target(StrEnum):
    """Where a simulated network ends up."""

    FULL_CYCLE = "full_cycle"  # through all seven steps, evaluated and closed
    BACK_STEP = "back_step"  # monitoring sends it from step 6 back to 5; then on in step 6
    LIGHT = "light"  # not problematic: step 2A licht
    NOT_PRIORITISED = "not_prioritised"
    SCALE_DOWN = "scale_down"  # in step 7
    PLAN = "plan"  # in step 5
    INTERPRETATION = "interpretation"  # in step 3
    CLOSED_AT_SIGNALS = "closed_at_signals"
    ADVICE = "advice"  # in step 4
    NAME_LIST = "name_list"  # in step 2B
    SIGNALS = "signals"  # in step 1


#: Targets in the order networks get them: the first eight cover the steps and side exits.
TARGETS = tuple(Target)

#: When each target's network opens, as a fraction of the simulated period: early enough to
#: reach its target, late enough not to run past it.
OPENING: dict[Target, tuple[float, float]] = {
    Target.FULL_CYCLE: (0.0, 0.05),
    Target.BACK_STEP: (0.05, 0.2),
    Target.LIGHT: (0.5, 0.7),
    Target.NOT_PRIORITISED: (0.3, 0.6),
    Target.SCALE_DOWN: (0.0, 0.12),
    Target.PLAN: (0.45, 0.55),
    Target.INTERPRETATION: (0.65, 0.7),
    Target.CLOSED_AT_SIGNALS: (0.2, 0.6),
    Target.ADVICE: (0.6, 0.65),
    Target.NAME_LIST: (0.75, 0.8),
    Target.SIGNALS: (0.9, 0.95),
}

#: Partners of a network from step 1 on, and those who join from step 2B and step 5.
FIRST_PARTNERS = (
    (POLICE, R.POLITIE),
    (YOUTH_WORK, R.JONGERENWERK),
    (MUNICIPALITY, R.JIT),
    (YOUTH_WARDENS, R.JEUGDBOA),
)
NAME_LIST_PARTNERS = ((PROSECUTOR, R.OM), (ATTENDANCE, R.LEERPLICHT))
PLAN_PARTNERS = ((SOCIAL_TEAM, R.WIJKTEAM),)
_LEGAL_BASIS = {R.POLITIE: "wpg_art_20", R.OM: "wjsg"}
_NETWORK_BASIS = "convenant_jeugdgroepen"
_AUTHORS = (MUNICIPALITY, POLICE, PROSECUTOR)
_MONITORING_BEFORE_BACK_STEP = 2


@dataclass
class Group(Handle):
    """The simulation's view of one youth network."""

    target: Target
    procesregisseur: str
    partners: dict[str, PartnerRole] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    members: dict[UUID, Case | None] = field(default_factory=dict)
    #: Actions not yet carried out: their organisation, and the member a person-level one is about.
    open_actions: dict[UUID, tuple[str, UUID | None]] = field(default_factory=dict)
    monitoring: int = 0
    stepped_back: bool = False


class Networks:
    """Records youth networks through the application, one process per network."""

    def __init__(self, sim: Simulation, cases: Sequence[Case]) -> None:
        self.sim = sim
        self.app = sim.app
        self.cases = cases

    def opening_day(self, target: Target) -> date:
        """Return a day on which a network with ``target`` opens."""
        low, high = OPENING[target]
        span = (self.sim.end - self.sim.today).days
        return self.sim.today + timedelta(days=round(span * self.sim.rng.uniform(low, high)))

    def process(self, target: Target, name: str) -> Process:
        """Take one network through the steps until it reaches ``target``."""
        group = self._open(target, name)
        phases: tuple[Callable[[Group], Phase], ...] = (
            self._signals,
            self._assessment,
            self._name_list,
            self._interpretation,
            self._advice,
            self._integral_plan,
            self._execution,
            self._scale_down,
        )
        for phase in phases:
            if not (yield from phase(group)):
                return

    # --- actors and small commands ---

    def _procesregisseur(self, group: Group) -> Actor:
        return actor(group.procesregisseur, MUNICIPALITY, R.PROCESREGISSEUR)

    def _member_of(self, group: Group, organisation: str) -> Actor:
        """Return the user of ``organisation`` who works on this network (the same each time)."""
        user = group.users.get(organisation)
        if user is None:
            user = group.users[organisation] = self.sim.pick(partner(organisation).users)
        return actor(user, organisation, group.partners[organisation])

    def _open(self, target: Target, name: str) -> Group:
        sim = self.sim
        procesregisseur = sim.pick(partner(MUNICIPALITY).users)
        handle = sim.create(
            actor(procesregisseur, MUNICIPALITY, R.PROCESREGISSEUR),
            partial(
                self.app.open_network,
                working_name=name,
                area=sim.pick(texts.NETWORK_AREAS),
                procesregisseur=procesregisseur,
                procesregisseur_organisation=MUNICIPALITY,
                opened_on=sim.today,
                historical_label="overlastgevend" if sim.chance(0.2) else None,
            ),
        )
        group = Group(handle.aggregate_id, handle.version, target, procesregisseur)
        self._join(group, FIRST_PARTNERS)
        return group

    def _join(self, group: Group, partners: Sequence[tuple[str, PartnerRole]]) -> None:
        for organisation, role in partners:
            self.sim.change(
                group,
                self._procesregisseur(group),
                partial(
                    self.app.join_network_partner,
                    organisation=organisation,
                    role=role,
                    legal_basis=_LEGAL_BASIS.get(role, _NETWORK_BASIS),
                    since=self.sim.today,
                ),
            )
            group.partners[organisation] = role

    def _advance(self, group: Group, to_step: NetworkStep) -> None:
        self.sim.change(
            group,
            self._procesregisseur(group),
            partial(self.app.advance_network, to_step=to_step, on=self.sim.today),
        )

    def _close(self, group: Group, why: str) -> None:
        self.sim.change(
            group,
            self._procesregisseur(group),
            partial(self.app.close_network, on=self.sim.today, why=why),
        )

    def _share(self, group: Group, signal: tuple[str, str, bool]) -> None:
        location, description, online = signal
        source = self.sim.pick([org for org in group.partners if org != PROSECUTOR])
        self.sim.change(
            group,
            self._member_of(group, source),
            partial(
                self.app.share_signal,
                source_organisation=source,
                observed_on=self.sim.earlier(0, 3),
                location=location,
                description=description,
                online=online,
            ),
        )

    # --- the steps ---

    def _signals(self, group: Group) -> Phase:
        """Step 1: partners share signals about the group's behaviour (no names)."""
        sim = self.sim
        for signal in sim.rng.sample(texts.SIGNALS, sim.between(2, 4)):
            self._share(group, signal)
            yield sim.later(3, 12)
        if group.target == Target.CLOSED_AT_SIGNALS:
            yield sim.later(20, 40)
            self._close(group, texts.CLOSED_AT_SIGNALS)
            return False
        if group.target == Target.SIGNALS:
            return False
        yield sim.later(7, 21)
        self._advance(group, N.ASSESSMENT)
        return True

    def _assessment(self, group: Group) -> Phase:
        """Step 2A: is the behaviour problematic? If not: light measures, and no names."""
        sim = self.sim
        problematic = group.target != Target.LIGHT
        yield sim.later(10, 30)
        sim.change(
            group,
            self._procesregisseur(group),
            partial(
                self.app.assess_behaviour,
                problematic=problematic,
                findings=(
                    texts.ASSESSMENT_PROBLEMATIC
                    if problematic
                    else texts.ASSESSMENT_NOT_PROBLEMATIC
                ),
                assessed_on=sim.today,
            ),
        )
        yield sim.later(3, 10)
        self._advance(group, N.NAME_LIST if problematic else N.LIGHT_APPROACH)
        if not problematic:
            for measure in texts.LIGHT_MEASURES:
                yield sim.later(14, 40)
                self._share(group, measure)
        return problematic

    def _name_list(self, group: Group) -> Phase:
        """Step 2B: the name list (some youths with a PGA trajectory) and the police's advice."""
        sim = self.sim
        self._join(group, NAME_LIST_PARTNERS)
        candidates = [case for case in self.cases if case.is_open()]
        linked = sim.rng.sample(candidates, min(len(candidates), sim.between(1, 3)))
        for case in linked:
            self._place(group, case)
            yield sim.later(0, 4)
        for _ in range(sim.between(2, 5)):
            self._place(group, None)
            yield sim.later(0, 4)
        sim.change(
            group,
            self._member_of(group, POLICE),
            partial(
                self.app.receive_police_advice,
                received_on=sim.today,
                group_scan_done=sim.chance(0.8),
                advice=sim.pick(texts.POLICE_ADVICES),
            ),
        )
        if group.target == Target.NAME_LIST:
            return False
        yield sim.later(3, 10)
        self._advance(group, N.INTERPRETATION)
        return True

    def _place(self, group: Group, case: Case | None) -> None:
        """Put a youth on the name list: the youth of ``case`` (linking it), or another one."""
        sim = self.sim
        if case is not None and case.is_open():
            given_name, family_name, born_on = case.given_name, case.family_name, case.born_on
        else:
            case = None
            boy = sim.chance(0.85)
            given_name, family_name = texts.given_name(sim.rng, boy=boy), texts.surname(sim.rng)
            born_on = sim.earlier(13 * 365, 19 * 365)
        member_id = sim.add(
            group,
            self._procesregisseur(group),
            partial(
                self.app.place_member,
                given_name=given_name,
                family_name=family_name,
                born_on=born_on,
                role_in_group=sim.pick(texts.ROLES_IN_GROUP),
                placed_on=sim.today,
                trajectory_id=None if case is None else case.aggregate_id,
            ),
        )
        group.members[member_id] = case
        if case is not None:  # the same transaction linked the trajectory
            case.version = self.app.trajectory(case.aggregate_id).version
        # Informatieplicht: most letters go out within two weeks; a few stay overdue.
        if sim.chance(0.8):
            sim.at(sim.later(3, 14), partial(self._inform, group, member_id))

    def _inform(self, group: Group, member_id: UUID) -> None:
        """Send the information letter about a placement, if the youth is still on the list."""
        if member_id not in group.members or self.app.network(group.aggregate_id).is_closed:
            return
        self.sim.change(
            group,
            self._procesregisseur(group),
            partial(self.app.inform_member, member_id=member_id, sent_on=self.sim.today),
        )

    def _remove(self, group: Group, member_id: UUID, why: str) -> None:
        """Take a youth off the name list (which also unlinks an open trajectory).

        The network forgets the person-level actions about the youth with it.
        """
        self.sim.change(
            group,
            self._procesregisseur(group),
            partial(
                self.app.remove_member, member_id=member_id, removed_on=self.sim.today, why=why
            ),
        )
        case = group.members.pop(member_id)
        group.open_actions = {
            action_id: (organisation, about)
            for action_id, (organisation, about) in group.open_actions.items()
            if about != member_id
        }
        if case is not None:
            case.version = self.app.trajectory(case.aggregate_id).version

    def _interpretation(self, group: Group) -> Phase:
        """Step 3: the groepsduiding and the concept plan of approach."""
        sim = self.sim
        yield sim.later(14, 30)
        sim.change(
            group,
            self._procesregisseur(group),
            partial(
                self.app.record_interpretation,
                recorded_on=sim.today,
                group_dynamics=texts.INTERPRETATION["group_dynamics"],
                roles=texts.INTERPRETATION["roles"],
                problem_type=texts.INTERPRETATION["problem_type"],
                context_description=texts.INTERPRETATION["context"],
                chances=texts.INTERPRETATION["chances"],
            ),
        )
        if group.target == Target.INTERPRETATION:
            return False
        yield sim.later(5, 15)
        sim.change(
            group,
            self._procesregisseur(group),
            partial(
                self.app.draft_concept_plan,
                drafted_on=sim.today,
                authors=_AUTHORS,
                summary=texts.CONCEPT_PLAN,
            ),
        )
        yield sim.later(3, 10)
        self._advance(group, N.ADVICE)
        return True

    def _advice(self, group: Group) -> Phase:
        """Step 4: the advice, and the local triangle's decision (prioritised or not)."""
        sim = self.sim
        yield sim.later(7, 21)
        problem_definition, advice = texts.ADVICE
        sim.change(
            group,
            self._procesregisseur(group),
            partial(
                self.app.issue_advice,
                issued_on=sim.today,
                problem_definition=problem_definition,
                advice=advice,
            ),
        )
        if group.target == Target.ADVICE:
            return False
        yield sim.later(7, 21)
        prioritised = group.target != Target.NOT_PRIORITISED
        mayor = actor(sim.pick(partner(MUNICIPALITY).users), MUNICIPALITY, R.BURGEMEESTER)
        sim.change(
            group,
            mayor,
            partial(
                self.app.decide_prioritisation,
                decided_on=sim.today,
                prioritised=prioritised,
                instructions=(
                    texts.PRIORITISED_INSTRUCTIONS
                    if prioritised
                    else texts.NOT_PRIORITISED_INSTRUCTIONS
                ),
            ),
        )
        yield sim.later(1, 5)
        self._advance(group, N.PLAN if prioritised else N.NOT_PRIORITISED)
        return prioritised

    def _integral_plan(self, group: Group) -> Phase:
        """Step 5: actions at group, domain and person level, then the adopted plan."""
        sim = self.sim
        school = sim.pick(SCHOOLS)
        self._join(group, (*PLAN_PARTNERS, (school, R.SCHOOL)))
        for role, level, description in sim.rng.sample(texts.GROUP_ACTIONS, sim.between(2, 4)):
            self._plan_action(group, role, ActionLevel(level), description, None)
            yield sim.later(1, 5)
        for member_id in sim.rng.sample(sorted(group.members), min(3, len(group.members))):
            role, description = sim.pick(texts.PERSON_ACTIONS)
            self._plan_action(group, role, ActionLevel.PERSON, description, member_id)
            yield sim.later(1, 5)
        if group.target == Target.PLAN:
            return False
        self._adopt(group)
        return True

    def _plan_action(
        self,
        group: Group,
        role: str,
        level: ActionLevel,
        description: str,
        member_id: UUID | None,
    ) -> None:
        """Plan an action owned by the network's partner in ``role``."""
        organisation = next(org for org, its_role in group.partners.items() if its_role == role)
        action_id = self.sim.add(
            group,
            self._procesregisseur(group),
            partial(
                self.app.plan_action,
                organisation=organisation,
                level=level,
                description=description,
                due_on=self.sim.later(30, 120),
                member_id=member_id,
            ),
        )
        group.open_actions[action_id] = (organisation, member_id)

    def _adopt(self, group: Group) -> None:
        sim = self.sim
        sim.change(
            group,
            self._procesregisseur(group),
            partial(self.app.adopt_integral_plan, adopted_on=sim.today),
        )
        self._advance(group, N.EXECUTION)

    def _execution(self, group: Group) -> Phase:
        """Step 6: execute and monitor; one network goes back to step 5 once, with a reason."""
        sim = self.sim
        until = sim.later(120, 220)
        while group.target == Target.BACK_STEP or sim.today < until:
            yield sim.later(28, 56)
            sim.change(
                group,
                self._procesregisseur(group),
                partial(
                    self.app.record_monitoring,
                    monitored_on=sim.today,
                    indicators=sim.pick(texts.MONITORING),
                ),
            )
            group.monitoring += 1
            self._complete_actions(group, sim.between(0, 2))
            if group.members and sim.chance(0.1):
                self._remove(group, sim.pick(sorted(group.members)), texts.MEMBER_MOVED)
            if (
                group.target == Target.BACK_STEP
                and not group.stepped_back
                and group.monitoring >= _MONITORING_BEFORE_BACK_STEP
            ):
                yield from self._back_to_plan(group)
        return True

    def _back_to_plan(self, group: Group) -> Phase:
        """Go back from step 6 to 5 (the group moved), plan extra actions, and go on."""
        sim = self.sim
        sim.change(
            group,
            self._procesregisseur(group),
            partial(
                self.app.step_back_network,
                to_step=N.PLAN,
                on=sim.today,
                why=texts.BACK_STEP_REASON,
            ),
        )
        group.stepped_back = True
        yield sim.later(7, 21)
        for role, level, description in sim.rng.sample(texts.GROUP_ACTIONS, 2):
            self._plan_action(group, role, ActionLevel(level), description, None)
        yield sim.later(3, 10)
        self._adopt(group)
        return True

    def _complete_actions(self, group: Group, count: int) -> None:
        sim = self.sim
        for action_id in sorted(group.open_actions)[:count]:
            organisation, _ = group.open_actions.pop(action_id)
            sim.change(
                group,
                self._member_of(group, organisation),
                partial(
                    self.app.complete_action,
                    action_id=action_id,
                    completed_on=sim.today,
                    outcome=sim.pick(texts.ACTION_OUTCOMES),
                ),
            )

    def _scale_down(self, group: Group) -> Phase:
        """Step 7: scale down, evaluate, take everyone off the name list, close the file."""
        sim = self.sim
        yield sim.later(3, 10)
        self._advance(group, N.SCALE_DOWN)
        yield sim.later(14, 30)
        self._complete_actions(group, len(group.open_actions) // 2)
        if group.target == Target.SCALE_DOWN:
            return False
        yield sim.later(14, 30)
        findings, remaining = texts.EVALUATION
        sim.change(
            group,
            self._procesregisseur(group),
            partial(
                self.app.complete_evaluation,
                evaluated_on=sim.today,
                findings=findings,
                remaining_actions=remaining,
            ),
        )
        for member_id in sorted(group.members):
            self._remove(group, member_id, texts.MEMBER_REMOVED)
        yield sim.later(1, 7)
        self._close(group, texts.CLOSED_AFTER_EVALUATION)
        return False
