"""Hard rules: an offer that breaks one is never returned.

Each rule is written twice, on purpose:

- :func:`hard_rules` turns a request into named clauses of the portable
  filter, which the backends apply inside their candidate queries, so a
  feasible offer is never lost below a cut-off;
- :func:`matcher.check.violations` checks one catalogue offer directly, in
  plain Python, without the indexer (its own module imports nothing from
  it). The matcher runs it as a last guard on what it returns (the index may
  lag the store by a moment), and the evaluation counts its findings.

A test holds the two to the same answers over the whole demo catalogue; both
follow the readings of the rules given in :mod:`matcher.check`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Final

from indexer.filters import AnyOf, Clause, Flag, GeoDistance, Not, Range, SearchFilter, Term

from .check import NO_CAR_KM, cost_limit, window_hours
from .request import MatchRequest

#: Rule name -> Danish text for the navigator ("excluded because ...").
RULE_LABELS: Final[dict[str, str]] = {
    "status": "ikke aktivt lige nu",
    "season": "sæsonen er slut",
    "full": "holdet er fuldt",
    "age": "alderen passer ikke",
    "distance": "for langt væk",
    "island": "Anholt og fastlandet",
    "wheelchair_user": "ikke kørestolsegnet",
    "cost": "for dyrt",
    "daytime_only": "ikke om dagen",
    "evenings_only": "ikke om aftenen",
    "availability": "ikke på de tidspunkter, borgeren kan",
    "language": "ikke på borgerens sprog",
    "no_car": "svært at komme til uden bil",
    "kind": "ikke den valgte slags tilbud",
    "category": "ikke i de valgte emner",
}


@dataclass(frozen=True)
class Rule:
    name: str
    clause: Clause

    @property
    def label(self) -> str:
        return RULE_LABELS[self.name]


def hard_rules(req: MatchRequest, today: date) -> list[Rule]:
    """The request's hard rules as named filter clauses."""
    rules = [
        Rule("status", Term("status", ("active",))),
        Rule("season", Not(Range("valid_to", lte=date.fromordinal(today.toordinal() - 1).isoformat()))),
        Rule("full", Flag("has_places")),
    ]
    if req.age is not None:
        rules.append(Rule("age", _age_clause(req.age)))
    if req.lat is not None and req.lon is not None:
        # An offer with no point at all (its town known by name only) passes with a caution: its
        # distance is unknown, not far ("GeoDistance within inf" is "has a point").
        unknown = Not(GeoDistance(req.lat, req.lon, math.inf))
        rules.append(
            Rule("distance", AnyOf((Flag("online"), GeoDistance(req.lat, req.lon, req.max_distance_km), unknown)))
        )
        area = "anholt" if req.on_island else "mainland"
        rules.append(Rule("island", Term("area", (area, "online"))))
        if req.has("no_car"):
            rules.append(
                Rule(
                    "no_car",
                    AnyOf(
                        (
                            Flag("online"),
                            Flag("transport_offered"),
                            Flag("near_public_transport"),
                            GeoDistance(req.lat, req.lon, NO_CAR_KM),
                        )
                    ),
                )
            )
    if req.has("wheelchair_user"):
        rules.append(Rule("wheelchair_user", AnyOf((Flag("wheelchair"), Flag("online")))))
    limit = cost_limit(req)
    if limit is not None:
        # a known monthly cost over the limit excludes; an unknown price (no value) passes, and the
        # explanation cautions ("Range >= -inf" is "has a value")
        unknown = Not(Range("monthly_cost", gte=-math.inf))
        rules.append(Rule("cost", AnyOf((Range("monthly_cost", lte=limit), unknown))))
    if req.has("daytime_only"):
        rules.append(Rule("daytime_only", AnyOf((Flag("has_daytime_slot"), Flag("by_arrangement")))))
    if req.has("evenings_only"):
        rules.append(Rule("evenings_only", AnyOf((Flag("has_evening_slot"), Flag("by_arrangement")))))
    if req.availability:
        hours = sorted({h for w in req.availability for h in window_hours(w)})
        rules.append(Rule("availability", AnyOf((Term("slot_hours", tuple(hours)), Flag("by_arrangement")))))
    if req.has("non_danish_speaker"):
        rules.append(Rule("language", AnyOf((Term("languages", (req.language,)), Flag("language_learning")))))
    if req.kinds:
        rules.append(Rule("kind", Term("kind", req.kinds)))
    if req.categories:
        rules.append(Rule("category", Term("categories", req.categories)))
    return rules


def _age_clause(age: int) -> Clause:
    # Both bounds in one clause, so that one rule counts one exclusion.
    return Not(AnyOf((Range("age_min", gte=age + 1), Range("age_max", lte=age - 1))))


def as_filter(rules: list[Rule], skip: frozenset[str] = frozenset()) -> SearchFilter:
    return SearchFilter(tuple(r.clause for r in rules if r.name not in skip))
