"""HSDS ids: UUIDs derived from our own ids.

HSDS 3.0 requires every ``id`` to be a UUID. Ours are ``uuid5`` of our own
ids (joined with ``|``) under one fixed namespace, so exporting twice gives
identical files and a consumer can follow an offer across exports.
"""

from __future__ import annotations

import uuid

#: Fixed namespace of all our HSDS ids. Never change it: every published id depends on it.
NAMESPACE = uuid.UUID("39463587-577e-4e58-bb28-6245fe512552")


def uid(*parts: str) -> str:
    """The HSDS id (UUID text) of the thing named by ``parts``, e.g. ``uid("service", offer_id)``."""
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))
