"""Reciprocal rank fusion of the lexical and the vector candidate lists.

RRF scores a document by the sum of ``1 / (k + rank)`` over the rankings it
appears in (Cormack, Clarke and Büttcher, SIGIR 2009). It uses ranks only, so
BM25 scores and cosine similarities, which live on unrelated scales, need no
calibration. The constant ``k`` damps the head of each list: with k = 60 the
first rank is worth 1/61 and the tenth 1/70, so a document that both
retrievers place in their top 20 beats one that only a single retriever puts
first. 60 is the paper's value; on our evaluation set values from 20 to 100
change nDCG@10 by little (see ``faellesskab eval --rrf-k``).

It runs in the matcher, not in Elasticsearch, because Elasticsearch's own
``rrf`` retriever needs a commercial licence and the embedded engine must
rank the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexer.backend import Candidate

RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Candidate]], k: int = RRF_K) -> list[Candidate]:
    """Fuse rankings (best first) into one; ties are broken by id for determinism."""
    if k < 1:
        raise ValueError("k must be at least 1")
    scores: dict[str, float] = {}
    for ranking in rankings:
        seen: set[str] = set()
        for rank, cand in enumerate(ranking, start=1):
            if cand.id in seen:  # a list naming a document twice counts it once
                continue
            seen.add(cand.id)
            scores[cand.id] = scores.get(cand.id, 0.0) + 1.0 / (k + rank)
    return [Candidate(doc_id, score) for doc_id, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
