"""The lifecycle on SQLite and PostgreSQL: transitions, proposals, starts, companions."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.errors import InvalidRecord, VersionConflict
from catalogue.store import Store
from referrals import lifecycle, service
from referrals.lifecycle import InvalidTransition, Proposal, Step
from referrals.service import Requester
from tests.conftest import make_offer

GP = Requester(name="gp-system", role="referral_system", actor="referral_system#1")
NAV = Requester(name="nav", role="navigator", actor="navigator#2")


def _referral(store: Store) -> str:
    with store.write() as session:
        return service.create(session, GP, citizen_ref="lp-7f3a91").id


def _walk(store: Store, rid: str, *steps: Step) -> int:
    version = 1
    for step in steps:
        version = lifecycle.move(store, rid, NAV, version, step).version
    return version


def test_the_happy_path_records_who_and_what(store: Store) -> None:
    store.import_offers([make_offer("o-1"), make_offer("o-2")], actor="tests")
    rid = _referral(store)
    version = _walk(
        store,
        rid,
        Step("contacted"),
        Step("assessed", interests=["sang", "sang"], barriers=["no_car"]),
        Step("matched", query_id="q-1", proposals=[Proposal("o-2", 1, 0.9), Proposal("o-1", 2, 0.5)]),
        Step("started", offer_id="o-2"),
        Step("started", offer_id="o-1"),
        Step("following_up"),
        Step("closed", close_reason="completed"),
    )
    with store.read() as session:
        row = service.get(session, rid, NAV)
        assert (row.status, row.close_reason, row.interests, row.version) == ("closed", "completed", ["sang"], version)
        events = service.history(session, rid, NAV)
        offers = lifecycle.proposals(session, rid, NAV)
    assert [e.changes["status"][1] for e in events[1:]] == [
        "contacted", "assessed", "matched", "started", "started", "following_up", "closed"
    ]  # fmt: skip
    assert {e.actor for e in events[1:]} == {"navigator#2"}
    assert [(o.offer_id, o.rank, o.query_id) for o in offers] == [("o-2", 1, "q-1"), ("o-1", 2, "q-1")]
    assert all(o.started_on is not None for o in offers)


@pytest.mark.parametrize(
    ("steps", "wanted", "allowed"),
    [
        ((), "matched", ("contacted", "could_not_contact", "closed")),
        ((Step("contacted"),), "started", ("assessed", "closed")),
        ((Step("closed", close_reason="no_capacity"),), "contacted", ()),
    ],
)
def test_an_invalid_transition_lists_the_allowed(
    store: Store, steps: tuple[Step, ...], wanted: str, allowed: tuple[str, ...]
) -> None:
    rid = _referral(store)
    version = _walk(store, rid, *steps)
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.move(store, rid, NAV, version, Step(wanted))
    assert caught.value.allowed == allowed
    with store.read() as session:
        assert len(service.history(session, rid, NAV)) == 1 + len(steps)  # nothing written


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (Step("closed"), "close_reason"),
        (Step("contacted", close_reason="completed"), "close_reason"),
    ],
)
def test_what_a_status_needs_is_checked(store: Store, step: Step, field: str) -> None:
    rid = _referral(store)
    with pytest.raises(InvalidRecord) as caught:
        lifecycle.move(store, rid, NAV, 1, step)
    assert list(caught.value.errors) == [field]


def test_proposals_must_be_known_offers_and_a_start_a_proposed_one(store: Store) -> None:
    store.import_offers([make_offer("o-1")], actor="tests")
    rid = _referral(store)
    version = _walk(store, rid, Step("contacted"), Step("assessed", interests=["sang"]))
    with pytest.raises(InvalidRecord) as caught:
        lifecycle.move(store, rid, NAV, version, Step("matched", proposals=[Proposal("nope", 1, 0.1)]))
    assert caught.value.errors == {"proposals": ["Unknown offer: nope."]}
    with pytest.raises(InvalidRecord):
        lifecycle.move(store, rid, NAV, version, Step("matched"))
    version = lifecycle.move(store, rid, NAV, version, Step("matched", proposals=[Proposal("o-1", 1, 0.1)])).version
    with pytest.raises(InvalidRecord) as caught:
        lifecycle.move(store, rid, NAV, version, Step("started", offer_id="o-9"))
    assert list(caught.value.errors) == ["offer_id"]
    with pytest.raises(VersionConflict):
        lifecycle.move(store, rid, NAV, version - 1, Step("started", offer_id="o-1"))


def test_companion_requests_move_requested_found_went_along(store: Store) -> None:
    store.import_offers([make_offer("o-1")], actor="tests")
    rid = _referral(store)
    version = _walk(
        store,
        rid,
        Step("contacted"),
        Step("assessed", interests=["sang"]),
        Step("matched", proposals=[Proposal("o-1", 1, 0.3)]),
    )
    with pytest.raises(InvalidRecord):
        lifecycle.request_companion(store, rid, NAV, "o-2")  # not proposed
    companion = lifecycle.request_companion(store, rid, NAV, "o-1")
    with pytest.raises(InvalidTransition) as caught:
        lifecycle.move_companion(store, rid, companion.id, NAV, "went_along")
    assert caught.value.allowed == ("found", "cancelled")
    lifecycle.move_companion(store, rid, companion.id, NAV, "found")
    assert lifecycle.move_companion(store, rid, companion.id, NAV, "went_along").state == "went_along"
    with store.read() as session:
        assert [c.state for c in lifecycle.companions(session, rid, NAV)] == ["went_along"]
        assert service.get(session, rid, NAV).version > version  # each change is in the history


def test_a_start_before_the_referral_was_received_is_refused(store: Store) -> None:
    store.import_offers([make_offer("o-1")], actor="tests")
    rid = _referral(store)
    version = _walk(
        store,
        rid,
        Step("contacted"),
        Step("assessed", interests=["sang"]),
        Step("matched", proposals=[Proposal("o-1", 1, 0.1)]),
    )
    with pytest.raises(InvalidRecord) as caught:
        lifecycle.move(store, rid, NAV, version, Step("started", offer_id="o-1", on=date(1, 1, 1)))
    assert list(caught.value.errors) == ["on"]


def test_an_unknown_interest_code_is_refused_by_name(store: Store) -> None:
    rid = _referral(store)
    version = _walk(store, rid, Step("contacted"))
    with pytest.raises(InvalidRecord) as caught:
        lifecycle.move(store, rid, NAV, version, Step("assessed", interests=["sang", "xx-ukendt"]))
    assert list(caught.value.errors) == ["interests"] and "xx-ukendt" in caught.value.errors["interests"][0]
