"""Small-number suppression: nothing about fewer than five citizens is shown.

A count taken from referrals, or from a group of fewer than :data:`MIN_GROUP`
match requests, is shown as :data:`SUPPRESSED` when it is between 1 and 4, and
every count of a group smaller than :data:`MIN_GROUP` is suppressed whatever
its value (a 0 out of 3 says as much as a 3 out of 3).
"""

from __future__ import annotations

from typing import Final

MIN_GROUP: Final = 5
SUPPRESSED: Final = "<5"

Shown = int | str


def shown(count: int, group: int | None = None) -> Shown:
    """``count``, or ``"<5"`` when it is 1 to 4 or when its ``group`` has fewer than 5 members."""
    if group is not None and group < MIN_GROUP:
        return SUPPRESSED
    return SUPPRESSED if 0 < count < MIN_GROUP else count


def share(part: int, whole: int) -> float | None:
    """``part / whole`` to three decimals, or None when either count would be suppressed."""
    if whole < MIN_GROUP or 0 < part < MIN_GROUP:
        return None
    return round(part / whole, 3)
