"""Logging every look at a youth's data: which routes show personal data, and the middleware.

A route declares whether it shows personal data with ``opt={"personal_data": True}`` (every
GET route declares it either way; a test walks the API and holds them to it). Its handler names
what it showed with ``shown(request, *ids)``: the trajectories, networks and youths on the
page. The middleware then hands one access-log entry per response to the process's writer —
for 2xx, and for 403/404 (a refused look is worth as much to an auditor as a granted one). By
default the response goes out at once and the writer commits the entry within
``PGA_ACCESS_LOG_MAX_DELAY_MS``; with 0 the first byte waits for the commit. While the log cannot
be written (or its writer is gone) the client gets 503 instead of the data. A command that
answers with a representation (``Prefer: return=representation``) calls ``shown`` too and is
logged the same way.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeGuard

import msgspec
from litestar.enums import ScopeType

from pga.api.problems import PROBLEM_JSON, BadRequest, InvalidParam, problem
from pga.audit.access_log import AccessEntry, AccessLogUnavailable
from pga.audit.purposes import PURPOSES, default_purpose
from pga.recording import Actor

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from pga.api.state import ApiState

#: Scope key of the ids a handler showed.
_SHOWN = "pga.shown"
#: Scope key of the request's id (``request_id``).
_REQUEST_ID_KEY = "pga.request_id"
#: What an ``X-Request-ID`` must look like to be taken as the request's id (a UUID).
_REQUEST_ID = re.compile(r"[0-9a-fA-F-]{32,36}")
PURPOSE_HEADER = "x-purpose"
#: Random bytes for new request ids, drawn from the OS in bulk (one call per ``_FRESH_BATCH``
#: ids instead of ``uuid.uuid4()``'s call and ``UUID`` object for every read).
_FRESH: list[bytes] = []
_FRESH_BATCH = 256
#: What makes 128 random bits a version-4 UUID (RFC 9562): version 4, variant 10.
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_V4_SET = (0x4000 << 64) | (0x8000 << 48)
os.register_at_fork(after_in_child=_FRESH.clear)  # a child never reuses its parent's ids
#: Refusals that are logged: the caller asked for a youth's data and was told no.
_LOGGED_REFUSALS = frozenset({403, 404})


def shown(request: Request[Any, Any, Any], *ids: uuid.UUID) -> None:
    """Record that the response shows data of ``ids`` (trajectories, networks, youths)."""
    scope: dict[str, Any] = request.scope  # type: ignore[assignment]
    scope.setdefault(_SHOWN, []).extend(ids)


def request_id(scope: Scope) -> uuid.UUID:
    """Return this request's id: ``X-Request-ID`` when it is a UUID, else one made up once.

    Computed once per request and kept in the scope, so the events a command records
    (``correlation_id``) and the access-log entry of its answer (``trace_id``) carry the same id
    and an auditor can join them, whether or not the client sent one.
    """
    known = scope.get(_REQUEST_ID_KEY)
    if isinstance(known, uuid.UUID):
        return known
    made = uuid.UUID(hex=_trace_id(scope, _headers(scope)))
    scope[_REQUEST_ID_KEY] = made  # type: ignore[literal-required]
    return made


def _trace_id(scope: Scope, headers: dict[str, str]) -> str:
    """Return this request's id as 32 hex digits (``request_id``), kept in the scope as such.

    A read needs only the digits, so no ``UUID`` object is made for it.
    """
    known = scope.get(_REQUEST_ID_KEY)
    if isinstance(known, uuid.UUID):
        return known.hex
    if isinstance(known, str):
        return known
    given = headers.get("x-request-id", "")
    made: str | None = None
    if _REQUEST_ID.fullmatch(given):
        with contextlib.suppress(ValueError):  # hex and hyphens, yet not a UUID
            made = uuid.UUID(given).hex
    if made is None:
        made = _fresh_id()
    scope[_REQUEST_ID_KEY] = made  # type: ignore[literal-required]
    return made


def _fresh_id() -> str:
    """Return a new random version-4 UUID as 32 hex digits (what ``uuid.uuid4().hex`` gives)."""
    try:
        raw = _FRESH.pop()  # atomic: the event loop and handler threads may both take ids
    except IndexError:
        drawn = os.urandom(16 * _FRESH_BATCH)
        _FRESH.extend(drawn[start : start + 16] for start in range(16, len(drawn), 16))
        raw = drawn[:16]
    return f"{int.from_bytes(raw, 'big') & _V4_CLEAR | _V4_SET:032x}"


def check_purpose(request: Request[Any, Any, Any]) -> None:
    """Refuse an ``X-Purpose`` that is not in the register (400), before anything is read."""
    given = request.headers.get(PURPOSE_HEADER)
    if given is not None and given not in PURPOSES:
        raise BadRequest(
            f"Onbekend doel in X-Purpose; gebruik een van: {', '.join(PURPOSES)}.",
            rule="unknown-purpose",
            params=[InvalidParam(name="X-Purpose", reason="onbekend doel", source="header")],
        )


def access_logging(app: ASGIApp) -> ASGIApp:
    """Return the middleware that writes the access-log entry of each response (see module)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        refused = False

        async def logging_send(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the original response's body: replaced by the 503 below
            if message["type"] == "http.response.start":
                entry = _entry(scope, message["status"])
                if entry is not None:
                    try:
                        await _write(scope, entry)
                    except AccessLogUnavailable:
                        refused = True
                        await _unavailable(send)
                        return
            await send(message)

        await app(scope, receive, logging_send)

    return middleware


def _entry(scope: Scope, status: int) -> AccessEntry | None:
    handler = scope.get("route_handler")
    personal = handler is not None and handler.opt.get("personal_data") is True
    subjects: list[uuid.UUID] | None = scope.get(_SHOWN)  # type: ignore[assignment]
    user = scope.get("user")
    if not isinstance(user, Actor):
        return None
    if 200 <= status < 300:  # noqa: PLR2004 - success
        if not personal and subjects is None:
            return None
    elif not (personal and status in _LOGGED_REFUSALS):
        return None
    state = _state(scope)
    if state.access_log is None:  # the benchmark's baseline: no log, so no entry to build
        return None
    if subjects is None or not 200 <= status < 300:  # noqa: PLR2004 - success
        # A refusal (or a handler that named nothing): the ids the caller asked about.
        subjects = [value for value in scope.get("path_params", {}).values() if _is_id(value)]
    operation = getattr(handler, "operation_id", None)
    headers = _headers(scope)
    given = headers.get(PURPOSE_HEADER)
    return AccessEntry(
        occurred_at=datetime.now(UTC),
        user=user.user,
        organisation=user.organisation,
        role=user.role.value,
        on_behalf_of=user.on_behalf_of,
        subjects=tuple(dict.fromkeys(subjects)),
        operation=operation if isinstance(operation, str) else scope.get("path", ""),
        purpose=given
        if given is not None and given in PURPOSES
        else default_purpose(user.role, state.settings.access_purposes),
        status=status,
        trace_id=_trace_id(scope, headers),
        source="api",
    )


def _is_id(value: object) -> TypeGuard[uuid.UUID]:
    return isinstance(value, uuid.UUID)


def _headers(scope: Scope) -> dict[str, str]:
    wanted = (PURPOSE_HEADER.encode(), b"x-request-id")
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name in wanted
    }


def _state(scope: Scope) -> ApiState:
    state: ApiState = scope["app"].state[_state_key()]
    return state


def _state_key() -> str:
    """Return ``pga.api.state.STATE_KEY`` (imported on first use: that module imports this one)."""
    global _STATE_KEY  # noqa: PLW0603 - set once
    if _STATE_KEY is None:
        from pga.api.state import STATE_KEY  # noqa: PLC0415 - see above

        _STATE_KEY = STATE_KEY
    return _STATE_KEY


_STATE_KEY: str | None = None


async def _write(scope: Scope, entry: AccessEntry) -> None:
    writer = _state(scope).access_log
    if writer is None:  # the benchmark's baseline only
        return
    # Nothing is shown while the log cannot be written: deferred, since a write failed (the
    # writer retries); immediate, each request tries itself, unless the writer is gone.
    if writer.failing if writer.deferred else not writer.alive:
        raise AccessLogUnavailable
    if writer.deferred:
        writer.submit(entry)  # committed within the writer's max_delay
        return
    await writer.write(entry)


async def _unavailable(send: Send) -> None:
    body = msgspec.json.encode(
        problem(
            503,
            "Het toegangslogboek kan nu niet worden bijgewerkt; daarom worden geen gegevens "
            "getoond. Probeer het later opnieuw.",
            rule="access-log-unavailable",
        )
    )
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"5"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
