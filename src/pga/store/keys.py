"""The installation's master key, from which every key of a purpose is derived.

The master key is 32 random bytes, configured as ``PGA_MASTER_KEY`` (base64) or
``PGA_MASTER_KEY_FILE`` (a file holding that base64). Without either, a development key is
created once in the data directory (``master-key``, readable by its owner only): fine on a
laptop, never in production, where losing the key means losing every encrypted value (`pga
serve` refuses it on any address but loopback).

Keys for separate purposes are derived with HKDF-SHA256 (``MasterKey.derive``), so one master
key serves the wrapping of the per-subject data keys (``"subject-key wrapping v1"``,
``pga.store.subject_keys``) and any later purpose, without one key revealing another. Personal
data is never encrypted under the master key itself: rotating it rewraps the data keys only
(``pga keys rotate``).
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pga.files import create_private_file
from pga.settings import MASTER_KEY_BYTES, MASTER_KEY_FILE, master_key_bytes

if TYPE_CHECKING:
    from pathlib import Path

    from pga.settings import Settings

DEVELOPMENT_KEY_FILE = "master-key"
_SALT = b"pga master key"


class MasterKeyError(ValueError):
    """The configured master key (or its file) is unusable; the message never shows the key."""


class MasterKey:
    """The installation's master key; use ``derive`` for a key per purpose."""

    __slots__ = ("_key", "development")

    def __init__(self, key: bytes, *, development: bool = False) -> None:
        if len(key) != MASTER_KEY_BYTES:
            msg = f"a master key is exactly {MASTER_KEY_BYTES} bytes"
            raise MasterKeyError(msg)
        self._key = key
        self.development = development

    def __repr__(self) -> str:
        """Never show the key."""
        return f"MasterKey(development={self.development})"

    def derive(self, purpose: str, length: int = 32) -> bytes:
        """Return the key for ``purpose`` (HKDF-SHA256; the same purpose gives the same key)."""
        return HKDF(
            algorithm=hashes.SHA256(), length=length, salt=_SALT, info=purpose.encode()
        ).derive(self._key)


def master_key(settings: Settings, *, create: bool = True) -> MasterKey:
    """Return the configured master key, or the development key (created on first use)."""
    if settings.master_key is not None:
        return MasterKey(settings.master_key)
    if settings.master_key_file is not None:
        return MasterKey(_read_key_file(settings.master_key_file, MASTER_KEY_FILE))
    path = settings.data_dir / DEVELOPMENT_KEY_FILE
    if not path.exists():
        if not create:
            msg = "no PGA_MASTER_KEY is configured and there is no development key yet"
            raise MasterKeyError(msg)
        key = base64.urlsafe_b64encode(os.urandom(MASTER_KEY_BYTES)).decode()
        create_private_file(path, key + "\n")
    return MasterKey(_read_key_file(path, f"the development key {path}"), development=True)


def read_master_key_file(path: Path) -> MasterKey:
    """Return the master key a file holds (base64 of 32 bytes), e.g. the new one to rotate to."""
    return MasterKey(_read_key_file(path, f"the key file {path}"))


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        return master_key_bytes(path.read_text())
    except OSError as error:
        msg = f"{what}: cannot be read ({type(error).__name__})"
        raise MasterKeyError(msg) from None
    except ValueError as error:
        msg = f"{what}: {error}"
        raise MasterKeyError(msg) from None
