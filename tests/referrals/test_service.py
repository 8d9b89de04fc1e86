"""The referral lifecycle on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from catalogue.errors import InvalidRecord, NotFound, VersionConflict
from catalogue.store import Store
from referrals import lifecycle, service
from referrals.models import Referral
from referrals.service import Requester

GP = Requester(name="gp-system", role="referral_system", actor="key:gp-system")
OTHER_GP = Requester(name="other-system", role="referral_system", actor="key:other-system")
NAV = Requester(name="nav", role="navigator", actor="key:nav")


def _create(store: Store, requester: Requester = GP, **kwargs: object) -> Referral:
    with store.write() as session:
        return service.create(session, requester, citizen_ref="lp-7f3a91", **kwargs)  # type: ignore[arg-type]


def test_create_starts_received_with_one_event(store: Store) -> None:
    row = _create(store, gp_practice="012345", reasons=["loneliness"])
    assert (row.status, row.source, row.version, row.reasons) == ("received", "gp-system", 1, ["loneliness"])
    with store.read() as session:
        events = service.history(session, row.id, NAV)
    assert [(e.status, e.actor, e.changes) for e in events] == [("received", "key:gp-system", {"created": True})]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"citizen_ref": "0101901234"}, "citizen_ref"),
        ({"citizen_ref": "lp-1234", "reasons": ["sad"]}, "reasons"),
        ({"citizen_ref": "lp-1234", "gp_practice": "0101901234"}, "gp_practice"),
        ({"citizen_ref": "lp-1234", "external_ref": "ref-010190.1234"}, "external_ref"),
        ({"citizen_ref": "lp-1234", "external_ref": "no spaces"}, "external_ref"),
        ({"citizen_ref": "lp-1234", "town": "Grenaa 01 01 90 1234"}, "town"),
        ({"citizen_ref": "lp-1234", "age_band": "42"}, "age_band"),
    ],
    ids=[
        "cpr citizen_ref",
        "unknown reason",
        "cpr gp_practice",
        "cpr external_ref",
        "bad external_ref",
        "cpr town",
        "unknown age band",
    ],
)
def test_create_refuses_cpr_and_unknown_reasons(store: Store, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecord) as caught, store.write() as session:
        service.create(session, GP, **kwargs)  # type: ignore[arg-type]
    assert set(caught.value.errors) == {field}
    with store.read() as session:
        assert service.list_page(session, status=None, page=1, per_page=10) == ([], 0)


INTAKE = {
    "citizen_ref": "lp-7f3a91",
    "external_ref": "gp-ref-0001",
    "gp_practice": "012345",
    "received": date(2026, 11, 2),
    "age_band": "65-74",
    "postcode": "8500",
    "town": "Grenaa",
    "reasons": ["loneliness"],
}


def test_receive_is_idempotent_per_referring_system(store: Store) -> None:
    first, created = service.receive(store, GP, **INTAKE)
    assert created and service.record(first) | INTAKE == service.record(first)
    again, created_again = service.receive(store, GP, **{**INTAKE, "reasons": ["stress"]})
    assert (again.id, created_again, again.reasons) == (first.id, False, ["loneliness"])
    other, created_other = service.receive(store, OTHER_GP, **INTAKE)  # another system, the same id of its own
    assert created_other and other.id != first.id
    with store.read() as session:
        assert service.list_page(session, status=None, page=1, per_page=10)[1] == 2


def test_receive_survives_a_race_on_the_same_external_ref(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = service.receive(store, GP, **INTAKE)
    real_find = service.find
    calls: list[str] = []

    def find_missing_first(session: Session, source: str, external_ref: str) -> Referral | None:
        calls.append(external_ref)  # the racing sender looked before the first committed
        return None if len(calls) == 1 else real_find(session, source, external_ref)

    monkeypatch.setattr(service, "find", find_missing_first)
    again, created = service.receive(store, GP, **INTAKE)
    assert (again.id, created, len(calls)) == (first.id, False, 2)
    with store.read() as session:
        assert service.list_page(session, status=None, page=1, per_page=10)[1] == 1


def test_a_referral_system_sees_only_its_own(store: Store) -> None:
    row = _create(store)
    with store.read() as session:
        assert service.get(session, row.id, GP).id == row.id
        assert service.get(session, row.id, NAV).id == row.id
        assert service.get(session, row.id, None).id == row.id
        with pytest.raises(NotFound):
            service.get(session, row.id, OTHER_GP)
        with pytest.raises(NotFound):
            service.history(session, row.id, OTHER_GP)
        with pytest.raises(NotFound):
            service.get(session, "no-such-id", NAV)


def test_list_pages_newest_first_and_filters(store: Store) -> None:
    ids = [_create(store).id for _ in range(3)]
    lifecycle.move(store, ids[0], NAV, 1, lifecycle.Step("contacted"))
    with store.read() as session:
        rows, total = service.list_page(session, status=None, page=1, per_page=2)
        assert total == 3 and len(rows) == 2
        rest, _ = service.list_page(session, status=None, page=2, per_page=2)
        assert {r.id for r in rows + rest} == set(ids)
        assert [r.id for r in rows] == [ids[2], ids[1]]  # newest first
        contacted, n = service.list_page(session, status="contacted", page=1, per_page=10)
        assert n == 1 and [r.id for r in contacted] == [ids[0]]


def test_open_page_leaves_out_the_closed_and_follows_the_ownership_rule(store: Store) -> None:
    mine = [_create(store).id for _ in range(3)]
    theirs = _create(store, OTHER_GP).id
    lifecycle.move(store, mine[0], NAV, 1, lifecycle.Step("closed", close_reason="completed"))
    with store.read() as session:
        rows, total = service.open_page(session, NAV, page=1, per_page=10)
        assert total == 3 and [r.id for r in rows] == [theirs, mine[2], mine[1]]  # newest first, none closed
        own, n = service.open_page(session, GP, page=1, per_page=10)
        assert n == 2 and {r.id for r in own} == {mine[1], mine[2]}  # a referral system: its own only
        first, _ = service.open_page(session, NAV, page=2, per_page=2)
        assert [r.id for r in first] == [mine[1]]


def test_update_records_changes_and_history(store: Store) -> None:
    row = _create(store)
    baseline = {"date": date(2026, 10, 1), "who5": 9, "life_satisfaction": 4}
    updated = service.update(store, row.id, NAV, 1, {"reasons": ["stress"], "wellbeing": {"baseline": baseline}})
    assert (updated.status, updated.reasons, updated.version, updated.updated_by) == (
        "received",
        ["stress"],
        2,
        "key:nav",
    )
    assert updated.wellbeing == {"baseline": {"date": "2026-10-01", "who5": 9, "life_satisfaction": 4}}
    with store.read() as session:
        events = service.history(session, row.id, NAV)
    assert [e.status for e in events] == ["received", "received"]
    assert events[1].changes["reasons"] == [[], ["stress"]] and events[1].actor == "key:nav"


def test_an_update_that_changes_nothing_writes_nothing(store: Store) -> None:
    row = _create(store)
    same = service.update(store, row.id, NAV, 1, {"reasons": []})
    assert same.version == 1
    with store.read() as session:
        assert len(service.history(session, row.id, NAV)) == 1


def test_update_refuses_a_stale_version(store: Store) -> None:
    row = _create(store)
    service.update(store, row.id, NAV, 1, {"reasons": ["stress"]})
    with pytest.raises(VersionConflict) as caught:
        service.update(store, row.id, NAV, 1, {"reasons": ["anxiety"]})
    assert caught.value.current["reasons"] == ["stress"] and caught.value.current["version"] == 2


def test_update_loses_a_race_as_a_conflict(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone saves between our read and our write: the version counter catches it."""
    row = _create(store)
    real_get = service.get

    def get_then_race(session: Session, referral_id: str, requester: Requester | None) -> Referral:
        found = real_get(session, referral_id, requester)
        with store.write() as other:  # another transaction commits version 2 first
            other.execute(sql_update(Referral).where(Referral.id == referral_id).values(status="closed", version=2))
        return found

    monkeypatch.setattr(service, "get", get_then_race)
    if store.dialect == "sqlite":
        pytest.skip("SQLite allows one writer: the race cannot happen inside a write transaction")
    with pytest.raises(VersionConflict) as caught:
        service.update(store, row.id, NAV, 1, {"reasons": ["stress"]})
    assert caught.value.current["status"] == "closed"


@pytest.mark.parametrize(
    "data",
    [{"reasons": ["sad"]}, {"reasons": ["stress", "lost"]}],
    ids=["unknown reason", "one unknown"],
)
def test_update_refuses_unknown_codes(store: Store, data: dict[str, object]) -> None:
    row = _create(store)
    with pytest.raises(InvalidRecord) as caught:
        service.update(store, row.id, NAV, 1, data)
    assert set(caught.value.errors) == set(data)


def test_merge_wellbeing_keeps_what_is_not_given() -> None:
    current = {"baseline": {"date": "2026-01-01", "who5": 8}}
    followup = {"date": date(2026, 4, 1), "who5": 14, "life_satisfaction": None}
    merged = service.merge_wellbeing(current, {"baseline": None, "followup": followup})
    assert merged == {
        "baseline": {"date": "2026-01-01", "who5": 8},
        "followup": {"date": "2026-04-01", "who5": 14, "life_satisfaction": None},
    }
    assert current == {"baseline": {"date": "2026-01-01", "who5": 8}}  # not changed in place
