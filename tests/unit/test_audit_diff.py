"""The auditor's diff and state documents, without a database: pure functions over JSON values."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from pga.audit.history import REDACTED, Change, ChangeOp, aggregate_state, diff, to_json
from pga.domain.network import NetworkStep
from pga.domain.trajectory import TrajectoryStatus
from tests.unit.builders import active_trajectory, member, network_in_step, referred_trajectory

BSN = "123456782"  # synthetic: passes the elfproef, belongs to no one
OTHER_BSN = "111222333"


def change(path: str, op: ChangeOp, before: object, after: object) -> Change:
    return Change(path=path, op=op, before=before, after=after)


def test_equal_documents_have_no_changes() -> None:
    document = {"a": 1, "b": [1, {"c": None}], "d": {"e": "x"}}
    assert diff(document, json.loads(json.dumps(document))) == []


def test_a_changed_leaf_is_named_by_its_json_pointer() -> None:
    before = {"plan": {"goals": [{"dueOn": "2026-05-01", "lifeDomain": "school"}]}}
    after = {"plan": {"goals": [{"dueOn": "2026-06-01", "lifeDomain": "school"}]}}
    assert diff(before, after) == [
        change("/plan/goals/0/dueOn", ChangeOp.CHANGED, "2026-05-01", "2026-06-01")
    ]


def test_keys_added_and_removed_come_after_the_common_ones() -> None:
    before = {"a": 1, "gone": "x", "b": 2}
    after = {"new": [1], "b": 3, "a": 1}
    assert diff(before, after) == [
        change("/gone", ChangeOp.REMOVED, "x", None),
        change("/b", ChangeOp.CHANGED, 2, 3),
        change("/new", ChangeOp.ADDED, None, [1]),
    ]


def test_arrays_are_compared_by_position_and_grow_or_shrink_at_their_end() -> None:
    assert diff({"l": [1, 2]}, {"l": [1, 5, 6, 7]}) == [
        change("/l/1", ChangeOp.CHANGED, 2, 5),
        change("/l/2", ChangeOp.ADDED, None, 6),
        change("/l/3", ChangeOp.ADDED, None, 7),
    ]
    assert diff({"l": [1, 2, 3]}, {"l": [1]}) == [
        change("/l/1", ChangeOp.REMOVED, 2, None),
        change("/l/2", ChangeOp.REMOVED, 3, None),
    ]


def test_a_value_whose_json_type_changes_is_changed_as_a_whole() -> None:
    plan = {"revision": 1, "goals": []}
    assert diff({"plan": None}, {"plan": plan}) == [change("/plan", ChangeOp.CHANGED, None, plan)]
    # 1 == True and 1 == 1.0 in Python, but not in JSON.
    assert diff({"x": 1}, {"x": True}) == [change("/x", ChangeOp.CHANGED, 1, after=True)]
    assert diff({"x": 1}, {"x": 1.0}) == [change("/x", ChangeOp.CHANGED, 1, 1.0)]


def test_keys_are_escaped_as_json_pointer_tokens() -> None:
    assert diff({"a/b": {"c~d": 1}}, {"a/b": {"c~d": 2}}) == [
        change("/a~1b/c~0d", ChangeOp.CHANGED, 1, 2)
    ]


def test_domain_values_become_json_with_camel_case_fields_and_sorted_keys() -> None:
    key_b, key_a = UUID(int=2), UUID(int=1)
    value = {key_b: date(2026, 1, 2), key_a: (TrajectoryStatus.ACTIEF, frozenset({3, 1}))}
    assert to_json(value) == {str(key_a): ["actief", [1, 3]], str(key_b): "2026-01-02"}
    placed = member(born_on=None)
    assert to_json(placed) == {
        "memberId": str(placed.member_id),
        "givenName": placed.given_name,
        "familyName": placed.family_name,
        "bornOn": None,
        "roleInGroup": None,
        "trajectoryId": None,
        "placedOn": placed.placed_on.isoformat(),
        "letterRecipients": "jongere_en_ouders",
        "informedOn": None,
    }


def test_a_trajectory_state_is_camel_case_in_declared_order_and_redacts_the_bsn() -> None:
    trajectory = referred_trajectory()
    assert aggregate_state(trajectory)["bsn"] is None  # whether one is recorded: yes, shown
    trajectory.record_bsn(BSN)
    state = aggregate_state(trajectory)
    assert state["bsn"] == REDACTED
    assert BSN not in json.dumps(state)
    assert list(state)[:3] == ["subjectId", "givenName", "familyName"]
    assert state["status"] == "aangemeld"
    assert state["regisseur"] == {
        "userId": trajectory.regisseur.user_id,
        "organisation": trajectory.regisseur.organisation,
    }
    # The state is plain JSON and the same every time.
    assert json.loads(json.dumps(state)) == state
    assert json.dumps(aggregate_state(trajectory)) == json.dumps(state)


def test_correcting_the_bsn_shows_no_number_on_either_side() -> None:
    trajectory = referred_trajectory()
    trajectory.record_bsn(BSN)
    before = aggregate_state(trajectory)
    trajectory.record_bsn(OTHER_BSN)
    assert diff(before, aggregate_state(trajectory)) == []


def test_a_diff_of_two_trajectory_states_names_what_changed() -> None:
    trajectory = active_trajectory()
    before = aggregate_state(trajectory)
    trajectory.record_correction(
        corrects_version=2, what_was_wrong="verkeerde datum", correction="juiste datum", why="typo"
    )
    changes = diff(before, aggregate_state(trajectory))
    assert changes == [change("/corrections", ChangeOp.CHANGED, 0, 1)]


def test_a_network_state_lists_members_by_id() -> None:
    network = network_in_step(NetworkStep.NAME_LIST)
    before = aggregate_state(network)
    placed = member()
    network.place_member(placed)
    after = aggregate_state(network)
    (added,) = diff(before, after)
    assert added.op is ChangeOp.ADDED
    assert added.path == f"/members/{placed.member_id}"
    assert added.after["givenName"] == placed.given_name
