"""Open Referral HSDS 3.0 export and import of the catalogue.

Municipal directories and national platforms speak HSDS, so offers are
published as fully nested HSDS services (JSON, or the tabular datapackage),
services from other publishers can be imported, and the public ``/hsds`` feed
is served from the same mapping. One module per job:

* :mod:`.ids`: HSDS ids (``uuid5`` of our ids under one fixed namespace);
* :mod:`.terms`: our three taxonomies, their terms and extension attributes;
* :mod:`.export`: offers -> services, organisations, the paged envelope;
* :mod:`.reader`: HSDS JSON -> raw offer records;
* :mod:`.tabular`: the tabular datapackage, written and read;
* :mod:`.feed`: the public feed (snapshot, text query, filters, proximity, paging).

HSDS itself (Open Referral, openreferral.org) is licensed CC BY-SA 4.0; this
package only writes and reads data shaped by it.
"""

from __future__ import annotations

from .export import export_document, export_organizations, export_services, offer_to_service, page_envelope
from .ids import NAMESPACE
from .reader import read_hsds_json, services_to_records
from .tabular import COLUMNS, read_datapackage, write_datapackage
from .terms import (
    AUDIENCE_TAXONOMY,
    AUDIENCE_TAXONOMY_NAME,
    CATEGORY_TAXONOMY,
    CATEGORY_TAXONOMY_NAME,
    FM_TAXONOMY,
    FM_TAXONOMY_NAME,
    FM_TERMS,
)

__all__ = [
    "AUDIENCE_TAXONOMY",
    "AUDIENCE_TAXONOMY_NAME",
    "CATEGORY_TAXONOMY",
    "CATEGORY_TAXONOMY_NAME",
    "COLUMNS",
    "FM_TAXONOMY",
    "FM_TAXONOMY_NAME",
    "FM_TERMS",
    "NAMESPACE",
    "export_document",
    "export_organizations",
    "export_services",
    "offer_to_service",
    "page_envelope",
    "read_datapackage",
    "read_hsds_json",
    "services_to_records",
    "write_datapackage",
]
