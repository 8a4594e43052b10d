"""The API's smallest round trip: refer, then a command with and without If-Match."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.integration.api.conftest import command, is_problem, refer

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
