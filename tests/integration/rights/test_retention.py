"""Retention on PostgreSQL: the CLI, legal holds, the schedule inside the served app, tombstones.

The random histories are in tests/property/test_retention.py; these are the named cases a
person would check: a dry run reports and changes nothing, ``pga retention run`` erases what is
due and says so, a hold keeps a record until it is lifted (and blocks an erasure request too),
erasing one closed trajectory leaves the youth's other trajectory readable, a network's name
list is destroyed without touching the same youth's entry in another network, the read models
follow, and ``pga serve``'s schedule runs it in one process.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from pga.api.app import create_app
from pga.application import PgaApplication, open_application
from pga.cli import main
from pga.domain.catalogue import PartnerRole
from pga.domain.errors import ErasedSubjectText, SubjectAlreadyErased, UnderLegalHold
from pga.domain.network import (
    ActionCompleted,
    ActionPlanned,
    MemberErased,
    MemberPlaced,
    NameListErased,
    NetworkStep,
)
from pga.domain.trajectory import (
    Referred,
    Requester,
    RightsRequestKind,
    RightsRequestOutcome,
    SubjectErased,
)
from pga.rights.retention import RetentionTerms, retention_context, run_retention
from pga.settings import Settings
from projections import read_models
from projections.runner import catch_up
from tests.integration.api.conftest import SECRET, bearer
from tests.integration.projections.conftest import context
from tests.integration.projections.network_driver import NetworkDriver
from tests.retention_world import (
    NetworkSpec,
    Spec,
    TrajectorySpec,
    World,
    YouthSpec,
)
from tests.subject_keys import TEST_MASTER_KEY

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from uuid import UUID

#: Born 2000-03-10: 23 on 2023-03-10. Referred at 15, closed a year later (2016-03-10 + 365).
ADULT = YouthSpec(date(2000, 3, 10), (TrajectorySpec(3 * 365, 365), TrajectorySpec(4 * 365, None)))
#: Born 2010-06-01: two trajectories, the first closed in 2025, the second open.
YOUNG = YouthSpec(date(2010, 6, 1), (TrajectorySpec(3 * 365, 100), TrajectorySpec(5 * 365, None)))


@pytest.fixture
def settings(database_url: str, schema: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        master_key=TEST_MASTER_KEY,
        jwt_secret=SECRET,
        access_log_max_delay_ms=0,
        log_level="WARNING",
        retention_interval_hours=0,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[PgaApplication]:
    with open_application(settings) as application:
        yield application


def given_names(
    app: PgaApplication, aggregate_id: UUID, kind: type[MemberPlaced | Referred]
) -> list[str]:
    """Return the given names the aggregate's ``kind`` events decrypt to (empty: key gone)."""
    return [e.given_name for e in app.events.get(aggregate_id) if isinstance(e, kind)]


def at(app: PgaApplication, day: date) -> None:
    """Set the application's clock to noon on ``day``."""
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    app.clock = lambda: moment


def world(app: PgaApplication, *youths: YouthSpec, networks: tuple[NetworkSpec, ...] = ()) -> World:
    return World(app, Spec(youths, networks, date(2045, 1, 1))).record()


def test_erasing_one_closed_trajectory_leaves_the_youths_other_trajectory(
    app: PgaApplication,
) -> None:
    recorded = world(app, YOUNG)
    first, second = recorded.trajectory_ids[0]
    at(app, date(2030, 12, 31))  # the first closed on 2025-09-08: five years later is past

    report = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert [(item.kind.value, item.record_id) for item in report.erased] == [("traject", first)]
    assert report.erased[0].keys_destroyed >= 1
    assert app.trajectory(first).erased
    assert app.trajectory(first).given_name is None
    assert not app.trajectory(second).erased
    assert app.trajectory(second).given_name == "Bewaarjongere"


def test_a_legal_hold_keeps_the_youth_until_it_is_lifted_and_blocks_an_erasure_request(
    app: PgaApplication,
) -> None:
    recorded = world(app, ADULT)
    first, second = recorded.trajectory_ids[0]
    hold_id = uuid4()
    app.place_legal_hold(
        context(),
        second,
        hold_id=hold_id,
        placed_on=date(2020, 1, 6),
        basis="strafzaak",
        reason="Lopende strafzaak",
    )
    at(app, date(2024, 1, 1))  # 23 since 2023-03-10; the first trajectory closed 5+ years ago

    report = run_retention(app, retention_context(Settings()), RetentionTerms())

    # The youth's age term is held (its second trajectory is held); the first trajectory's own
    # term is not: that one is erased, the held one kept.
    assert [(h.kind.value, h.held_by, h.holds) for h in report.held] == [
        ("jongere", (second,), (hold_id,))
    ]
    assert [(e.kind.value, e.record_id) for e in report.erased] == [("traject", first)]
    assert not app.trajectory(second).erased
    with pytest.raises(UnderLegalHold):
        app.erase_subject(context(), second, reason="Verzoek", basis="avg-17-verzoek")

    app.lift_legal_hold(
        context(), second, hold_id=hold_id, lifted_on=date(2023, 12, 1), reason="Zaak afgerond"
    )
    again = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert [(e.kind.value, e.trajectories) for e in again.erased] == [("jongere", (second,))]
    assert app.trajectory(second).erased


def test_a_note_about_an_erased_youth_is_refused(app: PgaApplication) -> None:
    recorded = world(app, YOUNG)
    trajectory_id = recorded.trajectory_ids[0][1]
    request_id = app.receive_rights_request(
        context(),
        trajectory_id,
        app.trajectory(trajectory_id).version,
        kind=RightsRequestKind.VERWIJDERING,
        requester=Requester.JONGERE,
        received_on=date(2028, 1, 5),
    ).entity_id
    assert request_id is not None
    app.erase_subject(context(), trajectory_id, reason="Verzoek", basis="avg-17-verzoek")
    version = app.trajectory(trajectory_id).version

    with pytest.raises(ErasedSubjectText):
        app.complete_rights_request(
            context(),
            trajectory_id,
            version,
            request_id=request_id,
            completed_on=date(2028, 1, 6),
            outcome=RightsRequestOutcome.GRANTED,
            note="Verwijderd, zoals gevraagd door de jongere",
        )
    app.complete_rights_request(
        context(),
        trajectory_id,
        version,
        request_id=request_id,
        completed_on=date(2028, 1, 6),
        outcome=RightsRequestOutcome.GRANTED,
        note=None,
    )


def test_a_name_list_is_destroyed_without_touching_the_same_youth_in_another_network(
    app: PgaApplication,
) -> None:
    closed = NetworkSpec(date(2027, 2, 1), (0,), closed_after_days=30)
    still_open = NetworkSpec(date(2027, 2, 1), (0,), closed_after_days=None)
    recorded = world(app, YOUNG, networks=(closed, still_open))
    closed_id, open_id = recorded.network_ids
    youth = recorded.youth_ids[0]
    at(app, date(2027, 3, 3))  # the day the first network closed (2027-03-03)

    report = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert [(e.kind.value, e.record_id) for e in report.erased] == [("namenlijst", closed_id)]
    assert app.network(closed_id).name_list_erased
    # The youth's entry in the open network still decrypts (its own key there).
    assert app.network(open_id).members[youth].given_name == "Groepslid"
    assert given_names(app, closed_id, MemberPlaced) == [""]  # ERASED_TEXT: the key is gone


def test_the_read_models_follow_retention(app: PgaApplication, settings: Settings) -> None:
    recorded = world(app, YOUNG, networks=(NetworkSpec(date(2027, 2, 1), (0,), 30),))
    network_id = recorded.network_ids[0]
    at(app, date(2032, 3, 4))  # the network closed 2027-03-03: five years and a day later
    run_retention(app, retention_context(Settings()), RetentionTerms())

    catch_up(app, read_models(settings))
    with TestClient(create_app(settings, application=app, run_projections=False)) as client:
        answer = client.get(
            f"/api/v1/networks/{network_id}/timeline",
            headers=bearer(settings, PartnerRole.PROCESREGISSEUR),
        )
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["items"]
    kinds = [entry["kind"] for entry in entries]
    assert kinds[-1] == "NetworkErased"
    signal = next(entry for entry in entries if entry["kind"] == "SignalShared")
    assert signal["details"]["description"] is None


def test_pga_retention_cli_dry_run_run_and_holds(
    app: PgaApplication,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorded = world(app, ADULT)
    first, second = recorded.trajectory_ids[0]
    for name, value in {
        "PGA_DATABASE_URL": settings.database_url,
        "PGA_DATABASE_SCHEMA": settings.database_schema,
        "PGA_DATA_DIR": str(settings.data_dir),
        "PGA_MASTER_KEY": base64.b64encode(TEST_MASTER_KEY).decode(),
        "PGA_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, str(value))
    capsys.readouterr()

    assert (
        main(
            [
                "retention",
                "hold",
                str(second),
                "--basis",
                "strafzaak",
                "--reason",
                "Zaak",
                "--on",
                "2020-01-06",
            ]
        )
        == 0
    )
    hold_id = capsys.readouterr().out.strip()
    assert main(["retention", "holds", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "kind": "traject",
            "id": str(second),
            "hold_id": hold_id,
            "placed_on": "2020-01-06",
            "basis": "strafzaak",
        }
    ]
    # Today (the wall clock) the youth is long past 23: the first trajectory is due, the youth held.
    assert main(["retention", "run", "--dry-run", "--format", "json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert [(d["kind"], d["record_id"]) for d in dry["due"]] == [("traject", str(first))]
    assert [h["record_id"] for h in dry["held"]] == [str(recorded.youth_ids[0])]
    assert dry["erased"] == []
    with open_application(settings) as fresh:
        assert not fresh.trajectory(first).erased

    assert main(["retention", "run", "--as-of", "2030-01-01"]) == 3  # only dry runs look ahead
    capsys.readouterr()
    assert main(["retention", "run"]) == 0
    text = capsys.readouterr().out
    assert f"erased   traject    {first}" in text
    assert "1 due, 1 erased, 1 held, 0 failed" in text

    assert main(["retention", "lift", str(second), hold_id, "--reason", "Afgerond"]) == 0
    assert main(["retention", "run", "--format", "json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert [(e["kind"], e["trajectories"]) for e in done["erased"]] == [("jongere", [str(second)])]


def test_the_served_app_runs_retention_on_its_schedule(
    app: PgaApplication, settings: Settings
) -> None:
    recorded = world(app, ADULT)
    first = recorded.trajectory_ids[0][0]
    scheduled = replace(settings, retention_interval_hours=24)
    with TestClient(create_app(scheduled, application=app, run_retention=True)):
        deadline = time.monotonic() + 20
        while not app.trajectory(first).erased and time.monotonic() < deadline:
            time.sleep(0.1)
    assert app.trajectory(first).erased  # the clock (2046): everything of the youth is due


def test_a_person_level_actions_text_is_shredded_with_its_member(app: PgaApplication) -> None:
    driver = NetworkDriver(app, "Groep Acties", opened_on=date(2026, 1, 5))
    driver.to_name_list(date(2026, 1, 6))
    member = driver.place(date(2026, 1, 7))
    driver.to_interpretation(date(2026, 1, 8))
    driver.to_advice(date(2026, 1, 9))
    driver.to_plan(date(2026, 1, 10))
    about_member = driver.plan_action(date(2026, 3, 1), member_id=member)
    for_the_group = driver.plan_action(date(2026, 3, 1))
    driver.adopt(date(2026, 1, 11))
    driver.advance(NetworkStep.EXECUTION, date(2026, 1, 12))
    driver.complete_action(about_member, date(2026, 1, 13))
    driver.complete_action(for_the_group, date(2026, 1, 13))

    app.erase_subject(context(), member, reason="Verzoek", basis="avg-17-verzoek")

    stored = list(app.events.get(driver.id))
    planned = {e.action_id: e.description for e in stored if isinstance(e, ActionPlanned)}
    outcomes = {e.action_id: e.outcome for e in stored if isinstance(e, ActionCompleted)}
    assert planned[about_member] == outcomes[about_member] == ""  # its key is gone
    assert planned[for_the_group] != ""
    assert outcomes[for_the_group] != ""


# --- issue 7 review: holds on closed networks, and key deletions that failed ---


def _hold_ids(app: PgaApplication, network_id: UUID) -> list[UUID]:
    return list(app.network(network_id).legal_holds)


def test_a_hold_on_a_closed_network_keeps_its_former_member_until_it_is_lifted(
    app: PgaApplication,
) -> None:
    held = NetworkSpec(date(2015, 6, 1), (0,), closed_after_days=30, held=True)
    recorded = world(app, ADULT, networks=(held,))
    network_id, youth = recorded.network_ids[0], recorded.youth_ids[0]
    first, second = recorded.trajectory_ids[0]
    assert app.network(network_id).is_closed
    assert app.network(network_id).members == {}  # the closing took the youth off the list
    at(app, date(2024, 1, 1))  # 23 since 2023-03-10

    report = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert not report.failed
    assert ("jongere", youth, (network_id,)) in [
        (h.kind.value, h.record_id, h.held_by) for h in report.held
    ]
    assert youth not in [e.record_id for e in report.erased]
    assert [(e.kind.value, e.record_id) for e in report.erased] == [("traject", first)]
    assert not app.trajectory(second).erased
    assert given_names(app, network_id, MemberPlaced) == [
        "Groepslid"
    ]  # the held list still decrypts
    # An erasure request is refused as a whole: nothing recorded, no key destroyed.
    with pytest.raises(UnderLegalHold):
        app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")
    assert not app.trajectory(second).erased
    assert app.trajectory(second).given_name == "Bewaarjongere"
    assert given_names(app, network_id, MemberPlaced) == ["Groepslid"]

    # The next run still reports the youth as held (its date of birth from the held list).
    still = run_retention(app, retention_context(Settings()), RetentionTerms())
    assert ("jongere", youth) in [(h.kind.value, h.record_id) for h in still.held]
    assert still.erased == ()
    (hold_id,) = _hold_ids(app, network_id)
    app.lift_legal_hold(
        context(), network_id, hold_id=hold_id, lifted_on=date(2023, 12, 1), reason="Afgerond"
    )
    again = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert not again.failed
    erased = {(e.kind.value, e.record_id): e for e in again.erased}
    assert erased["jongere", youth].networks == (network_id,)
    assert erased["jongere", youth].trajectories == (second,)
    assert ("netwerk", network_id) in erased  # closed 2015-07-01: the file is due too
    stored = list(app.events.get(network_id))
    tombstones = [e for e in stored if isinstance(e, MemberErased)]
    assert [(t.member_id, t.basis) for t in tombstones] == [(youth, "bewaartermijn")]
    assert [e.given_name for e in stored if isinstance(e, MemberPlaced)] == [""]
    assert app.trajectory(second).erased


def test_erasing_a_youth_removed_from_a_network_writes_a_tombstone_there(
    app: PgaApplication,
) -> None:
    recorded = world(app, YOUNG, networks=(NetworkSpec(date(2027, 2, 1), (0,), None),))
    network_id, youth = recorded.network_ids[0], recorded.youth_ids[0]
    app.remove_member(
        context(),
        network_id,
        app.network(network_id).version,
        member_id=youth,
        removed_on=date(2027, 2, 2),
        why="Geen lid meer",
    )

    report = app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")

    assert report.networks == (network_id,)
    stored = list(app.events.get(network_id))
    assert [e.member_id for e in stored if isinstance(e, MemberErased)] == [youth]
    assert [e.given_name for e in stored if isinstance(e, MemberPlaced)] == [""]


def test_a_hold_on_an_open_network_a_youth_was_removed_from_refuses_the_erasure(
    app: PgaApplication,
) -> None:
    spec = NetworkSpec(date(2027, 2, 1), (0,), None, held=True)
    recorded = world(app, YOUNG, networks=(spec,))
    network_id, youth = recorded.network_ids[0], recorded.youth_ids[0]
    app.remove_member(
        context(),
        network_id,
        app.network(network_id).version,
        member_id=youth,
        removed_on=date(2027, 2, 2),
        why="Geen lid meer",
    )

    with pytest.raises(UnderLegalHold):
        app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")

    assert given_names(app, network_id, MemberPlaced) == ["Groepslid"]
    assert not any(app.trajectory(t).erased for t in recorded.trajectory_ids[0])


class _FailOnce:
    """Wrap ``SubjectKeyStore.destroy``: the first call fails (the key store went away)."""

    def __init__(self, destroy: Any) -> None:  # noqa: ANN401 - the bound method
        self.destroy = destroy
        self.calls = 0

    def __call__(self, key_ids: Any) -> int:  # noqa: ANN401 - a collection of key ids
        self.calls += 1
        if self.calls == 1:
            msg = "key store unavailable"
            raise RuntimeError(msg)
        result: int = self.destroy(key_ids)
        return result


def test_a_failed_key_deletion_is_repaired_by_the_next_retention_run(
    app: PgaApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = world(app, YOUNG)
    first, second = recorded.trajectory_ids[0]
    assert app.keys is not None
    monkeypatch.setattr(app.keys, "destroy", _FailOnce(app.keys.destroy))
    at(app, date(2030, 12, 31))  # the first trajectory closed on 2025-09-08

    failing = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert [(f.kind.value, f.record_id) for f in failing.failed] == [("traject", first)]
    assert failing.erased == ()
    assert app.trajectory(first).erased  # the tombstone is there ...
    assert given_names(app, first, Referred) == ["Bewaarjongere"]  # ... the key too

    dry = run_retention(app, retention_context(Settings()), RetentionTerms(), dry_run=True)
    assert [(d.kind.value, d.record_id) for d in dry.due] == [("traject", first)]
    repaired = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert repaired.failed == ()
    assert [(e.kind.value, e.record_id) for e in repaired.erased] == [("traject", first)]
    assert repaired.erased[0].keys_destroyed >= 1
    assert given_names(app, first, Referred) == [""]  # the key is gone now
    assert [e for e in app.events.get(first) if isinstance(e, SubjectErased)]
    assert len([e for e in app.events.get(first) if isinstance(e, SubjectErased)]) == 1
    assert app.trajectory(second).given_name == "Bewaarjongere"
    done = run_retention(app, retention_context(Settings()), RetentionTerms())
    assert done.counts["due"] == 0


def test_a_failed_key_deletion_of_an_erasure_request_is_repaired_on_retry_and_by_retention(
    app: PgaApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = world(app, YOUNG, networks=(NetworkSpec(date(2027, 2, 1), (0,), None),))
    network_id, youth = recorded.network_ids[0], recorded.youth_ids[0]
    first, _ = recorded.trajectory_ids[0]
    assert app.keys is not None
    monkeypatch.setattr(app.keys, "destroy", _FailOnce(app.keys.destroy))
    at(app, date(2028, 1, 1))  # nothing of the youth is due by a term yet

    with pytest.raises(RuntimeError):
        app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")
    assert app.trajectory(first).erased
    assert given_names(app, network_id, MemberPlaced) == [
        "Groepslid"
    ]  # the tombstone, but not the keys

    # Retention finds the erasure whose keys are left and finishes it.
    report = run_retention(app, retention_context(Settings()), RetentionTerms())
    assert report.failed == ()
    assert ("jongere", youth) in [(e.kind.value, e.record_id) for e in report.erased]
    assert given_names(app, network_id, MemberPlaced) == [""]
    assert given_names(app, first, Referred) == [""]
    with pytest.raises(SubjectAlreadyErased):
        app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")


def test_a_retried_erasure_request_destroys_the_keys_a_failure_left(
    app: PgaApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = world(app, YOUNG)
    youth = recorded.youth_ids[0]
    first, _ = recorded.trajectory_ids[0]
    assert app.keys is not None
    monkeypatch.setattr(app.keys, "destroy", _FailOnce(app.keys.destroy))

    with pytest.raises(RuntimeError):
        app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")
    retried = app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")

    assert retried.keys_destroyed >= 2  # both trajectories' keys
    assert retried.trajectories == ()  # no second tombstone
    assert given_names(app, first, Referred) == [""]
    with pytest.raises(SubjectAlreadyErased):
        app.erase_subject(context(), youth, reason="Verzoek", basis="avg-17-verzoek")


def test_a_failed_key_deletion_of_a_name_list_is_repaired_by_the_next_run(
    app: PgaApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = NetworkSpec(date(2027, 2, 1), (0,), closed_after_days=30)
    recorded = world(app, YOUNG, networks=(closed,))
    network_id = recorded.network_ids[0]
    assert app.keys is not None
    monkeypatch.setattr(app.keys, "destroy", _FailOnce(app.keys.destroy))
    at(app, date(2027, 3, 3))  # the day the network closed

    failing = run_retention(app, retention_context(Settings()), RetentionTerms())
    assert [(f.kind.value, f.record_id) for f in failing.failed] == [("namenlijst", network_id)]
    assert app.network(network_id).name_list_erased
    repaired = run_retention(app, retention_context(Settings()), RetentionTerms())

    assert [(e.kind.value, e.record_id) for e in repaired.erased] == [("namenlijst", network_id)]
    assert given_names(app, network_id, MemberPlaced) == [""]
    assert len([e for e in app.events.get(network_id) if isinstance(e, NameListErased)]) == 1
    assert run_retention(app, retention_context(Settings()), RetentionTerms()).counts["due"] == 0
