"""Trajectories and networks for read-model tests, driven through the real application commands.

The fixtures' recording clock starts on 1 March 2026, so every business date here lies in
January or February 2026 (the domain refuses dates after the recording day).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from pga.domain import clock
from pga.domain.catalogue import PartnerRole
from pga.domain.network import NetworkStep
from pga.domain.trajectory import PlanGoal, Regisseur
from pga.recording import Actor, EventMetadata, stamp
from tests.integration.projections.conftest import POLITIE, REGISSEUR, context

if TYPE_CHECKING:
    from collections.abc import Callable

    from pga.application import PgaApplication, Recorded

HALT = "halt-flevoland"
JONGERENWERK = "jongerenwerk-almere"
SCHOOL = "school-test-college"
GGD = "ggd-flevoland"
OTHER_REGISSEUR = Actor(user="u-ggd-02", organisation=GGD, role=PartnerRole.REGISSEUR)
PROCESREGISSEUR = Actor(
    user="u-gemeente-01", organisation="gemeente-almere", role=PartnerRole.PROCESREGISSEUR
)


class Handle:
    """A trajectory or network under test: its id and the version last recorded."""

    def __init__(self, app: PgaApplication, recorded: Recorded) -> None:
        self.app = app
        self.id = recorded.aggregate_id
        self.version = recorded.version

    def __call__(
        self, command: Callable[..., Recorded], actor: Actor = REGISSEUR, **facts: object
    ) -> Recorded:
        """Run ``command`` on this aggregate as ``actor``, at the version last seen."""
        recorded = command(context(actor), self.id, self.version, **facts)
        self.version = recorded.version
        return recorded

    def reload(self) -> None:
        """Catch up with versions another aggregate's command recorded (a network link)."""
        self.version = self.app.history(self.id)[-1].version


def refer(
    app: PgaApplication,
    *,
    family_name: str = "Voorbeeld",
    born_on: date = date(2010, 5, 17),
    offence_category: str = "straatroof",
    referred_on: date = date(2026, 1, 5),
    regisseur: Regisseur = Regisseur(REGISSEUR.user, REGISSEUR.organisation),  # noqa: B008
) -> Handle:
    """Refer a synthetic youth (15 in 2026) and return its trajectory."""
    return Handle(
        app,
        app.refer(
            context(POLITIE, reason="aanmelding na straatroof"),
            given_name="Testjongere",
            family_name=family_name,
            born_on=born_on,
            offence_category=offence_category,
            suspected_on=referred_on,
            referred_on=referred_on,
            police_reference="PL-TEST-0001",
            referring_organisation="politie-midden-nederland",
            regisseur=regisseur,
        ),
    )


def goal(due_on: date, organisation: str = GGD) -> PlanGoal:
    """Return a plan goal in the school domain, owned by ``organisation``."""
    return PlanGoal(uuid4(), "school", "Voorbeelddoel: weer naar school", organisation, due_on)


def involve(case: Handle, organisation: str, role: PartnerRole, since: date) -> Recorded:
    """Involve a partner organisation in a trajectory."""
    return case(
        case.app.involve_partner,
        organisation=organisation,
        role=role,
        legal_basis="convenant_pga",
        since=since,
    )


def activate(case: Handle, *goals: PlanGoal, adopted_on: date = date(2026, 1, 10)) -> None:
    """Hold the intake (9 January) and adopt a plan (``actief``)."""
    case(
        case.app.hold_intake,
        held_on=date(2026, 1, 9),
        attendees=("jongere", "moeder"),
        trusted_person="Voorbeeldtante",
    )
    case(
        case.app.adopt_plan,
        adopted_on=adopted_on,
        goals=goals or (goal(date(2026, 6, 1)),),
        agreements="Wekelijks contact met de regisseur",
    )


def plan_halt(case: Handle, *, start: date, end: date) -> UUID:
    """Plan a Halt intervention (Halt must be involved); return its id."""
    recorded = case(
        case.app.plan_intervention,
        kind="halt",
        responsible_organisation=HALT,
        legal_basis="convenant_pga",
        planned_start=start,
        planned_end=end,
    )
    assert recorded.entity_id is not None
    return recorded.entity_id


def erase(case: Handle, *, erased_on: date) -> None:
    """Record the subject's erasure (the application has no command for it yet)."""
    app = case.app
    trajectory = app.trajectory(case.id)
    with clock.recording_clock(app.clock):
        trajectory.erase_subject(
            erased_on=erased_on, basis="avg-17-verzoek", why="Verzoek tot verwijdering"
        )
    metadata = EventMetadata.of(context())
    for event in trajectory.pending_events:
        stamp(event, metadata)
    app.save(trajectory)
    case.version = trajectory.version


def network_at_name_list(app: PgaApplication) -> Handle:
    """Open a youth network and take it to step 2B (names allowed)."""
    network = Handle(
        app,
        app.open_network(
            context(PROCESREGISSEUR),
            working_name="Groep Voorbeeldplein",
            area="Almere Haven",
            procesregisseur=PROCESREGISSEUR.user,
            procesregisseur_organisation=PROCESREGISSEUR.organisation,
            opened_on=date(2026, 1, 2),
        ),
    )
    network(
        app.share_signal,
        PROCESREGISSEUR,
        source_organisation="politie-midden-nederland",
        observed_on=date(2026, 1, 3),
        location="Winkelcentrum",
        description="Overlast door een groep jongeren",
        online=False,
    )
    network(
        app.advance_network, PROCESREGISSEUR, to_step=NetworkStep.ASSESSMENT, on=date(2026, 1, 4)
    )
    network(
        app.assess_behaviour,
        PROCESREGISSEUR,
        problematic=True,
        findings="Intimiderend groepsgedrag",
        assessed_on=date(2026, 1, 5),
    )
    network(
        app.advance_network, PROCESREGISSEUR, to_step=NetworkStep.NAME_LIST, on=date(2026, 1, 6)
    )
    return network
