"""Small-cell suppression of the half-year figures: the documented rules, and that they protect.

The audit here is independent of the module's rules. Every published table is a set of sums:
a breakdown's cells add up to its total, and ``end = start + inflow - outflow`` links the stocks
and flows, over as many consecutive half-years as are published. Written as flow conservation
on a small graph (each figure an arc, each sum a node, the outside world one node), the values
that fit the published figures are exactly the circulations that agree with them and keep every
figure within what the attacker knows of it. The attacker knows the rules: every count is a
non-negative whole number, and a suppressed stock lies in 1 to ``m - 1`` (rule 4: stocks are
suppressed by the primary rule only). A suppressed flow or cell may have been suppressed by a
secondary rule, so all the attacker knows of it is that it is not negative. A suppressed figure
can be recomputed exactly when no cycle of suppressed arcs through it can be pushed one unit
either way without taking a figure out of its bounds: a reachability question (network flow
matrices are totally unimodular, so the whole numbers that fit form an interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from hypothesis import example, given
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
    """One figure as an arc from ``tail`` to ``head``: its true value and whether it is hidden.

    ``floor`` and ``ceiling`` are what the attacker knows of a hidden figure (``None``: no
    upper bound).
    """

    name: str
    tail: str
    head: str
    value: int
    hidden: bool
    floor: int = 0
    ceiling: int | None = None

    def __post_init__(self) -> None:
        """Refuse bounds the true value breaks: the audit would reason about another table."""
        assert self.floor <= self.value, f"{self.name} is below what the attacker knows"
        assert self.ceiling is None or self.value <= self.ceiling, f"{self.name} is above it"

    @property
    def can_grow(self) -> bool:
        """Whether the figure could be one more, as far as the attacker knows."""
        return self.ceiling is None or self.value < self.ceiling

    @property
    def can_shrink(self) -> bool:
        """Whether the figure could be one less, as far as the attacker knows."""
        return self.value > self.floor


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
    """Return the hidden figures that the published ones determine (conservation, bounds)."""
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
        can_grow = arc.can_grow and _reaches(others, arc.head, arc.tail)
        can_shrink = arc.can_shrink and _reaches(others, arc.tail, arc.head)
        if not (can_grow or can_shrink):
            found.append(arc.name)
    return found


def _reaches(arcs: Sequence[Arc], source: str, target: str) -> bool:
    """Whether one unit can travel from ``source`` to ``target`` along hidden arcs.

    Forward along an arc where its count may grow, backward where it may shrink (its bounds).
    """
    steps: dict[str, set[str]] = {}
    for arc in arcs:
        if arc.can_grow:
            steps.setdefault(arc.tail, set()).add(arc.head)
        if arc.can_shrink:
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


def spread(
    name: str,
    breakdown: ShownBreakdown,
    source: str,
    sink: str = OUTSIDE,
    *,
    total_bounds: tuple[int, int | None] = (0, None),
) -> list[Arc]:
    """Return the arcs of a breakdown: its total out of ``source``, its cells on to ``sink``.

    ``total_bounds`` is what the attacker knows of the total when it is hidden.
    """
    node = f"{name}.sum"
    total = breakdown.total
    return [
        Arc(f"{name}.total", source, node, total.value, total.hidden, *total_bounds),
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


def stock_bounds(stock: Shown, minimum_cell: int) -> tuple[int, int | None]:
    """Return what the attacker knows of a stock: 1 to ``m - 1`` when suppressed (rule 4)."""
    return (1, minimum_cell - 1) if stock.hidden else (0, None)


def chain_arcs(name: str, periods: Sequence[ShownPeriod], *, minimum_cell: int) -> list[Arc]:
    """Consecutive half-years of one stock: each end is the next start, one and the same count.

    Period ``k`` is a node where ``start + inflow = end + outflow``; its end flows on into period
    ``k + 1`` as that one's start (through the end's breakdown, where one is published). A
    suppressed stock is known to lie in 1 to ``minimum_cell - 1``.
    """
    arcs: list[Arc] = []
    stock_from = OUTSIDE
    for index, period in enumerate(periods):
        balance = f"{name}{index}"
        if index:
            assert period.start == periods[index - 1].end, "a stock is published alike twice"
        start, end = period.start, period.end
        arcs.append(
            Arc(
                f"{balance}.start",
                stock_from,
                balance,
                start.value,
                start.hidden,
                *stock_bounds(start, minimum_cell),
            )
        )
        arcs.extend(gather(f"{balance}.in", period.inflow, into=balance))
        arcs.extend(spread(f"{balance}.out", period.outflow, source=balance))
        last = index == len(periods) - 1
        if period.end_cells is not None:
            stock_from = OUTSIDE if last else f"{balance}.end.cells"
            split = ShownBreakdown(period.end_cells, end)
            arcs.extend(
                spread(
                    f"{balance}.end",
                    split,
                    source=balance,
                    sink=stock_from,
                    total_bounds=stock_bounds(end, minimum_cell),
                )
            )
        elif last:
            bounds = stock_bounds(end, minimum_cell)
            arcs.append(Arc(f"{balance}.end", balance, OUTSIDE, end.value, end.hidden, *bounds))
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

    found = recoverable(chain_arcs("t", [period], minimum_cell=5))

    assert sorted(found) == ["t0.in.0", "t0.in.total"]


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

    assert recoverable(chain_arcs("t", [first], minimum_cell=5)) == []
    assert sorted(recoverable(chain_arcs("t", [first, second], minimum_cell=5))) == ["t1.start"]


def test_the_audit_finds_two_small_stocks_that_their_published_difference_gives_away() -> None:
    def published(*counts: int) -> ShownBreakdown:
        return ShownBreakdown(
            tuple(Shown(count, hidden=False) for count in counts), Shown(sum(counts), hidden=False)
        )

    only_stocks = ShownPeriod(
        Shown(1, hidden=True), published(8, 0), published(5, 0, 0), Shown(4, hidden=True)
    )

    # end - start = 3, both in 1 to 4: start 1, end 4. With room to move (1 to 5), neither.
    assert sorted(recoverable(chain_arcs("t", [only_stocks], minimum_cell=5))) == [
        "t0.end",
        "t0.start",
    ]
    assert recoverable(chain_arcs("t", [only_stocks], minimum_cell=6)) == []


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


def test_a_suppressed_stock_beside_a_suppressed_flow_needs_no_more() -> None:
    hidden = suppress_balance(3, [2], [1], 4, minimum_cell=5)
    beside_a_flow = suppress_balance(3, [20], [2], 21, minimum_cell=5)

    assert (hidden.start, hidden.end, hidden.inflow.total, hidden.outflow.total) == (
        True,
        True,
        True,
        True,
    )
    assert (beside_a_flow.start, beside_a_flow.end) == (True, False)
    assert beside_a_flow.inflow == Hidden(cells=(False,), total=False)
    assert beside_a_flow.outflow == Hidden(cells=(True,), total=True)


def test_two_suppressed_stocks_hide_the_smaller_flow_and_one_of_its_cells() -> None:
    hidden = suppress_balance(1, [8, 0], [5, 0, 0], 4, minimum_cell=5)

    assert (hidden.start, hidden.end) == (True, True)
    assert hidden.inflow == Hidden(cells=(False, False), total=False)
    assert hidden.outflow == Hidden(cells=(True, False, False), total=True)
    assert suppress_balance(3, [19], [20], 2, minimum_cell=5).inflow == Hidden(
        cells=(True,), total=True
    )
    period = suppressed_period(1, [8, 0], [5, 0, 0], minimum_cell=5)
    assert recoverable(chain_arcs("t", [period], minimum_cell=5)) == []


def test_two_suppressed_stocks_with_both_flows_zero_need_no_more() -> None:
    hidden = suppress_balance(3, [0, 0], [0], 3, minimum_cell=5)

    assert hidden == BalanceHidden(
        start=True,
        inflow=Hidden(cells=(False, False), total=False),
        outflow=Hidden(cells=(False,), total=False),
        end=True,
    )
    period = suppressed_period(3, [0, 0], [0], minimum_cell=5)
    assert recoverable(chain_arcs("t", [period], minimum_cell=5)) == []


def test_with_a_minimum_of_two_a_suppressed_stock_is_known_to_be_one() -> None:
    period = suppressed_period(1, [6], [0], minimum_cell=2)

    assert (period.start.hidden, period.inflow.total.hidden, period.end.hidden) == (
        True,
        True,
        False,
    )
    # The primary rule hides only the count 1, and stocks nothing else (rule 4): documented.
    found = recoverable(chain_arcs("t", [period], minimum_cell=2))
    assert sorted(found) == ["t0.in.0", "t0.in.total", "t0.start"]


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


@dataclass(frozen=True)
class StockChain:
    """Consecutive half-years of one stock, suppressed with ``minimum_cell``."""

    minimum_cell: int
    periods: list[ShownPeriod]


def suppressed_period(
    start: int,
    inflow: list[int],
    outflow: list[int],
    minimum_cell: int,
    end_cells: list[int] | None = None,
) -> ShownPeriod:
    """Suppress one half-year as the module does (``end_cells``: the end per step, networks)."""
    end = start + sum(inflow) - sum(outflow)
    hidden = suppress_balance(start, inflow, outflow, end, minimum_cell)
    end_shown: tuple[Shown, ...] | None = None
    if end_cells is not None:
        assert sum(end_cells) == end, "the end's breakdown adds up to the end"
        split = suppress_breakdown(end_cells, minimum_cell)
        assert split.total == hidden.end
        end_shown = shown(end_cells, split).cells
    return ShownPeriod(
        start=Shown(start, hidden.start),
        inflow=shown(inflow, hidden.inflow),
        outflow=shown(outflow, hidden.outflow),
        end=Shown(end, hidden.end),
        end_cells=end_shown,
    )


@st.composite
def stock_chains(draw: st.DrawFn, *, with_end_cells: bool) -> StockChain:
    """Up to four consecutive half-years of a stock, suppressed with one minimum (not 2).

    With a minimum of 2 a suppressed stock can only be 1, which the rules publish (see
    ``test_with_a_minimum_of_two_a_suppressed_stock_is_known_to_be_one``).
    """
    minimum_cell = draw(MINIMUM_CELLS.filter(lambda minimum: minimum != 2))
    flow = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=3)
    # Stocks below the minimum as often as not: suppressed stocks are what rules 3 and 4 are about.
    small = st.integers(min_value=0, max_value=minimum_cell - 1)
    stock = small | st.integers(min_value=0, max_value=14)
    per_step = st.lists(small, min_size=1, max_size=2) | st.lists(st.integers(0, 6), max_size=4)
    start = draw(stock)
    periods = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if with_end_cells:  # networks: single-count flows, the end per step
            end_cells = draw(per_step.filter(bool))
            end = sum(end_cells)
            inflow, outflow = [draw(st.integers(0, 12))], [draw(st.integers(0, 12))]
        else:  # trajectories: flows per category
            end_cells, end = None, draw(stock)
            inflow, outflow = draw(flow), draw(flow)
        gap = (end - start) - (sum(inflow) - sum(outflow))
        if gap > 0:
            inflow[draw(st.integers(0, len(inflow) - 1))] += gap
        else:
            outflow[draw(st.integers(0, len(outflow) - 1))] -= gap
        periods.append(suppressed_period(start, inflow, outflow, minimum_cell, end_cells))
        start = end
    return StockChain(minimum_cell, periods)


# Both stocks suppressed beside two published flows: their difference and 1 to m - 1 pin both.
TWO_SMALL_STOCKS = StockChain(5, [suppressed_period(1, [8, 0], [5, 0, 0], 5)])
TWO_SMALL_STOCKS_PER_STEP = StockChain(5, [suppressed_period(1, [8], [5], 5, [3, 0, 1])])


@given(stock_chains(with_end_cells=False))
@example(TWO_SMALL_STOCKS)
def test_no_suppressed_figure_of_consecutive_caseloads_can_be_recomputed(
    chain: StockChain,
) -> None:
    assert recoverable(chain_arcs("t", chain.periods, minimum_cell=chain.minimum_cell)) == []


@given(stock_chains(with_end_cells=True))
@example(TWO_SMALL_STOCKS_PER_STEP)
def test_no_suppressed_figure_of_consecutive_network_figures_can_be_recomputed(
    chain: StockChain,
) -> None:
    assert recoverable(chain_arcs("n", chain.periods, minimum_cell=chain.minimum_cell)) == []
