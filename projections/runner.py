"""The projection runner: read the event log in batches and keep every read model up to date.

Storage. Each read model lives in its own PostgreSQL schema, named after the application's
(``<schema>_<read model>``, e.g. ``pga_caseload``), holding its tables and one ``tracking`` row:
the position (notification id) it has processed, the read model's ``version`` that built it,
and the last poison event, if any. A rebuild builds a second table set in ``<...>__next`` while
the live one keeps serving, then swaps the two schemas in one transaction.

Batches. The runner reads a page of the log once (the query of the library's
``select_notifications``, with plain rows in binary format, on the runner's own connection),
decodes each event once, and hands the page to every read model at that position. Per read
model, one transaction: lock the tracking row (``FOR UPDATE``) and check it still holds the
position the runner expects, ``load``/``handle``/``save``, move the position to the page's
last event, ``NOTIFY`` waiters, commit. So rows and position commit together (exactly once,
resumable after any crash), and a second runner, or a swap by a rebuild, makes the check fail
instead of applying anything twice. Read models at different positions (a rebuild catching up)
are read as separate groups, so the live ones never wait for a rebuild.

Following. When no events are left the runner waits on the event store's own LISTEN/NOTIFY
channel (the library's recorder NOTIFYs it on every insert), so a new event is projected within
milliseconds. Each read model is run by one runner at a time: the runner holds a PostgreSQL
advisory lock per table set; other runners stand by and take over when it goes away.

Failures. An error in a read model's code stops only that read model: the runner applies the
events before the poison event, records the poison event's position, kind and aggregate (never
its content) in the tracking row and the log, and goes on with the others. A restart retries.
A lost connection or a lock timeout is not a poison event: the runner backs off and reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self

import psycopg
from eventsourcing.persistence import InterfaceError as LibraryInterfaceError
from eventsourcing.persistence import Notification
from eventsourcing.persistence import OperationalError as LibraryOperationalError
from psycopg import sql

from pga.recording import metadata_of
from pga.store.database import EVENTS_TABLE
from projections.base import Batch, Envelope

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from pga.application import PgaApplication
    from pga.domain.common import PgaEvent
    from projections.base import ReadModel

_log = logging.getLogger("pga.projections")

NEXT_SUFFIX = "__next"
OLD_SUFFIX = "__old"
TRACKING = "tracking"
DEFAULT_BATCH_SIZE = 5000
_IDLE_WAIT_SECONDS = 1.0
_MAX_BACKOFF_SECONDS = 30.0
_SWAP_LOCK_TIMEOUT = "10s"
_DROP_LOCK_TIMEOUT = "2s"
_IDENTIFIER_LIMIT = 63
#: What "the database is unavailable" looks like: psycopg's errors on the runner's own
#: connections, and the library's after its retries (the mapper and any pooled call).
_UNAVAILABLE = (psycopg.OperationalError, LibraryOperationalError, LibraryInterfaceError)


def schema_name(app_schema: str, model_name: str, *, next_generation: bool = False) -> str:
    """Return the schema that holds a read model's live (or next) table set."""
    name = f"{app_schema}_{model_name}" + (NEXT_SUFFIX if next_generation else "")
    if len(name) > _IDENTIFIER_LIMIT:
        msg = f"schema name {name!r} is longer than PostgreSQL's {_IDENTIFIER_LIMIT} characters"
        raise ValueError(msg)
    return name


def head(connection: psycopg.Connection[Any], app_schema: str) -> int:
    """Return the position of the newest stored event (0 for an empty store)."""
    row = connection.execute(
        sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(
            sql.Identifier(app_schema, EVENTS_TABLE)
        ),
        prepare=True,
    ).fetchone()
    return int(row[0]) if row else 0


def has_tracking(connection: psycopg.Connection[Any], schema: str) -> bool:
    """Tell whether a table set (its ``tracking`` table) exists in ``schema``."""
    row = connection.execute(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s",
        (schema, TRACKING),
    ).fetchone()
    return row is not None


def notification_channel(schema: str) -> str:
    """Return the channel on which a table set announces each committed position."""
    return schema


class ProjectionError(Exception):
    """A read model could not be built or kept up to date."""


@dataclass
class Poison:
    """Where a read model stopped: the event its code failed on (never the event's content)."""

    position: int
    kind: str
    aggregate_id: str
    version: int
    error: str


@dataclass
class Generation:
    """One table set of one read model, as this runner sees it."""

    model: ReadModel
    schema: str
    next_generation: bool
    position: int = 0
    version: int = 0
    locked: bool = False
    poison: Poison | None = None
    exists: bool = True
    failed_elsewhere: bool = False
    """The tracking row records a poison event past the position (another runner hit it)."""

    @property
    def name(self) -> str:
        """The read model's name (with ``(rebuild)`` for a next generation)."""
        return self.model.name + (" (rebuild)" if self.next_generation else "")


class _Stale(Exception):
    """The tracking row no longer holds the position the runner expected."""


class _Outdated(Exception):
    """The table set was built by another version of the read model than this runner's."""


class _HandlerFailed(Exception):
    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(index)
        self.index = index
        self.error = error


@dataclass
class RunResult:
    """What one run did."""

    applied: int = 0
    """Event applications: each event counts once per read model that applied it."""
    events: int = 0
    """Events applied to the read model that applied the most (each event counted once)."""
    poisoned: list[str] = field(default_factory=list)


class Runner:
    """Runs a set of read models over one application's event log (see the module docstring).

    ``mode="all"`` runs the live table sets (creating missing ones), resumes interrupted
    rebuilds and rebuilds read models whose ``version`` changed; ``mode="rebuild"`` builds a
    fresh next table set for each read model and swaps it in once it has caught up.
    """

    def __init__(
        self,
        app: PgaApplication,
        models: Sequence[ReadModel],
        *,
        mode: Literal["all", "rebuild"] = "all",
        batch_size: int = DEFAULT_BATCH_SIZE,
        use_locks: bool = True,
    ) -> None:
        if batch_size < 1:
            msg = "the batch size must be at least 1"
            raise ValueError(msg)
        names = [model.name for model in models]
        if len(set(names)) != len(names):
            msg = "each read model may be run only once"
            raise ValueError(msg)
        self.app = app
        self.models = list(models)
        self.mode = mode
        self.batch_size = batch_size
        self.use_locks = use_locks
        self.app_schema: str = app.recorder.datastore.schema  # type: ignore[attr-defined]
        # The library's select_notifications without its dict rows and text-format bytea (it
        # cost more than the query itself): rendered once, read in binary.
        self._select_page = (
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM {}"
                " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
            )
            .format(sql.Identifier(self.app_schema, EVENTS_TABLE))
            .as_string()
        )
        self.generations: list[Generation] = []
        self._connection: psycopg.Connection[Any] | None = None
        self._lock_connection: psycopg.Connection[Any] | None = None
        self._listen_connection: psycopg.Connection[Any] | None = None
        self._prepared = False
        self._rebuild_started = False
        self._held: set[str] = set()
        self._head = 0
        #: Events this runner applied, per read model (whichever table set).
        self.applied_by_model: dict[str, int] = {}

    # --- connections ---

    def _connect(self) -> psycopg.Connection[Any]:
        kwargs = dict(self.app.recorder.datastore.pool.kwargs)  # type: ignore[attr-defined]
        kwargs.pop("row_factory", None)
        # Read models are derived data: their commits need not wait for the WAL flush. A crash
        # can lose the last moments of read-model work, never make it inconsistent (rows and
        # the tracking position commit together), and the runner redoes it from the durable
        # position. The event store's own commits stay synchronous.
        options = f"{kwargs.pop('options', '')} -c synchronous_commit=off".strip()
        return psycopg.connect(
            **kwargs, autocommit=True, application_name="pga-projections", options=options
        )

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The connection batches are written on."""
        if self._connection is None or self._connection.closed:
            self._connection = self._connect()
        return self._connection

    def close(self) -> None:
        """Close the runner's connections (releasing its advisory locks)."""
        lock_connection = self._lock_connection
        if lock_connection is not None and not lock_connection.closed:
            # Released here, before closing: the server frees a closed session's locks only
            # when its backend has exited, so another session could still see them held.
            with contextlib.suppress(psycopg.Error):
                lock_connection.execute("SELECT pg_advisory_unlock_all()")
        for connection in (self._connection, self._lock_connection, self._listen_connection):
            if connection is not None and not connection.closed:
                connection.close()
        self._connection = self._lock_connection = self._listen_connection = None
        self._held.clear()
        for generation in self.generations:
            generation.locked = False

    def __enter__(self) -> Self:
        """Use the runner as a context manager that closes its connections."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the runner's connections."""
        self.close()

    # --- table sets ---

    def prepare(self) -> None:
        """Create missing table sets and decide which generations this runner keeps up to date."""
        with self.connection.transaction():
            # One runner at a time decides and creates (two starting together must not race).
            self.connection.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                (f"pga-projections-ddl:{self.app_schema}",),
            )
            self.generations = []
            for model in self.models:
                self.generations.extend(self._generations_of(model))
            self._rebuild_started = True
        # Keep the locks this runner still needs, give back the others (table sets gone).
        needed = {_lock_key(generation) for generation in self.generations}
        for key in sorted(self._held - needed):
            self._unlock(key)
        for generation in self.generations:
            generation.locked = _lock_key(generation) in self._held
        for live in {schema_name(self.app_schema, model.name) for model in self.models}:
            self._drop_old(live)
        self._listen()
        self._prepared = True
        self.refresh()

    def _generations_of(self, model: ReadModel) -> list[Generation]:
        live = schema_name(self.app_schema, model.name)
        following = schema_name(self.app_schema, model.name, next_generation=True)
        live_version = self._stored_version(live)
        next_version = self._stored_version(following)
        if self.mode == "rebuild":
            return self._rebuild_generation(model, following, next_version)
        newest = max(version for version in (live_version, next_version, 0) if version is not None)
        if newest > model.version:
            # A newer release built it (a rolling deploy): this runner must not touch it.
            _log.error(
                "read model %s is stored at version %d, this runner has version %d:"
                " leaving it to the newer runners",
                model.name,
                newest,
                model.version,
            )
            return []
        generations = []
        if live_version is None:
            _create_generation(self.connection, live, model)
            live_version = model.version
        if live_version == model.version:
            generations.append(Generation(model, live, next_generation=False))
        elif next_version != model.version:
            # The stored read model was built by an older version: rebuild beside it.
            _log.info("read model %s: version changed, rebuilding", model.name)
            if next_version is not None:
                _drop_schema(self.connection, following)
            _create_generation(self.connection, following, model)
            next_version = model.version
        if next_version == model.version:
            generations.append(Generation(model, following, next_generation=True))
        elif next_version is not None:
            _drop_schema(self.connection, following)  # an abandoned rebuild of an older version
        return generations

    def _rebuild_generation(
        self, model: ReadModel, following: str, next_version: int | None
    ) -> list[Generation]:
        generation = Generation(model, following, next_generation=True)
        if self._rebuild_started:
            # Preparing again (after a lost connection): resume, never start over; a rebuild
            # that is gone was swapped in (by this runner or one that took over).
            return [generation] if next_version == model.version else []
        if not self._try_lock(generation):
            msg = f"a rebuild of read model {model.name} is already running"
            raise ProjectionError(msg)
        if next_version is not None:
            _drop_schema(self.connection, following)
        _create_generation(self.connection, following, model)
        return [generation]

    def _stored_version(self, schema: str) -> int | None:
        row = _tracking_row(self.connection, schema)
        return None if row is None else row[1]

    def refresh(self) -> None:
        """Re-read every generation's position (another runner or a swap may have moved it)."""
        for generation in self.generations:
            row = _tracking_row(self.connection, generation.schema)
            if row is None:
                # Swapped away or dropped by another process: decide again what to run.
                generation.exists = False
                self._prepared = False
                continue
            generation.exists = True
            generation.position, generation.version, failed_position = row
            generation.failed_elsewhere = (
                failed_position is not None and failed_position > generation.position
            )

    # --- locks ---

    def acquire_locks(self) -> None:
        """Take the advisory lock of every generation this runner does not run yet."""
        for generation in self.generations:
            if generation.locked or not generation.exists:
                continue
            if self._try_lock(generation):
                _log.info(
                    "read model %s: running from position %d", generation.name, generation.position
                )

    def _try_lock(self, generation: Generation) -> bool:
        if not self.use_locks:
            generation.locked = True
            return True
        key = _lock_key(generation)
        if key not in self._held:
            if self._lock_connection is None or self._lock_connection.closed:
                self._lock_connection = self._connect()
            row = self._lock_connection.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)
            ).fetchone()
            if row and row[0]:
                self._held.add(key)
        generation.locked = key in self._held
        return generation.locked

    def _release(self, generation: Generation) -> None:
        if self.use_locks:
            self._unlock(_lock_key(generation))
        generation.locked = False

    def _unlock(self, key: str) -> None:
        if key in self._held and self._lock_connection is not None:
            self._lock_connection.execute(
                "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,)
            )
        self._held.discard(key)

    # --- reading ---

    def head(self) -> int:
        """Return the position of the newest stored event (0 for an empty store)."""
        return head(self.connection, self.app_schema)

    def read(self, after: int, limit: int) -> tuple[list[Envelope], Poison | None]:
        """Read and decode up to ``limit`` events after ``after``; stop at an undecodable one."""
        with self.connection.cursor(binary=True) as cursor:
            cursor.execute(self._select_page, (after, limit), prepare=True)
            rows = cursor.fetchall()
        envelopes: list[Envelope] = []
        to_domain_event = self.app.mapper.to_domain_event
        for position, originator_id, originator_version, topic, state in rows:
            notification = Notification(
                originator_id=originator_id,
                originator_version=originator_version,
                topic=topic,
                state=state,
                id=position,
            )
            try:
                event: PgaEvent = to_domain_event(notification)  # type: ignore[assignment]
            except Exception as error:  # noqa: BLE001 - any decoding failure poisons the event
                return envelopes, Poison(
                    position=notification.id,
                    kind=notification.topic.rsplit(":", 1)[-1],
                    aggregate_id=str(notification.originator_id),
                    version=notification.originator_version,
                    error=_describe(error),
                )
            envelopes.append(Envelope(notification.id, event, metadata_of(event)))
        return envelopes, None

    # --- processing ---

    def step(self) -> int:
        """Process one batch for every group of generations at the same position."""
        active = [
            generation
            for generation in self.generations
            if generation.locked and generation.exists and generation.poison is None
        ]
        groups: dict[int, list[Generation]] = {}
        for generation in active:
            groups.setdefault(generation.position, []).append(generation)
        applied = 0
        head = self._head = self.head()
        for position in sorted(groups, reverse=True):
            if position >= head:
                continue
            envelopes, poison = self.read(position, self.batch_size)
            for generation in groups[position]:
                if envelopes:
                    applied_here = self.apply(generation, envelopes)
                    applied += applied_here
                    name = generation.model.name
                    self.applied_by_model[name] = self.applied_by_model.get(name, 0) + applied_here
                if poison is not None and generation.position == (
                    envelopes[-1].position if envelopes else position
                ):
                    self._poisoned(generation, poison)
        return applied

    def apply(self, generation: Generation, envelopes: Sequence[Envelope]) -> int:
        """Apply a batch to one generation in one transaction; isolate a poison event."""
        try:
            self._commit(generation, envelopes)
        except psycopg.OperationalError:
            generation.model.reset()
            raise  # a lost connection, a deadlock or a lock time-out: not the event's fault
        except Exception as error:  # noqa: BLE001 - sorted out in _recover
            generation.model.reset()
            return self._recover(generation, envelopes, error)
        return len(envelopes)

    def _recover(
        self, generation: Generation, envelopes: Sequence[Envelope], error: Exception
    ) -> int:
        """Sort out a batch that did not commit; return how many of its events were applied."""
        if isinstance(error, _Stale):
            # Another runner moved on, or a rebuild swapped the table set in.
            self.refresh()
            return 0
        if isinstance(error, _Outdated):
            _log.error(
                "read model %s: the stored table set was built by another version than this"
                " runner's (%d); stepping back from it",
                generation.name,
                generation.model.version,
            )
            self._release(generation)
            self._prepared = False
            return 0
        if isinstance(error, _HandlerFailed):
            before = generation.position
            index = error.index
            applied = self.apply(generation, envelopes[:index]) if index else 0
            reached = envelopes[index - 1].position if index else before
            if generation.poison is None and generation.position == reached:
                self._poisoned(generation, _poison_of(envelopes[index], error.error))
            return applied
        if isinstance(error, psycopg.errors.UndefinedTable | psycopg.errors.InvalidSchemaName):
            before = generation.position
            self.refresh()
            if not generation.exists or generation.position != before:
                return 0  # the table set was dropped or swapped while the batch ran
            # The table set is there: the read model's own SQL names something that is not.
        return self._first_failure(generation, envelopes, error)

    def _first_failure(
        self, generation: Generation, envelopes: Sequence[Envelope], error: Exception
    ) -> int:
        """Apply one event at a time up to the one that fails; stop the read model there."""
        if len(envelopes) == 1:
            self._poisoned(generation, _poison_of(envelopes[0], error))
            return 0
        applied = 0
        for envelope in envelopes:
            applied += self.apply(generation, [envelope])
            if generation.poison is not None or generation.position < envelope.position:
                break
        return applied

    def _commit(self, generation: Generation, envelopes: Sequence[Envelope]) -> None:
        model = generation.model
        connection = self.connection
        last = envelopes[-1].position
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SELECT position, version FROM {} FOR UPDATE").format(
                    sql.Identifier(generation.schema, TRACKING)
                )
            )
            row = cursor.fetchone()
            if row is None or row[0] != generation.position:
                raise _Stale
            if row[1] != model.version:
                raise _Outdated
            batch = Batch(cursor, generation.schema)
            model.load(batch, envelopes)
            handle = model.handle
            for index, envelope in enumerate(envelopes):
                try:
                    handle(envelope)
                except Exception as error:
                    raise _HandlerFailed(index, error) from error
            model.save(batch)
            cursor.execute(
                sql.SQL(
                    "UPDATE {} SET position = %s, updated_at = now(), failed_position = NULL,"
                    " failed_kind = NULL, failed_aggregate = NULL, failed_version = NULL,"
                    " error = NULL, failed_at = NULL"
                ).format(sql.Identifier(generation.schema, TRACKING)),
                (last,),
            )
            cursor.execute(
                "SELECT pg_notify(%s, %s)", (notification_channel(generation.schema), str(last))
            )
        generation.position = last

    def _poisoned(self, generation: Generation, poison: Poison) -> None:
        generation.poison = poison
        _log.error(
            "read model %s stopped at position %d (%s, aggregate %s, version %d): %s;"
            " the other read models go on, a restart retries",
            generation.name,
            poison.position,
            poison.kind,
            poison.aggregate_id,
            poison.version,
            poison.error,
        )
        with self.connection.transaction():
            self.connection.execute(
                sql.SQL(
                    "UPDATE {} SET failed_position = %s, failed_kind = %s, failed_aggregate = %s,"
                    " failed_version = %s, error = %s, failed_at = now()"
                ).format(sql.Identifier(generation.schema, TRACKING)),
                (poison.position, poison.kind, poison.aggregate_id, poison.version, poison.error),
            )

    # --- swapping a rebuilt table set in ---

    def swap_ready(self) -> None:
        """Swap in every next generation that has caught up (to the head ``step`` read)."""
        head = self._head
        for generation in list(self.generations):
            if not (generation.next_generation and generation.locked and generation.exists):
                continue
            if generation.poison is not None or generation.position < head:
                continue
            live = schema_name(self.app_schema, generation.model.name)
            if not self._swap(generation, live):
                continue
            self._release(generation)
            self.generations = [
                each
                for each in self.generations
                if each is not generation and each.model is not generation.model
            ]
            if self.mode == "all":
                self.generations.append(Generation(generation.model, live, next_generation=False))
                self.refresh()
            _log.info("read model %s: rebuilt and swapped in", generation.model.name)

    def _swap(self, generation: Generation, live: str) -> bool:
        connection = self.connection
        old = live + OLD_SUFFIX
        if not self._drop_old(live):
            return False  # a previous old set is still in use: try again later
        try:
            with connection.transaction():
                connection.execute(f"SET LOCAL lock_timeout = '{_SWAP_LOCK_TIMEOUT}'")
                if _tracking_row(connection, live) is not None:
                    # Wait for the live table set's current batch; block its next one.
                    connection.execute(
                        sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                            sql.Identifier(live, TRACKING)
                        )
                    )
                    connection.execute(
                        sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                            sql.Identifier(live), sql.Identifier(old)
                        )
                    )
                connection.execute(
                    sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                        sql.Identifier(generation.schema), sql.Identifier(live)
                    )
                )
        except psycopg.errors.LockNotAvailable:
            _log.warning("read model %s: swap waited too long; retrying", generation.model.name)
            return False
        # Dropping the old set needs every reader of it gone; a reader must not hold up the swap.
        self._drop_old(live)
        return True

    def _drop_old(self, live: str) -> bool:
        """Drop the table set a swap replaced, unless a reader still has it open; say if gone."""
        old = live + OLD_SUFFIX
        connection = self.connection
        exists = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (old,)
        ).fetchone()
        if exists is None:
            return True
        try:
            with connection.transaction():
                connection.execute(f"SET LOCAL lock_timeout = '{_DROP_LOCK_TIMEOUT}'")
                _drop_schema(connection, old)
        except psycopg.errors.LockNotAvailable:
            _log.info("%s is still being read; it will be dropped later", old)
            return False
        return True

    # --- the loop ---

    def caught_up(self) -> bool:
        """Tell whether every generation in scope has processed the whole log (or failed)."""
        self.refresh()
        if not self._prepared:
            return False  # a table set went away: decide again what to run first
        head = self.head()
        return all(
            generation.poison is not None
            or (generation.failed_elsewhere and not generation.locked)
            or generation.position >= head
            for generation in self.generations
        )

    def run(
        self,
        *,
        stop: threading.Event | None = None,
        until_caught_up: bool = False,
        on_progress: Callable[[int], None] | None = None,
    ) -> RunResult:
        """Keep the read models up to date until ``stop`` is set (or, optionally, caught up)."""
        stop = stop or threading.Event()
        result = RunResult()
        backoff = 0.5
        while not stop.is_set():
            try:
                if not self._prepared:
                    self.prepare()
                self.acquire_locks()
                applied = self.step()
                self.swap_ready()
                result.applied += applied
                result.events = max(self.applied_by_model.values(), default=0)
                backoff = 0.5
                if applied:
                    if on_progress is not None:
                        on_progress(result.events)
                    continue
                if self.mode == "rebuild" and not any(
                    generation.next_generation and generation.poison is None
                    for generation in self.generations
                ):
                    break  # every rebuild was swapped in, or stopped at a poison event
                if until_caught_up and self.caught_up():
                    break
                self._wait_for_events(stop)
                self.refresh()
            except _UNAVAILABLE as error:
                _log.warning(
                    "projection runner: database unavailable (%s); retrying in %.1f s",
                    type(error).__name__,
                    backoff,
                )
                self.close()
                self._prepared = False
                stop.wait(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
        result.poisoned = [g.name for g in self.generations if g.poison is not None]
        return result

    def _wait_for_events(self, stop: threading.Event) -> None:
        """Sleep until the event store announces new events (or a second has passed)."""
        listener = self._listen()
        if stop.is_set():
            return
        for _ in listener.notifies(timeout=_IDLE_WAIT_SECONDS, stop_after=1):
            break

    def _listen(self) -> psycopg.Connection[Any]:
        """Return the connection that LISTENs on the event store's channel."""
        if self._listen_connection is None or self._listen_connection.closed:
            self._listen_connection = self._connect()
            channel = self.app.recorder.channel_name  # type: ignore[attr-defined]
            self._listen_connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        return self._listen_connection


def catch_up(
    app: PgaApplication,
    models: Iterable[ReadModel],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    mode: Literal["all", "rebuild"] = "all",
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Bring read models up to the current head in this process; return the events applied.

    Each event counts once, however many of the read models applied it. With
    ``mode="rebuild"`` they are rebuilt from zero beside the live ones and swapped in.
    Raises ``ProjectionError`` naming the read models that stopped at a poison event.
    """
    with Runner(app, list(models), mode=mode, batch_size=batch_size) as runner:
        # A rebuild ends once swapped in: "caught up" alone would also end it when a swap waits.
        result = runner.run(until_caught_up=mode == "all", on_progress=on_progress)
    if result.poisoned:
        msg = f"read models stopped at a poison event: {', '.join(result.poisoned)}"
        raise ProjectionError(msg)
    return result.events


def _lock_key(generation: Generation) -> str:
    return f"pga-projection:{generation.schema}"


def _tracking_row(
    connection: psycopg.Connection[Any], schema: str
) -> tuple[int, int, int | None] | None:
    """Return a table set's position, version and poison position (``None``: no such set)."""
    if not has_tracking(connection, schema):
        return None
    try:
        row = connection.execute(
            sql.SQL("SELECT position, version, failed_position FROM {}").format(
                sql.Identifier(schema, TRACKING)
            )
        ).fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        return None  # dropped or renamed between the two statements
    if row is None:
        return None
    return int(row[0]), int(row[1]), None if row[2] is None else int(row[2])


def _create_generation(connection: psycopg.Connection[Any], schema: str, model: ReadModel) -> None:
    connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    connection.execute(
        sql.SQL(
            "CREATE TABLE {} ("
            " only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),"
            " read_model text NOT NULL,"
            " version integer NOT NULL,"
            " position bigint NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now(),"
            " updated_at timestamptz NOT NULL DEFAULT now(),"
            " failed_position bigint, failed_kind text, failed_aggregate text,"
            " failed_version bigint, error text, failed_at timestamptz)"
        ).format(sql.Identifier(schema, TRACKING))
    )
    for table in model.tables:
        for statement in table.statements(schema):
            connection.execute(statement)
    connection.execute(
        sql.SQL("INSERT INTO {} (read_model, version, position) VALUES (%s, %s, 0)").format(
            sql.Identifier(schema, TRACKING)
        ),
        (model.name, model.version),
    )


def _drop_schema(connection: psycopg.Connection[Any], schema: str) -> None:
    connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _poison_of(envelope: Envelope, error: BaseException) -> Poison:
    return Poison(
        position=envelope.position,
        kind=type(envelope.event).__name__,
        aggregate_id=str(envelope.aggregate_id),
        version=envelope.version,
        error=_describe(error),
    )


def _describe(error: BaseException) -> str:
    """Name an error by its type and where it was raised: never its message (it may quote data)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        frame = frames[-1]
        where = f" at {os.path.basename(frame.filename)}:{frame.lineno}"  # noqa: PTH119
    return f"{type(error).__name__}{where}"
