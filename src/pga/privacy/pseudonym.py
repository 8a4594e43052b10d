"""Pseudonymous references and age bands: how a partner at L1 refers to a youth without a name.

A youth's reference is ``J-`` and 10 hex digits of a BLAKE2b digest of its subject id (for a
name-list member without a trajectory: its member id), with a fixed personalisation. Subject and
member ids are random (UUID4, 122 bits), so the digest cannot be reversed by trying ids, and it
is stable: every partner, every view and the network graph show the same reference for one
youth, which is what lets partners talk about the same youth without naming it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from pga.domain.common import age_on

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

_YOUTH_PERSON = b"pga-youth-ref"

#: Age bands (the informatieplicht's bands, and adulthood): (lowest age, label), highest first.
AGE_BANDS: tuple[tuple[int, str], ...] = ((18, "18+"), (16, "16-17"), (12, "12-15"), (0, "0-11"))


def youth_reference(youth_id: UUID) -> str:
    """Return the pseudonymous reference of a youth: ``J-`` and 10 hex digits, one-way."""
    digest = hashlib.blake2b(youth_id.bytes, digest_size=5, person=_YOUTH_PERSON)
    return "J-" + digest.hexdigest()


def age_band(born_on: date | None, on: date) -> str | None:
    """Return the age band on ``on`` of someone born on ``born_on`` (``None`` when unknown)."""
    if born_on is None:
        return None
    age = age_on(born_on, on)
    return next(label for lowest, label in AGE_BANDS if age >= lowest)
