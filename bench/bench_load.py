"""Throughput under gunicorn: the locust mix against a real instance, per embedding backend, in one run.

For each backend (``onnx`` and ``torch`` by default) the script prepares a data directory under
``--workdir`` (store migrated, demo catalogue, index, two keys: navigator and volunteer centre),
starts gunicorn with the project's ``gunicorn.conf.py`` on 127.0.0.1, waits for ``/readyz``,
warms every worker, then runs two phases of ``bench/locustfile.py`` with locust, headless:

1. **sustained**: ``--users`` clients for ``--seconds`` per backend (the per-key rate limits are
   lifted, so the server, not the limiter, is measured). Every backend is served at once and the
   phase runs in ``--rounds`` slices, the backends alternating with the order rotated, so that a
   change in the load other tenants put on the machine falls on both sides alike (one backend
   after the other gave onnx / torch ratios of 1.22, 1.49 and 0.93 in three runs of one
   morning). Reported: requests/s (all, and matches alone), p50/p95/p99 in ms (all, and
   matches; each the median of the rounds'), errors, and per worker RSS, USS and PSS in MB
   (psutil; PSS divides the pages the workers share with the master, such as the model).
2. **overload**: ``--overload-users`` clients for ``--overload-seconds`` with a client timeout of
   ``--overload-timeout`` seconds. Reported: requests, how many were answered, how many were
   shed (429 or 503) and how fast (p50/p95/max of the shed answers), how many timed out, other
   errors, and p50/p95 of all answers.

Results go to ``--out`` (JSON) and to the same name with ``.md`` (a Markdown table). Absolute
figures depend on the load other tenants put on this shared 2-core machine; compare the
backends by their ratio (match throughput onnx / torch), which this run measures side by side.

Only 127.0.0.1 is contacted. ``--fake`` uses the fake embedder (for CI's short run: it checks
that the scripts work, not the figures).

Raises ``SystemExit`` with a message when gunicorn does not become ready or locust fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_MODEL = REPO / ".cache" / "models" / "multilingual-e5-small"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(
    data_dir: Path,
    backend: str,
    model: str,
    workers: int | None,
    threads: int | None,
    port: int,
    extra: list[str] | None = None,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAELLESSKAB_", "GUNICORN_"))}
    for name in ("DATABASE_URL", "ELASTICSEARCH_URL", "EMBEDDING_MODEL"):
        env.pop(name, None)
    env.update(
        PYTHONPATH=str(REPO),
        FAELLESSKAB_DATA_DIR=str(data_dir),
        FAELLESSKAB_EMBEDDING_BACKEND=backend,
        EMBEDDING_MODEL=model,
        FAELLESSKAB_LOG_LEVEL="WARNING",
        FAELLESSKAB_ACCESS_LOG_DB="false",
        FAELLESSKAB_RATE_MATCH="1000000/1",
        FAELLESSKAB_RATE_WRITE="1000000/1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_LOGLEVEL="warning",
    )
    # gunicorn.conf.py's own defaults unless the run names them.
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    for item in extra or []:  # --env NAME=VALUE: an A/B of one setting (FAELLESSKAB_MATCH_CONCURRENCY=1, ...)
        name, _, value = item.partition("=")
        env[name] = value
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "faellesskab"), *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"faellesskab {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, load the demo catalogue, index it, and make a navigator and a volunteer-centre key."""
    _cli(env, "db", "upgrade")
    _cli(env, "catalogue", "demo")
    _cli(env, "index", "sync")
    stamp = str(time.time_ns())
    navigator = _cli(env, "apikey", "create", "--role", "navigator", "--name", f"bench-nav-{stamp}").strip()
    volunteer = _cli(env, "apikey", "create", "--role", "volunteer_centre", "--name", f"bench-vc-{stamp}").strip()
    return navigator, volunteer


def _wait_ready(url: str, server: subprocess.Popen[bytes], deadline_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as res:
                if res.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn was not ready within {deadline_s:.0f} s")


def _warm(url: str, key: str, rounds: int) -> None:
    body = json.dumps({"interests": "Jeg vil gerne synge i kor", "location": {"town": "Grenaa"}}).encode()
    for _ in range(rounds):
        req = urllib.request.Request(
            f"{url}/api/v1/match",
            data=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=300) as res:
            res.read()


def _locust(
    url: str, keys: tuple[str, str], users: int, seconds: float, timeout: float, prefix: Path
) -> dict[str, Any]:
    """Run the mix once; returns the rows of locust's stats CSV by name, plus the shed counts."""
    shed_file = prefix.with_suffix(".shed.json")
    env = dict(
        os.environ,
        BENCH_NAVIGATOR_KEY=keys[0],
        BENCH_VOLUNTEER_KEY=keys[1],
        BENCH_TIMEOUT=str(timeout),
        BENCH_SHED_OUT=str(shed_file),
    )
    command = [
        str(BIN / "locust"),
        "-f",
        str(REPO / "bench" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users, 1)),
        "--run-time",
        f"{max(int(seconds), 1)}s",
        "--stop-timeout",
        str(int(timeout) + 1),
        "--host",
        url,
        "--csv",
        str(prefix),
        "--exit-code-on-error",
        "0",
    ]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    stats_file = Path(f"{prefix}_stats.csv")
    if done.returncode != 0 or not stats_file.exists():
        raise SystemExit(f"locust failed ({done.returncode}):\n{done.stderr[-3000:]}")
    with stats_file.open(encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    with Path(f"{prefix}_failures.csv").open(encoding="utf-8") as handle:
        failures = list(csv.DictReader(handle))
    shed = json.loads(shed_file.read_text(encoding="utf-8")) if shed_file.exists() else {}
    latency = shed.pop("latency_ms", {})
    return {"rows": rows, "failures": failures, "shed": shed, "shed_latency_ms": latency}


def _figures(row: dict[str, str]) -> dict[str, float]:
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 2),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }


def _worker_memory(master_pid: int) -> list[dict[str, float]]:
    out = []
    for child in psutil.Process(master_pid).children():
        info = child.memory_full_info()
        out.append(
            {
                "pid": child.pid,
                "rss_mb": round(info.rss / 2**20, 1),
                "uss_mb": round(info.uss / 2**20, 1),
                "pss_mb": round(getattr(info, "pss", 0) / 2**20, 1),
            }
        )
    return out


def _conf_threads() -> int:
    """gunicorn.conf.py's default threads per worker (its ``threads`` when GUNICORN_THREADS is unset)."""
    import re

    text = (REPO / "gunicorn.conf.py").read_text(encoding="utf-8")
    found = re.search(r'threads = _int_env\("GUNICORN_THREADS", (\d+)\)', text)
    return int(found.group(1)) if found else 0


@contextmanager
def _served(backend: str, args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """Prepare, serve and warm one backend; yields its url, keys, process and data directory.
    The gunicorn instance is always stopped afterwards."""
    data_dir = args.workdir / backend
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    model = "fake" if args.fake else str(args.model_dir)
    env = _env(data_dir, backend, model, args.workers, args.threads, port, args.env)
    keys = _prepare(env)
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(REPO / "gunicorn.conf.py"), "api:create_app()"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "gunicorn.log", "wb"),  # noqa: SIM115 - closed with the process
        start_new_session=True,
    )
    try:
        ready_s = _wait_ready(url, server, args.ready_timeout)
        _warm(url, keys[0], rounds=(args.workers or 3) * (args.threads or 2) * 2)
        yield {"backend": backend, "url": url, "keys": keys, "server": server, "dir": data_dir, "ready_s": ready_s}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _server_cpu_s(master_pid: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and its workers."""
    total = 0.0
    for proc in [psutil.Process(master_pid), *psutil.Process(master_pid).children()]:
        times = proc.cpu_times()
        total += times.user + times.system
    return total


def _pooled(rounds: list[dict[str, Any]], name: str, seconds: float) -> dict[str, float]:
    """One request name over the rounds: counts summed, rate over the whole time, each
    percentile the median of the rounds' (locust's CSV keeps no histogram to pool)."""
    rows = [_figures(r["rows"][name]) for r in rounds if name in r["rows"]]
    if not rows:
        return {"requests": 0, "failures": 0, "rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    return {
        "requests": sum(r["requests"] for r in rows),
        "failures": sum(r["failures"] for r in rows),
        "rps": round(sum(r["requests"] for r in rows) / seconds, 2),
        **{q: statistics.median(r[q] for r in rows) for q in ("p50_ms", "p95_ms", "p99_ms")},
    }


def _sustained(inst: dict[str, Any], rounds: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    failures = [f for r in rounds for f in r["failures"]]
    shed: dict[str, int] = {}
    for r in rounds:
        for status, n in r["shed"].items():
            shed[status] = shed.get(status, 0) + n
    memory = _worker_memory(inst["server"].pid)
    return {
        "backend": inst["backend"],
        "ready_s": round(inst["ready_s"], 1),
        "workers": len(memory),
        "threads": args.threads or _conf_threads(),
        "settings": args.env,
        "users": args.users,
        "seconds": args.seconds,
        "rounds": len(rounds),
        "all": _pooled(rounds, "Aggregated", args.seconds),
        "match": _pooled(rounds, "match", args.seconds),
        # The server's own CPU per request of the mix: what one request costs whatever else the
        # machine runs, so its ratio between backends is the capacity ratio when CPU is the limit.
        "cpu_ms_per_request": round(
            1000
            * sum(r["cpu_s"] for r in rounds)
            / max(1, sum(_figures(r["rows"]["Aggregated"])["requests"] for r in rounds)),
            1,
        ),
        "match_rps_per_round": [_figures(r["rows"]["match"])["rps"] if "match" in r["rows"] else 0.0 for r in rounds],
        # 429/503 are the server shedding load on purpose: counted apart, not as errors.
        "errors": sum(int(f["Occurrences"]) for f in failures if "shed" not in f["Error"]),
        "shed": shed,
        "error_kinds": {f["Error"][:120]: int(f["Occurrences"]) for f in failures},
        "workers_memory": memory,
    }


def _overload(inst: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    over = _locust(
        inst["url"],
        inst["keys"],
        args.overload_users,
        args.overload_seconds,
        args.overload_timeout,
        inst["dir"] / "overload",
    )
    kinds: dict[str, int] = {}
    for f in over["failures"]:  # by request name too, so equal messages add up instead of overwriting
        key = f"{f['Name']}: {f['Error'][:120]}"
        kinds[key] = kinds.get(key, 0) + int(f["Occurrences"])
    timed_out = sum(n for error, n in kinds.items() if "timed out" in error.lower() or "timeout" in error.lower())
    # Shed as locust's failure list has it (the listener's count can differ by the few answers that
    # arrive while locust stops), so that other_errors is failures - shed - timed out of one list.
    shed = sum(
        n for error, n in kinds.items() if any(f"{code}" in error for code in ("shed 4", "shed 5", " 429 ", " 503 "))
    )
    total = _figures(over["rows"]["Aggregated"])
    return {
        "users": args.overload_users,
        "seconds": args.overload_seconds,
        "client_timeout_s": args.overload_timeout,
        **total,
        "answered": total["requests"] - total["failures"],  # 200/201, or a 412 read again
        "shed": over["shed"],
        "shed_latency_ms": over["shed_latency_ms"],
        "timed_out": timed_out,
        "other_errors": total["failures"] - shed - timed_out,
        "error_kinds": kinds,
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Serve every backend at once (each idle while another is loaded), then run the sustained
    phase in ``--rounds`` rounds, the backends' order rotated each round, so a change in the
    machine's other load falls on both sides alike; then each backend's overload phase."""
    with ExitStack() as stack:
        instances = [stack.enter_context(_served(backend, args)) for backend in args.backends]
        per_round: dict[str, list[dict[str, Any]]] = {inst["backend"]: [] for inst in instances}
        slice_s = args.seconds / max(args.rounds, 1)
        for number in range(max(args.rounds, 1)):
            shift = number % len(instances)
            for inst in instances[shift:] + instances[:shift]:
                cpu_before = _server_cpu_s(inst["server"].pid)
                done = _locust(inst["url"], inst["keys"], args.users, slice_s, 30.0, inst["dir"] / f"sustained{number}")
                done["cpu_s"] = _server_cpu_s(inst["server"].pid) - cpu_before
                per_round[inst["backend"]].append(done)
        results = [_sustained(inst, per_round[inst["backend"]], args) for inst in instances]
        if args.overload_users:
            for inst, result in zip(instances, results, strict=True):
                result["overload"] = _overload(inst, args)
        return results


def markdown(results: list[dict[str, Any]]) -> str:
    """The README's table: one row per backend, then the ratio of match throughput."""
    lines = [
        "| backend | matches/s | all req/s | match p50 / p95 / p99 ms | errors | RSS / USS / PSS per worker MB |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        mem = r["workers_memory"]
        avg = {k: sum(w[k] for w in mem) / max(len(mem), 1) for k in ("rss_mb", "uss_mb", "pss_mb")}
        m = r["match"]
        lines.append(
            f"| {r['backend']} | {m['rps']:.1f} | {r['all']['rps']:.1f} | "
            f"{m['p50_ms']:.0f} / {m['p95_ms']:.0f} / {m['p99_ms']:.0f} | {r['errors']} | "
            f"{avg['rss_mb']:.0f} / {avg['uss_mb']:.0f} / {avg['pss_mb']:.0f} |"
        )
    by = {r["backend"]: r for r in results}
    if "onnx" in by and "torch" in by and by["torch"]["match"]["rps"]:
        ratio = by["onnx"]["match"]["rps"] / by["torch"]["match"]["rps"]
        pairs = zip(by["onnx"].get("match_rps_per_round", []), by["torch"].get("match_rps_per_round", []), strict=False)
        per_round = [round(o / t, 2) for o, t in pairs if t]
        cpu = {b: by[b].get("cpu_ms_per_request") for b in ("onnx", "torch")}
        if cpu["onnx"] and cpu["torch"]:
            lines.append("")
            lines.append(
                f"Server CPU per request of the mix (all workers, user + system): onnx {cpu['onnx']:.1f} ms, torch "
                f"{cpu['torch']:.1f} ms: torch / onnx **{cpu['torch'] / cpu['onnx']:.2f}×**, the capacity ratio "
                "when the CPU is the limit."
            )
        lines.append("")
        lines.append(
            f"Match throughput onnx / torch, same run: **{ratio:.2f}×**"
            + (f" (per round, backends alternating: {', '.join(f'{x:.2f}' for x in per_round)})." if per_round else ".")
        )
    for r in results:
        if "overload" in r:
            o = r["overload"]
            lines.append("")
            lines.append(
                f"Overload ({r['backend']}, {o['users']} clients, {o['client_timeout_s']:.0f} s client timeout, "
                f"{o['seconds']:.0f} s): {o['requests']} requests, {o.get('answered', 0)} answered, shed "
                f"{sum(o['shed'].values())} (429: {o['shed'].get('429', 0)}, 503: {o['shed'].get('503', 0)}; "
                f"{_shed_latency(o)}), timed out {o['timed_out']}, other errors {o['other_errors']}; "
                f"p50 / p95 of all {o['p50_ms']:.0f} / {o['p95_ms']:.0f} ms."
            )
    return "\n".join(lines) + "\n"


def _shed_latency(overload: dict[str, Any]) -> str:
    latency = overload.get("shed_latency_ms") or {}
    if latency.get("p50") is None:
        return "no shed answers"
    return f"shed in p50 / p95 / max {latency['p50']:.0f} / {latency['p95']:.0f} / {latency['max']:.0f} ms"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["onnx", "torch"], choices=["onnx", "torch"])
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="one more setting for gunicorn and the app"
    )
    parser.add_argument("--users", type=int, default=8, help="clients in the sustained phase")
    parser.add_argument("--seconds", type=float, default=60, help="length of the sustained phase, per backend")
    parser.add_argument(
        "--rounds", type=int, default=4, help="the sustained phase in this many slices, backends alternating"
    )
    parser.add_argument("--overload-users", type=int, default=256, help="0 skips the overload phase")
    parser.add_argument("--overload-seconds", type=float, default=20)
    parser.add_argument("--overload-timeout", type=float, default=5.0)
    parser.add_argument("--ready-timeout", type=float, default=600)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--fake", action="store_true", help="fake embedder: checks the script, not the figures")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench/load"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench/load_results.json"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results = run(args)
    args.out.write_text(json.dumps({"results": results}, indent=2, ensure_ascii=False), encoding="utf-8")
    table = markdown(results)
    args.out.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
