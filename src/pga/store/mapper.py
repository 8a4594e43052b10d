"""How pga events become stored records and back: msgspec JSON, metadata, personal fields.

A stored event's ``state`` is one JSON document::

    {"data": {...non-personal fields...},
     "personal": <the personal fields, as returned by the PersonalDataProtector>,
     "metadata": {...who recorded it and why...}}

Every event class names its personal fields (``PgaEvent.personal_fields``); they pass through
exactly one place, ``PersonalDataProtector``, which is where per-subject encryption plugs in
(crypto-shredding: destroy a subject's key and its personal fields become unreadable while the
rest of the history still replays). A snapshot's whole state counts as personal.

Decoding is type-directed: msgspec converts JSON back into the event dataclass (dates, UUIDs,
enums, nested value objects, tuples), and snapshot state back into the aggregate's annotated
attribute types, so no transcoding registry is needed.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, cast, get_type_hints
from uuid import UUID

import msgspec
from eventsourcing.domain import CanSnapshotAggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from pga.recording import METADATA_KEY, EventMetadata, stamp

if TYPE_CHECKING:
    from eventsourcing.persistence import Cipher, Compressor


class PersonalDataProtector(Protocol):
    """Turns an event's personal fields into what is stored, and back."""

    def protect(self, originator_id: UUID, topic: str, personal: dict[str, Any]) -> Any:  # noqa: ANN401 - JSON value
        """Return the JSON value to store for ``personal`` (plain builtins)."""

    def reveal(self, originator_id: UUID, topic: str, stored: Any) -> dict[str, Any]:  # noqa: ANN401 - JSON value
        """Return the personal fields from a stored value."""


class PlaintextProtector:
    """Stores personal fields as they are (until per-subject keys are configured)."""

    def protect(self, originator_id: UUID, topic: str, personal: dict[str, Any]) -> Any:  # noqa: ANN401, ARG002
        """Return the fields unchanged."""
        return personal

    def reveal(self, originator_id: UUID, topic: str, stored: Any) -> dict[str, Any]:  # noqa: ANN401, ARG002
        """Return the stored fields unchanged."""
        return cast("dict[str, Any]", stored)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


class PgaMapper(Mapper[UUID]):
    """The eventsourcing ``Mapper`` for pga events and snapshots (see the module docstring)."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
        *,
        protector: PersonalDataProtector | None = None,
    ) -> None:
        super().__init__(transcoder, compressor, cipher)
        self.protector: PersonalDataProtector = protector or PlaintextProtector()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Encode one event or snapshot."""
        topic = get_topic(type(domain_event))
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        document: dict[str, Any]
        if isinstance(domain_event, CanSnapshotAggregate):
            snapshot_state = msgspec.to_builtins(state.pop("state"))
            document = {
                "data": state,
                "personal": self.protector.protect(originator_id, topic, snapshot_state),
            }
        else:
            metadata = state.pop(METADATA_KEY, None)
            class_version = getattr(type(domain_event), "class_version", 1)
            if class_version > 1:
                state["class_version"] = class_version
            personal_fields: tuple[str, ...] = getattr(type(domain_event), "personal_fields", ())
            personal = {name: state.pop(name) for name in personal_fields}
            document = {"data": state}
            if personal:
                document["personal"] = self.protector.protect(
                    originator_id, topic, msgspec.to_builtins(personal)
                )
            if metadata is not None:
                document[METADATA_KEY] = metadata
        data = _encoder.encode(document)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Decode one stored event or snapshot."""
        cls = resolve_topic(stored_event.topic)
        originator_id = _as_uuid(stored_event.originator_id)
        try:
            data = stored_event.state
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            document = cast("dict[str, Any]", _decoder.decode(data))
            state = cast("dict[str, Any]", document["data"])
            if "personal" in document:
                revealed = self.protector.reveal(
                    originator_id, stored_event.topic, document["personal"]
                )
            else:
                revealed = {}
            state["originator_id"] = originator_id
            state["originator_version"] = stored_event.originator_version
            if issubclass(cls, CanSnapshotAggregate):
                state["state"] = _aggregate_state(state["topic"], revealed)
                return cast(
                    "DomainEventProtocol[UUID]", msgspec.convert(state, type=cls, strict=False)
                )
            state.update(revealed)
            _upcast(cls, state)
            event = cast(
                "DomainEventProtocol[UUID]", msgspec.convert(state, type=cls, strict=False)
            )
        except (msgspec.ValidationError, msgspec.DecodeError, KeyError, ValueError) as error:
            msg = (
                f"cannot decode stored event {stored_event.topic} of aggregate {originator_id} "
                f"at version {stored_event.originator_version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        metadata = document.get(METADATA_KEY)
        if metadata is not None:
            stamp(event, msgspec.convert(metadata, type=EventMetadata))
        return event


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def _upcast(cls: type[Any], state: dict[str, Any]) -> None:
    """Bring an old event's state up to its class's current ``class_version``."""
    version = state.pop("class_version", 1)
    while version < getattr(cls, "class_version", 1):
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1


@cache
def _attribute_types(aggregate_topic: str) -> dict[str, Any]:
    """Return the declared attribute types of an aggregate class, for decoding its snapshots."""
    hints = get_type_hints(resolve_topic(aggregate_topic))
    hints.update(_created_on=datetime, _modified_on=datetime)
    return hints


def _aggregate_state(aggregate_topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """Convert a snapshot's JSON state back into typed attribute values."""
    types = _attribute_types(aggregate_topic)
    return {
        name: msgspec.convert(value, type=types[name], strict=False) if name in types else value
        for name, value in state.items()
    }
