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
