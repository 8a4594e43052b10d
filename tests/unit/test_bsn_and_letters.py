"""The BSN (elfproef, encrypted at rest) and the information letter (informatieplicht)."""

from __future__ import annotations

import base64
import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from pga.domain.common import LetterRecipients, bsn, letter_recipients
from pga.domain.errors import (
    DateOrderViolation,
    InformationLetterAlreadySent,
    InvalidValue,
    SubjectAlreadyErased,
    TrajectoryClosed,
    UnknownEntity,
)
from pga.domain.network import MemberInformed, YouthNetwork
from pga.domain.trajectory import (
    BsnRecorded,
    InformationLetterSent,
    Trajectory,
    TrajectoryStatus,
)
from pga.settings import Settings, SettingsError
from pga.store.keys import (
    DEVELOPMENT_KEY_FILE,
    MasterKey,
    MasterKeyError,
    master_key,
)
from tests.unit.builders import (
    LATER,
    REFERRED_ON,
    N,
    active_trajectory,
    assert_refused,
    member,
    network_in_step,
    referred_trajectory,
    single_event,
    trajectory_in,
)

if TYPE_CHECKING:
    from pathlib import Path

VALID = ("111222333", "123456782", "999999990")
KEY = bytes(range(32))


# --- the elfproef ---


@pytest.mark.parametrize("number", VALID)
def test_numbers_that_pass_the_elfproef_are_accepted(number: str) -> None:
    assert bsn("bsn", number) == number


@pytest.mark.parametrize(
    "number",
    [
        "111222334",  # one digit changed
        "123456783",  # one digit changed
        "213456782",  # two digits swapped
        "000000000",  # passes the sum, but is no number
        "12345678",  # 8 digits
        "1234567820",  # 10 digits
        "12345678a",
        "1234 5678",
        "１２３４５６７８２",  # full-width digits  # noqa: RUF001
        "",
    ],
)
def test_numbers_that_fail_are_refused_without_echoing_them(number: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        bsn("bsn", number)

    assert raised.value.field == "bsn"
    if number:
        assert number not in str(raised.value)


# --- who gets the letter ---


BORN = date(2010, 6, 15)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2022, 6, 14), LetterRecipients.OUDERS),  # 11, the day before the 12th birthday
        (date(2022, 6, 15), LetterRecipients.JONGERE_EN_OUDERS),  # the 12th birthday
        (date(2026, 6, 14), LetterRecipients.JONGERE_EN_OUDERS),  # 15
        (date(2026, 6, 15), LetterRecipients.JONGERE),  # the 16th birthday
        (date(2027, 1, 1), LetterRecipients.JONGERE),
    ],
)
def test_the_recipients_follow_the_age_band_on_the_day(on: date, expected: str) -> None:
    assert letter_recipients(BORN, on) == expected


def test_without_a_date_of_birth_the_letter_goes_to_both() -> None:
    assert letter_recipients(None, date(2026, 1, 1)) == LetterRecipients.JONGERE_EN_OUDERS


# --- the trajectory ---


def test_a_referral_sets_the_recipients_by_age_on_the_referral_date() -> None:
    youth = referred_trajectory(born_on=REFERRED_ON.replace(year=REFERRED_ON.year - 16))
    child = referred_trajectory(born_on=REFERRED_ON.replace(year=REFERRED_ON.year - 11))

    assert youth.letter_recipients == LetterRecipients.JONGERE
    assert child.letter_recipients == LetterRecipients.OUDERS
    assert youth.letter_sent_on is None
    assert youth.bsn is None


def test_a_bsn_is_recorded_and_a_second_one_replaces_it() -> None:
    trajectory = active_trajectory()

    trajectory.record_bsn("111222333")
    trajectory.record_bsn("123456782")

    assert trajectory.bsn == "123456782"
    events = [event for event in trajectory.collect_events() if isinstance(event, BsnRecorded)]
    assert [event.bsn for event in events] == ["111222333", "123456782"]
    assert BsnRecorded.encrypted_fields == BsnRecorded.personal_fields == ("bsn",)


def test_a_failing_bsn_records_nothing() -> None:
    trajectory = active_trajectory()

    assert_refused(trajectory, lambda: trajectory.record_bsn("111222334"), InvalidValue)


@pytest.mark.parametrize("status", [TrajectoryStatus.AFGESLOTEN, TrajectoryStatus.NIET_OPGENOMEN])
def test_a_closed_trajectory_takes_no_bsn(status: TrajectoryStatus) -> None:
    trajectory = trajectory_in(status)

    assert_refused(trajectory, lambda: trajectory.record_bsn("111222333"), TrajectoryClosed)


def test_erasure_drops_the_bsn_and_takes_no_new_one() -> None:
    trajectory = active_trajectory()
    trajectory.record_bsn("111222333")
    trajectory.erase_subject(erased_on=LATER, basis="avg-17-verzoek", why="art. 17 AVG")

    assert trajectory.bsn is None
    assert_refused(trajectory, lambda: trajectory.record_bsn("111222333"), SubjectAlreadyErased)


def test_the_information_letter_is_recorded_once_with_its_recipients() -> None:
    trajectory = active_trajectory()

    trajectory.record_information_letter(sent_on=REFERRED_ON)

    sent = single_event(trajectory, InformationLetterSent)
    assert (sent.sent_on, sent.recipients) == (REFERRED_ON, trajectory.letter_recipients)
    assert trajectory.letter_sent_on == REFERRED_ON
    assert_refused(
        trajectory,
        lambda: trajectory.record_information_letter(sent_on=LATER),
        InformationLetterAlreadySent,
    )
    assert InformationLetterAlreadySent.rule == "information-letter-already-sent"


def test_the_letter_is_not_sent_before_the_referral_nor_in_the_future() -> None:
    trajectory = active_trajectory()
    before = REFERRED_ON - timedelta(days=1)
    future = datetime.now(UTC).date() + timedelta(days=3)

    assert_refused(
        trajectory,
        lambda: trajectory.record_information_letter(sent_on=before),
        DateOrderViolation,
    )
    assert_refused(
        trajectory, lambda: trajectory.record_information_letter(sent_on=future), InvalidValue
    )


# --- the network ---


def test_a_placement_sets_the_recipients_and_the_member_is_informed_once() -> None:
    network = network_in_step(N.NAME_LIST)
    young = member(born_on=LATER.replace(year=LATER.year - 11))
    unknown = member(born_on=None)
    network.place_member(young)
    network.place_member(unknown)
    network.collect_events()

    assert network.members[young.member_id].letter_recipients == LetterRecipients.OUDERS
    assert network.members[unknown.member_id].letter_recipients == (
        LetterRecipients.JONGERE_EN_OUDERS
    )
    network.inform_member(member_id=young.member_id, sent_on=LATER)

    informed = single_event(network, MemberInformed)
    assert (informed.member_id, informed.sent_on, informed.recipients) == (
        young.member_id,
        LATER,
        LetterRecipients.OUDERS,
    )
    assert network.members[young.member_id].informed_on == LATER
    assert network.members[unknown.member_id].informed_on is None
    assert_refused(
        network,
        lambda: network.inform_member(member_id=young.member_id, sent_on=LATER),
        InformationLetterAlreadySent,
    )


def test_informing_needs_a_member_and_a_date_not_before_the_placement() -> None:
    network = network_in_step(N.NAME_LIST)
    youth = member()
    network.place_member(youth)
    network.collect_events()

    assert_refused(
        network, lambda: network.inform_member(member_id=uuid4(), sent_on=LATER), UnknownEntity
    )
    assert_refused(
        network,
        lambda: network.inform_member(
            member_id=youth.member_id, sent_on=youth.placed_on - timedelta(days=1)
        ),
        DateOrderViolation,
    )


# --- snapshots taken before this version ---


def test_an_old_trajectory_snapshot_is_upcast_with_the_letter_defaults() -> None:
    trajectory = referred_trajectory()
    trajectory.collect_events()
    snapshot = Trajectory.Snapshot.take(trajectory)
    old_state = {
        name: value
        for name, value in snapshot.state.items()
        if name not in {"bsn", "letter_recipients", "letter_sent_on", "class_version"}
    }
    old = Trajectory.Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=old_state,
    )

    rebuilt = old.mutate(None)

    assert rebuilt == trajectory


def test_an_old_network_snapshot_is_upcast_with_the_members_recipients() -> None:
    network = network_in_step(N.NAME_LIST)
    young = member(born_on=LATER.replace(year=LATER.year - 11))
    network.place_member(young)
    network.collect_events()
    snapshot = YouthNetwork.Snapshot.take(network)
    members = {
        key: replace(value, letter_recipients=LetterRecipients.JONGERE_EN_OUDERS)
        for key, value in snapshot.state["members"].items()
    }
    old_state = {
        name: value for name, value in snapshot.state.items() if name != "class_version"
    } | {"members": members}
    old = YouthNetwork.Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=old_state,
    )

    rebuilt = old.mutate(None)

    assert isinstance(rebuilt, YouthNetwork)
    assert rebuilt.members[young.member_id].letter_recipients == LetterRecipients.OUDERS


# --- the master key and the field cipher ---


def test_a_derived_key_depends_on_the_purpose_only() -> None:
    key = MasterKey(KEY)

    assert key.derive("pseudonym v1") == MasterKey(KEY).derive("pseudonym v1")
    assert key.derive("pseudonym v1") != key.derive("field-encryption v1")
    assert len(key.derive("pseudonym v1")) == 32
    assert "KEY" not in repr(key)
    assert KEY.hex() not in repr(key)


def test_the_configured_master_key_is_used(tmp_path: Path) -> None:
    encoded = base64.b64encode(KEY).decode()
    key_file = tmp_path / "key"
    key_file.write_text(encoded + "\n")
    from_env = master_key(Settings.from_env({"PGA_MASTER_KEY": encoded}))
    from_file = master_key(Settings.from_env({"PGA_MASTER_KEY_FILE": str(key_file)}))

    assert from_env.derive("x") == from_file.derive("x") == MasterKey(KEY).derive("x")
    assert not from_env.development
    assert not (tmp_path / DEVELOPMENT_KEY_FILE).exists()


def test_without_configuration_a_private_development_key_is_created_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(MasterKeyError, match="no PGA_MASTER_KEY"):
        master_key(settings, create=False)

    first = master_key(settings)
    second = master_key(settings)

    path = tmp_path / "data" / DEVELOPMENT_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.development
    assert first.derive("x") == second.derive("x")
    assert [each.name for each in path.parent.iterdir()] == [DEVELOPMENT_KEY_FILE]


def test_a_broken_key_file_is_refused_without_showing_it(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(base64.b64encode(b"short-key-material").decode())

    with pytest.raises(MasterKeyError) as raised:
        master_key(Settings(master_key_file=key_file))

    assert "PGA_MASTER_KEY_FILE" in str(raised.value)
    assert "c2hvcnQ" not in str(raised.value)


# --- settings ---


def test_the_new_settings_have_defaults_and_are_read() -> None:
    assert Settings.from_env({}).information_letter_days == 30
    assert Settings.from_env({}).master_key is None
    settings = Settings.from_env(
        {
            "PGA_INFORMATION_LETTER_DAYS": "14",
            "PGA_MASTER_KEY": base64.urlsafe_b64encode(KEY).decode(),
        }
    )
    assert settings.information_letter_days == 14
    assert settings.master_key == KEY
    assert KEY.hex() not in repr(settings)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"PGA_INFORMATION_LETTER_DAYS": "0"}, "between 1 and 366"),
        ({"PGA_INFORMATION_LETTER_DAYS": "a month"}, "not a whole number"),
        ({"PGA_MASTER_KEY": "not base64!"}, "base64 encoding of 32"),
        ({"PGA_MASTER_KEY": base64.b64encode(bytes(16)).decode()}, "exactly 32 bytes"),
        ({"PGA_MASTER_KEY_FILE": "/nonexistent/master-key"}, "existing file"),
    ],
)
def test_a_bad_key_or_period_names_its_variable(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)

    assert raised.value.variable == next(iter(env))
    assert problem in str(raised.value)


def test_a_key_and_a_key_file_together_are_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(base64.b64encode(KEY).decode())
    encoded = base64.b64encode(KEY).decode()

    with pytest.raises(SettingsError, match="not both") as raised:
        Settings.from_env({"PGA_MASTER_KEY": encoded, "PGA_MASTER_KEY_FILE": str(key_file)})

    assert encoded not in str(raised.value)
