"""The learned combination's features and scoring (matcher.learned)."""

from __future__ import annotations

import json
import math

import pytest

from indexer.backend import Candidate
from matcher.learned import FEATURES, WEIGHTS_FILE, Lists, Ranker, default_ranker, ranker_from
from matcher.preferences import Adjustment

PARTS = Adjustment(preference=1.2, distance=0.8, freshness=1.0, audience=0.25)


def _lists() -> Lists:
    lexical = [Candidate("a", 8.0), Candidate("b", 4.0)]
    dense = [Candidate("b", 0.92), Candidate("c", 0.90)]
    return Lists(lexical, dense, [Candidate("c", 0.90)], k=10)


def test_features_are_ranks_scores_and_log_factors() -> None:
    x = _lists().features("b", True, PARTS)
    assert list(x) == list(FEATURES)
    assert x["rr_lexical"] == pytest.approx(10 / 12)  # second in the lexical list
    assert x["rr_dense"] == pytest.approx(10 / 11)  # first in the dense list
    assert x["rr_topical"] == 0.0  # absent
    assert x["bm25_relative"] == pytest.approx(0.5)
    assert x["closeness"] == pytest.approx(0.92)
    assert x["on_topic"] == 1.0
    assert x["log_preference"] == pytest.approx(math.log(1.2))
    assert x["log_audience"] == pytest.approx(math.log(0.25))


def test_an_offer_missing_from_the_dense_list_gets_at_most_the_last_closeness() -> None:
    x = _lists().features("a", False, PARTS)
    assert x["closeness"] == pytest.approx(0.90)
    assert x["rr_dense"] == 0.0 and x["on_topic"] == 0.0


def test_score_is_the_logistic_of_the_weighted_sum() -> None:
    ranker = Ranker(dict.fromkeys(FEATURES, 0.0) | {"rr_dense": 2.0}, intercept=-1.0)
    x = _lists().features("b", True, PARTS)
    assert ranker.score(x) == pytest.approx(1 / (1 + math.exp(-(-1.0 + 2.0 * 10 / 11))))


def test_weights_for_other_features_are_refused() -> None:
    with pytest.raises(ValueError, match="ranker weights"):
        ranker_from({"features": ["rr_lexical"], "coef": [1.0], "intercept": 0.0})


def test_the_committed_weights_load_and_say_how_they_were_trained() -> None:
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert "tuning half" in data["trained"]["on"]
    ranker = default_ranker()
    assert set(ranker.coef) == set(FEATURES)
    # Higher up the dense list and a fitting target group both raise the score.
    assert ranker.coef["rr_dense"] > 0 and ranker.coef["log_audience"] > 0
