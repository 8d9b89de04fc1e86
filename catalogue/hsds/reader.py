"""HSDS 3.0 JSON -> our raw offer records (for ``Store.import_offers``).

Importing a foreign service maps what HSDS holds and leaves the rest to the
offer schema, which rejects a record with a per-field message rather than
guessing (e.g. a category nobody mapped). What cannot be mapped safely
(monthly rules, other currencies, negated accessibility text) is left out
and listed in ``ParsedFile.meta["warnings"]``. Our own exports carry every
extension field as an attribute (:mod:`.terms`), so they come back whole.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from catalogue.errors import FileFormatError
from catalogue.formats import ParsedFile
from catalogue.languages import parse_language
from catalogue.store import RawRecord
from catalogue.taxonomy import ACCESSIBILITY, DEFAULT_CATEGORIES

from .cost_options import read_cost
from .schedules import read_schedules
from .terms import (
    CATEGORY_TAXONOMY,
    CATEGORY_TAXONOMY_NAME,
    FM_TERM_IDS,
    FM_TERMS,
    SCHEDULE_TERMS,
    SERVICE_TERMS,
    STATUS_FROM_HSDS,
)

_ACCESS_KEYWORDS = {
    "wheelchair": r"kørestol|korestol|wheelchair|rullestol",
    "accessible_toilet": r"handicap-?toilet|handicapvenligt toilet|(accessible|disabled) (toilet|restroom|bathroom)",
    "hearing_loop": r"teleslynge|høreslynge|(hearing|induction) loop",
    "step_free": r"trinfri|niveaufri|uden trin|step[- ]free|level access|\brampe?\b",
    "parking": r"parkering|parking|p-plads",
    "near_public_transport": r"offentlig transport|public transport|\bbus(stop|stoppested|station|linje)?\b|togstation|"
    r"train station|letbane|\btram(way)?s?\b",
}
#: A negative, limited or doubtful statement ("Kørestolsadgang: nej", "begrænset adgang", "no
#: parking", "spørg"): nothing is read from it, as a false feature sends someone to a door they
#: cannot pass. Checked after removing the positive "uden trin"-phrases (step-free).
_NEGATION = re.compile(
    r"\b(nej|ikke|uden|ingen|intet|ej|desværre|mangler|delvis|begræns\w*|utilgængelig\w*|umulig\w*|"
    r"svær\w*|spørg\w*|måske|evt|false|no|not|none|without|limited|partial\w*|inaccessible|difficult|"
    r"unfortunately|maybe|ask|n/a)\b|[?✗✘×]|\b0\b"
)
_POSITIVE_WITHOUT = re.compile(r"\b(uden|without) (trin|dørtrin|trapper|steps?|stairs)\b")
_CATEGORY_CODE_RE = re.compile(r"[a-zæøå_]{2,50}")


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def maps(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else (None if value is None else str(value))


def _whole(value: Any) -> Any:
    """Integral numbers as int (HSDS numbers and CSV cells); anything else as is,
    so the offer schema names the field that is wrong."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return value


def _day(value: Any) -> str | None:
    text = _text(value)
    return text[:10] if text and re.match(r"\d{4}-\d{2}-\d{2}", text) else text


def _hhmm(value: Any) -> str | None:
    """``10:00``, ``10:00:00``, ``10:00Z`` or ``10:00+01:00``; an offset is
    ignored, as an offer's times are local."""
    m = re.match(r"\s*(\d{1,2}):(\d{2})", str(value or ""))
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def _term_of(attr: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    term = _obj(attr.get("taxonomy_term"))
    tax_id = term.get("taxonomy_id") or _obj(term.get("taxonomy_detail")).get("id")
    return term, attr.get("taxonomy_term_id") or term.get("id"), tax_id


def _fm_values(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in maps(obj.get("attributes")):
        _, term_id, _ = _term_of(attr)
        key = FM_TERM_IDS.get(str(term_id))
        if key is None:
            continue
        value, kind = attr.get("value"), FM_TERMS[key][2]
        if kind == "bool" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        elif kind == "int":
            value = _whole(value)
        out[key] = value
    return out


def _categories(svc: Mapping[str, Any], known: Mapping[str, str]) -> tuple[list[str] | None, dict[str, str]]:
    """Terms of our category taxonomy give the codes (ordered by rank) and
    labels; other publishers' terms count when their code, name or label
    matches a known category. Unmatched ones are passed on by name so the
    import rejects the record saying which category is missing."""
    ours: list[tuple[float, int, str]] = []
    labels: dict[str, str] = {}
    matched: list[str] = []
    unmatched: list[str] = []
    by_label = {label.casefold(): code for code, label in known.items()}
    for pos, attr in enumerate(maps(svc.get("attributes"))):
        term, term_id, tax_id = _term_of(attr)
        if str(term_id) in FM_TERM_IDS:
            continue
        code, name = _text(term.get("code")), _text(term.get("name"))
        if tax_id == CATEGORY_TAXONOMY["id"] or term.get("taxonomy") == CATEGORY_TAXONOMY_NAME:
            if code:
                rank = _whole(attr.get("value"))
                ours.append((rank if isinstance(rank, int) else math.inf, pos, code))
                if name and _CATEGORY_CODE_RE.fullmatch(code):
                    labels[code] = name
            continue
        keys = [k.casefold() for k in (code, name) if k]
        hit = next((k for k in keys if k in known), None) or next((by_label[k] for k in keys if k in by_label), None)
        hit = hit or next((k.replace(" ", "_") for k in keys if k.replace(" ", "_") in known), None)
        if hit:
            matched.append(hit)
        elif name or code:
            unmatched.append(str(name or code))
    codes = [c for _, _, c in sorted(ours)] + matched + unmatched
    return (codes or None), labels


def _language(obj: Mapping[str, Any]) -> str | None:
    """The language code of an HSDS language object: its ``code``, else its
    ``name``, read by :func:`catalogue.languages.parse_language` (ISO 639-1/2/3,
    BCP 47 tags, names in Danish, English or the language itself); unknown text
    is passed on as written so the offer schema names it."""
    for raw in (obj.get("code"), obj.get("name")):
        code = parse_language(_text(raw) or "")
        if code:
            return code
    return _text(obj.get("code")) or _text(obj.get("name"))


def _accessibility(locations: list[Mapping[str, Any]], warn: list[str]) -> list[str]:
    """Our own labels exactly, else keywords in Danish or English from a positive statement only.
    A negative, limited or doubtful text ("Kørestolsadgang: nej", "begrænset") sets nothing and is
    reported with its words: a false "wheelchair" is worse than a missing one."""
    by_label = {label.casefold(): code for code, label in ACCESSIBILITY.items()}
    found: set[str] = set()
    for loc in locations:
        for item in maps(loc.get("accessibility")):
            text = " ".join(filter(None, [_text(item.get("description")), _text(item.get("details"))]))
            low = " ".join(text.casefold().split())
            if low in by_label:
                found.add(by_label[low])
            elif _NEGATION.search(_POSITIVE_WITHOUT.sub(" ", low)):
                warn.append(f"accessibility {text!r} is negative, limited or unclear; no feature set, check it by hand")
            else:
                found.update(code for code, pattern in _ACCESS_KEYWORDS.items() if re.search(pattern, low))
    return sorted(found)


def _read_contact(obj: Mapping[str, Any], url_key: str) -> dict[str, Any] | None:
    contacts = maps(obj.get("contacts"))
    person = contacts[0] if contacts else {}
    phones = maps(obj.get("phones")) or maps(person.get("phones"))
    phone = _text(phones[0].get("number")) if phones else None
    if phone:  # "+45 86-12 34.56" -> "+45 86 12 34 56", the form our schema accepts
        phone = " ".join(re.sub(r"[-().]", " ", phone).split())
    out = {
        "name": _text(person.get("name")),
        "email": _text(obj.get("email")) or _text(person.get("email")),
        "phone": phone,
        "website": _text(obj.get(url_key)),
    }
    return {k: v for k, v in out.items() if v is not None} or None


def _read_org(org: Mapping[str, Any]) -> dict[str, Any]:
    """Only what the source states, so an import never blanks fields of an
    organisation we already hold."""
    fm = _fm_values(org)
    cvr = None
    for ident in maps(org.get("organization_identifiers")):
        scheme = f"{ident.get('identifier_scheme') or ''} {ident.get('identifier_type') or ''}".upper()
        if "CVR" in scheme:
            cvr = re.sub(r"^DK-?|\s", "", str(ident.get("identifier") or ""), flags=re.IGNORECASE) or None
            break
    out = {
        "id": fm.get("native_id") if fm else _text(org.get("id")),
        "name": _text(org.get("name")),
        "type": fm.get("organisation_type"),
        "description": org.get("description"),
        "contact": _read_contact(org, "website"),
        "cvr": cvr,
    }
    return {k: v for k, v in out.items() if v is not None}


def _read_schedule(
    svc: Mapping[str, Any], sals: list[Mapping[str, Any]], fm: Mapping[str, Any], warn: list[str]
) -> dict[str, Any] | None:
    """Every rule, whatever its frequency, becomes slots (:mod:`.schedules`); what cannot be
    read is reported, and a service left without slots is "unknown", not "efter aftale"."""
    rules = maps(svc.get("schedules"))
    if not rules:  # other publishers may attach schedules to the place instead
        for sal in sals:
            rules += maps(sal.get("schedules")) + maps(_obj(sal.get("location")).get("schedules"))
    return read_schedules(rules, fm, warn, _day)


def _read_location(locations: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The first physical location gives address and point; any virtual one means online."""
    location: dict[str, Any] = {"online": any(lc.get("location_type") == "virtual" for lc in locations)}
    physical = next((lc for lc in locations if lc.get("location_type") != "virtual"), None)
    if physical is not None:
        addresses = maps(physical.get("addresses"))
        addr = next((a for a in addresses if a.get("address_type") != "postal"), addresses[0] if addresses else {})
        postcode = _text(addr.get("postal_code"))
        location["address"] = ", ".join(filter(None, [_text(addr.get("address_1")), _text(addr.get("address_2"))]))
        location["postcode"] = re.sub(r"^DK-?|\s", "", postcode, flags=re.IGNORECASE) if postcode else None
        location.update(town=_text(addr.get("city")), lat=physical.get("latitude"), lon=physical.get("longitude"))
    return {k: v for k, v in location.items() if v is not None and v != ""}


def _service_record(
    svc: Mapping[str, Any], known: Mapping[str, str], warn: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    fm = _fm_values(svc)
    ours = bool(fm)
    sals = maps(svc.get("service_at_locations"))
    locations = [_obj(s.get("location")) for s in sals if isinstance(s.get("location"), Mapping)]
    languages = maps(svc.get("languages")) or [lang for lc in locations for lang in maps(lc.get("languages"))]
    categories, labels = _categories(svc, known)
    if not ours:  # places from HSDS 3.1 capacities, if the publisher has them
        capacity = next(iter(maps(svc.get("capacities"))), {})
        fm.update(places_available=_whole(capacity.get("available")), places_total=_whole(capacity.get("maximum")))
    status = _text(svc.get("status"))
    org = svc.get("organization")
    record = {
        "id": fm.get("native_id") if ours else _text(svc.get("id")),
        "kind": fm.get("kind") or "activity",
        "title": _text(svc.get("name")),
        "description": svc.get("description") or "",
        "organisation": _read_org(org) if isinstance(org, Mapping) else None,
        "categories": categories,
        "location": _read_location(locations),
        "schedule": _read_schedule(svc, sals, fm, warn),
        "cost": read_cost(svc, fm.get("cost_per"), warn),
        "accessibility": _accessibility(locations, warn),
        "languages": list(dict.fromkeys(filter(None, map(_language, languages)))) or None,
        "age_min": _whole(svc.get("minimum_age")),
        "age_max": _whole(svc.get("maximum_age")),
        **{k: fm.get(k) for k in SERVICE_TERMS if k not in ("native_id", "kind", "cost_per", *SCHEDULE_TERMS)},
        "status": STATUS_FROM_HSDS.get(status.lower(), status) if status else None,
        "last_verified": _day(svc.get("assured_date")),
        "contact": _read_contact(svc, "url"),
    }
    return {k: v for k, v in record.items() if v is not None}, labels


def to_parsed(
    services: Iterable[tuple[int | None, Mapping[str, Any]]],
    known: Mapping[str, str] | None,
    fmt: str,
    warnings: list[str] | None = None,
) -> ParsedFile:
    known = dict(known or DEFAULT_CATEGORIES)
    records: list[RawRecord] = []
    found: dict[str, str] = {}
    warnings = list(warnings or [])
    for pos, (line, svc) in enumerate(services, start=1):
        warn: list[str] = []
        record, labels = _service_record(svc, known, warn)
        records.append(RawRecord(record, line=line))
        found.update(labels)
        warnings += [f"record {pos} ({svc.get('id') or svc.get('name') or '?'}): {w}" for w in warn]
    categories = {code: label for code, label in found.items() if code not in DEFAULT_CATEGORIES}
    return ParsedFile(records, categories, {"format": fmt, "warnings": warnings})


def services_to_records(
    services: Iterable[Mapping[str, Any]], *, known_categories: Mapping[str, str] | None = None
) -> ParsedFile:
    """HSDS services as native raw records for ``Store.import_offers``.

    ``known_categories`` (code -> label, default: the default taxonomy) is what
    other publishers' taxonomy terms are matched against; ``categories`` of
    the result holds the labels of codes from our own category taxonomy.
    """
    return to_parsed(((None, s) for s in services), known_categories, "hsds")


def read_hsds_json(source: str | bytes | Any, *, known_categories: Mapping[str, str] | None = None) -> ParsedFile:
    """A single service, a list of services or a paged ``/services`` envelope."""
    doc = source
    if isinstance(source, (str, bytes, bytearray)):
        try:
            doc = json.loads(source)
        except UnicodeDecodeError:
            raise FileFormatError("The HSDS file is not UTF-8 text.") from None
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    warnings = []
    if isinstance(doc, Mapping) and "contents" in doc:
        services = doc["contents"]
        if not isinstance(services, list):
            raise FileFormatError('"contents" of an HSDS page must be a list of services.')
        if isinstance(doc.get("total_pages"), int) and doc["total_pages"] > 1:
            warnings.append(
                f"page {doc.get('page_number')} of {doc['total_pages']}: only this page's services were read"
            )
    elif isinstance(doc, Mapping) and "offers" in doc:
        raise FileFormatError('This is a native Fællesskabsmatch file ("offers"), not HSDS; import it as json.')
    elif isinstance(doc, Mapping) and ("id" in doc or "name" in doc):
        services = [doc]
    elif isinstance(doc, list):
        services = doc
    else:
        raise FileFormatError('HSDS JSON must be a service, a list of services, or a page with "contents".')
    for pos, svc in enumerate(services, start=1):
        if not isinstance(svc, Mapping):
            raise FileFormatError(f"Service {pos} is not a JSON object.")
    return to_parsed(((None, s) for s in services), known_categories, "hsds", warnings)
