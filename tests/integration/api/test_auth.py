"""Authentication and authorisation over HTTP: 401, 403, production keys, key configuration.

401 for every unusable token, 403 for the wrong role or organisation, the production key
configurations (a PEM public key, a JWKS file chosen by ``kid``) and the key-configuration errors.

Every 401 is the same problem+json with ``WWW-Authenticate: Bearer``: the reason a token failed is
never told to the client. Tokens are signed here with PyJWT or, where PyJWT refuses to build the
attack (``alg: none``, an HMAC keyed with a public key), by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import TestClient

from pga.api.app import asgi
from pga.api.auth import KeyConfigurationError, issue_token, verification_keys
from pga.domain.catalogue import PartnerRole
from pga.settings import Settings
from tests.integration.api.conftest import MUNICIPALITY, REFERRAL, SECRET, bearer, is_problem
from tests.integration.api.server import fresh_schema, wait_until_ready

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from httpx import Response

TRAJECTORIES = "/api/v1/trajectories"
OTHER_SECRET = "another-secret-that-the-api-never-saw-0123456789"


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


# --- building tokens ---

AUDIENCE = "pga-api"


def claims(**changes: Any) -> dict[str, Any]:  # noqa: ANN401
    """Return a regisseur's valid claims; ``changes`` replace claims (``None`` drops one)."""
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": "u-regie-01",
        "org": MUNICIPALITY,
        "role": PartnerRole.REGISSEUR.value,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
        # Checked where public keys are configured (they need an audience); ignored otherwise.
        "aud": AUDIENCE,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def signed(
    payload: dict[str, Any],
    key: Any,  # noqa: ANN401 - a secret or a private key object
    algorithm: str = "HS256",
    kid: str | None = None,
) -> str:
    """Sign ``payload`` with PyJWT."""
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"


def unsigned(payload: dict[str, Any]) -> str:
    """Build an ``alg: none`` token: no signature at all."""
    return _segments({"alg": "none", "typ": "JWT"}, payload) + "."


def hmac_keyed_with(payload: dict[str, Any], key: bytes) -> str:
    """Build an HS256 token keyed with ``key`` (algorithm confusion with a public key)."""
    signing_input = _segments({"alg": "HS256", "typ": "JWT"}, payload)
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def authorization(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- RSA keys ---


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return _private_key()


@pytest.fixture(scope="module")
def second_rsa_key() -> rsa.RSAPrivateKey:
    return _private_key()


@pytest.fixture(scope="module")
def public_key_file(tmp_path_factory: pytest.TempPathFactory, rsa_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path_factory.mktemp("keys") / "idp-public.pem"
    path.write_bytes(_public_pem(rsa_key))
    return path


@pytest.fixture(scope="module")
def jwks_file(
    tmp_path_factory: pytest.TempPathFactory,
    rsa_key: rsa.RSAPrivateKey,
    second_rsa_key: rsa.RSAPrivateKey,
) -> Path:
    keys = []
    for kid, key in (("key-2025", rsa_key), ("key-2026", second_rsa_key)):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        keys.append(jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
    path = tmp_path_factory.mktemp("keys") / "idp-jwks.json"
    path.write_text(json.dumps({"keys": keys}))
    return path


def _client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(asgi(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def public_key_client(settings: Settings, public_key_file: Path) -> Iterator[TestClient[Any]]:
    yield from _client(
        replace(settings, jwt_secret=None, jwt_public_key=public_key_file, jwt_audience=AUDIENCE)
    )


@pytest.fixture(scope="module")
def jwks_client(settings: Settings, jwks_file: Path) -> Iterator[TestClient[Any]]:
    yield from _client(
        replace(settings, jwt_secret=None, jwt_jwks_file=jwks_file, jwt_audience=AUDIENCE)
    )


# --- what a refusal and an acceptance look like ---

#: Every 401 has this body, whatever was wrong with the token.
UNAUTHENTICATED = {
    "type": "urn:pga:problem:unauthenticated",
    "title": "Niet geauthenticeerd",
    "status": 401,
    "detail": "Een geldig bearer-token is vereist.",
    "rule": "unauthenticated",
}


def assert_unauthenticated(response: Response) -> None:
    assert is_problem(response, 401), (response.status_code, response.text)
    assert response.json() == UNAUTHENTICATED
    assert response.headers["www-authenticate"].startswith("Bearer ")


def assert_forbidden(response: Response) -> None:
    assert is_problem(response, 403), (response.status_code, response.text)
    assert "www-authenticate" not in response.headers


def assert_accepted(client: TestClient[Any], headers: dict[str, str]) -> None:
    """Check the token passes authentication and the regisseur guard (GET and a command)."""
    missing = client.get(f"{TRAJECTORIES}/{uuid4()}", headers=headers)
    assert is_problem(missing, 404), (missing.status_code, missing.text)
    assert missing.json()["rule"] == "not-found"
    referred = client.post(TRAJECTORIES, json=REFERRAL, headers=headers)
    assert referred.status_code == 201, referred.text


def refused_everywhere(client: TestClient[Any], headers: dict[str, str]) -> None:
    """Check a list, a read and a command with ``headers`` are all 401."""
    assert_unauthenticated(client.get(TRAJECTORIES, headers=headers))
    assert_unauthenticated(client.get(f"{TRAJECTORIES}/{uuid4()}", headers=headers))
    assert_unauthenticated(client.post(TRAJECTORIES, json=REFERRAL, headers=headers))


# --- the development (HS256 secret) configuration ---


def test_a_valid_token_is_accepted(client: TestClient[Any], regisseur: dict[str, str]) -> None:
    assert_accepted(client, regisseur)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="no-header"),
        pytest.param("", id="empty"),
        pytest.param("Bearer", id="scheme-only"),
        pytest.param("Bearer ", id="scheme-and-space"),
        pytest.param("Bearer not-a-jwt", id="not-a-jwt"),
        pytest.param("Bearer a.b.c", id="garbage-segments"),
        pytest.param("Bearer ....", id="empty-segments"),
        pytest.param("Basic dXNlcjpwYXNzd29yZA==", id="basic-credentials"),
    ],
)
def test_a_missing_or_malformed_authorization_header_is_401(
    client: TestClient[Any], value: str | None
) -> None:
    headers = {} if value is None else {"Authorization": value}
    refused_everywhere(client, headers)


@pytest.mark.parametrize("scheme", ["Basic", "Token", "Bearerx"])
def test_a_valid_token_under_another_scheme_is_401(
    client: TestClient[Any], settings: Settings, scheme: str
) -> None:
    token = bearer(settings)["Authorization"].removeprefix("Bearer ")
    refused_everywhere(client, {"Authorization": f"{scheme} {token}"})


def test_the_bearer_scheme_is_case_insensitive(client: TestClient[Any], settings: Settings) -> None:
    token = bearer(settings)["Authorization"].removeprefix("Bearer ")
    assert_accepted(client, {"Authorization": f"bearer {token}"})


def _expired() -> dict[str, Any]:
    past = datetime.now(UTC) - timedelta(minutes=5)
    return claims(iat=int((past - timedelta(hours=1)).timestamp()), exp=int(past.timestamp()))


def _not_yet_valid() -> dict[str, Any]:
    return claims(nbf=int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()))


#: PyJWT warns that the 40-character test secret is short for HS384/HS512: that is the point.
SHORT_KEY = pytest.mark.filterwarnings("ignore:The HMAC key is")

REJECTED_UNDER_THE_SECRET: list[Any] = [
    pytest.param(lambda _key: signed(_expired(), SECRET), id="expired"),
    pytest.param(lambda _key: signed(_not_yet_valid(), SECRET), id="not-yet-valid"),
    pytest.param(lambda _key: signed(claims(), OTHER_SECRET), id="other-secret"),
    pytest.param(lambda _key: signed(claims(), SECRET)[:-4] + "AAAA", id="tampered-signature"),
    pytest.param(
        lambda _key: signed(claims(), SECRET).rsplit(".", 1)[0] + ".", id="signature-stripped"
    ),
    pytest.param(lambda _key: unsigned(claims()), id="alg-none"),
    pytest.param(
        lambda _key: signed(claims(), SECRET, "HS512"), id="hs512-not-configured", marks=SHORT_KEY
    ),
    pytest.param(
        lambda _key: signed(claims(), SECRET, "HS384"), id="hs384-not-configured", marks=SHORT_KEY
    ),
    pytest.param(lambda key: signed(claims(), key, "RS256"), id="rs256-against-hs256"),
    *(
        pytest.param(
            lambda _key, claim=claim: signed(claims(**{claim: None}), SECRET), id=f"no-{claim}"
        )
        for claim in ("sub", "org", "role", "exp")
    ),
    *(
        pytest.param(lambda _key, role=role: signed(claims(role=role), SECRET), id=f"role-{label}")
        for label, role in (
            ("unknown", "koning"),
            ("upper-case", "REGISSEUR"),
            ("empty", ""),
            ("list", ["regisseur"]),
            ("number", 1),
        )
    ),
    *(
        pytest.param(lambda _key, org=org: signed(claims(org=org), SECRET), id=f"org-{label}")
        for label, org in (
            ("spaces-and-capitals", "Gemeente Almere"),
            ("underscore", "gemeente_almere"),
            ("trailing-hyphen", "gemeente-"),
            ("empty", ""),
            ("too-long", "g" * 201),
            ("number", 42),
            ("list", [MUNICIPALITY]),
        )
    ),
    pytest.param(lambda _key: signed(claims(sub=""), SECRET), id="sub-empty"),
    pytest.param(lambda _key: signed(claims(sub="u" * 201), SECRET), id="sub-too-long"),
    # Identifiers are recorded in event metadata and the access log: what they cannot store
    # (NUL, a lone surrogate) or what would break a log line is refused at the door.
    *(
        pytest.param(lambda _key, sub=sub: signed(claims(sub=sub), SECRET), id=f"sub-{label}")
        for label, sub in (("nul", "u-regie\x00"), ("surrogate", "u-\ud800"), ("newline", "u\n1"))
    ),
    *(
        pytest.param(lambda _key, act=act: signed(claims(act=act), SECRET), id=f"act-{label}")
        for label, act in (
            ("not-an-object", "u-regie-02"),
            ("without-sub", {"iss": "x"}),
            ("sub-number", {"sub": 7}),
            ("sub-empty", {"sub": ""}),
            ("sub-nul", {"sub": "u\x00"}),
            ("sub-surrogate", {"sub": "\udfff"}),
            ("sub-too-long", {"sub": "u" * 201}),
        )
    ),
]


@pytest.mark.parametrize("make_token", REJECTED_UNDER_THE_SECRET)
def test_an_unusable_token_is_401(
    client: TestClient[Any],
    rsa_key: rsa.RSAPrivateKey,
    make_token: Any,  # noqa: ANN401
) -> None:
    refused_everywhere(client, authorization(make_token(rsa_key)))


# --- production configurations: a PEM public key, a JWKS file ---


def test_a_public_key_accepts_rs256_tokens_of_its_private_key(
    public_key_client: TestClient[Any], rsa_key: rsa.RSAPrivateKey
) -> None:
    assert_accepted(public_key_client, authorization(signed(claims(), rsa_key, "RS256")))


REJECTED_UNDER_THE_PUBLIC_KEY: list[Any] = [
    pytest.param(
        lambda key, _other: hmac_keyed_with(claims(), _public_pem(key)), id="hs256-keyed-with-pem"
    ),
    pytest.param(
        lambda key, _other: hmac_keyed_with(claims(), _public_pem(key).strip()),
        id="hs256-keyed-with-stripped-pem",
    ),
    pytest.param(lambda _key, _other: unsigned(claims()), id="alg-none"),
    pytest.param(lambda _key, other: signed(claims(), other, "RS256"), id="other-private-key"),
    pytest.param(lambda key, _other: signed(claims(), key, "RS512"), id="rs512-not-configured"),
    pytest.param(lambda key, _other: signed(claims(), key, "PS256"), id="ps256-not-configured"),
    pytest.param(lambda key, _other: signed(_expired(), key, "RS256"), id="expired"),
    pytest.param(lambda key, _other: signed(claims(role="koning"), key, "RS256"), id="role"),
    pytest.param(lambda key, _other: signed(claims(org=None), key, "RS256"), id="no-org"),
    pytest.param(lambda _key, _other: signed(claims(), SECRET), id="hs256-with-a-secret"),
]


@pytest.mark.parametrize("make_token", REJECTED_UNDER_THE_PUBLIC_KEY)
def test_a_public_key_refuses_other_tokens(
    public_key_client: TestClient[Any],
    rsa_key: rsa.RSAPrivateKey,
    second_rsa_key: rsa.RSAPrivateKey,
    make_token: Any,  # noqa: ANN401
) -> None:
    refused_everywhere(public_key_client, authorization(make_token(rsa_key, second_rsa_key)))


def test_a_key_set_chooses_the_key_by_kid(
    jwks_client: TestClient[Any],
    rsa_key: rsa.RSAPrivateKey,
    second_rsa_key: rsa.RSAPrivateKey,
) -> None:
    assert_accepted(jwks_client, authorization(signed(claims(), rsa_key, "RS256", "key-2025")))
    assert_accepted(
        jwks_client, authorization(signed(claims(), second_rsa_key, "RS256", "key-2026"))
    )


REJECTED_UNDER_THE_KEY_SET: list[Any] = [
    pytest.param(lambda key, _other: signed(claims(), key, "RS256", "key-2024"), id="unknown-kid"),
    pytest.param(lambda key, _other: signed(claims(), key, "RS256"), id="no-kid"),
    pytest.param(lambda key, _other: signed(claims(), key, "RS256", ""), id="empty-kid"),
    pytest.param(
        lambda _key, other: signed(claims(), other, "RS256", "key-2025"), id="kid-of-another-key"
    ),
    pytest.param(
        lambda key, _other: hmac_keyed_with(claims(), _public_pem(key)), id="hs256-keyed-with-pem"
    ),
    pytest.param(lambda _key, _other: unsigned(claims()), id="alg-none"),
    pytest.param(lambda key, _other: signed(_expired(), key, "RS256", "key-2025"), id="expired"),
]


@pytest.mark.parametrize("make_token", REJECTED_UNDER_THE_KEY_SET)
def test_a_key_set_refuses_other_tokens(
    jwks_client: TestClient[Any],
    rsa_key: rsa.RSAPrivateKey,
    second_rsa_key: rsa.RSAPrivateKey,
    make_token: Any,  # noqa: ANN401
) -> None:
    refused_everywhere(jwks_client, authorization(make_token(rsa_key, second_rsa_key)))


# --- key configuration errors ---


@pytest.mark.parametrize(
    "kinds",
    [
        ("secret", "public_key"),
        ("secret", "jwks"),
        ("public_key", "jwks"),
        ("secret", "public_key", "jwks"),
    ],
)
def test_several_kinds_of_keys_are_a_configuration_error(
    tmp_path: Path, public_key_file: Path, jwks_file: Path, kinds: tuple[str, ...]
) -> None:
    configured = Settings(
        data_dir=tmp_path,
        jwt_secret=SECRET if "secret" in kinds else None,
        jwt_public_key=public_key_file if "public_key" in kinds else None,
        jwt_jwks_file=jwks_file if "jwks" in kinds else None,
    )
    with pytest.raises(KeyConfigurationError, match="not several"):
        verification_keys(configured)
    with pytest.raises(KeyConfigurationError):
        asgi(configured)


@pytest.mark.parametrize("kind", ["public_key", "jwks"])
def test_tokens_cannot_be_issued_without_a_shared_secret(
    tmp_path: Path, public_key_file: Path, jwks_file: Path, kind: str
) -> None:
    configured = Settings(
        data_dir=tmp_path,
        jwt_public_key=public_key_file if kind == "public_key" else None,
        jwt_jwks_file=jwks_file if kind == "jwks" else None,
        jwt_audience=AUDIENCE,
    )
    keys = verification_keys(configured)
    assert not keys.can_sign
    with pytest.raises(KeyConfigurationError, match="identity provider"):
        issue_token(keys, user="u-regie-01", organisation=MUNICIPALITY, role=PartnerRole.REGISSEUR)


def test_hs_algorithms_do_not_fit_a_public_key(tmp_path: Path, public_key_file: Path) -> None:
    configured = Settings(
        data_dir=tmp_path,
        jwt_public_key=public_key_file,
        jwt_algorithms=("HS256",),
        jwt_audience=AUDIENCE,
    )
    with pytest.raises(KeyConfigurationError, match="does not fit"):
        verification_keys(configured)


@pytest.mark.parametrize("kind", ["public_key", "jwks"])
def test_public_keys_need_an_audience(
    tmp_path: Path, public_key_file: Path, jwks_file: Path, kind: str
) -> None:
    configured = Settings(
        data_dir=tmp_path,
        jwt_public_key=public_key_file if kind == "public_key" else None,
        jwt_jwks_file=jwks_file if kind == "jwks" else None,
    )
    with pytest.raises(KeyConfigurationError, match="PGA_JWT_AUDIENCE"):
        verification_keys(configured)


def test_a_token_for_another_audience_is_refused_with_public_keys(
    public_key_client: TestClient[Any], rsa_key: rsa.RSAPrivateKey
) -> None:
    token = signed(claims(aud="another-service"), rsa_key, "RS256")
    refused_everywhere(public_key_client, {"Authorization": f"Bearer {token}"})


# --- 403: authenticated, but not this role or not this municipality ---


def test_an_uninvolved_politie_token_sees_nothing_and_may_not_refer(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = _refer(client, regisseur)
    politie = bearer(settings, PartnerRole.POLITIE, organisation="politie-midden-nederland")
    listed = client.get(TRAJECTORIES, headers=politie)
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert is_problem(client.get(f"{TRAJECTORIES}/{trajectory_id}", headers=politie), 404)
    assert_forbidden(client.post(TRAJECTORIES, json=REFERRAL, headers=politie))
    arrest = {
        "arrestedOn": "2026-10-06",
        "offenceCategory": "straatroof",
        "policeReference": "PL-9",
    }
    refused = client.post(
        f"{TRAJECTORIES}/{trajectory_id}/arrests",
        json=arrest,
        headers=politie | {"If-Match": etag},
    )
    assert is_problem(refused, 404)  # politie may record arrests, but only where involved
    assert client.get(f"{TRAJECTORIES}/{trajectory_id}", headers=regisseur).headers["etag"] == etag


@pytest.mark.parametrize("role", [PartnerRole.REGISSEUR, PartnerRole.PROCESREGISSEUR])
def test_a_token_of_another_organisation_is_403(
    client: TestClient[Any], settings: Settings, regisseur: dict[str, str], role: PartnerRole
) -> None:
    trajectory_id, _ = _refer(client, regisseur)
    outsider = bearer(settings, role, organisation="gemeente-lelystad")
    assert_forbidden(client.get(TRAJECTORIES, headers=outsider))
    assert_forbidden(client.get(f"{TRAJECTORIES}/{trajectory_id}", headers=outsider))
    assert_forbidden(client.post(TRAJECTORIES, json=REFERRAL, headers=outsider))


def _refer(client: TestClient[Any], headers: dict[str, str]) -> tuple[str, str]:
    response = client.post(TRAJECTORIES, json=REFERRAL, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["etag"]


# --- public paths ---


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/api/v1/openapi.json", "application/json"),
        ("/api/v1/docs", "text/html"),
        ("/health/live", "application/json"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [pytest.param({}, id="no-token"), pytest.param(authorization("garbage"), id="bad-token")],
)
def test_public_paths_need_no_token(
    client: TestClient[Any], path: str, media_type: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)


# --- claims Litestar would trip over, and clocks that differ a little ---


def test_a_claim_named_extras_is_refused_not_a_server_error(client: TestClient[Any]) -> None:
    for extras in ("text", ["a", "list"]):
        token = signed(claims(extras=extras), SECRET)
        refused_everywhere(client, {"Authorization": f"Bearer {token}"})


def test_iat_is_optional_and_may_run_a_little_ahead(client: TestClient[Any]) -> None:
    ahead = int((datetime.now(UTC) + timedelta(seconds=10)).timestamp())
    for token in (signed(claims(iat=None), SECRET), signed(claims(iat=ahead), SECRET)):
        assert_accepted(client, {"Authorization": f"Bearer {token}"})
