"""The words of the demo: fictional names and the Dutch text fragments events carry.

Names are common first names combined at random with surnames composed from fragments, so no
real person is described. Free texts describe situations, never people by name, and never hold
a BSN or an address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

BOYS = (
    "Daan", "Sem", "Luuk", "Milan", "Jesse", "Thijs", "Bram", "Finn", "Noah", "Lucas", "Levi",
    "Ruben", "Stijn", "Jayden", "Dylan", "Kevin", "Ryan", "Jairo", "Damian", "Giovanni",
    "Romano", "Dwayne", "Jermaine", "Sergio", "Rayvano", "Mohamed", "Ayoub", "Yassine", "Bilal",
    "Anas", "Soufiane", "Imran", "Zakaria", "Hamza", "Amine", "Emre", "Mert", "Burak", "Yusuf",
    "Efe", "Kerem", "Baran", "Enes",
)  # fmt: skip
GIRLS = (
    "Emma", "Julia", "Sanne", "Lotte", "Noa", "Fenna", "Mila", "Shanice", "Chelsey", "Naomi",
    "Kimberley", "Aaliyah", "Imane", "Salma", "Nour", "Yasmina", "Ilham", "Elif", "Zeynep",
    "Esra", "Melek",
)  # fmt: skip

_SURNAME_STYLES = {
    # Each style has a weight, then the prefixes, stems and suffixes it combines.
    "dutch": (
        50,
        ("", "", "", "van ", "de ", "van der ", "van den ", "ter "),
        ("Akker", "Berk", "Brink", "Dijk", "Hoeve", "Kamp", "Meer", "Veld", "Zand", "Wind",
         "Haven", "Polder", "Linde", "Stroom", "Dors", "Wever", "Molen", "Beuk", "Riet"),
        ("hout", "stra", "man", "horst", "vliet", "sma", "inga", "kamp", "wijk", "huis"),
    ),
    "maghreb": (
        20,
        ("El ", "Ben ", "Ait ", ""),
        ("Amar", "Hadd", "Kadd", "Mous", "Ouar", "Zer", "Bakk", "Tahr"),
        ("ouchi", "ani", "ioui", "ati", "ouli", "adi"),
    ),
    "turkish": (
        15,
        ("",),
        ("Yil", "Kara", "Ak", "Demir", "Oz", "Cel", "Tun", "Bay"),
        ("dirim", "kaya", "soy", "tepe", "bas", "gul", "han", "dere"),
    ),
    "caribbean": (
        15,
        ("",),
        ("Doel", "Kroon", "Wijn", "Sand", "Lief", "Mont", "Bleek", "Roos"),
        ("wijt", "berg", "ald", "ting", "hart", "zorg", "dam"),
    ),
}  # fmt: skip


def surname(rng: random.Random) -> str:
    """Return a fictional surname composed from fragments."""
    styles = list(_SURNAME_STYLES.values())
    _, prefixes, stems, suffixes = rng.choices(styles, [style[0] for style in styles])[0]
    return rng.choice(prefixes) + rng.choice(stems) + rng.choice(suffixes)


def given_name(rng: random.Random, *, boy: bool) -> str:
    """Return a common first name."""
    return rng.choice(BOYS if boy else GIRLS)


# --- trajectories -----------------------------------------------------------------------------

INTAKE_ATTENDEES = (
    "moeder", "vader", "stiefvader", "voogd", "mentor van school", "jongerenwerker",
    "wijkagent", "leerplichtambtenaar", "medewerker wijkteam",
)  # fmt: skip
TRUSTED_PERSONS = (
    "oom", "tante", "oudere broer", "oudere zus", "trainer van de voetbalclub", "opa", "buurvrouw",
)  # fmt: skip

DECLINED_AT_REFERRAL = (
    "Verdenking niet bevestigd; geen grond voor PGA 18min.",
    "Jongere valt al onder de TopX-aanpak van het Zorg- en Veiligheidshuis.",
    "Gezin verhuist buiten Almere; overgedragen aan de woongemeente.",
)
DECLINED_AFTER_INTAKE = (
    "Na de intake blijkt de problematiek licht; een regulier jeugdhulptraject volstaat.",
    "Jongere en ouders werken niet mee en er is geen drangkader.",
    "Lopend traject jeugdbescherming dekt de zorgen al af.",
)

GOALS: dict[str, tuple[str, ...]] = {
    "gezin": (
        "Ouders hebben zicht op waar de jongere 's avonds is.",
        "Vaste afspraken thuis over tijden en telefoongebruik.",
        "Spanningen in het gezin nemen af; ouders krijgen opvoedondersteuning.",
    ),
    "school": (
        "Jongere gaat elke dag naar school; verzuim onder 4 uur per maand.",
        "Jongere rondt het schooljaar af en gaat over.",
        "Passende plek in het onderwijs gevonden binnen 6 weken.",
    ),
    "dagbesteding": (
        "Jongere heeft een vaste vrijetijdsbesteding, minimaal twee keer per week.",
        "Jongere heeft een bijbaan met begeleiding.",
    ),
    "netwerk": (
        "Contact met de groep rond het winkelcentrum is afgebouwd.",
        "Jongere heeft een positief steunfiguur buiten het gezin.",
    ),
    "psychische_gezondheid": (
        "Jongere is aangemeld en in behandeling voor agressieregulatie.",
        "Diagnostiek naar concentratie- en gedragsproblemen afgerond.",
    ),
    "middelengebruik": (
        "Cannabisgebruik is afgebouwd; jongere doet mee aan voorlichting.",
        "Jongere gebruikt geen lachgas meer.",
    ),
    "lichamelijke_gezondheid": ("Jongere heeft een vast dag- en nachtritme.",),
    "financien": (
        "Schulden bij de telefoonprovider zijn in kaart gebracht en geregeld.",
        "Jongere heeft inzicht in geld; geen contante 'klusjes' meer voor derden.",
    ),
    "huisvesting": ("Het gezin heeft een stabiele woonsituatie.",),
    "justitie": (
        "Jongere houdt zich aan de bijzondere voorwaarden.",
        "Geen nieuwe politiecontacten als verdachte.",
        "Schadevergoeding aan het slachtoffer is betaald.",
    ),
    "veiligheid": (
        "Jongere draagt geen wapen; ouders controleren dit mee.",
        "Risico op uitbuiting door oudere jongeren is besproken en verminderd.",
    ),
    "talent": (
        "Jongere heeft een stageplek in een richting die past.",
        "Jongere doet mee aan een sport- of muziekproject.",
    ),
}

AGREEMENTS = (
    "Jongere is doordeweeks om 22.00 uur thuis.",
    "Wekelijks contact tussen jongere en regisseur.",
    "Ouders melden verzuim dezelfde dag aan school.",
    "Jongere komt niet in het stadshart na 20.00 uur.",
    "Partners delen nieuwe signalen binnen twee werkdagen met de regisseur.",
)

CONFERENCE_DECISIONS = (
    "Voortgang besproken; afspraken blijven staan.",
    "Schoolgang verbeterd; leerplicht bouwt het contact af.",
    "Zorgen over de vriendengroep; jongerenwerk zoekt actief contact.",
    "Ouders vragen om opvoedondersteuning; wijkteam pakt dit op.",
    "Nieuwe politiecontacten besproken; toezicht wordt geintensiveerd.",
    "Interventies lopen volgens plan; volgend overleg over afschalen.",
)

REVISION_REASONS = (
    "Nieuwe aanhouding; het plan wordt aangescherpt.",
    "Doelen voor school behaald; de focus verschuift naar dagbesteding.",
    "Zorgen over middelengebruik nemen toe.",
    "Een interventie is afgebroken; een alternatief is nodig.",
)
ARREST_REVISION_REASON = REVISION_REASONS[0]
RESUMED_AFTER_ESCALATION = "Na afschaling door het Zorg- en Veiligheidshuis weer lokale regie."

ESCALATION_REASONS = {
    "zvh": "Ernstige recidive met geweld; casus naar het Zorg- en Veiligheidshuis.",
    "topx": "Meervoudige problematiek vraagt om de TopX-aanpak.",
}
DE_ESCALATION_REASONS = (
    "Doelen grotendeels behaald; alleen nog monitoring.",
    "Geen nieuwe politiecontacten in drie maanden; afschalen naar monitoring.",
)
DE_ESCALATION_AFTER_ZVH = "Casusoverleg Zorg- en Veiligheidshuis afgerond; terug naar lokale regie."

OUTCOMES = (
    "Positief afgerond.",
    "Afgerond; doelen grotendeels behaald.",
    "Afgerond met aandachtspunten voor het vervolg.",
)
ABORT_REASONS = (
    "Jongere komt de afspraken niet na.",
    "Ouders trekken hun medewerking in.",
    "Nieuwe aanhouding; de interventie wordt niet voortgezet.",
    "Geen klik met de behandelaar; alternatief wordt gezocht.",
)
CANCEL_REASONS = (
    "Niet gestart: de wachtlijst is te lang, een alternatief is ingezet.",
    "Niet gestart: jongere weigert deelname.",
)
ENDED_BY_CLOSING = "Traject afgesloten; interventie beeindigd."

CARE_REPORTS = (
    (
        "Zorgen over de thuissituatie na het huisbezoek: spanningen tussen ouders, geen toezicht "
        "in de avond."
    ),
    "Vermoeden van huiselijk geweld, gemeld tijdens de intake.",
    (
        "Jongere verblijft regelmatig 's nachts buitenshuis; ouders hebben geen zicht op de "
        "verblijfplaats."
    ),
)

ORDER_AREAS = (
    "Stadshart Almere en Stationsplein",
    "Winkelcentrum en omgeving in Almere Buiten",
    "Havenkwartier Almere Haven",
    "Busstation en omgeving Almere Poort",
)

HANDOVER_ADULT = (
    "Volwassenen-PGA, Zorg- en Veiligheidshuis Flevoland",
    "Reclassering, unit Almere",
    "Wijkteam Almere Stad (18+)",
)
HANDOVER_CARE = ("Wijkteam Almere Stad", "FACT Jeugd Flevoland")
HANDOVER_MOVED = (
    "PGA-regisseur gemeente Lelystad",
    "Jeugdteam gemeente Zeewolde",
    "Zorg- en Veiligheidshuis Gooi en Vechtstreek",
)

SCHOOL_CHANGE = "Jongere is verwijderd van school; de nieuwe school is betrokken."
HALT_DONE = "Halt-afdoening afgerond; Halt heeft geen rol meer."

#: (which event: "referral" or "home visit", what was wrong, the correction, why)
CORRECTIONS = (
    (
        "referral",
        "Politiereferentie bij de aanmelding",
        "De referentie had een cijfer te veel; de juiste staat in het politiesysteem.",
        "Typefout bij de aanmelding, gemeld door de politie.",
    ),
    (
        "home visit",
        "Datum van het huisbezoek",
        "Het huisbezoek vond een dag later plaats dan geregistreerd.",
        "Registratiefout, gemeld door de wijkagent.",
    ),
    (
        "home visit",
        "Ouders geinformeerd",
        "Alleen de moeder was aanwezig; de vader is later telefonisch geinformeerd.",
        "Aanvulling op verzoek van de ouders (correctierecht).",
    ),
)

# --- youth networks ---------------------------------------------------------------------------

NETWORK_NAMES = (
    "Groep Stationsplein", "Jeugdgroep Haven", "Netwerk Muziekwijk", "Groep Kruidenwijk",
    "Jeugdnetwerk Danswijk", "Groep Waterwijk", "Netwerk Stripheldenbuurt", "Groep Literatuurwijk",
    "Groep Parkwijk", "Netwerk Tussen de Vaarten",
)  # fmt: skip
NETWORK_AREAS = ("Almere Stad", "Almere Haven", "Almere Buiten", "Almere Poort", "Almere Hout")

#: (location, description, online)
SIGNALS = (
    (
        "Skatebaan",
        (
            "Groep van ongeveer tien jongeren hangt 's avonds rond; intimiderend gedrag "
            "naar voorbijgangers."
        ),
        False,
    ),
    (
        "Winkelcentrum",
        ("Jongeren uit de groep vallen winkelend publiek lastig en dagen beveiligers uit."),
        False,
    ),
    ("Sportpark", "Vernielingen aan de kantine; groep van vijf tot acht jongeren gezien.", False),
    (
        "Station",
        "Meerdere meldingen van straatroof op scholieren door een groep op scooters.",
        False,
    ),
    (
        "Sociale media",
        ("Drillrapclips met dreigende teksten richting een groep uit een andere wijk."),
        True,
    ),
    ("Sociale media", "Oproepen in groepsapps om af te spreken voor een 'afrekening'.", True),
)
LIGHT_MEASURES = (
    ("Speeltuin", "Extra rondes van de jeugdboa's in de avonduren; overlast neemt af.", False),
    ("Buurthuis", "Jongerenwerk heeft contact gelegd en biedt een vaste avondactiviteit.", False),
)
ASSESSMENT_PROBLEMATIC = (
    "Structurele overlast en strafbare feiten door een vaste kern; het groepsgedrag is "
    "problematisch. Namenlijst en groepsscan worden opgevraagd."
)
ASSESSMENT_NOT_PROBLEMATIC = (
    "Hinderlijk maar niet problematisch groepsgedrag; lichte maatregelen volstaan. "
    "Individuele zorgen gaan via een zorgmelding of PGA-aanmelding."
)
POLICE_ADVICES = (
    (
        "Groepsscan uitgevoerd: vaste kern van vier, wisselende meelopers. Advies: groepsaanpak "
        "met persoonsgerichte trajecten voor de kern."
    ),
    (
        "Namenlijst en informatiebrief verstuurd. Advies: inzet op de aanjagers en op preventie "
        "voor de jongste meelopers."
    ),
)
INTERPRETATION = {
    "group_dynamics": "Hierarchische groep met een kleine kern die de toon zet.",
    "roles": "Twee aanjagers, een vaste kern en meelopers van 13 tot 15 jaar.",
    "problem_type": "Overlast en vermogenscriminaliteit, met signalen van wapenbezit.",
    "context": "Weinig voorzieningen in de wijk; groep verplaatst zich tussen twee pleinen.",
    "chances": "Meelopers zijn gevoelig voor sport- en werkaanbod; ouders zijn bereikbaar.",
}
CONCEPT_PLAN = (
    "Concept plan van aanpak met politie en OM: groepsgerichte handhaving, persoonsgerichte "
    "trajecten voor de kern en preventief aanbod voor meelopers."
)
ADVICE = (
    "Problematische jeugdgroep met een criminele kern en jonge meelopers.",
    "Advies: prioriteren en een integraal plan van aanpak opstellen.",
)
PRIORITISED_INSTRUCTIONS = "Driehoek: prioriteit; binnen zes weken een integraal plan van aanpak."
NOT_PRIORITISED_INSTRUCTIONS = (
    "Driehoek: geen prioriteit; reguliere aanpak en monitoring via het JIT."
)

#: (partner role code, level, description) for the actions of an integral plan.
GROUP_ACTIONS = (
    ("jongerenwerk", "groep", "Wekelijkse sportavond voor de groep in het buurthuis."),
    ("jit", "groep", "Groepsgesprek met het JIT over de grenzen van de aanpak."),
    ("politie", "domein", "Extra surveillance rond het station in de avonduren."),
    ("jeugdboa", "domein", "Jeugdboa's lopen vaste rondes langs de hangplekken."),
    ("jit", "domein", "Cameratoezicht en verlichting op het plein laten verbeteren."),
)
PERSON_ACTIONS = (
    ("leerplicht", "Verzuimgesprek met jongere en ouders."),
    ("jongerenwerk", "Individuele coaching richting werk of opleiding."),
    ("politie", "Persoonsgerichte aanspreekactie door de wijkagent."),
    ("wijkteam", "Gezinsgesprek over ondersteuning thuis."),
)
ACTION_OUTCOMES = (
    "Uitgevoerd volgens plan.",
    "Uitgevoerd; effect wordt bij de volgende monitoring bekeken.",
    "Uitgevoerd met een kleinere opkomst dan verwacht.",
)
MONITORING = (
    "Minder meldingen van overlast; twee nieuwe incidenten rond het station.",
    "Overlast stabiel; kern blijft actief, meelopers haken af.",
    "Geen nieuwe strafbare feiten; groep komt minder vaak samen.",
)
BACK_STEP_REASON = (
    "Monitoring laat zien dat de groep zich verplaatst naar een andere wijk; "
    "het plan van aanpak moet worden herzien."
)
EVALUATION = (
    (
        "De overlast is duidelijk afgenomen; de kern is uiteengevallen. Twee jongeren blijven in "
        "een persoonsgericht traject."
    ),
    "Jongerenwerk houdt de avondactiviteit aan; de wijkagent houdt zicht op de plek.",
)
CLOSED_AT_SIGNALS = "Signalen niet bevestigd: er is geen sprake van een vaste groep."
CLOSED_AFTER_LIGHT = "Lichte maatregelen hebben gewerkt; geen nieuwe signalen."
CLOSED_AFTER_EVALUATION = "Aanpak geevalueerd en afgerond."
ROLES_IN_GROUP = ("kern", "aanjager", "meeloper", "randfiguur")
MEMBER_REMOVED = "Aanpak afgerond; jongere niet langer in beeld als groepslid."
MEMBER_MOVED = "Jongere is verhuisd en niet langer bij de groep betrokken."
