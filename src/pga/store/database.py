"""Which PostgreSQL database pga uses, and how the event store is configured to use it."""

from __future__ import annotations

import contextlib
import getpass
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow

from pga.store.embedded import start_embedded

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pga.settings import Settings

_log = logging.getLogger(__name__)

Connection = psycopg.Connection[TupleRow]

EMBEDDED_DATABASE = "pga"
"""The database pga creates in its embedded server."""

APPLICATION_TABLE_PREFIX = "pga"
"""The event store's table prefix: the lowercased name of pga's eventsourcing Application."""

EVENTS_TABLE = f"{APPLICATION_TABLE_PREFIX}_events"
SEALS_TABLE = f"{APPLICATION_TABLE_PREFIX}_seals"

_CONNECT_TIMEOUT_SECONDS = 10
_REDACTED = "***"
# Connection parameters the eventsourcing library's PostgreSQL settings can carry.
_SUPPORTED_PARAMETERS = frozenset({"host", "port", "dbname", "user", "password"})


class DatabaseUrlError(ValueError):
    """A database URL pga cannot use; the message never quotes the URL (it may hold a password)."""


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    """What ``pga db status`` reports: reachability, server version and what the store holds."""

    url: str
    """The URL with its password replaced by ``***``."""
    schema: str
    reachable: bool
    server_version: str | None = None
    error: str | None = None
    total_events: int = 0
    events_by_kind: Mapping[str, int] = field(default_factory=dict)
    """Stored events per module of their topic, e.g. ``pga.domain.trajectory``."""
    snapshots: int = 0


def resolve_database_url(settings: Settings) -> str:
    """Return the configured database URL, or start the embedded server and return its ``pga``."""
    if settings.database_url is not None:
        return settings.database_url
    server_url = start_embedded(settings.data_dir)
    create_database(server_url, EMBEDDED_DATABASE, exist_ok=True)
    return with_database(server_url, EMBEDDED_DATABASE)


def with_database(url: str, database: str) -> str:
    """Return ``url`` pointing at another database on the same server, as the same user."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def create_database(server_url: str, database: str, *, exist_ok: bool = False) -> None:
    """Create ``database`` on the server ``server_url`` connects to."""
    with _connect(server_url) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is not None and exist_ok:
            return
        try:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        except (errors.DuplicateDatabase, errors.UniqueViolation):
            # Another process created it between the check and here (two workers starting at
            # once): DuplicateDatabase, or a unique violation on the catalogue when the two
            # CREATE DATABASE statements overlap.
            if not exist_ok:
                raise
            return
    _log.info("created database %s", database)


def drop_database(server_url: str, database: str) -> None:
    """Drop ``database`` (if it exists), ending any sessions still connected to it."""
    with _connect(server_url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def ensure_schema(url: str, schema: str) -> None:
    """Create ``schema`` in the database ``url`` names, unless it exists."""
    # Another process may create it concurrently: IF NOT EXISTS is not atomic.
    with _connect(url) as connection, contextlib.suppress(errors.UniqueViolation):
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def eventsourcing_env(url: str, schema: str, *, pool_size: int = 5) -> dict[str, str]:
    """Return the eventsourcing library's environment for its PostgreSQL store at ``url``.

    A Unix-socket URL (``postgresql://user:@/db?host=/socket/dir``) gives the socket directory
    as the host. Missing user and database default as in libpq (the OS user; the user's name).
    """
    try:
        parameters = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        msg = "the database URL is not a valid PostgreSQL connection URL"
        raise DatabaseUrlError(msg) from None
    unsupported = sorted(set(parameters) - _SUPPORTED_PARAMETERS)
    if unsupported:
        # Dropping e.g. sslmode silently would weaken the connection; refuse instead.
        msg = f"the database URL sets parameters pga cannot pass on: {', '.join(unsupported)}"
        raise DatabaseUrlError(msg)
    host = _text(parameters.get("host"))
    if not host:
        msg = "the database URL names no host (or socket directory)"
        raise DatabaseUrlError(msg)
    user = _text(parameters.get("user")) or getpass.getuser()
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": _text(parameters.get("dbname")) or user,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": _text(parameters.get("port")) or "5432",
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": _text(parameters.get("password")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "5",
        # Never y in eventsourcing 9.5: its insert function skips events for tailing readers,
        # bypasses tracking and ignores table names (eventsourcing-notes.md section 1.12).
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "CREATE_TABLE": "y",
    }


def redact_url(url: str) -> str:
    """Return ``url`` with any password (in the user info or the query) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable database URL>"
    netloc = parts.netloc
    user_info, at, host = netloc.rpartition("@")
    user, colon, password = user_info.partition(":")
    if at and colon and password:
        netloc = f"{user}:{_REDACTED}@{host}"
    query = "&".join(
        f"password={_REDACTED}" if item.partition("=")[0] == "password" else item
        for item in parts.query.split("&")
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def database_status(
    url: str, schema: str, *, table_prefix: str = APPLICATION_TABLE_PREFIX
) -> DatabaseStatus:
    """Report the server's version and what the event store in ``schema`` at ``url`` holds.

    Tables that do not exist yet count as empty; an unreachable server is reported, not raised.
    """
    redacted = redact_url(url)
    try:
        with _connect(url) as connection:
            version_row = connection.execute("SHOW server_version").fetchone()
            events_by_kind = _count_by_kind(connection, schema, f"{table_prefix}_events")
            snapshots = _count(connection, schema, f"{table_prefix}_snapshots")
    except psycopg.Error as error:
        return DatabaseStatus(
            url=redacted, schema=schema, reachable=False, error=_describe(error, url)
        )
    return DatabaseStatus(
        url=redacted,
        schema=schema,
        reachable=True,
        server_version=None if version_row is None else str(version_row[0]),
        total_events=sum(events_by_kind.values()),
        events_by_kind=events_by_kind,
        snapshots=snapshots,
    )


def _connect(url: str) -> Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_SECONDS)
    except psycopg.ProgrammingError:
        msg = "the database URL is not a valid PostgreSQL connection URL"
        raise DatabaseUrlError(msg) from None


def _table_exists(connection: Connection, schema: str, table: str) -> bool:
    row = connection.execute(
        "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL", (schema, table)
    ).fetchone()
    return row is not None and row[0] is True


def _count(connection: Connection, schema: str, table: str) -> int:
    if not _table_exists(connection, schema, table):
        return 0
    row = connection.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
    ).fetchone()
    return 0 if row is None else _integer(row[0])


def _count_by_kind(connection: Connection, schema: str, table: str) -> dict[str, int]:
    if not _table_exists(connection, schema, table):
        return {}
    # Topics look like "pga.domain.trajectory:Trajectory.Referred": the module names the kind.
    rows = connection.execute(
        sql.SQL(
            "SELECT split_part(topic, ':', 1) AS kind, count(*) FROM {} GROUP BY kind ORDER BY kind"
        ).format(sql.Identifier(schema, table))
    ).fetchall()
    return {str(kind): _integer(count) for kind, count in rows}


def _integer(value: object) -> int:
    if not isinstance(value, int):
        msg = f"expected an integer from PostgreSQL, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _text(value: str | int | None) -> str:
    return "" if value is None else str(value)


def _describe(error: psycopg.Error, url: str) -> str:
    """Return the first line of a driver error, with the URL's password (if any) masked."""
    lines = str(error).strip().splitlines()
    message = lines[0] if lines else type(error).__name__
    try:
        password = _text(conninfo_to_dict(url).get("password"))
    except psycopg.ProgrammingError:
        password = ""
    return message.replace(password, _REDACTED) if password else message
