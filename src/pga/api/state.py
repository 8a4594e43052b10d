"""What every request handler shares (application, read-model pool, settings), and the guards."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from litestar.exceptions import PermissionDeniedException

from pga.api.access import request_id
from pga.domain.catalogue import PartnerRole
from pga.domain.clock import MUNICIPAL_TIME
from pga.recording import Actor, CommandContext
from projections.control import ReadModelUnavailable
from projections.partner_views import Viewer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import date

    from litestar import Request
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler
    from psycopg_pool import ConnectionPool

    from pga.api.auth import VerificationKeys
    from pga.application import PgaApplication
    from pga.audit.access_log import AccessLogWriter
    from pga.privacy.policy import Policy
    from pga.settings import Settings
    from projections.caseload import CaseloadThresholds
    from projections.network_board import StepDeadlines

#: ``app.state`` key of the ``ApiState``.
STATE_KEY = "pga"


@dataclass
class ApiState:
    """The objects one API process holds for its whole life (created in the lifespan)."""

    settings: Settings
    app: PgaApplication
    pool: ConnectionPool[Any]
    keys: VerificationKeys
    thresholds: CaseloadThresholds
    deadlines: StepDeadlines
    minimum_cell: int
    policy: Policy
    access_log: AccessLogWriter | None
    """Writes the access log (``None`` only in the benchmark's no-log baseline)."""

    @property
    def schema(self) -> str:
        """The event store's schema (read models live in ``<schema>_<name>``)."""
        return self.settings.database_schema

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Lend an autocommit connection for read-model queries.

        A read model that has not been built yet (its tables do not exist) is 503, not 500.
        """
        try:
            with self.pool.connection() as connection:
                yield connection
        except psycopg.errors.UndefinedTable:
            msg = "a read model is not built yet"
            raise ReadModelUnavailable(msg) from None

    def today(self) -> date:
        """Today, in the application's clock (signals and deadlines are relative to it)."""
        return self.app.clock().astimezone(MUNICIPAL_TIME).date()


def api_state(request: Request[Any, Any, Any]) -> ApiState:
    """Return the process's ``ApiState``."""
    state: ApiState = request.app.state[STATE_KEY]
    return state


def actor(request: Request[Any, Any, Any]) -> Actor:
    """Return the authenticated actor (guards have already checked it exists)."""
    user = request.scope.get("user")
    if not isinstance(user, Actor):  # pragma: no cover - the JWT middleware guarantees it
        raise PermissionDeniedException
    return user


def command_context(request: Request[Any, Any, Any]) -> CommandContext:
    """Who acts and which request this is (``request_id``: the access log's trace id too)."""
    return CommandContext(actor=actor(request), correlation_id=request_id(request.scope))


def partner_views(policy: Policy, role: PartnerRole) -> bool:
    """Every partner role the policy describes may read (its own, filtered view)."""
    return policy.partner(role) is not None


def partner_command(operation_id: str) -> Callable[[Policy, PartnerRole], bool]:
    """Return the rule: the partner roles the policy grants ``operation_id``."""

    def rule(policy: Policy, role: PartnerRole) -> bool:
        return policy.may_issue(role, operation_id)

    rule.__name__ = f"may_{operation_id}"
    return rule


def requires(
    *roles: PartnerRole,
    partners: Callable[[Policy, PartnerRole], bool] | None = None,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """Return a guard: the actor directs (one of ``roles``, at a regie organisation) or partners.

    The regie organisations are the municipality and those directing cases on its behalf
    (``PGA_REGIE_ORGANISATIONS``). ``partners`` says which partner roles pass too (their views
    and their commands are then limited by need-to-know in the handler).

    OPTIONS requests pass: the JWT middleware does not authenticate them, and they show no data.
    """
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return
        user = connection.scope.get("user")
        if not isinstance(user, Actor):
            raise PermissionDeniedException
        state: ApiState = connection.app.state[STATE_KEY]
        if user.role in allowed and user.organisation in state.settings.regie_organisations:
            return
        if partners is not None and partners(state.policy, user.role):
            return
        raise PermissionDeniedException

    guard.__name__ = f"requires_{'_or_'.join(sorted(role.value for role in allowed))}"
    return guard


def partner_viewer(request: Request[Any, Any, Any], *roles: PartnerRole) -> Viewer | None:
    """Return the partner asking, or ``None`` when the actor directs (sees everything).

    The guard has passed, so an actor that does not direct (one of ``roles`` at a regie
    organisation) is a partner role of the policy.
    """
    user = actor(request)
    state = api_state(request)
    if user.role in roles and user.organisation in state.settings.regie_organisations:
        return None
    return Viewer(organisation=user.organisation, role=user.role.value)


#: Who directs trajectories (the full representation); partners follow the privacy policy.
TRAJECTORY_ROLES = (PartnerRole.REGISSEUR,)
#: Who directs youth networks (the full representation); partners follow the privacy policy.
NETWORK_ROLES = (PartnerRole.REGISSEUR, PartnerRole.PROCESREGISSEUR)
#: Who may read the (suppressed, aggregate) half-year figures.
FIGURES_ROLES = (
    PartnerRole.REGISSEUR,
    PartnerRole.PROCESREGISSEUR,
    PartnerRole.BURGEMEESTER,
    PartnerRole.BEHEERDER,
)
