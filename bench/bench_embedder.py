"""Embedding backends side by side: ONNX Runtime (fused fp32 graph) vs torch, per query.

Why: issue 15 makes ONNX Runtime the default backend because it is about
twice as fast per query with the same vectors. This script checks that claim
on the machine at hand, in one run: the same prepared folder, the same
queries, one thread each (``torch.set_num_threads`` and ONNX Runtime's
intra-op threads), timed interleaved query by query (the order alternates),
because the machine is shared and absolute times drift. It also reports the
lowest cosine between the two backends' vectors, and, each in a fresh
subprocess, what a serving process pays to start a backend: wall time from
interpreter start to the first query vector, resident and peak memory
(``VmRSS`` / ``VmHWM`` of ``/proc/self/status``; ``ru_maxrss`` would carry
the parent's peak across the exec) and whether torch was imported.

Run from the repository root (the model must be prepared, with its ONNX graph)::

    PYTHONPATH=. .venv/bin/python bench/bench_embedder.py            # ~1 min
    PYTHONPATH=. .venv/bin/python bench/bench_embedder.py --reps 200 --threads 2

Results: a summary on stdout, JSON in ``/tmp/bench/embedder_results.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from indexer.embedder import OnnxEmbedder, SentenceTransformerEmbedder

REPO = Path(__file__).resolve().parents[1]
QUERIES = [
    "Savner at komme ud blandt andre efter min mand døde. Har altid holdt af at synge og gå ture.",
    "hvor kan jeg få lappet min cykel",
    "Jeg er lige flyttet til Grenaa og kender ingen. Kan godt lide at strikke.",
    "motion for ældre med dårlige knæ, gerne i vand",
    "I would like to meet people and practise my Danish.",
    "Хочу знайти хор для літніх людей.",
    "أبحث عن نادي للمشي بالقرب من منزلي",
    "fællesspisning om aftenen, jeg har ikke bil",
]
_STARTUP = """
import json, sys, time
t0 = time.perf_counter()
from indexer.embedder import OnnxEmbedder, SentenceTransformerEmbedder
cls = OnnxEmbedder if sys.argv[1] == "onnx" else SentenceTransformerEmbedder
cls(sys.argv[2]).embed_query("klar")
print(json.dumps({"first_vector_s": time.perf_counter() - t0,
                  **{k: int(v.split()[0]) / 1024 for k, v in (line.split(":", 1) for line in open("/proc/self/status"))
                     if k in ("VmRSS", "VmHWM")},
                  "torch_imported": "torch" in sys.modules}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model-dir", type=Path, default=REPO / ".cache" / "models" / "multilingual-e5-small")
    parser.add_argument("--reps", type=int, default=60, help="timed queries per backend (after a warm-up)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench/embedder_results.json"))
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    backends = {
        "torch": SentenceTransformerEmbedder(args.model_dir),
        "onnx": OnnxEmbedder(args.model_dir, threads=args.threads),
    }
    vectors = {name: np.stack([e.embed_query(q) for q in QUERIES]) for name, e in backends.items()}  # warm-up
    min_cosine = float(np.min(np.sum(vectors["torch"] * vectors["onnx"], axis=1)))

    times: dict[str, list[float]] = {name: [] for name in backends}
    for i in range(args.reps):
        query = QUERIES[i % len(QUERIES)]
        order = ("onnx", "torch") if i % 2 else ("torch", "onnx")
        for name in order:
            started = time.perf_counter()
            backends[name].embed_query(query)
            times[name].append((time.perf_counter() - started) * 1000)

    startup = {name: _startup(name, args.model_dir) for name in backends}
    summary = {
        name: {
            "median_ms": statistics.median(ms),
            "p95_ms": float(np.percentile(ms, 95)),
            **startup[name],
        }
        for name, ms in times.items()
    }
    ratio = summary["torch"]["median_ms"] / summary["onnx"]["median_ms"]
    result = {"threads": args.threads, "reps": args.reps, "min_cosine": min_cosine, "ratio": ratio, **summary}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(f"{args.reps} queries per backend, {args.threads} thread(s), interleaved")
    for name, row in summary.items():
        print(
            f"  {name:5s}  median {row['median_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  | fresh process: "
            f"first vector {row['first_vector_s']:.1f} s, RSS {row['VmRSS']:.0f} MB (peak {row['VmHWM']:.0f}), "
            f"torch imported: {row['torch_imported']}"
        )
    print(f"  torch / onnx median ratio: {ratio:.2f}x; lowest cosine between them: {min_cosine:.6f}")
    print(f"JSON: {args.out}")
    return 0


def _startup(backend: str, model_dir: Path) -> dict[str, float | bool]:
    """Start-up of one backend in a fresh interpreter: seconds to the first vector, MB resident and peak, torch?"""
    out = subprocess.run(
        [sys.executable, "-c", _STARTUP, backend, str(model_dir)], cwd=REPO, capture_output=True, text=True, check=True
    )
    data: dict[str, float | bool] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


if __name__ == "__main__":
    raise SystemExit(main())
