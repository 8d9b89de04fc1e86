"""HSDS cost options -> our cost options (see :mod:`catalogue.costs`).

The right fact or "unknown", never a convenient value: every option is kept
with its own period; a price with no options, only described in text, in
another currency, with an amount written as text or with no readable period
is unknown, and each such case is reported as a warning of the import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from catalogue.costs import parse_cost_text, parse_period

from .terms import CURRENCY


def maps(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else (None if value is None else str(value))


_PER_KEYWORDS = (
    ("halvår", r"halvår|half[- ]year|semi-?annual"),
    ("kvartal", r"kvartal|quarter"),
    ("måned", r"måned|\bmdr?\b|month"),
    ("sæson", r"sæson|season|semester"),
    ("uge", r"\buge(n|ntlig\w*)?\b|week"),
    ("år", r"\bår(et|lig\w*)?\b|year|annual"),
    ("gang", r"\bgang(en)?\b|per (time|visit|session)|each (time|visit)"),
)
_FREE_TEXT = frozenset({"gratis", "free", "0 kr", "0 kr.", "0 dkk", "det er gratis", "gratis deltagelse"})


def read_cost(svc: Mapping[str, Any], fm_per: str | None, warn: list[str]) -> dict[str, Any] | None:
    """Every cost option, each with its own period (our export names it exactly in ``option``;
    other publishers' text is searched for one period word). What is not stated stays unknown
    and is reported: no options, an amount only described in text, another currency, no period.
    ``fm_per`` is the single period our exports before cost options carried as an attribute."""
    given = maps(svc.get("cost_options"))
    fees = _text(svc.get("fees_description"))
    if not given:
        if fees is None:
            return None
        if fees.casefold().strip(" .!") in _FREE_TEXT:
            return {"options": [{"amount": 0, "per": None}]}
        warn.append(f"price only described in text ({fees!r}); stored as unknown, with the text")
        return {"options": [{"amount": None, "text": fees}]}
    options = []
    for pos, given_opt in enumerate(given, start=1):
        name, described = _text(given_opt.get("option")), _text(given_opt.get("amount_description"))
        exact = [p for p in (name, described) if p and parse_period(p)]
        per = parse_period(exact[0]) if exact else None
        text = " – ".join(t for t in (name, described) if t and t not in exact) or None
        if per is None:
            words = f"{name or ''} {described or ''}".casefold()
            found = {p for p, pattern in _PER_KEYWORDS if re.search(pattern, words)}
            per = found.pop() if len(found) == 1 else (fm_per if len(given) == 1 and not found else None)
        amount, currency = given_opt.get("amount"), str(given_opt.get("currency") or CURRENCY).upper()
        if isinstance(amount, str):  # HSDS amounts are numbers; text such as "2.400" could be 2.4 or 2400
            as_written = amount
            amount = float(amount) if re.fullmatch(r"\s*\d+\s*", amount) else None
            if amount is None:
                warn.append(f"cost option {pos}: amount {as_written!r} is not a plain number; price stored as unknown")
                text = " – ".join(filter(None, [text, f"{as_written} {currency}"]))
        if text and _restates(text, amount, per):  # "60 kr. pr. md." next to amount 60, per month
            text = None
        label = f"cost option {pos} ({_text(amount)} {currency} {name or ''} {described or ''})".replace("  ", " ")
        if amount is None:
            warn.append(f"{label} has no amount; the price is stored as unknown")
        elif currency != CURRENCY:
            warn.append(f"{label} is not in {CURRENCY}; kept, but the price counts as unknown")
        elif per is None and amount != 0:
            warn.append(f"{label} names no period we can read; the price is stored as unknown")
        if amount is not None or text:
            options.append({"amount": amount, "currency": currency, "per": per, "text": text})
    return {"options": options}


def _restates(text: str, amount: Any, per: str | None) -> bool:
    """Does ``text`` only say the amount and period again (as our exports before 0005 did)?"""
    try:
        said = parse_cost_text(text)
    except ValueError:
        return False
    return len(said) == 1 and said[0]["amount"] == amount and said[0]["per"] == per
