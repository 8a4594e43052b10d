"""Histories for the retention tests: youths, trajectories, networks and holds, as specified.

A ``World`` records a ``Spec`` through the real application (every command as a person would
issue it, at a recording clock well after every date in the spec) and keeps the ids, so a test
can compare what retention erased with what the spec says is due (``expected``, written here
independently of ``pga.rights.retention.plan``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from pga.domain.network import NetworkStep
from pga.domain.trajectory import Regisseur
from tests.integration.projections.conftest import POLITIE, context

if TYPE_CHECKING:
    from pga.application import PgaApplication

N = NetworkStep
#: Every history is recorded at this moment: all dates in a spec lie before it.
RECORDED_AT = datetime(2046, 1, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class TrajectorySpec:
    """One trajectory of a youth: referred ``referred_after_days`` after its 12th birthday."""

    referred_after_days: int
    closed_after_days: int | None
    held: bool = False


@dataclass(frozen=True)
class YouthSpec:
    """A youth (its date of birth) and its trajectories (none: a name-list member only)."""

    born_on: date
    trajectories: tuple[TrajectorySpec, ...]


@dataclass(frozen=True)
class NetworkSpec:
    """A network opened on ``opened_on`` with these youths (indexes) on its name list."""

    opened_on: date
    members: tuple[int, ...]
    closed_after_days: int | None
    held: bool = False


@dataclass(frozen=True)
class Spec:
    """A whole history and the day retention runs."""

    youths: tuple[YouthSpec, ...]
    networks: tuple[NetworkSpec, ...]
    today: date


@dataclass(frozen=True)
class Terms:
    """The documented default terms, restated for the oracle."""

    age_limit: int = 23
    trajectory_years: int = 5
    name_list_days: int = 0
    network_years: int = 5


def anniversary(day: date, years: int) -> date:
    """Return the same day ``years`` later; a 29 February becomes 1 March in a year without one."""
    if day.month == 2 and day.day == 29:
        leap = (day.year + years) % 4 == 0 and (
            (day.year + years) % 100 != 0 or (day.year + years) % 400 == 0
        )
        return date(day.year + years, 2, 29) if leap else date(day.year + years, 3, 1)
    return date(day.year + years, day.month, day.day)


def referral_day(youth: YouthSpec, trajectory: TrajectorySpec) -> date:
    """Return the day a trajectory is referred (the youth is 12 to 17 then)."""
    return date.fromordinal(
        anniversary(youth.born_on, 12).toordinal() + trajectory.referred_after_days
    )


def closing_day(opened: date, after_days: int) -> date:
    """Return the day something opened on ``opened`` closes."""
    return date.fromordinal(opened.toordinal() + after_days)


@dataclass
class World:
    """A spec recorded through the application, with the ids it got."""

    app: PgaApplication
    spec: Spec
    youth_ids: list[UUID] = field(default_factory=list)
    trajectory_ids: list[list[UUID]] = field(default_factory=list)
    network_ids: list[UUID] = field(default_factory=list)

    def record(self) -> World:
        """Record the spec (at ``RECORDED_AT``) and return self.

        Order: every referral, then the networks (placing a youth links its first trajectory,
        which must still be open), then the trajectories' closings, then their holds.
        """
        self.app.clock = lambda: RECORDED_AT
        for youth in self.spec.youths:
            subject_id = uuid4()
            self.youth_ids.append(subject_id)
            self.trajectory_ids.append(
                [self._refer(youth, each, subject_id) for each in youth.trajectories]
            )
        for network in self.spec.networks:
            self.network_ids.append(self._network(network))
        for youth, ids in zip(self.spec.youths, self.trajectory_ids, strict=True):
            for spec, trajectory_id in zip(youth.trajectories, ids, strict=True):
                self._close_and_hold(youth, spec, trajectory_id)
        return self

    def _refer(self, youth: YouthSpec, spec: TrajectorySpec, subject_id: UUID) -> UUID:
        referred_on = referral_day(youth, spec)
        return self.app.refer(
            context(POLITIE),
            given_name="Bewaarjongere",
            family_name="Voorbeeld",
            born_on=youth.born_on,
            offence_category="straatroof",
            suspected_on=referred_on,
            referred_on=referred_on,
            police_reference="PL-BEWAAR-0001",
            referring_organisation="politie-midden-nederland",
            regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
            subject_id=subject_id,
        ).aggregate_id

    def _close_and_hold(self, youth: YouthSpec, spec: TrajectorySpec, trajectory_id: UUID) -> None:
        referred_on = referral_day(youth, spec)
        if spec.closed_after_days is not None:
            self.app.close_trajectory(
                context(),
                trajectory_id,
                self.app.trajectory(trajectory_id).version,
                closed_on=closing_day(referred_on, spec.closed_after_days),
                reason_code="doelen_behaald",
                handover_to=None,
            )
        if spec.held:
            self.app.place_legal_hold(
                context(),
                trajectory_id,
                hold_id=uuid4(),
                placed_on=referred_on,
                basis="strafzaak",
                reason="Lopende strafzaak",
            )

    def _network(self, spec: NetworkSpec) -> UUID:
        app, on = self.app, spec.opened_on
        recorded = app.open_network(
            context(),
            working_name="Groep Bewaartermijn",
            area="Almere Buiten",
            procesregisseur="u-gemeente-01",
            procesregisseur_organisation="gemeente-almere",
            opened_on=on,
        )
        network_id, version = recorded.aggregate_id, recorded.version

        def did(result: object) -> None:
            nonlocal version
            version = result.version  # type: ignore[attr-defined]

        did(
            app.share_signal(
                context(),
                network_id,
                version,
                source_organisation="politie-midden-nederland",
                observed_on=on,
                location="Stationsplein",
                description="Overlast door een groep",
                online=False,
            )
        )
        did(app.advance_network(context(), network_id, version, to_step=N.ASSESSMENT, on=on))
        if spec.members or spec.closed_after_days is not None:
            did(
                app.assess_behaviour(
                    context(),
                    network_id,
                    version,
                    problematic=True,
                    findings="Intimiderend groepsgedrag",
                    assessed_on=on,
                )
            )
            did(app.advance_network(context(), network_id, version, to_step=N.NAME_LIST, on=on))
        for index in spec.members:
            youth = self.spec.youths[index]
            trajectories = self.trajectory_ids[index]
            placed = app.place_member(
                context(),
                network_id,
                version,
                given_name="Groepslid",
                family_name="Voorbeeld",
                born_on=youth.born_on,
                role_in_group=None,
                placed_on=on,
                trajectory_id=trajectories[0] if trajectories else None,
            )
            did(placed)
            if not trajectories:  # a member only: its member id is the youth's id
                assert placed.entity_id is not None
                self.youth_ids[index] = placed.entity_id
        if spec.closed_after_days is not None:
            closed_on = closing_day(on, spec.closed_after_days)
            did(
                app.step_back_network(
                    context(),
                    network_id,
                    version,
                    to_step=N.LIGHT_APPROACH,
                    on=closed_on,
                    why="Geen groep",
                )
            )
            did(app.close_network(context(), network_id, version, on=closed_on, why="Afgerond"))
        if spec.held:
            app.place_legal_hold(
                context(),
                network_id,
                hold_id=uuid4(),
                placed_on=on,
                basis="klacht-of-bezwaar",
                reason="Klacht in behandeling",
            )
        return network_id


@dataclass(frozen=True)
class Expected:
    """What a retention run on ``spec.today`` must have erased (indexes into the spec)."""

    trajectories: frozenset[tuple[int, int]]
    youths: frozenset[int]
    name_lists: frozenset[int]
    networks: frozenset[int]


def expected(spec: Spec, terms: Terms = Terms()) -> Expected:
    """Work out from the spec alone what is due and not held on ``spec.today``."""
    today = spec.today
    # A youth's entry on a closed network's list lasts until the list is destroyed (never
    # while the network is held); a list destroyed today goes with its own term.
    kept_lists = {
        index: [
            n
            for n, network in enumerate(spec.networks)
            if index in network.members
            and (
                network.closed_after_days is None
                or network.held
                or closing_day(
                    closing_day(network.opened_on, network.closed_after_days),
                    terms.name_list_days,
                )
                > today
            )
        ]
        for index in range(len(spec.youths))
    }
    youths = set()
    for index, youth in enumerate(spec.youths):
        has_records = bool(youth.trajectories) or bool(kept_lists[index])
        # A held network keeps every youth ever placed on it, also once it is closed (a held
        # network's name list is never destroyed, so the youth's entry there is still readable).
        held = any(t.held for t in youth.trajectories) or any(
            network.held for network in spec.networks if index in network.members
        )
        if has_records and anniversary(youth.born_on, terms.age_limit) <= today and not held:
            youths.add(index)
    trajectories = set()
    for index, youth in enumerate(spec.youths):
        for number, trajectory in enumerate(youth.trajectories):
            closed = (
                None
                if trajectory.closed_after_days is None
                else closing_day(referral_day(youth, trajectory), trajectory.closed_after_days)
            )
            overdue = closed is not None and anniversary(closed, terms.trajectory_years) <= today
            if index in youths or (overdue and not trajectory.held):
                trajectories.add((index, number))
    name_lists, networks = set(), set()
    for number, network in enumerate(spec.networks):
        if network.closed_after_days is None or network.held:
            continue
        closed = closing_day(network.opened_on, network.closed_after_days)
        if anniversary(closed, terms.network_years) <= today:
            networks.add(number)
        elif network.members and closing_day(closed, terms.name_list_days) <= today:
            name_lists.add(number)
    return Expected(
        frozenset(trajectories), frozenset(youths), frozenset(name_lists), frozenset(networks)
    )
