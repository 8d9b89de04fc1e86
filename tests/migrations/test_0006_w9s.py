"""Revision 0006_w9s: schedule state from existing slots; the downgrade keeps only weekly slots."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import text

import migrations
from catalogue.store import Store
from tests.conftest import make_offer


def _to(store: Store, revision: str, down: bool = False) -> None:
    cfg = migrations.alembic_config()
    with store.write() as session:
        cfg.attributes["connection"] = session.connection()
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _column(store: Store, column: str) -> dict[str, object]:
    with store.read() as session:
        return dict(session.execute(text(f"SELECT id, {column} FROM offer ORDER BY id")).all())  # type: ignore[arg-type]


def test_state_comes_from_the_slots_and_the_downgrade_keeps_weekly_slots(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        migrations.upgrade(store)
        monthly = {"weekday": 2, "start": "19:00", "end": "21:00", "freq": "MONTHLY", "nth": 1}
        weekly = {"weekday": 4, "start": "10:00", "end": "12:00"}
        offers = [
            make_offer("a-weekly", schedule={"slots": [weekly]}),
            make_offer("b-empty", schedule={"slots": []}),
            make_offer("c-mixed", schedule={"slots": [monthly, {**weekly, "note": "i salen"}]}),
        ]
        assert store.import_offers(offers, actor="t").committed
        _to(store, "0005_w9", down=True)
        slots = {k: json.loads(v) if isinstance(v, str) else v for k, v in _column(store, "slots").items()}
        assert slots == {"a-weekly": [weekly], "b-empty": [], "c-mixed": [weekly]}  # monthly cannot be said weekly
        _to(store, "0006_w9s")
        assert _column(store, "schedule_state") == {
            "a-weekly": "slots",
            "b-empty": "by_arrangement",
            "c-mixed": "slots",
        }
        assert store.get_offer("b-empty")["schedule"]["state"] == "by_arrangement"
    finally:
        store.close()
