"""The per-subject key store across aggregates and processes, on the tests' key database.

Keys are owned per (subject, aggregate): one youth's entries in two networks are under two keys,
so one network's name list can be destroyed without the other's. An erasure reaches every other
process at once (``NOTIFY``), not after the cache's backstop of a minute; a listener whose
connection breaks reconnects and clears the cache (announcements may have been missed); a forked
process listens on its own connection. Two ``SubjectKeyStore`` instances on one key database
stand for two processes (each has its own caches and listener).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import JSONTranscoder
from psycopg import sql

from pga.domain.clock import recording_clock
from pga.domain.network import ActionLevel, NetworkStep, YouthNetwork
from pga.store.keys import MasterKey
from pga.store.mapper import ERASED, ERASED_TEXT, PgaMapper, SnapshotErased
from pga.store.subject_keys import (
    ANNOUNCED_IDS,
    CACHE_SECONDS,
    ERASED_TABLE,
    KEYS_TABLE,
    SubjectKeyProtector,
    SubjectKeyStore,
    erasure_channel,
)
from tests.subject_keys import TEST_MASTER_KEY
from tests.unit.builders import GIVEN_NAME, LATER, action, member, network_in_step

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from eventsourcing.persistence import StoredEvent

#: How long another process may take to hear of an erasure (far below ``CACHE_SECONDS``).
AT_ONCE = 2.0


def eventually(condition: Callable[[], bool], within: float = AT_ONCE) -> bool:
    """Poll ``condition`` until it holds (``True``) or ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


@pytest.fixture
def other_process(keys_database_url: str, schema: str) -> Iterator[SubjectKeyStore]:
    """Yield a second key store on the same key database and schema: another process's."""
    keys = SubjectKeyStore(keys_database_url, schema, MasterKey(TEST_MASTER_KEY))
    yield keys
    keys.close()


def cached_and_listening(keys: SubjectKeyStore, key_id: UUID) -> None:
    """Wait until ``keys`` listens, then read ``key_id`` so that its cache holds it, trusted."""
    assert keys.key(key_id) is not None  # the first key read starts the listener
    assert eventually(lambda: keys.listening)
    assert keys.key(key_id) is not None  # (connecting cleared the cache: read it once more)


# --- keys per (subject, aggregate) ---


def test_a_members_entries_in_two_networks_are_under_two_keys_destroyed_one_network_at_a_time(
    subject_keys: SubjectKeyStore, other_process: SubjectKeyStore
) -> None:
    mapper = PgaMapper(JSONTranscoder(), protector=SubjectKeyProtector(subject_keys))
    placed = member(placed_on=LATER)
    networks = [network_in_step(NetworkStep.NAME_LIST) for _ in range(2)]
    stored: list[list[StoredEvent]] = []
    with recording_clock(lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        for network in networks:
            network.place_member(placed)  # the same youth on both name lists
            records = [mapper.to_stored_event(event) for event in network.collect_events()]
            records.append(mapper.to_stored_event(YouthNetwork.Snapshot.take(network)))
            stored.append(records)
    member_only = frozenset({placed.member_id})

    def key_ids(records: list[StoredEvent]) -> set[UUID]:
        return set().union(*(mapper.key_ids(record, member_only) for record in records))

    first, second = key_ids(stored[0]), key_ids(stored[1])
    assert first
    assert second
    assert not first & second
    assert subject_keys.key_for(placed.member_id, networks[0].id).key_id in first
    assert subject_keys.key_for(placed.member_id, networks[1].id).key_id in second

    assert subject_keys.destroy(first) == len(first)  # the first network's name list

    # Read as another process would, from the key database (no key of its own cached).
    reader = PgaMapper(JSONTranscoder(), protector=SubjectKeyProtector(other_process))
    placed_first: Any = reader.to_domain_event(stored[0][0])
    placed_second: Any = reader.to_domain_event(stored[1][0])
    assert (placed_first.member_id, placed_first.given_name) == (placed.member_id, ERASED_TEXT)
    assert (placed_second.member_id, placed_second.given_name) == (placed.member_id, GIVEN_NAME)
    with pytest.raises(SnapshotErased):
        reader.to_domain_event(stored[0][-1])
    restored = reader.to_domain_event(stored[1][-1]).mutate(None)  # type: ignore[attr-defined]
    assert restored == networks[1]


def test_a_snapshot_keeps_a_members_actions_under_the_members_key(
    subject_keys: SubjectKeyStore,
) -> None:
    mapper = PgaMapper(JSONTranscoder(), protector=SubjectKeyProtector(subject_keys))
    network = network_in_step(NetworkStep.PLAN)  # one member on the list from 2B on
    member_id = next(iter(network.members))
    about_member = action(level=ActionLevel.PERSON, member_id=member_id)
    for_the_group = action()
    with recording_clock(lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        network.plan_action(about_member)
        network.plan_action(for_the_group)
    snapshot = mapper.to_stored_event(YouthNetwork.Snapshot.take(network))

    restored = mapper.to_domain_event(snapshot).mutate(None)  # type: ignore[attr-defined]
    assert restored.actions == network.actions
    network_keys = mapper.key_ids(snapshot, frozenset({network.id}))
    member_keys = mapper.key_ids(snapshot, frozenset({member_id}))
    assert network_keys
    assert member_keys
    assert not network_keys & member_keys

    subject_keys.destroy(member_keys)  # the member's erasure
    with pytest.raises(SnapshotErased):  # the aggregate replays from its events instead
        mapper.to_domain_event(snapshot)
    # What the network's own key opens holds the group's action, not the member's.
    document = json.loads(snapshot.state)
    group_part = SubjectKeyProtector(subject_keys).reveal(
        network.id, network.id, document["personal"]
    )
    assert set(group_part["actions"]) == {str(for_the_group.action_id)}


def test_an_owners_key_is_its_own_in_each_aggregate_and_stays_its_own(
    subject_keys: SubjectKeyStore,
) -> None:
    subject, network, other_network = uuid4(), uuid4(), uuid4()
    key = subject_keys.key_for(subject, network).key_id

    assert subject_keys.key_for(subject, network).key_id == key
    assert subject_keys.key_for(subject, other_network).key_id != key
    assert subject_keys.key_for(network, network).key_id != key


# --- erasure reaches other processes at once ---


def test_another_process_stops_decrypting_erased_values_at_once_however_many_keys(
    subject_keys: SubjectKeyStore, other_process: SubjectKeyStore
) -> None:
    writer, reader = SubjectKeyProtector(subject_keys), SubjectKeyProtector(other_process)
    aggregate = uuid4()
    # More keys than one announcement names: the ids go out in several NOTIFY payloads.
    values = {uuid4(): f"waarde-{n}" for n in range(2 * ANNOUNCED_IDS + 50)}
    stored = {
        subject: writer.protect(subject, aggregate, value) for subject, value in values.items()
    }
    key_ids = {writer.key_id(envelope) for envelope in stored.values()}
    assert None not in key_ids
    assert len(key_ids) == len(values)
    first_subject = next(iter(values))
    assert writer.reveal(first_subject, aggregate, stored[first_subject]) == values[first_subject]
    cached_and_listening(other_process, UUID(stored[first_subject]["key"]))
    for subject, envelope in stored.items():
        assert reader.reveal(subject, aggregate, envelope) == values[subject]  # now cached
    kept = writer.protect(uuid4(), aggregate, "blijft")
    assert other_process.key(UUID(kept["key"])) is not None

    started = time.monotonic()
    assert subject_keys.destroy({key_id for key_id in key_ids if key_id}) == len(key_ids)

    assert eventually(
        lambda: all(
            reader.reveal(subject, aggregate, envelope) is ERASED
            for subject, envelope in stored.items()
        )
    )
    assert time.monotonic() - started < AT_ONCE < CACHE_SECONDS
    assert other_process.listening  # heard, not re-read because the listener was down
    assert other_process.key(UUID(kept["key"])) is not None  # only the destroyed keys


def test_a_broken_listener_reconnects_and_clears_the_cache(
    subject_keys: SubjectKeyStore,
    other_process: SubjectKeyStore,
    keys_database_url: str,
    schema: str,
) -> None:
    protector = SubjectKeyProtector(other_process)
    subject, aggregate = uuid4(), uuid4()
    envelope = protector.protect(subject, aggregate, "waarde")
    key_id = UUID(envelope["key"])
    cached_and_listening(other_process, key_id)
    listener = other_process.listener_backend_pid
    assert listener is not None
    with psycopg.connect(keys_database_url, autocommit=True) as connection:
        # An erasure whose announcement this process misses (no NOTIFY): only the cache knows.
        with connection.transaction():
            connection.execute(
                sql.SQL("DELETE FROM {} WHERE key_id = %s").format(
                    sql.Identifier(schema, KEYS_TABLE)
                ),
                (key_id,),
            )
            connection.execute(
                sql.SQL("INSERT INTO {} (key_id) VALUES (%s)").format(
                    sql.Identifier(schema, ERASED_TABLE)
                ),
                (key_id,),
            )
        assert other_process.key(key_id) is not None  # still trusted: what the test is about

        connection.execute("SELECT pg_terminate_backend(%s)", (listener,))

    assert eventually(lambda: other_process.listener_backend_pid not in {None, listener}, 5.0)
    assert other_process.key(key_id) is None  # the cache was cleared on reconnecting
    assert protector.reveal(subject, aggregate, envelope) is ERASED
    # The new connection hears the next erasure.
    later = protector.protect(uuid4(), aggregate, "later")
    later_key = UUID(later["key"])
    assert other_process.key(later_key) is not None
    subject_keys.destroy({later_key})
    assert eventually(lambda: other_process.key(later_key) is None)
    assert other_process.listening


def test_a_forked_process_listens_on_its_own_and_leaves_the_parents_listener_alone(
    subject_keys: SubjectKeyStore, other_process: SubjectKeyStore
) -> None:
    writer = SubjectKeyProtector(subject_keys)
    aggregate = uuid4()
    before, after = uuid4(), uuid4()
    before_key = UUID(writer.protect(before, aggregate, "voor")["key"])
    after_key = UUID(writer.protect(after, aggregate, "na")["key"])
    cached_and_listening(other_process, before_key)
    parent_listener = other_process.listener_backend_pid
    from_child, to_parent = os.pipe()
    from_parent, to_child = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        os._exit(_child(other_process, before_key, after_key, from_parent, to_parent))
    os.close(to_parent)
    os.close(from_parent)
    try:
        ready = os.read(from_child, 64).decode()
        assert ready.startswith("listening "), ready
        assert int(ready.split()[1]) != parent_listener
        subject_keys.destroy({before_key})
        os.write(to_child, b"go")
        status = _wait_for(child, 10.0)
    finally:
        os.close(from_child)
        os.close(to_child)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's own listener was neither used nor closed by the child.
    assert other_process.listener_backend_pid == parent_listener
    assert eventually(lambda: other_process.key(before_key) is None)
    subject_keys.destroy({after_key})
    assert eventually(lambda: other_process.key(after_key) is None)


def _child(keys: SubjectKeyStore, erased: UUID, kept: UUID, commands: int, reports: int) -> int:
    """In the forked process: listen, then see the parent's erasure at once (exit 0) or not."""
    try:
        if keys.key(kept) is None or not eventually(lambda: keys.listening):
            return 2
        assert keys.key(erased) is not None  # cached in the child, trusted
        os.write(reports, f"listening {keys.listener_backend_pid}".encode())
        os.read(commands, 8)
        if not eventually(lambda: keys.key(erased) is None):
            return 3
        return 0 if keys.key(kept) is not None else 4
    except BaseException:  # noqa: BLE001 - anything else is a failure of the child
        return 5
    finally:
        keys.close()


def _wait_for(pid: int, seconds: float) -> int:
    """Return the wait status of child ``pid``; kill it when it takes longer than ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            return status
        time.sleep(0.02)
    os.kill(pid, 9)
    return os.waitpid(pid, 0)[1]


# --- the listener's lifetime ---


def test_close_ends_the_listeners_session(
    other_process: SubjectKeyStore, keys_database_url: str
) -> None:
    cached_and_listening(other_process, other_process.key_for(uuid4(), uuid4()).key_id)
    listener = other_process.listener_backend_pid

    other_process.close()

    assert not other_process.listening
    assert other_process.listener_backend_pid is None
    with psycopg.connect(keys_database_url, autocommit=True) as connection:
        assert eventually(
            lambda: (
                not connection.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (listener,)
                ).fetchall()
            )
        )


def test_the_listener_does_not_keep_a_process_alive(keys_database_url: str, schema: str) -> None:
    program = (
        "import sys, time\n"
        "from uuid import uuid4\n"
        "from pga.store.keys import MasterKey\n"
        "from pga.store.subject_keys import SubjectKeyStore\n"
        "keys = SubjectKeyStore(sys.argv[1], sys.argv[2], MasterKey(bytes.fromhex(sys.argv[3])))\n"
        "keys.key(keys.key_for(uuid4(), uuid4()).key_id)\n"
        "deadline = time.monotonic() + 5\n"
        "while not keys.listening and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "print('listening' if keys.listening else 'not listening')\n"
    )  # ends without closing the store
    finished = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", program, keys_database_url, schema, TEST_MASTER_KEY.hex()],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert (finished.returncode, finished.stdout.strip()) == (0, "listening"), finished.stderr


def test_a_schema_too_long_for_a_channel_name_still_announces(keys_database_url: str) -> None:
    schema = f"t_{uuid4().hex}{uuid4().hex[:26]}"  # 60 characters: with the table's name, > 63
    assert len(erasure_channel(schema).encode()) <= 63
    assert erasure_channel(schema) != erasure_channel(schema[:-1] + "x")
    first = SubjectKeyStore(keys_database_url, schema, MasterKey(TEST_MASTER_KEY))
    second = SubjectKeyStore(keys_database_url, schema, MasterKey(TEST_MASTER_KEY))
    try:
        key_id = first.key_for(uuid4(), uuid4()).key_id
        cached_and_listening(second, key_id)

        first.destroy({key_id})

        assert eventually(lambda: second.key(key_id) is None)
        assert second.listening
    finally:
        first.close()
        second.close()
        with psycopg.connect(keys_database_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
