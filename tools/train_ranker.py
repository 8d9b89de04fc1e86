"""Retrain the matcher's learned combination (``matcher/data/ranker.json``) on the TUNING half.

Builds the demo catalogue in a SQLite store and the embedded index with the
real model (in ``--workdir``, reused when it exists), runs every vignette of
the tuning half (``matcher.eval.half_of``) through the matcher to collect the
features of its re-ranked head (``matcher.learned.FEATURES``), and fits
scikit-learn's ``LogisticRegression``: an offer graded 1 or more is a
positive, weighted by its gain 2^g - 1; ungraded offers are negatives. The
regularisation ``C`` is chosen by 5-fold cross-validation over the tuning
vignettes (folds by vignette, nDCG@10 of the whole matcher on the left-out
fold). The held-out half is never read. Run from the repository root, after
``pip install -e '.[train]'`` and ``faellesskab model prepare``::

    python tools/train_ranker.py [--workdir /tmp/ranker-work] [--dry-run]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import migrations  # noqa: E402
from matcher.eval import half_of, load_vignettes, ndcg_at  # noqa: E402
from matcher.learned import FEATURES, WEIGHTS_FILE, Ranker  # noqa: E402
from matcher.matcher import Matcher, Tuning  # noqa: E402
from matcher.request import MatchRequestSchema  # noqa: E402

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
FOLDS = 5
MODEL_DIR = ROOT / ".cache" / "models" / "multilingual-e5-small"


def build(workdir: Path, tuning: Tuning) -> Matcher:
    """The demo catalogue and its embedded index with the real model, in ``workdir``."""
    from api.cli import demo_path
    from catalogue.fileformats import read_any
    from catalogue.store import Store
    from indexer.embedded import EmbeddedBackend
    from indexer.embedder import OnnxEmbedder
    from indexer.model_prepare import prepare_model
    from indexer.sync import Indexer

    fresh = not (workdir / "store.sqlite").exists()
    workdir.mkdir(parents=True, exist_ok=True)
    embedder = OnnxEmbedder(prepare_model(MODEL_DIR, progress=False))
    store = Store(f"sqlite:///{workdir / 'store.sqlite'}")
    backend = EmbeddedBackend(workdir / "search")
    if fresh:
        migrations.upgrade(store)
        parsed = read_any(demo_path())
        if not store.import_offers(parsed.records, actor="train_ranker", categories=parsed.categories).committed:
            raise SystemExit("the demo catalogue did not import")
        Indexer(store, backend, embedder, progress=False).rebuild()
    return Matcher(store, backend, embedder, tuning=tuning, log=False)


def collect(matcher: Matcher, vignettes: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Per tuning vignette: its id, labels, parsed request and head features."""
    schema = MatchRequestSchema(known_categories=set(matcher.store.categories()))
    out = []
    for v in vignettes:
        req = schema.load(v["request"])
        feats: list[tuple[str, dict[str, float]]] = []
        matcher.match(req, actor="train", today=today, features=feats)
        out.append({"id": v["id"], "labels": {k: int(g) for k, g in v["labels"].items()}, "req": req, "x": feats})
    return out


def fit(rows: list[dict[str, Any]], c: float) -> Ranker:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    xs, ys, ws = [], [], []
    for row in rows:
        for oid, x in row["x"]:
            g = row["labels"].get(oid, 0)
            xs.append([x[f] for f in FEATURES])
            ys.append(int(g > 0))
            ws.append(2.0**g - 1 if g > 0 else 1.0)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(np.asarray(xs), np.asarray(ys), sample_weight=np.asarray(ws))
    return Ranker(dict(zip(FEATURES, map(float, model.coef_[0]), strict=True)), float(model.intercept_[0]))


def score(matcher: Matcher, ranker: Ranker, rows: list[dict[str, Any]], today: date) -> float:
    """Mean nDCG@10 of the whole matcher with ``ranker`` over ``rows`` that have a relevant offer."""
    tuning = dataclasses.replace(matcher.tuning, learned=True)
    m = Matcher(matcher.store, matcher.backend, matcher.embedder, tuning=tuning, ranker=ranker, log=False)
    vals = []
    for row in rows:
        if any(g > 0 for g in row["labels"].values()):
            ranked = [r.offer_id for r in m.match(row["req"], actor="train", today=today).results]
            vals.append(ndcg_at(ranked, row["labels"]))
    return statistics.fmean(vals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/faellesskab-ranker"))
    parser.add_argument("--dry-run", action="store_true", help="print the weights, do not write them")
    parser.add_argument("--head-depth", type=int, default=Tuning.head_depth, help="fused candidates re-ranked")
    args = parser.parse_args()
    data = load_vignettes()
    today = date.fromisoformat(data["meta"]["today"])
    tuning = [v for v in data["vignettes"] if half_of(v["id"]) == "tuning"]  # never the held-out half
    matcher = build(args.workdir, Tuning(learned=False, head_depth=args.head_depth))
    rows = collect(matcher, tuning, today)
    folds = [[r for i, r in enumerate(rows) if i % FOLDS == f] for f in range(FOLDS)]
    cv: dict[float, float] = {}
    for c in C_GRID:
        per_fold = []
        for f in range(FOLDS):
            train = [r for g in range(FOLDS) if g != f for r in folds[g]]
            per_fold.append(score(matcher, fit(train, c), folds[f], today))
        cv[c] = round(statistics.fmean(per_fold), 4)
        print(f"C={c:<6} cross-validated nDCG@10 on the tuning half: {cv[c]:.4f}", flush=True)
    best = max(C_GRID, key=lambda c: (cv[c], -c))
    ranker = fit(rows, best)
    out = {
        "features": list(FEATURES),
        "coef": [round(ranker.coef[f], 6) for f in FEATURES],
        "intercept": round(ranker.intercept, 6),
        "trained": {
            "on": f"tuning half of matcher/data/vignettes.json ({len(rows)} vignettes)",
            "at": datetime.now(UTC).date().isoformat(),
            "by": "tools/train_ranker.py: sklearn LogisticRegression, gain-weighted positives",
            "C": best,
            "head_depth": args.head_depth,
            "rrf_k": matcher.tuning.rrf_k,
            "cv_ndcg@10": cv,
            "tuning_ndcg@10_in_sample": round(score(matcher, ranker, rows, today), 4),
        },
    }
    text = json.dumps(out, ensure_ascii=False, indent=1) + "\n"
    print(text)
    if not args.dry_run:
        WEIGHTS_FILE.write_text(text, encoding="utf-8")
        print(f"-> {WEIGHTS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
