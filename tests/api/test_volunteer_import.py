"""The volunteer centre's import page (/frivillig/import): files with many kinds of bad records,
CSV, JSON and HSDS, give a report in Danish: every error and warning through the importer's
message catalogue (catalogue.messages), with the record, line and Danish field label."""

from __future__ import annotations

import copy
import html as htmllib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.formats import CSV_COLUMNS
from tests.api.pages import csrf, sign_in

FOREIGN = Path(__file__).resolve().parents[1] / "data" / "hsds" / "foreign_service.json"

#: English words no Danish sentence on the page holds (values the file gave are removed first).
ENGLISH = re.compile(
    r"\b(must|give|not|unknown|invalid|missing|field|valid|the|is|be|only|cannot|should|than|with|stored|"
    r"left|number|record|between|may|exceeds|needs|use|known|found|error|kept|amount|price|schedule|"
    r"accessibility|option|page|negative|unclear)\b",
    re.IGNORECASE,
)


@pytest.fixture
def coordinator(client: FlaskClient, demo_app: Flask) -> FlaskClient:
    assert sign_in(client, demo_app.config["KEYS"]["volunteer_centre"]) == 302
    return client


def _check(client: FlaskClient, data: bytes, filename: str, fmt: str = "") -> tuple[int, str]:
    token = csrf(client.get("/frivillig/import").get_data(as_text=True))
    res = client.post(
        "/frivillig/import",
        data={"csrf": token, "format": fmt, "step": "check", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    return res.status_code, res.get_data(as_text=True)


def _report(page: str) -> dict[str, list[str]]:
    """The report as text: ``{"rows": ["post | linje | id | field: message", ...], "warnings": [...]}``."""
    rows = []
    for row in re.findall(r"<tr><td>(.*?)</tr>", page, re.DOTALL):
        cells = [htmllib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.split(r"</td>\s*<td>", row)]
        items = re.findall(r"<li><strong>(.*?)</strong>: (.*?)</li>", row, re.DOTALL)
        for field, message in items:
            rows.append(
                f"{cells[0]} | {cells[1]} | {cells[2]} | {htmllib.unescape(field)}: {htmllib.unescape(message)}"
            )
    warnings_block = re.search(r"Advarsler fra indlæsningen</h3>.*?<ul>(.*?)</ul>", page, re.DOTALL)
    warnings = (
        [htmllib.unescape(w) for w in re.findall(r"<li>(.*?)</li>", warnings_block.group(1))] if warnings_block else []
    )
    return {"rows": rows, "warnings": warnings}


def _english_in(text: str) -> list[str]:
    """English words in a Danish line, after removing what the file itself said: quoted values,
    bracketed field paths and ids, and column names such as ``location.online``."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\([^()]*[._][^()]*\)|\b\w+[._]\w+\b|\bcondition:\w+", " ", text)
    return [w for w in ENGLISH.findall(text) if w not in CSV_COLUMNS]  # a column is named as the file names it


HEADER = (
    "id;kind;title;organisation.name;categories;location.town;location.postcode;location.lat;location.lon;"
    "schedule;cost.amount_dkk;cost.per;places_total;places_available;age_min;age_max;newcomers_welcome;"
    "languages;last_verified;contact.email;status\n"
)
GOOD = "ok-1;activity;Strikkecafé;Strikkerne;kreativ;Auning;;;;tirsdag 10-12;600;år;;;;;ja;da;;;active\n"
#: Each bad row: (the row, the Danish field label and message expected for it).
BAD_ROWS = [
    (
        "b-int;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;mange;;;;;;;;active\n",
        "Pladser i alt: Skal være et helt tal, fx 12.",
    ),
    ("b-title;activity;;Koret;sang;Auning;;;;tirsdag 10-12;;;;;;;;;;;active\n", "Titel: Skal udfyldes."),
    (
        "b-town;activity;Kor;Koret;sang;Atlantis;;;;tirsdag 10-12;;;;;;;;;;;active\n",
        "Sted: Stedet kendes ikke. Skriv en kendt by eller et postnummer i Norddjurs",
    ),
    (
        "b-sched;activity;Kor;Koret;sang;Auning;;;;når vi har lyst;;;;;;;;;;;active\n",
        'Tidspunkt: Kan ikke læse tidspunktet "når vi har lyst"',
    ),
    (
        "b-amb;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;2,400;år;;;;;;;;;active\n",
        "Pris, mulighed 1, beløb (cost.options.0.amount): Tallet '2,400' kan læses på to måder.",
    ),
    (
        "b-amb2;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;2.4;år;;;;;;;;;active\n",
        "Pris, mulighed 1, beløb (cost.options.0.amount): Tallet '2.4' kan læses på to måder.",
    ),
    (
        "b-cat;activity;Kor;Koret;strikning;Auning;;;;tirsdag 10-12;;;;;;;;;;;active\n",
        "Kategorier: Ukendt kategori: strikning. Brug en af kategorierne",
    ),
    (
        "b-kind;hobby;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;;;;;;;;;active\n",
        "Type: Skal være en af: Foreningsaktivitet, Frivillig indsats, Kommunalt tilbud.",
    ),
    (
        "b-range;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;2000000;;;;;;;;active\n",
        "Pladser i alt: Skal være et tal fra 0 til 1.000.000.",
    ),
    (
        "b-places;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;3;5;;;;;;;active\n",
        "Ledige pladser: Ledige pladser (5) er flere end pladser i alt (3).",
    ),
    (
        "b-age;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;;;70;60;;;;;active\n",
        "Til alder: Til alder er lavere end fra alder.",
    ),
    (
        "b-bool;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;;;;;måske;;;;active\n",
        "Nye er velkomne: Skal være ja eller nej.",
    ),
    (
        "b-lang;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;;;;;;klingonsk;;;active\n",
        "Sprog: Ukendt sprog: klingonsk.",
    ),
    (
        "b-date;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;;;;;;;31-13-2026;;active\n",
        "Sidst kontrolleret: Datoen '31-13-2026' findes ikke.",
    ),
    (
        "b-mail;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;;;;;;;;;;ikke-en-mail;active\n",
        "E-mail (contact.email): Ikke en gyldig e-mailadresse, fx navn@forening.dk.",
    ),
    (
        "b-post;activity;Kor;Koret;sang;;85OO;;;tirsdag 10-12;;;;;;;;;;;active\n",
        "Postnummer (location.postcode): Et postnummer har 4 cifre, fx 8500.",
    ),
    (
        "b-lat;activity;Kor;Koret;sang;;;60,5;10,5;tirsdag 10-12;;;;;;;;;;;active\n",
        "Breddegrad (location.lat): Breddegraden 60,5 ligger uden for Danmark (54,5-57,8).",
    ),
    (
        "b-period;activity;Kor;Koret;sang;Auning;;;;tirsdag 10-12;600;pr. fortnight;;;;;;;;;active\n",
        "Pris, mulighed 1, periode (cost.options.0.per): Skal være en af: gang, uge, måned",
    ),
    (
        "ok-1;activity;Igen;Strikkerne;kreativ;Auning;;;;tirsdag 10-12;;;;;;;;;;;active\n",
        "Id: Id'et 'ok-1' står flere gange i filen: også i post 1.",
    ),
    (
        ";activity;Uden id;Koret;sang;Auning;;;;tirsdag 10-12;;;;;;;;;;;active\n",
        "Id: Et importeret tilbud skal have et id",
    ),
]


def test_a_csv_with_many_kinds_of_bad_rows_is_reported_in_danish(coordinator: FlaskClient) -> None:
    csv = HEADER + GOOD + "".join(row for row, _ in BAD_ROWS)
    status, page = _check(coordinator, csv.encode(), "foreninger.csv")
    assert status == 422 and "intet er gemt" in page
    assert f"{len(BAD_ROWS)} poster med fejl" in page
    rows = _report(page)["rows"]
    for pos, (_, expected) in enumerate(BAD_ROWS, start=2):
        line = pos + 1  # the header is line 1
        mine = [r for r in rows if r.startswith(f"{pos} | {line} |")]
        assert any(expected in r for r in mine), (expected, mine)
    for row in rows:
        assert "Ugyldig værdi (" not in row and _english_in(row) == [], row


def test_json_records_give_marshmallows_messages_in_danish(coordinator: FlaskClient) -> None:
    base = {
        "id": "j-1",
        "kind": "activity",
        "title": "Kor",
        "organisation": {"name": "Koret"},
        "categories": ["sang"],
        "location": {"town": "Auning"},
    }
    records = [
        {**base, "id": "j-ukendt", "colour": "blå"},
        {**base, "id": "j-null", "title": None},
        {**base, "id": "j-list", "categories": "sang"},
        {**base, "id": "j-type", "location": "Auning"},
        {**base, "id": "j-long", "title": "x" * 201},
        {**base, "id": "j-slot", "schedule": {"slots": [{"weekday": 9, "start": "25:00", "end": "10:00"}]}},
        {**base, "id": "j-float", "location": {"lat": "nord", "lon": 10.5}},
        "ikke et tilbud",
    ]
    status, page = _check(coordinator, json.dumps(records).encode(), "tilbud.json")
    assert status == 422
    rows = _report(page)["rows"]
    expected = [
        "1 |  | j-ukendt | colour: Ukendt felt",
        "2 |  | j-null | Titel: Må ikke være tom.",
        "3 |  | j-list | Kategorier: Skal være en liste",
        "4 |  | j-type | Sted: Forkert type",
        "5 |  | j-long | Titel: Højst 200 tegn.",
        "6 |  | j-slot | Tidspunkt, tid 1, ugedag (schedule.slots.0.weekday): Ugedagen er 1 (mandag) til 7 (søndag).",
        "6 |  | j-slot | Tidspunkt, tid 1, starttid (schedule.slots.0.start): Skriv klokkeslættet som TT:MM",
        "7 |  | j-float | Breddegrad (location.lat): Skal være et tal",
        "8 |  |  | Posten: En post skal være et objekt med felter.",
    ]
    for item in expected:
        assert any(r.startswith(item) for r in rows), (item, rows)
    for row in rows:
        assert "Ugyldig værdi (" not in row and _english_in(row) == [], row


def _service(**changes: Any) -> dict[str, Any]:
    service = copy.deepcopy(json.loads(FOREIGN.read_text(encoding="utf-8")))
    service.update(changes)
    return service


def test_an_hsds_file_gives_danish_errors_and_warnings(coordinator: FlaskClient) -> None:
    no_name = _service(id="h-noname")
    del no_name["name"]
    atlantis = _service(id="h-town")
    for sal in atlantis["service_at_locations"]:
        sal["location"].pop("latitude", None)
        sal["location"].pop("longitude", None)
        for address in sal["location"]["addresses"]:
            address.update(city="Atlantis", postal_code="9999")
    warned = _service(id="h-warn")
    warned["cost_options"] = [{"id": "c1", "amount": 20, "currency": "EUR", "option": "Kaffe pr. gang"}]
    warned["service_at_locations"][0]["location"]["accessibility"] = [
        {"id": "a1", "description": "Kørestolsadgang: nej"}
    ]
    warned["schedules"] = [
        {"id": "s-yearly", "freq": "YEARLY", "byday": "TU", "opens_at": "10:00", "closes_at": "12:00"}
    ]
    text_price = _service(id="h-fee")
    del text_price["cost_options"]
    text_price["fees_description"] = "Kontingent efter aftale"
    page_doc = {"contents": [no_name, atlantis, warned, text_price], "total_pages": 3, "page_number": 1}
    status, page = _check(coordinator, json.dumps(page_doc).encode(), "side1.json", fmt="hsds")
    assert status == 422
    report = _report(page)
    assert any(r.startswith("1 |  | h-noname | Titel: Skal udfyldes.") for r in report["rows"]), report["rows"]
    assert any(r.startswith("2 |  | h-town | Sted: Stedet kendes ikke.") for r in report["rows"]), report["rows"]
    warnings = report["warnings"]
    assert "Side 1 af 3: kun tilbuddene på denne side er læst; hent også de andre sider." in warnings
    assert any(
        w.startswith("Post 3 (h-warn): prismulighed 1 (") and "er ikke i DKK; gemt, men prisen regnes som ukendt" in w
        for w in warnings
    ), warnings
    assert (
        "Post 3 (h-warn): tilgængeligheden 'Kørestolsadgang: nej' er negativ, begrænset eller uklar; intet er sat, "
        "tjek den selv"
    ) in warnings
    assert any(
        w.startswith("Post 3 (h-warn): tidspunkt s-yearly (YEARLY, TU, 10:00-12:00) er udeladt: gentagelsen YEARLY")
        for w in warnings
    )
    assert (
        "Post 4 (h-fee): prisen står kun som tekst ('Kontingent efter aftale'); gemt som ukendt, med teksten"
        in warnings
    )
    for line in [*report["rows"], *warnings]:
        assert "Ugyldig værdi (" not in line and _english_in(line) == [], line


@pytest.mark.parametrize(
    ("data", "filename", "fmt", "danish_text"),
    [
        (b"{nope", "x.json", "json", "Filen er ikke gyldig JSON: fejl i linje 1, kolonne 2."),
        (b"id;title;colour\n1;x;blue\n", "x.csv", "", "Ukendte kolonner: colour."),
        (
            b"kind;title\nactivity;x\n",
            "x.csv",
            "",
            "Overskriftslinjen mangler kolonnen/kolonnerne id (Id). Fundet: kind, title.",
        ),
        ("id;title\næ;ø\n".encode("latin-1"), "x.csv", "", "x.csv er ikke gemt som UTF-8"),
        (b'{"offers": []}', "x.json", "hsds", 'Det er en Fællesskabsmatch-fil ("offers"), ikke HSDS'),
        (b"", "x.csv", "", "CSV-filen er tom."),
    ],
)
def test_a_file_that_cannot_be_read_says_why_in_danish(
    coordinator: FlaskClient, data: bytes, filename: str, fmt: str, danish_text: str
) -> None:
    status, page = _check(coordinator, data, filename, fmt)
    assert status == 422
    message = htmllib.unescape(re.search(r"Filen kan ikke læses: ([^<]*)", page).group(1))  # type: ignore[union-attr]
    assert danish_text in message
    assert "Ugyldig værdi (" not in message and _english_in(message) == [], message


def test_the_importers_own_warnings_reach_the_page_a_village_without_a_point(coordinator: FlaskClient) -> None:
    """A record in a village the gazetteer knows by name only ("Homaa" -> Homå) is stored without a
    point, and the page says so in Danish, as the CLI and the JSON API do (the importer's warning, not
    only the reader's)."""
    row = "v-homaa;activity;Strikkecafé;Strikkerne;kreativ;Homaa;8500;;;tirsdag 10-12;600;år;;;;;ja;da;;;active\n"
    status, page = _check(coordinator, (HEADER + GOOD + row).encode(), "landsby.csv")
    assert status == 200, page
    warnings = _report(page)["warnings"]
    assert any(w.startswith("Post 2 (v-homaa): byen Homå kendes, men ikke hvor den ligger") for w in warnings), warnings
    assert not [w for w in warnings if _english_in(w)], warnings
