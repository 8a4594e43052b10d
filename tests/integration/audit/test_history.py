"""The auditor's replay on PostgreSQL: as-of by version and by time, diffs, export, the CLI.

The history under test has corrections in it (a ``CorrectionRecorded`` about the plan and one
about the BSN, and the BSN recorded a second time), snapshots every three versions (so as-of
loads start from a snapshot) and a BSN, which nothing shown to an auditor may contain.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import msgspec
import psycopg
import pytest
from psycopg import sql

from pga.application import AggregateNotFound, PgaApplication, open_application
from pga.audit.access_log import TABLE
from pga.audit.cli import add_audit_commands
from pga.audit.history import (
    REDACTED,
    ChangeOp,
    NotYetRecorded,
    UnknownVersion,
    event_page,
    event_records,
    export_history,
    history,
    state_at_time,
    state_at_version,
    version_diff,
)
from pga.domain.catalogue import PartnerRole
from pga.domain.trajectory import PlanGoal, Regisseur
from pga.recording import Actor, CommandContext
from pga.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BSN = "123456782"  # synthetic: passes the elfproef, belongs to no one
CORRECTED_BSN = "111222333"
REGISSEUR = Actor(user="u-ggd-01", organisation="ggd-flevoland", role=PartnerRole.REGISSEUR)
POLITIE = Actor(
    user="u-politie-01", organisation="politie-midden-nederland", role=PartnerRole.POLITIE
)
GOAL_ID = UUID(int=42)


class SteppingClock:
    """A recording clock that moves one minute per reading, from a fixed start."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        """Advance one minute and return the new time."""
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def settings(database_url: str, schema: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        master_key=bytes(range(32)),
        snapshot_interval=3,
        log_level="WARNING",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[PgaApplication]:
    with open_application(settings, clock_source=SteppingClock()) as application:
        yield application


def context(actor: Actor = REGISSEUR, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, correlation_id=uuid4(), reason=reason)


def goal(due_on: date) -> PlanGoal:
    return PlanGoal(GOAL_ID, "school", "Weer naar school", "ggd-flevoland", due_on)


@dataclass
class Case:
    """The trajectory under test and the version each step left it at."""

    id: UUID
    versions: dict[str, int]


def corrected_case(app: PgaApplication) -> Case:
    """Record a history with corrections; name the version of each step.

    1 referred · 2 BSN · 3 partner · 4 intake · 5 plan (goal due 1 May) · 6 correction of 5 ·
    7 revision started · 8 plan revised (goal due 1 June) · 9 BSN again · 10 correction of 2.
    """
    versions: dict[str, int] = {}
    recorded = app.refer(
        context(POLITIE, reason="aanmelding na straatroof"),
        given_name="Testjongere",
        family_name="Voorbeeld",
        born_on=date(2010, 5, 17),
        offence_category="straatroof",
        suspected_on=date(2026, 2, 20),
        referred_on=date(2026, 2, 25),
        police_reference="PL-TEST-0001",
        referring_organisation="politie-midden-nederland",
        regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
    )
    tid = recorded.aggregate_id
    versions["referred"] = recorded.version
    steps: list[tuple[str, Any]] = [
        ("bsn", lambda v: app.record_bsn(context(), tid, v, bsn=BSN)),
        (
            "partner",
            lambda v: app.involve_partner(
                context(),
                tid,
                v,
                organisation="halt-midden-nederland",
                role=PartnerRole.HALT,
                legal_basis="avg_6_1_e",
                since=date(2026, 2, 26),
            ),
        ),
        (
            "intake",
            lambda v: app.hold_intake(
                context(),
                tid,
                v,
                held_on=date(2026, 2, 27),
                attendees=("jongere", "moeder"),
                trusted_person=None,
            ),
        ),
        (
            "plan",
            lambda v: app.adopt_plan(
                context(),
                tid,
                v,
                adopted_on=date(2026, 2, 28),
                goals=(goal(date(2026, 5, 1)),),
                agreements="Wekelijks contact",
            ),
        ),
        (
            "plan corrected",
            lambda v: app.record_correction(
                context(reason="verzoek om rectificatie"),
                tid,
                v,
                corrects_version=versions["plan"],
                what_was_wrong="de einddatum van het schooldoel",
                correction="het doel loopt tot 1 juni",
                why="verkeerd overgenomen uit het verslag",
            ),
        ),
        (
            "revision",
            lambda v: app.start_revision(
                context(), tid, v, started_on=date(2026, 3, 1), why="datum doel corrigeren"
            ),
        ),
        (
            "revised",
            lambda v: app.revise_plan(
                context(),
                tid,
                v,
                adopted_on=date(2026, 3, 1),
                goals=(goal(date(2026, 6, 1)),),
                agreements="Wekelijks contact",
            ),
        ),
        ("bsn again", lambda v: app.record_bsn(context(), tid, v, bsn=CORRECTED_BSN)),
        (
            "bsn corrected",
            lambda v: app.record_correction(
                context(reason="verzoek om rectificatie"),
                tid,
                v,
                corrects_version=versions["bsn"],
                what_was_wrong="het BSN was verkeerd overgetypt",
                correction="het juiste BSN is vastgelegd",
                why="typefout",
            ),
        ),
    ]
    version = recorded.version
    for name, step in steps:
        version = step(version).version
        versions[name] = version
    return Case(tid, versions)


def no_bsn(value: msgspec.Struct | dict[str, Any] | list[Any]) -> bool:
    text = msgspec.json.encode(value).decode()
    return BSN not in text and CORRECTED_BSN not in text


def test_the_history_shows_every_event_with_metadata_and_corrections(
    app: PgaApplication,
) -> None:
    case = corrected_case(app)
    records = event_records(app, case.id)
    assert [record.version for record in records] == list(range(1, 11))
    assert [record.kind for record in records] == [
        "Referred",
        "BsnRecorded",
        "PartnerInvolved",
        "IntakeHeld",
        "PlanAdopted",
        "CorrectionRecorded",
        "RevisionStarted",
        "PlanRevised",
        "BsnRecorded",
        "CorrectionRecorded",
    ]
    first = records[0]
    assert first.metadata is not None
    assert (first.metadata.user, first.metadata.role, first.metadata.reason) == (
        "u-politie-01",
        PartnerRole.POLITIE,
        "aanmelding na straatroof",
    )
    assert first.data["givenName"] == "Testjongere"
    assert first.data["regisseur"] == {"userId": "u-ggd-01", "organisation": "ggd-flevoland"}
    assert "originatorId" not in first.data
    assert "timestamp" not in first.data
    # The BSN is redacted in both BsnRecorded events; nothing shown holds it.
    assert [record.data["bsn"] for record in records if record.kind == "BsnRecorded"] == [
        REDACTED,
        REDACTED,
    ]
    assert no_bsn(records)
    # Each correction names what it corrects, and the corrected event knows its corrections.
    correction = records[case.versions["plan corrected"] - 1]
    assert correction.data["correctsVersion"] == case.versions["plan"]
    assert correction.metadata is not None
    assert correction.metadata.reason == "verzoek om rectificatie"
    assert records[case.versions["plan"] - 1].corrected_by == [case.versions["plan corrected"]]
    assert records[case.versions["bsn"] - 1].corrected_by == [case.versions["bsn corrected"]]
    assert records[0].corrected_by == []
    # Recording times come from the events, in order.
    times = [record.recorded_at for record in records]
    assert times == sorted(times)
    assert all(moment.tzinfo is not None for moment in times)


def test_history_and_pages_agree(app: PgaApplication) -> None:
    case = corrected_case(app)
    whole = history(app, case.id)
    assert (whole.kind, whole.version, len(whole.events)) == ("trajectory", 10, 10)
    subject = app.trajectory(case.id).subject_id
    assert whole.subjects == [subject]
    second = event_page(app, case.id, page=2, page_size=4)
    assert (second.total, second.page, second.page_size) == (10, 2, 4)
    assert [record.version for record in second.items] == [5, 6, 7, 8]
    assert second.subjects == [subject]  # the youth's, also on pages without the referral
    assert event_page(app, case.id, page=4, page_size=4).items == []


def test_state_at_a_version_before_and_after_a_correction(app: PgaApplication) -> None:
    case = corrected_case(app)
    plan = state_at_version(app, case.id, case.versions["plan"])
    assert (plan.kind, plan.version) == ("trajectory", case.versions["plan"])
    assert plan.subjects == [app.trajectory(case.id).subject_id]
    assert plan.state["status"] == "actief"
    assert plan.state["corrections"] == 0
    assert plan.state["plan"]["goals"][0]["dueOn"] == "2026-05-01"
    assert plan.state["bsn"] == REDACTED
    assert plan.as_of == plan.recorded_at
    corrected = state_at_version(app, case.id, case.versions["plan corrected"])
    assert corrected.state["corrections"] == 1
    assert corrected.state["plan"] == plan.state["plan"]  # a correction is recorded, not applied
    revised = state_at_version(app, case.id, case.versions["revised"])
    assert revised.state["plan"]["goals"][0]["dueOn"] == "2026-06-01"
    assert revised.state["plan"]["revision"] == 2
    latest = state_at_version(app, case.id, 10)
    assert latest.state["corrections"] == 2
    assert no_bsn(latest)
    # The first version: no BSN yet (null, not redacted).
    assert state_at_version(app, case.id, 1).state["bsn"] is None


def test_unknown_versions_and_ids_are_not_found(app: PgaApplication) -> None:
    case = corrected_case(app)
    for version in (0, 11, 99):
        with pytest.raises(UnknownVersion) as raised:
            state_at_version(app, case.id, version)
        assert raised.value.latest == 10
    with pytest.raises(AggregateNotFound):
        state_at_version(app, uuid4(), 1)
    with pytest.raises(AggregateNotFound):
        event_records(app, uuid4())


def test_state_at_a_time_is_what_was_known_then(app: PgaApplication) -> None:
    case = corrected_case(app)
    records = event_records(app, case.id)
    plan_recorded = records[case.versions["plan"] - 1].recorded_at
    # Between the plan and its correction: the plan as adopted, no correction yet.
    moment = plan_recorded + timedelta(seconds=30)
    known = state_at_time(app, case.id, moment)
    assert (known.version, known.as_of) == (case.versions["plan"], moment)
    assert known.recorded_at == plan_recorded
    assert known.state["corrections"] == 0
    assert known.state == state_at_version(app, case.id, case.versions["plan"]).state
    # Exactly at a recording time, that event counts.
    correction_recorded = records[case.versions["plan corrected"] - 1].recorded_at
    assert state_at_time(app, case.id, correction_recorded).state["corrections"] == 1
    # In another time zone, the same instant.
    amsterdam = moment.astimezone(timezone(timedelta(hours=1)))
    assert state_at_time(app, case.id, amsterdam).version == known.version
    # After everything: the current state; before the referral: nothing yet.
    assert state_at_time(app, case.id, START + timedelta(days=1)).version == 10
    with pytest.raises(NotYetRecorded):
        state_at_time(app, case.id, START)
    with pytest.raises(ValueError, match="timezone"):
        state_at_time(app, case.id, moment.replace(tzinfo=None))


def test_a_diff_names_the_changes_and_the_events_that_made_them(app: PgaApplication) -> None:
    case = corrected_case(app)
    plan, revised = case.versions["plan"], case.versions["revised"]
    difference = version_diff(app, case.id, plan, revised)
    assert (difference.from_version, difference.to_version) == (plan, revised)
    changes = {change.path: change for change in difference.changes}
    due = changes["/plan/goals/0/dueOn"]
    assert (due.op, due.before, due.after) == (ChangeOp.CHANGED, "2026-05-01", "2026-06-01")
    assert (changes["/corrections"].before, changes["/corrections"].after) == (0, 1)
    assert (changes["/plan/revision"].before, changes["/plan/revision"].after) == (1, 2)
    assert "/status" not in changes  # actief → bijstelling → actief: the same at both ends
    assert [(event.version, event.kind) for event in difference.events] == [
        (plan + 1, "CorrectionRecorded"),
        (plan + 2, "RevisionStarted"),
        (plan + 3, "PlanRevised"),
    ]
    assert difference.events[0].data["correctsVersion"] == plan


def test_a_diff_over_the_bsn_correction_shows_the_event_but_never_a_number(
    app: PgaApplication,
) -> None:
    case = corrected_case(app)
    difference = version_diff(app, case.id, case.versions["revised"], 10)
    assert [change.path for change in difference.changes] == ["/corrections"]
    assert [event.kind for event in difference.events] == ["BsnRecorded", "CorrectionRecorded"]
    assert difference.events[0].data["bsn"] == REDACTED
    assert no_bsn(difference)
    # From before any BSN: the BSN appears, redacted.
    first = version_diff(app, case.id, 1, 2)
    assert [(c.path, c.op, c.before, c.after) for c in first.changes] == [
        ("/bsn", ChangeOp.CHANGED, None, REDACTED)
    ]


def test_a_diff_needs_two_existing_versions_in_order(app: PgaApplication) -> None:
    case = corrected_case(app)
    with pytest.raises(ValueError, match="before"):
        version_diff(app, case.id, 3, 3)
    with pytest.raises(UnknownVersion):
        version_diff(app, case.id, 3, 11)
    with pytest.raises(AggregateNotFound):
        version_diff(app, uuid4(), 1, 2)


def test_the_export_holds_every_event_and_the_current_state(app: PgaApplication) -> None:
    case = corrected_case(app)
    now = datetime(2026, 4, 1, 12, tzinfo=UTC)
    export = export_history(app, case.id, now=now)
    assert (export.aggregate_id, export.kind, export.version) == (case.id, "trajectory", 10)
    assert export.exported_at == now
    assert export.events == event_records(app, case.id)
    assert export.state == state_at_version(app, case.id, 10).state
    assert no_bsn(export)


def test_a_network_history_and_state(app: PgaApplication) -> None:
    recorded = app.open_network(
        context(),
        working_name="Testgroep Voorbeeldplein",
        area="Voorbeeldwijk",
        procesregisseur="u-ggd-01",
        procesregisseur_organisation="gemeente-almere",
        opened_on=date(2026, 2, 1),
    )
    recorded = app.share_signal(
        context(),
        recorded.aggregate_id,
        recorded.version,
        source_organisation="politie-midden-nederland",
        observed_on=date(2026, 2, 2),
        location="Voorbeeldplein",
        description="Overlast",
        online=False,
    )
    whole = history(app, recorded.aggregate_id)
    assert (whole.kind, [event.kind for event in whole.events]) == (
        "network",
        ["NetworkOpened", "SignalShared"],
    )
    state = state_at_version(app, recorded.aggregate_id, 2)
    assert (state.kind, state.state["signals"], state.state["step"]) == ("network", 1, "stap_1")
    difference = version_diff(app, recorded.aggregate_id, 1, 2)
    assert [change.path for change in difference.changes] == ["/signals"]
    assert (whole.subjects, state.subjects, difference.subjects) == ([], [], [])


# --- the command line ---


def run(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """Run ``pga audit …``; return the status, the JSON printed (or None) and stderr."""
    parser = argparse.ArgumentParser(prog="pga")
    add_audit_commands(parser.add_subparsers(required=True))
    arguments = parser.parse_args(["audit", *argv])
    status = arguments.command(arguments, settings)
    out, err = capsys.readouterr()
    return status, json.loads(out) if out else None, err


def logged(settings: Settings) -> list[dict[str, Any]]:
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        table = f"{settings.database_schema}.{TABLE}"
        exists = connection.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
        if exists is None or not exists[0]:
            return []  # created by the first read that is logged
        cursor = connection.execute(
            sql.SQL("SELECT * FROM {} ORDER BY position").format(
                sql.Identifier(settings.database_schema, TABLE)
            )
        )
        names = [column.name for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_cli_prints_history_state_and_diff_and_logs_each_read(
    app: PgaApplication, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    case = corrected_case(app)
    subject = state_at_version(app, case.id, 1).state["subjectId"]
    status, printed, _ = run(settings, capsys, "history", str(case.id))
    assert status == 0
    assert [event["version"] for event in printed["events"]] == list(range(1, 11))
    assert printed["events"][case.versions["plan"] - 1]["correctedBy"] == [6]
    status, printed, _ = run(settings, capsys, "state", str(case.id), "--version", "5")
    assert (status, printed["version"], printed["state"]["bsn"]) == (0, 5, REDACTED)
    moment = printed["recordedAt"]
    status, printed, _ = run(settings, capsys, "state", str(case.id), "--at", moment)
    assert (status, printed["version"]) == (0, 5)
    status, printed, _ = run(settings, capsys, "diff", str(case.id), "5", "8")
    assert status == 0
    assert {change["path"] for change in printed["changes"]} >= {"/plan/goals/0/dueOn"}
    out = capsys.readouterr().out
    assert BSN not in out
    entries = logged(settings)
    assert [entry["operation"] for entry in entries] == [
        "cli:audit-history",
        "cli:audit-state",
        "cli:audit-state",
        "cli:audit-diff",
    ]
    assert all(
        (entry["source"], entry["role"], entry["status"], entry["purpose"])
        == ("cli", "auditor", 0, "verantwoording")
        for entry in entries
    )
    assert all(case.id in entry["subjects"] for entry in entries)
    assert UUID(subject) in entries[0]["subjects"]


def test_the_cli_output_is_stable(
    app: PgaApplication, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    case = corrected_case(app)
    first = _raw(settings, capsys, "history", str(case.id))
    assert first == _raw(settings, capsys, "history", str(case.id))
    assert first.startswith('{\n  "aggregateId": ')


def _raw(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = argparse.ArgumentParser(prog="pga")
    add_audit_commands(parser.add_subparsers(required=True))
    arguments = parser.parse_args(["audit", *argv])
    assert arguments.command(arguments, settings) == 0
    return capsys.readouterr().out


def test_the_cli_refuses_unknown_ids_and_versions_with_one_line(
    app: PgaApplication, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    case = corrected_case(app)
    cases = [
        (["history", str(uuid4())], "no trajectory or network has this id"),
        (["state", str(case.id), "--version", "11"], "version 11 does not exist"),
        (["state", str(case.id), "--at", "2026-03-01T08:00:00+00:00"], "not recorded yet"),
        (["diff", str(case.id), "3", "12"], "version 12 does not exist"),
        (["diff", str(case.id), "4", "3"], "V1 must be an earlier version than V2"),
    ]
    for argv, message in cases:
        status, printed, err = run(settings, capsys, *argv)
        assert (status, printed) == (1, None), argv
        assert err.count("\n") == 1
        assert message in err, argv
    assert logged(settings) == []  # nothing was shown, so nothing was logged


@pytest.mark.parametrize(
    "argv",
    [
        ["state", "not-an-id", "--version", "1"],
        ["state", str(UUID(int=1))],
        ["state", str(UUID(int=1)), "--version", "0"],
        ["state", str(UUID(int=1)), "--version", "1", "--at", "2026-03-01T08:00Z"],
        ["state", str(UUID(int=1)), "--at", "2026-03-01T08:00"],
        ["log"],
        ["log", "--subject", str(UUID(int=1)), "--user", "u-1"],
    ],
)
def test_the_cli_refuses_malformed_arguments(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="pga")
    add_audit_commands(parser.add_subparsers(required=True))
    with pytest.raises(SystemExit) as raised:
        parser.parse_args(["audit", *argv])
    assert raised.value.code == 2


def test_the_cli_reads_the_access_log_by_subject_and_by_user(
    app: PgaApplication, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    case = corrected_case(app)
    run(settings, capsys, "history", str(case.id))
    run(settings, capsys, "state", str(case.id), "--version", "1")
    status, printed, _ = run(settings, capsys, "log", "--subject", str(case.id))
    assert status == 0
    assert printed["total"] == 2
    assert [item["operation"] for item in printed["items"]] == [
        "cli:audit-history",
        "cli:audit-state",
    ]
    user = printed["items"][0]["user"]
    since = printed["items"][1]["occurredAt"]
    status, printed, _ = run(settings, capsys, "log", "--user", user, "--since", since)
    # The state read, and the log read by subject (logged with the subject).
    assert [item["operation"] for item in printed["items"]] == ["cli:audit-state", "cli:audit-log"]
    status, printed, err = run(
        settings, capsys, "log", "--user", user, "--since", since, "--until", since
    )
    assert (status, printed) == (1, None)
    assert "--until must be after --since" in err
    assert logged(settings)[-1]["operation"] == "cli:audit-log"
