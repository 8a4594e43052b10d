"""Read-model benchmark: the rebuild rate over a 200k-event store, its baselines, and freshness.

Run with ``make bench`` (after the core benchmark) or ``python -m benchmarks.projections``. Like
``benchmarks.core``, everything is measured in this one process against one PostgreSQL
(``PGA_BENCH_DATABASE_URL``, else ``PGA_TEST_DATABASE_URL``, else a temporary embedded server),
on a fresh database that is dropped at the end, and the rates are set against baselines measured
in the same run. The results replace the read-model section of docs/BENCHMARKS.md.

The store. ``pga demo`` records about 400 events/s (every command goes through the
application), far too slow for 200,000 events, so one demo data set (seed 7, ~4,400 events) is
recorded into schema ``demo`` and its stored events are then cloned into schema ``bench`` with
COPY, copy after copy, every UUID (originator ids and every id inside the stored JSON) mapped
to a new one per copy with uuid5, so the references between aggregates (``MemberPlaced``'s
trajectory, ``NetworkLinked``'s network) stay consistent within a copy. The clones are not
sealed (no hash chain rows): only the read side is measured here.

What is measured.

* The bare replay: every event read with the library's ``select_notifications`` in pages and
  decoded with the application's mapper, nothing else: the ceiling of a projection built on
  the library's reading. Beside it, the runner's own reading (``Runner.read``: the same query
  in binary, decoding, envelopes) over the same pages, which is what a rebuild pays before any
  read model runs.
* The rebuild of every read model over the same store (``projections.control.rebuild``'s
  runner, see ``_rebuild``), in rounds interleaved with the replays (paired ratios, as in the
  core benchmark), and, in one more rebuild that is not timed, the peak of the Python memory
  it holds (tracemalloc).
* Two one-transaction-per-event baselines over the demo store: our runner at ``batch_size=1``
  with the same read models, and the library's own ``ProjectionRunner`` with a one-table view
  that upserts one row and records its tracking position per event in one transaction.
* Freshness at idle: a runner follows the log in a thread while single commands are issued
  one at a time; for each, the time from the command's return until every read model reports
  having processed its position (``projections.control.wait_for``).

Checks. The store must hold every copy, every replay must read every event, every rebuild must
apply every event to every read model and swap them all in (a poison event fails the run), and
the report says whether batches of 1 and of ``BATCH_SIZE`` built the same content (digests).
"""

from __future__ import annotations

import math
import os
import re
import resource
import secrets
import statistics
import threading
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg import sql

from benchmarks.recording import run_and_record
from pga.application import PgaApplication
from pga.demo import demo_application_options, generate
from pga.domain.catalogue import PartnerRole
from pga.domain.trajectory import Regisseur
from pga.recording import Actor, CommandContext
from pga.store.database import (
    EVENTS_TABLE,
    create_database,
    drop_database,
    ensure_schema,
    eventsourcing_env,
    with_database,
)
from pga.store.mapper import PlaintextProtector
from pga.store.subject_keys import KEYS_DATABASE_SUFFIX
from projections import read_models
from projections.control import digest, wait_for
from projections.runner import ProjectionError, Runner, head

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from eventsourcing.domain import DomainEventProtocol
    from eventsourcing.persistence import Tracking

    from pga.application import Recorded
    from projections.base import ReadModel

SEED = 7
TARGET_EVENTS = 200_000
BATCH_SIZE = 5_000
ROUNDS = 3
FRESHNESS_COMMANDS = 300
FRESHNESS_PAUSE_SECONDS = 0.01
WAIT_TIMEOUT_SECONDS = 10.0
DEMO_SCHEMA = "demo"
BENCH_SCHEMA = "bench"

#: A canonical (lower-case, hyphenated) UUID, as msgspec and PostgreSQL write them.
_UUID = re.compile(rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_CLONE_NAMESPACE = uuid.UUID("0b1c6a52-5d0e-4f43-9a3e-6f1f3c0d2b71")
_TARGETS = {"rebuild_rate": 20_000, "versus_one_per_event": 10, "freshness_p99_ms": 100}

# --- the store ---


@dataclass(frozen=True)
class StoredRow:
    """One stored event of the demo store, its JSON cut at every UUID (odd items are UUIDs)."""

    originator_id: bytes
    version: int
    topic: str
    pieces: list[bytes]


#: The read models' throughput is measured on personal values kept in the clear: the clone
#: remaps every id in the stored documents, which per-subject encryption binds its values to
#: (the cost of that encryption on commands is measured by benchmarks/core.py).
CLEAR = PlaintextProtector()


def _generate_demo(url: str, schema: str) -> int:
    """Record the demo data set (seed ``SEED``) through the application; return its events."""
    env = eventsourcing_env(url, schema)
    with PgaApplication(env, protector=CLEAR, **demo_application_options(SEED)) as app:
        return generate(app, seed=SEED).events


def _demo_rows(connection: psycopg.Connection[Any], schema: str) -> list[StoredRow]:
    rows = connection.execute(
        sql.SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}"
            " ORDER BY notification_id"
        ).format(sql.Identifier(schema, EVENTS_TABLE))
    ).fetchall()
    return [
        StoredRow(str(row[0]).encode(), int(row[1]), str(row[2]), _UUID.split(bytes(row[3])))
        for row in rows
    ]


def _clone(url: str, source: str, target: str, copies: int) -> int:
    """COPY ``copies`` copies of ``source``'s events into ``target``, UUIDs remapped per copy."""
    with psycopg.connect(url) as connection:
        rows = _demo_rows(connection, source)
        uuids = {row.originator_id for row in rows} | {
            piece for row in rows for piece in row.pieces[1::2]
        }
        statement = sql.SQL(
            "COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(sql.Identifier(target, EVENTS_TABLE))
        with connection.cursor() as cursor:
            for copy_number in range(copies):
                namespace = uuid.uuid5(_CLONE_NAMESPACE, f"copy-{copy_number}")
                mapped = {old: uuid.uuid5(namespace, old.decode()) for old in uuids}
                text = {old: str(new).encode() for old, new in mapped.items()}
                with cursor.copy(statement) as copy:
                    copy.set_types(["uuid", "int8", "text", "bytea"])
                    for row in rows:
                        pieces = row.pieces.copy()
                        pieces[1::2] = [text[piece] for piece in row.pieces[1::2]]
                        copy.write_row(
                            (mapped[row.originator_id], row.version, row.topic, b"".join(pieces))
                        )
        connection.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(target, EVENTS_TABLE)))
        counted = connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(target, EVENTS_TABLE))
        ).fetchone()
    return int(counted[0]) if counted else 0


# --- replay and rebuild ---


def _replay(app: PgaApplication, page: int) -> tuple[int, float]:
    """Read and decode every stored event, nothing else; return (events, seconds)."""
    select = app.recorder.select_notifications
    to_domain_event = app.mapper.to_domain_event
    position, events = 0, 0
    started = time.perf_counter()
    while notifications := select(start=position, limit=page, inclusive_of_start=False):
        for notification in notifications:
            to_domain_event(notification)
        events += len(notifications)
        position = notifications[-1].id
    return events, time.perf_counter() - started


def _runner_read(app: PgaApplication, page: int) -> tuple[int, float]:
    """Read every event as the runner does (query, decode, envelope); return (events, seconds)."""
    with Runner(app, []) as runner:
        position, events = 0, 0
        started = time.perf_counter()
        while envelopes := runner.read(position, page)[0]:
            events += len(envelopes)
            position = envelopes[-1].position
        return events, time.perf_counter() - started


def _rebuild(app: PgaApplication, models: list[ReadModel], batch_size: int, events: int) -> float:
    """Rebuild ``models`` from zero beside the live ones and swap them in; return seconds.

    This is ``projections.control.rebuild`` (the same runner, mode and batches), with two more
    checks: every read model was swapped in and applied every event exactly once.
    """
    started = time.perf_counter()
    with Runner(app, models, mode="rebuild", batch_size=batch_size) as runner:
        result = runner.run(until_caught_up=True)
        swapped = not any(generation.next_generation for generation in runner.generations)
    elapsed = time.perf_counter() - started
    if result.poisoned or not swapped:
        msg = (
            f"the rebuild stopped at a poison event ({', '.join(result.poisoned)}) or never swapped"
        )
        raise ProjectionError(msg)
    if result.applied != events * len(models):
        msg = f"the rebuild applied {result.applied} events, not {events} to each of {len(models)}"
        raise AssertionError(msg)
    return elapsed


def _rebuild_peak_mib(
    app: PgaApplication, models: list[ReadModel], batch_size: int, events: int
) -> float:
    """Rebuild once more under tracemalloc; return the peak of Python memory it held (MiB)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()
        _rebuild(app, models, batch_size, events)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - baseline) / 2**20


def _max_rss_mib() -> float:
    """Return the peak resident size of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the one-transaction-per-event baselines ---


class LibraryView(PostgresTrackingRecorder):
    """The library's materialised view as its documentation builds one: one table, one upsert.

    Each event upserts one row (per aggregate: its kind, event count and last position) and
    records the tracking position, in one transaction: one commit per event.
    """

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:  # noqa: ANN401 - the library's signature
        super().__init__(datastore, **kwargs)
        table = sql.Identifier(self.datastore.schema, "library_baseline")
        self.sql_create_statements.append(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (aggregate_id uuid PRIMARY KEY,"
                " kind text NOT NULL, events integer NOT NULL, position bigint NOT NULL)"
            ).format(table)
        )
        self.upsert_statement = (
            sql.SQL(
                "INSERT INTO {0} AS t VALUES (%s, %s, 1, %s) ON CONFLICT (aggregate_id)"
                " DO UPDATE SET kind = EXCLUDED.kind, events = t.events + 1,"
                " position = EXCLUDED.position"
            )
            .format(table)
            .as_string()
        )

    def upsert(self, event: DomainEventProtocol[uuid.UUID], tracking: Tracking) -> None:
        """Apply one event and record its position, in one transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self.upsert_statement,
                (event.originator_id, type(event).__name__, tracking.notification_id),
            )
            self._insert_tracking(cursor, tracking)


class LibraryProjection(Projection[LibraryView]):
    """The library's ``Projection`` over every pga event, writing to ``LibraryView``."""

    name = "library_baseline"

    def process_event(
        self, domain_event: DomainEventProtocol[uuid.UUID], tracking: Tracking
    ) -> None:
        """Upsert the event's row and record its position."""
        self.view.upsert(domain_event, tracking)


def _library_runner(url: str, schema: str, head: int) -> float:
    """Run the library's ``ProjectionRunner`` over ``schema`` until it reaches ``head``; seconds."""
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=PgaApplication,
        projection_class=LibraryProjection,
        view_class=LibraryView,
        env=eventsourcing_env(url, schema),
    ) as runner:
        runner.wait(head, timeout=600)
        return time.perf_counter() - started


# --- freshness ---


def _context() -> CommandContext:
    return CommandContext(
        actor=Actor(
            user="u-politie-01",
            organisation="politie-midden-nederland",
            role=PartnerRole.POLITIE,
        ),
        correlation_id=uuid.uuid4(),
    )


def _command(app: PgaApplication, number: int, previous: Recorded | None) -> Recorded:
    """Issue one command: refer a new youth (even numbers) or record an arrest on the last one."""
    if previous is None or number % 2 == 0:
        return app.refer(
            _context(),
            given_name="Benchjongere",
            family_name=f"Voorbeeld{number}",
            born_on=date(2010, 6, 1),
            offence_category="straatroof",
            suspected_on=date(2026, 1, 1),
            referred_on=date(2026, 1, 2),
            police_reference=f"PL-BENCH-{number:05d}",
            referring_organisation="politie-midden-nederland",
            regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
        )
    return app.record_arrest(
        _context(),
        previous.aggregate_id,
        previous.version,
        arrested_on=date(2026, 1, 5),
        offence_category="diefstal",
        police_reference=f"PL-BENCH-{number:05d}",
    )


def _wait_for_all(connection: psycopg.Connection[Any], names: Sequence[str], position: int) -> None:
    for name in names:
        wait_for(connection, BENCH_SCHEMA, name, position, timeout=WAIT_TIMEOUT_SECONDS)


def _freshness(url: str, app: PgaApplication, models: list[ReadModel]) -> list[float]:
    """Follow the log with a runner; time each single command's event until it is visible."""
    names = [model.name for model in models]
    stop = threading.Event()
    runner = Runner(app, models)
    thread = threading.Thread(target=runner.run, kwargs={"stop": stop}, name="bench-runner")
    latencies: list[float] = []
    with psycopg.connect(url, autocommit=True) as connection:
        thread.start()
        try:
            _wait_for_all(connection, names, head(connection, BENCH_SCHEMA))
            previous: Recorded | None = None
            for number in range(FRESHNESS_COMMANDS):
                time.sleep(FRESHNESS_PAUSE_SECONDS)  # idle: the runner is back waiting
                previous = _command(app, number, previous)
                returned = time.perf_counter()
                _wait_for_all(connection, names, previous.position)
                latencies.append(time.perf_counter() - returned)
        finally:
            stop.set()
            thread.join()
            runner.close()
    return latencies


# --- results ---


@dataclass(frozen=True)
class Results:
    """What one benchmark run measured (durations in seconds)."""

    server: str
    models: list[str]
    batch_size: int
    demo_events: int
    demo_seconds: float
    copies: int
    store_events: int
    clone_seconds: float
    replay_seconds: list[float]
    runner_read_seconds: list[float]
    rebuild_seconds: list[float]
    rebuild_peak_mib: float
    max_rss_mib: float
    per_event_seconds: float
    library_seconds: float
    same_content: bool
    freshness: list[float]

    def rates(self, seconds: list[float]) -> list[float]:
        """Return events per second over the store for each round's duration."""
        return [self.store_events / each for each in seconds]

    def rebuild_rate(self) -> float:
        """Return the median rebuild rate (events per second, every read model built)."""
        return statistics.median(self.rates(self.rebuild_seconds))

    def replay_ratios(self) -> list[float]:
        """Each round's rebuild rate as a fraction of the bare replay measured next to it."""
        return [
            replay / rebuild
            for rebuild, replay in zip(self.rebuild_seconds, self.replay_seconds, strict=True)
        ]

    def percentile_ms(self, fraction: float) -> float:
        """Return a freshness percentile in milliseconds (nearest rank)."""
        ordered = sorted(self.freshness)
        rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
        return ordered[rank - 1] * 1000

    def rows(self) -> list[tuple[str, str, str, str]]:
        """Return the report's table rows: measurement, result, ratio, target."""
        rebuild = self.rebuild_rate()
        replay = statistics.median(self.rates(self.replay_seconds))
        reading = statistics.median(self.rates(self.runner_read_seconds))
        per_event = self.demo_events / self.per_event_seconds
        library = self.demo_events / self.library_seconds
        ratios = self.replay_ratios()
        times = _TARGETS["versus_one_per_event"]
        count = len(self.models)
        store = f"{self.store_events:,} events"
        demo = f"the {self.demo_events:,}-event demo store"
        p99 = self.percentile_ms(0.99)
        freshness = " / ".join(
            f"{self.percentile_ms(fraction):.1f}" for fraction in (0.5, 0.9, 0.99, 1.0)
        )
        return [
            (
                (
                    f"bare library replay, {store}: `select_notifications` in pages of "
                    f"{self.batch_size:,}, `mapper.to_domain_event` each, nothing else"
                ),
                f"{replay:,.0f} events/s",
                "1.00 (baseline)",
                "",
            ),
            (
                (
                    f"the runner's reading alone, {store}: the same pages, in binary, decoded into "
                    "envelopes (`Runner.read`)"
                ),
                f"{reading:,.0f} events/s",
                f"{reading / replay:.2f}",
                "(for information)",
            ),
            (
                f"**rebuild of all {count} read models**, {store}, batches of {self.batch_size:,}",
                f"**{rebuild:,.0f} events/s**",
                f"{statistics.median(ratios):.2f} (rounds {min(ratios):.2f} to {max(ratios):.2f})",
                (
                    f"≥ {_TARGETS['rebuild_rate']:,} events/s "
                    f"{_verdict(rebuild >= _TARGETS['rebuild_rate'])}"
                ),
            ),
            (
                (
                    "our runner at `batch_size=1` (one transaction per event and read model), "
                    f"the same {count} read models, {demo}"
                ),
                f"{per_event:,.0f} events/s",
                f"rebuild {rebuild / per_event:,.0f} times faster",
                f"≥ {times} times {_verdict(rebuild >= times * per_event)}",
            ),
            (
                (
                    "the library's `ProjectionRunner`: one view, one upsert + tracking per "
                    f"event in one transaction, {demo}"
                ),
                f"{library:,.0f} events/s",
                f"rebuild {rebuild / library:,.0f} times faster",
                f"≥ {times} times {_verdict(rebuild >= times * library)}",
            ),
            (
                (
                    "peak Python memory held by a rebuild (tracemalloc, one more untimed "
                    "rebuild) / peak resident size of the whole benchmark process"
                ),
                f"{self.rebuild_peak_mib:,.0f} / {self.max_rss_mib:,.0f} MiB",
                "",
                "",
            ),
            (
                (
                    "freshness at idle: command returned → processed by every read model "
                    f"(`wait_for` each), p50 / p90 / p99 / max of {len(self.freshness)} commands"
                ),
                f"{freshness} ms",
                "",
                (
                    f"p99 ≤ {_TARGETS['freshness_p99_ms']} ms "
                    f"{_verdict(p99 <= _TARGETS['freshness_p99_ms'])}"
                ),
            ),
        ]

    def report(self) -> str:
        """Return the results as a Markdown table."""
        content = "the same" if self.same_content else "DIFFERENT"
        lines = [
            (
                f"Measured {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC on {self.server}. Read "
                f"models: {', '.join(self.models)}. The store: the demo data set (seed {SEED}, "
                f"{self.demo_events:,} events, recorded through the application in "
                f"{self.demo_seconds:.1f} s) cloned {self.copies} times with COPY "
                f"({self.clone_seconds:.1f} s), every UUID remapped per copy; the clones are "
                "not sealed (only the read side is measured). Replay, reading and rebuild rates "
                f"are medians of {len(self.rebuild_seconds)} interleaved rounds, ratios the "
                f"median of the per-round ratios. Batches of 1 and of {self.batch_size:,} over "
                f"the demo store built {content} content (digests)."
            ),
            "",
            "| measurement | result | ratio | target |",
            "|---|---|---|---|",
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows()),
        ]
        return "\n".join(lines)


def _verdict(met: bool) -> str:  # noqa: FBT001 - reads as a predicate
    return "met" if met else "NOT met"


# --- the run ---


def _digests(url: str, schema: str, models: Sequence[ReadModel]) -> list[str]:
    with psycopg.connect(url, autocommit=True) as connection:
        return [digest(connection, schema, model) for model in models]


def _timed(operation: Callable[[], object]) -> float:
    started = time.perf_counter()
    operation()
    return time.perf_counter() - started


@dataclass(frozen=True)
class _Baselines:
    demo_events: int
    per_event_seconds: float
    library_seconds: float
    same_content: bool


def _baselines(url: str, models: Callable[[], list[ReadModel]], batch_size: int) -> _Baselines:
    """Measure the one-transaction-per-event runners over the demo store; compare contents."""
    with PgaApplication(eventsourcing_env(url, DEMO_SCHEMA), protector=CLEAR) as app:
        events = app.recorder.max_notification_id() or 0
        per_event_seconds = _rebuild(app, models(), 1, events)
        one_by_one = _digests(url, DEMO_SCHEMA, models())
        _rebuild(app, models(), batch_size, events)
        same_content = _digests(url, DEMO_SCHEMA, models()) == one_by_one
    library_seconds = _library_runner(url, DEMO_SCHEMA, events)
    return _Baselines(events, per_event_seconds, library_seconds, same_content)


def _rounds(
    app: PgaApplication, models: Callable[[], list[ReadModel]], batch_size: int, events: int
) -> tuple[list[float], list[float], list[float]]:
    """Time replay, runner reading and rebuild in interleaved rounds; return their seconds."""
    replays: list[float] = []
    readings: list[float] = []
    rebuilds: list[float] = []
    for round_number in range(ROUNDS):
        # Alternate which goes first, so a drifting machine favours neither.
        if round_number % 2:
            rebuilds.append(_rebuild(app, models(), batch_size, events))
        for seconds, measure in ((replays, _replay), (readings, _runner_read)):
            read, elapsed = measure(app, batch_size)
            if read != events:
                msg = f"a replay read {read} events, not {events}"
                raise AssertionError(msg)
            seconds.append(elapsed)
        if not round_number % 2:
            rebuilds.append(_rebuild(app, models(), batch_size, events))
    return replays, readings, rebuilds


def run(
    server_url: str,
    server: str,
    *,
    models: Callable[[], list[ReadModel]] = read_models,
    batch_size: int = BATCH_SIZE,
) -> Results:
    """Run every measurement on a fresh database of ``server_url``, dropped afterwards.

    ``models`` makes a fresh instance of every read model to measure (all of pga's).
    """
    name = f"pga_bench_{secrets.token_hex(4)}"
    create_database(server_url, name)
    url = with_database(server_url, name)
    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    server = f"{server} (PostgreSQL {row[0] if row else '?'}, {os.cpu_count()} CPUs)"
    try:
        for schema in (DEMO_SCHEMA, BENCH_SCHEMA):
            ensure_schema(url, schema)
        demo_seconds = _timed(lambda: _generate_demo(url, DEMO_SCHEMA))
        baselines = _baselines(url, models, batch_size)
        start = datetime(2026, 12, 1, tzinfo=UTC)
        ticks = iter(range(10**9))
        clock = lambda: start + timedelta(microseconds=next(ticks))  # noqa: E731 - a tiny clock
        # Built before the clone: it creates the events table the clone is copied into.
        with PgaApplication(
            eventsourcing_env(url, BENCH_SCHEMA), clock_source=clock, protector=CLEAR
        ) as app:
            copies = -(-TARGET_EVENTS // baselines.demo_events)
            started = time.perf_counter()
            events = _clone(url, DEMO_SCHEMA, BENCH_SCHEMA, copies)
            clone_seconds = time.perf_counter() - started
            if events != copies * baselines.demo_events:
                msg = f"the store holds {events} events, not {copies} copies"
                raise AssertionError(msg)
            replays, readings, rebuilds = _rounds(app, models, batch_size, events)
            peak_mib = _rebuild_peak_mib(app, models(), batch_size, events)
            freshness = _freshness(url, app, models())
    finally:
        drop_database(server_url, name)
        drop_database(server_url, f"{name}{KEYS_DATABASE_SUFFIX}")
    return Results(
        server=server,
        models=[model.name for model in models()],
        batch_size=batch_size,
        demo_events=baselines.demo_events,
        demo_seconds=demo_seconds,
        copies=copies,
        store_events=events,
        clone_seconds=clone_seconds,
        replay_seconds=replays,
        runner_read_seconds=readings,
        rebuild_seconds=rebuilds,
        rebuild_peak_mib=peak_mib,
        max_rss_mib=_max_rss_mib(),
        per_event_seconds=baselines.per_event_seconds,
        library_seconds=baselines.library_seconds,
        same_content=baselines.same_content,
        freshness=freshness,
    )


def main() -> None:
    """Run the benchmark, print the results and record them in docs/BENCHMARKS.md."""
    run_and_record("projections", run)


if __name__ == "__main__":
    main()
