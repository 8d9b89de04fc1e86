"""Referral outcomes for administrators: the outcome report (JSON) and the
research export (CSV). Both are admin-only and, like every keyed request,
kept in the access log (``api.access``): who, what, when."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from referrals import export, outcomes

from .auth import requires
from .common import Blueprint
from .extensions import get_store

blp = Blueprint(
    "referral_reports", __name__, url_prefix="/api/v1/reports", description="Referral outcomes (administrators)."
)


class OutcomeReportSchema(Schema):
    """See ``referrals.outcomes``: figures from fewer than 5 citizens are ``"<5"``."""

    generated_at = fields.String(required=True)
    min_citizens = fields.Integer(required=True)
    overall = fields.Dict(required=True)
    by_practice = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    by_reason = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    payment_indicator = fields.Dict(
        required=True,
        metadata={
            "description": "Share with higher life satisfaction 10-14 months after baseline: numerator/denominator."
        },
    )


@blp.route("/outcomes")
class Outcomes(MethodView):
    @requires()
    @blp.response(200, OutcomeReportSchema)
    def get(self) -> dict[str, Any]:
        """Well-being change (WHO-5, life satisfaction, T-ILS) with 95 % CIs, overall, by practice and by
        reason, and the foundation's payment indicator. Small groups are suppressed as "<5"."""
        return outcomes.outcome_report(get_store())


@blp.route("/research-export")
class ResearchExport(MethodView):
    @requires()
    @blp.response(200, {"type": "string"}, content_type="text/csv")
    def get(self) -> Response:
        """The research export: one row per referral, pseudonymous, UTF-8 with BOM, `;`-separated
        (columns in the README). Audited in the access log."""
        body = export.research_csv(get_store()).encode("utf-8")
        return Response(
            body,
            mimetype="text/csv",
            headers={
                "Content-Disposition": "attachment; filename=henvisninger-forskning.csv",
                "Cache-Control": "no-store",
            },
        )


__all__ = ["blp"]
