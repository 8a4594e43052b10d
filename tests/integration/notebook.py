"""A tiny aggregate and application to exercise the event store without the domain."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Note(Aggregate):
    """A note whose text can be amended."""

    @event("Written")
    def __init__(self, text: str) -> None:
        """Write a note."""
        self.text = text

    @event("Amended")
    def amend(self, text: str) -> None:
        """Replace the note's text."""
        self.text = text


class NoteBook(Application[UUID]):
    """Stores notes in the tables pga's own application uses (``pga_events``, ``pga_snapshots``)."""

    name = "pga"
    is_snapshotting_enabled = True

    def write(self, text: str) -> UUID:
        """Write a new note and return its id."""
        note = Note(text)
        self.save(note)
        return note.id

    def read(self, note_id: UUID) -> str:
        """Return a note's current text."""
        note: Note = self.repository.get(note_id)
        return note.text
