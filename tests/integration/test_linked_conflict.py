"""A command that also changes a linked trajectory, when that trajectory changed meanwhile."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from pga.application import LinkedAggregateChanged, PgaApplication, open_application
from pga.domain.catalogue import PartnerRole
from pga.domain.network import NetworkStep
from pga.domain.trajectory import Regisseur
from pga.recording import Actor, CommandContext
from pga.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

ACTOR = Actor(user="u-ggd-01", organisation="gemeente-almere", role=PartnerRole.REGISSEUR)
DAY = date(2026, 10, 5)


def context() -> CommandContext:
    return CommandContext(actor=ACTOR, correlation_id=uuid4())


def network_at_name_list(app: PgaApplication) -> tuple[Any, int]:
    """Open a network and bring it to step 2B, where youths may be named."""
    opened = app.open_network(
        context(),
        working_name="Groep Test",
        area="Almere Stad",
        procesregisseur="u-gemeente-01",
        procesregisseur_organisation="gemeente-almere",
        opened_on=DAY,
    )
    network_id, version = opened.aggregate_id, opened.version
    version = app.share_signal(
        context(),
        network_id,
        version,
        source_organisation="politie-midden-nederland",
        observed_on=DAY,
        location="winkelcentrum",
        description="Overlast",
        online=False,
    ).version
    version = app.advance_network(
        context(), network_id, version, to_step=NetworkStep.ASSESSMENT, on=DAY
    ).version
    version = app.assess_behaviour(
        context(), network_id, version, problematic=True, findings="Zorgelijk", assessed_on=DAY
    ).version
    version = app.advance_network(
        context(), network_id, version, to_step=NetworkStep.NAME_LIST, on=DAY
    ).version
    return network_id, version


def test_a_linked_trajectory_changed_meanwhile_is_a_conflict_of_its_own(
    database_url: str, schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=database_url, database_schema=schema, data_dir=tmp_path)
    app, other = open_application(settings), open_application(settings)
    try:
        trajectory = app.refer(
            context(),
            given_name="Testnaam",
            family_name="Synthetisch",
            born_on=date(2011, 3, 4),
            offence_category="straatroof",
            suspected_on=date(2026, 10, 1),
            referred_on=DAY,
            police_reference="PL-TEST-0001",
            referring_organisation="politie-midden-nederland",
            regisseur=Regisseur(user_id="u-ggd-01", organisation="gemeente-almere"),
        )
        network_id, network_version = network_at_name_list(app)
        save = app.save

        def save_after_another_writer(*aggregates: Any) -> Any:  # noqa: ANN401
            # Between the load and the save, another process records on the trajectory.
            other.record_arrest(
                context(),
                trajectory.aggregate_id,
                trajectory.version,
                arrested_on=DAY,
                offence_category="straatroof",
                police_reference="PL-TEST-2",
            )
            return save(*aggregates)

        monkeypatch.setattr(app, "save", save_after_another_writer)
        with pytest.raises(LinkedAggregateChanged) as raised:
            app.place_member(
                context(),
                network_id,
                network_version,
                given_name="Testnaam",
                family_name="Synthetisch",
                born_on=date(2011, 3, 4),
                role_in_group=None,
                placed_on=DAY,
                trajectory_id=trajectory.aggregate_id,
            )

        assert raised.value.aggregate_id == trajectory.aggregate_id
        assert app.network(network_id).version == network_version  # nothing stored
        assert app.trajectory(trajectory.aggregate_id).version == trajectory.version + 1
    finally:
        app.close()
        other.close()
