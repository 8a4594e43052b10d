"""Simulated PGA 18min trajectories: referral to closing, as the partners would record them.

One main process per trajectory follows the Almere workflow (referral, police home visit, the
partners who already know the youth, intake, life-domain scores, plan, case conferences every
four to eight weeks, revisions, escalation, de-escalation, closing or the hand-over at 18). It
spawns side processes for what happens in parallel: each intervention, police contacts, school
signals, JIT steps, a mayor's order with its extensions, a care report, a correction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Literal

from pga.demo import texts
from pga.demo.partners import (
    ATTENDANCE,
    CHILD_ABUSE_HOTLINE,
    CHILD_PROTECTION,
    FACT,
    HALT,
    LEGAL_BASIS,
    MUNICIPALITY,
    POLICE,
    PROSECUTOR,
    REGISSEUR_ORGANISATION,
    SCHOOLS,
    SOCIAL_TEAM,
    YOUTH_MENTAL_HEALTH,
    YOUTH_PROBATION,
    YOUTH_WARDENS,
    YOUTH_WORK,
    partner,
)
from pga.demo.simulation import Handle, Process, Simulation, actor
from pga.domain.catalogue import PartnerRole
from pga.domain.common import add_months, age_on
from pga.domain.trajectory import InterventionState, PlanGoal, Regisseur, TrajectoryStatus

if TYPE_CHECKING:
    from uuid import UUID

    from pga.recording import Actor

R = PartnerRole
S = TrajectoryStatus
ADULT_AGE = 18
_MAX_UNPROMPTED_REVISIONS = 2  # revisions without a cause; an arrest always leads to one
_MONTHS_TO_ADULTHOOD = 12 * ADULT_AGE

#: Age at referral: mostly 14 to 17, increasingly also 12 and 13.
AGES_AT_REFERRAL = {12: 3, 13: 7, 14: 15, 15: 25, 16: 27, 17: 23}
#: Included offence categories, straatroof the most common.
REFERRAL_OFFENCES = {
    "straatroof": 55,
    "gewapende_straatroof": 20,
    "overval": 15,
    "gewapende_overval": 10,
}
#: Offences of later arrests and police contacts.
LATER_OFFENCES = {
    "straatroof": 20,
    "diefstal": 20,
    "openlijke_geweldpleging": 12,
    "vernieling": 12,
    "bedreiging": 10,
    "wapenbezit": 8,
    "heling": 8,
    "drugshandel": 6,
    "afpersing": 4,
}
_SIGNALS_FROM_SCHOOL = {"verzuim": 45, "schorsing": 10, "leerplichtmelding": 12, "verwijdering": 3}
_SIGNALS_FROM_ATTENDANCE = {"verzuim": 10, "thuiszitter": 6}
_LIGHT_OFFENCES = frozenset({"diefstal", "vernieling", "bedreiging", "heling"})
_ARMED_OFFENCES = frozenset({"gewapende_straatroof", "gewapende_overval"})

#: Planned duration in days per intervention type (capped by the catalogue's maximum).
DURATIONS = {
    "halt": (30, 120),
    "jeugdreclassering": (180, 365),
    "schorsing_voorlopige_hechtenis": (90, 180),
    "harde_kern_aanpak": (270, 365),
    "mst": (90, 150),
    "mdft": (150, 240),
    "fft": (90, 180),
    "fact_jeugd": (200, 330),
    "ots": (300, 365),
    "leerplichttraject": (60, 180),
    "schooltraject": (90, 200),
    "jongerenwerk_activiteit": (60, 240),
    "bestuurlijke_waarschuwing": (1, 7),
}
_CARE = {"mst": 35, "mdft": 25, "fact_jeugd": 25, "fft": 15}
_SUPERVISION = {
    "jeugdreclassering": 70,
    "schorsing_voorlopige_hechtenis": 25,
    "harde_kern_aanpak": 5,
}

#: Life domains a plan draws goals from: how often, and the partner roles that usually own them
#: (the first one involved does; otherwise the regisseur's GGD).
GOAL_DOMAINS: dict[str, tuple[int, tuple[PartnerRole, ...]]] = {
    "gezin": (8, (R.WIJKTEAM, R.ZORG)),
    "school": (8, (R.SCHOOL, R.LEERPLICHT)),
    "justitie": (6, (R.JEUGDRECLASSERING, R.POLITIE)),
    "dagbesteding": (6, (R.JONGERENWERK,)),
    "netwerk": (5, (R.JONGERENWERK, R.JEUGDBOA)),
    "veiligheid": (4, (R.POLITIE,)),
    "psychische_gezondheid": (3, (R.ZORG,)),
    "middelengebruik": (3, (R.ZORG,)),
    "talent": (3, (R.JONGERENWERK, R.SCHOOL)),
    "financien": (2, (R.WIJKTEAM,)),
    "huisvesting": (1, (R.WIJKTEAM,)),
    "lichamelijke_gezondheid": (1, ()),
}


@dataclass(frozen=True)
class Profile:
    """What the scenario decided up front about one trajectory (the rest happens by chance)."""

    referred_on: date  # a Saturday or Sunday: the police's referral is recorded on Monday
    age: int
    boy: bool
    offence: str
    declined: Literal["referral", "intake"] | None = None
    supervision: bool = False
    halt: bool = False
    care: bool = False
    ots: bool = False
    care_report: bool = False
    mayor_order: bool = False
    escalation: bool = False
    correction: bool = False


@dataclass
class Item:
    """The simulation's view of one intervention."""

    intervention_id: UUID
    kind: str
    organisation: str
    planned_start: date
    planned_end: date
    state: InterventionState = InterventionState.PLANNED

    def is_open(self) -> bool:
        """Return whether the intervention is planned or started."""
        return self.state in {InterventionState.PLANNED, InterventionState.STARTED}


@dataclass
class Case(Handle):
    """The simulation's view of one trajectory: what it needs to choose plausible next steps."""

    profile: Profile
    given_name: str
    family_name: str
    born_on: date
    regisseur: Regisseur
    status: TrajectoryStatus = S.AANGEMELD
    partners: dict[str, PartnerRole] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    goals: tuple[PlanGoal, ...] = ()
    scores: dict[str, int] = field(default_factory=dict)
    instrument: str = "pga_monitor"
    home_visit_version: int | None = None
    revision_wanted: str | None = None
    revisions: int = 0
    escalated: bool = False

    def is_open(self) -> bool:
        """Return whether the trajectory is open (it is not closed or declined).

        A method, not a property: it changes while a process waits, and type checkers would
        otherwise keep what they once narrowed it to.
        """
        return not self.status.is_closed

    def age_on(self, day: date) -> int:
        """Return the youth's age on ``day``."""
        return age_on(self.born_on, day)

    def organisation_in(self, role: PartnerRole) -> str | None:
        """Return the involved organisation in ``role``, if any."""
        return next((org for org, its_role in self.partners.items() if its_role == role), None)


class Trajectories:
    """Records trajectories through the application, one main process per youth."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.app = sim.app
        self.cases: list[Case] = []

    # --- actors ---

    def regisseur(self, case: Case) -> Actor:
        """Return the case's regisseur as the actor."""
        return actor(case.regisseur.user_id, case.regisseur.organisation, R.REGISSEUR)

    def member_of(self, case: Case, organisation: str, role: PartnerRole | None = None) -> Actor:
        """Return the user of ``organisation`` who works on ``case`` (the same one each time)."""
        user = case.users.get(organisation)
        if user is None:
            user = case.users[organisation] = self.sim.pick(partner(organisation).users)
        role = role or case.partners.get(organisation) or partner(organisation).roles[0]
        return actor(user, organisation, role)

    def _fits(self, kind: str, age: int) -> bool:
        """Whether a youth of ``age`` (or one year older, by the planned start) may have it."""
        entry = self.app.catalogue.interventions[kind]
        return (entry.min_age is None or age >= entry.min_age) and (
            entry.max_age is None or age + 1 <= entry.max_age
        )

    # --- the main process ---

    def process(self, profile: Profile) -> Process:
        """Follow one youth from the police's referral to the end of the trajectory."""
        sim = self.sim
        case = self._refer(profile)
        self.cases.append(case)
        self._involve(case, POLICE)
        # Informatieplicht: most letters go out within two weeks; a few stay overdue.
        if sim.chance(0.85):
            sim.at(sim.later(2, 14), partial(self._information_letter, case))
        if profile.care_report:
            sim.at(sim.later(3, 20), partial(self._care_report, case))
        if profile.correction:
            sim.at(sim.later(30, 240), partial(self._correction, case))
        yield sim.later(1, 6)
        case.home_visit_version = sim.change(
            case,
            self.member_of(case, POLICE),
            partial(
                self.app.record_police_home_visit,
                visited_on=sim.today,
                youth_informed=sim.chance(0.95),
                parents_informed=sim.chance(0.9),
            ),
        ).version
        yield sim.later(1, 5)
        self._involve_known_partners(case)
        sim.spawn(self._police_contacts(case), sim.later(20, 90))
        if case.organisation_in(R.SCHOOL) or case.organisation_in(R.LEERPLICHT):
            sim.spawn(self._school_signals(case), sim.later(7, 30))
        if case.organisation_in(R.JEUGDBOA):
            sim.spawn(self._jit_steps(case), sim.later(7, 40))
        if profile.declined == "referral":
            yield sim.later(5, 20)
            self._decline(case, texts.DECLINED_AT_REFERRAL)
            return
        yield sim.later(5, 20)
        self._intake(case)
        if profile.declined == "intake":
            yield sim.later(3, 14)
            self._decline(case, texts.DECLINED_AFTER_INTAKE)
            return
        yield sim.later(7, 21)
        self._adopt_plan(case)
        yield from self._follow_up(case)

    def _refer(self, profile: Profile) -> Case:
        sim = self.sim
        born_on = add_months(sim.today, -12 * profile.age) - timedelta(days=sim.between(0, 364))
        given_name = texts.given_name(sim.rng, boy=profile.boy)
        family_name = texts.surname(sim.rng)
        regisseur = Regisseur(
            sim.pick(partner(REGISSEUR_ORGANISATION).users), REGISSEUR_ORGANISATION
        )
        police_user = sim.pick(partner(POLICE).users)
        handle = sim.create(
            actor(police_user, POLICE, R.POLITIE),
            partial(
                self.app.refer,
                given_name=given_name,
                family_name=family_name,
                born_on=born_on,
                offence_category=profile.offence,
                suspected_on=sim.earlier(0, 14),
                referred_on=sim.today,
                police_reference=self._police_reference(),
                referring_organisation=POLICE,
                regisseur=regisseur,
            ),
        )
        return Case(
            handle.aggregate_id,
            handle.version,
            profile=profile,
            given_name=given_name,
            family_name=family_name,
            born_on=born_on,
            regisseur=regisseur,
            users={POLICE: police_user},
            instrument=sim.pick_weighted({"pga_monitor": 7, "zrm": 2, "eigen_inschatting": 1}),
        )

    def _police_reference(self) -> str:
        return f"PL-{self.sim.today.year}-{self.sim.between(1, 99_999):06d}"

    def _involve(self, case: Case, organisation: str, role: PartnerRole | None = None) -> None:
        """Involve ``organisation`` (unless it already is) before it owns goals or interventions."""
        if organisation in case.partners:
            return
        role = role or partner(organisation).roles[0]
        self.sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.involve_partner,
                organisation=organisation,
                role=role,
                legal_basis=LEGAL_BASIS[role],
                since=self.sim.today,
            ),
        )
        case.partners[organisation] = role

    def _withdraw(self, case: Case, organisation: str, why: str) -> None:
        self.sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.withdraw_partner,
                organisation=organisation,
                withdrawn_on=self.sim.today,
                why=why,
            ),
        )
        del case.partners[organisation]

    def _involve_known_partners(self, case: Case) -> None:
        """Invite the organisations that already know the youth (school, leerplicht, ...)."""
        sim = self.sim
        if sim.chance(0.9):
            self._involve(case, sim.pick(SCHOOLS))
        if sim.chance(0.7):
            self._involve(case, ATTENDANCE)
        if sim.chance(0.6):
            self._involve(case, YOUTH_WORK)
        if sim.chance(0.35):
            self._involve(case, SOCIAL_TEAM)
        if sim.chance(0.35):
            self._involve(case, YOUTH_WARDENS)

    def _decline(self, case: Case, reasons: tuple[str, ...]) -> None:
        self.sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.decline_inclusion, declined_on=self.sim.today, why=self.sim.pick(reasons)
            ),
        )
        case.status = S.NIET_OPGENOMEN

    def _intake(self, case: Case) -> None:
        sim = self.sim
        attendees = ("jongere", *sim.rng.sample(texts.INTAKE_ATTENDEES, sim.between(1, 4)))
        sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.hold_intake,
                held_on=sim.today,
                attendees=attendees,
                trusted_person=sim.pick(texts.TRUSTED_PERSONS) if sim.chance(0.6) else None,
            ),
        )
        case.status = S.INTAKE
        domains = sim.rng.sample(list(texts.GOALS), sim.between(4, 7))
        for domain in domains:
            self._score(case, domain, sim.pick_weighted({1: 15, 2: 35, 3: 35, 4: 15}))

    def _score(self, case: Case, domain: str, score: int) -> None:
        self.sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.score_life_domain,
                life_domain=domain,
                score=score,
                instrument=case.instrument,
                scored_on=self.sim.today,
            ),
        )
        case.scores[domain] = score

    # --- the plan and its interventions ---

    def _adopt_plan(self, case: Case) -> None:
        """Involve the partners the plan needs, adopt it, and plan its interventions."""
        sim = self.sim
        kinds = self._intervention_kinds(case)
        if case.profile.supervision:
            self._involve(case, PROSECUTOR)  # the OM (or the court) imposes the supervision
        for kind in kinds:
            if kind in OWNERS:
                self._involve(case, OWNERS[kind], self._owner_role(kind))
        case.goals = self._goals(case, keep=())
        sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.adopt_plan,
                adopted_on=sim.today,
                goals=case.goals,
                agreements=" ".join(sim.rng.sample(texts.AGREEMENTS, sim.between(1, 3))),
            ),
        )
        case.status = S.ACTIEF
        for kind in kinds:
            self._plan_intervention(case, kind)
        if case.profile.mayor_order:
            sim.spawn(self._mayor_order(case), sim.later(30, 120))

    def _owner_role(self, kind: str) -> PartnerRole:
        return self.app.catalogue.interventions[kind].owner

    def _intervention_kinds(self, case: Case) -> list[str]:
        """Choose interventions that fit the profile, the involved partners and the age."""
        sim, profile = self.sim, case.profile
        age = case.age_on(sim.today)
        kinds = []
        if profile.supervision:
            kinds.append(sim.pick_weighted(_SUPERVISION))
        if profile.halt and self._fits("halt", age):
            kinds.append("halt")
        if profile.care:
            care = {kind: weight for kind, weight in _CARE.items() if self._fits(kind, age)}
            kinds.append(sim.pick_weighted(care))
        if profile.ots:
            kinds.append("ots")
        if profile.offence in _ARMED_OFFENCES and sim.chance(0.4):
            kinds.append("bestuurlijke_waarschuwing")
        for organisation, kind, probability in (
            (case.organisation_in(R.LEERPLICHT), "leerplichttraject", 0.4),
            (case.organisation_in(R.SCHOOL), "schooltraject", 0.35),
            (case.organisation_in(R.JONGERENWERK), "jongerenwerk_activiteit", 0.6),
        ):
            if organisation is not None and sim.chance(probability):
                kinds.append(kind)
        return kinds

    def _plan_intervention(self, case: Case, kind: str) -> None:
        sim = self.sim
        organisation = OWNERS.get(kind) or case.organisation_in(self._owner_role(kind))
        if organisation is None:
            msg = f"no involved organisation carries out '{kind}'"
            raise RuntimeError(msg)
        start = sim.later(0, 21)
        low, high = DURATIONS[kind]
        limit = self.app.catalogue.interventions[kind].max_days
        end = start + timedelta(days=min(sim.between(low, high), limit or high))
        intervention_id = sim.add(
            case,
            self.regisseur(case),
            partial(
                self.app.plan_intervention,
                kind=kind,
                responsible_organisation=organisation,
                legal_basis=LEGAL_BASIS[case.partners[organisation]],
                planned_start=start,
                planned_end=end,
            ),
        )
        item = Item(intervention_id, kind, organisation, start, end)
        case.items.append(item)
        fate = sim.pick_weighted({"completed": 83, "aborted": 12, "cancelled": 5})
        sim.spawn(self._intervention(case, item, fate), start)

    def _intervention(self, case: Case, item: Item, fate: str) -> Process:
        """Start an intervention on its planned day, then complete or abort it."""
        sim = self.sim
        if not (case.is_open() and item.is_open()):
            return
        if fate == "cancelled":
            self._end_intervention(case, item, sim.pick(texts.CANCEL_REASONS), by_owner=False)
            return
        sim.change(
            case,
            self.member_of(case, item.organisation),
            partial(
                self.app.start_intervention,
                intervention_id=item.intervention_id,
                started_on=sim.today,
            ),
        )
        item.state = InterventionState.STARTED
        duration = (item.planned_end - item.planned_start).days
        if fate == "aborted":
            yield sim.later(1, max(1, duration * 2 // 3))
            if case.is_open() and item.is_open():
                self._end_intervention(case, item, sim.pick(texts.ABORT_REASONS), by_owner=True)
            return
        yield max(sim.today, item.planned_end + timedelta(days=sim.between(-7, 14)))
        if not (case.is_open() and item.is_open()):
            return
        self._complete_intervention(case, item)
        if item.kind == "halt" and sim.chance(0.6):
            self._withdraw(case, item.organisation, texts.HALT_DONE)

    def _complete_intervention(self, case: Case, item: Item) -> None:
        self.sim.change(
            case,
            self.member_of(case, item.organisation),
            partial(
                self.app.complete_intervention,
                intervention_id=item.intervention_id,
                completed_on=self.sim.today,
                outcome=self.sim.pick(texts.OUTCOMES),
            ),
        )
        item.state = InterventionState.COMPLETED

    def _end_intervention(self, case: Case, item: Item, why: str, *, by_owner: bool) -> None:
        """Abort a started intervention (its owner does) or cancel a planned one (the regisseur)."""
        who = self.member_of(case, item.organisation) if by_owner else self.regisseur(case)
        self.sim.change(
            case,
            who,
            partial(
                self.app.abort_intervention,
                intervention_id=item.intervention_id,
                aborted_on=self.sim.today,
                why=why,
            ),
        )
        item.state = InterventionState.ABORTED

    def _goals(self, case: Case, keep: tuple[PlanGoal, ...]) -> tuple[PlanGoal, ...]:
        """Return 2 to 5 goals, each owned by an involved partner (or the regisseur's GGD)."""
        sim = self.sim
        owners = {*case.partners, case.regisseur.organisation}
        goals = [
            replace(goal, due_on=max(goal.due_on, sim.later(60, 180)))
            for goal in keep
            if goal.responsible_organisation in owners and sim.chance(0.6)
        ]
        covered = {goal.life_domain for goal in goals}
        weights = {
            domain: weight for domain, (weight, _) in GOAL_DOMAINS.items() if domain not in covered
        }
        for _ in range(max(1, sim.between(2, 5) - len(goals))):
            domain = sim.pick_weighted(weights)
            del weights[domain]
            owner = next(
                (org for role in GOAL_DOMAINS[domain][1] if (org := case.organisation_in(role))),
                case.regisseur.organisation,
            )
            goals.append(
                PlanGoal(
                    goal_id=sim.new_id(),
                    life_domain=domain,
                    description=sim.pick(texts.GOALS[domain]),
                    responsible_organisation=owner,
                    due_on=sim.later(90, 270),
                )
            )
        return tuple(goals)

    # --- monitoring: case conferences until the end ---

    def _follow_up(self, case: Case) -> Process:
        """Hold case conferences every 4 to 8 weeks and act on them, until the trajectory ends."""
        sim = self.sim
        adult_on = add_months(case.born_on, _MONTHS_TO_ADULTHOOD)
        case_state = _FollowUp(
            active_until=sim.later(150, 330),
            handover_on=max(adult_on + timedelta(days=sim.between(0, 75)), sim.later(14, 28)),
            escalate_from=sim.later(90, 180),
        )
        conference_on = sim.later(28, 56)
        while case.is_open():
            yield max(sim.today, min(conference_on, case_state.handover_on))
            if sim.today >= case_state.handover_on:
                self._close(case, "overdracht_18_plus", sim.pick(texts.HANDOVER_ADULT))
                return
            conference_on = sim.later(28, 56)
            self._conference(case, conference_on)
            yield from self._decide(case, case_state)

    def _conference(self, case: Case, next_on: date) -> None:
        sim = self.sim
        others = sim.rng.sample(sorted(case.partners), min(len(case.partners), sim.between(2, 5)))
        sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.hold_case_conference,
                held_on=sim.today,
                participants=(case.regisseur.organisation, *others),
                decisions=sim.pick(texts.CONFERENCE_DECISIONS),
                next_on=next_on,
            ),
        )
        if case.scores and sim.chance(0.3):
            for domain in sim.rng.sample(sorted(case.scores), min(3, len(case.scores))):
                change = sim.pick_weighted({-1: 2, 0: 4, 1: 4})
                self._score(case, domain, min(5, max(1, case.scores[domain] + change)))
        if sim.chance(0.03):
            self._assign_another_regisseur(case)

    def _assign_another_regisseur(self, case: Case) -> None:
        users = [u for u in partner(REGISSEUR_ORGANISATION).users if u != case.regisseur.user_id]
        regisseur = Regisseur(self.sim.pick(users), REGISSEUR_ORGANISATION)
        new = actor(regisseur.user_id, regisseur.organisation, R.REGISSEUR)
        self.sim.change(case, new, partial(self.app.assign_regisseur, regisseur=regisseur))
        case.regisseur = regisseur

    def _decide(self, case: Case, state: _FollowUp) -> Process:
        """Act on a case conference: revise, escalate, de-escalate or close."""
        if case.status == S.OPGESCHAALD:
            self._after_escalation(case, state)
        elif case.status == S.AFGESCHAALD:
            self._while_monitoring(case, state)
        else:
            yield from self._while_active(case, state)

    def _after_escalation(self, case: Case, state: _FollowUp) -> None:
        """Take the case back from the ZVH or TopX once their part is done."""
        if self.sim.today >= state.escalated_until:
            self._de_escalate(case, texts.DE_ESCALATION_AFTER_ZVH, state)
            state.resume = self.sim.chance(0.5)

    def _while_monitoring(self, case: Case, state: _FollowUp) -> None:
        """Resume the plan after an escalation, or close once monitoring has lasted long enough."""
        sim = self.sim
        if state.resume:
            self._revise(case, texts.RESUMED_AFTER_ESCALATION)
            state.resume = False
            state.active_until = sim.later(60, 150)
        elif sim.today >= state.close_after:
            reason = sim.pick_weighted({"doelen_behaald": 70, "overdracht_zorg": 20, "overig": 10})
            handover = sim.pick(texts.HANDOVER_CARE) if reason == "overdracht_zorg" else None
            self._close(case, reason, handover)

    def _while_active(self, case: Case, state: _FollowUp) -> Process:
        """Close early now and then, escalate, de-escalate when it is time, or revise the plan."""
        sim = self.sim
        if sim.chance(0.025):
            if sim.chance(0.6):
                self._close(case, "geen_medewerking", None)
            else:
                self._close(case, "verhuisd", sim.pick(texts.HANDOVER_MOVED))
        elif case.profile.escalation and not case.escalated and sim.today >= state.escalate_from:
            self._escalate(case, state)
        elif sim.today >= state.active_until:
            self._de_escalate(case, sim.pick(texts.DE_ESCALATION_REASONS), state)
        elif case.revision_wanted or (
            case.revisions < _MAX_UNPROMPTED_REVISIONS and sim.chance(0.1)
        ):
            sim.change(
                case,
                self.regisseur(case),
                partial(
                    self.app.start_revision,
                    started_on=sim.today,
                    why=case.revision_wanted or sim.pick(texts.REVISION_REASONS),
                ),
            )
            case.status = S.BIJSTELLING
            yield sim.later(5, 14)
            if case.is_open():
                self._revise(case, None)

    def _revise(self, case: Case, extra_agreement: str | None) -> None:
        sim = self.sim
        case.goals = self._goals(case, keep=case.goals)
        sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.revise_plan,
                adopted_on=sim.today,
                goals=case.goals,
                agreements=extra_agreement or sim.pick(texts.AGREEMENTS),
            ),
        )
        case.status = S.ACTIEF
        case.revisions += 1
        case.revision_wanted = None
        if case.organisation_in(R.JONGERENWERK) and sim.chance(0.3):
            self._plan_intervention(case, "jongerenwerk_activiteit")

    def _escalate(self, case: Case, state: _FollowUp) -> None:
        sim = self.sim
        target = sim.pick_weighted({"zvh": 7, "topx": 3})
        sim.change(
            case,
            self.regisseur(case),
            partial(
                self.app.escalate,
                escalated_on=sim.today,
                target=target,
                why=texts.ESCALATION_REASONS[target],
            ),
        )
        case.status = S.OPGESCHAALD
        case.escalated = True
        state.escalated_until = sim.later(60, 150)

    def _de_escalate(self, case: Case, why: str, state: _FollowUp) -> None:
        sim = self.sim
        sim.change(
            case,
            self.regisseur(case),
            partial(self.app.de_escalate, de_escalated_on=sim.today, why=why),
        )
        case.status = S.AFGESCHAALD
        state.close_after = sim.later(30, 90)

    def _close(self, case: Case, reason_code: str, handover_to: str | None) -> None:
        """End what is still running, then close (at 18: the hand-over to the adult approach)."""
        sim = self.sim
        for item in case.items:
            if item.state == InterventionState.PLANNED:
                self._end_intervention(case, item, texts.ENDED_BY_CLOSING, by_owner=False)
            elif item.state == InterventionState.STARTED:
                if _mostly_done(item, sim.today):
                    self._complete_intervention(case, item)
                else:
                    self._end_intervention(case, item, texts.ENDED_BY_CLOSING, by_owner=True)
        if reason_code == "overdracht_18_plus" and handover_to is not None:
            command = partial(self.app.hand_over, handed_over_on=sim.today, handover_to=handover_to)
        else:
            command = partial(
                self.app.close_trajectory,
                closed_on=sim.today,
                reason_code=reason_code,
                handover_to=handover_to,
            )
        sim.change(case, self.regisseur(case), command)
        case.status = S.AFGESLOTEN

    # --- side processes ---

    def _police_contacts(self, case: Case) -> Process:
        """Record new arrests and police contacts (as suspect, victim or witness) now and then."""
        sim = self.sim
        while True:
            yield sim.later(30, 150)
            if not case.is_open():
                return
            offence = sim.pick_weighted(LATER_OFFENCES)
            police = self.member_of(case, POLICE)
            if sim.chance(0.35):
                arrested_on = sim.earlier(0, 2)
                sim.change(
                    case,
                    police,
                    partial(
                        self.app.record_arrest,
                        arrested_on=arrested_on,
                        offence_category=offence,
                        police_reference=self._police_reference(),
                    ),
                )
                if case.status == S.ACTIEF:
                    case.revision_wanted = texts.ARREST_REVISION_REASON
                if offence == "wapenbezit":
                    sim.at(sim.later(3, 12), partial(self._warning_letter, case, arrested_on))
            elif sim.chance(0.6):
                role = sim.pick_weighted({"verdachte": 40, "slachtoffer": 35, "getuige": 25})
                occurred_on = sim.earlier(0, 3)
                sim.change(
                    case,
                    police,
                    partial(
                        self.app.record_police_contact,
                        occurred_on=occurred_on,
                        offence_category=offence,
                        role=role,
                        police_reference=self._police_reference(),
                    ),
                )
                if role == "verdachte" and offence in _LIGHT_OFFENCES and sim.chance(0.6):
                    sim.at(sim.later(1, 10), partial(self._reprimand, case, occurred_on))

    def _reprimand(self, case: Case, incident_on: date) -> None:
        """Hold the police's reprimand talk after a light offence (due within 7 days)."""
        if case.is_open() and case.age_on(self.sim.today) < ADULT_AGE:
            self._jit_step(case, self.member_of(case, POLICE), "reprimandegesprek", incident_on)

    def _warning_letter(self, case: Case, incident_on: date) -> None:
        """Send the mayor's warning letter after weapon possession and police contact."""
        if case.is_open():
            self._involve(case, MUNICIPALITY, R.BURGEMEESTER)
            who = self.member_of(case, MUNICIPALITY, R.BURGEMEESTER)
            self._jit_step(case, who, "waarschuwingsbrief", incident_on)

    def _jit_steps(self, case: Case) -> Process:
        """Record the jeugdboa's street contacts, stop talks, home visits and parent talks."""
        sim = self.sim
        for _ in range(sim.between(2, 6)):
            yield sim.later(14, 60)
            if not case.is_open() or not case.organisation_in(R.JEUGDBOA):
                return
            kind = sim.pick_weighted(
                {"straatcontact": 40, "stopgesprek": 25, "huisbezoek": 20, "oudergesprek": 15}
            )
            incident_on = sim.earlier(1, 10) if kind == "stopgesprek" else None
            self._jit_step(case, self.member_of(case, YOUTH_WARDENS), kind, incident_on)

    def _jit_step(self, case: Case, who: Actor, kind: str, incident_on: date | None) -> None:
        self.sim.change(
            case,
            who,
            partial(
                self.app.record_jit_step,
                kind=kind,
                occurred_on=self.sim.today,
                incident_on=incident_on,
                parents_present=kind in {"huisbezoek", "oudergesprek"} or self.sim.chance(0.1),
            ),
        )

    def _school_signals(self, case: Case) -> Process:
        """Record absence, suspension, expulsion, reports, thuiszitters (school, leerplicht)."""
        sim = self.sim
        while True:
            yield sim.later(14, 70)
            if not case.is_open() or case.age_on(sim.today) >= ADULT_AGE:
                return
            school, attendance = case.organisation_in(R.SCHOOL), case.organisation_in(R.LEERPLICHT)
            options: dict[tuple[str, str], int] = {}
            if school is not None:
                options |= {(kind, school): weight for kind, weight in _SIGNALS_FROM_SCHOOL.items()}
            if attendance is not None:
                options |= {
                    (kind, attendance): weight for kind, weight in _SIGNALS_FROM_ATTENDANCE.items()
                }
            if not options:
                return
            if sim.chance(0.3):  # a quiet period
                continue
            kind, source = sim.pick_weighted(options)
            sim.change(
                case,
                self.member_of(case, source),
                partial(
                    self.app.record_school_signal,
                    kind=kind,
                    observed_on=sim.today,
                    absence_hours=sim.between(4, 60) if kind == "verzuim" else None,
                    source_role=case.partners[source],
                    source_organisation=source,
                ),
            )
            if kind == "verwijdering":
                yield sim.later(3, 14)
                if case.is_open() and source in case.partners:
                    self._change_school(case, source)

    def _change_school(self, case: Case, old_school: str) -> None:
        for item in case.items:
            if item.organisation == old_school and item.is_open():
                self._end_intervention(case, item, texts.SCHOOL_CHANGE, by_owner=True)
        self._withdraw(case, old_school, texts.SCHOOL_CHANGE)
        self._involve(case, self.sim.pick([s for s in SCHOOLS if s != old_school]))

    def _information_letter(self, case: Case) -> None:
        """Send the information letter about the referral (the regisseur does), if still open."""
        if case.is_open():
            self.sim.change(
                case,
                self.regisseur(case),
                partial(self.app.record_information_letter, sent_on=self.sim.today),
            )

    def _care_report(self, case: Case) -> None:
        """Report to Veilig Thuis (the police or the regisseur does), then involve Veilig Thuis."""
        sim = self.sim
        if case.is_open():
            who = self.member_of(case, POLICE) if sim.chance(0.6) else self.regisseur(case)
            sim.change(
                case,
                who,
                partial(
                    self.app.make_care_report,
                    made_on=sim.today,
                    summary=sim.pick(texts.CARE_REPORTS),
                ),
            )
            self._involve(case, CHILD_ABUSE_HOTLINE)

    def _mayor_order(self, case: Case) -> Process:
        """Issue an art. 172a order on behalf of the mayor and extend it up to three times."""
        sim = self.sim
        if not case.is_open():
            return
        self._involve(case, MUNICIPALITY, R.BURGEMEESTER)
        mayor = self.member_of(case, MUNICIPALITY, R.BURGEMEESTER)
        kind = sim.pick_weighted({"gebiedsverbod": 5, "groepsverbod": 3, "meldplicht": 2})
        ends_on = add_months(sim.today, sim.pick_weighted({3: 7, 2: 3}))
        order_id = sim.add(
            case,
            mayor,
            partial(
                self.app.issue_mayor_order,
                kind=kind,
                starts_on=sim.today,
                ends_on=ends_on,
                area=None if kind == "meldplicht" else sim.pick(texts.ORDER_AREAS),
            ),
        )
        for _ in range(sim.pick_weighted({0: 35, 1: 30, 2: 20, 3: 15})):
            yield max(sim.today, ends_on - timedelta(days=sim.between(3, 10)))
            if not case.is_open():
                return
            ends_on = add_months(ends_on, sim.pick_weighted({3: 7, 2: 3}))
            sim.change(
                case,
                mayor,
                partial(self.app.extend_mayor_order, order_id=order_id, ends_on=ends_on),
            )

    def _correction(self, case: Case) -> None:
        """Record a correction of the referral or the home visit (also after closing)."""
        sim = self.sim
        which, what, correction, why = sim.pick(texts.CORRECTIONS)
        version = 1 if which == "referral" else case.home_visit_version
        if version is not None:
            sim.change(
                case,
                self.regisseur(case),
                partial(
                    self.app.record_correction,
                    corrects_version=version,
                    what_was_wrong=what,
                    correction=correction,
                    why=why,
                ),
            )


def _mostly_done(item: Item, day: date) -> bool:
    """Whether at least two thirds of an intervention's planned period has passed on ``day``."""
    return (day - item.planned_start) * 3 >= (item.planned_end - item.planned_start) * 2


@dataclass
class _FollowUp:
    """The dates that steer one trajectory's monitoring phase."""

    active_until: date
    handover_on: date
    escalate_from: date
    escalated_until: date = date.max
    close_after: date = date.max
    resume: bool = False


#: The organisation that carries out each intervention type; the school's is the youth's school.
OWNERS = {
    "halt": HALT,
    "jeugdreclassering": YOUTH_PROBATION,
    "schorsing_voorlopige_hechtenis": YOUTH_PROBATION,
    "harde_kern_aanpak": YOUTH_PROBATION,
    "mst": YOUTH_MENTAL_HEALTH,
    "mdft": YOUTH_MENTAL_HEALTH,
    "fft": YOUTH_MENTAL_HEALTH,
    "fact_jeugd": FACT,
    "ots": CHILD_PROTECTION,
    "bestuurlijke_waarschuwing": MUNICIPALITY,
    "leerplichttraject": ATTENDANCE,
    "jongerenwerk_activiteit": YOUTH_WORK,
}
