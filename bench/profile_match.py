"""CPU profile of the match endpoint in one process (Flask test client, no gunicorn).

Builds a data directory with the demo catalogue (the real model by default, ``--fake`` for
the fake embedder when the model is irrelevant), one navigator key with the rate limits
lifted, then posts the vignettes' match requests (``matcher/data/vignettes.json``, as
``locustfile.py`` does): ``--warm`` unmeasured, then ``--n`` timed by process CPU time, then
the model's ``embed_query`` alone on the same texts, then the same ``--n`` matches again
under cProfile. Prints CPU ms per match (and of it the model's) and the top of the profile;
writes ``profile_match_<backend>.{prof,txt}`` under ``--workdir`` (default ``/tmp/bench/perf``).
The access log stays out of the database (``ACCESS_LOG_DB`` false), as in ``bench_load.py``.
``--dump FILE`` writes every vignette's response without ``query_id`` and ``timings_ms``
(one JSON line each): run it on two checkouts and ``cmp`` the files to show that a
change kept the answers byte for byte.

    PYTHONPATH=. .venv/bin/python bench/profile_match.py --backend onnx
    PYTHONPATH=. .venv/bin/python bench/profile_match.py --fake --n 30
    PYTHONPATH=. .venv/bin/python bench/profile_match.py --fake --n 0 --no-profile --dump /tmp/bench/perf/new.jsonl
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="onnx", help="FAELLESSKAB_EMBEDDING_BACKEND (onnx, torch, ...)")
    parser.add_argument("--fake", action="store_true", help="the fake embedder instead of the model")
    parser.add_argument("--model-dir", type=Path, default=REPO / ".cache" / "models" / "multilingual-e5-small")
    parser.add_argument(
        "--cpus",
        type=int,
        default=1,
        help="run on this many CPUs (the affinity mask, so ONNX Runtime's and torch's pools get as many "
        "threads): 1 is a gunicorn worker's share with 3 workers on 2 cores (gunicorn.conf.py); 0 leaves it",
    )
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench/perf"))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true", help="only the timed pass, no cProfile pass")
    parser.add_argument("--dump", type=Path, help="write every vignette's response here (JSON lines)")
    args = parser.parse_args()
    os.environ["FAELLESSKAB_EMBEDDING_BACKEND"] = args.backend
    if args.cpus:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cpus])
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, str(args.cpus))

    import migrations
    from api import create_app
    from api.auth import create_key
    from api.cli import demo_path
    from api.extensions import get_indexer, get_store
    from catalogue.fileformats import read_any

    label = "fake" if args.fake else args.backend
    data = args.workdir / f"data_{label}"
    data.mkdir(parents=True, exist_ok=True)
    db = data / "fm.sqlite"
    fresh = not db.exists()
    config: dict[str, object] = {
        "DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{db}",
        "RATE_MATCH": "100000/1",
        "RATE_WRITE": "100000/1",
        "AUTH_FAILURE_LIMIT": 100000,
        "ACCESS_LOG_DB": False,
    }
    config["EMBEDDING_MODEL"] = "fake" if args.fake else str(args.model_dir)
    app = create_app(config)
    store = get_store(app)
    migrations.upgrade(store)
    if fresh:
        assert store.import_offers(read_any(demo_path()).records, actor="bench").committed
        get_indexer(app).rebuild()
    key = create_key(store, name=f"profile-{time.time_ns()}", role="navigator", created_by="bench")
    headers = {"Authorization": f"Bearer {key}"}
    vignettes = json.loads((REPO / "matcher" / "data" / "vignettes.json").read_text(encoding="utf-8"))["vignettes"]
    client = app.test_client()

    def post(i: int) -> None:
        response = client.post("/api/v1/match", json=vignettes[i % len(vignettes)]["request"], headers=headers)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])

    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out_file:
            for vignette in vignettes:
                response = client.post("/api/v1/match", json=vignette["request"], headers=headers)
                body = response.get_json()
                body.pop("query_id", None)
                body.pop("timings_ms", None)
                out_file.write(json.dumps([response.status_code, body], ensure_ascii=False, sort_keys=True) + "\n")
    for i in range(args.warm):
        post(i)
    start = time.process_time()
    for i in range(args.n):
        post(args.warm + i)
    cpu = (time.process_time() - start) * 1000 / max(args.n, 1)
    # The model alone on the same texts: what of the CPU per match is the query embedding.
    embedder = app.extensions["embedder"]
    start = time.process_time()
    for i in range(args.n):
        embedder.embed_query(vignettes[(args.warm + i) % len(vignettes)]["request"]["interests"])
    model = (time.process_time() - start) * 1000 / max(args.n, 1)
    result = {
        "backend": label,
        "matches": args.n,
        "cpu_ms_per_match": round(cpu, 1),
        "cpu_ms_embed_query": round(model, 1),
        "cpu_ms_outside_model": round(cpu - model, 1),
    }
    if args.no_profile or not args.n:
        print(json.dumps(result))
        return
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(args.n):
        post(args.warm + i)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.dump_stats(str(args.workdir / f"profile_match_{label}.prof"))
    (args.workdir / f"profile_match_{label}.txt").write_text(out.getvalue(), encoding="utf-8")
    print(out.getvalue())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
