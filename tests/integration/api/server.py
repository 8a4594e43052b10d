"""A real uvicorn server in a background thread, for tests and benchmarks that need real HTTP.

Also the helpers API tests share: a schema of their own for a whole module (``fresh_schema``),
waiting for the read models (``wait_until_ready``) and counting stored events (``stored_events``).

``running_server(settings)`` serves ``pga.api.app.asgi(settings)`` on a free 127.0.0.1 port with
its lifespan (the eventsourcing application, the read-model pool, the projection runner), waits
until ``/health/live`` answers and yields the base URL (``http://127.0.0.1:<port>``). On exit it
asks the server to stop (``should_exit``) and waits for the lifespan's shutdown.

The listening socket is bound before the server starts and handed to it, so no other process can
take the port in between. Only loopback is ever bound.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import psycopg
import uvicorn
from psycopg import sql

from pga.api.app import asgi
from pga.store.database import EVENTS_TABLE, ensure_schema

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pga.settings import Settings

LOOPBACK = "127.0.0.1"
#: How long the server may take to start (lifespan included) and to stop.
STARTUP_SECONDS = 30.0
SHUTDOWN_SECONDS = 30.0
#: How long the read models may take to be built after a start (``/health/ready``).
READY_SECONDS = 10.0


class _Answer(Protocol):
    @property
    def status_code(self) -> int: ...


class _Getter(Protocol):
    def get(self, url: str) -> _Answer: ...


class ServerError(RuntimeError):
    """The server did not start, or did not stop, in time."""


def _loopback_socket() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


@contextmanager
def running_server(settings: Settings, **options: Any) -> Iterator[str]:  # noqa: ANN401
    """Serve the API for ``settings`` (``options`` go to ``asgi``); yield its base URL."""
    listener = _loopback_socket()
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        asgi(settings, **options),
        host=LOOPBACK,
        port=port,
        lifespan="on",
        log_config=None,  # leave the test run's logging alone
        access_log=False,
        timeout_graceful_shutdown=int(SHUTDOWN_SECONDS),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="pga-test-server", daemon=True
    )
    thread.start()
    base_url = f"http://{LOOPBACK}:{port}"
    try:
        _wait_until_live(base_url, server, thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_SECONDS)
        listener.close()
    if thread.is_alive():
        msg = f"the test server did not stop within {SHUTDOWN_SECONDS:.0f} s"
        raise ServerError(msg)


def _wait_until_live(base_url: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not thread.is_alive():
                msg = "the test server stopped during startup (see the log for the lifespan error)"
                raise ServerError(msg)
            if server.started:
                try:
                    if client.get("/health/live").status_code == httpx.codes.OK:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
    server.should_exit = True
    msg = f"the test server did not answer /health/live within {STARTUP_SECONDS:.0f} s"
    raise ServerError(msg)


def wait_until_ready(client: _Getter, seconds: float = READY_SECONDS) -> None:
    """Wait until ``/health/ready`` answers 200: every read model is built and caught up.

    ``client`` is a ``TestClient`` or an ``httpx.Client`` with the server's base URL.
    """
    deadline = time.monotonic() + seconds
    while client.get("/health/ready").status_code != httpx.codes.OK:
        if time.monotonic() > deadline:
            msg = f"/health/ready did not answer 200 within {seconds:.0f} s"
            raise ServerError(msg)
        time.sleep(0.05)


@contextmanager
def fresh_schema(database_url: str, prefix: str = "t") -> Iterator[str]:
    """Create a schema for a module's (or a benchmark's) app; drop it and its read models after.

    The ``schema`` fixture is per test; an app started once for a whole module needs this.
    """
    name = f"{prefix}_{secrets.token_hex(6)}"
    ensure_schema(database_url, name)
    try:
        yield name
    finally:
        drop_schemas(database_url, name)


def drop_schemas(database_url: str, name: str) -> None:
    """Drop the schema ``name`` and its read models' schemas (``<name>_<read model>``)."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s",
                (name, f"{name}\\_%"),
            )
        ]
        for each in names:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(each)))


def stored_events(settings: Settings, aggregate_id: str) -> int:
    """Count the events stored for ``aggregate_id``, straight from the event store's table."""
    assert settings.database_url is not None
    table = sql.Identifier(settings.database_schema, EVENTS_TABLE)
    query = sql.SQL("SELECT count(*) FROM {} WHERE originator_id = %s").format(table)
    with psycopg.connect(settings.database_url) as connection:
        row = connection.execute(query, (aggregate_id,)).fetchone()
    assert row is not None
    count: int = row[0]
    return count
