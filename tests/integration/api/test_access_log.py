"""The access log through the API: one entry per look at a youth's data, none for anything else.

``test_every_get_operation_logs_exactly_what_it_shows`` walks every GET operation of the
published OpenAPI document, so an endpoint added later is covered without new test code: each
route declares ``personal_data`` (a test below insists), a personal one must append exactly one
entry and a non-personal one none, and a non-personal one must not show the youth's data.
"""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

import jwt
import msgspec
import psycopg
import pytest
from litestar.testing import TestClient
from psycopg import sql

from pga.api.app import asgi, create_app
from pga.audit import access_log
from pga.audit.access_log import (
    GENESIS_SEAL,
    TABLE,
    AccessEntry,
    AccessLogUnavailable,
    AccessLogWriter,
    append,
    chain_seal,
    create_access_log,
    entry_digest,
    read_chain,
)
from pga.audit.verify import verify_access_log_chain
from pga.domain.catalogue import PartnerRole
from tests.integration.api.conftest import (
    MUNICIPALITY,
    SECRET,
    _wait_until_read_models_exist,
    bearer,
    is_problem,
)
from tests.integration.api.partner_cases import involve
from tests.integration.api.test_networks import Network, member, open_network, to_name_list
from tests.integration.api.test_trajectories import new_case

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from pga.settings import Settings

API = "/api/v1"
GIVEN_NAME = "Logmarkeer"
FAMILY_NAME = "Toegangsproef"
POLICE = "politie-midden-nederland"


def entries(settings: Settings) -> list[dict[str, Any]]:
    """Every stored entry, oldest first (as a superuser would read the table)."""
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        cursor = connection.execute(
            sql.SQL("SELECT * FROM {} ORDER BY position").format(
                sql.Identifier(settings.database_schema, TABLE)
            )
        )
        names = [column.name for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def count(settings: Settings) -> int:
    return len(entries(settings))


def test_every_get_route_declares_whether_it_shows_personal_data(settings: Settings) -> None:
    app = create_app(settings)
    undeclared = [
        route.path
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if "GET" in getattr(handler, "http_methods", ())
        and not isinstance(handler.opt.get("personal_data"), bool)
        and not route.path.startswith(f"{API}/docs")  # the Swagger UI and its assets
    ]
    assert undeclared == []


def _world(client: TestClient[Any], settings: Settings) -> dict[str, str]:
    """One youth with a trajectory (a partner involved) on the name list of a network at 2B."""
    regisseur = bearer(settings)
    case = new_case(client, regisseur, givenName=GIVEN_NAME, familyName=FAMILY_NAME)
    involve(case, POLICE, PartnerRole.POLITIE)
    network_id, _ = open_network(client, regisseur)
    network = Network(client, regisseur, network_id)
    to_name_list(network)
    network.do("/members", member(GIVEN_NAME, familyName=FAMILY_NAME, trajectoryId=case.id))
    detail = client.get(f"{API}/trajectories/{case.id}", headers=regisseur).json()
    figures = client.get(f"{API}/figures", headers=regisseur).json()
    return {
        "trajectoryId": case.id,
        "trajectory_id": case.id,
        "network_id": network_id,
        "aggregate_id": case.id,
        "subjectId": detail["subjectId"],
        "period": figures["items"][0]["period"] if figures["items"] else "2026-H2",
    }


#: Values for query parameters, by name: sent wherever an operation has one (exactly one of the
#: audit state's ``version`` and ``at`` is allowed, so ``at`` is not here).
_QUERY_SAMPLES = {"version": "1", "from": "1", "to": "2", "subject": "{trajectoryId}"}


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, item["get"])
        for path, item in document["paths"].items()
        if isinstance(item, dict) and "get" in item
    ]


def _url(path: str, operation: dict[str, Any], world: dict[str, str]) -> str:
    url = API + re.sub(r"\{(\w+)\}", lambda match: world[match.group(1)], path)
    names = [
        parameter["name"]
        for parameter in operation.get("parameters", ())
        if parameter["in"] == "query" and parameter["name"] in _QUERY_SAMPLES
    ]
    if names:
        url += "?" + "&".join(f"{name}={_QUERY_SAMPLES[name].format(**world)}" for name in names)
    return url


@contextmanager
def served(settings: Settings, delay_ms: int) -> Iterator[TestClient[Any]]:
    """Serve the app, writing the access log with ``delay_ms`` (0: before each response)."""
    configured = replace(settings, access_log_max_delay_ms=delay_ms)
    with TestClient(asgi(configured), raise_server_exceptions=False) as client:
        _wait_until_read_models_exist(client)
        yield client


def added_since(
    settings: Settings, before: int, expected: int, delay_ms: int
) -> list[dict[str, Any]]:
    """Return the entries after the first ``before`` (waiting for a deferred write)."""
    deadline = time.monotonic() + 5
    while delay_ms and count(settings) < before + expected and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(3 * delay_ms / 1000)  # any entry beyond those expected would have arrived by now
    return entries(settings)[before:]


def _settled(settings: Settings, delay_ms: int) -> None:
    """Wait until no deferred entry is still on its way (the count holds for 3 write delays)."""
    deadline = time.monotonic() + 5
    seen = count(settings)
    while True:
        time.sleep(3 * delay_ms / 1000)
        now = count(settings)
        if now == seen:
            return
        assert time.monotonic() < deadline, "the access log kept growing"
        seen = now


@pytest.mark.parametrize("delay_ms", [0, 50], ids=["immediate", "deferred"])
def test_every_get_operation_logs_exactly_what_it_shows(settings: Settings, delay_ms: int) -> None:
    with served(settings, delay_ms) as client:
        _walk(client, settings, delay_ms)


def _walk(client: TestClient[Any], settings: Settings, delay_ms: int) -> None:
    world = _world(client, settings)
    time.sleep(3 * delay_ms / 1000)
    handlers = {
        handler.operation_id: handler
        for route in create_app(settings).routes
        for handler in getattr(route, "route_handlers", ())
        if isinstance(getattr(handler, "operation_id", None), str)
    }
    document = client.get(f"{API}/openapi.json").json()
    walked = 0
    for path, operation in _operations(document):
        operation_id = operation["operationId"]
        role = PartnerRole.AUDITOR if path.startswith("/audit") else PartnerRole.REGISSEUR
        headers = bearer(settings, role, user=f"u-walk-{role.value}")
        before = count(settings)
        response = client.get(_url(path, operation, world), headers=headers)
        assert response.status_code == 200, (operation_id, response.text)
        personal = handlers[operation_id].opt["personal_data"] is True
        added = added_since(settings, before, 1 if personal else 0, delay_ms)
        if personal:
            assert len(added) == 1, operation_id
            (entry,) = added
            assert (entry["operation"], entry["status"], entry["source"]) == (
                operation_id,
                200,
                "api",
            )
            assert (entry["user_id"], entry["role"]) == (f"u-walk-{role.value}", role.value)
            assert entry["purpose"] == (
                "verantwoording" if role is PartnerRole.AUDITOR else "regie"
            )
            asked = {UUID(value) for value in re.findall(r"[0-9a-f-]{36}", response.url.path)}
            assert asked <= set(entry["subjects"]), operation_id
            if "{network_id}" in path:  # every network read may show its name list
                assert UUID(world["subjectId"]) in entry["subjects"], operation_id
        else:
            assert added == [], operation_id
            # What a route says shows nothing personal must not show the youth.
            for marker in (GIVEN_NAME, FAMILY_NAME, world["subjectId"]):
                assert marker not in response.text, (operation_id, marker)
        walked += 1
    assert walked >= 10


def test_list_rows_are_the_subjects_and_the_purpose_header_is_recorded(
    client: TestClient[Any], settings: Settings
) -> None:
    world = _world(client, settings)
    regisseur = bearer(settings) | {"X-Purpose": "casusoverleg", "X-Request-ID": str(UUID(int=7))}
    before = count(settings)
    response = client.get(f"{API}/trajectories", headers=regisseur)
    assert response.status_code == 200
    (entry,) = entries(settings)[before:]
    assert UUID(world["trajectoryId"]) in entry["subjects"]
    assert entry["purpose"] == "casusoverleg"
    assert entry["trace_id"] == UUID(int=7).hex


def test_an_unknown_purpose_is_400_and_logs_nothing(
    client: TestClient[Any], settings: Settings
) -> None:
    world = _world(client, settings)
    before = count(settings)
    response = client.get(
        f"{API}/trajectories/{world['trajectoryId']}",
        headers=bearer(settings) | {"X-Purpose": "nieuwsgierigheid"},
    )
    assert is_problem(response, 400)
    assert response.json()["rule"] == "unknown-purpose"
    assert count(settings) == before


def test_refused_looks_are_logged_with_their_status(
    client: TestClient[Any], settings: Settings
) -> None:
    world = _world(client, settings)
    before = count(settings)
    outsider = bearer(
        settings, PartnerRole.SCHOOL, organisation="school-de-vaart", user="u-school-99"
    )
    assert (
        client.get(f"{API}/trajectories/{world['trajectoryId']}", headers=outsider).status_code
        == 404
    )
    auditor = bearer(settings, PartnerRole.AUDITOR, organisation=MUNICIPALITY, user="u-audit-01")
    assert (
        client.get(f"{API}/trajectories/{world['trajectoryId']}", headers=auditor).status_code
        == 403
    )
    refused = entries(settings)[before:]
    assert [(entry["user_id"], entry["status"]) for entry in refused] == [
        ("u-school-99", 404),
        ("u-audit-01", 403),
    ]
    assert all(entry["subjects"] == [UUID(world["trajectoryId"])] for entry in refused)
    assert refused[0]["purpose"] == "uitvoering"


def test_a_partner_and_a_representation_are_logged(
    client: TestClient[Any], settings: Settings
) -> None:
    regisseur = bearer(settings)
    case = new_case(client, regisseur)  # with a representation: logged
    referral = entries(settings)[-1]
    assert (referral["operation"], referral["status"]) == ("referTrajectory", 201)
    assert referral["subjects"] == [UUID(case.id)]
    involve(case, POLICE, PartnerRole.POLITIE)
    police = bearer(settings, PartnerRole.POLITIE, organisation=POLICE, user="u-politie-01")
    assert client.get(f"{API}/trajectories/{case.id}", headers=police).status_code == 200
    entry = entries(settings)[-1]
    assert (entry["organisation"], entry["role"], entry["purpose"]) == (
        POLICE,
        "politie",
        "uitvoering",
    )
    # A command without a representation shows nothing: no entry.
    before = count(settings)
    case.ok("recordPoliceContact")
    assert count(settings) == before


def test_a_network_answered_as_a_representation_names_its_members(
    client: TestClient[Any], settings: Settings
) -> None:
    world = _world(client, settings)
    network = Network(client, bearer(settings), world["network_id"])
    network.etag = client.get(f"{API}/networks/{network.id}", headers=network.headers).headers[
        "etag"
    ]
    response = network.do(
        "/members",
        member("Tweedelid", placedOn="2026-09-07"),
        Prefer="return=representation",
    )
    assert response.headers["preference-applied"] == "return=representation"
    members = {UUID(each["memberId"]) for each in response.json()["members"]}
    assert len(members) == 2
    entry = entries(settings)[-1]
    assert (entry["operation"], entry["status"]) == ("placeMember", 200)
    assert set(entry["subjects"]) == {UUID(network.id), *members}
    # No X-Request-ID was sent: the entry's trace id is still the recorded event's correlation id.
    auditor = bearer(settings, PartnerRole.AUDITOR, organisation="rekenkamer-almere")
    events = client.get(
        f"{API}/audit/aggregates/{network.id}/events?pageSize=100", headers=auditor
    ).json()["items"]
    placed = [each for each in events if each["version"] == network.version]
    assert UUID(placed[0]["metadata"]["correlationId"]).hex == entry["trace_id"]
    # Without the representation nothing is shown, so nothing is logged.
    before = count(settings)
    network.do("/members", member("Derdelid", placedOn="2026-09-07"))
    assert count(settings) == before


def test_the_data_is_not_shown_when_the_log_cannot_be_written(
    client: TestClient[Any], settings: Settings
) -> None:
    world = _world(client, settings)
    assert settings.database_url is not None
    table = sql.Identifier(settings.database_schema, TABLE)
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        connection.execute(sql.SQL("ALTER TABLE {} RENAME TO hidden_log").format(table))
        try:
            response = client.get(
                f"{API}/trajectories/{world['trajectoryId']}", headers=bearer(settings)
            )
        finally:
            connection.execute(
                sql.SQL("ALTER TABLE {} RENAME TO {}").format(
                    sql.Identifier(settings.database_schema, "hidden_log"), sql.Identifier(TABLE)
                )
            )
    assert is_problem(response, 503)
    assert response.json()["rule"] == "access-log-unavailable"
    assert GIVEN_NAME not in response.text
    # Once it can be written again, the data is shown (and logged).
    assert (
        client.get(
            f"{API}/trajectories/{world['trajectoryId']}", headers=bearer(settings)
        ).status_code
        == 200
    )


def test_deferred_entries_survive_a_failing_log_and_reads_stop_meanwhile(
    settings: Settings,
) -> None:
    assert settings.database_url is not None
    table = sql.Identifier(settings.database_schema, TABLE)
    hidden = sql.Identifier(settings.database_schema, "hidden_log")
    shown_ok = 0
    with served(settings, 50) as client:
        world = _world(client, settings)
        reader = bearer(settings, user="u-regie-07")  # only this test's looks are counted
        detail = f"{API}/trajectories/{world['trajectoryId']}"
        _settled(settings, 50)  # the setup's own entries are written before the log goes away
        with psycopg.connect(settings.database_url, autocommit=True) as connection:
            connection.execute(sql.SQL("ALTER TABLE {} RENAME TO hidden_log").format(table))
            try:
                # Deferred: shown at once; the write fails after; from then on reads are refused.
                deadline = time.monotonic() + 5
                while (response := client.get(detail, headers=reader)).status_code == 200:
                    shown_ok += 1
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
                assert is_problem(response, 503)
                assert response.json()["rule"] == "access-log-unavailable"
                assert GIVEN_NAME not in response.text
                assert shown_ok >= 1
            finally:
                connection.execute(
                    sql.SQL("ALTER TABLE {} RENAME TO {}").format(hidden, sql.Identifier(TABLE))
                )
        deadline = time.monotonic() + 5  # the writer retries every second
        while client.get(detail, headers=reader).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        shown_ok += 1
        last = client.get(detail, headers=reader)  # one more, left queued at shutdown
        assert last.status_code == 200
        shown_ok += 1
    # Closing wrote the queue; nothing that was shown went unlogged, nothing refused was logged.
    looks = [
        entry
        for entry in entries(settings)
        if entry["operation"] == "getTrajectory" and entry["user_id"] == "u-regie-07"
    ]
    assert len(looks) == shown_ok
    assert all(entry["status"] == 200 for entry in looks)


def test_the_log_is_append_only_and_chained(client: TestClient[Any], settings: Settings) -> None:
    _world(client, settings)
    assert settings.database_url is not None
    table = sql.Identifier(settings.database_schema, TABLE)
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        for statement in (
            "UPDATE {} SET purpose = 'beheer'",
            "DELETE FROM {} WHERE position = 1",
            "TRUNCATE {}",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(sql.SQL(statement).format(table))
        seal = GENESIS_SEAL
        stored = list(read_chain(connection, settings.database_schema))
        assert [entry.position for entry in stored] == list(range(1, len(stored) + 1))
        for entry in stored:
            seal = chain_seal(seal, entry.position, entry_digest(entry))
            assert entry.seal == seal


def test_concurrent_writers_keep_one_unbroken_chain(database_url: str, schema: str) -> None:
    from psycopg_pool import ConnectionPool  # noqa: PLC0415

    with ConnectionPool(database_url, min_size=2, max_size=4, kwargs={"autocommit": True}) as pool:
        with pool.connection() as connection:
            create_access_log(connection, schema)
        total = 300

        async def serve() -> list[BaseException | None]:
            writers = [AccessLogWriter(_connect(database_url), schema) for _ in range(2)]
            for writer in writers:  # two workers, one writer each
                writer.start()
            try:
                return await asyncio.gather(
                    *(writers[number % 2].write(_entry(number)) for number in range(total)),
                    return_exceptions=True,
                )
            finally:
                for writer in writers:
                    await writer.close()

        assert asyncio.run(serve()) == [None] * total
        with pool.connection() as connection:
            append(connection, schema, [_entry(total)])  # and a direct append after them
            stored = list(read_chain(connection, schema, batch=64))
    assert [entry.position for entry in stored] == list(range(1, total + 2))
    assert sorted(entry.trace_id for entry in stored) == sorted(
        _entry(number).trace_id for number in range(total + 1)
    )
    seal = GENESIS_SEAL
    for entry in stored:
        seal = chain_seal(seal, entry.position, entry_digest(entry))
        assert entry.seal == seal


def _entry(number: int) -> AccessEntry:
    return AccessEntry(
        occurred_at=datetime.now(UTC),
        user=f"u-{number}",
        organisation=MUNICIPALITY,
        role="regisseur",
        on_behalf_of=None,
        subjects=(UUID(int=number + 1),),
        operation="getTrajectory",
        purpose="regie",
        status=200,
        trace_id=UUID(int=number).hex,
        source="api",
    )


def test_a_writer_that_is_not_running_counts_as_failing(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        create_access_log(connection, schema)

    async def scenario() -> None:
        writer = AccessLogWriter(_connect(database_url), schema, max_delay=0)
        assert (writer.alive, writer.failing) == (False, True)  # not started
        writer.start()
        assert (writer.alive, writer.failing) == (True, False)
        await writer.close()
        assert (writer.alive, writer.failing) == (False, True)
        with pytest.raises(AccessLogUnavailable):  # refused at once, never left waiting
            await asyncio.wait_for(writer.write(_entry(1)), 5)

    asyncio.run(scenario())


def test_a_writer_ended_by_an_error_refuses_whoever_waits(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        create_access_log(connection, schema)

    async def scenario() -> None:
        writer = AccessLogWriter(_connect(database_url), schema, max_delay=0)

        async def broken(_pending: list[Any]) -> list[Any]:
            msg = "a bug in the writer"
            raise RuntimeError(msg)

        writer._flush = broken  # type: ignore[method-assign,assignment]  # noqa: SLF001
        writer.start()
        with pytest.raises(AccessLogUnavailable):
            await asyncio.wait_for(writer.write(_entry(1)), 5)
        assert (writer.alive, writer.failing) == (False, True)
        await writer.close()  # logs the task's error, raises nothing

    asyncio.run(scenario())


def _connect(
    database_url: str, name: str = "pga-access-log"
) -> Callable[[], Awaitable[psycopg.AsyncConnection[Any]]]:
    return partial(
        psycopg.AsyncConnection.connect, database_url, autocommit=True, application_name=name
    )


def test_an_entry_the_database_refuses_does_not_hold_up_the_others(
    database_url: str, schema: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        create_access_log(connection, schema)
    moment = datetime(2026, 11, 28, 9, 30, 15, 654321, tzinfo=UTC)  # microseconds kept
    submitted = [
        msgspec.structs.replace(
            _entry(number), occurred_at=moment, on_behalf_of=f"u-regie-{number:02}"
        )
        for number in range(5)
    ]
    submitted[2] = msgspec.structs.replace(
        submitted[2], user="u-\x00-regie", on_behalf_of="u-\ud800"
    )

    async def serve() -> AccessLogWriter:
        writer = AccessLogWriter(_connect(database_url), schema, max_delay=0.05)
        writer.start()
        for entry in submitted:
            writer.submit(entry)
        await writer.close()
        return writer

    writer = asyncio.run(serve())
    assert (writer.failing, writer.set_aside) == (True, 0)  # closed; nothing set aside
    with psycopg.connect(database_url, autocommit=True) as connection:
        stored = list(read_chain(connection, schema, batch=2))
        verified = verify_access_log_chain(connection, schema)
    assert (verified.ok, verified.count) == (True, 5)
    assert [entry.trace_id for entry in stored] == [entry.trace_id for entry in submitted]
    assert [entry.user for entry in stored] == [
        "u-0", "u-1", "u-\ufffd-regie", "u-3", "u-4"
    ]  # fmt: skip
    assert stored[2].on_behalf_of == "u-\ufffd"
    assert stored[3].on_behalf_of == "u-regie-03"
    assert all(entry.occurred_at == moment for entry in stored)


def test_the_writer_replaces_a_broken_connection(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        create_access_log(connection, schema)
    name = f"pga-access-log-{schema}"

    async def serve() -> None:
        writer = AccessLogWriter(_connect(database_url, name), schema, max_delay=0)
        writer.start()
        try:
            await asyncio.wait_for(writer.write(_entry(1)), 10)
            async with await psycopg.AsyncConnection.connect(
                database_url, autocommit=True
            ) as connection:
                cursor = await connection.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = %s",
                    (name,),
                )
                assert await cursor.fetchone() == (1,)
            await asyncio.wait_for(writer.write(_entry(2)), 10)  # on a new connection
        finally:
            await writer.close()

    asyncio.run(serve())
    with psycopg.connect(database_url, autocommit=True) as connection:
        assert [entry.position for entry in read_chain(connection, schema)] == [1, 2]


def test_a_delegated_look_records_who_acted_and_on_whose_behalf(
    client: TestClient[Any], settings: Settings
) -> None:
    world = _world(client, settings)
    now = int(time.time())
    token = jwt.encode(
        {
            "sub": "u-regie-01",  # the principal: their organisation and role apply
            "org": MUNICIPALITY,
            "role": "regisseur",
            "iat": now,
            "exp": now + 600,
            "act": {"sub": "u-secretariaat-04"},  # RFC 8693: who acts on their behalf
        },
        SECRET,
        algorithm="HS256",
    )
    response = client.get(
        f"{API}/trajectories/{world['trajectoryId']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    entry = entries(settings)[-1]
    assert (entry["user_id"], entry["on_behalf_of"]) == ("u-secretariaat-04", "u-regie-01")


def test_an_entry_the_database_will_not_store_is_set_aside_and_its_data_not_shown(
    database_url: str, schema: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        create_access_log(connection, schema)
        # A database that refuses one user's entries for their content, whatever is replaced.
        connection.execute(
            sql.SQL(
                "CREATE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.user_id = 'u-refused' THEN"
                " RAISE EXCEPTION 'refused' USING ERRCODE = 'data_exception'; END IF;"
                " RETURN NEW; END $$"
            ).format(refuse=sql.Identifier(schema, "refuse_one"))
        )
        connection.execute(
            sql.SQL(
                "CREATE TRIGGER refuse_one BEFORE INSERT ON {table} FOR EACH ROW"
                " EXECUTE FUNCTION {refuse}()"
            ).format(
                table=sql.Identifier(schema, TABLE), refuse=sql.Identifier(schema, "refuse_one")
            )
        )
    submitted = [_entry(number) for number in range(4)]
    submitted[1] = msgspec.structs.replace(submitted[1], user="u-refused")

    async def serve() -> tuple[AccessLogWriter, list[BaseException | None]]:
        writer = AccessLogWriter(_connect(database_url), schema, max_delay=0)
        writer.start()
        try:
            outcomes = await asyncio.wait_for(
                asyncio.gather(
                    *(writer.write(entry) for entry in submitted), return_exceptions=True
                ),
                10,
            )
            assert writer.failing is False  # the log works: one entry is refused, not the log
        finally:
            await writer.close()
        return writer, outcomes

    writer, outcomes = asyncio.run(serve())
    assert writer.set_aside == 1
    assert isinstance(outcomes.pop(1), AccessLogUnavailable)
    assert outcomes == [None, None, None]
    with psycopg.connect(database_url, autocommit=True) as connection:
        stored = list(read_chain(connection, schema))
        assert verify_access_log_chain(connection, schema).ok
    assert [entry.trace_id for entry in stored] == [submitted[n].trace_id for n in (0, 2, 3)]


def test_a_write_that_hangs_counts_as_failing(
    database_url: str, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access_log, "STALLED_SECONDS", 0.3)
    with psycopg.connect(database_url, autocommit=True) as connection:
        create_access_log(connection, schema)

    async def serve() -> None:
        writer = AccessLogWriter(_connect(database_url), schema, max_delay=0.01)
        writer.start()
        try:
            async with await psycopg.AsyncConnection.connect(database_url) as blocker:
                await blocker.execute(  # holds the lock until its transaction ends
                    sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                        sql.Identifier(schema, TABLE)
                    )
                )
                writer.submit(_entry(1))
                # Deferred mode: reads are refused from now on.
                assert await _within(5, lambda: writer.failing)
            assert await _within(5, lambda: not writer.failing)  # the write completes
        finally:
            await writer.close()

    asyncio.run(serve())
    with psycopg.connect(database_url, autocommit=True) as connection:
        assert [entry.trace_id for entry in read_chain(connection, schema)] == [_entry(1).trace_id]


async def _within(seconds: float, condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds at some point within ``seconds`` (polled on the loop)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
