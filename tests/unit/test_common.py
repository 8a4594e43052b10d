"""The shared building blocks: ages and months, the recording clock, text, slugs, involvement."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pga.domain import clock
from pga.domain.catalogue import DEFAULT_CATALOGUE, PartnerRole
from pga.domain.clock import recording_clock
from pga.domain.common import (
    MAX_SHORT_TEXT,
    MAX_TEXT,
    Involvement,
    PgaEvent,
    add_months,
    age_on,
    new_involvement,
    not_before,
    not_in_future,
    optional_text,
    reason,
    slug,
    text,
    today,
    user_id,
)
from pga.domain.errors import (
    DateOrderViolation,
    InvalidValue,
    PartnerAlreadyInvolved,
    ReasonRequired,
    UnknownCatalogueEntry,
)
from pga.domain.network import NETWORK_EVENTS, YouthNetwork
from pga.domain.trajectory import TRAJECTORY_EVENTS, Trajectory
from tests.unit.builders import LATER, opened_network, referred_trajectory

#: Noon UTC on the recording day used by these tests.
RECORDED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return RECORDED_AT


# --- age_on ---


@pytest.mark.parametrize(
    ("born_on", "day", "age"),
    [
        pytest.param(date(2006, 3, 5), date(2024, 3, 4), 17, id="day-before-18th-birthday"),
        pytest.param(date(2006, 3, 5), date(2024, 3, 5), 18, id="on-18th-birthday"),
        pytest.param(date(2006, 12, 31), date(2024, 1, 1), 17, id="new-year"),
        pytest.param(date(2010, 7, 1), date(2010, 7, 1), 0, id="day-of-birth"),
        pytest.param(date(2008, 2, 29), date(2024, 2, 28), 15, id="leap-day-in-leap-year-before"),
        pytest.param(date(2008, 2, 29), date(2024, 2, 29), 16, id="leap-day-in-leap-year"),
        pytest.param(date(2008, 2, 29), date(2026, 2, 28), 17, id="leap-day-common-year-28-feb"),
        pytest.param(date(2008, 2, 29), date(2026, 3, 1), 18, id="leap-day-common-year-1-mar"),
    ],
)
def test_age_on_counts_whole_years(born_on: date, day: date, age: int) -> None:
    assert age_on(born_on, day) == age


# --- add_months ---


@pytest.mark.parametrize(
    ("day", "months", "result"),
    [
        pytest.param(date(2024, 4, 1), 3, date(2024, 7, 1), id="plain"),
        pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="31-jan-leap-year"),
        pytest.param(date(2023, 1, 31), 1, date(2023, 2, 28), id="31-jan-common-year"),
        pytest.param(date(2024, 3, 31), 1, date(2024, 4, 30), id="31-mar-to-30-apr"),
        pytest.param(date(2023, 11, 30), 3, date(2024, 2, 29), id="30-nov-plus-3-leap"),
        pytest.param(date(2022, 11, 30), 3, date(2023, 2, 28), id="30-nov-plus-3-common"),
        pytest.param(date(2024, 10, 31), 3, date(2025, 1, 31), id="over-the-year-end"),
        pytest.param(date(2024, 12, 15), 1, date(2025, 1, 15), id="december-plus-1"),
        pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="leap-day-plus-a-year"),
        pytest.param(date(2024, 5, 17), 0, date(2024, 5, 17), id="zero"),
        pytest.param(date(2024, 1, 15), -1, date(2023, 12, 15), id="minus-1-over-year-start"),
        pytest.param(date(2024, 3, 31), -1, date(2024, 2, 29), id="minus-1-clamped"),
        pytest.param(date(2024, 1, 31), 25, date(2026, 2, 28), id="over-two-years"),
    ],
)
def test_add_months_adds_calendar_months_clamped_to_the_month_end(
    day: date, months: int, result: date
) -> None:
    assert add_months(day, months) == result


# --- the recording clock ---


def test_the_recording_clock_sets_today() -> None:
    with recording_clock(fixed_clock):
        assert today() == date(2024, 6, 1)
        assert clock.now() == RECORDED_AT


def test_the_recording_clock_is_restored_after_the_block() -> None:
    with recording_clock(fixed_clock):
        pass

    assert clock.now() != RECORDED_AT
    assert clock.now().tzinfo is not None


def test_the_recording_clock_returns_utc_for_another_time_zone() -> None:
    amsterdam_summer = timezone(timedelta(hours=2))

    with recording_clock(lambda: datetime(2024, 6, 2, 1, 30, tzinfo=amsterdam_summer)):
        moment = clock.now()

    assert moment == datetime(2024, 6, 1, 23, 30, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)


def test_the_recording_clock_refuses_naive_datetimes() -> None:
    naive = datetime(2024, 6, 1, 12, 0)  # noqa: DTZ001 - the mistake under test

    with recording_clock(lambda: naive), pytest.raises(ValueError, match="timezone-aware"):
        clock.now()


def test_events_are_stamped_with_the_recording_clock() -> None:
    with recording_clock(fixed_clock):
        trajectory = referred_trajectory()
        trajectory.make_care_report(made_on=LATER - timedelta(days=3), summary="Voorbeeld")
        network = opened_network()

    (event,) = trajectory.collect_events()
    assert event.timestamp == RECORDED_AT
    assert trajectory.modified_on == RECORDED_AT
    assert network.created_on == RECORDED_AT


# --- not_in_future and not_before ---


@pytest.mark.parametrize(
    "day", [date(2020, 1, 1), date(2024, 6, 1), date(2024, 6, 2)], ids=["past", "today", "tomorrow"]
)
def test_not_in_future_accepts_up_to_a_day_after_the_recording_day(day: date) -> None:
    with recording_clock(fixed_clock):
        assert not_in_future("held_on", day) == day


def test_not_in_future_refuses_two_days_after_the_recording_day() -> None:
    with recording_clock(fixed_clock), pytest.raises(InvalidValue) as refused:
        not_in_future("held_on", date(2024, 6, 3))

    assert refused.value.field == "held_on"


def test_not_in_future_follows_the_recording_clock_not_the_wall_clock() -> None:
    with recording_clock(lambda: datetime(2019, 1, 1, tzinfo=UTC)), pytest.raises(InvalidValue):
        not_in_future("held_on", date(2020, 1, 1))


def test_not_before_accepts_the_same_day_and_refuses_an_earlier_one() -> None:
    not_before("ended_on", date(2024, 5, 1), "started_on", date(2024, 5, 1))

    with pytest.raises(DateOrderViolation) as refused:
        not_before("ended_on", date(2024, 4, 30), "started_on", date(2024, 5, 1))

    assert (refused.value.later_field, refused.value.earlier_field) == ("ended_on", "started_on")


# --- text ---


def test_text_is_stripped_and_may_be_exactly_the_maximum_length() -> None:
    assert text("summary", "  Voorbeeld \n") == "Voorbeeld"
    assert text("summary", "x" * MAX_TEXT) == "x" * MAX_TEXT
    assert text("name", " " + "x" * 100 + " ", max_length=100) == "x" * 100


@pytest.mark.parametrize(
    ("value", "max_length"), [("", MAX_TEXT), (" \t\n", MAX_TEXT), ("x" * 101, 100)]
)
def test_text_refuses_blank_or_overlong_values(value: str, max_length: int) -> None:
    with pytest.raises(InvalidValue) as refused:
        text("summary", value, max_length=max_length)

    assert refused.value.field == "summary"


def test_text_refuses_the_default_maximum_plus_one() -> None:
    with pytest.raises(InvalidValue):
        text("summary", "x" * (MAX_TEXT + 1))


@pytest.mark.parametrize("value", [None, "", "   "])
def test_optional_text_treats_blank_as_absent(value: str | None) -> None:
    assert optional_text("agreements", value) is None


def test_optional_text_strips_and_limits_present_text() -> None:
    assert optional_text("agreements", " Afspraak ") == "Afspraak"
    with pytest.raises(InvalidValue):
        optional_text("agreements", "x" * 11, max_length=10)


@pytest.mark.parametrize("value", ["", "  ", "\n\t"])
def test_a_blank_reason_is_refused_as_reason_required(value: str) -> None:
    with pytest.raises(ReasonRequired):
        reason("closing", value)


def test_a_reason_is_stripped_text() -> None:
    assert reason("closing", " Afgerond ") == "Afgerond"
    with pytest.raises(InvalidValue):
        reason("closing", "x" * (MAX_TEXT + 1))


# --- slugs and user ids ---


@pytest.mark.parametrize(
    "value", ["ggd-flevoland", "politie-midden-nederland", "halt-flevoland", "school42", "a"]
)
def test_slug_accepts_lowercase_words_joined_by_hyphens(value: str) -> None:
    assert slug("organisation", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "GGD-Flevoland",
        "ggd_flevoland",
        "ggd flevoland",
        "-ggd",
        "ggd-",
        "ggd--flevoland",
        "ggd-flevoland\n",
        "gemeente-almère",
        "a" * (MAX_SHORT_TEXT + 1),
    ],
)
def test_slug_refuses_anything_else(value: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        slug("organisation", value)

    assert refused.value.field == "organisation"


def test_slug_may_be_exactly_the_short_text_maximum() -> None:
    value = "a" * MAX_SHORT_TEXT

    assert slug("organisation", value) == value


@pytest.mark.parametrize("value", ["regisseur-test-01", "a1b2c3", "user@ggd-flevoland"])
def test_user_id_accepts_a_short_id_without_spaces(value: str) -> None:
    assert user_id("regisseur.user_id", value) == value


@pytest.mark.parametrize("value", ["", "regisseur test", "regisseur\t01", "x" * 201])
def test_user_id_refuses_empty_spaced_or_long_ids(value: str) -> None:
    with pytest.raises(InvalidValue):
        user_id("regisseur.user_id", value)


# --- involvement ---


def involve(
    current: dict[str, Involvement],
    *,
    organisation: str = "halt-flevoland",
    role: PartnerRole = PartnerRole.HALT,
    legal_basis: str = "convenant_pga",
    since: date = date(2024, 3, 4),
) -> Involvement:
    return new_involvement(
        DEFAULT_CATALOGUE,
        current,
        organisation=organisation,
        role=role,
        legal_basis=legal_basis,
        since=since,
    )


def test_new_involvement_records_organisation_role_legal_basis_and_since() -> None:
    involvement = involve({})

    assert involvement == Involvement(
        "halt-flevoland", PartnerRole.HALT, "convenant_pga", date(2024, 3, 4)
    )


def test_new_involvement_refuses_an_organisation_already_involved() -> None:
    current = {"halt-flevoland": involve({})}

    with pytest.raises(PartnerAlreadyInvolved):
        involve(current, role=PartnerRole.JONGERENWERK)


@pytest.mark.parametrize("role", [PartnerRole.AUDITOR, PartnerRole.BEHEERDER])
def test_new_involvement_refuses_roles_without_case_content(role: PartnerRole) -> None:
    with pytest.raises(InvalidValue):
        involve({}, role=role)


def test_new_involvement_refuses_an_unknown_legal_basis_a_bad_slug_and_a_future_date() -> None:
    with pytest.raises(UnknownCatalogueEntry):
        involve({}, legal_basis="goed_gevoel")
    with pytest.raises(InvalidValue):
        involve({}, organisation="Halt Flevoland")
    with recording_clock(fixed_clock), pytest.raises(InvalidValue):
        involve({}, since=date(2024, 6, 3))


# --- events ---

EVENTS = (*TRAJECTORY_EVENTS, *NETWORK_EVENTS)


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: event.__qualname__)
def test_every_personal_field_is_a_field_of_its_event(event: type[PgaEvent]) -> None:
    names = {field.name for field in dataclasses.fields(event)}

    assert set(event.personal_fields) <= names


@pytest.mark.parametrize(
    ("module_events", "aggregate"),
    [(TRAJECTORY_EVENTS, Trajectory), (NETWORK_EVENTS, YouthNetwork)],
)
def test_every_event_class_of_an_aggregate_is_listed(
    module_events: tuple[type[PgaEvent], ...], aggregate: type
) -> None:
    module = sys.modules[aggregate.__module__]
    defined = {
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, PgaEvent)
        and value.__module__ == module.__name__
    }

    assert defined == set(module_events)
    assert len(module_events) == len(set(module_events))


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused_in_text_and_user_ids(character: str) -> None:
    with pytest.raises(InvalidValue, match="control characters"):
        text("family_name", f"Jansen{character}")
    with pytest.raises(InvalidValue, match="user id"):
        user_id("user", f"u-1{character}")


def test_tabs_and_line_breaks_are_allowed_in_text() -> None:
    assert text("notes", "line one\n\tline two\r\nend") == "line one\n\tline two\r\nend"


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 11, 28, 23, 30, tzinfo=UTC), date(2026, 11, 29)),  # 00:30 in Almere
        (datetime(2026, 6, 30, 22, 15, tzinfo=UTC), date(2026, 7, 1)),  # summer time: 00:15
        (datetime(2026, 6, 30, 21, 45, tzinfo=UTC), date(2026, 6, 30)),  # 23:45
    ],
)
def test_today_is_the_municipalitys_calendar_date(moment: datetime, day: date) -> None:
    with clock.recording_clock(lambda: moment):
        assert today() == day
