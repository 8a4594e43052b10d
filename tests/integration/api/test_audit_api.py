"""/api/v1/audit over HTTP: the auditor's replay and the access log, with real tokens.

Only the ``auditor`` role gets in (of any organisation; the regie and partner roles get 403);
invalid input is a 400 problem, an unknown id or version a 404 problem; the BSN never appears;
the export is a download; and every audit read is itself in the access log.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from litestar.testing import TestClient

from pga.api.app import asgi
from pga.audit.history import REDACTED
from pga.domain.catalogue import PartnerRole
from tests.integration.api.conftest import MUNICIPALITY, bearer, is_problem
from tests.integration.api.test_trajectories import Case, new_case

if TYPE_CHECKING:
    from pga.settings import Settings

API = "/api/v1/audit"
BSN = "123456782"  # synthetic: passes the elfproef, belongs to no one
#: An audit office that is not a regie organisation.
AUDIT_OFFICE = "rekenkamer-almere"
AUDITOR_USER = "u-audit-01"


@pytest.fixture
def auditor(settings: Settings) -> dict[str, str]:
    return bearer(settings, PartnerRole.AUDITOR, organisation=AUDIT_OFFICE, user=AUDITOR_USER)


@pytest.fixture
def case(client: TestClient[Any], settings: Settings) -> Case:
    """Record a trajectory up to version 4: referred, BSN, a partner, a correction of the BSN."""
    case = new_case(client, bearer(settings))
    case.ok("recordBsn", bsn=BSN)
    case.ok(
        "involvePartner",
        organisation="halt-flevoland",
        role="halt",
        legalBasis="convenant_pga",
        since="2026-10-06",
    )
    case.ok("recordCorrection", correctsVersion=2)
    return case


def get(client: TestClient[Any], path: str, headers: dict[str, str], **params: Any) -> Any:  # noqa: ANN401
    """GET ``API + path``; it must be 200 and hold no BSN. Return its JSON."""
    response = client.get(API + path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert BSN not in response.text
    return response.json()


def test_the_auditor_reads_the_events_with_metadata_and_corrections(
    client: TestClient[Any], case: Case, auditor: dict[str, str]
) -> None:
    page = get(client, f"/aggregates/{case.id}/events", auditor)
    assert (page["aggregateId"], page["kind"], page["total"]) == (case.id, "trajectory", 4)
    kinds = [item["kind"] for item in page["items"]]
    assert kinds == ["Referred", "BsnRecorded", "PartnerInvolved", "CorrectionRecorded"]
    bsn = page["items"][1]
    assert bsn["data"] == {"bsn": REDACTED}
    assert bsn["correctedBy"] == [4]
    assert page["items"][3]["data"]["correctsVersion"] == 2
    metadata = page["items"][0]["metadata"]
    assert (metadata["user"], metadata["organisation"], metadata["role"]) == (
        "u-regie-01",
        MUNICIPALITY,
        "regisseur",
    )
    assert set(metadata) == {
        "user",
        "organisation",
        "role",
        "onBehalfOf",
        "reason",
        "correlationId",
    }
    second = get(client, f"/aggregates/{case.id}/events", auditor, page=2, pageSize=3)
    assert (second["page"], second["pageSize"], second["total"]) == (2, 3, 4)
    assert second["subjects"] == page["subjects"] == [case.detail()["subjectId"]]
    assert [item["version"] for item in second["items"]] == [4]


def test_the_state_at_a_version_and_at_a_time(
    client: TestClient[Any], case: Case, auditor: dict[str, str]
) -> None:
    path = f"/aggregates/{case.id}/state"
    first = get(client, path, auditor, version=1)
    assert (first["version"], first["kind"], first["state"]["bsn"]) == (1, "trajectory", None)
    assert first["state"]["status"] == "aangemeld"
    second = get(client, path, auditor, version=2)
    assert second["state"]["bsn"] == REDACTED
    assert second["state"]["corrections"] == 0
    at = get(client, path, auditor, at=second["recordedAt"])
    assert (at["version"], at["state"]) == (2, second["state"])
    latest = get(client, path, auditor, version=4)
    assert latest["state"]["corrections"] == 1
    assert list(latest["state"]["partners"]) == ["halt-flevoland"]


def test_the_diff_between_two_versions(
    client: TestClient[Any], case: Case, auditor: dict[str, str]
) -> None:
    difference = get(client, f"/aggregates/{case.id}/diff", auditor, **{"from": 1, "to": 4})
    assert (difference["fromVersion"], difference["toVersion"]) == (1, 4)
    changes = {change["path"]: change for change in difference["changes"]}
    assert changes["/bsn"] == {"path": "/bsn", "op": "changed", "before": None, "after": REDACTED}
    assert changes["/partners/halt-flevoland"]["op"] == "added"
    assert (changes["/corrections"]["before"], changes["/corrections"]["after"]) == (0, 1)
    assert [event["version"] for event in difference["events"]] == [2, 3, 4]


def test_the_export_is_a_json_download_of_everything(
    client: TestClient[Any], case: Case, auditor: dict[str, str]
) -> None:
    response = client.get(f"{API}/aggregates/{case.id}/export", headers=auditor)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="{case.id}.json"'
    assert response.headers["content-type"].startswith("application/json")
    assert BSN not in response.text
    export = response.json()
    assert (export["aggregateId"], export["version"], len(export["events"])) == (case.id, 4, 4)
    assert export["state"]["corrections"] == 1
    assert export["exportedAt"]


#: Invalid input per operation: path below the aggregate, query, the problem's rule.
INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("state", {}, "version-or-at"),
    ("state", {"version": 1, "at": "2026-10-05T12:00:00Z"}, "version-or-at"),
    ("state", {"version": 0}, "invalid-input"),
    ("state", {"version": "twee"}, "invalid-input"),
    ("state", {"at": "gisteren"}, "invalid-input"),
    ("state", {"at": "2026-10-05T12:00:00"}, "invalid-query"),  # no time zone
    ("state", {"at": "9999-12-31T23:30:00-01:00"}, "invalid-query"),  # after 9999 in UTC
    ("diff", {"from": 3, "to": 3}, "invalid-version-range"),
    ("diff", {"from": 4, "to": 2}, "invalid-version-range"),
    ("diff", {"from": 1}, "invalid-input"),
    ("events", {"pageSize": 0}, "invalid-input"),
]
#: A version or moment the aggregate does not have.
ABSENT: list[tuple[str, dict[str, Any], str]] = [
    ("state", {"version": 5}, "unknown-version"),
    ("state", {"at": "2000-01-01T00:00:00Z"}, "not-yet-recorded"),
    ("diff", {"from": 1, "to": 5}, "unknown-version"),
]


def test_invalid_input_is_a_400_problem_and_what_is_absent_a_404_problem(
    client: TestClient[Any], case: Case, auditor: dict[str, str]
) -> None:
    for status, cases in ((400, INVALID), (404, ABSENT)):
        for path, params, rule in cases:
            response = client.get(
                f"{API}/aggregates/{case.id}/{path}", params=params, headers=auditor
            )
            assert is_problem(response, status), (path, params, response.text)
            assert response.json()["rule"] == rule, (path, params)
    for path, params in [
        ("events", {}),
        ("state", {"version": 1}),
        ("diff", {"from": 1, "to": 2}),
        ("export", {}),
    ]:
        response = client.get(f"{API}/aggregates/{uuid4()}/{path}", params=params, headers=auditor)
        assert is_problem(response, 404), (path, response.text)


def test_every_other_role_is_refused(
    client: TestClient[Any], settings: Settings, case: Case
) -> None:
    roles = [
        (PartnerRole.REGISSEUR, MUNICIPALITY),
        (PartnerRole.PROCESREGISSEUR, MUNICIPALITY),
        (PartnerRole.BEHEERDER, MUNICIPALITY),
        (PartnerRole.POLITIE, "politie-midden-nederland"),
        (PartnerRole.HALT, "halt-flevoland"),
    ]
    for role, organisation in roles:
        headers = bearer(settings, role, organisation=organisation, user="u-other-01")
        for path in (
            f"/aggregates/{case.id}/events",
            f"/aggregates/{case.id}/state?version=1",
            f"/aggregates/{case.id}/diff?from=1&to=2",
            f"/aggregates/{case.id}/export",
            f"/access-log?subject={case.id}",
        ):
            response = client.get(API + path, headers=headers)
            assert is_problem(response, 403), (role, path, response.text)
            assert BSN not in response.text


def test_auditors_of_other_organisations_can_be_kept_out(
    settings: Settings, case: Case, auditor: dict[str, str]
) -> None:
    limited = replace(settings, audit_organisations=(AUDIT_OFFICE,))
    other = bearer(limited, PartnerRole.AUDITOR, organisation="politie-midden-nederland")
    with TestClient(asgi(limited), raise_server_exceptions=False) as client:
        assert client.get(f"{API}/aggregates/{case.id}/events", headers=auditor).status_code == 200
        response = client.get(f"{API}/aggregates/{case.id}/events", headers=other)
        assert is_problem(response, 403)
        assert BSN not in response.text


def test_without_a_token_it_is_401(client: TestClient[Any], case: Case) -> None:
    response = client.get(f"{API}/aggregates/{case.id}/events")
    assert is_problem(response, 401)


def test_the_access_log_by_subject_and_by_user(
    client: TestClient[Any], case: Case, auditor: dict[str, str]
) -> None:
    detail = case.detail()  # the regisseur looks at the trajectory
    get(client, f"/aggregates/{case.id}/events", auditor)  # the auditor looks at its history
    # By any of the youth's ids: the trajectory's or the subject's.
    for subject in (case.id, detail["subjectId"]):
        log = get(client, "/access-log", auditor, subject=subject)
        looks = [(item["user"], item["operation"]) for item in log["items"]]
        assert ("u-regie-01", "getTrajectory") in looks
        assert (AUDITOR_USER, "listAuditEvents") in looks
        assert log["total"] == len(log["items"])
    audit_entry = next(
        item
        for item in get(client, "/access-log", auditor, user=AUDITOR_USER)["items"]
        if item["operation"] == "listAuditEvents"
    )
    assert (audit_entry["role"], audit_entry["organisation"], audit_entry["status"]) == (
        "auditor",
        AUDIT_OFFICE,
        200,
    )
    assert audit_entry["purpose"] == "verantwoording"
    assert {case.id, detail["subjectId"]} <= set(audit_entry["subjects"])
    # By user, within a period: since is inclusive, until exclusive.
    by_user = get(client, "/access-log", auditor, user=AUDITOR_USER)
    assert {item["user"] for item in by_user["items"]} == {AUDITOR_USER}
    moment = by_user["items"][0]["occurredAt"]
    assert get(client, "/access-log", auditor, user=AUDITOR_USER, until=moment)["total"] == 0
    since = get(client, "/access-log", auditor, user=AUDITOR_USER, since=moment)
    assert since["items"][0]["occurredAt"] == moment
    paged = get(client, "/access-log", auditor, user=AUDITOR_USER, pageSize=1, page=2)
    assert (paged["page"], paged["pageSize"], len(paged["items"])) == (2, 1, 1)


def test_an_access_log_query_without_a_filter_or_with_a_bad_period_is_400(
    client: TestClient[Any], auditor: dict[str, str]
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "subject-or-user"),
        ({"since": "2026-10-05T12:00:00Z"}, "subject-or-user"),
        ({"subject": "geen-id"}, "invalid-input"),
        ({"user": AUDITOR_USER, "since": "2026-10-05T12:00:00"}, "invalid-query"),
        (
            {
                "user": AUDITOR_USER,
                "since": "2026-10-05T12:00:00Z",
                "until": "2026-10-05T12:00:00Z",
            },
            "invalid-query",
        ),
    ]
    for params, rule in cases:
        response = client.get(f"{API}/access-log", params=params, headers=auditor)
        assert is_problem(response, 400), (params, response.text)
        assert response.json()["rule"] == rule, params


def test_every_audit_read_is_logged_with_what_it_showed(
    client: TestClient[Any], case: Case, auditor: dict[str, str]
) -> None:
    detail = case.detail()
    moment = quote(get(client, f"/aggregates/{case.id}/state", auditor, version=2)["recordedAt"])
    client.get(f"{API}/aggregates/{case.id}/state?at={moment}", headers=auditor)
    get(client, f"/aggregates/{case.id}/diff", auditor, **{"from": 1, "to": 3})
    get(client, f"/aggregates/{case.id}/export", auditor)
    client.get(f"{API}/aggregates/{case.id}/state?version=9", headers=auditor)  # 404: logged too
    log = get(client, "/access-log", auditor, user=AUDITOR_USER)
    operations = [(item["operation"], item["status"]) for item in log["items"]]
    assert operations == [
        ("getAuditState", 200),
        ("getAuditState", 200),
        ("getAuditDiff", 200),
        ("exportAuditHistory", 200),
        ("getAuditState", 404),
    ]
    for item in log["items"][:4]:
        assert {case.id, detail["subjectId"]} <= set(item["subjects"]), item["operation"]
    assert UUID(log["items"][-1]["subjects"][0]) == UUID(case.id)
