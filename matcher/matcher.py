"""Rank offers for a citizen.

1. Hard rules become one portable filter that both candidate searches apply,
   so no feasible offer is lost below a cut-off.
2. Lexical (BM25) and vector (kNN) candidates, and vector candidates within the
   inferred topics, are fused by reciprocal rank; a vague note ("Bare noget",
   :mod:`matcher.vague`) adds two rankings for an open meeting place.
3. The head of the fused list is re-scored: the fused relevance times the soft
   factors for preferences, distance, freshness, target group and situation
   (:mod:`matcher.situation`), and the topic boost. (The learned combination,
   :mod:`matcher.learned`, lost on the held-out half and is off.)
4. At most three offers per organisation in the top ten, unless nothing else fits.
5. Every result is re-checked against the rules on the store's current data,
   and explained in plain Danish.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from catalogue.geo import nearest_place
from catalogue.store import Store
from indexer.backend import Candidate, SearchBackend
from indexer.documents import SearchDocument
from indexer.embedder import Embedder
from indexer.filters import Term

from . import explain
from .barrier_phrases import suggest
from .check import violations
from .fusion import RRF_K, reciprocal_rank_fusion
from .interests import DESCRIPTIONS, Inference, expansion_terms, infer_categories, semantic_categories
from .learned import Lists, Ranker, default_ranker
from .log import record_match
from .offers import OfferCache
from .preferences import TOPICAL_DEPTH, adjust
from .ranking import combined_score, count_exclusions, distance_km, diversify, full_offers, is_weak
from .request import MatchRequest
from .response import MatchResponse, Result
from .rules import RULE_LABELS, Rule, as_filter, hard_rules
from .situation import (
    BEREAVED_FACTOR,
    CONDITION_FACTOR,
    NEWCOMER_FACTOR,
    named_conditions,
    situation_factor,
    situation_of,
)
from .vague import GENERIC_TOPICS, MEETING_PLACE_QUERY, VAGUE_RANKING_WEIGHT, is_vague

__all__ = ["Matcher", "Tuning"]

TZ = ZoneInfo("Europe/Copenhagen")
CANDIDATES = 100  # per retriever
POOL = 50  # unfiltered candidates used to count what each rule removed
COMPANION_QUERY = "ledsager følgeven gåven besøgsven brobygger følges med"


@dataclass(frozen=True)
class Tuning:
    """The matcher's knobs, chosen on the tuning half of the vignettes only
    (README, "Matcher quality"; VIGNETTES.md, "The split"). On that half, k = 20
    beats 10 and 40 by about 0.01 nDCG@10, a topic boost of 0.5 to 1.0 makes no
    difference, and the third ranking (vector search within the inferred
    topics) at weight 1.0 adds 0.017 (0.5: +0.008, 1.5: +0.003, 2.0: -0.005).
    The vague-note and situation knobs are explained, with their tuning-half
    figures, in :mod:`matcher.vague` and :mod:`matcher.situation`."""

    rrf_k: int = RRF_K
    lexical_weight: float = 1.0
    vector_weight: float = 1.0
    expand_query: bool = True  # add the labels of inferred topics to the lexical query
    category_boost: float = 0.7  # offers in an inferred topic: score x 1.7
    semantic_topics: bool = True  # infer topics by comparing with category descriptions ...
    semantic_fallback_only: bool = True  # ... only when the citizen's words name no topic
    topic_margin: float = 0.01
    topic_ranking: float = 1.0  # weight of a third ranking: vector search within the inferred topics
    preferences: bool = True  # barrier-driven soft preferences
    distance_decay: bool = True
    freshness: bool = True
    audience: bool = True  # target groups against age and gender (matcher.audience)
    vague_ranking: float = (
        VAGUE_RANKING_WEIGHT  # weight of the meeting-place rankings for a vague note (matcher.vague); 0: off
    )
    vague_near: bool = True  # a vague note weighs distance as without a car
    vague_topics: bool = True  # a vague note's topic is company (samtale), not the embedding's guess
    condition_factor: float = CONDITION_FACTOR  # an offer for a condition the note does not name (matcher.situation)
    bereaved_factor: float = BEREAVED_FACTOR  # an offer for the bereaved when the note names no loss
    newcomer_factor: float = NEWCOMER_FACTOR  # an offer for newcomers, for a Danish speaker naming no newcomer's need
    learned: bool = False  # re-rank the head with the learned combination (matcher.learned): lost on held-out
    head_depth: int = TOPICAL_DEPTH  # how many fused candidates are re-ranked


class Matcher:
    """The matching pipeline over one store, one search backend and one embedder.

    ``log=False`` keeps matches out of the match log (evaluation, benchmarks).
    """

    def __init__(
        self,
        store: Store,
        backend: SearchBackend,
        embedder: Embedder,
        *,
        tuning: Tuning | None = None,
        ranker: Ranker | None = None,
        log: bool = True,
    ) -> None:
        self.store, self.backend, self.embedder = store, backend, embedder
        self.tuning = tuning or Tuning()
        self.ranker = ranker if ranker is not None or not self.tuning.learned else default_ranker()
        self.log = log
        self.offers = OfferCache(store)
        self._companion_vector: Any = None
        self._meeting_vector: Any = None
        self._prototype_key: tuple[tuple[str, str], ...] | None = None
        self._prototype_cache: dict[str, Any] = {}

    # -- the whole match -------------------------------------------------------------

    def match(
        self,
        req: MatchRequest,
        *,
        actor: str = "anonymous",
        today: date | None = None,
        features: list[tuple[str, dict[str, float]]] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> MatchResponse:
        """Rank, check and explain offers for ``req`` (steps in the module docstring).
        ``today`` defaults to today in Copenhagen; ``actor`` goes to the match log.
        ``labels`` is the live taxonomy (:meth:`catalogue.store.Store.categories`) when the
        caller has just read it for this request; read from the store when not given.
        ``features``, when given, is filled with ``(offer id, {feature: value})`` for every
        offer of the re-ranked head (:data:`matcher.learned.FEATURES`; ``tools/train_ranker.py``)."""
        today = today or datetime.now(TZ).date()
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        labels = dict(labels) if labels is not None else self.store.categories()
        inference = infer_categories(req.interests, labels)
        rules = hard_rules(req, today)
        flt = as_filter(rules)
        query_vector = self.embedder.embed_query(req.interests)
        timings["embed"] = _ms(t0)
        named = named_conditions(req.interests)  # once: the vague check and the situation both use it
        vague = bool(self.tuning.vague_ranking) and is_vague(
            req.interests, inference.categories, names_condition=bool(named)
        )
        if vague and self.tuning.vague_topics:
            inference = Inference(tuple(GENERIC_TOPICS & set(labels)), inference.hits)
        elif self.tuning.semantic_topics and not (self.tuning.semantic_fallback_only and inference.categories):
            semantic = semantic_categories(query_vector, self._prototypes(labels), margin=self.tuning.topic_margin)
            merged = tuple(dict.fromkeys(inference.categories + semantic))
            inference = Inference(merged, inference.hits)

        t1 = time.perf_counter()
        tune = self.tuning
        lexical_query = req.interests
        if tune.expand_query:
            lexical_query = f"{req.interests} {expansion_terms(inference.categories, labels)}".strip()
        weights = (tune.lexical_weight, tune.vector_weight)
        lexical = self.backend.lexical_candidates(lexical_query, flt, k=CANDIDATES)
        vector = self.backend.vector_candidates(query_vector, flt, k=CANDIDATES)
        rankings, rank_weights = [lexical, vector], list(weights)
        topical: list[Candidate] = []
        if tune.topic_ranking and inference.categories:
            on_topics = flt.and_(Term("categories", inference.categories))
            topical = self.backend.vector_candidates(query_vector, on_topics, k=CANDIDATES)
            rankings.append(topical)
            rank_weights.append(tune.topic_ranking)
        if vague:
            rankings.append(self.backend.lexical_candidates(MEETING_PLACE_QUERY, flt, k=CANDIDATES))
            rankings.append(self.backend.vector_candidates(self._meeting_place_vector(), flt, k=CANDIDATES))
            rank_weights += [tune.vague_ranking, tune.vague_ranking]
        fused = reciprocal_rank_fusion(rankings, k=tune.rrf_k, weights=rank_weights)
        pool = reciprocal_rank_fusion(
            [
                self.backend.lexical_candidates(lexical_query, None, k=POOL),
                self.backend.vector_candidates(query_vector, None, k=POOL),
            ],
            k=tune.rrf_k,
            weights=weights,
        )[:POOL]
        timings["retrieve"] = _ms(t1)

        t2 = time.perf_counter()
        head = fused[: max(tune.head_depth, 2 * req.limit)]
        offers, docs = self.offers.get([c.id for c in head] + [c.id for c in pool], labels)
        lists = Lists(lexical, vector, topical, tune.rrf_k)
        ranked, stale = self._rerank(
            req,
            head,
            offers,
            docs,
            today,
            set(inference.categories),
            lists,
            features,
            near=vague and tune.vague_near,
            named=named,
        )
        chosen = diversify(ranked, {oid: offers[oid]["organisation"]["id"] for oid, _ in ranked}, req.limit)
        refused = explain.unquotable(req.interests)  # once per request, not per offer
        results = [
            self._result(req, offers[oid], docs[oid], score, inference, labels, today, refused) for oid, score in chosen
        ]
        excluded = count_exclusions(rules, pool, docs)
        timings["rank"] = _ms(t2)

        response = MatchResponse(
            query_id=str(uuid.uuid4()),
            results=results,
            excluded=excluded,
            excluded_labels={name: RULE_LABELS[name] for name in excluded},
            inferred_categories=list(inference.categories),
            full_waitlist=full_offers(rules, pool, offers, docs),
            suggested_barriers=suggest(req.interests, req.barriers),
        )
        if stale:
            response.notes.append(f"{stale} tilbud blev sorteret fra, fordi de netop er ændret i kataloget.")
        if req.lat is None:
            response.notes.append("Borgerens bopæl er ikke angivet, så afstand er ikke brugt.")
        if req.has("needs_companion") or req.has("social_anxiety"):
            response.companion_services = self._companion_services(req, rules, labels, today)
        response.no_good_match = is_weak(results, lexical, vector)
        if not results and excluded:
            worst = max(excluded, key=lambda name: excluded[name])
            response.advice = (
                f"Intet passer. Flest relevante tilbud faldt fra, fordi de er {RULE_LABELS[worst]} "
                f"({excluded[worst]} af de {len(pool)} mest relevante). Spørg borgeren om netop det."
            )
        timings["total"] = _ms(t0)
        response.timings_ms = timings
        if self.log:
            self._record(
                query_id=response.query_id,
                actor=actor,
                town=req.town,
                age=req.age,
                language=req.language,
                barriers=req.barriers,
                categories=inference.categories,
                kinds=req.kinds,
                result_ids=[r.offer_id for r in results],
                excluded=excluded,
                no_good_match=response.no_good_match,
            )
        return response

    def _record(self, **entry: Any) -> None:
        """The match log is bookkeeping: a store that cannot write (read-only, full
        disk, busy) costs the log line, never the citizen's answer."""
        try:
            record_match(self.store, **entry)
        except Exception as exc:
            logging.getLogger(__name__).warning("could not write the match log: %s", type(exc).__name__)

    # -- steps -------------------------------------------------------------------------

    def _meeting_place_vector(self) -> Any:
        """The embedding of :data:`matcher.vague.MEETING_PLACE_QUERY`, made once."""
        if self._meeting_vector is None:
            self._meeting_vector = self.embedder.embed_query(MEETING_PLACE_QUERY)
        return self._meeting_vector

    def _prototypes(self, labels: Mapping[str, str]) -> dict[str, Any]:
        """Embeddings of the category descriptions, made once per taxonomy."""
        key = tuple(sorted(labels.items()))
        if self._prototype_key != key:
            names = list(labels)
            texts = [DESCRIPTIONS.get(n, labels[n]) for n in names]
            vectors = self.embedder.embed_documents(texts)
            self._prototype_cache = dict(zip(names, vectors, strict=True))
            self._prototype_key = key
        return self._prototype_cache

    def _rerank(
        self,
        req: MatchRequest,
        head: Sequence[Candidate],
        offers: Mapping[str, Mapping[str, Any]],
        docs: Mapping[str, SearchDocument],
        today: date,
        inferred: set[str],
        lists: Lists | None = None,
        features: list[tuple[str, dict[str, float]]] | None = None,
        *,
        near: bool = False,
        named: frozenset[str] | None = None,
    ) -> tuple[list[tuple[str, float]], int]:
        """The head, checked and re-scored best first, and how many were stale. Fills
        ``features`` (offer id, :data:`matcher.learned.FEATURES`) when given; ``named`` is
        :func:`matcher.situation.named_conditions` of the note when already computed."""
        ranked: list[tuple[str, float]] = []
        stale = 0
        tune = self.tuning
        danish = req.language == "da" and not req.has("non_danish_speaker")
        situation = situation_of(req.interests, inferred, danish=danish, barriers=req.barriers, named=named)
        for cand in head:
            offer = offers.get(cand.id)
            if offer is None or violations(req, offer, today):
                stale += 1  # the index lagged the store: never show it
                continue
            factor = situation_factor(
                offer.get("audience"),
                situation.conditions,
                situation.loss,
                situation.newcomer,
                condition_factor=tune.condition_factor,
                bereaved_factor=tune.bereaved_factor,
                newcomer_factor=tune.newcomer_factor,
            )
            parts = adjust(
                req, docs[cand.id], distance_km(req, offer), today, offer.get("audience"), near=near, situation=factor
            )
            on_topic = bool(inferred & set(offer["categories"]))
            if lists is not None and (tune.learned or features is not None):
                x = lists.features(cand.id, on_topic, parts)
                if features is not None:
                    features.append((cand.id, x))
                if tune.learned and self.ranker is not None:
                    ranked.append((cand.id, self.ranker.score(x)))
                    continue
            score = combined_score(
                cand.score,
                parts,
                preferences=tune.preferences,
                distance=tune.distance_decay,
                freshness=tune.freshness,
                audience=tune.audience,
                topic_boost=tune.category_boost if on_topic else 0.0,
            )
            ranked.append((cand.id, score))
        ranked.sort(key=lambda item: (-item[1], item[0]))
        return ranked, stale

    def _result(
        self,
        req: MatchRequest,
        offer: Mapping[str, Any],
        doc: SearchDocument,
        score: float,
        inference: Inference,
        labels: Mapping[str, str],
        today: date,
        refused: set[str] | None = None,
    ) -> Result:
        distance = distance_km(req, offer)
        return Result(
            offer_id=offer["id"],
            title=offer["title"],
            organisation=offer["organisation"]["name"],
            kind=offer["kind"],
            town=_town(req, offer),
            distance_km=distance,
            score=round(score, 6),
            reasons=explain.reasons(req, offer, inference, labels, refused),
            accommodations=explain.accommodations(req, offer, doc, distance),
            cautions=explain.cautions(req, offer, today, distance),
            next_slots=explain.next_slots(offer, today),
        )

    def _companion_services(
        self, req: MatchRequest, rules: list[Rule], labels: Mapping[str, str], today: date
    ) -> list[dict[str, Any]]:
        """Volunteer services that provide someone to go along with (ledsager, gåven)."""
        flt = as_filter(rules, skip=frozenset({"kind", "category"})).and_(Term("kind", ("volunteer_service",)))
        if self._companion_vector is None:
            self._companion_vector = self.embedder.embed_query(COMPANION_QUERY)
        found = reciprocal_rank_fusion(
            [
                self.backend.lexical_candidates(COMPANION_QUERY, flt, k=10),
                self.backend.vector_candidates(self._companion_vector, flt, k=10),
            ],
            k=self.tuning.rrf_k,
        )
        services, _ = self.offers.get([c.id for c in found[:6]], labels)
        out = []
        for cand in found[:6]:
            offer = services.get(cand.id)
            if offer is None or violations(req, offer, today):
                continue
            out.append(
                {
                    "offer_id": cand.id,
                    "title": offer["title"],
                    "organisation": offer["organisation"]["name"],
                    "town": offer["location"].get("town"),
                }
            )
            if len(out) == 3:
                break
        return out


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def _town(req: MatchRequest, offer: Mapping[str, Any]) -> str | None:
    """The town of the offer's place nearest the citizen (its location when it has one place or the
    citizen's point is unknown); "online" for an online offer without a town."""
    loc = offer["location"]
    nearest = nearest_place(offer, req.lat, req.lon) if req.lat is not None and req.lon is not None else None
    town = (nearest[0].get("town") if nearest else None) or loc.get("town")
    return town or ("online" if loc.get("online") else None)
