"""Commands over HTTP: one POST operation per command kind, built from a table of ``CommandRoute``.

Every command on an existing aggregate requires ``If-Match`` with the version the caller last saw
(the ``ETag`` of its GET): missing is 428, stale is 412 and nothing is stored. The application
checks the version when it loads the aggregate and again, atomically, when it saves (the event
store's unique key on aggregate and version), so of concurrent commands on one version exactly
one is stored. A successful command answers the new ``ETag``; with
``Prefer: return=representation`` it waits (at most ``PGA_API_WAIT_SECONDS``) until the read
models have processed the command and answers the updated resource.

A route is data: its path, its request body (a ``msgspec.Struct``), the regie roles that may
issue it and how to call the application. Partner roles may issue it where the privacy policy
grants them the operation, and only on an aggregate their organisation is involved in now, in
that role (else 404, as if it did not exist); ``partner_check`` adds what the operation needs
besides (the partner is responsible for the intervention, records as its own organisation).
``command_handler`` turns a route into a Litestar handler whose signature Litestar reads for
validation and for the OpenAPI document.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, post
from litestar.datastructures import ResponseHeader
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body, FromPath

from pga.api.access import shown
from pga.api.http import API_PREFIX, check_request, safe_name
from pga.api.problems import (
    COMMAND_PROBLEMS,
    CREATE_PROBLEMS,
    BadRequest,
    InvalidParam,
    NotInvolved,
    PreconditionRequired,
    without_values,
)
from pga.api.state import (
    actor,
    api_state,
    command_context,
    partner_command,
    partner_viewer,
    requires,
)
from projections.control import wait_for
from projections.runner import ProjectionError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from litestar.handlers import HTTPRouteHandler

    from pga.api.state import ApiState
    from pga.application import PgaApplication, Recorded
    from pga.domain.catalogue import PartnerRole
    from pga.recording import Actor, CommandContext
    from projections.partner_views import Viewer

_ETAG = re.compile(r'\s*"(\d{1,9})"\s*')


class CommandResult(
    msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel", forbid_unknown_fields=True
):
    """What a command answers without ``Prefer: return=representation``."""

    id: UUID
    """The aggregate the command changed (or created)."""
    version: int
    """The aggregate's new version (also the ``ETag``)."""
    entity_id: UUID | None = None
    """What the command created inside the aggregate (an intervention, an order, a member…)."""
    linked_versions: dict[UUID, int] | None = None
    """New versions of other aggregates the command changed too (a trajectory placed on or
    removed from a network's name list), so a client holding their ETags can go on."""


def etag(version: int) -> str:
    """Return the strong entity tag of an aggregate version."""
    return f'"{version}"'


def expected_version(request: Request[Any, Any, Any]) -> int:
    """Return the version ``If-Match`` names; 428 when it is missing, 400 when it is malformed."""
    value = request.headers.get("if-match")
    if value is None or not value.strip():
        msg = 'Stuur If-Match met de ETag van de laatst gelezen versie (bijvoorbeeld "3").'
        raise PreconditionRequired(detail=msg)
    matched = _ETAG.fullmatch(value)
    if matched is None:
        raise BadRequest(
            'If-Match moet één sterke ETag zijn, zoals "3".',
            rule="invalid-if-match",
        )
    return int(matched.group(1))


def wants_representation(request: Request[Any, Any, Any]) -> bool:
    """Whether the client sent ``Prefer: return=representation`` (RFC 7240)."""
    prefer = request.headers.get("prefer", "")
    return any(
        part.strip().lower() == "return=representation"
        for item in prefer.split(",")
        for part in item.split(";")
    )


@dataclass(frozen=True)
class Resource:
    """An aggregate kind as the API shows it."""

    collection: str
    """The collection path (``/trajectories``)."""
    id_parameter: str
    """The path parameter naming the aggregate (``trajectory_id``)."""
    read_model: str
    """The read model a representation waits for (read-your-writes)."""
    represent: Callable[[ApiState, UUID], Any]
    """Builds the resource's detail representation (after the read model caught up)."""
    detail_type: Any
    """The detail representation's type (for the OpenAPI document)."""
    tag: str
    load: Callable[[PgaApplication, UUID], Any]
    """Loads the aggregate (404 for an unknown id or another kind's id)."""
    partner_read_model: str
    """The read model a partner's representation waits for."""
    represent_partner: Callable[[ApiState, UUID, Viewer], Any]
    """Builds a partner's representation (its own view)."""
    partner_type: Any
    shows: Callable[[ApiState, UUID, Any], Iterable[UUID]] = lambda _state, _id, _shown: ()
    """The youths a representation (the regisseur's or a partner's) shows besides the aggregate:
    a network's members, where the representation lists them."""


@dataclass(frozen=True)
class CommandRoute:
    """One command as an HTTP operation."""

    operation_id: str
    path: str
    """Relative to the aggregate (``/arrests``), or ``""`` for a creating command."""
    body: type[msgspec.Struct]
    call: Callable[
        [PgaApplication, CommandContext, UUID | None, int | None, Any, Mapping[str, Any]], Recorded
    ]
    """``(app, context, aggregate id, expected version, body, other path params) -> Recorded``."""
    summary: str
    roles: tuple[PartnerRole, ...]
    description: str = ""
    creates: bool = False
    """The command creates the aggregate (no ``If-Match``; 201 with ``Location``)."""
    extra_path_parameters: tuple[str, ...] = field(default=())
    partner_check: Callable[[Actor, Any, Any, Mapping[str, Any]], None] | None = None
    """``(actor, aggregate, body, other path params)``: raise ``NotResponsible`` to refuse."""
    waits_for: str | None = None
    """A read model the command always waits for before it answers (at most
    ``PGA_API_WAIT_SECONDS``): starting or ending an involvement answers once the partner views
    have it, so the partner's next request sees the case (or no longer sees it)."""


def command_handler(resource: Resource, route: CommandRoute) -> HTTPRouteHandler:
    """Build the Litestar handler of ``route`` on ``resource``."""
    path = (
        resource.collection
        if route.creates
        else (f"{resource.collection}/{{{resource.id_parameter}:uuid}}{route.path}")
    )

    path_parameters = (
        *(() if route.creates else (resource.id_parameter,)),
        *route.extra_path_parameters,
    )

    def handle(request: Request[Any, Any, Any], data: Any, **path: Any) -> Response[Any]:  # noqa: ANN401
        state = api_state(request)
        version = None if route.creates else expected_version(request)
        aggregate_id = None if route.creates else path[resource.id_parameter]
        others = {name: path[name] for name in route.extra_path_parameters}
        viewer = partner_viewer(request, *route.roles)
        if viewer is not None:
            _check_partner(request, resource, route, aggregate_id, data, others)
        recorded = route.call(
            state.app, command_context(request), aggregate_id, version, data, others
        )
        if route.waits_for is not None:
            caught_up(state, route.waits_for, recorded.position)
        return _answer(request, state, resource, route, recorded, viewer)

    # Litestar reads the handler's signature for validation and the OpenAPI document: the body
    # type and the path parameters differ per route, so the signature is written per route.
    annotations: dict[str, Any] = {
        "request": Request[Any, Any, Any],
        "data": Annotated[route.body, Body(schema_extra={"additionalProperties": False})],
        **dict.fromkeys(path_parameters, FromPath[UUID]),
        "return": Response[CommandResult | resource.detail_type | resource.partner_type],  # type: ignore[name-defined]
    }
    handle.__annotations__ = annotations
    handle.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotations[name]
            )
            for name in ("request", "data")
        ]
        + [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=FromPath[UUID])
            for name in path_parameters
        ],
        return_annotation=annotations["return"],
    )
    handle.__name__ = route.operation_id
    headers = [
        ResponseHeader(
            name="ETag", description="De nieuwe versie van de resource.", documentation_only=True
        ),
        ResponseHeader(
            name="Preference-Applied",
            description="return=representation wanneer de bijgewerkte resource is meegestuurd.",
            documentation_only=True,
            required=False,
        ),
    ]
    if route.creates:
        headers.append(
            ResponseHeader(
                name="Location",
                description="De URI van de nieuwe resource.",
                documentation_only=True,
            )
        )
    return post(
        path,
        before_request=strict_body(route.body),
        operation_id=route.operation_id,
        summary=route.summary,
        description=route.description or None,
        tags=[resource.tag],
        guards=[requires(*route.roles, partners=partner_command(route.operation_id))],
        status_code=HTTPStatus.CREATED if route.creates else HTTPStatus.OK,
        responses=CREATE_PROBLEMS if route.creates else COMMAND_PROBLEMS,
        response_headers=headers,
        sync_to_thread=True,
    )(handle)


_FIELD_AT = re.compile(r" - at `\$\.?([^`]*)`$")
_FIELD_NAMED = re.compile(r"field `([^`]+)`")


def strict_body(body_type: type[msgspec.Struct]) -> Callable[[Request[Any, Any, Any]], Any]:
    """Return a ``before_request`` hook that decodes the body strictly (a text is not a number).

    Litestar converts bodies leniently (``"2"`` would pass as ``2``), so the body is first decoded
    here as JSON of exactly ``body_type``; a refusal is a 400 naming the field. The hook replaces
    the router's, so it runs the router's checks (media types, query parameters) first.
    """
    decoder = msgspec.json.Decoder(body_type)

    async def hook(request: Request[Any, Any, Any]) -> None:
        await check_request(request)
        try:
            decoder.decode(await request.body())
        except msgspec.ValidationError as error:
            raise _invalid_body(str(error)) from None
        except (msgspec.DecodeError, UnicodeDecodeError):
            msg = "De body is geen geldige JSON (in UTF-8)."
            raise BadRequest(msg, rule="invalid-json") from None

    return hook


def _invalid_body(raw: str) -> BadRequest:
    """Return a 400 naming the field msgspec refused (it quotes names and types, not values)."""
    message = without_values(raw)
    located = _FIELD_AT.search(message)
    named = _FIELD_NAMED.search(message)
    found = (located.group(1) if located else "") or (named.group(1) if named else "")
    field = safe_name(found) if found else "body"
    return BadRequest(
        f"Ongeldige waarde voor: {field}.",
        rule="invalid-input",
        params=[InvalidParam(name=field, reason=message, source="body")],
    )


def _check_partner(
    request: Request[Any, Any, Any],
    resource: Resource,
    route: CommandRoute,
    aggregate_id: UUID | None,
    body: Any,  # noqa: ANN401 - the route's body
    others: Mapping[str, Any],
) -> None:
    """Refuse a partner's command where its organisation is not involved or not responsible.

    Involvement is read from the aggregate itself (not a read model), so a withdrawal takes
    effect on the very next request.
    """
    user = actor(request)
    if aggregate_id is None:  # the policy grants partners no creating command
        raise PermissionDeniedException
    aggregate = resource.load(api_state(request).app, aggregate_id)
    involvement = aggregate.partners.get(user.organisation)
    if involvement is None or involvement.role != user.role:
        raise NotInvolved
    if route.partner_check is not None:
        route.partner_check(user, aggregate, body, others)


def _answer(
    request: Request[Any, Any, Any],
    state: ApiState,
    resource: Resource,
    route: CommandRoute,
    recorded: Recorded,
    viewer: Viewer | None,
) -> Response[Any]:
    headers = {"ETag": etag(recorded.version)}
    status = HTTPStatus.CREATED if route.creates else HTTPStatus.OK
    if route.creates:
        headers["Location"] = f"{API_PREFIX}{resource.collection}/{recorded.aggregate_id}"
    body: Any = CommandResult(
        id=recorded.aggregate_id,
        version=recorded.version,
        entity_id=recorded.entity_id,
        linked_versions=dict(recorded.linked_versions) or None,
    )
    read_model = resource.read_model if viewer is None else resource.partner_read_model
    if wants_representation(request) and caught_up(state, read_model, recorded.position):
        representation = (
            resource.represent(state, recorded.aggregate_id)
            if viewer is None
            else resource.represent_partner(state, recorded.aggregate_id, viewer)
        )
        if representation is not None and representation.version is not None:
            # The representation is the current state: a later command may already be in it,
            # and the ETag must describe what is sent.
            body = representation
            # The representation shows the youth's data (a network's: its members').
            shown(
                request,
                recorded.aggregate_id,
                *resource.shows(state, recorded.aggregate_id, representation),
            )
            headers["ETag"] = etag(representation.version)
            headers["Preference-Applied"] = "return=representation"
    return Response(body, status_code=status, headers=headers)


def caught_up(state: ApiState, read_model: str, position: int) -> bool:
    """Wait for the read model; a stored command never fails because a read model lags."""
    try:
        with state.connection() as connection:
            wait_for(
                connection,
                state.schema,
                read_model,
                position,
                timeout=state.settings.api_wait_seconds,
            )
    except ProjectionError:
        return False
    return True
