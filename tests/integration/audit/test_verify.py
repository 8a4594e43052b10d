"""``pga audit verify`` and ``pga audit checkpoint`` on PostgreSQL.

Checkpoints round-trip through a private file and catch what the chain alone cannot (a chain
recomputed after a change, a deleted tail); the seal and checkpoint tables refuse rewriting;
a read-model row changed behind the runner's back is found; the access log's chain is checked
like the events'; and the acceptance case: the demo verifies until one event is updated.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import stat
import subprocess
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec
import psycopg
import pytest
from psycopg import sql

from pga.application import PgaApplication
from pga.audit import verify
from pga.audit.access_log import AccessEntry, append, create_access_log
from pga.audit.verify import (
    Checkpoint,
    checkpoint_command,
    load_checkpoints,
    stored_checkpoints,
    take_checkpoint,
    verify_access_log_chain,
    verify_command,
    verify_event_chain,
    verify_read_models,
)
from pga.cli import main
from pga.demo import demo_application_options, generate
from pga.domain.catalogue import PartnerRole
from pga.domain.trajectory import Regisseur
from pga.recording import Actor, CommandContext
from pga.settings import Settings
from pga.store.database import eventsourcing_env
from pga.store.seal import GENESIS_SEAL, next_seal
from projections import read_models
from projections.runner import catch_up
from tests.subject_keys import key_store

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

Connection = psycopg.Connection[Any]
MASTER_KEY = bytes(range(32))


@pytest.fixture
def settings(database_url: str, schema: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        master_key=MASTER_KEY,
        log_level="WARNING",
    )


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def history(database_url: str, schema: str) -> int:
    """Record a small demo history; return its number of events."""
    env = eventsourcing_env(database_url, schema)
    keys = key_store(database_url, schema)
    with PgaApplication(env, keys=keys, **demo_application_options(5)) as app:
        return generate(app, trajectories=2, networks=1, seed=5).events


def refer(database_url: str, schema: str, count: int = 1) -> None:
    """Record ``count`` more referrals (one event each)."""
    with PgaApplication(
        eventsourcing_env(database_url, schema),
        clock_source=lambda: datetime(2026, 3, 1, tzinfo=UTC),
        keys=key_store(database_url, schema),
    ) as app:
        for index in range(count):
            refer_one(app, index)


def refer_one(app: PgaApplication, index: int) -> None:
    """Record the ``index``-th synthetic referral (one event) as the police."""
    app.refer(
        CommandContext(
            actor=Actor(
                user="u-politie-01",
                organisation="politie-midden-nederland",
                role=PartnerRole.POLITIE,
            ),
            correlation_id=UUID(int=index + 1),
        ),
        given_name="Proefjongere",
        family_name="Synthetisch",
        born_on=date(2011, 4, 4),
        offence_category="overval",
        suspected_on=date(2026, 2, 1),
        referred_on=date(2026, 2, 2),
        police_reference=f"PL-TEST-{index:04d}",
        referring_organisation="politie-midden-nederland",
        regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
    )


def run(
    command: Any,  # noqa: ANN401 - verify_command or checkpoint_command
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    **options: Any,  # noqa: ANN401 - the command's options
) -> tuple[int, list[str]]:
    """Run a command as ``pga audit …`` would; return its status and its output lines."""
    defaults: dict[str, Any] = {"checkpoints": [], "skip_read_models": False, "output": None}
    status = command(argparse.Namespace(**(defaults | options)), settings)
    captured = capsys.readouterr()
    return status, (captured.out + captured.err).splitlines()


@contextlib.contextmanager
def bypassing_triggers(connection: Connection) -> Iterator[None]:
    """Let a superuser rewrite append-only tables (what an attacker with that power would do)."""
    connection.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        connection.execute("SET session_replication_role = DEFAULT")


def table(schema: str, name: str) -> sql.Identifier:
    return sql.Identifier(schema, name)


def event_at(connection: Connection, schema: str, position: int) -> tuple[UUID, int]:
    row = connection.execute(
        sql.SQL(
            "SELECT originator_id, originator_version FROM {} WHERE notification_id = %s"
        ).format(table(schema, "pga_events")),
        (position,),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def reseal_from(connection: Connection, schema: str, position: int) -> None:
    """Recompute every seal from ``position`` on, as someone covering up a change would."""
    previous = connection.execute(
        sql.SQL(
            "SELECT seal FROM {} WHERE notification_id < %s ORDER BY notification_id DESC LIMIT 1"
        ).format(table(schema, "pga_seals")),
        (position,),
    ).fetchone()
    seal = GENESIS_SEAL if previous is None else bytes(previous[0])
    rows = connection.execute(
        sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}"
            " WHERE notification_id >= %s ORDER BY notification_id"
        ).format(table(schema, "pga_events")),
        (position,),
    ).fetchall()
    with bypassing_triggers(connection):
        for notification_id, originator_id, version, topic, state in rows:
            seal = next_seal(seal, originator_id, version, topic, bytes(state))
            connection.execute(
                sql.SQL("UPDATE {} SET seal = %s WHERE notification_id = %s").format(
                    table(schema, "pga_seals")
                ),
                (seal, notification_id),
            )


# --- the event chain and checkpoints ---


def test_an_empty_store_verifies_and_checkpoints(
    settings: Settings, connection: Connection, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = run(checkpoint_command, settings, capsys)
    assert status == 0
    checkpoint = msgspec.json.decode("\n".join(lines), type=Checkpoint)
    assert (checkpoint.events.position, checkpoint.events.count) == (0, 0)
    assert checkpoint.events.seal == GENESIS_SEAL.hex()

    result = verify_event_chain(connection, schema, checkpoints=[checkpoint])
    assert result.ok
    assert (result.count, result.head.position, result.checkpoints) == (0, 0, 1)


def test_a_checkpoint_round_trips_through_a_private_file(
    settings: Settings,
    connection: Connection,
    schema: str,
    history: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "checkpoint.json"
    status, lines = run(checkpoint_command, settings, capsys, output=path)
    assert status == 0
    assert f"written to {path}" in lines[-1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    (from_file,) = load_checkpoints(path)
    assert stored_checkpoints(connection, schema) == [from_file]
    assert from_file.schema == schema
    assert (from_file.events.position, from_file.events.count) == (history, history)
    assert from_file.created_at.tzinfo is not None

    refer(settings.database_url or "", schema, count=2)
    status, lines = run(verify_command, settings, capsys, checkpoints=[path], skip_read_models=True)
    assert status == 0, lines
    assert f"event chain: {history + 2} sealed events verified, head position {history + 2}," in (
        "\n".join(lines)
    )
    assert "event chain: passes through 2 checkpoint(s)" in lines  # the stored one and the file's


def test_an_existing_output_file_is_not_overwritten(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_text("kept\n")
    status, lines = run(checkpoint_command, settings, capsys, output=path)
    assert status == 2
    assert "exists" in lines[-1]
    assert path.read_text() == "kept\n"


def test_files_that_are_not_checkpoints_of_this_schema_are_refused(
    settings: Settings, connection: Connection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"schema": "x"}')
    other = tmp_path / "other.json"
    checkpoint = take_checkpoint(connection, settings.database_schema)
    other.write_bytes(msgspec.json.encode(msgspec.structs.replace(checkpoint, schema="elsewhere")))

    for path, complaint in ((garbage, "not a checkpoint"), (other, "schema elsewhere")):
        status, lines = run(verify_command, settings, capsys, checkpoints=[path])
        assert status == 2
        assert complaint in lines[-1]


def test_a_checkpoint_catches_a_chain_recomputed_after_a_change(
    settings: Settings,
    connection: Connection,
    schema: str,
    history: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "checkpoint.json"
    assert run(checkpoint_command, settings, capsys, output=path)[0] == 0
    refer(settings.database_url or "", schema, count=3)
    changed = history // 2
    connection.execute(
        sql.SQL(
            "UPDATE {} SET state = convert_to(replace(convert_from(state, 'UTF8'),"
            " '\"data\":', '\"data\": '), 'UTF8') WHERE notification_id = %s"
        ).format(table(schema, "pga_events")),
        (changed,),
    )
    assert verify_event_chain(connection, schema).broken is not None  # before covering up
    reseal_from(connection, schema, changed)
    with bypassing_triggers(connection):
        connection.execute(sql.SQL("DELETE FROM {}").format(table(schema, "pga_checkpoints")))

    assert verify_event_chain(connection, schema).ok  # the chain alone holds again
    result = verify_event_chain(connection, schema, checkpoints=load_checkpoints(path))
    assert result.broken is not None
    assert (result.broken.kind, result.broken.position) == ("rewritten", history)
    status, lines = run(verify_command, settings, capsys, checkpoints=[path], skip_read_models=True)
    assert status == 1
    assert f"BROKEN event chain at position {history} (rewritten: the checkpoint of" in (
        "\n".join(lines)
    )


def test_a_checkpoint_catches_a_deleted_tail(
    connection: Connection, schema: str, history: int
) -> None:
    take_checkpoint(connection, schema)
    with bypassing_triggers(connection):
        for name in ("pga_events", "pga_seals"):
            connection.execute(
                sql.SQL("DELETE FROM {} WHERE notification_id > %s").format(table(schema, name)),
                (history - 3,),
            )

    assert verify_event_chain(connection, schema).ok  # a valid, shorter chain
    result = verify_event_chain(
        connection, schema, checkpoints=stored_checkpoints(connection, schema)
    )
    assert result.broken is not None
    assert (result.broken.kind, result.broken.position) == ("deleted", history)
    assert f"the chain ends at position {history - 3}" in result.broken.detail
    assert result.count == history - 3


def test_a_checkpoint_catches_a_middle_event_deleted_with_its_seal_and_resealed(
    connection: Connection, schema: str, history: int
) -> None:
    checkpoint = take_checkpoint(connection, schema)
    gone = history // 3
    with bypassing_triggers(connection):
        for name in ("pga_events", "pga_seals"):
            connection.execute(
                sql.SQL("DELETE FROM {} WHERE notification_id = %s").format(table(schema, name)),
                (gone,),
            )
    plain = verify_event_chain(connection, schema)
    assert plain.broken is not None
    assert plain.broken.position == gone + 1
    assert "deleted together with its seal" in plain.broken.detail
    reseal_from(connection, schema, gone + 1)

    result = verify_event_chain(connection, schema, checkpoints=[checkpoint])
    assert result.broken is not None
    assert (result.broken.kind, result.broken.position) == ("rewritten", history)
    assert "holds another seal here" in result.broken.detail


@pytest.mark.parametrize("name", ["pga_seals", "pga_checkpoints"])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {} SET created_at = created_at",
        "DELETE FROM {}",
        "TRUNCATE {}",
    ],
)
def test_seals_and_checkpoints_refuse_to_be_rewritten(
    connection: Connection, schema: str, history: int, name: str, statement: str
) -> None:
    del history
    take_checkpoint(connection, schema)
    if name == "pga_seals":
        statement = statement.replace("created_at", "seal")
    before = connection.execute(
        sql.SQL("SELECT count(*) FROM {}").format(table(schema, name))
    ).fetchone()
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        connection.execute(sql.SQL(statement).format(table(schema, name)))
    after = connection.execute(
        sql.SQL("SELECT count(*) FROM {}").format(table(schema, name))
    ).fetchone()
    assert before == after
    assert before is not None
    assert before[0] > 0


def test_the_seal_triggers_are_created_once(
    database_url: str, connection: Connection, schema: str, history: int
) -> None:
    del history
    with PgaApplication(eventsourcing_env(database_url, schema)):
        pass  # opening again runs the create statements again
    triggers = connection.execute(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = 'pga_seals' ORDER BY t.tgname",
        (schema,),
    ).fetchall()
    assert triggers == [("append_only",), ("append_only_truncate",)]


# --- read models ---


def scratch_schemas(connection: Connection, schema: str) -> list[str]:
    return [
        row[0]
        for row in connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
            (f"{schema}\\_%\\_\\_scratch\\_%",),
        )
    ]


def test_a_read_model_row_changed_behind_the_runners_back_is_found(
    settings: Settings, connection: Connection, schema: str, history: int
) -> None:
    del history
    url = settings.database_url or ""
    with PgaApplication(eventsourcing_env(url, schema), keys=key_store(url, schema)) as app:
        catch_up(app, read_models(settings))
        checks = verify_read_models(app, connection, read_models(settings))
        assert [check.outcome for check in checks] == ["ok"] * len(read_models())
        connection.execute(
            sql.SQL(
                "UPDATE {} SET status = 'gewijzigd' WHERE trajectory_id ="
                " (SELECT trajectory_id FROM {} ORDER BY trajectory_id LIMIT 1)"
            ).format(
                table(f"{schema}_caseload", "caseload"), table(f"{schema}_caseload", "caseload")
            )
        )
        checks = verify_read_models(app, connection, read_models(settings))
    outcomes = {check.name: check.outcome for check in checks}
    assert outcomes.pop("caseload") == "differs"
    assert set(outcomes.values()) == {"ok"}
    assert scratch_schemas(connection, schema) == []


def test_the_scratch_schemas_are_dropped_when_the_comparison_fails(
    settings: Settings,
    connection: Connection,
    schema: str,
    history: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    del history

    def failing(*_arguments: object) -> None:
        assert scratch_schemas(connection, schema)  # they exist while comparing
        raise RuntimeError

    url = settings.database_url or ""
    with PgaApplication(eventsourcing_env(url, schema), keys=key_store(url, schema)) as app:
        catch_up(app, read_models(settings))
        monkeypatch.setattr(verify, "digest_of", failing)
        with pytest.raises(RuntimeError):
            verify_read_models(app, connection, read_models(settings))
    assert scratch_schemas(connection, schema) == []


def test_read_models_not_built_are_not_compared(
    settings: Settings, capsys: pytest.CaptureFixture[str], history: int
) -> None:
    del history
    status, lines = run(verify_command, settings, capsys)
    assert status == 0, lines
    assert sum("not built, not compared" in line for line in lines) == len(read_models())


# --- the access log ---


def entry(index: int) -> AccessEntry:
    return AccessEntry(
        occurred_at=datetime(2026, 3, 1, 9, 0, index, tzinfo=UTC),
        user=f"u-regie-{index:02d}",
        organisation="gemeente-almere",
        role="regisseur",
        on_behalf_of=None,
        subjects=(UUID(int=index),),
        operation="getTrajectory",
        purpose="regie",
        status=200,
        trace_id=UUID(int=index).hex,
        source="api",
    )


@pytest.fixture
def logged(connection: Connection, schema: str) -> int:
    """Append five access-log entries; return how many."""
    create_access_log(connection, schema)
    append(connection, schema, [entry(index) for index in range(1, 4)])
    append(connection, schema, [entry(index) for index in range(4, 6)])
    return 5


def test_an_untouched_access_log_verifies(
    settings: Settings, logged: int, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = run(verify_command, settings, capsys, skip_read_models=True)
    assert status == 0, lines
    assert any(line.startswith(f"access log: {logged} entries verified") for line in lines)


def test_without_an_access_log_there_is_nothing_to_verify(
    connection: Connection, schema: str
) -> None:
    result = verify_access_log_chain(connection, schema)
    assert result.ok
    assert not result.present


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("UPDATE {} SET purpose = 'onderzoek' WHERE position = 3", ("altered", 3)),
        (
            "UPDATE {} SET occurred_at = occurred_at + interval '1 hour' WHERE position = 1",
            ("altered", 1),
        ),
        ("DELETE FROM {} WHERE position = 2", ("deleted", 2)),
        ("DELETE FROM {} WHERE position IN (2, 3)", ("deleted", 2)),
    ],
)
def test_a_changed_access_log_fails_naming_the_entry(
    settings: Settings,
    connection: Connection,
    schema: str,
    logged: int,
    change: str,
    expected: tuple[str, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    del logged
    with bypassing_triggers(connection):
        connection.execute(sql.SQL(change).format(table(schema, "pga_access_log")))
    result = verify_access_log_chain(connection, schema)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.position) == expected
    status, lines = run(verify_command, settings, capsys, skip_read_models=True)
    assert status == 1
    assert f"BROKEN access log at position {expected[1]} ({expected[0]}:" in "\n".join(lines)


def test_a_checkpoint_catches_a_deleted_access_log_tail(
    connection: Connection, schema: str, logged: int
) -> None:
    checkpoint = take_checkpoint(connection, schema)
    assert (checkpoint.access_log.position, checkpoint.access_log.count) == (logged, logged)
    with bypassing_triggers(connection):
        connection.execute(
            sql.SQL("DELETE FROM {} WHERE position > 3").format(table(schema, "pga_access_log"))
        )
    assert verify_access_log_chain(connection, schema).ok
    result = verify_access_log_chain(connection, schema, checkpoints=[checkpoint])
    assert result.broken is not None
    assert (result.broken.kind, result.broken.position) == ("deleted", logged)


def test_a_checkpoint_catches_a_dropped_access_log(
    connection: Connection, schema: str, logged: int
) -> None:
    checkpoint = take_checkpoint(connection, schema)
    connection.execute(sql.SQL("DROP TABLE {}").format(table(schema, "pga_access_log")))

    assert verify_access_log_chain(connection, schema).ok
    result = verify_access_log_chain(connection, schema, checkpoints=[checkpoint])
    assert not result.present
    assert result.broken is not None
    assert (result.broken.kind, result.broken.position) == ("deleted", logged)
    assert result.describe()[-1].startswith(f"BROKEN access log at position {logged} (deleted:")


# --- acceptance: the demo ---


def test_the_demo_verifies_until_one_event_is_updated(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    connection: Connection,
    schema: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PGA_DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("PGA_DATABASE_SCHEMA", schema)
    monkeypatch.setenv("PGA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PGA_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    monkeypatch.setenv("PGA_LOG_LEVEL", "WARNING")
    assert main(["demo", "--trajectories", "12", "--networks", "3"]) == 0
    assert main(["project", "--until-caught-up"]) == 0
    capsys.readouterr()

    status, lines = run(verify_command, settings, capsys)
    assert status == 0, lines
    assert lines[-1] == "pga audit verify: OK"
    assert sum(line.startswith("read model ") and ": ok at position" in line for line in lines) == (
        len(read_models())
    )
    personal = personal_values(connection, schema)
    assert personal
    assert not [value for value in personal if any(value in line for line in lines)]

    position = 300
    aggregate_id, version = event_at(connection, schema, position)
    # The statement an operator would type (synthetic values only).
    update = (
        f"UPDATE {schema}.pga_events SET state = convert_to(replace(convert_from(state, 'UTF8'),"  # noqa: S608
        f" '\"data\":', '\"data\": '), 'UTF8')"
        f" WHERE originator_id = '{aggregate_id}' AND originator_version = {version}"
    )
    assert main(["db", "url"]) == 0
    url = capsys.readouterr().out.strip()
    psql = shutil.which("psql")
    if psql is not None:
        subprocess.run([psql, url, "-v", "ON_ERROR_STOP=1", "-qc", update], check=True)  # noqa: S603
    else:
        connection.execute(update.encode())

    status, lines = run(verify_command, settings, capsys)
    assert status == 1
    broken = [line for line in lines if line.startswith("BROKEN")]
    assert broken[0] == (
        f"BROKEN event chain at position {position}: aggregate {aggregate_id} version {version}"
        " (altered: content does not match its seal)"
    )
    # The change is only whitespace: the read models still equal a rebuild.
    assert broken == broken[:1]


def personal_values(connection: Connection, schema: str) -> set[str]:
    """Return the personal field values stored in the events (names, references, free text)."""
    values: set[str] = set()
    for (state,) in connection.execute(
        sql.SQL("SELECT state FROM {}").format(table(schema, "pga_events"))
    ):
        personal = json.loads(bytes(state)).get("personal") or {}
        values.update(
            value for value in personal.values() if isinstance(value, str) and len(value) >= 6
        )
    return values
