"""A referral's working steps over HTTP (navigators): the offers proposed from a
match, companion requests, and well-being questionnaires. Parse, call
``referrals``, serialise."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from catalogue.errors import NotFound
from referrals import lifecycle, questionnaires
from referrals.models import CompanionRequest, Questionnaire, ReferralOffer

from .auth import requires
from .common import Blueprint
from .extensions import get_store
from .referral_schemas import (
    CompanionCreateSchema,
    CompanionMoveSchema,
    CompanionSchema,
    ProposedOfferSchema,
    QuestionnaireInSchema,
    QuestionnaireSchema,
)
from .referrals import conflict, requester

blp = Blueprint(
    "referral_steps",
    __name__,
    url_prefix="/api/v1/referrals",
    description="A referral's offers, companions and questionnaires (navigators).",
)
blp.register_error_handler(lifecycle.InvalidTransition, conflict)


def _list_of(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({"items": fields.List(fields.Nested(item), required=True)}, name=name)


ProposedOfferListSchema = _list_of(ProposedOfferSchema, "ProposedOfferList")
CompanionListSchema = _list_of(CompanionSchema, "CompanionList")
QuestionnaireListSchema = _list_of(QuestionnaireSchema, "QuestionnaireList")


@blp.route("/<referral_id>/offers")
class ProposedOffers(MethodView):
    @requires("navigator")
    @blp.response(200, ProposedOfferListSchema)
    def get(self, referral_id: str) -> dict[str, list[ReferralOffer]]:
        """The offers proposed to the citizen (moving the referral to `matched`), best rank first."""
        with get_store().read() as session:
            return {"items": lifecycle.proposals(session, referral_id, requester())}


@blp.route("/<referral_id>/companions")
class Companions(MethodView):
    @requires("navigator")
    @blp.response(200, CompanionListSchema)
    def get(self, referral_id: str) -> dict[str, list[CompanionRequest]]:
        """Companion (ledsager/brobygger) requests, oldest first."""
        with get_store().read() as session:
            return {"items": lifecycle.companions(session, referral_id, requester())}

    @requires("navigator", throttle="write")
    @blp.arguments(CompanionCreateSchema)
    @blp.response(201, CompanionSchema)
    @blp.alt_response(409, "CONFLICT", description="The referral is closed.")
    def post(self, data: dict[str, Any], referral_id: str) -> CompanionRequest:
        """Ask for a companion for a proposed or started offer."""
        return lifecycle.request_companion(get_store(), referral_id, requester(), data["offer_id"])


@blp.route("/<referral_id>/companions/<companion_id>/transitions")
class CompanionTransitions(MethodView):
    @requires("navigator", throttle="write")
    @blp.arguments(CompanionMoveSchema)
    @blp.response(200, CompanionSchema)
    @blp.alt_response(409, "CONFLICT", description="Not allowed from the current state; `errors.to` lists what is.")
    def post(self, data: dict[str, Any], referral_id: str, companion_id: str) -> CompanionRequest:
        """Move a companion request on: requested -> found -> went_along, or cancelled."""
        if not companion_id.isdigit() or len(companion_id) > 18:
            raise NotFound("companion request", companion_id)
        return lifecycle.move_companion(get_store(), referral_id, int(companion_id), requester(), data["state"])


@blp.route("/<referral_id>/questionnaires")
class Questionnaires(MethodView):
    @requires("navigator")
    @blp.response(200, QuestionnaireListSchema)
    def get(self, referral_id: str) -> dict[str, list[Questionnaire]]:
        """The questionnaires answered, by instrument and timepoint."""
        with get_store().read() as session:
            return {"items": questionnaires.answers_of(session, referral_id, requester())}

    @requires("navigator", throttle="write")
    @blp.arguments(QuestionnaireInSchema)
    @blp.response(201, QuestionnaireSchema)
    def post(self, data: dict[str, Any], referral_id: str) -> Questionnaire:
        """Record (or replace) a questionnaire: WHO-5 (5 items 0-5), life satisfaction (1 item 0-10)
        or T-ILS (3 items 1-3), at baseline or follow_up. An item out of range is refused by its index."""
        return questionnaires.record_answers(get_store(), referral_id, requester(), **data)


__all__ = ["blp"]
