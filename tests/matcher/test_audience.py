"""Target groups against age and gender: strong preferences, per group."""

from __future__ import annotations

import pytest

from matcher.audience import audience_caution, audience_factor, group_factor


@pytest.mark.parametrize(
    ("code", "age", "gender", "factor"),
    [
        ("parents_small_children", 70, "male", 0.25),  # Babysalmesang for a 70-year-old widower
        ("parents_small_children", 50, None, 0.25),
        ("parents_small_children", 49, None, 1.0),
        ("parents_small_children", 32, "female", 1.0),
        ("parents_small_children", None, None, 1.0),  # unknown age demotes nothing
        ("young_people", 60, None, 0.3),  # a youth café for a 60-year-old
        ("young_people", 36, None, 0.3),
        ("young_people", 35, None, 1.0),
        ("young_people", 22, None, 1.0),
        ("seniors", 30, None, 0.5),
        ("seniors", 49, None, 0.5),
        ("seniors", 50, None, 1.0),
        ("seniors", 78, None, 1.0),
        ("men", 70, "female", 0.2),
        ("men", 70, "male", 1.0),
        ("men", 70, None, 1.0),  # gender absent: never guessed
        ("women", 40, "male", 0.2),
        ("women", 40, "female", 1.0),
        ("relatives", 70, "male", 1.0),  # situations are matched by topic, not demoted
        ("bereaved", 30, None, 1.0),
        ("newcomers", 60, "female", 1.0),
        ("people_with_condition", 30, "male", 1.0),
        ("condition:dementia", 80, "female", 1.0),
    ],
)
def test_group_factor(code: str, age: int | None, gender: str | None, factor: float) -> None:
    assert group_factor(code, age, gender) == factor


def test_several_groups() -> None:
    assert audience_factor([], 70, "male") == 1.0
    assert audience_factor(None, 70, "male") == 1.0
    # age groups: the most favourable counts (an intergenerational offer)
    assert audience_factor(["young_people", "seniors"], 70, None) == 1.0
    assert audience_factor(["young_people", "seniors"], 40, None) == 0.5
    # gender and age multiply: for older men
    assert audience_factor(["men", "seniors"], 70, "female") == 0.2
    assert audience_factor(["men", "seniors"], 30, "female") == pytest.approx(0.1)
    assert audience_factor(["men", "seniors"], 30, "male") == 0.5
    assert audience_factor(["parents_small_children", "relatives"], 70, None) == 0.25


def test_caution_names_the_group() -> None:
    assert audience_caution(["parents_small_children"], 70, "male") == "Tilbuddet er mest for forældre med små børn."
    assert audience_caution(["men", "seniors"], 70, "female") == "Tilbuddet er mest for mænd."
    assert audience_caution(["men", "seniors"], 30, "female") == "Tilbuddet er mest for mænd og seniorer."
    assert audience_caution(["condition:dementia", "people_with_condition", "relatives"], 70, "male") is None
    assert audience_caution(["seniors"], 70, None) is None
    assert audience_caution([], 30, None) is None
