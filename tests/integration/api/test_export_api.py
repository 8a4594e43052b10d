"""Inzage over HTTP: the regisseur downloads a youth's export; nobody else does.

Through the real ASGI app with real JWTs: the export as JSON and as HTML, both attachments no
cache may keep; a partner involved in the case is refused (403) and an unknown id is 404, both as
problem+json and both logged as refused looks; every export is logged naming the youth's ids,
and the next export lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from pga.domain.catalogue import PartnerRole
from tests.integration.api.conftest import bearer, is_problem
from tests.integration.api.partner_cases import involve
from tests.integration.api.test_access_log import entries
from tests.integration.api.test_trajectories import new_case

if TYPE_CHECKING:
    from litestar.testing import TestClient

    from pga.settings import Settings

API = "/api/v1/trajectories"
GIVEN_NAME = "Inzagemarkeer"
POLICE = "politie-midden-nederland"


def test_the_regisseur_downloads_the_export_as_json_and_it_is_logged(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur, givenName=GIVEN_NAME)
    subject_id = client.get(f"{API}/{case.id}", headers=regisseur).json()["subjectId"]
    response = client.get(f"{API}/{case.id}/export", headers=regisseur)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="inzage-{case.id}.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    export = response.json()
    assert export["subjectId"] == subject_id
    assert export["trajectoryIds"] == [case.id]
    assert export["trajectories"][0]["state"]["givenName"] == GIVEN_NAME
    logged = entries(settings)[-1]
    assert (logged["operation"], logged["status"], logged["role"]) == (
        "exportSubject",
        200,
        "regisseur",
    )
    assert set(logged["subjects"]) == {UUID(case.id), UUID(subject_id)}
    # The next export lists this one among the looks at the youth's data.
    again = client.get(f"{API}/{case.id}/export", headers=regisseur).json()
    assert "exportSubject" in [entry["operation"] for entry in again["accessLog"]]


def test_the_export_as_a_readable_document(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur, givenName=GIVEN_NAME)
    response = client.get(f"{API}/{case.id}/export?format=html", headers=regisseur)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"].endswith('.html"')
    assert response.headers["cache-control"] == "no-store"
    assert "<h1>Uw gegevens in het PGA-platform</h1>" in response.text
    assert GIVEN_NAME in response.text


def test_a_partner_is_refused_and_the_refusal_is_logged(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur, givenName=GIVEN_NAME)
    involve(case, POLICE, PartnerRole.POLITIE)
    police = bearer(settings, PartnerRole.POLITIE, organisation=POLICE, user="u-politie-01")
    response = client.get(f"{API}/{case.id}/export", headers=police)
    assert is_problem(response, 403)
    assert GIVEN_NAME not in response.text
    logged = entries(settings)[-1]
    assert (logged["operation"], logged["status"], logged["user_id"]) == (
        "exportSubject",
        403,
        "u-politie-01",
    )


def test_an_unknown_trajectory_or_format_is_a_problem_and_shows_nothing(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    unknown = uuid4()
    response = client.get(f"{API}/{unknown}/export", headers=regisseur)
    assert is_problem(response, 404)
    logged = entries(settings)[-1]
    assert (logged["operation"], logged["status"], logged["subjects"]) == (
        "exportSubject",
        404,
        [unknown],
    )
    case = new_case(client, regisseur, givenName=GIVEN_NAME)
    before = len(entries(settings))
    response = client.get(f"{API}/{case.id}/export?format=pdf", headers=regisseur)
    assert is_problem(response, 400)
    assert GIVEN_NAME not in response.text
    assert len(entries(settings)) == before


def test_after_erasure_the_export_works_by_either_id_and_shows_no_personal_value(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur, givenName=GIVEN_NAME)
    detail = client.get(f"{API}/{case.id}", headers=regisseur)
    subject_id = detail.json()["subjectId"]
    erased = client.post(
        f"{API}/{case.id}/erasure",
        json={"basis": "avg-17-verzoek", "reason": "verzoek van de jongere"},
        headers=regisseur | {"If-Match": detail.headers["etag"]},
    )
    assert erased.status_code == 200, erased.text
    for given in (subject_id, case.id):
        response = client.get(f"{API}/{given}/export", headers=regisseur)
        assert response.status_code == 200, response.text
        export = response.json()
        assert (export["subjectId"], export["trajectoryIds"]) == (subject_id, [case.id])
        referred, tombstone = export["trajectories"][0]["events"]
        assert tombstone["kind"] == "SubjectErased"
        assert referred["erasedFields"] == ["givenName", "familyName", "bornOn", "policeReference"]
        assert referred["data"]["bornOn"] is None
        assert referred["data"]["referredOn"] == "2026-10-05"
        assert GIVEN_NAME not in response.text
        assert "0001-01-01" not in response.text
        assert "eraseSubject" in [entry["operation"] for entry in export["accessLog"]]
        logged = entries(settings)[-1]
        assert (logged["operation"], logged["status"]) == ("exportSubject", 200)
        assert set(logged["subjects"]) == {UUID(case.id), UUID(subject_id)}
    page = client.get(f"{API}/{subject_id}/export?format=html", headers=regisseur)
    assert page.status_code == 200, page.text
    assert "<dt>geboortedatum</dt><dd>verwijderd</dd>" in page.text
    assert GIVEN_NAME not in page.text
