"""Removing a partner's involvement removes its access on the next request.

Need-to-know is read from the aggregate itself, so the partner's very next request after a
withdrawal (trajectory) or a removal (network) already sees only that it was involved
(``access: former``, no content), its own records at L0, and no command. The lists come from the
read model: ending an involvement answers only once the read model has processed it, so the list
no longer shows the case either. A partner that was never involved,
or is involved in another role, learns nothing: its 404 is the same problem as for an id that
does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import psycopg
import pytest
from litestar.testing import TestClient

from pga.api.app import asgi
from pga.domain.catalogue import PartnerRole
from projections.partner_views import Viewer, partner_timeline
from tests.integration.api.conftest import bearer, command, is_problem
from tests.integration.api.partner_cases import (
    as_partner,
    fresh_schema,
    involve,
    join,
    module_settings,
    network_body,
    network_url,
    organisation,
    partner,
)
from tests.integration.api.test_networks import (
    API,
    REPRESENTATION,
    Network,
    eventually,
    open_network,
    procesregisseur,
)
from tests.integration.api.test_trajectories import body_of, new_case, url

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from httpx import Response

    from pga.settings import Settings

POLITIE = PartnerRole.POLITIE
#: What a former partner's detail shows: that it was involved, in which role, since and until.
FORMER_KEYS = {"id", "access", "role", "involvedSince", "involvedUntil"}


@pytest.fixture(scope="module")
def schema(database_url: str) -> Iterator[str]:
    with fresh_schema(database_url) as name:
        yield name


@pytest.fixture(scope="module")
def settings(database_url: str, schema: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("partner-access")
    return module_settings(database_url, schema, data_dir)


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(asgi(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def read(client: TestClient[Any], path: str, headers: dict[str, str]) -> dict[str, Any]:
    """GET ``path``; it must answer 200."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listed_ids(client: TestClient[Any], collection: str, headers: dict[str, str]) -> list[str]:
    """Return the ids on the partner's list (``/trajectories`` or ``/networks``)."""
    return [item["id"] for item in read(client, f"{API}{collection}", headers)["items"]]


def assert_former_on_the_next_request(
    client: TestClient[Any],
    path: str,
    headers: dict[str, str],
    own_versions: list[int],
) -> None:
    """Check the detail shows only that it was involved, the timeline only its own at L0."""
    detail = read(client, path, headers)
    assert detail["access"] == "former"
    assert set(detail) <= FORMER_KEYS
    timeline = read(client, f"{path}/timeline", headers)
    assert [item["version"] for item in timeline["items"]] == own_versions
    for item in timeline["items"]:
        assert (item["own"], item["level"], item["details"]) == (True, "L0", {})
        assert "recordedByOrganisation" not in item


def test_a_withdrawn_partner_loses_a_trajectory_on_the_next_request(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    org = organisation(POLITIE, "teruggetrokken")
    headers = partner(settings, POLITIE, org)
    case = new_case(client, regisseur)
    involve(case, org, POLITIE)
    # Its own record; the representation waits for the partner views, so the reads see it.
    view = as_partner(case, headers, "recordArrest", represent=True)
    arrest = case.version
    path = f"{API}/trajectories/{case.id}"

    assert view["access"] == "involved"
    detail = read(client, path, headers)
    assert (detail["access"], detail["version"]) == ("involved", arrest)
    assert detail["referral"]["givenName"] == "Testnaam"  # politie sees the referral at L2
    assert detail["partners"] == [
        {
            "organisation": org,
            "role": "politie",
            "legalBasis": "convenant_pga",
            "since": "2026-10-06",
        }
    ]
    timeline = read(client, f"{path}/timeline", headers)
    assert [item["version"] for item in timeline["items"]] == [1, 2, arrest]
    mine = timeline["items"][-1]
    assert (mine["own"], mine["level"]) == (True, "L2")
    assert mine["details"]["police_reference"] == "PL-T-2"
    assert case.id in listed_ids(client, "/trajectories", headers)

    case.ok("withdrawPartner", organisation=org, withdrawnOn="2026-10-07")  # no Prefer: no wait

    assert_former_on_the_next_request(client, path, headers, [arrest])
    response = command(
        client, url(case.id, "recordArrest"), body_of("recordArrest"), headers, case.etag
    )
    assert is_problem(response, 404), response.text
    assert response.json()["rule"] == "not-found"
    # The withdrawal answered once the partner views had it: the list no longer shows the case.
    assert case.id not in listed_ids(client, "/trajectories", headers)
    detail = read(client, path, headers)
    assert detail == {
        "id": case.id,
        "access": "former",
        "role": "politie",
        "involvedSince": "2026-10-06",
        "involvedUntil": "2026-10-07",
    }
    assert_former_on_the_next_request(client, path, headers, [arrest])
    assert case.detail()["version"] == arrest + 1  # the refused command stored nothing


def test_a_removed_partner_loses_a_network_on_the_next_request(
    client: TestClient[Any], settings: Settings
) -> None:
    org = organisation(POLITIE, "vertrokken")
    headers = partner(settings, POLITIE, org)
    regie = procesregisseur(settings)
    network = Network(client, regie, open_network(client, regie)[0])
    join(network, org, POLITIE)
    path = f"{API}/networks/{network.id}"
    shared = command(
        client,
        network_url(network.id, "shareSignal"),
        network_body("shareSignal", sourceOrganisation=org),
        headers,
        network.etag,
        **REPRESENTATION,
    )
    assert shared.status_code == 200, shared.text
    assert shared.json()["access"] == "involved"
    network.etag = shared.headers["etag"]
    signal = network.version

    detail = read(client, path, headers)
    assert (detail["access"], detail["version"], detail["step"]) == ("involved", signal, "stap_1")
    assert detail["group"]["workingName"] == "Groep Stationsplein"
    timeline = read(client, f"{path}/timeline", headers)
    assert [item["version"] for item in timeline["items"]] == [1, 2, signal]
    assert timeline["items"][-1]["details"]["source_organisation"] == org
    assert network.id in listed_ids(client, "/networks", headers)

    network.do("/partner-removals", {"organisation": org, "leftOn": "2026-09-02"})

    assert_former_on_the_next_request(client, path, headers, [signal])
    response = command(
        client,
        network_url(network.id, "shareSignal"),
        network_body("shareSignal", sourceOrganisation=org),
        headers,
        network.etag,
    )
    assert is_problem(response, 404), response.text
    assert response.json()["rule"] == "not-found"
    assert network.id not in listed_ids(client, "/networks", headers)
    assert_former_on_the_next_request(client, path, headers, [signal])
    assert network.detail()["version"] == signal + 1


def test_a_lagging_read_model_answers_as_after_the_withdrawal(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    # The aggregate already says "withdrawn", the read model not yet: the read model's query
    # is asked with involved_now=False and must answer as after the withdrawal (own, at L0).
    org = organisation(POLITIE, "achterloop")
    headers = partner(settings, POLITIE, org)
    case = new_case(client, regisseur)
    involve(case, org, POLITIE)
    as_partner(case, headers, "recordArrest", represent=True)
    viewer = Viewer(organisation=org, role="politie")
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        pages = {
            involved_now: partner_timeline(
                connection,
                settings.database_schema,
                UUID(case.id),
                viewer,
                "trajectory",
                involved_now=involved_now,
            )
            for involved_now in (True, False)
        }
    now, former = pages[True], pages[False]
    assert now is not None
    assert former is not None
    assert [(item.version, item.level) for item in now.items] == [(1, "L2"), (2, "L1"), (3, "L2")]
    assert now.items[-1].own
    assert now.items[-1].recorded_by_organisation == org
    assert [(item.version, item.level) for item in former.items] == [(3, "L0")]
    assert former.items[0].details == {}
    assert former.items[0].own
    assert former.items[0].recorded_by_organisation is None


def not_found_body(response: Response) -> dict[str, Any]:
    """Return the problem of a 404 (the same for every id a partner may not know)."""
    assert is_problem(response, 404), response.text
    body: dict[str, Any] = response.json()
    assert body["rule"] == "not-found"
    return body


def test_a_partner_never_involved_learns_nothing(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    involve(case, organisation(POLITIE, "betrokken"), POLITIE)
    regie = procesregisseur(settings)
    network = Network(client, regie, open_network(client, regie)[0])
    join(network, organisation(POLITIE, "betrokken"), POLITIE)
    outsider = partner(settings, POLITIE, organisation(POLITIE, "buitenstaander"))

    def answers(collection: str, aggregate_id: str) -> list[dict[str, Any]]:
        return [
            not_found_body(
                client.get(f"{API}{collection}/{aggregate_id}{suffix}", headers=outsider)
            )
            for suffix in ("", "/timeline")
        ]

    unknown = str(uuid4())
    assert answers("/trajectories", case.id) == answers("/trajectories", unknown)
    assert answers("/networks", network.id) == answers("/networks", unknown)
    # Another kind's id (a network's id as a trajectory) answers the same too.
    assert answers("/trajectories", network.id) == answers("/trajectories", unknown)
    assert listed_ids(client, "/trajectories", outsider) == []
    assert listed_ids(client, "/networks", outsider) == []


def test_the_right_organisation_in_another_role_learns_nothing(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    org = organisation(POLITIE, "andere-rol")
    case = new_case(client, regisseur)
    involve(case, org, POLITIE)
    regie = procesregisseur(settings)
    network = Network(client, regie, open_network(client, regie)[0])
    join(network, org, POLITIE)
    involved = partner(settings, POLITIE, org)
    # In its own role it reads the trajectory once the partner views have its involvement.
    path = f"{API}/trajectories/{case.id}"
    seen = eventually(lambda: client.get(path, headers=involved), lambda r: r.status_code == 200)
    assert seen.json()["access"] == "involved"
    unknown = str(uuid4())

    # jeugdboa may share signals, politie may record arrests: as the wrong role, still 404.
    elsewhere = partner(settings, PartnerRole.JEUGDBOA, org)
    for collection, aggregate_id in (("/trajectories", case.id), ("/networks", network.id)):
        for suffix in ("", "/timeline"):
            mine = client.get(f"{API}{collection}/{aggregate_id}{suffix}", headers=elsewhere)
            other = client.get(f"{API}{collection}/{unknown}{suffix}", headers=elsewhere)
            assert not_found_body(mine) == not_found_body(other)
        assert listed_ids(client, collection, elsewhere) == []
    shared = command(
        client,
        network_url(network.id, "shareSignal"),
        network_body("shareSignal", sourceOrganisation=org),
        elsewhere,
        network.etag,
    )
    assert not_found_body(shared)
    arrested = command(
        client,
        url(case.id, "recordArrest"),
        body_of("recordArrest"),
        bearer(settings, PartnerRole.JEUGDBOA, organisation=org, user="u-boa"),
        case.etag,
    )
    assert is_problem(arrested, 403)  # jeugdboa may not record arrests at all
    assert case.detail()["version"] == case.version
    assert network.detail()["version"] == network.version
