"""The API's request shapes agree with the domain's lists (no database)."""

from __future__ import annotations

from typing import get_args

from pga.api.http import acceptable
from pga.api.networks import HistoricalLabel
from pga.domain.network import HISTORICAL_LABELS


def test_the_api_lists_the_domains_historical_labels() -> None:
    assert get_args(HistoricalLabel) == HISTORICAL_LABELS


def test_accept_admits_json_unless_its_quality_is_zero() -> None:
    assert acceptable("application/json")
    assert acceptable("text/html, */*;q=0.1")
    assert acceptable("application/problem+json; q=0.5")
    assert not acceptable("application/xml")
    assert not acceptable("application/json;q=0, application/problem+json;q=0")
    assert not acceptable("application/json;q=abc")
