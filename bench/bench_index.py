"""Indexer benchmark: encode overhead, indexing throughput, query latency and memory.

Why these figures: the real model is by far the slowest part of indexing, so
indexing is only "fast enough" if everything around the model (reading the
store, building documents, the embedding cache, writing SQLite/FTS5) adds
little to it (goal: at most 10 % overhead). A national catalogue (100,000
offers) must still answer a filtered candidate query quickly (goal: p95 at
most 15 ms) and fit in a small worker (goal: at most 1 GB resident).

The machine this runs on is shared and noisy, so every figure that matters is
a ratio of two things measured in the same run (interleaved), or a p50/p95
over many repetitions; absolute seconds are printed for context only.

Parts (each runs in a fresh subprocess of a small orchestrator, so that
every peak RSS belongs to one part only):
1. Demo catalogue (180 offers) with the real model: raw ``embed_documents``
   throughput (one call, and in the Indexer's chunks as a diagnostic) vs.
   ``Indexer.rebuild()`` into a fresh store and backend with an empty
   embedding cache, in rotating order over several rounds; then rebuilds
   with every embedding cached. The vignettes' query vectors are computed
   here once and saved for part 3.
2. Synthetic catalogues (default 2,000 and 100,000 offers, see
   ``benchlib.generate_offers``) with seeded random unit embeddings (no
   model time): ``build_document`` and ``EmbeddedBackend.rebuild`` throughput.
3. Query latency of ``lexical_candidates`` and ``vector_candidates`` (k=100)
   with realistic filters from the vignettes (``hard_rules``/``as_filter``),
   query embedding excluded, in a process that only opens the index (as a
   server worker would); once with numpy's default BLAS threads and once
   with ``OPENBLAS_NUM_THREADS=1``.
4. Peak RSS of each part: ``ru_maxrss`` and VmHWM (the same here, because the
   orchestrator stays small; Linux carries ``ru_maxrss`` over fork+exec).

Run from the repository root::

    PYTHONPATH=. .venv/bin/python bench/bench_index.py            # everything (several minutes)
    PYTHONPATH=. .venv/bin/python bench/bench_index.py --offers 2000 --skip-model   # quick, no model
    PYTHONPATH=. .venv/bin/python bench/bench_index.py --offers                     # part 1 only

Results: a table on stdout and JSON in ``/tmp/bench/index_results.json``.
Scratch indexes live under ``/tmp/bench``, never in the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from benchlib import TODAY, current_rss_mb, generate_offers, hwm_rss_mb, load_offers, peak_rss_mb, summary_ms

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO / ".cache" / "models" / "multilingual-e5-small"
DEMO = REPO / "catalogue" / "data" / "demo_catalogue.json"
VIGNETTES = REPO / "matcher" / "data" / "vignettes.json"
DIM = 384
K = 100
GOAL_OVERHEAD = 0.10
GOAL_P95_MS = 15.0
GOAL_RSS_MB = 1024.0
#: Rules that need the citizen's location; dropping them gives the "no-geo" filters.
GEO_RULES = frozenset({"distance", "island", "no_car"})


# -- part 1: the real model on the demo catalogue ---------------------------------------------


@dataclass
class DemoIndex:
    """What part 1 leaves open for the query-vector step and the demo-index queries."""

    labels: dict[str, str]
    embedder: Any
    backend: Any


def bench_demo(workdir: Path, model_dir: Path, rounds: int, cached_rounds: int) -> tuple[dict[str, Any], DemoIndex]:
    """Raw encode vs. full indexing of the demo catalogue, interleaved; then cached rebuilds."""
    import migrations
    from catalogue.fileformats import read_any
    from catalogue.store import Store
    from indexer.documents import build_document
    from indexer.embedded import EmbeddedBackend
    from indexer.embedder import SentenceTransformerEmbedder
    from indexer.sync import Indexer

    demo_dir = workdir / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    demo_dir.mkdir(parents=True)
    store = Store(f"sqlite:///{demo_dir / 'store.sqlite'}")
    migrations.upgrade(store)
    parsed = read_any(DEMO)
    report = store.import_offers(parsed.records, actor="bench", categories=parsed.categories)
    if not report.committed:
        raise SystemExit(f"demo import failed: {report.summary()}")
    labels = store.categories()
    texts = [build_document(o, labels).embedding_text for o in store.iter_offers()]
    n = len(texts)

    embedder = SentenceTransformerEmbedder(model_dir)
    t = time.perf_counter()
    embedder.embed_documents(texts[:32])  # load the model and warm up
    load_s = time.perf_counter() - t
    backend = EmbeddedBackend(demo_dir / "index", dim=embedder.dim)
    indexer = Indexer(store, backend, embedder, progress=False)

    raw_s: list[float] = []
    chunked_s: list[float] = []
    index_s: list[float] = []
    encode_in_index_s: list[float] = []
    steps = ("raw", "chunked", "index")
    for r in range(rounds):
        for step in steps[r % 3 :] + steps[: r % 3]:  # rotate the order, so drift hits all three
            t = time.perf_counter()
            if step == "raw":
                vectors = embedder.embed_documents(texts)
                raw_s.append(time.perf_counter() - t)
                assert vectors.shape == (n, embedder.dim)
            elif step == "chunked":  # diagnostic: the same calls the Indexer makes (batch_size offers each)
                for start in range(0, n, indexer.batch_size):
                    embedder.embed_documents(texts[start : start + indexer.batch_size])
                chunked_s.append(time.perf_counter() - t)
            else:
                indexer.cache.clear(embedder.model_id)  # empty cache: every offer is embedded
                t = time.perf_counter()
                rep = indexer.rebuild()
                index_s.append(time.perf_counter() - t)
                encode_in_index_s.append(rep.timings.get("encode", 0.0))
                assert rep.embedded == n and rep.documents == n, rep.summary()
        print(
            f"  round {r + 1}/{rounds}: raw {raw_s[-1]:.1f} s, raw in chunks of {indexer.batch_size} "
            f"{chunked_s[-1]:.1f} s, indexing {index_s[-1]:.1f} s (encode inside {encode_in_index_s[-1]:.1f} s)",
            flush=True,
        )

    cached_s: list[float] = []
    for _ in range(cached_rounds):
        t = time.perf_counter()
        rep = indexer.rebuild()
        cached_s.append(time.perf_counter() - t)
        assert rep.embedded == 0 and rep.cached == n, rep.summary()

    raw_tp = n / float(np.median(raw_s))
    chunked_tp = n / float(np.median(chunked_s))
    index_tp = n / float(np.median(index_s))
    paired = [1.0 - (n / i) / (n / r) for r, i in zip(raw_s, index_s, strict=True)]
    outside = [1.0 - e / i for e, i in zip(encode_in_index_s, index_s, strict=True)]
    result = {
        "offers": n,
        "model_load_and_warmup_s": round(load_s, 2),
        "rounds": rounds,
        "raw_encode_s": [round(x, 3) for x in raw_s],
        "indexing_s": [round(x, 3) for x in index_s],
        "encode_inside_indexing_s": [round(x, 3) for x in encode_in_index_s],
        "raw_in_chunks_s": [round(x, 3) for x in chunked_s],
        "indexer_batch_size": indexer.batch_size,
        "raw_passages_per_s": round(raw_tp, 2),
        "raw_in_chunks_passages_per_s": round(chunked_tp, 2),
        # How much of the overhead is only the Indexer's call pattern (chunks of batch_size texts).
        "chunking_cost": round(1.0 - chunked_tp / raw_tp, 4),
        "indexing_offers_per_s": round(index_tp, 2),
        # The goal's definition: 1 - indexing throughput / raw encode throughput (medians over rounds).
        "overhead": round(1.0 - index_tp / raw_tp, 4),
        "overhead_per_round": [round(x, 4) for x in paired],
        # Same run, no cross-measurement noise: share of indexing time spent outside the model.
        "non_encode_share_of_indexing": round(float(np.median(outside)), 4),
        "cached_rebuild_ms": summary_ms([x * 1000 for x in cached_s]),
        "cached_rebuild_vs_raw_encode": round(float(np.median(cached_s)) / float(np.median(raw_s)), 4),
        "torch_threads": _torch_threads(),
    }
    return result, DemoIndex(labels, embedder, backend)


def _torch_threads() -> int | None:
    try:
        import torch
    except ImportError:
        return None
    return int(torch.get_num_threads())


def query_vectors(embedder: Any, path: Path) -> np.ndarray:
    """Embed each vignette's text once (the query embedding is excluded from part 3's latencies)."""
    vignettes = json.loads(VIGNETTES.read_text(encoding="utf-8"))["vignettes"]
    vectors = np.stack([embedder.embed_query(" ".join(v["request"]["interests"].split())) for v in vignettes])
    np.save(path, vectors.astype(np.float32))
    return vectors


# -- part 3 helpers, shared by the demo index and the query worker ------------------------------


def build_queries(n: int, labels: dict[str, str], seed: int) -> list[dict[str, Any]]:
    """``n`` queries: the vignettes cycled, with the matcher's own filter and lexical query.

    Filter classes: "geo" (all hard rules, as the matcher sends them), "no-geo"
    (the same without the location rules, e.g. a citizen who gives no address)
    and "none" (unfiltered, as the matcher's exclusion-count pool query).
    """
    from matcher.interests import expansion_terms, infer_categories
    from matcher.request import MatchRequestSchema
    from matcher.rules import as_filter, hard_rules

    vignettes = json.loads(VIGNETTES.read_text(encoding="utf-8"))["vignettes"]
    schema = MatchRequestSchema(known_categories=set(labels))
    rng = random.Random(seed)
    queries = []
    for i in range(n):
        v = i % len(vignettes)
        req = schema.load(vignettes[v]["request"])
        rules = hard_rules(req, TODAY)
        kind = rng.choices(("geo", "no-geo", "none"), (60, 25, 15))[0]
        flt = None if kind == "none" else as_filter(rules, skip=GEO_RULES if kind == "no-geo" else frozenset())
        inferred = infer_categories(req.interests, labels).categories
        text = f"{req.interests} {expansion_terms(inferred, labels)}".strip()
        queries.append({"vignette": v, "kind": kind, "filter": flt, "text": text})
    return queries


def time_queries(backend: Any, queries: list[dict[str, Any]], vectors: np.ndarray, warmup: int) -> dict[str, Any]:
    """Latency samples of both candidate searches per query (interleaved), query embedding excluded.

    Returns ``{"lexical": {kind: [ms]}, "vector": {kind: [ms]}, "passing": {kind: [docs]}}``;
    :func:`summarise` turns one or several of these into p50/p95.
    """
    for q in queries[:warmup]:
        backend.lexical_candidates(q["text"], q["filter"], k=K)
        backend.vector_candidates(vectors[q["vignette"]], q["filter"], k=K)
    samples: dict[str, dict[str, list[float]]] = {"lexical": {}, "vector": {}, "passing": {}}
    for i, q in enumerate(queries):
        vector = vectors[q["vignette"]]
        order = ("lexical", "vector") if i % 2 == 0 else ("vector", "lexical")
        for name in order:
            t = time.perf_counter()
            if name == "lexical":
                backend.lexical_candidates(q["text"], q["filter"], k=K)
            else:
                backend.vector_candidates(vector, q["filter"], k=K)
            samples[name].setdefault(q["kind"], []).append((time.perf_counter() - t) * 1000)
        samples["passing"].setdefault(q["kind"], []).append(float(backend.count(q["filter"])))
    return samples


def summarise(runs: list[dict[str, dict[str, list[float]]]]) -> dict[str, Any]:
    """p50/p95 over the pooled samples of one or more :func:`time_queries` runs, overall and per filter."""
    pooled: dict[str, dict[str, list[float]]] = {"lexical": {}, "vector": {}, "passing": {}}
    for run in runs:
        for name, by_kind in run.items():
            for kind, values in by_kind.items():
                pooled[name].setdefault(kind, []).extend(values)

    def flat(name: str) -> list[float]:
        return [x for xs in pooled[name].values() for x in xs]

    return {
        "queries": len(flat("lexical")),
        "lexical_ms": summary_ms(flat("lexical")),
        "vector_ms": summary_ms(flat("vector")),
        "by_filter": {
            kind: {
                "n": len(pooled["lexical"][kind]),
                "lexical_ms": summary_ms(pooled["lexical"][kind]),
                "vector_ms": summary_ms(pooled["vector"][kind]),
                "docs_passing_filter_p50": int(np.median(pooled["passing"][kind])),
            }
            for kind in sorted(pooled["lexical"])
        },
    }


def merge_query_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One configuration's query workers (several A/B rounds) as one result: pooled latencies, worst RSS."""
    merged = summarise([r["samples"] for r in runs])
    first = runs[0]
    merged.update(
        {
            "workers": len(runs),
            "blas_threads_env": first["blas_threads_env"],
            "offers": first["offers"],
            "query_vectors": first["query_vectors"],
            "open_and_load_s": round(float(np.median([r["open_and_load_s"] for r in runs])), 2),
            "rss_after_open_mb": max(r["rss_after_open_mb"] for r in runs),
            "rss_after_queries_mb": max(r["rss_after_queries_mb"] for r in runs),
            "query_peak_rss_mb": max(r["query_peak_rss_mb"] for r in runs),
            "query_vm_hwm_mb": max(r["query_vm_hwm_mb"] for r in runs),
            "runs": [{"source_sha256": r.get("source_sha256"), "open_and_load_s": r["open_and_load_s"]} for r in runs],
        }
    )
    return merged


# -- workers (subprocesses) -----------------------------------------------------------------------


def worker_demo(args: argparse.Namespace) -> dict[str, Any]:
    """Part 1 in its own process, so the orchestrator stays small (see ``hwm_rss_mb``)."""
    result, demo = bench_demo(args.workdir, args.model_dir, args.rounds, args.cached_rounds)
    vectors = query_vectors(demo.embedder, Path(args.vectors))
    queries = build_queries(args.queries, demo.labels, args.seed)
    result["queries"] = summarise([time_queries(demo.backend, queries, vectors, warmup=20)])
    result["peak_rss_mb"] = peak_rss_mb()
    result["vm_hwm_mb"] = hwm_rss_mb()
    return result


def worker_build(args: argparse.Namespace) -> dict[str, Any]:
    """Generate ``--offers`` synthetic offers with random unit embeddings and index them."""
    from catalogue.taxonomy import DEFAULT_CATEGORIES
    from indexer.documents import build_document
    from indexer.embedded import EmbeddedBackend

    n = args.offers
    t = time.perf_counter()
    raws = generate_offers(n, seed=args.seed)
    gen_s = time.perf_counter() - t
    every = args.validate_every or (1 if n <= 20_000 else 20)
    t = time.perf_counter()
    offers, validated = load_offers(raws, every)
    load_s = time.perf_counter() - t
    del raws
    t = time.perf_counter()
    docs = [build_document(o, DEFAULT_CATEGORIES) for o in offers]
    docs_s = time.perf_counter() - t
    del offers
    rng = np.random.default_rng(args.seed)
    for start in range(0, n, 10_000):
        chunk = rng.standard_normal((min(10_000, n - start), DIM), dtype=np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        for doc, vec in zip(docs[start : start + len(chunk)], chunk, strict=True):
            doc.embedding = vec
    index_dir = Path(args.index_dir)
    shutil.rmtree(index_dir, ignore_errors=True)
    backend = EmbeddedBackend(index_dir, dim=DIM)
    t = time.perf_counter()
    info = backend.rebuild(docs, total=n)
    rebuild_s = time.perf_counter() - t
    assert info.count == n, info
    size = sum(p.stat().st_size for p in index_dir.glob("index-*.sqlite*"))
    return {
        "offers": n,
        "generate_s": round(gen_s, 2),
        "canonicalise_s": round(load_s, 2),
        "validated_with_OfferSchema": validated,
        "build_document_s": round(docs_s, 2),
        "build_document_per_s": round(n / docs_s, 1),
        "backend_rebuild_s": round(rebuild_s, 2),
        "backend_rebuild_docs_per_s": round(n / rebuild_s, 1),
        "indexing_docs_per_s": round(n / (docs_s + rebuild_s), 1),  # documents + backend; no model
        "index_bytes": size,
        "build_peak_rss_mb": peak_rss_mb(),
        "build_vm_hwm_mb": hwm_rss_mb(),
    }


def worker_query(args: argparse.Namespace) -> dict[str, Any]:
    """Open an existing index (as a server worker would) and time candidate queries."""
    from catalogue.taxonomy import DEFAULT_CATEGORIES
    from indexer.embedded import EmbeddedBackend

    queries = build_queries(args.queries, dict(DEFAULT_CATEGORIES), args.seed)
    if args.vectors and Path(args.vectors).exists():
        vectors, source = np.load(args.vectors), "real model (vignette texts)"
    else:
        rng = np.random.default_rng(args.seed + 1)
        vectors = rng.standard_normal((62, DIM), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        source = "random unit vectors"
    rss_before = current_rss_mb()
    backend = EmbeddedBackend(Path(args.index_dir), dim=DIM)
    t = time.perf_counter()
    count = backend.count()  # opens the SQLite file and loads the columns and the matrix
    open_s = time.perf_counter() - t
    rss_open = current_rss_mb()
    result: dict[str, Any] = {"samples": time_queries(backend, queries, vectors, warmup=min(20, len(queries)))}
    result.update(
        {
            "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
            "offers": count,
            "query_vectors": source,
            "open_and_load_s": round(open_s, 2),
            "rss_before_open_mb": rss_before,
            "rss_after_open_mb": rss_open,
            "rss_after_queries_mb": current_rss_mb(),
            "query_peak_rss_mb": peak_rss_mb(),
            "query_vm_hwm_mb": hwm_rss_mb(),
        }
    )
    return result


def run_worker(
    kind: str, args: argparse.Namespace, out: Path, extra: list[str], env: dict[str, str] | None = None
) -> Any:
    """Run this script as a subprocess and read its JSON result.

    Every measured part runs in a fresh child of this small process, so each
    child's peak RSS is its own (Linux carries ``ru_maxrss`` over fork+exec).
    """
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--out",
        str(out),
        "--seed",
        str(args.seed),
        "--queries",
        str(args.queries),
        "--workdir",
        str(args.workdir),
        "--vectors",
        str(args.workdir / "query_vectors.npy"),
        "--validate-every",
        str(args.validate_every),
        "--rounds",
        str(args.rounds),
        "--cached-rounds",
        str(args.cached_rounds),
        "--model-dir",
        str(args.model_dir),
        *extra,
    ]
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    subprocess.run(cmd, check=True, cwd=REPO, env=full_env)
    return json.loads(out.read_text(encoding="utf-8"))


def source_versions() -> dict[str, str]:
    """sha256 prefixes of the code measured: the repository changes, the figures belong to a version."""
    files = sorted([*REPO.glob("indexer/*.py"), *REPO.glob("matcher/*.py"), REPO / "catalogue" / "store.py"])
    return {str(f.relative_to(REPO)): hashlib.sha256(f.read_bytes()).hexdigest()[:12] for f in files}


def changed_sources(start: dict[str, str], results: dict[str, Any]) -> list[str]:
    """Files whose hash differs between the start and any worker: such a run mixes code versions."""
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            versions = node.get("source_sha256")
            if isinstance(versions, dict):
                seen.update(f for f in set(start) | set(versions) if start.get(f) != versions.get(f))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in results.items() if k != "source_sha256"})
    return sorted(seen)


# -- reporting -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def print_summary(res: dict[str, Any]) -> None:
    print("\n=== Indexer benchmark ===")
    demo = res.get("demo")
    if demo:
        print(f"Demo catalogue ({demo['offers']} offers, real model, {demo['rounds']} interleaved rounds):")
        print(f"  raw embed_documents      {demo['raw_passages_per_s']:8.2f} passages/s (median round, one call)")
        print(
            f"  same, chunks of {demo['indexer_batch_size']:<3}     {demo['raw_in_chunks_passages_per_s']:8.2f} passages/s "
            f"(as the Indexer calls it: {demo['chunking_cost']:.1%} slower than one call)"
        )
        print(f"  Indexer.rebuild (empty)  {demo['indexing_offers_per_s']:8.2f} offers/s")
        print(
            f"  overhead = 1 - index/raw {demo['overhead']:8.1%}   per round {demo['overhead_per_round']}"
            f"   goal <= {GOAL_OVERHEAD:.0%}: {verdict(demo['overhead'] <= GOAL_OVERHEAD)}"
        )
        print(f"  time outside the model   {demo['non_encode_share_of_indexing']:8.1%} of indexing (same rebuild)")
        c = demo["cached_rebuild_ms"]
        print(
            f"  rebuild, all cached      p50 {c['p50']:.0f} ms, p95 {c['p95']:.0f} ms "
            f"({demo['cached_rebuild_vs_raw_encode']:.1%} of a raw encode of the catalogue)"
        )
    if demo:
        dq = demo["queries"]
        print(f"  process with the model: peak RSS {demo['peak_rss_mb']:.0f} MB (VmHWM {demo['vm_hwm_mb']:.0f} MB)")
        print(
            f"  queries on the demo index (real query vectors): lexical p50/p95 {dq['lexical_ms']['p50']:.2f}/"
            f"{dq['lexical_ms']['p95']:.2f} ms, vector {dq['vector_ms']['p50']:.2f}/{dq['vector_ms']['p95']:.2f} ms"
        )
    rows = res.get("synthetic", [])
    if rows:
        print("\nSynthetic catalogues, indexing (random unit embeddings, no model):")
        print(
            f"  {'offers':>8} {'build_document/s':>17} {'backend.rebuild/s':>18} {'together/s':>11} "
            f"{'index MB':>9} {'build peak RSS':>15}"
        )
        for r in rows:
            b = r["build"]
            print(
                f"  {b['offers']:>8} {b['build_document_per_s']:>17.0f} {b['backend_rebuild_docs_per_s']:>18.0f} "
                f"{b['indexing_docs_per_s']:>11.0f} {b['index_bytes'] / 2**20:>9.0f} {b['build_vm_hwm_mb']:>13.0f}MB"
            )
        print("\nQuery latency, k=100, query embedding excluded (ms; samples pooled over the A/B worker runs):")
        print(
            f"  {'offers':>8} {'BLAS thr':>8} {'n':>5} {'open s':>7} {'lex p50':>8} {'lex p95':>8} "
            f"{'vec p50':>8} {'vec p95':>8} {'serving peak RSS':>17}"
        )
        for r in rows:
            for key in ("query", "query_blas1"):
                q = r.get(key)
                if not q:
                    continue
                print(
                    f"  {q['offers']:>8} {q['blas_threads_env']:>8} {q['queries']:>5} {q['open_and_load_s']:>7.1f} "
                    f"{q['lexical_ms']['p50']:>8.2f} {q['lexical_ms']['p95']:>8.2f} "
                    f"{q['vector_ms']['p50']:>8.2f} {q['vector_ms']['p95']:>8.2f} {q['query_vm_hwm_mb']:>15.0f}MB"
                )
        for r in rows:
            q = r["query"]
            print(f"  {q['offers']} offers (default BLAS) by filter, p50 / p95 ms; median docs passing the filter:")
            for kind, s in q["by_filter"].items():
                print(
                    f"    {kind:<7} n={s['n']:<4} lexical {s['lexical_ms']['p50']:8.2f} / {s['lexical_ms']['p95']:8.2f}"
                    f"   vector {s['vector_ms']['p50']:7.2f} / {s['vector_ms']['p95']:7.2f}"
                    f"   passing {s['docs_passing_filter_p50']}"
                )
        big = max(rows, key=lambda r: r["build"]["offers"])
        for key in ("query", "query_blas1"):
            q = big.get(key)
            if not q:
                continue
            worst = max(q["lexical_ms"]["p95"], q["vector_ms"]["p95"])
            print(
                f"  goal p95 <= {GOAL_P95_MS:.0f} ms at {q['offers']} (BLAS {q['blas_threads_env']}): "
                f"{verdict(worst <= GOAL_P95_MS)} (lexical p95 {q['lexical_ms']['p95']:.1f}, "
                f"vector p95 {q['vector_ms']['p95']:.1f})"
            )
        q = big["query"]
        peak = max(q["query_peak_rss_mb"], q["query_vm_hwm_mb"])
        print(
            f"  goal RSS <= {GOAL_RSS_MB:.0f} MB at {q['offers']}: {verdict(peak <= GOAL_RSS_MB)} (serving: ru_maxrss "
            f"{q['query_peak_rss_mb']:.0f} MB, VmHWM {q['query_vm_hwm_mb']:.0f} MB, {q['rss_after_open_mb']:.0f} MB "
            f"resident after open; building: {big['build']['build_vm_hwm_mb']:.0f} MB)"
        )
    print(f"\nOrchestrator peak RSS: {res['orchestrator_peak_rss_mb']:.0f} MB (children are measured on their own)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--offers", type=int, nargs="*", default=[2000, 100_000], help="synthetic catalogue sizes (none: part 1 only)"
    )
    parser.add_argument("--queries", type=int, default=200, help="queries per catalogue size")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved raw/indexing rounds on the demo catalogue")
    parser.add_argument("--cached-rounds", type=int, default=5, help="rebuilds with every embedding cached")
    parser.add_argument("--skip-model", action="store_true", help="skip part 1; random query vectors")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--validate-every",
        type=int,
        default=0,
        help="validate every n-th synthetic offer with OfferSchema (0: all up to 20,000, else 1 in 20)",
    )
    parser.add_argument(
        "--ab-rounds",
        type=int,
        default=2,
        help="query worker runs per BLAS configuration, alternating (samples are pooled)",
    )
    parser.add_argument("--no-blas1", action="store_true", help="skip the rerun with OPENBLAS_NUM_THREADS=1")
    parser.add_argument("--worker", choices=("demo", "build", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--index-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--vectors", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        args.offers = args.offers[0]
        workers = {"demo": worker_demo, "build": worker_build, "query": worker_query}
        result = workers[args.worker](args)
        result["source_sha256"] = source_versions()
        Path(args.out).write_text(json.dumps(result, indent=2), encoding="utf-8")
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    if str(args.workdir.resolve()).startswith(str(REPO)):
        raise SystemExit("--workdir must be outside the repository")
    (args.workdir / "query_vectors.npy").unlink(missing_ok=True)
    results: dict[str, Any] = {
        "goals": {"overhead": GOAL_OVERHEAD, "p95_ms": GOAL_P95_MS, "rss_mb": GOAL_RSS_MB},
        "cpu_count": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "load_average_at_start": os.getloadavg(),
        "source_sha256": source_versions(),
    }
    out = args.workdir / "index_results.json"

    def save() -> None:  # after every step, so a failed step keeps what came before
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")

    if not args.skip_model:
        print("Part 1: demo catalogue with the real model ...", flush=True)
        results["demo"] = run_worker("demo", args, args.workdir / "demo.json", [])
        save()

    results["synthetic"] = []
    for size in args.offers:
        print(f"Parts 2-4: {size} synthetic offers: building ...", flush=True)
        index_dir = args.workdir / f"synthetic-{size}"
        common = ["--offers", str(size), "--index-dir", str(index_dir)]
        row = {"build": run_worker("build", args, args.workdir / f"build-{size}.json", common)}
        print(f"  indexed in {row['build']['backend_rebuild_s']} s; querying ...", flush=True)
        # A/B in alternating order over several worker pairs, so drift on a shared machine hits both alike.
        configs = [("query", None)] + ([] if args.no_blas1 else [("query_blas1", {"OPENBLAS_NUM_THREADS": "1"})])
        runs: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in configs}
        for r in range(args.ab_rounds):
            for key, env in configs if r % 2 == 0 else configs[::-1]:
                label = "default BLAS threads" if env is None else "OPENBLAS_NUM_THREADS=1"
                print(f"  querying ({label}, round {r + 1}/{args.ab_rounds}) ...", flush=True)
                worker_out = args.workdir / f"{key}-{size}-{r}.json"
                runs[key].append(run_worker("query", args, worker_out, common, env=env))
        for key, worker_runs in runs.items():
            row[key] = merge_query_runs(worker_runs)
        results["synthetic"].append(row)
        save()
    results["orchestrator_peak_rss_mb"] = peak_rss_mb()
    results["code_changed_during_run"] = changed_sources(results["source_sha256"], results)

    save()
    print_summary(results)
    if results["code_changed_during_run"]:
        print(f"\nWARNING: the code changed during the run: {', '.join(results['code_changed_during_run'])}")
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
