"""The API's smallest round trip: refer, then a command with and without If-Match."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.integration.api.conftest import REFERRAL, command, is_problem, refer
from tests.integration.api.server import wait_until_ready

if TYPE_CHECKING:
    from litestar.testing import TestClient


def test_refer_then_record_an_arrest_with_if_match(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    assert etag == '"1"'
    path = f"/api/v1/trajectories/{trajectory_id}/arrests"
    body = {"arrestedOn": "2026-10-02", "offenceCategory": "straatroof", "policeReference": "PL-2"}
    assert is_problem(client.post(path, json=body, headers=regisseur), 428)
    response = command(client, path, body, regisseur, etag)
    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    assert is_problem(command(client, path, body, regisseur, etag), 412)


def test_bodies_are_decoded_strictly_and_the_refused_field_is_named(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    path = f"/api/v1/trajectories/{trajectory_id}/life-domain-scores"
    body = {"lifeDomain": "school", "score": "2", "instrument": "zrm", "scoredOn": "2026-10-06"}

    text_for_number = command(client, path, body, regisseur, etag)
    unknown_field = command(client, path, body | {"score": 2, "extra": 1}, regisseur, etag)
    not_json = client.post(
        path,
        content=b"{not json",
        headers=regisseur | {"If-Match": etag, "Content-Type": "application/json"},
    )

    assert is_problem(text_for_number, 400)
    assert text_for_number.json()["invalidParams"][0]["name"] == "score"
    assert is_problem(unknown_field, 400)
    assert "extra" in unknown_field.json()["detail"]
    assert is_problem(not_json, 400)
    assert not_json.json()["rule"] == "invalid-json"
    assert (
        client.get(f"/api/v1/trajectories/{trajectory_id}", headers=regisseur).headers["etag"]
        == etag
    )


def test_control_characters_are_refused_before_they_reach_the_store(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    wait_until_ready(client)
    nul_in_name = client.post(
        "/api/v1/trajectories", json=REFERRAL | {"familyName": "Jansen\u0000"}, headers=regisseur
    )
    nul_in_query = client.get("/api/v1/trajectories?regisseur=a%00b", headers=regisseur)

    assert is_problem(nul_in_name, 400)
    assert nul_in_name.json()["rule"] == "invalid-value"
    assert "Jansen" not in nul_in_name.text
    assert is_problem(nul_in_query, 400)
    assert client.get("/api/v1/trajectories", headers=regisseur).json()["total"] == 0


def test_a_body_that_is_not_utf_8_is_400_and_an_odd_request_id_is_ignored(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    latin1 = client.post(
        "/api/v1/trajectories",
        content='{"givenName": "Jos\xe9"}'.encode("latin-1"),
        headers=regisseur | {"Content-Type": "application/json"},
    )
    odd_id = client.post(
        "/api/v1/trajectories",
        json=REFERRAL,
        headers=regisseur | {"X-Request-ID": "-" * 32},
    )

    assert is_problem(latin1, 400)
    assert latin1.json()["rule"] == "invalid-json"
    assert odd_id.status_code == 201
