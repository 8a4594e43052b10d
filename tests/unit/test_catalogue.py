"""The catalogue: closed lists with unique codes, lookups that fail loudly, the inclusion list."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from pga.domain.catalogue import (
    DEFAULT_CATALOGUE,
    NON_CASE_ROLES,
    CatalogueList,
    Entry,
    PartnerRole,
    partner_role,
)
from pga.domain.errors import UnknownCatalogueEntry

C = DEFAULT_CATALOGUE
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
LISTS: dict[str, CatalogueList[Entry]] = {
    field.name: getattr(C, field.name)
    for field in fields(C)
    if isinstance(getattr(C, field.name), CatalogueList)
}
ROBBERY = frozenset({"straatroof", "gewapende_straatroof", "overval", "gewapende_overval"})


def test_the_catalogue_has_every_list_the_domain_draws_codes_from() -> None:
    assert set(LISTS) == {
        "offences",
        "interventions",
        "life_domains",
        "school_signals",
        "jit_steps",
        "closing_reasons",
        "legal_bases",
        "instruments",
        "escalation_targets",
        "mayor_orders",
        "police_contact_roles",
    }
    assert all(LISTS[name].entries for name in LISTS)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_code_is_a_unique_snake_case_slug_with_a_label(name: str) -> None:
    entries = LISTS[name].entries

    assert len({entry.code for entry in entries}) == len(entries)
    assert all(CODE.fullmatch(entry.code) for entry in entries)
    assert all(entry.label.strip() for entry in entries)


def test_a_list_with_duplicate_codes_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="duplicate codes"):
        CatalogueList("life domain", (Entry("gezin", "Gezin"), Entry("gezin", "Thuis")))


@pytest.mark.parametrize("name", sorted(LISTS))
def test_looking_up_an_unknown_code_raises_unknown_catalogue_entry(name: str) -> None:
    catalogue_list = LISTS[name]

    with pytest.raises(UnknownCatalogueEntry) as by_item:
        catalogue_list["onbekende_code"]
    with pytest.raises(UnknownCatalogueEntry) as by_require:
        catalogue_list.require("onbekende_code")

    assert by_item.value.kind == by_require.value.kind == catalogue_list.kind
    assert by_item.value.code == "onbekende_code"
    assert "onbekende_code" not in catalogue_list


@pytest.mark.parametrize("name", sorted(LISTS))
def test_looking_up_a_known_code_returns_its_entry(name: str) -> None:
    catalogue_list = LISTS[name]
    first, *_ = catalogue_list.entries

    assert catalogue_list[first.code] is first
    assert catalogue_list.require(first.code) == first.code
    assert first.code in catalogue_list
    assert catalogue_list.codes() == tuple(entry.code for entry in catalogue_list.entries)


def test_every_intervention_is_owned_by_a_role_that_can_be_involved() -> None:
    for intervention in C.interventions.entries:
        assert isinstance(intervention.owner, PartnerRole)
        assert intervention.owner not in NON_CASE_ROLES | {PartnerRole.REGISSEUR}


def test_intervention_age_bands_and_durations_are_consistent() -> None:
    for intervention in C.interventions.entries:
        if intervention.min_age is not None and intervention.max_age is not None:
            assert intervention.min_age <= intervention.max_age, intervention.code
        assert intervention.max_days is None or intervention.max_days > 0, intervention.code


def test_halt_is_owned_by_halt_for_ages_12_to_17() -> None:
    halt = C.interventions["halt"]

    assert (halt.owner, halt.min_age, halt.max_age) == (PartnerRole.HALT, 12, 17)


def test_every_mayors_order_kind_is_an_intervention_of_the_burgemeester() -> None:
    for kind in C.mayor_orders.codes():
        assert C.interventions[kind].owner == PartnerRole.BURGEMEESTER


def test_the_default_inclusion_list_is_exactly_the_four_robbery_categories() -> None:
    assert C.included_offences == ROBBERY
    assert {entry.code for entry in C.offences.entries if entry.included} == ROBBERY


def test_with_included_offences_replaces_the_inclusion_list_only() -> None:
    configured = C.with_included_offences(("straatroof", "woninginbraak"))

    assert configured.included_offences == {"straatroof", "woninginbraak"}
    assert configured.offences is C.offences
    assert C.included_offences == ROBBERY


def test_with_included_offences_rejects_unknown_codes() -> None:
    with pytest.raises(UnknownCatalogueEntry) as refused:
        C.with_included_offences(("straatroof", "zakkenrollerij_xyz"))

    assert refused.value.code == "zakkenrollerij_xyz"


def test_only_absence_signals_carry_hours() -> None:
    needs_hours = {kind.code for kind in C.school_signals.entries if kind.needs_hours}

    assert needs_hours == {"verzuim"}


def test_the_reprimand_talk_is_measured_against_its_incident() -> None:
    assert C.jit_steps["reprimandegesprek"].needs_incident
    assert not C.jit_steps["straatcontact"].needs_incident


def test_handing_over_at_18_needs_a_handover() -> None:
    assert C.closing_reasons["overdracht_18_plus"].needs_handover
    assert not C.closing_reasons["doelen_behaald"].needs_handover


@pytest.mark.parametrize("role", list(PartnerRole))
def test_partner_role_returns_the_role_for_its_code(role: PartnerRole) -> None:
    assert partner_role(role.value) is role


@pytest.mark.parametrize("code", ["Politie", "burgemeester ", "wethouder", ""])
def test_partner_role_refuses_an_unknown_code(code: str) -> None:
    with pytest.raises(UnknownCatalogueEntry) as refused:
        partner_role(code)

    assert refused.value.kind == "partner role"


def test_auditor_and_beheerder_hold_no_case_content() -> None:
    assert {PartnerRole.AUDITOR, PartnerRole.BEHEERDER} == NON_CASE_ROLES
