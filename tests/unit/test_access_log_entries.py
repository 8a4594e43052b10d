"""The access log's entries without a database: digests, seals, purposes and their settings."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pga.audit.access_log import GENESIS_SEAL, AccessEntry, chain_seal, entry_digest, new_trace_id
from pga.audit.purposes import DEFAULT_PURPOSES, PURPOSES, default_purpose
from pga.domain.catalogue import PartnerRole
from pga.settings import Settings, SettingsError

ENTRY = AccessEntry(
    occurred_at=datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=UTC),
    user="u-regie-01",
    organisation="gemeente-almere",
    role="regisseur",
    on_behalf_of=None,
    subjects=(UUID(int=1), UUID(int=2)),
    operation="getTrajectory",
    purpose="regie",
    status=200,
    trace_id=UUID(int=3).hex,
    source="api",
)


def test_the_digest_does_not_depend_on_the_time_zone_the_time_is_given_in() -> None:
    amsterdam = ENTRY.occurred_at.astimezone(timezone(timedelta(hours=1)))
    assert entry_digest(msgspec.structs.replace(ENTRY, occurred_at=amsterdam)) == entry_digest(
        ENTRY
    )


_CHANGES = {
    "occurred_at": ENTRY.occurred_at + timedelta(microseconds=1),
    "user": "u-regie-02",
    "organisation": "ggd-flevoland",
    "role": "procesregisseur",
    "on_behalf_of": "u-regie-09",
    "subjects": (UUID(int=2), UUID(int=1)),
    "operation": "getTrajectoryTimeline",
    "purpose": "casusoverleg",
    "status": 404,
    "trace_id": UUID(int=4).hex,
    "source": "cli",
}


@pytest.mark.parametrize("field", sorted(_CHANGES))
def test_every_field_is_in_the_digest_and_the_position_in_the_seal(field: str) -> None:
    changed = msgspec.structs.replace(ENTRY, **{field: _CHANGES[field]})
    assert entry_digest(changed) != entry_digest(ENTRY)
    digest = entry_digest(ENTRY)
    assert chain_seal(GENESIS_SEAL, 2, digest) != chain_seal(GENESIS_SEAL, 1, digest)


def test_the_digest_is_over_one_canonical_text() -> None:
    # A known answer: what an independent verifier must hash to recompute the chain (UTC with
    # six decimals, UUIDs as their canonical text, null for "on behalf of nobody").
    canonical = (
        '["2026-11-28T09:30:15.123456Z","u-regie-01","gemeente-almere","regisseur",null,'
        '["00000000-0000-0000-0000-000000000001","00000000-0000-0000-0000-000000000002"],'
        '"getTrajectory","regie",200,"00000000000000000000000000000003","api"]'
    )
    assert entry_digest(ENTRY) == hashlib.sha256(canonical.encode()).digest()


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=6, unique=True))
def test_a_chain_depends_on_every_digest_and_their_order(digests: list[bytes]) -> None:
    def head(items: list[bytes]) -> bytes:
        seal = GENESIS_SEAL
        for position, digest in enumerate(items, start=1):
            seal = chain_seal(seal, position, digest)
        return seal

    assert head(digests) != head(digests[::-1])
    assert head(digests) != head(digests[1:])


def test_a_trace_id_is_the_request_id_or_a_new_one() -> None:
    assert new_trace_id(str(UUID(int=5))) == UUID(int=5).hex
    made = new_trace_id("not a uuid; Jan de Vries")
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert new_trace_id(None) != new_trace_id(None)


def test_every_role_has_a_registered_default_purpose() -> None:
    assert set(DEFAULT_PURPOSES) == set(PartnerRole)
    assert set(DEFAULT_PURPOSES.values()) <= set(PURPOSES)
    assert DEFAULT_PURPOSES[PartnerRole.REGISSEUR] == "regie"
    assert DEFAULT_PURPOSES[PartnerRole.AUDITOR] == "verantwoording"


def test_configured_purposes_override_the_defaults() -> None:
    settings = Settings.from_env({"PGA_ACCESS_PURPOSES": "jit=casusoverleg, regisseur=regie"})
    assert settings.access_purposes == {"jit": "casusoverleg", "regisseur": "regie"}
    assert default_purpose(PartnerRole.JIT, settings.access_purposes) == "casusoverleg"
    assert default_purpose(PartnerRole.HALT, settings.access_purposes) == "uitvoering"


@pytest.mark.parametrize(
    "value", ["jit", "onbekend=regie", "jit=nieuwsgierigheid", "jit=regie,,halt=regie"]
)
def test_a_wrong_purpose_setting_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PGA_ACCESS_PURPOSES": value})
    assert raised.value.variable == "PGA_ACCESS_PURPOSES"
