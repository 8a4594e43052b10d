"""Per-subject data keys for crypto-shredding: a key store outside the event store's database.

Every personal value in the event store is encrypted (AES-GCM) under a *data key* that belongs to
one subject: a trajectory (its youth), a network member (that youth) or a network (its group-level
text). Erasing a subject deletes its data keys; the stored events stay, their seals still verify,
and their personal values can no longer be decrypted by anyone (``SubjectKeyProtector``, the
mapper's protector).

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

Keys come from a pool. Creating a key per new subject with its own commit would cost one fsync per
referral; instead each process takes keys from a pool it created in batches (``POOL_BATCH`` rows,
one statement, one commit) before handing any of them out. A stored personal value names its key id
in clear (like AWS envelope encryption), so which keys belong to a subject is recoverable from the
event store alone: erasure reads the subject's stored records for their key ids. The process keeps
an owner → key id directory (learnt when it encrypts or decrypts a subject's value, bounded); a
subject it has not seen yet simply gets another pool key, and erasure deletes all of them. Pool
keys never used (a process that stops) are rows no value refers to: harmless.

Caches. Unwrapped keys are cached per process (``CACHE_SIZE`` keys, LRU) for at most
``CACHE_SECONDS``: erasure evicts the key at once in the erasing process, and another process
re-reads a cached key from the key database when its entry is older than that, so it can decrypt
an erased subject's values for at most ``CACHE_SECONDS`` after the erasure (and only values it
reads in that window; aggregates it holds in memory drop the personal values as soon as it
applies the erasure event). A forked process starts with an empty pool and caches: two processes
never share a pool key, so destroying one subject's key never touches another subject's data.

Erased versus unknown. Erasure deletes the key row and records the key id (nothing else) as
erased, in the same transaction. A key id that is neither stored nor erased is an error
(``UnknownDataKey``: the wrong key database, or a lost one), never silently read as erased.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
import time
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
        self._owners: OrderedDict[UUID, UUID] = OrderedDict()
        if create_tables:
            self._create_tables(schema)

    @property
    def kek_id(self) -> str:
        """The id of the key-encryption key this store wraps new keys under."""
        return self._kek.kek_id

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

    def key_for(self, owner_id: UUID) -> DataKey:
        """Return the data key to encrypt ``owner_id``'s new values with."""
        with self._lock:
            self._check_process()
            key_id = self._owners.get(owner_id)
            if key_id is not None:
                aead = self._usable(key_id)
                if aead is not None:
                    self._owners.move_to_end(owner_id)
                    return DataKey(key_id, aead)
            if not self._pool:
                self._fill_pool()
            key = self._pool.pop()
            self._bind(owner_id, key.key_id)
            return key

    def key(self, key_id: UUID) -> AESGCM | None:
        """Return the cipher of ``key_id`` (``None``: erased)."""
        with self._lock:
            self._check_process()
            return self._usable(key_id)

    def remember(self, owner_id: UUID, key_id: UUID) -> None:
        """Note that ``owner_id``'s values are under ``key_id`` (one of its values decrypted)."""
        with self._lock:
            self._check_process()
            self._bind(owner_id, key_id)

    def destroy(self, key_ids: Collection[UUID]) -> int:
        """Delete these keys (crypto-shredding) and record them as erased; return how many."""
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
            self._forget(set(ids))
            return deleted

    # --- administration ---

    def status(self) -> KeyStatus:
        """Return the stored keys per KEK id and the number of erased keys."""
        with self._lock:
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
        """Close the connection to the key database."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # --- internals ---

    def _check_process(self) -> None:
        """Start afresh in a forked process: never share the parent's pool nor trust its caches."""
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._connection = None
            self._pool.clear()
            self._cache.clear()
            self._owners.clear()

    def _connected(self) -> psycopg.Connection[TupleRow]:
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = psycopg.connect(self._url, autocommit=True)
        return self._connection

    def _fill_pool(self) -> None:
        """Create a batch of keys with one statement and one commit."""
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
        if cached is not None and time.monotonic() - cached[1] < self._cache_seconds:
            self._cache.move_to_end(key_id)
            return cached[0]
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

    def _bind(self, owner_id: UUID, key_id: UUID) -> None:
        self._owners[owner_id] = key_id
        self._owners.move_to_end(owner_id)
        while len(self._owners) > DIRECTORY_SIZE:
            self._owners.popitem(last=False)

    def _forget(self, key_ids: Iterable[UUID]) -> None:
        """Evict erased keys from the cache, the pool and the owner directory."""
        gone = set(key_ids)
        for key_id in gone:
            self._cache.pop(key_id, None)
        self._pool = [key for key in self._pool if key.key_id not in gone]
        for owner_id in [owner for owner, key_id in self._owners.items() if key_id in gone]:
            del self._owners[owner_id]


class SubjectKeyProtector:
    """The mapper's protector: each subject's personal values under that subject's data key.

    A stored value is the envelope ``{"key": <data key id>, "sealed": <base64 of nonce,
    ciphertext and tag>}``; the associated data binds it to its subject and its aggregate, so a
    value copied to another subject or aggregate does not decrypt.
    """

    def __init__(self, keys: SubjectKeyStore) -> None:
        self.keys = keys

    def protect(self, subject_id: UUID, originator_id: UUID, personal: Any) -> Any:  # noqa: ANN401 - JSON value
        """Encrypt ``personal`` (JSON builtins) under ``subject_id``'s data key."""
        key = self.keys.key_for(subject_id)
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
        self.keys.remember(subject_id, key_id)
        return _decoder.decode(plain)

    def key_id(self, stored: Any) -> UUID | None:  # noqa: ANN401 - JSON value
        """Return the data key id an envelope names."""
        return envelope_key_id(stored)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def _associated(subject_id: UUID, originator_id: UUID) -> bytes:
    return subject_id.bytes + originator_id.bytes
