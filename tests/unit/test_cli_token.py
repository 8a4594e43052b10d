"""``pga token``: development tokens, signed with the configured or the development secret."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jwt
import pytest

from pga.api.auth import DEVELOPMENT_SECRET_FILE
from pga.cli import main

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "a-configured-secret-of-at-least-32-chars"
ARGUMENTS = ["token", "--role", "regisseur", "--org", "gemeente-almere", "--user", "u-1"]


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in (
        "PGA_JWT_SECRET",
        "PGA_JWT_PUBLIC_KEY",
        "PGA_JWT_JWKS_FILE",
        "PGA_MASTER_KEY",
        "PGA_MASTER_KEY_FILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("PGA_DATA_DIR", str(tmp_path))


def test_the_token_is_alone_on_the_last_line_and_carries_the_claims(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PGA_JWT_SECRET", SECRET)

    assert main([*ARGUMENTS, "--ttl", "90m"]) == 0

    token = capsys.readouterr().out.splitlines()[-1]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["org"], claims["role"]) == ("u-1", "gemeente-almere", "regisseur")
    assert claims["exp"] - claims["iat"] == 90 * 60


def test_without_keys_the_development_secret_is_created_once_and_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(ARGUMENTS) == 0
    first = capsys.readouterr().out
    secret_file = tmp_path / DEVELOPMENT_SECRET_FILE
    assert "development secret" in first
    assert secret_file.stat().st_mode & 0o777 == 0o600

    assert main(ARGUMENTS) == 0
    second = capsys.readouterr().out.splitlines()[-1]
    jwt.decode(second, secret_file.read_text().strip(), algorithms=["HS256"])


def test_a_public_key_configuration_refuses_to_issue_tokens(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "idp.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")
    monkeypatch.setenv("PGA_JWT_PUBLIC_KEY", str(key))
    monkeypatch.setenv("PGA_JWT_AUDIENCE", "pga-api")

    assert main(ARGUMENTS) == 1

    output = capsys.readouterr()
    assert output.out == ""
    assert "identity provider" in output.err


@pytest.mark.parametrize("ttl", ["0", "31d", "soon", "-5m"])
def test_a_lifetime_out_of_range_is_a_usage_error(ttl: str) -> None:
    with pytest.raises(SystemExit) as raised:
        main([*ARGUMENTS, "--ttl", ttl])

    assert raised.value.code == 2


def test_an_unknown_role_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["token", "--role", "hacker", "--org", "gemeente-almere", "--user", "u-1"])

    assert raised.value.code == 2


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "pga.example"])  # noqa: S104
def test_the_development_secret_serves_only_on_loopback(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--host", host]) == 2

    assert "loopback" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10"])  # noqa: S104
def test_the_development_master_key_serves_only_on_loopback(
    host: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGA_JWT_SECRET", "a-configured-secret-of-at-least-32-characters")

    assert main(["serve", "--host", host]) == 2

    error = capsys.readouterr().err
    assert "PGA_MASTER_KEY" in error
    assert "loopback" in error
