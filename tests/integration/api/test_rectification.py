"""Rectification over HTTP: every view shows the corrected value; the auditor sees both.

A youth is referred with a misspelt given name and a wrong date of birth, police (L2 of the
referral) and school (L1: a pseudonym and an age band) are involved, and the regisseur corrects
both fields. The regisseur's detail, caseload and timeline show the corrected values (the
timeline marks the referral corrected); the partners' documents and timelines show only the
corrected values (the age band moves with the date of birth) and never what was wrong; the
auditor's history shows the referral as recorded and the correction, and the state before and
after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pga.domain.catalogue import PartnerRole
from tests.integration.api.conftest import bearer, command, is_problem, refer
from tests.integration.api.test_networks import eventually
from tests.integration.api.test_trajectories import wait_for_timeline

if TYPE_CHECKING:
    from litestar.testing import TestClient

    from pga.settings import Settings

API = "/api/v1"
POLICE = "politie-midden-nederland"
SCHOOL = "school-de-synthese"
WRONG_NAME = "Tesnaam"  # the misspelling as referred
RIGHT_NAME = "Testnaam"
WHAT_WAS_WRONG = "Voornaam verkeerd gespeld door de verwijzer"
#: Born 2011-03-04, 15 on the referral date (2026-10-05); in truth born 2010-03-04, 16.
CORRECTION = {
    "correctsVersion": 1,
    "why": "Verzoek om correctie van de jongere",
    "whatWasWrong": WHAT_WAS_WRONG,
    "correctedFields": [
        {"field": "givenName", "value": RIGHT_NAME},
        {"field": "bornOn", "value": "2010-03-04"},
    ],
}


def involve(
    client: TestClient[Any], headers: dict[str, str], trajectory: str, etag: str, **who: str
) -> str:
    body = {"legalBasis": "convenant_pga", "since": "2026-10-05", **who}
    response = command(client, f"{API}/trajectories/{trajectory}/partners", body, headers, etag)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


@pytest.fixture
def corrected(client: TestClient[Any], regisseur: dict[str, str]) -> str:
    """Return a trajectory referred wrongly, with police and school involved, then corrected."""
    trajectory_id, etag = refer(client, regisseur, givenName=WRONG_NAME)
    etag = involve(client, regisseur, trajectory_id, etag, organisation=POLICE, role="politie")
    etag = involve(client, regisseur, trajectory_id, etag, organisation=SCHOOL, role="school")
    response = command(
        client, f"{API}/trajectories/{trajectory_id}/corrections", CORRECTION, regisseur, etag
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"4"'
    return trajectory_id


def test_the_regisseur_sees_the_corrected_values_everywhere(
    client: TestClient[Any], regisseur: dict[str, str], corrected: str
) -> None:
    detail = client.get(f"{API}/trajectories/{corrected}", headers=regisseur).json()
    assert (detail["givenName"], detail["bornOn"]) == (RIGHT_NAME, "2010-03-04")
    assert detail["counts"]["corrections"] == 1
    assert detail["informationLetter"]["recipients"] == "jongere"  # 16 on the referral date

    caseload = eventually(
        lambda: client.get(f"{API}/trajectories", headers=regisseur).json(),
        lambda page: page["items"][0]["givenName"] == RIGHT_NAME,
    )
    (row,) = caseload["items"]
    assert (row["givenName"], row["bornOn"], row["turns18On"]) == (
        RIGHT_NAME,
        "2010-03-04",
        "2028-03-04",
    )

    timeline = wait_for_timeline(client, regisseur, corrected, 4)
    referral, correction = timeline["items"][0], timeline["items"][3]
    assert referral["details"]["given_name"] == RIGHT_NAME
    assert referral["details"]["born_on"] == "2010-03-04"
    assert referral["correctedBy"] == [4]
    assert correction["correctsVersion"] == 1
    assert correction["summary"].startswith("Correctie op versie 1 (voornaam, geboortedatum)")
    assert WRONG_NAME not in str(referral)


@pytest.mark.parametrize(
    ("role", "organisation", "age_band", "named"),
    [(PartnerRole.POLITIE, POLICE, "16-17", True), (PartnerRole.SCHOOL, SCHOOL, "16-17", False)],
)
def test_a_partner_sees_only_the_corrected_values(
    client: TestClient[Any],
    settings: Settings,
    corrected: str,
    role: PartnerRole,
    organisation: str,
    age_band: str,
    named: bool,  # noqa: FBT001
) -> None:
    headers = bearer(settings, role, organisation=organisation, user=f"u-{organisation}")

    view = eventually(
        lambda: client.get(f"{API}/trajectories/{corrected}", headers=headers).json(),
        lambda found: found.get("version") == 4,
    )
    timeline = client.get(f"{API}/trajectories/{corrected}/timeline", headers=headers).json()

    referral = view["referral"]
    assert referral["ageBand"] == age_band  # 15 as referred: the band moved with the correction
    if named:
        assert (referral["givenName"], referral["bornOn"]) == (RIGHT_NAME, "2010-03-04")
        assert timeline["items"][0]["details"]["given_name"] == RIGHT_NAME
    else:
        assert "givenName" not in referral
        assert "bornOn" not in referral
    assert timeline["items"][0]["details"]["age_band"] == age_band
    for shown in (str(view), str(timeline)):
        assert WRONG_NAME not in shown
        assert WHAT_WAS_WRONG not in shown
        assert "2011-03-04" not in shown
    correction = timeline["items"][-1]
    assert correction["kind"] == "CorrectionRecorded"
    assert correction["details"] == {}  # L1: that a correction exists, not what it says


def test_the_auditor_sees_the_original_and_the_correction(
    client: TestClient[Any], settings: Settings, corrected: str
) -> None:
    auditor = bearer(settings, PartnerRole.AUDITOR, user="u-auditor")
    base = f"{API}/audit/aggregates/{corrected}"

    events = client.get(f"{base}/events", headers=auditor).json()["items"]
    before = client.get(f"{base}/state", params={"version": 3}, headers=auditor).json()
    after = client.get(f"{base}/state", params={"version": 4}, headers=auditor).json()

    referral, correction = events[0], events[3]
    assert (referral["data"]["givenName"], referral["data"]["bornOn"]) == (WRONG_NAME, "2011-03-04")
    assert referral["correctedBy"] == [4]
    assert correction["data"]["whatWasWrong"] == WHAT_WAS_WRONG
    assert correction["data"]["correctedFields"] == [
        {"field": "given_name", "value": RIGHT_NAME},
        {"field": "born_on", "value": "2010-03-04"},
    ]
    assert (before["state"]["givenName"], before["state"]["bornOn"]) == (WRONG_NAME, "2011-03-04")
    assert (after["state"]["givenName"], after["state"]["bornOn"]) == (RIGHT_NAME, "2010-03-04")


def test_a_partner_involved_after_the_correction_never_sees_the_wrong_value(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur, givenName=WRONG_NAME)
    response = command(
        client, f"{API}/trajectories/{trajectory_id}/corrections", CORRECTION, regisseur, etag
    )
    assert response.status_code == 200, response.text
    involve(
        client,
        regisseur,
        trajectory_id,
        response.headers["etag"],
        organisation=POLICE,
        role="politie",
    )
    police = bearer(settings, PartnerRole.POLITIE, organisation=POLICE, user="u-politie")

    view = client.get(f"{API}/trajectories/{trajectory_id}", headers=police).json()

    assert view["referral"]["givenName"] == RIGHT_NAME
    assert WRONG_NAME not in str(view)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"correctedFields": [{"field": "subjectId", "value": "x"}]}, "invalid-input"),
        ({"correctedFields": [{"field": "bornOn", "value": "4 maart 2010"}]}, "invalid-value"),
        ({"correctedFields": [{"field": "bornOn", "value": "2026-10-02"}]}, "date-order"),
        ({"correctsVersion": 2}, "invalid-value"),  # not the referral
        ({"correctedFields": None, "whatWasWrong": None}, "invalid-value"),  # says nothing
        ({"correctedFields": []}, "invalid-input"),
    ],
)
def test_a_correction_that_does_not_fit_is_a_400_and_changes_nothing(
    client: TestClient[Any], regisseur: dict[str, str], change: dict[str, Any], rule: str
) -> None:
    trajectory_id, etag = refer(client, regisseur, givenName=WRONG_NAME)
    etag = involve(client, regisseur, trajectory_id, etag, organisation=POLICE, role="politie")

    response = command(
        client,
        f"{API}/trajectories/{trajectory_id}/corrections",
        CORRECTION | change,
        regisseur,
        etag,
    )

    assert is_problem(response, 400), response.text
    assert response.json()["rule"] == rule
    assert RIGHT_NAME not in response.text
    detail = client.get(f"{API}/trajectories/{trajectory_id}", headers=regisseur)
    assert detail.headers["etag"] == etag
    assert detail.json()["givenName"] == WRONG_NAME


def test_a_free_text_correction_still_records_and_changes_no_value(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    body = {
        "correctsVersion": 1,
        "whatWasWrong": "Verkeerde verwijzende organisatie",
        "correction": "Het was de wijkagent van Haven",
        "why": "Typefout",
    }

    response = command(
        client, f"{API}/trajectories/{trajectory_id}/corrections", body, regisseur, etag
    )

    assert response.status_code == 200, response.text
    detail = client.get(f"{API}/trajectories/{trajectory_id}", headers=regisseur).json()
    assert detail["counts"]["corrections"] == 1
    assert detail["givenName"] == "Testnaam"
