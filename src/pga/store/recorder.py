"""The application recorder: the library's PostgreSQL recorder plus the seal chain.

The library inserts a transaction's events while holding an EXCLUSIVE lock on the events table,
so insert order equals commit order. While that lock is held, one more statement in the same
transaction reads the last seal and inserts the new events' seals, computed in notification
order (``pga.store.seal``); if it fails, the events roll back with them, so there is never an
unsealed committed event.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from pga.store.seal import GENESIS_SEAL, next_seal

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
                " seal bytea NOT NULL CHECK (length(seal) = 32))"
            ).format(schema=schema, seals=seals)
        )
        self._pending = threading.local()
        self.last_seal_statement = SQL(
            "SELECT seal FROM {schema}.{seals} ORDER BY notification_id DESC LIMIT 1"
        ).format(schema=schema, seals=seals)
        self.insert_seal_statement = SQL(
            "INSERT INTO {schema}.{seals}"
            " (notification_id, originator_id, originator_version, seal) VALUES (%s, %s, %s, %s)"
        ).format(schema=schema, seals=seals)

    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,  # noqa: ANN401 - the library's signature
    ) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # Queued behind the table lock and the insert, so the pipeline's one sync brings back
        # the last seal together with the new notification ids: sealing adds no round trip.
        last_seal = curs.connection.cursor()
        last_seal.execute(self.last_seal_statement)
        self._pending.last_seal = last_seal

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,  # noqa: ANN401 - the library's signature
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        with self._pending.last_seal as last_seal:
            last = last_seal.fetchone()
        if not notification_ids:
            return notification_ids
        previous = bytes(last["seal"]) if last else GENESIS_SEAL
        rows: list[tuple[int, UUID, int, bytes]] = []
        for notification_id, stored in sorted(
            zip(notification_ids, stored_events, strict=True), key=lambda pair: pair[0]
        ):
            originator_id = _as_uuid(stored.originator_id)
            previous = next_seal(
                previous, originator_id, stored.originator_version, stored.topic, stored.state
            )
            rows.append((notification_id, originator_id, stored.originator_version, previous))
        curs.executemany(self.insert_seal_statement, rows)
        return notification_ids


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
