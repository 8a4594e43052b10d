"""What the API shows a partner: its own view, and only while its organisation is involved.

A partner role (one the privacy policy describes) reads the same URLs as the regie roles and
gets its read model's view instead (``projections.partner_views``): list endpoints list only the
cases its organisation is involved in now; detail endpoints answer 404, as for an unknown id,
when it was never involved in that role. Whether it is involved *now* is read from the aggregate
itself, so a withdrawal takes effect on the very next request even while the read model still
catches up; after withdrawal it sees that it was involved and its own records, at L0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pga.api.common import query_error
from pga.api.problems import BadRequest, NotInvolved
from projections.partner_views import (
    PartnerNetwork,
    PartnerTimelinePage,
    PartnerTrajectory,
    Viewer,
    partner_network,
    partner_timeline,
    partner_trajectory,
)

if TYPE_CHECKING:
    from collections.abc import Collection
    from uuid import UUID

    from litestar import Request

    from pga.api.state import ApiState


def involved_now(aggregate: Any, viewer: Viewer) -> bool:  # noqa: ANN401 - a trajectory or network
    """Whether the aggregate lists the viewer's organisation as involved, in the viewer's role."""
    involvement = aggregate.partners.get(viewer.organisation)
    return involvement is not None and involvement.role.value == viewer.role


def trajectory_view(state: ApiState, trajectory_id: UUID, viewer: Viewer) -> PartnerTrajectory:
    """Return the partner's view of a trajectory (404 when never involved in this role)."""
    involved = involved_now(state.app.trajectory(trajectory_id), viewer)
    with state.connection() as connection:
        view = partner_trajectory(connection, state.schema, trajectory_id, viewer)
    if view is None:
        raise NotInvolved
    if view.access == "involved" and not involved:
        return PartnerTrajectory(
            id=view.id, access="former", role=view.role, involved_since=view.involved_since
        )
    return view


def network_view(state: ApiState, network_id: UUID, viewer: Viewer) -> PartnerNetwork:
    """Return the partner's view of a youth network (404 when never a partner in this role)."""
    involved = involved_now(state.app.network(network_id), viewer)
    with state.connection() as connection:
        view = partner_network(connection, state.schema, network_id, viewer)
    if view is None:
        raise NotInvolved
    if view.access == "involved" and not involved:
        return PartnerNetwork(
            id=view.id, access="former", role=view.role, involved_since=view.involved_since
        )
    return view


def timeline_view(
    state: ApiState,
    aggregate: Any,  # noqa: ANN401 - a trajectory or network
    kind: str,
    viewer: Viewer,
    *,
    page: int,
    page_size: int,
    order: str,
) -> PartnerTimelinePage:
    """Return one page of the records the partner sees of an aggregate (404: never involved)."""
    try:
        with state.connection() as connection:
            result = partner_timeline(
                connection,
                state.schema,
                aggregate.id,
                viewer,
                kind,
                page=page,
                page_size=page_size,
                order=order,
                involved_now=involved_now(aggregate, viewer),
            )
    except ValueError as error:
        raise query_error(error) from None
    if result is None:
        raise NotInvolved
    return result


def refuse_regie_filters(request: Request[Any, Any, Any], names: Collection[str]) -> None:
    """Refuse list parameters that only the regie's list offers (400, naming them)."""
    given = sorted(name for name in names if name in request.query_params)
    if given:
        raise BadRequest(
            f"Niet beschikbaar voor deze rol: {', '.join(given)}.",
            rule="parameter-not-available",
        )
