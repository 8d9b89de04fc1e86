"""Matcher speed benchmark: is a full match little more than its query embedding?

Why: the one cost a match cannot avoid is embedding the citizen's text with
the model. Everything else (hard-rule filter, two candidate searches twice,
fusion, re-ranking, re-reading offers from the store, explanations) should not
double it. Goal: p95(full ``Matcher.match``) <= 2 x p95(``embed_query`` alone),
both measured in the same run, interleaved request by request, because the
machine is shared and absolute times drift.

Catalogue: the 180 demo offers plus synthetic offers up to ``--offers``
(default 2,000), imported through ``Store.import_offers`` (so validated) and
indexed with the REAL model through ``Indexer.rebuild``. By default the
synthetic offers lie in Norddjurs, where the vignettes' citizens live, so the
distance filters keep many of them: the matcher's worst case at this size.
The store keeps the embedding cache, so a second run reuses it (``--fresh``
starts over).

Then the 62 vignette requests x ``--reps`` (default 4, so 248 matches) are
timed after one warm-up pass, with ``log=False``, and one more pass runs
under cProfile to name the costs.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python bench/bench_match.py              # ~2-10 min (embedding 2,000 passages)
    PYTHONPATH=. .venv/bin/python bench/bench_match.py --offers 500 --reps 2

Results: a summary on stdout, JSON in ``/tmp/bench/match_results.json``,
profile in ``/tmp/bench/match_results_profile.{prof,txt}``.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchlib import generate_offers, peak_rss_mb, summary_ms

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO / ".cache" / "models" / "multilingual-e5-small"
DEMO = REPO / "catalogue" / "data" / "demo_catalogue.json"
VIGNETTES = REPO / "matcher" / "data" / "vignettes.json"
GOAL_RATIO = 2.0
PARTS = ("embed", "retrieve", "rank", "total")


def source_versions() -> dict[str, str]:
    """sha256 prefixes of the code measured: the repository changes, the figures belong to a version."""
    files = sorted([*REPO.glob("indexer/*.py"), *REPO.glob("matcher/*.py"), REPO / "catalogue" / "store.py"])
    return {str(f.relative_to(REPO)): hashlib.sha256(f.read_bytes()).hexdigest()[:12] for f in files}


def open_catalogue(workdir: Path, offers: int, region: str, seed: int, fresh: bool) -> tuple[Any, dict[str, Any]]:
    """A store with the demo offers plus synthetic ones; reused when it already holds them."""
    import migrations
    from catalogue.fileformats import read_any
    from catalogue.store import Store

    path = workdir / "store.sqlite"
    if fresh:
        shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    reused = path.exists()
    store = Store(f"sqlite:///{path}")
    migrations.upgrade(store)
    info: dict[str, Any] = {"store": str(path), "reused": reused}
    if reused and store.counts()["offers"] == offers:
        return store, info
    parsed = read_any(DEMO)
    report = store.import_offers(parsed.records, actor="bench", categories=parsed.categories)
    if not report.committed:
        raise SystemExit(f"demo import failed: {report.summary()}")
    synthetic = generate_offers(max(0, offers - len(parsed.records)), seed=seed, region=region)
    t = time.perf_counter()
    report = store.import_offers(synthetic, actor="bench", source="synthetic")
    if not report.committed:
        raise SystemExit(f"synthetic import failed: {report.summary()} {report.rejected[:3]}")
    info.update({"reused": False, "synthetic_import_s": round(time.perf_counter() - t, 2)})
    return store, info


def profile_pass(matcher: Any, requests: list[Any], today: date, stem: Path, top: int) -> dict[str, Any]:
    """One pass under cProfile: where a match spends its time, the model apart.

    Writes ``<stem>.prof`` (for snakeviz / pstats) and ``<stem>.txt``."""
    profiler = cProfile.Profile()
    profiler.enable()
    for req in requests:
        matcher.match(req, today=today)
    profiler.disable()
    profiler.dump_stats(str(stem.with_suffix(".prof")))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(60)
    stem.with_suffix(".txt").write_text(text.getvalue(), encoding="utf-8")

    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = max((ct for (_, _, _, ct, _) in raw.values()), default=0.0)
    model = sum(ct for (f, _, name), (_, _, _, ct, _) in raw.items() if name == "_encode" and f.endswith("embedder.py"))

    def short(key: tuple[str, int, str]) -> str:
        filename, line, name = key
        path = Path(filename)
        rel = path.relative_to(REPO) if path.is_relative_to(REPO) else Path(path.name)
        return f"{rel}:{line}({name})"

    repo_fns = [(k, v) for k, v in raw.items() if k[0].startswith(str(REPO)) and "/.venv/" not in k[0]]
    by_cum = sorted(repo_fns, key=lambda kv: -kv[1][3])[:top]
    by_own = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    return {
        "text": str(stem.with_suffix(".txt")),
        "matches": len(requests),
        "profiled_total_s": round(total, 3),
        "model_encode_s": round(model, 3),
        "outside_model_share": round(1.0 - model / total, 4) if total else None,
        "top_repo_cumulative": [
            {"fn": short(k), "calls": v[1], "cum_ms_per_match": round(v[3] / len(requests) * 1000, 2)}
            for k, v in by_cum
        ],
        "top_own_time": [
            {"fn": short(k), "calls": v[1], "own_ms_per_match": round(v[2] / len(requests) * 1000, 2)}
            for k, v in by_own
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=2000, help="catalogue size (demo offers + synthetic)")
    parser.add_argument("--reps", type=int, default=4, help="timed passes over the 62 vignettes")
    parser.add_argument(
        "--region", choices=("norddjurs", "denmark"), default="norddjurs", help="where the synthetic offers lie"
    )
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--fresh", action="store_true", help="rebuild the store and its embedding cache")
    parser.add_argument("--top", type=int, default=15, help="profile rows to keep")
    parser.add_argument(
        "--out", type=Path, help="results JSON (default <workdir>/match_results.json); the profile is written beside it"
    )
    args = parser.parse_args(argv)
    if str(args.workdir.resolve()).startswith(str(REPO)):
        raise SystemExit("--workdir must be outside the repository")

    from indexer.embedded import EmbeddedBackend
    from indexer.embedder import SentenceTransformerEmbedder
    from indexer.sync import Indexer
    from matcher.matcher import Matcher
    from matcher.request import MatchRequestSchema
    from matcher.rules import as_filter, hard_rules

    results: dict[str, Any] = {
        "goal_ratio": GOAL_RATIO,
        "cpu_count": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "load_average_at_start": os.getloadavg(),
        "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "source_sha256": source_versions(),
    }
    workdir = args.workdir / f"match-{args.offers}-{args.region}-{args.seed}"
    print(f"Catalogue of {args.offers} offers ({args.region}) in {workdir} ...", flush=True)
    store, info = open_catalogue(workdir, args.offers, args.region, args.seed, args.fresh)

    embedder = SentenceTransformerEmbedder(args.model_dir)
    backend = EmbeddedBackend(workdir / "index", dim=embedder.dim)
    print("Indexing with the real model (cached embeddings are reused) ...", flush=True)
    report = Indexer(store, backend, embedder, progress=sys.stderr.isatty()).rebuild()
    info.update(
        {
            "offers": report.documents,
            "embedded": report.embedded,
            "cached": report.cached,
            "index_s": round(report.seconds, 1),
            "encode_s": round(report.timings.get("encode", 0.0), 1),
        }
    )
    if report.embedded:
        info["passages_per_s"] = round(report.embedded / report.timings["encode"], 1)
    results["catalogue"] = info
    print(f"  {report.summary()}", flush=True)

    vignettes = json.loads(VIGNETTES.read_text(encoding="utf-8"))
    today = date.fromisoformat(vignettes["meta"]["today"])
    schema = MatchRequestSchema(known_categories=set(store.categories()))
    requests = [schema.load(v["request"]) for v in vignettes["vignettes"]]
    passing = sorted(backend.count(as_filter(hard_rules(r, today))) for r in requests)
    results["docs_passing_filter"] = {"p50": passing[len(passing) // 2], "min": passing[0], "max": passing[-1]}

    matcher = Matcher(store, backend, embedder, log=False)
    print("Warm-up pass ...", flush=True)
    for req in requests:
        matcher.match(req, today=today)
        embedder.embed_query(req.interests)

    print(f"Timing {args.reps} x {len(requests)} matches, each paired with embed_query alone ...", flush=True)
    match_ms: list[float] = []
    embed_ms: list[float] = []
    parts: dict[str, list[float]] = {p: [] for p in (*PARTS, "unattributed")}
    for rep in range(args.reps):
        for i, req in enumerate(requests):
            steps = ("embed", "match") if (rep + i) % 2 == 0 else ("match", "embed")  # alternate the order
            for step in steps:
                t = time.perf_counter()
                if step == "embed":
                    embedder.embed_query(req.interests)
                    embed_ms.append((time.perf_counter() - t) * 1000)
                else:
                    response = matcher.match(req, today=today)
                    match_ms.append((time.perf_counter() - t) * 1000)
                    tm = response.timings_ms
                    for p in PARTS:
                        parts[p].append(float(tm.get(p, float("nan"))))
                    parts["unattributed"].append(parts["total"][-1] - sum(parts[p][-1] for p in PARTS[:3]))
        print(
            f"  pass {rep + 1}: match p50 {summary_ms(match_ms)['p50']:.0f} ms, "
            f"embed p50 {summary_ms(embed_ms)['p50']:.0f} ms",
            flush=True,
        )

    m, e = summary_ms(match_ms), summary_ms(embed_ms)
    paired = sorted(a / b for a, b in zip(match_ms, embed_ms, strict=True))
    non_embed = [a - b for a, b in zip(parts["total"], parts["embed"], strict=True)]
    results.update(
        {
            "matches": len(match_ms),
            "match_ms": m,
            "embed_query_ms": e,
            "ratio_p95": round(m["p95"] / e["p95"], 3),
            "ratio_p50": round(m["p50"] / e["p50"], 3),
            "ratio_paired_p50": round(paired[len(paired) // 2], 3),
            "goal_met": m["p95"] <= GOAL_RATIO * e["p95"],
            "timings_ms": {p: summary_ms(v) for p, v in parts.items()},
            "match_minus_its_embed_ms": summary_ms(non_embed),
        }
    )

    out = args.out or args.workdir / "match_results.json"
    print("Profiling one pass ...", flush=True)
    results["profile"] = profile_pass(matcher, requests, today, out.with_name(out.stem + "_profile"), args.top)
    results["peak_rss_mb"] = peak_rss_mb()
    end = source_versions()
    results["code_changed_during_run"] = sorted(
        f for f in set(end) | set(results["source_sha256"]) if end.get(f) != results["source_sha256"].get(f)
    )

    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print_summary(results)
    if results["code_changed_during_run"]:
        print(f"\nWARNING: the code changed during the run: {', '.join(results['code_changed_during_run'])}")
    print(f"\nJSON: {out}\nProfile: {results['profile']['text']}")
    return 0


def print_summary(res: dict[str, Any]) -> None:
    cat, m, e = res["catalogue"], res["match_ms"], res["embed_query_ms"]
    print("\n=== Matcher benchmark ===")
    print(
        f"Catalogue: {cat['offers']} offers ({cat['embedded']} embedded now, {cat['cached']} from cache); "
        f"docs passing the vignettes' filters p50 {res['docs_passing_filter']['p50']} "
        f"(min {res['docs_passing_filter']['min']}, max {res['docs_passing_filter']['max']})"
    )
    print(f"{res['matches']} matches, interleaved with embed_query on the same texts (ms):")
    print(f"  {'':<22} {'p50':>8} {'p95':>8} {'min':>8} {'max':>8}")
    print(f"  {'Matcher.match':<22} {m['p50']:>8.1f} {m['p95']:>8.1f} {m['min']:>8.1f} {m['max']:>8.1f}")
    print(f"  {'embed_query alone':<22} {e['p50']:>8.1f} {e['p95']:>8.1f} {e['min']:>8.1f} {e['max']:>8.1f}")
    for p, s in res["timings_ms"].items():
        print(f"  {'timings_ms.' + p:<22} {s['p50']:>8.1f} {s['p95']:>8.1f} {s['min']:>8.1f} {s['max']:>8.1f}")
    s = res["match_minus_its_embed_ms"]
    print(f"  {'total - embed':<22} {s['p50']:>8.1f} {s['p95']:>8.1f} {s['min']:>8.1f} {s['max']:>8.1f}")
    print(
        f"Ratio p95(match)/p95(embed) = {res['ratio_p95']:.2f} (p50 ratio {res['ratio_p50']:.2f}, "
        f"paired median {res['ratio_paired_p50']:.2f}); goal <= {GOAL_RATIO:.0f}: "
        f"{'MET' if res['goal_met'] else 'MISSED'}"
    )
    prof = res["profile"]
    print(
        f"Profile ({prof['matches']} matches): model encode {prof['model_encode_s']:.1f} s of "
        f"{prof['profiled_total_s']:.1f} s; {prof['outside_model_share']:.0%} outside the model."
    )
    print("  top repository functions by cumulative time (ms per match):")
    for row in prof["top_repo_cumulative"]:
        print(f"    {row['cum_ms_per_match']:>9.2f}  {row['fn']}  ({row['calls']} calls)")
    print("  top functions by own time (ms per match):")
    for row in prof["top_own_time"][:10]:
        print(f"    {row['own_ms_per_match']:>9.2f}  {row['fn']}  ({row['calls']} calls)")
    print(f"Peak RSS: {res['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
