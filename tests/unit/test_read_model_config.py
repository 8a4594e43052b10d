"""Read-model configuration from PGA_* variables: thresholds, step deadlines, small cells."""

from __future__ import annotations

import pytest

from pga.settings import Settings, SettingsError
from projections import read_models
from projections.config import caseload_thresholds, figures_minimum_cell, step_deadlines
from projections.network_board import DEFAULT_DEADLINES
from projections.network_graph import NetworkGraph, incident_digest


def test_defaults_are_the_read_models_own() -> None:
    settings = Settings.from_env({})
    thresholds = caseload_thresholds(settings)
    assert (thresholds.turns_18_within_days, thresholds.inactive_days) == (90, 30)
    assert step_deadlines(settings) == DEFAULT_DEADLINES
    assert figures_minimum_cell(settings) == 5
    assert settings.projection_batch_size == 5000


def test_configured_values_reach_the_queries() -> None:
    settings = Settings.from_env(
        {
            "PGA_CASELOAD_TURNS_18_DAYS": "60",
            "PGA_CASELOAD_INACTIVE_DAYS": "14",
            "PGA_NETWORK_STEP_DAYS": "stap_1=10, stap_6=none",
            "PGA_FIGURES_MINIMUM_CELL": "10",
            "PGA_PROJECTION_BATCH_SIZE": "250",
        }
    )
    thresholds = caseload_thresholds(settings)
    assert (thresholds.turns_18_within_days, thresholds.inactive_days) == (60, 14)
    deadlines = step_deadlines(settings)
    assert deadlines.stap_1 == 10
    assert deadlines.stap_6 is None
    assert deadlines.stap_2a == DEFAULT_DEADLINES.stap_2a
    assert figures_minimum_cell(settings) == 10
    assert settings.projection_batch_size == 250


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PGA_NETWORK_STEP_DAYS", "stap_9=10"),
        ("PGA_NETWORK_STEP_DAYS", "gesloten=10"),
        ("PGA_NETWORK_STEP_DAYS", "stap_1"),
        ("PGA_NETWORK_STEP_DAYS", "stap_1=0"),
        ("PGA_NETWORK_STEP_DAYS", "stap_1=10,stap_1=12"),
        ("PGA_CASELOAD_INACTIVE_DAYS", "0"),
        ("PGA_CASELOAD_TURNS_18_DAYS", "ninety"),
        ("PGA_FIGURES_MINIMUM_CELL", "0"),
        ("PGA_FIGURES_MINIMUM_CELL", "2"),
        ("PGA_PROJECTION_BATCH_SIZE", "0"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable


def test_the_pseudonym_key_keys_the_graphs_incident_digests_and_is_never_shown() -> None:
    secret = "synthetic-pseudonym-secret-for-tests-0001"
    settings = Settings.from_env({"PGA_PSEUDONYM_KEY": secret})
    assert secret not in repr(settings)
    (graph,) = [model for model in read_models(settings) if isinstance(model, NetworkGraph)]
    (unkeyed,) = [model for model in read_models() if isinstance(model, NetworkGraph)]
    assert graph._key == settings.pseudonym_key != b""  # noqa: SLF001 - the point of the test
    assert unkeyed._key == b""  # noqa: SLF001
    assert incident_digest("PL-TEST-0001", graph._key) != incident_digest("PL-TEST-0001")  # noqa: SLF001


def test_a_short_pseudonym_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PGA_PSEUDONYM_KEY": "too-short-secret"})
    assert raised.value.variable == "PGA_PSEUDONYM_KEY"
    assert "too-short-secret" not in str(raised.value)
