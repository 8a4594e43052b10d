"""The partner views on PostgreSQL: erasure, destroyed name lists, life domains, closing dates."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import msgspec

from pga.domain.catalogue import PartnerRole
from pga.domain.network import NetworkStep
from pga.domain.trajectory import PlanGoal
from pga.privacy.policy import NETWORK, TRAJECTORY
from projections.partner_views import (
    PartnerViews,
    Viewer,
    partner_network,
    partner_timeline,
    partner_trajectories,
    partner_trajectory,
)
from tests.integration.projections.cases import (
    GGD,
    SCHOOL,
    Handle,
    activate,
    erase,
    involve,
    refer,
)
from tests.integration.projections.conftest import POLITIE
from tests.integration.projections.network_driver import NetworkDriver

if TYPE_CHECKING:
    from uuid import UUID

    import psycopg

    from pga.application import PgaApplication
    from tests.integration.projections.conftest import Project

POLICE = Viewer(organisation="politie-midden-nederland", role="politie")
SCHOOL_VIEW = Viewer(organisation=SCHOOL, role="school")
JIT = Viewer(organisation="jit-almere", role="jit")


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def timeline_text(
    connection: psycopg.Connection[Any], schema: str, aggregate_id: UUID, viewer: Viewer, kind: str
) -> str:
    page = partner_timeline(connection, schema, aggregate_id, viewer, kind)
    assert page is not None
    return msgspec.json.encode(page).decode()


def test_erasure_nulls_every_erased_field_in_every_role_s_rows_and_documents(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    involve(case, POLICE.organisation, PartnerRole.POLITIE, d(1, 6))
    activate(case)
    case(
        app.issue_mayor_order,
        kind="gebiedsverbod",
        starts_on=d(1, 12),
        ends_on=d(3, 12),
        area="Gebiedsmarker Stationsplein",
    )
    case(
        app.record_arrest,
        POLITIE,
        arrested_on=d(1, 13),
        offence_category="diefstal",
        police_reference="PL-MARKER-0001",
    )
    project(PartnerViews())
    before = msgspec.json.encode(partner_trajectory(connection, schema, case.id, POLICE)).decode()
    assert "Gebiedsmarker" in before  # politie sees mayor's orders at L2
    assert "Testjongere" in before  # and the referral at L2
    assert "PL-MARKER" in timeline_text(connection, schema, case.id, POLICE, TRAJECTORY)

    erase(case, erased_on=d(2, 1))
    project(PartnerViews())

    after = msgspec.json.encode(partner_trajectory(connection, schema, case.id, POLICE)).decode()
    timeline = timeline_text(connection, schema, case.id, POLICE, TRAJECTORY)
    for personal in ("Gebiedsmarker", "Testjongere", "Voorbeeld", "PL-MARKER", "J-"):
        assert personal not in after, personal
        assert personal not in timeline, personal
    assert '"offenceCategory":"straatroof"' in after  # what is not personal stays


def test_a_destroyed_name_list_leaves_partners_only_that_something_happened(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    network = NetworkDriver(app, "Groep Markerplein")
    network.join(JIT.organisation, PartnerRole.JIT, d(1, 5))
    network.to_name_list(d(1, 8))
    member = network.place(d(1, 9), given_name="Ledenmarker", family_name="Lijstmarker")
    network.inform(member, d(1, 10))
    project(PartnerViews())
    view = partner_network(connection, schema, network.id, JIT)
    assert view is not None
    assert [each.given_name for each in view.members] == ["Ledenmarker"]  # JIT: L2
    assert view.members[0].pseudonym.startswith("J-")

    network.step_back(NetworkStep.ASSESSMENT, d(1, 12))
    project(PartnerViews())

    view = partner_network(connection, schema, network.id, JIT)
    assert view is not None
    assert view.members == []
    timeline = timeline_text(connection, schema, network.id, JIT, NETWORK)
    for personal in ("Ledenmarker", "Lijstmarker", "J-", str(member)):
        assert personal not in timeline
    page = partner_timeline(connection, schema, network.id, JIT, NETWORK)
    assert page is not None
    about_member = [item for item in page.items if item.kind in {"MemberPlaced", "MemberInformed"}]
    assert [(item.level, item.details) for item in about_member] == [("L0", {}), ("L0", {})]


def test_at_l1_a_plan_shows_only_the_goals_of_the_role_s_life_domains(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = refer(app)
    involve(case, SCHOOL, PartnerRole.SCHOOL, d(1, 6))
    school_goal = PlanGoal(app.new_id(), "school", "Schooldoelmarker", GGD, d(3, 1))
    family_goal = PlanGoal(app.new_id(), "gezin", "Gezinsdoelmarker", GGD, d(3, 1))
    activate(case, school_goal, family_goal)
    project(PartnerViews())

    view = partner_trajectory(connection, schema, case.id, SCHOOL_VIEW)
    assert view is not None
    assert view.plan is not None
    assert [goal.description for goal in view.plan.goals] == ["Schooldoelmarker"]
    assert view.plan.agreements is None  # L2 only
    timeline = timeline_text(connection, schema, case.id, SCHOOL_VIEW, TRAJECTORY)
    assert "Schooldoelmarker" in timeline
    assert "Gezinsdoelmarker" not in timeline


def test_a_declined_trajectory_is_closed_in_the_partner_s_list(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case: Handle = refer(app)
    involve(case, SCHOOL, PartnerRole.SCHOOL, d(1, 6))
    case(app.hold_intake, held_on=d(1, 9), attendees=("jongere",), trusted_person=None)
    case(app.decline_inclusion, declined_on=d(1, 12), why="Geen grond")
    project(PartnerViews())

    closed = partner_trajectories(connection, schema, SCHOOL_VIEW, closed=True)
    assert [(item.id, item.status, item.closed_on) for item in closed.items] == [
        (case.id, "niet_opgenomen", d(1, 12))
    ]
    assert partner_trajectories(connection, schema, SCHOOL_VIEW, closed=False).items == []
