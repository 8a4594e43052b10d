"""Drive youth networks and trajectories through real application commands (synthetic data).

``NetworkDriver`` keeps one network's version and offers each command with plausible defaults,
plus the composite moves the 7-stappenmodel needs (each step's output before advancing, names
only from 2B). ``refer``, ``arrest``, ``police_contact`` and ``erase`` do the same for the
trajectory events the network read models read. Every date lies before the fixtures' recording
clock (1 March 2026).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pga.domain import clock
from pga.domain.network import ActionLevel, NetworkStep
from pga.domain.trajectory import Regisseur

from .conftest import POLITIE, context

if TYPE_CHECKING:
    from uuid import UUID

    from pga.application import PgaApplication, Recorded
    from pga.domain.catalogue import PartnerRole

N = NetworkStep
PROCESREGISSEUR_ORG = "gemeente-almere"


class NetworkDriver:
    """One network, opened on ``opened_on`` at step 1; every method records one command."""

    def __init__(
        self,
        app: PgaApplication,
        working_name: str,
        *,
        opened_on: date = date(2026, 1, 5),
        area: str = "Almere Haven",
        historical_label: str | None = None,
    ) -> None:
        self.app = app
        recorded = app.open_network(
            context(),
            working_name=working_name,
            area=area,
            procesregisseur="u-gemeente-01",
            procesregisseur_organisation=PROCESREGISSEUR_ORG,
            opened_on=opened_on,
            historical_label=historical_label,
        )
        self.id: UUID = recorded.aggregate_id
        self.version = recorded.version

    def _did(self, recorded: Recorded) -> Recorded:
        self.version = recorded.version
        return recorded

    # --- single commands ---

    def signal(self, on: date) -> None:
        """Share a signal about group behaviour."""
        self._did(
            self.app.share_signal(
                context(),
                self.id,
                self.version,
                source_organisation="politie-midden-nederland",
                observed_on=on,
                location="Winkelcentrum",
                description="Overlast door een groep bij de ingang",
                online=False,
            )
        )

    def advance(self, to_step: NetworkStep, on: date) -> None:
        """Advance to ``to_step``."""
        self._did(
            self.app.advance_network(context(), self.id, self.version, to_step=to_step, on=on)
        )

    def assess(self, on: date, *, problematic: bool = True) -> None:
        """Record the 2A assessment."""
        self._did(
            self.app.assess_behaviour(
                context(),
                self.id,
                self.version,
                problematic=problematic,
                findings="Intimiderend groepsgedrag",
                assessed_on=on,
            )
        )

    def place(
        self,
        on: date,
        *,
        given_name: str = "Testlid",
        family_name: str = "Groepsvoorbeeld",
        trajectory_id: UUID | None = None,
    ) -> UUID:
        """Place a youth on the name list; return the member id."""
        recorded = self._did(
            self.app.place_member(
                context(),
                self.id,
                self.version,
                given_name=given_name,
                family_name=family_name,
                born_on=date(2010, 4, 2),
                role_in_group=None,
                placed_on=on,
                trajectory_id=trajectory_id,
            )
        )
        assert recorded.entity_id is not None
        return recorded.entity_id

    def inform(self, member_id: UUID, on: date) -> None:
        """Record that the information letter about a member's placement was sent."""
        self._did(
            self.app.inform_member(
                context(), self.id, self.version, member_id=member_id, sent_on=on
            )
        )

    def remove_member(self, member_id: UUID, on: date) -> None:
        """Take a member off the name list."""
        self._did(
            self.app.remove_member(
                context(),
                self.id,
                self.version,
                member_id=member_id,
                removed_on=on,
                why="Niet langer betrokken bij de groep",
            )
        )

    def police_advice(self, on: date) -> None:
        """Receive the police's name list, letter and advice (2B)."""
        self._did(
            self.app.receive_police_advice(
                context(),
                self.id,
                self.version,
                received_on=on,
                group_scan_done=True,
                advice="Groepsaanpak aanbevolen",
            )
        )

    def interpretation(self, on: date) -> None:
        """Record the groepsduiding (3)."""
        self._did(
            self.app.record_interpretation(
                context(),
                self.id,
                self.version,
                recorded_on=on,
                group_dynamics="Losse kern met meelopers",
                roles="Twee kernleden",
                problem_type="Overlast en vermogensdelicten",
                context_description="Winkelcentrum en skatebaan",
                chances="Jongerenwerk heeft contact",
            )
        )

    def concept_plan(self, on: date) -> None:
        """Draft the concept plan (3)."""
        self._did(
            self.app.draft_concept_plan(
                context(),
                self.id,
                self.version,
                drafted_on=on,
                authors=(PROCESREGISSEUR_ORG, "politie-midden-nederland"),
                summary="Concept plan van aanpak",
            )
        )

    def advice(self, on: date) -> None:
        """Issue the advice for the triangle (4)."""
        self._did(
            self.app.issue_advice(
                context(),
                self.id,
                self.version,
                issued_on=on,
                problem_definition="Structurele overlast",
                advice="Prioriteren",
            )
        )

    def decide(self, on: date, *, prioritised: bool = True) -> None:
        """Record the triangle's decision (4)."""
        self._did(
            self.app.decide_prioritisation(
                context(),
                self.id,
                self.version,
                decided_on=on,
                prioritised=prioritised,
                instructions=None,
            )
        )

    def join(self, organisation: str, role: PartnerRole, since: date) -> None:
        """Let a partner join."""
        self._did(
            self.app.join_network_partner(
                context(),
                self.id,
                self.version,
                organisation=organisation,
                role=role,
                legal_basis="convenant_jeugdgroepen",
                since=since,
            )
        )

    def leave(self, organisation: str, on: date) -> None:
        """Let a partner leave."""
        self._did(
            self.app.remove_network_partner(
                context(), self.id, self.version, organisation=organisation, left_on=on
            )
        )

    def assign_procesregisseur(self, user: str, organisation: str) -> None:
        """Hand the network to another procesregisseur."""
        self._did(
            self.app.assign_procesregisseur(
                context(), self.id, self.version, procesregisseur=user, organisation=organisation
            )
        )

    def plan_action(self, due_on: date, member_id: UUID | None = None) -> UUID:
        """Plan an action of the procesregisseur's organisation; return its id."""
        recorded = self._did(
            self.app.plan_action(
                context(),
                self.id,
                self.version,
                organisation=PROCESREGISSEUR_ORG,
                level=ActionLevel.GROUP if member_id is None else ActionLevel.PERSON,
                description="Gesprek met de groep",
                due_on=due_on,
                member_id=member_id,
            )
        )
        assert recorded.entity_id is not None
        return recorded.entity_id

    def complete_action(self, action_id: UUID, on: date) -> None:
        """Complete an action."""
        self._did(
            self.app.complete_action(
                context(),
                self.id,
                self.version,
                action_id=action_id,
                completed_on=on,
                outcome="Uitgevoerd",
            )
        )

    def adopt(self, on: date) -> None:
        """Adopt the integral plan (5)."""
        self._did(self.app.adopt_integral_plan(context(), self.id, self.version, adopted_on=on))

    def monitor(self, on: date) -> None:
        """Record a monitoring moment (6)."""
        self._did(
            self.app.record_monitoring(
                context(), self.id, self.version, monitored_on=on, indicators="Minder overlast"
            )
        )

    def evaluate(self, on: date) -> None:
        """Complete the evaluation (7)."""
        self._did(
            self.app.complete_evaluation(
                context(),
                self.id,
                self.version,
                evaluated_on=on,
                findings="Doelen bereikt",
                remaining_actions="Jongerenwerk blijft betrokken",
            )
        )

    def step_back(self, to_step: NetworkStep, on: date) -> None:
        """Step back to ``to_step``."""
        self._did(
            self.app.step_back_network(
                context(), self.id, self.version, to_step=to_step, on=on, why="Bijstelling nodig"
            )
        )

    def close(self, on: date) -> None:
        """Close the file."""
        self._did(self.app.close_network(context(), self.id, self.version, on=on, why="Afgerond"))

    # --- composite moves ---

    def to_assessment(self, on: date) -> None:
        """Step 1 → 2A: a signal, then advance."""
        self.signal(on)
        self.advance(N.ASSESSMENT, on)

    def to_name_list(self, on: date) -> None:
        """Step 1 → 2B: a signal, advance, a problematic assessment, advance."""
        self.to_assessment(on)
        self.assess(on)
        self.advance(N.NAME_LIST, on)

    def to_interpretation(self, on: date) -> None:
        """2B (with a member on the list) → 3: the police advice, advance."""
        self.police_advice(on)
        self.advance(N.INTERPRETATION, on)

    def to_advice(self, on: date) -> None:
        """3 → 4: the duiding and the concept plan, advance."""
        self.interpretation(on)
        self.concept_plan(on)
        self.advance(N.ADVICE, on)

    def to_plan(self, on: date) -> None:
        """4 → 5: the advice and a prioritising decision, advance."""
        self.advice(on)
        self.decide(on)
        self.advance(N.PLAN, on)


def refer(
    app: PgaApplication,
    *,
    police_reference: str,
    given_name: str = "Testjongere",
    family_name: str = "Voorbeeld",
    subject_id: UUID | None = None,
) -> Recorded:
    """Refer a synthetic minor (straatroof) with ``police_reference``."""
    return app.refer(
        context(POLITIE, reason="aanmelding na straatroof"),
        given_name=given_name,
        family_name=family_name,
        born_on=date(2010, 5, 17),
        offence_category="straatroof",
        suspected_on=date(2026, 1, 2),
        referred_on=date(2026, 1, 3),
        police_reference=police_reference,
        referring_organisation="politie-midden-nederland",
        regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
        subject_id=subject_id,
    )


def arrest(app: PgaApplication, trajectory_id: UUID, police_reference: str) -> None:
    """Record an arrest (as a suspect) with ``police_reference``."""
    app.record_arrest(
        context(POLITIE),
        trajectory_id,
        app.trajectory(trajectory_id).version,
        arrested_on=date(2026, 2, 10),
        offence_category="diefstal",
        police_reference=police_reference,
    )


def police_contact(
    app: PgaApplication, trajectory_id: UUID, police_reference: str, role: str
) -> None:
    """Record a police contact in ``role`` (verdachte, slachtoffer, getuige)."""
    app.record_police_contact(
        context(POLITIE),
        trajectory_id,
        app.trajectory(trajectory_id).version,
        occurred_on=date(2026, 2, 11),
        offence_category="bedreiging",
        role=role,
        police_reference=police_reference,
    )


def erase(app: PgaApplication, trajectory_id: UUID) -> None:
    """Erase the trajectory's subject (no application command exists yet: the domain's own)."""
    trajectory = app.trajectory(trajectory_id)
    with clock.recording_clock(app.clock):
        trajectory.erase_subject(
            erased_on=date(2026, 2, 20), basis="avg-17-verzoek", why="Verzoek tot verwijdering"
        )
    app.save(trajectory)
