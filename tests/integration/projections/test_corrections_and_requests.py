"""Corrections by field and rights requests in the read models, incrementally and rebuilt.

Built one event at a time (or in one batch) and rebuilt from zero, both builds hold the same
content; an erasure after a correction leaves no corrected value behind.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from pga.domain.catalogue import PartnerRole
from pga.domain.trajectory import (
    CorrectedField,
    Requester,
    RightsRequestKind,
    RightsRequestOutcome,
)
from projections.caseload import Caseload
from projections.control import digest
from projections.partner_views import PartnerViews, Viewer, partner_timeline, partner_trajectory
from projections.rights_requests import RightsRequests, list_rights_requests
from projections.runner import catch_up
from projections.timeline import Timeline
from tests.integration.projections.cases import Handle, activate, erase, involve, refer

if TYPE_CHECKING:
    import psycopg

    from pga.application import PgaApplication
    from projections.base import ReadModel
    from tests.integration.projections.conftest import Project

POLICE = Viewer(organisation="politie-midden-nederland", role="politie")
MODELS = (Caseload, Timeline, PartnerViews, RightsRequests)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def corrected_case(app: PgaApplication, project: Project, *, step_by_step: bool) -> Handle:
    """Refer, involve police, correct the name and date of birth, receive a request."""
    models = [model() for model in MODELS]
    case = refer(app)
    involve(case, POLICE.organisation, PartnerRole.POLITIE, d(1, 6))
    activate(case)
    if step_by_step:
        project(*models, batch_size=1)
    case(
        app.record_correction,
        corrects_version=1,
        why="Verzoek om correctie",
        corrected_fields=(
            CorrectedField("given_name", "Gecorrigeerd"),
            CorrectedField("born_on", "2008-05-17"),
            CorrectedField("police_reference", "PL-CORR-0002"),
        ),
    )
    recorded = case(
        app.receive_rights_request,
        kind=RightsRequestKind.VERWIJDERING,
        requester=Requester.JONGERE,
        received_on=d(2, 2),
    )
    assert recorded.entity_id is not None
    case(
        app.extend_rights_request, request_id=recorded.entity_id, extended_on=d(2, 3), why="Omvang"
    )
    project(*models, batch_size=1 if step_by_step else 500)
    return case


def digests(connection: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    return {model.name: digest(connection, schema, model()) for model in MODELS}


def rebuilt(
    app: PgaApplication, connection: psycopg.Connection[Any], schema: str
) -> dict[str, str]:
    models: list[ReadModel] = [model() for model in MODELS]
    catch_up(app, models, mode="rebuild", batch_size=500)
    return digests(connection, schema)


@pytest.mark.parametrize("step_by_step", [True, False])
def test_a_correction_shows_everywhere_and_equals_a_rebuild(
    app: PgaApplication,
    project: Project,
    connection: psycopg.Connection[Any],
    schema: str,
    step_by_step: bool,  # noqa: FBT001
) -> None:
    case = corrected_case(app, project, step_by_step=step_by_step)

    view = msgspec.json.encode(partner_trajectory(connection, schema, case.id, POLICE)).decode()
    timeline = msgspec.json.encode(
        partner_timeline(connection, schema, case.id, POLICE, "trajectory")
    ).decode()
    assert '"givenName":"Gecorrigeerd"' in view
    assert '"ageBand":"16-17"' in view  # 17 on the referral date, as corrected (was 15)
    assert '"given_name":"Gecorrigeerd"' in timeline
    assert "PL-CORR-0002" in timeline
    for shown in (view, timeline):
        assert "Testjongere" not in shown
        assert "PL-TEST-0001" not in shown
        assert "RightsRequest" not in shown  # partners see no rights requests
    (request,) = list_rights_requests(connection, schema, today=d(6, 1)).items
    assert (request.due_on, request.extended, request.overdue) == (d(5, 2), True, True)
    assert digests(connection, schema) == rebuilt(app, connection, schema)


def test_an_erasure_after_a_correction_leaves_no_corrected_value(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any], schema: str
) -> None:
    case = corrected_case(app, project, step_by_step=True)
    (request,) = list_rights_requests(connection, schema, today=d(3, 1)).items

    erase(case, erased_on=d(3, 1))
    case(
        app.complete_rights_request,
        request_id=request.request_id,
        completed_on=d(3, 1),
        outcome=RightsRequestOutcome.GRANTED,
    )
    project(*(model() for model in MODELS), batch_size=1)

    view = msgspec.json.encode(partner_trajectory(connection, schema, case.id, POLICE)).decode()
    timeline = msgspec.json.encode(
        partner_timeline(connection, schema, case.id, POLICE, "trajectory")
    ).decode()
    for shown in (view, timeline):
        assert "Gecorrigeerd" not in shown
        assert "PL-CORR" not in shown
    (done,) = list_rights_requests(connection, schema, today=d(3, 2), status="completed").items
    assert done.outcome is RightsRequestOutcome.GRANTED
    assert digests(connection, schema) == rebuilt(app, connection, schema)
