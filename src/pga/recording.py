"""Who records an event and why: the metadata every stored event carries.

The application stamps each new event with an ``EventMetadata`` before saving it; the store's
mapper keeps it with the event (inside the sealed, protected record) and restores it on load,
so history, projections and audits all read it with ``metadata_of(event)``. The recording time
is the event's own ``timestamp`` (UTC).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

import msgspec

from pga.domain.catalogue import PartnerRole

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol

METADATA_KEY = "metadata"


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """The person acting: the verified JWT claims ``sub``, ``org`` and ``role``."""

    user: str
    organisation: str
    role: PartnerRole
    on_behalf_of: str | None = None


class CommandContext(msgspec.Struct, frozen=True, kw_only=True):
    """One command's context: who acts, why (where the law asks for a reason), which request."""

    actor: Actor
    correlation_id: UUID
    reason: str | None = None


class EventMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """What every stored event records besides its content."""

    user: str
    organisation: str
    role: PartnerRole
    correlation_id: UUID
    reason: str | None = None
    on_behalf_of: str | None = None

    @classmethod
    def of(cls, context: CommandContext) -> EventMetadata:
        """Return the metadata for events recorded in ``context``."""
        actor = context.actor
        return cls(
            user=actor.user,
            organisation=actor.organisation,
            role=actor.role,
            correlation_id=context.correlation_id,
            reason=context.reason,
            on_behalf_of=actor.on_behalf_of,
        )


def stamp(event: DomainEventProtocol[UUID], metadata: EventMetadata) -> None:
    """Attach ``metadata`` to an event (events are frozen dataclasses; this is not a field)."""
    event.__dict__[METADATA_KEY] = metadata


def metadata_of(event: DomainEventProtocol[UUID]) -> EventMetadata | None:
    """Return the metadata recorded with ``event`` (``None`` for an unsaved, unstamped event)."""
    value = event.__dict__.get(METADATA_KEY)
    return value if isinstance(value, EventMetadata) else None
