"""The network graph: which youths are on which network's name list, and who were co-suspects.

Nodes are youth networks and youths; edges are memberships (a youth on a network's name list) and
co-suspect links (two youths suspected in the same incident). The read model stores only facts
keyed by the aggregate they come from, so ``load`` fetches them by the batch's aggregate ids, and
the graph is put together with SQL joins at query time:

``networks`` (network_id)
    working name and current step, for the network nodes;
``members`` (network_id, member_id)
    the current name list: a row from ``MemberPlaced`` until ``MemberRemoved`` (or
    ``MemberErased``), a back-step to before step 2B or the file's closing, with the member's
    trajectory where there is one;
``subjects`` (trajectory_id)
    which youth (``Referred.subject_id``) each trajectory is about;
``incidents`` (trajectory_id, version)
    one row per event that names the youth as a suspect with a police reference: the referral,
    an arrest, a police contact in the role ``verdachte`` (a victim or a witness is not a suspect).
    A correction of the referral's police reference (``CorrectionRecorded.corrected_fields``)
    replaces the referral's row with the corrected reference's digest, so the co-suspect links
    follow the corrected value, as every other view shows it.

Youth identity. A member linked to a trajectory is the trajectory's subject, so the same youth on
two networks (or with two trajectories) is one node; a member without a trajectory is a youth of
its own, identified by its member id. That mapping joins two aggregates' events (the network's
member, the trajectory's referral), so it is made at query time, never in a handler.

What exists when (domain research §1.5). Person-level data exists in a network's file only from
step 2B, so a youth is a node only while on some network's name list, and co-suspect edges join
only youths who are nodes. The incidents of youths who are on no list are kept (they come from the
trajectory, which exists regardless of any network) but never shown.

Privacy.

* Youths appear only as ``youth_reference(id)`` (``pga.privacy.pseudonym``, the reference every
  partner view shows too): ``"J-"`` and 10 hex digits of a BLAKE2b digest of the subject (or
  member) id with a fixed personalisation; one-way, stable, and not the id itself.
  Never a name: the graph stores no name, date of birth or free text at all.
* A police reference is never stored: ``incidents.incident`` is a keyed BLAKE2b-128 digest of the
  normalised reference (whitespace removed, upper case) with the personalisation
  ``pga-incident``; it is only compared for equality, at query time, and never returned (an edge
  carries only the number of shared incidents). Police references have little entropy (a year
  and a serial number), so an unkeyed digest could be reversed by trying every reference: give
  ``NetworkGraph(incident_key=...)`` a secret from configuration in production; changing the
  key needs a rebuild of this read model.
* ``SubjectErased`` deletes the trajectory's incident digests (what was derived from the erased
  police references); the subject mapping stays, as it holds no personal data.

Not read: ``NetworkLinked``/``NetworkUnlinked`` (the name list's ``MemberPlaced`` and member
removal already say the same, in the network's own order), and of ``CorrectionRecorded`` only a
corrected ``police_reference`` (a free-text correction changes no value; names and dates of
birth are not in the graph).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self
from uuid import UUID

import msgspec
from psycopg import sql

from pga.domain.network import (
    PERSON_LEVEL_STEPS,
    MemberErased,
    MemberPlaced,
    MemberRemoved,
    NetworkFileClosed,
    NetworkOpened,
    NetworkStep,
    StepAdvanced,
    SteppedBack,
)
from pga.domain.trajectory import (
    ArrestRecorded,
    CorrectionRecorded,
    PoliceContactRecorded,
    Referred,
    SubjectErased,
)
from pga.privacy.pseudonym import youth_reference
from projections.base import (
    Batch,
    DispatchingReadModel,
    Envelope,
    Rows,
    Table,
    aggregate_ids,
)
from projections.runner import schema_name

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import psycopg

    from pga.domain.common import PgaEvent
    from pga.settings import Settings

N = NetworkStep

#: The police-contact role (catalogue code) of a suspect.
SUSPECT_ROLE = "verdachte"
#: The correctable field (``CORRECTABLE_FIELDS``) the graph derives an incident from.
POLICE_REFERENCE = "police_reference"

_INCIDENT_PERSON = b"pga-incident"
_MAX_KEY_BYTES = 64


def incident_digest(police_reference: str, key: bytes = b"") -> bytes:
    """Return the stored stand-in for a police reference (see the module docstring)."""
    normalised = "".join(police_reference.split()).upper()
    return hashlib.blake2b(
        normalised.encode(), digest_size=16, key=key, person=_INCIDENT_PERSON
    ).digest()


# --- stored rows ---


class NetworkRecord(msgspec.Struct):
    """A network node as stored (the ``networks`` table)."""

    network_id: UUID
    working_name: str
    step: str


class MemberRecord(msgspec.Struct):
    """A youth on a network's current name list (the ``members`` table)."""

    network_id: UUID
    member_id: UUID
    trajectory_id: UUID | None


class SubjectRecord(msgspec.Struct):
    """Which youth a trajectory is about (the ``subjects`` table)."""

    trajectory_id: UUID
    subject_id: UUID


class IncidentRecord(msgspec.Struct):
    """One event naming the youth as a suspect: the digest of its police reference."""

    trajectory_id: UUID
    version: int
    incident: bytes


NETWORKS = Table(
    name="networks",
    columns=(
        ("network_id", "uuid NOT NULL"),
        ("working_name", "text NOT NULL"),
        ("step", "text NOT NULL"),
    ),
    key=("network_id",),
)

MEMBERS = Table(
    name="members",
    columns=(
        ("network_id", "uuid NOT NULL"),
        ("member_id", "uuid NOT NULL"),
        ("trajectory_id", "uuid"),
    ),
    key=("network_id", "member_id"),
    indexes=(("trajectory_id",),),
)

SUBJECTS = Table(
    name="subjects",
    columns=(("trajectory_id", "uuid NOT NULL"), ("subject_id", "uuid NOT NULL")),
    key=("trajectory_id",),
    indexes=(("subject_id",),),
)

INCIDENTS = Table(
    name="incidents",
    columns=(
        ("trajectory_id", "uuid NOT NULL"),
        ("version", "integer NOT NULL"),
        ("incident", "bytea NOT NULL"),
    ),
    key=("trajectory_id", "version"),
    indexes=(("incident",),),
)

#: Events whose handler changes a stored network row.
_CHANGES_NETWORK: frozenset[type[PgaEvent]] = frozenset(
    {StepAdvanced, SteppedBack, NetworkFileClosed}
)
#: Events whose handler removes stored members.
_REMOVES_MEMBERS: frozenset[type[PgaEvent]] = frozenset(
    {MemberRemoved, MemberErased, SteppedBack, NetworkFileClosed}
)


class NetworkGraph(DispatchingReadModel):
    """Youths and networks, memberships and co-suspect links (see the module docstring).

    ``incident_key`` (at most 64 bytes) keys the police-reference digests; the same events give
    the same rows only under the same key.
    """

    name: ClassVar[str] = "network_graph"
    #: 2: an erased member (``MemberErased``) leaves the graph like a removed one.
    #: 3: a corrected police reference of the referral replaces its incident digest.
    version: ClassVar[int] = 3
    tables: ClassVar[tuple[Table, ...]] = (NETWORKS, MEMBERS, SUBJECTS, INCIDENTS)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Key the police-reference digests with ``PGA_PSEUDONYM_KEY``."""
        return cls(incident_key=settings.pseudonym_key)

    def __init__(self, *, incident_key: bytes = b"") -> None:
        if len(incident_key) > _MAX_KEY_BYTES:
            msg = f"incident_key must be at most {_MAX_KEY_BYTES} bytes"
            raise ValueError(msg)
        self._key = incident_key
        self.networks = Rows(NETWORKS, NetworkRecord)
        self.members = Rows(MEMBERS, MemberRecord)
        self.subjects = Rows(SUBJECTS, SubjectRecord)
        self.incidents = Rows(INCIDENTS, IncidentRecord)
        self._erased: set[UUID] = set()
        self._handlers: dict[type[PgaEvent], Callable[[Any], None]] = {
            NetworkOpened: self._opened,
            StepAdvanced: self._step_advanced,
            SteppedBack: self._stepped_back,
            NetworkFileClosed: self._file_closed,
            MemberPlaced: self._member_placed,
            MemberRemoved: self._member_removed,
            MemberErased: self._member_removed,
            Referred: self._referred,
            ArrestRecorded: self._arrested,
            PoliceContactRecorded: self._police_contact,
            CorrectionRecorded: self._corrected,
            SubjectErased: self._subject_erased,
        }

    # --- the batch ---

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch the network rows and name lists the batch changes.

        Subjects are never loaded, nor incidents, but those of the trajectories whose police
        reference the batch corrects: a row is new by construction (keyed by the trajectory, or
        by the event's version), a correction replaces a stored one, and erasure deletes by
        trajectory in ``save``.
        """
        self.networks.load(batch, "network_id", aggregate_ids(envelopes, _CHANGES_NETWORK))
        self.members.load(batch, "network_id", aggregate_ids(envelopes, _REMOVES_MEMBERS))
        corrected = {
            envelope.event.originator_id
            for envelope in envelopes
            if isinstance(envelope.event, CorrectionRecorded)
            and _corrected_reference(envelope.event) is not None
        }
        if corrected:
            self.incidents.load(batch, "trajectory_id", corrected)

    def save(self, batch: Batch) -> None:
        """Write the changes; delete the stored incidents of erased subjects first."""
        self.networks.save(batch)
        self.members.save(batch)
        self.subjects.save(batch)
        batch.delete_where(INCIDENTS, "trajectory_id", sorted(self._erased, key=str))
        self._erased.clear()
        self.incidents.save(batch)

    def reset(self) -> None:
        """Forget the batch."""
        self.networks.clear()
        self.members.clear()
        self.subjects.clear()
        self.incidents.clear()
        self._erased.clear()

    # --- network handlers ---

    def _network(self, network_id: UUID) -> NetworkRecord:
        row = self.networks.get(network_id)
        if row is None:
            msg = f"network {network_id} has no row: its NetworkOpened was not applied"
            raise LookupError(msg)
        return row

    def _opened(self, event: NetworkOpened) -> None:
        self.networks.put(NetworkRecord(event.originator_id, event.working_name, N.SIGNALS.value))

    def _step_advanced(self, event: StepAdvanced) -> None:
        row = self._network(event.originator_id)
        row.step = event.to_step.value
        self.networks.touch(row)

    def _stepped_back(self, event: SteppedBack) -> None:
        row = self._network(event.originator_id)
        row.step = event.to_step.value
        self.networks.touch(row)
        if event.to_step not in PERSON_LEVEL_STEPS:
            self._drop_name_list(event.originator_id)

    def _file_closed(self, event: NetworkFileClosed) -> None:
        row = self._network(event.originator_id)
        row.step = N.CLOSED.value
        self.networks.touch(row)
        self._drop_name_list(event.originator_id)

    def _member_placed(self, event: MemberPlaced) -> None:
        # Not on the list now (the aggregate refuses a duplicate), so the key is free.
        self.members.put(MemberRecord(event.originator_id, event.member_id, event.trajectory_id))

    def _member_removed(self, event: MemberRemoved | MemberErased) -> None:
        self.members.remove(event.originator_id, event.member_id)

    def _drop_name_list(self, network_id: UUID) -> None:
        listed = [row.member_id for row in self.members.where("network_id", network_id)]
        for member_id in listed:
            self.members.remove(network_id, member_id)

    # --- trajectory handlers ---

    def _referred(self, event: Referred) -> None:
        self.subjects.put(SubjectRecord(event.originator_id, event.subject_id))
        self._incident(event.originator_id, event.originator_version, event.police_reference)

    def _arrested(self, event: ArrestRecorded) -> None:
        self._incident(event.originator_id, event.originator_version, event.police_reference)

    def _police_contact(self, event: PoliceContactRecorded) -> None:
        if event.role == SUSPECT_ROLE:
            self._incident(event.originator_id, event.originator_version, event.police_reference)

    def _incident(self, trajectory_id: UUID, version: int, police_reference: str | None) -> None:
        # A shredded (unreadable) reference is no incident.
        if police_reference:
            digest = incident_digest(police_reference, self._key)
            self.incidents.put(IncidentRecord(trajectory_id, version, digest))

    def _corrected(self, event: CorrectionRecorded) -> None:
        # Only the referral's facts are corrected by field (its incident is at that version).
        reference = _corrected_reference(event)
        if reference is None:
            return
        trajectory_id, version = event.originator_id, event.corrects_version
        self.incidents.remove(trajectory_id, version)
        self._incident(trajectory_id, version, reference)

    def _subject_erased(self, event: SubjectErased) -> None:
        trajectory_id = event.originator_id
        pending = [row.version for row in self.incidents.where("trajectory_id", trajectory_id)]
        for version in pending:
            self.incidents.remove(trajectory_id, version)
        self._erased.add(trajectory_id)


def _corrected_reference(event: CorrectionRecorded) -> str | None:
    """Return the police reference a correction sets (``None``: it corrects no reference)."""
    return next(
        (item.value for item in event.corrected_fields if item.field == POLICE_REFERENCE), None
    )


# --- queries ---


class GraphNode(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A network (id: its UUID, label: its working name) or a youth (id and label: reference)."""

    kind: Literal["network", "youth"]
    id: str
    label: str
    step: NetworkStep | None = None
    """The network's current step (``None`` for a youth)."""


class GraphEdge(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A membership (youth → network) or a co-suspect link (between two youths)."""

    kind: Literal["member", "co_suspect"]
    source: str
    target: str
    shared_incidents: int | None = None
    """For a co-suspect link: in how many incidents both were suspects."""


class Graph(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Nodes (networks first, then youths) and edges (memberships first, then co-suspects)."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]


_YOUTH_MEMBERS = """
SELECT DISTINCT m.network_id, coalesce(s.subject_id, m.member_id) AS youth_id
FROM {members} AS m
LEFT JOIN {subjects} AS s ON s.trajectory_id = m.trajectory_id
WHERE {where}
"""

_CO_SUSPECTS = """
WITH youths AS (
    SELECT DISTINCT coalesce(s.subject_id, m.member_id) AS youth_id
    FROM {members} AS m
    LEFT JOIN {subjects} AS s ON s.trajectory_id = m.trajectory_id
    WHERE {where}
),
youth_incidents AS (
    SELECT DISTINCT y.youth_id, i.incident
    FROM youths AS y
    JOIN {subjects} AS s ON s.subject_id = y.youth_id
    JOIN {incidents} AS i ON i.trajectory_id = s.trajectory_id
)
SELECT a.youth_id, b.youth_id, count(*)
FROM youth_incidents AS a
JOIN youth_incidents AS b ON b.incident = a.incident AND b.youth_id > a.youth_id
GROUP BY a.youth_id, b.youth_id
"""


def graph(
    connection: psycopg.Connection[Any],
    app_schema: str,
    *,
    network_id: UUID | None = None,
    include_closed: bool = False,
) -> Graph:
    """Return the graph of every open network, or of one network.

    Without ``network_id``: every network that is not closed (closed ones too with
    ``include_closed``; a closed network has no members), every youth on some name list, their
    memberships, and the co-suspect links between those youths.

    With ``network_id``: that network (closed or not), the youths on its name list, their
    memberships of it, and the co-suspect links *among them only*. Youths outside the network are
    not included, not even as neighbours, and neither are the members' other networks: a
    network's view shows nothing of other networks' name lists. An unknown network gives an empty
    graph.
    """
    schema = schema_name(app_schema, NetworkGraph.name)

    def table(definition: Table) -> sql.Identifier:
        return sql.Identifier(schema, definition.name)

    params: dict[str, Any] = {"network_id": network_id, "closed": N.CLOSED.value}
    if network_id is not None:
        network_filter = sql.SQL("n.network_id = %(network_id)s")
        member_filter = sql.SQL("m.network_id = %(network_id)s")
    elif include_closed:
        network_filter = member_filter = sql.SQL("TRUE")
    else:
        network_filter = sql.SQL("n.step <> %(closed)s")
        member_filter = sql.SQL("TRUE")  # a closed network has no members

    networks = connection.execute(
        sql.SQL(
            "SELECT n.network_id, n.working_name, n.step FROM {networks} AS n WHERE {where}"
            " ORDER BY n.working_name, n.network_id"
        ).format(networks=table(NETWORKS), where=network_filter),
        params,
    ).fetchall()
    parts = {
        "members": table(MEMBERS),
        "subjects": table(SUBJECTS),
        "incidents": table(INCIDENTS),
        "where": member_filter,
    }
    memberships = connection.execute(sql.SQL(_YOUTH_MEMBERS).format(**parts), params).fetchall()
    co_suspects = connection.execute(sql.SQL(_CO_SUSPECTS).format(**parts), params).fetchall()

    references: dict[UUID, str] = {}

    def reference(youth_id: UUID) -> str:
        known = references.get(youth_id)
        if known is None:
            known = references[youth_id] = youth_reference(youth_id)
        return known

    nodes = [
        GraphNode(kind="network", id=str(nid), label=working_name, step=NetworkStep(step))
        for nid, working_name, step in networks
    ]
    order = {str(nid): index for index, (nid, _, _) in enumerate(networks)}
    member_edges = sorted(
        (
            GraphEdge(kind="member", source=reference(youth_id), target=str(nid))
            for nid, youth_id in memberships
        ),
        key=lambda edge: (order.get(edge.target, len(order)), edge.target, edge.source),
    )
    nodes.extend(
        GraphNode(kind="youth", id=ref, label=ref) for ref in sorted(set(references.values()))
    )
    co_suspect_edges = sorted(
        (
            GraphEdge(
                kind="co_suspect",
                source=min(reference(first), reference(second)),
                target=max(reference(first), reference(second)),
                shared_incidents=int(shared),
            )
            for first, second, shared in co_suspects
        ),
        key=lambda edge: (edge.source, edge.target),
    )
    return Graph(nodes=nodes, edges=member_edges + co_suspect_edges)
