"""int8 variants of the fused ONNX graph: speed per query against the quality each one costs.

Issue 15's budget: an embedder variant may be used only if it loses at most 0.005 nDCG@10 on the
held-out vignettes against torch, measured in one run. This script makes each variant from the
prepared folder's fused fp32 graph with ONNX Runtime's own quantisation tools
(``onnxruntime.quantization``), then, in the same run and on the same machine:

- **speed**: median and p95 ms per query, one thread, the variants interleaved query by query;
- **quality**: the full matcher (hybrid) and dense-only nDCG@10 on the held-out half of
  ``matcher/data/vignettes.json`` (``matcher.eval.evaluate(..., half="held_out")``), each variant
  with its own store and index of the demo catalogue; torch (sentence-transformers) is the
  reference and is measured the same way.

Variants (the names are what the results call them):

- ``fp32``: the fused fp32 graph itself (the default backend);
- ``int8_dynamic``: every supported operator, dynamic int8, per tensor;
- ``int8_matmul_pc``: MatMul only, per channel;
- ``int8_ffn_pc``: only the feed-forward MatMuls (weights 384×1536 and 1536×384), per channel:
  attention and the embeddings stay fp32;
- ``int8_ffn_pc_keep_last``: as ``int8_ffn_pc`` but the last ``--keep-last`` layers' feed-forward
  blocks stay fp32 (the layers nearest the pooled output hurt most when quantised);
- ``int8_static_ffn``: static QDQ quantisation of the feed-forward MatMuls, activation ranges
  calibrated (min/max) on Danish texts (the demo catalogue's offers and the tuning half's notes, never the held-out ones);
- ``int8_dyn_all``: dynamic int8 of every block, the fused attention (``QAttention``) and the three
  MatMuls of each layer, per channel (``indexer.modelprep.onnx_quantise.quantise_dynamic`` keeping nothing);
- ``int8_dyn_keep_l4ffn2``: as ``int8_dyn_all`` but layer 4's feed-forward output product stays fp32
  (``KEEP_FP32``, the one block whose quantisation hurts most, chosen with ``--sensitivity``); this is
  what ``EMBEDDING_BACKEND=onnx-int8`` runs;
- ``int8_dyn_keep_l045``: as ``int8_dyn_all`` but layers 0, 4 and 5 (the three most sensitive) stay fp32;
- ``int8_dyn_keep_ffn2``: as ``int8_dyn_all`` but every feed-forward output product stays fp32;
- ``int8_static_unfused``: static QDQ quantisation of the *unfused* export (so onnx's shape inference
  types every node), the feed-forward MatMuls except layer 4's output product, per channel
  (quantising the attention products too leaves the graph without its attention fusion),
  activation ranges calibrated (min/max; the percentile calibrator needs every text padded to one
  length, and its histograms of all those activations did not fit in memory) on the Danish
  calibration texts above; the transformer fusions are applied afterwards.

``--sensitivity`` measures, instead, how much quantising one layer (all its blocks), each block of
the layer that hurt most, or one kind of block (in every layer) alone moves the vectors: mean and lowest cosine to fp32 over the tuning
half's notes (as queries) and the demo offers (as passages), and the overlap of each note's dense
top 10 over the demo offers. The held-out half is never used for it.

Results: ``--out`` (JSON) and a Markdown table beside it. Nothing is written into the repository.
Raises ``SystemExit`` when the prepared folder or its fused graph is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indexer.embedder import ONNX_FILENAME, ONNX_MARKER, ONNX_SUBDIR  # noqa: E402
from indexer.modelprep.onnx_quantise import (  # noqa: E402
    BLOCK_KINDS,
    KEEP_FP32,
    graph_blocks,
    quantise_dynamic,
    with_ms_opset,
)

DEFAULT_MODEL = REPO / ".cache" / "models" / "multilingual-e5-small"
VARIANTS = (
    "fp32",
    "int8_dynamic",
    "int8_matmul_pc",
    "int8_ffn_pc",
    "int8_ffn_pc_keep_last",
    "int8_static_ffn",
    "int8_dyn_all",
    "int8_dyn_keep_l4ffn2",
    "int8_dyn_keep_l045",
    "int8_dyn_keep_ffn2",
    "int8_static_unfused",
)


def _variant_folder(model_dir: Path, work: Path, name: str) -> Path:
    """A folder that looks like the prepared one (links to its files) with its own ``onnx/`` subfolder."""
    folder = work / name
    if folder.exists():
        shutil.rmtree(folder)
    (folder / ONNX_SUBDIR).mkdir(parents=True)
    for item in model_dir.iterdir():
        if item.name != ONNX_SUBDIR:
            (folder / item.name).symlink_to(item)
    shutil.copy(model_dir / ONNX_SUBDIR / ONNX_MARKER, folder / ONNX_SUBDIR / ONNX_MARKER)
    return folder


def _ffn_matmuls(graph_path: Path) -> list[tuple[int, str]]:
    """(layer order, node name) of the feed-forward MatMuls: a weight of 384×1536 or 1536×384."""
    import onnx

    model = onnx.load(str(graph_path), load_external_data=False)
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    found = []
    for order, node in enumerate(model.graph.node):
        if node.op_type != "MatMul":
            continue
        dims = [shapes.get(name) for name in node.input]
        if any(d is not None and len(d) == 2 and sorted(d) == [384, 1536] for d in dims):
            found.append((order, node.name))
    return found


class _Calibration:
    """ONNX Runtime's calibration reader over tokenised Danish texts (one text per batch)."""

    def __init__(self, model_dir: Path, texts: list[str]) -> None:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(512)
        self._feeds: Iterator[dict[str, np.ndarray]] = iter(
            {
                "input_ids": np.array([enc.ids], dtype=np.int64),
                "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.zeros((1, len(enc.ids)), dtype=np.int64),
            }
            for enc in (tokenizer.encode(t) for t in texts)
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def make_variants(
    model_dir: Path, work: Path, keep_last: int, calibration: list[str], wanted: Collection[str] = VARIANTS
) -> dict[str, Path]:
    """Write the folders of the ``wanted`` variants; returns name -> folder (``fp32`` is the prepared folder itself).

    A variant that cannot be made is reported and left out."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    source = model_dir / ONNX_SUBDIR / ONNX_FILENAME
    if not source.is_file():
        raise SystemExit(f"No fused graph at {source}: run `faellesskab model prepare` first")
    ffn = _ffn_matmuls(source)
    last_layers = {name for _, name in ffn[-2 * keep_last :]} if keep_last else set()
    folders = {"fp32": model_dir}
    plans: dict[str, dict[str, Any]] = {
        "int8_dynamic": {"weight_type": QuantType.QInt8},
        "int8_matmul_pc": {"weight_type": QuantType.QInt8, "op_types_to_quantize": ["MatMul"], "per_channel": True},
        "int8_ffn_pc": {
            "weight_type": QuantType.QInt8,
            "op_types_to_quantize": ["MatMul"],
            "nodes_to_quantize": [name for _, name in ffn],
            "per_channel": True,
        },
        "int8_ffn_pc_keep_last": {
            "weight_type": QuantType.QInt8,
            "op_types_to_quantize": ["MatMul"],
            "nodes_to_quantize": [name for _, name in ffn if name not in last_layers],
            "per_channel": True,
        },
    }
    keeps: dict[str, set[tuple[int, str]]] = {
        "int8_dyn_all": set(),
        "int8_dyn_keep_l4ffn2": set(KEEP_FP32),
        "int8_dyn_keep_l045": {(layer, kind) for layer in (0, 4, 5) for kind in BLOCK_KINDS},
        "int8_dyn_keep_ffn2": {(layer, "ffn2") for layer in range(64)},
    }
    for name in wanted:
        if name not in plans and name not in keeps and name not in ("int8_static_ffn", "int8_static_unfused"):
            continue
        folder = _variant_folder(model_dir, work, name)
        began = time.monotonic()
        try:
            if name in plans:
                # The fused graph has com.microsoft operators that onnx's shape inference cannot type: pass
                # the loaded model, which the quantiser then takes as it is.
                quantize_dynamic(
                    with_ms_opset(source),
                    folder / ONNX_SUBDIR / ONNX_FILENAME,
                    use_external_data_format=False,
                    extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                    **plans[name],
                )
            elif name in keeps:
                quantise_dynamic(source, folder / ONNX_SUBDIR / ONNX_FILENAME, keep_fp32=keeps[name])
            elif name == "int8_static_ffn":
                quantize_static(
                    with_ms_opset(source),
                    folder / ONNX_SUBDIR / ONNX_FILENAME,
                    _Calibration(model_dir, calibration),
                    quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["MatMul"],
                    nodes_to_quantize=[name for _, name in ffn],
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    activation_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax,
                    extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                )
            else:
                _static_unfused(model_dir, work, folder / ONNX_SUBDIR / ONNX_FILENAME, calibration)
        except Exception as exc:
            print(f"  {name}: could not be made: {exc}", flush=True)
            continue
        print(f"  {name}: written in {time.monotonic() - began:.0f} s", flush=True)
        folders[name] = folder
    return folders


def _static_unfused(model_dir: Path, work: Path, target: Path, calibration: list[str]) -> None:
    """Static QDQ int8 of the unfused export (the feed-forward MatMuls but layer 4's output product),
    calibrated on ``calibration``, then the same transformer fusions as ``faellesskab model prepare``."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    from indexer.modelprep.onnx_export import _export, _fuse

    raw_dir = work / "unfused"
    shutil.rmtree(raw_dir, ignore_errors=True)
    raw_dir.mkdir(parents=True)
    _export(model_dir, raw_dir / "raw.onnx")
    graph = onnx.load(str(raw_dir / "raw.onnx"), load_external_data=False)
    weights = {init.name for init in graph.graph.initializer}
    # Only the feed-forward products: quantise-dequantise pairs around the attention products hide
    # the pattern the attention fusion looks for, and the graph runs unfused (measured: no Attention).
    nodes = [
        node.name
        for node in graph.graph.node
        if node.op_type == "MatMul"
        and node.input[1] in weights
        and ("/intermediate/dense/" in node.name or "/output/dense/" in node.name)
        and "/attention/" not in node.name
        and "layer.4/output/dense" not in node.name
    ]
    quantize_static(
        str(raw_dir / "raw.onnx"),
        str(raw_dir / "static.onnx"),
        _Calibration(model_dir, calibration),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["MatMul"],
        nodes_to_quantize=nodes,
        per_channel=True,
        weight_type=QuantType.QInt8,
        activation_type=QuantType.QUInt8,
        calibrate_method=CalibrationMethod.MinMax,
        use_external_data_format=True,
        extra_options={"MatMulConstBOnly": True},
    )
    _fuse(model_dir, raw_dir / "static.onnx", target)
    shutil.rmtree(raw_dir, ignore_errors=True)


def sensitivity(model_dir: Path, work: Path, notes: list[str], offers: list[str]) -> dict[str, dict[str, float]]:
    """How far quantising one layer, or one kind of block, alone moves the vectors from fp32 (tuning texts only)."""
    from indexer.embedder import OnnxEmbedder

    source = model_dir / ONNX_SUBDIR / ONNX_FILENAME
    blocks = set(graph_blocks(source).values())
    layers = sorted({layer for layer, _ in blocks})
    reference = OnnxEmbedder(model_dir, threads=1)
    ref_q = np.stack([reference.embed_query(t) for t in notes])
    ref_d = reference.embed_documents(offers)
    groups = {f"layer {layer}": {b for b in blocks if b[0] == layer} for layer in layers}
    groups.update({f"every {kind}": {b for b in blocks if b[1] == kind} for kind in BLOCK_KINDS})
    out: dict[str, dict[str, float]] = {}
    for label, quantised in groups.items():
        folder = _variant_folder(model_dir, work, "sensitivity")
        quantise_dynamic(source, folder / ONNX_SUBDIR / ONNX_FILENAME, keep_fp32=blocks - quantised)
        out[label] = _fidelity(ref_q, ref_d, OnnxEmbedder(folder, threads=1), notes, offers)
        print(f"  {label}: {out[label]}", flush=True)
        if label == f"layer {layers[-1]}":  # then each block of the layer that hurt most, alone
            worst = min(layers, key=lambda layer: out[f"layer {layer}"]["cos_mean"])
            for kind in BLOCK_KINDS:
                folder = _variant_folder(model_dir, work, "sensitivity")
                quantise_dynamic(source, folder / ONNX_SUBDIR / ONNX_FILENAME, keep_fp32=blocks - {(worst, kind)})
                out[f"layer {worst} {kind}"] = _fidelity(ref_q, ref_d, OnnxEmbedder(folder, threads=1), notes, offers)
                print(f"  layer {worst} {kind}: {out[f'layer {worst} {kind}']}", flush=True)
    shutil.rmtree(work / "sensitivity", ignore_errors=True)
    return out


def _fidelity(
    ref_q: np.ndarray, ref_d: np.ndarray, embedder: Any, notes: list[str], offers: list[str]
) -> dict[str, float]:
    """Mean and lowest cosine to the fp32 vectors (notes as queries, offers as passages) and mean dense top-10 overlap."""
    q = np.stack([embedder.embed_query(t) for t in notes])
    d = embedder.embed_documents(offers)
    cosines = np.concatenate([(q * ref_q).sum(axis=1), (d * ref_d).sum(axis=1)])
    overlap = [
        len(set(np.argsort(-(ref_d @ ref_q[i]))[:10]) & set(np.argsort(-(d @ q[i]))[:10])) / 10
        for i in range(len(notes))
    ]
    return {
        "cos_mean": round(float(cosines.mean()), 5),
        "cos_min": round(float(cosines.min()), 5),
        "top10_overlap": round(float(np.mean(overlap)), 3),
    }


def speed(
    folders: dict[str, Path], queries: list[str], reps: int, torch_embedder: Any = None
) -> dict[str, dict[str, float]]:
    """Median and p95 ms per query for each variant (and torch, if given), one thread, interleaved
    (rotated order per query)."""
    from indexer.embedder import OnnxEmbedder

    embedders: dict[str, Any] = {name: OnnxEmbedder(folder, threads=1) for name, folder in folders.items()}
    if torch_embedder is not None:
        import torch

        torch.set_num_threads(1)
        embedders["torch"] = torch_embedder
    for embedder in embedders.values():
        embedder.embed_query("opvarmning")
    times: dict[str, list[float]] = {name: [] for name in embedders}
    names = list(embedders)
    for i in range(reps):
        query = queries[i % len(queries)]
        for name in names[i % len(names) :] + names[: i % len(names)]:
            began = time.perf_counter()
            embedders[name].embed_query(query)
            times[name].append((time.perf_counter() - began) * 1000)
    return {
        name: {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}
        for name, ms in times.items()
    }


def quality(name: str, embedder: Any, work: Path, vignettes: dict[str, Any]) -> dict[str, Any]:
    """Held-out nDCG@10 (hybrid and dense) with this embedder: its own store and index of the demo."""
    import migrations
    from api.cli import demo_path
    from catalogue.fileformats import read_any
    from catalogue.store import Store
    from indexer.embedded import EmbeddedBackend
    from indexer.sync import Indexer
    from matcher.eval import evaluate
    from matcher.matcher import Matcher

    base = work / f"quality-{name}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    store = Store(f"sqlite:///{base / 'store.sqlite'}")
    migrations.upgrade(store)
    parsed = read_any(demo_path())
    store.import_offers(parsed.records, actor="bench", categories=parsed.categories)
    backend = EmbeddedBackend(base / "search")
    Indexer(store, backend, embedder, progress=False).rebuild()
    report = evaluate(Matcher(store, backend, embedder, log=False), vignettes, half="held_out")
    store.close()
    return {
        "hybrid_ndcg10": report.systems["hybrid"]["ndcg@10"],
        "dense_ndcg10": report.systems["dense"]["ndcg@10"],
        "violations": report.systems["hybrid"]["violations"],
        "scored": report.scored,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench/quantise"))
    parser.add_argument("--reps", type=int, default=120, help="timed queries per variant")
    parser.add_argument("--keep-last", type=int, default=2, help="layers kept fp32 in int8_ffn_pc_keep_last")
    parser.add_argument("--variants", nargs="*", choices=VARIANTS, help="default: all")
    parser.add_argument("--no-quality", action="store_true", help="speed only")
    parser.add_argument("--no-torch-speed", action="store_true", help="do not time torch beside the variants")
    parser.add_argument("--sensitivity", action="store_true", help="only the per-layer / per-kind sensitivity")
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench/quantise_results.json"))
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from indexer.embedder import SentenceTransformerEmbedder
    from matcher.eval import half_of, load_vignettes

    vignettes = load_vignettes()
    tuning_notes = [v["request"]["interests"] for v in vignettes["vignettes"] if half_of(v["id"]) == "tuning"]
    offers = json.loads((REPO / "catalogue" / "data" / "demo_catalogue.json").read_text(encoding="utf-8"))["offers"]
    offer_texts = [f"{o['title']}. {o.get('description', '')}" for o in offers]
    calibration = [f"query: {t}" for t in tuning_notes] + [f"passage: {t}" for t in offer_texts[:150]]
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.sensitivity:
        print("Sensitivity (tuning notes and demo offers) ...", flush=True)
        found = sensitivity(args.model_dir, args.workdir, tuning_notes, offer_texts)
        args.out.with_name("quantise_sensitivity.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
        return 0
    print("Making the variants ...", flush=True)
    folders = make_variants(args.model_dir, args.workdir, args.keep_last, calibration, args.variants or VARIANTS)
    print("Timing ...", flush=True)
    torch_embedder = None if args.no_torch_speed else SentenceTransformerEmbedder(args.model_dir)
    timings = speed(folders, tuning_notes, args.reps, torch_embedder)
    results: dict[str, Any] = {"reps": args.reps, "keep_last": args.keep_last, "variants": {}}
    for name, row in timings.items():
        results["variants"][name] = {
            **row,
            "speedup_vs_fp32": round(timings["fp32"]["median_ms"] / row["median_ms"], 2),
        }
        if "torch" in timings:
            results["variants"][name]["speedup_vs_torch"] = round(timings["torch"]["median_ms"] / row["median_ms"], 2)
    from indexer.embedder import OnnxEmbedder

    reference = OnnxEmbedder(args.model_dir, threads=1)
    ref_q = np.stack([reference.embed_query(t) for t in tuning_notes])
    ref_d = reference.embed_documents(offer_texts)
    for name, folder in folders.items():
        embedder = OnnxEmbedder(folder, threads=1)
        results["variants"][name].update(_fidelity(ref_q, ref_d, embedder, tuning_notes, offer_texts))
    if not args.no_quality:
        print("Quality: torch ...", flush=True)
        torch_quality = quality("torch", SentenceTransformerEmbedder(args.model_dir), args.workdir, vignettes)
        results["torch_quality"] = torch_quality
        for name, folder in folders.items():
            print(f"Quality: {name} ...", flush=True)
            q = quality(name, OnnxEmbedder(folder), args.workdir, vignettes)
            q["hybrid_loss_vs_torch"] = round(torch_quality["hybrid_ndcg10"] - q["hybrid_ndcg10"], 4)
            q["dense_loss_vs_torch"] = round(torch_quality["dense_ndcg10"] - q["dense_ndcg10"], 4)
            q["within_budget"] = q["hybrid_loss_vs_torch"] <= 0.005
            results["variants"][name].update(q)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    lines = [
        "| variant | median ms | p95 ms | × torch | × fp32 | cos to fp32 mean / min | top-10 overlap "
        "| hybrid nDCG@10 held-out | loss vs torch | dense | within 0.005 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["variants"].items():
        lines.append(
            f"| {name} | {r['median_ms']} | {r['p95_ms']} | {r.get('speedup_vs_torch', '–')} | {r['speedup_vs_fp32']} | "
            f"{r.get('cos_mean', '–')} / {r.get('cos_min', '–')} | {r.get('top10_overlap', '–')} | "
            f"{r.get('hybrid_ndcg10', '–')} | {r.get('hybrid_loss_vs_torch', '–')} | {r.get('dense_ndcg10', '–')} | "
            f"{r.get('within_budget', '–')} |"
        )
    if "torch_quality" in results:
        t = results["torch_quality"]
        lines.append(f"\ntorch (reference): hybrid {t['hybrid_ndcg10']}, dense {t['dense_ndcg10']}.")
    table = "\n".join(lines) + "\n"
    args.out.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
