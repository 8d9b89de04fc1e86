"""Errors raised by the catalogue. The API maps each to one HTTP status."""

from __future__ import annotations

from typing import Any


class CatalogueError(Exception):
    """Base class for catalogue errors."""


class NotFound(CatalogueError):
    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(f"{entity} {entity_id!r} not found")
        self.entity, self.entity_id = entity, entity_id


class InvalidRecord(CatalogueError):
    """A record failed validation; ``errors`` maps field paths to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        fields = ", ".join(sorted(errors))
        super().__init__(f"invalid record: {fields}")
        self.errors = errors


class VersionConflict(CatalogueError):
    """Someone saved a newer version first; ``current`` is what they saved."""

    def __init__(self, entity_id: str, expected: int | None, current: dict[str, Any]) -> None:
        super().__init__(
            f"{entity_id!r} was changed by someone else (you had version {expected}, "
            f"it is now version {current.get('version')})"
        )
        self.entity_id, self.expected, self.current = entity_id, expected, current


class FileFormatError(CatalogueError):
    """The file as a whole cannot be read; nothing in it is imported."""
