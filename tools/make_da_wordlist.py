"""Write ``indexer/data/da_words.tsv``: the Danish word list the decompounder splits with.

Source: the ``wordfreq`` package (version 3.1.1, Robyn Speer et al.), its Danish
list (about 29,000 words from Wikipedia, OpenSubtitles, news, the web and other
corpora). Data licence: CC BY-SA 4.0; the derived file carries the same licence
and this attribution in its header. Nothing is downloaded: ``wordfreq`` ships
its lists inside the wheel. Run from the repository root, after
``pip install -e '.[wordlist]'``::

    python tools/make_da_wordlist.py

Kept: lowercase alphabetic words of three letters or more with their Zipf
frequency (log10 of occurrences per billion words), except Snowball's Danish
stop words (a compound part is never a function word) and words that are far
more frequent in English than in Danish (wordfreq's Danish list holds English
from subtitles and the web: "and", "the", "you").
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.analysis import SNOWBALL_DANISH_STOP_WORDS  # noqa: E402

OUT = ROOT / "indexer" / "data" / "da_words.tsv"
WORD = re.compile(r"[a-zæøåéü]{3,}")
ENGLISH_MARGIN = 1.0  # drop a word when its English Zipf frequency is this much above its Danish one


def main() -> None:
    import wordfreq

    lines = [
        "# Danish words with Zipf frequencies, derived from wordfreq 3.1.1 (Robyn Speer et al.), its Danish list;"
        " data licence CC BY-SA 4.0.",
        "# Made by tools/make_da_wordlist.py; read by indexer/decompound.py. Do not edit by hand.",
    ]
    kept = 0
    for word in wordfreq.top_n_list("da", 100_000):
        if not WORD.fullmatch(word) or word in SNOWBALL_DANISH_STOP_WORDS:
            continue
        da = wordfreq.zipf_frequency(word, "da")
        if wordfreq.zipf_frequency(word, "en") >= da + ENGLISH_MARGIN:
            continue
        lines.append(f"{word}\t{da:.2f}")
        kept += 1
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{kept} words -> {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
