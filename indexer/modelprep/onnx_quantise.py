"""Dynamic int8 quantisation of the fused ONNX graph, keeping chosen blocks in fp32.

Why: int8 matrix products run about 2.3× faster per query than the fused fp32 graph on
this project's CPUs (``bench/bench_quantise.py``), but quantising every block moves the
vectors (cosine 0.997 to fp32) and costs retrieval quality. Most of that error comes from
a few blocks: measured one block at a time on the tuning half's notes and the demo
offers (never the held-out vignettes), quantising only layer 4's feed-forward output
product moves the vectors as much as all other blocks of layer 4 together, more than any
other layer. :data:`KEEP_FP32` names the blocks kept in fp32.

How: ``onnxruntime.quantization.quantize_dynamic`` on the fused graph written by
:mod:`indexer.modelprep.onnx_export`, weights int8 per output channel, activations
quantised per call; ``Attention`` nodes become ``QAttention`` and ``MatMul`` nodes
``DynamicQuantizeMatMul`` when the session is loaded. Blocks are found by their place in
the graph (an ``Attention`` node starts a layer) and the shape of their weight, not by
node names: ``qkv`` (the fused attention projection), ``attn_out`` (hidden × hidden),
``ffn1`` (hidden × intermediate) and ``ffn2`` (intermediate × hidden).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from indexer.embedder import (
    ONNX_FILENAME,
    ONNX_INT8_FILENAME,
    ONNX_INT8_MARKER,
    ONNX_INT8_VARIANT,
    ONNX_MARKER,
    ONNX_SUBDIR,
)

from .folder import log
from .onnx_export import _read_json

__all__ = [
    "BLOCK_KINDS",
    "KEEP_FP32",
    "ONNX_INT8_DATA",
    "graph_blocks",
    "int8_is_complete",
    "quantise_dynamic",
    "write_int8",
]

#: The int8 graph's weights, beside it (the graph names this file).
ONNX_INT8_DATA = ONNX_INT8_FILENAME + ".data"

#: The kinds of quantisable block in one encoder layer.
BLOCK_KINDS = ("qkv", "attn_out", "ffn1", "ffn2")
#: (layer, kind) blocks kept in fp32 by the ``onnx-int8`` variant, chosen on the tuning half
#: (``bench/bench_quantise.py --sensitivity``): layer 4's feed-forward output product.
KEEP_FP32: frozenset[tuple[int, str]] = frozenset({(4, "ffn2")})


def graph_blocks(graph_path: Path) -> dict[str, tuple[int, str]]:
    """Node name -> ``(layer, kind)`` for every quantisable block of a fused BERT graph.

    Reads only the graph structure (no weights). Raises ``ValueError`` when a ``MatMul``
    with a constant weight comes before the first ``Attention`` node or has a weight of
    an unexpected shape (not a fused encoder graph).
    """
    import onnx

    model = onnx.load(str(graph_path), load_external_data=False)
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    blocks: dict[str, tuple[int, str]] = {}
    layer = -1
    for node in model.graph.node:
        if node.op_type == "Attention":
            layer += 1
            blocks[node.name] = (layer, "qkv")
        elif node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in shapes:
            rows, cols = shapes[node.input[1]]
            kind = "attn_out" if rows == cols else "ffn1" if rows < cols else "ffn2"
            if layer < 0:
                raise ValueError(f"{graph_path}: MatMul {node.name} before the first Attention node")
            blocks[node.name] = (layer, kind)
    return blocks


def quantise_dynamic(
    source: Path, target: Path, keep_fp32: Collection[tuple[int, str]] = KEEP_FP32, per_channel: bool = True
) -> list[str]:
    """Write the dynamic int8 graph of ``source`` (a fused graph) to ``target``; returns the quantised node names.

    Every block of :func:`graph_blocks` except those in ``keep_fp32`` is quantised. The
    weights go to ``<target name>.data`` beside it (ONNX Runtime memory-maps them).
    Takes about 40 s and 1.5 GB on two cores. Raises ``FileNotFoundError`` when ``source``
    is missing.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if not Path(source).is_file():
        raise FileNotFoundError(f"{source} is missing: run `faellesskab model prepare` first")
    nodes = [name for name, block in graph_blocks(source).items() if block not in set(keep_fp32)]
    quantize_dynamic(
        with_ms_opset(source),
        Path(target),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Attention"],
        nodes_to_quantize=nodes,
        per_channel=per_channel,
        use_external_data_format=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return nodes


def with_ms_opset(source: Path) -> Any:
    """The fused graph with an opset import for ``com.microsoft``, which its fused operators use but
    the optimiser does not declare; without it onnx's shape inference (run by the quantiser) refuses them."""
    import onnx

    model = onnx.load(str(source))
    if not any(op.domain == "com.microsoft" for op in model.opset_import):
        model.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))
    return model


def int8_is_complete(model_dir: Path) -> bool:
    """Does ``model_dir/onnx`` hold an int8 graph of this variant made from the fp32 graph now there?"""
    onnx_dir = Path(model_dir) / ONNX_SUBDIR
    marker = _read_json(onnx_dir / ONNX_INT8_MARKER)
    fp32 = _read_json(onnx_dir / ONNX_MARKER)
    return (
        marker is not None
        and fp32 is not None
        and marker.get("variant") == ONNX_INT8_VARIANT
        and marker.get("keep_fp32") == _keep_list(KEEP_FP32)
        and marker.get("from") == fp32.get("weights")
        and (onnx_dir / ONNX_INT8_FILENAME).is_file()
        and (onnx_dir / ONNX_INT8_DATA).is_file()
    )


def write_int8(model_dir: Path, force: bool = False, progress: bool = False) -> Path:
    """Quantise the fused fp32 graph in ``model_dir/onnx`` (:func:`quantise_dynamic`, keeping
    :data:`KEEP_FP32`); returns the int8 graph's path.

    Idempotent like ``write_onnx``: nothing is written when a complete int8 graph of the
    current fp32 graph is present, unless ``force``. Written in a work folder and renamed
    into place, the marker last. Raises ``FileNotFoundError`` when the fp32 graph is missing.
    The caller serialises concurrent runs (``indexer.model_prepare`` holds a lock).
    """
    onnx_dir = Path(model_dir) / ONNX_SUBDIR
    target = onnx_dir / ONNX_INT8_FILENAME
    if not force and int8_is_complete(model_dir):
        return target
    fp32 = _read_json(onnx_dir / ONNX_MARKER)
    if fp32 is None or not (onnx_dir / ONNX_FILENAME).is_file():
        raise FileNotFoundError(f"{onnx_dir / ONNX_FILENAME} is missing: run `faellesskab model prepare` first")
    started = time.monotonic()
    work = onnx_dir / f".work-int8-{os.getpid()}-{secrets.token_hex(4)}"
    work.mkdir()
    try:
        log(progress, "quantising the ONNX graph to int8 (onnxruntime.quantization)")
        nodes = quantise_dynamic(onnx_dir / ONNX_FILENAME, work / ONNX_INT8_FILENAME)
        (onnx_dir / ONNX_INT8_MARKER).unlink(missing_ok=True)  # incomplete from here until the new marker
        shutil.copymode(onnx_dir / ONNX_FILENAME, work / ONNX_INT8_FILENAME)
        shutil.copymode(onnx_dir / ONNX_FILENAME, work / ONNX_INT8_DATA)
        os.replace(work / ONNX_INT8_DATA, onnx_dir / ONNX_INT8_DATA)
        os.replace(work / ONNX_INT8_FILENAME, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    marker = {
        "variant": ONNX_INT8_VARIANT,
        "from": fp32.get("weights"),
        "keep_fp32": _keep_list(KEEP_FP32),
        "quantised_nodes": len(nodes),
        "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    tmp_marker = onnx_dir / f".{ONNX_INT8_MARKER}.{secrets.token_hex(4)}"
    tmp_marker.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_marker, onnx_dir / ONNX_INT8_MARKER)
    log(progress, f"int8 graph written in {time.monotonic() - started:.1f}s")
    return target


def _keep_list(keep: Collection[tuple[int, str]]) -> list[list[Any]]:
    return [[layer, kind] for layer, kind in sorted(keep)]
