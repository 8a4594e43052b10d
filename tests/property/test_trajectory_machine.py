"""Random command sequences on one ``Trajectory`` (pure domain, no database).

Every rule draws plausible and implausible arguments, so commands are both accepted and refused
often. After every step: the trajectory's invariants hold, a refused command changed nothing, and
the state rebuilt from the stored form of its events (and from a stored snapshot) equals the live
state.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from itertools import count
from uuid import UUID

from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pga.domain import DEFAULT_CATALOGUE, DomainError, PartnerRole
from pga.domain.catalogue import NON_CASE_ROLES
from pga.domain.common import ERASURE_BASES, age_on
from pga.domain.trajectory import (
    CLOSED_STATUSES,
    MAX_ORDER_EXTENSIONS,
    InterventionState,
    PlanGoal,
    Regisseur,
    Trajectory,
    TrajectoryStatus,
)

from .draws import (
    ALL_ROLES,
    DAYS,
    OPTIONAL_TEXTS,
    ORGANISATION_NAMES,
    ORGANISATIONS,
    PLANNED_DAYS,
    STARTED_DAYS_AGO,
    TEXTS,
    USERS,
    codes,
    known_or,
)
from .harness import (
    LATE,
    LATEST_RECORDABLE,
    TODAY,
    AggregateMachine,
    TickingClock,
    assert_same_aggregate,
    rebuild,
)

S = TrajectoryStatus
CATALOGUE = DEFAULT_CATALOGUE
OPEN_STATUSES = frozenset(S) - CLOSED_STATUSES

REGISSEUR_ORGANISATION = "ggd-flevoland"
#: Any role, or (half the time) one that owns interventions in the catalogue.
ROLES = st.one_of(
    st.sampled_from(sorted({entry.owner for entry in CATALOGUE.interventions.entries})), ALL_ROLES
)
#: Organisations a trajectory often starts with, each in a role that owns interventions.
FIRST_PARTNERS = (
    ("halt-flevoland", PartnerRole.HALT),
    ("zorg-flevoland", PartnerRole.ZORG),
    ("gemeente-almere", PartnerRole.BURGEMEESTER),
    ("jeugdreclassering-wv", PartnerRole.JEUGDRECLASSERING),
    ("politie-almere", PartnerRole.POLITIE),
    ("school-de-linde", PartnerRole.SCHOOL),
)
PARTICIPANTS = st.one_of(
    st.lists(st.sampled_from(ORGANISATIONS), min_size=1, max_size=3),
    st.lists(ORGANISATION_NAMES, max_size=2),
).map(tuple)
ATTENDEES = st.lists(st.sampled_from(("jongere", "moeder", "vader", "mentor", " ")), max_size=3)

INTERVENTION_IDS = st.sampled_from([UUID(int=0x1000 + n) for n in range(4)])
ORDER_IDS = st.sampled_from([UUID(int=0x2000 + n) for n in range(3)])
NETWORK_IDS = st.sampled_from([UUID(int=0x3000 + n) for n in range(3)])
GOAL_IDS = st.sampled_from([UUID(int=0x4000 + n) for n in range(3)])
#: Intervention kinds without an age band or a maximum duration.
AGELESS_KINDS = tuple(
    entry.code
    for entry in CATALOGUE.interventions.entries
    if entry.min_age is None and entry.max_age is None and entry.max_days is None
)

OFFENCES = codes(CATALOGUE.offences.codes())
INTERVENTION_KINDS = codes(CATALOGUE.interventions.codes())
LEGAL_BASES = codes(CATALOGUE.legal_bases.codes())
LIFE_DOMAINS = codes(CATALOGUE.life_domains.codes())
INSTRUMENTS = codes(CATALOGUE.instruments.codes())
SCHOOL_SIGNALS = codes(CATALOGUE.school_signals.codes())
JIT_STEPS = codes(CATALOGUE.jit_steps.codes())
ORDER_KINDS = codes(CATALOGUE.mayor_orders.codes())
POLICE_CONTACT_ROLES = codes(CATALOGUE.police_contact_roles.codes())
ESCALATION_TARGETS = codes(CATALOGUE.escalation_targets.codes())
CLOSING_REASONS = codes(CATALOGUE.closing_reasons.codes())

# Which statuses each status-changing command may leave, and where it leads (DOMAIN.md).
INTAKE_FROM = frozenset({S.AANGEMELD})
DECLINE_FROM = frozenset({S.AANGEMELD, S.INTAKE})
ADOPT_FROM = frozenset({S.INTAKE})
REVISION_FROM = frozenset({S.ACTIEF})
REVISE_FROM = frozenset({S.BIJSTELLING, S.AFGESCHAALD})
ESCALATE_FROM = frozenset({S.INTAKE, S.ACTIEF, S.BIJSTELLING, S.AFGESCHAALD})
DE_ESCALATE_FROM = frozenset({S.ACTIEF, S.BIJSTELLING, S.OPGESCHAALD})


class TrajectoryMachine(AggregateMachine):
    """Drives one trajectory with random commands; a small model tracks what must stay true."""

    trajectory: Trajectory

    def __init__(self) -> None:
        super().__init__()
        self.regisseur = Regisseur("r.devries", REGISSEUR_ORGANISATION)
        #: Per intervention: the organisation and the role it was involved in when planned.
        self.planned_by: dict[UUID, tuple[str, PartnerRole]] = {}
        self.extensions: dict[UUID, int] = {}

    def live(self) -> Trajectory:
        """Return the trajectory under test."""
        return self.trajectory

    def attempt_on_trajectory(
        self,
        command: partial[None],
        *,
        happened: tuple[date, ...] = (),
        rights: bool = False,
        allowed_from: frozenset[TrajectoryStatus] = OPEN_STATUSES,
        leads_to: TrajectoryStatus | None = None,
    ) -> bool:
        """Run one command; when accepted, check the status machine allowed it.

        ``rights`` marks rights requests, the only commands a closed trajectory accepts;
        ``allowed_from`` and ``leads_to`` are the command's place in the status machine.
        """
        status, erased = self.trajectory.status, self.trajectory.erased
        if not self.attempt(command, happened=happened):
            return False
        assert not erased, "after the erasure every command is refused"
        assert rights or status not in CLOSED_STATUSES, "a closed trajectory took a command"
        assert rights or status in allowed_from, f"accepted in status {status}"
        assert self.trajectory.status == (status if leads_to is None else leads_to)
        return True

    @initialize(
        age_in_days=st.integers(11 * 365 + 3, 17 * 365 + 300),
        referred_days_ago=STARTED_DAYS_AGO,
        partners=st.lists(st.sampled_from(FIRST_PARTNERS), unique=True, max_size=3),
        suspected_days_before=st.integers(0, 20),
        offence=st.sampled_from(sorted(CATALOGUE.included_offences)),
    )
    def refer(
        self,
        age_in_days: int,
        referred_days_ago: int,
        suspected_days_before: int,
        offence: str,
        partners: list[tuple[str, PartnerRole]],
    ) -> None:
        """Open the trajectory for a referred minor, with the partners who know the youth."""
        referred_on = TODAY - timedelta(days=referred_days_ago)
        with self.clock.recording():
            self.trajectory = Trajectory.refer(
                CATALOGUE,
                trajectory_id=UUID(int=1),
                subject_id=UUID(int=2),
                given_name="Sem",
                family_name="Verzonnen",
                born_on=referred_on - timedelta(days=age_in_days),
                offence_category=offence,
                suspected_on=referred_on - timedelta(days=suspected_days_before),
                referred_on=referred_on,
                police_reference="PL0900-2024-000123",
                referring_organisation="politie-almere",
                regisseur=self.regisseur,
            )
        self.keep(self.trajectory.collect_events())
        for organisation, role in partners:
            involve = partial(
                self.trajectory.involve_partner,
                CATALOGUE,
                organisation=organisation,
                role=role,
                legal_basis="convenant_pga",
                since=referred_on,
            )
            assert self.attempt_on_trajectory(involve)

    # --- regisseur and partners ------------------------------------------------------------------

    @rule(user=USERS, organisation=st.sampled_from((REGISSEUR_ORGANISATION, "ggd-almere", "GGD")))
    def assign_regisseur(self, user: str, organisation: str) -> None:
        """Hand over to another regisseur (the same one, or a malformed one, is refused)."""
        regisseur = Regisseur(user, organisation)
        if self.attempt_on_trajectory(partial(self.trajectory.assign_regisseur, regisseur)):
            assert regisseur != self.regisseur
            self.regisseur = regisseur

    @rule(organisation=ORGANISATION_NAMES, role=ROLES, legal_basis=LEGAL_BASES, since=DAYS)
    def involve_partner(
        self, organisation: str, role: PartnerRole, legal_basis: str, since: date
    ) -> None:
        """Involve an organisation: once at a time, in a case role, on a known basis."""
        already = organisation in self.trajectory.partners
        command = partial(
            self.trajectory.involve_partner,
            CATALOGUE,
            organisation=organisation,
            role=role,
            legal_basis=legal_basis,
            since=since,
        )
        if self.attempt_on_trajectory(command, happened=(since,)):
            assert not already
            assert role not in NON_CASE_ROLES
            assert role != PartnerRole.REGISSEUR

    @rule(data=st.data(), withdrawn_on=DAYS, why=TEXTS)
    def withdraw_partner(self, data: st.DataObject, withdrawn_on: date, why: str) -> None:
        """Withdraw an involved organisation, not before it was involved, with a reason."""
        organisation = data.draw(known_or(self.trajectory.partners, ORGANISATION_NAMES))
        partner = self.trajectory.partners.get(organisation)
        command = partial(
            self.trajectory.withdraw_partner,
            organisation=organisation,
            withdrawn_on=withdrawn_on,
            why=why,
        )
        if self.attempt_on_trajectory(command, happened=(withdrawn_on,)):
            assert partner is not None
            assert withdrawn_on >= partner.since
            assert why.strip()

    # --- intake and plan -------------------------------------------------------------------------

    @rule(visited_on=DAYS, youth_informed=st.booleans(), parents_informed=st.booleans())
    def record_police_home_visit(
        self, visited_on: date, *, youth_informed: bool, parents_informed: bool
    ) -> None:
        """Record the police home visit, not before the suspected offence."""
        command = partial(
            self.trajectory.record_police_home_visit,
            visited_on=visited_on,
            youth_informed=youth_informed,
            parents_informed=parents_informed,
        )
        if self.attempt_on_trajectory(command, happened=(visited_on,)):
            assert visited_on >= self.trajectory.suspected_on

    @rule(held_on=DAYS, attendees=ATTENDEES, trusted_person=OPTIONAL_TEXTS)
    def hold_intake(self, held_on: date, attendees: list[str], trusted_person: str | None) -> None:
        """Hold the intake: only from aangemeld, with attendees, not before the referral."""
        command = partial(
            self.trajectory.hold_intake,
            held_on=held_on,
            attendees=tuple(attendees),
            trusted_person=trusted_person,
        )
        if self.attempt_on_trajectory(
            command, happened=(held_on,), allowed_from=INTAKE_FROM, leads_to=S.INTAKE
        ):
            assert held_on >= self.trajectory.referred_on
            assert attendees
            assert all(person.strip() for person in attendees)

    @rule(declined_on=DAYS, why=TEXTS)
    def decline_inclusion(self, declined_on: date, why: str) -> None:
        """Decline inclusion: only after referral or intake, with a reason."""
        command = partial(self.trajectory.decline_inclusion, declined_on=declined_on, why=why)
        if self.attempt_on_trajectory(
            command, happened=(declined_on,), allowed_from=DECLINE_FROM, leads_to=S.NIET_OPGENOMEN
        ):
            assert self.trajectory.closed_on == declined_on

    @rule(
        held_on=DAYS,
        participants=PARTICIPANTS,
        decisions=TEXTS,
        next_in=st.none() | st.integers(-3, 60),
    )
    def hold_case_conference(
        self, held_on: date, participants: tuple[str, ...], decisions: str, next_in: int | None
    ) -> None:
        """Hold a case conference; the next one is after this one."""
        next_on = None if next_in is None else held_on + timedelta(days=next_in)
        count = self.trajectory.case_conferences
        command = partial(
            self.trajectory.hold_case_conference,
            held_on=held_on,
            participants=participants,
            decisions=decisions,
            next_on=next_on,
        )
        if self.attempt_on_trajectory(command, happened=(held_on,)):
            assert next_on is None or next_on > held_on
            assert self.trajectory.case_conferences == count + 1
            assert self.trajectory.next_case_conference_on == next_on

    @rule(
        life_domain=LIFE_DOMAINS,
        score=st.integers(1, 5) | st.integers(-1, 7),
        instrument=INSTRUMENTS,
        on=DAYS,
    )
    def score_life_domain(self, life_domain: str, score: int, instrument: str, on: date) -> None:
        """Score a life domain from 1 to 5 with a known instrument."""
        command = partial(
            self.trajectory.score_life_domain,
            CATALOGUE,
            life_domain=life_domain,
            score=score,
            instrument=instrument,
            scored_on=on,
        )
        if self.attempt_on_trajectory(command, happened=(on,)):
            assert 1 <= score <= 5
            assert self.trajectory.life_domain_scores[life_domain].score == score

    @rule(data=st.data(), adopted_on=DAYS, agreements=OPTIONAL_TEXTS, first=st.booleans())
    def adopt_or_revise_plan(
        self, data: st.DataObject, adopted_on: date, agreements: str | None, *, first: bool
    ) -> None:
        """Adopt the first plan (from intake) or a revised one (from bijstelling or afgeschaald)."""
        responsible = known_or(
            [self.trajectory.regisseur.organisation, *self.trajectory.partners], ORGANISATION_NAMES
        )
        goals = data.draw(
            st.lists(
                st.builds(
                    PlanGoal,
                    goal_id=GOAL_IDS,
                    life_domain=LIFE_DOMAINS,
                    description=TEXTS,
                    responsible_organisation=responsible,
                    due_on=st.integers(-10, 120).map(lambda n: adopted_on + timedelta(days=n)),
                ),
                max_size=3,
            ).map(tuple)
        )
        revision = 0 if self.trajectory.plan is None else self.trajectory.plan.revision
        method = self.trajectory.adopt_plan if first else self.trajectory.revise_plan
        command = partial(
            method, CATALOGUE, adopted_on=adopted_on, goals=goals, agreements=agreements
        )
        if self.attempt_on_trajectory(
            command,
            happened=(adopted_on,),
            allowed_from=ADOPT_FROM if first else REVISE_FROM,
            leads_to=S.ACTIEF,
        ):
            plan = self.trajectory.plan
            assert plan is not None
            assert plan.revision == (1 if first else revision + 1)
            assert goals
            assert len({goal.goal_id for goal in goals}) == len(goals)
            assert all(goal.due_on >= adopted_on for goal in goals)
            assert adopted_on >= self.trajectory.referred_on

    @rule(started_on=DAYS, why=TEXTS)
    def start_revision(self, started_on: date, why: str) -> None:
        """Open the plan for revision: only from actief, with a reason."""
        command = partial(self.trajectory.start_revision, started_on=started_on, why=why)
        self.attempt_on_trajectory(
            command, happened=(started_on,), allowed_from=REVISION_FROM, leads_to=S.BIJSTELLING
        )

    # --- police, school, JIT, care -------------------------------------------------------------

    @rule(on=DAYS, offence=OFFENCES, reference=TEXTS, contact_role=st.none() | POLICE_CONTACT_ROLES)
    def record_police_fact(
        self, on: date, offence: str, reference: str, contact_role: str | None
    ) -> None:
        """Record an arrest (no role) or another police contact (suspect, victim or witness)."""
        if contact_role is None:
            arrests = self.trajectory.arrests
            command = partial(
                self.trajectory.record_arrest,
                CATALOGUE,
                arrested_on=on,
                offence_category=offence,
                police_reference=reference,
            )
            if self.attempt_on_trajectory(command, happened=(on,)):
                assert self.trajectory.arrests == arrests + 1
            return
        contacts = self.trajectory.police_contacts
        command = partial(
            self.trajectory.record_police_contact,
            CATALOGUE,
            occurred_on=on,
            offence_category=offence,
            role=contact_role,
            police_reference=reference,
        )
        if self.attempt_on_trajectory(command, happened=(on,)):
            assert self.trajectory.police_contacts == contacts + 1

    @rule(
        kind=SCHOOL_SIGNALS,
        observed_on=DAYS,
        absence_hours=st.none() | st.integers(-2, 2100),
        source_role=st.sampled_from((PartnerRole.SCHOOL, PartnerRole.LEERPLICHT)) | ROLES,
        source=ORGANISATION_NAMES,
    )
    def record_school_signal(
        self,
        kind: str,
        observed_on: date,
        absence_hours: int | None,
        source_role: PartnerRole,
        source: str,
    ) -> None:
        """Record a school signal from school or leerplicht; only absence carries hours."""
        command = partial(
            self.trajectory.record_school_signal,
            CATALOGUE,
            kind=kind,
            observed_on=observed_on,
            absence_hours=absence_hours,
            source_role=source_role,
            source_organisation=source,
        )
        if self.attempt_on_trajectory(command, happened=(observed_on,)):
            assert source_role in {PartnerRole.SCHOOL, PartnerRole.LEERPLICHT}
            assert (absence_hours is not None) == CATALOGUE.school_signals[kind].needs_hours

    @rule(
        kind=JIT_STEPS,
        occurred_on=DAYS,
        incident_before=st.none() | st.integers(-3, 20),
        parents_present=st.booleans(),
    )
    def record_jit_step(
        self, kind: str, occurred_on: date, incident_before: int | None, *, parents_present: bool
    ) -> None:
        """Record a JIT step; steps after an incident need its date, not after the step."""
        incident_on = None if incident_before is None else occurred_on - timedelta(incident_before)
        command = partial(
            self.trajectory.record_jit_step,
            CATALOGUE,
            kind=kind,
            occurred_on=occurred_on,
            incident_on=incident_on,
            parents_present=parents_present,
        )
        if self.attempt_on_trajectory(command, happened=(occurred_on,)):
            assert incident_on is not None or not CATALOGUE.jit_steps[kind].needs_incident
            assert incident_on is None or incident_on <= occurred_on

    @rule(number=st.sampled_from(("111222333", "123456782", "123456783", "000000000", "1234")))
    def record_bsn(self, number: str) -> None:
        """Record (or correct) the BSN: only numbers that pass the elfproef."""
        if self.attempt_on_trajectory(partial(self.trajectory.record_bsn, number)):
            assert number in {"111222333", "123456782"}
            assert self.trajectory.bsn == number

    @rule(sent_on=DAYS)
    def record_information_letter(self, sent_on: date) -> None:
        """Record the information letter: once, between the referral and today."""
        already = self.trajectory.letter_sent_on
        command = partial(self.trajectory.record_information_letter, sent_on=sent_on)
        if self.attempt_on_trajectory(command, happened=(sent_on,)):
            assert already is None
            assert sent_on >= self.trajectory.referred_on
            assert self.trajectory.letter_sent_on == sent_on

    @rule(made_on=DAYS, summary=TEXTS)
    def make_care_report(self, made_on: date, summary: str) -> None:
        """Record a care report to Veilig Thuis, with a summary."""
        command = partial(self.trajectory.make_care_report, made_on=made_on, summary=summary)
        if self.attempt_on_trajectory(command, happened=(made_on,)):
            assert summary.strip()

    # --- interventions ---------------------------------------------------------------------------

    @rule(
        data=st.data(),
        intervention_id=INTERVENTION_IDS,
        legal_basis=LEGAL_BASES,
        planned_start=PLANNED_DAYS,
        planned_days=st.integers(-10, 250),
        pick_an_owner=st.booleans(),
    )
    def plan_intervention(
        self,
        data: st.DataObject,
        intervention_id: UUID,
        legal_basis: str,
        planned_start: date,
        planned_days: int,
        *,
        pick_an_owner: bool,
    ) -> None:
        """Half the time the kind is one the chosen involved partner's role owns."""
        partners = self.trajectory.partners
        organisation = data.draw(known_or(partners, ORGANISATION_NAMES))
        owned = [
            entry.code
            for entry in CATALOGUE.interventions.entries
            if organisation in partners and entry.owner == partners[organisation].role
        ]
        if pick_an_owner and owned:
            kind = data.draw(st.sampled_from(owned))
        else:
            kind = data.draw(INTERVENTION_KINDS)
        involvement = partners.get(organisation)
        command = partial(
            self.trajectory.plan_intervention,
            CATALOGUE,
            intervention_id=intervention_id,
            kind=kind,
            responsible_organisation=organisation,
            legal_basis=legal_basis,
            planned_start=planned_start,
            planned_end=planned_start + timedelta(days=planned_days),
        )
        if self.attempt_on_trajectory(command):
            assert involvement is not None
            assert involvement.role == CATALOGUE.interventions[kind].owner
            assert intervention_id not in self.planned_by
            self.planned_by[intervention_id] = (organisation, involvement.role)

    @rule(data=st.data(), started_on=DAYS)
    def start_intervention(self, data: st.DataObject, started_on: date) -> None:
        """Start a planned intervention."""
        intervention_id = data.draw(known_or(self.trajectory.interventions, INTERVENTION_IDS))
        previous = self.trajectory.interventions.get(intervention_id)
        command = partial(
            self.trajectory.start_intervention,
            intervention_id=intervention_id,
            started_on=started_on,
        )
        if self.attempt_on_trajectory(command, happened=(started_on,)):
            assert previous is not None
            assert previous.state == InterventionState.PLANNED

    @rule(data=st.data(), ended_on=DAYS, text=TEXTS, complete=st.booleans())
    def end_intervention(
        self, data: st.DataObject, ended_on: date, text: str, *, complete: bool
    ) -> None:
        """Complete a started intervention, or abort a planned or started one."""
        intervention_id = data.draw(known_or(self.trajectory.interventions, INTERVENTION_IDS))
        previous = self.trajectory.interventions.get(intervention_id)
        if complete:
            command = partial(
                self.trajectory.complete_intervention,
                intervention_id=intervention_id,
                completed_on=ended_on,
                outcome=text,
            )
            ending_from = {InterventionState.STARTED}
        else:
            command = partial(
                self.trajectory.abort_intervention,
                intervention_id=intervention_id,
                aborted_on=ended_on,
                why=text,
            )
            ending_from = {InterventionState.PLANNED, InterventionState.STARTED}
        if self.attempt_on_trajectory(command, happened=(ended_on,)):
            assert previous is not None
            assert previous.state in ending_from
            assert text.strip()

    # --- mayor's orders --------------------------------------------------------------------------

    @rule(
        order_id=ORDER_IDS,
        kind=ORDER_KINDS,
        starts_on=DAYS,
        lasts=st.integers(-5, 120),
        area=OPTIONAL_TEXTS,
    )
    def issue_mayor_order(
        self, order_id: UUID, kind: str, starts_on: date, lasts: int, area: str | None
    ) -> None:
        """Issue an art. 172a order lasting at most three months."""
        command = partial(
            self.trajectory.issue_mayor_order,
            CATALOGUE,
            order_id=order_id,
            kind=kind,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=lasts),
            area=area,
        )
        if self.attempt_on_trajectory(command, happened=(starts_on,)):
            assert order_id not in self.extensions
            assert 0 < lasts <= 92
            self.extensions[order_id] = 0

    @rule(data=st.data(), longer_by=st.integers(-10, 100))
    def extend_mayor_order(self, data: st.DataObject, longer_by: int) -> None:
        """Extend an order by at most three months, at most three times."""
        order_id = data.draw(known_or(self.trajectory.mayor_orders, ORDER_IDS))
        order = self.trajectory.mayor_orders.get(order_id)
        current_end = TODAY if order is None else order.ends_on
        command = partial(
            self.trajectory.extend_mayor_order,
            order_id=order_id,
            ends_on=current_end + timedelta(days=longer_by),
        )
        if self.attempt_on_trajectory(command):
            assert order is not None
            assert 0 < longer_by <= 92
            self.extensions[order_id] += 1

    # --- youth networks --------------------------------------------------------------------------

    @rule(data=st.data(), on=DAYS, link=st.booleans(), why=TEXTS)
    def link_or_unlink_network(
        self, data: st.DataObject, on: date, why: str, *, link: bool
    ) -> None:
        """Link to a youth network once, or unlink a linked one with a reason."""
        network_id = data.draw(known_or(self.trajectory.networks, NETWORK_IDS))
        linked_on = self.trajectory.networks.get(network_id)
        if link:
            command = partial(self.trajectory.link_network, network_id=network_id, linked_on=on)
            if self.attempt_on_trajectory(command, happened=(on,)):
                assert linked_on is None
            return
        command = partial(
            self.trajectory.unlink_network, network_id=network_id, unlinked_on=on, why=why
        )
        if self.attempt_on_trajectory(command, happened=(on,)):
            assert linked_on is not None
            assert on >= linked_on

    # --- escalate, de-escalate, close ------------------------------------------------------------

    @rule(on=DAYS, to=ESCALATION_TARGETS, why=TEXTS)
    def escalate(self, on: date, to: str, why: str) -> None:
        """Hand over to the ZVH or TopX: only from intake, actief, bijstelling or afgeschaald."""
        command = partial(self.trajectory.escalate, CATALOGUE, escalated_on=on, target=to, why=why)
        if self.attempt_on_trajectory(
            command, happened=(on,), allowed_from=ESCALATE_FROM, leads_to=S.OPGESCHAALD
        ):
            assert self.trajectory.escalated_to == to

    @rule(on=DAYS, why=TEXTS)
    def de_escalate(self, on: date, why: str) -> None:
        """Scale down: only from actief, bijstelling or opgeschaald."""
        command = partial(self.trajectory.de_escalate, de_escalated_on=on, why=why)
        if self.attempt_on_trajectory(
            command, happened=(on,), allowed_from=DE_ESCALATE_FROM, leads_to=S.AFGESCHAALD
        ):
            assert self.trajectory.escalated_to is None

    @precondition(lambda self: self.trajectory.version >= LATE)
    @rule(on=DAYS, reason_code=CLOSING_REASONS, handover_to=OPTIONAL_TEXTS)
    def close(self, on: date, reason_code: str, handover_to: str | None) -> None:
        """Close an open trajectory; handover reasons need a warm handover."""
        command = partial(
            self.trajectory.close,
            CATALOGUE,
            closed_on=on,
            reason_code=reason_code,
            handover_to=handover_to,
        )
        if self.attempt_on_trajectory(command, happened=(on,), leads_to=S.AFGESLOTEN):
            assert on >= self.trajectory.referred_on
            needs_handover = CATALOGUE.closing_reasons[reason_code].needs_handover
            assert not needs_handover or (handover_to is not None and handover_to.strip())

    # --- rights requests -------------------------------------------------------------------------

    @rule(data=st.data(), what=TEXTS, correction=TEXTS, why=TEXTS)
    def record_correction(self, data: st.DataObject, what: str, correction: str, why: str) -> None:
        """Record a correction of an existing version (also when closed)."""
        version = self.trajectory.version
        corrects_version = data.draw(st.integers(-1, version + 2))
        command = partial(
            self.trajectory.record_correction,
            corrects_version=corrects_version,
            what_was_wrong=what,
            correction=correction,
            why=why,
        )
        if self.attempt_on_trajectory(command, rights=True):
            assert 1 <= corrects_version <= version

    @precondition(lambda self: self.trajectory.is_closed or self.trajectory.version >= 2 * LATE)
    @rule(erased_on=DAYS, basis=st.sampled_from(ERASURE_BASES), why=TEXTS)
    def erase_subject(self, erased_on: date, basis: str, why: str) -> None:
        """Erase the youth's personal data (also when closed), once."""
        command = partial(self.trajectory.erase_subject, erased_on=erased_on, basis=basis, why=why)
        if self.attempt_on_trajectory(command, happened=(erased_on,), rights=True):
            assert self.trajectory.erased

    # --- the way forward, so that later statuses are reached often ------------------------------

    @rule(alternative=st.booleans())
    def take_the_next_step(self, *, alternative: bool) -> None:
        """Give the plausible next command for the status: accepted unless closed or erased."""
        trajectory = self.trajectory
        plan = trajectory.plan
        # The day to record: today, unless the intake or the plan was (legitimately) tomorrow.
        recorded = [trajectory.intake_on, None if plan is None else plan.adopted_on]
        day = max([TODAY, *(known for known in recorded if known is not None)])
        goals = (
            PlanGoal(
                goal_id=UUID(int=0x4000),
                life_domain="school",
                description="dagelijks naar school",
                responsible_organisation=trajectory.regisseur.organisation,
                due_on=day + timedelta(days=30),
            ),
        )
        forward: dict[TrajectoryStatus, tuple[partial[None], TrajectoryStatus]] = {
            S.AANGEMELD: (
                partial(
                    trajectory.hold_intake,
                    held_on=day,
                    attendees=("jongere",),
                    trusted_person=None,
                ),
                S.INTAKE,
            ),
            S.INTAKE: (
                partial(
                    trajectory.adopt_plan, CATALOGUE, adopted_on=day, goals=goals, agreements=None
                ),
                S.ACTIEF,
            ),
            S.ACTIEF: (
                partial(trajectory.start_revision, started_on=day, why="nieuw politiecontact"),
                S.BIJSTELLING,
            ),
            S.BIJSTELLING: (
                partial(
                    trajectory.revise_plan,
                    CATALOGUE,
                    adopted_on=day,
                    goals=goals,
                    agreements="elke week",
                ),
                S.ACTIEF,
            ),
            S.OPGESCHAALD: (
                partial(trajectory.de_escalate, de_escalated_on=day, why="ZVH-overleg afgerond"),
                S.AFGESCHAALD,
            ),
            S.AFGESCHAALD: (
                partial(
                    trajectory.close,
                    CATALOGUE,
                    closed_on=day,
                    reason_code="doelen_behaald",
                    handover_to=None,
                ),
                S.AFGESLOTEN,
            ),
        }
        sideways: dict[TrajectoryStatus, tuple[partial[None], TrajectoryStatus]] = {
            S.INTAKE: (
                partial(
                    trajectory.escalate, CATALOGUE, escalated_on=day, target="zvh", why="geweld"
                ),
                S.OPGESCHAALD,
            ),
            S.ACTIEF: (
                partial(trajectory.de_escalate, de_escalated_on=day, why="doelen in zicht"),
                S.AFGESCHAALD,
            ),
        }
        status, closed, erased = trajectory.status, trajectory.is_closed, trajectory.erased
        if closed:
            command = partial(trajectory.make_care_report, made_on=day, summary="zorgen thuis")
            leads_to = status
        else:
            command, leads_to = (sideways if alternative and status in sideways else forward)[
                status
            ]
        accepted = self.attempt_on_trajectory(command, happened=(day,), leads_to=leads_to)
        assert accepted == (not closed and not erased)

    @rule()
    def move_an_intervention_on(self) -> None:
        """Involve an owner, plan, start or complete: accepted unless closed or erased."""
        trajectory = self.trajectory
        unfinished = [
            item
            for item in trajectory.interventions.values()
            if item.state in {InterventionState.PLANNED, InterventionState.STARTED}
        ]
        owners = [
            (organisation, kind)
            for organisation, involvement in sorted(trajectory.partners.items())
            for kind in AGELESS_KINDS
            if CATALOGUE.interventions[kind].owner == involvement.role
        ]
        planned: tuple[UUID, str, PartnerRole] | None = None
        if unfinished and unfinished[0].state == InterventionState.PLANNED:
            command = partial(
                trajectory.start_intervention,
                intervention_id=unfinished[0].intervention_id,
                started_on=TODAY,
            )
        elif unfinished:
            command = partial(
                trajectory.complete_intervention,
                intervention_id=unfinished[0].intervention_id,
                completed_on=max(TODAY, unfinished[0].started_on or TODAY),
                outcome="afspraken nagekomen",
            )
        elif owners:
            organisation, kind = owners[0]
            planned = (
                UUID(int=0x1100 + len(trajectory.interventions)),
                organisation,
                trajectory.partners[organisation].role,
            )
            command = partial(
                trajectory.plan_intervention,
                CATALOGUE,
                intervention_id=planned[0],
                kind=kind,
                responsible_organisation=organisation,
                legal_basis="jeugdwet",
                planned_start=TODAY,
                planned_end=TODAY + timedelta(days=60),
            )
        else:
            organisation = next(
                name
                for name in (f"zorgaanbieder-{number}" for number in count(1))
                if name not in trajectory.partners
            )
            command = partial(
                trajectory.involve_partner,
                CATALOGUE,
                organisation=organisation,
                role=PartnerRole.ZORG,  # owns FFT, among others
                legal_basis="convenant_pga",
                since=TODAY,
            )
        expected = not trajectory.is_closed and not trajectory.erased
        assert self.attempt_on_trajectory(command) == expected
        if expected and planned is not None:
            self.planned_by[planned[0]] = planned[1:]

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def there_is_exactly_one_regisseur(self) -> None:
        """One regisseur at a time: the one last assigned."""
        assert type(self.trajectory.regisseur) is Regisseur
        assert self.trajectory.regisseur == self.regisseur

    @invariant()
    def the_status_is_a_status_and_closing_is_dated(self) -> None:
        """Check the status is a TrajectoryStatus and a closed trajectory has its closing date."""
        trajectory = self.trajectory
        assert type(trajectory.status) is TrajectoryStatus
        assert trajectory.is_closed == (trajectory.status in CLOSED_STATUSES)
        if trajectory.is_closed:
            assert trajectory.closed_on is not None
            assert trajectory.closed_on >= trajectory.referred_on

    @invariant()
    def partners_are_case_roles_under_their_own_name(self) -> None:
        """Partners are involved in case roles (never regisseur, auditor or beheerder)."""
        for organisation, involvement in self.trajectory.partners.items():
            assert involvement.organisation == organisation
            assert involvement.role not in NON_CASE_ROLES
            assert involvement.role != PartnerRole.REGISSEUR
            assert involvement.since <= LATEST_RECORDABLE

    @invariant()
    def interventions_states_agree_with_their_dates(self) -> None:
        """Check started ones have a start date, ended ones an end date not before the start."""
        for intervention_id, item in self.trajectory.interventions.items():
            assert item.intervention_id == intervention_id
            assert item.planned_end >= item.planned_start
            started, ended = item.started_on, item.ended_on
            if item.state == InterventionState.PLANNED:
                assert started is None
                assert ended is None
            elif item.state == InterventionState.STARTED:
                assert started is not None
                assert ended is None
            elif item.state == InterventionState.COMPLETED:
                assert started is not None
                assert ended is not None
                assert ended >= started
            else:
                assert item.state == InterventionState.ABORTED
                assert ended is not None
                assert started is None or ended >= started

    @invariant()
    def interventions_are_owned_by_a_partner_in_the_owning_role(self) -> None:
        """Each intervention was planned for a partner involved in the kind's owning role."""
        for intervention_id, item in self.trajectory.interventions.items():
            organisation, role = self.planned_by[intervention_id]
            assert item.responsible_organisation == organisation
            assert role == CATALOGUE.interventions[item.kind].owner
        assert self.trajectory.interventions.keys() == self.planned_by.keys()

    @invariant()
    def mayor_orders_last_at_most_three_months_three_times(self) -> None:
        """Orders were extended at most three times, each time by at most three months."""
        orders = self.trajectory.mayor_orders
        assert orders.keys() == self.extensions.keys()
        for order_id, order in orders.items():
            assert 0 <= order.extensions <= MAX_ORDER_EXTENSIONS
            assert order.extensions == self.extensions[order_id]
            assert order.ends_on > order.starts_on
            assert (order.ends_on - order.starts_on).days <= 92 * (order.extensions + 1)

    @invariant()
    def erasure_leaves_no_personal_data(self) -> None:
        """After the erasure no name, date of birth, police reference or goal remains."""
        trajectory = self.trajectory
        if trajectory.erased:
            assert trajectory.given_name is None
            assert trajectory.family_name is None
            assert trajectory.born_on is None
            assert trajectory.police_reference is None
            assert trajectory.bsn is None
            assert trajectory.plan is None or trajectory.plan.goals == ()


def test_trajectory_rules_hold_under_random_command_sequences() -> None:
    run_state_machine_as_test(
        TrajectoryMachine,
        settings=settings(max_examples=200, stateful_step_count=40, deadline=None),
    )


@given(
    offence=st.sampled_from(sorted(CATALOGUE.included_offences)) | OFFENCES,
    age_in_days=st.integers(0, 19 * 365) | st.integers(0, 40),  # (also: born after the offence)
    referred_on=DAYS,
    suspected_days_before=st.integers(-5, 30),
    given_name=TEXTS,
    organisation=st.just("politie-almere") | ORGANISATION_NAMES,
    user=st.just("r.devries") | USERS,
)
@settings(max_examples=300, deadline=None)
def test_a_referral_is_accepted_only_for_a_minor_suspected_of_an_included_offence(
    offence: str,
    age_in_days: int,
    referred_on: date,
    suspected_days_before: int,
    given_name: str,
    organisation: str,
    user: str,
) -> None:
    born_on = referred_on - timedelta(days=age_in_days)
    suspected_on = referred_on - timedelta(days=suspected_days_before)
    try:
        with TickingClock().recording():
            trajectory = Trajectory.refer(
                CATALOGUE,
                trajectory_id=UUID(int=3),
                subject_id=UUID(int=4),
                given_name=given_name,
                family_name="Verzonnen",
                born_on=born_on,
                offence_category=offence,
                suspected_on=suspected_on,
                referred_on=referred_on,
                police_reference="PL0900-2024-000456",
                referring_organisation=organisation,
                regisseur=Regisseur(user, REGISSEUR_ORGANISATION),
            )
    except DomainError as refusal:
        event(f"refer: refused ({type(refusal).__name__})")
        return
    event("refer: accepted")
    assert offence in CATALOGUE.included_offences
    assert age_on(born_on, referred_on) < 18
    assert suspected_on <= referred_on <= LATEST_RECORDABLE
    assert born_on <= suspected_on, "referred for an offence suspected before birth"
    assert trajectory.status == S.AANGEMELD
    assert trajectory.given_name == given_name.strip()
    created = trajectory.collect_events()
    assert len(created) == 1
    assert trajectory.version == 1
    assert_same_aggregate(rebuild(created), trajectory)
