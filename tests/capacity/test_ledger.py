"""The grant ledger: commitments, payments, the fund's limit and what each grant bought."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from capacity.ledger import (
    DEFAULT_FUND_TOTAL_ORE,
    FundExceeded,
    add_grant,
    add_payment,
    get_fund,
    kr,
    ledger_report,
    link_offers,
    set_fund,
    to_ore,
)
from catalogue.errors import InvalidRecord, NotFound
from catalogue.store import Store
from tests.capacity.history import at, build_history


def test_amounts_are_whole_ore() -> None:
    assert to_ore(Decimal("1500000")) == 150_000_000
    assert to_ore("12.34") == 1234
    assert kr(1234) == Decimal("12.34")
    with pytest.raises(ValueError):
        to_ore("0.001")
    with pytest.raises(ValueError):
        to_ore("NaN")


def test_the_default_fund() -> None:
    assert DEFAULT_FUND_TOTAL_ORE == 150_000_000


def _grant(store: Store, amount_kr: int, **kw: object) -> str:
    args: dict = {
        "organisation_id": "org-a",
        "amount_ore": to_ore(amount_kr),
        "committed_on": date(2026, 3, 1),
        "purpose": "Flere pladser",
        "expected": {"places": 10},
        "offer_ids": ["o1"],
        "actor": "test",
    }
    args.update(kw)
    return str(add_grant(store, **args)["id"])


def test_report_hand_computed(store: Store) -> None:
    ids = build_history(store)
    mar = ledger_report(store, date(2026, 3, 31))
    assert (mar["fund"]["total_ore"], mar["committed_ore"], mar["paid_ore"]) == (150_000_000, 20_000_000, 10_000_000)
    assert mar["remaining_ore"] == 130_000_000
    (g1,) = mar["grants"]
    assert g1["id"] == ids["G1"] and g1["expected"] == {"offers": 1, "places": 15, "volunteers": 5, "companions": 2}
    # o3 is new since 1 Feb with 15 places; C reported 6 volunteers and 2 companions (none before)
    assert g1["realised"] == {"offers": 1, "places": 15, "volunteers": 6, "companions": 2}
    assert g1["cost_per_place"] == Decimal("13333.33")  # 200,000 / 15
    assert g1["cost_per_volunteer"] == Decimal("33333.33")  # 200,000 / 6
    apr = ledger_report(store, date(2026, 4, 30))
    assert apr["grants"][0]["realised"]["places"] == 25  # o3 expanded on 10 April
    assert apr["cost_per_place"] == Decimal("8000.00")
    jan = ledger_report(store, date(2026, 1, 31))
    assert (jan["committed_ore"], jan["paid_ore"], jan["grants"]) == (0, 0, [])
    feb = ledger_report(store, date(2026, 2, 19))  # committed, not yet paid
    assert (feb["committed_ore"], feb["paid_ore"]) == (20_000_000, 0)


def test_a_grant_past_the_fund_is_refused(store: Store) -> None:
    build_history(store)
    with at("2026-03-02"):
        _grant(store, 1_200_000)
        with pytest.raises(FundExceeded) as refused:
            _grant(store, 150_000)
    assert refused.value.remaining_ore == 10_000_000  # 1.5 mio. - 200,000 - 1.2 mio.
    assert "100000.00" in str(refused.value)
    assert ledger_report(store, date(2026, 3, 31))["committed_ore"] == 140_000_000  # nothing half-written
    _grant(store, 100_000)  # exactly what is left
    assert ledger_report(store, date(2026, 3, 31))["remaining_ore"] == 0


def test_bad_grants_name_the_field(store: Store) -> None:
    build_history(store)
    with pytest.raises(InvalidRecord) as bad:
        _grant(store, 0, organisation_id="org-nope", offer_ids=["o1", "nope"], expected={"places": -1})
    assert set(bad.value.errors) == {"amount_dkk", "organisation_id", "offer_ids", "expected.places"}


def test_payments(store: Store) -> None:
    ids = build_history(store)
    with pytest.raises(FundExceeded) as over:
        add_payment(store, ids["G1"], paid_on=date(2026, 3, 1), amount_ore=to_ore(100_001), actor="t")
    assert over.value.remaining_ore == 10_000_000
    with pytest.raises(NotFound):
        add_payment(store, "no-such-grant", paid_on=date(2026, 3, 1), amount_ore=1, actor="t")
    with pytest.raises(InvalidRecord):
        add_payment(store, ids["G1"], paid_on=date(2026, 3, 1), amount_ore=0, actor="t")


def test_the_fund_can_be_recorded_but_not_below_the_commitments(store: Store) -> None:
    assert get_fund(store)["recorded"] is False
    assert get_fund(store)["total_ore"] == DEFAULT_FUND_TOTAL_ORE
    build_history(store)  # its grant records the default fund, to lock it
    fund = set_fund(
        store, name="Pulje", total_ore=to_ore(300_000), period_start=date(2026, 1, 1), period_end=None, actor="t"
    )
    assert (fund["name"], fund["total_ore"], fund["recorded"]) == ("Pulje", 30_000_000, True)
    with pytest.raises(FundExceeded):
        set_fund(store, name="Pulje", total_ore=to_ore(100_000), period_start=None, period_end=None, actor="t")
    with pytest.raises(InvalidRecord):
        set_fund(store, name="P", total_ore=1, period_start=date(2026, 2, 1), period_end=date(2026, 1, 1), actor="t")
    assert get_fund(store)["total_ore"] == 30_000_000


def test_offers_linked_after_the_commitment_count(store: Store) -> None:
    build_history(store)
    with at("2026-03-02"):
        grant = _grant(store, 100_000, offer_ids=[], committed_on=date(2026, 3, 1))
    (_, mine) = ledger_report(store, date(2026, 3, 31))["grants"]
    assert mine["realised"]["places"] == 0
    assert link_offers(store, grant, ["o2"]) == ["o2"]
    (_, mine) = ledger_report(store, date(2026, 3, 31))["grants"]
    # o2 existed before 1 March with 10 places and still has 10: nothing new; A's volunteers unchanged in March
    assert mine["realised"] == {"offers": 0, "places": 0, "volunteers": 0, "companions": 0}
    assert mine["cost_per_place"] is None
    with pytest.raises(InvalidRecord):
        link_offers(store, grant, ["nope"])
    with pytest.raises(NotFound):
        link_offers(store, "nope", [])


def test_dates_out_of_the_ledgers_range_are_refused_by_field(store: Store) -> None:
    """A grant committed in year 1 used to be stored, and every ledger report after it
    failed (the day before the commitment is out of range)."""
    ids = build_history(store)
    with pytest.raises(InvalidRecord) as bad:
        _grant(store, 10, committed_on=date(1, 1, 1))
    assert set(bad.value.errors) == {"committed_on"}
    with pytest.raises(InvalidRecord) as bad:
        add_payment(store, ids["G1"], paid_on=date(9999, 12, 31), amount_ore=1, actor="t")
    assert set(bad.value.errors) == {"paid_on"}
    with pytest.raises(InvalidRecord) as bad:
        set_fund(store, name="P", total_ore=to_ore(2_000_000), period_start=date(1, 1, 1), period_end=None, actor="t")
    assert set(bad.value.errors) == {"period_start"}
    assert ledger_report(store, date(2026, 3, 31))["committed_ore"] == 20_000_000


def test_a_fund_below_the_commitments_names_the_total(store: Store) -> None:
    build_history(store)
    with pytest.raises(FundExceeded) as refused:
        set_fund(store, name="P", total_ore=to_ore(100_000), period_start=None, period_end=None, actor="t")
    assert refused.value.field == "total_dkk"
