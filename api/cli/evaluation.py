"""``faellesskab eval``: measure the matcher against the baselines."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..extensions import get_store
from .common import uses_store


@click.command("eval")
@click.option(
    "--vignettes",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Default: the bundled set.",
)
@click.option("--rrf-k", type=click.IntRange(min=1), default=None, help="Try another RRF constant (at least 1).")
@click.option(
    "--half",
    type=click.Choice(["both", "tuning", "held_out", "all"]),
    default="both",
    show_default=True,
    help="Which vignettes: each half apart (both), one half, or all together (VIGNETTES.md, 'The split').",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@uses_store
def eval_command(path: Path | None, rrf_k: int | None, half: str, as_json: bool) -> None:
    """Measure the matcher (nDCG@10, recall@10, MRR, rule violations) against BM25 and dense baselines.

    Prints the tuning half and the held-out half apart (constants are chosen on
    the tuning half only), each with nDCG@10 per kind of case (needs described,
    barriers, vague, other languages, compounds, target groups) for the matcher
    and both baselines. Uses the current store and index; for the bundled
    vignettes load the demo catalogue and run `faellesskab index rebuild` first.
    Exits 1 when the matcher breaks a hard rule."""
    from indexer.backend import SearchError
    from indexer.embedder import ModelNotPreparedError
    from matcher.eval import evaluate, load_vignettes
    from matcher.fusion import RRF_K
    from matcher.matcher import Matcher, Tuning

    from ..extensions import get_backend, get_embedder

    store = get_store()
    if store.counts()["offers"] == 0:
        raise click.ClickException(
            "The catalogue is empty: run `faellesskab catalogue demo` and `faellesskab index sync`."
        )
    matcher = Matcher(store, get_backend(), get_embedder(), tuning=Tuning(rrf_k=rrf_k or RRF_K), log=False)
    halves = ["tuning", "held_out"] if half == "both" else [half]
    vignettes = load_vignettes(path)
    try:
        reports = [evaluate(matcher, vignettes, half=h) for h in halves]
    except (ModelNotPreparedError, SearchError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({r.half: r.to_dict() for r in reports}, ensure_ascii=False, indent=1))
    else:
        for report in reports:
            title = {"tuning": "Tuning half", "held_out": "Held-out half", "all": "All vignettes"}[report.half]
            click.echo(f"== {title} ==\n{report.table()}\n\nnDCG@10 per kind of case:\n{report.kind_table()}\n")
    if any(r.systems["hybrid"]["violations"] for r in reports):
        sys.exit(1)
