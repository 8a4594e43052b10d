"""Operating the read models: status and lag, digests, rebuilds, scratch builds, read-your-writes.

Everything here works on a plain psycopg connection and the application's schema name, so the
CLI can report on read models without starting a runner, and the API can wait for one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from pga.store.database import EVENTS_TABLE, SEALS_TABLE
from projections.runner import (
    DEFAULT_BATCH_SIZE,
    TRACKING,
    Generation,
    ProjectionError,
    Runner,
    _create_generation,
    _drop_schema,
    catch_up,
    has_tracking,
    head,
    notification_channel,
    schema_name,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from datetime import datetime

    from pga.application import PgaApplication
    from projections.base import ReadModel
    from projections.runner import Poison

_log = logging.getLogger("pga.projections")

DEFAULT_WAIT_SECONDS = 2.0
SCRATCH_INFIX = "__scratch_"
"""Marks a table set built only to be compared and dropped (``scratch_rebuild``)."""
_IDENTIFIER_LIMIT = 63


@dataclass(frozen=True, slots=True)
class Failure:
    """The poison event a read model stopped at (its position and kind, never its content)."""

    position: int
    kind: str
    aggregate_id: str
    version: int
    error: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReadModelStatus:
    """What ``pga projections status`` reports about one read model."""

    name: str
    version: int
    """The version of the read model's code."""
    stored_version: int | None
    """The version that built the live table set (``None``: not built yet)."""
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    """How long the oldest unprocessed event has been waiting (0 when caught up)."""
    running: bool
    """Whether a runner holds the read model's lock right now."""
    updated_at: datetime | None
    failure: Failure | None
    rebuild_position: int | None
    """The position of a rebuild in progress (``None``: no rebuild)."""

    @property
    def state(self) -> str:
        """One word: missing, failed, outdated, rebuilding, running or stopped."""
        if self.stored_version is None:
            return "rebuilding" if self.rebuild_position is not None else "missing"
        if self.failure is not None:
            return "failed"
        if self.stored_version != self.version:
            return "outdated"
        if self.rebuild_position is not None:
            return "rebuilding"
        return "running" if self.running else "stopped"


class ReadModelTimeout(ProjectionError):
    """A read model did not reach a position within the time the caller was willing to wait."""

    def __init__(self, name: str, position: int, reached: int, timeout: float) -> None:
        super().__init__(
            f"read model {name} reached position {reached}, not {position}, within {timeout:g} s"
        )
        self.name = name
        self.position = position
        self.reached = reached
        self.timeout = timeout


class ReadModelUnavailable(ProjectionError):
    """A read model cannot reach a position: it is not built, or stopped at a poison event."""


def status(
    connection: psycopg.Connection[Any], app_schema: str, models: Sequence[ReadModel]
) -> list[ReadModelStatus]:
    """Return the status of each read model."""
    current_head = head(connection, app_schema)
    return [_status(connection, app_schema, model, current_head) for model in models]


def _status(
    connection: psycopg.Connection[Any], app_schema: str, model: ReadModel, current_head: int
) -> ReadModelStatus:
    live = schema_name(app_schema, model.name)
    tracking = _tracking(connection, live) or {}
    rebuild = _tracking(connection, schema_name(app_schema, model.name, next_generation=True))
    position = int(tracking.get("position", 0))
    failure = None
    if tracking.get("failed_position") is not None:
        failure = Failure(
            position=int(tracking["failed_position"]),
            kind=str(tracking["failed_kind"]),
            aggregate_id=str(tracking["failed_aggregate"]),
            version=int(tracking["failed_version"]),
            error=str(tracking["error"]),
            at=tracking["failed_at"],
        )
    return ReadModelStatus(
        name=model.name,
        version=model.version,
        stored_version=None if not tracking else int(tracking["version"]),
        position=position,
        head=current_head,
        lag_events=_count_after(connection, app_schema, position),
        lag_seconds=_waiting_since(connection, app_schema, position),
        running=_locked(connection, live),
        updated_at=tracking.get("updated_at"),
        failure=failure,
        rebuild_position=None if rebuild is None else int(rebuild["position"]),
    )


def _tracking(connection: psycopg.Connection[Any], schema: str) -> dict[str, Any] | None:
    if not has_tracking(connection, schema):
        return None
    cursor = connection.execute(
        sql.SQL(
            "SELECT version, position, updated_at, failed_position, failed_kind,"
            " failed_aggregate, failed_version, error, failed_at FROM {}"
        ).format(sql.Identifier(schema, TRACKING))
    )
    row = cursor.fetchone()
    if row is None:
        return None
    names = [column.name for column in cursor.description or ()]
    return dict(zip(names, row, strict=True))


def _count_after(connection: psycopg.Connection[Any], app_schema: str, position: int) -> int:
    row = connection.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE notification_id > %s").format(
            sql.Identifier(app_schema, EVENTS_TABLE)
        ),
        (position,),
    ).fetchone()
    return int(row[0]) if row else 0


def _waiting_since(connection: psycopg.Connection[Any], app_schema: str, position: int) -> float:
    row = connection.execute(
        sql.SQL(
            "SELECT extract(epoch FROM clock_timestamp() - sealed_at) FROM {}"
            " WHERE notification_id > %s ORDER BY notification_id LIMIT 1"
        ).format(sql.Identifier(app_schema, SEALS_TABLE)),
        (position,),
    ).fetchone()
    return max(0.0, float(row[0])) if row else 0.0


def _locked(connection: psycopg.Connection[Any], schema: str) -> bool:
    row = connection.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
        " AND granted AND ((classid::bigint << 32) | objid::bigint)"
        " = hashtextextended(%s, 0))",
        (f"pga-projection:{schema}",),
    ).fetchone()
    return bool(row and row[0])


# --- digests ---


@dataclass(frozen=True, slots=True)
class Digest:
    """A read model's content digest and the position its content was read at."""

    value: str
    position: int


def digest(
    connection: psycopg.Connection[Any],
    app_schema: str,
    model: ReadModel,
    *,
    next_generation: bool = False,
) -> str:
    """Return a stable SHA-256 over a read model's whole content (every table, in key order).

    Two builds over the same events have the same digest, whatever their batches, schema names
    or physical row order; the tracking row (position, timestamps) is not part of it.
    """
    return digest_at(connection, app_schema, model, next_generation=next_generation).value


def digest_at(
    connection: psycopg.Connection[Any],
    app_schema: str,
    model: ReadModel,
    *,
    next_generation: bool = False,
) -> Digest:
    """Return the digest and the position it holds for, read in one snapshot of every table.

    ``connection`` must be in autocommit mode (the read runs in its own REPEATABLE READ
    transaction, so a runner committing meanwhile cannot mix two batches into one digest).
    """
    return digest_of(
        connection, schema_name(app_schema, model.name, next_generation=next_generation), model
    )


def digest_of(connection: psycopg.Connection[Any], schema: str, model: ReadModel) -> Digest:
    """Return the digest and position of ``model``'s table set in ``schema`` (see ``digest_at``).

    Any table set: the live or next one, or a scratch build (``scratch_rebuild``).
    """
    if not has_tracking(connection, schema):
        msg = f"read model {model.name} has not been built"
        raise ReadModelUnavailable(msg)
    hasher = hashlib.sha256(f"{model.name} v{model.version}\n".encode())
    with connection.transaction():
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # Fixed text forms: the digest must not depend on session settings.
        for setting, value in (
            ("TimeZone", "UTC"),
            ("DateStyle", "ISO, YMD"),
            ("IntervalStyle", "postgres"),
            ("extra_float_digits", "3"),
        ):
            connection.execute("SELECT set_config(%s, %s, true)", (setting, value))
        tracked = connection.execute(
            sql.SQL("SELECT position FROM {}").format(sql.Identifier(schema, TRACKING))
        ).fetchone()
        for table in model.tables:
            row = connection.execute(
                sql.SQL(
                    "SELECT encode(sha256(convert_to("
                    "coalesce(string_agg(t::text, E'\\n' ORDER BY {key}), ''), 'UTF8')), 'hex'),"
                    " count(*) FROM {table} t"
                ).format(
                    key=sql.SQL(", ").join(
                        sql.SQL("t.{}").format(sql.Identifier(column)) for column in table.key
                    ),
                    table=sql.Identifier(schema, table.name),
                )
            ).fetchone()
            table_digest, rows = (row[0], row[1]) if row else ("", 0)
            hasher.update(f"{table.name} {rows} {table_digest}\n".encode())
    return Digest(hasher.hexdigest(), int(tracked[0]) if tracked else 0)


# --- rebuilding ---


def rebuild(
    app: PgaApplication,
    models: Sequence[ReadModel],
    *,
    batch_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild read models from zero beside the live ones and swap them in; return the events.

    The live table sets keep serving (and, with ``pga project`` running, keep following) until
    the new ones have caught up; the swap is one transaction.
    """
    return catch_up(
        app,
        models,
        mode="rebuild",
        batch_size=batch_size or DEFAULT_BATCH_SIZE,
        on_progress=on_progress,
    )


# --- scratch builds (comparing a live read model with a fresh one) ---


@dataclass(slots=True)
class ScratchBuild:
    """One read model rebuilt from zero into a scratch schema, up to a target position."""

    model: ReadModel
    schema: str
    target: int
    """The position the build was asked to reach (e.g. the one a live digest holds for)."""
    position: int = 0
    """The position it reached: ``target``, or the last event at or before it."""
    poison: Poison | None = None
    """The event at or before ``target`` the read model's code (or decoding) failed on."""


@contextlib.contextmanager
def scratch_rebuild(
    app: PgaApplication,
    targets: Sequence[tuple[ReadModel, int]],
    *,
    batch_size: int | None = None,
) -> Iterator[list[ScratchBuild]]:
    """Rebuild read models from zero into scratch schemas, each up to its position; drop them after.

    For comparing a live read model with a fresh build at the position its digest holds for
    (``pga audit verify``), while the live one keeps following. Each page of the log is read
    and decoded once for all builds. A scratch schema is ``<live schema>__scratch_<random>``: two
    verifications at once do not collide, no runner takes it for its own, and it is dropped on
    leaving the ``with`` block, also after an error.
    """
    app_schema: str = app.recorder.datastore.schema  # type: ignore[attr-defined]
    token = secrets.token_hex(4)
    builds = [
        ScratchBuild(model, _scratch_schema(app_schema, model.name, token), target)
        for model, target in targets
    ]
    with Runner(
        app,
        [model for model, _ in targets],
        batch_size=batch_size or DEFAULT_BATCH_SIZE,
        use_locks=False,
    ) as runner:
        try:
            for build in builds:
                _create_generation(runner.connection, build.schema, build.model)
            _build_up_to(runner, builds)
            yield builds
        finally:
            for build in builds:
                try:
                    _drop_schema(runner.connection, build.schema)
                except psycopg.Error as error:
                    _log.warning(
                        "could not drop scratch schema %s (%s)", build.schema, type(error).__name__
                    )


def _scratch_schema(app_schema: str, model_name: str, token: str) -> str:
    name = f"{schema_name(app_schema, model_name)}{SCRATCH_INFIX}{token}"
    if len(name) > _IDENTIFIER_LIMIT:
        msg = f"schema name {name!r} is longer than PostgreSQL's {_IDENTIFIER_LIMIT} characters"
        raise ValueError(msg)
    return name


def _build_up_to(runner: Runner, builds: Sequence[ScratchBuild]) -> None:
    """Apply the log to every build until each has reached its target (or cannot go on)."""
    pending = [
        (build, Generation(build.model, build.schema, next_generation=True, locked=True))
        for build in builds
        if build.target > 0
    ]
    while pending:
        after = min(generation.position for _, generation in pending)
        envelopes, poison = runner.read(after, runner.batch_size)
        still: list[tuple[ScratchBuild, Generation]] = []
        for build, generation in pending:
            if generation.position != after:
                still.append((build, generation))
                continue
            wanted = [envelope for envelope in envelopes if envelope.position <= build.target]
            if wanted:
                runner.apply(generation, wanted)
            build.position = generation.position
            if generation.poison is not None:
                build.poison = generation.poison
                continue
            if wanted and generation.position != wanted[-1].position:
                msg = f"the scratch build of read model {build.model.name} did not advance"
                raise ProjectionError(msg)
            if poison is not None and len(wanted) == len(envelopes):
                if poison.position <= build.target:
                    build.poison = poison
                continue  # the log cannot be read past the undecodable event
            if len(wanted) == len(envelopes) and envelopes and build.position < build.target:
                still.append((build, generation))  # neither the target nor the log's end yet
        pending = still


# --- read-your-writes ---


def wait_for(
    connection: psycopg.Connection[Any],
    app_schema: str,
    name: str,
    position: int,
    *,
    timeout: float = DEFAULT_WAIT_SECONDS,
) -> int:
    """Wait until read model ``name`` has processed ``position``; return the position it reached.

    ``connection`` must be in autocommit mode (it LISTENs for the runner's announcements).
    Raises ``ReadModelTimeout`` when ``timeout`` passes first (also when the read model has not
    been built: no runner is running), and ``ReadModelUnavailable`` at once when the read model
    has stopped at a poison event at or before ``position``.
    """
    schema = schema_name(app_schema, name)
    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(notification_channel(schema))))
    try:
        deadline = time.monotonic() + timeout
        while True:
            reached = _reached(connection, schema, name, position)
            if reached >= position:
                return reached
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadModelTimeout(name, position, reached, timeout)
            for _ in connection.notifies(timeout=remaining, stop_after=1):
                break
    finally:
        connection.execute(
            sql.SQL("UNLISTEN {}").format(sql.Identifier(notification_channel(schema)))
        )


def _reached(connection: psycopg.Connection[Any], schema: str, name: str, position: int) -> int:
    tracking = _tracking(connection, schema)
    if tracking is None:
        return 0  # not built yet: a runner that is starting creates it
    failed = tracking["failed_position"]
    if failed is not None and failed <= position:
        msg = f"read model {name} stopped at position {failed}, before {position}"
        raise ReadModelUnavailable(msg)
    return int(tracking["position"])
