"""Retention over random histories and clock positions, on PostgreSQL (issue 7).

Each example records a random history (youths with one or two trajectories, some closed, some
under a legal hold; networks whose name lists hold some of them or youths known only there,
some closed, some held) through the real application at a clock in 2046, then runs retention at
a random day. What was erased must be exactly what ``tests.retention_world.expected`` works out
from the history alone: every due record (youth at 23, closed trajectory after 5 years, name
list at closing, closed network file after 5 years) is erased with a tombstone of basis
``bewaartermijn`` and its personal data no longer decrypts; nothing else is touched; nothing a
hold keeps is erased (a held network keeps its members also once it is closed, and their entries
there still decrypt); every network an erased youth was placed on has a tombstone for it. A dry
run beforehand reports the same records and changes nothing; a second run finds nothing due.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pga.application import open_application
from pga.domain.network import MemberErased, MemberPlaced, NameListErased, NetworkErased
from pga.domain.trajectory import SubjectErased
from pga.rights.retention import (
    Due,
    Erased,
    RecordKind,
    RetentionTerms,
    retention_context,
    run_retention,
)
from pga.settings import Settings
from pga.store.database import ensure_schema
from tests.retention_world import (
    Expected,
    NetworkSpec,
    Spec,
    TrajectorySpec,
    World,
    YouthSpec,
    anniversary,
    closing_day,
    expected,
    referral_day,
)
from tests.subject_keys import TEST_MASTER_KEY

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from uuid import UUID

    from pga.application import PgaApplication

pytestmark = pytest.mark.integration

YEAR = 365


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    """Draw a history and the day retention runs."""
    youths = []
    for _ in range(draw(st.integers(1, 3))):
        born_on = draw(st.dates(date(1996, 1, 1), date(2013, 12, 31)))
        count = draw(st.sampled_from([0, 1, 1, 2]))
        trajectories = tuple(
            TrajectorySpec(
                referred_after_days=draw(st.integers(0, 5 * YEAR)),
                closed_after_days=draw(st.none() | st.integers(0, 4 * YEAR)),
                held=draw(st.sampled_from([False, False, False, True])),
            )
            for _ in range(count)
        )
        youths.append(YouthSpec(born_on, trajectories))
    networks = []
    member_only_used: set[int] = set()
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 2]))):
        candidates = [
            index
            for index, youth in enumerate(youths)
            if youth.trajectories or index not in member_only_used
        ]
        members = tuple(
            sorted(
                draw(st.sets(st.sampled_from(candidates), min_size=1, max_size=2))
                if candidates
                else ()
            )
        )
        member_only_used |= {index for index in members if not youths[index].trajectories}
        latest_birth = max((youths[index].born_on for index in members), default=date(2008, 1, 1))
        opened_on = date.fromordinal(
            max(latest_birth, date(2008, 1, 1)).toordinal()
            + draw(st.integers(12 * YEAR, 20 * YEAR))
        )
        networks.append(
            NetworkSpec(
                opened_on=opened_on,
                members=members,
                closed_after_days=draw(st.sampled_from([None, 0, 1]) | st.integers(0, 3 * YEAR)),
                held=draw(st.sampled_from([False, False, False, True])),
            )
        )
    # Youths on no list and without a trajectory have nothing to keep: give them none.
    listed = {index for network in networks for index in network.members}
    kept = [i for i, youth in enumerate(youths) if youth.trajectories or i in listed]
    renumber = {old: new for new, old in enumerate(kept)}
    youths = [youths[i] for i in kept]
    networks = [
        NetworkSpec(n.opened_on, tuple(renumber[i] for i in n.members), n.closed_after_days, n.held)
        for n in networks
    ]
    # Half the runs fall on, or a day beside, a day a term ends: where an off-by-one would show.
    ends = [anniversary(youth.born_on, 23) for youth in youths]
    ends += [
        anniversary(closing_day(referral_day(youth, t), t.closed_after_days), 5)
        for youth in youths
        for t in youth.trajectories
        if t.closed_after_days is not None
    ]
    for network in networks:
        if network.closed_after_days is not None:
            closed = closing_day(network.opened_on, network.closed_after_days)
            ends += [closed, anniversary(closed, 5)]
    near = st.sampled_from(ends).flatmap(
        lambda end: st.sampled_from([-1, 0, 1]).map(lambda shift: closing_day(end, shift))
    )
    anywhere = st.dates(date(2010, 1, 1), date(2045, 12, 31))
    today = draw(st.one_of(anywhere, near) if ends else anywhere)
    return Spec(tuple(youths), tuple(networks), today)


def _settings(database_url: str, schema: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=data_dir,
        master_key=TEST_MASTER_KEY,
        snapshot_interval=50,
        log_level="WARNING",
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=specs())
def test_exactly_the_due_records_are_erased_and_holds_respected(
    spec: Spec, database_url: str, tmp_path: Path
) -> None:
    schema = f"t_ret_{secrets.token_hex(6)}"
    ensure_schema(database_url, schema)
    with open_application(_settings(database_url, schema, tmp_path)) as app:
        world = World(app, spec).record()
        app.clock = lambda: datetime.combine(spec.today, time(12), tzinfo=UTC)
        terms = RetentionTerms()
        context = retention_context(Settings())
        want = expected(spec)
        event(f"youths due: {min(len(want.youths), 2)}")
        event(f"trajectories due: {min(len(want.trajectories), 2)}")
        event(f"name lists due: {len(want.name_lists)}, networks due: {len(want.networks)}")
        event(f"held records: {sum(t.held for y in spec.youths for t in y.trajectories)}")

        dry = run_retention(app, context, terms, dry_run=True)
        assert _due_ids(dry.due) == _expected_ids(world, want)
        assert not any(app.trajectory(t).erased for ids in world.trajectory_ids for t in ids)

        report = run_retention(app, context, terms)
        assert not report.failed
        assert _due_ids(report.erased) == _expected_ids(world, want)
        _check_trajectories(app, world, want)
        _check_networks(app, world, want)

        again = run_retention(app, context, terms)
        assert again.counts["due"] == 0
        assert again.erased == ()
        # What holds keep is still reported as held, every run.
        assert len(again.held) == len(report.held)


def _due_ids(items: Iterable[Due | Erased]) -> set[tuple[RecordKind, UUID]]:
    return {(item.kind, item.record_id) for item in items}


def _expected_ids(world: World, want: Expected) -> set[tuple[RecordKind, UUID]]:
    ids: set[tuple[RecordKind, UUID]] = {
        (RecordKind.YOUTH, world.youth_ids[index]) for index in want.youths
    }
    for index, number in want.trajectories:
        if index not in want.youths:
            ids.add((RecordKind.TRAJECTORY, world.trajectory_ids[index][number]))
    ids |= {(RecordKind.NAME_LIST, world.network_ids[n]) for n in want.name_lists}
    ids |= {(RecordKind.NETWORK, world.network_ids[n]) for n in want.networks}
    return ids


def _check_trajectories(app: PgaApplication, world: World, want: Expected) -> None:
    for index, ids in enumerate(world.trajectory_ids):
        for number, trajectory_id in enumerate(ids):
            trajectory = app.trajectory(trajectory_id)
            erased = (index, number) in want.trajectories
            assert trajectory.erased is erased, (index, number)
            tombstones = [
                event for event in app.events.get(trajectory_id) if isinstance(event, SubjectErased)
            ]
            assert [t.basis for t in tombstones] == (["bewaartermijn"] if erased else [])
            if erased:  # the keys are gone: a fresh load shows no personal value
                assert trajectory.given_name is None
                assert trajectory.police_reference is None
            else:
                assert trajectory.given_name == "Bewaarjongere"


def _check_networks(app: PgaApplication, world: World, want: Expected) -> None:
    for number, network_id in enumerate(world.network_ids):
        spec = world.spec.networks[number]
        network = app.network(network_id)
        events = list(app.events.get(network_id))
        name_lists = [e for e in events if isinstance(e, NameListErased)]
        files = [e for e in events if isinstance(e, NetworkErased)]
        assert len(name_lists) == (number in want.name_lists)
        assert len(files) == (number in want.networks)
        if name_lists:
            placed = {world.youth_ids[index] for index in spec.members}
            assert set(name_lists[0].member_ids) == placed
        entries = [e for e in events if isinstance(e, MemberPlaced)]
        if spec.held:  # nothing of a held network is erased, also once it is closed
            assert [e.given_name for e in entries] == ["Groepslid"] * len(spec.members)
        for index in spec.members:  # an erased youth's entry here has a tombstone
            if index in want.youths:
                youth = world.youth_ids[index]
                assert (
                    files
                    or any(youth in e.member_ids for e in name_lists)
                    or any(isinstance(e, MemberErased) and e.member_id == youth for e in events)
                ), (number, index)
                assert all(e.given_name == "" for e in entries if e.member_id == youth)
        if spec.closed_after_days is None:  # open: its members leave only by the age term
            still = {world.youth_ids[index] for index in spec.members} - {
                world.youth_ids[index] for index in want.youths
            }
            assert set(network.members) == still
