"""The partner views: per partner role, only what the privacy policy lets that role see.

The policy (``pga.privacy``, a data file) says per role which level of which record kind it
gets. This read model applies it when it stores, not when it answers: a row holds only the
fields of its level, so no query can return what the policy withholds. Tables:

``entries`` (aggregate id, audience, version)
    One row per event and role that sees the event at ``L0`` or more (``audience`` is the
    role, e.g. ``school``), with the event's Dutch label from the policy as summary and, in
    ``details``, the fields of that level (derived fields: a pseudonymous reference instead of
    the youth's id and name, and the age band on the event's date). Where an organisation
    recorded the event itself, or is responsible for the intervention or network action it is
    about, a second row for that organisation (``audience`` ``@<organisation>``) holds it at the
    role's ``own`` level (or the role's level, when that is higher). When the organisation
    withdraws, its own rows fall back to L0: it keeps knowing that it recorded something, not
    what.
``access`` (aggregate id, organisation)
    Need-to-know: whether an organisation is involved in a trajectory or network now, in which
    role, since and until when.
``views`` (aggregate id, role)
    Per role, the current state as the role may see it (a JSON document): the L0 header every
    involved partner sees (version, status or step, dates) and the sections its levels allow:
    the referral, partners, plan (at L1 only the goals of the role's life domains), interventions,
    life-domain scores, mayor's orders, and per record kind how many records there are; for a
    network the group, partners, name list (pseudonyms at L1) and actions.
``entities`` (aggregate id, entity id)
    Bookkeeping only (no query reads it): who is responsible for each intervention and network
    action, and which events concern each name-list member, so that ownership and the
    destruction of a member's data can be applied.

A correction by field (``CorrectionRecorded.corrected_fields``: the referral's names, date of
birth, police reference) puts the corrected value into every stored row of the corrected event
that shows the field, for every audience, and into the documents' referral (a corrected date of
birth moves the age band too): a partner sees only the corrected value, never what was wrong
(the correction's own row shows at most which version it corrects, and why).

Erasure (``SubjectErased``) nulls the erased fields (those the domain marks personal, and the
derived pseudonym and age band) of every earlier row of the trajectory, for every audience, and
in the documents. A name list's destruction (a member removed, a back-step before 2B, the file
closed) turns every row about the destroyed members into L0 and drops them from the documents.
Corrections, erasures and destructions run as set-based updates when the batch is saved
(corrections first: no correction follows an erasure), bounded by the event's version, so a
rebuild from zero gives the same content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import msgspec
from psycopg import sql

from pga.domain.network import PERSON_LEVEL_STEPS, NetworkStep
from pga.domain.trajectory import TRAJECTORY_EVENTS, CorrectedField, TrajectoryStatus
from pga.privacy.policy import (
    AGE_BAND,
    NETWORK,
    PSEUDONYM,
    TRAJECTORY,
    Level,
    Policy,
    RolePolicy,
    load_policy,
)
from pga.privacy.pseudonym import age_band, youth_reference
from projections.base import Batch, Envelope, ReadModel, Rows, Table, aggregate_ids
from projections.paging import DEFAULT_PAGE_SIZE, limit_offset, page_with_total, split_total
from projections.runner import schema_name
from projections.timeline import EVENT_KINDS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import psycopg

    from pga.domain.common import PgaEvent

OWN_PREFIX = "@"
"""An audience starting with this is one organisation's own rows (roles never start with it)."""

# --- stored rows ---


class EntryRow(msgspec.Struct):
    """One event as one audience sees it (the ``entries`` table)."""

    aggregate_id: UUID
    audience: str
    version: int
    position: int
    aggregate_kind: str
    kind: str
    record_kind: str
    level: str
    occurred_on: date | None
    recorded_at: datetime
    recorded_by_organisation: str | None
    """Who recorded it (from L1 on: which organisations take part is process context)."""
    summary: str
    details: str
    """The fields of the level, as JSON text."""


class AccessRow(msgspec.Struct):
    """Whether an organisation is involved in a trajectory or network (the ``access`` table)."""

    aggregate_id: UUID
    organisation: str
    aggregate_kind: str
    role: str
    involved: bool
    since: date
    until: date | None


class ViewRow(msgspec.Struct):
    """A role's current document of one trajectory or network (the ``views`` table)."""

    aggregate_id: UUID
    role: str
    aggregate_kind: str
    version: int
    state: str
    """The trajectory's status or the network's step (L0, for lists)."""
    opened_on: date
    closed_on: date | None
    document: str


class EntityRow(msgspec.Struct):
    """Who owns an intervention or action; which versions concern a member (``entities``)."""

    aggregate_id: UUID
    entity_id: UUID
    kind: str
    """``intervention``, ``action`` or ``member``."""
    owner: str | None
    member_id: UUID | None
    """For a person-level action: the member it is about."""
    versions: list[int]
    """For a member: the versions of the events about it (placement, letters, its actions)."""


ENTRIES = Table(
    name="entries",
    columns=(
        ("aggregate_id", "uuid NOT NULL"),
        ("audience", "text NOT NULL"),
        ("version", "integer NOT NULL"),
        ("position", "bigint NOT NULL"),
        ("aggregate_kind", "text NOT NULL"),
        ("kind", "text NOT NULL"),
        ("record_kind", "text NOT NULL"),
        ("level", "text NOT NULL"),
        ("occurred_on", "date"),
        ("recorded_at", "timestamptz NOT NULL"),
        ("recorded_by_organisation", "text"),
        ("summary", "text NOT NULL"),
        ("details", "jsonb NOT NULL"),
    ),
    key=("aggregate_id", "audience", "version"),
)

ACCESS = Table(
    name="access",
    columns=(
        ("aggregate_id", "uuid NOT NULL"),
        ("organisation", "text NOT NULL"),
        ("aggregate_kind", "text NOT NULL"),
        ("role", "text NOT NULL"),
        ("involved", "boolean NOT NULL"),
        ("since", "date NOT NULL"),
        ("until", "date"),
    ),
    key=("aggregate_id", "organisation"),
    indexes=(("organisation", "role", "aggregate_kind"),),
)

VIEWS = Table(
    name="views",
    columns=(
        ("aggregate_id", "uuid NOT NULL"),
        ("role", "text NOT NULL"),
        ("aggregate_kind", "text NOT NULL"),
        ("version", "integer NOT NULL"),
        ("state", "text NOT NULL"),
        ("opened_on", "date NOT NULL"),
        ("closed_on", "date"),
        ("document", "jsonb NOT NULL"),
    ),
    key=("aggregate_id", "role"),
)

ENTITIES = Table(
    name="entities",
    columns=(
        ("aggregate_id", "uuid NOT NULL"),
        ("entity_id", "uuid NOT NULL"),
        ("kind", "text NOT NULL"),
        ("owner", "text"),
        ("member_id", "uuid"),
        ("versions", "integer[] NOT NULL"),
    ),
    key=("aggregate_id", "entity_id"),
)

# --- what events mean for the header, ownership and the documents ---

#: The status a trajectory event moves to (the domain's status machine, as events show it).
STATUS_AFTER: Mapping[str, TrajectoryStatus] = {
    "Referred": TrajectoryStatus.AANGEMELD,
    "IntakeHeld": TrajectoryStatus.INTAKE,
    "InclusionDeclined": TrajectoryStatus.NIET_OPGENOMEN,
    "PlanAdopted": TrajectoryStatus.ACTIEF,
    "RevisionStarted": TrajectoryStatus.BIJSTELLING,
    "PlanRevised": TrajectoryStatus.ACTIEF,
    "Escalated": TrajectoryStatus.OPGESCHAALD,
    "DeEscalated": TrajectoryStatus.AFGESCHAALD,
    "Closed": TrajectoryStatus.AFGESLOTEN,
}
#: Events that close a trajectory, and their closing date (not included is closed too).
_CLOSING: Mapping[str, str] = {"Closed": "closed_on", "InclusionDeclined": "declined_on"}
_INTERVENTION_PROGRESS = frozenset(
    {"InterventionStarted", "InterventionCompleted", "InterventionAborted"}
)
#: Fields that name the organisation an event comes from (its source), besides the recorder.
_SOURCE_FIELDS: Mapping[str, str] = {
    "SchoolSignalRecorded": "source_organisation",
    "SignalShared": "source_organisation",
}
#: Fields that name a youth's subject or member id: never copied, shown as a pseudonym instead.
_SUBJECT_FIELDS: Mapping[str, str] = {"Referred": "subject_id", "MemberPlaced": "member_id"}
_BORN_ON = "born_on"
#: Document keys an erasure nulls: every personal field of a trajectory event (camelCase), and
#: the derived reference and age band. A list (the plan's goals) becomes empty.
_ERASED_DOCUMENT_FIELDS = frozenset(
    "".join(part if index == 0 else part.title() for index, part in enumerate(field.split("_")))
    for event_class in TRAJECTORY_EVENTS
    for field in (*event_class.personal_fields, PSEUDONYM, AGE_BAND)
)


def _no_date(_event: object) -> date | None:
    return None


_OCCURRED_ON: Mapping[str, Callable[[Any], date | None]] = {
    event_class.__name__: kind.occurred_on or _no_date for event_class, kind in EVENT_KINDS.items()
}
_PERSONAL: Mapping[str, tuple[str, ...]] = {
    event_class.__name__: event_class.personal_fields
    + ((PSEUDONYM, AGE_BAND) if event_class.__name__ in _SUBJECT_FIELDS else ())
    for event_class in EVENT_KINDS
}


ALL_MEMBERS = UUID(int=0)
"""``_destroys``: the whole name list is destroyed."""


def _destroys(event: Any, name: str) -> UUID | None:  # noqa: ANN401 - a network event
    """Return the member whose place an event destroys, ``ALL_MEMBERS``, or ``None``."""
    if name in {"MemberRemoved", "MemberErased"}:
        member_id: UUID = event.member_id
        return member_id
    whole_list = name == "NetworkFileClosed" or (
        name == "SteppedBack" and event.to_step not in PERSON_LEVEL_STEPS
    )
    return ALL_MEMBERS if whole_list else None


def _within_life_domains(row: EntryRow, event: Any, role: RolePolicy) -> EntryRow:  # noqa: ANN401 - any event
    """Limit a role's L1 row to its life domains, as its document is (the policy's rule).

    At L1 a plan shows only the goals of the role's life domains, and a score outside them only
    that it exists (L0). The organisation's own rows keep their own level.
    """
    if row.level != Level.L1.value:
        return row
    if row.kind == "LifeDomainScored" and event.life_domain not in role.life_domains:
        row.level = Level.L0.value
        row.details = "{}"
        row.recorded_by_organisation = None
    elif row.kind in {"PlanAdopted", "PlanRevised"}:
        details = msgspec.json.decode(row.details, type=dict[str, Any])
        details["goals"] = [
            goal for goal in details["goals"] if goal["life_domain"] in role.life_domains
        ]
        row.details = _json(details)
    return row


def _erase_fields(value: object) -> None:
    """Null (or empty) every erased key in a document, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _ERASED_DOCUMENT_FIELDS:
                value[key] = [] if isinstance(item, list) else None
            else:
                _erase_fields(item)
    elif isinstance(value, list):
        for item in value:
            _erase_fields(item)


def _erased(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """Return an entry's details with the fields an erasure removes set to ``null``."""
    return {**details, **dict.fromkeys(set(details) & set(_PERSONAL.get(kind, ())))}


#: Erasure, as stored: null the erased fields present in each earlier entry of the trajectory.
_ERASE = sql.SQL(
    "UPDATE {table} SET details = details || coalesce(("
    " SELECT jsonb_object_agg(key, 'null'::jsonb) FROM jsonb_object_keys(details) AS key"
    " WHERE (%(fields)s::jsonb -> kind) ? key), '{{}}'::jsonb)"
    " WHERE aggregate_id = %(id)s AND version <= %(version)s AND %(fields)s::jsonb ? kind"
)
#: A withdrawn organisation's own rows fall back to L0 (it recorded something; not what).
_DEMOTE = sql.SQL(
    "UPDATE {table} SET level = 'L0', details = '{{}}'::jsonb, recorded_by_organisation = NULL"
    " WHERE aggregate_id = %(id)s AND audience = %(audience)s AND version <= %(version)s"
)
#: A correction by field: the corrected values (and age band) where a row of the version shows
#: them (a value an erasure nulled is never set again).
_CORRECT = sql.SQL(
    "UPDATE {table} SET details = details || coalesce(("
    " SELECT jsonb_object_agg(key, value) FROM jsonb_each(%(values)s::jsonb)"
    " WHERE details ? key AND details -> key <> 'null'::jsonb), '{{}}'::jsonb)"
    " WHERE aggregate_id = %(id)s AND version = %(version)s"
)
#: Rows about destroyed name-list members fall back to L0 for every audience.
_DESTROY = sql.SQL(
    "UPDATE {table} SET level = 'L0', details = '{{}}'::jsonb, recorded_by_organisation = NULL"
    " WHERE aggregate_id = %(id)s AND version = ANY(%(versions)s)"
)


def _erasure_parameters(aggregate_id: UUID, version: int) -> dict[str, Any]:
    fields = {kind: list(names) for kind, names in _PERSONAL.items() if names}
    return {"id": aggregate_id, "version": version, "fields": _json(fields)}


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


def _plain(value: object) -> Any:  # noqa: ANN401 - a JSON value
    return msgspec.to_builtins(value)


@dataclass(slots=True)
class _Pending:
    """Set-based changes to stored entries, run after the batch's rows are written."""

    corrections: list[tuple[UUID, int, dict[str, Any]]]
    """(trajectory, corrected version, the corrected values by field name)."""
    erasures: list[tuple[UUID, int]]
    """(trajectory, version of the erasure)."""
    demotions: list[tuple[UUID, str, int]]
    """(aggregate, own audience, version of the withdrawal): own rows fall back to L0."""
    destroyed: list[tuple[UUID, list[int]]]
    """(network, versions about destroyed members): those rows fall back to L0."""


class PartnerViews(ReadModel):
    """Per partner role, only what the policy lets it see (see the module docstring)."""

    name: ClassVar[str] = "partner_views"
    #: What is stored follows the policy: a new policy revision is a new version (a rebuild).
    #: The thousands count the handlers' own changes (2: corrections by field).
    #: 3 (times 1000): an erased member (``MemberErased``) is destroyed like a removed one.
    version: ClassVar[int] = 1000 * 3 + load_policy().revision
    tables: ClassVar[tuple[Table, ...]] = (ENTRIES, ACCESS, VIEWS, ENTITIES)

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or load_policy()
        self.entries = Rows(ENTRIES, EntryRow)
        self.access = Rows(ACCESS, AccessRow)
        self.views = Rows(VIEWS, ViewRow)
        self.entities = Rows(ENTITIES, EntityRow)
        self._documents: dict[tuple[UUID, str], dict[str, Any]] = {}
        self._pending = _Pending([], [], [], [])
        self._roles = tuple(self.policy.roles.values())

    # --- the batch ---

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch the access, documents and entities of every aggregate in the batch."""
        ids = aggregate_ids(envelopes)
        self.access.load(batch, "aggregate_id", ids)
        self.views.load(batch, "aggregate_id", ids)
        self.entities.load(batch, "aggregate_id", ids)

    def handle(self, envelope: Envelope) -> None:
        """Store the event for every role (and owner) that sees it; update access and views."""
        event = envelope.event
        name = type(event).__name__
        policy = self.policy
        event_policy = policy.events.get(name)
        if event_policy is None:
            msg = f"the privacy policy has no line for event kind {name}"
            raise LookupError(msg)
        aggregate_kind = policy.kinds[event_policy.record_kind].aggregate
        self._bookkeeping(event, name, aggregate_kind)
        owners = self._owners(envelope, name)
        for role in self._roles:
            level = policy.level(role, name)
            if level is not Level.NONE:
                entry = self._entry(envelope, name, aggregate_kind, role.role, level)
                self.entries.put(_within_life_domains(entry, event, role))
            self._update_document(event, name, aggregate_kind, role, level)
        for organisation, role in owners:
            own_level = policy.level(role, name, own=True)
            # Also where the role sees it at the same level: after a withdrawal only the own
            # rows are shown (at L0), so without one the organisation would lose its record.
            if own_level is not Level.NONE:
                audience = OWN_PREFIX + organisation
                self.entries.put(self._entry(envelope, name, aggregate_kind, audience, own_level))
        self._after(event, name, aggregate_kind)

    def save(self, batch: Batch) -> None:
        """Write the rows, then run the set-based erasures, demotions and destructions."""
        for (aggregate_id, role), document in self._documents.items():
            row = self.views.get(aggregate_id, role)
            if row is not None:
                row.document = _json(document)
                self.views.touch(row)
        self.entries.save(batch)
        self.access.save(batch)
        self.views.save(batch)
        self.entities.save(batch)
        table = batch.table(ENTRIES)
        for aggregate_id, version, values in self._pending.corrections:
            batch.cursor.execute(
                _CORRECT.format(table=table),
                {"id": aggregate_id, "version": version, "values": _json(values)},
            )
        for aggregate_id, version in self._pending.erasures:
            batch.cursor.execute(
                _ERASE.format(table=table), _erasure_parameters(aggregate_id, version)
            )
        for aggregate_id, audience, version in self._pending.demotions:
            batch.cursor.execute(
                _DEMOTE.format(table=table),
                {"id": aggregate_id, "audience": audience, "version": version},
            )
        for aggregate_id, versions in self._pending.destroyed:
            batch.cursor.execute(
                _DESTROY.format(table=table), {"id": aggregate_id, "versions": versions}
            )
        self.reset()

    def reset(self) -> None:
        """Forget the batch."""
        self.entries.clear()
        self.access.clear()
        self.views.clear()
        self.entities.clear()
        self._documents.clear()
        self._pending = _Pending([], [], [], [])

    # --- rows ---

    def _entry(
        self, envelope: Envelope, name: str, aggregate_kind: str, audience: str, level: Level
    ) -> EntryRow:
        event = envelope.event
        metadata = envelope.metadata
        event_policy = self.policy.events[name]
        return EntryRow(
            aggregate_id=event.originator_id,
            audience=audience,
            version=event.originator_version,
            position=envelope.position,
            aggregate_kind=aggregate_kind,
            kind=name,
            record_kind=event_policy.record_kind,
            level=level.value,
            occurred_on=_OCCURRED_ON[name](event),
            recorded_at=event.timestamp,
            recorded_by_organisation=(
                metadata.organisation if metadata is not None and level.rank >= 2 else None  # noqa: PLR2004 - L1
            ),
            summary=event_policy.label,
            details=_json(self._details(event, name, level)),
        )

    def _details(self, event: PgaEvent, name: str, level: Level) -> dict[str, Any]:
        """Return the event's fields shown at ``level`` (derived fields computed)."""
        shown: dict[str, Any] = {}
        for field in self.policy.fields(name, level):
            if field == PSEUDONYM:
                shown[field] = youth_reference(getattr(event, _SUBJECT_FIELDS[name]))
            elif field == AGE_BAND:
                shown[field] = age_band(
                    getattr(event, _BORN_ON), _OCCURRED_ON[name](event) or event.timestamp.date()
                )
            else:
                shown[field] = _plain(getattr(event, field))
        return shown

    # --- ownership and access ---

    def _owners(self, envelope: Envelope, name: str) -> list[tuple[str, RolePolicy]]:
        """Return the involved organisations that own this event, with their role's policy.

        An organisation owns what it recorded in the role it is involved in (the municipality
        may be involved as burgemeester while its regisseur records the case: those records are
        not the burgemeester's own), the signal it is the source of, and the progress of the
        intervention or network action it is responsible for.
        """
        event = envelope.event
        candidates: set[tuple[str, str | None]] = set()  # (organisation, required role)
        if envelope.metadata is not None:
            candidates.add((envelope.metadata.organisation, envelope.metadata.role.value))
        source = _SOURCE_FIELDS.get(name)
        if source is not None:
            role = getattr(event, "source_role", None)
            candidates.add((getattr(event, source), None if role is None else role.value))
        entity_id = getattr(event, "intervention_id", None) or getattr(event, "action_id", None)
        if entity_id is not None:
            entity = self.entities.get(event.originator_id, entity_id)
            if entity is not None and entity.owner is not None:
                candidates.add((entity.owner, None))
        owners: dict[str, RolePolicy] = {}
        for organisation, required_role in sorted(candidates, key=lambda pair: pair[0]):
            access = self.access.get(event.originator_id, organisation)
            if access is None or not access.involved:
                continue
            if required_role is not None and required_role != access.role:
                continue
            role_policy = self.policy.partner(access.role)
            if role_policy is not None:
                owners[organisation] = role_policy
        return sorted(owners.items())

    def _bookkeeping(self, event: Any, name: str, aggregate_kind: str) -> None:  # noqa: ANN401 - any event
        """Keep access and entities up to date before the event's rows are written."""
        aggregate_id = event.originator_id
        if name in {"PartnerInvolved", "NetworkPartnerJoined"}:
            involvement = event.involvement
            self.access.put(
                AccessRow(
                    aggregate_id=aggregate_id,
                    organisation=involvement.organisation,
                    aggregate_kind=aggregate_kind,
                    role=involvement.role.value,
                    involved=True,
                    since=involvement.since,
                    until=None,
                )
            )
        elif name == "InterventionPlanned":
            self._entity(
                event, event.intervention_id, "intervention", event.responsible_organisation
            )
        elif name == "ActionPlanned":
            action_id, member_id = event.action_id, event.member_id
            self._entity(event, action_id, "action", event.organisation, member_id)
            self._about_member(aggregate_id, member_id, event.originator_version)
        elif name == "ActionCompleted":
            action = self.entities.get(aggregate_id, event.action_id)
            if action is not None:
                self._about_member(aggregate_id, action.member_id, event.originator_version)
        elif name == "MemberPlaced":
            self._entity(event, event.member_id, "member", None)
            self._about_member(aggregate_id, event.member_id, event.originator_version)
        elif name in {"MemberRemoved", "MemberErased", "MemberInformed"}:
            self._about_member(aggregate_id, event.member_id, event.originator_version)

    def _entity(
        self,
        event: PgaEvent,
        entity_id: UUID,
        kind: str,
        owner: str | None,
        member_id: UUID | None = None,
    ) -> None:
        self.entities.put(
            EntityRow(event.originator_id, entity_id, kind, owner, member_id, versions=[])
        )

    def _about_member(self, aggregate_id: UUID, member_id: UUID | None, version: int) -> None:
        if member_id is None:
            return
        member = self.entities.get(aggregate_id, member_id)
        if member is not None:
            member.versions = [*member.versions, version]
            self.entities.touch(member)

    def _after(self, event: PgaEvent, name: str, aggregate_kind: str) -> None:
        """Withdrawals, erasure and destroyed name lists: change what is stored already."""
        aggregate_id = event.originator_id
        version = event.originator_version
        if name in {"PartnerWithdrawn", "NetworkPartnerLeft"}:
            organisation = event.organisation  # type: ignore[attr-defined]
            access = self.access.get(aggregate_id, organisation)
            if access is not None:
                access.involved = False
                access.until = getattr(event, "withdrawn_on", None) or getattr(event, "left_on")  # noqa: B009
                self.access.touch(access)
            audience = OWN_PREFIX + organisation
            for row in list(self.entries.where("audience", audience)):
                if row.aggregate_id == aggregate_id:
                    self._demote(row)
            self._pending.demotions.append((aggregate_id, audience, version))
        elif name == "CorrectionRecorded":
            self._correct(event)
        elif name in {"SubjectErased", "NetworkErased"}:
            for row in list(self.entries.where("aggregate_id", aggregate_id)):
                if row.version <= version:
                    row.details = _json(_erased(row.kind, msgspec.json.decode(row.details)))
                    self.entries.touch(row)
            self._erase_documents(aggregate_id)
            self._pending.erasures.append((aggregate_id, version))
        elif aggregate_kind == NETWORK:
            self._destroy(event, name)

    def _correct(self, event: Any) -> None:  # noqa: ANN401 - a CorrectionRecorded
        """Show the corrected values in the corrected event's rows and in the documents."""
        fields: tuple[CorrectedField, ...] = event.corrected_fields
        if not fields:
            return
        aggregate_id, version = event.originator_id, event.corrects_version
        values: dict[str, Any] = {item.field: item.value for item in fields}
        if _BORN_ON in values:
            # The age band on the referral date (the views' opening date: the referral's).
            opened = next(row.opened_on for row in self.views.where("aggregate_id", aggregate_id))
            values[AGE_BAND] = age_band(date.fromisoformat(values[_BORN_ON]), opened)
        for row in list(self.entries.where("aggregate_id", aggregate_id)):
            if row.version == version:
                details = msgspec.json.decode(row.details, type=dict[str, Any])
                shown = {
                    key: value
                    for key, value in values.items()
                    if key in details and details[key] is not None
                }
                if shown:
                    row.details = _json({**details, **shown})
                    self.entries.touch(row)
        camel = {_camel_name(key): value for key, value in values.items()}
        for (document_id, _role), document in self._documents.items():
            referral = document.get("referral") if document_id == aggregate_id else None
            if referral:
                referral.update(
                    {
                        key: value
                        for key, value in camel.items()
                        if key in referral and referral[key] is not None
                    }
                )
        self._pending.corrections.append((aggregate_id, version, values))

    def _erase_documents(self, aggregate_id: UUID) -> None:
        """Null what the erasure removes from every role's document of the trajectory."""
        for (document_id, _role), document in self._documents.items():
            if document_id != aggregate_id:
                continue
            _erase_fields(document)

    def _destroy(self, event: PgaEvent, name: str) -> None:
        """Drop what is stored about destroyed name-list members (one, or the whole list)."""
        aggregate_id = event.originator_id
        scope = _destroys(event, name)
        if scope is None:
            return
        only = None if scope is ALL_MEMBERS else scope
        members = [
            entity
            for entity in self.entities.where("aggregate_id", aggregate_id)
            if entity.kind == "member" and (only is None or entity.entity_id == only)
        ]
        destroyed = {member.entity_id for member in members}
        versions = sorted({version for member in members for version in member.versions})
        references = {youth_reference(member_id) for member_id in destroyed}
        actions = {
            str(entity.entity_id)
            for entity in self.entities.where("aggregate_id", aggregate_id)
            if entity.kind == "action" and entity.member_id in destroyed
        }
        for member in members:
            self.entities.remove(aggregate_id, member.entity_id)
        for row in list(self.entries.where("aggregate_id", aggregate_id)):
            if row.version in versions:
                self._demote(row)
        for (document_id, _role), document in self._documents.items():
            if document_id == aggregate_id:
                for reference in references:
                    document.get("members", {}).pop(reference, None)
                for action in actions:
                    document.get("actions", {}).pop(action, None)
        if versions:
            self._pending.destroyed.append((aggregate_id, versions))

    def _demote(self, row: EntryRow) -> None:
        row.level = Level.L0.value
        row.details = "{}"
        row.recorded_by_organisation = None
        self.entries.touch(row)

    # --- documents ---

    def _document(self, event: PgaEvent, aggregate_kind: str, role: RolePolicy) -> dict[str, Any]:
        key = (event.originator_id, role.role.value)
        document = self._documents.get(key)
        if document is not None:
            return document
        row = self.views.get(*key)
        if row is None:
            opened_on = _OCCURRED_ON[type(event).__name__](event) or event.timestamp.date()
            row = ViewRow(
                aggregate_id=event.originator_id,
                role=role.role.value,
                aggregate_kind=aggregate_kind,
                version=0,
                state="",
                opened_on=opened_on,
                closed_on=None,
                document="{}",
            )
            self.views.put(row)
        document = msgspec.json.decode(row.document, type=dict[str, Any])
        self._documents[key] = document
        return document

    def _update_document(
        self, event: PgaEvent, name: str, aggregate_kind: str, role: RolePolicy, level: Level
    ) -> None:
        document = self._document(event, aggregate_kind, role)
        row = self.views.get(event.originator_id, role.role.value)
        assert row is not None  # noqa: S101 - _document created it
        row.version = event.originator_version
        if aggregate_kind == TRAJECTORY:
            status = STATUS_AFTER.get(name)
            if status is not None:
                row.state = status.value
            if name in _CLOSING:
                row.closed_on = getattr(event, _CLOSING[name])
        else:
            step = _STEP_AFTER.get(name)
            if step is not None:
                row.state = step(event).value
                document["stepSince"] = _plain(_OCCURRED_ON[name](event))
            if name == "NetworkFileClosed":
                row.closed_on = event.on  # type: ignore[attr-defined]
        self.views.touch(row)
        if level is Level.NONE:
            return
        record_kind = self.policy.events[name].record_kind
        counts = document.setdefault("counts", {})
        counts[record_kind] = counts.get(record_kind, 0) + 1
        if level.rank < Level.L1.rank:
            return
        section = _SECTIONS.get(name)
        if section is not None:
            section(Change(self, document, event, self._details(event, name, level), role, level))


# --- the document sections (what each event kind changes in a role's document) ---


@dataclass(frozen=True, slots=True)
class Change:
    """One event as one role's document sees it."""

    views: PartnerViews
    document: dict[str, Any]
    event: Any
    """The event (``Any``: each section reads its own event class's fields)."""
    shown: dict[str, Any]
    """The event's fields at the role's level."""
    role: RolePolicy
    level: Level

    def section(self, name: str) -> dict[str, Any]:
        """Return a keyed section of the document (created empty)."""
        section: dict[str, Any] = self.document.setdefault(name, {})
        return section


Section = Callable[[Change], None]


def _camel(details: Mapping[str, Any]) -> dict[str, Any]:
    """Return event fields as the document's camelCase keys (nested values too)."""
    return {_camel_name(name): _camel_value(value) for name, value in details.items()}


def _camel_value(value: object) -> Any:  # noqa: ANN401 - a JSON value
    if isinstance(value, dict):
        return _camel(value)
    if isinstance(value, list):
        return [_camel_value(item) for item in value]
    return value


def _camel_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _referral(change: Change) -> None:
    change.document["referral"] = _camel(change.shown)


def _regisseur(change: Change) -> None:
    change.document["regisseur"] = _camel(change.shown["regisseur"])


def _partner_in(change: Change) -> None:
    involvement = change.shown["involvement"]
    change.section("partners")[involvement["organisation"]] = _camel(involvement)


def _partner_out(change: Change) -> None:
    change.section("partners").pop(change.event.organisation, None)


def _plan(change: Change) -> None:
    shown = change.shown
    goals = [
        _camel(goal)
        for goal in shown["goals"]
        if change.level is Level.L2 or goal["life_domain"] in change.role.life_domains
    ]
    change.document["plan"] = {
        "adoptedOn": shown["adopted_on"],
        "goals": goals,
        "agreements": shown.get("agreements"),
        "underRevision": False,
    }


def _revision(change: Change) -> None:
    plan = change.document.get("plan")
    if plan is not None:
        plan["underRevision"] = True


def _score(change: Change) -> None:
    domain = change.event.life_domain
    if change.level is Level.L2 or domain in change.role.life_domains:
        change.section("lifeDomainScores")[domain] = _camel(change.shown)


def _intervention(state: str) -> Section:
    def section(change: Change) -> None:
        key = str(change.event.intervention_id)
        interventions = change.section("interventions")
        current = interventions.setdefault(key, {"interventionId": key})
        current.update(_camel(change.shown))
        current["state"] = state

    return section


def _order(change: Change) -> None:
    current = change.section("mayorOrders").setdefault(
        str(change.event.order_id), {"extensions": -1}
    )
    current.update(_camel(change.shown))
    current["extensions"] += 1


def _group(change: Change) -> None:
    change.document["group"] = _camel(change.shown)


def _member(change: Change) -> None:
    reference = youth_reference(change.event.member_id)
    change.section("members")[reference] = {**_camel(change.shown), "informedOn": None}


def _member_informed(change: Change) -> None:
    reference = youth_reference(change.event.member_id)
    member = change.section("members").get(reference)
    if member is not None:
        member["informedOn"] = change.shown["sent_on"]


def _action(change: Change) -> None:
    change.section("actions")[str(change.event.action_id)] = {
        **_camel(change.shown),
        "completedOn": None,
    }


def _action_done(change: Change) -> None:
    action = change.section("actions").get(str(change.event.action_id))
    if action is not None:
        action.update(_camel(change.shown))


_SECTIONS: Mapping[str, Section] = {
    "Referred": _referral,
    "RegisseurAssigned": _regisseur,
    "PartnerInvolved": _partner_in,
    "PartnerWithdrawn": _partner_out,
    "PlanAdopted": _plan,
    "PlanRevised": _plan,
    "RevisionStarted": _revision,
    "LifeDomainScored": _score,
    "InterventionPlanned": _intervention("planned"),
    "InterventionStarted": _intervention("started"),
    "InterventionCompleted": _intervention("completed"),
    "InterventionAborted": _intervention("aborted"),
    "MayorOrderIssued": _order,
    "MayorOrderExtended": _order,
    "NetworkOpened": _group,
    "NetworkPartnerJoined": _partner_in,
    "NetworkPartnerLeft": _partner_out,
    "MemberPlaced": _member,
    "MemberInformed": _member_informed,
    "ActionPlanned": _action,
    "ActionCompleted": _action_done,
}

_STEP_AFTER: Mapping[str, Callable[[Any], NetworkStep]] = {
    "NetworkOpened": lambda _event: NetworkStep.SIGNALS,
    "StepAdvanced": lambda event: event.to_step,
    "SteppedBack": lambda event: event.to_step,
    "NetworkFileClosed": lambda _event: NetworkStep.CLOSED,
}


# --- queries: what the API answers a partner ---


class _Shape(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A partner representation: a field the role may not see is absent."""


class PartnerRegisseur(_Shape):
    """The regisseur directing the trajectory (the partners' contact)."""

    user_id: str
    organisation: str


class PartnerReferral(_Shape):
    """The referral as the role sees it: a pseudonym and age band at L1, the name at L2."""

    pseudonym: str | None = None
    age_band: str | None = None
    """``0-11``, ``12-15``, ``16-17`` or ``18+`` on the referral date."""
    offence_category: str | None = None
    suspected_on: date | None = None
    referred_on: date | None = None
    referring_organisation: str | None = None
    regisseur: PartnerRegisseur | None = None
    given_name: str | None = None
    family_name: str | None = None
    born_on: date | None = None
    police_reference: str | None = None


class PartnerInvolvement(_Shape):
    """A partner organisation involved in the case."""

    organisation: str
    role: str
    legal_basis: str | None = None
    since: date | None = None


class PartnerPlanGoal(_Shape):
    """A goal of the plan (at L1 only the goals of the role's life domains)."""

    goal_id: UUID
    life_domain: str
    description: str | None = None
    responsible_organisation: str | None = None
    due_on: date | None = None


class PartnerPlan(_Shape):
    """The current plan of approach as the role sees it."""

    adopted_on: date
    goals: list[PartnerPlanGoal]
    agreements: str | None = None
    under_revision: bool = False


class PartnerIntervention(_Shape):
    """An intervention and where it is in its lifecycle."""

    intervention_id: UUID
    state: str
    """``planned``, ``started``, ``completed`` or ``aborted``."""
    kind: str | None = None
    responsible_organisation: str | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    started_on: date | None = None
    completed_on: date | None = None
    aborted_on: date | None = None
    legal_basis: str | None = None
    outcome: str | None = None
    reason: str | None = None


class PartnerLifeDomainScore(_Shape):
    """The latest score on one life domain."""

    life_domain: str
    score: int | None = None
    instrument: str | None = None
    scored_on: date | None = None


class PartnerMayorOrder(_Shape):
    """An art. 172a order."""

    order_id: UUID
    extensions: int = 0
    kind: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    area: str | None = None


class PartnerTrajectory(_Shape):
    """A trajectory as a partner role sees it (``access`` ``former``: only that it was involved)."""

    id: UUID
    access: str
    """``involved``, or ``former`` after the organisation withdrew."""
    role: str
    involved_since: date
    involved_until: date | None = None
    version: int | None = None
    status: str | None = None
    referred_on: date | None = None
    closed_on: date | None = None
    referral: PartnerReferral | None = None
    regisseur: PartnerRegisseur | None = None
    partners: list[PartnerInvolvement] = []
    plan: PartnerPlan | None = None
    interventions: list[PartnerIntervention] = []
    life_domain_scores: list[PartnerLifeDomainScore] = []
    mayor_orders: list[PartnerMayorOrder] = []
    counts: dict[str, int] = {}
    """Per record kind the role sees (at L0 or more): how many records there are."""


class PartnerGroup(_Shape):
    """The group file's own data as the role sees it."""

    working_name: str | None = None
    area: str | None = None
    procesregisseur_organisation: str | None = None
    opened_on: date | None = None
    historical_label: str | None = None
    procesregisseur: str | None = None


class PartnerMember(_Shape):
    """A youth on the name list: a pseudonym and age band at L1, the name at L2."""

    pseudonym: str
    age_band: str | None = None
    placed_on: date | None = None
    informed_on: date | None = None
    given_name: str | None = None
    family_name: str | None = None
    born_on: date | None = None
    role_in_group: str | None = None
    trajectory_id: UUID | None = None


class PartnerAction(_Shape):
    """An action of the integral plan."""

    action_id: UUID
    organisation: str | None = None
    level: str | None = None
    due_on: date | None = None
    completed_on: date | None = None
    description: str | None = None
    outcome: str | None = None


class PartnerNetwork(_Shape):
    """A youth network as a partner role sees it."""

    id: UUID
    access: str
    role: str
    involved_since: date
    involved_until: date | None = None
    version: int | None = None
    step: str | None = None
    step_since: date | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    group: PartnerGroup | None = None
    partners: list[PartnerInvolvement] = []
    members: list[PartnerMember] = []
    """Person-level content: only from step 2B, only at the role's level of the name list."""
    actions: list[PartnerAction] = []
    counts: dict[str, int] = {}


class PartnerTimelineEntry(_Shape):
    """One record as the role sees it."""

    version: int
    kind: str
    record_kind: str
    level: str
    """``L0``, ``L1`` or ``L2``."""
    summary: str
    recorded_at: datetime
    own: bool
    """The organisation recorded it itself or is responsible for it (shown at its own level)."""
    details: dict[str, Any]
    """The fields of the level (``Any``: any JSON value)."""
    occurred_on: date | None = None
    recorded_by_organisation: str | None = None


class PartnerTimelinePage(_Shape):
    """One page of a trajectory's or network's records as the role sees them."""

    aggregate_id: UUID
    role: str
    """The role whose view this is."""
    items: list[PartnerTimelineEntry]
    total: int
    page: int
    page_size: int
    order: str


class PartnerTrajectoryItem(_Shape):
    """One row of a partner's list of trajectories."""

    id: UUID
    version: int
    status: str
    referred_on: date
    involved_since: date
    closed_on: date | None = None
    referral: PartnerReferral | None = None


class PartnerTrajectoryPage(_Shape):
    """The trajectories an organisation is involved in, as its role sees them."""

    role: str
    """The role whose view this is."""
    items: list[PartnerTrajectoryItem]
    total: int
    page: int
    page_size: int


class PartnerNetworkItem(_Shape):
    """One row of a partner's list of youth networks."""

    id: UUID
    version: int
    step: str
    opened_on: date
    involved_since: date
    closed_on: date | None = None
    group: PartnerGroup | None = None


class PartnerNetworkPage(_Shape):
    """The youth networks an organisation takes part in, as its role sees them."""

    role: str
    """The role whose view this is."""
    items: list[PartnerNetworkItem]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks: an organisation in a partner role."""

    organisation: str
    role: str


def _table(app_schema: str, table: Table) -> sql.Identifier:
    return sql.Identifier(schema_name(app_schema, PartnerViews.name), table.name)


_DOCUMENT = sql.SQL(
    "SELECT a.role, a.involved, a.since, a.until, v.version, v.state, v.opened_on, v.closed_on,"
    " v.document::text FROM {access} AS a JOIN {views} AS v"
    " ON v.aggregate_id = a.aggregate_id AND v.role = a.role"
    " WHERE a.aggregate_id = %(id)s AND a.organisation = %(organisation)s"
    " AND a.role = %(role)s AND a.aggregate_kind = %(kind)s"
)


def _document_row(
    connection: psycopg.Connection[Any],
    app_schema: str,
    aggregate_id: UUID,
    viewer: Viewer,
    aggregate_kind: str,
) -> tuple[Any, ...] | None:
    statement = _DOCUMENT.format(access=_table(app_schema, ACCESS), views=_table(app_schema, VIEWS))
    parameters = {
        "id": aggregate_id,
        "organisation": viewer.organisation,
        "role": viewer.role,
        "kind": aggregate_kind,
    }
    row: tuple[Any, ...] | None = connection.execute(statement, parameters).fetchone()
    return row


def is_involved(
    connection: psycopg.Connection[Any],
    app_schema: str,
    aggregate_id: UUID,
    viewer: Viewer,
    aggregate_kind: str,
) -> bool:
    """Whether the viewer's organisation is involved now, in the viewer's role."""
    row = _document_row(connection, app_schema, aggregate_id, viewer, aggregate_kind)
    return row is not None and bool(row[1])


def partner_trajectory(
    connection: psycopg.Connection[Any], app_schema: str, aggregate_id: UUID, viewer: Viewer
) -> PartnerTrajectory | None:
    """Return the trajectory as the viewer may see it (``None``: never involved in this role)."""
    row = _document_row(connection, app_schema, aggregate_id, viewer, TRAJECTORY)
    if row is None:
        return None
    role, involved, since, until, version, state, opened_on, closed_on, text = row
    header: dict[str, Any] = {
        "id": aggregate_id,
        "role": role,
        "involvedSince": since,
        "involvedUntil": until,
    }
    if not involved:
        return msgspec.convert({**header, "access": "former"}, PartnerTrajectory)
    document = msgspec.json.decode(text, type=dict[str, Any])
    return msgspec.convert(
        {
            **header,
            "access": "involved",
            "version": version,
            "status": state,
            "referredOn": opened_on,
            "closedOn": closed_on,
            "referral": document.get("referral"),
            "regisseur": document.get("regisseur"),
            "partners": list(document.get("partners", {}).values()),
            "plan": document.get("plan"),
            "interventions": list(document.get("interventions", {}).values()),
            "lifeDomainScores": [
                score for _, score in sorted(document.get("lifeDomainScores", {}).items())
            ],
            "mayorOrders": list(document.get("mayorOrders", {}).values()),
            "counts": document.get("counts", {}),
        },
        PartnerTrajectory,
    )


def partner_network(
    connection: psycopg.Connection[Any], app_schema: str, aggregate_id: UUID, viewer: Viewer
) -> PartnerNetwork | None:
    """Return the network as the viewer may see it (``None``: never a partner in this role)."""
    row = _document_row(connection, app_schema, aggregate_id, viewer, NETWORK)
    if row is None:
        return None
    role, involved, since, until, version, state, opened_on, closed_on, text = row
    header: dict[str, Any] = {
        "id": aggregate_id,
        "role": role,
        "involvedSince": since,
        "involvedUntil": until,
    }
    if not involved:
        return msgspec.convert({**header, "access": "former"}, PartnerNetwork)
    document = msgspec.json.decode(text, type=dict[str, Any])
    return msgspec.convert(
        {
            **header,
            "access": "involved",
            "version": version,
            "step": state,
            "stepSince": document.get("stepSince"),
            "openedOn": opened_on,
            "closedOn": closed_on,
            "group": document.get("group"),
            "partners": list(document.get("partners", {}).values()),
            "members": [
                {"pseudonym": reference, **member}
                for reference, member in sorted(document.get("members", {}).items())
            ],
            "actions": list(document.get("actions", {}).values()),
            "counts": document.get("counts", {}),
        },
        PartnerNetwork,
    )


_ORDERS = {"asc": sql.SQL("ASC"), "desc": sql.SQL("DESC")}


def partner_timeline(
    connection: psycopg.Connection[Any],
    app_schema: str,
    aggregate_id: UUID,
    viewer: Viewer,
    aggregate_kind: str,
    *,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    order: str = "asc",
    involved_now: bool = True,
) -> PartnerTimelinePage | None:
    """Return one page of the records the viewer sees (``None``: never involved in this role).

    While involved: every record at the role's level, or at the organisation's own level where
    it recorded or owns the record. After withdrawal: only its own records, at L0.
    ``involved_now`` ``False`` (the aggregate says the involvement ended, and this read model
    has not caught up yet) answers as after withdrawal.
    """
    paging = limit_offset(page, page_size)
    direction = _ORDERS.get(order)
    if direction is None:
        msg = f"order must be 'asc' or 'desc', not {order!r}"
        raise ValueError(msg)
    row = _document_row(connection, app_schema, aggregate_id, viewer, aggregate_kind)
    if row is None:
        return None
    own = OWN_PREFIX + viewer.organisation
    former = not (row[1] and involved_now)
    audiences = [own] if former else [viewer.role, own]
    table = _table(app_schema, ENTRIES)
    # A former partner sees its own rows at L0, also before this read model has demoted them.
    visible = sql.SQL(
        "SELECT DISTINCT ON (version) version, kind, record_kind,"
        " CASE WHEN %(former)s THEN 'L0' ELSE level END AS level, summary, recorded_at,"
        " audience = %(own)s AS own,"
        " CASE WHEN %(former)s THEN '{{}}'::jsonb ELSE details END AS details, occurred_on,"
        " CASE WHEN %(former)s THEN NULL ELSE recorded_by_organisation END"
        " AS recorded_by_organisation"
        " FROM {table} WHERE aggregate_id = %(id)s AND audience = ANY(%(audiences)s)"
        # The fuller of the role's and the own row (after a re-involvement the own row is L0).
        " ORDER BY version, level DESC, audience = %(own)s DESC"
    ).format(table=table)
    statement = page_with_total(
        sql.SQL(
            "SELECT count(DISTINCT version) FROM {table}"
            " WHERE aggregate_id = %(id)s AND audience = ANY(%(audiences)s)"
        ).format(table=table),
        sql.SQL(
            "SELECT * FROM ({visible}) AS e ORDER BY version {direction}"
            " LIMIT %(limit)s OFFSET %(offset)s"
        ).format(visible=visible, direction=direction),
        sql.SQL("p.version {}").format(direction),
    )
    parameters = {
        "id": aggregate_id,
        "own": own,
        "audiences": audiences,
        "former": former,
        **paging,
    }
    rows, total = split_total(connection.execute(statement, parameters).fetchall())
    items = [
        PartnerTimelineEntry(
            version=version,
            kind=kind,
            record_kind=record_kind,
            level=level,
            summary=summary,
            recorded_at=recorded_at,
            own=is_own,
            details=details,
            occurred_on=occurred_on,
            recorded_by_organisation=recorded_by,
        )
        for (
            version,
            kind,
            record_kind,
            level,
            summary,
            recorded_at,
            is_own,
            details,
            occurred_on,
            recorded_by,
        ) in rows
    ]
    return PartnerTimelinePage(
        aggregate_id=aggregate_id,
        role=viewer.role,
        items=items,
        total=total,
        page=page,
        page_size=page_size,
        order=order,
    )


def _listed(
    connection: psycopg.Connection[Any],
    app_schema: str,
    viewer: Viewer,
    aggregate_kind: str,
    section: str,
    *,
    states: Sequence[str],
    closed: bool | None,
    page: int,
    page_size: int,
) -> tuple[list[tuple[Any, ...]], int]:
    paging = limit_offset(page, page_size)
    conditions = [
        sql.SQL("a.organisation = %(organisation)s AND a.role = %(role)s"),
        sql.SQL("a.aggregate_kind = %(kind)s AND a.involved"),
    ]
    if states:
        conditions.append(sql.SQL("v.state = ANY(%(states)s)"))
    if closed is not None:
        conditions.append(sql.SQL("v.closed_on IS NOT NULL" if closed else "v.closed_on IS NULL"))
    source = sql.SQL(
        "FROM {access} AS a JOIN {views} AS v"
        " ON v.aggregate_id = a.aggregate_id AND v.role = a.role WHERE {conditions}"
    ).format(
        access=_table(app_schema, ACCESS),
        views=_table(app_schema, VIEWS),
        conditions=sql.SQL(" AND ").join(conditions),
    )
    statement = page_with_total(
        sql.SQL("SELECT count(*) {}").format(source),
        # The page's rows first, their documents after: a document read before the sort would be
        # read (and decompressed) for every matching row, not only for the page's.
        sql.SQL(
            "SELECT r.aggregate_id, r.version, r.state, r.opened_on, r.since, r.closed_on,"
            " (d.document -> %(section)s)::text AS section FROM ("
            " SELECT v.aggregate_id, v.role, v.version, v.state, v.opened_on, a.since, v.closed_on"
            " {source} ORDER BY v.opened_on DESC, v.aggregate_id LIMIT %(limit)s OFFSET %(offset)s"
            ") AS r JOIN {views} AS d ON d.aggregate_id = r.aggregate_id AND d.role = r.role"
        ).format(source=source, views=_table(app_schema, VIEWS)),
        sql.SQL("p.opened_on DESC, p.aggregate_id"),
    )
    parameters = {
        "organisation": viewer.organisation,
        "role": viewer.role,
        "kind": aggregate_kind,
        "states": list(states),
        "section": section,
        **paging,
    }
    return split_total(connection.execute(statement, parameters).fetchall())


def partner_trajectories(
    connection: psycopg.Connection[Any],
    app_schema: str,
    viewer: Viewer,
    *,
    statuses: Sequence[str] = (),
    closed: bool | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> PartnerTrajectoryPage:
    """Return the trajectories the viewer's organisation is involved in now, newest first."""
    known = {status.value for status in TrajectoryStatus}
    if any(status not in known for status in statuses):
        msg = f"status must be one of {', '.join(sorted(known))}"
        raise ValueError(msg)
    rows, total = _listed(
        connection,
        app_schema,
        viewer,
        TRAJECTORY,
        "referral",
        states=statuses,
        closed=closed,
        page=page,
        page_size=page_size,
    )
    items = [
        PartnerTrajectoryItem(
            id=aggregate_id,
            version=version,
            status=state,
            referred_on=opened_on,
            involved_since=since,
            closed_on=closed_on,
            referral=None
            if section is None
            else msgspec.json.decode(section, type=PartnerReferral),
        )
        for aggregate_id, version, state, opened_on, since, closed_on, section in rows
    ]
    return PartnerTrajectoryPage(
        role=viewer.role, items=items, total=total, page=page, page_size=page_size
    )


def partner_networks(
    connection: psycopg.Connection[Any],
    app_schema: str,
    viewer: Viewer,
    *,
    steps: Sequence[str] = (),
    closed: bool | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> PartnerNetworkPage:
    """Return the youth networks the viewer's organisation takes part in now, newest first."""
    rows, total = _listed(
        connection,
        app_schema,
        viewer,
        NETWORK,
        "group",
        states=steps,
        closed=closed,
        page=page,
        page_size=page_size,
    )
    items = [
        PartnerNetworkItem(
            id=aggregate_id,
            version=version,
            step=state,
            opened_on=opened_on,
            involved_since=since,
            closed_on=closed_on,
            group=None if section is None else msgspec.json.decode(section, type=PartnerGroup),
        )
        for aggregate_id, version, state, opened_on, since, closed_on, section in rows
    ]
    return PartnerNetworkPage(
        role=viewer.role, items=items, total=total, page=page, page_size=page_size
    )
