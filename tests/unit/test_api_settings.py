"""The API's settings: JWT keys and algorithms, regie organisations, limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pga.settings import Settings, SettingsError

if TYPE_CHECKING:
    from pathlib import Path

LONG_SECRET = "a-development-secret-of-forty-characters!"


def test_the_api_defaults() -> None:
    settings = Settings.from_env({})

    assert settings.regie_organisations == ("gemeente-almere", "ggd-flevoland")
    assert settings.jwt_secret is None
    assert settings.jwt_public_key is None
    assert settings.jwt_jwks_file is None
    assert settings.jwt_algorithms == ()
    assert settings.api_max_body_bytes == 65_536
    assert settings.api_wait_seconds == 2.0
    assert settings.ready_max_lag_seconds == 30.0
    assert settings.serve_projections is True
    assert settings.aggregate_cache_size == 1000
    assert settings.audit_organisations == ()  # any organisation's auditor


def test_the_api_variables_are_read(tmp_path: Path) -> None:
    key = tmp_path / "idp.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\n")
    settings = Settings.from_env(
        {
            "PGA_REGIE_ORGANISATIONS": "gemeente-lelystad, ggd-flevoland",
            "PGA_JWT_PUBLIC_KEY": str(key),
            "PGA_JWT_ALGORITHMS": "RS256,ES256",
            "PGA_JWT_ISSUER": "https://idp.example",
            "PGA_JWT_AUDIENCE": "pga",
            "PGA_API_MAX_BODY_BYTES": "2048",
            "PGA_API_WAIT_SECONDS": "0.5",
            "PGA_READY_MAX_LAG_SECONDS": "5",
            "PGA_SERVE_PROJECTIONS": "false",
            "PGA_AGGREGATE_CACHE_SIZE": "0",
            "PGA_AUDIT_ORGANISATIONS": "rekenkamer-almere,gemeente-almere",
        }
    )

    assert settings.regie_organisations == ("gemeente-lelystad", "ggd-flevoland")
    assert settings.jwt_public_key == key
    assert settings.jwt_algorithms == ("RS256", "ES256")
    assert (settings.jwt_issuer, settings.jwt_audience) == ("https://idp.example", "pga")
    assert settings.api_max_body_bytes == 2048
    assert settings.api_wait_seconds == 0.5
    assert settings.ready_max_lag_seconds == 5.0
    assert settings.serve_projections is False
    assert settings.aggregate_cache_size == 0
    assert settings.audit_organisations == ("rekenkamer-almere", "gemeente-almere")


def test_the_jwt_secret_is_kept_but_never_shown() -> None:
    settings = Settings.from_env({"PGA_JWT_SECRET": LONG_SECRET})

    assert settings.jwt_secret == LONG_SECRET
    assert LONG_SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("PGA_JWT_SECRET", "too-short", "at least 32 characters"),
        ("PGA_JWT_PUBLIC_KEY", "/nonexistent/idp.pem", "existing file"),
        ("PGA_JWT_JWKS_FILE", "/nonexistent/jwks.json", "existing file"),
        ("PGA_JWT_ALGORITHMS", "none", "unknown algorithms"),
        ("PGA_JWT_ALGORITHMS", "HS256,RS256", "configure one kind"),
        ("PGA_REGIE_ORGANISATIONS", "Gemeente Almere", "not organisation ids"),
        ("PGA_AUDIT_ORGANISATIONS", "rekenkamer almere", "not organisation ids"),
        ("PGA_API_MAX_BODY_BYTES", "10", "out of range"),
        ("PGA_API_WAIT_SECONDS", "soon", "not a number of seconds"),
        ("PGA_READY_MAX_LAG_SECONDS", "0", "out of range"),
        ("PGA_SERVE_PROJECTIONS", "maybe", "yes/no"),
    ],
)
def test_a_wrong_api_value_names_the_variable(variable: str, value: str, complaint: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})

    assert raised.value.variable == variable
    assert complaint in raised.value.message
    if variable == "PGA_JWT_SECRET":
        assert value not in str(raised.value)
