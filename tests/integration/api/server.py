"""A real uvicorn server in a background thread, for tests and benchmarks that need real HTTP.

``running_server(settings)`` serves ``pga.api.app.asgi(settings)`` on a free 127.0.0.1 port with
its lifespan (the eventsourcing application, the read-model pool, the projection runner), waits
until ``/health/live`` answers and yields the base URL (``http://127.0.0.1:<port>``). On exit it
asks the server to stop (``should_exit``) and waits for the lifespan's shutdown.

The listening socket is bound before the server starts and handed to it, so no other process can
take the port in between. Only loopback is ever bound.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from pga.api.app import asgi

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pga.settings import Settings

LOOPBACK = "127.0.0.1"
#: How long the server may take to start (lifespan included) and to stop.
STARTUP_SECONDS = 30.0
SHUTDOWN_SECONDS = 30.0


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
            raise ServerError("the test server did not stop within %.0f s" % SHUTDOWN_SECONDS)  # noqa: UP031


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
