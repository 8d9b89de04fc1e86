"""An offer's further places (``other_locations``) written as one line of text, for CSV cells.

One place is ``"Skolevej 2, 8586 Ørum Djurs @ 56.4401 10.6694"``: an optional
address and comma, an optional four-digit postcode, the town, and an optional
point after ``@`` (latitude then longitude, decimal degrees, a full stop or a
decimal comma). Places are separated by ``|``. A place without a point gets
its town's point from the gazetteer when the offer is loaded, except a town
the gazetteer knows by name only, which stays without one (:func:`point_unknown`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .gazetteer import Gazetteer

#: What a coordinator is shown when a cell cannot be read.
EXAMPLE = "Skolevej 2, 8586 Ørum Djurs @ 56.4401 10.6694 | 8500 Grenaa"

_POINT = re.compile(r"@\s*(?P<lat>-?\d{1,3}(?:[.,]\d+)?)\s+(?P<lon>-?\d{1,3}(?:[.,]\d+)?)\s*$")
_PLACE = re.compile(r"^(?:(?P<address>[^@|]+?)\s*,\s*)?(?:(?P<postcode>\d{4})\b\s*)?(?P<town>[^\d,@|][^,@|]*?)?\s*$")


def parse_places(text: str) -> list[dict[str, Any]]:
    """``[{address, postcode, town, lat, lon}, ...]`` (absent parts left out) from the cell text;
    ``""`` gives ``[]``. Raises ``ValueError`` with a Danish hint naming the part that cannot be read."""
    places: list[dict[str, Any]] = []
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        place: dict[str, Any] = {}
        point = _POINT.search(part)
        if point:
            place["lat"] = float(point.group("lat").replace(",", "."))
            place["lon"] = float(point.group("lon").replace(",", "."))
            part = part[: point.start()].strip()
        match = _PLACE.match(part)
        if match is None or "@" in part or not (match.group("postcode") or match.group("town") or point):
            raise ValueError(
                f"Stedet {part!r} kan ikke læses. Skriv 'adresse, postnummer by @ bredde længde', "
                f"flere steder adskilt af |, fx {EXAMPLE!r}."
            )
        for key in ("address", "postcode", "town"):
            if match.group(key):
                place[key] = match.group(key).strip()
        places.append(place)
    return places


def format_places(places: Iterable[Mapping[str, Any]]) -> str:
    """The inverse of :func:`parse_places`."""
    out = []
    for place in places:
        where = " ".join(filter(None, [place.get("postcode"), place.get("town")]))
        text = ", ".join(filter(None, [place.get("address"), where]))
        if place.get("lat") is not None and place.get("lon") is not None:
            text = f"{text} @ {place['lat']} {place['lon']}".strip()
        out.append(text)
    return " | ".join(out)


def canonical_place(place: Mapping[str, Any], gaz: Gazetteer, *, resolve: bool) -> dict[str, Any]:
    """``{address, postcode, town, lat, lon}``: the gazetteer's town name ("Ørum" -> "Ørum Djurs"), and,
    when ``resolve`` and no point is given, the point, postcode and town the gazetteer knows. A town
    the gazetteer knows by name only (no point) keeps ``lat``/``lon`` None: never the point of its
    postcode's town (see :func:`point_unknown`)."""
    loc = dict(place)
    named = gaz.find_town(loc.get("town"))
    if named is not None:
        loc["town"] = named.town
    if resolve and loc.get("lat") is None:
        found = gaz.resolve(postcode=loc.get("postcode"), town=loc.get("town"))
        if found is not None:
            loc["lat"], loc["lon"] = found.lat, found.lon
            loc["postcode"] = loc.get("postcode") or found.postcode
            loc["town"] = loc.get("town") or found.town
    if loc.get("lat") is not None:
        loc["lat"], loc["lon"] = round(float(loc["lat"]), 6), round(float(loc["lon"]), 6)
    return {k: loc.get(k) for k in ("address", "postcode", "town", "lat", "lon")}


def point_unknown(place: Mapping[str, Any], gaz: Gazetteer) -> str | None:
    """The canonical name of ``place``'s town when the place has no point because the gazetteer
    knows that town by name only (``"Homå"``); None when the place has a point, is online, or
    names no such town."""
    if place.get("online") or place.get("lat") is not None:
        return None
    known = gaz.find_town(place.get("town"))
    return known.town if known is not None and not known.has_point else None
