"""The event store's configuration and the database status against a real PostgreSQL."""

from __future__ import annotations

import secrets
import threading

from pga.store.database import (
    create_database,
    database_status,
    drop_database,
    eventsourcing_env,
)

from .notebook import Note, NoteBook

_NOTE_KIND = Note.__module__


def test_an_application_on_the_derived_environment_saves_and_reloads_an_aggregate(
    database_url: str, schema: str
) -> None:
    with NoteBook(env=eventsourcing_env(database_url, schema)) as writer:
        note_id = writer.write("first draft")
        note: Note = writer.repository.get(note_id)
        note.amend("second draft")
        writer.save(note)

    with NoteBook(env=eventsourcing_env(database_url, schema)) as reader:
        assert reader.read(note_id) == "second draft"
        assert reader.repository.get(note_id).version == 2


def test_status_counts_the_stored_events_per_module_and_the_snapshots(
    database_url: str, schema: str
) -> None:
    with NoteBook(env=eventsourcing_env(database_url, schema)) as notebook:
        first = notebook.write("one")
        notebook.write("two")
        note: Note = notebook.repository.get(first)
        note.amend("one, amended")
        notebook.save(note)
        notebook.take_snapshot(first)

    status = database_status(database_url, schema)

    assert status.reachable
    assert status.error is None
    assert status.server_version
    assert status.total_events == 3
    assert dict(status.events_by_kind) == {_NOTE_KIND: 3}
    assert status.snapshots == 1


def test_status_of_a_schema_without_an_event_store_counts_nothing(
    database_url: str, schema: str
) -> None:
    status = database_status(database_url, schema)

    assert status.reachable
    assert status.total_events == 0
    assert dict(status.events_by_kind) == {}
    assert status.snapshots == 0


def test_status_is_for_the_schema_asked_about(database_url: str, schema: str) -> None:
    with NoteBook(env=eventsourcing_env(database_url, schema)) as notebook:
        notebook.write("in the test's schema")

    assert database_status(database_url, schema).total_events == 1
    assert database_status(database_url, "public").total_events == 0


def test_workers_starting_at_once_may_all_create_the_same_database(database_url: str) -> None:
    name = f"pga_race_{secrets.token_hex(4)}"
    failures: list[BaseException] = []
    start = threading.Barrier(6)

    def create() -> None:
        start.wait()
        try:
            create_database(database_url, name, exist_ok=True)
        except Exception as failure:  # noqa: BLE001 - collected for the assertion
            failures.append(failure)

    workers = [threading.Thread(target=create) for _ in range(6)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert failures == []
    finally:
        drop_database(database_url, name)
