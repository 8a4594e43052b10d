"""HTTP plumbing the NLGov API Design Rules ask for and Litestar does not do by itself.

- ``API-Version`` and the security headers on every response, router 404/405 included
  (``before_send`` sees those; app middleware does not).
- No trailing slashes: an outer ASGI wrapper answers them 404 (Litestar strips them before routing).
- Content negotiation: a body that is not ``application/json`` is 415, an ``Accept`` the API
  cannot meet is 406.
- Unknown query parameters are 400, taken from the operation's own OpenAPI parameters.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType

from pga.api.access import check_purpose
from pga.api.problems import (
    PROBLEM_JSON,
    BadRequest,
    InvalidParam,
    NotAcceptable,
    UnsupportedMediaType,
    problem,
)
from pga.domain.common import has_control_characters

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import (
        ASGIApp,
        HTTPResponseBodyEvent,
        HTTPResponseStartEvent,
        Message,
        Receive,
        Scope,
        Send,
    )

#: The API's full version (semver), sent as ``API-Version`` on every response.
API_VERSION = "1.0.0"
#: The path all versioned resources live under.
API_PREFIX = "/api/v1"

_SECURITY_HEADERS = {
    "API-Version": API_VERSION,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
#: Pages that are not the docs UI get the strictest policy; the docs need their own scripts.
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_ANSWERING_RANGES = frozenset({"application/json", PROBLEM_JSON, "application/*", "*/*"})


async def add_standard_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the version and security headers on every response."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message=message)
    for name, value in _SECURITY_HEADERS.items():
        headers[name] = value
    docs = str(scope.get("path", "")).startswith(f"{API_PREFIX}/docs")
    headers["Content-Security-Policy"] = _DOCS_CSP if docs else _API_CSP


def guard_edges(app: ASGIApp) -> ASGIApp:
    """Wrap ``app``: 404 problem+json for a trailing slash and for unknown paths under the docs.

    Litestar strips a trailing slash before routing (ADR /core/no-trailing-slash wants 404), and
    its docs router answers unknown paths below the docs with an HTML page; both are answered
    here, before Litestar sees the request.
    """
    slash = _not_found("Gebruik de URI zonder afsluitende slash.", "no-trailing-slash")
    unknown = _not_found("De gevraagde resource bestaat niet.", "not-found")
    docs = f"{API_PREFIX}/docs".encode()
    docs_known = (docs, docs + b"/openapi.json")

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            raw = scope.get("raw_path") or scope["path"].encode()
            path = raw.split(b"?", 1)[0]
            answer = None
            if path != b"/" and path.endswith(b"/"):
                answer = slash
            elif path.startswith(docs + b"/") and not (
                path in docs_known or path.startswith(docs + b"/assets/")
            ):
                answer = unknown
            if answer is not None:
                headers, body = answer
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": headers,
                }
                await send(start)
                finish: HTTPResponseBodyEvent = {
                    "type": "http.response.body",
                    "body": body,
                    "more_body": False,
                }
                await send(finish)
                return
        await app(scope, receive, send)

    return wrapper


def _not_found(detail: str, rule: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = msgspec.json.encode(problem(404, detail, rule=rule))
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in _SECURITY_HEADERS.items()),
        (b"content-security-policy", _API_CSP.encode()),
    ]
    return headers, body


async def check_request(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook of the API router: media types and query parameters."""
    if request.method in _BODY_METHODS:
        media_type, _ = request.content_type
        if media_type != "application/json":
            msg = "Gebruik Content-Type: application/json."
            raise UnsupportedMediaType(detail=msg)
    accept = request.headers.get("accept")
    if accept and not acceptable(accept):
        msg = "Deze API antwoordt alleen met application/json of application/problem+json."
        raise NotAcceptable(detail=msg)
    check_purpose(request)
    allowed = _allowed_query(request)
    unknown = sorted({safe_name(name) for name in set(request.query_params) - allowed})
    if unknown:
        raise BadRequest(
            f"Onbekende query-parameter(s): {', '.join(unknown)}.",
            rule="unknown-parameters",
            params=[InvalidParam(name=name, reason="onbekend", source="query") for name in unknown],
        )
    for name, value in request.query_params.multi_items():
        if has_control_characters(value):
            raise BadRequest(
                f"Ongeldige query-parameter: {safe_name(name)}.",
                rule="invalid-query",
                params=[InvalidParam(name=safe_name(name), reason="stuurtekens", source="query")],
            )


def safe_name(name: str) -> str:
    """Return a client-sent parameter or field name fit to repeat: short, plain characters."""
    cleaned = _UNSAFE.sub("?", name)
    return cleaned if len(cleaned) <= _MAX_NAME else f"{cleaned[:_MAX_NAME]}…"


_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-\[\]]")
_MAX_NAME = 40


def acceptable(accept: str) -> bool:
    """Whether an ``Accept`` header admits JSON or problem+json with a quality above 0."""
    for media_range in accept.split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and media_type.lower() in _ANSWERING_RANGES:
            return True
    return False


_ALLOWED: dict[tuple[str, str], frozenset[str]] = {}


def _allowed_query(request: Request[Any, Any, Any]) -> frozenset[str]:
    """Return the query keys the matched operation declares (read once from the OpenAPI)."""
    key = (request.method, str(request.scope.get("path_template", "")))
    allowed = _ALLOWED.get(key)
    if allowed is None:
        paths = request.app.openapi_schema.paths or {}
        item = paths.get(key[1])
        operation = getattr(item, request.method.lower(), None) if item is not None else None
        parameters = (operation.parameters or []) if operation is not None else []
        allowed = frozenset(
            parameter.name
            for parameter in parameters
            if getattr(parameter, "param_in", None) == "query"
        )
        _ALLOWED[key] = allowed
    return allowed
