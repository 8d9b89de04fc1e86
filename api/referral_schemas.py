"""The referral API's marshmallow schemas: what comes in (refused per field,
no CPR number, name or free text anywhere) and what goes out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    missing,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from catalogue.gazetteer import default_gazetteer
from catalogue.privacy import CprGuard
from matcher.request import BARRIERS
from referrals.lifecycle import allowed_moves
from referrals.privacy import PSEUDONYM_MESSAGE, PSEUDONYM_PATTERN, unknown_field_errors
from referrals.questionnaires import INSTRUMENTS, TIMEPOINTS
from referrals.vocab import (
    AGE_BANDS,
    CLOSE_REASONS,
    COMPANION_STATES,
    MAX_CODES,
    MAX_OFFERS,
    MAX_REASONS,
    REASONS,
    STATUSES,
    status_label,
)

from .common import PageArgs


class _Strict(CprGuard):
    """Unknown fields refused; a CPR number anywhere refused (:mod:`catalogue.privacy`)."""

    class Meta:
        unknown = RAISE


class ScoreSchema(_Strict):
    """Well-being measured with WHO-5 (raw 0-25) and life satisfaction (0-10)."""

    date = fields.Date(required=True)
    who5 = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 25))
    life_satisfaction = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 10))

    @validates_schema
    def _some(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("who5") is None and data.get("life_satisfaction") is None:
            raise ValidationError("Give who5, life_satisfaction or both.")
        if data["date"] > date.today():
            raise ValidationError("The date is in the future.", "date")


class WellbeingSchema(_Strict):
    baseline = fields.Nested(ScoreSchema, load_default=None, allow_none=True)
    followup = fields.Nested(ScoreSchema, load_default=None, allow_none=True)


class ExactlyTrue(fields.Boolean):
    """A boolean that loads only from JSON ``true``: ``"true"``, ``1`` or ``"yes"`` are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is not True:
            raise ValidationError("Must be true: the citizen's explicit consent to the referral.")
        return True


class ReferralCreateSchema(_Strict):
    """Intake: what a referral carries, and nothing more (no name, no free text)."""

    citizen_ref = fields.String(
        required=True,
        validate=validate.Regexp(PSEUDONYM_PATTERN, error=PSEUDONYM_MESSAGE),
        metadata={"description": "The referring system's own pseudonym for the citizen. Never a CPR number or a name."},
    )
    external_ref = fields.String(
        required=True,
        validate=validate.Regexp(PSEUDONYM_PATTERN, error=PSEUDONYM_MESSAGE),
        metadata={
            "description": "The referring system's own id for this referral. Sending it again returns the "
            "referral already received (200), not a second one."
        },
    )
    consent = ExactlyTrue(
        required=True, metadata={"enum": [True], "description": "The citizen's explicit consent: must be true."}
    )
    gp_practice = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{1,20}$", error="Digits only (the practice's ydernummer)."),
    )
    received = fields.Date(
        load_default=date.today,
        metadata={"description": "The date the referral was received; today when not given."},
    )
    age_band = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AGE_BANDS))
    postcode = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{4}$", error="A Danish postcode has 4 digits."),
        metadata={"description": "Where the citizen lives: a Norddjurs postcode (or give town)."},
    )
    town = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 100),
        metadata={"description": "Where the citizen lives: a Norddjurs town (or give postcode)."},
    )
    reasons = fields.List(
        fields.String(validate=validate.OneOf(list(REASONS))),
        load_default=list,
        validate=validate.Length(max=MAX_REASONS),
    )
    previous_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 36),
        metadata={"description": "A re-referral: the id of the closed referral before it."},
    )

    @pre_load
    def _no_names_or_free_text(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            errors = unknown_field_errors((str(k) for k in data), self.fields)
            if errors:
                raise ValidationError(errors)
        return data

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if data["received"] > date.today():
            raise ValidationError("The date is in the future.", "received")
        postcode, town = data.get("postcode"), data.get("town")
        if (postcode or town) and default_gazetteer().resolve(postcode, town) is None:
            raise ValidationError("Not a Norddjurs postcode or town.", "town" if town else "postcode")

    @post_load
    def _place(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The gazetteer's postcode and town ("ørum" -> "Ørum Djurs", 8586)."""
        if data.get("postcode") or data.get("town"):
            place = default_gazetteer().resolve(data.get("postcode"), data.get("town"))
            assert place is not None  # _check resolved it
            data["postcode"], data["town"] = place.postcode or data.get("postcode"), place.town
        return data


class ReferralUpdateSchema(_Strict):
    """Edit reason codes and the legacy well-being scores; the status moves by POST .../transitions."""

    reasons = fields.List(
        fields.String(validate=validate.OneOf(list(REASONS))), validate=validate.Length(max=MAX_REASONS)
    )
    wellbeing = fields.Nested(WellbeingSchema)


def _status() -> fields.String:
    """A status code, documented with the vocabulary as its enum."""
    return fields.String(validate=validate.OneOf(list(STATUSES)))


class ReferralSchema(Schema):
    id = fields.String()
    citizen_ref = fields.String()
    external_ref = fields.String(allow_none=True)
    gp_practice = fields.String(allow_none=True)
    received = fields.Date(allow_none=True)
    age_band = fields.String(allow_none=True, validate=validate.OneOf(AGE_BANDS))
    postcode = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    reasons = fields.List(fields.String(validate=validate.OneOf(list(REASONS))))
    status = _status()
    status_label = fields.Function(
        lambda row: status_label(row["status"] if isinstance(row, dict) else row.status),
        metadata={"type": "string", "description": "The status in Danish."},
    )
    close_reason = fields.String(allow_none=True, validate=validate.OneOf(list(CLOSE_REASONS)))
    interests = fields.List(fields.String())
    barriers = fields.List(fields.String())
    previous_id = fields.String(allow_none=True)
    allowed_transitions = fields.Function(
        lambda row: missing if isinstance(row, dict) else list(allowed_moves(row.status)),
        metadata={"type": "array", "items": {"type": "string"}, "description": "Where the status may go next."},
    )
    offer_ids = fields.List(fields.String())
    wellbeing = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class ReferralPageSchema(Schema):
    items = fields.List(fields.Nested(ReferralSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class ReferralStatusSchema(Schema):
    """What a referral system sees: the status, nothing of the navigator's work."""

    id = fields.String()
    external_ref = fields.String(allow_none=True)
    status = _status()
    status_label = fields.Function(
        lambda row: status_label(row.status), metadata={"type": "string", "description": "The status in Danish."}
    )
    close_reason = fields.String(allow_none=True, validate=validate.OneOf(list(CLOSE_REASONS)))
    updated_at = fields.DateTime()


class ReferralEventSchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    status = _status()
    changes = fields.Dict()


class ReferralHistorySchema(Schema):
    referral_id = fields.String()
    events = fields.List(fields.Nested(ReferralEventSchema))


def _utc_representable(value: datetime) -> None:
    """Year 1 at +14:00 (or 9999 at -12:00) has no UTC time: refused, not a 500."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError("Out of range.") from None


class ReferralListArgs(PageArgs, CprGuard):
    status = fields.String(validate=validate.OneOf(list(STATUSES)))
    modified_after = fields.AwareDateTime(
        validate=_utc_representable,
        metadata={
            "description": "Only referrals changed after this (ISO 8601 with a timezone, "
            "e.g. `2026-11-30T08:00:00+01:00`), oldest change first: poll and resume from the last `updated_at`."
        },
    )


class TransitionSchema(_Strict):
    """One step of the lifecycle, with what the new status needs."""

    to = fields.String(required=True, validate=validate.OneOf(list(STATUSES)))
    close_reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(list(CLOSE_REASONS)),
        metadata={"description": "`closed` only: why."},
    )
    interests = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-zæøå0-9][a-zæøå0-9_-]{1,49}$", error="A category code.")),
        load_default=list,
        validate=validate.Length(max=MAX_CODES),
        metadata={"description": "`assessed` only: category codes (GET /api/v1/offers' categories)."},
    )
    barriers = fields.List(
        fields.String(validate=validate.OneOf(list(BARRIERS))),
        load_default=list,
        validate=validate.Length(max=MAX_CODES),
        metadata={"description": "`assessed` only: the match's barrier codes."},
    )
    query_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 36),
        metadata={"description": "`matched` only: the match's query_id the proposals come from."},
    )
    proposals = fields.List(
        fields.Nested(lambda: ProposalSchema()),
        load_default=list,
        validate=validate.Length(max=MAX_OFFERS),
        metadata={"description": "`matched` only: offers from the match result, with its rank and score."},
    )
    offer_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 64),
        metadata={"description": "`started` only: the proposed offer the citizen started."},
    )
    on = fields.Date(load_default=None, allow_none=True, metadata={"description": "`started` only: when."})


class ProposalSchema(_Strict):
    offer_id = fields.String(required=True, validate=validate.Length(1, 64))
    rank = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    score = fields.Float(required=True, allow_nan=False, validate=validate.Range(-1e6, 1e6))


class ProposedOfferSchema(Schema):
    offer_id = fields.String()
    query_id = fields.String(allow_none=True)
    rank = fields.Integer()
    score = fields.Float()
    started_on = fields.Date(allow_none=True)


class CompanionCreateSchema(_Strict):
    offer_id = fields.String(required=True, validate=validate.Length(1, 64))


class CompanionMoveSchema(_Strict):
    state = fields.String(required=True, validate=validate.OneOf([s for s in COMPANION_STATES if s != "requested"]))


class CompanionSchema(Schema):
    id = fields.Integer()
    offer_id = fields.String()
    state = fields.String(validate=validate.OneOf(list(COMPANION_STATES)))
    state_label = fields.Function(lambda c: COMPANION_STATES[c.state], metadata={"type": "string"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class QuestionnaireInSchema(_Strict):
    """Answers to one questionnaire; ``items`` in the instrument's order."""

    instrument = fields.String(required=True, validate=validate.OneOf(list(INSTRUMENTS)))
    timepoint = fields.String(required=True, validate=validate.OneOf(list(TIMEPOINTS)))
    taken_on = fields.Date(required=True)
    items = fields.List(
        fields.Integer(strict=True),
        required=True,
        validate=validate.Length(1, 5),
        metadata={"description": "who5: 5 items 0-5; life_satisfaction: 1 item 0-10; tils: 3 items 1-3."},
    )


class QuestionnaireSchema(Schema):
    instrument = fields.String()
    timepoint = fields.String()
    taken_on = fields.Date()
    items = fields.List(fields.Integer())
    score = fields.Integer(metadata={"description": "who5: raw 0-25; life_satisfaction 0-10; tils 3-9."})
    who5_index = fields.Function(
        lambda q: q.score * 4 if q.instrument == "who5" else None,
        metadata={"type": "integer", "nullable": True, "description": "who5 only: raw x 4 (0-100)."},
    )
