"""How pga events become stored records and back: msgspec JSON, metadata, personal fields.

A stored event's ``state`` is one JSON document::

    {"data": {...non-personal fields...},
     "personal": <the personal fields, as returned by the PersonalDataProtector>,
     "metadata": {...who recorded it and why...}}

Every event class names its personal fields (``PgaEvent.personal_fields``); they pass through
exactly one place, the ``PersonalDataProtector``, which encrypts them under the data key of the
subject they concern (``pga.store.subject_keys``: crypto-shredding; destroy a subject's key and
its personal fields become unreadable while the rest of the history still replays). The subject
is the aggregate (the trajectory, whose youth it is; the network, for group-level text), unless
the event class names a field that holds it (``subject_field = "member_id"``: a member's
placement belongs to that member).

An event's metadata stays in the clear (who recorded it, organisation, role, on whose behalf,
the request) except the free-text reason a person gave: it is protected with the personal
fields, under the same subject's key (``METADATA_REASON``), and erased with them.

A snapshot's whole state counts as personal: it is protected under the aggregate's key, except
the entries of the attributes its class names in ``subject_entries`` (a network's ``members``),
each protected under the key of the subject it is keyed by, and the entries of the attributes it
names in ``subject_grouped`` (a network's ``actions``, by ``member_id``) that concern a subject,
grouped per subject and protected under that subject's key, in the document's ``entries``.

Erased subjects. When the protector answers ``ERASED`` (the key is gone), each personal field of
an event decodes to a type-correct placeholder (``erased_placeholder``): ``None`` where the type
allows it, ``ERASED_TEXT`` for a required text, ``ERASED_DATE`` for a required date, an empty
tuple or dict for collections; so an erased aggregate loads and replays. A snapshot with an
erased part raises ``SnapshotErased``: the application then replays that aggregate from its
events instead.

A mapper without a protector refuses to store personal data (``PersonalDataUnprotected``) unless
it is told to store it in the clear (``PlaintextProtector``, for tests of the mapper itself).
Personal values stored in the clear before per-subject keys existed stay readable.

Decoding is type-directed: msgspec converts JSON back into the event dataclass (dates, UUIDs,
enums, nested value objects, tuples), and snapshot state back into the aggregate's annotated
attribute types, so no transcoding registry is needed.
"""

from __future__ import annotations

import types
from datetime import date, datetime
from functools import cache
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Final,
    Protocol,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)
from uuid import UUID

import msgspec
from eventsourcing.domain import CanSnapshotAggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from pga.recording import METADATA_KEY, EventMetadata, stamp

#: Where an event's metadata reason is kept among its protected personal fields.
METADATA_REASON = "_metadata_reason"

if TYPE_CHECKING:
    from eventsourcing.persistence import Cipher, Compressor

#: What a required text field of an erased subject reads as: empty, so that whatever is derived
#: from a text only when there is one (a digest of a police reference) skips it.
ERASED_TEXT: Final = ""
#: What a required date field of an erased subject reads as (the earliest date: never a real one).
ERASED_DATE: Final = date.min
#: The fields of an encrypted personal value: the data key's id (in clear) and the ciphertext.
ENVELOPE_KEY: Final = "key"
ENVELOPE_SEALED: Final = "sealed"


class _Erased:
    """The protector's answer for a value whose key was destroyed."""

    def __repr__(self) -> str:
        return "ERASED"


ERASED: Final = _Erased()


class PersonalDataProtector(Protocol):
    """Turns a subject's personal values into what is stored, and back."""

    def protect(self, subject_id: UUID, originator_id: UUID, personal: Any) -> Any:  # noqa: ANN401 - JSON value
        """Return the JSON value to store for ``personal`` (plain builtins) of ``subject_id``."""

    def reveal(self, subject_id: UUID, originator_id: UUID, stored: Any) -> Any:  # noqa: ANN401 - JSON value
        """Return the personal value from a stored one, or ``ERASED`` when its key is gone."""

    def key_id(self, stored: Any) -> UUID | None:  # noqa: ANN401 - JSON value
        """Return the id of the data key a stored value is encrypted under (``None``: none)."""


class PlaintextProtector:
    """Stores personal values as they are: only where a caller explicitly asks for it (tests)."""

    def protect(self, subject_id: UUID, originator_id: UUID, personal: Any) -> Any:  # noqa: ANN401, ARG002
        """Return the value unchanged."""
        return personal

    def reveal(self, subject_id: UUID, originator_id: UUID, stored: Any) -> Any:  # noqa: ANN401, ARG002
        """Return the stored value unchanged."""
        return stored

    def key_id(self, stored: Any) -> UUID | None:  # noqa: ANN401, ARG002
        """Plain values have no key."""
        return None


class PersonalDataUnprotected(ValueError):
    """Personal data met a mapper without a key store (it is never stored in the clear)."""

    def __init__(self) -> None:
        super().__init__(
            "personal data cannot be stored: no key store (per-subject keys) is configured"
        )


class _Unprotected:
    """The default: refuses to store personal data; reads only values stored in the clear."""

    def protect(self, subject_id: UUID, originator_id: UUID, personal: Any) -> Any:  # noqa: ANN401, ARG002
        raise PersonalDataUnprotected

    def reveal(self, subject_id: UUID, originator_id: UUID, stored: Any) -> Any:  # noqa: ANN401, ARG002
        if is_envelope(stored):
            msg = "the value is encrypted under a data key, but no key store is configured"
            raise ValueError(msg)
        return stored

    def key_id(self, stored: Any) -> UUID | None:  # noqa: ANN401
        return envelope_key_id(stored)


class SnapshotErased(MapperDeserialisationError):
    """A snapshot holds a part whose key is destroyed: replay the aggregate from its events."""


def is_envelope(stored: object) -> bool:
    """Whether a stored personal value is encrypted (names its key id and holds ciphertext)."""
    return isinstance(stored, dict) and stored.keys() == {ENVELOPE_KEY, ENVELOPE_SEALED}


def envelope_key_id(stored: object) -> UUID | None:
    """Return the key id an encrypted value names (``None`` for a value stored in the clear)."""
    return UUID(cast("dict[str, str]", stored)[ENVELOPE_KEY]) if is_envelope(stored) else None


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
        self.protector: PersonalDataProtector = protector or _Unprotected()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Encode one event or snapshot."""
        topic = get_topic(type(domain_event))
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        document: dict[str, Any]
        if isinstance(domain_event, CanSnapshotAggregate):
            document = self._snapshot_document(originator_id, state)
        else:
            metadata = state.pop(METADATA_KEY, None)
            class_version = getattr(type(domain_event), "class_version", 1)
            if class_version > 1:
                state["class_version"] = class_version
            personal_fields: tuple[str, ...] = getattr(type(domain_event), "personal_fields", ())
            personal = cast(
                "dict[str, Any]",
                msgspec.to_builtins({name: state.pop(name) for name in personal_fields}),
            )
            clear_metadata: dict[str, Any] | None = None
            if metadata is not None:
                # The reason a person gave is free text: it is protected with the personal
                # fields (and erased with them); who, when and which request stay in the clear.
                clear_metadata = cast("dict[str, Any]", msgspec.to_builtins(metadata))
                reason = clear_metadata.pop("reason", None)
                if reason is not None:
                    personal[METADATA_REASON] = reason
            document = {"data": state}
            if personal:
                subject_id = _subject_of(type(domain_event), state, originator_id)
                document["personal"] = self.protector.protect(subject_id, originator_id, personal)
            if clear_metadata is not None:
                document[METADATA_KEY] = clear_metadata
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

    def _snapshot_document(self, originator_id: UUID, state: dict[str, Any]) -> dict[str, Any]:
        """Protect a snapshot's state: per-subject entries apart, the rest under the aggregate."""
        snapshot_state = cast("dict[str, Any]", msgspec.to_builtins(state.pop("state")))
        document: dict[str, Any] = {"data": state}
        entries: dict[str, dict[str, Any]] = {}
        for name in _subject_entries(state["topic"]):
            entries[name] = {
                subject: self.protector.protect(UUID(subject), originator_id, value)
                for subject, value in snapshot_state.pop(name, {}).items()
            }
        for name, field in _subject_grouped(state["topic"]).items():
            groups: dict[str, dict[str, Any]] = {}
            kept: dict[str, Any] = {}
            for key, value in snapshot_state.get(name, {}).items():
                subject = value.get(field)
                (kept if subject is None else groups.setdefault(subject, {}))[key] = value
            snapshot_state[name] = kept
            if groups:
                entries[name] = {
                    subject: self.protector.protect(UUID(subject), originator_id, group)
                    for subject, group in groups.items()
                }
        document["personal"] = self.protector.protect(originator_id, originator_id, snapshot_state)
        if entries:
            document["entries"] = entries
        return document

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Decode one stored event or snapshot."""
        cls = resolve_topic(stored_event.topic)
        originator_id = _as_uuid(stored_event.originator_id)
        try:
            document = self._document(stored_event)
            state = cast("dict[str, Any]", document["data"])
            state["originator_id"] = originator_id
            state["originator_version"] = stored_event.originator_version
            if issubclass(cls, CanSnapshotAggregate):
                state["state"] = _aggregate_state(
                    state["topic"], self._snapshot_state(originator_id, document)
                )
                return cast(
                    "DomainEventProtocol[UUID]", msgspec.convert(state, type=cls, strict=False)
                )
            reason = None
            if "personal" in document:
                subject_id = _subject_of(cls, state, originator_id)
                revealed = self.protector.reveal(subject_id, originator_id, document["personal"])
                if revealed is ERASED:
                    state.update(erased_placeholders(cls))
                else:
                    fields = dict(cast("dict[str, Any]", revealed))
                    reason = fields.pop(METADATA_REASON, None)
                    state.update(fields)
            _upcast(cls, state)
            event = cast(
                "DomainEventProtocol[UUID]", msgspec.convert(state, type=cls, strict=False)
            )
        except SnapshotErased:
            raise
        except (msgspec.ValidationError, msgspec.DecodeError, KeyError, ValueError) as error:
            msg = (
                f"cannot decode stored event {stored_event.topic} of aggregate {originator_id} "
                f"at version {stored_event.originator_version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        metadata = document.get(METADATA_KEY)
        if metadata is not None:
            if reason is not None:  # (events stored before kept it in the clear metadata)
                metadata = {**metadata, "reason": reason}
            stamp(event, msgspec.convert(metadata, type=EventMetadata))
        return event

    def data_of(self, stored_event: StoredEvent) -> dict[str, Any]:
        """Return a stored event's clear, non-personal data as JSON builtins (no key needed)."""
        return cast("dict[str, Any]", self._document(stored_event)["data"])

    def _document(self, stored_event: StoredEvent) -> dict[str, Any]:
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return cast("dict[str, Any]", _decoder.decode(data))

    def _snapshot_state(self, originator_id: UUID, document: dict[str, Any]) -> dict[str, Any]:
        """Reveal a snapshot's state; raise ``SnapshotErased`` when any part's key is gone."""
        state = self.protector.reveal(originator_id, originator_id, document["personal"])
        if state is ERASED:
            raise SnapshotErased(f"snapshot of {originator_id} is erased")
        revealed = dict(cast("dict[str, Any]", state))
        grouped = _subject_grouped(document["data"]["topic"])
        for name, entries in cast("dict[str, dict[str, Any]]", document.get("entries", {})).items():
            revealed[name] = dict(revealed.get(name, {})) if name in grouped else {}
            for subject, stored in entries.items():
                value = self.protector.reveal(UUID(subject), originator_id, stored)
                if value is ERASED:
                    raise SnapshotErased(f"snapshot of {originator_id} holds an erased entry")
                if name in grouped:
                    revealed[name].update(value)
                else:
                    revealed[name][subject] = value
        return revealed

    def key_ids(self, stored_event: StoredEvent, subject_ids: frozenset[UUID]) -> set[UUID]:
        """Return the ids of the data keys a stored record uses for any of ``subject_ids``."""
        cls = resolve_topic(stored_event.topic)
        originator_id = _as_uuid(stored_event.originator_id)
        document = self._document(stored_event)
        found: set[UUID] = set()
        parts: list[tuple[UUID, Any]] = []
        if "personal" in document:
            subject = (
                originator_id
                if issubclass(cls, CanSnapshotAggregate)
                else _subject_of(cls, document["data"], originator_id)
            )
            parts.append((subject, document["personal"]))
        for entries in cast("dict[str, dict[str, Any]]", document.get("entries", {})).values():
            parts.extend((UUID(subject), stored) for subject, stored in entries.items())
        for subject, stored in parts:
            key_id = self.protector.key_id(stored)
            if subject in subject_ids and key_id is not None:
                found.add(key_id)
        return found


def _subject_of(cls: type[Any], state: dict[str, Any], originator_id: UUID) -> UUID:
    """Return the subject an event's personal fields belong to (see the module docstring)."""
    field = getattr(cls, "subject_field", None)
    value = state.get(field) if field else None
    return originator_id if value is None else _as_uuid(value)


@cache
def _subject_grouped(aggregate_topic: str) -> dict[str, str]:
    grouped: dict[str, str] = dict(getattr(resolve_topic(aggregate_topic), "subject_grouped", {}))
    return grouped


@cache
def _subject_entries(aggregate_topic: str) -> tuple[str, ...]:
    names: tuple[str, ...] = getattr(resolve_topic(aggregate_topic), "subject_entries", ())
    return names


@cache
def erased_placeholders(cls: type[Any]) -> dict[str, Any]:
    """Return the placeholder of each personal field of an event class (its key is gone)."""
    hints = get_type_hints(cls)
    return {name: erased_placeholder(hints[name]) for name in cls.personal_fields}


def erased_placeholder(hint: Any) -> Any:  # noqa: ANN401 - a value of the hinted type
    """Return the placeholder of a value of type ``hint`` whose subject was erased."""
    origin = get_origin(hint)
    if origin in {Union, types.UnionType} and type(None) in get_args(hint):
        return None
    if hint is str:
        return ERASED_TEXT
    if hint is date:
        return ERASED_DATE
    if origin is tuple:
        return ()
    if origin is dict:
        return {}
    msg = f"no erased placeholder for a personal field of type {hint!r}"
    raise TypeError(msg)


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
