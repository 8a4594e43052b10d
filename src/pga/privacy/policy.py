"""The partner-role policy: which level of which record kind a role sees, and what it may do.

The policy is data (``policy.toml`` beside this module, documented in its header and rendered into
docs/PRIVACY.md). ``load_policy`` reads and validates it: every event kind of both aggregates
belongs to exactly one record kind, every field a level names exists on its event (or is one of
the derived fields), every partner role states a level for every record kind of both aggregates,
and no level exceeds a kind's ``partner_ceiling``. A problem fails the start with one message
listing every problem found. Command names are checked against the API's operations by the API
at start (``Policy.check_commands``): the policy does not know the web layer.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pga.domain.catalogue import DEFAULT_CATALOGUE, NON_CASE_ROLES, PartnerRole
from pga.domain.network import NETWORK_EVENTS
from pga.domain.trajectory import TRAJECTORY_EVENTS

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from pga.domain.common import PgaEvent

#: The policy that ships with pga.
DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.toml")

TRAJECTORY = "trajectory"
NETWORK = "network"
AGGREGATE_EVENTS: Mapping[str, tuple[type[PgaEvent], ...]] = {
    TRAJECTORY: TRAJECTORY_EVENTS,
    NETWORK: NETWORK_EVENTS,
}

#: Fields the partner views compute from an event rather than copy: a pseudonymous reference
#: to the youth (never the name) and the youth's age band on the event's date.
PSEUDONYM = "pseudonym"
AGE_BAND = "age_band"
DERIVED_FIELDS: Mapping[str, frozenset[str]] = {
    "Referred": frozenset({PSEUDONYM, AGE_BAND}),
    "MemberPlaced": frozenset({PSEUDONYM, AGE_BAND}),
}

_BASE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


class Level(StrEnum):
    """How much of a record a role sees (``none`` < ``L0`` < ``L1`` < ``L2``)."""

    NONE = "none"
    L0 = "L0"
    """Only that the record exists: its kind, version and dates."""
    L1 = "L1"
    """Process context: the fields the policy lists under L1."""
    L2 = "L2"
    """Full content: the L1 fields and those listed under L2."""

    @property
    def rank(self) -> int:
        """The level's place in the order (``none`` is 0)."""
        return _RANK[self]

    def at_most(self, ceiling: Level) -> Level:
        """Return this level, lowered to ``ceiling`` when it is higher."""
        return ceiling if self.rank > ceiling.rank else self

    def at_least(self, floor: Level) -> Level:
        """Return this level, raised to ``floor`` when it is lower."""
        return floor if self.rank < floor.rank else self


_RANK = {Level.NONE: 0, Level.L0: 1, Level.L1: 2, Level.L2: 3}


@dataclass(frozen=True, slots=True)
class EventPolicy:
    """One event kind: its record kind, its Dutch label and the fields each level shows."""

    name: str
    record_kind: str
    label: str
    l1: tuple[str, ...]
    l2: tuple[str, ...]
    """Shown at L2 in addition to ``l1``."""

    def fields(self, level: Level) -> tuple[str, ...]:
        """Return the fields shown at ``level`` (none at ``none`` and ``L0``)."""
        if level is Level.L2:
            return self.l1 + self.l2
        if level is Level.L1:
            return self.l1
        return ()


@dataclass(frozen=True, slots=True)
class RecordKind:
    """A group of event kinds that a role sees at one level (``plan``, ``namenlijst``…)."""

    code: str
    label: str
    aggregate: str
    """``trajectory`` or ``network``."""
    events: tuple[str, ...]
    person_level: bool
    """Network content about named youths: it exists only from step 2B on."""
    partner_ceiling: Level
    """No partner ever sees more (``none`` for the BSN)."""


@dataclass(frozen=True, slots=True)
class RolePolicy:
    """What one partner role sees of each record kind and which commands it may issue."""

    role: PartnerRole
    label: str
    own: Level
    """The level of what the role's organisation recorded or is responsible for."""
    life_domains: frozenset[str]
    """At L1, plan goals and life-domain scores are limited to these life domains."""
    commands: frozenset[str]
    """API operation ids."""
    levels: Mapping[str, Level]
    """Record kind code → level, for the record kinds of both aggregates."""


@dataclass(frozen=True, slots=True)
class Policy:
    """The whole policy (see the module docstring)."""

    revision: int
    """Bumped with every change of what a role sees (the partner views are rebuilt)."""
    regie: frozenset[PartnerRole]
    kinds: Mapping[str, RecordKind]
    events: Mapping[str, EventPolicy]
    roles: Mapping[PartnerRole, RolePolicy]

    def partner(self, role: PartnerRole | str) -> RolePolicy | None:
        """Return the policy of a partner role (``None`` for regie and non-case roles)."""
        return self.roles.get(PartnerRole(role)) if role in _ROLE_VALUES else None

    def level(self, role: RolePolicy, event_name: str, *, own: bool = False) -> Level:
        """Return the level at which ``role`` sees an event of kind ``event_name``.

        ``own``: the role's organisation recorded the event or is responsible for what it is
        about; it then sees at least its ``own`` level. The kind's ceiling caps both.
        """
        event = self.events[event_name]
        kind = self.kinds[event.record_kind]
        level = role.levels[kind.code]
        if own:
            level = level.at_least(role.own)
        return level.at_most(kind.partner_ceiling)

    def fields(self, event_name: str, level: Level) -> tuple[str, ...]:
        """Return the fields of an event kind shown at ``level``."""
        return self.events[event_name].fields(level)

    def may_issue(self, role: PartnerRole | str, operation_id: str) -> bool:
        """Whether a partner role may issue the API operation ``operation_id``."""
        partner = self.partner(role)
        return partner is not None and operation_id in partner.commands

    def commands(self) -> frozenset[str]:
        """Every operation id some partner role may issue."""
        return frozenset().union(*(role.commands for role in self.roles.values()))

    def check_commands(self, known: Collection[str]) -> None:
        """Refuse command names that are not operations of the API (``known``)."""
        problems = [
            f"role {role.role.value}: unknown command {name!r}"
            for role in self.roles.values()
            for name in sorted(role.commands)
            if name not in known
        ]
        if problems:
            raise PolicyError(problems)


_ROLE_VALUES = frozenset(role.value for role in PartnerRole)
#: The roles the policy must describe: every role that can be involved in a case and is not regie.
_CASE_ROLES = frozenset(PartnerRole) - NON_CASE_ROLES


class PolicyError(ValueError):
    """The policy file is not valid; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"the privacy policy is not valid:\n{listed}")


@cache
def load_policy(path: Path = DEFAULT_POLICY_FILE) -> Policy:
    """Read and validate a policy file (cached: the file is read once per process)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError([f"{path}: {error}"]) from None
    return parse_policy(data)


def event_fields(event_class: type[PgaEvent]) -> tuple[str, ...]:
    """Return the own fields of an event class (not the library's base fields)."""
    return tuple(
        field.name for field in dataclasses.fields(event_class) if field.name not in _BASE_FIELDS
    )


def parse_policy(data: Mapping[str, Any]) -> Policy:
    """Validate a decoded policy document and return the policy (see the module docstring)."""
    problems: list[str] = []
    _unknown_keys(problems, "the policy", data, {"revision", "regie", "kinds", "roles"})
    revision = data.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or not 1 <= revision < 1000:  # noqa: PLR2004
        problems.append(f"revision must be a whole number from 1 to 999, not {revision!r}")
        revision = 0
    regie = _regie(problems, data.get("regie"))
    kinds, events = _kinds(problems, data.get("kinds"))
    roles = _roles(problems, data.get("roles"), kinds, regie)
    if problems:
        raise PolicyError(problems)
    return Policy(revision=revision, regie=regie, kinds=kinds, events=events, roles=roles)


def _unknown_keys(
    problems: list[str], where: str, table: Mapping[str, Any], allowed: Collection[str]
) -> None:
    problems.extend(f"{where}: unknown key {key!r}" for key in sorted(set(table) - set(allowed)))


def _level(problems: list[str], where: str, value: object) -> Level:
    try:
        return Level(str(value))
    except ValueError:
        problems.append(f"{where}: {value!r} is not a level (none, L0, L1 or L2)")
        return Level.NONE


def _strings(problems: list[str], where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{where} must be a list of strings")
        return ()
    duplicates = sorted({item for item in value if value.count(item) > 1})
    if duplicates:
        problems.append(f"{where} lists {', '.join(duplicates)} more than once")
    return tuple(value)


def _table(problems: list[str], where: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        problems.append(f"{where} must be a table")
        return {}
    return value


def _regie(problems: list[str], value: object) -> frozenset[PartnerRole]:
    names = _strings(problems, "regie", value)
    unknown = [name for name in names if name not in _ROLE_VALUES]
    problems.extend(f"regie: unknown role {name!r}" for name in unknown)
    return frozenset(PartnerRole(name) for name in names if name not in unknown)


def _kinds(
    problems: list[str], value: object
) -> tuple[dict[str, RecordKind], dict[str, EventPolicy]]:
    classes = {
        event_class.__name__: (aggregate, event_class)
        for aggregate, event_classes in AGGREGATE_EVENTS.items()
        for event_class in event_classes
    }
    kinds: dict[str, RecordKind] = {}
    events: dict[str, EventPolicy] = {}
    for code, raw in _table(problems, "kinds", value).items():
        where = f"record kind {code}"
        table = _table(problems, where, raw)
        _unknown_keys(
            problems,
            where,
            table,
            {"label", "aggregate", "events", "person_level", "partner_ceiling"},
        )
        aggregate = table.get("aggregate")
        if aggregate not in AGGREGATE_EVENTS:
            problems.append(f"{where}: aggregate must be 'trajectory' or 'network'")
        person_level = table.get("person_level", False)
        if not isinstance(person_level, bool):
            problems.append(f"{where}: person_level must be true or false")
            person_level = False
        ceiling = _level(problems, f"{where}: partner_ceiling", table.get("partner_ceiling", "L2"))
        names: list[str] = []
        for name, raw_event in _table(problems, f"{where}: events", table.get("events")).items():
            event_where = f"event kind {name}"
            if name not in classes:
                problems.append(f"{where}: unknown event kind {name!r}")
                continue
            if classes[name][0] != aggregate:
                problems.append(f"{where}: {event_where} belongs to the {classes[name][0]}")
            if name in events:
                problems.append(f"{event_where} is in two record kinds")
                continue
            events[name] = _event(problems, event_where, code, name, classes[name][1], raw_event)
            names.append(name)
        if not names:
            problems.append(f"{where} has no event kinds")
        kinds[code] = RecordKind(
            code=code,
            label=str(table.get("label", code)),
            aggregate=str(aggregate),
            events=tuple(names),
            person_level=person_level,
            partner_ceiling=ceiling,
        )
    problems.extend(
        f"event kind {name} has no record kind in the policy"
        for name in sorted(set(classes) - set(events))
    )
    return kinds, events


def _event(
    problems: list[str],
    where: str,
    kind: str,
    name: str,
    event_class: type[PgaEvent],
    raw: object,
) -> EventPolicy:
    table = _table(problems, where, raw)
    _unknown_keys(problems, where, table, {"label", "L1", "L2"})
    known = set(event_fields(event_class)) | DERIVED_FIELDS.get(name, frozenset())
    l1 = _strings(problems, f"{where}: L1", table.get("L1"))
    l2 = _strings(problems, f"{where}: L2", table.get("L2"))
    problems.extend(
        f"{where}: unknown field {field!r}" for field in (*l1, *l2) if field not in known
    )
    problems.extend(f"{where}: {field!r} is listed under L1 and L2" for field in set(l1) & set(l2))
    label = table.get("label")
    if not isinstance(label, str) or not label:
        problems.append(f"{where}: a label is required")
    return EventPolicy(name=name, record_kind=kind, label=str(label), l1=l1, l2=l2)


def _roles(
    problems: list[str],
    value: object,
    kinds: Mapping[str, RecordKind],
    regie: frozenset[PartnerRole],
) -> dict[PartnerRole, RolePolicy]:
    roles: dict[PartnerRole, RolePolicy] = {}
    life_domains = set(DEFAULT_CATALOGUE.life_domains.codes())
    for name, raw in _table(problems, "roles", value).items():
        where = f"role {name}"
        if name not in _ROLE_VALUES:
            problems.append(f"unknown role {name!r}")
            continue
        role = PartnerRole(name)
        if role in regie or role in NON_CASE_ROLES:
            problems.append(f"{where} sees no partner view (it is a regie or non-case role)")
            continue
        table = _table(problems, where, raw)
        _unknown_keys(
            problems,
            where,
            table,
            {"label", "own", "life_domains", "commands", *AGGREGATE_EVENTS},
        )
        domains = _strings(problems, f"{where}: life_domains", table.get("life_domains", []))
        problems.extend(
            f"{where}: unknown life domain {domain!r}"
            for domain in domains
            if domain not in life_domains
        )
        levels: dict[str, Level] = {}
        for aggregate in AGGREGATE_EVENTS:
            expected = {code for code, kind in kinds.items() if kind.aggregate == aggregate}
            given = _table(problems, f"{where}: {aggregate}", table.get(aggregate))
            problems.extend(
                f"{where}: unknown {aggregate} record kind {code!r}"
                for code in sorted(set(given) - expected)
            )
            problems.extend(
                f"{where}: no level for the {aggregate} record kind {code!r}"
                for code in sorted(expected - set(given))
            )
            for code in sorted(expected & set(given)):
                level = _level(problems, f"{where}: {code}", given[code])
                ceiling = kinds[code].partner_ceiling
                if level.rank > ceiling.rank:
                    problems.append(f"{where}: {code} may be at most {ceiling.value} for partners")
                levels[code] = level
        roles[role] = RolePolicy(
            role=role,
            label=str(table.get("label", name)),
            own=_level(problems, f"{where}: own", table.get("own", "L2")),
            life_domains=frozenset(domains),
            commands=frozenset(_strings(problems, f"{where}: commands", table.get("commands", []))),
            levels=levels,
        )
    problems.extend(
        f"role {role.value} has no policy"
        for role in sorted(_CASE_ROLES - regie - set(roles), key=lambda role: role.value)
    )
    return roles
