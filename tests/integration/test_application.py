"""The application on PostgreSQL: save/load, conflicts, history, as-of, snapshots, seals."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql

from pga.application import AggregateNotFound, PgaApplication, Recorded, VersionConflict
from pga.domain.catalogue import PartnerRole
from pga.domain.errors import StatusTransitionNotAllowed
from pga.domain.network import NetworkStep
from pga.domain.trajectory import PlanGoal, Regisseur, Trajectory, TrajectoryStatus
from pga.recording import Actor, CommandContext
from pga.store.database import eventsourcing_env
from pga.store.seal import GENESIS_SEAL, next_seal

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pga.store.subject_keys import SubjectKeyStore


class SteppingClock:
    """A recording clock that moves one minute per reading, from a fixed start."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        """Advance one minute and return the new time."""
        self.now += timedelta(minutes=1)
        return self.now


START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
REGISSEUR = Actor(user="u-ggd-01", organisation="ggd-flevoland", role=PartnerRole.REGISSEUR)
POLITIE = Actor(
    user="u-politie-01", organisation="politie-midden-nederland", role=PartnerRole.POLITIE
)


def context(actor: Actor = REGISSEUR, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, correlation_id=uuid4(), reason=reason)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(START)


@pytest.fixture
def app(
    database_url: str, schema: str, clock: SteppingClock, subject_keys: SubjectKeyStore
) -> Iterator[PgaApplication]:
    application = PgaApplication(
        eventsourcing_env(database_url, schema),
        snapshot_interval=5,
        clock_source=clock,
        keys=subject_keys,
    )
    yield application
    application.close()


def refer(app: PgaApplication) -> Recorded:
    return app.refer(
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


def active(app: PgaApplication) -> Recorded:
    """Refer, involve Halt, hold the intake and adopt a plan: version 4, status actief."""
    recorded = refer(app)
    tid = recorded.aggregate_id
    recorded = app.involve_partner(
        context(),
        tid,
        recorded.version,
        organisation="halt-midden-nederland",
        role=PartnerRole.HALT,
        legal_basis="avg_6_1_e",
        since=date(2026, 2, 26),
    )
    recorded = app.hold_intake(
        context(),
        tid,
        recorded.version,
        held_on=date(2026, 2, 27),
        attendees=("jongere", "moeder"),
        trusted_person=None,
    )
    return app.adopt_plan(
        context(),
        tid,
        recorded.version,
        adopted_on=date(2026, 2, 28),
        goals=(PlanGoal(uuid4(), "school", "Weer naar school", "ggd-flevoland", date(2026, 5, 1)),),
        agreements="Wekelijks contact",
    )


def test_a_referral_is_stored_and_loads_with_the_same_state(app: PgaApplication) -> None:
    recorded = refer(app)
    loaded = app.trajectory(recorded.aggregate_id)
    assert recorded.version == 1
    assert recorded.position >= 1
    assert loaded.status == TrajectoryStatus.AANGEMELD
    assert loaded.given_name == "Testjongere"
    assert loaded.born_on == date(2010, 5, 17)
    assert loaded.regisseur == Regisseur("u-ggd-01", "ggd-flevoland")
    assert app.trajectory_ids() == [recorded.aggregate_id]


def test_commands_build_the_state_that_loads_back(app: PgaApplication) -> None:
    recorded = active(app)
    tid = recorded.aggregate_id
    planned = app.plan_intervention(
        context(),
        tid,
        recorded.version,
        kind="halt",
        responsible_organisation="halt-midden-nederland",
        legal_basis="avg_6_1_e",
        planned_start=date(2026, 3, 1),
        planned_end=date(2026, 4, 1),
    )
    assert planned.entity_id is not None
    loaded = app.trajectory(tid)
    assert loaded.status == TrajectoryStatus.ACTIEF
    assert loaded.version == planned.version == 5
    assert loaded.interventions[planned.entity_id].kind == "halt"
    assert loaded.plan is not None
    assert loaded.plan.goals[0].life_domain == "school"


def test_a_stale_version_is_a_conflict_and_stores_nothing(app: PgaApplication) -> None:
    recorded = active(app)
    tid = recorded.aggregate_id
    with pytest.raises(VersionConflict) as raised:
        app.record_arrest(
            context(POLITIE),
            tid,
            recorded.version - 1,
            arrested_on=date(2026, 2, 28),
            offence_category="diefstal",
            police_reference="PL-TEST-0002",
        )
    assert (raised.value.expected, raised.value.actual) == (3, 4)
    assert len(app.history(tid)) == recorded.version


def test_two_writers_on_the_same_version_one_wins_the_other_conflicts(
    database_url: str, schema: str, app: PgaApplication
) -> None:
    recorded = refer(app)
    tid = recorded.aggregate_id
    other = PgaApplication(eventsourcing_env(database_url, schema), keys=app.keys)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    original_save = PgaApplication.save

    def racing_save(self: PgaApplication, *objects: object, **kwargs: object) -> object:
        barrier.wait(timeout=10)  # both writers have loaded version 1 and decided
        return original_save(self, *objects, **kwargs)  # type: ignore[arg-type]

    def write(application: PgaApplication, kind: str) -> None:
        try:
            application.record_jit_step(
                context(),
                tid,
                1,
                kind=kind,
                occurred_on=date(2026, 2, 27),
                incident_on=None,
                parents_present=False,
            )
            outcomes.append("stored")
        except VersionConflict:
            outcomes.append("conflict")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PgaApplication, "save", racing_save)
        threads = [
            threading.Thread(target=write, args=(app, "straatcontact")),
            threading.Thread(target=write, args=(other, "huisbezoek")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    other.close()
    assert sorted(outcomes) == ["conflict", "stored"]
    assert [entry.version for entry in app.history(tid)] == [1, 2]


def test_a_refused_command_stores_nothing(app: PgaApplication) -> None:
    recorded = refer(app)
    with pytest.raises(StatusTransitionNotAllowed):
        app.start_revision(
            context(), recorded.aggregate_id, 1, started_on=date(2026, 2, 26), why="bijstellen"
        )
    assert len(app.history(recorded.aggregate_id)) == 1


def test_unknown_ids_and_wrong_kinds_are_not_found(app: PgaApplication) -> None:
    recorded = refer(app)
    with pytest.raises(AggregateNotFound):
        app.trajectory(uuid4())
    with pytest.raises(AggregateNotFound):
        app.network(recorded.aggregate_id)
    with pytest.raises(AggregateNotFound):
        app.history(uuid4())


def test_history_lists_every_event_in_order_with_its_metadata(app: PgaApplication) -> None:
    recorded = active(app)
    history = app.history(recorded.aggregate_id)
    assert [entry.kind for entry in history] == [
        "Referred",
        "PartnerInvolved",
        "IntakeHeld",
        "PlanAdopted",
    ]
    assert [entry.version for entry in history] == [1, 2, 3, 4]
    first = history[0].metadata
    assert first is not None
    assert (first.user, first.organisation, first.role) == (
        "u-politie-01",
        "politie-midden-nederland",
        PartnerRole.POLITIE,
    )
    assert first.reason == "aanmelding na straatroof"
    assert all(entry.metadata is not None for entry in history)
    assert len({entry.metadata.correlation_id for entry in history if entry.metadata}) == 4
    times = [entry.recorded_at for entry in history]
    assert times == sorted(times)
    assert all(moment.tzinfo is not None and moment > START for moment in times)


def test_state_at_a_version_and_at_a_time(app: PgaApplication, clock: SteppingClock) -> None:
    recorded = active(app)
    tid = recorded.aggregate_id
    history = app.history(tid)
    at_two = app.state_at_version(tid, 2)
    assert isinstance(at_two, Trajectory)
    assert at_two.status == TrajectoryStatus.AANGEMELD
    assert "halt-midden-nederland" in at_two.partners
    between = history[2].recorded_at + timedelta(seconds=30)  # after the intake, before the plan
    as_known = app.state_at_time(tid, between)
    assert isinstance(as_known, Trajectory)
    assert (as_known.version, as_known.status) == (3, TrajectoryStatus.INTAKE)
    assert app.state_at_time(tid, START) is None
    assert app.state_at_time(tid, clock.now + timedelta(days=1)) == app.trajectory(tid)
    with pytest.raises(AggregateNotFound):
        app.state_at_version(tid, 99)


def test_snapshots_are_taken_and_loading_with_them_equals_a_full_replay(
    database_url: str, schema: str, app: PgaApplication
) -> None:
    recorded = active(app)
    tid = recorded.aggregate_id
    version = recorded.version
    for day in range(1, 9):
        version = app.score_life_domain(
            context(),
            tid,
            version,
            life_domain="school",
            score=1 + day % 5,
            instrument="pga_monitor",
            scored_on=date(2026, 2, 28),
        ).version
    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(tid))
    assert [snapshot.originator_version for snapshot in snapshots] == [5, 10]
    without_snapshots = PgaApplication(
        {**eventsourcing_env(database_url, schema), "IS_SNAPSHOTTING_ENABLED": "n"},
        snapshot_interval=10_000,
        keys=app.keys,
    )
    try:
        assert app.trajectory(tid) == without_snapshots.trajectory(tid)
        assert app.state_at_version(tid, 7) == without_snapshots.trajectory(tid, version=7)
    finally:
        without_snapshots.close()


def network_with_member(app: PgaApplication, trajectory: Recorded) -> tuple[Recorded, Recorded]:
    """Open a network, take it to step 2B and place the trajectory's youth on the name list."""
    opened = app.open_network(
        context(),
        working_name="Groep Haven",
        area="Almere Haven",
        procesregisseur="u-gemeente-01",
        procesregisseur_organisation="gemeente-almere",
        opened_on=date(2026, 2, 1),
    )
    nid, version = opened.aggregate_id, opened.version
    version = app.share_signal(
        context(),
        nid,
        version,
        source_organisation="politie-midden-nederland",
        observed_on=date(2026, 2, 2),
        location="Winkelcentrum",
        description="Overlast door groep",
        online=False,
    ).version
    version = app.advance_network(
        context(), nid, version, to_step=NetworkStep.ASSESSMENT, on=date(2026, 2, 3)
    ).version
    version = app.assess_behaviour(
        context(), nid, version, problematic=True, findings="Ernstig", assessed_on=date(2026, 2, 4)
    ).version
    version = app.advance_network(
        context(), nid, version, to_step=NetworkStep.NAME_LIST, on=date(2026, 2, 5)
    ).version
    placed = app.place_member(
        context(),
        nid,
        version,
        given_name="Testjongere",
        family_name="Voorbeeld",
        born_on=date(2010, 5, 17),
        role_in_group=None,
        placed_on=date(2026, 2, 26),
        trajectory_id=trajectory.aggregate_id,
    )
    return opened, placed


def test_placing_a_member_links_the_trajectory_in_the_same_transaction(app: PgaApplication) -> None:
    trajectory = refer(app)
    opened, placed = network_with_member(app, trajectory)
    nid = opened.aggregate_id
    linked = app.trajectory(trajectory.aggregate_id)
    assert placed.linked_versions == {trajectory.aggregate_id: linked.version}
    network = app.network(nid)
    assert linked.networks == {nid: date(2026, 2, 26)}
    assert placed.entity_id == linked.subject_id
    assert network.members[linked.subject_id].trajectory_id == trajectory.aggregate_id
    network_meta = app.history(nid)[-1].metadata
    trajectory_meta = app.history(trajectory.aggregate_id)[-1].metadata
    assert network_meta is not None
    assert trajectory_meta is not None
    assert network_meta.correlation_id == trajectory_meta.correlation_id


def test_dropping_the_name_list_unlinks_the_trajectories_in_the_same_transaction(
    app: PgaApplication,
) -> None:
    trajectory = refer(app)
    opened, placed = network_with_member(app, trajectory)
    stepped_back = app.step_back_network(
        context(),
        opened.aggregate_id,
        placed.version,
        to_step=NetworkStep.LIGHT_APPROACH,
        on=date(2026, 2, 27),
        why="Groepsscan: geen problematische groep",
    )
    unlinked = app.trajectory(trajectory.aggregate_id)
    assert app.network(opened.aggregate_id).members == {}
    assert unlinked.networks == {}
    assert stepped_back.linked_versions == {trajectory.aggregate_id: unlinked.version}
    assert app.history(trajectory.aggregate_id)[-1].kind == "NetworkUnlinked"


def test_every_stored_event_is_sealed_in_sequence(
    database_url: str, schema: str, app: PgaApplication
) -> None:
    active(app)
    network_with_member(app, refer(app))  # the last command stores two events in one transaction
    rows = _sealed_rows(database_url, schema)
    assert len(rows) == 12
    previous = GENESIS_SEAL
    for originator_id, version, topic, state, seal in rows:
        previous = next_seal(previous, originator_id, version, topic, state)
        assert previous == seal


def test_an_altered_event_no_longer_matches_its_seal(
    database_url: str, schema: str, app: PgaApplication
) -> None:
    recorded = active(app)
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL(
                "UPDATE {}.pga_events SET state = state || '\\x20'::bytea"
                " WHERE originator_id = %s AND originator_version = 2"
            ).format(sql.Identifier(schema)),
            (recorded.aggregate_id,),
        )
    rows = _sealed_rows(database_url, schema)
    previous = GENESIS_SEAL
    broken = []
    for originator_id, version, topic, state, seal in rows:
        previous = next_seal(previous, originator_id, version, topic, state)
        if previous != seal:
            broken.append(version)
            previous = seal
    assert broken == [2]


def test_personal_fields_are_stored_apart_from_the_rest_and_encrypted(
    database_url: str, schema: str, app: PgaApplication
) -> None:
    tid = refer(app).aggregate_id
    rows = _sealed_rows(database_url, schema)
    state = rows[0][3]
    data_part, personal_part = state.split(b'"personal":', 1)
    assert b"Testjongere" not in state
    assert b"PL-TEST-0001" not in state
    assert personal_part.startswith(b'{"key":')
    assert b"straatroof" in data_part
    assert app.trajectory(tid).given_name == "Testjongere"


def _sealed_rows(database_url: str, schema: str) -> list[tuple[UUID, int, str, bytes, bytes]]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            sql.SQL(
                "SELECT e.originator_id, e.originator_version, e.topic, e.state, s.seal"
                " FROM {schema}.pga_events e JOIN {schema}.pga_seals s USING (notification_id)"
                " ORDER BY e.notification_id"
            ).format(schema=sql.Identifier(schema))
        ).fetchall()
    return [(row[0], row[1], row[2], bytes(row[3]), bytes(row[4])) for row in rows]
