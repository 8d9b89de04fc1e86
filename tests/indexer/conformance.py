"""One conformance suite for every search backend, as capability mixins.

A backend's test class inherits the mixins and overrides one fixture,
``backend``: a factory-made, empty, freshly built backend. The expected
answers come from :func:`indexer.filters.matches` (the reference meaning of a
filter) and from the documents themselves, never from another backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from itertools import pairwise
from typing import Any

import numpy as np
import pytest

from catalogue.schemas import OfferSchema
from indexer.backend import Candidate, IndexingError, IndexNotFoundError, SearchBackend
from indexer.documents import SearchDocument, build_document
from indexer.filters import (
    AnyOf,
    Flag,
    GeoDistance,
    InvalidFilterError,
    Not,
    Range,
    SearchFilter,
    Term,
    matches,
)
from tests.conftest import make_offer

DIM = 384
GRENAA = (56.4158, 10.8778)

_TOWNS = [
    {"town": "Grenaa", "address": "Torvet 3"},
    {"town": "Auning", "address": "Østergade 2"},
    {"town": "Ørum Djurs", "address": "Skolevej 1"},
    {"town": "Glesborg"},
    {"town": "Anholt"},
    {"online": True},
]
_TITLES = [
    ("Seniorkor", "Vi synger sammen hver uge og drikker kaffe bagefter.", ["sang", "musik"]),
    ("Gåtur ved stranden", "En rolig gåtur langs vandet for alle, der vil røre sig.", ["motion", "natur"]),
    ("Strikkecafé", "Strik og snak. Tag dit eget garn med, vi har kaffe.", ["kreativ", "samtale"]),
    ("Bridge for begyndere", "Lær kortspillet bridge i hyggeligt selskab.", ["spil", "læring"]),
    ("Sprogcafé", "Snak dansk med frivillige. For nye danskere.", ["samtale", "læring"]),
    (
        "Sorggruppe",
        "For dig, der har mistet en ægtefælle. Vi taler sammen i en lille gruppe.",
        ["sorg", "støttegruppe"],
    ),
    ("Vinterbadning", "Vi bader i havet hele vinteren og varmer os i saunaen.", ["vand", "motion"]),
    ("Mænd der laver mad", "Vi laver mad sammen og spiser bagefter.", ["mad", "samtale"]),
]


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def corpus(n: int = 48) -> list[SearchDocument]:
    """A varied, deterministic set of documents touching every filter field."""
    docs: list[SearchDocument] = []
    for i in range(n):
        title, desc, cats = _TITLES[i % len(_TITLES)]
        loc = _TOWNS[i % len(_TOWNS)]
        slots = [{"weekday": 1 + i % 7, "start": f"{9 + (i * 3) % 12:02d}:00", "end": f"{10 + (i * 3) % 12:02d}:30"}]
        offer = make_offer(
            f"doc-{i:03d}",
            title=f"{title} {i}",
            description=desc,
            kind=["activity", "volunteer_service", "municipal_service"][i % 3],
            categories=cats,
            organisation={"id": f"org-{i % 5}", "name": f"Forening {i % 5}", "type": "association"},
            location=loc,
            # a few offers meet at further places too: distance filters match any of them
            other_locations=[[], [{"town": "Grenaa", "address": "Lillegade 4"}], [], [{"lat": 56.27, "lon": 10.41}]][
                i % 4
            ]
            if i % 3 == 1
            else [],
            schedule={
                "slots": [] if i % 11 == 0 else slots,
                "valid_to": ["2026-05-31", None, "2027-03-31"][i % 3] if i % 4 == 1 else None,
            },
            cost=_cost(i),
            accessibility=[["wheelchair"], ["step_free", "hearing_loop"], [], ["near_public_transport"]][i % 4],
            languages=[["da"], ["da", "en"], ["da", "ar", "uk"]][i % 3],
            audience=[[], ["seniors"], ["relatives", "condition:dementia"], ["young_people", "women"], []][i % 5],
            age_min=[None, 18, 60, 8][i % 4],
            age_max=[None, None, None, 17][i % 4],
            group_size=["small", "medium", "large", None][i % 4],
            newcomers_welcome=i % 2 == 0,
            companion_available=i % 3 == 0,
            transport_offered=i % 5 == 0,
            places_total=20,
            places_available=[0, 5, 20][i % 3],
            status=["active", "active", "active", "paused", "ended"][i % 5],
            last_verified=["2024-03-01", "2025-11-01", "2026-10-01"][i % 3],
        )
        doc = build_document(OfferSchema().load(offer))
        doc.embedding = _vector(i)
        docs.append(doc)
    return docs


def _cost(i: int) -> dict[str, Any] | None:
    """Prices of every kind: one option, two options summed, and unknown (no monthly cost)."""
    if i % 7 == 6:
        return None
    if i % 7 == 3:
        return {"options": [{"amount": 10, "per": "gang"}, {"amount": 1800, "per": "år"}]}
    return {"amount_dkk": [0, 25, 150, 400][i % 4], "per": ["gang", "gang", "år", "sæson"][i % 4]}


FILTERS: dict[str, SearchFilter] = {
    "none": SearchFilter(),
    "status": SearchFilter.of(Term("status", ("active",))),
    "kinds": SearchFilter.of(Term("kind", ("activity", "municipal_service"))),
    "category": SearchFilter.of(Term("categories", ("sang", "vand"))),
    "language": SearchFilter.of(Term("languages", ("ar",))),
    "audience": SearchFilter.of(Term("audience", ("seniors", "people_with_condition"))),
    "audience_or_everyone": SearchFilter.of(AnyOf((Term("audience", ("women",)), Flag("for_everyone")))),
    "not_for_women": SearchFilter.of(Not(Term("audience", ("women",)))),
    "weekday": SearchFilter.of(Term("weekdays", (2, 6))),
    "slot_hour": SearchFilter.of(Term("slot_hours", ("1-09", "3-15"))),
    "age_70": SearchFilter.of(Range("age_min", lte=70), Range("age_max", gte=70)),
    "cost": SearchFilter.of(Range("monthly_cost", lte=100)),
    "cost_band": SearchFilter.of(Range("monthly_cost", gte=10, lte=100)),
    "cost_or_unknown": SearchFilter.of(
        AnyOf((Range("monthly_cost", lte=100), Not(Range("monthly_cost", gte=-math.inf))))
    ),
    "places": SearchFilter.of(Flag("has_places")),
    "not_wheelchair": SearchFilter.of(Flag("wheelchair", False)),
    "daytime": SearchFilter.of(Flag("has_daytime_slot")),
    "evening": SearchFilter.of(Flag("has_evening_slot")),
    "by_arrangement": SearchFilter.of(Flag("by_arrangement")),
    "season_not_over": SearchFilter.of(Not(Range("valid_to", lte="2026-06-30"))),
    "verified_recently": SearchFilter.of(Range("last_verified", gte="2025-06-01")),
    "near_grenaa": SearchFilter.of(GeoDistance(*GRENAA, km=5)),
    "near_other_place_only": SearchFilter.of(GeoDistance(56.27, 10.41, km=2)),
    "near_grenaa_not_primary": SearchFilter.of(GeoDistance(*GRENAA, km=3), Not(Term("town", ("Grenaa",)))),
    "near_or_online": SearchFilter.of(AnyOf((Flag("online"), GeoDistance(*GRENAA, km=20)))),
    # matcher.rules: a document with no point at all (a village known by name only) has an unknown distance
    "near_or_no_point": SearchFilter.of(AnyOf((GeoDistance(*GRENAA, km=5), Not(GeoDistance(*GRENAA, km=math.inf))))),
    "no_car": SearchFilter.of(
        AnyOf((GeoDistance(*GRENAA, km=5), Flag("transport_offered"), Flag("near_public_transport")))
    ),
    "mainland": SearchFilter.of(Term("area", ("mainland", "online"))),
    "town_missing_or_auning": SearchFilter.of(Term("town", ("Auning", None))),
    "not_large": SearchFilter.of(Not(Term("group_size", ("large",)))),
    "not_range_keeps_missing": SearchFilter.of(Not(Range("places_available", gte=1))),
    "language_rule": SearchFilter.of(AnyOf((Term("languages", ("uk",)), Flag("language_learning")))),
    "everything": SearchFilter.of(
        Term("status", ("active",)),
        Flag("has_places"),
        Range("age_min", lte=67),
        Range("age_max", gte=67),
        AnyOf((Flag("online"), GeoDistance(*GRENAA, km=25))),
        Not(Term("area", ("anholt",))),
    ),
    "nothing": SearchFilter.of(Term("kind", ("no_such_kind",))),
}


def expected(docs: list[SearchDocument], flt: SearchFilter) -> set[str]:
    return {d.id for d in docs if matches(flt, d)}


class _Base:
    @pytest.fixture
    def backend(self) -> Iterator[SearchBackend]:
        raise NotImplementedError("each backend test class overrides this fixture")

    @pytest.fixture
    def docs(self) -> list[SearchDocument]:
        return corpus()

    @pytest.fixture
    def loaded(self, backend: SearchBackend, docs: list[SearchDocument]) -> SearchBackend:
        backend.rebuild(docs, total=len(docs))
        return backend


class WriteMixin(_Base):
    def test_upsert_then_get(self, backend: SearchBackend, docs: list[SearchDocument]) -> None:
        assert backend.upsert(docs[:5]) == 5
        assert backend.count() == 5
        assert backend.get(docs[2].id) == docs[2].to_source()

    def test_upsert_replaces(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        doc = docs[0]
        doc.title = "Helt ny titel"
        doc.text = "Helt ny titel\nHelt ny titel\nPetanque i parken"
        loaded.upsert([doc])
        assert loaded.count() == len(docs)
        assert loaded.get(doc.id)["title"] == "Helt ny titel"  # type: ignore[index]
        assert [c.id for c in loaded.lexical_candidates("petanque")] == [doc.id]

    def test_document_without_embedding_is_refused(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        doc = docs[1]
        doc.embedding = None
        with pytest.raises(IndexingError) as exc:
            loaded.upsert([doc])
        assert doc.id in exc.value.failures


class DeleteMixin(_Base):
    def test_delete(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        assert loaded.delete([docs[0].id, "no-such-id"]) == 1
        assert loaded.count() == len(docs) - 1
        assert loaded.get(docs[0].id) is None
        assert docs[0].id not in {c.id for c in loaded.vector_candidates(docs[0].embedding, k=100)}  # type: ignore[arg-type]
        assert docs[0].id not in {c.id for c in loaded.lexical_candidates(docs[0].title, k=100)}


class CountGetMixin(_Base):
    def test_count_and_get(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        assert loaded.count() == len(docs)
        assert loaded.get("no-such-id") is None
        for doc in docs[:3]:
            assert loaded.get(doc.id) == doc.to_source()

    @pytest.mark.parametrize("name", sorted(FILTERS))
    def test_count_with_filter(self, loaded: SearchBackend, docs: list[SearchDocument], name: str) -> None:
        assert loaded.count(FILTERS[name]) == len(expected(docs, FILTERS[name]))


class FilterMixin(_Base):
    @pytest.mark.parametrize("name", sorted(FILTERS))
    def test_vector_filter_semantics(self, loaded: SearchBackend, docs: list[SearchDocument], name: str) -> None:
        flt = FILTERS[name]
        got = loaded.vector_candidates(_vector(999), flt, k=len(docs) + 10)
        assert {c.id for c in got} == expected(docs, flt)

    @pytest.mark.parametrize("name", sorted(FILTERS))
    def test_lexical_filter_semantics(self, loaded: SearchBackend, docs: list[SearchDocument], name: str) -> None:
        # Every document's text names its organisation, "Forening N".
        flt = FILTERS[name]
        got = loaded.lexical_candidates("forening", flt, k=len(docs) + 10)
        assert {c.id for c in got} == expected(docs, flt)

    @pytest.mark.parametrize("name", sorted(FILTERS))
    def test_an_empty_built_index_answers_every_filter_with_nothing(self, backend: SearchBackend, name: str) -> None:
        # A new deployment builds an empty index on first start; a match must not fail on it.
        backend.rebuild(iter(()), total=0)
        flt = FILTERS[name]
        assert backend.count(flt) == 0
        assert backend.vector_candidates(_vector(1), flt, k=10) == []
        assert backend.lexical_candidates("forening", flt, k=10) == []

    def test_unknown_field_is_refused(self) -> None:
        with pytest.raises(InvalidFilterError):
            Term("colour", ("red",))
        with pytest.raises(InvalidFilterError):
            Range("kind", gte=1)


class LexicalMixin(_Base):
    def test_danish_stemming_and_case(self, loaded: SearchBackend) -> None:
        ids = {c.id for c in loaded.lexical_candidates("GÅTURE")}  # plural and upper case
        assert ids and all(loaded.get(i)["title"].startswith("Gåtur") for i in ids)  # type: ignore[index]

    def test_stop_words_alone_find_nothing(self, loaded: SearchBackend) -> None:
        assert loaded.lexical_candidates("og i det at en") == []
        assert loaded.lexical_candidates("   ") == []

    def test_terms_are_or_ed_and_ranked(self, loaded: SearchBackend) -> None:
        got = loaded.lexical_candidates("strikkecafé sorggruppe", k=100)
        titles = [loaded.get(c.id)["title"].split()[0] for c in got]  # type: ignore[index]
        # Compounds are split: "Sprogcafé" shares the part "café", below every whole-word hit.
        assert set(titles) == {"Strikkecafé", "Sorggruppe", "Sprogcafé"}
        whole = len(titles) - titles.count("Sprogcafé")
        assert set(titles[:whole]) == {"Strikkecafé", "Sorggruppe"}
        assert all(a.score >= b.score for a, b in pairwise(got))

    def test_compounds_meet_their_parts(self, loaded: SearchBackend) -> None:
        # "mandskor" (one word) reaches the "Seniorkor" documents through the part "kor".
        got = loaded.lexical_candidates("mandskor", k=100)
        assert got and {loaded.get(c.id)["title"].split()[0] for c in got} == {"Seniorkor"}  # type: ignore[index]

    def test_garden_is_not_sea(self, loaded: SearchBackend) -> None:
        # "havet" (the sea) finds winter bathing; "haven" (the garden) does not, though Snowball
        # stems both to "hav".
        sea = {loaded.get(c.id)["title"].split()[0] for c in loaded.lexical_candidates("havet", k=100)}  # type: ignore[index]
        assert sea == {"Vinterbadning"}
        assert loaded.lexical_candidates("haven", k=100) == []
        assert loaded.lexical_candidates("Hun savner sin have", k=100) == []  # "have" is searched, finds no garden

    def test_title_outranks_description(self, loaded: SearchBackend) -> None:
        # "kaffe" is in the descriptions of the choir and the knitting café; the
        # title term "seniorkor" is repeated: a title hit must score higher.
        got = loaded.lexical_candidates("seniorkor kaffe", k=100)
        assert loaded.get(got[0].id)["title"].startswith("Seniorkor")  # type: ignore[index]

    def test_k_limits(self, loaded: SearchBackend) -> None:
        assert len(loaded.lexical_candidates("forening", k=3)) == 3
        with pytest.raises(InvalidFilterError):
            loaded.lexical_candidates("forening", k=0)


class VectorMixin(_Base):
    def test_nearest_is_itself(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        got = loaded.vector_candidates(docs[7].embedding, k=5)  # type: ignore[arg-type]
        assert got[0].id == docs[7].id and got[0].score == pytest.approx(1.0, abs=1e-3)
        assert len(got) == 5 and all(a.score >= b.score for a, b in pairwise(got))

    def test_scores_are_half_cosine_plus_half(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        q = _vector(4242)
        got = loaded.vector_candidates(q, k=len(docs))
        by_id = {d.id: d for d in docs}
        for cand in got[:10]:
            cos = float(np.dot(q, by_id[cand.id].embedding))  # type: ignore[arg-type]
            assert cand.score == pytest.approx((1 + cos) / 2, abs=5e-3)
        exact = sorted(docs, key=lambda d: -float(np.dot(q, d.embedding)))  # type: ignore[arg-type]
        assert [c.id for c in got[:5]] == [d.id for d in exact[:5]]

    def test_wrong_dimension_is_refused(self, loaded: SearchBackend) -> None:
        with pytest.raises(InvalidFilterError):
            loaded.vector_candidates(np.ones(12, dtype=np.float32))


class ReindexMixin(_Base):
    def test_search_before_any_index(self, backend_factory: Callable[[], SearchBackend]) -> None:
        fresh = backend_factory()
        with pytest.raises(IndexNotFoundError):
            fresh.count()

    def test_rebuild_switches_versions(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        before = loaded.info()
        after = loaded.rebuild(docs[:10], total=10)
        assert after.version != before.version and after.name == before.name
        assert loaded.count() == 10 and loaded.info().version == after.version
        assert loaded.get(docs[20].id) is None

    def test_failed_rebuild_leaves_the_old_index_serving(
        self, loaded: SearchBackend, docs: list[SearchDocument]
    ) -> None:
        before = loaded.info()

        def broken() -> Iterator[SearchDocument]:
            yield from docs[:30]
            raise RuntimeError("the catalogue went away")

        with pytest.raises(RuntimeError):
            loaded.rebuild(broken())
        assert loaded.info().version == before.version
        assert loaded.count() == len(docs)
        assert loaded.lexical_candidates("forening", k=3)

    def test_meta_is_per_version(self, loaded: SearchBackend, docs: list[SearchDocument]) -> None:
        loaded.set_meta("synced_until", "2026-01-01T00:00:00+00:00")
        loaded.upsert(docs[:1])
        assert loaded.get_meta("synced_until") == "2026-01-01T00:00:00+00:00"
        loaded.rebuild(docs[:2])
        assert loaded.get_meta("synced_until") is None


class BackendConformance(WriteMixin, DeleteMixin, CountGetMixin, FilterMixin, LexicalMixin, VectorMixin, ReindexMixin):
    """Everything a SearchBackend must do. Override ``backend`` and ``backend_factory``."""

    @pytest.fixture
    def backend(self, backend_factory: Callable[[], SearchBackend]) -> Iterator[SearchBackend]:
        b = backend_factory()
        b.rebuild([])
        yield b
        b.close()

    @pytest.fixture
    def backend_factory(self) -> Callable[[], SearchBackend]:
        raise NotImplementedError


def ids_of(cands: list[Candidate]) -> list[str]:
    return [c.id for c in cands]


__all__: list[Any] = ["FILTERS", "BackendConformance", "corpus", "expected", "ids_of"]
