"""The projection runner on PostgreSQL: exactly once, poison isolation, locks, swaps, waiting."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from psycopg import sql

from pga.domain.trajectory import Regisseur
from projections.control import (
    ReadModelTimeout,
    ReadModelUnavailable,
    digest,
    rebuild,
    status,
    wait_for,
)
from projections.runner import ProjectionError, Runner, catch_up, schema_name
from tests.integration.projections.conftest import POLITIE, context
from tests.integration.projections.tally import TALLY, Fragile, Tally

if TYPE_CHECKING:
    import psycopg

    from pga.application import PgaApplication, Recorded


def refer(app: PgaApplication, number: int = 1) -> Recorded:
    return app.refer(
        context(POLITIE),
        given_name="Testjongere",
        family_name=f"Voorbeeld{number}",
        born_on=date(2010, 5, 17),
        offence_category="straatroof",
        suspected_on=date(2026, 2, 20),
        referred_on=date(2026, 2, 25),
        police_reference=f"PL-TEST-{number:04d}",
        referring_organisation="politie-midden-nederland",
        regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
    )


def record_events(app: PgaApplication, trajectories: int, arrests: int = 2) -> list[Recorded]:
    """Refer ``trajectories`` youths and record ``arrests`` arrests for each, interleaved."""
    handles = [refer(app, number) for number in range(trajectories)]
    for _ in range(arrests):
        for index, handle in enumerate(handles):
            handles[index] = app.record_arrest(
                context(POLITIE),
                handle.aggregate_id,
                handle.version,
                arrested_on=date(2026, 2, 26),
                offence_category="straatroof",
                police_reference="PL-TEST-9999",
            )
    return handles


def tallies(connection: psycopg.Connection[Any], schema: str) -> dict[str, tuple[int, list[int]]]:
    rows = connection.execute(
        sql.SQL("SELECT aggregate_id, events, positions FROM {}").format(
            sql.Identifier(schema_name(schema, "tally"), TALLY.name)
        )
    ).fetchall()
    return {str(row[0]): (row[1], row[2]) for row in rows}


def assert_exactly_once(connection: psycopg.Connection[Any], schema: str, expected: int) -> None:
    rows = tallies(connection, schema)
    positions = [position for _, each in rows.values() for position in each]
    assert len(positions) == len(set(positions)) == expected
    assert sum(count for count, _ in rows.values()) == expected


def test_catch_up_applies_every_event_once_and_resumes_where_it_stopped(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=3)
    assert catch_up(app, [Tally()], batch_size=4) == 9
    record_events(app, trajectories=2, arrests=1)
    assert catch_up(app, [Tally()], batch_size=4) == 4
    assert catch_up(app, [Tally()]) == 0
    assert_exactly_once(connection, schema, 13)


def test_incremental_and_from_zero_builds_have_the_same_digest(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=2)
    catch_up(app, [Tally()], batch_size=1)
    record_events(app, trajectories=3)
    catch_up(app, [Tally()], batch_size=3)
    incremental = digest(connection, schema, Tally())
    assert rebuild(app, [Tally()], batch_size=1000) == 15
    assert digest(connection, schema, Tally()) == incremental
    # A different content gives a different digest.
    record_events(app, trajectories=1, arrests=0)
    catch_up(app, [Tally()])
    assert digest(connection, schema, Tally()) != incremental


def test_a_poison_event_stops_only_its_read_model_and_names_its_position(
    app: PgaApplication,
    schema: str,
    connection: psycopg.Connection[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    handles = record_events(app, trajectories=3)
    poison = handles[1].position - 1  # some event in the middle of the log
    caplog.set_level(logging.INFO, logger="pga.projections")
    with pytest.raises(ProjectionError, match="fragile"):
        catch_up(app, [Tally(), Fragile(poison)], batch_size=100)
    assert_exactly_once(connection, schema, 9)  # the other read model went on
    fragile = {each.name: each for each in status(connection, schema, [Tally(), Fragile(poison)])}
    failed = fragile["fragile"]
    assert failed.state == "failed"
    assert failed.position == poison - 1  # everything before the poison event was applied
    assert failed.failure is not None
    assert failed.failure.position == poison
    assert failed.failure.kind in {"Referred", "ArrestRecorded"}
    assert failed.failure.error.startswith("ValueError at tally.py:")
    assert fragile["tally"].state == "stopped"
    assert fragile["tally"].lag_events == 0
    assert "Testjongere" not in caplog.text
    assert "Testjongere" not in failed.failure.error
    assert f"stopped at position {poison}" in caplog.text
    # A restart retries the event; with the fix deployed it goes through and clears the error.
    catch_up(app, [Fragile(poison_position=-1)])
    recovered = status(connection, schema, [Fragile(-1)])[0]
    assert recovered.failure is None
    assert recovered.position == recovered.head


def test_a_failure_in_the_read_models_own_sql_is_isolated_to_one_event(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=2, arrests=1)
    catch_up(app, [Tally()])
    # Break the table for one aggregate: its next save violates a constraint.
    victim = refer(app, 7)
    connection.execute(
        sql.SQL("ALTER TABLE {} ADD CHECK (aggregate_id <> {})").format(
            sql.Identifier(schema_name(schema, "tally"), TALLY.name),
            sql.Literal(victim.aggregate_id),
        )
    )
    refer(app, 8)
    with pytest.raises(ProjectionError):
        catch_up(app, [Tally()], batch_size=100)
    (result,) = status(connection, schema, [Tally()])
    assert result.failure is not None
    assert result.failure.position == victim.position
    assert result.failure.aggregate_id == str(victim.aggregate_id)
    assert result.position == victim.position - 1


def test_two_runners_without_locks_never_apply_a_batch_twice(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=4)
    with (
        Runner(app, [Tally()], batch_size=2, use_locks=False) as first,
        Runner(app, [Tally()], batch_size=3, use_locks=False) as second,
    ):
        first.prepare()
        second.prepare()
        first.acquire_locks()
        second.acquire_locks()
        # Both believe they are at position 0; whoever commits second finds it moved on.
        for _ in range(12):
            first.step()
            second.step()
    assert_exactly_once(connection, schema, 12)


def test_a_second_runner_stands_by_and_takes_over_when_the_first_goes_away(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=2, arrests=0)
    first = Runner(app, [Tally()])
    second = Runner(app, [Tally()])
    try:
        first.prepare()
        first.acquire_locks()
        second.prepare()
        second.acquire_locks()
        assert first.generations[0].locked
        assert not second.generations[0].locked
        assert second.step() == 0
        assert status(connection, schema, [Tally()])[0].running
        first.close()
        second.acquire_locks()
        assert is_locked(second)
        assert second.step() == 2
    finally:
        first.close()
        second.close()
    assert_exactly_once(connection, schema, 2)


def test_a_rebuild_swaps_in_while_a_live_runner_keeps_following(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=3)
    stop = threading.Event()
    live = Runner(app, [Tally()], batch_size=2)
    follower = threading.Thread(target=live.run, kwargs={"stop": stop})
    follower.start()
    try:
        wait_for(connection, schema, "tally", app.recorder.max_notification_id() or 0)
        rebuild(app, [Tally()], batch_size=1)
        # The live runner goes on in the swapped-in table set, from that set's position.
        recorded = refer(app, 20)
        wait_for(connection, schema, "tally", recorded.position, timeout=5)
    finally:
        stop.set()
        follower.join()
        live.close()
    assert_exactly_once(connection, schema, 10)
    assert not _schema_exists(connection, schema_name(schema, "tally", next_generation=True))


def test_an_interrupted_rebuild_is_resumed_by_the_runner_and_swapped_in(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=3)
    catch_up(app, [Tally()])
    expected = digest(connection, schema, Tally())
    with Runner(app, [Tally()], mode="rebuild", batch_size=2) as interrupted:
        interrupted.prepare()
        interrupted.acquire_locks()
        interrupted.step()  # then the process dies: no swap
    following = schema_name(schema, "tally", next_generation=True)
    assert _schema_exists(connection, following)
    assert status(connection, schema, [Tally()])[0].rebuild_position == 2
    catch_up(app, [Tally()])
    assert not _schema_exists(connection, following)
    assert digest(connection, schema, Tally()) == expected


class TallyV2(Tally):
    """The same read model after a release that changed what it stores."""

    version: ClassVar[int] = 2


def test_a_new_version_is_rebuilt_beside_the_old_one_and_swapped_in(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=2)
    catch_up(app, [Tally()])
    assert status(connection, schema, [TallyV2()])[0].state == "outdated"
    catch_up(app, [TallyV2()])
    result = status(connection, schema, [TallyV2()])[0]
    assert result.stored_version == 2
    assert result.state == "stopped"
    assert_exactly_once(connection, schema, 6)


def test_a_rebuild_stopped_by_a_poison_event_fails_and_leaves_the_live_set_serving(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    handles = record_events(app, trajectories=2)
    catch_up(app, [Fragile(poison_position=-1)])
    live = digest(connection, schema, Fragile(-1))
    with pytest.raises(ProjectionError, match="fragile"):
        rebuild(app, [Fragile(handles[0].position)], batch_size=2)
    assert digest(connection, schema, Fragile(-1)) == live
    (result,) = status(connection, schema, [Fragile(-1)])
    assert result.rebuild_position == handles[0].position - 1


def test_a_rebuild_refuses_to_run_twice_at_once(app: PgaApplication) -> None:
    record_events(app, trajectories=1, arrests=0)
    with Runner(app, [Tally()], mode="rebuild") as first:
        first.prepare()
        with pytest.raises(ProjectionError, match="already running"):
            rebuild(app, [Tally()])


def test_waiting_for_a_position_returns_once_the_runner_has_processed_it(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    catch_up(app, [Tally()])  # built, empty
    stop = threading.Event()
    runner = Runner(app, [Tally()])
    follower = threading.Thread(target=runner.run, kwargs={"stop": stop})
    follower.start()
    try:
        recorded = refer(app)
        started = time.perf_counter()
        reached = wait_for(connection, schema, "tally", recorded.position, timeout=2)
        assert reached >= recorded.position
        assert time.perf_counter() - started < 2
        assert recorded.aggregate_id.hex in {
            key.replace("-", "") for key in tallies(connection, schema)
        }
    finally:
        stop.set()
        follower.join()
        runner.close()


def test_waiting_without_a_runner_times_out_and_says_so(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    with pytest.raises(ReadModelTimeout):
        wait_for(connection, schema, "tally", 1, timeout=0.1)
    catch_up(app, [Tally()])
    recorded = refer(app)
    with pytest.raises(ReadModelTimeout) as timeout:
        wait_for(connection, schema, "tally", recorded.position, timeout=0.2)
    assert timeout.value.reached == 0
    assert timeout.value.position == recorded.position


def test_waiting_for_a_read_model_stopped_before_the_position_fails_at_once(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    handles = record_events(app, trajectories=1, arrests=1)
    with pytest.raises(ProjectionError):
        catch_up(app, [Fragile(handles[0].position)])
    with pytest.raises(ReadModelUnavailable, match="stopped at position"):
        wait_for(connection, schema, "fragile", handles[0].position, timeout=5)


def test_status_reports_lag_in_events_and_seconds_until_caught_up(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    (missing,) = status(connection, schema, [Tally()])
    assert missing.state == "missing"
    record_events(app, trajectories=2, arrests=1)
    catch_up(app, [Tally()])
    refer(app, 5)
    (behind,) = status(connection, schema, [Tally()])
    assert behind.lag_events == 1
    assert behind.head == behind.position + 1
    assert behind.lag_seconds >= 0
    time.sleep(0.05)
    assert status(connection, schema, [Tally()])[0].lag_seconds >= 0.05
    catch_up(app, [Tally()])
    (done,) = status(connection, schema, [Tally()])
    assert (done.lag_events, done.lag_seconds, done.position) == (0, 0.0, done.head)


def is_locked(runner: Runner) -> bool:
    """Whether the runner runs its first read model (a call, so type narrowing forgets it)."""
    return runner.generations[0].locked


def _schema_exists(connection: psycopg.Connection[Any], name: str) -> bool:
    row = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone()
    return row is not None
