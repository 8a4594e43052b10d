"""The embedded PostgreSQL server pga runs when no database URL is configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pga.settings import Settings
from pga.store.database import ensure_schema, eventsourcing_env, resolve_database_url
from pga.store.embedded import start_embedded, stop_embedded

from .notebook import NoteBook

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.slow
def test_embedded_server_starts_from_nothing_and_keeps_its_events_across_a_restart(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"  # does not exist yet
    settings = Settings(data_dir=data_dir)
    try:
        url = resolve_database_url(settings)
        assert url.startswith("postgresql://postgres:@/pga?host=/")
        ensure_schema(url, settings.database_schema)
        with NoteBook(env=eventsourcing_env(url, settings.database_schema)) as notebook:
            note_id = notebook.write("kept across a restart")

        assert stop_embedded(data_dir)
        assert not stop_embedded(data_dir)  # nothing runs any more

        start_embedded(data_dir)  # the same data directory, a new server process
        url_again = resolve_database_url(settings)
        with NoteBook(env=eventsourcing_env(url_again, settings.database_schema)) as notebook:
            assert notebook.read(note_id) == "kept across a restart"
    finally:
        stop_embedded(data_dir)
