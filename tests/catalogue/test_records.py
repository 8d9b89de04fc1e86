"""The typed record shapes name exactly the keys the schemas load and the store returns."""

from __future__ import annotations

from typing import get_type_hints

from catalogue.records import (
    CapacityEventRecord,
    ContactRecord,
    CostRecord,
    LocationRecord,
    OfferDraft,
    OfferRecord,
    OrganisationDraft,
    OrganisationRecord,
    ScheduleRecord,
    SlotRecord,
)
from catalogue.schemas import OfferSchema, OrganisationSchema
from catalogue.store import Store
from tests.conftest import make_offer

META = {"created_at", "updated_at", "updated_by", "version"}


def keys(record_type: type) -> set[str]:
    return set(get_type_hints(record_type))


def test_schema_load_has_the_draft_shapes() -> None:
    offer = OfferSchema().load(make_offer("a", contact={"email": "kor@example.dk"}))
    assert set(offer) == keys(OfferDraft)
    assert set(offer["organisation"]) == keys(OrganisationDraft)
    assert set(offer["location"]) == keys(LocationRecord)
    assert set(offer["schedule"]) == keys(ScheduleRecord)
    # A slot's recurrence keys are NotRequired (present only when not "every week").
    assert {"weekday", "start", "end"} <= set(offer["schedule"]["slots"][0]) <= keys(SlotRecord)
    assert set(offer["cost"]) == keys(CostRecord)
    assert set(offer["contact"]) == keys(ContactRecord)
    assert set(OrganisationSchema().load({"name": "Kor"})) == keys(OrganisationDraft)


def test_store_returns_the_record_shapes(sqlite_store: Store) -> None:
    sqlite_store.import_offers([make_offer("a")], actor="x")
    offer = sqlite_store.get_offer("a")
    assert set(offer) == keys(OfferRecord)
    assert keys(OfferRecord) == keys(OfferDraft) | META
    assert set(offer["organisation"]) == keys(OrganisationRecord) - META == keys(OrganisationDraft)
    assert set(sqlite_store.get_organisation("org-test-kor")) == keys(OrganisationRecord)
    assert set(sqlite_store.capacity_events()[0]) == keys(CapacityEventRecord)
