"""Who an offer is for: the vocabulary, the schema field, the store's extensions."""

from __future__ import annotations

import io

import pytest
from marshmallow import ValidationError

from catalogue.audience import CONDITION_PREFIX, WITH_CONDITION, AudienceVocabulary
from catalogue.errors import InvalidRecord
from catalogue.formats import read_text, write_offers
from catalogue.schemas import OfferSchema, flatten_errors
from catalogue.store import Store
from tests.conftest import make_offer

VOCAB = AudienceVocabulary.default()


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("seniors", "seniors"),
        ("Seniorer", "seniors"),
        (" SENIORER ", "seniors"),
        ("ældre", "seniors"),
        ("aeldre", "seniors"),  # spelled without æ
        ("60+", "seniors"),
        ("Pårørende", "relatives"),
        ("paaroerende", "relatives"),
        ("Efterladte", "bereaved"),
        ("sørgende", "bereaved"),
        ("Nye i Danmark", "newcomers"),
        ("Nydanskere", "newcomers"),
        ("Unge", "young_people"),
        ("Småbørnsforældre", "parents_small_children"),
        ("Mænd", "men"),
        ("Kvinder", "women"),
        ("Demens", "condition:dementia"),
        ("dementia", "condition:dementia"),
        ("condition:dementia", "condition:dementia"),
        ("Mennesker med demens", "condition:dementia"),
        ("people with cancer", "condition:cancer"),
        ("Kroniske smerter", "condition:chronic_pain"),
        ("Hørehæmmede", "condition:hearing_loss"),
        ("people_with_condition", WITH_CONDITION),
    ],
)
def test_parse_reads_codes_labels_and_synonyms(written: str, code: str) -> None:
    assert VOCAB.parse(written) == code


@pytest.mark.parametrize(
    "written", ["Alle", "børn", "forældre", "Mennesker med pårørende", "", "Fællesskab", "x" * 300]
)
def test_parse_never_guesses(written: str) -> None:
    assert VOCAB.parse(written) is None


def test_every_code_has_a_danish_label_and_parses_to_itself() -> None:
    codes = VOCAB.codes()
    assert len(codes) == len(set(codes))
    for code in codes:
        assert VOCAB.parse(code) == code
        assert VOCAB.label(code) != code
    assert VOCAB.label("condition:dementia") == "Demens" and VOCAB.label("relatives") == "Pårørende"


def test_canonical_adds_the_condition_group_and_sorts() -> None:
    assert VOCAB.canonical(["seniors", "condition:cancer", "seniors"]) == [
        "condition:cancer",
        WITH_CONDITION,
        "seniors",
    ]
    assert VOCAB.canonical([]) == []


def test_schema_stores_codes_from_labels() -> None:
    offer = OfferSchema().load(make_offer(audience=["Seniorer", "Mennesker med demens", "seniors"]))
    assert offer["audience"] == ["condition:dementia", WITH_CONDITION, "seniors"]
    assert OfferSchema().load(make_offer())["audience"] == []  # not given: for everyone


@pytest.mark.parametrize(
    ("audience", "fragment"),
    [
        (["seniors", "teenagers_on_mars"], "Unknown audience: teenagers_on_mars"),
        (["condition:flu"], "Unknown audience: condition:flu"),
        ([7], "Not a valid string"),
        ("seniors", "Not a valid list"),
    ],
)
def test_schema_names_the_field_for_unknown_codes(audience: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as exc:
        OfferSchema().load(make_offer(audience=audience))
    errors = flatten_errors(exc.value.messages)
    assert any(k == "audience" or k.startswith("audience.") for k in errors), errors
    assert fragment in str(errors)


def test_store_keeps_audience_and_extends_the_vocabulary(store: Store) -> None:
    report = store.import_offers([make_offer("a", audience=["Pårørende", "Demens"])], actor="t")
    assert report.committed, report.to_dict()
    assert store.get_offer("a")["audience"] == ["condition:dementia", WITH_CONDITION, "relatives"]

    refused = store.import_offers([make_offer("b", audience=["Bedsteforældre"])], actor="t")
    assert not refused.ok and "audience" in str(refused.to_dict())

    store.add_audience("grandparents", "Bedsteforældre", ["bedster"], actor="t")
    store.add_audience(CONDITION_PREFIX + "tinnitus", "Tinnitus", actor="t")
    vocab = store.audiences()
    assert vocab.parse("bedster") == "grandparents" and vocab.label("condition:tinnitus") == "Tinnitus"
    report = store.import_offers([make_offer("b", audience=["Bedsteforældre", "Tinnitus"])], actor="t")
    assert report.committed, report.to_dict()
    assert store.get_offer("b")["audience"] == ["condition:tinnitus", "grandparents", WITH_CONDITION]
    assert [e["action"] for e in store.history("audience", "grandparents")] == ["create"]


@pytest.mark.parametrize(("code", "label", "field"), [("Bad Code", "X", "code"), ("ok_code", " ", "label_da")])
def test_add_audience_refuses_bad_terms(sqlite_store: Store, code: str, label: str, field: str) -> None:
    with pytest.raises(InvalidRecord) as exc:
        sqlite_store.add_audience(code, label, actor="t")
    assert field in exc.value.errors


def test_csv_reads_danish_labels_and_writes_codes(sqlite_store: Store) -> None:
    text = (
        "id;kind;title;organisation.name;categories;location.town;audience\n"
        "k1;activity;Pårørendecafé;Demensforeningen;samtale;Grenaa;Pårørende, Demens\n"
        "k2;activity;Åben sang;Koret;sang;Grenaa;\n"
    )
    report = sqlite_store.import_offers(read_text(text, "csv").records, actor="t")
    assert report.committed, report.to_dict()
    assert sqlite_store.get_offer("k1")["audience"] == ["condition:dementia", WITH_CONDITION, "relatives"]
    assert sqlite_store.get_offer("k2")["audience"] == []
    buf = io.StringIO()
    write_offers([sqlite_store.get_offer("k1")], "csv", buf)
    assert "condition:dementia;people_with_condition;relatives" in buf.getvalue()
