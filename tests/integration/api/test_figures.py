"""/api/v1/figures through the real app: the half-years, one half-year's figures, refusals."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from litestar.testing import TestClient

from pga.api.app import asgi
from pga.domain.catalogue import PartnerRole
from tests.integration.api.conftest import MUNICIPALITY, bearer, is_problem, refer, replace

if TYPE_CHECKING:
    from httpx import Response

    from pga.settings import Settings

API = "/api/v1"
NETWORK: dict[str, Any] = {
    "workingName": "Groep Haven",
    "area": "Almere Haven",
    "procesregisseur": "u-proces-01",
    "procesregisseurOrganisation": MUNICIPALITY,
    "openedOn": "2026-09-01",
}
SECOND_HALF_OF_2026 = {
    "period": "2026-H2",
    "year": 2026,
    "half": 2,
    "startsOn": "2026-07-01",
    "endsOn": "2026-12-31",
}


def periods(client: TestClient[Any], headers: dict[str, str], expected: int) -> Response:
    """GET /figures until it lists ``expected`` half-years.

    The read model is built in the background: 503 until its tables exist, then it catches up.
    """
    deadline = time.monotonic() + 5.0
    while True:
        response = client.get(f"{API}/figures", headers=headers)
        listed = response.status_code == 200 and response.json()["total"] == expected
        if listed or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def record_some(client: TestClient[Any], headers: dict[str, str]) -> None:
    """Record a referral (2026-10-05) and open a network (2026-09-01): both in 2026-H2."""
    refer(client, headers)
    response = client.post(f"{API}/networks", json=NETWORK, headers=headers)
    assert response.status_code == 201, response.text


def test_no_half_years_before_anything_is_recorded(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    response = periods(client, regisseur, 0)
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0}
    missing = client.get(f"{API}/figures/2026-H2", headers=regisseur)
    assert is_problem(missing, 404)
    assert missing.json()["rule"] == "no-figures"


def test_the_half_years_and_one_half_years_figures(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    record_some(client, regisseur)
    response = periods(client, regisseur, 1)
    assert response.status_code == 200
    assert response.json() == {"items": [SECOND_HALF_OF_2026], "total": 1}

    mayor = bearer(settings, PartnerRole.BURGEMEESTER, user="u-burgemeester")
    figures = client.get(f"{API}/figures/2026-H2", headers=mayor)
    assert figures.status_code == 200
    body = figures.json()
    assert (body["period"], body["startsOn"], body["endsOn"]) == (
        "2026-H2",
        "2026-07-01",
        "2026-12-31",
    )
    assert body["minimumCell"] == 5
    # One referral and one network: below the minimum cell, so suppressed (never shown as 0).
    assert body["trajectories"]["referrals"]["total"] == {"value": None, "suppressed": True}
    assert body["trajectories"]["activeAtStart"] == {"value": 0, "suppressed": False}
    assert body["networks"]["opened"] == {"value": None, "suppressed": True}
    assert {"started", "completed", "aborted"} <= set(body["interventions"])
    # The period id is case-insensitive in its H.
    assert client.get(f"{API}/figures/2026-h2", headers=mayor).json() == body
    # Outside the covered half-years there is nothing.
    for period in ("2026-H1", "2027-H1"):
        outside = client.get(f"{API}/figures/{period}", headers=mayor)
        assert is_problem(outside, 404), period


def test_the_configured_minimum_cell_is_used(settings: Settings) -> None:
    configured = replace(settings, figures_minimum_cell=1)  # 1: nothing is suppressed
    headers = bearer(configured)
    with TestClient(asgi(configured), raise_server_exceptions=False) as client:
        record_some(client, headers)
        assert periods(client, headers, 1).status_code == 200
        body = client.get(f"{API}/figures/2026-H2", headers=headers).json()
    assert body["minimumCell"] == 1
    assert body["trajectories"]["referrals"]["total"] == {"value": 1, "suppressed": False}
    assert body["networks"]["opened"] == {"value": 1, "suppressed": False}
    assert body["networks"]["openAtEnd"]["total"] == {"value": 1, "suppressed": False}


def test_a_malformed_period_is_400(client: TestClient[Any], regisseur: dict[str, str]) -> None:
    for period in ("2026-H3", "2026-H0", "2026", "26-H1", "0000-H1", "2026-1", "H1-2026"):
        response = client.get(f"{API}/figures/{period}", headers=regisseur)
        assert is_problem(response, 400), period
        body = response.json()
        # The documented pattern refuses most forms before the handler; year 0 passes the
        # pattern and is refused by the handler's own check.
        assert body["rule"] in {"invalid-input", "invalid-period"}, period
        assert [(each["name"], each["source"]) for each in body["invalidParams"]] == [
            ("period", "path")
        ]


def test_roles_without_figures_are_403(client: TestClient[Any], settings: Settings) -> None:
    police = bearer(settings, PartnerRole.POLITIE, organisation="politie-midden-nederland")
    elsewhere = bearer(settings, PartnerRole.BURGEMEESTER, organisation="gemeente-lelystad")
    for headers in (police, elsewhere):
        assert is_problem(client.get(f"{API}/figures", headers=headers), 403)
        assert is_problem(client.get(f"{API}/figures/2026-H2", headers=headers), 403)
    assert is_problem(client.get(f"{API}/figures"), 401)
    assert periods(client, bearer(settings), 0).status_code == 200
    for role in (PartnerRole.PROCESREGISSEUR, PartnerRole.BEHEERDER):
        allowed = client.get(f"{API}/figures/2026-H2", headers=bearer(settings, role))
        assert is_problem(allowed, 404)  # allowed, and nothing is recorded yet
