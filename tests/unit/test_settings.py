"""Reading and validating the PGA_* environment variables."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pga.settings import Settings, SettingsError

SECRET = "hunter2-Pa55"


def test_an_empty_environment_gives_the_defaults() -> None:
    settings = Settings.from_env({})

    assert settings.database_url is None
    assert settings.database_schema == "pga"
    assert settings.data_dir == Path("var").resolve()
    assert settings.data_dir.is_absolute()
    assert settings.snapshot_interval == 50
    assert settings.db_pool_size == 5
    assert settings.log_level == "INFO"
    assert settings.included_offences == ()


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "PGA_DATABASE_URL": "postgres://pga@db.example/pga",
            "PGA_DATABASE_SCHEMA": "pga_2",
            "PGA_DATA_DIR": "relative/data",
            "PGA_SNAPSHOT_INTERVAL": "100",
            "PGA_DB_POOL_SIZE": "20",
            "PGA_LOG_LEVEL": "debug",
            "PGA_INCLUDED_OFFENCES": " straatroof , overval,afpersing ",
        }
    )

    assert settings == Settings(
        database_url="postgres://pga@db.example/pga",
        database_schema="pga_2",
        data_dir=Path("relative/data").resolve(),
        snapshot_interval=100,
        db_pool_size=20,
        log_level="DEBUG",
        included_offences=("straatroof", "overval", "afpersing"),
    )


def test_blank_values_count_as_unset() -> None:
    assert Settings.from_env({"PGA_DATABASE_URL": " ", "PGA_LOG_LEVEL": ""}) == Settings.from_env(
        {}
    )


def test_the_process_environment_is_read_when_no_mapping_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGA_DATABASE_SCHEMA", "from_process")

    assert Settings.from_env().database_schema == "from_process"


def test_settings_cannot_be_changed_after_reading() -> None:
    settings = Settings.from_env({})

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.database_schema = "other"  # type: ignore[misc]


def test_a_database_url_that_is_not_postgresql_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PGA_DATABASE_URL": f"mysql://pga:{SECRET}@db.example/pga"})

    assert raised.value.variable == "PGA_DATABASE_URL"
    assert str(raised.value).startswith("PGA_DATABASE_URL: ")
    assert SECRET not in str(raised.value)
    assert "db.example" not in str(raised.value)


@pytest.mark.parametrize("schema", ["Pga", "1pga", "pga-events", "pga events", "a" * 41, "é"])
def test_a_schema_that_is_not_a_lowercase_sql_identifier_is_refused(schema: str) -> None:
    with pytest.raises(SettingsError, match="PGA_DATABASE_SCHEMA"):
        Settings.from_env({"PGA_DATABASE_SCHEMA": schema})


@pytest.mark.parametrize("schema", ["_", "pga", "t_0123456789ab", "a" * 40])
def test_a_lowercase_sql_identifier_is_accepted_as_schema(schema: str) -> None:
    assert Settings.from_env({"PGA_DATABASE_SCHEMA": schema}).database_schema == schema


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("PGA_SNAPSHOT_INTERVAL", "1", "between 2 and 10000"),
        ("PGA_SNAPSHOT_INTERVAL", "10001", "between 2 and 10000"),
        ("PGA_SNAPSHOT_INTERVAL", "fifty", "not a whole number"),
        ("PGA_DB_POOL_SIZE", "0", "between 1 and 100"),
        ("PGA_DB_POOL_SIZE", "101", "between 1 and 100"),
        ("PGA_DB_POOL_SIZE", "2.5", "not a whole number"),
        ("PGA_LOG_LEVEL", "TRACE", "DEBUG, INFO, WARNING, ERROR"),
        ("PGA_INCLUDED_OFFENCES", "straatroof,,overval", "empty items"),
        ("PGA_INCLUDED_OFFENCES", "straatroof,joyriding", "unknown offence categories"),
        ("PGA_INCLUDED_OFFENCES", "straatroof, ", "empty items"),
    ],
)
def test_a_wrong_value_names_the_variable_and_the_problem(
    variable: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})

    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")
    assert problem in str(raised.value)


@pytest.mark.parametrize(("value", "expected"), [("2", 2), ("10000", 10_000), (" 7 ", 7)])
def test_the_snapshot_interval_bounds_are_inclusive(value: str, expected: int) -> None:
    assert Settings.from_env({"PGA_SNAPSHOT_INTERVAL": value}).snapshot_interval == expected
