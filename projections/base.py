"""What every read model is made of: its tables, its batch of events, and how it writes rows.

A read model (one module in ``projections/``) declares its ``Table``s and implements three steps
per batch of events, all inside one transaction that the runner opens and commits together with
the read model's tracking position (exactly once, resumable after any crash):

``load(batch, envelopes)``
    fetch the existing rows the batch will change (one query per table, by key);
``handle(envelope)``
    apply one event to those rows in memory: pure Python, no SQL, so an error is attributable
    to exactly one event (the runner then applies everything before it and stops the read
    model at that event's position: a poison event);
``save(batch)``
    write the changed rows back (COPY for new rows, one pipelined upsert or delete per changed
    row) and forget them.

Nothing a read model stores may depend on the wall clock or on batch boundaries: the same events
give the same content however they are batched (the property test compares digests). Anything
relative to "today" (age, overdue, time in step) is computed by the query functions, which take
the reference date as a parameter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID

import msgspec
from psycopg import sql

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
    from datetime import datetime

    import psycopg

    from pga.domain.common import PgaEvent
    from pga.recording import EventMetadata
    from pga.settings import Settings


@dataclass(frozen=True, slots=True)
class Envelope:
    """One stored event as read models see it: its log position, the event and its metadata."""

    position: int
    """The notification id: the event's place in the one log of the store (gapless order)."""
    event: PgaEvent
    metadata: EventMetadata | None

    @property
    def aggregate_id(self) -> UUID:
        """The trajectory or network the event belongs to."""
        return self.event.originator_id

    @property
    def version(self) -> int:
        """The event's version within its aggregate."""
        return self.event.originator_version

    @property
    def recorded_at(self) -> datetime:
        """When the event was recorded (UTC, the recording clock)."""
        return self.event.timestamp


@dataclass(frozen=True, slots=True)
class Table:
    """One table of a read model: its columns (name, SQL type), primary key and indexes.

    The runner creates it in the read model's schema (``CREATE TABLE <schema>.<name>``); the
    digest reads it ordered by ``key``. Column order is the order of the row tuples ``Rows``
    reads and writes, and of the fields of the msgspec ``Struct`` that models one row.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(name for name, _ in self.columns)

    def statements(self, schema: str) -> list[sql.Composed]:
        """Return the DDL that creates the table and its indexes in ``schema``."""
        qualified = sql.Identifier(schema, self.name)
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
            for name, kind in self.columns
        )
        statements = [
            sql.SQL("CREATE TABLE {table} ({columns}, PRIMARY KEY ({key}))").format(
                table=qualified,
                columns=columns,
                key=sql.SQL(", ").join(map(sql.Identifier, self.key)),
            )
        ]
        statements.extend(
            sql.SQL("CREATE INDEX ON {table} ({columns})").format(
                table=qualified, columns=sql.SQL(", ").join(map(sql.Identifier, index))
            )
            for index in self.indexes
        )
        return statements


class Batch:
    """The open transaction of one batch, in one read model's schema."""

    def __init__(self, cursor: psycopg.Cursor[Any], schema: str) -> None:
        self.cursor = cursor
        self.schema = schema

    def table(self, table: Table | str) -> sql.Identifier:
        """Return the schema-qualified name of one of the read model's tables."""
        return sql.Identifier(self.schema, table if isinstance(table, str) else table.name)

    def fetch(self, table: Table, column: str, values: Collection[Any]) -> list[tuple[Any, ...]]:
        """Return every row (all columns, in order) whose ``column`` is one of ``values``.

        A ``jsonb`` column is returned as JSON text: rows read and write JSON as text.
        """
        if not values:
            return []
        self.cursor.execute(
            sql.SQL("SELECT {columns} FROM {table} WHERE {column} = ANY(%s)").format(
                columns=sql.SQL(", ").join(
                    # jsonb comes back as the JSON text it is written as, not decoded.
                    sql.SQL("{}::text" if kind.startswith("jsonb") else "{}").format(
                        sql.Identifier(name)
                    )
                    for name, kind in table.columns
                ),
                table=self.table(table),
                column=sql.Identifier(column),
            ),
            (list(values),),
        )
        return self.cursor.fetchall()

    def insert(self, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """Insert new rows (all columns, in order) with COPY."""
        statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
            table=self.table(table),
            columns=sql.SQL(", ").join(map(sql.Identifier, table.column_names)),
        )
        with self.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def upsert(self, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows or, where the key exists, replace every other column."""
        if not rows:
            return
        names = table.column_names
        others = [name for name in names if name not in table.key]
        update = (
            sql.SQL("DO UPDATE SET {}").format(
                sql.SQL(", ").join(
                    sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in others
                )
            )
            if others
            else sql.SQL("DO NOTHING")
        )
        statement = sql.SQL(
            "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) {update}"
        ).format(
            table=self.table(table),
            columns=sql.SQL(", ").join(map(sql.Identifier, names)),
            values=sql.SQL(", ").join(sql.Placeholder() * len(names)),
            key=sql.SQL(", ").join(map(sql.Identifier, table.key)),
            update=update,
        )
        self.cursor.executemany(statement, rows)

    def delete(self, table: Table, keys: Sequence[Sequence[Any]]) -> None:
        """Delete the rows with these primary keys."""
        if not keys:
            return
        statement = sql.SQL("DELETE FROM {table} WHERE ({key}) = ({values})").format(
            table=self.table(table),
            key=sql.SQL(", ").join(map(sql.Identifier, table.key)),
            values=sql.SQL(", ").join(sql.Placeholder() * len(table.key)),
        )
        self.cursor.executemany(statement, keys)

    def delete_where(self, table: Table, column: str, values: Collection[Any]) -> None:
        """Delete every row whose ``column`` is one of ``values``."""
        if not values:
            return
        self.cursor.execute(
            sql.SQL("DELETE FROM {table} WHERE {column} = ANY(%s)").format(
                table=self.table(table), column=sql.Identifier(column)
            ),
            (list(values),),
        )


R = TypeVar("R", bound=msgspec.Struct)


class Rows(Generic[R]):
    """The rows of one table that a batch works on: loaded once, changed in memory, saved once.

    A row is a msgspec ``Struct`` whose fields are the table's columns, in order. ``load`` (by
    any column, usually the aggregate id) tells which keys exist; ``get``/``put``/``remove``
    work in memory; ``save`` COPYs rows that did not exist, upserts changed ones and deletes
    removed ones, then forgets everything. ``put`` of a key nobody loaded is allowed only for
    rows that are new by construction (e.g. keyed by an event's own position or version).
    """

    def __init__(self, table: Table, row_type: type[R]) -> None:
        fields = msgspec.structs.fields(row_type)
        if tuple(field.name for field in fields) != table.column_names:
            msg = f"{row_type.__name__} fields do not match the columns of table {table.name}"
            raise TypeError(msg)
        self.table = table
        self.row_type = row_type
        # A C-level getter: one call per row, a tuple for a composite key, a value for one column.
        self._key_getter = attrgetter(*table.key)
        self._composite = len(table.key) > 1
        self._rows: dict[tuple[Any, ...], R] = {}
        self._stored: set[tuple[Any, ...]] = set()
        # Changed keys in the order they were first changed (a dict: an ordered set).
        self._dirty: dict[tuple[Any, ...], None] = {}
        self._removed: set[tuple[Any, ...]] = set()

    def key_of(self, row: R) -> tuple[Any, ...]:
        """Return the primary key of ``row``."""
        key = self._key_getter(row)
        return key if self._composite else (key,)

    def load(self, batch: Batch, column: str, values: Collection[Any]) -> None:
        """Fetch the stored rows whose ``column`` is one of ``values`` (skipping loaded ones)."""
        rows, stored, row_type, key_of = self._rows, self._stored, self.row_type, self.key_of
        for values_row in batch.fetch(self.table, column, values):
            row = row_type(*values_row)
            key = key_of(row)
            if key not in stored and key not in rows:
                rows[key] = row
                stored.add(key)

    def get(self, *key: Any) -> R | None:  # noqa: ANN401 - key column values
        """Return the row with this key, if it exists (stored or put in this batch)."""
        return self._rows.get(key)

    def put(self, row: R) -> None:
        """Add or replace a row."""
        # The hot path of every handler: the key inline, and no set work that is not needed.
        key = self._key_getter(row)
        if not self._composite:
            key = (key,)
        self._rows[key] = row
        self._dirty[key] = None
        if self._removed:
            self._removed.discard(key)

    def touch(self, row: R) -> None:
        """Mark a row obtained with ``get`` and changed in place as changed."""
        self.put(row)

    def remove(self, *key: Any) -> None:  # noqa: ANN401 - key column values
        """Delete the row with this key (if it exists)."""
        if self._rows.pop(key, None) is not None:
            self._dirty.pop(key, None)
            if key in self._stored:
                self._removed.add(key)

    def where(self, column: str, value: Any) -> Iterator[R]:  # noqa: ANN401 - a column value
        """Yield the rows in memory whose ``column`` equals ``value``."""
        return (row for row in self._rows.values() if getattr(row, column) == value)

    def save(self, batch: Batch) -> None:
        """Write the batch's changes and forget every row."""
        rows, stored = self._rows, self._stored
        new: list[tuple[Any, ...]]
        changed: list[tuple[Any, ...]] = []
        if stored:
            new = []
            for key in self._dirty:
                (changed if key in stored else new).append(key)
        else:
            new = list(self._dirty)  # nothing was loaded: every changed row is new
        astuple = msgspec.structs.astuple
        if self._removed:
            batch.delete(self.table, [list(key) for key in _in_key_order(self._removed)])
        if new:
            batch.insert(self.table, [astuple(rows[key]) for key in _in_key_order(new)])
        if changed:
            batch.upsert(self.table, [astuple(rows[key]) for key in _in_key_order(changed)])
        self.clear()

    def clear(self) -> None:
        """Forget every row (after a save or a rollback)."""
        self._rows.clear()
        self._stored.clear()
        self._dirty.clear()
        self._removed.clear()


def _in_key_order(keys: Collection[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Return ``keys`` sorted (UUIDs by value): rows are written in one stable order.

    Writing in key order keeps lock order stable between concurrent writers of one table.
    Comparing a UUID's integer is much cheaper than its string (and orders UUIDs alike); a key
    whose parts do not compare (mixed types) falls back to ordering by their strings.
    """
    try:
        return sorted(keys, key=_comparable)
    except TypeError:
        return sorted(keys, key=_sortable)


def _comparable(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(part.int if type(part) is UUID else part for part in key)


def _sortable(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(part) for part in key)


class ReadModel(ABC):
    """One read model: its name, schema version, tables, and the three batch steps.

    ``version`` is part of the stored generation: when a release changes a read model's tables
    or what its handlers store, it bumps ``version`` and the runner rebuilds that read model into
    a new table set, swapping it in once it has caught up.
    """

    name: ClassVar[str]
    version: ClassVar[int]
    tables: ClassVar[tuple[Table, ...]]

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Build the read model from the service's settings (by default it needs none)."""
        del settings
        return cls()

    @abstractmethod
    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch what the batch will change."""

    @abstractmethod
    def handle(self, envelope: Envelope) -> None:
        """Apply one event in memory (no SQL)."""

    @abstractmethod
    def save(self, batch: Batch) -> None:
        """Write what changed and forget it."""

    @abstractmethod
    def reset(self) -> None:
        """Forget everything held in memory (after a failed batch)."""


class DispatchingReadModel(ReadModel):
    """A read model whose ``handle`` calls one handler per event class; other kinds do nothing.

    Subclasses fill ``_handlers`` (event class → bound method taking the event) in ``__init__``.
    """

    _handlers: dict[type[PgaEvent], Callable[[Any], None]]

    def handle(self, envelope: Envelope) -> None:
        """Apply one event with its handler (the kinds this read model does not read: nothing)."""
        handler = self._handlers.get(type(envelope.event))
        if handler is not None:
            handler(envelope.event)


def aggregate_ids(
    envelopes: Iterable[Envelope], kinds: Collection[type[PgaEvent]] | None = None
) -> set[UUID]:
    """Return the ids of the aggregates a batch's events (of ``kinds``, if given) belong to."""
    if kinds is None:
        return {envelope.event.originator_id for envelope in envelopes}
    return {envelope.event.originator_id for envelope in envelopes if type(envelope.event) in kinds}
