"""Retention: erase what is due, per record kind, unless a legal hold suspends it.

Four record kinds, each with a configurable term (``RetentionTerms``, ``PGA_RETENTION_*``) and a
documented default (docs/PRIVACY.md, *Bewaartermijnen*):

========== ===================================================== ============ ===================
kind       what is erased                                        term starts  default
========== ===================================================== ============ ===================
jongere    everything about a youth: every trajectory and every  birth        the 23rd birthday
           name-list entry (``erase_subject``)
traject    one closed trajectory (``erase_trajectory``)          its closing  5 years
namenlijst a closed network's name list: its members' entries    its closing  0 days (at once)
           there (``erase_name_list``)
netwerk    a closed network's file: its group-level text and     its closing  5 years
           what is left of its name list (``erase_network``)
========== ===================================================== ============ ===================

A term is due on the day it ends (a 29 February start ends on 1 March in a year without one).
A *legal hold* (``LegalHoldPlaced`` on a trajectory, ``NetworkLegalHoldPlaced`` on a network)
suspends every term that would erase anything in the held record: a held trajectory keeps its
youth's age term from running too (it would erase that trajectory), and a held network keeps
the age term of every youth ever placed on its name list whose entry there is not yet erased
(also after the closing or a removal). What is held is reported, not erased; once the hold is
lifted, the next run erases what is overdue.

The tombstone is committed in the event store before the keys are deleted in the key store (a
second transaction). Should the deletion fail, the record is *due again* at the next run (its
tombstone is there but a key is still stored: reported under its kind, due today, whatever the
holds) and that run destroys the keys left; an erasure command on such a record does the same.

The plan is a pure function of the records' facts and the day (``plan``: no database, property
tested), so a dry run reports exactly what a run would do. Each erasure is its own transaction
with its own tombstone (basis ``bewaartermijn``); one that fails (another writer changed the
record at that moment) is reported and simply due again at the next run, and one whose keys
could not be destroyed after its tombstone is repaired by the next run (see above).

``pga retention run [--dry-run]`` runs it on the command line; ``pga serve`` runs it on a
schedule (``PGA_RETENTION_INTERVAL_HOURS``), in one worker only (an advisory lock), starting
when it starts. Reports name ids, kinds, dates and counts: no personal data.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import psycopg

from pga.domain import clock
from pga.domain.catalogue import PartnerRole
from pga.domain.common import today
from pga.domain.errors import DomainError
from pga.domain.network import MemberPlaced
from pga.recording import Actor, CommandContext

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pga.application import ErasureReport, PgaApplication
    from pga.domain.network import YouthNetwork
    from pga.settings import Settings

_LOG = logging.getLogger(__name__)

#: The erasure basis every retention tombstone records (``ERASURE_BASES``).
RETENTION_BASIS = "bewaartermijn"
#: The user retention's events are recorded as (role ``beheerder``, the municipality).
RETENTION_USER = "pga-bewaartermijnen"


class RecordKind(StrEnum):
    """What a retention term erases."""

    YOUTH = "jongere"
    TRAJECTORY = "traject"
    NAME_LIST = "namenlijst"
    NETWORK = "netwerk"


@dataclass(frozen=True)
class RetentionTerms:
    """How long each record kind is kept (the defaults are the documented policy)."""

    #: Everything about a youth is erased on this birthday.
    age_limit: int = 23
    #: A closed trajectory is erased this many years after its closing.
    trajectory_years: int = 5
    #: A closed network's name list is destroyed this many days after its closing.
    name_list_days: int = 0
    #: A closed network's file is erased this many years after its closing.
    network_years: int = 5

    @classmethod
    def of(cls, settings: Settings) -> RetentionTerms:
        """Return the terms the settings configure."""
        return cls(
            age_limit=settings.retention_age_limit,
            trajectory_years=settings.retention_trajectory_years,
            name_list_days=settings.retention_name_list_days,
            network_years=settings.retention_network_years,
        )


# --- the facts a plan is made of ---


@dataclass(frozen=True)
class TrajectoryFacts:
    """What retention needs to know of one trajectory."""

    trajectory_id: UUID
    subject_id: UUID
    born_on: date | None
    closed_on: date | None
    holds: tuple[UUID, ...]
    erased: bool
    #: Erased, but a data key of its records is still stored (an earlier deletion failed).
    keys_left: bool = False


@dataclass(frozen=True)
class NetworkFacts:
    """What retention needs to know of one youth network."""

    network_id: UUID
    closed_on: date | None
    holds: tuple[UUID, ...]
    #: The members on the name list now, with their date of birth where known.
    members: Mapping[UUID, date | None]
    #: Whether anyone was ever placed on its name list (else there is no list to destroy).
    had_name_list: bool
    name_list_erased: bool
    erased: bool
    #: Every youth ever placed on its name list whose entry here has no tombstone yet (also
    #: after the closing or a removal), with the date of birth placed with it: the age term
    #: erases that entry too, and a hold on the network keeps the age term.
    placed: Mapping[UUID, date | None] = field(default_factory=dict)
    #: The file or its name list is erased, but a data key is still stored.
    keys_left: bool = False
    #: Members whose entry here has a tombstone (``MemberErased``) but whose key is stored.
    member_keys_left: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Due:
    """One record whose term has ended: erased by a run (reported by a dry run)."""

    kind: RecordKind
    record_id: UUID
    due_on: date
    #: The trajectories and networks the erasure writes a tombstone on.
    trajectories: tuple[UUID, ...] = ()
    networks: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Held:
    """A record whose term has ended but which a legal hold keeps."""

    kind: RecordKind
    record_id: UUID
    due_on: date
    #: The held trajectories or networks that keep it, and their hold ids.
    held_by: tuple[UUID, ...]
    holds: tuple[UUID, ...]


@dataclass(frozen=True)
class RetentionPlan:
    """What is due on ``today`` and what legal holds keep."""

    today: date
    terms: RetentionTerms
    due: tuple[Due, ...]
    held: tuple[Held, ...]


def years_after(day: date, years: int) -> date:
    """Return the same calendar day ``years`` later (29 February: 1 March if there is none)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return date(day.year + years, 3, 1)


def plan(
    trajectories: Iterable[TrajectoryFacts],
    networks: Iterable[NetworkFacts],
    on: date,
    terms: RetentionTerms,
) -> RetentionPlan:
    """Return what is due on ``on`` under ``terms`` and what legal holds keep (pure)."""
    trajectories = list(trajectories)
    networks = list(networks)
    found = _Found()
    _youths(trajectories, networks, on, terms, found)
    youths_due = {item.record_id for item in found.due}
    for trajectory in trajectories:
        if trajectory.subject_id not in youths_due:
            _trajectory(trajectory, on, terms, found)
    for network in networks:
        _network(network, on, terms, found)
    _repairs(trajectories, networks, on, youths_due, found)
    return RetentionPlan(on, terms, tuple(found.due), tuple(found.held))


def _repairs(
    trajectories: list[TrajectoryFacts],
    networks: list[NetworkFacts],
    on: date,
    youths_due: set[UUID],
    found: _Found,
) -> None:
    """Make due again (today) an erasure whose tombstone is there but whose keys are left.

    No hold keeps it: the record is erased already, only its keys are left to destroy.
    """
    for trajectory in trajectories:
        if trajectory.erased and trajectory.keys_left and trajectory.subject_id not in youths_due:
            found.add(
                Due(
                    RecordKind.TRAJECTORY,
                    trajectory.trajectory_id,
                    on,
                    trajectories=(trajectory.trajectory_id,),
                ),
                [],
            )
    members: dict[UUID, list[UUID]] = {}
    for network in networks:
        if network.keys_left and network.erased:
            kind = RecordKind.NETWORK
        elif network.keys_left and network.name_list_erased:
            kind = RecordKind.NAME_LIST
        else:
            for member_id in network.member_keys_left:
                members.setdefault(member_id, []).append(network.network_id)
            continue
        found.add(Due(kind, network.network_id, on, networks=(network.network_id,)), [])
    for member_id in sorted(members):
        if member_id not in youths_due:
            found.add(Due(RecordKind.YOUTH, member_id, on, networks=tuple(members[member_id])), [])


@dataclass
class _Found:
    due: list[Due] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)

    def add(
        self,
        item: Due,
        holders: list[tuple[UUID, tuple[UUID, ...]]],
    ) -> None:
        """Add a due record, or, if anything holds it, a held one."""
        holders = [(holder, holds) for holder, holds in holders if holds]
        if not holders:
            self.due.append(item)
            return
        self.held.append(
            Held(
                item.kind,
                item.record_id,
                item.due_on,
                held_by=tuple(sorted(holder for holder, _ in holders)),
                holds=tuple(sorted(hold for _, holds in holders for hold in holds)),
            )
        )


def _youths(
    trajectories: list[TrajectoryFacts],
    networks: list[NetworkFacts],
    on: date,
    terms: RetentionTerms,
    found: _Found,
) -> None:
    """jongere: the age term erases every trajectory and name-list entry of a youth."""
    per_youth: dict[UUID, list[TrajectoryFacts]] = {}
    for trajectory in trajectories:
        if not trajectory.erased:
            per_youth.setdefault(trajectory.subject_id, []).append(trajectory)
    memberships: dict[UUID, list[NetworkFacts]] = {}
    for network in networks:
        # A closed list due for destruction today (and not held) goes with its own term.
        ends = _name_list_ends(network, on, terms) and not network.holds
        for member_id in {*network.members, *({} if ends else network.placed)}:
            memberships.setdefault(member_id, []).append(network)
    for youth in sorted({*per_youth, *memberships}):
        live = per_youth.get(youth, [])
        lists = memberships.get(youth, [])
        born = [each.born_on for each in live if each.born_on is not None]
        born += [
            b
            for b in (network.members.get(youth) or network.placed.get(youth) for network in lists)
            if b is not None
        ]
        if not born:
            continue  # no known date of birth: only the other terms apply
        # Erasure cannot be undone: where records disagree, the latest date of birth counts.
        due_on = years_after(max(born), terms.age_limit)
        if due_on <= on:
            found.add(
                Due(
                    RecordKind.YOUTH,
                    youth,
                    due_on,
                    trajectories=tuple(t.trajectory_id for t in live),
                    networks=tuple(n.network_id for n in lists),
                ),
                [(t.trajectory_id, t.holds) for t in live]
                + [(n.network_id, n.holds) for n in lists],
            )


def _name_list_ends(network: NetworkFacts, on: date, terms: RetentionTerms) -> bool:
    """Return whether a closed network's name list (or its file) is due by ``on``."""
    if network.closed_on is None:
        return False
    return date.fromordinal(network.closed_on.toordinal() + terms.name_list_days) <= on or (
        years_after(network.closed_on, terms.network_years) <= on
    )


def _trajectory(
    trajectory: TrajectoryFacts, on: date, terms: RetentionTerms, found: _Found
) -> None:
    """traject: a closed trajectory, some years after its closing."""
    if trajectory.erased or trajectory.closed_on is None:
        return
    due_on = years_after(trajectory.closed_on, terms.trajectory_years)
    if due_on <= on:
        found.add(
            Due(
                RecordKind.TRAJECTORY,
                trajectory.trajectory_id,
                due_on,
                trajectories=(trajectory.trajectory_id,),
            ),
            [(trajectory.trajectory_id, trajectory.holds)],
        )


def _network(network: NetworkFacts, on: date, terms: RetentionTerms, found: _Found) -> None:
    """netwerk: a closed file some years after closing; namenlijst: its name list, some days."""
    if network.erased or network.closed_on is None:
        return
    holders = [(network.network_id, network.holds)]
    file_due_on = years_after(network.closed_on, terms.network_years)
    if file_due_on <= on:  # the file's erasure takes what is left of the name list with it
        found.add(
            Due(
                RecordKind.NETWORK, network.network_id, file_due_on, networks=(network.network_id,)
            ),
            holders,
        )
        return
    if network.name_list_erased or not network.had_name_list:
        return
    list_due_on = date.fromordinal(network.closed_on.toordinal() + terms.name_list_days)
    if list_due_on <= on:
        found.add(
            Due(
                RecordKind.NAME_LIST,
                network.network_id,
                list_due_on,
                networks=(network.network_id,),
            ),
            holders,
        )


# --- the facts, from the event store ---


def gather(app: PgaApplication) -> tuple[list[TrajectoryFacts], list[NetworkFacts]]:
    """Load every trajectory and network and return the facts retention needs."""
    trajectories = []
    for trajectory_id in app.trajectory_ids():
        trajectory = app.trajectory(trajectory_id)
        trajectories.append(
            TrajectoryFacts(
                trajectory_id=trajectory.id,
                subject_id=trajectory.subject_id,
                born_on=None if trajectory.erased else trajectory.born_on,
                closed_on=trajectory.closed_on if trajectory.is_closed else None,
                holds=tuple(sorted(trajectory.legal_holds)),
                erased=trajectory.erased,
                keys_left=trajectory.erased
                and bool(app.keys_left(trajectory_id, frozenset({trajectory_id}))),
            )
        )
    networks = []
    for network_id in app.network_ids():
        network = app.network(network_id)
        ever_placed = app.members_placed(network_id)
        tombstoned = app.member_tombstones(network_id)
        if network.erased:
            subjects = frozenset({network_id, *ever_placed})
            keys_left = bool(app.keys_left(network_id, subjects))
        elif network.name_list_erased:
            keys_left = bool(app.keys_left(network_id, frozenset(ever_placed)))
        else:
            keys_left = False
        member_keys_left = tuple(
            member_id
            for member_id in sorted(tombstoned)
            if not network.name_list_erased
            and app.keys_left(network_id, frozenset({member_id}), member_id)
        )
        networks.append(
            NetworkFacts(
                network_id=network.id,
                closed_on=network.closed_on if network.is_closed else None,
                holds=tuple(sorted(network.legal_holds)),
                members={member.member_id: member.born_on for member in network.members.values()},
                had_name_list=bool(ever_placed),
                name_list_erased=network.name_list_erased,
                erased=network.erased,
                placed=_placed(app, network, ever_placed, tombstoned),
                keys_left=keys_left,
                member_keys_left=member_keys_left,
            )
        )
    return trajectories, networks


def _placed(
    app: PgaApplication, network: YouthNetwork, ever_placed: list[UUID], tombstoned: set[UUID]
) -> dict[UUID, date | None]:
    """Return the youths placed on a network whose entry there is not erased, with birth dates."""
    if network.name_list_erased:
        return {}
    placed: dict[UUID, date | None] = {
        member_id: None for member_id in ever_placed if member_id not in tombstoned
    }
    if any(member_id not in network.members for member_id in placed):  # closed, or removed
        for event in app.events.get(network.id):
            if isinstance(event, MemberPlaced) and event.member_id in placed:
                placed[event.member_id] = event.born_on
    for member_id, member in network.members.items():
        placed[member_id] = member.born_on
    return placed


# --- running it ---


@dataclass(frozen=True)
class Erased:
    """One erasure a run did."""

    kind: RecordKind
    record_id: UUID
    due_on: date
    trajectories: tuple[UUID, ...]
    networks: tuple[UUID, ...]
    keys_destroyed: int


@dataclass(frozen=True)
class Failed:
    """A due erasure that did not happen this run (due again at the next one)."""

    kind: RecordKind
    record_id: UUID
    due_on: date
    #: The refusal's rule (``DomainError.rule``) or the application error's class name.
    error: str


@dataclass(frozen=True)
class RetentionReport:
    """What a run did (or, dry, would do): ids, kinds, dates and counts only."""

    today: date
    dry_run: bool
    terms: RetentionTerms
    erased: tuple[Erased, ...] = ()
    due: tuple[Due, ...] = ()
    held: tuple[Held, ...] = ()
    failed: tuple[Failed, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


def retention_context(settings: Settings) -> CommandContext:
    """Return the command context retention's tombstones are recorded under."""
    return CommandContext(
        actor=Actor(
            user=RETENTION_USER,
            organisation=settings.regie_organisations[0],
            role=PartnerRole.BEHEERDER,
        ),
        correlation_id=uuid4(),
    )


def run_retention(
    app: PgaApplication,
    context: CommandContext,
    terms: RetentionTerms,
    *,
    dry_run: bool = False,
    on: date | None = None,
    stop: threading.Event | None = None,
) -> RetentionReport:
    """Erase what is due today (the application's clock) and report it; ``dry_run``: only report.

    ``on`` (dry runs only) asks what will be due on another day. ``stop`` (the schedule's):
    once set, no further erasure starts (what is left is due again at the next run).
    """
    with clock.recording_clock(app.clock):
        now = today()
    if on is not None and not dry_run:
        msg = "only a dry run may look at another day than today"
        raise ValueError(msg)
    trajectories, networks = gather(app)
    planned = plan(trajectories, networks, on or now, terms)
    if dry_run:
        return _report(planned, dry_run=True)
    erased: list[Erased] = []
    failed: list[Failed] = []
    for item in planned.due:
        if stop is not None and stop.is_set():
            break  # the rest is due again at the next run
        try:
            report = _erase(app, context, item)
        except DomainError as error:
            failed.append(Failed(item.kind, item.record_id, item.due_on, error.rule))
            continue
        except Exception as error:  # noqa: BLE001 - reported; due again at the next run
            failed.append(Failed(item.kind, item.record_id, item.due_on, type(error).__name__))
            continue
        erased.append(
            Erased(
                item.kind,
                item.record_id,
                item.due_on,
                report.trajectories,
                report.networks,
                report.keys_destroyed,
            )
        )
    return _report(planned, dry_run=False, erased=tuple(erased), failed=tuple(failed))


def _erase(app: PgaApplication, context: CommandContext, item: Due) -> ErasureReport:
    why = f"Bewaartermijn verstreken ({item.kind.value}, {item.due_on.isoformat()})"
    if item.kind is RecordKind.YOUTH:
        return app.erase_subject(context, item.record_id, reason=why, basis=RETENTION_BASIS)
    if item.kind is RecordKind.TRAJECTORY:
        return app.erase_trajectory(context, item.record_id, reason=why, basis=RETENTION_BASIS)
    if item.kind is RecordKind.NAME_LIST:
        return app.erase_name_list(context, item.record_id, basis=RETENTION_BASIS)
    return app.erase_network(context, item.record_id, basis=RETENTION_BASIS)


def _report(
    planned: RetentionPlan,
    *,
    dry_run: bool,
    erased: tuple[Erased, ...] = (),
    failed: tuple[Failed, ...] = (),
) -> RetentionReport:
    counts = {f"due_{kind.value}": 0 for kind in RecordKind}
    for item in planned.due:
        counts[f"due_{item.kind.value}"] += 1
    counts["due"] = len(planned.due)
    counts["held"] = len(planned.held)
    counts["erased"] = len(erased)
    counts["failed"] = len(failed)
    return RetentionReport(
        today=planned.today,
        dry_run=dry_run,
        terms=planned.terms,
        erased=erased,
        due=planned.due,
        held=planned.held,
        failed=failed,
        counts=counts,
    )


# --- the schedule inside pga serve ---

#: Only one process runs the schedule: the one holding this advisory lock (per schema).
_LOCK = "pga-retention:{schema}"
#: How often a process without the lock tries to take it (another worker or host ran it).
STANDBY_SECONDS = 60.0


class RetentionSchedule:
    """Run retention now and then every ``interval_hours``, in one process of all that serve.

    A daemon thread takes a session advisory lock on its own connection; the process holding
    it runs the schedule, the others stand by and take over when it goes away. A failing run is
    logged (counts and the error's class only) and retried at the next interval.
    """

    def __init__(
        self,
        app: PgaApplication,
        settings: Settings,
        database_url: str,
        *,
        interval_hours: float,
    ) -> None:
        """Prepare the schedule; ``start`` starts it."""
        self.app = app
        self.settings = settings
        self.database_url = database_url
        self.interval = interval_hours * 3600.0
        self.stop = threading.Event()
        self.runs = 0
        self.last: RetentionReport | None = None
        self._thread = threading.Thread(target=self._loop, name="pga-retention", daemon=True)

    def start(self) -> None:
        """Start the schedule's thread."""
        self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the schedule (a run under way finishes first) and release the lock."""
        self.stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        lock = _LOCK.format(schema=self.settings.database_schema)
        while not self.stop.is_set():
            try:
                with psycopg.connect(
                    self.database_url, autocommit=True, application_name="pga-retention"
                ) as connection:
                    row = connection.execute(
                        "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (lock,)
                    ).fetchone()
                    if row is not None and row[0]:
                        self._lead(connection)
                        return
            except psycopg.Error as error:
                _LOG.warning("retention schedule: database unavailable (%s)", type(error).__name__)
            self.stop.wait(STANDBY_SECONDS)

    def _lead(self, connection: psycopg.Connection[tuple[object, ...]]) -> None:
        """Hold the lock (this connection) and run every interval until stopped."""
        while not self.stop.is_set():
            self._run_once()
            if self.stop.wait(self.interval):
                break
            connection.execute("SELECT 1")  # the lock's session is still there

    def _run_once(self) -> None:
        try:
            report = run_retention(
                self.app,
                retention_context(self.settings),
                RetentionTerms.of(self.settings),
                stop=self.stop,
            )
        except Exception as error:  # noqa: BLE001 - logged; the next interval tries again
            _LOG.error("retention run failed: %s", type(error).__name__)
            return
        self.runs += 1
        self.last = report
        counts = report.counts
        _LOG.info(
            "retention run: %d erased, %d held, %d failed",
            counts["erased"],
            counts["held"],
            counts["failed"],
        )
