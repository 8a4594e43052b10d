"""HTTP benchmark: the served API under 32 concurrent clients, against baselines in the same run.

Run with ``python -m benchmarks.api`` (``--help`` lists the knobs for short development runs).
Like the other benchmarks it runs against one PostgreSQL (``PGA_BENCH_DATABASE_URL``, else
``PGA_TEST_DATABASE_URL``, else a temporary embedded server) on a fresh database that is dropped
at the end, and its results replace the HTTP section of docs/BENCHMARKS.md.

The servers. The real app (``pga.api.server:app``, what ``pga serve`` runs: lifespan, read-model
pool and projection runner in every worker) is served by uvicorn in a subprocess, ``--workers``
of them (default 2), access log off, configured through ``PGA_*`` variables (a fresh database,
schema ``pga``, a random ``PGA_JWT_SECRET``, otherwise the defaults). A trivial Litestar app
(``GET /ping``: a tiny JSON, no auth, no database; the factory ``ping_app``) is served the same
way with the same workers, as the ceiling of the HTTP stack. The real app once more, without the
access log (the factory ``unlogged_app``: ``asgi(settings, log_access=False)``, the baseline of
issue 6), is served the same way with the same workers and environment, so on the same database
and read models; it is started once the real app answers (which creates the schema, the read
models and the access log's table), with ``PGA_SERVE_PROJECTIONS=false``, so the real app's
runner is the only one that projects and the two differ only in the access log.

The client. One separate process runs 32 clients as asyncio tasks, each over its own keep-alive
connection, writing HTTP/1.1 requests and reading the answers itself (status, ``ETag``,
``Content-Length`` body; nothing else is parsed). httpx's ``AsyncClient`` was the first choice
but measured itself: about 600 requests/s and 1.6 ms of client CPU per request at 32 concurrent
tasks on this machine, against about 15 µs per request for the plain client; ``wrk`` is not
required. A phase opens its connections before the clock starts, then every client sends its next
request as soon as the previous one is answered until the phase's seconds are over; the rate is
the answers over the time until the last one arrived, the latencies are per request. The workers
of a server share one listening socket and whichever wakes first accepts, so a phase's
connections often landed unevenly (up to all 32 on one worker, whose core and GIL then bound the
rate while the other idled: a random factor of up to two between phases); so before the clock
starts, each connection's worker is looked up in /proc (``_spread``) and connections beyond a
worker's share are replaced until every worker has its share.

What is measured, in this order:

* Seeding: ``--caseload`` trajectories referred over HTTP, then the police
  (``politie-midden-nederland``, role ``politie``) involved in every one of them, also over HTTP
  (``POST /api/v1/trajectories/{id}/partners`` with ``If-Match``; not timed; the caseload and
  the ``partner_views`` read models then hold exactly those trajectories during the reads).
* Read rounds, interleaved (the order reverses every other round): ``GET /ping`` on the trivial
  app, ``GET /health/live`` on the real app (its HTTP stack without auth or database, for
  information), ``GET /api/v1/trajectories?pageSize=50`` (the caseload list) and
  ``GET /api/v1/trajectories/{id}`` (each client cycles through the seeded trajectories), both as
  the regisseur (the full representation: the caseload read model, the aggregate) and as the
  police (its own view: the ``partner_views`` read model; the single trajectory also loads the
  aggregate to check that the police is involved now). Same URLs, a different token. The
  regisseur's list, the regisseur's single trajectory and the police's single trajectory also
  run on the app without the access log, each right after its logged counterpart (the kinds
  ``*-unlogged``). Before the timed warm-up every worker of both real apps reads every seeded
  trajectory (a sweep over connections spread evenly, ``Phase.sweep``), so every worker of both
  has all of them in its aggregate cache. The app without the log builds no entries at all
  (``pga.api.access`` leaves them out when there is no writer), so the difference is the whole
  log: the entry, its queueing, the writer and PostgreSQL's share.
* Write rounds, interleaved: the bare eventsourcing library's single-thread ``save()`` of a new
  one-event aggregate (``benchmarks.core``'s baseline, in this process, while the servers idle),
  ``POST /api/v1/trajectories`` (refer: creates a trajectory) and
  ``POST /api/v1/trajectories/{id}/arrests`` with ``If-Match`` (each client owns one trajectory
  and sends the ``ETag`` of its previous answer, so no command conflicts; the police is involved
  in it, so ``partner_views`` projects its arrests too). After every HTTP write phase the
  benchmark waits (untimed) until every read model has processed the last event, so no phase
  pays for the projection of the one before.

Ratios are the median of the per-round ratios to the baseline measured in the same round (paired,
as in the core benchmark); the access log's cost is the ratio of each logged read to the same read
without the log (target ≥ 0.90: the log may cost at most 10 % of read throughput). The CPU each
request cost is read from ``/proc`` around every phase: the client process, the server processes
(all three uvicorn trees), and the rest of the machine (PostgreSQL, and anything else that ran).

Checks: every answer must have the expected status (any other fails the run; a partner's 404
would measure the refusal, not its view), every partner's single trajectory must be its
``"access":"involved"`` view, both lists must answer a full page and the seeded total, and a
single trajectory its own id (the reads without the log alike). Around every HTTP phase (untimed)
the benchmark counts the rows of ``pga.pga_access_log``: each answer of a logged read must have
added exactly one entry, and every phase on the app without the log, the trivial app and
``/health/live`` none, so the comparison cannot silently measure the same app twice. The
commands' entries are counted and reported, not checked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import importlib.metadata
import importlib.util
import math
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import psycopg
from psycopg import sql

from benchmarks.core import BareApplication, Referral
from benchmarks.recording import run_and_record
from pga.api.auth import issue_token, verification_keys
from pga.audit.access_log import TABLE as ACCESS_LOG
from pga.domain.catalogue import PartnerRole
from pga.settings import Settings
from pga.store.database import (
    create_database,
    drop_database,
    ensure_schema,
    eventsourcing_env,
    with_database,
)
from pga.store.subject_keys import KEYS_DATABASE_SUFFIX
from projections import read_models
from projections.control import wait_for
from projections.runner import head

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from multiprocessing.connection import Connection

    from litestar import Litestar
    from litestar.types import ASGIApp

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SCHEMA = "pga"
CLIENTS = 32
WORKERS = 2
ROUNDS = 9
PHASE_SECONDS = 2.0
CASELOAD = 1000
BARE_OPERATIONS = 300
WARM_UP_SECONDS = 0.5
PAGE_SIZE = 50
START_TIMEOUT_SECONDS = 90.0
CATCH_UP_TIMEOUT_SECONDS = 120.0
USER = "u-regie-01"
MUNICIPALITY = "gemeente-almere"
#: The partner whose views are measured beside the regisseur's: involved in every seeded case.
PARTNER_USER = "u-politie-01"
PARTNER_ORGANISATION = "politie-midden-nederland"
PARTNER_ROLE = PartnerRole.POLITIE
PARTNER_VIEWS = "partner_views"
#: The issue's targets: commands at least the bare single-thread save() rate with p99 ≤ 50 ms,
#: reads at least half the trivial endpoint's rate.
COMMAND_RATIO_TARGET = 1.0
COMMAND_P99_TARGET_MS = 50.0
READ_RATIO_TARGET = 0.5
#: The access log's target (issue 6): a read with the log at least 90 % of the same read without.
ACCESS_LOG_RATIO_TARGET = 0.9

#: The reads measured on the app without the access log, each with its logged counterpart.
UNLOGGED = {"list-unlogged": "list", "get-unlogged": "get", "partner-get-unlogged": "partner-get"}
#: Each unlogged read right after its logged counterpart, so the pair runs side by side.
READ_KINDS = (
    "ping",
    "live",
    "list",
    "list-unlogged",
    "partner-list",
    "get",
    "get-unlogged",
    "partner-get",
    "partner-get-unlogged",
)
#: The reads whose every answer must append exactly one access-log entry.
LOGGED_READS = ("list", "partner-list", "get", "partner-get")
WRITE_KINDS = ("bare", "refer", "arrest")
_EXPECTED_STATUS = {
    "ping": 200,
    "live": 200,
    "list": 200,
    "list-unlogged": 200,
    "partner-list": 200,
    "get": 200,
    "get-unlogged": 200,
    "partner-get": 200,
    "partner-get-unlogged": 200,
    "refer": 201,
    "involve": 200,
    "arrest": 200,
}
#: What every answer of a kind must contain (a partner's former view is a 200 too).
_EXPECTED_CONTENT = {
    "partner-get": b'"access":"involved"',
    "partner-get-unlogged": b'"access":"involved"',
}
_REFERRAL = msgspec.json.encode(
    {
        "givenName": "Benchjongere",
        "familyName": "Voorbeeld",
        "bornOn": "2010-06-01",
        "offenceCategory": "straatroof",
        "suspectedOn": "2026-01-01",
        "referredOn": "2026-01-02",
        "policeReference": "PL-BENCH-0001",
        "referringOrganisation": "politie-midden-nederland",
        "regisseur": {"userId": USER, "organisation": MUNICIPALITY},
    }
)
_INVOLVEMENT = msgspec.json.encode(
    {
        "organisation": PARTNER_ORGANISATION,
        "role": PARTNER_ROLE.value,
        "legalBasis": "wpg_art_20",
        "since": "2026-01-02",
    }
)
_ARREST = msgspec.json.encode(
    {"arrestedOn": "2026-01-05", "offenceCategory": "diefstal", "policeReference": "PL-BENCH-0002"}
)


# --- the served apps (uvicorn factories, one call per worker process) ---


def ping_app() -> Litestar:
    """Build the trivial app: ``GET /ping`` answers a tiny JSON, no auth, no database."""
    from litestar import Litestar, get  # noqa: PLC0415 - only the server processes need it

    @get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[ping], logging_config=None)


def unlogged_app() -> ASGIApp:
    """Build the real app as served, but without the access log (the baseline of issue 6)."""
    from pga.api.app import asgi  # noqa: PLC0415 - only the server processes need it

    return asgi(Settings.from_env(), log_access=False)


# --- configuration and results ---


@dataclass(frozen=True)
class Options:
    """How long and how hard the benchmark runs."""

    workers: int = WORKERS
    clients: int = CLIENTS
    rounds: int = ROUNDS
    seconds: float = PHASE_SECONDS
    caseload: int = CASELOAD
    bare_operations: int = BARE_OPERATIONS


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds spent during a phase: the client, the server processes, the whole machine."""

    client: float = 0.0
    servers: float = 0.0
    machine: float = 0.0

    def __sub__(self, other: CpuUse) -> CpuUse:
        """Return the CPU spent between two samples."""
        return CpuUse(
            self.client - other.client, self.servers - other.servers, self.machine - other.machine
        )


@dataclass(frozen=True)
class Phase:
    """One phase of the load generator: a kind of request for some seconds or a count."""

    kind: str
    seconds: float = 0.0
    count: int = 0
    """When set: send this many requests in all (spread over the clients), not for seconds."""
    seed: bool = False
    """A refer phase whose trajectories become the ones reads, involvements and arrests use."""
    sweep: bool = False
    """A single-trajectory read in which every worker of the server reads every seeded one."""


@dataclass(frozen=True)
class PhaseResult:
    """What one phase measured."""

    kind: str
    operations: int
    seconds: float
    latencies: list[float]
    cpu: CpuUse
    sample: bytes = b""
    """The last answer's body (for the checks)."""
    created: list[str] = field(default_factory=list)
    """The trajectories a seeding phase created."""
    replaced: int = 0
    """Connections replaced before the phase to spread them evenly over the server's workers."""
    error: str = ""

    @property
    def rate(self) -> float:
        """Operations per second."""
        return self.operations / self.seconds


@dataclass
class Measurement:
    """Every round of one kind of operation."""

    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    operations: int = 0
    cpu: CpuUse = field(default_factory=CpuUse)
    access_log_entries: int = 0
    """The access-log entries written during the rounds (counted around each, untimed)."""
    replaced: int = 0
    """Connections replaced to spread the rounds' connections evenly over the workers."""

    def add(self, result: PhaseResult, access_log_entries: int = 0) -> None:
        """Add one round's result and the access-log entries written meanwhile."""
        self.rates.append(result.rate)
        self.latencies.extend(result.latencies)
        self.operations += result.operations
        self.access_log_entries += access_log_entries
        self.replaced += result.replaced
        self.cpu = CpuUse(
            self.cpu.client + result.cpu.client,
            self.cpu.servers + result.cpu.servers,
            self.cpu.machine + result.cpu.machine,
        )

    @property
    def rate(self) -> float:
        """The median rate of the rounds."""
        return statistics.median(self.rates)

    def percentile_ms(self, percent: float) -> float:
        """Return a latency percentile in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        rank = max(math.ceil(percent / 100 * len(ordered)), 1)
        return ordered[rank - 1] * 1000

    def cpu_per_request_us(self) -> tuple[float, float, float]:
        """Return CPU µs per request: client, servers, rest of the machine."""
        if not self.operations:
            return (0.0, 0.0, 0.0)
        scale = 1e6 / self.operations
        rest = self.cpu.machine - self.cpu.client - self.cpu.servers
        return (self.cpu.client * scale, self.cpu.servers * scale, max(rest, 0.0) * scale)


@dataclass(frozen=True)
class Results:
    """What one benchmark run measured."""

    options: Options
    server: str
    stack: str
    measurements: dict[str, Measurement]
    seconds: float

    def ratios(self, kind: str, baseline: str) -> list[float]:
        """Return the per-round ratios of ``kind`` to ``baseline`` (paired by round)."""
        return [
            rate / base
            for rate, base in zip(
                self.measurements[kind].rates, self.measurements[baseline].rates, strict=True
            )
        ]

    def ratio(self, kind: str, baseline: str) -> tuple[float, str]:
        """Return the median per-round ratio and the spread of the rounds."""
        ratios = self.ratios(kind, baseline)
        return statistics.median(ratios), f"rounds {min(ratios):.2f} to {max(ratios):.2f}"

    def _http_result(self, kind: str) -> str:
        measured = self.measurements[kind]
        return (
            f"{measured.rate:,.0f} req/s; p50 {measured.percentile_ms(50):.1f} ms, "
            f"p99 {measured.percentile_ms(99):.1f} ms"
        )

    def _command_row(self, kind: str, label: str) -> tuple[str, ...]:
        ratio, spread = self.ratio(kind, "bare")
        p99 = self.measurements[kind].percentile_ms(99)
        met = ratio >= COMMAND_RATIO_TARGET and p99 <= COMMAND_P99_TARGET_MS
        return (
            label,
            self._http_result(kind),
            f"{ratio:.2f} ({spread})",
            f"≥ {COMMAND_RATIO_TARGET:.1f} and p99 ≤ {COMMAND_P99_TARGET_MS:.0f} ms",
            _verdict(met),
        )

    def _read_row(self, kind: str, label: str) -> tuple[str, ...]:
        ratio, spread = self.ratio(kind, "ping")
        return (
            label,
            self._http_result(kind),
            f"{ratio:.3f} ({spread})",
            f"≥ {READ_RATIO_TARGET:.2f}",
            _verdict(ratio >= READ_RATIO_TARGET),
        )

    def report(self) -> str:
        """Return the results as Markdown tables."""
        options = self.options
        bare = self.measurements["bare"]
        live_ratio, live_spread = self.ratio("live", "ping")
        rows = [
            (
                "bare library `save()` of a new 1-event aggregate, one thread (the baseline)",
                f"{bare.rate:,.0f} ops/s",
                "1.00 (baseline)",
                "",
                "",
            ),
            self._command_row("refer", "`POST /api/v1/trajectories` (refer: creates a trajectory)"),
            self._command_row(
                "arrest",
                "`POST /api/v1/trajectories/{id}/arrests` with `If-Match` (load + decide + save)",
            ),
            (
                "`GET /ping` on a trivial Litestar app (baseline of the reads)",
                self._http_result("ping"),
                "1.00 (baseline)",
                "",
                "",
            ),
            (
                "`GET /health/live` on the real app (its HTTP stack, no auth, no database)",
                self._http_result("live"),
                f"{live_ratio:.2f} ({live_spread})",
                "(for information)",
                "",
            ),
            self._read_row(
                "list",
                f"`GET /api/v1/trajectories?pageSize={PAGE_SIZE}` (caseload of "
                f"{options.caseload:,})",
            ),
            self._read_row(
                "partner-list",
                f"`GET /api/v1/trajectories?pageSize={PAGE_SIZE}` as a partner "
                f"({PARTNER_ROLE.value}: its own list, involved in all {options.caseload:,})",
            ),
            self._read_row("get", "`GET /api/v1/trajectories/{id}` (regisseur: the full case)"),
            self._read_row(
                "partner-get",
                f"`GET /api/v1/trajectories/{{id}}` as a partner ({PARTNER_ROLE.value}: its own "
                "view, involvement checked on the aggregate)",
            ),
        ]
        get_ratio, get_spread = self.ratio("partner-get", "get")
        list_ratio, list_spread = self.ratio("partner-list", "list")
        cpu_rows = []
        for kind, label in (
            ("ping", "`GET /ping`"),
            ("live", "`GET /health/live`"),
            ("list", "caseload list"),
            ("partner-list", "partner's list"),
            ("get", "one trajectory"),
            ("partner-get", "one trajectory, partner's view"),
            ("list-unlogged", "caseload list, no access log"),
            ("get-unlogged", "one trajectory, no access log"),
            ("partner-get-unlogged", "one trajectory, partner's view, no access log"),
            ("refer", "refer"),
            ("arrest", "arrest"),
        ):
            client, servers, rest = self.measurements[kind].cpu_per_request_us()
            cpu_rows.append(
                f"| {label} | {client:,.0f} | {servers:,.0f} | {rest:,.0f} "
                f"| {client + servers + rest:,.0f} |"
            )
        lines = [
            (
                f"Measured {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC on {self.server}; "
                f"{self.stack}; {options.workers} uvicorn workers per app, {options.clients} "
                f"concurrent clients (keep-alive) in one separate process; {options.rounds} "
                f"interleaved rounds of {options.seconds:g} s per HTTP measurement and "
                f"{options.bare_operations} bare saves; rates are medians of the rounds, ratios "
                "the median of the per-round ratios, latencies over every request of every "
                f"round. {self._spread_note()} The whole run took {self.seconds:.0f} s."
            ),
            "",
            "| measurement | result | ratio | target | verdict |",
            "|---|---|---|---|---|",
            *("| " + " | ".join(row) + " |" for row in rows),
            "",
            (
                f"The partner's views against the regisseur's (same URLs, the {PARTNER_ROLE.value}"
                f"'s token; median of the per-round ratios): one trajectory {get_ratio:.2f} "
                f"({get_spread}), the list {list_ratio:.2f} ({list_spread})."
            ),
            "",
            *self._access_log_lines(),
            "",
            "CPU per request (µs; from `/proc`, summed over all rounds; servers: all three apps):",
            "",
            "| requests | client | servers | rest of the machine (PostgreSQL, other) | total |",
            "|---|---|---|---|---|",
            *cpu_rows,
        ]
        return "\n".join(lines)

    def _spread_note(self) -> str:
        """Say how each phase's connections were spread over the workers (``_spread``)."""
        if self.options.workers <= 1 or not _PROC_NET_TCP.exists():
            return "Connections were not spread (one worker, or no /proc/net/tcp)."
        http = [kind for kind in (*READ_KINDS, "refer", "arrest") if self.measurements[kind].rates]
        phases = sum(len(self.measurements[kind].rates) for kind in http)
        replaced = sum(self.measurements[kind].replaced for kind in http)
        return (
            f"Every phase's {self.options.clients} connections were spread evenly over the "
            f"{self.options.workers} workers of its server (checked in /proc; "
            f"{replaced / max(phases, 1):.1f} connections replaced per phase on average)."
        )

    def _access_log_lines(self) -> list[str]:
        """Return the access log's table: each read with the log against the same without."""
        rows = []
        for unlogged, label in (
            ("list-unlogged", f"`GET /api/v1/trajectories?pageSize={PAGE_SIZE}` (caseload)"),
            ("get-unlogged", "`GET /api/v1/trajectories/{id}` (regisseur)"),
            ("partner-get-unlogged", f"`GET /api/v1/trajectories/{{id}}` ({PARTNER_ROLE.value})"),
        ):
            logged = UNLOGGED[unlogged]
            ratio, spread = self.ratio(logged, unlogged)
            rows.append(
                f"| {label} | {self._http_result(logged)} | {self._http_result(unlogged)} "
                f"| {ratio:.2f} ({spread}) | ≥ {ACCESS_LOG_RATIO_TARGET:.2f} "
                f"| {_verdict(ratio >= ACCESS_LOG_RATIO_TARGET)} |"
            )
        measurements = self.measurements
        answers = sum(measurements[kind].operations for kind in LOGGED_READS)
        entries = sum(measurements[kind].access_log_entries for kind in LOGGED_READS)
        unlogged_answers = sum(measurements[kind].operations for kind in UNLOGGED)
        writes = ", ".join(
            f"{kind} {measurements[kind].access_log_entries:,} for "
            f"{measurements[kind].operations:,} answers"
            for kind in ("refer", "arrest")
        )
        return [
            (
                "The access log (issue 6): the same reads on the real app with the access log "
                "and on a second server of it without (`log_access=False`; the same workers, "
                "database and read models), each pair side by side in every round; the ratio is "
                "the median of the per-round ratios logged / unlogged."
            ),
            "",
            "| read | with the access log | without | ratio | target | verdict |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            (
                f"Access-log entries counted around every round (untimed): {entries:,} for the "
                f"{answers:,} answers of the logged reads (one each, checked per round), none "
                f"for the {unlogged_answers:,} answers without the log (nor for the trivial app "
                f"and `/health/live`; checked); during the commands, {writes}."
            ),
        ]


def _verdict(met: bool) -> str:  # noqa: FBT001 - reads as a predicate
    return "met" if met else "NOT met"


# --- CPU accounting from /proc ---

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_ticks(pid: int) -> int:
    """Return user + system clock ticks of one process (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of stat


def _machine_busy_seconds() -> float:
    """Return the CPU seconds all cores were busy since boot (0 without /proc)."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    return (user + nice + system + irq + softirq + steal) / _TICKS


def _descendants(pid: int) -> list[int]:
    """Return ``pid`` and every process below it (uvicorn's supervisor and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def _cpu_sample(server_pids: list[int]) -> CpuUse:
    return CpuUse(
        client=time.process_time(),
        servers=sum(_process_ticks(pid) for pid in server_pids) / _TICKS,
        machine=_machine_busy_seconds(),
    )


# --- the load generator (its own process) ---


@dataclass(frozen=True)
class LoadSetup:
    """What the load generator needs to know."""

    api_port: int
    ping_port: int
    unlogged_port: int
    """The real app without the access log."""
    token: str
    partner_token: str
    clients: int
    server_pids: list[int]
    workers: int
    """The worker processes of each server."""
    processes: dict[int, list[int]] = field(default_factory=dict)
    """Per port: the processes of the server on it, among which are its workers."""


class _HttpConnection:
    """One keep-alive HTTP/1.1 connection that reads status, ETag and a Content-Length body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.port: int = writer.get_extra_info("sockname")[1]
        """The connection's own (client-side) port: how the server's side is found in /proc."""

    @classmethod
    async def open(cls, port: int) -> _HttpConnection:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, bytes, bytes]:
        """Send ``request``; return the answer's status, ``ETag`` and body."""
        self.writer.write(request)
        head_bytes = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head_bytes[9:12])
        length, etag = 0, b""
        for line in head_bytes.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"etag":
                etag = value.strip()
            elif name == b"transfer-encoding":
                msg = "chunked answers are not supported by the benchmark's client"
                raise ValueError(msg)
        body = await self.reader.readexactly(length) if length else b""
        return status, etag, body

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


_PROC_NET_TCP = Path("/proc/net/tcp")
#: How many connections a phase may replace to spread its connections over the workers.
SPREAD_ATTEMPTS = 500
SPREAD_TIMEOUT_SECONDS = 10.0


def _accepted_by(port: int, connections: list[_HttpConnection], pids: list[int]) -> list[int]:
    """Return the process that accepted each connection (0: not accepted yet), from /proc.

    The server's side of a connection is the socket from ``port`` to the connection's own port
    (``/proc/net/tcp``); its inode is among the open files of the worker that accepted it.
    """
    wanted = {connection.port for connection in connections}
    sockets: dict[str, int] = {}
    for line in _PROC_NET_TCP.read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.rsplit(":", 1)[1], 16) == port:
            remote_port = int(remote.rsplit(":", 1)[1], 16)
            if remote_port in wanted and inode != "0":
                sockets[f"socket:[{inode}]"] = remote_port
    owners: dict[int, int] = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # a process that is gone holds nothing
            for descriptor in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    client_port = sockets.get(str(descriptor.readlink()))
                    if client_port is not None:
                        owners[client_port] = pid
    return [owners.get(connection.port, 0) for connection in connections]


async def _spread(
    port: int, connections: list[_HttpConnection], pids: list[int], workers: int
) -> tuple[list[_HttpConnection], int]:
    """Spread ``connections`` evenly over the server's ``workers``; return them and the replaced.

    The workers share one listening socket and whichever wakes first accepts, so a phase's
    connections can land unevenly (all on one worker, in the worst case: that worker's core and
    GIL then bound the rate while the other idles). Every connection beyond a worker's share is
    replaced by a new one until each has its share. The connections are returned interleaved:
    connection ``n`` is on worker ``n % workers`` (as far as the count allows).
    """
    share = -(-len(connections) // workers)
    replaced = 0
    deadline = time.monotonic() + SPREAD_TIMEOUT_SECONDS
    while True:
        owners = _accepted_by(port, connections, pids)
        if 0 in owners:  # not every connection accepted yet
            if time.monotonic() > deadline:
                msg = f"the server on port {port} did not accept every connection in time"
                raise RuntimeError(msg)
            await asyncio.sleep(0.005)
            continue
        groups: dict[int, list[_HttpConnection]] = {}
        for connection, owner in zip(connections, owners, strict=True):
            groups.setdefault(owner, []).append(connection)
        surplus = [connection for group in groups.values() for connection in group[share:]]
        if not surplus:
            ordered = [groups[owner] for owner in sorted(groups)]
            return [
                group[rank] for rank in range(share) for group in ordered if rank < len(group)
            ], replaced
        if replaced + len(surplus) > SPREAD_ATTEMPTS:
            msg = f"could not spread the connections over the workers of the server on {port}"
            raise RuntimeError(msg)
        for connection in surplus:
            connections.remove(connection)
            await connection.close()
            connections.append(await _HttpConnection.open(port))
        replaced += len(surplus)


class _Load:
    """The load generator's state across phases: the seeded trajectories and the ETags."""

    def __init__(self, setup: LoadSetup) -> None:
        self.setup = setup
        self.trajectories: list[str] = []
        self.seed_etags: list[bytes] = []
        """The ETag of every seeded trajectory, in the order of ``trajectories``."""
        self.etags: dict[int, bytes] = {}
        self.spread = setup.workers > 1 and bool(setup.processes) and _PROC_NET_TCP.exists()
        """Whether each phase's connections are spread evenly over the workers (``_spread``)."""

        def reading(port: int, token: str) -> bytes:
            return (
                f"Host: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
                "Accept: application/json\r\n\r\n"
            ).encode()

        self._reads = {
            "get": reading(setup.api_port, setup.token),
            "partner-get": reading(setup.api_port, setup.partner_token),
            "get-unlogged": reading(setup.unlogged_port, setup.token),
            "partner-get-unlogged": reading(setup.unlogged_port, setup.partner_token),
        }
        """A single trajectory's headers, per kind: the server's host and the reader's token."""
        self._post = (
            f"Host: {HOST}:{setup.api_port}\r\nAuthorization: Bearer {setup.token}\r\n"
            "Content-Type: application/json\r\n"
        ).encode()
        list_line = b"GET /api/v1/trajectories?pageSize=%d HTTP/1.1\r\n" % PAGE_SIZE
        self._fixed = {
            "ping": f"GET /ping HTTP/1.1\r\nHost: {HOST}:{setup.ping_port}\r\n\r\n".encode(),
            "live": f"GET /health/live HTTP/1.1\r\nHost: {HOST}:{setup.api_port}\r\n\r\n".encode(),
            "list": list_line + self._reads["get"],
            "list-unlogged": list_line + self._reads["get-unlogged"],
            "partner-list": list_line + self._reads["partner-get"],
            "refer": (
                b"POST /api/v1/trajectories HTTP/1.1\r\n"
                + self._post
                + b"Content-Length: %d\r\n\r\n" % len(_REFERRAL)
                + _REFERRAL
            ),
        }
        """The requests that are the same every time."""

    def request(self, kind: str, client: int, iteration: int, *, sweep: bool = False) -> bytes:
        """Return the next request of ``client`` in a phase of ``kind`` (see ``Phase.sweep``)."""
        fixed = self._fixed.get(kind)
        if fixed is not None:
            return fixed
        headers = self._reads.get(kind)
        if headers is not None:
            count = len(self.trajectories)
            offset, stride = self._sweep(client) if sweep else (client, self.setup.clients)
            trajectory = self.trajectories[(offset + iteration * stride) % count]
            return b"GET /api/v1/trajectories/%s HTTP/1.1\r\n" % trajectory.encode() + headers
        if kind == "involve":  # a count phase of every seeded trajectory: each exactly once
            index = client + iteration * self.setup.clients
            return (
                b"POST /api/v1/trajectories/%s/partners HTTP/1.1\r\n"
                % self.trajectories[index].encode()
                + self._post
                + b"If-Match: %s\r\nContent-Length: %d\r\n\r\n"
                % (self.seed_etags[index], len(_INVOLVEMENT))
                + _INVOLVEMENT
            )
        if kind == "arrest":
            return (
                b"POST /api/v1/trajectories/%s/arrests HTTP/1.1\r\n"
                % self.trajectories[client].encode()
                + self._post
                + b"If-Match: %s\r\nContent-Length: %d\r\n\r\n" % (self.etags[client], len(_ARREST))
                + _ARREST
            )
        msg = f"unknown phase kind {kind!r}"
        raise ValueError(msg)

    def _sweep(self, client: int) -> tuple[int, int]:
        """Return the first seeded trajectory ``client`` reads in a sweep, and its stride.

        Connection ``n`` is on worker ``n % workers`` (``_spread``), so the connections of one
        worker, each starting at its rank there and stepping by their number, read every seeded
        trajectory once. Without spreading, every connection reads every one.
        """
        if not self.spread:
            return 0, 1
        workers = self.setup.workers
        return client // workers, max(self.setup.clients // workers, 1)

    async def _connections(self, port: int) -> tuple[list[_HttpConnection], int]:
        """Open the phase's connections, spread evenly over the server's workers when possible."""
        connections = [await _HttpConnection.open(port) for _ in range(self.setup.clients)]
        if not self.spread:
            return connections, 0
        return await _spread(port, connections, self.setup.processes[port], self.setup.workers)

    def _shares(self, phase: Phase) -> list[int]:
        """Return how many requests each client sends in a phase of a count (or a sweep)."""
        clients, count = self.setup.clients, phase.count
        if not phase.sweep:
            return [count // clients + (n < count % clients) for n in range(clients)]
        shares = []
        for number in range(clients):
            first, stride = self._sweep(number)
            shares.append(len(range(first, len(self.trajectories), stride)))
        return shares

    async def run(self, phase: Phase) -> PhaseResult:
        """Run one phase with every client on its own fresh connection."""
        clients = self.setup.clients
        port = (
            self.setup.ping_port
            if phase.kind == "ping"
            else self.setup.unlogged_port
            if phase.kind in UNLOGGED
            else self.setup.api_port
        )
        connections, replaced = await self._connections(port)
        expected = _EXPECTED_STATUS[phase.kind]
        content = _EXPECTED_CONTENT.get(phase.kind)
        latencies: list[float] = []
        errors: list[str] = []
        created: list[tuple[str, bytes]] = []
        last = [b""]
        shares = self._shares(phase)

        async def client(number: int) -> None:
            connection = connections[number]
            iteration = 0
            while (
                iteration < shares[number]
                if phase.count
                else time.perf_counter() < deadline and not errors
            ):
                request = self.request(phase.kind, number, iteration, sweep=phase.sweep)
                sent = time.perf_counter()
                status, etag, body = await connection.exchange(request)
                latencies.append(time.perf_counter() - sent)
                if status != expected or (content is not None and content not in body):
                    errors.append(f"{phase.kind}: {status} {body[:300].decode(errors='replace')}")
                    return
                if phase.kind == "arrest":
                    self.etags[number] = etag
                elif phase.kind == "involve":
                    self.seed_etags[number + iteration * clients] = etag
                elif phase.kind == "refer" and phase.seed:
                    created.append((msgspec.json.decode(body)["id"], etag))
                last[0] = body
                iteration += 1

        before = _cpu_sample(self.setup.server_pids)
        started = time.perf_counter()
        deadline = started + phase.seconds
        await asyncio.gather(*(client(number) for number in range(clients)))
        elapsed = time.perf_counter() - started
        used = _cpu_sample(self.setup.server_pids) - before
        for connection in connections:
            await connection.close()
        if phase.seed:
            self.trajectories = [trajectory for trajectory, _ in created]
            self.seed_etags = [etag for _, etag in created]
        if phase.seed or phase.kind == "involve":
            self.etags = dict(enumerate(self.seed_etags[:clients]))
        return PhaseResult(
            phase.kind,
            len(latencies),
            elapsed,
            latencies,
            used,
            sample=last[0],
            created=self.trajectories if phase.seed else [],
            replaced=replaced,
            error=errors[0] if errors else "",
        )


def _generate_load(connection: Connection, setup: LoadSetup) -> None:
    """Run the load generator process: each phase the pipe asks for, answering its result."""
    load = _Load(setup)
    run_loop = _event_loop_runner()
    while (phase := connection.recv()) is not None:
        try:
            result = run_loop(load.run(phase))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which fails the run
            result = PhaseResult(phase.kind, 0, 0.0, [], CpuUse(), error=repr(error))
        connection.send(result)


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, PhaseResult]], PhaseResult]:
    """Return uvloop's ``run`` (the cheaper client; uvicorn[standard] installs it)."""
    import uvloop  # noqa: PLC0415 - only the load generator's process needs it

    runner: Callable[[Coroutine[Any, Any, PhaseResult]], PhaseResult] = uvloop.run
    return runner


class LoadGenerator:
    """The load generator's process and the pipe to it."""

    def __init__(self, setup: LoadSetup) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=_generate_load, args=(child, setup), name="pga-bench-load", daemon=True
        )
        self._process.start()
        child.close()

    def run(self, phase: Phase) -> PhaseResult:
        """Run one phase; fail the benchmark on any unexpected answer."""
        self._pipe.send(phase)
        result: PhaseResult = self._pipe.recv()
        if result.error:
            msg = f"the benchmark is void: a failed request ({result.error})"
            raise AssertionError(msg)
        return result

    def close(self) -> None:
        """Stop the process."""
        with contextlib.suppress(OSError):
            self._pipe.send(None)
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


# --- the servers ---


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """One uvicorn process serving an app factory (``module:function``)."""

    factory: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, factory: str, workers: int, env: dict[str, str], log: Path) -> Server:
        """Start ``uvicorn --factory <module:factory>`` on a free port."""
        port = _free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--no-server-header",
            "--no-proxy-headers",
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        return cls(factory, port, process, log)

    def wait_until_answering(self, path: str, workers: int) -> None:
        """Wait until ``path`` answers 200 and every worker process has started."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"{self.factory} server exited:\n{self.log.read_text()[-3000:]}"
                raise RuntimeError(msg)
            if _answers(self.port, path) and len(self.pids()) >= workers:
                return
            time.sleep(0.2)
        msg = f"{self.factory} server did not answer {path}:\n{self.log.read_text()[-3000:]}"
        raise RuntimeError(msg)

    def pids(self) -> list[int]:
        """Return the server's processes (with several workers: the supervisor and workers)."""
        return _descendants(self.process.pid)

    def stop(self) -> None:
        """Stop the server (SIGINT, as Ctrl-C would; killed if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == http.client.OK
    except OSError:
        return False
    finally:
        connection.close()


def _server_env(url: str, data_dir: Path, secret: str) -> dict[str, str]:
    """Return the servers' environment: no inherited ``PGA_*``, a fresh database, a secret."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PGA_")}
    return env | {
        "PGA_DATABASE_URL": url,
        "PGA_DATABASE_SCHEMA": SCHEMA,
        "PGA_DATA_DIR": str(data_dir),
        "PGA_JWT_SECRET": secret,
        "PGA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def _stack() -> str:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return (
        f"uvicorn {importlib.metadata.version('uvicorn')} ({loop}, {parser}), "
        f"Litestar {importlib.metadata.version('litestar')}"
    )


# --- the run ---


def _wait_caught_up(url: str, names: list[str]) -> None:
    """Wait until every read model has processed the newest stored event."""
    with psycopg.connect(url, autocommit=True) as connection:
        position = head(connection, SCHEMA)
        for name in names:
            wait_for(connection, SCHEMA, name, position, timeout=CATCH_UP_TIMEOUT_SECONDS)


def _bare_rate(bare: BareApplication, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        bare.save(
            Referral(
                "Benchjongere",
                "Voorbeeld",
                "2010-06-01",
                "straatroof",
                "2026-01-02",
                "PL-BENCH-0001",
            )
        )
    return count / (time.perf_counter() - started)


def _check_reads(results: dict[str, PhaseResult], load_ids: set[str]) -> None:
    """Check the last answer of every read: the regisseur's and the partner's (its own view).

    The reads without the access log are held to the same checks as their logged counterparts.
    """
    for kind, name in (
        ("list", "the caseload list"),
        ("list-unlogged", "the caseload list without the access log"),
        ("partner-list", "the partner's list"),
    ):
        page = msgspec.json.decode(results[kind].sample)
        if page["total"] != len(load_ids) or len(page["items"]) != min(PAGE_SIZE, len(load_ids)):
            msg = f"{name} answered {page['total']} / {len(page['items'])} items"
            raise AssertionError(msg)
    if msgspec.json.decode(results["partner-list"].sample)["role"] != PARTNER_ROLE.value:
        msg = "the partner's list is not its own view"
        raise AssertionError(msg)
    for kind in ("get", "get-unlogged", "partner-get", "partner-get-unlogged"):
        if msgspec.json.decode(results[kind].sample)["id"] not in load_ids:
            msg = f"a single trajectory ({kind}) answered another id"
            raise AssertionError(msg)
    for kind in ("partner-get", "partner-get-unlogged"):
        view = msgspec.json.decode(results[kind].sample)
        if (
            view["access"] != "involved"
            or view["role"] != PARTNER_ROLE.value
            or "status" not in view
        ):
            msg = f"the partner's single trajectory ({kind}) is not its involved view: {view}"
            raise AssertionError(msg)


def _access_log_entries(connection: psycopg.Connection[Any]) -> int:
    """Return how many entries the access log holds."""
    row = connection.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(SCHEMA, ACCESS_LOG))
    ).fetchone()
    return int(row[0]) if row else 0


def _check_access_log(result: PhaseResult, entries: int) -> None:
    """Check that a read wrote one entry per answer with the log, and none without it.

    So the comparison of the two servers cannot silently measure the same app twice.
    """
    expected = result.operations if result.kind in LOGGED_READS else 0
    if entries != expected:
        msg = (
            f"{result.kind}: {entries} access-log entries for {result.operations} answers "
            f"(expected {expected})"
        )
        raise AssertionError(msg)


@dataclass
class _Rounds:
    """The interleaved rounds: reads against ``/ping``, then commands against the bare save()."""

    options: Options
    url: str
    names: list[str]
    """The read models, whose catching up the write phases wait for."""
    load: LoadGenerator
    bare: BareApplication
    audit: psycopg.Connection[Any]
    """Counts the access log's entries around every phase (untimed)."""
    measurements: dict[str, Measurement] = field(
        default_factory=lambda: {kind: Measurement() for kind in (*READ_KINDS, *WRITE_KINDS)}
    )

    def seed(self) -> set[str]:
        """Refer the caseload's trajectories, involve the partner in each; wait for the models."""
        if PARTNER_VIEWS not in self.names:
            msg = f"no read model {PARTNER_VIEWS!r}: the partner's reads would measure nothing"
            raise AssertionError(msg)
        seeded = self.load.run(Phase("refer", count=self.options.caseload, seed=True)).created
        self.load.run(Phase("involve", count=len(seeded)))
        _wait_caught_up(self.url, self.names)
        return set(seeded)

    def phase(self, phase: Phase) -> tuple[PhaseResult, int]:
        """Run one HTTP phase; return its result and the access-log entries written meanwhile."""
        before = _access_log_entries(self.audit)
        result = self.load.run(phase)
        # Untimed: the servers commit their entries up to PGA_ACCESS_LOG_MAX_DELAY_MS (50 ms)
        # after the answers; wait until the count settles before comparing it.
        settled = _access_log_entries(self.audit)
        while True:
            time.sleep(0.25)
            now = _access_log_entries(self.audit)
            if now == settled:
                return result, now - before
            settled = now

    def reads(self, seeded: set[str]) -> None:
        """Warm up, then run the read rounds (the order reverses every other round).

        Every read phase, warm-ups too, is checked for its access-log entries.
        """
        # Every worker of both real apps reads every seeded trajectory, so each worker's
        # aggregate cache holds them all before the clock runs (the app with the log had some
        # cached by the seeding, the one without none).
        for kind in ("get", "get-unlogged"):
            _check_access_log(*self.phase(Phase(kind, count=len(seeded), sweep=True)))
        for kind in READ_KINDS:  # pools, caches and prepared statements
            _check_access_log(*self.phase(Phase(kind, seconds=WARM_UP_SECONDS)))
        for number in range(self.options.rounds):
            results: dict[str, PhaseResult] = {}
            for kind in READ_KINDS if number % 2 == 0 else READ_KINDS[::-1]:
                result, entries = self.phase(Phase(kind, seconds=self.options.seconds))
                _check_access_log(result, entries)
                results[kind] = result
                self.measurements[kind].add(result, entries)
            if number == 0:
                _check_reads(results, seeded)

    def writes(self) -> None:
        """Warm up, then run the write rounds (the order reverses every other round)."""
        _bare_rate(self.bare, 50)
        for kind in ("refer", "arrest"):
            self.load.run(Phase(kind, seconds=WARM_UP_SECONDS))
            _wait_caught_up(self.url, self.names)
        for number in range(self.options.rounds):
            for kind in WRITE_KINDS if number % 2 == 0 else WRITE_KINDS[::-1]:
                if kind == "bare":
                    self._bare_phase()
                else:
                    self.measurements[kind].add(
                        *self.phase(Phase(kind, seconds=self.options.seconds))
                    )
                    # Untimed: the next phase starts on a quiet machine.
                    _wait_caught_up(self.url, self.names)

    def _bare_phase(self) -> None:
        count = self.options.bare_operations
        before = _cpu_sample([])
        rate = _bare_rate(self.bare, count)
        used = _cpu_sample([]) - before
        self.measurements["bare"].add(PhaseResult("bare", count, count / rate, [], used))


@dataclass(frozen=True)
class _Servers:
    """The three served apps."""

    api: Server
    """The real app, as ``pga serve`` runs it."""
    ping: Server
    """The trivial app."""
    unlogged: Server
    """The real app without the access log."""

    def pids(self) -> list[int]:
        """Return every server process."""
        return self.api.pids() + self.ping.pids() + self.unlogged.pids()


def _measure(
    options: Options,
    url: str,
    servers: _Servers,
    tokens: tuple[str, str],
    names: list[str],
) -> dict[str, Measurement]:
    with ExitStack() as stack:
        bare = BareApplication(eventsourcing_env(url, "bare"))
        stack.callback(bare.close)
        audit = stack.enter_context(psycopg.connect(url, autocommit=True))
        load = LoadGenerator(
            LoadSetup(
                servers.api.port,
                servers.ping.port,
                servers.unlogged.port,
                *tokens,
                options.clients,
                servers.pids(),
                options.workers,
                {
                    server.port: server.pids()
                    for server in (servers.api, servers.ping, servers.unlogged)
                },
            )
        )
        stack.callback(load.close)
        rounds = _Rounds(options, url, names, load, bare, audit)
        rounds.reads(rounds.seed())
        rounds.writes()
        return rounds.measurements


def _start_servers(
    options: Options, env: dict[str, str], directory: Path, stack: ExitStack
) -> _Servers:
    """Start the three apps; the one without the access log once the real app has set up.

    The real app creates the schema, the read models and the access log's table; the one without
    the log then serves the same database with ``PGA_SERVE_PROJECTIONS=false``, so the real
    app's runner is the only one that projects (as in the runs before this server was added)
    and the two differ only in the access log.
    """

    def start(factory: str, server_env: dict[str, str]) -> Server:
        log = directory / f"{factory.rpartition(':')[2]}.log"
        server = Server.start(factory, options.workers, server_env, log)
        stack.callback(server.stop)
        return server

    api = start("pga.api.server:app", env)
    ping = start("benchmarks.api:ping_app", env)
    api.wait_until_answering("/health/ready", options.workers)
    unlogged = start("benchmarks.api:unlogged_app", env | {"PGA_SERVE_PROJECTIONS": "false"})
    ping.wait_until_answering("/ping", options.workers)
    unlogged.wait_until_answering("/health/ready", options.workers)
    return _Servers(api, ping, unlogged)


def run(server_url: str, server: str, options: Options | None = None) -> Results:
    """Run every measurement on a fresh database of ``server_url``."""
    options = options or Options()
    started = time.perf_counter()
    name = f"pga_bench_{secrets.token_hex(4)}"
    create_database(server_url, name)
    url = with_database(server_url, name)
    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    server = f"{server} (PostgreSQL {row[0] if row else '?'}, {os.cpu_count()} CPUs)"
    secret = secrets.token_urlsafe(48)
    settings = Settings(database_url=url, database_schema=SCHEMA, jwt_secret=secret)
    tokens = tuple(
        issue_token(
            verification_keys(settings),
            user=user,
            organisation=organisation,
            role=role,
            ttl=timedelta(hours=2),
        )
        for user, organisation, role in (
            (USER, MUNICIPALITY, PartnerRole.REGISSEUR),
            (PARTNER_USER, PARTNER_ORGANISATION, PARTNER_ROLE),
        )
    )
    names = [model.name for model in read_models(settings)]
    try:
        for schema in ("bare", SCHEMA):
            ensure_schema(url, schema)
        with (
            tempfile.TemporaryDirectory(prefix="pga-bench-api-") as directory,
            ExitStack() as stack,
        ):
            env = _server_env(url, Path(directory), secret)
            servers = _start_servers(options, env, Path(directory), stack)
            measurements = _measure(options, url, servers, (tokens[0], tokens[1]), names)
    finally:
        drop_database(server_url, name)
        drop_database(server_url, f"{name}{KEYS_DATABASE_SUFFIX}")
    return Results(options, server, _stack(), measurements, time.perf_counter() - started)


def _arguments() -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api", description="HTTP benchmark of the served API."
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help="uvicorn workers per app")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved rounds")
    parser.add_argument(
        "--seconds", type=float, default=PHASE_SECONDS, help="seconds per HTTP measurement"
    )
    parser.add_argument("--caseload", type=int, default=CASELOAD, help="trajectories seeded")
    parser.add_argument(
        "--bare-operations", type=int, default=BARE_OPERATIONS, help="bare saves per round"
    )
    arguments = parser.parse_args()
    return Options(
        workers=arguments.workers,
        clients=arguments.clients,
        rounds=arguments.rounds,
        seconds=arguments.seconds,
        caseload=arguments.caseload,
        bare_operations=arguments.bare_operations,
    )


def main() -> None:
    """Run the benchmark, print the results and record them in docs/BENCHMARKS.md."""
    options = _arguments()
    run_and_record("api", lambda server_url, server: run(server_url, server, options))


if __name__ == "__main__":
    main()
