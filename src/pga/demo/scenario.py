"""The demo scenario: who is referred when, which networks open, and the run that records them."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import TYPE_CHECKING

from pga.demo import texts
from pga.demo.networks import TARGETS, Networks
from pga.demo.simulation import SIMULATION_END, DemoClock, SeededIds, Simulation
from pga.demo.summary import DemoSummary, summarize
from pga.demo.trajectories import AGES_AT_REFERRAL, REFERRAL_OFFENCES, Profile, Trajectories

if TYPE_CHECKING:
    from pga.application import PgaApplication
    from pga.domain.catalogue import Catalogue

_log = logging.getLogger(__name__)

#: Share of trajectories with each feature (each also appears at least once when there are
#: early enough trajectories for it to play out).
FEATURE_RATES = {
    "supervision": 0.4,
    "halt": 0.18,
    "care": 0.35,
    "ots": 0.06,
    "care_report": 0.15,
    "mayor_order": 0.1,
    "escalation": 0.07,
    "correction": 0.05,
}
DECLINED_RATE = 0.1
BOYS_RATE = 0.8
#: Referrals in this first share of the period have the time to reach the plan and beyond.
_EARLY_SHARE = 0.7
#: No referrals in the last days: the police's referral is processed the same week.
_LAST_REFERRAL_MARGIN = 3
_HALT_GUARANTEE_AGE = 16


def generate(
    app: PgaApplication, *, trajectories: int = 120, networks: int = 8, seed: int = 1
) -> DemoSummary:
    """Record two years of synthetic trajectories and youth networks into an empty store.

    ``app`` must be built with ``demo_application_options(seed)`` for the same ``seed``; the
    same seed then records byte-identical events (ids, times and content). Every command goes
    through the application, so a refused command (a ``DomainError``) is a generator bug and
    is raised.
    """
    clock, ids = app.clock, app.new_id
    if not isinstance(clock, DemoClock) or not isinstance(ids, SeededIds) or ids.seed != seed:
        msg = "build the application with demo_application_options(seed) for the same seed"
        raise ValueError(msg)
    if clock() != clock.start:
        msg = "the demo clock has already run: generate into a freshly built application"
        raise ValueError(msg)
    if trajectories < 0 or networks < 0:
        msg = "the numbers of trajectories and networks must not be negative"
        raise ValueError(msg)
    if app.trajectory_ids() or app.network_ids():
        msg = "the event store already holds trajectories or networks; demo data needs an empty one"
        raise ValueError(msg)
    sim = Simulation(app, random.Random(seed), clock, SIMULATION_END)  # noqa: S311 - not for security
    youths = Trajectories(sim)
    for profile in _profiles(sim, trajectories, app.catalogue):
        sim.spawn(youths.process(profile), profile.referred_on)
    groups = Networks(sim, youths.cases)
    for index in range(networks):
        target = TARGETS[index % len(TARGETS)]
        name = texts.NETWORK_NAMES[index % len(texts.NETWORK_NAMES)]
        if index >= len(texts.NETWORK_NAMES):
            name = f"{name} {index // len(texts.NETWORK_NAMES) + 1}"
        sim.spawn(groups.process(target, name), groups.opening_day(target))
    sim.run()
    summary = summarize(app)
    _log.info(
        "demo data recorded: %d trajectories, %d networks, %d events (seed %d)",
        summary.trajectory_count,
        summary.network_count,
        summary.events,
        seed,
    )
    return summary


def _profiles(sim: Simulation, count: int, catalogue: Catalogue) -> list[Profile]:
    """Decide up front when each youth is referred, and what the trajectory will involve."""
    rng = sim.rng
    last = (sim.end - sim.today).days - _LAST_REFERRAL_MARGIN
    days = sorted(rng.randint(0, last) for _ in range(count))
    offences = {
        code: weight
        for code, weight in REFERRAL_OFFENCES.items()
        if code in catalogue.included_offences
    } or dict.fromkeys(sorted(catalogue.included_offences), 1)
    ages = [sim.pick_weighted(AGES_AT_REFERRAL) for _ in range(count)]
    declined = set(rng.sample(range(count), round(count * DECLINED_RATE)))
    early = [index for index in range(round(count * _EARLY_SHARE)) if index not in declined]
    # Halt is for 12 to 17: its guaranteed youth must still be young enough by the plan.
    young = [index for index in early if ages[index] < _HALT_GUARANTEE_AGE]
    features = {
        name: _chosen(sim, count, young if name == "halt" else early, rate)
        for name, rate in FEATURE_RATES.items()
    }
    features["care_report"] |= features["ots"]  # an OTS follows concerns reported to Veilig Thuis
    return [
        Profile(
            referred_on=sim.today + timedelta(days=day),
            age=ages[index],
            boy=sim.chance(BOYS_RATE),
            offence=sim.pick_weighted(offences),
            declined=(sim.pick(("referral", "intake")) if index in declined else None),
            **{
                name: index in chosen and index not in declined for name, chosen in features.items()
            },
        )
        for index, day in enumerate(days)
    ]


def _chosen(sim: Simulation, count: int, early: list[int], rate: float) -> set[int]:
    """Choose trajectories with a feature: each with ``rate``, and at least one early one."""
    chosen = {index for index in range(count) if sim.chance(rate)}
    if early and not chosen.intersection(early):
        chosen.add(sim.pick(early))
    return chosen
