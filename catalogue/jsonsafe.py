"""JSON-safe copies of catalogue values: dates and times as ISO 8601 text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def jsonable(value: Any) -> Any:
    """Mappings, lists and tuples copied with every date or datetime as ISO text."""
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
