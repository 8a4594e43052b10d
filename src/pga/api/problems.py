"""Errors as RFC 9457 ``application/problem+json``: every error of the API is mapped here, once.

Each problem has a ``type`` URI naming the rule (``urn:pga:problem:<rule>``), a short Dutch
``title`` and a ``detail`` that names the field or rule at fault. Details come from messages the
domain and this package write (they name fields and codes, never values a person typed), so no
personal data, stack trace or SQL reaches a client. Unexpected errors are logged by type and
source line only and answered with a generic 500.
"""

from __future__ import annotations

import logging
import re
import traceback
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import msgspec
import psycopg
from eventsourcing.persistence import OperationalError as StoreOperationalError
from litestar import Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from psycopg_pool import PoolTimeout

from pga.application import AggregateNotFound, LinkedAggregateChanged, VersionConflict
from pga.domain.errors import (
    DateOrderViolation,
    DomainError,
    InvalidValue,
    ReasonRequired,
    StateConflict,
    UnknownCatalogueEntry,
    UnknownEntity,
)
from projections.control import ReadModelTimeout, ReadModelUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Request

PROBLEM_JSON = "application/problem+json"
_LOG = logging.getLogger("pga.api")

_QUOTED = re.compile(r"'[^']*'")
#: Short Dutch titles per status (RFC 9457 ``title``: the same for every problem of a type).
TITLES: dict[int, str] = {
    400: "Ongeldige invoer",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet acceptabel",
    409: "Conflict met de huidige toestand",
    412: "Versie achterhaald",
    413: "Verzoek te groot",
    415: "Mediatype niet ondersteund",
    422: "Domeinregel geschonden",
    428: "Versie vereist",
    429: "Te veel verzoeken",
    500: "Interne fout",
    503: "Tijdelijk niet beschikbaar",
}

#: Domain rule violations that are invalid input (ADR 2.2 /core/error-handling/invalid-input: 400).
_INVALID_INPUT = (InvalidValue, DateOrderViolation, UnknownCatalogueEntry, ReasonRequired)


class InvalidParam(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """One invalid field: where it is (body, query, path, header) and what is wrong."""

    name: str
    reason: str
    source: str | None = None


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """An RFC 9457 problem details object."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    rule: str | None = None
    """The domain rule or API rule that refused the request (kebab-case)."""
    invalid_params: list[InvalidParam] | None = None


class PreconditionRequired(HTTPException):
    """A command without ``If-Match`` (RFC 6585 428)."""

    status_code = 428


class UnsupportedMediaType(HTTPException):
    """A body that is not ``application/json`` (415)."""

    status_code = 415


class NotAcceptable(HTTPException):
    """An ``Accept`` the API cannot answer (406)."""

    status_code = 406


class NotResponsible(HTTPException):
    """A partner acting for another organisation or on what another one is responsible for."""

    status_code = 403
    pga_detail = True
    rule = "not-responsible"


class NotInvolved(Exception):
    """A partner asking about a case its organisation is not involved in: 404, as if unknown.

    The answer is the same as for an id that does not exist, so it reveals nothing.
    """


class BadRequest(HTTPException):
    """Invalid input found by the API itself (a header, a query parameter); names the field."""

    status_code = 400

    def __init__(self, detail: str, *, rule: str, params: list[InvalidParam] | None = None) -> None:
        super().__init__(detail=detail)
        self.rule = rule
        self.params = params


def camel_case(name: str) -> str:
    """Return ``page_size`` as the query key ``pageSize``."""
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def without_values(message: str) -> str:
    """Drop quoted values from a message (a client's input is never echoed back)."""
    return _QUOTED.sub("…", message)


def problem_type(rule: str) -> str:
    """Return the type URI of the problem with ``rule``."""
    return f"urn:pga:problem:{rule}"


def problem(
    status: int,
    detail: str,
    *,
    rule: str | None = None,
    params: list[InvalidParam] | None = None,
) -> Problem:
    """Build a problem; its type is the rule's, or the HTTP status's when there is no rule."""
    return Problem(
        type=problem_type(rule or _slug(status)),
        title=TITLES.get(status, HTTPStatus(status).phrase),
        status=status,
        detail=detail,
        rule=rule,
        invalid_params=params,
    )


def _slug(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")


Mapped = tuple[Problem, dict[str, str]]


def problem_for(error: Exception) -> Mapped:
    """Map any exception raised while handling a request to a problem and extra headers."""
    for kind, mapping in _MAPPINGS:
        if isinstance(error, kind):
            return mapping(error)
    return problem(500, "Er is een interne fout opgetreden.", rule="internal-error"), {}


def _bad_request(error: Any) -> Mapped:  # noqa: ANN401 - a BadRequest
    return problem(400, str(error.detail), rule=error.rule, params=error.params), {}


def _invalid(error: Any) -> Mapped:  # noqa: ANN401 - a ValidationException
    detail, params = _validation(error)
    return problem(400, detail, rule="invalid-input", params=params), {}


def _unauthenticated(_error: Any) -> Mapped:  # noqa: ANN401
    body = problem(401, "Een geldig bearer-token is vereist.", rule="unauthenticated")
    return body, {"WWW-Authenticate": 'Bearer realm="pga"'}


def _stale(error: Any) -> Mapped:  # noqa: ANN401 - a VersionConflict
    detail = f"If-Match noemt versie {error.expected}; de huidige versie is {error.actual}."
    headers = {"ETag": f'"{error.actual}"'} if error.actual is not None else {}
    return problem(412, detail, rule="version-conflict"), headers


def _linked_changed(_error: Any) -> Mapped:  # noqa: ANN401
    detail = (
        "Een gekoppeld traject werd tegelijk gewijzigd; er is niets opgeslagen, probeer opnieuw."
    )
    return problem(409, detail, rule="linked-aggregate-changed"), {}


def _not_found(_error: Any) -> Mapped:  # noqa: ANN401
    return problem(404, "De gevraagde resource bestaat niet.", rule="not-found"), {}


def _unknown_entity(error: Any) -> Mapped:  # noqa: ANN401 - an UnknownEntity
    # The intervention, order, member or action a request names (mostly by its path) is unknown.
    return problem(404, error.message, rule=error.rule), {}


def _domain(error: Any) -> Mapped:  # noqa: ANN401 - a DomainError
    # Domain messages name fields and codes; a code the client sent could be anything, so
    # quoted text is dropped (the rule and the field still say what is wrong).
    return problem(_domain_status(error), without_values(error.message), rule=error.rule), {}


def _unavailable(_error: Any) -> Mapped:  # noqa: ANN401
    detail = "Een leesmodel is (nog) niet beschikbaar; zie pga projections status."
    return problem(503, detail, rule="read-model-unavailable"), {"Retry-After": "1"}


def _busy(_error: Any) -> Mapped:  # noqa: ANN401
    detail = "De database is (tijdelijk) niet bereikbaar of te druk; probeer het zo opnieuw."
    return problem(503, detail, rule="database-unavailable"), {"Retry-After": "1"}


def _lagging(_error: Any) -> Mapped:  # noqa: ANN401
    return problem(503, "Het leesmodel loopt achter.", rule="read-model-timeout"), {
        "Retry-After": "1"
    }


def _domain_status(error: DomainError) -> int:
    """400 for invalid input, 409 for a state conflict, 422 for any other domain rule."""
    if isinstance(error, _INVALID_INPUT):
        return 400
    if isinstance(error, StateConflict):
        return 409
    return 422


def _validation(error: ValidationException) -> tuple[str, list[InvalidParam]]:
    params: list[InvalidParam] = []
    extra = error.extra if isinstance(error.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        # msgspec's messages name the field and the expected type, not the value received.
        reason = without_values(str(item.get("message", "ongeldige waarde")))
        name = str(item.get("key", ""))
        raw_source = item.get("source")
        source = str(getattr(raw_source, "value", raw_source or "")) or None
        location = reason.rpartition(" - at `$")[2].rstrip("`") if " - at `$" in reason else ""
        if name == "data" and location:
            name = location.lstrip(".") or "data"
        elif source == "query":
            name = camel_case(name)  # the query key
        params.append(InvalidParam(name=name, reason=reason, source=source))
    if params:
        names = ", ".join(sorted({param.name for param in params}))
        return f"Ongeldige waarde voor: {names}.", params
    return "De invoer is ongeldig.", params


_HTTP_DETAILS = {
    403: "Deze rol mag deze bewerking niet uitvoeren.",
    404: "De gevraagde resource bestaat niet.",
    405: "Deze methode is niet toegestaan op deze resource.",
    413: "De body van het verzoek is te groot.",
}


def _http(error: Any) -> Mapped:  # noqa: ANN401 - an HTTPException
    status = error.status_code
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return problem(500, "Er is een interne fout opgetreden.", rule="internal-error"), {}
    # Litestar's own details are English and may echo a path; ours are written for clients.
    ours = isinstance(error, (PreconditionRequired, UnsupportedMediaType, NotAcceptable))
    detail = str(error.detail) if ours or getattr(error, "pga_detail", False) else ""
    detail = detail or _HTTP_DETAILS.get(status, HTTPStatus(status).description)
    headers = {k: v for k, v in (error.headers or {}).items() if k.lower() == "allow"}
    return problem(status, detail, rule=getattr(error, "rule", None)), headers


#: Exception kinds in the order they are tried (subclasses before their bases).
_MAPPINGS: tuple[tuple[type[Exception], Callable[[Any], Mapped]], ...] = (
    (BadRequest, _bad_request),
    (ValidationException, _invalid),
    (NotAuthorizedException, _unauthenticated),
    (HTTPException, _http),
    (VersionConflict, _stale),
    (LinkedAggregateChanged, _linked_changed),
    (AggregateNotFound, _not_found),
    (NotInvolved, _not_found),
    (UnknownEntity, _unknown_entity),
    (DomainError, _domain),
    (ReadModelUnavailable, _unavailable),
    (ReadModelTimeout, _lagging),
    (PoolTimeout, _busy),
    (psycopg.OperationalError, _busy),
    (StoreOperationalError, _busy),
)


def problem_response(error: Exception) -> Response[Problem]:
    """Return the problem+json response for ``error``."""
    body, headers = problem_for(error)
    return Response(body, status_code=body.status, media_type=PROBLEM_JSON, headers=headers)


def handle_exception(_request: Request[Any, Any, Any], error: Exception) -> Response[Problem]:
    """Litestar's exception handler for every exception (router 404/405 included)."""
    response = problem_response(error)
    if response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR:
        _LOG.error("unhandled error: %s", _describe(error))
    return response


def _describe(error: BaseException) -> str:
    """Return the error's type and where it was raised, never its message (it may quote data)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def problem_spec(description: str) -> ResponseSpec:
    """Document one problem+json response of an operation (for ``responses=``)."""
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=description,
        generate_examples=False,
    )


_COMMON = {
    400: problem_spec("Ongeldige invoer (veld, header of query-parameter)"),
    401: problem_spec("Niet geauthenticeerd"),
    403: problem_spec("Geen toegang voor deze rol of organisatie"),
    406: problem_spec("Accept kan niet worden gehonoreerd"),
    500: problem_spec("Interne fout"),
    503: problem_spec("Database of leesmodel (tijdelijk) niet beschikbaar; zie Retry-After"),
}
#: Problem responses of every read operation.
READ_PROBLEMS: dict[int, ResponseSpec] = {**_COMMON, 404: problem_spec("Niet gevonden")}
#: Problem responses of a command that creates an aggregate.
CREATE_PROBLEMS: dict[int, ResponseSpec] = {
    **_COMMON,
    409: problem_spec("De huidige toestand staat dit niet toe"),
    413: problem_spec("Body te groot"),
    415: problem_spec("Content-Type is niet application/json"),
    422: problem_spec("Een domeinregel staat dit niet toe"),
}
#: Problem responses of a command on an existing aggregate (adds the concurrency ones).
COMMAND_PROBLEMS: dict[int, ResponseSpec] = {
    **CREATE_PROBLEMS,
    404: problem_spec("Niet gevonden"),
    412: problem_spec("If-Match noemt niet de huidige versie"),
    428: problem_spec("If-Match ontbreekt"),
}
