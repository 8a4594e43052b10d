"""Deriving the event store's settings from a database URL, and keeping passwords out of sight."""

from __future__ import annotations

import socket

import pytest

from pga.store.database import (
    DatabaseUrlError,
    database_status,
    eventsourcing_env,
    redact_url,
    with_database,
)

PASSWORD = "s3cret-Pa55"


def test_a_tcp_url_gives_host_port_user_password_database_and_schema() -> None:
    env = eventsourcing_env(
        f"postgresql://pga:{PASSWORD}@db.example:6543/events", "pga", pool_size=7
    )

    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "events",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "pga",
        "POSTGRES_PASSWORD": PASSWORD,
        "POSTGRES_SCHEMA": "pga",
        "POSTGRES_POOL_SIZE": "7",
        "POSTGRES_MAX_OVERFLOW": "7",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "5",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "CREATE_TABLE": "y",
    }


def test_a_unix_socket_url_gives_the_socket_directory_as_host_and_the_default_port() -> None:
    env = eventsourcing_env("postgresql://postgres:@/pga?host=/var/lib/pga/postgres", "audit")

    assert env["POSTGRES_HOST"] == "/var/lib/pga/postgres"
    assert env["POSTGRES_PORT"] == "5432"
    assert env["POSTGRES_USER"] == "postgres"
    assert env["POSTGRES_PASSWORD"] == ""
    assert env["POSTGRES_DBNAME"] == "pga"
    assert env["POSTGRES_SCHEMA"] == "audit"


def test_the_database_defaults_to_the_user_name_as_in_libpq() -> None:
    assert eventsourcing_env("postgres://alice@127.0.0.1", "pga")["POSTGRES_DBNAME"] == "alice"


def test_a_url_with_parameters_the_store_cannot_carry_is_refused_without_quoting_it() -> None:
    with pytest.raises(DatabaseUrlError, match="sslmode") as raised:
        eventsourcing_env(f"postgresql://pga:{PASSWORD}@db.example/pga?sslmode=require", "pga")

    assert PASSWORD not in str(raised.value)


def test_a_url_without_host_is_refused() -> None:
    with pytest.raises(DatabaseUrlError, match="no host"):
        eventsourcing_env("postgresql:///pga", "pga")


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        (
            f"postgresql://pga:{PASSWORD}@db.example:5432/pga",
            "postgresql://pga:***@db.example:5432/pga",
        ),
        (
            f"postgresql://pga@db.example/pga?password={PASSWORD}&application_name=x",
            "postgresql://pga@db.example/pga?password=***&application_name=x",
        ),
        ("postgresql://postgres:@/pga?host=/tmp/x", "postgresql://postgres:@/pga?host=/tmp/x"),
        ("postgresql://127.0.0.1/pga", "postgresql://127.0.0.1/pga"),
    ],
)
def test_redact_url_masks_every_password_and_keeps_the_rest(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_with_database_swaps_only_the_database() -> None:
    assert (
        with_database("postgresql://postgres:@/postgres?host=/tmp/pg", "pga")
        == "postgresql://postgres:@/pga?host=/tmp/pg"
    )


def test_status_of_an_unreachable_server_says_so_without_the_password() -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://pga:{PASSWORD}@127.0.0.1:{port}/pga"

    status = database_status(url, "pga")

    assert not status.reachable
    assert status.error
    assert PASSWORD not in status.error
    assert status.url == f"postgresql://pga:***@127.0.0.1:{port}/pga"
