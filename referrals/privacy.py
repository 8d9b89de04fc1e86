"""Privacy guards of the referral data: pseudonyms only, never a CPR number.

A CPR number (Danish personal identification number, CPR-loven § 3) is ten
digits ``DDMMYY-SSSS``, the dash optional. Since 2007 not every number
satisfies the modulus-11 check, so the guard does not rely on it: any ten
digits that begin with a plausible day (0-3x) and month (0-1x) and are not
part of a longer run of digits count as CPR-like. It errs on the side of
refusing: a pseudonym that merely looks like a CPR number is refused too.
"""

from __future__ import annotations

import re
from typing import Final

_CPR_LIKE: Final = re.compile(r"(?<!\d)[0-3]\d[01]\d\d\d-?\d{4}(?!\d)")

#: The shape of a citizen pseudonym: 4-64 letters, digits, ``. _ : -``, starting with a letter or digit.
PSEUDONYM_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._:-]{3,63}$"
_PSEUDONYM: Final = re.compile(PSEUDONYM_PATTERN)

CPR_MESSAGE: Final = "This looks like a CPR number. Send a pseudonym, never a CPR number."
PSEUDONYM_MESSAGE: Final = "A pseudonym of 4-64 letters, digits, . _ : -"


def contains_cpr(text: str) -> bool:
    """True when ``text`` contains something shaped like a CPR number anywhere in it."""
    return _CPR_LIKE.search(text) is not None


def is_pseudonym(text: str) -> bool:
    """True when ``text`` has the shape of a pseudonym and holds no CPR-like number."""
    return _PSEUDONYM.fullmatch(text) is not None and not contains_cpr(text)


__all__ = ["CPR_MESSAGE", "PSEUDONYM_MESSAGE", "PSEUDONYM_PATTERN", "contains_cpr", "is_pseudonym"]
