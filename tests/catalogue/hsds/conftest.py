"""Fixtures of the ``catalogue.hsds`` tests."""

from __future__ import annotations

from typing import Any

import pytest

from .support import HSDS, Schemas, canonical_offers


@pytest.fixture
def offers() -> list[dict[str, Any]]:
    """The hand-made offers in canonical form (a fresh copy per test)."""
    return canonical_offers()


@pytest.fixture(scope="session")
def hsds() -> Schemas:
    """Validators built from the copy of the HSDS 3.0 schemas in ``tests/data/hsds``."""
    return Schemas(HSDS)
