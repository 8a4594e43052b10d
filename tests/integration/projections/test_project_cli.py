"""``pga project`` and ``pga projections ...`` as processes: the issue's acceptance, end to end.

Two ``pga project`` processes at once never apply anything twice; a rebuild killed in the middle
is finished by the next ``pga project``; digests before and after ``rebuild --all`` match.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from pga.application import PgaApplication
from pga.cli import main
from pga.demo import demo_application_options, generate
from pga.domain.trajectory import Regisseur
from pga.store.database import eventsourcing_env
from projections import read_models
from projections.control import digest, status, wait_for
from tests.integration.projections.conftest import POLITIE, context
from tests.subject_keys import TEST_MASTER_KEY, key_store

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg

_APPLIED = re.compile(r"\((\d+) applications to")


@pytest.fixture
def environment(database_url: str, schema: str) -> dict[str, str]:
    return {
        **os.environ,
        "PGA_DATABASE_URL": database_url,
        "PGA_DATABASE_SCHEMA": schema,
        "PGA_LOG_LEVEL": "INFO",
        # The key store's master key: the CLI reads what the tests' key store wrote.
        "PGA_MASTER_KEY": base64.b64encode(TEST_MASTER_KEY).decode(),
    }


@pytest.fixture
def configured(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the in-process CLI (``main``) at the test's schema."""
    for name, value in environment.items():
        if name.startswith("PGA_"):
            monkeypatch.setenv(name, value)


@pytest.fixture
def demo_store(database_url: str, schema: str) -> Iterator[PgaApplication]:
    with PgaApplication(
        eventsourcing_env(database_url, schema),
        keys=key_store(database_url, schema),
        **demo_application_options(3),
    ) as app:
        generate(app, trajectories=15, networks=2, seed=3)
        yield app


def pga(*arguments: str, environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "pga.cli", *arguments],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def digests(connection: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    return {model.name: digest(connection, schema, model) for model in read_models()}


def wait_until_caught_up(connection: psycopg.Connection[Any], schema: str, position: int) -> None:
    for model in read_models():
        wait_for(connection, schema, model.name, position, timeout=60)


@pytest.mark.usefixtures("demo_store", "configured")
def test_two_project_processes_at_once_apply_every_event_exactly_once(
    database_url: str,
    schema: str,
    environment: dict[str, str],
    connection: psycopg.Connection[Any],
) -> None:
    processes = [pga("project", environment=environment) for _ in range(2)]
    try:
        # Commands keep arriving while both run (a second application on the same store).
        with PgaApplication(
            eventsourcing_env(database_url, schema), keys=key_store(database_url, schema)
        ) as app:
            for number in range(20):
                recorded = app.refer(
                    context(POLITIE),
                    given_name="Testjongere",
                    family_name=f"Voorbeeld{number}",
                    born_on=date(2011, 4, 4),
                    offence_category="straatroof",
                    suspected_on=date(2026, 2, 20),
                    referred_on=date(2026, 2, 25),
                    police_reference=f"PL-TEST-{number:04d}",
                    referring_organisation="politie-midden-nederland",
                    regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
                )
            head = recorded.position
        wait_until_caught_up(connection, schema, head)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
    outputs = [process.communicate(timeout=30) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    applied = [int(_APPLIED.findall(out)[-1]) for out, _ in outputs]
    # Each event was applied once per read model, by one process or the other, never by both.
    assert sum(applied) == head * len(read_models())
    assert all(each.lag_events == 0 for each in status(connection, schema, read_models()))
    live = digests(connection, schema)
    assert main(["projections", "rebuild", "--all"]) == 0
    assert digests(connection, schema) == live


@pytest.mark.usefixtures("configured")
def test_a_rebuild_killed_midway_is_finished_by_the_next_project_run(
    demo_store: PgaApplication,
    schema: str,
    environment: dict[str, str],
    connection: psycopg.Connection[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["project", "--until-caught-up"]) == 0
    assert main(["projections", "digest"]) == 0
    before = capsys.readouterr().out
    head = demo_store.recorder.max_notification_id() or 0
    rebuilding = pga(
        "projections", "rebuild", "--all", "--batch-size", "1", environment=environment
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            positions = [
                each.rebuild_position for each in status(connection, schema, read_models())
            ]
            if all(position is not None and position > 10 for position in positions):
                break
            time.sleep(0.05)
        assert rebuilding.poll() is None, "the rebuild finished before it could be killed"
        rebuilding.kill()
    finally:
        rebuilding.wait(timeout=30)
    interrupted = [each.rebuild_position for each in status(connection, schema, read_models())]
    assert all(position is not None and 0 < position < head for position in interrupted)
    assert main(["project", "--until-caught-up"]) == 0
    assert all(each.rebuild_position is None for each in status(connection, schema, read_models()))
    assert main(["projections", "digest"]) == 0
    after = capsys.readouterr().out
    assert after.splitlines()[-len(read_models()) :] == before.splitlines()[-len(read_models()) :]


@pytest.mark.usefixtures("configured")
def test_status_and_digest_commands_report_every_read_model(
    demo_store: PgaApplication,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["projections", "status"]) == 0
    missing = capsys.readouterr().out
    assert all(
        re.search(rf"^{model.name}\s+missing", missing, re.MULTILINE) for model in read_models()
    )
    assert main(["projections", "digest"]) == 1
    assert "has not been built" in capsys.readouterr().err
    assert main(["project", "--until-caught-up"]) == 0
    assert main(["projections", "status"]) == 0
    report = capsys.readouterr().out
    head = demo_store.recorder.max_notification_id()
    for model in read_models():
        assert re.search(
            rf"^{model.name}\s+stopped\s+{model.version}\s+{head}\s+{head}\s+0\s+0\.0\s+-$",
            report,
            re.MULTILINE,
        )
    assert main(["projections", "rebuild", "nosuchmodel"]) == 2
    assert "unknown read model nosuchmodel" in capsys.readouterr().err
