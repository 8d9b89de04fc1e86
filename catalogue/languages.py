"""Languages: one table, built from the Unicode CLDR data that Babel ships.

Offers record languages as ISO 639-1 codes ("da", "uk") where one exists,
otherwise the ISO 639-3 code. :func:`parse_language` reads what publishers
write (ISO 639-1, 639-2/B, 639-3 codes, BCP 47 tags such as ``da-DK``, and
language names in Danish, English or the language itself); :func:`name_da`
gives the Danish name for pages and explanations.

Source: CLDR via Babel (``babel.Locale(...).languages`` for names, the
``language_aliases`` table for three-letter codes). Nothing here is typed by hand
except :data:`COMMON`, the order in which the navigator's page lists them.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel.core import Locale, UnknownLocaleError, get_global

#: The languages navigators meet most in Norddjurs, in the order the page lists them
#: (Danish, then the languages of the largest immigrant groups and of tourists/neighbours).
COMMON: tuple[str, ...] = ("da", "en", "de", "ar", "uk", "pl", "ro", "lt", "so", "ti", "fa", "tr", "ru", "sv", "no")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@cache
def _codes() -> frozenset[str]:
    """Every language code CLDR names in Danish (two- and three-letter, no region)."""
    return frozenset(
        code for code in Locale("da").languages if isinstance(code, str) and "_" not in code and code.isalpha()
    )


@cache
def _by_name() -> dict[str, str]:
    """Folded name (Danish, English, native) -> code."""
    out: dict[str, str] = {}
    for locale in ("en", "da"):  # Danish names win where they collide
        for code, name in Locale(locale).languages.items():
            if code in _codes():
                out[_fold(name)] = code
    for code in _codes():
        try:
            native = Locale.parse(code).get_language_name(code)
        except (UnknownLocaleError, ValueError):
            continue
        if native:
            out.setdefault(_fold(native), code)
    return out


def parse_language(value: str) -> str | None:
    """The code for a language as a publisher wrote it, or ``None`` when unknown.

    ``"da"``, ``"dan"``, ``"da-DK"``, ``"Danish"``, ``"dansk"`` -> ``"da"``;
    ``"per"``/``"farsi"`` -> ``"fa"``; ``"xx"`` -> ``None``.
    """
    text = _fold(value or "")
    if not text:
        return None
    aliases = get_global("language_aliases")
    base = text.replace("_", "-").split("-")[0]
    for candidate in (text, base):
        if candidate in _codes():
            return candidate
        alias = aliases.get(candidate)
        if alias:
            code = str(alias).replace("-", "_").split("_")[0]
            if code in _codes():
                return code
    return _by_name().get(text) or _by_name().get(_EXTRA_NAMES.get(text, ""))


#: Names people write that CLDR does not list as a language name.
_EXTRA_NAMES = {"farsi": "persisk", "bokmål": "norsk bokmål"}


def is_language(code: str) -> bool:
    """True when ``code`` is a language code CLDR knows (guards against typos such as "dk")."""
    return code in _codes()


def name_da(code: str) -> str:
    """The Danish name of a language code (``"uk"`` -> ``"ukrainsk"``); the code itself if unknown."""
    return Locale("da").languages.get(code, code)


def common_names_da() -> dict[str, str]:
    """``{code: Danish name}`` for :data:`COMMON`, in that order (for pick lists)."""
    return {code: name_da(code) for code in COMMON}
