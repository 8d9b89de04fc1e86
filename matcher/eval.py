"""Measure the matcher on labelled vignettes, against two baselines.

Systems, all under the same hard-rule filter:
- ``hybrid``: the matcher itself;
- ``bm25``: lexical candidates alone, on the citizen's text;
- ``dense``: vector candidates alone.

Metrics at cut-off 10: nDCG (graded gain 2^g - 1), recall and MRR (an offer
graded 1 or more counts as relevant), and hard-rule violations, checked by
:func:`matcher.rules.violations` on the store's offers (it must be 0).
Vignettes without any relevant offer ("no match" cases) are left out of the
averages and reported by whether the matcher flagged them.

The vignettes are split once, by a fixed rule (:func:`half_of`), into a
tuning half and a held-out half: every constant is chosen on the tuning half,
and the held-out half is only measured. Scores are also reported per kind of
case (:data:`KINDS`, from the vignettes' tags, :func:`kinds_of`).
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from .check import violations
from .matcher import Matcher
from .request import MatchRequestSchema
from .rules import as_filter, hard_rules

CUTOFF = 10
SYSTEMS = ("hybrid", "bm25", "dense")
HALVES = ("tuning", "held_out")

#: Kinds of case the issue names -> the vignette tags that mark them. A vignette may
#: be of several kinds or of none. Older tags map in: "meaning_only" (a need described,
#: no activity named), "non_danish" (a note in another language), "young_adult"
#: (age decides which offers fit), and every barrier tag.
KIND_TAGS: dict[str, frozenset[str]] = {
    "needs_described": frozenset({"needs_described", "meaning_only"}),
    "barriers": frozenset(
        {
            "barriers",
            "barrier_removes_tempting",
            "no_car",
            "wheelchair",
            "reduced_mobility",
            "social_anxiety",
            "low_income",
            "max_cost",
            "hearing_impaired",
            "visually_impaired",
            "needs_companion",
            "daytime_only",
            "evenings_only",
            "availability",
            "distance_no_car",
        }
    ),
    "vague": frozenset({"vague"}),
    "other_language": frozenset({"other_language", "non_danish"}),
    "compound": frozenset({"compound", "compounds"}),
    "target_group": frozenset({"target_group", "target_groups", "young_adult", "gender"}),
}
KINDS = tuple(KIND_TAGS)


def half_of(vignette_id: str) -> str:
    """The fixed split: "held_out" when the first byte of the SHA-256 of the
    vignette's id (UTF-8) is odd, else "tuning". Stable across runs, machines
    and additions: a new vignette never moves an old one."""
    return HALVES[hashlib.sha256(vignette_id.encode("utf-8")).digest()[0] % 2]


def kinds_of(tags: Sequence[str]) -> list[str]:
    """The :data:`KINDS` a vignette's tags mark, in :data:`KINDS` order."""
    return [kind for kind, marks in KIND_TAGS.items() if marks & set(tags)]


def default_vignettes_path() -> Path:
    return Path(str(resources.files("matcher") / "data" / "vignettes.json"))


def dcg(gains: Sequence[float]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: Sequence[str], labels: Mapping[str, int], k: int = CUTOFF) -> float:
    ideal = dcg(sorted(labels.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([labels.get(i, 0) for i in ranked[:k]]) / ideal


def recall_at(ranked: Sequence[str], labels: Mapping[str, int], k: int = CUTOFF) -> float:
    relevant = {i for i, g in labels.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], labels: Mapping[str, int], k: int = CUTOFF) -> float:
    for pos, doc_id in enumerate(ranked[:k], start=1):
        if labels.get(doc_id, 0) > 0:
            return 1.0 / pos
    return 0.0


@dataclass
class SystemScore:
    ndcg: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    mrr: list[float] = field(default_factory=list)
    violations: int = 0

    def summary(self) -> dict[str, float]:
        return {
            "ndcg@10": round(statistics.fmean(self.ndcg), 4) if self.ndcg else 0.0,
            "recall@10": round(statistics.fmean(self.recall), 4) if self.recall else 0.0,
            "mrr": round(statistics.fmean(self.mrr), 4) if self.mrr else 0.0,
            "violations": self.violations,
        }


@dataclass
class EvalReport:
    vignettes: int
    scored: int
    systems: dict[str, dict[str, float]]
    per_vignette: list[dict[str, Any]]
    no_match_flagged: int
    no_match_total: int
    by_tag: dict[str, dict[str, float]]
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)  # kind -> system -> nDCG@10 (+ "n")
    half: str = "all"  # "tuning", "held_out" or "all"

    @property
    def margin(self) -> float:
        """nDCG@10 of the matcher minus that of the better baseline."""
        best = max(self.systems["bm25"]["ndcg@10"], self.systems["dense"]["ndcg@10"])
        return round(self.systems["hybrid"]["ndcg@10"] - best, 4)

    def to_dict(self) -> dict[str, Any]:
        return {
            "half": self.half,
            "vignettes": self.vignettes,
            "scored": self.scored,
            "systems": self.systems,
            "margin_over_best_baseline": self.margin,
            "no_match_flagged": f"{self.no_match_flagged}/{self.no_match_total}",
            "by_kind": self.by_kind,
            "by_tag": self.by_tag,
            "per_vignette": self.per_vignette,
        }

    def table(self) -> str:
        lines = [f"{'system':<8} {'nDCG@10':>8} {'recall@10':>10} {'MRR':>6} {'violations':>10}"]
        for name in SYSTEMS:
            s = self.systems[name]
            lines.append(
                f"{name:<8} {s['ndcg@10']:>8.3f} {s['recall@10']:>10.3f} {s['mrr']:>6.3f} {s['violations']:>10}"
            )
        lines.append(
            f"{self.scored} of {self.vignettes} vignettes scored; matcher minus best baseline: {self.margin:+.3f} nDCG@10; "
            f"'no match' cases flagged: {self.no_match_flagged}/{self.no_match_total}"
        )
        return "\n".join(lines)

    def kind_table(self) -> str:
        """nDCG@10 per kind of case for the matcher and both baselines."""
        lines = [f"{'kind':<16} {'n':>3} " + " ".join(f"{name:>7}" for name in SYSTEMS)]
        for kind in KINDS:
            row = self.by_kind.get(kind)
            if row is None:
                lines.append(f"{kind:<16} {0:>3} " + " ".join(f"{'-':>7}" for _ in SYSTEMS))
                continue
            lines.append(f"{kind:<16} {int(row['n']):>3} " + " ".join(f"{row[name]:>7.3f}" for name in SYSTEMS))
        return "\n".join(lines)


def load_vignettes(path: Path | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path or default_vignettes_path()).read_text(encoding="utf-8"))
    return data


def evaluate(matcher: Matcher, vignettes: Mapping[str, Any], half: str = "all") -> EvalReport:
    """Run the vignettes of ``half`` ("tuning", "held_out" or "all"; see
    :func:`half_of`) through the matcher and both baselines."""
    if half not in (*HALVES, "all"):
        raise ValueError(f"half must be one of {HALVES} or 'all', not {half!r}")
    today = date.fromisoformat(vignettes["meta"]["today"])
    schema = MatchRequestSchema(known_categories=set(matcher.store.categories()))
    scores = {name: SystemScore() for name in SYSTEMS}
    per_vignette: list[dict[str, Any]] = []
    tag_scores: dict[str, dict[str, list[float]]] = {}
    kind_scores: dict[str, dict[str, list[float]]] = {}
    flagged = total_no_match = 0
    chosen = [v for v in vignettes["vignettes"] if half == "all" or half_of(v["id"]) == half]
    for v in chosen:
        req = schema.load(v["request"])
        labels = {k: int(g) for k, g in v["labels"].items()}
        flt = as_filter(hard_rules(req, today))
        response = matcher.match(req, actor="eval", today=today)
        ranked = {
            "hybrid": [r.offer_id for r in response.results],
            "bm25": [c.id for c in matcher.backend.lexical_candidates(req.interests, flt, k=CUTOFF)],
            "dense": [
                c.id
                for c in matcher.backend.vector_candidates(matcher.embedder.embed_query(req.interests), flt, k=CUTOFF)
            ],
        }
        row: dict[str, Any] = {"id": v["id"], "half": half_of(v["id"]), "tags": v.get("tags", [])}
        offers = matcher.store.get_offers({i for ids in ranked.values() for i in ids[:CUTOFF]})
        has_relevant = any(g > 0 for g in labels.values())
        for name, ids in ranked.items():
            broken = sum(1 for i in ids[:CUTOFF] if i not in offers or violations(req, offers[i], today))
            scores[name].violations += broken
            if has_relevant:
                n, r, m = ndcg_at(ids, labels), recall_at(ids, labels), reciprocal_rank(ids, labels)
                scores[name].ndcg.append(n)
                scores[name].recall.append(r)
                scores[name].mrr.append(m)
                row[name] = round(n, 3)
                for tag in v.get("tags", []):
                    tag_scores.setdefault(tag, {}).setdefault(name, []).append(n)
                for kind in kinds_of(v.get("tags", [])):
                    kind_scores.setdefault(kind, {}).setdefault(name, []).append(n)
        if not has_relevant:
            total_no_match += 1
            flagged += response.no_good_match
            row["no_good_match"] = response.no_good_match
        per_vignette.append(row)
    by_tag = {
        tag: {name: round(statistics.fmean(vals), 3) for name, vals in per.items()}
        for tag, per in sorted(tag_scores.items())
    }
    by_kind: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        if kind in kind_scores:
            by_kind[kind] = {name: round(statistics.fmean(vals), 3) for name, vals in kind_scores[kind].items()}
            by_kind[kind]["n"] = len(kind_scores[kind]["hybrid"])
    return EvalReport(
        vignettes=len(chosen),
        scored=len(scores["hybrid"].ndcg),
        systems={name: s.summary() for name, s in scores.items()},
        per_vignette=per_vignette,
        no_match_flagged=flagged,
        no_match_total=total_no_match,
        by_tag=by_tag,
        by_kind=by_kind,
        half=half,
    )
