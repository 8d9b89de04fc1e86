"""``faellesskab db``: the store of record."""

from __future__ import annotations

import click

from ..extensions import get_store
from .common import uses_store


@click.group()
def db() -> None:
    """The store of record."""


@db.command("upgrade")
@uses_store  # which migrates
def db_upgrade() -> None:
    """Create or migrate the database schema (safe to run every time)."""
    click.echo(f"Database ready ({get_store().dialect}).")
