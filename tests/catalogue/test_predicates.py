"""The shared predicates: day and evening slots, and Danish-learning offers."""

from __future__ import annotations

import pytest

from catalogue.predicates import DAY_ENDS, has_daytime_slot, has_evening_slot, is_language_learning


def slot(start: str, end: str, weekday: int = 2) -> dict[str, object]:
    return {"weekday": weekday, "start": start, "end": end}


def test_day_ends_at_five() -> None:
    assert DAY_ENDS == "17:00"


@pytest.mark.parametrize(
    ("slots", "daytime", "evening"),
    [
        ([slot("10:00", "12:00")], True, False),
        ([slot("15:00", "17:00")], True, False),  # ends exactly when the day ends
        ([slot("17:00", "19:00")], False, True),  # starts exactly when the evening starts
        ([slot("16:00", "18:00")], False, False),  # straddles: neither
        ([slot("19:00", "21:30")], False, True),
        ([slot("09:00", "11:00"), slot("19:00", "21:00", weekday=4)], True, True),
        ([], False, False),
    ],
)
def test_daytime_and_evening_slots(slots: list[dict[str, object]], daytime: bool, evening: bool) -> None:
    assert has_daytime_slot(slots) is daytime
    assert has_evening_slot(slots) is evening


@pytest.mark.parametrize(
    "text",
    [
        "Sprogcafé i Grenaa",
        "SPROGCAFE hver tirsdag",
        "Language café for newcomers",
        "Dansk for nye borgere",
        "Dansk for udlændinge, begyndere",
        "Kom og lær dansk over en kop kaffe",
        "Lære dansk med frivillige",
        "Danskundervisning om aftenen",
        "Sprogven: vi matcher dig med en dansker",
        "Snak dansk i haven",
        "Lektiecafé for voksne",
    ],
)
def test_language_learning_offers(text: str) -> None:
    assert is_language_learning(text)


@pytest.mark.parametrize(
    "text",
    ["Seniorkor i Grenaa", "Dansk folkedans", "Lektiecafé for børn", "Danske sange og kaffe", "", "Café for alle"],
)
def test_other_offers_are_not_language_learning(text: str) -> None:
    assert not is_language_learning(text)
