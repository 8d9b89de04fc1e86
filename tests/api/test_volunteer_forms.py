"""The volunteer centre's form logic (api.volunteer_forms): record <-> form, changed groups,
conflict merges and Danish messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from api.volunteer_forms import (
    OFFER_GROUPS,
    ORG_GROUPS,
    changed_groups,
    changes,
    errors_da,
    full_record,
    merge_choice,
    message_da,
    offer_to_form,
    organisation_to_form,
    read_form,
    show_group,
)
from catalogue.privacy import CPR_MESSAGE

OFFER: dict[str, Any] = {
    "title": "Seniorkor",
    "kind": "activity",
    "description": "Vi synger.",
    "categories": ["sang", "musik"],
    "location": {
        "address": "Torvet 1",
        "postcode": "8500",
        "town": "Grenaa",
        "lat": 56.4,
        "lon": 10.9,
        "online": False,
    },
    "schedule": {
        "state": "slots",
        "slots": [{"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}],
        "valid_from": None,
        "valid_to": None,
        "exception_months": [],
        "exception_periods": [],
    },
    "cost": {"options": [{"amount": 150.0, "currency": "DKK", "per": "år", "text": None}]},
    "accessibility": ["wheelchair"],
    "languages": ["da", "en"],
    "age_min": 60,
    "age_max": None,
    "group_size": "medium",
    "newcomers_welcome": True,
    "companion_available": False,
    "transport_offered": False,
    "places_total": 30,
    "places_available": 5,
    "waitlist": None,
    "volunteers": None,
    "status": "active",
    "last_verified": date(2026, 9, 1),
    "contact": {"name": None, "email": "kor@example.dk", "phone": None, "website": None},
}


def _posted(form: dict[str, Any]) -> MultiDict[str, str]:
    items: list[tuple[str, str]] = []
    for k, v in form.items():
        items.extend((k, x) for x in v) if isinstance(v, list) else items.append((k, v))
    return MultiDict(items)


def test_offer_form_shows_danish_schedule_and_price_rows() -> None:
    form = offer_to_form(OFFER)
    assert form["schedule"] == "første tirsdag i måneden kl. 19–21"
    assert (form["cost.options.0.amount"], form["cost.options.0.per"], form["cost.options.1.amount"]) == (
        "150",
        "år",
        "",
    )
    assert form["languages"] == "da, en" and form["last_verified"] == "2026-09-01"
    assert form["age_min"] == "60" and form["age_max"] == "" and form["newcomers_welcome"] == "on"


def test_unchanged_form_has_no_changes_and_one_edit_one_group() -> None:
    stored = offer_to_form(OFFER)
    posted = read_form(_posted(stored), OFFER_GROUPS)
    assert changes(posted, stored, OFFER_GROUPS) == {}
    posted["cost.options.1.amount"] = "12,50"
    posted["cost.options.1.text"] = "kaffe"
    assert changes(posted, stored, OFFER_GROUPS) == {
        "cost": {
            "options": [
                {"amount": 150.0, "currency": "DKK", "per": "år", "text": None},
                {"amount": 12.5, "currency": "DKK", "per": None, "text": "kaffe"},
            ]
        }
    }


def test_text_in_a_number_field_goes_to_the_schema() -> None:
    form = offer_to_form(OFFER)
    form.update({"age_min": "tres", "places_total": "", "cost.options.0.amount": "1.500,75"})
    record = full_record(form, OFFER_GROUPS)
    assert record["age_min"] == "tres" and record["places_total"] is None
    assert record["cost"]["options"][0]["amount"] == 1500.75


def test_merge_choice_takes_theirs_only_where_chosen() -> None:
    mine = offer_to_form({**OFFER, "title": "Mit kor", "description": "Min tekst"})
    theirs = offer_to_form({**OFFER, "title": "Deres kor", "waitlist": 4})
    merged = merge_choice(mine, theirs, {"title": "theirs", "description": "mine"}, OFFER_GROUPS)
    assert (merged["title"], merged["description"]) == ("Deres kor", "Min tekst")
    assert changed_groups(mine, theirs, OFFER_GROUPS) == ["title", "description", "capacity"]
    assert show_group("capacity", theirs, OFFER_GROUPS) == "Pladser i alt: 30; Ledige pladser: 5; På venteliste: 4"


def test_organisation_form_round_trip() -> None:
    org = {"name": "Testkoret", "type": "association", "description": "", "cvr": None, "contact": None}
    form = organisation_to_form(org)
    assert full_record(form, ORG_GROUPS) == {**org, "description": ""}


def test_messages_in_danish() -> None:
    assert message_da("Missing data for required field.") == "Skal udfyldes."
    assert message_da("Longer than maximum length 200.") == "Højst 200 tegn."
    assert message_da("Must be one of: activity, volunteer_service.") == "Vælg en af mulighederne."
    assert message_da(CPR_MESSAGE) == CPR_MESSAGE
    assert message_da("Something new.") == "Ugyldig værdi (Something new.)"


def test_errors_land_on_the_nearest_field() -> None:
    form = offer_to_form(OFFER)
    errors = errors_da(
        {
            "location": ["Give lat and lon, a known Norddjurs postcode or town, or online: true."],
            "cost.options.0.amount": ["Not a number."],
            "organisation.name": ["Missing data for required field."],
        },
        form,
    )
    assert errors == {
        "location.address": ["Skriv en kendt by eller et postnummer i Norddjurs, eller sæt kryds ved online."],
        "cost.options.0.amount": ["Skal være et tal."],
        "_form": ["Forening: Skal udfyldes."],
    }


def test_the_main_category_stays_first() -> None:
    stored = offer_to_form(OFFER)  # sang (main), musik
    posted = {**stored, "categories": ["motion", "musik", "sang"]}  # the page lists them in taxonomy order
    assert changes(posted, stored, OFFER_GROUPS) == {"categories": ["sang", "musik", "motion"]}


def test_target_groups_round_trip_and_change_as_one_group() -> None:
    stored = offer_to_form({**OFFER, "audience": ["relatives", "seniors"]})
    assert stored["audience"] == ["relatives", "seniors"]
    posted = read_form(_posted({**stored, "audience": ["seniors", "relatives"]}), OFFER_GROUPS)
    assert changes(posted, stored, OFFER_GROUPS) == {}  # the same boxes in another order
    posted = read_form(_posted({**stored, "audience": ["seniors", "condition:dementia"]}), OFFER_GROUPS)
    assert changes(posted, stored, OFFER_GROUPS) == {"audience": ["seniors", "condition:dementia"]}
    unticked = read_form(_posted({k: v for k, v in stored.items() if k != "audience"}), OFFER_GROUPS)
    assert changes(unticked, stored, OFFER_GROUPS) == {"audience": []}  # none ticked: for everyone
    assert full_record(offer_to_form(OFFER), OFFER_GROUPS)["audience"] == []


def test_the_conflict_view_names_codes_in_danish() -> None:
    form = offer_to_form({**OFFER, "audience": ["seniors", "condition:dementia", "grandparents"]})
    labels = {"audience": {"seniors": "Seniorer", "condition:dementia": "Demens"}}
    assert show_group("audience", form, OFFER_GROUPS, labels) == "Seniorer, Demens, grandparents"
    assert show_group("audience", offer_to_form(OFFER), OFFER_GROUPS, labels) == "For alle (ingen målgruppe)"


def test_audience_and_age_messages_in_danish() -> None:
    unknown = (
        "Unknown audience: aliens, x. Known: seniors, men (or their Danish labels; leave the list empty for everyone)."
    )
    assert message_da(unknown) == "Ukendt målgruppe: aliens, x. Vælg blandt mulighederne."
    assert message_da("age_max is below age_min.") == "Til-alderen er lavere end fra-alderen."
