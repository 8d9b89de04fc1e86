"""``make bench``: every benchmark in one bounded run, one JSON of results and one Markdown table.

Parts, each a subprocess with its own time limit (``--part-timeout`` seconds, default 2,400):

- ``embedder``: ``bench_embedder.py``: torch against ONNX Runtime per query, same texts, interleaved.
- ``index``: ``bench_index.py``: indexing throughput and candidate-search latency with the demo
  catalogue and synthetic catalogues of ``--offers`` sizes (default 2,000 and 300,000: the scale
  targets of issue 15), peak RSS per part.
- ``match``: ``bench_match.py``: a full match against the query embedding alone, p95 ratio.
- ``load``: ``bench_load.py``: the locust mix under gunicorn per backend, then overload.

``--short`` is CI's run (seconds, not minutes): small sizes, no real model for the load part,
a few seconds of load. It proves the scripts still run; its figures mean nothing.

Output: ``--out`` (default ``/tmp/bench/results.json``) and the Markdown beside it
(``results.md``). ``--readme`` also rewrites the README's performance table between the
markers ``<!-- bench:start -->`` and ``<!-- bench:end -->``, with the date and the machine.
Exit status 1 when a part failed (its error is in the JSON), 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _commands(args: argparse.Namespace) -> dict[str, list[str]]:
    work = args.workdir
    py = [sys.executable]
    if args.short:
        return {
            "index": [
                *py, str(BENCH / "bench_index.py"), "--offers", "500", "--skip-model", "--queries", "20",
                "--no-blas1", "--workdir", str(work / "index"),
            ],
            "load": [
                *py, str(BENCH / "bench_load.py"), "--fake", "--backends", "onnx", "--workers", "1", "--threads", "2",
                "--users", "2", "--seconds", "3", "--rounds", "1", "--overload-users", "8", "--overload-seconds", "3",
                "--overload-timeout", "2", "--workdir", str(work / "load"), "--out", str(work / "load_results.json"),
            ],
        }  # fmt: skip
    return {
        "embedder": [*py, str(BENCH / "bench_embedder.py"), "--out", str(work / "embedder_results.json")],
        "index": [
            *py, str(BENCH / "bench_index.py"), "--offers", *map(str, args.offers), "--rounds", "3",
            "--cached-rounds", "3", "--workdir", str(work / "index"),
        ],
        "match": [*py, str(BENCH / "bench_match.py"), "--reps", "2", "--workdir", str(work / "match"),
                  "--out", str(work / "match_results.json")],
        "load": [*py, str(BENCH / "bench_load.py"), "--workdir", str(work / "load"),
                 "--out", str(work / "load_results.json")],
    }  # fmt: skip


def _result_file(part: str, work: Path) -> Path:
    return work / "index" / "index_results.json" if part == "index" else work / f"{part}_results.json"


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen parts; returns ``{"started", "machine", "parts": {name: {"seconds", "ok", "results"|"error"}}}``."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
        },
        "short": args.short,
        "parts": {},
    }
    for part, command in _commands(args).items():
        if args.parts and part not in args.parts:
            continue
        print(f"== {part}: {' '.join(command[1:])}", flush=True)
        began = time.monotonic()
        try:
            done = subprocess.run(command, cwd=REPO, env=env, timeout=args.part_timeout, capture_output=True, text=True)
            ok = done.returncode == 0
            entry: dict[str, Any] = {"seconds": round(time.monotonic() - began, 1), "ok": ok}
            if ok:
                entry["results"] = json.loads(_result_file(part, args.workdir).read_text(encoding="utf-8"))
            else:
                entry["error"] = (done.stderr or done.stdout)[-3000:]
        except subprocess.TimeoutExpired:
            entry = {"seconds": args.part_timeout, "ok": False, "error": f"timed out after {args.part_timeout} s"}
        out["parts"][part] = entry
        print(f"   {'ok' if entry['ok'] else 'FAILED'} in {entry['seconds']} s", flush=True)
    return out


def _ms(stats: dict[str, float]) -> str:
    return f"{stats['p50']:.1f} / {stats['p95']:.1f}"


def markdown(data: dict[str, Any]) -> str:
    """The performance section's body: the machine, then one table per part that ran."""
    m = data["machine"]
    lines = [
        f"Measured {data['started'][:10]} by `make bench` on {m['cpus']} CPUs ({m['platform']}, Python "
        f"{m['python']}), load average {m['load_average'][0]} at the start. The machine is shared: compare "
        "ratios measured in the same run, not absolute times.",
        "",
    ]
    parts = data["parts"]
    for name, part in parts.items():
        if not part["ok"]:
            lines += [f"**{name}**: failed ({part['error'].strip().splitlines()[-1] if part['error'] else ''}).", ""]
    if parts.get("embedder", {}).get("ok"):
        r = parts["embedder"]["results"]
        lines += [
            "**Query embedding, one thread** (median / p95 ms; fresh process: first vector, RSS)",
            "",
            "| backend | median | p95 | first vector | RSS |",
            "|---|---|---|---|---|",
        ]
        for backend in ("torch", "onnx"):
            b = r[backend]
            lines.append(
                f"| {backend} | {b['median_ms']:.1f} | {b['p95_ms']:.1f} | {b['first_vector_s']:.1f} s | "
                f"{b['VmRSS']:.0f} MB |"
            )
        lines += ["", f"torch / onnx: **{r['ratio']:.2f}×**; lowest cosine between them {r['min_cosine']:.6f}.", ""]
    if parts.get("index", {}).get("ok"):
        lines += [
            "**Candidate search, k = 100** (p50 / p95 ms, query embedding excluded; broad = no place given)",
            "",
            "| offers | indexing docs/s | open s | lexical | vector | vector, broad | serving peak RSS |",
            "|---|---|---|---|---|---|---|",
        ]
        for size in parts["index"]["results"]["synthetic"]:
            b, q = size["build"], size["query"]
            broad = q["by_filter"].get("no-geo", {}).get("vector_ms")
            lines.append(
                f"| {b['offers']:,} | {b['indexing_docs_per_s']:,.0f} | {q['open_and_load_s']:.1f} | "
                f"{_ms(q['lexical_ms'])} | {_ms(q['vector_ms'])} | {_ms(broad) if broad else '–'} | "
                f"{q['query_peak_rss_mb']:.0f} MB |"
            )
        lines.append("")
    if parts.get("match", {}).get("ok"):
        r = parts["match"]["results"]
        lines += [
            f"**Full match, {r['catalogue']['offers']:,} offers, {r['matches']} matches**: match "
            f"{_ms(r['match_ms'])} ms against the query embedding alone {_ms(r['embed_query_ms'])} ms: p95 ratio "
            f"**{r['ratio_p95']:.2f}** (goal ≤ 1.5).",
            "",
        ]
    if parts.get("load", {}).get("ok"):
        sys.path.insert(0, str(BENCH))
        from bench_load import markdown as load_markdown

        results = parts["load"]["results"]["results"]
        r0 = results[0]
        lines += [
            f"**Under gunicorn** ({r0['workers']} workers × {r0['threads']} threads, {r0['users']} clients for "
            f"{r0['seconds']:.0f} s; 80 % matches, 15 % offer reads, 5 % capacity updates)",
            "",
            load_markdown(results),
        ]
    return "\n".join(lines).rstrip() + "\n"


def rewrite_readme(readme: Path, body: str) -> None:
    """Replace what lies between the bench markers; raises ValueError when they are missing."""
    text = readme.read_text(encoding="utf-8")
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"{readme} has no {START} … {END} markers")
    readme.write_text(f"{head}{START}\n{body}{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="CI's run: seconds, small sizes, fake embedder")
    parser.add_argument("--parts", nargs="*", choices=["embedder", "index", "match", "load"])
    parser.add_argument("--offers", type=int, nargs="+", default=[2000, 300_000])
    parser.add_argument("--part-timeout", type=float, default=2400)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench/all"))
    parser.add_argument("--out", type=Path, default=None, help="default <workdir>/results.json")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's performance table")
    args = parser.parse_args(argv)
    data = run(args)
    out = args.out or args.workdir / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    body = markdown(data)
    out.with_suffix(".md").write_text(body, encoding="utf-8")
    print(body)
    if args.readme and args.short:
        print("--short figures mean nothing: the README is left as it is.")
    elif args.readme:
        rewrite_readme(REPO / "README.md", body)
    return 0 if all(p["ok"] for p in data["parts"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
