"""The figures read model on PostgreSQL: what each event counts for, and the demo data's figures.

Handler tests drive real commands (business dates up to 1 March 2026, the fixtures' recording
day) and read the half-years back. The demo test recomputes every half-year's figures from the
aggregates themselves and compares, unsuppressed and then suppressed, and audits the suppressed
half-years together with the disclosure audit of the unit tests.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from pga.application import PgaApplication
from pga.demo import demo_application_options, generate
from pga.domain.catalogue import DEFAULT_CATALOGUE, PartnerRole
from pga.domain.network import (
    NetworkFileClosed,
    NetworkOpened,
    NetworkStep,
    StepAdvanced,
    SteppedBack,
)
from pga.domain.trajectory import InterventionState, Regisseur, TrajectoryStatus
from pga.store.database import eventsourcing_env
from projections.figures import (
    DEFAULT_MINIMUM_CELL,
    NOT_INCLUDED,
    Breakdown,
    Cell,
    Figure,
    Figures,
    HalfYear,
    HalfYearFigures,
    half_year,
    half_years,
    is_small,
)
from projections.runner import catch_up
from tests.integration.projections.conftest import POLITIE, context
from tests.integration.projections.network_driver import NetworkDriver
from tests.subject_keys import key_store
from tests.unit.test_figures_suppression import (
    Arc,
    Shown,
    ShownBreakdown,
    ShownPeriod,
    chain_arcs,
    recoverable,
    spread,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    import psycopg

    from pga.application import Recorded
    from pga.domain.trajectory import Trajectory
    from tests.integration.projections.conftest import Project

N = NetworkStep
BORN_ON = date(2010, 5, 17)
JEUGDRECLASSERING = "jeugdreclassering-flevoland"
SCHOOL = "school-almere-college"
JONGERENWERK = "jongerenwerk-almere"


# --- helpers ---


def refer(app: PgaApplication, referred_on: date, offence: str = "straatroof") -> Recorded:
    return app.refer(
        context(POLITIE, reason="aanmelding"),
        given_name="Testjongere",
        family_name="Voorbeeld",
        born_on=BORN_ON,
        offence_category=offence,
        suspected_on=referred_on - timedelta(days=2),
        referred_on=referred_on,
        police_reference="PL-TEST-0001",
        referring_organisation="politie-midden-nederland",
        regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
    )


def close(app: PgaApplication, recorded: Recorded, on: date, reason: str) -> Recorded:
    return app.close_trajectory(
        context(),
        recorded.aggregate_id,
        recorded.version,
        closed_on=on,
        reason_code=reason,
        handover_to="Wijkteam Haven"
        if DEFAULT_CATALOGUE.closing_reasons[reason].needs_handover
        else None,
    )


def values(breakdown: Breakdown) -> dict[str, int | None]:
    """Return the breakdown's non-zero (or suppressed) cells by code."""
    return {cell.code: cell.value for cell in breakdown.cells if cell.value != 0}


def unsuppressed(connection: psycopg.Connection[Any], schema: str, period: str) -> HalfYearFigures:
    """Return the figures of ``period`` (``2026-H1``) with nothing suppressed."""
    year, half = period.split("-H")
    return half_year(connection, schema, int(year), int(half), minimum_cell=1)


def caseload(figures: HalfYearFigures) -> tuple[int | None, int | None]:
    """Return the active trajectories at the start and at the end of the half-year."""
    return figures.trajectories.active_at_start.value, figures.trajectories.active_at_end.value


# --- trajectories ---


def test_a_referral_counts_in_the_half_year_of_its_referral_date_per_offence(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    refer(app, date(2025, 12, 31), "straatroof")
    refer(app, date(2026, 1, 1), "overval")
    refer(app, date(2026, 2, 10), "gewapende_straatroof")
    project(Figures())

    late_2025 = unsuppressed(connection, schema, "2025-H2")
    early_2026 = unsuppressed(connection, schema, "2026-H1")

    assert values(late_2025.trajectories.referrals) == {"straatroof": 1}
    assert values(early_2026.trajectories.referrals) == {"overval": 1, "gewapende_straatroof": 1}
    assert early_2026.trajectories.referrals.total == Figure(value=2, suppressed=False)
    assert caseload(late_2025) == (0, 1)
    assert caseload(early_2026) == (1, 3)
    assert [(cell.code, cell.label) for cell in early_2026.trajectories.referrals.cells] == [
        (entry.code, entry.label) for entry in DEFAULT_CATALOGUE.offences.entries if entry.included
    ]
    assert (early_2026.period, early_2026.starts_on, early_2026.ends_on) == (
        "2026-H1",
        date(2026, 1, 1),
        date(2026, 6, 30),
    )


def test_a_closing_counts_as_outflow_by_reason_and_ends_the_caseload_that_day(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    first, second = refer(app, date(2025, 11, 3)), refer(app, date(2025, 11, 4))
    project(Figures())  # the trajectories are stored before their closings arrive
    close(app, first, date(2025, 12, 31), "doelen_behaald")
    close(app, second, date(2026, 1, 1), "overdracht_zorg")
    project(Figures())

    before, after = (
        unsuppressed(connection, schema, "2025-H2"),
        unsuppressed(connection, schema, "2026-H1"),
    )

    assert values(before.trajectories.outflow) == {"doelen_behaald": 1}
    assert before.trajectories.active_at_end.value == 1  # closed on the last day: not active
    assert values(after.trajectories.outflow) == {"overdracht_zorg": 1}
    assert caseload(after) == (1, 0)
    labels = {cell.code: cell.label for cell in after.trajectories.outflow.cells}
    assert labels["overdracht_zorg"] == "Warme overdracht naar zorg of wijkteam"


def test_a_declined_inclusion_counts_as_outflow_not_included(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    recorded = refer(app, date(2026, 1, 10))
    project(Figures())
    app.decline_inclusion(
        context(),
        recorded.aggregate_id,
        recorded.version,
        declined_on=date(2026, 1, 20),
        why="Geen grond",
    )
    project(Figures())

    outflow = unsuppressed(connection, schema, "2026-H1").trajectories.outflow

    assert values(outflow) == {NOT_INCLUDED: 1}
    assert outflow.cells[-1] == Cell(
        code=NOT_INCLUDED, label="Niet opgenomen", value=1, suppressed=False
    )


def test_an_offence_outside_the_inclusion_list_gets_a_row_of_its_own(
    database_url: str,
    schema: str,
    project: Project,
    connection: psycopg.Connection[Any],
    app: PgaApplication,
) -> None:
    catalogue = DEFAULT_CATALOGUE.with_included_offences(("straatroof", "afpersing"))
    with PgaApplication(
        eventsourcing_env(database_url, schema),
        catalogue=catalogue,
        clock_source=app.clock,
        keys=app.keys,
    ) as other:
        refer(other, date(2026, 1, 10), "afpersing")
    project(Figures())

    default = unsuppressed(connection, schema, "2026-H1").trajectories.referrals
    configured = half_year(connection, schema, 2026, 1, minimum_cell=1, catalogue=catalogue)

    assert default.cells[-1] == Cell(code="afpersing", label="Afpersing", value=1, suppressed=False)
    assert [cell.code for cell in configured.trajectories.referrals.cells] == [
        "straatroof",
        "afpersing",
    ]


# --- interventions ---


def test_interventions_count_by_type_when_they_start_and_when_they_end(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    recorded = refer(app, date(2025, 9, 1))
    tid = recorded.aggregate_id
    for organisation, role in (
        (JEUGDRECLASSERING, PartnerRole.JEUGDRECLASSERING),
        (SCHOOL, PartnerRole.SCHOOL),
        (JONGERENWERK, PartnerRole.JONGERENWERK),
    ):
        recorded = app.involve_partner(
            context(),
            tid,
            recorded.version,
            organisation=organisation,
            role=role,
            legal_basis="jeugdwet",
            since=date(2025, 9, 2),
        )
    planned: dict[str, UUID] = {}
    for kind, organisation in (
        ("jeugdreclassering", JEUGDRECLASSERING),
        ("schooltraject", SCHOOL),
        ("jongerenwerk_activiteit", JONGERENWERK),
    ):
        recorded = app.plan_intervention(
            context(),
            tid,
            recorded.version,
            kind=kind,
            responsible_organisation=organisation,
            legal_basis="jeugdwet",
            planned_start=date(2025, 9, 10),
            planned_end=date(2026, 6, 1),
        )
        assert recorded.entity_id is not None
        planned[kind] = recorded.entity_id
    recorded = app.start_intervention(
        context(),
        tid,
        recorded.version,
        intervention_id=planned["jeugdreclassering"],
        started_on=date(2025, 9, 15),
    )
    project(Figures())  # the interventions are stored before they change again
    recorded = app.start_intervention(
        context(),
        tid,
        recorded.version,
        intervention_id=planned["schooltraject"],
        started_on=date(2026, 1, 5),
    )
    recorded = app.complete_intervention(
        context(),
        tid,
        recorded.version,
        intervention_id=planned["jeugdreclassering"],
        completed_on=date(2026, 1, 20),
        outcome="Voorwaarden nageleefd",
    )
    recorded = app.abort_intervention(
        context(),
        tid,
        recorded.version,
        intervention_id=planned["schooltraject"],
        aborted_on=date(2026, 2, 1),
        why="Verhuisd",
    )
    app.abort_intervention(
        context(),
        tid,
        recorded.version,
        intervention_id=planned["jongerenwerk_activiteit"],
        aborted_on=date(2026, 2, 1),
        why="Niet nodig",
    )
    project(Figures())

    before, after = (
        unsuppressed(connection, schema, "2025-H2").interventions,
        unsuppressed(connection, schema, "2026-H1").interventions,
    )

    assert (values(before.started), values(before.completed), values(before.aborted)) == (
        {"jeugdreclassering": 1},
        {},
        {},
    )
    assert values(after.started) == {"schooltraject": 1}
    assert values(after.completed) == {"jeugdreclassering": 1}
    assert values(after.aborted) == {"schooltraject": 1}  # the cancelled activity never started
    assert after.aborted.total == Figure(value=1, suppressed=False)
    labels = {cell.code: cell.label for cell in after.started.cells}
    assert labels["jeugdreclassering"] == "Jeugdreclassering (toezicht)"
    assert list(labels) == list(DEFAULT_CATALOGUE.interventions.codes())


# --- youth networks ---


def test_networks_count_per_step_at_the_end_of_the_half_year_as_opened_and_as_closed(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    light = NetworkDriver(app, "Groep Haven", opened_on=date(2025, 10, 1))
    light.to_assessment(date(2025, 11, 1))
    NetworkDriver(app, "Groep Buiten", opened_on=date(2025, 12, 1))
    project(Figures())
    light.assess(date(2026, 1, 10), problematic=False)
    light.advance(N.LIGHT_APPROACH, date(2026, 1, 10))
    light.close(date(2026, 2, 1))
    back = NetworkDriver(app, "Groep Poort", opened_on=date(2026, 1, 5))
    back.to_name_list(date(2026, 1, 6))
    back.step_back(N.ASSESSMENT, date(2026, 2, 2))
    project(Figures())

    before, after = (
        unsuppressed(connection, schema, "2025-H2").networks,
        unsuppressed(connection, schema, "2026-H1").networks,
    )

    assert (before.open_at_start.value, before.opened.value, before.closed.value) == (0, 2, 0)
    assert values(before.open_at_end) == {N.SIGNALS.value: 1, N.ASSESSMENT.value: 1}
    assert (after.open_at_start.value, after.opened.value, after.closed.value) == (2, 1, 1)
    assert values(after.open_at_end) == {N.SIGNALS.value: 1, N.ASSESSMENT.value: 1}
    assert after.open_at_end.total == Figure(value=2, suppressed=False)
    assert [cell.label for cell in after.open_at_end.cells][:2] == [
        "Stap 1: signalen delen",
        "Stap 2A: beoordelen groepsgedrag",
    ]
    assert N.CLOSED.value not in {cell.code for cell in after.open_at_end.cells}


def test_a_network_is_counted_in_the_last_step_it_entered_on_a_day(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    network = NetworkDriver(app, "Groep Stad", opened_on=date(2025, 12, 31))
    network.to_name_list(date(2025, 12, 31))
    project(Figures())

    assert values(unsuppressed(connection, schema, "2025-H2").networks.open_at_end) == {
        N.NAME_LIST.value: 1
    }


# --- what is not counted, the periods, the suppression ---


def test_events_the_figures_do_not_read_change_no_figure(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    recorded = refer(app, date(2026, 1, 10))
    project(Figures())
    before = unsuppressed(connection, schema, "2026-H1")
    recorded = app.record_arrest(
        context(POLITIE),
        recorded.aggregate_id,
        recorded.version,
        arrested_on=date(2026, 2, 1),
        offence_category="overval",
        police_reference="PL-TEST-0002",
    )
    app.record_jit_step(
        context(),
        recorded.aggregate_id,
        recorded.version,
        kind="huisbezoek",
        occurred_on=date(2026, 2, 2),
        incident_on=None,
        parents_present=True,
    )

    assert project(Figures()) == 2
    assert unsuppressed(connection, schema, "2026-H1") == before


def test_half_years_run_from_the_first_to_the_last_business_date(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    project(Figures())
    assert half_years(connection, schema) == []

    recorded = refer(app, date(2025, 1, 15))
    close(app, recorded, date(2026, 1, 2), "overig")
    project(Figures())

    assert [period.label for period in half_years(connection, schema)] == [
        "2025-H1",
        "2025-H2",
        "2026-H1",
    ]


@pytest.mark.parametrize(
    ("year", "half", "minimum_cell", "message"),
    [
        (2026, 3, DEFAULT_MINIMUM_CELL, "half must be 1"),
        (2026, 0, DEFAULT_MINIMUM_CELL, "half must be 1"),
        (2026, True, DEFAULT_MINIMUM_CELL, "half must be 1"),
        (0, 1, DEFAULT_MINIMUM_CELL, "year must be a whole number from 1 to 9999"),
        (10_000, 2, DEFAULT_MINIMUM_CELL, "year must be a whole number from 1 to 9999"),
        (2026, 1, 0, "minimum_cell must be a whole number of at least 1"),
    ],
)
def test_an_invalid_period_or_minimum_is_refused_with_a_clear_message(
    connection: psycopg.Connection[Any],
    schema: str,
    year: int,
    half: int,
    minimum_cell: int,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        half_year(connection, schema, year, half, minimum_cell=minimum_cell)


def test_small_counts_are_published_as_null_and_flagged_suppressed_never_as_zero(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    for day in range(1, 9):
        refer(app, date(2026, 1, day), "straatroof")
    refer(app, date(2026, 1, 10), "overval")
    project(Figures())

    published = half_year(connection, schema, 2026, 1)

    referrals = {cell.code: cell for cell in published.trajectories.referrals.cells}
    assert published.minimum_cell == DEFAULT_MINIMUM_CELL
    assert (referrals["overval"].value, referrals["overval"].suppressed) == (None, True)
    assert (referrals["straatroof"].value, referrals["straatroof"].suppressed) == (None, True)
    assert referrals["gewapende_overval"] == Cell(
        code="gewapende_overval", label="Gewapende overval", value=0, suppressed=False
    )
    assert published.trajectories.referrals.total == Figure(value=9, suppressed=False)
    assert published.trajectories.active_at_end == Figure(value=9, suppressed=False)


def test_two_small_stocks_beside_published_flows_take_the_smaller_flow_with_them(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    # Caseload and open networks alike: 1 at the start, 8 in, 5 out, 4 at the end. Published
    # flows would give end - start = 3, and with both stocks in 1 to 4 that pins them: 1 and 4.
    refer(app, date(2025, 11, 3))
    NetworkDriver(app, "Groep Vooraf", opened_on=date(2025, 11, 3))
    referred = [refer(app, date(2026, 1, day)) for day in range(5, 13)]
    networks = [
        NetworkDriver(app, f"Groep {day}", opened_on=date(2026, 1, day)) for day in range(5, 13)
    ]
    project(Figures())
    for day, recorded in enumerate(referred[:5], start=1):
        close(app, recorded, date(2026, 2, day), "doelen_behaald")
    for day, network in enumerate(networks[:5], start=1):
        network.close(date(2026, 2, day))
    project(Figures())
    periods = [HalfYear(2025, 2), HalfYear(2026, 1)]
    raw = [half_year(connection, schema, p.year, p.half, minimum_cell=1) for p in periods]
    published = [half_year(connection, schema, p.year, p.half) for p in periods]

    counted = raw[1]
    assert caseload(counted) == (1, 4)
    assert (
        counted.trajectories.referrals.total.value,
        counted.trajectories.outflow.total.value,
    ) == (8, 5)
    assert counted.networks.open_at_start.value == 1
    assert (counted.networks.opened.value, counted.networks.closed.value) == (8, 5)
    assert counted.networks.open_at_end.total.value == 4
    assert recoverable(linked_arcs(published, raw)) == []
    shown = published[1]
    hidden = Figure(value=None, suppressed=True)
    assert (shown.trajectories.active_at_start, shown.trajectories.active_at_end) == (
        hidden,
        hidden,
    )
    assert shown.trajectories.referrals.total == Figure(value=8, suppressed=False)
    assert shown.trajectories.outflow.total == hidden
    assert {cell.code for cell in shown.trajectories.outflow.cells if cell.suppressed} == {
        "doelen_behaald"
    }
    assert (shown.networks.open_at_start, shown.networks.open_at_end.total) == (hidden, hidden)
    assert (shown.networks.opened, shown.networks.closed) == (
        Figure(value=8, suppressed=False),
        hidden,
    )


# --- the demo data ---


def expected_breakdown(counts: Counter[str], breakdown: Breakdown) -> None:
    assert values(breakdown) == {code: count for code, count in counts.items() if count}
    assert breakdown.total.value == counts.total()


def step_entries(app: PgaApplication, network_id: UUID) -> list[tuple[NetworkStep, date]]:
    """Return the steps a network entered, in order, from its history."""
    entries = []
    for entry in app.history(network_id):
        event = entry.event
        if isinstance(event, NetworkOpened):
            entries.append((N.SIGNALS, event.opened_on))
        elif isinstance(event, StepAdvanced | SteppedBack):
            entries.append((event.to_step, event.on))
        elif isinstance(event, NetworkFileClosed):
            entries.append((N.CLOSED, event.on))
    return entries


def step_on(entries: list[tuple[NetworkStep, date]], day: date) -> NetworkStep | None:
    """Return the step a network was in at the end of ``day`` (``None``: not opened yet)."""
    steps = [step for step, entered_on in entries if entered_on <= day]
    return steps[-1] if steps else None


def assert_figures_of_the_aggregates(
    figures_: HalfYearFigures,
    period: HalfYear,
    trajectories: list[Trajectory],
    networks: list[list[tuple[NetworkStep, date]]],
) -> None:
    start, end = period.starts_on, period.ends_on

    def within(day: date | None) -> bool:
        return day is not None and start <= day <= end

    def open_on(trajectory: Trajectory, day: date) -> bool:
        return trajectory.referred_on <= day and (
            trajectory.closed_on is None or trajectory.closed_on > day
        )

    before = start - timedelta(days=1)
    shown = figures_.trajectories
    assert shown.active_at_start.value == sum(
        open_on(trajectory, before) for trajectory in trajectories
    )
    assert shown.active_at_end.value == sum(open_on(trajectory, end) for trajectory in trajectories)
    expected_breakdown(
        Counter(t.offence_category for t in trajectories if within(t.referred_on)), shown.referrals
    )
    expected_breakdown(
        Counter(
            NOT_INCLUDED if t.status == TrajectoryStatus.NIET_OPGENOMEN else str(t.closing_reason)
            for t in trajectories
            if within(t.closed_on)
        ),
        shown.outflow,
    )
    interventions = [
        item for trajectory in trajectories for item in trajectory.interventions.values()
    ]
    expected_breakdown(
        Counter(i.kind for i in interventions if within(i.started_on)),
        figures_.interventions.started,
    )
    for state, breakdown in (
        (InterventionState.COMPLETED, figures_.interventions.completed),
        (InterventionState.ABORTED, figures_.interventions.aborted),
    ):
        ended = Counter(
            i.kind
            for i in interventions
            if i.state == state and i.started_on and within(i.ended_on)
        )
        expected_breakdown(ended, breakdown)
    at_end = [step_on(entries, end) for entries in networks]
    expected_breakdown(
        Counter(step.value for step in at_end if step not in {None, N.CLOSED}),
        figures_.networks.open_at_end,
    )
    assert figures_.networks.open_at_start.value == sum(
        step_on(entries, before) not in {None, N.CLOSED} for entries in networks
    )
    assert figures_.networks.opened.value == sum(within(entries[0][1]) for entries in networks)
    assert figures_.networks.closed.value == sum(
        within(entered_on)
        for entries in networks
        for step, entered_on in entries
        if step == N.CLOSED
    )


def pairs(
    published: HalfYearFigures, raw: HalfYearFigures
) -> Iterator[tuple[Figure | Cell, Figure | Cell]]:
    """Yield every published figure with the same figure unsuppressed."""
    for mine, full in (
        (published.trajectories, raw.trajectories),
        (published.interventions, raw.interventions),
        (published.networks, raw.networks),
    ):
        for name in type(mine).__struct_fields__:
            shown, unsuppressed = getattr(mine, name), getattr(full, name)
            if isinstance(shown, Breakdown):
                yield from zip(shown.cells, unsuppressed.cells, strict=True)
                yield shown.total, unsuppressed.total
            else:
                yield shown, unsuppressed


def as_shown(figure: Figure | Cell, raw: Figure | Cell) -> Shown:
    assert raw.value is not None
    return Shown(raw.value, figure.suppressed)


def shown_breakdown(breakdown: Breakdown, raw: Breakdown) -> ShownBreakdown:
    return ShownBreakdown(
        tuple(as_shown(cell, full) for cell, full in zip(breakdown.cells, raw.cells, strict=True)),
        as_shown(breakdown.total, raw.total),
    )


def linked_arcs(published: list[HalfYearFigures], raw: list[HalfYearFigures]) -> list[Arc]:
    """Return every published figure of consecutive half-years as one audited table."""
    caseload, networks, arcs = [], [], []
    for index, (mine, full) in enumerate(zip(published, raw, strict=True)):
        trajectories, groups = mine.trajectories, mine.networks
        caseload.append(
            ShownPeriod(
                start=as_shown(trajectories.active_at_start, full.trajectories.active_at_start),
                inflow=shown_breakdown(trajectories.referrals, full.trajectories.referrals),
                outflow=shown_breakdown(trajectories.outflow, full.trajectories.outflow),
                end=as_shown(trajectories.active_at_end, full.trajectories.active_at_end),
            )
        )
        opened = as_shown(groups.opened, full.networks.opened)
        closed = as_shown(groups.closed, full.networks.closed)
        per_step = shown_breakdown(groups.open_at_end, full.networks.open_at_end)
        networks.append(
            ShownPeriod(
                start=as_shown(groups.open_at_start, full.networks.open_at_start),
                inflow=ShownBreakdown((opened,), opened),
                outflow=ShownBreakdown((closed,), closed),
                end=per_step.total,
                end_cells=per_step.cells,
            )
        )
        for name in ("started", "completed", "aborted"):
            breakdown = shown_breakdown(
                getattr(mine.interventions, name), getattr(full.interventions, name)
            )
            arcs.extend(spread(f"{name}{index}", breakdown, "outside"))
    minimum_cell = published[0].minimum_cell if published else DEFAULT_MINIMUM_CELL
    return [
        *chain_arcs("caseload", caseload, minimum_cell=minimum_cell),
        *chain_arcs("networks", networks, minimum_cell=minimum_cell),
        *arcs,
    ]


@pytest.mark.slow
def test_the_demo_data_gives_the_figures_of_its_aggregates_and_suppression_protects_them(
    database_url: str, schema: str, connection: psycopg.Connection[Any]
) -> None:
    seed = 5
    with PgaApplication(
        eventsourcing_env(database_url, schema),
        keys=key_store(database_url, schema),
        **demo_application_options(seed),
    ) as app:
        generate(app, trajectories=60, networks=4, seed=seed)
        catch_up(app, [Figures()], batch_size=97)  # batches that cut through aggregates
        trajectories = [app.trajectory(trajectory_id) for trajectory_id in app.trajectory_ids()]
        networks = [step_entries(app, network_id) for network_id in app.network_ids()]

    periods = half_years(connection, schema)
    raw = [half_year(connection, schema, p.year, p.half, minimum_cell=1) for p in periods]
    published = [half_year(connection, schema, p.year, p.half) for p in periods]

    first_day = min(t.referred_on for t in trajectories)
    assert periods[0] == HalfYear.containing(
        min(first_day, *(entries[0][1] for entries in networks))
    )
    assert len(periods) >= 4
    for period, period_figures in zip(periods, raw, strict=True):
        assert_figures_of_the_aggregates(period_figures, period, trajectories, networks)
    suppressed = 0
    for mine, full in zip(published, raw, strict=True):
        for figure, unsuppressed in pairs(mine, full):
            assert figure.suppressed == (figure.value is None)
            assert figure.suppressed or figure.value == unsuppressed.value
            assert unsuppressed.value is not None
            assert figure.suppressed or not is_small(unsuppressed.value, DEFAULT_MINIMUM_CELL)
            suppressed += figure.suppressed
    assert suppressed  # sixty youths over two years: some cells are small
    assert recoverable(linked_arcs(published, raw)) == []
