"""Danish text analysis for the embedded engine, mirroring Elasticsearch's
``danish`` analyzer (standard tokenizer, lowercase, Danish stop words,
Danish Snowball stemmer), so that both backends see the same terms.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Final

import Stemmer

#: Snowball's Danish stop word list, the one Lucene's DanishAnalyzer uses.
DANISH_STOP_WORDS: Final[frozenset[str]] = frozenset(
    [
        "og",
        "i",
        "jeg",
        "det",
        "at",
        "en",
        "den",
        "til",
        "er",
        "som",
        "på",
        "de",
        "med",
        "han",
        "af",
        "for",
        "ikke",
        "der",
        "var",
        "mig",
        "sig",
        "men",
        "et",
        "har",
        "om",
        "vi",
        "min",
        "havde",
        "ham",
        "hun",
        "nu",
        "over",
        "da",
        "fra",
        "du",
        "ud",
        "sin",
        "dem",
        "os",
        "op",
        "man",
        "hans",
        "hvor",
        "eller",
        "hvad",
        "skal",
        "selv",
        "her",
        "alle",
        "vil",
        "blev",
        "kunne",
        "ind",
        "når",
        "være",
        "dog",
        "noget",
        "ville",
        "jo",
        "deres",
        "efter",
        "ned",
        "skulle",
        "denne",
        "end",
        "dette",
        "mit",
        "også",
        "under",
        "have",
        "dig",
        "anden",
        "hende",
        "mine",
        "alt",
        "meget",
        "sit",
        "sine",
        "vor",
        "mod",
        "disse",
        "hvis",
        "din",
        "nogle",
        "hos",
        "blive",
        "mange",
        "ad",
        "bliver",
        "hendes",
        "været",
        "thi",
        "jer",
        "sådan",
    ]
)

# Letters and digits, as Unicode word boundaries give them; an apostrophe or a
# hyphen splits words, as the standard tokenizer does.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe; keep one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("danish")
    return stemmer


def tokens(text: str) -> list[str]:
    """Lowercased tokens without stop words, before stemming."""
    return [t for t in _TOKEN.findall(text.casefold()) if t not in DANISH_STOP_WORDS]


def analyze(text: str) -> list[str]:
    """The terms a text is indexed and searched by."""
    return list(_stemmer().stemWords(tokens(text)))


@lru_cache(maxsize=4096)
def analyze_query(text: str) -> tuple[str, ...]:
    """Distinct query terms in first-seen order."""
    return tuple(dict.fromkeys(analyze(text)))
