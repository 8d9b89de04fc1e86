"""Privacy guards of the referral data: pseudonyms only, never a CPR number.

The CPR guard itself is the catalogue's (:mod:`catalogue.privacy`), the one
used at every entry point of text. Here are the pseudonym shape, which a
referring system's ids for the citizen and for the referral must have (one
that merely looks like a CPR number is refused too), and the refusal of name
and free-text fields.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Final

from catalogue.privacy import CPR_MESSAGE, contains_cpr

log = logging.getLogger("faellesskab.referrals")

#: The shape of a citizen pseudonym: 4-64 letters, digits, ``. _ : -``, starting with a letter or digit.
PSEUDONYM_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._:-]{3,63}$"
_PSEUDONYM: Final = re.compile(PSEUDONYM_PATTERN)

PSEUDONYM_MESSAGE: Final = "A pseudonym of 4-64 letters, digits, . _ : -"


NAME_MESSAGE: Final = "Send no names: a referral is pseudonymous (citizen_ref is the referring system's pseudonym)."
FREE_TEXT_MESSAGE: Final = "Unknown field. A referral carries no free text: give reason codes, an age band and a place."

_NAME_KEY: Final = re.compile(r"name|navn", re.IGNORECASE)


def unknown_field_errors(keys: Iterable[str], known: Iterable[str]) -> dict[str, list[str]]:
    """``{field: [message]}`` for every key of a referral that is not a ``known``
    field: a name field (``name``, ``first_name``, ``navn``, ``efternavn``, ...)
    gets :data:`NAME_MESSAGE`, any other (a note, a diagnosis) :data:`FREE_TEXT_MESSAGE`.
    A key that holds a CPR number is left to the CPR guard, which names no key.
    Each refusal is logged with the field names, never a value."""
    allowed = set(known)
    errors = {
        key: [NAME_MESSAGE if _NAME_KEY.search(key) else FREE_TEXT_MESSAGE]
        for key in keys
        if key not in allowed and not contains_cpr(key)
    }
    if errors:
        log.warning("Refused a referral: fields %s are not allowed (values not logged).", ", ".join(sorted(errors)))
    return errors


def is_pseudonym(text: str) -> bool:
    """True when ``text`` has the shape of a pseudonym and holds no CPR-like number."""
    return _PSEUDONYM.fullmatch(text) is not None and not contains_cpr(text)


__all__ = [
    "CPR_MESSAGE",
    "FREE_TEXT_MESSAGE",
    "NAME_MESSAGE",
    "PSEUDONYM_MESSAGE",
    "PSEUDONYM_PATTERN",
    "contains_cpr",
    "is_pseudonym",
    "unknown_field_errors",
]
