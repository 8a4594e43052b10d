"""The timeline read model on PostgreSQL: every event kind's entry, corrections, erasure, paging."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import msgspec
import pytest

from pga.domain.catalogue import PartnerRole
from pga.domain.network import NETWORK_EVENTS, ActionLevel, NetworkStep
from pga.domain.trajectory import (
    TRAJECTORY_EVENTS,
    Regisseur,
    Requester,
    RightsRequestKind,
    RightsRequestOutcome,
)
from projections.control import digest, rebuild
from projections.timeline import Timeline, TimelineEntry, timeline
from tests.integration.projections import network_driver
from tests.integration.projections.cases import (
    GGD,
    HALT,
    JONGERENWERK,
    PROCESREGISSEUR,
    Handle,
    activate,
    erase,
    goal,
    involve,
    network_at_name_list,
    plan_halt,
    refer,
)
from tests.integration.projections.conftest import POLITIE, REGISSEUR, context
from tests.integration.projections.network_driver import NetworkDriver

if TYPE_CHECKING:
    import psycopg

    from pga.application import PgaApplication
    from tests.integration.projections.conftest import Project

Expected = tuple[str, date | None, str]
"""An entry as the tests expect it: kind, business date, summary."""


def entries(
    connection: psycopg.Connection[Any], schema: str, aggregate_id: UUID
) -> list[TimelineEntry]:
    page = timeline(connection, schema, aggregate_id, page_size=500)
    assert page.total == len(page.items)
    return page.items


def shown(items: list[TimelineEntry]) -> list[Expected]:
    return [(item.kind, item.occurred_on, item.summary) for item in items]


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def trajectory_until_care_report(app: PgaApplication, project: Project) -> Handle:
    """Record a trajectory through most kinds (projected in small batches on the way)."""
    case = refer(app, referred_on=d(1, 5))
    case(app.assign_regisseur, regisseur=Regisseur("u-ggd-02", GGD))
    involve(case, HALT, PartnerRole.HALT, d(1, 6))
    involve(case, JONGERENWERK, PartnerRole.JONGERENWERK, d(1, 6))
    case(app.withdraw_partner, organisation=JONGERENWERK, withdrawn_on=d(1, 7), why="Geen rol")
    case(
        app.record_police_home_visit,
        POLITIE,
        visited_on=d(1, 7),
        youth_informed=True,
        parents_informed=True,
    )
    case(app.hold_intake, held_on=d(1, 9), attendees=("jongere", "vader"), trusted_person="Oom")
    case(
        app.score_life_domain,
        life_domain="school",
        score=2,
        instrument="pga_monitor",
        scored_on=d(1, 9),
    )
    case(
        app.adopt_plan,
        adopted_on=d(1, 10),
        goals=(goal(d(3, 1)), goal(d(6, 1), HALT)),
        agreements="Wekelijks contact",
    )
    case(
        app.hold_case_conference,
        held_on=d(1, 15),
        participants=(GGD, HALT),
        decisions="Halt-afdoening inzetten",
        next_on=d(2, 15),
    )
    case(
        app.record_arrest,
        POLITIE,
        arrested_on=d(1, 16),
        offence_category="wapenbezit",
        police_reference="PL-TEST-0101",
    )
    case(
        app.record_police_contact,
        POLITIE,
        occurred_on=d(1, 17),
        offence_category="bedreiging",
        role="slachtoffer",
        police_reference="PL-TEST-0102",
    )
    first = plan_halt(case, start=d(1, 20), end=d(3, 20))
    project(Timeline(), batch_size=2)
    case(app.start_intervention, intervention_id=first, started_on=d(1, 20))
    project(Timeline(), batch_size=1)
    case(app.complete_intervention, intervention_id=first, completed_on=d(2, 10), outcome="Goed")
    second = plan_halt(case, start=d(2, 11), end=d(3, 11))
    project(Timeline(), batch_size=3)
    case(app.abort_intervention, intervention_id=second, aborted_on=d(2, 11), why="Niet nodig")
    case(
        app.record_school_signal,
        kind="verzuim",
        observed_on=d(1, 21),
        absence_hours=12,
        source_role=PartnerRole.LEERPLICHT,
        source_organisation="leerplicht-almere",
    )
    case(
        app.record_jit_step,
        kind="reprimandegesprek",
        occurred_on=d(1, 22),
        incident_on=d(1, 19),
        parents_present=True,
    )
    order = case(
        app.issue_mayor_order,
        kind="gebiedsverbod",
        starts_on=d(1, 23),
        ends_on=d(4, 23),
        area="Stationsgebied Almere Centrum",
    ).entity_id
    project(Timeline(), batch_size=5)
    case(app.extend_mayor_order, order_id=order, ends_on=d(7, 23))
    case(app.make_care_report, made_on=d(1, 24), summary="Zorgen over de thuissituatie")
    return case


TRAJECTORY_UNTIL_CARE_REPORT: list[Expected] = [
    ("Referred", d(1, 5), "Aangemeld door politie-midden-nederland (straatroof)"),
    ("RegisseurAssigned", None, "Andere regisseur toegewezen (ggd-flevoland)"),
    ("PartnerInvolved", d(1, 6), "Partner betrokken: halt-flevoland (Halt)"),
    ("PartnerInvolved", d(1, 6), "Partner betrokken: jongerenwerk-almere (jongerenwerk)"),
    ("PartnerWithdrawn", d(1, 7), "Partner niet meer betrokken: jongerenwerk-almere"),
    ("PoliceHomeVisited", d(1, 7), "Huisbezoek door de politie (ouders geïnformeerd)"),
    ("IntakeHeld", d(1, 9), "Intakegesprek gehouden"),
    ("LifeDomainScored", d(1, 9), "Leefgebied school en opleiding gescoord: 2 (PGA-monitor)"),
    ("PlanAdopted", d(1, 10), "Plan van aanpak vastgesteld (2 doelen)"),
    (
        "CaseConferenceHeld",
        d(1, 15),
        "Casusoverleg gehouden (2 partijen); volgend overleg 15-02-2026",
    ),
    ("ArrestRecorded", d(1, 16), "Aanhouding geregistreerd (wapenbezit)"),
    ("PoliceContactRecorded", d(1, 17), "Politiecontact als slachtoffer (bedreiging)"),
    ("InterventionPlanned", None, "Interventie Halt-afdoening gepland (halt-flevoland)"),
    ("InterventionStarted", d(1, 20), "Interventie Halt-afdoening gestart"),
    ("InterventionCompleted", d(2, 10), "Interventie Halt-afdoening afgerond"),
    ("InterventionPlanned", None, "Interventie Halt-afdoening gepland (halt-flevoland)"),
    ("InterventionAborted", d(2, 11), "Interventie Halt-afdoening afgebroken"),
    (
        "SchoolSignalRecorded",
        d(1, 21),
        "Schoolsignaal van leerplicht: ongeoorloofd verzuim, 12 uur",
    ),
    ("JitStepRecorded", d(1, 22), "JIT-stap: reprimandegesprek (3 dagen na het incident)"),
    ("MayorOrderIssued", d(1, 23), "Bevel burgemeester (art. 172a): gebiedsverbod tot 23-04-2026"),
    ("MayorOrderExtended", None, "Bevel burgemeester (gebiedsverbod) verlengd tot 23-07-2026"),
    ("CareReportMade", d(1, 24), "Zorgmelding gedaan bij Veilig Thuis"),
]


def network_through_every_step(app: PgaApplication, case: Handle) -> tuple[Handle, list[Expected]]:
    """Take a network through all seven steps, with the trajectory's youth on it for a while."""
    network = network_at_name_list(app)
    as_procesregisseur = PROCESREGISSEUR
    network(
        app.assign_procesregisseur,
        as_procesregisseur,
        procesregisseur="u-gemeente-02",
        organisation="gemeente-almere",
    )
    network(
        app.join_network_partner,
        as_procesregisseur,
        organisation="politie-midden-nederland",
        role=PartnerRole.POLITIE,
        legal_basis="convenant_jeugdgroepen",
        since=d(1, 6),
    )
    linked = network(
        app.place_member,
        as_procesregisseur,
        given_name="Testjongere",
        family_name="Voorbeeld",
        born_on=date(2010, 5, 17),
        role_in_group="Meeloper",
        placed_on=d(1, 25),
        trajectory_id=case.id,
    )
    other = network(
        app.place_member,
        as_procesregisseur,
        given_name="Andere",
        family_name="Testpersoon",
        born_on=None,
        role_in_group=None,
        placed_on=d(1, 7),
    ).entity_id
    network(app.inform_member, as_procesregisseur, member_id=other, sent_on=d(1, 12))
    network(
        app.remove_member,
        as_procesregisseur,
        member_id=linked.entity_id,
        removed_on=d(1, 26),
        why="Niet langer actief in de groep",
    )
    case.reload()
    erased = network(
        app.place_member,
        as_procesregisseur,
        given_name="Derde",
        family_name="Testpersoon",
        born_on=None,
        role_in_group=None,
        placed_on=d(1, 26),
    ).entity_id
    assert erased is not None
    app.erase_subject(context(), erased, reason="Verzoek van de jongere", basis="avg-17-verzoek")
    network.reload()
    network(
        app.receive_police_advice,
        as_procesregisseur,
        received_on=d(1, 27),
        group_scan_done=True,
        advice="Groepsaanpak aanbevolen",
    )
    steps = {"to_step": NetworkStep.INTERPRETATION, "on": d(1, 27)}
    network(app.advance_network, as_procesregisseur, **steps)
    network(
        app.step_back_network,
        as_procesregisseur,
        to_step=NetworkStep.NAME_LIST,
        on=d(1, 27),
        why="Groepsscan aanvullen",
    )
    network(
        app.receive_police_advice,
        as_procesregisseur,
        received_on=d(1, 27),
        group_scan_done=False,
        advice="Aanvulling",
    )
    network(app.advance_network, as_procesregisseur, **steps)
    network(
        app.record_interpretation,
        as_procesregisseur,
        recorded_on=d(1, 28),
        group_dynamics="Hechte groep",
        roles="Twee leiders",
        problem_type="Overlast",
        context_description="Winkelcentrum",
        chances="Sportaanbod",
    )
    network(
        app.draft_concept_plan,
        as_procesregisseur,
        drafted_on=d(1, 28),
        authors=("gemeente-almere", "politie-midden-nederland"),
        summary="Concept",
    )
    network(app.advance_network, as_procesregisseur, to_step=NetworkStep.ADVICE, on=d(1, 29))
    network(
        app.issue_advice,
        as_procesregisseur,
        issued_on=d(1, 29),
        problem_definition="Overlast",
        advice="Prioriteren",
    )
    network(
        app.decide_prioritisation,
        as_procesregisseur,
        decided_on=d(1, 30),
        prioritised=True,
        instructions=None,
    )
    network(app.advance_network, as_procesregisseur, to_step=NetworkStep.PLAN, on=d(1, 30))
    action = network(
        app.plan_action,
        as_procesregisseur,
        organisation="gemeente-almere",
        level=ActionLevel.GROUP,
        description="Extra toezicht",
        due_on=d(3, 1),
    ).entity_id
    network(app.adopt_integral_plan, as_procesregisseur, adopted_on=d(1, 31))
    network(app.advance_network, as_procesregisseur, to_step=NetworkStep.EXECUTION, on=d(1, 31))
    network(app.record_monitoring, as_procesregisseur, monitored_on=d(2, 1), indicators="Minder")
    network(
        app.complete_action,
        as_procesregisseur,
        action_id=action,
        completed_on=d(2, 2),
        outcome="Uitgevoerd",
    )
    network(
        app.remove_network_partner,
        as_procesregisseur,
        organisation="politie-midden-nederland",
        left_on=d(2, 3),
    )
    network(app.advance_network, as_procesregisseur, to_step=NetworkStep.SCALE_DOWN, on=d(2, 6))
    network(
        app.complete_evaluation,
        as_procesregisseur,
        evaluated_on=d(2, 7),
        findings="Rustiger",
        remaining_actions="Geen",
    )
    network(app.close_network, as_procesregisseur, on=d(2, 8), why="Aanpak afgerond")
    return network, [
        ("NetworkOpened", d(1, 2), "Groepsdossier geopend"),
        ("SignalShared", d(1, 3), "Signaal gedeeld door politie-midden-nederland"),
        ("StepAdvanced", d(1, 4), "Naar stap 2A (beoordelen groepsgedrag)"),
        ("BehaviourAssessed", d(1, 5), "Groepsgedrag beoordeeld: problematisch"),
        ("StepAdvanced", d(1, 6), "Naar stap 2B (namenlijst en groepsscan)"),
        ("ProcesregisseurAssigned", None, "Andere procesregisseur toegewezen (gemeente-almere)"),
        (
            "NetworkPartnerJoined",
            d(1, 6),
            "Partner aangesloten: politie-midden-nederland (politie)",
        ),
        # Placed with a trajectory, then removed: the summary no longer mentions the trajectory.
        ("MemberPlaced", d(1, 25), "Jongere op de namenlijst geplaatst"),
        ("MemberPlaced", d(1, 7), "Jongere op de namenlijst geplaatst"),
        (
            "MemberInformed",
            d(1, 12),
            "Jongere op de namenlijst geïnformeerd (informatiebrief aan de jongere en de ouders)",
        ),
        ("MemberRemoved", d(1, 26), "Jongere van de namenlijst gehaald"),
        ("MemberPlaced", d(1, 26), "Jongere op de namenlijst geplaatst"),
        # Erased on the recording day (the fixtures' clock, 1 March 2026).
        (
            "MemberErased",
            d(3, 1),
            "Persoonsgegevens van een jongere op de namenlijst verwijderd",
        ),
        ("PoliceAdviceReceived", d(1, 27), "Advies van de politie ontvangen (met groepsscan)"),
        ("StepAdvanced", d(1, 27), "Naar stap 3 (groepsduiding)"),
        ("SteppedBack", d(1, 27), "Terug naar stap 2B (namenlijst en groepsscan)"),
        ("PoliceAdviceReceived", d(1, 27), "Advies van de politie ontvangen (zonder groepsscan)"),
        ("StepAdvanced", d(1, 27), "Naar stap 3 (groepsduiding)"),
        ("InterpretationRecorded", d(1, 28), "Groepsduiding vastgelegd"),
        ("ConceptPlanDrafted", d(1, 28), "Concept plan van aanpak opgesteld"),
        ("StepAdvanced", d(1, 29), "Naar stap 4 (advies en prioritering)"),
        ("AdviceIssued", d(1, 29), "Advies aan de lokale driehoek uitgebracht"),
        ("PrioritisationDecided", d(1, 30), "Driehoek: geprioriteerd"),
        ("StepAdvanced", d(1, 30), "Naar stap 5 (integraal plan van aanpak)"),
        ("ActionPlanned", None, "Actie op groepsniveau gepland (gemeente-almere)"),
        ("IntegralPlanAdopted", d(1, 31), "Integraal plan van aanpak vastgesteld"),
        ("StepAdvanced", d(1, 31), "Naar stap 6 (uitvoeren en monitoren)"),
        ("MonitoringRecorded", d(2, 1), "Monitoringsmoment vastgelegd"),
        ("ActionCompleted", d(2, 2), "Actie op groepsniveau afgerond"),
        ("NetworkPartnerLeft", d(2, 3), "Partner niet meer aangesloten: politie-midden-nederland"),
        ("StepAdvanced", d(2, 6), "Naar stap 7 (afschalen en evalueren)"),
        ("EvaluationCompleted", d(2, 7), "Evaluatie afgerond"),
        ("NetworkFileClosed", d(2, 8), "Groepsdossier gesloten"),
    ]


def retain_network(app: PgaApplication, network: Handle) -> list[Expected]:
    """Place a hold on the closed file and lift it; then erase its name list and the file."""
    hold = uuid4()
    app.place_legal_hold(
        context(PROCESREGISSEUR),
        network.id,
        hold_id=hold,
        placed_on=d(2, 9),
        basis="klacht-of-bezwaar",
        reason="Klacht in behandeling",
    )
    app.lift_legal_hold(
        context(PROCESREGISSEUR), network.id, hold_id=hold, lifted_on=d(2, 10), reason="Afgehandeld"
    )
    placed = len(app.members_placed(network.id))
    app.erase_name_list(context(PROCESREGISSEUR), network.id, basis="bewaartermijn")
    app.erase_network(context(PROCESREGISSEUR), network.id, basis="bewaartermijn")
    network.reload()
    return [
        (
            "NetworkLegalHoldPlaced",
            d(2, 9),
            "Bewaring ingesteld (klacht-of-bezwaar): bewaartermijn opgeschort",
        ),
        ("NetworkLegalHoldLifted", d(2, 10), "Bewaring opgeheven"),
        # Recorded on the fixtures' day (1 March 2026).
        (
            "NameListErased",
            d(3, 1),
            f"Namenlijst vernietigd ({placed} jongere(n), bewaartermijn verstreken)",
        ),
        ("NetworkErased", d(3, 1), "Groepsdossier vernietigd (bewaartermijn verstreken)"),
    ]


def finish_trajectory(app: PgaApplication, case: Handle) -> list[Expected]:
    """Revise, escalate, de-escalate, close, correct the arrest, erase; a request around it.

    The correction is of the arrest (version 11); an erasure request is received and extended
    before the erasure and completed after it.
    """
    case(app.start_revision, started_on=d(1, 27), why="Nieuwe aanhouding")
    case(app.revise_plan, adopted_on=d(1, 28), goals=(goal(d(5, 1)),), agreements=None)
    case(app.escalate, escalated_on=d(1, 29), target="topx", why="Zorgen nemen toe")
    case(app.de_escalate, de_escalated_on=d(2, 1), why="Terug naar monitoring")
    case(app.record_bsn, bsn="111222333")
    case(app.record_information_letter, sent_on=d(2, 2))
    case(
        app.close_trajectory,
        closed_on=d(2, 12),
        reason_code="overdracht_zorg",
        handover_to="Wijkteam Almere Haven",
    )
    case(
        app.record_correction,
        corrects_version=11,
        what_was_wrong="Delict",
        correction="Diefstal in plaats van wapenbezit",
        why="Melding van de politie",
    )
    request = case(
        app.receive_rights_request,
        kind=RightsRequestKind.VERWIJDERING,
        requester=Requester.JONGERE,
        received_on=d(2, 13),
    ).entity_id
    case(app.extend_rights_request, request_id=request, extended_on=d(2, 14), why="Omvang")
    hold = uuid4()
    app.place_legal_hold(
        context(REGISSEUR),
        case.id,
        hold_id=hold,
        placed_on=d(2, 15),
        basis="strafzaak",
        reason="Lopende strafzaak",
    )
    app.lift_legal_hold(
        context(REGISSEUR), case.id, hold_id=hold, lifted_on=d(2, 16), reason="Zaak afgerond"
    )
    case.reload()
    erase(case, erased_on=d(2, 20))
    case(
        app.complete_rights_request,
        request_id=request,
        completed_on=d(2, 21),
        outcome=RightsRequestOutcome.GRANTED,
    )
    return [
        ("NetworkLinked", d(1, 25), "Gekoppeld aan een jeugdnetwerk"),
        ("NetworkUnlinked", d(1, 26), "Koppeling met een jeugdnetwerk beëindigd"),
        ("RevisionStarted", d(1, 27), "Bijstelling van het plan gestart"),
        ("PlanRevised", d(1, 28), "Plan van aanpak bijgesteld (1 doel)"),
        ("Escalated", d(1, 29), "Opgeschaald naar TopX-aanpak"),
        ("DeEscalated", d(2, 1), "Afgeschaald naar monitoring"),
        ("BsnRecorded", None, "BSN vastgelegd"),
        ("InformationLetterSent", d(2, 2), "Informatiebrief verstuurd aan de jongere en de ouders"),
        ("Closed", d(2, 12), "Afgesloten: warme overdracht naar zorg of wijkteam"),
        (
            "CorrectionRecorded",
            None,
            "Correctie op versie 11: Aanhouding geregistreerd (wapenbezit)",
        ),
        (
            "RightsRequestReceived",
            d(2, 13),
            "Verzoek om verwijdering van de jongere; af te handelen uiterlijk 13-03-2026",
        ),
        (
            "RightsRequestExtended",
            d(2, 14),
            "Termijn van het verzoek om verwijdering verlengd tot 13-05-2026",
        ),
        ("LegalHoldPlaced", d(2, 15), "Bewaring ingesteld (strafzaak): bewaartermijn opgeschort"),
        ("LegalHoldLifted", d(2, 16), "Bewaring opgeheven"),
        ("SubjectErased", d(2, 20), "Persoonsgegevens verwijderd"),
        ("RightsRequestCompleted", d(2, 21), "Verzoek om verwijdering afgehandeld: toegewezen"),
    ]


def test_every_trajectory_and_network_event_kind_has_its_entry_summary_and_date(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = trajectory_until_care_report(app, project)
    network, network_expected = network_through_every_step(app, case)
    network_expected += retain_network(app, network)
    project(Timeline(), batch_size=7)
    trajectory_expected = [
        # The trajectory ends erased: the plans' summaries lose the count of their goals.
        (kind, on, summary.split(" (")[0] if kind in {"PlanAdopted", "PlanRevised"} else summary)
        for kind, on, summary in TRAJECTORY_UNTIL_CARE_REPORT + finish_trajectory(app, case)
    ]
    declined = refer(app, family_name="Anders")
    declined(app.decline_inclusion, declined_on=d(1, 6), why="Geen grond voor opname")
    project(Timeline(), batch_size=4)

    trajectory_items = entries(connection, schema, case.id)
    network_items = entries(connection, schema, network.id)
    assert shown(trajectory_items) == trajectory_expected
    assert shown(network_items) == network_expected
    assert shown(entries(connection, schema, declined.id))[1] == (
        "InclusionDeclined",
        d(1, 6),
        "Niet opgenomen in PGA 18min",
    )
    seen = {item.kind for item in trajectory_items} | {"InclusionDeclined"}
    assert seen == {event_class.__name__ for event_class in TRAJECTORY_EVENTS}
    assert {item.kind for item in network_items} == {cls.__name__ for cls in NETWORK_EVENTS}
    for items, aggregate_id in ((trajectory_items, case.id), (network_items, network.id)):
        history = app.history(aggregate_id)
        assert [item.version for item in items] == [entry.version for entry in history]
        assert [item.recorded_at for item in items] == [entry.recorded_at for entry in history]
        positions = [item.position for item in items]
        assert positions == sorted(positions)
        assert len(set(positions)) == len(positions)


def test_an_entry_records_who_recorded_it_and_the_events_fields_as_details(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, referred_on=d(1, 5))
    case(
        app.record_jit_step,
        kind="straatcontact",
        occurred_on=d(1, 6),
        incident_on=None,
        parents_present=False,
    )
    project(Timeline())

    referred, jit = entries(connection, schema, case.id)
    assert referred.recorded_by is not None
    assert (referred.recorded_by.user, referred.recorded_by.organisation) == (
        POLITIE.user,
        POLITIE.organisation,
    )
    assert referred.recorded_by.role == "politie"
    assert jit.recorded_by is not None
    assert jit.recorded_by.role == REGISSEUR.role.value
    assert referred.details == {
        "subject_id": str(app.trajectory(case.id).subject_id),
        "given_name": "Testjongere",
        "family_name": "Voorbeeld",
        "born_on": "2010-05-17",
        "offence_category": "straatroof",
        "suspected_on": "2026-01-05",
        "referred_on": "2026-01-05",
        "police_reference": "PL-TEST-0001",
        "referring_organisation": "politie-midden-nederland",
        "regisseur": {"user_id": "u-ggd-01", "organisation": GGD},
    }
    assert jit.details == {
        "kind": "straatcontact",
        "occurred_on": "2026-01-06",
        "incident_on": None,
        "days_after_incident": None,
        "parents_present": False,
    }
    assert (jit.corrects_version, jit.corrected_by) == (None, [])


def test_a_correction_is_an_entry_and_marks_the_corrected_entry_even_from_a_later_batch(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    case(
        app.record_arrest,
        POLITIE,
        arrested_on=d(1, 6),
        offence_category="diefstal",
        police_reference="PL-TEST-0201",
    )
    project(Timeline())
    for why in ("Eerste melding", "Tweede melding"):
        case(
            app.record_correction,
            corrects_version=2,
            what_was_wrong="Datum",
            correction="7 januari",
            why=why,
        )
        project(Timeline(), batch_size=1)
    case(
        app.record_correction,
        corrects_version=3,
        what_was_wrong="Verkeerde correctie",
        correction="8 januari",
        why="Herstel",
    )
    project(Timeline())

    items = entries(connection, schema, case.id)
    assert [(item.version, item.corrected_by, item.corrects_version) for item in items] == [
        (1, [], None),
        (2, [3, 4], None),
        (3, [5], 2),
        (4, [], 2),
        (5, [], 3),
    ]
    assert items[2].summary == "Correctie op versie 2: Aanhouding geregistreerd (diefstal)"
    assert items[4].summary == (
        "Correctie op versie 3: Correctie op versie 2: Aanhouding geregistreerd (diefstal)"
    )
    assert items[2].details == {
        "corrects_version": 2,
        "what_was_wrong": "Datum",
        "correction": "7 januari",
        "reason": "Eerste melding",
        "corrected_fields": [],
    }
    assert items[1].details["police_reference"] == "PL-TEST-0201"  # the corrected entry stays


def test_erasure_blanks_every_personal_field_of_earlier_entries_and_keeps_the_summaries_but_counts(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    involve(case, HALT, PartnerRole.HALT, d(1, 6))
    activate(case)
    case(
        app.record_arrest,
        POLITIE,
        arrested_on=d(1, 12),
        offence_category="diefstal",
        police_reference="PL-TEST-0301",
    )
    project(Timeline(), batch_size=2)
    before = entries(connection, schema, case.id)
    case(app.make_care_report, made_on=d(1, 13), summary="Zorgen over de thuissituatie")
    erase(case, erased_on=d(2, 1))  # the care report is in the erasure's batch, the rest is not
    project(Timeline())

    after = entries(connection, schema, case.id)
    kept = [item.summary for item in before]
    kept[3] = "Plan van aanpak vastgesteld"  # the number of goals came from the goals' text
    assert [item.summary for item in after[: len(before)]] == kept
    referred, involved, intake, plan, arrest, care, erased = after
    assert referred.details["given_name"] is None
    assert referred.details["family_name"] is None
    assert referred.details["born_on"] is None
    assert referred.details["police_reference"] is None
    assert referred.details["offence_category"] == "straatroof"
    assert referred.details["regisseur"] == {"user_id": "u-ggd-01", "organisation": GGD}
    assert involved.details == before[1].details  # no personal fields
    assert (intake.details["attendees"], intake.details["trusted_person"]) == (None, None)
    assert intake.details["held_on"] == "2026-01-09"
    assert (plan.details["goals"], plan.details["agreements"]) == (None, None)
    assert (arrest.details["police_reference"], arrest.details["arrested_on"]) == (
        None,
        "2026-01-12",
    )
    assert care.details == {"made_on": "2026-01-13", "summary": None}
    assert erased.details == {"erased_on": "2026-02-01", "basis": "avg-17-verzoek", "reason": None}
    stored = msgspec.json.encode([item.details for item in after])
    for personal in (b"Testjongere", b"Voorbeeld", b"PL-TEST", b"moeder", b"thuissituatie"):
        assert personal not in stored


def test_pages_in_either_order_with_the_total_and_an_unknown_aggregate_is_empty(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    for day in range(6, 11):
        case(
            app.record_jit_step,
            kind="straatcontact",
            occurred_on=d(1, day),
            incident_on=None,
            parents_present=False,
        )
    project(Timeline())

    ascending = [timeline(connection, schema, case.id, page=n, page_size=4) for n in (1, 2, 3)]
    assert [[item.version for item in page.items] for page in ascending] == [
        [1, 2, 3, 4],
        [5, 6],
        [],
    ]
    assert [page.total for page in ascending] == [6, 6, 6]
    descending = timeline(connection, schema, case.id, page_size=4, order="desc")
    assert [item.version for item in descending.items] == [6, 5, 4, 3]
    assert (descending.order, descending.aggregate_id) == ("desc", case.id)
    unknown = timeline(connection, schema, uuid4())
    assert (unknown.items, unknown.total) == ([], 0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"page": 0}, "page must be a whole number from 1 to 1000000"),
        ({"page": 1_000_001}, "page must be a whole number from 1 to 1000000"),
        ({"page_size": 0}, "page_size must be a whole number from 1 to 500"),
        ({"page_size": 501}, "page_size must be a whole number from 1 to 500"),
        ({"order": "newest"}, "order must be 'asc' or 'desc'"),
    ],
)
def test_invalid_paging_or_order_is_refused(
    project: Project,
    connection: psycopg.Connection[Any],
    schema: str,
    arguments: dict[str, Any],
    message: str,
) -> None:
    project(Timeline())
    with pytest.raises(ValueError, match=message):
        timeline(connection, schema, uuid4(), **arguments)


def test_incremental_builds_in_any_batches_equal_a_rebuild_from_zero(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = trajectory_until_care_report(app, project)  # projects in batches of 1 to 5
    network, _ = network_through_every_step(app, case)
    project(Timeline(), batch_size=3)
    finish_trajectory(app, case)
    project(Timeline(), batch_size=2)
    incremental = digest(connection, schema, Timeline())

    assert rebuild(app, [Timeline()], batch_size=10_000) > 0
    assert digest(connection, schema, Timeline()) == incremental
    assert len(entries(connection, schema, network.id)) == len(app.history(network.id))


@pytest.mark.parametrize("destroy", ["remove", "step_back", "close"])
def test_a_destroyed_name_list_leaves_no_names_in_the_networks_timeline(
    app: PgaApplication,
    project: Project,
    connection: psycopg.Connection[Any],
    schema: str,
    destroy: str,
) -> None:
    kept_case, gone_case, left_case = (
        network_driver.refer(app, police_reference=f"PL-TEST-000{number}").aggregate_id
        for number in (1, 2, 3)
    )
    network = NetworkDriver(app, "Groep Voorbeeldhof")
    network.to_name_list(d(1, 6))
    kept = network.place(
        d(1, 7), given_name="Blijftlid", family_name="Blijvoorbeeld", trajectory_id=kept_case
    )
    gone = network.place(
        d(1, 7), given_name="Vertreklid", family_name="Vertrekvoorbeeld", trajectory_id=gone_case
    )
    left = network.place(
        d(1, 7), given_name="Eerderlid", family_name="Eerdervoorbeeld", trajectory_id=left_case
    )
    for member_id in (kept, gone, left):
        network.inform(member_id, d(1, 8))
    network.to_interpretation(d(1, 8))
    network.to_advice(d(1, 9))
    network.to_plan(d(1, 10))
    action = network.plan_action(d(3, 1), member_id=gone)
    network.remove_member(left, d(1, 15))  # taken off before the rest
    project(Timeline(), batch_size=3)  # the placements are stored before the destruction
    if destroy == "remove":
        network.remove_member(gone, d(1, 20))
    elif destroy == "step_back":
        network.step_back(NetworkStep.ASSESSMENT, d(1, 20))
    else:
        network.step_back(NetworkStep.SIGNALS, d(1, 20))
        network.close(d(1, 21))
    project(Timeline())
    items = entries(connection, schema, network.id)
    stored = msgspec.json.encode([(item.summary, item.details) for item in items])
    destroyed = {gone: gone_case, left: left_case}
    if destroy != "remove":
        destroyed[kept] = kept_case
    for name in (b"Vertreklid", b"Vertrekvoorbeeld", b"Eerderlid", b"Eerdervoorbeeld"):
        assert name not in stored
    assert (b"Blijftlid" in stored) is (destroy == "remove")
    for trajectory_id in destroyed.values():
        assert str(trajectory_id).encode() not in stored
    assert (str(kept_case).encode() in stored) is (destroy == "remove")
    for member_id in destroyed:  # for a youth with a trajectory, the youth's subject id
        assert str(member_id).encode() not in stored
    assert_placements_and_removals(
        items, kept=kept, kept_case=kept_case, removed=destroy == "remove"
    )
    (planned,) = [item for item in items if item.kind == "ActionPlanned"]
    assert planned.details["action_id"] == str(action)
    assert planned.details["description"] is None
    assert planned.details["member_id"] is None
    incremental = digest(connection, schema, Timeline())
    rebuild(app, [Timeline()])
    assert digest(connection, schema, Timeline()) == incremental


def assert_placements_and_removals(
    items: list[TimelineEntry], *, kept: UUID, kept_case: UUID, removed: bool
) -> None:
    """Only the kept member (when one was removed, not the list destroyed) is still named."""
    placed = [item for item in items if item.kind == "MemberPlaced"]
    assert len(placed) == 3
    survivors = [item for item in placed if item.details["member_id"] is not None]
    if removed:
        (survivor,) = survivors
        assert survivor.details["member_id"] == str(kept)
        assert survivor.details["trajectory_id"] == str(kept_case)
        assert survivor.summary == "Jongere op de namenlijst geplaatst (met PGA-traject)"
    else:
        assert survivors == []
    for item in placed:
        if item not in survivors:
            assert item.details["trajectory_id"] is None
            assert item.summary == "Jongere op de namenlijst geplaatst"
    informed = [item for item in items if item.kind == "MemberInformed"]
    assert len(informed) == 3
    informed_ids = [item.details["member_id"] for item in informed]
    assert informed_ids.count(None) == (2 if removed else 3)
    assert (str(kept) in informed_ids) is removed
    removals = [item for item in items if item.kind == "MemberRemoved"]
    assert len(removals) == (2 if removed else 1)
    assert all(item.details["reason"] is None for item in removals)
    assert all(item.details["member_id"] is None for item in removals)
