"""The grant ledger: the capacity fund, its grants and payments, and what they bought.

Amounts are whole øre (``int``) inside, :class:`~decimal.Decimal` kroner at
the edges (:func:`to_ore`, :func:`kr`); never floats. The fund defaults to
Østifterne's 1,500,000 kr. until one is recorded. Committing a grant that
would take the commitments past the fund's total raises :class:`FundExceeded`
with the amount that remains, and so does a payment past its grant.

Realised outputs (:func:`ledger_report`) are read from the supply history of
the grant's linked offers (:mod:`capacity.supply`) and the recipient's
volunteer reports, compared between the day before the commitment and the
report date:

- new offers: linked offers first recorded on or after the commitment date
  and active on the report date;
- places: the linked offers' ``places_total`` (active ones) then and now;
- volunteers, companions: the recipient organisation's reported counts then and now.

Cost per new place (volunteer) is the committed amount divided by the realised
places (volunteers); none when nothing was realised.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalogue.errors import InvalidRecord, NotFound
from catalogue.models import Offer, Organisation
from catalogue.store import Store

from .models import CapacityFund, Grant, GrantPayment
from .supply import OfferHistory, figures_of, offer_history
from .volunteers import VolunteerHistory, day_errors, volunteer_history

FUND_ID: Final = 1
DEFAULT_FUND_NAME: Final = "Østifterne: kapacitetsopbygning i Norddjurs"
DEFAULT_FUND_TOTAL_ORE: Final = 1_500_000 * 100
OUTPUTS: Final = ("offers", "places", "volunteers", "companions")


class FundExceeded(Exception):
    """The commitment (or payment) would pass what is left; ``remaining_ore`` is what is left."""

    def __init__(self, what: str, remaining_ore: int, field: str = "amount_dkk") -> None:
        super().__init__(f"{what}: only {kr(remaining_ore)} kr. remain.")
        self.what, self.remaining_ore, self.field = what, remaining_ore, field


def to_ore(amount: Decimal | int | str) -> int:
    """Kroner as whole øre; raises ValueError for fractions of an øre or a non-number."""
    value = Decimal(str(amount)) * 100
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError("at most two decimals (øre)")
    return int(value)


def kr(ore: int) -> Decimal:
    """Øre as kroner with two decimals."""
    return (Decimal(ore) / 100).quantize(Decimal("0.01"))


def _fund_dict(row: CapacityFund | None) -> dict[str, Any]:
    if row is None:
        return {
            "name": DEFAULT_FUND_NAME,
            "total_ore": DEFAULT_FUND_TOTAL_ORE,
            "period_start": None,
            "period_end": None,
            "recorded": False,
        }
    return {
        "name": row.name,
        "total_ore": row.total_ore,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "recorded": True,
    }


def get_fund(store: Store) -> dict[str, Any]:
    """``{name, total_ore, period_start, period_end, recorded}`` (the default when none is recorded)."""
    with store.read() as session:
        return _fund_dict(session.get(CapacityFund, FUND_ID))


def _committed(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Grant.amount_ore), 0))) or 0)


def _locked_fund(session: Session, store: Store, actor: str) -> CapacityFund:
    """The fund row, made from the default if missing, locked for the transaction (PostgreSQL;
    SQLite's write transaction already holds the database lock)."""
    stmt = select(CapacityFund).where(CapacityFund.id == FUND_ID)
    if store.dialect == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        row = CapacityFund(id=FUND_ID, name=DEFAULT_FUND_NAME, total_ore=DEFAULT_FUND_TOTAL_ORE, updated_by=actor)
        session.add(row)
        session.flush()
    return row


def set_fund(
    store: Store, *, name: str, total_ore: int, period_start: date | None, period_end: date | None, actor: str
) -> dict[str, Any]:
    """Record the fund; raises InvalidRecord (bad period or total) and FundExceeded
    when the total would be below what is already committed."""
    errors: dict[str, list[str]] = {}
    if total_ore <= 0:
        errors["total_dkk"] = ["Must be more than 0."]
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = ["Must not be before period_start."]
    errors.update(day_errors(period_start=period_start, period_end=period_end))
    if errors:
        raise InvalidRecord(errors)
    with store.write() as session:
        row = _locked_fund(session, store, actor)
        committed = _committed(session)
        if total_ore < committed:
            raise FundExceeded("The total is below the commitments", total_ore - committed, "total_dkk")
        row.name, row.total_ore, row.period_start, row.period_end = name, total_ore, period_start, period_end
        row.updated_by = actor
        session.flush()
        return _fund_dict(row)


def add_grant(
    store: Store,
    *,
    organisation_id: str,
    amount_ore: int,
    committed_on: date,
    purpose: str,
    expected: Mapping[str, int],
    offer_ids: Sequence[str],
    actor: str,
) -> dict[str, Any]:
    """Commit a grant. Raises InvalidRecord naming the field (unknown organisation
    or offer, amount not above 0, negative expected output) and FundExceeded."""
    errors: dict[str, list[str]] = {}
    if amount_ore <= 0:
        errors["amount_dkk"] = ["Must be more than 0."]
    for name in OUTPUTS:
        if expected.get(name, 0) < 0:
            errors[f"expected.{name}"] = ["Must be 0 or more."]
    errors.update(day_errors(committed_on=committed_on))
    with store.write() as session:
        if session.get(Organisation, organisation_id) is None:
            errors["organisation_id"] = [f"No organisation with id {organisation_id!r}."]
        found = set(session.scalars(select(Offer.id).where(Offer.id.in_(list(offer_ids)))))
        missing = [o for o in offer_ids if o not in found]
        if missing:
            errors["offer_ids"] = [f"No offer with id {o!r}." for o in missing]
        if errors:
            raise InvalidRecord(errors)
        fund = _locked_fund(session, store, actor)
        remaining = fund.total_ore - _committed(session)
        if amount_ore > remaining:
            raise FundExceeded("The grant is more than the fund has left", remaining)
        row = Grant(
            id=str(uuid.uuid4()),
            organisation_id=organisation_id,
            amount_ore=amount_ore,
            committed_on=committed_on,
            purpose=purpose,
            offer_ids=list(dict.fromkeys(offer_ids)),
            created_by=actor,
            **{f"expected_{name}": int(expected.get(name, 0)) for name in OUTPUTS},
        )
        session.add(row)
        session.flush()
        return {"id": row.id}


def link_offers(store: Store, grant_id: str, offer_ids: Sequence[str]) -> list[str]:
    """Set the offers a grant created or expanded (often made after the commitment);
    raises NotFound (grant) and InvalidRecord naming ``offer_ids``. Returns the new links."""
    with store.write() as session:
        grant = session.get(Grant, grant_id)
        if grant is None:
            raise NotFound("grant", grant_id)
        found = set(session.scalars(select(Offer.id).where(Offer.id.in_(list(offer_ids)))))
        missing = [o for o in offer_ids if o not in found]
        if missing:
            raise InvalidRecord({"offer_ids": [f"No offer with id {o!r}." for o in missing]})
        grant.offer_ids = list(dict.fromkeys(offer_ids))
        session.flush()
        return list(grant.offer_ids)


def add_payment(store: Store, grant_id: str, *, paid_on: date, amount_ore: int, actor: str) -> dict[str, Any]:
    """Record a payment of a grant; raises NotFound, InvalidRecord (amount) and
    FundExceeded (more than the grant has left to pay); a day outside
    ``volunteers.FIRST_DAY``..``LAST_DAY`` is InvalidRecord too."""
    errors = day_errors(paid_on=paid_on)
    if amount_ore <= 0:
        errors["amount_dkk"] = ["Must be more than 0."]
    if errors:
        raise InvalidRecord(errors)
    with store.write() as session:
        stmt = select(Grant).where(Grant.id == grant_id)
        if store.dialect == "postgresql":
            stmt = stmt.with_for_update()
        grant = session.scalars(stmt).first()
        if grant is None:
            raise NotFound("grant", grant_id)
        paid = session.scalar(
            select(func.coalesce(func.sum(GrantPayment.amount_ore), 0)).where(GrantPayment.grant_id == grant_id)
        )
        left = grant.amount_ore - int(paid or 0)
        if amount_ore > left:
            raise FundExceeded("The payment is more than the grant has left to pay", left)
        payment = GrantPayment(grant_id=grant_id, paid_on=paid_on, amount_ore=amount_ore, recorded_by=actor)
        session.add(payment)
        session.flush()
        return {"id": payment.id, "grant_id": grant_id, "paid_on": paid_on, "amount_ore": amount_ore}


def realised(
    grant: Mapping[str, Any], history: OfferHistory, volunteers: VolunteerHistory, day: date
) -> dict[str, int]:
    """A grant's realised outputs on ``day`` (see the module docstring)."""
    linked = set(grant["offer_ids"])
    before = grant["committed_on"] - timedelta(days=1)
    now = history.active(day, lambda o: o["id"] in linked)
    then = history.active(before, lambda o: o["id"] in linked)
    org = {grant["organisation_id"]}
    vol_then, comp_then = volunteers.on(before, org)
    vol_now, comp_now = volunteers.on(day, org)
    return {
        "offers": sum(1 for o in now if history.created[o["id"]].date() >= grant["committed_on"]),
        "places": figures_of(now).places_total - figures_of(then).places_total,
        "volunteers": vol_now - vol_then,
        "companions": comp_now - comp_then,
    }


def _per(amount_ore: int, count: int) -> Decimal | None:
    return kr(int((Decimal(amount_ore) / count).quantize(Decimal(1), ROUND_HALF_UP))) if count > 0 else None


def list_grants(store: Store) -> list[dict[str, Any]]:
    """Every grant with its payments (oldest commitment first), amounts in øre."""
    with store.read() as session:
        grants = session.scalars(select(Grant).order_by(Grant.committed_on, Grant.created_at)).all()
        payments = session.scalars(select(GrantPayment).order_by(GrantPayment.paid_on, GrantPayment.id)).all()
        names = {i: n for i, n in session.execute(select(Organisation.id, Organisation.name))}
        out = []
        for g in grants:
            out.append(
                {
                    "id": g.id,
                    "organisation_id": g.organisation_id,
                    "organisation_name": names.get(g.organisation_id),
                    "amount_ore": g.amount_ore,
                    "committed_on": g.committed_on,
                    "purpose": g.purpose,
                    "offer_ids": list(g.offer_ids or []),
                    "expected": {name: getattr(g, f"expected_{name}") for name in OUTPUTS},
                    "payments": [
                        {"paid_on": p.paid_on, "amount_ore": p.amount_ore} for p in payments if p.grant_id == g.id
                    ],
                }
            )
        return out


def ledger_report(store: Store, day: date) -> dict[str, Any]:
    """The ledger on ``day``: fund, committed, paid and remaining (øre), and per grant
    the amount, paid, expected and realised outputs and the cost per new place and
    volunteer (Decimal kroner). Commitments and payments dated after ``day`` are left out."""
    fund = get_fund(store)
    history, volunteers = offer_history(store), volunteer_history(store)
    grants = []
    for g in list_grants(store):
        if g["committed_on"] > day:
            continue
        paid = sum(p["amount_ore"] for p in g["payments"] if p["paid_on"] <= day)
        got = realised(g, history, volunteers, day)
        grants.append(
            {
                **g,
                "payments": [p for p in g["payments"] if p["paid_on"] <= day],
                "paid_ore": paid,
                "realised": got,
                "cost_per_place": _per(g["amount_ore"], got["places"]),
                "cost_per_volunteer": _per(g["amount_ore"], got["volunteers"]),
            }
        )
    committed = sum(g["amount_ore"] for g in grants)
    places = sum(g["realised"]["places"] for g in grants)
    vols = sum(g["realised"]["volunteers"] for g in grants)
    return {
        "date": day,
        "fund": fund,
        "committed_ore": committed,
        "paid_ore": sum(g["paid_ore"] for g in grants),
        "remaining_ore": fund["total_ore"] - committed,
        "cost_per_place": _per(committed, places),
        "cost_per_volunteer": _per(committed, vols),
        "grants": grants,
    }
