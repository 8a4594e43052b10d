"""The timeline: per trajectory or youth network, what happened, in order, in plain Dutch.

One row per event (``entries``, keyed by aggregate id and version): when it was recorded and by
whom (user, organisation and role from the event's metadata), the business date of what happened
(``occurred_on``: the day of the arrest, the intake, the step; ``None`` for events that record a
decision about the future, such as a planned intervention), a short Dutch ``summary`` built only
from codes, catalogue labels, organisation ids, dates and numbers (never names, references or
free text), and ``details``: the event's own fields as JSON for the detail view (personal free
text included: this is the regisseur's and procesregisseur's view; partner views are other read
models). Fields the store encrypts at rest (``PgaEvent.encrypted_fields``: the BSN) are left out
of ``details``: a read model never holds them.

Corrections are shown as corrections: a ``CorrectionRecorded`` is an entry of its own ("Correctie
op versie 3: ...", ``corrects_version`` = 3) and the corrected entry lists the correcting
versions in ``corrected_by`` (stored ``NULL`` until the first correction, the cheaper value to
write for the many entries never corrected; the query returns ``[]``), so a UI can strike it
through and link to the correction. A correction by field (``corrected_fields``) also puts the
corrected values into the corrected entry's ``details``: the timeline shows what is true now,
marked corrected; the value as first recorded stays in the event store, for the auditor. The
corrected entry may be stored already: a batch loads the earlier entries of every aggregate it
corrects or erases.

Rights requests (inzage, correctie, verwijdering) are entries too, summarised by their codes and
deadlines; the request's kind is kept in ``entities`` for the summaries of its extension and
completion.

Erasure: ``SubjectErased`` sets every personal field (``PgaEvent.personal_fields``) of the
trajectory's earlier entries to ``null`` in ``details``; summaries hold no personal data and
stay. The stored events keep what they keep (per-subject keys are the store's business); a
rebuild from zero blanks the same fields, so both builds have the same content.

Destroyed name lists: ``MemberRemoved`` (and ``MemberErased``, the erasure of a member's personal
data) destroys one member's place on the list; a back-step to
a step before 2B (``SteppedBack`` to a step outside ``PERSON_LEVEL_STEPS``) or closing the file
(``NetworkFileClosed``) destroys the whole list, every member still on it. For each destroyed
member the network's entries change. In its ``MemberPlaced`` entries the personal fields (names,
date of birth, role in the group), ``trajectory_id`` (the link to its named trajectory) and
``member_id`` (for a youth with a trajectory, the youth's ``subject_id``, which the caseload
holds too) become ``null`` in ``details``, and the summary loses "(met PGA-traject)". Its
``MemberInformed`` entries lose ``member_id``, and its ``MemberRemoved`` entries, the removing
event's own included, lose ``reason`` and ``member_id`` the same way. The person-level actions
planned for it lose ``member_id`` and ``ActionPlanned.description``, their completions
``ActionCompleted.outcome``; ``action_id`` stays, so an action's entries still hang together.
A back-step's or closing's own entry is stored as it is (its reason is about the network). The
timeline keeps that something happened, not who it was about. A rebuild from zero does the
same, so both builds have the same content.

Summaries that name an intervention, a mayor's order or a plan action by its kind (the later
events carry only its id) look the kind up in ``entities``: one row per intervention, order and
action, written when it is planned or issued.

Every event kind of both aggregates has a summary and a business-date rule here (``EVENT_KINDS``);
a unit test fails when a new kind is added without one, and an unknown kind stops the read model
(a poison event) rather than leave a gap in the timeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import msgspec
from psycopg import sql

from pga.domain.catalogue import DEFAULT_CATALOGUE, CatalogueList, PartnerRole
from pga.domain.common import LetterRecipients
from pga.domain.network import (
    PERSON_LEVEL_STEPS,
    ActionCompleted,
    ActionLevel,
    ActionPlanned,
    AdviceIssued,
    BehaviourAssessed,
    ConceptPlanDrafted,
    EvaluationCompleted,
    IntegralPlanAdopted,
    InterpretationRecorded,
    MemberErased,
    MemberInformed,
    MemberPlaced,
    MemberRemoved,
    MonitoringRecorded,
    NameListErased,
    NetworkErased,
    NetworkFileClosed,
    NetworkLegalHoldLifted,
    NetworkLegalHoldPlaced,
    NetworkOpened,
    NetworkPartnerJoined,
    NetworkPartnerLeft,
    NetworkStep,
    PoliceAdviceReceived,
    PrioritisationDecided,
    ProcesregisseurAssigned,
    SignalShared,
    StepAdvanced,
    SteppedBack,
)
from pga.domain.trajectory import (
    ArrestRecorded,
    BsnRecorded,
    CareReportMade,
    CaseConferenceHeld,
    Closed,
    CorrectionRecorded,
    DeEscalated,
    Escalated,
    InclusionDeclined,
    InformationLetterSent,
    IntakeHeld,
    InterventionAborted,
    InterventionCompleted,
    InterventionPlanned,
    InterventionStarted,
    JitStepRecorded,
    LegalHoldLifted,
    LegalHoldPlaced,
    LifeDomainScored,
    MayorOrderExtended,
    MayorOrderIssued,
    NetworkLinked,
    NetworkUnlinked,
    PartnerInvolved,
    PartnerWithdrawn,
    PlanAdopted,
    PlanRevised,
    PoliceContactRecorded,
    PoliceHomeVisited,
    Referred,
    RegisseurAssigned,
    Requester,
    RevisionStarted,
    RightsRequestCompleted,
    RightsRequestExtended,
    RightsRequestKind,
    RightsRequestOutcome,
    RightsRequestReceived,
    SchoolSignalRecorded,
    SubjectErased,
)
from projections.base import Batch, Envelope, ReadModel, Rows, Table, aggregate_ids
from projections.paging import DEFAULT_PAGE_SIZE, limit_offset, page_with_total, split_total
from projections.runner import schema_name

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import psycopg

    from pga.domain.common import PgaEvent

TRAJECTORY = "trajectory"
NETWORK = "network"

_catalogue = DEFAULT_CATALOGUE


def _json_text(value: object) -> str:
    # msgspec encodes dates, UUIDs, enums, tuples and the domain's dataclasses natively; a str
    # goes to a jsonb column as it is (cheaper to write than a psycopg Jsonb wrapper).
    return msgspec.json.encode(value).decode()


# --- stored rows ---


class TimelineRow(msgspec.Struct):
    """One event as stored (the ``entries`` table)."""

    aggregate_id: UUID
    version: int
    position: int
    aggregate_kind: str
    """``trajectory`` or ``network``."""
    kind: str
    """The event class's name (``ArrestRecorded``)."""
    occurred_on: date | None
    recorded_at: datetime
    recorded_by_user: str | None
    recorded_by_organisation: str | None
    recorded_by_role: str | None
    summary: str
    details: str
    """The event's own fields, as JSON text."""
    corrects_version: int | None
    corrected_by: list[int] | None
    """The versions of the corrections of this entry (``None``: never corrected)."""


class EntityRow(msgspec.Struct):
    """The kind of an intervention, mayor's order or plan action (the ``entities`` table)."""

    aggregate_id: UUID
    entity_id: UUID
    code: str


ENTRIES = Table(
    name="entries",
    columns=(
        ("aggregate_id", "uuid NOT NULL"),
        ("version", "integer NOT NULL"),
        ("position", "bigint NOT NULL"),
        ("aggregate_kind", "text NOT NULL"),
        ("kind", "text NOT NULL"),
        ("occurred_on", "date"),
        ("recorded_at", "timestamptz NOT NULL"),
        ("recorded_by_user", "text"),
        ("recorded_by_organisation", "text"),
        ("recorded_by_role", "text"),
        ("summary", "text NOT NULL"),
        ("details", "jsonb NOT NULL"),
        ("corrects_version", "integer"),
        ("corrected_by", "integer[]"),
    ),
    key=("aggregate_id", "version"),
)

ENTITIES = Table(
    name="entities",
    columns=(
        ("aggregate_id", "uuid NOT NULL"),
        ("entity_id", "uuid NOT NULL"),
        ("code", "text NOT NULL"),
    ),
    key=("aggregate_id", "entity_id"),
)


# --- Dutch labels ---

ROLE_LABELS: Mapping[PartnerRole, str] = {
    PartnerRole.REGISSEUR: "PGA-regisseur",
    PartnerRole.PROCESREGISSEUR: "procesregisseur",
    PartnerRole.POLITIE: "politie",
    PartnerRole.OM: "OM",
    PartnerRole.RAAD_KINDERBESCHERMING: "Raad voor de Kinderbescherming",
    PartnerRole.JEUGDRECLASSERING: "jeugdreclassering",
    PartnerRole.HALT: "Halt",
    PartnerRole.LEERPLICHT: "leerplicht",
    PartnerRole.SCHOOL: "school",
    PartnerRole.JONGERENWERK: "jongerenwerk",
    PartnerRole.JEUGDBOA: "jeugdboa",
    PartnerRole.JIT: "JIT",
    PartnerRole.WIJKTEAM: "wijkteam",
    PartnerRole.ZORG: "zorg",
    PartnerRole.VEILIG_THUIS: "Veilig Thuis",
    PartnerRole.BURGEMEESTER: "burgemeester",
    PartnerRole.AUDITOR: "auditor",
    PartnerRole.BEHEERDER: "beheerder",
}
"""How a partner role reads in a Dutch sentence."""

STEP_LABELS: Mapping[NetworkStep, str] = {
    NetworkStep.SIGNALS: "stap 1 (signalen delen)",
    NetworkStep.ASSESSMENT: "stap 2A (beoordelen groepsgedrag)",
    NetworkStep.LIGHT_APPROACH: "stap 2A (lichte aanpak)",
    NetworkStep.NAME_LIST: "stap 2B (namenlijst en groepsscan)",
    NetworkStep.INTERPRETATION: "stap 3 (groepsduiding)",
    NetworkStep.ADVICE: "stap 4 (advies en prioritering)",
    NetworkStep.NOT_PRIORITISED: "niet geprioriteerd (reguliere aanpak)",
    NetworkStep.PLAN: "stap 5 (integraal plan van aanpak)",
    NetworkStep.EXECUTION: "stap 6 (uitvoeren en monitoren)",
    NetworkStep.SCALE_DOWN: "stap 7 (afschalen en evalueren)",
    NetworkStep.CLOSED: "gesloten",
}
"""How a step of the 7-stappenmodel reads in a Dutch sentence."""

LEVEL_LABELS: Mapping[str, str] = {
    ActionLevel.GROUP.value: "groepsniveau",
    ActionLevel.DOMAIN.value: "domeinniveau",
    ActionLevel.PERSON.value: "persoonsniveau",
}


def _label(entries: CatalogueList[Any], code: str) -> str:
    """Return a code's catalogue label (the code itself for a code the catalogue lacks)."""
    return str(entries[code].label) if code in entries else code


def _in_sentence(label: str) -> str:
    """Lowercase a label's first letter for use mid-sentence, unless it starts an acronym."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _day(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _offence(code: str) -> str:
    return _in_sentence(_label(_catalogue.offences, code))


def _lower_label(entries: CatalogueList[Any], code: str) -> str:
    return _in_sentence(_label(entries, code))


# --- summaries (codes, labels, organisation ids, dates and numbers only) ---


def _referred(event: Referred, _: Timeline) -> str:
    return f"Aangemeld door {event.referring_organisation} ({_offence(event.offence_category)})"


RECIPIENT_LABELS: Mapping[LetterRecipients, str] = {
    LetterRecipients.OUDERS: "de ouders",
    LetterRecipients.JONGERE_EN_OUDERS: "de jongere en de ouders",
    LetterRecipients.JONGERE: "de jongere",
}
"""Who got the information letter, in a Dutch sentence."""


def _information_letter(event: InformationLetterSent, _: Timeline) -> str:
    return f"Informatiebrief verstuurd aan {RECIPIENT_LABELS[event.recipients]}"


def _member_informed(event: MemberInformed, _: Timeline) -> str:
    recipients = RECIPIENT_LABELS[event.recipients]
    return f"Jongere op de namenlijst geïnformeerd (informatiebrief aan {recipients})"


def _regisseur_assigned(event: RegisseurAssigned, _: Timeline) -> str:
    return f"Andere regisseur toegewezen ({event.regisseur.organisation})"


def _partner_involved(event: PartnerInvolved, _: Timeline) -> str:
    involvement = event.involvement
    return f"Partner betrokken: {involvement.organisation} ({ROLE_LABELS[involvement.role]})"


def _partner_withdrawn(event: PartnerWithdrawn, _: Timeline) -> str:
    return f"Partner niet meer betrokken: {event.organisation}"


def _police_home_visited(event: PoliceHomeVisited, _: Timeline) -> str:
    parents = "ouders geïnformeerd" if event.parents_informed else "ouders niet geïnformeerd"
    return f"Huisbezoek door de politie ({parents})"


def _case_conference(event: CaseConferenceHeld, _: Timeline) -> str:
    held = f"Casusoverleg gehouden ({_count(len(event.participants), 'partij', 'partijen')})"
    return held if event.next_on is None else f"{held}; volgend overleg {_day(event.next_on)}"


def _life_domain_scored(event: LifeDomainScored, _: Timeline) -> str:
    domain = _lower_label(_catalogue.life_domains, event.life_domain)
    instrument = _label(_catalogue.instruments, event.instrument)
    return f"Leefgebied {domain} gescoord: {event.score} ({instrument})"


def _plan_adopted(event: PlanAdopted, _: Timeline) -> str:
    return f"Plan van aanpak vastgesteld ({_count(len(event.goals), 'doel', 'doelen')})"


def _plan_revised(event: PlanRevised, _: Timeline) -> str:
    return f"Plan van aanpak bijgesteld ({_count(len(event.goals), 'doel', 'doelen')})"


def _arrest(event: ArrestRecorded, _: Timeline) -> str:
    return f"Aanhouding geregistreerd ({_offence(event.offence_category)})"


def _police_contact(event: PoliceContactRecorded, _: Timeline) -> str:
    role = _lower_label(_catalogue.police_contact_roles, event.role)
    return f"Politiecontact als {role} ({_offence(event.offence_category)})"


def _intervention_label(code: str | None) -> str:
    return "" if code is None else f" {_label(_catalogue.interventions, code)}"


def _intervention_planned(event: InterventionPlanned, _: Timeline) -> str:
    return (
        f"Interventie{_intervention_label(event.kind)} gepland ({event.responsible_organisation})"
    )


def _intervention_started(event: InterventionStarted, timeline: Timeline) -> str:
    code = timeline.entity_code(event.originator_id, event.intervention_id)
    return f"Interventie{_intervention_label(code)} gestart"


def _intervention_completed(event: InterventionCompleted, timeline: Timeline) -> str:
    code = timeline.entity_code(event.originator_id, event.intervention_id)
    return f"Interventie{_intervention_label(code)} afgerond"


def _intervention_aborted(event: InterventionAborted, timeline: Timeline) -> str:
    code = timeline.entity_code(event.originator_id, event.intervention_id)
    return f"Interventie{_intervention_label(code)} afgebroken"


def _school_signal(event: SchoolSignalRecorded, _: Timeline) -> str:
    kind = _lower_label(_catalogue.school_signals, event.kind)
    hours = "" if event.absence_hours is None else f", {event.absence_hours} uur"
    return f"Schoolsignaal van {ROLE_LABELS[event.source_role]}: {kind}{hours}"


def _jit_step(event: JitStepRecorded, _: Timeline) -> str:
    step = f"JIT-stap: {_lower_label(_catalogue.jit_steps, event.kind)}"
    if event.days_after_incident is None:
        return step
    return f"{step} ({_count(event.days_after_incident, 'dag', 'dagen')} na het incident)"


def _mayor_order_issued(event: MayorOrderIssued, _: Timeline) -> str:
    kind = _lower_label(_catalogue.mayor_orders, event.kind)
    return f"Bevel burgemeester (art. 172a): {kind} tot {_day(event.ends_on)}"


def _mayor_order_extended(event: MayorOrderExtended, timeline: Timeline) -> str:
    code = timeline.entity_code(event.originator_id, event.order_id)
    kind = "" if code is None else f" ({_lower_label(_catalogue.mayor_orders, code)})"
    return f"Bevel burgemeester{kind} verlengd tot {_day(event.ends_on)}"


def _escalated(event: Escalated, _: Timeline) -> str:
    return f"Opgeschaald naar {_label(_catalogue.escalation_targets, event.target)}"


def _closed(event: Closed, _: Timeline) -> str:
    return f"Afgesloten: {_lower_label(_catalogue.closing_reasons, event.reason_code)}"


CORRECTED_FIELD_LABELS: Mapping[str, str] = {
    "given_name": "voornaam",
    "family_name": "achternaam",
    "born_on": "geboortedatum",
    "police_reference": "politiekenmerk",
}
"""The fields a correction by field may change, in a Dutch sentence."""


def _correction(event: CorrectionRecorded, timeline: Timeline) -> str:
    corrected = timeline.entries.get(event.originator_id, event.corrects_version)
    what = "" if corrected is None else f": {corrected.summary}"
    fields = ", ".join(CORRECTED_FIELD_LABELS[item.field] for item in event.corrected_fields)
    which = f" ({fields})" if fields else ""
    return f"Correctie op versie {event.corrects_version}{which}{what}"


REQUEST_KIND_LABELS: Mapping[str, str] = {
    RightsRequestKind.INZAGE: "inzage",
    RightsRequestKind.CORRECTIE: "correctie",
    RightsRequestKind.VERWIJDERING: "verwijdering",
}
REQUESTER_LABELS: Mapping[Requester, str] = {
    Requester.JONGERE: "de jongere",
    Requester.OUDER_OF_VOOGD: "een ouder of voogd",
    Requester.WETTELIJK_VERTEGENWOORDIGER: "een wettelijk vertegenwoordiger",
}
OUTCOME_LABELS: Mapping[RightsRequestOutcome, str] = {
    RightsRequestOutcome.GRANTED: "toegewezen",
    RightsRequestOutcome.PARTLY: "gedeeltelijk toegewezen",
    RightsRequestOutcome.REFUSED: "afgewezen",
    RightsRequestOutcome.WITHDRAWN: "ingetrokken",
}


def _request_label(code: str | None) -> str:
    return "" if code is None else f" om {REQUEST_KIND_LABELS.get(code, code)}"


def _request_received(event: RightsRequestReceived, _: Timeline) -> str:
    return (
        f"Verzoek{_request_label(event.kind)} van {REQUESTER_LABELS[event.requester]};"
        f" af te handelen uiterlijk {_day(event.due_on)}"
    )


def _request_extended(event: RightsRequestExtended, timeline: Timeline) -> str:
    code = timeline.entity_code(event.originator_id, event.request_id)
    return f"Termijn van het verzoek{_request_label(code)} verlengd tot {_day(event.due_on)}"


def _request_completed(event: RightsRequestCompleted, timeline: Timeline) -> str:
    code = timeline.entity_code(event.originator_id, event.request_id)
    return f"Verzoek{_request_label(code)} afgehandeld: {OUTCOME_LABELS[event.outcome]}"


def _network_opened(event: NetworkOpened, _: Timeline) -> str:
    if event.historical_label is None:
        return "Groepsdossier geopend"
    return f"Groepsdossier geopend (historische typering: {event.historical_label})"


def _procesregisseur_assigned(event: ProcesregisseurAssigned, _: Timeline) -> str:
    return f"Andere procesregisseur toegewezen ({event.organisation})"


def _network_partner_joined(event: NetworkPartnerJoined, _: Timeline) -> str:
    involvement = event.involvement
    return f"Partner aangesloten: {involvement.organisation} ({ROLE_LABELS[involvement.role]})"


def _network_partner_left(event: NetworkPartnerLeft, _: Timeline) -> str:
    return f"Partner niet meer aangesloten: {event.organisation}"


def _signal_shared(event: SignalShared, _: Timeline) -> str:
    online = " (online)" if event.online else ""
    return f"Signaal gedeeld door {event.source_organisation}{online}"


def _behaviour_assessed(event: BehaviourAssessed, _: Timeline) -> str:
    verdict = "problematisch" if event.problematic else "niet problematisch"
    return f"Groepsgedrag beoordeeld: {verdict}"


def _member_placed(event: MemberPlaced, _: Timeline) -> str:
    return _member_placed_summary(linked=event.trajectory_id is not None)


def _member_placed_summary(*, linked: bool) -> str:
    """Summarise a placement; ``linked``: the member is a youth with a PGA trajectory."""
    return "Jongere op de namenlijst geplaatst" + (" (met PGA-traject)" if linked else "")


def _police_advice(event: PoliceAdviceReceived, _: Timeline) -> str:
    scan = "met groepsscan" if event.group_scan_done else "zonder groepsscan"
    return f"Advies van de politie ontvangen ({scan})"


def _prioritisation(event: PrioritisationDecided, _: Timeline) -> str:
    return "Driehoek: " + ("geprioriteerd" if event.prioritised else "niet geprioriteerd")


def _action_planned(event: ActionPlanned, _: Timeline) -> str:
    return f"Actie op {LEVEL_LABELS[event.level.value]} gepland ({event.organisation})"


def _action_completed(event: ActionCompleted, timeline: Timeline) -> str:
    code = timeline.entity_code(event.originator_id, event.action_id)
    level = "" if code is None else f" op {LEVEL_LABELS.get(code, code)}"
    return f"Actie{level} afgerond"


def _step_advanced(event: StepAdvanced, _: Timeline) -> str:
    return f"Naar {STEP_LABELS[event.to_step]}"


def _stepped_back(event: SteppedBack, _: Timeline) -> str:
    return f"Terug naar {STEP_LABELS[event.to_step]}"


def _fixed(text: str) -> Callable[[Any, Timeline], str]:
    def summary(_event: object, _timeline: Timeline) -> str:
        return text

    return summary


# --- what the timeline does besides adding the entry ---


def _remember_intervention(event: InterventionPlanned, timeline: Timeline) -> None:
    timeline.entities.put(EntityRow(event.originator_id, event.intervention_id, event.kind))


def _remember_order(event: MayorOrderIssued, timeline: Timeline) -> None:
    timeline.entities.put(EntityRow(event.originator_id, event.order_id, event.kind))


def _remember_action(event: ActionPlanned, timeline: Timeline) -> None:
    timeline.entities.put(EntityRow(event.originator_id, event.action_id, event.level.value))


def _remember_request(event: RightsRequestReceived, timeline: Timeline) -> None:
    timeline.entities.put(EntityRow(event.originator_id, event.request_id, event.kind.value))


def _mark_corrected(event: CorrectionRecorded, timeline: Timeline) -> None:
    corrected = timeline.entries.get(event.originator_id, event.corrects_version)
    if corrected is None:
        msg = (
            f"version {event.corrects_version} of {event.originator_id} is not in the timeline:"
            " the correction cannot mark it"
        )
        raise LookupError(msg)
    corrected.corrected_by = [*(corrected.corrected_by or ()), event.originator_version]
    if event.corrected_fields:
        details: dict[str, Any] = msgspec.json.decode(corrected.details)
        for item in event.corrected_fields:
            details[item.field] = item.value
        corrected.details = _json_text(details)
    timeline.entries.touch(corrected)


#: Summaries derived from personal fields, as they read once the subject is erased.
_ERASED_SUMMARIES = {
    "PlanAdopted": "Plan van aanpak vastgesteld",
    "PlanRevised": "Plan van aanpak bijgesteld",
}


def _hold_placed(event: LegalHoldPlaced | NetworkLegalHoldPlaced, _timeline: Timeline) -> str:
    return f"Bewaring ingesteld ({event.basis}): bewaartermijn opgeschort"


def _name_list_erased(event: NameListErased, _timeline: Timeline) -> str:
    return f"Namenlijst vernietigd ({len(event.member_ids)} jongere(n), bewaartermijn verstreken)"


def _blank_personal_fields(event: SubjectErased | NetworkErased, timeline: Timeline) -> None:
    earlier = [
        row
        for row in timeline.entries.where("aggregate_id", event.originator_id)
        if row.version <= event.originator_version
    ]
    for row in earlier:
        erased_summary = _ERASED_SUMMARIES.get(row.kind)
        if erased_summary is not None and row.summary != erased_summary:
            row.summary = erased_summary  # the count of the goals was derived from their text
            timeline.entries.touch(row)
        personal = _PERSONAL_FIELDS.get(row.kind, ())
        if not personal:
            continue
        details: dict[str, Any] = msgspec.json.decode(row.details)
        if any(details.get(name) is not None for name in personal):
            row.details = _json_text({**details, **dict.fromkeys(personal)})
            timeline.entries.touch(row)


def _destroy_names(
    event: MemberRemoved | MemberErased | SteppedBack | NetworkFileClosed, timeline: Timeline
) -> None:
    """Blank what earlier entries say about the members whose names are destroyed.

    For every such member: the personal fields, the trajectory link and the member id (for a
    youth with a trajectory it is the youth's subject id) of its ``MemberPlaced`` entries (whose
    summary loses the trajectory mention with it), the member id of its ``MemberInformed``
    entries, the same of its ``MemberRemoved`` entries (the removing event's own included), and
    those of the person-level actions planned for it
    and their completions.
    """
    if isinstance(event, SteppedBack) and event.to_step in PERSON_LEVEL_STEPS:
        return  # a back-step within the person-level steps keeps the name list
    only = str(event.member_id) if isinstance(event, MemberRemoved | MemberErased) else None
    about_member = {"MemberPlaced", "MemberInformed", "MemberRemoved", "MemberErased"}
    earlier = [
        (row, msgspec.json.decode(row.details))
        for row in timeline.entries.where("aggregate_id", event.originator_id)
        if row.version <= event.originator_version
    ]
    members = {
        details["member_id"]
        for row, details in earlier
        if row.kind == "MemberPlaced"
        and details["member_id"] is not None  # None: destroyed before
        and (only is None or details["member_id"] == only)
    }
    actions = {
        details["action_id"]
        for row, details in earlier
        if row.kind == "ActionPlanned" and details.get("member_id") in members
    }
    for row, details in earlier:
        concerned = (row.kind in about_member and details["member_id"] in members) or (
            row.kind in {"ActionPlanned", "ActionCompleted"} and details["action_id"] in actions
        )
        if not concerned:
            continue
        blanked = dict.fromkeys(_PERSONAL_FIELDS.get(row.kind, ()))
        if row.kind == "MemberPlaced":
            blanked[_TRAJECTORY_LINK] = None  # the link leads to the named trajectory
        if row.kind in {*about_member, "ActionPlanned", "ActionCompleted"}:
            blanked[_MEMBER_ID] = None  # a linked youth's member id is its subject id
        if any(details.get(name) is not None for name in blanked):
            row.details = _json_text({**details, **blanked})
            if row.kind == "MemberPlaced":
                row.summary = _member_placed_summary(linked=False)
            timeline.entries.touch(row)


# --- the registry: one line per event kind ---

Summary = Callable[[Any, "Timeline"], str]
Effect = Callable[[Any, "Timeline"], None]

_BASE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


@dataclass(frozen=True, slots=True)
class EventKind:
    """How the timeline shows one event class: summary, business date, fields, side effect."""

    aggregate_kind: str
    summary: Summary
    occurred_on_field: str | None
    """The (dotted) attribute that holds the business date (``None``: the event has none)."""
    occurred_on: Callable[[Any], date] | None
    """Return the event's business date (``None``: the event has none)."""
    fields: tuple[str, ...]
    """The event's own fields shown in ``details`` (all but those encrypted at rest)."""
    effect: Effect | None = None


def _kind(
    event_class: type[PgaEvent],
    aggregate_kind: str,
    summary: Summary,
    occurred_on: str | None,
    effect: Effect | None = None,
) -> tuple[type[PgaEvent], EventKind]:
    hidden = _BASE_FIELDS | set(event_class.encrypted_fields)
    fields = tuple(
        field.name for field in dataclasses.fields(event_class) if field.name not in hidden
    )
    getter = None if occurred_on is None else attrgetter(occurred_on)
    return event_class, EventKind(aggregate_kind, summary, occurred_on, getter, fields, effect)


T, N = TRAJECTORY, NETWORK

EVENT_KINDS: Mapping[type[PgaEvent], EventKind] = dict(
    (
        _kind(Referred, T, _referred, "referred_on"),
        # Recording (or correcting) the BSN is administrative: no business date; no value shown.
        _kind(BsnRecorded, T, _fixed("BSN vastgelegd"), None),
        _kind(InformationLetterSent, T, _information_letter, "sent_on"),
        _kind(RegisseurAssigned, T, _regisseur_assigned, None),
        _kind(PartnerInvolved, T, _partner_involved, "involvement.since"),
        _kind(PartnerWithdrawn, T, _partner_withdrawn, "withdrawn_on"),
        _kind(PoliceHomeVisited, T, _police_home_visited, "visited_on"),
        _kind(IntakeHeld, T, _fixed("Intakegesprek gehouden"), "held_on"),
        _kind(InclusionDeclined, T, _fixed("Niet opgenomen in PGA 18min"), "declined_on"),
        _kind(CaseConferenceHeld, T, _case_conference, "held_on"),
        _kind(LifeDomainScored, T, _life_domain_scored, "scored_on"),
        _kind(PlanAdopted, T, _plan_adopted, "adopted_on"),
        _kind(RevisionStarted, T, _fixed("Bijstelling van het plan gestart"), "started_on"),
        _kind(PlanRevised, T, _plan_revised, "adopted_on"),
        _kind(ArrestRecorded, T, _arrest, "arrested_on"),
        _kind(PoliceContactRecorded, T, _police_contact, "occurred_on"),
        # Planned start and end lie ahead: planning has no business date of its own.
        _kind(InterventionPlanned, T, _intervention_planned, None, _remember_intervention),
        _kind(InterventionStarted, T, _intervention_started, "started_on"),
        _kind(InterventionCompleted, T, _intervention_completed, "completed_on"),
        _kind(InterventionAborted, T, _intervention_aborted, "aborted_on"),
        _kind(SchoolSignalRecorded, T, _school_signal, "observed_on"),
        _kind(JitStepRecorded, T, _jit_step, "occurred_on"),
        _kind(MayorOrderIssued, T, _mayor_order_issued, "starts_on", _remember_order),
        # The new end date lies ahead: an extension has no business date of its own.
        _kind(MayorOrderExtended, T, _mayor_order_extended, None),
        _kind(CareReportMade, T, _fixed("Zorgmelding gedaan bij Veilig Thuis"), "made_on"),
        _kind(NetworkLinked, T, _fixed("Gekoppeld aan een jeugdnetwerk"), "linked_on"),
        _kind(
            NetworkUnlinked, T, _fixed("Koppeling met een jeugdnetwerk beëindigd"), "unlinked_on"
        ),
        _kind(Escalated, T, _escalated, "escalated_on"),
        _kind(DeEscalated, T, _fixed("Afgeschaald naar monitoring"), "de_escalated_on"),
        _kind(Closed, T, _closed, "closed_on"),
        _kind(CorrectionRecorded, T, _correction, None, _mark_corrected),
        _kind(RightsRequestReceived, T, _request_received, "received_on", _remember_request),
        _kind(RightsRequestExtended, T, _request_extended, "extended_on"),
        _kind(RightsRequestCompleted, T, _request_completed, "completed_on"),
        _kind(
            SubjectErased,
            T,
            _fixed("Persoonsgegevens verwijderd"),
            "erased_on",
            _blank_personal_fields,
        ),
        _kind(NetworkOpened, N, _network_opened, "opened_on"),
        _kind(ProcesregisseurAssigned, N, _procesregisseur_assigned, None),
        _kind(NetworkPartnerJoined, N, _network_partner_joined, "involvement.since"),
        _kind(NetworkPartnerLeft, N, _network_partner_left, "left_on"),
        _kind(SignalShared, N, _signal_shared, "observed_on"),
        _kind(BehaviourAssessed, N, _behaviour_assessed, "assessed_on"),
        _kind(MemberPlaced, N, _member_placed, "placed_on"),
        _kind(MemberInformed, N, _member_informed, "sent_on"),
        _kind(
            MemberRemoved,
            N,
            _fixed("Jongere van de namenlijst gehaald"),
            "removed_on",
            _destroy_names,
        ),
        _kind(
            MemberErased,
            N,
            _fixed("Persoonsgegevens van een jongere op de namenlijst verwijderd"),
            "erased_on",
            _destroy_names,
        ),
        _kind(PoliceAdviceReceived, N, _police_advice, "received_on"),
        _kind(InterpretationRecorded, N, _fixed("Groepsduiding vastgelegd"), "recorded_on"),
        _kind(ConceptPlanDrafted, N, _fixed("Concept plan van aanpak opgesteld"), "drafted_on"),
        _kind(AdviceIssued, N, _fixed("Advies aan de lokale driehoek uitgebracht"), "issued_on"),
        _kind(PrioritisationDecided, N, _prioritisation, "decided_on"),
        # The due date lies ahead: planning an action has no business date of its own.
        _kind(ActionPlanned, N, _action_planned, None, _remember_action),
        _kind(ActionCompleted, N, _action_completed, "completed_on"),
        _kind(
            IntegralPlanAdopted, N, _fixed("Integraal plan van aanpak vastgesteld"), "adopted_on"
        ),
        _kind(MonitoringRecorded, N, _fixed("Monitoringsmoment vastgelegd"), "monitored_on"),
        _kind(EvaluationCompleted, N, _fixed("Evaluatie afgerond"), "evaluated_on"),
        _kind(StepAdvanced, N, _step_advanced, "on"),
        _kind(SteppedBack, N, _stepped_back, "on", _destroy_names),
        _kind(NetworkFileClosed, N, _fixed("Groepsdossier gesloten"), "on", _destroy_names),
        _kind(LegalHoldPlaced, T, _hold_placed, "placed_on"),
        _kind(LegalHoldLifted, T, _fixed("Bewaring opgeheven"), "lifted_on"),
        _kind(NetworkLegalHoldPlaced, N, _hold_placed, "placed_on"),
        _kind(NetworkLegalHoldLifted, N, _fixed("Bewaring opgeheven"), "lifted_on"),
        # The closing destroyed the list in the timeline already; now its keys are gone too.
        _kind(NameListErased, N, _name_list_erased, "erased_on"),
        _kind(
            NetworkErased,
            N,
            _fixed("Groepsdossier vernietigd (bewaartermijn verstreken)"),
            "erased_on",
            _blank_personal_fields,
        ),
    )
)
"""Every event kind of both aggregates and how the timeline shows it."""

_PERSONAL_FIELDS: Mapping[str, tuple[str, ...]] = {
    event_class.__name__: event_class.personal_fields for event_class in EVENT_KINDS
}
#: The field of ``MemberPlaced`` that links a member to its trajectory (and so to its name).
_TRAJECTORY_LINK = "trajectory_id"
_MEMBER_ID = "member_id"
#: Events whose summary names an entity by its kind, looked up in ``entities``.
_NEEDS_ENTITIES = frozenset(
    {
        InterventionStarted,
        InterventionCompleted,
        InterventionAborted,
        MayorOrderExtended,
        ActionCompleted,
        RightsRequestExtended,
        RightsRequestCompleted,
    }
)
#: Events that change earlier entries, which may be stored already.
_NEEDS_ENTRIES = frozenset(
    {
        CorrectionRecorded,
        SubjectErased,
        MemberRemoved,
        MemberErased,
        SteppedBack,
        NetworkFileClosed,
        NetworkErased,
    }
)


def occurred_on(event: PgaEvent) -> date | None:
    """Return the business date of an event: the day what it records happened (or ``None``).

    Events that record a decision about the future (a planned intervention or action, an order's
    extension) and administrative events (another regisseur, a correction) have none.
    """
    getter = EVENT_KINDS[type(event)].occurred_on
    return None if getter is None else getter(event)


# --- the read model ---


class Timeline(ReadModel):
    """One entry per event of every trajectory and youth network (see the module docstring)."""

    name: ClassVar[str] = "timeline"
    #: Version 2: corrections by field change the corrected entry; rights requests.
    #: 3: ``MemberErased`` (an erased member's entries lose what they said about the member),
    #: and erasure drops the goal counts from the plans' summaries. 4: legal holds, and the
    #: retention's tombstones (``NetworkErased`` blanks the network's personal fields).
    version: ClassVar[int] = 4
    tables: ClassVar[tuple[Table, ...]] = (ENTRIES, ENTITIES)

    def __init__(self) -> None:
        self.entries = Rows(ENTRIES, TimelineRow)
        self.entities = Rows(ENTITIES, EntityRow)

    def load(self, batch: Batch, envelopes: Sequence[Envelope]) -> None:
        """Fetch earlier entries only where a correction or erasure changes them, and kinds."""
        with_entries = aggregate_ids(envelopes, _NEEDS_ENTRIES)
        with_entities = aggregate_ids(envelopes, _NEEDS_ENTITIES)
        self.entries.load(batch, "aggregate_id", with_entries)
        self.entities.load(batch, "aggregate_id", with_entities)

    def handle(self, envelope: Envelope) -> None:
        """Add the event's entry (and apply its effect on earlier entries, if any)."""
        event = envelope.event
        kind = EVENT_KINDS.get(type(event))
        if kind is None:
            msg = f"the timeline has no entry for event kind {type(event).__name__}"
            raise LookupError(msg)
        metadata = envelope.metadata
        self.entries.put(
            TimelineRow(
                aggregate_id=event.originator_id,
                version=event.originator_version,
                position=envelope.position,
                aggregate_kind=kind.aggregate_kind,
                kind=type(event).__name__,
                occurred_on=None if kind.occurred_on is None else kind.occurred_on(event),
                recorded_at=event.timestamp,
                recorded_by_user=None if metadata is None else metadata.user,
                recorded_by_organisation=None if metadata is None else metadata.organisation,
                recorded_by_role=None if metadata is None else metadata.role.value,
                summary=kind.summary(event, self),
                details=_json_text({name: getattr(event, name) for name in kind.fields}),
                corrects_version=(
                    event.corrects_version if isinstance(event, CorrectionRecorded) else None
                ),
                corrected_by=None,
            )
        )
        if kind.effect is not None:
            kind.effect(event, self)

    def save(self, batch: Batch) -> None:
        """Write the new and changed entries and entities."""
        self.entries.save(batch)
        self.entities.save(batch)

    def reset(self) -> None:
        """Forget the batch."""
        self.entries.clear()
        self.entities.clear()

    def entity_code(self, aggregate_id: UUID, entity_id: UUID) -> str | None:
        """Return the kind of an intervention or order, or the level of an action, if known."""
        row = self.entities.get(aggregate_id, entity_id)
        return None if row is None else row.code


# --- queries ---


class RecordedBy(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Who recorded an event (from its metadata)."""

    user: str
    organisation: str
    role: str


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One entry of a timeline."""

    version: int
    position: int
    kind: str
    occurred_on: date | None
    recorded_at: datetime
    recorded_by: RecordedBy | None
    summary: str
    details: dict[str, Any]
    """The event's own fields, decoded JSON (``Any``: msgspec's type for any JSON value)."""
    corrects_version: int | None
    """For a correction: the version it corrects."""
    corrected_by: list[int]
    """The versions of the corrections of this entry (empty: never corrected)."""


class TimelinePage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One page of an aggregate's timeline, and how many entries it has in all."""

    aggregate_id: UUID
    items: list[TimelineEntry]
    total: int
    page: int
    page_size: int
    order: str


_ORDERS = {"asc": sql.SQL("ASC"), "desc": sql.SQL("DESC")}
#: The stored columns an entry shows, in table order (the page names the aggregate).
_SELECTED = tuple(
    name for name in ENTRIES.column_names if name not in {"aggregate_id", "aggregate_kind"}
)


def timeline(
    connection: psycopg.Connection[Any],
    app_schema: str,
    aggregate_id: UUID,
    *,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    order: str = "asc",
) -> TimelinePage:
    """Return one page of a trajectory's or network's timeline, by version (``asc``/``desc``).

    An aggregate the timeline does not know has no entries (``total`` 0).
    """
    paging = limit_offset(page, page_size)
    direction = _ORDERS.get(order)
    if direction is None:
        msg = f"order must be 'asc' or 'desc', not {order!r}"
        raise ValueError(msg)
    table = sql.Identifier(schema_name(app_schema, Timeline.name), ENTRIES.name)
    statement = page_with_total(
        sql.SQL("SELECT count(*) FROM {} WHERE aggregate_id = %(id)s").format(table),
        sql.SQL(
            "SELECT {columns} FROM {table} WHERE aggregate_id = %(id)s"
            " ORDER BY version {direction} LIMIT %(limit)s OFFSET %(offset)s"
        ).format(
            columns=sql.SQL(", ").join(map(sql.Identifier, _SELECTED)),
            table=table,
            direction=direction,
        ),
        sql.SQL("p.version {}").format(direction),
    )
    rows, total = split_total(
        connection.execute(statement, {"id": aggregate_id, **paging}).fetchall()
    )
    return TimelinePage(
        aggregate_id=aggregate_id,
        items=[_entry(row) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        order=order,
    )


def _entry(row: tuple[Any, ...]) -> TimelineEntry:
    (
        version,
        position,
        kind,
        occurred,
        recorded_at,
        user,
        organisation,
        role,
        summary,
        details,
        corrects_version,
        corrected_by,
    ) = row
    recorded_by = (
        None if user is None else RecordedBy(user=user, organisation=organisation, role=role)
    )
    return TimelineEntry(
        version=version,
        position=position,
        kind=kind,
        occurred_on=occurred,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        summary=summary,
        details=details,
        corrects_version=corrects_version,
        corrected_by=list(corrected_by or ()),
    )
