"""Retention without a database: the plan (pure) and the domain's legal holds and tombstones."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from pga.domain.errors import (
    DuplicateEntity,
    NameListAlreadyErased,
    NetworkAlreadyErased,
    NotInStep,
    UnderLegalHold,
    UnknownEntity,
)
from pga.domain.network import (
    NameListErased,
    NetworkErased,
    NetworkLegalHoldPlaced,
    NetworkStep,
)
from pga.domain.trajectory import LegalHoldLifted, LegalHoldPlaced, TrajectoryStatus
from pga.rights.retention import (
    NetworkFacts,
    RecordKind,
    RetentionTerms,
    TrajectoryFacts,
    plan,
    years_after,
)
from tests.unit.builders import (
    LATER,
    REFERRED_ON,
    assert_refused,
    network_in_step,
    referred_trajectory,
    single_event,
    trajectory_in,
)

N = NetworkStep
TERMS = RetentionTerms()
YOUTH = UUID(int=1)
TRAJECTORY = UUID(int=2)
NETWORK = UUID(int=3)
HOLD = UUID(int=4)


def trajectory(
    *, born_on: date | None = date(2005, 4, 10), closed_on: date | None = None, held: bool = False
) -> TrajectoryFacts:
    return TrajectoryFacts(
        TRAJECTORY, YOUTH, born_on, closed_on, holds=(HOLD,) if held else (), erased=False
    )


def network(
    *,
    closed_on: date | None = None,
    members: dict[UUID, date | None] | None = None,
    had_name_list: bool = True,
    held: bool = False,
) -> NetworkFacts:
    return NetworkFacts(
        NETWORK,
        closed_on,
        holds=(HOLD,) if held else (),
        members=members or {},
        had_name_list=had_name_list,
        name_list_erased=False,
        erased=False,
    )


def kinds(trajectories: list[TrajectoryFacts], networks: list[NetworkFacts], on: date) -> list[str]:
    return [
        f"{item.kind.value}:{item.due_on}" for item in plan(trajectories, networks, on, TERMS).due
    ]


# --- the plan ---


def test_a_youth_is_due_on_the_23rd_birthday_not_a_day_before() -> None:
    assert kinds([trajectory()], [], date(2028, 4, 9)) == []
    assert kinds([trajectory()], [], date(2028, 4, 10)) == ["jongere:2028-04-10"]


def test_a_29_february_birthday_ends_on_1_march() -> None:
    assert years_after(date(2004, 2, 29), 23) == date(2027, 3, 1)
    assert years_after(date(2004, 2, 29), 24) == date(2028, 2, 29)
    assert kinds([trajectory(born_on=date(2004, 2, 29))], [], date(2027, 2, 28)) == []


def test_a_closed_trajectory_is_due_five_years_after_its_closing_an_open_one_never() -> None:
    closed = trajectory(born_on=date(2012, 1, 1), closed_on=date(2025, 6, 30))
    assert kinds([closed], [], date(2030, 6, 29)) == []
    assert kinds([closed], [], date(2030, 6, 30)) == ["traject:2030-06-30"]
    assert kinds([trajectory(born_on=date(2012, 1, 1))], [], date(2034, 12, 31)) == []


def test_the_age_term_takes_the_trajectory_with_it() -> None:
    closed = trajectory(closed_on=date(2020, 1, 1))  # both terms ended by 2030
    due = plan([closed], [], date(2030, 1, 1), TERMS).due
    assert [(item.kind, item.trajectories) for item in due] == [(RecordKind.YOUTH, (TRAJECTORY,))]


def test_a_hold_keeps_what_it_holds_and_says_by_what() -> None:
    held = trajectory(closed_on=date(2020, 1, 1), held=True)
    result = plan([held], [], date(2030, 1, 1), TERMS)
    assert result.due == ()
    assert [(h.kind, h.held_by, h.holds) for h in result.held] == [
        (RecordKind.YOUTH, (TRAJECTORY,), (HOLD,)),
        (RecordKind.TRAJECTORY, (TRAJECTORY,), (HOLD,)),
    ]


def test_a_held_network_keeps_its_members_age_term() -> None:
    listed = network(members={YOUTH: date(2005, 4, 10)}, held=True)
    result = plan([trajectory()], [listed], date(2029, 1, 1), TERMS)
    assert result.due == ()
    assert [(h.kind, h.held_by) for h in result.held] == [(RecordKind.YOUTH, (NETWORK,))]


def test_a_member_without_a_trajectory_is_erased_at_23_when_its_birth_is_known() -> None:
    assert kinds([], [network(members={YOUTH: date(2005, 4, 10)})], date(2028, 4, 10)) == [
        "jongere:2028-04-10"
    ]
    assert kinds([], [network(members={YOUTH: None})], date(2060, 1, 1)) == []


def test_where_records_disagree_the_latest_date_of_birth_counts() -> None:
    listed = network(members={YOUTH: date(2006, 1, 1)})
    assert kinds([trajectory()], [listed], date(2028, 4, 10)) == []
    assert kinds([trajectory()], [listed], date(2029, 1, 1)) == ["jongere:2029-01-01"]


def test_a_name_list_is_due_at_closing_and_the_file_five_years_later() -> None:
    closed = network(closed_on=date(2026, 3, 3))
    assert kinds([], [closed], date(2026, 3, 2)) == []
    assert kinds([], [closed], date(2026, 3, 3)) == ["namenlijst:2026-03-03"]
    assert kinds([], [closed], date(2031, 3, 3)) == ["netwerk:2031-03-03"]
    assert (
        kinds([], [network(closed_on=date(2026, 3, 3), had_name_list=False)], date(2027, 1, 1))
        == []
    )


def test_erased_records_are_never_due() -> None:
    erased = TrajectoryFacts(TRAJECTORY, YOUTH, None, date(2010, 1, 1), holds=(), erased=True)
    gone = NetworkFacts(
        NETWORK,
        date(2010, 1, 1),
        holds=(),
        members={},
        had_name_list=True,
        name_list_erased=True,
        erased=True,
    )
    assert kinds([erased], [gone], date(2045, 1, 1)) == []


# --- the domain ---


def test_a_trajectory_under_a_hold_refuses_erasure_until_it_is_lifted() -> None:
    trajectory = trajectory_in(TrajectoryStatus.AFGESLOTEN)
    hold_id = uuid4()
    trajectory.place_legal_hold(hold_id=hold_id, placed_on=LATER, basis="strafzaak", why="Zaak")
    placed = single_event(trajectory, LegalHoldPlaced)
    assert (placed.basis, placed.reason) == ("strafzaak", "Zaak")

    assert_refused(
        trajectory,
        lambda: trajectory.erase_subject(erased_on=LATER, basis="bewaartermijn", why="Termijn"),
        UnderLegalHold,
    )
    assert_refused(
        trajectory,
        lambda: trajectory.place_legal_hold(
            hold_id=hold_id, placed_on=LATER, basis="strafzaak", why="Nogmaals"
        ),
        DuplicateEntity,
    )
    trajectory.lift_legal_hold(hold_id=hold_id, lifted_on=LATER, why="Afgerond")
    single_event(trajectory, LegalHoldLifted)
    trajectory.erase_subject(erased_on=LATER, basis="bewaartermijn", why="Termijn")
    assert trajectory.erased


def test_a_hold_needs_a_known_basis_and_a_lift_a_known_hold() -> None:
    trajectory = referred_trajectory()
    with pytest.raises(Exception, match="basis"):
        trajectory.place_legal_hold(hold_id=uuid4(), placed_on=REFERRED_ON, basis="x", why="r")
    assert_refused(
        trajectory,
        lambda: trajectory.lift_legal_hold(hold_id=uuid4(), lifted_on=LATER, why="r"),
        UnknownEntity,
    )


def test_a_network_is_erased_only_once_closed_and_not_under_a_hold() -> None:
    open_network = network_in_step(N.NAME_LIST)
    assert_refused(
        open_network,
        lambda: open_network.erase_name_list(erased_on=LATER, basis="bewaartermijn", member_ids=()),
        NotInStep,
    )
    closed = network_in_step(N.CLOSED)
    closed_on = closed.closed_on
    assert closed_on is not None
    hold_id = uuid4()
    closed.place_legal_hold(hold_id=hold_id, placed_on=closed_on, basis="strafzaak", why="r")
    single_event(closed, NetworkLegalHoldPlaced)
    assert_refused(
        closed,
        lambda: closed.erase_file(erased_on=closed_on, basis="bewaartermijn"),
        UnderLegalHold,
    )
    closed.lift_legal_hold(hold_id=hold_id, lifted_on=closed_on, why="r")
    closed.collect_events()

    member = uuid4()
    closed.erase_name_list(erased_on=closed_on, basis="bewaartermijn", member_ids=(member,))
    assert single_event(closed, NameListErased).member_ids == (member,)
    assert_refused(
        closed,
        lambda: closed.erase_name_list(erased_on=closed_on, basis="bewaartermijn", member_ids=()),
        NameListAlreadyErased,
    )
    closed.erase_file(erased_on=closed_on, basis="bewaartermijn")
    single_event(closed, NetworkErased)
    assert closed.erased
    assert all(action.description == "" for action in closed.actions.values())
    assert closed.outputs.assessment is None or closed.outputs.assessment.findings == ""
    assert_refused(
        closed,
        lambda: closed.erase_file(erased_on=closed_on, basis="bewaartermijn"),
        NetworkAlreadyErased,
    )
