"""Rights requests over HTTP: deadlines, the one extension, completion, open and overdue lists.

The app runs on an application whose clock the tests set (``Clock``): "today" for the list's
``overdue`` and the recording day for "not in the future" both come from it, so a request
turns overdue when the clock passes its deadline, not when the wall clock does.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from litestar.testing import TestClient

from pga.api.app import asgi
from pga.application import open_application
from pga.domain.catalogue import PartnerRole
from pga.rights.requests import requests_command
from tests.integration.api.conftest import bearer, command, is_problem, refer
from tests.integration.api.test_trajectories import wait_for_timeline

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pga.settings import Settings

API = "/api/v1"
REQUESTS = f"{API}/rights-requests"
POLICE = "politie-midden-nederland"


class Clock:
    """A clock the test moves (UTC)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        """Return the moment the test set."""
        return self.moment

    def set_day(self, day: date) -> None:
        """Move the clock to ``day``, mid-morning."""
        self.moment = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 2, 10, tzinfo=UTC))


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient[Any]]:
    with (
        open_application(settings, clock_source=clock) as application,
        TestClient(asgi(settings, application=application), raise_server_exceptions=False) as test,
    ):
        while test.get("/health/ready").status_code != 200:  # the runner creates the read models
            time.sleep(0.02)
        yield test


def receive(
    client: TestClient[Any],
    headers: dict[str, str],
    trajectory: tuple[str, str],
    received_on: str,
    kind: str = "inzage",
    requester: str = "ouder_of_voogd",
) -> tuple[str, str]:
    """Record a request; return its id and the trajectory's new ETag."""
    trajectory_id, etag = trajectory
    response = command(
        client,
        f"{API}/trajectories/{trajectory_id}/rights-requests",
        {"kind": kind, "requester": requester, "receivedOn": received_on},
        headers,
        etag,
    )
    assert response.status_code == 200, response.text
    return response.json()["entityId"], response.headers["etag"]


def listed(client: TestClient[Any], headers: dict[str, str], **query: str) -> dict[str, Any]:
    response = client.get(REQUESTS, params=query, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_a_request_is_due_a_calendar_month_after_receipt_and_listed_as_open(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    request_id, etag = receive(client, regisseur, (trajectory_id, etag), "2026-10-31")

    page = listed(client, regisseur, status="open")
    assert page["total"] == 1
    assert page["items"] == [
        {
            "requestId": request_id,
            "trajectoryId": trajectory_id,
            "kind": "inzage",
            "requester": "ouder_of_voogd",
            "receivedOn": "2026-10-31",
            "dueOn": "2026-11-30",  # October 31st: November has no 31st
            "extended": False,
            "completedOn": None,
            "outcome": None,
            "overdue": False,
        }
    ]
    assert listed(client, regisseur, status="completed")["total"] == 0
    timeline = wait_for_timeline(client, regisseur, trajectory_id, 2)
    assert timeline["items"][1]["summary"] == (
        "Verzoek om inzage van een ouder of voogd; af te handelen uiterlijk 30-11-2026"
    )


def test_a_request_turns_overdue_when_the_clock_passes_its_deadline(
    client: TestClient[Any], regisseur: dict[str, str], clock: Clock
) -> None:
    trajectory = refer(client, regisseur)
    early, etag = receive(client, regisseur, trajectory, "2026-10-06")  # due 2026-11-06
    late, _ = receive(client, regisseur, (trajectory[0], etag), "2026-10-20", kind="correctie")

    assert listed(client, regisseur, status="overdue")["total"] == 0
    clock.set_day(date(2026, 11, 6))
    assert listed(client, regisseur, status="overdue")["total"] == 0  # due today is not late
    clock.set_day(date(2026, 11, 7))
    overdue = listed(client, regisseur, status="overdue")
    assert [item["requestId"] for item in overdue["items"]] == [early]
    assert overdue["items"][0]["overdue"] is True
    every_open = listed(client, regisseur, status="open")
    assert [item["requestId"] for item in every_open["items"]] == [early, late]  # by due date
    assert [item["overdue"] for item in every_open["items"]] == [True, False]
    assert [i["requestId"] for i in listed(client, regisseur, kind="correctie")["items"]] == [late]


def test_an_extension_moves_the_deadline_two_months_once_and_completion_closes_it(
    client: TestClient[Any], regisseur: dict[str, str], clock: Clock
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    request_id, etag = receive(client, regisseur, (trajectory_id, etag), "2026-10-06")
    base = f"{API}/trajectories/{trajectory_id}/rights-requests/{request_id}"
    extension = {"extendedOn": "2026-11-01", "why": "Veel stukken bij de partners"}

    response = command(client, f"{base}/extension", extension, regisseur, etag)
    assert response.status_code == 200, response.text
    etag = response.headers["etag"]
    clock.set_day(date(2026, 11, 20))
    (item,) = listed(client, regisseur, status="open")["items"]
    assert (item["dueOn"], item["extended"], item["overdue"]) == ("2027-01-06", True, False)

    again = command(client, f"{base}/extension", extension, regisseur, etag)
    assert is_problem(again, 409)
    assert again.json()["rule"] == "rights-request-already-extended"

    completion = {"completedOn": "2026-11-20", "outcome": "partly", "note": "Deels via politie"}
    response = command(client, f"{base}/completion", completion, regisseur, etag)
    assert response.status_code == 200, response.text
    etag = response.headers["etag"]
    (done,) = listed(client, regisseur, status="completed")["items"]
    assert (done["completedOn"], done["outcome"]) == ("2026-11-20", "partly")
    assert listed(client, regisseur, status="open")["total"] == 0

    twice = command(client, f"{base}/completion", completion, regisseur, etag)
    assert is_problem(twice, 409)
    assert twice.json()["rule"] == "rights-request-completed"
    late = command(client, f"{base}/extension", extension, regisseur, etag)
    assert late.json()["rule"] == "rights-request-completed"


def test_a_closed_trajectory_accepts_rights_requests(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    closure = {"closedOn": "2026-10-20", "reasonCode": "doelen_behaald"}
    response = command(
        client, f"{API}/trajectories/{trajectory_id}/closure", closure, regisseur, etag
    )
    assert response.status_code == 200, response.text

    request_id, _ = receive(
        client, regisseur, (trajectory_id, response.headers["etag"]), "2026-10-25", "verwijdering"
    )

    assert listed(client, regisseur, kind="verwijdering")["items"][0]["requestId"] == request_id


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "klacht", "requester": "jongere", "receivedOn": "2026-10-20"},
        {"kind": "inzage", "requester": "Testnaam Synthetisch", "receivedOn": "2026-10-20"},
        {"kind": "inzage", "requester": "jongere", "receivedOn": "2026-12-20"},  # the future
        {"kind": "inzage", "requester": "jongere", "receivedOn": "2026-10-01"},  # before referral
        {"kind": "inzage", "requester": "jongere", "receivedOn": "2026-10-20", "name": "x"},
    ],
)
def test_a_bad_request_is_a_400_problem_and_changes_nothing(
    client: TestClient[Any], regisseur: dict[str, str], body: dict[str, Any]
) -> None:
    trajectory_id, etag = refer(client, regisseur)

    response = command(
        client, f"{API}/trajectories/{trajectory_id}/rights-requests", body, regisseur, etag
    )

    assert is_problem(response, 400), response.text
    assert "Testnaam" not in response.text
    detail = client.get(f"{API}/trajectories/{trajectory_id}", headers=regisseur)
    assert detail.headers["etag"] == etag
    assert listed(client, regisseur)["total"] == 0


def test_an_unknown_request_or_query_is_refused(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    unknown = f"{API}/trajectories/{trajectory_id}/rights-requests/{trajectory_id}/completion"

    response = command(
        client, unknown, {"completedOn": "2026-10-20", "outcome": "granted"}, regisseur, etag
    )
    assert is_problem(response, 404)  # an id in the path that names nothing
    assert response.json()["rule"] == "unknown-reference"
    assert is_problem(client.get(REQUESTS, params={"status": "late"}, headers=regisseur), 400)
    stale = command(
        client,
        f"{API}/trajectories/{trajectory_id}/rights-requests",
        {"kind": "inzage", "requester": "jongere", "receivedOn": "2026-10-20"},
        regisseur,
        '"7"',
    )
    assert stale.status_code == 412


def test_partners_and_the_auditor_neither_see_nor_record_rights_requests(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    involvement = {
        "organisation": POLICE,
        "role": "politie",
        "legalBasis": "convenant_pga",
        "since": "2026-10-05",
    }
    response = command(
        client, f"{API}/trajectories/{trajectory_id}/partners", involvement, regisseur, etag
    )
    assert response.status_code == 200, response.text
    request_id, etag = receive(
        client, regisseur, (trajectory_id, response.headers["etag"]), "2026-10-20"
    )
    police = bearer(settings, PartnerRole.POLITIE, organisation=POLICE, user="u-politie")
    auditor = bearer(settings, PartnerRole.AUDITOR, user="u-auditor")

    assert client.get(REQUESTS, headers=police).status_code == 403
    assert client.get(REQUESTS, headers=auditor).status_code == 403
    refused = command(
        client,
        f"{API}/trajectories/{trajectory_id}/rights-requests/{request_id}/completion",
        {"completedOn": "2026-10-21", "outcome": "granted"},
        police,
        etag,
    )
    assert refused.status_code == 403
    timeline = client.get(f"{API}/trajectories/{trajectory_id}/timeline", headers=police).json()
    assert not any(item["kind"].startswith("RightsRequest") for item in timeline["items"])


def test_every_listing_is_access_logged_with_the_trajectories_it_shows(
    client: TestClient[Any], regisseur: dict[str, str], settings: Settings
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    receive(client, regisseur, (trajectory_id, etag), "2026-10-20")

    listed(client, regisseur)

    with psycopg.connect(settings.database_url or "", autocommit=True) as connection:
        rows = connection.execute(
            f'SELECT subjects, purpose FROM "{settings.database_schema}".pga_access_log'  # noqa: S608
            " WHERE operation = 'listRightsRequests'"
        ).fetchall()
    assert [(list(map(str, subjects)), purpose) for subjects, purpose in rows] == [
        ([trajectory_id], "regie")
    ]


def test_the_command_line_lists_open_and_overdue_requests_without_names(
    client: TestClient[Any],
    regisseur: dict[str, str],
    clock: Clock,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    overdue_id, etag = receive(client, regisseur, (trajectory_id, etag), "2026-10-06")
    clock.moment = datetime.now(UTC)  # the command line judges by the wall clock
    today = clock.moment.date().isoformat()
    current_id, _ = receive(client, regisseur, (trajectory_id, etag), today, kind="correctie")

    assert requests_command(argparse.Namespace(status="overdue"), settings) == 0
    overdue = capsys.readouterr().out
    assert requests_command(argparse.Namespace(status="open"), settings) == 0
    every_open = capsys.readouterr().out

    assert overdue_id in overdue
    assert current_id not in overdue
    assert overdue.splitlines()[-1] == "1 verzoek(en)"
    assert overdue.splitlines()[0].split() == [
        "verzoek", "traject", "soort", "verzoeker", "ontvangen", "termijn", "verlengd", "te", "laat"
    ]  # fmt: skip
    assert overdue_id in every_open
    assert current_id in every_open
    assert "Testnaam" not in every_open
    with psycopg.connect(settings.database_url or "", autocommit=True) as connection:
        logged = connection.execute(
            f'SELECT count(*) FROM "{settings.database_schema}".pga_access_log'  # noqa: S608
            " WHERE operation = 'cli:subjects-requests' AND purpose = 'rechten-betrokkene'"
        ).fetchone()
    assert logged == (2,)


def test_the_caseload_shows_open_and_overdue_requests_to_the_regisseur_only(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str], clock: Clock
) -> None:
    with_request, etag = refer(client, regisseur, givenName="Metverzoek")
    without, _ = refer(client, regisseur, givenName="Zonderverzoek")
    involvement = {
        "organisation": POLICE,
        "role": "politie",
        "legalBasis": "convenant_pga",
        "since": "2026-10-05",
    }
    involved = command(
        client, f"{API}/trajectories/{with_request}/partners", involvement, regisseur, etag
    )
    assert involved.status_code == 200, involved.text
    received = command(
        client,
        f"{API}/trajectories/{with_request}/rights-requests",
        {"kind": "verwijdering", "requester": "jongere", "receivedOn": "2026-10-06"},
        regisseur,
        involved.headers["etag"],
        Prefer="return=representation",  # answered once the read models have it
    )
    assert received.status_code == 200, received.text

    def caseload(**query: str) -> dict[str, dict[str, Any]]:
        response = client.get(f"{API}/trajectories", params=query, headers=regisseur)
        assert response.status_code == 200, response.text
        return {item["trajectoryId"]: item["rightsRequests"] for item in response.json()["items"]}

    assert caseload() == {
        with_request: {"open": 1, "dueOn": "2026-11-06", "overdue": False},
        without: {"open": 0, "dueOn": None, "overdue": False},
    }
    assert caseload(rightsRequestOverdue="true") == {}
    clock.set_day(date(2026, 11, 7))  # the day after the deadline: overdue
    assert caseload()[with_request] == {"open": 1, "dueOn": "2026-11-06", "overdue": True}
    assert list(caseload(rightsRequestOverdue="true")) == [with_request]
    assert list(caseload(rightsRequestOverdue="false")) == [without]

    # The police, involved in the case, see the trajectory and nothing about the request.
    police = bearer(settings, PartnerRole.POLITIE, organisation=POLICE, user="u-politie")
    shown = client.get(f"{API}/trajectories", headers=police)
    assert shown.status_code == 200, shown.text
    assert [item["id"] for item in shown.json()["items"]] == [with_request]
    assert "rightsRequest" not in shown.text
    assert "2026-11-06" not in shown.text
    refused = client.get(f"{API}/trajectories?rightsRequestOverdue=true", headers=police)
    assert is_problem(refused, 400)
    assert "rightsRequestOverdue" in refused.json()["detail"]
