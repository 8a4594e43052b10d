"""The caseload's and timeline's pure parts: the event-kind registry, labels, fallbacks, guards."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, cast, get_type_hints
from uuid import uuid4

import pytest

from pga.domain.catalogue import DEFAULT_CATALOGUE, PartnerRole
from pga.domain.common import PgaEvent
from pga.domain.network import NETWORK_EVENTS, ActionLevel, NetworkStep
from pga.domain.trajectory import (
    TRAJECTORY_EVENTS,
    CorrectionRecorded,
    InterventionStarted,
    MayorOrderExtended,
)
from pga.recording import EventMetadata
from projections.base import Envelope
from projections.caseload import Caseload
from projections.timeline import (
    EVENT_KINDS,
    LEVEL_LABELS,
    NETWORK,
    ROLE_LABELS,
    STEP_LABELS,
    TRAJECTORY,
    Timeline,
    occurred_on,
)
from tests.unit.builders import active_trajectory, opened_network

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def test_every_event_kind_of_both_aggregates_has_a_timeline_entry_and_nothing_else() -> None:
    assert set(EVENT_KINDS) == set(TRAJECTORY_EVENTS) | set(NETWORK_EVENTS)
    assert {cls for cls, kind in EVENT_KINDS.items() if kind.aggregate_kind == TRAJECTORY} == set(
        TRAJECTORY_EVENTS
    )
    assert {cls for cls, kind in EVENT_KINDS.items() if kind.aggregate_kind == NETWORK} == set(
        NETWORK_EVENTS
    )


@pytest.mark.parametrize("event_class", [*TRAJECTORY_EVENTS, *NETWORK_EVENTS], ids=str)
def test_the_business_date_is_a_date_field_and_details_are_the_events_own_fields(
    event_class: type[PgaEvent],
) -> None:
    kind = EVENT_KINDS[event_class]
    own = {field.name for field in dataclasses.fields(event_class)} - BASE_FIELDS
    encrypted = set(event_class.encrypted_fields)
    assert set(kind.fields) == own - encrypted  # a read model never holds an encrypted field
    assert encrypted <= set(event_class.personal_fields) <= own
    if kind.occurred_on_field is None:
        assert kind.occurred_on is None
        return
    owner: type = event_class
    for part in kind.occurred_on_field.split("."):
        owner = get_type_hints(owner)[part]
    assert owner is date


def test_every_role_step_and_action_level_has_a_dutch_label() -> None:
    assert set(ROLE_LABELS) == set(PartnerRole)
    assert set(STEP_LABELS) == set(NetworkStep)
    assert set(LEVEL_LABELS) == {level.value for level in ActionLevel}


def events_of(aggregate: Aggregate) -> list[PgaEvent]:
    """Return an aggregate's pending events (every event here is a ``PgaEvent``)."""
    return [cast("PgaEvent", event) for event in aggregate.collect_events()]


def envelope(event: PgaEvent, position: int = 1) -> Envelope:
    metadata = EventMetadata(
        user="u-test-01",
        organisation="ggd-flevoland",
        role=PartnerRole.REGISSEUR,
        correlation_id=uuid4(),
    )
    return Envelope(position, event, metadata)


def test_summaries_name_the_kind_only_when_the_timeline_knows_it() -> None:
    trajectory = active_trajectory()
    intervention_id = uuid4()
    trajectory.involve_partner(
        DEFAULT_CATALOGUE,
        organisation="halt-midden-nederland",
        role=PartnerRole.HALT,
        legal_basis="convenant_pga",
        since=date(2024, 3, 4),
    )
    trajectory.plan_intervention(
        DEFAULT_CATALOGUE,
        intervention_id=intervention_id,
        kind="halt",
        responsible_organisation="halt-midden-nederland",
        legal_basis="convenant_pga",
        planned_start=date(2024, 4, 1),
        planned_end=date(2024, 5, 1),
    )
    trajectory.start_intervention(intervention_id=intervention_id, started_on=date(2024, 4, 2))
    trajectory.record_correction(
        corrects_version=trajectory.version - 2,  # the partner's involvement
        what_was_wrong="Datum",
        correction="5 maart",
        why="Melding",
    )
    involved, planned, started, correction = events_of(trajectory)
    assert isinstance(started, InterventionStarted)
    assert isinstance(correction, CorrectionRecorded)

    alone = Timeline()
    assert EVENT_KINDS[InterventionStarted].summary(started, alone) == "Interventie gestart"
    with pytest.raises(LookupError, match="cannot mark it"):
        alone.handle(envelope(correction))
    assert alone.entries.get(trajectory.id, correction.originator_version) is not None

    following = Timeline()
    for position, event in enumerate((involved, planned, started, correction), start=1):
        following.handle(envelope(event, position))
    started_entry = following.entries.get(trajectory.id, started.originator_version)
    corrected = following.entries.get(trajectory.id, involved.originator_version)
    assert started_entry is not None
    assert corrected is not None
    assert started_entry.summary == "Interventie Halt-afdoening gestart"
    assert corrected.corrected_by == [correction.originator_version]
    assert occurred_on(started) == date(2024, 4, 2)
    assert occurred_on(planned) is None


def test_an_extension_of_an_order_the_timeline_never_saw_still_reads_well() -> None:
    trajectory = active_trajectory()
    order_id = uuid4()
    trajectory.issue_mayor_order(
        DEFAULT_CATALOGUE,
        order_id=order_id,
        kind="gebiedsverbod",
        starts_on=date(2024, 4, 1),
        ends_on=date(2024, 6, 1),
        area=None,
    )
    trajectory.extend_mayor_order(order_id=order_id, ends_on=date(2024, 9, 1))
    _, extended = events_of(trajectory)
    summary = EVENT_KINDS[MayorOrderExtended].summary(extended, Timeline())
    assert summary == "Bevel burgemeester verlengd tot 01-09-2024"


class NotYetKnown(PgaEvent):
    """An event kind added to the domain without a timeline entry."""


def test_an_event_kind_without_a_timeline_entry_stops_the_timeline_but_not_the_caseload() -> None:
    event = NotYetKnown(
        originator_id=uuid4(), originator_version=1, timestamp=datetime(2024, 6, 1, tzinfo=UTC)
    )
    with pytest.raises(LookupError, match="no entry for event kind NotYetKnown"):
        Timeline().handle(envelope(event))
    caseload = Caseload()
    caseload.handle(envelope(event))
    assert caseload.rows.get(event.originator_id) is None


def test_the_caseload_ignores_network_events_and_refuses_a_trajectory_it_never_saw() -> None:
    caseload = Caseload()
    network = opened_network()
    for event in events_of(network):
        caseload.handle(envelope(event))
    assert caseload.rows.get(network.id) is None

    trajectory = active_trajectory()
    trajectory.record_arrest(
        DEFAULT_CATALOGUE,
        arrested_on=date(2024, 4, 1),
        offence_category="diefstal",
        police_reference="PL-TEST-0009",
    )
    (arrest,) = events_of(trajectory)
    with pytest.raises(LookupError, match="has no row"):
        caseload.handle(envelope(arrest))
