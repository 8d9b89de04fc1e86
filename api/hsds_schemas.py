"""Query-argument and response schemas of the public HSDS 3.0 API (``/hsds``).

Query arguments are validated here, so a bad value is a 422 naming the
parameter. Every 2xx JSON body of ``api.hsds_api`` is dumped through these schemas, so
the OpenAPI document and the bytes sent cannot drift apart. The object
schemas are generated from the same table layout that writes the tabular
datapackage (``catalogue.hsds.tabular``: ``COLUMNS`` for the fields and their
types, ``CHILDREN`` for nested lists, ``REFS`` for nested objects), plus the
HSDS 3.1 ``capacities`` of a service. A dump keeps exactly the keys an object
has (absent ones stay absent), so one schema describes the list item, the
minimal item and the fully nested object; nested lists appear with
``full=true``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from catalogue.hsds.feed import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_PROXIMITY_M
from catalogue.hsds.tabular import CHILDREN, COLUMNS, REFS, column_field

# -- query parameters ----------------------------------------------------------------


class IsoDateTime(fields.Field):
    """An ISO 8601 date-time (``2026-01-31T12:00:00Z``) or date; without a zone, UTC."""

    default_error_messages = {"invalid": "Not an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise self.make_error("invalid") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class HsdsArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # other HSDS parameters are ignored, not refused

    search = fields.String(metadata={"description": "Full text search (Danish stems, or a literal substring)."})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000, error="page is 1 to 1000000."))
    per_page = fields.Integer(
        validate=validate.Range(1, MAX_PER_PAGE, error=f"per_page is 1 to {MAX_PER_PAGE}."),
        metadata={"description": f"Results per page, 1 to {MAX_PER_PAGE}; default {DEFAULT_PER_PAGE}."},
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "ndjson"], error="format is json or ndjson."),
        metadata={"description": "json (paged) or ndjson (every result, one JSON object per line, no paging)."},
    )


class HsdsServiceFilterArgs(HsdsArgs):
    taxonomy_term_id = fields.String(metadata={"description": "A term id, or a term code such as a category code."})
    taxonomy_id = fields.String(metadata={"description": "A taxonomy id or name."})
    organization_id = fields.String(metadata={"description": "HSDS id of the organization."})
    modified_after = IsoDateTime(
        metadata={
            "type": "string",
            "format": "date-time",
            "description": "Only results modified on or after this ISO 8601 date-time.",
        }
    )
    full = fields.Boolean(load_default=False, metadata={"description": "true: fully nested objects."})


class HsdsServiceListArgs(HsdsServiceFilterArgs):
    minimal = fields.Boolean(
        load_default=False, metadata={"description": "true: only id, name, status and last_modified, in one page."}
    )


class HsdsServiceAtLocationListArgs(HsdsServiceFilterArgs):
    postcode = fields.String(
        validate=validate.Regexp(r"^\s*\d{4}\s*$", error="postcode is a Danish postcode of 4 digits."),
        metadata={"description": "Locations with this postcode; with proximity, the centre of the search."},
    )
    proximity = fields.Float(
        validate=validate.Range(
            min=0, max=MAX_PROXIMITY_M, min_inclusive=False, error="proximity is metres, 1 to 500000."
        ),
        metadata={"description": "Metres from the centroid of postcode (needs postcode)."},
    )

    @validates_schema
    def _needs_postcode(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("proximity") is not None and not data.get("postcode"):
            raise ValidationError("proximity needs postcode: the distance is measured from its centroid.", "proximity")


class HsdsOrganizationListArgs(HsdsArgs):
    full = fields.Boolean(load_default=False, metadata={"description": "true: fully nested organizations."})
    full_service = fields.Boolean(
        load_default=False, metadata={"description": "true: the organizations' services fully nested (with full)."}
    )


class HsdsOrganizationArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    full_service = fields.Boolean(load_default=False, metadata={"description": "true: fully nested services."})


class HsdsTaxonomyTermListArgs(HsdsArgs):
    taxonomy_id = fields.String(metadata={"description": "A taxonomy id or name."})
    parent_id = fields.String(metadata={"description": "Terms under this parent (our taxonomies are flat)."})
    top_only = fields.Boolean(
        load_default=False, metadata={"description": "Accepted; every term of ours is top level."}
    )


# -- responses ------------------------------------------------------------------------


#: HSDS ``number`` columns that hold whole numbers (dumped as int; the others as float).
_INTEGERS = {"minimum_age", "maximum_age", "interval"}


def _column(column: str) -> fields.Field:
    spec = column_field(column)
    kind, fmt = spec["type"], spec.get("format")
    if kind == "number":
        return fields.Integer() if column in _INTEGERS else fields.Float()
    openapi_format = {"date": "date", "datetime": "date-time", "time": "time"}.get(kind, fmt)
    return fields.String(metadata={"format": openapi_format} if openapi_format else {})


def _name(table: str) -> str:
    return "Hsds" + "".join(part.capitalize() for part in table.split("_"))


_built: dict[str, type[Schema]] = {}


def table_schema(table: str) -> type[Schema]:
    """The schema of an HSDS object, with its nested lists and objects (built once per table)."""
    if table in _built:
        return _built[table]
    declared: dict[str, fields.Field] = {c: _column(c) for c in COLUMNS[table]}
    if table in REFS:
        key, ref_table, _ = REFS[table]
        declared[key] = fields.Nested(table_schema(ref_table))
    for key, child, _ in CHILDREN.get(table, []):
        declared[key] = fields.List(fields.Nested(table_schema(child)))
    if table == "service":
        declared["capacities"] = fields.List(
            fields.Nested(HsdsServiceCapacitySchema), metadata={"description": "HSDS 3.1 service_capacity."}
        )
    _built[table] = Schema.from_dict(declared, name=_name(table) + "Schema")
    return _built[table]


class HsdsUnitSchema(Schema):
    id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    scheme = fields.String()
    identifier = fields.String()


class HsdsServiceCapacitySchema(Schema):
    """HSDS 3.1 ``service_capacity``: available places, and when that was last known."""

    id = fields.String(metadata={"format": "uuid"})
    service_id = fields.String(metadata={"format": "uuid"})
    unit_id = fields.String(metadata={"format": "uuid"})
    unit = fields.Nested(HsdsUnitSchema)
    available = fields.Integer()
    maximum = fields.Integer()
    description = fields.String()
    updated = fields.String(metadata={"format": "date-time"})


ServiceSchema = table_schema("service")
OrganizationSchema = table_schema("organization")
ServiceAtLocationSchema = table_schema("service_at_location")
TaxonomySchema = table_schema("taxonomy")
TaxonomyTermSchema = table_schema("taxonomy_term")


class HsdsOrganizationWithServicesSchema(OrganizationSchema):  # type: ignore[misc,valid-type]
    """An organisation; with ``full=true`` also its public services (without ``organization``)."""

    services = fields.List(fields.Nested(ServiceSchema))


class HsdsServiceAtLocationItemSchema(ServiceAtLocationSchema):  # type: ignore[misc,valid-type]
    """A service_at_location with its location and its service (without ``service_at_locations``)."""

    service = fields.Nested(ServiceSchema)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The standard's paged envelope around ``item``."""
    declared: dict[str, Any] = {
        "total_items": fields.Integer(required=True),
        "total_pages": fields.Integer(required=True),
        "page_number": fields.Integer(required=True),
        "size": fields.Integer(required=True),
        "first_page": fields.Boolean(required=True),
        "last_page": fields.Boolean(required=True),
        "empty": fields.Boolean(required=True),
        "contents": fields.List(fields.Nested(item), required=True),
    }
    return Schema.from_dict(declared, name=name)


ServicePageSchema = page_schema(ServiceSchema, "HsdsServicePageSchema")
OrganizationPageSchema = page_schema(HsdsOrganizationWithServicesSchema, "HsdsOrganizationPageSchema")
ServiceAtLocationPageSchema = page_schema(HsdsServiceAtLocationItemSchema, "HsdsServiceAtLocationPageSchema")
TaxonomyPageSchema = page_schema(TaxonomySchema, "HsdsTaxonomyPageSchema")
TaxonomyTermPageSchema = page_schema(TaxonomyTermSchema, "HsdsTaxonomyTermPageSchema")


class HsdsRootSchema(Schema):
    version = fields.String(required=True, metadata={"description": "The HSDS version, 3.0."})
    profile = fields.String(required=True, metadata={"format": "uri", "description": "The HSDS profile published."})
    openapi_url = fields.String(required=True, metadata={"format": "uri"})


class HsdsOpenApiSchema(Schema):
    """An OpenAPI 3 document (the /hsds part of the service's document)."""

    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    servers = fields.List(fields.Dict())
    paths = fields.Dict(required=True)
    components = fields.Dict()
    tags = fields.List(fields.Dict())
