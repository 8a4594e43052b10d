"""/api/v1/trajectories: every command's happy path and its main refusals, the list, the timeline.

All through the real app (JWT, guards, validation, application, event store, read models). One
trajectory is walked through its status machine where the domain allows it (referral, intake,
plan, interventions, escalation, closure, correction), so the file stays fast.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest

from pga.api.trajectories import COMMANDS
from pga.application import open_application
from pga.domain.catalogue import PartnerRole
from pga.domain.network import NetworkStep
from pga.recording import Actor, CommandContext
from tests.integration.api.conftest import REFERRAL, bearer, command, is_problem

if TYPE_CHECKING:
    from litestar.testing import TestClient

    from pga.settings import Settings

API = "/api/v1/trajectories"
REPRESENTATION = {"Prefer": "return=representation"}
#: A regisseur's own organisation (the trajectory's regisseur may be any regie organisation).
OWN = "gemeente-almere"

# One valid body per command on an existing trajectory, with the path below the trajectory;
# ``{entity}`` is an intervention's or order's id. Valid in shape (the sweeps below need the
# request to reach the application), and in content for the scenario's first use.
ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "recordBsn": ("/bsn-registrations", {"bsn": "111222333"}),
    "recordInformationLetter": ("/information-letters", {"sentOn": "2026-10-20"}),
    "assignRegisseur": (
        "/regisseur-assignments",
        {"userId": "u-regie-02", "organisation": "ggd-flevoland"},
    ),
    "involvePartner": (
        "/partners",
        {
            "organisation": "halt-flevoland",
            "role": "halt",
            "legalBasis": "convenant_pga",
            "since": "2026-10-06",
        },
    ),
    "withdrawPartner": (
        "/partner-withdrawals",
        {"organisation": "jongerenwerk-almere", "withdrawnOn": "2026-10-07", "why": "Niet nodig"},
    ),
    "recordPoliceHomeVisit": (
        "/police-home-visits",
        {"visitedOn": "2026-10-06", "youthInformed": True, "parentsInformed": False},
    ),
    "holdIntake": (
        "/intakes",
        {"heldOn": "2026-10-08", "attendees": ["Jongere", "Ouder A"], "trustedPerson": "Mentor X"},
    ),
    "declineInclusion": (
        "/inclusion-declines",
        {"declinedOn": "2026-10-08", "why": "Geen grond voor opname"},
    ),
    "holdCaseConference": (
        "/case-conferences",
        {
            "heldOn": "2026-10-09",
            "participants": ["ggd-flevoland", "halt-flevoland"],
            "decisions": "Plan opstellen",
            "nextOn": "2027-01-09",
        },
    ),
    "scoreLifeDomain": (
        "/life-domain-scores",
        {"lifeDomain": "school", "score": 2, "instrument": "zrm", "scoredOn": "2026-10-09"},
    ),
    "adoptPlan": (
        "/plans",
        {
            "adoptedOn": "2026-10-10",
            "goals": [
                {
                    "goalId": "00000000-0000-4000-8000-000000000001",
                    "lifeDomain": "school",
                    "description": "Weer naar school",
                    "responsibleOrganisation": "ggd-flevoland",
                    "dueOn": "2027-01-31",
                },
                {
                    "lifeDomain": "justitie",
                    "description": "Halt-afdoening afronden",
                    "responsibleOrganisation": "halt-flevoland",
                    "dueOn": "2027-02-28",
                },
            ],
            "agreements": "Wekelijks contact",
        },
    ),
    "startPlanRevision": (
        "/plan-revisions",
        {"startedOn": "2026-10-12", "why": "Nieuwe politiecontacten"},
    ),
    "revisePlan": (
        "/revised-plans",
        {
            "adoptedOn": "2026-10-13",
            "goals": [
                {
                    "lifeDomain": "gezin",
                    "description": "Ouders betrekken",
                    "responsibleOrganisation": "zorg-flevoland",
                    "dueOn": "2027-03-31",
                }
            ],
        },
    ),
    "recordArrest": (
        "/arrests",
        {"arrestedOn": "2026-10-14", "offenceCategory": "diefstal", "policeReference": "PL-T-2"},
    ),
    "recordPoliceContact": (
        "/police-contacts",
        {
            "occurredOn": "2026-10-15",
            "offenceCategory": "vernieling",
            "role": "getuige",
            "policeReference": "PL-T-3",
        },
    ),
    "planIntervention": (
        "/interventions",
        {
            "kind": "halt",
            "responsibleOrganisation": "halt-flevoland",
            "legalBasis": "convenant_pga",
            "plannedStart": "2026-10-20",
            "plannedEnd": "2027-01-15",
        },
    ),
    "startIntervention": ("/interventions/{entity}/start", {"startedOn": "2026-10-21"}),
    "completeIntervention": (
        "/interventions/{entity}/completion",
        {"completedOn": "2026-11-20", "outcome": "Afgerond met leerstraf"},
    ),
    "abortIntervention": (
        "/interventions/{entity}/abortion",
        {"abortedOn": "2026-11-02", "why": "Gezin weigert"},
    ),
    "recordSchoolSignal": (
        "/school-signals",
        {
            "kind": "verzuim",
            "observedOn": "2026-10-22",
            "absenceHours": 16,
            "sourceRole": "school",
            "sourceOrganisation": "school-test-almere",
        },
    ),
    "recordJitStep": (
        "/jit-steps",
        {
            "kind": "stopgesprek",
            "occurredOn": "2026-10-24",
            "incidentOn": "2026-10-23",
            "parentsPresent": True,
        },
    ),
    "makeCareReport": ("/care-reports", {"madeOn": "2026-10-25", "summary": "Zorgen thuis"}),
    "issueMayorOrder": (
        "/mayor-orders",
        {
            "kind": "gebiedsverbod",
            "startsOn": "2026-11-01",
            "endsOn": "2027-01-31",
            "area": "Synthetisch winkelcentrum",
        },
    ),
    "extendMayorOrder": ("/mayor-orders/{entity}/extensions", {"endsOn": "2027-04-30"}),
    "escalateTrajectory": (
        "/escalations",
        {"escalatedOn": "2026-11-05", "target": "zvh", "why": "Acute zorgen"},
    ),
    "deEscalateTrajectory": (
        "/de-escalations",
        {"deEscalatedOn": "2026-11-10", "why": "Situatie stabiel"},
    ),
    "closeTrajectory": ("/closure", {"closedOn": "2026-11-25", "reasonCode": "doelen_behaald"}),
    "handOverTrajectory": (
        "/hand-over",
        {"handedOverOn": "2026-11-25", "handoverTo": "Synthetisch volwassenenteam"},
    ),
    "recordCorrection": (
        "/corrections",
        {
            "correctsVersion": 2,
            "whatWasWrong": "Verkeerde datum",
            "correction": "Juiste datum",
            "why": "Typefout",
        },
    ),
}


def body_of(operation: str, **changes: Any) -> dict[str, Any]:  # noqa: ANN401
    """Return the operation's sample body with ``changes``."""
    return ROUTES[operation][1] | changes


def url(trajectory_id: str | UUID, operation: str, entity: str | UUID | None = None) -> str:
    """Return the operation's URL on ``trajectory_id`` (``entity``: a random id if not given)."""
    suffix = ROUTES[operation][0].format(entity=entity or uuid4())
    return f"{API}/{trajectory_id}{suffix}"


@dataclass
class Case:
    """A trajectory under test and the ETag the client last saw."""

    client: TestClient[Any]
    headers: dict[str, str]
    id: str
    etag: str

    @property
    def version(self) -> int:
        """Return the version the ETag names."""
        return int(self.etag.strip('"'))

    def ok(
        self,
        operation: str,
        entity: str | None = None,
        *,
        represent: bool = False,
        **changes: Any,  # noqa: ANN401
    ) -> dict[str, Any]:
        """Send a command that must succeed; return its JSON and remember the new ETag."""
        extra = REPRESENTATION if represent else {}
        response = command(
            self.client,
            url(self.id, operation, entity),
            body_of(operation, **changes),
            self.headers,
            self.etag,
            **extra,
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == f'"{self.version + 1}"'
        self.etag = response.headers["etag"]
        result: dict[str, Any] = response.json()
        assert result["id"] == self.id
        assert result["version"] == self.version
        if represent:
            assert response.headers["preference-applied"] == "return=representation"
            assert "status" in result
        else:
            assert "preference-applied" not in response.headers
            assert set(result) <= {"id", "version", "entityId"}
        return result

    def refused(
        self,
        operation: str,
        status: int,
        rule: str,
        entity: str | None = None,
        **changes: Any,  # noqa: ANN401
    ) -> None:
        """Send a command that must be refused with a problem naming ``rule``; nothing stored."""
        response = command(
            self.client,
            url(self.id, operation, entity),
            body_of(operation, **changes),
            self.headers,
            self.etag,
        )
        assert is_problem(response, status), response.text
        assert response.json()["rule"] == rule
        assert "etag" not in response.headers

    def detail(self) -> dict[str, Any]:
        """GET the trajectory; its ETag must be the one last seen."""
        response = self.client.get(f"{API}/{self.id}", headers=self.headers)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == self.etag
        result: dict[str, Any] = response.json()
        return result


def new_case(
    client: TestClient[Any],
    headers: dict[str, str],
    **changes: Any,  # noqa: ANN401
) -> Case:
    """Refer a youth with ``Prefer: return=representation`` (the caseload has caught up after)."""
    response = client.post(API, json=REFERRAL | changes, headers=headers | REPRESENTATION)
    assert response.status_code == 201, response.text
    assert response.headers["preference-applied"] == "return=representation"
    detail = response.json()
    assert response.headers["location"] == f"{API}/{detail['id']}"
    assert (detail["version"], detail["status"]) == (1, "aangemeld")
    return Case(client, headers, detail["id"], response.headers["etag"])


def test_every_trajectory_command_has_a_documented_route(client: TestClient[Any]) -> None:
    operations = {route.operation_id for route in COMMANDS}
    assert operations == {"referTrajectory", *ROUTES}
    document = client.get("/api/v1/openapi.json").json()
    documented = {
        operation["operationId"]: (path, operation)
        for path, item in document["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for operation_id, (suffix, _body) in ROUTES.items():
        path, operation = documented[operation_id]
        expected = suffix.replace("{entity}", "{intervention_id}")
        if "mayor-orders" in suffix:
            expected = suffix.replace("{entity}", "{order_id}")
        assert path.endswith(f"/trajectories/{{trajectory_id}}{expected}")  # relative to servers
        assert operation["summary"]
        assert operation["tags"] == ["trajectories"]
        assert {"200", "400", "403", "404", "409", "412", "422", "428"} <= set(
            operation["responses"]
        )
    roles = document["components"]["schemas"]["PartnerIn"]["properties"]["role"]
    assert roles == {"$ref": "#/components/schemas/PartnerRole"}
    assert "halt" in document["components"]["schemas"]["PartnerRole"]["enum"]


def test_a_trajectory_from_referral_through_closure_and_correction(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    detail = case.detail()
    assert detail["status"] == "aangemeld"
    assert detail["partners"] == detail["interventions"] == detail["mayorOrders"] == []
    assert detail["plan"] is None
    assert detail["counts"] == {
        "arrests": 0,
        "policeContacts": 0,
        "schoolSignals": 0,
        "jitSteps": 0,
        "careReports": 0,
        "caseConferences": 0,
        "corrections": 0,
    }

    referral_to_intake(case)
    plan_and_revision(case)
    police_and_interventions(case)
    signals_and_orders(case)
    escalation_to_correction(case)

    detail = case.detail()
    assert detail["version"] == case.version == 31
    assert detail["counts"] == {
        "arrests": 1,
        "policeContacts": 1,
        "schoolSignals": 2,
        "jitSteps": 2,
        "careReports": 1,
        "caseConferences": 1,
        "corrections": 1,
    }
    assert detail["regisseur"]["userId"] == "u-regie-02"
    assert detail["networks"] == []
    assert detail["erased"] is False


def referral_to_intake(case: Case) -> None:
    """Reassign, visit, involve and withdraw partners, hold the intake and a conference, score."""
    detail = case.ok("assignRegisseur", represent=True)
    assert detail["regisseur"] == {"userId": "u-regie-02", "organisation": "ggd-flevoland"}
    case.ok("recordPoliceHomeVisit")
    detail = case.ok("involvePartner", represent=True)
    assert detail["partners"] == [
        {
            "organisation": "halt-flevoland",
            "role": "halt",
            "legalBasis": "convenant_pga",
            "since": "2026-10-06",
        }
    ]
    case.ok("involvePartner", organisation="zorg-flevoland", role="zorg", legalBasis="jeugdwet")
    case.ok("involvePartner", organisation="jongerenwerk-almere", role="jongerenwerk")
    case.ok("withdrawPartner")
    case.ok("holdIntake")
    case.ok("holdCaseConference")
    detail = case.ok("scoreLifeDomain", represent=True)
    assert detail["status"] == "intake"
    assert detail["intakeOn"] == "2026-10-08"
    assert detail["policeHomeVisitOn"] == "2026-10-06"
    assert detail["nextCaseConferenceOn"] == "2027-01-09"
    assert [partner["organisation"] for partner in detail["partners"]] == [
        "halt-flevoland",
        "zorg-flevoland",
    ]
    assert detail["lifeDomainScores"] == [
        {"lifeDomain": "school", "score": 2, "instrument": "zrm", "scoredOn": "2026-10-09"}
    ]


def plan_and_revision(case: Case) -> None:
    """Adopt the first plan (intake → actief), start a revision, adopt the revised plan."""
    detail = case.ok("adoptPlan", represent=True)
    assert detail["status"] == "actief"
    plan = detail["plan"]
    assert plan["revision"] == 1
    assert plan["adoptedOn"] == "2026-10-10"
    assert plan["agreements"] == "Wekelijks contact"
    assert plan["underRevision"] is False
    assert plan["goals"][0]["id"] == "00000000-0000-4000-8000-000000000001"
    assert UUID(plan["goals"][1]["id"])  # generated when the client sends none
    assert plan["goals"][1] == plan["goals"][1] | {
        "lifeDomain": "justitie",
        "responsibleOrganisation": "halt-flevoland",
        "dueOn": "2027-02-28",
    }
    detail = case.ok("startPlanRevision", represent=True)
    assert (detail["status"], detail["plan"]["underRevision"]) == ("bijstelling", True)
    detail = case.ok("revisePlan", represent=True)
    assert detail["status"] == "actief"
    assert detail["plan"]["revision"] == 2
    assert detail["plan"]["agreements"] is None
    assert [goal["lifeDomain"] for goal in detail["plan"]["goals"]] == ["gezin"]


def police_and_interventions(case: Case) -> None:
    """Record an arrest and a police contact; complete one intervention, cancel another."""
    case.ok("recordArrest")
    case.ok("recordPoliceContact")
    halt = case.ok("planIntervention")["entityId"]
    case.ok("startIntervention", halt)
    case.ok("completeIntervention", halt)
    mst = case.ok(
        "planIntervention",
        kind="mst",
        responsibleOrganisation="zorg-flevoland",
        legalBasis="jeugdwet",
        plannedStart="2026-11-01",
        plannedEnd="2027-03-01",
    )["entityId"]
    detail = case.ok("abortIntervention", mst, represent=True)
    assert detail["interventions"] == [
        {
            "id": halt,
            "kind": "halt",
            "responsibleOrganisation": "halt-flevoland",
            "legalBasis": "convenant_pga",
            "plannedStart": "2026-10-20",
            "plannedEnd": "2027-01-15",
            "status": "completed",
            "startedOn": "2026-10-21",
            "endedOn": "2026-11-20",
        },
        {
            "id": mst,
            "kind": "mst",
            "responsibleOrganisation": "zorg-flevoland",
            "legalBasis": "jeugdwet",
            "plannedStart": "2026-11-01",
            "plannedEnd": "2027-03-01",
            "status": "aborted",
            "startedOn": None,
            "endedOn": "2026-11-02",
        },
    ]


def signals_and_orders(case: Case) -> None:
    """Record school signals, JIT steps, a care report; issue and extend a mayor's order."""
    case.ok("recordSchoolSignal")
    case.ok("recordSchoolSignal", kind="schorsing", absenceHours=None, sourceRole="leerplicht")
    case.ok("recordJitStep")
    case.ok("recordJitStep", kind="huisbezoek", incidentOn=None, parentsPresent=False)
    case.ok("makeCareReport")
    order = case.ok("issueMayorOrder")["entityId"]
    detail = case.ok("extendMayorOrder", order, represent=True)
    assert detail["mayorOrders"] == [
        {
            "id": order,
            "kind": "gebiedsverbod",
            "startsOn": "2026-11-01",
            "endsOn": "2027-04-30",
            "extensions": 1,
        }
    ]


def escalation_to_correction(case: Case) -> None:
    """Escalate, de-escalate, close; a correction after the closure."""
    detail = case.ok("escalateTrajectory", represent=True)
    assert (detail["status"], detail["escalatedTo"]) == ("opgeschaald", "zvh")
    detail = case.ok("deEscalateTrajectory", represent=True)
    assert (detail["status"], detail["escalatedTo"]) == ("afgeschaald", None)
    detail = case.ok("closeTrajectory", represent=True)
    assert (detail["status"], detail["closedOn"], detail["closingReason"]) == (
        "afgesloten",
        "2026-11-25",
        "doelen_behaald",
    )
    assert detail["signals"] == []
    case.ok("recordCorrection")  # rights requests still apply to a closed trajectory


def test_declining_inclusion_closes_the_trajectory(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    detail = case.ok("declineInclusion", represent=True)
    assert (detail["status"], detail["closedOn"]) == ("niet_opgenomen", "2026-10-08")
    case.refused("holdIntake", 409, "trajectory-closed")
    case.refused("declineInclusion", 409, "trajectory-closed")


def test_hand_over_closes_with_a_warm_handover(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    case.refused("closeTrajectory", 400, "invalid-value", reasonCode="overdracht_zorg")
    detail = case.ok("handOverTrajectory", represent=True)
    assert (detail["status"], detail["closingReason"]) == ("afgesloten", "overdracht_18_plus")
    case.refused("handOverTrajectory", 409, "trajectory-closed")
    case.refused("closeTrajectory", 409, "trajectory-closed")
    case.ok("recordCorrection", correctsVersion=1)


def test_domain_rules_refuse_with_a_problem_and_store_nothing(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    case.refused(
        "assignRegisseur", 409, "regisseur-unchanged", userId="u-regie-01", organisation=OWN
    )
    case.refused("involvePartner", 400, "invalid-value", role="auditor")
    case.refused("involvePartner", 400, "unknown-catalogue-entry", legalBasis="onbekende_grondslag")
    case.ok("involvePartner")
    case.refused("involvePartner", 409, "partner-already-involved")
    case.refused("withdrawPartner", 409, "partner-not-involved")
    case.refused("adoptPlan", 409, "status-transition")  # the plan follows the intake
    case.refused("startPlanRevision", 409, "status-transition")
    case.refused("scoreLifeDomain", 400, "unknown-catalogue-entry", lifeDomain="sterrenkunde")
    case.refused("scoreLifeDomain", 400, "unknown-catalogue-entry", instrument="glazen_bol")
    case.refused("recordArrest", 400, "unknown-catalogue-entry", offenceCategory="ruimtevaart")
    case.refused("recordPoliceContact", 400, "unknown-catalogue-entry", role="omstander")
    case.refused("escalateTrajectory", 409, "status-transition")  # not before the intake
    case.refused("recordSchoolSignal", 400, "invalid-value", absenceHours=None)
    case.refused("recordSchoolSignal", 400, "invalid-value", sourceRole="politie")
    case.refused("recordJitStep", 400, "invalid-value", incidentOn=None)
    case.refused("recordJitStep", 400, "date-order", incidentOn="2026-10-25")
    case.refused("makeCareReport", 400, "invalid-value", madeOn="2099-01-01")
    case.refused("holdCaseConference", 400, "invalid-value", nextOn="2026-10-09")
    case.refused("issueMayorOrder", 422, "mayor-order-max-3-months", endsOn="2027-03-01")
    case.refused("closeTrajectory", 400, "unknown-catalogue-entry", reasonCode="zomaar")
    case.refused("recordCorrection", 400, "invalid-value", correctsVersion=99)

    # Interventions: the owner's role, the lifecycle, unknown ids, a partner still responsible.
    case.refused("planIntervention", 422, "intervention-owner-role", kind="mst")
    case.refused("planIntervention", 400, "unknown-catalogue-entry", kind="halt", legalBasis="geen")
    case.refused("planIntervention", 400, "invalid-value", plannedEnd="2027-12-31")  # > 180 days
    halt = case.ok("planIntervention")["entityId"]
    case.refused("completeIntervention", 409, "intervention-lifecycle", halt)
    case.refused("withdrawPartner", 409, "partner-still-responsible", organisation="halt-flevoland")
    case.ok("startIntervention", halt)
    case.refused("startIntervention", 409, "intervention-lifecycle", halt)
    case.refused("completeIntervention", 400, "date-order", halt, completedOn="2026-10-20")
    for operation in ("startIntervention", "completeIntervention", "abortIntervention"):
        case.refused(operation, 404, "unknown-reference", str(uuid4()))
    case.ok("abortIntervention", halt)
    case.refused("abortIntervention", 409, "intervention-lifecycle", halt)

    # Mayor's orders: at most three extensions, each at most three months; unknown ids.
    order = case.ok("issueMayorOrder", startsOn="2026-11-01", endsOn="2026-12-01")["entityId"]
    case.refused("extendMayorOrder", 404, "unknown-reference", str(uuid4()))
    case.refused("extendMayorOrder", 422, "mayor-order-max-3-months", order, endsOn="2027-03-02")
    for ends_on in ("2027-01-01", "2027-02-01", "2027-03-01"):
        case.ok("extendMayorOrder", order, endsOn=ends_on)
    case.refused(
        "extendMayorOrder", 409, "mayor-order-max-3-extensions", order, endsOn="2027-04-01"
    )

    assert case.detail()["version"] == case.version


def test_the_status_machine_and_the_plan_rules_refuse_with_a_problem(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    case.ok("involvePartner")
    case.ok("holdIntake")
    case.refused("holdIntake", 409, "status-transition")
    case.refused("escalateTrajectory", 400, "unknown-catalogue-entry", target="nergens")
    case.refused("revisePlan", 409, "status-transition")
    case.refused("deEscalateTrajectory", 409, "status-transition")
    case.refused("adoptPlan", 400, "date-order", adoptedOn="2026-10-07")  # before the intake
    goals = body_of("adoptPlan")["goals"]
    case.refused("adoptPlan", 409, "partner-not-involved")  # ggd-flevoland is not the regisseur's
    own_goals = [goal | {"responsibleOrganisation": OWN} for goal in goals]
    case.refused(
        "adoptPlan", 400, "unknown-catalogue-entry", goals=[own_goals[0] | {"lifeDomain": "x"}]
    )
    case.refused("adoptPlan", 400, "invalid-value", goals=[own_goals[0], own_goals[0]])  # same id
    case.ok("adoptPlan", goals=own_goals)
    case.refused("adoptPlan", 409, "status-transition", goals=own_goals)
    case.ok("closeTrajectory")
    case.refused("closeTrajectory", 409, "trajectory-closed")
    case.refused("recordArrest", 409, "trajectory-closed")
    assert case.detail()["version"] == case.version


def test_an_intervention_outside_its_age_band_is_refused(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur, bornOn="2015-01-10")  # 11 years old: Halt is for 12-17
    case.ok("involvePartner")
    case.refused("planIntervention", 422, "intervention-age-range")
    assert case.detail()["interventions"] == []


def test_invalid_bodies_are_400_problems_for_every_command(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    for operation in ROUTES:
        response = command(
            client, url(case.id, operation), body_of(operation, unexpected=1), regisseur, case.etag
        )
        assert is_problem(response, 400), (operation, response.text)
        problem = response.json()
        assert problem["rule"] == "invalid-input"
        assert any("unexpected" in param["reason"] for param in problem["invalidParams"])
    invalid: list[tuple[str, dict[str, Any]]] = [
        ("scoreLifeDomain", {"score": 6}),
        ("recordSchoolSignal", {"absenceHours": 0}),
        ("recordSchoolSignal", {"absenceHours": 2001}),
        ("recordSchoolSignal", {"sourceRole": "astronaut"}),
        ("involvePartner", {"role": "astronaut"}),
        ("involvePartner", {"since": "gisteren"}),
        ("holdIntake", {"attendees": []}),
        ("holdIntake", {"attendees": ["x" * 201]}),
        ("holdCaseConference", {"participants": ["x"] * 51}),
        ("adoptPlan", {"goals": [body_of("adoptPlan")["goals"][0] | {"surprise": True}]}),
        ("adoptPlan", {"goals": [body_of("adoptPlan")["goals"][0] | {"goalId": "g-1"}]}),
        ("revisePlan", {"goals": []}),
        ("recordCorrection", {"correctsVersion": 0}),
        ("makeCareReport", {"summary": ""}),
        ("recordPoliceHomeVisit", {"youthInformed": "ja"}),
        ("closeTrajectory", {"reasonCode": "x" * 101}),
        ("recordBsn", {"bsn": "12345678"}),
        ("recordBsn", {"bsn": "1234567820"}),
        ("recordBsn", {"bsn": "12345678a"}),
        ("recordBsn", {"bsn": 111222333}),
        ("recordInformationLetter", {"sentOn": "morgen"}),
    ]
    for operation, changes in invalid:
        response = command(
            client, url(case.id, operation), body_of(operation, **changes), regisseur, case.etag
        )
        assert is_problem(response, 400), (operation, response.text)
        assert response.json()["rule"] == "invalid-input"
    response = client.post(
        f"{API}/{case.id}/interventions/not-a-uuid/start",
        json=body_of("startIntervention"),
        headers=regisseur | {"If-Match": case.etag},
    )
    assert is_problem(response, 404), response.text  # no such route: the id is not a UUID
    assert case.detail()["version"] == 1


def test_unknown_ids_are_404_for_every_operation(
    client: TestClient[Any], regisseur: dict[str, str], settings: Settings
) -> None:
    case = new_case(client, regisseur)
    network_id = linked_network(settings, UUID(case.id))
    case.etag = '"2"'  # placing the youth on the network's name list linked the trajectory
    detail = case.detail()
    assert detail["networks"] == [{"networkId": str(network_id), "linkedOn": "2026-10-12"}]
    for unknown in (uuid4(), network_id):
        for operation in ROUTES:
            response = command(
                client, url(unknown, operation), body_of(operation), regisseur, '"1"'
            )
            assert is_problem(response, 404), (operation, response.text)
            assert response.json()["rule"] == "not-found"
        for suffix in ("", "/timeline"):
            assert is_problem(client.get(f"{API}/{unknown}{suffix}", headers=regisseur), 404)
    assert is_problem(client.get(f"{API}/not-a-uuid", headers=regisseur), 404)
    assert case.detail()["version"] == 2


def linked_network(settings: Settings, trajectory_id: UUID) -> UUID:
    """Open a youth network up to step 2B and put the trajectory's youth on its name list."""
    app = open_application(settings)
    actor = Actor(user="u-proces-01", organisation=OWN, role=PartnerRole.PROCESREGISSEUR)
    context = CommandContext(actor=actor, correlation_id=uuid4())
    try:
        network = app.open_network(
            context,
            working_name="Testgroep Synthetisch",
            area="Testwijk",
            procesregisseur="u-proces-01",
            procesregisseur_organisation=OWN,
            opened_on=date(2026, 10, 10),
        )
        network_id, version = network.aggregate_id, network.version
        version = app.share_signal(
            context,
            network_id,
            version,
            source_organisation="politie-midden-nederland",
            observed_on=date(2026, 10, 10),
            location="Testplein",
            description="Groep hangt rond",
            online=False,
        ).version
        version = app.advance_network(
            context, network_id, version, to_step=NetworkStep.ASSESSMENT, on=date(2026, 10, 11)
        ).version
        version = app.assess_behaviour(
            context,
            network_id,
            version,
            problematic=True,
            findings="Overlast",
            assessed_on=date(2026, 10, 11),
        ).version
        version = app.advance_network(
            context, network_id, version, to_step=NetworkStep.NAME_LIST, on=date(2026, 10, 12)
        ).version
        app.place_member(
            context,
            network_id,
            version,
            given_name="Testnaam",
            family_name="Synthetisch",
            born_on=None,
            role_in_group=None,
            placed_on=date(2026, 10, 12),
            trajectory_id=trajectory_id,
        )
    finally:
        app.close()
    return network_id


def test_only_regisseurs_of_a_regie_organisation_direct_trajectories(
    client: TestClient[Any], regisseur: dict[str, str], settings: Settings
) -> None:
    # Partner roles act and read as the privacy policy says (tests/integration/api/test_partner_*).
    case = new_case(client, regisseur)
    elsewhere = bearer(settings, organisation="gemeente-lelystad", user="u-regie-99")
    procesregisseur = bearer(settings, PartnerRole.PROCESREGISSEUR, user="u-proces-01")
    for headers in (elsewhere, procesregisseur):
        for operation in ROUTES:
            response = command(client, url(case.id, operation), body_of(operation), headers, '"1"')
            assert is_problem(response, 403), (operation, response.text)
        assert is_problem(client.post(API, json=REFERRAL, headers=headers), 403)
        for suffix in ("", f"/{case.id}", f"/{case.id}/timeline"):
            assert is_problem(client.get(f"{API}{suffix}", headers=headers), 403)
    # A regisseur of an organisation that directs cases on the municipality's behalf may.
    partner_regisseur = bearer(settings, organisation="ggd-flevoland", user="u-regie-ggd")
    case.headers = partner_regisseur
    case.ok("recordPoliceHomeVisit")
    assert is_problem(client.get(f"{API}/{case.id}"), 401)
    assert case.detail()["version"] == 2


def test_a_stale_or_missing_if_match_stores_nothing(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    case.ok("recordPoliceHomeVisit")
    for operation in ROUTES:
        stale = command(client, url(case.id, operation), body_of(operation), regisseur, '"1"')
        assert is_problem(stale, 412), (operation, stale.text)
        assert stale.json()["rule"] == "version-conflict"
        assert stale.headers["etag"] == '"2"'
        ahead = command(client, url(case.id, operation), body_of(operation), regisseur, '"7"')
        assert is_problem(ahead, 412), (operation, ahead.text)
        missing = client.post(url(case.id, operation), json=body_of(operation), headers=regisseur)
        assert is_problem(missing, 428), (operation, missing.text)
    assert case.detail()["version"] == 2
    timeline = wait_for_timeline(client, regisseur, case.id, 2)
    assert [item["version"] for item in timeline["items"]] == [1, 2]


def test_the_caseload_lists_filters_sorts_and_pages(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    first = new_case(client, regisseur, familyName="Aalbers")
    second = new_case(
        client,
        regisseur,
        familyName="Bakker",
        offenceCategory="overval",
        regisseur={"userId": "u-regie-02", "organisation": OWN},
    )
    third = new_case(client, regisseur, familyName="Claes")
    third.ok("closeTrajectory", represent=True)  # waits for the caseload: all three are in it

    def listed(query: str) -> tuple[list[str], dict[str, Any]]:
        response = client.get(f"{API}?{query}", headers=regisseur)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return [item["trajectoryId"] for item in page["items"]], page

    ids, page = listed("")
    assert sorted(ids) == sorted([first.id, second.id, third.id])
    assert (page["total"], page["page"], page["pageSize"]) == (3, 1, 50)
    assert sorted(listed("closed=false")[0]) == sorted([first.id, second.id])
    assert listed("closed=true")[0] == [third.id]
    assert listed("status=afgesloten")[0] == [third.id]
    assert sorted(listed("status=aangemeld&status=afgesloten")[0]) == sorted(
        [first.id, second.id, third.id]
    )
    assert listed("regisseur=u-regie-02")[0] == [second.id]
    assert listed("offenceCategory=overval")[0] == [second.id]
    assert listed("offenceCategory=straatroof&closed=false")[0] == [first.id]
    ids, page = listed("sort=family_name&order=desc&pageSize=2")
    assert ids == [third.id, second.id]
    assert (page["total"], page["page"], page["pageSize"]) == (3, 1, 2)
    ids, page = listed("sort=family_name&order=desc&pageSize=2&page=2")
    assert (ids, page["total"], page["page"]) == ([first.id], 3, 2)
    assert listed("sort=family_name&page=3&pageSize=2")[0] == []
    assert listed("sort=referred_on")[1]["total"] == 3

    for query in (
        "pageSize=501",
        "pageSize=0",
        "page=0",
        "sort=shoe_size",
        "order=sideways",
        "status=verdwenen",
        "signal=fireworks",
        "offenceCategory=ruimtevaart",
        "closed=misschien",
    ):
        response = client.get(f"{API}?{query}", headers=regisseur)
        assert is_problem(response, 400), (query, response.text)


def wait_for_timeline(
    client: TestClient[Any],
    headers: dict[str, str],
    trajectory_id: str,
    total: int,
    query: str = "",
) -> dict[str, Any]:
    """GET the timeline until it has ``total`` entries (the timeline read model lags a little)."""
    deadline = time.monotonic() + 5
    while True:
        response = client.get(f"{API}/{trajectory_id}/timeline?{query}", headers=headers)
        if response.status_code != 503 or time.monotonic() > deadline:  # 503: not built yet
            assert response.status_code == 200, response.text
            page: dict[str, Any] = response.json()
            if page["total"] >= total or time.monotonic() > deadline:
                assert page["total"] == total
                return page
        time.sleep(0.05)


def test_the_timeline_pages_in_either_order(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    case = new_case(client, regisseur)
    for operation in ("recordPoliceHomeVisit", "holdIntake", "holdCaseConference", "recordArrest"):
        case.ok(operation)
    case.ok("recordCorrection", correctsVersion=2)
    page = wait_for_timeline(client, regisseur, case.id, 6, "pageSize=4")
    assert (page["page"], page["pageSize"], page["order"]) == (1, 4, "asc")
    assert [item["version"] for item in page["items"]] == [1, 2, 3, 4]
    assert page["items"][1]["correctedBy"] == [6]
    page = wait_for_timeline(client, regisseur, case.id, 6, "pageSize=4&page=2")
    assert [item["version"] for item in page["items"]] == [5, 6]
    assert page["items"][1]["correctsVersion"] == 2
    page = wait_for_timeline(client, regisseur, case.id, 6, "order=desc&pageSize=2")
    assert [item["version"] for item in page["items"]] == [6, 5]
    page = wait_for_timeline(client, regisseur, case.id, 6, "page=9")
    assert page["items"] == []
    for query in ("pageSize=501", "page=0", "order=sideways"):
        response = client.get(f"{API}/{case.id}/timeline?{query}", headers=regisseur)
        assert is_problem(response, 400), (query, response.text)


@pytest.mark.parametrize("represent", [False, True])
def test_a_command_answers_the_new_etag_or_the_representation(
    client: TestClient[Any], regisseur: dict[str, str], *, represent: bool
) -> None:
    case = new_case(client, regisseur)
    answer = case.ok("involvePartner", represent=represent)
    halt = case.ok("planIntervention", represent=represent)
    if represent:
        assert answer["partners"][0]["organisation"] == "halt-flevoland"
        assert halt["interventions"][0]["status"] == "planned"
        assert "entityId" not in halt
    else:
        assert answer == {"id": case.id, "version": 2}
        assert UUID(halt["entityId"])
        assert case.detail()["interventions"][0]["id"] == halt["entityId"]
