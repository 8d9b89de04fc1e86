"""Prices of offers: cost options, Danish numbers, and the monthly cost rules use.

An offer's ``cost`` is ``{"options": [CostOptionRecord, ...]}`` (see
:mod:`catalogue.records`): e.g. a membership per year and a coffee kitty per
time. The rule every importer follows: store the right fact, or store
"unknown"; never a convenient value.

- The price is *known* when there is at least one option and every option
  has an amount in DKK and, unless the amount is 0, a period (a key of
  :data:`catalogue.taxonomy.COST_PERIODS`).
- It is *free* when it is known and every amount is 0.
- Anything else (no options, an amount only described in text, another
  currency, a period nobody stated) is *unknown*: :func:`monthly_cost` is None,
  never 0.

Danish numbers (:func:`parse_danish_number`) are read as Danish Excel writes
them: ``2.400`` is two thousand four hundred, ``1.250,50`` is 1250.5,
``37,5`` is 37.5. A value that could be read two ways (``2.4``, ``1,250``) is
refused with a message rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .records import CostOptionRecord, CostRecord
from .taxonomy import COST_PERIODS, PERIODS_PER_MONTH

#: The currency monthly costs are counted in; other currencies make a price unknown.
CURRENCY: Final = "DKK"

#: Words publishers use for a period -> our period code.
PERIOD_WORDS: Final[dict[str, str]] = {
    **{code: code for code in COST_PERIODS},
    **{label: code for code, label in COST_PERIODS.items()},
    "gangen": "gang",
    "ugen": "uge",
    "ugentlig": "uge",
    "ugentligt": "uge",
    "md": "måned",
    "md.": "måned",
    "mdr": "måned",
    "mdr.": "måned",
    "måneden": "måned",
    "månedlig": "måned",
    "månedligt": "måned",
    "kvartalet": "kvartal",
    "halvåret": "halvår",
    "året": "år",
    "årlig": "år",
    "årligt": "år",
    "sæsonen": "sæson",
    "time": "gang",
    "session": "gang",
    "week": "uge",
    "month": "måned",
    "quarter": "kvartal",
    "year": "år",
    "season": "sæson",
}

_CURRENCY_WORDS: Final[dict[str, str]] = {"kr": "DKK", "kr.": "DKK", "dkk": "DKK", "€": "EUR", "eur": "EUR"}
FREE_WORDS: Final = frozenset({"gratis", "free", "0", "0 kr", "0 kr.", "0 dkk", "ingen betaling"})

_AMOUNT = r"\d[\d. ]*(?:,\d+)?"
_OPTION_RE = re.compile(
    rf"(?P<amount>{_AMOUNT})\s*(?P<currency>kr\.?|dkk|eur|€|[a-z]{{3}})?\s*"
    r"(?:/|pr\.?|per|om|i|a)\s*(?P<per>[^\W\d_]+\.?)\s*(?:\((?P<text>[^()]*)\))?",
    re.IGNORECASE,
)


def parse_danish_number(text: str) -> float:
    """A number as Danish Excel writes it (``"2.400"`` -> 2400.0, ``"1.250,50"`` -> 1250.5,
    ``"37,5"`` -> 37.5, ``"2 400"`` -> 2400.0; a trailing ``kr.``/``DKK`` is allowed).

    Raises ValueError, with a Danish-and-English message fit for an import report,
    for text that is not a number or could be read two ways (``"2.4"``, ``"2.40"``,
    ``"1,250"``, ``"1,250.50"``).
    """
    raw = text
    value = re.sub(r"\s*(kr\.?|dkk)\s*$", "", text.strip(), flags=re.IGNORECASE).replace("\u00a0", " ")
    if re.fullmatch(r"-?\d+", value):
        return float(value)
    if re.fullmatch(r"-?\d{1,3}([. ]\d{3})+(,\d+)?", value) and len({c for c in value if c in ". "}) == 1:
        return float(value.replace(".", "").replace(" ", "").replace(",", "."))
    if re.fullmatch(r"-?\d+,\d+", value) and not re.fullmatch(r"-?[1-9]\d{0,2},\d{3}", value):
        return float(value.replace(",", "."))
    if re.fullmatch(r"-?\d[\d.,]*", value):
        raise ValueError(
            f"Ambiguous number {raw!r}: write it as Danish Excel does, with '.' between thousands and ',' "
            "before decimals (2.400 = two thousand four hundred; 37,50 = thirty-seven and a half)."
        )
    raise ValueError(f"Not a number: {raw!r}.")


def parse_period(text: str) -> str | None:
    """Our period code for a word such as ``"år"``, ``"pr. gang"`` or ``"måneden"``; None if unknown."""
    word = " ".join(text.casefold().split())
    word = re.sub(r"^(pr\.?|per|om|hver|/)\s*", "", word)
    return PERIOD_WORDS.get(word) or PERIOD_WORDS.get(word.rstrip("."))


def parse_cost_text(text: str) -> list[CostOptionRecord]:
    """Cost options written in one cell: ``"600 kr/år; 15 kr/gang (kaffe)"``.

    Options are separated by ``;`` or ``+``; each is ``AMOUNT [kr|DKK|EUR]/PERIOD [(TEXT)]``
    (``pr.``, ``per`` or ``om`` may replace the ``/``); ``gratis`` alone is a free price.
    Raises ValueError naming the part that cannot be read (nothing is guessed).
    """
    if text.strip().casefold() in FREE_WORDS:
        return [option(0.0, None)]
    options: list[CostOptionRecord] = []
    for part in re.split(r"[;+\n]", text):
        part = part.strip()
        if not part:
            continue
        m = _OPTION_RE.fullmatch(part)
        if m is None:
            raise ValueError(f"Cannot read the price {part!r}: write e.g. '600 kr/år; 15 kr/gang (kaffe)'.")
        per = parse_period(m.group("per"))
        if per is None:
            raise ValueError(f"Unknown period {m.group('per')!r} in {part!r}. Known: {', '.join(COST_PERIODS)}.")
        currency = (m.group("currency") or "kr").casefold()
        options.append(
            option(
                parse_danish_number(m.group("amount")),
                per,
                currency=_CURRENCY_WORDS.get(currency, currency.upper()),
                text=(m.group("text") or "").strip() or None,
            )
        )
    if not options:
        raise ValueError("The price is empty.")
    return options


def option(
    amount: float | None, per: str | None, *, currency: str = CURRENCY, text: str | None = None
) -> CostOptionRecord:
    """One cost option in canonical form."""
    return {"amount": None if amount is None else float(amount), "currency": currency, "per": per, "text": text}


def canonical_cost(cost: Any) -> CostRecord:
    """The canonical ``{"options": [...]}`` of a cost in any shape we ever stored or read:
    None (unknown), the old single ``{"amount_dkk", "per"}`` (``per`` defaulting to
    ``"gang"`` as it always did), or the options shape (missing keys filled)."""
    if not isinstance(cost, Mapping):
        return {"options": []}
    if "options" not in cost and "amount_dkk" in cost:
        return {"options": [option(cost["amount_dkk"], cost.get("per") or "gang")]}
    options = [
        option(o.get("amount"), o.get("per"), currency=o.get("currency") or CURRENCY, text=o.get("text"))
        for o in cost.get("options") or []
        if isinstance(o, Mapping)
    ]
    return {"options": options}


def _known(opt: Mapping[str, Any]) -> bool:
    amount = opt.get("amount")
    if amount is None or (opt.get("currency") or CURRENCY) != CURRENCY:
        return False
    return amount == 0 or opt.get("per") in PERIODS_PER_MONTH


def monthly_cost(cost: Mapping[str, Any] | None) -> float | None:
    """DKK per month, the one unit rules and filters use: the sum over the recurring options
    (``amount x PERIODS_PER_MONTH[per]``), rounded to øre. None when the price is unknown."""
    options = canonical_cost(cost)["options"]
    if not options or not all(_known(o) for o in options):
        return None
    total = sum(float(o["amount"] or 0) * PERIODS_PER_MONTH.get(o["per"] or "", 0.0) for o in options)
    return round(total, 2)


def is_free(cost: Mapping[str, Any] | None) -> bool:
    """A known price of 0 (an unknown price is never free)."""
    options = canonical_cost(cost)["options"]
    return bool(options) and all(_known(o) and o["amount"] == 0 for o in options)


def kroner(amount: float) -> str:
    """``150`` or ``37,50`` (Danish decimal comma)."""
    return str(int(amount)) if float(amount).is_integer() else f"{amount:.2f}".replace(".", ",")


def option_phrase(opt: Mapping[str, Any]) -> str:
    """``"600 kr. pr. år"``, ``"15 kr. pr. gang (kaffe)"``, ``"20 EUR pr. gang"``; an option with
    no amount is its text."""
    amount = opt.get("amount")
    if amount is None:
        return str(opt.get("text") or "pris ikke oplyst")
    currency = opt.get("currency") or CURRENCY
    unit = "kr." if currency == CURRENCY else currency
    per = f" {COST_PERIODS[opt['per']]}" if opt.get("per") in COST_PERIODS else ""
    text = f" ({opt['text']})" if opt.get("text") else ""
    return f"{kroner(float(amount))} {unit}{per}{text}"


def describe(cost: Mapping[str, Any] | None) -> str | None:
    """Danish text of a price: ``"Gratis"``, ``"600 kr. pr. år + 15 kr. pr. gang (kaffe)"``, or
    None when there is nothing to say (no options: the price is not known)."""
    if is_free(cost):
        return "Gratis"
    return " + ".join(option_phrase(o) for o in canonical_cost(cost)["options"]) or None


def cost_cell(cost: Mapping[str, Any] | None) -> str:
    """The CSV ``cost`` cell that :func:`parse_cost_text` reads back (``""`` for no options).
    An option the cell cannot state (no amount, or an amount with no period) is left out rather
    than given a period it never had; JSON and HSDS keep every option."""
    parts = []
    for opt in canonical_cost(cost)["options"]:
        if opt["amount"] is None or (opt["per"] is None and opt["amount"] != 0):
            continue
        currency = "kr" if opt["currency"] == CURRENCY else opt["currency"]
        text = f" ({opt['text']})" if opt["text"] else ""
        parts.append(f"{kroner(opt['amount'])} {currency}/{opt['per'] or 'gang'}{text}")
    return "; ".join(parts)
