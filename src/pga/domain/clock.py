"""The recording clock: when a domain event is recorded.

Events take their timestamp from this clock instead of the wall clock directly, so that the
demo generator (and tests) can record a plausible two-year history with deterministic times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

MUNICIPAL_TIME = ZoneInfo("Europe/Amsterdam")
"""Dates (today, due dates, what a document shows) are the municipality's calendar dates."""


def system_clock() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(tz=UTC)


_current: ContextVar[Clock] = ContextVar("pga_recording_clock", default=system_clock)


def now() -> datetime:
    """Return the recording time of the current context (UTC, timezone-aware)."""
    moment = _current.get()()
    if moment.tzinfo is None:
        msg = "the recording clock must return timezone-aware datetimes"
        raise ValueError(msg)
    return moment.astimezone(UTC)


@contextmanager
def recording_clock(clock: Clock) -> Iterator[None]:
    """Record every event triggered inside the block with times from ``clock``."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)
