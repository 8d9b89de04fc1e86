"""The response dataclasses and their JSON shape."""

from __future__ import annotations

import json

from matcher.response import MatchResponse, Result


def test_to_dict_is_plain_json() -> None:
    result = Result(
        offer_id="t-1",
        title="Seniorkor i Grenaa",
        organisation="Testkoret",
        kind="activity",
        town="Grenaa",
        distance_km=2.5,
        score=0.031,
        reasons=["Du nævnte synge – her mødes man hver tirsdag formiddag."],
        accommodations=["Kørestolsegnet"],
        cautions=[],
        next_slots=[{"date": "2026-11-24", "weekday": "tirsdag", "start": "10:00", "end": "12:00"}],
    )
    response = MatchResponse(
        query_id="q",
        results=[result],
        excluded={"distance": 2},
        excluded_labels={"distance": "for langt væk"},
        inferred_categories=["sang"],
    )
    out = response.to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["results"] == [result.to_dict()]
    assert out["results"][0]["reasons"] == ["Du nævnte synge – her mødes man hver tirsdag formiddag."]
    assert set(out) == {
        "query_id",
        "results",
        "excluded",
        "excluded_labels",
        "inferred_categories",
        "full_waitlist",
        "companion_services",
        "suggested_barriers",
        "no_good_match",
        "advice",
        "notes",
        "timings_ms",
    }
    assert (out["no_good_match"], out["advice"], out["notes"], out["full_waitlist"]) == (False, None, [], [])
    assert out["suggested_barriers"] == []
