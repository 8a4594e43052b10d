"""The access log: who was shown which youth's data, when, in which role, for what, and the result.

Reads produce no events, so every response that shows personal data of a youth (and every
refused attempt to see it) appends one entry here: NEN 7513's minimum (when, who, in which
organisation and role, on whose behalf, which subjects, which action, the outcome) plus the
purpose and a trace id as in Logboek Dataverwerkingen. Entries hold only identifiers — never a
name or any content — so erasing a youth leaves the log intact and meaningful.

The log is **append-only**: triggers refuse UPDATE, DELETE and TRUNCATE, also for the table's
owner, whose own privileges for them are revoked. That stops accidents, not an owner set on
rewriting (it may drop a trigger or grant itself the rights back): in production the table
belongs to an administrator (``pga db init``, ``pga db grant``; ``pga.audit.roles``) and
``pga serve`` refuses an owning role off loopback. Whoever gets round the triggers leaves a broken
chain behind. It is **hash-chained** like the events: positions are consecutive
from 1 and ``seal(n) = SHA-256(seal(n-1) ‖ n ‖ digest(entry n))``, so a changed, removed,
inserted or reordered entry breaks the chain (``pga audit verify``).

Writers serialise on an advisory lock per schema (several API workers share one chain); the API
writes through ``AccessLogWriter``, which groups the entries of concurrent requests into one
statement (group commit), on its own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import hashlib
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
import psycopg
from psycopg import sql

from projections.paging import check_page, limit_offset, page_with_total, split_total

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence

    from pga.settings import Settings

_LOG = logging.getLogger("pga.audit")

TABLE = "pga_access_log"
"""The access log's table, in the event store's schema."""
_APPEND_FUNCTION = "pga_access_log_append"
GENESIS_SEAL = bytes(32)
"""The seal before the first entry."""
CLI_STATUS = 0
"""The status of an entry the command line wrote (it has no HTTP response)."""
_MAX_BATCH = 500
_COLUMNS = (
    "position",
    "occurred_at",
    "user_id",
    "organisation",
    "role",
    "on_behalf_of",
    "subjects",
    "operation",
    "purpose",
    "status",
    "trace_id",
    "source",
    "seal",
)


class AccessEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One look at personal data, as the caller describes it (position and seal come later)."""

    occurred_at: datetime
    """When the response was produced (wall clock, UTC, microseconds)."""
    user: str
    organisation: str
    role: str
    on_behalf_of: str | None
    """The person the user acted for (the token's delegation claim), if any."""
    subjects: tuple[uuid.UUID, ...]
    """The trajectories, networks and youths (subject or member ids) whose data was shown."""
    operation: str
    """The API operation id (``getTrajectory``) or the command (``cli:audit-history``)."""
    purpose: str
    """A code of ``pga.audit.purposes.PURPOSES``."""
    status: int
    """The HTTP status of the response (``CLI_STATUS`` for the command line)."""
    trace_id: str
    """32 hex digits: the request id (``X-Request-ID``) or a new one."""
    source: str
    """``api`` or ``cli``."""


class LoggedEntry(AccessEntry, frozen=True, kw_only=True):
    """An entry as stored: with its position in the chain and its seal."""

    position: int
    seal: bytes


class AccessLogItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One access-log entry, as auditors read it."""

    position: int
    occurred_at: datetime
    user: str
    organisation: str
    role: str
    on_behalf_of: str | None
    subjects: list[uuid.UUID]
    operation: str
    purpose: str
    status: int
    """The HTTP status of the response (0: a read on the command line)."""
    trace_id: str
    source: str


class AccessLogPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One page of the access log, oldest first."""

    items: list[AccessLogItem]
    page: int
    page_size: int
    total: int


def entry_digest(entry: AccessEntry) -> bytes:
    """Return the SHA-256 that stands for one entry (its position joins in ``chain_seal``).

    Over a canonical JSON array of every field, the time as UTC with microseconds (what
    PostgreSQL's ``timestamptz`` keeps), so the digest of a stored row equals the written one.
    """
    return hashlib.sha256(_canonical(entry)).digest()


def _canonical(entry: AccessEntry) -> bytes:
    """Return the entry's canonical JSON array: what is hashed, and the row the database gets."""
    return msgspec.json.encode(
        (
            _moment(entry.occurred_at),
            entry.user,
            entry.organisation,
            entry.role,
            entry.on_behalf_of,
            entry.subjects,  # msgspec writes a UUID as its canonical text
            entry.operation,
            entry.purpose,
            entry.status,
            entry.trace_id,
            entry.source,
        )
    )


def chain_seal(previous: bytes, position: int, digest: bytes) -> bytes:
    """Return the seal of the entry at ``position`` with ``digest``, after the seal ``previous``.

    ``SHA-256(previous ‖ position as 8 bytes big-endian ‖ digest)``: what the database function
    computes with ``sha256(previous || int8send(position) || digest)``.
    """
    return hashlib.sha256(previous + position.to_bytes(8, "big", signed=True) + digest).digest()


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_trace_id(given: str | None = None) -> str:
    """Return ``given`` as 32 hex digits when it is a UUID (a request id), else a new one."""
    if given:
        try:
            return uuid.UUID(given).hex
        except ValueError:
            pass
    return uuid.uuid4().hex


def create_access_log(connection: psycopg.Connection[Any], schema: str) -> None:
    """Create the table, its indexes and its append-only triggers (idempotent, one at a time)."""
    table = sql.Identifier(schema, TABLE)
    refuse = sql.Identifier(schema, f"{TABLE}_refuse_change")
    statements: list[sql.SQL | sql.Composed] = [
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {table} ("
            " position bigint PRIMARY KEY CHECK (position > 0),"
            " occurred_at timestamptz NOT NULL,"
            " user_id text NOT NULL,"
            " organisation text NOT NULL,"
            " role text NOT NULL,"
            " on_behalf_of text,"
            " subjects uuid[] NOT NULL,"
            " operation text NOT NULL,"
            " purpose text NOT NULL,"
            " status smallint NOT NULL,"
            " trace_id text NOT NULL,"
            " source text NOT NULL,"
            " seal bytea NOT NULL CHECK (length(seal) = 32))"
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (subjects)").format(
            index=sql.Identifier(f"{TABLE}_subjects"), table=table
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} (user_id, occurred_at)").format(
            index=sql.Identifier(f"{TABLE}_user"), table=table
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} (occurred_at)").format(
            index=sql.Identifier(f"{TABLE}_occurred_at"), table=table
        ),
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'the access log is append-only'"
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
        # One statement appends a batch: the lock, the head, the seals and the rows stay inside
        # the database (the lock is never held across a round trip to a client). The seals are
        # chained here, over digests the client computed (``entry_digest``).
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {append}(entries jsonb, digests bytea[])"
            " RETURNS bigint LANGUAGE plpgsql AS $$"
            " DECLARE head bigint; previous bytea; seals bytea[] := '{{}}';"
            " BEGIN"
            " PERFORM pg_advisory_xact_lock(hashtextextended({lock}, 0));"
            " SELECT position, seal INTO head, previous FROM {table}"
            " ORDER BY position DESC LIMIT 1;"
            " head := coalesce(head, 0); previous := coalesce(previous, {genesis});"
            " FOR i IN 1 .. coalesce(array_length(digests, 1), 0) LOOP"
            " previous := sha256(previous || int8send(head + i) || digests[i]);"
            " seals := seals || previous;"
            " END LOOP;"
            " INSERT INTO {table} (position, occurred_at, user_id, organisation, role,"
            " on_behalf_of, subjects, operation, purpose, status, trace_id, source, seal)"
            " SELECT head + n, (e->>0)::timestamptz, e->>1, e->>2, e->>3, e->>4,"
            " ARRAY(SELECT jsonb_array_elements_text(e->5)::uuid), e->>6, e->>7,"
            " (e->>8)::smallint, e->>9, e->>10, seals[n]"
            " FROM jsonb_array_elements(entries) WITH ORDINALITY AS r (e, n);"
            " RETURN head + 1;"
            " END $$"
        ).format(
            append=sql.Identifier(schema, _APPEND_FUNCTION),
            lock=sql.Literal(_lock_key(schema)),
            table=table,
            genesis=sql.Literal(GENESIS_SEAL),
        ),
        # The owner gives up rewriting: only INSERT and SELECT remain (an owner may grant them
        # back; a hardened installation's service role owns nothing here, see pga.audit.roles).
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC, CURRENT_USER"),
    ]
    with connection.transaction():
        connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_lock_key(schema),)
        )
        exists = connection.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL"
            " AND to_regprocedure(format('%%I.%%I(jsonb, bytea[])', %s::text, %s::text))"
            " IS NOT NULL",
            (schema, TABLE, schema, _APPEND_FUNCTION),
        ).fetchone()
        if exists is not None and exists[0]:
            return
        for statement in statements:
            if isinstance(statement, sql.SQL):
                statement = statement.format(table=table, refuse=refuse)  # noqa: PLW2901
            connection.execute(statement)


class AccessLogMissing(RuntimeError):
    """The access log's table does not exist and the service may not create it."""


def require_access_log(connection: psycopg.Connection[Any], schema: str) -> None:
    """Refuse to start without the access log (``PGA_CREATE_TABLES=false``: nothing is created).

    Without it every read of personal data would be refused, so the service does not start.
    """
    exists = connection.execute(
        "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL", (schema, TABLE)
    ).fetchone()
    if exists is None or not exists[0]:
        msg = (
            f"the access log {schema}.{TABLE} does not exist and PGA_CREATE_TABLES is false: "
            "run `pga db init` as the database administrator first"
        )
        raise AccessLogMissing(msg)


def append(
    connection: psycopg.Connection[Any], schema: str, entries: Sequence[AccessEntry]
) -> list[int]:
    """Append ``entries``, chained after the newest, in one statement; return their positions.

    On an autocommit connection the statement is its own transaction: one round trip, and the
    lock that orders writers is released by its commit.
    """
    if not entries:
        return []
    rows = [_canonical(entry) for entry in entries]
    row = connection.execute(*_append_statement(schema, rows), prepare=True).fetchone()
    return _positions(row, rows)


async def _append_rows_async(
    connection: psycopg.AsyncConnection[Any], schema: str, rows: Sequence[bytes]
) -> list[int]:
    """Append entries already encoded (``_canonical``) on an async connection (the writer)."""
    if not rows:
        return []
    cursor = await connection.execute(*_append_statement(schema, rows), prepare=True)
    return _positions(await cursor.fetchone(), rows)


def _append_statement(schema: str, rows: Sequence[bytes]) -> tuple[sql.Composed, tuple[Any, ...]]:
    """Return the statement that appends ``rows`` in one round trip, and its parameters."""
    return (
        sql.SQL("SELECT {}(%s::jsonb, %b::bytea[])").format(
            sql.Identifier(schema, _APPEND_FUNCTION)
        ),
        # Each row is encoded once: the batch is the rows, the digests are over the same bytes.
        (
            (b"[" + b",".join(rows) + b"]").decode(),
            [hashlib.sha256(each).digest() for each in rows],
        ),
    )


def _positions(row: tuple[Any, ...] | None, rows: Sequence[bytes]) -> list[int]:
    first = int(row[0]) if row is not None else 0
    return list(range(first, first + len(rows)))


def _lock_key(schema: str) -> str:
    return f"pga-access-log:{schema}"


def read_chain(
    connection: psycopg.Connection[Any], schema: str, *, batch: int = 5000
) -> Iterator[LoggedEntry]:
    """Yield every stored entry in position order (in batches: memory stays flat)."""
    table = sql.Identifier(schema, TABLE)
    statement = sql.SQL("SELECT {} FROM {} WHERE position > %s ORDER BY position LIMIT %s").format(
        sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)), table
    )
    after = 0
    while True:
        rows = connection.execute(statement, (after, batch)).fetchall()
        for row in rows:
            yield _logged(row)
        if len(rows) < batch:
            return
        after = int(rows[-1][0])


def _logged(row: Sequence[Any]) -> LoggedEntry:
    (position, occurred_at, user, organisation, role, on_behalf_of, subjects) = row[:7]
    (operation, purpose, status, trace_id, source, seal) = row[7:]
    return LoggedEntry(
        position=int(position),
        occurred_at=occurred_at,
        user=user,
        organisation=organisation,
        role=role,
        on_behalf_of=on_behalf_of,
        subjects=tuple(subjects),
        operation=operation,
        purpose=purpose,
        status=int(status),
        trace_id=trace_id,
        source=source,
        seal=bytes(seal),
    )


def related_subjects(
    connection: psycopg.Connection[Any], schema: str, subject: uuid.UUID
) -> list[uuid.UUID]:
    """Return ``subject`` with the ids that stand for the same youth.

    A youth is one subject id with one or more trajectories (and, on a name list, a member id
    equal to the subject id), so a question about the youth or about any of its trajectories
    finds every entry that showed any of them. Read from the caseload read model; before it is
    built, only ``subject`` itself.
    """
    built = connection.execute(
        "SELECT to_regclass(format('%%I.caseload', %s::text)) IS NOT NULL",
        (f"{schema}_caseload",),
    ).fetchone()
    if built is None or not built[0]:
        return [subject]
    caseload = sql.Identifier(f"{schema}_caseload", "caseload")
    rows = connection.execute(
        sql.SQL(
            "SELECT trajectory_id, subject_id FROM {caseload}"
            " WHERE subject_id = (SELECT subject_id FROM {caseload} WHERE trajectory_id = %s)"
            " OR subject_id = %s"
        ).format(caseload=caseload),
        (subject, subject),
    ).fetchall()
    related = {subject}
    for trajectory_id, subject_id in rows:
        related.update((trajectory_id, subject_id))
    return sorted(related)


def query(
    connection: psycopg.Connection[Any],
    schema: str,
    *,
    subject: uuid.UUID | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> AccessLogPage:
    """Return one page of the entries that match every given filter, oldest first.

    ``subject`` matches entries about that youth through any of its ids (``related_subjects``);
    ``since`` is inclusive, ``until`` exclusive.
    """
    check_page(page, page_size)
    if since is not None and until is not None and until <= since:
        msg = "until must be after since"
        raise ValueError(msg)
    conditions: list[sql.Composable] = []
    parameters: dict[str, Any] = limit_offset(page, page_size)
    if subject is not None:
        conditions.append(sql.SQL("subjects && %(subjects)s::uuid[]"))
        parameters["subjects"] = related_subjects(connection, schema, subject)
    if user is not None:
        conditions.append(sql.SQL("user_id = %(user)s"))
        parameters["user"] = user
    if since is not None:
        conditions.append(sql.SQL("occurred_at >= %(since)s"))
        parameters["since"] = since
    if until is not None:
        conditions.append(sql.SQL("occurred_at < %(until)s"))
        parameters["until"] = until
    where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE")
    table = sql.Identifier(schema, TABLE)
    columns = sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
    statement = page_with_total(
        sql.SQL("SELECT count(*) FROM {table} WHERE {where}").format(table=table, where=where),
        sql.SQL(
            "SELECT {columns} FROM {table} WHERE {where}"
            " ORDER BY position LIMIT %(limit)s OFFSET %(offset)s"
        ).format(columns=columns, table=table, where=where),
        sql.SQL("p.position"),
    )
    rows, total = split_total(connection.execute(statement, parameters).fetchall())
    return AccessLogPage(
        items=[_item(row) for row in rows], page=page, page_size=page_size, total=total
    )


def _item(row: Sequence[Any]) -> AccessLogItem:
    fields = msgspec.structs.asdict(_logged(row))
    del fields["seal"]
    return AccessLogItem(**fields)


def record_cli_read(
    settings: Settings,
    *,
    operation: str,
    subjects: Collection[uuid.UUID],
    purpose: str = "verantwoording",
) -> None:
    """Log a read on the command line (``pga audit …``): the OS user, as auditor, status 0.

    The command line has no token, so the operating-system account is the user; whoever runs it
    holds the database credentials, and the log says so.
    """
    from pga.store.database import resolve_database_url  # noqa: PLC0415 - avoids an import cycle

    entry = AccessEntry(
        occurred_at=datetime.now(UTC),
        user=getpass.getuser(),
        organisation="pga-cli",
        role="auditor",
        on_behalf_of=None,
        subjects=tuple(subjects),
        operation=operation,
        purpose=purpose,
        status=CLI_STATUS,
        trace_id=new_trace_id(),
        source="cli",
    )
    with psycopg.connect(resolve_database_url(settings), autocommit=True) as connection:
        if settings.create_tables:
            create_access_log(connection, settings.database_schema)
        append(connection, settings.database_schema, [entry])


class AccessLogUnavailable(Exception):
    """The access log could not be written, so the data may not be shown."""


_RETRY_SECONDS = 1.0
STALLED_SECONDS = 5.0
"""A write under way this long counts as failing (deferred mode then refuses personal data)."""
_Queued = tuple["bytes | AccessEntry", "asyncio.Future[None] | None"]
"""An entry waiting for the writer, encoded (one that could not be: as it is), and its waiter."""
_ROW = msgspec.json.Decoder(
    tuple[datetime, str, str, str, str | None, tuple[uuid.UUID, ...], str, str, int, str, str]
)


class AccessLogWriter:
    """Writes the access log of one API process in batches, on its event loop, in two modes.

    **Deferred** (``max_delay`` > 0, the default 50 ms): a response is sent at once and its entry
    is committed at most ``max_delay`` later, with every entry queued meanwhile in one statement
    (a worker serving a few hundred reads a second commits batches of tens, not one transaction
    per read). If a write fails, the batch stays queued and is retried, nothing is dropped, and
    ``failing`` is set: the API then refuses personal data (503) until a write succeeds again.
    Closing writes everything queued. What a crash of the process loses is at most the last
    ``max_delay`` of entries.

    **Immediate** (``max_delay`` = 0): each response waits until its entry is committed
    (``write``; group commit: the entries queued while a batch is being written go together in
    the next one).

    The writer is a task on the process's event loop with an asynchronous connection of its own
    (``connect``), not one of the read models' pool, so a burst of reads never makes the log
    wait for a connection, and no second thread contends with the requests for the interpreter:
    a writing thread made every read of a busy worker measurably dearer (docs/BENCHMARKS.md).
    ``start`` and every other method must be called on that loop. A broken connection is
    replaced on the next attempt. An entry the database refuses for what it holds
    (``DataError``: say a NUL in an identifier, which the API already refuses at the door) must
    not block the entries queued with it: the batch is split until that entry is alone, which is
    then written with its unstorable characters replaced by U+FFFD (its digest is computed over
    what is stored, so the chain stays verifiable), or, failing that, set aside with an error in
    the service log.
    """

    def __init__(
        self,
        connect: Callable[[], Awaitable[psycopg.AsyncConnection[Any]]],
        schema: str,
        *,
        max_delay: float = 0.05,
    ) -> None:
        """Write to the access log in ``schema`` over a connection ``connect`` opens.

        ``connect`` must return an autocommit connection (each append is its own transaction).
        Nothing is written before ``start``.
        """
        self._connect = connect
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._schema = schema
        self.max_delay = max_delay
        self._failed = False
        self._busy_since: float | None = None
        self._written = 0
        self.set_aside = 0
        """How many entries could not be stored at all (each reported in the service log)."""
        self._queue: list[_Queued] = []
        self._wake: asyncio.Event | None = None
        self._closing: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start writing, as a task on the running event loop."""
        if self._task is not None:
            msg = "the access-log writer was started already"
            raise RuntimeError(msg)
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="pga-access-log")

    @property
    def failing(self) -> bool:
        """Whether to refuse personal data: the log cannot be written (or not in time).

        A write failed and none succeeded since; or one has been under way for longer than
        ``STALLED_SECONDS`` (a connection that hangs); or the writer is not running.
        """
        busy_since = self._busy_since
        stalled = busy_since is not None and time.monotonic() - busy_since > STALLED_SECONDS
        return self._failed or stalled or not self.alive

    @property
    def alive(self) -> bool:
        """Whether the writer runs (started, not closed, not ended by an error)."""
        return self._task is not None and not self._task.done()

    @property
    def deferred(self) -> bool:
        """Whether responses go out before their entries are committed (within ``max_delay``)."""
        return self.max_delay > 0

    def submit(self, entry: AccessEntry) -> None:
        """Queue ``entry`` to be committed within ``max_delay`` (deferred mode).

        The entry waits encoded: the garbage collector never looks at bytes, whereas an entry
        object (with its tuple of ids) held for ``max_delay`` outlives the young generations and
        makes the full collections of a large process more frequent, which cost a busy API
        worker more than the encoding.
        """
        self._enqueue((_encoded(entry), None))

    async def write(self, entry: AccessEntry) -> None:
        """Queue ``entry`` and return once it is committed (raise ``AccessLogUnavailable``)."""
        if not self.alive:
            raise AccessLogUnavailable
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._enqueue((_encoded(entry), future))
        await future

    def _enqueue(self, item: _Queued) -> None:
        self._queue.append(item)
        if self._wake is not None and not self._wake.is_set():
            self._wake.set()

    async def close(self) -> None:
        """Write what is queued (one last attempt if the log is failing), then stop."""
        if self._task is None or self._closing is None or self._wake is None:
            return
        self._closing.set()
        self._wake.set()
        try:
            await self._task
        except Exception:  # noqa: BLE001 - the task's own error: whoever waited was told
            _LOG.exception("access log: the writer ended with an error")

    async def _run(self) -> None:
        assert self._wake is not None  # noqa: S101 - start() set them
        assert self._closing is not None  # noqa: S101
        pending: list[_Queued] = []
        try:
            while True:
                if not pending:
                    if not self._queue:
                        if self._closing.is_set():
                            return
                        self._wake.clear()
                        await self._wake.wait()
                    if self.deferred and not self._closing.is_set():
                        await asyncio.sleep(self.max_delay)  # the next moments' entries join
                pending += self._queue
                self._queue = []
                pending = await self._flush(pending)
                if pending:  # deferred mode, the log failing: keep them, try again
                    if self._closing.is_set():  # that was the last attempt
                        _LOG.error("access log: %d entries could not be written", len(pending))
                        return
                    with contextlib.suppress(TimeoutError):  # closing cuts the pause short
                        await asyncio.wait_for(self._closing.wait(), _RETRY_SECONDS)
        finally:
            # Whoever still waits (the writer ended by an error) is refused, never left hanging.
            for _, future in (*pending, *self._queue):
                if future is not None and not future.done():
                    future.set_exception(AccessLogUnavailable())
            await self._disconnect()

    async def _flush(self, pending: list[_Queued]) -> list[_Queued]:
        """Write ``pending`` in batches; return what is left to retry (deferred mode only)."""
        while pending:
            batch, pending = pending[:_MAX_BATCH], pending[_MAX_BATCH:]
            left = await self._write(batch)
            if left and self.deferred:
                return left + pending
        return []

    async def _write(self, batch: list[_Queued]) -> list[_Queued]:
        """Append ``batch`` and tell its waiters; return what is not written (the log failing).

        Entries already committed before a failure are never written again; an entry set aside
        counts as not logged, so its waiter (immediate mode) is refused the data.
        """
        self._busy_since = time.monotonic()
        self._written = 0
        refused: set[int] = set()
        error: BaseException | None = None
        try:
            try:
                await self._append_isolating([item for item, _ in batch], refused)
            except psycopg.OperationalError:
                # The connection may have gone stale (a restarted server, an idle timeout):
                # the rest once more on a new one before the log counts as failing. (An entry
                # committed just as the connection broke is then logged twice: never lost.)
                await self._disconnect()
                await self._append_isolating([item for item, _ in batch[self._written :]], refused)
        except Exception as failure:  # noqa: BLE001 - reported to every waiting request
            _LOG.error("access log write failed: %s", type(failure).__name__)
            await self._disconnect()
            error = AccessLogUnavailable()
        finally:
            self._busy_since = None
        self._failed = error is not None
        written = self._written
        for number, (item, future) in enumerate(batch):
            if future is None or future.done():  # deferred; or its request went away
                continue
            if id(item) in refused or number >= written:
                future.set_exception(AccessLogUnavailable())
            else:
                future.set_result(None)
        return batch[written:] if error is not None else []

    async def _append_isolating(self, items: list[bytes | AccessEntry], refused: set[int]) -> None:
        """Append ``items``; an entry the database refuses for its content is dealt with alone.

        Only a refusal of the data is isolated: anything else (the connection, the server)
        propagates, and ``_written`` tells how many of the batch were dealt with before it.
        """
        try:
            rows = [item if isinstance(item, bytes) else _canonical(item) for item in items]
            await _append_rows_async(await self._connected(), self._schema, rows)
        except (psycopg.DataError, UnicodeError, msgspec.EncodeError):
            if len(items) > 1:
                middle = len(items) // 2
                await self._append_isolating(items[:middle], refused)
                await self._append_isolating(items[middle:], refused)
                return
            operation = "?"
            try:
                entry = _storable(_entry_of(items[0]))
                operation = entry.operation
                row = _canonical(entry)
                await _append_rows_async(await self._connected(), self._schema, [row])
            except (psycopg.DataError, UnicodeError, msgspec.MsgspecError) as refusal:
                self.set_aside += 1
                refused.add(id(items[0]))
                _LOG.error(
                    "access log: an entry (operation %s) cannot be stored and is set aside: %s",
                    operation,
                    type(refusal).__name__,
                )
        self._written += len(items)

    async def _connected(self) -> psycopg.AsyncConnection[Any]:
        if self._connection is None or self._connection.closed:
            self._connection = await self._connect()
        return self._connection

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # noqa: BLE001 - it is being replaced anyway
                _LOG.debug("access log: closing a broken connection failed")


def _encoded(entry: AccessEntry) -> bytes | AccessEntry:
    """Return the entry's row (``_canonical``), or the entry when it cannot be encoded.

    An identifier with a lone surrogate cannot: the writer then makes the entry storable.
    """
    try:
        return _canonical(entry)
    except (UnicodeError, msgspec.EncodeError):
        return entry


def _entry_of(item: bytes | AccessEntry) -> AccessEntry:
    """Return the entry a queued row was encoded from (``_canonical`` read back)."""
    if isinstance(item, AccessEntry):
        return item
    fields = _ROW.decode(item)
    (occurred_at, user, organisation, role, on_behalf_of, subjects) = fields[:6]
    (operation, purpose, status, trace_id, source) = fields[6:]
    return AccessEntry(
        occurred_at=occurred_at,
        user=user,
        organisation=organisation,
        role=role,
        on_behalf_of=on_behalf_of,
        subjects=subjects,
        operation=operation,
        purpose=purpose,
        status=status,
        trace_id=trace_id,
        source=source,
    )


def _storable_text(value: str) -> str:
    """Return ``value`` with every non-printable character (NUL, lone surrogates) as U+FFFD."""
    return "".join(char if char.isprintable() else "\ufffd" for char in value)


def _storable(entry: AccessEntry) -> AccessEntry:
    """Return ``entry`` with every text field made storable (identifiers only, never content)."""
    return msgspec.structs.replace(
        entry,
        user=_storable_text(entry.user),
        organisation=_storable_text(entry.organisation),
        role=_storable_text(entry.role),
        on_behalf_of=None if entry.on_behalf_of is None else _storable_text(entry.on_behalf_of),
        operation=_storable_text(entry.operation),
        purpose=_storable_text(entry.purpose),
        trace_id=_storable_text(entry.trace_id),
        source=_storable_text(entry.source),
    )
