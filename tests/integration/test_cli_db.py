"""``pga db url`` and ``pga db status`` on a configured PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from pga.application import PgaApplication
from pga.cli import main
from pga.domain.catalogue import PartnerRole
from pga.domain.trajectory import Regisseur
from pga.recording import Actor, CommandContext
from pga.store.database import eventsourcing_env
from tests.subject_keys import key_store

if TYPE_CHECKING:
    import pytest


def configure(monkeypatch: pytest.MonkeyPatch, database_url: str, schema: str) -> None:
    monkeypatch.setenv("PGA_DATABASE_URL", database_url)
    monkeypatch.setenv("PGA_DATABASE_SCHEMA", schema)


def test_db_url_prints_the_configured_url(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    schema: str,
) -> None:
    configure(monkeypatch, database_url, schema)
    assert main(["db", "url"]) == 0
    assert capsys.readouterr().out.strip() == database_url


def test_db_status_reports_reachability_and_event_counts(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    schema: str,
) -> None:
    configure(monkeypatch, database_url, schema)
    app = PgaApplication(
        eventsourcing_env(database_url, schema),
        clock_source=lambda: datetime(2026, 3, 1, tzinfo=UTC),
        keys=key_store(database_url, schema),
    )
    try:
        app.refer(
            CommandContext(
                actor=Actor(
                    user="u-politie-01",
                    organisation="politie-midden-nederland",
                    role=PartnerRole.POLITIE,
                ),
                correlation_id=uuid4(),
            ),
            given_name="Testjongere",
            family_name="Voorbeeld",
            born_on=date(2011, 4, 4),
            offence_category="overval",
            suspected_on=date(2026, 2, 1),
            referred_on=date(2026, 2, 2),
            police_reference="PL-TEST-0100",
            referring_organisation="politie-midden-nederland",
            regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
        )
    finally:
        app.close()
    assert main(["db", "status"]) == 0
    output = capsys.readouterr().out
    assert "reachable" in output.lower()
    assert "pga.domain.trajectory" in output
    assert "Testjongere" not in output


def test_a_wrong_setting_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PGA_SNAPSHOT_INTERVAL", "often")
    assert main(["db", "url"]) == 2
    assert "PGA_SNAPSHOT_INTERVAL" in capsys.readouterr().err
