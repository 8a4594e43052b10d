"""The pga domain: pure aggregates, events, rules and the catalogue (no I/O).

``Trajectory`` is one juvenile's PGA 18min trajectory; ``YouthNetwork`` is one youth group or
network in the CCV 7-stappenmodel. Both are ``eventsourcing`` aggregates whose command methods
enforce the rules of DOMAIN.md and raise the errors in ``pga.domain.errors``.
"""

from pga.domain.catalogue import DEFAULT_CATALOGUE, Catalogue, PartnerRole
from pga.domain.common import Involvement, PgaEvent
from pga.domain.errors import DomainError, RuleViolation, StateConflict
from pga.domain.network import NETWORK_EVENTS, NetworkStep, YouthNetwork
from pga.domain.trajectory import TRAJECTORY_EVENTS, Trajectory, TrajectoryStatus

__all__ = [
    "DEFAULT_CATALOGUE",
    "NETWORK_EVENTS",
    "TRAJECTORY_EVENTS",
    "Catalogue",
    "DomainError",
    "Involvement",
    "NetworkStep",
    "PartnerRole",
    "PgaEvent",
    "RuleViolation",
    "StateConflict",
    "Trajectory",
    "TrajectoryStatus",
    "YouthNetwork",
]
