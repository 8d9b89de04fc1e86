"""JSON-safe values for responses (dates as ISO 8601)."""

from __future__ import annotations

from catalogue.jsonsafe import jsonable

__all__ = ["jsonable"]
