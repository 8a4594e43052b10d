"""The optimistic-concurrency race over real HTTP: of simultaneous commands, exactly one is stored.

A real uvicorn server (``server.running_server``) serves the app; 20 threads, each with its own
``httpx.Client`` and an already open connection, wait at a barrier and then send the same command
with the same ``If-Match``. Exactly one answers 200, the other 19 answer 412 problem+json naming
the new version, and the event store holds exactly one new event. The race is run for several
versions in a row.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.integration.api.conftest import REFERRAL, bearer
from tests.integration.api.server import running_server, stored_events, wait_until_ready

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pga.settings import Settings

CONTENDERS = 20
ROUNDS = 3
ARREST = {"arrestedOn": "2026-10-06", "offenceCategory": "straatroof", "policeReference": "PL-7"}


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with running_server(settings) as url:
        yield url


def race(base_url: str, path: str, headers: dict[str, str], etag: str) -> list[httpx.Response]:
    """Send the same command from ``CONTENDERS`` threads at the same moment."""
    barrier = threading.Barrier(CONTENDERS)

    def contend(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
            client.get("/health/live").raise_for_status()  # the connection is open before the start
            barrier.wait(timeout=30.0)
            return client.post(path, json=ARREST, headers={"If-Match": etag})

    with ThreadPoolExecutor(max_workers=CONTENDERS) as pool:
        return list(pool.map(contend, range(CONTENDERS)))


@pytest.mark.slow
def test_of_simultaneous_commands_on_one_version_exactly_one_is_stored(
    base_url: str, settings: Settings
) -> None:
    headers = bearer(settings)
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        wait_until_ready(client)
        referred = client.post("/api/v1/trajectories", json=REFERRAL)
        assert referred.status_code == 201, referred.text
        trajectory_id = referred.json()["id"]
        path = f"/api/v1/trajectories/{trajectory_id}/arrests"

        for version in range(1, ROUNDS + 1):
            responses = race(base_url, path, headers, f'"{version}"')
            statuses = sorted(response.status_code for response in responses)
            assert statuses == [200] + [412] * (CONTENDERS - 1), statuses
            winner = next(response for response in responses if response.status_code == 200)
            new = f'"{version + 1}"'
            assert winner.headers["etag"] == new
            assert winner.json()["version"] == version + 1
            for loser in (response for response in responses if response.status_code == 412):
                assert loser.headers["content-type"] == "application/problem+json"
                problem = loser.json()
                assert problem["status"] == 412
                assert problem["rule"] == "version-conflict"
                assert problem["title"]
                assert problem["detail"]
                assert loser.headers["etag"] == new

            current = client.get(f"/api/v1/trajectories/{trajectory_id}")
            assert current.status_code == 200, current.text
            assert current.headers["etag"] == new
            assert current.json()["version"] == version + 1
            assert stored_events(settings, trajectory_id) == version + 1
