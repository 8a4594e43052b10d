"""How pga events become stored records and back: msgspec JSON, metadata, personal fields.

A stored event's ``state`` is one JSON document::

    {"data": {...non-personal fields...},
     "personal": <the personal fields, as returned by the PersonalDataProtector>,
     "metadata": {...who recorded it and why...}}

Every event class names its personal fields (``PgaEvent.personal_fields``); they pass through
exactly one place, ``PersonalDataProtector``, which is where per-subject encryption plugs in
(crypto-shredding: destroy a subject's key and its personal fields become unreadable while the
rest of the history still replays). A snapshot's whole state counts as personal.

Some personal fields are encrypted at rest already, each value on its own: an event class's
``encrypted_fields`` (and an aggregate class's, for its snapshots) pass through the
``FieldEncryption`` (AES-GCM under a key derived from the master key, ``pga.store.keys``) before
the protector sees them, bound to the aggregate id and the field name. A mapper without a field
cipher refuses to store or read such a value rather than keep it in the clear.

Decoding is type-directed: msgspec converts JSON back into the event dataclass (dates, UUIDs,
enums, nested value objects, tuples), and snapshot state back into the aggregate's annotated
attribute types, so no transcoding registry is needed.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast, get_origin, get_type_hints
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


class FieldEncryption(Protocol):
    """Encrypts one field value, bound to associated data (``pga.store.keys.FieldCipher``)."""

    def encrypt(self, value: str, aad: bytes) -> str:
        """Return the stored token for ``value``."""

    def decrypt(self, token: str, aad: bytes) -> str:
        """Return the value of a stored token."""


class FieldCipherMissing(ValueError):
    """A value that is stored encrypted met a mapper without a field cipher."""

    def __init__(self, field: str) -> None:
        super().__init__(
            f"field '{field}' is stored encrypted, but no field cipher (master key) is configured"
        )


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
        field_cipher: FieldEncryption | None = None,
    ) -> None:
        super().__init__(transcoder, compressor, cipher)
        self.protector: PersonalDataProtector = protector or PlaintextProtector()
        self.field_cipher = field_cipher

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Encode one event or snapshot."""
        topic = get_topic(type(domain_event))
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        document: dict[str, Any]
        if isinstance(domain_event, CanSnapshotAggregate):
            snapshot_state = msgspec.to_builtins(state.pop("state"))
            self._encrypt(originator_id, resolve_topic(state["topic"]), snapshot_state)
            document = {
                "data": state,
                "personal": self.protector.protect(originator_id, topic, snapshot_state),
            }
        else:
            metadata = state.pop(METADATA_KEY, None)
            class_version = getattr(type(domain_event), "class_version", 1)
            if class_version > 1:
                state["class_version"] = class_version
            self._encrypt(originator_id, type(domain_event), state)
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
                self._decrypt(originator_id, resolve_topic(state["topic"]), revealed)
                state["state"] = _aggregate_state(state["topic"], revealed)
                return cast(
                    "DomainEventProtocol[UUID]", msgspec.convert(state, type=cls, strict=False)
                )
            state.update(revealed)
            self._decrypt(originator_id, cls, state)
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

    def _encrypt(self, originator_id: UUID, cls: type[Any], state: dict[str, Any]) -> None:
        """Replace the values of ``cls.encrypted_fields`` in ``state`` by their tokens."""
        for name in getattr(cls, "encrypted_fields", ()):
            value = state.get(name)
            if value is None:
                continue
            if self.field_cipher is None:
                raise FieldCipherMissing(name)
            state[name] = self.field_cipher.encrypt(str(value), _aad(originator_id, name))

    def _decrypt(self, originator_id: UUID, cls: type[Any], state: dict[str, Any]) -> None:
        """Replace the tokens of ``cls.encrypted_fields`` in ``state`` by their values."""
        for name in getattr(cls, "encrypted_fields", ()):
            token = state.get(name)
            if token is None:
                continue
            if self.field_cipher is None:
                raise FieldCipherMissing(name)
            state[name] = self.field_cipher.decrypt(token, _aad(originator_id, name))


def _aad(originator_id: UUID | str, field: str) -> bytes:
    """Bind an encrypted value to its aggregate and field: a copied token does not decrypt."""
    return _as_uuid(originator_id).bytes + b":" + field.encode()


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
    hints = {
        name: hint
        for name, hint in get_type_hints(resolve_topic(aggregate_topic)).items()
        if get_origin(hint) is not ClassVar
    }
    hints.update(_created_on=datetime, _modified_on=datetime)
    return hints


def _aggregate_state(aggregate_topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """Convert a snapshot's JSON state back into typed attribute values."""
    types = _attribute_types(aggregate_topic)
    return {
        name: msgspec.convert(value, type=types[name], strict=False) if name in types else value
        for name, value in state.items()
    }
