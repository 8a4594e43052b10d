"""A youth network in the CCV 7-stappenmodel: the ``YouthNetwork`` aggregate and its events.

The machine (DOMAIN.md, reference/domain-research.md §6(c))::

    1 signalen → 2A beoordelen ─┬─ not problematic → 2A licht (light measures, no names)
                                └─ problematic → 2B name list and groepsscan
    2B → 3 duiding and concept plan → 4 advice; the triangle decides ─┬─ prioritised → 5
                                                                       └─ not → niet geprioriteerd
    5 integral plan → 6 execute and monitor → 7 scale down and evaluate → gesloten

Moving forward needs the current step's required output. Moving back is allowed to any earlier
step, always with a recorded reason; a back-step reopens that step (its output and everything
after it must be produced again), and a step back before 2B destroys the name list, because
person-level data exists in a network's file only from step 2B on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from pga.domain.catalogue import Catalogue, PartnerRole
from pga.domain.common import (
    Involvement,
    LegalHold,
    LetterRecipients,
    PgaCreated,
    PgaEvent,
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
from pga.domain.errors import (
    DuplicateEntity,
    InformationLetterAlreadySent,
    InvalidValue,
    NameListAlreadyErased,
    NamesNotYetAllowed,
    NetworkAlreadyErased,
    NetworkClosed,
    NotInStep,
    PartnerNotInvolved,
    PartnerStillResponsible,
    RegisseurUnchanged,
    StepOutputMissing,
    StepTransitionNotAllowed,
    UnderLegalHold,
    UnknownEntity,
)


class NetworkStep(StrEnum):
    """The steps (and side states) of the 7-stappenmodel."""

    SIGNALS = "stap_1"
    ASSESSMENT = "stap_2a"
    LIGHT_APPROACH = "stap_2a_licht"
    NAME_LIST = "stap_2b"
    INTERPRETATION = "stap_3"
    ADVICE = "stap_4"
    NOT_PRIORITISED = "niet_geprioriteerd"
    PLAN = "stap_5"
    EXECUTION = "stap_6"
    SCALE_DOWN = "stap_7"
    CLOSED = "gesloten"


N = NetworkStep

#: The order in which steps follow each other; side states share the rank of their step.
STEP_RANK: dict[NetworkStep, int] = {
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

#: Steps in which person-level content (the name list) may exist.
PERSON_LEVEL_STEPS = frozenset(
    step for step, rank in STEP_RANK.items() if rank >= STEP_RANK[N.NAME_LIST]
)

#: Steps from which a network may be closed, and what closing there means.
CLOSABLE_STEPS = frozenset({N.SIGNALS, N.LIGHT_APPROACH, N.NOT_PRIORITISED, N.SCALE_DOWN})

#: Side states are entered only through their decision (the 2A assessment, the triangle), never
#: by stepping back to them from further on.
SIDE_STATES = frozenset({N.LIGHT_APPROACH, N.NOT_PRIORITISED})

#: Back-steps besides "to any main step of a lower rank": re-assessment at the same level, and
#: the groepsscan showing no problematic group (2B → 2A licht, which destroys the name list).
EXTRA_BACK_STEPS = frozenset({(N.LIGHT_APPROACH, N.ASSESSMENT), (N.NAME_LIST, N.LIGHT_APPROACH)})


class ActionLevel(StrEnum):
    """At which level a plan action works (group, domain/location, or one person)."""

    GROUP = "groep"
    DOMAIN = "domein"
    PERSON = "persoon"


# --- value objects ---


@dataclass(frozen=True)
class Assessment:
    """Step 2A's finding: whether the group behaviour is problematic, and why."""

    problematic: bool
    findings: str
    assessed_on: date


@dataclass(frozen=True)
class Member:
    """A youth on the name list (from step 2B), linked to a trajectory where there is one.

    ``letter_recipients`` is set when the member is placed (by age on ``placed_on``), and
    ``informed_on`` when the information letter was sent (informatieplicht).
    """

    member_id: UUID
    given_name: str
    family_name: str
    born_on: date | None
    role_in_group: str | None
    trajectory_id: UUID | None
    placed_on: date
    letter_recipients: LetterRecipients = LetterRecipients.JONGERE_EN_OUDERS
    informed_on: date | None = None


@dataclass(frozen=True)
class Action:
    """One action of the integral plan, owned by one partner."""

    action_id: UUID
    organisation: str
    level: ActionLevel
    description: str
    due_on: date
    member_id: UUID | None
    completed_on: date | None = None


@dataclass(frozen=True)
class StepOutputs:
    """What the current round of each step has produced (reset by a back-step)."""

    assessment: Assessment | None = None
    police_advice_on: date | None = None
    interpretation_on: date | None = None
    concept_plan_on: date | None = None
    advice_on: date | None = None
    prioritised: bool | None = None
    plan_adopted_on: date | None = None
    monitoring_moments: int = 0
    evaluated_on: date | None = None


# --- events ---


class NetworkOpened(PgaCreated):
    """A group file was opened at step 1, under a procesregisseur."""

    working_name: str
    area: str
    procesregisseur: str
    procesregisseur_organisation: str
    opened_on: date
    historical_label: str | None

    def apply(self, network: YouthNetwork) -> None:
        """Start at step 1."""
        network.working_name = self.working_name
        network.area = self.area
        network.procesregisseur = self.procesregisseur
        network.procesregisseur_organisation = self.procesregisseur_organisation
        network.opened_on = self.opened_on
        network.step_since = self.opened_on
        network.historical_label = self.historical_label


class ProcesregisseurAssigned(PgaEvent):
    """Another procesregisseur took over the network."""

    procesregisseur: str
    organisation: str

    def apply(self, network: YouthNetwork) -> None:
        """Replace the procesregisseur."""
        network.procesregisseur = self.procesregisseur
        network.procesregisseur_organisation = self.organisation


class NetworkPartnerJoined(PgaEvent):
    """A convenant partner joined the network's approach."""

    involvement: Involvement

    def apply(self, network: YouthNetwork) -> None:
        """Add the partner."""
        network.partners[self.involvement.organisation] = self.involvement


class NetworkPartnerLeft(PgaEvent):
    """A partner left the network's approach."""

    organisation: str
    left_on: date

    def apply(self, network: YouthNetwork) -> None:
        """Remove the partner."""
        del network.partners[self.organisation]


class SignalShared(PgaEvent):
    """A partner shared a signal about group behaviour (group level: no names)."""

    personal_fields = ("description",)

    source_organisation: str
    observed_on: date
    location: str
    description: str
    online: bool

    def apply(self, network: YouthNetwork) -> None:
        """Count the signal."""
        network.signals += 1


class BehaviourAssessed(PgaEvent):
    """Step 2A: the group behaviour was assessed as problematic or not."""

    personal_fields = ("findings",)

    problematic: bool
    findings: str
    assessed_on: date

    def apply(self, network: YouthNetwork) -> None:
        """Record the assessment as step 2A's output."""
        network.outputs = replace(
            network.outputs,
            assessment=Assessment(self.problematic, self.findings, self.assessed_on),
        )


class MemberPlaced(PgaEvent):
    """A youth was placed on the name list (step 2B or later)."""

    personal_fields = ("given_name", "family_name", "born_on", "role_in_group")
    subject_field = "member_id"

    member_id: UUID
    given_name: str
    family_name: str
    born_on: date | None
    role_in_group: str | None
    trajectory_id: UUID | None
    placed_on: date

    def apply(self, network: YouthNetwork) -> None:
        """Add the member."""
        network.members[self.member_id] = Member(
            member_id=self.member_id,
            given_name=self.given_name,
            family_name=self.family_name,
            born_on=self.born_on,
            role_in_group=self.role_in_group,
            trajectory_id=self.trajectory_id,
            placed_on=self.placed_on,
            letter_recipients=letter_recipients(self.born_on, self.placed_on),
        )


class MemberInformed(PgaEvent):
    """The information letter about a member's placement on the name list was sent."""

    member_id: UUID
    sent_on: date
    recipients: LetterRecipients

    def apply(self, network: YouthNetwork) -> None:
        """Remember when the member was informed."""
        member = network.members[self.member_id]
        network.members[self.member_id] = replace(member, informed_on=self.sent_on)


class MemberRemoved(PgaEvent):
    """A youth was taken off the name list."""

    personal_fields = ("reason",)
    subject_field = "member_id"

    member_id: UUID
    removed_on: date
    reason: str

    def apply(self, network: YouthNetwork) -> None:
        """Remove the member and the person-level actions about them."""
        del network.members[self.member_id]
        _drop_orphaned_actions(network)


class MemberErased(PgaEvent):
    """A member's personal data was erased (``PgaApplication.erase_subject``); a tombstone.

    It names no person: the member id, the day and the basis code. Like ``MemberRemoved`` it
    takes the member off the name list; the member's data key is destroyed with it, so what the
    earlier events said about the member no longer decrypts.
    """

    member_id: UUID
    erased_on: date
    basis: str

    def apply(self, network: YouthNetwork) -> None:
        """Remove the member and the person-level actions about them."""
        network.members.pop(self.member_id, None)
        _drop_orphaned_actions(network)


class PoliceAdviceReceived(PgaEvent):
    """Step 2B: the police sent name list, letter and advice (with or without a groepsscan)."""

    personal_fields = ("advice",)

    received_on: date
    group_scan_done: bool
    advice: str

    def apply(self, network: YouthNetwork) -> None:
        """Record step 2B's output."""
        network.outputs = replace(network.outputs, police_advice_on=self.received_on)


class InterpretationRecorded(PgaEvent):
    """Step 3: the groepsduiding (dynamics, roles, problem type, context, chances)."""

    personal_fields = ("group_dynamics", "roles", "problem_type", "context", "chances")

    recorded_on: date
    group_dynamics: str
    roles: str
    problem_type: str
    context: str
    chances: str

    def apply(self, network: YouthNetwork) -> None:
        """Record half of step 3's output."""
        network.outputs = replace(network.outputs, interpretation_on=self.recorded_on)


class ConceptPlanDrafted(PgaEvent):
    """Step 3: the concept plan of approach, drafted with police and OM."""

    personal_fields = ("summary",)

    drafted_on: date
    authors: tuple[str, ...]
    summary: str

    def apply(self, network: YouthNetwork) -> None:
        """Record the other half of step 3's output."""
        network.outputs = replace(network.outputs, concept_plan_on=self.drafted_on)


class AdviceIssued(PgaEvent):
    """Step 4: a short problem definition and advice for the local triangle."""

    personal_fields = ("problem_definition", "advice")

    issued_on: date
    problem_definition: str
    advice: str

    def apply(self, network: YouthNetwork) -> None:
        """Record the advice."""
        network.outputs = replace(network.outputs, advice_on=self.issued_on)


class PrioritisationDecided(PgaEvent):
    """Step 4: the local triangle (mayor, police, OM) decided: prioritised or not."""

    personal_fields = ("instructions",)

    decided_on: date
    prioritised: bool
    instructions: str | None

    def apply(self, network: YouthNetwork) -> None:
        """Record the decision."""
        network.outputs = replace(network.outputs, prioritised=self.prioritised)


class ActionPlanned(PgaEvent):
    """Steps 5-6: an action of the integral plan at group, domain or person level.

    A person-level action's description is about its member: stored under that member's key in
    this network (``subject_field``), so the member's erasure shreds it with the placement.
    """

    personal_fields = ("description",)
    subject_field = "member_id"

    action_id: UUID
    organisation: str
    level: ActionLevel
    description: str
    due_on: date
    member_id: UUID | None

    def apply(self, network: YouthNetwork) -> None:
        """Add the action."""
        network.actions[self.action_id] = Action(
            action_id=self.action_id,
            organisation=self.organisation,
            level=self.level,
            description=self.description,
            due_on=self.due_on,
            member_id=self.member_id,
        )


class ActionCompleted(PgaEvent):
    """An action of the plan was carried out.

    ``member_id`` repeats the person-level action's member (``None``: a group or domain action,
    and events recorded before it was added), so the outcome is stored under that member's key.
    """

    personal_fields = ("outcome",)
    subject_field = "member_id"

    action_id: UUID
    completed_on: date
    outcome: str
    member_id: UUID | None = None

    def apply(self, network: YouthNetwork) -> None:
        """Mark the action done."""
        action = network.actions[self.action_id]
        network.actions[self.action_id] = replace(action, completed_on=self.completed_on)


class IntegralPlanAdopted(PgaEvent):
    """Step 5: the integral plan of approach was adopted."""

    adopted_on: date

    def apply(self, network: YouthNetwork) -> None:
        """Record step 5's output."""
        network.outputs = replace(network.outputs, plan_adopted_on=self.adopted_on)


class MonitoringRecorded(PgaEvent):
    """Step 6: a monitoring moment (indicators, and whether the approach needs adjusting)."""

    personal_fields = ("indicators",)

    monitored_on: date
    indicators: str

    def apply(self, network: YouthNetwork) -> None:
        """Count the monitoring moment."""
        network.outputs = replace(
            network.outputs, monitoring_moments=network.outputs.monitoring_moments + 1
        )


class EvaluationCompleted(PgaEvent):
    """Step 7: the approach was evaluated and remaining actions were assigned."""

    personal_fields = ("findings", "remaining_actions")

    evaluated_on: date
    findings: str
    remaining_actions: str

    def apply(self, network: YouthNetwork) -> None:
        """Record step 7's output."""
        network.outputs = replace(network.outputs, evaluated_on=self.evaluated_on)


class StepAdvanced(PgaEvent):
    """The network moved forward to the next step (its required output existed)."""

    from_step: NetworkStep
    to_step: NetworkStep
    on: date

    def apply(self, network: YouthNetwork) -> None:
        """Enter the next step."""
        network.step = self.to_step
        network.step_since = self.on


class SteppedBack(PgaEvent):
    """The network went back to an earlier step, for the recorded reason."""

    personal_fields = ("reason",)

    from_step: NetworkStep
    to_step: NetworkStep
    on: date
    reason: str

    def apply(self, network: YouthNetwork) -> None:
        """Reopen the earlier step; drop the name list when going back before 2B."""
        network.step = self.to_step
        network.step_since = self.on
        network.outputs = _outputs_before(self.to_step, network.outputs)
        if self.to_step not in PERSON_LEVEL_STEPS:
            network.members = {}
            _drop_orphaned_actions(network)


class NetworkFileClosed(PgaEvent):
    """The network's file was closed (the retention period starts)."""

    personal_fields = ("reason",)

    from_step: NetworkStep
    on: date
    reason: str

    def apply(self, network: YouthNetwork) -> None:
        """Close the file; the name list ends with it."""
        network.step = N.CLOSED
        network.step_since = self.on
        network.closed_on = self.on
        network.members = {}
        _drop_orphaned_actions(network)


class NetworkLegalHoldPlaced(PgaEvent):
    """A legal hold on the network's file: while it is in place nothing in it is erased.

    ``basis`` is a code (``HOLD_BASES``); the free-text ``reason`` is the network's (group-level).
    """

    personal_fields = ("reason",)

    hold_id: UUID
    placed_on: date
    basis: str
    reason: str

    def apply(self, network: YouthNetwork) -> None:
        """Put the hold in place."""
        network.legal_holds[self.hold_id] = LegalHold(self.hold_id, self.placed_on, self.basis)


class NetworkLegalHoldLifted(PgaEvent):
    """A legal hold on the network's file was lifted; the retention terms apply again."""

    personal_fields = ("reason",)

    hold_id: UUID
    lifted_on: date
    reason: str

    def apply(self, network: YouthNetwork) -> None:
        """Lift the hold."""
        network.legal_holds.pop(self.hold_id, None)


class NameListErased(PgaEvent):
    """A closed network's name list was destroyed (retention); a tombstone.

    Names only the member ids whose entries in this network were erased (their data keys for
    this network are destroyed with it), the day and the basis code. Their entries in other
    networks and their trajectories are untouched.
    """

    erased_on: date
    basis: str
    member_ids: tuple[UUID, ...]

    def apply(self, network: YouthNetwork) -> None:
        """Mark the name list destroyed (the closing already took the members off it)."""
        network.name_list_erased = True
        network.members = {}
        _drop_orphaned_actions(network)


class NetworkErased(PgaEvent):
    """A closed network's file was erased (retention); a tombstone: the day and the basis code.

    The network's group-level text (signals, findings, advice, plans, outcomes) no longer
    decrypts; the step history, dates and partners (no personal data) remain.
    """

    erased_on: date
    basis: str

    def apply(self, network: YouthNetwork) -> None:
        """Drop every personal value the aggregate holds."""
        network.erased = True
        network.name_list_erased = True
        network.members = {}
        network.actions = {
            action_id: replace(action, description="")
            for action_id, action in network.actions.items()
            if action.member_id is None
        }
        if network.outputs.assessment is not None:
            network.outputs = replace(
                network.outputs, assessment=replace(network.outputs.assessment, findings="")
            )


NETWORK_EVENTS: tuple[type[PgaEvent], ...] = (
    NetworkOpened,
    ProcesregisseurAssigned,
    NetworkPartnerJoined,
    NetworkPartnerLeft,
    SignalShared,
    BehaviourAssessed,
    MemberPlaced,
    MemberInformed,
    MemberRemoved,
    MemberErased,
    PoliceAdviceReceived,
    InterpretationRecorded,
    ConceptPlanDrafted,
    AdviceIssued,
    PrioritisationDecided,
    ActionPlanned,
    ActionCompleted,
    IntegralPlanAdopted,
    MonitoringRecorded,
    EvaluationCompleted,
    StepAdvanced,
    SteppedBack,
    NetworkFileClosed,
    NetworkLegalHoldPlaced,
    NetworkLegalHoldLifted,
    NameListErased,
    NetworkErased,
)


def _drop_orphaned_actions(network: YouthNetwork) -> None:
    """Forget person-level actions whose member is no longer on the name list."""
    network.actions = {
        action_id: action
        for action_id, action in network.actions.items()
        if action.member_id is None or action.member_id in network.members
    }


def _outputs_before(step: NetworkStep, outputs: StepOutputs) -> StepOutputs:
    """Keep only the outputs of steps before ``step`` (a back-step reopens ``step`` and later)."""
    rank = STEP_RANK[step]
    keep = StepOutputs()
    if rank > STEP_RANK[N.ASSESSMENT]:
        keep = replace(keep, assessment=outputs.assessment)
    if rank > STEP_RANK[N.NAME_LIST]:
        keep = replace(keep, police_advice_on=outputs.police_advice_on)
    if rank > STEP_RANK[N.INTERPRETATION]:
        keep = replace(
            keep,
            interpretation_on=outputs.interpretation_on,
            concept_plan_on=outputs.concept_plan_on,
        )
    if rank > STEP_RANK[N.ADVICE]:
        keep = replace(keep, advice_on=outputs.advice_on, prioritised=outputs.prioritised)
    if rank > STEP_RANK[N.PLAN]:
        keep = replace(keep, plan_adopted_on=outputs.plan_adopted_on)
    if rank > STEP_RANK[N.EXECUTION]:
        keep = replace(keep, monitoring_moments=outputs.monitoring_moments)
    return keep


# --- the aggregate ---


class YouthNetwork(Aggregate):
    """A youth group or network taken through the 7-stappenmodel by a procesregisseur."""

    working_name: str
    area: str
    procesregisseur: str
    procesregisseur_organisation: str
    opened_on: date
    historical_label: str | None
    step: NetworkStep
    step_since: date
    outputs: StepOutputs
    partners: dict[str, Involvement]
    members: dict[UUID, Member]
    actions: dict[UUID, Action]
    signals: int
    closed_on: date | None
    legal_holds: dict[UUID, LegalHold]
    name_list_erased: bool
    erased: bool

    #: Version 2 added the information letter to members, version 3 the legal holds and the
    #: erasure marks; older snapshots are upcast.
    class_version: ClassVar[int] = 3
    #: Snapshot state keyed by subject: the store encrypts each member's entry under the
    #: member's own data key, the rest of the state under the network's.
    subject_entries: ClassVar[tuple[str, ...]] = ("members",)
    #: Snapshot entries that concern a member (person-level actions) go under its key too.
    subject_grouped: ClassVar[Mapping[str, str]] = MappingProxyType({"actions": "member_id"})

    def __init__(self) -> None:
        """Set the defaults; ``NetworkOpened.apply`` fills in the rest."""
        self.step = N.SIGNALS
        self.outputs = StepOutputs()
        self.partners = {}
        self.members = {}
        self.actions = {}
        self.signals = 0
        self.closed_on = None
        self.legal_holds = {}
        self.name_list_erased = False
        self.erased = False

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Give the members of a snapshot taken before the information letter their recipients."""
        members: dict[UUID, Member] = state.get("members", {})
        state["members"] = {
            member_id: replace(
                member, letter_recipients=letter_recipients(member.born_on, member.placed_on)
            )
            for member_id, member in members.items()
        }

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """Give a snapshot taken before legal holds and erasure marks their defaults."""
        state.setdefault("legal_holds", {})
        state.setdefault("name_list_erased", False)
        state.setdefault("erased", False)

    @classmethod
    def open(
        cls,
        *,
        network_id: UUID,
        working_name: str,
        area: str,
        procesregisseur: str,
        procesregisseur_organisation: str,
        opened_on: date,
        historical_label: str | None = None,
    ) -> YouthNetwork:
        """Open a group file at step 1."""
        if historical_label is not None and historical_label not in HISTORICAL_LABELS:
            raise InvalidValue("historical_label", f"must be one of {', '.join(HISTORICAL_LABELS)}")
        return cls._create(
            NetworkOpened,
            id=network_id,
            working_name=text("working_name", working_name, max_length=100),
            area=text("area", area, max_length=100),
            procesregisseur=user_id("procesregisseur", procesregisseur),
            procesregisseur_organisation=slug(
                "procesregisseur_organisation", procesregisseur_organisation
            ),
            opened_on=not_in_future("opened_on", opened_on),
            historical_label=historical_label,
        )

    # -- guards --

    @property
    def is_closed(self) -> bool:
        """True when the file is closed."""
        return self.step == N.CLOSED

    def _ensure_open(self) -> None:
        if self.is_closed:
            raise NetworkClosed

    def _ensure_step(self, action: str, *steps: NetworkStep) -> None:
        self._ensure_open()
        if self.step not in steps:
            raise NotInStep(action, self.step, ", ".join(steps))

    def _not_before_placements(self, day: date) -> None:
        """Refuse to drop the name list on a day before someone was placed on it."""
        for member in self.members.values():
            not_before("on", day, "a member's placed_on", member.placed_on)

    def _dated(self, field: str, day: date) -> date:
        not_in_future(field, day)
        not_before(field, day, "opened_on", self.opened_on)
        return day

    def missing_output(self) -> str | None:
        """Return what the current step still has to produce before moving on, if anything."""
        out = self.outputs
        missing: dict[NetworkStep, str | None] = {
            N.SIGNALS: None if self.signals else "at least one shared signal",
            N.ASSESSMENT: None if out.assessment else "the assessment of the group behaviour",
            N.NAME_LIST: (
                "at least one member on the name list"
                if not self.members
                else None
                if out.police_advice_on
                else "the police's name list, letter and advice"
            ),
            N.INTERPRETATION: (
                "the groepsduiding"
                if out.interpretation_on is None
                else None
                if out.concept_plan_on
                else "the concept plan of approach"
            ),
            N.ADVICE: (
                "the advice"
                if out.advice_on is None
                else None
                if out.prioritised is not None
                else "the triangle's prioritisation decision"
            ),
            N.PLAN: None if out.plan_adopted_on else "the adopted integral plan",
            N.EXECUTION: None if out.monitoring_moments else "at least one monitoring moment",
            N.SCALE_DOWN: None if out.evaluated_on else "the evaluation",
        }
        return missing.get(self.step)

    def next_step(self) -> NetworkStep | None:
        """Return the step the network moves to when it advances now (``None``: it cannot)."""
        out = self.outputs
        if self.step == N.ASSESSMENT:
            if out.assessment is None:
                return None
            return N.NAME_LIST if out.assessment.problematic else N.LIGHT_APPROACH
        if self.step == N.ADVICE:
            if out.prioritised is None:
                return None
            return N.PLAN if out.prioritised else N.NOT_PRIORITISED
        forward = {
            N.SIGNALS: N.ASSESSMENT,
            N.NAME_LIST: N.INTERPRETATION,
            N.INTERPRETATION: N.ADVICE,
            N.PLAN: N.EXECUTION,
            N.EXECUTION: N.SCALE_DOWN,
        }
        return forward.get(self.step)

    # -- people and partners --

    def assign_procesregisseur(self, *, procesregisseur: str, organisation: str) -> None:
        """Hand the network to another procesregisseur (there is exactly one at a time)."""
        self._ensure_open()
        procesregisseur = user_id("procesregisseur", procesregisseur)
        organisation = slug("organisation", organisation)
        if (procesregisseur, organisation) == (
            self.procesregisseur,
            self.procesregisseur_organisation,
        ):
            raise RegisseurUnchanged
        self.trigger_event(
            ProcesregisseurAssigned, procesregisseur=procesregisseur, organisation=organisation
        )

    def join_partner(
        self,
        catalogue: Catalogue,
        *,
        organisation: str,
        role: PartnerRole,
        legal_basis: str,
        since: date,
    ) -> None:
        """Let a convenant partner join the network's approach."""
        self._ensure_open()
        involvement = new_involvement(
            catalogue,
            self.partners,
            organisation=organisation,
            role=role,
            legal_basis=legal_basis,
            since=since,
        )
        self.trigger_event(NetworkPartnerJoined, involvement=involvement)

    def remove_partner(self, *, organisation: str, left_on: date) -> None:
        """Let a partner leave the network's approach."""
        self._ensure_open()
        if organisation not in self.partners:
            raise PartnerNotInvolved(organisation)
        still_open = [
            action
            for action in self.actions.values()
            if action.organisation == organisation and action.completed_on is None
        ]
        if still_open:
            raise PartnerStillResponsible(organisation, len(still_open), "action")
        not_before("left_on", left_on, "since", self.partners[organisation].since)
        self.trigger_event(
            NetworkPartnerLeft, organisation=organisation, left_on=not_in_future("left_on", left_on)
        )

    # -- step outputs --

    def share_signal(
        self,
        *,
        source_organisation: str,
        observed_on: date,
        location: str,
        description: str,
        online: bool,
    ) -> None:
        """Record a signal about group behaviour (any open step; group level only)."""
        self._ensure_open()
        self.trigger_event(
            SignalShared,
            source_organisation=slug("source_organisation", source_organisation),
            observed_on=not_in_future("observed_on", observed_on),
            location=text("location", location, max_length=200),
            description=text("description", description),
            online=online,
        )

    def assess_behaviour(self, *, problematic: bool, findings: str, assessed_on: date) -> None:
        """Step 2A: record whether the group behaviour is problematic."""
        self._ensure_step("assess the group behaviour", N.ASSESSMENT)
        self.trigger_event(
            BehaviourAssessed,
            problematic=problematic,
            findings=text("findings", findings),
            assessed_on=self._dated("assessed_on", assessed_on),
        )

    def place_member(self, member: Member) -> None:
        """Put a youth on the name list: only from step 2B on."""
        self._ensure_open()
        if self.step not in PERSON_LEVEL_STEPS:
            raise NamesNotYetAllowed(self.step)
        if member.member_id in self.members:
            raise DuplicateEntity("member", member.member_id)
        if member.trajectory_id is not None and any(
            other.trajectory_id == member.trajectory_id for other in self.members.values()
        ):
            raise DuplicateEntity("member for trajectory", member.trajectory_id)
        self._dated("placed_on", member.placed_on)
        if member.born_on is not None:
            not_before("placed_on", member.placed_on, "born_on", member.born_on)
        self.trigger_event(
            MemberPlaced,
            member_id=member.member_id,
            given_name=text("given_name", member.given_name, max_length=100),
            family_name=text("family_name", member.family_name, max_length=100),
            born_on=member.born_on,
            role_in_group=optional_text("role_in_group", member.role_in_group, max_length=200),
            trajectory_id=member.trajectory_id,
            placed_on=member.placed_on,
        )

    def inform_member(self, *, member_id: UUID, sent_on: date) -> None:
        """Record when the information letter about a member's placement was sent (once)."""
        self._ensure_open()
        member = self.members.get(member_id)
        if member is None:
            raise UnknownEntity("member", member_id)
        if member.informed_on is not None:
            raise InformationLetterAlreadySent("this member")
        not_in_future("sent_on", sent_on)
        not_before("sent_on", sent_on, "placed_on", member.placed_on)
        self.trigger_event(
            MemberInformed,
            member_id=member_id,
            sent_on=sent_on,
            recipients=member.letter_recipients,
        )

    def remove_member(self, *, member_id: UUID, removed_on: date, why: str) -> None:
        """Take a youth off the name list, for a recorded reason."""
        self._ensure_open()
        if member_id not in self.members:
            raise UnknownEntity("member", member_id)
        not_before("removed_on", removed_on, "placed_on", self.members[member_id].placed_on)
        self.trigger_event(
            MemberRemoved,
            member_id=member_id,
            removed_on=not_in_future("removed_on", removed_on),
            reason=reason("removing a member", why),
        )

    def erase_member(
        self, *, member_id: UUID, erased_on: date, basis: str, former: bool = False
    ) -> None:
        """Take an erased youth off the name list (refused while a legal hold is in place).

        ``former``: the youth is no longer on the list (removed, or the file closed) but was
        placed on it once (the caller checked the stored ``MemberPlaced``): the tombstone records
        the erasure of what the earlier events said about the youth here.
        """
        if member_id not in self.members and not former:
            raise UnknownEntity("member", member_id)
        if self.name_list_erased:
            raise NameListAlreadyErased
        if self.legal_holds:
            raise UnderLegalHold
        self.trigger_event(
            MemberErased, member_id=member_id, erased_on=erased_on, basis=erasure_basis(basis)
        )

    def receive_police_advice(
        self, *, received_on: date, group_scan_done: bool, advice: str
    ) -> None:
        """Step 2B: the police's name list, letter and advice (groepsscan optional)."""
        self._ensure_step("receive the police's advice", N.NAME_LIST)
        self.trigger_event(
            PoliceAdviceReceived,
            received_on=self._dated("received_on", received_on),
            group_scan_done=group_scan_done,
            advice=text("advice", advice),
        )

    def record_interpretation(
        self,
        *,
        recorded_on: date,
        group_dynamics: str,
        roles: str,
        problem_type: str,
        context: str,
        chances: str,
    ) -> None:
        """Step 3: record the groepsduiding."""
        self._ensure_step("record the groepsduiding", N.INTERPRETATION)
        self.trigger_event(
            InterpretationRecorded,
            recorded_on=self._dated("recorded_on", recorded_on),
            group_dynamics=text("group_dynamics", group_dynamics),
            roles=text("roles", roles),
            problem_type=text("problem_type", problem_type),
            context=text("context", context),
            chances=text("chances", chances),
        )

    def draft_concept_plan(
        self, *, drafted_on: date, authors: tuple[str, ...], summary: str
    ) -> None:
        """Step 3: record the concept plan of approach."""
        self._ensure_step("draft the concept plan", N.INTERPRETATION)
        if not authors:
            raise InvalidValue("authors", "name at least one authoring organisation")
        self.trigger_event(
            ConceptPlanDrafted,
            drafted_on=self._dated("drafted_on", drafted_on),
            authors=tuple(slug("authors", item) for item in authors),
            summary=text("summary", summary),
        )

    def issue_advice(self, *, issued_on: date, problem_definition: str, advice: str) -> None:
        """Step 4: the problem definition and advice for the local triangle."""
        self._ensure_step("issue the advice", N.ADVICE)
        self.trigger_event(
            AdviceIssued,
            issued_on=self._dated("issued_on", issued_on),
            problem_definition=text("problem_definition", problem_definition),
            advice=text("advice", advice),
        )

    def decide_prioritisation(
        self, *, decided_on: date, prioritised: bool, instructions: str | None
    ) -> None:
        """Step 4: the triangle's decision; it needs the advice first."""
        self._ensure_step("record the triangle's decision", N.ADVICE)
        if self.outputs.advice_on is None:
            raise StepOutputMissing(self.step, "the advice")
        not_before("decided_on", decided_on, "advice issued_on", self.outputs.advice_on)
        self.trigger_event(
            PrioritisationDecided,
            decided_on=self._dated("decided_on", decided_on),
            prioritised=prioritised,
            instructions=optional_text("instructions", instructions),
        )

    def plan_action(self, action: Action) -> None:
        """Add an action (steps 5-6); person-level actions name a member of the name list."""
        self._ensure_step("plan an action", N.PLAN, N.EXECUTION)
        if action.action_id in self.actions:
            raise DuplicateEntity("action", action.action_id)
        if (
            action.organisation not in self.partners
            and action.organisation != self.procesregisseur_organisation
        ):
            raise PartnerNotInvolved(action.organisation)
        if (action.level == ActionLevel.PERSON) != (action.member_id is not None):
            raise InvalidValue("member_id", "required for person-level actions and only for them")
        if action.member_id is not None and action.member_id not in self.members:
            raise UnknownEntity("member", action.member_id)
        self.trigger_event(
            ActionPlanned,
            action_id=action.action_id,
            organisation=action.organisation,
            level=action.level,
            description=text("description", action.description),
            due_on=action.due_on,
            member_id=action.member_id,
        )

    def complete_action(self, *, action_id: UUID, completed_on: date, outcome: str) -> None:
        """Record that an action was carried out (steps 6-7)."""
        self._ensure_step("complete an action", N.EXECUTION, N.SCALE_DOWN)
        action = self.actions.get(action_id)
        if action is None:
            raise UnknownEntity("action", action_id)
        if action.completed_on is not None:
            raise DuplicateEntity("completion of action", action_id)
        self.trigger_event(
            ActionCompleted,
            action_id=action_id,
            completed_on=self._dated("completed_on", completed_on),
            outcome=text("outcome", outcome),
            member_id=action.member_id,
        )

    def adopt_integral_plan(self, *, adopted_on: date) -> None:
        """Step 5: adopt the integral plan; it needs at least one action."""
        self._ensure_step("adopt the integral plan", N.PLAN)
        if not self.actions:
            raise StepOutputMissing(self.step, "at least one planned action")
        self.trigger_event(IntegralPlanAdopted, adopted_on=self._dated("adopted_on", adopted_on))

    def record_monitoring(self, *, monitored_on: date, indicators: str) -> None:
        """Step 6: a monitoring moment."""
        self._ensure_step("record monitoring", N.EXECUTION)
        self.trigger_event(
            MonitoringRecorded,
            monitored_on=self._dated("monitored_on", monitored_on),
            indicators=text("indicators", indicators),
        )

    def complete_evaluation(
        self, *, evaluated_on: date, findings: str, remaining_actions: str
    ) -> None:
        """Step 7: evaluate and assign what remains."""
        self._ensure_step("complete the evaluation", N.SCALE_DOWN)
        self.trigger_event(
            EvaluationCompleted,
            evaluated_on=self._dated("evaluated_on", evaluated_on),
            findings=text("findings", findings),
            remaining_actions=text("remaining_actions", remaining_actions),
        )

    # -- moving through the steps --

    def advance(self, *, to_step: NetworkStep, on: date) -> None:
        """Move forward; the current step's output must exist and decide where to."""
        self._ensure_open()
        missing = self.missing_output()
        if missing is not None:
            raise StepOutputMissing(self.step, missing)
        expected = self.next_step()
        if expected != to_step:
            raise StepTransitionNotAllowed(self.step, to_step, "advance")
        not_before("on", self._dated("on", on), "step_since", self.step_since)
        self.trigger_event(StepAdvanced, from_step=self.step, to_step=to_step, on=on)

    def step_back(self, *, to_step: NetworkStep, on: date, why: str) -> None:
        """Go back to an earlier step for a recorded reason (reopens that step)."""
        self._ensure_open()
        by_rank = (
            to_step in STEP_RANK
            and to_step not in SIDE_STATES
            and STEP_RANK[to_step] < STEP_RANK[self.step]
        )
        if not (by_rank or (self.step, to_step) in EXTRA_BACK_STEPS):
            raise StepTransitionNotAllowed(self.step, to_step, "step back")
        not_before("on", self._dated("on", on), "step_since", self.step_since)
        if to_step not in PERSON_LEVEL_STEPS:
            self._not_before_placements(on)
        self.trigger_event(
            SteppedBack,
            from_step=self.step,
            to_step=to_step,
            on=on,
            reason=reason("a back-step", why),
        )

    def close(self, *, on: date, why: str) -> None:
        """Close the file: from step 1, 2A licht or not-prioritised, or after the evaluation."""
        self._ensure_open()
        if self.step not in CLOSABLE_STEPS:
            raise StepTransitionNotAllowed(self.step, N.CLOSED, "close")
        if self.step == N.SCALE_DOWN and self.outputs.evaluated_on is None:
            raise StepOutputMissing(self.step, "the evaluation")
        not_before("on", self._dated("on", on), "step_since", self.step_since)
        self._not_before_placements(on)
        self.trigger_event(
            NetworkFileClosed, from_step=self.step, on=on, reason=reason("closing", why)
        )

    # -- legal holds and retention --

    def place_legal_hold(self, *, hold_id: UUID, placed_on: date, basis: str, why: str) -> None:
        """Place a legal hold on the file (also a closed one): nothing in it is erased."""
        if self.erased:
            raise NetworkAlreadyErased
        if hold_id in self.legal_holds:
            raise DuplicateEntity("legal hold", hold_id)
        self.trigger_event(
            NetworkLegalHoldPlaced,
            hold_id=hold_id,
            placed_on=self._dated("placed_on", placed_on),
            basis=hold_basis(basis),
            reason=reason("a legal hold", why),
        )

    def lift_legal_hold(self, *, hold_id: UUID, lifted_on: date, why: str) -> None:
        """Lift a legal hold on the file; the retention terms apply again."""
        try:
            hold = self.legal_holds[hold_id]
        except KeyError:
            raise UnknownEntity("legal hold", hold_id) from None
        not_in_future("lifted_on", lifted_on)
        not_before("lifted_on", lifted_on, "placed_on", hold.placed_on)
        self.trigger_event(
            NetworkLegalHoldLifted,
            hold_id=hold_id,
            lifted_on=lifted_on,
            reason=reason("lifting a legal hold", why),
        )

    def _ensure_erasable(self, erased_on: date) -> date:
        if not self.is_closed or self.closed_on is None:
            raise NotInStep("erase the file or its name list", self.step, N.CLOSED)
        if self.legal_holds:
            raise UnderLegalHold
        not_before("erased_on", erased_on, "closed_on", self.closed_on)
        return erased_on

    def erase_name_list(self, *, erased_on: date, basis: str, member_ids: tuple[UUID, ...]) -> None:
        """Record that the closed file's name list is destroyed (the members' entries here)."""
        if self.name_list_erased:
            raise NameListAlreadyErased
        self.trigger_event(
            NameListErased,
            erased_on=self._ensure_erasable(erased_on),
            basis=erasure_basis(basis),
            member_ids=tuple(sorted(set(member_ids))),
        )

    def erase_file(self, *, erased_on: date, basis: str) -> None:
        """Record that the closed file is erased: its group-level text and any name list left."""
        if self.erased:
            raise NetworkAlreadyErased
        self.trigger_event(
            NetworkErased, erased_on=self._ensure_erasable(erased_on), basis=erasure_basis(basis)
        )


#: The pre-2015 typology, kept only as an optional historical label.
HISTORICAL_LABELS = ("hinderlijk", "overlastgevend", "crimineel")
