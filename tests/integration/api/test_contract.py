"""The API against its own OpenAPI document: schemathesis over every operation.

The document is the one the API publishes (``pga.api.openapi.document()``, built without a
database; ``test_http_rules`` checks it equals ``/api/v1/openapi.json``), so the operations are
known when pytest collects. The app runs once for the module, in a real uvicorn server
(``server.running_server``) on a schema of its own, with its lifespan: event store, read-model
pool and projection runner. Each operation gets a bounded number of generated requests (the
examples, coverage and fuzzing phases) with a regisseur's token (the auditor's operations with
an auditor's).

Checks: no 5xx, and every response as documented: status code, content type, headers and body.
Not run: ``allow_header_conformance`` (Litestar 2.x answers ``OPTIONS`` with the methods of one
handler only when two share a path, litestar#4169, fixed in 3.x); the data-acceptance checks
(``positive_data_acceptance`` refuses any 400, and cross-field domain rules such as date order are
400 by ADR /core/error-handling/invalid-input, which no JSON Schema can express;
``negative_data_rejection``, ``missing_required_header`` and ``ignored_auth`` see the generated
``Authorization`` header replaced by the token). What those checks find that the document can
say is tested directly in ``test_http_rules`` (If-Match documented, the public document's
``security: []``).

(``schemathesis.pytest.from_fixture`` would load the document from the running app, but with
schemathesis 4.32 and pytest 9 it fails on ``Function._nodeid``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pga.api.openapi import document
from pga.domain.catalogue import PartnerRole
from pga.settings import Settings
from tests.integration.api.conftest import REFERRAL, SECRET, bearer
from tests.integration.api.server import fresh_schema, running_server, wait_until_ready

if TYPE_CHECKING:
    from collections.abc import Iterator

    from schemathesis import Case

#: Generated requests per operation in the fuzzing phase (examples and coverage come on top).
MAX_EXAMPLES = 25

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(document())


@pytest.fixture(scope="module")
def contract_settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    with fresh_schema(database_url, prefix="contract") as name:
        yield Settings(
            database_url=database_url,
            database_schema=name,
            data_dir=tmp_path_factory.mktemp("contract"),
            jwt_secret=SECRET,
            api_wait_seconds=1.0,
        )


@pytest.fixture(scope="module")
def token(contract_settings: Settings) -> dict[str, str]:
    return bearer(contract_settings)


@pytest.fixture(scope="module")
def auditor_token(contract_settings: Settings) -> dict[str, str]:
    return bearer(contract_settings, PartnerRole.AUDITOR, organisation="rekenkamer-almere")


@pytest.fixture(scope="module")
def api(contract_settings: Settings, token: dict[str, str]) -> Iterator[str]:
    """Serve the app for the module, with a few trajectories stored; yield the API's base URL."""
    with (
        running_server(contract_settings) as base_url,
        httpx.Client(base_url=base_url, headers=token, timeout=30.0) as client,
    ):
        wait_until_ready(client)
        for _ in range(3):  # something to list and page through
            response = client.post("/api/v1/trajectories", json=REFERRAL)
            assert response.status_code == 201, response.text
        yield f"{base_url}/api/v1"


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """One connection pool for every generated request (schemathesis sends with ``requests``)."""
    with requests.Session() as opened:
        yield opened


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_its_contract(
    case: Case[Any],
    api: str,
    session: requests.Session,
    token: dict[str, str],
    auditor_token: dict[str, str],
) -> None:
    # The auditor's operations admit the auditor role only: fuzz them with its token, so that
    # more than their 403 is held to the document.
    auditing = case.operation.path.startswith("/audit/")
    case.call_and_validate(
        base_url=api,
        session=session,
        headers=auditor_token if auditing else token,
        checks=CHECKS,
    )
