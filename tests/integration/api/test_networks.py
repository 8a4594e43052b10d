"""/api/v1/networks through the real app: every command, the seven steps, reads and refusals."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pga.domain.catalogue import PartnerRole
from tests.integration.api.conftest import MUNICIPALITY, bearer, command, is_problem, refer

if TYPE_CHECKING:
    from collections.abc import Callable

    from httpx import Response
    from litestar.testing import TestClient

    from pga.settings import Settings

API = "/api/v1"
NETWORK: dict[str, Any] = {
    "workingName": "Groep Stationsplein",
    "area": "Almere Centrum",
    "procesregisseur": "u-proces-01",
    "procesregisseurOrganisation": MUNICIPALITY,
    "openedOn": "2026-09-01",
}
POLICE = "politie-midden-nederland"
REPRESENTATION = {"Prefer": "return=representation"}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def procesregisseur(settings: Settings) -> dict[str, str]:
    return bearer(settings, PartnerRole.PROCESREGISSEUR, user="u-proces-01")


def open_network(
    client: TestClient[Any], headers: dict[str, str], **changes: object
) -> tuple[str, str]:
    """Open a network; return its id and ETag."""
    response = client.post(f"{API}/networks", json=NETWORK | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["etag"]


class Network:
    """One network driven through commands, each checked to answer 200 and the next ETag."""

    def __init__(self, client: TestClient[Any], headers: dict[str, str], network_id: str) -> None:
        self.client = client
        self.headers = headers
        self.id = network_id
        self.etag = '"1"'

    @property
    def version(self) -> int:
        """The version the last command answered."""
        return int(self.etag.strip('"'))

    def do(self, path: str, body: dict[str, Any], **extra: str) -> Response:
        """Issue a command that must succeed and advance the version by one."""
        response = command(
            self.client, f"{API}/networks/{self.id}{path}", body, self.headers, self.etag, **extra
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == f'"{self.version + 1}"'
        self.etag = response.headers["etag"]
        return response

    def refused(self, path: str, body: dict[str, Any]) -> Response:
        """Issue a command that is expected to be refused (nothing is checked here)."""
        return command(
            self.client, f"{API}/networks/{self.id}{path}", body, self.headers, self.etag
        )

    def detail(self) -> dict[str, Any]:
        """GET the network; its ETag must be the last command's."""
        response = self.client.get(f"{API}/networks/{self.id}", headers=self.headers)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == self.etag
        body: dict[str, Any] = response.json()
        return body


def eventually(read: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 5.0) -> Any:  # noqa: ANN401
    """Poll ``read`` until ``done`` holds for its result (read models are eventually consistent)."""
    deadline = time.monotonic() + seconds
    while True:
        result = read()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def to_name_list(network: Network) -> None:
    """Take a network from step 1 through 2A to 2B."""
    network.do("/signals", signal())
    network.do("/steps", {"toStep": "stap_2a", "on": "2026-09-03"})
    network.do(
        "/behaviour-assessments",
        {"problematic": True, "findings": "Intimidatie van reizigers.", "assessedOn": "2026-09-04"},
    )
    network.do("/steps", {"toStep": "stap_2b", "on": "2026-09-05"})


def signal() -> dict[str, Any]:
    return {
        "sourceOrganisation": POLICE,
        "observedOn": "2026-09-02",
        "location": "Stationsplein",
        "description": "Groep hangt 's avonds rond en intimideert reizigers.",
        "online": False,
    }


def member(given_name: str, **changes: object) -> dict[str, Any]:
    return {
        "givenName": given_name,
        "familyName": "Synthetisch",
        "bornOn": "2010-05-01",
        "roleInGroup": "meeloper",
        "placedOn": "2026-09-06",
    } | changes


# --- the seven steps ---


def interpret_and_prioritise(network: Network) -> None:
    """Take a network with its name list from step 2B to step 5 (prioritised)."""
    network.do(
        "/police-advices",
        {"receivedOn": "2026-09-08", "groupScanDone": True, "advice": "Groepsaanpak gewenst."},
    )
    network.do("/steps", {"toStep": "stap_3", "on": "2026-09-10"})
    network.do(
        "/interpretations",
        {
            "recordedOn": "2026-09-12",
            "groupDynamics": "Twee leiders, wisselende meelopers.",
            "roles": "Leiders en meelopers.",
            "problemType": "overlast",
            "contextDescription": "Stationsgebied, avonduren.",
            "chances": "Sport en school.",
        },
    )
    network.do(
        "/concept-plans",
        {
            "draftedOn": "2026-09-13",
            "authors": [POLICE, "openbaar-ministerie"],
            "summary": "Groepsaanpak met persoonsgerichte acties.",
        },
    )
    network.do("/steps", {"toStep": "stap_4", "on": "2026-09-15"})
    network.do(
        "/advices",
        {"issuedOn": "2026-09-16", "problemDefinition": "Overlast.", "advice": "Prioriteren."},
    )
    network.do(
        "/prioritisation-decisions",
        {"decidedOn": "2026-09-18", "prioritised": True, "instructions": "Start binnen 2 weken."},
    )
    network.do("/steps", {"toStep": "stap_5", "on": "2026-09-20"})


def test_a_network_goes_through_the_seven_steps_and_closes(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    headers = procesregisseur(settings)
    response = client.post(f"{API}/networks", json=NETWORK, headers=headers)
    assert response.status_code == 201
    assert response.headers["etag"] == '"1"'
    network = Network(client, headers, response.json()["id"])
    assert response.headers["location"] == f"{API}/networks/{network.id}"

    network.do(
        "/procesregisseur-assignments",
        {"procesregisseur": "u-proces-02", "organisation": "ggd-flevoland"},
    )
    network.do(
        "/partners",
        {
            "organisation": POLICE,
            "role": "politie",
            "legalBasis": "convenant_jeugdgroepen",
            "since": "2026-09-01",
        },
    )
    to_name_list(network)
    first = network.do("/members", member("Eerste")).json()["entityId"]
    trajectory_id, _ = refer(client, regisseur)
    placed = network.do("/members", member("Tweede", trajectoryId=trajectory_id), **REPRESENTATION)
    assert placed.headers["preference-applied"] == "return=representation"
    view = placed.json()
    assert view["step"] == "stap_2b"
    assert [m["givenName"] for m in view["members"]] == ["Eerste", "Tweede"]
    assert view["members"][0]["memberId"] == first
    assert view["members"][1]["trajectoryId"] == trajectory_id
    assert view["missingOutput"] == "the police's name list, letter and advice"
    assert view["deadline"]["dueOn"] == "2026-10-17"  # 2B began 2026-09-05, 42 days

    interpret_and_prioritise(network)
    group_action = network.do(
        "/actions",
        {
            "organisation": POLICE,
            "level": "groep",
            "description": "Extra surveillance.",
            "dueOn": "2026-12-31",
        },
    ).json()["entityId"]
    person_action = network.do(
        "/actions",
        {
            "organisation": "ggd-flevoland",  # the procesregisseur's organisation
            "level": "persoon",
            "description": "Gesprek met ouders.",
            "dueOn": "2026-11-30",
            "memberId": first,
        },
    ).json()["entityId"]
    network.do("/integral-plans", {"adoptedOn": "2026-09-25"})
    network.do("/steps", {"toStep": "stap_6", "on": "2026-10-01"})
    network.do("/monitorings", {"monitoredOn": "2026-10-15", "indicators": "Minder meldingen."})
    network.do(
        f"/actions/{group_action}/completion",
        {"completedOn": "2026-10-20", "outcome": "Uitgevoerd."},
    )
    network.do("/steps", {"toStep": "stap_7", "on": "2026-11-01"})
    network.do(
        "/evaluations",
        {
            "evaluatedOn": "2026-11-10",
            "findings": "Overlast sterk afgenomen.",
            "remainingActions": "Wijkteam volgt twee jongeren.",
        },
    )
    network.do(
        f"/actions/{person_action}/completion",
        {"completedOn": "2026-11-12", "outcome": "Gesprek gevoerd."},
    )
    view = network.detail()
    assert view["outputs"]["prioritised"] is True
    assert view["outputs"]["monitoringMoments"] == 1
    assert view["outputs"]["evaluatedOn"] == "2026-11-10"
    assert [a["completedOn"] for a in view["actions"]] == ["2026-10-20", "2026-11-12"]
    assert view["procesregisseur"] == "u-proces-02"
    assert view["procesregisseurOrganisation"] == "ggd-flevoland"

    network.do(
        f"/members/{first}/removal",
        {"removedOn": "2026-11-13", "why": "Niet meer betrokken bij de groep."},
    )
    network.do("/partner-removals", {"organisation": POLICE, "leftOn": "2026-11-14"})
    closed = network.do(
        "/closure", {"on": "2026-11-15", "why": "Aanpak afgerond."}, **REPRESENTATION
    ).json()
    assert closed["step"] == "gesloten"
    assert closed["closedOn"] == "2026-11-15"
    assert closed["members"] == []
    assert closed["partners"] == []
    assert closed["nextStep"] is None
    assert closed["deadline"] == {
        "dueOn": None,
        "overdue": False,
        "daysInStep": closed["deadline"]["daysInStep"],
        "daysOverdue": 0,
    }
    assert network.detail()["version"] == network.version

    # The linked trajectory was unlinked with the closing (its version moved on twice).
    trajectory = client.get(f"{API}/trajectories/{trajectory_id}", headers=regisseur)
    assert trajectory.headers["etag"] == '"3"'

    assert_newest_entries(client, network)


def assert_newest_entries(client: TestClient[Any], network: Network) -> None:
    """Check that the timeline has one entry per version, newest first with ``order=desc``."""
    headers = network.headers
    entries = eventually(
        lambda: client.get(
            f"{API}/networks/{network.id}/timeline",
            params={"order": "desc", "pageSize": 3},
            headers=headers,
        ).json(),
        lambda page: page.get("total") == network.version,
    )
    assert entries["total"] == network.version
    assert [entry["version"] for entry in entries["items"]] == [
        network.version,
        network.version - 1,
        network.version - 2,
    ]


def test_a_step_back_before_2b_destroys_the_name_list(
    client: TestClient[Any], settings: Settings
) -> None:
    headers = procesregisseur(settings)
    network = Network(client, headers, open_network(client, headers)[0])
    to_name_list(network)
    network.do("/members", member("Eerste"))
    assert is_problem(
        network.refused("/step-backs", {"toStep": "stap_2a", "on": "2026-09-07", "why": "  "}),
        400,
    )
    view = network.do(
        "/step-backs",
        {"toStep": "stap_2a", "on": "2026-09-07", "why": "Groepsscan wijst anders uit."},
        **REPRESENTATION,
    ).json()
    assert view["step"] == "stap_2a"
    assert view["members"] == []
    assert view["outputs"]["assessment"] is None
    assert view["nextStep"] is None
    # The assessment is wanted again: 2A licht this time, and closing from there.
    network.do(
        "/behaviour-assessments",
        {"problematic": False, "findings": "Hinderlijk, niet meer.", "assessedOn": "2026-09-08"},
    )
    network.do("/steps", {"toStep": "stap_2a_licht", "on": "2026-09-09"})
    network.do("/closure", {"on": "2026-09-20", "why": "Lichte aanpak volstaat."})


def test_the_regisseur_role_may_act_on_networks_too(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    network_id, etag = open_network(client, regisseur, historicalLabel="hinderlijk")
    response = command(client, f"{API}/networks/{network_id}/signals", signal(), regisseur, etag)
    assert response.status_code == 200
    view = client.get(f"{API}/networks/{network_id}", headers=regisseur).json()
    assert view["signals"] == 1
    assert view["historicalLabel"] == "hinderlijk"
    assert view["nextStep"] == "stap_2a"


def test_opening_with_a_representation_answers_the_detail_with_its_deadline(
    client: TestClient[Any], settings: Settings
) -> None:
    headers = procesregisseur(settings) | REPRESENTATION
    response = client.post(f"{API}/networks", json=NETWORK, headers=headers)
    assert response.status_code == 201
    assert response.headers["preference-applied"] == "return=representation"
    view = response.json()
    assert view["version"] == 1
    assert view["step"] == "stap_1"
    assert view["stepSince"] == "2026-09-01"
    assert view["missingOutput"] == "at least one shared signal"
    assert view["deadline"]["dueOn"] == "2026-09-29"
    assert view["deadline"]["overdue"] is True
    assert view["outputs"] == {
        "assessment": None,
        "policeAdviceOn": None,
        "interpretationOn": None,
        "conceptPlanOn": None,
        "adviceOn": None,
        "prioritised": None,
        "planAdoptedOn": None,
        "monitoringMoments": 0,
        "evaluatedOn": None,
    }


# --- reads: list, board, graph, timeline ---


def test_the_list_the_board_and_the_graph_after_commands(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    headers = procesregisseur(settings)
    quiet_id, _ = open_network(client, headers, workingName="Groep Zuid")
    network = Network(client, headers, open_network(client, headers)[0])
    to_name_list(network)
    # Two youths suspected in the same incident (the same police reference), and a third.
    first, _ = refer(client, regisseur)
    second, _ = refer(client, regisseur, givenName="Anders")
    network.do("/members", member("Eerste", trajectoryId=first))
    network.do("/members", member("Tweede", trajectoryId=second))
    network.do("/members", member("Derde"), **REPRESENTATION)

    listed = client.get(f"{API}/networks", headers=headers)
    assert listed.status_code == 200
    page = listed.json()
    assert page["total"] == 2
    assert (page["page"], page["pageSize"]) == (1, 50)
    assert [item["workingName"] for item in page["items"]] == [
        "Groep Stationsplein",
        "Groep Zuid",
    ]
    row = page["items"][0]
    assert row["networkId"] == network.id
    assert (row["step"], row["members"], row["signals"]) == ("stap_2b", 3, 1)
    assert row["dueOn"] == "2026-10-17"
    assert row["overdue"] is True

    one_step = client.get(
        f"{API}/networks", params={"step": "stap_1", "pageSize": 1}, headers=headers
    ).json()
    assert [item["networkId"] for item in one_step["items"]] == [quiet_id]
    assert (
        client.get(
            f"{API}/networks", params={"includeClosed": "true", "page": 2}, headers=headers
        ).json()["items"]
        == []
    )

    board = client.get(f"{API}/network-board", headers=headers).json()
    assert [column["step"] for column in board["columns"]] == [
        "stap_1",
        "stap_2a",
        "stap_2a_licht",
        "stap_2b",
        "stap_3",
        "stap_4",
        "niet_geprioriteerd",
        "stap_5",
        "stap_6",
        "stap_7",
    ]
    columns = {column["step"]: column for column in board["columns"]}
    assert [n["networkId"] for n in columns["stap_2b"]["networks"]] == [network.id]
    assert [n["networkId"] for n in columns["stap_1"]["networks"]] == [quiet_id]
    assert board["total"] == 2
    with_closed = client.get(
        f"{API}/network-board", params={"includeClosed": "true"}, headers=headers
    ).json()
    assert with_closed["columns"][-1] == {"step": "gesloten", "networks": [], "overdue": 0}

    def read_graph() -> Response:
        return client.get(f"{API}/networks/{network.id}/graph", headers=headers)

    response = eventually(read_graph, lambda r: len(r.json().get("nodes", ())) == 4)
    assert response.status_code == 200
    shape = response.json()
    assert [(n["kind"], n["id"], n["step"]) for n in shape["nodes"][:1]] == [
        ("network", network.id, "stap_2b")
    ]
    youths = [n for n in shape["nodes"] if n["kind"] == "youth"]
    assert len(youths) == 3
    assert all(n["id"].startswith("J-") and n["label"] == n["id"] for n in youths)
    kinds = [edge["kind"] for edge in shape["edges"]]
    assert kinds == ["member", "member", "member", "co_suspect"]
    assert shape["edges"][-1]["sharedIncidents"] == 1
    assert "Eerste" not in response.text
    assert "Synthetisch" not in response.text

    quiet = client.get(f"{API}/networks/{quiet_id}/graph", headers=headers).json()
    assert quiet == {
        "nodes": [{"kind": "network", "id": quiet_id, "label": "Groep Zuid", "step": "stap_1"}],
        "edges": [],
    }


def test_the_timeline_is_paged(client: TestClient[Any], settings: Settings) -> None:
    headers = procesregisseur(settings)
    network = Network(client, headers, open_network(client, headers)[0])
    to_name_list(network)
    path = f"{API}/networks/{network.id}/timeline"
    page = eventually(
        lambda: client.get(path, params={"pageSize": 2, "page": 2}, headers=headers).json(),
        # Until the timeline has all five entries, page 2 may be empty (or not yet built: 503).
        lambda body: body.get("total") == 5 and len(body["items"]) == 2,
    )
    assert page["aggregateId"] == network.id
    assert (page["total"], page["page"], page["pageSize"], page["order"]) == (5, 2, 2, "asc")
    assert [entry["version"] for entry in page["items"]] == [3, 4]
    assert page["items"][0]["summary"]
    assert is_problem(client.get(path, params={"order": "sideways"}, headers=headers), 400)
    assert is_problem(client.get(path, params={"pageSize": 501}, headers=headers), 400)
    assert is_problem(client.get(path, params={"page": 10**12}, headers=headers), 400)


def test_list_query_values_are_checked(client: TestClient[Any], settings: Settings) -> None:
    headers = procesregisseur(settings)
    for params in (
        {"step": "stap_8"},
        {"pageSize": 0},
        {"pageSize": 501},
        {"page": 0},
        {"page": 132231541288987120},  # the row offset would not fit PostgreSQL's bigint
        {"includeClosed": "maybe"},
        {"sort": "step"},
    ):
        assert is_problem(client.get(f"{API}/networks", params=params, headers=headers), 400), (
            params
        )
    assert is_problem(
        client.get(f"{API}/network-board", params={"step": "stap_1"}, headers=headers), 400
    )


# --- refusals ---


def test_unknown_fields_and_bad_values_are_400(client: TestClient[Any], settings: Settings) -> None:
    headers = procesregisseur(settings)
    extra = client.post(f"{API}/networks", json=NETWORK | {"leader": "x"}, headers=headers)
    assert is_problem(extra, 400)
    assert extra.json()["rule"] == "invalid-input"
    too_long = client.post(f"{API}/networks", json=NETWORK | {"area": "x" * 101}, headers=headers)
    assert is_problem(too_long, 400)
    future = client.post(
        f"{API}/networks", json=NETWORK | {"openedOn": "2099-01-01"}, headers=headers
    )
    assert is_problem(future, 400)
    assert future.json()["rule"] == "invalid-value"

    network = Network(client, headers, open_network(client, headers)[0])
    unknown_field = network.refused("/signals", signal() | {"names": ["Eerste"]})
    assert is_problem(unknown_field, 400)
    assert unknown_field.json()["rule"] == "invalid-input"
    basis = network.refused(
        "/partners",
        {"organisation": POLICE, "role": "politie", "legalBasis": "nee", "since": "2026-09-01"},
    )
    assert is_problem(basis, 400)
    assert basis.json()["rule"] == "unknown-catalogue-entry"
    assert is_problem(network.refused("/steps", {"toStep": "stap_9", "on": "2026-09-02"}), 400)
    assert network.detail()["version"] == 1


def test_domain_rules_refuse_with_their_rule(client: TestClient[Any], settings: Settings) -> None:
    headers = procesregisseur(settings)
    network = Network(client, headers, open_network(client, headers)[0])

    def rule_of(response: Response, status: int) -> str:
        assert is_problem(response, status), response.text
        rule: str = response.json()["rule"]
        return rule

    assert rule_of(network.refused("/members", member("Eerste")), 409) == "names-only-from-step-2b"
    advance = {"toStep": "stap_2a", "on": "2026-09-03"}
    assert rule_of(network.refused("/steps", advance), 409) == "step-output-missing"
    network.do("/signals", signal())
    wrong = {"toStep": "stap_3", "on": "2026-09-03"}
    assert rule_of(network.refused("/steps", wrong), 409) == "step-transition"
    assessment = {"problematic": True, "findings": "x", "assessedOn": "2026-09-04"}
    assert rule_of(network.refused("/behaviour-assessments", assessment), 409) == "wrong-step"
    back = {"toStep": "stap_2a", "on": "2026-09-03", "why": "Nogmaals."}
    assert rule_of(network.refused("/step-backs", back), 409) == "step-transition"
    action = f"/actions/{UNKNOWN}/completion"
    completion = {"completedOn": "2026-09-03", "outcome": "x"}
    assert rule_of(network.refused(action, completion), 409) == "wrong-step"
    to_name_list_from_signals(network)
    unknown_trajectory = member("Eerste", trajectoryId=UNKNOWN)
    assert rule_of(network.refused("/members", unknown_trajectory), 404) == "unknown-reference"
    removal = {"removedOn": "2026-09-06", "why": "x"}
    assert rule_of(network.refused(f"/members/{UNKNOWN}/removal", removal), 404) == (
        "unknown-reference"
    )
    closure = {"on": "2026-09-06", "why": "Klaar."}
    assert rule_of(network.refused("/closure", closure), 409) == "step-transition"


def to_name_list_from_signals(network: Network) -> None:
    network.do("/steps", {"toStep": "stap_2a", "on": "2026-09-03"})
    network.do(
        "/behaviour-assessments",
        {"problematic": True, "findings": "Intimidatie.", "assessedOn": "2026-09-04"},
    )
    network.do("/steps", {"toStep": "stap_2b", "on": "2026-09-05"})


def test_unknown_networks_and_trajectory_ids_are_404(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    headers = procesregisseur(settings)
    trajectory_id, _ = refer(client, regisseur)
    for unknown in (UNKNOWN, trajectory_id):
        for path in ("", "/timeline", "/graph"):
            response = client.get(f"{API}/networks/{unknown}{path}", headers=headers)
            assert is_problem(response, 404), (unknown, path)
        response = command(client, f"{API}/networks/{unknown}/signals", signal(), headers, '"1"')
        assert is_problem(response, 404)
        assert response.json()["rule"] == "not-found"
    assert is_problem(client.get(f"{API}/networks/not-a-uuid", headers=headers), 404)


def test_other_organisations_are_403_and_uninvolved_partners_see_nothing(
    client: TestClient[Any], settings: Settings
) -> None:
    network_id, etag = open_network(client, procesregisseur(settings))
    police = bearer(settings, PartnerRole.POLITIE, organisation=POLICE, user="u-politie-01")
    listed = client.get(f"{API}/networks", headers=police)
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    for path in (f"/networks/{network_id}", f"/networks/{network_id}/timeline"):
        assert is_problem(client.get(f"{API}{path}", headers=police), 404), path
    for path in ("/network-board", f"/networks/{network_id}/graph"):
        assert is_problem(client.get(f"{API}{path}", headers=police), 403), path
    assert is_problem(client.post(f"{API}/networks", json=NETWORK, headers=police), 403)
    response = command(client, f"{API}/networks/{network_id}/signals", signal(), police, etag)
    assert is_problem(response, 404)
    elsewhere = bearer(settings, organisation="gemeente-lelystad", user="u-regie-09")
    for headers in (elsewhere,):
        for path in ("/networks", f"/networks/{network_id}", "/network-board"):
            assert is_problem(client.get(f"{API}{path}", headers=headers), 403), path
        for path in (f"/networks/{network_id}/graph", f"/networks/{network_id}/timeline"):
            assert is_problem(client.get(f"{API}{path}", headers=headers), 403), path
        assert is_problem(client.post(f"{API}/networks", json=NETWORK, headers=headers), 403)
        response = command(client, f"{API}/networks/{network_id}/signals", signal(), headers, etag)
        assert is_problem(response, 403)
    assert is_problem(client.get(f"{API}/networks"), 401)


def test_a_stale_if_match_is_412_and_stores_nothing(
    client: TestClient[Any], settings: Settings
) -> None:
    headers = procesregisseur(settings)
    network = Network(client, headers, open_network(client, headers)[0])
    stale = network.etag
    network.do("/signals", signal())
    path = f"{API}/networks/{network.id}/signals"
    response = command(client, path, signal(), headers, stale)
    assert is_problem(response, 412)
    assert response.headers["etag"] == network.etag
    assert is_problem(client.post(path, json=signal(), headers=headers), 428)
    view = network.detail()
    assert (view["version"], view["signals"]) == (2, 1)
