"""The matcher's quality on the labelled vignettes, with the real model.

The vignettes are split once by a fixed rule (matcher.eval.half_of,
VIGNETTES.md "The split"): constants are chosen on the tuning half only, and
the floors that matter are on the held-out half. Floors sit a little below the
measured values (README, "Matcher quality"), so a change that makes matching
worse fails here.
"""

from __future__ import annotations

import pytest

from matcher.eval import KINDS, evaluate, load_vignettes
from matcher.matcher import Matcher

pytestmark = pytest.mark.model

# Measured 2026-11-30 on the 166 vignettes, RRF k = 10, vague notes (matcher.vague) and situations
# (matcher.situation) on, learned combination off; every constant chosen on the tuning half:
# held-out half (85 scored): matcher 0.685, BM25 0.509, dense 0.528 (margin +0.157), no violations;
# tuning half (80 scored): matcher 0.752, BM25 0.529, dense 0.602 (margin +0.150).
# Re-measured 2026-11-30 after the review (leaked phrase removed, newcomer and condition signs widened):
# held out 0.685 (0.6846, margin +0.157), tuning 0.752; the floors stand.
# The goal is a held-out margin of 0.15 (README, "Matcher quality").
HELD_OUT_NDCG_FLOOR = 0.67
HELD_OUT_MARGIN_FLOOR = 0.15
TUNING_NDCG_FLOOR = 0.73


@pytest.fixture(scope="module")
def matcher(demo_store, demo_embedded, real_embedder):  # type: ignore[no-untyped-def]
    return Matcher(demo_store, demo_embedded, real_embedder, log=False)


@pytest.fixture(scope="module")
def held_out(matcher):  # type: ignore[no-untyped-def]
    return evaluate(matcher, load_vignettes(), half="held_out")


@pytest.fixture(scope="module")
def tuning(matcher):  # type: ignore[no-untyped-def]
    return evaluate(matcher, load_vignettes(), half="tuning")


def test_the_set_is_big_and_varied_enough(held_out, tuning) -> None:  # type: ignore[no-untyped-def]
    assert held_out.vignettes + tuning.vignettes >= 60
    assert held_out.vignettes >= 25 and tuning.vignettes >= 25  # about half each
    tags = set(held_out.by_tag) | set(tuning.by_tag)
    for tag in ("barrier_removes_tempting", "lexical_distractor", "meaning_only", "vague", "broken_danish"):
        assert tag in tags, tag
    for kind in ("needs_described", "barriers", "vague", "other_language"):
        assert kind in held_out.by_kind, kind
    assert set(held_out.by_kind) <= set(KINDS)


def test_no_hard_rule_is_ever_broken(held_out, tuning) -> None:  # type: ignore[no-untyped-def]
    for report in (held_out, tuning):
        for system in ("hybrid", "bm25", "dense"):
            assert report.systems[system]["violations"] == 0, (report.half, system)


def test_held_out_quality_floor(held_out) -> None:  # type: ignore[no-untyped-def]
    print(held_out.table())
    print(held_out.kind_table())
    assert held_out.systems["hybrid"]["ndcg@10"] >= HELD_OUT_NDCG_FLOOR
    assert held_out.margin >= HELD_OUT_MARGIN_FLOOR


def test_tuning_quality_floor(tuning) -> None:  # type: ignore[no-untyped-def]
    print(tuning.table())
    assert tuning.systems["hybrid"]["ndcg@10"] >= TUNING_NDCG_FLOOR
