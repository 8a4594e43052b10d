"""The BSN (stored encrypted, shown to the regisseur) and the information letters, over HTTP."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import sql

from pga.domain.catalogue import PartnerRole
from tests.integration.api.conftest import REFERRAL, bearer, command, is_problem, refer
from tests.integration.api.test_networks import (
    API,
    Network,
    eventually,
    member,
    open_network,
    procesregisseur,
    to_name_list,
)

if TYPE_CHECKING:
    from litestar.testing import TestClient

    from pga.settings import Settings

BSN = "123456782"  # synthetic: passes the elfproef, belongs to no one
REPRESENTATION = {"Prefer": "return=representation"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Snapshots every two versions, so the BSN reaches the snapshots table too.
    return replace(settings, snapshot_interval=2)


def every_stored_text(database_url: str, schema: str) -> list[str]:
    """Return every row of every table in the app's schema and its read models' schemas, as text."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema = %(schema)s OR table_schema LIKE %(prefix)s",
            {"schema": schema, "prefix": f"{schema}\\_%"},
        ).fetchall()
        texts: list[str] = []
        for table_schema, table_name in tables:
            rows = connection.execute(
                sql.SQL("SELECT t::text FROM {} AS t").format(
                    sql.Identifier(table_schema, table_name)
                )
            ).fetchall()
            texts.extend(row[0] for row in rows)
        return texts


def raw_states(database_url: str, schema: str, table: str) -> list[bytes]:
    """Return the raw ``state`` bytes of every row of an event store table."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        rows = connection.execute(
            sql.SQL("SELECT state FROM {}").format(sql.Identifier(schema, table))
        ).fetchall()
        return [bytes(row[0]) for row in rows]


def listed(
    client: TestClient[Any], path: str, headers: dict[str, str], **params: str
) -> dict[str, Any]:
    """GET a list once its read model is available (it may still be starting)."""
    response = eventually(
        lambda: client.get(path, params=params, headers=headers),
        lambda response: response.status_code == 200,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_bsn_is_stored_encrypted_and_only_the_regisseurs_detail_shows_it(
    client: TestClient[Any],
    regisseur: dict[str, str],
    settings: Settings,
    database_url: str,
    schema: str,
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    url = f"{API}/trajectories/{trajectory_id}"
    response = command(client, f"{url}/bsn-registrations", {"bsn": "111222333"}, regisseur, etag)
    assert response.status_code == 200, response.text
    # Recording it again corrects a mistyped number.
    response = command(
        client,
        f"{url}/bsn-registrations",
        {"bsn": BSN},
        regisseur,
        response.headers["etag"],
        **REPRESENTATION,
    )
    assert response.status_code == 200, response.text
    assert response.json()["bsn"] == BSN

    detail = client.get(url, headers=regisseur).json()
    assert detail["bsn"] == BSN
    events = raw_states(database_url, schema, "pga_events")
    snapshots = raw_states(database_url, schema, "pga_snapshots")
    assert len(events) == 3
    assert snapshots  # version 2 was snapshotted
    for state in events + snapshots:
        assert BSN.encode() not in state
        assert b"111222333" not in state
    # Under the youth's data key: the stored value names the key and holds ciphertext only.
    assert all(b'"personal":{"key":' in state for state in snapshots)
    timeline = client.get(f"{url}/timeline", headers=regisseur).json()
    assert [item["summary"] for item in timeline["items"][1:]] == ["BSN vastgelegd"] * 2
    assert all(item["details"] == {} for item in timeline["items"][1:])
    stored = every_stored_text(database_url, schema)
    assert stored
    assert not [text for text in stored if BSN in text or "111222333" in text]
    # Other roles get their own (filtered) view, or none: never the BSN.
    assert BSN not in client.get(url, headers=bearer(settings, PartnerRole.POLITIE)).text


def test_a_bsn_failing_the_elfproef_is_refused_without_echoing_it(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)
    url = f"{API}/trajectories/{trajectory_id}/bsn-registrations"

    failing = command(client, url, {"bsn": "123456783"}, regisseur, etag)
    malformed = command(client, url, {"bsn": "12345678x"}, regisseur, etag)

    assert is_problem(failing, 400), failing.text
    assert failing.json()["rule"] == "invalid-value"
    assert "123456783" not in failing.text
    assert is_problem(malformed, 400), malformed.text
    assert "12345678x" not in malformed.text
    detail = client.get(f"{API}/trajectories/{trajectory_id}", headers=regisseur).json()
    assert (detail["version"], detail["bsn"]) == (1, None)


def test_the_information_letter_about_a_referral_is_recorded_once(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    trajectory_id, etag = refer(client, regisseur)  # born 2011-03-04, referred 2026-10-05
    url = f"{API}/trajectories/{trajectory_id}"
    before = client.get(url, headers=regisseur).json()
    assert before["informationLetter"] == {
        "recipients": "jongere_en_ouders",
        "dueOn": "2026-11-04",
        "sentOn": None,
    }

    too_early = command(
        client, f"{url}/information-letters", {"sentOn": "2026-10-04"}, regisseur, etag
    )
    sent = command(
        client,
        f"{url}/information-letters",
        {"sentOn": "2026-10-09"},
        regisseur,
        etag,
        **REPRESENTATION,
    )
    again = command(
        client,
        f"{url}/information-letters",
        {"sentOn": "2026-10-10"},
        regisseur,
        sent.headers["etag"],
    )

    assert is_problem(too_early, 400), too_early.text
    assert sent.status_code == 200, sent.text
    assert sent.json()["informationLetter"]["sentOn"] == "2026-10-09"
    assert is_problem(again, 409), again.text
    assert again.json()["rule"] == "information-letter-already-sent"
    caseload = listed(client, f"{API}/trajectories", regisseur)
    (item,) = [item for item in caseload["items"] if item["trajectoryId"] == trajectory_id]
    assert item["informationLetter"] == {
        "recipients": "jongere_en_ouders",
        "dueOn": "2026-11-04",
        "sentOn": "2026-10-09",
    }
    assert "information_letter_overdue" not in item["signals"]


def test_an_unsent_letter_is_overdue_on_the_caseload(
    client: TestClient[Any], regisseur: dict[str, str]
) -> None:
    # Referred long enough ago that the letter is overdue today.
    trajectory_id, _ = refer(client, regisseur, suspectedOn="2026-01-02", referredOn="2026-01-05")
    listed_at_all = eventually(
        lambda: client.get(f"{API}/trajectories", headers=regisseur),
        lambda response: response.status_code == 200 and response.json()["total"] == 1,
    )
    assert listed_at_all.json()["total"] == 1  # the caseload has caught up with the referral
    overdue = listed(client, f"{API}/trajectories", regisseur, signal="information_letter_overdue")
    assert [item["trajectoryId"] for item in overdue["items"]] == [trajectory_id]
    assert REFERRAL["bornOn"] == "2011-03-04"


def test_a_member_of_the_name_list_is_informed_once(
    client: TestClient[Any], settings: Settings
) -> None:
    headers = procesregisseur(settings)
    network = Network(client, headers, open_network(client, headers)[0])
    to_name_list(network)
    young = network.do("/members", member("Jong", bornOn="2015-01-01")).json()["entityId"]
    unknown = network.do("/members", member("Onbekend", bornOn=None)).json()["entityId"]

    def board_row() -> dict[str, Any]:
        rows = listed(client, f"{API}/networks", headers)["items"]
        row: dict[str, Any] = next(item for item in rows if item["networkId"] == network.id)
        return row

    row = eventually(board_row, lambda row: row["members"] == 2)
    assert (row["lettersDue"], row["lettersOverdue"]) == (2, 2)  # placed 2026-09-06
    members = {item["memberId"]: item for item in network.detail()["members"]}
    assert members[young]["letterRecipients"] == "ouders"
    assert members[unknown]["letterRecipients"] == "jongere_en_ouders"
    assert members[young]["informedOn"] is None

    path = f"/members/{young}/information-letters"
    network.do(path, {"sentOn": "2026-09-10"})
    again = network.refused(path, {"sentOn": "2026-09-11"})
    unknown_member = network.refused(
        "/members/00000000-0000-4000-8000-000000000000/information-letters",
        {"sentOn": "2026-09-11"},
    )

    assert is_problem(again, 409), again.text
    assert again.json()["rule"] == "information-letter-already-sent"
    assert is_problem(unknown_member, 404), unknown_member.text
    assert unknown_member.json()["rule"] == "unknown-reference"
    assert network.detail()["members"][0]["informedOn"] == "2026-09-10"
    row = eventually(board_row, lambda row: row["lettersDue"] == 1)
    assert (row["lettersDue"], row["lettersOverdue"]) == (1, 1)
    timeline = client.get(f"{API}/networks/{network.id}/timeline", headers=headers).json()
    assert timeline["items"][-1]["summary"] == (
        "Jongere op de namenlijst geïnformeerd (informatiebrief aan de ouders)"
    )
