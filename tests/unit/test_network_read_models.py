"""The pure parts of the network read models: due periods, youth references, incident digests."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import msgspec
import pytest

from pga.domain.network import NetworkStep
from pga.privacy.pseudonym import youth_reference
from projections.network_board import DEFAULT_DEADLINES, STEP_ORDER, StepDeadlines
from projections.network_graph import NetworkGraph, incident_digest


def test_every_open_step_has_a_default_due_period_and_a_closed_file_none() -> None:
    assert set(STEP_ORDER) == set(NetworkStep)
    assert all(
        DEFAULT_DEADLINES.days_for(step) for step in STEP_ORDER if step != NetworkStep.CLOSED
    )
    assert DEFAULT_DEADLINES.days_for(NetworkStep.CLOSED) is None
    assert StepDeadlines(stap_3=None).days_for(NetworkStep.INTERPRETATION) is None


def test_due_periods_must_be_whole_positive_days() -> None:
    with pytest.raises(ValueError, match="stap_3"):
        StepDeadlines(stap_3=0)
    with pytest.raises(ValueError, match="stap_2a"):
        StepDeadlines(stap_2a=True)
    with pytest.raises(msgspec.ValidationError, match="stap_3"):
        msgspec.convert({"stap_3": -2}, StepDeadlines)
    with pytest.raises(msgspec.ValidationError, match="stap_8"):
        msgspec.convert({"stap_8": 3}, StepDeadlines)
    configured = msgspec.convert({"stap_3": 10}, StepDeadlines)
    assert configured.days_for(NetworkStep.INTERPRETATION) == 10
    assert configured.days_for(NetworkStep.ASSESSMENT) == DEFAULT_DEADLINES.stap_2a


def test_a_youth_reference_is_short_stable_one_way_and_distinct() -> None:
    youth = UUID("7c1e8a52-3b0f-4e55-9d0a-2f6f1b7f0c11")
    reference = youth_reference(youth)
    assert re.fullmatch(r"J-[0-9a-f]{10}", reference)
    assert youth_reference(UUID(str(youth))) == reference
    assert youth.hex[:10] not in reference
    others = {youth_reference(uuid4()) for _ in range(1000)}
    assert len(others) == 1000
    assert reference not in others


def test_an_incident_digest_ignores_spacing_and_case_and_depends_on_the_key() -> None:
    digest = incident_digest("PL-2026-000123")
    assert digest == incident_digest(" pl-2026-000123\n")
    assert digest == incident_digest("PL - 2026 - 000123")
    assert digest != incident_digest("PL-2026-000124")
    assert len(digest) == 16
    assert b"000123" not in digest
    keyed = incident_digest("PL-2026-000123", b"a secret from configuration")
    assert keyed not in {digest, incident_digest("PL-2026-000123", b"another secret")}


def test_the_incident_key_is_at_most_64_bytes() -> None:
    NetworkGraph(incident_key=b"k" * 64)
    with pytest.raises(ValueError, match="64 bytes"):
        NetworkGraph(incident_key=b"k" * 65)
