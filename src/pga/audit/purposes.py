"""Why data is looked at: the register of processing purposes the access log records.

Every access-log entry names one purpose from this register (Logboek Dataverwerkingen calls it
the processing activity). A client states it in the ``X-Purpose`` header; without the header the
role's default applies (``PGA_ACCESS_PURPOSES`` overrides the defaults per role). The register is
closed: a free-text purpose could carry personal data into the log, so an unknown code is refused.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from pga.domain.catalogue import PartnerRole

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Purpose code → what it covers (Dutch, as shown to auditors and in docs/PRIVACY.md).
PURPOSES: Mapping[str, str] = MappingProxyType(
    {
        "regie": "Regie op het traject of het netwerk (PGA 18min, 7-stappenmodel)",
        "casusoverleg": "Voorbereiden of voeren van een casusoverleg",
        "uitvoering": "Uitvoering van de eigen taak of interventie van de partner",
        "openbare-orde": "Bevoegdheden van de burgemeester (openbare orde)",
        "verantwoording": "Toezicht, verantwoording en controle (audit)",
        "rechten-betrokkene": "Afhandelen van een verzoek om inzage, correctie of verwijdering",
        "beheer": "Technisch en functioneel beheer",
    }
)

_REGIE_ROLES = frozenset({PartnerRole.REGISSEUR, PartnerRole.PROCESREGISSEUR})

#: The purpose a role's reads are logged with when the request names none.
DEFAULT_PURPOSES: Mapping[PartnerRole, str] = MappingProxyType(
    {
        role: (
            "regie"
            if role in _REGIE_ROLES
            else "verantwoording"
            if role is PartnerRole.AUDITOR
            else "beheer"
            if role is PartnerRole.BEHEERDER
            else "openbare-orde"
            if role is PartnerRole.BURGEMEESTER
            else "uitvoering"
        )
        for role in PartnerRole
    }
)


def default_purpose(role: PartnerRole, overrides: Mapping[str, str]) -> str:
    """Return the purpose ``role`` reads with by default (configured, else built in)."""
    return overrides.get(role.value) or DEFAULT_PURPOSES[role]
