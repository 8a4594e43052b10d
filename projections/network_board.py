"""The network board: every youth network with its step, time in step and what it holds.

One row per youth network (``networks``) with what the procesregisseur's board shows: working
name, area, procesregisseur, when it opened, the current step and the day it was entered, when it
closed, and counters of its current name list, partners, shared signals and back-steps. The plan's
actions are kept one row each (``actions``) because an action is dropped when the member it is
about leaves the name list (``MemberRemoved``, ``MemberErased``, a back-step before 2B, closing),
exactly as the aggregate drops it; the open, completed and overdue action counts are aggregated
at query time. The information letters not yet sent (informatieplicht: one per member placed on
the name list) are kept one row each too (``letters``: the member and the day it was placed),
until the letter is recorded as sent or the member leaves the list; ``lettersDue`` and
``lettersOverdue`` (placed more than ``StepDeadlines.information_letter`` days before ``today``)
are counted at query time.

Nothing stored depends on "today": the time a network has spent in its step, the step's due date
(the day the step began plus the configured ``StepDeadlines`` period) and whether it is overdue are
computed by the query functions from the ``today`` and ``deadlines`` they are given.

Privacy: the board holds no person-level content. Member ids appear only in ``actions.member_id``
and ``letters.member_id`` (to drop a person-level action or a pending letter with its member);
names, findings and other free text are never stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import msgspec
from psycopg import sql

from pga.domain.network import (
    PERSON_LEVEL_STEPS,
    ActionCompleted,
    ActionPlanned,
    MemberErased,
    MemberInformed,
    MemberPlaced,
    MemberRemoved,
    NetworkFileClosed,
    NetworkOpened,
    NetworkPartnerJoined,
    NetworkPartnerLeft,
    NetworkStep,
    ProcesregisseurAssigned,
    SignalShared,
    StepAdvanced,
    SteppedBack,
)
from projections.base import (
    Batch,
    DispatchingReadModel,
    Envelope,
    Rows,
    Table,
    aggregate_ids,
)
from projections.paging import DEFAULT_PAGE_SIZE, limit_offset, page_with_total, split_total
from projections.runner import schema_name

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import psycopg

    from pga.domain.common import PgaEvent

N = NetworkStep

#: The board's columns, left to right: the steps in the order of the 7-stappenmodel, each side
#: state beside the step it branches from, and the closed files last (shown on request).
STEP_ORDER: tuple[NetworkStep, ...] = (
    N.SIGNALS,
    N.ASSESSMENT,
    N.LIGHT_APPROACH,
    N.NAME_LIST,
    N.INTERPRETATION,
    N.ADVICE,
    N.NOT_PRIORITISED,
    N.PLAN,
    N.EXECUTION,
    N.SCALE_DOWN,
    N.CLOSED,
)


class StepDeadlines(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How many days a network may spend in each step before it is overdue (configuration).

    The sources name no fixed terms per step (domain research §1.3, §7), so these defaults are a
    starting point for the municipality to set: the due date of a step is the day the network
    entered it plus its period; ``None`` means the step has no due date. A closed file has none.
    """

    stap_1: int | None = 28
    """Signals shared: decide within four weeks whether to assess the group behaviour."""
    stap_2a: int | None = 21
    """Assessment (2A): a few weeks to judge whether the behaviour is problematic."""
    stap_2a_licht: int | None = 91
    """Light approach: review the light measures after about three months."""
    stap_2b: int | None = 42
    """Name list and groepsscan (2B): six weeks for the list, the scan and the police advice."""
    stap_3: int | None = 42
    """Groepsduiding and concept plan: six weeks."""
    stap_4: int | None = 28
    """Advice and prioritisation: about one round of the local triangle."""
    niet_geprioriteerd: int | None = 182
    """Not prioritised (regular approach, monitoring): re-assess after six months."""
    stap_5: int | None = 42
    """Integral plan of approach: six weeks to adopt it."""
    stap_6: int | None = 182
    """Execution and monitoring: consider scaling down after six months."""
    stap_7: int | None = 56
    """Scale down and evaluate: eight weeks to evaluate and close."""
    information_letter: int | None = 30
    """Not a step: the information letter to a member placed on the name list is due this many
    days after the placement (AVG art. 14(3)(a): at the latest within one month)."""

    def __post_init__(self) -> None:
        """Refuse a period that is not a whole number of days of at least one."""
        for field in self.__struct_fields__:
            days = getattr(self, field)
            if days is None:
                continue
            if isinstance(days, bool) or not isinstance(days, int) or days < 1:
                msg = f"deadline for {field} must be a whole number of days of at least 1 or None"
                raise ValueError(msg)

    def days_for(self, step: NetworkStep) -> int | None:
        """Return the due period of ``step`` in days (``None``: no due date)."""
        if step == N.CLOSED:
            return None
        days: int | None = getattr(self, step.value)
        return days


#: The default due periods (see ``StepDeadlines``).
DEFAULT_DEADLINES = StepDeadlines()


# --- stored rows ---


class NetworkRecord(msgspec.Struct):
    """One network as stored (the ``networks`` table)."""

    network_id: UUID
    working_name: str
    area: str
    historical_label: str | None
    procesregisseur: str
    procesregisseur_organisation: str
    opened_on: date
    step: str
    step_since: date
    closed_on: date | None
    members: int
    partners: int
    signals: int
    back_steps: int


class LetterRecord(msgspec.Struct):
    """An information letter not yet sent to a member of the name list (the ``letters`` table)."""

    network_id: UUID
    member_id: UUID
    placed_on: date


class ActionRecord(msgspec.Struct):
    """One action of a network's plan as stored (the ``actions`` table)."""

    network_id: UUID
    action_id: UUID
    member_id: UUID | None
    due_on: date
    completed_on: date | None


NETWORKS = Table(
    name="networks",
    columns=(
        ("network_id", "uuid NOT NULL"),
        ("working_name", "text NOT NULL"),
        ("area", "text NOT NULL"),
        ("historical_label", "text"),
        ("procesregisseur", "text NOT NULL"),
        ("procesregisseur_organisation", "text NOT NULL"),
        ("opened_on", "date NOT NULL"),
        ("step", "text NOT NULL"),
        ("step_since", "date NOT NULL"),
        ("closed_on", "date"),
        ("members", "integer NOT NULL"),
        ("partners", "integer NOT NULL"),
        ("signals", "integer NOT NULL"),
        ("back_steps", "integer NOT NULL"),
    ),
    key=("network_id",),
    indexes=(("step", "step_since"), ("working_name",)),
)

ACTIONS = Table(
    name="actions",
    columns=(
        ("network_id", "uuid NOT NULL"),
        ("action_id", "uuid NOT NULL"),
        ("member_id", "uuid"),
        ("due_on", "date NOT NULL"),
        ("completed_on", "date"),
    ),
    key=("network_id", "action_id"),
)

LETTERS = Table(
    name="letters",
    columns=(
        ("network_id", "uuid NOT NULL"),
        ("member_id", "uuid NOT NULL"),
        ("placed_on", "date NOT NULL"),
    ),
    key=("network_id", "member_id"),
)

#: Network events whose handler changes a network row that may already be stored.
_CHANGES_NETWORK: frozenset[type[PgaEvent]] = frozenset(
    {
        ProcesregisseurAssigned,
        NetworkPartnerJoined,
        NetworkPartnerLeft,
        SignalShared,
        MemberPlaced,
        MemberRemoved,
        MemberErased,
        StepAdvanced,
        SteppedBack,
        NetworkFileClosed,
    }
)
#: Network events whose handler changes or drops stored actions.
_CHANGES_ACTIONS: frozenset[type[PgaEvent]] = frozenset(
    {ActionCompleted, MemberRemoved, MemberErased, SteppedBack, NetworkFileClosed}
)
#: Network events whose handler drops stored pending letters.
_CHANGES_LETTERS: frozenset[type[PgaEvent]] = frozenset(
    {MemberInformed, MemberRemoved, MemberErased, SteppedBack, NetworkFileClosed}
)


class NetworkBoard(DispatchingReadModel):
    """Per youth network: step, step start, closing, and counts (see the module docstring)."""

    name: ClassVar[str] = "network_board"
    #: 3: an erased member (``MemberErased``) leaves the board like a removed one.
    version: ClassVar[int] = 3
    tables: ClassVar[tuple[Table, ...]] = (NETWORKS, ACTIONS, LETTERS)

    def __init__(self) -> None:
        self.networks = Rows(NETWORKS, NetworkRecord)
        self.actions = Rows(ACTIONS, ActionRecord)
        self.letters = Rows(LETTERS, LetterRecord)
        self._handlers: dict[type[PgaEvent], Callable[[Any], None]] = {
            NetworkOpened: self._opened,
            ProcesregisseurAssigned: self._procesregisseur_assigned,
            NetworkPartnerJoined: self._counter("partners", +1),
            NetworkPartnerLeft: self._counter("partners", -1),
            SignalShared: self._counter("signals", +1),
            MemberPlaced: self._member_placed,
            MemberInformed: self._member_informed,
            MemberRemoved: self._member_removed,
            MemberErased: self._member_removed,
            ActionPlanned: self._action_planned,
            ActionCompleted: self._action_completed,
            StepAdvanced: self._step_advanced,
            SteppedBack: self._stepped_back,
            NetworkFileClosed: self._file_closed,
        }

    # --- the batch ---

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch the stored rows of the networks whose events change them."""
        self.networks.load(batch, "network_id", aggregate_ids(envelopes, _CHANGES_NETWORK))
        self.actions.load(batch, "network_id", aggregate_ids(envelopes, _CHANGES_ACTIONS))
        self.letters.load(batch, "network_id", aggregate_ids(envelopes, _CHANGES_LETTERS))

    def save(self, batch: Batch) -> None:
        """Write the changed rows."""
        self.networks.save(batch)
        self.actions.save(batch)
        self.letters.save(batch)

    def reset(self) -> None:
        """Forget the batch."""
        self.networks.clear()
        self.actions.clear()
        self.letters.clear()

    # --- handlers ---

    def _network(self, network_id: UUID) -> NetworkRecord:
        row = self.networks.get(network_id)
        if row is None:
            msg = f"network {network_id} has no row: its NetworkOpened was not applied"
            raise LookupError(msg)
        return row

    def _opened(self, event: NetworkOpened) -> None:
        self.networks.put(
            NetworkRecord(
                network_id=event.originator_id,
                working_name=event.working_name,
                area=event.area,
                historical_label=event.historical_label,
                procesregisseur=event.procesregisseur,
                procesregisseur_organisation=event.procesregisseur_organisation,
                opened_on=event.opened_on,
                step=N.SIGNALS.value,
                step_since=event.opened_on,
                closed_on=None,
                members=0,
                partners=0,
                signals=0,
                back_steps=0,
            )
        )

    def _procesregisseur_assigned(self, event: ProcesregisseurAssigned) -> None:
        row = self._network(event.originator_id)
        row.procesregisseur = event.procesregisseur
        row.procesregisseur_organisation = event.organisation
        self.networks.touch(row)

    def _counter(self, field: str, step: int) -> Callable[[Any], None]:
        """Return a handler that moves one of the network's counters by ``step``."""

        def count(event: PgaEvent) -> None:
            row = self._network(event.originator_id)
            setattr(row, field, getattr(row, field) + step)
            self.networks.touch(row)

        return count

    def _member_placed(self, event: MemberPlaced) -> None:
        row = self._network(event.originator_id)
        row.members += 1
        self.networks.touch(row)
        # New by construction: a member id is placed once per network.
        self.letters.put(LetterRecord(event.originator_id, event.member_id, event.placed_on))

    def _member_informed(self, event: MemberInformed) -> None:
        if self.letters.get(event.originator_id, event.member_id) is None:
            msg = f"member {event.member_id} of network {event.originator_id} has no letter row"
            raise LookupError(msg)
        self.letters.remove(event.originator_id, event.member_id)

    def _member_removed(self, event: MemberRemoved | MemberErased) -> None:
        row = self._network(event.originator_id)
        row.members -= 1
        self.networks.touch(row)
        self._drop_person_actions(event.originator_id, event.member_id)
        self._drop_letters(event.originator_id, event.member_id)

    def _action_planned(self, event: ActionPlanned) -> None:
        # New by construction: an action id is planned once per network.
        self.actions.put(
            ActionRecord(
                network_id=event.originator_id,
                action_id=event.action_id,
                member_id=event.member_id,
                due_on=event.due_on,
                completed_on=None,
            )
        )

    def _action_completed(self, event: ActionCompleted) -> None:
        action = self.actions.get(event.originator_id, event.action_id)
        if action is None:
            msg = f"action {event.action_id} of network {event.originator_id} has no row"
            raise LookupError(msg)
        action.completed_on = event.completed_on
        self.actions.touch(action)

    def _step_advanced(self, event: StepAdvanced) -> None:
        row = self._network(event.originator_id)
        row.step = event.to_step.value
        row.step_since = event.on
        self.networks.touch(row)

    def _stepped_back(self, event: SteppedBack) -> None:
        row = self._network(event.originator_id)
        row.step = event.to_step.value
        row.step_since = event.on
        row.back_steps += 1
        if event.to_step not in PERSON_LEVEL_STEPS:
            row.members = 0
            self._drop_person_actions(event.originator_id)
            self._drop_letters(event.originator_id)
        self.networks.touch(row)

    def _file_closed(self, event: NetworkFileClosed) -> None:
        row = self._network(event.originator_id)
        row.step = N.CLOSED.value
        row.step_since = event.on
        row.closed_on = event.on
        row.members = 0
        self.networks.touch(row)
        self._drop_person_actions(event.originator_id)
        self._drop_letters(event.originator_id)

    def _drop_letters(self, network_id: UUID, member_id: UUID | None = None) -> None:
        """Drop the pending letters of ``member_id`` (``None``: of every member)."""
        dropped = [
            letter.member_id
            for letter in self.letters.where("network_id", network_id)
            if member_id is None or letter.member_id == member_id
        ]
        for each in dropped:
            self.letters.remove(network_id, each)

    def _drop_person_actions(self, network_id: UUID, member_id: UUID | None = None) -> None:
        """Drop the person-level actions about ``member_id`` (``None``: about any member)."""
        dropped = [
            action.action_id
            for action in self.actions.where("network_id", network_id)
            if action.member_id is not None and (member_id is None or action.member_id == member_id)
        ]
        for action_id in dropped:
            self.actions.remove(network_id, action_id)


# --- queries ---


class NetworkRow(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One network on the board, with what is relative to the query's ``today``."""

    network_id: UUID
    working_name: str
    area: str
    historical_label: str | None
    procesregisseur: str
    procesregisseur_organisation: str
    opened_on: date
    step: NetworkStep
    step_since: date
    closed_on: date | None
    members: int
    """People on the current name list."""
    partners: int
    signals: int
    back_steps: int
    open_actions: int
    completed_actions: int
    overdue_actions: int
    """Open actions whose due date is before ``today``."""
    days_in_step: int
    """Days from ``step_since`` to ``today`` (negative if ``today`` is before the step began)."""
    due_on: date | None
    """``step_since`` plus the step's period (``None``: the step has no due date)."""
    overdue: bool
    """``today`` is after ``due_on``."""
    days_overdue: int
    """Days from ``due_on`` to ``today`` when overdue, else 0."""
    letters_due: int
    """Members of the name list whose information letter is not recorded as sent."""
    letters_overdue: int
    """Of those, the ones placed more than the configured letter period before ``today``."""


class BoardColumn(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One step's column: its networks, longest in the step first."""

    step: NetworkStep
    networks: list[NetworkRow]
    overdue: int


class Board(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The board on ``today``: one column per step in the model's order, empty ones included."""

    today: date
    columns: list[BoardColumn]
    total: int
    overdue: int


class NetworkPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One page of the network list, and how many networks match in all."""

    items: list[NetworkRow]
    total: int
    page: int
    page_size: int


_SELECT = """
SELECT n.network_id, n.working_name, n.area, n.historical_label, n.procesregisseur,
       n.procesregisseur_organisation, n.opened_on, n.step, n.step_since, n.closed_on,
       n.members, n.partners, n.signals, n.back_steps,
       a.open_actions, a.completed_actions, a.overdue_actions,
       l.letters_due, l.letters_overdue
FROM {networks} AS n
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE completed_on IS NULL) AS open_actions,
           count(*) FILTER (WHERE completed_on IS NOT NULL) AS completed_actions,
           count(*) FILTER (WHERE completed_on IS NULL AND due_on < %(today)s) AS overdue_actions
    FROM {actions} AS x
    WHERE x.network_id = n.network_id
) AS a
CROSS JOIN LATERAL (
    SELECT count(*) AS letters_due,
           count(*) FILTER (WHERE placed_on < %(letters_placed_before)s) AS letters_overdue
    FROM {letters} AS y
    WHERE y.network_id = n.network_id
) AS l
WHERE {where}
"""


def board(
    connection: psycopg.Connection[Any],
    app_schema: str,
    *,
    today: date,
    deadlines: StepDeadlines = DEFAULT_DEADLINES,
    include_closed: bool = False,
) -> Board:
    """Return every network grouped by step, in the model's step order.

    Every step is a column even when empty; the closed files (``gesloten``) form the last column
    only with ``include_closed``. Within a column the network longest in its step comes first.
    """
    where = sql.SQL("TRUE") if include_closed else sql.SQL("n.step <> %(closed)s")
    rows = _select(
        connection,
        app_schema,
        where,
        sql.SQL("n.step_since, n.working_name, n.network_id"),
        _params(today, deadlines) | {"closed": N.CLOSED.value},
    )
    by_step: dict[NetworkStep, list[NetworkRow]] = {
        step: [] for step in STEP_ORDER if include_closed or step != N.CLOSED
    }
    for row in rows:
        item = _network_row(row, today, deadlines)
        by_step[item.step].append(item)
    columns = [
        BoardColumn(
            step=step,
            networks=items,
            overdue=sum(item.overdue for item in items),
        )
        for step, items in by_step.items()
    ]
    return Board(
        today=today,
        columns=columns,
        total=sum(len(column.networks) for column in columns),
        overdue=sum(column.overdue for column in columns),
    )


def list_networks(
    connection: psycopg.Connection[Any],
    app_schema: str,
    *,
    today: date,
    deadlines: StepDeadlines = DEFAULT_DEADLINES,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    step: NetworkStep | str | None = None,
    include_closed: bool = False,
) -> NetworkPage:
    """Return one page of networks by working name, optionally of one step only.

    ``page`` counts from 1. Closed files are listed with ``include_closed``, or when ``step`` is
    ``gesloten``.
    """
    paging = limit_offset(page, page_size)
    params: dict[str, Any] = _params(today, deadlines) | {"closed": N.CLOSED.value}
    conditions = []
    if step is not None:
        conditions.append(sql.SQL("n.step = %(step)s"))
        params["step"] = _step(step).value
    elif not include_closed:
        conditions.append(sql.SQL("n.step <> %(closed)s"))
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE")
    params |= paging
    networks = _table(app_schema, NETWORKS)
    statement = page_with_total(
        sql.SQL("SELECT count(*) FROM {} AS n WHERE {}").format(networks, where),
        sql.SQL(
            _SELECT + "ORDER BY n.working_name, n.network_id LIMIT %(limit)s OFFSET %(offset)s"
        ).format(
            networks=networks,
            actions=_table(app_schema, ACTIONS),
            letters=_table(app_schema, LETTERS),
            where=where,
        ),
        sql.SQL("p.working_name, p.network_id"),
    )
    rows, total = split_total(connection.execute(statement, params).fetchall())
    return NetworkPage(
        items=[_network_row(row, today, deadlines) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


def get_network_row(
    connection: psycopg.Connection[Any],
    app_schema: str,
    network_id: UUID,
    *,
    today: date,
    deadlines: StepDeadlines = DEFAULT_DEADLINES,
) -> NetworkRow | None:
    """Return one network's board row (closed or not), or ``None`` if there is no such network."""
    rows = _select(
        connection,
        app_schema,
        sql.SQL("n.network_id = %(network_id)s"),
        sql.SQL("n.network_id"),
        _params(today, deadlines) | {"network_id": network_id},
    )
    return _network_row(rows[0], today, deadlines) if rows else None


def _select(
    connection: psycopg.Connection[Any],
    app_schema: str,
    where: sql.Composable,
    order: sql.Composable,
    params: dict[str, Any],
) -> list[tuple[Any, ...]]:
    query = sql.SQL(_SELECT + "ORDER BY {order}").format(
        networks=_table(app_schema, NETWORKS),
        actions=_table(app_schema, ACTIONS),
        letters=_table(app_schema, LETTERS),
        where=where,
        order=order,
    )
    return connection.execute(query, params).fetchall()


def _table(app_schema: str, table: Table) -> sql.Identifier:
    return sql.Identifier(schema_name(app_schema, NetworkBoard.name), table.name)


def _network_row(row: tuple[Any, ...], today: date, deadlines: StepDeadlines) -> NetworkRow:
    (
        network_id,
        working_name,
        area,
        historical_label,
        procesregisseur,
        procesregisseur_organisation,
        opened_on,
        step_value,
        step_since,
        closed_on,
        members,
        partners,
        signals,
        back_steps,
        open_actions,
        completed_actions,
        overdue_actions,
        letters_due,
        letters_overdue,
    ) = row
    step = NetworkStep(step_value)
    days = deadlines.days_for(step)
    due_on = None if days is None else step_since + timedelta(days=days)
    overdue = due_on is not None and today > due_on
    return NetworkRow(
        network_id=network_id,
        working_name=working_name,
        area=area,
        historical_label=historical_label,
        procesregisseur=procesregisseur,
        procesregisseur_organisation=procesregisseur_organisation,
        opened_on=opened_on,
        step=step,
        step_since=step_since,
        closed_on=closed_on,
        members=members,
        partners=partners,
        signals=signals,
        back_steps=back_steps,
        open_actions=open_actions,
        completed_actions=completed_actions,
        overdue_actions=overdue_actions,
        days_in_step=(today - step_since).days,
        due_on=due_on,
        overdue=overdue,
        days_overdue=(today - due_on).days if overdue and due_on is not None else 0,
        letters_due=letters_due,
        letters_overdue=letters_overdue,
    )


def _params(today: date, deadlines: StepDeadlines) -> dict[str, Any]:
    """Return the query parameters relative to ``today`` (letters placed before a day: overdue)."""
    letter_days = deadlines.information_letter
    return {
        "today": _today(today),
        # Overdue: today is after placed_on + days, that is placed_on < today - days.
        "letters_placed_before": date.min
        if letter_days is None
        else today - timedelta(days=letter_days),
    }


def _today(today: date) -> date:
    # A datetime is a date too, but "today" with a time of day is a caller's mistake.
    if not isinstance(today, date) or isinstance(today, datetime):
        msg = "today must be a date (not a datetime)"
        raise ValueError(msg)  # noqa: TRY004 - a bad query value, as for every other parameter
    return today


def _step(step: NetworkStep | str) -> NetworkStep:
    try:
        return NetworkStep(step)
    except ValueError:
        known = ", ".join(each.value for each in NetworkStep)
        msg = f"unknown step; expected one of {known}"
        raise ValueError(msg) from None
