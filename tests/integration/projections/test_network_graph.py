"""The network graph read model on PostgreSQL: every event it reads, filtering, privacy, demo."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import uuid4

import msgspec

from pga.application import PgaApplication
from pga.demo import demo_application_options, generate
from pga.domain.network import NetworkStep
from pga.domain.trajectory import CorrectedField
from pga.privacy.pseudonym import youth_reference
from pga.store.database import eventsourcing_env
from projections.network_graph import Graph, GraphEdge, NetworkGraph, graph
from tests.integration.projections.conftest import context, stored_rows

from .network_driver import NetworkDriver, arrest, erase, police_contact, refer

if TYPE_CHECKING:
    from uuid import UUID

    import psycopg

    from pga.application import Recorded

    from .conftest import Project

N = NetworkStep
D = date(2026, 1, 5)


def schema_of(app: PgaApplication) -> str:
    schema: str = app.recorder.datastore.schema  # type: ignore[attr-defined]
    return schema


def graph_rows(
    connection: psycopg.Connection[Any], app: PgaApplication, model_name: str = NetworkGraph.name
) -> dict[str, list[tuple[Any, ...]]]:
    return stored_rows(connection, schema_of(app), model_name, NetworkGraph.tables)


def subject_of(app: PgaApplication, trajectory: Recorded) -> UUID:
    return app.trajectory(trajectory.aggregate_id).subject_id


def youth_ids(result: Graph) -> set[str]:
    return {node.id for node in result.nodes if node.kind == "youth"}


def network_ids(result: Graph) -> set[str]:
    return {node.id for node in result.nodes if node.kind == "network"}


def memberships(result: Graph) -> set[tuple[str, str]]:
    return {(edge.source, edge.target) for edge in result.edges if edge.kind == "member"}


def co_suspects(result: Graph) -> dict[frozenset[str], int | None]:
    return {
        frozenset((edge.source, edge.target)): edge.shared_incidents
        for edge in result.edges
        if edge.kind == "co_suspect"
    }


def name_list(app: PgaApplication, name: str = "Groep Haven") -> NetworkDriver:
    """Open a network and take it to step 2B (names allowed)."""
    network = NetworkDriver(app, name, opened_on=D)
    network.to_name_list(D)
    return network


# --- the events the graph reads ---


def test_networks_are_nodes_with_their_working_name_and_step(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    opened = NetworkDriver(app, "Groep Stationsplein", opened_on=D)
    advanced = NetworkDriver(app, "Groep Haven", opened_on=D)
    advanced.to_assessment(D)
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    assert [(node.kind, node.id, node.label, node.step) for node in result.nodes] == [
        ("network", str(advanced.id), "Groep Haven", N.ASSESSMENT),
        ("network", str(opened.id), "Groep Stationsplein", N.SIGNALS),
    ]
    assert result.edges == []


def test_members_are_youth_nodes_linked_to_their_network(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    trajectory = refer(app, police_reference="PL-GRAPH-0001")
    linked = network.place(D + timedelta(days=1), trajectory_id=trajectory.aggregate_id)
    unlinked = network.place(D + timedelta(days=1), given_name="Zonder", family_name="Traject")
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    subject = youth_reference(subject_of(app, trajectory))
    assert linked == subject_of(app, trajectory)  # the application's own convention
    assert youth_ids(result) == {subject, youth_reference(unlinked)}
    assert memberships(result) == {
        (subject, str(network.id)),
        (youth_reference(unlinked), str(network.id)),
    }
    youth = next(node for node in result.nodes if node.id == subject)
    assert (youth.label, youth.step) == (subject, None)


def test_the_same_youth_on_two_networks_is_one_node(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    first, second = name_list(app, "Groep A"), name_list(app, "Groep B")
    trajectory = refer(app, police_reference="PL-GRAPH-0002")
    first.place(D + timedelta(days=1), trajectory_id=trajectory.aggregate_id)
    second.place(D + timedelta(days=2), trajectory_id=trajectory.aggregate_id)
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    youth = youth_reference(subject_of(app, trajectory))
    assert youth_ids(result) == {youth}
    assert memberships(result) == {(youth, str(first.id)), (youth, str(second.id))}


def test_two_trajectories_of_one_subject_are_one_youth_and_share_their_incidents(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    subject = uuid4()
    old = refer(app, police_reference="PL-GRAPH-0100", subject_id=subject)
    new = refer(app, police_reference="PL-GRAPH-0101", subject_id=subject)
    other = refer(app, police_reference="PL-GRAPH-0100", given_name="Ander")
    network.place(D + timedelta(days=1), trajectory_id=new.aggregate_id)
    network.place(D + timedelta(days=1), trajectory_id=other.aggregate_id)
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    youth, partner = youth_reference(subject), youth_reference(subject_of(app, other))
    assert youth_ids(result) == {youth, partner}
    # The shared reference is on the subject's *old* trajectory: still the same youth.
    assert co_suspects(result) == {frozenset({youth, partner}): 1}
    assert old.aggregate_id != new.aggregate_id


def test_removed_members_leave_the_graph_with_their_edges(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    one = refer(app, police_reference="PL-GRAPH-0003")
    two = refer(app, police_reference="PL-GRAPH-0003", given_name="Tweede")
    first = network.place(D + timedelta(days=1), trajectory_id=one.aggregate_id)
    network.place(D + timedelta(days=1), trajectory_id=two.aggregate_id)
    project(NetworkGraph())
    assert len(co_suspects(graph(connection, schema_of(app)))) == 1
    network.remove_member(first, D + timedelta(days=3))
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    assert youth_ids(result) == {youth_reference(subject_of(app, two))}
    assert co_suspects(result) == {}


def test_a_removed_member_placed_again_is_back(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    trajectory = refer(app, police_reference="PL-GRAPH-0004")
    member = network.place(D + timedelta(days=1), trajectory_id=trajectory.aggregate_id)
    network.remove_member(member, D + timedelta(days=2))
    network.place(D + timedelta(days=3), trajectory_id=trajectory.aggregate_id)
    project(NetworkGraph())
    assert youth_ids(graph(connection, schema_of(app))) == {youth_reference(member)}


def test_a_back_step_before_2b_drops_the_youths_and_moves_the_network(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    network.place(D + timedelta(days=1))
    network.place(D + timedelta(days=1), given_name="Tweede")
    project(NetworkGraph())
    assert len(youth_ids(graph(connection, schema_of(app)))) == 2
    network.step_back(N.LIGHT_APPROACH, D + timedelta(days=2))
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    assert youth_ids(result) == set()
    assert result.edges == []
    assert [node.step for node in result.nodes] == [N.LIGHT_APPROACH]


def test_a_back_step_within_the_person_level_keeps_the_youths(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    member = network.place(D + timedelta(days=1))
    network.to_interpretation(D + timedelta(days=2))
    network.step_back(N.NAME_LIST, D + timedelta(days=3))
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    assert youth_ids(result) == {youth_reference(member)}
    assert [node.step for node in result.nodes if node.kind == "network"] == [N.NAME_LIST]


def test_closing_drops_the_youths_and_hides_the_network_unless_asked(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    network.place(D + timedelta(days=1))
    network.to_interpretation(D + timedelta(days=2))
    network.to_advice(D + timedelta(days=3))
    network.advice(D + timedelta(days=4))
    network.decide(D + timedelta(days=4), prioritised=False)
    network.advance(N.NOT_PRIORITISED, D + timedelta(days=5))
    project(NetworkGraph())
    assert len(youth_ids(graph(connection, schema_of(app)))) == 1
    network.close(D + timedelta(days=6))  # from "not prioritised", the name list still there
    project(NetworkGraph())
    assert graph(connection, schema_of(app)) == Graph(nodes=[], edges=[])
    with_closed = graph(connection, schema_of(app), include_closed=True)
    assert [(node.id, node.step) for node in with_closed.nodes] == [(str(network.id), N.CLOSED)]
    alone = graph(connection, schema_of(app), network_id=network.id)
    assert [(node.id, node.step) for node in alone.nodes] == [(str(network.id), N.CLOSED)]


def test_co_suspects_share_a_police_reference_as_suspects(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    a = refer(app, police_reference="PL-2026-000111", given_name="Eerste")
    b = refer(app, police_reference="PL-2026-000222", given_name="Tweede")
    c = refer(app, police_reference="PL-2026-000333", given_name="Derde")
    arrest(app, b.aggregate_id, " pl-2026-000111 ")  # a's referral, written differently
    police_contact(app, a.aggregate_id, "PL-2026-000444", "verdachte")
    police_contact(app, b.aggregate_id, "PL-2026-000444", "verdachte")
    police_contact(app, c.aggregate_id, "PL-2026-000444", "slachtoffer")  # not a suspect
    police_contact(app, c.aggregate_id, "PL-2026-000222", "getuige")  # not a suspect
    for trajectory in (a, b, c):
        network.place(D + timedelta(days=1), trajectory_id=trajectory.aggregate_id)
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    ya, yb = youth_reference(subject_of(app, a)), youth_reference(subject_of(app, b))
    assert co_suspects(result) == {frozenset({ya, yb}): 2}
    edge = next(edge for edge in result.edges if edge.kind == "co_suspect")
    assert edge.source < edge.target


def test_co_suspects_are_linked_only_while_both_are_on_a_name_list(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    first, second = name_list(app, "Groep A"), name_list(app, "Groep B")
    a = refer(app, police_reference="PL-GRAPH-0005", given_name="Eerste")
    b = refer(app, police_reference="PL-GRAPH-0005", given_name="Tweede")
    c = refer(app, police_reference="PL-GRAPH-0005", given_name="Derde")  # on no list
    first.place(D + timedelta(days=1), trajectory_id=a.aggregate_id)
    second.place(D + timedelta(days=1), trajectory_id=b.aggregate_id)
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    ya, yb = youth_reference(subject_of(app, a)), youth_reference(subject_of(app, b))
    assert youth_ids(result) == {ya, yb}  # across networks, in the whole graph
    assert co_suspects(result) == {frozenset({ya, yb}): 1}
    assert youth_reference(subject_of(app, c)) not in msgspec.json.encode(result).decode()


def test_an_erased_subjects_incidents_no_longer_link_anyone(
    app: PgaApplication,
    project: Project,
    connection: psycopg.Connection[Any],
) -> None:
    network = name_list(app)
    a = refer(app, police_reference="PL-GRAPH-0006", given_name="Eerste")
    b = refer(app, police_reference="PL-GRAPH-0007", given_name="Tweede")
    arrest(app, b.aggregate_id, "PL-GRAPH-0006")
    network.place(D + timedelta(days=1), trajectory_id=a.aggregate_id)
    network.place(D + timedelta(days=1), trajectory_id=b.aggregate_id)
    project(NetworkGraph())
    assert len(co_suspects(graph(connection, schema_of(app)))) == 1
    erase(app, b.aggregate_id)
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    assert co_suspects(result) == {}
    assert len(youth_ids(result)) == 2  # the name list is the network's, not the trajectory's
    stored = graph_rows(connection, app, NetworkGraph.name)["incidents"]
    assert {row[0] for row in stored} == {a.aggregate_id}


def test_an_erasure_in_the_same_batch_as_the_incidents_keeps_none_of_them(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    project(NetworkGraph())  # an empty build, so the next batch holds everything below
    erased = refer(app, police_reference="PL-GRAPH-0008")
    kept = refer(app, police_reference="PL-GRAPH-0009")
    arrest(app, erased.aggregate_id, "PL-GRAPH-0010")
    erase(app, erased.aggregate_id)
    arrest(app, kept.aggregate_id, "PL-GRAPH-0010")
    project(NetworkGraph())
    stored = graph_rows(connection, app, NetworkGraph.name)
    assert [(row[0], row[1]) for row in stored["incidents"]] == [
        (kept.aggregate_id, 1),
        (kept.aggregate_id, 2),
    ]
    assert {row[0] for row in stored["subjects"]} == {erased.aggregate_id, kept.aggregate_id}


def correct_reference(app: PgaApplication, trajectory_id: UUID, police_reference: str) -> None:
    """Correct the referral's police reference (a correction by field)."""
    app.record_correction(
        context(),
        trajectory_id,
        app.trajectory(trajectory_id).version,
        corrects_version=1,
        why="verkeerd politienummer overgenomen",
        corrected_fields=(CorrectedField("police_reference", police_reference),),
    )


def test_a_corrected_police_reference_links_by_the_corrected_value(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    a = refer(app, police_reference="PL-GRAPH-0030", given_name="Eerste")
    b = refer(app, police_reference="PL-GRAPH-0031", given_name="Tweede")
    c = refer(app, police_reference="PL-GRAPH-0032", given_name="Derde")
    arrest(app, b.aggregate_id, "PL-GRAPH-0033")
    for trajectory in (a, b, c):
        network.place(D + timedelta(days=1), trajectory_id=trajectory.aggregate_id)
    project(NetworkGraph())
    assert co_suspects(graph(connection, schema_of(app))) == {}
    ya, yb, yc = (youth_reference(subject_of(app, each)) for each in (a, b, c))
    # a's referral named the wrong reference: corrected, a and b were suspects together.
    correct_reference(app, a.aggregate_id, "pl-graph-0033")
    project(NetworkGraph())
    assert co_suspects(graph(connection, schema_of(app))) == {frozenset({ya, yb}): 1}
    # Corrected again: the value that holds now counts, the earlier ones no longer do.
    correct_reference(app, a.aggregate_id, "PL-GRAPH-0032")
    project(NetworkGraph())
    assert co_suspects(graph(connection, schema_of(app))) == {frozenset({ya, yc}): 1}
    stored = graph_rows(connection, app, NetworkGraph.name)["incidents"]
    assert len([row for row in stored if row[0] == a.aggregate_id]) == 1
    # A build from zero gives the same rows.
    project(GraphFromZero())
    assert graph_rows(connection, app, NetworkGraph.name) == graph_rows(
        connection, app, GraphFromZero.name
    )


def test_a_correction_in_the_same_batch_as_the_referral_and_one_of_other_fields(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    project(NetworkGraph())  # an empty build, so the next batch holds everything below
    network = name_list(app)
    a = refer(app, police_reference="PL-GRAPH-0040", given_name="Eerste")
    b = refer(app, police_reference="PL-GRAPH-0041", given_name="Tweede")
    correct_reference(app, a.aggregate_id, "PL-GRAPH-0041")
    app.record_correction(
        context(),
        b.aggregate_id,
        app.trajectory(b.aggregate_id).version,
        corrects_version=1,
        why="voornaam verkeerd gespeld",
        corrected_fields=(CorrectedField("given_name", "Tweedee"),),
    )
    for trajectory in (a, b):
        network.place(D + timedelta(days=1), trajectory_id=trajectory.aggregate_id)
    project(NetworkGraph())
    ya, yb = youth_reference(subject_of(app, a)), youth_reference(subject_of(app, b))
    assert co_suspects(graph(connection, schema_of(app))) == {frozenset({ya, yb}): 1}
    stored = graph_rows(connection, app, NetworkGraph.name)["incidents"]
    assert [(row[0], row[1]) for row in stored] == sorted(
        [(a.aggregate_id, 1), (b.aggregate_id, 1)], key=lambda key: key[0].int
    )


# --- filtering by network ---


def test_one_networks_graph_shows_its_members_and_the_links_among_them_only(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    first, second = name_list(app, "Groep A"), name_list(app, "Groep B")
    both = refer(app, police_reference="PL-GRAPH-0011", given_name="Beide")
    only_first = refer(app, police_reference="PL-GRAPH-0011", given_name="Alleen")
    only_second = refer(app, police_reference="PL-GRAPH-0012", given_name="Ander")
    arrest(app, only_second.aggregate_id, "PL-GRAPH-0011")
    first.place(D + timedelta(days=1), trajectory_id=both.aggregate_id)
    first.place(D + timedelta(days=1), trajectory_id=only_first.aggregate_id)
    second.place(D + timedelta(days=1), trajectory_id=both.aggregate_id)
    second.place(D + timedelta(days=1), trajectory_id=only_second.aggregate_id)
    project(NetworkGraph())
    y_both, y_first, y_second = (
        youth_reference(subject_of(app, t)) for t in (both, only_first, only_second)
    )

    whole = graph(connection, schema_of(app))
    assert youth_ids(whole) == {y_both, y_first, y_second}
    assert set(co_suspects(whole)) == {
        frozenset({y_both, y_first}),
        frozenset({y_both, y_second}),
        frozenset({y_first, y_second}),
    }

    result = graph(connection, schema_of(app), network_id=first.id)
    assert network_ids(result) == {str(first.id)}
    assert youth_ids(result) == {y_both, y_first}
    assert memberships(result) == {(y_both, str(first.id)), (y_first, str(first.id))}
    assert co_suspects(result) == {frozenset({y_both, y_first}): 1}
    assert graph(connection, schema_of(app), network_id=uuid4()) == Graph(nodes=[], edges=[])


# --- privacy ---


def test_the_graph_holds_no_name_no_police_reference_and_no_raw_id(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    references = ["PL-PRIV-0001", "PL-PRIV-0002"]
    names = [("Vlinderjongen", "Zeldzaamnaam"), ("Kraaienmeisje", "Uniekachternaam")]
    trajectories = [
        refer(app, police_reference=reference, given_name=given, family_name=family)
        for reference, (given, family) in zip(references, names, strict=True)
    ]
    arrest(app, trajectories[1].aggregate_id, references[0])
    members = [
        network.place(
            D + timedelta(days=1),
            given_name=given,
            family_name=family,
            trajectory_id=trajectory.aggregate_id,
        )
        for trajectory, (given, family) in zip(trajectories, names, strict=True)
    ]
    members.append(
        network.place(D + timedelta(days=1), given_name="Losjong", family_name="Nergens")
    )
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    assert len(co_suspects(result)) == 1  # the reference was there to be leaked
    served = msgspec.json.encode(result).decode().casefold()
    stored = repr(graph_rows(connection, app, NetworkGraph.name)).casefold()
    forbidden = [
        *references,
        *(part for name in names for part in name),
        "Losjong",
        "Nergens",
        *(str(member) for member in members),
        *(str(t.aggregate_id) for t in trajectories),
    ]
    for value in forbidden:
        assert value.casefold() not in served
    for value in [*references, *(part for name in names for part in name), "Losjong"]:
        assert value.casefold() not in stored
    stored_digests = [
        bytes(row[2]) for row in graph_rows(connection, app, NetworkGraph.name)["incidents"]
    ]
    assert all(
        reference.encode() not in digest for digest in stored_digests for reference in references
    )


# --- batching ---


class GraphFromZero(NetworkGraph):
    """The same read model under another name: built once, after everything was recorded."""

    name: ClassVar[str] = "network_graph_zero"


def test_incremental_batches_give_the_same_rows_as_one_build_from_zero(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    incremental = NetworkGraph()
    network = name_list(app)
    a = refer(app, police_reference="PL-GRAPH-0020")
    project(incremental)
    b = refer(app, police_reference="PL-GRAPH-0021")
    member = network.place(D + timedelta(days=1), trajectory_id=a.aggregate_id)
    project(incremental)
    arrest(app, b.aggregate_id, "PL-GRAPH-0020")
    network.place(D + timedelta(days=1), trajectory_id=b.aggregate_id)
    network.remove_member(member, D + timedelta(days=2))
    project(incremental)
    network.place(D + timedelta(days=3), trajectory_id=a.aggregate_id)
    erase(app, b.aggregate_id)
    project(incremental)
    network.to_interpretation(D + timedelta(days=4))
    project(incremental)
    project(GraphFromZero())
    assert graph_rows(connection, app, NetworkGraph.name) == graph_rows(
        connection, app, GraphFromZero.name
    )
    assert len(graph_rows(connection, app, NetworkGraph.name)["members"]) == 2


# --- demo data ---


def test_membership_edges_match_the_networks_name_lists_in_demo_data(
    database_url: str,
    schema: str,
    app: PgaApplication,
    project: Project,
    connection: psycopg.Connection[Any],
) -> None:
    with PgaApplication(
        eventsourcing_env(database_url, schema), keys=app.keys, **demo_application_options(5)
    ) as demo:
        generate(demo, trajectories=30, networks=4, seed=5)
    project(NetworkGraph(), batch_size=97)
    expected: set[tuple[str, str]] = set()
    open_networks = set()
    for network_id in app.network_ids():
        network = app.network(network_id)
        if not network.is_closed:
            open_networks.add(str(network_id))
        for member in network.members.values():
            youth = (
                member.member_id
                if member.trajectory_id is None
                else app.trajectory(member.trajectory_id).subject_id
            )
            expected.add((youth_reference(youth), str(network_id)))
        alone = graph(connection, schema, network_id=network_id)
        assert memberships(alone) == {edge for edge in expected if edge[1] == str(network_id)}
        assert [node.step for node in alone.nodes if node.kind == "network"] == [network.step]
    result = graph(connection, schema)
    assert expected  # the demo places youths on name lists
    assert memberships(result) == expected
    assert network_ids(result) == open_networks
    assert youth_ids(result) == {youth for youth, _ in expected}


def test_edges_are_well_formed(
    app: PgaApplication, project: Project, connection: psycopg.Connection[Any]
) -> None:
    network = name_list(app)
    network.place(D + timedelta(days=1))
    project(NetworkGraph())
    result = graph(connection, schema_of(app))
    nodes = {node.id for node in result.nodes}
    assert all(isinstance(edge, GraphEdge) for edge in result.edges)
    assert all(edge.source in nodes and edge.target in nodes for edge in result.edges)
    assert all(edge.shared_incidents is None for edge in result.edges if edge.kind == "member")
