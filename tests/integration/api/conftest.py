"""Fixtures for API tests: the real ASGI app on a fresh schema, real JWTs, the real runner.

``client`` is Litestar's ``TestClient`` over ``pga.api.app.asgi`` (the app as served, with the
trailing-slash wrapper), its lifespan started: the eventsourcing application, the read-model pool
and the projection runner thread all run, so read-your-writes works as in production.
``bearer(role, ...)`` signs a token through the same code path ``pga token`` uses.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import TestClient

from pga.api.app import asgi
from pga.api.auth import issue_token, verification_keys
from pga.domain.catalogue import PartnerRole
from pga.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from httpx import Response

SECRET = "test-secret-for-the-api-tests-0123456789"
MUNICIPALITY = "gemeente-almere"
REFERRAL: dict[str, Any] = {
    "givenName": "Testnaam",
    "familyName": "Synthetisch",
    "bornOn": "2011-03-04",
    "offenceCategory": "straatroof",
    "suspectedOn": "2026-10-01",
    "referredOn": "2026-10-05",
    "policeReference": "PL-TEST-0001",
    "referringOrganisation": "politie-midden-nederland",
    "regisseur": {"userId": "u-regie-01", "organisation": MUNICIPALITY},
}


@pytest.fixture
def settings(database_url: str, schema: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        jwt_secret=SECRET,
        api_wait_seconds=5.0,
        # Each response waits for its access-log entry, so tests can count entries at once;
        # tests/integration/api/test_access_log.py covers the deferred default as well.
        access_log_max_delay_ms=0,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(asgi(settings), raise_server_exceptions=False) as test_client:
        _wait_until_read_models_exist(test_client)
        yield test_client


def _wait_until_read_models_exist(client: TestClient[Any], timeout: float = 20.0) -> None:
    """Wait until the app's runner created every read model (ready), as a deployment would."""
    deadline = time.monotonic() + timeout
    while client.get("/health/ready").status_code != 200:
        if time.monotonic() > deadline:
            msg = "the read models were not created in time"
            raise TimeoutError(msg)
        time.sleep(0.02)


def bearer(
    settings: Settings,
    role: PartnerRole = PartnerRole.REGISSEUR,
    *,
    organisation: str = MUNICIPALITY,
    user: str = "u-regie-01",
    ttl: timedelta = timedelta(minutes=10),
) -> dict[str, str]:
    """Return an Authorization header with a token signed by the configured secret."""
    token = issue_token(
        verification_keys(settings), user=user, organisation=organisation, role=role, ttl=ttl
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def regisseur(settings: Settings) -> dict[str, str]:
    return bearer(settings)


def refer(client: TestClient[Any], headers: dict[str, str], **changes: Any) -> tuple[str, str]:  # noqa: ANN401
    """Refer a youth; return the new trajectory's id and ETag."""
    response = client.post("/api/v1/trajectories", json=REFERRAL | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["etag"]


def command(
    client: TestClient[Any],
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    etag: str,
    **extra: str,
) -> Response:
    """POST a command with ``If-Match: etag``."""
    return client.post(path, json=body, headers=headers | {"If-Match": etag} | extra)


def is_problem(response: Response, status: int) -> bool:
    """Whether ``response`` is an RFC 9457 problem with ``status`` and the required members."""
    body = response.json()
    return (
        response.status_code == status
        and response.headers["content-type"] == "application/problem+json"
        and body["status"] == status
        and bool(body["title"])
        and bool(body["detail"])
        and body["type"].startswith("urn:pga:problem:")
    )


__all__ = ["REFERRAL", "SECRET", "bearer", "command", "is_problem", "refer", "replace"]
