"""What the command groups share: who acts, and a store that is ready to use."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from catalogue.store import Store

from ..extensions import get_store

F = TypeVar("F", bound=Callable[..., Any])


def cli_actor() -> str:
    """The audit trail's actor for the command line: ``cli:<login name>``."""
    return f"cli:{getpass.getuser()}"


def ready_store() -> Store:
    """The app's store with its schema brought up to date (idempotent), so a
    fresh data directory works without `faellesskab db upgrade` first."""
    from ..startup import migrate

    migrate(current_app._get_current_object())  # type: ignore[attr-defined]
    return get_store()


def uses_store(fn: F) -> F:
    """Run the command in the app context with a migrated store; a database
    that cannot be reached or used becomes one line, not a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            ready_store()
            return fn(*args, **kwargs)
        except DBAPIError as exc:
            where = str(current_app.config["DATABASE_URL"]).split("@")[-1]
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise click.ClickException(f"The database at {where} cannot be used: {first}") from None

    return with_appcontext(wrapper)  # type: ignore[return-value]
