"""The application recorder: the library's PostgreSQL recorder plus the seal chain.

The library inserts a transaction's events while holding an EXCLUSIVE lock on the events table,
so insert order equals commit order. While that lock is held, one more statement per event, in
the same transaction and pipeline (no extra round trip), inserts the event's seal: the database
hashes the previous seal with the event's digest computed here (``pga.store.seal``). If it
fails, the events roll back with it, so there is never an unsealed committed event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier, Literal

from pga.store.seal import GENESIS_SEAL, event_digest

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import StoredEvent
    from psycopg import Cursor
    from psycopg.rows import DictRow


def seals_table_name(events_table_name: str) -> str:
    """Return the name of the seal table that belongs to an events table."""
    return events_table_name.removesuffix("_events") + "_seals"


class SealingRecorder(PostgresApplicationRecorder):
    """A ``PostgresApplicationRecorder`` that seals each stored event in the same transaction."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.seals_table_name = seals_table_name(self.events_table_name)
        seals = Identifier(self.seals_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{seals} ("
                " notification_id bigint PRIMARY KEY,"
                " originator_id uuid NOT NULL,"
                " originator_version bigint NOT NULL,"
                " seal bytea NOT NULL CHECK (length(seal) = 32),"
                " sealed_at timestamptz NOT NULL DEFAULT clock_timestamp())"
            ).format(schema=schema, seals=seals)
        )
        # Stores created before the column existed get it (it is not part of the seal: it is
        # the wall-clock insert time, which read models use to report their lag in seconds).
        # Checked in the catalogue first: ALTER TABLE locks the table even when it has nothing
        # to do, and every application start runs these statements while others may write.
        self.sql_create_statements.append(
            SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns"
                " WHERE table_schema = {schema_name} AND table_name = {seals_name}"
                " AND column_name = 'sealed_at') THEN"
                " ALTER TABLE {schema}.{seals} ADD COLUMN IF NOT EXISTS"
                " sealed_at timestamptz NOT NULL DEFAULT clock_timestamp(); END IF; END $$"
            ).format(
                schema=schema,
                seals=seals,
                schema_name=Literal(self.datastore.schema),
                seals_name=Literal(self.seals_table_name),
            )
        )
        # The seal chain is append-only: triggers refuse UPDATE, DELETE and TRUNCATE, also for the
        # table's owner. An owner could still drop or disable them, so in production the table
        # belongs to an administrator (``pga db init``; ``pga.audit.roles``) and ``pga serve``
        # refuses an owning role off loopback; whoever gets round the triggers leaves a broken
        # chain behind for ``pga audit verify``. Created once, checked in the catalogue first
        # like the column above: CREATE TRIGGER locks the table. The events table gets none:
        # tampering with it is what the chain detects.
        self.sql_create_statements.append(
            SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = {schema_name} AND c.relname = {seals_name}"
                " AND t.tgname = 'append_only') THEN"
                " CREATE OR REPLACE FUNCTION {schema}.{refuse}() RETURNS trigger"
                " LANGUAGE plpgsql AS $f$ BEGIN"
                " RAISE EXCEPTION 'the seal chain is append-only'"
                " USING ERRCODE = 'insufficient_privilege'; END $f$;"
                " CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {schema}.{seals}"
                " FOR EACH ROW EXECUTE FUNCTION {schema}.{refuse}();"
                " CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {schema}.{seals}"
                " FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{refuse}();"
                " END IF; END $$"
            ).format(
                schema=schema,
                seals=seals,
                refuse=Identifier(f"{self.seals_table_name}_refuse_change"),
                schema_name=Literal(self.datastore.schema),
                seals_name=Literal(self.seals_table_name),
            )
        )
        # Each seal hashes the one before it: the newest row, which inside this transaction may be
        # one this statement's predecessor inserted. The event's own digest comes from Python.
        self.insert_seal_statement = (
            SQL(
                "INSERT INTO {schema}.{seals}"
                " (notification_id, originator_id, originator_version, seal)"
                " SELECT %s, %s, %s, sha256(coalesce("
                "(SELECT seal FROM {schema}.{seals} ORDER BY notification_id DESC LIMIT 1),"
                " %s) || %s)"
            )
            .format(schema=schema, seals=seals)
            .as_string()  # rendered once: composing it on every insert costs more than running it
        )
        # The common case, one event per transaction, in one statement: the event and its seal.
        self.insert_one_sealed_statement = (
            SQL(
                "WITH new AS ("
                " INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)"
                " VALUES (%s, %s, %s, %s)"
                " RETURNING notification_id, originator_id, originator_version"
                ") INSERT INTO {schema}.{seals}"
                " (notification_id, originator_id, originator_version, seal)"
                " SELECT notification_id, originator_id, originator_version, sha256(coalesce("
                "(SELECT seal FROM {schema}.{seals} ORDER BY notification_id DESC LIMIT 1),"
                " %s) || %s) FROM new"
                " RETURNING notification_id"
            )
            .format(schema=schema, events=Identifier(self.events_table_name), seals=seals)
            .as_string()
        )

    def create_table(self) -> None:
        """Create the tables, one process at a time.

        Processes starting together (two ``pga project``, API workers) would race on the
        library's CREATE TYPE and CREATE OR REPLACE statements ("tuple concurrently updated").
        """
        key = f"pga-create-tables:{self.datastore.schema}"
        with self.datastore.get_connection() as connection:
            connection.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
            try:
                super().create_table()
            finally:
                connection.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,  # noqa: ANN401 - the library's signature
    ) -> Sequence[int] | None:
        """Insert one event in a single round trip: lock, insert, seal and commit pipelined.

        The library syncs its pipeline after the insert (to raise a conflict early) and then
        sends the COMMIT: the table lock is then held across a round trip to this process, and
        under load every other writer queues behind that round trip. Here BEGIN, the lock, the
        notification, the sealed insert and the COMMIT go out together; a conflict (the unique
        key on aggregate and version) aborts the pipeline, rolls back, and is raised as the
        library's ``IntegrityError``. Several events (a transaction over two aggregates) keep
        the library's path, which seals each after the insert.
        """
        if self.datastore.enable_db_functions or len(stored_events) != 1:
            inserted: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return inserted
        with self.datastore.get_connection() as connection:
            cursor = connection.cursor()
            try:
                with connection.pipeline(), connection.transaction():
                    self._insert_stored_events(cursor, stored_events, **kwargs)
                return [row["notification_id"] for row in cursor.fetchall()]
            finally:
                cursor.close()

    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,  # noqa: ANN401 - the library's signature
    ) -> None:
        if len(stored_events) != 1:
            super()._insert_stored_events(curs, stored_events, **kwargs)
            return
        (stored,) = stored_events
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_one_sealed_statement,
            (
                stored.originator_id,
                stored.originator_version,
                stored.topic,
                stored.state,
                GENESIS_SEAL,
                _digest(stored),
            ),
            prepare=True,
        )

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,  # noqa: ANN401 - the library's signature
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if len(stored_events) == 1:
            return notification_ids  # sealed by the insert itself
        # The events table stays locked until commit, so no other transaction can seal in between.
        for notification_id, stored in sorted(
            zip(notification_ids or (), stored_events, strict=True), key=lambda pair: pair[0]
        ):
            originator_id = _as_uuid(stored.originator_id)
            # On the connection, not on the library's cursor: closing that cursor would wait
            # for this statement's result, one more round trip before the commit.
            curs.connection.execute(
                self.insert_seal_statement,
                (
                    notification_id,
                    originator_id,
                    stored.originator_version,
                    GENESIS_SEAL,
                    _digest(stored),
                ),
                prepare=True,
            )
        return notification_ids


def _digest(stored: StoredEvent) -> bytes:
    return event_digest(
        _as_uuid(stored.originator_id), stored.originator_version, stored.topic, stored.state
    )


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
