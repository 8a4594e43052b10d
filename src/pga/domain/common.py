"""Building blocks shared by the aggregates: the event base classes, dates, text, partners."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from pga.domain import clock
from pga.domain.catalogue import NON_CASE_ROLES, Catalogue, PartnerRole
from pga.domain.errors import (
    DateOrderViolation,
    InvalidValue,
    PartnerAlreadyInvolved,
    ReasonRequired,
)

MAX_TEXT = 4000
MAX_SHORT_TEXT = 200
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Control characters other than tab, line feed and carriage return: PostgreSQL cannot store NUL
#: in text, and none of them belongs in a name, a reference or a note.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A recorded date may be at most this far after the recording day (time zones around midnight).
_FUTURE_TOLERANCE = timedelta(days=1)


class PgaEvent(Aggregate.Event):
    """Base class of every pga domain event.

    ``personal_fields`` names the fields that hold personal data (names, dates of birth, free
    text, references into police systems). The store passes exactly those fields through the
    per-subject protection step; everything else stays readable for projections and audits.
    """

    personal_fields: ClassVar[tuple[str, ...]] = ()
    #: The field holding the id of the subject the personal fields are about, when that is not
    #: the aggregate itself (a member's placement: ``"member_id"``); the store encrypts them
    #: under that subject's data key (``pga.store.subject_keys``).
    subject_field: ClassVar[str | None] = None
    #: The subset of ``personal_fields`` that is secret even where personal data is shown (the
    #: BSN): read models never receive these values and auditors see them redacted. The store
    #: encrypts them with every other personal field, under the subject's data key.
    encrypted_fields: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def create_timestamp() -> datetime:
        """Stamp events with the recording clock (see ``pga.domain.clock``)."""
        return clock.now()


class PgaCreated(PgaEvent, Aggregate.Created):
    """Base class of the events that start an aggregate."""


class LetterRecipients(StrEnum):
    """Who gets the information letter (informatieplicht, AVG art. 14), by the youth's age."""

    OUDERS = "ouders"
    JONGERE_EN_OUDERS = "jongere_en_ouders"
    JONGERE = "jongere"


#: Under this age the letter goes to the parents only; from it on to the youth and the parents.
_LETTER_BOTH_FROM_AGE = 12
#: From this age on the letter goes to the youth only.
_LETTER_YOUTH_FROM_AGE = 16
_BSN_LENGTH = 9


def letter_recipients(born_on: date | None, on: date) -> LetterRecipients:
    """Return who gets the information letter for a youth born on ``born_on``, sent ``on``.

    Under 12 the parents, 12 to 15 the youth and the parents, 16 and older the youth; without a
    known date of birth both the youth and the parents.
    """
    if born_on is None:
        return LetterRecipients.JONGERE_EN_OUDERS
    age = age_on(born_on, on)
    if age < _LETTER_BOTH_FROM_AGE:
        return LetterRecipients.OUDERS
    if age < _LETTER_YOUTH_FROM_AGE:
        return LetterRecipients.JONGERE_EN_OUDERS
    return LetterRecipients.JONGERE


def bsn(field: str, value: str) -> str:
    """Return a burgerservicenummer: nine digits that pass the elfproef.

    The elfproef: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11 (and the number is not all
    zeros). Error messages never echo the value: a BSN is personal data.
    """
    if len(value) != _BSN_LENGTH or not value.isascii() or not value.isdigit():
        raise InvalidValue(field, "must be exactly 9 digits")
    digits = [int(ch) for ch in value]
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    if not any(digits) or sum(w * d for w, d in zip(weights, digits, strict=True)) % 11:
        raise InvalidValue(field, "is not a valid BSN (elfproef)")
    return value


def today() -> date:
    """Return the recording day: the municipality's calendar date (not UTC's, which lags it)."""
    return clock.now().astimezone(clock.MUNICIPAL_TIME).date()


def age_on(born_on: date, day: date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``born_on``."""
    before_birthday = (day.month, day.day) < (born_on.month, born_on.day)
    return day.year - born_on.year - int(before_birthday)


def add_months(day: date, months: int) -> date:
    """Return ``day`` plus ``months`` calendar months, clamped to the end of the month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def not_in_future(field: str, day: date) -> date:
    """Refuse a date after the recording day: the platform records what happened."""
    if day > today() + _FUTURE_TOLERANCE:
        raise InvalidValue(field, "must not be in the future")
    return day


def not_before(later_field: str, later: date, earlier_field: str, earlier: date) -> None:
    """Refuse ``later`` when it is before ``earlier``."""
    if later < earlier:
        raise DateOrderViolation(later_field, earlier_field)


def text(field: str, value: str, *, max_length: int = MAX_TEXT) -> str:
    """Return ``value`` stripped; refuse empty or overlong text."""
    stripped = value.strip()
    if not stripped:
        raise InvalidValue(field, "must not be empty")
    if len(stripped) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    if _CONTROL.search(stripped):
        raise InvalidValue(field, "must not contain control characters")
    return stripped


def optional_text(field: str, value: str | None, *, max_length: int = MAX_TEXT) -> str | None:
    """Like ``text`` but ``None`` (or blank) means absent."""
    if value is None or not value.strip():
        return None
    return text(field, value, max_length=max_length)


#: Why a subject's personal data is erased (the tombstone keeps the code, never a free text):
#: the subject's request (AVG art. 17), the end of a retention term, unlawful processing, or a
#: legal obligation.
ERASURE_BASES = ("avg-17-verzoek", "bewaartermijn", "onrechtmatige-verwerking", "wettelijke-plicht")


def erasure_basis(value: str) -> str:
    """Return an erasure basis code from ``ERASURE_BASES``; refuse anything else."""
    if value not in ERASURE_BASES:
        raise InvalidValue("basis", f"must be one of {', '.join(ERASURE_BASES)}")
    return value


#: Why records are kept beyond their retention term (a legal hold; the hold keeps the code, its
#: free-text reason is personal): a criminal investigation or case, other legal proceedings, a
#: complaint or objection being handled, the subject's request to restrict processing (AVG art.
#: 18), or an inquiry by a supervisory authority.
HOLD_BASES = (
    "strafzaak",
    "gerechtelijke-procedure",
    "klacht-of-bezwaar",
    "avg-18-beperking",
    "onderzoek-toezichthouder",
)


def hold_basis(value: str) -> str:
    """Return a legal hold's basis code from ``HOLD_BASES``; refuse anything else."""
    if value not in HOLD_BASES:
        raise InvalidValue("basis", f"must be one of {', '.join(HOLD_BASES)}")
    return value


@dataclass(frozen=True)
class LegalHold:
    """A legal hold on a trajectory or a network: while it is in place nothing in it is erased."""

    hold_id: UUID
    placed_on: date
    basis: str


def reason(action: str, value: str) -> str:
    """Return a required reason, stripped; refuse a blank one."""
    if not value.strip():
        raise ReasonRequired(action)
    return text("reason", value)


def slug(field: str, value: str) -> str:
    """Return an organisation id (``gemeente-almere``); refuse anything else."""
    if len(value) > MAX_SHORT_TEXT or not _SLUG.fullmatch(value):
        raise InvalidValue(field, "must be a lowercase slug like 'gemeente-almere'")
    return value


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds a control character other than tab, line feed or return."""
    return _CONTROL.search(value) is not None


def user_id(field: str, value: str) -> str:
    """Return a user id (the JWT ``sub``): short, no whitespace."""
    if (
        not value
        or len(value) > MAX_SHORT_TEXT
        or any(ch.isspace() for ch in value)
        or _CONTROL.search(value)
    ):
        raise InvalidValue(field, "must be a non-empty user id without spaces")
    return value


@dataclass(frozen=True)
class Involvement:
    """A partner organisation taking part in a case: in which role, on which basis, since when."""

    organisation: str
    role: PartnerRole
    legal_basis: str
    since: date


def new_involvement(
    catalogue: Catalogue,
    current: dict[str, Involvement],
    *,
    organisation: str,
    role: PartnerRole,
    legal_basis: str,
    since: date,
) -> Involvement:
    """Validate a partner joining a case and return the involvement to record."""
    organisation = slug("organisation", organisation)
    if role in NON_CASE_ROLES:
        raise InvalidValue("role", f"role '{role}' is never involved in case content")
    if organisation in current:
        raise PartnerAlreadyInvolved(organisation)
    return Involvement(
        organisation=organisation,
        role=role,
        legal_basis=catalogue.legal_bases.require(legal_basis),
        since=not_in_future("since", since),
    )
