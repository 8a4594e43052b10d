"""Simulated time for the demo: a recording clock, seeded ids, and a scheduler of processes.

A *process* is a Python generator that records a few commands and then yields the date on which
it wants to continue. The ``Simulation`` resumes processes strictly in date order (a priority
queue), moving the recording clock forward before each one, so the clock never goes back and
no command records a date after the clock's day: the domain refuses dates in the future.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypedDict, TypeVar
from uuid import UUID

from pga.domain.catalogue import PartnerRole
from pga.recording import Actor, CommandContext

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pga.application import PgaApplication, Recorded
    from pga.domain.clock import Clock

SIMULATION_START = date(2024, 12, 1)
SIMULATION_END = date(2026, 11, 20)
#: Office hours in UTC (08:00 to 17:00 in Almere in winter): when simulated work happens.
_OFFICE_OPENS = time(7, 0, tzinfo=UTC)
_OFFICE_MINUTES = 9 * 60
#: Minutes between two commands of one process (someone typing in the next step).
_MINUTES_PER_COMMAND = (1, 6)
_SATURDAY = 5

Process = Generator[date, None, None]
"""A simulated actor: records commands, yields the date it continues on, ends by returning."""

Phase = Generator[date, None, bool]
"""Part of a process; returns whether the process goes on afterwards."""

T = TypeVar("T")


class DemoClock:
    """A recording clock that only the demo generator moves, and only forward."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            msg = "the demo clock needs a timezone-aware start"
            raise ValueError(msg)
        self.start = start
        self._now = start

    def __call__(self) -> datetime:
        """Return the simulated time."""
        return self._now

    def advance_to(self, moment: datetime) -> None:
        """Move the clock to ``moment`` unless it is already later."""
        self._now = max(self._now, moment)

    def tick(self, minutes: int) -> None:
        """Let ``minutes`` pass."""
        self._now += timedelta(minutes=minutes)


class SeededIds:
    """An id factory that returns the same sequence of version-4 UUIDs for the same seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        # A Random of its own, so ids do not shift when the content generator draws differently.
        self._random = random.Random(f"pga-demo-ids:{seed}")  # noqa: S311 - not for security

    def __call__(self) -> UUID:
        """Return the next id."""
        return UUID(int=self._random.getrandbits(128), version=4)


class DemoOptions(TypedDict):
    """The ``PgaApplication`` options that make the demo deterministic."""

    clock_source: Clock
    new_id: Callable[[], UUID]


def demo_application_options(seed: int) -> DemoOptions:
    """Return the options to build an application for ``generate(app, seed=seed)``.

    Pass them on: ``open_application(settings, **demo_application_options(seed))``.
    """
    start = datetime.combine(SIMULATION_START, _OFFICE_OPENS)
    return {"clock_source": DemoClock(start), "new_id": SeededIds(seed)}


@dataclass
class Handle:
    """An aggregate the simulation writes to, and the version its next command expects."""

    aggregate_id: UUID
    version: int


class Simulation:
    """Runs processes in date order against the application, with simulated time and actors."""

    def __init__(
        self, app: PgaApplication, rng: random.Random, clock: DemoClock, end: date
    ) -> None:
        self.app = app
        self.rng = rng
        self.clock = clock
        self.end = end
        self.today = clock().date()
        self._queue: list[tuple[datetime, int, Process]] = []
        self._order = itertools.count()

    # --- time and processes ---

    def spawn(self, process: Process, on: date) -> None:
        """Start (or resume) ``process`` on ``on`` (a Saturday or Sunday: the Monday after).

        It runs at a random time within office hours.
        """
        if on.weekday() >= _SATURDAY:
            on += timedelta(days=7 - on.weekday())
        if on < self.today:
            msg = f"a process asked to continue on {on}, before the simulation's day {self.today}"
            raise RuntimeError(msg)
        if on > self.end:
            process.close()
            return
        moment = datetime.combine(on, _OFFICE_OPENS) + timedelta(
            minutes=self.rng.randrange(_OFFICE_MINUTES)
        )
        heapq.heappush(self._queue, (moment, next(self._order), process))

    def run(self) -> None:
        """Run every process until each has ended or wants to continue after the end date."""
        while self._queue:
            moment, _, process = heapq.heappop(self._queue)
            self.clock.advance_to(moment)
            self.today = moment.date()
            on = next(process, None)
            if on is not None:
                self.spawn(process, on)

    def at(self, on: date, action: Callable[[], None]) -> None:
        """Run ``action`` once, on ``on``."""

        def once() -> Process:
            action()
            yield from ()

        self.spawn(once(), on)

    def later(self, low: int, high: int) -> date:
        """Return a day between ``low`` and ``high`` days from today."""
        return self.today + timedelta(days=self.rng.randint(low, high))

    def earlier(self, low: int, high: int) -> date:
        """Return a day between ``low`` and ``high`` days before today."""
        return self.today - timedelta(days=self.rng.randint(low, high))

    # --- chance ---

    def chance(self, probability: float) -> bool:
        """Return ``True`` with ``probability``."""
        return self.rng.random() < probability

    def pick(self, options: Sequence[T]) -> T:
        """Return one of ``options``."""
        return self.rng.choice(options)

    def pick_weighted(self, weighted: dict[T, int]) -> T:
        """Return one key of ``weighted``, with the values as relative weights."""
        return self.rng.choices(list(weighted), list(weighted.values()))[0]

    def between(self, low: int, high: int) -> int:
        """Return a whole number from ``low`` to ``high``."""
        return self.rng.randint(low, high)

    # --- recording ---

    def create(self, actor: Actor, command: Callable[[CommandContext], Recorded]) -> Handle:
        """Run a command that creates an aggregate; return its handle."""
        recorded = command(self._context(actor))
        return Handle(recorded.aggregate_id, recorded.version)

    def change(
        self,
        handle: Handle,
        actor: Actor,
        command: Callable[[CommandContext, UUID, int], Recorded],
    ) -> Recorded:
        """Run a command on ``handle``'s aggregate at the version last recorded."""
        recorded = command(self._context(actor), handle.aggregate_id, handle.version)
        handle.version = recorded.version
        return recorded

    def add(
        self,
        handle: Handle,
        actor: Actor,
        command: Callable[[CommandContext, UUID, int], Recorded],
    ) -> UUID:
        """Run a command that adds something to the aggregate; return the new thing's id."""
        entity_id = self.change(handle, actor, command).entity_id
        if entity_id is None:
            msg = "the command recorded no id of what it added"
            raise RuntimeError(msg)
        return entity_id

    def new_id(self) -> UUID:
        """Return a new id from the application's (seeded) id factory."""
        return self.app.new_id()

    def _context(self, actor: Actor) -> CommandContext:
        self.clock.tick(self.rng.randint(*_MINUTES_PER_COMMAND))
        return CommandContext(actor=actor, correlation_id=self.app.new_id())


def actor(user: str, organisation: str, role: PartnerRole) -> Actor:
    """Return the actor for a user of ``organisation`` acting in ``role``."""
    on_behalf_of = "burgemeester van Almere" if role == PartnerRole.BURGEMEESTER else None
    return Actor(user=user, organisation=organisation, role=role, on_behalf_of=on_behalf_of)
