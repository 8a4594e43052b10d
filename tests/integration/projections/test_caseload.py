"""The caseload read model on PostgreSQL: one handler test per event kind it reads, then queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import msgspec
import pytest

from pga.application import PgaApplication
from pga.demo import demo_application_options, generate
from pga.domain.catalogue import PartnerRole
from pga.domain.common import age_on
from pga.domain.network import NetworkStep
from pga.domain.trajectory import (
    ArrestRecorded,
    CaseConferenceHeld,
    InterventionState,
    PlanGoal,
    PoliceContactRecorded,
    Referred,
    Regisseur,
    Requester,
    RightsRequestKind,
    RightsRequestOutcome,
    TrajectoryStatus,
)
from pga.store.database import eventsourcing_env
from projections.caseload import (
    DEFAULT_THRESHOLDS,
    Caseload,
    CaseloadItem,
    CaseloadQuery,
    CaseloadThresholds,
    OpenRightsRequests,
    Signal,
    get_caseload_row,
    list_caseload,
    turns_18_on,
)
from projections.control import digest, rebuild
from projections.runner import catch_up
from projections.timeline import Timeline, occurred_on, timeline
from tests.integration.projections.cases import (
    GGD,
    HALT,
    JONGERENWERK,
    OTHER_REGISSEUR,
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
from tests.integration.projections.conftest import POLITIE
from tests.subject_keys import key_store

if TYPE_CHECKING:
    import psycopg

    from pga.domain.common import PgaEvent
    from tests.integration.projections.conftest import Project

S = TrajectoryStatus
TODAY = date(2026, 3, 1)


def row_of(
    project: Project,
    connection: psycopg.Connection[Any],
    schema: str,
    case: Handle,
    *,
    today: date = TODAY,
    batch_size: int = 500,
) -> CaseloadItem:
    """Project the caseload and return the row of ``case``."""
    project(Caseload(), batch_size=batch_size)
    item = get_caseload_row(connection, schema, case.id, today=today)
    assert item is not None
    return item


# --- one test per event kind the caseload reads ---


def test_a_referral_opens_a_row_with_the_youth_the_regisseur_and_the_offence(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, born_on=date(2010, 5, 17), referred_on=date(2026, 1, 5))
    item = row_of(project, connection, schema, case)

    history = app.history(case.id)
    assert item.trajectory_id == case.id
    assert item.subject_id == app.trajectory(case.id).subject_id
    assert item.status == S.AANGEMELD
    assert (item.regisseur_user, item.regisseur_organisation) == ("u-ggd-01", GGD)
    assert (item.given_name, item.family_name) == ("Testjongere", "Voorbeeld")
    assert item.born_on == date(2010, 5, 17)
    assert item.turns_18_on == date(2028, 5, 17)
    assert item.age == 15
    assert item.offence_categories == ["straatroof"]
    assert item.referred_on == item.last_activity_on == date(2026, 1, 5)
    assert item.closed_on is None
    assert (item.open_interventions, item.partners, item.erased) == (0, 0, False)
    assert item.intervention_due_on is item.plan_review_due_on is item.next_due_on is None
    assert len(history) == 1


def test_another_regisseur_takes_over_the_row(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    project(Caseload())
    case(app.assign_regisseur, regisseur=Regisseur("u-ggd-02", "ggd-gooi"))

    item = row_of(project, connection, schema, case)
    assert (item.regisseur_user, item.regisseur_organisation) == ("u-ggd-02", "ggd-gooi")


def test_partners_are_counted_while_they_are_involved(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    involve(case, HALT, PartnerRole.HALT, date(2026, 1, 6))
    involve(case, JONGERENWERK, PartnerRole.JONGERENWERK, date(2026, 1, 6))
    assert row_of(project, connection, schema, case).partners == 2

    case(app.withdraw_partner, organisation=HALT, withdrawn_on=date(2026, 1, 20), why="Klaar")
    item = row_of(project, connection, schema, case)
    assert item.partners == 1
    assert item.last_activity_on == date(2026, 1, 20)


def test_the_status_follows_intake_plan_revision_escalation_and_de_escalation(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    case(app.hold_intake, held_on=date(2026, 1, 8), attendees=("jongere",), trusted_person=None)
    assert row_of(project, connection, schema, case).status == S.INTAKE
    case(
        app.adopt_plan,
        adopted_on=date(2026, 1, 10),
        goals=(goal(date(2026, 6, 1)),),
        agreements=None,
    )
    assert row_of(project, connection, schema, case).status == S.ACTIEF
    case(app.start_revision, started_on=date(2026, 1, 20), why="Nieuwe aanhouding")
    assert row_of(project, connection, schema, case).status == S.BIJSTELLING
    case(
        app.revise_plan,
        adopted_on=date(2026, 1, 22),
        goals=(goal(date(2026, 7, 1)),),
        agreements=None,
    )
    assert row_of(project, connection, schema, case).status == S.ACTIEF
    case(app.escalate, escalated_on=date(2026, 1, 25), target="zvh", why="Zorgen nemen toe")
    assert row_of(project, connection, schema, case).status == S.OPGESCHAALD
    case(app.de_escalate, de_escalated_on=date(2026, 2, 2), why="Terug naar monitoring")
    item = row_of(project, connection, schema, case)
    assert item.status == S.AFGESCHAALD
    assert item.closed_on is None
    assert item.last_activity_on == date(2026, 2, 2)


def test_declining_inclusion_closes_the_row_as_niet_opgenomen(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    case(app.decline_inclusion, declined_on=date(2026, 1, 12), why="Geen grond voor opname")

    item = row_of(project, connection, schema, case)
    assert item.status == S.NIET_OPGENOMEN
    assert item.closed_on == date(2026, 1, 12)


def test_closing_records_afgesloten_and_the_closing_date(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    activate(case)
    case(
        app.close_trajectory,
        closed_on=date(2026, 2, 20),
        reason_code="doelen_behaald",
        handover_to=None,
    )

    item = row_of(project, connection, schema, case)
    assert item.status == S.AFGESLOTEN
    assert item.closed_on == item.last_activity_on == date(2026, 2, 20)


def test_offence_categories_collect_arrests_and_contacts_as_suspect_sorted_once(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, offence_category="straatroof")
    project(Caseload())
    for offence in ("wapenbezit", "straatroof"):
        case(
            app.record_arrest,
            POLITIE,
            arrested_on=date(2026, 1, 20),
            offence_category=offence,
            police_reference="PL-TEST-0002",
        )
    for role, offence in (("verdachte", "bedreiging"), ("slachtoffer", "afpersing")):
        case(
            app.record_police_contact,
            POLITIE,
            occurred_on=date(2026, 1, 25),
            offence_category=offence,
            role=role,
            police_reference="PL-TEST-0003",
        )

    item = row_of(project, connection, schema, case)
    assert item.offence_categories == ["bedreiging", "straatroof", "wapenbezit"]
    assert item.last_activity_on == date(2026, 1, 25)


def test_open_interventions_count_planned_and_started_ones_and_the_earliest_end_is_due(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    involve(case, HALT, PartnerRole.HALT, date(2026, 1, 6))
    activate(case, goal(date(2026, 9, 1)))
    halt = plan_halt(case, start=date(2026, 2, 1), end=date(2026, 4, 1))
    second = plan_halt(case, start=date(2026, 2, 1), end=date(2026, 3, 20))
    item = row_of(project, connection, schema, case, batch_size=2)
    assert (item.open_interventions, item.intervention_due_on) == (2, date(2026, 3, 20))
    assert item.next_due_on == date(2026, 3, 20)

    case(app.start_intervention, intervention_id=halt, started_on=date(2026, 2, 2))
    assert row_of(project, connection, schema, case).open_interventions == 2
    case(app.abort_intervention, intervention_id=second, aborted_on=date(2026, 2, 3), why="Dubbel")
    item = row_of(project, connection, schema, case)
    assert (item.open_interventions, item.intervention_due_on) == (1, date(2026, 4, 1))
    case(
        app.complete_intervention,
        intervention_id=halt,
        completed_on=date(2026, 2, 20),
        outcome="Afgerond met positief advies",
    )
    item = row_of(project, connection, schema, case)
    assert (item.open_interventions, item.intervention_due_on) == (0, None)
    assert item.next_due_on == item.plan_review_due_on == date(2026, 9, 1)
    # Planning has no business date: the planning's recording day (1 March 2026) is the latest.
    assert item.last_activity_on == date(2026, 3, 1)


def test_plan_review_is_due_at_the_next_conference_or_the_first_goal_no_conference_reviewed(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    activate(case, goal(date(2026, 6, 1)), goal(date(2026, 2, 1)))
    assert row_of(project, connection, schema, case).plan_review_due_on == date(2026, 2, 1)

    # A conference on or after a goal's due date reviews it.
    case(
        app.hold_case_conference,
        held_on=date(2026, 2, 1),
        participants=(GGD,),
        decisions="Doel school besproken",
        next_on=None,
    )
    assert row_of(project, connection, schema, case).plan_review_due_on == date(2026, 6, 1)
    case(
        app.hold_case_conference,
        held_on=date(2026, 2, 10),
        participants=(GGD,),
        decisions="Voortgang besproken",
        next_on=date(2026, 3, 10),
    )
    assert row_of(project, connection, schema, case).plan_review_due_on == date(2026, 3, 10)

    # A revised plan replaces the goals; its goal due before the next conference comes first.
    case(app.start_revision, started_on=date(2026, 2, 15), why="Nieuwe aanhouding")
    case(
        app.revise_plan,
        adopted_on=date(2026, 2, 16),
        goals=(goal(date(2026, 2, 25)), goal(date(2026, 8, 1))),
        agreements=None,
    )
    item = row_of(project, connection, schema, case)
    assert item.plan_review_due_on == item.next_due_on == date(2026, 2, 25)
    assert Signal.OVERDUE in item.signals  # 25 February is before TODAY


def test_last_activity_is_the_latest_business_date_and_a_late_recording_never_moves_it_back(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, referred_on=date(2026, 1, 5))
    case(
        app.record_jit_step,
        kind="straatcontact",
        occurred_on=date(2026, 2, 27),
        incident_on=None,
        parents_present=False,
    )
    assert row_of(project, connection, schema, case).last_activity_on == date(2026, 2, 27)
    case(
        app.record_arrest,
        POLITIE,
        arrested_on=date(2026, 1, 10),
        offence_category="diefstal",
        police_reference="PL-TEST-0004",
    )
    assert row_of(project, connection, schema, case).last_activity_on == date(2026, 2, 27)
    # A correction has no business date: its recording day (1 March 2026, UTC) counts.
    case(
        app.record_correction,
        corrects_version=3,
        what_was_wrong="Datum aanhouding",
        correction="11 januari",
        why="Melding politie",
    )
    assert row_of(project, connection, schema, case).last_activity_on == date(2026, 3, 1)


def test_erasure_blanks_the_name_and_birth_date_keeps_the_rest_and_silences_signals(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, born_on=date(2008, 3, 15))
    activate(case, goal(date(2026, 1, 20)))
    before = row_of(project, connection, schema, case)
    assert before.signals == [
        Signal.TURNS_18_SOON,
        Signal.OVERDUE,
        Signal.INACTIVE,
        Signal.INFORMATION_LETTER_OVERDUE,
    ]
    erase(case, erased_on=date(2026, 2, 20))

    item = row_of(project, connection, schema, case)
    assert item.erased
    assert (item.given_name, item.family_name) == (None, None)
    assert (item.born_on, item.turns_18_on) == (None, None)
    assert item.age is None
    assert item.signals == []
    assert item.status == S.ACTIEF
    assert item.plan_review_due_on is None  # the aggregate drops the goals with their text
    assert item.last_activity_on == date(2026, 2, 20)


def test_network_events_are_ignored_and_a_link_counts_only_as_activity(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, referred_on=date(2026, 1, 5))
    network = network_at_name_list(app)
    before = row_of(project, connection, schema, case)
    recorded = network(
        app.place_member,
        PROCESREGISSEUR,
        given_name="Testjongere",
        family_name="Voorbeeld",
        born_on=date(2010, 5, 17),
        role_in_group=None,
        placed_on=date(2026, 1, 9),
        trajectory_id=case.id,
    )
    assert recorded.linked_versions == {case.id: 2}
    network(
        app.step_back_network,
        PROCESREGISSEUR,
        to_step=NetworkStep.LIGHT_APPROACH,
        on=date(2026, 1, 12),
        why="Geen problematische groep",
    )

    item = row_of(project, connection, schema, case)
    assert list_caseload(connection, schema, CaseloadQuery(), today=TODAY).total == 1
    assert item.last_activity_on == date(2026, 1, 12)
    assert msgspec.structs.replace(item, last_activity_on=before.last_activity_on) == before


# --- the same events give the same rows however they are batched ---


def test_incremental_builds_in_any_batches_equal_a_rebuild_from_zero(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    first = refer(app, family_name="Een")
    second = refer(app, family_name="Twee", born_on=date(2008, 4, 1))
    project(Caseload(), batch_size=1)
    involve(first, HALT, PartnerRole.HALT, date(2026, 1, 6))
    activate(first, goal(date(2026, 2, 1)))
    halt = plan_halt(first, start=date(2026, 2, 1), end=date(2026, 3, 1))
    project(Caseload(), batch_size=2)
    activate(second)
    first(app.start_intervention, intervention_id=halt, started_on=date(2026, 2, 2))
    first(
        app.hold_case_conference,
        held_on=date(2026, 2, 3),
        participants=(GGD,),
        decisions="Voortgang besproken",
        next_on=date(2026, 3, 3),
    )
    project(Caseload(), batch_size=3)
    erase(second, erased_on=date(2026, 2, 10))
    first(app.abort_intervention, intervention_id=halt, aborted_on=date(2026, 2, 4), why="Gestopt")
    project(Caseload(), batch_size=1)
    incremental = digest(connection, schema, Caseload())

    rebuild(app, [Caseload()], batch_size=1000)
    assert digest(connection, schema, Caseload()) == incremental


# --- queries ---


def population(app: PgaApplication) -> dict[str, Handle]:
    """Five trajectories that differ in every filter (named Alfa to Echo, referred in order)."""
    gooi = Regisseur("u-ggd-03", "ggd-gooi")
    second = Regisseur(OTHER_REGISSEUR.user, OTHER_REGISSEUR.organisation)
    alfa = refer(app, family_name="Alfa", born_on=date(2008, 4, 15), referred_on=date(2026, 1, 5))
    activate(alfa, goal(date(2026, 3, 10)))
    bravo = refer(
        app,
        family_name="Bravo",
        offence_category="overval",
        referred_on=date(2026, 1, 6),
        regisseur=second,
    )
    bravo(
        app.record_arrest,
        POLITIE,
        arrested_on=date(2026, 2, 20),
        offence_category="wapenbezit",
        police_reference="PL-TEST-0005",
    )
    charlie = refer(
        app,
        family_name="Charlie",
        offence_category="gewapende_straatroof",
        referred_on=date(2026, 1, 7),
        regisseur=gooi,
    )
    charlie(app.decline_inclusion, declined_on=date(2026, 1, 9), why="Geen grond voor opname")
    delta = refer(app, family_name="Delta", born_on=date(2009, 9, 9), referred_on=date(2026, 1, 8))
    involve(delta, HALT, PartnerRole.HALT, date(2026, 1, 8))
    activate(delta)
    plan_halt(delta, start=date(2026, 2, 1), end=date(2026, 2, 20))
    echo = refer(app, family_name="Echo", offence_category="overval", referred_on=date(2026, 1, 9))
    activate(echo, goal(date(2026, 1, 20)))
    echo(
        app.close_trajectory,
        closed_on=date(2026, 2, 15),
        reason_code="doelen_behaald",
        handover_to=None,
    )
    return {"alfa": alfa, "bravo": bravo, "charlie": charlie, "delta": delta, "echo": echo}


def names(
    connection: psycopg.Connection[Any],
    schema: str,
    *,
    today: date = TODAY,
    thresholds: CaseloadThresholds = DEFAULT_THRESHOLDS,
    **query: Any,  # noqa: ANN401 - CaseloadQuery's fields
) -> list[str | None]:
    page = list_caseload(
        connection, schema, CaseloadQuery(**query), today=today, thresholds=thresholds
    )
    return [item.family_name for item in page.items]


def test_filters_by_status_open_or_closed_regisseur_organisation_and_offence(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    population(app)
    project(Caseload())

    assert names(connection, schema, sort="referred_on") == [
        "Alfa",
        "Bravo",
        "Charlie",
        "Delta",
        "Echo",
    ]
    assert names(connection, schema, statuses=("actief",), sort="referred_on") == ["Alfa", "Delta"]
    assert names(connection, schema, statuses=("aangemeld", "afgesloten"), sort="referred_on") == [
        "Bravo",
        "Echo",
    ]
    assert names(connection, schema, closed=True, sort="referred_on") == ["Charlie", "Echo"]
    assert names(connection, schema, closed=False, sort="referred_on") == ["Alfa", "Bravo", "Delta"]
    assert names(connection, schema, regisseur_user="u-ggd-01", sort="referred_on") == [
        "Alfa",
        "Delta",
        "Echo",
    ]
    assert names(connection, schema, organisation="ggd-gooi", sort="referred_on") == ["Charlie"]
    assert names(connection, schema, offence_category="wapenbezit", sort="referred_on") == ["Bravo"]
    assert names(connection, schema, offence_category="straatroof", sort="referred_on") == [
        "Alfa",
        "Delta",
    ]
    assert names(
        connection, schema, regisseur_user="u-ggd-01", closed=False, sort="referred_on"
    ) == [
        "Alfa",
        "Delta",
    ]
    assert names(connection, schema, regisseur_user="u-nobody", sort="referred_on") == []


def test_signals_filter_open_trajectories_on_the_given_day_with_the_given_thresholds(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    population(app)
    project(Caseload())

    # Echo's goal (20 January) is long overdue, but Echo is closed: no signal.
    assert names(connection, schema, signal="overdue", sort="referred_on") == ["Delta"]
    assert names(
        connection, schema, today=date(2026, 3, 11), signal="overdue", sort="referred_on"
    ) == [
        "Alfa",
        "Delta",
    ]
    assert names(connection, schema, signal="turns_18_soon", sort="referred_on") == ["Alfa"]
    assert (
        names(
            connection,
            schema,
            thresholds=CaseloadThresholds(turns_18_within_days=30),
            signal="turns_18_soon",
        )
        == []
    )
    assert names(connection, schema, signal="inactive", sort="referred_on") == ["Alfa"]
    assert names(
        connection,
        schema,
        thresholds=CaseloadThresholds(inactive_days=9),
        signal="inactive",
        sort="referred_on",
    ) == ["Alfa", "Bravo"]
    page = list_caseload(connection, schema, CaseloadQuery(sort="referred_on"), today=TODAY)
    # Nobody recorded an information letter; the open ones (not Charlie, not Echo) are overdue.
    letter = Signal.INFORMATION_LETTER_OVERDUE
    assert [item.signals for item in page.items] == [
        [Signal.TURNS_18_SOON, Signal.INACTIVE, letter],
        [letter],
        [],
        [Signal.OVERDUE, letter],
        [],
    ]


def test_sorting_follows_the_key_and_direction_with_empty_values_last_and_ties_by_id(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    cases = population(app)
    project(Caseload())

    assert names(connection, schema, sort="referred_on", order="desc") == [
        "Echo",
        "Delta",
        "Charlie",
        "Bravo",
        "Alfa",
    ]

    def by_id(*keys: str) -> list[str | None]:
        """Return the names of ``keys`` in the order of their trajectory ids (the tiebreak)."""
        return [key.capitalize() for key in sorted(keys, key=lambda key: cases[key].id)]

    # No due date (Bravo, Charlie): last in either direction, by id.
    assert names(connection, schema) == ["Echo", "Delta", "Alfa", *by_id("bravo", "charlie")]
    assert names(connection, schema, order="desc") == [
        "Alfa",
        "Delta",
        "Echo",
        *by_id("bravo", "charlie"),
    ]
    both_actief = names(connection, schema, statuses=("actief",), sort="status")
    assert both_actief == by_id("alfa", "delta")
    assert names(connection, schema, statuses=("actief",), sort="status", order="desc") == (
        by_id("alfa", "delta")
    )
    assert names(connection, schema, sort="family_name", order="desc") == [
        "Echo",
        "Delta",
        "Charlie",
        "Bravo",
        "Alfa",
    ]
    assert names(connection, schema, sort="open_interventions", order="desc")[0] == "Delta"


def test_paging_returns_the_page_and_the_total_and_an_empty_page_past_the_end(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    population(app)
    project(Caseload())

    pages = [
        list_caseload(
            connection,
            schema,
            CaseloadQuery(sort="referred_on", page=number, page_size=2),
            today=TODAY,
        )
        for number in (1, 2, 3, 4)
    ]
    assert [[item.family_name for item in page.items] for page in pages] == [
        ["Alfa", "Bravo"],
        ["Charlie", "Delta"],
        ["Echo"],
        [],
    ]
    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [(page.page, page.page_size) for page in pages[:2]] == [(1, 2), (2, 2)]
    filtered = list_caseload(
        connection, schema, CaseloadQuery(closed=True, page=3, page_size=1), today=TODAY
    )
    assert (filtered.items, filtered.total) == ([], 2)


def test_signal_boundaries_turning_18_overdue_and_inactive(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, born_on=date(2008, 6, 1), referred_on=date(2026, 1, 5))
    activate(case, goal(date(2026, 2, 1)), adopted_on=date(2026, 1, 10))
    project(Caseload())

    def signals(today: date) -> list[Signal]:
        item = get_caseload_row(connection, schema, case.id, today=today)
        assert item is not None
        return item.signals

    eighteen = date(2026, 6, 1)
    assert Signal.TURNS_18_SOON not in signals(eighteen - timedelta(days=91))
    assert Signal.TURNS_18_SOON in signals(eighteen - timedelta(days=90))
    assert Signal.TURNS_18_SOON in signals(eighteen + timedelta(days=30))  # 18 and still open
    assert Signal.OVERDUE not in signals(date(2026, 2, 1))
    assert Signal.OVERDUE in signals(date(2026, 2, 2))
    assert Signal.INACTIVE not in signals(date(2026, 1, 10) + timedelta(days=29))
    assert Signal.INACTIVE in signals(date(2026, 1, 10) + timedelta(days=30))
    assert signals(date(2026, 1, 11)) == []
    item = get_caseload_row(connection, schema, case.id, today=eighteen)
    assert item is not None
    assert item.age == 18


def test_turning_18_on_29_february_counts_from_1_march() -> None:
    assert turns_18_on(date(2008, 2, 29)) == date(2026, 3, 1)
    assert turns_18_on(date(2008, 3, 1)) == date(2026, 3, 1)
    assert turns_18_on(date(2010, 2, 28)) == date(2028, 2, 28)


def test_an_unknown_trajectory_has_no_row(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    refer(app)
    project(Caseload())
    assert get_caseload_row(connection, schema, uuid4(), today=TODAY) is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"statuses": ("open",)}, "status must be one of"),
        ({"offence_category": "moord"}, "offence_category must be one of"),
        ({"signal": "late"}, "signal must be one of"),
        ({"sort": "given_name"}, "sort must be one of"),
        ({"sort": "referred_on; DROP TABLE caseload"}, "sort must be one of"),
        ({"order": "up"}, "order must be 'asc' or 'desc'"),
        ({"page": 0}, "page must be a whole number from 1 to 1000000"),
        ({"page": 1_000_001}, "page must be a whole number from 1 to 1000000"),
        ({"page_size": 0}, "page_size must be a whole number from 1 to 500"),
        ({"page_size": 501}, "page_size must be a whole number from 1 to 500"),
        ({"regisseur_user": " "}, "regisseur_user must be a non-empty text"),
    ],
)
def test_invalid_query_values_are_refused_with_a_clear_message(
    query: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CaseloadQuery(**query)


def test_invalid_thresholds_and_days_are_refused(
    project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    project(Caseload())
    with pytest.raises(ValueError, match="inactive_days must be a whole number of at least 1"):
        CaseloadThresholds(inactive_days=0)
    with pytest.raises(ValueError, match="turns_18_within_days must be a whole number"):
        CaseloadThresholds(turns_18_within_days=-1)
    with pytest.raises(ValueError, match="today must be a date"):
        list_caseload(connection, schema, CaseloadQuery(), today=datetime(2026, 3, 1, tzinfo=UTC))


# --- demo data: every row equals what the aggregate says ---


def test_demo_caseload_rows_equal_the_aggregates_and_timelines_hold_every_event(
    database_url: str, schema: str, connection: psycopg.Connection[Any]
) -> None:
    seed = 23
    env = eventsourcing_env(database_url, schema)
    keys = key_store(database_url, schema)
    with PgaApplication(env, keys=keys, **demo_application_options(seed)) as app:
        generate(app, trajectories=30, networks=3, seed=seed)
        assert catch_up(app, [Caseload(), Timeline()], batch_size=97) > 0
        today = app.clock().date()
        page = list_caseload(connection, schema, CaseloadQuery(page_size=500), today=today)
        rows = {item.trajectory_id: item for item in page.items}
        trajectory_ids = app.trajectory_ids()
        assert set(rows) == set(trajectory_ids)
        for trajectory_id in trajectory_ids:
            assert_row_equals_the_aggregate(app, rows[trajectory_id], today)
        for aggregate_id in (*trajectory_ids, *app.network_ids()):
            assert_timeline_equals_the_history(app, connection, schema, aggregate_id)
    statuses = {item.status for item in page.items}
    assert len(statuses) >= 4  # the demo data reaches the statuses this test compares


def assert_row_equals_the_aggregate(app: PgaApplication, row: CaseloadItem, today: date) -> None:
    trajectory = app.trajectory(row.trajectory_id)
    history = [entry.event for entry in app.history(row.trajectory_id)]
    assert row.status == trajectory.status
    assert (row.regisseur_user, row.regisseur_organisation) == (
        trajectory.regisseur.user_id,
        trajectory.regisseur.organisation,
    )
    assert row.subject_id == trajectory.subject_id
    assert (row.given_name, row.family_name, row.born_on) == (
        trajectory.given_name,
        trajectory.family_name,
        trajectory.born_on,
    )
    assert (row.referred_on, row.closed_on, row.erased) == (
        trajectory.referred_on,
        trajectory.closed_on,
        trajectory.erased,
    )
    assert row.partners == len(trajectory.partners)
    open_ends = [
        item.planned_end
        for item in trajectory.interventions.values()
        if item.state in {InterventionState.PLANNED, InterventionState.STARTED}
    ]
    assert row.open_interventions == len(open_ends)
    assert row.intervention_due_on == min(open_ends, default=None)
    suspected = {
        event.offence_category
        for event in history
        if isinstance(event, Referred | ArrestRecorded)
        or (isinstance(event, PoliceContactRecorded) and event.role == "verdachte")
    }
    assert row.offence_categories == sorted(suspected)
    conferences = [event.held_on for event in history if isinstance(event, CaseConferenceHeld)]
    last_conference = max(conferences, default=None)
    goals = trajectory.plan.goals if trajectory.plan is not None else ()
    unreviewed = [
        goal.due_on for goal in goals if last_conference is None or goal.due_on > last_conference
    ]
    due = [
        day for day in (trajectory.next_case_conference_on, min(unreviewed, default=None)) if day
    ]
    assert row.plan_review_due_on == min(due, default=None)
    assert row.next_due_on == min(
        [day for day in (row.plan_review_due_on, row.intervention_due_on) if day], default=None
    )
    assert row.last_activity_on == max(
        occurred_on(event) or event.timestamp.date() for event in history
    )
    open_requests = [
        request.due_on
        for request in trajectory.rights_requests.values()
        if request.completed_on is None
    ]
    earliest = min(open_requests, default=None)
    assert row.rights_requests == OpenRightsRequests(
        open=len(open_requests),
        due_on=earliest,
        overdue=earliest is not None and earliest < today,
    )
    if row.born_on is not None:
        assert row.turns_18_on is not None
        assert age_on(row.born_on, row.turns_18_on) == 18
        assert age_on(row.born_on, row.turns_18_on - timedelta(days=1)) == 17
        assert row.age == age_on(row.born_on, today)
    if trajectory.is_closed:
        assert row.signals == []


def assert_timeline_equals_the_history(
    app: PgaApplication, connection: psycopg.Connection[Any], schema: str, aggregate_id: UUID
) -> None:
    history = app.history(aggregate_id)
    page = timeline(connection, schema, aggregate_id, page_size=500)
    assert page.total == len(page.items) == len(history)
    assert [(item.version, item.kind) for item in page.items] == [
        (entry.version, entry.kind) for entry in history
    ]
    for item, entry in zip(page.items, history, strict=True):
        for text in personal_texts(entry.event):
            assert text not in item.summary


def personal_texts(event: PgaEvent) -> list[str]:
    """Return the text values of an event's personal fields (names, references, free text)."""
    found: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, tuple | list):
            for each in value:
                collect(each)
        elif isinstance(value, PlanGoal):
            collect(value.description)

    for name in event.personal_fields:
        collect(getattr(event, name))
    return found


# --- the information letter (informatieplicht) ---


def test_the_information_letter_is_due_after_the_configured_days_and_silenced_once_sent(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    referred_on = date(2026, 1, 5)
    case = refer(app, born_on=date(2014, 1, 5), referred_on=referred_on)  # 12 on the day
    due_on = referred_on + timedelta(days=30)
    letter = Signal.INFORMATION_LETTER_OVERDUE

    on_due_day = row_of(project, connection, schema, case, today=due_on)
    day_after = row_of(project, connection, schema, case, today=due_on + timedelta(days=1))

    assert on_due_day.information_letter.due_on == due_on
    assert on_due_day.information_letter.recipients == "jongere_en_ouders"
    assert on_due_day.information_letter.sent_on is None
    assert letter not in on_due_day.signals
    assert letter in day_after.signals
    shorter = get_caseload_row(
        connection,
        schema,
        case.id,
        today=due_on,
        thresholds=CaseloadThresholds(information_letter_days=10),
    )
    assert shorter is not None
    assert letter in shorter.signals
    assert shorter.information_letter.due_on == referred_on + timedelta(days=10)
    listed = list_caseload(
        connection,
        schema,
        CaseloadQuery(signal=letter.value),
        today=due_on + timedelta(days=1),
    )
    assert [item.trajectory_id for item in listed.items] == [case.id]

    case(app.record_information_letter, sent_on=date(2026, 2, 10))
    sent = row_of(project, connection, schema, case, today=due_on + timedelta(days=1))
    assert sent.information_letter.sent_on == date(2026, 2, 10)
    assert letter not in sent.signals


# --- rights requests ---


def receive(case: Handle, received_on: date) -> UUID:
    recorded = case(
        case.app.receive_rights_request,
        kind=RightsRequestKind.INZAGE,
        requester=Requester.OUDER_OF_VOOGD,
        received_on=received_on,
    )
    assert recorded.entity_id is not None
    return recorded.entity_id


def overdue_ids(
    connection: psycopg.Connection[Any], schema: str, today: date, *, overdue: bool = True
) -> list[UUID]:
    query = CaseloadQuery(rights_request_overdue=overdue, sort="rights_request_due_on")
    page = list_caseload(connection, schema, query, today=today)
    return [item.trajectory_id for item in page.items]


def test_open_rights_requests_are_counted_and_overdue_on_closed_and_erased_ones_too(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app, family_name="Verzoek")
    other = refer(app, family_name="Zonder")
    first = receive(case, date(2026, 1, 20))  # due 20 February
    second = receive(case, date(2026, 2, 10))  # due 10 March
    item = row_of(project, connection, schema, case, today=date(2026, 2, 20))
    assert item.rights_requests == OpenRightsRequests(
        open=2, due_on=date(2026, 2, 20), overdue=False
    )
    # Overdue from the day after the due date; a trajectory without requests never is.
    assert row_of(project, connection, schema, case, today=date(2026, 2, 21)).rights_requests == (
        OpenRightsRequests(open=2, due_on=date(2026, 2, 20), overdue=True)
    )
    assert row_of(project, connection, schema, other).rights_requests == OpenRightsRequests(
        open=0, due_on=None, overdue=False
    )
    assert overdue_ids(connection, schema, date(2026, 2, 21)) == [case.id]
    assert overdue_ids(connection, schema, date(2026, 2, 21), overdue=False) == [other.id]
    assert overdue_ids(connection, schema, date(2026, 2, 20)) == []

    # Extended: the other request is the earliest now; completed: one is left.
    case(app.extend_rights_request, request_id=first, extended_on=date(2026, 2, 1), why="Omvang")
    item = row_of(project, connection, schema, case, today=date(2026, 2, 21))
    assert item.rights_requests == OpenRightsRequests(
        open=2, due_on=date(2026, 3, 10), overdue=False
    )
    case(
        app.complete_rights_request,
        request_id=second,
        completed_on=date(2026, 2, 25),
        outcome=RightsRequestOutcome.GRANTED,
    )
    assert row_of(project, connection, schema, case).rights_requests == OpenRightsRequests(
        open=1, due_on=date(2026, 4, 20), overdue=False
    )
    # Closed and erased, the open request and its deadline stay (no signal: the trajectory's
    # signals are for open, not erased ones).
    case(app.decline_inclusion, declined_on=date(2026, 2, 26), why="Geen grond voor de aanpak")
    erase(case, erased_on=date(2026, 2, 27))
    item = row_of(project, connection, schema, case, today=date(2026, 4, 21))
    assert (item.erased, item.status, item.signals) == (True, S.NIET_OPGENOMEN, [])
    assert item.rights_requests == OpenRightsRequests(
        open=1, due_on=date(2026, 4, 20), overdue=True
    )
    assert overdue_ids(connection, schema, date(2026, 4, 21)) == [case.id]
    case(
        app.complete_rights_request,
        request_id=first,
        completed_on=date(2026, 2, 28),
        outcome=RightsRequestOutcome.GRANTED,
    )
    item = row_of(project, connection, schema, case, today=date(2026, 4, 21))
    assert item.rights_requests == OpenRightsRequests(open=0, due_on=None, overdue=False)

    # One event at a time gives the same rows as a rebuild from zero.
    incremental = digest(connection, schema, Caseload())
    rebuild(app, [Caseload()], batch_size=1)
    assert digest(connection, schema, Caseload()) == incremental
