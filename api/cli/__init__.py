"""The ``faellesskab`` command: Flask's CLI plus one command group per module.

Commands report in plain words and exit non-zero when something was
rejected, so they can be scripted by a municipal IT department. A bad
setting stops every command with one line naming the variable; commands that
use the store bring its schema up to date first, so a fresh data directory
needs no preparation.
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import FlaskGroup, NoAppException

from .apikey import apikey
from .capacity import capacity
from .catalogue import catalogue, demo_path
from .db import db
from .evaluation import eval_command
from .index import index
from .model import model
from .referrals import referrals


class BadSettings(NoAppException):
    """A setting is invalid: printed as one line (no usage text, no traceback), exit status 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


def _create_app() -> Any:
    from api import create_app
    from api.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise BadSettings(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Fællesskabsmatch: catalogue, search and matching for social prescribing."""


for command in (db, catalogue, capacity, model, index, eval_command, apikey, referrals):
    main.add_command(command)

__all__ = ["demo_path", "main"]
