"""What an access-log entry costs a request: queued encoded, request ids drawn in bulk."""

from __future__ import annotations

import asyncio
import gc
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import psycopg
import pytest

from pga.api import access
from pga.audit.access_log import (
    AccessEntry,
    AccessLogWriter,
    _canonical,
    _encoded,
    _entry_of,
)
from tests.unit.test_access_log_entries import ENTRY

# The request path's private helpers are what these tests are about.
_fresh_id = access._fresh_id  # noqa: SLF001
_FRESH = access._FRESH  # noqa: SLF001
_FRESH_BATCH = access._FRESH_BATCH  # noqa: SLF001
_trace_id = access._trace_id  # noqa: SLF001
_headers = access._headers  # noqa: SLF001


@pytest.mark.parametrize(
    "entry",
    [
        ENTRY,
        msgspec.structs.replace(
            ENTRY,
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC),  # no microseconds: still six digits
            on_behalf_of="u-regie-09",
            subjects=tuple(uuid.UUID(int=n) for n in range(50)),
            status=404,
        ),
        msgspec.structs.replace(ENTRY, user="u-\x00-regie", subjects=()),  # NUL: not storable
    ],
)
def test_a_queued_row_reads_back_as_the_entry_it_was_encoded_from(entry: AccessEntry) -> None:
    row = _encoded(entry)
    assert isinstance(row, bytes)
    assert row == _canonical(entry)
    assert _entry_of(row) == entry
    assert _canonical(_entry_of(row)) == row


def test_what_waits_in_the_queue_is_nothing_the_garbage_collector_scans() -> None:
    row = _encoded(ENTRY)
    assert not gc.is_tracked(row)
    assert gc.is_tracked(ENTRY)  # what the queue held before: an entry with a tuple of ids


def test_an_entry_that_cannot_be_encoded_is_queued_as_it_is() -> None:
    entry = msgspec.structs.replace(ENTRY, on_behalf_of="u-\ud800")  # a lone surrogate
    assert _encoded(entry) is entry


def test_new_request_ids_are_distinct_version_4_uuids() -> None:
    drawn = [_fresh_id() for _ in range(3 * _FRESH_BATCH + 7)]  # several refills
    assert len(set(drawn)) == len(drawn)
    for hex_id in drawn:
        parsed = uuid.UUID(hex=hex_id)
        assert (parsed.hex, parsed.version, parsed.variant) == (hex_id, 4, uuid.RFC_4122)


def test_a_forked_process_never_reuses_its_parents_request_ids() -> None:
    _fresh_id()  # the pool now holds ids
    assert _FRESH
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        os._exit(0 if not _FRESH else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def _scope(request_id: str | None = None) -> dict[str, Any]:
    headers = [] if request_id is None else [(b"x-request-id", request_id.encode())]
    return {"type": "http", "headers": headers}


def test_the_trace_id_is_the_request_id_whichever_is_asked_first() -> None:
    scope = _scope()
    trace = _trace_id(scope, _headers(scope))  # type: ignore[arg-type]
    assert access.request_id(scope).hex == trace  # type: ignore[arg-type]
    assert _trace_id(scope, {}) == trace  # type: ignore[arg-type]
    scope = _scope()
    made = access.request_id(scope)  # type: ignore[arg-type]
    assert _trace_id(scope, {}) == made.hex  # type: ignore[arg-type]
    assert access.request_id(scope) is made  # type: ignore[arg-type]


def test_a_given_request_id_is_kept_and_anything_else_replaced() -> None:
    given = "0f5b3c1e-5a4b-4c3d-9e2f-1a2b3c4d5e6f"
    scope = _scope(given)
    assert _trace_id(scope, _headers(scope)) == uuid.UUID(given).hex  # type: ignore[arg-type]
    for wrong in ("not-a-uuid", "g" * 32, ""):
        scope = _scope(wrong)
        trace = _trace_id(scope, _headers(scope))  # type: ignore[arg-type]
        assert uuid.UUID(hex=trace).version == 4


def test_the_writer_queues_each_entry_as_its_encoded_row() -> None:
    async def scenario() -> None:
        connecting = asyncio.Event()
        release = asyncio.Event()

        async def connect() -> Any:  # noqa: ANN401 - never returns: the writer's write fails
            connecting.set()
            await release.wait()
            msg = "no database in this test"
            raise psycopg.OperationalError(msg)

        writer = AccessLogWriter(connect, "pga", max_delay=0.01)
        writer.start()
        try:
            writer.submit(ENTRY)
            await asyncio.wait_for(connecting.wait(), 10)  # the first entry is being written
            writer.submit(ENTRY)
            queued = writer._queue  # noqa: SLF001 - what waits is the point
            assert queued == [(_canonical(ENTRY), None)]
            assert not gc.is_tracked(queued[0][0])
        finally:
            release.set()
            await writer.close()

    asyncio.run(scenario())
