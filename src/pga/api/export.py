"""/api/v1/trajectories/{id}/export: inzage, everything the platform holds about one youth.

The regisseur exercises the youth's right of access (AVG art. 15) for the youth or the parents:
the export of ``pga.rights.export`` (every trajectory of the youth with all events and metadata,
the current states, the youth's entries on name lists, the partners involved, the access log),
as JSON (``format=json``, the default) or as a readable Dutch document (``format=html``), always
as a download (``Content-Disposition: attachment``) that no cache may keep
(``Cache-Control: no-store``). Only the regisseur: a partner's view is limited by the privacy
policy, and an export would show it everything (403).

The id in the path is one of the youth's trajectory ids or the youth's subject id; a youth who
is only on youth networks' name lists (no trajectory) is exported by its member id, which is its
subject id. Both work after erasure too: the export then shows what remains (ids, tombstones,
dates that are not personal, the access log), each erased value as ``null``. The youth's other
trajectories are found in the caseload, so the handler first waits for the caseload to reach the
log's head (at most ``PGA_API_WAIT_SECONDS``, else 503): an export made right after a referral
still holds it. The response is written to the access log naming every id it shows (the subject
id and each trajectory id), so the youth's next export lists this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import FromPath, QueryParameter

from pga.api.access import shown
from pga.api.problems import READ_PROBLEMS
from pga.api.state import TRAJECTORY_ROLES, api_state, requires
from pga.rights.export import (
    ExportFormat,
    SubjectExport,
    export_subject,
    render,
    wait_for_caseload,
)

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

TAG = "trajectories"

TrajectoryId = FromPath[UUID]
#: The download's headers, as the OpenAPI document describes them.
_HEADERS = {
    "API-Version": "De volledige versie van de API (semver).",
    "Content-Disposition": 'attachment; filename="inzage-<id>.json" (of .html)',
    "Cache-Control": "no-store: geen cache mag het bewaren",
}

Format = Annotated[
    ExportFormat,
    QueryParameter(
        name="format",
        description="json (standaard): het hele overzicht als JSON; html: een leesbaar "
        "Nederlandstalig document om aan de jongere of de ouders te geven.",
    ),
]


@dataclass
class ExportOperation(Operation):
    """``exportSubject`` in the OpenAPI document: its 200 is JSON or HTML, with its headers.

    Litestar documents one media type per response, and none of the app's or the route's
    headers (``API-Version`` included) once the 200 is described explicitly (which the JSON
    schema needs), so both are added here.
    """

    def __post_init__(self) -> None:
        """Add the HTML alternative and the download headers to the 200 response."""
        ok = (self.responses or {}).get("200")
        if not isinstance(ok, OpenAPIResponse):  # pragma: no cover - the route describes it
            return
        ok.content = {
            **(ok.content or {}),
            "text/html": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
        }
        ok.headers = {
            name: OpenAPIHeader(
                description=description, required=True, schema=Schema(type=OpenAPIType.STRING)
            )
            for name, description in _HEADERS.items()
        }


@get(
    "/trajectories/{trajectory_id:uuid}/export",
    operation_id="exportSubject",
    opt={"personal_data": True},
    summary="Inzage: alles wat het platform over de jongere van dit traject vastlegt",
    description=(
        "Alle trajecten van de jongere met elke gebeurtenis en haar metadata (ook het BSN), "
        "de huidige toestand, de plaats op namenlijsten, de betrokken organisaties en het "
        "toegangslogboek: wie de gegevens wanneer, in welke rol en waarom bekeek. Als download "
        "(JSON of HTML); alleen voor de regisseur. Het id is een traject-id of het "
        "subject-id van de jongere; een jongere die alleen op een namenlijst staat, heeft "
        "alleen een subject-id (het lid-id). Ook na verwijdering: dan met wat er over is (ids, "
        "verwijderingsmarkeringen, data die geen persoonsgegeven zijn, het toegangslogboek); "
        "een verwijderde waarde is null en staat in erasedFields."
    ),
    tags=[TAG],
    guards=[requires(*TRAJECTORY_ROLES)],
    responses={
        200: ResponseSpec(
            data_container=SubjectExport,
            description="Het overzicht als JSON (format=json) of als HTML-document (format=html)",
            generate_examples=False,
        ),
        **READ_PROBLEMS,
    },
    operation_class=ExportOperation,
    sync_to_thread=True,
)
def export_subject_data(
    request: Request[Any, Any, Any],
    trajectory_id: TrajectoryId,
    export_format: Format = ExportFormat.JSON,
) -> Response[bytes]:
    """Return the youth's export as a download (404: no trajectory or youth has this id)."""
    state = api_state(request)
    with state.connection() as connection:
        wait_for_caseload(connection, state.schema, timeout=state.settings.api_wait_seconds)
        export = export_subject(state.app, connection, state.schema, trajectory_id)
    shown(request, *export.ids)
    return Response(
        render(export, export_format),
        media_type=export_format.media_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="inzage-{trajectory_id}.{export_format.value}"'
            ),
            "Cache-Control": "no-store",
        },
    )


def handlers() -> list[HTTPRouteHandler]:
    """Every export operation."""
    return [export_subject_data]
