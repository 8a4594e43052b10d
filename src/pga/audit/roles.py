"""Database roles for a hardened installation: an owner that creates, an application that appends.

By default the service creates its tables itself, so its database role owns them; the triggers on
the access log, the seals and the checkpoints refuse UPDATE, DELETE and TRUNCATE even then, but an
owner could drop a trigger. In production the tables belong to an administrator instead:

1. ``pga db init`` (as the administrator) creates the event store's schema and tables, the seal
   chain, the access log and the checkpoint table;
2. ``pga db grant ROLE`` (as the administrator) lets the application's role read and append there
   and nothing else, and lets it create its read models' schemas (which it owns: they are derived
   and rebuilt at will);
3. the service runs as ROLE with ``PGA_CREATE_TABLES=false``.

The application's role then cannot UPDATE, DELETE or TRUNCATE any stored event, seal, access-log
entry or checkpoint, nor drop their triggers, nor grant itself more. The one extra privilege is
TRUNCATE on the events table: the event store serialises writers with ``LOCK TABLE … IN EXCLUSIVE
MODE``, which PostgreSQL allows only with UPDATE, DELETE or TRUNCATE; a trigger refuses the
TRUNCATE itself.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from pga.application import open_application
from pga.audit.access_log import TABLE as ACCESS_LOG_TABLE
from pga.audit.access_log import create_access_log
from pga.audit.verify import CHECKPOINTS_TABLE, create_checkpoint_table
from pga.store.database import EVENTS_TABLE, SEALS_TABLE, resolve_database_url

if TYPE_CHECKING:
    from pga.settings import Settings

SNAPSHOTS_TABLE = "pga_snapshots"
_VERSION_16 = 160_000
#: The tables the application only reads and appends to.
APPEND_ONLY_TABLES = (
    EVENTS_TABLE,
    SNAPSHOTS_TABLE,
    SEALS_TABLE,
    ACCESS_LOG_TABLE,
    CHECKPOINTS_TABLE,
)


def initialise(settings: Settings) -> None:
    """Create every table the service appends to, owned by the role ``settings`` connects as."""
    application = open_application(replace(settings, create_tables=True))
    application.close()
    with psycopg.connect(resolve_database_url(settings), autocommit=True) as connection:
        create_access_log(connection, settings.database_schema)
        create_checkpoint_table(connection, settings.database_schema)
        _refuse_truncating_events(connection, settings.database_schema)


def grant_application_role(connection: psycopg.Connection[Any], schema: str, role: str) -> None:
    """Let ``role`` read and append to the tables of ``schema``, and create read-model schemas."""
    target = sql.Identifier(role)
    tables = sql.SQL(", ").join(sql.Identifier(schema, table) for table in APPEND_ONLY_TABLES)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), target),
        sql.SQL("REVOKE ALL ON {} FROM {}").format(tables, target),
        sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(tables, target),
        # LOCK TABLE … IN EXCLUSIVE MODE needs it; the trigger refuses the TRUNCATE itself.
        sql.SQL("GRANT TRUNCATE ON {} TO {}").format(sql.Identifier(schema, EVENTS_TABLE), target),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
            sql.Identifier(schema), target
        ),
        # Each read model lives in a schema of its own, created (and swapped) by the runner.
        sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
            sql.Identifier(_database(connection)), target
        ),
    ]
    with connection.transaction():
        _refuse_truncating_events(connection, schema)
        for statement in statements:
            connection.execute(statement)


def _refuse_truncating_events(connection: psycopg.Connection[Any], schema: str) -> None:
    """Add a trigger that refuses TRUNCATE on the events table (idempotent)."""
    refuse = sql.Identifier(schema, f"{EVENTS_TABLE}_refuse_truncate")
    connection.execute(
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'stored events are never truncated'"
            " USING ERRCODE = 'insufficient_privilege'; END $$"
        ).format(refuse=refuse)
    )
    connection.execute(
        sql.SQL(
            "CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON {events}"
            " FOR EACH STATEMENT EXECUTE FUNCTION {refuse}()"
        ).format(events=sql.Identifier(schema, EVENTS_TABLE), refuse=refuse)
    )


def _database(connection: psycopg.Connection[Any]) -> str:
    row = connection.execute("SELECT current_database()").fetchone()
    if row is None:  # pragma: no cover - PostgreSQL always answers
        msg = "no current database"
        raise RuntimeError(msg)
    return str(row[0])


def rewrite_powers(connection: psycopg.Connection[Any], schema: str, *, creates: bool) -> list[str]:
    """Return why the connected role could rewrite the stored history or the access log.

    Empty when it cannot. A role can when it is a superuser; when it may become the owner of
    one of the append-only tables, of the schema holding them (a schema's owner may drop what
    is in it) or of a function there (the triggers' and the access log's: replaced by a no-op,
    they let everything through) — membership counts even without INHERIT, since ``SET ROLE``
    suffices; when it may create roles on PostgreSQL 15 and older (it may then grant itself the
    owner's); and when it would create those tables itself (``creates``, ``PGA_CREATE_TABLES``).
    The triggers stop accidental rewrites whoever connects; these are the ways round them.
    """
    row = connection.execute(
        "SELECT rolsuper, rolcreaterole, current_setting('server_version_num')::int"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if row is not None and row[0]:
        return ["it is a superuser"]
    reasons = []
    if row is not None and row[1] and row[2] < _VERSION_16:
        reasons.append("it may create roles (and so grant itself the owner's, PostgreSQL ≤ 15)")
    owns_schema = connection.execute(
        "SELECT pg_has_role(current_user, nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = %s",
        (schema,),
    ).fetchone()
    if owns_schema is not None and owns_schema[0]:
        reasons.append(f"it owns the schema {schema}")
    existing = dict(
        connection.execute(
            "SELECT c.relname, pg_has_role(current_user, c.relowner, 'MEMBER')"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = ANY(%s)",
            (schema, list(APPEND_ONLY_TABLES)),
        ).fetchall()
    )
    reasons += [f"it owns {schema}.{table}" for table in APPEND_ONLY_TABLES if existing.get(table)]
    reasons += [
        f"it owns the function {schema}.{name}()"
        for (name,) in connection.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = %s AND pg_has_role(current_user, p.proowner, 'MEMBER')"
            " ORDER BY p.proname",
            (schema,),
        ).fetchall()
    ]
    if creates:
        reasons += [
            f"it would create (and own) {schema}.{table}"
            for table in APPEND_ONLY_TABLES
            if table not in existing
        ]
    return reasons
