"""The hardened installation: an administrator owns what is appended, the service only appends.

``pga db init`` and ``pga db grant ROLE`` as the administrator, then the real API as ROLE with
``PGA_CREATE_TABLES=false``: it records, projects, serves and logs reads, and yet cannot
UPDATE, DELETE or TRUNCATE a stored event, seal, access-log entry or checkpoint, nor disable
their triggers or grant itself more.
"""

from __future__ import annotations

import argparse
import base64
import secrets
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from litestar.testing import TestClient
from psycopg import sql

from pga.api.app import asgi
from pga.audit.access_log import TABLE as ACCESS_LOG
from pga.audit.access_log import AccessLogMissing
from pga.audit.roles import APPEND_ONLY_TABLES, rewrite_powers
from pga.audit.verify import CHECKPOINTS_TABLE, verify_command
from pga.cli import main
from pga.settings import Settings
from pga.store.database import EVENTS_TABLE, SEALS_TABLE
from tests.integration.api.conftest import SECRET, bearer
from tests.integration.api.test_trajectories import new_case

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

API = "/api/v1"


def _as(url: str, role: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@pytest.fixture
def role(database_url: str) -> Iterator[str]:
    """Yield a login role without privileges of its own; drop it and what it owns afterwards."""
    name = f"pga_app_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(database_url, autocommit=True) as connection:
        database = urlsplit(database_url).path.lstrip("/")
        connection.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(
                sql.Identifier(database), sql.Identifier(name)
            )
        )
        connection.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    # Its grants in the key database (``pga db grant`` gives it the per-subject key store).
    with psycopg.connect(f"{database_url}_keys", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_the_service_runs_as_a_role_that_can_only_append(
    database_url: str, schema: str, role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGA_DATABASE_URL", database_url)
    monkeypatch.setenv("PGA_DATABASE_SCHEMA", schema)
    monkeypatch.setenv("PGA_DATA_DIR", str(tmp_path))
    assert main(["db", "init"]) == 0
    assert main(["db", "grant", role]) == 0

    settings = Settings(
        database_url=_as(database_url, role),
        database_schema=schema,
        data_dir=tmp_path,
        jwt_secret=SECRET,
        create_tables=False,
        api_wait_seconds=10.0,
    )
    with TestClient(asgi(settings), raise_server_exceptions=False) as client:
        case = new_case(client, bearer(settings))  # recorded, sealed, projected, logged
        detail = client.get(f"{API}/trajectories/{case.id}", headers=bearer(settings))
        assert detail.status_code == 200

    with psycopg.connect(settings.database_url or "", autocommit=True) as connection:
        logged = connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, ACCESS_LOG))
        ).fetchone()
        assert logged is not None
        assert logged[0] >= 2
        for statement in (
            "UPDATE {} SET topic = topic",
            "DELETE FROM {}",
            "TRUNCATE {}",
            "ALTER TABLE {} DISABLE TRIGGER USER",
            "ALTER TABLE {} OWNER TO CURRENT_USER",
        ):
            for table in (EVENTS_TABLE, SEALS_TABLE, ACCESS_LOG, CHECKPOINTS_TABLE):
                if "topic" in statement and table != EVENTS_TABLE:
                    continue
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    connection.execute(sql.SQL(statement).format(sql.Identifier(schema, table)))
        # Granting itself more grants nothing (PostgreSQL warns and carries on).
        connection.execute(
            sql.SQL("GRANT UPDATE, DELETE ON {} TO CURRENT_USER").format(
                sql.Identifier(schema, EVENTS_TABLE)
            )
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(
                sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, EVENTS_TABLE))
            )

        # So `pga serve` accepts this role on any address.
        assert rewrite_powers(connection, schema, creates=False) == []
        assert rewrite_powers(connection, f"{schema}_none", creates=True) == [
            f"it would create (and own) {schema}_none.{table}" for table in APPEND_ONLY_TABLES
        ]

    # And what it appended verifies, read models included (rebuilt in scratch schemas it owns).
    assert verify_command(argparse.Namespace(checkpoints=[], skip_read_models=False), settings) == 0


def test_serve_off_loopback_refuses_a_role_that_could_rewrite_the_history(
    database_url: str,
    schema: str,
    role: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PGA_DATABASE_URL", database_url)
    monkeypatch.setenv("PGA_DATABASE_SCHEMA", schema)
    monkeypatch.setenv("PGA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PGA_JWT_SECRET", SECRET)
    monkeypatch.setenv("PGA_MASTER_KEY", base64.urlsafe_b64encode(bytes(range(32))).decode())
    assert main(["serve", "--host", "192.0.2.10"]) == 2  # the test server's superuser
    assert "it is a superuser" in capsys.readouterr().err
    # A role that owns the tables it appends to (the default set-up) is refused too.
    assert main(["db", "init"]) == 0
    with psycopg.connect(database_url, autocommit=True) as connection:
        for table in APPEND_ONLY_TABLES:
            if table != "pga_checkpoints":
                connection.execute(
                    sql.SQL("ALTER TABLE {} OWNER TO {}").format(
                        sql.Identifier(schema, table), sql.Identifier(role)
                    )
                )
    monkeypatch.setenv("PGA_DATABASE_URL", _as(database_url, role))
    monkeypatch.setenv("PGA_CREATE_TABLES", "false")
    assert main(["serve", "--host", "192.0.2.10"]) == 2
    error = capsys.readouterr().err
    assert f"it owns {schema}.{EVENTS_TABLE}" in error
    assert "pga db init" in error
    assert "--allow-table-owner" in error


def test_without_the_access_log_the_service_does_not_start(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        jwt_secret=SECRET,
        create_tables=False,
    )
    app = asgi(replace(settings))
    # anyio may wrap it in an exception group: look inside.
    with pytest.raises(BaseException) as raised, TestClient(app):  # noqa: PT011
        pass
    assert _contains(raised.value, AccessLogMissing, "pga db init")


def _contains(error: BaseException, kind: type[BaseException], text: str) -> bool:
    if isinstance(error, kind):
        return text in str(error)
    if isinstance(error, BaseExceptionGroup):
        return any(_contains(inner, kind, text) for inner in error.exceptions)
    return False


def test_owning_the_schema_or_being_a_member_of_the_owner_counts_as_rewrite_power(
    database_url: str, schema: str, role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGA_DATABASE_URL", database_url)
    monkeypatch.setenv("PGA_DATABASE_SCHEMA", schema)
    monkeypatch.setenv("PGA_DATA_DIR", str(tmp_path))
    assert main(["db", "init"]) == 0
    assert main(["db", "grant", role]) == 0
    owner = f"{role}_owner"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(owner)))
        try:
            with psycopg.connect(_as(database_url, role), autocommit=True) as connection:
                assert rewrite_powers(connection, schema, creates=False) == []
                # The schema's owner may drop what is in it.
                admin.execute(
                    sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(
                        sql.Identifier(schema), sql.Identifier(role)
                    )
                )
                assert rewrite_powers(connection, schema, creates=False) == [
                    f"it owns the schema {schema}"
                ]
                admin.execute(
                    sql.SQL("ALTER SCHEMA {} OWNER TO postgres").format(sql.Identifier(schema))
                )
                # A member of the access log's owner, even without INHERIT (SET ROLE suffices).
                admin.execute(
                    sql.SQL("ALTER TABLE {} OWNER TO {}").format(
                        sql.Identifier(schema, ACCESS_LOG), sql.Identifier(owner)
                    )
                )
                admin.execute(sql.SQL("ALTER ROLE {} NOINHERIT").format(sql.Identifier(role)))
                admin.execute(
                    sql.SQL("GRANT {} TO {}").format(sql.Identifier(owner), sql.Identifier(role))
                )
                assert rewrite_powers(connection, schema, creates=False) == [
                    f"it owns {schema}.{ACCESS_LOG}"
                ]
        finally:
            admin.execute(
                sql.SQL("ALTER TABLE {} OWNER TO postgres").format(
                    sql.Identifier(schema, ACCESS_LOG)
                )
            )
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(owner)))
