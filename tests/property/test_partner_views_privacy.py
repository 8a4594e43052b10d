"""Property (issue 5): no GET the API offers shows a partner what the privacy policy withholds.

Random trajectories and youth networks are recorded through the application, every free-text
value (names, references, notes, reasons) a unique marker (``Qz`` and six letters) that the test
registers with the event kind and field it was written into, the aggregate, and the
organisations that own the record (who recorded it; who is responsible for the intervention,
goal or action it is about). Random partner organisations, one per role, are involved in random
cases, some of them withdrawn again, and some roles never involved at all.

Once the read models caught up, every GET the API offers for trajectories, networks and figures
is made as every role that takes part (and a never-involved organisation, the regisseur, and a
role without any case access). In every response body, each marker found must be one the policy
grants that role of that organisation: the organisation is involved in the marker's case now,
and the field is shown at the highest level the role can have for that event kind (its ``own``
level where the organisation owns the record; at L1 a plan goal only in the role's life
domains). A partner never sees a BSN, a marker of a youth taken off the name list, nor a case
it is not involved in: lists hold exactly its current cases, and a case it never took part in
answers 404. The regisseur's answers do hold the markers, and an involved partner with L2 on
the referral sees the youth's name, so the test can fail.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from pga.api.app import asgi
from pga.application import PgaApplication, Recorded, open_application
from pga.demo.partners import LEGAL_BASIS
from pga.domain import DomainError
from pga.domain.catalogue import DEFAULT_CATALOGUE, PartnerRole
from pga.domain.network import ActionLevel, NetworkStep
from pga.domain.trajectory import PlanGoal, Regisseur
from pga.privacy.policy import Level, Policy, load_policy
from pga.recording import Actor, CommandContext
from pga.settings import Settings
from projections import read_models
from projections.control import wait_for
from tests.integration.api.conftest import SECRET, bearer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from httpx import Response

R = PartnerRole
N = NetworkStep
POLICY: Policy = load_policy()
#: The roles the policy describes (every role that can be involved and is not regie).
PARTNER_ROLES: tuple[PartnerRole, ...] = tuple(sorted(POLICY.roles, key=lambda role: role.value))
MUNICIPALITY = "gemeente-almere"
REGISSEUR = Actor(user="u-regie-01", organisation=MUNICIPALITY, role=R.REGISSEUR)
PROCESREGISSEUR = Actor(user="u-proces-01", organisation=MUNICIPALITY, role=R.PROCESREGISSEUR)
API = "/api/v1"
MARKER = re.compile(r"Qz[a-z]{6}")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Valid synthetic BSNs (they pass the elfproef and belong to no one).
BSNS = ("111222333", "123456782", "956585966")
#: Roles a partner command may be issued in: who records what (their own records).
_INTERVENTION_KINDS = DEFAULT_CATALOGUE.interventions.entries
LIFE_DOMAINS = DEFAULT_CATALOGUE.life_domains.codes()
_CLOSABLE = frozenset({N.SIGNALS, N.LIGHT_APPROACH, N.NOT_PRIORITISED, N.SCALE_DOWN})


# --- the scenario, as hypothesis draws it ---


@dataclass(frozen=True)
class InterventionSpec:
    """One intervention of a trajectory: its kind, owning role and how it ends."""

    kind: str
    owner: PartnerRole
    fate: str  # planned, started, completed, aborted


@dataclass(frozen=True)
class TrajectorySpec:
    """What happens in one trajectory (the rest follows from the domain's rules)."""

    involved: tuple[PartnerRole, ...]
    withdrawn: tuple[PartnerRole, ...]
    bsn: bool
    by_partners: bool
    """Partners record their own commands (arrests, progress, signals) where they are involved."""
    stage: int
    """0 referral only, 1 intake, 2 plan, 3 revision, 4 escalation and de-escalation."""
    declined: bool
    goals: tuple[tuple[str, int], ...]
    """(life domain, index into [regisseur, *involved]) of each goal."""
    interventions: tuple[InterventionSpec, ...]
    arrests: int
    police_contact: bool
    school_signal: bool
    jit_step: bool
    mayor_order: bool
    area: bool
    care_report: bool
    case_conference: bool
    correction: bool
    trusted_person: bool
    agreements: bool
    close: bool
    handover: bool


@dataclass(frozen=True)
class ActionSpec:
    """One action of a network's integral plan."""

    owner: int
    """Index into [procesregisseur, *partners]."""
    level: ActionLevel
    complete: bool


@dataclass(frozen=True)
class NetworkSpec:
    """How far one youth network goes through the seven steps, and who takes part."""

    partners: tuple[PartnerRole, ...]
    leaving: tuple[PartnerRole, ...]
    depth: int
    """0 signals, 1 2A, 2 2B, 3 step 3, 4 step 4, 5 step 5, 6 step 6, 7 step 7."""
    problematic: bool
    prioritised: bool
    members: tuple[tuple[bool, bool], ...]
    """Per member: linked to one of the scenario's trajectories; a role in the group."""
    remove_member: bool
    inform_member: bool
    actions: tuple[ActionSpec, ...]
    instructions: bool
    close: bool


@dataclass(frozen=True)
class Scenario:
    """One example: its trajectories and networks, and the roles that stay outside."""

    trajectories: tuple[TrajectorySpec, ...]
    networks: tuple[NetworkSpec, ...]
    outsider: PartnerRole
    """A role whose organisation is never involved in anything."""
    no_access: PartnerRole
    """A role without any partner view (its answers must be refusals)."""


def _subset(
    draw: st.DrawFn, items: tuple[PartnerRole, ...], max_size: int, min_size: int = 0
) -> tuple[PartnerRole, ...]:
    chosen = draw(
        st.lists(st.sampled_from(items), min_size=min_size, max_size=max_size, unique=True)
    )
    return tuple(chosen)


@st.composite
def trajectory_specs(draw: st.DrawFn, roles: tuple[PartnerRole, ...]) -> TrajectorySpec:
    involved = _subset(draw, roles, 7, min_size=1)
    withdrawn = _subset(draw, involved, len(involved)) if involved else ()
    owned = [kind for kind in _INTERVENTION_KINDS if kind.owner in involved]
    interventions = (
        tuple(
            InterventionSpec(kind.code, kind.owner, fate)
            for kind, fate in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(owned),
                        st.sampled_from(("planned", "started", "completed", "aborted")),
                    ),
                    max_size=3,
                )
            )
        )
        if owned
        else ()
    )
    goals = draw(
        st.lists(
            st.tuples(st.sampled_from(LIFE_DOMAINS), st.integers(0, len(involved))),
            min_size=1,
            max_size=4,
        )
    )
    return TrajectorySpec(
        involved=involved,
        withdrawn=withdrawn,
        bsn=draw(st.booleans()),
        by_partners=draw(st.booleans()),
        stage=draw(st.integers(0, 4)),
        declined=draw(st.integers(0, 9)) == 0,
        goals=tuple(goals),
        interventions=interventions,
        arrests=draw(st.integers(0, 2)),
        police_contact=draw(st.booleans()),
        school_signal=draw(st.booleans()),
        jit_step=draw(st.booleans()),
        mayor_order=draw(st.booleans()),
        area=draw(st.booleans()),
        care_report=draw(st.booleans()),
        case_conference=draw(st.booleans()),
        correction=draw(st.booleans()),
        trusted_person=draw(st.booleans()),
        agreements=draw(st.booleans()),
        close=draw(st.booleans()),
        handover=draw(st.booleans()),
    )


@st.composite
def network_specs(draw: st.DrawFn, roles: tuple[PartnerRole, ...]) -> NetworkSpec:
    partners = _subset(draw, roles, 5, min_size=1)
    leaving = _subset(draw, partners, len(partners)) if partners else ()
    members = draw(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=3))
    actions = draw(
        st.lists(
            st.builds(
                ActionSpec,
                owner=st.integers(0, len(partners)),
                level=st.sampled_from(list(ActionLevel)),
                complete=st.booleans(),
            ),
            min_size=1,
            max_size=3,
        )
    )
    return NetworkSpec(
        partners=partners,
        leaving=leaving,
        depth=draw(st.integers(0, 7)),
        problematic=draw(st.integers(0, 4)) > 0,
        prioritised=draw(st.integers(0, 4)) > 0,
        members=tuple(members),
        remove_member=draw(st.booleans()),
        inform_member=draw(st.booleans()),
        actions=tuple(actions),
        instructions=draw(st.booleans()),
        close=draw(st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    outsider = draw(st.sampled_from(PARTNER_ROLES))
    roles = tuple(role for role in PARTNER_ROLES if role != outsider)
    return Scenario(
        trajectories=tuple(draw(st.lists(trajectory_specs(roles), min_size=1, max_size=3))),
        networks=tuple(draw(st.lists(network_specs(roles), max_size=2))),
        outsider=outsider,
        no_access=draw(st.sampled_from((R.AUDITOR, R.BEHEERDER, R.PROCESREGISSEUR))),
    )


# --- recording the scenario, with a registry of the markers ---


@dataclass(frozen=True)
class Mark:
    """Where one marker was written: which aggregate, event kind and field, owned by whom."""

    aggregate: uuid.UUID
    event: str
    field: str
    owners: frozenset[str]
    goal_domain: str | None = None
    member: uuid.UUID | None = None
    """The name-list member the record is about (gone for everyone when the member is)."""


@dataclass(frozen=True)
class _Pending:
    event: str
    field: str
    owners: frozenset[str]
    goal_domain: str | None
    member: uuid.UUID | None


_COUNTER = itertools.count(1)


def new_marker() -> str:
    """Return a marker no other value of the run holds: ``Qz`` and six letters."""
    number = next(_COUNTER)
    letters = []
    for _ in range(6):
        number, digit = divmod(number, 26)
        letters.append(_LETTERS[digit])
    return "Qz" + "".join(reversed(letters))


def context(actor: Actor) -> CommandContext:
    return CommandContext(actor=actor, correlation_id=uuid.uuid4())


@dataclass
class Recorder:
    """Records a scenario through the application and keeps the marker registry."""

    app: PgaApplication
    tag: str
    marks: dict[str, list[Mark]] = field(default_factory=lambda: defaultdict(list))
    versions: dict[uuid.UUID, int] = field(default_factory=dict)
    days: dict[uuid.UUID, date] = field(default_factory=dict)
    position: int = 0
    refused: list[str] = field(default_factory=list)
    trajectories: list[uuid.UUID] = field(default_factory=list)
    networks: list[uuid.UUID] = field(default_factory=list)
    bsns: set[str] = field(default_factory=set)
    destroyed: set[uuid.UUID] = field(default_factory=set)
    """Name-list members taken off the list (their records are gone for partners)."""
    _pending: list[tuple[str, _Pending]] = field(default_factory=list)

    def org(self, role: PartnerRole) -> str:
        """Return the example's organisation in ``role`` (fresh per example)."""
        return f"{role.value.replace('_', '-')}-{self.tag}"

    def actor(self, role: PartnerRole) -> Actor:
        """Return a user of the example's organisation in ``role``."""
        return Actor(user=f"u-{role.value}", organisation=self.org(role), role=role)

    def text(
        self,
        event_name: str,
        field_name: str,
        *,
        owners: tuple[str, ...] = (),
        goal_domain: str | None = None,
        member: uuid.UUID | None = None,
    ) -> str:
        """Return a new marker for a value of ``event_name.field_name`` (registered on success)."""
        marker = new_marker()
        pending = _Pending(event_name, field_name, frozenset(owners), goal_domain, member)
        self._pending.append((marker, pending))
        return marker

    def mark(self, marker: str, aggregate: uuid.UUID, event_name: str, field_name: str) -> None:
        """Register one more place a recorded marker went to (a linked trajectory)."""
        self.marks[marker].append(Mark(aggregate, event_name, field_name, frozenset()))

    def day(self, aggregate: uuid.UUID) -> date:
        """Return the next day of the aggregate's history (one day after its last one)."""
        self.days[aggregate] += timedelta(days=1)
        return self.days[aggregate]

    def create(
        self, actor: Actor, command: Callable[..., Recorded], start: date, **arguments: object
    ) -> uuid.UUID:
        """Run a command that creates an aggregate whose history starts on ``start``."""
        recorded = command(context(actor), **arguments)
        self._recorded(recorded, actor)
        self.days[recorded.aggregate_id] = start
        return recorded.aggregate_id

    def change(
        self,
        actor: Actor,
        command: Callable[..., Recorded],
        aggregate: uuid.UUID,
        **arguments: object,
    ) -> Recorded | None:
        """Run a command; a refusal records nothing (and is reported by the test)."""
        try:
            recorded = command(context(actor), aggregate, self.versions[aggregate], **arguments)
        except DomainError as refusal:
            self._pending.clear()
            self.refused.append(f"{command.__name__}: {type(refusal).__name__}: {refusal}")
            return None
        self._recorded(recorded, actor)
        return recorded

    def _recorded(self, recorded: Recorded, actor: Actor) -> None:
        self.versions[recorded.aggregate_id] = recorded.version
        self.versions.update(recorded.linked_versions)
        self.position = max(self.position, recorded.position)
        for marker, pending in self._pending:
            self.marks[marker].append(
                Mark(
                    aggregate=recorded.aggregate_id,
                    event=pending.event,
                    field=pending.field,
                    owners=pending.owners | {actor.organisation},
                    goal_domain=pending.goal_domain,
                    member=pending.member,
                )
            )
        self._pending.clear()


def today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def record_trajectory(rec: Recorder, spec: TrajectorySpec, number: int) -> None:  # noqa: C901, PLR0912, PLR0915 - one trajectory's story
    """Refer a youth and record what ``spec`` asks, as the regisseur and the partners would."""
    app = rec.app
    start = today() - timedelta(days=300 - 60 * number)
    regie = REGISSEUR

    def by(role: PartnerRole) -> Actor:
        return rec.actor(role) if spec.by_partners and role in spec.involved else regie

    tid = rec.create(
        regie,
        app.refer,
        start,
        given_name=rec.text("Referred", "given_name"),
        family_name=rec.text("Referred", "family_name"),
        born_on=start - timedelta(days=15 * 365 + 40),
        offence_category="straatroof",
        suspected_on=start,
        referred_on=start,
        police_reference=rec.text("Referred", "police_reference"),
        referring_organisation=rec.org(R.POLITIE),
        regisseur=Regisseur(REGISSEUR.user, MUNICIPALITY),
    )
    rec.trajectories.append(tid)
    if spec.bsn:
        bsn = BSNS[number % len(BSNS)]
        rec.bsns.add(bsn)
        rec.change(regie, app.record_bsn, tid, bsn=bsn)
    for role in spec.involved:
        rec.change(
            regie,
            app.involve_partner,
            tid,
            organisation=rec.org(role),
            role=role,
            legal_basis=LEGAL_BASIS[role],
            since=start,
        )
    rec.change(
        by(R.POLITIE),
        app.record_police_home_visit,
        tid,
        visited_on=rec.day(tid),
        youth_informed=True,
        parents_informed=False,
    )
    for _ in range(spec.arrests):
        rec.change(
            by(R.POLITIE),
            app.record_arrest,
            tid,
            arrested_on=rec.day(tid),
            offence_category="diefstal",
            police_reference=rec.text("ArrestRecorded", "police_reference"),
        )
    if spec.police_contact:
        rec.change(
            by(R.POLITIE),
            app.record_police_contact,
            tid,
            occurred_on=rec.day(tid),
            offence_category="vernieling",
            role="getuige",
            police_reference=rec.text("PoliceContactRecorded", "police_reference"),
        )
    if spec.school_signal:
        source = R.LEERPLICHT if R.LEERPLICHT in spec.involved else R.SCHOOL
        rec.change(
            by(source),
            app.record_school_signal,
            tid,
            kind="verzuim",
            observed_on=rec.day(tid),
            absence_hours=12,
            source_role=source,
            source_organisation=rec.org(source),
        )
    if spec.jit_step:
        rec.change(
            by(R.JIT),
            app.record_jit_step,
            tid,
            kind="straatcontact",
            occurred_on=rec.day(tid),
            incident_on=None,
            parents_present=False,
        )
    if spec.mayor_order:
        day = rec.day(tid)
        rec.change(
            regie,
            app.issue_mayor_order,
            tid,
            kind="gebiedsverbod",
            starts_on=day,
            ends_on=day + timedelta(days=30),
            area=rec.text("MayorOrderIssued", "area") if spec.area else None,
        )
    if spec.care_report:
        rec.change(
            regie,
            app.make_care_report,
            tid,
            made_on=rec.day(tid),
            summary=rec.text("CareReportMade", "summary"),
        )
    if spec.case_conference:
        participants = (MUNICIPALITY, *(rec.org(role) for role in spec.involved[:2]))
        rec.change(
            regie,
            app.hold_case_conference,
            tid,
            held_on=rec.day(tid),
            participants=participants,
            decisions=rec.text("CaseConferenceHeld", "decisions"),
            next_on=None,
        )
    open_interventions: dict[str, int] = defaultdict(int)
    for item in spec.interventions:
        record_intervention(rec, spec, tid, item, by, open_interventions)
    if spec.stage >= 1:
        rec.change(
            regie,
            app.hold_intake,
            tid,
            held_on=rec.day(tid),
            attendees=(rec.text("IntakeHeld", "attendees"), rec.text("IntakeHeld", "attendees")),
            trusted_person=rec.text("IntakeHeld", "trusted_person")
            if spec.trusted_person
            else None,
        )
        for domain in LIFE_DOMAINS[number::5]:
            rec.change(
                regie,
                app.score_life_domain,
                tid,
                life_domain=domain,
                score=2,
                instrument="zrm",
                scored_on=rec.day(tid),
            )
    if spec.stage >= 1 and spec.declined:
        rec.change(
            regie,
            app.decline_inclusion,
            tid,
            declined_on=rec.day(tid),
            why=rec.text("InclusionDeclined", "reason"),
        )
    elif spec.stage >= 2:
        adopt_plan(rec, spec, tid, "PlanAdopted", app.adopt_plan)
        if spec.stage >= 3:
            rec.change(
                regie,
                app.start_revision,
                tid,
                started_on=rec.day(tid),
                why=rec.text("RevisionStarted", "reason"),
            )
            adopt_plan(rec, spec, tid, "PlanRevised", app.revise_plan)
        if spec.stage >= 4:
            rec.change(
                regie,
                app.escalate,
                tid,
                escalated_on=rec.day(tid),
                target="zvh",
                why=rec.text("Escalated", "reason"),
            )
            rec.change(
                regie,
                app.de_escalate,
                tid,
                de_escalated_on=rec.day(tid),
                why=rec.text("DeEscalated", "reason"),
            )
    if not app.trajectory(tid).is_closed:
        for role in spec.withdrawn:
            if open_interventions[rec.org(role)]:
                continue  # still responsible: the domain refuses the withdrawal
            rec.change(
                regie,
                app.withdraw_partner,
                tid,
                organisation=rec.org(role),
                withdrawn_on=rec.day(tid),
                why=rec.text("PartnerWithdrawn", "reason"),
            )
        if spec.close:
            handover = rec.text("Closed", "handover_to") if spec.handover else None
            rec.change(
                regie,
                app.close_trajectory,
                tid,
                closed_on=rec.day(tid),
                reason_code="overdracht_zorg" if handover else "doelen_behaald",
                handover_to=handover,
            )
    if spec.correction:
        rec.change(
            regie,
            app.record_correction,
            tid,
            corrects_version=1,
            what_was_wrong=rec.text("CorrectionRecorded", "what_was_wrong"),
            correction=rec.text("CorrectionRecorded", "correction"),
            why=rec.text("CorrectionRecorded", "reason"),
        )


def record_intervention(
    rec: Recorder,
    spec: TrajectorySpec,
    tid: uuid.UUID,
    item: InterventionSpec,
    by: Callable[[PartnerRole], Actor],
    open_interventions: dict[str, int],
) -> None:
    app = rec.app
    owner = rec.org(item.owner)
    start = rec.day(tid)
    planned = rec.change(
        REGISSEUR,
        app.plan_intervention,
        tid,
        kind=item.kind,
        responsible_organisation=owner,
        legal_basis=LEGAL_BASIS[item.owner],
        planned_start=start,
        planned_end=start + timedelta(days=5),
    )
    if planned is None or planned.entity_id is None:
        return
    intervention = planned.entity_id
    if item.fate in {"started", "completed"} or (item.fate == "aborted" and spec.by_partners):
        rec.change(
            by(item.owner),
            app.start_intervention,
            tid,
            intervention_id=intervention,
            started_on=rec.day(tid),
        )
    if item.fate == "completed":
        rec.change(
            by(item.owner),
            app.complete_intervention,
            tid,
            intervention_id=intervention,
            completed_on=rec.day(tid),
            outcome=rec.text("InterventionCompleted", "outcome", owners=(owner,)),
        )
    elif item.fate == "aborted":
        rec.change(
            by(item.owner),
            app.abort_intervention,
            tid,
            intervention_id=intervention,
            aborted_on=rec.day(tid),
            why=rec.text("InterventionAborted", "reason", owners=(owner,)),
        )
    else:
        open_interventions[owner] += 1


def adopt_plan(
    rec: Recorder,
    spec: TrajectorySpec,
    tid: uuid.UUID,
    event_name: str,
    command: Callable[..., Recorded],
) -> None:
    responsible = [MUNICIPALITY, *(rec.org(role) for role in spec.involved)]
    adopted_on = rec.day(tid)
    goals = tuple(
        PlanGoal(
            goal_id=uuid.uuid4(),
            life_domain=domain,
            description=rec.text(
                event_name, "goals", owners=(responsible[index],), goal_domain=domain
            ),
            responsible_organisation=responsible[index],
            due_on=adopted_on + timedelta(days=90),
        )
        for domain, index in spec.goals
    )
    rec.change(
        REGISSEUR,
        command,
        tid,
        adopted_on=adopted_on,
        goals=goals,
        agreements=rec.text(event_name, "agreements") if spec.agreements else None,
    )


def record_network(rec: Recorder, spec: NetworkSpec, number: int) -> None:  # noqa: C901, PLR0911, PLR0912, PLR0915 - one walk through the seven steps
    """Open a network and take it as far as ``spec.depth`` through the 7-stappenmodel."""
    app = rec.app
    proces = PROCESREGISSEUR
    start = today() - timedelta(days=250 - 60 * number)
    nid = rec.create(
        proces,
        app.open_network,
        start,
        working_name=rec.text("NetworkOpened", "working_name"),
        area=rec.text("NetworkOpened", "area"),
        procesregisseur=rec.text("NetworkOpened", "procesregisseur"),
        procesregisseur_organisation=MUNICIPALITY,
        opened_on=start,
    )
    rec.networks.append(nid)
    for role in spec.partners:
        rec.change(
            proces,
            app.join_network_partner,
            nid,
            organisation=rec.org(role),
            role=role,
            legal_basis=LEGAL_BASIS[role],
            since=start,
        )
    owners = [proces, *(rec.actor(role) for role in spec.partners)]
    source = owners[number % len(owners)]
    rec.change(
        source,
        app.share_signal,
        nid,
        source_organisation=source.organisation,
        observed_on=rec.day(nid),
        location=rec.text("SignalShared", "location", owners=(source.organisation,)),
        description=rec.text("SignalShared", "description", owners=(source.organisation,)),
        online=False,
    )

    def advance(to_step: NetworkStep) -> None:
        rec.change(proces, app.advance_network, nid, to_step=to_step, on=rec.day(nid))

    def leave_and_close() -> None:
        network = app.network(nid)
        for role in spec.leaving:
            organisation = rec.org(role)
            if any(
                action.organisation == organisation and action.completed_on is None
                for action in network.actions.values()
            ):
                continue  # still responsible for an open action: the domain refuses
            rec.change(
                proces,
                app.remove_network_partner,
                nid,
                organisation=organisation,
                left_on=rec.day(nid),
            )
        if spec.close and app.network(nid).step in _CLOSABLE:
            why = rec.text("NetworkFileClosed", "reason")
            closed = rec.change(proces, app.close_network, nid, on=rec.day(nid), why=why)
            if closed is not None:  # the name list is destroyed with the file
                rec.destroyed.update(_members(rec, nid))
                for trajectory in closed.linked_versions:
                    rec.mark(why, trajectory, "NetworkUnlinked", "reason")

    if spec.depth < 1:
        return leave_and_close()
    advance(N.ASSESSMENT)
    rec.change(
        proces,
        app.assess_behaviour,
        nid,
        problematic=spec.problematic,
        findings=rec.text("BehaviourAssessed", "findings"),
        assessed_on=rec.day(nid),
    )
    if not spec.problematic:
        advance(N.LIGHT_APPROACH)
        return leave_and_close()
    if spec.depth < 2:
        return leave_and_close()
    advance(N.NAME_LIST)
    linkable = [tid for tid in rec.trajectories if not app.trajectory(tid).is_closed]
    members: list[uuid.UUID] = []
    for index, (linked, with_role) in enumerate(spec.members):
        trajectory = linkable[index] if linked and index < len(linkable) else None
        placed = rec.change(
            proces,
            app.place_member,
            nid,
            given_name=rec.text("MemberPlaced", "given_name"),
            family_name=rec.text("MemberPlaced", "family_name"),
            born_on=start - timedelta(days=16 * 365),
            role_in_group=rec.text("MemberPlaced", "role_in_group") if with_role else None,
            placed_on=rec.day(nid),
            trajectory_id=trajectory,
        )
        if placed is not None and placed.entity_id is not None:
            members.append(placed.entity_id)
            _tag_member(rec, nid, placed.entity_id)
    if spec.inform_member and members:
        rec.change(proces, app.inform_member, nid, member_id=members[0], sent_on=rec.day(nid))
    politie = rec.actor(R.POLITIE) if R.POLITIE in spec.partners else proces
    rec.change(
        politie,
        app.receive_police_advice,
        nid,
        received_on=rec.day(nid),
        group_scan_done=True,
        advice=rec.text("PoliceAdviceReceived", "advice"),
    )
    if spec.remove_member and len(members) > 1:
        gone = members.pop()
        why = rec.text("MemberRemoved", "reason", member=gone)
        removed = rec.change(
            proces, app.remove_member, nid, member_id=gone, removed_on=rec.day(nid), why=why
        )
        if removed is not None:
            rec.destroyed.add(gone)
            for trajectory in removed.linked_versions:
                rec.mark(why, trajectory, "NetworkUnlinked", "reason")
    if spec.depth < 3:
        return leave_and_close()
    advance(N.INTERPRETATION)
    rec.change(
        proces,
        app.record_interpretation,
        nid,
        recorded_on=rec.day(nid),
        group_dynamics=rec.text("InterpretationRecorded", "group_dynamics"),
        roles=rec.text("InterpretationRecorded", "roles"),
        problem_type=rec.text("InterpretationRecorded", "problem_type"),
        context_description=rec.text("InterpretationRecorded", "context"),
        chances=rec.text("InterpretationRecorded", "chances"),
    )
    rec.change(
        proces,
        app.draft_concept_plan,
        nid,
        drafted_on=rec.day(nid),
        authors=(MUNICIPALITY,),
        summary=rec.text("ConceptPlanDrafted", "summary"),
    )
    if spec.depth < 4:
        return leave_and_close()
    advance(N.ADVICE)
    rec.change(
        proces,
        app.issue_advice,
        nid,
        issued_on=rec.day(nid),
        problem_definition=rec.text("AdviceIssued", "problem_definition"),
        advice=rec.text("AdviceIssued", "advice"),
    )
    rec.change(
        proces,
        app.decide_prioritisation,
        nid,
        decided_on=rec.day(nid),
        prioritised=spec.prioritised,
        instructions=rec.text("PrioritisationDecided", "instructions")
        if spec.instructions
        else None,
    )
    if not spec.prioritised:
        advance(N.NOT_PRIORITISED)
        return leave_and_close()
    if spec.depth < 5:
        return leave_and_close()
    advance(N.PLAN)
    actions: list[tuple[uuid.UUID, Actor, uuid.UUID | None, ActionSpec]] = []
    for item in spec.actions:
        owner = owners[item.owner]
        level = item.level if members or item.level != ActionLevel.PERSON else ActionLevel.GROUP
        member = members[0] if level == ActionLevel.PERSON else None
        planned = rec.change(
            proces,
            app.plan_action,
            nid,
            organisation=owner.organisation,
            level=level,
            description=rec.text(
                "ActionPlanned", "description", owners=(owner.organisation,), member=member
            ),
            due_on=rec.day(nid) + timedelta(days=60),
            member_id=member,
        )
        if planned is not None and planned.entity_id is not None:
            actions.append((planned.entity_id, owner, member, item))
    rec.change(proces, app.adopt_integral_plan, nid, adopted_on=rec.day(nid))
    if spec.depth < 6:
        return leave_and_close()
    advance(N.EXECUTION)
    rec.change(
        proces,
        app.record_monitoring,
        nid,
        monitored_on=rec.day(nid),
        indicators=rec.text("MonitoringRecorded", "indicators"),
    )
    for action_id, owner, member, item in actions:
        if item.complete:
            completer = owner if POLICY.may_issue(owner.role, "completeAction") else proces
            rec.change(
                completer,
                app.complete_action,
                nid,
                action_id=action_id,
                completed_on=rec.day(nid),
                outcome=rec.text(
                    "ActionCompleted", "outcome", owners=(owner.organisation,), member=member
                ),
            )
    if spec.depth < 7:
        return leave_and_close()
    advance(N.SCALE_DOWN)
    rec.change(
        proces,
        app.complete_evaluation,
        nid,
        evaluated_on=rec.day(nid),
        findings=rec.text("EvaluationCompleted", "findings"),
        remaining_actions=rec.text("EvaluationCompleted", "remaining_actions"),
    )
    return leave_and_close()


def _tag_member(rec: Recorder, nid: uuid.UUID, member: uuid.UUID) -> None:
    """Mark the markers just recorded for a placement as being about ``member``."""
    for marker, marks in rec.marks.items():
        for index, mark in enumerate(marks):
            if mark.aggregate == nid and mark.event == "MemberPlaced" and mark.member is None:
                marks[index] = Mark(
                    mark.aggregate, mark.event, mark.field, mark.owners, mark.goal_domain, member
                )
                rec.marks[marker] = marks


def _members(rec: Recorder, nid: uuid.UUID) -> set[uuid.UUID]:
    """Return the members ever placed on a network's list (by the registry)."""
    return {
        mark.member
        for marks in rec.marks.values()
        for mark in marks
        if mark.aggregate == nid and mark.event == "MemberPlaced" and mark.member is not None
    }


# --- who looks, and what the policy lets them see ---


@dataclass(frozen=True)
class Viewer:
    """Who asks: an organisation in a role."""

    role: PartnerRole
    organisation: str

    @property
    def directs_trajectories(self) -> bool:
        """Whether the viewer gets the regisseur's full trajectories."""
        return self.role == R.REGISSEUR and self.organisation == MUNICIPALITY

    @property
    def directs_networks(self) -> bool:
        """Whether the viewer gets the full youth networks."""
        return self.role in {R.REGISSEUR, R.PROCESREGISSEUR} and self.organisation == MUNICIPALITY

    @property
    def partner(self) -> bool:
        """Whether the policy describes the viewer's role (it gets partner views)."""
        return POLICY.partner(self.role) is not None


@dataclass
class World:
    """What the scenario ended with: who is involved where, now and ever."""

    trajectories: list[uuid.UUID]
    networks: list[uuid.UUID]
    involved_now: dict[uuid.UUID, dict[str, PartnerRole]]
    involved_ever: dict[uuid.UUID, dict[str, PartnerRole]]

    def now(self, viewer: Viewer) -> set[uuid.UUID]:
        """Return the cases the viewer's organisation is involved in now, in its role."""
        return {
            aggregate
            for aggregate, partners in self.involved_now.items()
            if partners.get(viewer.organisation) == viewer.role
        }

    def ever(self, viewer: Viewer) -> set[uuid.UUID]:
        """Return the cases the viewer's organisation was ever involved in, in its role."""
        return {
            aggregate
            for aggregate, partners in self.involved_ever.items()
            if partners.get(viewer.organisation) == viewer.role
        }


def max_level(viewer: Viewer, mark: Mark) -> Level:
    """Return the highest level at which the viewer's role may see the mark's event kind."""
    role = POLICY.partner(viewer.role)
    assert role is not None
    return POLICY.level(role, mark.event, own=viewer.organisation in mark.owners)


def may_see(viewer: Viewer, mark: Mark, world: World, destroyed: set[uuid.UUID]) -> bool:
    """Whether the policy lets the viewer see the value behind ``mark``."""
    trajectory = mark.aggregate in world.trajectories
    if viewer.directs_trajectories or (viewer.directs_networks and not trajectory):
        return True
    role = POLICY.partner(viewer.role)
    if role is None or mark.aggregate not in world.now(viewer):
        return False
    if mark.member is not None and mark.member in destroyed:
        return False
    level = max_level(viewer, mark)
    if mark.field not in POLICY.fields(mark.event, level):
        return False
    if mark.goal_domain is not None and level is not Level.L2:
        return mark.goal_domain in role.life_domains or viewer.organisation in mark.owners
    return True


def example_world(rec: Recorder) -> World:
    app = rec.app
    now: dict[uuid.UUID, dict[str, PartnerRole]] = {}
    ever: dict[uuid.UUID, dict[str, PartnerRole]] = {}
    for aggregate in rec.trajectories + rec.networks:
        state = (
            app.trajectory(aggregate) if aggregate in rec.trajectories else app.network(aggregate)
        )
        now[aggregate] = {org: item.role for org, item in state.partners.items()}
        ever[aggregate] = {}
        for entry in app.history(aggregate):
            involvement = getattr(entry.event, "involvement", None)
            if entry.kind in {"PartnerInvolved", "NetworkPartnerJoined"} and involvement:
                ever[aggregate][involvement.organisation] = involvement.role
    return World(rec.trajectories, rec.networks, now, ever)


# --- the API under test ---


@dataclass(repr=False)
class Api:
    """The API under test, and the application behind it."""

    settings: Settings
    app: PgaApplication
    client: TestClient[Any]
    headers: dict[Viewer, dict[str, str]] = field(default_factory=dict)

    def __repr__(self) -> str:
        """Keep hypothesis's report of a failing example short."""
        return f"Api(schema={self.settings.database_schema!r})"

    def get(self, viewer: Viewer, path: str) -> Response:
        """GET ``path`` (below /api/v1) with a token of ``viewer``."""
        headers = self.headers.get(viewer)
        if headers is None:
            headers = self.headers[viewer] = bearer(
                self.settings, viewer.role, organisation=viewer.organisation, user="u-viewer"
            )
        return self.client.get(API + path, headers=headers)

    def caught_up(self, position: int) -> None:
        """Wait until every read model has processed ``position``."""
        url = self.settings.database_url
        assert url is not None
        with psycopg.connect(url, autocommit=True) as connection:
            for model in read_models():
                wait_for(
                    connection, self.settings.database_schema, model.name, position, timeout=60
                )


@pytest.fixture
def api(database_url: str, schema: str, tmp_path: Path) -> Iterator[Api]:
    """Yield the real app as served (its projection runner thread included) on a fresh schema."""
    api_settings = Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        jwt_secret=SECRET,
        api_wait_seconds=5.0,
    )
    app = open_application(api_settings)
    try:
        with TestClient(
            asgi(api_settings, application=app), raise_server_exceptions=False
        ) as client:
            yield Api(api_settings, app, client)
    finally:
        app.close()


def every_get(api: Api, world: World) -> Iterator[tuple[str, str]]:
    """Yield (path, kind) of every GET the API offers for the example's cases and figures."""
    yield "/trajectories?pageSize=500", "trajectory-list"
    for tid in world.trajectories:
        yield f"/trajectories/{tid}", "trajectory"
        yield f"/trajectories/{tid}/timeline?pageSize=500", "trajectory-timeline"
    yield "/networks?pageSize=500&includeClosed=true", "network-list"
    yield "/network-board?includeClosed=true", "network-board"
    for nid in world.networks:
        yield f"/networks/{nid}", "network"
        yield f"/networks/{nid}/timeline?pageSize=500", "network-timeline"
        yield f"/networks/{nid}/graph", "network-graph"
    yield "/figures", "figures"
    periods = api.get(Viewer(R.REGISSEUR, MUNICIPALITY), "/figures")
    if periods.status_code == 200:
        for period in periods.json()["items"]:
            yield f"/figures/{period['period']}", "figures"


def check(  # noqa: C901, PLR0911, PLR0912 - one place for every rule a response must keep
    viewer: Viewer, path: str, kind: str, response: Response, world: World, rec: Recorder
) -> list[str]:
    """Return what is wrong with one response to one viewer (nothing, we hope)."""
    problems: list[str] = []
    text = response.text
    where = f"GET {path} as {viewer.role.value} of {viewer.organisation}"
    for marker in sorted(set(MARKER.findall(text))):
        marks = rec.marks.get(marker)
        if marks is None:
            if viewer.partner:
                problems.append(f"{where}: marker {marker} of another example")
            continue
        if not any(may_see(viewer, mark, world, rec.destroyed) for mark in marks):
            shown = ", ".join(
                f"{mark.event}.{mark.field} of {mark.aggregate}"
                + (f" (max level {max_level(viewer, mark).value})" if viewer.partner else "")
                for mark in marks
            )
            problems.append(f"{where}: shows {marker} = {shown}")
    if not viewer.directs_trajectories:
        problems.extend(f"{where}: shows a BSN" for bsn in rec.bsns if bsn in text)
    status = response.status_code
    if not viewer.partner and not viewer.directs_networks:
        if status == 200 and kind != "figures":
            body = response.json()
            if body.get("items"):
                problems.append(f"{where}: a role without partner views gets {status}")
        return problems
    if not viewer.partner:
        return problems
    if kind in {"network-board", "network-graph", "figures"}:
        if status != 403:
            problems.append(f"{where}: {status}, not 403")
        return problems
    aggregates = world.trajectories if kind.startswith("trajectory") else world.networks
    if kind.endswith("-list"):
        if status != 200:
            return [*problems, f"{where}: {status} {text[:200]}"]
        listed = {uuid.UUID(item["id"]) for item in response.json()["items"]}
        expected = world.now(viewer) & set(aggregates)
        if listed != expected:
            problems.append(f"{where}: lists {sorted(map(str, listed))}, not {expected}")
        return problems
    aggregate = uuid.UUID(path.split("/")[2].split("?", maxsplit=1)[0])
    if aggregate not in world.ever(viewer):
        if status != 404:
            problems.append(f"{where}: never involved, yet {status}")
        return problems
    if status != 200:
        return [*problems, f"{where}: {status} {text[:200]}"]
    body = response.json()
    if kind in {"trajectory", "network"}:
        access = "involved" if aggregate in world.now(viewer) else "former"
        if body["access"] != access:
            problems.append(f"{where}: access {body['access']}, not {access}")
    else:
        problems.extend(timeline_problems(viewer, where, body))
    return problems


def timeline_problems(viewer: Viewer, where: str, body: dict[str, Any]) -> list[str]:
    """Every timeline item shows only fields of the highest level the role has for its kind."""
    role = POLICY.partner(viewer.role)
    assert role is not None
    problems = []
    for item in body["items"]:
        allowed = POLICY.fields(item["kind"], POLICY.level(role, item["kind"], own=True))
        extra = set(item["details"]) - set(allowed)
        if extra:
            problems.append(f"{where}: version {item['version']} shows {sorted(extra)}")
        if (
            item["kind"] == "LifeDomainScored"
            and item["level"] == Level.L1.value
            and item["details"].get("life_domain") not in role.life_domains
        ):
            problems.append(
                f"{where}: version {item['version']} shows the score of life domain"
                f" {item['details'].get('life_domain')} at L1"
            )
    return problems


def viewers_of(rec: Recorder, scenario: Scenario, world: World) -> list[Viewer]:
    roles = {role for partners in world.involved_ever.values() for role in partners.values()}
    viewers = [Viewer(role, rec.org(role)) for role in sorted(roles, key=lambda role: role.value)]
    viewers.append(Viewer(scenario.outsider, rec.org(scenario.outsider)))
    viewers.append(Viewer(scenario.no_access, rec.org(scenario.no_access)))
    viewers.append(Viewer(R.REGISSEUR, MUNICIPALITY))
    viewers.append(Viewer(R.PROCESREGISSEUR, MUNICIPALITY))
    return viewers


_EXAMPLES = itertools.count(1)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_no_get_shows_a_partner_what_the_policy_withholds(api: Api, scenario: Scenario) -> None:
    rec = Recorder(api.app, tag=f"x{next(_EXAMPLES)}")
    for number, spec in enumerate(scenario.trajectories):
        record_trajectory(rec, spec, number)
    for number, network_spec in enumerate(scenario.networks):
        record_network(rec, network_spec, number)
    assert not rec.refused, f"the scenario was refused in part: {rec.refused}"
    api.caught_up(rec.position)
    world = example_world(rec)
    problems: list[str] = []
    partner_markers = 0
    for viewer in viewers_of(rec, scenario, world):
        for path, kind in every_get(api, world):
            response = api.get(viewer, path)
            assert response.status_code < 500, f"GET {path}: {response.text}"
            problems.extend(check(viewer, path, kind, response, world, rec))
            if viewer.partner:
                partner_markers += len(MARKER.findall(response.text))
    note(f"markers: {len(rec.marks)}; partner responses held {partner_markers} markers")
    event(f"partner responses hold markers: {partner_markers > 0}")
    assert not problems, "\n".join(problems[:40])
    assert_the_markers_show_where_they_should(api, rec, world)


def assert_the_markers_show_where_they_should(api: Api, rec: Recorder, world: World) -> None:
    """Check the regisseur sees the youth's name; so does a partner with L2 on the referral."""
    names = {
        mark.aggregate: marker
        for marker, marks in rec.marks.items()
        for mark in marks
        if mark.event == "Referred" and mark.field == "given_name"
    }
    regisseur = Viewer(R.REGISSEUR, MUNICIPALITY)
    for tid in world.trajectories:
        assert names[tid] in api.get(regisseur, f"/trajectories/{tid}").text
        for organisation, role in world.involved_now[tid].items():
            viewer = Viewer(role, organisation)
            mark = next(mark for mark in rec.marks[names[tid]] if mark.aggregate == tid)
            if may_see(viewer, mark, world, rec.destroyed):
                detail = api.get(viewer, f"/trajectories/{tid}").text
                assert names[tid] in detail, f"{role.value} misses the name it may see: {detail}"
                event("an involved partner sees the youth's name")
