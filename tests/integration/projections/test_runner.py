"""The projection runner on PostgreSQL: exactly once, poison isolation, locks, swaps, waiting."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import psycopg
import pytest
from psycopg import sql

from pga.domain.trajectory import Regisseur
from projections.control import (
    ReadModelTimeout,
    ReadModelUnavailable,
    digest,
    digest_at,
    rebuild,
    status,
    wait_for,
)
from projections.runner import ProjectionError, Runner, catch_up, schema_name
from tests.integration.projections.conftest import POLITIE, context
from tests.integration.projections.tally import TALLY, Fragile, Tally

if TYPE_CHECKING:
    from pga.application import PgaApplication, Recorded
    from projections.base import Batch


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
        # The server ends the first session (and frees its locks) shortly after the close.
        deadline = time.monotonic() + 5
        while not is_locked(second) and time.monotonic() < deadline:
            second.acquire_locks()
            time.sleep(0.01)
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


def run_in_thread(runner: Runner, **options: Any) -> threading.Thread:  # noqa: ANN401
    thread = threading.Thread(target=runner.run, kwargs=options, daemon=True)
    thread.start()
    return thread


def test_a_stand_by_follows_a_rebuild_another_runner_swapped_in_and_takes_over(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=2)
    catch_up(app, [Tally()])
    with Runner(app, [TallyV2()]) as first, Runner(app, [TallyV2()]) as second:
        first.prepare()
        first.acquire_locks()
        second.prepare()
        second.acquire_locks()
        assert [g.name for g in second.generations] == ["tally (rebuild)"]
        assert not is_locked(second)
        first.run(until_caught_up=True)  # builds version 2 and swaps it in
        first.close()  # then goes away
        recorded = refer(app, 30)
        waiting = run_in_thread(second, until_caught_up=True)
        waiting.join(timeout=15)
        assert not waiting.is_alive(), "the stand-by never noticed the swap"
    (result,) = status(connection, schema, [TallyV2()])
    assert (result.stored_version, result.position) == (2, recorded.position)
    assert_exactly_once(connection, schema, 7)


def test_an_old_runner_steps_back_when_a_newer_version_is_swapped_in(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=2)
    with Runner(app, [Tally()]) as old, Runner(app, [TallyV2()]) as new:
        old.run(until_caught_up=True)  # version 1, holding the live lock
        new.run(until_caught_up=True)  # rebuilds version 2 beside it and swaps it in
        refer(app, 31)
        old.step()  # finds version 2 where it wrote version 1: steps back, lock released
        old.prepare()
        assert old.generations == []
        new.run(until_caught_up=True)  # takes over the live set
        assert is_locked(new)
    (result,) = status(connection, schema, [TallyV2()])
    assert (result.stored_version, result.lag_events) == (2, 0)
    assert_exactly_once(connection, schema, 7)


def test_waiting_to_catch_up_ends_when_another_runner_stopped_at_a_poison_event(
    app: PgaApplication,
) -> None:
    handles = record_events(app, trajectories=2)
    poison = handles[0].position
    with Runner(app, [Fragile(poison)]) as holder, Runner(app, [Fragile(poison)]) as waiter:
        holder.run(until_caught_up=True)  # stops at the poison event, keeps its lock
        waiting = run_in_thread(waiter, until_caught_up=True)
        waiting.join(timeout=10)
        assert not waiting.is_alive()


def test_the_runner_reconnects_after_its_connections_are_cut(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    catch_up(app, [Tally()])
    stop = threading.Event()
    runner = Runner(app, [Tally()])
    follower = run_in_thread(runner, stop=stop)
    try:
        first = refer(app, 1)
        wait_for(connection, schema, "tally", first.position, timeout=5)
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'pga-projections' AND datname = current_database()"
        )
        second = refer(app, 2)
        wait_for(connection, schema, "tally", second.position, timeout=15)
    finally:
        stop.set()
        follower.join(timeout=10)
        runner.close()
    assert_exactly_once(connection, schema, 2)


def test_a_reader_of_the_old_table_set_does_not_hold_up_a_swap(
    app: PgaApplication, schema: str, database_url: str, connection: psycopg.Connection[Any]
) -> None:
    record_events(app, trajectories=2)
    catch_up(app, [Tally()])
    live = schema_name(schema, "tally")
    with psycopg.connect(database_url) as reader:
        reader.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(live, "tally")))
        started = time.perf_counter()
        rebuild(app, [Tally()])  # the reader's transaction is still open
        assert time.perf_counter() - started < 5
        assert _schema_exists(connection, live + "__old")
    catch_up(app, [Tally()])  # the next start drops what the swap left behind
    assert not _schema_exists(connection, live + "__old")
    assert_exactly_once(connection, schema, 6)


class Misnamed(Tally):
    """A read model whose own SQL names a table that does not exist."""

    name: ClassVar[str] = "misnamed"

    def save(self, batch: Batch) -> None:
        """Write, then read a table nobody created."""
        super().save(batch)
        batch.cursor.execute(sql.SQL("SELECT 1 FROM {}").format(batch.table("no_such_table")))


def test_a_missing_table_in_the_read_models_own_sql_is_a_poison_event(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    handles = record_events(app, trajectories=1, arrests=1)
    with pytest.raises(ProjectionError, match="misnamed"):
        catch_up(app, [Misnamed()])
    (result,) = status(connection, schema, [Misnamed()])
    assert result.failure is not None
    assert result.failure.position == handles[0].position - 1  # the first event
    assert result.failure.error.startswith("UndefinedTable")


def test_a_digest_names_the_position_it_was_taken_at(
    app: PgaApplication, schema: str, connection: psycopg.Connection[Any]
) -> None:
    handles = record_events(app, trajectories=2, arrests=0)
    catch_up(app, [Tally()])
    taken = digest_at(connection, schema, Tally())
    assert taken.position == handles[-1].position
    assert taken.value == digest(connection, schema, Tally())


def test_read_model_commits_do_not_wait_for_the_wal_flush_but_events_do(
    app: PgaApplication,
) -> None:
    with Runner(app, [Tally()]) as runner:
        runner_setting = runner.connection.execute("SHOW synchronous_commit").fetchone()
    with app.recorder.datastore.get_connection() as connection:  # type: ignore[attr-defined]
        store_setting = connection.execute("SHOW synchronous_commit").fetchone()

    assert runner_setting is not None
    assert runner_setting[0] == "off"
    assert store_setting is not None
    assert store_setting["synchronous_commit"] == "on"
