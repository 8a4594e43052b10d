"""Inzage: everything the platform holds about one youth, as JSON and as a Dutch document.

The right of access (AVG art. 15) is exercised through the regisseur (``GET
/api/v1/trajectories/{id}/export``) or on the command line (``pga subjects export ID``); either
way ``export_subject`` collects, for one youth — given by its subject id or by any of its
trajectory ids; a youth who is only on youth networks' name lists (no trajectory) by its member
id, which is its subject id:

- every trajectory of the youth: every stored event with its metadata (who, in which
  organisation and role, on whose behalf, why, which request) and every field, personal ones
  included — the BSN too, decrypted: this goes to the youth or the parents, whose data it is —
  and the trajectory's current state as the regisseur sees it;
- the youth's entries on youth networks' name lists: only the events about this member (placed,
  informed, removed, erased, the person-level actions about them, and the destruction of the
  list while they were on it, without its group-level reason) and the member's current entry,
  never what the network holds about the group or about other members;
- the partner organisations involved in the trajectories, with role, legal basis and period;
- the access log: every entry that names one of the youth's ids (who looked, when, in which
  organisation and role, why, in which operation, with which result), the ids of other youths
  and of networks taken out.

After erasure. The export still works, by either id, and shows what remains: the ids, the
events with their metadata and their dates that are not personal, the tombstones
(``SubjectErased``, ``MemberErased``), the rights requests and the access log. An event whose
personal fields were erased lists them in ``erasedFields`` and shows each as ``null`` (as the
API's views do: the timeline and the trajectory show an erased value as ``null``), never the
store's type-correct placeholder (an empty text, the date 0001-01-01); its metadata reason is
``null`` too. Those are the trajectory's events up to its ``SubjectErased``, the member's events
on a name list before its ``MemberErased`` (the person-level actions about the member included,
whose text the network holds), and any event that reads as its placeholders. An erased
trajectory's state has ``erased: true`` and its personal attributes ``null``. The document shows
each such value as "verwijderd".

What is read, and how often. Each aggregate's events are read once (``history``), and the
current state is folded from those same events, not loaded a second time; the access log is one
query over all the youth's ids. The youth's trajectories are found in the caseload read model
(the index from subject id to trajectories), its networks in the trajectories' ``NetworkLinked``
events. When the caseload knows no trajectory of the youth (not built or behind, or a youth on
name lists only), the clear, non-personal data of the stored referrals and placements are read
instead (``stored_youth``: one pass over those two event kinds). The API waits for the caseload
to reach the log's head first (read-your-writes); the command line says on stderr when it is
behind.

The renderers: ``to_json`` (msgspec, fields in a fixed order, ISO 8601 dates, a schema version)
and ``to_html``, a self-contained Dutch document (no external assets, no script, a print
stylesheet) that explains each event kind and each field from the tables below and closes with
the youth's rights and the retention periods. Every value is escaped with ``html.escape``.
"""

from __future__ import annotations

import html
import os
import re
import sys
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import msgspec
import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql

from pga.application import AggregateNotFound, open_application
from pga.audit import access_log
from pga.audit.cli import uuid_argument
from pga.audit.history import aggregate_state
from pga.audit.history import to_json as json_value
from pga.audit.purposes import PURPOSES
from pga.domain.catalogue import PartnerRole
from pga.domain.clock import MUNICIPAL_TIME
from pga.domain.network import (
    PERSON_LEVEL_STEPS,
    ActionCompleted,
    ActionPlanned,
    MemberErased,
    MemberInformed,
    MemberPlaced,
    MemberRemoved,
    NetworkFileClosed,
    NetworkOpened,
    NetworkStep,
    SteppedBack,
    YouthNetwork,
)
from pga.domain.trajectory import (
    NetworkLinked,
    PartnerInvolved,
    PartnerWithdrawn,
    Referred,
    SubjectErased,
    Trajectory,
)
from pga.store.database import resolve_database_url
from pga.store.mapper import ERASED_DATE, ERASED_TEXT, PgaMapper, erased_placeholders
from projections.control import ReadModelTimeout, ReadModelUnavailable, wait_for
from projections.runner import has_tracking, head, schema_name
from projections.timeline import ROLE_LABELS, STEP_LABELS

if TYPE_CHECKING:
    import argparse
    from collections.abc import Collection, Iterable, Mapping, Sequence

    from pga.application import AnyAggregate, HistoryEntry, PgaApplication
    from pga.domain.common import PgaEvent
    from pga.settings import Settings

#: The version of the export's JSON shape; raised when a field changes meaning or goes away.
#: 2: an erased personal field is ``null`` (listed in the event's ``erasedFields``), no longer
#: the store's placeholder; a youth on name lists only has no trajectories.
SCHEMA_VERSION = 2
#: The read model that maps a youth's subject id to its trajectories.
CASELOAD = "caseload"
#: Event attributes that are the library's bookkeeping (shown as version and time instead).
_BOOKKEEPING = frozenset({"originatorId", "originatorVersion", "timestamp", "originatorTopic"})


class ExportFormat(StrEnum):
    """What the export is rendered as."""

    JSON = "json"
    HTML = "html"

    @property
    def media_type(self) -> str:
        """The media type of the rendered export."""
        return "application/json" if self is ExportFormat.JSON else "text/html"


# --- the export's shape ---


class ExportMetadata(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Who recorded an event, for whom, why, and in which request."""

    user: str
    organisation: str
    role: str
    on_behalf_of: str | None
    reason: str | None
    correlation_id: UUID


class ExportEvent(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One stored event about the youth, every field of it."""

    version: int
    kind: str
    """The event's kind (its class name, such as ``Referred``)."""
    explanation: str
    """What the event means, in plain Dutch."""
    recorded_at: datetime
    metadata: ExportMetadata | None
    data: dict[str, Any]
    """Every field of the event in camelCase, personal ones (the BSN too) in the clear."""
    erased_fields: list[str]
    """The personal fields whose values were erased (each ``null`` in ``data``)."""


class TrajectoryExport(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One trajectory of the youth: its events and its current state."""

    trajectory_id: UUID
    version: int
    events: list[ExportEvent]
    state: dict[str, Any]
    """The current state as the regisseur sees it (``pga.audit.history.aggregate_state``)."""


class NetworkEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The youth's place on one youth network's name list, and nothing about the others."""

    network_id: UUID
    working_name: str
    step: str
    closed_on: date | None
    events: list[ExportEvent]
    """The events about this member; the destruction of the list without its reason."""
    member: dict[str, Any] | None
    """The member's current entry on the name list (``null``: no longer on it)."""
    actions: list[dict[str, Any]]
    """The current person-level actions of the network's plan about this member."""


class PartnerEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An organisation involved in one of the youth's trajectories, and for how long."""

    trajectory_id: UUID
    organisation: str
    role: str
    legal_basis: str
    since: date
    until: date | None
    """When it withdrew (``null``: still involved)."""


class RightsRequestEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A request of the youth or the parents (inzage, correctie, verwijdering) and its term."""

    trajectory_id: UUID
    request_id: UUID
    kind: str
    requester: str
    received_on: date
    due_on: date
    """One month after receipt; three when extended (AVG art. 12(3))."""
    extended: bool
    completed_on: date | None
    outcome: str | None


class AccessEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One look at the youth's data (an access-log entry), without other youths' ids."""

    position: int
    occurred_at: datetime
    user: str
    organisation: str
    role: str
    on_behalf_of: str | None
    operation: str
    purpose: str
    status: int
    """The HTTP status (403 or 404: refused; 0: a read on the command line)."""
    source: str
    about: list[UUID]
    """Which of the youth's ids the entry names."""


class SubjectExport(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Everything the platform holds about one youth (inzage)."""

    schema_version: int
    exported_at: datetime
    subject_id: UUID
    """The youth's id (for a youth on name lists only: its member id)."""
    trajectory_ids: list[UUID]
    trajectories: list[TrajectoryExport]
    """Oldest first; empty for a youth who is only on name lists."""
    networks: list[NetworkEntry]
    partners: list[PartnerEntry]
    rights_requests: list[RightsRequestEntry]
    """The requests recorded on the youth's trajectories (events of the trajectory)."""
    access_log: list[AccessEntry]

    @property
    def ids(self) -> list[UUID]:
        """The ids the export names: the youth's subject id and its trajectories."""
        return [self.subject_id, *self.trajectory_ids]


# --- collecting ---


def export_subject(
    app: PgaApplication,
    connection: psycopg.Connection[Any],
    schema: str,
    subject_or_trajectory_id: UUID,
    *,
    now: datetime | None = None,
) -> SubjectExport:
    """Return everything the platform holds about the youth with this subject or trajectory id.

    ``connection`` (autocommit) reads the caseload and the access log in ``schema``. Raises
    ``AggregateNotFound`` when no trajectory has this id and no youth this subject id (nor any
    name list this member id).
    """
    subject_id, histories, placed_in = _youth(app, connection, schema, subject_or_trajectory_id)
    states = [_fold(entries) for entries in histories.values()]
    trajectories = [
        _trajectory(entries, state)
        for entries, state in zip(histories.values(), states, strict=True)
    ]
    linked = [
        entry.event.network_id
        for entries in histories.values()
        for entry in entries
        if isinstance(entry.event, NetworkLinked)
    ]
    network_ids = dict.fromkeys([*linked, *placed_in])
    ids = [subject_id, *histories]
    return SubjectExport(
        schema_version=SCHEMA_VERSION,
        exported_at=(now or datetime.now(UTC)).astimezone(UTC),
        subject_id=subject_id,
        trajectory_ids=list(histories),
        trajectories=trajectories,
        networks=[_network(app.history(each), subject_id) for each in network_ids],
        partners=[partner for entries in histories.values() for partner in _partners(entries)],
        rights_requests=[request for state in states for request in _requests(state)],
        access_log=_access_log(connection, schema, ids),
    )


def _youth(
    app: PgaApplication, connection: psycopg.Connection[Any], schema: str, given: UUID
) -> tuple[UUID, dict[UUID, list[HistoryEntry]], list[UUID]]:
    """Return the youth ``given`` names: its subject id, trajectories' histories, placements.

    The histories are oldest first. The placements (networks that placed the youth) are only
    looked for when the caseload knows no trajectory of the youth (see the module docstring);
    otherwise the trajectories' ``NetworkLinked`` events name the youth's networks.
    """
    histories: dict[UUID, list[HistoryEntry]] = {}
    try:
        entries = app.history(given)
    except AggregateNotFound:
        subject_id = given  # not an aggregate: a subject or member id, or nothing at all
    else:
        if not isinstance(entries[0].event, Referred):
            raise AggregateNotFound("youth", given)  # a network is not a youth
        subject_id = _subject_of(entries)
        histories[given] = entries
    known = trajectory_ids(connection, schema, subject_id)
    placed_in: list[UUID] = []
    if not known:
        known, placed_in = stored_youth(app, subject_id)
    for trajectory_id in known:
        if trajectory_id not in histories:
            entries = app.history(trajectory_id)
            if _subject_of(entries) == subject_id:
                histories[trajectory_id] = entries
    if not histories and not placed_in:
        raise AggregateNotFound("youth", given)
    ordered = dict(sorted(histories.items(), key=lambda item: (item[1][0].recorded_at, item[0])))
    return subject_id, ordered, placed_in


def stored_youth(app: PgaApplication, subject_id: UUID) -> tuple[list[UUID], list[UUID]]:
    """Return the trajectories referring ``subject_id`` and the networks that placed it.

    Read from the clear, non-personal data of every stored ``Referred`` and ``MemberPlaced``
    event (no key needed, so this also works after erasure), in one pass in log order. For when
    no read model knows the youth.
    """
    mapper = cast("PgaMapper", app.mapper)
    referred, placed = get_topic(Referred), get_topic(MemberPlaced)
    wanted = str(subject_id)
    trajectories: dict[UUID, None] = {}
    networks: dict[UUID, None] = {}
    start = 0
    while page := app.recorder.select_notifications(
        start=start, limit=1000, topics=[referred, placed], inclusive_of_start=False
    ):
        for notification in page:
            data = mapper.data_of(notification)
            originator_id = UUID(str(notification.originator_id))
            if notification.topic == referred and data.get("subject_id") == wanted:
                trajectories[originator_id] = None
            elif notification.topic == placed and data.get("member_id") == wanted:
                networks[originator_id] = None
        start = page[-1].id
    return list(trajectories), list(networks)


def trajectory_ids(
    connection: psycopg.Connection[Any], schema: str, subject_id: UUID
) -> list[UUID]:
    """Return the trajectories of ``subject_id`` the caseload knows (none before it is built)."""
    caseload = schema_name(schema, CASELOAD)
    if not has_tracking(connection, caseload):
        return []
    rows = connection.execute(
        sql.SQL("SELECT trajectory_id FROM {} WHERE subject_id = %s ORDER BY trajectory_id").format(
            sql.Identifier(caseload, CASELOAD)
        ),
        (subject_id,),
    ).fetchall()
    return [row[0] for row in rows]


def wait_for_caseload(connection: psycopg.Connection[Any], schema: str, *, timeout: float) -> None:
    """Wait until the caseload holds every trajectory stored so far (``ReadModelTimeout``)."""
    wait_for(connection, schema, CASELOAD, head(connection, schema), timeout=timeout)


def _subject_of(entries: Sequence[HistoryEntry]) -> UUID:
    referral = entries[0].event
    if not isinstance(referral, Referred):  # pragma: no cover - checked by the caller
        msg = "a trajectory starts with its referral"
        raise TypeError(msg)
    return referral.subject_id


def _trajectory(entries: Sequence[HistoryEntry], trajectory: AnyAggregate) -> TrajectoryExport:
    # Erasure destroys every key the trajectory's events used so far: up to the tombstone.
    erased_up_to = next(
        (entry.version for entry in entries if isinstance(entry.event, SubjectErased)), 0
    )
    return TrajectoryExport(
        trajectory_id=trajectory.id,
        version=trajectory.version,
        events=[_event(entry, erased=entry.version <= erased_up_to) for entry in entries],
        state=_state(trajectory),
    )


def _requests(trajectory: AnyAggregate) -> list[RightsRequestEntry]:
    if not isinstance(trajectory, Trajectory):  # pragma: no cover - checked by the caller
        msg = "not a trajectory"
        raise TypeError(msg)
    return [
        RightsRequestEntry(
            trajectory_id=trajectory.id,
            request_id=request.request_id,
            kind=request.kind.value,
            requester=request.requester.value,
            received_on=request.received_on,
            due_on=request.due_on,
            extended=request.extended,
            completed_on=request.completed_on,
            outcome=None if request.outcome is None else request.outcome.value,
        )
        for request in sorted(
            trajectory.rights_requests.values(),
            key=lambda each: (each.received_on, each.request_id),
        )
    ]


def _fold(entries: Iterable[HistoryEntry]) -> AnyAggregate:
    """Rebuild the current state from the events already read (no second read)."""
    aggregate: AnyAggregate | None = None
    for entry in entries:
        aggregate = cast("AnyAggregate", entry.event.mutate(aggregate))
    if aggregate is None:  # pragma: no cover - a history is never empty
        msg = "no events"
        raise ValueError(msg)
    return aggregate


def _state(aggregate: AnyAggregate) -> dict[str, Any]:
    """Return the aggregate's state with the fields stored encrypted (the BSN) in the clear.

    An erased trajectory's state holds no personal value: ``SubjectErased`` sets its personal
    attributes to ``None`` (and drops the plan's goals and agreements).
    """
    state = aggregate_state(aggregate)
    for name in getattr(type(aggregate), "encrypted_fields", ()):
        state[_camel(name)] = json_value(getattr(aggregate, name, None))
    return state


def _reads_erased(event: PgaEvent) -> bool:
    """Whether every personal field holds its erased placeholder, one of them unmistakably.

    A required text is never empty and a required date never 0001-01-01, so such a value is
    the store's placeholder for a value whose key is destroyed.
    """
    placeholders = erased_placeholders(type(event))
    return all(
        getattr(event, name) == placeholder for name, placeholder in placeholders.items()
    ) and any(
        placeholder is not None and placeholder in (ERASED_TEXT, ERASED_DATE)
        for placeholder in placeholders.values()
    )


def _event(
    entry: HistoryEntry, *, without: Iterable[str] = (), erased: bool = False
) -> ExportEvent:
    """Return one event for the export; ``erased``: its personal values are gone (``null``)."""
    left_out = _BOOKKEEPING | {_camel(name) for name in without}
    data: dict[str, Any] = json_value(entry.event)
    personal: tuple[str, ...] = type(entry.event).personal_fields
    erased_fields: list[str] = []
    if personal and (erased or _reads_erased(entry.event)):
        erased_fields = [_camel(name) for name in personal if _camel(name) not in left_out]
        data.update(dict.fromkeys(erased_fields))
        erased = True
    metadata = entry.metadata
    return ExportEvent(
        version=entry.version,
        kind=entry.kind,
        explanation=EVENT_EXPLANATIONS.get(entry.kind, entry.kind),
        recorded_at=entry.recorded_at,
        metadata=None
        if metadata is None
        else ExportMetadata(
            user=metadata.user,
            organisation=metadata.organisation,
            role=metadata.role.value,
            on_behalf_of=metadata.on_behalf_of,
            # A person's reason is erased with the event's personal fields.
            reason=None if erased else metadata.reason,
            correlation_id=metadata.correlation_id,
        ),
        data={key: value for key, value in data.items() if key not in left_out},
        erased_fields=erased_fields,
    )


def _network(entries: Sequence[HistoryEntry], member_id: UUID) -> NetworkEntry:
    """Return the member's entries in one network: its own events, not the group's or others'.

    Once the member is erased (``MemberErased``, or a destroyed name list naming it), its earlier
    events here show no personal value, the text of the person-level actions about it (which the
    network holds) included.
    """
    erased_up_to = max(
        (entry.version for entry in entries if _erases_member(entry.event, member_id)), default=0
    )
    events: list[ExportEvent] = []
    actions: set[UUID] = set()
    on_list = False
    for entry in entries:
        event = entry.event
        erased = entry.version < erased_up_to
        if isinstance(event, (MemberPlaced, MemberInformed, MemberRemoved, MemberErased)):
            if event.member_id != member_id:
                continue
            on_list = not isinstance(event, (MemberRemoved, MemberErased))
            events.append(_event(entry, erased=erased))
        elif isinstance(event, ActionPlanned) and event.member_id == member_id:
            actions.add(event.action_id)
            events.append(_event(entry, erased=erased))
        elif isinstance(event, ActionCompleted) and event.action_id in actions:
            events.append(_event(entry, erased=erased))
        elif _erases_member(event, member_id):
            # The tombstone of the destroyed name list, naming this member only.
            shown = _event(entry)
            events.append(msgspec.structs.replace(shown, data=shown.data | _only_member(member_id)))
            on_list = False
        elif type(event).__name__ == NETWORK_ERASED:
            events.append(_event(entry))  # the file's tombstone: a day and a basis code
        elif on_list and _destroys_list(event):
            # That the list went, not why: the reason is about the group.
            events.append(_event(entry, without=type(event).personal_fields))
            on_list = False
    network = _fold(entries)
    if not isinstance(network, YouthNetwork) or not isinstance(entries[0].event, NetworkOpened):
        raise AggregateNotFound("youth network", entries[0].event.originator_id)
    member = network.members.get(member_id)
    return NetworkEntry(
        network_id=network.id,
        working_name=network.working_name,
        step=network.step.value,
        closed_on=network.closed_on,
        events=events,
        member=None if member is None else json_value(member),
        actions=[
            json_value(action)
            for action in network.actions.values()
            if action.member_id == member_id
        ],
    )


#: The retention tombstones of a network (``pga.domain.network``), matched by kind: the name
#: list's (it names the member ids whose entries were erased) and the whole file's.
NAME_LIST_ERASED = "NameListErased"
NETWORK_ERASED = "NetworkErased"


def _erases_member(event: PgaEvent, member_id: UUID) -> bool:
    """Whether ``event`` erases the member's entries in the network (its keys there go)."""
    if isinstance(event, MemberErased):
        return event.member_id == member_id
    return type(event).__name__ == NAME_LIST_ERASED and member_id in getattr(
        event, "member_ids", ()
    )


def _only_member(member_id: UUID) -> dict[str, Any]:
    """Return the member ids of a name list's tombstone as one member's export shows them."""
    return {"memberIds": [str(member_id)]}


def _destroys_list(event: PgaEvent) -> bool:
    if isinstance(event, SteppedBack):
        return event.to_step not in PERSON_LEVEL_STEPS
    return isinstance(event, NetworkFileClosed)


def _partners(entries: Sequence[HistoryEntry]) -> list[PartnerEntry]:
    involved: list[PartnerEntry] = []
    for entry in entries:
        event = entry.event
        if isinstance(event, PartnerInvolved):
            involvement = event.involvement
            involved.append(
                PartnerEntry(
                    trajectory_id=event.originator_id,
                    organisation=involvement.organisation,
                    role=involvement.role.value,
                    legal_basis=involvement.legal_basis,
                    since=involvement.since,
                    until=None,
                )
            )
        elif isinstance(event, PartnerWithdrawn):
            for index in range(len(involved) - 1, -1, -1):
                current = involved[index]
                if current.organisation == event.organisation and current.until is None:
                    involved[index] = msgspec.structs.replace(current, until=event.withdrawn_on)
                    break
    return involved


def _access_log(
    connection: psycopg.Connection[Any], schema: str, ids: Sequence[UUID]
) -> list[AccessEntry]:
    """Every access-log entry that names one of ``ids``, oldest first, in one query."""
    exists = connection.execute(
        "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
        (schema, access_log.TABLE),
    ).fetchone()
    if exists is None or not exists[0]:
        return []  # nobody has looked at anything yet
    rows = connection.execute(
        sql.SQL(
            "SELECT position, occurred_at, user_id, organisation, role, on_behalf_of, operation,"
            " purpose, status, source, subjects FROM {} WHERE subjects && %s::uuid[]"
            " ORDER BY position"
        ).format(sql.Identifier(schema, access_log.TABLE)),
        (list(ids),),
    ).fetchall()
    own = set(ids)
    return [
        AccessEntry(
            position=int(position),
            occurred_at=occurred_at,
            user=user,
            organisation=organisation,
            role=role,
            on_behalf_of=on_behalf_of,
            operation=operation,
            purpose=purpose,
            status=int(status),
            source=source,
            about=[each for each in dict.fromkeys(subjects) if each in own],
        )
        for (
            position,
            occurred_at,
            user,
            organisation,
            role,
            on_behalf_of,
            operation,
            purpose,
            status,
            source,
            subjects,
        ) in rows
    ]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


# --- JSON ---


def to_json(export: SubjectExport) -> bytes:
    """Return the export as indented JSON (fields in declared order, ISO 8601 dates)."""
    return msgspec.json.format(msgspec.json.encode(export), indent=2) + b"\n"


def render(export: SubjectExport, export_format: ExportFormat) -> bytes:
    """Return the export as JSON or as the HTML document (UTF-8)."""
    return to_json(export) if export_format is ExportFormat.JSON else to_html(export).encode()


# --- Dutch labels ---

EVENT_EXPLANATIONS: Mapping[str, str] = {
    # a trajectory (PGA 18min)
    "Referred": "De politie heeft u aangemeld voor de aanpak PGA 18min. Daarmee begon het traject.",
    "BsnRecorded": "Uw burgerservicenummer (BSN) is vastgelegd, zodat de betrokken organisaties "
    "u in hun eigen administratie kunnen vinden.",
    "InformationLetterSent": "U of uw ouders kregen een brief dat uw gegevens worden verwerkt.",
    "RegisseurAssigned": "Een andere regisseur (de persoon die uw traject leidt) nam het over.",
    "PartnerInvolved": "Een organisatie werd bij uw traject betrokken, in een rol en op een "
    "wettelijke grondslag.",
    "PartnerWithdrawn": "Een organisatie is niet meer bij uw traject betrokken.",
    "PoliceHomeVisited": "De politie kwam bij u thuis om over de aanmelding te vertellen.",
    "IntakeHeld": "Het eerste gesprek (intake) met u, uw ouders en de betrokken organisaties.",
    "InclusionDeclined": "Er is besloten u niet op te nemen in de aanpak.",
    "CaseConferenceHeld": "Een casusoverleg: de betrokken organisaties bespraken hoe het met u "
    "gaat en maakten afspraken.",
    "LifeDomainScored": "Er is een score gegeven voor een deel van uw leven (een leefgebied): "
    "1 betekent grote problemen, 5 dat het zelfstandig goed gaat.",
    "PlanAdopted": "Het plan van aanpak is vastgesteld: de doelen en afspraken per leefgebied.",
    "RevisionStarted": "Het plan van aanpak wordt aangepast (bijstelling).",
    "PlanRevised": "Een aangepast plan van aanpak is vastgesteld.",
    "ArrestRecorded": "Er is vastgelegd dat u door de politie bent aangehouden als verdachte.",
    "PoliceContactRecorded": "Er is een nieuw contact met de politie vastgelegd: als verdachte, "
    "slachtoffer of getuige.",
    "InterventionPlanned": "Er is hulp of een maatregel (een interventie) gepland, met de "
    "organisatie die ervoor zorgt.",
    "InterventionStarted": "Een interventie is begonnen.",
    "InterventionCompleted": "Een interventie is afgerond, met het resultaat.",
    "InterventionAborted": "Een interventie is gestopt of afgezegd, met de reden.",
    "SchoolSignalRecorded": "Een melding van school of leerplicht, bijvoorbeeld over verzuim.",
    "JitStepRecorded": "Een stap van het Jeugd Interventie Team, zoals een gesprek op straat of "
    "bij u thuis.",
    "MayorOrderIssued": "De burgemeester heeft een maatregel opgelegd: een gebiedsverbod, een "
    "groepsverbod of een meldplicht.",
    "MayorOrderExtended": "Een maatregel van de burgemeester is verlengd.",
    "CareReportMade": "Er is een zorgmelding gedaan bij Veilig Thuis.",
    "NetworkLinked": "U bent in verband gebracht met een groep (de groepsaanpak, zie hieronder).",
    "NetworkUnlinked": "Het verband met een groep is beëindigd.",
    "Escalated": "Uw traject is overgedragen aan een zwaardere aanpak, zoals het Zorg- en "
    "Veiligheidshuis.",
    "DeEscalated": "Uw traject is afgeschaald: er wordt alleen nog gevolgd hoe het gaat.",
    "Closed": "Het traject is afgesloten.",
    "CorrectionRecorded": "Een correctie: een eerder vastgelegd gegeven klopte niet en is "
    "verbeterd.",
    "SubjectErased": "Uw persoonsgegevens in dit traject zijn verwijderd.",
    "LegalHoldPlaced": "Uw gegevens moeten langer bewaard blijven dan de gewone termijn, "
    "bijvoorbeeld voor een rechtszaak (een bewaarplicht). Zolang die geldt, wordt niets "
    "verwijderd.",
    "LegalHoldLifted": "De bewaarplicht is opgeheven: de gewone bewaartermijnen gelden weer.",
    "RightsRequestReceived": "Er is een verzoek ontvangen om inzage, correctie of verwijdering "
    "van uw gegevens, met de datum waarop het uiterlijk beantwoord moet zijn.",
    "RightsRequestExtended": "De termijn om uw verzoek te beantwoorden is met twee maanden "
    "verlengd, met de reden.",
    "RightsRequestCompleted": "Uw verzoek is afgehandeld (of ingetrokken), met de uitkomst.",
    # a youth network (7-stappenmodel); the export shows only what is about the youth
    "NetworkOpened": "Een groepsdossier werd geopend.",
    "ProcesregisseurAssigned": "Een andere procesregisseur nam de groepsaanpak over.",
    "NetworkPartnerJoined": "Een organisatie sloot aan bij de groepsaanpak.",
    "NetworkPartnerLeft": "Een organisatie ging weg uit de groepsaanpak.",
    "SignalShared": "Een signaal over het gedrag van de groep werd gedeeld.",
    "BehaviourAssessed": "Het gedrag van de groep werd beoordeeld.",
    "MemberPlaced": "U bent op de namenlijst van een groep geplaatst (groepsaanpak, stap 2B).",
    "MemberInformed": "U of uw ouders kregen een brief over de plaatsing op de namenlijst.",
    "MemberRemoved": "U bent van de namenlijst gehaald.",
    "MemberErased": "Uw gegevens op de namenlijst zijn verwijderd.",
    "PoliceAdviceReceived": "De politie gaf advies over de groep.",
    "InterpretationRecorded": "De groep werd geduid: hoe de groep werkt en wat er speelt.",
    "ConceptPlanDrafted": "Er werd een concept plan van aanpak voor de groep gemaakt.",
    "AdviceIssued": "Er werd advies gegeven over de aanpak van de groep.",
    "PrioritisationDecided": "Burgemeester, politie en OM besloten of de groep voorrang krijgt.",
    "ActionPlanned": "Er is een actie gepland die over u gaat, met de organisatie die haar "
    "uitvoert.",
    "ActionCompleted": "Een actie die over u ging, is uitgevoerd.",
    "IntegralPlanAdopted": "Het plan van aanpak voor de groep werd vastgesteld.",
    "MonitoringRecorded": "Er werd bijgehouden hoe de aanpak van de groep werkt.",
    "EvaluationCompleted": "De aanpak van de groep werd geëvalueerd.",
    "StepAdvanced": "De groepsaanpak ging naar de volgende stap.",
    "SteppedBack": "De groepsaanpak ging terug naar een eerdere stap; daarbij verviel de "
    "namenlijst.",
    "NetworkFileClosed": "Het groepsdossier werd gesloten; daarbij verviel de namenlijst.",
    "NetworkLegalHoldPlaced": "Het groepsdossier moet langer bewaard blijven dan de gewone "
    "termijn (een bewaarplicht).",
    "NetworkLegalHoldLifted": "De bewaarplicht op het groepsdossier is opgeheven.",
    "NameListErased": "De namenlijst van de groep is vernietigd: uw gegevens erop zijn verwijderd.",
    "NetworkErased": "Het groepsdossier is verwijderd; alleen de stappen en de data zonder "
    "persoonsgegevens zijn bewaard.",
}
"""What each event kind means, in plain Dutch (addressed to the youth: ``u``)."""

FIELD_LABELS: Mapping[str, str] = {
    # people and identity
    "subjectId": "uw nummer in het platform",
    "givenName": "voornaam",
    "familyName": "achternaam",
    "bornOn": "geboortedatum",
    "bsn": "burgerservicenummer (BSN)",
    "memberId": "uw nummer op de namenlijst",
    "trajectoryId": "traject",
    "networkId": "groep",
    "roleInGroup": "rol in de groep",
    "trustedPerson": "vertrouwenspersoon",
    "attendees": "aanwezig",
    "participants": "deelnemers",
    "recipients": "ontvangers van de brief",
    "letterRecipients": "ontvangers van de brief",
    "youthInformed": "u bent ingelicht",
    "parentsInformed": "uw ouders zijn ingelicht",
    "parentsPresent": "ouders waren erbij",
    # organisations and roles
    "regisseur": "regisseur",
    "userId": "gebruiker",
    "organisation": "organisatie",
    "involvement": "betrokkenheid",
    "role": "rol",
    "legalBasis": "wettelijke grondslag",
    "since": "sinds",
    "referringOrganisation": "aangemeld door",
    "responsibleOrganisation": "verantwoordelijke organisatie",
    "sourceOrganisation": "melding van",
    "sourceRole": "melding door (rol)",
    "procesregisseur": "procesregisseur",
    "procesregisseurOrganisation": "organisatie van de procesregisseur",
    "authors": "opgesteld door",
    # the police and the offence
    "offenceCategory": "soort delict",
    "policeReference": "nummer bij de politie",
    "suspectedOn": "datum van de verdenking",
    "arrestedOn": "datum van de aanhouding",
    "occurredOn": "datum",
    "incidentOn": "datum van het incident",
    "daysAfterIncident": "dagen na het incident",
    # dates
    "referredOn": "datum van aanmelding",
    "sentOn": "verstuurd op",
    "visitedOn": "datum van het huisbezoek",
    "heldOn": "datum",
    "nextOn": "volgende keer",
    "declinedOn": "datum",
    "adoptedOn": "vastgesteld op",
    "startedOn": "begonnen op",
    "completedOn": "afgerond op",
    "abortedOn": "gestopt op",
    "observedOn": "datum",
    "madeOn": "datum",
    "startsOn": "ingang",
    "endsOn": "einde",
    "linkedOn": "sinds",
    "unlinkedOn": "beëindigd op",
    "escalatedOn": "datum",
    "deEscalatedOn": "datum",
    "closedOn": "afgesloten op",
    "erasedOn": "verwijderd op",
    "liftedOn": "opgeheven op",
    "placedOn": "geplaatst op",
    "removedOn": "verwijderd van de lijst op",
    "withdrawnOn": "niet meer betrokken sinds",
    "leftOn": "weg sinds",
    "scoredOn": "datum",
    "dueOn": "uiterlijk",
    "plannedStart": "geplande start",
    "plannedEnd": "gepland einde",
    "openedOn": "geopend op",
    "draftedOn": "opgesteld op",
    "issuedOn": "datum",
    "decidedOn": "besloten op",
    "monitoredOn": "datum",
    "evaluatedOn": "geëvalueerd op",
    "assessedOn": "beoordeeld op",
    "recordedOn": "vastgelegd op",
    "on": "datum",
    # what was decided or done
    "reason": "reden",
    "reasonCode": "reden",
    "decisions": "besluiten",
    "lifeDomain": "leefgebied",
    "score": "score (1 tot 5)",
    "instrument": "meetinstrument",
    "goals": "doelen",
    "goalId": "doel",
    "description": "omschrijving",
    "agreements": "afspraken",
    "interventionId": "interventie",
    "kind": "soort",
    "outcome": "resultaat",
    "absenceHours": "uren verzuim",
    "orderId": "maatregel",
    "area": "gebied",
    "summary": "samenvatting",
    "target": "overgedragen aan",
    "handoverTo": "overgedragen aan",
    "correctsVersion": "verbetert gebeurtenis nummer",
    "whatWasWrong": "wat er niet klopte",
    "correction": "de verbetering",
    "basis": "grondslag",
    "holdId": "bewaarplicht",
    "memberIds": "nummers op de namenlijst",
    "correctedFields": "verbeterde gegevens",
    "field": "gegeven",
    "value": "juiste waarde",
    # rights requests
    "requestId": "verzoek",
    "requester": "aangevraagd door",
    "receivedOn": "ontvangen op",
    "extendedOn": "verlengd op",
    "extended": "verlengd",
    "note": "toelichting",
    "actionId": "actie",
    "level": "niveau",
    "fromStep": "van stap",
    "toStep": "naar stap",
    # the network (group-level fields, shown only where they are about the youth)
    "workingName": "werknaam van de groep",
    "historicalLabel": "oud label",
    "location": "plaats",
    "online": "online",
    "problematic": "problematisch",
    "findings": "bevindingen",
    "groupScanDone": "groepsscan gedaan",
    "advice": "advies",
    "groupDynamics": "groepsdynamiek",
    "roles": "rollen",
    "problemType": "soort problematiek",
    "context": "context",
    "chances": "kansen",
    "problemDefinition": "probleemomschrijving",
    "prioritised": "voorrang",
    "instructions": "opdrachten",
    "indicators": "indicatoren",
    "remainingActions": "resterende acties",
    "informedOn": "brief verstuurd op",
    # the trajectory's current state
    "status": "status",
    "letterSentOn": "brief verstuurd op",
    "partners": "betrokken organisaties",
    "interventions": "interventies",
    "plan": "plan van aanpak",
    "revision": "versie",
    "lifeDomainScores": "scores per leefgebied",
    "mayorOrders": "maatregelen van de burgemeester",
    "networks": "groepen",
    "policeHomeVisitOn": "huisbezoek van de politie",
    "intakeOn": "intake",
    "nextCaseConferenceOn": "volgend casusoverleg",
    "escalatedTo": "overgedragen aan",
    "closingReason": "reden van afsluiten",
    "caseConferences": "aantal casusoverleggen",
    "arrests": "aantal aanhoudingen",
    "policeContacts": "aantal politiecontacten",
    "schoolSignals": "aantal schoolmeldingen",
    "jitSteps": "aantal JIT-stappen",
    "careReports": "aantal zorgmeldingen",
    "corrections": "aantal correcties",
    "erased": "gegevens verwijderd",
    "rightsRequests": "verzoeken om inzage, correctie of verwijdering",
    "state": "stand",
    "extensions": "aantal verlengingen",
}
"""What each field is called in the document (fields and state attributes, by JSON name)."""

_STATUS_LABELS: Mapping[int, str] = {
    access_log.CLI_STATUS: "bekeken (opdrachtregel)",
    403: "geweigerd",
    404: "geweigerd",
}
_PURPOSE_LABELS: Mapping[str, str] = PURPOSES
#: Codes of rights requests, as the youth reads them.
_CODE_LABELS: Mapping[str, str] = {
    "jongere": "uzelf",
    "ouder_of_voogd": "ouder of voogd",
    "wettelijk_vertegenwoordiger": "wettelijk vertegenwoordiger",
    "granted": "toegewezen",
    "partly": "deels toegewezen",
    "refused": "afgewezen",
    "withdrawn": "ingetrokken",
    "open": "nog niet afgehandeld",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: How the document shows a value that was erased (in JSON: ``null``, named in ``erasedFields``).
ERASED_LABEL = "verwijderd"
#: The trajectory's personal attributes: on an erased trajectory they read "verwijderd".
_ERASED_STATE = ("givenName", "familyName", "bornOn", "policeReference", "bsn")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


# --- the readable document ---

_STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b;
  max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #154273; }
h3 { margin-top: 1.5rem; } h4 { margin: 0; font-size: 1rem; }
.uitleg { color: #444; } .nummer { color: #666; font-size: 0.85rem; }
ol.gebeurtenissen { padding-left: 1.5rem; }
ol.gebeurtenissen > li { margin-bottom: 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0.3rem 0; }
dt { font-weight: 600; } dd { margin: 0; } dd dl { font-size: 0.95rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.4rem; text-align: left;
  vertical-align: top; }
th { background: #eef2f7; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; } ol.gebeurtenissen > li, tr { break-inside: avoid; }
  th { background: none; }
}
"""

_ABOUT_THE_EXPORT = (
    '<p class="uitleg">Dit overzicht laat alles zien wat het PGA-platform over u heeft '
    "vastgelegd: uw trajecten en wat daarin is gebeurd, uw plaats op de namenlijst van een "
    "groep, de organisaties die bij u betrokken zijn, en wie uw gegevens heeft bekeken. U "
    "heeft er recht op (inzage, artikel 15 AVG).</p>"
)
_ABOUT_NETWORKS = (
    '<p class="uitleg">Bij de aanpak van een groep jongeren (het 7-stappenmodel) kan een '
    "namenlijst worden gemaakt. Hier staat alleen wat over u gaat, niet wat over de groep "
    "of over anderen is vastgelegd.</p>"
)
_ABOUT_THE_ACCESS_LOG = (
    '<p class="uitleg">Elke keer dat iemand uw gegevens in het platform bekijkt, of dat '
    "probeert zonder toestemming, wordt dat vastgelegd: wanneer, wie (de gebruikerscode), "
    "bij welke organisatie en in welke rol, met welk doel en wat er werd opgevraagd.</p>"
)
_RIGHTS = """<h2>Uw rechten</h2>
<ul>
<li><strong>Correctie.</strong> Klopt er iets niet? Vraag de regisseur het te verbeteren. De
verbetering wordt vastgelegd naast het oude gegeven, en iedereen die met uw traject werkt, ziet
daarna het juiste gegeven.</li>
<li><strong>Verwijdering.</strong> U kunt vragen uw gegevens te verwijderen. Soms moeten ze nog
bewaard blijven, bijvoorbeeld omdat de wet dat vraagt; dan hoort u waarom.</li>
<li><strong>Antwoord binnen een maand.</strong> Op een verzoek krijgt u binnen een maand
antwoord. Is het verzoek ingewikkeld, dan kan dat twee maanden langer duren; dat hoort u dan
binnen die eerste maand.</li>
<li><strong>Klacht.</strong> Bent u het niet eens met hoe er met uw gegevens wordt omgegaan?
Bespreek het met de regisseur of met de functionaris voor gegevensbescherming van de gemeente.
U kunt ook een klacht indienen bij de Autoriteit Persoonsgegevens
(autoriteitpersoonsgegevens.nl).</li>
<li>Bent u jonger dan 16, dan gebruiken uw ouders deze rechten voor u; bent u tussen 12 en 16,
dan doet u dat samen met hen.</li>
</ul>
<h2>Hoe lang bewaren wij uw gegevens?</h2>
<p>Niet langer dan nodig. Een afgesloten traject wordt standaard vijf jaar na het afsluiten
verwijderd, en als u 23 wordt, worden al uw gegevens verwijderd. Een namenlijst van een groep
wordt vernietigd als het groepsdossier sluit. Als de wet het nodig maakt (bijvoorbeeld bij een
rechtszaak), kan dat later gebeuren. Van een verwijdering blijft alleen vastgelegd dat er iets
is verwijderd, wanneer en waarom, niet wat.</p>"""


def to_html(export: SubjectExport) -> str:
    """Return the export as a self-contained Dutch HTML document (no assets, no script)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Uw gegevens in het PGA-platform</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        *_introduction(export),
        *_trajectories(export),
        *_networks(export),
        *_partners_involved(export),
        *_requests_made(export),
        *_looked_at(export),
        _RIGHTS,
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _introduction(export: SubjectExport) -> list[str]:
    newest = _newest_person(export)
    name = " ".join(str(newest.get(key) or "") for key in ("givenName", "familyName")).strip()
    born_on = newest.get("bornOn")
    return [
        "<h1>Uw gegevens in het PGA-platform</h1>",
        _ABOUT_THE_EXPORT,
        "<dl>",
        f"<dt>Over</dt><dd>{_escape(name or 'onbekend (gegevens verwijderd)')}</dd>",
        "<dt>Geboortedatum</dt><dd>"
        + (ERASED_LABEL if born_on is None and newest.get("erased") else _value(born_on))
        + "</dd>",
        f"<dt>Uw nummer in het platform</dt><dd>{_escape(export.subject_id)}</dd>",
        f"<dt>Gemaakt op</dt><dd>{_escape(_moment(export.exported_at))}</dd>",
        f"<dt>Aantal trajecten</dt><dd>{len(export.trajectories)}</dd>",
        "</dl>",
    ]


def _newest_person(export: SubjectExport) -> Mapping[str, Any]:
    """Return the youth's name and date of birth as last known (newest trajectory, else a list).

    For a youth on name lists only: its current entry on a list, else the latest placement
    (``erased`` when that placement was erased).
    """
    if export.trajectories:
        return export.trajectories[-1].state
    for network in reversed(export.networks):
        if network.member is not None:
            return network.member
    placements = [
        event
        for network in export.networks
        for event in network.events
        if event.kind == MemberPlaced.__name__
    ]
    if not placements:
        return {}
    latest = max(placements, key=lambda event: event.recorded_at)
    return latest.data | {"erased": bool(latest.erased_fields)}


def _trajectories(export: SubjectExport) -> list[str]:
    parts = ["<h2>Uw trajecten</h2>"]
    if not export.trajectories:
        parts.append("<p>Er is geen traject (PGA 18min) over u vastgelegd.</p>")
    for number, trajectory in enumerate(export.trajectories, start=1):
        erased = _ERASED_STATE if trajectory.state.get("erased") else ()
        parts += [
            "<section>",
            f"<h3>Traject {number}</h3>",
            f'<p class="nummer">Trajectnummer {_escape(trajectory.trajectory_id)}</p>',
            "<h4>Zoals het traject er nu voor staat</h4>",
            _fields(trajectory.state, erased=erased),
            "<h4>Wat er is vastgelegd, van oud naar nieuw</h4>",
            *_events(trajectory.events),
            "</section>",
        ]
    return parts


def _networks(export: SubjectExport) -> list[str]:
    if not export.networks:
        return []
    parts = [
        "<h2>Groepsaanpak: uw plaats op een namenlijst</h2>",
        _ABOUT_NETWORKS,
    ]
    for network in export.networks:
        parts += [
            "<section>",
            f"<h3>{_escape(network.working_name)}</h3>",
            f'<p class="nummer">Groepsnummer {_escape(network.network_id)}</p>',
            "<dl>",
            f"<dt>Stap nu</dt><dd>{_escape(_step(network.step))}</dd>",
            f"<dt>Gesloten op</dt><dd>{_value(json_value(network.closed_on))}</dd>",
            "<dt>Op de namenlijst</dt><dd>"
            + ("nee" if network.member is None else _fields(network.member))
            + "</dd>",
            "</dl>",
            *(
                ["<h4>Acties die over u gaan</h4>", *map(_fields, network.actions)]
                if network.actions
                else []
            ),
            "<h4>Wat er over u is vastgelegd</h4>",
            *_events(network.events),
            "</section>",
        ]
    return parts


def _partners_involved(export: SubjectExport) -> list[str]:
    rows = [
        "<tr>"
        f"<td>{_escape(partner.organisation)}</td>"
        f"<td>{_escape(_role(partner.role))}</td>"
        f"<td>{_escape(partner.legal_basis)}</td>"
        f"<td>{_value(json_value(partner.since))}</td>"
        f"<td>{'nog steeds' if partner.until is None else _value(json_value(partner.until))}</td>"
        "</tr>"
        for partner in export.partners
    ]
    return [
        "<h2>Organisaties die bij u betrokken zijn</h2>",
        *(
            [
                "<table>",
                _table_head("Organisatie", "Rol", "Wettelijke grondslag", "Sinds", "Tot"),
                "<tbody>",
                *rows,
                "</tbody>",
                "</table>",
            ]
            if rows
            else ["<p>Er zijn (nog) geen andere organisaties bij u betrokken.</p>"]
        ),
    ]


def _requests_made(export: SubjectExport) -> list[str]:
    if not export.rights_requests:
        return []
    rows = [
        "<tr>"
        f"<td>{_escape(_code(request.kind))}</td>"
        f"<td>{_escape(_code(request.requester))}</td>"
        f"<td>{_value(json_value(request.received_on))}</td>"
        f"<td>{_value(json_value(request.due_on))}{' (verlengd)' if request.extended else ''}</td>"
        f"<td>{_value(json_value(request.completed_on))}</td>"
        f"<td>{_escape(_code(request.outcome or 'open'))}</td>"
        "</tr>"
        for request in export.rights_requests
    ]
    return [
        "<h2>Uw verzoeken</h2>",
        "<table>",
        _table_head(
            "Verzoek", "Door", "Ontvangen", "Uiterlijk antwoord", "Afgehandeld", "Uitkomst"
        ),
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
    ]


def _looked_at(export: SubjectExport) -> list[str]:
    rows = [
        "<tr>"
        f"<td>{_escape(_moment(entry.occurred_at))}</td>"
        f"<td>{_escape(entry.user)}"
        + ("" if entry.on_behalf_of is None else f" (namens {_escape(entry.on_behalf_of)})")
        + "</td>"
        f"<td>{_escape(entry.organisation)}</td>"
        f"<td>{_escape(_role(entry.role))}</td>"
        f"<td>{_escape(_PURPOSE_LABELS.get(entry.purpose, entry.purpose))}</td>"
        f"<td>{_escape(entry.operation)}</td>"
        f"<td>{_escape(_STATUS_LABELS.get(entry.status, 'bekeken'))}</td>"
        "</tr>"
        for entry in export.access_log
    ]
    return [
        "<h2>Wie heeft uw gegevens bekeken</h2>",
        _ABOUT_THE_ACCESS_LOG,
        *(
            [
                "<table>",
                _table_head("Wanneer", "Wie", "Organisatie", "Rol", "Doel", "Wat", "Resultaat"),
                "<tbody>",
                *rows,
                "</tbody>",
                "</table>",
            ]
            if rows
            else ["<p>Niemand heeft uw gegevens bekeken.</p>"]
        ),
    ]


def _events(events: Sequence[ExportEvent]) -> list[str]:
    if not events:
        return ["<p>Niets.</p>"]
    items = []
    for event in events:
        who = ""
        if event.metadata is not None:
            meta = event.metadata
            who = (
                f"Vastgelegd door {_escape(meta.user)} ({_escape(meta.organisation)}, "
                f"{_escape(_role(meta.role))})"
                + ("" if meta.on_behalf_of is None else f", namens {_escape(meta.on_behalf_of)}")
                + ("" if meta.reason is None else f". Reden: {_escape(meta.reason)}")
            )
        items.append(
            "<li>"
            f"<h4>{_escape(_moment(event.recorded_at))}: {_escape(event.explanation)}</h4>"
            f'<p class="nummer">Gebeurtenis {event.version} ({_escape(event.kind)}). {who}</p>'
            f"{_fields(event.data, erased=event.erased_fields)}"
            "</li>"
        )
    return ['<ol class="gebeurtenissen">', *items, "</ol>"]


def _fields(values: Mapping[str, Any], *, erased: Collection[str] = ()) -> str:
    """Return fields as a definition list; the ``erased`` ones read "verwijderd"."""
    if not values:
        return "—"
    rows = "".join(
        f"<dt>{_escape(FIELD_LABELS.get(key, key))}</dt>"
        f"<dd>{ERASED_LABEL if key in erased else _value(value)}</dd>"
        for key, value in values.items()
    )
    return f"<dl>{rows}</dl>"


def _value(value: object) -> str:
    """Return a JSON value as escaped HTML: dates in Dutch order, lists as lists."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dict):
        return _fields(value)
    if isinstance(value, list):
        return "<ul>" + "".join(f"<li>{_value(item)}</li>" for item in value) + "</ul>"
    return _escape(_text(str(value)))


def _text(text: str) -> str:
    """Show an ISO 8601 date or moment the Dutch way; any other text as it is."""
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text).strftime("%d-%m-%Y")
        if _ISO_MOMENT.match(text):
            return _moment(datetime.fromisoformat(text))
    except ValueError:
        pass
    return text


def _table_head(*names: str) -> str:
    return "<thead><tr>" + "".join(f"<th>{name}</th>" for name in names) + "</tr></thead>"


def _escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def _moment(moment: datetime) -> str:
    return moment.astimezone(MUNICIPAL_TIME).strftime("%d-%m-%Y %H:%M")


def _code(code: str) -> str:
    return _CODE_LABELS.get(code, code)


def _role(role: str) -> str:
    try:
        return ROLE_LABELS[PartnerRole(role)]
    except ValueError:
        return role


def _step(step: str) -> str:
    try:
        return STEP_LABELS[NetworkStep(step)]
    except ValueError:
        return step


# --- pga subjects export ---

EXIT_OK = 0
EXIT_FAILURE = 1
#: How the command line logs its reads of the youth's data (purpose: the youth's rights).
CLI_OPERATION = "cli:subjects-export"


def configure_export_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``pga subjects export ID [--format json|html] [--output FILE]``."""
    export = commands.add_parser(
        "export",
        help="everything the platform holds about one youth (inzage), as JSON or HTML",
        description="Export every trajectory of a youth with all its events and metadata, its "
        "current state, its place on network name lists, the partners involved and the access "
        "log. The read is itself written to the access log. The file is readable by its owner "
        "only; without --output the export goes to stdout.",
    )
    export.add_argument(
        "id", type=uuid_argument, metavar="ID", help="the youth's subject or trajectory id"
    )
    export.add_argument(
        "--format",
        type=ExportFormat,
        choices=list(ExportFormat),
        default=ExportFormat.JSON,
        help="json (default) or html (a readable Dutch document)",
    )
    export.add_argument(
        "--output", type=Path, metavar="FILE", help="write to a new file (mode 0600)"
    )
    export.set_defaults(command=export_command)


def export_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """Export one youth; log the read; write the file (or stdout)."""
    output: Path | None = arguments.output
    if output is not None and output.exists():
        _fail("the output file exists; choose a new name")
        return EXIT_FAILURE
    schema = settings.database_schema
    with (
        open_application(settings) as app,
        psycopg.connect(resolve_database_url(settings), autocommit=True) as connection,
    ):
        try:
            wait_for_caseload(connection, schema, timeout=0)
        except (ReadModelTimeout, ReadModelUnavailable):
            _fail(
                "warning: the caseload read model is behind (run pga project); trajectories "
                "recorded since may be missing",
            )
        try:
            export = export_subject(app, connection, schema, arguments.id)
        except AggregateNotFound:
            _fail("no trajectory has this id and no youth this subject id")
            return EXIT_FAILURE
    access_log.record_cli_read(
        settings, operation=CLI_OPERATION, subjects=export.ids, purpose="rechten-betrokkene"
    )
    content = render(export, arguments.format)
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return EXIT_OK
    try:
        write_private_file(output, content)
    except FileExistsError:
        _fail("the output file exists; choose a new name")
        return EXIT_FAILURE
    return EXIT_OK


def write_private_file(path: Path, content: bytes) -> None:
    """Create ``path`` (it must not exist) with ``content``, readable by its owner only (0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def _fail(message: str) -> None:
    sys.stderr.write(f"pga subjects export: {message}\n")
