"""Evaluation metrics against hand-computed cases: DCG, nDCG@k, recall@k, MRR."""

from __future__ import annotations

from math import log2

import pytest

from matcher.eval import EvalReport, SystemScore, dcg, ndcg_at, recall_at, reciprocal_rank


def test_dcg_by_hand() -> None:
    # gains [3, 2, 0, 1]: (2^3-1)/log2(2) + (2^2-1)/log2(3) + 0/log2(4) + (2^1-1)/log2(5)
    #                   = 7 + 1.892789 + 0 + 0.430677 = 9.323466
    assert dcg([3, 2, 0, 1]) == pytest.approx(7 / 1 + 3 / log2(3) + 0 + 1 / log2(5))
    assert dcg([3, 2, 0, 1]) == pytest.approx(9.323466, abs=1e-6)
    assert dcg([]) == 0.0


def test_ndcg_by_hand() -> None:
    labels = {"a": 1, "b": 3, "c": 0, "d": 2, "e": 2}
    # ranked gains [1, 3, 0, 2]: 1 + 7/log2(3) + 0 + 3/log2(5) = 6.708538
    # ideal gains  [3, 2, 2, 1]: 7 + 3/log2(3) + 3/2 + 1/log2(5) = 10.823466
    expected = (1 + 7 / log2(3) + 3 / log2(5)) / (7 + 3 / log2(3) + 3 / 2 + 1 / log2(5))
    assert ndcg_at(["a", "b", "c", "d"], labels, k=4) == pytest.approx(expected)
    assert expected == pytest.approx(0.619814, abs=1e-6)


def test_ndcg_cuts_at_k() -> None:
    labels = {"a": 2, "b": 2}
    # k = 1: ranked [x] gains [0] -> 0; ideal [2] -> 3
    assert ndcg_at(["x", "a"], labels, k=1) == 0.0
    # k = 2: ranked gains [0, 2] -> 3/log2(3); ideal [2, 2] -> 3 + 3/log2(3)
    assert ndcg_at(["x", "a"], labels, k=2) == pytest.approx((3 / log2(3)) / (3 + 3 / log2(3)))


def test_ndcg_perfect_and_reversed() -> None:
    labels = {"a": 3, "b": 1}
    assert ndcg_at(["a", "b"], labels) == pytest.approx(1.0)
    # reversed: (1 + 7/log2(3)) / (7 + 1/log2(3))
    assert ndcg_at(["b", "a"], labels) == pytest.approx((1 + 7 / log2(3)) / (7 + 1 / log2(3)))


def test_ndcg_with_fewer_results_than_k() -> None:
    labels = {"b": 3, "a": 1}
    # ranked [b] -> 7; the ideal still counts both relevant offers: 7 + 1/log2(3)
    assert ndcg_at(["b"], labels, k=10) == pytest.approx(7 / (7 + 1 / log2(3)))
    assert ndcg_at([], labels, k=10) == 0.0


def test_ndcg_without_relevant_items_is_zero() -> None:
    assert ndcg_at(["a", "b"], {"a": 0, "b": 0}) == 0.0
    assert ndcg_at(["a", "b"], {}) == 0.0


def test_recall() -> None:
    labels = {"a": 2, "b": 1, "c": 0}
    assert recall_at(["c", "x", "a"], labels, k=2) == 0.0
    assert recall_at(["c", "x", "a"], labels, k=3) == 0.5  # a of {a, b}
    assert recall_at(["b", "a"], labels, k=10) == 1.0  # fewer results than k
    assert recall_at(["a"], labels, k=10) == 0.5
    assert recall_at(["a"], {"a": 0}) == 0.0  # nothing relevant


def test_reciprocal_rank() -> None:
    labels = {"a": 0, "b": 1, "c": 3}
    assert reciprocal_rank(["a", "x", "b", "c"], labels) == pytest.approx(1 / 3)  # b at 3; a is graded 0
    assert reciprocal_rank(["c"], labels) == 1.0
    assert reciprocal_rank(["a", "x", "b"], labels, k=2) == 0.0  # b beyond the cut-off
    assert reciprocal_rank([], labels) == 0.0
    assert reciprocal_rank(["a", "x"], labels) == 0.0


def test_system_score_summary() -> None:
    score = SystemScore(ndcg=[0.5, 0.25], recall=[1.0, 0.0], mrr=[1.0, 1 / 3], violations=2)
    assert score.summary() == {"ndcg@10": 0.375, "recall@10": 0.5, "mrr": 0.6667, "violations": 2}
    assert SystemScore().summary() == {"ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0, "violations": 0}


def test_margin_over_the_better_baseline() -> None:
    def system(ndcg: float) -> dict[str, float]:
        return {"ndcg@10": ndcg, "recall@10": 0.0, "mrr": 0.0, "violations": 0}

    report = EvalReport(
        vignettes=3,
        scored=2,
        systems={"hybrid": system(0.655), "bm25": system(0.459), "dense": system(0.536)},
        per_vignette=[],
        no_match_flagged=1,
        no_match_total=1,
        by_tag={},
    )
    assert report.margin == pytest.approx(0.119)  # 0.655 - max(0.459, 0.536)
    assert report.to_dict()["no_match_flagged"] == "1/1"


def test_the_split_is_a_fixed_rule() -> None:
    import hashlib

    from matcher.eval import HALVES, half_of

    for vid in ("v01", "v02", "a1", "t1"):
        assert half_of(vid) == HALVES[hashlib.sha256(vid.encode()).digest()[0] % 2]
    assert half_of("a1") == "held_out" and half_of("t1") == "tuning"
    ids = [f"v{i:02d}" for i in range(1, 63)]
    held = sum(half_of(i) == "held_out" for i in ids)
    assert 25 <= held <= 37  # about half


def test_kinds_from_tags() -> None:
    from matcher.eval import KINDS, kinds_of

    assert KINDS == ("needs_described", "barriers", "vague", "other_language", "compound", "target_group")
    assert kinds_of(["meaning_only", "no_car"]) == ["needs_described", "barriers"]
    assert kinds_of(["non_danish", "barrier_removes_tempting"]) == ["barriers", "other_language"]
    assert kinds_of(["compound", "target_group", "vague"]) == ["vague", "compound", "target_group"]
    assert kinds_of(["broken_danish"]) == []
