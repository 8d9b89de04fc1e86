"""``faellesskab index``: the search index."""

from __future__ import annotations

from typing import Any

import click

from .common import uses_store


@click.group()
def index() -> None:
    """The search index (embedded engine, or Elasticsearch when ELASTICSEARCH_URL is set)."""


@index.command("rebuild")
@uses_store
def index_rebuild() -> None:
    """Index every offer into a new index version, then switch to it."""
    from ..extensions import get_indexer

    _run_indexing(lambda: get_indexer().rebuild())


@index.command("sync")
@uses_store
def index_sync() -> None:
    """Index only the offers changed since the last run (builds the index the first time)."""
    from ..extensions import get_indexer

    _run_indexing(lambda: get_indexer().sync())


def _run_indexing(action: Any) -> None:
    from indexer.backend import SearchError
    from indexer.embedder import ModelNotPreparedError

    try:
        report = action()
    except (ModelNotPreparedError, SearchError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())
