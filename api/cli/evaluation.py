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
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@uses_store
def eval_command(path: Path | None, rrf_k: int | None, as_json: bool) -> None:
    """Measure the matcher (nDCG@10, recall@10, MRR, rule violations) against BM25 and dense baselines.

    Uses the current store and index; for the bundled vignettes load the demo
    catalogue and run `faellesskab index rebuild` first."""
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
    try:
        report = evaluate(matcher, load_vignettes(path))
    except (ModelNotPreparedError, SearchError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if as_json else report.table())
    if report.systems["hybrid"]["violations"]:
        sys.exit(1)
