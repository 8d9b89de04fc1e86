"""Schema migrations of the whole service, above every domain.

One Alembic history (``migrations/versions``) covers every domain's tables
(see ``migrations.metadata``). Revision ids ``0001``-``0004`` are those the
history had under ``catalogue/migrations``, so existing databases upgrade
as before.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from catalogue.store import Store

#: Where Alembic finds ``env.py``, ``script.py.mako`` and ``versions/``: this package.
SCRIPT_LOCATION = str(Path(__file__).resolve().parent)


def alembic_config() -> Config:
    """An Alembic config whose scripts are this package (``env.py``, ``versions/``)."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def upgrade(store: Store) -> None:
    """Bring ``store``'s database to the newest revision (``alembic upgrade
    head``, in one transaction on the store's own connection), then seed the
    default categories (``catalogue.taxonomy.DEFAULT_CATEGORIES``) that are
    missing. Safe to run at every start."""
    cfg = alembic_config()
    with store.write() as session:
        cfg.attributes["connection"] = session.connection()
        command.upgrade(cfg, "head")
    store.seed_categories()


def head_revision() -> str:
    """The newest revision id of the history (e.g. ``"0004"``)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration history is empty"
    return head


def current_revision(store: Store) -> str | None:
    """The revision ``store``'s database is at; ``None`` before the first upgrade."""
    with store.read() as session:
        return MigrationContext.configure(session.connection()).get_current_revision()


__all__ = ["SCRIPT_LOCATION", "alembic_config", "current_revision", "head_revision", "upgrade"]
