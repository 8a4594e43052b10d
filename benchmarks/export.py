"""Export benchmark: inzage for a youth with 1,000 events, as JSON and as the Dutch document.

Run with ``make bench BENCH=export``. One youth, one trajectory of 1,000 events (a referral, then
care reports with free text and JIT steps in turn, so half the events carry personal fields the
store protects), snapshots every 50, the caseload built, and a few hundred access-log entries
about the youth among entries about others. Each run is what ``GET
/api/v1/trajectories/{id}/export`` does after its wait: collect (``export_subject``: the
trajectory's events once, the state folded from them, the access log in one query) and render.
The median of the runs replaces the generated section of docs/BENCHMARKS.md; the issue's target
is one second.
"""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import psycopg

from benchmarks.core import _context as context
from benchmarks.core import _refer as refer
from benchmarks.core import _verdict as verdict
from benchmarks.recording import run_and_record
from pga.application import PgaApplication, open_application
from pga.audit.access_log import AccessEntry, append, create_access_log
from pga.rights.export import SubjectExport, export_subject, to_html, to_json
from pga.settings import Settings
from pga.store.database import create_database, drop_database, with_database
from pga.store.subject_keys import KEYS_DATABASE_SUFFIX
from projections.caseload import Caseload
from projections.runner import catch_up

if TYPE_CHECKING:
    from collections.abc import Callable

EVENTS = 1000
RUNS = 15
ACCESS_ENTRIES = 300
#: Entries about other youths, which the access-log query must skip.
OTHER_ENTRIES = 3000
TARGET_SECONDS = 1.0


@dataclass(frozen=True)
class Results:
    """What one benchmark run measured (milliseconds, medians of ``RUNS``)."""

    json_ms: float
    html_ms: float
    collect_ms: float
    json_kib: float
    html_kib: float
    server: str

    def report(self) -> str:
        """Return the results as a Markdown table."""
        rows = [
            (
                f"collect (`export_subject`) for a youth with {EVENTS:,} events",
                f"{self.collect_ms:.0f} ms",
                "",
            ),
            (
                "collect and render as JSON",
                f"{self.json_ms:.0f} ms ({self.json_kib:,.0f} KiB)",
                f"≤ 1 s {verdict(self.json_ms <= TARGET_SECONDS * 1000)}",
            ),
            (
                "collect and render as the HTML document",
                f"{self.html_ms:.0f} ms ({self.html_kib:,.0f} KiB)",
                f"≤ 1 s {verdict(self.html_ms <= TARGET_SECONDS * 1000)}",
            ),
        ]
        lines = [
            (
                f"Measured {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC on {self.server}; "
                f"medians of {RUNS} runs; {ACCESS_ENTRIES} access-log entries about the youth "
                f"among {OTHER_ENTRIES:,} about others."
            ),
            "",
            "| measurement | result | target |",
            "|---|---|---|",
            *(f"| {a} | {b} | {c} |" for a, b, c in rows),
        ]
        return "\n".join(lines)


def _youth(app: PgaApplication) -> UUID:
    """Record one trajectory of ``EVENTS`` events; return its id."""
    trajectory_id = refer(app)
    version = 1
    for number in range(EVENTS - 1):
        if number % 2:
            version = app.record_jit_step(
                context(),
                trajectory_id,
                version,
                kind="straatcontact",
                occurred_on=date(2026, 1, 3),
                incident_on=None,
                parents_present=False,
            ).version
        else:
            version = app.make_care_report(
                context(),
                trajectory_id,
                version,
                made_on=date(2026, 1, 3),
                summary=f"Zorgen over de thuissituatie, melding {number}",
            ).version
    return trajectory_id


def _looks(url: str, schema: str, ids: list[UUID]) -> None:
    """Append access-log entries: ``ACCESS_ENTRIES`` about the youth, the rest about others."""

    def entry(subject: UUID) -> AccessEntry:
        return AccessEntry(
            occurred_at=datetime.now(UTC),
            user="u-bench-02",
            organisation="politie-midden-nederland",
            role="politie",
            on_behalf_of=None,
            subjects=(subject,),
            operation="getTrajectory",
            purpose="uitvoering",
            status=200,
            trace_id=uuid4().hex,
            source="api",
        )

    looks = [entry(ids[number % len(ids)]) for number in range(ACCESS_ENTRIES)]
    looks += [entry(uuid4()) for _ in range(OTHER_ENTRIES)]
    with psycopg.connect(url, autocommit=True) as connection:
        create_access_log(connection, schema)
        for start in range(0, len(looks), 500):
            append(connection, schema, looks[start : start + 500])


def _median_ms(operation: Callable[[], object]) -> float:
    operation()  # warm up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        operation()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run(server_url: str, server: str) -> Results:
    """Run every measurement on a fresh database of ``server_url``."""
    name = f"pga_bench_{secrets.token_hex(4)}"
    create_database(server_url, name)
    url = with_database(server_url, name)
    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    server = f"{server} (PostgreSQL {row[0] if row else '?'}, {os.cpu_count()} CPUs)"
    start = datetime(2026, 1, 10, tzinfo=UTC)
    ticks = iter(range(10**9))
    clock = lambda: start + timedelta(microseconds=next(ticks))  # noqa: E731 - a tiny clock
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                database_url=url,
                database_schema="pga",
                data_dir=Path(data_dir),
                master_key=secrets.token_bytes(32),
                snapshot_interval=50,
                log_level="WARNING",
            )
            with (
                open_application(settings, clock_source=clock) as app,
                psycopg.connect(url, autocommit=True) as connection,
            ):
                trajectory_id = _youth(app)
                catch_up(app, [Caseload()])
                subject_id = app.trajectory(trajectory_id).subject_id
                _looks(url, "pga", [subject_id, trajectory_id])

                def collect() -> SubjectExport:
                    return export_subject(app, connection, "pga", trajectory_id)

                export = collect()
                assert len(export.trajectories[0].events) == EVENTS  # noqa: S101 - else void
                assert len(export.access_log) == ACCESS_ENTRIES  # noqa: S101
                return Results(
                    json_ms=_median_ms(lambda: to_json(collect())),
                    html_ms=_median_ms(lambda: to_html(collect())),
                    collect_ms=_median_ms(collect),
                    json_kib=len(to_json(export)) / 1024,
                    html_kib=len(to_html(export).encode()) / 1024,
                    server=server,
                )
    finally:
        drop_database(server_url, name)
        drop_database(server_url, f"{name}{KEYS_DATABASE_SUFFIX}")


def main() -> None:
    """Run the benchmark, print the results and record them in docs/BENCHMARKS.md."""
    run_and_record("export", run)


if __name__ == "__main__":
    main()
