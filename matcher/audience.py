"""Who an offer is for (its target group, *målgruppe*) against who is asking.

An offer's ``audience`` is a list of codes (empty: everyone; vocabulary in
``catalogue.audience`` from the field-data work). The matcher reads it
together with the citizen's age and, only for offers meant for men or for
women, the optional gender of the request.

Every target group is a **strong preference, not a hard rule**: a factor of
at most 1 on the ranking score, so an offer for another group sinks below
every fitting offer of similar relevance but is still shown when nothing else
fits (a grandfather may bring his grandchild to Babysalmesang; a men's group
may welcome a woman). Age limits the organiser sets (``age_min``/``age_max``)
stay hard rules (:mod:`matcher.rules`).

=========================  ===========================================  ======
code                       demoted when                                  factor
=========================  ===========================================  ======
``parents_small_children``  age 50 or more                                0.25
``young_people``            age over :data:`YOUNG_MAX_AGE` (35)          0.3
``seniors``                 age under :data:`SENIOR_MIN_AGE` (50)         0.5
``men``                     gender "female"                              0.2
``women``                   gender "male"                                0.2
=========================  ===========================================  ======

Unknown age or gender demotes nothing. ``relatives``, ``bereaved``,
``newcomers``, ``people_with_condition``, ``people_with_disability`` and the
``condition:<code>`` codes describe a situation, which the citizen's text and the topic
match find; they change no factor. Among the age groups an offer names, the
most favourable counts (seniors and young people: for both); the same among
the gender groups; the two multiply (men and seniors: older men).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

YOUNG_MAX_AGE: Final = 35
SENIOR_MIN_AGE: Final = 50
PARENTS_MAX_AGE: Final = 49
PARENTS_FACTOR: Final = 0.25
YOUNG_FACTOR: Final = 0.3
SENIORS_FACTOR: Final = 0.5
GENDER_FACTOR: Final = 0.2
AGE_GROUPS: Final = frozenset({"parents_small_children", "young_people", "seniors"})
GENDER_GROUPS: Final = frozenset({"men", "women"})


def group_factor(code: str, age: int | None, gender: str | None) -> float:
    """The factor one target group gives a citizen of ``age`` (years) and
    ``gender`` ("female", "male" or None): 1.0 unless the table says otherwise."""
    if code == "parents_small_children" and age is not None and age > PARENTS_MAX_AGE:
        return PARENTS_FACTOR
    if code == "young_people" and age is not None and age > YOUNG_MAX_AGE:
        return YOUNG_FACTOR
    if code == "seniors" and age is not None and age < SENIOR_MIN_AGE:
        return SENIORS_FACTOR
    if code == "men" and gender == "female":
        return GENDER_FACTOR
    if code == "women" and gender == "male":
        return GENDER_FACTOR
    return 1.0


def audience_factor(audience: Iterable[str] | None, age: int | None, gender: str | None) -> float:
    """The ranking factor (0 < f <= 1) for an offer with target groups
    ``audience``: the best factor of its groups, 1.0 for no groups."""
    codes = set(audience or [])
    factor = 1.0
    for kind in (AGE_GROUPS, GENDER_GROUPS):
        named = codes & kind
        if named:
            factor *= max(group_factor(code, age, gender) for code in named)
    return factor


def audience_caution(audience: Iterable[str] | None, age: int | None, gender: str | None) -> str | None:
    """A Danish caution naming the target groups that demote the offer for this
    citizen ("Tilbuddet er mest for forældre med små børn."), else None."""
    codes = sorted(set(audience or []))
    if audience_factor(codes, age, gender) >= 1.0:
        return None
    demoting = [c for c in codes if group_factor(c, age, gender) < 1.0]
    return "Tilbuddet er mest for " + _join([AUDIENCE_DA.get(c, c) for c in demoting]) + "."


#: Danish phrases for the cautions ("Tilbuddet er mest for ...").
AUDIENCE_DA: Final[dict[str, str]] = {
    "parents_small_children": "forældre med små børn",
    "young_people": "unge",
    "seniors": "seniorer",
    "men": "mænd",
    "women": "kvinder",
    "relatives": "pårørende",
    "bereaved": "efterladte",
    "newcomers": "nye i Danmark",
}


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
