"""Shared by the partner API tests: one app per module, organisations per role, network bodies.

The trajectory side reuses ``tests/integration/api/test_trajectories.py`` (``ROUTES``,
``body_of``, ``url``, ``Case``, ``new_case``) and the network side ``test_networks.py``
(``Network``, ``open_network``, the step helpers); this module adds what both partner test
modules need besides: a body per network command (``NETWORK_ROUTES``, the network counterpart of
``ROUTES``), organisation names and tokens per partner role, and a schema that lives as long as
a test module (so one app, runner and client serve all of the module's tests).
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

from pga.settings import Settings
from pga.store.database import ensure_schema
from tests.integration.api.conftest import SECRET, bearer, command
from tests.integration.api.test_networks import API, POLICE, member, signal

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from httpx import Response

    from pga.domain.catalogue import PartnerRole
    from tests.integration.api.test_networks import Network
    from tests.integration.api.test_trajectories import Case

#: The legal bases partners are involved on (any catalogue entry will do for these tests).
TRAJECTORY_BASIS = "convenant_pga"
NETWORK_BASIS = "convenant_jeugdgroepen"

# One valid body per command on an existing network, with the path below the network;
# ``{entity}`` is a member's or action's id (the network counterpart of test_trajectories.ROUTES).
NETWORK_ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "assignProcesregisseur": (
        "/procesregisseur-assignments",
        {"procesregisseur": "u-proces-02", "organisation": "ggd-flevoland"},
    ),
    "joinNetworkPartner": (
        "/partners",
        {
            "organisation": POLICE,
            "role": "politie",
            "legalBasis": NETWORK_BASIS,
            "since": "2026-09-01",
        },
    ),
    "removeNetworkPartner": ("/partner-removals", {"organisation": POLICE, "leftOn": "2026-09-02"}),
    "shareSignal": ("/signals", signal()),
    "assessBehaviour": (
        "/behaviour-assessments",
        {"problematic": True, "findings": "Intimidatie van reizigers.", "assessedOn": "2026-09-04"},
    ),
    "placeMember": ("/members", member("Eerste")),
    "informMember": ("/members/{entity}/information-letters", {"sentOn": "2026-09-10"}),
    "removeMember": ("/members/{entity}/removal", {"removedOn": "2026-09-11", "why": "Verhuisd."}),
    "receivePoliceAdvice": (
        "/police-advices",
        {"receivedOn": "2026-09-08", "groupScanDone": True, "advice": "Groepsaanpak gewenst."},
    ),
    "recordInterpretation": (
        "/interpretations",
        {
            "recordedOn": "2026-09-12",
            "groupDynamics": "Twee leiders, wisselende meelopers.",
            "roles": "Leiders en meelopers.",
            "problemType": "overlast",
            "contextDescription": "Stationsgebied, avonduren.",
            "chances": "Sport en school.",
        },
    ),
    "draftConceptPlan": (
        "/concept-plans",
        {"draftedOn": "2026-09-13", "authors": [POLICE], "summary": "Groepsaanpak."},
    ),
    "issueAdvice": (
        "/advices",
        {"issuedOn": "2026-09-16", "problemDefinition": "Overlast.", "advice": "Prioriteren."},
    ),
    "decidePrioritisation": (
        "/prioritisation-decisions",
        {"decidedOn": "2026-09-18", "prioritised": True, "instructions": "Start binnen 2 weken."},
    ),
    "planAction": (
        "/actions",
        {
            "organisation": POLICE,
            "level": "groep",
            "description": "Extra surveillance.",
            "dueOn": "2026-12-31",
        },
    ),
    "completeAction": (
        "/actions/{entity}/completion",
        {"completedOn": "2026-10-20", "outcome": "Uitgevoerd."},
    ),
    "adoptIntegralPlan": ("/integral-plans", {"adoptedOn": "2026-09-25"}),
    "recordMonitoring": (
        "/monitorings",
        {"monitoredOn": "2026-10-15", "indicators": "Minder meldingen."},
    ),
    "completeEvaluation": (
        "/evaluations",
        {"evaluatedOn": "2026-11-10", "findings": "Afgenomen.", "remainingActions": "Geen."},
    ),
    "advanceNetwork": ("/steps", {"toStep": "stap_2a", "on": "2026-09-03"}),
    "stepBackNetwork": (
        "/step-backs",
        {"toStep": "stap_1", "on": "2026-09-03", "why": "Groepsscan wijst anders uit."},
    ),
    "closeNetwork": ("/closure", {"on": "2026-09-20", "why": "Aanpak afgerond."}),
}


def network_body(operation: str, **changes: Any) -> dict[str, Any]:  # noqa: ANN401
    """Return the network operation's sample body with ``changes``."""
    return NETWORK_ROUTES[operation][1] | changes


def network_url(network_id: str | UUID, operation: str, entity: str | UUID | None = None) -> str:
    """Return the network operation's URL (``entity``: a random id if not given)."""
    suffix = NETWORK_ROUTES[operation][0].format(entity=entity or uuid4())
    return f"{API}/networks/{network_id}{suffix}"


def organisation(role: PartnerRole, which: str = "eigen") -> str:
    """Return a synthetic organisation in ``role`` (``which`` tells several apart)."""
    return f"{role.value.replace('_', '-')}-{which}"


def partner(settings: Settings, role: PartnerRole, organisation: str) -> dict[str, str]:
    """Return the Authorization header of a user of ``organisation`` in ``role``."""
    return bearer(settings, role, organisation=organisation, user=f"u-{organisation}")


def involve(case: Case, organisation: str, role: PartnerRole) -> None:
    """Involve ``organisation`` in ``role`` in the trajectory (as the case's regisseur)."""
    case.ok(
        "involvePartner",
        organisation=organisation,
        role=role.value,
        legalBasis=TRAJECTORY_BASIS,
        since="2026-10-06",
    )


def join(network: Network, organisation: str, role: PartnerRole) -> None:
    """Let ``organisation`` join the network's approach in ``role`` (as its procesregisseur)."""
    network.do(
        "/partners",
        network_body("joinNetworkPartner", organisation=organisation, role=role.value),
    )


def as_partner(
    case: Case,
    headers: dict[str, str],
    operation: str,
    entity: str | None = None,
    *,
    represent: bool = False,
    **changes: Any,  # noqa: ANN401
) -> dict[str, Any]:
    """Issue a trajectory command that must succeed, as ``headers`` (``Case.ok``'s checks)."""
    own = case.headers
    case.headers = headers
    try:
        return case.ok(operation, entity, represent=represent, **changes)
    finally:
        case.headers = own


def network_command(
    network: Network,
    headers: dict[str, str],
    operation: str,
    entity: str | None = None,
    **changes: Any,  # noqa: ANN401
) -> Response:
    """POST a network command as ``headers`` with the network's last ETag (nothing checked)."""
    return command(
        network.client,
        network_url(network.id, operation, entity),
        network_body(operation, **changes),
        headers,
        network.etag,
    )


@contextmanager
def fresh_schema(database_url: str) -> Iterator[str]:
    """Create a schema for a whole test module; drop it and its read models' afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    ensure_schema(database_url, name)
    try:
        yield name
    finally:
        with psycopg.connect(database_url, autocommit=True) as connection:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s",
                    (name, f"{name}\\_%"),
                )
            ]
            for each in names:
                connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(each)))


def module_settings(database_url: str, schema: str, data_dir: Path) -> Settings:
    """Return the API settings of ``tests/integration/api/conftest.py`` for a module's schema."""
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=data_dir,
        jwt_secret=SECRET,
        api_wait_seconds=5.0,
    )
