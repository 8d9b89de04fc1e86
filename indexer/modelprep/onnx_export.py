"""Writing the fused fp32 ONNX graph next to the prepared safetensors weights.

Why: the same weights run about twice as fast per query through ONNX Runtime
with its transformer fusions (attention, skip layer norm, bias GELU) as
through torch, with the same vectors (cosine 1.000; issue 15 and
``bench/bench_embedder.py``). The serving process then needs neither torch nor
transformers.

How: torch's TorchScript exporter (``dynamo=False``; the dynamo exporter needs
onnxscript, and the fusions below are written for TorchScript graphs) traces the
``BertModel`` with eager attention, then ``onnxruntime.transformers.optimizer``
fuses it for CPU. sentence-transformers' own ``backend="onnx"`` export is not
used: it needs optimum-onnx, whose releases pin transformers 4.x, below the
transformers 5 this project runs. Output: ``onnx/model_fused_fp32.onnx``
(inputs ``input_ids``, ``attention_mask``, ``token_type_ids``, int64
``(batch, seq)``; output ``last_hidden_state`` float32 ``(batch, seq, hidden)``),
its weights in ``onnx/model_fused_fp32.onnx.data`` and, written last,
``onnx/faellesskab_onnx.json``, whose presence means complete.

The weights are external data on purpose: ONNX Runtime memory-maps them, so
a serving process keeps only the pages it touches (most of the 384 MB word
embedding table never is) and gunicorn workers share them through the page
cache. Measured: resident 149 MB and peak 149 MB after loading the session,
against 537 MB resident and 896 MB peak with the weights inside the graph.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import secrets
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

from indexer.embedder import MARKER_FILENAME, ONNX_FILENAME, ONNX_MARKER, ONNX_SUBDIR, ONNX_VARIANT

from .folder import log

__all__ = ["ONNX_DATA", "onnx_is_complete", "write_onnx"]

#: The graph's weights, beside it (the graph names this file; it must keep this name).
ONNX_DATA = ONNX_FILENAME + ".data"

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: ONNX operator set of the export; 17 has LayerNormalization, which the fusions expect.
_OPSET = 17


def onnx_is_complete(model_dir: Path) -> bool:
    """Does ``model_dir/onnx`` hold a fused graph made from the weights now in ``model_dir``?"""
    marker = _read_json(model_dir / ONNX_SUBDIR / ONNX_MARKER)
    return (
        marker is not None
        and marker.get("variant") == ONNX_VARIANT
        and marker.get("weights") == _weights_stamp(model_dir)
        and (model_dir / ONNX_SUBDIR / ONNX_FILENAME).is_file()
        and (model_dir / ONNX_SUBDIR / ONNX_DATA).is_file()
    )


def write_onnx(model_dir: Path, force: bool = False, progress: bool = False) -> Path:
    """Export and fuse the model in ``model_dir`` (a prepared sentence-transformers folder); returns the graph path.

    Idempotent: nothing is written when a complete graph of the same weights is
    present, unless ``force``. The graph is written to a temporary file in the
    same folder and renamed into place, so a reader never sees half a file.
    The caller serialises concurrent runs (``indexer.model_prepare`` holds a lock).
    Takes about 40 s and 1.5 GB of memory on two cores. Raises ``FileNotFoundError``
    when ``model_dir`` has no ``config.json`` / ``model.safetensors``.
    """
    model_dir = Path(model_dir)
    target = model_dir / ONNX_SUBDIR / ONNX_FILENAME
    if not force and onnx_is_complete(model_dir):
        return target
    for name in ("config.json", "model.safetensors"):
        if not (model_dir / name).is_file():
            raise FileNotFoundError(f"{model_dir / name} is missing: prepare the model folder first")
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".work-{os.getpid()}-{secrets.token_hex(4)}"
    work.mkdir()
    try:
        log(progress, "exporting ONNX graph (torch, TorchScript exporter)")
        _export(model_dir, work / "raw.onnx")
        log(progress, "fusing for CPU (onnxruntime.transformers.optimizer)")
        stats = _fuse(model_dir, work / "raw.onnx", work / ONNX_FILENAME)
        (target.parent / ONNX_MARKER).unlink(missing_ok=True)  # incomplete from here until the new marker
        shutil.copymode(work / ONNX_FILENAME, work / ONNX_DATA)  # onnx writes the data file 0600
        os.replace(work / ONNX_DATA, target.parent / ONNX_DATA)
        os.replace(work / ONNX_FILENAME, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    marker = {
        "variant": ONNX_VARIANT,
        "weights": _weights_stamp(model_dir),
        "opset": _OPSET,
        "fused_operators": stats,
        "torch_version": _version("torch"),
        "onnxruntime_version": _version("onnxruntime"),
        "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    tmp_marker = target.parent / f".{ONNX_MARKER}.{secrets.token_hex(4)}"
    tmp_marker.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_marker, target.parent / ONNX_MARKER)
    log(progress, f"ONNX graph written in {time.monotonic() - started:.1f}s")
    return target


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # Eager attention traces to plain MatMul/Softmax, the pattern the attention fusion recognises.
    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    ids = torch.tensor([[0, 6, 5, 2], [0, 6, 2, 1]], dtype=torch.int64)  # two rows, one padded
    mask = (ids != 1).to(torch.int64)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "last_hidden_state")}
    # The tracer warns about the mask's padding branch and advanced indexing; both are shape-independent here
    # (checked by tests/indexer/test_embedder_backends.py on padded batches of mixed lengths).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _LastHidden(bert),
            (ids, mask, torch.zeros_like(ids)),
            str(out),
            dynamo=False,
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=_OPSET,
            do_constant_folding=True,
        )


def _fuse(model_dir: Path, raw: Path, out: Path) -> dict[str, int]:
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    model = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        optimization_options=FusionOptions("bert"),
        opt_level=0,  # graph fusions in Python only; ORT applies its own basic ones when loading
        use_gpu=False,
    )
    stats = {name: int(n) for name, n in model.get_fused_operator_statistics().items() if n}
    if not stats.get("Attention"):
        raise RuntimeError(f"ONNX Runtime fused no attention in {raw}: {stats}")
    import onnx

    onnx.save_model(
        model.model,
        str(out),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=ONNX_DATA,  # relative to the graph: both move together into place
        size_threshold=1024,
    )
    return stats


def _weights_stamp(model_dir: Path) -> str | None:
    """What identifies the weights: the prepare marker's source sha256 and converter version."""
    marker = _read_json(model_dir / MARKER_FILENAME)
    if marker is None:
        return None
    return f"{marker.get('source_sha256')}/v{marker.get('converter_version')}"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None
