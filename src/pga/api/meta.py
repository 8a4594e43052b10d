"""The API's description (OpenAPI at /api/v1/openapi.json) and the health probes."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader

from pga.api.commands import CommandResult
from pga.api.http import API_PREFIX
from pga.api.problems import READ_PROBLEMS, problem
from pga.api.state import api_state
from pga.audit.purposes import PURPOSES
from projections import read_models
from projections.caseload import CaseloadPage
from projections.control import status
from projections.network_board import NetworkPage
from projections.timeline import TimelinePage

if TYPE_CHECKING:
    from collections.abc import Iterator

_DOCUMENT_KEY = "pga_openapi_document"
#: Response schemas that admit no other properties (Litestar leaves them open).
#: Schemas that allow no other members, so that "oneOf" of a regie and a partner representation
#: (or of a representation and the short command result) has exactly one match.
CLOSED_SCHEMAS = tuple(
    schema.__name__ for schema in (CommandResult, CaseloadPage, NetworkPage, TimelinePage)
)


@get(
    "/openapi.json",
    operation_id="getOpenApiDocument",
    opt={"personal_data": False},
    summary="OpenAPI-document van deze API",
    description="Het OpenAPI 3.1-document (ADR /core/publish-openapi); openbaar, CORS *.",
    tags=["meta"],
    exclude_from_auth=True,
    security=[],
    sync_to_thread=False,
    media_type="application/json",
    responses=READ_PROBLEMS,
    response_headers=[
        ResponseHeader(name="Access-Control-Allow-Origin", value="*", description="CORS: iedereen")
    ],
)
def openapi_document(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Return the OpenAPI document with paths relative to its server ``/api/v1``."""
    document: dict[str, Any] | None = request.app.state.get(_DOCUMENT_KEY)
    if document is None:  # built once per process: the routes do not change while serving
        document = api_document(request.app.openapi_schema.to_schema())
        request.app.state[_DOCUMENT_KEY] = document
    return document


def api_document(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite Litestar's document into the published one.

    Only the /api/v1 paths, relative to the server ``/api/v1``; plus what Litestar cannot say:
    the ``If-Match`` every command on an existing aggregate needs, the optional ``X-Purpose``
    of every authenticated operation (checked by ``check_request``), a schema for every response
    header, no ``name`` on the bearer scheme, no security on the document itself, and closed
    command results.
    """
    document = copy.deepcopy(schema)  # Litestar may hand out its cached document
    document["paths"] = {
        path.removeprefix(API_PREFIX): item
        for path, item in sorted(document.get("paths", {}).items())
        if path.startswith(f"{API_PREFIX}/")
    }
    document["servers"] = [{"url": API_PREFIX, "description": "Deze server"}]
    for operation in _operations(document):
        _complete_operation(operation)
    components = document.get("components", {})
    for scheme in components.get("securitySchemes", {}).values():
        if scheme.get("type") == "http":
            scheme.pop("name", None)  # only apiKey schemes have a name (OpenAPI 3.1)
    public = document["paths"].get("/openapi.json", {}).get("get")
    if public is not None:
        public["security"] = []  # Litestar drops an empty list; the document is public
    schemas = components.get("schemas", {})
    for name in CLOSED_SCHEMAS:
        if name in schemas:
            # Without it a detail representation would also match the short command result,
            # and "oneOf" of the two would never hold.
            schemas[name] = {**schemas[name], "additionalProperties": False}
    return document


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": 'De ETag van de laatst gelezen versie, bijvoorbeeld "3" (ontbreekt: 428).',
    "schema": {"type": "string", "pattern": '^\\s*"\\d{1,9}"\\s*$'},
}


#: The purpose of a request (the access log's purpose), from the register; optional.
X_PURPOSE = {
    "name": "X-Purpose",
    "in": "header",
    "required": False,
    "description": (
        "Het doel waarvoor de gegevens worden ingezien (komt in het toegangslogboek); "
        "zonder deze header geldt het standaarddoel van de rol. Een onbekend doel: 400."
    ),
    "schema": {"type": "string", "enum": list(PURPOSES)},
}


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):  # not a path item's shared "parameters" list
                yield operation


def _complete_operation(operation: dict[str, Any]) -> None:
    responses = operation.get("responses") or {}
    if "428" in responses:  # a command on an existing aggregate
        operation["parameters"] = [*operation.get("parameters", []), dict(IF_MATCH)]
    if operation.get("operationId") != "getOpenApiDocument":  # every authenticated operation
        operation["parameters"] = [*operation.get("parameters", []), copy.deepcopy(X_PURPOSE)]
    for response in responses.values():
        for header in (response.get("headers") or {}).values():
            # Documentation-only headers (ETag, Location…) have no schema, which OpenAPI
            # requires; every header of this API is a string.
            header.setdefault("schema", {"type": "string"})


class Health(msgspec.Struct, kw_only=True):
    """A health probe's answer."""

    status: str


@get(
    "/health/live",
    opt={"personal_data": False},
    include_in_schema=False,
    exclude_from_auth=True,
    sync_to_thread=False,
)
def live() -> Health:
    """Answer 200 while the process is up (liveness)."""
    return Health(status="ok")


@get(
    "/health/ready",
    opt={"personal_data": False},
    include_in_schema=False,
    exclude_from_auth=True,
    sync_to_thread=True,
)
def ready(request: Request[Any, Any, Any]) -> Response[Any]:
    """Answer 200 when the database answers and the read models lag less than allowed."""
    state = api_state(request)
    try:
        with state.connection() as connection:
            statuses = status(connection, state.schema, read_models(state.settings))
    except Exception:  # noqa: BLE001 - any failure to reach the database means not ready
        body = problem(503, "De database is niet bereikbaar.", rule="database-unreachable")
        return Response(body, status_code=503, media_type="application/problem+json")
    behind = [
        each.name
        for each in statuses
        if each.failure is not None
        or each.stored_version is None
        or each.lag_seconds > state.settings.ready_max_lag_seconds
    ]
    if behind:
        body = problem(
            503, f"Leesmodellen lopen achter of staan stil: {', '.join(behind)}.", rule="not-ready"
        )
        return Response(body, status_code=503, media_type="application/problem+json")
    return Response(Health(status="ok"))
