"""Verifying the tamper evidence: the event chain, the access log, checkpoints and read models.

**The event chain.** Every stored event has a seal row (``pga_seals``) holding
``SHA-256(previous seal ‖ digest of the event as stored)`` (``pga.store.seal``). Verifying walks
the events and the seal rows side by side in notification order (two server-side cursors in one
REPEATABLE READ snapshot, so memory stays flat and a writer committing meanwhile is simply not
seen), recomputes every seal, and stops at the first break. Notification ids may have gaps (a
rolled-back conflict consumes a sequence value): a gap is never a break. What a break is called,
and which event it names:

``altered``
    the event's content (or its seal) does not match: the seal recomputed over the stored bytes
    differs from the stored seal. Names the event at that position. An event deleted *together
    with* its seal row looks the same from the event after it (its seal was made over the missing
    one); the detail says so when a gap precedes the named event.
``deleted``
    a seal row without its event: names the aggregate and version the seal row records.
``inserted``
    an event without a seal row (a forged event placed at the end or into a gap); or a forged
    event that came with a seal row: either its seal was made to fit but the next event's seal
    holds only *without* it, or its seal does not fit while the next event's seal holds without
    it. Names the forged event in each case.
``moved``
    the seal row at a position records another aggregate or version than the event stored
    there (two events swapped, or one renumbered). Names the event stored at that position; the
    detail names the one the seal was made for.
``rewritten``
    the chain holds together but does not pass through a checkpoint: events up to that position
    were changed and every later seal recomputed. Names the checkpoint's position only (which
    event was changed cannot be known).

What the chain alone cannot show: events appended with seals made to fit, and the newest events
deleted together with their seals (the chain is a valid shorter one). Checkpoints close the
second gap (and the first, for anything before them): ``take_checkpoint`` stores the head of the
chain (position, seal, count) in the append-only ``pga_checkpoints`` and returns it as JSON for an
auditor to keep outside the database; ``verify_event_chain`` checks that the recomputed chain
passes through each checkpoint given, so a rewrite of the whole chain or a deleted tail fails.

**The access log** (``pga.audit.access_log``) is chained the same way, with positions consecutive
from 1: a gap is a deletion, a mismatch an alteration; checkpoints hold its head too.

**Read models.** Each built read model's digest (``projections.control.digest_at``, read in one
snapshot, with the position it holds for) must equal the digest of a rebuild from zero in a
scratch schema up to the same position, so a read model changed behind the runner's back (or
built from events that were changed since) is found while the live one keeps following.

Nothing here prints or returns event or entry content: only positions, aggregate ids, versions
and seals.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

import msgspec
import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from pga.application import open_application
from pga.audit import access_log
from pga.files import create_private_file
from pga.store.database import EVENTS_TABLE, SEALS_TABLE, resolve_database_url
from pga.store.seal import GENESIS_SEAL, next_seal
from projections import read_models
from projections.control import digest_at, digest_of, scratch_rebuild, status

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Iterator, Sequence

    from pga.application import PgaApplication
    from pga.settings import Settings
    from projections.base import ReadModel
    from projections.control import ScratchBuild

CHECKPOINTS_TABLE = "pga_checkpoints"
"""The append-only table of checkpoints, in the event store's schema."""
EVENT_CHAIN = "event chain"
ACCESS_LOG = "access log"
EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
_BATCH = 5000
_SEAL_HEX = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
_COUNT = Annotated[int, msgspec.Meta(ge=0)]

BreakKind = Literal["altered", "deleted", "inserted", "moved", "rewritten"]


class ChainBreak(msgspec.Struct, frozen=True, kw_only=True):
    """The first place a chain does not hold: where, what is there, and how it is broken."""

    kind: BreakKind
    position: int
    aggregate_id: UUID | None = None
    """The event's aggregate (the event chain only; ``None`` where no event can be named)."""
    version: int | None = None
    detail: str
    """What is wrong, in plain words (never any content)."""

    def describe(self, chain: str) -> str:
        """Return the one line that reports this break, e.g. ``BROKEN event chain at …``."""
        where = f"BROKEN {chain} at position {self.position}"
        if self.aggregate_id is not None:
            where += f": aggregate {self.aggregate_id} version {self.version}"
        return f"{where} ({self.kind}: {self.detail})"


class ChainHead(msgspec.Struct, frozen=True, kw_only=True):
    """The newest entry of a chain: its position, its seal (hex) and how many entries lead to it."""

    position: _COUNT
    seal: _SEAL_HEX
    count: _COUNT


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    """The heads of the event chain and of the access log at one moment, for an auditor to keep."""

    schema: str
    created_at: datetime
    """When it was taken (wall clock, UTC)."""
    events: ChainHead
    access_log: ChainHead


class ChainResult(msgspec.Struct, frozen=True, kw_only=True):
    """What verifying one chain found."""

    chain: str
    """``event chain`` or ``access log``."""
    present: bool
    """Whether the chain's table exists (an access log is created on first use)."""
    count: int
    """The entries verified (up to the break, if any)."""
    head: ChainHead
    """The last entry verified."""
    checkpoints: int
    """The checkpoints the chain was found to pass through."""
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        """Whether the chain holds."""
        return self.broken is None

    def describe(self) -> list[str]:
        """Return the lines that report this result (the last one names the break, if any)."""
        if not self.present:
            lines = [f"{self.chain}: no table in this schema, nothing to verify"]
            return lines if self.broken is None else [*lines, self.broken.describe(self.chain)]
        noun = "sealed events" if self.chain == EVENT_CHAIN else "entries"
        if self.broken is not None:
            return [
                f"{self.chain}: {self.count} {noun} verified before the first break",
                self.broken.describe(self.chain),
            ]
        lines = [
            (
                f"{self.chain}: {self.count} {noun} verified, head position {self.head.position},"
                f" head seal {self.head.seal}"
            )
        ]
        if self.checkpoints:
            lines.append(f"{self.chain}: passes through {self.checkpoints} checkpoint(s)")
        return lines


ReadModelOutcome = Literal["ok", "differs", "not built", "outdated"]


class ReadModelCheck(msgspec.Struct, frozen=True, kw_only=True):
    """How one read model compared with a fresh rebuild up to the position it holds."""

    name: str
    outcome: ReadModelOutcome
    position: int = 0
    detail: str = ""

    @property
    def broken(self) -> bool:
        """Whether the read model differs from what its events give."""
        return self.outcome == "differs"

    def describe(self) -> str:
        """Return the line that reports this check."""
        if self.outcome == "ok":
            return f"read model {self.name}: ok at position {self.position} ({self.detail})"
        if self.outcome == "differs":
            return f"BROKEN read model {self.name}: {self.detail}"
        return f"read model {self.name}: {self.outcome}, not compared ({self.detail})"


# --- snapshots ---


@contextlib.contextmanager
def _snapshot(connection: psycopg.Connection[Any], *, read_only: bool = True) -> Iterator[None]:
    """Run the block in one REPEATABLE READ transaction (or inside the caller's, if one is open).

    An idle connection gets its own snapshot, so rows committed meanwhile are not half seen (an
    event seen without the seal committed with it would look inserted); a connection already in
    a transaction is read as that transaction sees it, which should then be REPEATABLE READ.
    """
    if connection.info.transaction_status == TransactionStatus.IDLE:
        with connection.transaction():
            connection.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"
                + (", READ ONLY" if read_only else "")
            )
            yield
    else:
        with connection.transaction():
            yield


def _exists(connection: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s",
        (schema, table),
    ).fetchone()
    return row is not None


# --- checkpoints against a chain ---


class _Checkpoints:
    """Walks a chain's checkpoints in position order alongside the chain."""

    def __init__(self, heads: Iterable[tuple[datetime, ChainHead]]) -> None:
        self.pending = sorted(heads, key=lambda pair: pair[1].position)
        self.passed = 0

    def before(self, position: int) -> ChainBreak | None:
        """Check the checkpoints at a position before ``position`` (which the chain skipped)."""
        if self.pending and 0 < self.pending[0][1].position < position:
            created_at, head = self.pending[0]
            return ChainBreak(
                kind="deleted",
                position=head.position,
                detail=f"the checkpoint of {_moment(created_at)} holds an entry here,"
                " which is gone",
            )
        return None

    def at(self, position: int, seal: bytes, count: int) -> ChainBreak | None:
        """Check the checkpoints at ``position`` (0: the empty chain) against the chain there."""
        while self.pending and self.pending[0][1].position == position:
            created_at, head = self.pending.pop(0)
            if head.seal != seal.hex():
                return ChainBreak(
                    kind="rewritten",
                    position=head.position,
                    detail=f"the checkpoint of {_moment(created_at)} holds another seal here:"
                    " entries up to this position were changed and resealed",
                )
            if head.count != count:
                return ChainBreak(
                    kind="rewritten",
                    position=head.position,
                    detail=f"the checkpoint of {_moment(created_at)} counts {head.count}"
                    f" entries up to here, the chain {count}",
                )
            self.passed += 1
        return None

    def end(self, position: int, count: int) -> ChainBreak | None:
        """Check the checkpoints beyond the chain's last entry (a deleted tail)."""
        if not self.pending:
            return None
        created_at, head = self.pending[0]
        return ChainBreak(
            kind="deleted",
            position=head.position,
            detail=f"the chain ends at position {position} with {count} entries, the checkpoint"
            f" of {_moment(created_at)} reaches position {head.position} with {head.count}:"
            " the newest entries were deleted",
        )


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- the event chain ---


@dataclass(frozen=True, slots=True)
class _Event:
    originator_id: UUID
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True, slots=True)
class _Seal:
    originator_id: UUID
    version: int
    seal: bytes


@dataclass(frozen=True, slots=True)
class _Row:
    """One notification id: the event stored there, its seal row, or both."""

    position: int
    event: _Event | None
    sealed: _Seal | None

    def fits(self, previous: bytes) -> bool:
        """Tell whether this row is a complete event whose seal follows ``previous``."""
        return (
            self.event is not None
            and self.sealed is not None
            and (self.event.originator_id, self.event.version)
            == (self.sealed.originator_id, self.sealed.version)
            and _seal_of(previous, self.event) == self.sealed.seal
        )


def _seal_of(previous: bytes, event: _Event) -> bytes:
    return next_seal(previous, event.originator_id, event.version, event.topic, event.state)


class _Lookahead:
    """An iterator of rows that can show the next row without taking it."""

    def __init__(self, rows: Iterator[_Row]) -> None:
        self._rows = rows
        self._next: _Row | None = None

    def __iter__(self) -> Iterator[_Row]:
        while True:
            row = self._next if self._next is not None else next(self._rows, None)
            self._next = None
            if row is None:
                return
            yield row

    def peek(self) -> _Row | None:
        if self._next is None:
            self._next = next(self._rows, None)
        return self._next


def _event_rows(connection: psycopg.Connection[Any], schema: str, batch: int) -> Iterator[_Row]:
    """Yield the events and seal rows merged by notification id (an outer join, streamed)."""
    events = connection.cursor(name="pga_verify_events", binary=True)
    seals = connection.cursor(name="pga_verify_seals", binary=True)
    events.itersize = seals.itersize = batch
    with events, seals:
        events.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state"
                " FROM {} ORDER BY notification_id"
            ).format(sql.Identifier(schema, EVENTS_TABLE))
        )
        seals.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, seal"
                " FROM {} ORDER BY notification_id"
            ).format(sql.Identifier(schema, SEALS_TABLE))
        )
        event_rows, seal_rows = iter(events), iter(seals)
        event, sealed = next(event_rows, None), next(seal_rows, None)
        while event is not None or sealed is not None:
            if sealed is None or (event is not None and event[0] < sealed[0]):
                assert event is not None  # noqa: S101 - for the type checker
                yield _Row(event[0], _Event(event[1], event[2], event[3], bytes(event[4])), None)
                event = next(event_rows, None)
            elif event is None or sealed[0] < event[0]:
                yield _Row(sealed[0], None, _Seal(sealed[1], sealed[2], bytes(sealed[3])))
                sealed = next(seal_rows, None)
            else:
                yield _Row(
                    event[0],
                    _Event(event[1], event[2], event[3], bytes(event[4])),
                    _Seal(sealed[1], sealed[2], bytes(sealed[3])),
                )
                event, sealed = next(event_rows, None), next(seal_rows, None)


def verify_event_chain(
    connection: psycopg.Connection[Any],
    schema: str,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    batch: int = _BATCH,
) -> ChainResult:
    """Recompute the seal of every stored event; return how far the chain holds (module docstring).

    Read in one REPEATABLE READ snapshot when ``connection`` is idle (autocommit or not), else
    inside the caller's transaction. ``checkpoints`` are checked against the event chain's part
    of each: the recomputed chain must pass through every one of them.
    """
    walk = _Checkpoints((each.created_at, each.events) for each in checkpoints)
    with _snapshot(connection):
        if not (
            _exists(connection, schema, EVENTS_TABLE) and _exists(connection, schema, SEALS_TABLE)
        ):
            return _absent(EVENT_CHAIN, walk)
        return _walk_events(_Lookahead(_event_rows(connection, schema, batch)), walk)


def _walk_events(rows: _Lookahead, walk: _Checkpoints) -> ChainResult:
    previous = before_previous = GENESIS_SEAL
    last: _Row | None = None
    count = 0

    def result(broken: ChainBreak | None) -> ChainResult:
        position = 0 if last is None else last.position
        head = ChainHead(position=position, seal=previous.hex(), count=count)
        return ChainResult(
            chain=EVENT_CHAIN,
            present=True,
            count=count,
            head=head,
            checkpoints=walk.passed,
            broken=broken,
        )

    broken = walk.at(0, GENESIS_SEAL, 0)
    if broken is not None:
        return result(broken)
    for row in rows:
        broken = walk.before(row.position) or _event_break(
            row, last, previous, before_previous, rows
        )
        if broken is not None:
            return result(broken)
        assert row.sealed is not None  # noqa: S101 - _event_break found both parts
        before_previous, previous = previous, row.sealed.seal
        last = row
        count += 1
        broken = walk.at(row.position, previous, count)
        if broken is not None:
            return result(broken)
    return result(walk.end(0 if last is None else last.position, count))


def _event_break(
    row: _Row, last: _Row | None, previous: bytes, before_previous: bytes, rows: _Lookahead
) -> ChainBreak | None:
    """Tell how ``row`` breaks the chain that holds up to ``last`` (sealed ``previous``).

    ``before_previous`` is the seal before ``last``'s, ``rows`` shows the row after this one.
    """
    event, sealed = row.event, row.sealed
    if (
        event is None
        or sealed is None
        or (sealed.originator_id, sealed.version)
        != (
            event.originator_id,
            event.version,
        )
    ):
        return _incomplete(row)
    if _seal_of(previous, event) == sealed.seal:
        return None
    if (
        last is not None
        and last.event is not None
        and _seal_of(before_previous, event) == sealed.seal
    ):
        # The seal before ``last`` leads straight here: ``last`` was slipped in, sealed to fit.
        return _naming(
            last,
            last.event,
            "inserted",
            "its seal was made to fit, but the next event's seal holds only without it",
        )
    following = rows.peek()
    if following is not None and following.fits(previous):
        return _naming(
            row,
            event,
            "inserted",
            "its seal does not fit, and the next event's seal holds without it",
        )
    detail = "content does not match its seal"
    if last is not None and row.position > last.position + 1:
        detail += " (or an event before it was deleted together with its seal)"
    return _naming(row, event, "altered", detail)


def _incomplete(row: _Row) -> ChainBreak:
    """Name what is wrong with a row that lacks its event or its seal, or pairs two others."""
    event, sealed = row.event, row.sealed
    if event is None:
        assert sealed is not None  # noqa: S101 - a row has at least one part
        return ChainBreak(
            kind="deleted",
            position=row.position,
            aggregate_id=sealed.originator_id,
            version=sealed.version,
            detail="its seal is there, the event is not",
        )
    if sealed is None:
        return _naming(row, event, "inserted", "the event has no seal")
    return _naming(
        row,
        event,
        "moved",
        f"the seal at this position is for aggregate {sealed.originator_id}"
        f" version {sealed.version}",
    )


def _naming(row: _Row, event: _Event, kind: BreakKind, detail: str) -> ChainBreak:
    return ChainBreak(
        kind=kind,
        position=row.position,
        aggregate_id=event.originator_id,
        version=event.version,
        detail=detail,
    )


def _absent(chain: str, walk: _Checkpoints) -> ChainResult:
    """Report a chain whose table does not exist: fine, unless a checkpoint says it had entries."""
    broken = walk.at(0, GENESIS_SEAL, 0) or walk.end(0, 0)
    return ChainResult(
        chain=chain,
        present=False,
        count=0,
        head=ChainHead(position=0, seal=GENESIS_SEAL.hex(), count=0),
        checkpoints=walk.passed,
        broken=broken,
    )


# --- the access log ---


def verify_access_log_chain(
    connection: psycopg.Connection[Any],
    schema: str,
    *,
    checkpoints: Sequence[Checkpoint] = (),
) -> ChainResult:
    """Recompute the seal of every access-log entry; return how far the chain holds.

    Positions run from 1 without gaps, so a missing position is a deletion and a seal that
    does not match is an alteration (an insertion renumbers, so it shows as one). Read like
    ``verify_event_chain``; no access-log table means nothing to verify (``present`` false).
    """
    walk = _Checkpoints((each.created_at, each.access_log) for each in checkpoints)
    previous = access_log.GENESIS_SEAL
    count = 0

    def result(broken: ChainBreak | None) -> ChainResult:
        head = ChainHead(position=count, seal=previous.hex(), count=count)
        return ChainResult(
            chain=ACCESS_LOG,
            present=True,
            count=count,
            head=head,
            checkpoints=walk.passed,
            broken=broken,
        )

    with _snapshot(connection):
        if not _exists(connection, schema, access_log.TABLE):
            return _absent(ACCESS_LOG, walk)
        broken = walk.at(0, access_log.GENESIS_SEAL, 0)
        if broken is not None:
            return result(broken)
        for entry in access_log.read_chain(connection, schema):
            expected = count + 1
            broken = walk.before(entry.position)
            if broken is None and entry.position != expected:
                missing = (
                    f"entry {expected} is"
                    if entry.position == expected + 1
                    else f"entries {expected} to {entry.position - 1} are"
                )
                broken = ChainBreak(kind="deleted", position=expected, detail=f"{missing} missing")
            if broken is None and access_log.chain_seal(
                previous, entry.position, access_log.entry_digest(entry)
            ) != bytes(entry.seal):
                broken = ChainBreak(
                    kind="altered",
                    position=entry.position,
                    detail="the entry does not match its seal",
                )
            if broken is not None:
                return result(broken)
            previous = bytes(entry.seal)
            count += 1
            broken = walk.at(entry.position, previous, count)
            if broken is not None:
                return result(broken)
        return result(walk.end(count, count))


# --- checkpoints ---


def create_checkpoint_table(connection: psycopg.Connection[Any], schema: str) -> None:
    """Create the append-only checkpoint table and its triggers (idempotent, one at a time).

    Triggers refuse UPDATE, DELETE and TRUNCATE (also for the table's owner), and the owner's
    own privileges to do so are revoked; the owner (unless an administrator owns the table, see
    ``pga.audit.roles``) or a superuser can still get round both, which is why auditors keep
    copies outside the database.
    """
    table = sql.Identifier(schema, CHECKPOINTS_TABLE)
    refuse = sql.Identifier(schema, f"{CHECKPOINTS_TABLE}_refuse_change")
    statements = [
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {table} ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " created_at timestamptz NOT NULL,"
            " event_position bigint NOT NULL,"
            " event_seal bytea NOT NULL CHECK (length(event_seal) = 32),"
            " event_count bigint NOT NULL,"
            " access_log_position bigint NOT NULL,"
            " access_log_seal bytea NOT NULL CHECK (length(access_log_seal) = 32),"
            " access_log_count bigint NOT NULL)"
        ),
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'the checkpoints are append-only'"
            " USING ERRCODE = 'insufficient_privilege'; END $$"
        ),
        sql.SQL(
            "CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION {refuse}()"
        ),
        sql.SQL(
            "CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION {refuse}()"
        ),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC, CURRENT_USER"),
    ]
    with connection.transaction():
        connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"pga-checkpoints:{schema}",)
        )
        if _exists(connection, schema, CHECKPOINTS_TABLE):
            return
        for statement in statements:
            connection.execute(statement.format(table=table, refuse=refuse))


def take_checkpoint(connection: psycopg.Connection[Any], schema: str) -> Checkpoint:
    """Store the heads of the event chain and the access log (one snapshot); return them.

    Cheap (it reads the heads, it does not verify the chains): run ``pga audit verify`` with the
    checkpoint to know the chains held when it was taken. ``connection`` must not be inside a
    transaction.
    """
    create_checkpoint_table(connection, schema)
    with _snapshot(connection, read_only=False):
        events = _head(connection, schema, SEALS_TABLE, "notification_id")
        logged = _head(connection, schema, access_log.TABLE, "position")
        created_at = datetime.now(UTC)
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (created_at, event_position, event_seal, event_count,"
                " access_log_position, access_log_seal, access_log_count)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)"
            ).format(sql.Identifier(schema, CHECKPOINTS_TABLE)),
            (
                created_at,
                events.position,
                bytes.fromhex(events.seal),
                events.count,
                logged.position,
                bytes.fromhex(logged.seal),
                logged.count,
            ),
        )
    return Checkpoint(schema=schema, created_at=created_at, events=events, access_log=logged)


def _head(connection: psycopg.Connection[Any], schema: str, table: str, key: str) -> ChainHead:
    if not _exists(connection, schema, table):
        return ChainHead(position=0, seal=GENESIS_SEAL.hex(), count=0)
    row = connection.execute(
        sql.SQL(
            "SELECT {key}, seal, (SELECT count(*) FROM {table}) FROM {table}"
            " ORDER BY {key} DESC LIMIT 1"
        ).format(key=sql.Identifier(key), table=sql.Identifier(schema, table))
    ).fetchone()
    if row is None:
        return ChainHead(position=0, seal=GENESIS_SEAL.hex(), count=0)
    return ChainHead(position=int(row[0]), seal=bytes(row[1]).hex(), count=int(row[2]))


def stored_checkpoints(connection: psycopg.Connection[Any], schema: str) -> list[Checkpoint]:
    """Return the checkpoints stored in the schema, oldest first (none before the first)."""
    if not _exists(connection, schema, CHECKPOINTS_TABLE):
        return []
    rows = connection.execute(
        sql.SQL(
            "SELECT created_at, event_position, event_seal, event_count,"
            " access_log_position, access_log_seal, access_log_count FROM {} ORDER BY id"
        ).format(sql.Identifier(schema, CHECKPOINTS_TABLE))
    ).fetchall()
    return [
        Checkpoint(
            schema=schema,
            created_at=row[0],
            events=ChainHead(position=int(row[1]), seal=bytes(row[2]).hex(), count=int(row[3])),
            access_log=ChainHead(position=int(row[4]), seal=bytes(row[5]).hex(), count=int(row[6])),
        )
        for row in rows
    ]


class CheckpointFileError(ValueError):
    """A checkpoint file that cannot be read or is not a checkpoint (the message names the file)."""


def load_checkpoints(path: Path) -> list[Checkpoint]:
    """Read a file written by ``pga audit checkpoint``: one checkpoint, or a JSON array of them."""
    try:
        content = path.read_bytes()
    except OSError as error:
        msg = f"{path}: cannot be read ({type(error).__name__})"
        raise CheckpointFileError(msg) from None
    try:
        loaded = msgspec.json.decode(content, type=Checkpoint | list[Checkpoint])
    except msgspec.ValidationError as error:
        msg = f"{path}: not a checkpoint ({error})"
        raise CheckpointFileError(msg) from None
    except msgspec.DecodeError:
        msg = f"{path}: not JSON"
        raise CheckpointFileError(msg) from None
    return loaded if isinstance(loaded, list) else [loaded]


def encode_checkpoint(checkpoint: Checkpoint) -> str:
    """Return the checkpoint as indented JSON (what ``pga audit checkpoint`` writes)."""
    return msgspec.json.format(msgspec.json.encode(checkpoint), indent=2).decode()


# --- read models ---


def verify_read_models(
    app: PgaApplication,
    connection: psycopg.Connection[Any],
    models: Sequence[ReadModel],
    *,
    batch_size: int | None = None,
) -> list[ReadModelCheck]:
    """Compare each built read model with a rebuild from zero, in a scratch schema, at its position.

    Each live digest is read first (in its own snapshot, with the position it holds for); the
    rebuilds then go up to those positions, so a live read model that keeps following meanwhile
    does not matter. A read model not built yet, or built by another version of its code, is
    not compared. ``connection`` must be in autocommit mode.
    """
    app_schema: str = app.recorder.datastore.schema  # type: ignore[attr-defined]
    checks: dict[str, ReadModelCheck] = {}
    live: dict[str, tuple[ReadModel, str, int]] = {}
    for model, state in zip(models, status(connection, app_schema, models), strict=True):
        if state.stored_version is None:
            checks[model.name] = ReadModelCheck(
                name=model.name, outcome="not built", detail="nothing to compare"
            )
        elif state.stored_version != model.version:
            checks[model.name] = ReadModelCheck(
                name=model.name,
                outcome="outdated",
                detail=f"built by version {state.stored_version}, the code is version"
                f" {model.version}; a runner rebuilds it",
            )
        else:
            digest = digest_at(connection, app_schema, model)
            live[model.name] = (model, digest.value, digest.position)
    targets = [(model, position) for model, _, position in live.values()]
    with scratch_rebuild(app, targets, batch_size=batch_size) as builds:
        for build in builds:
            _, value, position = live[build.model.name]
            checks[build.model.name] = _compare(connection, build, value, position)
    return [checks[model.name] for model in models]


def _compare(
    connection: psycopg.Connection[Any], build: ScratchBuild, value: str, position: int
) -> ReadModelCheck:
    name = build.model.name
    if build.poison is not None:
        poison = build.poison
        return ReadModelCheck(
            name=name,
            outcome="differs",
            position=position,
            detail=f"a rebuild stops at position {poison.position} ({poison.kind}, aggregate"
            f" {poison.aggregate_id} version {poison.version}: {poison.error}), before the"
            f" live one's position {position}",
        )
    fresh = digest_of(connection, build.schema, build.model)
    if fresh.value != value:
        reached = "" if build.position == position else f" (the rebuild reached {build.position})"
        return ReadModelCheck(
            name=name,
            outcome="differs",
            position=position,
            detail=f"its content differs from a fresh rebuild at position {position}{reached}",
        )
    return ReadModelCheck(name=name, outcome="ok", position=position, detail=f"digest {value}")


# --- the commands ---


def configure_verify_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pga audit verify``."""
    parser.description = (
        "Verify the event chain, the access log and the checkpoints, and compare every read"
        " model with a fresh rebuild; exit 1 naming the first broken event or read model."
    )
    parser.add_argument(
        "--checkpoint",
        dest="checkpoints",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="a checkpoint kept outside the database (pga audit checkpoint); repeatable",
    )
    parser.add_argument(
        "--skip-read-models",
        action="store_true",
        help="verify the chains only, not the read models",
    )


def verify_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """``pga audit verify``: check everything, say what was checked; 1 when anything is broken."""
    schema = settings.database_schema
    try:
        external = [each for path in arguments.checkpoints for each in load_checkpoints(path)]
    except CheckpointFileError as error:
        _say(f"pga audit verify: {error}", error=True)
        return EXIT_USAGE
    foreign = sorted({each.schema for each in external} - {schema})
    if foreign:
        _say(
            f"pga audit verify: the checkpoint files are for schema {', '.join(foreign)},"
            f" this is schema {schema}",
            error=True,
        )
        return EXIT_USAGE
    problems = 0
    with (
        open_application(settings) as app,
        psycopg.connect(resolve_database_url(settings), autocommit=True) as connection,
    ):
        stored = stored_checkpoints(connection, schema)
        checkpoints = [*stored, *external]
        _say(
            f"pga audit verify: schema {schema}, {len(stored)} stored checkpoint(s),"
            f" {len(external)} from files"
        )
        for chain in (
            verify_event_chain(connection, schema, checkpoints=checkpoints),
            verify_access_log_chain(connection, schema, checkpoints=checkpoints),
        ):
            for line in chain.describe():
                _say(line)
            problems += not chain.ok
        if arguments.skip_read_models:
            _say("read models: skipped")
        else:
            for check in verify_read_models(
                app, connection, read_models(settings), batch_size=settings.projection_batch_size
            ):
                _say(check.describe())
                problems += check.broken
    if problems:
        _say(f"pga audit verify: BROKEN ({problems} problem(s), see the BROKEN lines)")
        return EXIT_BROKEN
    _say("pga audit verify: OK")
    return EXIT_OK


def configure_checkpoint_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pga audit checkpoint``."""
    parser.description = (
        "Store the heads of the event chain and the access log as a checkpoint and print it as"
        " JSON, for an auditor to keep outside the database (pga audit verify --checkpoint)."
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the checkpoint to this new file (readable by its owner only), not stdout",
    )


def checkpoint_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """``pga audit checkpoint``: take a checkpoint; print it, or write it to ``--output``."""
    output: Path | None = arguments.output
    if output is not None and output.exists():
        _say(f"pga audit checkpoint: {output} exists; name a new file", error=True)
        return EXIT_USAGE
    with (
        open_application(settings),
        psycopg.connect(resolve_database_url(settings), autocommit=True) as connection,
    ):
        checkpoint = take_checkpoint(connection, settings.database_schema)
    text = encode_checkpoint(checkpoint)
    if output is None:
        _say(text)
        return EXIT_OK
    create_private_file(output, text + "\n")
    _say(
        f"pga audit checkpoint: event chain at position {checkpoint.events.position}"
        f" ({checkpoint.events.count} events), access log at position"
        f" {checkpoint.access_log.position}; written to {output}"
    )
    return EXIT_OK


def _say(line: str, *, error: bool = False) -> None:
    stream = sys.stderr if error else sys.stdout
    stream.write(line + "\n")
    stream.flush()
