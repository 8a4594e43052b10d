"""POST /api/v1/trajectories/{id}/erasure: erase the youth's personal data (AVG art. 17).

The regisseur erases the personal data of the youth of a trajectory, on the youth's request or
because a retention term ended: every trajectory of the youth gets a tombstone, the youth leaves
every name list, and the youth's data keys are destroyed (``PgaApplication.erase_subject``). Like
every command it needs ``If-Match`` with the trajectory's version (428 without it, 412 when
stale). The body names the basis (a code of ``ERASURE_BASES``) and the reason (free text, itself
personal: it is erased with the rest). A youth already erased is a conflict (409). Partners may
not erase (403).

The answer (200) is the erasure report (ids, the basis and the number of keys destroyed; no
personal data), once the read models that show the youth have processed the tombstones, or after
``PGA_API_WAIT_SECONDS`` with ``viewsUpdated: false``: the erasure is done either way, and like
any command it never fails because a view lags. The request is written to the access log with
the erased youth's ids.
"""

from __future__ import annotations

from datetime import date
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, post
from litestar.datastructures import ResponseHeader
from litestar.params import Body, FromPath

from pga.api.access import shown
from pga.api.commands import caught_up, etag, expected_version, strict_body
from pga.api.problems import COMMAND_PROBLEMS, problem_spec
from pga.api.state import TRAJECTORY_ROLES, api_state, command_context, requires
from pga.domain.common import ERASURE_BASES, MAX_SHORT_TEXT, MAX_TEXT

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

    from pga.application import ErasureReport

TAG = "trajectories"
#: The read models that show a youth's data: the answer waits until each has the tombstones.
WAITS_FOR = ("caseload", "timeline", "partner_views", "network_board", "network_graph")

ErasureBasis = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_SHORT_TEXT,
        description=f"De grondslag van de verwijdering: een van {', '.join(ERASURE_BASES)}.",
    ),
]


class ErasureIn(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """What the regisseur states when erasing: the basis (a code) and the reason (free text)."""

    basis: ErasureBasis
    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MAX_TEXT,
            description="Waarom (persoonsgegeven: wordt met de rest verwijderd).",
        ),
    ]


class ErasureOut(msgspec.Struct, kw_only=True, rename="camel"):
    """The erasure report: what got a tombstone and how many keys were destroyed."""

    subject_id: UUID
    """The erased youth."""
    trajectories: list[UUID]
    """The trajectories of the youth that got a tombstone now."""
    networks: list[UUID]
    """The youth networks whose name list the youth left."""
    keys_destroyed: int
    """The youth's data keys deleted (crypto-shredding)."""
    erased_on: date
    basis: str
    versions: dict[UUID, int]
    """The new version of every trajectory and network that got a tombstone."""
    views_updated: bool
    """Whether every view that showed the youth has processed the erasure already."""


@post(
    "/trajectories/{trajectory_id:uuid}/erasure",
    operation_id="eraseSubject",
    opt={"personal_data": True},
    summary="Verwijder de persoonsgegevens van de jongere van dit traject (AVG art. 17)",
    description=(
        "Alle trajecten van de jongere krijgen een verwijderingsmarkering, de jongere verdwijnt "
        "van elke namenlijst en de sleutels van de jongere worden vernietigd: de opgeslagen "
        "gegevens zijn daarna voor niemand meer leesbaar. Alleen voor de regisseur; If-Match "
        "met de ETag van het traject. Het verslag volgt zodra de overzichten zijn bijgewerkt "
        "(viewsUpdated), of na de wachttijd met viewsUpdated false."
    ),
    tags=[TAG],
    guards=[requires(*TRAJECTORY_ROLES)],
    before_request=strict_body(ErasureIn),
    status_code=HTTPStatus.OK,
    response_headers=[
        ResponseHeader(
            name="ETag",
            description="De nieuwe versie van het traject (als het nu is verwijderd).",
            documentation_only=True,
            required=False,
        )
    ],
    responses={
        **COMMAND_PROBLEMS,
        409: problem_spec("De gegevens van de jongere zijn al verwijderd"),
    },
    sync_to_thread=True,
)
def erase_subject(
    request: Request[Any, Any, Any],
    trajectory_id: FromPath[UUID],
    data: Annotated[ErasureIn, Body(schema_extra={"additionalProperties": False})],
) -> Response[ErasureOut]:
    """Erase the youth of the trajectory; answer the erasure report."""
    state = api_state(request)
    report = state.app.erase_subject(
        command_context(request),
        trajectory_id,
        reason=data.reason,
        basis=data.basis,
        expected_version=expected_version(request),
    )
    shown(request, report.subject_id, *report.trajectories, *report.networks)
    updated = all(caught_up(state, name, report.position) for name in WAITS_FOR)
    headers = {}
    if trajectory_id in report.versions:
        headers["ETag"] = etag(report.versions[trajectory_id])
    return Response(_out(report, views_updated=updated), status_code=HTTPStatus.OK, headers=headers)


def _out(report: ErasureReport, *, views_updated: bool) -> ErasureOut:
    return ErasureOut(
        subject_id=report.subject_id,
        trajectories=list(report.trajectories),
        networks=list(report.networks),
        keys_destroyed=report.keys_destroyed,
        erased_on=report.erased_on,
        basis=report.basis,
        versions=dict(report.versions),
        views_updated=views_updated,
    )


def handlers() -> list[HTTPRouteHandler]:
    """Every erasure operation."""
    return [erase_subject]
