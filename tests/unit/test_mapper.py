"""The store mapper: personal fields pass through exactly one protector, and round-trip typed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from eventsourcing.persistence import JSONTranscoder

from pga.domain import NETWORK_EVENTS, TRAJECTORY_EVENTS
from pga.domain.catalogue import DEFAULT_CATALOGUE, PartnerRole
from pga.domain.clock import recording_clock
from pga.domain.trajectory import Regisseur, Trajectory
from pga.recording import EventMetadata, metadata_of, stamp
from pga.store.mapper import (
    METADATA_REASON,
    PersonalDataUnprotected,
    PgaMapper,
    PlaintextProtector,
)


class ReversingProtector:
    """A visible stand-in for encryption: stores the personal fields as reversed JSON text."""

    def __init__(self) -> None:
        self.seen: list[tuple[UUID, UUID, dict[str, Any]]] = []

    def protect(self, subject_id: UUID, originator_id: UUID, personal: Any) -> Any:  # noqa: ANN401
        """Record what arrived and store it reversed."""
        self.seen.append((subject_id, originator_id, personal))
        return msgspec.json.encode(personal).decode()[::-1]

    def reveal(self, subject_id: UUID, originator_id: UUID, stored: Any) -> Any:  # noqa: ANN401, ARG002
        """Undo ``protect``."""
        return msgspec.json.decode(str(stored)[::-1])

    def key_id(self, stored: Any) -> UUID | None:  # noqa: ANN401, ARG002
        """No keys here."""
        return None


def referred() -> Trajectory:
    with recording_clock(lambda: datetime(2026, 3, 1, 9, 0, tzinfo=UTC)):
        return Trajectory.refer(
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


@pytest.mark.parametrize("event_class", TRAJECTORY_EVENTS + NETWORK_EVENTS)
def test_every_personal_field_is_a_field_of_its_event(event_class: type[Any]) -> None:
    names = {field.name for field in dataclasses.fields(event_class)}
    assert set(event_class.personal_fields) <= names


def test_only_the_personal_fields_reach_the_protector_and_they_round_trip() -> None:
    protector = ReversingProtector()
    mapper = PgaMapper(JSONTranscoder(), protector=protector)
    event = referred().collect_events()[0]
    metadata = EventMetadata(
        user="u-politie-01",
        organisation="politie-midden-nederland",
        role=PartnerRole.POLITIE,
        correlation_id=uuid4(),
        reason="aanmelding",
    )
    stamp(event, metadata)
    stored = mapper.to_stored_event(event)
    assert b"Testjongere" not in stored.state
    assert b"PL-TEST-0009" not in stored.state
    assert b"aanmelding" not in stored.state  # the reason a person gave is protected too
    assert b"u-politie-01" in stored.state  # who recorded it is not
    assert [set(personal) for _, _, personal in protector.seen] == [
        {"given_name", "family_name", "born_on", "police_reference", METADATA_REASON}
    ]
    restored = mapper.to_domain_event(stored)
    assert restored == event
    assert metadata_of(restored) == metadata


def test_a_snapshot_round_trips_with_typed_state() -> None:
    mapper = PgaMapper(JSONTranscoder(), protector=PlaintextProtector())
    trajectory = referred()
    trajectory.involve_partner(
        DEFAULT_CATALOGUE,
        organisation="halt-midden-nederland",
        role=PartnerRole.HALT,
        legal_basis="avg_6_1_e",
        since=date(2026, 2, 4),
    )
    trajectory.collect_events()
    snapshot = Trajectory.Snapshot.take(trajectory)
    restored = mapper.to_domain_event(mapper.to_stored_event(snapshot))
    rebuilt = restored.mutate(None)  # type: ignore[attr-defined]
    assert rebuilt == trajectory
    assert rebuilt.partners["halt-midden-nederland"].since == date(2026, 2, 4)


def test_without_a_protector_personal_data_is_refused_and_nothing_else() -> None:
    mapper = PgaMapper(JSONTranscoder())
    trajectory = referred()
    created = trajectory.collect_events()[0]
    with recording_clock(lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        trajectory.record_information_letter(sent_on=date(2026, 3, 2))
    letter = trajectory.collect_events()[0]

    with pytest.raises(PersonalDataUnprotected):
        mapper.to_stored_event(created)
    assert mapper.to_domain_event(mapper.to_stored_event(letter)) == letter
