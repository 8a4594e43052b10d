"""The privacy policy as data: the shipped file loads, and every kind of mistake is refused.

Variants are built from the shipped TOML (decoded with ``tomllib``, changed, then given to
``parse_policy``), so each test breaks exactly one thing of a policy that is otherwise valid.
Also: the pseudonymous youth reference and the age bands partners see instead of names.
"""

from __future__ import annotations

import copy
import re
import tomllib
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest

from pga.api import app as api_app
from pga.api import networks, trajectories
from pga.domain.catalogue import NON_CASE_ROLES, PartnerRole
from pga.domain.network import NETWORK_EVENTS
from pga.domain.trajectory import TRAJECTORY_EVENTS
from pga.privacy.policy import (
    DEFAULT_POLICY_FILE,
    Level,
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
)
from pga.privacy.pseudonym import age_band, youth_reference
from pga.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

#: A synthetic signing secret (the app builds its token verification before anything else).
SECRET = "a-secret-for-the-policy-tests-0123456789"
ROUTES = (*trajectories.COMMANDS, *networks.COMMANDS)
#: The operation ids the API offers partners at most: every command that creates nothing.
API_COMMANDS = frozenset(route.operation_id for route in ROUTES if not route.creates)
CREATING = frozenset(route.operation_id for route in ROUTES if route.creates)


def shipped() -> dict[str, Any]:
    """Return the shipped policy file, decoded (a fresh copy to change)."""
    data: dict[str, Any] = tomllib.loads(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    return data


def refused(change: Callable[[dict[str, Any]], object]) -> PolicyError:
    """Change the shipped policy with ``change``; parsing it must fail. Return the error."""
    data = shipped()
    change(data)
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    return caught.value


# --- the shipped policy ---


def test_the_shipped_policy_loads() -> None:
    policy = load_policy()
    assert isinstance(policy, Policy)
    assert policy == parse_policy(shipped())
    assert policy.revision >= 1
    assert policy.regie == {PartnerRole.REGISSEUR, PartnerRole.PROCESREGISSEUR}
    # Every role that can be involved in a case and does not direct it has a policy.
    assert set(policy.roles) == set(PartnerRole) - NON_CASE_ROLES - policy.regie
    for role in policy.regie | NON_CASE_ROLES:
        assert policy.partner(role) is None
    assert policy.partner("astronaut") is None


def test_every_event_class_of_both_aggregates_has_exactly_one_record_kind() -> None:
    policy = load_policy()
    for aggregate, classes in (("trajectory", TRAJECTORY_EVENTS), ("network", NETWORK_EVENTS)):
        for event_class in classes:
            name = event_class.__name__
            kinds = [kind for kind in policy.kinds.values() if name in kind.events]
            assert len(kinds) == 1, name
            assert kinds[0].aggregate == aggregate, name
            assert policy.events[name].record_kind == kinds[0].code
    assert len(policy.events) == len(TRAJECTORY_EVENTS) + len(NETWORK_EVENTS)


def test_every_role_has_a_level_for_every_record_kind() -> None:
    policy = load_policy()
    for role in policy.roles.values():
        assert set(role.levels) == set(policy.kinds), role.role


def test_no_partner_ever_sees_the_bsn() -> None:
    policy = load_policy()
    assert policy.kinds["bsn"].partner_ceiling is Level.NONE
    for role in policy.roles.values():
        assert role.levels["bsn"] is Level.NONE, role.role
        # Not even where it would count as its own record.
        assert policy.level(role, "BsnRecorded", own=True) is Level.NONE, role.role


def test_every_granted_command_is_a_real_operation_that_creates_nothing() -> None:
    policy = load_policy()
    for role in policy.roles.values():
        assert role.commands <= API_COMMANDS, role.role
        assert not role.commands & CREATING, role.role
    policy.check_commands(API_COMMANDS)  # what the API checks when it starts
    assert policy.may_issue(PartnerRole.POLITIE, "recordArrest")
    assert not policy.may_issue(PartnerRole.POLITIE, "referTrajectory")
    assert not policy.may_issue(PartnerRole.REGISSEUR, "recordArrest")  # regie: not by policy


# --- a policy with a mistake ---


def _add_role(data: dict[str, Any]) -> None:
    data["roles"]["astronaut"] = copy.deepcopy(data["roles"]["politie"])


def _add_event(data: dict[str, Any]) -> None:
    data["kinds"]["plan"]["events"]["PlanEaten"] = {"label": "Opgegeten", "L1": [], "L2": []}


def _add_field(data: dict[str, Any]) -> None:
    data["kinds"]["aanmelding"]["events"]["Referred"]["L1"].append("shoe_size")


def _drop_event(data: dict[str, Any]) -> None:
    del data["kinds"]["plan"]["events"]["RevisionStarted"]


def _drop_level(data: dict[str, Any]) -> None:
    del data["roles"]["politie"]["trajectory"]["plan"]


def _add_life_domain(data: dict[str, Any]) -> None:
    data["roles"]["school"]["life_domains"].append("sterrenkunde")


def _raise_bsn(data: dict[str, Any]) -> None:
    data["roles"]["politie"]["trajectory"]["bsn"] = "L1"


def _not_a_level(data: dict[str, Any]) -> None:
    data["roles"]["halt"]["network"]["acties"] = "L3"


def _unknown_record_kind(data: dict[str, Any]) -> None:
    data["roles"]["om"]["network"]["sterrenkaart"] = "L1"


def _unknown_key(data: dict[str, Any]) -> None:
    data["roles"]["om"]["sees_everything"] = True


def _drop_role(data: dict[str, Any]) -> None:
    del data["roles"]["veilig_thuis"]


def _regie_as_partner(data: dict[str, Any]) -> None:
    data["roles"]["regisseur"] = copy.deepcopy(data["roles"]["politie"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_add_role, "unknown role 'astronaut'"),
        (_add_event, "record kind plan: unknown event kind 'PlanEaten'"),
        (_add_field, "event kind Referred: unknown field 'shoe_size'"),
        (_drop_event, "event kind RevisionStarted has no record kind in the policy"),
        (_drop_level, "role politie: no level for the trajectory record kind 'plan'"),
        (_add_life_domain, "role school: unknown life domain 'sterrenkunde'"),
        (_raise_bsn, "role politie: bsn may be at most none for partners"),
        (_not_a_level, "role halt: acties: 'L3' is not a level (none, L0, L1 or L2)"),
        (_unknown_record_kind, "role om: unknown network record kind 'sterrenkaart'"),
        (_unknown_key, "role om: unknown key 'sees_everything'"),
        (_drop_role, "role veilig_thuis has no policy"),
        (_regie_as_partner, "role regisseur sees no partner view"),
    ],
    ids=lambda value: getattr(value, "__name__", "")[1:] or None,
)
def test_a_mistake_is_refused_with_a_message_naming_it(
    change: Callable[[dict[str, Any]], object], message: str
) -> None:
    error = refused(change)
    assert any(message in problem for problem in error.problems), error.problems
    assert message in str(error)
    assert str(error).startswith("the privacy policy is not valid:")


def test_every_problem_is_listed_at_once() -> None:
    def several(data: dict[str, Any]) -> None:
        _add_role(data)
        _add_field(data)
        _raise_bsn(data)

    error = refused(several)
    assert len(error.problems) == 3
    assert all(f"  - {problem}" in str(error) for problem in error.problems)


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "policy.toml"
    broken.write_text("revision = = 1\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"policy\.toml"):
        load_policy.__wrapped__(broken)


# --- commands: checked against the API's operations ---


def test_a_command_the_api_does_not_offer_is_refused() -> None:
    data = shipped()
    data["roles"]["politie"]["commands"].append("launchRocket")
    data["roles"]["halt"]["commands"].append("referTrajectory")  # creating: never a partner's
    policy = parse_policy(data)  # the policy does not know the web layer
    with pytest.raises(PolicyError) as caught:
        policy.check_commands(API_COMMANDS)
    assert caught.value.problems == [
        "role politie: unknown command 'launchRocket'",
        "role halt: unknown command 'referTrajectory'",
    ]


def test_the_api_refuses_to_start_with_such_a_policy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = shipped()
    data["roles"]["jit"]["commands"].append("launchRocket")
    monkeypatch.setattr(api_app, "load_policy", lambda: parse_policy(data))
    settings = Settings(
        database_url="postgresql://nobody@127.0.0.1:1/none",
        database_schema="unused",
        data_dir=tmp_path,
        jwt_secret=SECRET,
    )
    with pytest.raises(PolicyError, match="role jit: unknown command 'launchRocket'"):
        api_app.create_app(settings, run_projections=False)


# --- pseudonyms and age bands ---


def test_a_youth_reference_is_stable_one_way_and_short() -> None:
    youth = UUID("6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5")
    reference = youth_reference(youth)
    assert reference == youth_reference(UUID(str(youth)))
    assert re.fullmatch(r"J-[0-9a-f]{10}", reference)
    assert str(youth).replace("-", "")[:10] not in reference
    others = {youth_reference(uuid4()) for _ in range(200)}
    assert reference not in others
    assert len(others) == 200
    assert all(re.fullmatch(r"J-[0-9a-f]{10}", other) for other in others)


@pytest.mark.parametrize(
    ("on", "band"),
    [
        (date(2010, 5, 1), "0-11"),
        (date(2022, 4, 30), "0-11"),
        (date(2022, 5, 1), "12-15"),  # the 12th birthday
        (date(2026, 4, 30), "12-15"),
        (date(2026, 5, 1), "16-17"),  # the 16th birthday
        (date(2028, 4, 30), "16-17"),
        (date(2028, 5, 1), "18+"),  # the 18th birthday
        (date(2060, 1, 1), "18+"),
    ],
)
def test_the_age_band_changes_on_the_birthday(on: date, band: str) -> None:
    assert age_band(date(2010, 5, 1), on) == band


def test_the_age_band_is_unknown_without_a_birth_date() -> None:
    assert age_band(None, date(2026, 1, 1)) is None
