"""The HTTP benchmark spreads a phase's connections evenly over a server's worker processes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import api

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists() or not hasattr(os, "fork"),
    reason="spreading reads /proc/net/tcp (Linux)",
)


def _worker(listener: socket.socket) -> None:  # pragma: no cover - runs in a child process
    """Accept connections on the shared socket and hold them, as a uvicorn worker would."""
    held = []
    while True:
        connection, _ = listener.accept()
        held.append(connection)


def _fork_worker(listener: socket.socket) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only accepts
        _worker(listener)
    return pid


def test_the_connections_end_up_evenly_on_the_workers_and_interleaved() -> None:
    listener = socket.socket()
    listener.bind((api.HOST, 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    workers = [_fork_worker(listener)]  # the worst case: one worker accepts every connection

    async def spread() -> tuple[list[int], list[int], int]:
        connections = [await api._HttpConnection.open(port) for _ in range(12)]  # noqa: SLF001
        # Polled: accepting is up to the worker.
        while 0 in (landed := api._accepted_by(port, connections, workers)):  # noqa: SLF001, ASYNC110
            await asyncio.sleep(0.005)
        workers.append(_fork_worker(listener))
        spread, replaced = await api._spread(port, connections, workers, 2)  # noqa: SLF001
        owners = api._accepted_by(port, spread, workers)  # noqa: SLF001
        for connection in spread:
            await connection.close()
        return landed, owners, replaced

    try:
        landed, owners, replaced = asyncio.run(spread())
    finally:
        listener.close()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert landed == [workers[0]] * 12
    assert Counter(owners) == dict.fromkeys(workers, 6)
    assert owners[0::2] == [owners[0]] * 6  # connection n is on worker n % 2
    assert owners[1::2] == [owners[1]] * 6
    assert owners[0] != owners[1]
    assert replaced >= 6
