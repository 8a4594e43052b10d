"""The demo generator: deterministic per seed, every partner role takes part, it adds up."""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from pga.application import PgaApplication
from pga.demo import PARTNERS, DemoSummary, demo_application_options, generate, summarize
from pga.domain.catalogue import PartnerRole
from pga.domain.network import NetworkPartnerJoined
from pga.domain.trajectory import PartnerInvolved
from pga.recording import metadata_of
from pga.store.database import ensure_schema, eventsourcing_env
from tests.subject_keys import key_store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

Row = tuple[UUID, int, str, bytes]

SMALL = {"trajectories": 12, "networks": 3}
CASE_ROLES = set(PartnerRole) - {
    PartnerRole.AUDITOR,
    PartnerRole.BEHEERDER,
    PartnerRole.REGISSEUR,
    PartnerRole.PROCESREGISSEUR,
}


@pytest.fixture(scope="module")
def schemas(database_url: str) -> Iterator[Callable[[], str]]:
    """Yield a factory of fresh schemas; drop them all afterwards."""
    created: list[str] = []

    def create() -> str:
        name = f"t_{secrets.token_hex(6)}"
        ensure_schema(database_url, name)
        created.append(name)
        return name

    yield create
    with psycopg.connect(database_url, autocommit=True) as connection:
        for name in created:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
            )


def _generate(database_url: str, schema: str, seed: int, **size: int) -> DemoSummary:
    env = eventsourcing_env(database_url, schema)
    keys = key_store(database_url, schema)
    with PgaApplication(env, keys=keys, **demo_application_options(seed)) as app:
        return generate(app, seed=seed, **size)


def _rows(database_url: str, schema: str) -> list[Row]:
    query = sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM {} ORDER BY notification_id"
    ).format(sql.Identifier(schema, "pga_events"))
    with psycopg.connect(database_url) as connection:
        return [(row[0], row[1], row[2], bytes(row[3])) for row in connection.execute(query)]


@pytest.fixture(scope="module")
def seed_7(database_url: str, schemas: Callable[[], str]) -> tuple[str, DemoSummary]:
    """Generate the small data set with seed 7 once for the module: its schema and summary."""
    schema = schemas()
    return schema, _generate(database_url, schema, 7, **SMALL)


def test_the_same_seed_records_identical_event_streams(
    database_url: str, schemas: Callable[[], str], seed_7: tuple[str, DemoSummary]
) -> None:
    first, _ = seed_7
    second = schemas()
    _generate(database_url, second, 7, **SMALL)

    events = _events(database_url, first)
    assert events
    assert _events(database_url, second) == events
    # The stored bytes differ only where personal values are: each is encrypted under a data
    # key of its own process and a fresh nonce.
    assert [row[:3] for row in _rows(database_url, second)] == [
        row[:3] for row in _rows(database_url, first)
    ]


def _events(database_url: str, schema: str) -> list[tuple[object, ...]]:
    """Return every stored event decoded (personal values decrypted), with its metadata."""
    with PgaApplication(
        eventsourcing_env(database_url, schema), keys=key_store(database_url, schema)
    ) as app:
        return [
            (event, metadata_of(event))
            for row in _rows(database_url, schema)
            for event in [
                app.mapper.to_domain_event(
                    StoredEvent(
                        originator_id=row[0], originator_version=row[1], topic=row[2], state=row[3]
                    )
                )
            ]
        ]


def test_another_seed_records_other_ids_and_content(
    database_url: str, schemas: Callable[[], str], seed_7: tuple[str, DemoSummary]
) -> None:
    other = schemas()
    _generate(database_url, other, 8, **SMALL)

    seven, eight = _rows(database_url, seed_7[0]), _rows(database_url, other)
    assert {row[0] for row in seven}.isdisjoint({row[0] for row in eight})
    assert [row[3] for row in seven] != [row[3] for row in eight]


def test_the_recording_clock_only_moves_forward(
    database_url: str, seed_7: tuple[str, DemoSummary]
) -> None:
    times = [
        datetime.fromisoformat(json.loads(state)["data"]["timestamp"])
        for *_, state in _rows(database_url, seed_7[0])
    ]

    assert times == sorted(times)
    assert times[0].year == 2024
    assert times[-1].year == 2026


def test_the_summary_adds_up_and_equals_the_summary_of_what_is_stored(
    database_url: str, seed_7: tuple[str, DemoSummary]
) -> None:
    schema, summary = seed_7
    rows = _rows(database_url, schema)
    with PgaApplication(
        eventsourcing_env(database_url, schema), keys=key_store(database_url, schema)
    ) as app:
        stored = summarize(app)
        names = [
            name
            for trajectory in map(app.trajectory, app.trajectory_ids())
            for name in (trajectory.given_name, trajectory.family_name)
            if name is not None
        ]

    assert stored == summary
    assert summary.trajectory_count == sum(summary.trajectories.values()) == 12
    assert summary.network_count == sum(summary.networks.values()) == 3
    assert summary.events == len(rows)
    planned = sum(topic.endswith(":InterventionPlanned") for _, _, topic, _ in rows)
    assert sum(summary.interventions.values()) == planned
    assert summary.linked_trajectories <= summary.trajectory_count
    text = summary.format()
    assert "Trajecten: 12 (" in text
    assert f"Events opgeslagen: {len(rows)}" in text
    assert not [name for name in names if re.search(rf"\b{re.escape(name)}\b", text)]


@pytest.mark.slow
def test_every_case_role_takes_part_and_every_actor_is_a_demo_partner_user(
    database_url: str, schemas: Callable[[], str]
) -> None:
    schema = schemas()
    _generate(database_url, schema, 11, trajectories=40, networks=8)
    partners = {partner.organisation: partner for partner in PARTNERS}

    involved: set[PartnerRole] = set()
    with PgaApplication(
        eventsourcing_env(database_url, schema), keys=key_store(database_url, schema)
    ) as app:
        for aggregate_id in (*app.trajectory_ids(), *app.network_ids()):
            for entry in app.history(aggregate_id):
                assert entry.metadata is not None
                acting = partners[entry.metadata.organisation]
                assert entry.metadata.user in acting.users
                assert entry.metadata.role in acting.roles
                if isinstance(entry.event, PartnerInvolved | NetworkPartnerJoined):
                    involvement = entry.event.involvement
                    assert involvement.role in partners[involvement.organisation].roles
                    involved.add(involvement.role)

    assert involved == CASE_ROLES


def test_generate_refuses_an_application_without_the_demo_options(
    database_url: str, schemas: Callable[[], str]
) -> None:
    env = eventsourcing_env(database_url, schemas())
    with PgaApplication(env) as app, pytest.raises(ValueError, match="demo_application_options"):
        generate(app, seed=7)
    with (
        PgaApplication(env, **demo_application_options(7)) as app,
        pytest.raises(ValueError, match="same seed"),
    ):
        generate(app, seed=8)
