"""Per-subject data keys for crypto-shredding: a key store outside the event store's database.

Every personal value in the event store is encrypted (AES-GCM) under a *data key* that belongs to
one owner: a subject in one aggregate, the pair (subject id, aggregate id). A trajectory's own
values are owned by (trajectory, trajectory), a network's group-level text by (network, network),
a member's entries in network N by (member, N): one youth's entries in two networks are under two
keys, so destroying one network's name list leaves the youth's entries in the other readable.
Erasing a subject deletes the data keys its stored records name; the stored events stay, their
seals still verify, and their personal values can no longer be decrypted by anyone
(``SubjectKeyProtector``, the mapper's protector).

Where the keys live. In their own PostgreSQL database (``PGA_KEYS_DATABASE_URL``; default: a
sibling of the event store's database on the same server, ``<database>_keys``; the embedded
server's ``pga_keys``), never in the event store's: a dump of the event-store database alone, or
one taken before an erasure and restored after it, holds ciphertext only. The key database has its
own backup lifecycle: an erased key survives only in key-database backups, for as long as they are
kept (document that retention; docs/PRIVACY.md).

Envelope encryption. A data key (32 random bytes) is stored wrapped: AES-GCM under the
key-encryption key (KEK) ``MasterKey.derive("subject-key wrapping v1")``, bound to the key's id,
next to the KEK's id (an HKDF-derived fingerprint, never the key). Rotating the master key rewraps
every row under the new KEK in one transaction (``rotate``); the data keys, and so every stored
event, stay as they are.

Keys come from a pool. Creating a key per new owner with its own commit would cost one fsync per
referral; instead each process takes keys from a pool it created in batches (``POOL_BATCH`` rows,
one statement, one commit) before handing any of them out. A stored personal value names its key id
in clear (like AWS envelope encryption), so which keys belong to a subject is recoverable from the
event store alone: erasure reads the subject's stored records for their key ids. The process keeps
an owner → key id directory (learnt when it encrypts or decrypts an owner's value, bounded); an
owner it has not seen yet simply gets another pool key, and erasure deletes all of them. Pool
keys never used (a process that stops) are rows no value refers to: harmless.

Caches, and erasure in other processes. Unwrapped keys are cached per process (``CACHE_SIZE``
keys, LRU). ``destroy`` announces the destroyed key ids with ``NOTIFY`` on the key database
(channel ``erasure_channel(schema)``, ids only, in chunks well below PostgreSQL's 8000-byte
payload limit) in the transaction that deletes them, so the announcement is delivered exactly
when the deletion is committed. Every process that caches keys listens on a dedicated connection
in a daemon thread (``_ErasureListener``, started on the first key it reads, stopped by
``close``) and evicts the announced keys from its cache and owner directory: another process
stops decrypting an erased subject's values as soon as it has received the announcement
(milliseconds), without a round trip on the hot path. The cache is trusted only while the
listener is connected: before it listens, and from a broken connection until it has reconnected,
every key is read from the key database; because announcements may have been missed meanwhile,
the listener clears the whole cache each time it (re)starts listening (keys are simply re-read).
Entries older than ``CACHE_SECONDS`` are re-read anyway (the backstop). A forked process starts
with an empty pool and caches and starts its own listener lazily: two processes never share a
pool key, so destroying one owner's key never touches another owner's data.

Erased versus unknown. Erasure deletes the key row and records the key id (nothing else) as
erased, in the same transaction. A key id that is neither stored nor erased is an error
(``UnknownDataKey``: the wrong key database, or a lost one), never silently read as erased.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import logging
import os
import selectors
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID, uuid4

import msgspec
import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from pga.store.database import create_database, with_database
from pga.store.mapper import ENVELOPE_KEY, ENVELOPE_SEALED, ERASED, envelope_key_id, is_envelope

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from psycopg.rows import TupleRow

    from pga.settings import Settings
    from pga.store.keys import MasterKey

KEK_PURPOSE = "subject-key wrapping v1"
_KEK_ID_PURPOSE = "subject-key wrapping id v1"
_KEK_ID_BYTES = 8
DATA_KEY_BYTES = 32
_NONCE_BYTES = 12
#: Keys a process creates (and commits) at once for its pool.
POOL_BATCH = 64
#: Unwrapped keys a process keeps in memory.
CACHE_SIZE = 10_000
#: How long a process trusts a cached key before it checks the key database again.
CACHE_SECONDS = 60.0
#: Owner → key id bindings a process remembers.
DIRECTORY_SIZE = 100_000
KEYS_DATABASE_SUFFIX = "_keys"
KEYS_TABLE = "subject_keys"
ERASED_TABLE = "erased_subject_keys"
#: Key ids per erasure announcement: 32 hex digits and a comma each, well below the 8000 bytes
#: PostgreSQL allows a NOTIFY payload.
ANNOUNCED_IDS = 200
#: The longest channel name PostgreSQL takes (an identifier: NAMEDATALEN - 1 bytes).
_MAX_CHANNEL_BYTES = 63
#: How long the listener waits for an announcement before it checks whether to stop, in seconds.
LISTEN_POLL_SECONDS = 1.0
#: The listener's first and longest wait before it reconnects a broken connection, in seconds.
LISTEN_RETRY_SECONDS = (0.05, 5.0)
#: The listener connection's ``application_name`` (pg_stat_activity).
LISTENER_APPLICATION_NAME = "pga key-store listener"

logger = logging.getLogger(__name__)


class KeyStoreError(RuntimeError):
    """The key store cannot give a key; the message names ids only, never key material."""


class UnknownDataKey(KeyStoreError):
    """A stored value names a key id the key database has neither stored nor erased."""

    def __init__(self, key_id: UUID) -> None:
        super().__init__(
            f"data key {key_id} is neither stored nor erased: is PGA_KEYS_DATABASE_URL the key "
            "database of this event store?"
        )
        self.key_id = key_id


class KeyUnwrapError(KeyStoreError):
    """A stored data key does not unwrap with this process's key-encryption key."""

    def __init__(self, key_id: UUID, kek_id: str, own_kek_id: str) -> None:
        super().__init__(
            f"data key {key_id} is wrapped under KEK {kek_id}, this process has KEK {own_kek_id} "
            "(a rotated master key not configured yet, or the wrong one)"
        )


class KeyEncryptionKey:
    """Wraps data keys: AES-GCM under a key derived from the master key, bound to the key id."""

    __slots__ = ("_aead", "kek_id")

    def __init__(self, master: MasterKey) -> None:
        self._aead = AESGCM(master.derive(KEK_PURPOSE))
        #: Identifies the KEK in the key rows (a derived fingerprint, reveals nothing of it).
        self.kek_id = master.derive(_KEK_ID_PURPOSE, _KEK_ID_BYTES).hex()

    def wrap(self, key_id: UUID, data_key: bytes) -> bytes:
        """Return ``data_key`` encrypted: nonce, then ciphertext and tag."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, key_id.bytes)

    def unwrap(self, key_id: UUID, wrapped: bytes) -> bytes:
        """Return the data key of a row wrapped by ``wrap`` under this KEK for ``key_id``."""
        try:
            return self._aead.decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], key_id.bytes)
        except InvalidTag:
            raise KeyUnwrapError(key_id, "?", self.kek_id) from None


class DataKey(NamedTuple):
    """A data key ready to use: its id (named in every value it encrypts) and its cipher."""

    key_id: UUID
    aead: AESGCM


@dataclass(frozen=True)
class KeyStatus:
    """What ``pga keys status`` reports: stored keys per KEK id and erased keys (no key)."""

    current_kek_id: str
    keys_by_kek: dict[str, int]
    erased: int


@dataclass(frozen=True)
class RotationReport:
    """The outcome of a master-key rotation."""

    old_kek_id: str
    new_kek_id: str
    rewrapped: int
    already_current: int


def keys_database_url(settings: Settings, event_store_url: str) -> str:
    """Return the key database's URL; create the default sibling database when missing."""
    if settings.keys_database_url is not None:
        return settings.keys_database_url
    database = conninfo_to_dict(event_store_url).get("dbname") or "pga"
    name = f"{database}{KEYS_DATABASE_SUFFIX}"
    if settings.create_tables:
        create_database(event_store_url, name, exist_ok=True)
    return with_database(event_store_url, name)


def erasure_channel(schema: str) -> str:
    """Return the NOTIFY channel on which ``schema``'s key store announces destroyed keys.

    ``<schema>.subject_keys``; a name longer than PostgreSQL takes becomes ``subject_keys.`` and
    a digest of the schema's name.
    """
    channel = f"{schema}.{KEYS_TABLE}"
    if len(channel.encode()) > _MAX_CHANNEL_BYTES:
        channel = f"{KEYS_TABLE}.{hashlib.sha256(schema.encode()).hexdigest()[:40]}"
    return channel


def grant_key_store_role(url: str, schema: str, role: str) -> None:
    """Let the service's ``role`` use the key store: read, create and delete (erase) keys.

    No UPDATE: only rotation rewraps keys, and the administrator runs it. (``pga db grant``;
    ``pga.audit.roles``.)
    """
    target = sql.Identifier(role)
    keys, erased = sql.Identifier(schema, KEYS_TABLE), sql.Identifier(schema, ERASED_TABLE)
    with psycopg.connect(url, autocommit=True) as connection, connection.transaction():
        connection.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), target)
        )
        connection.execute(sql.SQL("REVOKE ALL ON {}, {} FROM {}").format(keys, erased, target))
        connection.execute(sql.SQL("GRANT SELECT, INSERT, DELETE ON {} TO {}").format(keys, target))
        connection.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(erased, target))


class SubjectKeyStore:
    """The per-subject data keys in their own database (see the module docstring)."""

    def __init__(
        self,
        url: str,
        schema: str,
        master: MasterKey,
        *,
        create_tables: bool = True,
        pool_batch: int = POOL_BATCH,
        cache_size: int = CACHE_SIZE,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self._url = url
        self._keys = sql.Identifier(schema, KEYS_TABLE)
        self._channel = erasure_channel(schema)
        self._erased = sql.Identifier(schema, ERASED_TABLE)
        self._kek = KeyEncryptionKey(master)
        self._pool_batch = pool_batch
        self._cache_size = cache_size
        self._cache_seconds = cache_seconds
        self._lock = threading.RLock()
        self._connection: psycopg.Connection[TupleRow] | None = None
        self._pid = os.getpid()
        self._pool: list[DataKey] = []
        self._cache: OrderedDict[UUID, tuple[AESGCM, float]] = OrderedDict()
        self._owners: OrderedDict[tuple[UUID, UUID], UUID] = OrderedDict()
        self._listener: _ErasureListener | None = None
        #: Whether the listener is connected: only then is a cached key trusted.
        self._listening = False
        _stores.add(self)
        if create_tables:
            self._create_tables(schema)

    @property
    def kek_id(self) -> str:
        """The id of the key-encryption key this store wraps new keys under."""
        return self._kek.kek_id

    @property
    def listening(self) -> bool:
        """Whether this process hears of other processes' erasures at once (its listener is up)."""
        return self._listening

    @property
    def listener_backend_pid(self) -> int | None:
        """The key database's process id of this store's listening session (for monitoring)."""
        listener = self._listener
        return listener.backend_pid if listener is not None and self._listening else None

    def _create_tables(self, schema: str) -> None:
        # Workers start at once and IF NOT EXISTS is not atomic: one transaction at a time
        # (the lock is released by its commit).
        with psycopg.connect(self._url) as connection, connection.transaction():
            connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"pga-key-store:{schema}",)
            )
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
            connection.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (key_id uuid PRIMARY KEY, kek_id text NOT NULL,"
                    " wrapped bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
                ).format(self._keys)
            )
            connection.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (key_id uuid PRIMARY KEY,"
                    " erased_at timestamptz NOT NULL DEFAULT now())"
                ).format(self._erased)
            )

    # --- using keys ---

    def key_for(self, subject_id: UUID, originator_id: UUID) -> DataKey:
        """Return the data key to encrypt new values of ``subject_id`` in an aggregate with.

        The owner of a key is the pair: the same subject in another aggregate gets another key.
        """
        owner = (subject_id, originator_id)
        with self._lock:
            self._check_process()
            key_id = self._owners.get(owner)
            if key_id is not None:
                aead = self._usable(key_id)
                if aead is not None:
                    self._owners.move_to_end(owner)
                    return DataKey(key_id, aead)
            if not self._pool:
                self._fill_pool()
            key = self._pool.pop()
            self._bind(owner, key.key_id)
            return key

    def key(self, key_id: UUID) -> AESGCM | None:
        """Return the cipher of ``key_id`` (``None``: erased)."""
        with self._lock:
            self._check_process()
            return self._usable(key_id)

    def remember(self, subject_id: UUID, originator_id: UUID, key_id: UUID) -> None:
        """Note that the subject's values in the aggregate are under ``key_id`` (one decrypted)."""
        with self._lock:
            self._check_process()
            self._bind((subject_id, originator_id), key_id)

    def destroy(self, key_ids: Collection[UUID]) -> int:
        """Delete these keys (crypto-shredding) and record them as erased; return how many.

        The same transaction announces the ids to every other process (``NOTIFY``), which
        evicts them as soon as it is committed.
        """
        ids = sorted(set(key_ids))
        with self._lock:
            self._check_process()
            connection = self._connected()
            with connection.transaction():
                deleted = connection.execute(
                    sql.SQL("DELETE FROM {} WHERE key_id = ANY(%s)").format(self._keys), (ids,)
                ).rowcount
                connection.execute(
                    sql.SQL(
                        "INSERT INTO {} (key_id) SELECT unnest(%s::uuid[]) ON CONFLICT DO NOTHING"
                    ).format(self._erased),
                    (ids,),
                )
                if ids:
                    connection.execute(
                        "SELECT pg_notify(%s, chunk) FROM unnest(%s::text[]) AS chunk",
                        (self._channel, _announcements(ids)),
                    )
            self._forget(set(ids))
            return deleted

    def stored(self, key_ids: Collection[UUID]) -> set[UUID]:
        """Return those of ``key_ids`` that are still stored (not yet destroyed)."""
        ids = sorted(set(key_ids))
        if not ids:
            return set()
        with self._lock:
            self._check_process()
            connection = self._connected()
            rows = connection.execute(
                sql.SQL("SELECT key_id FROM {} WHERE key_id = ANY(%s)").format(self._keys), (ids,)
            ).fetchall()
        return {UUID(str(row[0])) for row in rows}

    # --- administration ---

    def status(self) -> KeyStatus:
        """Return the stored keys per KEK id and the number of erased keys."""
        with self._lock:
            self._check_process()
            connection = self._connected()
            rows = connection.execute(
                sql.SQL("SELECT kek_id, count(*) FROM {} GROUP BY kek_id ORDER BY kek_id").format(
                    self._keys
                )
            ).fetchall()
            erased = connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(self._erased)
            ).fetchone()
        return KeyStatus(
            current_kek_id=self.kek_id,
            keys_by_kek={str(kek): int(count) for kek, count in rows},
            erased=int(erased[0]) if erased else 0,
        )

    def rotate(self, new_master: MasterKey) -> RotationReport:
        """Rewrap every data key under ``new_master``'s KEK, in one transaction (idempotent).

        Keys already under the new KEK are left alone; a key under a KEK that is neither the
        current nor the new one stops the rotation (nothing is changed).
        """
        new = KeyEncryptionKey(new_master)
        rewrapped: list[tuple[bytes, UUID]] = []
        current = 0
        with self._lock:
            self._check_process()
            connection = self._connected()
            with connection.transaction():
                rows = connection.execute(
                    sql.SQL("SELECT key_id, kek_id, wrapped FROM {} FOR UPDATE").format(self._keys)
                ).fetchall()
                for key_id, kek_id, wrapped in rows:
                    if kek_id == new.kek_id:
                        current += 1
                    elif kek_id == self.kek_id:
                        rewrapped.append(
                            (new.wrap(key_id, self._kek.unwrap(key_id, wrapped)), key_id)
                        )
                    else:
                        raise KeyUnwrapError(key_id, kek_id, self.kek_id)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        sql.SQL("UPDATE {} SET kek_id = %s, wrapped = %s WHERE key_id = %s").format(
                            self._keys
                        ),
                        [(new.kek_id, wrapped, key_id) for wrapped, key_id in rewrapped],
                    )
            old = self._kek
            self._kek = new
        return RotationReport(old.kek_id, new.kek_id, len(rewrapped), current)

    def close(self) -> None:
        """Close the connections to the key database and stop the listener (if any)."""
        with self._lock:
            self._check_process()
            listener, self._listener = self._listener, None
            self._listening = False
            if self._connection is not None:
                self._connection.close()
                self._connection = None
        if listener is not None:  # outside the lock: the listener may be waiting for it
            listener.stop(wait=True)

    # --- internals ---

    def _check_process(self) -> None:
        """Start afresh in a forked process: never share the parent's pool nor trust its caches.

        The parent's connections are dropped, never closed (closing would end the parent's
        sessions); the child starts its own listener when it first reads a key.
        """
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._connection = None
            if self._listener is not None:
                self._listener.abandon()
            self._listener = None
            self._listening = False
            self._pool.clear()
            self._cache.clear()
            self._owners.clear()

    def _connected(self) -> psycopg.Connection[TupleRow]:
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = psycopg.connect(self._url, autocommit=True)
        return self._connection

    def _fill_pool(self) -> None:
        """Create a batch of keys with one statement and one commit."""
        self._ensure_listener()
        fresh = [(uuid4(), os.urandom(DATA_KEY_BYTES)) for _ in range(self._pool_batch)]
        self._connected().execute(
            sql.SQL(
                "INSERT INTO {} (key_id, kek_id, wrapped)"
                " SELECT unnest(%s::uuid[]), %s, unnest(%s::bytea[])"
            ).format(self._keys),
            (
                [key_id for key_id, _ in fresh],
                self.kek_id,
                [self._kek.wrap(key_id, data_key) for key_id, data_key in fresh],
            ),
        )
        now = time.monotonic()
        for key_id, data_key in fresh:
            aead = AESGCM(data_key)
            self._pool.append(DataKey(key_id, aead))
            self._remember(key_id, aead, now)

    def _usable(self, key_id: UUID) -> AESGCM | None:
        """Return the cipher of ``key_id`` from the cache when fresh, else from the database."""
        cached = self._cache.get(key_id)
        if (
            cached is not None
            and self._listening
            and time.monotonic() - cached[1] < self._cache_seconds
        ):
            self._cache.move_to_end(key_id)
            return cached[0]
        self._ensure_listener()  # listening before the read: no erasure after it goes unheard
        row = (
            self._connected()
            .execute(
                sql.SQL(
                    "SELECT k.kek_id, k.wrapped, e.key_id IS NOT NULL"
                    " FROM (SELECT %s::uuid AS key_id) AS wanted"
                    " LEFT JOIN {} AS k ON k.key_id = wanted.key_id"
                    " LEFT JOIN {} AS e ON e.key_id = wanted.key_id"
                ).format(self._keys, self._erased),
                (key_id,),
            )
            .fetchone()
        )
        kek_id, wrapped, erased = row if row is not None else (None, None, False)
        if wrapped is None:
            self._forget({key_id})
            if erased:
                return None
            raise UnknownDataKey(key_id)
        if kek_id != self.kek_id:
            raise KeyUnwrapError(key_id, kek_id, self.kek_id)
        aead = AESGCM(self._kek.unwrap(key_id, wrapped))
        self._remember(key_id, aead, time.monotonic())
        return aead

    def _remember(self, key_id: UUID, aead: AESGCM, now: float) -> None:
        self._cache[key_id] = (aead, now)
        self._cache.move_to_end(key_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _bind(self, owner: tuple[UUID, UUID], key_id: UUID) -> None:
        self._owners[owner] = key_id
        self._owners.move_to_end(owner)
        while len(self._owners) > DIRECTORY_SIZE:
            self._owners.popitem(last=False)

    def _forget(self, key_ids: Iterable[UUID]) -> None:
        """Evict erased keys from the cache, the pool and the owner directory."""
        gone = set(key_ids)
        for key_id in gone:
            self._cache.pop(key_id, None)
        self._pool = [key for key in self._pool if key.key_id not in gone]
        for owner in [owner for owner, key_id in self._owners.items() if key_id in gone]:
            del self._owners[owner]

    # --- the erasure listener's side (called from its thread) ---

    def _ensure_listener(self) -> None:
        """Start this process's listener unless it runs (first key read, fork, unexpected end)."""
        if self._listener is None or not self._listener.alive:
            self._listening = False
            self._listener = _ErasureListener(self, self._url, self._channel)
            self._listener.start()

    def _listener_connected(self, listener: _ErasureListener) -> bool:
        """Trust the cache again, after clearing it: announcements may have been missed.

        Return ``False`` when ``listener`` is no longer this store's (closed, or replaced).
        """
        with self._lock:
            if listener is not self._listener:
                return False
            self._cache.clear()
            self._listening = True
            return True

    def _listener_lost(self, listener: _ErasureListener) -> None:
        """Stop trusting the cache: announcements may be missed until the listener is back."""
        with self._lock:
            if listener is self._listener:
                self._listening = False

    def _announced(self, listener: _ErasureListener, payload: str) -> bool:
        """Evict the keys another process destroyed (an unreadable announcement clears all).

        Return ``False`` when ``listener`` is no longer this store's.
        """
        try:
            gone: set[UUID] | None = {UUID(hex=part) for part in payload.split(",") if part}
        except ValueError:
            gone = None
        with self._lock:
            if listener is not self._listener:
                return False
            if gone is None:
                self._cache.clear()
            else:
                self._forget(gone)
            return True


class _ErasureListener:
    """A daemon thread that listens for a key store's erasure announcements (``NOTIFY``).

    It holds its store weakly (an unreachable store's listener ends), connects on its own
    connection, evicts announced keys, and reconnects a broken connection (with a growing pause,
    telling the store to distrust its cache meanwhile). ``stop`` wakes it through a pipe at once.
    """

    def __init__(self, store: SubjectKeyStore, url: str, channel: str) -> None:
        self._store = weakref.ref(store)
        self._url = url
        self._channel = channel
        self._pid = os.getpid()
        self._stopped = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self._pipe_lock = threading.Lock()
        self._pipe_open = True
        self._pause = LISTEN_RETRY_SECONDS[0]
        #: The key database's process id of the current listening session.
        self.backend_pid: int | None = None
        self._thread = threading.Thread(
            target=self._run, name="pga-key-store-listener", daemon=True
        )
        weakref.finalize(store, self.stop)

    @property
    def alive(self) -> bool:
        """Whether the thread runs."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start listening (in the background)."""
        self._thread.start()

    def stop(self, *, wait: bool = False) -> None:
        """Stop listening and close the connection; ``wait``: until the thread has ended."""
        if os.getpid() != self._pid:
            return  # a forked child: the thread and the connection are the parent's
        self._stopped.set()
        with self._pipe_lock:
            if self._pipe_open:
                os.write(self._wake_write, b"x")
        if wait and self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=LISTEN_POLL_SECONDS)

    def abandon(self) -> None:
        """In a forked child: let go of the parent's listener without touching its connection."""
        for descriptor in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(descriptor)

    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                try:
                    self._listen()
                except Exception as error:  # noqa: BLE001 - whatever broke it, listen again
                    logger.warning(
                        "key-store listener on %s lost its connection, reconnecting: %s",
                        self._channel,
                        error,
                    )
                store = self._store()
                if store is None:
                    return
                store._listener_lost(self)  # noqa: SLF001 - the store's own helper
                del store
                if self._stopped.wait(self._pause):
                    return
                self._pause = min(self._pause * 2, LISTEN_RETRY_SECONDS[1])
        finally:
            with self._pipe_lock:
                self._pipe_open = False
                os.close(self._wake_read)
                os.close(self._wake_write)

    def _listen(self) -> None:
        """Listen until stopped or the store is gone; raise when the connection breaks."""
        with (
            psycopg.connect(
                self._url,
                autocommit=True,
                application_name=LISTENER_APPLICATION_NAME,
                connect_timeout=10,
            ) as connection,
            selectors.DefaultSelector() as selector,
        ):
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self.backend_pid = connection.info.backend_pid
            self._pause = LISTEN_RETRY_SECONDS[0]
            store = self._store()
            if store is None or not store._listener_connected(self):  # noqa: SLF001
                self._stopped.set()
                return
            del store
            selector.register(connection.fileno(), selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stopped.is_set():
                # First what arrived with an earlier read, then wait for the socket (or stop).
                for notify in connection.notifies(timeout=0):
                    store = self._store()
                    if store is None or not store._announced(self, notify.payload):  # noqa: SLF001
                        self._stopped.set()
                        return
                    del store
                selector.select(LISTEN_POLL_SECONDS)


class SubjectKeyProtector:
    """The mapper's protector: each subject's personal values under that subject's data key.

    A stored value is the envelope ``{"key": <data key id>, "sealed": <base64 of nonce,
    ciphertext and tag>}``; the associated data binds it to its subject and its aggregate, so a
    value copied to another subject or aggregate does not decrypt.
    """

    def __init__(self, keys: SubjectKeyStore) -> None:
        self.keys = keys

    def protect(self, subject_id: UUID, originator_id: UUID, personal: Any) -> Any:  # noqa: ANN401 - JSON value
        """Encrypt ``personal`` (JSON builtins) under the key of the subject in the aggregate."""
        key = self.keys.key_for(subject_id, originator_id)
        nonce = os.urandom(_NONCE_BYTES)
        sealed = key.aead.encrypt(
            nonce, _encoder.encode(personal), _associated(subject_id, originator_id)
        )
        return {
            ENVELOPE_KEY: str(key.key_id),
            ENVELOPE_SEALED: base64.b64encode(nonce + sealed).decode(),
        }

    def reveal(self, subject_id: UUID, originator_id: UUID, stored: Any) -> Any:  # noqa: ANN401 - JSON value
        """Decrypt a stored value; ``ERASED`` when its key was destroyed."""
        if not is_envelope(stored):
            return stored  # stored in the clear before per-subject keys existed
        key_id = UUID(stored[ENVELOPE_KEY])
        aead = self.keys.key(key_id)
        if aead is None:
            return ERASED
        try:
            raw = base64.b64decode(stored[ENVELOPE_SEALED], validate=True)
            plain = aead.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _associated(subject_id, originator_id)
            )
        except (binascii.Error, InvalidTag):
            msg = f"a personal value under data key {key_id} does not decrypt (tampered with?)"
            raise ValueError(msg) from None
        # Only now: a value copied from another subject must not make two subjects share a key.
        self.keys.remember(subject_id, originator_id, key_id)
        return _decoder.decode(plain)

    def key_id(self, stored: Any) -> UUID | None:  # noqa: ANN401 - JSON value
        """Return the data key id an envelope names."""
        return envelope_key_id(stored)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def _associated(subject_id: UUID, originator_id: UUID) -> bytes:
    return subject_id.bytes + originator_id.bytes


def _announcements(key_ids: Iterable[UUID]) -> list[str]:
    """Return the NOTIFY payloads naming ``key_ids``: hex ids, comma-separated, in chunks."""
    hexes = [key_id.hex for key_id in key_ids]
    return [
        ",".join(hexes[start : start + ANNOUNCED_IDS])
        for start in range(0, len(hexes), ANNOUNCED_IDS)
    ]


#: Every key store of this process, to give each a fresh lock in a forked child.
_stores: weakref.WeakSet[SubjectKeyStore] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """Give every store a fresh lock: one held by another thread at the fork stays held."""
    for store in list(_stores):
        store._lock = threading.RLock()  # noqa: SLF001 - the store's own state


os.register_at_fork(after_in_child=_after_fork_in_child)
