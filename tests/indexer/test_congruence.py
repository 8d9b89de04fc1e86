"""The two backends answer alike on the demo catalogue (qdrant-client style).

The same documents (same embeddings) go into both; 30 fixed queries, each
under the filter of a realistic match request, must give:

- the same filtered candidate set (counts, and every document the vector
  search can reach): exactly;
- top-10 overlap of lexical candidates: at least 8 of 10;
- top-10 overlap of vector candidates: at least 9 of 10.

Where the engines may differ, and why (also in the README):
- BM25 IDF: Lucene uses log(1 + (N - n + 0.5) / (n + 0.5)); SQLite FTS5 uses
  log((N - n + 0.5) / (n + 0.5)), floored near zero for terms in more than
  half the documents. Multi-term queries can weigh their terms differently.
- Lucene stores document lengths in one lossy byte; FTS5 stores them exactly.
- Terms: none. Both index the terms of :mod:`indexer.analysis` (stop words,
  protected stems, compounds split); Elasticsearch receives them pre-analysed.
- kNN: Elasticsearch's HNSW is approximate on a real cluster (noida-db is
  exact); scores agree to about 1e-6 otherwise, so only near-ties may swap.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from catalogue.store import Store
from indexer.embedded import EmbeddedBackend
from indexer.embedder import Embedder
from indexer.es_backend import ElasticsearchBackend
from indexer.filters import SearchFilter
from indexer.sync import Indexer
from matcher.request import MatchRequestSchema
from matcher.rules import as_filter, hard_rules
from tests.indexer.es_server import delete_indices, unique_prefix

pytestmark = [pytest.mark.integration, pytest.mark.model]

TODAY = date(2026, 11, 22)
LEXICAL_MIN_OVERLAP = 8
VECTOR_MIN_OVERLAP = 9

QUERIES: list[dict[str, Any]] = [
    {
        "interests": "Savner at komme ud blandt andre efter min mand døde. Har altid holdt af at synge og gå ture.",
        "age": 72,
        "location": {"town": "Auning"},
    },
    {"interests": "synge i kor", "location": {"town": "Grenaa"}},
    {"interests": "gåtur i naturen", "location": {"town": "Grenaa"}, "barriers": ["no_car"]},
    {"interests": "strikke og hækle, kaffe og snak", "age": 80, "location": {"town": "Ørum Djurs"}},
    {"interests": "kortspil bridge whist", "location": {"town": "Allingåbro"}, "max_distance_km": 30},
    {"interests": "svømning vinterbadning havet", "location": {"town": "Grenaa"}, "barriers": ["low_income"]},
    {"interests": "træværksted, vil gerne bruge hænderne", "age": 67, "location": {"town": "Trustrup"}},
    {"interests": "sorggruppe efter tab af ægtefælle", "location": {"town": "Grenaa"}, "barriers": ["daytime_only"]},
    {
        "interests": "angst, svært ved store grupper, vil gerne ud i naturen",
        "age": 24,
        "location": {"town": "Grenaa"},
        "barriers": ["social_anxiety"],
    },
    {
        "interests": "I would like to meet people and practise my Danish",
        "location": {"town": "Grenaa"},
        "barriers": ["non_danish_speaker"],
        "language": "en",
    },
    {"interests": "hjælp til computer og MitID", "age": 78, "location": {"town": "Auning"}},
    {"interests": "frivilligt arbejde, vil gerne gøre noget nyttigt", "age": 66, "location": {"town": "Glesborg"}},
    {"interests": "dans, linedance, folkedans", "location": {"town": "Ørsted"}, "barriers": ["evenings_only"]},
    {"interests": "madlavning og fællesspisning", "location": {"town": "Vivild"}, "barriers": ["no_car", "low_income"]},
    {"interests": "fugle og natur", "location": {"town": "Gjerrild"}, "max_distance_km": 15},
    {"interests": "have og planter, køkkenhave", "location": {"town": "Grenaa"}},
    {"interests": "hunde, gåture med hund", "location": {"town": "Grenaa"}},
    {
        "interests": "foredrag og lokalhistorie",
        "age": 75,
        "location": {"town": "Grenaa"},
        "barriers": ["hearing_impaired"],
    },
    {"interests": "kirke og fællesskab", "location": {"town": "Glesborg"}, "barriers": ["wheelchair_user"]},
    {
        "interests": "motion for seniorer, stolegymnastik",
        "age": 85,
        "location": {"town": "Grenaa"},
        "barriers": ["wheelchair_user", "no_car"],
    },
    {
        "interests": "besøgsven, nogen at snakke med",
        "age": 88,
        "location": {"town": "Auning"},
        "barriers": ["needs_companion"],
    },
    {"interests": "musik og guitar", "age": 19, "location": {"town": "Grenaa"}},
    {"interests": "skak", "location": {"town": "Anholt"}},
    {
        "interests": "kajak og roning",
        "location": {"town": "Grenaa"},
        "availability": [{"weekday": 6, "start": "09:00", "end": "13:00"}],
    },
    {"interests": "maling og tegning", "location": {"town": "Grenaa"}, "kinds": ["activity"]},
    {"interests": "støttegruppe depression", "location": {"town": "Grenaa"}, "categories": ["støttegruppe", "samtale"]},
    {"interests": "telefonven", "age": 90, "location": {"postcode": "8961"}},
    {"interests": "petanque krolf", "age": 70, "location": {"lat": 56.43, "lon": 10.61}},
    {"interests": "mænd der mødes og laver noget sammen", "age": 71, "location": {"town": "Grenaa"}},
    {"interests": "ensom", "location": {"town": "Grenaa"}, "max_distance_km": 50},
]


@pytest.fixture(scope="module")
def engines(
    demo_store: Store,
    demo_embedded: EmbeddedBackend,
    real_embedder: Embedder,
    elasticsearch_url: str,
    es_index_prefix: str,
) -> Iterator[tuple[EmbeddedBackend, ElasticsearchBackend]]:
    es = ElasticsearchBackend(elasticsearch_url, prefix=unique_prefix(es_index_prefix), dim=384)
    report = Indexer(demo_store, es, real_embedder, progress=False).rebuild()
    assert report.embedded == 0  # same embeddings as the embedded engine, from the cache
    yield demo_embedded, es
    es.close()
    delete_indices(elasticsearch_url, f"{es.prefix}-*")


def _cases(store: Any) -> list[tuple[str, SearchFilter]]:
    schema = MatchRequestSchema(known_categories=set(store.categories()))
    out = []
    for raw in QUERIES:
        req = schema.load(raw)
        out.append((req.interests, as_filter(hard_rules(req, TODAY))))
    return out


def test_thirty_queries(
    demo_store: Store, engines: tuple[EmbeddedBackend, ElasticsearchBackend], real_embedder: Embedder
) -> None:
    embedded, es = engines
    assert embedded.count() == es.count() == demo_store.counts()["offers"]
    cases = _cases(demo_store)
    assert len(cases) == 30
    lexical_overlaps, vector_overlaps = [], []
    for text, flt in cases:
        assert embedded.count(flt) == es.count(flt), text
        vec = real_embedder.embed_query(text)
        every = embedded.count() + 10
        assert {c.id for c in embedded.vector_candidates(vec, flt, k=every)} == {
            c.id for c in es.vector_candidates(vec, flt, k=every)
        }, text
        top_e = [c.id for c in embedded.vector_candidates(vec, flt, k=10)]
        top_s = [c.id for c in es.vector_candidates(vec, flt, k=10)]
        vector_overlaps.append(len(set(top_e) & set(top_s)))
        assert vector_overlaps[-1] >= min(VECTOR_MIN_OVERLAP, len(top_e)), (text, top_e, top_s)
        lex_e = [c.id for c in embedded.lexical_candidates(text, flt, k=10)]
        lex_s = [c.id for c in es.lexical_candidates(text, flt, k=10)]
        lexical_overlaps.append(len(set(lex_e) & set(lex_s)))
        assert lexical_overlaps[-1] >= min(LEXICAL_MIN_OVERLAP, len(lex_e), len(lex_s)), (text, lex_e, lex_s)
        assert abs(len(lex_e) - len(lex_s)) <= 2, (text, lex_e, lex_s)
    print(f"mean top-10 overlap: lexical {sum(lexical_overlaps) / 30:.2f}, vector {sum(vector_overlaps) / 30:.2f}")


@pytest.mark.parametrize(
    "text",
    ["mandskor", "kirkekor seniorkor", "krolfbane", "strikkeklub", "Hun savner sin have", "Han savner havet"],
)
def test_danish_field_cases_agree(engines: tuple[EmbeddedBackend, ElasticsearchBackend], text: str) -> None:
    """Compounds, the garden and the sea: both engines split and stem alike, so the same offers lead."""
    embedded, es = engines
    lex_e = [c.id for c in embedded.lexical_candidates(text, k=10)]
    lex_s = [c.id for c in es.lexical_candidates(text, k=10)]
    assert lex_e and lex_e[0] == lex_s[0], (text, lex_e, lex_s)
    assert len(set(lex_e) & set(lex_s)) >= min(LEXICAL_MIN_OVERLAP, len(lex_e)), (text, lex_e, lex_s)
