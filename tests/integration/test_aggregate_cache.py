"""The aggregate cache (``PGA_AGGREGATE_CACHE_SIZE``) stays correct across processes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from pga.application import PgaApplication, VersionConflict, open_application
from pga.domain.catalogue import PartnerRole
from pga.domain.trajectory import Regisseur
from pga.recording import Actor, CommandContext
from pga.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

ACTOR = Actor(user="u-ggd-01", organisation="ggd-flevoland", role=PartnerRole.REGISSEUR)


def context() -> CommandContext:
    return CommandContext(actor=ACTOR, correlation_id=uuid4())


def test_a_cached_aggregate_sees_what_another_process_recorded(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url, database_schema=schema, data_dir=tmp_path)
    assert settings.aggregate_cache_size > 0
    first, second = open_application(settings), open_application(settings)
    try:
        referred = first.refer(
            context(),
            given_name="Testnaam",
            family_name="Synthetisch",
            born_on=date(2011, 3, 4),
            offence_category="straatroof",
            suspected_on=date(2026, 10, 1),
            referred_on=date(2026, 10, 5),
            police_reference="PL-TEST-0001",
            referring_organisation="politie-midden-nederland",
            regisseur=Regisseur(user_id="u-ggd-01", organisation="ggd-flevoland"),
        )
        trajectory_id = referred.aggregate_id
        assert first.trajectory(trajectory_id).version == 1  # now cached in the first process

        def arrest(seen_version: int, app: PgaApplication) -> None:
            app.record_arrest(
                context(),
                trajectory_id,
                seen_version,
                arrested_on=date(2026, 10, 6),
                offence_category="straatroof",
                police_reference="PL-TEST-0002",
            )

        arrest(1, second)

        assert first.trajectory(trajectory_id).version == 2
        assert first.trajectory(trajectory_id).arrests == 1
        with pytest.raises(VersionConflict):
            arrest(1, first)  # the stale version the first process once cached is refused
        arrest(2, first)
        assert second.trajectory(trajectory_id).version == 3
    finally:
        first.close()
        second.close()
