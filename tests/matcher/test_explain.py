"""Plain-Danish explanations: reasons, accommodations, cautions and next meetings."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.taxonomy import DEFAULT_CATEGORIES
from indexer.documents import build_document
from matcher import explain
from matcher.interests import Inference, infer_categories

from .helpers import offer, request

TODAY = date(2026, 11, 23)  # a Monday
LABELS = dict(DEFAULT_CATEGORIES)
TUE_MORNING = {"weekday": 2, "start": "10:00", "end": "12:00"}
THU_EVENING = {"weekday": 4, "start": "19:00", "end": "21:00"}
FREE = {"options": [{"amount": 0, "per": "gang"}]}


# -- phrases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "part"),
    [
        ("09:00", "formiddag"),
        ("11:59", "formiddag"),
        ("12:00", "eftermiddag"),
        ("16:59", "eftermiddag"),
        ("17:00", "aften"),
    ],
)
def test_day_part(start: str, part: str) -> None:
    assert explain.day_part(start) == part


def test_schedule_phrase() -> None:
    assert explain.schedule_phrase([]) == "efter aftale"
    assert explain.schedule_phrase([TUE_MORNING]) == "hver tirsdag formiddag"
    # Two slots on the same day part count once.
    assert explain.schedule_phrase([TUE_MORNING, {**TUE_MORNING, "start": "08:00"}]) == "hver tirsdag formiddag"
    monday = {"weekday": 1, "start": "14:00", "end": "16:00"}
    assert explain.schedule_phrase([monday, THU_EVENING]) == "mandag eftermiddag og torsdag aften"
    assert explain.schedule_phrase([monday, TUE_MORNING, THU_EVENING]) == (
        "mandag eftermiddag, tirsdag formiddag og torsdag aften"
    )


def test_price_phrase_and_date() -> None:
    assert explain.price_phrase({"amount_dkk": 0, "per": "gang"}) == "Gratis"
    assert explain.price_phrase({"amount_dkk": 150.0, "per": "år"}) == "150 kr. pr. år"
    assert explain.price_phrase({"amount_dkk": 37.5, "per": "gang"}) == "37,50 kr. pr. gang"
    two = {"options": [{"amount": 600, "per": "år"}, {"amount": 15, "per": "gang", "text": "kaffe"}]}
    assert explain.price_phrase(two) == "600 kr. pr. år + 15 kr. pr. gang (kaffe)"
    assert explain.price_phrase(None) == "Prisen er ikke oplyst"
    assert explain.price_phrase({"options": []}) == "Prisen er ikke oplyst"
    assert explain.danish_date(date(2026, 12, 3)) == "3. december"
    assert explain.danish_date(date(2027, 1, 15)) == "15. januar"


# -- next meetings ---------------------------------------------------------------------


def test_next_slots_from_today_in_date_order() -> None:
    o = offer(schedule={"slots": [THU_EVENING, TUE_MORNING]})
    assert explain.next_slots(o, TODAY) == [
        {"date": "2026-11-24", "weekday": "tirsdag", "start": "10:00", "end": "12:00"},
        {"date": "2026-11-26", "weekday": "torsdag", "start": "19:00", "end": "21:00"},
        {"date": "2026-12-01", "weekday": "tirsdag", "start": "10:00", "end": "12:00"},
    ]


def test_next_slots_include_today() -> None:
    o = offer(schedule={"slots": [{"weekday": 1, "start": "13:00", "end": "15:00"}]})
    assert [s["date"] for s in explain.next_slots(o, TODAY, count=2)] == ["2026-11-23", "2026-11-30"]


def test_next_slots_stay_within_the_season() -> None:
    later = offer(schedule={"slots": [TUE_MORNING], "valid_from": "2027-01-04"})
    assert [s["date"] for s in explain.next_slots(later, TODAY, count=1)] == ["2027-01-05"]
    ending = offer(schedule={"slots": [TUE_MORNING], "valid_to": "2026-12-02"})
    assert [s["date"] for s in explain.next_slots(ending, TODAY)] == ["2026-11-24", "2026-12-01"]


def test_no_next_slots_by_arrangement() -> None:
    assert explain.next_slots(offer(schedule={"slots": []}), TODAY) == []


# -- reasons ---------------------------------------------------------------------------


def reasons(interests: str, o: dict[str, object]) -> list[str]:
    return explain.reasons(request(interests), o, infer_categories(interests, LABELS), LABELS)


def test_reason_quotes_the_citizens_word_and_the_time() -> None:
    # "synge" meets "synger" in the description (a content word of 5+ letters), "kor" meets
    # "Seniorkor" (senior + kor, split by the analyser); "savner" is a generic word.
    assert reasons("Jeg savner at synge i kor", offer()) == [
        "Du nævnte synge og kor – her mødes man hver tirsdag formiddag."
    ]


def test_reason_by_topic_when_no_word_is_shared() -> None:
    o = offer(title="Kaffeklub", description="Vi mødes en gang om ugen.", categories=["samtale"])
    assert reasons("I feel lonely", o) == ["Du talte om lonely, og tilbuddet handler om samtale og samvær."]


def test_reason_falls_back_to_the_offers_topics() -> None:
    assert reasons("xyz abc", offer()) == ["Det, du fortalte, ligner det, tilbuddet handler om: sang og musik."]


# The field cases: never an empty slot, never filler, negated or barrier words.
SANG = "Det, du fortalte, ligner det, tilbuddet handler om: sang og musik."


@pytest.mark.parametrize(
    "note",
    [
        "Я дуже люблю співати разом з іншими людьми",  # Ukrainian
        "Bardzo lubię śpiewać w chórze",  # Polish
        "أحب الغناء مع الآخرين",  # Arabic
    ],
)
def test_other_languages_get_a_sentence_without_a_slot(note: str) -> None:
    assert reasons(note, offer()) == [SANG]
    # The topic inferred from the embedding has no words of the citizen to quote.
    semantic = Inference(("sang",), {})
    assert explain.reasons(request(note), offer(), semantic, LABELS) == [
        "Det, du fortalte, ligner det, tilbuddet handler om: sang."
    ]


def test_a_compound_is_quoted_by_the_part_the_offer_shares() -> None:
    # Decompounding (indexer.decompound): "mandskor" and "Herrekoret" share "kor".
    o = offer(title="Herrekoret", description="Mænd der synger.", categories=["sang"])
    got = explain.reasons(request("mandskor"), o, Inference(("sang",), {}), LABELS)
    assert got == ["Du nævnte mandskor – her mødes man hver tirsdag formiddag."]


def test_a_compound_the_offer_does_not_share_is_not_an_empty_slot() -> None:
    o = offer(title="Fællessang", description="Vi synger.", categories=["sang"])
    got = explain.reasons(request("mandskor"), o, Inference(("sang",), {}), LABELS)
    assert got == ["Det, du fortalte, ligner det, tilbuddet handler om: sang."]
    assert not any(", og" in r and "om ," in r for r in got)


def test_negated_and_barrier_words_are_never_quoted() -> None:
    o = offer(description="Vi synger sammen. Ingen tilmelding, og der er kørsel for dem uden bil.")
    assert reasons("Jeg vil gerne synge, men har ingen bil", o) == [
        "Du nævnte synge – her mødes man hver tirsdag formiddag."
    ]
    o = offer(description="Vi synger sammen, og der er teleslynge for dem med nedsat hørelse.")
    assert reasons("Vil gerne synge, men hørelsen er dårlig og hørelse svigter", o) == [
        "Du nævnte synge – her mødes man hver tirsdag formiddag."
    ]


def test_filler_and_places_are_never_quoted() -> None:
    o = offer(description="Vi synger helst de gamle sange. Mange kom fra Aarhus, og lægen anbefaler fællessang.")
    assert reasons("Flyttet fra Aarhus, lægen siger jeg helst skal ud og synge", o) == [
        "Du nævnte synge – her mødes man hver tirsdag formiddag."
    ]


def test_the_words_of_a_vague_phrase_are_never_quoted() -> None:
    o = offer(title="Fælleshaven ved Kildegården", description="Højbede og kaffe ved Kildegården.")
    got = reasons("Ved ikke. Bare noget.", o)
    assert got and all("ved" not in r.split() for r in got)
    assert "ved" in explain.unquotable("Ved ikke. Bare noget.")
    assert "ved" not in explain.unquotable("Bor ved havet")


def test_a_negated_interest_is_not_quoted() -> None:
    o = offer(description="Vi synger og går en tur bagefter.")
    got = reasons("Har ikke lyst til at synge, men vil gerne gå ture", o)
    assert "synge" not in got[0]


def test_only_filler_words_give_the_topic_sentence() -> None:
    o = offer(description="Ingen tilmelding. Lægen kan henvise.")
    assert reasons("ingen bil, lægen siger helst", o) == [SANG]


def test_volunteer_service_reasons_agree_the_time() -> None:
    o = offer(
        title="Kaffeven",
        description="En frivillig drikker kaffe med dig.",
        categories=["samtale"],
        kind="volunteer_service",
        schedule={"slots": []},
    )
    assert reasons("Jeg drikker gerne kaffe", o) == [
        "Du nævnte drikker og kaffe – tiden aftales efter dine ønsker.",
        "En frivillig giver sig tid til dig; tiden aftales med dig.",
    ]


# -- accommodations --------------------------------------------------------------------


def accommodations(
    o: dict[str, object], *barriers: str, distance_km: float | None = None, **fields: object
) -> list[str]:
    return explain.accommodations(request("sang", *barriers, **fields), o, build_document(o), distance_km)


def test_no_barriers_no_accommodations() -> None:
    assert accommodations(offer()) == []


def test_wheelchair_and_step_free() -> None:
    o = offer(accessibility=["wheelchair", "step_free", "accessible_toilet"])
    assert accommodations(o, "wheelchair_user") == ["Kørestolsegnet", "Trinfri adgang", "Handicaptoilet"]


def test_cost_per_month_for_low_income() -> None:
    # 20 kr. pr. gang x 4 meetings a month = 80 kr.
    assert accommodations(offer(cost={"amount_dkk": 20, "per": "gang"}), "low_income") == [
        "Billigt: ca. 80 kr. om måneden"
    ]
    assert accommodations(offer(cost={"amount_dkk": 0, "per": "gang"}), max_monthly_cost_dkk=50.0) == ["Gratis"]


@pytest.mark.parametrize(
    "cost",
    [
        None,  # not stated
        {"options": [{"amount": None, "text": "Kontingent 600 kr. om året + 15 kr. pr. gang for kaffe"}]},
        {"options": [{"amount": 5, "currency": "EUR", "per": "gang"}]},  # another currency
        {"options": [{"amount": 0, "per": "gang"}, {"amount": 40, "per": None}]},  # no period stated
    ],
)
def test_unknown_price_is_a_caution_never_free(cost: object) -> None:
    o = offer(cost=cost)
    assert "Gratis" not in accommodations(o, "low_income")
    assert not any(a.startswith("Billigt") for a in accommodations(o, "low_income"))
    assert explain.UNKNOWN_PRICE in explain.cautions(request("sang", "low_income"), o, TODAY, None)
    assert explain.UNKNOWN_PRICE == "Prisen er ikke oplyst – spørg foreningen"


def test_several_options_are_summed_for_low_income() -> None:
    # 1800 kr. a year (150 a month) + 10 kr. a time (40 a month) = 190 kr. a month
    two = {"options": [{"amount": 10, "per": "gang", "text": "kaffe"}, {"amount": 1800, "per": "år"}]}
    assert accommodations(offer(cost=two), max_monthly_cost_dkk=500.0) == ["Billigt: ca. 190 kr. om måneden"]


def test_no_car() -> None:
    o = offer(transport_offered=True, accessibility=["near_public_transport"])
    assert accommodations(o, "no_car", distance_km=1.4) == [
        "Der tilbydes transport",
        "Tæt på bus eller tog",
        "Kun 1,4 km væk – nært, når man ikke har bil",
    ]
    assert accommodations(o, "no_car", distance_km=3.1) == ["Der tilbydes transport", "Tæt på bus eller tog"]
    assert accommodations(offer(), "no_car", distance_km=0.6) == ["Kun 0,6 km væk – nært, når man ikke har bil"]
    assert accommodations(offer(), "reduced_mobility", distance_km=3.0) == [
        "Kørestolsegnet",
        "Trinfri adgang",
        "Kun 3,0 km væk – kort vej",
    ]
    assert accommodations(offer(), distance_km=0.6) == []  # with a car, nearness is not an accommodation


def test_social_anxiety() -> None:
    o = offer(group_size="small", newcomers_welcome=True, companion_available=True)
    assert accommodations(o, "social_anxiety") == [
        "Der kan komme en ledsager med første gang",
        "Lille hold (højst 8)",
        "Nye er særligt velkomne",
    ]


def test_language() -> None:
    assert accommodations(offer(languages=["da", "ar"]), "non_danish_speaker", language="ar") == [
        "Foregår også på arabisk"
    ]
    cafe = offer(title="Sprogcafé", description="Snak dansk over en kop kaffe.", languages=["da"])
    assert accommodations(cafe, "non_danish_speaker", language="ar") == ["Sprogtilbud for nye i Danmark"]


def test_time_hearing_and_online() -> None:
    assert accommodations(offer(), "daytime_only") == ["Tidspunkt: hver tirsdag formiddag"]
    assert accommodations(offer(accessibility=["hearing_loop"]), "hearing_impaired") == ["Teleslynge"]
    online = offer(location={"online": True})
    assert accommodations(online) == ["Foregår online hjemmefra"]


# -- cautions --------------------------------------------------------------------------


def cautions(o: dict[str, object], *barriers: str, distance_km: float | None = None) -> list[str]:
    return explain.cautions(request("sang", *barriers), o, TODAY, distance_km)


def test_default_offer_only_shows_its_price() -> None:
    assert cautions(offer()) == ["Pris: 150 kr. pr. år"]


def test_price_is_not_a_caution_when_cost_is_a_barrier() -> None:
    assert cautions(offer(), "low_income") == []


def test_verification() -> None:
    assert cautions(offer(last_verified=None, cost=FREE)) == ["Ikke bekræftet af arrangøren endnu"]
    # 2025-09 to 2026-11: 14 months.
    assert cautions(offer(last_verified="2025-09-30", cost=FREE)) == ["Sidst bekræftet for 14 måneder siden"]
    assert cautions(offer(last_verified="2025-12-01", cost=FREE)) == []


def test_places_and_group_size() -> None:
    assert cautions(offer(places_available=1, cost=FREE)) == ["Kun 1 ledig plads"]
    assert cautions(offer(places_available=3, cost=FREE)) == ["Kun 3 ledige pladser"]
    assert cautions(offer(places_available=4, cost=FREE)) == []
    assert cautions(offer(group_size="large", cost=FREE)) == ["Holdet er stort (over 20)"]


def test_season() -> None:
    starts = offer(schedule={"slots": [TUE_MORNING], "valid_from": "2027-01-05"}, cost=FREE)
    assert cautions(starts) == ["Starter først 5. januar"]
    ends = offer(schedule={"slots": [TUE_MORNING], "valid_to": "2026-12-15"}, cost=FREE)
    assert cautions(ends) == ["Sæsonen slutter 15. december"]
    far = offer(schedule={"slots": [TUE_MORNING], "valid_to": "2027-03-01"}, cost=FREE)
    assert cautions(far) == []


def test_barrier_cautions() -> None:
    bare = offer(accessibility=[], cost=FREE)
    assert cautions(bare, "reduced_mobility", "hearing_impaired") == [
        "Trinfri adgang er ikke oplyst",
        "Ingen teleslynge oplyst",
    ]
    driven = offer(transport_offered=True, cost=FREE)
    assert cautions(driven, "no_car", distance_km=8.0) == ["Aftal transporten med arrangøren"]
    assert cautions(driven, "no_car", distance_km=4.0) == []
    # Far without transport: said, and the ranking weighs it (matcher.preferences).
    assert cautions(offer(cost=FREE), "no_car", distance_km=14.0) == [
        "14,0 km væk er langt uden bil – tjek bus eller kørsel; afstanden trækker ned i sorteringen"
    ]
    assert cautions(offer(cost=FREE), "reduced_mobility", distance_km=14.0) == [
        "14,0 km væk er langt med gangbesvær – tjek bus eller kørsel; afstanden trækker ned i sorteringen"
    ]
    assert cautions(offer(cost=FREE), "no_car", distance_km=5.0) == []
    assert cautions(offer(cost=FREE), distance_km=14.0) == []


def test_an_offer_for_another_group_is_a_caution() -> None:
    baby = {**offer(cost=FREE), "audience": ["parents_small_children"]}
    widower = explain.cautions(request("kor", age=70, gender="male"), baby, TODAY, None)
    assert widower == ["Tilbuddet er mest for forældre med små børn."]
    assert explain.cautions(request("kor", age=31), baby, TODAY, None) == []
    assert explain.cautions(request("kor"), baby, TODAY, None) == []  # age unknown


def test_online_needs_a_device() -> None:
    assert cautions(offer(location={"online": True}, accessibility=[], cost=FREE), "hearing_impaired") == [
        "Kræver computer, tablet eller smartphone"
    ]


def test_the_nearest_of_several_places_is_named() -> None:
    o = offer(location={"town": "Grenaa"}, other_locations=[{"address": "Skolevej 2", "town": "Ørum"}])
    near_orum = accommodations(o, lat=56.4750, lon=10.6680)
    assert near_orum == ["Mødes flere steder; nærmest: Skolevej 2, 8586 Ørum Djurs (1,0 km)"]
    assert accommodations(o, lat=56.4158, lon=10.8783) == ["Mødes flere steder; nærmest: 8500 Grenaa (0,0 km)"]
    assert accommodations(offer(), lat=56.4158, lon=10.8783) == []  # one place: nothing to name


# -- times not stated are not "efter aftale" -------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "said", "caution"),
    [
        ({"state": "unknown"}, "Du nævnte synge og kor.", True),
        (None, "Du nævnte synge og kor.", True),  # no schedule at all: unknown
        ({"state": "by_arrangement", "slots": []}, "Du nævnte synge og kor – tiden aftales efter dine ønsker.", False),
    ],
)
def test_unknown_times_are_a_caution_and_never_told_as_by_arrangement(
    schedule: dict[str, object] | None, said: str, caution: bool
) -> None:
    o = offer(schedule=schedule)
    assert reasons("Jeg savner at synge i kor", o) == [said]
    assert (explain.UNKNOWN_TIME_CAUTION in cautions(o)) is caution
    shown = accommodations(o, "daytime_only")
    assert ("Tidspunkt: efter aftale" in shown) is (not caution)
    assert not any("ikke oplyst" in a for a in shown)


def test_an_unknown_distance_is_a_caution_never_zero_km() -> None:
    from matcher.preferences import adjust
    from matcher.ranking import distance_km

    village = offer("v", location={"town": "Homå"})
    assert village["location"]["lat"] is None
    req = request("sang", lat=56.42, lon=10.87)
    assert distance_km(req, village) is None
    cautions = explain.cautions(req, village, date(2026, 11, 22), None)
    assert "Afstanden er ukendt (Homå kendes, men ikke hvor den ligger) – tjek selv, hvor langt der er" in cautions
    # ranked with the mid distance factor (as online), not as if at the door
    doc = build_document(village)
    near = adjust(req, build_document(offer("g")), 0.0, date(2026, 11, 22)).distance
    unknown = adjust(req, doc, None, date(2026, 11, 22)).distance
    assert unknown < near == 1.0
    # without the citizen's point nothing is measured, and nothing is cautioned
    assert not any("Afstanden" in c for c in explain.cautions(request("sang"), village, date(2026, 11, 22), None))


def test_refused_words_given_once_per_request_explain_alike() -> None:
    # The matcher computes unquotable() once per request and passes it to every offer's reasons.
    note = "Jeg vil gerne synge, men har ingen bil"
    o = offer(description="Vi synger sammen. Ingen tilmelding, og der er kørsel for dem uden bil.")
    req = request(note)
    inference = infer_categories(note, LABELS)
    refused = explain.unquotable(note)
    assert explain.reasons(req, o, inference, LABELS, refused) == explain.reasons(req, o, inference, LABELS)
    # What is passed is what counts: "synge" refused, so the topic sentence instead of the quote.
    assert explain.reasons(req, o, inference, LABELS, refused | {"synge"}) != reasons(note, o)


def test_an_edited_offer_is_explained_from_its_new_text() -> None:
    # The offer's analysed terms are cached by text: an edited title or description is read afresh.
    assert reasons("Jeg holder af skak", offer(title="Seniorkor")) == [
        "Det, du fortalte, ligner det, tilbuddet handler om: sang og musik."
    ]
    assert reasons("Jeg holder af skak", offer(title="Skakklub for seniorer")) == [
        "Du nævnte skak – her mødes man hver tirsdag formiddag."
    ]
    assert reasons("Jeg holder af billard", offer(title="Seniorkor", description="Vi spiller billard.")) == [
        "Du nævnte billard – her mødes man hver tirsdag formiddag."
    ]
    assert reasons("Jeg holder af billard", offer(title="Seniorkor")) == [
        "Det, du fortalte, ligner det, tilbuddet handler om: sang og musik."
    ]


def test_an_edited_category_label_is_used_at_once() -> None:
    o = offer()
    relabelled = {**LABELS, "sang": "Korsang"}
    got = explain.reasons(request("xyz abc"), o, Inference((), {}), relabelled)
    assert got == ["Det, du fortalte, ligner det, tilbuddet handler om: korsang og musik."]
