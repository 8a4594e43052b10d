"""Tamper evidence: every stored event is sealed in sequence (a hash chain).

``seal(n) = SHA-256(seal(n-1) ‖ originator_id (16 bytes) ‖ originator_version (8 bytes, big
endian) ‖ SHA-256(topic) ‖ SHA-256(state))`` over the events in notification order, starting
from 32 zero bytes. The state is hashed as stored (ciphertext where fields are encrypted), so
sealing never needs a key and erasure (destroying a key) leaves every seal valid.

The database computes the seals inside the inserting transaction (``SealingRecorder``); this
module is the same computation in Python, for verifying the chain from outside.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID

GENESIS_SEAL = bytes(32)


def event_digest(originator_id: UUID, originator_version: int, topic: str, state: bytes) -> bytes:
    """Return the bytes that represent one stored event in the chain."""
    return (
        originator_id.bytes
        + originator_version.to_bytes(8, "big", signed=True)
        + hashlib.sha256(topic.encode()).digest()
        + hashlib.sha256(state).digest()
    )


def next_seal(
    previous: bytes, originator_id: UUID, originator_version: int, topic: str, state: bytes
) -> bytes:
    """Return the seal of an event that follows the event sealed with ``previous``."""
    return hashlib.sha256(
        previous + event_digest(originator_id, originator_version, topic, state)
    ).digest()
