"""The citizen's plan in plain Danish (matcher.plan)."""

from __future__ import annotations

from datetime import date
from typing import Any

from matcher.plan import plan_item


def _offer(**overrides: Any) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "id": "o-1",
        "title": "Seniorkor",
        "description": "Vi synger.",
        "organisation": {
            "name": "Koret",
            "contact": {"name": None, "email": "kor@kor.example", "phone": None, "website": None},
        },
        "location": {
            "address": "Torvet 1",
            "postcode": "8500",
            "town": "Grenaa",
            "lat": None,
            "lon": None,
            "online": False,
        },
        "schedule": {"slots": [{"weekday": 2, "start": "10:00", "end": "12:00"}], "valid_from": None, "valid_to": None},
        "cost": {"options": []},
        "accessibility": [],
        "companion_available": False,
        "transport_offered": False,
        "contact": None,
        "status": "active",
    }
    offer.update(overrides)
    return offer


def test_a_plain_offer() -> None:
    item = plan_item(_offer(), date(2026, 12, 1))  # a Tuesday
    assert item.where == "Torvet 1, 8500 Grenaa"
    assert item.when == "hver tirsdag formiddag (kl. 10.00–12.00)"
    assert item.next_dates == [
        "tirsdag 1. december kl. 10.00",
        "tirsdag 8. december kl. 10.00",
        "tirsdag 15. december kl. 10.00",
    ]
    assert item.price == "Prisen er ikke oplyst"  # unknown is never "free"
    assert item.contact == ["E-mail: kor@kor.example"]  # the organisation's, when the offer has none
    assert item.companion == "Spørg foreningen, om du må tage en ledsager med."
    assert item.getting_there == ["Spørg foreningen, hvordan du bedst kommer derhen."]


def test_companion_transport_and_access() -> None:
    item = plan_item(
        _offer(
            companion_available=True,
            transport_offered=True,
            accessibility=["near_public_transport", "step_free"],
            cost={"options": [{"amount": 0, "currency": "DKK", "per": None, "text": None}]},
            contact={"name": "Anne", "email": None, "phone": "86 00 00 00", "website": None},
        ),
        date(2026, 12, 1),
    )
    assert item.companion.startswith("Du må gerne tage en ledsager med")
    assert item.getting_there == [
        "Foreningen tilbyder kørsel – aftal det med dem.",
        "Der er bus eller tog tæt på. Find afgange på rejseplanen.dk.",
        "Der er adgang uden trin.",
    ]
    assert item.contact == ["Kontaktperson: Anne", "Telefon: 86 00 00 00"]
    assert item.price == "Gratis"


def test_online_and_by_appointment() -> None:
    item = plan_item(
        _offer(
            location={"address": None, "postcode": None, "town": None, "lat": None, "lon": None, "online": True},
            schedule={"slots": [], "valid_from": None, "valid_to": None},
        ),
        date(2026, 12, 1),
    )
    assert item.where.startswith("Online") and item.when == "efter aftale" and item.next_dates == []
    assert item.getting_there == ["Du deltager hjemmefra på computer, tablet eller telefon."]


def test_the_season_limits_the_next_dates() -> None:
    item = plan_item(
        _offer(
            schedule={
                "slots": [{"weekday": 2, "start": "19:00", "end": "21:00"}],
                "valid_from": "2027-01-01",
                "valid_to": "2027-01-10",
            }
        ),
        date(2026, 12, 1),
    )
    assert item.next_dates == ["tirsdag 5. januar kl. 19.00"]
