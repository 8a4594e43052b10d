"""Inzage on PostgreSQL: everything about one youth, nothing about another, as JSON and HTML.

Two youths share a youth network's name list. The first has two trajectories; every personal
field of either youth carries a marker of its own (``A…`` for the first, ``B…`` for the other),
and the network's group-level texts one more. The first youth's export must contain each of its
markers and none of the other's (nor the group's texts, nor the other's ids), in JSON and in
the Dutch document; the document must be well-formed and escape markup typed into free text.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import stat
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import msgspec
import psycopg
import pytest
from psycopg import sql

from pga.application import AggregateNotFound, PgaApplication, open_application
from pga.audit.access_log import TABLE, AccessEntry, append, create_access_log
from pga.domain.catalogue import PartnerRole
from pga.domain.network import NETWORK_EVENTS, ActionLevel, NetworkStep
from pga.domain.trajectory import (
    TRAJECTORY_EVENTS,
    PlanGoal,
    Regisseur,
    Requester,
    RightsRequestKind,
)
from pga.rights.export import (
    EVENT_EXPLANATIONS,
    FIELD_LABELS,
    SCHEMA_VERSION,
    SubjectExport,
    configure_export_parser,
    export_subject,
    to_html,
    to_json,
)
from pga.settings import Settings
from projections.caseload import Caseload
from projections.runner import catch_up
from tests.integration.projections.conftest import POLITIE, START, SteppingClock, context
from tests.integration.projections.network_driver import NetworkDriver

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

BSN_A = "123456782"  # synthetic: passes the elfproef, belongs to no one
BSN_B = "111222333"
INJECTED = "<script>alert('AMARKINJECT')</script>"
#: Group-level texts of the network (``NetworkDriver``'s): about the group, not the youth.
GROUP_TEXTS = ("Overlast door een groep bij de ingang", "Intimiderend groepsgedrag")


@pytest.fixture
def settings(database_url: str, schema: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        master_key=bytes(range(32)),
        snapshot_interval=4,
        log_level="WARNING",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[PgaApplication]:
    with open_application(settings, clock_source=SteppingClock(START)) as application:
        yield application


@pytest.fixture
def connection(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        create_access_log(connection, settings.database_schema)
        yield connection


@dataclasses.dataclass
class World:
    """The two youths, their trajectories and the network, and every marker of each."""

    subject_a: UUID
    first_a: UUID
    second_a: UUID
    subject_b: UUID
    trajectory_b: UUID
    network: UUID
    markers_a: list[str]
    markers_b: list[str]


def refer(app: PgaApplication, marker: str, subject_id: UUID | None = None) -> UUID:
    return app.refer(
        context(POLITIE, reason=f"aanmelding {marker}REDEN"),
        given_name=f"{marker}VOORNAAM",
        family_name=f"{marker}ACHTERNAAM",
        born_on=date(2010, 5, 17),
        offence_category="straatroof",
        suspected_on=date(2026, 1, 2),
        referred_on=date(2026, 1, 3),
        police_reference=f"PL-{marker}POLITIE",
        referring_organisation="politie-midden-nederland",
        regisseur=Regisseur("u-ggd-01", "ggd-flevoland"),
        subject_id=subject_id,
    ).aggregate_id


def fill_trajectory(app: PgaApplication, trajectory_id: UUID, marker: str, bsn: str) -> None:
    """Record a BSN, a partner coming and going, intake, plan, care report and a correction."""

    def version() -> int:
        return app.trajectory(trajectory_id).version

    app.record_bsn(context(), trajectory_id, version(), bsn=bsn)
    app.involve_partner(
        context(),
        trajectory_id,
        version(),
        organisation="halt-flevoland",
        role=PartnerRole.HALT,
        legal_basis="avg_6_1_e",
        since=date(2026, 1, 5),
    )
    app.withdraw_partner(
        context(),
        trajectory_id,
        version(),
        organisation="halt-flevoland",
        withdrawn_on=date(2026, 1, 20),
        why=f"{marker}TERUGTREKKING",
    )
    app.hold_intake(
        context(),
        trajectory_id,
        version(),
        held_on=date(2026, 1, 6),
        attendees=(f"{marker}AANWEZIGE",),
        trusted_person=f"{marker}VERTROUWENSPERSOON",
    )
    app.adopt_plan(
        context(),
        trajectory_id,
        version(),
        adopted_on=date(2026, 1, 7),
        goals=(PlanGoal(uuid4(), "school", f"{marker}DOEL", "ggd-flevoland", date(2026, 6, 1)),),
        agreements=f"{marker}AFSPRAKEN",
    )
    app.make_care_report(
        context(), trajectory_id, version(), made_on=date(2026, 1, 8), summary=f"{marker}ZORG"
    )
    app.record_correction(
        context(reason="verzoek om rectificatie"),
        trajectory_id,
        version(),
        corrects_version=5,
        what_was_wrong=f"{marker}FOUT",
        correction=f"{marker}CORRECTIE",
        why=f"{marker}WAAROM",
    )
    request_id = app.receive_rights_request(
        context(),
        trajectory_id,
        version(),
        kind=RightsRequestKind.INZAGE,
        requester=Requester.OUDER_OF_VOOGD,
        received_on=date(2026, 2, 15),
    ).entity_id
    assert request_id is not None
    app.extend_rights_request(
        context(),
        trajectory_id,
        version(),
        request_id=request_id,
        extended_on=date(2026, 2, 16),
        why=f"{marker}VERLENGING",
    )


def world(app: PgaApplication) -> World:
    first_a = refer(app, "AMARK1")
    subject_a = app.trajectory(first_a).subject_id
    fill_trajectory(app, first_a, "AMARK1", BSN_A)
    app.make_care_report(
        context(),
        first_a,
        app.trajectory(first_a).version,
        made_on=date(2026, 1, 9),
        summary=INJECTED,
    )
    second_a = refer(app, "AMARK2", subject_id=subject_a)
    app.record_arrest(
        context(POLITIE),
        second_a,
        app.trajectory(second_a).version,
        arrested_on=date(2026, 2, 10),
        offence_category="diefstal",
        police_reference="PL-AMARK2ARREST",
    )
    trajectory_b = refer(app, "BMARK1")
    subject_b = app.trajectory(trajectory_b).subject_id
    fill_trajectory(app, trajectory_b, "BMARK1", BSN_B)

    network = NetworkDriver(app, "Groep Testplein")
    network.to_name_list(date(2026, 2, 1))
    placed_a = place(app, network, first_a, "AMARKLID")
    placed_b = place(app, network, trajectory_b, "BMARKLID")
    network.inform(placed_a, date(2026, 2, 3))
    network.inform(placed_b, date(2026, 2, 3))
    network.to_interpretation(date(2026, 2, 4))
    network.to_advice(date(2026, 2, 5))
    network.to_plan(date(2026, 2, 6))
    action_a = plan_action(app, network, placed_a, "AMARKACTIE")
    plan_action(app, network, placed_b, "BMARKACTIE")
    network.adopt(date(2026, 2, 7))
    network.advance(NetworkStep.EXECUTION, date(2026, 2, 7))
    network.complete_action(action_a, date(2026, 2, 8))
    markers_a = [
        f"AMARK{number}{field}"
        for number in (1, 2)
        for field in ("VOORNAAM", "ACHTERNAAM", "POLITIE", "REDEN")
    ] + [
        f"AMARK1{field}"
        for field in (
            "TERUGTREKKING",
            "AANWEZIGE",
            "VERTROUWENSPERSOON",
            "DOEL",
            "AFSPRAKEN",
            "ZORG",
            "FOUT",
            "CORRECTIE",
            "WAAROM",
            "VERLENGING",
        )
    ]
    markers_a += ["AMARK2ARREST", "AMARKLIDVOORNAAM", "AMARKLIDACHTERNAAM", "AMARKLIDROL"]
    markers_a += ["AMARKACTIE", "AMARKINJECT", BSN_A]
    markers_b = [marker.replace("AMARK1", "BMARK1") for marker in markers_a[8:18]]
    markers_b += [f"BMARK1{field}" for field in ("VOORNAAM", "ACHTERNAAM", "POLITIE", "REDEN")]
    markers_b += ["BMARKLIDVOORNAAM", "BMARKLIDACHTERNAAM", "BMARKLIDROL", "BMARKACTIE", BSN_B]
    return World(
        subject_a=subject_a,
        first_a=first_a,
        second_a=second_a,
        subject_b=subject_b,
        trajectory_b=trajectory_b,
        network=network.id,
        markers_a=markers_a,
        markers_b=markers_b,
    )


def place(app: PgaApplication, network: NetworkDriver, trajectory_id: UUID, marker: str) -> UUID:
    recorded = app.place_member(
        context(),
        network.id,
        network.version,
        given_name=f"{marker}VOORNAAM",
        family_name=f"{marker}ACHTERNAAM",
        born_on=date(2010, 5, 17),
        role_in_group=f"{marker}ROL",
        placed_on=date(2026, 2, 2),
        trajectory_id=trajectory_id,
    )
    network.version = recorded.version
    assert recorded.entity_id is not None
    return recorded.entity_id


def plan_action(app: PgaApplication, network: NetworkDriver, member_id: UUID, text: str) -> UUID:
    recorded = app.plan_action(
        context(),
        network.id,
        network.version,
        organisation="gemeente-almere",
        level=ActionLevel.PERSON,
        description=text,
        due_on=date(2026, 4, 1),
        member_id=member_id,
    )
    network.version = recorded.version
    assert recorded.entity_id is not None
    return recorded.entity_id


def looked(connection: psycopg.Connection[Any], schema: str, *subjects: UUID) -> None:
    """Append one access-log entry naming ``subjects`` (a read made before the export)."""
    append(
        connection,
        schema,
        [
            AccessEntry(
                occurred_at=datetime.now(UTC),
                user="u-politie-07",
                organisation="politie-midden-nederland",
                role="politie",
                on_behalf_of=None,
                subjects=subjects,
                operation="getTrajectory",
                purpose="uitvoering",
                status=200,
                trace_id=uuid4().hex,
                source="api",
            )
        ],
    )


def exported(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings, given: UUID
) -> SubjectExport:
    return export_subject(app, connection, settings.database_schema, given)


# --- what is in it ---


def test_the_export_holds_every_marker_of_the_youth_and_none_of_the_other(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    catch_up(app, [Caseload()])
    export = exported(app, connection, settings, case.first_a)
    document, page = to_json(export).decode(), to_html(export)
    for text in (document, page):
        missing = [marker for marker in case.markers_a if marker not in text]
        assert missing == []
        leaked = [marker for marker in case.markers_b if marker in text]
        assert leaked == []
        for other in (case.subject_b, case.trajectory_b, *GROUP_TEXTS):
            assert str(other) not in text
    assert export.trajectory_ids == [case.first_a, case.second_a]
    assert [network.network_id for network in export.networks] == [case.network]


def test_the_youth_is_found_by_its_subject_id_and_by_each_trajectory_id(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    catch_up(app, [Caseload()])
    moment = datetime(2026, 4, 1, tzinfo=UTC)
    exports = [
        export_subject(app, connection, settings.database_schema, given, now=moment)
        for given in (case.subject_a, case.first_a, case.second_a)
    ]
    assert exports[0] == exports[1] == exports[2]
    assert to_json(exports[0]) == to_json(exports[1])


def test_a_youth_is_exported_before_the_caseload_has_it_by_either_id(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    # No caseload: the stored referrals' clear data find every trajectory of the youth.
    case = world(app)
    for given in (case.second_a, case.subject_a):
        export = exported(app, connection, settings, given)
        assert export.subject_id == case.subject_a
        assert export.trajectory_ids == [case.first_a, case.second_a]
        assert [network.network_id for network in export.networks] == [case.network]


def test_an_unknown_id_or_a_network_is_no_youth(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    catch_up(app, [Caseload()])
    for given in (uuid4(), case.network):
        with pytest.raises(AggregateNotFound):
            exported(app, connection, settings, given)


def test_events_metadata_state_and_partners_are_exported_with_the_bsn_in_the_clear(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    export = exported(app, connection, settings, case.first_a)
    first = export.trajectories[0]
    assert first.trajectory_id == case.first_a
    history = app.history(case.first_a)
    assert [event.version for event in first.events] == [entry.version for entry in history]
    assert first.version == app.trajectory(case.first_a).version
    referred = first.events[0]
    assert referred.kind == "Referred"
    assert referred.explanation == EVENT_EXPLANATIONS["Referred"]
    assert referred.metadata is not None
    assert (referred.metadata.user, referred.metadata.role) == ("u-politie-01", "politie")
    assert referred.metadata.reason == "aanmelding AMARK1REDEN"
    assert "originatorId" not in referred.data
    bsn = next(event for event in first.events if event.kind == "BsnRecorded")
    assert bsn.data == {"bsn": BSN_A}
    assert first.state["bsn"] == BSN_A
    assert first.state["status"] == "actief"
    (request,) = export.rights_requests
    assert (request.trajectory_id, request.kind, request.requester) == (
        case.first_a,
        "inzage",
        "ouder_of_voogd",
    )
    assert (request.received_on, request.due_on, request.extended) == (
        date(2026, 2, 15),
        date(2026, 5, 15),
        True,
    )
    assert ">Uw verzoeken<" in to_html(export)
    assert [(p.organisation, p.since, p.until) for p in export.partners] == [
        ("halt-flevoland", date(2026, 1, 5), date(2026, 1, 20))
    ]
    decoded = json.loads(to_json(export))
    assert decoded["schemaVersion"] == SCHEMA_VERSION
    assert decoded["trajectories"][0]["events"][0]["recordedAt"].endswith("Z")


def test_the_network_entry_is_the_youths_own_and_names_nobody_else(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    export = exported(app, connection, settings, case.first_a)
    (network,) = export.networks
    assert [event.kind for event in network.events] == [
        "MemberPlaced",
        "MemberInformed",
        "ActionPlanned",
        "ActionCompleted",
    ]
    assert network.member is not None
    assert network.member["memberId"] == str(case.subject_a)
    assert [action["description"] for action in network.actions] == ["AMARKACTIE"]
    assert network.step == NetworkStep.EXECUTION.value


def test_a_destroyed_name_list_is_shown_without_the_groups_reason(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    version = app.network(case.network).version
    app.step_back_network(
        context(),
        case.network,
        version,
        to_step=NetworkStep.ASSESSMENT,
        on=date(2026, 2, 20),
        why="GROEPREDEN",
    )
    export = exported(app, connection, settings, case.first_a)
    (network,) = export.networks
    step_back = network.events[-1]
    assert step_back.kind == "SteppedBack"
    assert step_back.data == {"fromStep": "stap_6", "toStep": "stap_2a", "on": "2026-02-20"}
    assert network.member is None


def test_the_access_log_lists_the_reads_of_the_youths_ids_only(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    catch_up(app, [Caseload()])
    schema = settings.database_schema
    looked(connection, schema, case.first_a)
    looked(connection, schema, case.network, case.subject_a, case.subject_b)
    looked(connection, schema, case.trajectory_b)
    looked(connection, schema, case.second_a, case.subject_a)
    export = exported(app, connection, settings, case.first_a)
    assert [entry.about for entry in export.access_log] == [
        [case.first_a],
        [case.subject_a],
        [case.second_a, case.subject_a],
    ]
    assert {entry.user for entry in export.access_log} == {"u-politie-07"}
    assert all(entry.purpose == "uitvoering" for entry in export.access_log)
    page = to_html(export)
    assert "Wie heeft uw gegevens bekeken" in page
    assert page.count("u-politie-07") == 3


# --- the document ---


class _TagChecker(HTMLParser):
    """Collects every element that is closed out of order or never closed."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def test_the_document_is_well_formed_self_contained_and_escapes_markup(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    page = to_html(exported(app, connection, settings, case.first_a))
    checker = _TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.open == []
    assert "script" not in checker.tags
    assert not {"link", "img", "iframe", "object"} & checker.tags
    assert "&lt;script&gt;alert(&#x27;AMARKINJECT&#x27;)&lt;/script&gt;" in page
    for heading in ("Uw gegevens in het PGA-platform", "Wie heeft uw gegevens bekeken"):
        assert f">{heading}<" in page
    assert "Autoriteit Persoonsgegevens" in page
    assert "@media print" in page
    assert EVENT_EXPLANATIONS["CareReportMade"] in page


def test_every_event_kind_is_explained_and_every_event_field_has_a_label() -> None:
    kinds = [event.__name__ for event in (*TRAJECTORY_EVENTS, *NETWORK_EVENTS)]
    assert [kind for kind in kinds if kind not in EVENT_EXPLANATIONS] == []
    bookkeeping = {"originator_id", "originator_version", "timestamp", "originator_topic"}
    unlabelled = {
        field.name
        for event in (*TRAJECTORY_EVENTS, *NETWORK_EVENTS)
        for field in dataclasses.fields(event)
        if field.name not in bookkeeping
        and "".join(
            part if index == 0 else part.capitalize()
            for index, part in enumerate(field.name.split("_"))
        )
        not in FIELD_LABELS
    }
    assert unlabelled == set()


# --- the command line ---


def run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    configure_export_parser(parser.add_subparsers(required=True))
    arguments = parser.parse_args(["export", *argv])
    status: int = arguments.command(arguments, settings)
    return status


def cli_entries(connection: psycopg.Connection[Any], schema: str) -> list[tuple[Any, ...]]:
    return connection.execute(
        sql.SQL(
            "SELECT operation, source, purpose, subjects FROM {} WHERE source = 'cli'"
            " ORDER BY position"
        ).format(sql.Identifier(schema, TABLE))
    ).fetchall()


def test_the_cli_writes_a_private_file_and_logs_the_read(
    app: PgaApplication,
    connection: psycopg.Connection[Any],
    settings: Settings,
    tmp_path: Path,
) -> None:
    case = world(app)
    catch_up(app, [Caseload()])
    target = tmp_path / "inzage.html"
    assert run(settings, str(case.second_a), "--format", "html", "--output", str(target)) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    page = target.read_text(encoding="utf-8")
    assert all(marker in page for marker in case.markers_a)
    ((operation, source, purpose, subjects),) = cli_entries(connection, settings.database_schema)
    assert (operation, source, purpose) == ("cli:subjects-export", "cli", "rechten-betrokkene")
    assert subjects == [case.subject_a, case.first_a, case.second_a]
    # An existing file is never overwritten.
    assert run(settings, str(case.first_a), "--output", str(target)) == 1
    assert target.read_text(encoding="utf-8") == page


def test_the_cli_prints_json_and_refuses_an_unknown_id(
    app: PgaApplication,
    connection: psycopg.Connection[Any],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = world(app)
    assert run(settings, str(case.first_a)) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["subjectId"] == str(case.subject_a)
    assert run(settings, str(uuid4())) == 1
    assert "no trajectory has this id" in capsys.readouterr().err
    assert len(cli_entries(connection, settings.database_schema)) == 1


def test_an_erased_youth_is_exported_as_its_placeholders(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    app.erase_subject(context(), case.first_a, reason="verzoek", basis="avg-17-verzoek")
    export = exported(app, connection, settings, case.first_a)
    assert export.subject_id == case.subject_a
    assert [event.kind for event in export.trajectories[0].events][-1] == "SubjectErased"
    text = to_json(export).decode() + to_html(export)
    # The events' personal fields; a command's reason is metadata, which erasure leaves as is.
    personal = [
        marker
        for marker in case.markers_a
        if marker.startswith(("AMARK1", "AMARKLID")) and marker != "AMARK1REDEN"
    ]
    assert [marker for marker in personal if marker in text] == []


# --- after erasure, and a youth on name lists only ---

MOMENT = datetime(2026, 4, 1, tzinfo=UTC)


def all_exports(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings, *ids: UUID
) -> list[SubjectExport]:
    return [
        export_subject(app, connection, settings.database_schema, given, now=MOMENT)
        for given in ids
    ]


@pytest.mark.parametrize("caseload", [True, False], ids=["caseload", "no-caseload"])
def test_after_erasure_the_youth_is_exported_by_either_id_without_a_personal_value(
    app: PgaApplication,
    connection: psycopg.Connection[Any],
    settings: Settings,
    *,
    caseload: bool,
) -> None:
    case = world(app)
    looked(connection, settings.database_schema, case.first_a)
    app.erase_subject(context(), case.subject_a, reason="AMARKWIS", basis="avg-17-verzoek")
    if caseload:
        catch_up(app, [Caseload()])
    exports = all_exports(app, connection, settings, case.subject_a, case.first_a, case.second_a)
    assert exports[0] == exports[1] == exports[2]
    export = exports[0]
    assert export.subject_id == case.subject_a
    assert export.trajectory_ids == [case.first_a, case.second_a]
    # What remains: the tombstones, the dates that are not personal, the look at the data.
    for trajectory in export.trajectories:
        assert trajectory.events[-1].kind == "SubjectErased"
        assert trajectory.state["erased"] is True
        assert trajectory.state["givenName"] is None
    referred = export.trajectories[0].events[0]
    assert referred.erased_fields == ["givenName", "familyName", "bornOn", "policeReference"]
    assert referred.data["bornOn"] is None
    assert referred.data["givenName"] is None
    assert referred.data["referredOn"] == "2026-01-03"
    assert referred.metadata is not None
    assert referred.metadata.reason is None
    assert export.networks[0].events[-1].kind == "MemberErased"
    assert export.networks[0].member is None
    assert [entry.about for entry in export.access_log] == [[case.first_a]]
    document, page = to_json(export).decode(), to_html(export)
    for text in (document, page):
        assert [marker for marker in [*case.markers_a, "AMARKWIS"] if marker in text] == []
        assert [marker for marker in case.markers_b if marker in text] == []
        assert str(case.subject_b) not in text
    # An erased value is null in JSON and "verwijderd" in the document, never a placeholder.
    assert "0001-01-01" not in document
    assert json.loads(document)["trajectories"][0]["events"][0]["erasedFields"] == [
        "givenName",
        "familyName",
        "bornOn",
        "policeReference",
    ]
    assert "01-01-0001" not in page
    assert "01-01-1<" not in page  # year 1 as strftime writes it on some platforms
    assert "<dt>geboortedatum</dt><dd>verwijderd</dd>" in page
    assert "<dt>Geboortedatum</dt><dd>verwijderd</dd>" in page


def test_a_youth_without_any_trajectory_or_place_is_not_found_after_erasure_of_another(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    app.erase_subject(context(), case.subject_a, reason="verzoek", basis="avg-17-verzoek")
    with pytest.raises(AggregateNotFound):
        exported(app, connection, settings, uuid4())


def place_member_only(app: PgaApplication, network_id: UUID) -> UUID:
    """Put a youth without a trajectory on the network's list, inform it, plan an action."""
    recorded = app.place_member(
        context(),
        network_id,
        app.network(network_id).version,
        given_name="CMARKLIDVOORNAAM",
        family_name="CMARKLIDACHTERNAAM",
        born_on=date(2011, 8, 9),
        role_in_group="CMARKLIDROL",
        placed_on=date(2026, 2, 9),
    )
    member_id = recorded.entity_id
    assert member_id is not None
    app.inform_member(
        context(),
        network_id,
        app.network(network_id).version,
        member_id=member_id,
        sent_on=date(2026, 2, 10),
    )
    app.plan_action(
        context(),
        network_id,
        app.network(network_id).version,
        organisation="gemeente-almere",
        level=ActionLevel.PERSON,
        description="CMARKACTIE",
        due_on=date(2026, 4, 1),
        member_id=member_id,
    )
    return member_id


MARKERS_C = ["CMARKLIDVOORNAAM", "CMARKLIDACHTERNAAM", "CMARKLIDROL", "CMARKACTIE"]


def test_a_youth_only_on_a_name_list_is_exported_by_its_member_id(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    member_c = place_member_only(app, case.network)
    catch_up(app, [Caseload()])
    schema = settings.database_schema
    looked(connection, schema, case.network, member_c, case.subject_b)
    looked(connection, schema, case.subject_a)
    export = exported(app, connection, settings, member_c)
    assert (export.subject_id, export.trajectory_ids, export.trajectories) == (member_c, [], [])
    assert export.ids == [member_c]
    (network,) = export.networks
    assert network.network_id == case.network
    assert [event.kind for event in network.events] == [
        "MemberPlaced",
        "MemberInformed",
        "ActionPlanned",
    ]
    assert network.member is not None
    assert network.member["memberId"] == str(member_c)
    assert [action["description"] for action in network.actions] == ["CMARKACTIE"]
    assert (export.partners, export.rights_requests) == ([], [])
    assert [entry.about for entry in export.access_log] == [[member_c]]
    document, page = to_json(export).decode(), to_html(export)
    for text in (document, page):
        assert [marker for marker in MARKERS_C if marker not in text] == []
        leaked = [marker for marker in [*case.markers_a, *case.markers_b] if marker in text]
        assert leaked == []
        for other in (case.subject_a, case.subject_b, case.first_a, case.trajectory_b):
            assert str(other) not in text
        assert [group for group in GROUP_TEXTS if group in text] == []
    assert "<dt>Over</dt><dd>CMARKLIDVOORNAAM CMARKLIDACHTERNAAM</dd>" in page
    assert "Er is geen traject" in page


def test_a_youth_only_on_a_name_list_is_exported_after_its_erasure(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings
) -> None:
    case = world(app)
    member_c = place_member_only(app, case.network)
    app.erase_subject(context(), member_c, reason="CMARKWIS", basis="avg-17-verzoek")
    catch_up(app, [Caseload()])
    export = exported(app, connection, settings, member_c)
    assert (export.subject_id, export.trajectory_ids) == (member_c, [])
    (network,) = export.networks
    assert [event.kind for event in network.events] == [
        "MemberPlaced",
        "MemberInformed",
        "ActionPlanned",
        "MemberErased",
    ]
    placed, _, action, _ = network.events
    assert placed.erased_fields == ["givenName", "familyName", "bornOn", "roleInGroup"]
    assert placed.data["placedOn"] == "2026-02-09"
    # The network holds the action's text under its own key: the export shows it erased too.
    assert action.erased_fields == ["description"]
    assert (network.member, network.actions) == (None, [])
    document, page = to_json(export).decode(), to_html(export)
    for text in (document, page):
        assert [marker for marker in [*MARKERS_C, "CMARKWIS"] if marker in text] == []
    assert "<dt>Over</dt><dd>onbekend (gegevens verwijderd)</dd>" in page
    assert "<dt>Geboortedatum</dt><dd>verwijderd</dd>" in page


@pytest.mark.parametrize("erased", ["NameListErased", "NetworkErased"])
def test_an_erased_name_list_or_file_shows_its_tombstone_naming_the_youth_only(
    app: PgaApplication, connection: psycopg.Connection[Any], settings: Settings, erased: str
) -> None:
    # Retention: the closed network's name list, or its whole file, is erased; the export shows
    # the youth's entries on it without a personal value and the tombstone without other ids.
    case = world(app)

    def version() -> int:
        return app.network(case.network).version

    app.record_monitoring(
        context(), case.network, version(), monitored_on=date(2026, 2, 15), indicators="Rustig"
    )
    app.advance_network(
        context(), case.network, version(), to_step=NetworkStep.SCALE_DOWN, on=date(2026, 2, 16)
    )
    app.complete_evaluation(
        context(),
        case.network,
        version(),
        evaluated_on=date(2026, 2, 17),
        findings="Doelen bereikt",
        remaining_actions="Geen",
    )
    app.close_network(context(), case.network, version(), on=date(2026, 2, 20), why="GROEPSLUITING")
    erase = app.erase_name_list if erased == "NameListErased" else app.erase_network
    erase(context(), case.network, basis="bewaartermijn")
    export = exported(app, connection, settings, case.subject_a)
    (network,) = export.networks
    assert [event.kind for event in network.events] == [
        "MemberPlaced",
        "MemberInformed",
        "ActionPlanned",
        "ActionCompleted",
        "NetworkFileClosed",
        erased,
    ]
    placed, _, action, _, closed, tombstone = network.events
    assert placed.erased_fields == ["givenName", "familyName", "bornOn", "roleInGroup"]
    assert action.erased_fields == ["description"]
    assert placed.data["givenName"] is None
    assert "reason" not in closed.data
    if erased == "NameListErased":
        assert tombstone.data["memberIds"] == [str(case.subject_a)]
    text = to_json(export).decode() + to_html(export)
    network_markers = ["AMARKLIDVOORNAAM", "AMARKLIDACHTERNAAM", "AMARKLIDROL", "AMARKACTIE"]
    assert [marker for marker in network_markers if marker in text] == []
    assert "AMARK1VOORNAAM" in text  # the trajectory is not erased
    assert str(case.subject_b) not in text
    # The group's closing reason is not in the network's entry (the trajectory's own unlinking
    # event records it as the trajectory's reason).
    assert "GROEPSLUITING" not in msgspec.json.encode(network).decode()
