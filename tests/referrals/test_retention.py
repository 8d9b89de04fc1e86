"""Retention: closed referrals are anonymised after a time, idempotently."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from catalogue.base import utcnow
from catalogue.store import Store
from referrals import lifecycle, questionnaires, service
from referrals.lifecycle import Proposal, Step
from referrals.models import CompanionRequest, Referral, ReferralEvent, ReferralOffer
from referrals.retention import ANONYMOUS, purge
from referrals.service import Requester
from tests.conftest import make_offer

GP = Requester(name="gp-system", role="referral_system", actor="referral_system#1")
NAV = Requester(name="nav", role="navigator", actor="navigator#2")


def _closed(store: Store, ref: str, previous_id: str | None = None) -> str:
    with store.write() as session:
        rid = service.create(
            session, GP, citizen_ref="lp-7f3a91", external_ref=ref, gp_practice="111111", town="Grenaa",
            postcode="8500", age_band="65-74", reasons=["loneliness"], previous_id=previous_id,
        ).id  # fmt: skip
    version = 1
    for step in (
        Step("contacted"),
        Step("assessed", interests=["sang"], barriers=["no_car"]),
        Step("matched", query_id="q-1", proposals=[Proposal("o-1", 1, 0.5)]),
        Step("closed", close_reason="completed"),
    ):
        version = lifecycle.move(store, rid, NAV, version, step).version
        if step.to == "matched":
            lifecycle.request_companion(store, rid, NAV, "o-1")
            version += 1
    questionnaires.record_answers(
        store, rid, NAV, instrument="who5", timepoint="baseline", taken_on=date(2026, 1, 5), items=[1, 2, 3, 4, 5]
    )
    return rid


def test_purge_anonymises_old_closed_referrals_once(store: Store) -> None:
    store.import_offers([make_offer("o-1")], actor="tests")
    old = _closed(store, "gp-old")
    newer = _closed(store, "gp-new", previous_id=old)
    with store.write() as session:
        session.get(Referral, newer).status = "closed"
    with store.write() as session:  # the first one was closed long ago
        session.get(Referral, old).updated_at = utcnow() - timedelta(days=800)
    with store.write() as session:
        still_open = service.create(session, GP, citizen_ref="lp-open-1", external_ref="gp-open").id
        session.get(Referral, still_open).updated_at = utcnow() - timedelta(days=800)

    assert purge(store, 24) == 1
    assert purge(store, 24) == 0  # idempotent
    with store.read() as session:
        row = session.get(Referral, old)
        assert row is not None and row.anonymised_at is not None
        assert (row.citizen_ref, row.external_ref, row.postcode, row.town, row.interests, row.barriers) == (
            ANONYMOUS, None, None, None, [], []
        )  # fmt: skip
        assert (row.gp_practice, row.age_band, row.reasons, row.status, row.close_reason) == (
            "111111", "65-74", ["loneliness"], "closed", "completed"
        )  # fmt: skip
        assert session.scalars(select(ReferralOffer).where(ReferralOffer.referral_id == old)).all() == []
        assert session.scalars(select(CompanionRequest).where(CompanionRequest.referral_id == old)).all() == []
        events = session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == old)).all()
        assert events and all(e.changes == {} for e in events)
        assert session.get(Referral, newer).previous_id is None  # the link goes too
        assert session.get(Referral, newer).citizen_ref == "lp-7f3a91"  # too recent
        assert session.get(Referral, still_open).citizen_ref == "lp-open-1"  # not closed
        answers = questionnaires.answers_of(session, old, None)
    assert [a.score for a in answers] == [15]  # scores stay for the outcome report
