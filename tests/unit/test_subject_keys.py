"""Per-subject keys: wrapping under the master key, rotation, and what an erased subject reads as.

The wrapping and the mapper's placeholders need no database; the key store's rotation and
destruction run on the tests' key database (PostgreSQL), like everything that stores.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, get_type_hints
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder

from pga.domain import NETWORK_EVENTS, TRAJECTORY_EVENTS
from pga.domain.catalogue import DEFAULT_CATALOGUE
from pga.domain.clock import recording_clock
from pga.domain.network import NetworkStep, YouthNetwork
from pga.domain.trajectory import Regisseur, Trajectory
from pga.store.keys import MasterKey
from pga.store.mapper import (
    ERASED,
    ERASED_DATE,
    ERASED_TEXT,
    PgaMapper,
    PlaintextProtector,
    SnapshotErased,
    erased_placeholders,
)
from pga.store.subject_keys import (
    KeyEncryptionKey,
    KeyUnwrapError,
    SubjectKeyProtector,
    SubjectKeyStore,
    UnknownDataKey,
)
from tests.subject_keys import TEST_MASTER_KEY
from tests.unit.builders import LATER, member, network_in_step

if TYPE_CHECKING:
    from pga.domain.common import PgaEvent

ALL_EVENTS = TRAJECTORY_EVENTS + NETWORK_EVENTS


class ShreddingProtector(PlaintextProtector):
    """Keeps values in the clear, but answers ``ERASED`` for the subjects whose key is gone."""

    def __init__(self) -> None:
        self.erased: set[UUID] = set()

    def reveal(self, subject_id: UUID, originator_id: UUID, stored: Any) -> Any:  # noqa: ANN401
        """Return ``ERASED`` for an erased subject."""
        if subject_id in self.erased:
            return ERASED
        return super().reveal(subject_id, originator_id, stored)


# --- wrapping ---


def test_a_data_key_unwraps_only_under_its_kek_and_for_its_own_id() -> None:
    kek = KeyEncryptionKey(MasterKey(TEST_MASTER_KEY))
    key_id, data_key = uuid4(), os.urandom(32)
    wrapped = kek.wrap(key_id, data_key)

    assert data_key not in wrapped
    assert kek.unwrap(key_id, wrapped) == data_key
    assert kek.wrap(key_id, data_key) != wrapped  # a fresh nonce every time
    with pytest.raises(KeyUnwrapError):
        kek.unwrap(uuid4(), wrapped)  # a row copied to another key id
    with pytest.raises(KeyUnwrapError):
        KeyEncryptionKey(MasterKey(bytes(32))).unwrap(key_id, wrapped)


def test_the_kek_id_names_the_master_key_without_revealing_it() -> None:
    master = MasterKey(TEST_MASTER_KEY)
    kek_id = KeyEncryptionKey(master).kek_id

    assert kek_id == KeyEncryptionKey(MasterKey(TEST_MASTER_KEY)).kek_id
    assert kek_id != KeyEncryptionKey(MasterKey(bytes(32))).kek_id
    assert kek_id not in master.derive("subject-key wrapping v1").hex()
    assert len(kek_id) == 16


# --- placeholders ---


@pytest.mark.parametrize("event_class", ALL_EVENTS, ids=lambda cls: cls.__name__)
def test_every_personal_field_has_a_placeholder_of_its_type(event_class: type[PgaEvent]) -> None:
    hints = get_type_hints(event_class)
    placeholders = erased_placeholders(event_class)

    assert set(placeholders) == set(event_class.personal_fields)
    for name, value in placeholders.items():
        hint = hints[name]
        if value is None:
            assert "None" in str(hint)
        elif value == ERASED_TEXT:
            assert hint is str
        elif value == ERASED_DATE:
            assert hint is date
        else:
            assert value in ((), {})


@pytest.mark.parametrize("event_class", ALL_EVENTS, ids=lambda cls: cls.__name__)
def test_a_subject_field_names_a_field_of_its_event(event_class: type[PgaEvent]) -> None:
    names = {field.name for field in dataclasses.fields(event_class)}
    assert event_class.subject_field is None or event_class.subject_field in names
    assert event_class.subject_field not in event_class.personal_fields


def test_an_erased_trajectory_replays_from_its_events_with_placeholders() -> None:
    protector = ShreddingProtector()
    mapper = PgaMapper(JSONTranscoder(), protector=protector)
    with recording_clock(lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        trajectory = Trajectory.refer(
            DEFAULT_CATALOGUE,
            trajectory_id=uuid4(),
            subject_id=uuid4(),
            given_name="Testjongere",
            family_name="Voorbeeld",
            born_on=date(2011, 1, 2),
            offence_category="overval",
            suspected_on=date(2026, 2, 1),
            referred_on=date(2026, 2, 3),
            police_reference="PL-TEST-0009",
            referring_organisation="politie-midden-nederland",
            regisseur=Regisseur("u-ggd-02", "ggd-flevoland"),
        )
        trajectory.record_bsn("111222333")
        trajectory.hold_intake(
            held_on=date(2026, 2, 10), attendees=("Moeder",), trusted_person="Oom"
        )
    stored = [mapper.to_stored_event(event) for event in trajectory.collect_events()]
    snapshot = mapper.to_stored_event(Trajectory.Snapshot.take(trajectory))
    protector.erased.add(trajectory.id)

    replayed: Any = None
    for each in stored:
        replayed = mapper.to_domain_event(each).mutate(replayed)  # type: ignore[attr-defined]

    assert replayed.version == trajectory.version
    assert (replayed.given_name, replayed.born_on, replayed.bsn) == (
        ERASED_TEXT,
        ERASED_DATE,
        ERASED_TEXT,
    )
    assert (replayed.intake_on, replayed.status) == (trajectory.intake_on, trajectory.status)
    assert replayed.subject_id == trajectory.subject_id  # not personal: in the clear
    with pytest.raises(SnapshotErased):
        mapper.to_domain_event(snapshot)


def test_an_erased_member_reads_as_placeholders_and_the_network_snapshot_is_not_used() -> None:
    protector = ShreddingProtector()
    mapper = PgaMapper(JSONTranscoder(), protector=protector)
    network = network_in_step(NetworkStep.NAME_LIST)
    placed = member(placed_on=LATER)
    with recording_clock(lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        network.place_member(placed)
    event = network.collect_events()[-1]
    stored = mapper.to_stored_event(event)
    snapshot = mapper.to_stored_event(YouthNetwork.Snapshot.take(network))
    protector.erased.add(placed.member_id)

    revealed: Any = mapper.to_domain_event(stored)

    assert (revealed.member_id, revealed.given_name, revealed.born_on) == (
        placed.member_id,
        ERASED_TEXT,
        None,
    )
    assert revealed.trajectory_id == placed.trajectory_id  # not personal: in the clear
    with pytest.raises(SnapshotErased):
        mapper.to_domain_event(snapshot)
    protector.erased.clear()
    restored = mapper.to_domain_event(snapshot).mutate(None)  # type: ignore[attr-defined]
    assert restored == network


# --- the key store on PostgreSQL ---


def test_values_decrypt_only_with_their_subjects_key_and_not_after_it_is_destroyed(
    subject_keys: SubjectKeyStore, keys_database_url: str, schema: str
) -> None:
    protector = SubjectKeyProtector(subject_keys)
    subject, other, aggregate = uuid4(), uuid4(), uuid4()
    stored = protector.protect(subject, aggregate, {"given_name": "Testjongere"})
    key_id = protector.key_id(stored)

    assert key_id is not None
    assert "Testjongere" not in repr(stored)
    assert protector.reveal(subject, aggregate, stored) == {"given_name": "Testjongere"}
    with pytest.raises(ValueError, match="does not decrypt"):
        protector.reveal(other, aggregate, stored)  # copied to another subject
    assert protector.key_id(protector.protect(subject, aggregate, 1)) == key_id  # one key each
    assert protector.key_id(protector.protect(other, aggregate, 1)) != key_id

    assert subject_keys.destroy({key_id}) == 1

    assert protector.reveal(subject, aggregate, stored) is ERASED
    fresh = SubjectKeyStore(keys_database_url, schema, MasterKey(TEST_MASTER_KEY))  # no caches
    try:
        assert SubjectKeyProtector(fresh).reveal(subject, aggregate, stored) is ERASED
        with pytest.raises(UnknownDataKey):
            fresh.key(uuid4())  # neither stored nor erased: never read as erased
    finally:
        fresh.close()


def test_rotation_rewraps_every_key_once_and_the_new_master_key_reads_them(
    subject_keys: SubjectKeyStore, keys_database_url: str, schema: str
) -> None:
    protector = SubjectKeyProtector(subject_keys)
    subject, aggregate = uuid4(), uuid4()
    stored = protector.protect(subject, aggregate, "waarde")
    old_kek = subject_keys.kek_id
    created = subject_keys.status().keys_by_kek[old_kek]
    new_master = MasterKey(os.urandom(32))

    first = subject_keys.rotate(new_master)
    again = subject_keys.rotate(new_master)

    assert (first.old_kek_id, first.rewrapped, first.already_current) == (old_kek, created, 0)
    assert (again.rewrapped, again.already_current) == (0, created)
    assert subject_keys.status().keys_by_kek == {first.new_kek_id: created}
    rotated = SubjectKeyStore(keys_database_url, schema, new_master)
    stale = SubjectKeyStore(keys_database_url, schema, MasterKey(TEST_MASTER_KEY))
    try:
        assert SubjectKeyProtector(rotated).reveal(subject, aggregate, stored) == "waarde"
        with pytest.raises(KeyUnwrapError):
            SubjectKeyProtector(stale).reveal(subject, aggregate, stored)
        with pytest.raises(KeyUnwrapError):
            stale.rotate(MasterKey(os.urandom(32)))  # keys under a KEK it does not have
    finally:
        rotated.close()
        stale.close()
