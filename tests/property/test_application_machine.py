"""Random commands through ``PgaApplication`` on PostgreSQL, against aggregates kept in memory.

Callers send the version they last saw; when someone else changed the aggregate in between (or
the caller is deliberately off by one) the command must raise ``VersionConflict`` and store
nothing. After every step the aggregates loaded from PostgreSQL (snapshots every 3 versions)
equal the in-memory model, and each history holds one entry per version, recorded with the
metadata of the command that made it.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, TypedDict
from uuid import UUID

import psycopg
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from psycopg import sql

from pga.application import PgaApplication, Recorded, VersionConflict
from pga.domain import DEFAULT_CATALOGUE, DomainError, PartnerRole
from pga.domain.clock import recording_clock
from pga.domain.network import Member, NetworkStep, YouthNetwork
from pga.domain.trajectory import PlanGoal, Regisseur, Trajectory
from pga.recording import METADATA_KEY, Actor, CommandContext, EventMetadata, metadata_of
from pga.store.database import ensure_schema, eventsourcing_env
from pga.store.keys import MasterKey
from pga.store.subject_keys import SubjectKeyStore

from .draws import DAYS, TEXTS, days_from_today
from .harness import START, TODAY, assert_same_aggregate, assert_same_state, replay

if TYPE_CHECKING:
    from collections.abc import Callable

    from eventsourcing.domain import Aggregate, CanMutateAggregate

CATALOGUE = DEFAULT_CATALOGUE
SNAPSHOT_INTERVAL = 3
CALLERS = (
    Actor(user="r.devries", organisation="ggd-flevoland", role=PartnerRole.REGISSEUR),
    Actor(user="agent-0417", organisation="politie-almere", role=PartnerRole.POLITIE),
    Actor(
        user="p.jansen",
        organisation="gemeente-almere",
        role=PartnerRole.PROCESREGISSEUR,
        on_behalf_of="burgemeester-almere",
    ),
)
CALLER = st.integers(0, len(CALLERS) - 1)
#: How far off the version a caller sends is from the one it last saw (mostly not at all).
OFF_BY = st.sampled_from((0, 0, 0, 0, 0, 0, -1, 1))
CORRELATION_IDS = st.uuids(version=4)
REASONS = st.none() | st.just("toelichting bij de wijziging")
STARTED_ON = TODAY - timedelta(days=30)
#: The steps before 2B: going back to them drops the name list (and unlinks trajectories).
BEFORE_NAMES = (NetworkStep.SIGNALS, NetworkStep.ASSESSMENT)
#: Mostly a day since the aggregates started, sometimes any day (see ``draws.DAYS``).
DAY = days_from_today(st.integers(-25, 0)) | DAYS
PARTNERS = st.sampled_from(
    (
        ("zorg-flevoland", PartnerRole.ZORG),
        ("halt-flevoland", PartnerRole.HALT),
        ("school-de-linde", PartnerRole.SCHOOL),
        ("beheer-almere", PartnerRole.BEHEERDER),
    )
)


class Referral(TypedDict):
    """The facts of a referral, as both the application and ``Trajectory.refer`` take them."""

    given_name: str
    family_name: str
    born_on: date
    offence_category: str
    suspected_on: date
    referred_on: date
    police_reference: str
    referring_organisation: str
    regisseur: Regisseur


class Opening(TypedDict):
    """The facts of an opening, as both the application and ``YouthNetwork.open`` take them."""

    working_name: str
    area: str
    procesregisseur: str
    procesregisseur_organisation: str
    opened_on: date


@dataclass(frozen=True)
class Call:
    """Who sends a command, which version they send (relative to the one they saw), and why."""

    caller: int
    off_by: int
    correlation_id: UUID
    reason: str | None

    @property
    def context(self) -> CommandContext:
        """Return the command's context."""
        return CommandContext(
            actor=CALLERS[self.caller], correlation_id=self.correlation_id, reason=self.reason
        )


CALLS = st.builds(
    Call, caller=CALLER, off_by=OFF_BY, correlation_id=CORRELATION_IDS, reason=REASONS
)


def recorded_at_start() -> datetime:
    """Return the one recording time of every event (a fixed clock keeps model and store equal)."""
    return START


class IdSource:
    """The application's ``new_id``: sequential UUIDs, so the model can tell the next one."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> UUID:
        """Issue the next id."""
        self.issued += 1
        return UUID(int=0xA000 + self.issued)

    def peek(self) -> UUID:
        """Return the id ``__call__`` will issue next."""
        return UUID(int=0xA000 + self.issued + 1)


class ApplicationMachine(RuleBasedStateMachine):
    """Drives a youth network and one or two trajectories through the application.

    The model is the same aggregates in memory, changed by the same commands (and, for the
    commands that touch a network and its members' trajectories, the same orchestration).
    """

    url: ClassVar[str]
    keys_url: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self.schema = f"property_{secrets.token_hex(6)}"
        ensure_schema(self.url, self.schema)
        self.ids = IdSource()
        self.app = PgaApplication(
            eventsourcing_env(self.url, self.schema, pool_size=2),
            snapshot_interval=SNAPSHOT_INTERVAL,
            clock_source=recorded_at_start,
            new_id=self.ids,
            # Every personal field is stored under the subject's data key, as in production.
            keys=SubjectKeyStore(self.keys_url, self.schema, MasterKey(bytes(range(32)))),
        )
        self.model: dict[UUID, Aggregate] = {}
        self.model_events: dict[UUID, list[CanMutateAggregate[UUID]]] = {}
        self.contexts: dict[UUID, list[CommandContext]] = {}
        #: The version each caller last saw of each aggregate.
        self.seen: dict[tuple[int, UUID], int] = {}

    def teardown(self) -> None:
        """Close the application and drop its schema."""
        self.app.close()
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )

    # --- the harness -----------------------------------------------------------------------------

    def keep(self, aggregate: Aggregate, context: CommandContext) -> None:
        """Take the aggregate's new events into the model, as recorded in ``context``."""
        new_events = aggregate.collect_events()
        self.model[aggregate.id] = aggregate
        self.model_events.setdefault(aggregate.id, []).extend(new_events)
        self.contexts.setdefault(aggregate.id, []).extend(context for _ in new_events)

    def create(
        self,
        context: CommandContext,
        on_app: Callable[[], Recorded],
        on_model: Callable[[UUID], Aggregate],
    ) -> None:
        """Create an aggregate in both; a refusal stores nothing."""
        new_id = self.ids.peek()
        try:
            with recording_clock(recorded_at_start):
                created = on_model(new_id)
        except DomainError as refusal:
            count = len(self.app.trajectory_ids()), len(self.app.network_ids())
            with pytest.raises(type(refusal)):
                on_app()
            assert (len(self.app.trajectory_ids()), len(self.app.network_ids())) == count
            return
        recorded = on_app()
        assert (recorded.aggregate_id, recorded.version) == (new_id, 1)
        self.keep(created, context)
        for caller in range(len(CALLERS)):
            self.seen[caller, new_id] = 1

    def command(
        self,
        call: Call,
        aggregate_id: UUID,
        on_app: Callable[[CommandContext, int], Recorded],
        on_model: Callable[[dict[UUID, Aggregate]], None],
    ) -> Recorded | None:
        """Run one command in both, with the version the caller last saw (``call.off_by`` it).

        ``on_model`` gets deep copies of the model's aggregates; whatever they record becomes
        the model when the application accepts the command too.
        """
        context = call.context
        name = on_model.__qualname__.split(".")[1]  # the rule, e.g. "hold_intake"
        sent = self.seen[call.caller, aggregate_id] + call.off_by
        current = self.model[aggregate_id].version
        lengths = {known: len(self.app.history(known)) for known in self.model}
        if sent != current:
            event(f"{name}: version conflict")
            with pytest.raises(VersionConflict) as conflict:
                on_app(context, sent)
            assert (conflict.value.expected, conflict.value.actual) == (sent, current)
            self.seen[call.caller, aggregate_id] = current  # the caller reloads after a conflict
        else:
            copies = {known: copy.deepcopy(aggregate) for known, aggregate in self.model.items()}
            try:
                with recording_clock(recorded_at_start):
                    on_model(copies)
            except DomainError as refusal:
                event(f"{name}: refused ({type(refusal).__name__})")
                with pytest.raises(type(refusal)):
                    on_app(context, sent)
            else:
                event(f"{name}: accepted")
                return self.accepted(call.caller, context, on_app(context, sent), copies)
        assert {known: len(self.app.history(known)) for known in self.model} == lengths
        return None

    def accepted(
        self,
        caller: int,
        context: CommandContext,
        recorded: Recorded,
        copies: dict[UUID, Aggregate],
    ) -> Recorded:
        """Check what the application reports against the model, and keep the new state."""
        changed = {
            known: aggregate for known, aggregate in copies.items() if aggregate.pending_events
        }
        primary = recorded.aggregate_id
        assert primary in changed
        assert recorded.version == changed[primary].version
        assert dict(recorded.linked_versions) == {
            known: aggregate.version for known, aggregate in changed.items() if known != primary
        }
        for aggregate in changed.values():
            self.keep(aggregate, context)
        self.seen[caller, primary] = recorded.version
        for linked, version in recorded.linked_versions.items():
            self.seen[caller, linked] = version
        return recorded

    @property
    def network_id(self) -> UUID:
        """Return the id of the network."""
        return next(known for known, item in self.model.items() if isinstance(item, YouthNetwork))

    # --- creation --------------------------------------------------------------------------------

    @initialize(call=CALLS)
    def open_a_trajectory_and_a_network(self, call: Call) -> None:
        """Refer a youth and open a youth network, both valid."""
        self.refer_a_youth(call, "straatroof")
        context = call.context
        facts = Opening(
            working_name="Groep Zonnewijzer",
            area="Almere Haven",
            procesregisseur="p.jansen",
            procesregisseur_organisation="gemeente-almere",
            opened_on=STARTED_ON,
        )
        self.create(
            context,
            lambda: self.app.open_network(context, **facts),
            lambda new_id: YouthNetwork.open(network_id=new_id, **facts),
        )
        # Take the network to step 2B, where names (and links to trajectories) may be recorded.
        setup = replace(call, caller=2, off_by=0)
        self.share_signal(setup, STARTED_ON, "samenscholing")
        self.advance_network(setup, NetworkStep.ASSESSMENT, STARTED_ON)
        self.assess_behaviour(setup, STARTED_ON, problematic=True)
        self.advance_network(setup, NetworkStep.NAME_LIST, STARTED_ON)
        assert self.model_network.step == NetworkStep.NAME_LIST
        self.place(setup, STARTED_ON, trajectory_id=next(iter(self.model)))  # the youth referred
        assert self.model_network.members
        for caller in range(len(CALLERS)):  # everyone saw the setup
            for aggregate in self.model.values():
                self.seen[caller, aggregate.id] = aggregate.version

    @precondition(lambda self: len(self.model) < 3)
    @rule(call=CALLS, offence=st.sampled_from(("overval", "diefstal")))
    def refer_a_youth(self, call: Call, offence: str) -> None:
        """Refer a youth (for an offence on the inclusion list, or not: then nothing is stored)."""
        context = call.context
        subject_id = UUID(int=0xB000 + len(self.model))
        facts = Referral(
            given_name="Sem",
            family_name="Verzonnen",
            born_on=TODAY - timedelta(days=15 * 365),
            offence_category=offence,
            suspected_on=STARTED_ON - timedelta(days=5),
            referred_on=STARTED_ON,
            police_reference="PL0900-2024-000123",
            referring_organisation="politie-almere",
            regisseur=Regisseur("r.devries", "ggd-flevoland"),
        )
        self.create(
            context,
            lambda: self.app.refer(context, subject_id=subject_id, **facts),
            lambda new_id: Trajectory.refer(
                CATALOGUE, trajectory_id=new_id, subject_id=subject_id, **facts
            ),
        )

    # --- trajectory commands ---------------------------------------------------------------------

    @rule(data=st.data(), call=CALLS, partner=PARTNERS, since=DAY)
    def involve_partner(
        self, data: st.DataObject, call: Call, partner: tuple[str, PartnerRole], since: date
    ) -> None:
        """Involve a partner organisation in a trajectory."""
        trajectory_id = data.draw(self.trajectory_ids())
        organisation, role = partner
        self.command(
            call,
            trajectory_id,
            lambda context, version: self.app.involve_partner(
                context,
                trajectory_id,
                version,
                organisation=organisation,
                role=role,
                legal_basis="convenant_pga",
                since=since,
            ),
            lambda model: self.trajectory(model, trajectory_id).involve_partner(
                CATALOGUE,
                organisation=organisation,
                role=role,
                legal_basis="convenant_pga",
                since=since,
            ),
        )

    @rule(data=st.data(), call=CALLS, held_on=DAY)
    def hold_intake(self, data: st.DataObject, call: Call, held_on: date) -> None:
        """Hold the intake (only from aangemeld)."""
        trajectory_id = data.draw(self.trajectory_ids())
        attendees = ("jongere", "moeder")
        self.command(
            call,
            trajectory_id,
            lambda context, version: self.app.hold_intake(
                context,
                trajectory_id,
                version,
                held_on=held_on,
                attendees=attendees,
                trusted_person=None,
            ),
            lambda model: self.trajectory(model, trajectory_id).hold_intake(
                held_on=held_on, attendees=attendees, trusted_person=None
            ),
        )

    @rule(data=st.data(), call=CALLS, adopted_on=DAY, description=TEXTS)
    def adopt_plan(
        self, data: st.DataObject, call: Call, adopted_on: date, description: str
    ) -> None:
        """Adopt the first plan (only from intake)."""
        trajectory_id = data.draw(self.trajectory_ids())
        goals = (
            PlanGoal(
                goal_id=UUID(int=0xC000),
                life_domain="school",
                description=description,
                responsible_organisation="ggd-flevoland",
                due_on=adopted_on + timedelta(days=60),
            ),
        )
        self.command(
            call,
            trajectory_id,
            lambda context, version: self.app.adopt_plan(
                context, trajectory_id, version, adopted_on=adopted_on, goals=goals, agreements=None
            ),
            lambda model: self.trajectory(model, trajectory_id).adopt_plan(
                CATALOGUE, adopted_on=adopted_on, goals=goals, agreements=None
            ),
        )

    @rule(
        data=st.data(),
        call=CALLS,
        owner=st.sampled_from(
            (
                ("fft", "zorg-flevoland"),
                ("schooltraject", "school-de-linde"),
                ("halt", "zorg-flevoland"),
            )
        ),
    )
    def plan_intervention(self, data: st.DataObject, call: Call, owner: tuple[str, str]) -> None:
        """Plan an intervention for the partner that owns it (or not); the id comes from the app."""
        trajectory_id = data.draw(self.trajectory_ids())
        kind, organisation = owner
        planned_start = TODAY + timedelta(days=7)
        planned_end = planned_start + timedelta(days=90)
        intervention_id = self.ids.peek()
        recorded = self.command(
            call,
            trajectory_id,
            lambda context, version: self.app.plan_intervention(
                context,
                trajectory_id,
                version,
                kind=kind,
                responsible_organisation=organisation,
                legal_basis="jeugdwet",
                planned_start=planned_start,
                planned_end=planned_end,
            ),
            lambda model: self.trajectory(model, trajectory_id).plan_intervention(
                CATALOGUE,
                intervention_id=intervention_id,
                kind=kind,
                responsible_organisation=organisation,
                legal_basis="jeugdwet",
                planned_start=planned_start,
                planned_end=planned_end,
            ),
        )
        assert recorded is None or recorded.entity_id == intervention_id

    @rule(data=st.data(), call=CALLS, made_on=DAY, summary=TEXTS)
    def make_care_report(
        self, data: st.DataObject, call: Call, made_on: date, summary: str
    ) -> None:
        """Record a care report to Veilig Thuis."""
        trajectory_id = data.draw(self.trajectory_ids())
        self.command(
            call,
            trajectory_id,
            lambda context, version: self.app.make_care_report(
                context, trajectory_id, version, made_on=made_on, summary=summary
            ),
            lambda model: self.trajectory(model, trajectory_id).make_care_report(
                made_on=made_on, summary=summary
            ),
        )

    @rule(data=st.data(), call=CALLS, number=st.sampled_from(("111222333", "123456782", "1")))
    def record_bsn(self, data: st.DataObject, call: Call, number: str) -> None:
        """Record (or correct) the BSN; the store keeps it encrypted, snapshots included."""
        trajectory_id = data.draw(self.trajectory_ids())
        self.command(
            call,
            trajectory_id,
            lambda context, version: self.app.record_bsn(
                context, trajectory_id, version, bsn=number
            ),
            lambda model: self.trajectory(model, trajectory_id).record_bsn(number),
        )

    @rule(data=st.data(), call=CALLS, sent_on=DAY)
    def record_information_letter(self, data: st.DataObject, call: Call, sent_on: date) -> None:
        """Record the information letter about the referral (once)."""
        trajectory_id = data.draw(self.trajectory_ids())
        self.command(
            call,
            trajectory_id,
            lambda context, version: self.app.record_information_letter(
                context, trajectory_id, version, sent_on=sent_on
            ),
            lambda model: self.trajectory(model, trajectory_id).record_information_letter(
                sent_on=sent_on
            ),
        )

    # --- network commands ------------------------------------------------------------------------

    @rule(call=CALLS, observed_on=DAY, description=TEXTS)
    def share_signal(self, call: Call, observed_on: date, description: str) -> None:
        """Share a signal about the group."""
        network_id = self.network_id
        self.command(
            call,
            network_id,
            lambda context, version: self.app.share_signal(
                context,
                network_id,
                version,
                source_organisation="politie-almere",
                observed_on=observed_on,
                location="winkelcentrum",
                description=description,
                online=False,
            ),
            lambda model: self.network(model).share_signal(
                source_organisation="politie-almere",
                observed_on=observed_on,
                location="winkelcentrum",
                description=description,
                online=False,
            ),
        )

    @rule(call=CALLS, assessed_on=DAY, problematic=st.booleans())
    def assess_behaviour(self, call: Call, assessed_on: date, *, problematic: bool) -> None:
        """Assess the group behaviour (step 2A)."""
        network_id = self.network_id
        self.command(
            call,
            network_id,
            lambda context, version: self.app.assess_behaviour(
                context,
                network_id,
                version,
                problematic=problematic,
                findings="intimidatie",
                assessed_on=assessed_on,
            ),
            lambda model: self.network(model).assess_behaviour(
                problematic=problematic, findings="intimidatie", assessed_on=assessed_on
            ),
        )

    @rule(call=CALLS, to_step=st.none() | st.sampled_from(list(NetworkStep)), on=DAY)
    def advance_network(self, call: Call, to_step: NetworkStep | None, on: date) -> None:
        """Advance the network (mostly to its next step)."""
        network_id = self.network_id
        target = to_step or self.model_network.next_step() or NetworkStep.CLOSED
        self.command(
            call,
            network_id,
            lambda context, version: self.app.advance_network(
                context, network_id, version, to_step=target, on=on
            ),
            lambda model: self.network(model).advance(to_step=target, on=on),
        )

    @rule(data=st.data(), call=CALLS, placed_on=DAY, link=st.booleans())
    def place_member(self, data: st.DataObject, call: Call, placed_on: date, *, link: bool) -> None:
        """Put a youth on the name list, linked to a trajectory (in the same transaction) or not."""
        self.place(call, placed_on, data.draw(self.trajectory_ids()) if link else None)

    def place(self, call: Call, placed_on: date, trajectory_id: UUID | None) -> None:
        """Place a member (see ``place_member``)."""
        network_id = self.network_id
        member_id = (
            self.ids.peek()
            if trajectory_id is None
            else self.trajectory(self.model, trajectory_id).subject_id
        )

        def on_model(model: dict[UUID, Aggregate]) -> None:
            self.network(model).place_member(
                Member(member_id, "Daan", "Verzonnen", None, "meeloper", trajectory_id, placed_on)
            )
            if trajectory_id is not None:
                self.trajectory(model, trajectory_id).link_network(
                    network_id=network_id, linked_on=placed_on
                )

        recorded = self.command(
            call,
            network_id,
            lambda context, version: self.app.place_member(
                context,
                network_id,
                version,
                given_name="Daan",
                family_name="Verzonnen",
                born_on=None,
                role_in_group="meeloper",
                placed_on=placed_on,
                trajectory_id=trajectory_id,
            ),
            on_model,
        )
        assert recorded is None or recorded.entity_id == member_id

    @rule(
        data=st.data(),
        call=CALLS,
        on=DAY,
        why=TEXTS,
        how=st.sampled_from(("remove", "remove", "back")),
    )
    def drop_members(self, data: st.DataObject, call: Call, on: date, why: str, how: str) -> None:
        """Remove a member, or step back: linked trajectories of dropped members are unlinked."""
        network_id = self.network_id
        members = sorted(self.model_network.members) or [UUID(int=0xD000)]
        member_id = data.draw(st.sampled_from(members))
        to_step = data.draw(st.sampled_from(BEFORE_NAMES) | st.sampled_from(list(NetworkStep)))

        def change(network: YouthNetwork) -> None:
            if how == "remove":
                network.remove_member(member_id=member_id, removed_on=on, why=why)
            else:
                network.step_back(to_step=to_step, on=on, why=why)

        def on_app(context: CommandContext, version: int) -> Recorded:
            if how == "remove":
                return self.app.remove_member(
                    context, network_id, version, member_id=member_id, removed_on=on, why=why
                )
            return self.app.step_back_network(
                context, network_id, version, to_step=to_step, on=on, why=why
            )

        def on_model(model: dict[UUID, Aggregate]) -> None:
            network = self.network(model)
            before = dict(network.members)
            change(network)
            for dropped_id, member in before.items():
                if dropped_id in network.members or member.trajectory_id is None:
                    continue
                trajectory = self.trajectory(model, member.trajectory_id)
                if network_id in trajectory.networks and not trajectory.is_closed:
                    trajectory.unlink_network(network_id=network_id, unlinked_on=on, why=why)

        self.command(call, network_id, on_app, on_model)

    # --- reading ---------------------------------------------------------------------------------

    @rule(data=st.data(), caller=CALLER)
    def refresh(self, data: st.DataObject, caller: int) -> None:
        """Let a caller reload an aggregate: from then on it sends the current version."""
        aggregate_id = data.draw(st.sampled_from(sorted(self.model)))
        self.seen[caller, aggregate_id] = self.app.history(aggregate_id)[-1].version

    @rule(data=st.data())
    def look_back(self, data: st.DataObject) -> None:
        """Check an earlier version (snapshot plus events) equals the replay of the model."""
        aggregate_id = data.draw(st.sampled_from(sorted(self.model)))
        version = data.draw(st.integers(1, self.model[aggregate_id].version))
        past = self.app.state_at_version(aggregate_id, version)
        assert_same_aggregate(past, replay(self.model_events[aggregate_id][:version]))

    @invariant()
    def the_store_holds_the_model(self) -> None:
        """Check each aggregate loaded from PostgreSQL equals the model, with a full history."""
        for aggregate_id, aggregate in self.model.items():
            if isinstance(aggregate, Trajectory):
                loaded: Aggregate = self.app.trajectory(aggregate_id)
            else:
                loaded = self.app.network(aggregate_id)
            assert_same_aggregate(loaded, aggregate)
            history = self.app.history(aggregate_id)
            assert [entry.version for entry in history] == list(range(1, aggregate.version + 1))
            recorded = zip(
                history, self.contexts[aggregate_id], self.model_events[aggregate_id], strict=True
            )
            for entry, context, model_event in recorded:
                assert entry.metadata == EventMetadata.of(context)
                assert metadata_of(entry.event) == entry.metadata
                assert entry.kind == type(model_event).__name__
                assert entry.recorded_at == START
                content = {
                    name: value for name, value in vars(entry.event).items() if name != METADATA_KEY
                }
                assert_same_state(content, vars(model_event))

    # --- helpers ---------------------------------------------------------------------------------

    def trajectory_ids(self) -> st.SearchStrategy[UUID]:
        """Return a strategy for the id of one of the trajectories."""
        return st.sampled_from(
            sorted(known for known, item in self.model.items() if isinstance(item, Trajectory))
        )

    @staticmethod
    def trajectory(model: dict[UUID, Aggregate], trajectory_id: UUID) -> Trajectory:
        """Return the trajectory ``trajectory_id`` of ``model``."""
        trajectory = model[trajectory_id]
        assert isinstance(trajectory, Trajectory)
        return trajectory

    @property
    def model_network(self) -> YouthNetwork:
        """Return the network of the model."""
        return self.network(self.model)

    def network(self, model: dict[UUID, Aggregate]) -> YouthNetwork:
        """Return the network of ``model``."""
        network = model[self.network_id]
        assert isinstance(network, YouthNetwork)
        return network


def test_application_commands_with_stale_versions_store_nothing_and_reload_equal(
    database_url: str,
    keys_database_url: str,
) -> None:
    ApplicationMachine.url = database_url
    ApplicationMachine.keys_url = keys_database_url
    run_state_machine_as_test(
        ApplicationMachine,
        settings=settings(max_examples=15, stateful_step_count=15, deadline=None),
    )
