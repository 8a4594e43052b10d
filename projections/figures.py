"""Management figures per half-year: inflow, outflow and caseload, interventions, youth networks.

Municipalities account for the persons-oriented approach and the group approach per half-year
(the Almere annual safety report compares each half-year's street robberies and robberies, and
the youths and groups taken on). ``half_year`` returns those figures for one half-year
(``2026-H1`` is 1 January to 30 June, ``2026-H2`` 1 July to 31 December); ``half_years`` lists
the half-years the stored events cover.

What is stored, and why. Per-aggregate facts, keyed by the aggregate's id so a batch loads what
it changes with one query per table; everything is counted at query time, by business dates
(the day of the referral, the start of an intervention), never by recording time:

``trajectories``
    one row per trajectory: ``referred_on`` and ``offence_category`` (``Referred``), and the day
    it ended, ``closed_on``, with the closing reason (``Closed``) or ``declined`` (not included,
    ``InclusionDeclined``).
``interventions``
    one row per intervention: its ``kind`` (``InterventionPlanned``), ``started_on``
    (``InterventionStarted``), and ``ended_on`` with ``outcome`` ``completed`` or ``aborted``.
``network_steps``
    one row per step a youth network entered, keyed by the event's version (so rows are new by
    construction and never loaded): ``NetworkOpened`` enters ``stap_1``, ``StepAdvanced`` and
    ``SteppedBack`` enter their ``to_step``, ``NetworkFileClosed`` enters ``gesloten``. The step
    a network was in at the end of a day is its last entry on or before that day.

No names, free text or dates of birth are stored: ids, business dates and catalogue codes only.
``SubjectErased`` leaves the facts in place: none of them is a personal field of its event (the
aggregate keeps them too), and published half-years must not change when a youth is erased.

The figures of a half-year (all counts; a stock is counted at the end of a day):

- trajectories: ``active_at_start`` (referred before the first day, not ended before it),
  ``referrals`` per offence category (referred in the period), ``outflow`` per closing reason
  plus ``niet_opgenomen`` (ended in the period), ``active_at_end`` (referred on or before the
  last day, not ended on or before it). So ``active_at_end = active_at_start + referrals -
  outflow`` exactly, and one half-year's ``active_at_end`` is the next one's ``active_at_start``.
- interventions per type: ``started``, ``completed`` and ``aborted`` in the period. Only
  interventions that had started count as aborted; a planned one cancelled before its start was
  never carried out and is not counted.
- youth networks: ``open_at_start``, ``opened`` and ``closed`` in the period, and the open
  networks per step at the end of the period (``open_at_end``, its total the open networks).

Small-cell suppression (the threshold rule with secondary cell suppression, as in CBS's
handbook *Statistische beveiliging* and Hundepool et al., *Statistical Disclosure Control*,
2012, the method behind τ-ARGUS). A suppressed count is published as ``value = None`` with
``suppressed = True``, never as 0. With ``m = minimum_cell`` (default 5):

1. Primary: every count from 1 to ``m - 1`` is suppressed, cells and totals alike. A zero is
   published: an empty cell is about nobody (and with ``m = 1`` nothing is suppressed).
2. Breakdowns: where a breakdown's total is published, its suppressed cells must number at least
   two and add up to at least ``m``; otherwise its smallest published non-zero cells (catalogue
   order among equals) are suppressed too, one at a time, until they do. The total minus the
   published cells then leaves at least ``m`` spread over at least two unknown cells, so no cell
   can be recomputed, nor bounded below the threshold.
3. Linked totals: stocks and flows satisfy ``end = start + inflow - outflow`` (the trajectories'
   caseload, the open networks), and rule 4 makes public that a suppressed stock lies in 1 to
   ``m - 1``. So a suppressed stock never stands beside two published flows: whenever one or
   both stocks are suppressed and neither flow is, the smaller non-zero flow is suppressed too
   (the inflow when they are equal). Without it one suppressed stock is the other stock and the
   flows added up, and two suppressed stocks have a published difference ``end - start`` that,
   with both in 1 to ``m - 1``, can pin both (``start`` 1 and ``end`` 4 when ``m`` is 5 and the
   difference 3). When both flows are zero the stocks are equal and nothing more is suppressed:
   all that is known is that they are equal and lie in 1 to ``m - 1``. And when one flow is
   suppressed and no stock is, the other flow is suppressed too, zero or not. A flow suppressed
   by this rule also gets a suppressed cell in its own breakdown if it has none yet (its smallest
   non-zero cell, or its first cell if all are zero), so its cells cannot add it back up. Rule 3
   suppresses only flows' totals and cells under them, so rules 1, 2 and 4 have nothing more to
   do after it (rule 2 concerns published totals).
4. Stocks are only ever suppressed by the primary rule: a stock is published in two half-years
   (as the end of one and the start of the next) and so must be suppressed in both or neither.
   Each half-year's rule 3 then also protects the chain of half-years together. With ``m = 2``
   the range 1 to ``m - 1`` is the single count 1: a suppressed stock is known to be 1, and a
   flow suppressed beside it can then be recomputed, so a minimum of 2 protects no stock (use 1
   to suppress nothing, or 3 and up).

"Recomputed" means: determined by the published figures, the sums above, the fact that counts
are non-negative whole numbers and that a suppressed stock lies in 1 to ``m - 1`` (the property
tests check exactly this, for every minimum but 2, over several consecutive half-years).
Intervention breakdowns are not linked to each other and are protected by rules 1 and 2 alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Final
from uuid import UUID

import msgspec
from psycopg import sql

from pga.domain.catalogue import DEFAULT_CATALOGUE, Catalogue, Entry
from pga.domain.network import (
    NetworkFileClosed,
    NetworkOpened,
    NetworkStep,
    StepAdvanced,
    SteppedBack,
)
from pga.domain.trajectory import (
    Closed,
    InclusionDeclined,
    InterventionAborted,
    InterventionCompleted,
    InterventionPlanned,
    InterventionStarted,
    InterventionState,
    Referred,
)
from projections.base import (
    Batch,
    DispatchingReadModel,
    Envelope,
    Rows,
    Table,
    aggregate_ids,
)
from projections.runner import schema_name

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    import psycopg

    from pga.domain.common import PgaEvent

N = NetworkStep

#: The threshold of the primary suppression rule when the caller does not configure one.
DEFAULT_MINIMUM_CELL: Final = 5

#: The outflow row of trajectories that ended without inclusion (their status' name).
NOT_INCLUDED: Final = "niet_opgenomen"
NOT_INCLUDED_LABEL: Final = "Niet opgenomen"

COMPLETED: Final = InterventionState.COMPLETED.value
ABORTED: Final = InterventionState.ABORTED.value

#: The open steps of the 7-stappenmodel in the model's order (each side state beside the step
#: it branches from), with their Dutch names as the CCV uses them.
STEP_LABELS: Final[dict[NetworkStep, str]] = {
    N.SIGNALS: "Stap 1: signalen delen",
    N.ASSESSMENT: "Stap 2A: beoordelen groepsgedrag",
    N.LIGHT_APPROACH: "Stap 2A: lichte aanpak",
    N.NAME_LIST: "Stap 2B: namenlijst en groepsscan",
    N.INTERPRETATION: "Stap 3: groepsduiding en concept plan van aanpak",
    N.ADVICE: "Stap 4: advies en prioritering",
    N.NOT_PRIORITISED: "Stap 4: niet geprioriteerd",
    N.PLAN: "Stap 5: integraal plan van aanpak",
    N.EXECUTION: "Stap 6: uitvoeren en monitoren",
    N.SCALE_DOWN: "Stap 7: afschalen en evalueren",
}

_FIRST_HALF, _SECOND_HALF = 1, 2
_LAST_MONTH_OF_FIRST_HALF = 6


# --- stored rows ---


class TrajectoryFacts(msgspec.Struct):
    """One trajectory as stored (the ``trajectories`` table)."""

    trajectory_id: UUID
    referred_on: date
    offence_category: str
    closed_on: date | None
    """The day the trajectory closed or inclusion was declined (``None``: still open)."""
    closing_reason: str | None
    declined: bool


class InterventionFacts(msgspec.Struct):
    """One intervention as stored (the ``interventions`` table)."""

    trajectory_id: UUID
    intervention_id: UUID
    kind: str
    started_on: date | None
    ended_on: date | None
    outcome: str | None
    """``completed`` or ``aborted`` once it ended."""


class StepEntry(msgspec.Struct):
    """One step a youth network entered (the ``network_steps`` table)."""

    network_id: UUID
    version: int
    step: str
    entered_on: date


TRAJECTORIES = Table(
    name="trajectories",
    columns=(
        ("trajectory_id", "uuid NOT NULL"),
        ("referred_on", "date NOT NULL"),
        ("offence_category", "text NOT NULL"),
        ("closed_on", "date"),
        ("closing_reason", "text"),
        ("declined", "boolean NOT NULL"),
    ),
    key=("trajectory_id",),
)

INTERVENTIONS = Table(
    name="interventions",
    columns=(
        ("trajectory_id", "uuid NOT NULL"),
        ("intervention_id", "uuid NOT NULL"),
        ("kind", "text NOT NULL"),
        ("started_on", "date"),
        ("ended_on", "date"),
        ("outcome", "text"),
    ),
    key=("trajectory_id", "intervention_id"),
)

NETWORK_STEPS = Table(
    name="network_steps",
    columns=(
        ("network_id", "uuid NOT NULL"),
        ("version", "integer NOT NULL"),
        ("step", "text NOT NULL"),
        ("entered_on", "date NOT NULL"),
    ),
    key=("network_id", "version"),
)

#: Events whose handler changes a stored trajectory row (``Referred`` creates it).
_ENDS_TRAJECTORY: frozenset[type[PgaEvent]] = frozenset({Closed, InclusionDeclined})
#: Events whose handler changes a stored intervention row (``InterventionPlanned`` creates it).
_CHANGES_INTERVENTION: frozenset[type[PgaEvent]] = frozenset(
    {InterventionStarted, InterventionCompleted, InterventionAborted}
)


class Figures(DispatchingReadModel):
    """The facts behind the half-year figures (see the module docstring)."""

    name: ClassVar[str] = "figures"
    version: ClassVar[int] = 1
    tables: ClassVar[tuple[Table, ...]] = (TRAJECTORIES, INTERVENTIONS, NETWORK_STEPS)

    def __init__(self) -> None:
        self.trajectories = Rows(TRAJECTORIES, TrajectoryFacts)
        self.interventions = Rows(INTERVENTIONS, InterventionFacts)
        self.steps = Rows(NETWORK_STEPS, StepEntry)
        self._handlers: dict[type[PgaEvent], Callable[[Any], None]] = {
            Referred: self._referred,
            Closed: self._closed,
            InclusionDeclined: self._declined,
            InterventionPlanned: self._intervention_planned,
            InterventionStarted: self._intervention_started,
            InterventionCompleted: self._intervention_completed,
            InterventionAborted: self._intervention_aborted,
            NetworkOpened: self._network_opened,
            StepAdvanced: self._step_entered,
            SteppedBack: self._step_entered,
            NetworkFileClosed: self._network_closed,
        }

    # --- the batch ---

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch the stored rows that the batch's closings and intervention changes update."""
        ending = aggregate_ids(envelopes, _ENDS_TRAJECTORY)
        self.trajectories.load(batch, "trajectory_id", ending)
        changing = aggregate_ids(envelopes, _CHANGES_INTERVENTION)
        self.interventions.load(batch, "trajectory_id", changing)

    def save(self, batch: Batch) -> None:
        """Write the new and changed rows."""
        self.trajectories.save(batch)
        self.interventions.save(batch)
        self.steps.save(batch)

    def reset(self) -> None:
        """Forget the batch."""
        self.trajectories.clear()
        self.interventions.clear()
        self.steps.clear()

    # --- trajectories ---

    def _referred(self, event: Referred) -> None:
        # New by construction: the trajectory's first event.
        self.trajectories.put(
            TrajectoryFacts(
                trajectory_id=event.originator_id,
                referred_on=event.referred_on,
                offence_category=event.offence_category,
                closed_on=None,
                closing_reason=None,
                declined=False,
            )
        )

    def _trajectory(self, trajectory_id: UUID) -> TrajectoryFacts:
        row = self.trajectories.get(trajectory_id)
        if row is None:
            msg = f"trajectory {trajectory_id} has no row: its Referred was not applied"
            raise LookupError(msg)
        return row

    def _closed(self, event: Closed) -> None:
        row = self._trajectory(event.originator_id)
        row.closed_on = event.closed_on
        row.closing_reason = event.reason_code
        self.trajectories.touch(row)

    def _declined(self, event: InclusionDeclined) -> None:
        row = self._trajectory(event.originator_id)
        row.closed_on = event.declined_on
        row.declined = True
        self.trajectories.touch(row)

    # --- interventions ---

    def _intervention_planned(self, event: InterventionPlanned) -> None:
        # New by construction: an intervention id is planned once.
        self.interventions.put(
            InterventionFacts(
                trajectory_id=event.originator_id,
                intervention_id=event.intervention_id,
                kind=event.kind,
                started_on=None,
                ended_on=None,
                outcome=None,
            )
        )

    def _intervention(self, trajectory_id: UUID, intervention_id: UUID) -> InterventionFacts:
        row = self.interventions.get(trajectory_id, intervention_id)
        if row is None:
            msg = f"intervention {intervention_id} of trajectory {trajectory_id} has no row"
            raise LookupError(msg)
        return row

    def _intervention_started(self, event: InterventionStarted) -> None:
        row = self._intervention(event.originator_id, event.intervention_id)
        row.started_on = event.started_on
        self.interventions.touch(row)

    def _intervention_completed(self, event: InterventionCompleted) -> None:
        row = self._intervention(event.originator_id, event.intervention_id)
        row.ended_on = event.completed_on
        row.outcome = COMPLETED
        self.interventions.touch(row)

    def _intervention_aborted(self, event: InterventionAborted) -> None:
        row = self._intervention(event.originator_id, event.intervention_id)
        row.ended_on = event.aborted_on
        row.outcome = ABORTED
        self.interventions.touch(row)

    # --- youth networks (new rows only, keyed by the event's version) ---

    def _network_opened(self, event: NetworkOpened) -> None:
        self._enter(event, N.SIGNALS, event.opened_on)

    def _step_entered(self, event: StepAdvanced | SteppedBack) -> None:
        self._enter(event, event.to_step, event.on)

    def _network_closed(self, event: NetworkFileClosed) -> None:
        self._enter(event, N.CLOSED, event.on)

    def _enter(self, event: PgaEvent, step: NetworkStep, on: date) -> None:
        self.steps.put(StepEntry(event.originator_id, event.originator_version, step.value, on))


# --- periods ---


class HalfYear(msgspec.Struct, frozen=True, order=True):
    """A half-year: ``half`` 1 is January to June, 2 is July to December."""

    year: int
    half: int

    def __post_init__(self) -> None:
        """Refuse a period that is not a half-year of a calendar year from 1 to 9999."""
        if type(self.year) is not int or not date.min.year <= self.year <= date.max.year:
            msg = f"year must be a whole number from {date.min.year} to {date.max.year}"
            raise ValueError(msg)
        if type(self.half) is not int or self.half not in {_FIRST_HALF, _SECOND_HALF}:
            msg = f"half must be 1 (January to June) or 2 (July to December), not {self.half!r}"
            raise ValueError(msg)

    @classmethod
    def containing(cls, day: date) -> HalfYear:
        """Return the half-year that ``day`` lies in."""
        return cls(
            day.year, _FIRST_HALF if day.month <= _LAST_MONTH_OF_FIRST_HALF else _SECOND_HALF
        )

    @property
    def label(self) -> str:
        """The period as reports name it: ``2026-H1``."""
        return f"{self.year:04d}-H{self.half}"

    @property
    def starts_on(self) -> date:
        """The first day of the half-year."""
        return date(self.year, 1 if self.half == _FIRST_HALF else 7, 1)

    @property
    def ends_on(self) -> date:
        """The last day of the half-year."""
        return date(self.year, 6, 30) if self.half == _FIRST_HALF else date(self.year, 12, 31)

    def next(self) -> HalfYear:
        """Return the half-year after this one."""
        if self.half == _FIRST_HALF:
            return HalfYear(self.year, _SECOND_HALF)
        return HalfYear(self.year + 1, _FIRST_HALF)


# --- published figures ---


class Figure(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One published count: ``value`` is ``None`` exactly when it is suppressed."""

    value: int | None
    suppressed: bool


class Cell(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One row of a breakdown: a catalogue code, its Dutch label and its published count."""

    code: str
    label: str
    value: int | None
    suppressed: bool


class Breakdown(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Counts per code, in catalogue order (zeros included), and their total."""

    cells: tuple[Cell, ...]
    total: Figure


class TrajectoryFigures(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """PGA 18min: the caseload at both ends of the period, and what came in and went out."""

    active_at_start: Figure
    referrals: Breakdown
    """Per offence category (the municipality's inclusion list and any other code stored)."""
    outflow: Breakdown
    """Per closing reason, and ``niet_opgenomen`` for declined inclusions."""
    active_at_end: Figure


class InterventionFigures(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Interventions per type that started, were completed or were aborted in the period."""

    started: Breakdown
    completed: Breakdown
    aborted: Breakdown


class NetworkFigures(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Youth networks (7-stappenmodel): open at the start, opened, closed, per step at the end."""

    open_at_start: Figure
    opened: Figure
    closed: Figure
    open_at_end: Breakdown
    """Per step at the end of the period's last day; the total is the open networks."""


class HalfYearFigures(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The management figures of one half-year, suppressed with ``minimum_cell``."""

    period: str
    starts_on: date
    ends_on: date
    minimum_cell: int
    trajectories: TrajectoryFigures
    interventions: InterventionFigures
    networks: NetworkFigures


# --- suppression ---


@dataclass(frozen=True, slots=True)
class Hidden:
    """Which figures of one breakdown are suppressed: each cell (in order) and the total."""

    cells: tuple[bool, ...]
    total: bool


@dataclass(frozen=True, slots=True)
class BalanceHidden:
    """Which figures of ``end = start + inflow - outflow`` are suppressed."""

    start: bool
    inflow: Hidden
    outflow: Hidden
    end: bool


def is_small(count: int, minimum_cell: int) -> bool:
    """Tell whether the primary rule suppresses ``count`` (1 to ``minimum_cell - 1``)."""
    return 0 < count < minimum_cell


def suppress_breakdown(counts: Sequence[int], minimum_cell: int) -> Hidden:
    """Apply rules 1 and 2 of the module docstring to one breakdown's cells and total."""
    if not counts:
        msg = "a breakdown needs at least one cell"
        raise ValueError(msg)
    hidden = [is_small(count, minimum_cell) for count in counts]
    total = sum(counts)
    if not is_small(total, minimum_cell):
        candidates = sorted(
            (index for index, count in enumerate(counts) if count and not hidden[index]),
            key=lambda index: counts[index],
        )
        for index in candidates:
            hidden_counts = [count for count, hide in zip(counts, hidden, strict=True) if hide]
            if not hidden_counts or (len(hidden_counts) > 1 and sum(hidden_counts) >= minimum_cell):
                break
            hidden[index] = True
    return Hidden(tuple(hidden), is_small(total, minimum_cell))


def suppress_balance(
    start: int, inflow: Sequence[int], outflow: Sequence[int], end: int, minimum_cell: int
) -> BalanceHidden:
    """Apply rules 1 to 4 of the module docstring to a stock-and-flow table.

    ``inflow`` and ``outflow`` are the flows' breakdowns (a flow without one is a single cell);
    ``end`` must equal ``start + sum(inflow) - sum(outflow)``.
    """
    if end != start + sum(inflow) - sum(outflow):
        msg = "the figures do not balance: end must be start plus inflow minus outflow"
        raise ValueError(msg)
    hidden_in = suppress_breakdown(inflow, minimum_cell)
    hidden_out = suppress_breakdown(outflow, minimum_cell)
    hidden_start, hidden_end = is_small(start, minimum_cell), is_small(end, minimum_cell)
    inflow_total, outflow_total = sum(inflow), sum(outflow)
    stock_hidden = hidden_start or hidden_end
    if stock_hidden and not (hidden_in.total or hidden_out.total):
        # Rule 3, a suppressed stock: it takes the smaller flow that is not zero with it. With both
        # flows zero the stocks are equal, both suppressed, and stay within 1 to m - 1 together.
        if inflow_total and (not outflow_total or inflow_total <= outflow_total):
            hidden_in = _hide_flow(inflow, hidden_in)
        elif outflow_total:
            hidden_out = _hide_flow(outflow, hidden_out)
    elif not stock_hidden and hidden_in.total != hidden_out.total:
        # Rule 3, a lone suppressed flow: it takes the other flow with it, zero or not.
        if hidden_in.total:
            hidden_out = _hide_flow(outflow, hidden_out)
        else:
            hidden_in = _hide_flow(inflow, hidden_in)
    # Rule 3 only ever suppresses a flow's total and a cell under it: rule 2 concerns published
    # totals and rule 4 the stocks, so neither has anything new to do.
    return BalanceHidden(hidden_start, hidden_in, hidden_out, hidden_end)


def _hide_flow(counts: Sequence[int], hidden: Hidden) -> Hidden:
    """Suppress a flow's total, and one of its cells if none is suppressed yet (rule 3).

    The cell is the smallest non-zero one (the first cell if all are zero), so the published
    cells cannot add the suppressed total back up.
    """
    cells = list(hidden.cells)
    if not any(cells):
        nonzero = [index for index, count in enumerate(counts) if count]
        cells[min(nonzero, key=lambda index: counts[index]) if nonzero else 0] = True
    return Hidden(tuple(cells), total=True)


# --- queries ---

_COUNTS = """
SELECT 'referrals', offence_category, count(*) FROM {trajectories}
    WHERE referred_on BETWEEN %(start)s AND %(end)s GROUP BY offence_category
UNION ALL
SELECT 'outflow', CASE WHEN declined THEN %(not_included)s ELSE closing_reason END, count(*)
    FROM {trajectories} WHERE closed_on BETWEEN %(start)s AND %(end)s GROUP BY 2
UNION ALL
SELECT 'active_at_start', '', count(*) FROM {trajectories}
    WHERE referred_on < %(start)s AND (closed_on IS NULL OR closed_on >= %(start)s)
UNION ALL
SELECT 'active_at_end', '', count(*) FROM {trajectories}
    WHERE referred_on <= %(end)s AND (closed_on IS NULL OR closed_on > %(end)s)
UNION ALL
SELECT 'started', kind, count(*) FROM {interventions}
    WHERE started_on BETWEEN %(start)s AND %(end)s GROUP BY kind
UNION ALL
SELECT 'completed', kind, count(*) FROM {interventions}
    WHERE outcome = %(completed)s AND ended_on BETWEEN %(start)s AND %(end)s GROUP BY kind
UNION ALL
SELECT 'aborted', kind, count(*) FROM {interventions}
    WHERE outcome = %(aborted)s AND started_on IS NOT NULL
      AND ended_on BETWEEN %(start)s AND %(end)s
    GROUP BY kind
UNION ALL
SELECT 'opened', '', count(*) FROM (
    SELECT min(entered_on) AS opened_on FROM {steps} GROUP BY network_id
) AS networks WHERE opened_on BETWEEN %(start)s AND %(end)s
UNION ALL
SELECT 'closed', '', count(*) FROM {steps}
    WHERE step = %(closed)s AND entered_on BETWEEN %(start)s AND %(end)s
UNION ALL
SELECT 'open_at_start', '', count(*) FROM (
    SELECT DISTINCT ON (network_id) step FROM {steps} WHERE entered_on < %(start)s
    ORDER BY network_id, entered_on DESC, version DESC
) AS current WHERE step <> %(closed)s
UNION ALL
SELECT 'open_at_end', step, count(*) FROM (
    SELECT DISTINCT ON (network_id) step FROM {steps} WHERE entered_on <= %(end)s
    ORDER BY network_id, entered_on DESC, version DESC
) AS current WHERE step <> %(closed)s GROUP BY step
UNION ALL
SELECT 'offence_codes', offence_category, 0 FROM {trajectories} GROUP BY offence_category
UNION ALL
SELECT 'reason_codes', closing_reason, 0 FROM {trajectories}
    WHERE closing_reason IS NOT NULL GROUP BY closing_reason
UNION ALL
SELECT 'kind_codes', kind, 0 FROM {interventions} GROUP BY kind
UNION ALL
SELECT 'step_codes', step, 0 FROM {steps} WHERE step <> %(closed)s GROUP BY step
"""

_SPAN = """
SELECT min(day), max(day) FROM (
    SELECT referred_on AS day FROM {trajectories}
    UNION ALL SELECT closed_on FROM {trajectories}
    UNION ALL SELECT started_on FROM {interventions}
    UNION ALL SELECT ended_on FROM {interventions}
    UNION ALL SELECT entered_on FROM {steps}
) AS days
"""

LabelledRows = list[tuple[str, str]]
"""The rows of a breakdown: (code, Dutch label), in the order they are published."""


class _Counts:
    """The raw counts of one half-year, read in one statement (one snapshot)."""

    def __init__(self, rows: Iterable[tuple[str, str, int]]) -> None:
        self._counts: dict[str, dict[str, int]] = {}
        for figure, code, count in rows:
            self._counts.setdefault(figure, {})[code] = int(count)

    def single(self, figure: str) -> int:
        """Return a count without a breakdown."""
        return self._counts.get(figure, {}).get("", 0)

    def per_code(self, figure: str, rows: LabelledRows) -> list[int]:
        """Return a breakdown's counts in the order of ``rows`` (0 where nothing was counted)."""
        counted = self._counts.get(figure, {})
        return [counted.get(code, 0) for code, _ in rows]

    def rows(self, known: Iterable[str], stored: str, labels: Mapping[str, str]) -> LabelledRows:
        """Return the ``known`` codes, then any other code ever stored, each with its label.

        The rows depend on what was ever stored, not on this period: a row that appeared only
        when its count is non-zero would tell that a suppressed count is not zero. A code
        without a label (no longer in the catalogue) is labelled by itself.
        """
        codes = list(known)
        codes.extend(sorted(set(self._counts.get(stored, {})).difference(codes)))
        return [(code, labels.get(code, code)) for code in codes]


def half_year(
    connection: psycopg.Connection[Any],
    app_schema: str,
    year: int,
    half: int,
    *,
    minimum_cell: int = DEFAULT_MINIMUM_CELL,
    catalogue: Catalogue = DEFAULT_CATALOGUE,
) -> HalfYearFigures:
    """Return the figures of half-year ``half`` (1 or 2) of ``year``, suppressed as documented.

    ``catalogue`` is the application's (its inclusion list decides the offence rows; its Dutch
    labels name the rows). Raises ``ValueError`` for a period that is not a half-year or a
    ``minimum_cell`` below 1.
    """
    period = HalfYear(year, half)
    if isinstance(minimum_cell, bool) or not isinstance(minimum_cell, int) or minimum_cell < 1:
        msg = f"minimum_cell must be a whole number of at least 1, not {minimum_cell!r}"
        raise ValueError(msg)
    counts = _read_counts(connection, app_schema, period)
    return HalfYearFigures(
        period=period.label,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        minimum_cell=minimum_cell,
        trajectories=_trajectory_figures(counts, catalogue, minimum_cell),
        interventions=_intervention_figures(counts, catalogue, minimum_cell),
        networks=_network_figures(counts, minimum_cell),
    )


def half_years(connection: psycopg.Connection[Any], app_schema: str) -> list[HalfYear]:
    """Return every half-year from the first to the last business date stored, in order.

    Half-years without events in between are listed too (their stocks carry over); the last one
    may still be running. An empty store has none.
    """
    row = connection.execute(_statement(_SPAN, app_schema)).fetchone()
    if row is None or row[0] is None:
        return []
    periods = [HalfYear.containing(row[0])]
    last = HalfYear.containing(row[1])
    while periods[-1] < last:
        periods.append(periods[-1].next())
    return periods


def _statement(template: str, app_schema: str) -> sql.Composed:
    schema = schema_name(app_schema, Figures.name)
    return sql.SQL(template).format(
        trajectories=sql.Identifier(schema, TRAJECTORIES.name),
        interventions=sql.Identifier(schema, INTERVENTIONS.name),
        steps=sql.Identifier(schema, NETWORK_STEPS.name),
    )


def _read_counts(connection: psycopg.Connection[Any], app_schema: str, period: HalfYear) -> _Counts:
    parameters = {
        "start": period.starts_on,
        "end": period.ends_on,
        "not_included": NOT_INCLUDED,
        "completed": COMPLETED,
        "aborted": ABORTED,
        "closed": N.CLOSED.value,
    }
    return _Counts(connection.execute(_statement(_COUNTS, app_schema), parameters).fetchall())


def _labels(entries: Iterable[Entry]) -> dict[str, str]:
    return {entry.code: entry.label for entry in entries}


def _trajectory_figures(
    counts: _Counts, catalogue: Catalogue, minimum_cell: int
) -> TrajectoryFigures:
    included = (code for code in catalogue.offences.codes() if code in catalogue.included_offences)
    offence_rows = counts.rows(included, "offence_codes", _labels(catalogue.offences.entries))
    reasons = _labels(catalogue.closing_reasons.entries) | {NOT_INCLUDED: NOT_INCLUDED_LABEL}
    reason_rows = counts.rows(reasons, "reason_codes", reasons)
    start, end = counts.single("active_at_start"), counts.single("active_at_end")
    referrals = counts.per_code("referrals", offence_rows)
    outflow = counts.per_code("outflow", reason_rows)
    hidden = suppress_balance(start, referrals, outflow, end, minimum_cell)
    return TrajectoryFigures(
        active_at_start=_figure(start, hidden=hidden.start),
        referrals=_breakdown(offence_rows, referrals, hidden.inflow),
        outflow=_breakdown(reason_rows, outflow, hidden.outflow),
        active_at_end=_figure(end, hidden=hidden.end),
    )


def _intervention_figures(
    counts: _Counts, catalogue: Catalogue, minimum_cell: int
) -> InterventionFigures:
    types = _labels(catalogue.interventions.entries)
    rows = counts.rows(types, "kind_codes", types)

    def breakdown(figure: str) -> Breakdown:
        values = counts.per_code(figure, rows)
        return _breakdown(rows, values, suppress_breakdown(values, minimum_cell))

    return InterventionFigures(
        started=breakdown("started"), completed=breakdown("completed"), aborted=breakdown("aborted")
    )


def _network_figures(counts: _Counts, minimum_cell: int) -> NetworkFigures:
    steps = {step.value: label for step, label in STEP_LABELS.items()}
    step_rows = counts.rows(steps, "step_codes", steps)
    per_step = counts.per_code("open_at_end", step_rows)
    start, opened, closed = (counts.single(name) for name in ("open_at_start", "opened", "closed"))
    hidden = suppress_balance(start, [opened], [closed], sum(per_step), minimum_cell)
    return NetworkFigures(
        open_at_start=_figure(start, hidden=hidden.start),
        opened=_figure(opened, hidden=hidden.inflow.total),
        closed=_figure(closed, hidden=hidden.outflow.total),
        open_at_end=_breakdown(step_rows, per_step, suppress_breakdown(per_step, minimum_cell)),
    )


def _figure(count: int, *, hidden: bool) -> Figure:
    return Figure(value=None if hidden else count, suppressed=hidden)


def _breakdown(rows: LabelledRows, counts: Sequence[int], hidden: Hidden) -> Breakdown:
    return Breakdown(
        cells=tuple(
            Cell(code=code, label=label, value=None if hide else count, suppressed=hide)
            for (code, label), count, hide in zip(rows, counts, hidden.cells, strict=True)
        ),
        total=_figure(sum(counts), hidden=hidden.total),
    )
