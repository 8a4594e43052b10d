"""Small-cell suppression of the half-year figures: the documented rules, and that they protect.

The audit here is independent of the module's rules. Every published table is a set of sums:
a breakdown's cells add up to its total, and ``end = start + inflow - outflow`` links the stocks
and flows, over as many consecutive half-years as are published. Written as flow conservation
on a small graph (each figure an arc, each sum a node, the outside world one node), the values
that fit the published figures are exactly the non-negative circulations that agree with them.
A suppressed figure can be recomputed exactly when no cycle of suppressed arcs through it can be
pushed one unit either way without making a count negative: a reachability question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.figures import (
    BalanceHidden,
    Hidden,
    is_small,
    suppress_balance,
    suppress_breakdown,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

OUTSIDE = "outside"


# --- the audit ---


@dataclass(frozen=True)
class Arc:
    """One figure as an arc from ``tail`` to ``head``: its true value and whether it is hidden."""

    name: str
    tail: str
    head: str
    value: int
    hidden: bool


@dataclass(frozen=True)
class Shown:
    """One figure: its true value and whether it was suppressed."""

    value: int
    hidden: bool


@dataclass(frozen=True)
class ShownBreakdown:
    """A breakdown's cells and total."""

    cells: tuple[Shown, ...]
    total: Shown


@dataclass(frozen=True)
class ShownPeriod:
    """One half-year of ``end = start + inflow - outflow`` (``end_cells``: the end's breakdown)."""

    start: Shown
    inflow: ShownBreakdown
    outflow: ShownBreakdown
    end: Shown
    end_cells: tuple[Shown, ...] | None = None


def recoverable(arcs: Sequence[Arc]) -> list[str]:
    """Return the hidden figures that the published ones determine (conservation, counts >= 0)."""
    inflow: dict[str, int] = {}
    for arc in arcs:
        inflow[arc.head] = inflow.get(arc.head, 0) + arc.value
        inflow[arc.tail] = inflow.get(arc.tail, 0) - arc.value
    unbalanced = [node for node, net in inflow.items() if net and node != OUTSIDE]
    assert not unbalanced, f"the test's graph does not balance at {unbalanced}"
    hidden = [arc for arc in arcs if arc.hidden]
    found = []
    for arc in hidden:
        others = [other for other in hidden if other is not arc]
        can_grow = _reaches(others, arc.head, arc.tail)
        can_shrink = arc.value > 0 and _reaches(others, arc.tail, arc.head)
        if not (can_grow or can_shrink):
            found.append(arc.name)
    return found


def _reaches(arcs: Sequence[Arc], source: str, target: str) -> bool:
    """Whether one unit can travel from ``source`` to ``target`` along hidden arcs.

    Forward along an arc always (its count may grow), backward only where the count is positive.
    """
    steps: dict[str, set[str]] = {}
    for arc in arcs:
        steps.setdefault(arc.tail, set()).add(arc.head)
        if arc.value > 0:
            steps.setdefault(arc.head, set()).add(arc.tail)
    seen, todo = {source}, [source]
    while todo:
        for following in steps.get(todo.pop(), ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return target in seen


def shown(counts: Sequence[int], hidden: Hidden) -> ShownBreakdown:
    """Pair a breakdown's counts with what was suppressed."""
    return ShownBreakdown(
        cells=tuple(Shown(count, hide) for count, hide in zip(counts, hidden.cells, strict=True)),
        total=Shown(sum(counts), hidden.total),
    )


def spread(name: str, breakdown: ShownBreakdown, source: str, sink: str = OUTSIDE) -> list[Arc]:
    """Return the arcs of a breakdown: its total out of ``source``, its cells on to ``sink``."""
    node = f"{name}.sum"
    return [
        Arc(f"{name}.total", source, node, breakdown.total.value, breakdown.total.hidden),
        *(
            Arc(f"{name}.{index}", node, sink, cell.value, cell.hidden)
            for index, cell in enumerate(breakdown.cells)
        ),
    ]


def gather(name: str, breakdown: ShownBreakdown, into: str) -> list[Arc]:
    """Return the arcs of a breakdown: its cells in from outside, its total into ``into``."""
    node = f"{name}.sum"
    return [
        *(
            Arc(f"{name}.{index}", OUTSIDE, node, cell.value, cell.hidden)
            for index, cell in enumerate(breakdown.cells)
        ),
        Arc(f"{name}.total", node, into, breakdown.total.value, breakdown.total.hidden),
    ]


def chain_arcs(name: str, periods: Sequence[ShownPeriod]) -> list[Arc]:
    """Consecutive half-years of one stock: each end is the next start, one and the same count.

    Period ``k`` is a node where ``start + inflow = end + outflow``; its end flows on into period
    ``k + 1`` as that one's start (through the end's breakdown, where one is published).
    """
    arcs: list[Arc] = []
    stock_from = OUTSIDE
    for index, period in enumerate(periods):
        balance = f"{name}{index}"
        if index:
            assert period.start == periods[index - 1].end, "a stock is published alike twice"
        start = period.start
        arcs.append(Arc(f"{balance}.start", stock_from, balance, start.value, start.hidden))
        arcs.extend(gather(f"{balance}.in", period.inflow, into=balance))
        arcs.extend(spread(f"{balance}.out", period.outflow, source=balance))
        last = index == len(periods) - 1
        if period.end_cells is not None:
            stock_from = OUTSIDE if last else f"{balance}.end.cells"
            split = ShownBreakdown(period.end_cells, period.end)
            arcs.extend(spread(f"{balance}.end", split, source=balance, sink=stock_from))
        elif last:
            arcs.append(
                Arc(f"{balance}.end", balance, OUTSIDE, period.end.value, period.end.hidden)
            )
        else:
            stock_from = balance
    return arcs


# --- the audit finds what a naive rule gives away (so it can fail) ---


def test_the_audit_finds_a_cell_that_the_published_total_gives_away() -> None:
    only_primary = Hidden(cells=(True, False, False), total=False)

    found = recoverable(spread("b", shown([3, 10, 0], only_primary), OUTSIDE))

    assert found == ["b.0"]


def test_the_audit_finds_a_flow_that_the_stocks_give_away() -> None:
    period = ShownPeriod(
        start=Shown(10, hidden=False),
        inflow=ShownBreakdown((Shown(3, hidden=True),), Shown(3, hidden=True)),
        outflow=ShownBreakdown((Shown(4, hidden=False),), Shown(4, hidden=False)),
        end=Shown(9, hidden=False),
    )

    assert sorted(recoverable(chain_arcs("t", [period]))) == ["t0.in.0", "t0.in.total"]


def test_the_audit_finds_a_stock_that_the_next_half_year_gives_away() -> None:
    def flow(count: int) -> ShownBreakdown:
        return ShownBreakdown((Shown(count, hidden=True),), Shown(count, hidden=True))

    first = ShownPeriod(Shown(0, hidden=False), flow(9), flow(6), Shown(3, hidden=True))
    second = ShownPeriod(
        Shown(3, hidden=True),
        ShownBreakdown((Shown(7, hidden=False),), Shown(7, hidden=False)),
        ShownBreakdown((Shown(0, hidden=False),), Shown(0, hidden=False)),
        Shown(10, hidden=False),
    )

    assert recoverable(chain_arcs("t", [first])) == []
    assert sorted(recoverable(chain_arcs("t", [first, second]))) == ["t1.start"]


# --- the rules, by example ---


def test_counts_below_the_minimum_are_suppressed_and_zeros_are_published() -> None:
    hidden = suppress_breakdown([0, 1, 4, 5, 20, 2], minimum_cell=5)

    assert hidden.cells == (False, True, True, False, False, True)
    assert hidden.total is False


def test_a_lone_suppressed_cell_takes_the_next_smallest_cell_with_it() -> None:
    hidden = suppress_breakdown([10, 2, 0, 6], minimum_cell=5)

    assert hidden.cells == (False, True, False, True)
    assert hidden.total is False


def test_suppressed_cells_adding_up_below_the_minimum_take_another_cell_with_them() -> None:
    hidden = suppress_breakdown([1, 30, 1, 20], minimum_cell=5)

    assert hidden.cells == (True, False, True, True)


def test_equal_candidates_for_secondary_suppression_are_taken_in_catalogue_order() -> None:
    hidden = suppress_breakdown([7, 3, 7], minimum_cell=5)

    assert hidden.cells == (True, True, False)


def test_a_small_total_is_suppressed_with_its_small_cells() -> None:
    hidden = suppress_breakdown([0, 3, 0, 1], minimum_cell=5)

    assert hidden == Hidden(cells=(False, True, False, True), total=True)


def test_a_minimum_of_one_suppresses_nothing() -> None:
    nothing = Hidden(cells=(False, False), total=False)

    assert suppress_breakdown([1, 2], minimum_cell=1) == nothing
    assert suppress_balance(1, [1, 0], [0, 2], 0, minimum_cell=1) == BalanceHidden(
        start=False, inflow=nothing, outflow=nothing, end=False
    )


def test_a_suppressed_inflow_hides_the_outflow_and_its_smallest_cell() -> None:
    hidden = suppress_balance(20, [3, 0], [9, 6, 0], 8, minimum_cell=5)

    assert (hidden.start, hidden.end) == (False, False)
    assert hidden.inflow == Hidden(cells=(True, False), total=True)
    assert hidden.outflow == Hidden(cells=(False, True, False), total=True)


def test_a_suppressed_outflow_of_zero_cells_hides_the_inflow_and_its_smallest_cell() -> None:
    hidden = suppress_balance(20, [6, 9], [0, 2], 33, minimum_cell=5)

    assert hidden.inflow == Hidden(cells=(True, False), total=True)
    assert hidden.outflow == Hidden(cells=(False, True), total=True)


def test_a_suppressed_stock_hides_the_smaller_flow() -> None:
    hidden = suppress_balance(3, [10], [7], 6, minimum_cell=5)

    assert (hidden.start, hidden.end) == (True, False)
    assert hidden.inflow == Hidden(cells=(False,), total=False)
    assert hidden.outflow == Hidden(cells=(True,), total=True)


def test_a_suppressed_stock_never_hides_a_flow_of_zero() -> None:
    hidden = suppress_balance(9, [0, 0], [6], 3, minimum_cell=5)

    assert hidden.inflow == Hidden(cells=(False, False), total=False)
    assert hidden.outflow == Hidden(cells=(True,), total=True)


def test_a_suppressed_flow_hides_the_other_flow_even_when_it_is_zero() -> None:
    hidden = suppress_balance(20, [3], [0, 0], 23, minimum_cell=5)

    assert hidden.outflow == Hidden(cells=(True, False), total=True)


def test_two_suppressed_figures_of_a_balance_need_no_more() -> None:
    hidden = suppress_balance(3, [2], [1], 4, minimum_cell=5)

    assert (hidden.start, hidden.end, hidden.inflow.total, hidden.outflow.total) == (
        True,
        True,
        True,
        True,
    )
    assert suppress_balance(3, [20], [19], 4, minimum_cell=5).inflow.total is False


def test_figures_that_do_not_balance_are_refused() -> None:
    with pytest.raises(ValueError, match="do not balance"):
        suppress_balance(3, [2], [1], 5, minimum_cell=5)


def test_a_breakdown_without_cells_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one cell"):
        suppress_breakdown([], minimum_cell=5)


# --- the properties ---

MINIMUM_CELLS = st.integers(min_value=1, max_value=8)
COUNTS = st.lists(st.integers(min_value=0, max_value=25), min_size=1, max_size=6)


@given(COUNTS, MINIMUM_CELLS)
def test_every_small_count_of_a_breakdown_is_suppressed_and_every_zero_published(
    counts: list[int], minimum_cell: int
) -> None:
    hidden = suppress_breakdown(counts, minimum_cell)

    for count, hide in zip(counts, hidden.cells, strict=True):
        assert hide or not is_small(count, minimum_cell)
        assert not (hide and count == 0)
    assert hidden.total == is_small(sum(counts), minimum_cell)


@given(COUNTS, MINIMUM_CELLS)
def test_suppressed_cells_under_a_published_total_are_two_or_more_adding_up_to_the_minimum(
    counts: list[int], minimum_cell: int
) -> None:
    hidden = suppress_breakdown(counts, minimum_cell)

    suppressed = [count for count, hide in zip(counts, hidden.cells, strict=True) if hide]
    if not hidden.total:
        assert not suppressed or (len(suppressed) > 1 and sum(suppressed) >= minimum_cell)


@given(COUNTS, MINIMUM_CELLS)
def test_no_suppressed_figure_of_a_breakdown_can_be_recomputed(
    counts: list[int], minimum_cell: int
) -> None:
    hidden = suppress_breakdown(counts, minimum_cell)

    assert recoverable(spread("b", shown(counts, hidden), OUTSIDE)) == []


@st.composite
def stock_chains(draw: st.DrawFn, *, with_end_cells: bool) -> list[ShownPeriod]:
    """Up to four consecutive half-years of a stock, suppressed with one minimum."""
    minimum_cell = draw(MINIMUM_CELLS)
    flow = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=3)
    start = draw(st.integers(min_value=0, max_value=14))
    periods = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if with_end_cells:  # networks: single-count flows, the end per step
            end_cells = draw(st.lists(st.integers(0, 6), min_size=1, max_size=4))
            end = sum(end_cells)
            inflow, outflow = [draw(st.integers(0, 6))], [draw(st.integers(0, 6))]
        else:  # trajectories: flows per category
            end_cells, end = None, draw(st.integers(min_value=0, max_value=14))
            inflow, outflow = draw(flow), draw(flow)
        gap = (end - start) - (sum(inflow) - sum(outflow))
        if gap > 0:
            inflow[draw(st.integers(0, len(inflow) - 1))] += gap
        else:
            outflow[draw(st.integers(0, len(outflow) - 1))] -= gap
        hidden = suppress_balance(start, inflow, outflow, end, minimum_cell)
        end_shown: tuple[Shown, ...] | None = None
        if end_cells is not None:
            split = suppress_breakdown(end_cells, minimum_cell)
            assert split.total == hidden.end
            end_shown = shown(end_cells, split).cells
        periods.append(
            ShownPeriod(
                start=Shown(start, hidden.start),
                inflow=shown(inflow, hidden.inflow),
                outflow=shown(outflow, hidden.outflow),
                end=Shown(end, hidden.end),
                end_cells=end_shown,
            )
        )
        start = end
    return periods


@given(stock_chains(with_end_cells=False))
def test_no_suppressed_figure_of_consecutive_caseloads_can_be_recomputed(
    periods: list[ShownPeriod],
) -> None:
    assert recoverable(chain_arcs("t", periods)) == []


@given(stock_chains(with_end_cells=True))
def test_no_suppressed_figure_of_consecutive_network_figures_can_be_recomputed(
    periods: list[ShownPeriod],
) -> None:
    assert recoverable(chain_arcs("n", periods)) == []
