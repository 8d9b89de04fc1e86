"""Reciprocal rank fusion of the lexical and the vector candidate lists.

RRF scores a document by the sum of ``1 / (k + rank)`` over the rankings it
appears in (Cormack, Clarke and Büttcher, SIGIR 2009). It uses ranks only, so
BM25 scores and cosine similarities, which live on unrelated scales, need no
calibration. The constant ``k`` sets how much the head of each list counts:
with k = 10 the first rank is worth 1/11 and the tenth 1/20, so a document
that both retrievers place in their top ten beats one that only a single
retriever puts first, while a clear first place matters more than with the
paper's 60, which flattens the head; our candidate lists are short (a
filtered catalogue of hundreds, not millions). Chosen on the tuning half of
the 166 vignettes (``faellesskab eval --half tuning --rrf-k``): nDCG@10 0.708
at k = 5, 0.706 at 10, 0.701 at 15, 0.693 at 20, 0.686 at 40; 10 is the
middle of the plateau.

It runs in the matcher, not in Elasticsearch, because Elasticsearch's own
``rrf`` retriever needs a commercial licence and the embedded engine must
rank the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexer.backend import Candidate

RRF_K = 10


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Candidate]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[Candidate]:
    """Fuse rankings (best first) into one; ties are broken by id for determinism.

    ``weights`` (one per ranking, default 1) scale each ranking's contribution."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if weights is not None and len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for n, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else float(weights[n])
        seen: set[str] = set()
        for rank, cand in enumerate(ranking, start=1):
            if cand.id in seen:  # a list naming a document twice counts it once
                continue
            seen.add(cand.id)
            scores[cand.id] = scores.get(cand.id, 0.0) + weight / (k + rank)
    return [Candidate(doc_id, score) for doc_id, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
