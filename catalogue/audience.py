"""Who an offer is for (*målgruppe*): a controlled, extendable vocabulary.

An offer's ``audience`` is a list of codes; an empty list means the offer is
for everyone. Two kinds of code:

- a **group** code from :data:`DEFAULT_GROUPS`, e.g. ``"seniors"``, ``"relatives"``;
- a **condition** code ``"condition:<code>"`` with ``<code>`` from
  :data:`DEFAULT_CONDITIONS`, e.g. ``"condition:dementia"`` (an offer for people
  with dementia). A condition code always comes with the group
  ``"people_with_condition"`` (:meth:`AudienceVocabulary.canonical` adds it),
  so "for people with any condition" is one keyword filter and "for people
  with dementia" another. Only codes, never free text about a diagnosis.

Publishers write groups in many ways ("Seniorer", "ældre", "60+", "Pårørende",
"Nydanskere"); :meth:`AudienceVocabulary.parse` turns each of them into its
code by the folded Danish label, the code itself or a synonym
(:func:`catalogue.gazetteer.fold_name`), or returns ``None``, never a guess.

Extending: codes the data needs beyond the defaults are added at run time with
``Store.add_audience`` (stored in the ``audience_group`` table, audited), the
same way categories are extended; :meth:`AudienceVocabulary.extended` builds
the live vocabulary. The defaults live here, in code, because the matcher's
rules name some of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .gazetteer import fold_name

#: Prefix of a condition code in an offer's audience: ``"condition:dementia"``.
CONDITION_PREFIX: Final = "condition:"
#: The group every condition code implies.
WITH_CONDITION: Final = "people_with_condition"


@dataclass(frozen=True, slots=True)
class Term:
    """One code of the vocabulary: its Danish ``label`` and the other names (``synonyms``) importers read."""

    code: str
    label: str
    synonyms: tuple[str, ...] = ()


#: Group code -> Danish label and synonyms (Danish and English, as HSDS target-group taxonomies write them).
DEFAULT_GROUPS: Final[tuple[Term, ...]] = (
    Term(
        "seniors",
        "Seniorer",
        ("senior", "ældre", "ældre borgere", "pensionister", "pensionist", "60+", "65+", "older adults", "elderly"),
    ),
    Term("young_people", "Unge", ("ung", "unge voksne", "youth", "young people", "young adults", "teenagers")),
    Term(
        "parents_small_children",
        "Forældre med små børn",
        ("småbørnsforældre", "nybagte forældre", "forældre med små børn", "parents of young children", "new parents"),
    ),
    Term("men", "Mænd", ("mand", "for mænd", "male")),
    Term("women", "Kvinder", ("kvinde", "for kvinder", "female")),
    Term("relatives", "Pårørende", ("pårørende til syge", "carers", "caregivers", "family carers", "relatives")),
    Term("bereaved", "Efterladte", ("sørgende", "efterladte", "enker", "enkemænd", "i sorg", "bereaved")),
    Term(
        "newcomers",
        "Nye i Danmark",
        ("nydanskere", "flygtninge", "indvandrere", "tilflyttere fra udlandet", "newcomers", "refugees", "immigrants"),
    ),
    Term(
        WITH_CONDITION,
        "Mennesker med en sygdom",
        ("syge", "patienter", "kronisk syge", "people with a condition", "patients"),
    ),
    Term(
        "people_with_disability",
        "Mennesker med handicap",
        ("handicappede", "med handicap", "people with disabilities", "disabled people"),
    ),
)

#: Condition code -> Danish label and synonyms; used as ``"condition:<code>"``.
DEFAULT_CONDITIONS: Final[tuple[Term, ...]] = (
    Term("dementia", "Demens", ("demente", "alzheimer", "alzheimers", "demenssyge")),
    Term("cancer", "Kræft", ("kræftramte", "kræftpatienter", "cancerpatienter")),
    Term("depression", "Depression", ("depressive", "deprimerede")),
    Term("anxiety", "Angst", ("angst og uro",)),
    Term("mental_illness", "Psykisk sygdom", ("psykiske vanskeligheder", "psykisk sårbare", "sindslidende")),
    Term("chronic_pain", "Kroniske smerter", ("smerter", "smertepatienter")),
    Term("hearing_loss", "Høretab", ("hørehæmmede", "tunghøre", "døve", "hearing impaired")),
    Term("vision_loss", "Synstab", ("svagsynede", "blinde", "synshandicap", "visually impaired")),
    Term("stroke", "Apopleksi", ("blodprop i hjernen", "hjerneblødning")),
    Term("brain_injury", "Hjerneskade", ("erhvervet hjerneskade", "senhjerneskade")),
    Term("parkinsons", "Parkinsons sygdom", ("parkinson",)),
    Term("sclerosis", "Sklerose", ("multipel sklerose", "ms")),
    Term("heart_disease", "Hjertesygdom", ("hjertepatienter", "hjertesyge")),
    Term("copd", "KOL", ("lungesygdom", "lungepatienter")),
    Term("diabetes", "Diabetes", ("sukkersyge", "diabetikere")),
    Term("addiction", "Afhængighed", ("misbrug", "alkoholmisbrug", "afhængige")),
)

#: A code (group or condition, without the prefix): 2-40 lower-case a-z, digits or ``_``, starting with a letter.
CODE_RE: Final = re.compile(r"[a-z][a-z0-9_]{1,39}")
#: Longest Danish label (the extension table's column).
LABEL_MAX: Final = 100
#: The text marking a condition in a free-form name: "Pårørende til demente" is left alone, but
#: "Mennesker med demens" / "people with dementia" reads as the condition.
_WITH = re.compile(r"^(?:mennesker|personer|borgere|people|persons)\s+(?:med|with)\s+(?P<rest>.+)$")


@dataclass(frozen=True)
class AudienceVocabulary:
    """The live audience vocabulary: groups and conditions, each ``code -> Term``."""

    groups: Mapping[str, Term]
    conditions: Mapping[str, Term]
    _names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names: dict[str, str] = {}
        for term in self.groups.values():
            for name in (term.code, term.label, *term.synonyms):
                names.setdefault(fold_name(name), term.code)
        for term in self.conditions.values():
            code = CONDITION_PREFIX + term.code
            for name in (code, term.code, term.label, *term.synonyms):
                names.setdefault(fold_name(name), code)
        self._names.update(names)

    @classmethod
    def default(cls) -> AudienceVocabulary:
        return _DEFAULT

    def extended(self, terms: Iterable[Mapping[str, Any]]) -> AudienceVocabulary:
        """This vocabulary plus ``terms`` (``{"code", "label_da", "synonyms"}``; a code
        ``"condition:x"`` adds a condition). An extension may relabel a code, never drop one."""
        groups, conditions = dict(self.groups), dict(self.conditions)
        for item in terms:
            code = str(item["code"])
            term_code = code.removeprefix(CONDITION_PREFIX)
            term = Term(term_code, str(item["label_da"]), tuple(item.get("synonyms") or ()))
            (conditions if code.startswith(CONDITION_PREFIX) else groups)[term_code] = term
        return AudienceVocabulary(groups, conditions)

    def codes(self) -> list[str]:
        """Every valid audience code: the groups, then ``condition:<code>`` for each condition."""
        return [*self.groups, *(CONDITION_PREFIX + c for c in self.conditions)]

    def is_code(self, code: str) -> bool:
        if code.startswith(CONDITION_PREFIX):
            return code.removeprefix(CONDITION_PREFIX) in self.conditions
        return code in self.groups

    def label(self, code: str) -> str:
        """Danish label of a code (``"condition:dementia"`` -> ``"Demens"``); the code itself when unknown."""
        if code.startswith(CONDITION_PREFIX):
            term = self.conditions.get(code.removeprefix(CONDITION_PREFIX))
        else:
            term = self.groups.get(code)
        return term.label if term else code

    def labels(self) -> dict[str, str]:
        """``{code: Danish label}`` for every code, groups first."""
        return {code: self.label(code) for code in self.codes()}

    def parse(self, value: str) -> str | None:
        """The code for an audience as a publisher wrote it, or ``None`` when it is not known.

        ``"seniors"``, ``"Seniorer"``, ``"ældre"``, ``"60+"`` -> ``"seniors"``; ``"Pårørende"`` ->
        ``"relatives"``; ``"Demens"``, ``"dementia"``, ``"Mennesker med demens"`` ->
        ``"condition:dementia"``; ``"Alle"`` -> ``None`` (an empty audience already means everyone)."""
        if not isinstance(value, str):
            return None
        text = value.strip()
        if self.is_code(text):
            return text
        folded = fold_name(text)  # "60+" folds to "60"
        found = self._names.get(folded)
        if found is None:
            match = _WITH.match(folded)
            if match:
                found = self._names.get(match.group("rest"))
                if found is not None and not found.startswith(CONDITION_PREFIX):
                    found = None
        return found

    def canonical(self, codes: Iterable[str]) -> list[str]:
        """Sorted, de-duplicated codes; a condition code brings ``"people_with_condition"``."""
        out = set(codes)
        if any(c.startswith(CONDITION_PREFIX) for c in out):
            out.add(WITH_CONDITION)
        return sorted(out)

    def errors(self, codes: Iterable[Any]) -> list[str]:
        """Messages for the codes that are not in the vocabulary; empty when all are."""
        unknown = sorted({str(c) for c in codes if not isinstance(c, str) or not self.is_code(c)})
        if not unknown:
            return []
        return [
            f"Unknown audience: {', '.join(unknown)}. Known: {', '.join(self.codes())} "
            "(or their Danish labels; leave the list empty for everyone)."
        ]


def term_errors(code: Any, label: Any) -> dict[str, list[str]]:
    """Why ``code`` -> ``label`` cannot extend the vocabulary: ``{"code": [...], "label_da": [...]}``; empty when fine."""
    errors: dict[str, list[str]] = {}
    bare = code.removeprefix(CONDITION_PREFIX) if isinstance(code, str) else None
    if bare is None or not CODE_RE.fullmatch(bare):
        errors["code"] = [
            "Use 2-40 lower-case letters a-z, digits or _, starting with a letter; prefix condition: for a condition."
        ]
    if not isinstance(label, str) or not label.strip():
        errors["label_da"] = ["Must not be blank."]
    elif len(label.strip()) > LABEL_MAX or "<" in label or ">" in label:
        errors["label_da"] = [f"At most {LABEL_MAX} characters, no < or >."]
    return errors


_DEFAULT = AudienceVocabulary({t.code: t for t in DEFAULT_GROUPS}, {t.code: t for t in DEFAULT_CONDITIONS})

__all__ = [
    "CONDITION_PREFIX",
    "DEFAULT_CONDITIONS",
    "DEFAULT_GROUPS",
    "WITH_CONDITION",
    "AudienceVocabulary",
    "Term",
    "term_errors",
]
