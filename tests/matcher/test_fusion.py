"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from indexer.backend import Candidate
from matcher.fusion import reciprocal_rank_fusion


def c(*ids: str) -> list[Candidate]:
    return [Candidate(i, 100.0 - n) for n, i in enumerate(ids)]


def test_known_values() -> None:
    fused = reciprocal_rank_fusion([c("a", "b", "c"), c("b", "d")], k=60)
    assert [x.id for x in fused] == ["b", "a", "d", "c"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1].score == pytest.approx(1 / 61)
    assert fused[2].score == pytest.approx(1 / 62)


def test_agreement_beats_a_single_first_place() -> None:
    fused = reciprocal_rank_fusion([c("solo", "both"), c("x1", "x2", "x3", "both")], k=60)
    assert fused[0].id == "both"


def test_scores_are_ignored_only_ranks_count() -> None:
    a = [Candidate("a", 1000.0), Candidate("b", 0.001)]
    b = [Candidate("a", 0.5), Candidate("b", 0.49)]
    assert reciprocal_rank_fusion([a]) == reciprocal_rank_fusion([b])


def test_ties_break_by_id_and_duplicates_count_once() -> None:
    fused = reciprocal_rank_fusion([c("b"), c("a")])
    assert [x.id for x in fused] == ["a", "b"]
    assert reciprocal_rank_fusion([c("a", "a")], k=60)[0].score == pytest.approx(1 / 61)


def test_weights_scale_each_ranking() -> None:
    fused = reciprocal_rank_fusion([c("a"), c("b")], k=20, weights=[1.0, 2.0])
    assert [x.id for x in fused] == ["b", "a"] and fused[0].score == pytest.approx(2 / 21)
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([c("a")], weights=[1.0, 1.0])


def test_empty_and_bad_k() -> None:
    assert reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([c("a")], k=0)
