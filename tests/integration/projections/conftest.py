"""Fixtures for read-model tests: an application on a fresh schema, and a way to project it.

``project(*models)`` runs the given read models over everything stored so far (the real runner,
in batches, on PostgreSQL) and returns once they have caught up; ``connection`` is a psycopg
connection for the read models' query functions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from pga.application import PgaApplication
from pga.domain.catalogue import PartnerRole
from pga.recording import Actor, CommandContext
from pga.store.database import eventsourcing_env
from projections.runner import catch_up, schema_name

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pga.store.subject_keys import SubjectKeyStore
    from projections.base import ReadModel, Table

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
REGISSEUR = Actor(user="u-ggd-01", organisation="ggd-flevoland", role=PartnerRole.REGISSEUR)
POLITIE = Actor(
    user="u-politie-01", organisation="politie-midden-nederland", role=PartnerRole.POLITIE
)


def context(actor: Actor = REGISSEUR, reason: str | None = None) -> CommandContext:
    """Return a command context for ``actor``."""
    return CommandContext(actor=actor, correlation_id=uuid4(), reason=reason)


class SteppingClock:
    """A recording clock that moves one minute per reading, from a fixed start."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        """Advance one minute and return the new time."""
        self.now += timedelta(minutes=1)
        return self.now


class Project(Protocol):
    """Run read models until they have processed every stored event."""

    def __call__(self, *models: ReadModel, batch_size: int = ...) -> int:
        """Return the number of events applied."""
        ...


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(START)


@pytest.fixture
def app(
    database_url: str, schema: str, clock: SteppingClock, subject_keys: SubjectKeyStore
) -> Iterator[PgaApplication]:
    application = PgaApplication(
        eventsourcing_env(database_url, schema),
        snapshot_interval=5,
        clock_source=clock,
        keys=subject_keys,  # every personal field is stored under the youth's data key
    )
    yield application
    application.close()


@pytest.fixture
def project(app: PgaApplication) -> Project:
    def run(*models: ReadModel, batch_size: int = 500) -> int:
        return catch_up(app, models, batch_size=batch_size)

    return run


@pytest.fixture
def connection(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


def stored_rows(
    connection: psycopg.Connection[Any],
    app_schema: str,
    model_name: str,
    tables: tuple[Table, ...],
) -> dict[str, list[tuple[Any, ...]]]:
    """Return every stored row of a read model's tables, in key order (to compare two builds)."""
    schema = schema_name(app_schema, model_name)
    return {
        table.name: connection.execute(
            sql.SQL("SELECT * FROM {} ORDER BY {}").format(
                sql.Identifier(schema, table.name),
                sql.SQL(", ").join(map(sql.Identifier, table.key)),
            )
        ).fetchall()
        for table in tables
    }
