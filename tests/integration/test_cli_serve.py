"""``pga serve`` as a person starts it: a real process, real HTTP, one Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

PGA = Path(sys.executable).parent / "pga"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(
    database_url: str, schema: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PGA_JWT")
    } | {
        "PGA_DATABASE_URL": database_url,
        "PGA_DATABASE_SCHEMA": schema,
        "PGA_DATA_DIR": str(tmp_path),
        "PGA_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: S603 - our own entry point
        [str(PGA), "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("pga serve did not answer /health/live")
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_prints_tokens_serves_the_docs_and_stops_on_one_signal(
    served: tuple[subprocess.Popen[str], str], stop: signal.Signals
) -> None:
    process, base = served

    docs = httpx.get(f"{base}/api/v1/docs", timeout=5)
    document = httpx.get(f"{base}/api/v1/openapi.json", timeout=5)
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert document.json()["servers"] == [{"url": "/api/v1", "description": "Deze server"}]

    process.send_signal(stop)
    output, _ = process.communicate(timeout=30)

    assert process.returncode == 0
    token_lines = [line.split() for line in output.splitlines() if line.startswith("  ")]
    roles = {line[0] for line in token_lines}
    assert {"regisseur", "procesregisseur", "politie", "auditor"} <= roles
    regisseur_token = next(line[2] for line in token_lines if line[0] == "regisseur")
    assert regisseur_token.count(".") == 2
    assert "Traceback" not in output


def test_a_printed_token_opens_the_caseload(served: tuple[subprocess.Popen[str], str]) -> None:
    process, base = served
    assert process.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("  regisseur ") for line in lines):
        lines.append(process.stdout.readline())
    token = next(line.split()[2] for line in lines if line.startswith("  regisseur "))

    deadline = time.monotonic() + 20
    while True:
        response = httpx.get(
            f"{base}/api/v1/trajectories",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        if response.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # the runner builds the read models right after start

    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert response.headers["api-version"] == "1.0.0"
