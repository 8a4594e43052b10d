"""What the stateful machines share: a fake clock, replay, snapshots and strict equality.

``AggregateMachine`` runs commands and checks what every aggregate owes: a refused command
changes nothing, and the replay of the stored events (and a stored snapshot) gives the live state.

"Rebuilt equals live" is checked with ``assert_same_state``, which compares values *and* their
types all the way down: a ``str`` that equals a ``StrEnum`` member, or a ``datetime`` standing in
for a ``date``, would pass ``==`` but is a decoding bug all the same.
"""

from __future__ import annotations

import dataclasses
import pickle
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.domain import Aggregate, CanMutateProtocol, CanSnapshotAggregate
from eventsourcing.persistence import JSONTranscoder
from hypothesis import event
from hypothesis.stateful import RuleBasedStateMachine, invariant

from pga.domain import DomainError
from pga.domain.clock import recording_clock
from pga.store.mapper import PgaMapper, PlaintextProtector

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from functools import partial
    from uuid import UUID

    from eventsourcing.domain import CanMutateAggregate, DomainEventProtocol

#: The store's mapper; told to keep personal values in the clear (these machines test the
#: domain's round trip, not the encryption: tests/integration/rights/test_crypto_shredding.py).
MAPPER = PgaMapper(JSONTranscoder(), protector=PlaintextProtector())

#: The fake "now" the machines record at: a weekday morning, far from midnight.
START = datetime(2024, 6, 14, 9, 30, tzinfo=UTC)
TODAY = START.date()
LATEST_RECORDABLE = TODAY + timedelta(days=1)  # "not in the future", with a day's tolerance
#: Closing (and erasing) ends most of what a run can explore: random attempts wait until then.
LATE = 10


class TickingClock:
    """A recording clock that starts at ``START`` and moves one second on every reading."""

    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        """Return the next moment."""
        self.moment += timedelta(seconds=1)
        return self.moment

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Record events (and judge "not in the future") at this clock's times."""
        with recording_clock(self):
            yield


def deep_copy(state: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of an aggregate's state (pickling is ``copy.deepcopy``, but faster)."""
    return cast("dict[str, Any]", pickle.loads(pickle.dumps(state)))  # noqa: S301 - our own bytes


def round_trip(event: DomainEventProtocol[UUID]) -> DomainEventProtocol[UUID]:
    """Return ``event`` as the store gives it back: encoded by the mapper, then decoded."""
    return MAPPER.to_domain_event(MAPPER.to_stored_event(event))


def rebuild(events: Sequence[DomainEventProtocol[UUID]]) -> Aggregate:
    """Replay the stored form of ``events``, as a repository does without snapshots."""
    return replay([round_trip(item) for item in events])


def replay(events: Sequence[DomainEventProtocol[UUID]]) -> Aggregate:
    """Replay ``events`` from nothing."""
    mutators = [cast("CanMutateProtocol[Aggregate]", item) for item in events]
    aggregate = mutators[0].mutate(None)
    for item in mutators[1:]:
        aggregate = item.mutate(aggregate)
    assert aggregate is not None
    return aggregate


def restore_snapshot(aggregate: Aggregate) -> Aggregate:
    """Take a snapshot of ``aggregate``, store and load it, and return what it restores."""
    snapshot = round_trip(type(aggregate).Snapshot.take(aggregate))
    assert isinstance(snapshot, CanSnapshotAggregate)
    restored = snapshot.mutate(None)
    assert isinstance(restored, Aggregate)
    return restored


def assert_same_aggregate(actual: Aggregate, expected: Aggregate) -> None:
    """Assert two aggregates hold the same state, attribute by attribute, types included."""
    assert type(actual) is type(expected)
    assert actual == expected  # the library's own notion: ``__dict__`` equality
    live, other = vars(expected), vars(actual)
    assert other.keys() == live.keys()
    for name, value in live.items():  # attribute by attribute: a snapshot orders them otherwise
        assert_same_state(other[name], value, name)


def assert_same_state(actual: object, expected: object, path: str = "state") -> None:
    """Assert ``actual`` equals ``expected`` with identical types at every level."""
    if repr(actual) != repr(expected):  # reprs name every type: enums, dates, value objects
        _assert_same_types(actual, expected, path)


def _assert_same_types(actual: object, expected: object, path: str) -> None:
    assert type(actual) is type(expected), (
        f"{path}: {type(actual).__name__} {actual!r} is not {type(expected).__name__} {expected!r}"
    )
    if isinstance(expected, dict):
        actual_dict = cast("dict[Any, Any]", actual)
        assert actual_dict.keys() == expected.keys(), f"{path}: keys differ"
        assert {type(key) for key in actual_dict} == {type(key) for key in expected}, path
        for key, value in expected.items():
            _assert_same_types(actual_dict[key], value, f"{path}[{key!r}]")
    elif isinstance(expected, list | tuple):
        actual_items = cast("Sequence[object]", actual)
        assert len(actual_items) == len(expected), f"{path}: lengths differ"
        for index, (left, right) in enumerate(zip(actual_items, expected, strict=True)):
            _assert_same_types(left, right, f"{path}[{index}]")
    elif dataclasses.is_dataclass(expected):
        for field in dataclasses.fields(expected):
            _assert_same_types(
                getattr(actual, field.name), getattr(expected, field.name), f"{path}.{field.name}"
            )
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


class AggregateMachine(RuleBasedStateMachine):
    """A state machine driving one aggregate: ``attempt`` runs a command and checks the outcome.

    After every step the aggregate's version counts the events it recorded, and both the replay
    of those events and a snapshot, each through the store's mapper, give the live state.
    """

    def __init__(self) -> None:
        super().__init__()
        self.clock = TickingClock()
        self.events: list[CanMutateAggregate[UUID]] = []
        #: The same events as the store gives them back (each passed through the mapper once).
        self.stored: list[DomainEventProtocol[UUID]] = []

    def live(self) -> Aggregate:
        """Return the aggregate under test."""
        raise NotImplementedError

    def attempt(self, command: partial[None], *, happened: tuple[date, ...] = ()) -> bool:
        """Run ``command`` on the live aggregate and return whether it was accepted.

        A refusal must be a ``DomainError`` and leave the aggregate exactly as it was; an
        acceptance records one event and never a ``happened`` date in the future.
        """
        aggregate = self.live()
        name = command.func.__name__
        before = deep_copy(vars(aggregate))
        version = aggregate.version
        try:
            with self.clock.recording():
                command()
        except DomainError as refusal:
            event(f"{name}: refused ({type(refusal).__name__})")
            assert_same_state(vars(aggregate), before)
            assert aggregate.version == version
            return False
        event(f"{name}: accepted")
        new_events = aggregate.collect_events()
        assert len(new_events) == 1, "a command records exactly one event"
        self.keep(new_events)
        assert aggregate.version == version + 1
        assert all(day <= LATEST_RECORDABLE for day in happened), "a future date was recorded"
        return True

    def keep(self, new_events: Sequence[CanMutateAggregate[UUID]]) -> None:
        """Keep newly recorded events, and their stored form."""
        self.events.extend(new_events)
        self.stored.extend(round_trip(item) for item in new_events)

    @invariant()
    def the_version_counts_the_events(self) -> None:
        """Check the version is the number of events, numbered from 1 without gaps."""
        assert self.live().version == len(self.events)
        versions = [recorded.originator_version for recorded in self.events]
        assert versions == list(range(1, len(self.events) + 1))
        assert self.live().pending_events == []

    @invariant()
    def the_stored_events_rebuild_the_live_state(self) -> None:
        """Check replaying the stored events gives the live state."""
        assert_same_aggregate(replay(self.stored), self.live())

    @invariant()
    def a_stored_snapshot_restores_the_live_state(self) -> None:
        """Check a stored snapshot restores the live state."""
        assert_same_aggregate(restore_snapshot(self.live()), self.live())
