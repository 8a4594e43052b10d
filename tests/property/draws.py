"""What the machines draw from: days around the fake "now", texts, codes and names.

Each strategy mixes plausible values with implausible ones (future days, blank text, unknown
codes, malformed names), so that both accepted and refused commands happen often.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

from hypothesis import strategies as st

from pga.domain import PartnerRole

from .harness import TODAY

if TYPE_CHECKING:
    from collections.abc import Iterable

T = TypeVar("T")


def days_from_today(offsets: st.SearchStrategy[int]) -> st.SearchStrategy[date]:
    """Return the days ``offsets`` away from the fake today."""
    return offsets.map(lambda offset: TODAY + timedelta(days=offset))


#: How long ago the machines' aggregates started (their first event's date), in days.
STARTED_DAYS_AGO = st.integers(20, 60)
_RECENT = st.integers(-19, 1)
#: A day something happened: mostly since the start, sometimes long ago, sometimes ahead.
DAYS = days_from_today(st.one_of(_RECENT, _RECENT, st.integers(-800, -20), st.integers(2, 90)))
#: A day something is planned for: past or future.
PLANNED_DAYS = days_from_today(st.integers(-60, 120))


def codes(valid: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Mostly catalogue codes, sometimes codes no catalogue list has."""
    known = st.sampled_from(valid)
    return st.one_of(known, known, known, st.sampled_from(("onbekend", "", "Straatroof", "halt ")))


def known_or(known: Iterable[T], anything: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """Mostly one of ``known`` (when there are any), otherwise anything."""
    options = sorted(known, key=str)
    if not options:
        return anything
    return st.one_of(st.sampled_from(options), st.sampled_from(options), anything)


_SENSIBLE_TEXTS = st.sampled_from(
    ("afspraken nagekomen", "  volgens plan  ", "geen medewerking meer", "overdracht wijkteam")
)
TEXTS = st.one_of(
    _SENSIBLE_TEXTS,
    _SENSIBLE_TEXTS,
    _SENSIBLE_TEXTS,
    st.sampled_from(("", "   ", "\t\n")),
    st.text(max_size=8),
)
OPTIONAL_TEXTS = st.none() | TEXTS

ORGANISATIONS = (
    "politie-almere",
    "halt-flevoland",
    "jeugdreclassering-wv",
    "zorg-flevoland",
    "gemeente-almere",
    "school-de-linde",
    "leerplicht-almere",
)
ORGANISATION_NAMES = st.one_of(
    st.sampled_from(ORGANISATIONS),
    st.sampled_from(ORGANISATIONS),
    st.sampled_from(("ggd-flevoland", "Politie Almere", "", "-halt")),
)
USERS = st.sampled_from(("r.devries", "a.bakker", "regisseur-3", "", "met spatie"))
ALL_ROLES = st.sampled_from(list(PartnerRole))
