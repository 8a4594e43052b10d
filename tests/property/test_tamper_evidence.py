"""Property: any tampering with stored events is found, and named; untampered histories verify.

For random demo histories (seed and size drawn), followed by referrals recorded after gaps in
the notification ids (as rolled-back conflicts leave them), a random tampering of each kind is
done by direct SQL (three examples per kind), as someone with access to the database would: one
byte of one event's state changed, one event row deleted, the content (topic and state) or the
positions of two events swapped, or a forged event inserted at the end, into a gap, or into a
gap with a seal row (one made to fit the chain, or a bogus one). Before it, the chain verifies;
after it, both ``verify_event_chain`` and ``pga audit verify`` report exactly the expected first
break: its kind, position, aggregate and version.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from psycopg import sql

from pga.application import PgaApplication
from pga.audit.verify import ChainBreak, verify_command, verify_event_chain
from pga.demo import demo_application_options, generate
from pga.settings import Settings
from pga.store.database import ensure_schema, eventsourcing_env
from pga.store.seal import next_seal
from tests.integration.audit.test_verify import refer_one
from tests.subject_keys import key_store

if TYPE_CHECKING:
    from collections.abc import Callable

Connection = psycopg.Connection[Any]

TAMPERINGS = (
    "change a byte",
    "delete an event",
    "swap two events' content",
    "swap two events' positions",
    "forge an event at the end",
    "forge an event into a gap",
    "forge an event with a fitting seal",
    "forge an event with a bogus seal",
)


@dataclass(frozen=True)
class Stored:
    """One stored event, as the tampering sees it."""

    position: int
    aggregate_id: UUID
    version: int
    topic: str
    state: bytes


@pytest.mark.parametrize("tampering", TAMPERINGS)
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    trajectories=st.integers(1, 3),
    networks=st.integers(0, 1),
    gaps=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    data=st.data(),
)
def test_a_tampered_history_fails_verification_naming_the_first_broken_event(
    database_url: str,
    seed: int,
    trajectories: int,
    networks: int,
    gaps: list[int],
    tampering: str,
    data: st.DataObject,
) -> None:
    schema = f"t_{secrets.token_hex(6)}"
    ensure_schema(database_url, schema)
    try:
        with psycopg.connect(database_url, autocommit=True) as connection:
            record_history(database_url, schema, seed, trajectories, networks, gaps)
            untampered = verify_event_chain(connection, schema)
            events = stored_events(connection, schema)
            assert untampered.ok, untampered.broken
            assert untampered.count == len(events)
            assert untampered.head.position == events[-1].position
            assert run_verify(database_url, schema) == (0, None)

            expected = tamper(connection, schema, events, tampering, data.draw)

            result = verify_event_chain(connection, schema)
            assert result.broken is not None
            assert (
                result.broken.kind,
                result.broken.position,
                result.broken.aggregate_id,
                result.broken.version,
            ) == expected
            status, line = run_verify(database_url, schema)
            assert status == 1
            assert line == result.broken.describe("event chain")
    finally:
        drop(database_url, schema)


def record_history(
    database_url: str, schema: str, seed: int, trajectories: int, networks: int, gaps: list[int]
) -> None:
    """Record a demo history, then after each gap (unused sequence values) one more referral."""
    env = eventsourcing_env(database_url, schema)
    keys = key_store(database_url, schema)
    with PgaApplication(env, keys=keys, **demo_application_options(seed)) as app:
        generate(app, trajectories=trajectories, networks=networks, seed=seed)
    with (
        PgaApplication(
            env, clock_source=lambda: datetime(2026, 3, 1, tzinfo=UTC), keys=keys
        ) as app,
        psycopg.connect(database_url, autocommit=True) as connection,
    ):
        for index, gap in enumerate(gaps):
            connection.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'),"
                    " (SELECT max(notification_id) FROM {}) + %s)"
                ).format(sql.Identifier(schema, "pga_events")),
                (f"{schema}.pga_events", gap),
            )
            refer_one(app, index)


def stored_events(connection: Connection, schema: str) -> list[Stored]:
    rows = connection.execute(
        sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state"
            " FROM {} ORDER BY notification_id"
        ).format(sql.Identifier(schema, "pga_events"))
    ).fetchall()
    return [Stored(row[0], row[1], row[2], row[3], bytes(row[4])) for row in rows]


Expected = tuple[str, int, UUID, int]


def tamper(
    connection: Connection,
    schema: str,
    events: list[Stored],
    tampering: str,
    draw: Callable[[st.SearchStrategy[Any]], Any],
) -> Expected:
    """Tamper with the stored events; return the break verification must report."""
    table = sql.Identifier(schema, "pga_events")
    one = st.sampled_from(events)
    if tampering == "change a byte":
        target = draw(one)
        offset = draw(st.integers(0, len(target.state) - 1))
        flip = draw(st.integers(1, 255))
        connection.execute(
            sql.SQL(
                "UPDATE {} SET state = set_byte(state, %s, get_byte(state, %s) # %s)"
                " WHERE notification_id = %s"
            ).format(table),
            (offset, offset, flip, target.position),
        )
        return ("altered", target.position, target.aggregate_id, target.version)
    if tampering == "delete an event":
        target = draw(one)
        connection.execute(
            sql.SQL("DELETE FROM {} WHERE notification_id = %s").format(table), (target.position,)
        )
        return ("deleted", target.position, target.aggregate_id, target.version)
    if tampering.startswith("swap"):
        first, second = sorted(
            draw(st.lists(one, min_size=2, max_size=2, unique_by=lambda e: e.position)),
            key=lambda e: e.position,
        )
        if tampering == "swap two events' content":
            assume((first.topic, first.state) != (second.topic, second.state))
            connection.execute(
                sql.SQL(
                    "UPDATE {table} e SET topic = o.topic, state = o.state FROM {table} o"
                    " WHERE (e.notification_id, o.notification_id) IN ((%s, %s), (%s, %s))"
                ).format(table=table),
                (first.position, second.position, second.position, first.position),
            )
            return ("altered", first.position, first.aggregate_id, first.version)
        renumber = sql.SQL("UPDATE {} SET notification_id = %s WHERE notification_id = %s").format(
            table
        )
        for new, old in ((-1, first.position), (first.position, second.position)):
            connection.execute(renumber, (new, old))
        connection.execute(renumber, (second.position, -1))
        return ("moved", first.position, second.aggregate_id, second.version)
    # A forged event: the content of a stored one, under another aggregate and version.
    model = draw(one)
    forged_id, forged_version = draw(st.uuids()), draw(st.integers(1, 5))
    values = (forged_id, forged_version, model.topic, model.state)
    if tampering == "forge an event at the end":
        row = connection.execute(
            sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state)"
                " VALUES (%s, %s, %s, %s) RETURNING notification_id"
            ).format(table),
            values,
        ).fetchone()
        assert row is not None
        return ("inserted", row[0], forged_id, forged_version)
    taken = {event.position for event in events}
    gap = draw(st.sampled_from([p for p in range(1, events[-1].position) if p not in taken]))
    connection.execute(
        sql.SQL(
            "INSERT INTO {} (notification_id, originator_id, originator_version, topic, state)"
            " VALUES (%s, %s, %s, %s, %s)"
        ).format(table),
        (gap, *values),
    )
    if tampering != "forge an event into a gap":
        if tampering == "forge an event with a fitting seal":
            before = connection.execute(
                sql.SQL(
                    "SELECT seal FROM {} WHERE notification_id < %s"
                    " ORDER BY notification_id DESC LIMIT 1"
                ).format(sql.Identifier(schema, "pga_seals")),
                (gap,),
            ).fetchone()
            assert before is not None
            seal = next_seal(bytes(before[0]), *values)
        else:
            seal = draw(st.binary(min_size=32, max_size=32))
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (notification_id, originator_id, originator_version, seal)"
                " VALUES (%s, %s, %s, %s)"
            ).format(sql.Identifier(schema, "pga_seals")),
            (gap, forged_id, forged_version, seal),
        )
    return ("inserted", gap, forged_id, forged_version)


def run_verify(database_url: str, schema: str) -> tuple[int, str | None]:
    """Run ``pga audit verify --skip-read-models``; return its status and its BROKEN line."""
    output = io.StringIO()
    settings = Settings(database_url=database_url, database_schema=schema, master_key=bytes(32))
    arguments = argparse.Namespace(checkpoints=[], skip_read_models=True)
    with contextlib.redirect_stdout(output):
        status = verify_command(arguments, settings)
    broken = [line for line in output.getvalue().splitlines() if line.startswith("BROKEN")]
    assert len(broken) <= 1
    return status, broken[0] if broken else None


def drop(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        for (name,) in connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s",
            (schema, f"{schema}\\_%"),
        ).fetchall():
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def test_the_expected_break_is_described_in_one_line() -> None:
    broken = ChainBreak(
        kind="altered",
        position=1234,
        aggregate_id=UUID(int=7),
        version=7,
        detail="content does not match its seal",
    )
    assert broken.describe("event chain") == (
        "BROKEN event chain at position 1234: aggregate 00000000-0000-0000-0000-000000000007"
        " version 7 (altered: content does not match its seal)"
    )
