"""The network board read model on PostgreSQL: every event it reads, its queries, demo data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from pga.application import PgaApplication
from pga.demo import demo_application_options, generate
from pga.domain.catalogue import PartnerRole
from pga.domain.network import NetworkStep, SteppedBack
from pga.store.database import eventsourcing_env
from projections.network_board import (
    DEFAULT_DEADLINES,
    STEP_ORDER,
    NetworkBoard,
    NetworkRow,
    StepDeadlines,
    board,
    get_network_row,
    list_networks,
)
from tests.integration.projections.conftest import stored_rows

from .network_driver import NetworkDriver, refer

if TYPE_CHECKING:
    from uuid import UUID

    import psycopg

    from .conftest import Project

N = NetworkStep
D = date(2026, 1, 5)
TODAY = date(2026, 3, 1)


def row(
    connection: psycopg.Connection[Any],
    app: PgaApplication,
    network_id: UUID,
    *,
    today: date = TODAY,
    deadlines: StepDeadlines = DEFAULT_DEADLINES,
) -> NetworkRow:
    found = get_network_row(
        connection, schema_of(app), network_id, today=today, deadlines=deadlines
    )
    assert found is not None
    return found


def schema_of(app: PgaApplication) -> str:
    schema: str = app.recorder.datastore.schema  # type: ignore[attr-defined]
    return schema


def table_rows(
    connection: psycopg.Connection[Any], app: PgaApplication, model_name: str = NetworkBoard.name
) -> dict[str, list[tuple[Any, ...]]]:
    return stored_rows(connection, schema_of(app), model_name, NetworkBoard.tables)


# --- one test per event kind the board reads ---


def test_an_opened_network_is_at_step_1_since_its_opening_day(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven", opened_on=D, historical_label="hinderlijk")
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.network_id, found.working_name, found.area) == (
        network.id,
        "Groep Haven",
        "Almere Haven",
    )
    assert found.historical_label == "hinderlijk"
    assert (found.procesregisseur, found.procesregisseur_organisation) == (
        "u-gemeente-01",
        "gemeente-almere",
    )
    assert (found.opened_on, found.step, found.step_since, found.closed_on) == (
        D,
        N.SIGNALS,
        D,
        None,
    )
    counts = (found.members, found.partners, found.signals, found.back_steps)
    assert counts == (0, 0, 0, 0)
    assert (found.open_actions, found.completed_actions, found.overdue_actions) == (0, 0, 0)


def test_a_new_procesregisseur_replaces_the_old_one(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven")
    project(NetworkBoard())
    network.assign_procesregisseur("u-gemeente-02", "gemeente-lelystad")
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.procesregisseur, found.procesregisseur_organisation) == (
        "u-gemeente-02",
        "gemeente-lelystad",
    )


def test_partners_joining_and_leaving_are_counted(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven")
    network.join("jongerenwerk-almere", PartnerRole.JONGERENWERK, D)
    network.join("politie-midden-nederland", PartnerRole.POLITIE, D)
    project(NetworkBoard())
    assert row(connection, app, network.id).partners == 2
    network.leave("jongerenwerk-almere", D + timedelta(days=3))
    project(NetworkBoard())
    assert row(connection, app, network.id).partners == 1 == len(app.network(network.id).partners)


def test_shared_signals_are_counted_in_every_step(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven")
    network.signal(D)
    network.signal(D + timedelta(days=1))
    network.advance(N.ASSESSMENT, D + timedelta(days=2))
    network.signal(D + timedelta(days=3))
    project(NetworkBoard())
    assert row(connection, app, network.id).signals == 3


def test_advancing_moves_the_step_and_its_start(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven")
    network.signal(D)
    network.advance(N.ASSESSMENT, D + timedelta(days=4))
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.step, found.step_since) == (N.ASSESSMENT, D + timedelta(days=4))
    network.assess(D + timedelta(days=9), problematic=False)
    network.advance(N.LIGHT_APPROACH, D + timedelta(days=10))
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.step, found.step_since) == (N.LIGHT_APPROACH, D + timedelta(days=10))
    assert found.back_steps == 0


def test_members_placed_and_removed_are_counted(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven")
    network.to_name_list(D)
    trajectory = refer(app, police_reference="PL-BOARD-0001")
    first = network.place(D + timedelta(days=1), trajectory_id=trajectory.aggregate_id)
    network.place(D + timedelta(days=1), given_name="Tweede")
    network.place(D + timedelta(days=2), given_name="Derde")
    project(NetworkBoard())
    assert row(connection, app, network.id).members == 3
    network.remove_member(first, D + timedelta(days=5))
    project(NetworkBoard())
    assert row(connection, app, network.id).members == 2 == len(app.network(network.id).members)


def plan_step(app: PgaApplication, name: str = "Groep Haven") -> tuple[NetworkDriver, UUID]:
    """Take a new network to step 5 with one member on its name list; return it and the member."""
    network = NetworkDriver(app, name)
    network.to_name_list(D)
    member = network.place(D + timedelta(days=1))
    network.to_interpretation(D + timedelta(days=2))
    network.to_advice(D + timedelta(days=3))
    network.to_plan(D + timedelta(days=4))
    return network, member


def test_actions_planned_and_completed_are_counted_and_overdue_ones_at_query_time(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network, member = plan_step(app)
    due = date(2026, 2, 1)
    group_action = network.plan_action(due)
    network.plan_action(due + timedelta(days=10), member)
    network.plan_action(due + timedelta(days=20))
    project(NetworkBoard())
    found = row(connection, app, network.id, today=due)
    assert (found.open_actions, found.completed_actions, found.overdue_actions) == (3, 0, 0)
    found = row(connection, app, network.id, today=due + timedelta(days=11))
    assert found.overdue_actions == 2
    network.adopt(D + timedelta(days=5))
    network.advance(N.EXECUTION, D + timedelta(days=5))
    network.complete_action(group_action, D + timedelta(days=6))
    project(NetworkBoard())
    found = row(connection, app, network.id, today=due + timedelta(days=11))
    assert (found.open_actions, found.completed_actions, found.overdue_actions) == (2, 1, 1)


def test_removing_a_member_drops_the_actions_about_them(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network, member = plan_step(app)
    network.plan_action(date(2026, 2, 1), member)
    network.plan_action(date(2026, 2, 1))
    project(NetworkBoard())
    assert row(connection, app, network.id).open_actions == 2
    network.remove_member(member, D + timedelta(days=6))
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.members, found.open_actions) == (0, 1)
    assert len(app.network(network.id).actions) == 1


def test_a_back_step_within_the_person_level_keeps_the_name_list(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network, member = plan_step(app)
    network.plan_action(date(2026, 2, 1), member)
    network.adopt(D + timedelta(days=5))
    network.advance(N.EXECUTION, D + timedelta(days=6))
    project(NetworkBoard())
    network.step_back(N.PLAN, D + timedelta(days=8))
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.step, found.step_since, found.back_steps) == (N.PLAN, D + timedelta(days=8), 1)
    assert (found.members, found.open_actions) == (1, 1)


def test_a_back_step_before_2b_drops_the_name_list_and_person_level_actions(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network, member = plan_step(app)
    network.place(D + timedelta(days=5), given_name="Tweede")
    network.plan_action(date(2026, 2, 1), member)
    network.plan_action(date(2026, 2, 2))
    project(NetworkBoard())
    assert row(connection, app, network.id).members == 2
    network.step_back(N.ASSESSMENT, D + timedelta(days=9))
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.step, found.step_since, found.back_steps) == (
        N.ASSESSMENT,
        D + timedelta(days=9),
        1,
    )
    assert (found.members, found.open_actions) == (0, 1)
    aggregate = app.network(network.id)
    assert (len(aggregate.members), len(aggregate.actions)) == (0, 1)


def test_2b_back_to_the_light_approach_drops_the_name_list(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven")
    network.to_name_list(D)
    network.place(D + timedelta(days=1))
    network.step_back(N.LIGHT_APPROACH, D + timedelta(days=2))
    project(NetworkBoard())
    found = row(connection, app, network.id)
    assert (found.step, found.members, found.back_steps) == (N.LIGHT_APPROACH, 0, 1)


def test_closing_ends_the_name_list_and_leaves_the_board(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network, member = plan_step(app)
    network.plan_action(date(2026, 2, 1), member)
    network.plan_action(date(2026, 2, 1))
    network.adopt(D + timedelta(days=5))
    network.advance(N.EXECUTION, D + timedelta(days=5))
    network.monitor(D + timedelta(days=6))
    network.advance(N.SCALE_DOWN, D + timedelta(days=7))
    network.evaluate(D + timedelta(days=8))
    project(NetworkBoard())
    network.close(D + timedelta(days=9))
    project(NetworkBoard())
    found = row(connection, app, network.id)
    closed_on = D + timedelta(days=9)
    assert (found.step, found.step_since, found.closed_on) == (N.CLOSED, closed_on, closed_on)
    assert (found.members, found.open_actions, found.due_on, found.overdue) == (0, 1, None, False)
    assert board(connection, schema_of(app), today=TODAY).total == 0
    with_closed = board(connection, schema_of(app), today=TODAY, include_closed=True)
    assert [column.step for column in with_closed.columns] == list(STEP_ORDER)
    assert [item.network_id for item in with_closed.columns[-1].networks] == [network.id]


def test_events_the_board_does_not_read_change_nothing(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = NetworkDriver(app, "Groep Haven")
    network.to_name_list(D)
    project(NetworkBoard())
    before = row(connection, app, network.id)
    refer(app, police_reference="PL-BOARD-0002")
    network.police_advice(D + timedelta(days=3))
    project(NetworkBoard())
    assert row(connection, app, network.id) == before
    assert board(connection, schema_of(app), today=TODAY).total == 1


# --- batching ---


class BoardFromZero(NetworkBoard):
    """The same read model under another name: built once, after everything was recorded."""

    name: ClassVar[str] = "network_board_zero"


def test_incremental_batches_give_the_same_rows_as_one_build_from_zero(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    incremental = NetworkBoard()
    network, member = plan_step(app)
    project(incremental)
    other = NetworkDriver(app, "Groep Kruidenwijk")
    other.to_name_list(D)
    kept = network.plan_action(date(2026, 2, 1))
    project(incremental)
    network.plan_action(date(2026, 2, 1), member)
    other.place(D + timedelta(days=2))
    network.adopt(D + timedelta(days=5))
    project(incremental)
    network.advance(N.EXECUTION, D + timedelta(days=6))
    network.complete_action(kept, D + timedelta(days=7))
    project(incremental)
    network.step_back(N.INTERPRETATION, D + timedelta(days=8))
    other.step_back(N.ASSESSMENT, D + timedelta(days=8))
    project(incremental)
    project(BoardFromZero())
    assert table_rows(connection, app, NetworkBoard.name) == table_rows(
        connection, app, BoardFromZero.name
    )
    assert len(table_rows(connection, app, NetworkBoard.name)["networks"]) == 2


# --- queries ---


def network_at(app: PgaApplication, name: str, step: NetworkStep, since: date) -> NetworkDriver:
    """Open a network and move it to ``step`` (1, 2A, 2A licht or 2B) on ``since``."""
    network = NetworkDriver(app, name, opened_on=D)
    if step == N.SIGNALS:
        return network
    network.signal(D)
    network.advance(N.ASSESSMENT, since if step == N.ASSESSMENT else D)
    if step == N.ASSESSMENT:
        return network
    network.assess(D, problematic=step == N.NAME_LIST)
    network.advance(step, since)
    return network


def test_the_board_groups_networks_by_step_in_the_models_order(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    a = network_at(app, "Groep A", N.ASSESSMENT, date(2026, 1, 20))
    b = network_at(app, "Groep B", N.ASSESSMENT, date(2026, 1, 10))
    c = network_at(app, "Groep C", N.NAME_LIST, date(2026, 1, 12))
    d = network_at(app, "Groep D", N.SIGNALS, D)
    project(NetworkBoard())
    result = board(connection, schema_of(app), today=TODAY)
    expected_steps = [step for step in STEP_ORDER if step != N.CLOSED]
    assert [column.step for column in result.columns] == expected_steps
    by_step = {
        column.step: [item.network_id for item in column.networks] for column in result.columns
    }
    assert by_step[N.ASSESSMENT] == [b.id, a.id]  # longest in the step first
    assert by_step[N.NAME_LIST] == [c.id]
    assert by_step[N.SIGNALS] == [d.id]
    assert all(not by_step[step] for step in (N.PLAN, N.EXECUTION, N.LIGHT_APPROACH))
    assert result.total == 4
    assert result.today == TODAY


def test_due_date_and_overdue_follow_the_deadlines_and_today(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    since = date(2026, 1, 20)
    network = network_at(app, "Groep A", N.ASSESSMENT, since)
    project(NetworkBoard())
    days = DEFAULT_DEADLINES.stap_2a
    assert days is not None
    due = since + timedelta(days=days)
    on_due_day = row(connection, app, network.id, today=due)
    assert (on_due_day.due_on, on_due_day.overdue, on_due_day.days_overdue) == (due, False, 0)
    assert on_due_day.days_in_step == days
    day_after = row(connection, app, network.id, today=due + timedelta(days=1))
    assert (day_after.overdue, day_after.days_overdue, day_after.days_in_step) == (
        True,
        1,
        days + 1,
    )
    strict = StepDeadlines(stap_2a=5)
    found = row(connection, app, network.id, today=since + timedelta(days=6), deadlines=strict)
    assert (found.due_on, found.overdue) == (since + timedelta(days=5), True)
    none = StepDeadlines(stap_2a=None)
    found = row(connection, app, network.id, today=date(2026, 3, 1), deadlines=none)
    assert (found.due_on, found.overdue) == (None, False)
    overdue_board = board(connection, schema_of(app), today=due + timedelta(days=1))
    assert overdue_board.overdue == 1
    assessment = next(c for c in overdue_board.columns if c.step == N.ASSESSMENT)
    assert assessment.overdue == 1
    assert board(connection, schema_of(app), today=due).overdue == 0


def test_networks_are_listed_in_pages_by_working_name_with_the_total(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    names = ["Groep E", "Groep C", "Groep A", "Groep D", "Groep B"]
    ids = {name: network_at(app, name, N.SIGNALS, D).id for name in names}
    moved = network_at(app, "Groep F", N.ASSESSMENT, D)
    project(NetworkBoard())
    schema = schema_of(app)
    pages = [
        list_networks(connection, schema, today=TODAY, page=page, page_size=2)
        for page in (1, 2, 3, 4)
    ]
    assert [page.total for page in pages] == [6, 6, 6, 6]
    listed = [item.working_name for page in pages for item in page.items]
    assert listed == sorted([*names, "Groep F"])
    assert [len(page.items) for page in pages] == [2, 2, 2, 0]
    only_signals = list_networks(connection, schema, today=TODAY, step="stap_1", page_size=10)
    assert only_signals.total == 5
    assert {item.network_id for item in only_signals.items} == set(ids.values())
    only_assessment = list_networks(connection, schema, today=TODAY, step=N.ASSESSMENT)
    assert [item.network_id for item in only_assessment.items] == [moved.id]


def test_closed_networks_are_listed_only_on_request(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    open_one = network_at(app, "Groep Open", N.SIGNALS, D)
    closed = network_at(app, "Groep Dicht", N.SIGNALS, D)
    closed.signal(D)
    closed.close(D + timedelta(days=1))
    project(NetworkBoard())
    schema = schema_of(app)
    default = list_networks(connection, schema, today=TODAY)
    assert [item.network_id for item in default.items] == [open_one.id]
    everything = list_networks(connection, schema, today=TODAY, include_closed=True)
    assert {item.network_id for item in everything.items} == {open_one.id, closed.id}
    only_closed = list_networks(connection, schema, today=TODAY, step=N.CLOSED)
    assert [item.network_id for item in only_closed.items] == [closed.id]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"page": 0}, "page must"),
        ({"page_size": 0}, "page_size must"),
        ({"page_size": 501}, "page_size must"),
        ({"step": "stap_9"}, "unknown step"),
        ({"today": datetime(2026, 3, 1, 12, 0)}, "today must be a date"),  # noqa: DTZ001
    ],
)
def test_invalid_query_values_are_refused(
    app: PgaApplication,
    project: Project,
    connection: psycopg.Connection[Any],
    arguments: dict[str, Any],
    message: str,
) -> None:
    project(NetworkBoard())
    with pytest.raises(ValueError, match=message):
        list_networks(connection, schema_of(app), **({"today": TODAY} | arguments))


def test_an_unknown_network_has_no_row(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    NetworkDriver(app, "Groep Haven")
    project(NetworkBoard())
    unknown = refer(app, police_reference="PL-BOARD-0003").aggregate_id
    assert get_network_row(connection, schema_of(app), unknown, today=TODAY) is None


# --- demo data ---


def test_every_board_row_matches_its_network_in_demo_data(
    database_url: str,
    schema: str,
    app: PgaApplication,
    project: Project,
    connection: psycopg.Connection[Any],
) -> None:
    with PgaApplication(
        eventsourcing_env(database_url, schema), keys=app.keys, **demo_application_options(5)
    ) as demo:
        generate(demo, trajectories=30, networks=4, seed=5)
    project(NetworkBoard(), batch_size=97)
    network_ids = app.network_ids()
    assert len(network_ids) == 4
    today = date(2026, 11, 20)
    listed = list_networks(connection, schema, today=today, include_closed=True, page_size=10)
    assert listed.total == 4
    for found in listed.items:
        network = app.network(found.network_id)
        history = app.history(found.network_id)
        assert found.working_name == network.working_name
        assert found.area == network.area
        assert found.procesregisseur == network.procesregisseur
        assert found.opened_on == network.opened_on
        assert found.step == network.step
        assert found.step_since == network.step_since
        assert found.closed_on == network.closed_on
        assert found.members == len(network.members)
        assert found.partners == len(network.partners)
        assert found.signals == network.signals
        assert found.back_steps == sum(isinstance(entry.event, SteppedBack) for entry in history)
        open_actions = [a for a in network.actions.values() if a.completed_on is None]
        assert found.open_actions == len(open_actions)
        assert found.completed_actions == len(network.actions) - len(open_actions)
        assert found.overdue_actions == sum(a.due_on < today for a in open_actions)
        assert found.days_in_step == (today - network.step_since).days
    steps = {item.step for item in listed.items}
    assert len(steps) == 4  # the demo's first four networks end in four different steps
