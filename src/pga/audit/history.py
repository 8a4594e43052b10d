"""The auditor's replay: an aggregate's events, its state as of a version or a moment, diffs.

What the API (``/api/v1/audit/…``) and the command line (``pga audit history|state|diff``) show
an auditor is built here, once, from the application's ``history``, ``state_at_version`` and
``state_at_time``:

- ``event_records``: every stored event with its metadata (who, in which organisation and role,
  on whose behalf, why, which request) and its data, every field of it;
- ``state_at_version`` / ``state_at_time``: the aggregate as it was, as a JSON document
  (``aggregate_state``);
- ``version_diff``: what changed between two versions (``diff``, a structural comparison of two
  such documents) and the events that changed it;
- ``export_history``: all of it in one document.

Everything is JSON-ready and deterministic: attribute names in camelCase in their declared
order, mapping entries (partners by organisation, interventions by id…) sorted by key, dates and
times in ISO 8601, ids as strings, enums as their values. Fields the store encrypts at rest (an
event class's or aggregate class's ``encrypted_fields``: the BSN) are shown as ``REDACTED`` —
only the regisseur ever sees a BSN — so an auditor sees *that* one was recorded or corrected
(the ``BsnRecorded`` event), never the number.

Corrections are events like any other: a ``CorrectionRecorded`` event names the version it
corrects (``correctsVersion``), the corrected event lists the corrections made to it
(``correctedBy``), and the state's ``corrections`` count goes up, so the diff shows it too.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from enum import Enum, StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_origin, get_type_hints
from uuid import UUID

import msgspec

from pga.application import AggregateNotFound
from pga.domain.catalogue import PartnerRole
from pga.domain.network import MemberPlaced, NetworkOpened, YouthNetwork
from pga.domain.trajectory import CorrectionRecorded, Referred, Trajectory

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pga.application import AnyAggregate, HistoryEntry, PgaApplication

#: What an auditor sees instead of a value the store keeps encrypted (the BSN).
REDACTED = "[versleuteld]"

AggregateKind = Literal["trajectory", "network"]

#: Event attributes that are the library's bookkeeping, not the event's data.
_BOOKKEEPING = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


class UnknownVersion(AggregateNotFound):
    """The aggregate exists, but not at this version (below 1, or after its latest)."""

    def __init__(self, aggregate_id: UUID, version: int, latest: int) -> None:
        super().__init__(f"version {version} of", aggregate_id)
        self.version = version
        self.latest = latest


class NotYetRecorded(AggregateNotFound):
    """The aggregate exists, but its first event was recorded after the moment asked about."""

    def __init__(self, aggregate_id: UUID, moment: datetime) -> None:
        super().__init__("state before the creation of", aggregate_id)
        self.moment = moment


class AuditMetadata(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Who recorded an event, for whom, why, and in which request."""

    user: str
    organisation: str
    role: PartnerRole
    on_behalf_of: str | None
    """The person the user acted for, if any."""
    reason: str | None
    """The reason given with the command, where the law asks for one."""
    correlation_id: UUID
    """The request that recorded it (``X-Request-ID``); events of one command share it."""


class AuditEvent(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One stored event, as an auditor reads it."""

    version: int
    kind: str
    """The event's kind (its class name, such as ``Referred`` or ``CorrectionRecorded``)."""
    recorded_at: datetime
    metadata: AuditMetadata | None
    """``null`` only for events recorded before metadata was kept."""
    data: dict[str, Any]
    """Every field of the event in camelCase; an encrypted field (the BSN) is redacted."""
    corrected_by: list[int]
    """The versions of the corrections (``CorrectionRecorded``) that concern this event."""


class AuditEventPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One page of an aggregate's events, oldest first."""

    aggregate_id: UUID
    kind: AggregateKind
    subjects: list[UUID]
    """The youths it concerns: a trajectory's subject, or everyone ever on a network's name list.

    The ids the access log names for this read, besides the aggregate's own.
    """
    items: list[AuditEvent]
    page: int
    page_size: int
    total: int


class AuditHistory(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Every event of an aggregate, oldest first (``pga audit history``)."""

    aggregate_id: UUID
    kind: AggregateKind
    version: int
    """The latest version."""
    subjects: list[UUID]
    """The youths it concerns: a trajectory's subject, or everyone ever on a network's name list.

    The ids the access log names for this read, besides the aggregate's own.
    """
    events: list[AuditEvent]


class AuditState(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An aggregate's state as it was at one version."""

    aggregate_id: UUID
    kind: AggregateKind
    version: int
    recorded_at: datetime
    """When that version's event was recorded."""
    as_of: datetime
    """The moment asked about, or (asked by version) when that version was recorded."""
    subjects: list[UUID]
    """The youths it shows: a trajectory's subject, or the members on a network's name list.

    The ids the access log names for this read, besides the aggregate's own.
    """
    state: dict[str, Any]
    """Every attribute in camelCase; the BSN is redacted."""


class ChangeOp(StrEnum):
    """How one value differs between two states."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class Change(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One difference between two states, at a JSON pointer into the state."""

    path: str
    """A JSON pointer (RFC 6901) into the state, such as ``/plan/goals/0/dueOn``."""
    op: ChangeOp
    before: Any
    """The value before (``null`` when added)."""
    after: Any
    """The value after (``null`` when removed)."""


class AuditDiff(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What changed from one version to a later one, and the events that changed it."""

    aggregate_id: UUID
    kind: AggregateKind
    from_version: int
    to_version: int
    subjects: list[UUID]
    """The youths it concerns: a trajectory's subject, or everyone on a network's name list up to
    ``toVersion``. The ids the access log names for this read, besides the aggregate's own.
    """
    changes: list[Change]
    events: list[AuditEvent]
    """The events after ``fromVersion`` up to and including ``toVersion``."""


class AuditExport(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An aggregate's whole history and current state, in one document."""

    aggregate_id: UUID
    kind: AggregateKind
    version: int
    exported_at: datetime
    subjects: list[UUID]
    """The youths it concerns: a trajectory's subject, or everyone ever on a network's name list.

    The ids the access log names for this read, besides the aggregate's own.
    """
    events: list[AuditEvent]
    state: dict[str, Any]
    """The state at ``version`` (the latest)."""


# --- events ---


def event_records(app: PgaApplication, aggregate_id: UUID) -> list[AuditEvent]:
    """Return every event of an aggregate with its metadata, oldest first.

    Raises ``AggregateNotFound`` for an id no aggregate has.
    """
    return _records(app.history(aggregate_id))


def history(app: PgaApplication, aggregate_id: UUID) -> AuditHistory:
    """Return an aggregate's whole history (``AggregateNotFound`` for an unknown id)."""
    entries = app.history(aggregate_id)
    return AuditHistory(
        aggregate_id=aggregate_id,
        kind=_kind_of_history(entries),
        version=entries[-1].version,
        subjects=_subjects(entries),
        events=_records(entries),
    )


def event_page(
    app: PgaApplication, aggregate_id: UUID, *, page: int, page_size: int
) -> AuditEventPage:
    """Return one page of an aggregate's events (``page`` from 1), oldest first."""
    entries = app.history(aggregate_id)
    records = _records(entries)
    start = (page - 1) * page_size
    return AuditEventPage(
        aggregate_id=aggregate_id,
        kind=_kind_of_history(entries),
        subjects=_subjects(entries),
        items=records[start : start + page_size],
        page=page,
        page_size=page_size,
        total=len(records),
    )


def _records(entries: Sequence[HistoryEntry]) -> list[AuditEvent]:
    corrections: dict[int, list[int]] = {}
    for entry in entries:
        if isinstance(entry.event, CorrectionRecorded):
            corrections.setdefault(entry.event.corrects_version, []).append(entry.version)
    return [_record(entry, corrections.get(entry.version, [])) for entry in entries]


def _record(entry: HistoryEntry, corrected_by: list[int]) -> AuditEvent:
    event = entry.event
    encrypted = frozenset(getattr(type(event), "encrypted_fields", ()))
    data = {
        _camel(field.name): _redacted(getattr(event, field.name))
        if field.name in encrypted
        else to_json(getattr(event, field.name))
        for field in dataclasses.fields(event)
        if field.name not in _BOOKKEEPING
    }
    metadata = entry.metadata
    return AuditEvent(
        version=entry.version,
        kind=entry.kind,
        recorded_at=entry.recorded_at,
        metadata=None
        if metadata is None
        else AuditMetadata(
            user=metadata.user,
            organisation=metadata.organisation,
            role=metadata.role,
            on_behalf_of=metadata.on_behalf_of,
            reason=metadata.reason,
            correlation_id=metadata.correlation_id,
        ),
        data=data,
        corrected_by=corrected_by,
    )


def _kind_of_history(entries: Sequence[HistoryEntry]) -> AggregateKind:
    first = entries[0].event
    if isinstance(first, NetworkOpened):
        return "network"
    if isinstance(first, Referred):
        return "trajectory"
    msg = f"an aggregate that starts with {type(first).__name__} is not a trajectory or network"
    raise TypeError(msg)


def _subjects(entries: Iterable[HistoryEntry]) -> list[UUID]:
    """Return the youths ``entries`` concern: a trajectory's subject, a network's members."""
    found: dict[UUID, None] = {}
    for entry in entries:
        if isinstance(entry.event, Referred):
            found[entry.event.subject_id] = None
        elif isinstance(entry.event, MemberPlaced):
            found[entry.event.member_id] = None
    return list(found)


# --- state ---


def aggregate_state(aggregate: AnyAggregate) -> dict[str, Any]:
    """Return a trajectory's or network's attributes as JSON, the encrypted ones redacted.

    Attribute names are camelCase in the order the class declares them; the library's own
    bookkeeping (id, version, creation and modification time) is left to ``AuditState``.
    """
    cls = type(aggregate)
    encrypted = frozenset(getattr(cls, "encrypted_fields", ()))
    return {
        _camel(name): _redacted(getattr(aggregate, name, None))
        if name in encrypted
        else to_json(getattr(aggregate, name, None))
        for name in _attributes(cls)
    }


def state_at_version(app: PgaApplication, aggregate_id: UUID, version: int) -> AuditState:
    """Return the aggregate as it was right after ``version``.

    Raises ``AggregateNotFound`` for an unknown id, ``UnknownVersion`` for a version it does not
    have (below 1, or after its latest).
    """
    latest = latest_version(app, aggregate_id)
    if not 1 <= version <= latest:
        raise UnknownVersion(aggregate_id, version, latest)
    aggregate = app.state_at_version(aggregate_id, version)
    return _audit_state(aggregate, as_of=aggregate.modified_on)


def state_at_time(app: PgaApplication, aggregate_id: UUID, moment: datetime) -> AuditState:
    """Return the aggregate as it was known at ``moment`` (timezone-aware).

    Raises ``AggregateNotFound`` for an unknown id, ``NotYetRecorded`` when ``moment`` is before
    its first event, and ``ValueError`` for a naive ``moment``.
    """
    aggregate = app.state_at_time(aggregate_id, moment)
    if aggregate is None:
        raise NotYetRecorded(aggregate_id, moment)
    return _audit_state(aggregate, as_of=moment)


def latest_version(app: PgaApplication, aggregate_id: UUID) -> int:
    """Return an aggregate's latest version (``AggregateNotFound`` for an unknown id)."""
    last = app.recorder.select_events(aggregate_id, desc=True, limit=1)
    if not last:
        raise AggregateNotFound("aggregate", aggregate_id)
    return last[0].originator_version


def _audit_state(aggregate: AnyAggregate, *, as_of: datetime) -> AuditState:
    subjects = (
        list(aggregate.members) if isinstance(aggregate, YouthNetwork) else [aggregate.subject_id]
    )
    return AuditState(
        aggregate_id=aggregate.id,
        kind=_kind_of(aggregate),
        version=aggregate.version,
        recorded_at=aggregate.modified_on.astimezone(UTC),
        as_of=as_of.astimezone(UTC),
        subjects=subjects,
        state=aggregate_state(aggregate),
    )


def _kind_of(aggregate: AnyAggregate) -> AggregateKind:
    return "network" if isinstance(aggregate, YouthNetwork) else "trajectory"


@cache
def _attributes(cls: type[Trajectory | YouthNetwork]) -> tuple[str, ...]:
    """Return the attributes ``cls`` declares (not class variables, not the library's own)."""
    own = {
        name
        for each in cls.__mro__
        if not each.__module__.startswith("eventsourcing")
        for name in vars(each).get("__annotations__", {})
    }
    return tuple(
        name
        for name, hint in get_type_hints(cls).items()
        if name in own and get_origin(hint) is not ClassVar and hint is not ClassVar
    )


# --- differences ---


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Return how ``after`` differs from ``before`` (two JSON documents, such as two states).

    Objects are compared key by key (their keys in ``before``'s order, then the keys only
    ``after`` has), arrays position by position (a longer or shorter array adds or removes at
    its end); any other value, or a value whose JSON type changed, is ``changed`` as a whole.
    Paths are JSON pointers (RFC 6901). Equal documents give no changes.
    """
    changes: list[Change] = []
    _compare("", before, after, changes)
    return changes


def _compare(path: str, before: object, after: object, changes: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in before.items():
            at = f"{path}/{_pointer(key)}"
            if key in after:
                _compare(at, value, after[key], changes)
            else:
                changes.append(Change(path=at, op=ChangeOp.REMOVED, before=value, after=None))
        changes.extend(
            Change(path=f"{path}/{_pointer(key)}", op=ChangeOp.ADDED, before=None, after=value)
            for key, value in after.items()
            if key not in before
        )
    elif isinstance(before, list) and isinstance(after, list):
        for index, (old, new) in enumerate(zip(before, after, strict=False)):
            _compare(f"{path}/{index}", old, new, changes)
        changes.extend(
            Change(path=f"{path}/{index}", op=ChangeOp.REMOVED, before=value, after=None)
            for index, value in enumerate(before[len(after) :], start=len(after))
        )
        changes.extend(
            Change(path=f"{path}/{index}", op=ChangeOp.ADDED, before=None, after=value)
            for index, value in enumerate(after[len(before) :], start=len(before))
        )
    elif type(before) is not type(after) or before != after:
        changes.append(Change(path=path, op=ChangeOp.CHANGED, before=before, after=after))


def _pointer(key: object) -> str:
    """Escape one JSON pointer reference token (RFC 6901: ``~`` → ``~0``, ``/`` → ``~1``)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def version_diff(
    app: PgaApplication, aggregate_id: UUID, from_version: int, to_version: int
) -> AuditDiff:
    """Return what changed from ``from_version`` to the later ``to_version``, and the events.

    Raises ``ValueError`` unless ``from_version < to_version``, ``AggregateNotFound`` for an
    unknown id and ``UnknownVersion`` for a version the aggregate does not have.
    """
    if from_version >= to_version:
        msg = "from must be a version before to"
        raise ValueError(msg)
    entries = app.history(aggregate_id)
    latest = entries[-1].version
    for version in (from_version, to_version):
        if not 1 <= version <= latest:
            raise UnknownVersion(aggregate_id, version, latest)
    before = aggregate_state(app.state_at_version(aggregate_id, from_version))
    after = aggregate_state(app.state_at_version(aggregate_id, to_version))
    return AuditDiff(
        aggregate_id=aggregate_id,
        kind=_kind_of_history(entries),
        from_version=from_version,
        to_version=to_version,
        subjects=_subjects(entry for entry in entries if entry.version <= to_version),
        changes=diff(before, after),
        events=[
            record for record in _records(entries) if from_version < record.version <= to_version
        ],
    )


# --- export ---


def export_history(
    app: PgaApplication, aggregate_id: UUID, *, now: datetime | None = None
) -> AuditExport:
    """Return an aggregate's whole history with its metadata and its current state.

    ``now`` is the export's time (default: the wall clock, UTC). The state is that of the latest
    event exported, even when another event is recorded meanwhile.
    """
    entries = app.history(aggregate_id)
    latest = entries[-1].version
    return AuditExport(
        aggregate_id=aggregate_id,
        kind=_kind_of_history(entries),
        version=latest,
        exported_at=(now or datetime.now(UTC)).astimezone(UTC),
        subjects=_subjects(entries),
        events=_records(entries),
        state=aggregate_state(app.state_at_version(aggregate_id, latest)),
    )


# --- JSON ---


def to_json(value: object) -> Any:  # noqa: ANN401 - a JSON value
    """Return ``value`` (a domain value: dataclass, mapping, tuple, date…) as JSON builtins.

    Dataclass fields become camelCase keys in their declared order; mapping keys (ids, codes)
    stay as they are and are sorted, so equal values always give the same document.
    """
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (datetime, date, UUID)):
        return msgspec.to_builtins(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _camel(field.name): to_json(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {
            key: to_json(item)
            for key, item in sorted(
                ((_key(key), item) for key, item in value.items()), key=lambda pair: pair[0]
            )
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_json(item) for item in value]
        ordered = isinstance(value, (list, tuple))
        return items if ordered else sorted(items, key=msgspec.json.encode)
    msg = f"cannot show a {type(value).__name__} as JSON"
    raise TypeError(msg)


def _key(key: object) -> str:
    if isinstance(key, Enum):
        return str(key.value)
    return str(key)


def _redacted(value: object) -> str | None:
    """``REDACTED`` for a recorded value, ``null`` for none: whether, never what."""
    return None if value is None else REDACTED


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)
