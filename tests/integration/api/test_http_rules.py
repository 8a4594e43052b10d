"""The HTTP rules every operation follows (NLGov API Design Rules and the API's own).

Errors are problem+json with status, title, detail and type, router and wrapper errors included;
every response carries ``API-Version`` and the security headers; content negotiation (415, 406),
body size (413), unknown query parameters (400) and ``If-Match`` (428, 400, 412) refuse a request
before anything is stored; the OpenAPI document is public and complete; the health probes answer;
and no error ever repeats the personal values a client sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from pga.api.app import asgi
from pga.api.openapi import document
from pga.domain.catalogue import PartnerRole
from pga.settings import Settings
from tests.integration.api.conftest import (
    REFERRAL,
    SECRET,
    bearer,
    command,
    is_problem,
    refer,
)
from tests.integration.api.server import fresh_schema, stored_events, wait_until_ready

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from httpx import Response

TRAJECTORIES = "/api/v1/trajectories"
ARREST = {"arrestedOn": "2026-10-06", "offenceCategory": "straatroof", "policeReference": "PL-2"}
#: The referral's personal values: no response may ever repeat them.
PERSONAL_VALUES = (REFERRAL["givenName"], REFERRAL["familyName"], REFERRAL["policeReference"])
SECURITY_HEADERS = {
    "api-version": "1.0.0",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


# --- one app for the whole module (each test refers its own trajectories) ---


@pytest.fixture(scope="module")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with fresh_schema(database_url) as schema:
        yield Settings(
            database_url=database_url,
            database_schema=schema,
            data_dir=tmp_path_factory.mktemp("api"),
            jwt_secret=SECRET,
            api_wait_seconds=5.0,
        )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(asgi(settings), raise_server_exceptions=False) as test_client:
        wait_until_ready(test_client)
        yield test_client


def assert_no_personal_values(response: Response) -> None:
    """Check neither the body nor a header repeats a value of the referral."""
    texts = [response.text, *response.headers.values()]
    for value in PERSONAL_VALUES:
        assert not any(value in text for text in texts), (value, response.text)


def assert_unchanged(
    client: TestClient[Any],
    settings: Settings,
    headers: dict[str, str],
    trajectory_id: str,
    etag: str,
) -> None:
    """Check the trajectory is still at the version ``etag`` names and no event was added."""
    response = client.get(f"{TRAJECTORIES}/{trajectory_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == etag
    assert response.json()["version"] == int(etag.strip('"'))
    assert stored_events(settings, trajectory_id) == int(etag.strip('"'))


@pytest.fixture
def trajectory(client: TestClient[Any], regisseur: dict[str, str]) -> tuple[str, str]:
    """Refer a trajectory; return its id and ETag."""
    return refer(client, regisseur)


# --- every error is problem+json ---


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/nothing", 404, id="router-404"),
        pytest.param("GET", "/api/v1/nothing", 404, id="router-404-under-api"),
        pytest.param("GET", "/api/v2/trajectories", 404, id="other-major-version"),
        pytest.param("GET", f"{TRAJECTORIES}/not-a-uuid", 404, id="path-parameter-type"),
        pytest.param("GET", f"{TRAJECTORIES}/", 404, id="trailing-slash"),
        pytest.param("POST", f"{TRAJECTORIES}/", 404, id="trailing-slash-post"),
        pytest.param("GET", "/health/live/", 404, id="trailing-slash-outside-api"),
        pytest.param("GET", "/api/v1/docs/", 404, id="docs-trailing-slash"),
        pytest.param("GET", "/api/v1/docs/nothing", 404, id="unknown-under-docs"),
        pytest.param("GET", "/api/v1/docs/swagger", 404, id="litestar-docs-page"),
        pytest.param("GET", "/api/v1/docs/openapi.yaml", 404, id="litestar-yaml"),
        pytest.param("GET", "/api/v1/docs/assets/nothing.js", 404, id="unknown-docs-asset"),
    ],
)
def test_not_found_is_a_problem(
    client: TestClient[Any], regisseur: dict[str, str], method: str, path: str, status: int
) -> None:
    for headers in ({}, regisseur):
        response = client.request(method, path, headers=headers)
        assert is_problem(response, status), (response.status_code, response.text)


def test_the_trailing_slash_rule_names_itself(client: TestClient[Any]) -> None:
    response = client.get(f"{TRAJECTORIES}/")
    assert is_problem(response, 404)
    assert response.json()["rule"] == "no-trailing-slash"
    assert "location" not in response.headers  # no redirect (ADR /core/no-trailing-slash)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", TRAJECTORIES, {"GET", "POST"}),
        ("PUT", TRAJECTORIES, {"GET", "POST"}),
        ("PATCH", "/api/v1/openapi.json", {"GET"}),
        ("GET", f"{TRAJECTORIES}/{uuid4()}/arrests", {"POST"}),
        ("DELETE", f"{TRAJECTORIES}/{uuid4()}", {"GET"}),
    ],
)
def test_a_method_not_allowed_is_405_with_allow(
    client: TestClient[Any], regisseur: dict[str, str], method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path, headers=regisseur)
    assert is_problem(response, 405), response.text
    assert allowed <= {each.strip() for each in response.headers["allow"].split(",")}
    assert method not in response.headers["allow"]


# --- API-Version and the security headers on every response ---


def _call(
    method: str,
    path: str,
    extra: dict[str, str] | None = None,
    **kwargs: Any,  # noqa: ANN401
) -> Callable[[TestClient[Any], dict[str, str]], Response]:
    def send(client: TestClient[Any], headers: dict[str, str]) -> Response:
        return client.request(method, path, headers=headers | (extra or {}), **kwargs)

    return send


HEADER_CASES = [
    pytest.param(_call("GET", "/health/live"), 200, False, id="2xx-live"),
    pytest.param(_call("GET", "/api/v1/openapi.json"), 200, False, id="2xx-openapi"),
    pytest.param(_call("GET", TRAJECTORIES), 200, True, id="2xx-list"),
    pytest.param(_call("POST", TRAJECTORIES, json=REFERRAL), 201, True, id="2xx-refer"),
    pytest.param(_call("GET", TRAJECTORIES), 401, False, id="401"),
    pytest.param(_call("GET", f"{TRAJECTORIES}?colour=red"), 400, True, id="400"),
    pytest.param(_call("GET", f"{TRAJECTORIES}/{uuid4()}"), 404, True, id="404-app"),
    pytest.param(_call("GET", "/api/v1/nothing"), 404, True, id="404-router"),
    pytest.param(_call("GET", f"{TRAJECTORIES}/"), 404, True, id="404-trailing-slash"),
    pytest.param(_call("GET", "/api/v1/docs/nothing"), 404, False, id="404-docs"),
    pytest.param(_call("DELETE", TRAJECTORIES), 405, True, id="405"),
    pytest.param(
        _call("GET", TRAJECTORIES, extra={"Accept": "application/xml"}), 406, True, id="406"
    ),
    pytest.param(
        _call("POST", TRAJECTORIES, extra={"Content-Type": "text/plain"}, content=b"{}"),
        415,
        True,
        id="415",
    ),
    pytest.param(
        _call("POST", f"{TRAJECTORIES}/{uuid4()}/arrests", json=ARREST), 428, True, id="428"
    ),
]


@pytest.mark.parametrize(("send", "status", "authenticated"), HEADER_CASES)
def test_every_response_carries_the_version_and_security_headers(
    client: TestClient[Any],
    regisseur: dict[str, str],
    send: Callable[[TestClient[Any], dict[str, str]], Response],
    status: int,
    authenticated: bool,  # noqa: FBT001
) -> None:
    wait_until_ready(client)
    response = send(client, regisseur if authenticated else {})
    assert response.status_code == status, response.text
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, dict(response.headers))
    assert response.headers["content-security-policy"] == API_CSP
    assert response.headers.get_list("api-version") == ["1.0.0"]  # once, not twice


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/docs/assets/swagger-ui.css"])
def test_the_docs_carry_the_headers_and_may_not_be_framed(
    client: TestClient[Any], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy


# --- content negotiation: 415 and 406 ---


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("text/plain", id="text-plain"),
        pytest.param(None, id="missing"),
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param("application/xml", id="xml"),
        pytest.param("application/jsonx", id="json-lookalike"),
    ],
)
def test_a_body_that_is_not_json_is_415(
    client: TestClient[Any],
    settings: Settings,
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
    content_type: str | None,
) -> None:
    trajectory_id, etag = trajectory
    extra = {} if content_type is None else {"Content-Type": content_type}
    referral = client.post(
        TRAJECTORIES, content=json.dumps(REFERRAL).encode(), headers=regisseur | extra
    )
    assert is_problem(referral, 415), referral.text
    assert_no_personal_values(referral)
    arrest = client.post(
        f"{TRAJECTORIES}/{trajectory_id}/arrests",
        content=json.dumps(ARREST).encode(),
        headers=regisseur | extra | {"If-Match": etag},
    )
    assert is_problem(arrest, 415), arrest.text
    assert_unchanged(client, settings, regisseur, trajectory_id, etag)


def test_json_with_a_charset_is_accepted(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    response = client.post(
        TRAJECTORIES,
        content=json.dumps(REFERRAL).encode(),
        headers=regisseur | {"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "accept",
    [
        "application/xml",
        "text/html",
        "text/csv",
        pytest.param(
            "application/json;q=0, application/problem+json;q=0", id="json-refused-with-q0"
        ),
    ],
)
def test_an_accept_the_api_cannot_meet_is_406(
    client: TestClient[Any],
    settings: Settings,
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
    accept: str,
) -> None:
    trajectory_id, etag = trajectory
    listed = client.get(TRAJECTORIES, headers=regisseur | {"Accept": accept})
    assert is_problem(listed, 406), listed.text
    arrest = command(
        client,
        f"{TRAJECTORIES}/{trajectory_id}/arrests",
        ARREST,
        regisseur,
        etag,
        Accept=accept,
    )
    assert is_problem(arrest, 406), arrest.text
    assert_unchanged(client, settings, regisseur, trajectory_id, etag)


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "application/problem+json",
        "*/*",
        "application/*",
        "text/html, */*;q=0.1",
    ],
)
def test_an_accept_the_api_can_meet_is_answered(
    client: TestClient[Any], regisseur: dict[str, str], accept: str
) -> None:
    wait_until_ready(client)
    response = client.get(TRAJECTORIES, headers=regisseur | {"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"


# --- 413 ---


@pytest.fixture
def small_body_client(settings: Settings) -> Iterator[TestClient[Any]]:
    limited = replace(settings, api_max_body_bytes=2048)
    with TestClient(asgi(limited), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_body_over_the_limit_is_413(
    small_body_client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    client = small_body_client
    wait_until_ready(client)
    trajectory_id, etag = refer(client, regisseur)  # a referral is far below 2048 bytes
    padded = REFERRAL | {"familyName": REFERRAL["familyName"] * 200}
    body = json.dumps(padded).encode()
    assert len(body) > 2048

    too_large = client.post(TRAJECTORIES, content=body, headers=regisseur | _json())
    assert is_problem(too_large, 413), too_large.text
    assert_no_personal_values(too_large)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    streamed = client.post(TRAJECTORIES, content=chunks(), headers=regisseur | _json())
    assert is_problem(streamed, 413), streamed.text

    arrest = json.dumps(ARREST | {"policeReference": "PL-" + "9" * 3000}).encode()
    refused = client.post(
        f"{TRAJECTORIES}/{trajectory_id}/arrests",
        content=arrest,
        headers=regisseur | _json() | {"If-Match": etag},
    )
    assert is_problem(refused, 413), refused.text
    assert_unchanged(client, settings, regisseur, trajectory_id, etag)


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


# --- unknown query parameters ---


def test_an_unknown_query_parameter_is_400_naming_it(
    client: TestClient[Any],
    settings: Settings,
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
) -> None:
    trajectory_id, etag = trajectory
    listed = client.get(f"{TRAJECTORIES}?pageSize=10&colour=red&Page=2", headers=regisseur)
    assert is_problem(listed, 400), listed.text
    problem = listed.json()
    assert problem["rule"] == "unknown-parameters"
    assert "colour" in problem["detail"]
    assert "Page" in problem["detail"]
    assert "pageSize" not in problem["detail"]
    assert {(each["name"], each["source"]) for each in problem["invalidParams"]} == {
        ("colour", "query"),
        ("Page", "query"),
    }
    assert client.get(f"{TRAJECTORIES}?pageSize=10", headers=regisseur).status_code == 200

    arrest = client.post(
        f"{TRAJECTORIES}/{trajectory_id}/arrests?dryRun=true",
        json=ARREST,
        headers=regisseur | {"If-Match": etag},
    )
    assert is_problem(arrest, 400), arrest.text
    assert "dryRun" in arrest.json()["detail"]
    assert_unchanged(client, settings, regisseur, trajectory_id, etag)

    document_response = client.get("/api/v1/openapi.json?format=yaml")
    assert is_problem(document_response, 400), document_response.text


@pytest.mark.parametrize("page", [2**63, 10**30])
@pytest.mark.parametrize("listing", ["/trajectories", "/trajectories/{id}/timeline", "/networks"])
def test_a_page_far_beyond_the_last_is_not_a_server_error(
    client: TestClient[Any],
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
    listing: str,
    page: int,
) -> None:
    path = "/api/v1" + listing.replace("{id}", trajectory[0])
    response = client.get(f"{path}?page={page}&pageSize=500", headers=regisseur)
    assert response.status_code in {200, 400}, response.text
    if response.status_code == 400:
        assert is_problem(response, 400)


# --- If-Match: 428, 400, 412, and nothing stored ---


def test_a_command_without_if_match_is_428(
    client: TestClient[Any],
    settings: Settings,
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
) -> None:
    trajectory_id, etag = trajectory
    for headers in (regisseur, regisseur | {"If-Match": ""}, regisseur | {"If-Match": "  "}):
        response = client.post(
            f"{TRAJECTORIES}/{trajectory_id}/arrests", json=ARREST, headers=headers
        )
        assert is_problem(response, 428), response.text
        assert_no_personal_values(response)
    assert_unchanged(client, settings, regisseur, trajectory_id, etag)


@pytest.mark.parametrize(
    "value", ['W/"1"', "abc", '"1", "2"', "1", '"1', '""', '"-1"', '"1.0"', '"01x"', '"1234567890"']
)
def test_a_malformed_if_match_is_400(
    client: TestClient[Any],
    settings: Settings,
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
    value: str,
) -> None:
    trajectory_id, etag = trajectory
    response = command(client, f"{TRAJECTORIES}/{trajectory_id}/arrests", ARREST, regisseur, value)
    assert is_problem(response, 400), response.text
    assert response.json()["rule"] == "invalid-if-match"
    assert_unchanged(client, settings, regisseur, trajectory_id, etag)


def test_a_stale_if_match_is_412_and_stores_nothing(
    client: TestClient[Any],
    settings: Settings,
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
) -> None:
    trajectory_id, first = trajectory
    path = f"{TRAJECTORIES}/{trajectory_id}/arrests"
    accepted = command(client, path, ARREST, regisseur, first)
    assert accepted.status_code == 200, accepted.text
    current = accepted.headers["etag"]
    assert current == '"2"'
    for stale in (first, '"0"', '"3"', '"999999999"'):
        response = command(client, path, ARREST, regisseur, stale)
        assert is_problem(response, 412), response.text
        assert response.json()["rule"] == "version-conflict"
        assert response.headers["etag"] == current
        assert_no_personal_values(response)
    assert_unchanged(client, settings, regisseur, trajectory_id, current)


def test_a_command_on_an_unknown_trajectory_is_404(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    unknown = str(uuid4())
    response = command(client, f"{TRAJECTORIES}/{unknown}/arrests", ARREST, regisseur, '"1"')
    assert is_problem(response, 404), response.text
    assert stored_events(settings, unknown) == 0


# --- the OpenAPI document ---


@pytest.fixture
def openapi(client: TestClient[Any]) -> Response:
    return client.get("/api/v1/openapi.json")


def test_the_openapi_document_is_public_with_cors(openapi: Response) -> None:
    assert openapi.status_code == 200
    assert openapi.headers["access-control-allow-origin"] == "*"
    assert openapi.headers["content-type"].startswith("application/json")


def test_the_openapi_document_describes_the_api(openapi: Response) -> None:
    spec = openapi.json()
    assert spec["openapi"].startswith("3.1.")
    assert [server["url"] for server in spec["servers"]] == ["/api/v1"]
    assert spec["info"]["version"] == "1.0.0"
    contact = spec["info"]["contact"]
    assert contact["name"]
    assert "@" in contact["email"]
    assert contact["url"].startswith("https://")
    assert "/openapi.json" in spec["paths"]
    assert all(not path.startswith("/api/") for path in spec["paths"])
    assert all(path == "/" or not path.endswith("/") for path in spec["paths"])


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in methods:
                yield f"{method.upper()} {path}", operation


def test_every_operation_documents_its_problems(openapi: Response) -> None:
    spec = openapi.json()
    operations = dict(_operations(spec))
    assert operations
    for name, operation in operations.items():
        responses = operation["responses"]
        assert "400" in responses, name
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                content = response.get("content", {})
                assert set(content) == {"application/problem+json"}, (name, status)
                schema = content["application/problem+json"]["schema"]
                problem = _resolve(spec, schema)
                assert {"status", "title", "detail", "type"} <= set(problem["required"]), name


def test_every_success_documents_the_version_header(openapi: Response) -> None:
    for name, operation in _operations(openapi.json()):
        for status, response in operation["responses"].items():
            if status.startswith(("2", "3")):
                assert "API-Version" in response.get("headers", {}), (name, status)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref")
    if reference is None:
        return schema
    resolved: dict[str, Any] = spec
    for part in reference.removeprefix("#/").split("/"):
        resolved = resolved[part]
    return resolved


def test_the_published_document_is_the_generated_one(openapi: Response) -> None:
    assert openapi.json() == document()


def test_every_command_that_needs_if_match_documents_it(openapi: Response) -> None:
    missing = []
    for name, operation in _operations(openapi.json()):
        if "428" not in operation["responses"]:
            continue
        headers = {
            parameter["name"].lower(): parameter
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header"
        }
        if not headers.get("if-match", {}).get("required"):
            missing.append(name)
    assert not missing, missing


def test_the_public_document_says_it_needs_no_token(openapi: Response) -> None:
    assert openapi.json()["paths"]["/openapi.json"]["get"].get("security") == []


def test_every_response_header_has_a_schema(openapi: Response) -> None:
    missing = sorted(
        {
            f"{name} {status} {header}"
            for name, operation in _operations(openapi.json())
            for status, response in operation["responses"].items()
            for header, definition in response.get("headers", {}).items()
            if "schema" not in definition and "content" not in definition
        }
    )
    assert not missing, missing


def test_the_bearer_scheme_is_a_valid_http_scheme(openapi: Response) -> None:
    for scheme in openapi.json()["components"]["securitySchemes"].values():
        if scheme["type"] == "http":
            assert "name" not in scheme  # only apiKey schemes have a name (OpenAPI 3.1 4.8.27)
            assert scheme["scheme"].lower() == "bearer"


# --- health ---


def test_health_live_and_ready(client: TestClient[Any]) -> None:
    live = client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    wait_until_ready(client)
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


# --- no personal values on any error path ---


@dataclass(frozen=True)
class Attempt:
    """What an error path needs: the client, settings, a regisseur's headers, a trajectory."""

    client: TestClient[Any]
    settings: Settings
    headers: dict[str, str]
    trajectory_id: str
    etag: str


def _referral(**changes: Any) -> Callable[[Attempt], Response]:  # noqa: ANN401
    return lambda at: at.client.post(TRAJECTORIES, json=REFERRAL | changes, headers=at.headers)


def _raw(content: bytes, content_type: str = "application/json") -> Callable[[Attempt], Response]:
    return lambda at: at.client.post(
        TRAJECTORIES, content=content, headers=at.headers | {"Content-Type": content_type}
    )


def _arrest(
    if_match: str | None = "current",
    extra: dict[str, str] | None = None,
    *,
    unknown: bool = False,
) -> Callable[[Attempt], Response]:
    """Send an arrest with the referral's police reference (``if_match`` None: no If-Match)."""
    body = ARREST | {"policeReference": REFERRAL["policeReference"]}

    def send(at: Attempt) -> Response:
        target = uuid4() if unknown else at.trajectory_id
        headers = at.headers | (extra or {})
        if if_match is not None:
            headers["If-Match"] = at.etag if if_match == "current" else if_match
        return at.client.post(f"{TRAJECTORIES}/{target}/arrests", json=body, headers=headers)

    return send


def _as(role: PartnerRole) -> Callable[[Attempt], Response]:
    return lambda at: at.client.post(
        TRAJECTORIES, json=REFERRAL, headers=bearer(at.settings, role, organisation="politie")
    )


_NAMES = f"{REFERRAL['givenName']} {REFERRAL['familyName']}"
_SERIALIZED = json.dumps(REFERRAL).encode()
#: Requests that fail, each sending the referral's personal values in some form.
ERROR_PATHS = [
    pytest.param(_referral(bornOn=_NAMES), 400, id="invalid-date"),
    pytest.param(_referral(extra=_NAMES), 400, id="unknown-field"),
    pytest.param(_referral(suspectedOn="2026-10-09"), 400, id="date-order"),
    pytest.param(_referral(givenName=REFERRAL["givenName"] * 30), 400, id="name-too-long"),
    pytest.param(_referral(familyName=""), 400, id="name-empty"),
    pytest.param(_referral(givenName=7), 400, id="name-not-a-string"),
    pytest.param(_referral(referringOrganisation=_NAMES), 400, id="organisation-not-a-slug"),
    pytest.param(_referral(regisseur={"userId": _NAMES}), 400, id="regisseur-incomplete"),
    pytest.param(_raw(_SERIALIZED[:-5]), 400, id="malformed-json"),
    pytest.param(_raw(_SERIALIZED, "text/plain"), 415, id="text-plain"),
    pytest.param(
        lambda at: at.client.post(
            TRAJECTORIES, json=REFERRAL, headers=at.headers | {"Accept": "application/xml"}
        ),
        406,
        id="not-acceptable",
    ),
    pytest.param(lambda at: at.client.post(TRAJECTORIES, json=REFERRAL), 401, id="no-token"),
    pytest.param(_as(PartnerRole.POLITIE), 403, id="politie"),
    pytest.param(
        lambda at: at.client.post(f"{TRAJECTORIES}?note=1", json=REFERRAL, headers=at.headers),
        400,
        id="unknown-query-parameter",
    ),
    pytest.param(
        lambda at: at.client.post(f"{TRAJECTORIES}/", json=REFERRAL, headers=at.headers),
        404,
        id="trailing-slash",
    ),
    pytest.param(_arrest(None), 428, id="if-match-missing"),
    pytest.param(_arrest('W/"1"'), 400, id="if-match-malformed"),
    pytest.param(_arrest('"7"'), 412, id="if-match-stale"),
    pytest.param(_arrest(unknown=True), 404, id="unknown-trajectory"),
    pytest.param(_arrest(extra={"Content-Type": "text/plain"}), 415, id="arrest-text-plain"),
    pytest.param(_arrest(extra={"Accept": "text/csv"}), 406, id="arrest-not-acceptable"),
]


@pytest.mark.parametrize(("send", "status"), ERROR_PATHS)
def test_no_error_repeats_a_personal_value(
    client: TestClient[Any],
    settings: Settings,
    regisseur: dict[str, str],
    trajectory: tuple[str, str],
    send: Callable[[Attempt], Response],
    status: int,
) -> None:
    trajectory_id, etag = trajectory
    response = send(Attempt(client, settings, regisseur, trajectory_id, etag))
    assert is_problem(response, status), (response.status_code, response.text)
    assert_no_personal_values(response)
    assert stored_events(settings, trajectory_id) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("offenceCategory", REFERRAL["policeReference"]),
        ("offenceCategory", REFERRAL["familyName"]),
        pytest.param("referringOrganisation", REFERRAL["familyName"]),
    ],
)
def test_a_personal_value_typed_into_a_coded_field_is_not_repeated(
    client: TestClient[Any], regisseur: dict[str, str], field: str, value: str
) -> None:
    response = client.post(TRAJECTORIES, json=REFERRAL | {field: value}, headers=regisseur)
    assert is_problem(response, 400), response.text
    text = response.text
    assert value not in text, text


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(f"sort={REFERRAL['familyName']}"),
        pytest.param(f"signal={REFERRAL['givenName']}"),
        pytest.param(f"order={REFERRAL['givenName']}"),
        pytest.param(f"page={REFERRAL['givenName']}"),
        pytest.param(f"closed={REFERRAL['givenName']}"),
    ],
)
def test_a_personal_value_in_a_query_parameter_is_not_repeated(
    client: TestClient[Any], regisseur: dict[str, str], query: str
) -> None:
    wait_until_ready(client)
    response = client.get(f"{TRAJECTORIES}?{query}", headers=regisseur)
    assert is_problem(response, 400), response.text
    assert_no_personal_values(response)
