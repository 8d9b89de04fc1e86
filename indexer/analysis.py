"""Danish text analysis: the one definition of the terms a text is indexed and searched by.

Both engines use it: the embedded engine stores these terms in SQLite, and
Elasticsearch receives them pre-analysed (a ``whitespace``-analysed field, see
:mod:`indexer.es_queries`), so the two always see the same terms.

The chain, per text:

1. Tokens: lowercased runs of letters and digits (an apostrophe or a hyphen
   splits words, as Lucene's standard tokenizer does).
2. Stop words: Snowball's Danish list (the one Lucene's DanishAnalyzer uses)
   less the content words in :data:`CONTENT_WORDS` ("have" is a garden). The
   verb "have" is still dropped where its neighbours show it is the verb
   ("vil gerne have", "have lyst til"); see :func:`tokens`.
3. Compounds: each token, plus its known parts from
   :func:`indexer.decompound.split_compound` ("mandskor" gives mandskor,
   mand, kor).
4. Stems: :data:`STEM_OVERRIDES` first (protected words whose Snowball stems
   collide with an unrelated word: "haven" the garden and "havet" the sea both
   become "hav"), then the Danish Snowball stemmer (PyStemmer).

:data:`ANALYZER_VERSION` names this chain; an index built with another
version is rebuilt by :meth:`indexer.sync.Indexer.sync`.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Final

import Stemmer

from .decompound import split_compound

#: Bump whenever the terms a text gives change (stop words, overrides, word list, splitting rules).
ANALYZER_VERSION: Final = "da-2"  # da-1: Snowball's stop words and stemmer alone

#: Snowball's Danish stop word list, the one Lucene's DanishAnalyzer uses.
SNOWBALL_DANISH_STOP_WORDS: Final[frozenset[str]] = frozenset(
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

#: Words on Snowball's list that citizens use as content words, with the reason.
#: Reviewed, and kept as stop words because their function-word use dwarfs the
#: content one in navigators' notes: "anden" (other; duck), "mod" (against;
#: courage), "alt" (all; alto), "mine" (my; mines), "hans" (his; a first name,
#: which must not be matched on anyway), "over"/"under", "selv", "man".
CONTENT_WORDS: Final[dict[str, str]] = {
    "have": "garden (noun): 'Hun savner sin have'; the verb is dropped by context",
}

#: The stop words of the analyser.
DANISH_STOP_WORDS: Final[frozenset[str]] = SNOWBALL_DANISH_STOP_WORDS - CONTENT_WORDS.keys()

#: "have" is the verb after these words ("vil gerne have", "at have", "skal ikke have") ...
_HAVE_VERB_AFTER: Final = frozenset(
    [
        "at",
        "vil",
        "ville",
        "skal",
        "skulle",
        "kan",
        "kunne",
        "må",
        "måtte",
        "bør",
        "burde",
        "gerne",
        "ikke",
        "aldrig",
        "får",
        "fik",
        "få",
        "lad",
        "gider",
    ]
)
#: ... or before these ("have det godt", "have lyst til", "have brug for", "have en hund") ...
_HAVE_VERB_BEFORE: Final = frozenset(
    [
        "det",
        "den",
        "dem",
        "en",
        "et",
        "nogen",
        "noget",
        "nogle",
        "mange",
        "flere",
        "mere",
        "lyst",
        "brug",
        "ondt",
        "svært",
        "godt",
        "tid",
        "mulighed",
        "ro",
        "glæde",
        "fri",
        "fat",
        "hjælp",
        "lov",
        "adgang",
        "behov",
        "mig",
        "dig",
        "sig",
        "ham",
        "hende",
        "os",
        "jer",
        "haft",
    ]
)
#: ... unless a possessive or an article says it is the garden ("sin have", "en have").
_HAVE_NOUN_AFTER: Final = frozenset(
    [
        "sin",
        "sit",
        "min",
        "mit",
        "din",
        "dit",
        "vores",
        "jeres",
        "deres",
        "hans",
        "hendes",
        "egen",
        "eget",
        "en",
        "den",
        "lille",
        "stor",
        "store",
        "fælles",
    ]
)

#: Protected words: word -> stem, applied before the Snowball stemmer.
#: Found by stemming wordfreq's Danish list and reading the groups of frequent
#: words that share a stem (see the README); only pairs a citizen's note or an
#: offer would plausibly use for different things are kept apart here.
STEM_OVERRIDES: Final[dict[str, str]] = {
    # garden (have) vs sea (hav): Snowball gives "hav" for both
    **dict.fromkeys(("have", "haven", "havens", "haver", "haverne", "havernes"), "have"),
    **dict.fromkeys(("hav", "havet", "havets", "havene", "havenes"), "hav"),
    # cross (Røde Kors, Blå Kors: two of the largest volunteer organisations) vs choir (kor)
    **dict.fromkeys(("kors", "korset", "korsets"), "kors"),
    # bake (bage) vs behind/back (bag): Snowball gives "bag" for both
    **dict.fromkeys(("bage", "bager", "bagning", "bagt", "bagte", "bageri"), "bage"),
    # dance: Snowball gives "dan" for "dans" (as for "danne", to form) but "dans" for "danse"; keep them together
    **dict.fromkeys(("dans", "danse", "danser", "dansen", "dansede"), "dans"),
    # car (bil) vs cheap (billig) and ticket (billet): "ingen bil" must not find "billigt"
    **dict.fromkeys(("billig", "billige", "billigt", "billigere", "billigste"), "billig"),
    **dict.fromkeys(("billet", "billetter", "billetten", "billetterne"), "billet"),
    # friend (ven, venner) vs kind (venlig, "demensvenlig")
    **dict.fromkeys(("venlig", "venlige", "venligt", "venligst", "venlighed"), "venlig"),
    # doctor (læge, "lægen sendte hende") vs to lay (lægge, lægger)
    **dict.fromkeys(("læge", "lægen", "læger", "lægerne", "lægens", "lægernes"), "læge"),
    # eyesight (syn, "dårligt syn") vs to think (synes, one of the commonest verbs in notes)
    **dict.fromkeys(("synes", "syntes"), "synes"),
    # calm (rolig, "et roligt tempo") vs role (rolle); home (bolig) vs buns (boller)
    **dict.fromkeys(("rolig", "rolige", "roligt"), "rolig"),
    **dict.fromkeys(("bolig", "boliger", "boligen", "boligerne"), "bolig"),
    # father (far) vs dangerous (farlig); water (vand) vs won (vandt); hall (hal) vs neck (hals)
    **dict.fromkeys(("farlig", "farlige", "farligt"), "farlig"),
    "vandt": "vandt",
    **dict.fromkeys(("hals", "halsen"), "hals"),
}

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


def _verb_have(words: list[str], i: int) -> bool:
    """Is ``words[i]`` ("have") the verb, judged by its neighbours?"""
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    if before in _HAVE_NOUN_AFTER:
        return False
    return before in _HAVE_VERB_AFTER or after in _HAVE_VERB_BEFORE


def tokens(text: str) -> list[str]:
    """Lowercased tokens without stop words (the verb "have" included), before splitting and stemming."""
    words = _TOKEN.findall(text.casefold())
    return [w for i, w in enumerate(words) if w not in DANISH_STOP_WORDS and not (w == "have" and _verb_have(words, i))]


@lru_cache(maxsize=65536)
def word_terms(word: str) -> tuple[str, ...]:
    """The terms of one token: its stem, then the stems of its compound parts (distinct)."""
    stemmer = _stemmer()
    out = []
    for w in (word, *split_compound(word)):
        out.append(STEM_OVERRIDES.get(w) or stemmer.stemWord(w))
    return tuple(dict.fromkeys(out))


def analyze(text: str) -> list[str]:
    """The terms a text is indexed and searched by, in text order (a compound's parts follow it)."""
    return [term for word in tokens(text) for term in word_terms(word)]


def analyze_query(text: str) -> tuple[str, ...]:
    """Distinct query terms in first-seen order.

    Not cached: the text is a citizen's note (it may name a diagnosis), and nothing of it
    may outlive the match in the process; :func:`word_terms` caches single words only."""
    return tuple(dict.fromkeys(analyze(text)))
