"""Domain errors: one class per rule, a stable kebab-case name, messages without personal data."""

from __future__ import annotations

import inspect
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from pga.domain import errors
from pga.domain.errors import DomainError, RuleViolation, StateConflict
from tests.unit.builders import (
    BORN_ON,
    FAMILY_NAME,
    GIVEN_NAME,
    POLICE_REFERENCE,
    REFERRED_ON,
    referred_trajectory,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from pga.domain.trajectory import Trajectory

KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ERROR_CLASSES = sorted(
    (
        value
        for _, value in inspect.getmembers(errors, inspect.isclass)
        if issubclass(value, DomainError) and value.__module__ == errors.__name__
    ),
    key=lambda error: error.__name__,
)
FAMILIES = (DomainError, RuleViolation, StateConflict)


@pytest.mark.parametrize("error", ERROR_CLASSES, ids=lambda error: error.__name__)
def test_every_error_has_a_kebab_case_rule(error: type[DomainError]) -> None:
    assert KEBAB.fullmatch(error.rule)


def test_every_rule_name_belongs_to_exactly_one_error_class() -> None:
    rules = [error.rule for error in ERROR_CLASSES]

    assert len(rules) == len(set(rules))


@pytest.mark.parametrize(
    "error",
    [error for error in ERROR_CLASSES if error not in FAMILIES],
    ids=lambda error: error.__name__,
)
def test_every_rule_error_is_either_a_rule_violation_or_a_state_conflict(
    error: type[DomainError],
) -> None:
    assert issubclass(error, RuleViolation) != issubclass(error, StateConflict)
    assert error.__doc__


#: Refused referrals of the synthetic youth, each for a different rule.
REFUSED_REFERRALS: dict[str, Callable[[], Trajectory]] = {
    "not-a-minor": lambda: referred_trajectory(born_on=date(2006, 3, 4)),
    "offence-not-included": lambda: referred_trajectory(offence_category="afpersing"),
    "unknown-offence": lambda: referred_trajectory(offence_category="onbekend"),
    "suspected-after-referral": lambda: referred_trajectory(
        suspected_on=REFERRED_ON + timedelta(days=1)
    ),
    "born-after-referral": lambda: referred_trajectory(born_on=REFERRED_ON + timedelta(days=1)),
    "overlong-given-name": lambda: referred_trajectory(given_name=GIVEN_NAME * 10),
    "overlong-police-reference": lambda: referred_trajectory(
        police_reference=POLICE_REFERENCE * 10
    ),
    "bad-organisation": lambda: referred_trajectory(referring_organisation=FAMILY_NAME),
}


@pytest.mark.parametrize("refusal", sorted(REFUSED_REFERRALS))
def test_a_refused_referral_names_no_personal_data(refusal: str) -> None:
    with pytest.raises(DomainError) as refused:
        REFUSED_REFERRALS[refusal]()

    message = str(refused.value)
    assert message == refused.value.message
    assert message
    for personal in (GIVEN_NAME, FAMILY_NAME, POLICE_REFERENCE, BORN_ON.isoformat(), "2006"):
        assert personal not in message
