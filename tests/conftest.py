"""Shared fixtures: a fresh PostgreSQL database per test run and a fresh schema per test.

``PGA_TEST_DATABASE_URL`` names a server to create the run's database on (CI's PostgreSQL);
without it the run starts a temporary embedded server and deletes it afterwards. The per-subject
data keys live in a second database, the run's ``<database>_keys`` (as in production: never in
the event store's), dropped with it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from hypothesis import Phase, settings
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from pga.store.database import create_database, drop_database, ensure_schema, with_database
from pga.store.embedded import temporary_embedded
from pga.store.keys import MasterKey
from pga.store.subject_keys import KEYS_DATABASE_SUFFIX, SubjectKeyStore
from tests.subject_keys import TEST_MASTER_KEY

if TYPE_CHECKING:
    from collections.abc import Iterator

# Hypothesis: no "explain" phase (it traces every line of a failing example and can take minutes
# on a state machine); CI runs derandomized, so a red CI run is reproducible and never flaky,
# while local runs keep exploring new examples.
_PHASES = tuple(phase for phase in Phase if phase is not Phase.explain)
settings.register_profile("dev", phases=_PHASES)
settings.register_profile("ci", phases=_PHASES, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

TEST_SERVER_URL = "PGA_TEST_DATABASE_URL"
_INTEGRATION_TESTS = Path(__file__).parent / "integration"
_DATABASE_FIXTURES = frozenset({"database_url", "schema"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration/, or using the database, as an integration test."""
    for item in items:
        uses_database = bool(_DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        if item.path.is_relative_to(_INTEGRATION_TESTS) or uses_database:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Yield the URL of a database created for this test run, and drop it afterwards."""
    configured = os.environ.get(TEST_SERVER_URL, "").strip()
    if configured:
        yield from _fresh_database(configured)
    else:
        with temporary_embedded() as server_url:
            yield from _fresh_database(server_url)


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    """Yield the name of a schema created for this test; drop it and its read models' afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    ensure_schema(database_url, name)
    yield name
    with psycopg.connect(database_url, autocommit=True) as connection:
        # The read models' schemas are named after the application's: <schema>_<read model>.
        names = [
            row[0]
            for row in connection.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s",
                (name, f"{name}\\_%"),
            )
        ]
        for each in names:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(each)))


@pytest.fixture(scope="session")
def keys_database_url(database_url: str) -> str:
    """Return the URL of the run's key database (created here; dropped with the run's)."""
    name = conninfo_to_dict(database_url)["dbname"]
    keys_database = f"{name}{KEYS_DATABASE_SUFFIX}"
    create_database(database_url, keys_database, exist_ok=True)
    return with_database(database_url, keys_database)


@pytest.fixture
def subject_keys(keys_database_url: str, schema: str) -> Iterator[SubjectKeyStore]:
    """Yield a key store in the key database, in a schema named like the test's event store."""
    keys = SubjectKeyStore(keys_database_url, schema, MasterKey(TEST_MASTER_KEY))
    yield keys
    keys.close()


def _fresh_database(server_url: str) -> Iterator[str]:
    name = f"pga_test_{secrets.token_hex(4)}"
    create_database(server_url, name)
    try:
        yield with_database(server_url, name)
    finally:
        drop_database(server_url, name)
        # The key database the run (or an application it opened) created beside it.
        drop_database(server_url, f"{name}{KEYS_DATABASE_SUFFIX}")
