"""Partner roles issue exactly the commands the privacy policy grants them, one test per role.

The roles come from the policy file (``load_policy().roles``): a role added to the policy is
covered without new test code. For each role a trajectory (and a youth network, driven to
step 6, when the role has network commands) involves an organisation in that role, with an
intervention of a kind the catalogue gives that role and an action it owns. Then:

- every operation the policy grants the role succeeds when the role issues it;
- every other command operation of both resources is 403 (with a valid body, so that only the
  permission decides), the creating ones (referral, opening a network) included;
- an organisation in the same role that is not involved gets 404, as for an unknown case;
- progress of another organisation's intervention or action, and a signal claiming another
  organisation (or role), is 403 ``not-responsible``;
- what the partner recorded is on the regie's timeline, recorded by the partner's organisation.

One app (and projection runner) serves the whole module: every test uses its own cases and
organisations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import TestClient

from pga.api import networks, trajectories
from pga.api.app import asgi
from pga.domain.catalogue import INTERVENTION_TYPES, PartnerRole
from pga.privacy.policy import load_policy
from tests.integration.api.conftest import REFERRAL, bearer, command, is_problem
from tests.integration.api.partner_cases import (
    NETWORK_BASIS,
    NETWORK_ROUTES,
    as_partner,
    fresh_schema,
    involve,
    join,
    module_settings,
    network_body,
    network_command,
    organisation,
    partner,
)
from tests.integration.api.test_networks import (
    API,
    NETWORK,
    Network,
    eventually,
    open_network,
    procesregisseur,
    to_name_list,
)
from tests.integration.api.test_trajectories import (
    ROUTES,
    Case,
    body_of,
    new_case,
    url,
    wait_for_timeline,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from httpx import Response

    from pga.settings import Settings

POLICY = load_policy()
TRAJECTORY_OPERATIONS = {route.operation_id: route for route in trajectories.COMMANDS}
NETWORK_OPERATIONS = {route.operation_id: route for route in networks.COMMANDS}
CREATING = {
    operation: route
    for operation, route in (TRAJECTORY_OPERATIONS | NETWORK_OPERATIONS).items()
    if route.creates
}
INTERVENTION_PROGRESS = ("startIntervention", "completeIntervention", "abortIntervention")
#: The order granted operations are issued in (a lifecycle's steps in turn); others follow.
ORDER = (
    "recordPoliceHomeVisit",
    "recordArrest",
    "recordPoliceContact",
    "recordSchoolSignal",
    "recordJitStep",
    "issueMayorOrder",
    "extendMayorOrder",
    *INTERVENTION_PROGRESS,
    "receivePoliceAdvice",
    "shareSignal",
    "completeAction",
)


# --- one app for the module ---


@pytest.fixture(scope="module")
def schema(database_url: str) -> Iterator[str]:
    with fresh_schema(database_url) as name:
        yield name


@pytest.fixture(scope="module")
def settings(database_url: str, schema: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("partner-commands")
    return module_settings(database_url, schema, data_dir)


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(asgi(settings), raise_server_exceptions=False) as test_client:
        yield test_client


# --- the scene: a trajectory and a network the role's organisation is involved in ---


def owned_kind(role: PartnerRole) -> str | None:
    """Return an intervention kind the catalogue gives ``role`` (``None``: it owns none)."""
    return next((kind.code for kind in INTERVENTION_TYPES.entries if kind.owner == role), None)


def intervention(case: Case, kind: str, responsible: str) -> str:
    """Plan an intervention of ``kind`` for ``responsible`` (a week: within every kind's limits)."""
    planned = case.ok(
        "planIntervention",
        kind=kind,
        responsibleOrganisation=responsible,
        legalBasis="convenant_pga",
        plannedStart="2026-10-20",
        plannedEnd="2026-10-27",
    )
    entity: str = planned["entityId"]
    return entity


class Scene:
    """A role's organisation (``org``) involved in a trajectory and a network, and the others.

    ``other`` is a second organisation in the same role, involved too and responsible for its
    own intervention and action; ``stranger`` is one in the same role that is involved in
    nothing.
    """

    def __init__(self, client: TestClient[Any], settings: Settings, role: PartnerRole) -> None:
        self.client = client
        self.settings = settings
        self.role = role
        self.org = organisation(role)
        self.other = organisation(role, "ander")
        self.stranger = organisation(role, "elders")
        self.headers = partner(settings, role, self.org)
        self.stranger_headers = partner(settings, role, self.stranger)
        self.commands = POLICY.roles[role].commands
        self.recorded_in_trajectory: list[int] = []
        self.recorded_in_network: list[int] = []
        self.entities: dict[str, str] = {}

        self.case = new_case(client, bearer(settings))
        involve(self.case, self.org, role)
        involve(self.case, self.other, role)
        kind = owned_kind(role)
        if kind is not None:
            self.entities["mine"] = intervention(self.case, kind, self.org)
            self.entities["mine_too"] = intervention(self.case, kind, self.org)
            self.entities["theirs"] = intervention(self.case, kind, self.other)

        headers = procesregisseur(settings)
        self.network = Network(client, headers, open_network(client, headers)[0])
        join(self.network, self.org, role)
        join(self.network, self.other, role)
        if self.commands & set(NETWORK_OPERATIONS):
            self._to_execution()

    def _to_execution(self) -> None:
        """Take the network to step 6 with an action of each organisation (partner steps too)."""
        network = self.network
        to_name_list(network)
        network.do("/members", network_body("placeMember"))
        if "receivePoliceAdvice" in self.commands:  # step 2B only: the partner issues it here
            self.network_ok("receivePoliceAdvice")
        else:
            network.do("/police-advices", network_body("receivePoliceAdvice"))
        for operation, step in (
            ("recordInterpretation", "stap_3"),
            ("draftConceptPlan", None),
            ("issueAdvice", "stap_4"),
            ("decidePrioritisation", None),
            ("planAction", "stap_5"),
        ):
            if step is not None:
                network.do("/steps", {"toStep": step, "on": _STEP_DATES[step]})
            if operation != "planAction":
                network.do(NETWORK_ROUTES[operation][0], network_body(operation))
        for key, owner in (("action", self.org), ("their_action", self.other)):
            planned = network.do("/actions", network_body("planAction", organisation=owner))
            self.entities[key] = planned.json()["entityId"]
        network.do("/integral-plans", network_body("adoptIntegralPlan"))
        network.do("/steps", {"toStep": "stap_6", "on": "2026-10-01"})

    # --- the partner's commands ---

    def trajectory_ok(self, operation: str, entity: str | None = None, **changes: Any) -> None:  # noqa: ANN401
        """Issue a trajectory command as the partner; it must succeed."""
        represent = not self.recorded_in_trajectory  # the first one: the partner's own view
        answer = as_partner(
            self.case, self.headers, operation, entity, represent=represent, **changes
        )
        if represent:
            assert answer["access"] == "involved"
            assert answer["role"] == self.role.value
            assert "bsn" not in answer
        self.recorded_in_trajectory.append(self.case.version)

    def network_ok(self, operation: str, entity: str | None = None, **changes: Any) -> None:  # noqa: ANN401
        """Issue a network command as the partner; it must succeed."""
        response = network_command(self.network, self.headers, operation, entity, **changes)
        assert response.status_code == 200, (operation, response.text)
        assert response.headers["etag"] == f'"{self.network.version + 1}"'
        self.network.etag = response.headers["etag"]
        self.recorded_in_network.append(self.network.version)

    def regisseur_does(self, operation: str, entity: str | None = None) -> str | None:
        """Issue a trajectory command as the regisseur (a step the role may not take)."""
        result = self.case.ok(operation, entity)
        return result.get("entityId")

    def issue(self, operation: str) -> None:
        """Issue one granted operation as the partner, with what it needs first."""
        if operation == "receivePoliceAdvice":  # step 2B only: issued on the way to step 6
            assert self.recorded_in_network
            return
        if operation == "completeIntervention" and "startIntervention" not in self.commands:
            self.regisseur_does("startIntervention", self.entities["mine"])
        if operation == "extendMayorOrder" and "order" not in self.entities:
            self.entities["order"] = str(self.regisseur_does("issueMayorOrder"))
        entity = self.entity_of(operation)
        changes = self.own_body(operation, self.org)
        if operation in TRAJECTORY_OPERATIONS:
            self.trajectory_ok(operation, entity, **changes)
        else:
            self.network_ok(operation, entity, **changes)
        if operation == "issueMayorOrder":
            self.entities["order"] = self.case.detail()["mayorOrders"][-1]["id"]

    # --- refusals ---

    def send(
        self,
        operation: str,
        headers: dict[str, str],
        entity: str | None = None,
        **changes: Any,  # noqa: ANN401
    ) -> Response:
        """POST an operation on the scene's trajectory or network, with the current ETag."""
        if operation in CREATING:
            body = REFERRAL if operation in TRAJECTORY_OPERATIONS else NETWORK
            collection = "/trajectories" if operation in TRAJECTORY_OPERATIONS else "/networks"
            return self.client.post(f"{API}{collection}", json=body | changes, headers=headers)
        if operation in TRAJECTORY_OPERATIONS:
            return command(
                self.client,
                url(self.case.id, operation, entity),
                body_of(operation, **changes),
                headers,
                self.case.etag,
            )
        return network_command(self.network, headers, operation, entity, **changes)

    def entity_of(self, operation: str) -> str | None:
        """Return the scene's own entity an operation acts on (``None``: none or a random id)."""
        if operation == "abortIntervention":
            return self.entities.get("mine_too")
        if operation in INTERVENTION_PROGRESS:
            return self.entities.get("mine")
        if operation == "completeAction":
            return self.entities.get("action")
        if operation == "extendMayorOrder":
            return self.entities.get("order")
        return None

    def own_body(self, operation: str, organisation: str) -> dict[str, Any]:
        """Body changes that make a signal ``organisation``'s own."""
        if operation == "recordSchoolSignal":
            return {"sourceOrganisation": organisation, "sourceRole": self.role.value}
        if operation == "shareSignal":
            return {"sourceOrganisation": organisation}
        return {}

    def refuse_what_is_not_granted(self) -> None:
        """Refuse every other command of both resources: 403, on a case it is involved in."""
        for operation in sorted(set(TRAJECTORY_OPERATIONS) | set(NETWORK_OPERATIONS)):
            if operation not in self.commands:
                response = self.send(operation, self.headers, self.entity_of(operation))
                assert rule_of(response, 403) != "not-responsible", operation

    def refuse_an_organisation_not_involved(self, granted: list[str]) -> None:
        """Refuse the same role at an organisation not involved: 404, as for an unknown case."""
        for operation in granted:
            changes = self.own_body(operation, self.stranger)
            response = self.send(
                operation, self.stranger_headers, self.entity_of(operation), **changes
            )
            assert rule_of(response, 404) == "not-found", operation

    def refuse_what_another_organisation_is_responsible_for(self, granted: list[str]) -> None:
        """Refuse progress of what another organisation owns, signals in its name: 403."""
        for operation in granted:
            refusals: list[Response] = []
            if operation in INTERVENTION_PROGRESS:
                refusals.append(self.send(operation, self.headers, self.entities["theirs"]))
            elif operation == "completeAction":
                refusals.append(self.send(operation, self.headers, self.entities["their_action"]))
            elif operation in {"recordSchoolSignal", "shareSignal"}:
                changes = self.own_body(operation, self.other)
                refusals.append(self.send(operation, self.headers, **changes))
            if operation == "recordSchoolSignal":  # its own organisation, another role
                another = "leerplicht" if self.role != PartnerRole.LEERPLICHT else "school"
                changes = {"sourceOrganisation": self.org, "sourceRole": another}
                refusals.append(self.send(operation, self.headers, **changes))
            for response in refusals:
                assert rule_of(response, 403) == "not-responsible", operation
                assert "etag" not in response.headers

    def assert_recorded_on_the_regie_timelines(self) -> None:
        """Check the regie timelines show what the partner recorded, by its organisation."""
        timeline = wait_for_timeline(
            self.client, self.case.headers, self.case.id, self.case.version, "pageSize=500"
        )
        self._recorded_by_me(timeline, self.recorded_in_trajectory)
        if self.recorded_in_network:
            path = f"{API}/networks/{self.network.id}/timeline"
            page = eventually(
                lambda: self.client.get(
                    path, params={"pageSize": 500}, headers=self.network.headers
                ),
                lambda response: (
                    response.status_code == 200 and response.json()["total"] == self.network.version
                ),
            )
            self._recorded_by_me(page.json(), self.recorded_in_network)

    def _recorded_by_me(self, timeline: dict[str, Any], versions: list[int]) -> None:
        by_version = {item["version"]: item for item in timeline["items"]}
        for version in versions:
            recorded_by = by_version[version]["recordedBy"]
            assert (recorded_by["organisation"], recorded_by["role"]) == (
                self.org,
                self.role.value,
            )


_STEP_DATES = {"stap_3": "2026-09-10", "stap_4": "2026-09-15", "stap_5": "2026-09-20"}


def rule_of(response: Response, status: int) -> str | None:
    """Return the problem's rule, once ``response`` is a problem with ``status``."""
    assert is_problem(response, status), response.text
    rule: str | None = response.json().get("rule")
    return rule


def granted_in_order(commands: frozenset[str]) -> list[str]:
    """Return the granted operations in ``ORDER``, then any the order does not name yet."""
    return [op for op in ORDER if op in commands] + sorted(commands - set(ORDER))


# --- the tests ---


def test_the_tables_cover_every_command_of_both_resources() -> None:
    assert not set(TRAJECTORY_OPERATIONS) & set(NETWORK_OPERATIONS)
    assert set(ROUTES) == set(TRAJECTORY_OPERATIONS) - set(CREATING)
    assert set(NETWORK_ROUTES) == set(NETWORK_OPERATIONS) - set(CREATING)
    assert set(CREATING) == {"referTrajectory", "openNetwork"}
    assert POLICY.commands() <= set(ROUTES) | set(NETWORK_ROUTES)


@pytest.mark.parametrize("role", sorted(POLICY.roles), ids=str)
def test_a_partner_role_issues_exactly_what_the_policy_grants(
    client: TestClient[Any], settings: Settings, role: PartnerRole
) -> None:
    scene = Scene(client, settings, role)
    granted = granted_in_order(scene.commands)

    for operation in granted:
        scene.issue(operation)

    case_version, network_version = scene.case.version, scene.network.version
    scene.refuse_what_is_not_granted()
    scene.refuse_an_organisation_not_involved(granted)
    scene.refuse_what_another_organisation_is_responsible_for(granted)
    # Nothing of the refused commands was stored.
    assert scene.case.detail()["version"] == case_version
    assert scene.network.detail()["version"] == network_version
    scene.assert_recorded_on_the_regie_timelines()
    assert len(scene.recorded_in_trajectory) + len(scene.recorded_in_network) >= len(granted)


def test_a_partner_never_joins_or_opens_on_its_own(
    client: TestClient[Any], settings: Settings
) -> None:
    # Joining a network or being involved in a trajectory is the regie's decision.
    role = PartnerRole.POLITIE
    scene_headers = partner(settings, role, organisation(role, "zelf"))
    network_id, etag = open_network(client, procesregisseur(settings))
    joining = network_body(
        "joinNetworkPartner", organisation=organisation(role, "zelf"), legalBasis=NETWORK_BASIS
    )
    response = command(
        client, f"{API}/networks/{network_id}/partners", joining, scene_headers, etag
    )
    assert rule_of(response, 403) != "not-responsible"
    assert is_problem(client.post(f"{API}/networks", json=NETWORK, headers=scene_headers), 403)
    assert is_problem(client.post(f"{API}/trajectories", json=REFERRAL, headers=scene_headers), 403)
