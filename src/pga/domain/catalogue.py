"""The catalogue: the closed lists the domain draws its codes from.

Everything here is data. A municipality extends a list by adding an entry (or, for the offence
inclusion list, by configuration); no other code changes. Codes are stable ``snake_case`` slugs
stored in events; labels are the Dutch names shown to people (see docs/GLOSSARY.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Generic, TypeVar

from pga.domain.errors import UnknownCatalogueEntry


class PartnerRole(StrEnum):
    """The roles in which people and organisations take part (JWT claim ``role``)."""

    REGISSEUR = "regisseur"
    PROCESREGISSEUR = "procesregisseur"
    POLITIE = "politie"
    OM = "om"
    RAAD_KINDERBESCHERMING = "raad_kinderbescherming"
    JEUGDRECLASSERING = "jeugdreclassering"
    HALT = "halt"
    LEERPLICHT = "leerplicht"
    SCHOOL = "school"
    JONGERENWERK = "jongerenwerk"
    JEUGDBOA = "jeugdboa"
    JIT = "jit"
    WIJKTEAM = "wijkteam"
    ZORG = "zorg"
    VEILIG_THUIS = "veilig_thuis"
    BURGEMEESTER = "burgemeester"
    AUDITOR = "auditor"
    BEHEERDER = "beheerder"


#: Roles that hold no case content and so are never "involved" in a trajectory or network.
NON_CASE_ROLES = frozenset({PartnerRole.AUDITOR, PartnerRole.BEHEERDER})


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: a stable code and its Dutch label."""

    code: str
    label: str


@dataclass(frozen=True)
class OffenceCategory(Entry):
    """An offence category; ``included`` ones qualify a minor for PGA 18min by default."""

    included: bool = False


@dataclass(frozen=True)
class InterventionType(Entry):
    """An intervention the plan can use, owned by one partner role.

    ``min_age``/``max_age`` bound the youth's age at the planned start where the intervention
    has a statutory or programme age band; ``max_days`` bounds the planned duration.
    """

    owner: PartnerRole = PartnerRole.REGISSEUR
    min_age: int | None = None
    max_age: int | None = None
    max_days: int | None = None


@dataclass(frozen=True)
class SchoolSignalKind(Entry):
    """A kind of school signal; ``needs_hours`` kinds carry a number of absence hours."""

    needs_hours: bool = False


@dataclass(frozen=True)
class JitStepKind(Entry):
    """A JIT step; ``needs_incident`` steps are measured against the incident they follow."""

    needs_incident: bool = False


@dataclass(frozen=True)
class ClosingReason(Entry):
    """Why a trajectory closed; ``needs_handover`` reasons name who takes over."""

    needs_handover: bool = False


E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class CatalogueList(Generic[E]):
    """An ordered list of entries with lookup by code."""

    kind: str
    entries: tuple[E, ...]
    _by_code: dict[str, E] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the entries by code; codes must be unique."""
        by_code = {entry.code: entry for entry in self.entries}
        if len(by_code) != len(self.entries):
            msg = f"duplicate codes in catalogue list '{self.kind}'"
            raise ValueError(msg)
        object.__setattr__(self, "_by_code", by_code)

    def __getitem__(self, code: str) -> E:
        """Return the entry for ``code`` or raise ``UnknownCatalogueEntry``."""
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownCatalogueEntry(self.kind, code) from None

    def __contains__(self, code: object) -> bool:
        """Return whether ``code`` is in this list."""
        return code in self._by_code

    def codes(self) -> tuple[str, ...]:
        """Return every code, in catalogue order."""
        return tuple(entry.code for entry in self.entries)

    def require(self, code: str) -> str:
        """Return ``code`` if it is in this list, else raise ``UnknownCatalogueEntry``."""
        return self[code].code


def _entries(kind: str, *pairs: tuple[str, str]) -> CatalogueList[Entry]:
    return CatalogueList(kind, tuple(Entry(code, label) for code, label in pairs))


OFFENCE_CATEGORIES = CatalogueList(
    "offence category",
    (
        OffenceCategory("straatroof", "Straatroof", included=True),
        OffenceCategory("gewapende_straatroof", "Gewapende straatroof", included=True),
        OffenceCategory("overval", "Overval", included=True),
        OffenceCategory("gewapende_overval", "Gewapende overval", included=True),
        OffenceCategory("afpersing", "Afpersing"),
        OffenceCategory("woninginbraak", "Woninginbraak"),
        OffenceCategory("zware_mishandeling", "Zware mishandeling"),
        OffenceCategory("openlijke_geweldpleging", "Openlijke geweldpleging"),
        OffenceCategory("wapenbezit", "Wapenbezit"),
        OffenceCategory("diefstal", "Diefstal"),
        OffenceCategory("vernieling", "Vernieling"),
        OffenceCategory("drugshandel", "Drugshandel"),
        OffenceCategory("bedreiging", "Bedreiging"),
        OffenceCategory("heling", "Heling"),
    ),
)

INTERVENTION_TYPES = CatalogueList(
    "intervention type",
    (
        InterventionType("halt", "Halt-afdoening", PartnerRole.HALT, 12, 17, 180),
        InterventionType("reprimandegesprek", "Reprimandegesprek", PartnerRole.POLITIE, 12, 17, 7),
        InterventionType(
            "jeugdreclassering", "Jeugdreclassering (toezicht)", PartnerRole.JEUGDRECLASSERING
        ),
        InterventionType(
            "schorsing_voorlopige_hechtenis",
            "Toezicht schorsing voorlopige hechtenis",
            PartnerRole.JEUGDRECLASSERING,
        ),
        InterventionType("harde_kern_aanpak", "Harde Kern Aanpak", PartnerRole.JEUGDRECLASSERING),
        InterventionType("mst", "Multisysteemtherapie (MST)", PartnerRole.ZORG, 12, 18, 153),
        InterventionType("fft", "Functional Family Therapy (FFT)", PartnerRole.ZORG),
        InterventionType(
            "mdft", "Multidimensionele familietherapie (MDFT)", PartnerRole.ZORG, 12, 23, 240
        ),
        InterventionType("fact_jeugd", "FACT Jeugd", PartnerRole.ZORG, None, 17, None),
        InterventionType(
            "ots", "Ondertoezichtstelling via de Raad", PartnerRole.RAAD_KINDERBESCHERMING
        ),
        InterventionType("leerplichttraject", "Leerplichttraject", PartnerRole.LEERPLICHT),
        InterventionType("schooltraject", "Schooltraject", PartnerRole.SCHOOL),
        InterventionType(
            "jongerenwerk_activiteit", "Activiteit jongerenwerk", PartnerRole.JONGERENWERK
        ),
        InterventionType(
            "gebiedsverbod", "Gebiedsverbod (art. 172a Gemeentewet)", PartnerRole.BURGEMEESTER
        ),
        InterventionType(
            "groepsverbod", "Groepsverbod (art. 172a Gemeentewet)", PartnerRole.BURGEMEESTER
        ),
        InterventionType(
            "meldplicht", "Meldplicht (art. 172a Gemeentewet)", PartnerRole.BURGEMEESTER
        ),
        InterventionType("last_onder_dwangsom", "Last onder dwangsom", PartnerRole.BURGEMEESTER),
        InterventionType(
            "bestuurlijke_waarschuwing",
            "Bestuurlijke waarschuwing (brief aan ouders)",
            PartnerRole.BURGEMEESTER,
        ),
    ),
)

LIFE_DOMAINS = _entries(
    "life domain",
    ("gezin", "Gezin en thuissituatie"),
    ("school", "School en opleiding"),
    ("dagbesteding", "Dagbesteding en vrije tijd"),
    ("netwerk", "Vrienden en netwerk (ook online)"),
    ("psychische_gezondheid", "Psychische gezondheid"),
    ("middelengebruik", "Middelengebruik"),
    ("lichamelijke_gezondheid", "Lichamelijke gezondheid"),
    ("financien", "Financiën"),
    ("huisvesting", "Huisvesting"),
    ("justitie", "Justitie en politiecontacten"),
    ("veiligheid", "Veiligheid (slachtofferschap, wapens, uitbuiting)"),
    ("talent", "Talent en perspectief"),
)

SCHOOL_SIGNAL_KINDS = CatalogueList(
    "school signal kind",
    (
        SchoolSignalKind("verzuim", "Ongeoorloofd verzuim", needs_hours=True),
        SchoolSignalKind("schorsing", "Schorsing"),
        SchoolSignalKind("verwijdering", "Verwijdering"),
        SchoolSignalKind("leerplichtmelding", "Melding leerplicht"),
        SchoolSignalKind("thuiszitter", "Thuiszitter"),
    ),
)

JIT_STEP_KINDS = CatalogueList(
    "JIT step kind",
    (
        JitStepKind("straatcontact", "Aanspreken op straat"),
        JitStepKind("stopgesprek", "Stopgesprek", needs_incident=True),
        JitStepKind("reprimandegesprek", "Reprimandegesprek", needs_incident=True),
        JitStepKind("huisbezoek", "Huisbezoek"),
        JitStepKind("oudergesprek", "Gesprek met ouders"),
        JitStepKind(
            "waarschuwingsbrief", "Waarschuwingsbrief namens de burgemeester", needs_incident=True
        ),
    ),
)

CLOSING_REASONS = CatalogueList(
    "closing reason",
    (
        ClosingReason("doelen_behaald", "Doelen behaald"),
        ClosingReason("overdracht_18_plus", "Overdracht bij 18 jaar", needs_handover=True),
        ClosingReason(
            "overdracht_zorg", "Warme overdracht naar zorg of wijkteam", needs_handover=True
        ),
        ClosingReason("verhuisd", "Verhuisd buiten de gemeente", needs_handover=True),
        ClosingReason("geen_medewerking", "Geen medewerking, geen grond voor drang"),
        ClosingReason("overig", "Overig"),
    ),
)

LEGAL_BASES = _entries(
    "legal basis",
    ("avg_6_1_e", "AVG art. 6 lid 1 sub e (publieke taak)"),
    ("wpg_art_20", "Wpg art. 20-besluit (structurele verstrekking politiegegevens)"),
    ("wjsg", "Wet justitiële en strafvorderlijke gegevens"),
    ("jeugdwet", "Jeugdwet"),
    ("convenant_pga", "Convenant/privacyreglement PGA"),
    ("convenant_jeugdgroepen", "Modelconvenant jeugdgroepaanpak"),
    ("gemeentewet_172a", "Gemeentewet art. 172a"),
    ("leerplichtwet", "Leerplichtwet"),
    ("toestemming", "Toestemming betrokkene"),
)

LIFE_DOMAIN_INSTRUMENTS = _entries(
    "life-domain instrument",
    ("pga_monitor", "PGA-monitor"),
    ("zrm", "Zelfredzaamheidsmatrix"),
    ("eigen_inschatting", "Inschatting regisseur"),
)

ESCALATION_TARGETS = _entries(
    "escalation target",
    ("zvh", "Zorg- en Veiligheidshuis (casusoverleg)"),
    ("topx", "TopX-aanpak"),
)

POLICE_CONTACT_ROLES = _entries(
    "police contact role",
    ("verdachte", "Verdachte"),
    ("slachtoffer", "Slachtoffer"),
    ("getuige", "Getuige"),
)

MAYOR_ORDER_KINDS = _entries(
    "mayor's order kind",
    ("gebiedsverbod", "Gebiedsverbod"),
    ("groepsverbod", "Groepsverbod"),
    ("meldplicht", "Meldplicht"),
)


@dataclass(frozen=True)
class Catalogue:
    """All lists together, plus the municipality's offence inclusion list."""

    offences: CatalogueList[OffenceCategory] = OFFENCE_CATEGORIES
    interventions: CatalogueList[InterventionType] = INTERVENTION_TYPES
    life_domains: CatalogueList[Entry] = LIFE_DOMAINS
    school_signals: CatalogueList[SchoolSignalKind] = SCHOOL_SIGNAL_KINDS
    jit_steps: CatalogueList[JitStepKind] = JIT_STEP_KINDS
    closing_reasons: CatalogueList[ClosingReason] = CLOSING_REASONS
    legal_bases: CatalogueList[Entry] = LEGAL_BASES
    instruments: CatalogueList[Entry] = LIFE_DOMAIN_INSTRUMENTS
    escalation_targets: CatalogueList[Entry] = ESCALATION_TARGETS
    mayor_orders: CatalogueList[Entry] = MAYOR_ORDER_KINDS
    police_contact_roles: CatalogueList[Entry] = POLICE_CONTACT_ROLES
    included_offences: frozenset[str] = frozenset(
        entry.code for entry in OFFENCE_CATEGORIES.entries if entry.included
    )

    def with_included_offences(self, codes: tuple[str, ...]) -> Catalogue:
        """Return a catalogue whose inclusion list is ``codes`` (each must be a known offence)."""
        for code in codes:
            self.offences.require(code)
        return replace(self, included_offences=frozenset(codes))


DEFAULT_CATALOGUE = Catalogue()


def partner_role(code: str) -> PartnerRole:
    """Return the partner role for ``code`` or raise ``UnknownCatalogueEntry``."""
    try:
        return PartnerRole(code)
    except ValueError:
        raise UnknownCatalogueEntry("partner role", code) from None
