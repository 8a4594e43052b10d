"""The pga application: one method per command, plus history and time travel.

Every command loads an aggregate, checks that the caller saw its current version (optimistic
concurrency: a stale version raises ``VersionConflict`` and stores nothing), lets the aggregate
decide, stamps each new event with who recorded it and why (``pga.recording``), and saves. All
events of both aggregates go to one PostgreSQL event store (one notification sequence, one seal
chain), written through the eventsourcing library's PostgreSQL persistence.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import EventStore, IntegrityError, JSONTranscoder, Mapper
from eventsourcing.utils import get_topic

from pga.domain import clock
from pga.domain.catalogue import DEFAULT_CATALOGUE, Catalogue, PartnerRole
from pga.domain.common import today
from pga.domain.errors import (
    NameListAlreadyErased,
    NetworkAlreadyErased,
    SubjectAlreadyErased,
    UnderLegalHold,
)
from pga.domain.network import (
    Action,
    ActionLevel,
    Member,
    MemberErased,
    MemberPlaced,
    NameListErased,
    NetworkErased,
    NetworkOpened,
    NetworkStep,
    YouthNetwork,
)
from pga.domain.trajectory import (
    CorrectedField,
    PlanGoal,
    Referred,
    Regisseur,
    Requester,
    RightsRequestKind,
    RightsRequestOutcome,
    SubjectErased,
    Trajectory,
)
from pga.recording import CommandContext, EventMetadata, metadata_of, stamp
from pga.store.database import ensure_schema, eventsourcing_env, resolve_database_url
from pga.store.keys import master_key
from pga.store.mapper import PersonalDataProtector, PgaMapper, SnapshotErased
from pga.store.recorder import SealingRecorder
from pga.store.subject_keys import SubjectKeyProtector, SubjectKeyStore, keys_database_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from eventsourcing.domain import DomainEventProtocol

    from pga.domain.common import PgaEvent
    from pga.settings import Settings

A = TypeVar("A", Trajectory, YouthNetwork)
AnyAggregate = Trajectory | YouthNetwork


class ApplicationError(Exception):
    """Base class of errors raised by the application (not by a domain rule)."""


class AggregateNotFound(ApplicationError):
    """No trajectory or network with that id exists."""

    def __init__(self, kind: str, aggregate_id: UUID) -> None:
        super().__init__(f"{kind} {aggregate_id} does not exist")
        self.kind = kind
        self.aggregate_id = aggregate_id


class VersionConflict(ApplicationError):
    """The caller's version is not the current one: someone else changed the aggregate first."""

    def __init__(self, aggregate_id: UUID, expected: int, actual: int | None) -> None:
        super().__init__(
            f"version conflict on {aggregate_id}: expected version {expected}, current is {actual}"
        )
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.actual = actual


class LinkedAggregateChanged(ApplicationError):
    """Another aggregate the command also changes (a linked trajectory) changed meanwhile.

    The caller's own version was current, so repeating the command is safe.
    """

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(f"linked aggregate {aggregate_id} changed concurrently")
        self.aggregate_id = aggregate_id


@dataclass(frozen=True)
class Recorded:
    """The outcome of a command: the aggregate's new version and the events' log position.

    ``position`` is the notification id of the last stored event (read models wait for it);
    ``entity_id`` is the id of what the command created inside the aggregate, if anything;
    ``linked_versions`` are the new versions of other aggregates the same command changed (a
    trajectory linked to or unlinked from a network), so callers can go on without reloading.
    """

    aggregate_id: UUID
    version: int
    position: int
    entity_id: UUID | None = None
    linked_versions: Mapping[UUID, int] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryEntry:
    """One stored event of an aggregate, with its metadata, as auditors see it."""

    version: int
    kind: str
    recorded_at: datetime
    metadata: EventMetadata | None
    event: PgaEvent


_KIND = {Trajectory: "trajectory", YouthNetwork: "youth network"}


class PgaApplication(Application[UUID]):
    """The event-sourced application behind every pga command and query of history."""

    name = "pga"

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        catalogue: Catalogue = DEFAULT_CATALOGUE,
        snapshot_interval: int = 50,
        clock_source: clock.Clock = clock.system_clock,
        new_id: Callable[[], UUID] = uuid4,
        keys: SubjectKeyStore | None = None,
        protector: PersonalDataProtector | None = None,
    ) -> None:
        """Build the application on the eventsourcing environment ``env`` (see store.database).

        ``keys`` is the per-subject key store: every personal value is stored encrypted under
        its subject's data key, and ``erase_subject`` destroys those keys. Without it (and
        without an explicit ``protector``) recording personal data fails: it is never stored
        in the clear by accident (``open_application`` always configures the key store).
        """
        self.catalogue = catalogue
        # The interval is configuration, so it is set per instance (the library reads it there).
        self.snapshotting_intervals = {  # type: ignore[misc]
            Trajectory: snapshot_interval,
            YouthNetwork: snapshot_interval,
        }
        self.clock = clock_source
        self.new_id = new_id
        self.keys = keys
        self._protector = protector or (None if keys is None else SubjectKeyProtector(keys))
        super().__init__(
            {
                "IS_SNAPSHOTTING_ENABLED": "y",
                **env,
                "APPLICATION_RECORDER_TOPIC": get_topic(SealingRecorder),
            }
        )

    def construct_mapper(self) -> Mapper[UUID]:
        """Use the pga mapper (msgspec JSON, metadata, personal-field protection)."""
        return PgaMapper(JSONTranscoder(), protector=self._protector)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """Use snapshots only while they can be read: an erased one means replaying the events."""
        return _ErasureTolerantSnapshots(
            mapper=self.mapper, recorder=self.factory.aggregate_recorder(purpose="snapshots")
        )

    def close(self) -> None:
        """Close the event store's and the key store's connections."""
        super().close()
        if self.keys is not None:
            self.keys.close()

    # --- loading ---

    def trajectory(self, trajectory_id: UUID, version: int | None = None) -> Trajectory:
        """Return a trajectory (at ``version``, or its current state)."""
        return self._load(Trajectory, trajectory_id, version)

    def network(self, network_id: UUID, version: int | None = None) -> YouthNetwork:
        """Return a youth network (at ``version``, or its current state)."""
        return self._load(YouthNetwork, network_id, version)

    def _load(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        try:
            aggregate: object = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise AggregateNotFound(_KIND[cls], aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise AggregateNotFound(_KIND[cls], aggregate_id)
        return aggregate

    def _load_seen(self, cls: type[A], aggregate_id: UUID, expected_version: int) -> A:
        """Load the current state; refuse when it is not the version the caller last saw."""
        aggregate = self._load(cls, aggregate_id)
        if aggregate.version != expected_version:
            raise VersionConflict(aggregate_id, expected_version, aggregate.version)
        return aggregate

    def trajectory_ids(self) -> list[UUID]:
        """Return the ids of every trajectory, in the order they were opened."""
        return list(self._created_ids(Referred))

    def network_ids(self) -> list[UUID]:
        """Return the ids of every youth network, in the order they were opened."""
        return list(self._created_ids(NetworkOpened))

    def _created_ids(self, created: type[PgaEvent]) -> Iterator[UUID]:
        topic = get_topic(created)
        start = 0
        while page := self.recorder.select_notifications(
            start=start, limit=1000, topics=[topic], inclusive_of_start=False
        ):
            for notification in page:
                originator_id = notification.originator_id
                yield originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
            start = page[-1].id

    # --- history and time travel ---

    def history(self, aggregate_id: UUID) -> list[HistoryEntry]:
        """Return every stored event of one aggregate, in order, with its metadata."""
        entries = [_entry(event) for event in self.events.get(aggregate_id)]
        if not entries:
            raise AggregateNotFound("aggregate", aggregate_id)
        return entries

    def state_at_version(self, aggregate_id: UUID, version: int) -> AnyAggregate:
        """Return an aggregate as it was right after ``version`` (uses snapshots)."""
        if version < 1:
            raise AggregateNotFound("version", aggregate_id)
        aggregate = self._any(aggregate_id, version)
        if aggregate.version != version:
            raise AggregateNotFound(f"version {version} of", aggregate_id)
        return aggregate

    def state_at_time(self, aggregate_id: UUID, moment: datetime) -> AnyAggregate | None:
        """Return an aggregate as it was known at ``moment`` (``None``: it did not exist yet)."""
        if moment.tzinfo is None:
            msg = "moment must be timezone-aware"
            raise ValueError(msg)
        # One pass: replay the events recorded up to ``moment`` (they are read anyway to find
        # where to stop, so loading that version again afterwards would read them twice).
        aggregate: AnyAggregate | None = None
        seen_any = False
        for stored in self.events.get(aggregate_id):
            seen_any = True
            event = cast("PgaEvent", stored)
            if event.timestamp > moment:
                break
            aggregate = cast("AnyAggregate", event.mutate(aggregate))
        if not seen_any:
            raise AggregateNotFound("aggregate", aggregate_id)
        return aggregate

    def _any(self, aggregate_id: UUID, version: int | None) -> AnyAggregate:
        try:
            aggregate: object = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise AggregateNotFound("aggregate", aggregate_id) from None
        return cast("AnyAggregate", aggregate)

    # --- the write path ---

    def _create(self, context: CommandContext, build: Callable[[], A]) -> Recorded:
        with clock.recording_clock(self.clock):
            aggregate = build()
        return self._save(context, aggregate)

    def _change(
        self,
        context: CommandContext,
        cls: type[A],
        aggregate_id: UUID,
        expected_version: int,
        command: Callable[[A], None],
        entity_id: UUID | None = None,
    ) -> Recorded:
        aggregate = self._load_seen(cls, aggregate_id, expected_version)
        with clock.recording_clock(self.clock):
            command(aggregate)
        return self._save(context, aggregate, entity_id=entity_id)

    def _save(
        self, context: CommandContext, *aggregates: AnyAggregate, entity_id: UUID | None = None
    ) -> Recorded:
        metadata = EventMetadata.of(context)
        for aggregate in aggregates:
            for event in aggregate.pending_events:
                stamp(event, metadata)
        first = aggregates[0]
        seen = {each.id: each.version - len(each.pending_events) for each in aggregates}
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise self._conflict(first.id, seen) from None
        return Recorded(
            first.id,
            first.version,
            recordings[-1].notification.id,
            entity_id,
            {other.id: other.version for other in aggregates[1:]},
        )

    def _conflict(self, first_id: UUID, seen: Mapping[UUID, int]) -> ApplicationError:
        """Say which aggregate another writer changed first (the caller's, or a linked one)."""
        current = {each: self._current_version(each) for each in seen}
        if current[first_id] != seen[first_id]:
            return VersionConflict(first_id, seen[first_id], current[first_id])
        linked = next((each for each in seen if current[each] != seen[each]), first_id)
        if linked == first_id:  # the other writer's change is gone again: report it as stale
            return VersionConflict(first_id, seen[first_id], current[first_id])
        return LinkedAggregateChanged(linked)

    def _current_version(self, aggregate_id: UUID) -> int | None:
        last = next(iter(self.events.get(aggregate_id, desc=True, limit=1)), None)
        return None if last is None else last.originator_version

    # --- trajectory commands ---

    def refer(
        self,
        context: CommandContext,
        *,
        given_name: str,
        family_name: str,
        born_on: date,
        offence_category: str,
        suspected_on: date,
        referred_on: date,
        police_reference: str,
        referring_organisation: str,
        regisseur: Regisseur,
        subject_id: UUID | None = None,
    ) -> Recorded:
        """Open a trajectory for a referred minor (status ``aangemeld``)."""
        trajectory_id = self.new_id()
        return self._create(
            context,
            lambda: Trajectory.refer(
                self.catalogue,
                trajectory_id=trajectory_id,
                subject_id=subject_id or self.new_id(),
                given_name=given_name,
                family_name=family_name,
                born_on=born_on,
                offence_category=offence_category,
                suspected_on=suspected_on,
                referred_on=referred_on,
                police_reference=police_reference,
                referring_organisation=referring_organisation,
                regisseur=regisseur,
            ),
        )

    def record_bsn(
        self, context: CommandContext, trajectory_id: UUID, expected_version: int, *, bsn: str
    ) -> Recorded:
        """Record (or correct) the youth's BSN; the store keeps it encrypted."""
        return self._change(
            context, Trajectory, trajectory_id, expected_version, lambda t: t.record_bsn(bsn)
        )

    def record_information_letter(
        self, context: CommandContext, trajectory_id: UUID, expected_version: int, *, sent_on: date
    ) -> Recorded:
        """Record when the information letter about the referral was sent (informatieplicht)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.record_information_letter(sent_on=sent_on),
        )

    def assign_regisseur(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        regisseur: Regisseur,
    ) -> Recorded:
        """Hand a trajectory to another regisseur."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.assign_regisseur(regisseur),
        )

    def involve_partner(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        organisation: str,
        role: PartnerRole,
        legal_basis: str,
        since: date,
    ) -> Recorded:
        """Involve a partner organisation in a trajectory."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.involve_partner(
                self.catalogue,
                organisation=organisation,
                role=role,
                legal_basis=legal_basis,
                since=since,
            ),
        )

    def withdraw_partner(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        organisation: str,
        withdrawn_on: date,
        why: str,
    ) -> Recorded:
        """End a partner's involvement in a trajectory."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.withdraw_partner(
                organisation=organisation, withdrawn_on=withdrawn_on, why=why
            ),
        )

    def record_police_home_visit(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        visited_on: date,
        youth_informed: bool,
        parents_informed: bool,
    ) -> Recorded:
        """Record the police's home visit after the referral."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.record_police_home_visit(
                visited_on=visited_on,
                youth_informed=youth_informed,
                parents_informed=parents_informed,
            ),
        )

    def hold_intake(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        held_on: date,
        attendees: tuple[str, ...],
        trusted_person: str | None,
    ) -> Recorded:
        """Record the intake (``aangemeld`` → ``intake``)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.hold_intake(
                held_on=held_on, attendees=attendees, trusted_person=trusted_person
            ),
        )

    def decline_inclusion(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        declined_on: date,
        why: str,
    ) -> Recorded:
        """Decide not to include the youth (``niet_opgenomen``)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.decline_inclusion(declined_on=declined_on, why=why),
        )

    def hold_case_conference(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        held_on: date,
        participants: tuple[str, ...],
        decisions: str,
        next_on: date | None,
    ) -> Recorded:
        """Record a case conference."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.hold_case_conference(
                held_on=held_on, participants=participants, decisions=decisions, next_on=next_on
            ),
        )

    def score_life_domain(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        life_domain: str,
        score: int,
        instrument: str,
        scored_on: date,
    ) -> Recorded:
        """Record a life-domain score."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.score_life_domain(
                self.catalogue,
                life_domain=life_domain,
                score=score,
                instrument=instrument,
                scored_on=scored_on,
            ),
        )

    def adopt_plan(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        adopted_on: date,
        goals: tuple[PlanGoal, ...],
        agreements: str | None,
    ) -> Recorded:
        """Adopt the first plan of approach (``intake`` → ``actief``)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.adopt_plan(
                self.catalogue, adopted_on=adopted_on, goals=goals, agreements=agreements
            ),
        )

    def start_revision(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        started_on: date,
        why: str,
    ) -> Recorded:
        """Open the plan for revision (``actief`` → ``bijstelling``)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.start_revision(started_on=started_on, why=why),
        )

    def revise_plan(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        adopted_on: date,
        goals: tuple[PlanGoal, ...],
        agreements: str | None,
    ) -> Recorded:
        """Adopt a revised plan (back to ``actief``)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.revise_plan(
                self.catalogue, adopted_on=adopted_on, goals=goals, agreements=agreements
            ),
        )

    def record_arrest(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        arrested_on: date,
        offence_category: str,
        police_reference: str,
    ) -> Recorded:
        """Record an arrest."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.record_arrest(
                self.catalogue,
                arrested_on=arrested_on,
                offence_category=offence_category,
                police_reference=police_reference,
            ),
        )

    def record_police_contact(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        occurred_on: date,
        offence_category: str,
        role: str,
        police_reference: str,
    ) -> Recorded:
        """Record a new police contact (suspect, victim or witness)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.record_police_contact(
                self.catalogue,
                occurred_on=occurred_on,
                offence_category=offence_category,
                role=role,
                police_reference=police_reference,
            ),
        )

    def plan_intervention(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        kind: str,
        responsible_organisation: str,
        legal_basis: str,
        planned_start: date,
        planned_end: date,
    ) -> Recorded:
        """Plan an intervention; ``Recorded.entity_id`` is the new intervention's id."""
        intervention_id = self.new_id()
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.plan_intervention(
                self.catalogue,
                intervention_id=intervention_id,
                kind=kind,
                responsible_organisation=responsible_organisation,
                legal_basis=legal_basis,
                planned_start=planned_start,
                planned_end=planned_end,
            ),
            intervention_id,
        )

    def start_intervention(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        intervention_id: UUID,
        started_on: date,
    ) -> Recorded:
        """Start a planned intervention."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.start_intervention(intervention_id=intervention_id, started_on=started_on),
        )

    def complete_intervention(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        intervention_id: UUID,
        completed_on: date,
        outcome: str,
    ) -> Recorded:
        """Complete a started intervention."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.complete_intervention(
                intervention_id=intervention_id, completed_on=completed_on, outcome=outcome
            ),
        )

    def abort_intervention(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        intervention_id: UUID,
        aborted_on: date,
        why: str,
    ) -> Recorded:
        """Abort a started (or cancel a planned) intervention."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.abort_intervention(
                intervention_id=intervention_id, aborted_on=aborted_on, why=why
            ),
        )

    def record_school_signal(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        kind: str,
        observed_on: date,
        absence_hours: int | None,
        source_role: PartnerRole,
        source_organisation: str,
    ) -> Recorded:
        """Record a school or leerplicht signal."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.record_school_signal(
                self.catalogue,
                kind=kind,
                observed_on=observed_on,
                absence_hours=absence_hours,
                source_role=source_role,
                source_organisation=source_organisation,
            ),
        )

    def record_jit_step(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        kind: str,
        occurred_on: date,
        incident_on: date | None,
        parents_present: bool,
    ) -> Recorded:
        """Record a JIT step."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.record_jit_step(
                self.catalogue,
                kind=kind,
                occurred_on=occurred_on,
                incident_on=incident_on,
                parents_present=parents_present,
            ),
        )

    def make_care_report(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        made_on: date,
        summary: str,
    ) -> Recorded:
        """Record a care report to Veilig Thuis."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.make_care_report(made_on=made_on, summary=summary),
        )

    def issue_mayor_order(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        kind: str,
        starts_on: date,
        ends_on: date,
        area: str | None,
    ) -> Recorded:
        """Record an art. 172a order; ``Recorded.entity_id`` is the order's id."""
        order_id = self.new_id()
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.issue_mayor_order(
                self.catalogue,
                order_id=order_id,
                kind=kind,
                starts_on=starts_on,
                ends_on=ends_on,
                area=area,
            ),
            order_id,
        )

    def extend_mayor_order(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        order_id: UUID,
        ends_on: date,
    ) -> Recorded:
        """Extend an art. 172a order."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.extend_mayor_order(order_id=order_id, ends_on=ends_on),
        )

    def escalate(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        escalated_on: date,
        target: str,
        why: str,
    ) -> Recorded:
        """Hand the case to the ZVH or TopX."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.escalate(self.catalogue, escalated_on=escalated_on, target=target, why=why),
        )

    def de_escalate(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        de_escalated_on: date,
        why: str,
    ) -> Recorded:
        """Scale down to monitoring."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.de_escalate(de_escalated_on=de_escalated_on, why=why),
        )

    def close_trajectory(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        closed_on: date,
        reason_code: str,
        handover_to: str | None,
    ) -> Recorded:
        """Close a trajectory."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.close(
                self.catalogue,
                closed_on=closed_on,
                reason_code=reason_code,
                handover_to=handover_to,
            ),
        )

    def hand_over(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        handed_over_on: date,
        handover_to: str,
    ) -> Recorded:
        """Close at 18 with a warm handover to the adult approach."""
        return self.close_trajectory(
            context,
            trajectory_id,
            expected_version,
            closed_on=handed_over_on,
            reason_code="overdracht_18_plus",
            handover_to=handover_to,
        )

    def record_correction(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        corrects_version: int,
        why: str,
        what_was_wrong: str | None = None,
        correction: str | None = None,
        corrected_fields: tuple[CorrectedField, ...] = (),
    ) -> Recorded:
        """Record a rectification, by field or as free text (allowed on closed trajectories)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.record_correction(
                corrects_version=corrects_version,
                what_was_wrong=what_was_wrong,
                correction=correction,
                corrected_fields=corrected_fields,
                why=why,
            ),
        )

    def receive_rights_request(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        kind: RightsRequestKind,
        requester: Requester,
        received_on: date,
    ) -> Recorded:
        """Record a rights request and its deadline; ``Recorded.entity_id`` is the request's id."""
        request_id = self.new_id()
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.receive_rights_request(
                request_id=request_id, kind=kind, requester=requester, received_on=received_on
            ),
            request_id,
        )

    def extend_rights_request(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        request_id: UUID,
        extended_on: date,
        why: str,
    ) -> Recorded:
        """Extend a rights request's term once, by two months."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.extend_rights_request(
                request_id=request_id, extended_on=extended_on, why=why
            ),
        )

    def complete_rights_request(
        self,
        context: CommandContext,
        trajectory_id: UUID,
        expected_version: int,
        *,
        request_id: UUID,
        completed_on: date,
        outcome: RightsRequestOutcome,
        note: str | None = None,
    ) -> Recorded:
        """Record the answer to a rights request (also after the youth's data was erased)."""
        return self._change(
            context,
            Trajectory,
            trajectory_id,
            expected_version,
            lambda t: t.complete_rights_request(
                request_id=request_id, completed_on=completed_on, outcome=outcome, note=note
            ),
        )

    # --- youth network commands ---

    def open_network(
        self,
        context: CommandContext,
        *,
        working_name: str,
        area: str,
        procesregisseur: str,
        procesregisseur_organisation: str,
        opened_on: date,
        historical_label: str | None = None,
    ) -> Recorded:
        """Open a youth network's file at step 1."""
        network_id = self.new_id()
        return self._create(
            context,
            lambda: YouthNetwork.open(
                network_id=network_id,
                working_name=working_name,
                area=area,
                procesregisseur=procesregisseur,
                procesregisseur_organisation=procesregisseur_organisation,
                opened_on=opened_on,
                historical_label=historical_label,
            ),
        )

    def assign_procesregisseur(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        procesregisseur: str,
        organisation: str,
    ) -> Recorded:
        """Hand a network to another procesregisseur."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.assign_procesregisseur(
                procesregisseur=procesregisseur, organisation=organisation
            ),
        )

    def join_network_partner(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        organisation: str,
        role: PartnerRole,
        legal_basis: str,
        since: date,
    ) -> Recorded:
        """Let a convenant partner join a network's approach."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.join_partner(
                self.catalogue,
                organisation=organisation,
                role=role,
                legal_basis=legal_basis,
                since=since,
            ),
        )

    def remove_network_partner(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        organisation: str,
        left_on: date,
    ) -> Recorded:
        """Let a partner leave a network's approach."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.remove_partner(organisation=organisation, left_on=left_on),
        )

    def share_signal(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        source_organisation: str,
        observed_on: date,
        location: str,
        description: str,
        online: bool,
    ) -> Recorded:
        """Record a signal about group behaviour."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.share_signal(
                source_organisation=source_organisation,
                observed_on=observed_on,
                location=location,
                description=description,
                online=online,
            ),
        )

    def assess_behaviour(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        problematic: bool,
        findings: str,
        assessed_on: date,
    ) -> Recorded:
        """Step 2A: record whether the group behaviour is problematic."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.assess_behaviour(
                problematic=problematic, findings=findings, assessed_on=assessed_on
            ),
        )

    def place_member(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        given_name: str,
        family_name: str,
        born_on: date | None,
        role_in_group: str | None,
        placed_on: date,
        trajectory_id: UUID | None = None,
    ) -> Recorded:
        """Put a youth on a network's name list (from step 2B).

        With ``trajectory_id`` the member is the youth of that trajectory: the member shares the
        trajectory's subject id and the trajectory records the link, in the same transaction.
        """
        network = self._load_seen(YouthNetwork, network_id, expected_version)
        trajectory = None if trajectory_id is None else self._load(Trajectory, trajectory_id)
        member = Member(
            member_id=trajectory.subject_id if trajectory is not None else self.new_id(),
            given_name=given_name,
            family_name=family_name,
            born_on=born_on,
            role_in_group=role_in_group,
            trajectory_id=trajectory_id,
            placed_on=placed_on,
        )
        with clock.recording_clock(self.clock):
            network.place_member(member)
            if trajectory is not None:
                trajectory.link_network(network_id=network_id, linked_on=placed_on)
        if trajectory is None:
            return self._save(context, network, entity_id=member.member_id)
        return self._save(context, network, trajectory, entity_id=member.member_id)

    def inform_member(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        member_id: UUID,
        sent_on: date,
    ) -> Recorded:
        """Record when the information letter about a member's placement was sent."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.inform_member(member_id=member_id, sent_on=sent_on),
        )

    def remove_member(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        member_id: UUID,
        removed_on: date,
        why: str,
    ) -> Recorded:
        """Take a youth off the name list (and unlink its trajectory, if linked)."""
        return self._change_network(
            context,
            network_id,
            expected_version,
            lambda n: n.remove_member(member_id=member_id, removed_on=removed_on, why=why),
            ending=(removed_on, why),
        )

    def receive_police_advice(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        received_on: date,
        group_scan_done: bool,
        advice: str,
    ) -> Recorded:
        """Step 2B: the police's name list, letter and advice."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.receive_police_advice(
                received_on=received_on, group_scan_done=group_scan_done, advice=advice
            ),
        )

    def record_interpretation(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        recorded_on: date,
        group_dynamics: str,
        roles: str,
        problem_type: str,
        context_description: str,
        chances: str,
    ) -> Recorded:
        """Step 3: record the groepsduiding."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.record_interpretation(
                recorded_on=recorded_on,
                group_dynamics=group_dynamics,
                roles=roles,
                problem_type=problem_type,
                context=context_description,
                chances=chances,
            ),
        )

    def draft_concept_plan(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        drafted_on: date,
        authors: tuple[str, ...],
        summary: str,
    ) -> Recorded:
        """Step 3: record the concept plan of approach."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.draft_concept_plan(drafted_on=drafted_on, authors=authors, summary=summary),
        )

    def issue_advice(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        issued_on: date,
        problem_definition: str,
        advice: str,
    ) -> Recorded:
        """Step 4: the advice for the local triangle."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.issue_advice(
                issued_on=issued_on, problem_definition=problem_definition, advice=advice
            ),
        )

    def decide_prioritisation(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        decided_on: date,
        prioritised: bool,
        instructions: str | None,
    ) -> Recorded:
        """Step 4: the triangle's prioritisation decision."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.decide_prioritisation(
                decided_on=decided_on, prioritised=prioritised, instructions=instructions
            ),
        )

    def plan_action(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        organisation: str,
        level: ActionLevel,
        description: str,
        due_on: date,
        member_id: UUID | None = None,
    ) -> Recorded:
        """Plan an action (steps 5-6); ``Recorded.entity_id`` is the action's id."""
        action = Action(self.new_id(), organisation, level, description, due_on, member_id)
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.plan_action(action),
            action.action_id,
        )

    def complete_action(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        action_id: UUID,
        completed_on: date,
        outcome: str,
    ) -> Recorded:
        """Record that an action was carried out (steps 6-7)."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.complete_action(
                action_id=action_id, completed_on=completed_on, outcome=outcome
            ),
        )

    def adopt_integral_plan(
        self, context: CommandContext, network_id: UUID, expected_version: int, *, adopted_on: date
    ) -> Recorded:
        """Step 5: adopt the integral plan."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.adopt_integral_plan(adopted_on=adopted_on),
        )

    def record_monitoring(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        monitored_on: date,
        indicators: str,
    ) -> Recorded:
        """Step 6: a monitoring moment."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.record_monitoring(monitored_on=monitored_on, indicators=indicators),
        )

    def complete_evaluation(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        evaluated_on: date,
        findings: str,
        remaining_actions: str,
    ) -> Recorded:
        """Step 7: the evaluation."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.complete_evaluation(
                evaluated_on=evaluated_on, findings=findings, remaining_actions=remaining_actions
            ),
        )

    def advance_network(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        to_step: NetworkStep,
        on: date,
    ) -> Recorded:
        """Move a network to its next step."""
        return self._change(
            context,
            YouthNetwork,
            network_id,
            expected_version,
            lambda n: n.advance(to_step=to_step, on=on),
        )

    def step_back_network(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        to_step: NetworkStep,
        on: date,
        why: str,
    ) -> Recorded:
        """Send a network back to an earlier step, with a reason (before 2B: drops the names)."""
        return self._change_network(
            context,
            network_id,
            expected_version,
            lambda n: n.step_back(to_step=to_step, on=on, why=why),
            ending=(on, why),
        )

    def close_network(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        *,
        on: date,
        why: str,
    ) -> Recorded:
        """Close a network's file (its name list ends, linked trajectories are unlinked)."""
        return self._change_network(
            context,
            network_id,
            expected_version,
            lambda n: n.close(on=on, why=why),
            ending=(on, why),
        )

    def _change_network(
        self,
        context: CommandContext,
        network_id: UUID,
        expected_version: int,
        command: Callable[[YouthNetwork], None],
        *,
        ending: tuple[date, str],
    ) -> Recorded:
        """Run a network command that may drop members; unlink their trajectories with it."""
        network = self._load_seen(YouthNetwork, network_id, expected_version)
        before = dict(network.members)
        with clock.recording_clock(self.clock):
            command(network)
            unlinked = []
            for member_id, member in before.items():
                if member_id in network.members or member.trajectory_id is None:
                    continue
                trajectory = self._load(Trajectory, member.trajectory_id)
                if network_id in trajectory.networks and not trajectory.is_closed:
                    on, why = ending
                    trajectory.unlink_network(network_id=network_id, unlinked_on=on, why=why)
                    unlinked.append(trajectory)
        return self._save(context, network, *unlinked)

    # --- erasure (crypto-shredding; AVG art. 17 and retention) ---

    def erase_subject(
        self,
        context: CommandContext,
        subject_or_trajectory_id: UUID,
        *,
        reason: str,
        basis: str,
        expected_version: int | None = None,
    ) -> ErasureReport:
        """Erase a youth's personal data: tombstones, then the youth's data keys are destroyed.

        The id is the youth's subject id or any of its trajectory ids (``expected_version``:
        that trajectory's version the caller saw). Every trajectory of the youth not yet erased
        gets ``SubjectErased`` and every network that ever placed the youth ``MemberErased``
        (a current member, a removed one or one on a closed file; not where the youth's entry
        already has a tombstone or the name list is erased), in one transaction; then the keys
        of those trajectories and of the youth as a member are deleted, the cached aggregates
        evicted and readable snapshots taken. The stored events stay (their seals verify);
        their personal values no longer decrypt.

        Refused as a whole (``UnderLegalHold``, nothing recorded or destroyed) while a legal
        hold is in place on any of those trajectories or networks. Re-runnable: when every
        record already has its tombstone but a key is still stored (an earlier deletion
        failed), the keys are destroyed; ``SubjectAlreadyErased`` only when none is left.
        """
        keys = self._key_store()
        subject_id, trajectory_ids = self._youth_of(subject_or_trajectory_id)
        trajectories = [self._load(Trajectory, each) for each in trajectory_ids]
        named = next((t for t in trajectories if t.id == subject_or_trajectory_id), None)
        if named is not None and expected_version not in {None, named.version}:
            raise VersionConflict(named.id, expected_version or 0, named.version)
        placed_in = self._networks_placing(subject_id)
        networks = [
            network
            for network in (self._load(YouthNetwork, each) for each in placed_in)
            if not network.name_list_erased
            and subject_id not in self._member_tombstones(network.id)
        ]
        pending = [trajectory for trajectory in trajectories if not trajectory.erased]
        if any(t.legal_holds for t in pending) or any(n.legal_holds for n in networks):
            raise UnderLegalHold
        if not pending and not networks:
            left = set[UUID]()
            for trajectory_id in trajectory_ids:
                left |= self._erased_keys(trajectory_id, frozenset({trajectory_id}))
            for network_id in placed_in:
                left |= self._erased_keys(network_id, frozenset({subject_id}), subject_id)
            if not keys.stored(left):
                raise SubjectAlreadyErased
            return self._repair(subject_id, left, trajectory_ids, placed_in, basis)
        with clock.recording_clock(self.clock):
            erased_on = today()
            for trajectory in pending:
                trajectory.erase_subject(erased_on=erased_on, basis=basis, why=reason)
            for network in networks:
                network.erase_member(
                    member_id=subject_id,
                    erased_on=erased_on,
                    basis=basis,
                    former=subject_id not in network.members,
                )
        recorded = self._save(context, *pending, *networks)
        key_ids = self._key_ids(trajectory_ids, frozenset(trajectory_ids))
        key_ids |= self._key_ids(placed_in, frozenset({subject_id}))
        destroyed = keys.destroy(key_ids)
        for aggregate in (*pending, *networks):
            self._refresh_after_erasure(aggregate.id)
        return ErasureReport(
            subject_id=subject_id,
            trajectories=tuple(trajectory.id for trajectory in pending),
            networks=tuple(network.id for network in networks),
            keys_destroyed=destroyed,
            erased_on=erased_on,
            basis=basis,
            position=recorded.position,
            versions={aggregate.id: aggregate.version for aggregate in (*pending, *networks)},
        )

    def erase_trajectory(
        self, context: CommandContext, trajectory_id: UUID, *, reason: str, basis: str
    ) -> ErasureReport:
        """Erase one trajectory's personal data (retention of a closed trajectory).

        Unlike ``erase_subject`` the youth's other trajectories and name-list entries stay: only
        this trajectory gets ``SubjectErased`` and only the data keys of its own records are
        destroyed. Refused while the trajectory is under a legal hold. An erased trajectory
        whose keys are still stored (an earlier deletion failed) has them destroyed.
        """
        keys = self._key_store()
        trajectory = self._load(Trajectory, trajectory_id)
        if trajectory.erased:
            left = keys.stored(self._erased_keys(trajectory_id, frozenset({trajectory_id})))
            if not left:
                raise SubjectAlreadyErased
            return self._repair(trajectory.subject_id, left, [trajectory_id], [], basis)
        with clock.recording_clock(self.clock):
            erased_on = today()
            trajectory.erase_subject(erased_on=erased_on, basis=basis, why=reason)
        recorded = self._save(context, trajectory)
        destroyed = keys.destroy(self._key_ids([trajectory_id], frozenset({trajectory_id})))
        self._refresh_after_erasure(trajectory_id)
        return ErasureReport(
            subject_id=trajectory.subject_id,
            trajectories=(trajectory_id,),
            networks=(),
            keys_destroyed=destroyed,
            erased_on=erased_on,
            basis=basis,
            position=recorded.position,
            versions={trajectory_id: trajectory.version},
        )

    def erase_name_list(
        self, context: CommandContext, network_id: UUID, *, basis: str
    ) -> ErasureReport:
        """Destroy a closed network's name list: its members' entries in this network only.

        ``NameListErased`` names every member ever placed on this network's list; the data keys
        of their entries here are destroyed. Their trajectories and their entries in other
        networks stay. Refused while the network is under a legal hold. An erased name list
        whose keys are still stored (an earlier deletion failed) has them destroyed.
        """
        keys = self._key_store()
        network = self._load(YouthNetwork, network_id)
        members = self._members_placed(network_id)
        if network.name_list_erased:
            left = keys.stored(self._erased_keys(network_id, frozenset(members)))
            if not left:
                raise NameListAlreadyErased
            return self._repair(network_id, left, [], [network_id], basis)
        with clock.recording_clock(self.clock):
            erased_on = today()
            network.erase_name_list(erased_on=erased_on, basis=basis, member_ids=tuple(members))
        recorded = self._save(context, network)
        destroyed = keys.destroy(self._key_ids([network_id], frozenset(members)))
        self._refresh_after_erasure(network_id)
        return ErasureReport(
            subject_id=network_id,
            trajectories=(),
            networks=(network_id,),
            keys_destroyed=destroyed,
            erased_on=erased_on,
            basis=basis,
            position=recorded.position,
            versions={network_id: network.version},
        )

    def erase_network(
        self, context: CommandContext, network_id: UUID, *, basis: str
    ) -> ErasureReport:
        """Erase a closed network's file: its group-level text and whatever name list is left.

        Records ``NetworkErased`` and destroys every data key the network's records use (the
        network's own and its members' entries here). Refused under a legal hold. An erased
        file whose keys are still stored (an earlier deletion failed) has them destroyed.
        """
        keys = self._key_store()
        network = self._load(YouthNetwork, network_id)
        subjects = frozenset({network_id, *self._members_placed(network_id)})
        if network.erased:
            left = keys.stored(self._erased_keys(network_id, subjects))
            if not left:
                raise NetworkAlreadyErased
            return self._repair(network_id, left, [], [network_id], basis)
        with clock.recording_clock(self.clock):
            erased_on = today()
            network.erase_file(erased_on=erased_on, basis=basis)
        recorded = self._save(context, network)
        destroyed = keys.destroy(self._key_ids([network_id], subjects))
        self._refresh_after_erasure(network_id)
        return ErasureReport(
            subject_id=network_id,
            trajectories=(),
            networks=(network_id,),
            keys_destroyed=destroyed,
            erased_on=erased_on,
            basis=basis,
            position=recorded.position,
            versions={network_id: network.version},
        )

    def _repair(
        self,
        subject_id: UUID,
        key_ids: set[UUID],
        trajectory_ids: Iterable[UUID],
        network_ids: Iterable[UUID],
        basis: str,
    ) -> ErasureReport:
        """Destroy the keys an earlier erasure left (its tombstones are there; no new ones)."""
        destroyed = self._key_store().destroy(key_ids)
        for aggregate_id in (*trajectory_ids, *network_ids):
            self._refresh_after_erasure(aggregate_id)
        with clock.recording_clock(self.clock):
            erased_on = today()
        return ErasureReport(
            subject_id=subject_id,
            trajectories=(),
            networks=(),
            keys_destroyed=destroyed,
            erased_on=erased_on,
            basis=basis,
            position=self.recorder.max_notification_id() or 0,
            versions={},
        )

    def keys_left(
        self, aggregate_id: UUID, subjects: frozenset[UUID], member_id: UUID | None = None
    ) -> set[UUID]:
        """Return the data keys an erasure of ``subjects`` in an aggregate left stored.

        Only the records up to the aggregate's tombstone count (``SubjectErased``,
        ``NameListErased``, ``NetworkErased``, or with ``member_id`` also that member's
        ``MemberErased``): what is recorded after it (the readable snapshot taken right after an
        erasure, later events) is under new keys and is no erased data.
        """
        return self._key_store().stored(self._erased_keys(aggregate_id, subjects, member_id))

    def _erased_keys(
        self, aggregate_id: UUID, subjects: frozenset[UUID], member_id: UUID | None = None
    ) -> set[UUID]:
        """Return the data keys of ``subjects`` in the records up to the aggregate's tombstone."""
        mapper = cast("PgaMapper", self.mapper)
        tombstones = {get_topic(kind) for kind in (SubjectErased, NameListErased, NetworkErased)}
        member_erased = get_topic(MemberErased)
        events = self.recorder.select_events(aggregate_id)
        erased_at = max(
            (
                stored.originator_version
                for stored in events
                if stored.topic in tombstones
                or (
                    member_id is not None
                    and stored.topic == member_erased
                    and UUID(str(mapper.data_of(stored)["member_id"])) == member_id
                )
            ),
            default=None,
        )
        if erased_at is None:
            return set()
        found: set[UUID] = set()
        for stored in events:
            if stored.originator_version <= erased_at:
                found |= mapper.key_ids(stored, subjects)
        if self.snapshots is not None:
            for stored in self.snapshots.recorder.select_events(aggregate_id, lte=erased_at - 1):
                found |= mapper.key_ids(stored, subjects)
        return found

    def member_tombstones(self, network_id: UUID) -> set[UUID]:
        """Return the members whose entries in a network have a tombstone (clear data)."""
        return self._member_tombstones(network_id)

    def _member_tombstones(self, network_id: UUID) -> set[UUID]:
        mapper = cast("PgaMapper", self.mapper)
        member_erased, list_erased = get_topic(MemberErased), get_topic(NameListErased)
        found: set[UUID] = set()
        for stored in self.recorder.select_events(network_id):
            if stored.topic == member_erased:
                found.add(UUID(mapper.data_of(stored)["member_id"]))
            elif stored.topic == list_erased:
                found |= {UUID(str(each)) for each in mapper.data_of(stored)["member_ids"]}
        return found

    def place_legal_hold(
        self,
        context: CommandContext,
        aggregate_id: UUID,
        *,
        hold_id: UUID,
        placed_on: date,
        basis: str,
        reason: str,
    ) -> Recorded:
        """Place a legal hold on a trajectory or a network (no retention term erases it)."""
        aggregate = self._any(aggregate_id, None)
        if not isinstance(aggregate, Trajectory | YouthNetwork):
            raise AggregateNotFound("trajectory or network", aggregate_id)
        with clock.recording_clock(self.clock):
            aggregate.place_legal_hold(
                hold_id=hold_id, placed_on=placed_on, basis=basis, why=reason
            )
        return self._save(context, aggregate, entity_id=hold_id)

    def lift_legal_hold(
        self,
        context: CommandContext,
        aggregate_id: UUID,
        *,
        hold_id: UUID,
        lifted_on: date,
        reason: str,
    ) -> Recorded:
        """Lift a legal hold of a trajectory or a network."""
        aggregate = self._any(aggregate_id, None)
        if not isinstance(aggregate, Trajectory | YouthNetwork):
            raise AggregateNotFound("trajectory or network", aggregate_id)
        with clock.recording_clock(self.clock):
            aggregate.lift_legal_hold(hold_id=hold_id, lifted_on=lifted_on, why=reason)
        return self._save(context, aggregate, entity_id=hold_id)

    def members_placed(self, network_id: UUID) -> list[UUID]:
        """Return every member ever placed on a network's name list (ids from the clear data)."""
        return self._members_placed(network_id)

    def _members_placed(self, network_id: UUID) -> list[UUID]:
        mapper = cast("PgaMapper", self.mapper)
        topic = get_topic(MemberPlaced)
        found = {
            UUID(mapper.data_of(stored)["member_id"])
            for stored in self.recorder.select_events(network_id)
            if stored.topic == topic
        }
        return sorted(found)

    def _key_store(self) -> SubjectKeyStore:
        if self.keys is None:
            msg = "erasure needs the per-subject key store"
            raise ApplicationError(msg)
        return self.keys

    def _youth_of(self, subject_or_trajectory_id: UUID) -> tuple[UUID, list[UUID]]:
        """Return the youth's subject id and every trajectory of that youth."""
        referrals = [
            (originator_id, UUID(data["subject_id"]))
            for originator_id, data in self._stored_data(Referred)
        ]
        wanted = subject_or_trajectory_id
        subject_id = next(
            (subject for trajectory, subject in referrals if trajectory == wanted), wanted
        )
        trajectory_ids = [trajectory for trajectory, subject in referrals if subject == subject_id]
        if not trajectory_ids and not self._networks_placing(subject_id):
            raise AggregateNotFound("youth", subject_or_trajectory_id)
        return subject_id, trajectory_ids

    def _networks_placing(self, member_id: UUID) -> list[UUID]:
        """Return the networks that ever placed ``member_id`` on their name list."""
        found = {
            originator_id
            for originator_id, data in self._stored_data(MemberPlaced)
            if UUID(data["member_id"]) == member_id
        }
        return sorted(found)

    def _stored_data(self, kind: type[PgaEvent]) -> Iterator[tuple[UUID, dict[str, Any]]]:
        """Yield the clear (non-personal) data of every stored event of ``kind``."""
        mapper = cast("PgaMapper", self.mapper)
        start = 0
        while page := self.recorder.select_notifications(
            start=start, limit=1000, topics=[get_topic(kind)], inclusive_of_start=False
        ):
            for notification in page:
                yield UUID(str(notification.originator_id)), mapper.data_of(notification)
            start = page[-1].id

    def _key_ids(self, aggregate_ids: Iterable[UUID], subjects: frozenset[UUID]) -> set[UUID]:
        """Return the data keys the stored events and snapshots of aggregates use for subjects."""
        mapper = cast("PgaMapper", self.mapper)
        found: set[UUID] = set()
        for aggregate_id in aggregate_ids:
            for store in (self.events, self.snapshots):
                if store is None:
                    continue
                for stored in store.recorder.select_events(aggregate_id):
                    found |= mapper.key_ids(stored, subjects)
        return found

    def _refresh_after_erasure(self, aggregate_id: UUID) -> None:
        """Evict the cached aggregate and snapshot it as it is now (readable, erased)."""
        if self.repository.cache is not None:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(aggregate_id, evict=True)
        if self.snapshots is not None:
            with contextlib.suppress(IntegrityError):  # a snapshot at this version exists
                self.take_snapshot(aggregate_id)


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did: which trajectories and networks got a tombstone, keys destroyed.

    ``position`` is the notification id of the last tombstone (read models wait for it);
    ``versions`` the new version of every aggregate that got one.
    """

    subject_id: UUID
    trajectories: tuple[UUID, ...]
    networks: tuple[UUID, ...]
    keys_destroyed: int
    erased_on: date
    basis: str
    position: int
    versions: Mapping[UUID, int]


class _ErasureTolerantSnapshots(EventStore[UUID]):
    """The snapshot store: a snapshot holding an erased subject's part counts as no snapshot."""

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[DomainEventProtocol[UUID]]:
        """Return the readable snapshots (the repository asks for the latest one only)."""
        stored = self.recorder.select_events(
            originator_id=originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )
        readable = []
        for each in stored:
            try:
                readable.append(self.mapper.to_domain_event(each))
            except SnapshotErased:
                continue
        return iter(readable)


def _entry(stored: DomainEventProtocol[UUID]) -> HistoryEntry:
    event = cast("PgaEvent", stored)
    return HistoryEntry(
        version=event.originator_version,
        kind=type(event).__name__,
        recorded_at=event.timestamp.astimezone(UTC),
        metadata=metadata_of(event),
        event=event,
    )


def open_application(settings: Settings, **options: Any) -> PgaApplication:  # noqa: ANN401
    """Build the application from settings: database (embedded or configured), schema, catalogue.

    ``options`` pass through to ``PgaApplication`` (e.g. ``clock_source`` and ``new_id`` for the
    deterministic demo generator).
    """
    url = resolve_database_url(settings)
    if settings.create_tables:
        ensure_schema(url, settings.database_schema)
    catalogue = DEFAULT_CATALOGUE
    if settings.included_offences:
        catalogue = catalogue.with_included_offences(settings.included_offences)
    options.setdefault("snapshot_interval", settings.snapshot_interval)
    if "keys" not in options and "protector" not in options:
        options["keys"] = SubjectKeyStore(
            keys_database_url(settings, url),
            settings.database_schema,
            master_key(settings),
            create_tables=settings.create_tables,
        )
    env = eventsourcing_env(url, settings.database_schema, pool_size=settings.db_pool_size)
    env["CREATE_TABLE"] = "y" if settings.create_tables else "n"
    if settings.aggregate_cache_size:
        # The library's LRU cache: a load copies the cached aggregate and reads only the events
        # stored after it (fast-forward), instead of the snapshot and up to 49 events.
        env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.aggregate_cache_size)
    return PgaApplication(
        env,
        catalogue=catalogue,
        **options,
    )
