"""Retention: anonymising closed referrals after a time (``faellesskab referrals purge``).

A closed referral whose last change is older than the cut-off loses
everything that links it to a person or to other records: the referring
system's pseudonym (``citizen_ref``) and id (``external_ref``), the link to an
earlier referral, postcode and town, interest and barrier codes, the offers
proposed and companion requests, and the details of its history (the status
steps and their dates stay). What stays is aggregate-safe and is what the
outcome report and the research export count: practice code, age band,
reason codes, dates, status and close reason, and questionnaire scores.
Running it again changes nothing (``anonymised_at`` marks what is done).
"""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, select, update

from catalogue.base import utcnow
from catalogue.store import Store

from .models import CompanionRequest, Referral, ReferralEvent, ReferralOffer

#: What ``citizen_ref`` becomes (the column is never empty).
ANONYMOUS = "anonymiseret"


def purge(store: Store, older_than_months: int, *, now: datetime | None = None) -> int:
    """Anonymise closed referrals last changed more than ``older_than_months``
    calendar months before ``now`` (default: the current time); returns how
    many were anonymised by this call. Raises ``ValueError`` for fewer than 1 month."""
    if older_than_months < 1:
        raise ValueError("older_than_months must be at least 1.")
    cutoff = (now or utcnow()) - relativedelta(months=older_than_months)
    with store.write() as session:
        rows = list(
            session.scalars(
                select(Referral).where(
                    Referral.status == "closed", Referral.anonymised_at.is_(None), Referral.updated_at < cutoff
                )
            )
        )
        ids = [r.id for r in rows]
        if not ids:
            return 0
        session.execute(delete(ReferralOffer).where(ReferralOffer.referral_id.in_(ids)))
        session.execute(delete(CompanionRequest).where(CompanionRequest.referral_id.in_(ids)))
        session.execute(update(ReferralEvent).where(ReferralEvent.referral_id.in_(ids)).values(changes={}))
        stamp = utcnow()
        for row in rows:
            row.citizen_ref, row.external_ref, row.previous_id = ANONYMOUS, None, None
            row.postcode, row.town, row.interests, row.barriers, row.offer_ids = None, None, [], [], []
            row.anonymised_at = stamp
        session.execute(update(Referral).where(Referral.previous_id.in_(ids)).values(previous_id=None))
    return len(ids)


__all__ = ["ANONYMOUS", "purge"]
