"""HL7 FHIR R4 for referral systems: a transaction Bundle (ServiceRequest,
Consent, Task) in, ``Task`` (its status) out, as ``application/fhir+json``.

Parse, call ``referrals.fhir`` and ``referrals.service``, serialise. Errors use
the API's one error envelope, with ``errors`` keyed by FHIR path
(``entry.0.resource.status``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import INCLUDE, Schema, fields, validate

from referrals import fhir, service

from .auth import requires
from .common import Blueprint
from .extensions import get_store
from .referrals import requester

blp = Blueprint("fhir", __name__, url_prefix="/api/v1/fhir", description="HL7 FHIR R4: referrals in, Task status out.")


class BundleSchema(Schema):
    """A FHIR transaction Bundle (validated in full by fhir.resources after this first look)."""

    class Meta:
        unknown = INCLUDE

    resourceType = fields.String(required=True, validate=validate.Equal("Bundle"))
    type = fields.String(required=True, validate=validate.Equal("transaction"))
    entry = fields.List(fields.Dict(), required=True, validate=validate.Length(3, 3))


class TaskSchema(Schema):
    """A FHIR R4 Task: `status` (requested, accepted, in-progress, completed, cancelled, failed),
    `businessStatus` (the service's own status) and `statusReason` (why it was closed)."""

    class Meta:
        unknown = INCLUDE

    resourceType = fields.String(required=True, validate=validate.Equal("Task"))
    id = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["requested", "accepted", "in-progress", "completed", "cancelled", "failed"]),
    )
    intent = fields.String(required=True)
    businessStatus = fields.Dict()
    statusReason = fields.Dict()


def _fhir(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=fhir.CONTENT_TYPE, headers=headers)


@blp.route("")
class Transaction(MethodView):
    @requires("referral_system", throttle="write")
    @blp.arguments(BundleSchema, content_type=fhir.CONTENT_TYPE)
    @blp.response(201, TaskSchema, content_type=fhir.CONTENT_TYPE)
    @blp.alt_response(200, schema=TaskSchema, content_type=fhir.CONTENT_TYPE, description="Already received.")
    def post(self, data: dict[str, Any]) -> Response:
        """Send a referral as a transaction Bundle: ServiceRequest (subject = your pseudonym, identifier =
        your id for the referral, supportingInfo -> the Consent), an active permitting Consent, and a Task
        (status requested, intent order, focus -> the ServiceRequest). Answers with the Task.
        Idempotent per ServiceRequest identifier."""
        fields_ = fhir.parse_intake(data)
        row, created = service.receive(get_store(), requester(), **fields_)
        return _fhir(fhir.task_of(row), 201 if created else 200, {"Location": f"/api/v1/fhir/Task/{row.id}"})


@blp.route("/Task/<referral_id>")
class TaskItem(MethodView):
    @requires("referral_system", "navigator")
    @blp.response(200, TaskSchema, content_type=fhir.CONTENT_TYPE)
    def get(self, referral_id: str) -> Response:
        """A referral's status as a FHIR Task (your own referrals only)."""
        with get_store().read() as session:
            row = service.get(session, referral_id, requester())
        return _fhir(fhir.task_of(row), 200)


__all__ = ["blp"]
