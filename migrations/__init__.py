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
from sqlalchemy import select

from catalogue import taxonomy
from catalogue.models import Category
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
    seed = getattr(store, "seed_categories", None)
    if seed is not None:
        seed()
        return
    # Until Store.seed_categories lands: the seeding Store.migrate did.
    with store.write() as session:
        have = set(session.scalars(select(Category.code)))
        for code, label in taxonomy.DEFAULT_CATEGORIES.items():
            if code not in have:
                session.add(Category(code=code, label_da=label))


__all__ = ["SCRIPT_LOCATION", "alembic_config", "upgrade"]
