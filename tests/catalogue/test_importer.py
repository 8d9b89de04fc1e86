"""Importing files into the store (catalogue.importer), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from catalogue.importer import MAX_REJECTIONS_LISTED, ImportReport, RawRecord, Rejection, validate_records
from catalogue.models import AuditEvent
from catalogue.schemas import OfferSchema
from catalogue.store import Store
from tests.conftest import make_offer


def _dump(store: Store) -> list[dict[str, object]]:
    offers, _ = store.list_offers()
    return offers


def _audit_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_import_creates_offers_and_organisations(store: Store) -> None:
    report = store.import_offers([make_offer("a"), make_offer("b", title="Gåtur")], actor="tester")
    assert report.committed and report.ok
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.organisations_created == 1
    offer = store.get_offer("a")
    assert offer["organisation"]["name"] == "Testkoret"
    assert offer["categories"] == ["sang", "musik"]
    assert offer["version"] == 1 and offer["updated_by"] == "tester"
    assert offer["created_at"].tzinfo is not None


def test_reimport_is_idempotent(store: Store) -> None:
    records = [make_offer("a"), make_offer("b", categories=["motion"], organisation={"name": "Gåklubben"})]
    store.import_offers(records, actor="one")
    before, audits = _dump(store), _audit_count(store)
    report = store.import_offers(records, actor="two")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert report.organisations_created == report.organisations_updated == 0
    assert _dump(store) == before
    assert _audit_count(store) == audits


def test_reimport_with_a_change_updates_and_audits(store: Store) -> None:
    store.import_offers([make_offer("a")], actor="one")
    report = store.import_offers([make_offer("a", places_available=2)], actor="two")
    assert report.updated == 1
    offer = store.get_offer("a")
    assert offer["places_available"] == 2 and offer["version"] == 2 and offer["updated_by"] == "two"
    history = store.history("offer", "a")
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["actor"] == "two"
    assert history[1]["changes"] == {"places_available": [5, 2]}


def test_bad_record_means_nothing_is_written(store: Store) -> None:
    bad = make_offer("bad", title="  ", categories=["sang", "strikning"])
    report = store.import_offers([make_offer("a"), bad, make_offer("c")], actor="x")
    assert not report.committed
    assert [r.record for r in report.rejected] == [2]
    assert set(report.rejected[0].errors) == {"title", "categories"}
    assert "strikning" in report.rejected[0].errors["categories"][0]
    assert _dump(store) == [] and _audit_count(store) == 0


def test_skip_invalid_writes_the_valid_records_only(store: Store) -> None:
    bad = make_offer("bad", cost={"amount_dkk": -5, "per": "gang"})
    report = store.import_offers([make_offer("a"), bad], actor="x", skip_invalid=True)
    assert report.committed and report.created == 1
    assert report.rejected[0].errors == {"cost.options.0.amount": ["Cost must be between 0 and 100000."]}
    assert [o["id"] for o in _dump(store)] == ["a"]


def test_dry_run_writes_nothing(store: Store) -> None:
    report = store.import_offers([make_offer("a")], actor="x", dry_run=True)
    assert report.created == 1 and not report.committed
    assert _dump(store) == []


def test_duplicate_ids_in_one_file_are_rejected(store: Store) -> None:
    report = store.import_offers([make_offer("a"), make_offer("a", title="Andet")], actor="x")
    assert not report.committed
    assert report.rejected[0].record == 2
    assert "also record 1" in report.rejected[0].errors["id"][0]


def test_missing_id_is_rejected_for_import(store: Store) -> None:
    rec = make_offer()
    del rec["id"]
    report = store.import_offers([RawRecord(rec, line=7)], actor="x")
    assert report.rejected[0].line == 7 and "id" in report.rejected[0].errors


def test_conflicting_organisation_in_one_file(store: Store) -> None:
    org2 = {"id": "org-test-kor", "name": "Et andet navn", "type": "association"}
    report = store.import_offers([make_offer("a"), make_offer("b", organisation=org2)], actor="x")
    assert "organisation.name" in report.rejected[0].errors


def test_new_categories_from_the_file_extend_the_taxonomy(store: Store) -> None:
    report = store.import_offers(
        [make_offer("a", categories=["fiskeri"])], actor="x", categories={"fiskeri": "Fiskeri"}
    )
    assert report.committed
    assert store.categories()["fiskeri"] == "Fiskeri"


BAD_CATEGORIES = {
    "Fiske Ri": "Fiskeri",  # upper case and a space
    "x" * 51: "For lang kode",
    "-formel": "Starter med minus",
    "strik": "<script>alert(1)</script>",
    "ost": "o" * 101,
    "tom": "  ",
}


def test_category_extensions_are_validated_alike_in_dry_and_real_runs(store: Store) -> None:
    offers = [make_offer("a", categories=["fiskeri"]), make_offer("b", categories=["strik"])]
    categories = {"fiskeri": "Fiskeri", "2-hånd_genbrug": "Genbrug", **BAD_CATEGORIES}
    reports = [
        store.import_offers(offers, actor="x", categories=categories, dry_run=dry_run).to_dict()
        for dry_run in (True, False)
    ]
    assert {k: v for k, v in reports[0].items() if k != "dry_run"} == {
        k: v for k, v in reports[1].items() if k != "dry_run"
    }
    report = reports[1]
    assert report["committed"] is False and report["rejected_total"] == len(BAD_CATEGORIES) + 1
    file_errors = {f: m for r in report["rejected"] if r["record"] == 0 for f, m in r["errors"].items()}
    assert set(file_errors) == {
        "categories.Fiske Ri",
        f"categories.{'x' * 51}",
        "categories.-formel",
        "categories.strik.label_da",
        "categories.ost.label_da",
        "categories.tom.label_da",
    }
    assert file_errors["categories.strik.label_da"] == ["Must not contain < or > (no markup)."]
    assert file_errors["categories.ost.label_da"] == ["At most 100 characters."]
    record_b = next(r for r in report["rejected"] if r["record"] == 2)
    assert record_b["errors"]["categories"][0].startswith("Unknown category: strik")
    assert "strik" not in store.categories() and "fiskeri" not in store.categories()
    skipped = store.import_offers(offers, actor="x", categories=categories, skip_invalid=True)
    assert skipped.committed and skipped.created == 1
    assert store.categories()["2-hånd_genbrug"] == "Genbrug" and "strik" not in store.categories()


def test_dry_run_counts_updates_and_unchanged(store: Store) -> None:
    store.import_offers([make_offer("a"), make_offer("b")], actor="x")
    report = store.import_offers(
        [make_offer("a"), make_offer("b", places_available=1), make_offer("c")], actor="x", dry_run=True
    )
    assert (report.created, report.updated, report.unchanged, report.committed) == (1, 1, 1, False)
    assert store.get_offer("b")["places_available"] == 5


def test_validate_records_without_a_store() -> None:
    raws = [
        RawRecord(make_offer("a"), line=2),
        RawRecord(["not", "an", "object"], line=3),  # type: ignore[arg-type]
        RawRecord(make_offer("a", title="Igen"), line=4),
        RawRecord(make_offer("b", languages=["dansk"]), line=5),
    ]
    valid, rejected = validate_records(raws, OfferSchema())
    assert [(offer["id"], sorted(provided)) for offer, provided in valid] == [
        ("a", ["name", "type"]),
        ("b", ["name", "type"]),
    ]
    assert valid[1][0]["languages"] == ["da"]
    assert rejected == [
        Rejection(2, 3, None, {"_record": ["A record must be an object."]}),
        Rejection(3, 4, "a", {"id": ["Duplicate id 'a': also record 1."]}),
    ]


def test_report_summary_and_dict() -> None:
    report = ImportReport(source="tilbud.csv", total=3, created=1, unchanged=1, organisations_created=1)
    report.reject([Rejection(2, 3, "b", {"title": ["Must not be blank."]})])
    assert not report.ok
    assert report.summary() == (
        "tilbud.csv: 3 records, 1 created, 0 updated, 1 unchanged, 1 rejected; "
        "organisations 1 created, 0 updated (NOTHING WRITTEN)"
    )
    assert report.to_dict()["rejected"] == [
        {"record": 2, "line": 3, "id": "b", "errors": {"title": ["Must not be blank."]}}
    ]
    assert report.to_dict()["rejected_total"] == 1
    assert ImportReport(source="x", dry_run=True).summary().endswith("(dry run, nothing written)")


def test_a_report_lists_the_first_rejections_and_counts_the_rest(store: Store) -> None:
    bad = [make_offer(f"o{n}", title="") for n in range(MAX_REJECTIONS_LISTED + 5)]
    for dry_run in (True, False):
        report = store.import_offers([make_offer("good"), *bad], actor="t", dry_run=dry_run)
        assert report.rejected_total == MAX_REJECTIONS_LISTED + 5 and not report.ok
        assert [r.record for r in report.rejected] == list(range(2, MAX_REJECTIONS_LISTED + 2))
        assert report.to_dict()["rejected_total"] == MAX_REJECTIONS_LISTED + 5
        assert f"{MAX_REJECTIONS_LISTED + 5} rejected (the first {MAX_REJECTIONS_LISTED} listed)" in report.summary()
    assert _dump(store) == []


def test_out_of_range_numbers_and_non_text_are_refused_alike_in_dry_and_real_runs(store: Store) -> None:
    offers = [
        make_offer("a", places_total=2**31, places_available=None),
        make_offer("b", title="Kor\x00"),
        make_offer("c", description="\ud800"),
        make_offer("d"),
    ]
    dry, real = (store.import_offers(offers, actor="x", dry_run=d).to_dict() for d in (True, False))
    assert dry["rejected"] == real["rejected"] and real["committed"] is False
    assert [(r["record"], list(r["errors"])) for r in real["rejected"]] == [
        (1, ["places_total"]),
        (2, ["title"]),
        (3, ["description"]),
    ]
    skipped = store.import_offers(offers, actor="x", skip_invalid=True)  # no database error on PostgreSQL either
    assert skipped.committed and skipped.created == 1


def test_one_association_spelled_two_ways_stays_one(store: Store) -> None:
    def rec(offer_id: str, org_name: str, town: str) -> dict[str, object]:
        return make_offer(offer_id, organisation={"name": org_name, "type": "association"}, location={"town": town})

    first = store.import_offers([rec("o1", "Grenaa Sangforening", "Grenaa")], actor="t")
    assert first.organisations_created == 1
    # another file, another spelling of the same name and town: no second association
    second = store.import_offers(
        [rec("o2", "Grenå Sangforening", "Grenå"), rec("o3", "GRENAA-SANGFORENING ", "grenaa")], actor="t"
    )
    assert second.committed and second.organisations_created == 0, second.to_dict()
    orgs, total = store.list_organisations()
    assert total == 1
    offers = [store.get_offer(i) for i in ("o1", "o2", "o3")]
    assert {o["organisation"]["id"] for o in offers} == {orgs[0]["id"]}
    assert {o["location"]["town"] for o in offers} == {"Grenaa"}  # the gazetteer's name is stored


def test_a_village_known_by_name_only_is_stored_without_a_point_and_warned(store: Store) -> None:
    """Homå is known (gazetteer_SOURCES.md, "Names without a point") but its position is not: the
    record keeps the gazetteer's name, no point (never the postcode's town's), and the report says so."""
    from catalogue.messages import danish, explain

    village = make_offer(
        "v-1",
        location={"address": "Damkærvej 21", "postcode": "8500", "town": "Homaa"},
        other_locations=[{"town": "Alboege"}, {"town": "Grenaa"}],
    )
    report = store.import_offers([make_offer("a"), village], actor="tester")
    assert report.committed and report.ok and report.created == 2
    offer = store.get_offer("v-1")
    assert offer["location"]["town"] == "Homå" and offer["location"]["postcode"] == "8500"
    assert (offer["location"]["lat"], offer["location"]["lon"]) == (None, None)
    albooge, grenaa = offer["other_locations"]
    assert (albooge["town"], albooge["lat"], albooge["postcode"]) == ("Albøge", None, None)
    assert grenaa["town"] == "Grenaa" and grenaa["lat"] is not None
    assert len(report.warnings) == 2, report.warnings
    first = explain(report.warnings[0])
    assert first is not None and first.code == "warning.record" and first.params["pos"] == "2"
    assert "Homå" in report.warnings[0] and "Albøge" in report.warnings[1]
    assert danish(report.warnings[0]).startswith("Post 2 (v-1): byen Homå kendes, men ikke hvor den ligger")
    assert store.get_offer("a")["location"]["lat"] is not None


def test_a_csv_row_naming_a_village_without_a_point(store: Store) -> None:
    from catalogue.formats import CSV_DELIMITER, read_text

    columns = ["id", "kind", "title", "organisation.name", "categories", "location.town"]
    row = ["v-2", "activity", "Strikkecafé", "Strikkerne", "kreativ", "Tørslev"]
    parsed = read_text("\n".join(CSV_DELIMITER.join(r) for r in (columns, row)) + "\n", "csv")
    report = store.import_offers(parsed.records, actor="tester", dry_run=True)
    assert report.ok and report.created == 1
    assert report.warnings == [
        "record 1 (v-2): town Tørslev is known, but not where it lies: stored without a point, "
        "so distance cannot be used for it"
    ]
