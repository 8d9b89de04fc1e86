"""A learned combination of the matcher's signals (logistic regression, pointwise).

The fused candidate lists still decide which offers are considered (the head
of the reciprocal-rank fusion, :data:`matcher.preferences.TOPICAL_DEPTH`);
this model re-orders that head. Its score for one offer is

    p = 1 / (1 + exp(-(intercept + sum_i coef_i * x_i)))

over the features of :data:`FEATURES` (:meth:`Lists.features`): the offer's
reciprocal rank in each candidate list (lexical BM25, dense kNN, dense kNN
within the inferred topics), as k / (k + rank) so that the first place is
close to 1 and absence is 0, its BM25 score relative to the
best one, its cosine closeness, whether it is in an inferred topic, and the
logarithms of the soft factors (preferences, distance, freshness, target
group; :mod:`matcher.preferences`). Only this small dot product runs in the
matcher; the weights are fitted by scikit-learn's ``LogisticRegression`` in
``tools/train_ranker.py`` on the **tuning half** of the vignettes only
(``matcher.eval.half_of``; an offer graded 1 or more is a positive, weighted
by its gain 2^g - 1), and committed as ``data/ranker.json`` with the date,
the regularisation and the cross-validated score on that half.

Hand-rolled scoring (not a pickled estimator) keeps scikit-learn out of the
running service and makes the weights readable in review.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from indexer.backend import Candidate

from .preferences import Adjustment

#: The committed weights (``tools/train_ranker.py`` writes them).
WEIGHTS_FILE: Final = Path(__file__).parent / "data" / "ranker.json"

#: Feature names, in the order of the weights.
FEATURES: Final = (
    "rr_lexical",
    "rr_dense",
    "rr_topical",
    "bm25_relative",
    "closeness",
    "on_topic",
    "log_preference",
    "log_distance",
    "log_freshness",
    "log_audience",
)


@dataclass(frozen=True)
class Lists:
    """The candidate lists of one match, best first: lexical, dense and (maybe empty)
    dense within the inferred topics; ``k`` is the reciprocal-rank constant."""

    lexical: Sequence[Candidate]
    dense: Sequence[Candidate]
    topical: Sequence[Candidate]
    k: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ranks", tuple(_ranks(x) for x in (self.lexical, self.dense, self.topical)))
        object.__setattr__(self, "_scores", tuple({c.id: c.score for c in x} for x in (self.lexical, self.dense)))

    def features(self, offer_id: str, on_topic: bool, parts: Adjustment) -> dict[str, float]:
        """The :data:`FEATURES` of one offer, as ``{name: value}``."""
        ranks: tuple[dict[str, int], ...] = self._ranks  # type: ignore[attr-defined]
        scores: tuple[dict[str, float], ...] = self._scores  # type: ignore[attr-defined]
        rr = [self.k / (self.k + r[offer_id]) if offer_id in r else 0.0 for r in ranks]
        best_bm25 = max(scores[0].values(), default=0.0)
        floor = min(scores[1].values(), default=0.0)  # not among the dense candidates: at most the last one
        return {
            "rr_lexical": rr[0],
            "rr_dense": rr[1],
            "rr_topical": rr[2],
            "bm25_relative": scores[0].get(offer_id, 0.0) / best_bm25 if best_bm25 > 0 else 0.0,
            "closeness": scores[1].get(offer_id, floor),
            "on_topic": float(on_topic),
            "log_preference": math.log(parts.preference),
            "log_distance": math.log(parts.distance),
            "log_freshness": math.log(parts.freshness),
            "log_audience": math.log(parts.audience),
        }


def _ranks(ranking: Sequence[Candidate]) -> dict[str, int]:
    out: dict[str, int] = {}
    for rank, cand in enumerate(ranking, start=1):
        out.setdefault(cand.id, rank)
    return out


@dataclass(frozen=True)
class Ranker:
    """Logistic-regression weights over :data:`FEATURES`; :meth:`score` is in (0, 1)."""

    coef: Mapping[str, float]
    intercept: float

    def score(self, x: Mapping[str, float]) -> float:
        z = self.intercept + sum(w * x[name] for name, w in self.coef.items())
        return 1.0 / (1.0 + math.exp(-z))


def ranker_from(data: Mapping[str, Any]) -> Ranker:
    """A :class:`Ranker` from the JSON shape ``{"features": [...], "coef": [...], "intercept": x}``.
    Raises ``ValueError`` when the features are not :data:`FEATURES`."""
    if tuple(data["features"]) != FEATURES or len(data["coef"]) != len(FEATURES):
        raise ValueError(f"ranker weights are for {data['features']}, the matcher computes {list(FEATURES)}")
    return Ranker(dict(zip(FEATURES, map(float, data["coef"]), strict=True)), float(data["intercept"]))


@lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    """The committed weights (:data:`WEIGHTS_FILE`)."""
    return ranker_from(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))
