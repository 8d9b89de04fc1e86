"""The importer's message catalogue: every error and warning an import can give, with a stable
code, its parameters and a Danish text.

The importer and its readers write their messages in English (the JSON API and the CLI show
them as they are, so their output never changes); this module is the one place that knows each
of them: :data:`MESSAGES` holds, per message, a code (``"number.ambiguous"``), the English
template exactly as the code produces it (``"Ambiguous number {raw}: write it as ..."``) and a
Danish template with the same parameters. :func:`explain` reads a message back into its code and
parameters, and :func:`danish` gives the Danish text, e.g. for the volunteer centre's import page::

    >>> danish("Not a valid integer.")
    'Skal være et helt tal.'
    >>> explain("Duplicate id 'kor-1': also record 3.")
    Explained(code='id.duplicate', params={'id': "'kor-1'", 'first': '3'})

New code writes a message from its code, :class:`Message` (``Message("id.missing")``): a ``str``
with the English text that carries its code and parameters, as :mod:`catalogue.importer` does.

Messages the importer already writes in Danish (the schedule parser's, Danish dates and ages,
the CPR guard's) are in the catalogue too, with the same text both ways, so that "every message
is known" can be tested. Marshmallow's own generic messages ("Not a valid integer.", "Missing
data for required field.", length and range messages) are listed with marshmallow's templates.

Danish templates use ``str.format`` fields with conversions of their own: ``{x!n}`` a number
in Danish (Babel: ``100000`` -> ``100.000``, ``54.5`` -> ``54,5``), ``{x!m}`` a nested message
in Danish (a warning's reason), ``{x!f}`` a field path as its Danish label, ``{x!c}`` a list of
codes as their Danish labels, ``{x!k}`` a list of CSV columns each with its Danish label. Parameters that hold an English detail from a library (JSON's or
CSV's parser) are left out of the Danish text.

A message nobody catalogued is shown as ``"Ugyldig værdi (…)"`` by :func:`danish`, and
``tests/catalogue/test_messages.py`` fails when an importer module produces one.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from babel.numbers import format_decimal

from . import taxonomy
from .audience import AudienceVocabulary
from .schedule.model import FREQS, STATES

#: The locale of Danish numbers.
LOCALE: Final = "da_DK"
#: What :func:`danish` shows for a message that is not in the catalogue (``{message}`` is the English).
UNKNOWN_DA: Final = "Ugyldig værdi ({message})"


@dataclass(frozen=True)
class MessageDef:
    """One message: a stable ``code``, the English template as produced (``str.format`` fields,
    no conversions) and the Danish template (same fields, with the conversions above)."""

    code: str
    en: str
    da: str
    #: ``"error"`` (the record or file is refused) or ``"warning"`` (imported, something left out).
    kind: str = "error"
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _literals: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", _template_regex(self.en))
        object.__setattr__(self, "_literals", tuple(lit for lit, *_ in string.Formatter().parse(self.en) if lit))

    @property
    def literal_length(self) -> int:
        """How many characters of the English template are fixed text (more: more specific)."""
        return sum(len(lit) for lit, *_ in string.Formatter().parse(self.en))

    @property
    def prefix_length(self) -> int:
        """How many characters the English template begins with before its first field."""
        return len(next(iter(string.Formatter().parse(self.en)), ("",))[0])

    def match(self, message: str) -> dict[str, str] | None:
        """The parameters when ``message`` is this template filled in, else None. The fixed parts
        are looked for in order first (cheap), so a long text is only matched by a regex when it
        can match."""
        pos = 0
        for literal in self._literals:
            pos = message.find(literal, pos)
            if pos < 0:
                return None
            pos += len(literal)
        found = self._regex.fullmatch(message)
        if found is None:
            return None
        return {name.split("__")[0]: value for name, value in found.groupdict().items()}


@dataclass(frozen=True)
class Explained:
    """A message read back: its ``code`` and the ``params`` as they appear in the English text."""

    code: str
    params: dict[str, str]


#: Fields that always hold a number (a line, a limit, a count), matched as one.
_NUMBER_FIELDS: Final = frozenset(
    {"line", "column", "byte", "min", "max", "equal", "lat", "lon", "lo", "hi", "available", "total", "first"}
)


def _template_regex(template: str) -> re.Pattern[str]:
    """``"Must be {min}."`` -> ``Must\\ be\\ (?P<min__1>-?\\d[\\d.]*)\\.`` (a field named twice is
    captured twice; a number field only matches a number, any other field any text)."""
    parts: list[str] = []
    seen: dict[str, int] = {}
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            seen[name] = seen.get(name, 0) + 1
            value = r"-?\d[\d.]*" if name in _NUMBER_FIELDS else ".*?"
            parts.append(f"(?P<{name}__{seen[name]}>{value})")
    return re.compile("".join(parts), re.DOTALL)


def _m(code: str, en: str, da: str, kind: str = "error") -> MessageDef:
    return MessageDef(code, en, da, kind)


def _same(code: str, text: str, kind: str = "error") -> MessageDef:
    """A message the importer already writes in Danish."""
    return MessageDef(code, text, text, kind)


_NORDDJURS = "Skriv en kendt by eller et postnummer i Norddjurs, eller bredde- og længdegrad"

#: Every message an import can give. Codes are stable: add, never rename.
MESSAGES: Final[tuple[MessageDef, ...]] = (
    # -- marshmallow's generic messages (fields, validators, schemas) ------------------------
    _m("field.required", "Missing data for required field.", "Skal udfyldes."),
    _m("field.null", "Field may not be null.", "Må ikke være tom."),
    _m("field.validator_failed", "Invalid value.", "Ugyldig værdi."),
    _m("field.invalid_input", "Invalid input.", "Ugyldig værdi."),
    _m("field.unknown", "Unknown field.", "Ukendt felt: det findes ikke i filformatet (tjek stavningen)."),
    _m("field.type", "Invalid input type.", "Forkert type: her skal stå et objekt med felter."),
    _m("field.nested_type", "Invalid type.", "Forkert type: her skal stå et objekt med felter."),
    _m("field.string", "Not a valid string.", "Skal være tekst."),
    _m("field.utf8", "Not a valid utf-8 string.", "Skal være tekst i UTF-8."),
    _m("field.integer", "Not a valid integer.", "Skal være et helt tal, fx 12."),
    _m("field.number", "Not a valid number.", "Skal være et tal, fx 12 eller 37,50."),
    _m("field.number_too_large", "Number too large.", "Tallet er for stort."),
    _m("field.number_special", "Special numeric values (nan or infinity) are not permitted.", "Skal være et tal."),
    _m("field.boolean", "Not a valid boolean.", "Skal være ja eller nej."),
    _m("field.list", "Not a valid list.", "Skal være en liste (i CSV: værdier adskilt af ;)."),
    _m("field.date", "Not a valid date.", "Ikke en gyldig dato. Skriv fx 31-12-2026 eller 2026-12-31."),
    _m("field.date_format", '"{input}" cannot be formatted as a date.', 'Datoen "{input}" kan ikke læses.'),
    _m("field.datetime", "Not a valid datetime.", "Ikke et gyldigt tidspunkt."),
    _m("field.awareness", "Not a valid {awareness} {obj_type}.", "Ikke en gyldig dato eller et gyldigt tidspunkt."),
    _m("field.email", "Not a valid email address.", "Ikke en gyldig e-mailadresse, fx navn@forening.dk."),
    _m("field.url", "Not a valid URL.", "Ikke en gyldig webadresse; begynd med https://."),
    _m("field.mapping", "Not a valid mapping type.", "Skal være et objekt med felter."),
    _m("length.min", "Shorter than minimum length {min}.", "Skal være mindst {min!n} tegn."),
    _m("length.max", "Longer than maximum length {max}.", "Højst {max!n} tegn."),
    _m("length.between", "Length must be between {min} and {max}.", "Skal være mellem {min!n} og {max!n} tegn."),
    _m("length.equal", "Length must be {equal}.", "Skal være præcis {equal!n} tegn."),
    _m("range.min", "Must be greater than or equal to {min}.", "Skal være mindst {min!n}."),
    _m("range.min_exclusive", "Must be greater than {min}.", "Skal være over {min!n}."),
    _m("range.max", "Must be less than or equal to {max}.", "Må højst være {max!n}."),
    _m("range.max_exclusive", "Must be less than {max}.", "Skal være under {max!n}."),
    _m(
        "range.between",
        "Must be greater than or equal to {min} and less than or equal to {max}.",
        "Skal være et tal fra {min!n} til {max!n}.",
    ),
    _m("oneof", "Must be one of: {choices}.", "Skal være en af: {choices!c}."),
    _m("oneof.containsonly", "One or more of the choices you made was not in: {choices}.", "Vælg kun: {choices!c}."),
    _m("regexp", "String does not match expected pattern.", "Har ikke den form, der skal stå her."),
    _m("equal", "Must be equal to {other}.", "Skal være {other}."),
    # -- the offer schema (catalogue.schemas) ------------------------------------------------
    _m(
        "id.invalid",
        "Must be 1-100 letters, digits or . _ : - and start with a letter or digit.",
        "Et id er 1-100 bogstaver (a-z), cifre eller . _ : - og begynder med et bogstav eller ciffer.",
    ),
    _m("text.blank", "Must not be blank.", "Skal udfyldes (må ikke være blank)."),
    _m("text.plain", "Must be plain text: no NUL bytes or lone surrogates.", "Må kun være almindelig tekst."),
    _m(
        "phone.invalid",
        "Not a phone number (digits, spaces, optional +).",
        "Ikke et telefonnummer (cifre, mellemrum, evt. +).",
    ),
    _m("cvr.invalid", "A CVR number has exactly 8 digits.", "Et CVR-nummer har præcis 8 cifre."),
    _m("postcode.invalid", "A Danish postcode has 4 digits.", "Et postnummer har 4 cifre, fx 8500."),
    _m("point.half", "Give both lat and lon, or neither.", "Skriv både bredde- og længdegrad, eller ingen af dem."),
    _m(
        "point.lat_outside",
        "Latitude {lat} is outside Denmark ({lo}-{hi}).",
        "Breddegraden {lat!n} ligger uden for Danmark ({lo!n}-{hi!n}).",
    ),
    _m(
        "point.lon_outside",
        "Longitude {lon} is outside Denmark ({lo}-{hi}).",
        "Længdegraden {lon!n} ligger uden for Danmark ({lo!n}-{hi!n}).",
    ),
    _m("number.not", "Not a number.", "Skal være et tal, fx 600 eller 37,50."),
    _m(
        "cost.range",
        "Cost must be between 0 and 100000.",
        "Beløbet skal være mellem 0 og " + format_decimal(100000, locale=LOCALE) + " kr.",
    ),
    _m("cost.currency", "Give an ISO 4217 currency code such as DKK.", "Skriv valutaen som en kode, fx DKK."),
    _m(
        "cost.amount_or_text",
        "Give an amount, or a text describing the price.",
        "Skriv et beløb eller en tekst om prisen.",
    ),
    _m("list.max10", "At most 10.", "Højst 10."),
    _m("list.max20", "At most 20.", "Højst 20."),
    _m(
        "cost.two_shapes",
        "Give the price either as options (the CSV cost column) or as amount_dkk and per, not both.",
        "Skriv prisen enten i kolonnen cost eller i cost.amount_dkk og cost.per, ikke begge steder.",
    ),
    _m(
        "cost.unknown_next_to_amount",
        "Unknown field(s) next to amount_dkk: {fields}.",
        "Ukendte felter ved siden af amount_dkk: {fields}.",
    ),
    _m("categories.count", "Give 1 to 10 categories.", "Skriv 1 til 10 kategorier."),
    _m("other_locations.max", "At most 20 other places.", "Højst 20 andre steder."),
    _m(
        "category.unknown",
        "Unknown category: {unknown}. Known: {known}.",
        "Ukendt kategori: {unknown}. Brug en af kategorierne (kode eller dansk navn): {known!c}.",
    ),
    _m(
        "language.unknown",
        "Not a language: {codes}. Give an ISO 639-1 code (Danish is 'da'), an ISO 639-3 code or the language's name.",
        "Ukendt sprog: {codes}. Skriv en sprogkode (dansk er 'da') eller sprogets navn, fx dansk, engelsk.",
    ),
    _m(
        "audience.unknown",
        "Unknown audience: {unknown}. Known: {known} (or their Danish labels; leave the list empty for everyone).",
        "Ukendt målgruppe: {unknown}. Brug en af: {known!c} (tom betyder alle).",
    ),
    _m("age.order", "age_max is below age_min.", "Til alder er lavere end fra alder."),
    _m(
        "places.exceeds",
        "places_available ({available}) exceeds places_total ({total}).",
        "Ledige pladser ({available!n}) er flere end pladser i alt ({total!n}).",
    ),
    _m("last_verified.future", "last_verified is in the future.", "Datoen for sidst kontrolleret ligger i fremtiden."),
    _m(
        "location.unknown",
        "Give lat and lon, a known Norddjurs postcode or town, or online: true.",
        "Stedet kendes ikke. " + _NORDDJURS + ", eller angiv at det foregår online (location.online: ja).",
    ),
    _m(
        "other_location.unknown",
        "Give lat and lon, or a known Norddjurs postcode or town.",
        "Stedet kendes ikke. " + _NORDDJURS + ".",
    ),
    # -- schedules (catalogue.schedule.schemas) ----------------------------------------------
    _m("time.invalid", "Time must be HH:MM between 00:00 and 23:59.", "Skriv klokkeslættet som TT:MM, fx 09:30."),
    _m("zero.not_allowed", "0 is not allowed.", "0 er ikke tilladt."),
    _m("weekday.range", "Weekday is 1 (Monday) to 7 (Sunday).", "Ugedagen er 1 (mandag) til 7 (søndag)."),
    _m("slot.end_before_start", "End time must be after start time.", "Sluttiden skal være efter starttiden."),
    _m(
        "slot.no_day",
        "Give a weekday (1-7), or bymonthday for a day of the month.",
        "Skriv en ugedag (1-7) eller en dag i måneden.",
    ),
    _m(
        "slot.nth_needs_monthly",
        "nth (e.g. 1 = first, -1 = last weekday of the month) needs freq MONTHLY.",
        "En bestemt ugedag i måneden (fx første tirsdag) kræver, at det gentages månedligt.",
    ),
    _m(
        "slot.monthday_needs_monthly",
        "bymonthday needs freq MONTHLY.",
        "En dag i måneden kræver, at det gentages månedligt.",
    ),
    _m(
        "slot.weekno_needs_weekly",
        "byweekno (ISO week numbers) needs freq WEEKLY.",
        "Ugenumre kræver, at det gentages ugentligt.",
    ),
    _m(
        "slot.daily_interval",
        "freq DAILY (on a weekday: every week) takes no interval; use WEEKLY.",
        "Dagligt kan ikke have et interval; skriv fx hver anden onsdag.",
    ),
    _m(
        "slot.nth_and_monthday",
        "Give nth or bymonthday, not both.",
        "Skriv enten en ugedag i måneden eller en dato i måneden, ikke begge.",
    ),
    _m(
        "slot.until_and_count",
        "Give until or count, not both (RFC 5545).",
        "Skriv enten en slutdato eller et antal gange, ikke begge.",
    ),
    _m(
        "slot.count_needs_start",
        "count needs dtstart: the date the meetings are counted from.",
        "Et antal gange kræver en startdato, fx 8 gange fra 5. januar.",
    ),
    _m("slot.until_before_start", "until is before dtstart.", "Slutdatoen ligger før startdatoen."),
    _m("period.order", "to is before from.", "Slutdatoen ligger før startdatoen."),
    _m("month.range", "A month is 1 (January) to 12 (December).", "En måned er 1 (januar) til 12 (december)."),
    _m("season.order", "valid_to is before valid_from.", "Sæsonens slutdato ligger før dens startdato."),
    _m("schedule.slots_needed", 'State "slots" needs at least one slot.', "Skriv mindst ét tidspunkt."),
    _m(
        "schedule.state_has_slots",
        'State "{state}" has no slots; use "slots".',
        'Et tidspunkt "{state!c}" kan ikke også have faste tider.',
    ),
    # -- Danish already: the schedule parser, dates, ages, places, privacy -------------------
    _same("schedule.unreadable", 'Kan ikke læse tidspunktet "{text}": {reason}. Skriv fx {examples}.'),
    _same("schedule.no_day_time", "der står ingen ugedag med et tidsrum (fx 10-12)"),
    _same("schedule.weeks_and_monthday", "lige/ulige uger kan ikke kombineres med en bestemt dag i måneden"),
    _same("schedule.day_missing", "der mangler en ugedag foran tidsrummet"),
    _same("schedule.time_missing", "der mangler et tidsrum (fx 19-21)"),
    _same("schedule.not_understood", '"{rest}" forstås ikke'),
    _same("schedule.one_day_nth", "skriv én dag ad gangen for en bestemt dag i måneden"),
    _same("schedule.not_clock", '"{value}" er ikke et klokkeslæt'),
    _same("schedule.count_start", 'skriv hvornår det starter, fx "8 gange fra 5. januar"'),
    _same("schedule.end_before_start", "slutdatoen ligger før startdatoen"),
    _same("schedule.end_time", "sluttiden {end} er ikke efter starttiden {start}"),
    _same("schedule.weekno", '"uge {item}" er ikke ugenumre (1-53)'),
    _same("schedule.nth_month", 'skriv "{word} … i måneden" for en bestemt dag hver måned'),
    _same("schedule.example_month", 'skriv fx "første tirsdag i måneden" for en bestemt dag hver måned'),
    _same("schedule.not_monthday", '"{body}" er ikke en dag i måneden'),
    _same("schedule.not_weekday", '"{item}" er ikke en ugedag'),
    _same("schedule.days_backwards", 'dagene "{item}" går baglæns'),
    _same("schedule.not_date", '"{text}" er ikke en dato'),
    _same("date.unreadable", "Datoen {text} kan ikke læses. {hint}"),
    _same("date.nonexistent", "Datoen {text} findes ikke. {hint}"),
    _same("age.unreadable", "Alderen {text} kan ikke læses. {hint}"),
    _same("age.backwards", "Alderen {text} går baglæns. {hint}"),
    _same("age.max_is_one", "age_max er én alder, ikke {value}; skriv intervallet i age_min."),
    _same("age.min_says_max", "age_min {value} siger allerede en øvre alder; age_max må ikke sige noget andet."),
    _same(
        "places.unreadable",
        "Stedet {part} kan ikke læses. Skriv 'adresse, postnummer by @ bredde længde', flere steder adskilt af |, fx {example}.",
    ),
    _same("cpr", "Må ikke indeholde et CPR-nummer."),
    # -- prices (catalogue.costs) ------------------------------------------------------------
    _m(
        "number.ambiguous",
        "Ambiguous number {raw}: write it as Danish Excel does, with '.' between thousands and ',' before decimals "
        "(2.400 = two thousand four hundred; 37,50 = thirty-seven and a half).",
        "Tallet {raw} kan læses på to måder. Skriv det som dansk Excel gør, med punktum mellem tusinder og komma "
        "før decimaler: 2.400 er to tusind fire hundrede, 37,50 er syvogtredive en halv.",
    ),
    _m("number.unreadable", "Not a number: {raw}.", "{raw} er ikke et tal."),
    _m("cost.empty", "The price is empty.", "Prisen er tom."),
    _m(
        "cost.unreadable",
        "Cannot read the price {part}: write e.g. '600 kr/år; 15 kr/gang (kaffe)'.",
        "Prisen {part} kan ikke læses. Skriv fx '600 kr/år; 15 kr/gang (kaffe)'.",
    ),
    _m(
        "cost.period_unknown",
        "Unknown period {period} in {part}. Known: {known}.",
        "Ukendt periode {period} i {part}. Skriv en af: {known}.",
    ),
    # -- category and audience extensions (catalogue.taxonomy, catalogue.audience) -----------
    _m(
        "category.code",
        "Use 2-50 lower-case letters (a-z, æøå), digits, - or _, starting with a letter or digit.",
        "En kategorikode er 2-50 små bogstaver (a-z, æøå), cifre, - eller _ og begynder med et bogstav eller ciffer.",
    ),
    _m("label.max", "At most {max} characters.", "Højst {max!n} tegn."),
    _m("label.markup", "Must not contain < or > (no markup).", "Må ikke indeholde < eller >."),
    _m(
        "audience.code",
        "Use 2-40 lower-case letters a-z, digits or _, starting with a letter; prefix condition: for a condition.",
        "En målgruppekode er 2-40 små bogstaver a-z, cifre eller _ og begynder med et bogstav; "
        "en sygdom skrives condition:kode.",
    ),
    _m("audience.label", "At most {max} characters, no < or >.", "Højst {max!n} tegn, og ingen < eller >."),
    # -- the import itself (catalogue.importer, catalogue.store) -----------------------------
    _m("record.not_object", "A record must be an object.", "En post skal være et objekt med felter."),
    _m(
        "id.missing",
        "An imported offer needs an id, so that importing again updates it.",
        "Et importeret tilbud skal have et id, så en ny import opdaterer det i stedet for at lave et nyt.",
    ),
    _m(
        "id.duplicate",
        "Duplicate id {id}: also record {first}.",
        "Id'et {id} står flere gange i filen: også i post {first!n}.",
    ),
    _m(
        "organisation.differs",
        "Differs from record {first} for the same organisation.",
        "Står anderledes end i post {first!n} for samme forening.",
    ),
    _m(
        "import.database",
        "Database refused the import: {detail}",
        "Databasen afviste importen, og intet er gemt. Prøv igen, og kontakt den driftsansvarlige, hvis det sker igen.",
    ),
    _m("offer.exists", "An offer with id {id} already exists.", "Der findes allerede et tilbud med id {id}."),
    _m(
        "organisation.exists",
        "An organisation with id {id} already exists.",
        "Der findes allerede en forening med id {id}.",
    ),
    _m("offer.id_fixed", "The id of an offer cannot be changed.", "Et tilbuds id kan ikke ændres."),
    _m("capacity.field", "Not a capacity field.", "Ikke et kapacitetsfelt."),
    # -- reading a file (catalogue.fileformats, catalogue.formats, catalogue.hsds) -----------
    _m(
        "format.unknown_named",
        "Unknown {what} format {fmt}; use one of {known}.",
        "Ukendt format {fmt}; brug et af: {known}.",
    ),
    _m("format.unknown", "Unknown format {fmt}", "Ukendt format {fmt}."),
    _m(
        "format.undetectable",
        "Cannot tell the format of {name}; name it .json, .jsonl or .csv, or give the format (one of {known}).",
        "Formatet på {name} kan ikke ses af navnet; kald filen .csv, .json eller .jsonl, eller vælg formatet.",
    ),
    _m(
        "format.datapackage_upload",
        "An HSDS datapackage is a folder of CSV files; import it from disk, or send HSDS JSON.",
        "En HSDS-datapakke er en mappe med CSV-filer og kan ikke uploades her; send HSDS JSON i stedet.",
    ),
    _m(
        "file.is_folder",
        "{name} is a folder; a folder is read as an HSDS datapackage.",
        "{name} er en mappe, ikke en fil.",
    ),
    _m("file.unreadable", "Cannot read {name}: {detail}.", "Filen {name} kan ikke læses."),
    _m(
        "file.not_utf8",
        "{name} is not UTF-8 (byte {byte}). Save it as 'CSV UTF-8' or UTF-8 text.",
        "{name} er ikke gemt som UTF-8 (fejl ved byte {byte!n}). Gem den i Excel som 'CSV UTF-8 (kommasepareret)'.",
    ),
    _m(
        "file.not_utf8_short",
        "{name} is not UTF-8 (byte {byte}).",
        "{name} er ikke gemt som UTF-8 (fejl ved byte {byte!n}).",
    ),
    _m(
        "json.invalid",
        "Not valid JSON: {detail} at line {line}, column {column}.",
        "Filen er ikke gyldig JSON: fejl i linje {line!n}, kolonne {column!n}.",
    ),
    _m(
        "json.line_invalid",
        "Line {line} is not valid JSON: {detail} (column {column}).",
        "Linje {line!n} er ikke gyldig JSON (fejl i kolonne {column!n}).",
    ),
    _m(
        "json.categories",
        '"categories" must be an object of code: Danish label.',
        '"categories" skal være et objekt med kode: dansk navn.',
    ),
    _m(
        "json.shape",
        'A JSON file holds a list of offers, or an object with an "offers" list.',
        'En JSON-fil skal indeholde en liste af tilbud eller et objekt med listen "offers".',
    ),
    _m("csv.empty", "The CSV file is empty.", "CSV-filen er tom."),
    _m(
        "csv.sep_no_header",
        "The CSV file has a sep= line but no header.",
        "CSV-filen har en sep=-linje, men ingen overskriftslinje.",
    ),
    _m(
        "csv.header_error",
        "CSV error in the header line: {detail}",
        "Overskriftslinjen kan ikke læses som CSV (tjek anførselstegn).",
    ),
    _m(
        "csv.missing_columns",
        "The CSV header lacks column(s) {missing}. Found: {found}.",
        "Overskriftslinjen mangler kolonnen/kolonnerne {missing!k}. Fundet: {found}.",
    ),
    _m(
        "csv.unknown_columns",
        "Unknown CSV column(s): {unknown}. Known: {known}.",
        "Ukendte kolonner: {unknown}. Kolonner, der kan bruges: {known!k}.",
    ),
    _m(
        "csv.too_many_cells",
        "Line {line} has more cells than the header.",
        "Linje {line!n} har flere celler end overskriftslinjen (tjek skilletegn og anførselstegn).",
    ),
    _m(
        "csv.error",
        "CSV error at line {line}: {detail}",
        "Linje {line!n} kan ikke læses som CSV (tjek anførselstegn og skilletegn).",
    ),
    _m("hsds.not_utf8", "The HSDS file is not UTF-8 text.", "HSDS-filen er ikke UTF-8-tekst."),
    _m(
        "hsds.contents",
        '"contents" of an HSDS page must be a list of services.',
        '"contents" i en HSDS-side skal være en liste af tilbud (services).',
    ),
    _m(
        "hsds.native",
        'This is a native Fællesskabsmatch file ("offers"), not HSDS; import it as json.',
        'Det er en Fællesskabsmatch-fil ("offers"), ikke HSDS; vælg formatet JSON.',
    ),
    _m(
        "hsds.shape",
        'HSDS JSON must be a service, a list of services, or a page with "contents".',
        'HSDS JSON skal være et tilbud (service), en liste af tilbud eller en side med "contents".',
    ),
    _m(
        "hsds.service_not_object",
        "Service {pos} is not a JSON object.",
        "Tilbud nr. {pos!n} i filen er ikke et JSON-objekt.",
    ),
    _m(
        "hsds.no_datapackage",
        "{name} has no datapackage.json; an HSDS datapackage is a folder with datapackage.json and CSV files "
        "such as services.csv.",
        "{name} har ingen datapackage.json; en HSDS-datapakke er en mappe med datapackage.json og CSV-filer.",
    ),
    _m(
        "hsds.no_resources",
        'datapackage.json has no "resources" list.',
        'datapackage.json har ingen liste "resources".',
    ),
    _m(
        "hsds.no_services",
        "datapackage.json lists no services resource (services.csv).",
        "datapackage.json nævner ingen services.csv.",
    ),
    _m(
        "hsds.no_id_column",
        "{name} has no id column (header: {header}).",
        "{name} har ingen kolonne id (overskrift: {header}).",
    ),
    _m(
        "hsds.line_cells",
        "{name} line {line} has more cells than the header.",
        "{name} linje {line!n} har flere celler end overskriften.",
    ),
    _m("hsds.line_error", "{name} line {line}: {detail}.", "{name} linje {line!n} kan ikke læses som CSV."),
    _m("hsds.datapackage_unreadable", "datapackage.json cannot be read: {detail}.", "datapackage.json kan ikke læses."),
    _m(
        "hsds.resource_path",
        "Resource {name} in datapackage.json needs a relative file path inside the folder.",
        "Ressourcen {name} i datapackage.json skal have en sti inde i mappen.",
    ),
    # -- warnings: imported, but something was left out (catalogue.hsds) ---------------------
    _m("warning.record", "record {pos} ({id}): {warning}", "Post {pos!n} ({id}): {warning!m}", "warning"),
    _m(
        "warning.page",
        "page {page} of {pages}: only this page's services were read",
        "Side {page!n} af {pages!n}: kun tilbuddene på denne side er læst; hent også de andre sider.",
        "warning",
    ),
    _m(
        "warning.terms_unmatched",
        "taxonomy term(s) {terms} match no category or target group; not imported (the matched categories are kept)",
        "emneordene {terms} svarer hverken til en kategori eller en målgruppe og er ikke importeret "
        "(de kategorier, der passede, er gemt)",
        "warning",
    ),
    _m(
        "warning.accessibility",
        "accessibility {text} is negative, limited or unclear; no feature set, check it by hand",
        "tilgængeligheden {text} er negativ, begrænset eller uklar; intet er sat, tjek den selv",
        "warning",
    ),
    _m(
        "warning.price_text",
        "price only described in text ({text}); stored as unknown, with the text",
        "prisen står kun som tekst ({text}); gemt som ukendt, med teksten",
        "warning",
    ),
    _m(
        "warning.price_amount_text",
        "cost option {pos}: amount {amount} is not a plain number; price stored as unknown",
        "prismulighed {pos!n}: beløbet {amount} er ikke et rent tal; prisen er gemt som ukendt",
        "warning",
    ),
    _m("warning.cost_option", "cost option {pos} ({details})", "prismulighed {pos!n} ({details})", "warning"),
    _m(
        "warning.price_no_amount",
        "{option} has no amount; the price is stored as unknown",
        "{option!m} har intet beløb; prisen er gemt som ukendt",
        "warning",
    ),
    _m(
        "warning.price_currency",
        "{option} is not in {currency}; kept, but the price counts as unknown",
        "{option!m} er ikke i {currency}; gemt, men prisen regnes som ukendt",
        "warning",
    ),
    _m(
        "warning.price_period",
        "{option} names no period we can read; the price is stored as unknown",
        "{option!m} siger ikke, om det er pr. gang, måned eller år; prisen er gemt som ukendt",
        "warning",
    ),
    _m(
        "warning.schedule_note_cut",
        "schedule {id}: notes cut to {max} characters",
        "tidspunkt {id}: noten er forkortet til {max!n} tegn",
        "warning",
    ),
    _m(
        "warning.schedule_left_out",
        "schedule {id} ({freq}, byday {byday}, {opens}-{closes}): {problem}; left out",
        "tidspunkt {id} ({freq}, {byday}, {opens}-{closes}) er udeladt: {problem!m}",
        "warning",
    ),
    _m("warning.schedule.byday", "byday is not RFC 5545 weekdays", "ugedagene kan ikke læses", "warning"),
    _m(
        "warning.schedule.freq",
        "freq {freq} is not WEEKLY or MONTHLY",
        "gentagelsen {freq} er hverken ugentlig eller månedlig",
        "warning",
    ),
    _m("warning.schedule.times", "no opens_at/closes_at", "der står ikke, hvornår det starter og slutter", "warning"),
    _m("warning.schedule.day", "no byday or bymonthday", "der står ingen ugedag eller dato", "warning"),
    _m(
        "warning.point_unknown",
        "town {town} is known, but not where it lies: stored without a point, so distance cannot be used for it",
        "byen {town} kendes, men ikke hvor den ligger: gemt uden punkt, så afstanden kan ikke bruges for den",
        "warning",
    ),
    _m(
        "warning.schedule_exceptions",
        "schedule exceptions {value} are not readable; left out",
        "undtagelserne {value} i tidspunktet kan ikke læses og er udeladt",
        "warning",
    ),
)


# -- field labels ------------------------------------------------------------------------

#: A field path of a record (a CSV column, or a path inside a nested field) -> its Danish label.
FIELD_LABELS: Final[dict[str, str]] = {
    "id": "Id",
    "kind": "Type",
    "title": "Titel",
    "description": "Beskrivelse",
    "organisation": "Forening",
    "organisation.id": "Foreningens id",
    "organisation.name": "Foreningens navn",
    "organisation.type": "Foreningens type",
    "organisation.description": "Foreningens beskrivelse",
    "organisation.contact": "Foreningens kontakt",
    "organisation.cvr": "CVR-nummer",
    "categories": "Kategorier",
    "location": "Sted",
    "location.address": "Adresse",
    "location.postcode": "Postnummer",
    "location.town": "By",
    "location.lat": "Breddegrad",
    "location.lon": "Længdegrad",
    "location.online": "Online",
    "other_locations": "Andre steder",
    "schedule": "Tidspunkt",
    "schedule.state": "Tidspunkt",
    "schedule.slots": "Tidspunkt",
    "schedule.valid_from": "Sæsonstart",
    "schedule.valid_to": "Sæsonslut",
    "schedule.exception_months": "Måneder uden møder",
    "schedule.exception_periods": "Perioder uden møder",
    "cost": "Pris",
    "cost.options": "Pris",
    "cost.amount_dkk": "Pris i kr.",
    "cost.per": "Pris pr.",
    "accessibility": "Tilgængelighed",
    "languages": "Sprog",
    "audience": "Målgruppe",
    "age_min": "Fra alder",
    "age_max": "Til alder",
    "group_size": "Gruppestørrelse",
    "newcomers_welcome": "Nye er velkomne",
    "companion_available": "Ledsager kan komme med",
    "transport_offered": "Kørsel tilbydes",
    "places_total": "Pladser i alt",
    "places_available": "Ledige pladser",
    "waitlist": "På venteliste",
    "volunteers": "Frivillige",
    "status": "Status",
    "last_verified": "Sidst kontrolleret",
    "contact": "Kontakt",
    "contact.name": "Kontaktperson",
    "contact.email": "E-mail",
    "contact.phone": "Telefon",
    "contact.website": "Hjemmeside",
    "categories_file": "Kategorier i filen",
}

#: The last part of a nested path (``schedule.slots.0.start``, ``cost.options.1.amount``) -> Danish.
_PART_LABELS: Final[dict[str, str]] = {
    **{k.rsplit(".", 1)[1]: v.lower() for k, v in FIELD_LABELS.items() if "." in k},
    "slots": "tid",
    "weekday": "ugedag",
    "start": "starttid",
    "end": "sluttid",
    "freq": "gentagelse",
    "interval": "interval",
    "nth": "ugedag i måneden",
    "byweekno": "ugenumre",
    "bymonthday": "dag i måneden",
    "dtstart": "startdato",
    "until": "slutdato",
    "count": "antal gange",
    "note": "note",
    "options": "mulighed",
    "amount": "beløb",
    "currency": "valuta",
    "per": "periode",
    "text": "tekst",
    "from": "fra",
    "to": "til",
    "label_da": "dansk navn",
}


def field_label(path: str) -> str:
    """The Danish label of a field path, for a coordinator: ``title`` -> ``Titel``,
    ``location.town`` -> ``By``, ``cost.options.0.amount`` -> ``Pris, mulighed 1, beløb``,
    ``schedule.slots.1.start`` -> ``Tidspunkt, tid 2, starttid``, ``categories.0`` ->
    ``Kategorier, nr. 1``; ``""``, ``_record`` and ``_schema`` -> ``Posten``, ``_file`` -> ``Filen``,
    ``categories.<code>`` of a file-level rejection -> ``Kategori <code>``. A path nobody labelled
    is shown as written."""
    if path in ("", "_record", "_schema"):
        return "Posten"
    if path == "_file":
        return "Filen"
    if path in FIELD_LABELS:
        return FIELD_LABELS[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in FIELD_LABELS:
            break
    else:
        return path
    words = [FIELD_LABELS[head]]
    rest = parts[cut:]
    if head == "categories" and rest and not rest[0].isdigit():
        return f"Kategori {'.'.join(rest[:1])}" + (", dansk navn" if rest[1:] == ["label_da"] else "")
    before = parts[cut - 1]
    for part in rest:
        if part.isdigit():
            items = _PART_LABELS.get(before) if before in ("slots", "options") else None
            words.append(f"{items} {int(part) + 1}" if items else f"nr. {int(part) + 1}")
        else:
            words.append(_PART_LABELS.get(part, part))
        before = part
    return ", ".join(words)


# -- reading messages back -----------------------------------------------------------------


@cache
def _by_specificity() -> tuple[MessageDef, ...]:
    return tuple(sorted(MESSAGES, key=lambda m: (-m.prefix_length, -m.literal_length)))


class Message(str):
    """A message written from its code: the English text (what the API and CLI show, so it is a
    ``str`` equal to the text), carrying its ``code`` and ``params`` so that :func:`explain` and
    :func:`danish` need not read it back. ``Message("id.duplicate", id="'kor-1'", first=3)`` ==
    ``"Duplicate id 'kor-1': also record 3."``. Raises KeyError for a code the catalogue lacks."""

    code: str
    params: dict[str, str]

    def __new__(cls, code: str, /, **params: Any) -> Message:
        texts = {name: str(value) for name, value in params.items()}
        self = super().__new__(cls, by_code(code).en.format(**texts))
        self.code, self.params = code, texts
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_message, (self.code, self.params))


def _message(code: str, params: dict[str, str]) -> Message:
    return Message(code, **params)


def explain(message: str) -> Explained | None:
    """The code and parameters of ``message`` (as the importer wrote it), or None when the
    catalogue does not know it. The template with the longest fixed beginning wins, then the one
    with most fixed text: so ``"record 3 (id): {warning}"`` is read as the record's warning that
    wraps another message, and "at least and at most" beats "at least"."""
    if isinstance(message, Message):
        return Explained(message.code, dict(message.params))
    for definition in _by_specificity():
        params = definition.match(message)
        if params is not None:
            return Explained(definition.code, params)
    return None


def by_code(code: str) -> MessageDef:
    """The catalogue entry of ``code``; KeyError when there is none."""
    return _BY_CODE[code]


#: Fields that hold a list (the last name of a path): marshmallow's length messages are the same
#: for a text and a list, the Danish ones are not ("Højst 200 tegn." / "Højst 50 på listen.").
LIST_FIELDS: Final = frozenset(
    {
        "categories",
        "accessibility",
        "languages",
        "audience",
        "other_locations",
        "slots",
        "exception_months",
        "exception_periods",
        "options",
        "byweekno",
        "bymonthday",
    }
)
_LIST_DA: Final[dict[str, str]] = {
    "length.min": "Skriv mindst {min!n} på listen.",
    "length.max": "Højst {max!n} på listen.",
    "length.between": "Skriv mellem {min!n} og {max!n} på listen.",
    "length.equal": "Skriv præcis {equal!n} på listen.",
}


def danish(message: str, path: str = "") -> str:
    """``message`` in Danish: its catalogue entry's Danish template with its parameters, or
    :data:`UNKNOWN_DA` when the catalogue does not know it (a test keeps that from happening).
    ``path``, the field the message is about, tells a list's length from a text's."""
    found = explain(message)
    if found is None:
        return UNKNOWN_DA.format(message=message)
    template = by_code(found.code).da
    if found.code in _LIST_DA and path.rsplit(".", 1)[-1] in LIST_FIELDS:
        template = _LIST_DA[found.code]
    return _FORMATTER.format(template, **found.params)


def danish_errors(errors: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """A rejection's ``{field path: [messages]}`` as ``[(Danish field label, Danish message)]``;
    the label carries the path in brackets when it differs from a plain column label
    (``"By (location.town)"``), so the coordinator can find the column in the file."""
    out: list[tuple[str, str]] = []
    for path, messages in errors.items():
        label = field_label(path)
        shown = label if path in ("", "_record", "_schema", "_file") or "." not in path else f"{label} ({path})"
        out += [(shown, danish(m, path)) for m in messages]
    return out


def number_da(value: str) -> str:
    """A number as written by the importer (``"100000"``, ``"54.5"``) in Danish (``"100.000"``,
    ``"54,5"``), via Babel; anything else unchanged."""
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return format_decimal(int(text), locale=LOCALE)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return format_decimal(float(text), locale=LOCALE, decimal_quantization=False)
    return value


@cache
def _code_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for table in (
        taxonomy.OFFER_KINDS,
        taxonomy.ORGANISATION_TYPES,
        taxonomy.ACCESSIBILITY,
        taxonomy.GROUP_SIZES,
        taxonomy.STATUSES,
        taxonomy.DEFAULT_CATEGORIES,
        AudienceVocabulary.default().labels(),
    ):
        labels.update(table)
    labels.update({k: v.removeprefix("pr. ") for k, v in taxonomy.COST_PERIODS.items()})
    labels.update(dict(zip(FREQS, ("dagligt", "ugentligt", "månedligt"), strict=True)))
    labels.update(dict(zip(STATES, ("faste tider", "efter aftale", "ukendt"), strict=True)))
    return labels


def codes_da(text: str) -> str:
    """``"activity, volunteer_service"`` -> ``"Foreningsaktivitet, Frivillig indsats"``: each code of a
    comma-separated list as its Danish label (the importer reads the labels too); unknown ones as written."""
    labels = _code_labels()
    return ", ".join(labels.get(code.strip(), code.strip()) for code in text.split(","))


def columns_da(text: str) -> str:
    """``"id, title"`` -> ``"id (Id), title (Titel)"``: column names as the file writes them, each
    with its Danish label."""
    names = [name.strip() for name in text.split(",")]
    return ", ".join(f"{name} ({FIELD_LABELS[name]})" if name in FIELD_LABELS else name for name in names)


class _DanishFormatter(string.Formatter):
    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "n":
            return number_da(str(value))
        if conversion == "m":
            return danish(str(value))
        if conversion == "f":
            return field_label(str(value))
        if conversion == "c":
            return codes_da(str(value))
        if conversion == "k":
            return columns_da(str(value))
        return super().convert_field(value, conversion)


_FORMATTER: Final = _DanishFormatter()
_BY_CODE: Final[dict[str, MessageDef]] = {m.code: m for m in MESSAGES}

__all__ = [
    "FIELD_LABELS",
    "MESSAGES",
    "Explained",
    "Message",
    "MessageDef",
    "by_code",
    "danish",
    "danish_errors",
    "explain",
    "field_label",
]
