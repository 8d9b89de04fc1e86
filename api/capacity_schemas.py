"""Marshmallow schemas of the capacity endpoints (``api.capacity``).

Amounts travel as kroner: input a number with at most two decimals
(``amount_dkk``), output a string with two decimals (``"1500000.00"``), so no
float ever holds money. Counts taken from referrals or from fewer than five
requests are the string ``"<5"`` (``reports.suppress``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from capacity.supply import DIMENSIONS, METRICS
from catalogue.privacy import CprGuard

MAX_DKK = 1_000_000_000


class Count(fields.Raw):
    """A count, or ``"<5"`` when suppressed."""

    def __init__(self, **kw: Any) -> None:
        meta = {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["<5"]}], **kw.pop("metadata", {})}
        super().__init__(required=True, metadata=meta, **kw)


def money(description: str, **kw: Any) -> fields.String:
    return fields.String(
        required=True, metadata={"description": f'{description} (kroner, two decimals, e.g. `"1500000.00"`)'}, **kw
    )


def _positive_kroner(value: Decimal) -> None:
    if not 0 < value <= MAX_DKK:
        raise ValidationError(f"Must be more than 0 and at most {MAX_DKK}.")


def kroner_input(description: str) -> fields.Decimal:
    return fields.Decimal(
        required=True,
        allow_nan=False,
        validate=_positive_kroner,
        metadata={
            "description": f"{description} in kroner, at most two decimals.",
            "minimum": 0,
            "exclusiveMinimum": True,
            "maximum": MAX_DKK,
        },
    )


# -- supply ------------------------------------------------------------------------


#: Days a report may be asked for (a month end in year 10000 does not exist).
ASKED_DAYS = validate.Range(date(1900, 1, 1), date(2999, 12, 31), error="Must be between {min} and {max}.")


class SummaryArgs(Schema):
    date = fields.Date(
        load_default=None,
        validate=ASKED_DAYS,
        metadata={"description": "As of this day (end of day, UTC); default today."},
    )
    town = fields.String(
        load_default=None,
        validate=validate.Length(1, 100),
        metadata={"description": "Only offers in this town (`(online)` for online ones)."},
    )
    category = fields.String(
        load_default=None, validate=validate.Length(1, 50), metadata={"description": "Only offers in this category."}
    )


class FiguresSchema(Schema):
    """``capacity.supply.Figures``: supply of the active offers."""

    organisations = fields.Integer(required=True, metadata={"description": "organisations with an active offer"})
    offers = fields.Integer(required=True, metadata={"description": "active offers"})
    places_total = fields.Integer(required=True)
    places_available = fields.Integer(required=True)
    waitlist = fields.Integer(required=True, metadata={"description": "people waiting"})
    volunteers = fields.Integer(required=True, metadata={"description": "the offers' own volunteer counts, summed"})
    companion_offers = fields.Integer(required=True, metadata={"description": "offers with a companion available"})


class GrowthSchema(Schema):
    baseline = fields.Date(required=True)
    new_organisations = fields.Integer(required=True)
    new_offers = fields.Integer(required=True)
    offers_ended = fields.Integer(required=True)
    places_added = fields.Integer(required=True, metadata={"description": "net: may be negative"})
    volunteers_added = fields.Integer(required=True, metadata={"description": "reported volunteers, net"})
    companions_added = fields.Integer(required=True, metadata={"description": "reported companions, net"})


class SummarySchema(FiguresSchema):
    date = fields.Date(required=True)
    volunteers_reported = fields.Integer(required=True, metadata={"description": "latest report per organisation"})
    companions_reported = fields.Integer(required=True)
    breakdown = fields.Dict(
        keys=fields.String(validate=validate.OneOf(DIMENSIONS)),
        values=fields.Dict(keys=fields.String(), values=fields.Nested(FiguresSchema)),
        required=True,
        metadata={"description": "dimension (town, category, kind, audience) -> key -> figures"},
    )
    growth = fields.Nested(GrowthSchema, required=True, metadata={"description": "since the baseline"})


class TimeseriesArgs(Schema):
    class Meta:
        unknown = RAISE

    metric = fields.String(required=True, validate=validate.OneOf(list(METRICS)))
    from_ = fields.Date(required=True, data_key="from", validate=ASKED_DAYS)
    to = fields.Date(load_default=None, validate=ASKED_DAYS, metadata={"description": "default today"})
    interval = fields.String(load_default="month", validate=validate.OneOf(["month"]))

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("Must not be before from.", "to")
        if data.get("to") and (data["to"] - data["from_"]).days > 366 * 20:
            raise ValidationError("At most 20 years.", "to")


class PointSchema(Schema):
    date = fields.Date(required=True)
    value = fields.Integer(required=True)


class TimeseriesSchema(Schema):
    metric = fields.String(required=True)
    interval = fields.String(required=True)
    baseline = fields.Date(required=True)
    baseline_value = fields.Integer(required=True)
    points = fields.List(
        fields.Nested(PointSchema), required=True, metadata={"description": "month ends; the last is `to`"}
    )


# -- volunteers ------------------------------------------------------------------------


class VolunteerReportInput(CprGuard):
    class Meta:
        unknown = RAISE

    organisation_id = fields.String(required=True, validate=validate.Length(1, 100))
    reported_on = fields.Date(required=True)
    volunteers = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000))
    companions = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000))


class VolunteerReportSchema(Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.String(required=True)
    reported_on = fields.Date(required=True)
    volunteers = fields.Integer(required=True)
    companions = fields.Integer(required=True)
    recorded_at = fields.DateTime(required=True)
    recorded_by = fields.String(required=True)


class VolunteerReportArgs(Schema):
    organisation_id = fields.String(load_default=None, validate=validate.Length(1, 100))


class VolunteerReportListSchema(Schema):
    items = fields.List(fields.Nested(VolunteerReportSchema), required=True)


# -- the ledger ------------------------------------------------------------------------


class FundInput(CprGuard):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(1, 200))
    total_dkk = kroner_input("The fund's total")
    period_start = fields.Date(load_default=None)
    period_end = fields.Date(load_default=None)


class FundSchema(Schema):
    name = fields.String(required=True)
    total_dkk = money("The fund's total")
    period_start = fields.Date(required=True, allow_none=True)
    period_end = fields.Date(required=True, allow_none=True)
    recorded = fields.Boolean(required=True, metadata={"description": "false: the default fund, none recorded yet"})


class OutputsSchema(Schema):
    class Meta:
        unknown = RAISE

    offers = fields.Integer(load_default=0, dump_default=0, strict=True, validate=validate.Range(0, 100_000))
    places = fields.Integer(load_default=0, dump_default=0, strict=True, validate=validate.Range(0, 1_000_000))
    volunteers = fields.Integer(load_default=0, dump_default=0, strict=True, validate=validate.Range(0, 1_000_000))
    companions = fields.Integer(load_default=0, dump_default=0, strict=True, validate=validate.Range(0, 1_000_000))


class RealisedSchema(Schema):
    offers = fields.Integer(required=True)
    places = fields.Integer(required=True, metadata={"description": "net: may be negative"})
    volunteers = fields.Integer(required=True)
    companions = fields.Integer(required=True)


class GrantInput(CprGuard):
    class Meta:
        unknown = RAISE

    organisation_id = fields.String(required=True, validate=validate.Length(1, 100))
    amount_dkk = kroner_input("The amount granted")
    committed_on = fields.Date(required=True)
    purpose = fields.String(load_default="", validate=validate.Length(0, 2000))
    expected = fields.Nested(OutputsSchema, load_default=dict)
    offer_ids = fields.List(
        fields.String(validate=validate.Length(1, 100)), load_default=list, validate=validate.Length(max=100)
    )


class OfferLinksSchema(CprGuard):
    class Meta:
        unknown = RAISE

    offer_ids = fields.List(
        fields.String(validate=validate.Length(1, 100)), required=True, validate=validate.Length(max=100)
    )


class PaymentInput(CprGuard):
    class Meta:
        unknown = RAISE

    paid_on = fields.Date(required=True)
    amount_dkk = kroner_input("The amount paid")


class PaymentSchema(Schema):
    paid_on = fields.Date(required=True)
    amount_dkk = money("Paid")


class GrantSchema(Schema):
    id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    organisation_name = fields.String(required=True, allow_none=True)
    amount_dkk = money("Granted")
    paid_dkk = money("Paid by the report date")
    committed_on = fields.Date(required=True)
    purpose = fields.String(required=True)
    offer_ids = fields.List(fields.String(), required=True)
    expected = fields.Nested(OutputsSchema, required=True)
    realised = fields.Nested(RealisedSchema, required=True)
    payments = fields.List(fields.Nested(PaymentSchema), required=True)
    cost_per_place = fields.String(
        required=True, allow_none=True, metadata={"description": "kroner per realised new place"}
    )
    cost_per_volunteer = fields.String(
        required=True, allow_none=True, metadata={"description": "kroner per realised new volunteer"}
    )


class LedgerArgs(Schema):
    date = fields.Date(load_default=None, validate=ASKED_DAYS, metadata={"description": "Report date; default today."})


class LedgerSchema(Schema):
    date = fields.Date(required=True)
    fund = fields.Nested(FundSchema, required=True)
    committed_dkk = money("Committed")
    paid_dkk = money("Paid")
    remaining_dkk = money("Not yet committed")
    cost_per_place = fields.String(required=True, allow_none=True)
    cost_per_volunteer = fields.String(required=True, allow_none=True)
    grants = fields.List(fields.Nested(GrantSchema), required=True)


class CreatedSchema(Schema):
    id = fields.String(required=True)


# -- demand and gaps ------------------------------------------------------------------


class GapArgs(Schema):
    class Meta:
        unknown = RAISE

    from_ = fields.Date(
        load_default=None, data_key="from", validate=ASKED_DAYS, metadata={"description": "default: the baseline"}
    )
    to = fields.Date(load_default=None, validate=ASKED_DAYS, metadata={"description": "default: today"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 1000))

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("to") and data.get("from_") and data["to"] < data["from_"]:
            raise ValidationError("Must not be before from.", "to")


class KeyCountSchema(Schema):
    key = fields.String(required=True)
    requests = Count()
    no_good_match = Count()
    share_no_good_match = fields.Float(required=True, allow_none=True)


class BarrierCountSchema(Schema):
    barrier = fields.String(required=True)
    requests = Count()


class DemandSchema(Schema):
    requests = Count()
    no_good_match = Count()
    share_no_good_match = fields.Float(required=True, allow_none=True)
    no_good_match_threshold = fields.Float(required=True, metadata={"description": "cosine similarity (see README)"})
    by_town = fields.List(fields.Nested(KeyCountSchema), required=True)
    by_category = fields.List(fields.Nested(KeyCountSchema), required=True)
    by_barrier = fields.List(fields.Nested(KeyCountSchema), required=True)
    by_age_band = fields.List(fields.Nested(KeyCountSchema), required=True)
    zero_results = Count()
    zero_results_by_barrier = fields.List(fields.Nested(BarrierCountSchema), required=True)


class GapSchema(Schema):
    rank = fields.Integer(required=True)
    town = fields.String(required=True)
    category = fields.String(required=True)
    barrier = fields.String(required=True)
    requests = Count()
    no_good_match = Count()
    zero_results = Count()
    offers = fields.Integer(required=True)
    places_total = fields.Integer(required=True)
    places_available = fields.Integer(required=True)
    waitlist = fields.Integer(required=True)


class WaitingSchema(Schema):
    offer_id = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    town = fields.String(required=True)
    waitlist = fields.Integer(required=True)
    places_total = fields.Integer(required=True, allow_none=True)


class UtilisationSchema(Schema):
    offer_id = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    started = Count()
    places_total = fields.Integer(required=True, allow_none=True)
    share = fields.Float(required=True, allow_none=True)


class SupplyDemandSchema(Schema):
    category = fields.String(required=True)
    requests = Count()
    offers = fields.Integer(required=True)
    places_available = fields.Integer(required=True)


class GapReportSchema(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    demand = fields.Nested(DemandSchema, required=True)
    gaps = fields.List(fields.Nested(GapSchema), required=True)
    waiting = fields.List(fields.Nested(WaitingSchema), required=True)
    utilisation = fields.List(fields.Nested(UtilisationSchema), required=True)
    supply_demand = fields.List(fields.Nested(SupplyDemandSchema), required=True)
