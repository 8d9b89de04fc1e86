"""JSON-safe values for responses (dates as ISO 8601)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
