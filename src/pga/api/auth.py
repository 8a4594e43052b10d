"""Authentication: bearer JWTs verified by Litestar's JWT support with configured keys.

The accepted algorithms are fixed by configuration (``PGA_JWT_ALGORITHMS``), never by the token's
header, so ``alg: none`` and algorithm-confusion tokens fail. Keys come from ``PGA_JWT_SECRET``
(HS256, development), ``PGA_JWT_PUBLIC_KEY`` (a PEM file) or ``PGA_JWT_JWKS_FILE`` (keys chosen by
``kid``). Without any of them a development secret is created once in the data directory, so
``make run`` works on a fresh machine; ``pga token`` signs with the same secret.

Required claims: ``sub`` (user), ``org`` (organisation id), ``role`` (a catalogue role), ``exp``.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import jwt
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from pga.domain.catalogue import PartnerRole
from pga.files import create_private_file
from pga.recording import Actor
from pga.settings import SYMMETRIC_ALGORITHMS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from litestar.connection import ASGIConnection
    from litestar.middleware.authentication import AuthenticationResult

    from pga.settings import Settings

#: Claims every token must carry (besides a valid signature).
REQUIRED_CLAIMS = ("sub", "org", "role", "exp")
#: The file in the data directory that holds the development secret.
DEVELOPMENT_SECRET_FILE = "development-jwt-secret"  # noqa: S105 - a file name
_MIN_SECRET_LENGTH = 32
_ORGANISATION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_CLAIM_LENGTH = 200
#: Allowed difference between the identity provider's clock and ours for ``nbf`` and ``iat``
#: (Litestar refuses an expired token whatever the leeway).
CLOCK_SKEW_SECONDS = 30


class KeyConfigurationError(Exception):
    """The configured keys cannot verify (or, for ``pga token``, sign) tokens."""


@dataclass(frozen=True)
class VerificationKeys:
    """How tokens are verified: the algorithms, and a secret, a public key or a key set."""

    algorithms: tuple[str, ...]
    secret: str | None = None
    public_key: str | None = None
    jwks: jwt.PyJWKSet | None = None
    development: bool = False
    """The secret is the generated development secret (``make run``), not configured."""

    @property
    def can_sign(self) -> bool:
        """Whether development tokens can be issued (only with a shared secret)."""
        return self.secret is not None

    def key_for(self, encoded_token: str) -> Any:  # noqa: ANN401 - str or a PyJWK key object
        """Return the key to verify ``encoded_token`` with (for a key set: by its ``kid``)."""
        if self.secret is not None:
            return self.secret
        if self.public_key is not None:
            return self.public_key
        assert self.jwks is not None  # noqa: S101 - one of the three is always set
        key_id = jwt.get_unverified_header(encoded_token).get("kid")
        for key in self.jwks.keys:
            if key.key_id == key_id:
                return key
        raise jwt.InvalidKeyError


def verification_keys(
    settings: Settings, *, create_development_secret: bool = True
) -> VerificationKeys:
    """Resolve the configured keys; without any, use (and create) the development secret."""
    configured = [
        name
        for name, value in (
            ("PGA_JWT_SECRET", settings.jwt_secret),
            ("PGA_JWT_PUBLIC_KEY", settings.jwt_public_key),
            ("PGA_JWT_JWKS_FILE", settings.jwt_jwks_file),
        )
        if value is not None
    ]
    if len(configured) > 1:
        msg = f"configure one of {', '.join(configured)}, not several"
        raise KeyConfigurationError(msg)
    symmetric = settings.jwt_secret is not None or not configured
    algorithms = settings.jwt_algorithms or (("HS256",) if symmetric else ("RS256",))
    if symmetric != set(algorithms).issubset(SYMMETRIC_ALGORITHMS):
        kind = "a shared secret" if symmetric else "public keys"
        msg = f"PGA_JWT_ALGORITHMS does not fit {kind}"
        raise KeyConfigurationError(msg)
    if not symmetric and settings.jwt_audience is None:
        # An identity provider signs tokens for many services; only the audience says one is
        # meant for this one.
        msg = "with PGA_JWT_PUBLIC_KEY or PGA_JWT_JWKS_FILE, set PGA_JWT_AUDIENCE too"
        raise KeyConfigurationError(msg)
    if settings.jwt_public_key is not None:
        return VerificationKeys(algorithms, public_key=settings.jwt_public_key.read_text())
    if settings.jwt_jwks_file is not None:
        try:
            jwks = jwt.PyJWKSet.from_json(settings.jwt_jwks_file.read_text())
        except (jwt.PyJWKSetError, json.JSONDecodeError, ValueError) as error:
            msg = f"PGA_JWT_JWKS_FILE is not a usable key set ({type(error).__name__})"
            raise KeyConfigurationError(msg) from None
        return VerificationKeys(algorithms, jwks=jwks)
    if settings.jwt_secret is not None:
        return VerificationKeys(algorithms, secret=settings.jwt_secret)
    secret = _development_secret(settings.data_dir, create=create_development_secret)
    return VerificationKeys(algorithms, secret=secret, development=True)


def _development_secret(data_dir: Path, *, create: bool) -> str:
    path = data_dir / DEVELOPMENT_SECRET_FILE
    if not path.exists():
        if not create:
            msg = "no PGA_JWT_* keys are configured and there is no development secret yet"
            raise KeyConfigurationError(msg)
        create_private_file(path, secrets.token_urlsafe(48))
    secret = path.read_text().strip()
    if len(secret) < _MIN_SECRET_LENGTH:
        msg = f"the development secret in {DEVELOPMENT_SECRET_FILE} is too short; delete the file"
        raise KeyConfigurationError(msg)
    return secret


def issue_token(
    keys: VerificationKeys,
    *,
    user: str,
    organisation: str,
    role: PartnerRole,
    ttl: timedelta = timedelta(hours=8),
    issuer: str | None = None,
    audience: str | None = None,
    now: datetime | None = None,
) -> str:
    """Sign a development token (shared-secret configurations only)."""
    if keys.secret is None:
        msg = "only a public key is configured: tokens come from the identity provider"
        raise KeyConfigurationError(msg)
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    claims: dict[str, Any] = {
        "sub": user,
        "org": organisation,
        "role": role.value,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, keys.secret, algorithm=keys.algorithms[0])


def actor_from_claims(claims: dict[str, Any], subject: str) -> Actor | None:
    """Return the actor the verified claims describe, or ``None`` when a claim is unusable.

    Delegation follows RFC 8693: a token with an ``act`` claim was issued to ``act.sub`` (the
    person who acts, recorded as the user) on behalf of ``sub`` (the principal whose rights
    apply: ``org`` and ``role`` are the principal's; recorded as ``on_behalf_of``). A delegated
    token must name its actor: ``act`` without a usable ``sub`` is refused, since the record
    would not say who acted.
    """
    organisation = claims.get("org")
    role = claims.get("role")
    delegated = claims.get("act")
    if not (isinstance(organisation, str) and _ORGANISATION.fullmatch(organisation)):
        return None
    if not isinstance(role, str) or role not in PartnerRole.__members__.values():
        return None
    if not _usable_identifier(subject) or len(organisation) > _MAX_CLAIM_LENGTH:
        return None
    if delegated is None:
        return Actor(user=subject, organisation=organisation, role=PartnerRole(role))
    acting = delegated.get("sub") if isinstance(delegated, dict) else None
    if not (isinstance(acting, str) and _usable_identifier(acting)):
        return None
    return Actor(
        user=acting, organisation=organisation, role=PartnerRole(role), on_behalf_of=subject
    )


def _usable_identifier(value: str) -> bool:
    """Return whether a user identifier may be recorded: 1 to 200 printable characters.

    Identifiers go into event metadata and the access log; a control character (NUL above all)
    or a lone surrogate cannot be stored there, so such a token is refused at the door instead of
    failing every write that would record it.
    """
    return 0 < len(value) <= _MAX_CLAIM_LENGTH and value.isprintable()


def _token_class(keys: VerificationKeys) -> type[Token]:
    class PgaToken(Token):
        """A token verified with the configured keys and algorithms only."""

        verification: ClassVar[VerificationKeys] = keys

        @classmethod
        def decode_payload(
            cls,
            encoded_token: str,
            secret: str,  # noqa: ARG003 - the configured keys decide, see key_for
            algorithms: list[str],  # noqa: ARG003 - the configured algorithms decide
            issuer: str | Sequence[str] | None = None,
            audience: str | Sequence[str] | None = None,
            options: Any = None,  # noqa: ANN401 - Litestar's JWTDecodeOptions
        ) -> Any:  # noqa: ANN401 - the payload
            try:
                key = cls.verification.key_for(encoded_token)
            except jwt.InvalidKeyError:
                raise jwt.InvalidTokenError from None
            payload: dict[str, Any] = jwt.decode(
                encoded_token,
                key=key,
                algorithms=list(cls.verification.algorithms),
                issuer=issuer,
                audience=audience,
                options=options,
                leeway=CLOCK_SKEW_SECONDS,
            )
            if "extras" in payload:  # Litestar's own field for unknown claims: not a claim
                raise jwt.InvalidTokenError
            # ``iat`` is optional (RFC 7519) and may run ahead by the allowed skew; Litestar's
            # token wants one, not in the future.
            now = int(time.time())
            issued = payload.get("iat")
            if not isinstance(issued, int | float) or issued > now:
                payload["iat"] = now
            return payload

    return PgaToken


async def _retrieve_actor(
    token: Token, _connection: ASGIConnection[Any, Any, Any, Any]
) -> Actor | None:
    return actor_from_claims(token.extras, token.sub)


class _BearerOnly(JWTAuthenticationMiddleware):
    """Litestar's JWT middleware, but only for ``Authorization: Bearer <token>`` (RFC 6750).

    Litestar takes whatever follows the first space, so ``Basic <jwt>`` would pass.
    """

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        """Refuse any other scheme, then verify the token as Litestar does."""
        scheme, _, token = connection.headers.get(self.auth_header, "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException
        return await self.authenticate_token(encoded_token=token.strip(), connection=connection)


def jwt_auth(
    settings: Settings, keys: VerificationKeys, *, exclude: Sequence[str]
) -> JWTAuth[Actor]:
    """Return the app's JWT authentication (middleware and OpenAPI security scheme)."""
    return JWTAuth[Actor](
        retrieve_user_handler=_retrieve_actor,
        # Unused by PgaToken, which verifies with the configured keys; JWTAuth requires a value.
        token_secret=keys.secret or "verified-with-configured-public-keys",
        algorithm=keys.algorithms[0],
        token_cls=_token_class(keys),
        authentication_middleware_class=_BearerOnly,
        require_claims=list(REQUIRED_CLAIMS),
        accepted_issuers=[settings.jwt_issuer] if settings.jwt_issuer else None,
        accepted_audiences=[settings.jwt_audience] if settings.jwt_audience else None,
        exclude=list(exclude),
        description="Bearer-JWT met de claims sub, org, role en exp.",
    )


def unauthenticated() -> NotAuthorizedException:
    """Return the 401 every authentication failure gets (the reason is never told)."""
    return NotAuthorizedException(
        detail="Een geldig bearer-token is vereist.",
        headers={"WWW-Authenticate": 'Bearer realm="pga"'},
    )
