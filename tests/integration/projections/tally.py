"""Small read models for testing the runner: a tally of events, and one that fails on purpose."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

import msgspec

from projections.base import Batch, Envelope, ReadModel, Rows, Table, aggregate_ids

if TYPE_CHECKING:
    from collections.abc import Sequence


class TallyRow(msgspec.Struct):
    """How many events of each aggregate were applied, and the last version seen."""

    aggregate_id: UUID
    events: int
    last_version: int
    positions: list[int]


TALLY = Table(
    name="tally",
    columns=(
        ("aggregate_id", "uuid NOT NULL"),
        ("events", "integer NOT NULL"),
        ("last_version", "integer NOT NULL"),
        ("positions", "bigint[] NOT NULL"),
    ),
    key=("aggregate_id",),
)


class Tally(ReadModel):
    """Counts events per aggregate and keeps their positions: any double apply shows."""

    name: ClassVar[str] = "tally"
    version: ClassVar[int] = 1
    tables: ClassVar[tuple[Table, ...]] = (TALLY,)

    def __init__(self) -> None:
        self.rows = Rows(TALLY, TallyRow)

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch the batch's tallies."""
        self.rows.load(batch, "aggregate_id", aggregate_ids(envelopes))

    def handle(self, envelope: Envelope) -> None:
        """Count one event."""
        row = self.rows.get(envelope.aggregate_id)
        if row is None:
            row = TallyRow(envelope.aggregate_id, 0, 0, [])
        if envelope.version != row.last_version + 1:
            msg = "events applied out of order"
            raise AssertionError(msg)
        row.events += 1
        row.last_version = envelope.version
        row.positions.append(envelope.position)
        self.rows.put(row)

    def save(self, batch: Batch) -> None:
        """Write the tallies."""
        self.rows.save(batch)

    def reset(self) -> None:
        """Forget the batch."""
        self.rows.clear()


class Fragile(Tally):
    """A tally that fails on one chosen event position (a poison event)."""

    name: ClassVar[str] = "fragile"

    def __init__(self, poison_position: int) -> None:
        super().__init__()
        self.poison_position = poison_position

    def handle(self, envelope: Envelope) -> None:
        """Fail on the poison position; count every other event."""
        if envelope.position == self.poison_position:
            msg = "Testjongere"  # a message quoting data: it must not reach the log or the status
            raise ValueError(msg)
        super().handle(envelope)
