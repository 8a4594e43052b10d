"""The caseload summary: counts only, no personal data, computed from what is stored."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from pga.domain.catalogue import PartnerRole
from pga.domain.network import NetworkStep
from pga.domain.trajectory import InterventionState, TrajectoryStatus

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from pga.application import PgaApplication
    from pga.domain.network import YouthNetwork
    from pga.domain.trajectory import Trajectory

ADULT_AGE = 18
K = TypeVar("K")

_STATUS_LABELS = {status: status.value.replace("_", " ") for status in TrajectoryStatus}
_STATE_LABELS = {
    InterventionState.PLANNED: "gepland",
    InterventionState.STARTED: "lopend",
    InterventionState.COMPLETED: "afgerond",
    InterventionState.ABORTED: "afgebroken",
}
_STEP_LABELS = {
    NetworkStep.SIGNALS: "stap 1",
    NetworkStep.ASSESSMENT: "stap 2A",
    NetworkStep.LIGHT_APPROACH: "2A licht",
    NetworkStep.NAME_LIST: "stap 2B",
    NetworkStep.INTERPRETATION: "stap 3",
    NetworkStep.ADVICE: "stap 4",
    NetworkStep.NOT_PRIORITISED: "niet geprioriteerd",
    NetworkStep.PLAN: "stap 5",
    NetworkStep.EXECUTION: "stap 6",
    NetworkStep.SCALE_DOWN: "stap 7",
    NetworkStep.CLOSED: "gesloten",
}


@dataclass(frozen=True)
class DemoSummary:
    """Counts over every stored trajectory and youth network (no names, no personal data).

    The mappings hold every status, state, step and role, in catalogue order, zeros included.
    ``partner_roles`` counts the files (trajectories and networks) in which an organisation is
    involved in that role now, or was when the file closed.
    """

    as_of: date | None
    trajectories: Mapping[TrajectoryStatus, int]
    interventions: Mapping[InterventionState, int]
    networks: Mapping[NetworkStep, int]
    partner_roles: Mapping[PartnerRole, int]
    organisations: int
    events: int
    open_adults: int
    linked_trajectories: int
    members: int

    @property
    def trajectory_count(self) -> int:
        """Return the number of trajectories."""
        return sum(self.trajectories.values())

    @property
    def network_count(self) -> int:
        """Return the number of youth networks."""
        return sum(self.networks.values())

    def format(self) -> str:
        """Return the summary as a few readable lines (Dutch labels)."""
        as_of = "leeg" if self.as_of is None else f"stand per {self.as_of.isoformat()}"
        roles = ", ".join(
            f"{role.value.replace('_', ' ')} {count}"
            for role, count in sorted(self.partner_roles.items(), key=lambda item: -item[1])
            if count
        )
        interventions = sum(self.interventions.values())
        statuses = _breakdown(self.trajectories, _STATUS_LABELS)
        return "\n".join(
            (
                f"Caseload PGA 18min en jeugdnetwerken ({as_of})",
                f"Trajecten: {self.trajectory_count}{statuses}",
                f"  open en 18 jaar of ouder (overdragen of afsluiten): {self.open_adults}",
                f"  gekoppeld aan een jeugdnetwerk: {self.linked_trajectories}",
                f"Interventies: {interventions}{_breakdown(self.interventions, _STATE_LABELS)}",
                f"Jeugdnetwerken: {self.network_count}{_breakdown(self.networks, _STEP_LABELS)}",
                f"  jongeren op een namenlijst: {self.members}",
                f"Partners: {self.organisations} organisaties betrokken",
                f"  dossiers per rol: {roles or 'geen'}",
                f"Events opgeslagen: {self.events}",
            )
        )


def _breakdown(counts: Mapping[K, int], labels: Mapping[K, str]) -> str:
    parts = [f"{labels[key]} {count}" for key, count in counts.items() if count]
    return f" ({', '.join(parts)})" if parts else ""


def summarize(app: PgaApplication) -> DemoSummary:
    """Return the caseload summary of every trajectory and network stored in ``app``."""
    statuses: Counter[TrajectoryStatus] = Counter()
    states: Counter[InterventionState] = Counter()
    steps: Counter[NetworkStep] = Counter()
    roles: Counter[PartnerRole] = Counter()
    organisations: set[str] = set()
    events = open_adults = linked = members = 0
    trajectories = [app.trajectory(trajectory_id) for trajectory_id in app.trajectory_ids()]
    networks = [app.network(network_id) for network_id in app.network_ids()]
    aggregates: tuple[Trajectory | YouthNetwork, ...] = (*trajectories, *networks)
    # "Now" is the day of the last recorded event, so a summary of demo data stays the same.
    as_of = max((aggregate.modified_on.date() for aggregate in aggregates), default=None)
    for aggregate in aggregates:
        events += aggregate.version
        involvements = tuple(aggregate.partners.values())
        roles.update({involvement.role for involvement in involvements})
        organisations.update(involvement.organisation for involvement in involvements)
    for trajectory in trajectories:
        statuses[trajectory.status] += 1
        states.update(item.state for item in trajectory.interventions.values())
        linked += bool(trajectory.networks)
        age = None if as_of is None else trajectory.age_on(as_of)
        open_adults += not trajectory.is_closed and age is not None and age >= ADULT_AGE
    for network in networks:
        steps[network.step] += 1
        members += len(network.members)
    return DemoSummary(
        as_of=as_of,
        trajectories={status: statuses[status] for status in TrajectoryStatus},
        interventions={state: states[state] for state in InterventionState},
        networks={step: steps[step] for step in NetworkStep},
        partner_roles={role: roles[role] for role in PartnerRole},
        organisations=len(organisations),
        events=events,
        open_adults=open_adults,
        linked_trajectories=linked,
        members=members,
    )
