"""The demo's partner organisations: fictional but plausible Almere and Flevoland partners.

Every partner role except ``auditor`` and ``beheerder`` (they hold no case content) has at least
one organisation here. Ids are stable slugs, so tests and partner views can refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pga.domain.catalogue import PartnerRole

R = PartnerRole


@dataclass(frozen=True)
class DemoPartner:
    """A partner organisation of the demo: its slug, its Dutch name, its roles and its users."""

    organisation: str
    name: str
    roles: tuple[PartnerRole, ...]
    users: tuple[str, ...]


def _users(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"u-{prefix}-{number:02d}" for number in range(1, count + 1))


PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner(
        "gemeente-almere",
        "Gemeente Almere",
        (R.PROCESREGISSEUR, R.BURGEMEESTER, R.JIT),
        _users("gemeente", 4),
    ),
    DemoPartner("ggd-flevoland", "GGD Flevoland", (R.REGISSEUR,), _users("ggd", 5)),
    DemoPartner(
        "politie-midden-nederland",
        "Politie Midden-Nederland, basisteam Almere",
        (R.POLITIE,),
        _users("politie", 6),
    ),
    DemoPartner(
        "om-midden-nederland",
        "Openbaar Ministerie, parket Midden-Nederland",
        (R.OM,),
        _users("om", 2),
    ),
    DemoPartner(
        "raad-kinderbescherming-flevoland",
        "Raad voor de Kinderbescherming, regio Flevoland",
        (R.RAAD_KINDERBESCHERMING,),
        _users("raad", 2),
    ),
    DemoPartner(
        "jeugdreclassering-flevoland",
        "Jeugdreclassering Flevoland",
        (R.JEUGDRECLASSERING,),
        _users("jr", 4),
    ),
    DemoPartner("halt-midden-nederland", "Halt Midden-Nederland", (R.HALT,), _users("halt", 2)),
    DemoPartner(
        "leerplicht-almere", "Leerplicht en RMC Almere", (R.LEERPLICHT,), _users("leerplicht", 3)
    ),
    DemoPartner(
        "school-de-meerstroom",
        "Scholengemeenschap De Meerstroom (vmbo)",
        (R.SCHOOL,),
        _users("meerstroom", 2),
    ),
    DemoPartner(
        "school-flevo-college", "Flevo College (havo/vwo)", (R.SCHOOL,), _users("flevo", 2)
    ),
    DemoPartner(
        "school-het-zuiderlicht",
        "Het Zuiderlicht (praktijkonderwijs)",
        (R.SCHOOL,),
        _users("zuiderlicht", 2),
    ),
    DemoPartner(
        "school-de-windwijzer", "De Windwijzer (mbo)", (R.SCHOOL,), _users("windwijzer", 2)
    ),
    DemoPartner(
        "jongerenwerk-almere", "Jongerenwerk Almere", (R.JONGERENWERK,), _users("jongerenwerk", 4)
    ),
    DemoPartner(
        "jeugdboa-almere", "Stadstoezicht Almere, jeugdboa's", (R.JEUGDBOA,), _users("jeugdboa", 3)
    ),
    DemoPartner(
        "wijkteam-almere-stad", "Wijkteam Almere Stad", (R.WIJKTEAM,), _users("wijkteam", 3)
    ),
    DemoPartner("zorg-fact-jeugd-flevoland", "FACT Jeugd Flevoland", (R.ZORG,), _users("fact", 3)),
    DemoPartner(
        "zorg-jeugd-ggz-flevoland",
        "Jeugd-GGZ Flevoland (MST, MDFT, FFT)",
        (R.ZORG,),
        _users("jggz", 3),
    ),
    DemoPartner(
        "veilig-thuis-flevoland", "Veilig Thuis Flevoland", (R.VEILIG_THUIS,), _users("vt", 2)
    ),
)

_BY_ORGANISATION = {partner.organisation: partner for partner in PARTNERS}

MUNICIPALITY = "gemeente-almere"
REGISSEUR_ORGANISATION = "ggd-flevoland"
POLICE = "politie-midden-nederland"
PROSECUTOR = "om-midden-nederland"
CHILD_PROTECTION = "raad-kinderbescherming-flevoland"
YOUTH_PROBATION = "jeugdreclassering-flevoland"
HALT = "halt-midden-nederland"
ATTENDANCE = "leerplicht-almere"
YOUTH_WORK = "jongerenwerk-almere"
YOUTH_WARDENS = "jeugdboa-almere"
SOCIAL_TEAM = "wijkteam-almere-stad"
FACT = "zorg-fact-jeugd-flevoland"
YOUTH_MENTAL_HEALTH = "zorg-jeugd-ggz-flevoland"
CHILD_ABUSE_HOTLINE = "veilig-thuis-flevoland"
SCHOOLS: tuple[str, ...] = tuple(
    partner.organisation for partner in PARTNERS if R.SCHOOL in partner.roles
)

#: The legal basis a partner in each role is involved on (codes of the catalogue's list).
LEGAL_BASIS: dict[PartnerRole, str] = {
    R.POLITIE: "wpg_art_20",
    R.OM: "wjsg",
    R.RAAD_KINDERBESCHERMING: "jeugdwet",
    R.JEUGDRECLASSERING: "wjsg",
    R.HALT: "wjsg",
    R.LEERPLICHT: "leerplichtwet",
    R.SCHOOL: "convenant_pga",
    R.JONGERENWERK: "convenant_pga",
    R.JEUGDBOA: "convenant_pga",
    R.JIT: "convenant_jeugdgroepen",
    R.WIJKTEAM: "jeugdwet",
    R.ZORG: "jeugdwet",
    R.VEILIG_THUIS: "jeugdwet",
    R.BURGEMEESTER: "gemeentewet_172a",
}


def partner(organisation: str) -> DemoPartner:
    """Return the demo partner with slug ``organisation``."""
    return _BY_ORGANISATION[organisation]
