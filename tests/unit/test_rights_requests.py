"""Rights requests (deadlines, extension, completion) and corrections by field, as domain rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pga.domain.clock import recording_clock
from pga.domain.common import LetterRecipients
from pga.domain.errors import (
    DateOrderViolation,
    DuplicateEntity,
    InvalidValue,
    ReasonRequired,
    RightsRequestAlreadyCompleted,
    RightsRequestAlreadyExtended,
    SubjectAlreadyErased,
    UnknownEntity,
)
from pga.domain.trajectory import (
    CorrectedField,
    CorrectionRecorded,
    Requester,
    RightsRequestCompleted,
    RightsRequestExtended,
    RightsRequestKind,
    RightsRequestOutcome,
    RightsRequestReceived,
    Trajectory,
    TrajectoryStatus,
    extended_due_on,
    rights_request_due_on,
)
from tests.unit.builders import (
    BORN_ON,
    LATER,
    REFERRED_ON,
    SUSPECTED_ON,
    active_trajectory,
    assert_refused,
    referred_trajectory,
    single_event,
    trajectory_in,
)

RECEIVED_ON = date(2024, 4, 2)
GRANTED = RightsRequestOutcome.GRANTED


def receive(trajectory: Trajectory, received_on: date = RECEIVED_ON) -> UUID:
    """Record an inzage request from the parents; return its id."""
    request_id = uuid4()
    trajectory.receive_rights_request(
        request_id=request_id,
        kind=RightsRequestKind.INZAGE,
        requester=Requester.OUDER_OF_VOOGD,
        received_on=received_on,
    )
    return request_id


# --- the month arithmetic (AVG art. 12(3)) ---


@pytest.mark.parametrize(
    ("received_on", "due_on"),
    [
        (date(2024, 4, 2), date(2024, 5, 2)),
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),  # a leap year
        (date(2024, 3, 31), date(2024, 4, 30)),
        (date(2024, 12, 15), date(2025, 1, 15)),
        (date(2024, 12, 31), date(2025, 1, 31)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_receipt(received_on: date, due_on: date) -> None:
    assert rights_request_due_on(received_on) == due_on


@pytest.mark.parametrize(
    ("due_on", "extended"),
    [
        (date(2024, 5, 2), date(2024, 7, 2)),
        (date(2025, 2, 28), date(2025, 4, 28)),
        (date(2024, 12, 31), date(2025, 2, 28)),
        (date(2023, 12, 31), date(2024, 2, 29)),
    ],
)
def test_an_extension_adds_two_calendar_months_to_the_deadline(
    due_on: date, extended: date
) -> None:
    assert extended_due_on(due_on) == extended


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_the_deadline_is_28_to_31_days_after_receipt(received_on: date) -> None:
    due_on = rights_request_due_on(received_on)

    assert received_on + timedelta(days=28) <= due_on <= received_on + timedelta(days=31)
    assert due_on.day <= received_on.day
    month = received_on.month % 12 + 1
    assert due_on.month == month


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_an_extended_deadline_is_two_calendar_months_after_the_first(due_on: date) -> None:
    extended = extended_due_on(due_on)

    months = (extended.year - due_on.year) * 12 + extended.month - due_on.month
    assert months == 2
    assert extended.day <= due_on.day
    assert due_on + timedelta(days=59) <= extended <= due_on + timedelta(days=62)


# --- receiving ---


def test_a_request_is_recorded_with_its_deadline_and_no_name() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)

    event = single_event(trajectory, RightsRequestReceived)
    assert (event.request_id, event.kind, event.requester) == (
        request_id,
        RightsRequestKind.INZAGE,
        Requester.OUDER_OF_VOOGD,
    )
    assert (event.received_on, event.due_on) == (RECEIVED_ON, date(2024, 5, 2))
    assert RightsRequestReceived.personal_fields == ()
    request = trajectory.rights_requests[request_id]
    assert request.due_on == date(2024, 5, 2)
    assert request.completed_on is None
    assert not request.extended


@pytest.mark.parametrize("status", [TrajectoryStatus.AFGESLOTEN, TrajectoryStatus.NIET_OPGENOMEN])
def test_a_closed_trajectory_accepts_rights_requests(status: TrajectoryStatus) -> None:
    trajectory = trajectory_in(status)
    request_id = receive(trajectory, LATER)
    trajectory.extend_rights_request(request_id=request_id, extended_on=LATER, why="Omvangrijk")
    trajectory.complete_rights_request(
        request_id=request_id, completed_on=LATER, outcome=GRANTED, note=None
    )

    assert trajectory.rights_requests[request_id].outcome is GRANTED


def test_a_request_cannot_be_received_before_the_referral() -> None:
    trajectory = active_trajectory()

    assert_refused(
        trajectory, lambda: receive(trajectory, REFERRED_ON - timedelta(days=1)), DateOrderViolation
    )


def test_a_request_cannot_be_received_in_the_future() -> None:
    trajectory = active_trajectory()

    with recording_clock(lambda: datetime(2024, 6, 1, 12, tzinfo=UTC)):
        assert_refused(trajectory, lambda: receive(trajectory, date(2024, 6, 10)), InvalidValue)


def test_a_request_id_is_used_once() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)

    assert_refused(
        trajectory,
        lambda: trajectory.receive_rights_request(
            request_id=request_id,
            kind=RightsRequestKind.CORRECTIE,
            requester=Requester.JONGERE,
            received_on=RECEIVED_ON,
        ),
        DuplicateEntity,
    )


def test_an_unknown_kind_or_requester_is_refused() -> None:
    trajectory = active_trajectory()

    with pytest.raises(ValueError, match="klacht"):
        trajectory.receive_rights_request(
            request_id=uuid4(),
            kind="klacht",  # type: ignore[arg-type]
            requester=Requester.JONGERE,
            received_on=RECEIVED_ON,
        )
    assert trajectory.rights_requests == {}


# --- extending ---


def test_an_extension_moves_the_deadline_by_two_months_once() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)
    trajectory.collect_events()

    trajectory.extend_rights_request(
        request_id=request_id, extended_on=date(2024, 4, 20), why="Veel stukken bij partners"
    )

    event = single_event(trajectory, RightsRequestExtended)
    assert event.due_on == date(2024, 7, 2)
    assert trajectory.rights_requests[request_id].due_on == date(2024, 7, 2)
    assert trajectory.rights_requests[request_id].extended
    assert_refused(
        trajectory,
        lambda: trajectory.extend_rights_request(
            request_id=request_id, extended_on=date(2024, 4, 21), why="Nogmaals"
        ),
        RightsRequestAlreadyExtended,
    )


def test_an_extension_needs_a_reason() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)

    assert_refused(
        trajectory,
        lambda: trajectory.extend_rights_request(
            request_id=request_id, extended_on=RECEIVED_ON, why=" "
        ),
        ReasonRequired,
    )


def test_an_extension_is_dated_within_the_first_term() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)

    assert_refused(
        trajectory,
        lambda: trajectory.extend_rights_request(
            request_id=request_id, extended_on=RECEIVED_ON - timedelta(days=1), why="Omvang"
        ),
        DateOrderViolation,
    )
    assert_refused(
        trajectory,
        lambda: trajectory.extend_rights_request(
            request_id=request_id, extended_on=date(2024, 5, 3), why="Te laat"
        ),
        DateOrderViolation,
    )


def test_a_completed_request_cannot_be_extended() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)
    trajectory.complete_rights_request(
        request_id=request_id, completed_on=RECEIVED_ON, outcome=GRANTED, note=None
    )

    assert_refused(
        trajectory,
        lambda: trajectory.extend_rights_request(
            request_id=request_id, extended_on=RECEIVED_ON, why="Omvang"
        ),
        RightsRequestAlreadyCompleted,
    )


# --- completing ---


def test_completing_records_the_outcome_and_closes_the_request() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)
    trajectory.collect_events()

    trajectory.complete_rights_request(
        request_id=request_id,
        completed_on=date(2024, 4, 30),
        outcome=RightsRequestOutcome.PARTLY,
        note="  Politiegegevens via de korpschef  ",
    )

    event = single_event(trajectory, RightsRequestCompleted)
    assert event.note == "Politiegegevens via de korpschef"
    assert RightsRequestCompleted.personal_fields == ("note",)
    request = trajectory.rights_requests[request_id]
    assert (request.completed_on, request.outcome) == (
        date(2024, 4, 30),
        RightsRequestOutcome.PARTLY,
    )
    assert_refused(
        trajectory,
        lambda: trajectory.complete_rights_request(
            request_id=request_id, completed_on=date(2024, 5, 1), outcome=GRANTED, note=None
        ),
        RightsRequestAlreadyCompleted,
    )


def test_an_unknown_request_is_refused() -> None:
    trajectory = active_trajectory()
    receive(trajectory)

    assert_refused(
        trajectory,
        lambda: trajectory.complete_rights_request(
            request_id=uuid4(), completed_on=RECEIVED_ON, outcome=GRANTED, note=None
        ),
        UnknownEntity,
    )
    assert_refused(
        trajectory,
        lambda: trajectory.extend_rights_request(
            request_id=uuid4(), extended_on=RECEIVED_ON, why="Omvang"
        ),
        UnknownEntity,
    )


def test_a_request_cannot_be_completed_before_it_was_received() -> None:
    trajectory = active_trajectory()
    request_id = receive(trajectory)

    assert_refused(
        trajectory,
        lambda: trajectory.complete_rights_request(
            request_id=request_id,
            completed_on=RECEIVED_ON - timedelta(days=1),
            outcome=GRANTED,
            note=None,
        ),
        DateOrderViolation,
    )


def test_after_erasure_only_completing_a_request_is_accepted() -> None:
    trajectory = trajectory_in(TrajectoryStatus.AFGESLOTEN)
    request_id = receive(trajectory, LATER)
    trajectory.erase_subject(
        erased_on=LATER, basis="avg-17-verzoek", why="Verzoek om verwijdering van de ouders"
    )

    assert_refused(trajectory, lambda: receive(trajectory, LATER), SubjectAlreadyErased)
    assert_refused(
        trajectory,
        lambda: trajectory.extend_rights_request(
            request_id=request_id, extended_on=LATER, why="Omvang"
        ),
        SubjectAlreadyErased,
    )
    trajectory.collect_events()
    trajectory.complete_rights_request(
        request_id=request_id, completed_on=LATER, outcome=GRANTED, note=None
    )
    assert single_event(trajectory, RightsRequestCompleted).request_id == request_id


# --- corrections by field ---


def correct(trajectory: Trajectory, *fields: tuple[str, str], version: int = 1) -> None:
    trajectory.record_correction(
        corrects_version=version,
        why="Verzoek om correctie van de ouders",
        corrected_fields=tuple(CorrectedField(name, value) for name, value in fields),
    )


def test_a_correction_by_field_changes_the_referrals_facts() -> None:
    trajectory = active_trajectory()

    correct(
        trajectory,
        ("given_name", " Verbeterd "),
        ("born_on", "2008-05-18"),
        ("police_reference", "PL-TEST-0002"),
    )

    event = single_event(trajectory, CorrectionRecorded)
    assert event.corrected_fields == (
        CorrectedField("given_name", "Verbeterd"),
        CorrectedField("born_on", "2008-05-18"),
        CorrectedField("police_reference", "PL-TEST-0002"),
    )
    assert (event.what_was_wrong, event.correction) == (None, None)
    assert trajectory.given_name == "Verbeterd"
    assert trajectory.born_on == date(2008, 5, 18)
    assert trajectory.police_reference == "PL-TEST-0002"
    assert trajectory.corrections == 1


def test_a_corrected_date_of_birth_changes_who_gets_the_unsent_letter() -> None:
    trajectory = referred_trajectory()  # 15 on the referral date: the youth and the parents
    before = trajectory.letter_recipients

    correct(trajectory, ("born_on", "2012-05-17"))

    assert (before, trajectory.letter_recipients) == (
        LetterRecipients.JONGERE_EN_OUDERS,
        LetterRecipients.OUDERS,
    )


@pytest.mark.parametrize(
    ("fields", "version"),
    [
        ((("subject_id", "x"),), 1),  # not correctable
        ((("offence_category", "overval"),), 1),  # not correctable by field
        ((("given_name", "Anders"),), 2),  # not a version holding the field
        ((("given_name", "Een"), ("given_name", "Twee")), 1),  # twice
        ((("given_name", "   "),), 1),  # empty
        ((("born_on", "17-05-2008"),), 1),  # not a date
        ((("born_on", SUSPECTED_ON.isoformat()), ("born_on", "2008-01-01")), 1),
    ],
)
def test_a_correction_by_field_refuses_what_does_not_fit(
    fields: tuple[tuple[str, str], ...], version: int
) -> None:
    trajectory = active_trajectory()

    assert_refused(trajectory, lambda: correct(trajectory, *fields, version=version), InvalidValue)


def test_a_corrected_date_of_birth_is_not_after_the_suspected_offence() -> None:
    trajectory = active_trajectory()
    later = (SUSPECTED_ON + timedelta(days=1)).isoformat()

    assert_refused(trajectory, lambda: correct(trajectory, ("born_on", later)), DateOrderViolation)
    assert trajectory.born_on == BORN_ON


def test_a_correction_without_fields_needs_both_texts() -> None:
    trajectory = active_trajectory()

    assert_refused(
        trajectory,
        lambda: trajectory.record_correction(
            corrects_version=1, what_was_wrong="Datum", why="Fout"
        ),
        InvalidValue,
    )


def test_an_old_free_text_correction_is_upcast_without_fields() -> None:
    state = {"corrects_version": 2, "what_was_wrong": "x", "correction": "y", "reason": "z"}

    CorrectionRecorded.upcast_v1_v2(state)

    assert state["corrected_fields"] == []


def test_an_old_snapshot_is_upcast_without_rights_requests() -> None:
    state: dict[str, object] = {}

    Trajectory.upcast_v2_v3(state)

    assert state["rights_requests"] == {}
