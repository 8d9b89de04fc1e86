"""The matcher's re-ranking step on hand-built offers: target groups and distance
(issue 10). The whole pipeline is measured on the vignettes (test_quality.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from indexer.backend import Candidate
from indexer.documents import build_document
from matcher.fusion import RRF_K
from matcher.matcher import Matcher

from .helpers import offer, request

TODAY = date(2026, 11, 23)
GRENAA = {"lat": 56.4153, "lon": 10.877}


def _rerank(req: Any, offers: list[dict[str, Any]], inferred: set[str] | None = None) -> list[str]:
    """Offers in fused order (rank 1 first, RRF scores), re-ranked for ``req``."""
    matcher = Matcher.__new__(Matcher)  # no store, backend or model: only the re-ranking step
    from matcher.matcher import Tuning

    matcher.tuning = Tuning()
    head = [Candidate(o["id"], 1 / (RRF_K + rank)) for rank, o in enumerate(offers, start=1)]
    by_id = {o["id"]: o for o in offers}
    docs = {o["id"]: build_document(o) for o in offers}
    ranked, stale = matcher._rerank(req, head, by_id, docs, TODAY, inferred or {"sang"})
    assert stale == 0
    return [oid for oid, _ in ranked]


def _choir(offer_id: str, title: str, **kw: Any) -> dict[str, Any]:
    return offer(offer_id, title=title, age_min=None, **kw)


def test_babysalmesang_leaves_the_top_four_for_a_widower_who_wants_a_choir() -> None:
    baby = {
        **_choir("baby", "Babysalmesang", description="Sang for forældre og babyer."),
        "audience": ["parents_small_children"],
    }
    choirs = [_choir(f"kor-{i}", f"Kor {i}") for i in range(1, 5)]
    widower = request("Enkemand, vil gerne synge i kor", age=70, gender="male")
    # Babysalmesang is first in the fused list (it shares "sang"); it must fall below all four choirs.
    assert _rerank(widower, [baby, *choirs])[:4] == ["kor-1", "kor-2", "kor-3", "kor-4"]
    # Without an age nothing is known: the fused order stands.
    assert _rerank(request("Vil gerne synge"), [baby, *choirs])[0] == "baby"
    # A young mother keeps it first.
    assert _rerank(request("Vil synge med min baby", age=29), [baby, *choirs])[0] == "baby"


def test_a_youth_cafe_does_not_lead_for_a_sixty_year_old() -> None:
    youth = {**offer("ung", title="Ungecafé", categories=["samtale"], age_min=None), "audience": ["young_people"]}
    cafes = [offer(f"cafe-{i}", title=f"Café {i}", categories=["samtale"], age_min=None) for i in range(1, 3)]
    sixty = request("savner nogen at snakke med", age=60)
    assert _rerank(sixty, [youth, *cafes], {"samtale"})[0] != "ung"
    assert _rerank(request("savner nogen at snakke med", age=22), [youth, *cafes], {"samtale"})[0] == "ung"


def test_offers_for_men_or_women_use_the_gender_only_when_given() -> None:
    men = {**offer("maend", title="Herrekoret", age_min=None), "audience": ["men"]}
    mixed = offer("blandet", title="Blandet kor", age_min=None)
    assert _rerank(request("kor", age=70, gender="female"), [men, mixed])[0] == "blandet"
    assert _rerank(request("kor", age=70, gender="male"), [men, mixed])[0] == "maend"
    assert _rerank(request("kor", age=70), [men, mixed])[0] == "maend"  # no gender: never guessed


def test_without_a_car_the_near_fitting_offer_beats_the_far_one() -> None:
    # 14.0 km away, near a bus (so no hard rule removes it), against 0.6 km away.
    far = offer(
        "far",
        title="Kor i Ebeltoft",
        age_min=None,
        accessibility=["near_public_transport"],
        location={"address": "Torvet 1", "postcode": "8400", "town": "Ebeltoft", "lat": 56.4153 - 0.126, "lon": 10.877},
    )
    near = offer(
        "near",
        title="Kor i Grenaa",
        age_min=None,
        location={"address": "Torvet 2", "postcode": "8500", "town": "Grenaa", "lat": 56.4153 + 0.0054, "lon": 10.877},
    )
    # The near one is four places lower in the fused list.
    between = [offer(f"x-{i}", title=f"Kor {i}", age_min=None) for i in range(3)]
    fused = [far, *between, near]

    def order(req: Any) -> list[str]:
        return [oid for oid in _rerank(req, fused) if oid in ("far", "near")]

    for barrier in ("no_car", "reduced_mobility"):
        assert order(request("kor", barrier, lat=GRENAA["lat"], lon=GRENAA["lon"])) == ["near", "far"], barrier
    assert order(request("kor", lat=GRENAA["lat"], lon=GRENAA["lon"])) == ["far", "near"]  # with a car


def test_a_support_group_for_an_unnamed_condition_falls_below_one_that_fits() -> None:
    """A widower's note names no illness: the dementia relatives' group, first in the fused list,
    sinks below the grief group (matcher.situation)."""
    dementia = {
        **offer("demens", title="Pårørendegruppe for demensramtes familie", categories=["støttegruppe"], age_min=None),
        "audience": ["condition:dementia", "people_with_condition", "relatives"],
    }
    grief = {**offer("sorg", title="Sorggruppe", categories=["støttegruppe"], age_min=None), "audience": ["bereaved"]}
    widower = request("Konen gik bort i marts. Savner nogen at tale med.", age=80)
    assert _rerank(widower, [dementia, grief], {"støttegruppe"}) == ["sorg", "demens"]
    carer = request("Min mand har fået Alzheimers. Savner nogen at tale med.", age=76)
    assert _rerank(carer, [dementia, grief], {"støttegruppe"}) == ["demens", "sorg"]


def test_a_newcomers_offer_falls_below_a_cafe_for_a_danish_speaker() -> None:
    newcomers = {
        **offer(
            "ny", title="Venskabsfamilie for nye borgere", categories=["samtale"], age_min=None, languages=["da", "ar"]
        ),
        "audience": ["newcomers"],
    }
    cafe = offer("cafe", title="Netværkscaféen", categories=["samtale"], age_min=None, languages=["da", "ar"])
    assert _rerank(request("Vil gerne møde nye mennesker", age=35), [newcomers, cafe], {"samtale"})[0] == "cafe"
    arabic = request("أريد أن أتعرف على ناس", "non_danish_speaker", age=35, language="ar")
    assert _rerank(arabic, [newcomers, cafe], {"samtale"})[0] == "ny"


def test_a_newcomer_who_writes_danish_keeps_the_newcomers_offer() -> None:
    """A Syrian newcomer who writes in Danish (language "da", no barrier ticked) is a newcomer
    by the country named; so is a note in Arabic script whatever language the request gives."""
    newcomers = {
        **offer("ny", title="Venskabsfamilie for nye borgere", categories=["samtale"], age_min=None),
        "audience": ["newcomers"],
    }
    cafe = offer("cafe", title="Netværkscaféen", categories=["samtale"], age_min=None)
    for note in ("Kom fra Syrien sidste år. Vil gerne møde nogen.", "Er ny i Danmark og vil gerne have venner."):
        assert _rerank(request(note, age=35), [newcomers, cafe], {"samtale"})[0] == "ny", note
    assert _rerank(request("أريد أن أتعرف على ناس", age=35), [newcomers, cafe], {"samtale"})[0] == "ny"


def test_a_ticked_hearing_barrier_names_the_hearing_loss_offer() -> None:
    """The hearing café (condition:hearing_loss) is not demoted for a citizen with the
    hearing_impaired barrier ticked, nor for a note that says "hører dårligt"."""
    hearing = {
        **offer("hoer", title="Hørecaféen", categories=["samtale"], age_min=None),
        "audience": ["condition:hearing_loss", "people_with_condition"],
    }
    cafe = offer("cafe", title="Netværkscaféen", categories=["samtale"], age_min=None)
    assert _rerank(request("Savner selskab", age=70), [hearing, cafe], {"samtale"})[0] == "cafe"
    assert _rerank(request("Savner selskab", "hearing_impaired", age=70), [hearing, cafe], {"samtale"})[0] == "hoer"
    assert _rerank(request("Hører dårligt, savner selskab", age=70), [hearing, cafe], {"samtale"})[0] == "hoer"
