"""List Snowball stem groups of frequent Danish words, to find collisions worth protecting.

Stems wordfreq's ``TOP`` commonest Danish words with the plain Danish Snowball
stemmer and prints every group of two or more words that holds a word of the
demo catalogue or of the topic lexicon, largest first. Reading them gave the
protected stems in ``indexer.analysis.STEM_OVERRIDES`` (haven/havet, kors/kor,
billig/bil, ...). Run from the repository root after ``pip install -e '.[wordlist]'``::

    python tools/stem_collisions.py > /tmp/groups.txt
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOP = 15_000


def main() -> None:
    import Stemmer
    import wordfreq

    from indexer.analysis import tokens
    from matcher.interests import LEXICON

    stemmer = Stemmer.Stemmer("danish")
    catalogue = (ROOT / "catalogue" / "data" / "demo_catalogue.json").read_text(encoding="utf-8")
    known = set(tokens(catalogue)) | {w for words in LEXICON.values() for w in words}
    groups: dict[str, list[str]] = defaultdict(list)
    for word in wordfreq.top_n_list("da", TOP):
        if re.fullmatch(r"[a-zæøå]{3,}", word):
            groups[stemmer.stemWord(word)].append(word)
    shown = [(stem, words) for stem, words in groups.items() if len(words) > 1 and known & set(words)]
    for stem, words in sorted(shown, key=lambda sw: -len(sw[1])):
        print(stem, " ".join(words))
    print(f"{len(shown)} groups", file=sys.stderr)


if __name__ == "__main__":
    main()
